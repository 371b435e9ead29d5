//! The race's lanes as a ranked table: one [`Row`] per setting with its
//! replications, false-rollback and missed rates with their bounds, the
//! objective with its 95 % interval, its status and why it was dropped;
//! the Pareto front; and the confidence of the ranking.
//!
//! Ranking confidence: the runner-up is the setting with the smallest
//! objective on the replications it shares with the winner among the other
//! settings shown feasible on their own replications (survivors and
//! dominated settings; settings identical to another on every replication
//! are that other setting). The
//! confidence is the paired Student-t probability P(T ≤ d̄/se) of the
//! differences runner-up − winner on those common replications
//! ([`super::bounds::beat_confidence`]): the one-sided level at which "the
//! winner is better" is significant.

use crate::stats::mean_ci;

use super::bounds::{beat_confidence, cp_lower, cp_upper};
use super::plan::TunePlan;
use super::race::{DropReason, Lane, RaceConfig, RaceResult, Stop};

/// Where a setting ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Winner,
    /// Still in the race and within every constraint at 95 %.
    Feasible,
    /// Still in the race, constraints not yet decided.
    Undecided,
    /// Dropped: dominated by or identical to a better setting.
    Dropped,
    /// Dropped: a constraint's lower bound is above its limit.
    Breach,
    /// Not run (invalid or nominally too slow).
    NotRun,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Winner => "winner",
            Status::Feasible => "feasible",
            Status::Undecided => "undecided",
            Status::Dropped => "dropped",
            Status::Breach => "breach",
            Status::NotRun => "not_run",
        }
    }
}

/// One setting in the ranked table.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// 1-based rank.
    pub rank: usize,
    /// Grid index of the setting.
    pub index: usize,
    pub values: Vec<String>,
    pub status: Status,
    /// Why it was dropped (or not run), in words.
    pub reason: String,
    /// The round it was dropped in (0-based).
    pub dropped_round: Option<usize>,
    pub replications: u32,
    pub false_rollbacks: u64,
    pub false_rollback_rate: Option<f64>,
    pub false_rollback_lower: Option<f64>,
    pub false_rollback_upper: Option<f64>,
    /// Weighted over the bad profiles.
    pub missed_rate: Option<f64>,
    pub missed_upper: Option<f64>,
    pub objective_mean: Option<f64>,
    pub objective_lo: Option<f64>,
    pub objective_hi: Option<f64>,
    pub nominal_deploy_s: Option<f64>,
    /// On the Pareto front of (false-rollback rate, objective).
    pub pareto: bool,
}

/// How sure the ranking is.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranking {
    pub runner_up: Option<usize>,
    /// P(winner better than runner-up), paired Student-t.
    pub confidence: Option<f64>,
    pub common_replications: u32,
}

/// A finished tune.
#[derive(Debug, Clone)]
pub struct TuneResult {
    /// Rows in rank order.
    pub rows: Vec<Row>,
    /// Grid index of the winner.
    pub winner: Option<usize>,
    pub ranking: Ranking,
    pub stop: Stop,
    pub rounds: usize,
    /// Simulated runs the race used.
    pub runs: u64,
    /// Runs a full grid at the winner's precision would take: every
    /// runnable setting × the winner's replications (else the most any
    /// setting got) × arms.
    pub full_grid_runs: u64,
    pub lanes: Vec<Lane>,
}

impl TuneResult {
    /// The row of grid index `index`.
    pub fn row(&self, index: usize) -> Option<&Row> {
        self.rows.iter().find(|r| r.index == index)
    }
}

/// Ranks the race's settings.
pub fn tune_result(plan: &TunePlan, cfg: &RaceConfig, raced: RaceResult) -> TuneResult {
    let RaceResult {
        lanes,
        rounds,
        stop,
        runs,
        winner,
    } = raced;
    let mut rows: Vec<Row> = lanes
        .iter()
        .enumerate()
        .map(|(i, lane)| row(plan, cfg, i, lane, winner))
        .collect();
    // A setting identical to another shares its fate: a clone of a setting
    // in breach is in breach too.
    for i in 0..rows.len() {
        if let Some((_, DropReason::Identical { to })) = &lanes[i].dropped {
            if matches!(rows[*to].status, Status::Breach) {
                rows[i].status = Status::Breach;
            }
        }
    }
    let clones: Vec<bool> = lanes
        .iter()
        .map(|l| matches!(l.dropped, Some((_, DropReason::Identical { .. }))))
        .collect();
    mark_pareto(&mut rows, &clones);
    // Within a status, settings that stayed in the race longer first (their
    // estimates are the more precise), then by objective.
    rows.sort_by(|a, b| {
        a.status
            .cmp(&b.status)
            .then(b.replications.cmp(&a.replications))
            .then(
                a.objective_mean
                    .unwrap_or(f64::INFINITY)
                    .total_cmp(&b.objective_mean.unwrap_or(f64::INFINITY)),
            )
            .then(a.index.cmp(&b.index))
    });
    for (rank, r) in rows.iter_mut().enumerate() {
        r.rank = rank + 1;
    }
    let precision = winner
        .map(|w| lanes[w].replications())
        .unwrap_or_else(|| lanes.iter().map(Lane::replications).max().unwrap_or(0));
    let runnable = plan.settings.iter().filter(|s| s.not_run.is_none()).count() as u64;
    let ranking = ranking(&lanes, winner, cfg);
    TuneResult {
        rows,
        winner,
        ranking,
        stop,
        rounds,
        runs,
        full_grid_runs: runnable * u64::from(precision) * plan.arm_count() as u64,
        lanes,
    }
}

fn row(plan: &TunePlan, cfg: &RaceConfig, i: usize, lane: &Lane, winner: Option<usize>) -> Row {
    let n = u64::from(lane.replications());
    let fr = lane.false_rollbacks();
    let some = |x: f64| (n > 0).then_some(x);
    let weighted = |bound: fn(u64, u64) -> f64| -> Option<f64> {
        (n > 0 && plan.with_bad).then(|| {
            cfg.weights
                .iter()
                .enumerate()
                .map(|(k, w)| w * bound(lane.misses(k), n))
                .sum()
        })
    };
    let rate = |k: u64, n: u64| k as f64 / n as f64;
    let ci = mean_ci(&lane.values);
    let (status, reason, round) = match &lane.dropped {
        None if winner == Some(i) => (Status::Winner, String::new(), None),
        None if cfg.feasible(lane) => (Status::Feasible, String::new(), None),
        None => (
            Status::Undecided,
            "constraints not decided within the budget".into(),
            None,
        ),
        Some((round, drop)) => {
            let status = match drop {
                DropReason::NotRun(_) => Status::NotRun,
                DropReason::FalseRollbackBreach { .. } | DropReason::MissedBreach { .. } => {
                    Status::Breach
                }
                DropReason::Identical { .. } | DropReason::Dominated { .. } => Status::Dropped,
            };
            let reason = match drop {
                DropReason::NotRun(_) => plan.settings[i].not_run.clone().unwrap_or_default(),
                DropReason::FalseRollbackBreach { lower } => format!(
                    "false rollbacks: lower bound {:.4} > {}",
                    lower, cfg.false_rollback_max
                ),
                DropReason::MissedBreach { lower } => format!(
                    "missed: lower bound {:.4} > {}",
                    lower,
                    cfg.missed_max.unwrap_or(1.0)
                ),
                DropReason::Identical { to } => {
                    format!("identical on every replication to {}", plan.describe(*to))
                }
                DropReason::Dominated { by } => format!("dominated by {}", plan.describe(*by)),
            };
            (status, reason, Some(*round))
        }
    };
    Row {
        rank: 0,
        index: i,
        values: plan.values(i),
        status,
        reason,
        dropped_round: round.filter(|_| status != Status::NotRun),
        replications: lane.replications(),
        false_rollbacks: fr,
        false_rollback_rate: some(rate(fr, n.max(1))),
        false_rollback_lower: some(cp_lower(fr, n)),
        false_rollback_upper: some(cp_upper(fr, n)),
        missed_rate: weighted(rate),
        missed_upper: weighted(cp_upper),
        objective_mean: ci.map(|c| c.mean),
        objective_lo: ci.map(|c| c.lo),
        objective_hi: ci.map(|c| c.hi),
        nominal_deploy_s: plan.settings[i].nominal_s,
        pareto: false,
    }
}

/// Marks the rows no other row beats on both false-rollback rate and
/// objective (both smaller or equal, one smaller). Clones (identical to
/// another setting, so with that setting's point at fewer replications)
/// are left out.
fn mark_pareto(rows: &mut [Row], clones: &[bool]) {
    let points: Vec<Option<(f64, f64)>> = rows
        .iter()
        .zip(clones)
        .map(|(r, &c)| {
            if c {
                None
            } else {
                r.false_rollback_rate.zip(r.objective_mean)
            }
        })
        .collect();
    for (i, r) in rows.iter_mut().enumerate() {
        let Some((f, o)) = points[i] else { continue };
        r.pareto = !points
            .iter()
            .flatten()
            .any(|&(f2, o2)| (f2 <= f && o2 <= o) && (f2 < f || o2 < o));
    }
}

fn ranking(lanes: &[Lane], winner: Option<usize>, cfg: &RaceConfig) -> Ranking {
    let none = Ranking {
        runner_up: None,
        confidence: None,
        common_replications: 0,
    };
    let Some(w) = winner else { return none };
    let common_mean = |j: usize| {
        let n = lanes[j].values.len().min(lanes[w].values.len());
        lanes[j].values[..n].iter().sum::<f64>() / n.max(1) as f64
    };
    let runner_up = (0..lanes.len())
        .filter(|&j| j != w && !lanes[j].values.is_empty())
        .filter(|&j| {
            matches!(
                lanes[j].dropped,
                None | Some((_, DropReason::Dominated { .. }))
            ) && cfg.feasible(&lanes[j])
        })
        .min_by(|&a, &b| common_mean(a).total_cmp(&common_mean(b)).then(a.cmp(&b)));
    let Some(r) = runner_up else { return none };
    let n = lanes[r].values.len().min(lanes[w].values.len());
    Ranking {
        runner_up: Some(r),
        confidence: beat_confidence(&lanes[r].values[..n], &lanes[w].values[..n]),
        common_replications: n as u32,
    }
}
