//! Faults injected into the candidate (run by `crate::faults`), and their
//! kinds, which also key a hook's catch probabilities.

use super::versions::Failure;
use crate::sim::time::Micros;

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
    StepError {
        after: Micros,
        error_rate: f64,
        failure: Failure,
    },
    /// Failure probability rising linearly from `from` to `to` over `over`,
    /// starting at `after`, then staying at `to`.
    RampError {
        after: Micros,
        over: Micros,
        from: f64,
        to: f64,
        failure: Failure,
    },
    /// From `after` on, alternating `on` periods with extra failure probability
    /// `error_rate` and `off` periods without.
    Intermittent {
        after: Micros,
        on: Micros,
        off: Micros,
        error_rate: f64,
        failure: Failure,
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
    /// How the failures this fault causes show; `None` for the latency
    /// faults, which fail requests only through the timeout.
    pub fn failure(&self) -> Option<Failure> {
        match *self {
            Fault::StepError { failure, .. }
            | Fault::RampError { failure, .. }
            | Fault::Intermittent { failure, .. } => Some(failure),
            Fault::LatencyShift { .. } | Fault::ColdStart { .. } => None,
        }
    }

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
