//! A scripted [`Control`] for strategy unit tests: the kernel's event queue
//! ([`crate::sim::EventQueue`], so same-time alarm changes, polls and timers
//! run in the world's order), alarm states and hook verdicts set by the
//! test, a seeded control stream, and a log of everything the strategy did.

use std::collections::VecDeque;

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;

use super::{Control, Strategy};
use crate::alarm::AlarmState;
use crate::judge::Verdict;
use crate::model::{DelayDist, Hook};
use crate::record::{EventKind, Outcome, Trigger};
use crate::sim::time::Micros;
use crate::sim::{Class, EventQueue};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    Alarm(usize, usize),
    Poll(u32),
    Timer(u32),
    Abort(usize),
}

pub struct Script {
    now: Micros,
    queue: EventQueue<Ev>,
    states: Vec<AlarmState>,
    changes: Vec<AlarmState>,
    aborts: Vec<Trigger>,
    /// Verdicts of the hooks in the order they end: true = the hook fails.
    pub hook_failures: VecDeque<bool>,
    /// A fault affecting the candidate this long after its first traffic.
    pub fault_after: Option<Micros>,
    first_traffic: Option<Micros>,
    rng: Pcg64Mcg,
    /// Every weight change: (time, candidate %).
    pub weights: Vec<(Micros, f64)>,
    pub detection: Option<(Micros, String)>,
    pub rollback_done: Option<Micros>,
    pub finished: Option<(Micros, Outcome)>,
    /// Every marker: (time, event).
    pub notes: Vec<(Micros, String)>,
}

impl Script {
    /// A script with `alarms` alarms, all starting in INSUFFICIENT_DATA.
    pub fn new(alarms: usize, seed: u64) -> Script {
        Script {
            now: Micros::ZERO,
            queue: EventQueue::default(),
            states: vec![AlarmState::InsufficientData; alarms],
            changes: Vec::new(),
            aborts: Vec::new(),
            hook_failures: VecDeque::new(),
            fault_after: None,
            first_traffic: None,
            rng: Pcg64Mcg::seed_from_u64(seed),
            weights: Vec::new(),
            detection: None,
            rollback_done: None,
            finished: None,
            notes: Vec::new(),
        }
    }

    /// Alarm `index` is in `state` from the start, without a transition
    /// (e.g. already in ALARM before the deployment).
    pub fn initial_state(&mut self, index: usize, state: AlarmState) -> &mut Self {
        self.states[index] = state;
        self
    }

    /// Alarm `index` changes to `state` at `at` (an alarm evaluation).
    pub fn alarm_at(&mut self, at: Micros, index: usize, state: AlarmState) -> &mut Self {
        self.changes.push(state);
        self.queue.push(
            at,
            Class::Judgement,
            Ev::Alarm(index, self.changes.len() - 1),
        );
        self
    }

    /// A stack rollback reaches the strategy at `at`.
    pub fn abort_at(&mut self, at: Micros, trigger: &str) -> &mut Self {
        self.aborts
            .push(trigger.parse().expect("a trigger's text form parses"));
        self.queue
            .push(at, Class::Timer, Ev::Abort(self.aborts.len() - 1));
        self
    }

    /// Starts `strategy` at t = 0 and runs it until `until`.
    pub fn run(&mut self, strategy: &mut dyn Strategy, until: Micros) {
        strategy.start(self);
        while let Some(at) = self.queue.peek_time() {
            if at > until {
                break;
            }
            let Some((_, ev)) = self.queue.pop() else {
                break;
            };
            self.now = at;
            match ev {
                Ev::Alarm(index, change) => {
                    let state = self.changes[change];
                    if self.states[index] != state {
                        self.states[index] = state;
                        strategy.on_verdict(index, Verdict::from(state), self);
                    }
                }
                Ev::Poll(token) | Ev::Timer(token) => strategy.on_timer(token, self),
                Ev::Abort(i) => {
                    let trigger = self.aborts[i].clone();
                    strategy.abort(&trigger, self);
                }
            }
        }
    }

    /// Whether a marker `event` was noted at `at`.
    pub fn noted(&self, at: Micros, event: &str) -> bool {
        self.notes.iter().any(|(t, e)| *t == at && e == event)
    }
}

impl Control for Script {
    fn now(&self) -> Micros {
        self.now
    }

    fn schedule(&mut self, at: Micros, token: u32) {
        self.queue
            .push(at.max(self.now), Class::Timer, Ev::Timer(token));
    }

    fn schedule_poll(&mut self, at: Micros, token: u32) {
        self.queue
            .push(at.max(self.now), Class::Poll, Ev::Poll(token));
    }

    fn set_candidate_weight(&mut self, pct: f64) {
        if pct > 0.0 && self.first_traffic.is_none() {
            self.first_traffic = Some(self.now);
        }
        self.weights.push((self.now, pct));
    }

    fn failing_judge(&self, watched: &[usize]) -> Option<usize> {
        watched
            .iter()
            .copied()
            .find(|&i| self.states[i] == AlarmState::Alarm)
    }

    fn judge_name(&self, index: usize) -> String {
        format!("alarm{index}")
    }

    fn hook_fails(&mut self, _hook: &Hook) -> bool {
        self.hook_failures.pop_front().unwrap_or(false)
    }

    fn draw_delay(&mut self, delay: &DelayDist) -> Micros {
        delay.sample(&mut self.rng)
    }

    fn chance(&mut self, p: f64) -> bool {
        p >= 1.0 || (p > 0.0 && self.rng.random::<f64>() < p)
    }

    fn fault_visible_at(&self) -> Option<Micros> {
        Some(self.first_traffic? + self.fault_after?)
    }

    fn detected(&mut self, trigger: &Trigger) {
        if self.detection.is_none() {
            self.detection = Some((self.now, trigger.to_string()));
        }
    }

    fn rollback_complete(&mut self) {
        self.rollback_done = Some(self.now);
    }

    fn finish(&mut self, outcome: Outcome) {
        self.finished = Some((self.now, outcome));
    }

    fn note(&mut self, event: EventKind, _detail: &str) {
        self.notes.push((self.now, event.to_string()));
    }
}

/// A strategy spec of `kind` watching alarm 0, without hooks.
pub fn spec(kind: crate::model::StrategyKind) -> crate::model::StrategySpec {
    crate::model::StrategySpec {
        name: kind.name().to_string(),
        kind,
        alarms: vec![0],
        pre_traffic_hook: None,
        post_traffic_hook: None,
    }
}

/// The CodeDeploy-style guard of the tests: rollback after 5 s, poll every
/// minute.
pub fn guard() -> crate::model::PollGuard {
    crate::model::PollGuard {
        rollback: true,
        rollback_latency: crate::sim::time::secs(5),
        poll_interval: crate::sim::time::secs(60),
    }
}

/// An API Gateway canary of the tests: `percent_traffic`, promoted with all
/// three options after `review_time`, the new version in the canary's
/// deployment, the test rollback function, stage updates in effect after
/// 5 s, no operator, no cache.
pub fn apigw(percent_traffic: f64, review_time: Option<DelayDist>) -> crate::model::ApiGwSpec {
    use crate::model::{ApiGwSpec, CanaryCarrier, Promotion};
    ApiGwSpec {
        percent_traffic,
        review_time,
        promotion: Promotion {
            deployment: true,
            stage_variables: true,
            canary_to_zero: true,
        },
        new_version_via: CanaryCarrier::Deployment,
        stage_variable_overrides: Vec::new(),
        rollback: true,
        function: rollback_function(),
        propagation_delay: DelayDist::Fixed(crate::sim::time::secs(5)),
        operator: None,
        cache: None,
    }
}

/// The rollback function of the tests: SNS 2 s, run time 3 s.
pub fn rollback_function() -> crate::model::RollbackFunction {
    use crate::sim::time::secs;
    crate::model::RollbackFunction {
        sns_delay: DelayDist::Fixed(secs(2)),
        function_duration: DelayDist::Fixed(secs(3)),
    }
}

/// Lattice weights 90/10 → 50/50 at 10 min → 0/1 at 20 min, with fixed
/// delays: propagation 90 s, SNS 2 s, rollback function 3 s.
pub fn lattice() -> crate::model::LatticeSpec {
    use crate::model::{DelayDist, LatticeChange};
    use crate::sim::time::secs;
    crate::model::LatticeSpec {
        weights: [90, 10],
        schedule: vec![
            LatticeChange {
                after: secs(600),
                weights: [50, 50],
            },
            LatticeChange {
                after: secs(1200),
                weights: [0, 1],
            },
        ],
        bake: Some(Micros::ZERO),
        propagation_delay: DelayDist::Fixed(secs(90)),
        function: rollback_function(),
        rollback: true,
    }
}

/// One spec of every kind, each completing at a fixed time.
pub fn every_kind() -> Vec<crate::model::StrategySpec> {
    use crate::model::*;
    use crate::sim::time::secs;
    vec![
        spec(StrategyKind::CodeDeploy(CodeDeploySpec {
            shift: TrafficShift::Canary {
                percentage: 10,
                interval: secs(300),
            },
            config_name: "Canary10Percent5Minutes".into(),
            guard: guard(),
            linear_completion: LinearCompletion::LastShift,
        })),
        spec(StrategyKind::ApiGwCanary(apigw(
            10.0,
            Some(DelayDist::Fixed(secs(1800))),
        ))),
        spec(StrategyKind::Steps(StepsSpec {
            steps: [
                (1.0, 300),
                (5.0, 300),
                (25.0, 600),
                (50.0, 600),
                (100.0, 900),
            ]
            .into_iter()
            .map(|(weight_pct, bake)| WeightStep {
                weight_pct,
                bake: secs(bake),
            })
            .collect(),
            guard: guard(),
        })),
        spec(StrategyKind::Lattice(lattice())),
    ]
}
