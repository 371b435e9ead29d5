//! Per-strategy aggregation of replications into the rows of `summary.csv`.

use serde::{Deserialize, Serialize};

use crate::record::{Outcome, RunRecord, SagaRecord};
use crate::stats::{mean_ci, quantile, sorted, wilson, MeanCi, RateCi};

/// One strategy's results over all its replications. Field order is the
/// column order of `summary.csv` (and of the JSON export). Rates are
/// fractions in [0, 1]; `_lo`/`_hi` are 95 % confidence bounds (Wilson for
/// rates, Student t for means, clamped to what the quantity allows: a count
/// or a time is never negative; see [`crate::stats`]); quantiles are
/// Hyndman–Fan type 7.
///
/// Every field states its **population** — all runs of the row, its
/// healthy-candidate runs, its faulty-candidate runs, or its detected runs —
/// and README "Outputs" repeats it per column.
///
/// `Option` marks values that can be undefined (written as an empty CSV
/// cell, `null` in JSON, shown as "—" or "never" in tables).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Summary {
    pub strategy: String,
    /// Number of replications (all runs).
    pub reps: u64,
    /// True if the candidate was faulty in at least one replication.
    pub candidate_faulty: bool,
    /// All runs: share that rolled back, whatever the candidate.
    pub rollback_rate: f64,
    pub rollback_rate_lo: f64,
    pub rollback_rate_hi: f64,
    /// Healthy-candidate runs: share rolled back (a false rollback); `None`
    /// when no replication had a healthy candidate.
    pub false_rollback_rate: Option<f64>,
    pub false_rollback_rate_lo: Option<f64>,
    pub false_rollback_rate_hi: Option<f64>,
    /// Faulty-candidate runs: share that completed (the fault went out to
    /// 100 %); `None` when no replication had a faulty candidate.
    pub missed_rate: Option<f64>,
    pub missed_rate_lo: Option<f64>,
    pub missed_rate_hi: Option<f64>,
    /// All runs, a run without detection counted as "never" (+∞): the
    /// median and 95th percentile of the time to detection. `None` when the
    /// quantile falls among the runs that never detected. This is the curve
    /// of the detection CDF plot.
    pub detection_p50_s: Option<f64>,
    pub detection_p95_s: Option<f64>,
    /// Detected runs only (conditional on a detection): mean, median and
    /// 95th percentile; `None` without any detection.
    pub detection_mean_detected_s: Option<f64>,
    pub detection_p50_detected_s: Option<f64>,
    pub detection_p95_detected_s: Option<f64>,
    /// All runs: bad candidate requests (failed or over the SLA) until the
    /// horizon, baseline failures included.
    pub bad_requests_mean: f64,
    pub bad_requests_mean_lo: f64,
    pub bad_requests_mean_hi: f64,
    pub bad_requests_p95: f64,
    /// All runs: bad candidate requests the fault caused (those the
    /// candidate's baseline would have served well); 0 for a healthy
    /// candidate.
    pub excess_bad_requests_mean: f64,
    pub excess_bad_requests_mean_lo: f64,
    pub excess_bad_requests_mean_hi: f64,
    pub excess_bad_requests_p95: f64,
    /// All runs: bad candidate requests until the deployment ended and after
    /// it (until the horizon); the two means add up to `bad_requests_mean`.
    pub bad_requests_during_deploy_mean: f64,
    pub bad_requests_after_deploy_mean: f64,
    /// All runs: time from deployment start until it ended.
    pub deploy_mean_s: f64,
    pub deploy_p50_s: f64,
    /// All runs: requests the candidate served until the horizon.
    pub candidate_requests_mean: f64,
    /// Rows of the deployment as a whole with a `[workflow]`: its sagas;
    /// `None` otherwise (absent from JSON, empty `summary.csv` cells).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sagas: Option<SagaSummary>,
}

/// The sagas of a `[workflow]` over all runs of a row (every replication
/// of the strategy); means with Student-t 95 % intervals clamped at 0.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SagaSummary {
    /// All runs: sagas started before the horizon.
    pub sagas_started_mean: f64,
    /// All runs: sagas that did not complete (a forward step failed),
    /// failures of the stable versions included (no baseline/excess split).
    pub failed_sagas_mean: f64,
    pub failed_sagas_mean_lo: f64,
    pub failed_sagas_mean_hi: f64,
    /// All runs: failed sagas whose compensation failed too (left
    /// inconsistent).
    pub inconsistent_sagas_mean: f64,
    pub inconsistent_sagas_mean_lo: f64,
    pub inconsistent_sagas_mean_hi: f64,
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
/// "missed_rate = 1 − rollback_rate − stopped share, false_rollback_rate
/// undefined" for a faulty one.
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

    // A miss is "never": +∞ sorts after every detection, so a quantile that
    // falls among the misses is +∞ and reported as undefined.
    let time_to_detection = sorted(
        runs.iter()
            .map(|r| r.detection_s.unwrap_or(f64::INFINITY))
            .collect(),
    );
    let finite = |q: Option<f64>| q.filter(|v| v.is_finite());
    let detected = sorted(runs.iter().filter_map(|r| r.detection_s).collect());
    let counts = |f: fn(&RunRecord) -> u64| -> Vec<f64> {
        sorted(runs.iter().map(|r| f(r) as f64).collect())
    };
    let bad = counts(|r| r.bad_requests);
    let bad_ci = non_negative(mean_ci(&bad));
    let excess = counts(|r| r.excess_bad_requests);
    let excess_ci = non_negative(mean_ci(&excess));
    let during = counts(|r| r.bad_requests_during_deploy);
    let after = counts(|r| r.bad_requests_after_deploy);
    let deploy = sorted(runs.iter().map(|r| r.deploy_s).collect());
    let candidate_requests = counts(|r| r.candidate_requests);
    let mean = |v: &[f64]| defined(mean_ci(v).map(|c| c.mean));

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
        detection_p50_s: finite(quantile(&time_to_detection, 0.5)),
        detection_p95_s: finite(quantile(&time_to_detection, 0.95)),
        detection_mean_detected_s: mean_ci(&detected).map(|c| c.mean),
        detection_p50_detected_s: quantile(&detected, 0.5),
        detection_p95_detected_s: quantile(&detected, 0.95),
        bad_requests_mean: defined(bad_ci.map(|c| c.mean)),
        bad_requests_mean_lo: defined(bad_ci.map(|c| c.lo)),
        bad_requests_mean_hi: defined(bad_ci.map(|c| c.hi)),
        bad_requests_p95: defined(quantile(&bad, 0.95)),
        excess_bad_requests_mean: defined(excess_ci.map(|c| c.mean)),
        excess_bad_requests_mean_lo: defined(excess_ci.map(|c| c.lo)),
        excess_bad_requests_mean_hi: defined(excess_ci.map(|c| c.hi)),
        excess_bad_requests_p95: defined(quantile(&excess, 0.95)),
        bad_requests_during_deploy_mean: mean(&during),
        bad_requests_after_deploy_mean: mean(&after),
        deploy_mean_s: mean(&deploy),
        deploy_p50_s: defined(quantile(&deploy, 0.5)),
        candidate_requests_mean: mean(&candidate_requests),
        sagas: saga_summary(runs),
    }
}

/// [`SagaSummary`] of runs that all recorded their sagas, else `None`.
fn saga_summary(runs: &[&RunRecord]) -> Option<SagaSummary> {
    let sagas: Vec<SagaRecord> = runs.iter().map(|r| r.sagas).collect::<Option<_>>()?;
    let ci = |f: fn(&SagaRecord) -> u64| {
        let v = sorted(sagas.iter().map(|s| f(s) as f64).collect());
        let c = non_negative(mean_ci(&v));
        (
            defined(c.map(|c| c.mean)),
            defined(c.map(|c| c.lo)),
            defined(c.map(|c| c.hi)),
        )
    };
    let (failed, failed_lo, failed_hi) = ci(|s| s.failed);
    let (inconsistent, inconsistent_lo, inconsistent_hi) = ci(|s| s.inconsistent);
    Some(SagaSummary {
        sagas_started_mean: ci(|s| s.started).0,
        failed_sagas_mean: failed,
        failed_sagas_mean_lo: failed_lo,
        failed_sagas_mean_hi: failed_hi,
        inconsistent_sagas_mean: inconsistent,
        inconsistent_sagas_mean_lo: inconsistent_lo,
        inconsistent_sagas_mean_hi: inconsistent_hi,
    })
}

/// A mean interval of a quantity that cannot be negative (a count): the
/// Student-t lower bound is clamped at 0, and a `-0.0` never escapes.
fn non_negative(ci: Option<MeanCi>) -> Option<MeanCi> {
    ci.map(|c| MeanCi {
        mean: c.mean,
        lo: if c.lo > 0.0 { c.lo } else { 0.0 },
        hi: if c.hi > 0.0 { c.hi } else { 0.0 },
    })
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
            alarms_at_start: String::new(),
            sagas: None,
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
                // one detection (100 s) among four runs: the median and
                // p95 fall among the three that never detected
                detection_p50_s: None,
                detection_p95_s: None,
                detection_mean_detected_s: Some(100.0),
                detection_p50_detected_s: Some(100.0),
                detection_p95_detected_s: Some(100.0),
                bad_requests_mean: 1.0,
                // the t interval of [2, 0, 0, 2] reaches below 0: clamped
                bad_requests_mean_lo: 0.0,
                bad_requests_mean_hi: bad.hi,
                // type 7 on [0, 0, 2, 2]: h = 2.85 → 2
                bad_requests_p95: 2.0,
                excess_bad_requests_mean: 0.0,
                excess_bad_requests_mean_lo: 0.0,
                excess_bad_requests_mean_hi: 0.0,
                excess_bad_requests_p95: 0.0,
                bad_requests_during_deploy_mean: 1.0,
                bad_requests_after_deploy_mean: 0.0,
                deploy_mean_s: 476.25,
                deploy_p50_s: 600.0,
                candidate_requests_mean: 110.0,
                sagas: None,
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
        assert_eq!(linear.detection_mean_detected_s, Some(295.0));
        assert_eq!(linear.detection_p50_detected_s, Some(295.0));
        assert_eq!(linear.detection_p95_detected_s, Some(385.0));
        // with the miss as never: [195, 395, ∞]: p50 = 395, p95 among ∞
        assert_eq!(linear.detection_p50_s, Some(395.0));
        assert_eq!(linear.detection_p95_s, None);
        assert_eq!(linear.bad_requests_mean, 40.0);
        // type 7 on [10, 30, 80]: h = 1.9 → 30 + 0.9·50 = 75
        assert_eq!(linear.bad_requests_p95, 75.0);
        assert_eq!(linear.deploy_p50_s, 400.0);

        let all = &summaries[1];
        assert_eq!(
            (all.reps, all.rollback_rate, all.missed_rate),
            (1, 0.0, Some(1.0))
        );
        assert_eq!(all.detection_mean_detected_s, None);
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
    fn a_miss_counts_as_never_in_time_to_detection() {
        // 10 faulty runs: detections at 100..=800 s (8), two misses.
        let runs: Vec<RunRecord> = (0..10)
            .map(|i| {
                let detected = i < 8;
                let mut r = run("s", true, detected, 1, 100.0 * (i + 1) as f64 + 5.0);
                if !detected {
                    r.detection_s = None;
                }
                r
            })
            .collect();
        let s = &summarize(&runs)[0];
        // sorted [100, …, 800, ∞, ∞]: type 7 median at h = 4.5 → 550;
        // p95 at h = 8.55 lies between x[8] = ∞ and x[9] = ∞: never.
        assert_eq!(s.detection_p50_s, Some(550.0));
        assert_eq!(s.detection_p95_s, None);
        // detected runs only: [100..800], median 450, p95 at h = 6.65 → 765
        assert_eq!(s.detection_p50_detected_s, Some(450.0));
        assert!((s.detection_p95_detected_s.unwrap() - 765.0).abs() < 1e-9);
        assert_eq!(s.missed_rate, Some(0.2));
    }

    #[test]
    fn excess_excludes_baseline_failures_and_during_plus_after_is_total() {
        let mut a = run("s", true, true, 10, 300.0);
        a.excess_bad_requests = 7;
        a.bad_requests_during_deploy = 10;
        a.bad_requests_after_deploy = 0;
        let mut b = run("s", true, false, 30, 600.0);
        b.excess_bad_requests = 20;
        b.bad_requests_during_deploy = 12;
        b.bad_requests_after_deploy = 18;
        let s = &summarize(&[a, b])[0];
        assert_eq!(s.bad_requests_mean, 20.0);
        assert_eq!(s.excess_bad_requests_mean, 13.5);
        assert_eq!(s.bad_requests_during_deploy_mean, 11.0);
        assert_eq!(s.bad_requests_after_deploy_mean, 9.0);
        assert_eq!(
            s.bad_requests_during_deploy_mean + s.bad_requests_after_deploy_mean,
            s.bad_requests_mean
        );
        // count intervals never go below zero
        assert!(s.excess_bad_requests_mean_lo >= 0.0);
        assert!(s.excess_bad_requests_mean_lo.is_sign_positive());
    }

    #[test]
    fn no_records_no_summaries() {
        assert!(summarize(&[]).is_empty());
    }
}
