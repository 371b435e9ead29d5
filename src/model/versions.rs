//! The behaviour of a version without injected faults: its own failure
//! probability and how such a failure shows ([`Failure`]), its latency
//! distribution and an optional timeout.

/// Behaviour of one version without injected faults.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionProfile {
    /// Probability in [0, 1] that a request fails on its own.
    pub error_rate: f64,
    /// How the version's own failures show.
    pub failure: Failure,
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

/// How a failed request fails (issue 11, item 2). The two kinds differ in
/// what each metric sees (README "Handled and unhandled failures"):
///
/// - `Unhandled`: the handler throws or crashes. Lambda counts the
///   invocation in `Errors` ("if the function returns an error, Lambda sends
///   the `Errors` metric with a value of 1", LMB-UG `monitoring-metrics`);
///   behind an API Gateway Lambda proxy integration the caller gets a 502
///   ("Lambda execution failed … due to customer function error … Method
///   completed with status: 502", AWS re:Post knowledge center
///   `malformed-502-api-gateway`). The handler never logs its response.
/// - `Handled { status }`: the handler returns an error response with an
///   HTTP status in 400–599 (seed 002's 503). For Lambda the invocation
///   succeeded (`Errors` unchanged); the response line it logs carries the
///   status, so log metric filters on `$.statusCode` and API Gateway's
///   `5XXError`/`4XXError` see it.
///
/// Both are bad requests for the users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Failure {
    #[default]
    Unhandled,
    Handled {
        /// HTTP status of the error response, 400–599.
        status: u16,
    },
}
