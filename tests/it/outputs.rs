//! The output contract for design reviews: exports, `report.md`, stdout
//! holding only results, and separate run and sweep folders.

use std::path::Path;

use crate::support::{canarysim, read_csv, stderr, stdout};

fn run_spike(out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "scenarios/error_spike.toml",
        "--reps",
        "30",
        "--no-plots",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    canarysim(&args)
}

/// `summary.csv` as (column → cell) maps, one per row.
fn summary_rows(dir: &Path) -> Vec<Vec<(String, String)>> {
    let (header, rows) = read_csv(&dir.join("summary.csv"));
    rows.into_iter()
        .map(|r| header.iter().cloned().zip(r).collect())
        .collect()
}

#[test]
fn export_json_parses_and_equals_summary_csv() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("spike");
    let json_path = dir.path().join("r.json");
    let o = run_spike(&out, &["--export-json", json_path.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    assert_eq!(json["scenario"], "error_spike");
    assert_eq!(json["seed"], 42);
    assert_eq!(json["replications"], 30);
    assert_eq!(json["mode"], "fast");
    assert!(json["canarysim_version"].is_string());
    assert!(json["command"].as_array().unwrap().len() > 3);
    let rows = json["rows"].as_array().unwrap();
    let csv_rows = summary_rows(&out);
    assert_eq!(rows.len(), csv_rows.len());
    for (row, csv_row) in rows.iter().zip(&csv_rows) {
        for (column, cell) in csv_row {
            let value = &row[column];
            match cell.parse::<f64>() {
                Ok(x) => assert_eq!(value.as_f64(), Some(x), "{column}"),
                Err(_) if cell.is_empty() => assert!(value.is_null(), "{column}: {value}"),
                Err(_) if cell == "true" || cell == "false" => {
                    assert_eq!(
                        value.as_bool().map(|b| b.to_string()).as_deref(),
                        Some(cell.as_str())
                    )
                }
                Err(_) => assert_eq!(value.as_str(), Some(cell.as_str()), "{column}"),
            }
        }
    }
}

#[test]
fn export_markdown_has_one_row_per_strategy_and_stdout_export_replaces_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("spike");
    let o = run_spike(&out, &["--export-markdown", "-"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let rows: Vec<&str> = text.lines().filter(|l| l.starts_with('|')).collect();
    assert_eq!(
        rows.len(),
        2 + 3,
        "header, rule, one row per strategy:\n{text}"
    );
    for (row, strategy) in rows[2..].iter().zip(["all_at_once", "canary", "linear"]) {
        assert!(row.starts_with(&format!("| {strategy} |")), "{row}");
    }
    assert!(!text.contains("wrote"), "{text}");
    assert!(
        !text.contains("-----------"),
        "no terminal table on stdout:\n{text}"
    );
    let o = run_spike(&out, &["--export-markdown", "-", "--export-json", "-"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--export-json"), "{}", stderr(&o));
}

#[test]
fn plain_run_prints_only_the_table_on_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("spike");
    let o = run_spike(&out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(!text.contains("wrote"), "{text}");
    assert!(text.starts_with("scenario error_spike"), "{text}");
    for line in text.lines() {
        assert!(
            line.chars().count() <= 100,
            "wider than 100 columns: {line}"
        );
    }
    assert!(stderr(&o).contains("wrote"), "{}", stderr(&o));
}

#[test]
fn report_md_names_only_files_that_exist() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("spike");
    let o = canarysim(&[
        "scenarios/error_spike.toml",
        "--reps",
        "20",
        "--format",
        "png",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    for needle in [
        "## Question",
        "## Plan",
        "## Results",
        "Populations:",
        "## Reproduce",
        "seed 42",
    ] {
        assert!(report.contains(needle), "missing {needle:?}:\n{report}");
    }
    let mut linked = 0;
    for part in report.split("](").skip(1) {
        let target = part.split(')').next().unwrap();
        assert!(
            out.join(target).exists(),
            "report.md links {target}, which does not exist"
        );
        linked += 1;
    }
    assert_eq!(linked, 3, "three plots embedded:\n{report}");
    // Redrawn without plots: no stale images stay linked.
    let o = canarysim(&[
        "scenarios/error_spike.toml",
        "--reps",
        "20",
        "--no-plots",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(!report.contains("]("), "{report}");
}

#[test]
fn switching_format_removes_the_old_plots() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("spike");
    let args = |format: &'static str| {
        vec![
            "scenarios/error_spike.toml".to_owned(),
            "--reps".into(),
            "10".into(),
            "--quiet".into(),
            "--format".into(),
            format.into(),
            "--out".into(),
            out.to_str().unwrap().to_owned(),
        ]
    };
    let run = |format| {
        let a = args(format);
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        let o = canarysim(&refs);
        assert!(o.status.success(), "{}", stderr(&o));
    };
    run("svg");
    assert!(out.join("timeline.svg").exists());
    run("png");
    assert!(out.join("timeline.png").exists());
    assert!(
        !out.join("timeline.svg").exists(),
        "stale svg left next to the new png"
    );
}

#[test]
fn run_and_sweep_use_separate_default_folders() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("tiny.toml");
    std::fs::write(
        &scenario,
        "# How does a tiny sweep look?\nname = \"tiny\"\nreplications = 5\nhorizon = \"10m\"\n\
         [traffic]\nrate_per_s = 5\n[alarms.e]\nmetric = \"Errors\"\ncomparison = \">\"\nthreshold = 0\n\
         [strategies.a]\nconfig = \"AllAtOnce\"\npost_traffic_hook = { duration = \"5m\" }\n",
    )
    .unwrap();
    let bin = env!("CARGO_BIN_EXE_canarysim");
    let run = |args: &[&str]| {
        let o = std::process::Command::new(bin)
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    run(&["tiny.toml", "--no-plots", "-q"]);
    run(&[
        "sweep",
        "tiny.toml",
        "--set",
        "alarms.e.threshold=0,1",
        "--no-plots",
        "-q",
    ]);
    let run_toml = std::fs::read_to_string(dir.path().join("out/tiny/run.toml")).unwrap();
    assert!(
        !run_toml.contains("[sweep]"),
        "the run's run.toml was overwritten"
    );
    assert!(dir.path().join("out/tiny-sweep/sweep.csv").exists());
    let report = std::fs::read_to_string(dir.path().join("out/tiny-sweep/report.md")).unwrap();
    assert!(report.contains("> How does a tiny sweep look?"), "{report}");
    assert!(report.contains("alarms.e.threshold = 0, 1"), "{report}");
    assert!(
        report.contains("| `alarms.e.threshold` | strategy |"),
        "{report}"
    );
}
