//! The README's worked example cannot rot: its quoted table is compared
//! with a fresh run of the same command. Rates and means must lie inside
//! the run's 95 % confidence intervals (plus the table's rounding), times
//! within one metric period (60 s) of the run's.

use std::collections::HashMap;

use crate::support::{canarysim, root, stderr, stdout};

const BEGIN: &str = "<!-- worked-example:begin -->";
const END: &str = "<!-- worked-example:end -->";

/// The table rows of the README's worked example: strategy → cells.
fn readme_rows() -> HashMap<String, Vec<String>> {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme.find(BEGIN).expect("README marks the worked example") + BEGIN.len();
    let end = readme[start..]
        .find(END)
        .expect("README closes the worked example")
        + start;
    let block = &readme[start..end];
    let mut rows = HashMap::new();
    let mut in_table = false;
    for line in block.lines() {
        if line.starts_with("---") {
            in_table = true;
            continue;
        }
        if !in_table || line.trim().is_empty() || line.starts_with("```") {
            in_table = false;
            continue;
        }
        let cells: Vec<String> = line
            .split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect();
        rows.insert(cells[0].clone(), cells);
    }
    rows
}

/// `v [lo, hi]` → (v, lo, hi), after an optional word (`missed`, `false`).
fn with_interval(cell: &str) -> (f64, f64, f64) {
    let cell = cell.trim_start_matches(|c: char| c.is_alphabetic() || c == ' ');
    let (v, rest) = cell.split_once(" [").unwrap();
    let (lo, hi) = rest.trim_end_matches(']').split_once(", ").unwrap();
    let n = |s: &str| s.trim().parse::<f64>().unwrap();
    (n(v), n(lo), n(hi))
}

fn time(cell: &str) -> Option<f64> {
    (cell != "never").then(|| cell.parse().unwrap())
}

#[test]
fn readme_worked_example_matches_a_fresh_run() {
    let rows = readme_rows();
    assert_eq!(rows.len(), 3, "three strategies quoted: {rows:?}");
    let dir = tempfile::tempdir().unwrap();
    let o = canarysim(&[
        "scenarios/error_spike.toml",
        "--no-plots",
        "--out",
        dir.path().to_str().unwrap(),
        "--export-json",
        "-",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    for run in json["rows"].as_array().unwrap() {
        let name = run["strategy"].as_str().unwrap();
        let cells = &rows[name];
        let f = |k: &str| run[k].as_f64();
        // misses (faulty candidate): the quoted % inside the run's interval
        let (missed, _, _) = with_interval(&cells[1]);
        let (lo, hi) = (f("missed_rate_lo").unwrap(), f("missed_rate_hi").unwrap());
        assert!(
            missed >= lo * 100.0 - 0.05 && missed <= hi * 100.0 + 0.05,
            "{name}: README missed {missed} % outside [{lo}, {hi}]"
        );
        // time to detection p50 / p95, misses counted as never
        let (p50, p95) = cells[2].split_once(" / ").unwrap();
        for (quoted, key) in [(p50, "detection_p50_s"), (p95, "detection_p95_s")] {
            match (time(quoted), f(key)) {
                (Some(q), Some(r)) => assert!((q - r).abs() <= 60.0, "{name} {key}: {q} vs {r}"),
                (q, r) => assert_eq!(q, r, "{name} {key}"),
            }
        }
        // excess bad requests: the quoted mean inside the run's interval
        let (excess, _, _) = with_interval(&cells[3]);
        let (lo, hi) = (
            f("excess_bad_requests_mean_lo").unwrap(),
            f("excess_bad_requests_mean_hi").unwrap(),
        );
        assert!(
            excess >= lo - 0.5 && excess <= hi + 0.5,
            "{name}: README excess {excess} outside [{lo}, {hi}]"
        );
        let deploy: f64 = cells[4].parse().unwrap();
        assert!(
            (deploy - f("deploy_p50_s").unwrap()).abs() <= 60.0,
            "{name} deploy"
        );
    }
}
