//! Deployment strategies. A strategy is a small state machine driven by timer
//! callbacks; it reads alarm states and hook outcomes through [`Control`] and
//! answers with weight changes, detections and rollbacks. It knows nothing of
//! requests or metrics.

pub mod codedeploy;

use crate::model::{Hook, StrategyKind, StrategySpec};
use crate::record::Outcome;
use crate::time::Micros;

/// What a strategy may do and see at the moment of a callback. The engine
/// implements it; tests implement it with a script.
pub trait Control {
    fn now(&self) -> Micros;
    /// Calls `Strategy::on_timer(token)` at `at` (≥ now).
    fn schedule(&mut self, at: Micros, token: u32);
    /// Like `schedule`, for alarm polls: at equal times a poll runs after
    /// alarm evaluations and before every other strategy timer.
    fn schedule_poll(&mut self, at: Micros, token: u32);
    /// Sets the candidate's traffic share in percent (0–100).
    fn set_candidate_weight(&mut self, pct: f64);
    /// The first watched alarm (scenario index) currently in ALARM.
    fn alarm_firing(&self, watched: &[usize]) -> Option<usize>;
    /// The scenario name of alarm `index`.
    fn alarm_name(&self, index: usize) -> String;
    /// Runs a validation hook's verdict: true if it failed.
    fn hook_fails(&mut self, hook: &Hook) -> bool;
    /// The deployment saw a problem (an alarm name or a hook name).
    fn detected(&mut self, trigger: &str);
    /// All traffic is back on stable.
    fn rollback_complete(&mut self);
    /// The deployment ended; nothing watches any more.
    fn finish(&mut self, outcome: Outcome);
    /// A marker for the timeline (`event`, `detail`).
    fn note(&mut self, event: &str, detail: &str);
}

/// A deployment system's behaviour over one replication.
pub trait Strategy {
    fn start(&mut self, ctl: &mut dyn Control);
    fn on_timer(&mut self, token: u32, ctl: &mut dyn Control);
}

/// Builds the runtime state machine for a strategy spec.
pub fn build(spec: &StrategySpec) -> Box<dyn Strategy + '_> {
    match &spec.kind {
        StrategyKind::CodeDeploy(cd) => Box::new(codedeploy::CodeDeploy::new(cd, &spec.alarms)),
    }
}
