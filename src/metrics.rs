//! Per-period metric windows (CloudWatch style) and the datapoints alarms see.
//!
//! Requests are accumulated per version into the open window of each distinct
//! alarm period. When a period closes, each alarm's datapoint is computed from
//! the windows of its scope: Lambda publishes nothing for a version that was
//! not invoked, so an empty scope yields a *missing* datapoint; metric math
//! treats a missing series as 0 and drops a division by zero (reference §1.10).

use crate::model::{AlarmSpec, Expr, LogFilter, MetricName, MetricStat, Scope, Statistic};
use crate::version::Served;
use crate::world::latency_bins::LatencyGroup;

/// Metric slots: requests each version served itself, and requests an API
/// Gateway stage cache answered for it (hits never invoke the function, so
/// only the `canary_stage` scope sees them).
pub const STABLE: usize = 0;
pub const CANDIDATE: usize = 1;
pub const STABLE_HIT: usize = 2;
pub const CANDIDATE_HIT: usize = 3;
/// Requests the Kayenta baseline pool served: a fresh server group of the
/// stable version at the candidate's weight (`world::baseline_share`).
/// It is a separate server group, as Spinnaker deploys it, so no
/// CloudWatch scope sees it ([`population`]); only Kayenta judges read it.
pub const BASELINE: usize = 4;
/// Number of metric slots.
pub const SLOTS: usize = 5;

/// What one version served during one open period.
#[derive(Debug, Clone, Default)]
pub struct Acc {
    pub count: u64,
    /// Lambda `Errors`: unhandled errors and timeouts.
    pub errors: u64,
    /// Requests answered with a 5xx status (API Gateway `5XXError`):
    /// unhandled errors, timeouts and handled 5xx failures.
    pub server_errors: u64,
    /// Requests answered with a 4xx status (API Gateway `4XXError`):
    /// handled 4xx failures. `server_errors + client_errors` are all the
    /// failed requests.
    pub client_errors: u64,
    pub sum_ms: f64,
    pub min_ms: f64,
    pub max_ms: f64,
    /// Matches per log filter (indexed like `MetricsSettings::filters`).
    pub filter_matches: Vec<u64>,
    /// Every duration of the period, kept only when a percentile needs it.
    pub latencies: Vec<f64>,
    /// Requests added one by one (exact sampling).
    pub exact_requests: u64,
    /// Fast sampling: durations summarised as bin counts per distribution;
    /// their Min/Max/Sum are drawn when the period closes.
    pub groups: Vec<LatencyGroup>,
    /// Whether `groups` were already expanded into `latencies`.
    pub materialized: bool,
}

impl Acc {
    pub fn new(filters: usize) -> Self {
        Acc {
            min_ms: f64::INFINITY,
            max_ms: f64::NEG_INFINITY,
            filter_matches: vec![0; filters],
            ..Acc::default()
        }
    }

    pub fn reset(&mut self) {
        self.count = 0;
        self.errors = 0;
        self.server_errors = 0;
        self.client_errors = 0;
        self.sum_ms = 0.0;
        self.min_ms = f64::INFINITY;
        self.max_ms = f64::NEG_INFINITY;
        self.filter_matches.iter_mut().for_each(|m| *m = 0);
        self.latencies.clear();
        self.exact_requests = 0;
        self.groups.clear();
        self.materialized = false;
    }

    /// Adds one request; `matched` says which log filters its response
    /// line matched (`crate::logfilter`; all false without a line).
    /// `keep_latency` says whether percentiles need its duration.
    #[inline]
    pub fn add(&mut self, s: &Served, matched: &[bool], keep_latency: bool) {
        self.count += 1;
        self.exact_requests += 1;
        self.errors += u64::from(s.lambda_error);
        self.add_status(s.status, 1);
        self.sum_ms += s.latency_ms;
        self.min_ms = self.min_ms.min(s.latency_ms);
        self.max_ms = self.max_ms.max(s.latency_ms);
        if keep_latency {
            self.latencies.push(s.latency_ms);
        }
        for (m, &hit) in self.filter_matches.iter_mut().zip(matched) {
            *m += u64::from(hit);
        }
    }

    /// Counts `n` requests answered with `status` in the 4xx/5xx tallies.
    #[inline]
    pub fn add_status(&mut self, status: u16, n: u64) {
        match status {
            500..=599 => self.server_errors += n,
            400..=499 => self.client_errors += n,
            _ => {}
        }
    }

    /// Every failed request: 4xx and 5xx answers.
    pub fn failed(&self) -> u64 {
        self.server_errors + self.client_errors
    }
}

/// The metric slots a scope sees.
pub fn population(scope: Scope) -> &'static [usize] {
    match scope {
        Scope::Function | Scope::Alias => &[STABLE, CANDIDATE],
        Scope::Version => &[CANDIDATE],
        Scope::CanaryStage => &[CANDIDATE, CANDIDATE_HIT],
        Scope::Stage => &[STABLE, CANDIDATE, STABLE_HIT, CANDIDATE_HIT],
    }
}

/// One representative per distinct population (`Alias` sees what
/// `Function` sees), to key per-population results.
pub fn population_scope(scope: Scope) -> Scope {
    match scope {
        Scope::Alias => Scope::Function,
        other => other,
    }
}

/// One computed datapoint: the value (None = missing) and whether a
/// percentile in it rests on too few samples (EvaluateLowSampleCountPercentile).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Datapoint {
    pub value: Option<f64>,
    pub low_sample: bool,
}

/// Computes datapoints for a closed period; owns scratch space so the hot
/// Monte Carlo loop does not allocate per period.
#[derive(Debug, Default)]
pub struct DatapointCalc {
    scratch: Vec<f64>,
    /// Percentiles drawn directly by fast sampling for the window being
    /// closed: (population scope, p, value).
    pub fast_percentiles: Vec<(Scope, f64, f64)>,
}

impl DatapointCalc {
    /// The datapoint of `alarm` from the per-slot windows `accs`.
    pub fn datapoint(
        &mut self,
        alarm: &AlarmSpec,
        filters: &[LogFilter],
        accs: &[Acc; SLOTS],
    ) -> Datapoint {
        let mut low_sample = false;
        let value = self.eval(&alarm.expr, alarm.scope, filters, accs, &mut low_sample);
        Datapoint { value, low_sample }
    }

    /// The expression's datapoint: CloudWatch metric math over the series'
    /// datapoints of this period, with its rules for missing points
    /// (`crate::metric_math`).
    fn eval(
        &mut self,
        expr: &Expr,
        scope: Scope,
        filters: &[LogFilter],
        accs: &[Acc; SLOTS],
        low_sample: &mut bool,
    ) -> Option<f64> {
        crate::metric_math::evaluate(expr, &mut |ms: &MetricStat| {
            self.series(ms, scope, filters, accs, low_sample)
        })
        .datapoint()
    }

    /// One metric statistic over a scope; None when the metric published no
    /// datapoint in the period.
    fn series(
        &mut self,
        ms: &MetricStat,
        scope: Scope,
        filters: &[LogFilter],
        accs: &[Acc; SLOTS],
        low_sample: &mut bool,
    ) -> Option<f64> {
        let in_scope = |scope: Scope| population(scope).iter().map(|&v| &accs[v]);
        match ms.metric {
            MetricName::Filter(i) => {
                let f = &filters[i];
                let matches: u64 = in_scope(f.scope).map(|a| a.filter_matches[i]).sum();
                let requests: u64 = in_scope(f.scope).map(|a| a.count).sum();
                if matches == 0 {
                    // DefaultValue is published only when logs were ingested.
                    return match f.default_value {
                        Some(d) if requests > 0 => Some(d),
                        _ => None,
                    };
                }
                Some(constant_stat(ms.statistic, f.value, matches))
            }
            MetricName::Count | MetricName::Error5xx | MetricName::Error4xx => {
                // API Gateway publishes nothing for a stage without requests.
                let count: u64 = in_scope(scope).map(|a| a.count).sum();
                if count == 0 {
                    return None;
                }
                Some(match ms.metric {
                    MetricName::Count => constant_stat(ms.statistic, 1.0, count),
                    MetricName::Error5xx => {
                        let n = in_scope(scope).map(|a| a.server_errors).sum();
                        binary_stat(ms.statistic, n, count)
                    }
                    _ => {
                        let n = in_scope(scope).map(|a| a.client_errors).sum();
                        binary_stat(ms.statistic, n, count)
                    }
                })
            }
            MetricName::Invocations | MetricName::Errors | MetricName::Duration => {
                let count: u64 = in_scope(scope).map(|a| a.count).sum();
                if count == 0 {
                    return None;
                }
                let errors: u64 = in_scope(scope).map(|a| a.errors).sum();
                if let Statistic::Percentile(p) = ms.statistic {
                    if is_low_sample(p, count) {
                        *low_sample = true;
                    }
                }
                Some(match ms.metric {
                    MetricName::Invocations => constant_stat(ms.statistic, 1.0, count),
                    MetricName::Errors => binary_stat(ms.statistic, errors, count),
                    _ => {
                        let sum: f64 = in_scope(scope).map(|a| a.sum_ms).sum();
                        match ms.statistic {
                            Statistic::Sum => sum,
                            Statistic::SampleCount => count as f64,
                            Statistic::Average => sum / count as f64,
                            Statistic::Minimum => in_scope(scope)
                                .map(|a| a.min_ms)
                                .fold(f64::INFINITY, f64::min),
                            Statistic::Maximum => in_scope(scope)
                                .map(|a| a.max_ms)
                                .fold(f64::NEG_INFINITY, f64::max),
                            Statistic::Percentile(p) => {
                                let key = population_scope(scope);
                                if let Some(&(_, _, v)) = self
                                    .fast_percentiles
                                    .iter()
                                    .find(|(c, q, _)| *c == key && *q == p)
                                {
                                    return Some(v);
                                }
                                self.scratch.clear();
                                for a in in_scope(scope) {
                                    self.scratch.extend_from_slice(&a.latencies);
                                }
                                nearest_rank(&mut self.scratch, p)?
                            }
                        }
                    }
                })
            }
        }
    }
}

/// A statistic over `n` samples that all equal `v`.
fn constant_stat(stat: Statistic, v: f64, n: u64) -> f64 {
    match stat {
        Statistic::Sum => v * n as f64,
        Statistic::SampleCount => n as f64,
        _ => v,
    }
}

/// A statistic over `n` samples of which `ones` are 1 and the rest 0 (the
/// Errors metric: Lambda sends 1 for a failed invocation and 0 otherwise).
fn binary_stat(stat: Statistic, ones: u64, n: u64) -> f64 {
    match stat {
        Statistic::Sum => ones as f64,
        Statistic::SampleCount => n as f64,
        Statistic::Average => ones as f64 / n as f64,
        Statistic::Minimum => f64::from(u8::from(ones == n)),
        Statistic::Maximum => f64::from(u8::from(ones > 0)),
        Statistic::Percentile(p) => f64::from(u8::from(rank(p, n) > n - ones)),
    }
}

/// Nearest-rank index (1-based) of percentile `p` among `n` samples:
/// ⌈p/100 · n⌉, clamped to [1, n]. The product is computed in floating
/// point, where a decimal `p` is not exact (99.9/100 · 1000 =
/// 999.0000000000001); a result within 1e-9 (relative) of an integer is
/// that integer, so p99.9 of 1,000 samples is the 999th value, not the
/// maximum. `p` has at most a few decimals (CloudWatch's `pNN.NN`), so a
/// true fractional part is never that small for any realistic `n`.
pub fn rank(p: f64, n: u64) -> u64 {
    let x = p * n as f64 / 100.0;
    let nearest = x.round();
    let k = if (x - nearest).abs() <= 1e-9 * nearest.max(1.0) {
        nearest
    } else {
        x.ceil()
    };
    (k as u64).clamp(1, n)
}

/// Percentile by the nearest-rank method: the smallest sample such that at
/// least p % of the samples are ≤ it. None for an empty sample.
pub fn nearest_rank(samples: &mut [f64], p: f64) -> Option<f64> {
    if samples.is_empty() {
        return None;
    }
    let k = rank(p, samples.len() as u64) as usize - 1;
    let (_, v, _) = samples.select_nth_unstable_by(k, f64::total_cmp);
    Some(*v)
}

/// CloudWatch's low-sample rule: fewer than 10/(1−p) samples for p ≥ 0.5,
/// fewer than 10/p below (p as a fraction).
pub fn is_low_sample(p_percent: f64, n: u64) -> bool {
    let p = p_percent / 100.0;
    let needed = if p >= 0.5 { 10.0 / (1.0 - p) } else { 10.0 / p };
    (n as f64) < needed
}

/// Whether any alarm needs per-request durations kept for percentiles, per
/// alarm period.
pub fn needs_percentiles(expr: &Expr) -> bool {
    expr.any(&mut |e| {
        matches!(e, Expr::Series(ms) if matches!(ms.metric, MetricName::Duration)
            && matches!(ms.statistic, Statistic::Percentile(_)))
    })
}

/// The Duration statistics an expression reads, appended to `out`.
pub fn duration_statistics(expr: &Expr, out: &mut Vec<Statistic>) {
    expr.visit(&mut |e| {
        if let Expr::Series(ms) = e {
            if matches!(ms.metric, MetricName::Duration) && !out.contains(&ms.statistic) {
                out.push(ms.statistic);
            }
        }
    });
}

/// Whether an expression reads a metric for which `which` holds.
pub fn reads_metric(expr: &Expr, which: &impl Fn(MetricName) -> bool) -> bool {
    expr.any(&mut |e| matches!(e, Expr::Series(ms) if which(ms.metric)))
}

/// Whether an expression reads request durations at all.
pub fn reads_duration(expr: &Expr) -> bool {
    expr.any(&mut |e| matches!(e, Expr::Series(ms) if matches!(ms.metric, MetricName::Duration)))
}

#[cfg(test)]
mod tests {

    #[test]
    fn percentile_ranks_are_exact_for_decimal_percentiles() {
        assert_eq!(rank(99.9, 1000), 999);
        assert_eq!(rank(99.99, 10_000), 9_999);
        assert_eq!(rank(99.0, 100), 99);
        assert_eq!(rank(90.0, 10), 9);
        assert_eq!(rank(50.0, 3), 2);
        assert_eq!(rank(99.9, 1001), 1000);
        assert_eq!(rank(0.1, 1000), 1);
        assert_eq!(rank(0.0, 5), 1);
        assert_eq!(rank(100.0, 7), 7);
        let mut samples: Vec<f64> = (1..=1000).map(f64::from).collect();
        assert_eq!(nearest_rank(&mut samples, 99.9), Some(999.0));
    }
    use super::*;
    use crate::alarm::{AlarmRule, Comparison, MissingData};
    use crate::logfilter::CompiledFilters;
    use crate::model::{Failure, LowSampleCount};
    use crate::scenario::parse_filter_pattern;

    fn series(metric: MetricName, statistic: Statistic) -> Expr {
        Expr::Series(MetricStat { metric, statistic })
    }

    fn alarm(scope: Scope, expr: Expr) -> AlarmSpec {
        AlarmSpec {
            name: "a".into(),
            function: 0,
            scope,
            expr,
            expr_text: String::new(),
            period: crate::sim::time::secs(60),
            rule: AlarmRule {
                threshold: 1.0,
                comparison: Comparison::GreaterThan,
                evaluation_periods: 1,
                datapoints_to_alarm: 1,
                missing_data: MissingData::Missing,
                evaluation_range: 3,
            },
            low_sample_count: LowSampleCount::Evaluate,
            guard: crate::model::RequestGuard::default(),
        }
    }

    fn error_rate() -> Expr {
        Expr::Mul(
            Box::new(Expr::Div(
                Box::new(series(MetricName::Errors, Statistic::Sum)),
                Box::new(series(MetricName::Invocations, Statistic::Sum)),
            )),
            Box::new(Expr::Const(100.0)),
        )
    }

    fn served(error: bool, latency_ms: f64) -> Served {
        Served::new(error.then_some(Failure::Unhandled), latency_ms)
    }

    fn handled(status: u16) -> Served {
        Served::new(Some(Failure::Handled { status }), 1.0)
    }

    fn accs(stable: &[Served], cand: &[Served], filters: &[LogFilter]) -> [Acc; SLOTS] {
        let compiled = CompiledFilters::new(filters, "main");
        let mut a: [Acc; SLOTS] = std::array::from_fn(|_| Acc::new(filters.len()));
        let mut matched = vec![false; filters.len()];
        for (slot, list) in [(STABLE, stable), (CANDIDATE, cand)] {
            for s in list {
                matched.iter_mut().for_each(|m| *m = false);
                if s.logs_response() {
                    compiled.matches(slot, s.status, s.latency_ms, &mut matched);
                }
                a[slot].add(s, &matched, true);
            }
        }
        a
    }

    #[test]
    fn error_rate_math_follows_the_missing_value_table() {
        let mut calc = DatapointCalc::default();
        let al = alarm(Scope::Version, error_rate());
        // Invocations but no errors: 0, not missing.
        let a = accs(&[], &[served(false, 1.0); 4], &[]);
        assert_eq!(calc.datapoint(&al, &[], &a).value, Some(0.0));
        // 1 of 4 failed: 25 %.
        let a = accs(
            &[],
            &[
                served(true, 1.0),
                served(false, 1.0),
                served(false, 1.0),
                served(false, 1.0),
            ],
            &[],
        );
        assert_eq!(calc.datapoint(&al, &[], &a).value, Some(25.0));
        // No candidate invocations: missing (the stable ones are out of scope).
        let a = accs(&[served(true, 1.0)], &[], &[]);
        assert_eq!(calc.datapoint(&al, &[], &a).value, None);
        // Function scope dilutes: 1 error out of 10 requests = 10 %.
        let al = alarm(Scope::Function, error_rate());
        let a = accs(&[served(false, 1.0); 9], &[served(true, 1.0)], &[]);
        assert_eq!(calc.datapoint(&al, &[], &a).value, Some(10.0));
    }

    #[test]
    fn duration_statistics_and_nearest_rank_percentiles() {
        let mut calc = DatapointCalc::default();
        let lat: Vec<Served> = (1..=100).map(|i| served(false, i as f64)).collect();
        let a = accs(&lat[..50], &lat[50..], &[]);
        let check = |calc: &mut DatapointCalc, stat, want| {
            let al = alarm(Scope::Function, series(MetricName::Duration, stat));
            assert_eq!(calc.datapoint(&al, &[], &a).value, Some(want), "{stat:?}");
        };
        check(&mut calc, Statistic::Sum, 5050.0);
        check(&mut calc, Statistic::SampleCount, 100.0);
        check(&mut calc, Statistic::Average, 50.5);
        check(&mut calc, Statistic::Minimum, 1.0);
        check(&mut calc, Statistic::Maximum, 100.0);
        check(&mut calc, Statistic::Percentile(99.0), 99.0);
        check(&mut calc, Statistic::Percentile(50.0), 50.0);
        check(&mut calc, Statistic::Percentile(99.5), 100.0);
        // Version scope sees only the candidate's 51..=100.
        let al = alarm(
            Scope::Version,
            series(MetricName::Duration, Statistic::Minimum),
        );
        assert_eq!(calc.datapoint(&al, &[], &a).value, Some(51.0));
        // p99 over 100 samples is low-sample (needs 1000).
        let al = alarm(
            Scope::Function,
            series(MetricName::Duration, Statistic::Percentile(99.0)),
        );
        assert!(calc.datapoint(&al, &[], &a).low_sample);
    }

    #[test]
    fn errors_statistics_treat_each_invocation_as_a_0_or_1_sample() {
        let mut calc = DatapointCalc::default();
        let a = accs(
            &[],
            &[
                served(true, 1.0),
                served(false, 1.0),
                served(false, 1.0),
                served(false, 1.0),
            ],
            &[],
        );
        let v = |calc: &mut DatapointCalc, stat| {
            calc.datapoint(
                &alarm(Scope::Version, series(MetricName::Errors, stat)),
                &[],
                &a,
            )
            .value
        };
        assert_eq!(v(&mut calc, Statistic::Average), Some(0.25));
        assert_eq!(v(&mut calc, Statistic::Maximum), Some(1.0));
        assert_eq!(v(&mut calc, Statistic::Minimum), Some(0.0));
        assert_eq!(v(&mut calc, Statistic::Percentile(75.0)), Some(0.0));
        assert_eq!(v(&mut calc, Statistic::Percentile(76.0)), Some(1.0));
    }

    #[test]
    fn log_filter_publishes_only_on_match_unless_default_value() {
        let mut f = LogFilter {
            name: "bad".into(),
            scope: Scope::Version,
            pattern: parse_filter_pattern("$.statusCode > 400").unwrap(),
            value: 1.0,
            default_value: None,
        };
        let mut calc = DatapointCalc::default();
        let al = alarm(
            Scope::Function,
            series(MetricName::Filter(0), Statistic::Sum),
        );
        let filters = [f.clone()];
        let a = accs(&[handled(503)], &[served(false, 1.0)], &filters);
        assert_eq!(
            calc.datapoint(&al, &filters, &a).value,
            None,
            "stable errors are out of the filter's scope"
        );
        let a = accs(&[], &[handled(503), handled(404)], &filters);
        assert_eq!(calc.datapoint(&al, &filters, &a).value, Some(2.0));
        let a = accs(&[], &[served(true, 1.0), served(true, 1.0)], &filters);
        assert_eq!(
            calc.datapoint(&al, &filters, &a).value,
            None,
            "an unhandled error logs no response line"
        );
        f.default_value = Some(0.0);
        let filters = [f];
        let a = accs(&[], &[served(false, 1.0)], &filters);
        assert_eq!(calc.datapoint(&al, &filters, &a).value, Some(0.0));
        let a = accs(&[], &[], &filters);
        assert_eq!(
            calc.datapoint(&al, &filters, &a).value,
            None,
            "no logs, no default"
        );
    }

    #[test]
    fn each_kind_of_failure_shows_in_its_metrics() {
        // Candidate: 1 unhandled error, 1 timeout, a handled 503, a handled
        // 404 and 6 successes.
        let cand = [
            served(true, 1.0),
            Served::timeout(300.0),
            handled(503),
            handled(404),
        ]
        .into_iter()
        .chain([served(false, 1.0); 6])
        .collect::<Vec<_>>();
        let a = accs(&[], &cand, &[]);
        let mut calc = DatapointCalc::default();
        let mut v = |scope, metric, stat| {
            calc.datapoint(&alarm(scope, series(metric, stat)), &[], &a)
                .value
        };
        // Lambda: the handled ones are successful invocations.
        assert_eq!(
            v(Scope::Version, MetricName::Errors, Statistic::Sum),
            Some(2.0)
        );
        assert_eq!(
            v(Scope::Version, MetricName::Invocations, Statistic::Sum),
            Some(10.0)
        );
        // API Gateway: 5XX = unhandled (502) + timeout (504) + 503; 4XX = 404.
        assert_eq!(
            v(Scope::Stage, MetricName::Error5xx, Statistic::Sum),
            Some(3.0)
        );
        assert_eq!(
            v(Scope::Stage, MetricName::Error5xx, Statistic::Average),
            Some(0.3)
        );
        assert_eq!(
            v(Scope::Stage, MetricName::Error4xx, Statistic::Sum),
            Some(1.0)
        );
        assert_eq!(
            v(Scope::CanaryStage, MetricName::Count, Statistic::Sum),
            Some(10.0)
        );
        assert_eq!(a[CANDIDATE].failed(), 4);
        // No requests: API Gateway publishes nothing.
        let empty = accs(&[], &[], &[]);
        let al = alarm(Scope::Stage, series(MetricName::Error5xx, Statistic::Sum));
        assert_eq!(calc.datapoint(&al, &[], &empty).value, None);
    }

    #[test]
    fn low_sample_thresholds() {
        assert!(is_low_sample(99.0, 999));
        assert!(!is_low_sample(99.0, 1000));
        assert!(is_low_sample(10.0, 99));
        assert!(!is_low_sample(10.0, 100));
    }
}
