//! The binary's contract: files and columns, exit codes, error messages.

use crate::support::{canarysim, read_csv, root, stderr, stdout};

#[test]
fn run_writes_the_documented_files_and_columns() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("spike");
    let o = canarysim(&[
        "scenarios/error_spike.toml",
        "--reps",
        "20",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    for strategy in ["all_at_once", "canary", "linear"] {
        assert!(text.contains(strategy), "table lists {strategy}:\n{text}");
    }
    assert!(
        !text.contains("wrote"),
        "status lines go to stderr:\n{text}"
    );
    assert!(stderr(&o).contains("runs.csv"), "{}", stderr(&o));

    let (header, rows) = read_csv(&out.join("runs.csv"));
    assert_eq!(
        header,
        [
            "strategy",
            "replication",
            "seed",
            "candidate_faulty",
            "outcome",
            "trigger",
            "detection_s",
            "rollback_s",
            "deploy_s",
            "candidate_requests",
            "bad_requests",
            "excess_bad_requests",
            "bad_requests_during_deploy",
            "bad_requests_after_deploy",
            "errors_total",
            "requests_total",
            "alarms_at_start"
        ]
    );
    assert_eq!(rows.len(), 60);

    let (header, rows) = read_csv(&out.join("summary.csv"));
    for col in [
        "strategy",
        "reps",
        "rollback_rate",
        "false_rollback_rate",
        "missed_rate",
        "detection_p50_s",
        "detection_p95_s",
        "bad_requests_mean",
        "bad_requests_p95",
        "deploy_p50_s",
        "rollback_rate_lo",
        "rollback_rate_hi",
        "bad_requests_mean_lo",
        "bad_requests_mean_hi",
    ] {
        assert!(header.iter().any(|h| h == col), "summary.csv has {col}");
    }
    assert_eq!(rows.len(), 3);

    let (header, rows) = read_csv(&out.join("timeline.csv"));
    assert_eq!(
        &header[..7],
        [
            "strategy",
            "period_start_s",
            "candidate_weight_pct",
            "stable_requests",
            "stable_errors",
            "candidate_requests",
            "candidate_errors"
        ]
    );
    assert_eq!(&header[7..], ["error_rate_value", "error_rate_state"]);
    assert_eq!(rows.len(), 3 * 30, "30 one-minute periods per strategy");
    assert!(out.join("events.csv").exists());
}

#[test]
fn malformed_scenario_exits_2_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    let text = std::fs::read_to_string(root().join("scenarios/error_spike.toml"))
        .unwrap()
        .replace("threshold = 5", "threshold = \"five\"");
    std::fs::write(&bad, text).unwrap();
    let out = dir.path().join("out");
    let o = canarysim(&["run", bad.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("bad.toml"), "{err}");
    assert!(err.contains("alarms.error_rate.threshold"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!out.exists(), "no output on bad input");
}

#[test]
fn unknown_strategy_config_exits_2_listing_allowed_names() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    let text = std::fs::read_to_string(root().join("scenarios/error_spike.toml"))
        .unwrap()
        .replace("Canary10Percent5Minutes", "Canary10Percent7Minutes");
    std::fs::write(&bad, text).unwrap();
    let o = canarysim(&["validate", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("strategies.canary.config"), "{err}");
    assert!(
        err.contains("Canary10Percent5Minutes"),
        "lists allowed: {err}"
    );
}

#[test]
fn missing_file_and_bad_flags_exit_2() {
    let o = canarysim(&["run", "scenarios/does_not_exist.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("does_not_exist.toml"));
    let o = canarysim(&["run", "scenarios/error_spike.toml", "--reps", "0"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--reps"));
    let o = canarysim(&["run", "scenarios/error_spike.toml", "--bogus"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn validate_prints_the_plan() {
    let o = canarysim(&["validate", "scenarios/error_spike.toml"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("Canary10Percent5Minutes"), "{text}");
    assert!(text.contains("5m→100%"), "{text}");
    assert!(text.contains("Linear10PercentEvery1Minute"), "{text}");
}

#[test]
fn alarm_replay_prints_each_state_and_the_final_state() {
    // 2 of 3 with missing as breaching: "0,-,6,7" ends in ALARM.
    let o = canarysim(&[
        "alarm",
        "--threshold",
        "5",
        "--comparison",
        ">=",
        "--periods",
        "3",
        "--datapoints-to-alarm",
        "2",
        "--missing",
        "breaching",
        "--series",
        "0,-,6,7",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert_eq!(text.lines().filter(|l| l.starts_with("t=")).count(), 4);
    assert_eq!(text.lines().last(), Some("final state: ALARM"));

    // Same series, missing data as missing, 3 of 3: the real points 0, 6, 7
    // are only two breaching of three → OK.
    let o = canarysim(&[
        "alarm",
        "--threshold",
        "5",
        "--comparison",
        ">=",
        "--periods",
        "3",
        "--series",
        "0,-,6,7",
    ]);
    assert!(o.status.success());
    assert_eq!(stdout(&o).lines().last(), Some("final state: OK"));

    let o = canarysim(&[
        "alarm",
        "--threshold",
        "5",
        "--comparison",
        "=>",
        "--periods",
        "3",
        "--series",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--comparison"));
}

#[test]
fn run_draws_plots_and_plot_redraws_them_from_the_csv_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("spike");
    let o = canarysim(&[
        "scenarios/error_spike.toml",
        "--reps",
        "10",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    for chart in ["timeline.svg", "detection_cdf.svg", "exposure.svg"] {
        let text = std::fs::read_to_string(out.join(chart)).unwrap();
        assert!(text.contains("</svg>") && text.len() > 5_000, "{chart}");
    }
    assert!(out.join("alarms.csv").exists());
    let o = canarysim(&[
        "plot",
        out.to_str().unwrap(),
        "--format",
        "png",
        "--kind",
        "exposure",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let png = std::fs::read(out.join("exposure.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000);
    let o = canarysim(&["plot", out.to_str().unwrap(), "--kind", "tradeoff"]);
    assert_eq!(o.status.code(), Some(2), "no sweep.csv here");
    assert!(stderr(&o).contains("sweep.csv"), "{}", stderr(&o));
}
