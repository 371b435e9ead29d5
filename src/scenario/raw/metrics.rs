//! `[metrics]`: CloudWatch metric settings and log metric filters.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::scenario::duration::Dur;

/// `[metrics]`: CloudWatch metric settings.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawMetrics {
    /// Base metric period: "10s", "20s", "30s" or a multiple of "60s".
    /// Default "60s". Alarm periods must be multiples of it.
    pub period: Option<Dur>,
    /// Time after a period closes before its datapoint is visible to alarms
    /// (>= 0). Default "60s" (AWS documents none).
    pub ingestion_delay: Option<Dur>,
    /// Alarm history before the deployment: the alarms evaluate stable-only
    /// traffic (the stable version's baseline at the rate of t = 0) for this
    /// long before t = 0, so an alarm already in ALARM stops a polling
    /// deployment at once. "0s" starts every alarm empty (INSUFFICIENT_DATA).
    /// A multiple of the alarm grid, at most "7d". Default: the longest
    /// alarm's Period × evaluation range + ingestion_delay, rounded up to
    /// the grid (README "Alarm history before the deployment").
    pub warmup: Option<Dur>,
    /// Log metric filters, one table per filter (`[metrics.filters.NAME]`);
    /// the table key is the metric name used by alarms. Names must be
    /// identifiers (letters, digits, `_`, not starting with a digit) and
    /// differ from `Errors`, `Invocations` and `Duration` in any case.
    #[serde(default)]
    pub filters: BTreeMap<String, RawFilter>,
}

/// `[metrics.filters.NAME]`: a CloudWatch Logs metric filter.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawFilter {
    /// Whose response lines the metric counts: `function` (the log group
    /// holds every version's; default), `version` (the candidate's only) or
    /// `alias` (as `function`).
    #[schemars(extend("enum" = ["function", "version", "alias", null]))]
    pub scope: Option<String>,
    /// Required. A CloudWatch Logs JSON filter pattern over the response
    /// line the function logs per request that returns (a success or a
    /// handled failure; an unhandled error or a timeout logs none):
    /// comparisons joined by `&&`/`||` with parentheses; `$.statusCode` and
    /// `$.duration` (ms) with `=`, `!=`, `>`, `>=`, `<`, `<=` and a number;
    /// `$.log` (`"response"`) and `$.function` (`"<function>:1"` stable,
    /// `"<function>:2"` candidate) with `=`/`!=` and a quoted string, `*` a
    /// wildcard. E.g. `"{ $.log = \"response\" && $.function = \"main:2\"
    /// && $.statusCode > 400 }"`; braces optional.
    pub pattern: String,
    /// Metric value per matching request (finite). Default 1.
    pub value: Option<f64>,
    /// Value published in periods with requests but no match (finite).
    /// Default: nothing is published in such periods.
    pub default_value: Option<f64>,
}
