//! `--resume`: continue a sweep in its output folder. The folder's
//! `run.toml` must record this sweep (same fingerprint, same shard), its
//! `sweep.csv` must hold a prefix of this grid's points ([`journal::scan`]),
//! and a partial trailing write is cut off, so the finished file is
//! byte-identical to an uninterrupted run's.

use std::path::Path;

use crate::report::run_toml::{shell_join, VERSION};
use crate::report::{AtomicFileSet, Metadata, RUN_TOML};
use crate::run::Error;

use super::{journal, Shard, SweepPlan, SWEEP_CSV};

/// Where a resumed sweep continues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Resumed {
    /// Points of the slice already in `sweep.csv`.
    pub points: usize,
    /// Length to cut `sweep.csv` to before appending (a partial trailing
    /// write); `None` when the file needs no cut.
    pub valid_len: Option<u64>,
}

/// For `--resume` with a `sweep.csv` in `out_dir`: checks that the folder
/// holds this sweep ([`check_resumable`]) and finds the finished points of
/// `slice` in its `sweep.csv` (whose header must be `header`). A file
/// empty or cut inside its header gets a fresh header.
pub(super) fn find_finished(
    plan: &SweepPlan,
    out_dir: &Path,
    slice: &[usize],
    header: &[String],
    shard: Option<Shard>,
) -> Result<Resumed, Error> {
    let indexed = shard.is_some();
    let csv_path = out_dir.join(SWEEP_CSV);
    let expected: Vec<_> = slice.iter().map(|&i| plan.expected_point(i)).collect();
    check_resumable(plan, out_dir, shard)?;
    let bytes = std::fs::read(&csv_path).map_err(|e| {
        Error::Usage(format!(
            "cannot resume from {}: cannot read it ({e}); run without --resume to start over",
            csv_path.display()
        ))
    })?;
    let scan = journal::scan(&bytes, header, &expected, indexed).map_err(|m| {
        Error::Usage(format!(
            "cannot resume from {}: {m}; run without --resume to start over",
            csv_path.display()
        ))
    })?;
    if scan.valid_len == 0 {
        // Empty, or cut inside its header: a fresh header, and nothing
        // to truncate (truncating to 0 would drop the header again).
        let mut set = AtomicFileSet::new(out_dir)?;
        set.write_bytes(SWEEP_CSV, &journal::encode_rows(std::iter::once(header))?)?;
        set.commit()?;
        Ok(Resumed {
            points: 0,
            valid_len: None,
        })
    } else {
        Ok(Resumed {
            points: scan.points.len(),
            valid_len: Some(scan.valid_len),
        })
    }
}

/// The command line that resumes the sweep started by `command`: the same
/// arguments plus `--resume`.
pub fn resume_command(command: &[String]) -> String {
    let mut args = command.to_vec();
    if !args.iter().any(|a| a == "--resume") {
        args.push("--resume".to_owned());
    }
    shell_join(&args)
}

/// Checks that the `run.toml` in `dir` records this sweep (same
/// fingerprint) and the same shard, for `--resume`.
fn check_resumable(plan: &SweepPlan, dir: &Path, shard: Option<Shard>) -> Result<(), Error> {
    let path = dir.join(RUN_TOML);
    let refuse = |why: String| {
        Error::Usage(format!(
            "cannot resume the sweep in {}: {why}; run without --resume to start over, or \
             choose another --out",
            dir.display()
        ))
    };
    let text = std::fs::read_to_string(&path).map_err(|_| {
        refuse(format!(
            "it has {SWEEP_CSV} but no readable {RUN_TOML} to check it against"
        ))
    })?;
    let meta = Metadata::from_text(&text)
        .map_err(|m| refuse(format!("{}: {m}", path.display())))?
        .unwrap_or_default();
    let Some(recorded) = &meta.fingerprint else {
        return Err(refuse(format!(
            "{} does not record a sweep",
            path.display()
        )));
    };
    let version = meta.version.as_deref().unwrap_or("?");
    if *recorded != plan.fingerprint(version)? || version != VERSION {
        let why = if version == VERSION {
            "the scenario, grid, seed, replications or mode differ".to_owned()
        } else {
            format!("it was written by canarysim {version}, this is {VERSION}")
        };
        return Err(refuse(format!(
            "it holds a different sweep ({why}; it was started with: {})",
            meta.command_line()
        )));
    }
    let current = shard.map(|s| s.to_string());
    if meta.shard != current {
        let name = |s: &Option<String>| {
            s.as_ref()
                .map_or("the whole grid".to_owned(), |s| format!("shard {s}"))
        };
        return Err(refuse(format!(
            "it holds {}, not {}",
            name(&meta.shard),
            name(&current)
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resume_command_appends_resume_once() {
        let args = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            resume_command(&args(&[
                "canarysim",
                "sweep",
                "my file.toml",
                "--set",
                "a=1,2"
            ])),
            "canarysim sweep 'my file.toml' --set a=1,2 --resume"
        );
        assert_eq!(
            resume_command(&args(&["canarysim", "sweep", "s.toml", "--resume"])),
            "canarysim sweep s.toml --resume"
        );
    }
}
