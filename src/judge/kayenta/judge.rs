//! A Kayenta judge in the world: it turns the canary's and the baseline
//! pool's closed metric windows into one sample per `step`, and at each
//! judgement (`begin_after + j × interval`, j = 1 … lifetime / interval)
//! classifies every metric on the samples of its window (growing from the
//! analysis start, or the last `lookback`), scores them and decides as
//! Kayenta's standalone canary analysis does: a score ≤ `marginal` stops
//! the analysis as failed (`MonitorCanaryTask.java:116-122`); the last
//! judgement must score > `marginal` and ≥ `pass`
//! (`GenerateCanaryAnalysisResultTask.java:228-254`). The classification
//! and score are the pure [`super::classifier`] and [`super::scorer`].
//!
//! Before its first judgement the judge is `INSUFFICIENT_DATA`; a passing
//! judgement makes it `OK`; a failing one `ALARM` (Failing), for good —
//! the analysis is over.

use rand::SeedableRng;
use rand_pcg::Pcg64Mcg;

use super::classifier::{classify_metric, Label};
use super::scorer::{final_passes, score, stops_early, MetricResult, ScoreReason};
use crate::alarm::AlarmState;
use crate::judge::{ClosedWindow, Judge};
use crate::metrics::{Acc, DatapointCalc, BASELINE, CANDIDATE};
use crate::model::{KayentaQuery, KayentaSpec, RequestGuard};
use crate::sim::time::Micros;

/// What one server group served in the open step.
#[derive(Debug, Clone, Copy, Default)]
struct StepAcc {
    count: u64,
    failed: u64,
    server_errors: u64,
    errors: u64,
    sum_ms: f64,
}

impl StepAcc {
    fn add(&mut self, a: &Acc) {
        self.count += a.count;
        self.failed += a.failed();
        self.server_errors += a.server_errors;
        self.errors += a.errors;
        if a.count > 0 {
            self.sum_ms += a.sum_ms;
        }
    }

    /// The query's value; NaN when the group served nothing (a metrics
    /// store returns no point for an empty window; `nan_strategy` decides).
    fn value(&self, q: KayentaQuery) -> f64 {
        let n = self.count as f64;
        if q == KayentaQuery::RequestCount {
            return n;
        }
        if self.count == 0 {
            return f64::NAN;
        }
        match q {
            KayentaQuery::ErrorRate => self.failed as f64 / n,
            KayentaQuery::ServerErrorRate => self.server_errors as f64 / n,
            KayentaQuery::LambdaErrorRate => self.errors as f64 / n,
            KayentaQuery::LatencyMean => self.sum_ms / n,
            KayentaQuery::RequestCount => n,
        }
    }
}

/// One step's samples: per metric, (canary, baseline).
struct Sample {
    end: Micros,
    /// Candidate requests in the step (for the minimum-request guard).
    canary_requests: u64,
    values: Vec<(f64, f64)>,
}

/// The last judgement, for outputs.
#[derive(Debug, Clone, PartialEq)]
pub struct Judgement {
    /// World time of the judgement.
    pub at: Micros,
    pub number: u64,
    pub of: u64,
    pub score: f64,
    pub reason: ScoreReason,
    /// Fewest samples any metric had (canary or baseline, after NaN handling).
    pub min_samples: usize,
    /// Per metric: its classification label.
    pub labels: Vec<Label>,
}

pub struct KayentaJudge<'a> {
    name: &'a str,
    spec: &'a KayentaSpec,
    guard: RequestGuard,
    /// The last judgement fell under the guard's `min_requests`.
    inconclusive: bool,
    active: bool,
    /// Judge time of the world's t = 0 (the warm-up length).
    offset: Micros,
    canary: StepAcc,
    baseline: StepAcc,
    samples: Vec<Sample>,
    judged: u64,
    done: bool,
    state: AlarmState,
    last: Option<Judgement>,
    rng: Pcg64Mcg,
}

impl<'a> KayentaJudge<'a> {
    /// `active`: whether it reads this function's world; `offset`: the
    /// warm-up length (judge time of t = 0); `seed`: its own stream
    /// (`seed::judge_seed`).
    pub fn new(
        name: &'a str,
        spec: &'a KayentaSpec,
        guard: RequestGuard,
        active: bool,
        offset: Micros,
        seed: u64,
    ) -> Self {
        KayentaJudge {
            name,
            spec,
            guard,
            inconclusive: false,
            active,
            offset,
            canary: StepAcc::default(),
            baseline: StepAcc::default(),
            samples: Vec::new(),
            judged: 0,
            done: false,
            state: AlarmState::InsufficientData,
            last: None,
            rng: Pcg64Mcg::seed_from_u64(seed),
        }
    }

    /// The last judgement, if any.
    #[cfg(test)]
    pub fn last_judgement(&self) -> Option<&Judgement> {
        self.last.as_ref()
    }

    /// The judge's own words for its last judgement (events' `detail`).
    fn words(&self) -> Option<String> {
        let j = self.last.as_ref()?;
        let s = self.spec;
        let verdict = match (self.state, j.reason) {
            (AlarmState::Alarm, ScoreReason::CriticalFailure) => {
                "a critical metric is not Pass → score 0, fail".to_string()
            }
            (AlarmState::Alarm, ScoreReason::TooManyNodata) => {
                "≥ 50 % of the metrics NODATA → score 0, fail".to_string()
            }
            (AlarmState::Alarm, _) if stops_early(j.score, s.marginal) => {
                format!("score {} ≤ marginal {} → fail", j.score, s.marginal)
            }
            (AlarmState::Alarm, _) => format!("final score {} < pass {} → fail", j.score, s.pass),
            _ if j.number == j.of => format!("final score {} ≥ pass {} → pass", j.score, s.pass),
            _ => format!("score {} > marginal {}", j.score, s.marginal),
        };
        Some(format!(
            "kayenta: judgement {}/{}: {verdict}",
            j.number, j.of
        ))
    }

    /// Judges at world time `t` (a judgement time).
    fn judge(&mut self, t: Micros) -> AlarmState {
        let spec = self.spec;
        self.judged += 1;
        let start = match spec.lookback {
            Some(l) if t > spec.begin_after + l => t - l,
            _ => spec.begin_after,
        };
        let window: Vec<&Sample> = self
            .samples
            .iter()
            .filter(|s| s.end > start && s.end <= t)
            .collect();
        // The minimum-request guard (`min_requests`): too few candidate
        // requests in the window make this judgement inconclusive.
        let requests: u64 = window.iter().map(|s| s.canary_requests).sum();
        self.inconclusive = self.guard.active() && requests < self.guard.min_requests;
        if self.inconclusive {
            if self.judged == spec.judgements() {
                self.done = true;
            }
            return AlarmState::InsufficientData;
        }
        let mut labels = Vec::with_capacity(spec.metrics.len());
        let mut results = Vec::with_capacity(spec.metrics.len());
        let mut min_samples = usize::MAX;
        for (k, m) in spec.metrics.iter().enumerate() {
            let canary: Vec<f64> = window.iter().map(|s| s.values[k].0).collect();
            let baseline: Vec<f64> = window.iter().map(|s| s.values[k].1).collect();
            let kept = |v: &[f64]| m.rule.nan_strategy.apply(v).len();
            min_samples = min_samples.min(kept(&canary)).min(kept(&baseline));
            let c = classify_metric(&baseline, &canary, &m.rule, &spec.params, &mut self.rng);
            labels.push(c.label);
            results.push(MetricResult {
                label: c.label,
                critical: c.critical,
                group: &m.group,
            });
        }
        let s = score(&results, &spec.group_weights);
        let of = spec.judgements();
        let failed = stops_early(s.score, spec.marginal)
            || (self.judged == of && !final_passes(s.score, spec.marginal, spec.pass));
        self.last = Some(Judgement {
            at: t,
            number: self.judged,
            of,
            score: s.score,
            reason: s.reason,
            min_samples: if min_samples == usize::MAX {
                0
            } else {
                min_samples
            },
            labels,
        });
        if failed || self.judged == of {
            self.done = true;
        }
        if failed {
            AlarmState::Alarm
        } else {
            AlarmState::Ok
        }
    }
}

impl Judge for KayentaJudge<'_> {
    fn name(&self) -> &str {
        self.name
    }

    /// Judgements fall on the step grid; the world's finest cadence (the
    /// metric period, which divides the step) reaches every one.
    fn evaluation_interval(&self) -> Option<Micros> {
        self.active.then_some(self.spec.step)
    }

    fn observe(&mut self, now: Micros, window: &ClosedWindow<'_>, _calc: &mut DatapointCalc) {
        // The base metric period's aligned windows (set 0) only.
        if !self.active || window.index != 0 || now <= self.offset {
            return;
        }
        let t = now - self.offset;
        if t <= self.spec.begin_after {
            return;
        }
        self.canary.add(&window.accs[CANDIDATE]);
        self.baseline.add(&window.accs[BASELINE]);
        if (t - self.spec.begin_after) % self.spec.step == Micros::ZERO {
            let values = self
                .spec
                .metrics
                .iter()
                .map(|m| (self.canary.value(m.query), self.baseline.value(m.query)))
                .collect();
            let canary_requests = self.canary.count;
            self.samples.push(Sample {
                end: t,
                canary_requests,
                values,
            });
            self.canary = StepAcc::default();
            self.baseline = StepAcc::default();
        }
    }

    fn evaluate(&mut self, now: Micros) -> Option<AlarmState> {
        if !self.active || self.done || now < self.offset {
            return None;
        }
        let t = now - self.offset;
        let next = self.spec.begin_after + self.spec.interval * (self.judged + 1);
        if t != next {
            return None;
        }
        let state = self.judge(t);
        let changed = state != self.state;
        self.state = state;
        changed.then_some(state)
    }

    fn state(&self) -> AlarmState {
        self.state
    }

    fn guard_inconclusive(&self) -> bool {
        self.inconclusive
    }

    fn describe(&self) -> String {
        if self.inconclusive {
            return format!(
                "kayenta: judgement {}: fewer than min_requests {} candidate requests in its window → inconclusive",
                self.judged, self.guard.min_requests
            );
        }
        self.words().unwrap_or_default()
    }

    /// The score of a judgement made exactly at `now`.
    fn value_closed_at(&self, now: Micros) -> Option<f64> {
        let j = self.last.as_ref()?;
        (j.at + self.offset == now).then_some(j.score)
    }
}

#[cfg(test)]
#[path = "judge_tests.rs"]
mod tests;
