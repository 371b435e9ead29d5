//! The deployment strategies to simulate: what every kind shares (alarms,
//! hooks), each kind's spec (CodeDeploy, API Gateway canary, VPC Lattice,
//! custom steps) and the pieces those specs are made of. The runtime of
//! each kind lives in `crate::strategy`.

use super::delay::DelayDist;
use super::faults::FaultKind;
use crate::sim::time::Micros;

/// A deployment strategy to simulate.
#[derive(Debug, Clone, PartialEq)]
pub struct StrategySpec {
    pub name: String,
    pub kind: StrategyKind,
    /// Indices into `Scenario::alarms` that this strategy watches (in a
    /// multi-function scenario each function watches those of its own).
    pub alarms: Vec<usize>,
    /// Validation before the first traffic reaches the candidate (SAM
    /// PreTraffic / BeforeAllowTraffic, or a pipeline test stage).
    pub pre_traffic_hook: Option<Hook>,
    /// Validation once the rollout is complete (SAM PostTraffic /
    /// AfterAllowTraffic); alarms are still watched while it runs.
    pub post_traffic_hook: Option<Hook>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StrategyKind {
    CodeDeploy(CodeDeploySpec),
    ApiGwCanary(ApiGwSpec),
    Lattice(LatticeSpec),
    Steps(StepsSpec),
    Argo(super::progressive::ArgoSpec),
    Flagger(super::progressive::FlaggerSpec),
}

impl StrategyKind {
    /// The `kind` value in scenario files.
    pub fn name(&self) -> &'static str {
        match self {
            StrategyKind::CodeDeploy(_) => "codedeploy",
            StrategyKind::ApiGwCanary(_) => "apigw_canary",
            StrategyKind::Lattice(_) => "lattice",
            StrategyKind::Steps(_) => "steps",
            StrategyKind::Argo(_) => "argo",
            StrategyKind::Flagger(_) => "flagger",
        }
    }

    /// The API Gateway stage cache, for the kinds that have one.
    pub fn stage_cache(&self) -> Option<&StageCache> {
        match self {
            StrategyKind::ApiGwCanary(a) => a.cache.as_ref(),
            _ => None,
        }
    }
}

/// Alarm polling and rollback as CodeDeploy does it; shared by the
/// CodeDeploy and step-plan kinds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PollGuard {
    /// Whether a problem rolls back (true) or only stops and freezes weights.
    pub rollback: bool,
    /// From the stop decision until all traffic is on stable.
    pub rollback_latency: Micros,
    /// How often the watched alarms' states are read.
    pub poll_interval: Micros,
}

/// AWS CodeDeploy traffic shifting for a Lambda alias.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeDeploySpec {
    pub shift: TrafficShift,
    /// The AWS configuration name, or a generated one for custom shapes.
    pub config_name: String,
    pub guard: PollGuard,
    pub linear_completion: LinearCompletion,
}

/// An API Gateway REST API canary release (reference §3): a fixed
/// `percentTraffic` on the canary deployment until an operator promotes it.
/// API Gateway itself watches no alarm: a stage alarm acts only through its
/// alarm action (SNS → a rollback function → `update-stage`), or through a
/// person (`operator`).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiGwSpec {
    /// canarySettings.percentTraffic, in [0, 100].
    pub percent_traffic: f64,
    /// Operator review time from canary creation to promotion;
    /// `None`: never promoted, the canary runs until the horizon.
    pub review_time: Option<DelayDist>,
    /// What the promotion updates (the console's three check boxes).
    pub promotion: Promotion,
    /// What sends the canary's requests to the new version.
    pub new_version_via: CanaryCarrier,
    /// canarySettings.stageVariableOverrides, by name (they only matter
    /// through `new_version_via`).
    pub stage_variable_overrides: Vec<(String, String)>,
    /// False: no rollback function subscribed to the alarms; a problem
    /// only stops the deployment (weights freeze).
    pub rollback: bool,
    /// The alarm action's path to the `update-stage` call.
    pub function: RollbackFunction,
    /// From an `update-stage` call (canary creation, promotion, rollback)
    /// until the stage routes by it.
    pub propagation_delay: DelayDist,
    /// A human who notices a faulty canary and rolls it back.
    pub operator: Option<Operator>,
    pub cache: Option<StageCache>,
}

impl ApiGwSpec {
    /// The candidate's traffic share in percent once the promotion took
    /// effect: 100 when production now serves the new version (the
    /// promoted part is the one carrying it), else what the canary still
    /// gets (0 after "set the canary to 0 %": all traffic on the old
    /// deployment).
    pub fn promoted_share(&self) -> f64 {
        let production_new = match self.new_version_via {
            CanaryCarrier::Deployment => self.promotion.deployment,
            CanaryCarrier::StageVariables => self.promotion.stage_variables,
        };
        if production_new {
            100.0
        } else if self.promotion.canary_to_zero {
            0.0
        } else {
            self.percent_traffic
        }
    }
}

/// The promotion options of an API Gateway canary (the console's "Promote
/// canary" check boxes; the API's promotion does all three, reference §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Promotion {
    /// "Update stage with the canary's deployment": the stage's
    /// deploymentId becomes the canary's.
    pub deployment: bool,
    /// "Update stage variables with the canary's": the overrides become the
    /// stage's variables.
    pub stage_variables: bool,
    /// "Set the canary percentage to 0.0 %".
    pub canary_to_zero: bool,
}

/// What makes a canary request reach the new version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CanaryCarrier {
    /// The canary's deployment (a new integration deployed to the canary,
    /// as in seed 001).
    Deployment,
    /// The canary's stage-variable overrides (e.g. an integration on
    /// `fn:${stageVariables.alias}`).
    StageVariables,
}

/// The path of a CloudWatch alarm action to a rollback (reference §1.13,
/// §5): the alarm's transition into ALARM publishes to SNS, SNS invokes a
/// rollback function, the function updates the routing (a Lattice
/// listener, an API Gateway stage). VPC Lattice and API Gateway share it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RollbackFunction {
    /// Alarm state change → SNS delivery to the rollback function.
    pub sns_delay: DelayDist,
    /// Run time of the rollback function up to its update call.
    pub function_duration: DelayDist,
}

/// An operator watching a canary by hand.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Operator {
    /// From the moment a fault first affects the canary until the operator
    /// decides to roll back.
    pub detection_delay: DelayDist,
    /// Probability that the operator notices a faulty canary at all.
    pub notice_probability: f64,
}

/// API Gateway stage cache: a hit answers fast and never fails.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StageCache {
    /// Hit ratio of the (warm) production cache, in [0, 1).
    pub hit_ratio: f64,
    /// Latency of a hit in ms (> 0).
    pub hit_latency_ms: f64,
    /// The canary's cache starts cold: its hit ratio rises linearly from 0
    /// to `hit_ratio` over this time from the canary's first request.
    pub warmup: Micros,
}

/// VPC Lattice weighted target groups with an alarm → SNS → rollback
/// function path (reference §4, §5).
#[derive(Debug, Clone, PartialEq)]
pub struct LatticeSpec {
    /// Initial listener weights `[stable, candidate]`, integers 0–999.
    pub weights: [u32; 2],
    /// Later weight changes, offsets from t0 (after the pre-traffic hook),
    /// strictly increasing and > 0.
    pub schedule: Vec<LatticeChange>,
    /// Completion after the last change took effect: `Some(bake)`, or `None`
    /// when a split is left in place (never completes; armed until the
    /// horizon).
    pub bake: Option<Micros>,
    /// Data-plane propagation of every weight change, rollback included.
    pub propagation_delay: DelayDist,
    /// The alarm action's path to the listener update.
    pub function: RollbackFunction,
    /// False: no rollback function; a problem stops the schedule and the
    /// weights freeze (outcome `stopped`).
    pub rollback: bool,
}

/// One scheduled listener update.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatticeChange {
    pub after: Micros,
    pub weights: [u32; 2],
}

/// Candidate share in percent of Lattice weights `[stable, candidate]`:
/// 100·w_c/(w_s + w_c) (the sum is > 0 by validation).
pub fn lattice_share_pct(weights: [u32; 2]) -> f64 {
    let [s, c] = weights;
    100.0 * f64::from(c) / f64::from(s + c)
}

/// A custom step plan: weights with bake times.
#[derive(Debug, Clone, PartialEq)]
pub struct StepsSpec {
    /// Strictly increasing weights ending at 100; each held for its bake
    /// (the last one's bake is the bake after 100 %, alarms still watched).
    pub steps: Vec<WeightStep>,
    pub guard: PollGuard,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeightStep {
    /// Candidate share in percent, in (0, 100].
    pub weight_pct: f64,
    pub bake: Micros,
}

/// The shape of a CodeDeploy traffic shift.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrafficShift {
    AllAtOnce,
    /// `percentage` % at t0, 100 % at t0 + interval.
    Canary {
        percentage: u32,
        interval: Micros,
    },
    /// min(100, (k+1)·percentage) % at t0 + k·interval.
    Linear {
        percentage: u32,
        interval: Micros,
    },
}

/// AWS texts disagree on when Linear completes (reference §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinearCompletion {
    /// Model A: 100 % at (ceil(100/P) − 1)·I (90 min for 10 %/10 min).
    LastShift,
    /// Model B: complete one interval later, at ceil(100/P)·I (100 min).
    ExtraInterval,
}

/// A pre- or post-traffic validation hook.
#[derive(Debug, Clone, PartialEq)]
pub struct Hook {
    pub duration: Micros,
    /// Probability of catching each fault kind present in the candidate,
    /// indexed like `FaultKind::ALL`.
    pub catch_probability: [f64; 5],
    /// Probability that the hook fails for no reason (flaky test).
    pub flaky_probability: f64,
}

impl Hook {
    pub fn catch_probability(&self, kind: FaultKind) -> f64 {
        let index = FaultKind::ALL
            .iter()
            .position(|k| *k == kind)
            .expect("FaultKind::ALL lists every kind");
        self.catch_probability[index]
    }
}
