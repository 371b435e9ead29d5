//! `canarysim tune` against answers known exactly.
//!
//! The space: a single-period `Errors Sum > k` alarm on the candidate's
//! version (scope `version`, 1 evaluation period, no ingestion delay)
//! behind a custom 10 % / 5-minute canary at 10 req/s, the healthy
//! candidate failing requests independently with probability p = 5 %.
//! Candidate errors per one-minute period are Poisson(μ), μ = 10 · 0.1 ·
//! 60 · p = 3 (a thinned Poisson process); the alarm is evaluated at 60,
//! 120, …, 300 s on the period that just closed, so exactly five periods
//! are watched (no warm-up: `[metrics] warmup` defaults to none, and the
//! first judge tick is at t = 0 with nothing closed yet); any ALARM rolls
//! back. So P(false rollback | k) = 1 − P(Poisson(3) ≤ k)⁵ exactly
//! (`tests/it/analytic.rs` checks the simulator against the same formula).
//! `tune` over k must return the smallest k whose probability is within
//! the budget. The bad profile (10 % more errors) makes every larger k
//! strictly worse on the objective, so the answer is unique.

use canarysim::run::Overrides;
use canarysim::tune::{self, Arms, Status};
use statrs::distribution::{DiscreteCDF, Poisson};

fn scenario(budget: f64, extra: &str) -> String {
    format!(
        r#"
name = "tune_exact"
seed = 11
horizon = "6m"
[traffic]
rate_per_s = 10
[versions.stable]
error_rate = 0.05
[metrics]
ingestion_delay = "0s"
[alarms.a]
scope = "version"
metric = "Errors"
statistic = "Sum"
comparison = ">"
threshold = 0
evaluation_periods = 1
treat_missing_data = "notBreaching"
[strategies.canary]
type = "canary"
percentage = 10
interval = "5m"
[tune]
false_rollback_max = {budget}
initial_replications = 64
max_replications = 8192
{extra}
[tune.space]
"alarms.a.threshold" = "3..13:1"
[[tune.bad]]
faults = [{{ kind = "step_error", error_rate = 0.1 }}]
"#
    )
}

fn exact_false_rollback(k: u64) -> f64 {
    1.0 - Poisson::new(3.0).unwrap().cdf(k).powi(5)
}

fn winner_threshold(text: &str) -> (f64, tune::TuneResult) {
    let plan = tune::plan_from_text(text, "t.toml", &[], &Overrides::default(), None).unwrap();
    let result = tune::run(&plan, None).unwrap();
    let w = result.winner.expect("a winner");
    (plan.values(w)[0].parse().unwrap(), result)
}

#[test]
fn tune_returns_the_smallest_threshold_within_the_false_rollback_budget() {
    for budget in [0.1, 0.01] {
        let want = (3..=13)
            .find(|&k| exact_false_rollback(k) <= budget)
            .unwrap();
        // The premise: the answer is clear at a few thousand replications
        // (its rate well below the budget, the next smaller k well above).
        assert!(exact_false_rollback(want) <= 0.6 * budget, "{budget}");
        assert!(exact_false_rollback(want - 1) >= 1.5 * budget, "{budget}");
        let (k, result) = winner_threshold(&scenario(budget, ""));
        assert_eq!(k, want as f64, "budget {budget}");
        // Every smaller threshold was dropped for its false rollbacks.
        for row in &result.rows {
            let t: f64 = row.values[0].parse().unwrap();
            if t < k {
                assert_eq!(row.status, Status::Breach, "{row:?}");
            }
        }
        assert!(result.runs < result.full_grid_runs, "{} runs", result.runs);
    }
}

#[test]
fn racing_and_the_full_grid_agree_on_the_winner() {
    // 10 settings: threshold × evaluation periods (datapoints = periods).
    let text = scenario(0.1, "").replace(
        "\"3..13:1\"",
        "[5, 6, 7, 8, 9]\n\"alarms.a.evaluation_periods\" = [1, 2]",
    );
    let plan = tune::plan_from_text(&text, "t.toml", &[], &Overrides::default(), None).unwrap();
    let result = tune::run(&plan, Some(2)).unwrap();
    // The full grid: every setting at 2048 replications of each arm.
    let cfg = plan.race_config();
    let reps = 2048u32;
    let mut best: Option<(usize, f64)> = None;
    for i in 0..plan.settings() {
        let healthy: Vec<_> = (0..reps).map(|r| plan.run(i, 0, r)).collect();
        let bad: Vec<_> = (0..reps).map(|r| plan.run(i, 1, r)).collect();
        let fr = healthy.iter().filter(|o| o.rolled_back).count() as u64;
        if tune::cp_upper(fr, u64::from(reps)) > cfg.false_rollback_max {
            continue;
        }
        let mean = bad
            .iter()
            .map(|o| o.excess_bad_requests as f64)
            .sum::<f64>()
            / f64::from(reps);
        if best.is_none_or(|(_, m)| mean < m) {
            best = Some((i, mean));
        }
    }
    assert_eq!(
        result.winner,
        best.map(|b| b.0),
        "{}",
        plan.describe(best.unwrap().0)
    );
    // The race's replications are the grid's: its winner's first runs are
    // the same runs.
    let w = result.winner.unwrap();
    assert_eq!(result.lanes[w].obs[0][5], plan.run(w, 0, 5));
    // Deterministic at any thread count.
    let again = tune::run(&plan, Some(1)).unwrap();
    assert_eq!(again.rows, result.rows);
}

#[test]
fn cli_writes_the_folder_and_bad_tune_keys_exit_2_naming_the_key() {
    use crate::support::{canarysim, stderr, stdout};
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.toml");
    let small = scenario(0.2, "")
        .replace("max_replications = 8192", "max_replications = 256")
        .replace("\"3..13:1\"", "[4, 6, 8]");
    std::fs::write(&file, &small).unwrap();
    let out = dir.path().join("out");
    let o = canarysim(&[
        "tune",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--threads",
        "2",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("Recommended: alarms.a.threshold="),
        "{}",
        stdout(&o)
    );
    for f in canarysim::tune::TUNE_FILES {
        assert!(out.join(f).is_file(), "{f}");
    }
    let yaml = std::fs::read_to_string(out.join("winner.yaml")).unwrap();
    for key in [
        "AWS::CloudWatch::Alarm",
        "MetricName: Errors",
        "Statistic: Sum",
        "ComparisonOperator: GreaterThanThreshold",
        "Name: ExecutedVersion",
        "DeploymentPreference:",
        "- !Ref AAlarm",
    ] {
        assert!(yaml.contains(key), "{key}:\n{yaml}");
    }
    let toml = std::fs::read_to_string(out.join("winner.toml")).unwrap();
    assert!(
        toml.contains("[alarms.a]") && toml.contains("[strategies.canary]"),
        "{toml}"
    );

    for (bad, key) in [
        ("objectiv = \"x\"", "[tune] objectiv: unknown key"),
        ("missed_max = 2", "[tune] missed_max: expected a rate"),
        ("strategy = \"nope\"", "[tune] strategy: no strategy `nope`"),
    ] {
        std::fs::write(
            &file,
            small.replace("[tune]\n", &format!("[tune]\n{bad}\n")),
        )
        .unwrap();
        let o = canarysim(&[
            "tune",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(2), "{bad}: {}", stderr(&o));
        assert!(stderr(&o).contains(key), "{bad}: {}", stderr(&o));
    }
    std::fs::write(&file, &small).unwrap();
    let o = canarysim(&[
        "tune",
        file.to_str().unwrap(),
        "--set",
        "alarms.a.treshold=1,2",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("alarms.a.treshold"), "{}", stderr(&o));
}
