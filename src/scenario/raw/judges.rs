//! `[judges.NAME]`: judges beyond CloudWatch alarms (the sequential test;
//! other kinds add their keys here). Every key of every kind is flat in one
//! struct, like `RawStrategy`; `validate::judges` refuses a key that is not
//! its kind's.

use schemars::JsonSchema;
use serde::Deserialize;

use super::delay::RawDelay;
use crate::scenario::duration::Dur;

/// `[judges.NAME]`: a judge a strategy may watch (listed in its `alarms`,
/// or watched by default like every alarm of its function). NAME shares
/// one namespace with `[alarms.NAME]`.
///
/// | kind | its own keys |
/// |---|---|
/// | every kind | `kind`, `function`, `min_requests`, `on_inconclusive`, `review_time` |
/// | `sequential` | `alpha`, `min_effect`, `look_every`, `method` |
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawJudge {
    /// Required: `sequential`.
    #[schemars(extend("enum" = ["sequential"]))]
    pub kind: String,
    /// Multi-function scenarios: the `[functions.NAME]` it judges. Required
    /// there when there is more than one function; not allowed without
    /// `[functions]`.
    pub function: Option<String>,
    /// Minimum-request guard: below this many candidate requests in the
    /// judged window (sequential: since deployment start) the verdict is
    /// inconclusive. Integer >= 0; default 0 (no guard).
    #[schemars(range(min = 0))]
    pub min_requests: Option<i64>,
    /// `pass` (default), `wait` or `pause`: see `[alarms.NAME]`.
    #[schemars(extend("enum" = ["pass", "wait", "pause", null]))]
    pub on_inconclusive: Option<String>,
    /// With `on_inconclusive = "pause"`: the operator's delay (a delay).
    pub review_time: Option<RawDelay>,
    /// `sequential`: bound on the probability that a healthy candidate is
    /// ever rolled back, however often the judge looks; 0 < alpha < 1.
    /// Default 0.05.
    pub alpha: Option<f64>,
    /// `sequential`: the smallest candidate/stable error-rate ratio worth
    /// detecting; > 1, at most 1000. Default 2.
    pub min_effect: Option<f64>,
    /// `sequential`: time between looks; "10s", "20s", "30s" or a multiple
    /// of "60s". Default "10s".
    pub look_every: Option<Dur>,
    /// `sequential`: `mixture` (default; the anytime-valid test) or
    /// `fixed_per_look` (a one-sided binomial test at level alpha on the
    /// cumulative counts at every look — the peeking rule, for comparison).
    #[schemars(extend("enum" = ["mixture", "fixed_per_look", null]))]
    pub method: Option<String>,
}

impl RawJudge {
    /// The kind-specific keys present in the table, by name.
    pub fn present_kind_keys(&self) -> Vec<&'static str> {
        [
            ("alpha", self.alpha.is_some()),
            ("min_effect", self.min_effect.is_some()),
            ("look_every", self.look_every.is_some()),
            ("method", self.method.is_some()),
        ]
        .into_iter()
        .filter_map(|(k, present)| present.then_some(k))
        .collect()
    }
}
