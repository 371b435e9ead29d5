//! Per-replication results: the rows of `runs.csv` and `timeline.csv`.

use crate::alarm::AlarmState;

/// How one simulated deployment ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    RolledBack,
    /// An alarm stopped a deployment without rollback: weights froze.
    Stopped,
    Completed,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Outcome::RolledBack => "rolled_back",
            Outcome::Stopped => "stopped",
            Outcome::Completed => "completed",
        }
    }
}

/// One replication of one strategy.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    pub strategy: String,
    pub replication: u32,
    /// The seed of this replication's random stream.
    pub seed: u64,
    pub candidate_faulty: bool,
    pub outcome: Outcome,
    /// What triggered the rollback: an alarm name, `pre_traffic_hook`,
    /// `post_traffic_hook`, `operator` (API Gateway canary) or
    /// `stack_rollback:FUNCTION` (another function of the deployment failed);
    /// for a multi-function deployment as a whole, `FUNCTION:TRIGGER` of the
    /// first function that failed. Empty when the deployment completed.
    pub trigger: String,
    /// Seconds from deployment start to the moment the deployment saw the
    /// alarm (or the hook failed) that triggered the rollback.
    pub detection_s: Option<f64>,
    /// Seconds from deployment start until all traffic was back on stable.
    pub rollback_s: Option<f64>,
    /// Seconds from deployment start until the deployment ended (completed,
    /// or rollback finished).
    pub deploy_s: f64,
    /// Requests served by the candidate until the horizon.
    pub candidate_requests: u64,
    /// Candidate requests that failed or breached the latency SLA.
    pub bad_requests: u64,
    /// Of `bad_requests`, those the fault caused: requests the candidate's
    /// baseline (its version without faults) would have served well. Zero
    /// for a healthy candidate by construction.
    pub excess_bad_requests: u64,
    /// Of `bad_requests`, those served until the deployment ended
    /// (completion, or rollback complete; the horizon if neither).
    pub bad_requests_during_deploy: u64,
    /// Of `bad_requests`, those served after the deployment ended, until
    /// the horizon: `during + after = bad_requests`.
    pub bad_requests_after_deploy: u64,
    /// Failed requests of both versions.
    pub errors_total: u64,
    /// All requests of both versions.
    pub requests_total: u64,
}

/// One metric period of one replication (replication 0 of each strategy).
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineRow {
    pub strategy: String,
    pub period_start_s: f64,
    /// Candidate traffic weight at the end of the period, in percent.
    pub candidate_weight_pct: f64,
    pub stable_requests: u64,
    pub stable_errors: u64,
    pub candidate_requests: u64,
    pub candidate_errors: u64,
    /// Per scenario alarm: the datapoint of this period (if any) and the alarm
    /// state after the last evaluation within the period.
    pub alarms: Vec<(Option<f64>, AlarmState)>,
}

/// A discrete happening in a replication, for timelines and plots.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineEvent {
    pub strategy: String,
    pub time_s: f64,
    /// e.g. `weight`, `pre_traffic_hook_passed`, `detected`,
    /// `rollback_start`, `rollback_complete`, `completed`, `stopped`,
    /// `alarm_state`, `promoted` (API Gateway), `weight_update_issued`,
    /// `sns_delivered`, `rollback_function_done` (VPC Lattice).
    pub event: String,
    pub detail: String,
}
