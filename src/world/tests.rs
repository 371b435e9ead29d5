//! End-to-end checks of one replication's world: detection timing, determinism,
//! sliding windows, the stage cache, lockstep and stack rollback.

use super::*;
use crate::alarm::{AlarmRule, Comparison, MissingData};
use crate::model::*;
use crate::sim::time::{secs, Micros};
use crate::strategy::script;
use crate::testkit::{scenario, set_faults};

fn run(sc: &Scenario, seed: u64) -> ReplicationOutput {
    run_replication(sc, 0, 0, seed, ReplicationOptions { timeline: true })
}

#[test]
fn all_at_once_total_failure_is_detected_after_first_period() {
    let mut sc = scenario(TrafficShift::AllAtOnce);
    set_faults(
        &mut sc,
        vec![Fault::StepError {
            after: Micros::ZERO,
            error_rate: 1.0,
            failure: Failure::Unhandled,
        }],
    );
    // Without a post-traffic hook AllAtOnce completes at t = 0 and nothing
    // watches; a 10-minute hook holds the deployment open as a bake window.
    sc.strategies[0].post_traffic_hook = Some(Hook {
        duration: secs(600),
        catch_probability: [0.0; 5],
        flaky_probability: 0.0,
    });
    let out = run(&sc, 3);
    let r = &out.record;
    // Period [0, 60) closes at 60 s, is evaluated at 60 s and polled at 60 s.
    assert_eq!(r.detection_s, Some(60.0));
    assert_eq!(r.rollback_s, Some(65.0));
    assert_eq!(r.outcome, Outcome::RolledBack);
    assert_eq!(r.trigger, Trigger::Alarm("errors".into()));
    assert_eq!(r.bad_requests, r.candidate_requests);
    // A perfect baseline: every failure is the fault's, and all of them
    // happened before the rollback completed.
    assert_eq!(r.excess_bad_requests, r.bad_requests);
    assert_eq!(r.bad_requests_during_deploy, r.bad_requests);
    assert_eq!(r.bad_requests_after_deploy, 0);
    // 65 s at 10 req/s: a Poisson count with mean 650.
    assert!((r.candidate_requests as f64 - 650.0).abs() < 5.0 * 650f64.sqrt());
    assert!(out.timeline.len() == 30);
    assert_eq!(out.timeline[0].candidate_weight_pct, 100.0);
    assert_eq!(out.timeline[2].candidate_weight_pct, 0.0);
}

#[test]
fn healthy_canary_completes_on_schedule_and_is_deterministic() {
    let sc = scenario(TrafficShift::Canary {
        percentage: 10,
        interval: secs(300),
    });
    let a = run(&sc, 9);
    assert_eq!(a.record.outcome, Outcome::Completed);
    assert_eq!(a.record.deploy_s, 300.0);
    assert_eq!(a.record.detection_s, None);
    assert_eq!(a.timeline[0].candidate_weight_pct, 10.0);
    assert_eq!(
        a.timeline[4].candidate_weight_pct, 10.0,
        "shift at 300 s comes after the close"
    );
    assert_eq!(a.timeline[5].candidate_weight_pct, 100.0);
    let b = run(&sc, 9);
    assert_eq!(a.record, b.record);
    assert_eq!(a.timeline, b.timeline);
}

/// The testkit scenario with one strategy of `kind` (watching alarm 0).
fn with_kind(kind: StrategyKind) -> Scenario {
    let mut sc = scenario(TrafficShift::AllAtOnce);
    sc.strategies = vec![script::spec(kind)];
    sc
}

/// Alarm 0 as "more than 5 candidate errors in 10 minutes": Errors Sum
/// > 5 over a 10-minute period, missing data not breaching.
fn count_alarm(sc: &mut Scenario) {
    let a = &mut sc.alarms[0];
    a.period = secs(600);
    a.rule = AlarmRule {
        threshold: 5.0,
        comparison: Comparison::GreaterThan,
        evaluation_periods: 1,
        datapoints_to_alarm: 1,
        missing_data: MissingData::NotBreaching,
        evaluation_range: 3,
    };
}

/// Mean detection time (s) of a 90/10 Lattice split held in place, with
/// a candidate failing 1 % of its requests from its first request.
fn lattice_detection(rate: f64, reps: u32) -> Vec<f64> {
    let mut l = script::lattice();
    l.schedule.clear();
    l.bake = None;
    let mut sc = with_kind(StrategyKind::Lattice(l));
    count_alarm(&mut sc);
    sc.metrics.ingestion_delay = secs(60);
    sc.horizon = secs(3600);
    sc.functions[0].traffic.rate_per_s = rate;
    sc.sampling = Sampling::Fast;
    set_faults(
        &mut sc,
        vec![Fault::StepError {
            after: Micros::ZERO,
            error_rate: 0.01,
            failure: Failure::Unhandled,
        }],
    );
    (0..reps)
        .filter_map(|r| {
            let out = run_replication(
                &sc,
                0,
                r,
                100 + u64::from(r),
                ReplicationOptions { timeline: false },
            );
            out.record.detection_s
        })
        .collect()
}

#[test]
fn a_count_alarm_detects_sooner_the_more_traffic_there_is() {
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let slow = lattice_detection(10.0, 300);
    let mid = lattice_detection(100.0, 300);
    let fast = lattice_detection(1000.0, 300);
    // 10 req/s: 1 candidate req/s fails 0.01 errors/s, 6 errors take
    // about 10 minutes; 100 req/s: about 1 minute; 1000 req/s: seconds.
    assert!(
        slow.len() > 250,
        "10 req/s detects within the hour: {}",
        slow.len()
    );
    assert_eq!(mid.len(), 300);
    assert!(
        mean(&slow) > mean(&mid) + 200.0,
        "{} vs {}",
        mean(&slow),
        mean(&mid)
    );
    assert!(
        mean(&mid) > mean(&fast) + 30.0,
        "{} vs {}",
        mean(&mid),
        mean(&fast)
    );
    // At 1000 req/s the 6th error comes within seconds of the first
    // traffic (90 s, after propagation): the one-minute bucket [60, 120)
    // closes at 120 s and is visible at 180 s, where the sliding
    // 10-minute window ending at 120 s breaches.
    assert!(fast.iter().all(|&d| d == 180.0), "{fast:?}");
}

#[test]
fn sliding_windows_let_a_long_period_alarm_fire_at_the_next_minute() {
    // Same alarm on an aligned period would wait for the period's end
    // (600 s) plus the ingestion delay.
    let mut sc = scenario(TrafficShift::AllAtOnce);
    count_alarm(&mut sc);
    sc.functions[0].traffic.rate_per_s = 100.0;
    sc.strategies[0].post_traffic_hook = Some(Hook {
        duration: secs(1200),
        catch_probability: [0.0; 5],
        flaky_probability: 0.0,
    });
    set_faults(
        &mut sc,
        vec![Fault::StepError {
            after: secs(200),
            error_rate: 1.0,
            failure: Failure::Unhandled,
        }],
    );
    for sampling in [Sampling::Exact, Sampling::Fast] {
        sc.sampling = sampling;
        let out = run(&sc, 5);
        // Errors from 200 s; bucket [180, 240) closes at 240 (no
        // ingestion delay in the testkit), polled at 240.
        assert_eq!(out.record.detection_s, Some(240.0), "{sampling:?}");
    }
}

/// API Gateway polls no alarm: the stage alarm's transition is the
/// detection and the rollback follows its action's chain. Canary 10 % of
/// 10 req/s from 5 s (the canary's update-stage); every candidate request
/// fails from 205 s; bucket [180, 240) closes at 240 s (no ingestion delay
/// in the testkit), the alarm turns ALARM there; SNS 2 s + rollback
/// function 3 s + update-stage 5 s puts all traffic back at 250 s.
#[test]
fn an_api_gateway_stage_alarm_rolls_back_through_its_action_chain() {
    let mut sc = with_kind(StrategyKind::ApiGwCanary(script::apigw(10.0, None)));
    set_faults(
        &mut sc,
        vec![Fault::StepError {
            after: secs(200),
            error_rate: 1.0,
            failure: Failure::Unhandled,
        }],
    );
    for sampling in [Sampling::Exact, Sampling::Fast] {
        sc.sampling = sampling;
        let r = run(&sc, 5).record;
        assert_eq!(r.detection_s, Some(240.0), "{sampling:?}");
        assert_eq!(r.rollback_s, Some(250.0), "{sampling:?}");
    }
}

/// An API Gateway canary of `pct` % with a stage cache of hit ratio 0.5
/// warming over `warmup`, and a candidate that fails every request.
fn cached_canary(pct: f64, warmup: Micros, sampling: Sampling) -> Scenario {
    let mut sc = with_kind(StrategyKind::ApiGwCanary(ApiGwSpec {
        // The canary routes from t = 0.
        propagation_delay: DelayDist::Fixed(Micros::ZERO),
        cache: Some(StageCache {
            hit_ratio: 0.5,
            hit_latency_ms: 5.0,
            warmup,
        }),
        ..script::apigw(pct, None)
    }));
    sc.alarms.clear();
    sc.strategies[0].alarms.clear();
    sc.functions[0].traffic.rate_per_s = 200.0;
    sc.horizon = secs(600);
    sc.sampling = sampling;
    set_faults(
        &mut sc,
        vec![Fault::StepError {
            after: Micros::ZERO,
            error_rate: 1.0,
            failure: Failure::Unhandled,
        }],
    );
    sc
}

#[test]
fn stage_cache_hits_never_fail_and_the_canary_cache_starts_cold() {
    for sampling in [Sampling::Exact, Sampling::Fast] {
        for (warmup, expected_bad) in [(Micros::ZERO, 0.5), (secs(600), 0.75)] {
            let sc = cached_canary(50.0, warmup, sampling);
            let r = run(&sc, 11).record;
            // Misses fail: 1 − h̄, with h̄ = 0.5 warm or 0.25 on average
            // while warming linearly over the whole horizon.
            let bad = r.bad_requests as f64 / r.candidate_requests as f64;
            let n = r.candidate_requests as f64;
            assert!((n - 60_000.0).abs() < 5.0 * 60_000f64.sqrt(), "{n}");
            let sd = (expected_bad * (1.0 - expected_bad) / n).sqrt();
            assert!(
                (bad - expected_bad).abs() < 5.0 * sd,
                "{sampling:?} warmup {warmup}: {bad}"
            );
            assert_eq!(
                r.errors_total, r.bad_requests,
                "stable hits and misses never fail"
            );
        }
    }
}

#[test]
fn canary_stage_metrics_see_cache_hits_and_lambda_metrics_do_not() {
    let mut sc = cached_canary(50.0, Micros::ZERO, Sampling::Exact);
    let invocations = |scope| AlarmSpec {
        name: format!("{scope:?}"),
        scope,
        expr: Expr::Series(MetricStat {
            metric: MetricName::Invocations,
            statistic: Statistic::Sum,
        }),
        ..scenario(TrafficShift::AllAtOnce).alarms[0].clone()
    };
    sc.alarms = vec![
        invocations(Scope::Version),
        invocations(Scope::CanaryStage),
        invocations(Scope::Function),
    ];
    for sampling in [Sampling::Exact, Sampling::Fast] {
        sc.sampling = sampling;
        let out = run(&sc, 4);
        for row in &out.timeline {
            let value = |i: usize| row.alarms[i].0.expect("a datapoint every minute");
            let (version, stage, function) = (value(0), value(1), value(2));
            // Half of the canary's requests are hits, and half of the
            // stable version's: only misses invoke the function.
            assert_eq!(stage, row.candidate_requests as f64);
            assert!((version / stage - 0.5).abs() < 0.1, "{version} of {stage}");
            let total = (row.candidate_requests + row.stable_requests) as f64;
            assert!(
                (function / total - 0.5).abs() < 0.1,
                "{function} of {total}"
            );
        }
    }
}

#[test]
fn hook_outcomes_follow_catch_and_flaky_probabilities_for_every_kind() {
    for spec in script::every_kind() {
        let mut sc = with_kind(spec.kind.clone());
        sc.alarms.clear();
        sc.strategies[0].alarms.clear();
        sc.strategies[0].pre_traffic_hook = Some(Hook {
            duration: secs(60),
            catch_probability: [0.7, 0.0, 0.0, 0.0, 0.0],
            flaky_probability: 0.1,
        });
        sc.horizon = secs(4 * 3600);
        sc.sampling = Sampling::Fast;
        let reps = 2000;
        let rate = |sc: &Scenario| {
            (0..reps)
                .filter(|&r| {
                    let out = run_replication(
                        sc,
                        0,
                        r,
                        7 + u64::from(r),
                        ReplicationOptions { timeline: false },
                    );
                    out.record.trigger == Trigger::PreTrafficHook
                })
                .count() as f64
                / f64::from(reps)
        };
        // Healthy: only flaky failures.
        let healthy = rate(&sc);
        assert!(
            (healthy - 0.1).abs() < 4.0 * (0.09f64 / 2000.0).sqrt(),
            "{}: {healthy}",
            spec.name
        );
        // A step error is caught with 0.7: 1 − 0.3 · 0.9 = 0.73.
        set_faults(
            &mut sc,
            vec![Fault::StepError {
                after: Micros::ZERO,
                error_rate: 0.5,
                failure: Failure::Unhandled,
            }],
        );
        let faulty = rate(&sc);
        let sd = (0.73f64 * 0.27 / 2000.0).sqrt();
        assert!((faulty - 0.73).abs() < 4.0 * sd, "{}: {faulty}", spec.name);
    }
}

/// Two functions: `a` (canary, its own error alarm) and `b`, released
/// all at once; `a` fails every request.
fn two_functions() -> Scenario {
    let mut sc = scenario(TrafficShift::Canary {
        percentage: 10,
        interval: secs(300),
    });
    let a = sc.functions[0].clone();
    sc.functions = vec![
        Function {
            name: "a".into(),
            faults: vec![Fault::StepError {
                after: Micros::ZERO,
                error_rate: 1.0,
                failure: Failure::Unhandled,
            }],
            candidate_faulty: true,
            ..a.clone()
        },
        Function {
            name: "b".into(),
            deploy: Deploy::AllAtOnce,
            ..a
        },
    ];
    sc.candidate_faulty = true;
    sc.multi_function = true;
    sc
}

#[test]
fn a_failing_function_rolls_back_the_whole_stack() {
    let mut sc = two_functions();
    let out = run(&sc, 1);
    let [a, b] = &out.functions[..] else {
        panic!("two function records")
    };
    assert_eq!((a.strategy.as_str(), b.strategy.as_str()), ("s/a", "s/b"));
    assert_eq!(
        (a.trigger.to_string().as_str(), a.detection_s, a.rollback_s),
        ("errors", Some(60.0), Some(65.0))
    );
    // b completed at t = 0, then the stack rollback reached it at 60 s.
    assert_eq!(b.outcome, Outcome::RolledBack);
    assert_eq!(
        (b.trigger.to_string().as_str(), b.detection_s, b.rollback_s),
        ("stack_rollback:a", Some(60.0), Some(65.0))
    );
    assert!(!b.candidate_faulty);
    let whole = &out.record;
    assert_eq!(whole.strategy, "s");
    assert_eq!(whole.outcome, Outcome::RolledBack);
    assert_eq!(whole.trigger.to_string(), "a:errors");
    assert_eq!(
        (whole.detection_s, whole.rollback_s, whole.deploy_s),
        (Some(60.0), Some(65.0), 65.0)
    );
    assert_eq!(whole.requests_total, a.requests_total + b.requests_total);
    assert_eq!(whole.bad_requests, a.bad_requests + b.bad_requests);
    assert_eq!(
        whole.excess_bad_requests,
        a.excess_bad_requests + b.excess_bad_requests
    );
    assert_eq!(b.excess_bad_requests, 0, "b is healthy");
    assert_eq!(
        whole.bad_requests_during_deploy + whole.bad_requests_after_deploy,
        whole.bad_requests
    );
    assert!(out.timeline.iter().any(|r| r.strategy == "s/b"));

    sc.deployment.stack_rollback_delay = DelayDist::Fixed(secs(30));
    let out = run(&sc, 1);
    assert_eq!(out.functions[1].detection_s, Some(90.0));
    assert_eq!(out.functions[1].rollback_s, Some(95.0));
    assert_eq!(
        out.record.rollback_s,
        Some(95.0),
        "all on stable when the last function is back"
    );

    sc.deployment.stack_rollback = false;
    let out = run(&sc, 1);
    assert_eq!(out.functions[1].outcome, Outcome::Completed);
    assert_eq!(out.record.outcome, Outcome::RolledBack);
    assert_eq!(out.record.rollback_s, Some(65.0));
}

#[test]
fn functions_have_their_own_streams() {
    let sc = two_functions();
    let out = run(&sc, 1);
    // Same traffic, same seed: the function name decides the stream.
    assert_ne!(
        out.functions[0].requests_total,
        out.functions[1].requests_total
    );
    let again = run(&sc, 1);
    assert_eq!(out.functions, again.functions);
    assert_eq!(out.record, again.record);
}

/// The testkit scenario released all at once (completing at t = 0
/// unless a post-traffic hook holds it open), no alarms, candidate
/// baseline: `error_rate`, `latency`, `timeout_ms`; SLA `sla_ms`.
fn exposure_scenario(
    error_rate: f64,
    latency: LatencyDist,
    timeout_ms: Option<f64>,
    sla_ms: Option<f64>,
    faults: Vec<Fault>,
) -> Scenario {
    let mut sc = scenario(TrafficShift::AllAtOnce);
    sc.alarms.clear();
    sc.strategies[0].alarms.clear();
    sc.horizon = secs(600);
    sc.functions[0].traffic.rate_per_s = 50.0;
    sc.functions[0].candidate = VersionProfile {
        error_rate,
        latency,
        timeout_ms,
        failure: Failure::Unhandled,
    };
    sc.sla_ms = sla_ms;
    set_faults(&mut sc, faults);
    sc
}

#[test]
fn a_healthy_candidate_with_a_worse_baseline_has_no_excess_in_either_mode() {
    let latency = LatencyDist::LogNormal {
        median_ms: 100.0,
        p99_ms: 900.0,
    };
    let sc = exposure_scenario(0.2, latency, Some(700.0), Some(300.0), vec![]);
    for sampling in [Sampling::Exact, Sampling::Fast] {
        let mut sc = sc.clone();
        sc.sampling = sampling;
        for seed in 0..5 {
            let r = run(&sc, seed).record;
            assert!(r.bad_requests > 5_000, "{r:?}");
            assert_eq!(r.excess_bad_requests, 0, "{sampling:?}");
            // AllAtOnce without a hook completes at t = 0: every bad
            // request comes after the deployment.
            assert_eq!(r.deploy_s, 0.0);
            assert_eq!(r.bad_requests_during_deploy, 0);
            assert_eq!(r.bad_requests_after_deploy, r.bad_requests);
        }
    }
}

#[test]
fn deploy_end_splits_bad_requests_into_during_and_after() {
    // A 10 % canary of a candidate failing half its requests (its own
    // baseline, no fault), completing at 300 s: during ≈ 10 % of 300 s,
    // after = 100 % of the other 300 s.
    let mut sc = exposure_scenario(0.5, LatencyDist::Fixed { ms: 100.0 }, None, None, vec![]);
    sc.strategies = scenario(TrafficShift::Canary {
        percentage: 10,
        interval: secs(300),
    })
    .strategies;
    sc.strategies[0].alarms.clear();
    for sampling in [Sampling::Exact, Sampling::Fast] {
        sc.sampling = sampling;
        let r = run(&sc, 3).record;
        assert_eq!((r.outcome, r.deploy_s), (Outcome::Completed, 300.0));
        let (during, after) = (
            r.bad_requests_during_deploy as f64,
            r.bad_requests_after_deploy as f64,
        );
        assert_eq!(during + after, r.bad_requests as f64);
        let expected_during = 50.0 * 0.1 * 300.0 * 0.5;
        let expected_after = 50.0 * 300.0 * 0.5;
        assert!(
            (during - expected_during).abs() < 5.0 * expected_during.sqrt(),
            "{during}"
        );
        assert!(
            (after - expected_after).abs() < 5.0 * expected_after.sqrt(),
            "{after}"
        );
        assert_eq!(r.excess_bad_requests, 0);
    }
}

#[test]
fn a_timeout_only_the_fault_causes_is_excess_and_a_baseline_failure_is_not() {
    // Fixed 100 ms, timeout 150 ms; the fault adds 100 ms, so every
    // candidate request fails (timeout or error). Baseline failures
    // (10 %) are not the fault's; the timeouts of the others are.
    let sc = exposure_scenario(
        0.1,
        LatencyDist::Fixed { ms: 100.0 },
        Some(150.0),
        None,
        vec![Fault::LatencyShift {
            after: Micros::ZERO,
            add_ms: 100.0,
            multiplier: 1.0,
        }],
    );
    for sampling in [Sampling::Exact, Sampling::Fast] {
        let mut sc = sc.clone();
        sc.sampling = sampling;
        let r = run(&sc, 8).record;
        assert_eq!(r.bad_requests, r.candidate_requests, "{sampling:?}");
        let n = r.bad_requests as f64;
        let own = (r.bad_requests - r.excess_bad_requests) as f64;
        assert!(
            (own - 0.1 * n).abs() < 5.0 * (0.09 * n).sqrt(),
            "{sampling:?}: {own} of {n}"
        );
    }
}

#[test]
fn cold_start_breaches_are_excess() {
    // The first 40 candidate requests take 1 s more than the fixed
    // 100 ms: each breaches the 500 ms SLA, which the baseline never does.
    let sc = exposure_scenario(
        0.0,
        LatencyDist::Fixed { ms: 100.0 },
        None,
        Some(500.0),
        vec![Fault::ColdStart {
            requests: 40,
            extra_ms: 1000.0,
        }],
    );
    for sampling in [Sampling::Exact, Sampling::Fast] {
        let mut sc = sc.clone();
        sc.sampling = sampling;
        let r = run(&sc, 2).record;
        assert_eq!(
            (r.bad_requests, r.excess_bad_requests),
            (40, 40),
            "{sampling:?}"
        );
    }
}

#[test]
fn a_ramp_splits_failures_between_baseline_and_fault_in_fast_mode() {
    // p = 0.1, the fault ramps 0 → 0.4 over the 10 minutes: mean fault
    // probability 0.2, so E[excess] = n (1 − p) 0.2 and E[bad] =
    // n (1 − (1 − p)(1 − 0.2)) (the ramp is linear).
    let sc = exposure_scenario(
        0.1,
        LatencyDist::Fixed { ms: 100.0 },
        None,
        None,
        vec![Fault::RampError {
            after: Micros::ZERO,
            over: secs(600),
            from: 0.0,
            to: 0.4,
            failure: Failure::Unhandled,
        }],
    );
    for sampling in [Sampling::Exact, Sampling::Fast] {
        let mut sc = sc.clone();
        sc.sampling = sampling;
        let reps = 40;
        let (mut bad, mut excess) = (0.0, 0.0);
        for seed in 0..reps {
            let r = run(&sc, 100 + seed).record;
            bad += r.bad_requests as f64;
            excess += r.excess_bad_requests as f64;
        }
        let n = 50.0 * 600.0 * reps as f64;
        let (eb, ee) = (n * (1.0 - 0.9 * 0.8), n * 0.9 * 0.2);
        assert!(
            (bad - eb).abs() < 5.0 * eb.sqrt(),
            "{sampling:?}: bad {bad} vs {eb}"
        );
        assert!(
            (excess - ee).abs() < 5.0 * ee.sqrt(),
            "{sampling:?}: excess {excess} vs {ee}"
        );
    }
}
