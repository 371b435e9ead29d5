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
}

impl StrategyKind {
    /// The `kind` value in scenario files.
    pub fn name(&self) -> &'static str {
        match self {
            StrategyKind::CodeDeploy(_) => "codedeploy",
            StrategyKind::ApiGwCanary(_) => "apigw_canary",
            StrategyKind::Lattice(_) => "lattice",
            StrategyKind::Steps(_) => "steps",
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
/// CodeDeploy, API Gateway canary and step-plan kinds.
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
#[derive(Debug, Clone, PartialEq)]
pub struct ApiGwSpec {
    /// canarySettings.percentTraffic, in [0, 100].
    pub percent_traffic: f64,
    /// Operator review time from canary creation to promotion (100 %);
    /// `None`: never promoted, the canary runs until the horizon.
    pub review_time: Option<DelayDist>,
    /// Automated alarm watching (the alarms of `StrategySpec::alarms`).
    pub guard: PollGuard,
    /// A human who notices a faulty canary and rolls it back.
    pub operator: Option<Operator>,
    pub cache: Option<StageCache>,
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
    /// Alarm state change → SNS delivery to the rollback function.
    pub sns_delay: DelayDist,
    /// Run time of the rollback function up to its listener update.
    pub function_duration: DelayDist,
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
