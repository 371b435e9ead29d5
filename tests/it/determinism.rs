//! Same scenario and seed → byte-identical files, whatever the thread count.

use crate::support::{canarysim, stderr};

#[test]
fn outputs_are_identical_with_one_and_several_threads() {
    let dir = tempfile::tempdir().unwrap();
    let run = |threads: &str| {
        let out = dir.path().join(format!("t{threads}"));
        let o = canarysim(&[
            "scenarios/error_spike.toml",
            "--reps",
            "40",
            "--threads",
            threads,
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        out
    };
    let one = run("1");
    let four = run("4");
    for file in ["runs.csv", "summary.csv", "timeline.csv", "events.csv"] {
        let a = std::fs::read(one.join(file)).unwrap();
        let b = std::fs::read(four.join(file)).unwrap();
        assert!(!a.is_empty());
        assert!(a == b, "{file} differs between 1 and 4 threads");
    }
}

#[test]
fn a_different_seed_changes_the_results() {
    let dir = tempfile::tempdir().unwrap();
    let run = |seed: &str| {
        let out = dir.path().join(seed);
        let o = canarysim(&[
            "scenarios/error_spike.toml",
            "--reps",
            "10",
            "--seed",
            seed,
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        std::fs::read(out.join("runs.csv")).unwrap()
    };
    assert_ne!(run("1"), run("2"));
}
