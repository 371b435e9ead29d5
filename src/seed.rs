//! Every seed derivation of a run, in one place.
//!
//! The derivation chain, each step a [`splitmix64`] of the previous seed
//! xor-ed with a discriminator:
//!
//! 1. scenario seed (`[run] seed`) → [`splitmix64`];
//! 2. → strategy: xor the [`name_hash`] of the strategy's name;
//! 3. → replication: xor the replication index — [`replication_seed`], the
//!    seed `montecarlo` hands to `world::run_replication`;
//! 4. → per-function streams: [`function_seed`] (the replication seed itself
//!    for a single-function scenario, else mixed with the function's
//!    [`name_hash`]); each function seed drives its traffic stream directly,
//!    its control stream (hooks, operators, delays) through
//!    [`control_seed`] and the stable-only traffic of the alarms' warm-up
//!    before t = 0 through [`warmup_seed`]. The deployment-wide control stream of a
//!    multi-function scenario is `control_seed(!replication_seed)`; a
//!    `[workflow]`'s sagas draw from [`workflow_seed`].
//!
//! Because every step depends only on names and indices, streams do not
//! change when other strategies or functions are added, removed or
//! reordered, nor with the thread count.

use crate::model::Scenario;

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

/// The seed of one replication's random streams: scenario seed → strategy
/// name → replication index (steps 1–3 of the chain).
pub fn replication_seed(scenario_seed: u64, strategy: &str, replication: u32) -> u64 {
    let a = splitmix64(scenario_seed);
    let b = splitmix64(a ^ name_hash(strategy));
    splitmix64(b ^ u64::from(replication))
}

/// Derives the secondary stream (hooks, operators, delays) from a
/// replication (or function) seed so control decisions never shift the
/// traffic stream.
pub fn control_seed(seed: u64) -> u64 {
    splitmix64(seed ^ 0x6a09_e667_f3bc_c909)
}

/// Derives the stream of the alarms' warm-up (stable-only traffic before
/// t = 0, `[metrics] warmup`) from a function seed, so the warm-up neither
/// shifts the deployment's traffic stream nor depends on the thread count.
pub fn warmup_seed(seed: u64) -> u64 {
    splitmix64(seed ^ 0xbb67_ae85_84ca_a73b)
}

/// The stream of one judge's own draws (Kayenta's noise for two
/// single-valued samples), from a function seed and the judge's name, so it
/// shifts no other stream.
pub fn judge_seed(seed: u64, judge: &str) -> u64 {
    splitmix64(seed ^ 0x3c6e_f372_fe94_f82b ^ name_hash(judge))
}

/// The seed of function `index`'s streams: the replication seed itself for
/// a single-function scenario (so its results do not change), else mixed
/// with the function's name (stable when other functions are added).
pub fn function_seed(sc: &Scenario, index: usize, seed: u64) -> u64 {
    if sc.multi_function {
        splitmix64(seed ^ name_hash(&sc.functions[index].name))
    } else {
        seed
    }
}

/// The stream of a `[workflow]`'s sagas (arrivals, retries, splitting
/// batches at segment edges) in one replication: the replication seed mixed
/// with a fixed tag, so no function's streams change.
pub fn workflow_seed(seed: u64) -> u64 {
    splitmix64(seed ^ name_hash("[workflow]"))
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
        let streams = [a, control_seed(a), warmup_seed(a)];
        assert!(streams[0] != streams[1] && streams[1] != streams[2] && streams[0] != streams[2]);
    }
}
