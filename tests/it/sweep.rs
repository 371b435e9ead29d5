//! `canarysim sweep`: grid errors (exit 2, naming the key), sweep.csv
//! columns, reproducibility across thread counts, and common random numbers
//! (a grid point run alone gives the same row).

use std::path::{Path, PathBuf};

use canarysim::report::SUMMARY_COLUMNS;
use canarysim::run::Overrides;

use crate::support::{canarysim, read_csv, root, stderr, stdout};

const SCENARIO: &str = "scenarios/threshold_1_vs_5.toml";
const KEYS: [&str; 3] = [
    "candidate",
    "alarms.error_rate.threshold",
    "alarms.error_rate.evaluation_periods",
];

/// Runs a sweep of the shipped scenario with `reps` into `out` and returns
/// the path of its sweep.csv.
fn sweep(out: &Path, reps: &str, extra: &[&str]) -> PathBuf {
    let mut args = vec![
        "sweep",
        SCENARIO,
        "--reps",
        reps,
        "--quiet",
        "--no-plots",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let o = canarysim(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    out.join("sweep.csv")
}

#[test]
fn sweep_csv_has_the_swept_keys_then_the_summary_columns() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    let o = canarysim(&[
        "sweep",
        SCENARIO,
        "--reps",
        "10",
        "--set",
        "traffic.rate_per_s=1..100:log:3",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o)
            .lines()
            .all(|l| l.starts_with("wrote ") || l.starts_with("warning: ")),
        "no progress bar off a terminal, only status lines: {}",
        stderr(&o)
    );
    let text = stdout(&o);
    assert!(text.contains("24 grid points"), "{text}");
    assert!(
        text.contains("candidate=faulty, alarms.error_rate.threshold=5, alarms.error_rate.evaluation_periods=2, traffic.rate_per_s=100"),
        "{text}"
    );
    for file in [
        "sweep.csv",
        "alarms.csv",
        "tradeoff.svg",
        "sweep.svg",
        "report.md",
    ] {
        assert!(stderr(&o).contains(file), "{}", stderr(&o));
        assert!(out.join(file).is_file(), "{file} written");
    }

    let (header, rows) = read_csv(&out.join("sweep.csv"));
    let expected: Vec<&str> = KEYS
        .iter()
        .copied()
        .chain(["traffic.rate_per_s"])
        .chain(SUMMARY_COLUMNS)
        .collect();
    assert_eq!(header, expected);
    // 2 candidates × 2 thresholds × 2 periods × 3 rates × 2 strategies, in
    // grid order (first key slowest), strategies in scenario order.
    assert_eq!(rows.len(), 48);
    let cells = |r: &Vec<String>| r[..5].join(",");
    assert_eq!(cells(&rows[0]), "healthy,1,1,1,canary");
    assert_eq!(cells(&rows[1]), "healthy,1,1,1,linear");
    assert_eq!(cells(&rows[2]), "healthy,1,1,10,canary");
    assert_eq!(cells(&rows[47]), "faulty,5,2,100,linear");
    for r in &rows {
        let faulty = r[0] == "faulty";
        assert_eq!(
            r[6],
            faulty.to_string(),
            "candidate_faulty follows the candidate key"
        );
        assert_eq!(r[5], "10", "reps");
    }

    let (header, rows) = read_csv(&out.join("alarms.csv"));
    assert_eq!(
        header,
        [
            "name",
            "threshold",
            "comparison",
            "unit",
            "in_alarm_at_start_pct"
        ]
    );
    // A sweep writes alarms.csv before any run: no share in ALARM at start.
    assert_eq!(rows, [["error_rate", "5", ">=", "%", ""]]);
}

#[test]
fn sweep_csv_is_identical_with_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let one = sweep(&dir.path().join("t1"), "30", &["--threads", "1"]);
    let two = sweep(&dir.path().join("t2"), "30", &["--threads", "2"]);
    let a = std::fs::read(one).unwrap();
    assert!(!a.is_empty());
    assert!(
        a == std::fs::read(two).unwrap(),
        "sweep.csv differs between 1 and 2 threads"
    );
    let other_seed = sweep(&dir.path().join("s"), "30", &["--seed", "16"]);
    assert_ne!(a, std::fs::read(other_seed).unwrap());
}

/// The summary.csv rows of `canarysim run` on `scenario` with `reps`.
fn run_alone(scenario: &Path, reps: &str, out: &Path) -> Vec<Vec<String>> {
    let o = canarysim(&[
        "run",
        scenario.to_str().unwrap(),
        "--reps",
        reps,
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (header, rows) = read_csv(&out.join("summary.csv"));
    assert_eq!(header, SUMMARY_COLUMNS);
    rows
}

/// The sweep.csv rows (without key columns) whose key columns are `point`.
fn sweep_rows(sweep_csv: &Path, point: &[&str]) -> Vec<Vec<String>> {
    let (_, rows) = read_csv(sweep_csv);
    let keys = point.len();
    let found: Vec<Vec<String>> = rows
        .into_iter()
        .filter(|r| r[..keys] == *point)
        .map(|r| r[keys..].to_vec())
        .collect();
    assert!(!found.is_empty(), "no sweep row for {point:?}");
    found
}

#[test]
fn a_grid_point_run_alone_gives_its_sweep_rows() {
    let dir = tempfile::tempdir().unwrap();
    let sweep_csv = sweep(&dir.path().join("sweep"), "25", &[]);

    // The file's own values are one grid point: `run` ignores [sweep].
    let base = run_alone(&root().join(SCENARIO), "25", &dir.path().join("base"));
    assert_eq!(base, sweep_rows(&sweep_csv, &["faulty", "5", "2"]));

    // Any other point: save its resolved scenario and run it alone.
    let overrides = Overrides {
        replications: Some(25),
        ..Overrides::default()
    };
    let plan = canarysim::sweep::load(&root().join(SCENARIO), &[], &overrides).unwrap();
    for index in [0, 3] {
        let values = plan.point_values(index);
        let file = dir.path().join(format!("point{index}.toml"));
        let text = toml::to_string(&plan.point_document(index)).unwrap();
        std::fs::write(&file, text).unwrap();
        let alone = run_alone(&file, "25", &dir.path().join(format!("p{index}")));
        let point: Vec<&str> = values.iter().map(String::as_str).collect();
        assert_eq!(
            alone,
            sweep_rows(&sweep_csv, &point),
            "grid point {point:?}"
        );
    }
}

#[test]
fn validate_checks_the_sweep_table() {
    let o = canarysim(&["validate", SCENARIO]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains(
            "sweep: 8 grid points = candidate (2) × alarms.error_rate.threshold (2) × \
             alarms.error_rate.evaluation_periods (2)"
        ),
        "{}",
        stdout(&o)
    );
}

/// A small scenario file with an optional extra TOML tail.
fn scenario_file(dir: &Path, tail: &str) -> PathBuf {
    let text = format!(
        "horizon = \"20m\"\nreplications = 2\n[traffic]\nrate_per_s = 5\n\
         [alarms.errors]\nexpression = \"errors / invocations * 100\"\ncomparison = \">=\"\n\
         threshold = 5\nevaluation_periods = 2\n\
         [strategies.canary]\nconfig = \"Canary10Percent5Minutes\"\n{tail}"
    );
    let path = dir.join("s.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn bad_grid_specs_exit_2_and_name_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let plain = scenario_file(dir.path(), "");
    let plain = plain.to_str().unwrap();
    let out = dir.path().join("out");
    let cases: [(&[&str], &str); 12] = [
        (
            &["--set", "alarms.errors.treshold=1,5"],
            "--set alarms.errors.treshold: unknown key \"treshold\"; allowed keys here:",
        ),
        (
            &["--set", "trafic.rate_per_s=1,5"],
            "--set trafic.rate_per_s: unknown key \"trafic\"",
        ),
        (
            &["--set", "alarms.error_rate.threshold=1,5"],
            "--set alarms.error_rate.threshold: unknown key: the scenario has no alarm `error_rate` (alarms: errors)",
        ),
        (
            &["--set", "alarms.errors.evaluation_periods=1,1.5"],
            "--set alarms.errors.evaluation_periods=1.5: wrong type",
        ),
        (
            &["--set", "alarms.errors.threshold=1,high"],
            "--set alarms.errors.threshold: `high` is not a number",
        ),
        (
            &["--set", "strategies.canary.config=Canary10Percent5Minutes,Fastest"],
            "--set strategies.canary.config=Fastest: ",
        ),
        (&["--set", "alarms.errors.threshold="], "--set alarms.errors.threshold: empty list"),
        (
            &["--set", "traffic.rate_per_s=10..1:1"],
            "--set traffic.rate_per_s: bad range `10..1:1`: start 10 must not be greater than end 1",
        ),
        (
            &["--set", "traffic.rate_per_s=0..10:log:3"],
            "--set traffic.rate_per_s: bad range `0..10:log:3`: a log range needs 0 < start < end",
        ),
        (&["--set", "traffic.rate_per_s"], "--set traffic.rate_per_s: expected KEY=V1,V2"),
        (
            &["--set", "candidate=healthy,faulty"],
            "--set candidate: `faulty` needs at least one [[faults]]",
        ),
        (&[], "nothing to sweep: give --set KEY=V1,V2,... or a [sweep] table"),
    ];
    for (extra, expected) in cases {
        let mut args = vec!["sweep", plain, "--out", out.to_str().unwrap()];
        args.extend_from_slice(extra);
        let o = canarysim(&args);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.starts_with(&format!("error: {expected}")),
            "{extra:?}:\n{err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    assert!(!out.exists(), "nothing is written for a bad grid");
}

#[test]
fn bad_sweep_tables_exit_2_and_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    for (table, expected) in [
        (
            "[sweep]\n\"alarms.errors.threshold\" = []\n",
            "[sweep] alarms.errors.threshold: empty list",
        ),
        (
            "[sweep]\n\"alarms.errors.threshold\" = \"1..5\"\n",
            "[sweep] alarms.errors.threshold: bad range `1..5`: missing step",
        ),
        (
            "[sweep]\n\"alarms.errors.period\" = [\"1m\", \"7s\"]\n",
            "[sweep] alarms.errors.period=7s: ",
        ),
    ] {
        let file = scenario_file(dir.path(), table);
        let o = canarysim(&["sweep", file.to_str().unwrap(), "--no-plots"]);
        assert_eq!(o.status.code(), Some(2), "{table}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.starts_with(&format!("error: {}: {expected}", file.display())),
            "{table}:\n{err}"
        );
    }
}

#[test]
fn set_overrides_the_sweep_table_and_ranges_expand() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario_file(
        dir.path(),
        "[sweep]\n\"alarms.errors.threshold\" = [1, 5]\n",
    );
    let out = dir.path().join("out");
    let o = canarysim(&[
        "sweep",
        file.to_str().unwrap(),
        "--set",
        "alarms.errors.threshold=0.5..1.5:0.5",
        "--set",
        "strategies.canary.rollback_latency=5s,30s",
        "--no-plots",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).is_empty(), "--quiet prints nothing");
    let (header, rows) = read_csv(&out.join("sweep.csv"));
    assert_eq!(
        header[..3],
        [
            "alarms.errors.threshold",
            "strategies.canary.rollback_latency",
            "strategy"
        ]
    );
    let points: Vec<String> = rows.iter().map(|r| r[..2].join(" ")).collect();
    assert_eq!(
        points,
        ["0.5 5s", "0.5 30s", "1 5s", "1 30s", "1.5 5s", "1.5 30s"]
    );
}

#[test]
fn threshold_1_vs_5_shows_the_trade_off_its_header_promises() {
    use canarysim::sweep::{self, SweepProgress};
    let overrides = Overrides {
        replications: Some(200),
        ..Overrides::default()
    };
    let plan = sweep::load(&root().join(SCENARIO), &[], &overrides).unwrap();
    let results = sweep::run_grid(&plan, None, &SweepProgress::hidden()).unwrap();
    let at = |point: [&str; 3], strategy: &str| {
        results
            .iter()
            .find(|r| r.values == point)
            .and_then(|r| r.summaries.iter().find(|s| s.strategy == strategy))
            .unwrap_or_else(|| panic!("no result for {point:?} {strategy}"))
            .clone()
    };
    for strategy in ["canary", "linear"] {
        // A healthy candidate: threshold 1 over 1 period rolls back on noise,
        // threshold 5 over 2 periods almost never does.
        let strict = at(["healthy", "1", "1"], strategy);
        let lenient = at(["healthy", "5", "2"], strategy);
        assert!(strict.false_rollback_rate.unwrap() > 0.9, "{strict:?}");
        assert!(lenient.false_rollback_rate.unwrap() < 0.05, "{lenient:?}");
        // A faulty candidate: both catch it, the strict alarm sooner and
        // with fewer bad requests.
        let strict = at(["faulty", "1", "1"], strategy);
        let lenient = at(["faulty", "5", "2"], strategy);
        assert_eq!(strict.missed_rate, Some(0.0));
        assert!(lenient.missed_rate.unwrap() < 0.05, "{lenient:?}");
        assert!(strict.detection_p50_s.unwrap() < lenient.detection_p50_s.unwrap());
        assert!(
            strict.detection_mean_detected_s.unwrap() < lenient.detection_mean_detected_s.unwrap()
        );
        assert!(strict.bad_requests_mean < lenient.bad_requests_mean);
    }
}
