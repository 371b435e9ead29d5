//! Monte Carlo checks of the workflow against exact Poisson laws: thinning
//! the saga process by the step outcomes gives each function a Poisson
//! number of calls whose mean is hand-computed below, in both modes.

use statrs::distribution::{DiscreteCDF, Poisson};

use super::*;
use crate::model::*;
use crate::record::SagaRecord;
use crate::sim::time::secs;
use crate::testkit::scenario;

const RATE: f64 = 10.0;
const HORIZON_S: u64 = 600;

/// The trip saga on six functions without direct traffic, each version of
/// function i failing with `errors[i]` (stable = candidate, so the alias
/// weight does not matter); no alarms.
fn trip(errors: [f64; 6], e: f64, retry: bool, sampling: Sampling) -> Scenario {
    let mut sc = scenario(TrafficShift::AllAtOnce);
    sc.alarms.clear();
    sc.strategies[0].alarms.clear();
    sc.horizon = secs(HORIZON_S);
    sc.sampling = sampling;
    let names = [
        "reserve_flight",
        "reserve_hotel",
        "process_payment",
        "cancel_flight",
        "cancel_hotel",
        "refund_payment",
    ];
    let base = sc.functions[0].clone();
    sc.functions = names
        .iter()
        .zip(errors)
        .map(|(name, p)| {
            let mut f = base.clone();
            f.name = (*name).into();
            f.traffic.rate_per_s = 0.0;
            f.stable.error_rate = p;
            f.candidate.error_rate = p;
            f
        })
        .collect();
    sc.multi_function = true;
    sc.workflow = Some(Workflow {
        rate_per_s: RATE,
        steps: (0..3)
            .map(|k| WorkflowStep {
                name: names[k].into(),
                function: k,
                compensation: Some(k + 3),
            })
            .collect(),
        compensate_failed_step: true,
        retry: retry.then_some(RetryPolicy::CDK_SERVICE_EXCEPTIONS),
        service_exception_prob: e,
    });
    sc
}

/// Per replication: the calls each function served, and the saga counts.
fn replicate(sc: &Scenario, reps: u32) -> Vec<(Vec<u64>, SagaRecord)> {
    (0..reps)
        .map(|r| {
            let out = run_replication(
                sc,
                0,
                r,
                1000 + u64::from(r),
                ReplicationOptions { timeline: false },
            );
            let calls = out.functions.iter().map(|f| f.requests_total).collect();
            (
                calls,
                out.record.sagas.expect("a workflow records its sagas"),
            )
        })
        .collect()
}

/// The sample is Poisson(`mu`): its mean within 4.5 standard errors, and
/// the share of replications at or below ⌊mu⌋ within 4.5 binomial
/// standard errors of statrs' Poisson CDF there.
fn assert_poisson(what: &str, sample: &[u64], mu: f64) {
    let n = sample.len() as f64;
    let mean = sample.iter().sum::<u64>() as f64 / n;
    let se = (mu / n).sqrt();
    assert!(
        (mean - mu).abs() < 4.5 * se,
        "{what}: mean {mean} vs {mu} (se {se:.2})"
    );
    let k = mu.floor() as u64;
    let cdf = Poisson::new(mu).expect("mu > 0").cdf(k);
    let share = sample.iter().filter(|&&x| x <= k).count() as f64 / n;
    let tol = 4.5 * (cdf * (1.0 - cdf) / n).sqrt();
    assert!(
        (share - cdf).abs() < tol,
        "{what}: P(X <= {k}) {share} vs {cdf}"
    );
}

#[test]
fn step_and_compensation_calls_are_thinned_poisson() {
    // s = 0.9, 0.8, 0.7; cancel_hotel fails half its calls.
    let errors = [0.1, 0.2, 0.3, 0.0, 0.5, 0.0];
    let lh = RATE * HORIZON_S as f64;
    let (s1, s2, s3) = (0.9, 0.8, 0.7);
    let payment = lh * s1 * s2;
    let refund = lh * s1 * s2 * (1.0 - s3);
    let hotel_cancel = lh * s1 * (1.0 - s2) + refund;
    let inconsistent = hotel_cancel * 0.5;
    let flight_cancel = lh * (1.0 - s1) + inconsistent;
    let failed = lh * (1.0 - s1 * s2 * s3);
    for sampling in [Sampling::Fast, Sampling::Exact] {
        let sc = trip(errors, 0.0, true, sampling);
        let runs = replicate(&sc, 150);
        let col = |i: usize| runs.iter().map(|r| r.0[i]).collect::<Vec<u64>>();
        let m = sampling.name();
        assert_poisson(&format!("{m} flight calls"), &col(0), lh);
        assert_poisson(&format!("{m} payment calls"), &col(2), payment);
        assert_poisson(&format!("{m} refund calls"), &col(5), refund);
        assert_poisson(&format!("{m} hotel cancels"), &col(4), hotel_cancel);
        assert_poisson(&format!("{m} flight cancels"), &col(3), flight_cancel);
        let sagas = |f: fn(&SagaRecord) -> u64| runs.iter().map(|r| f(&r.1)).collect::<Vec<_>>();
        assert_poisson(&format!("{m} started"), &sagas(|s| s.started), lh);
        assert_poisson(&format!("{m} failed"), &sagas(|s| s.failed), failed);
        assert_poisson(
            &format!("{m} inconsistent"),
            &sagas(|s| s.inconsistent),
            inconsistent,
        );
        // Consistency with what each world observed: the failed sagas are
        // exactly the forward steps' failures.
        for (calls, s) in &runs {
            assert_eq!(s.started, calls[0]);
            // Step 1 and 2 failures are the drop in calls; step 3's are the
            // refunds (each failed payment is refunded first).
            assert_eq!(s.failed, calls[0] - calls[2] + calls[5]);
        }
    }
}

#[test]
fn service_exceptions_delay_calls_and_fail_the_rest() {
    // No function errors; half the invokes hit a service exception. A saga
    // started at t reaches reserve_flight at t + D_m with probability
    // 0.5^(m+1) (D = 0, 2, 6, 14, 30, 62, 126 s) — served if before the
    // horizon — and gives up at t + 126 s with probability 0.5^7.
    let e: f64 = 0.5;
    let d = [0.0, 2.0, 6.0, 14.0, 30.0, 62.0, 126.0];
    let h = HORIZON_S as f64;
    let reach: f64 = d
        .iter()
        .enumerate()
        .map(|(m, dm)| RATE * (h - dm) * e.powi(m as i32) * (1.0 - e))
        .sum();
    let gave_up = RATE * (h - 126.0) * e.powi(7);
    for sampling in [Sampling::Fast, Sampling::Exact] {
        let sc = trip([0.0; 6], e, true, sampling);
        let runs = replicate(&sc, 150);
        let m = sampling.name();
        let flights: Vec<u64> = runs.iter().map(|r| r.0[0]).collect();
        assert_poisson(&format!("{m} flight invocations"), &flights, reach);
        // Failed sagas: those giving up at step 1 before the horizon, plus
        // (later steps) more; at least step 1's share, checked as Poisson
        // on a saga without later steps below.
        let failed: Vec<u64> = runs.iter().map(|r| r.1.failed).collect();
        let mean = failed.iter().sum::<u64>() as f64 / failed.len() as f64;
        assert!(mean > gave_up, "{m}: {mean} vs at least {gave_up}");
    }
    // Without the retrier every exception fails the step at once.
    let sc = trip([0.0; 6], e, false, Sampling::Fast);
    let runs = replicate(&sc, 150);
    let lh = RATE * h;
    assert_poisson(
        "no retry: flight invocations",
        &runs.iter().map(|r| r.0[0]).collect::<Vec<_>>(),
        lh * (1.0 - e),
    );
    assert_poisson(
        "no retry: completed sagas",
        &runs
            .iter()
            .map(|r| r.1.started - r.1.failed)
            .collect::<Vec<_>>(),
        lh * (1.0 - e).powi(3),
    );
}
