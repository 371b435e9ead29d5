//! The AWS world of one function in one replication (DESIGN.md §1): its
//! traffic, the stable and candidate versions and the candidate's faults,
//! the API Gateway stage cache, CloudWatch metric windows and the judges
//! that read them. It runs on the kernel's control-event queue
//! ([`crate::sim`]): between two control events the world is constant, and
//! the requests of that segment are generated in a tight loop — exactly
//! ([`sample_exact`]) or as counts ([`sample_fast`]); requests never go
//! through the queue.
//!
//! Files: [`deployment`] runs the worlds of a deployment in lockstep and
//! builds its records; [`control`] is what strategies see of a world;
//! [`windows`] plans the metric windows; [`cache`] the stage cache;
//! [`latency_bins`] the distributions fast sampling draws from;
//! [`warmup`] the alarms' history before t = 0.

mod cache;
mod control;
mod deployment;
pub(crate) mod latency_bins;
mod prometheus;
mod saga_intake;
mod sample_exact;
mod sample_fast;
mod warmup;
mod windows;

#[cfg(test)]
mod saga_tests;
#[cfg(test)]
mod tests;

use rand::SeedableRng;
use rand_pcg::Pcg64Mcg;

pub use deployment::{
    fallback_notes, run_replication, ReplicationOptions, ReplicationOutput, FALLBACK_COLD_START,
    FALLBACK_MIXED_PERCENTILE,
};

use self::cache::hit_slot;
use self::latency_bins::Bins;
use self::windows::WindowSet;
use crate::alarm::AlarmState;
use crate::failure::{self, Cause};
use crate::faults::FaultTimeline;
use crate::judge::cloudwatch::AlarmJudge;
use crate::judge::kayenta::judge::KayentaJudge;
use crate::judge::sequential::SequentialJudge;
use crate::judge::{ClosedWindow, Judge, Judges};
use crate::logfilter::CompiledFilters;
use crate::metrics::{self, Acc, DatapointCalc, CANDIDATE, CANDIDATE_HIT, SLOTS, STABLE};
use crate::model::{Failure, Function, JudgeKind, Sampling, Scenario, StageCache};
use crate::record::{EventKind, Outcome, RunRecord, TimelineEvent, TimelineRow, Trigger};
use crate::seed::{control_seed, judge_seed};
use crate::sim::time::{to_secs, Micros};
use crate::sim::{Class, EventQueue};
use crate::strategy::Strategy;
use crate::traffic::RateFn;
use crate::version::ServeParams;

/// The world's control events (their order at equal times is the
/// kernel's [`Class`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    /// The rate or a fault changes.
    Breakpoint,
    /// Metric windows close.
    PeriodClose,
    /// The judges evaluate.
    JudgeTick,
    Poll(u32),
    Strategy(u32),
    /// Another function's failure rolls this one back (stack rollback).
    Abort,
    Horizon,
    /// The world's Prometheus scrapes (`argo`, `flagger`).
    Scrape,
}

/// The mutable world of one function in one replication, minus the
/// strategy (which borrows it through [`crate::strategy::Control`] during
/// callbacks).
struct World<'a> {
    sc: &'a Scenario,
    func: &'a Function,
    /// `strategy` or `strategy/function`: the name in every output row.
    label: String,
    now: Micros,
    queue: EventQueue<Ev>,
    traffic_rng: Pcg64Mcg,
    control_rng: Pcg64Mcg,
    rate: RateFn<'a>,
    faults: FaultTimeline<'a>,
    /// Candidate share of traffic in [0, 1].
    weight: f64,
    /// Whether a Kayenta judge reads this function, so a baseline pool
    /// serves next to the candidate ([`World::baseline_share`]).
    baseline_pool: bool,
    cold_remaining: u64,
    cold_extra_ms: f64,
    need_latency: bool,
    sampling: Sampling,
    /// API Gateway stage cache of the strategy, if any.
    cache: Option<StageCache>,
    /// Fast mode latency bins per metric slot.
    bins: [Bins; SLOTS],
    bin_scratch: Vec<u64>,
    /// Buffers of fast mode's batches ([`sample_fast::BatchScratch`]).
    batch: sample_fast::BatchScratch,
    /// Log metric filters compiled for this function's response lines.
    filters: CompiledFilters,
    /// Which filters the current request's response line matched.
    match_scratch: Vec<bool>,
    /// The candidate's distinct failure kinds (its own, then its faults');
    /// with one, a failure needs no draw to decide how it shows.
    cand_classes: Vec<Failure>,
    /// Failure causes at one instant (scratch for `crate::failure`).
    causes: Vec<Cause>,
    fallbacks: u8,
    windows: Vec<WindowSet>,
    /// Time between window closes: the greatest common divisor of every
    /// window set's period and offset (the base period without judges).
    close_step: Micros,
    judges: Judges<'a>,
    /// Scrapes for the `argo` / `flagger` analyses ([`prometheus`]).
    prometheus: Option<prometheus::Prometheus>,
    /// Judge state changes of the current evaluation, for the strategy.
    transitions: Vec<(usize, AlarmState)>,
    calc: DatapointCalc,
    /// What judges see of time: the world's time plus the warm-up length
    /// ([`warmup`]), so the warm-up's windows and ticks before t = 0 stay in
    /// their history in order; zero without a warm-up.
    judge_offset: Micros,
    /// The judges in ALARM at t = 0 (after the evaluation at t = 0 that
    /// follows a warm-up), `;`-joined in scenario order; `None` until then.
    alarms_at_start: Option<String>,
    /// Trigger of a pending stack rollback (`Ev::Abort`).
    abort_trigger: Trigger,
    // Results.
    candidate_requests: u64,
    bad_requests: u64,
    /// Of `bad_requests`, those the candidate's baseline would have served
    /// well (see [`crate::version::Baseline`]).
    excess_bad_requests: u64,
    /// `bad_requests` when the deployment last ended (`Control::finish`).
    bad_at_deploy_end: Option<u64>,
    errors_total: u64,
    requests_total: u64,
    trigger: Trigger,
    detection: Option<Micros>,
    rollback_done: Option<Micros>,
    finished: Option<(Micros, Outcome)>,
    timeline: Option<Vec<TimelineRow>>,
    events: Option<Vec<TimelineEvent>>,
}

/// Whether a metric slot holds requests answered by the candidate.
#[inline]
fn is_candidate(slot: usize) -> bool {
    slot == CANDIDATE || slot == CANDIDATE_HIT
}

impl<'a> World<'a> {
    fn new(
        sc: &'a Scenario,
        function: usize,
        label: String,
        cache: Option<StageCache>,
        seed: u64,
        opts: ReplicationOptions,
    ) -> Self {
        let func = &sc.functions[function];
        let base = sc.metrics.period;
        let active: Vec<bool> = sc.alarms.iter().map(|a| a.function == function).collect();
        let mine = || {
            sc.alarms
                .iter()
                .zip(&active)
                .filter(|(_, on)| **on)
                .map(|(a, _)| a)
        };
        // Window sets: the alarms' (`windows::plan`), then one aligned set
        // per `[judges]` look period not already planned.
        let mut sets = windows::plan(base, mine());
        let judge_on: Vec<bool> = sc.judges.iter().map(|j| j.function == function).collect();
        for (j, _) in sc.judges.iter().zip(&judge_on).filter(|(_, on)| **on) {
            // A Kayenta judge reads the base period's set (steps are multiples).
            let JudgeKind::Sequential(seq) = &j.kind else {
                continue;
            };
            if !sets.contains(&(seq.look_every, Micros::ZERO)) {
                sets.push((seq.look_every, Micros::ZERO));
            }
        }
        let mut windows = windows::build(sc, &sets, mine);
        let kayenta_on = || {
            sc.judges
                .iter()
                .zip(&judge_on)
                .filter(|(_, on)| **on)
                .filter_map(|(j, _)| match &j.kind {
                    JudgeKind::Kayenta(k) => Some(k),
                    _ => None,
                })
        };
        let baseline_pool = kayenta_on().next().is_some();
        let kayenta_latency =
            kayenta_on().any(|k| k.metrics.iter().any(|m| m.query.reads_duration()));
        if kayenta_latency {
            // Fast mode draws the durations' sum only where something reads it.
            windows[0].need_sum = true;
        }
        let mut judges: Vec<Box<dyn Judge + 'a>> = sc
            .alarms
            .iter()
            .zip(&active)
            .map(|(a, &on)| {
                let reads: Vec<usize> = (0..sets.len())
                    .filter(|&i| on && sets[i].0 == a.period)
                    .collect();
                let judge = AlarmJudge::new(a, on, reads, base, sc.metrics.ingestion_delay);
                Box::new(judge) as Box<dyn Judge + 'a>
            })
            .collect();
        for (j, &on) in sc.judges.iter().zip(&judge_on) {
            let seq = match &j.kind {
                JudgeKind::Sequential(seq) => seq,
                JudgeKind::Kayenta(k) => {
                    let seed = judge_seed(seed, &j.name);
                    let judge = KayentaJudge::new(&j.name, k, j.guard, on, sc.metrics.warmup, seed);
                    judges.push(Box::new(judge));
                    continue;
                }
            };
            let window = sets
                .iter()
                .position(|&set| set == (seq.look_every, Micros::ZERO))
                .unwrap_or(0);
            let judge = SequentialJudge::new(j, *seq, on, window, sc.metrics.warmup);
            judges.push(Box::new(judge));
        }
        let judges = Judges::new(judges);
        // Windows close on the common grid of every set's period and offset.
        let close_step = sets
            .iter()
            .fold(base, |g, &(period, offset)| g.gcd(period).gcd(offset));
        let need_latency = kayenta_latency
            || sc.sla_ms.is_some()
            || func.stable.timeout_ms.is_some()
            || func.candidate.timeout_ms.is_some()
            || mine().any(|a| metrics::reads_duration(&a.expr))
            || sc
                .metrics
                .filters
                .iter()
                .any(|f| f.pattern.reads_duration());
        let faults = FaultTimeline::new(&func.faults);
        let (cold_remaining, cold_extra_ms) = faults.cold_start().unwrap_or((0, 0.0));
        // Everything a duration is compared against becomes a bin edge.
        let mut thresholds: Vec<f64> = sc.sla_ms.into_iter().collect();
        for f in &sc.metrics.filters {
            f.pattern.duration_operands(&mut thresholds);
        }
        let cand_classes = failure::classes(
            std::iter::once(func.candidate.failure)
                .chain(func.faults.iter().filter_map(|f| f.failure())),
        );
        let bins = [
            Bins::new(&thresholds, func.stable.timeout_ms),
            Bins::new(&thresholds, func.candidate.timeout_ms),
            Bins::new(&thresholds, None),
            Bins::new(&thresholds, None),
            Bins::new(&thresholds, func.stable.timeout_ms),
        ];
        let mut w = World {
            sc,
            func,
            label,
            now: Micros::ZERO,
            queue: EventQueue::default(),
            traffic_rng: Pcg64Mcg::seed_from_u64(seed),
            control_rng: Pcg64Mcg::seed_from_u64(control_seed(seed)),
            rate: RateFn::new(&func.traffic),
            faults,
            weight: 0.0,
            baseline_pool,
            cold_remaining,
            cold_extra_ms,
            need_latency,
            sampling: sc.sampling,
            cache,
            bins,
            bin_scratch: Vec::new(),
            batch: sample_fast::BatchScratch::default(),
            filters: CompiledFilters::new(&sc.metrics.filters, &func.name),
            match_scratch: vec![false; sc.metrics.filters.len()],
            cand_classes,
            causes: Vec::new(),
            fallbacks: 0,
            windows,
            close_step,
            judges,
            prometheus: None,
            transitions: Vec::new(),
            calc: DatapointCalc::default(),
            judge_offset: Micros::ZERO,
            alarms_at_start: None,
            abort_trigger: Trigger::None,
            candidate_requests: 0,
            bad_requests: 0,
            excess_bad_requests: 0,
            bad_at_deploy_end: None,
            errors_total: 0,
            requests_total: 0,
            trigger: Trigger::None,
            detection: None,
            rollback_done: None,
            finished: None,
            timeline: opts.timeline.then(Vec::new),
            events: opts.timeline.then(Vec::new),
        };
        w.queue.push(sc.horizon, Class::Horizon, Ev::Horizon);
        w.queue
            .push(close_step, Class::WindowClose, Ev::PeriodClose);
        if let Some(tick) = w.judges.tick() {
            // After a warm-up the judges evaluate at t = 0 too, before the
            // strategy's first poll (the queue's same-time order).
            let first = if w.warm_up(seed) { Micros::ZERO } else { tick };
            w.queue.push(first, Class::Judgement, Ev::JudgeTick);
        }
        for t in w.rate.breakpoints(sc.horizon) {
            w.queue.push(t, Class::Breakpoint, Ev::Breakpoint);
        }
        w
    }

    /// The baseline pool's share of traffic: Kayenta compares the canary
    /// with a fresh server group of the stable version of the canary's size,
    /// started with it (Spinnaker's canary best practices; peers.md §4.2),
    /// so it takes the candidate's weight out of the stable's share —
    /// stable 1 − 2w, baseline w, candidate w — capped at what the stable
    /// has left (1 − w) when the candidate holds more than half. No pool,
    /// or no candidate traffic: 0.
    fn baseline_share(&self) -> f64 {
        if self.baseline_pool {
            self.weight.min(1.0 - self.weight).max(0.0)
        } else {
            0.0
        }
    }

    /// Runs the next control event; false once the horizon is reached.
    fn step(&mut self, strat: &mut dyn Strategy) -> bool {
        let Some(next) = self.queue.peek_time() else {
            return false;
        };
        self.generate(self.now, next);
        self.now = next;
        let Some((_, ev)) = self.queue.pop() else {
            return false;
        };
        match ev {
            Ev::Breakpoint => {}
            Ev::PeriodClose => self.close_periods(),
            Ev::JudgeTick => {
                self.evaluate_judges();
                if self.now == Micros::ZERO {
                    self.alarms_at_start = Some(self.judges_in_alarm());
                }
                let mut changes = std::mem::take(&mut self.transitions);
                for &(index, state) in &changes {
                    strat.on_verdict(index, state.into(), self);
                }
                changes.clear();
                self.transitions = changes;
            }
            Ev::Strategy(token) | Ev::Poll(token) => strat.on_timer(token, self),
            Ev::Abort => {
                let trigger = std::mem::take(&mut self.abort_trigger);
                strat.abort(&trigger, self);
            }
            Ev::Horizon => return false,
            Ev::Scrape => self.scrape(),
        }
        true
    }

    /// Generates every request in [a, b), a segment of constant conditions.
    fn generate(&mut self, a: Micros, b: Micros) {
        if b <= a {
            return;
        }
        let func = self.func;
        let mid = (a.as_f64() + b.as_f64()) / 2.0;
        let stable = ServeParams::baseline(&func.stable);
        let mut cand = ServeParams::baseline(&func.candidate);
        let lat = self.faults.latency_at(mid);
        cand.latency_mult = lat.mult;
        cand.latency_add_ms = lat.add_ms;
        let hits = self.hit_params();
        let varying = !self.rate.piecewise_constant()
            || self.faults.error_varies_within(a, b)
            || self.cache_warming(a, b);
        if self.sampling == Sampling::Fast {
            let cold_pending = self.need_latency && self.cold_remaining > 0 && self.weight > 0.0;
            if !cold_pending {
                self.generate_fast(a, b, &stable, &cand, hits.as_ref(), varying);
                return;
            }
            self.fallbacks |= FALLBACK_COLD_START;
        }
        self.generate_exact(a, b, stable, cand, hits, varying);
    }

    /// Closes every window that ends now, computes alarm datapoints and
    /// (for the timeline) records the base period.
    fn close_periods(&mut self) {
        self.close_windows(self.now, self.now + self.judge_offset);
        self.queue.push(
            self.now + self.close_step,
            Class::WindowClose,
            Ev::PeriodClose,
        );
    }

    /// Closes every window that ends at `now` (windows sit on a grid the
    /// warm-up keeps), hands it to the judges at their time `judge_now`,
    /// and (for the timeline) records the base period.
    fn close_windows(&mut self, now: Micros, judge_now: Micros) {
        let sc = self.sc;
        for wi in 0..self.windows.len() {
            if !self.windows[wi].closes_at(now)
                || self.prometheus.as_ref().is_some_and(|p| p.window == wi)
            {
                continue;
            }
            if self.sampling == Sampling::Fast {
                self.finalize_fast(wi);
            } else {
                self.calc.fast_percentiles.clear();
            }
            let ws = &mut self.windows[wi];
            self.judges.observe(
                judge_now,
                &ClosedWindow {
                    index: wi,
                    accs: &ws.accs,
                    filters: &sc.metrics.filters,
                },
                &mut self.calc,
            );
            // Warm-up windows (judge time up to the offset) are not shown.
            if wi == 0 && judge_now > self.judge_offset {
                if let Some(rows) = &mut self.timeline {
                    let count = |v: usize| ws.accs[v].count + ws.accs[hit_slot(v)].count;
                    // Failed requests of any kind (cache hits never fail).
                    let errors = |v: usize| ws.accs[v].failed() + ws.accs[hit_slot(v)].failed();
                    rows.push(TimelineRow {
                        strategy: self.label.clone(),
                        period_start_s: to_secs(now - ws.period),
                        candidate_weight_pct: self.weight * 100.0,
                        stable_requests: count(STABLE),
                        stable_errors: errors(STABLE),
                        candidate_requests: count(CANDIDATE),
                        candidate_errors: errors(CANDIDATE),
                        alarms: self
                            .judges
                            .iter()
                            .map(|j| (j.value_closed_at(judge_now), j.state()))
                            .collect(),
                    });
                }
            }
            ws.accs.iter_mut().for_each(Acc::reset);
        }
    }

    /// Lets every judge decide now (each at its own cadence) and records
    /// the changes, for the strategy and the event log.
    fn evaluate_judges(&mut self) {
        let now = self.now;
        let first = self.transitions.len();
        self.judges
            .evaluate(now + self.judge_offset, &mut self.transitions);
        if let Some(ev) = &mut self.events {
            for &(index, state) in &self.transitions[first..] {
                let judge = self.judges.get(index);
                let words = judge.describe();
                let sep = if words.is_empty() { "" } else { " " };
                ev.push(TimelineEvent {
                    strategy: self.label.clone(),
                    time_s: to_secs(now),
                    event: EventKind::AlarmState,
                    detail: format!("{}={}{sep}{words}", judge.name(), state.name()),
                });
            }
        }
        let next = self.judges.next_tick(now);
        self.queue.push(next, Class::Judgement, Ev::JudgeTick);
    }

    fn into_output(self, replication: u32, seed: u64) -> ReplicationOutput {
        let (deploy_end, outcome) = match self.finished {
            Some(f) => f,
            // Still running at the horizon: a pending rollback counts as one.
            None if self.detection.is_some() => (self.sc.horizon, Outcome::RolledBack),
            None => (self.sc.horizon, Outcome::Completed),
        };
        // Requests of a segment are generated before the control event that
        // ends it, so the count at the last `finish` is exactly the bad
        // requests served before the deployment's end (`deploy_s`).
        // Never ended: everything was during the deployment.
        let during = self.bad_at_deploy_end.unwrap_or(self.bad_requests);
        ReplicationOutput {
            record: RunRecord {
                strategy: self.label,
                replication,
                seed,
                candidate_faulty: self.func.candidate_faulty,
                outcome,
                trigger: self.trigger,
                detection_s: self.detection.map(to_secs),
                rollback_s: self.rollback_done.map(to_secs),
                deploy_s: to_secs(deploy_end),
                candidate_requests: self.candidate_requests,
                bad_requests: self.bad_requests,
                excess_bad_requests: self.excess_bad_requests,
                alarms_at_start: self.alarms_at_start.unwrap_or_default(),
                bad_requests_during_deploy: during,
                bad_requests_after_deploy: self.bad_requests - during,
                errors_total: self.errors_total,
                requests_total: self.requests_total,
                sagas: None,
            },
            functions: Vec::new(),
            timeline: self.timeline.unwrap_or_default(),
            events: self.events.unwrap_or_default(),
            fallbacks: self.fallbacks,
        }
    }
}
