//! The CloudWatch metric alarm as a judge: its run-time state — the history
//! of datapoints, aligned or sliding evaluation ranges, the evaluation
//! cadence, the ingestion delay — around the pure evaluator
//! [`crate::alarm::AlarmRule::evaluate`].
//!
//! Rules (docs/aws-semantics.md §1): an alarm evaluates every minute (every
//! 10 s for sub-minute periods, [`eval_interval`]); a datapoint is visible
//! once its window has ended and the ingestion delay has passed. An aligned
//! alarm reads the E most recent closed periods (a closed period not yet
//! visible is missing); an alarm whose period is longer than its evaluation
//! interval slides ([`slide_step`]): its windows end every slide step and
//! the range is anchored at the newest visible window end, reading the E
//! windows one period apart back from it. With
//! `EvaluateLowSampleCountPercentile = ignore`, an evaluation whose newest
//! datapoint had too few samples keeps the current state.
//!
//! The minimum-request guard (`min_requests`, not a CloudWatch feature but
//! the guard users add by hand, e.g. an `IF(invocations >= N, …)` in metric
//! math): at each evaluation, the requests of the alarm's scope in the
//! newest `evaluation_periods` periods of its range that are visible (the
//! periods the M-of-N rule reads) are counted; below N the judge reports
//! INSUFFICIENT_DATA (inconclusive) whatever CloudWatch's own state is,
//! which keeps evolving underneath and is reported again once the guard is
//! met.

use std::collections::VecDeque;

use super::{ClosedWindow, Judge};
use crate::alarm::{eval_interval, slide_step, AlarmState};
use crate::metrics::{population, Datapoint, DatapointCalc};
use crate::model::{AlarmSpec, LowSampleCount};
use crate::sim::time::Micros;

/// One CloudWatch alarm of one function's world.
pub struct AlarmJudge<'a> {
    spec: &'a AlarmSpec,
    /// Whether the alarm reads this function's metrics.
    active: bool,
    /// The world's window sets whose closes produce its datapoints.
    windows: Vec<usize>,
    sliding: bool,
    eval_interval: Micros,
    ingestion_delay: Micros,
    history: VecDeque<(Micros, Datapoint)>,
    /// Requests of the scope in each window of `history`.
    requests: VecDeque<u64>,
    history_cap: usize,
    /// CloudWatch's own state.
    rule_state: AlarmState,
    /// What the judge reports: `rule_state`, or INSUFFICIENT_DATA while
    /// the guard is not met.
    state: AlarmState,
    guarded: bool,
    /// Requests the guard counted at the last evaluation.
    guard_count: u64,
    range_buf: Vec<Option<f64>>,
    /// Requests of each entry of `range_buf` (0 when not visible).
    range_requests: Vec<u64>,
}

impl<'a> AlarmJudge<'a> {
    /// `windows`: the indices of the world's window sets of this alarm's
    /// period (empty when inactive); `base`: the metric period of the
    /// world's base windows.
    pub fn new(
        spec: &'a AlarmSpec,
        active: bool,
        windows: Vec<usize>,
        base: Micros,
        ingestion_delay: Micros,
    ) -> Self {
        let step = slide_step(spec.period, base);
        let range = spec.rule.evaluation_range as usize;
        let per_period = (spec.period / step) as usize;
        let sliding = step < spec.period;
        AlarmJudge {
            spec,
            active,
            windows,
            sliding,
            eval_interval: eval_interval(spec.period),
            ingestion_delay,
            history: VecDeque::with_capacity(range + 1),
            requests: VecDeque::with_capacity(range + 1),
            // Sliding: the E windows of the range plus the newer ones not
            // visible yet.
            history_cap: if sliding {
                range * per_period + (ingestion_delay / step) as usize + 2
            } else {
                range
            },
            rule_state: AlarmState::InsufficientData,
            state: AlarmState::InsufficientData,
            guarded: false,
            guard_count: 0,
            range_buf: Vec::new(),
            range_requests: Vec::new(),
        }
    }

    /// Fills `range_buf` with the evaluation range at `now`; returns whether
    /// the newest present datapoint had a low sample count.
    fn fill_range(&mut self, now: Micros) -> bool {
        let e = self.spec.rule.evaluation_range as usize;
        let delay = self.ingestion_delay;
        self.range_buf.clear();
        self.range_requests.clear();
        let mut newest_low_sample = false;
        if self.sliding {
            let anchor = self
                .history
                .iter()
                .rev()
                .find(|(end, _)| *end + delay <= now)
                .map(|(end, _)| *end);
            for k in (0..e as u64).rev() {
                let end = anchor.and_then(|a| a.checked_sub(k * self.spec.period));
                let at = end.and_then(|end| self.history.iter().position(|(t, _)| *t == end));
                let dp = at.map(|i| &self.history[i]);
                let v = dp.and_then(|(_, dp)| dp.value);
                if let (Some(_), Some((_, dp))) = (v, dp) {
                    newest_low_sample = dp.low_sample;
                }
                self.range_buf.push(v);
                self.range_requests.push(at.map_or(0, |i| self.requests[i]));
            }
        } else {
            let empty = e.saturating_sub(self.history.len());
            self.range_buf.resize(empty, None);
            self.range_requests.resize(empty, 0);
            for ((end, dp), &n) in self.history.iter().zip(&self.requests) {
                let visible = *end + delay <= now;
                let v = if visible { dp.value } else { None };
                if v.is_some() {
                    newest_low_sample = dp.low_sample;
                }
                self.range_buf.push(v);
                self.range_requests.push(if visible { n } else { 0 });
            }
        }
        newest_low_sample
    }
}

impl Judge for AlarmJudge<'_> {
    fn name(&self) -> &str {
        &self.spec.name
    }

    fn evaluation_interval(&self) -> Option<Micros> {
        self.active.then_some(self.eval_interval)
    }

    fn observe(&mut self, now: Micros, window: &ClosedWindow<'_>, calc: &mut DatapointCalc) {
        if !self.windows.contains(&window.index) {
            return;
        }
        let dp = calc.datapoint(self.spec, window.filters, window.accs);
        self.history.push_back((now, dp));
        let n = population(self.spec.scope)
            .iter()
            .map(|&slot| window.accs[slot].count)
            .sum();
        self.requests.push_back(n);
        while self.history.len() > self.history_cap {
            self.history.pop_front();
            self.requests.pop_front();
        }
    }

    fn evaluate(&mut self, now: Micros) -> Option<AlarmState> {
        if !self.active || now % self.eval_interval != Micros::ZERO {
            return None;
        }
        let newest_low_sample = self.fill_range(now);
        if !(newest_low_sample && self.spec.low_sample_count == LowSampleCount::Ignore) {
            self.rule_state = self.spec.rule.evaluate(&self.range_buf, self.rule_state);
        }
        if self.spec.guard.active() {
            let n = self.spec.rule.evaluation_periods as usize;
            let read = &self.range_requests[self.range_requests.len().saturating_sub(n)..];
            self.guard_count = read.iter().sum();
            self.guarded = self.guard_count < self.spec.guard.min_requests;
        }
        let next = if self.guarded {
            AlarmState::InsufficientData
        } else {
            self.rule_state
        };
        (next != self.state).then(|| {
            self.state = next;
            next
        })
    }

    fn state(&self) -> AlarmState {
        self.state
    }

    fn guard_inconclusive(&self) -> bool {
        self.guarded
    }

    fn describe(&self) -> String {
        if !self.spec.guard.active() {
            return String::new();
        }
        let verdict = if self.guarded {
            "inconclusive"
        } else {
            "conclusive"
        };
        format!(
            "guard: {verdict}, {} requests in the last {} periods (min_requests {}); CloudWatch state {}",
            self.guard_count,
            self.spec.rule.evaluation_periods,
            self.spec.guard.min_requests,
            self.rule_state.name()
        )
    }

    fn value_closed_at(&self, now: Micros) -> Option<f64> {
        self.history
            .back()
            .filter(|(end, _)| *end == now)
            .and_then(|(_, dp)| dp.value)
    }
}
