//! Per-replication results: the rows of `runs.csv` and `timeline.csv`.
//!
//! [`Trigger`] and [`EventKind`] are enums whose `Display` is exactly the
//! text in `runs.csv` / `events.csv`, and whose `FromStr` parses it back;
//! serde goes through those strings, so serializing a [`RunRecord`] or a
//! [`TimelineEvent`] with the `csv` crate gives the same cells as the
//! hand-written writers in `report::csv`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::alarm::AlarmState;

/// How one simulated deployment ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A string that is not a known [`Trigger`] or [`EventKind`] spelling.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} `{text}`")]
pub struct ParseNameError {
    pub what: &'static str,
    pub text: String,
}

/// What triggered a rollback (or a stop) of one deployment.
///
/// Text forms (`Display` / `FromStr`): the alarm's name, `pre_traffic_hook`,
/// `post_traffic_hook`, `operator` (API Gateway canary),
/// `stack_rollback:FUNCTION` (another function of the deployment failed);
/// for a multi-function deployment as a whole `FUNCTION:TRIGGER` of the
/// first function that failed; empty when nothing did.
///
/// Parsing is unambiguous for the names the simulator produces, except
/// that an alarm named like a keyword (`operator`, …) or containing `:`
/// (alarm names are free-form TOML keys) reads back as that keyword or as
/// `FUNCTION:TRIGGER`; the text itself round-trips either way.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Trigger {
    /// Nothing triggered a rollback (the deployment completed).
    #[default]
    None,
    /// A watched alarm, by its scenario name.
    Alarm(String),
    PreTrafficHook,
    PostTrafficHook,
    /// A human operator (API Gateway canary).
    Operator,
    /// A stack rollback caused by this other function's failure.
    StackRollback(String),
    /// A multi-function deployment as a whole: the first function that
    /// failed, and its trigger.
    Function {
        function: String,
        trigger: Box<Trigger>,
    },
}

impl Trigger {
    pub fn is_none(&self) -> bool {
        *self == Trigger::None
    }
}

impl fmt::Display for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Trigger::None => Ok(()),
            Trigger::Alarm(name) => f.write_str(name),
            Trigger::PreTrafficHook => f.write_str("pre_traffic_hook"),
            Trigger::PostTrafficHook => f.write_str("post_traffic_hook"),
            Trigger::Operator => f.write_str("operator"),
            Trigger::StackRollback(function) => write!(f, "stack_rollback:{function}"),
            Trigger::Function { function, trigger } => write!(f, "{function}:{trigger}"),
        }
    }
}

impl FromStr for Trigger {
    type Err = ParseNameError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "" => Trigger::None,
            "pre_traffic_hook" => Trigger::PreTrafficHook,
            "post_traffic_hook" => Trigger::PostTrafficHook,
            "operator" => Trigger::Operator,
            _ => {
                if let Some(function) = s.strip_prefix("stack_rollback:") {
                    Trigger::StackRollback(function.to_owned())
                } else if let Some((function, rest)) = s.split_once(':') {
                    Trigger::Function {
                        function: function.to_owned(),
                        trigger: Box::new(rest.parse()?),
                    }
                } else {
                    Trigger::Alarm(s.to_owned())
                }
            }
        })
    }
}

impl From<Trigger> for String {
    fn from(t: Trigger) -> String {
        t.to_string()
    }
}

impl TryFrom<String> for Trigger {
    type Error = ParseNameError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// Defines a fieldless enum with one text spelling per variant, `Display`,
/// `FromStr` and serde through that spelling.
macro_rules! named_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(into = "String", try_from = "String")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            pub fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }

        impl FromStr for $name {
            type Err = ParseNameError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(ParseNameError { what: $what, text: s.to_owned() }),
                }
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.name().to_owned()
            }
        }

        impl TryFrom<String> for $name {
            type Error = ParseNameError;

            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }
    };
}

named_enum! {
    /// The kind of a [`TimelineEvent`] (the `event` column of `events.csv`).
    EventKind, "event" {
        /// The candidate's weight changed (detail: the new percentage).
        Weight = "weight",
        PreTrafficHookStart = "pre_traffic_hook_start",
        PreTrafficHookPassed = "pre_traffic_hook_passed",
        PostTrafficHookStart = "post_traffic_hook_start",
        PostTrafficHookPassed = "post_traffic_hook_passed",
        /// The deployment saw a problem (detail: the trigger).
        Detected = "detected",
        /// Detail: the trigger.
        RollbackStart = "rollback_start",
        RollbackComplete = "rollback_complete",
        /// Detail: the plan's label (e.g. the CodeDeploy config name).
        Completed = "completed",
        /// Detail: the trigger.
        Stopped = "stopped",
        /// Detail: `ALARM_NAME=STATE`.
        AlarmState = "alarm_state",
        /// API Gateway: the canary was promoted (detail `canary 0%` when the
        /// promotion left all traffic on the old deployment).
        Promoted = "promoted",
        /// VPC Lattice / API Gateway: a listener or stage update was issued
        /// (detail: the percentage).
        WeightUpdateIssued = "weight_update_issued",
        /// VPC Lattice / API Gateway: the alarm's SNS notification reached
        /// the rollback function.
        SnsDelivered = "sns_delivered",
        /// VPC Lattice / API Gateway: the rollback function finished.
        RollbackFunctionDone = "rollback_function_done",
        /// VPC Lattice / API Gateway: a rollback's listener or stage update
        /// propagated.
        WeightsPropagated = "weights_propagated",
        /// A one-stage rollback's stage (an alias or stage update).
        Rollback = "rollback",
        /// A watched judge's minimum-request guard is inconclusive and
        /// holds the next shift or completion (detail: the judge and
        /// `wait` or `pause`).
        Held = "held",
        /// The hold ended (detail: `conclusive` or `operator`).
        Resumed = "resumed",
        /// An Argo Rollouts measurement or a Flagger check, in the
        /// controller's words (detail, e.g. `argo/error-rate: measurement 3
        /// Failed (…; failed 1 > failureLimit 0) → Failed`, `flagger: failed
        /// checks 2 of 3 (…)`).
        Analysis = "analysis",
    }
}

/// One replication of one strategy: a row of `runs.csv` (fields in column
/// order; serde spells `None` as an empty cell).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub strategy: String,
    pub replication: u32,
    /// The seed of this replication's random stream.
    pub seed: u64,
    pub candidate_faulty: bool,
    pub outcome: Outcome,
    /// What triggered the rollback (see [`Trigger`]); `Trigger::None`
    /// (an empty cell) when the deployment completed.
    pub trigger: Trigger,
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
    /// The alarms in ALARM at deployment start (t = 0, after the alarms'
    /// warm-up, `[metrics] warmup`), `;`-joined in scenario order (function
    /// order, then scenario order, for a multi-function deployment as a
    /// whole); empty when none was (always so with `warmup = "0s"`).
    pub alarms_at_start: String,
    /// The deployment as a whole of a scenario with a `[workflow]`: what
    /// happened to its sagas; `None` otherwise (and per function). Written
    /// as trailing `runs.csv` columns only when some run has it.
    #[serde(skip)]
    pub sagas: Option<SagaRecord>,
}

/// The sagas of one replication, counted until the horizon (sagas still
/// in flight then are neither completed nor failed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SagaRecord {
    /// Sagas started before the horizon.
    pub started: u64,
    /// Sagas that did not complete: a forward step failed (a function
    /// error, or a Lambda service exception on every attempt).
    pub failed: u64,
    /// Failed sagas whose compensation failed too: left inconsistent.
    pub inconsistent: u64,
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

/// A discrete happening in a replication, for timelines and plots: a row
/// of `events.csv`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineEvent {
    pub strategy: String,
    pub time_s: f64,
    pub event: EventKind,
    pub detail: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triggers_print_and_parse_as_in_runs_csv() {
        let cases = [
            (Trigger::None, ""),
            (Trigger::Alarm("errors".into()), "errors"),
            (Trigger::PreTrafficHook, "pre_traffic_hook"),
            (Trigger::PostTrafficHook, "post_traffic_hook"),
            (Trigger::Operator, "operator"),
            (Trigger::StackRollback("pay".into()), "stack_rollback:pay"),
            (
                Trigger::Function {
                    function: "pay".into(),
                    trigger: Box::new(Trigger::Alarm("payment_errors".into())),
                },
                "pay:payment_errors",
            ),
            (
                Trigger::Function {
                    function: "ship".into(),
                    trigger: Box::new(Trigger::StackRollback("pay".into())),
                },
                "ship:stack_rollback:pay",
            ),
            (
                Trigger::Function {
                    function: "pay".into(),
                    trigger: Box::new(Trigger::PostTrafficHook),
                },
                "pay:post_traffic_hook",
            ),
        ];
        for (trigger, text) in cases {
            assert_eq!(trigger.to_string(), text);
            assert_eq!(text.parse::<Trigger>().unwrap(), trigger, "{text}");
            assert_eq!(String::from(trigger.clone()), text);
            assert_eq!(Trigger::try_from(text.to_owned()).unwrap(), trigger);
        }
    }

    #[test]
    fn event_kinds_print_and_parse_as_in_events_csv() {
        let names: Vec<&str> = EventKind::ALL.iter().map(|e| e.name()).collect();
        for (&e, name) in EventKind::ALL.iter().zip(&names) {
            assert_eq!(e.to_string(), *name);
            assert_eq!(name.parse::<EventKind>().unwrap(), e);
        }
        assert!(names.contains(&"alarm_state") && names.contains(&"rollback_function_done"));
        let err = "alarm_detected".parse::<EventKind>().unwrap_err();
        assert_eq!(err.to_string(), "unknown event `alarm_detected`");
    }
}
