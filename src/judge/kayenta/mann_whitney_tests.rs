//! Kayenta's own `MannWhitneySuite` (spinnaker/kayenta@a69573b:
//! kayenta-mannwhitney/src/test/scala/com/netflix/kayenta/mannwhitney/MannWhitneySuite.scala),
//! test by test with its expected numbers and tolerances, plus
//! hand-derived cases.

use super::*;
use crate::judge::kayenta::testdata::{arrays, Suite};

/// The suite's `E = 0.000001`.
const E: f64 = 1e-6;

fn close(expected: f64, actual: f64, tol: f64) {
    assert!(
        (expected - actual).abs() <= tol,
        "expected {expected}, got {actual} (tolerance {tol})"
    );
}

fn data(test: &str, a: &str, b: &str) -> (Vec<f64>, Vec<f64>) {
    let mut arr = arrays(Suite::MannWhitney, test);
    (arr.remove(a).unwrap(), arr.remove(b).unwrap())
}

#[test]
fn wilcoxon_diff_hand_derived() {
    // x = [1, 2], y = [3]: ranks 1, 2 | 3; rank sum of x = 3;
    // dz = 3 − 2·3/2 − 2·1/2 = −1; correction = −0.5;
    // σ = sqrt(2·1/12 · (2 + 1 + 1)) = sqrt(2/3); (−1 + 0.5)/σ = −0.612372…
    let v = wilcoxon_diff(0.0, 0.0, &[1.0, 2.0], &[3.0]).unwrap();
    close(-0.5 / (2.0f64 / 3.0).sqrt(), v, 1e-15);
    // With ties: x = [1, 1], y = [1, 2]: ranks 2, 2 | 2, 4; rank sum 4;
    // dz = 4 − 3 − 2 = −1; ties (3³ − 3) = 24;
    // σ = sqrt(4/12 · (5 − 24/(4·3))) = 1; statistic = −0.5; minus zq 1 → −1.5.
    close(
        -1.5,
        wilcoxon_diff(0.0, 1.0, &[1.0, 1.0], &[1.0, 2.0]).unwrap(),
        1e-15,
    );
    // dz = 0 → no continuity correction: x = [1, 4], y = [2, 3].
    close(
        0.0,
        wilcoxon_diff(0.0, 0.0, &[1.0, 4.0], &[2.0, 3.0]).unwrap(),
        1e-15,
    );
    // Shifting x by mu: x − 3 = [−2, −1] all below y → dz = 3 − 3 − 2 = −2.
    let v = wilcoxon_diff(3.0, 0.0, &[1.0, 2.0], &[3.0, 4.0]).unwrap();
    close(-1.5 / (4.0f64 / 12.0 * 5.0).sqrt(), v, 1e-15);
}

#[test]
fn all_tied_is_an_error_as_in_kayenta() {
    // MannWhitney.scala:76.
    assert_eq!(
        wilcoxon_diff(0.0, 0.0, &[1.0, 1.0], &[1.0]),
        Err(MannWhitneyError::AllTied)
    );
}

#[test]
fn suite_wilcoxon_diff_function() {
    // test("Wilcoxon Diff Function").
    let (x, y) = data("Wilcoxon Diff Function", "x", "y");
    close(-1.229416, wilcoxon_diff(0.0, 0.0, &x, &y).unwrap(), E);
    close(-35.80606, wilcoxon_diff(5.0, 0.0, &x, &y).unwrap(), E);
}

#[test]
fn suite_z_quant() {
    // test("Test zQuant"): qnorm(0.01) at confidence 0.98.
    close(-2.326348, normal_quantile((1.0 - 0.98) / 2.0), E);
}

#[test]
fn suite_confidence_interval_and_estimate() {
    // test("Mann-Whitney Confidence Interval & Estimate"), confidence 0.95.
    // Hand check: every x − y difference is one of 6..39 (16 of them); with
    // 4 + 4 values no μ in (6, 39) reaches |z| ≥ 1.96, so both ends sit at
    // the bracket [min x − max y, max x − min y] = [6, 39]; the estimate is
    // the median of the differences, (20 + 25)/2 = 22.5.
    let r = mann_whitney_u_test(&[10.0, 20.0, 30.0, 40.0], &[1.0, 2.0, 3.0, 4.0], 0.95).unwrap();
    close(6.0, r.lower, E);
    close(39.0, r.upper, E);
    close(22.5, r.estimate, E);
}

#[test]
fn suite_problem_case() {
    // test("Mann-Whitney Confidence Interval & Estimate: Problem Case"), 0.98.
    let (x, y) = data(
        "Mann-Whitney Confidence Interval & Estimate: Problem Case",
        "experiment",
        "control",
    );
    let r = mann_whitney_u_test(&x, &y, 0.98).unwrap();
    close(-1.4808028936386108e-5, r.lower, E);
    close(1.808255910873413e-5, r.upper, E);
    close(1.808255910873413e-5, r.estimate, E);
}

#[test]
fn suite_tie_out_with_r() {
    // test("Mann-Whitney Confidence Interval & Estimate: Tie out with R
    // Version"), confidence 0.95; the expected numbers are R's
    // wilcox.test(experiment, control, conf.int = TRUE) (exact = FALSE
    // because of ties, correct = TRUE by default) as quoted in the suite.
    let (x, y) = data(
        "Mann-Whitney Confidence Interval & Estimate: Tie out with R Version",
        "experiment",
        "control",
    );
    let r = mann_whitney_u_test(&x, &y, 0.95).unwrap();
    close(-0.500002521696696, r.lower, E);
    close(-3.486287505871302e-5, r.upper, E);
    close(-0.4999393907180323, r.estimate, 1e-4);
}

#[test]
fn suite_tie_out_with_r_large() {
    // test("… Tie out with R Version (Large)"), confidence 0.98 — R's
    // wilcox.test(..., conf.level = 0.98) values as quoted in the suite.
    let (x, y) = data(
        "Mann-Whitney Confidence Interval & Estimate: Tie out with R Version (Large)",
        "experiment",
        "control",
    );
    let r = mann_whitney_u_test(&x, &y, 0.98).unwrap();
    close(-0.4999173250549087, r.lower, E);
    close(-6.912685789769486e-6, r.upper, E);
    close(-3.45044082729315e-5, r.estimate, 1e-4);
}

#[test]
fn suite_intermediate_values() {
    // test("Mann-Whitney Intermediate Values / Variables"): R's intermediate
    // values of wilcox.test at confidence 0.95, step by step.
    let (x, y) = data("Mann-Whitney Intermediate Values / Variables", "x", "y");
    let (x_min, x_max) = min_max(&x);
    let (y_min, y_max) = min_max(&y);
    let (mu_min, mu_max) = (x_min - y_max, x_max - y_min);
    close(-3.124999999999986, mu_min, E);
    close(5.555555555555557, mu_max, E);
    let zq_lower = -normal_quantile(0.025);
    let zq_upper = normal_quantile(0.025);
    close(1.9599639845400536, zq_lower, E);
    close(-1.9599639845400536, zq_upper, E);
    let f = |mu: f64, zq: f64| wilcoxon_diff(mu, zq, &x, &y).unwrap();
    let (f_lower1, f_upper1) = (f(mu_min, zq_lower), f(mu_max, zq_lower));
    let (f_lower2, f_upper2) = (f(mu_min, zq_upper), f(mu_max, zq_upper));
    close(17.090968923762254, f_lower1, E);
    close(-20.997687930433106, f_upper1, E);
    close(21.01089689284236, f_lower2, E);
    close(-17.077759961353, f_upper2, E);
    let solve = |fl: f64, fu: f64, zq: f64| {
        brent_solve(mu_min, mu_max, fl, fu, |m| wilcoxon_diff(m, zq, &x, &y)).unwrap()
    };
    close(3.521755377702165e-5, solve(f_lower1, f_upper1, zq_lower), E);
    close(2.02456461662334e-5, solve(f_lower2, f_upper2, zq_upper), E);
    let (f_lower0, f_upper0) = (f(mu_min, 0.0), f(mu_max, 0.0));
    close(2.6279243045155653e-5, solve(f_lower0, f_upper0, 0.0), E);
}

#[test]
fn brent_returns_an_end_that_is_already_a_root() {
    // BrentSolver.java:47-52.
    let r = brent_solve(1.0, 2.0, 0.0, 5.0, |_| unreachable!()).unwrap();
    assert_eq!(r, 1.0);
    let r = brent_solve(1.0, 2.0, -5.0, 0.0, |_| unreachable!()).unwrap();
    assert_eq!(r, 2.0);
}

#[test]
fn brent_finds_a_root_to_its_tolerance() {
    // x² − 2 on [0, 2]: within TOLERANCE of sqrt(2).
    let r = brent_solve(0.0, 2.0, -2.0, 2.0, |v| Ok(v * v - 2.0)).unwrap();
    assert!((r - 2f64.sqrt()).abs() < TOLERANCE, "{r}");
}

#[test]
fn an_end_is_the_bracket_when_the_statistic_does_not_cross() {
    // MannWhitney.scala:96-97: with one value each side no μ reaches |z| ≥ 2.33,
    // so the 98 % interval is the whole bracket [x − y, x − y] … here a
    // 1-vs-2 sample: bracket [5 − 2, 5 − 1] = [3, 4].
    let r = mann_whitney_u_test(&[5.0], &[1.0, 2.0], 0.98).unwrap();
    assert_eq!((r.lower, r.upper), (3.0, 4.0));
}

#[test]
fn rejects_empty_samples_and_bad_confidence() {
    assert_eq!(
        mann_whitney_u_test(&[], &[1.0], 0.98),
        Err(MannWhitneyError::Empty)
    );
    assert_eq!(
        mann_whitney_u_test(&[1.0], &[2.0], 1.0),
        Err(MannWhitneyError::ConfidenceLevel(1.0))
    );
}
