//! Interrupted sweeps lose nothing: `sweep.csv` grows per finished grid
//! point, an interrupted sweep exits 130 with a valid file and a resume
//! hint, and `--resume` ends with the bytes of an uninterrupted run.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;

use canarysim::sweep::STOP_AFTER_POINTS_VAR;

use super::{bytes, line_count, sweep, sweep_csv};
use crate::support::{read_csv, stderr, stdout};

/// An uninterrupted sweep with `reps` into `dir`; returns its sweep.csv.
fn clean(dir: &Path, reps: &str, extra: &[&str]) -> Vec<u8> {
    let o = sweep(dir, reps, extra, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    bytes(&sweep_csv(dir))
}

/// A sweep stopped by the test hook after `points` grid points.
fn interrupted(dir: &Path, reps: &str, extra: &[&str], points: &str) -> String {
    let o = sweep(dir, reps, extra, &[(STOP_AFTER_POINTS_VAR, points)]);
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    stderr(&o)
}

fn resume(dir: &Path, reps: &str, extra: &[&str]) -> std::process::Output {
    let mut args = extra.to_vec();
    args.push("--resume");
    sweep(dir, reps, &args, &[])
}

#[test]
fn an_interrupted_sweep_resumes_to_the_bytes_of_an_uninterrupted_one() {
    let tmp = tempfile::tempdir().unwrap();
    let expected = clean(&tmp.path().join("clean"), "20", &[]);
    let dir = tmp.path().join("stopped");
    let err = interrupted(&dir, "20", &[], "3");
    assert!(
        err.starts_with("error: interrupted after 3 of 8 grid points: "),
        "{err}"
    );
    assert!(err.contains("is valid CSV; continue with: "), "{err}");
    assert!(
        err.trim_end()
            .ends_with(&format!("--out {} --resume", dir.display())),
        "the hint repeats the command with --resume: {err}"
    );
    // Valid CSV with exactly the finished points: header + 3 × 2 strategies.
    let (header, rows) = read_csv(&sweep_csv(&dir));
    assert_eq!(header[0], "candidate");
    assert_eq!(rows.len(), 6);
    let partial = bytes(&sweep_csv(&dir));
    assert!(expected.starts_with(&partial), "a prefix of the clean file");
    assert!(dir.join("run.toml").is_file() && dir.join("alarms.csv").is_file());

    let o = resume(&dir, "20", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).is_empty(), "--quiet");
    assert_eq!(bytes(&sweep_csv(&dir)), expected);

    // Resuming a finished sweep runs nothing and changes nothing.
    let o = resume(&dir, "20", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(bytes(&sweep_csv(&dir)), expected);
}

#[test]
fn resume_reports_what_it_found_and_draws_the_plots_at_the_end() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    let stopped = super::canarysim_in(
        &crate::support::root(),
        [
            "sweep",
            super::SWEEP_SCENARIO,
            "--reps",
            "10",
            "--out",
            dir.to_str().unwrap(),
        ],
        &[(STOP_AFTER_POINTS_VAR, "5")],
    );
    assert_eq!(stopped.status.code(), Some(130), "{}", stderr(&stopped));
    assert!(
        !dir.join("tradeoff.svg").exists(),
        "no plots of a partial sweep"
    );
    let resumed = super::canarysim_in(
        &crate::support::root(),
        [
            "sweep",
            super::SWEEP_SCENARIO,
            "--reps",
            "10",
            "--out",
            dir.to_str().unwrap(),
            "--resume",
        ],
        &[],
    );
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    let text = stdout(&resumed);
    assert!(
        text.contains("resumed: 5 of 8 grid points were already in sweep.csv"),
        "{text}"
    );
    assert_eq!(
        text.matches("\ncandidate=").count(),
        3,
        "tables of the 3 points run now: {text}"
    );
    assert!(dir.join("tradeoff.svg").is_file() && dir.join("sweep.svg").is_file());
}

#[test]
fn resume_cuts_a_partial_trailing_write() {
    let tmp = tempfile::tempdir().unwrap();
    let expected = clean(&tmp.path().join("clean"), "15", &[]);
    let text = String::from_utf8(expected.clone()).unwrap();
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    // After 2 points (5 lines): half a row; the first row of point 3 and
    // half its second; a torn write filled with NUL bytes.
    let tails: [String; 3] = [
        lines[5][..20].to_owned(),
        format!("{}{}", lines[5], &lines[6][..30]),
        "\0".repeat(64),
    ];
    for (i, tail) in tails.iter().enumerate() {
        let dir = tmp.path().join(format!("torn{i}"));
        interrupted(&dir, "15", &[], "2");
        assert_eq!(line_count(&sweep_csv(&dir)), 5);
        let mut f = OpenOptions::new()
            .append(true)
            .open(sweep_csv(&dir))
            .unwrap();
        f.write_all(tail.as_bytes()).unwrap();
        drop(f);
        let o = resume(&dir, "15", &[]);
        assert!(o.status.success(), "tail {i}: {}", stderr(&o));
        assert!(bytes(&sweep_csv(&dir)) == expected, "tail {i}");
    }
}

#[test]
fn resume_without_earlier_results_starts_afresh() {
    let tmp = tempfile::tempdir().unwrap();
    let expected = clean(&tmp.path().join("clean"), "12", &[]);
    let dir = tmp.path().join("new");
    let o = resume(&dir, "12", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(bytes(&sweep_csv(&dir)), expected);
}

#[test]
fn resume_refuses_another_sweep_and_leaves_its_file_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    interrupted(&dir, "10", &[], "2");
    let before = bytes(&sweep_csv(&dir));
    let cases: [(&str, &[&str], &str); 5] = [
        ("11", &[], "holds a different sweep (the scenario, grid, seed, replications or mode differ; it was started with: "),
        ("10", &["--seed", "99"], "holds a different sweep"),
        ("10", &["--mode", "exact"], "holds a different sweep"),
        ("10", &["--set", "alarms.error_rate.threshold=1,2"], "holds a different sweep"),
        ("10", &["--shard", "1/2"], "it holds the whole grid, not shard 1/2"),
    ];
    for (reps, extra, message) in cases {
        let o = resume(&dir, reps, extra);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(
            err.starts_with(&format!(
                "error: cannot resume the sweep in {}: ",
                dir.display()
            )),
            "{err}"
        );
        assert!(err.contains(message), "{extra:?}: {err}");
        assert!(
            err.trim_end()
                .ends_with("run without --resume to start over, or choose another --out"),
            "{err}"
        );
        assert_eq!(bytes(&sweep_csv(&dir)), before, "{extra:?}");
    }

    // The same sweep, but a finished row was edited.
    let edited = String::from_utf8(before.clone()).unwrap().replacen(
        "healthy,1,1,canary",
        "healthy,9,1,canary",
        1,
    );
    std::fs::write(sweep_csv(&dir), &edited).unwrap();
    let o = resume(&dir, "10", &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "sweep.csv: line 2 starts with `healthy,9,1,canary` where this sweep has \
             `healthy,1,1,canary` (grid point 0); run without --resume to start over"
        ),
        "{}",
        stderr(&o)
    );
    // No run.toml: nothing to check the file against.
    std::fs::remove_file(dir.join("run.toml")).unwrap();
    let o = resume(&dir, "10", &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("it has sweep.csv but no readable run.toml"),
        "{}",
        stderr(&o)
    );
}

/// Waits until `path` holds at least `lines` lines (a child is writing it).
#[cfg(unix)]
fn wait_for_lines(path: &Path, lines: usize, child: &mut std::process::Child) {
    let start = std::time::Instant::now();
    loop {
        let n = std::fs::read(path)
            .map(|b| b.iter().filter(|&&c| c == b'\n').count())
            .unwrap_or(0);
        if n >= lines {
            return;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the sweep ended ({status}) before writing {lines} lines");
        }
        assert!(start.elapsed().as_secs() < 60, "no progress in 60 s");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

#[cfg(unix)]
fn signal(child: &std::process::Child, name: &str) {
    let ok = std::process::Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -{name}");
}

/// A real Ctrl-C (SIGINT) on an exact-mode sweep whose grid points take
/// ~0.1 s each (40 replications at 100 requests/s): the first press stops
/// the sweep after the current point, a second one at once; both exit 130
/// with a valid file that resumes to the clean bytes. SIGTERM (what Slurm
/// and Kubernetes send before killing a task) acts like the first Ctrl-C.
#[cfg(unix)]
#[test]
fn sigint_or_sigterm_stops_the_sweep_cleanly_and_it_resumes() {
    use std::process::{Command, Stdio};
    let slow: &[&str] = &["--mode", "exact", "--set", "traffic.rate_per_s=100"];
    let tmp = tempfile::tempdir().unwrap();
    let expected = clean(&tmp.path().join("clean"), "40", slow);
    for (name, presses) in [("INT", 1), ("INT", 2), ("TERM", 1)] {
        let dir = tmp.path().join(format!("{name}{presses}"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_canarysim"))
            .args(["sweep", super::SWEEP_SCENARIO, "--reps", "40", "--no-plots"])
            .args(slow)
            .args(["--out", dir.to_str().unwrap()])
            .current_dir(crate::support::root())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Header and the first grid point's 2 rows.
        wait_for_lines(&sweep_csv(&dir), 3, &mut child);
        for _ in 0..presses {
            signal(&child, name);
        }
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(130), "SIG{name} × {presses}: {err}");
        assert!(err.contains("--resume"), "{err}");
        if presses == 1 {
            assert!(
                err.contains("stopping after the current grid point"),
                "{err}"
            );
        }
        let (_, rows) = read_csv(&sweep_csv(&dir));
        assert!(
            rows.len() % 2 == 0 && rows.len() >= 2 && rows.len() < 16,
            "SIG{name} × {presses}: whole grid points only, {} rows",
            rows.len()
        );
        let mut args = slow.to_vec();
        args.push("--resume");
        let o = sweep(&dir, "40", &args, &[]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(bytes(&sweep_csv(&dir)) == expected, "SIG{name} × {presses}");
    }
}
