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
    /// API Gateway's stage metrics (`ApiName` + `Stage`): every request
    /// through the stage, both versions, cache hits included. AWS does not
    /// say whether canary requests count here too (reference §3, [SILENT]);
    /// they do in this model ("additional" canary metrics, What's New
    /// 2017-11-28). Without an API Gateway strategy it sees what
    /// `Function` sees.
    Stage,
}

impl Scope {
    pub fn name(self) -> &'static str {
        match self {
            Scope::Function => "function",
            Scope::Version => "version",
            Scope::Alias => "alias",
            Scope::CanaryStage => "canary_stage",
            Scope::Stage => "stage",
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

/// The raw metrics a Lambda function publishes, log-filter metrics and
/// API Gateway's stage metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricName {
    Invocations,
    Errors,
    /// Duration in ms, one sample per request.
    Duration,
    /// Index into `MetricsSettings::filters`.
    Filter(usize),
    /// API Gateway `Count`: requests the stage answered (cache hits too).
    Count,
    /// API Gateway `5XXError`: 1 per request answered with a 5xx status —
    /// unhandled errors (502), timeouts (504) and handled 5xx responses.
    Error5xx,
    /// API Gateway `4XXError`: 1 per request answered with a handled 4xx.
    Error4xx,
}

/// One metric series with a statistic.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricStat {
    pub metric: MetricName,
    pub statistic: Statistic,
}

/// A log metric filter such as
/// `{ $.log = "response" && $.function = "fn:2" && $.statusCode > 400 }`
/// with MetricValue 1 (reference §1.12). It reads the one JSON response
/// line the simulated function logs per request (`crate::logfilter`).
#[derive(Debug, Clone, PartialEq)]
pub struct LogFilter {
    pub name: String,
    /// Which versions' log lines the metric counts: the log group holds
    /// every version's (`Function`, the faithful default); `Version` keeps
    /// only the candidate's, a shortcut for a `$.function` term.
    pub scope: Scope,
    pub pattern: FilterPattern,
    /// Added to the metric per matching request.
    pub value: f64,
    /// Published in periods with requests but no match; `None` publishes nothing.
    pub default_value: Option<f64>,
}

/// A CloudWatch Logs JSON filter pattern (CWL-UG `FilterAndPatternSyntax`,
/// "Using filter patterns to match terms in JSON log events"): comparisons
/// joined by `&&` and `||` (`&&` binds tighter), with parentheses.
#[derive(Debug, Clone, PartialEq)]
pub enum FilterPattern {
    And(Box<FilterPattern>, Box<FilterPattern>),
    Or(Box<FilterPattern>, Box<FilterPattern>),
    /// `$.statusCode > 400`, `$.duration >= 1000`.
    Number {
        field: FilterField,
        comparison: CmpOp,
        operand: f64,
    },
    /// `$.log = "response"`, `$.function != "*:1"`; `*` in `glob` matches
    /// any run of characters.
    Text {
        field: TextField,
        equal: bool,
        glob: String,
    },
}

impl FilterPattern {
    /// Every number a duration is compared against (fast mode's bin edges).
    pub fn duration_operands(&self, out: &mut Vec<f64>) {
        match self {
            FilterPattern::And(a, b) | FilterPattern::Or(a, b) => {
                a.duration_operands(out);
                b.duration_operands(out);
            }
            FilterPattern::Number {
                field: FilterField::Duration,
                operand,
                ..
            } => out.push(*operand),
            FilterPattern::Number { .. } | FilterPattern::Text { .. } => {}
        }
    }

    /// Whether the pattern reads request durations.
    pub fn reads_duration(&self) -> bool {
        let mut v = Vec::new();
        self.duration_operands(&mut v);
        !v.is_empty()
    }
}

/// Numeric fields of the response line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterField {
    /// The HTTP status returned: 200, or a handled failure's status.
    StatusCode,
    /// Request duration in ms.
    Duration,
}

/// String fields of the response line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextField {
    /// Always `"response"`.
    Log,
    /// `"<function name>:<version>"`, version `1` (stable) or `2` (candidate).
    Function,
}

/// A comparison operator, shared by metric math (where its result is 1
/// or 0) and log filter patterns (`$.statusCode > 400`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Gt,
    Ge,
    Lt,
    Le,
    Eq,
    Ne,
}

impl CmpOp {
    pub fn holds(self, left: f64, right: f64) -> bool {
        match self {
            CmpOp::Gt => left > right,
            CmpOp::Ge => left >= right,
            CmpOp::Lt => left < right,
            CmpOp::Le => left <= right,
            CmpOp::Eq => left == right,
            CmpOp::Ne => left != right,
        }
    }

    /// The operator as written in an expression.
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
        }
    }
}
