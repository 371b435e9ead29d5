//! The validated, typed scenario model. Built once by `scenario::validate` from
//! the raw TOML mirror and then only borrowed: nothing downstream re-checks
//! ranges, so every invariant documented on a field holds here.

use crate::alarm::{AlarmRule, Comparison};
use crate::time::Micros;

/// A whole scenario after validation.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub seed: u64,
    pub replications: u32,
    /// Simulated time from deployment start to the end of each replication.
    pub horizon: Micros,
    /// The functions deployed together: one (named `main`) for a scenario
    /// without `[functions.NAME]` tables, else one per table in name order.
    pub functions: Vec<Function>,
    /// True when the scenario declared `[functions.NAME]` tables: results are
    /// then reported per function (`strategy/function`) and for the
    /// deployment as a whole (`strategy`).
    pub multi_function: bool,
    /// How the functions of one deployment fail together.
    pub deployment: DeploymentSettings,
    /// Ground truth used for false/missed rollback rates: some function's
    /// candidate is faulty.
    pub candidate_faulty: bool,
    pub metrics: MetricsSettings,
    /// Latency above which a successful request still counts as bad (ms).
    pub sla_ms: Option<f64>,
    /// Alarms in the order of their names (BTreeMap order of the TOML table).
    pub alarms: Vec<AlarmSpec>,
    /// Strategies in the order of their names.
    pub strategies: Vec<StrategySpec>,
    /// How requests are sampled (a run option, not a scenario key).
    pub sampling: Sampling,
}

impl Scenario {
    /// The only function of a single-function scenario (the first otherwise).
    pub fn main_function(&self) -> &Function {
        &self.functions[0]
    }
}

/// One Lambda function of a deployment: its traffic, versions and faults.
#[derive(Debug, Clone, PartialEq)]
pub struct Function {
    /// `main` for a single-function scenario, else the `[functions.NAME]` key.
    pub name: String,
    pub traffic: Traffic,
    pub stable: VersionProfile,
    pub candidate: VersionProfile,
    /// Faults injected into the candidate. Empty means a healthy candidate.
    pub faults: Vec<Fault>,
    /// Ground truth of this function: `!faults.is_empty()`.
    pub candidate_faulty: bool,
    pub deploy: Deploy,
}

/// How a function's new version is released within a deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deploy {
    /// With the strategy being simulated (canary, steps, ...).
    Strategy,
    /// All traffic at t = 0, no hooks, no alarm watching — as compensation
    /// functions (cancel, refund) usually are; still rolled back with the
    /// stack.
    AllAtOnce,
}

/// Deployment-wide behaviour of a multi-function scenario.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DeploymentSettings {
    /// CloudFormation semantics (default): the first function whose
    /// deployment fails rolls back every other function too, after
    /// `stack_rollback_delay`. False: functions roll back independently.
    pub stack_rollback: bool,
    pub stack_rollback_delay: DelayDist,
}

impl Default for DeploymentSettings {
    fn default() -> Self {
        DeploymentSettings {
            stack_rollback: true,
            stack_rollback_delay: DelayDist::Fixed(0),
        }
    }
}

/// A random delay: operator review and detection times, SNS delivery,
/// rollback-function run time, weight propagation. Drawn from a replication's
/// control stream, never from its traffic stream.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DelayDist {
    Fixed(Micros),
    /// exp(ln(median) + sigma·Z) seconds, Z standard normal.
    LogNormal {
        median_s: f64,
        sigma: f64,
    },
    /// Uniform on [min, max] (microsecond resolution).
    Uniform {
        min: Micros,
        max: Micros,
    },
}

/// Longest delay a draw returns (30 days): keeps a heavy lognormal tail from
/// overflowing simulated time; far beyond any horizon (<= 7 days).
pub const MAX_DELAY: Micros = 30 * 86_400 * 1_000_000;

impl DelayDist {
    /// A lognormal given its median and 99th percentile (p99 > median > 0).
    pub fn from_median_p99(median: Micros, p99: Micros) -> DelayDist {
        let median_s = median as f64 / 1e6;
        let sigma = (p99 as f64 / median as f64).ln() / crate::stats::Z_99;
        DelayDist::LogNormal { median_s, sigma }
    }

    /// A lognormal given its mean and standard deviation (mean > 0, sd > 0):
    /// sigma² = ln(1 + sd²/mean²), median = mean / sqrt(1 + sd²/mean²).
    pub fn from_mean_sd(mean: Micros, sd: Micros) -> DelayDist {
        let ratio = 1.0 + (sd as f64 / mean as f64).powi(2);
        DelayDist::LogNormal {
            median_s: mean as f64 / 1e6 / ratio.sqrt(),
            sigma: ratio.ln().sqrt(),
        }
    }

    /// One draw in microseconds, at most [`MAX_DELAY`]. A fixed delay draws
    /// no random number, so adding fixed delays never shifts a stream.
    pub fn sample<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> Micros {
        match *self {
            DelayDist::Fixed(d) => d,
            DelayDist::LogNormal { median_s, sigma } => {
                let z: f64 = rand_distr::Distribution::sample(&rand_distr::StandardNormal, rng);
                let us = median_s * (sigma * z).exp() * 1e6;
                if us >= MAX_DELAY as f64 {
                    MAX_DELAY
                } else {
                    us.round() as Micros
                }
            }
            DelayDist::Uniform { min, max } => rng.random_range(min..=max),
        }
    }

    /// The typical value used for horizon checks and plans: the fixed
    /// value, the median, or the midpoint.
    pub fn nominal(&self) -> Micros {
        match *self {
            DelayDist::Fixed(d) => d,
            DelayDist::LogNormal { median_s, .. } => {
                ((median_s * 1e6).round() as Micros).min(MAX_DELAY)
            }
            DelayDist::Uniform { min, max } => min + (max - min) / 2,
        }
    }

    /// Whether every draw is the same value.
    pub fn is_fixed(&self) -> bool {
        matches!(self, DelayDist::Fixed(_))
            || matches!(self, DelayDist::Uniform { min, max } if min == max)
    }
}

/// The kernel's two sampling modes, which agree in distribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sampling {
    /// Every request drawn one by one.
    Exact,
    /// Counts and latency statistics drawn from their exact sampling
    /// distributions; cost independent of the request rate.
    #[default]
    Fast,
}

impl Sampling {
    pub fn name(self) -> &'static str {
        match self {
            Sampling::Exact => "exact",
            Sampling::Fast => "fast",
        }
    }
}

/// Poisson arrival process; the rate in requests per second at time t is
/// `base_rate * diurnal(t) * burst(t)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Traffic {
    /// Requests per second (> 0, finite).
    pub rate_per_s: f64,
    pub diurnal: Option<Diurnal>,
    pub bursts: Vec<Burst>,
}

/// Sinusoidal modulation `1 + amplitude * sin(2π (t + phase) / period)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Diurnal {
    /// In [0, 1): the rate never reaches zero.
    pub amplitude: f64,
    pub period: Micros,
    pub phase: Micros,
}

/// A window during which the rate is multiplied by `multiplier` (> 0).
#[derive(Debug, Clone, PartialEq)]
pub struct Burst {
    pub start: Micros,
    pub duration: Micros,
    pub multiplier: f64,
}

/// Behaviour of one version without injected faults.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionProfile {
    /// Probability in [0, 1] that a request fails on its own.
    pub error_rate: f64,
    pub latency: LatencyDist,
    /// A request slower than this is an error (its duration is the timeout).
    pub timeout_ms: Option<f64>,
}

/// Per-request latency distribution, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LatencyDist {
    Fixed {
        ms: f64,
    },
    /// Lognormal with the given median and 99th percentile (p99 > median > 0).
    LogNormal {
        median_ms: f64,
        p99_ms: f64,
    },
}

/// The kinds of candidate faults, used to key hook catch probabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FaultKind {
    StepError,
    RampError,
    Intermittent,
    LatencyShift,
    ColdStart,
}

impl FaultKind {
    pub const ALL: [FaultKind; 5] = [
        FaultKind::StepError,
        FaultKind::RampError,
        FaultKind::Intermittent,
        FaultKind::LatencyShift,
        FaultKind::ColdStart,
    ];

    /// The name used in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::StepError => "step_error",
            FaultKind::RampError => "ramp_error",
            FaultKind::Intermittent => "intermittent",
            FaultKind::LatencyShift => "latency_shift",
            FaultKind::ColdStart => "cold_start",
        }
    }
}

/// A fault injected into the candidate. Times (`after`) count from the moment
/// the candidate first receives a non-zero traffic weight.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// From `after` on, an extra failure probability `error_rate`.
    StepError { after: Micros, error_rate: f64 },
    /// Failure probability rising linearly from `from` to `to` over `over`,
    /// starting at `after`, then staying at `to`.
    RampError {
        after: Micros,
        over: Micros,
        from: f64,
        to: f64,
    },
    /// From `after` on, alternating `on` periods with extra failure probability
    /// `error_rate` and `off` periods without.
    Intermittent {
        after: Micros,
        on: Micros,
        off: Micros,
        error_rate: f64,
    },
    /// From `after` on, latency becomes `latency * multiplier + add_ms`.
    LatencyShift {
        after: Micros,
        add_ms: f64,
        multiplier: f64,
    },
    /// The first `requests` requests served by the candidate take `extra_ms` longer.
    ColdStart { requests: u64, extra_ms: f64 },
}

impl Fault {
    pub fn kind(&self) -> FaultKind {
        match self {
            Fault::StepError { .. } => FaultKind::StepError,
            Fault::RampError { .. } => FaultKind::RampError,
            Fault::Intermittent { .. } => FaultKind::Intermittent,
            Fault::LatencyShift { .. } => FaultKind::LatencyShift,
            Fault::ColdStart { .. } => FaultKind::ColdStart,
        }
    }
}

/// Global metric settings.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsSettings {
    /// Base period of the timeline and the default alarm period (10, 20, 30 s
    /// or a multiple of 60 s).
    pub period: Micros,
    /// Time after a period closes before its datapoint is visible to alarms.
    pub ingestion_delay: Micros,
    /// Log-metric-filter metrics, addressable by name from alarms.
    pub filters: Vec<LogFilter>,
}

/// Which requests a metric sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// All versions together (the FunctionName dimension).
    Function,
    /// The candidate version only (the ExecutedVersion dimension).
    Version,
    /// Requests through the alias: in this model all traffic goes through the
    /// alias, so it sees the same requests as `Function`.
    Alias,
    /// API Gateway's canary-stage metrics: every request the canary
    /// deployment answered, stage-cache hits included. Without a stage cache
    /// (or for other strategy kinds) these are exactly the candidate's
    /// requests, as for `Version`; the Lambda scopes above never see cache
    /// hits, because a hit does not invoke the function.
    CanaryStage,
}

impl Scope {
    pub fn name(self) -> &'static str {
        match self {
            Scope::Function => "function",
            Scope::Version => "version",
            Scope::Alias => "alias",
            Scope::CanaryStage => "canary_stage",
        }
    }
}

/// A CloudWatch statistic over one period's samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Statistic {
    Sum,
    SampleCount,
    Average,
    Minimum,
    Maximum,
    /// Percentile in (0, 100), e.g. 99.0 for p99.
    Percentile(f64),
}

/// The raw metrics a Lambda function publishes, plus log-filter metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricName {
    Invocations,
    Errors,
    /// Duration in ms, one sample per request.
    Duration,
    /// Index into `MetricsSettings::filters`.
    Filter(usize),
}

/// One metric series with a statistic.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricStat {
    pub metric: MetricName,
    pub statistic: Statistic,
}

/// Arithmetic over metric series (CloudWatch metric math). A missing series
/// value is 0; if every referenced series is missing the result is missing; a
/// division by zero drops the point.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Const(f64),
    Series(MetricStat),
    Add(Box<Expr>, Box<Expr>),
    Sub(Box<Expr>, Box<Expr>),
    Mul(Box<Expr>, Box<Expr>),
    Div(Box<Expr>, Box<Expr>),
    Neg(Box<Expr>),
}

/// Whether low-sample percentile datapoints change the alarm state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LowSampleCount {
    Evaluate,
    Ignore,
}

/// A log metric filter such as `{ $.statusCode > 400 }` with MetricValue 1.
#[derive(Debug, Clone, PartialEq)]
pub struct LogFilter {
    pub name: String,
    pub scope: Scope,
    pub field: FilterField,
    pub comparison: FilterComparison,
    pub operand: f64,
    /// Added to the metric per matching request.
    pub value: f64,
    /// Published in periods with requests but no match; `None` publishes nothing.
    pub default_value: Option<f64>,
}

/// Request fields a log filter can test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterField {
    /// 200 for success, 500 for an error, 504 for a timeout.
    StatusCode,
    /// Request duration in ms.
    Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterComparison {
    Gt,
    Ge,
    Lt,
    Le,
    Eq,
    Ne,
}

impl FilterComparison {
    pub fn holds(self, left: f64, right: f64) -> bool {
        match self {
            FilterComparison::Gt => left > right,
            FilterComparison::Ge => left >= right,
            FilterComparison::Lt => left < right,
            FilterComparison::Le => left <= right,
            FilterComparison::Eq => left == right,
            FilterComparison::Ne => left != right,
        }
    }
}

/// A CloudWatch metric alarm on one scope.
#[derive(Debug, Clone, PartialEq)]
pub struct AlarmSpec {
    pub name: String,
    /// Index into `Scenario::functions` of the function whose metrics the
    /// alarm reads (0 in a single-function scenario).
    pub function: usize,
    pub scope: Scope,
    pub expr: Expr,
    /// Human-readable form of `expr` for reports.
    pub expr_text: String,
    pub period: Micros,
    pub rule: AlarmRule,
    pub low_sample_count: LowSampleCount,
}

impl AlarmSpec {
    pub fn comparison(&self) -> Comparison {
        self.rule.comparison
    }
}

/// A deployment strategy to simulate.
#[derive(Debug, Clone, PartialEq)]
pub struct StrategySpec {
    pub name: String,
    pub kind: StrategyKind,
    /// Indices into `Scenario::alarms` that this strategy watches (in a
    /// multi-function scenario each function watches those of its own).
    pub alarms: Vec<usize>,
    /// Validation before the first traffic reaches the candidate (SAM
    /// PreTraffic / BeforeAllowTraffic, or a pipeline test stage).
    pub pre_traffic_hook: Option<Hook>,
    /// Validation once the rollout is complete (SAM PostTraffic /
    /// AfterAllowTraffic); alarms are still watched while it runs.
    pub post_traffic_hook: Option<Hook>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StrategyKind {
    CodeDeploy(CodeDeploySpec),
    ApiGwCanary(ApiGwSpec),
    Lattice(LatticeSpec),
    Steps(StepsSpec),
}

impl StrategyKind {
    /// The `kind` value in scenario files.
    pub fn name(&self) -> &'static str {
        match self {
            StrategyKind::CodeDeploy(_) => "codedeploy",
            StrategyKind::ApiGwCanary(_) => "apigw_canary",
            StrategyKind::Lattice(_) => "lattice",
            StrategyKind::Steps(_) => "steps",
        }
    }

    /// The API Gateway stage cache, for the kinds that have one.
    pub fn stage_cache(&self) -> Option<&StageCache> {
        match self {
            StrategyKind::ApiGwCanary(a) => a.cache.as_ref(),
            _ => None,
        }
    }
}

/// Alarm polling and rollback as CodeDeploy does it; shared by the
/// CodeDeploy, API Gateway canary and step-plan kinds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PollGuard {
    /// Whether a problem rolls back (true) or only stops and freezes weights.
    pub rollback: bool,
    /// From the stop decision until all traffic is on stable.
    pub rollback_latency: Micros,
    /// How often the watched alarms' states are read.
    pub poll_interval: Micros,
}

/// AWS CodeDeploy traffic shifting for a Lambda alias.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeDeploySpec {
    pub shift: TrafficShift,
    /// The AWS configuration name, or a generated one for custom shapes.
    pub config_name: String,
    pub guard: PollGuard,
    pub linear_completion: LinearCompletion,
}

/// An API Gateway REST API canary release (reference §3): a fixed
/// `percentTraffic` on the canary deployment until an operator promotes it.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiGwSpec {
    /// canarySettings.percentTraffic, in [0, 100].
    pub percent_traffic: f64,
    /// Operator review time from canary creation to promotion (100 %);
    /// `None`: never promoted, the canary runs until the horizon.
    pub review_time: Option<DelayDist>,
    /// Automated alarm watching (the alarms of `StrategySpec::alarms`).
    pub guard: PollGuard,
    /// A human who notices a faulty canary and rolls it back.
    pub operator: Option<Operator>,
    pub cache: Option<StageCache>,
}

/// An operator watching a canary by hand.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Operator {
    /// From the moment a fault first affects the canary until the operator
    /// decides to roll back.
    pub detection_delay: DelayDist,
    /// Probability that the operator notices a faulty canary at all.
    pub notice_probability: f64,
}

/// API Gateway stage cache: a hit answers fast and never fails.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StageCache {
    /// Hit ratio of the (warm) production cache, in [0, 1).
    pub hit_ratio: f64,
    /// Latency of a hit in ms (> 0).
    pub hit_latency_ms: f64,
    /// The canary's cache starts cold: its hit ratio rises linearly from 0
    /// to `hit_ratio` over this time from the canary's first request.
    pub warmup: Micros,
}

/// VPC Lattice weighted target groups with an alarm → SNS → rollback
/// function path (reference §4, §5).
#[derive(Debug, Clone, PartialEq)]
pub struct LatticeSpec {
    /// Initial listener weights `[stable, candidate]`, integers 0–999.
    pub weights: [u32; 2],
    /// Later weight changes, offsets from t0 (after the pre-traffic hook),
    /// strictly increasing and > 0.
    pub schedule: Vec<LatticeChange>,
    /// Completion after the last change took effect: `Some(bake)`, or `None`
    /// when a split is left in place (never completes; armed until the
    /// horizon).
    pub bake: Option<Micros>,
    /// Data-plane propagation of every weight change, rollback included.
    pub propagation_delay: DelayDist,
    /// Alarm state change → SNS delivery to the rollback function.
    pub sns_delay: DelayDist,
    /// Run time of the rollback function up to its listener update.
    pub function_duration: DelayDist,
    /// False: no rollback function; a problem stops the schedule and the
    /// weights freeze (outcome `stopped`).
    pub rollback: bool,
}

/// One scheduled listener update.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatticeChange {
    pub after: Micros,
    pub weights: [u32; 2],
}

/// Candidate share in percent of Lattice weights `[stable, candidate]`:
/// 100·w_c/(w_s + w_c) (the sum is > 0 by validation).
pub fn lattice_share_pct(weights: [u32; 2]) -> f64 {
    let [s, c] = weights;
    100.0 * f64::from(c) / f64::from(s + c)
}

/// A custom step plan: weights with bake times.
#[derive(Debug, Clone, PartialEq)]
pub struct StepsSpec {
    /// Strictly increasing weights ending at 100; each held for its bake
    /// (the last one's bake is the bake after 100 %, alarms still watched).
    pub steps: Vec<WeightStep>,
    pub guard: PollGuard,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeightStep {
    /// Candidate share in percent, in (0, 100].
    pub weight_pct: f64,
    pub bake: Micros,
}

/// The shape of a CodeDeploy traffic shift.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrafficShift {
    AllAtOnce,
    /// `percentage` % at t0, 100 % at t0 + interval.
    Canary {
        percentage: u32,
        interval: Micros,
    },
    /// min(100, (k+1)·percentage) % at t0 + k·interval.
    Linear {
        percentage: u32,
        interval: Micros,
    },
}

/// AWS texts disagree on when Linear completes (reference §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinearCompletion {
    /// Model A: 100 % at (ceil(100/P) − 1)·I (90 min for 10 %/10 min).
    LastShift,
    /// Model B: complete one interval later, at ceil(100/P)·I (100 min).
    ExtraInterval,
}

/// A pre- or post-traffic validation hook.
#[derive(Debug, Clone, PartialEq)]
pub struct Hook {
    pub duration: Micros,
    /// Probability of catching each fault kind present in the candidate,
    /// indexed like `FaultKind::ALL`.
    pub catch_probability: [f64; 5],
    /// Probability that the hook fails for no reason (flaky test).
    pub flaky_probability: f64,
}

impl Hook {
    pub fn catch_probability(&self, kind: FaultKind) -> f64 {
        let index = FaultKind::ALL
            .iter()
            .position(|k| *k == kind)
            .expect("FaultKind::ALL lists every kind");
        self.catch_probability[index]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::secs;
    use rand::SeedableRng;
    use rand_pcg::Pcg64Mcg;

    fn draws(d: DelayDist, n: usize) -> Vec<f64> {
        let mut rng = Pcg64Mcg::seed_from_u64(3);
        let mut v: Vec<f64> = (0..n).map(|_| d.sample(&mut rng) as f64 / 1e6).collect();
        v.sort_by(f64::total_cmp);
        v
    }

    #[test]
    fn fixed_delays_draw_no_random_number() {
        let mut a = Pcg64Mcg::seed_from_u64(1);
        let b = a.clone();
        assert_eq!(DelayDist::Fixed(secs(90)).sample(&mut a), secs(90));
        assert_eq!(a, b);
        assert!(DelayDist::Fixed(7).is_fixed());
        assert_eq!(DelayDist::Fixed(secs(90)).nominal(), secs(90));
    }

    #[test]
    fn lognormal_from_median_and_p99_hits_both_quantiles() {
        let d = DelayDist::from_median_p99(secs(1800), secs(7200));
        assert_eq!(d.nominal(), secs(1800));
        let v = draws(d, 100_000);
        let q = |p: f64| v[(p * v.len() as f64) as usize];
        assert!((q(0.5) / 1800.0 - 1.0).abs() < 0.02, "median {}", q(0.5));
        assert!((q(0.99) / 7200.0 - 1.0).abs() < 0.06, "p99 {}", q(0.99));
    }

    #[test]
    fn lognormal_from_mean_and_sd_has_that_mean_and_sd() {
        let v = draws(DelayDist::from_mean_sd(secs(600), secs(300)), 200_000);
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
        assert!((mean - 600.0).abs() < 3.0, "mean {mean}");
        assert!((sd - 300.0).abs() < 6.0, "sd {sd}");
    }

    #[test]
    fn uniform_stays_in_its_bounds_and_draws_are_capped() {
        let v = draws(
            DelayDist::Uniform {
                min: secs(1),
                max: secs(5),
            },
            10_000,
        );
        assert!(v[0] >= 1.0 && v[v.len() - 1] <= 5.0);
        assert!(v[0] < 1.01 && v[v.len() - 1] > 4.99);
        let huge = DelayDist::LogNormal {
            median_s: 1e12,
            sigma: 1.0,
        };
        assert_eq!(draws(huge, 10)[0], MAX_DELAY as f64 / 1e6);
    }
}
