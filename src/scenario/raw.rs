//! The raw serde mirror of a scenario file. Every struct rejects unknown keys;
//! ranges, cross-references and defaults are checked in `validate`. The doc
//! comments here are the reference for the scenario format.
//!
//! Durations are strings such as `"90s"`, `"5m"`, `"1.5h"`, `"250ms"`, `"2d"`
//! or `"1h30m"` (units us, ms, s, m, h, d). Probabilities are numbers in
//! [0, 1]; NaN and infinities are rejected everywhere.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use super::duration::Dur;

/// A whole scenario file.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// Scenario name, used for the output folder. Optional; default: the file
    /// name without its extension. Must not contain `/`, `\` or control
    /// characters.
    pub name: Option<String>,
    /// Master random seed (integer >= 0). Default 1. Every random stream is
    /// derived from it.
    #[schemars(range(min = 0))]
    pub seed: Option<i64>,
    /// Replications per strategy, 1 to 10,000,000. Default 1000.
    #[schemars(range(min = 1, max = 10_000_000))]
    pub replications: Option<i64>,
    /// Required. Simulated time from deployment start to the end of each
    /// replication; > 0 and <= 7 days. Must be at least every strategy's
    /// nominal duration (pre-traffic hook + full rollout span with median
    /// delays + post-traffic hook).
    pub horizon: Dur,
    /// Request arrivals. Required, except in a multi-function scenario where
    /// every `[functions.NAME]` has its own `traffic` (there it is the
    /// default for functions without one).
    pub traffic: Option<RawTraffic>,
    /// Optional. Behaviour of the stable and candidate versions without faults.
    #[serde(default)]
    pub versions: RawVersions,
    /// Optional list of faults injected into the candidate (`[[faults]]`). A
    /// non-empty list makes the candidate "faulty" for the false/missed
    /// rollback statistics. Not allowed with `[functions]` (each function
    /// has its own `faults`).
    #[serde(default)]
    pub faults: Vec<RawFault>,
    /// Several functions deployed together, one table per function
    /// (`[functions.NAME]`, NAME an identifier). Without it the scenario
    /// deploys one function made of the top-level `traffic`, `versions` and
    /// `faults`. With it, results are reported per function (strategy
    /// `STRATEGY/NAME`) and for the deployment as a whole (`STRATEGY`).
    #[serde(default)]
    pub functions: BTreeMap<String, RawFunction>,
    /// Optional deployment-wide settings of a multi-function scenario.
    pub deployment: Option<RawDeployment>,
    /// Optional service-level objective.
    pub slo: Option<RawSlo>,
    /// Optional metric settings and log metric filters.
    #[serde(default)]
    pub metrics: RawMetrics,
    /// CloudWatch alarms, one table per alarm (`[alarms.NAME]`); the table key
    /// is the alarm name. Zero or more.
    #[serde(default)]
    pub alarms: BTreeMap<String, RawAlarm>,
    /// Deployment strategies to compare, one table per strategy
    /// (`[strategies.NAME]`). At least one is required.
    #[serde(default)]
    pub strategies: BTreeMap<String, RawStrategy>,
}

/// `[functions.NAME]`: one function of a multi-function deployment.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawFunction {
    /// This function's requests (same keys as `[traffic]`). Default: the
    /// top-level `[traffic]`; one of the two is required.
    pub traffic: Option<RawTraffic>,
    /// This function's versions (same keys as `[versions]`); each key not
    /// given is taken from the top-level `[versions]`.
    #[serde(default)]
    pub versions: RawVersions,
    /// Faults injected into this function's candidate
    /// (`[[functions.NAME.faults]]`, same keys as `[[faults]]`).
    #[serde(default)]
    pub faults: Vec<RawFault>,
    /// `strategy` (default): released with each strategy being simulated, and
    /// watched by its alarms (those with `function = "NAME"`).
    /// `all_at_once`: 100 % at t = 0 without hooks or alarm watching, as
    /// compensation functions (cancel, refund) usually are; still rolled back
    /// with the stack.
    pub deploy: Option<String>,
}

/// `[deployment]`: how the functions of one deployment fail together.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDeployment {
    /// `stack` (default, CloudFormation semantics): the first function whose
    /// deployment fails rolls back every other function too, completed ones
    /// included. `per_function`: each function rolls back on its own.
    #[schemars(extend("enum" = ["stack", "per_function", null]))]
    pub rollback: Option<String>,
    /// Delay from the first failure to the stack rollback of the other
    /// functions (a delay, see `review_time`). Default "0s".
    pub stack_rollback_delay: Option<RawDelay>,
}

/// A random delay: a duration string for a fixed delay (`"90s"`), or a table
/// `{ median = "30m", p99 = "2h" }` (lognormal, p99 > median > 0),
/// `{ mean = "10m", sd = "5m" }` (lognormal with that mean and standard
/// deviation, both > 0) or `{ min = "1s", max = "5s" }` (uniform,
/// min <= max). Keys that accept `"never"` say so.
#[derive(Debug, Clone, Deserialize)]
#[serde(transparent)]
pub struct RawDelay(pub toml::Value);

impl JsonSchema for RawDelay {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Delay".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let duration = generator.subschema_for::<Dur>();
        schemars::json_schema!({
            "description": "A fixed delay (a duration string, or \"never\" where the key says so), or a random one: { median, p99 } (lognormal), { mean, sd } (lognormal) or { min, max } (uniform), each a duration.",
            "anyOf": [
                duration,
                { "const": "never" },
                {
                    "type": "object",
                    "properties": {
                        "median": duration, "p99": duration, "mean": duration,
                        "sd": duration, "min": duration, "max": duration
                    },
                    "additionalProperties": false
                }
            ]
        })
    }
}

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

/// `[versions]`: the two versions of the function.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawVersions {
    /// `[versions.stable]`. Defaults: `error_rate = 0`,
    /// `latency = { fixed_ms = 100 }`, no timeout.
    pub stable: Option<RawVersion>,
    /// `[versions.candidate]`. Every key not given is inherited from the
    /// stable version (`latency` as a whole).
    pub candidate: Option<RawVersion>,
}

/// One version's behaviour without injected faults.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawVersion {
    /// Probability in [0, 1] that a request fails on its own.
    pub error_rate: Option<f64>,
    /// Latency distribution in ms: `{ median_ms = 80, p99_ms = 400 }`
    /// (lognormal, 0 < median < p99) or `{ fixed_ms = 50 }` (> 0).
    pub latency: Option<RawLatency>,
    /// Optional timeout in ms (> 0): a slower request is an error whose
    /// duration is the timeout.
    pub timeout_ms: Option<f64>,
}

/// `latency = { ... }`: either `fixed_ms`, or `median_ms` and `p99_ms`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawLatency {
    /// Every request takes exactly this long (ms, > 0).
    pub fixed_ms: Option<f64>,
    /// Median of a lognormal latency (ms, > 0); requires `p99_ms`.
    pub median_ms: Option<f64>,
    /// 99th percentile of a lognormal latency (ms, > `median_ms`).
    pub p99_ms: Option<f64>,
}

/// `[[faults]]`: one fault injected into the candidate. Which keys are
/// allowed depends on `kind`:
///
/// | kind | keys |
/// |---|---|
/// | `step_error` | `after`, `error_rate` (required) |
/// | `ramp_error` | `after`, `from`, `to` (required), `over` (required) |
/// | `intermittent` | `after`, `error_rate`, `on`, `off` (all but `after` required) |
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

/// `[slo]`: what counts as a bad request besides a failure.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSlo {
    /// A successful candidate request slower than this many ms (> 0) counts
    /// as bad. Default: none (only failures are bad).
    pub latency_ms: Option<f64>,
}

/// `[metrics]`: CloudWatch metric settings.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawMetrics {
    /// Base metric period: "10s", "20s", "30s" or a multiple of "60s".
    /// Default "60s". Alarm periods must be multiples of it.
    pub period: Option<Dur>,
    /// Time after a period closes before its datapoint is visible to alarms
    /// (>= 0). Default "60s" (AWS documents none).
    pub ingestion_delay: Option<Dur>,
    /// Log metric filters, one table per filter (`[metrics.filters.NAME]`);
    /// the table key is the metric name used by alarms. Names must be
    /// identifiers (letters, digits, `_`, not starting with a digit) and
    /// differ from `Errors`, `Invocations` and `Duration` in any case.
    #[serde(default)]
    pub filters: BTreeMap<String, RawFilter>,
}

/// `[metrics.filters.NAME]`: a CloudWatch Logs metric filter.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawFilter {
    /// Which requests the metric sees: `function` (all versions), `version`
    /// (the candidate only) or `alias`. Default `function`.
    #[schemars(extend("enum" = ["function", "version", "alias", null]))]
    pub scope: Option<String>,
    /// Required. `$.statusCode` or `$.duration`, an operator (`>`, `>=`, `<`,
    /// `<=`, `=`, `!=`) and a number, optionally inside braces, e.g.
    /// `"{ $.statusCode > 400 }"`. Status codes: 200 success, 500 error, 504
    /// timeout; duration in ms.
    pub pattern: String,
    /// Metric value per matching request (finite). Default 1.
    pub value: Option<f64>,
    /// Value published in periods with requests but no match (finite).
    /// Default: nothing is published in such periods.
    pub default_value: Option<f64>,
}

/// `[alarms.NAME]`: a CloudWatch metric alarm. Give either `expression` or
/// `metric` (with an optional `statistic`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAlarm {
    /// Which requests the metrics see: `function` (FunctionName dimension, all
    /// versions), `version` (ExecutedVersion, the candidate only), `alias`,
    /// or `canary_stage` (API Gateway canary-stage metrics: every request the
    /// canary deployment answered, stage-cache hits included; without a
    /// stage cache the same requests as `version`). Default `function`.
    #[schemars(extend("enum" = ["function", "version", "alias", "canary_stage", null]))]
    pub scope: Option<String>,
    /// Metric math over `+ - * /`, parentheses, unary minus, numbers and
    /// metrics: `errors` (Errors Sum), `invocations` (Invocations Sum), or
    /// `Errors`, `Invocations`, `Duration` or a filter name, optionally
    /// followed by `.Statistic` (default Sum), e.g. `"errors / invocations *
    /// 100"` or `"Duration.p99"`. Metric names are case-insensitive, filter
    /// names are not. A missing series value counts as 0 and a division by
    /// zero drops the datapoint.
    pub expression: Option<String>,
    /// Single-metric form: `Invocations`, `Errors`, `Duration` or a filter
    /// name.
    pub metric: Option<String>,
    /// With `metric` only: `Sum` (default), `SampleCount`, `Average`,
    /// `Minimum`, `Maximum`, or a percentile `pNN`/`pNN.N` with 0 < NN < 100.
    pub statistic: Option<String>,
    /// Required, finite.
    pub threshold: f64,
    /// Required: `>`, `>=`, `<`, `<=` or the AWS names
    /// `GreaterThanThreshold`, `GreaterThanOrEqualToThreshold`,
    /// `LessThanThreshold`, `LessThanOrEqualToThreshold`. The statistic is
    /// the left operand.
    #[schemars(extend("enum" = [">", ">=", "<", "<=", "GreaterThanThreshold", "GreaterThanOrEqualToThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold"]))]
    pub comparison: String,
    /// N, the number of most recent periods evaluated (>= 1). Default 1.
    #[schemars(range(min = 1))]
    pub evaluation_periods: Option<i64>,
    /// M, breaching datapoints among the N that trigger ALARM; 1 to N.
    /// Default N.
    #[schemars(range(min = 1))]
    pub datapoints_to_alarm: Option<i64>,
    /// `missing` (default), `notBreaching`, `breaching` or `ignore`.
    #[schemars(extend("enum" = ["missing", "notBreaching", "breaching", "ignore", null]))]
    pub treat_missing_data: Option<String>,
    /// Alarm period: "10s", "20s", "30s" or a multiple of "60s", and a
    /// multiple of `metrics.period`. Default `metrics.period`. period ×
    /// evaluation_periods must be <= 1 day when the period is under 1 hour,
    /// else <= 7 days.
    pub period: Option<Dur>,
    /// E, how many recent periods are fetched when data is missing; >= N and
    /// <= 10,000. Default N + max(floor(N/3), 2) (gives AWS's documented 5
    /// for N = 3).
    #[schemars(range(min = 1, max = 10_000))]
    pub evaluation_range: Option<i64>,
    /// `evaluate` (default) or `ignore`: whether percentile datapoints with too
    /// few samples change the alarm state.
    #[schemars(extend("enum" = ["evaluate", "ignore", null]))]
    pub evaluate_low_sample_count_percentile: Option<String>,
    /// Multi-function scenarios: the `[functions.NAME]` whose metrics the
    /// alarm reads. Required there when there is more than one function;
    /// not allowed without `[functions]`.
    pub function: Option<String>,
}

/// `[strategies.NAME]`: one deployment strategy. Which keys are allowed
/// depends on `kind`:
///
/// | kind | keys |
/// |---|---|
/// | `codedeploy` | `config` or `type` (+ `percentage`, `interval`), `linear_completion` |
/// | `apigw_canary` | `percent_traffic` (required), `review_time`, `operator`, `cache` |
/// | `steps` | `steps` (required) |
/// | `lattice` | `weights`, `schedule`, `bake`, `propagation_delay`, `sns_delay`, `function_duration` |
///
/// Every kind takes `alarms`, `rollback`, `pre_traffic_hook` and
/// `post_traffic_hook`; all but `lattice` take `rollback_latency` and
/// `poll_interval`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawStrategy {
    /// Deployment system: `codedeploy` (default), `apigw_canary` (API Gateway
    /// canary release), `steps` (a custom step plan) or `lattice` (VPC
    /// Lattice weighted target groups with a rollback function).
    #[schemars(extend("enum" = ["codedeploy", "apigw_canary", "steps", "lattice", null]))]
    pub kind: Option<String>,
    /// A predefined CodeDeploy configuration: `AllAtOnce`,
    /// `Canary10Percent5Minutes`, `Canary10Percent10Minutes`,
    /// `Canary10Percent15Minutes`, `Canary10Percent30Minutes`,
    /// `Linear10PercentEvery1Minute`, `Linear10PercentEvery2Minutes`,
    /// `Linear10PercentEvery3Minutes`, `Linear10PercentEvery10Minutes`; the
    /// `CodeDeployDefault.Lambda` prefix is accepted.
    pub config: Option<String>,
    /// A custom shape instead of `config`: `canary`, `linear` or
    /// `all_at_once`.
    #[serde(rename = "type")]
    #[schemars(extend("enum" = ["canary", "linear", "all_at_once", null]))]
    pub shape: Option<String>,
    /// Custom `canary`/`linear` only (required there): integer percentage
    /// shifted per step, 1 to 99.
    #[schemars(range(min = 1, max = 99))]
    pub percentage: Option<i64>,
    /// Custom `canary`/`linear` only (required there): whole minutes >= 1
    /// between shifts. The first-to-last shift span must be <= 2880 minutes
    /// (canary: the interval; linear: (ceil(100/P) - 1) × interval).
    pub interval: Option<Dur>,
    /// Names of the alarms this deployment watches. Default: every alarm of
    /// the scenario. Each must be defined under `[alarms]`. In a
    /// multi-function scenario each function watches those of its own.
    /// CodeDeploy, `apigw_canary` and `steps` poll their states; `lattice`
    /// acts on their transitions into ALARM (alarm actions).
    pub alarms: Option<Vec<String>>,
    /// Whether a problem rolls traffic back (true, default) or only stops the
    /// deployment and freezes the weights (false).
    pub rollback: Option<bool>,
    /// Not for `lattice`. Delay from the stop decision to all traffic being
    /// back on stable (an alias or stage update). Default "5s".
    pub rollback_latency: Option<Dur>,
    /// Not for `lattice`. How often the deployment polls its alarms' states
    /// (> 0). Default "60s".
    pub poll_interval: Option<Dur>,
    /// `codedeploy`: when a linear deployment completes: `last_shift`
    /// (default: at the shift to 100 %, 90 min for
    /// Linear10PercentEvery10Minutes) or `extra_interval` (one interval
    /// later, 100 min).
    #[schemars(extend("enum" = ["last_shift", "extra_interval", null]))]
    pub linear_completion: Option<String>,
    /// `apigw_canary` (required): canarySettings.percentTraffic, the share of
    /// requests routed to the canary deployment, a number from 0.0 to 100.0.
    /// It stays fixed until promotion (no time-based shifting).
    pub percent_traffic: Option<f64>,
    /// `apigw_canary`: time from canary creation until an operator promotes
    /// it (100 % to the new deployment; the deployment completes): a delay
    /// (e.g. `{ median = "30m", p99 = "2h" }`) or `"never"` (default: the
    /// canary runs until the horizon).
    pub review_time: Option<RawDelay>,
    /// `apigw_canary`: an operator who notices a faulty canary.
    pub operator: Option<RawOperator>,
    /// `apigw_canary`: the API Gateway stage cache.
    pub cache: Option<RawCache>,
    /// `steps` (required): the plan, e.g. `[{ weight = 1, bake = "5m" },
    /// { weight = 5, bake = "5m" }, ..., { weight = 100, bake = "10m" }]`.
    pub steps: Option<Vec<RawStep>>,
    /// `lattice`: initial listener weights `[stable, candidate]`, integers
    /// 0–999 with a positive sum. Default `[90, 10]`. The candidate share is
    /// candidate / (stable + candidate).
    pub weights: Option<Vec<i64>>,
    /// `lattice`: later listener updates, e.g. `[{ after = "10m", weights =
    /// [50, 50] }, { after = "20m", weights = [0, 1] }]`; `after` counts from
    /// the initial update (after the pre-traffic hook), strictly increasing
    /// and > 0.
    pub schedule: Option<Vec<RawLatticeChange>>,
    /// `lattice`: the deployment completes this long after the last weight
    /// change took effect. Default: at once if the last weights send
    /// everything to the candidate (stable weight 0), else never (the split
    /// is held and the rollback function stays armed until the horizon).
    pub bake: Option<Dur>,
    /// `lattice`: time for a weight change to reach the data plane, for every
    /// change including the rollback (a delay). Default "90s" (ECS blue/green
    /// guide, reference §4).
    pub propagation_delay: Option<RawDelay>,
    /// `lattice`: alarm state change → SNS delivery to the rollback function
    /// (a delay). Default "1s" (AWS publishes no figure).
    pub sns_delay: Option<RawDelay>,
    /// `lattice`: run time of the rollback function up to its listener
    /// update (a delay). Default "3s".
    pub function_duration: Option<RawDelay>,
    /// Optional validation hook before the first traffic shift.
    pub pre_traffic_hook: Option<RawHook>,
    /// Optional validation hook after the rollout completed (alarms are still
    /// watched while it runs).
    pub post_traffic_hook: Option<RawHook>,
}

impl RawStrategy {
    /// The kind-specific keys that are present, in schema order.
    pub fn present_keys(&self) -> Vec<&'static str> {
        [
            ("config", self.config.is_some()),
            ("type", self.shape.is_some()),
            ("percentage", self.percentage.is_some()),
            ("interval", self.interval.is_some()),
            ("rollback_latency", self.rollback_latency.is_some()),
            ("poll_interval", self.poll_interval.is_some()),
            ("linear_completion", self.linear_completion.is_some()),
            ("percent_traffic", self.percent_traffic.is_some()),
            ("review_time", self.review_time.is_some()),
            ("operator", self.operator.is_some()),
            ("cache", self.cache.is_some()),
            ("steps", self.steps.is_some()),
            ("weights", self.weights.is_some()),
            ("schedule", self.schedule.is_some()),
            ("bake", self.bake.is_some()),
            ("propagation_delay", self.propagation_delay.is_some()),
            ("sns_delay", self.sns_delay.is_some()),
            ("function_duration", self.function_duration.is_some()),
        ]
        .into_iter()
        .filter(|(_, present)| *present)
        .map(|(key, _)| key)
        .collect()
    }
}

/// `operator = { ... }` of an `apigw_canary` strategy: a person watching the
/// canary by hand.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawOperator {
    /// Required: time from the moment a fault first affects the canary's
    /// requests until the operator rolls back (a delay, e.g.
    /// `{ mean = "15m", sd = "10m" }`).
    pub detection_delay: RawDelay,
    /// Probability in [0, 1] that the operator notices a faulty canary at
    /// all. Default 1. A healthy canary is never rolled back by the operator.
    pub notice_probability: Option<f64>,
}

/// `cache = { ... }` of an `apigw_canary` strategy: the stage cache.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCache {
    /// Required: hit ratio of the warm production cache, in [0, 1).
    pub hit_ratio: f64,
    /// Latency of a cache hit in ms (> 0). Default 5. A hit never fails and
    /// does not invoke the function.
    pub hit_latency_ms: Option<f64>,
    /// The canary's own cache starts cold: its hit ratio rises linearly from
    /// 0 to `hit_ratio` over this time from the canary's first request.
    /// Default "10m"; "0s" starts it warm.
    pub warmup: Option<Dur>,
}

/// One step of a `steps` plan.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    /// Required: candidate traffic in percent, in (0, 100]; strictly
    /// increasing over the plan, and the last step must be 100.
    pub weight: f64,
    /// How long the step is held before the next one (> 0; required except
    /// on the last step). On the last step: the bake after 100 % during
    /// which alarms still roll back (default "0s").
    pub bake: Option<Dur>,
}

/// One scheduled listener update of a `lattice` strategy.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawLatticeChange {
    /// Required: when the update is issued, from the initial update.
    pub after: Dur,
    /// Required: new weights `[stable, candidate]`, integers 0–999, sum > 0.
    pub weights: Vec<i64>,
}

/// A lifecycle hook (`[strategies.NAME.pre_traffic_hook]` or
/// `post_traffic_hook`), for every kind: SAM's PreTraffic/PostTraffic hooks
/// running unit and integration tests, or a pipeline's test stage. A failed
/// hook stops and rolls back the deployment (for `lattice` through the
/// rollback function, without SNS).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawHook {
    /// Required; > 0, and <= "1h" for `codedeploy` (CodeDeploy's hook time
    /// limit), <= "1d" for the other kinds.
    pub duration: Dur,
    /// Probability of catching each fault kind present in the candidate.
    /// Default 0.
    pub catch_probability: Option<f64>,
    /// Per-kind overrides of `catch_probability`, e.g.
    /// `catch = { latency_shift = 0.1 }`.
    pub catch: Option<RawCatch>,
    /// Probability that the hook fails for no reason. Default 0.
    pub flaky_probability: Option<f64>,
}

/// `catch = { ... }`: catch probabilities per fault kind.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCatch {
    pub step_error: Option<f64>,
    pub ramp_error: Option<f64>,
    pub intermittent: Option<f64>,
    pub latency_shift: Option<f64>,
    pub cold_start: Option<f64>,
}
