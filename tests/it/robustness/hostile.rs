//! Hostile input, part two (issue 14): inputs chosen to exhaust memory,
//! threads or time, output locations that cannot be folders, special
//! files, closed streams. Each case must exit 2 quickly with a message
//! naming the key or flag and the limit; the resource cases run under a
//! memory limit (`ulimit -v` in `sh -c`), so a regression fails instead of
//! swapping the machine.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::support::{root, stderr};

/// Virtual memory allowed to the binary in the resource tests (KiB): 2 GiB
/// covers the binary, its thread stacks and allocator arenas.
const MEMORY_LIMIT_KB: &str = "2000000";

/// Runs `canarysim ARGS` from the repository root under `ulimit -v`,
/// with `redirect` appended to the shell command (e.g. `2>&-`), killing it
/// after `limit`.
fn limited(args: &[&str], redirect: &str, limit: Duration) -> Output {
    let script = format!("ulimit -v {MEMORY_LIMIT_KB}; exec \"$0\" \"$@\" {redirect}");
    let child = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_canarysim"))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sh runs");
    wait_with_deadline(child, limit, &args.join(" "))
}

fn wait_with_deadline(mut child: std::process::Child, limit: Duration, what: &str) -> Output {
    let start = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("canarysim {what}: still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn assert_refused(o: &Output, what: &str, needles: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{what}: exit code\n{err}");
    assert!(!err.contains("panicked"), "{what}: panic\n{err}");
    for n in needles {
        assert!(err.contains(n), "{what}: {n:?} missing\n{err}");
    }
}

const SECONDS: Duration = Duration::from_secs(20);

#[test]
fn work_and_memory_guards_refuse_under_a_memory_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let out = out.to_str().unwrap();
    for (file, needles) in [
        (
            "tests/bad_scenarios/intermittent_1us.toml",
            &["faults[0].on", "100000"][..],
        ),
        (
            "tests/bad_scenarios/poll_interval_1us.toml",
            &["poll_interval", "at least 1s"][..],
        ),
    ] {
        let o = limited(&["run", file, "--out", out], "", SECONDS);
        assert_refused(&o, file, needles);
    }
    let valid = tmp.path().join("valid.toml");
    std::fs::write(&valid, VALID).unwrap();
    let valid = valid.to_str().unwrap();
    let o = limited(
        &["run", valid, "--threads", "10000", "--out", out],
        "",
        SECONDS,
    );
    assert_refused(&o, "--threads 10000", &["--threads", "<= 256"]);

    // A percentile alarm over an hour at 10^6 requests/s would hold 3.6e9
    // durations per replication: refused (even with --yes).
    let p99 = tmp.path().join("p99.toml");
    std::fs::write(
        &p99,
        "horizon = \"2h\"\n[traffic]\nrate_per_s = 1000000\n\
         [alarms.p99]\nexpression = \"Duration.p99\"\ncomparison = \">\"\nthreshold = 500\n\
         evaluation_periods = 1\nperiod = \"1h\"\n\
         [strategies.canary]\nconfig = \"Canary10Percent5Minutes\"\nalarms = [\"p99\"]\n",
    )
    .unwrap();
    let o = limited(
        &["run", p99.to_str().unwrap(), "--yes", "--out", out],
        "",
        SECONDS,
    );
    assert_refused(&o, "p99 over 1h", &["alarms.p99", "samples", "limit"]);
    assert!(!Path::new(out).exists(), "nothing written");
}

/// One strategy at 10^6 requests/s for a day, exact: days of work.
const HEAVY: &str = "name = \"heavy\"\nhorizon = \"1d\"\nreplications = 1000\n\
    [traffic]\nrate_per_s = 1000000\n\
    [strategies.canary]\nconfig = \"Canary10Percent5Minutes\"\n";

#[test]
fn exact_budget_counts_the_cores_available_not_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("heavy.toml");
    std::fs::write(&file, HEAVY).unwrap();
    let out = tmp.path().join("out");
    let o = limited(
        &[
            "run",
            file.to_str().unwrap(),
            "--mode",
            "exact",
            "--threads",
            "64",
            "--out",
            out.to_str().unwrap(),
        ],
        "",
        SECONDS,
    );
    let cores = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(64);
    let plural = if cores == 1 { "" } else { "s" };
    assert_refused(
        &o,
        "--threads 64",
        &[&format!("per core on {cores} core{plural} ")],
    );
}

const VALID: &str = "horizon = \"6m\"\nreplications = 2\n\n[traffic]\nrate_per_s = 1\n\n[strategies.canary]\nconfig = \"Canary10Percent5Minutes\"\n";

#[test]
fn output_locations_are_checked_before_simulating() {
    let tmp = tempfile::tempdir().unwrap();
    let valid = tmp.path().join("valid.toml");
    std::fs::write(&valid, VALID).unwrap();
    let file = tmp.path().join("a_file");
    std::fs::write(&file, "x").unwrap();
    let under_file = file.join("sub");
    for (out, needle) in [
        ("/dev/null", "exists and is not a folder"),
        (file.to_str().unwrap(), "exists and is not a folder"),
        (under_file.to_str().unwrap(), "is a file, not a folder"),
    ] {
        for command in ["run", "sweep"] {
            let mut args = vec![command, valid.to_str().unwrap(), "--out", out, "--quiet"];
            if command == "sweep" {
                args.extend(["--set", "traffic.rate_per_s=1,2"]);
            }
            let o = limited(&args, "", SECONDS);
            assert_refused(&o, &format!("{command} --out {out}"), &["--out", needle]);
        }
    }
    // A name that cannot be a folder (too long) fails on `name`, before
    // anything is created.
    let long = tmp.path().join("long.toml");
    std::fs::write(&long, format!("name = \"{}\"\n{VALID}", "n".repeat(300))).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_canarysim"))
        .args(["run", long.to_str().unwrap()])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert_refused(&o, "long name", &["name", "longer than 255 bytes"]);
    assert!(!tmp.path().join("out").exists(), "no folder left behind");
}

#[test]
fn special_files_are_refused_without_blocking() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("fifo.toml");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        let o = limited(&["validate", fifo.to_str().unwrap()], "", SECONDS);
        assert_refused(&o, "fifo", &["fifo.toml", "not a regular file"]);
    }
    let o = limited(&["validate", "/dev/zero"], "", SECONDS);
    assert_refused(&o, "/dev/zero", &["/dev/zero", "not a regular file"]);
    let big = tmp.path().join("big.toml");
    let mut text = String::from(VALID);
    text.push_str(&"# padding padding padding padding padding padding padding\n".repeat(160_000));
    std::fs::write(&big, text).unwrap();
    let o = limited(&["validate", big.to_str().unwrap()], "", SECONDS);
    assert_refused(&o, "9 MB file", &["big.toml", "larger than 8 MiB"]);
}

#[test]
fn closed_streams_never_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let valid = tmp.path().join("valid.toml");
    std::fs::write(&valid, VALID).unwrap();
    let bad = "tests/bad_scenarios/nan_rate.toml";
    // Rejections with stderr closed: exit 2, not 101.
    for args in [
        &["run", bad][..],
        &["validate", bad][..],
        &["frobnicate", "x.toml"][..],
        &["run", "--bogus"][..],
    ] {
        let o = limited(args, "2>&-", SECONDS);
        assert_eq!(o.status.code(), Some(2), "{args:?} with stderr closed");
    }
    // Success with stdout closed.
    let o = limited(&["validate", valid.to_str().unwrap()], ">&-", SECONDS);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // stderr a pipe whose reader is gone.
    let mut child = Command::new(env!("CARGO_BIN_EXE_canarysim"))
        .args(["validate", bad])
        .current_dir(root())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    assert_eq!(child.wait().unwrap().code(), Some(2));
}

#[test]
fn an_unknown_subcommand_is_named() {
    let o = limited(&["frobnicate", "x.toml"], "", SECONDS);
    assert_refused(
        &o,
        "frobnicate",
        &["\"frobnicate\" is not a command", "run"],
    );
}

#[test]
fn fast_mode_fallbacks_are_noted_on_stderr() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("cold.toml");
    std::fs::write(
        &file,
        "horizon = \"10m\"\nreplications = 3\n[traffic]\nrate_per_s = 5\n\
         [slo]\nlatency_ms = 300\n\
         [[faults]]\nkind = \"cold_start\"\nrequests = 50\nextra_ms = 500\n\
         [alarms.p99]\nexpression = \"Duration.p99\"\ncomparison = \">\"\nthreshold = 500\n\
         evaluation_periods = 1\n\
         [strategies.canary]\nconfig = \"Canary10Percent5Minutes\"\nalarms = [\"p99\"]\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let o = limited(
        &[
            "run",
            file.to_str().unwrap(),
            "--no-plots",
            "--out",
            out.to_str().unwrap(),
        ],
        "",
        SECONDS,
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("note: fast mode: segments with pending cold-start requests"),
        "{err}"
    );
}

#[test]
fn resume_repairs_an_empty_or_cut_header_and_refuses_damaged_files() {
    use super::{bytes, sweep, sweep_csv};
    let tmp = tempfile::tempdir().unwrap();
    let reference = tmp.path().join("reference");
    let o = sweep(&reference, "3", &[], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let full = bytes(&sweep_csv(&reference));
    let header_len = full.iter().position(|b| *b == b'\n').unwrap() + 1;

    for (case, keep) in [("empty", 0), ("cut_header", header_len / 2)] {
        let dir = tmp.path().join(case);
        let o = sweep(&dir, "3", &[], &[("CANARYSIM_STOP_AFTER_POINTS", "2")]);
        assert_eq!(o.status.code(), Some(130), "{case}: {}", stderr(&o));
        let csv = sweep_csv(&dir);
        std::fs::write(&csv, &full[..keep]).unwrap();
        let o = sweep(&dir, "3", &["--resume"], &[]);
        assert_eq!(o.status.code(), Some(0), "{case}: {}", stderr(&o));
        assert_eq!(bytes(&csv), full, "{case}: resumed sweep.csv differs");
    }

    let dir = tmp.path().join("folder");
    let o = sweep(&dir, "3", &[], &[("CANARYSIM_STOP_AFTER_POINTS", "1")]);
    assert_eq!(o.status.code(), Some(130));
    std::fs::remove_file(sweep_csv(&dir)).unwrap();
    std::fs::create_dir(sweep_csv(&dir)).unwrap();
    let o = sweep(&dir, "3", &["--resume"], &[]);
    assert_refused(&o, "sweep.csv a folder", &["cannot resume", "sweep.csv"]);

    let dir = tmp.path().join("garbage");
    let o = sweep(&dir, "3", &[], &[("CANARYSIM_STOP_AFTER_POINTS", "1")]);
    assert_eq!(o.status.code(), Some(130));
    std::fs::write(sweep_csv(&dir), b"\xff\xfe garbage\n\x00\x01,2,3\nmore\n").unwrap();
    let o = sweep(&dir, "3", &["--resume"], &[]);
    assert_refused(&o, "garbage sweep.csv", &["cannot resume", "sweep.csv"]);
}

#[test]
fn plots_are_bounded_by_the_number_of_strategy_rows() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from(
        "horizon = \"10m\"\nreplications = 2\n[traffic]\nrate_per_s = 1\n\
         [alarms.e]\nmetric = \"Errors\"\ncomparison = \">\"\nthreshold = 0\n",
    );
    for i in 0..41 {
        text.push_str(&format!("[strategies.s{i:02}]\nconfig = \"AllAtOnce\"\n"));
    }
    let file = dir.path().join("many.toml");
    std::fs::write(&file, text).unwrap();
    let out = dir.path().join("out");
    let (file, out) = (file.to_str().unwrap(), out.to_str().unwrap());
    let o = limited(&[file, "--out", out], "", Duration::from_secs(60));
    assert_refused(&o, "41 strategies", &["strategies", "--no-plots", "40"]);
    assert!(
        !Path::new(out).exists(),
        "refused before anything is written"
    );
    let o = limited(
        &[file, "--out", out, "--no-plots", "-q"],
        "",
        Duration::from_secs(60),
    );
    assert!(o.status.success(), "{}", stderr(&o));
}
