//! AWS CodeDeploy traffic shifting for a Lambda alias (reference §2): the
//! predefined and custom canary / linear / all-at-once shapes, alarm polling
//! from deployment start until completion, rollback or stop on ALARM, and
//! BeforeAllowTraffic / AfterAllowTraffic hooks (run by [`super::rollout`]).

use std::borrow::Cow;

use super::rollout::{latency_chain, Plan, Watch};
use crate::model::{CodeDeploySpec, LinearCompletion, PollGuard, StrategySpec, TrafficShift};
use crate::time::Micros;

/// The weight steps of a traffic shift relative to t0 (when traffic shifting
/// starts), and the offset at which shifting counts as complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShiftPlan {
    /// (offset from t0, candidate weight %), increasing offsets, ending at 100.
    pub steps: Vec<(Micros, u32)>,
    pub complete_at: Micros,
}

/// Canary: p % at t0, 100 % at t0 + I. Linear (model A): min(100, (k+1)·p) %
/// at t0 + k·I, complete at the 100 % step; model B completes one interval
/// later (reference §2.2, the 90-vs-100-minute conflict).
pub fn shift_plan(shift: TrafficShift, completion: LinearCompletion) -> ShiftPlan {
    match shift {
        TrafficShift::AllAtOnce => ShiftPlan {
            steps: vec![(0, 100)],
            complete_at: 0,
        },
        TrafficShift::Canary {
            percentage,
            interval,
        } => ShiftPlan {
            steps: vec![(0, percentage), (interval, 100)],
            complete_at: interval,
        },
        TrafficShift::Linear {
            percentage,
            interval,
        } => {
            let k_last = u64::from(100u32.div_ceil(percentage) - 1);
            let steps: Vec<(Micros, u32)> = (0..=k_last)
                .map(|k| (k * interval, ((k as u32 + 1) * percentage).min(100)))
                .collect();
            let last = k_last * interval;
            let complete_at = match completion {
                LinearCompletion::LastShift => last,
                LinearCompletion::ExtraInterval => last + interval,
            };
            ShiftPlan { steps, complete_at }
        }
    }
}

/// The rollout plan of a CodeDeploy deployment: the shift plan's steps,
/// completion at `complete_at` (a bake of `complete_at` − last step),
/// alarm polling, and one alias update back to stable as the rollback.
pub fn plan<'a>(cd: &'a CodeDeploySpec, spec: &'a StrategySpec, watched: Vec<usize>) -> Plan<'a> {
    let shift = shift_plan(cd.shift, cd.linear_completion);
    let last = shift.steps.last().map_or(0, |s| s.0);
    Plan {
        label: Cow::Borrowed(&cd.config_name),
        steps: shift
            .steps
            .iter()
            .map(|&(t, pct)| (t, f64::from(pct)))
            .collect(),
        bake: Some(shift.complete_at - last),
        ..poll_plan(&cd.guard, spec, watched)
    }
}

/// The parts every CodeDeploy-style kind shares: hooks, alarm polling, and
/// a one-stage rollback of `guard.rollback_latency`. Steps, completion and
/// the label are left empty for the kind to fill in.
pub fn poll_plan<'a>(guard: &PollGuard, spec: &'a StrategySpec, watched: Vec<usize>) -> Plan<'a> {
    let chain = latency_chain(guard.rollback_latency);
    Plan {
        label: Cow::Borrowed(""),
        pre_hook: spec.pre_traffic_hook.as_ref(),
        post_hook: spec.post_traffic_hook.as_ref(),
        steps: Vec::new(),
        promotion: None,
        bake: None,
        watched,
        watch: Watch::Poll(guard.poll_interval),
        rollback: guard.rollback,
        alarm_chain: chain.clone(),
        direct_chain: chain,
        propagation: None,
        operator: None,
    }
}

/// Deployment duration when nothing goes wrong, without hooks: from t0 to
/// completion.
pub fn nominal_span(cd: &CodeDeploySpec) -> Micros {
    shift_plan(cd.shift, cd.linear_completion).complete_at
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::secs;

    fn minutes(m: u64) -> Micros {
        secs(60 * m)
    }

    #[test]
    fn canary_shifts_twice() {
        let p = shift_plan(
            TrafficShift::Canary {
                percentage: 10,
                interval: minutes(5),
            },
            LinearCompletion::LastShift,
        );
        assert_eq!(p.steps, vec![(0, 10), (minutes(5), 100)]);
        assert_eq!(p.complete_at, minutes(5));
    }

    #[test]
    fn linear_10_every_10_completes_at_90_or_100_minutes() {
        let shift = TrafficShift::Linear {
            percentage: 10,
            interval: minutes(10),
        };
        let a = shift_plan(shift, LinearCompletion::LastShift);
        assert_eq!(a.steps.len(), 10);
        assert_eq!(a.steps[0], (0, 10));
        assert_eq!(a.steps[8], (minutes(80), 90));
        assert_eq!(a.steps[9], (minutes(90), 100));
        assert_eq!(a.complete_at, minutes(90));
        let b = shift_plan(shift, LinearCompletion::ExtraInterval);
        assert_eq!(b.steps, a.steps);
        assert_eq!(b.complete_at, minutes(100));
    }

    #[test]
    fn linear_caps_a_non_dividing_percentage_at_100() {
        let p = shift_plan(
            TrafficShift::Linear {
                percentage: 30,
                interval: minutes(1),
            },
            LinearCompletion::LastShift,
        );
        assert_eq!(
            p.steps,
            vec![
                (0, 30),
                (minutes(1), 60),
                (minutes(2), 90),
                (minutes(3), 100)
            ]
        );
    }

    #[test]
    fn all_at_once_completes_immediately() {
        let p = shift_plan(TrafficShift::AllAtOnce, LinearCompletion::LastShift);
        assert_eq!(p.steps, vec![(0, 100)]);
        assert_eq!(p.complete_at, 0);
    }
}
