//! The deployment state machine every strategy kind runs: an optional
//! pre-traffic hook, weight steps relative to t0 (the end of the pre-traffic
//! hook), completion a bake time after the last step took effect (or never),
//! an optional post-traffic hook, and until completion a watch for problems —
//! alarm polls (CodeDeploy style), alarm transitions (CloudWatch alarm
//! actions), an operator — answered by a rollback chain of delays.
//!
//! Semantics shared by every kind:
//! - a problem seen while the deployment is active (pre hook, shifting, post
//!   hook) stops it; with rollback enabled all traffic returns to stable when
//!   the last stage of the rollback chain ends, otherwise the weights freeze
//!   (outcome `stopped`);
//! - nothing is watched after completion, except that [`Rollout::abort`] (a
//!   stack rollback caused by another function) rolls back even a completed
//!   deployment;
//! - with a propagation delay (VPC Lattice, API Gateway stage updates) every
//!   weight change, the rollback included, takes effect that long after it
//!   was issued, and changes take effect in the order they were issued: a
//!   change already issued still lands when a rollback or stop is decided
//!   after it, and the rollback's update never overtakes it;
//! - an operator arms when the candidate first receives traffic: if the
//!   candidate is faulty and the operator notices (a Bernoulli draw), the
//!   rollback decision comes a drawn detection delay after the fault first
//!   affects the candidate.
//! - a minimum-request guard that holds ([`Rollout::holding`]): when a
//!   traffic shift after the first, or the completion, is due while a
//!   watched judge's guard is inconclusive with `on_inconclusive = "wait"`,
//!   the deployment holds it and resumes at the first poll at which no
//!   watched judge is so held; with `"pause"` an operator resumes it a
//!   drawn review time later. Every later step moves by the time held.
//!   Problems are still watched while held. The first shift is never held:
//!   before it the candidate has no requests to count.

use std::borrow::Cow;

use super::{Control, Strategy};
use crate::judge::Verdict;
use crate::model::{DelayDist, Hook, OnInconclusive, Operator};
use crate::record::{EventKind, Outcome, Trigger};
use crate::sim::time::Micros;

const POLL: u32 = 0;
const PRE_HOOK_DONE: u32 = 1;
const POST_HOOK_DONE: u32 = 2;
const ROLLBACK_STAGE: u32 = 3;
const SHIFTING_DONE: u32 = 4;
const OPERATOR: u32 = 5;
const PROMOTION_TO_OLD: u32 = 6;
const RESUME: u32 = 7;
/// Token of "issue step i" is `ISSUE_BASE + i`.
const ISSUE_BASE: u32 = 100;
/// Token of "step i takes effect" (after propagation) is `EFFECT_BASE + i`.
const EFFECT_BASE: u32 = 1 << 20;

/// How the deployment learns about alarms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Watch {
    /// Reads the watched alarms' states at deployment start and then at
    /// this interval (CodeDeploy); an alarm *in* ALARM at a poll is a
    /// problem, so one already in ALARM at t = 0 stops the deployment at
    /// once.
    Poll(Micros),
    /// An alarm's transition into ALARM is a problem at that instant
    /// (CloudWatch alarm actions fire on state changes).
    Transition,
    /// Alarms are not watched.
    None,
}

/// One stage of a rollback chain: a delay, and a timeline marker when it
/// ends (the last stage's end is `rollback_complete`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stage {
    pub label: EventKind,
    pub delay: DelayDist,
}

/// Everything a kind decides about one deployment of one function.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan<'a> {
    /// Shown in the `completed` marker (e.g. the CodeDeploy config name).
    pub label: Cow<'a, str>,
    pub pre_hook: Option<&'a Hook>,
    pub post_hook: Option<&'a Hook>,
    /// (offset from t0, candidate weight %), offsets non-decreasing.
    pub steps: Vec<(Micros, f64)>,
    /// API Gateway promotion: a review time drawn at t0, and the
    /// candidate's share once the promotion took effect. 100: the
    /// deployment completes then; 0: the promotion put all traffic back on
    /// the old deployment — an operator rollback at review time through
    /// the direct chain.
    pub promotion: Option<(DelayDist, f64)>,
    /// Completion this long after the last step took effect; `None`: the
    /// deployment never completes (held until the horizon).
    pub bake: Option<Micros>,
    /// Scenario indices of the alarms watched.
    pub watched: Vec<usize>,
    pub watch: Watch,
    /// False: a problem stops the deployment and the weights freeze.
    pub rollback: bool,
    /// From an alarm detection to all traffic on stable.
    pub alarm_chain: Vec<Stage>,
    /// From any other detection (hook, operator, stack rollback).
    pub direct_chain: Vec<Stage>,
    /// Delay before every weight change takes effect.
    pub propagation: Option<DelayDist>,
    pub operator: Option<Operator>,
}

impl Plan<'_> {
    /// A compensation function released all at once within a deployment:
    /// 100 % at t = 0, no hooks, no watching, completed at once (after
    /// `propagation` for VPC Lattice); rolled back only with the stack,
    /// through the kind's direct rollback path `direct_chain` (see
    /// `strategy::all_at_once`, which picks both per kind).
    pub fn all_at_once(direct_chain: Vec<Stage>, propagation: Option<DelayDist>) -> Plan<'static> {
        Plan {
            label: Cow::Borrowed("AllAtOnce"),
            pre_hook: None,
            post_hook: None,
            steps: vec![(Micros::ZERO, 100.0)],
            promotion: None,
            bake: Some(Micros::ZERO),
            watched: Vec::new(),
            watch: Watch::None,
            rollback: true,
            alarm_chain: direct_chain.clone(),
            direct_chain,
            propagation,
            operator: None,
        }
    }
}

/// A one-stage rollback chain of a fixed latency (an alias or stage update).
pub fn latency_chain(latency: Micros) -> Vec<Stage> {
    vec![Stage {
        label: EventKind::Rollback,
        delay: DelayDist::Fixed(latency),
    }]
}

/// What a hold keeps back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    /// Issuing step i.
    Issue(usize),
    /// The end of shifting (post-traffic hook or completion).
    Done,
}

/// A hold in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Hold {
    pending: Pending,
    since: Micros,
    /// `wait`: resumed by a poll; `pause`: by the operator's timer.
    by_poll: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    PreHook,
    Shifting,
    PostHook,
    RollingBack,
    Done(Outcome),
}

/// One deployment in progress.
pub struct Rollout<'a> {
    plan: Plan<'a>,
    phase: Phase,
    t0: Micros,
    /// The plan's steps plus, once drawn, the promotion step.
    steps: Vec<(Micros, f64)>,
    bake: Option<Micros>,
    /// When the most recently issued change takes effect.
    last_effect: Micros,
    traffic_started: bool,
    /// The rollback chain in progress (alarm chain or direct chain).
    alarm_rollback: bool,
    stage: usize,
    /// Whether a watched judge's guard may hold: steps are then issued one
    /// at a time, each after the previous one (`Rollout::holding`).
    holds: bool,
    hold: Option<Hold>,
    /// Total time held so far: later steps move by it.
    held: Micros,
}

impl<'a> Rollout<'a> {
    pub fn new(plan: Plan<'a>) -> Self {
        Rollout {
            bake: plan.bake,
            plan,
            phase: Phase::PreHook,
            t0: Micros::ZERO,
            steps: Vec::new(),
            last_effect: Micros::ZERO,
            traffic_started: false,
            alarm_rollback: false,
            stage: 0,
            holds: false,
            hold: None,
            held: Micros::ZERO,
        }
    }

    /// Lets a watched judge's inconclusive guard hold the deployment
    /// (`on_inconclusive = "wait" | "pause"`). Without it the steps are all
    /// scheduled at the start, as before guards existed.
    pub fn holding(mut self, holds: bool) -> Self {
        self.holds = holds;
        self
    }

    /// Holds `pending` if a watched judge's guard asks for it now; returns
    /// whether it did. Never before the candidate has had traffic.
    fn hold_if_inconclusive(&mut self, pending: Pending, ctl: &mut dyn Control) -> bool {
        if !self.holds || !self.traffic_started {
            return false;
        }
        let Some((judge, on)) = ctl.inconclusive_hold(&self.plan.watched) else {
            return false;
        };
        let name = ctl.judge_name(judge);
        ctl.note(EventKind::Held, &format!("{name}: {}", on.name()));
        if let OnInconclusive::Pause(review) = on {
            let at = ctl.now() + ctl.draw_delay(&review);
            ctl.schedule(at, RESUME);
        }
        self.hold = Some(Hold {
            pending,
            since: ctl.now(),
            by_poll: matches!(on, OnInconclusive::Wait),
        });
        true
    }

    /// Ends the hold and does what it kept back.
    fn resume(&mut self, why: &str, ctl: &mut dyn Control) {
        let Some(hold) = self.hold.take() else {
            return;
        };
        self.held += ctl.now() - hold.since;
        ctl.note(EventKind::Resumed, why);
        match hold.pending {
            Pending::Issue(i) => self.issue_step(i, ctl),
            Pending::Done => self.shifting_done(ctl),
        }
    }

    /// Step `i` is due: issued now unless held; with holds possible, the
    /// next step is scheduled only now, moved by the time held.
    fn step_due(&mut self, i: usize, ctl: &mut dyn Control) {
        if i > 0 && self.hold_if_inconclusive(Pending::Issue(i), ctl) {
            return;
        }
        self.issue_step(i, ctl);
    }

    fn issue_step(&mut self, i: usize, ctl: &mut dyn Control) {
        self.issue(i, ctl);
        if self.holds {
            if let Some(&(offset, _)) = self.steps.get(i + 1) {
                let at = self.t0 + offset + self.held;
                ctl.schedule(at, ISSUE_BASE + i as u32 + 1);
            }
        }
    }

    /// Shifting ended (the last step's bake is over): the post-traffic
    /// hook, or completion.
    fn shifting_done(&mut self, ctl: &mut dyn Control) {
        match self.plan.post_hook {
            Some(h) => {
                self.phase = Phase::PostHook;
                ctl.note(EventKind::PostTrafficHookStart, "");
                ctl.schedule(ctl.now() + h.duration, POST_HOOK_DONE);
            }
            None => self.complete(ctl),
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
        self.last_effect = self.t0;
        self.steps.clone_from(&self.plan.steps);
        if let Some((review, share)) = &self.plan.promotion {
            let at = ctl.draw_delay(review);
            if *share > 0.0 {
                self.steps.push((at, *share));
                self.bake = Some(Micros::ZERO);
            } else {
                ctl.schedule(self.t0 + at, PROMOTION_TO_OLD);
            }
        }
        for (i, &(offset, _)) in self.steps.iter().enumerate() {
            ctl.schedule(self.t0 + offset, ISSUE_BASE + i as u32);
            if self.holds {
                // The others follow one by one (`issue_step`).
                break;
            }
        }
    }

    /// Step `i` was issued now: it takes effect now, or after propagation.
    fn issue(&mut self, i: usize, ctl: &mut dyn Control) {
        match &self.plan.propagation {
            None => self.apply(i, ctl),
            Some(delay) => {
                let at = (ctl.now() + ctl.draw_delay(delay)).max(self.last_effect);
                self.last_effect = at;
                ctl.note(
                    EventKind::WeightUpdateIssued,
                    &format!("{}", self.steps[i].1),
                );
                ctl.schedule(at, EFFECT_BASE + i as u32);
            }
        }
    }

    /// Step `i` takes effect now.
    fn apply(&mut self, i: usize, ctl: &mut dyn Control) {
        let pct = self.steps[i].1;
        ctl.set_candidate_weight(pct);
        if self.plan.promotion.is_some_and(|(_, share)| share > 0.0) && i == self.plan.steps.len() {
            ctl.note(EventKind::Promoted, "");
        }
        if pct > 0.0 && !self.traffic_started {
            self.traffic_started = true;
            self.arm_operator(ctl);
        }
        if i + 1 == self.steps.len() {
            if let Some(bake) = self.bake {
                ctl.schedule(ctl.now() + bake, SHIFTING_DONE);
            }
        }
    }

    fn arm_operator(&mut self, ctl: &mut dyn Control) {
        let Some(op) = self.plan.operator else {
            return;
        };
        let Some(visible) = ctl.fault_visible_at() else {
            return;
        };
        if ctl.chance(op.notice_probability) {
            let at = visible.max(ctl.now()) + ctl.draw_delay(&op.detection_delay);
            ctl.schedule(at, OPERATOR);
        }
    }

    /// A problem was seen: stop, and roll back if configured.
    fn fail(&mut self, trigger: &Trigger, by_alarm: bool, ctl: &mut dyn Control) {
        ctl.detected(trigger);
        if self.plan.rollback {
            self.start_rollback(trigger, by_alarm, ctl);
        } else {
            self.phase = Phase::Done(Outcome::Stopped);
            ctl.note(EventKind::Stopped, &trigger.to_string());
            ctl.finish(Outcome::Stopped);
        }
    }

    fn start_rollback(&mut self, trigger: &Trigger, by_alarm: bool, ctl: &mut dyn Control) {
        self.phase = Phase::RollingBack;
        self.alarm_rollback = by_alarm;
        self.stage = 0;
        ctl.note(EventKind::RollbackStart, &trigger.to_string());
        self.next_stage(ctl);
    }

    fn chain(&self) -> &[Stage] {
        if self.alarm_rollback {
            &self.plan.alarm_chain
        } else {
            &self.plan.direct_chain
        }
    }

    /// Schedules the end of the current rollback stage, or ends the rollback.
    /// With a propagation delay the chain's last stage is the propagation
    /// of the rollback's own weight update: like every change it takes
    /// effect in issue order, never before a change issued earlier.
    fn next_stage(&mut self, ctl: &mut dyn Control) {
        match self.chain().get(self.stage).copied() {
            Some(stage) => {
                let mut at = ctl.now() + ctl.draw_delay(&stage.delay);
                if self.plan.propagation.is_some() && self.stage + 1 == self.chain().len() {
                    at = at.max(self.last_effect);
                    self.last_effect = at;
                }
                ctl.schedule(at, ROLLBACK_STAGE);
            }
            None => {
                ctl.set_candidate_weight(0.0);
                ctl.rollback_complete();
                self.phase = Phase::Done(Outcome::RolledBack);
                ctl.finish(Outcome::RolledBack);
            }
        }
    }

    fn complete(&mut self, ctl: &mut dyn Control) {
        self.phase = Phase::Done(Outcome::Completed);
        ctl.note(EventKind::Completed, &self.plan.label);
        ctl.finish(Outcome::Completed);
    }

    /// The pre-traffic (`post` false) or post-traffic hook ended: a failed
    /// hook rolls back, a passed one lets the deployment go on.
    fn end_hook(&mut self, post: bool, ctl: &mut dyn Control) {
        let (hook, trigger, passed) = if post {
            (
                self.plan.post_hook,
                Trigger::PostTrafficHook,
                EventKind::PostTrafficHookPassed,
            )
        } else {
            (
                self.plan.pre_hook,
                Trigger::PreTrafficHook,
                EventKind::PreTrafficHookPassed,
            )
        };
        let hook = hook.expect("a hook end is scheduled only for a configured hook");
        if ctl.hook_fails(hook) {
            self.fail(&trigger, false, ctl);
            return;
        }
        ctl.note(passed, "");
        if post {
            self.complete(ctl);
        } else {
            self.begin_shifting(ctl);
        }
    }
}

impl Strategy for Rollout<'_> {
    fn start(&mut self, ctl: &mut dyn Control) {
        // The first poll is at deployment start: an alarm already in ALARM
        // (its history before t = 0, `[metrics] warmup`) stops the
        // deployment at once (reference §2.5).
        if matches!(self.plan.watch, Watch::Poll(_)) {
            ctl.schedule_poll(ctl.now(), POLL);
        }
        match self.plan.pre_hook {
            Some(h) => {
                ctl.note(EventKind::PreTrafficHookStart, "");
                ctl.schedule(ctl.now() + h.duration, PRE_HOOK_DONE);
            }
            None => self.begin_shifting(ctl),
        }
    }

    fn on_timer(&mut self, token: u32, ctl: &mut dyn Control) {
        match token {
            POLL => {
                let Watch::Poll(interval) = self.plan.watch else {
                    return;
                };
                if !self.active() {
                    return;
                }
                if let Some(judge) = ctl.failing_judge(&self.plan.watched) {
                    let name = ctl.judge_name(judge);
                    self.fail(&Trigger::Alarm(name), true, ctl);
                } else {
                    ctl.schedule_poll(ctl.now() + interval, POLL);
                    let waiting = self.hold.is_some_and(|h| h.by_poll);
                    if waiting && ctl.inconclusive_hold(&self.plan.watched).is_none() {
                        self.resume("conclusive", ctl);
                    }
                }
            }
            PRE_HOOK_DONE if self.phase == Phase::PreHook => self.end_hook(false, ctl),
            SHIFTING_DONE
                if self.phase == Phase::Shifting
                    && !self.hold_if_inconclusive(Pending::Done, ctl) =>
            {
                self.shifting_done(ctl);
            }
            RESUME if self.phase == Phase::Shifting => self.resume("operator", ctl),
            POST_HOOK_DONE if self.phase == Phase::PostHook => self.end_hook(true, ctl),
            OPERATOR if self.active() => self.fail(&Trigger::Operator, false, ctl),
            // "Set the canary to 0 %" without promoting the new version:
            // the person ends the canary whatever `rollback` says.
            PROMOTION_TO_OLD if self.active() => {
                ctl.note(EventKind::Promoted, "canary 0%");
                ctl.detected(&Trigger::Operator);
                self.start_rollback(&Trigger::Operator, false, ctl);
            }
            ROLLBACK_STAGE if self.phase == Phase::RollingBack => {
                self.stage += 1;
                if self.stage < self.chain().len() {
                    let label = self.chain()[self.stage - 1].label;
                    ctl.note(label, "");
                }
                self.next_stage(ctl);
            }
            // An issued change lands whatever happened since it was issued
            // (a rollback or stop decided later cannot recall an
            // update-listener call already made); it is scheduled only
            // while shifting, and a rollback's own update never lands
            // before it (`next_stage`).
            t if t >= EFFECT_BASE => {
                self.apply((t - EFFECT_BASE) as usize, ctl);
            }
            t if t >= ISSUE_BASE && self.phase == Phase::Shifting => {
                self.step_due((t - ISSUE_BASE) as usize, ctl);
            }
            _ => {}
        }
    }

    fn on_verdict(&mut self, index: usize, verdict: Verdict, ctl: &mut dyn Control) {
        if self.plan.watch == Watch::Transition
            && verdict == Verdict::Failing
            && self.active()
            && self.plan.watched.contains(&index)
        {
            let name = ctl.judge_name(index);
            self.fail(&Trigger::Alarm(name), true, ctl);
        }
    }

    fn abort(&mut self, trigger: &Trigger, ctl: &mut dyn Control) {
        // A stack rollback restores the stable version whatever the
        // deployment's own rollback setting, and also after completion.
        match self.phase {
            Phase::RollingBack | Phase::Done(Outcome::RolledBack) => {}
            _ => {
                ctl.detected(trigger);
                self.start_rollback(trigger, false, ctl);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::script::{every_kind, Script};
    use super::super::{build, nominal_duration};
    use crate::alarm::AlarmState;
    use crate::model::{Hook, StrategySpec, TrafficShift};
    use crate::record::Outcome;
    use crate::sim::time::{secs, Micros};
    use crate::testkit::scenario;

    const HORIZON: Micros = secs(4 * 3600);

    fn hook(minutes: u64) -> Hook {
        Hook {
            duration: secs(60 * minutes),
            catch_probability: [0.0; 5],
            flaky_probability: 0.0,
        }
    }

    /// Runs `spec` against the test scenario's alarm 0 with `script`.
    fn run(spec: &StrategySpec, script: &mut Script) {
        let mut sc = scenario(TrafficShift::AllAtOnce);
        sc.strategies = vec![spec.clone()];
        let mut strategy = build(&sc.strategies[0], &sc, 0);
        script.run(strategy.as_mut(), HORIZON);
    }

    /// How long the kind's rollback takes from a non-alarm detection.
    fn direct_rollback(spec: &StrategySpec) -> Micros {
        match spec.kind.name() {
            "lattice" => secs(3 + 90),
            _ => secs(5),
        }
    }

    #[test]
    fn every_kind_completes_at_its_nominal_duration_with_passing_hooks() {
        for mut spec in every_kind() {
            spec.pre_traffic_hook = Some(hook(2));
            spec.post_traffic_hook = Some(hook(10));
            let mut s = Script::new(1, 1);
            s.hook_failures.extend([false, false]);
            run(&spec, &mut s);
            let end = nominal_duration(&spec);
            assert_eq!(s.finished, Some((end, Outcome::Completed)), "{}", spec.name);
            assert!(
                s.noted(secs(120), "pre_traffic_hook_passed"),
                "{}",
                spec.name
            );
            assert!(s.noted(end, "post_traffic_hook_passed"), "{}", spec.name);
            assert_eq!(s.detection, None);
            assert!(
                s.weights.iter().all(|&(t, _)| t >= secs(120)),
                "{}: no traffic before the pre-traffic hook passed",
                spec.name
            );
            assert_eq!(s.weights.last().map(|w| w.1), Some(100.0), "{}", spec.name);
        }
    }

    #[test]
    fn a_failed_pre_traffic_hook_rolls_back_before_any_traffic_for_every_kind() {
        for mut spec in every_kind() {
            spec.pre_traffic_hook = Some(hook(2));
            let mut s = Script::new(1, 1);
            s.hook_failures.push_back(true);
            run(&spec, &mut s);
            assert_eq!(
                s.detection,
                Some((secs(120), "pre_traffic_hook".into())),
                "{}",
                spec.name
            );
            let back = secs(120) + direct_rollback(&spec);
            assert_eq!(
                s.finished,
                Some((back, Outcome::RolledBack)),
                "{}",
                spec.name
            );
            assert_eq!(
                s.weights,
                vec![(back, 0.0)],
                "{}: the candidate never got traffic",
                spec.name
            );
        }
    }

    #[test]
    fn a_failed_post_traffic_hook_rolls_back_after_full_traffic_for_every_kind() {
        for mut spec in every_kind() {
            spec.post_traffic_hook = Some(hook(10));
            let mut s = Script::new(1, 1);
            s.hook_failures.push_back(true);
            run(&spec, &mut s);
            let end = nominal_duration(&spec);
            assert_eq!(
                s.detection,
                Some((end, "post_traffic_hook".into())),
                "{}",
                spec.name
            );
            assert_eq!(
                s.rollback_done,
                Some(end + direct_rollback(&spec)),
                "{}",
                spec.name
            );
            let full = s
                .weights
                .iter()
                .position(|w| w.1 == 100.0)
                .expect("100 % reached");
            assert_eq!(
                s.weights[full + 1],
                (end + direct_rollback(&spec), 0.0),
                "{}",
                spec.name
            );
        }
    }

    #[test]
    fn an_alarm_after_completion_changes_nothing_but_a_stack_rollback_does() {
        for spec in every_kind() {
            let end = nominal_duration(&spec);
            let mut s = Script::new(1, 1);
            s.alarm_at(end + secs(60), 0, AlarmState::Alarm);
            s.abort_at(end + secs(600), "stack_rollback:other");
            run(&spec, &mut s);
            let abort = end + secs(600);
            assert_eq!(
                s.detection,
                Some((abort, "stack_rollback:other".into())),
                "{}",
                spec.name
            );
            let back = abort + direct_rollback(&spec);
            assert_eq!(
                s.finished,
                Some((back, Outcome::RolledBack)),
                "{}",
                spec.name
            );
            assert_eq!(s.weights.last(), Some(&(back, 0.0)), "{}", spec.name);
        }
    }

    #[test]
    fn without_rollback_a_problem_stops_and_freezes_the_weights() {
        for mut spec in every_kind() {
            match &mut spec.kind {
                crate::model::StrategyKind::CodeDeploy(k) => k.guard.rollback = false,
                crate::model::StrategyKind::ApiGwCanary(k) => k.rollback = false,
                crate::model::StrategyKind::Steps(k) => k.guard.rollback = false,
                crate::model::StrategyKind::Lattice(k) => k.rollback = false,
                crate::model::StrategyKind::Argo(_) | crate::model::StrategyKind::Flagger(_) => {
                    continue
                }
            }
            let mut s = Script::new(1, 1);
            s.alarm_at(secs(170), 0, AlarmState::Alarm);
            run(&spec, &mut s);
            let (at, outcome) = s.finished.expect("stopped");
            assert_eq!(outcome, Outcome::Stopped, "{}", spec.name);
            assert!(at <= secs(180), "{}", spec.name);
            assert!(
                s.weights.iter().all(|&(t, _)| t <= at),
                "{}: weights froze",
                spec.name
            );
            assert_eq!(s.rollback_done, None);
        }
    }
}
