//! The raw serde mirror of a scenario file. Every struct rejects unknown keys;
//! ranges, cross-references and defaults are checked in `validate`. The doc
//! comments here are the reference for the scenario format.
//!
//! Durations are strings such as `"90s"`, `"5m"`, `"1.5h"`, `"250ms"`, `"2d"`
//! or `"1h30m"` (units us, ms, s, m, h, d). Probabilities are numbers in
//! [0, 1]; NaN and infinities are rejected everywhere.
//!
//! One file per concept (`traffic`, `versions`, `faults`, `metrics`,
//! `alarms`, `strategy`, `delay`); this file holds the top-level tables and
//! re-exports every type, so `scenario::raw::X` names them all.

mod alarms;
mod delay;
mod faults;
mod judges;
mod kayenta;
mod metrics;
mod strategy;
mod traffic;
mod versions;
mod workflow;

pub use alarms::RawAlarm;
pub use delay::RawDelay;
pub use faults::RawFault;
pub use judges::RawJudge;
pub use kayenta::{RawEffectSize, RawKayentaMetric};
pub use metrics::{RawFilter, RawMetrics};
pub use strategy::{
    RawAnalysisMetric, RawCache, RawCatch, RawEmpty, RawHook, RawLatticeChange, RawOperator,
    RawPause, RawRange, RawStep, RawStrategy,
};
pub use traffic::{RawBurst, RawDiurnal, RawPastEnd, RawStartAt, RawTraffic};
pub use versions::{RawFailure, RawHandledFailure, RawLatency, RawVersion, RawVersions};
pub use workflow::{RawWorkflow, RawWorkflowStep};

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
    /// Judges beyond CloudWatch alarms (`[judges.NAME]`, e.g. `kind =
    /// "sequential"`); NAME must differ from every alarm's. Zero or more.
    #[serde(default)]
    pub judges: BTreeMap<String, RawJudge>,
    /// Deployment strategies to compare, one table per strategy
    /// (`[strategies.NAME]`). At least one is required.
    #[serde(default)]
    pub strategies: BTreeMap<String, RawStrategy>,
    /// Optional saga state machine calling the functions (`[workflow]`).
    pub workflow: Option<RawWorkflow>,
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

/// `[slo]`: what counts as a bad request besides a failure.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSlo {
    /// A successful candidate request slower than this many ms (> 0) counts
    /// as bad. Default: none (only failures are bad).
    pub latency_ms: Option<f64>,
}
