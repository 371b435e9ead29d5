//! The behaviour of a version without injected faults: its own failure
//! probability, its latency distribution and an optional timeout.

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
