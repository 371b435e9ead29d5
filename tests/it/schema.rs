//! The JSON Schema of scenario files (`canarysim schema`, generated from
//! the raw serde types) accepts every shipped scenario and rejects the bad
//! scenarios whose fault a schema can see (wrong types, unknown keys,
//! values outside an enum or range); shell completions are generated.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::support::{canarysim, root, stdout};

fn toml_files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(root().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

/// The file as JSON, or None when it is not TOML at all (a syntax error
/// is the parser's to report, not the schema's).
fn as_json(path: &Path) -> Option<serde_json::Value> {
    let text = fs::read_to_string(path).ok()?;
    let value: toml::Value = text.parse::<toml::Table>().ok()?.into();
    Some(serde_json::to_value(value).expect("TOML values convert to JSON"))
}

fn validator() -> jsonschema::Validator {
    let schema = canarysim::scenario::json_schema();
    jsonschema::validator_for(&schema).expect("the schema is a valid JSON Schema")
}

#[test]
fn schema_command_prints_the_generated_schema() {
    let o = canarysim(&["schema"]);
    assert_eq!(o.status.code(), Some(0));
    let printed: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(printed, canarysim::scenario::json_schema());
    let text = stdout(&o);
    // Descriptions, enums and ranges come from the raw types.
    for needle in [
        "Canary10Percent5Minutes",
        "\"step_error\"",
        "10000000",
        "\"notBreaching\"",
    ] {
        assert!(text.contains(needle), "{needle} missing from the schema");
    }
}

#[test]
fn every_shipped_scenario_passes_the_schema() {
    let v = validator();
    let files: Vec<PathBuf> = toml_files("scenarios")
        .into_iter()
        .chain(toml_files("tests/data"))
        .collect();
    assert!(files.len() > 5);
    for f in files {
        let json = as_json(&f).unwrap_or_else(|| panic!("{} is TOML", f.display()));
        let errors: Vec<String> = v
            .iter_errors(&json)
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", f.display());
    }
}

/// The bad scenarios the schema rejects by itself; the others are TOML
/// syntax errors or need validation (cross references, ranges that depend
/// on other keys, durations' values).
const SCHEMA_DETECTABLE: &[&str] = &[
    "codedeploy_percentage_100",
    "codedeploy_percentage_above_100",
    "codedeploy_percentage_fraction",
    "codedeploy_percentage_zero",
    "duration_with_words",
    "duration_without_unit",
    "empty_file",
    "guard_negative_min_requests",
    "handled_failure_bad_status",
    "judge_alpha_above_1",
    "judge_min_effect_below_1",
    "judge_unknown_kind",
    "judge_unknown_method",
    "kayenta_unknown_direction",
    "kayenta_unknown_query",
    "missing_horizon",
    "nan_threshold",
    "negative_duration",
    "negative_rate",
    "negative_seed",
    "rate_above_limit",
    "replications_1e12",
    "replications_1e23",
    "replications_float",
    "replications_zero",
    "unknown_alarm_key",
    "unknown_comparison",
    "unknown_custom_type",
    "unknown_fault_kind",
    "unknown_missing_data_mode",
    "unknown_scope",
    "unknown_strategy_key",
    "unknown_strategy_kind",
    "unknown_top_level_key",
    "wrong_type_horizon",
    "wrong_type_rate",
    "wrong_type_strategies",
    "zero_evaluation_periods",
];

#[test]
fn schema_detectable_bad_scenarios_fail_the_schema() {
    let v = validator();
    let mut rejected = BTreeSet::new();
    for f in toml_files("tests/bad_scenarios") {
        let name = f.file_stem().unwrap().to_string_lossy().into_owned();
        if let Some(json) = as_json(&f) {
            if !v.is_valid(&json) {
                rejected.insert(name);
            }
        }
    }
    let expected: BTreeSet<String> = SCHEMA_DETECTABLE.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        rejected, expected,
        "schema-rejected bad scenarios differ from SCHEMA_DETECTABLE: {rejected:#?}"
    );
}

#[test]
fn completions_are_generated_for_each_shell() {
    for (shell, needle) in [
        ("bash", "_canarysim()"),
        ("zsh", "#compdef canarysim"),
        ("fish", "complete -c canarysim"),
    ] {
        let o = canarysim(&["completions", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}");
        assert!(stdout(&o).contains(needle), "{shell}: {needle} missing");
        assert!(stdout(&o).contains("sweep"), "{shell}: subcommands missing");
    }
    let o = canarysim(&["completions", "powerfish"]);
    assert_eq!(o.status.code(), Some(2));
}
