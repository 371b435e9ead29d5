//! The keys of `[judges.NAME] kind = "kayenta"`'s `metrics` list.

use schemars::JsonSchema;
use serde::Deserialize;

/// One metric of a Kayenta judge (a canary config's metric and its
/// `analysisConfigurations.canary`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawKayentaMetric {
    /// Required; unique within the judge.
    pub name: String,
    /// Required: `error_rate`, `server_error_rate`, `lambda_error_rate`,
    /// `latency_mean` or `request_count` (per step window of a server group).
    #[schemars(extend("enum" = ["error_rate", "server_error_rate", "lambda_error_rate", "latency_mean", "request_count"]))]
    pub query: String,
    /// `increase`, `decrease` or `either` (default).
    #[schemars(extend("enum" = ["increase", "decrease", "either", null]))]
    pub direction: Option<String>,
    /// Default false: a critical metric not Pass makes the score 0.
    pub critical: Option<bool>,
    /// Default false: no data is a failure of the metric (unless critical).
    pub must_have_data: Option<bool>,
    /// `remove` (default) or `replace` (NaN → 0).
    #[schemars(extend("enum" = ["remove", "replace", null]))]
    pub nan_strategy: Option<String>,
    /// The effect-size gates; default `{ measure = "meanRatio" }`.
    pub effect_size: Option<RawEffectSize>,
    /// Its score group; default the metric's name.
    pub group: Option<String>,
    /// Its group's weight in percent (0–100); default: the groups without
    /// a weight share what the others leave.
    pub weight: Option<f64>,
}

/// `effect_size = { measure, allowed_increase, ... }`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawEffectSize {
    /// `meanRatio` (default) or `cles`.
    #[schemars(extend("enum" = ["meanRatio", "cles", null]))]
    pub measure: Option<String>,
    /// Default 1.0 (meanRatio) or 0.5 (cles).
    pub allowed_increase: Option<f64>,
    pub allowed_decrease: Option<f64>,
    pub critical_increase: Option<f64>,
    pub critical_decrease: Option<f64>,
}
