//! Every shipped scenario validates and runs, and its headline result is the
//! one its header comment promises — so the examples never rot.

use std::collections::HashMap;

use canarysim::montecarlo::run_all;
use canarysim::report::{summarize, Summary};
use canarysim::run::{load_scenario, Overrides};
use canarysim::time::{secs, Micros};

use crate::support::root;

fn summaries(file: &str, reps: u32) -> HashMap<String, Summary> {
    let overrides = Overrides {
        replications: Some(reps),
        ..Overrides::default()
    };
    let sc = load_scenario(&root().join("scenarios").join(file), &overrides).expect(file);
    summarize(&run_all(&sc).runs)
        .into_iter()
        .map(|s| (s.strategy.clone(), s))
        .collect()
}

#[test]
fn every_shipped_scenario_loads_with_a_question_in_its_header() {
    let mut count = 0;
    for entry in std::fs::read_dir(root().join("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(
                text.starts_with('#') && text.contains("Question"),
                "{} starts with a comment header asking its question",
                path.display()
            );
            load_scenario(&path, &Overrides::default())
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            count += 1;
        }
    }
    assert!(count >= 5);
}

#[test]
fn error_spike_rolls_back_every_strategy_and_canary_limits_exposure() {
    let s = summaries("error_spike.toml", 60);
    for name in ["all_at_once", "canary", "linear"] {
        assert!(s[name].rollback_rate > 0.95, "{name}: {:?}", s[name]);
    }
    assert!(s["canary"].bad_requests_mean < s["all_at_once"].bad_requests_mean);
}

#[test]
fn healthy_noise_threshold_1_rolls_back_more_than_5() {
    let s = summaries("healthy_noise.toml", 300);
    let t1 = s["canary_threshold_1"].false_rollback_rate.unwrap();
    let t5 = s["canary_threshold_5"].false_rollback_rate.unwrap();
    assert!(t1 > t5, "threshold 1: {t1}, threshold 5: {t5}");
}

#[test]
fn function_scope_dilutes_the_canary() {
    let s = summaries("function_vs_version.toml", 60);
    let f = &s["canary_function_alarm"];
    let v = &s["canary_version_alarm"];
    assert!(
        v.detection_p50_s.unwrap() < 600.0,
        "version alarm fires during the canary"
    );
    assert!(
        f.detection_p50_s.unwrap() > 600.0,
        "function alarm only after 100 %"
    );
    assert!(f.bad_requests_mean > v.bad_requests_mean);
}

#[test]
fn low_traffic_breaching_rolls_back_on_silence() {
    let s = summaries("low_traffic.toml", 200);
    let breaching = &s["breaching"];
    // Missing datapoints count as breaching: rollback at the first poll.
    assert_eq!(breaching.rollback_rate, 1.0);
    assert!(breaching.detection_p95_s.unwrap() <= 120.0);
    assert!(
        s["not_breaching"].detection_p50_s.unwrap_or(f64::INFINITY)
            > breaching.detection_p50_s.unwrap()
    );
}

#[test]
fn latency_regression_is_caught_by_duration_alarms() {
    let s = summaries("latency_regression.toml", 40);
    for name in ["canary_max", "canary_p99", "linear_p99"] {
        assert!(s[name].rollback_rate > 0.9, "{name}: {:?}", s[name]);
    }
}

/// Runs of a shipped scenario with `reps` replications, after `edit`.
fn runs_with(
    file: &str,
    reps: u32,
    edit: impl FnOnce(&mut canarysim::model::Scenario),
) -> (HashMap<String, Summary>, Vec<canarysim::record::RunRecord>) {
    let overrides = Overrides {
        replications: Some(reps),
        ..Overrides::default()
    };
    let mut sc = load_scenario(&root().join("scenarios").join(file), &overrides).expect(file);
    edit(&mut sc);
    let runs = run_all(&sc).runs;
    let summaries = summarize(&runs)
        .into_iter()
        .map(|s| (s.strategy.clone(), s))
        .collect();
    (summaries, runs)
}

/// The median of `f` over the runs of `strategy`.
fn median_of(
    runs: &[canarysim::record::RunRecord],
    strategy: &str,
    f: impl Fn(&canarysim::record::RunRecord) -> f64,
) -> f64 {
    let mut v: Vec<f64> = runs
        .iter()
        .filter(|r| r.strategy == strategy)
        .map(f)
        .collect();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Sets when the first fault of the first function starts.
fn fault_after(sc: &mut canarysim::model::Scenario, after: Micros) {
    match &mut sc.functions[0].faults[0] {
        canarysim::model::Fault::StepError { after: a, .. } => *a = after,
        other => panic!("a step error expected, not {other:?}"),
    }
}

#[test]
fn step_plan_rolls_back_with_a_fraction_of_the_bad_requests_and_its_bake_catches_late_faults() {
    let (s, _) = runs_with("step_plan.toml", 300, |_| {});
    for name in ["canary", "steps", "steps_no_bake"] {
        assert!(s[name].rollback_rate >= 0.99, "{name}: {:?}", s[name]);
    }
    assert!(
        s["steps"].bad_requests_mean * 5.0 < s["canary"].bad_requests_mean,
        "steps {} vs canary {}",
        s["steps"].bad_requests_mean,
        s["canary"].bad_requests_mean
    );
    // A fault 18 minutes after first traffic: alarmed after 100 % (20 min).
    let (s, _) = runs_with("step_plan.toml", 300, |sc| fault_after(sc, secs(18 * 60)));
    assert!(s["steps"].rollback_rate >= 0.95, "{:?}", s["steps"]);
    assert!(
        s["steps_no_bake"].missed_rate.unwrap() >= 0.95,
        "{:?}",
        s["steps_no_bake"]
    );
}

#[test]
fn apigw_canary_alarm_beats_the_operator_and_the_cold_cache_makes_it_possible() {
    let (s, runs) = runs_with("apigw_canary.toml", 400, |_| {});
    let alarm = &s["stage_alarm"];
    let operator = &s["operator_only"];
    let hands_on = &s["hands_on_50_50"];
    assert!(alarm.rollback_rate >= 0.9, "{alarm:?}");
    assert!(alarm.detection_p50_s.unwrap() <= 360.0, "{alarm:?}");
    // The operator is often too late: the promotion ships the fault.
    let missed = operator.missed_rate.unwrap();
    assert!((0.1..0.4).contains(&missed), "{operator:?}");
    assert!(operator.detection_p50_s.unwrap() >= alarm.detection_p50_s.unwrap() + 300.0);
    // 50/50 detects as fast but exposes about five times as many requests.
    assert!(hands_on.rollback_rate >= 0.95, "{hands_on:?}");
    assert!(hands_on.detection_p50_s.unwrap() <= alarm.detection_p50_s.unwrap());
    let bad = |name| median_of(&runs, name, |r| r.bad_requests as f64);
    assert!(
        bad("hands_on_50_50") > 3.0 * bad("stage_alarm"),
        "{} vs {}",
        bad("hands_on_50_50"),
        bad("stage_alarm")
    );
    // A canary cache that starts warm dilutes the 8 % fault to 3.2 % at the
    // stage, below the alarm's 5 %: only noise lets the alarm fire, later.
    let (warm, _) = runs_with("apigw_canary.toml", 400, |sc| {
        for st in &mut sc.strategies {
            if let canarysim::model::StrategyKind::ApiGwCanary(a) = &mut st.kind {
                if let Some(c) = &mut a.cache {
                    c.warmup = Micros::ZERO;
                }
            }
        }
    });
    let warm = &warm["stage_alarm"];
    assert!(warm.rollback_rate < 0.6, "{warm:?}");
    // Time to detection counts misses as never: with most runs missed the
    // warm cache's median is never, later than any time.
    assert!(
        warm.detection_p50_s
            .is_none_or(|w| w > 2.0 * alarm.detection_p50_s.unwrap()),
        "{warm:?}"
    );
    assert!(
        warm.detection_p50_detected_s.unwrap() > alarm.detection_p50_detected_s.unwrap(),
        "{warm:?}"
    );
}

#[test]
fn lattice_seed_alarms_miss_low_traffic_and_expose_more_as_traffic_grows() {
    let (s, runs) = runs_with("lattice_weighted.toml", 300, |_| {});
    for strategy in ["held_90_10", "progressive"] {
        let row = |rate: &str| &s[&format!("{strategy}/api_{rate}rps")];
        let p50 = |rate| row(rate).detection_p50_detected_s.unwrap();
        assert!(
            p50("100") >= p50("1000"),
            "{strategy}: {} {}",
            p50("100"),
            p50("1000")
        );
        // Traffic from 90 s; both sliding 5-minute windows breach first in
        // the evaluation at 480 s (the one ending at 420 s, visible 60 s
        // later).
        assert_eq!(p50("1000"), 480.0, "{strategy}");
        let bad = |rate| row(rate).excess_bad_requests_mean;
        assert!(
            bad("10") < bad("100") && bad("100") < bad("1000"),
            "{strategy}"
        );
    }
    // Held at 90/10 and 10 req/s, "> 5 errors in each of two 5-minute
    // periods" mostly misses a 1 % fault; the progressive plan's 50/50 step
    // makes it visible.
    assert!(s["held_90_10/api_10rps"].missed_rate.unwrap() > 0.8);
    assert!(s["progressive/api_10rps"].missed_rate.unwrap() < 0.05);
    // Alarm → SNS 1 s → rollback function 3 s → propagation 90 s.
    for r in runs
        .iter()
        .filter(|r| r.strategy.contains('/') && r.rollback_s.is_some())
    {
        let chain = r.rollback_s.unwrap() - r.detection_s.unwrap();
        assert_eq!(chain, 94.0, "{r:?}");
    }
}

#[test]
fn seed_000_alarm_as_written_misses_the_canary_fault_the_per_version_alarm_catches() {
    let s = summaries("seed_000_cdk_saga.toml", 100);
    let missed = |row: &str| s[row].missed_rate.unwrap();
    assert_eq!(missed("as_written/payment_process"), 1.0);
    assert_eq!(missed("per_version/payment_process"), 0.0);
    let failed = |row: &str| s[row].sagas.as_ref().unwrap().failed_sagas_mean;
    assert!(failed("as_written") > 10.0 * failed("per_version"));
}

#[test]
fn seed_001_promotion_options_decide_what_serves() {
    let s = summaries("seed_001_apigw_canary.toml", 300);
    // Setting the canary to 0 % never ships the release.
    assert_eq!(s["canary_to_zero"].missed_rate, Some(0.0));
    for row in ["promote_deployment", "promote_stage_variables"] {
        let missed = s[row].missed_rate.unwrap();
        assert!((0.1..0.5).contains(&missed), "{row}: {missed}");
        assert!(
            s[row].excess_bad_requests_mean > 3.0 * s["canary_to_zero"].excess_bad_requests_mean
        );
    }
}

#[test]
fn seed_002_only_the_log_filter_alarm_sees_a_returned_503() {
    let s = summaries("seed_002_sam_log_filter.toml", 200);
    assert_eq!(s["log_filter_alarm"].missed_rate, Some(0.0));
    assert_eq!(s["log_filter_alarm"].detection_p50_s, Some(120.0));
    assert_eq!(s["errors_alarm"].missed_rate, Some(1.0));
}

#[test]
fn seed_003_hooks_cut_exposure_behind_the_same_alarm() {
    let s = summaries("seed_003_sam_linear_hooks.toml", 400);
    for row in ["as_written", "alarm_only"] {
        assert_eq!(s[row].missed_rate, Some(0.0), "{row}");
    }
    assert!(s["as_written"].excess_bad_requests_mean < s["alarm_only"].excess_bad_requests_mean);
}

#[test]
fn seed_004_recipe_alarm_misses_a_1_percent_fault_at_10_rps() {
    let s = summaries("seed_004_lattice.toml", 300);
    assert!(s["as_written"].missed_rate.unwrap() > 0.8);
    assert!(s["lowered_alarm"].missed_rate.unwrap() < 0.1);
    assert!(s["shift_70_30"].missed_rate.unwrap() < 0.1);
}

#[test]
fn saga_functions_roll_back_the_whole_stack_after_the_payment_alarm() {
    let (s, runs) = runs_with("saga_functions.toml", 200, |_| {});
    for strategy in ["canary", "linear"] {
        assert!(s[strategy].rollback_rate >= 0.99, "{:?}", s[strategy]);
        let payment = &s[&format!("{strategy}/process_payment")];
        assert!(payment.rollback_rate >= 0.99, "{payment:?}");
        for f in [
            "reserve_flight",
            "reserve_hotel",
            "cancel_flight",
            "cancel_hotel",
            "refund_payment",
        ] {
            let row = &s[&format!("{strategy}/{f}")];
            assert!(row.rollback_rate >= 0.99, "{strategy}/{f}: {row:?}");
            // Healthy functions rolled back with the stack: false rollbacks.
            assert!(row.false_rollback_rate.unwrap() >= 0.99, "{strategy}/{f}");
            assert_eq!(
                row.detection_p50_s.unwrap(),
                payment.detection_p50_s.unwrap() + 30.0
            );
        }
    }
    for r in runs
        .iter()
        .filter(|r| r.strategy == "canary" || r.strategy == "linear")
    {
        assert_eq!(
            r.trigger.to_string(),
            "process_payment:payment_errors",
            "{r:?}"
        );
    }
    for r in runs
        .iter()
        .filter(|r| r.strategy.ends_with("/refund_payment"))
    {
        assert_eq!(
            r.trigger.to_string(),
            "stack_rollback:process_payment",
            "{r:?}"
        );
    }
    // The workflow: about 18,000 sagas; the faulty payment candidate adds
    // failed sagas (more under the linear shift), and refund_payment's
    // calls are exactly the payment step's failures.
    let failed = |name: &str| s[name].sagas.as_ref().expect("sagas").failed_sagas_mean;
    for name in ["canary", "linear"] {
        let sagas = s[name].sagas.as_ref().expect("sagas");
        assert!(
            (sagas.sagas_started_mean - 18_000.0).abs() < 100.0,
            "{sagas:?}"
        );
        assert!(sagas.failed_sagas_mean > 60.0, "{name}: {sagas:?}");
    }
    assert!(failed("linear") > failed("canary"));
    assert!(s["canary/process_payment"].sagas.is_none());
}

#[test]
fn compare_all_puts_every_deployment_system_against_the_same_fault() {
    let (s, runs) = runs_with("compare_all.toml", 300, |_| {});
    let names = [
        "codedeploy_canary",
        "codedeploy_linear",
        "all_at_once",
        "apigw_canary",
        "lattice",
        "step_plan",
    ];
    for name in names {
        assert!(s[name].rollback_rate >= 0.99, "{name}: {:?}", s[name]);
    }
    let bad = |name: &str| s[name].bad_requests_mean;
    for name in names {
        if name != "all_at_once" {
            assert!(bad("all_at_once") > 2.0 * bad(name), "{name}");
        }
        if name != "step_plan" {
            assert!(bad("step_plan") < bad(name), "{name}");
        }
    }
    for r in runs.iter().filter(|r| r.rollback_s.is_some()) {
        let restore = r.rollback_s.unwrap() - r.detection_s.unwrap();
        // Alarm actions: SNS 1 s + rollback function 3 s + the update's
        // propagation (Lattice 90 s, an API Gateway stage 5 s); CodeDeploy
        // and steps: one 5 s alias update after the poll.
        let expected = match r.strategy.as_str() {
            "lattice" => 94.0,
            "apigw_canary" => 9.0,
            _ => 5.0,
        };
        assert_eq!(restore, expected, "{r:?}");
    }
}

/// Every record of every shipped scenario, in both sampling modes: the bad
/// requests split exactly into during / after the deployment, the excess
/// (fault-caused) ones are at most all of them, and a healthy candidate
/// (or function) has none.
#[test]
fn exposure_splits_are_consistent_in_every_shipped_scenario() {
    use canarysim::model::Sampling;
    for entry in std::fs::read_dir(root().join("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        for sampling in [Sampling::Exact, Sampling::Fast] {
            let overrides = Overrides {
                replications: Some(4),
                sampling: Some(sampling),
                ..Overrides::default()
            };
            let sc = load_scenario(&path, &overrides).unwrap();
            let runs = run_all(&sc).runs;
            assert!(!runs.is_empty());
            for r in &runs {
                let at = format!("{} {sampling:?}: {r:?}", path.display());
                assert_eq!(
                    r.bad_requests_during_deploy + r.bad_requests_after_deploy,
                    r.bad_requests,
                    "{at}"
                );
                assert!(r.excess_bad_requests <= r.bad_requests, "{at}");
                if !r.candidate_faulty {
                    assert_eq!(r.excess_bad_requests, 0, "{at}");
                }
            }
        }
    }
}

/// `replay_daily.toml` at `start` (seconds after 00:00 of its data), with
/// the candidate healthy or faulty: (rollback rate, detection p50).
fn replay_daily_at(start_s: u64, faulty: bool) -> Summary {
    let (s, _) = runs_with("replay_daily.toml", 400, |sc| {
        let f = &mut sc.functions[0];
        f.traffic.replay.as_mut().unwrap().start = secs(start_s);
        if !faulty {
            f.faults.clear();
            f.candidate_faulty = false;
            sc.candidate_faulty = false;
        }
    });
    s["canary"].clone()
}

#[test]
fn replay_daily_a_release_at_the_trough_is_judged_on_too_little_traffic() {
    let (trough, peak) = (3 * 3600, 14 * 3600);
    let faulty_trough = replay_daily_at(trough, true);
    let faulty_peak = replay_daily_at(peak, true);
    let healthy_trough = replay_daily_at(trough, false);
    let healthy_peak = replay_daily_at(peak, false);
    // Header (2,000 replications): healthy 27.5 % vs 0 % rolled back;
    // faulty caught at 180 s vs 120 s (p50), 2.7 vs 34.8 excess bad
    // requests. With 400 replications the rate's σ is about 2.2 points.
    let false_trough = healthy_trough.false_rollback_rate.unwrap();
    assert!((0.15..0.40).contains(&false_trough), "{false_trough}");
    assert!(healthy_peak.false_rollback_rate.unwrap() < 0.02);
    assert!(faulty_trough.rollback_rate > 0.98 && faulty_peak.rollback_rate > 0.98);
    assert!(faulty_trough.detection_p50_s.unwrap() > faulty_peak.detection_p50_s.unwrap());
    assert!(faulty_trough.excess_bad_requests_mean < faulty_peak.excess_bad_requests_mean);
}

#[test]
fn judges_differ_most_at_low_traffic_and_the_sequential_test_stays_within_alpha() {
    // Healthy candidate at 1 request/s: Flagger's "no data is a failed
    // check" rolls back most healthy releases; the guard and the
    // sequential test never do.
    let (low, _) = runs_with("judges.toml", 400, |sc| {
        sc.functions[0].faults.clear();
        sc.functions[0].candidate_faulty = false;
        sc.functions[0].traffic.rate_per_s = 1.0;
    });
    assert!(
        low["flagger"].false_rollback_rate.unwrap() > 0.4,
        "{:?}",
        low["flagger"]
    );
    assert!(
        low["argo"].false_rollback_rate.unwrap() > 0.1,
        "{:?}",
        low["argo"]
    );
    for quiet in ["cloudwatch_guard", "sequential"] {
        assert_eq!(low[quiet].false_rollback_rate, Some(0.0), "{quiet}");
    }
    // Healthy at 20 requests/s: the sequential judge's false rollbacks stay
    // within its alpha of 5 % (here with 3 standard errors of slack).
    let (normal, _) = runs_with("judges.toml", 400, |sc| {
        sc.functions[0].faults.clear();
        sc.functions[0].candidate_faulty = false;
    });
    let seq = normal["sequential"].false_rollback_rate.unwrap();
    assert!(seq <= 0.05 + 3.0 * (0.05f64 * 0.95 / 400.0).sqrt(), "{seq}");
    // Faulty at 20 requests/s: the sequential judge catches every run.
    let (faulty, _) = runs_with("judges.toml", 400, |_| {});
    assert_eq!(faulty["sequential"].missed_rate, Some(0.0));
}
