//! Every output folder holds a `run.toml` (resolved scenario, version,
//! seed, replications, mode, command line) that reruns its results exactly.

use std::path::Path;

use super::{bytes, canarysim_in, sweep, sweep_csv, SWEEP_SCENARIO};
use crate::support::{root, stderr};

const CSVS: [&str; 4] = ["runs.csv", "summary.csv", "timeline.csv", "events.csv"];

fn run(args: &[&str]) {
    let o = canarysim_in(&root(), args, &[]);
    assert!(o.status.success(), "{args:?}: {}", stderr(&o));
}

fn record(dir: &Path) -> toml::Table {
    let text = std::fs::read_to_string(dir.join("run.toml")).unwrap();
    text.parse()
        .unwrap_or_else(|e| panic!("run.toml is TOML: {e}\n{text}"))
}

#[test]
fn run_toml_reruns_a_run_with_overrides_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let first = tmp.path().join("first");
    let args = [
        "run",
        "scenarios/error_spike.toml",
        "--reps",
        "25",
        "--seed",
        "9",
        "--mode",
        "exact",
        "--threads",
        "1",
        "--quiet",
        "--no-plots",
        "--out",
        first.to_str().unwrap(),
    ];
    run(&args);
    let r = record(&first);
    let meta = r["canarysim"].as_table().unwrap();
    assert_eq!(meta["version"].as_str(), Some(env!("CARGO_PKG_VERSION")));
    assert_eq!(meta["mode"].as_str(), Some("exact"));
    assert_eq!(meta["seed"].as_integer(), Some(9));
    assert_eq!(meta["replications"].as_integer(), Some(25));
    assert_eq!(meta["threads"].as_integer(), Some(1));
    let command: Vec<&str> = meta["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(command[1..], args, "argv after the program");
    // The resolved scenario at top level.
    assert_eq!(r["name"].as_str(), Some("error_spike"));
    assert_eq!(r["seed"].as_integer(), Some(9));
    assert_eq!(r["replications"].as_integer(), Some(25));
    assert!(r.contains_key("strategies") && r.contains_key("alarms"));

    // Rerun from the record alone, on another thread count.
    let again = tmp.path().join("again");
    let record_path = first.join("run.toml");
    run(&[
        "run",
        record_path.to_str().unwrap(),
        "--quiet",
        "--no-plots",
        "--out",
        again.to_str().unwrap(),
    ]);
    for file in CSVS {
        assert!(
            bytes(&first.join(file)) == bytes(&again.join(file)),
            "{file} differs on rerun"
        );
    }
    // The rerun's own record differs only in its command line and threads.
    let strip = |mut t: toml::Table| {
        let meta = t["canarysim"].as_table_mut().unwrap();
        meta.remove("command");
        meta.remove("threads");
        t
    };
    assert_eq!(strip(record(&first)), strip(record(&again)));
    // It validates like any scenario.
    run(&["validate", record_path.to_str().unwrap()]);
}

#[test]
fn a_seed_beyond_toml_integers_is_recorded_and_reproduced() {
    let tmp = tempfile::tempdir().unwrap();
    let first = tmp.path().join("first");
    let seed = u64::MAX.to_string();
    run(&[
        "run",
        "scenarios/error_spike.toml",
        "--reps",
        "10",
        "--seed",
        &seed,
        "--quiet",
        "--no-plots",
        "--out",
        first.to_str().unwrap(),
    ]);
    let r = record(&first);
    assert!(!r.contains_key("seed"), "no top-level seed");
    assert_eq!(r["canarysim"]["seed"].as_str(), Some(seed.as_str()));
    let again = tmp.path().join("again");
    run(&[
        "run",
        first.join("run.toml").to_str().unwrap(),
        "--quiet",
        "--no-plots",
        "--out",
        again.to_str().unwrap(),
    ]);
    let (_, rows) = crate::support::read_csv(&again.join("runs.csv"));
    assert_eq!(rows.len(), 30);
    for file in CSVS {
        assert!(
            bytes(&first.join(file)) == bytes(&again.join(file)),
            "{file}"
        );
    }
}

#[test]
fn a_sweep_records_its_grid_and_reruns_from_it() {
    let tmp = tempfile::tempdir().unwrap();
    let first = tmp.path().join("first");
    let o = sweep(
        &first,
        "12",
        &["--set", "traffic.rate_per_s=5,20", "--seed", "3"],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let r = record(&first);
    let grid = r["sweep"].as_table().unwrap();
    let keys: Vec<&str> = grid.keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 4, "{keys:?}");
    assert_eq!(
        grid["traffic.rate_per_s"],
        toml::Value::Array(vec![toml::Value::Integer(5), toml::Value::Integer(20)])
    );
    let meta = r["canarysim"].as_table().unwrap();
    assert_eq!(meta["grid_points"].as_integer(), Some(16));
    assert_eq!(meta["fingerprint"].as_str().map(str::len), Some(32));
    assert!(!meta.contains_key("shard"));

    let again = tmp.path().join("again");
    let o = canarysim_in(
        &root(),
        [
            "sweep",
            first.join("run.toml").to_str().unwrap(),
            "--quiet",
            "--no-plots",
            "--out",
            again.to_str().unwrap(),
        ],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(bytes(&sweep_csv(&first)) == bytes(&sweep_csv(&again)));
    // The same fingerprint: the rerun is the same sweep.
    assert_eq!(
        record(&again)["canarysim"]["fingerprint"],
        r["canarysim"]["fingerprint"]
    );
    // `run` on a sweep's record runs its base scenario (the file's values).
    run(&[
        "run",
        first.join("run.toml").to_str().unwrap(),
        "--quiet",
        "--no-plots",
        "--out",
        tmp.path().join("base").to_str().unwrap(),
    ]);
}

#[test]
fn a_bad_metadata_table_exits_2_naming_the_key() {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join(SWEEP_SCENARIO)).unwrap();
    let file = tmp.path().join("run.toml");
    std::fs::write(&file, format!("{text}\n[canarysim]\nmode = \"quick\"\n")).unwrap();
    let o = canarysim_in(&root(), ["run", file.to_str().unwrap()], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("canarysim.mode: \"quick\": allowed: exact, fast"),
        "{}",
        stderr(&o)
    );
}
