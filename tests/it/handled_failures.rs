//! Seed 002's set-up: the candidate *returns* HTTP 503 (a handled
//! failure). Lambda's `Errors` stays 0, so an `Errors > 0` alarm never
//! fires, while the seed's log metric filter
//! `{ $.log = "response" && $.function = "main:2" && $.statusCode > 400 }`
//! counts each 503 the candidate logs.
//!
//! Exact value: the candidate's 503s in one period are Poisson with mean
//! μ = rate · w · 60 s · p (thinning a Poisson stream by the canary weight
//! w = 10 % and the failure probability p), so the filter metric's Sum > 0
//! breaches a period with probability q = 1 − e^{−μ} (the binomial
//! 1 − (1 − p·w)^n averaged over n ~ Poisson(rate · 60 s)); the alarm is
//! evaluated at 60, …, 300 s, each time on the period just closed, so
//! P(rollback) = 1 − (1 − q)^5. The stable version's own 503s (logged as
//! `main:1`) must not count. Tolerance: 4.5 standard errors of a rate from
//! R replications, sqrt(P(1 − P)/R), in each sampling mode.

use canarysim::model::Sampling;
use canarysim::montecarlo::run_all;
use canarysim::record::{Outcome, RunRecord};
use statrs::distribution::{Discrete, Poisson};

use crate::support::scenario;

const Z: f64 = 4.5;

fn seed_002(p: f64, reps: u32) -> String {
    format!(
        r#"
name = "seed_002_handled"
seed = 2002
replications = {reps}
horizon = "6m"
[traffic]
rate_per_s = 10
[versions.stable]
error_rate = 0.01
failure = {{ status = 503 }}
[versions.candidate]
error_rate = 0
[[faults]]
kind = "step_error"
error_rate = {p}
failure = {{ status = 503 }}
[metrics]
ingestion_delay = "0s"
[metrics.filters.errors_version_2]
pattern = '{{ $.log = "response" &&  $.function = "main:2" && $.statusCode > 400 }}'
[alarms.log_filter]
metric = "errors_version_2"
comparison = ">"
threshold = 0
treat_missing_data = "notBreaching"
[alarms.lambda_errors]
scope = "version"
metric = "Errors"
comparison = ">"
threshold = 0
treat_missing_data = "notBreaching"
[alarms.stage_5xx]
scope = "canary_stage"
metric = "5XXError"
comparison = ">"
threshold = 0
treat_missing_data = "notBreaching"
[strategies.filter]
type = "canary"
percentage = 10
interval = "5m"
alarms = ["log_filter"]
[strategies.errors]
type = "canary"
percentage = 10
interval = "5m"
alarms = ["lambda_errors"]
[strategies.stage]
type = "canary"
percentage = 10
interval = "5m"
alarms = ["stage_5xx"]
"#
    )
}

fn rollback_rate(runs: &[RunRecord], strategy: &str) -> f64 {
    let mine: Vec<&RunRecord> = runs.iter().filter(|r| r.strategy == strategy).collect();
    let rolled = mine
        .iter()
        .filter(|r| r.outcome != Outcome::Completed)
        .count();
    rolled as f64 / mine.len() as f64
}

#[test]
fn a_handled_503_trips_the_log_filter_alarm_and_never_the_errors_alarm() {
    let (p, reps) = (0.002, 3000);
    let mu = 10.0 * 0.1 * 60.0 * p;
    let q = 1.0 - Poisson::new(mu).unwrap().pmf(0);
    let exact = 1.0 - (1.0 - q).powi(5);
    let tolerance = Z * (exact * (1.0 - exact) / f64::from(reps)).sqrt();
    for sampling in [Sampling::Fast, Sampling::Exact] {
        let mut sc = scenario(&seed_002(p, reps));
        sc.sampling = sampling;
        let runs = run_all(&sc).runs;
        assert_eq!(
            rollback_rate(&runs, "errors"),
            0.0,
            "{sampling:?}: Lambda Errors never sees a handled 503"
        );
        for strategy in ["filter", "stage"] {
            // API Gateway's canary-stage 5XXError counts the same 503s.
            let simulated = rollback_rate(&runs, strategy);
            assert!(
                (simulated - exact).abs() <= tolerance,
                "{sampling:?} {strategy}: simulated {simulated}, exact {exact} ± {tolerance}"
            );
        }
        // Every candidate failure is a bad request for the users.
        let bad: u64 = runs.iter().map(|r| r.bad_requests).sum();
        assert!(bad > 0);
    }
}
