//! Bad input never panics: every file of `tests/bad_scenarios/` and every bad
//! command-line argument exits 2 with a one-paragraph message that names the
//! file (or flag), the key path and what is allowed, and writes nothing.
//!
//! Each corpus file starts with `# expect: TEXT` lines; the first is the key
//! path (or the error class for TOML syntax errors), the others are further
//! substrings the message must contain, typically a word of the allowed
//! values.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::{canarysim, root, stderr, stdout};

/// The corpus files, sorted by name.
fn corpus() -> Vec<PathBuf> {
    let dir = root().join("tests/bad_scenarios");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

/// The `# expect:` lines of a corpus file, in order.
fn expectations(path: &Path) -> Vec<String> {
    fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter_map(|line| line.strip_prefix("# expect:"))
        .map(|text| text.trim().to_string())
        .collect()
}

/// What every rejection must look like: exit code 2, no panic or
/// backtrace, one paragraph on stderr (no blank line inside), nothing on
/// stdout.
fn assert_clean_rejection(what: &str, o: &Output) -> String {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{what}: exit code\n{err}");
    for banned in ["panicked", "RUST_BACKTRACE", "stack backtrace"] {
        assert!(!err.contains(banned), "{what}: {banned:?} on stderr\n{err}");
    }
    assert!(
        !err.trim().is_empty(),
        "{what}: a rejection must say why on stderr"
    );
    assert!(stdout(o).is_empty(), "{what}: stdout\n{}", stdout(o));
    err
}

/// `err` is one paragraph: no blank line between its first and last line.
fn assert_one_paragraph(what: &str, err: &str) {
    assert!(
        !err.trim().lines().any(|l| l.trim().is_empty()),
        "{what}: the message must be a single paragraph\n{err}"
    );
}

#[test]
fn corpus_is_large_and_documented() {
    let files = corpus();
    assert!(
        files.len() >= 30,
        "only {} bad scenarios in tests/bad_scenarios",
        files.len()
    );
    for f in &files {
        assert!(
            !expectations(f).is_empty(),
            "{}: starts with no `# expect: <key path>` line",
            f.display()
        );
    }
}

#[test]
fn every_bad_scenario_is_rejected_with_file_key_and_hint() {
    let tmp = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for (i, file) in corpus().iter().enumerate() {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let shown = file.strip_prefix(root()).unwrap().to_string_lossy();
        let out_dir = tmp.path().join(format!("out{i}"));
        let runs = [
            (
                "run",
                canarysim(&["run", &shown, "--out", out_dir.to_str().unwrap()]),
            ),
            ("validate", canarysim(&["validate", &shown])),
        ];
        for (command, o) in runs {
            let what = format!("canarysim {command} {shown}");
            // Collect the message problems of every file before failing, so
            // one run shows them all; exit code and panics fail at once.
            let err = assert_clean_rejection(&what, &o);
            assert_one_paragraph(&what, &err);
            if !err.contains(&name) {
                failures.push(format!("{what}: the file name is missing: {err}"));
            }
            for expected in expectations(file) {
                if !err.contains(&expected) {
                    failures.push(format!("{what}: {expected:?} is missing: {err}"));
                }
            }
        }
        assert!(
            !out_dir.exists(),
            "{shown}: a rejected scenario created {}",
            out_dir.display()
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A valid scenario for the argument tests: tiny, so the cases that are
/// (wrongly) accepted would still finish fast.
const VALID: &str = "horizon = \"6m\"\nreplications = 2\n\n[traffic]\nrate_per_s = 1\n\n[strategies.canary]\nconfig = \"Canary10Percent5Minutes\"\n";

#[test]
fn bad_arguments_exit_2_with_a_clear_message() {
    let tmp = tempfile::tempdir().unwrap();
    let valid = tmp.path().join("valid.toml");
    fs::write(&valid, VALID).unwrap();
    let binary = tmp.path().join("binary.toml");
    fs::write(&binary, b"# not text\n\xff\xfe\x00\x9fhorizon = \"1h\"\n").unwrap();
    let folder = tmp.path().join("a_folder.toml");
    fs::create_dir(&folder).unwrap();
    let valid = valid.to_str().unwrap();
    let out = tmp.path().join("out");
    let out = out.to_str().unwrap();

    // (arguments, substrings the message must contain)
    let cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (
            vec!["run", valid, "--reps", "0"],
            vec!["--reps", "1 to 10000000"],
        ),
        (
            vec!["run", valid, "--reps", "1000000000000"],
            vec!["--reps", "1 to 10000000"],
        ),
        (
            vec!["run", valid, "--reps", "-3"],
            vec!["--reps", "1 to 10000000"],
        ),
        (
            vec!["run", valid, "--reps", "many"],
            vec!["--reps", "1 to 10000000"],
        ),
        (
            vec!["run", valid, "--seed", "-1"],
            vec!["--seed", "from 0 to"],
        ),
        (
            vec!["run", valid, "--seed", "18446744073709551616"],
            vec!["--seed", "from 0 to 18446744073709551615"],
        ),
        (
            vec!["run", valid, "--threads", "0"],
            vec!["--threads", ">= 1"],
        ),
        (
            vec!["run", valid, "--threads", "-2"],
            vec!["--threads", ">= 1"],
        ),
        (
            vec!["run", valid, "--mode", "turbo"],
            vec!["--mode", "exact", "fast"],
        ),
        (vec!["run", valid, "--bogus"], vec!["--bogus"]),
        (vec!["validate", valid, "--reps", "5"], vec!["--reps"]),
        (vec!["run"], vec!["<SCENARIO>"]),
        (vec!["run", valid, "--reps"], vec!["--reps"]),
        (
            vec!["run", "no/such/file.toml"],
            vec!["no/such/file.toml", "cannot read the scenario file"],
        ),
        (
            vec!["validate", "no/such/file.toml"],
            vec!["no/such/file.toml", "cannot read the scenario file"],
        ),
        (
            vec!["run", folder.to_str().unwrap()],
            vec!["a_folder.toml", "cannot read the scenario file"],
        ),
        (
            vec!["run", binary.to_str().unwrap()],
            vec!["binary.toml", "cannot read the scenario file", "UTF-8"],
        ),
        (
            vec!["validate", binary.to_str().unwrap()],
            vec!["binary.toml", "UTF-8"],
        ),
    ];
    for (args, hints) in &cases {
        let mut args = args.clone();
        if args[0] == "run" {
            args.extend(["--out", out]);
        }
        let what = format!("canarysim {}", args.join(" "));
        let o = canarysim(&args);
        let err = assert_clean_rejection(&what, &o);
        for hint in hints {
            assert!(err.contains(hint), "{what}: {hint:?} is missing\n{err}");
        }
        // Our own messages are one paragraph; clap's usage errors follow
        // clap's layout (message, tip, usage), which is fine.
        if !err.contains("For more information, try '--help'") {
            assert_one_paragraph(&what, &err);
        }
        assert!(!Path::new(out).exists(), "{what}: wrote {out}");
    }
}
