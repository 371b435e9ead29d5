//! The runtime of a Flagger canary (`kind = "flagger"`): one
//! `judge::flagger_rules::Loop` tick per analysis interval from t = 0, its
//! metric checks read from the world's Prometheus, and the loop's answer
//! carried out — a weight step, a failed check (the weight stays), the
//! confirm-promotion gate, promotion (the candidate serves everything), or
//! the rollback (all traffic to the primary after `rollback_latency`).

use super::{Control, Strategy};
use crate::judge::flagger_rules::{check, Action, Check, Loop};
use crate::judge::prometheus::CANDIDATE;
use crate::model::FlaggerSpec;
use crate::record::{EventKind, Outcome, Trigger};
use crate::sim::time::Micros;

const TICK: u32 = 0;
const ROLLBACK_DONE: u32 = 1;

/// One Flagger canary in progress.
pub struct FlaggerCanary<'a> {
    spec: &'a FlaggerSpec,
    analysis: Loop,
    /// When the confirm-promotion gate opens, once it was reached.
    gate_opens: Option<Micros>,
    done: bool,
    rolling_back: bool,
}

impl<'a> FlaggerCanary<'a> {
    pub fn new(spec: &'a FlaggerSpec) -> Self {
        FlaggerCanary {
            spec,
            analysis: Loop::new(spec.progression.clone(), spec.threshold),
            gate_opens: None,
            done: false,
            rolling_back: false,
        }
    }
}

/// Runs the metric checks in order, stopping at the first that does not
/// pass (`runMetricChecks`, `flagger@15bd6ad:pkg/controller/scheduler_metrics.go`);
/// returns whether all passed and what the failing one saw.
fn checks(spec: &FlaggerSpec, ctl: &dyn Control) -> (bool, String) {
    for m in &spec.metrics {
        let value = ctl.query(m.query, CANDIDATE, m.window);
        match check(value, m.min, m.max) {
            Check::Pass => {}
            Check::NoData => {
                return (false, format!("{}: no values found", m.name));
            }
            Check::Fail => {
                let v = value.unwrap_or(f64::NAN);
                let range = match (m.min, m.max) {
                    (Some(lo), Some(hi)) => format!("[{lo}, {hi}]"),
                    (Some(lo), None) => format!(">= {lo}"),
                    (None, Some(hi)) => format!("<= {hi}"),
                    (None, None) => String::new(),
                };
                return (false, format!("{}: {v:.6} outside {range}", m.name));
            }
        }
    }
    (true, String::new())
}

impl FlaggerCanary<'_> {
    fn rollback(&mut self, trigger: &Trigger, ctl: &mut dyn Control) {
        self.rolling_back = true;
        ctl.detected(trigger);
        ctl.note(EventKind::RollbackStart, &trigger.to_string());
        ctl.schedule(ctl.now() + self.spec.rollback_latency, ROLLBACK_DONE);
    }

    fn tick(&mut self, ctl: &mut dyn Control) {
        if self.done || self.rolling_back {
            return;
        }
        let now = ctl.now();
        let confirmed = match (&self.spec.confirm_promotion, self.gate_opens) {
            (None, _) => true,
            (Some(_), Some(at)) => now >= at,
            (Some(_), None) => false,
        };
        let mut seen = String::new();
        let spec = self.spec;
        let action = self.analysis.tick(
            || {
                let (ok, why) = checks(spec, ctl);
                seen = why;
                ok
            },
            confirmed,
        );
        let threshold = self.analysis.threshold;
        match action {
            Action::Rollback => {
                ctl.note(
                    EventKind::Analysis,
                    &format!(
                        "flagger: failed checks {} of {threshold} → rollback",
                        self.analysis.failed_checks
                    ),
                );
                self.rollback(&Trigger::Alarm("flagger".into()), ctl);
                return;
            }
            Action::Weight(w) => ctl.set_candidate_weight(f64::from(w)),
            Action::Iteration(n) => {
                ctl.note(EventKind::Analysis, &format!("flagger: iteration {n}"))
            }
            Action::FailedCheck(n) => ctl.note(
                EventKind::Analysis,
                &format!("flagger: failed checks {n} of {threshold} ({seen})"),
            ),
            Action::WaitingPromotion => {
                if self.gate_opens.is_none() {
                    if let Some(d) = &self.spec.confirm_promotion {
                        self.gate_opens = Some(now + ctl.draw_delay(d));
                        ctl.note(
                            EventKind::Analysis,
                            "flagger: waiting for confirm-promotion",
                        );
                    }
                }
            }
            Action::Promote => {
                ctl.set_candidate_weight(100.0);
                ctl.note(EventKind::Promoted, "");
                ctl.note(EventKind::Completed, "flagger");
                self.done = true;
                ctl.finish(Outcome::Completed);
                return;
            }
        }
        ctl.schedule(now + self.spec.interval, TICK);
    }
}

impl Strategy for FlaggerCanary<'_> {
    fn start(&mut self, ctl: &mut dyn Control) {
        self.tick(ctl);
    }

    fn on_timer(&mut self, token: u32, ctl: &mut dyn Control) {
        match token {
            TICK => self.tick(ctl),
            ROLLBACK_DONE if self.rolling_back && !self.done => {
                ctl.set_candidate_weight(0.0);
                ctl.rollback_complete();
                self.done = true;
                ctl.finish(Outcome::RolledBack);
            }
            _ => {}
        }
    }

    /// A stack rollback (another function failed).
    fn abort(&mut self, trigger: &Trigger, ctl: &mut dyn Control) {
        if !self.rolling_back {
            self.done = false;
            self.rollback(trigger, ctl);
        }
    }
}
