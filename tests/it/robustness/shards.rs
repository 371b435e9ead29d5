//! `sweep --shard K/N` and `canarysim merge`: the merged shards are the
//! single-machine sweep, byte for byte; every inconsistency exits 2.

use std::path::{Path, PathBuf};

use canarysim::sweep::STOP_AFTER_POINTS_VAR;

use super::{bytes, canarysim_in, sweep, sweep_csv, SWEEP_SCENARIO};
use crate::support::{read_csv, root, stderr, stdout};

/// Runs shard `k` of `n` with `reps` into `dir`.
fn shard(dir: &Path, reps: &str, k: usize, n: usize) {
    let spec = format!("{k}/{n}");
    let o = sweep(dir, reps, &["--shard", &spec], &[]);
    assert!(o.status.success(), "shard {spec}: {}", stderr(&o));
}

fn merge(dirs: &[&Path], extra: &[&str]) -> std::process::Output {
    let mut args: Vec<String> = vec!["merge".into()];
    args.extend(dirs.iter().map(|d| d.to_str().unwrap().to_owned()));
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    canarysim_in(&root(), &args, &[])
}

#[test]
fn three_merged_shards_equal_the_single_run_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let single = tmp.path().join("single");
    let o = sweep(&single, "25", &[], &[]);
    assert!(o.status.success(), "{}", stderr(&o));

    let dirs: Vec<PathBuf> = (1..=3).map(|k| tmp.path().join(format!("s{k}"))).collect();
    // Any order of completion; merge takes the folders in any order.
    for k in [2, 3, 1] {
        shard(&dirs[k - 1], "25", k, 3);
    }
    // A shard's sweep.csv: a grid_point column, only its own points.
    let (header, rows) = read_csv(&sweep_csv(&dirs[1]));
    assert_eq!(header[..2], ["grid_point", "candidate"]);
    let points: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(points, ["1", "1", "4", "4", "7", "7"]);
    assert!(
        !dirs[1].join("tradeoff.svg").exists(),
        "shards draw no plots"
    );

    let merged = tmp.path().join("merged");
    let o = merge(
        &[&dirs[2], &dirs[0], &dirs[1]],
        &["--out", merged.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.starts_with("merged 3 shards of sweep threshold_1_vs_5 — 8 grid points"),
        "{text}"
    );
    assert!(
        bytes(&sweep_csv(&merged)) == bytes(&sweep_csv(&single)),
        "merged sweep.csv differs from the single run's"
    );
    assert_eq!(
        bytes(&merged.join("alarms.csv")),
        bytes(&single.join("alarms.csv"))
    );
    for plot in ["tradeoff.svg", "sweep.svg"] {
        assert!(merged.join(plot).is_file(), "{plot} drawn by merge");
    }
    // The merged run.toml reruns the whole sweep (no shard in it).
    let record = std::fs::read_to_string(merged.join("run.toml")).unwrap();
    assert!(!record.contains("shard ="), "{record}");
    assert!(
        record.contains("command = [") && record.contains("\"merge\""),
        "{record}"
    );
    let again = tmp.path().join("again");
    let o = canarysim_in(
        &root(),
        [
            "sweep",
            merged.join("run.toml").to_str().unwrap(),
            "--quiet",
            "--no-plots",
            "--out",
            again.to_str().unwrap(),
        ],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(bytes(&sweep_csv(&again)) == bytes(&sweep_csv(&single)));
}

#[test]
fn shards_default_to_subfolders_and_merge_defaults_to_their_parent() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = root().join(SWEEP_SCENARIO);
    let scenario = scenario.to_str().unwrap();
    let run = |args: &[&str]| {
        let o = canarysim_in(tmp.path(), args, &[]);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        o
    };
    for k in ["1/2", "2/2"] {
        run(&["sweep", scenario, "--reps", "10", "--shard", k, "--quiet"]);
    }
    let base = tmp.path().join("out/threshold_1_vs_5-sweep");
    for k in 1..=2 {
        let dir = base.join(format!("shard-{k}-of-2"));
        assert!(sweep_csv(&dir).is_file() && dir.join("run.toml").is_file());
        let record = std::fs::read_to_string(dir.join("run.toml")).unwrap();
        assert!(record.contains(&format!("shard = \"{k}/2\"")), "{record}");
    }
    run(&[
        "merge",
        "out/threshold_1_vs_5-sweep/shard-1-of-2",
        "out/threshold_1_vs_5-sweep/shard-2-of-2",
        "--no-plots",
    ]);
    let single = tmp.path().join("single");
    run(&[
        "sweep",
        scenario,
        "--reps",
        "10",
        "--no-plots",
        "--quiet",
        "--out",
        single.to_str().unwrap(),
    ]);
    assert!(bytes(&sweep_csv(&base)) == bytes(&sweep_csv(&single)));
}

#[test]
fn an_interrupted_shard_resumes_and_then_merges() {
    let tmp = tempfile::tempdir().unwrap();
    let single = tmp.path().join("single");
    assert!(sweep(&single, "10", &[], &[]).status.success());
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    shard(&a, "10", 1, 2);
    let o = sweep(
        &b,
        "10",
        &["--shard", "2/2"],
        &[(STOP_AFTER_POINTS_VAR, "1")],
    );
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("interrupted after 1 of 4 grid points of shard 2/2"),
        "{}",
        stderr(&o)
    );
    let merged = tmp.path().join("m");
    let o = merge(&[&a, &b], &["--out", merged.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.starts_with(&format!(
            "error: {}: shard 2/2 is incomplete (1 of its 4 grid points); finish it with: ",
            b.display()
        )),
        "{err}"
    );
    assert!(err.trim_end().ends_with("--shard 2/2 --resume"), "{err}");
    assert!(!merged.exists(), "nothing written");

    let o = sweep(&b, "10", &["--shard", "2/2", "--resume"], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = merge(
        &[&a, &b],
        &["--out", merged.to_str().unwrap(), "--no-plots"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(bytes(&sweep_csv(&merged)) == bytes(&sweep_csv(&single)));
}

#[test]
fn merge_errors_exit_2_and_name_the_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = |name: &str| tmp.path().join(name);
    for k in 1..=3 {
        shard(&dir(&format!("s{k}")), "8", k, 3);
    }
    // The same sweep split differently, and another sweep.
    shard(&dir("half"), "8", 2, 2);
    shard(&dir("other"), "9", 3, 3);
    let whole = dir("whole");
    assert!(sweep(&whole, "8", &[], &[]).status.success());
    std::fs::create_dir_all(dir("empty")).unwrap();
    // A shard whose rows were edited.
    let edited = dir("edited");
    shard(&edited, "8", 3, 3);
    let text = std::fs::read_to_string(sweep_csv(&edited)).unwrap();
    std::fs::write(sweep_csv(&edited), text.replacen("\n2,", "\n5,", 1)).unwrap();

    let s = |k: usize| dir(&format!("s{k}"));
    let out = dir("merged");
    let out_arg = out.to_str().unwrap().to_owned();
    let shown = |p: PathBuf| p.display().to_string();
    let into_shard = s(3).to_str().unwrap().to_owned();
    let cases: Vec<(Vec<PathBuf>, Vec<&str>, String)> = vec![
        (
            vec![s(1), s(2)],
            vec![],
            "missing shard 3/3: merge needs all 3 shards of the sweep".into(),
        ),
        (
            vec![s(1), s(2), s(3), s(2)],
            vec![],
            format!(
                "shard 2/3 is given twice: {} and {}",
                shown(s(2)),
                shown(s(2))
            ),
        ),
        (
            vec![s(1), s(2), dir("other")],
            vec![],
            format!(
                "{} is a shard of a different sweep than {} (the scenario, grid, seed, \
                 replications, mode or canarysim version differ",
                shown(dir("other")),
                shown(s(1))
            ),
        ),
        (
            vec![s(1), dir("half")],
            vec![],
            format!(
                "{} is shard 2/2 but {} is shard 1/3: every shard must come from the same split",
                shown(dir("half")),
                shown(s(1))
            ),
        ),
        (
            vec![s(1), s(2), whole.clone()],
            vec![],
            format!(
                "{}: it holds a whole sweep, not a shard",
                shown(whole.clone())
            ),
        ),
        (
            vec![s(1), dir("empty")],
            vec![],
            format!("{}: cannot read run.toml: ", shown(dir("empty"))),
        ),
        (
            vec![s(1), s(2), edited.clone()],
            vec![],
            format!(
                "{}: line 2 starts with `5,healthy,5,1,canary` where this sweep has \
                 `2,healthy,5,1,canary` (grid point 2)",
                shown(sweep_csv(&edited))
            ),
        ),
        (
            vec![s(1), s(2), s(3)],
            vec!["--out", into_shard.as_str()],
            format!("--out {} is one of the shard folders", shown(s(3))),
        ),
    ];
    for (dirs, extra, expected) in cases {
        let refs: Vec<&Path> = dirs.iter().map(PathBuf::as_path).collect();
        let args = if extra.is_empty() {
            vec!["--out", out_arg.as_str()]
        } else {
            extra
        };
        let o = merge(&refs, &args);
        assert_eq!(o.status.code(), Some(2), "{dirs:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.starts_with(&format!("error: {expected}")),
            "{dirs:?}:\n{err}\nexpected: {expected}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    assert!(!out.exists(), "nothing written by a failed merge");
    let o = canarysim_in(&root(), ["merge"], &[]);
    assert_eq!(o.status.code(), Some(2), "no folders");
    let o = sweep(&dir("x"), "8", &["--shard", "4/3"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("expected K/N with 1 <= K <= N"),
        "{}",
        stderr(&o)
    );
}
