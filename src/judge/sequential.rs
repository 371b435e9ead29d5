//! The sequential judge (`[judges.NAME] kind = "sequential"`) in a world:
//! every `look_every` it takes the candidate's and the stable version's
//! requests and failures of the window that just closed and runs one look
//! of [`super::sequential_rule::SequentialTest`]. Rejecting is final
//! (Failing: the strategy rolls back); it never accepts, so a healthy
//! candidate stays Healthy until the deployment ends.
//!
//! What counts: requests each version served itself (stage-cache hits
//! never fail, so they would only dilute the stable's rate) and failures
//! as users see them — unhandled errors, timeouts and handled 4xx/5xx
//! failures alike (`metrics::Acc::failed`). It reads counts as windows
//! close, with no ingestion delay (a judge reading the service's own
//! counters, as Lindon et al. 2022 describe Netflix's), and only windows
//! of the deployment, never the alarms' warm-up.
//!
//! Guard (`min_requests`): while the candidate has served fewer than N
//! requests since the deployment started the verdict is Inconclusive
//! (shown as INSUFFICIENT_DATA) whatever the statistic says; the
//! statistic keeps accumulating, and the first look with N requests
//! decides on it.

use super::sequential_rule::{Counts, Look, SequentialTest};
use super::{ClosedWindow, Judge};
use crate::alarm::AlarmState;
use crate::metrics::{DatapointCalc, CANDIDATE, STABLE};
use crate::model::{JudgeSpec, SequentialMethod, SequentialSpec};
use crate::sim::time::Micros;

/// One sequential judge of one function's world.
pub struct SequentialJudge<'a> {
    spec: &'a JudgeSpec,
    seq: SequentialSpec,
    active: bool,
    /// The world's window set of period `look_every` (aligned).
    window: usize,
    /// Judge time of deployment start (the warm-up's length).
    start: Micros,
    pending: Counts,
    test: SequentialTest,
    state: AlarmState,
    guarded: bool,
    last: Option<Look>,
}

impl<'a> SequentialJudge<'a> {
    pub fn new(
        spec: &'a JudgeSpec,
        seq: SequentialSpec,
        active: bool,
        window: usize,
        start: Micros,
    ) -> Self {
        SequentialJudge {
            spec,
            seq,
            active,
            window,
            start,
            pending: Counts::default(),
            test: SequentialTest::new(
                seq.alpha,
                seq.min_effect,
                seq.method == SequentialMethod::FixedPerLook,
            ),
            state: if spec.guard.active() {
                AlarmState::InsufficientData
            } else {
                AlarmState::Ok
            },
            guarded: spec.guard.active(),
            last: None,
        }
    }
}

impl Judge for SequentialJudge<'_> {
    fn name(&self) -> &str {
        &self.spec.name
    }

    fn evaluation_interval(&self) -> Option<Micros> {
        self.active.then_some(self.seq.look_every)
    }

    fn observe(&mut self, now: Micros, window: &ClosedWindow<'_>, _calc: &mut DatapointCalc) {
        if !self.active || window.index != self.window || now <= self.start {
            return;
        }
        let (c, s) = (&window.accs[CANDIDATE], &window.accs[STABLE]);
        self.pending.candidate_requests += c.count;
        self.pending.candidate_errors += c.failed();
        self.pending.stable_requests += s.count;
        self.pending.stable_errors += s.failed();
    }

    fn evaluate(&mut self, now: Micros) -> Option<AlarmState> {
        if !self.active
            || now <= self.start
            || (now - self.start) % self.seq.look_every != Micros::ZERO
            || self.state == AlarmState::Alarm
        {
            return None;
        }
        let interval = std::mem::take(&mut self.pending);
        let look = self.test.look(&interval);
        self.last = Some(look);
        self.guarded = self.test.total().candidate_requests < self.spec.guard.min_requests;
        let next = if self.guarded {
            AlarmState::InsufficientData
        } else if look.reject {
            AlarmState::Alarm
        } else {
            AlarmState::Ok
        };
        (next != self.state).then(|| {
            self.state = next;
            next
        })
    }

    fn state(&self) -> AlarmState {
        self.state
    }

    /// None: its statistic is no metric value and would share the
    /// timeline's alarm-metric axis with CloudWatch alarms' values; its
    /// state is in timeline.csv and its statistic in events.csv.
    fn value_closed_at(&self, _now: Micros) -> Option<f64> {
        None
    }

    fn guard_inconclusive(&self) -> bool {
        self.guarded
    }

    fn describe(&self) -> String {
        let Some(l) = self.last else {
            return "seq: no look yet".to_string();
        };
        let t = self.test.total();
        let counts = format!(
            "candidate {}/{}, stable {}/{}",
            t.candidate_errors, t.candidate_requests, t.stable_errors, t.stable_requests
        );
        if self.guarded {
            return format!(
                "seq: inconclusive, {} < min_requests {} candidate requests",
                t.candidate_requests, self.spec.guard.min_requests
            );
        }
        match self.seq.method {
            SequentialMethod::Mixture => format!(
                "seq: {}, log LR {:.3} {} log(1/α) {:.3} ({counts})",
                if l.reject { "reject" } else { "continue" },
                l.statistic,
                if l.reject { "≥" } else { "<" },
                l.threshold
            ),
            SequentialMethod::FixedPerLook => format!(
                "seq fixed: {}, p {:.4} {} α {} ({counts})",
                if l.reject { "reject" } else { "continue" },
                l.statistic,
                if l.reject { "<" } else { "≥" },
                l.threshold
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{Acc, SLOTS};
    use crate::model::{JudgeKind, RequestGuard};
    use crate::sim::time::secs;

    fn spec(min_requests: u64) -> JudgeSpec {
        JudgeSpec {
            name: "seq".into(),
            function: 0,
            guard: RequestGuard {
                min_requests,
                ..RequestGuard::default()
            },
            kind: JudgeKind::Sequential(SequentialSpec {
                alpha: 0.05,
                min_effect: 2.0,
                look_every: secs(10),
                method: SequentialMethod::Mixture,
            }),
        }
    }

    /// One look at a window of `c`/`cn` candidate and 0/`sn` stable
    /// failures/requests.
    fn look(judge: &mut SequentialJudge<'_>, at: u64, c: u64, cn: u64, sn: u64) -> AlarmState {
        let mut accs: [Acc; SLOTS] = std::array::from_fn(|_| Acc::new(0));
        accs[CANDIDATE].count = cn;
        accs[CANDIDATE].server_errors = c;
        accs[STABLE].count = sn;
        let window = ClosedWindow {
            index: 1,
            accs: &accs,
            filters: &[],
        };
        judge.observe(secs(at), &window, &mut DatapointCalc::default());
        judge.evaluate(secs(at));
        judge.state()
    }

    /// 10 lone candidate failures at equal traffic reject (ln M = 3.246 ≥
    /// ln 20, pinned in `sequential_rule`); the rejection is final.
    #[test]
    fn ten_lone_candidate_failures_reject_and_the_rejection_is_final() {
        let s = spec(0);
        let JudgeKind::Sequential(q) = s.kind else {
            unreachable!("a sequential judge")
        };
        let mut j = SequentialJudge::new(&s, q, true, 1, Micros::ZERO);
        assert_eq!(j.state(), AlarmState::Ok);
        assert_eq!(look(&mut j, 10, 9, 1000, 1000), AlarmState::Ok);
        assert!(j
            .describe()
            .starts_with("seq: continue, log LR 2.888 < log(1/α) 2.996"));
        assert_eq!(look(&mut j, 20, 1, 1000, 1000), AlarmState::Alarm);
        assert!(j
            .describe()
            .starts_with("seq: reject, log LR 3.246 ≥ log(1/α) 2.996"));
        assert_eq!(look(&mut j, 30, 0, 1000, 1000), AlarmState::Alarm);
    }

    /// The guard counts the candidate's requests since the start: 1,999
    /// keep it inconclusive even past the threshold, 2,000 decide.
    #[test]
    fn the_guard_is_inconclusive_until_n_candidate_requests() {
        let s = spec(2000);
        let JudgeKind::Sequential(q) = s.kind else {
            unreachable!("a sequential judge")
        };
        let mut j = SequentialJudge::new(&s, q, true, 1, Micros::ZERO);
        assert_eq!(j.state(), AlarmState::InsufficientData);
        assert_eq!(
            look(&mut j, 10, 10, 1999, 1999),
            AlarmState::InsufficientData
        );
        assert!(j.guard_inconclusive());
        assert_eq!(look(&mut j, 20, 0, 1, 1), AlarmState::Alarm);
        assert!(!j.guard_inconclusive());
    }

    /// Windows of the warm-up (judge time up to the start) are not the
    /// deployment's; other window sets and other ticks are ignored.
    #[test]
    fn warm_up_windows_and_foreign_ticks_are_ignored() {
        let s = spec(0);
        let JudgeKind::Sequential(q) = s.kind else {
            unreachable!("a sequential judge")
        };
        let mut j = SequentialJudge::new(&s, q, true, 1, secs(60));
        assert_eq!(look(&mut j, 60, 50, 1000, 1000), AlarmState::Ok);
        assert_eq!(j.test.total(), Counts::default());
        assert_eq!(j.evaluate(secs(75)), None);
    }
}
