//! What a strategy may do to and learn from its function's world (the
//! [`Control`] trait): schedule timers and polls, set the candidate's
//! weight, read the judges' verdicts, run hooks, draw delays from the
//! control stream, and record detections, rollbacks and its end.

use rand::Rng;

use super::{Ev, World};
use crate::judge::prometheus::Query;
use crate::model::{DelayDist, Fault, FaultKind, Hook, OnInconclusive};
use crate::record::{EventKind, Outcome, TimelineEvent, Trigger};
use crate::sim::time::{to_secs, Micros};
use crate::sim::Class;
use crate::strategy::Control;

impl Control for World<'_> {
    fn now(&self) -> Micros {
        self.now
    }

    fn schedule(&mut self, at: Micros, token: u32) {
        self.queue
            .push(at.max(self.now), Class::Timer, Ev::Strategy(token));
    }

    fn schedule_poll(&mut self, at: Micros, token: u32) {
        self.queue
            .push(at.max(self.now), Class::Poll, Ev::Poll(token));
    }

    fn set_candidate_weight(&mut self, pct: f64) {
        self.weight = (pct / 100.0).clamp(0.0, 1.0);
        if pct > 0.0 && self.faults.onset().is_none() {
            self.faults.set_onset(self.now);
            for t in self.faults.breakpoints(self.sc.horizon) {
                self.queue.push(t, Class::Breakpoint, Ev::Breakpoint);
            }
            if let Some(c) = &self.cache {
                if c.warmup > Micros::ZERO && self.now + c.warmup <= self.sc.horizon {
                    self.queue
                        .push(self.now + c.warmup, Class::Breakpoint, Ev::Breakpoint);
                }
            }
        }
        self.note(EventKind::Weight, &format!("{pct}"));
    }

    fn failing_judge(&self, watched: &[usize]) -> Option<usize> {
        self.judges.first_failing(watched)
    }

    fn judge_name(&self, index: usize) -> String {
        self.judges.get(index).name().to_string()
    }

    fn inconclusive_hold(&self, watched: &[usize]) -> Option<(usize, OnInconclusive)> {
        watched.iter().copied().find_map(|i| {
            let on = self.sc.judge_guard(i).on_inconclusive;
            (on.holds() && self.judges.get(i).guard_inconclusive()).then_some((i, on))
        })
    }

    fn hook_fails(&mut self, hook: &Hook) -> bool {
        let p = hook_failure_probability(hook, &self.func.faults);
        self.control_rng.random::<f64>() < p
    }

    fn draw_delay(&mut self, delay: &DelayDist) -> Micros {
        delay.sample(&mut self.control_rng)
    }

    fn chance(&mut self, p: f64) -> bool {
        if p >= 1.0 {
            true
        } else if p <= 0.0 {
            false
        } else {
            self.control_rng.random::<f64>() < p
        }
    }

    fn fault_visible_at(&self) -> Option<Micros> {
        self.faults.first_effect()
    }

    fn detected(&mut self, trigger: &Trigger) {
        if self.detection.is_none() {
            self.detection = Some(self.now);
            self.trigger = trigger.clone();
        }
        if self.events.is_some() {
            self.note(EventKind::Detected, &trigger.to_string());
        }
    }

    fn rollback_complete(&mut self) {
        self.rollback_done = Some(self.now);
        self.note(EventKind::RollbackComplete, "");
    }

    fn finish(&mut self, outcome: Outcome) {
        self.finished = Some((self.now, outcome));
        self.bad_at_deploy_end = Some(self.bad_requests);
    }

    fn query(&self, query: Query, version: usize, window: Micros) -> Option<f64> {
        self.prometheus
            .as_ref()?
            .scrapes
            .query(query, version, self.now, window)
    }

    fn note(&mut self, event: EventKind, detail: &str) {
        if let Some(ev) = &mut self.events {
            ev.push(TimelineEvent {
                strategy: self.label.clone(),
                time_s: to_secs(self.now),
                event,
                detail: detail.to_string(),
            });
        }
    }
}

/// P(hook fails) = 1 − Π(1 − catch(kind)) · (1 − flaky), the product over
/// the fault *kinds* present (README, "Hooks"): a hook's test either
/// catches a kind of problem or not, so two faults of one kind are caught
/// together, not twice as likely.
pub fn hook_failure_probability(hook: &Hook, faults: &[Fault]) -> f64 {
    let miss_all: f64 = FaultKind::ALL
        .iter()
        .filter(|&&kind| faults.iter().any(|f| f.kind() == kind))
        .map(|&kind| 1.0 - hook.catch_probability(kind))
        .product();
    1.0 - miss_all * (1.0 - hook.flaky_probability)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Failure;
    use crate::sim::time::Micros;

    fn hook(catch_step: f64, flaky: f64) -> Hook {
        let mut catch = [0.0; FaultKind::ALL.len()];
        let step = FaultKind::ALL
            .iter()
            .position(|k| *k == FaultKind::StepError)
            .unwrap();
        catch[step] = catch_step;
        Hook {
            duration: Micros::ZERO,
            catch_probability: catch,
            flaky_probability: flaky,
        }
    }

    fn step(after_s: u64) -> Fault {
        Fault::StepError {
            after: crate::sim::time::secs(after_s),
            error_rate: 0.2,
            failure: Failure::Unhandled,
        }
    }

    #[test]
    fn two_faults_of_one_kind_are_caught_as_one_kind() {
        let h = hook(0.6, 0.1);
        let one = hook_failure_probability(&h, &[step(0)]);
        let two = hook_failure_probability(&h, &[step(0), step(300)]);
        // 1 − (1 − 0.6)(1 − 0.1) = 0.64, with one fault or two of its kind.
        assert!((one - 0.64).abs() < 1e-12, "{one}");
        assert_eq!(one, two);
        // No fault: only the flaky rate.
        assert!((hook_failure_probability(&h, &[]) - 0.1).abs() < 1e-12);
    }
}
