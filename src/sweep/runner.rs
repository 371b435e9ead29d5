//! Running a planned sweep: the grid points of the slice in order, each
//! simulated on the worker threads, summarized and appended to `sweep.csv`
//! ([`journal`]) as soon as it is finished, then the plots. What a sweep
//! writes besides `sweep.csv` (`run.toml`, `alarms.csv`) is committed
//! atomically before the first point runs.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::model::Scenario;
use crate::montecarlo::run_all_with_progress;
use crate::report::run_toml::VERSION;
use crate::report::{self, AtomicFileSet, Summary, RUN_TOML, SUMMARY_COLUMNS};
use crate::run::{thread_pool, worker_count, Error};

use super::alarms_csv::write_alarms_csv;
use super::plan::{check_limits, DEFAULT_MAX_POINTS};
use super::stop::unless_stopped_now;
use super::{journal, resume, Shard, StopSignal, SweepPlan, SweepProgress, ALARMS_CSV, SWEEP_CSV};

/// The summaries of one grid point, one per strategy.
#[derive(Debug, Clone, PartialEq)]
pub struct PointResult {
    /// 0-based grid index.
    pub index: usize,
    /// Axis values as written in `sweep.csv`.
    pub values: Vec<String>,
    pub summaries: Vec<Summary>,
}

/// Runs every grid point in order on `threads` workers (None = all cores);
/// `progress` is told about each grid point and each finished replication.
/// Writes nothing; see [`run_and_write`].
pub fn run_grid(
    plan: &SweepPlan,
    threads: Option<usize>,
    progress: &SweepProgress,
) -> Result<Vec<PointResult>, Error> {
    let pool = thread_pool(threads)?.map(Arc::new);
    let mut results = Vec::new();
    for index in 0..plan.points.len() {
        // Without a stop signal every point runs to its end.
        results.extend(run_point(plan, index, pool.as_ref(), progress, None)?);
    }
    progress.finish();
    Ok(results)
}

/// Simulates grid point `index` and summarizes it; `None` when `stop`
/// asks to stop at once before the point is finished.
fn run_point(
    plan: &SweepPlan,
    index: usize,
    pool: Option<&Arc<rayon::ThreadPool>>,
    progress: &SweepProgress,
    stop: Option<&StopSignal>,
) -> Result<Option<PointResult>, Error> {
    progress.start_point(index, plan.points.len(), &plan.short_point(index));
    let sc = plan.points[index].clone();
    let (pool, ticks) = (pool.cloned(), progress.clone());
    let simulated = unless_stopped_now(stop, move || {
        let tick = || ticks.replication_done();
        let runs = match pool {
            None => run_all_with_progress(&sc, &tick),
            Some(pool) => pool.install(|| run_all_with_progress(&sc, &tick)),
        };
        (runs.fallbacks, report::summarize(&runs.runs))
    })?;
    let Some((fallbacks, summaries)) = simulated else {
        return Ok(None);
    };
    progress.note_fallbacks(fallbacks);
    Ok(Some(PointResult {
        index,
        values: plan.point_values(index),
        summaries,
    }))
}

/// Writes `sweep.csv` in one go: the key columns, then exactly
/// [`SUMMARY_COLUMNS`], formatted as in `summary.csv`. [`run_and_write`]
/// writes the same bytes incrementally (header, then each point's rows).
pub fn write_sweep_csv<W: Write>(
    out: W,
    key_columns: &[String],
    results: &[PointResult],
) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let header: Vec<&str> = key_columns
        .iter()
        .map(String::as_str)
        .chain(SUMMARY_COLUMNS)
        .collect();
    w.write_record(&header)?;
    for point in results {
        for s in &point.summaries {
            let record: Vec<String> = point
                .values
                .iter()
                .cloned()
                .chain(report::summary_record(s))
                .collect();
            w.write_record(&record)?;
        }
    }
    w.flush()
}

/// Plot output of a sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SweepPlots {
    None,
    Svg,
    Png,
}

/// How [`run_and_write`] runs a sweep.
#[derive(Debug, Clone)]
pub struct SweepOptions<'a> {
    /// Worker threads (None = all cores).
    pub threads: Option<usize>,
    pub plots: SweepPlots,
    /// Run only this slice of the grid.
    pub shard: Option<Shard>,
    /// Continue the sweep in the output folder (fresh start if it has no
    /// `sweep.csv`).
    pub resume: bool,
    /// Run even above `max_points` or the exact-mode time budget.
    pub yes: bool,
    /// Most grid points run without `yes`.
    pub max_points: usize,
    /// The command line (argv), recorded in `run.toml` and used for the
    /// resume hint.
    pub command: &'a [String],
    /// Checked before each grid point: when set, the sweep stops.
    pub stop: Option<&'a StopSignal>,
    /// Test hook: stop as if interrupted once this many grid points have
    /// run in this call (the binary reads `CANARYSIM_STOP_AFTER_POINTS`).
    pub stop_after_points: Option<usize>,
}

impl Default for SweepOptions<'_> {
    fn default() -> Self {
        SweepOptions {
            threads: None,
            plots: SweepPlots::None,
            shard: None,
            resume: false,
            yes: false,
            max_points: DEFAULT_MAX_POINTS,
            command: &[],
            stop: None,
            stop_after_points: None,
        }
    }
}

/// What a finished sweep produced.
#[derive(Debug, Clone)]
pub struct SweepOutput {
    /// The grid points run by this call, in grid order.
    pub results: Vec<PointResult>,
    /// Grid points that `--resume` found already finished.
    pub resumed_points: usize,
    /// Grid points of this sweep (of its shard).
    pub slice_points: usize,
    pub out_dir: PathBuf,
    pub files: Vec<PathBuf>,
}

/// The default output folder: `out/<scenario name>-sweep/`, and for a
/// shard `out/<scenario name>-sweep/shard-K-of-N/`. Never the folder of
/// `canarysim run` (`out/<scenario name>/`), so a sweep never overwrites a
/// run's `run.toml` or files, nor the other way round.
pub fn default_out_dir(base: &Scenario, shard: Option<Shard>) -> PathBuf {
    let dir = Path::new("out").join(format!("{}-sweep", base.name));
    match shard {
        None => dir,
        Some(s) => dir.join(s.dir_name()),
    }
}

/// Runs the sweep (or its shard) into `out_dir`:
///
/// 1. checks the limits ([`check_limits`]);
/// 2. fresh start: writes `run.toml`, `alarms.csv` and a header-only
///    `sweep.csv` atomically (removing the plots of an earlier sweep there);
///    `--resume` with a `sweep.csv` present: checks it belongs to this sweep
///    and finds its finished points instead;
/// 3. runs the missing grid points in order, appending each one's rows to
///    `sweep.csv` and syncing them; a stop request ends the sweep before
///    the next point with [`Error::Interrupted`], a second one at once
///    (without waiting for the current point or the plots) with
///    [`Error::InterruptedNow`];
/// 4. draws the trade-off and sweep plots unless `plots` is
///    [`SweepPlots::None`] or this is a shard (`canarysim merge` draws
///    them).
pub fn run_and_write(
    plan: &SweepPlan,
    out_dir: &Path,
    opts: &SweepOptions,
    progress: &SweepProgress,
) -> Result<SweepOutput, Error> {
    let total = plan.points.len();
    let slice: Vec<usize> = match opts.shard {
        None => (0..total).collect(),
        Some(s) => s.points(total),
    };
    check_limits(plan, &slice, opts)?;
    let indexed = opts.shard.is_some();
    let header = journal::header(&plan.key_columns(), indexed);
    let csv_path = out_dir.join(SWEEP_CSV);
    let mut files = Vec::new();
    let (resumed_points, valid_len) = if opts.resume && csv_path.exists() {
        let resumed = resume::find_finished(plan, out_dir, &slice, &header, opts.shard)?;
        (resumed.points, resumed.valid_len)
    } else {
        remove_sweep_plots(out_dir);
        let run_toml = plan.run_toml(
            VERSION,
            opts.command,
            Some(worker_count(opts.threads)),
            opts.shard,
        )?;
        let mut set = AtomicFileSet::replace(out_dir)?;
        set.write_bytes(RUN_TOML, run_toml.as_bytes())?;
        set.write_with(ALARMS_CSV, |w| write_alarms_csv(w, &plan.base, &[]))?;
        set.write_bytes(
            SWEEP_CSV,
            &journal::encode_rows(std::iter::once(header.clone()))?,
        )?;
        files = set.commit()?;
        (0, None)
    };
    if !files.contains(&csv_path) {
        files.push(csv_path.clone());
    }
    let mut journal = journal::Journal::open(&csv_path, valid_len)?;
    // Clears the progress bar however the loop ends (error or interruption).
    let bar = ClearOnDrop(progress);
    let pool = thread_pool(opts.threads)?.map(Arc::new);
    let todo = &slice[resumed_points..];
    progress.set_total(plan.replications_of(todo.iter().copied()));
    let mut results = Vec::new();
    let mut interrupted = false;
    for &index in todo {
        let hook = opts.stop_after_points == Some(results.len());
        if hook || opts.stop.is_some_and(StopSignal::requested) {
            interrupted = true;
            break;
        }
        let Some(result) = run_point(plan, index, pool.as_ref(), progress, opts.stop)? else {
            return Err(stopped_at_once(&csv_path, opts.command));
        };
        let labels: Vec<&str> = result
            .summaries
            .iter()
            .map(|s| s.strategy.as_str())
            .collect();
        let expected = journal::expected_labels(&plan.points[index]);
        if labels != expected {
            return Err(Error::Internal(format!(
                "grid point {index} produced rows for {labels:?}, expected {expected:?}"
            )));
        }
        let rows = journal::point_rows(indexed.then_some(index), &result.values, &result.summaries);
        journal.append(&journal::encode_rows(rows)?)?;
        results.push(result);
    }
    drop(bar);
    let finished = resumed_points + results.len();
    if interrupted {
        if opts.stop.is_some_and(StopSignal::now) {
            return Err(stopped_at_once(&csv_path, opts.command));
        }
        let shard = opts
            .shard
            .map(|s| format!(" of shard {s}"))
            .unwrap_or_default();
        return Err(Error::Interrupted(format!(
            "interrupted after {finished} of {} grid points{shard}: {} holds the finished points \
             and is valid CSV; continue with: {}",
            slice.len(),
            csv_path.display(),
            resume::resume_command(opts.command)
        )));
    }
    if !indexed {
        let (dir, plots) = (out_dir.to_path_buf(), opts.plots);
        match unless_stopped_now(opts.stop, move || render_plots(&dir, plots))? {
            Some(plotted) => files.extend(plotted?),
            None => return Err(stopped_at_once(&csv_path, opts.command)),
        }
    }
    Ok(SweepOutput {
        results,
        resumed_points,
        slice_points: slice.len(),
        out_dir: out_dir.to_path_buf(),
        files,
    })
}

/// The error of a sweep stopped at once by a second stop request: where
/// its finished points are and how to resume.
fn stopped_at_once(csv_path: &Path, command: &[String]) -> Error {
    Error::InterruptedNow(format!(
        "interrupted: {} holds the finished grid points and is valid CSV; continue with: {}",
        csv_path.display(),
        resume::resume_command(command)
    ))
}

/// Clears a progress bar when dropped.
struct ClearOnDrop<'a>(&'a SweepProgress);

impl Drop for ClearOnDrop<'_> {
    fn drop(&mut self) {
        self.0.finish();
    }
}

/// Removes the trade-off and sweep plots of an earlier sweep in `dir`, so
/// that a new sweep's folder never shows plots of other results; they are
/// drawn again when the sweep finishes.
fn remove_sweep_plots(dir: &Path) {
    use crate::plot::{PlotFormat, PlotKind};
    for kind in [PlotKind::Tradeoff, PlotKind::Sweep] {
        for format in [PlotFormat::Svg, PlotFormat::Png] {
            let _ =
                std::fs::remove_file(dir.join(format!("{}.{}", kind.name(), format.extension())));
        }
    }
}

/// Draws the trade-off and sweep charts from the `sweep.csv` in `dir`.
pub(crate) fn render_plots(dir: &Path, plots: SweepPlots) -> Result<Vec<PathBuf>, Error> {
    use crate::plot::{plot_dir, PlotError, PlotFormat, PlotKind, PlotOptions};
    let format = match plots {
        SweepPlots::None => return Ok(Vec::new()),
        SweepPlots::Svg => PlotFormat::Svg,
        SweepPlots::Png => PlotFormat::Png,
    };
    let opts = PlotOptions {
        format,
        kinds: vec![PlotKind::Tradeoff, PlotKind::Sweep],
        ..PlotOptions::default()
    };
    plot_dir(dir, &opts).map_err(|e| match e {
        PlotError::Write(e) => Error::Report(e),
        other => Error::Internal(format!("plotting the sweep: {other}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::fixtures::plan_of;

    #[test]
    fn sweep_csv_has_key_columns_then_summary_columns() {
        let plan = plan_of(&["candidate=faulty"]).unwrap();
        let results = run_grid(&plan, Some(1), &SweepProgress::hidden()).unwrap();
        let mut buf = Vec::new();
        write_sweep_csv(&mut buf, &plan.key_columns(), &results).unwrap();
        let text = String::from_utf8(buf).unwrap();
        let mut lines = text.lines();
        assert_eq!(
            lines.next().unwrap(),
            format!(
                "alarms.error_rate.threshold,candidate,{}",
                SUMMARY_COLUMNS.join(",")
            )
        );
        assert!(lines.next().unwrap().starts_with("1,faulty,canary,4,true,"));
        assert!(lines.next().unwrap().starts_with("5,faulty,canary,4,true,"));
        assert!(lines.next().is_none());
        let mut buf = Vec::new();
        write_alarms_csv(&mut buf, &plan.base, &[]).unwrap();
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "name,threshold,comparison,unit,in_alarm_at_start_pct\nerror_rate,5,>=,%,\n"
        );
        // The incremental file (header, then each point's rows) has the
        // same bytes as the file written in one go.
        let mut incremental =
            journal::encode_rows([journal::header(&plan.key_columns(), false)]).unwrap();
        for r in &results {
            incremental.extend(
                journal::encode_rows(journal::point_rows(None, &r.values, &r.summaries)).unwrap(),
            );
        }
        assert_eq!(String::from_utf8(incremental).unwrap(), text);
    }
}
