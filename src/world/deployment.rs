//! A deployment's replication: one [`World`] per function with its
//! strategy, advanced in lockstep by the kernel ([`crate::sim`]) — the next
//! event is always the earliest of all functions (ties in function order),
//! so when one function detects a problem, the stack rollback it causes can
//! be scheduled in every other function at that moment (CloudFormation
//! semantics) — and the records of the deployment as a whole.

use rand::SeedableRng;
use rand_pcg::Pcg64Mcg;

use super::{Ev, World};
use crate::model::{Sampling, Scenario, Workflow};
use crate::record::{Outcome, RunRecord, SagaRecord, TimelineEvent, TimelineRow, Trigger};
use crate::saga::{Flow, Piece, Task};
use crate::seed::{control_seed, function_seed, workflow_seed};
use crate::sim::{self, Class, Process};
use crate::strategy::{self, Strategy};

/// Options for one replication.
#[derive(Debug, Clone, Copy)]
pub struct ReplicationOptions {
    /// Record the per-period timeline and event markers.
    pub timeline: bool,
}

/// Everything one replication produces.
#[derive(Debug, Clone)]
pub struct ReplicationOutput {
    /// The deployment as a whole (the only function's record in a
    /// single-function scenario).
    pub record: RunRecord,
    /// Multi-function scenarios: one record per function (strategy named
    /// `strategy/function`), in function order; empty otherwise.
    pub functions: Vec<RunRecord>,
    pub timeline: Vec<TimelineRow>,
    pub events: Vec<TimelineEvent>,
    /// Fast mode: the parts it had to sample per request (`FALLBACK_*` bits).
    pub fallbacks: u8,
}

/// Fast mode sampled cold-start requests one by one.
pub const FALLBACK_COLD_START: u8 = 1;
/// Fast mode expanded a mixed latency population to compute a percentile.
pub const FALLBACK_MIXED_PERCENTILE: u8 = 2;

/// Human-readable notes for fallback bits (what fast mode sampled per
/// request).
pub fn fallback_notes(bits: u8) -> Vec<&'static str> {
    let mut out = Vec::new();
    if bits & FALLBACK_COLD_START != 0 {
        out.push("segments with pending cold-start requests were sampled per request");
    }
    if bits & FALLBACK_MIXED_PERCENTILE != 0 {
        out.push("percentiles over mixed latency distributions (e.g. function scope with a slower candidate) were computed from per-request samples");
    }
    out
}

/// One function of the deployment: its world and the strategy driving it.
struct FunctionRun<'a> {
    world: World<'a>,
    strategy: Box<dyn Strategy + 'a>,
}

impl Process for FunctionRun<'_> {
    #[inline]
    fn next_time(&self) -> Option<crate::sim::time::Micros> {
        self.world.queue.peek_time()
    }

    #[inline]
    fn step(&mut self) -> bool {
        self.world.step(self.strategy.as_mut())
    }
}

/// Simulates one replication of strategy `strategy_index` with `seed`.
pub fn run_replication(
    sc: &Scenario,
    strategy_index: usize,
    replication: u32,
    seed: u64,
    opts: ReplicationOptions,
) -> ReplicationOutput {
    let spec = &sc.strategies[strategy_index];
    let cache = spec.kind.stage_cache().copied();
    let mut runs: Vec<FunctionRun> = Vec::with_capacity(sc.functions.len());
    for (fi, f) in sc.functions.iter().enumerate() {
        let label = if sc.multi_function {
            format!("{}/{}", spec.name, f.name)
        } else {
            spec.name.clone()
        };
        let mut world = World::new(sc, fi, label, cache, function_seed(sc, fi, seed), opts);
        if let Some((interval, latency)) = strategy::prometheus_needs(spec) {
            world.enable_prometheus(interval, latency);
        }
        let mut strat = strategy::build(spec, sc, fi);
        strat.start(&mut world);
        runs.push(FunctionRun {
            world,
            strategy: strat,
        });
    }
    let mut saga = sc.workflow.as_ref().map(|wf| SagaRun::new(sc, wf, seed));
    let stack_trigger = run_lockstep(sc, seed, &mut runs, saga.as_mut());
    let mut parts: Vec<ReplicationOutput> = runs
        .into_iter()
        .map(|r| r.world.into_output(replication, seed))
        .collect();
    if !sc.multi_function {
        return parts.pop().expect("a scenario has at least one function");
    }
    let records: Vec<RunRecord> = parts.iter().map(|p| p.record.clone()).collect();
    let sagas = saga.map(|s| {
        let c = s.flow.counts;
        SagaRecord {
            started: c.started,
            failed: c.failed,
            inconsistent: c.inconsistent,
        }
    });
    let record = deployment_record(
        sc,
        &spec.name,
        replication,
        seed,
        &records,
        stack_trigger,
        sagas,
    );
    let mut out = ReplicationOutput {
        record,
        functions: records,
        timeline: Vec::new(),
        events: Vec::new(),
        fallbacks: 0,
    };
    for p in parts {
        out.timeline.extend(p.timeline);
        out.events.extend(p.events);
        out.fallbacks |= p.fallbacks;
    }
    out
}

/// Runs every function's events in global time order until each reaches
/// the horizon. With stack rollback, the first function to detect a
/// problem schedules a rollback of every other function after the
/// deployment's stack-rollback delay; returns that function's index. With a
/// `[workflow]`, the saga's calls flow between the functions after every
/// step ([`sync_workflow`]).
fn run_lockstep(
    sc: &Scenario,
    seed: u64,
    runs: &mut [FunctionRun],
    mut saga: Option<&mut SagaRun>,
) -> Option<usize> {
    let stack = sc.multi_function && sc.deployment.stack_rollback;
    let mut trigger: Option<usize> = None;
    let mut deployment_rng: Option<Pcg64Mcg> = None;
    if let Some(saga) = saga.as_deref_mut() {
        sync_workflow(saga, runs, &vec![false; runs.len()]);
    }
    sim::run_lockstep(runs, |i, runs, ended| {
        // The first detection of any function (later ones cannot start a
        // second stack rollback).
        if stack && trigger.is_none() && runs[i].world.detection.is_some() {
            trigger = Some(i);
            let delay = &sc.deployment.stack_rollback_delay;
            let rng =
                deployment_rng.get_or_insert_with(|| Pcg64Mcg::seed_from_u64(control_seed(!seed)));
            let at = runs[i].world.now + delay.sample(rng);
            let why = Trigger::StackRollback(runs[i].world.func.name.clone());
            for (j, run) in runs.iter_mut().enumerate() {
                if j != i && !ended[j] {
                    run.world.abort_trigger.clone_from(&why);
                    run.world.queue.push(at, Class::Timer, Ev::Abort);
                }
            }
        }
        if let Some(saga) = saga.as_deref_mut() {
            sync_workflow(saga, runs, ended);
        }
    });
    trigger
}

/// The saga of a replication: its calls in flight and its random stream.
struct SagaRun<'a> {
    flow: Flow<'a>,
    order: Vec<Task>,
    rng: Pcg64Mcg,
    calls: Vec<Piece>,
    failed: Vec<u64>,
}

impl<'a> SagaRun<'a> {
    fn new(sc: &'a Scenario, wf: &'a Workflow, seed: u64) -> Self {
        let flow = Flow::new(wf, sc.sampling == Sampling::Exact);
        SagaRun {
            order: flow.order(),
            flow,
            rng: Pcg64Mcg::seed_from_u64(workflow_seed(seed)),
            calls: Vec::new(),
            failed: Vec::new(),
        }
    }
}

/// Brings every function the workflow calls to the next event time `to`
/// of the whole deployment (the earliest of all functions): starts the
/// sagas of the span, then lets each task's function serve its calls before
/// `to`, in an order where callers come first (steps forward, then
/// compensations backward), so the successes of step k are step k+1's calls
/// of the same span. No function has an event before `to`, so each one's
/// conditions are constant over the span it generates.
fn sync_workflow(saga: &mut SagaRun, runs: &mut [FunctionRun], ended: &[bool]) {
    let next = runs
        .iter()
        .zip(ended)
        .filter(|(_, &e)| !e)
        .filter_map(|(r, _)| r.world.queue.peek_time())
        .min();
    let Some(to) = next else {
        return;
    };
    let rng = &mut saga.rng;
    saga.flow.start_sagas(to, rng);
    for &task in &saga.order {
        saga.flow.give_up(task, to, rng);
        saga.flow.take_calls(task, to, rng, &mut saga.calls);
        let f = saga.flow.function(task);
        if ended[f] {
            continue;
        }
        runs[f]
            .world
            .advance_with_calls(to, &saga.calls, &mut saga.failed);
        for (&piece, &failed) in saga.calls.iter().zip(&saga.failed) {
            saga.flow.served(task, piece, failed, rng);
        }
    }
}

/// The deployment as a whole from its functions' records: rolled back if
/// any function rolled back (else stopped if any stopped), detected at the
/// first detection, all traffic on stable when the last rollback ended,
/// ended when the last function ended; request counts are sums; the alarms
/// in ALARM at start are every function's, in function order; the
/// workflow's saga counts, if any.
fn deployment_record(
    sc: &Scenario,
    name: &str,
    replication: u32,
    seed: u64,
    parts: &[RunRecord],
    stack_trigger: Option<usize>,
    sagas: Option<SagaRecord>,
) -> RunRecord {
    let any = |o: Outcome| parts.iter().any(|r| r.outcome == o);
    let outcome = if any(Outcome::RolledBack) {
        Outcome::RolledBack
    } else if any(Outcome::Stopped) {
        Outcome::Stopped
    } else {
        Outcome::Completed
    };
    let first = stack_trigger.or_else(|| {
        (0..parts.len())
            .filter_map(|i| parts[i].detection_s.map(|d| (d, i)))
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, i)| i)
    });
    let rolled: Vec<&RunRecord> = parts
        .iter()
        .filter(|r| r.outcome == Outcome::RolledBack)
        .collect();
    let rollback_s = if rolled.is_empty() || rolled.iter().any(|r| r.rollback_s.is_none()) {
        None
    } else {
        rolled.iter().filter_map(|r| r.rollback_s).reduce(f64::max)
    };
    let sum = |f: fn(&RunRecord) -> u64| parts.iter().map(f).sum();
    RunRecord {
        strategy: name.to_string(),
        replication,
        seed,
        candidate_faulty: sc.candidate_faulty,
        outcome,
        trigger: first.map_or(Trigger::None, |i| Trigger::Function {
            function: sc.functions[i].name.clone(),
            trigger: Box::new(parts[i].trigger.clone()),
        }),
        detection_s: first.and_then(|i| parts[i].detection_s),
        rollback_s,
        deploy_s: parts.iter().map(|r| r.deploy_s).fold(0.0, f64::max),
        candidate_requests: sum(|r| r.candidate_requests),
        bad_requests: sum(|r| r.bad_requests),
        excess_bad_requests: sum(|r| r.excess_bad_requests),
        bad_requests_during_deploy: sum(|r| r.bad_requests_during_deploy),
        bad_requests_after_deploy: sum(|r| r.bad_requests_after_deploy),
        errors_total: sum(|r| r.errors_total),
        requests_total: sum(|r| r.requests_total),
        alarms_at_start: parts
            .iter()
            .map(|r| r.alarms_at_start.as_str())
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(";"),
        sagas,
    }
}
