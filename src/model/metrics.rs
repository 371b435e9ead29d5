//! CloudWatch metrics: the settings shared by every metric, which requests
//! a metric sees (its scope), statistics, metric names, metric math and log
//! metric filters.

use crate::sim::time::Micros;

/// Global metric settings.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsSettings {
    /// Base period of the timeline and the default alarm period (10, 20, 30 s
    /// or a multiple of 60 s).
    pub period: Micros,
    /// Time after a period closes before its datapoint is visible to alarms.
    pub ingestion_delay: Micros,
    /// How long the alarms evaluate stable-only traffic before t = 0 (their
    /// history at deployment start); zero: alarms start empty. Resolved by
    /// `scenario::validate::warmup` (a multiple of the alarm grid).
    pub warmup: Micros,
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
