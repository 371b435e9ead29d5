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
    pub traffic: Traffic,
    pub stable: VersionProfile,
    pub candidate: VersionProfile,
    /// Faults injected into the candidate. Empty means a healthy candidate.
    pub faults: Vec<Fault>,
    /// Ground truth used for false/missed rollback rates.
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
}

impl Scope {
    pub fn name(self) -> &'static str {
        match self {
            Scope::Function => "function",
            Scope::Version => "version",
            Scope::Alias => "alias",
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
    /// Indices into `Scenario::alarms` that this strategy watches.
    pub alarms: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StrategyKind {
    CodeDeploy(CodeDeploySpec),
}

/// AWS CodeDeploy traffic shifting for a Lambda alias.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeDeploySpec {
    pub shift: TrafficShift,
    /// The AWS configuration name, or a generated one for custom shapes.
    pub config_name: String,
    /// Whether an alarm rolls back (true) or only stops and freezes weights.
    pub rollback: bool,
    pub rollback_latency: Micros,
    pub poll_interval: Micros,
    pub linear_completion: LinearCompletion,
    pub pre_traffic_hook: Option<Hook>,
    pub post_traffic_hook: Option<Hook>,
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
