//! The validated, typed scenario model. Built once by `scenario::validate` from
//! the raw TOML mirror and then only borrowed: nothing downstream re-checks
//! ranges, so every invariant documented on a field holds here.
//!
//! One file per concept (`delay`, `traffic`, `versions`, `faults`,
//! `metrics`, `alarms`, `strategy`); this file holds the scenario and its
//! functions and re-exports every type, so `crate::model::X` names them all.

mod alarms;
mod delay;
mod faults;
mod judge;
mod kayenta;
mod metric_math;
pub(crate) mod metrics;
mod progressive;
mod strategy;
mod traffic;
mod versions;
mod workflow;

pub use alarms::{AlarmSpec, LowSampleCount};
pub use delay::{DelayDist, MAX_DELAY};
pub use faults::{Fault, FaultKind};
pub use judge::{
    JudgeKind, JudgeSpec, OnInconclusive, RequestGuard, SequentialMethod, SequentialSpec,
};
pub use kayenta::{KayentaMetric, KayentaQuery, KayentaSpec};
pub use metric_math::{Expr, Extreme, LogicOp};
pub use metrics::{
    CmpOp, FilterField, FilterPattern, LogFilter, MetricName, MetricStat, MetricsSettings, Scope,
    Statistic, TextField,
};
pub use progressive::{ArgoMetric, ArgoSpec, ArgoStep, FlaggerMetric, FlaggerSpec};
pub use strategy::{
    lattice_share_pct, ApiGwSpec, CanaryCarrier, CodeDeploySpec, Hook, LatticeChange, LatticeSpec,
    LinearCompletion, Operator, PollGuard, Promotion, RollbackFunction, StageCache, StepsSpec,
    StrategyKind, StrategySpec, TrafficShift, WeightStep,
};
pub use traffic::{Burst, Diurnal, PastEnd, Replay, Traffic};
pub use versions::{Failure, LatencyDist, VersionProfile};
pub use workflow::{RetryPolicy, Workflow, WorkflowStep};

use crate::sim::time::Micros;

/// A whole scenario after validation.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub seed: u64,
    pub replications: u32,
    /// Simulated time from deployment start to the end of each replication.
    pub horizon: Micros,
    /// The functions deployed together: one (named `main`) for a scenario
    /// without `[functions.NAME]` tables, else one per table in name order.
    pub functions: Vec<Function>,
    /// True when the scenario declared `[functions.NAME]` tables: results are
    /// then reported per function (`strategy/function`) and for the
    /// deployment as a whole (`strategy`).
    pub multi_function: bool,
    /// How the functions of one deployment fail together.
    pub deployment: DeploymentSettings,
    /// Ground truth used for false/missed rollback rates: some function's
    /// candidate is faulty.
    pub candidate_faulty: bool,
    pub metrics: MetricsSettings,
    /// Latency above which a successful request still counts as bad (ms).
    pub sla_ms: Option<f64>,
    /// Alarms in the order of their names (BTreeMap order of the TOML table).
    pub alarms: Vec<AlarmSpec>,
    /// `[judges.NAME]` in name order; watched-index `alarms.len() + i`.
    pub judges: Vec<JudgeSpec>,
    /// Strategies in the order of their names.
    pub strategies: Vec<StrategySpec>,
    /// The saga state machine calling the functions (`[workflow]`), if any.
    pub workflow: Option<Workflow>,
    /// How requests are sampled (a run option, not a scenario key).
    pub sampling: Sampling,
}

impl Scenario {
    /// The only function of a single-function scenario (the first otherwise).
    pub fn main_function(&self) -> &Function {
        &self.functions[0]
    }

    /// How many judges a world has: the alarms, then the `[judges]`.
    pub fn judge_count(&self) -> usize {
        self.alarms.len() + self.judges.len()
    }

    /// The name of judge `index` (an alarm, or `[judges]` entry
    /// `index - alarms.len()`), as strategies' `alarms` lists and outputs
    /// name it.
    pub fn judge_name(&self, index: usize) -> &str {
        match self.alarms.get(index) {
            Some(a) => &a.name,
            None => &self.judges[index - self.alarms.len()].name,
        }
    }

    /// The function judge `index` reads.
    pub fn judge_function(&self, index: usize) -> usize {
        match self.alarms.get(index) {
            Some(a) => a.function,
            None => self.judges[index - self.alarms.len()].function,
        }
    }

    /// The minimum-request guard of judge `index`.
    pub fn judge_guard(&self, index: usize) -> RequestGuard {
        match self.alarms.get(index) {
            Some(a) => a.guard,
            None => self.judges[index - self.alarms.len()].guard,
        }
    }

    /// Every judge's name in world order (alarms, then `[judges]`).
    pub fn judge_names(&self) -> Vec<String> {
        (0..self.judge_count())
            .map(|i| self.judge_name(i).to_string())
            .collect()
    }
}

/// One Lambda function of a deployment: its traffic, versions and faults.
#[derive(Debug, Clone, PartialEq)]
pub struct Function {
    /// `main` for a single-function scenario, else the `[functions.NAME]` key.
    pub name: String,
    pub traffic: Traffic,
    pub stable: VersionProfile,
    pub candidate: VersionProfile,
    /// Faults injected into the candidate. Empty means a healthy candidate.
    pub faults: Vec<Fault>,
    /// Ground truth of this function: `!faults.is_empty()`.
    pub candidate_faulty: bool,
    pub deploy: Deploy,
}

/// How a function's new version is released within a deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deploy {
    /// With the strategy being simulated (canary, steps, ...).
    Strategy,
    /// All traffic at t = 0, no hooks, no alarm watching — as compensation
    /// functions (cancel, refund) usually are; still rolled back with the
    /// stack.
    AllAtOnce,
}

/// Deployment-wide behaviour of a multi-function scenario.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DeploymentSettings {
    /// CloudFormation semantics (default): the first function whose
    /// deployment fails rolls back every other function too, after
    /// `stack_rollback_delay`. False: functions roll back independently.
    pub stack_rollback: bool,
    pub stack_rollback_delay: DelayDist,
}

impl Default for DeploymentSettings {
    fn default() -> Self {
        DeploymentSettings {
            stack_rollback: true,
            stack_rollback_delay: DelayDist::Fixed(Micros::ZERO),
        }
    }
}

/// The kernel's two sampling modes, which agree in distribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sampling {
    /// Every request drawn one by one.
    Exact,
    /// Counts and latency statistics drawn from their exact sampling
    /// distributions; cost independent of the request rate.
    #[default]
    Fast,
}

impl Sampling {
    pub fn name(self) -> &'static str {
        match self {
            Sampling::Exact => "exact",
            Sampling::Fast => "fast",
        }
    }
}
