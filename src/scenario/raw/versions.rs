//! `[versions]`: the stable and candidate versions without faults.

use schemars::JsonSchema;
use serde::Deserialize;

/// `[versions]`: the two versions of the function.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawVersions {
    /// `[versions.stable]`. Defaults: `error_rate = 0`,
    /// `latency = { fixed_ms = 100 }`, no timeout.
    pub stable: Option<RawVersion>,
    /// `[versions.candidate]`. Every key not given is inherited from the
    /// stable version (`latency` as a whole).
    pub candidate: Option<RawVersion>,
}

/// One version's behaviour without injected faults.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawVersion {
    /// Probability in [0, 1] that a request fails on its own.
    pub error_rate: Option<f64>,
    /// How those failures show: `"error"` (an unhandled error: Lambda
    /// `Errors`, a 502 behind API Gateway; the default) or
    /// `{ status = 503 }` (a handled error response, status 400–599: not a
    /// Lambda error; seen by log filters on `$.statusCode` and API Gateway's
    /// 5XXError/4XXError). The candidate inherits the stable version's.
    pub failure: Option<RawFailure>,
    /// Latency distribution in ms: `{ median_ms = 80, p99_ms = 400 }`
    /// (lognormal, 0 < median < p99) or `{ fixed_ms = 50 }` (> 0).
    pub latency: Option<RawLatency>,
    /// Optional timeout in ms (> 0): a slower request is an error whose
    /// duration is the timeout.
    pub timeout_ms: Option<f64>,
}

/// `latency = { ... }`: either `fixed_ms`, or `median_ms` and `p99_ms`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawLatency {
    /// Every request takes exactly this long (ms, > 0).
    pub fixed_ms: Option<f64>,
    /// Median of a lognormal latency (ms, > 0); requires `p99_ms`.
    pub median_ms: Option<f64>,
    /// 99th percentile of a lognormal latency (ms, > `median_ms`).
    pub p99_ms: Option<f64>,
}

/// `failure = "error"` or `failure = { status = 503 }`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RawFailure {
    /// `"error"`: an unhandled error.
    Kind(#[schemars(extend("enum" = ["error"]))] String),
    /// `{ status = N }`: a handled error response.
    Handled(RawHandledFailure),
}

/// `{ status = N }`: the handler returns an error response.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawHandledFailure {
    /// HTTP status of the response, 400–599.
    #[schemars(range(min = 400, max = 599))]
    pub status: i64,
}
