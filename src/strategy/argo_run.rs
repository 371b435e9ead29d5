//! The runtime of an Argo Rollouts canary (`kind = "argo"`): steps in
//! order, AnalysisRuns (inline and background) measuring the world's
//! Prometheus at their metrics' cadence, and the rollout's answer to a
//! run's phase (peers.md §2.2–2.3):
//! - a measurement classifies the query result by the metric's conditions
//!   (`judge::argo_rules::classify`); reading an empty result is an
//!   evaluation error, an Error measurement, retried after 10 s; so is a
//!   query that fails (`query_error_probability`);
//! - a run's phase is its worst non-dry-run metric's; once one is Failed,
//!   Error or Inconclusive the run stops measuring;
//! - Failed or Error aborts the rollout (`rollout/analysis.go:156-170`):
//!   the canary weight goes to 0 after `rollback_latency`;
//! - Inconclusive pauses it (`PauseReasonInconclusiveAnalysis`) until a
//!   promotion after `review_time` (never without one), which continues
//!   with the next step;
//! - an inline analysis blocks its step until its run is Successful; the
//!   background analysis starts at `starting_step` and is terminated when
//!   the steps complete; the rollout then promotes fully (100 %).

use super::{Control, Strategy};
use crate::judge::argo_rules::{classify, MetricRun, Phase, ERROR_RETRY_SECS};
use crate::judge::prometheus::CANDIDATE;
use crate::model::{ArgoSpec, ArgoStep};
use crate::record::{EventKind, Outcome, Trigger};
use crate::sim::time::{secs, Micros};

/// Token of "pause of step i ended".
const STEP_BASE: u32 = 1 << 8;
/// Token of "`pause: {}` of step i promoted".
const PROMOTE_BASE: u32 = 2 << 16;
/// Token of "the Inconclusive pause at step i promoted".
const RESUME_BASE: u32 = 3 << 16;
const ABORT_DONE: u32 = 1;
/// Token of a measurement: `MEASURE_BASE + generation × 256 + slot`.
const MEASURE_BASE: u32 = 1 << 24;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Progressing,
    /// Paused by an Inconclusive run.
    Paused,
    Aborting,
    Done,
}

/// One AnalysisRun.
struct Run {
    generation: u32,
    metrics: Vec<(usize, MetricRun)>,
}

/// One Argo rollout in progress.
pub struct ArgoRollout<'a> {
    spec: &'a ArgoSpec,
    state: State,
    step: usize,
    background: Option<Run>,
    background_started: bool,
    inline: Option<Run>,
    generations: u32,
}

impl<'a> ArgoRollout<'a> {
    pub fn new(spec: &'a ArgoSpec) -> Self {
        ArgoRollout {
            spec,
            state: State::Progressing,
            step: 0,
            background: None,
            background_started: false,
            inline: None,
            generations: 0,
        }
    }

    /// Starts a run of `metrics`; each metric's first measurement comes
    /// after its `initial_delay` (at once without one).
    fn start_run(&mut self, metrics: &[usize], ctl: &mut dyn Control) -> Run {
        let generation = self.generations;
        self.generations += 1;
        let run = Run {
            generation,
            metrics: metrics
                .iter()
                .map(|&m| (m, MetricRun::new(self.spec.metrics[m].limits)))
                .collect(),
        };
        for (slot, &m) in metrics.iter().enumerate() {
            let at = ctl.now() + self.spec.metrics[m].initial_delay;
            ctl.schedule(at, MEASURE_BASE + generation * 256 + slot as u32);
        }
        run
    }

    /// Executes steps from `i` until one waits (a pause or an analysis).
    fn enter_step(&mut self, mut i: usize, ctl: &mut dyn Control) {
        loop {
            self.step = i;
            if i == self.spec.starting_step
                && !self.background_started
                && !self.spec.background.is_empty()
            {
                self.background_started = true;
                let run = self.start_run(&self.spec.background, ctl);
                self.background = Some(run);
            }
            let Some(step) = self.spec.steps.get(i) else {
                self.complete(ctl);
                return;
            };
            match step {
                ArgoStep::SetWeight(w) => {
                    ctl.set_candidate_weight(*w);
                    i += 1;
                }
                ArgoStep::Pause(d) => {
                    ctl.schedule(ctl.now() + *d, STEP_BASE + i as u32);
                    return;
                }
                ArgoStep::PauseUntilPromoted => {
                    if let Some(r) = &self.spec.review_time {
                        let at = ctl.now() + ctl.draw_delay(r);
                        ctl.schedule(at, PROMOTE_BASE + i as u32);
                    }
                    return;
                }
                ArgoStep::Analysis(ms) => {
                    let run = self.start_run(ms, ctl);
                    self.inline = Some(run);
                    return;
                }
            }
        }
    }

    fn complete(&mut self, ctl: &mut dyn Control) {
        self.background = None;
        self.inline = None;
        self.state = State::Done;
        ctl.set_candidate_weight(100.0);
        ctl.note(EventKind::Completed, "argo");
        ctl.finish(Outcome::Completed);
    }

    fn abort(&mut self, metric: &str, ctl: &mut dyn Control) {
        self.background = None;
        self.inline = None;
        self.state = State::Aborting;
        let trigger = Trigger::Alarm(format!("argo/{metric}"));
        ctl.detected(&trigger);
        ctl.note(EventKind::RollbackStart, &trigger.to_string());
        ctl.schedule(ctl.now() + self.spec.abort_latency, ABORT_DONE);
    }

    /// Takes measurement `slot` of the run of `generation`, if that run is
    /// still going, and answers the run's new phase.
    fn measure(&mut self, generation: u32, slot: usize, ctl: &mut dyn Control) {
        if !matches!(self.state, State::Progressing | State::Paused) {
            return;
        }
        let background = self
            .background
            .as_ref()
            .is_some_and(|r| r.generation == generation);
        let run = if background {
            self.background.as_mut()
        } else {
            self.inline.as_mut().filter(|r| r.generation == generation)
        };
        let Some(run) = run else {
            return;
        };
        let (m, metric_run) = &mut run.metrics[slot];
        let metric = &self.spec.metrics[*m];
        let p = self.spec.query_error_probability;
        let (measurement, shown) = if p > 0.0 && ctl.chance(p) {
            (Phase::Error, "query failed".to_string())
        } else {
            let value = ctl.query(metric.query, CANDIDATE, metric.window);
            let eval = |c: &Option<crate::judge::condition::Cond>| match c {
                None => Ok(None),
                Some(c) => c.eval(value).map(Some),
            };
            let shown = value.map_or("empty result".to_string(), |v| format!("result {v:.6}"));
            match (eval(&metric.success), eval(&metric.failure)) {
                (Ok(s), Ok(f)) => (classify(s, f), shown),
                _ => (Phase::Error, shown),
            }
        };
        let (phase, why) = metric_run.measure(measurement);
        let reason = if why.is_empty() {
            shown
        } else {
            format!("{shown}; {why}")
        };
        ctl.note(
            EventKind::Analysis,
            &format!(
                "argo/{}: measurement {} {} ({reason}) → {}",
                metric.name, metric_run.taken, measurement, phase
            ),
        );
        if phase == Phase::Running {
            let next = if measurement == Phase::Error {
                secs(ERROR_RETRY_SECS)
            } else {
                metric.interval.unwrap_or(Micros::ZERO)
            };
            ctl.schedule(
                ctl.now() + next,
                MEASURE_BASE + generation * 256 + slot as u32,
            );
        }
        self.assess(background, ctl);
    }

    /// The run's phase after a measurement, and the rollout's answer.
    fn assess(&mut self, background: bool, ctl: &mut dyn Control) {
        let spec = self.spec;
        let run = if background {
            self.background.as_mut()
        } else {
            self.inline.as_mut()
        };
        let Some(run) = run else {
            return;
        };
        let counted = |m: usize| !spec.metrics[m].dry_run;
        let bad = run.metrics.iter().find(|(m, r)| {
            counted(*m) && matches!(r.phase, Phase::Failed | Phase::Error | Phase::Inconclusive)
        });
        let (phase, culprit) = if bad.is_some() {
            // Terminating: every running metric ends; the worst counts.
            let mut worst = (Phase::Successful, 0);
            for (m, r) in run.metrics.iter_mut() {
                let p = r.terminate();
                if counted(*m) && p.worst(worst.0) != worst.0 {
                    worst = (p, *m);
                }
            }
            worst
        } else if run.metrics.iter().all(|(_, r)| r.phase.completed()) {
            (Phase::Successful, 0)
        } else {
            return;
        };
        if background {
            self.background = None;
        } else {
            self.inline = None;
        }
        match phase {
            Phase::Failed | Phase::Error => self.abort(&spec.metrics[culprit].name, ctl),
            Phase::Inconclusive => {
                self.state = State::Paused;
                ctl.note(
                    EventKind::Analysis,
                    &format!(
                        "argo: paused, analysis of {} Inconclusive",
                        spec.metrics[culprit].name
                    ),
                );
                if let Some(r) = &spec.review_time {
                    let at = ctl.now() + ctl.draw_delay(r);
                    ctl.schedule(at, RESUME_BASE + self.step as u32);
                }
            }
            _ if !background => self.enter_step(self.step + 1, ctl),
            _ => {}
        }
    }
}

impl Strategy for ArgoRollout<'_> {
    fn start(&mut self, ctl: &mut dyn Control) {
        self.enter_step(0, ctl);
    }

    fn on_timer(&mut self, token: u32, ctl: &mut dyn Control) {
        if token == ABORT_DONE {
            if self.state == State::Aborting {
                ctl.set_candidate_weight(0.0);
                ctl.rollback_complete();
                self.state = State::Done;
                ctl.finish(Outcome::RolledBack);
            }
            return;
        }
        if token >= MEASURE_BASE {
            let k = token - MEASURE_BASE;
            self.measure(k / 256, (k % 256) as usize, ctl);
            return;
        }
        let base = [RESUME_BASE, PROMOTE_BASE, STEP_BASE]
            .into_iter()
            .find(|&b| token >= b)
            .unwrap_or(STEP_BASE);
        if token < base || (token - base) as usize != self.step {
            return;
        }
        match (base, self.state) {
            (RESUME_BASE, State::Paused) => {
                self.state = State::Progressing;
                self.inline = None;
                ctl.note(EventKind::Promoted, "");
                self.enter_step(self.step + 1, ctl);
            }
            (PROMOTE_BASE, State::Progressing) => {
                ctl.note(EventKind::Promoted, "");
                self.enter_step(self.step + 1, ctl);
            }
            (STEP_BASE, State::Progressing) => self.enter_step(self.step + 1, ctl),
            _ => {}
        }
    }

    /// A stack rollback (another function failed): abort.
    fn abort(&mut self, trigger: &Trigger, ctl: &mut dyn Control) {
        if self.state == State::Aborting {
            return;
        }
        self.background = None;
        self.inline = None;
        self.state = State::Aborting;
        ctl.detected(trigger);
        ctl.note(EventKind::RollbackStart, &trigger.to_string());
        ctl.schedule(ctl.now() + self.spec.abort_latency, ABORT_DONE);
    }
}
