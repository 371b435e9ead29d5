//! `canarysim judge argo` and `canarysim judge flagger`: the phases they
//! print, cases from the upstream projects' own tests, and exit code 2 on
//! bad arguments.

use crate::support::{canarysim, stderr, stdout};

fn last_line(args: &[&str]) -> String {
    let o = canarysim(args);
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o).lines().last().unwrap_or_default().to_string()
}

#[test]
fn argo_prints_the_phase_after_each_measurement() {
    let o = canarysim(&[
        "judge",
        "argo",
        "--failure-limit",
        "1",
        "--series",
        "S,F,S,F,S",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let phases: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("m="))
        .map(|l| {
            l.split("phase=")
                .nth(1)
                .map_or("not taken", |p| p.split_whitespace().next().unwrap())
        })
        .collect();
    // failed 2 > failureLimit 1 at the 4th measurement; the 5th is not taken.
    assert_eq!(
        phases,
        ["Running", "Running", "Running", "Failed", "not taken"]
    );
    assert_eq!(text.lines().last(), Some("final phase: Failed"));
}

#[test]
fn argo_upstream_cases() {
    // TestAssessMetricStatusConsecutiveErrors: the 5th consecutive error
    // (default limit 4) ends the metric in Error; 4 do not.
    assert_eq!(
        last_line(&["judge", "argo", "--series", "E,E,E,E,E"]),
        "final phase: Error"
    );
    assert_eq!(
        last_line(&["judge", "argo", "--series", "E,E,E,E,S,E,E,E,E"]),
        "final phase: Running"
    );
    // TestAssessMetricStatusCountReached: 5 successes + 5 inconclusive
    // with count 10 → Inconclusive (already at the first inconclusive,
    // inconclusiveLimit 0); with --inconclusive-limit 5 the count ends it.
    assert_eq!(
        last_line(&[
            "judge",
            "argo",
            "--count",
            "10",
            "--series",
            "S,S,S,S,S,I,I,I,I,I"
        ]),
        "final phase: Inconclusive"
    );
    assert_eq!(
        last_line(&[
            "judge",
            "argo",
            "--count",
            "10",
            "--inconclusive-limit",
            "5",
            "--series",
            "S,S,S,S,S,I,I,I,I,I"
        ]),
        "final phase: Successful"
    );
    // TestAssessMetricStatusConsecutiveSuccessLimit: failureLimit −1,
    // count 7, 3 consecutive successes < 5 → Failed.
    assert_eq!(
        last_line(&[
            "judge",
            "argo",
            "--failure-limit",
            "-1",
            "--consecutive-success-limit",
            "5",
            "--count",
            "7",
            "--series",
            "S,F,S,F,F,S,S"
        ]),
        "final phase: Failed"
    );
    // Errors do not count toward --count.
    assert_eq!(
        last_line(&["judge", "argo", "--count", "2", "--series", "S,E,S"]),
        "final phase: Successful"
    );
}

#[test]
fn flagger_counts_cumulative_failed_checks() {
    let o = canarysim(&[
        "judge",
        "flagger",
        "--threshold",
        "3",
        "--series",
        "pass,fail,pass,nodata,pass,fail,pass",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("check=4  result=nodata  failed checks 2 of 3  phase=Progressing"),
        "{text}"
    );
    assert!(
        text.contains("check=6  result=fail    failed checks 3 of 3  phase=Failed"),
        "{text}"
    );
    assert!(text.contains("check=7  result=pass    not run"), "{text}");
    assert_eq!(text.lines().last(), Some("final phase: Failed"));
    // Threshold 0 means the default 1 (canary.go:654-660).
    assert_eq!(
        last_line(&[
            "judge",
            "flagger",
            "--threshold",
            "0",
            "--series",
            "pass,nodata"
        ]),
        "final phase: Failed"
    );
}

#[test]
fn bad_judge_arguments_exit_2() {
    for args in [
        vec!["judge", "argo", "--series", "S,X"],
        vec!["judge", "argo", "--series", ""],
        vec![
            "judge",
            "argo",
            "--inconclusive-limit",
            "-1",
            "--series",
            "S",
        ],
        vec!["judge", "argo", "--failure-limit", "-1", "--series", "S"],
        vec!["judge", "argo", "--count", "-2", "--series", "S"],
        vec!["judge", "flagger", "--series", "pass,maybe"],
        vec!["judge", "flagger"],
        vec!["judge", "frobnicate"],
    ] {
        let o = canarysim(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).is_empty(), "{args:?}");
    }
}
