//! Deployment strategies. A strategy is a small state machine driven by timer
//! callbacks and alarm transitions; it reads alarm states and hook outcomes
//! through [`Control`] and answers with weight changes, detections and
//! rollbacks. It knows nothing of requests or metrics.
//!
//! Every kind is one file that turns its typed spec into a [`rollout::Plan`]
//! (weight steps, completion, hooks, how alarms are watched, the rollback
//! path); the one [`rollout::Rollout`] state machine runs every plan, so
//! hooks, alarm polling, alarm-transition actions, operators, propagation
//! delays and rollback chains behave the same for every deployment system.
//!
//! Each kind's file also validates its `[strategies.NAME]` table (its
//! `KIND`, see `scenario::validate::kind`); `KINDS` registers them.

pub mod alarm_action;
pub mod analysis_keys;
pub mod apigw;
pub mod argo;
pub mod argo_run;
pub mod codedeploy;
pub mod codedeploy_configs;
pub mod flagger;
pub mod flagger_run;
pub mod lattice;
pub mod rollout;
#[cfg(test)]
pub(crate) mod script;
pub mod steps;

use crate::judge::prometheus::Query;
use crate::judge::Verdict;
use crate::model::{DelayDist, Deploy, Hook, OnInconclusive, Scenario, StrategyKind, StrategySpec};
use crate::record::{EventKind, Outcome, Trigger};
use crate::scenario::validate::kind::Kind;
use crate::sim::time::Micros;

/// The strategy kinds scenario files may name, in the order messages list
/// them; the first is the default `kind`.
pub(crate) static KINDS: [&Kind; 6] = [
    &codedeploy::KIND,
    &apigw::KIND,
    &steps::KIND,
    &lattice::KIND,
    &argo::KIND,
    &flagger::KIND,
];

/// What a strategy may do and see at the moment of a callback. The world
/// (`crate::world`) implements it; tests implement it with a script.
pub trait Control {
    fn now(&self) -> Micros;
    /// Calls `Strategy::on_timer(token)` at `at` (≥ now).
    fn schedule(&mut self, at: Micros, token: u32);
    /// Like `schedule`, for polls of the judges: at equal times a poll runs
    /// after judge evaluations and before every other strategy timer.
    fn schedule_poll(&mut self, at: Micros, token: u32);
    /// Sets the candidate's traffic share in percent (0–100).
    fn set_candidate_weight(&mut self, pct: f64);
    /// The first watched judge (a scenario alarm index) whose verdict is
    /// [`Verdict::Failing`] (a CloudWatch alarm in ALARM).
    fn failing_judge(&self, watched: &[usize]) -> Option<usize>;
    /// The scenario name of judge `index`.
    fn judge_name(&self, index: usize) -> String;
    /// The first watched judge whose minimum-request guard makes it
    /// inconclusive now and whose `on_inconclusive` holds the deployment,
    /// with what it asks for (`wait` or `pause`).
    fn inconclusive_hold(&self, _watched: &[usize]) -> Option<(usize, OnInconclusive)> {
        None
    }
    /// Runs a validation hook's verdict: true if it failed.
    fn hook_fails(&mut self, hook: &Hook) -> bool;
    /// One draw of a random delay from the control stream (hooks, operators,
    /// notification chains), never from the traffic stream.
    fn draw_delay(&mut self, delay: &DelayDist) -> Micros;
    /// A Bernoulli(p) draw from the control stream; p ≥ 1 draws nothing.
    fn chance(&mut self, p: f64) -> bool;
    /// When an injected fault first affects the candidate's requests
    /// (absolute time), once it has received traffic; `None` for a healthy
    /// candidate or before its first traffic.
    fn fault_visible_at(&self) -> Option<Micros>;
    /// The deployment saw a problem (an alarm, a hook, an operator, a
    /// stack rollback).
    fn detected(&mut self, trigger: &Trigger);
    /// All traffic is back on stable.
    fn rollback_complete(&mut self);
    /// The deployment ended (or, after a stack rollback of a completed
    /// deployment, ended again): the last call decides the outcome.
    fn finish(&mut self, outcome: Outcome);
    /// A marker for the timeline (`event`, `detail`).
    fn note(&mut self, event: EventKind, detail: &str);
    /// A Prometheus query of this world's scrapes at the current time
    /// (`judge::prometheus::Scrapes::query`, read by the `argo` and
    /// `flagger` analyses): `None` is an empty result. Worlds without
    /// scrapes answer `None`.
    fn query(&self, _query: Query, _version: usize, _window: Micros) -> Option<f64> {
        None
    }
}

/// A deployment system's behaviour over one replication.
pub trait Strategy {
    fn start(&mut self, ctl: &mut dyn Control);
    fn on_timer(&mut self, token: u32, ctl: &mut dyn Control);
    /// Judge `index` (a scenario alarm index) changed its verdict at the
    /// current evaluation. CloudWatch alarm actions fire on such transitions.
    fn on_verdict(&mut self, _index: usize, _verdict: Verdict, _ctl: &mut dyn Control) {}
    /// Another function of the same deployment failed: roll this one back
    /// too (CloudFormation stack rollback), even if it already completed.
    fn abort(&mut self, _trigger: &Trigger, _ctl: &mut dyn Control) {}
}

/// Builds the runtime state machine of strategy `spec` for function
/// `function` of `sc`.
pub fn build<'a>(
    spec: &'a StrategySpec,
    sc: &'a Scenario,
    function: usize,
) -> Box<dyn Strategy + 'a> {
    let watched = watched_alarms(spec, sc, function);
    let holds = watched
        .iter()
        .any(|&i| sc.judge_guard(i).on_inconclusive.holds());
    match (sc.functions[function].deploy, &spec.kind) {
        (Deploy::Strategy, StrategyKind::Argo(a)) => {
            return Box::new(argo_run::ArgoRollout::new(a))
        }
        (Deploy::Strategy, StrategyKind::Flagger(f)) => {
            return Box::new(flagger_run::FlaggerCanary::new(f))
        }
        _ => {}
    }
    let plan = match (sc.functions[function].deploy, &spec.kind) {
        (Deploy::AllAtOnce, kind) => all_at_once(kind),
        (Deploy::Strategy, StrategyKind::CodeDeploy(cd)) => codedeploy::plan(cd, spec, watched),
        (Deploy::Strategy, StrategyKind::ApiGwCanary(a)) => apigw::plan(a, spec, watched),
        (Deploy::Strategy, StrategyKind::Lattice(l)) => lattice::plan(l, spec, watched),
        (Deploy::Strategy, StrategyKind::Steps(s)) => steps::plan(s, spec, watched),
        (Deploy::Strategy, StrategyKind::Argo(_) | StrategyKind::Flagger(_)) => {
            unreachable!("built above")
        }
    };
    Box::new(rollout::Rollout::new(plan).holding(holds))
}

/// The plan of a function released all at once ([`rollout::Plan::all_at_once`])
/// with the kind's direct rollback path and propagation delay (API
/// Gateway: released at once, rolled back by one stage update).
fn all_at_once(kind: &StrategyKind) -> rollout::Plan<'static> {
    let (direct_chain, propagation) = match kind {
        StrategyKind::Lattice(l) => (lattice::direct_chain(l), Some(l.propagation_delay)),
        StrategyKind::CodeDeploy(cd) => (rollout::latency_chain(cd.guard.rollback_latency), None),
        StrategyKind::ApiGwCanary(a) => (alarm_action::update_chain(a.propagation_delay), None),
        StrategyKind::Steps(s) => (rollout::latency_chain(s.guard.rollback_latency), None),
        StrategyKind::Argo(a) => (rollout::latency_chain(a.abort_latency), None),
        StrategyKind::Flagger(f) => (rollout::latency_chain(f.rollback_latency), None),
    };
    rollout::Plan::all_at_once(direct_chain, propagation)
}

/// The scrape interval of the world's Prometheus, for the kinds whose
/// analysis queries it (`argo`, `flagger`), and whether a query reads
/// latency (the world then keeps Istio's histogram buckets).
pub fn prometheus_needs(spec: &StrategySpec) -> Option<(Micros, bool)> {
    match &spec.kind {
        StrategyKind::Argo(a) => Some((
            a.scrape_interval,
            a.metrics.iter().any(|m| m.query.reads_latency()),
        )),
        StrategyKind::Flagger(f) => Some((
            f.scrape_interval,
            f.metrics.iter().any(|m| m.query.reads_latency()),
        )),
        _ => None,
    }
}

/// The alarms and judges of `spec` that read `function`'s metrics.
fn watched_alarms(spec: &StrategySpec, sc: &Scenario, function: usize) -> Vec<usize> {
    spec.alarms
        .iter()
        .copied()
        .filter(|&a| sc.judge_function(a) == function)
        .collect()
}

/// Time from deployment start to completion when nothing goes wrong, with
/// nominal (median) delays: hooks plus the kind's rollout span (saturating,
/// so absurd inputs cannot overflow). Kinds that may never complete count
/// only their fixed parts.
pub fn nominal_duration(spec: &StrategySpec) -> Micros {
    let hook = |h: &Option<Hook>| h.as_ref().map_or(Micros::ZERO, |h| h.duration);
    let span = match &spec.kind {
        StrategyKind::CodeDeploy(cd) => codedeploy::nominal_span(cd),
        StrategyKind::ApiGwCanary(a) => apigw::nominal_span(a),
        StrategyKind::Lattice(l) => lattice::nominal_span(l),
        StrategyKind::Steps(s) => steps::nominal_span(s),
        StrategyKind::Argo(a) => argo::nominal_span(a),
        StrategyKind::Flagger(f) => flagger::nominal_span(f),
    };
    hook(&spec.pre_traffic_hook)
        .saturating_add(span)
        .saturating_add(hook(&spec.post_traffic_hook))
}
