//! Judges: the seam through which a deployment strategy learns whether the
//! candidate looks healthy, failing or inconclusive.
//!
//! A judge reads the metric windows the world closes (the per-slot
//! accumulators of [`crate::metrics`]), decides at its own cadence, and
//! reports verdict changes; strategies see only [`Verdict`]s and judge
//! names (through [`crate::strategy::Control`]), never metrics. The world
//! knows judges only through the [`Judge`] trait, so a new kind of analysis
//! (Argo Rollouts, Flagger, Kayenta, a sequential test) is one more file
//! here plus its scenario keys.
//!
//! The first judge is the CloudWatch metric alarm ([`cloudwatch`]): its
//! run-time state (datapoint history, sliding windows, evaluation cadence)
//! lives there, and the pure evaluator [`crate::alarm`] beneath it decides
//! each next state.

pub mod argo_rules;
pub mod cloudwatch;
pub mod condition;
pub mod flagger_rules;
pub mod kayenta;
pub mod prometheus;
pub mod sequential;
pub mod sequential_replay;
pub mod sequential_rule;

use crate::alarm::AlarmState;
use crate::metrics::{Acc, DatapointCalc, SLOTS};
use crate::model::LogFilter;
use crate::sim::time::{secs, Micros};

/// What a judge currently says about the candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The measurements are within bounds (CloudWatch `OK`).
    Healthy,
    /// The measurements breach (CloudWatch `ALARM`): act on it.
    Failing,
    /// Not enough data to tell (CloudWatch `INSUFFICIENT_DATA`).
    Inconclusive,
}

impl From<AlarmState> for Verdict {
    fn from(state: AlarmState) -> Verdict {
        match state {
            AlarmState::Ok => Verdict::Healthy,
            AlarmState::Alarm => Verdict::Failing,
            AlarmState::InsufficientData => Verdict::Inconclusive,
        }
    }
}

/// The measurements of one closed metric window, handed to the judges that
/// read it.
pub struct ClosedWindow<'m> {
    /// Index of the window set in the world (see `world::windows`).
    pub index: usize,
    /// Per metric slot (`metrics::STABLE` … `CANDIDATE_HIT`).
    pub accs: &'m [Acc; SLOTS],
    pub filters: &'m [LogFilter],
}

/// One judge of one function's world.
pub trait Judge {
    /// Its name, as triggers and outputs show it.
    fn name(&self) -> &str;
    /// How often it decides; `None` when it reads nothing of this function.
    fn evaluation_interval(&self) -> Option<Micros>;
    /// Takes in a window that closed at `now`, if it reads that window.
    fn observe(&mut self, now: Micros, window: &ClosedWindow<'_>, calc: &mut DatapointCalc);
    /// Decides at `now` (called at every tick of the finest cadence of the
    /// world's judges; a judge ignores ticks that are not its own). Returns
    /// its new state when it changed.
    fn evaluate(&mut self, now: Micros) -> Option<AlarmState>;
    /// Its current state in CloudWatch's terms (what outputs print).
    fn state(&self) -> AlarmState;
    /// The value it measured in a window that closed exactly at `now`.
    fn value_closed_at(&self, now: Micros) -> Option<f64>;
    /// Its current verdict.
    fn verdict(&self) -> Verdict {
        self.state().into()
    }
    /// Whether its minimum-request guard (`min_requests`) makes it
    /// inconclusive now (a plain INSUFFICIENT_DATA does not count).
    fn guard_inconclusive(&self) -> bool {
        false
    }
    /// Its current decision in its own words, for events.csv's `detail`
    /// (after `NAME=STATE`); empty: nothing to add.
    fn describe(&self) -> String {
        String::new()
    }
}

/// The judges of one function's world, in scenario order (an index is the
/// one strategies and outputs use).
pub struct Judges<'a> {
    judges: Vec<Box<dyn Judge + 'a>>,
}

impl<'a> Judges<'a> {
    pub fn new(judges: Vec<Box<dyn Judge + 'a>>) -> Self {
        Judges { judges }
    }

    /// The cadence of the active judges, if any is active: the greatest
    /// common divisor of their intervals (the finest one when they divide
    /// each other, as CloudWatch's 10 s and 60 s do), so that every
    /// judge's own ticks fall on the world's.
    pub fn tick(&self) -> Option<Micros> {
        self.judges
            .iter()
            .filter_map(|j| j.evaluation_interval())
            .reduce(Micros::gcd)
    }

    /// The tick to schedule after `now` (60 s without active judges, which
    /// then never schedule one in the first place).
    pub fn next_tick(&self, now: Micros) -> Micros {
        now + self.tick().unwrap_or(secs(60))
    }

    /// Hands a closed window to every judge.
    pub fn observe(&mut self, now: Micros, window: &ClosedWindow<'_>, calc: &mut DatapointCalc) {
        for j in &mut self.judges {
            j.observe(now, window, calc);
        }
    }

    /// Lets every judge decide at `now`; pushes (index, new state) of each
    /// change onto `changes`, in judge order.
    pub fn evaluate(&mut self, now: Micros, changes: &mut Vec<(usize, AlarmState)>) {
        for (i, j) in self.judges.iter_mut().enumerate() {
            if let Some(state) = j.evaluate(now) {
                changes.push((i, state));
            }
        }
    }

    pub fn get(&self, index: usize) -> &dyn Judge {
        self.judges[index].as_ref()
    }

    pub fn iter(&self) -> impl Iterator<Item = &(dyn Judge + 'a)> {
        self.judges.iter().map(|j| j.as_ref())
    }

    /// The first of `watched` whose verdict is failing.
    pub fn first_failing(&self, watched: &[usize]) -> Option<usize> {
        watched
            .iter()
            .copied()
            .find(|&i| self.judges[i].verdict() == Verdict::Failing)
    }
}
