//! `[judges.NAME]`: judges beyond CloudWatch alarms (the sequential test;
//! other kinds add their keys here). Every key of every kind is flat in one
//! struct, like `RawStrategy`; `validate::judges` refuses a key that is not
//! its kind's.

use schemars::JsonSchema;
use serde::Deserialize;

use super::delay::RawDelay;
use super::kayenta::RawKayentaMetric;
use crate::scenario::duration::Dur;

/// `[judges.NAME]`: a judge a strategy may watch (listed in its `alarms`,
/// or watched by default like every alarm of its function). NAME shares
/// one namespace with `[alarms.NAME]`.
///
/// | kind | its own keys |
/// |---|---|
/// | every kind | `kind`, `function`, `min_requests`, `on_inconclusive`, `review_time` |
/// | `sequential` | `alpha`, `min_effect`, `look_every`, `method` |
/// | `kayenta` | `lifetime`, `interval`, `step`, `begin_after`, `lookback`, `marginal`, `pass`, `confidence`, `tolerance`, `metrics` |
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawJudge {
    /// Required: `sequential` or `kayenta`.
    #[schemars(extend("enum" = ["sequential", "kayenta"]))]
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
    #[schemars(range(min = 0, max = 1))]
    pub alpha: Option<f64>,
    /// `sequential`: the smallest candidate/stable error-rate ratio worth
    /// detecting; > 1, at most 1000. Default 2.
    #[schemars(range(min = 1, max = 1000))]
    pub min_effect: Option<f64>,
    /// `sequential`: time between looks; "10s", "20s", "30s" or a multiple
    /// of "60s". Default "10s".
    pub look_every: Option<Dur>,
    /// `sequential`: `mixture` (default; the anytime-valid test) or
    /// `fixed_per_look` (a one-sided binomial test at level alpha on the
    /// cumulative counts at every look — the peeking rule, for comparison).
    #[schemars(extend("enum" = ["mixture", "fixed_per_look", null]))]
    pub method: Option<String>,
    /// `kayenta`: how long the analysis lasts (required).
    pub lifetime: Option<Dur>,
    /// `kayenta`: one judgement per interval; default the lifetime.
    pub interval: Option<Dur>,
    /// `kayenta`: the metric resolution (one sample per step); default
    /// "60s"; a multiple of `metrics.period` dividing `interval`.
    pub step: Option<Dur>,
    /// `kayenta`: the analysis starts this long after t = 0; default "0s".
    pub begin_after: Option<Dur>,
    /// `kayenta`: a sliding window of this length; default none (growing).
    pub lookback: Option<Dur>,
    /// `kayenta`: a judgement scoring <= marginal fails; default 75.
    pub marginal: Option<f64>,
    /// `kayenta`: the last judgement must score >= pass; default 95.
    pub pass: Option<f64>,
    /// `kayenta`: confidence of the Mann-Whitney interval; default 0.98.
    pub confidence: Option<f64>,
    /// `kayenta`: bounds ± tolerance × |Hodges–Lehmann estimate|; default 0.25.
    pub tolerance: Option<f64>,
    /// `kayenta`: the metrics compared (required, at least one).
    pub metrics: Option<Vec<RawKayentaMetric>>,
}

impl RawJudge {
    /// The kind-specific keys present in the table, by name.
    pub fn present_kind_keys(&self) -> Vec<&'static str> {
        [
            ("alpha", self.alpha.is_some()),
            ("min_effect", self.min_effect.is_some()),
            ("look_every", self.look_every.is_some()),
            ("method", self.method.is_some()),
            ("lifetime", self.lifetime.is_some()),
            ("interval", self.interval.is_some()),
            ("step", self.step.is_some()),
            ("begin_after", self.begin_after.is_some()),
            ("lookback", self.lookback.is_some()),
            ("marginal", self.marginal.is_some()),
            ("pass", self.pass.is_some()),
            ("confidence", self.confidence.is_some()),
            ("tolerance", self.tolerance.is_some()),
            ("metrics", self.metrics.is_some()),
        ]
        .into_iter()
        .filter_map(|(k, present)| present.then_some(k))
        .collect()
    }
}
