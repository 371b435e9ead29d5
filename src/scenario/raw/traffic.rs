//! `[traffic]`: request arrivals, with the daily pattern and bursts.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::scenario::duration::Dur;

/// `[traffic]`: a Poisson arrival process, optionally modulated.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTraffic {
    /// Mean requests per second; > 0, finite, <= 1,000,000. Give exactly one
    /// of `rate_per_s` and `rate_per_min`.
    #[schemars(range(min = 0, max = 1_000_000))]
    pub rate_per_s: Option<f64>,
    /// Mean requests per minute; > 0, finite, <= 60,000,000. Give exactly one
    /// of `rate_per_s` and `rate_per_min`.
    #[schemars(range(min = 0, max = 60_000_000))]
    pub rate_per_min: Option<f64>,
    /// Optional sinusoidal daily pattern, e.g.
    /// `diurnal = { amplitude = 0.3, period = "24h", phase = "0s" }`.
    pub diurnal: Option<RawDiurnal>,
    /// Optional rate bursts (`[[traffic.bursts]]`).
    #[serde(default)]
    pub bursts: Vec<RawBurst>,
}

/// `traffic.diurnal`: the rate is multiplied by
/// `1 + amplitude * sin(2π (t + phase) / period)`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDiurnal {
    /// Required; in [0, 1) so the rate never reaches zero.
    pub amplitude: f64,
    /// Required duration > 0, e.g. "24h".
    pub period: Dur,
    /// Optional duration; default "0s".
    pub phase: Option<Dur>,
}

/// `[[traffic.bursts]]`: the rate is multiplied by `multiplier` during
/// [start, start + duration).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBurst {
    /// Required duration from deployment start.
    pub start: Dur,
    /// Required duration > 0.
    pub duration: Dur,
    /// Required; > 0 and finite.
    pub multiplier: f64,
}
