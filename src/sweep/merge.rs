//! `canarysim merge`: combine the output folders of the N shards of one
//! sweep (`canarysim sweep --shard K/N`) into the `sweep.csv` that a single
//! run of the whole grid writes, byte for byte, plus its `alarms.csv`,
//! `run.toml` and plots.
//!
//! Checks, each an exit-2 error naming the folder: every folder is a shard
//! (its `run.toml` records `shard = "K/N"`); all have the same fingerprint
//! (same scenario, grid, seed, replications, mode and canarysim version)
//! and the same N; every K from 1 to N is given exactly once; every shard
//! is complete, and its rows are the grid points it owns, with the labels
//! the scenario gives. The rows are then written in grid order without the
//! `grid_point` column.

use std::path::{Path, PathBuf};

use crate::report::{AtomicFileSet, Metadata, RUN_TOML};
use crate::run::{Error, Overrides};

use super::journal::{self, GRID_POINT_COLUMN};
use super::{
    default_out_dir, load, render_plots, resume_command, write_alarms_csv, Shard, SweepPlan,
    SweepPlots, ALARMS_CSV, SWEEP_CSV,
};

/// What a merge produced.
#[derive(Debug, Clone)]
pub struct MergeOutput {
    /// The sweep, as recorded by the shards.
    pub plan: SweepPlan,
    pub shards: usize,
    pub out_dir: PathBuf,
    pub files: Vec<PathBuf>,
}

/// One shard folder and what its `run.toml` says.
struct ShardDir<'a> {
    dir: &'a Path,
    meta: Metadata,
    shard: Shard,
    fingerprint: String,
}

/// Merges the shard folders `dirs` (any order) into `out` (default:
/// `out/<scenario name>-sweep/`), then draws the plots unless `plots` is
/// [`SweepPlots::None`]. `command` is recorded in the merged `run.toml`.
pub fn merge(
    dirs: &[PathBuf],
    out: Option<&Path>,
    plots: SweepPlots,
    command: &[String],
) -> Result<MergeOutput, Error> {
    let usage = |m: String| Error::Usage(m);
    if dirs.is_empty() {
        return Err(usage(
            "give the output folders of every shard of the sweep".into(),
        ));
    }
    let shards = dirs
        .iter()
        .map(|d| read_shard(d))
        .collect::<Result<Vec<_>, _>>()?;
    let first = &shards[0];
    let n = first.shard.count;
    let mut by_index: Vec<Option<&ShardDir>> = vec![None; n];
    for s in &shards {
        if s.fingerprint != first.fingerprint {
            return Err(usage(format!(
                "{} is a shard of a different sweep than {} (the scenario, grid, seed, \
                 replications, mode or canarysim version differ; they were started with `{}` \
                 and `{}`)",
                s.dir.display(),
                first.dir.display(),
                s.meta.command_line(),
                first.meta.command_line()
            )));
        }
        if s.shard.count != n {
            return Err(usage(format!(
                "{} is shard {} but {} is shard {}: every shard must come from the same split \
                 into {n}",
                s.dir.display(),
                s.shard,
                first.dir.display(),
                first.shard
            )));
        }
        let slot = &mut by_index[s.shard.index - 1];
        if let Some(other) = slot {
            return Err(usage(format!(
                "shard {} is given twice: {} and {}",
                s.shard,
                other.dir.display(),
                s.dir.display()
            )));
        }
        *slot = Some(s);
    }
    let missing: Vec<String> = by_index
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_none())
        .map(|(k, _)| format!("{}/{n}", k + 1))
        .collect();
    if !missing.is_empty() {
        return Err(usage(format!(
            "missing shard{} {}: merge needs all {n} shards of the sweep",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", ")
        )));
    }

    // The sweep itself, from the first shard's record.
    let record = first.dir.join(RUN_TOML);
    let plan = load(&record, &[], &Overrides::default())?;
    let version = first.meta.version.clone().unwrap_or_default();
    if plan.fingerprint(&version)? != first.fingerprint
        || first.meta.grid_points != Some(plan.points.len())
    {
        return Err(usage(format!(
            "{} does not match its recorded fingerprint (was it edited?); rerun the shard",
            record.display()
        )));
    }
    let total = plan.points.len();
    let out_dir = out.map_or_else(|| default_out_dir(&plan.base, None), Path::to_path_buf);
    for s in &shards {
        if same_dir(&out_dir, s.dir) {
            return Err(usage(format!(
                "--out {} is one of the shard folders; merge into another folder",
                out_dir.display()
            )));
        }
    }

    let mut rows: Vec<Option<Vec<Vec<String>>>> = vec![None; total];
    let header = journal::header(&plan.key_columns(), true);
    for s in by_index.into_iter().flatten() {
        let points = s.shard.points(total);
        let expected: Vec<_> = points.iter().map(|&i| plan.expected_point(i)).collect();
        let path = s.dir.join(SWEEP_CSV);
        let bytes = std::fs::read(&path).map_err(|e| {
            usage(format!(
                "{}: cannot read the shard's results: {e}",
                path.display()
            ))
        })?;
        let scan = journal::scan(&bytes, &header, &expected, true)
            .map_err(|m| usage(format!("{}: {m}", path.display())))?;
        if scan.points.len() < points.len() {
            return Err(usage(format!(
                "{}: shard {} is incomplete ({} of its {} grid points); finish it with: {}",
                s.dir.display(),
                s.shard,
                scan.points.len(),
                points.len(),
                resume_command(&s.meta.command)
            )));
        }
        for (&index, point_rows) in points.iter().zip(scan.points) {
            rows[index] = Some(point_rows);
        }
    }
    let header = journal::header(&plan.key_columns(), false);
    let records = std::iter::once(header).chain(rows.into_iter().flatten().flatten());
    let csv = journal::encode(records)
        .map_err(|e| Error::Internal(format!("formatting sweep.csv: {e}")))?;
    let run_toml = plan.run_toml(&version, command, None, None)?;
    let mut set = AtomicFileSet::replace(&out_dir)?;
    set.write_bytes(SWEEP_CSV, &csv)?;
    set.write_with(ALARMS_CSV, |w| write_alarms_csv(w, &plan.base, &[]))?;
    set.write_bytes(RUN_TOML, run_toml.as_bytes())?;
    let mut files = set.commit()?;
    files.extend(render_plots(&out_dir, plots)?);
    Ok(MergeOutput {
        plan,
        shards: n,
        out_dir,
        files,
    })
}

/// Reads a shard folder's `run.toml`.
fn read_shard(dir: &Path) -> Result<ShardDir<'_>, Error> {
    let path = dir.join(RUN_TOML);
    let not_a_shard = |why: String| {
        Error::Usage(format!(
            "{}: {why}; merge takes the output folders of `canarysim sweep --shard K/N`",
            dir.display()
        ))
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| not_a_shard(format!("cannot read {RUN_TOML}: {e}")))?;
    let meta = Metadata::from_text(&text)
        .map_err(|m| not_a_shard(format!("{RUN_TOML}: {m}")))?
        .unwrap_or_default();
    let Some(fingerprint) = meta.fingerprint.clone() else {
        return Err(not_a_shard(format!("{RUN_TOML} does not record a sweep")));
    };
    let Some(shard) = &meta.shard else {
        return Err(not_a_shard(format!(
            "it holds a whole sweep, not a shard (its {SWEEP_CSV} has no {GRID_POINT_COLUMN} \
             column)"
        )));
    };
    let shard = Shard::parse(shard)
        .map_err(|m| not_a_shard(format!("{RUN_TOML}: canarysim.shard: {m}")))?;
    Ok(ShardDir {
        dir,
        meta,
        shard,
        fingerprint,
    })
}

/// Whether two paths name the same folder (an absent folder is compared
/// by its path).
fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}
