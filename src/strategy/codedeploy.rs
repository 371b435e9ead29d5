//! AWS CodeDeploy traffic shifting for a Lambda alias (reference §2): the
//! predefined and custom canary / linear / all-at-once shapes, alarm polling
//! from deployment start until completion, rollback or stop on ALARM, and
//! BeforeAllowTraffic / AfterAllowTraffic hooks.

use super::{Control, Strategy};
use crate::model::{CodeDeploySpec, LinearCompletion, TrafficShift};
use crate::record::Outcome;
use crate::time::Micros;

const POLL: u32 = 0;
const PRE_HOOK_DONE: u32 = 1;
const POST_HOOK_DONE: u32 = 2;
const ROLLBACK_DONE: u32 = 3;
const SHIFTING_DONE: u32 = 4;
const SHIFT_BASE: u32 = 100;

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

impl CodeDeploySpec {
    /// Deployment duration when nothing goes wrong: hooks plus shifting.
    pub fn nominal_duration(&self) -> Micros {
        let hook = |h: &Option<crate::model::Hook>| h.as_ref().map_or(0, |h| h.duration);
        hook(&self.pre_traffic_hook)
            + shift_plan(self.shift, self.linear_completion).complete_at
            + hook(&self.post_traffic_hook)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    PreHook,
    Shifting,
    PostHook,
    RollingBack,
    Done,
}

/// One CodeDeploy deployment in progress.
pub struct CodeDeploy<'a> {
    spec: &'a CodeDeploySpec,
    watched: &'a [usize],
    plan: ShiftPlan,
    phase: Phase,
    t0: Micros,
}

impl<'a> CodeDeploy<'a> {
    pub fn new(spec: &'a CodeDeploySpec, watched: &'a [usize]) -> Self {
        CodeDeploy {
            spec,
            watched,
            plan: shift_plan(spec.shift, spec.linear_completion),
            phase: Phase::PreHook,
            t0: 0,
        }
    }

    fn active(&self) -> bool {
        matches!(
            self.phase,
            Phase::PreHook | Phase::Shifting | Phase::PostHook
        )
    }

    fn begin_shifting(&mut self, ctl: &mut dyn Control) {
        self.phase = Phase::Shifting;
        self.t0 = ctl.now();
        for (i, (offset, _)) in self.plan.steps.iter().enumerate() {
            ctl.schedule(self.t0 + offset, SHIFT_BASE + i as u32);
        }
        ctl.schedule(self.t0 + self.plan.complete_at, SHIFTING_DONE);
    }

    /// A problem was seen: stop, and roll back if configured.
    fn fail(&mut self, trigger: &str, ctl: &mut dyn Control) {
        ctl.detected(trigger);
        if self.spec.rollback {
            self.phase = Phase::RollingBack;
            ctl.note("rollback_start", trigger);
            ctl.schedule(ctl.now() + self.spec.rollback_latency, ROLLBACK_DONE);
        } else {
            self.phase = Phase::Done;
            ctl.note("stopped", trigger);
            ctl.finish(Outcome::Stopped);
        }
    }

    fn complete(&mut self, ctl: &mut dyn Control) {
        self.phase = Phase::Done;
        ctl.note("completed", &self.spec.config_name);
        ctl.finish(Outcome::Completed);
    }
}

impl Strategy for CodeDeploy<'_> {
    fn start(&mut self, ctl: &mut dyn Control) {
        ctl.schedule_poll(ctl.now() + self.spec.poll_interval, POLL);
        match &self.spec.pre_traffic_hook {
            Some(h) => {
                ctl.note("pre_traffic_hook_start", "");
                ctl.schedule(ctl.now() + h.duration, PRE_HOOK_DONE);
            }
            None => self.begin_shifting(ctl),
        }
    }

    fn on_timer(&mut self, token: u32, ctl: &mut dyn Control) {
        match token {
            POLL => {
                if !self.active() {
                    return;
                }
                if let Some(alarm) = ctl.alarm_firing(self.watched) {
                    let name = ctl.alarm_name(alarm);
                    self.fail(&name, ctl);
                } else {
                    ctl.schedule_poll(ctl.now() + self.spec.poll_interval, POLL);
                }
            }
            PRE_HOOK_DONE if self.phase == Phase::PreHook => {
                let hook = self
                    .spec
                    .pre_traffic_hook
                    .as_ref()
                    .expect("pre hook scheduled");
                if ctl.hook_fails(hook) {
                    self.fail("pre_traffic_hook", ctl);
                } else {
                    ctl.note("pre_traffic_hook_passed", "");
                    self.begin_shifting(ctl);
                }
            }
            SHIFTING_DONE if self.phase == Phase::Shifting => match &self.spec.post_traffic_hook {
                Some(h) => {
                    self.phase = Phase::PostHook;
                    ctl.note("post_traffic_hook_start", "");
                    ctl.schedule(ctl.now() + h.duration, POST_HOOK_DONE);
                }
                None => self.complete(ctl),
            },
            POST_HOOK_DONE if self.phase == Phase::PostHook => {
                let hook = self
                    .spec
                    .post_traffic_hook
                    .as_ref()
                    .expect("post hook scheduled");
                if ctl.hook_fails(hook) {
                    self.fail("post_traffic_hook", ctl);
                } else {
                    ctl.note("post_traffic_hook_passed", "");
                    self.complete(ctl);
                }
            }
            ROLLBACK_DONE if self.phase == Phase::RollingBack => {
                ctl.set_candidate_weight(0.0);
                ctl.rollback_complete();
                self.phase = Phase::Done;
                ctl.finish(Outcome::RolledBack);
            }
            t if t >= SHIFT_BASE && self.phase == Phase::Shifting => {
                let (_, pct) = self.plan.steps[(t - SHIFT_BASE) as usize];
                ctl.set_candidate_weight(f64::from(pct));
            }
            _ => {}
        }
    }
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
