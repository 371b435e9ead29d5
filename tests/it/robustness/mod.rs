//! Robustness of the binary's outputs: resource limits, interrupted and
//! resumed sweeps, sharded sweeps and their merge, and the `run.toml`
//! reproducibility record of every output folder.

mod hostile;
mod limits;
mod resume;
mod run_record;
mod shards;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::root;

/// The shipped scenario with an 8-point `[sweep]` table (2 strategies).
pub const SWEEP_SCENARIO: &str = "scenarios/threshold_1_vs_5.toml";

/// Runs `canarysim` in `cwd` with `args` and the extra environment `env`.
pub fn canarysim_in<I, S>(cwd: &Path, args: I, env: &[(&str, &str)]) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_canarysim"));
    cmd.args(args).current_dir(cwd);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the canarysim binary runs")
}

/// `canarysim sweep SWEEP_SCENARIO --reps REPS --quiet --no-plots --out OUT
/// EXTRA...` from the repository root, with `env`.
pub fn sweep(out: &Path, reps: &str, extra: &[&str], env: &[(&str, &str)]) -> Output {
    let mut args = vec![
        "sweep",
        SWEEP_SCENARIO,
        "--reps",
        reps,
        "--quiet",
        "--no-plots",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    canarysim_in(&root(), &args, env)
}

/// The file's bytes, with the path in the panic message.
pub fn bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The sweep.csv of `dir`.
pub fn sweep_csv(dir: &Path) -> PathBuf {
    dir.join("sweep.csv")
}

/// Lines of a text file.
pub fn line_count(path: &Path) -> usize {
    String::from_utf8(bytes(path)).unwrap().lines().count()
}
