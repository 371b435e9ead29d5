//! `[judges.NAME]` and the minimum-request guard, end to end.
//!
//! - The sequential judge's contrast (issue 15's Done-when): over 5,000
//!   healthy replications with a look every 10 s for an hour, the mixture
//!   rolls back at most alpha + 3 standard errors of them, while the fixed
//!   per-look binomial test at the same nominal level exceeds that bound;
//!   a faulty candidate is detected.
//! - The guard at low traffic: Flagger's "no data is a failure"
//!   (`breaching`), CloudWatch's `notBreaching` and "inconclusive below 20
//!   requests" side by side roll a healthy candidate back in that order.
//! - `on_inconclusive = "wait"` and `"pause"` hold a step plan.
//! - `canarysim judge sequential`.

use std::time::Instant;

use canarysim::montecarlo::run_all;
use canarysim::record::{EventKind, Outcome, RunRecord};

use crate::support::{canarysim, scenario, stderr, stdout};

/// Rolled-back share of `strategy`'s runs.
fn rollback_rate(runs: &[RunRecord], strategy: &str) -> (f64, usize) {
    let mine: Vec<&RunRecord> = runs.iter().filter(|r| r.strategy == strategy).collect();
    let rolled = mine
        .iter()
        .filter(|r| r.outcome == Outcome::RolledBack)
        .count();
    (rolled as f64 / mine.len() as f64, mine.len())
}

/// Both versions fail 2 % of requests; the candidate gets half the traffic
/// for an hour; one judge (`method`), looking every 10 s (360 looks).
fn contrast(reps: u32, method: &str, fault: &str) -> String {
    format!(
        r#"
seed = 15
replications = {reps}
horizon = "1h"

[traffic]
rate_per_s = 2

[versions.stable]
error_rate = 0.02
{fault}

[judges.seq]
kind = "sequential"
alpha = 0.05
look_every = "10s"
method = "{method}"

[strategies.plan]
kind = "steps"
steps = [{{ weight = 50, bake = "1h" }}, {{ weight = 100 }}]
"#
    )
}

#[test]
fn the_mixture_keeps_false_rollbacks_below_alpha_and_peeking_does_not() {
    const REPS: u32 = 5000;
    let started = Instant::now();
    let mixture = run_all(&scenario(&contrast(REPS, "mixture", "")));
    let fixed = run_all(&scenario(&contrast(REPS, "fixed_per_look", "")));
    let elapsed = started.elapsed();
    let alpha = 0.05;
    let se = (alpha * (1.0 - alpha) / f64::from(REPS)).sqrt();
    let bound = alpha + 3.0 * se;
    let (mixture, n) = rollback_rate(&mixture.runs, "plan");
    let (fixed, _) = rollback_rate(&fixed.runs, "plan");
    assert_eq!(n, REPS as usize);
    eprintln!(
        "healthy: mixture {mixture:.4}, fixed per look {fixed:.4}, bound {bound:.4} ({REPS} reps × 2 in {elapsed:?})"
    );
    assert!(
        mixture <= bound,
        "mixture false rollbacks {mixture} > {bound}"
    );
    assert!(
        fixed > bound,
        "fixed per-look false rollbacks {fixed} <= {bound}"
    );
    assert!(
        elapsed.as_secs() < 20,
        "the contrast must stay cheap: {elapsed:?}"
    );
}

#[test]
fn the_mixture_detects_a_candidate_failing_three_times_as_often() {
    let fault = "\n[[faults]]\nkind = \"step_error\"\nerror_rate = 0.04\n";
    let sc = scenario(&contrast(400, "mixture", fault));
    let results = run_all(&sc);
    let (mixture, _) = rollback_rate(&results.runs, "plan");
    assert!(mixture > 0.95, "detection rate {mixture}");
    let detections: Vec<f64> = results
        .runs
        .iter()
        .filter(|r| r.strategy == "plan")
        .filter_map(|r| r.detection_s)
        .collect();
    let mean = detections.iter().sum::<f64>() / detections.len() as f64;
    assert!(mean < 1800.0, "mean detection {mean} s");
}

/// A rarely called function (6 requests/min, 0.6/min on a 10 % canary)
/// whose healthy candidate fails 5 % of requests like the stable version;
/// an alarm at >= 10 % error rate over one minute, three ways.
const LOW_TRAFFIC: &str = r#"
seed = 4
replications = 1000
horizon = "1h"

[traffic]
rate_per_min = 6

[versions.stable]
error_rate = 0.05

[alarms.no_data_fails]
scope = "version"
expression = "errors / invocations * 100"
comparison = ">="
threshold = 10
treat_missing_data = "breaching"

[alarms.not_breaching]
scope = "version"
expression = "errors / invocations * 100"
comparison = ">="
threshold = 10
treat_missing_data = "notBreaching"

[alarms.guarded]
scope = "version"
expression = "errors / invocations * 100"
comparison = ">="
threshold = 10
treat_missing_data = "notBreaching"
min_requests = 20

[strategies.no_data_fails]
config = "Canary10Percent30Minutes"
alarms = ["no_data_fails"]

[strategies.not_breaching]
config = "Canary10Percent30Minutes"
alarms = ["not_breaching"]

[strategies.guarded]
config = "Canary10Percent30Minutes"
alarms = ["guarded"]
"#;

/// Expected: "no data = failure" rolls back nearly every healthy
/// candidate (the canary's minutes are mostly empty); `notBreaching`
/// rolls back whenever one of its ~18 canary requests fails
/// (1 − 0.95^18 ≈ 0.60 plus the requests after the shift); the guard never
/// sees 20 requests in a minute and never rolls back.
#[test]
fn at_low_traffic_no_data_as_failure_rolls_back_most_then_not_breaching_then_the_guard() {
    let results = run_all(&scenario(LOW_TRAFFIC));
    let (no_data, _) = rollback_rate(&results.runs, "no_data_fails");
    let (not_breaching, _) = rollback_rate(&results.runs, "not_breaching");
    let (guarded, _) = rollback_rate(&results.runs, "guarded");
    eprintln!("no data fails {no_data}, notBreaching {not_breaching}, guarded {guarded}");
    assert!(no_data > 0.95, "{no_data}");
    assert!(
        not_breaching > 0.4 && not_breaching < no_data,
        "{not_breaching}"
    );
    assert_eq!(guarded, 0.0);
}

/// A step plan whose guarded alarm needs 100 candidate requests over 3
/// minutes: 36 at 10 % of 2 req/s. `wait` holds the 50 % step to the
/// horizon; `pause` holds it until the operator resumes 15 minutes later.
fn held(on_inconclusive: &str) -> String {
    format!(
        r#"
seed = 2
replications = 20
horizon = "2h"

[traffic]
rate_per_s = 2

[alarms.guarded]
scope = "version"
expression = "errors / invocations * 100"
comparison = ">="
threshold = 50
evaluation_periods = 3
treat_missing_data = "notBreaching"
min_requests = 100
{on_inconclusive}

[strategies.plan]
kind = "steps"
steps = [{{ weight = 10, bake = "10m" }}, {{ weight = 50, bake = "10m" }}, {{ weight = 100 }}]
"#
    )
}

#[test]
fn wait_holds_the_next_shift_while_the_guard_is_inconclusive() {
    let sc = scenario(&held("on_inconclusive = \"wait\""));
    let out = canarysim::run_replication(&sc, 0, 0, 7, timeline());
    assert_eq!(out.record.deploy_s, 7200.0, "held to the horizon");
    let kinds: Vec<EventKind> = out.events.iter().map(|e| e.event).collect();
    assert!(kinds.contains(&EventKind::Held));
    assert!(!kinds.contains(&EventKind::Resumed));
    // Weight stays at 10 % after the hold at 10 min.
    let weights: Vec<&str> = out
        .events
        .iter()
        .filter(|e| e.event == EventKind::Weight)
        .map(|e| e.detail.as_str())
        .collect();
    assert_eq!(weights, ["10"]);
}

#[test]
fn pause_resumes_after_the_review_time_and_moves_later_steps() {
    let sc = scenario(&held("on_inconclusive = \"pause\"\nreview_time = \"15m\""));
    let out = canarysim::run_replication(&sc, 0, 0, 7, timeline());
    let at = |kind: EventKind| -> Vec<(f64, String)> {
        out.events
            .iter()
            .filter(|e| e.event == kind)
            .map(|e| (e.time_s, e.detail.clone()))
            .collect()
    };
    assert_eq!(at(EventKind::Held), [(600.0, "guarded: pause".to_string())]);
    assert_eq!(at(EventKind::Resumed), [(1500.0, "operator".to_string())]);
    // 50 % at the operator's resumption, 100 % ten minutes later (the
    // step moved by the 15 minutes held); at 50 % the guard is met.
    let weights: Vec<(f64, String)> = at(EventKind::Weight);
    assert_eq!(
        weights,
        [
            (0.0, "10".to_string()),
            (1500.0, "50".to_string()),
            (2100.0, "100".to_string())
        ]
    );
    assert_eq!(out.record.outcome, Outcome::Completed);
    assert_eq!(out.record.deploy_s, 2100.0);
}

fn timeline() -> canarysim::ReplicationOptions {
    canarysim::ReplicationOptions { timeline: true }
}

#[test]
fn judge_sequential_prints_each_look() {
    let o = canarysim(&[
        "judge",
        "sequential",
        "--alpha",
        "0.05",
        "--series",
        "9/1000:0/1000,10/2000:0/2000,10/3000:0/3000",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(lines[1].ends_with("continue"), "{out}");
    assert!(lines[2].ends_with("reject"), "{out}");
    assert!(lines[3].ends_with("rejected"), "{out}");
    let fixed = canarysim(&[
        "judge",
        "sequential",
        "--alpha",
        "0.05",
        "--method",
        "fixed_per_look",
        "--series",
        "3/50:1/50",
    ]);
    assert_eq!(fixed.status.code(), Some(0), "{}", stderr(&fixed));
    // P(X >= 3), X ~ Binomial(4, 1/2) = 0.3125.
    assert!(stdout(&fixed).contains("p=0.3125"), "{}", stdout(&fixed));
}

#[test]
fn judge_sequential_refuses_bad_arguments_with_exit_2() {
    for (args, expect) in [
        (vec!["--alpha", "0", "--series", "1/2:0/2"], "--alpha"),
        (
            vec![
                "--alpha",
                "0.05",
                "--min-effect",
                "1",
                "--series",
                "1/2:0/2",
            ],
            "--min-effect",
        ),
        (
            vec!["--alpha", "0.05", "--series", "3/2:0/2"],
            "errors exceed requests",
        ),
        (
            vec!["--alpha", "0.05", "--series", "2/4:0/4,1/8:0/8"],
            "must not decrease",
        ),
        (vec!["--alpha", "0.05", "--series", "x"], "CANDIDATE_ERRORS"),
        (
            vec!["--alpha", "0.05", "--method", "peek", "--series", "1/2:0/2"],
            "mixture, fixed_per_look",
        ),
    ] {
        let mut all = vec!["judge", "sequential"];
        all.extend(args.iter().copied());
        let o = canarysim(&all);
        assert_eq!(o.status.code(), Some(2), "{all:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(expect), "{all:?}: {}", stderr(&o));
        assert!(stdout(&o).is_empty());
    }
}
