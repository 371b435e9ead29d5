//! Kayenta's own `ScorerSuite` (spinnaker/kayenta@a69573b:
//! kayenta-judge/src/test/scala/com/netflix/kayenta/judge/ScorerSuite.scala),
//! every test with its expected summary score, plus the threshold rules.

use super::*;
use Label::{High, Low, Nodata, Pass};

fn m(label: Label, group: &str) -> MetricResult<'_> {
    MetricResult {
        label,
        critical: false,
        group,
    }
}

fn crit(label: Label, group: &str) -> MetricResult<'_> {
    MetricResult {
        label,
        critical: true,
        group,
    }
}

fn w(pairs: &[(&str, f64)]) -> Vec<(String, f64)> {
    pairs.iter().map(|(g, v)| (g.to_string(), *v)).collect()
}

#[test]
fn scorer_suite() {
    let none = w(&[]);
    // "Weighted Sum Group Scorer: Single Metric Pass" / "Single Metric Fail".
    assert_eq!(score(&[m(Pass, "test-group")], &none).score, 100.0);
    assert_eq!(score(&[m(High, "test-group")], &none).score, 0.0);
    // "Single group Nodata": the group scores 0 and so does the summary.
    let s = score(&[m(Nodata, "test-group-nodata")], &none);
    assert_eq!(s.groups.len(), 1);
    assert_eq!(s.groups[0].score, 0.0);
    assert_eq!(s.score, 0.0);
    assert_eq!(s.reason, ScoreReason::TooManyNodata);
    // "Two Groups, one Pass, one Nodata": group scores {0, 100}, summary 100.
    let s = score(
        &[
            m(Pass, "test-group-pass"),
            m(Pass, "test-group-pass"),
            m(Nodata, "test-group-nodata"),
        ],
        &none,
    );
    let mut g: Vec<f64> = s.groups.iter().map(|g| g.score).collect();
    g.sort_by(f64::total_cmp);
    assert_eq!(g, vec![0.0, 100.0]);
    assert_eq!(s.score, 100.0);
    // "One Group, Two Metrics" → 50; "One Group, Three Metrics" → 33.33.
    assert_eq!(score(&[m(Pass, "g"), m(High, "g")], &none).score, 50.0);
    assert_eq!(
        score(&[m(Pass, "g"), m(High, "g"), m(Low, "g")], &none).score,
        33.33
    );
    // "Two Groups, Three Metrics": weights 75/25 → 75.
    let s = score(
        &[m(Pass, "group-1"), m(Pass, "group-1"), m(High, "group-2")],
        &w(&[("group-1", 75.0), ("group-2", 25.0)]),
    );
    assert_eq!(s.score, 75.0);
    // "(Equal Weight)" → 25; "(Equal Weight), one NoData" → 50.
    let eq = w(&[("group-1", 50.0), ("group-2", 50.0)]);
    let s = score(
        &[m(Pass, "group-1"), m(High, "group-1"), m(High, "group-2")],
        &eq,
    );
    assert_eq!(s.score, 25.0);
    let s = score(
        &[m(Pass, "group-1"), m(Nodata, "group-1"), m(High, "group-2")],
        &eq,
    );
    assert_eq!(s.score, 50.0);
    // "Two Metrics, one good (normal), one fail (critical)" → 0.
    let s = score(&[m(Pass, "test-group"), crit(High, "test-group")], &none);
    assert_eq!((s.score, s.reason), (0.0, ScoreReason::CriticalFailure));
    // "one low (normal), one good (critical)" → 50.
    assert_eq!(
        score(&[m(Low, "test-group"), crit(Pass, "test-group")], &none).score,
        50.0
    );
    // "one good (normal), one nodata (critical)" → 0.
    assert_eq!(
        score(&[m(Pass, "test-group"), crit(Nodata, "test-group")], &none).score,
        0.0
    );
    // "Two Groups (Unequal Weight), Four Metrics": 15 × 1/3 + 85 × 0 = 5.
    let s = score(
        &[
            m(High, "group1"),
            m(Low, "group1"),
            m(Pass, "group1"),
            m(High, "group2"),
        ],
        &w(&[("group1", 15.0), ("group2", 85.0)]),
    );
    assert_eq!(s.score, 5.0);
}

#[test]
fn nodata_fail_metric_counts_against_its_group_and_not_as_nodata() {
    // 1 Pass + 1 NodataFailMetric → 50; no NODATA zeroing.
    let s = score(&[m(Pass, "g"), m(Label::NodataFailMetric, "g")], &w(&[]));
    assert_eq!((s.score, s.reason), (50.0, ScoreReason::Weighted));
    // Exactly 50 % NODATA zeroes the score (≥, WeightedSumScorer.scala:87).
    let s = score(&[m(Pass, "g"), m(Nodata, "h")], &w(&[]));
    assert_eq!((s.score, s.reason), (0.0, ScoreReason::TooManyNodata));
    // Error is neither classified nor NODATA: 1 Pass + 1 Error → 100.
    assert_eq!(
        score(&[m(Pass, "g"), m(Label::Error, "g")], &w(&[])).score,
        100.0
    );
}

#[test]
fn unweighted_groups_share_the_rest() {
    // a: 40 explicit; b, c share (100 − 40)/2 = 30 each.
    // a Pass (100), b High (0), c Pass (100) → 40 + 0 + 30 = 70.
    let s = score(
        &[m(Pass, "a"), m(High, "b"), m(Pass, "c")],
        &w(&[("a", 40.0)]),
    );
    assert_eq!(s.score, 70.0);
}

#[test]
fn rounding_is_decimal_half_up() {
    assert_eq!(round2(33.333333333333336), 33.33);
    assert_eq!(round2(66.66666666666667), 66.67);
    // 1.005 prints as "1.005": BigDecimal rounds it half up to 1.01
    // (binary rounding of 100.49999… would give 1.0).
    assert_eq!(round2(1.005), 1.01);
    assert_eq!(round2(100.0), 100.0);
    assert_eq!(round2(0.0), 0.0);
}

#[test]
fn thresholds() {
    // ThresholdScoreClassifier: ≥ pass Pass, ≥ marginal Marginal.
    assert_eq!(classify_score(95.0, 75.0, 95.0), ScoreClass::Pass);
    assert_eq!(classify_score(75.0, 75.0, 95.0), ScoreClass::Marginal);
    assert_eq!(classify_score(74.99, 75.0, 95.0), ScoreClass::Fail);
    // MonitorCanaryTask: score ≤ marginal stops the analysis (75 stops).
    assert!(stops_early(75.0, 75.0));
    assert!(!stops_early(75.01, 75.0));
    // GenerateCanaryAnalysisResultTask: > marginal and ≥ pass.
    assert!(final_passes(95.0, 75.0, 95.0));
    assert!(!final_passes(94.99, 75.0, 95.0));
    assert!(!final_passes(80.0, 80.0, 80.0));
}
