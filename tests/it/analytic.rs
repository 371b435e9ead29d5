//! Monte Carlo outputs against exact probabilities computed with statrs.
//!
//! Tolerances: a simulated rate from R independent replications has standard
//! error sqrt(P(1−P)/R) around the exact P; a mean of Poisson counts has
//! standard error sqrt(λ/R). Each check allows 4.5 standard errors (a false
//! failure probability below 1e-5 per check), and the seeds are fixed, so
//! the tests are deterministic.

use canarysim::model::Sampling;
use canarysim::montecarlo::run_all;
use canarysim::record::Outcome;
use canarysim::report::summarize;
use statrs::distribution::{Binomial, ContinuousCDF, Discrete, DiscreteCDF, LogNormal, Poisson};

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
    let exact = error_rate_window_rollback_probability(60.0, p);
    let simulated = summarize(&runs)[0].false_rollback_rate.unwrap();
    assert_rate_close(simulated, exact, reps, "P(false rollback)");
}

/// The rollback probability of the canary window for an error-rate alarm
/// whose requests err independently with probability `p`: per period the
/// scope sees n ~ Poisson(`mean`) requests and Binomial(n, p) errors, and
/// the datapoint breaches at ≥ 5 % (missing, so not breaching, when n = 0).
fn error_rate_window_rollback_probability(mean: f64, p: f64) -> f64 {
    let pois = Poisson::new(mean).unwrap();
    let hi = (mean + 12.0 * mean.sqrt() + 20.0) as u64;
    let q: f64 = (1..hi)
        .map(|n| {
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
    1.0 - (1.0 - q).powi(5)
}

#[test]
fn a_function_scope_alarm_sees_the_canary_fault_diluted_by_the_binomial_mixture() {
    // Seed 000's alarm as written: errors / invocations * 100 ≥ 5 on the
    // FunctionName dimension, i.e. all versions. At 10 % weight the scope
    // sees every request (n ~ Poisson(600) per minute); each request is the
    // candidate's with probability 0.1 and then fails with
    // p_c = 1 − (1 − 0.01)(1 − 0.3), else the stable's with p_s = 0.01, so
    // errors | n ~ Binomial(n, 0.9·p_s + 0.1·p_c): the canary's 30.7 % is
    // diluted to 3.97 %. The version-scope alarm on the same fault sees
    // Binomial(n_c, p_c) with n_c ~ Poisson(60) and catches it.
    let reps = 4000;
    let text = |scope: &str| {
        format!(
            r#"
name = "dilution"
seed = 7
replications = {reps}
horizon = "6m"
[traffic]
rate_per_s = 10
[versions.stable]
error_rate = 0.01
[[faults]]
kind = "step_error"
error_rate = 0.3
[metrics]
ingestion_delay = "0s"
[alarms.a]
scope = "{scope}"
expression = "errors / invocations * 100"
comparison = ">="
threshold = 5
evaluation_periods = 1
treat_missing_data = "notBreaching"
[strategies.canary]
type = "canary"
percentage = 10
interval = "5m"
"#
        )
    };
    let (p_s, p_c) = (0.01, 1.0 - 0.99 * 0.7);
    let rolled_back = |scope: &str| {
        let runs = run_all(&scenario(&text(scope))).runs;
        runs.iter()
            .filter(|r| r.outcome == Outcome::RolledBack)
            .count() as f64
            / f64::from(reps)
    };
    let diluted = error_rate_window_rollback_probability(600.0, 0.9 * p_s + 0.1 * p_c);
    assert_rate_close(rolled_back("function"), diluted, reps, "function scope");
    // The alias carries all the traffic in this model: the same requests.
    assert_rate_close(rolled_back("alias"), diluted, reps, "alias scope");
    let own = error_rate_window_rollback_probability(60.0, p_c);
    assert_rate_close(rolled_back("version"), own, reps, "version scope");
    assert!(diluted < 0.5 && own > 0.999, "{diluted} {own}");
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

/// Mean of a field over the runs, and the 4.5-standard-error tolerance of a
/// mean of Poisson counts with mean `exact`.
fn assert_poisson_mean(values: impl Iterator<Item = u64>, exact: f64, reps: u32, what: &str) {
    let mean = values.map(|v| v as f64).sum::<f64>() / f64::from(reps);
    let tol = Z * (exact / f64::from(reps)).sqrt();
    assert!(
        (mean - exact).abs() <= tol,
        "{what}: mean {mean}, exact {exact} ± {tol}"
    );
}

/// AllAtOnce at rate λ with a candidate baseline error rate p and a step
/// error q from t = 0; no alarm, a 5-minute post-traffic hook that never
/// fails holds the deployment open, then it completes; horizon 10 minutes.
/// Candidate requests are Poisson(λT); each fails with p_total =
/// 1 − (1 − p)(1 − q), and the fault alone caused it with (1 − p) q, so
/// bad ~ Poisson(λ T p_total) and excess ~ Poisson(λ T (1 − p) q), half of
/// the bad ones during the deployment and half after.
#[test]
fn excess_bad_requests_are_the_failures_the_baseline_would_not_have_had() {
    let (rate, p, q, reps) = (20.0, 0.05, 0.1, 400);
    for mode in [Sampling::Exact, Sampling::Fast] {
        let text = format!(
            r#"
name = "excess"
seed = 5
replications = {reps}
horizon = "10m"
[traffic]
rate_per_s = {rate}
[versions.stable]
error_rate = {p}
[[faults]]
kind = "step_error"
error_rate = {q}
[strategies.all_at_once]
config = "AllAtOnce"
post_traffic_hook = {{ duration = "5m" }}
"#
        );
        let mut sc = scenario(&text);
        sc.sampling = mode;
        let runs = run_all(&sc).runs;
        for r in &runs {
            assert_eq!(r.outcome, Outcome::Completed);
            assert_eq!(r.deploy_s, 300.0);
            assert!(r.excess_bad_requests <= r.bad_requests);
            assert_eq!(
                r.bad_requests_during_deploy + r.bad_requests_after_deploy,
                r.bad_requests
            );
        }
        let n = rate * 600.0;
        let p_total = 1.0 - (1.0 - p) * (1.0 - q);
        let what = |s: &str| format!("{mode:?}: {s}");
        assert_poisson_mean(
            runs.iter().map(|r| r.bad_requests),
            n * p_total,
            reps,
            &what("bad"),
        );
        assert_poisson_mean(
            runs.iter().map(|r| r.excess_bad_requests),
            n * (1.0 - p) * q,
            reps,
            &what("excess"),
        );
        assert_poisson_mean(
            runs.iter().map(|r| r.bad_requests - r.excess_bad_requests),
            n * p,
            reps,
            &what("baseline's own"),
        );
        assert_poisson_mean(
            runs.iter().map(|r| r.bad_requests_during_deploy),
            n / 2.0 * p_total,
            reps,
            &what("during"),
        );
        assert_poisson_mean(
            runs.iter().map(|r| r.bad_requests_after_deploy),
            n / 2.0 * p_total,
            reps,
            &what("after"),
        );
    }
}

/// A latency fault against an SLA: the candidate's baseline latency is
/// lognormal (median 100 ms, p99 400 ms) and the fault doubles it; the SLA
/// is 300 ms and nothing fails. A request breaches when 2X > 300, and the
/// breach is the fault's when X ≤ 300 too: bad ~ Poisson(λT P(X > 150)),
/// excess ~ Poisson(λT P(150 < X ≤ 300)).
#[test]
fn excess_sla_breaches_are_only_those_the_baseline_would_not_have_had() {
    let (rate, reps) = (10.0, 400);
    for mode in [Sampling::Exact, Sampling::Fast] {
        let text = format!(
            r#"
name = "excess_latency"
seed = 11
replications = {reps}
horizon = "10m"
[traffic]
rate_per_s = {rate}
[versions.stable]
latency = {{ median_ms = 100, p99_ms = 400 }}
[slo]
latency_ms = 300
[[faults]]
kind = "latency_shift"
multiplier = 2
[strategies.all_at_once]
config = "AllAtOnce"
post_traffic_hook = {{ duration = "10m" }}
"#
        );
        let mut sc = scenario(&text);
        sc.sampling = mode;
        let runs = run_all(&sc).runs;
        let ln = LogNormal::new(
            100f64.ln(),
            (400f64.ln() - 100f64.ln()) / 2.326_347_874_040_840_8,
        )
        .unwrap();
        let n = rate * 600.0;
        for r in &runs {
            assert!(r.excess_bad_requests <= r.bad_requests);
            assert_eq!(r.bad_requests_after_deploy, 0, "ends at the horizon");
            assert_eq!(r.errors_total, 0);
        }
        assert_poisson_mean(
            runs.iter().map(|r| r.bad_requests),
            n * ln.sf(150.0),
            reps,
            &format!("{mode:?}: bad"),
        );
        assert_poisson_mean(
            runs.iter().map(|r| r.excess_bad_requests),
            n * (ln.cdf(300.0) - ln.cdf(150.0)),
            reps,
            &format!("{mode:?}: excess"),
        );
    }
}
