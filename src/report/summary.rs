//! Per-strategy aggregation of replications into the rows of `summary.csv`.

use serde::Serialize;

use crate::record::{Outcome, RunRecord};
use crate::stats::{mean_ci, quantile, sorted, wilson, RateCi};

/// One strategy's results over all its replications. Field order is the
/// column order of `summary.csv`. Rates are fractions in [0, 1]; `_lo`/`_hi`
/// are 95 % confidence bounds (Wilson for rates, Student t for means; see
/// [`crate::stats`]); quantiles are Hyndman–Fan type 7.
///
/// `Option` marks values that can be undefined (written as an empty CSV
/// cell, shown as "—" in the table); fields that are always defined for a
/// non-empty set of replications are plain `f64`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Summary {
    pub strategy: String,
    /// Number of replications.
    pub reps: u64,
    /// True if the candidate was faulty in at least one replication.
    pub candidate_faulty: bool,
    /// Share of replications that rolled back, whatever the candidate.
    pub rollback_rate: f64,
    pub rollback_rate_lo: f64,
    pub rollback_rate_hi: f64,
    /// Share of healthy-candidate replications that rolled back; `None`
    /// when no replication had a healthy candidate.
    pub false_rollback_rate: Option<f64>,
    pub false_rollback_rate_lo: Option<f64>,
    pub false_rollback_rate_hi: Option<f64>,
    /// Share of faulty-candidate replications that completed (the fault
    /// went out to 100 %); `None` when no replication had a faulty candidate.
    pub missed_rate: Option<f64>,
    pub missed_rate_lo: Option<f64>,
    pub missed_rate_hi: Option<f64>,
    /// Detection time over the replications that have one; `None` if none.
    pub detection_mean_s: Option<f64>,
    pub detection_p50_s: Option<f64>,
    pub detection_p95_s: Option<f64>,
    /// Bad candidate requests per replication, over all replications.
    pub bad_requests_mean: f64,
    pub bad_requests_mean_lo: f64,
    pub bad_requests_mean_hi: f64,
    pub bad_requests_p95: f64,
    pub deploy_mean_s: f64,
    pub deploy_p50_s: f64,
    pub candidate_requests_mean: f64,
}

/// One [`Summary`] per strategy, in order of the strategy's first appearance
/// in `records` (so the report follows the scenario's order, not an
/// alphabetical or hash order). Replications are taken in slice order, which
/// keeps every float sum, and so the output, deterministic.
///
/// The healthy/faulty split is per replication: false rollbacks are counted
/// over replications with a healthy candidate, misses over replications with
/// a faulty one. When every replication of a strategy has the same
/// candidate (the usual case) this is exactly "false_rollback_rate =
/// rollback_rate, missed_rate undefined" for a healthy candidate and
/// "missed_rate = 1 − rollback_rate, false_rollback_rate undefined" for a
/// faulty one.
pub fn summarize(records: &[RunRecord]) -> Vec<Summary> {
    let mut groups: Vec<(&str, Vec<&RunRecord>)> = Vec::new();
    for record in records {
        match groups.iter_mut().find(|(name, _)| *name == record.strategy) {
            Some((_, group)) => group.push(record),
            None => groups.push((&record.strategy, vec![record])),
        }
    }
    groups
        .into_iter()
        .map(|(name, group)| summarize_group(name, &group))
        .collect()
}

fn summarize_group(strategy: &str, runs: &[&RunRecord]) -> Summary {
    let reps = runs.len() as u64;
    let rolled_back = |r: &&&RunRecord| r.outcome == Outcome::RolledBack;
    let (faulty, healthy): (Vec<&RunRecord>, Vec<&RunRecord>) =
        runs.iter().copied().partition(|r| r.candidate_faulty);

    let rollback = rate(wilson(runs.iter().filter(rolled_back).count() as u64, reps));
    let false_rollback = wilson(
        healthy.iter().filter(rolled_back).count() as u64,
        healthy.len() as u64,
    );
    let missed = wilson(
        faulty
            .iter()
            .filter(|r| r.outcome == Outcome::Completed)
            .count() as u64,
        faulty.len() as u64,
    );

    let detection = sorted(runs.iter().filter_map(|r| r.detection_s).collect());
    let bad = sorted(runs.iter().map(|r| r.bad_requests as f64).collect());
    let bad_ci = mean_ci(&bad);
    let deploy = sorted(runs.iter().map(|r| r.deploy_s).collect());
    let candidate_requests: Vec<f64> = runs.iter().map(|r| r.candidate_requests as f64).collect();

    Summary {
        strategy: strategy.to_owned(),
        reps,
        candidate_faulty: !faulty.is_empty(),
        rollback_rate: rollback.rate,
        rollback_rate_lo: rollback.lo,
        rollback_rate_hi: rollback.hi,
        false_rollback_rate: false_rollback.map(|c| c.rate),
        false_rollback_rate_lo: false_rollback.map(|c| c.lo),
        false_rollback_rate_hi: false_rollback.map(|c| c.hi),
        missed_rate: missed.map(|c| c.rate),
        missed_rate_lo: missed.map(|c| c.lo),
        missed_rate_hi: missed.map(|c| c.hi),
        detection_mean_s: mean_ci(&detection).map(|c| c.mean),
        detection_p50_s: quantile(&detection, 0.5),
        detection_p95_s: quantile(&detection, 0.95),
        bad_requests_mean: defined(bad_ci.map(|c| c.mean)),
        bad_requests_mean_lo: defined(bad_ci.map(|c| c.lo)),
        bad_requests_mean_hi: defined(bad_ci.map(|c| c.hi)),
        bad_requests_p95: defined(quantile(&bad, 0.95)),
        deploy_mean_s: defined(mean_ci(&deploy).map(|c| c.mean)),
        deploy_p50_s: defined(quantile(&deploy, 0.5)),
        candidate_requests_mean: defined(mean_ci(&candidate_requests).map(|c| c.mean)),
    }
}

/// Unwraps a statistic of a group that is never empty. The `None` case is
/// unreachable; NaN instead of a panic keeps a logic slip visible in the
/// output rather than aborting a long run after the simulation is done.
fn defined(value: Option<f64>) -> f64 {
    value.unwrap_or(f64::NAN)
}

/// See [`defined`].
fn rate(ci: Option<RateCi>) -> RateCi {
    ci.unwrap_or(RateCi {
        rate: f64::NAN,
        lo: f64::NAN,
        hi: f64::NAN,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(strategy: &str, faulty: bool, rolled_back: bool, bad: u64, deploy_s: f64) -> RunRecord {
        RunRecord {
            strategy: strategy.to_owned(),
            replication: 0,
            seed: 1,
            candidate_faulty: faulty,
            outcome: if rolled_back {
                Outcome::RolledBack
            } else {
                Outcome::Completed
            },
            trigger: if rolled_back {
                crate::record::Trigger::Alarm("errors".to_owned())
            } else {
                crate::record::Trigger::None
            },
            detection_s: rolled_back.then_some(deploy_s - 5.0),
            rollback_s: rolled_back.then_some(deploy_s),
            deploy_s,
            candidate_requests: 10 * bad + 100,
            bad_requests: bad,
            excess_bad_requests: 0,
            bad_requests_during_deploy: bad,
            bad_requests_after_deploy: 0,
            errors_total: bad,
            requests_total: 1000,
        }
    }

    #[test]
    fn healthy_candidate_counts_false_rollbacks() {
        let runs = [
            run("canary", false, true, 2, 105.0),
            run("canary", false, false, 0, 600.0),
            run("canary", false, false, 0, 600.0),
            run("canary", false, false, 2, 600.0),
        ];
        let [s] = &summarize(&runs)[..] else {
            panic!("one strategy expected")
        };
        let w = wilson(1, 4).unwrap();
        let bad = mean_ci(&[2.0, 0.0, 0.0, 2.0]).unwrap();
        assert_eq!(
            *s,
            Summary {
                strategy: "canary".into(),
                reps: 4,
                candidate_faulty: false,
                rollback_rate: 0.25,
                rollback_rate_lo: w.lo,
                rollback_rate_hi: w.hi,
                false_rollback_rate: Some(0.25),
                false_rollback_rate_lo: Some(w.lo),
                false_rollback_rate_hi: Some(w.hi),
                missed_rate: None,
                missed_rate_lo: None,
                missed_rate_hi: None,
                detection_mean_s: Some(100.0),
                detection_p50_s: Some(100.0),
                detection_p95_s: Some(100.0),
                bad_requests_mean: 1.0,
                bad_requests_mean_lo: bad.lo,
                bad_requests_mean_hi: bad.hi,
                // type 7 on [0, 0, 2, 2]: h = 2.85 → 2
                bad_requests_p95: 2.0,
                deploy_mean_s: 476.25,
                deploy_p50_s: 600.0,
                candidate_requests_mean: 110.0,
            }
        );
    }

    #[test]
    fn faulty_candidate_counts_misses_and_keeps_first_appearance_order() {
        let runs = [
            run("linear", true, true, 10, 200.0),
            run("all_at_once", true, false, 500, 60.0),
            run("linear", true, true, 30, 400.0),
            run("linear", true, false, 80, 900.0),
        ];
        let summaries = summarize(&runs);
        let names: Vec<&str> = summaries.iter().map(|s| s.strategy.as_str()).collect();
        assert_eq!(names, ["linear", "all_at_once"]);

        let linear = &summaries[0];
        let missed = wilson(1, 3).unwrap();
        assert_eq!(linear.reps, 3);
        assert!(linear.candidate_faulty);
        assert_eq!(linear.rollback_rate, 2.0 / 3.0);
        assert_eq!(linear.false_rollback_rate, None);
        assert_eq!(linear.missed_rate, Some(1.0 / 3.0));
        assert_eq!(
            (linear.missed_rate_lo, linear.missed_rate_hi),
            (Some(missed.lo), Some(missed.hi))
        );
        // detections 195 and 395: mean 295, p50 295, p95 = 195 + 0.95·200 = 385
        assert_eq!(linear.detection_mean_s, Some(295.0));
        assert_eq!(linear.detection_p50_s, Some(295.0));
        assert_eq!(linear.detection_p95_s, Some(385.0));
        assert_eq!(linear.bad_requests_mean, 40.0);
        // type 7 on [10, 30, 80]: h = 1.9 → 30 + 0.9·50 = 75
        assert_eq!(linear.bad_requests_p95, 75.0);
        assert_eq!(linear.deploy_p50_s, 400.0);

        let all = &summaries[1];
        assert_eq!(
            (all.reps, all.rollback_rate, all.missed_rate),
            (1, 0.0, Some(1.0))
        );
        assert_eq!(all.detection_mean_s, None);
        assert_eq!((all.detection_p50_s, all.detection_p95_s), (None, None));
        // one replication: zero-width mean interval
        assert_eq!(
            (all.bad_requests_mean_lo, all.bad_requests_mean_hi),
            (500.0, 500.0)
        );
    }

    #[test]
    fn mixed_candidates_split_false_rollbacks_and_misses() {
        let runs = [
            run("s", false, true, 0, 100.0),
            run("s", false, false, 0, 600.0),
            run("s", true, false, 9, 600.0),
        ];
        let s = &summarize(&runs)[0];
        assert!(s.candidate_faulty);
        assert_eq!(s.rollback_rate, 1.0 / 3.0);
        assert_eq!(s.false_rollback_rate, Some(0.5));
        assert_eq!(s.missed_rate, Some(1.0));
    }

    #[test]
    fn no_records_no_summaries() {
        assert!(summarize(&[]).is_empty());
    }
}
