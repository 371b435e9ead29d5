//! The `argo` and `flagger` strategy kinds end to end: when an Argo
//! analysis aborts (measurement cadence, query window, `failure_limit`),
//! and Flagger's "no data is a failed check" rolling back a healthy
//! release at low traffic, checked against the exact Poisson probability.

use canarysim::model::Sampling;
use canarysim::montecarlo::run_all;
use canarysim::record::{Outcome, RunRecord};
use statrs::distribution::{Discrete, Poisson};

use crate::support::scenario;

fn runs(text: &str, reps: u32, sampling: Sampling) -> Vec<RunRecord> {
    let mut sc = scenario(text);
    sc.replications = reps;
    sc.sampling = sampling;
    run_all(&sc).runs
}

/// A candidate failing half its requests at 200 requests/s, judged by one
/// background metric (every minute over `[1m]`, `result < 0.05`).
fn argo(failure_limit: i64, initial_delay: &str) -> String {
    format!(
        r#"
horizon = "1h"
replications = 10

[traffic]
rate_per_s = 200

[versions.stable]
error_rate = 0.0

[versions.candidate]
error_rate = 0.5

[strategies.argo]
kind = "argo"
steps = [{{ set_weight = 20 }}, {{ pause = "30m" }}]
background_analysis = ["error-rate"]
metrics = [{{ name = "error-rate", query = "error_ratio", window = "1m", interval = "1m", initial_delay = "{initial_delay}", failure_limit = {failure_limit}, success_condition = "result < 0.05" }}]
"#
    )
}

#[test]
fn an_argo_canary_with_a_failing_metric_aborts_to_weight_0_at_the_expected_time() {
    for sampling in [Sampling::Fast, Sampling::Exact] {
        // No initial delay: measurements at 0, 10 and 20 s read fewer than
        // two scrapes (an empty result: Error, retried after 10 s); at 30 s
        // the scrapes at 0 and 30 s give ≈ 0.5 → Failed (failed 1 >
        // failureLimit 0) → abort; the weight is 0 after the 5 s latency.
        for r in runs(&argo(0, "0s"), 10, sampling) {
            assert_eq!(r.outcome, Outcome::RolledBack, "{r:?}");
            assert_eq!(r.detection_s, Some(30.0), "{r:?}");
            assert_eq!(r.rollback_s, Some(35.0), "{r:?}");
            assert_eq!(r.trigger.to_string(), "argo/error-rate");
        }
        // failure_limit 1: the second failed measurement, one interval later.
        for r in runs(&argo(1, "0s"), 10, sampling) {
            assert_eq!(r.detection_s, Some(90.0), "{r:?}");
        }
        // initial_delay 2m: the first measurement at 120 s, over the
        // scrapes at 90 and 120 s.
        for r in runs(&argo(0, "2m"), 10, sampling) {
            assert_eq!(r.detection_s, Some(120.0), "{r:?}");
        }
    }
}

#[test]
fn a_healthy_argo_canary_completes_after_its_steps() {
    let text = argo(0, "0s").replace("error_rate = 0.5", "error_rate = 0.0");
    for r in runs(&text, 10, Sampling::Fast) {
        assert_eq!(r.outcome, Outcome::Completed, "{r:?}");
        assert_eq!(r.deploy_s, 1800.0);
    }
}

/// Flagger at low traffic, healthy candidate (no errors at all): one check
/// at 60 s (step 10 → max 10 → promotion if it passes), over `[1m]`, i.e.
/// the scrapes at 30 and 60 s: the candidate's requests in (30, 60].
fn flagger(rate: f64) -> String {
    format!(
        r#"
horizon = "1h"
replications = 10

[traffic]
rate_per_s = {rate}

[versions.stable]
error_rate = 0.0

[strategies.flagger]
kind = "flagger"
step_weight = 10
max_weight = 10
metrics = [{{ name = "request-success-rate", threshold_range = {{ min = 99 }} }}]
"#
    )
}

#[test]
fn flagger_rolls_back_a_healthy_release_at_low_traffic_as_poisson_predicts() {
    // No candidate request in the 30 s between the two scrapes → 0/0 →
    // "no values found" → failed check 1 of 1 → rollback at the next tick
    // (120 s). P = P(Poisson(0.5/s × 10 % × 30 s) = 0) = e^−1.5.
    let reps = 4000;
    let p = Poisson::new(0.5 * 0.1 * 30.0).unwrap().pmf(0);
    for sampling in [Sampling::Fast, Sampling::Exact] {
        let rs = runs(&flagger(0.5), reps, sampling);
        let rolled: Vec<&RunRecord> = rs
            .iter()
            .filter(|r| r.outcome == Outcome::RolledBack)
            .collect();
        for r in &rolled {
            assert_eq!(r.detection_s, Some(120.0), "{r:?}");
            assert_eq!(r.trigger.to_string(), "flagger");
        }
        for r in rs.iter().filter(|r| r.outcome == Outcome::Completed) {
            assert_eq!(r.deploy_s, 60.0, "{r:?}");
        }
        let share = rolled.len() as f64 / f64::from(reps);
        // 4 standard errors of a binomial share (≈ 0.026 here).
        let tol = 4.0 * (p * (1.0 - p) / f64::from(reps)).sqrt();
        assert!(
            (share - p).abs() < tol,
            "{sampling:?}: false rollbacks {share:.4} vs e^-1.5 = {p:.4} ± {tol:.4}"
        );
    }
    // At normal traffic the same healthy release always promotes.
    for r in runs(&flagger(50.0), 20, Sampling::Fast) {
        assert_eq!(r.outcome, Outcome::Completed, "{r:?}");
    }
}
