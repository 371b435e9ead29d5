//! Kayenta's own `ClassifierSuite` (spinnaker/kayenta@a69573b:
//! kayenta-judge/src/test/scala/com/netflix/kayenta/judge/ClassifierSuite.scala),
//! every Mann-Whitney test with its parameters and expectations, plus
//! hand-computed effect sizes and the judge's defaults.

use super::*;
use crate::judge::kayenta::testdata::{arrays, Suite};
use rand::SeedableRng;
use rand_pcg::Pcg64Mcg;

/// One `ClassifierSuite` test: `MannWhitneyClassifier(tolerance, confLevel,
/// effectSizeThresholds = (decrease, increase), criticalThresholds =
/// (decrease, increase), effectSizeMeasure)` and `classify(control,
/// experiment, direction, nanStrategy, isCriticalMetric)`.
struct Case {
    test: &'static str,
    tolerance: f64,
    confidence: f64,
    allowed: (f64, f64),
    critical_thresholds: (f64, f64),
    measure: EffectMeasure,
    direction: Direction,
    nan: NanStrategy,
    critical: bool,
    expected: Label,
    expected_critical: Option<bool>,
}

const fn case(test: &'static str, direction: Direction, expected: Label) -> Case {
    Case {
        test,
        tolerance: 0.10,
        confidence: 0.95,
        allowed: (1.0, 1.0),
        critical_thresholds: (1.0, 1.0),
        measure: EffectMeasure::MeanRatio,
        direction,
        nan: NanStrategy::Remove,
        critical: false,
        expected,
        expected_critical: None,
    }
}

use Direction::{Decrease, Either, Increase};

fn cases() -> Vec<Case> {
    let cles = |test, allowed, expected| Case {
        tolerance: 0.20,
        confidence: 0.98,
        allowed,
        measure: EffectMeasure::Cles,
        ..case(test, Either, expected)
    };
    vec![
        case("Mann-Whitney Classifier Test: Pass Metric", Either, Label::Pass),
        case("Mann-Whitney Classifier Test: High Metric", Either, Label::High),
        case("Mann-Whitney Classifier Test: Low Metric", Either, Label::Low),
        case("Mann-Whitney Classifier Directional Test: Increase", Increase, Label::Pass),
        case("Mann-Whitney Classifier Directional Test: Decrease", Decrease, Label::Pass),
        Case {
            expected_critical: Some(false),
            ..case("Mann-Whitney Classifier Directional Test: High Metric", Increase, Label::High)
        },
        case("Mann-Whitney Classifier Directional Test: Low Metric", Decrease, Label::Low),
        Case {
            expected_critical: Some(false),
            ..case("Mann-Whitney Classifier Test: High Metric (Large Input)", Either, Label::High)
        },
        Case {
            allowed: (0.8, 1.2),
            ..case("Mann-Whitney Classifier Test - Mean Ratio Effect Size: High", Either, Label::High)
        },
        Case {
            allowed: (0.8, 1.2),
            ..case("Mann-Whitney Classifier Test - Mean Ratio Effect Size: Low", Decrease, Label::Low)
        },
        Case {
            allowed: (0.5, 1.0),
            ..case("Mann-Whitney Classifier Test - Mean Ratio Effect Size: Pass", Either, Label::Pass)
        },
        Case {
            allowed: (1.0, 5.0),
            ..case(
                "Mann-Whitney Classifier Test - Mean Ratio Effect Size: Pass (Large Input)",
                Either,
                Label::Pass,
            )
        },
        cles("Mann-Whitney Classifier Test - CLES Effect Size: Pass", (0.5, 0.8), Label::Pass),
        cles("Mann-Whitney Classifier Test - CLES Effect Size: High", (0.2, 0.8), Label::High),
        cles("Mann-Whitney Classifier Test - CLES Effect Size: Low", (0.2, 0.8), Label::Low),
        Case {
            critical_thresholds: (1.0, 1.2),
            critical: true,
            expected_critical: Some(true),
            ..case("Mann-Whitney Classifier Test - Critical Effect Size: Critical High", Either, Label::High)
        },
        Case {
            critical_thresholds: (1.2, 1.0),
            critical: true,
            expected_critical: Some(true),
            ..case("Mann-Whitney Classifier Test - Critical Effect Size: Critical Low", Either, Label::Low)
        },
        Case {
            allowed: (1.0, 5.0),
            critical_thresholds: (1.0, 13.0),
            critical: true,
            expected_critical: Some(false),
            ..case("Mann-Whitney Classifier Test - Critical Effect Size: High", Either, Label::High)
        },
        Case {
            allowed: (1.0, 13.0),
            critical_thresholds: (1.0, 15.0),
            critical: true,
            expected_critical: Some(false),
            ..case("Mann-Whitney Classifier Test - Critical Effect Size: Pass", Either, Label::Pass)
        },
        Case {
            critical: true,
            expected_critical: Some(true),
            ..case(
                "Mann-Whitney Classifier Test - Critical Effect Size: Critical High (Default Thresholds)",
                Either,
                Label::High,
            )
        },
        case("Mann-Whitney Tied Observations", Decrease, Label::Pass),
        case("Mann-Whitney Identical Populations", Decrease, Label::Pass),
        case("Mann-Whitney Leading Zero Identical Population", Decrease, Label::Pass),
        case("Mann-Whitney Missing Experiment Data", Decrease, Label::Nodata),
        Case {
            critical: true,
            expected_critical: Some(true),
            ..case("Mann-Whitney Missing Experiment Data: Critical Metric", Decrease, Label::Nodata)
        },
        Case {
            nan: NanStrategy::Replace,
            ..case("Mann-Whitney Missing Experiment Data with NaN Replacement", Decrease, Label::Pass)
        },
        case("Mann-Whitney Majority Tied Observations", Either, Label::Pass),
        case("Mann-Whitney Tied Ranks", Either, Label::High),
        case("Mann-Whitney Tied Ranks With Zeros", Either, Label::High),
        Case {
            allowed: (0.8, 1.2),
            ..case("Mann-Whitney Zero Mean: High Metric with Effect Size", Either, Label::High)
        },
        Case {
            allowed: (0.8, 1.2),
            ..case("Mann-Whitney Zero Mean: Low Metric with Effect Size", Either, Label::Low)
        },
        Case {
            critical_thresholds: (0.8, 1.2),
            nan: NanStrategy::Replace,
            critical: true,
            expected_critical: Some(true),
            ..case("Mann-Whitney Zero Mean: Critical Metric", Either, Label::High)
        },
        Case {
            allowed: (0.8, 1.2),
            ..case("Mann-Whitney Zero Mean: Pass Metric", Either, Label::Pass)
        },
    ]
}

#[test]
fn kayenta_classifier_suite() {
    let mut rng = Pcg64Mcg::seed_from_u64(7);
    for c in cases() {
        let data = arrays(Suite::Classifier, c.test);
        let rule = MetricRule {
            direction: c.direction,
            nan_strategy: c.nan,
            critical: c.critical,
            must_have_data: false,
            effect_size: EffectSize {
                measure: c.measure,
                allowed_decrease: c.allowed.0,
                allowed_increase: c.allowed.1,
                critical_decrease: c.critical_thresholds.0,
                critical_increase: c.critical_thresholds.1,
            },
        };
        let params = TestParams {
            tolerance: c.tolerance,
            confidence: c.confidence,
        };
        let r = classify(
            &data["controlData"],
            &data["experimentData"],
            &rule,
            &params,
            &mut rng,
        );
        assert_eq!(r.label, c.expected, "{}", c.test);
        if let Some(critical) = c.expected_critical {
            assert_eq!(r.critical, critical, "{}: critical", c.test);
        }
    }
}

#[test]
fn zero_mean_deviation_as_the_suite_asserts() {
    let mut rng = Pcg64Mcg::seed_from_u64(1);
    // test("Mann-Whitney Zero Mean: High Metric with Effect Size"): deviation NaN.
    let r = classify(
        &[0.0; 5],
        &[54.9, 54.5, 55.1, 55.6, 57.4],
        &MetricRule::default(),
        &TestParams::default(),
        &mut rng,
    );
    assert!(r.deviation.is_nan());
    // test("Mann-Whitney Zero Mean: Pass Metric"): identical → deviation 1.0.
    let r = classify(
        &[0.0; 5],
        &[0.0; 5],
        &MetricRule::default(),
        &TestParams::default(),
        &mut rng,
    );
    assert_eq!((r.label, r.deviation), (Label::Pass, 1.0));
    // test("Mann-Whitney Missing Data: Reason String"): a reason is given.
    let rule = MetricRule {
        critical: true,
        ..MetricRule::default()
    };
    let r = classify(&[], &[], &rule, &TestParams::default(), &mut rng);
    assert!(r.reason.is_some());
}

#[test]
fn must_have_data_fails_only_a_non_critical_metric() {
    // MannWhitneyClassifier.scala:153-164.
    let mut rng = Pcg64Mcg::seed_from_u64(1);
    let p = TestParams::default();
    let must = MetricRule {
        must_have_data: true,
        ..MetricRule::default()
    };
    let r = classify(&[1.0], &[], &must, &p, &mut rng);
    assert_eq!((r.label, r.critical), (Label::NodataFailMetric, false));
    let both = MetricRule {
        critical: true,
        ..must
    };
    let r = classify(&[1.0], &[], &both, &p, &mut rng);
    assert_eq!((r.label, r.critical), (Label::Nodata, true));
}

#[test]
fn nan_strategies() {
    let mut rng = Pcg64Mcg::seed_from_u64(1);
    let p = TestParams::default();
    assert_eq!(
        NanStrategy::Remove.apply(&[1.0, f64::NAN, 2.0]),
        vec![1.0, 2.0]
    );
    assert_eq!(NanStrategy::Replace.apply(&[1.0, f64::NAN]), vec![1.0, 0.0]);
    // All-NaN canary: remove → no data; replace → zeros, compared.
    let remove = MetricRule::default();
    let r = classify_metric(&[1.0, 2.0], &[f64::NAN, f64::NAN], &remove, &p, &mut rng);
    assert_eq!(r.label, Label::Nodata);
    let replace = MetricRule {
        nan_strategy: NanStrategy::Replace,
        ..remove
    };
    let r = classify_metric(&[1.0, 2.0], &[f64::NAN, f64::NAN], &replace, &p, &mut rng);
    assert!(r.test.is_some());
}

#[test]
fn effect_sizes_hand_computed() {
    // Means 2 and 5 → 2.5; a zero mean → NaN (EffectSizes.scala:16-20).
    assert_eq!(mean_ratio(&[1.0, 3.0], &[4.0, 6.0]), 2.5);
    assert!(mean_ratio(&[0.0, 0.0], &[4.0]).is_nan());
    // CLES of experiment [3, 4] over control [1, 3]: pairs (3>1, 3=3 → ½,
    // 4>1, 4>3) = 3.5 / 4 = 0.875.
    assert_eq!(cles(&[1.0, 3.0], &[3.0, 4.0]), 0.875);
    assert_eq!(cles(&[1.0], &[1.0]), 0.5);
}

#[test]
fn the_tolerance_bound_is_a_share_of_the_estimate() {
    // Experiment 10..40 vs control 1..4 at 95 %: interval [6, 39], estimate
    // 22.5 (MannWhitneySuite). With tolerance 0.25 the bound is 5.625 < 6 →
    // High; a tolerance of 0.27 makes it 6.075 > 6 → Pass.
    let mut rng = Pcg64Mcg::seed_from_u64(1);
    let (c, e) = ([1.0, 2.0, 3.0, 4.0], [10.0, 20.0, 30.0, 40.0]);
    let rule = MetricRule::default();
    let at = |tolerance, rng: &mut Pcg64Mcg| {
        let p = TestParams {
            tolerance,
            confidence: 0.95,
        };
        classify(&c, &e, &rule, &p, rng).label
    };
    assert_eq!(at(0.25, &mut rng), Label::High);
    assert_eq!(at(0.27, &mut rng), Label::Pass);
}

#[test]
fn judge_defaults() {
    // NetflixACAJudge.scala:104-129, 146.
    let d = MetricRule::default();
    assert_eq!(d.direction, Direction::Either);
    assert_eq!(d.nan_strategy, NanStrategy::Remove);
    assert_eq!(d.effect_size, EffectSize::neutral(EffectMeasure::MeanRatio));
    assert_eq!(
        EffectSize::neutral(EffectMeasure::Cles).allowed_increase,
        0.5
    );
    assert_eq!((TOLERANCE, CONFIDENCE), (0.25, 0.98));
}
