//! Request arrivals of one function: a Poisson rate, optionally modulated
//! by a daily sinusoid and bursts, or replayed from recorded per-period
//! counts (run by `crate::traffic`).

use std::sync::Arc;

use crate::sim::time::Micros;

/// Poisson arrival process; the rate in requests per second at time t is
/// `base_rate * diurnal(t) * burst(t)`, or `replay(t) * burst(t)` with a
/// replay.
#[derive(Debug, Clone, PartialEq)]
pub struct Traffic {
    /// Requests per second (> 0, finite; 0 for a function only a
    /// `[workflow]` calls, without direct traffic). With a replay: the
    /// replay's mean rate over its data, for display only.
    pub rate_per_s: f64,
    pub diurnal: Option<Diurnal>,
    pub bursts: Vec<Burst>,
    /// Recorded traffic replayed instead of `rate_per_s` and `diurnal`.
    pub replay: Option<Replay>,
}

/// Recorded traffic (`[traffic] replay`): a piecewise-constant rate, one
/// value per source period, the period's count / its length.
#[derive(Debug, Clone, PartialEq)]
pub struct Replay {
    /// The data file, as resolved against the scenario's folder.
    pub source: String,
    /// The format it was read as (for the plan).
    pub format: String,
    pub period: Micros,
    /// Requests per second of each period (scaled), in time order; never
    /// empty. Shared: scenarios are cloned per sweep point.
    pub rates: Arc<[f64]>,
    /// Where t = 0 falls, from the start of the first period (`start_at`).
    pub start: Micros,
    pub past_end: PastEnd,
}

/// What the rate is outside the data (after its end; before its start
/// during the alarms' warm-up).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PastEnd {
    /// The series loops: after the last period comes the first.
    Repeat,
    /// The first (before) or last (after) period's rate is kept.
    Hold,
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
