//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use canarysim::model::Scenario;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the `canarysim` binary with `args` from the repository root.
pub fn canarysim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_canarysim"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("the canarysim binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Parses and validates scenario text as if it came from `file`.
pub fn scenario(text: &str) -> Scenario {
    let value = canarysim::scenario::parse_document(text, "test.toml").expect("valid TOML");
    canarysim::scenario::from_value(value, text, "test.toml").expect("valid scenario")
}

/// Reads a CSV file into a header and rows of cells.
pub fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).expect("csv opens");
    let header = r
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    let rows = r
        .records()
        .map(|rec| rec.expect("row").iter().map(String::from).collect())
        .collect();
    (header, rows)
}
