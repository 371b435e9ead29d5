//! Golden outputs: a fixed-seed, small-replication run of three scenarios
//! (several functions, VPC Lattice, API Gateway; frozen copies of the
//! shipped ones in `tests/golden/`, so editing a shipped scenario does not
//! move them) in both sampling modes must reproduce `runs.csv`,
//! `timeline.csv` and `events.csv` under `tests/golden/` byte for byte. They pin the order of random draws, so a
//! refactor that changes what is simulated — or in what order — fails
//! here. After an intended change of results, regenerate them with
//! `CANARYSIM_BLESS=1 cargo test --release --test it golden` and say why in
//! the commit.

use std::path::Path;

use crate::support::{canarysim, root, stderr};

const CASES: [(&str, &str); 6] = [
    ("saga_functions", "fast"),
    ("saga_functions", "exact"),
    ("lattice_weighted", "fast"),
    ("lattice_weighted", "exact"),
    ("apigw_canary", "fast"),
    ("apigw_canary", "exact"),
];

const FILES: [&str; 3] = ["runs.csv", "timeline.csv", "events.csv"];

/// The golden run of `scenario` (4 replications, seed 7, no plots) in
/// `mode`, written to `out`; panics with stderr if it fails.
pub(crate) fn golden_run(scenario: &Path, mode: &str, out: &Path) {
    let o = canarysim(&[
        scenario.to_str().unwrap(),
        "--reps",
        "4",
        "--seed",
        "7",
        "--mode",
        mode,
        "--no-plots",
        "-q",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        o.status.success(),
        "{} {mode}: {}",
        scenario.display(),
        stderr(&o)
    );
}

#[test]
fn golden_outputs_are_reproduced_byte_for_byte() {
    let bless = std::env::var_os("CANARYSIM_BLESS").is_some();
    let tmp = tempfile::tempdir().unwrap();
    let mut mismatches = Vec::new();
    for (scenario, mode) in CASES {
        let out = tmp.path().join(format!("{scenario}-{mode}"));
        golden_run(
            &root().join(format!("tests/golden/{scenario}.toml")),
            mode,
            &out,
        );
        let golden = root()
            .join("tests/golden")
            .join(format!("{scenario}-{mode}"));
        for file in FILES {
            let got = std::fs::read(out.join(file)).unwrap();
            if bless {
                std::fs::create_dir_all(&golden).unwrap();
                std::fs::write(golden.join(file), &got).unwrap();
                continue;
            }
            let want = std::fs::read(golden.join(file))
                .unwrap_or_else(|e| panic!("{}: {e}", golden.join(file).display()));
            if got != want {
                mismatches.push(format!("{scenario}-{mode}/{file}"));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "outputs differ from tests/golden/: {mismatches:?}"
    );
}
