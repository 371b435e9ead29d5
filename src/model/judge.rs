//! Judges beyond CloudWatch alarms (`[judges.NAME]`) and the
//! minimum-request guard every judge and every alarm may carry.
//!
//! A judge's name shares one namespace with the alarms: strategies list
//! both in `alarms = [...]`, and the world builds the judges after the
//! alarms, so judge `i` of `Scenario::judges` is watched-index
//! `Scenario::alarms.len() + i` ([`super::Scenario::judge_name`]).

use super::delay::DelayDist;
use super::kayenta::KayentaSpec;
use crate::sim::time::Micros;

/// A `[judges.NAME]` table after validation.
#[derive(Debug, Clone, PartialEq)]
pub struct JudgeSpec {
    pub name: String,
    /// Index into `Scenario::functions` of the function it judges.
    pub function: usize,
    pub guard: RequestGuard,
    pub kind: JudgeKind,
}

/// The kinds of `[judges.NAME]` (`kind = "..."`).
#[derive(Debug, Clone, PartialEq)]
pub enum JudgeKind {
    Sequential(SequentialSpec),
    /// Kayenta's canary analysis against a baseline pool.
    Kayenta(KayentaSpec),
}

impl JudgeKind {
    /// The `kind` value in scenario files.
    pub fn name(&self) -> &'static str {
        match self {
            JudgeKind::Sequential(_) => "sequential",
            JudgeKind::Kayenta(_) => "kayenta",
        }
    }
}

/// `kind = "sequential"`: the anytime-valid mixture test of the candidate's
/// error rate against the stable's (`crate::judge::sequential_rule`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SequentialSpec {
    /// Bound on the false-rollback probability over the whole deployment.
    pub alpha: f64,
    /// The smallest candidate/stable error-rate ratio worth detecting (> 1);
    /// the mixture's prior is centred on it.
    pub min_effect: f64,
    /// Time between looks (window length of the counts it reads).
    pub look_every: Micros,
    pub method: SequentialMethod,
}

/// How the sequential judge decides at each look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SequentialMethod {
    /// The mixture likelihood ratio against 1/alpha (anytime-valid).
    Mixture,
    /// A one-sided binomial test of the cumulative counts at level alpha at
    /// every look — the "peeking" rule whose false-rollback rate grows with
    /// the number of looks; for comparison only.
    FixedPerLook,
}

impl SequentialMethod {
    pub fn name(self) -> &'static str {
        match self {
            SequentialMethod::Mixture => "mixture",
            SequentialMethod::FixedPerLook => "fixed_per_look",
        }
    }
}

/// The minimum-request guard (`min_requests`, `on_inconclusive`): below
/// `min_requests` requests in the judged window a verdict is inconclusive,
/// and `on_inconclusive` says what the strategy does then.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RequestGuard {
    /// 0: no guard.
    pub min_requests: u64,
    pub on_inconclusive: OnInconclusive,
}

impl RequestGuard {
    pub fn active(&self) -> bool {
        self.min_requests > 0
    }
}

/// What an inconclusive (guarded) verdict does to the deployment.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum OnInconclusive {
    /// Counts as healthy: the deployment goes on as planned.
    #[default]
    Pass,
    /// Holds the next traffic shift (and completion) while inconclusive;
    /// resumes at the first conclusive verdict.
    Wait,
    /// Holds, and an operator resumes the deployment after this review
    /// delay (counted from the first inconclusive hold).
    Pause(DelayDist),
}

impl OnInconclusive {
    pub fn name(&self) -> &'static str {
        match self {
            OnInconclusive::Pass => "pass",
            OnInconclusive::Wait => "wait",
            OnInconclusive::Pause(_) => "pause",
        }
    }

    /// Whether it holds the deployment while inconclusive.
    pub fn holds(&self) -> bool {
        !matches!(self, OnInconclusive::Pass)
    }
}
