//! The specs of the progressive-delivery controllers canarysim simulates:
//! Argo Rollouts canary steps with their AnalysisTemplate metrics
//! (`kind = "argo"`) and Flagger's analysis (`kind = "flagger"`). Their
//! rules live in `crate::judge::{argo_rules, flagger_rules}`, their
//! queries in `crate::judge::prometheus`, their runtimes in
//! `crate::strategy::{argo, flagger}`.

use super::delay::DelayDist;
use crate::judge::argo_rules::Limits;
use crate::judge::condition::Cond;
use crate::judge::flagger_rules::Progression;
use crate::judge::prometheus::Query;
use crate::sim::time::Micros;

/// One Argo canary step.
#[derive(Debug, Clone, PartialEq)]
pub enum ArgoStep {
    /// `setWeight`: the canary's traffic share in percent.
    SetWeight(f64),
    /// `pause: {duration}`.
    Pause(Micros),
    /// `pause: {}`: wait for a promotion (after `review_time`).
    PauseUntilPromoted,
    /// An inline `analysis` of these metrics (indices into `metrics`);
    /// the rollout waits for its run to complete.
    Analysis(Vec<usize>),
}

/// An AnalysisTemplate metric, inline.
#[derive(Debug, Clone, PartialEq)]
pub struct ArgoMetric {
    pub name: String,
    pub query: Query,
    /// The query's range `[window]`.
    pub window: Micros,
    /// Between measurements; `None`: one measurement (or `count`).
    pub interval: Option<Micros>,
    pub initial_delay: Micros,
    pub success: Option<Cond>,
    pub failure: Option<Cond>,
    /// The texts of the conditions, for the plan.
    pub success_text: Option<String>,
    pub failure_text: Option<String>,
    /// Limits with the effective count.
    pub limits: Limits,
    pub dry_run: bool,
}

/// Argo Rollouts canary strategy (`kind = "argo"`).
#[derive(Debug, Clone, PartialEq)]
pub struct ArgoSpec {
    pub steps: Vec<ArgoStep>,
    pub metrics: Vec<ArgoMetric>,
    /// Background analysis metrics (`strategy.canary.analysis`).
    pub background: Vec<usize>,
    /// The step index at which background analysis starts.
    pub starting_step: usize,
    pub scrape_interval: Micros,
    /// Time to `promote` a `pause: {}` step or a rollout paused by an
    /// Inconclusive run; `None`: never.
    pub review_time: Option<DelayDist>,
    /// From the abort to the canary weight at 0.
    pub abort_latency: Micros,
    /// Probability that a measurement's query fails (an Error measurement).
    pub query_error_probability: f64,
}

/// A Flagger metric check.
#[derive(Debug, Clone, PartialEq)]
pub struct FlaggerMetric {
    pub name: String,
    pub query: Query,
    /// The metric's `interval`: its query's range.
    pub window: Micros,
    /// `thresholdRange`, bounds inclusive.
    pub min: Option<f64>,
    pub max: Option<f64>,
}

/// Flagger's canary analysis (`kind = "flagger"`).
#[derive(Debug, Clone, PartialEq)]
pub struct FlaggerSpec {
    /// `analysis.interval` (≥ 10 s).
    pub interval: Micros,
    /// `analysis.threshold` (≥ 1).
    pub threshold: u32,
    pub progression: Progression,
    pub metrics: Vec<FlaggerMetric>,
    pub scrape_interval: Micros,
    /// The `confirm-promotion` gate opens this long after it is first
    /// reached; `None`: no gate.
    pub confirm_promotion: Option<DelayDist>,
    /// From the rollback decision to the canary weight at 0.
    pub rollback_latency: Micros,
}
