//! `[alarms.NAME]`: CloudWatch metric alarms.

use schemars::JsonSchema;
use serde::Deserialize;

use super::delay::RawDelay;
use crate::scenario::duration::Dur;

/// `[alarms.NAME]`: a CloudWatch metric alarm. Give either `expression` or
/// `metric` (with an optional `statistic`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAlarm {
    /// Which requests the metrics see: `function` (FunctionName dimension, all
    /// versions), `version` (ExecutedVersion, the candidate only), `alias`,
    /// `canary_stage` (API Gateway canary-stage metrics: every request the
    /// canary deployment answered, stage-cache hits included; without a
    /// stage cache the same requests as `version`) or `stage` (API Gateway
    /// stage metrics: every request through the stage, hits included).
    /// Default `function`.
    #[schemars(extend("enum" = ["function", "version", "alias", "canary_stage", "stage", null]))]
    pub scope: Option<String>,
    /// CloudWatch metric math over `+ - * /`, parentheses, unary minus,
    /// numbers and metrics: `errors` (Errors Sum), `invocations`
    /// (Invocations Sum), or `Errors`, `Invocations`, `Duration` or a filter
    /// name, optionally followed by `.Statistic` (default Sum), e.g.
    /// `"errors / invocations * 100"` or `"Duration.p99"`; comparisons
    /// `> >= < <= == !=`, `AND`/`&&`, `OR`/`||`, and the uppercase functions
    /// `IF(cond, a[, b])`, `FILL(m, constant)`, `MIN([a, b, ...])`,
    /// `MAX([...])`, `ABS(x)`, e.g. `"IF(invocations > 20, errors /
    /// invocations * 100, 0)"`. Metric names are case-insensitive, filter
    /// names are not. A missing series value counts as 0 beside a present
    /// one and a division by zero drops the datapoint (README, "Metric
    /// math").
    pub expression: Option<String>,
    /// Single-metric form: `Invocations`, `Errors`, `Duration`, a filter
    /// name, or (scope `stage`/`canary_stage`) API Gateway's `Count`,
    /// `5XXError`, `4XXError`.
    pub metric: Option<String>,
    /// With `metric` only: `Sum` (default), `SampleCount`, `Average`,
    /// `Minimum`, `Maximum`, or a percentile `pNN`/`pNN.N` with 0 < NN < 100.
    pub statistic: Option<String>,
    /// Required, finite.
    pub threshold: f64,
    /// Required: `>`, `>=`, `<`, `<=` or the AWS names
    /// `GreaterThanThreshold`, `GreaterThanOrEqualToThreshold`,
    /// `LessThanThreshold`, `LessThanOrEqualToThreshold`. The statistic is
    /// the left operand.
    #[schemars(extend("enum" = [">", ">=", "<", "<=", "GreaterThanThreshold", "GreaterThanOrEqualToThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold"]))]
    pub comparison: String,
    /// N, the number of most recent periods evaluated (>= 1). Default 1.
    #[schemars(range(min = 1))]
    pub evaluation_periods: Option<i64>,
    /// M, breaching datapoints among the N that trigger ALARM; 1 to N.
    /// Default N.
    #[schemars(range(min = 1))]
    pub datapoints_to_alarm: Option<i64>,
    /// `missing` (default), `notBreaching`, `breaching` or `ignore`.
    #[schemars(extend("enum" = ["missing", "notBreaching", "breaching", "ignore", null]))]
    pub treat_missing_data: Option<String>,
    /// Alarm period: "10s", "20s", "30s" or a multiple of "60s", and a
    /// multiple of `metrics.period`. Default `metrics.period`. period ×
    /// evaluation_periods must be <= 1 day when the period is under 1 hour,
    /// else <= 7 days.
    pub period: Option<Dur>,
    /// E, how many recent periods are fetched when data is missing; >= N and
    /// <= 10,000. Default N + max(floor(N/3), 2) (gives AWS's documented 5
    /// for N = 3).
    #[schemars(range(min = 1, max = 10_000))]
    pub evaluation_range: Option<i64>,
    /// `evaluate` (default) or `ignore`: whether percentile datapoints with too
    /// few samples change the alarm state.
    #[schemars(extend("enum" = ["evaluate", "ignore", null]))]
    pub evaluate_low_sample_count_percentile: Option<String>,
    /// Multi-function scenarios: the `[functions.NAME]` whose metrics the
    /// alarm reads. Required there when there is more than one function;
    /// not allowed without `[functions]`.
    pub function: Option<String>,
    /// Minimum-request guard: below this many requests of the alarm's scope
    /// over the last `evaluation_periods` periods its evaluation reads, the
    /// alarm's verdict is inconclusive (neither OK nor ALARM) and
    /// `on_inconclusive` decides. Integer >= 0; default 0 (no guard).
    #[schemars(range(min = 0))]
    pub min_requests: Option<i64>,
    /// What an inconclusive (guarded) verdict does: `pass` (default; counts
    /// as healthy), `wait` (holds the next traffic shift and completion
    /// until conclusive) or `pause` (holds until an operator resumes after
    /// `review_time`). `wait`/`pause` need a strategy that can hold
    /// (`steps`, `lattice`), not `codedeploy`/`apigw_canary`.
    #[schemars(extend("enum" = ["pass", "wait", "pause", null]))]
    pub on_inconclusive: Option<String>,
    /// With `on_inconclusive = "pause"` only: the operator's delay from the
    /// hold to resuming (a delay). Required there.
    pub review_time: Option<RawDelay>,
}
