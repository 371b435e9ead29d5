//! Racing (successive halving with common random numbers): every setting
//! starts with `initial_replications` replications of each arm (the healthy
//! candidate, then each bad profile); each round doubles the replications
//! of the settings still in the race. After a round a setting is dropped
//! when
//!
//! 1. its false-rollback rate is in breach: the one-sided 95 %
//!    Clopper–Pearson *lower* bound is above `false_rollback_max` (likewise
//!    the weighted missed rate against `missed_max`, bound Σ wₖ·boundₖ);
//! 2. it gives exactly the same observations on every replication so far as
//!    an earlier setting (grid order): it is that setting, as far as the
//!    race can tell (e.g. thresholds no datapoint ever falls between);
//! 3. it is dominated: a *feasible* setting (upper bounds within every
//!    constraint) has a smaller objective with 95 % confidence, by the
//!    paired Student-t bound of the differences on the same replications.
//!    Only the five feasible settings with the smallest means are tried as
//!    dominators, which keeps a round linear in the number of settings.
//!
//! The race stops when one feasible setting remains, when the survivors
//! have `max_replications`, or before a round that would exceed the
//! replication budget. The winner is the feasible survivor with the
//! smallest mean (ties: grid order); there is none when no survivor is
//! feasible. Replication r of every setting is the same random stream
//! (seed, strategy, r), and rounds are run as whole batches collected in
//! index order, so a setting's first r replications do not depend on the
//! race and the result does not depend on the thread count.

use std::collections::HashMap;

use rayon::prelude::*;

use super::bounds::{cp_lower, cp_upper, surely_larger};
use super::spec::Objective;

/// What one simulated run tells the race.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunObs {
    pub rolled_back: bool,
    /// The deployment completed (for a faulty candidate: a miss).
    pub completed: bool,
    pub excess_bad_requests: u64,
    /// Detection time; `None` when nothing was detected.
    pub detection_s: Option<f64>,
    pub deploy_s: f64,
}

/// The runs a race can ask for: arm 0 is the healthy candidate, arm k ≥ 1
/// bad profile k − 1.
pub trait Arms: Sync {
    fn settings(&self) -> usize;
    fn arms(&self) -> usize;
    /// Whether setting `i` takes part (a setting may be invalid or fail a
    /// nominal constraint before it runs).
    fn runnable(&self, setting: usize) -> bool;
    fn run(&self, setting: usize, arm: usize, replication: u32) -> RunObs;
}

/// The race's parameters (from `[tune]`).
#[derive(Debug, Clone, PartialEq)]
pub struct RaceConfig {
    pub objective: Objective,
    /// Weights of the bad profiles (arms 1..), summing to 1.
    pub weights: Vec<f64>,
    /// Seconds a miss counts as for `detection_time` (the horizon).
    pub miss_penalty_s: f64,
    pub false_rollback_max: f64,
    pub missed_max: Option<f64>,
    pub initial_replications: u32,
    pub max_replications: u32,
    pub budget_replications: u64,
}

/// Why a setting left the race.
#[derive(Debug, Clone, PartialEq)]
pub enum DropReason {
    /// Not run: invalid or nominally too slow (the message says why).
    NotRun(String),
    FalseRollbackBreach {
        lower: f64,
    },
    MissedBreach {
        lower: f64,
    },
    Identical {
        to: usize,
    },
    Dominated {
        by: usize,
    },
}

/// One setting's state.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Lane {
    /// Observations per arm, per replication.
    pub obs: Vec<Vec<RunObs>>,
    /// The objective per replication (weighted over the bad profiles).
    pub values: Vec<f64>,
    /// `(round, reason)` once dropped.
    pub dropped: Option<(usize, DropReason)>,
}

impl Lane {
    pub fn replications(&self) -> u32 {
        self.values.len() as u32
    }

    pub fn false_rollbacks(&self) -> u64 {
        self.obs
            .first()
            .map_or(0, |h| h.iter().filter(|o| o.rolled_back).count() as u64)
    }

    /// Misses of bad profile `k` (arm k + 1).
    pub fn misses(&self, k: usize) -> u64 {
        self.obs
            .get(k + 1)
            .map_or(0, |a| a.iter().filter(|o| o.completed).count() as u64)
    }

    pub fn mean(&self) -> f64 {
        if self.values.is_empty() {
            return f64::NAN;
        }
        self.values.iter().sum::<f64>() / self.values.len() as f64
    }

    pub fn is_alive(&self) -> bool {
        self.dropped.is_none()
    }
}

/// Why the race ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// One feasible setting remained.
    Separated,
    /// The survivors reached `max_replications`.
    MaxReplications,
    /// The next round would have exceeded the budget.
    Budget,
    /// Every setting was dropped.
    NoneLeft,
}

/// The race's result.
#[derive(Debug, Clone, PartialEq)]
pub struct RaceResult {
    pub lanes: Vec<Lane>,
    pub rounds: usize,
    pub stop: Stop,
    /// Simulated runs in all (every arm's replications).
    pub runs: u64,
    pub winner: Option<usize>,
}

impl RaceConfig {
    /// Weighted missed-rate bound: Σ wₖ·bound(missesₖ, n).
    fn missed_bound(&self, lane: &Lane, bound: fn(u64, u64) -> f64) -> f64 {
        let n = u64::from(lane.replications());
        self.weights
            .iter()
            .enumerate()
            .map(|(k, w)| w * bound(lane.misses(k), n))
            .sum()
    }

    /// Whether every constraint's upper bound is within its limit.
    pub fn feasible(&self, lane: &Lane) -> bool {
        let n = u64::from(lane.replications());
        n > 0
            && cp_upper(lane.false_rollbacks(), n) <= self.false_rollback_max
            && self
                .missed_max
                .is_none_or(|m| self.missed_bound(lane, cp_upper) <= m)
    }

    /// The objective of replication `r` from its arms' observations.
    fn value(&self, arms: &[RunObs]) -> f64 {
        match self.objective {
            Objective::DeployDuration => arms[0].deploy_s,
            Objective::ExcessBadRequests => self
                .weights
                .iter()
                .zip(&arms[1..])
                .map(|(w, o)| w * o.excess_bad_requests as f64)
                .sum(),
            Objective::DetectionTime => self
                .weights
                .iter()
                .zip(&arms[1..])
                .map(|(w, o)| w * o.detection_s.unwrap_or(self.miss_penalty_s))
                .sum(),
        }
    }
}

/// Runs the race over every runnable setting of `arms`.
pub fn race(arms: &dyn Arms, cfg: &RaceConfig) -> RaceResult {
    let n_arms = arms.arms();
    let mut lanes: Vec<Lane> = (0..arms.settings())
        .map(|_| Lane {
            obs: vec![Vec::new(); n_arms],
            ..Lane::default()
        })
        .collect();
    for (i, lane) in lanes.iter_mut().enumerate() {
        if !arms.runnable(i) {
            lane.dropped = Some((0, DropReason::NotRun(String::new())));
        }
    }
    let (mut have, mut target, mut round, mut runs) = (0u32, cfg.initial_replications, 0, 0u64);
    let stop = loop {
        let alive: Vec<usize> = (0..lanes.len()).filter(|&i| lanes[i].is_alive()).collect();
        if alive.is_empty() {
            break Stop::NoneLeft;
        }
        let cost = alive.len() as u64 * u64::from(target - have) * n_arms as u64;
        if runs + cost > cfg.budget_replications {
            break Stop::Budget;
        }
        let jobs: Vec<(usize, usize, u32)> = alive
            .iter()
            .flat_map(|&i| (have..target).flat_map(move |r| (0..n_arms).map(move |a| (i, a, r))))
            .collect();
        let results: Vec<RunObs> = jobs
            .par_iter()
            .map(|&(i, a, r)| arms.run(i, a, r))
            .collect();
        for (chunk, &i) in results
            .chunks(((target - have) as usize) * n_arms)
            .zip(&alive)
        {
            for per_rep in chunk.chunks(n_arms) {
                for (a, o) in per_rep.iter().enumerate() {
                    lanes[i].obs[a].push(*o);
                }
                let v = cfg.value(per_rep);
                lanes[i].values.push(v);
            }
        }
        runs += cost;
        have = target;
        decide(&mut lanes, &alive, cfg, round);
        let left: Vec<usize> = alive.into_iter().filter(|&i| lanes[i].is_alive()).collect();
        if left.len() == 1 && cfg.feasible(&lanes[left[0]]) {
            break Stop::Separated;
        }
        if left.is_empty() {
            break Stop::NoneLeft;
        }
        if have >= cfg.max_replications {
            break Stop::MaxReplications;
        }
        target = have.saturating_mul(2).min(cfg.max_replications);
        round += 1;
    };
    let winner = best_feasible(&lanes, cfg);
    RaceResult {
        lanes,
        rounds: round + 1,
        stop,
        runs,
        winner,
    }
}

/// The feasible survivor with the smallest mean (ties: grid order).
fn best_feasible(lanes: &[Lane], cfg: &RaceConfig) -> Option<usize> {
    (0..lanes.len())
        .filter(|&i| lanes[i].is_alive() && cfg.feasible(&lanes[i]))
        .min_by(|&a, &b| lanes[a].mean().total_cmp(&lanes[b].mean()).then(a.cmp(&b)))
}

/// The drops of one round, in the order of the module doc.
fn decide(lanes: &mut [Lane], alive: &[usize], cfg: &RaceConfig, round: usize) {
    for &i in alive {
        let lane = &lanes[i];
        let n = u64::from(lane.replications());
        let fr = cp_lower(lane.false_rollbacks(), n);
        let reason = if fr > cfg.false_rollback_max {
            Some(DropReason::FalseRollbackBreach { lower: fr })
        } else {
            cfg.missed_max.and_then(|m| {
                let lower = cfg.missed_bound(lane, cp_lower);
                (lower > m).then_some(DropReason::MissedBreach { lower })
            })
        };
        if let Some(reason) = reason {
            lanes[i].dropped = Some((round, reason));
        }
    }
    // Identical observations: keep the first in grid order.
    let mut seen: HashMap<u64, Vec<usize>> = HashMap::new();
    let still: Vec<usize> = alive
        .iter()
        .copied()
        .filter(|&i| lanes[i].is_alive())
        .collect();
    for i in still {
        let key = fingerprint(&lanes[i]);
        let same = seen.entry(key).or_default();
        match same.iter().find(|&&j| lanes[j].obs == lanes[i].obs) {
            Some(&j) => lanes[i].dropped = Some((round, DropReason::Identical { to: j })),
            None => same.push(i),
        }
    }
    let mut feasible: Vec<usize> = alive
        .iter()
        .copied()
        .filter(|&i| lanes[i].is_alive() && cfg.feasible(&lanes[i]))
        .collect();
    feasible.sort_by(|&a, &b| lanes[a].mean().total_cmp(&lanes[b].mean()).then(a.cmp(&b)));
    feasible.truncate(5);
    let drops: Vec<(usize, usize)> = alive
        .iter()
        .filter(|&&j| lanes[j].is_alive())
        .filter_map(|&j| {
            feasible
                .iter()
                .find(|&&i| i != j && surely_larger(&lanes[j].values, &lanes[i].values))
                .map(|&i| (j, i))
        })
        .collect();
    for (j, by) in drops {
        lanes[j].dropped = Some((round, DropReason::Dominated { by }));
    }
}

/// A hash of a lane's observations (FNV-1a over their bits), to find
/// identical lanes without comparing every pair.
fn fingerprint(lane: &Lane) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |x: u64| h = (h ^ x).wrapping_mul(0x0100_0000_01b3);
    for arm in &lane.obs {
        for o in arm {
            eat(u64::from(o.rolled_back) | u64::from(o.completed) << 1);
            eat(o.excess_bad_requests);
            eat(o.detection_s.map_or(u64::MAX, f64::to_bits));
            eat(o.deploy_s.to_bits());
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// Synthetic settings: setting i rolls a healthy candidate back with
    /// probability `fr[i]` and lets `excess[i]` requests through (plus a
    /// noise common to all settings at the same replication).
    struct Synthetic {
        fr: Vec<f64>,
        excess: Vec<u64>,
    }

    impl Arms for Synthetic {
        fn settings(&self) -> usize {
            self.fr.len()
        }
        fn arms(&self) -> usize {
            2
        }
        fn runnable(&self, _: usize) -> bool {
            true
        }
        fn run(&self, i: usize, arm: usize, r: u32) -> RunObs {
            let mut rng = rand_pcg::Pcg64::seed_from_u64(u64::from(r) * 2 + arm as u64);
            let u: f64 = rng.random();
            let noise: u64 = rng.random_range(0..10);
            RunObs {
                rolled_back: arm == 0 && u < self.fr[i] || arm == 1,
                completed: arm == 0 && u >= self.fr[i],
                excess_bad_requests: if arm == 1 { self.excess[i] + noise } else { 0 },
                detection_s: None,
                deploy_s: 600.0,
            }
        }
    }

    fn cfg() -> RaceConfig {
        RaceConfig {
            objective: Objective::ExcessBadRequests,
            weights: vec![1.0],
            miss_penalty_s: 1800.0,
            false_rollback_max: 0.05,
            missed_max: None,
            initial_replications: 16,
            max_replications: 1024,
            budget_replications: 1_000_000,
        }
    }

    #[test]
    fn the_cheapest_feasible_setting_wins() {
        // Settings 0, 1 roll back too often; 2 is feasible and best; 3 and 4
        // are feasible but let more requests through; 5 equals 4.
        let s = Synthetic {
            fr: vec![0.5, 0.2, 0.0, 0.0, 0.0, 0.0],
            excess: vec![10, 20, 30, 40, 50, 50],
        };
        let res = race(&s, &cfg());
        assert_eq!(res.winner, Some(2));
        assert!(matches!(
            res.lanes[0].dropped,
            Some((0, DropReason::FalseRollbackBreach { .. }))
        ));
        assert!(matches!(
            res.lanes[1].dropped,
            Some((_, DropReason::FalseRollbackBreach { .. }))
        ));
        assert!(matches!(
            res.lanes[3].dropped,
            Some((_, DropReason::Dominated { by: 2 }))
        ));
        assert!(matches!(
            res.lanes[5].dropped,
            Some((0, DropReason::Identical { to: 4 })) | Some((_, DropReason::Dominated { by: 2 }))
        ));
        assert_eq!(res.stop, Stop::Separated);
        // Rounds are batches: every setting got the replications of the
        // rounds it took part in.
        assert!(res.lanes.iter().all(|l| l.replications() % 16 == 0));
    }

    #[test]
    fn the_budget_stops_the_race() {
        let s = Synthetic {
            fr: vec![0.04, 0.04],
            excess: vec![10, 10],
        };
        let mut c = cfg();
        c.budget_replications = 16 * 2 * 2 + 10;
        let res = race(&s, &c);
        assert_eq!(res.stop, Stop::Budget);
        assert_eq!(res.runs, 64);
    }
}
