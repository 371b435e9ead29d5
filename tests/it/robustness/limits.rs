//! Resource guards: an exact-mode run estimated to take more than an hour
//! and a grid above `--max-points` are refused (exit 2) before anything is
//! written, with a message that says what to do.

use super::{canarysim_in, sweep, sweep_csv};
use crate::support::{root, stderr};

/// One strategy at 10^6 requests/s for a day: 8.6e10 requests per
/// replication, so 1,000 exact replications take ~1,200 core-hours at 20 M
/// requests/s per core: over the limit on any machine up to 1,000 cores.
const HEAVY: &str = "name = \"heavy\"\nhorizon = \"1d\"\nreplications = 1000\n\
    [traffic]\nrate_per_s = 1000000\n\
    [alarms.errors]\nexpression = \"errors / invocations * 100\"\ncomparison = \">=\"\n\
    threshold = 5\nevaluation_periods = 2\n\
    [strategies.canary]\nconfig = \"Canary10Percent5Minutes\"\n";

#[test]
fn exact_mode_refuses_a_run_estimated_to_take_hours() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("heavy.toml");
    std::fs::write(&file, HEAVY).unwrap();
    let out = tmp.path().join("out");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "run",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        canarysim_in(&root(), &args, &[])
    };
    let o = run(&["--mode", "exact", "--threads", "2"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.starts_with(
            // 8.6e13 over the horizon plus the alarms' default warm-up.
            "error: exact mode would simulate about 8.7e13 requests for this run, about 25 days \
             at 20 M requests/s per core on 2 cores (the limit without --yes is 1 h); use --mode \
             fast (its cost does not grow with the request rate) or fewer --reps (at most 1 fit \
             in the limit), or add --yes to run it anyway"
        ),
        "{err}"
    );
    assert!(!out.exists(), "nothing written");
    // The same for a sweep (every grid point counts), before anything runs.
    let o = canarysim_in(
        &root(),
        [
            "sweep",
            file.to_str().unwrap(),
            "--mode",
            "exact",
            "--set",
            "alarms.errors.threshold=1,5",
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).starts_with(
            "error: exact mode would simulate about 1.7e14 requests for the 2 grid points of \
             this sweep"
        ),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists(), "nothing written");
    // Fast mode (the default) costs nothing per request: no guard.
    let o = run(&["--reps", "3", "--quiet", "--no-plots"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.join("runs.csv").is_file());
}

#[test]
fn a_grid_above_max_points_needs_yes() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = sweep(&out, "5", &["--max-points", "7"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        stderr(&o),
        "error: the 8 grid points of this sweep are more than --max-points 7 allows; add --yes \
         to run them all, raise --max-points, sweep fewer values, or spread the grid over \
         machines with --shard K/N\n"
    );
    assert!(!out.exists(), "nothing written");
    let o = sweep(&out, "5", &["--max-points", "7", "--yes"], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(sweep_csv(&out).is_file());
    // A shard counts its own points.
    let o = sweep(&out, "5", &["--max-points", "3", "--shard", "1/2"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).starts_with("error: the 4 grid points of shard 1/2 are more than"),
        "{}",
        stderr(&o)
    );
    let o = sweep(&out, "5", &["--max-points", "3", "--shard", "1/3"], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    // The default limit is 1,000 points: 1,024 need --yes.
    let o = sweep(
        &tmp.path().join("big"),
        "5",
        &["--set", "traffic.rate_per_s=1..128:1"],
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).starts_with(
            "error: the 1024 grid points of this sweep are more than --max-points 1000 allows"
        ),
        "{}",
        stderr(&o)
    );
    assert!(!tmp.path().join("big").exists());
}
