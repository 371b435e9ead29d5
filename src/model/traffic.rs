//! Request arrivals of one function: a Poisson rate, optionally modulated
//! by a daily sinusoid and bursts (run by `crate::traffic`).

use crate::sim::time::Micros;

/// Poisson arrival process; the rate in requests per second at time t is
/// `base_rate * diurnal(t) * burst(t)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Traffic {
    /// Requests per second (> 0, finite; 0 for a function only a
    /// `[workflow]` calls, without direct traffic).
    pub rate_per_s: f64,
    pub diurnal: Option<Diurnal>,
    pub bursts: Vec<Burst>,
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
