//! The alarm-action rollback path of the deployment systems that do not
//! poll alarms (VPC Lattice, API Gateway canary stages): CloudWatch runs an
//! alarm's actions only when the alarm *changes* state (reference §1.1,
//! "An alarm invokes actions only when the alarm changes state"), so a
//! transition into ALARM publishes to an SNS topic, SNS invokes a rollback
//! function asynchronously (§5), and the function's routing update (a
//! listener's weights, a stage's canary percentTraffic) takes effect after
//! its propagation delay. An alarm already in ALARM fires nothing.
//!
//! AWS publishes no latency for any of these stages (§5, §7 #11): each is
//! a delay parameter with a documented default. This file builds the
//! rollback chains from them and validates the two keys both kinds share
//! (`sns_delay`, `function_duration`); `crate::plan` says the path in words.

use super::rollout::Stage;
use crate::model::{DelayDist, RollbackFunction};
use crate::record::EventKind;
use crate::scenario::error::VResult;
use crate::scenario::key_path::KeyPath;
use crate::scenario::raw::{RawDelay, RawStrategy};
use crate::scenario::validate::delay::delay;
use crate::sim::time::{secs, Micros};

/// Alarm state change → SNS delivery to the rollback function (AWS silent).
pub const DEFAULT_SNS_DELAY: Micros = secs(1);
/// Rollback function run time up to its routing update (AWS silent).
pub const DEFAULT_FUNCTION_DURATION: Micros = secs(3);

/// An alarm's transition into ALARM → SNS delivery → the rollback
/// function's run → the propagation of its update (the last stage, which
/// `rollout` keeps in issue order with earlier changes).
pub fn alarm_chain(f: &RollbackFunction, propagation: DelayDist) -> Vec<Stage> {
    let mut chain = vec![Stage {
        label: EventKind::SnsDelivered,
        delay: f.sns_delay,
    }];
    chain.extend(function_chain(f, propagation));
    chain
}

/// The rollback function invoked directly (a failed hook, a stack
/// rollback): its run, then the propagation of its update.
pub fn function_chain(f: &RollbackFunction, propagation: DelayDist) -> Vec<Stage> {
    vec![
        Stage {
            label: EventKind::RollbackFunctionDone,
            delay: f.function_duration,
        },
        update_chain(propagation)[0],
    ]
}

/// One routing update made by a person or a pipeline: its propagation.
pub fn update_chain(propagation: DelayDist) -> Vec<Stage> {
    vec![Stage {
        label: EventKind::WeightsPropagated,
        delay: propagation,
    }]
}

/// `sns_delay` and `function_duration` of `raw`, with their defaults.
pub(crate) fn rollback_function(path: &KeyPath, raw: &RawStrategy) -> VResult<RollbackFunction> {
    Ok(RollbackFunction {
        sns_delay: delay_or(path, "sns_delay", &raw.sns_delay, DEFAULT_SNS_DELAY)?,
        function_duration: delay_or(
            path,
            "function_duration",
            &raw.function_duration,
            DEFAULT_FUNCTION_DURATION,
        )?,
    })
}

/// The delay at `path.key` or a fixed `default`.
pub(crate) fn delay_or(
    path: &KeyPath,
    key: &str,
    raw: &Option<RawDelay>,
    default: Micros,
) -> VResult<DelayDist> {
    match raw {
        None => Ok(DelayDist::Fixed(default)),
        Some(d) => delay(&path.key(key), d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(s: u64) -> DelayDist {
        DelayDist::Fixed(secs(s))
    }

    #[test]
    fn chains_in_order() {
        let f = RollbackFunction {
            sns_delay: fixed(2),
            function_duration: fixed(3),
        };
        let labels = |c: Vec<Stage>| -> Vec<(EventKind, DelayDist)> {
            c.into_iter().map(|s| (s.label, s.delay)).collect()
        };
        assert_eq!(
            labels(alarm_chain(&f, fixed(90))),
            vec![
                (EventKind::SnsDelivered, fixed(2)),
                (EventKind::RollbackFunctionDone, fixed(3)),
                (EventKind::WeightsPropagated, fixed(90)),
            ]
        );
        assert_eq!(
            labels(function_chain(&f, fixed(90))),
            vec![
                (EventKind::RollbackFunctionDone, fixed(3)),
                (EventKind::WeightsPropagated, fixed(90)),
            ]
        );
        assert_eq!(
            labels(update_chain(fixed(5))),
            vec![(EventKind::WeightsPropagated, fixed(5))]
        );
    }
}
