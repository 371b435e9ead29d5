//! The discrete-event loop of one replication (DESIGN.md §1).
//!
//! Control events (period closes, alarm evaluations, fault and burst
//! breakpoints, strategy timers, the horizon) sit in a binary heap ordered by
//! `(time, class, sequence)`, so same-time events run in a fixed class order
//! and then in insertion order. Between two control events the world is
//! constant, and the requests of that segment are generated in a tight loop —
//! requests never go through the heap.
//!
//! A deployment of several functions runs one [`World`] per function, each
//! with its own random streams, in lockstep: the next event is always the
//! earliest of all functions (ties in function order), so when one function
//! detects a problem, the stack rollback it causes can be scheduled in every
//! other function at that moment (CloudFormation semantics).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Exp1, Poisson};
use rand_pcg::Pcg64Mcg;

use crate::alarm::{eval_interval, slide_step, AlarmState};
use crate::fast::{self, Bins, DurationDist, LatencyGroup, GL8};
use crate::faults::FaultTimeline;
use crate::metrics::{
    self, Acc, Datapoint, DatapointCalc, CANDIDATE, CANDIDATE_HIT, SLOTS, STABLE, STABLE_HIT,
};
use crate::model::{
    DelayDist, Fault, FilterField, Function, Hook, LowSampleCount, Sampling, Scenario, StageCache,
    Statistic,
};
use crate::record::{EventKind, Outcome, RunRecord, TimelineEvent, TimelineRow, Trigger};
use crate::seed::{control_seed, function_seed};
use crate::strategy::{self, Control, Strategy};
use crate::time::{secs, to_secs, Micros};
use crate::traffic::RateFn;
use crate::version::{
    serve_coupled, LatencySampler, ServeParams, STATUS_ERROR, STATUS_OK, STATUS_TIMEOUT,
};

/// Event classes: at equal times, world changes come first, then period
/// closes, alarm evaluations (and the alarm actions of their transitions),
/// alarm polls (so a deployment sees an alarm before it shifts or completes
/// at the same instant), other strategy timers and stack rollbacks, and the
/// horizon last.
const CLASS_BREAKPOINT: u8 = 0;
const CLASS_PERIOD: u8 = 1;
const CLASS_EVAL: u8 = 2;
const CLASS_POLL: u8 = 3;
const CLASS_STRATEGY: u8 = 4;
const CLASS_HORIZON: u8 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    Breakpoint,
    PeriodClose,
    AlarmEval,
    Poll(u32),
    Strategy(u32),
    /// Another function's failure rolls this one back (stack rollback).
    Abort,
    Horizon,
}

/// The control-event heap with deterministic tie-breaking.
#[derive(Default)]
struct Queue {
    heap: BinaryHeap<Reverse<(Micros, u8, u64, Ev)>>,
    seq: u64,
}

impl Queue {
    fn push(&mut self, at: Micros, ev: Ev) {
        let class = match ev {
            Ev::Breakpoint => CLASS_BREAKPOINT,
            Ev::PeriodClose => CLASS_PERIOD,
            Ev::AlarmEval => CLASS_EVAL,
            Ev::Poll(_) => CLASS_POLL,
            Ev::Strategy(_) | Ev::Abort => CLASS_STRATEGY,
            Ev::Horizon => CLASS_HORIZON,
        };
        self.seq += 1;
        self.heap.push(Reverse((at, class, self.seq, ev)));
    }

    fn peek_time(&self) -> Option<Micros> {
        self.heap.peek().map(|Reverse((t, ..))| *t)
    }

    fn pop(&mut self) -> Option<(Micros, Ev)> {
        self.heap.pop().map(|Reverse((t, _, _, ev))| (t, ev))
    }
}

/// Options for one replication.
#[derive(Debug, Clone, Copy)]
pub struct ReplicationOptions {
    /// Record the per-period timeline and event markers.
    pub timeline: bool,
}

/// Everything one replication produces.
#[derive(Debug, Clone)]
pub struct ReplicationOutput {
    /// The deployment as a whole (the only function's record in a
    /// single-function scenario).
    pub record: RunRecord,
    /// Multi-function scenarios: one record per function (strategy named
    /// `strategy/function`), in function order; empty otherwise.
    pub functions: Vec<RunRecord>,
    pub timeline: Vec<TimelineRow>,
    pub events: Vec<TimelineEvent>,
    /// Fast mode: the parts it had to sample per request (`FALLBACK_*` bits).
    pub fallbacks: u8,
}

/// Fast mode sampled cold-start requests one by one.
pub const FALLBACK_COLD_START: u8 = 1;
/// Fast mode expanded a mixed latency population to compute a percentile.
pub const FALLBACK_MIXED_PERCENTILE: u8 = 2;

/// Human-readable notes for fallback bits.
pub fn fallback_notes(bits: u8) -> Vec<&'static str> {
    let mut out = Vec::new();
    if bits & FALLBACK_COLD_START != 0 {
        out.push("segments with pending cold-start requests were sampled per request");
    }
    if bits & FALLBACK_MIXED_PERCENTILE != 0 {
        out.push("percentiles over mixed latency distributions (e.g. function scope with a slower candidate) were computed from per-request samples");
    }
    out
}

/// Open metric windows of one alarm period length, closing at the times
/// ≡ `offset` (mod `period`). Aligned windows have offset 0; an alarm period
/// longer than its evaluation interval slides (see [`slide`]), with one set
/// per offset.
struct WindowSet {
    period: Micros,
    offset: Micros,
    /// Per metric slot (`metrics::STABLE` … `CANDIDATE_HIT`).
    accs: [Acc; SLOTS],
    keep_latency: bool,
    /// Fast mode: whether alarms of this period read Duration Min/Max/Sum.
    need_min_max: bool,
    need_sum: bool,
    /// Fast mode: Duration percentiles read here: (scope, p), the scope
    /// normalised by `metrics::population_scope`.
    percentiles: Vec<(crate::model::Scope, f64)>,
}

/// Run-time state of one alarm.
struct AlarmRuntime {
    /// Whether the alarm reads this function's metrics.
    active: bool,
    /// The window sets whose closes produce its datapoints.
    windows: Vec<usize>,
    /// Sliding: windows end every slide and the evaluation range is anchored
    /// at the newest visible one; aligned: the range is the E most recent
    /// closed periods.
    sliding: bool,
    eval_interval: Micros,
    history: VecDeque<(Micros, Datapoint)>,
    history_cap: usize,
    state: AlarmState,
}

/// The mutable world of one function in one replication, minus the
/// strategy (which borrows it through [`Control`] during callbacks).
struct World<'a> {
    sc: &'a Scenario,
    func: &'a Function,
    /// `strategy` or `strategy/function`: the name in every output row.
    label: String,
    now: Micros,
    queue: Queue,
    traffic_rng: Pcg64Mcg,
    control_rng: Pcg64Mcg,
    rate: RateFn<'a>,
    faults: FaultTimeline<'a>,
    /// Candidate share of traffic in [0, 1].
    weight: f64,
    cold_remaining: u64,
    cold_extra_ms: f64,
    need_latency: bool,
    sampling: Sampling,
    /// API Gateway stage cache of the strategy, if any.
    cache: Option<StageCache>,
    /// Fast mode latency bins per metric slot.
    bins: [Bins; SLOTS],
    bin_scratch: Vec<u64>,
    fallbacks: u8,
    windows: Vec<WindowSet>,
    alarms: Vec<AlarmRuntime>,
    /// Alarm state changes of the current evaluation, for `on_alarm`.
    transitions: Vec<(usize, AlarmState)>,
    calc: DatapointCalc,
    range_buf: Vec<Option<f64>>,
    /// Trigger of a pending stack rollback (`Ev::Abort`).
    abort_trigger: Trigger,
    /// The horizon was reached.
    done: bool,
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

/// Simulates one replication of strategy `strategy_index` with `seed`.
pub fn run_replication(
    sc: &Scenario,
    strategy_index: usize,
    replication: u32,
    seed: u64,
    opts: ReplicationOptions,
) -> ReplicationOutput {
    let spec = &sc.strategies[strategy_index];
    let cache = spec.kind.stage_cache().copied();
    let mut worlds: Vec<World> = Vec::with_capacity(sc.functions.len());
    let mut strategies: Vec<Box<dyn Strategy>> = Vec::with_capacity(sc.functions.len());
    for (fi, f) in sc.functions.iter().enumerate() {
        let label = if sc.multi_function {
            format!("{}/{}", spec.name, f.name)
        } else {
            spec.name.clone()
        };
        let mut world = World::new(sc, fi, label, cache, function_seed(sc, fi, seed), opts);
        let mut strat = strategy::build(spec, sc, fi);
        strat.start(&mut world);
        worlds.push(world);
        strategies.push(strat);
    }
    let stack_trigger = run_lockstep(sc, seed, &mut worlds, &mut strategies);
    let mut parts: Vec<ReplicationOutput> = worlds
        .into_iter()
        .map(|w| w.into_output(replication, seed))
        .collect();
    if !sc.multi_function {
        return parts.pop().expect("a scenario has at least one function");
    }
    let records: Vec<RunRecord> = parts.iter().map(|p| p.record.clone()).collect();
    let record = deployment_record(sc, &spec.name, replication, seed, &records, stack_trigger);
    let mut out = ReplicationOutput {
        record,
        functions: records,
        timeline: Vec::new(),
        events: Vec::new(),
        fallbacks: 0,
    };
    for p in parts {
        out.timeline.extend(p.timeline);
        out.events.extend(p.events);
        out.fallbacks |= p.fallbacks;
    }
    out
}

/// Runs every function's events in global time order until each reaches
/// the horizon. With stack rollback, the first function to detect a
/// problem schedules a rollback of every other function after the
/// deployment's stack-rollback delay; returns that function's index.
fn run_lockstep(
    sc: &Scenario,
    seed: u64,
    worlds: &mut [World],
    strategies: &mut [Box<dyn Strategy + '_>],
) -> Option<usize> {
    let stack = sc.multi_function && sc.deployment.stack_rollback;
    let mut trigger: Option<usize> = None;
    let mut deployment_rng: Option<Pcg64Mcg> = None;
    loop {
        let next = worlds
            .iter()
            .enumerate()
            .filter(|(_, w)| !w.done)
            .filter_map(|(i, w)| w.queue.peek_time().map(|t| (t, i)))
            .min();
        let Some((_, i)) = next else {
            break;
        };
        let detected_before = worlds[i].detection.is_some();
        if !worlds[i].step(strategies[i].as_mut()) {
            worlds[i].done = true;
        }
        if stack && trigger.is_none() && !detected_before && worlds[i].detection.is_some() {
            trigger = Some(i);
            let delay = &sc.deployment.stack_rollback_delay;
            let rng =
                deployment_rng.get_or_insert_with(|| Pcg64Mcg::seed_from_u64(control_seed(!seed)));
            let at = worlds[i].now + delay.sample(rng);
            let why = Trigger::StackRollback(worlds[i].func.name.clone());
            for (j, w) in worlds.iter_mut().enumerate() {
                if j != i && !w.done {
                    w.abort_trigger.clone_from(&why);
                    w.queue.push(at, Ev::Abort);
                }
            }
        }
    }
    trigger
}

/// The deployment as a whole from its functions' records: rolled back if
/// any function rolled back (else stopped if any stopped), detected at the
/// first detection, all traffic on stable when the last rollback ended,
/// ended when the last function ended; request counts are sums.
fn deployment_record(
    sc: &Scenario,
    name: &str,
    replication: u32,
    seed: u64,
    parts: &[RunRecord],
    stack_trigger: Option<usize>,
) -> RunRecord {
    let any = |o: Outcome| parts.iter().any(|r| r.outcome == o);
    let outcome = if any(Outcome::RolledBack) {
        Outcome::RolledBack
    } else if any(Outcome::Stopped) {
        Outcome::Stopped
    } else {
        Outcome::Completed
    };
    let first = stack_trigger.or_else(|| {
        (0..parts.len())
            .filter_map(|i| parts[i].detection_s.map(|d| (d, i)))
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, i)| i)
    });
    let rolled: Vec<&RunRecord> = parts
        .iter()
        .filter(|r| r.outcome == Outcome::RolledBack)
        .collect();
    let rollback_s = if rolled.is_empty() || rolled.iter().any(|r| r.rollback_s.is_none()) {
        None
    } else {
        rolled.iter().filter_map(|r| r.rollback_s).reduce(f64::max)
    };
    let sum = |f: fn(&RunRecord) -> u64| parts.iter().map(f).sum();
    RunRecord {
        strategy: name.to_string(),
        replication,
        seed,
        candidate_faulty: sc.candidate_faulty,
        outcome,
        trigger: first.map_or(Trigger::None, |i| Trigger::Function {
            function: sc.functions[i].name.clone(),
            trigger: Box::new(parts[i].trigger.clone()),
        }),
        detection_s: first.and_then(|i| parts[i].detection_s),
        rollback_s,
        deploy_s: parts.iter().map(|r| r.deploy_s).fold(0.0, f64::max),
        candidate_requests: sum(|r| r.candidate_requests),
        bad_requests: sum(|r| r.bad_requests),
        excess_bad_requests: sum(|r| r.excess_bad_requests),
        bad_requests_during_deploy: sum(|r| r.bad_requests_during_deploy),
        bad_requests_after_deploy: sum(|r| r.bad_requests_after_deploy),
        errors_total: sum(|r| r.errors_total),
        requests_total: sum(|r| r.requests_total),
    }
}

/// Whether a metric slot holds requests answered by the candidate.
#[inline]
fn is_candidate(slot: usize) -> bool {
    slot == CANDIDATE || slot == CANDIDATE_HIT
}

/// The cache-hit slot of a version slot.
fn hit_slot(version: usize) -> usize {
    if version == STABLE {
        STABLE_HIT
    } else {
        CANDIDATE_HIT
    }
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
        let filters = sc.metrics.filters.len();
        let base = sc.metrics.period;
        let active: Vec<bool> = sc.alarms.iter().map(|a| a.function == function).collect();
        let mine = || {
            sc.alarms
                .iter()
                .zip(&active)
                .filter(|(_, on)| **on)
                .map(|(a, _)| a)
        };
        // Window sets as (period, offset); the base period's aligned set first.
        let mut sets: Vec<(Micros, Micros)> = vec![(base, 0)];
        for a in mine() {
            let step = slide_step(a.period, base);
            for offset in (0..a.period).step_by(step as usize) {
                if !sets.contains(&(a.period, offset)) {
                    sets.push((a.period, offset));
                }
            }
        }
        let windows: Vec<WindowSet> = sets
            .iter()
            .map(|&(period, offset)| {
                let mut stats = Vec::new();
                let mut percentiles = Vec::new();
                for a in mine().filter(|a| a.period == period) {
                    let mut used = Vec::new();
                    metrics::duration_statistics(&a.expr, &mut used);
                    for st in &used {
                        if let Statistic::Percentile(p) = *st {
                            let key = (metrics::population_scope(a.scope), p);
                            if !percentiles.contains(&key) {
                                percentiles.push(key);
                            }
                        }
                    }
                    stats.extend(used);
                }
                WindowSet {
                    period,
                    offset,
                    accs: std::array::from_fn(|_| Acc::new(filters)),
                    keep_latency: mine()
                        .any(|a| a.period == period && metrics::needs_percentiles(&a.expr)),
                    need_min_max: stats
                        .iter()
                        .any(|s| matches!(s, Statistic::Minimum | Statistic::Maximum)),
                    need_sum: stats
                        .iter()
                        .any(|s| matches!(s, Statistic::Sum | Statistic::Average)),
                    percentiles,
                }
            })
            .collect();
        let alarms = sc
            .alarms
            .iter()
            .zip(&active)
            .map(|(a, &on)| {
                let interval = eval_interval(a.period);
                let step = slide_step(a.period, base);
                let range = a.rule.evaluation_range as usize;
                let per_period = (a.period / step) as usize;
                AlarmRuntime {
                    active: on,
                    windows: (0..sets.len())
                        .filter(|&i| on && sets[i].0 == a.period)
                        .collect(),
                    sliding: step < a.period,
                    eval_interval: interval,
                    history: VecDeque::with_capacity(range + 1),
                    // Sliding: the E windows of the range plus the newer
                    // ones not visible yet.
                    history_cap: if step < a.period {
                        range * per_period + (sc.metrics.ingestion_delay / step) as usize + 2
                    } else {
                        range
                    },
                    state: AlarmState::InsufficientData,
                }
            })
            .collect();
        let need_latency = sc.sla_ms.is_some()
            || func.stable.timeout_ms.is_some()
            || func.candidate.timeout_ms.is_some()
            || mine().any(|a| metrics::reads_duration(&a.expr))
            || sc
                .metrics
                .filters
                .iter()
                .any(|f| f.field == FilterField::Duration);
        let faults = FaultTimeline::new(&func.faults);
        let (cold_remaining, cold_extra_ms) = faults.cold_start().unwrap_or((0, 0.0));
        // Everything a duration is compared against becomes a bin edge.
        let mut thresholds: Vec<f64> = sc.sla_ms.into_iter().collect();
        thresholds.extend(
            sc.metrics
                .filters
                .iter()
                .filter(|f| f.field == FilterField::Duration)
                .map(|f| f.operand),
        );
        let bins = [
            Bins::new(&thresholds, func.stable.timeout_ms),
            Bins::new(&thresholds, func.candidate.timeout_ms),
            Bins::new(&thresholds, None),
            Bins::new(&thresholds, None),
        ];
        let mut w = World {
            sc,
            func,
            label,
            now: 0,
            queue: Queue::default(),
            traffic_rng: Pcg64Mcg::seed_from_u64(seed),
            control_rng: Pcg64Mcg::seed_from_u64(control_seed(seed)),
            rate: RateFn::new(&func.traffic),
            faults,
            weight: 0.0,
            cold_remaining,
            cold_extra_ms,
            need_latency,
            sampling: sc.sampling,
            cache,
            bins,
            bin_scratch: Vec::new(),
            fallbacks: 0,
            windows,
            alarms,
            transitions: Vec::new(),
            calc: DatapointCalc::default(),
            range_buf: Vec::new(),
            abort_trigger: Trigger::None,
            done: false,
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
        w.queue.push(sc.horizon, Ev::Horizon);
        w.queue.push(base, Ev::PeriodClose);
        if w.alarms.iter().any(|a| a.active) {
            let step = w.eval_step();
            w.queue.push(step, Ev::AlarmEval);
        }
        for t in w.rate.breakpoints(sc.horizon) {
            w.queue.push(t, Ev::Breakpoint);
        }
        w
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
            Ev::AlarmEval => {
                self.evaluate_alarms();
                let mut changes = std::mem::take(&mut self.transitions);
                for &(index, state) in &changes {
                    strat.on_alarm(index, state, self);
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
        }
        true
    }

    /// The finest alarm evaluation cadence: 10 s if any active alarm has a
    /// sub-minute period, else 60 s.
    fn eval_step(&self) -> Micros {
        self.alarms
            .iter()
            .filter(|a| a.active)
            .map(|a| a.eval_interval)
            .min()
            .unwrap_or(secs(60))
    }

    /// The cache hit ratio of `version` at time `t` (µs): the stable
    /// (production) cache is warm; the canary's cache starts cold at the
    /// candidate's first traffic and warms linearly over `warmup`.
    fn hit_ratio(&self, version: usize, t: f64) -> f64 {
        let Some(c) = &self.cache else {
            return 0.0;
        };
        if version == STABLE {
            return c.hit_ratio;
        }
        match self.faults.onset() {
            None => 0.0,
            Some(_) if c.warmup == 0 => c.hit_ratio,
            Some(onset) => c.hit_ratio * ((t - onset as f64) / c.warmup as f64).clamp(0.0, 1.0),
        }
    }

    /// Whether the canary's cache warms up inside (a, b).
    fn cache_warming(&self, a: Micros, b: Micros) -> bool {
        match (&self.cache, self.faults.onset()) {
            (Some(c), Some(onset)) => c.warmup > 0 && a < onset + c.warmup && b > onset,
            _ => false,
        }
    }

    /// The requests a cache hit serves: fast, never failing.
    fn hit_params(&self) -> Option<ServeParams> {
        self.cache.map(|c| ServeParams {
            error_prob: 0.0,
            latency: LatencySampler::Fixed(c.hit_latency_ms),
            latency_mult: 1.0,
            latency_add_ms: 0.0,
            timeout_ms: None,
        })
    }

    /// Generates every request in [a, b), a segment of constant conditions.
    fn generate(&mut self, a: Micros, b: Micros) {
        if b <= a {
            return;
        }
        let func = self.func;
        let mid = (a as f64 + b as f64) / 2.0;
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
        let hit_params = hits.unwrap_or(stable);
        if !varying {
            let lambda = self.rate.expected_count(a, b);
            let n_stable = poisson(&mut self.traffic_rng, lambda * (1.0 - self.weight));
            let n_cand = poisson(&mut self.traffic_rng, lambda * self.weight);
            let q = self.faults.error_prob_at(mid);
            let p_cand = combine(cand.error_prob, q);
            let p_base = baseline_prob(cand.error_prob, q, p_cand);
            let (h_stable, h_cand) = (self.hit_ratio(STABLE, mid), self.hit_ratio(CANDIDATE, mid));
            let p_stable = stable.error_prob;
            for _ in 0..n_stable {
                self.request_or_hit(STABLE, &stable, p_stable, p_stable, h_stable, &hit_params);
            }
            for _ in 0..n_cand {
                self.request_or_hit(CANDIDATE, &cand, p_cand, p_base, h_cand, &hit_params);
            }
        } else {
            // Thinning (Lewis–Shedler): candidate arrivals at the maximum
            // rate, each kept with probability rate(t)/max.
            let max = self.rate.max_rate(a, b);
            if max <= 0.0 {
                return;
            }
            let mut t = a as f64;
            loop {
                let gap_s: f64 = Exp1.sample(&mut self.traffic_rng);
                t += gap_s / max * 1e6;
                if t >= b as f64 {
                    break;
                }
                if self.traffic_rng.random::<f64>() * max > self.rate.rate_at(t) {
                    continue;
                }
                if self.traffic_rng.random::<f64>() < self.weight {
                    let q = self.faults.error_prob_at(t);
                    let p = combine(cand.error_prob, q);
                    let p_base = baseline_prob(cand.error_prob, q, p);
                    let h = self.hit_ratio(CANDIDATE, t);
                    self.request_or_hit(CANDIDATE, &cand, p, p_base, h, &hit_params);
                } else {
                    let h = self.hit_ratio(STABLE, t);
                    let p = stable.error_prob;
                    self.request_or_hit(STABLE, &stable, p, p, h, &hit_params);
                }
            }
        }
    }

    /// One request of `version`: a cache hit with probability `hit` (no
    /// random number is drawn without a cache), else served normally with
    /// failure probability `error_prob` (`base_error_prob` without faults).
    #[inline]
    fn request_or_hit(
        &mut self,
        version: usize,
        params: &ServeParams,
        error_prob: f64,
        base_error_prob: f64,
        hit: f64,
        hit_params: &ServeParams,
    ) {
        if hit > 0.0 && self.traffic_rng.random::<f64>() < hit {
            self.one_request(hit_slot(version), hit_params, 0.0, 0.0);
        } else {
            self.one_request(version, params, error_prob, base_error_prob);
        }
    }

    /// The rate-weighted mean over [a, b) of `f(t)`, by 8-point
    /// Gauss–Legendre (exact for the piecewise-linear ramps and warm-ups
    /// inside a segment at a constant rate).
    fn rate_weighted_mean(&self, a: Micros, b: Micros, f: impl Fn(f64) -> f64) -> f64 {
        let mid = (a as f64 + b as f64) / 2.0;
        let half = (b - a) as f64 / 2.0;
        let (mut num, mut den) = (0.0, 0.0);
        for (x, w) in GL8 {
            let t = mid + half * x;
            let rate = self.rate.rate_at(t);
            num += w * rate * f(t);
            den += w * rate;
        }
        if den > 0.0 {
            (num / den).clamp(0.0, 1.0)
        } else {
            0.0
        }
    }

    /// Fast sampling of a segment: per version, cache hits, then failure and
    /// success counts of the misses and (when durations matter) their
    /// latency-bin counts; see `fast`. Hits thin the Poisson stream
    /// (marking theorem), so the misses stay Poisson.
    fn generate_fast(
        &mut self,
        a: Micros,
        b: Micros,
        stable: &ServeParams,
        cand: &ServeParams,
        hits: Option<&ServeParams>,
        varying: bool,
    ) {
        let lambda = self.rate.expected_count(a, b);
        if lambda <= 0.0 {
            return;
        }
        let mid = (a as f64 + b as f64) / 2.0;
        for version in [STABLE, CANDIDATE] {
            let (share, params) = if version == STABLE {
                (1.0 - self.weight, stable)
            } else {
                (self.weight, cand)
            };
            let mut expected = lambda * share;
            if expected <= 0.0 {
                continue;
            }
            let warming = version == CANDIDATE && self.cache_warming(a, b);
            if let Some(hit_params) = hits {
                let h = if warming {
                    self.rate_weighted_mean(a, b, |t| self.hit_ratio(version, t))
                } else {
                    self.hit_ratio(version, mid)
                };
                let n = poisson(&mut self.traffic_rng, expected * h);
                self.add_batch(hit_slot(version), hit_params, 0, n, None);
                expected *= 1.0 - h;
            }
            let p = if version == STABLE {
                params.error_prob
            } else if !varying {
                combine(params.error_prob, self.faults.error_prob_at(mid))
            } else {
                // Mean failure probability over the segment, weighted by the
                // rate of misses.
                let miss = |t: f64| 1.0 - self.hit_ratio(version, t);
                let p_at = |t: f64| combine(params.error_prob, self.faults.error_prob_at(t));
                let den = self.rate_weighted_mean(a, b, miss);
                if den > 0.0 {
                    (self.rate_weighted_mean(a, b, |t| miss(t) * p_at(t)) / den).clamp(0.0, 1.0)
                } else {
                    0.0
                }
            };
            let failed = poisson(&mut self.traffic_rng, expected * p);
            let ok = poisson(&mut self.traffic_rng, expected * (1.0 - p));
            // The coupled baseline: of the failures, a share p_base / p̄ are
            // the baseline's own (thinning: baseline and fault failures are
            // independent Poisson counts of means Λ p_base and Λ (p̄ − p_base)).
            let coupling = if version == CANDIDATE {
                let fault_error = self.faults.error_prob_at(mid) > 0.0
                    || (varying && self.faults.error_varies_within(a, b));
                let fault_latency = params.latency_mult != 1.0 || params.latency_add_ms != 0.0;
                let base_share = if fault_error && p > 0.0 {
                    (params.error_prob / p).clamp(0.0, 1.0)
                } else {
                    1.0
                };
                (fault_error || fault_latency).then_some(base_share)
            } else {
                None
            };
            self.add_batch(version, params, failed, ok, coupling);
        }
    }

    /// Adds `failed` + `ok` requests of one metric slot as counts. With a
    /// `coupling` (the share of failures that are the baseline's own; only
    /// while a fault acts on the candidate) the excess bad requests are
    /// drawn too (`fast::excess_in_bins`); without one there are none.
    fn add_batch(
        &mut self,
        slot: usize,
        params: &ServeParams,
        failed: u64,
        ok: u64,
        coupling: Option<f64>,
    ) {
        let n = failed + ok;
        if n == 0 {
            return;
        }
        let mut timeouts = 0;
        let mut slow = 0;
        let mut group = None;
        if self.need_latency {
            let dist = DurationDist {
                base: params.latency,
                mult: params.latency_mult,
                add: params.latency_add_ms,
                cap: params.timeout_ms,
            };
            let bins = &self.bins[slot];
            let mut ok_bins = Vec::with_capacity(bins.len());
            fast::split_into_bins(&mut self.traffic_rng, ok, bins, &dist, &mut ok_bins);
            fast::split_into_bins(
                &mut self.traffic_rng,
                failed,
                bins,
                &dist,
                &mut self.bin_scratch,
            );
            // Bad successes per bin, kept only where the excess split needs
            // them (a faulty candidate): no allocation on the common path.
            let split = coupling.filter(|_| is_candidate(slot));
            let mut ok_bad = if split.is_some() {
                vec![0u64; bins.len()]
            } else {
                Vec::new()
            };
            for (i, &count) in ok_bins.iter().enumerate() {
                let bad = if bins.is_cap(i) {
                    timeouts += count;
                    true
                } else if self
                    .sc
                    .sla_ms
                    .is_some_and(|sla| bins.representative(i, &dist) > sla)
                {
                    slow += count;
                    true
                } else {
                    false
                };
                if bad && split.is_some() {
                    ok_bad[i] = count;
                }
            }
            if let Some(base_share) = split {
                let bad_over = self
                    .sc
                    .sla_ms
                    .unwrap_or(f64::INFINITY)
                    .min(params.timeout_ms.unwrap_or(f64::INFINITY));
                self.excess_bad_requests += fast::excess_in_bins(
                    &mut self.traffic_rng,
                    base_share,
                    bins,
                    &dist,
                    bad_over,
                    &self.bin_scratch,
                    &ok_bad,
                );
            }
            let counts: Vec<u64> = ok_bins
                .iter()
                .zip(&self.bin_scratch)
                .map(|(x, y)| x + y)
                .collect();
            group = Some(LatencyGroup { dist, counts });
        } else if let (Some(base_share), true) = (coupling, is_candidate(slot)) {
            // No durations: only failures are bad, and a fault failure is
            // always one the baseline would have served well.
            self.excess_bad_requests +=
                failed - fast::binomial(&mut self.traffic_rng, failed, base_share);
        }
        let errors = failed + timeouts;
        self.requests_total += n;
        self.errors_total += errors;
        if is_candidate(slot) {
            self.candidate_requests += n;
            self.bad_requests += errors + slow;
        }
        let filters = &self.sc.metrics.filters;
        for ws in &mut self.windows {
            let acc = &mut ws.accs[slot];
            acc.count += n;
            acc.errors += errors;
            for (i, f) in filters.iter().enumerate() {
                acc.filter_matches[i] += match f.field {
                    FilterField::StatusCode => {
                        let mut m = 0;
                        for (status, count) in [
                            (STATUS_ERROR, failed),
                            (STATUS_TIMEOUT, timeouts),
                            (STATUS_OK, ok - timeouts),
                        ] {
                            if f.comparison.holds(status, f.operand) {
                                m += count;
                            }
                        }
                        m
                    }
                    FilterField::Duration => match &group {
                        Some(g) => {
                            let bins = &self.bins[slot];
                            (0..bins.len())
                                .filter(|&i| {
                                    f.comparison
                                        .holds(bins.representative(i, &g.dist), f.operand)
                                })
                                .map(|i| g.counts[i])
                                .sum()
                        }
                        None => 0,
                    },
                };
            }
            if let Some(g) = &group {
                acc.groups.push(g.clone());
            }
        }
    }

    /// Fast mode, at a period close: draws the Min/Max/Sum of every latency
    /// group and the percentiles alarms read, or expands mixed populations
    /// into samples for the exact percentile path.
    fn finalize_fast(&mut self, wi: usize) {
        let ws = &mut self.windows[wi];
        let rng = &mut self.traffic_rng;
        for v in 0..SLOTS {
            let bins = &self.bins[v];
            let acc = &mut ws.accs[v];
            for g in &acc.groups {
                if ws.need_min_max {
                    if let Some((lo, hi)) = fast::min_max(rng, g, bins) {
                        acc.min_ms = acc.min_ms.min(lo);
                        acc.max_ms = acc.max_ms.max(hi);
                    }
                }
                if ws.need_sum {
                    acc.sum_ms += fast::sum(rng, g, bins);
                }
            }
        }
        self.calc.fast_percentiles.clear();
        for &(scope, p) in &ws.percentiles {
            let population = metrics::population(scope);
            let n: u64 = population.iter().map(|&v| ws.accs[v].count).sum();
            if n == 0 {
                continue;
            }
            let mut dists = population
                .iter()
                .flat_map(|&v| ws.accs[v].groups.iter().map(|g| g.dist));
            let first = dists.next();
            let homogeneous = population.iter().all(|&v| ws.accs[v].exact_requests == 0)
                && first.is_some()
                && dists.all(|d| Some(d) == first)
                && population
                    .iter()
                    .all(|&v| self.bins[v] == self.bins[population[0]]);
            if homogeneous {
                let dist = first.expect("checked");
                let bins = &self.bins[population[0]];
                let mut merged = vec![0u64; bins.len()];
                for &v in population {
                    for g in &ws.accs[v].groups {
                        for (m, c) in merged.iter_mut().zip(&g.counts) {
                            *m += c;
                        }
                    }
                }
                let k = metrics::rank(p, n);
                if let Some(value) = fast::order_statistic(rng, &dist, &merged, bins, k) {
                    self.calc.fast_percentiles.push((scope, p, value));
                }
            } else {
                self.fallbacks |= FALLBACK_MIXED_PERCENTILE;
                for &v in population {
                    let acc = &mut ws.accs[v];
                    if !acc.materialized {
                        for g in &acc.groups {
                            fast::materialize(rng, g, &self.bins[v], &mut acc.latencies);
                        }
                        acc.materialized = true;
                    }
                }
            }
        }
    }

    /// One request of a metric slot. A bad candidate request is excess
    /// when its coupled baseline (failure probability `base_error_prob`,
    /// no latency fault, no cold start) would have been good.
    #[inline]
    fn one_request(
        &mut self,
        slot: usize,
        params: &ServeParams,
        error_prob: f64,
        base_error_prob: f64,
    ) {
        let extra = if slot == CANDIDATE && self.cold_remaining > 0 {
            self.cold_remaining -= 1;
            self.cold_extra_ms
        } else {
            0.0
        };
        let (s, base) = serve_coupled(
            &mut self.traffic_rng,
            params,
            error_prob,
            base_error_prob,
            extra,
            self.need_latency,
        );
        self.requests_total += 1;
        self.errors_total += u64::from(s.error);
        if is_candidate(slot) {
            self.candidate_requests += 1;
            let slow = |ms: f64| self.sc.sla_ms.is_some_and(|sla| ms > sla);
            if s.error || slow(s.latency_ms) {
                self.bad_requests += 1;
                if !(base.error || slow(base.latency_ms)) {
                    self.excess_bad_requests += 1;
                }
            }
        }
        let filters = &self.sc.metrics.filters;
        for ws in &mut self.windows {
            ws.accs[slot].add(&s, filters, ws.keep_latency);
        }
    }

    /// Closes every window that ends now, computes alarm datapoints and
    /// (for the timeline) records the base period.
    fn close_periods(&mut self) {
        let now = self.now;
        let sc = self.sc;
        for wi in 0..self.windows.len() {
            if now % self.windows[wi].period != self.windows[wi].offset {
                continue;
            }
            if self.sampling == Sampling::Fast {
                self.finalize_fast(wi);
            } else {
                self.calc.fast_percentiles.clear();
            }
            let ws = &mut self.windows[wi];
            for (ai, alarm) in sc.alarms.iter().enumerate() {
                let rt = &mut self.alarms[ai];
                if !rt.windows.contains(&wi) {
                    continue;
                }
                let dp = self.calc.datapoint(alarm, &sc.metrics.filters, &ws.accs);
                rt.history.push_back((now, dp));
                while rt.history.len() > rt.history_cap {
                    rt.history.pop_front();
                }
            }
            if wi == 0 {
                if let Some(rows) = &mut self.timeline {
                    let count = |v: usize| ws.accs[v].count + ws.accs[hit_slot(v)].count;
                    let errors = |v: usize| ws.accs[v].errors + ws.accs[hit_slot(v)].errors;
                    rows.push(TimelineRow {
                        strategy: self.label.clone(),
                        period_start_s: to_secs(now - ws.period),
                        candidate_weight_pct: self.weight * 100.0,
                        stable_requests: count(STABLE),
                        stable_errors: errors(STABLE),
                        candidate_requests: count(CANDIDATE),
                        candidate_errors: errors(CANDIDATE),
                        alarms: self
                            .alarms
                            .iter()
                            .map(|rt| {
                                let fresh = rt.history.back().filter(|(end, _)| *end == now);
                                (fresh.and_then(|(_, dp)| dp.value), rt.state)
                            })
                            .collect(),
                    });
                }
            }
            ws.accs.iter_mut().for_each(Acc::reset);
        }
        self.queue
            .push(now + self.windows[0].period, Ev::PeriodClose);
    }

    /// Evaluates every alarm due now over its evaluation range. A datapoint is
    /// visible once its window has ended and the ingestion delay has passed.
    /// Aligned alarms read the E most recent closed periods (a closed period
    /// not yet visible is missing); sliding alarms read the E windows ending
    /// at the newest visible window end and every period before it.
    fn evaluate_alarms(&mut self) {
        let now = self.now;
        let delay = self.sc.metrics.ingestion_delay;
        for (ai, alarm) in self.sc.alarms.iter().enumerate() {
            let rt = &mut self.alarms[ai];
            if !rt.active || now % rt.eval_interval != 0 {
                continue;
            }
            let e = alarm.rule.evaluation_range as usize;
            self.range_buf.clear();
            let mut newest_low_sample = false;
            if rt.sliding {
                let anchor = rt
                    .history
                    .iter()
                    .rev()
                    .find(|(end, _)| end + delay <= now)
                    .map(|(end, _)| *end);
                for k in (0..e as u64).rev() {
                    let end = anchor.and_then(|a| a.checked_sub(k * alarm.period));
                    let dp = end.and_then(|end| rt.history.iter().find(|(t, _)| *t == end));
                    let v = dp.and_then(|(_, dp)| dp.value);
                    if let (Some(_), Some((_, dp))) = (v, dp) {
                        newest_low_sample = dp.low_sample;
                    }
                    self.range_buf.push(v);
                }
            } else {
                self.range_buf
                    .resize(e.saturating_sub(rt.history.len()), None);
                for (end, dp) in &rt.history {
                    let visible = end + delay <= now;
                    let v = if visible { dp.value } else { None };
                    if v.is_some() {
                        newest_low_sample = dp.low_sample;
                    }
                    self.range_buf.push(v);
                }
            }
            if newest_low_sample && alarm.low_sample_count == LowSampleCount::Ignore {
                continue;
            }
            let next = alarm.rule.evaluate(&self.range_buf, rt.state);
            if next != rt.state {
                rt.state = next;
                self.transitions.push((ai, next));
                if let Some(ev) = &mut self.events {
                    ev.push(TimelineEvent {
                        strategy: self.label.clone(),
                        time_s: to_secs(now),
                        event: EventKind::AlarmState,
                        detail: format!("{}={}", alarm.name, next.name()),
                    });
                }
            }
        }
        let step = self.eval_step();
        self.queue.push(now + step, Ev::AlarmEval);
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
                bad_requests_during_deploy: during,
                bad_requests_after_deploy: self.bad_requests - during,
                errors_total: self.errors_total,
                requests_total: self.requests_total,
            },
            functions: Vec::new(),
            timeline: self.timeline.unwrap_or_default(),
            events: self.events.unwrap_or_default(),
            fallbacks: self.fallbacks,
        }
    }
}

impl Control for World<'_> {
    fn now(&self) -> Micros {
        self.now
    }

    fn schedule(&mut self, at: Micros, token: u32) {
        self.queue.push(at.max(self.now), Ev::Strategy(token));
    }

    fn schedule_poll(&mut self, at: Micros, token: u32) {
        self.queue.push(at.max(self.now), Ev::Poll(token));
    }

    fn set_candidate_weight(&mut self, pct: f64) {
        self.weight = (pct / 100.0).clamp(0.0, 1.0);
        if pct > 0.0 && self.faults.onset().is_none() {
            self.faults.set_onset(self.now);
            for t in self.faults.breakpoints(self.sc.horizon) {
                self.queue.push(t, Ev::Breakpoint);
            }
            if let Some(c) = &self.cache {
                if c.warmup > 0 && self.now + c.warmup <= self.sc.horizon {
                    self.queue.push(self.now + c.warmup, Ev::Breakpoint);
                }
            }
        }
        self.note(EventKind::Weight, &format!("{pct}"));
    }

    fn alarm_firing(&self, watched: &[usize]) -> Option<usize> {
        watched
            .iter()
            .copied()
            .find(|&i| self.alarms[i].state == AlarmState::Alarm)
    }

    fn alarm_name(&self, index: usize) -> String {
        self.sc.alarms[index].name.clone()
    }

    fn hook_fails(&mut self, hook: &Hook) -> bool {
        let p = hook_failure_probability(hook, &self.func.faults);
        self.control_rng.random::<f64>() < p
    }

    fn draw_delay(&mut self, delay: &DelayDist) -> Micros {
        delay.sample(&mut self.control_rng)
    }

    fn chance(&mut self, p: f64) -> bool {
        if p >= 1.0 {
            true
        } else if p <= 0.0 {
            false
        } else {
            self.control_rng.random::<f64>() < p
        }
    }

    fn fault_visible_at(&self) -> Option<Micros> {
        self.faults.first_effect()
    }

    fn detected(&mut self, trigger: &Trigger) {
        if self.detection.is_none() {
            self.detection = Some(self.now);
            self.trigger = trigger.clone();
        }
        if self.events.is_some() {
            self.note(EventKind::Detected, &trigger.to_string());
        }
    }

    fn rollback_complete(&mut self) {
        self.rollback_done = Some(self.now);
        self.note(EventKind::RollbackComplete, "");
    }

    fn finish(&mut self, outcome: Outcome) {
        self.finished = Some((self.now, outcome));
        self.bad_at_deploy_end = Some(self.bad_requests);
    }

    fn note(&mut self, event: EventKind, detail: &str) {
        if let Some(ev) = &mut self.events {
            ev.push(TimelineEvent {
                strategy: self.label.clone(),
                time_s: to_secs(self.now),
                event,
                detail: detail.to_string(),
            });
        }
    }
}

/// P(hook fails) = 1 − (1 − P(catch)) (1 − flaky), where the hook catches
/// each fault present independently with its kind's probability.
pub fn hook_failure_probability(hook: &Hook, faults: &[Fault]) -> f64 {
    let miss_all: f64 = faults
        .iter()
        .map(|f| 1.0 - hook.catch_probability(f.kind()))
        .product();
    1.0 - miss_all * (1.0 - hook.flaky_probability)
}

/// Failure probability of two independent causes.
#[inline]
fn combine(p: f64, q: f64) -> f64 {
    1.0 - (1.0 - p) * (1.0 - q)
}

/// The baseline threshold of the coupled failure draw for a request that
/// fails with `total` = combine(`base`, `fault`): `base` (at most `total`)
/// while a fault acts, else `total` itself, so that without a fault the
/// baseline fails exactly when the request does (`combine(p, 0)` may differ
/// from `p` in the last bit).
#[inline]
fn baseline_prob(base: f64, fault: f64, total: f64) -> f64 {
    if fault > 0.0 {
        base.min(total)
    } else {
        total
    }
}

/// A Poisson count; zero for a zero mean.
pub(crate) fn poisson<R: Rng + ?Sized>(rng: &mut R, lambda: f64) -> u64 {
    if lambda <= 0.0 {
        return 0;
    }
    match Poisson::new(lambda) {
        Ok(d) => d.sample(rng) as u64,
        Err(_) => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alarm::{AlarmRule, Comparison, MissingData};
    use crate::model::*;
    use crate::strategy::script;
    use crate::testkit::{scenario, set_faults};

    fn run(sc: &Scenario, seed: u64) -> ReplicationOutput {
        run_replication(sc, 0, 0, seed, ReplicationOptions { timeline: true })
    }

    #[test]
    fn all_at_once_total_failure_is_detected_after_first_period() {
        let mut sc = scenario(TrafficShift::AllAtOnce);
        set_faults(
            &mut sc,
            vec![Fault::StepError {
                after: 0,
                error_rate: 1.0,
            }],
        );
        // Without a post-traffic hook AllAtOnce completes at t = 0 and nothing
        // watches; a 10-minute hook holds the deployment open as a bake window.
        sc.strategies[0].post_traffic_hook = Some(Hook {
            duration: secs(600),
            catch_probability: [0.0; 5],
            flaky_probability: 0.0,
        });
        let out = run(&sc, 3);
        let r = &out.record;
        // Period [0, 60) closes at 60 s, is evaluated at 60 s and polled at 60 s.
        assert_eq!(r.detection_s, Some(60.0));
        assert_eq!(r.rollback_s, Some(65.0));
        assert_eq!(r.outcome, Outcome::RolledBack);
        assert_eq!(r.trigger, Trigger::Alarm("errors".into()));
        assert_eq!(r.bad_requests, r.candidate_requests);
        // A perfect baseline: every failure is the fault's, and all of them
        // happened before the rollback completed.
        assert_eq!(r.excess_bad_requests, r.bad_requests);
        assert_eq!(r.bad_requests_during_deploy, r.bad_requests);
        assert_eq!(r.bad_requests_after_deploy, 0);
        // 65 s at 10 req/s: a Poisson count with mean 650.
        assert!((r.candidate_requests as f64 - 650.0).abs() < 5.0 * 650f64.sqrt());
        assert!(out.timeline.len() == 30);
        assert_eq!(out.timeline[0].candidate_weight_pct, 100.0);
        assert_eq!(out.timeline[2].candidate_weight_pct, 0.0);
    }

    #[test]
    fn healthy_canary_completes_on_schedule_and_is_deterministic() {
        let sc = scenario(TrafficShift::Canary {
            percentage: 10,
            interval: secs(300),
        });
        let a = run(&sc, 9);
        assert_eq!(a.record.outcome, Outcome::Completed);
        assert_eq!(a.record.deploy_s, 300.0);
        assert_eq!(a.record.detection_s, None);
        assert_eq!(a.timeline[0].candidate_weight_pct, 10.0);
        assert_eq!(
            a.timeline[4].candidate_weight_pct, 10.0,
            "shift at 300 s comes after the close"
        );
        assert_eq!(a.timeline[5].candidate_weight_pct, 100.0);
        let b = run(&sc, 9);
        assert_eq!(a.record, b.record);
        assert_eq!(a.timeline, b.timeline);
    }

    /// The testkit scenario with one strategy of `kind` (watching alarm 0).
    fn with_kind(kind: StrategyKind) -> Scenario {
        let mut sc = scenario(TrafficShift::AllAtOnce);
        sc.strategies = vec![script::spec(kind)];
        sc
    }

    /// Alarm 0 as "more than 5 candidate errors in 10 minutes": Errors Sum
    /// > 5 over a 10-minute period, missing data not breaching.
    fn count_alarm(sc: &mut Scenario) {
        let a = &mut sc.alarms[0];
        a.period = secs(600);
        a.rule = AlarmRule {
            threshold: 5.0,
            comparison: Comparison::GreaterThan,
            evaluation_periods: 1,
            datapoints_to_alarm: 1,
            missing_data: MissingData::NotBreaching,
            evaluation_range: 3,
        };
    }

    /// Mean detection time (s) of a 90/10 Lattice split held in place, with
    /// a candidate failing 1 % of its requests from its first request.
    fn lattice_detection(rate: f64, reps: u32) -> Vec<f64> {
        let mut l = script::lattice();
        l.schedule.clear();
        l.bake = None;
        let mut sc = with_kind(StrategyKind::Lattice(l));
        count_alarm(&mut sc);
        sc.metrics.ingestion_delay = secs(60);
        sc.horizon = secs(3600);
        sc.functions[0].traffic.rate_per_s = rate;
        sc.sampling = Sampling::Fast;
        set_faults(
            &mut sc,
            vec![Fault::StepError {
                after: 0,
                error_rate: 0.01,
            }],
        );
        (0..reps)
            .filter_map(|r| {
                let out = run_replication(
                    &sc,
                    0,
                    r,
                    100 + u64::from(r),
                    ReplicationOptions { timeline: false },
                );
                out.record.detection_s
            })
            .collect()
    }

    #[test]
    fn a_count_alarm_detects_sooner_the_more_traffic_there_is() {
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        let slow = lattice_detection(10.0, 300);
        let mid = lattice_detection(100.0, 300);
        let fast = lattice_detection(1000.0, 300);
        // 10 req/s: 1 candidate req/s fails 0.01 errors/s, 6 errors take
        // about 10 minutes; 100 req/s: about 1 minute; 1000 req/s: seconds.
        assert!(
            slow.len() > 250,
            "10 req/s detects within the hour: {}",
            slow.len()
        );
        assert_eq!(mid.len(), 300);
        assert!(
            mean(&slow) > mean(&mid) + 200.0,
            "{} vs {}",
            mean(&slow),
            mean(&mid)
        );
        assert!(
            mean(&mid) > mean(&fast) + 30.0,
            "{} vs {}",
            mean(&mid),
            mean(&fast)
        );
        // At 1000 req/s the 6th error comes within seconds of the first
        // traffic (90 s, after propagation): the one-minute bucket [60, 120)
        // closes at 120 s and is visible at 180 s, where the sliding
        // 10-minute window ending at 120 s breaches.
        assert!(fast.iter().all(|&d| d == 180.0), "{fast:?}");
    }

    #[test]
    fn sliding_windows_let_a_long_period_alarm_fire_at_the_next_minute() {
        // Same alarm on an aligned period would wait for the period's end
        // (600 s) plus the ingestion delay.
        let mut sc = scenario(TrafficShift::AllAtOnce);
        count_alarm(&mut sc);
        sc.functions[0].traffic.rate_per_s = 100.0;
        sc.strategies[0].post_traffic_hook = Some(Hook {
            duration: secs(1200),
            catch_probability: [0.0; 5],
            flaky_probability: 0.0,
        });
        set_faults(
            &mut sc,
            vec![Fault::StepError {
                after: secs(200),
                error_rate: 1.0,
            }],
        );
        for sampling in [Sampling::Exact, Sampling::Fast] {
            sc.sampling = sampling;
            let out = run(&sc, 5);
            // Errors from 200 s; bucket [180, 240) closes at 240 (no
            // ingestion delay in the testkit), polled at 240.
            assert_eq!(out.record.detection_s, Some(240.0), "{sampling:?}");
        }
    }

    /// An API Gateway canary of `pct` % with a stage cache of hit ratio 0.5
    /// warming over `warmup`, and a candidate that fails every request.
    fn cached_canary(pct: f64, warmup: Micros, sampling: Sampling) -> Scenario {
        let mut sc = with_kind(StrategyKind::ApiGwCanary(ApiGwSpec {
            percent_traffic: pct,
            review_time: None,
            guard: script::guard(),
            operator: None,
            cache: Some(StageCache {
                hit_ratio: 0.5,
                hit_latency_ms: 5.0,
                warmup,
            }),
        }));
        sc.alarms.clear();
        sc.strategies[0].alarms.clear();
        sc.functions[0].traffic.rate_per_s = 200.0;
        sc.horizon = secs(600);
        sc.sampling = sampling;
        set_faults(
            &mut sc,
            vec![Fault::StepError {
                after: 0,
                error_rate: 1.0,
            }],
        );
        sc
    }

    #[test]
    fn stage_cache_hits_never_fail_and_the_canary_cache_starts_cold() {
        for sampling in [Sampling::Exact, Sampling::Fast] {
            for (warmup, expected_bad) in [(0, 0.5), (secs(600), 0.75)] {
                let sc = cached_canary(50.0, warmup, sampling);
                let r = run(&sc, 11).record;
                // Misses fail: 1 − h̄, with h̄ = 0.5 warm or 0.25 on average
                // while warming linearly over the whole horizon.
                let bad = r.bad_requests as f64 / r.candidate_requests as f64;
                let n = r.candidate_requests as f64;
                assert!((n - 60_000.0).abs() < 5.0 * 60_000f64.sqrt(), "{n}");
                let sd = (expected_bad * (1.0 - expected_bad) / n).sqrt();
                assert!(
                    (bad - expected_bad).abs() < 5.0 * sd,
                    "{sampling:?} warmup {warmup}: {bad}"
                );
                assert_eq!(
                    r.errors_total, r.bad_requests,
                    "stable hits and misses never fail"
                );
            }
        }
    }

    #[test]
    fn canary_stage_metrics_see_cache_hits_and_lambda_metrics_do_not() {
        let mut sc = cached_canary(50.0, 0, Sampling::Exact);
        let invocations = |scope| AlarmSpec {
            name: format!("{scope:?}"),
            scope,
            expr: Expr::Series(MetricStat {
                metric: MetricName::Invocations,
                statistic: Statistic::Sum,
            }),
            ..scenario(TrafficShift::AllAtOnce).alarms[0].clone()
        };
        sc.alarms = vec![
            invocations(Scope::Version),
            invocations(Scope::CanaryStage),
            invocations(Scope::Function),
        ];
        for sampling in [Sampling::Exact, Sampling::Fast] {
            sc.sampling = sampling;
            let out = run(&sc, 4);
            for row in &out.timeline {
                let value = |i: usize| row.alarms[i].0.expect("a datapoint every minute");
                let (version, stage, function) = (value(0), value(1), value(2));
                // Half of the canary's requests are hits, and half of the
                // stable version's: only misses invoke the function.
                assert_eq!(stage, row.candidate_requests as f64);
                assert!((version / stage - 0.5).abs() < 0.1, "{version} of {stage}");
                let total = (row.candidate_requests + row.stable_requests) as f64;
                assert!(
                    (function / total - 0.5).abs() < 0.1,
                    "{function} of {total}"
                );
            }
        }
    }

    #[test]
    fn hook_outcomes_follow_catch_and_flaky_probabilities_for_every_kind() {
        for spec in script::every_kind() {
            let mut sc = with_kind(spec.kind.clone());
            sc.alarms.clear();
            sc.strategies[0].alarms.clear();
            sc.strategies[0].pre_traffic_hook = Some(Hook {
                duration: secs(60),
                catch_probability: [0.7, 0.0, 0.0, 0.0, 0.0],
                flaky_probability: 0.1,
            });
            sc.horizon = secs(4 * 3600);
            sc.sampling = Sampling::Fast;
            let reps = 2000;
            let rate = |sc: &Scenario| {
                (0..reps)
                    .filter(|&r| {
                        let out = run_replication(
                            sc,
                            0,
                            r,
                            7 + u64::from(r),
                            ReplicationOptions { timeline: false },
                        );
                        out.record.trigger == Trigger::PreTrafficHook
                    })
                    .count() as f64
                    / f64::from(reps)
            };
            // Healthy: only flaky failures.
            let healthy = rate(&sc);
            assert!(
                (healthy - 0.1).abs() < 4.0 * (0.09f64 / 2000.0).sqrt(),
                "{}: {healthy}",
                spec.name
            );
            // A step error is caught with 0.7: 1 − 0.3 · 0.9 = 0.73.
            set_faults(
                &mut sc,
                vec![Fault::StepError {
                    after: 0,
                    error_rate: 0.5,
                }],
            );
            let faulty = rate(&sc);
            let sd = (0.73f64 * 0.27 / 2000.0).sqrt();
            assert!((faulty - 0.73).abs() < 4.0 * sd, "{}: {faulty}", spec.name);
        }
    }

    /// Two functions: `a` (canary, its own error alarm) and `b`, released
    /// all at once; `a` fails every request.
    fn two_functions() -> Scenario {
        let mut sc = scenario(TrafficShift::Canary {
            percentage: 10,
            interval: secs(300),
        });
        let a = sc.functions[0].clone();
        sc.functions = vec![
            Function {
                name: "a".into(),
                faults: vec![Fault::StepError {
                    after: 0,
                    error_rate: 1.0,
                }],
                candidate_faulty: true,
                ..a.clone()
            },
            Function {
                name: "b".into(),
                deploy: Deploy::AllAtOnce,
                ..a
            },
        ];
        sc.candidate_faulty = true;
        sc.multi_function = true;
        sc
    }

    #[test]
    fn a_failing_function_rolls_back_the_whole_stack() {
        let mut sc = two_functions();
        let out = run(&sc, 1);
        let [a, b] = &out.functions[..] else {
            panic!("two function records")
        };
        assert_eq!((a.strategy.as_str(), b.strategy.as_str()), ("s/a", "s/b"));
        assert_eq!(
            (a.trigger.to_string().as_str(), a.detection_s, a.rollback_s),
            ("errors", Some(60.0), Some(65.0))
        );
        // b completed at t = 0, then the stack rollback reached it at 60 s.
        assert_eq!(b.outcome, Outcome::RolledBack);
        assert_eq!(
            (b.trigger.to_string().as_str(), b.detection_s, b.rollback_s),
            ("stack_rollback:a", Some(60.0), Some(65.0))
        );
        assert!(!b.candidate_faulty);
        let whole = &out.record;
        assert_eq!(whole.strategy, "s");
        assert_eq!(whole.outcome, Outcome::RolledBack);
        assert_eq!(whole.trigger.to_string(), "a:errors");
        assert_eq!(
            (whole.detection_s, whole.rollback_s, whole.deploy_s),
            (Some(60.0), Some(65.0), 65.0)
        );
        assert_eq!(whole.requests_total, a.requests_total + b.requests_total);
        assert_eq!(whole.bad_requests, a.bad_requests + b.bad_requests);
        assert_eq!(
            whole.excess_bad_requests,
            a.excess_bad_requests + b.excess_bad_requests
        );
        assert_eq!(b.excess_bad_requests, 0, "b is healthy");
        assert_eq!(
            whole.bad_requests_during_deploy + whole.bad_requests_after_deploy,
            whole.bad_requests
        );
        assert!(out.timeline.iter().any(|r| r.strategy == "s/b"));

        sc.deployment.stack_rollback_delay = DelayDist::Fixed(secs(30));
        let out = run(&sc, 1);
        assert_eq!(out.functions[1].detection_s, Some(90.0));
        assert_eq!(out.functions[1].rollback_s, Some(95.0));
        assert_eq!(
            out.record.rollback_s,
            Some(95.0),
            "all on stable when the last function is back"
        );

        sc.deployment.stack_rollback = false;
        let out = run(&sc, 1);
        assert_eq!(out.functions[1].outcome, Outcome::Completed);
        assert_eq!(out.record.outcome, Outcome::RolledBack);
        assert_eq!(out.record.rollback_s, Some(65.0));
    }

    #[test]
    fn functions_have_their_own_streams() {
        let sc = two_functions();
        let out = run(&sc, 1);
        // Same traffic, same seed: the function name decides the stream.
        assert_ne!(
            out.functions[0].requests_total,
            out.functions[1].requests_total
        );
        let again = run(&sc, 1);
        assert_eq!(out.functions, again.functions);
        assert_eq!(out.record, again.record);
    }

    /// The testkit scenario released all at once (completing at t = 0
    /// unless a post-traffic hook holds it open), no alarms, candidate
    /// baseline: `error_rate`, `latency`, `timeout_ms`; SLA `sla_ms`.
    fn exposure_scenario(
        error_rate: f64,
        latency: LatencyDist,
        timeout_ms: Option<f64>,
        sla_ms: Option<f64>,
        faults: Vec<Fault>,
    ) -> Scenario {
        let mut sc = scenario(TrafficShift::AllAtOnce);
        sc.alarms.clear();
        sc.strategies[0].alarms.clear();
        sc.horizon = secs(600);
        sc.functions[0].traffic.rate_per_s = 50.0;
        sc.functions[0].candidate = VersionProfile {
            error_rate,
            latency,
            timeout_ms,
        };
        sc.sla_ms = sla_ms;
        set_faults(&mut sc, faults);
        sc
    }

    #[test]
    fn a_healthy_candidate_with_a_worse_baseline_has_no_excess_in_either_mode() {
        let latency = LatencyDist::LogNormal {
            median_ms: 100.0,
            p99_ms: 900.0,
        };
        let sc = exposure_scenario(0.2, latency, Some(700.0), Some(300.0), vec![]);
        for sampling in [Sampling::Exact, Sampling::Fast] {
            let mut sc = sc.clone();
            sc.sampling = sampling;
            for seed in 0..5 {
                let r = run(&sc, seed).record;
                assert!(r.bad_requests > 5_000, "{r:?}");
                assert_eq!(r.excess_bad_requests, 0, "{sampling:?}");
                // AllAtOnce without a hook completes at t = 0: every bad
                // request comes after the deployment.
                assert_eq!(r.deploy_s, 0.0);
                assert_eq!(r.bad_requests_during_deploy, 0);
                assert_eq!(r.bad_requests_after_deploy, r.bad_requests);
            }
        }
    }

    #[test]
    fn deploy_end_splits_bad_requests_into_during_and_after() {
        // A 10 % canary of a candidate failing half its requests (its own
        // baseline, no fault), completing at 300 s: during ≈ 10 % of 300 s,
        // after = 100 % of the other 300 s.
        let mut sc = exposure_scenario(0.5, LatencyDist::Fixed { ms: 100.0 }, None, None, vec![]);
        sc.strategies = scenario(TrafficShift::Canary {
            percentage: 10,
            interval: secs(300),
        })
        .strategies;
        sc.strategies[0].alarms.clear();
        for sampling in [Sampling::Exact, Sampling::Fast] {
            sc.sampling = sampling;
            let r = run(&sc, 3).record;
            assert_eq!((r.outcome, r.deploy_s), (Outcome::Completed, 300.0));
            let (during, after) = (
                r.bad_requests_during_deploy as f64,
                r.bad_requests_after_deploy as f64,
            );
            assert_eq!(during + after, r.bad_requests as f64);
            let expected_during = 50.0 * 0.1 * 300.0 * 0.5;
            let expected_after = 50.0 * 300.0 * 0.5;
            assert!(
                (during - expected_during).abs() < 5.0 * expected_during.sqrt(),
                "{during}"
            );
            assert!(
                (after - expected_after).abs() < 5.0 * expected_after.sqrt(),
                "{after}"
            );
            assert_eq!(r.excess_bad_requests, 0);
        }
    }

    #[test]
    fn a_timeout_only_the_fault_causes_is_excess_and_a_baseline_failure_is_not() {
        // Fixed 100 ms, timeout 150 ms; the fault adds 100 ms, so every
        // candidate request fails (timeout or error). Baseline failures
        // (10 %) are not the fault's; the timeouts of the others are.
        let sc = exposure_scenario(
            0.1,
            LatencyDist::Fixed { ms: 100.0 },
            Some(150.0),
            None,
            vec![Fault::LatencyShift {
                after: 0,
                add_ms: 100.0,
                multiplier: 1.0,
            }],
        );
        for sampling in [Sampling::Exact, Sampling::Fast] {
            let mut sc = sc.clone();
            sc.sampling = sampling;
            let r = run(&sc, 8).record;
            assert_eq!(r.bad_requests, r.candidate_requests, "{sampling:?}");
            let n = r.bad_requests as f64;
            let own = (r.bad_requests - r.excess_bad_requests) as f64;
            assert!(
                (own - 0.1 * n).abs() < 5.0 * (0.09 * n).sqrt(),
                "{sampling:?}: {own} of {n}"
            );
        }
    }

    #[test]
    fn cold_start_breaches_are_excess() {
        // The first 40 candidate requests take 1 s more than the fixed
        // 100 ms: each breaches the 500 ms SLA, which the baseline never does.
        let sc = exposure_scenario(
            0.0,
            LatencyDist::Fixed { ms: 100.0 },
            None,
            Some(500.0),
            vec![Fault::ColdStart {
                requests: 40,
                extra_ms: 1000.0,
            }],
        );
        for sampling in [Sampling::Exact, Sampling::Fast] {
            let mut sc = sc.clone();
            sc.sampling = sampling;
            let r = run(&sc, 2).record;
            assert_eq!(
                (r.bad_requests, r.excess_bad_requests),
                (40, 40),
                "{sampling:?}"
            );
        }
    }

    #[test]
    fn a_ramp_splits_failures_between_baseline_and_fault_in_fast_mode() {
        // p = 0.1, the fault ramps 0 → 0.4 over the 10 minutes: mean fault
        // probability 0.2, so E[excess] = n (1 − p) 0.2 and E[bad] =
        // n (1 − (1 − p)(1 − 0.2)) (the ramp is linear).
        let sc = exposure_scenario(
            0.1,
            LatencyDist::Fixed { ms: 100.0 },
            None,
            None,
            vec![Fault::RampError {
                after: 0,
                over: secs(600),
                from: 0.0,
                to: 0.4,
            }],
        );
        for sampling in [Sampling::Exact, Sampling::Fast] {
            let mut sc = sc.clone();
            sc.sampling = sampling;
            let reps = 40;
            let (mut bad, mut excess) = (0.0, 0.0);
            for seed in 0..reps {
                let r = run(&sc, 100 + seed).record;
                bad += r.bad_requests as f64;
                excess += r.excess_bad_requests as f64;
            }
            let n = 50.0 * 600.0 * reps as f64;
            let (eb, ee) = (n * (1.0 - 0.9 * 0.8), n * 0.9 * 0.2);
            assert!(
                (bad - eb).abs() < 5.0 * eb.sqrt(),
                "{sampling:?}: bad {bad} vs {eb}"
            );
            assert!(
                (excess - ee).abs() < 5.0 * ee.sqrt(),
                "{sampling:?}: excess {excess} vs {ee}"
            );
        }
    }
}
