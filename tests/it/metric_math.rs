//! Metric math guards end to end: a low-traffic guard that stops a false
//! rollback the unguarded error rate causes, and FILL turning missing
//! datapoints into zeros. Expectations are exact probabilities (statrs) with
//! the 4.5-standard-error tolerance of `analytic.rs`, in both sampling modes.

use canarysim::model::Sampling;
use canarysim::montecarlo::run_all;
use canarysim::report::summarize;
use statrs::distribution::{Binomial, Discrete, Poisson};

use crate::support::scenario;

const Z: f64 = 4.5;

/// A healthy candidate (every version fails 2 % of requests) at `rate` req/s
/// behind a 10 % / 5-minute canary, no ingestion delay, one single-period
/// version-scope alarm polled at 60, 120, …, 300 s: the five canary periods.
fn canary(rate: f64, alarm: &str, missing: &str, reps: u32) -> String {
    format!(
        r#"
name = "guard"
seed = 11
replications = {reps}
horizon = "6m"
[traffic]
rate_per_s = {rate}
[versions.stable]
error_rate = 0.02
[metrics]
ingestion_delay = "0s"
[alarms.a]
scope = "version"
{alarm}
comparison = ">="
threshold = 5
evaluation_periods = 1
treat_missing_data = "{missing}"
[strategies.canary]
type = "canary"
percentage = 10
interval = "5m"
"#
    )
}

fn false_rollback_rate(text: &str, mode: Sampling) -> f64 {
    let mut sc = scenario(text);
    sc.sampling = mode;
    summarize(&run_all(&sc).runs)[0]
        .false_rollback_rate
        .expect("healthy candidate")
}

fn assert_rate_close(simulated: f64, exact: f64, reps: u32, what: &str) {
    let se = (exact * (1.0 - exact) / f64::from(reps)).sqrt();
    assert!(
        (simulated - exact).abs() <= Z * se + 1e-12,
        "{what}: simulated {simulated}, exact {exact}, tolerance {}",
        Z * se
    );
}

/// P(a run rolls back) when a period with n candidate requests breaches iff
/// `breaches(n)` is met by the error count: n ~ Poisson(6) (0.1 req/s × 10 %
/// × 60 s), errors ~ Binomial(n, 2 %), five independent periods.
fn exact_rollback(breaches: impl Fn(u64, u64) -> bool) -> f64 {
    let pois = Poisson::new(6.0).unwrap();
    let q: f64 = (1..200u64)
        .map(|n| {
            let bin = Binomial::new(0.02, n).unwrap();
            let p_breach: f64 = (0..=n)
                .filter(|&k| breaches(n, k))
                .map(|k| bin.pmf(k))
                .sum();
            pois.pmf(n) * p_breach
        })
        .sum();
    1.0 - (1.0 - q).powi(5)
}

#[test]
fn a_low_traffic_guard_stops_the_false_rollbacks_of_the_bare_error_rate() {
    let reps = 2000;
    // Unguarded: with ~6 canary requests a period, one error is ≥ 5 %.
    let bare = canary(
        1.0,
        "expression = \"errors / invocations * 100\"",
        "notBreaching",
        reps,
    );
    let rate = |n: u64, k: u64| k as f64 / n as f64 * 100.0 >= 5.0;
    let exact_bare = exact_rollback(rate);
    assert!(exact_bare > 0.4, "{exact_bare}");
    // Guarded: a period with ≤ 20 invocations is 0, so it never breaches;
    // P(n > 20) for Poisson(6) is ~1e-5, so rollbacks all but vanish.
    let guarded = canary(
        1.0,
        "expression = \"IF(invocations > 20, errors / invocations * 100, 0)\"",
        "notBreaching",
        reps,
    );
    let exact_guarded = exact_rollback(|n, k| n > 20 && rate(n, k));
    assert!(exact_guarded < 1e-5, "{exact_guarded}");
    for mode in [Sampling::Fast, Sampling::Exact] {
        let sim = false_rollback_rate(&bare, mode);
        assert_rate_close(sim, exact_bare, reps, "unguarded P(false rollback)");
        let sim = false_rollback_rate(&guarded, mode);
        assert_eq!(sim, 0.0, "guarded P(false rollback) in {mode:?} mode");
    }
}

#[test]
fn fill_turns_periods_without_traffic_into_zeros() {
    // 0.05 req/s: the canary sees Poisson(0.3) requests a period, so most
    // periods publish no Errors datapoint. Treated as breaching, missing
    // points roll the healthy candidate back; FILL(errors, 0) makes them 0.
    //
    // Unfilled, N = 1 with an evaluation range of 3 periods: the alarm uses
    // the newest real point in the range and is breaching only when the range
    // has none. Periods are independent, present with a = 1 − e^(−0.3)
    // (b = 1 − a); the evaluations at 60 … 300 s see periods {1}, {1,2},
    // {1,2,3}, {2,3,4}, {3,4,5}, so P(no rollback) = a (1 − 2b³ + b⁴).
    // History before t = 0 (missing too) can only add rollbacks.
    let reps = 400;
    let bare = canary(0.05, "metric = \"Errors\"", "breaching", reps);
    let filled = canary(
        0.05,
        "expression = \"FILL(errors, 0) * 100\"",
        "breaching",
        reps,
    );
    let b = (-0.3f64).exp();
    let exact_bare = 1.0 - (1.0 - b) * (1.0 - 2.0 * b.powi(3) + b.powi(4));
    let se_bare = (exact_bare * (1.0 - exact_bare) / f64::from(reps)).sqrt();
    for mode in [Sampling::Fast, Sampling::Exact] {
        let sim = false_rollback_rate(&bare, mode);
        assert!(
            sim >= exact_bare - Z * se_bare,
            "unfilled: {sim} in {mode:?} mode, exact {exact_bare}"
        );
        // Filled: breaching needs an error, i.e. one of the Poisson(1.5)
        // canary requests of the five periods failing: 1 − e^(−1.5 × 0.02).
        let exact = 1.0 - (-0.05 * 0.1 * 300.0 * 0.02f64).exp();
        let sim = false_rollback_rate(&filled, mode);
        assert_rate_close(sim, exact, reps, "filled P(false rollback)");
    }
}
