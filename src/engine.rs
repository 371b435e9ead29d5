//! The discrete-event loop of one replication (DESIGN.md §1).
//!
//! Control events (period closes, alarm evaluations, fault and burst
//! breakpoints, strategy timers, the horizon) sit in a binary heap ordered by
//! `(time, class, sequence)`, so same-time events run in a fixed class order
//! and then in insertion order. Between two control events the world is
//! constant, and the requests of that segment are generated in a tight loop —
//! requests never go through the heap.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Exp1, Poisson};
use rand_pcg::Pcg64Mcg;

use crate::alarm::AlarmState;
use crate::fast::{self, Bins, DurationDist, LatencyGroup, GL8};
use crate::faults::FaultTimeline;
use crate::metrics::{self, Acc, Datapoint, DatapointCalc, CANDIDATE, STABLE};
use crate::model::{FilterField, Hook, LowSampleCount, Sampling, Scenario, Scope, Statistic};
use crate::record::{Outcome, RunRecord, TimelineEvent, TimelineRow};
use crate::strategy::{self, Control};
use crate::time::{secs, to_secs, Micros};
use crate::traffic::RateFn;
use crate::version::{serve, ServeParams, STATUS_ERROR, STATUS_OK, STATUS_TIMEOUT};

/// Event classes: at equal times, world changes come first, then period
/// closes, alarm evaluations, alarm polls (so a deployment sees an alarm
/// before it shifts or completes at the same instant), other strategy timers,
/// and the horizon last.
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
            Ev::Strategy(_) => CLASS_STRATEGY,
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
    pub record: RunRecord,
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

/// Open metric windows of one alarm period length.
struct WindowSet {
    period: Micros,
    accs: [Acc; 2],
    keep_latency: bool,
    /// Fast mode: whether alarms of this period read Duration Min/Max/Sum.
    need_min_max: bool,
    need_sum: bool,
    /// Fast mode: Duration percentiles read here: (candidate only?, p).
    percentiles: Vec<(bool, f64)>,
}

/// Run-time state of one alarm.
struct AlarmRuntime {
    window: usize,
    eval_interval: Micros,
    history: VecDeque<(Micros, Datapoint)>,
    state: AlarmState,
    last_value: Option<f64>,
}

/// The mutable world of one replication, minus the strategy (which borrows it
/// through [`Control`] during callbacks).
struct World<'a> {
    sc: &'a Scenario,
    strategy_name: &'a str,
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
    /// Fast mode latency bins per version.
    bins: [Bins; 2],
    bin_scratch: Vec<u64>,
    fallbacks: u8,
    windows: Vec<WindowSet>,
    alarms: Vec<AlarmRuntime>,
    calc: DatapointCalc,
    range_buf: Vec<Option<f64>>,
    // Results.
    candidate_requests: u64,
    bad_requests: u64,
    errors_total: u64,
    requests_total: u64,
    trigger: String,
    detection: Option<Micros>,
    rollback_done: Option<Micros>,
    finished: Option<(Micros, Outcome)>,
    timeline: Option<Vec<TimelineRow>>,
    events: Option<Vec<TimelineEvent>>,
}

/// Derives the secondary stream (hooks, operators) from a replication seed so
/// control decisions never shift the traffic stream.
fn control_seed(seed: u64) -> u64 {
    crate::montecarlo::splitmix64(seed ^ 0x6a09_e667_f3bc_c909)
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
    let mut world = World::new(sc, &spec.name, seed, opts);
    let mut strat = strategy::build(spec);
    strat.start(&mut world);
    while let Some(next) = world.queue.peek_time() {
        world.generate(world.now, next);
        world.now = next;
        let Some((_, ev)) = world.queue.pop() else {
            break;
        };
        match ev {
            Ev::Breakpoint => {}
            Ev::PeriodClose => world.close_periods(),
            Ev::AlarmEval => world.evaluate_alarms(),
            Ev::Strategy(token) | Ev::Poll(token) => strat.on_timer(token, &mut world),
            Ev::Horizon => break,
        }
    }
    world.into_output(replication, seed)
}

impl<'a> World<'a> {
    fn new(sc: &'a Scenario, strategy_name: &'a str, seed: u64, opts: ReplicationOptions) -> Self {
        let filters = sc.metrics.filters.len();
        let base = sc.metrics.period;
        let mut periods: Vec<Micros> = vec![base];
        for a in &sc.alarms {
            if !periods.contains(&a.period) {
                periods.push(a.period);
            }
        }
        let windows: Vec<WindowSet> = periods
            .iter()
            .map(|&period| {
                let mut stats = Vec::new();
                let mut percentiles = Vec::new();
                for a in sc.alarms.iter().filter(|a| a.period == period) {
                    let mut mine = Vec::new();
                    metrics::duration_statistics(&a.expr, &mut mine);
                    for st in &mine {
                        if let Statistic::Percentile(p) = *st {
                            let key = (a.scope == Scope::Version, p);
                            if !percentiles.contains(&key) {
                                percentiles.push(key);
                            }
                        }
                    }
                    stats.extend(mine);
                }
                WindowSet {
                    period,
                    accs: [Acc::new(filters), Acc::new(filters)],
                    keep_latency: sc
                        .alarms
                        .iter()
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
            .map(|a| AlarmRuntime {
                window: periods.iter().position(|&p| p == a.period).unwrap_or(0),
                eval_interval: if a.period < secs(60) {
                    secs(10)
                } else {
                    secs(60)
                },
                history: VecDeque::with_capacity(a.rule.evaluation_range as usize + 1),
                state: AlarmState::InsufficientData,
                last_value: None,
            })
            .collect();
        let need_latency = sc.sla_ms.is_some()
            || sc.stable.timeout_ms.is_some()
            || sc.candidate.timeout_ms.is_some()
            || sc.alarms.iter().any(|a| metrics::reads_duration(&a.expr))
            || sc
                .metrics
                .filters
                .iter()
                .any(|f| f.field == FilterField::Duration);
        let faults = FaultTimeline::new(&sc.faults);
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
            Bins::new(&thresholds, sc.stable.timeout_ms),
            Bins::new(&thresholds, sc.candidate.timeout_ms),
        ];
        let mut w = World {
            sc,
            strategy_name,
            now: 0,
            queue: Queue::default(),
            traffic_rng: Pcg64Mcg::seed_from_u64(seed),
            control_rng: Pcg64Mcg::seed_from_u64(control_seed(seed)),
            rate: RateFn::new(&sc.traffic),
            faults,
            weight: 0.0,
            cold_remaining,
            cold_extra_ms,
            need_latency,
            sampling: sc.sampling,
            bins,
            bin_scratch: Vec::new(),
            fallbacks: 0,
            windows,
            alarms,
            calc: DatapointCalc::default(),
            range_buf: Vec::new(),
            candidate_requests: 0,
            bad_requests: 0,
            errors_total: 0,
            requests_total: 0,
            trigger: String::new(),
            detection: None,
            rollback_done: None,
            finished: None,
            timeline: opts.timeline.then(Vec::new),
            events: opts.timeline.then(Vec::new),
        };
        w.queue.push(sc.horizon, Ev::Horizon);
        w.queue.push(base, Ev::PeriodClose);
        if !sc.alarms.is_empty() {
            let step = w.eval_step();
            w.queue.push(step, Ev::AlarmEval);
        }
        for t in w.rate.breakpoints(sc.horizon) {
            w.queue.push(t, Ev::Breakpoint);
        }
        w
    }

    /// The finest alarm evaluation cadence: 10 s if any alarm has a
    /// sub-minute period, else 60 s.
    fn eval_step(&self) -> Micros {
        self.alarms
            .iter()
            .map(|a| a.eval_interval)
            .min()
            .unwrap_or(secs(60))
    }

    /// Generates every request in [a, b), a segment of constant conditions.
    fn generate(&mut self, a: Micros, b: Micros) {
        if b <= a {
            return;
        }
        let sc = self.sc;
        let mid = (a as f64 + b as f64) / 2.0;
        let stable = ServeParams::baseline(&sc.stable);
        let mut cand = ServeParams::baseline(&sc.candidate);
        let lat = self.faults.latency_at(mid);
        cand.latency_mult = lat.mult;
        cand.latency_add_ms = lat.add_ms;
        let varying = !self.rate.piecewise_constant() || self.faults.error_varies_within(a, b);
        if self.sampling == Sampling::Fast {
            let cold_pending = self.need_latency && self.cold_remaining > 0 && self.weight > 0.0;
            if !cold_pending {
                self.generate_fast(a, b, &stable, &cand, varying);
                return;
            }
            self.fallbacks |= FALLBACK_COLD_START;
        }
        if !varying {
            let lambda = self.rate.expected_count(a, b);
            let n_stable = poisson(&mut self.traffic_rng, lambda * (1.0 - self.weight));
            let n_cand = poisson(&mut self.traffic_rng, lambda * self.weight);
            let p_cand = combine(cand.error_prob, self.faults.error_prob_at(mid));
            for _ in 0..n_stable {
                self.one_request(STABLE, &stable, stable.error_prob);
            }
            for _ in 0..n_cand {
                self.one_request(CANDIDATE, &cand, p_cand);
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
                    let p = combine(cand.error_prob, self.faults.error_prob_at(t));
                    self.one_request(CANDIDATE, &cand, p);
                } else {
                    self.one_request(STABLE, &stable, stable.error_prob);
                }
            }
        }
    }


    /// Fast sampling of a segment: per version, failure and success counts
    /// and (when durations matter) their latency-bin counts; see `fast`.
    fn generate_fast(&mut self, a: Micros, b: Micros, stable: &ServeParams, cand: &ServeParams, varying: bool) {
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
            let expected = lambda * share;
            if expected <= 0.0 {
                continue;
            }
            let p = if version == STABLE {
                params.error_prob
            } else if !varying {
                combine(params.error_prob, self.faults.error_prob_at(mid))
            } else {
                // λ-weighted mean failure probability over the segment.
                let half = (b - a) as f64 / 2.0;
                let (mut num, mut den) = (0.0, 0.0);
                for (x, w) in GL8 {
                    let t = mid + half * x;
                    let rate = self.rate.rate_at(t);
                    num += w * rate * combine(params.error_prob, self.faults.error_prob_at(t));
                    den += w * rate;
                }
                if den > 0.0 {
                    (num / den).clamp(0.0, 1.0)
                } else {
                    0.0
                }
            };
            let failed = poisson(&mut self.traffic_rng, expected * p);
            let ok = poisson(&mut self.traffic_rng, expected * (1.0 - p));
            self.add_batch(version, params, failed, ok);
        }
    }

    /// Adds `failed` + `ok` requests of one version as counts.
    fn add_batch(&mut self, version: usize, params: &ServeParams, failed: u64, ok: u64) {
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
            let bins = &self.bins[version];
            let mut ok_bins = Vec::with_capacity(bins.len());
            fast::split_into_bins(&mut self.traffic_rng, ok, bins, &dist, &mut ok_bins);
            fast::split_into_bins(&mut self.traffic_rng, failed, bins, &dist, &mut self.bin_scratch);
            for i in 0..bins.len() {
                if bins.is_cap(i) {
                    timeouts += ok_bins[i];
                } else if self.sc.sla_ms.is_some_and(|sla| bins.representative(i, &dist) > sla) {
                    slow += ok_bins[i];
                }
            }
            let counts: Vec<u64> = ok_bins.iter().zip(&self.bin_scratch).map(|(x, y)| x + y).collect();
            group = Some(LatencyGroup { dist, counts });
        }
        let errors = failed + timeouts;
        self.requests_total += n;
        self.errors_total += errors;
        if version == CANDIDATE {
            self.candidate_requests += n;
            self.bad_requests += errors + slow;
        }
        let filters = &self.sc.metrics.filters;
        for ws in &mut self.windows {
            let acc = &mut ws.accs[version];
            acc.count += n;
            acc.errors += errors;
            for (i, f) in filters.iter().enumerate() {
                acc.filter_matches[i] += match f.field {
                    FilterField::StatusCode => {
                        let mut m = 0;
                        for (status, count) in [(STATUS_ERROR, failed), (STATUS_TIMEOUT, timeouts), (STATUS_OK, ok - timeouts)] {
                            if f.comparison.holds(status, f.operand) {
                                m += count;
                            }
                        }
                        m
                    }
                    FilterField::Duration => match &group {
                        Some(g) => {
                            let bins = &self.bins[version];
                            (0..bins.len())
                                .filter(|&i| f.comparison.holds(bins.representative(i, &g.dist), f.operand))
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
        for v in [STABLE, CANDIDATE] {
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
        for &(candidate_only, p) in &ws.percentiles {
            let population: &[usize] = if candidate_only { &[CANDIDATE] } else { &[STABLE, CANDIDATE] };
            let n: u64 = population.iter().map(|&v| ws.accs[v].count).sum();
            if n == 0 {
                continue;
            }
            let mut dists = population.iter().flat_map(|&v| ws.accs[v].groups.iter().map(|g| g.dist));
            let first = dists.next();
            let homogeneous = population.iter().all(|&v| ws.accs[v].exact_requests == 0)
                && first.is_some()
                && dists.all(|d| Some(d) == first)
                && population.iter().all(|&v| self.bins[v] == self.bins[population[0]]);
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
                    self.calc.fast_percentiles.push((candidate_only, p, value));
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

    #[inline]
    fn one_request(&mut self, version: usize, params: &ServeParams, error_prob: f64) {
        let extra = if version == CANDIDATE && self.cold_remaining > 0 {
            self.cold_remaining -= 1;
            self.cold_extra_ms
        } else {
            0.0
        };
        let s = serve(
            &mut self.traffic_rng,
            params,
            error_prob,
            extra,
            self.need_latency,
        );
        self.requests_total += 1;
        self.errors_total += u64::from(s.error);
        if version == CANDIDATE {
            self.candidate_requests += 1;
            let slow = self.sc.sla_ms.is_some_and(|sla| s.latency_ms > sla);
            self.bad_requests += u64::from(s.error || slow);
        }
        let filters = &self.sc.metrics.filters;
        for ws in &mut self.windows {
            ws.accs[version].add(&s, filters, ws.keep_latency);
        }
    }

    /// Closes every window whose period ends now, computes alarm datapoints
    /// and (for the timeline) records the base period.
    fn close_periods(&mut self) {
        let now = self.now;
        let sc = self.sc;
        for wi in 0..self.windows.len() {
            if now % self.windows[wi].period != 0 {
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
                if rt.window != wi {
                    continue;
                }
                let dp = self.calc.datapoint(alarm, &sc.metrics.filters, &ws.accs);
                rt.last_value = dp.value;
                rt.history.push_back((now, dp));
                while rt.history.len() > alarm.rule.evaluation_range as usize {
                    rt.history.pop_front();
                }
            }
            if wi == 0 {
                if let Some(rows) = &mut self.timeline {
                    let [s, c] = &ws.accs;
                    rows.push(TimelineRow {
                        strategy: self.strategy_name.to_string(),
                        period_start_s: to_secs(now - ws.period),
                        candidate_weight_pct: self.weight * 100.0,
                        stable_requests: s.count,
                        stable_errors: s.errors,
                        candidate_requests: c.count,
                        candidate_errors: c.errors,
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
    /// visible once its period has ended and the ingestion delay has passed.
    fn evaluate_alarms(&mut self) {
        let now = self.now;
        let delay = self.sc.metrics.ingestion_delay;
        for (ai, alarm) in self.sc.alarms.iter().enumerate() {
            let rt = &mut self.alarms[ai];
            if now % rt.eval_interval != 0 {
                continue;
            }
            let e = alarm.rule.evaluation_range as usize;
            self.range_buf.clear();
            self.range_buf
                .resize(e.saturating_sub(rt.history.len()), None);
            let mut newest_low_sample = false;
            for (end, dp) in &rt.history {
                let visible = end + delay <= now;
                let v = if visible { dp.value } else { None };
                if v.is_some() {
                    newest_low_sample = dp.low_sample;
                }
                self.range_buf.push(v);
            }
            if newest_low_sample && alarm.low_sample_count == LowSampleCount::Ignore {
                continue;
            }
            let next = alarm.rule.evaluate(&self.range_buf, rt.state);
            if next != rt.state {
                rt.state = next;
                if let Some(ev) = &mut self.events {
                    ev.push(TimelineEvent {
                        strategy: self.strategy_name.to_string(),
                        time_s: to_secs(now),
                        event: "alarm_state".to_string(),
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
        ReplicationOutput {
            record: RunRecord {
                strategy: self.strategy_name.to_string(),
                replication,
                seed,
                candidate_faulty: self.sc.candidate_faulty,
                outcome,
                trigger: self.trigger,
                detection_s: self.detection.map(to_secs),
                rollback_s: self.rollback_done.map(to_secs),
                deploy_s: to_secs(deploy_end),
                candidate_requests: self.candidate_requests,
                bad_requests: self.bad_requests,
                errors_total: self.errors_total,
                requests_total: self.requests_total,
            },
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
        }
        self.note("weight", &format!("{pct}"));
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
        let p = hook_failure_probability(hook, self.sc);
        self.control_rng.random::<f64>() < p
    }

    fn detected(&mut self, trigger: &str) {
        if self.detection.is_none() {
            self.detection = Some(self.now);
            self.trigger = trigger.to_string();
        }
        self.note("detected", trigger);
    }

    fn rollback_complete(&mut self) {
        self.rollback_done = Some(self.now);
        self.note("rollback_complete", "");
    }

    fn finish(&mut self, outcome: Outcome) {
        if self.finished.is_none() {
            self.finished = Some((self.now, outcome));
        }
    }

    fn note(&mut self, event: &str, detail: &str) {
        if let Some(ev) = &mut self.events {
            ev.push(TimelineEvent {
                strategy: self.strategy_name.to_string(),
                time_s: to_secs(self.now),
                event: event.to_string(),
                detail: detail.to_string(),
            });
        }
    }
}

/// P(hook fails) = 1 − (1 − P(catch)) (1 − flaky), where the hook catches
/// each fault present independently with its kind's probability.
pub fn hook_failure_probability(hook: &Hook, sc: &Scenario) -> f64 {
    let miss_all: f64 = sc
        .faults
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
    use crate::model::{Fault, StrategyKind, TrafficShift};
    use crate::testkit::scenario;

    fn run(sc: &Scenario, seed: u64) -> ReplicationOutput {
        run_replication(sc, 0, 0, seed, ReplicationOptions { timeline: true })
    }

    #[test]
    #[allow(irrefutable_let_patterns)] // more strategy kinds are coming
    fn all_at_once_total_failure_is_detected_after_first_period() {
        let mut sc = scenario(TrafficShift::AllAtOnce);
        sc.faults = vec![Fault::StepError {
            after: 0,
            error_rate: 1.0,
        }];
        sc.candidate_faulty = true;
        // Without a post-traffic hook AllAtOnce completes at t = 0 and nothing
        // watches; a 10-minute hook holds the deployment open as a bake window.
        if let StrategyKind::CodeDeploy(cd) = &mut sc.strategies[0].kind {
            cd.post_traffic_hook = Some(Hook {
                duration: secs(600),
                catch_probability: [0.0; 5],
                flaky_probability: 0.0,
            });
        }
        let out = run(&sc, 3);
        let r = &out.record;
        // Period [0, 60) closes at 60 s, is evaluated at 60 s and polled at 60 s.
        assert_eq!(r.detection_s, Some(60.0));
        assert_eq!(r.rollback_s, Some(65.0));
        assert_eq!(r.outcome, Outcome::RolledBack);
        assert_eq!(r.trigger, "errors");
        assert_eq!(r.bad_requests, r.candidate_requests);
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
        assert_eq!(a.timeline[4].candidate_weight_pct, 10.0, "shift at 300 s comes after the close");
        assert_eq!(a.timeline[5].candidate_weight_pct, 100.0);
        let b = run(&sc, 9);
        assert_eq!(a.record, b.record);
        assert_eq!(a.timeline, b.timeline);
    }
}
