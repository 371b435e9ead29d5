//! `[strategies.NAME]`: deployment strategies. One flat table for every
//! kind (so the schema lists every key); which keys a kind takes is that
//! kind's to say (its `KIND.keys` in `crate::strategy`). Also the tables
//! inside a strategy: operator, stage cache, steps, Lattice changes, hooks.

use schemars::JsonSchema;
use serde::Deserialize;

use super::delay::RawDelay;
use crate::scenario::duration::Dur;

/// `[strategies.NAME]`: one deployment strategy. Which keys are allowed
/// depends on `kind`:
///
/// | kind | keys |
/// |---|---|
/// | `codedeploy` | `config` or `type` (+ `percentage`, `interval`), `linear_completion`, `rollback_latency`, `poll_interval` |
/// | `apigw_canary` | `percent_traffic` (required), `review_time`, `promotion`, `new_version_via`, `stage_variable_overrides`, `operator`, `cache`, `propagation_delay`, `sns_delay`, `function_duration` |
/// | `steps` | `steps` (required), `rollback_latency`, `poll_interval` |
/// | `lattice` | `weights`, `schedule`, `bake`, `propagation_delay`, `sns_delay`, `function_duration` |
///
/// Every kind takes `alarms`, `rollback`, `pre_traffic_hook` and
/// `post_traffic_hook`. `codedeploy` and `steps` poll their alarms;
/// `apigw_canary` and `lattice` act on alarm transitions through SNS and a
/// rollback function.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawStrategy {
    /// Deployment system: `codedeploy` (default), `apigw_canary` (API Gateway
    /// canary release), `steps` (a custom step plan) or `lattice` (VPC
    /// Lattice weighted target groups with a rollback function).
    #[schemars(extend("enum" = ["codedeploy", "apigw_canary", "steps", "lattice", "argo", "flagger", null]))]
    pub kind: Option<String>,
    /// A predefined CodeDeploy configuration. Lambda: `AllAtOnce`,
    /// `Canary10Percent5Minutes`, `Canary10Percent10Minutes`,
    /// `Canary10Percent15Minutes`, `Canary10Percent30Minutes`,
    /// `Linear10PercentEvery1Minute`, `Linear10PercentEvery2Minutes`,
    /// `Linear10PercentEvery3Minutes`, `Linear10PercentEvery10Minutes`;
    /// ECS: `ECSAllAtOnce`, `ECSCanary10Percent5Minutes`,
    /// `ECSCanary10Percent15Minutes`, `ECSLinear10PercentEvery1Minutes`,
    /// `ECSLinear10PercentEvery3Minutes`. Also accepted: the API /
    /// CloudFormation names (`CodeDeployDefault.LambdaCanary10Percent5Minutes`,
    /// `CodeDeployDefault.ECSAllAtOnce`, with or without `CodeDeployDefault.`)
    /// and the CDK constants (`LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES`,
    /// `EcsDeploymentConfig.LINEAR_10PERCENT_EVERY_1MINUTES`, a bare
    /// constant meaning Lambda); ASCII case and underscores are ignored.
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
    /// `codedeploy` and `steps` poll their states (at most 10 alarms per
    /// function for `codedeploy`: CodeDeploy's limit per deployment group);
    /// `apigw_canary` and `lattice` act on their transitions into ALARM
    /// (alarm actions: SNS → rollback function).
    pub alarms: Option<Vec<String>>,
    /// Whether a problem rolls traffic back (true, default) or only stops the
    /// deployment and freezes the weights (false; for `apigw_canary` and
    /// `lattice`: no rollback function subscribed to the alarms).
    pub rollback: Option<bool>,
    /// `codedeploy` and `steps`: delay from the stop decision to all traffic
    /// being back on stable (an alias update). Default "5s".
    pub rollback_latency: Option<Dur>,
    /// `codedeploy` and `steps`: how often the deployment polls its alarms'
    /// states (> 0). Default "60s".
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
    /// it (with the `promotion` options): a delay (e.g. `{ median = "30m",
    /// p99 = "2h" }`) or `"never"` (default: the canary runs until the
    /// horizon).
    pub review_time: Option<RawDelay>,
    /// `apigw_canary`: what the promotion updates, the console's three
    /// options: `deployment` (update the stage with the canary's
    /// deployment), `stage_variables` (update the stage variables with the
    /// canary's overrides), `canary_to_zero` (set the canary percentage to
    /// 0.0 %). Default all three (what the API's promotion does). Production
    /// serves the new version when the promoted part is the one in
    /// `new_version_via` (the candidate gets 100 %, the deployment
    /// completes); otherwise `canary_to_zero` puts all traffic back on the
    /// old deployment (an operator rollback at review time).
    #[schemars(extend("items" = { "enum": ["deployment", "stage_variables", "canary_to_zero"] }))]
    pub promotion: Option<Vec<String>>,
    /// `apigw_canary`: what sends canary requests to the new version:
    /// `deployment` (default; the canary's deployment has the new
    /// integration, as in the console hands-on) or `stage_variables` (the
    /// canary's `stage_variable_overrides`, e.g. an integration on
    /// `fn:${stageVariables.alias}`).
    #[schemars(extend("enum" = ["deployment", "stage_variables", null]))]
    pub new_version_via: Option<String>,
    /// `apigw_canary`: canarySettings.stageVariableOverrides, e.g.
    /// `{ alias = "v2" }`; named for the plan, they matter through
    /// `new_version_via` (required, non-empty, with `stage_variables`).
    pub stage_variable_overrides: Option<std::collections::BTreeMap<String, String>>,
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
    /// guide, reference §4). `apigw_canary`: time for an `update-stage`
    /// call (canary creation, promotion, rollback) to take effect. Default
    /// "5s" (AWS publishes no figure). Changes take effect in the order
    /// issued.
    pub propagation_delay: Option<RawDelay>,
    /// `lattice`, `apigw_canary`: alarm state change → SNS delivery to the
    /// rollback function (a delay). Default "1s" (AWS publishes no figure).
    pub sns_delay: Option<RawDelay>,
    /// `lattice`, `apigw_canary`: run time of the rollback function up to
    /// its listener or stage update (a delay). Default "3s".
    pub function_duration: Option<RawDelay>,
    /// Optional validation hook before the first traffic shift.
    pub pre_traffic_hook: Option<RawHook>,
    /// Optional validation hook after the rollout completed (alarms are still
    /// watched while it runs).
    pub post_traffic_hook: Option<RawHook>,
    /// `argo`, `flagger`: the analysis metrics (AnalysisTemplate metrics /
    /// Flagger `analysis.metrics`), inline.
    pub metrics: Option<Vec<RawAnalysisMetric>>,
    /// `argo`: metrics run as background analysis (`strategy.canary.analysis`).
    pub background_analysis: Option<Vec<String>>,
    /// `argo`: the step index (0-based) at which background analysis starts.
    #[schemars(range(min = 0))]
    pub starting_step: Option<i64>,
    /// `argo`, `flagger`: Prometheus scrape interval (default 30s).
    pub scrape_interval: Option<Dur>,
    /// `argo`: probability that a measurement's query fails (an Error
    /// measurement); default 0.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub query_error_probability: Option<f64>,
    /// `flagger`: rollback when failed checks >= threshold (default 1).
    pub threshold: Option<i64>,
    /// `flagger`: weight added per passing check.
    #[schemars(range(min = 1, max = 100))]
    pub step_weight: Option<i64>,
    /// `flagger`: the weight after which the canary is promoted (default 100).
    #[schemars(range(min = 1, max = 100))]
    pub max_weight: Option<i64>,
    /// `flagger`: explicit weights, increasing.
    pub step_weights: Option<Vec<i64>>,
    /// `flagger`: A/B or blue/green: passing checks at a fixed split before promotion.
    #[schemars(range(min = 1))]
    pub iterations: Option<i64>,
    /// `flagger` with `iterations`: the candidate's share during them.
    #[schemars(range(min = 0, max = 100))]
    pub iteration_weight: Option<i64>,
    /// `flagger`: the `confirm-promotion` webhook gate opens this long after
    /// it is reached.
    pub confirm_promotion: Option<RawDelay>,
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
            ("promotion", self.promotion.is_some()),
            ("new_version_via", self.new_version_via.is_some()),
            (
                "stage_variable_overrides",
                self.stage_variable_overrides.is_some(),
            ),
            ("operator", self.operator.is_some()),
            ("cache", self.cache.is_some()),
            ("steps", self.steps.is_some()),
            ("weights", self.weights.is_some()),
            ("schedule", self.schedule.is_some()),
            ("bake", self.bake.is_some()),
            ("propagation_delay", self.propagation_delay.is_some()),
            ("sns_delay", self.sns_delay.is_some()),
            ("function_duration", self.function_duration.is_some()),
            ("metrics", self.metrics.is_some()),
            ("background_analysis", self.background_analysis.is_some()),
            ("starting_step", self.starting_step.is_some()),
            ("scrape_interval", self.scrape_interval.is_some()),
            (
                "query_error_probability",
                self.query_error_probability.is_some(),
            ),
            ("threshold", self.threshold.is_some()),
            ("step_weight", self.step_weight.is_some()),
            ("max_weight", self.max_weight.is_some()),
            ("step_weights", self.step_weights.is_some()),
            ("iterations", self.iterations.is_some()),
            ("iteration_weight", self.iteration_weight.is_some()),
            ("confirm_promotion", self.confirm_promotion.is_some()),
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
    /// `steps`: required: candidate traffic in percent, in (0, 100];
    /// strictly increasing over the plan, and the last step must be 100.
    pub weight: Option<f64>,
    /// `steps`: how long the step is held before the next one (> 0;
    /// required except on the last step). On the last step: the bake after
    /// 100 % during which alarms still roll back (default "0s").
    pub bake: Option<Dur>,
    /// `argo`: `setWeight`, the canary's share in percent.
    pub set_weight: Option<f64>,
    /// `argo`: `pause = "5m"`, or `pause = {}` (wait for a promotion after
    /// `review_time`).
    pub pause: Option<RawPause>,
    /// `argo`: an inline analysis of these metrics (blocks until its run
    /// is Successful).
    pub analysis: Option<Vec<String>>,
}

/// `pause = "5m"` or `pause = {}`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RawPause {
    For(Dur),
    UntilPromoted(RawEmpty),
}

/// `{}`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawEmpty {}

/// An analysis metric of `argo` or `flagger`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAnalysisMetric {
    pub name: String,
    /// `error_ratio`, `success_rate` (percent), `request_rate` (per
    /// second) or `latency_pNN` (ms); Flagger's builtins need none.
    pub query: Option<String>,
    /// `argo`: the query's range (default 5m).
    pub window: Option<Dur>,
    /// `argo`: time between measurements; `flagger`: the query's range
    /// (default 1m).
    pub interval: Option<Dur>,
    #[schemars(range(min = 0))]
    pub count: Option<i64>,
    /// `argo`: delay before the first measurement.
    pub initial_delay: Option<Dur>,
    /// `argo`: e.g. `result < 0.05`.
    pub success_condition: Option<String>,
    pub failure_condition: Option<String>,
    /// `argo`: default 0; -1 disables it.
    pub failure_limit: Option<i64>,
    #[schemars(range(min = 0))]
    pub inconclusive_limit: Option<i64>,
    #[schemars(range(min = 0))]
    pub consecutive_error_limit: Option<i64>,
    #[schemars(range(min = 0))]
    pub consecutive_success_limit: Option<i64>,
    pub dry_run: Option<bool>,
    /// `flagger`: `thresholdRange`, bounds inclusive.
    pub threshold_range: Option<RawRange>,
}

/// `{ min, max }`, either optional.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRange {
    pub min: Option<f64>,
    pub max: Option<f64>,
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
