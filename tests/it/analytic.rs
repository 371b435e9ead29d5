//! Monte Carlo outputs against exact probabilities computed with statrs.
//!
//! Tolerances: a simulated rate from R independent replications has standard
//! error sqrt(P(1−P)/R) around the exact P; a mean of Poisson counts has
//! standard error sqrt(λ/R). Each check allows 4.5 standard errors (a false
//! failure probability below 1e-5 per check), and the seeds are fixed, so
//! the tests are deterministic.

use canarysim::montecarlo::run_all;
use canarysim::record::Outcome;
use canarysim::report::summarize;
use statrs::distribution::{Binomial, Discrete, DiscreteCDF, Poisson};

use crate::support::scenario;

const Z: f64 = 4.5;

/// A healthy candidate at 10 req/s behind a custom 10 % / 5-minute canary,
/// no ingestion delay, and one single-period version-scope alarm. The alarm
/// is evaluated (and polled) at 60, 120, …, 300 s, each time deciding on the
/// period that just closed, so exactly the five canary periods are watched.
fn canary_window(error_rate: f64, alarm: &str, reps: u32) -> String {
    format!(
        r#"
name = "analytic"
seed = 2024
replications = {reps}
horizon = "6m"
[traffic]
rate_per_s = 10
[versions.stable]
error_rate = {error_rate}
[metrics]
ingestion_delay = "0s"
[alarms.a]
scope = "version"
{alarm}
evaluation_periods = 1
treat_missing_data = "notBreaching"
[strategies.canary]
type = "canary"
percentage = 10
interval = "5m"
"#
    )
}

fn assert_rate_close(simulated: f64, exact: f64, reps: u32, what: &str) {
    let se = (exact * (1.0 - exact) / f64::from(reps)).sqrt();
    assert!(
        (simulated - exact).abs() <= Z * se,
        "{what}: simulated {simulated}, exact {exact}, tolerance {}",
        Z * se
    );
}

#[test]
fn false_rollback_rate_of_an_error_count_alarm_is_poisson() {
    // Candidate errors per period ~ Poisson(rate · 10 % · 60 s · p): thinning
    // a Poisson process keeps it Poisson.
    let (p, reps) = (0.005, 4000);
    let sc = scenario(&canary_window(
        p,
        "metric = \"Errors\"\nstatistic = \"Sum\"\ncomparison = \">=\"\nthreshold = 2",
        reps,
    ));
    let runs = run_all(&sc).runs;
    let mu = 10.0 * 0.1 * 60.0 * p;
    let q = 1.0 - Poisson::new(mu).unwrap().cdf(1); // P(≥ 2 errors in a period)
    let exact = 1.0 - (1.0 - q).powi(5);
    let summary = &summarize(&runs)[0];
    let simulated = summary.false_rollback_rate.expect("healthy candidate");
    assert_rate_close(simulated, exact, reps, "P(false rollback)");
    assert!(summary.missed_rate.is_none());
    // Detection can only happen at the five poll instants.
    for r in runs.iter().filter(|r| r.outcome == Outcome::RolledBack) {
        let d = r.detection_s.unwrap();
        assert!([60.0, 120.0, 180.0, 240.0, 300.0].contains(&d), "{d}");
    }
}

#[test]
fn false_rollback_rate_of_an_error_rate_alarm_is_poisson_binomial() {
    // Per period: n ~ Poisson(60) candidate requests, errors ~ Binomial(n, p);
    // the datapoint errors / invocations * 100 breaches when ≥ 5 (and is
    // missing, so not breaching, when n = 0).
    let (p, reps) = (0.03, 4000);
    let sc = scenario(&canary_window(
        p,
        "expression = \"errors / invocations * 100\"\ncomparison = \">=\"\nthreshold = 5",
        reps,
    ));
    let runs = run_all(&sc).runs;
    let pois = Poisson::new(60.0).unwrap();
    let q: f64 = (1..400u64)
        .map(|n| {
            // Smallest error count that breaches, by the simulator's own float formula.
            let k = (0..=n)
                .find(|&k| k as f64 / n as f64 * 100.0 >= 5.0)
                .unwrap();
            let tail = if k == 0 {
                1.0
            } else {
                1.0 - Binomial::new(p, n).unwrap().cdf(k - 1)
            };
            pois.pmf(n) * tail
        })
        .sum();
    let exact = 1.0 - (1.0 - q).powi(5);
    let simulated = summarize(&runs)[0].false_rollback_rate.unwrap();
    assert_rate_close(simulated, exact, reps, "P(false rollback)");
}

#[test]
fn all_at_once_exposure_of_a_total_failure_is_rate_times_time_to_rollback() {
    // Every candidate request fails from t = 0. Period [0, 60) closes at
    // 60 s, becomes visible after the 60 s ingestion delay, is evaluated and
    // polled at 120 s; traffic is back on stable 5 s later. Exposure is a
    // Poisson count with mean 10 req/s × 125 s.
    let reps = 2000;
    let text = format!(
        r#"
name = "exposure"
seed = 99
replications = {reps}
horizon = "15m"
[traffic]
rate_per_s = 10
[[faults]]
kind = "step_error"
error_rate = 1.0
[alarms.a]
scope = "version"
expression = "errors / invocations * 100"
comparison = ">="
threshold = 5
evaluation_periods = 1
treat_missing_data = "notBreaching"
[strategies.all_at_once]
config = "AllAtOnce"
rollback_latency = "5s"
post_traffic_hook = {{ duration = "10m" }}
"#
    );
    let sc = scenario(&text);
    let runs = run_all(&sc).runs;
    for r in &runs {
        assert_eq!(r.outcome, Outcome::RolledBack);
        assert_eq!(r.detection_s, Some(120.0));
        assert_eq!(r.rollback_s, Some(125.0));
        assert_eq!(r.bad_requests, r.candidate_requests);
    }
    let lambda = 10.0 * 125.0;
    let mean = runs.iter().map(|r| r.bad_requests as f64).sum::<f64>() / f64::from(reps);
    let tol = Z * (lambda / f64::from(reps)).sqrt();
    assert!(
        (mean - lambda).abs() <= tol,
        "mean {mean}, exact {lambda} ± {tol}"
    );
    let s = &summarize(&runs)[0];
    assert_eq!(s.missed_rate, Some(0.0));
    assert!(s.bad_requests_mean_lo <= lambda && lambda <= s.bad_requests_mean_hi);
}
