//! Every shipped scenario validates and runs, and its headline result is the
//! one its header comment promises — so the examples never rot.

use std::collections::HashMap;

use canarysim::montecarlo::run_all;
use canarysim::report::{summarize, Summary};
use canarysim::run::{load_scenario, Overrides};

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
    assert!(v.detection_p50_s.unwrap() < 600.0, "version alarm fires during the canary");
    assert!(f.detection_p50_s.unwrap() > 600.0, "function alarm only after 100 %");
    assert!(f.bad_requests_mean > v.bad_requests_mean);
}

#[test]
fn low_traffic_breaching_rolls_back_on_silence() {
    let s = summaries("low_traffic.toml", 200);
    let breaching = &s["breaching"];
    // Missing datapoints count as breaching: rollback at the first poll.
    assert_eq!(breaching.rollback_rate, 1.0);
    assert!(breaching.detection_p95_s.unwrap() <= 120.0);
    assert!(s["not_breaching"].detection_p50_s.unwrap_or(f64::INFINITY) > breaching.detection_p50_s.unwrap());
}

#[test]
fn latency_regression_is_caught_by_duration_alarms() {
    let s = summaries("latency_regression.toml", 40);
    for name in ["canary_max", "canary_p99", "linear_p99"] {
        assert!(s[name].rollback_rate > 0.9, "{name}: {:?}", s[name]);
    }
}
