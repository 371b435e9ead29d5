//! `[traffic]`: request arrivals, with the daily pattern and bursts, or
//! replayed from recorded counts.

use std::fmt;

use schemars::JsonSchema;
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use crate::scenario::duration::Dur;

/// `[traffic]`: a Poisson arrival process, optionally modulated, or
/// replayed from a file.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
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
    /// Optional rate bursts (`[[traffic.bursts]]`); with `replay` they
    /// multiply the replayed rate.
    #[serde(default)]
    pub bursts: Vec<RawBurst>,
    /// Recorded traffic to replay instead of `rate_per_s`/`rate_per_min`/
    /// `diurnal`: a file (path relative to the scenario file's folder)
    /// holding `aws cloudwatch get-metric-data` JSON,
    /// `aws cloudwatch get-metric-statistics` JSON, CSV `timestamp,value`
    /// or a one-column CSV of per-period counts (detected by content).
    pub replay: Option<String>,
    /// get-metric-data output with several results: the `Id` to replay.
    pub replay_id: Option<String>,
    /// get-metric-statistics output: the statistic read, "Sum" (default)
    /// or "SampleCount".
    pub replay_statistic: Option<String>,
    /// The length of each data period: required for a one-column CSV;
    /// otherwise inferred from the timestamps (the smallest spacing).
    pub replay_period: Option<Dur>,
    /// With `replay`: multiplies every replayed rate; > 0, default 1.
    pub scale: Option<f64>,
    /// With `replay`: where the deployment's t = 0 falls in the data: a
    /// time of day "HH:MM" (UTC; the first day of the data that has it),
    /// an ISO 8601 timestamp with offset, or epoch seconds. Default: the
    /// data's start.
    pub start_at: Option<RawStartAt>,
    /// With `replay`: the rate after the data's end: "repeat" (default:
    /// the series loops) or "hold" (the last period's rate stays).
    pub past_end: Option<RawPastEnd>,
}

/// `traffic.past_end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RawPastEnd {
    Repeat,
    Hold,
}

/// `traffic.start_at`: text ("03:00", "2024-05-01T03:00:00Z") or epoch
/// seconds (an integer).
#[derive(Debug, Clone, PartialEq)]
pub struct RawStartAt(pub String);

impl JsonSchema for RawStartAt {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "StartAt".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": ["string", "integer"],
            "description": "A time of day \"HH:MM\" (UTC), an ISO 8601 timestamp with a UTC offset, or epoch seconds",
            "examples": ["03:00", "2024-05-01T14:00:00Z", 1714532400]
        })
    }
}

impl<'de> Deserialize<'de> for RawStartAt {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StartAtVisitor)
    }
}

struct StartAtVisitor;

impl Visitor<'_> for StartAtVisitor {
    type Value = RawStartAt;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "a time of day \"HH:MM\", an ISO 8601 timestamp string or epoch seconds (quote \
             TOML date-times: \"2024-05-01T03:00:00Z\")",
        )
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<RawStartAt, E> {
        Ok(RawStartAt(v.to_string()))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawStartAt, E> {
        Ok(RawStartAt(v.to_string()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawStartAt, E> {
        Ok(RawStartAt(v.to_string()))
    }
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
