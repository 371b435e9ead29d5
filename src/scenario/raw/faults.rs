//! `[[faults]]`: faults injected into the candidate; one flat table whose
//! allowed keys depend on `kind` (checked by `validate::faults`).

use schemars::JsonSchema;
use serde::Deserialize;

use super::versions::RawFailure;
use crate::scenario::duration::Dur;

/// `[[faults]]`: one fault injected into the candidate. Which keys are
/// allowed depends on `kind`:
///
/// | kind | keys |
/// |---|---|
/// | `step_error` | `after`, `error_rate` (required), `failure` |
/// | `ramp_error` | `after`, `from`, `to` (required), `over` (required), `failure` |
/// | `intermittent` | `after`, `error_rate`, `on`, `off` (all but `after` and `failure` required) |
/// | `latency_shift` | `after`, `add_ms`, `multiplier` (at least one must change latency) |
/// | `cold_start` | `requests` (required), `extra_ms` (required) |
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawFault {
    /// Required: `step_error`, `ramp_error`, `intermittent`, `latency_shift`
    /// or `cold_start`.
    #[schemars(extend("enum" = ["step_error", "ramp_error", "intermittent", "latency_shift", "cold_start"]))]
    pub kind: String,
    /// Onset, counted from the moment the candidate first receives traffic.
    /// Default "0s". Not for `cold_start`.
    pub after: Option<Dur>,
    /// `step_error`, `intermittent`: extra failure probability in (0, 1].
    pub error_rate: Option<f64>,
    /// `step_error`, `ramp_error`, `intermittent`: how the fault's failures
    /// show, `"error"` (unhandled, the default) or `{ status = 503 }` (a
    /// handled error response, 400–599), as for a version.
    pub failure: Option<RawFailure>,
    /// `ramp_error`: failure probability at the start of the ramp, in [0, 1];
    /// default 0.
    pub from: Option<f64>,
    /// `ramp_error`: failure probability at the end of the ramp and after, in
    /// [0, 1].
    pub to: Option<f64>,
    /// `ramp_error`: ramp length, a duration > 0.
    pub over: Option<Dur>,
    /// `intermittent`: length of each failing phase, a duration > 0.
    pub on: Option<Dur>,
    /// `intermittent`: length of each healthy phase, a duration > 0.
    pub off: Option<Dur>,
    /// `latency_shift`: milliseconds added to each request (>= 0); default 0.
    pub add_ms: Option<f64>,
    /// `latency_shift`: factor applied to each latency (> 0); default 1.
    pub multiplier: Option<f64>,
    /// `cold_start`: number of first candidate requests affected (>= 1).
    pub requests: Option<i64>,
    /// `cold_start`: extra latency of those requests in ms (> 0).
    pub extra_ms: Option<f64>,
}

impl RawFault {
    /// The optional keys that are present, in schema order.
    pub fn present_keys(&self) -> Vec<&'static str> {
        let mut keys = Vec::new();
        let mut note = |name: &'static str, present: bool| {
            if present {
                keys.push(name);
            }
        };
        note("after", self.after.is_some());
        note("error_rate", self.error_rate.is_some());
        note("failure", self.failure.is_some());
        note("from", self.from.is_some());
        note("to", self.to.is_some());
        note("over", self.over.is_some());
        note("on", self.on.is_some());
        note("off", self.off.is_some());
        note("add_ms", self.add_ms.is_some());
        note("multiplier", self.multiplier.is_some());
        note("requests", self.requests.is_some());
        note("extra_ms", self.extra_ms.is_some());
        keys
    }
}
