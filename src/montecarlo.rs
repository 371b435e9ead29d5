//! Monte Carlo replications across strategies in parallel (rayon).
//!
//! Determinism contract: each replication's random streams are derived only
//! from (scenario seed, strategy name, replication index) — see
//! [`crate::seed`] — results are collected by index and aggregated in index
//! order, so outputs do not depend on the thread count or scheduling.

use rayon::prelude::*;

use crate::model::Scenario;
use crate::record::{RunRecord, TimelineEvent, TimelineRow};
use crate::seed::replication_seed;
use crate::world::{run_replication, ReplicationOptions, ReplicationOutput};

/// All results of a run, in (strategy, replication) order.
#[derive(Debug, Clone, Default)]
pub struct RunResults {
    /// Fast mode: the parts sampled per request in any replication
    /// (`world::FALLBACK_*` bits; see `world::fallback_notes`).
    pub fallbacks: u8,
    pub runs: Vec<RunRecord>,
    pub timeline: Vec<TimelineRow>,
    pub events: Vec<TimelineEvent>,
}

/// Runs every replication of every strategy of `sc` on the current rayon
/// pool. Replication 0 of each strategy records the timeline. In a
/// multi-function scenario each strategy's records of the deployment as a
/// whole come first, then those of each function in function order.
pub fn run_all(sc: &Scenario) -> RunResults {
    run_all_with_progress(sc, &|| {})
}

/// [`run_all`], calling `progress` after each finished replication (from
/// any worker thread, in any order; it cannot change the results).
pub fn run_all_with_progress(sc: &Scenario, progress: &(dyn Fn() + Sync)) -> RunResults {
    let reps = sc.replications;
    let jobs: Vec<(usize, u32)> = (0..sc.strategies.len())
        .flat_map(|s| (0..reps).map(move |r| (s, r)))
        .collect();
    let outputs: Vec<ReplicationOutput> = jobs
        .par_iter()
        .map(|&(s, r)| {
            let seed = replication_seed(sc.seed, &sc.strategies[s].name, r);
            let out = run_replication(sc, s, r, seed, ReplicationOptions { timeline: r == 0 });
            progress();
            out
        })
        .collect();
    let mut results = RunResults::default();
    let mut outputs = outputs.into_iter();
    for _ in &sc.strategies {
        let mut per_function: Vec<Vec<RunRecord>> = Vec::new();
        for out in outputs.by_ref().take(reps as usize) {
            results.fallbacks |= out.fallbacks;
            results.runs.push(out.record);
            results.timeline.extend(out.timeline);
            results.events.extend(out.events);
            per_function.resize_with(out.functions.len(), Vec::new);
            for (records, record) in per_function.iter_mut().zip(out.functions) {
                records.push(record);
            }
        }
        results.runs.extend(per_function.into_iter().flatten());
    }
    results
}
