//! Monte Carlo replications across strategies in parallel (rayon).
//!
//! Determinism contract: each replication's random streams are derived only
//! from (scenario seed, strategy name, replication index), results are
//! collected by index and aggregated in index order, so outputs do not depend
//! on the thread count or scheduling.

use rayon::prelude::*;

use crate::engine::{run_replication, ReplicationOptions, ReplicationOutput};
use crate::model::Scenario;
use crate::record::{RunRecord, TimelineEvent, TimelineRow};

/// SplitMix64 finaliser: a bijective 64-bit mixer (Steele, Lea, Flood 2014).
pub fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// FNV-1a of a strategy (or function) name, so its streams do not change
/// when other strategies (functions) are added, removed or renamed.
pub fn name_hash(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The seed of one replication's random streams.
pub fn replication_seed(scenario_seed: u64, strategy: &str, replication: u32) -> u64 {
    let a = splitmix64(scenario_seed);
    let b = splitmix64(a ^ name_hash(strategy));
    splitmix64(b ^ u64::from(replication))
}

/// All results of a run, in (strategy, replication) order.
#[derive(Debug, Clone, Default)]
pub struct RunResults {
    /// Fast mode: the parts sampled per request in any replication
    /// (`engine::FALLBACK_*` bits; see `engine::fallback_notes`).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_differ_by_strategy_and_replication_and_are_stable() {
        let a = replication_seed(1, "canary", 0);
        assert_eq!(a, replication_seed(1, "canary", 0));
        assert_ne!(a, replication_seed(1, "canary", 1));
        assert_ne!(a, replication_seed(1, "linear", 0));
        assert_ne!(a, replication_seed(2, "canary", 0));
    }
}
