//! Parameter sweeps: run every strategy of a scenario over the cartesian
//! product of values of any scenario keys, and write one `sweep.csv` row per
//! (grid point, strategy).
//!
//! ```text
//!  scenario.toml ─► toml::Value ─► [sweep] table removed ─► base (validated)
//!  --set KEY=...  ─┐                       │
//!  [sweep] table  ─┴─► axes (typed against the base document)
//!                          │ for each grid point: set values by key path,
//!                          ▼ `scenario::from_value` validates the result
//!                   Vec<Scenario>  ─► limits checked (--max-points, exact budget)
//!                          ▼
//!   run.toml + alarms.csv + sweep.csv (header) ─ committed atomically
//!                          ▼ for each grid point (of this --shard), in order:
//!                   simulate (rayon) ─► summarize ─► append rows + fsync
//!                          ▼
//!                   tradeoff / sweep plots (not for a shard)
//! ```
//!
//! Determinism and common random numbers: every grid point keeps the
//! scenario's seed, so replication r of strategy s draws from the same
//! random streams at every grid point (differences between points are not
//! sampling noise), and one grid point run alone with `canarysim run` on its
//! resolved scenario gives exactly the same results. Grid points run in
//! order and results are collected by index, so `sweep.csv` does not depend
//! on the thread count.
//!
//! Interruption and resumption: `sweep.csv` is appended per finished grid
//! point ([`journal`]), so it is valid CSV whenever the sweep stops. A stop
//! request ([`StopSignal`], set by Ctrl-C) ends the sweep before its next
//! point with [`Error::Interrupted`] (exit 130). `--resume` checks that the
//! folder's `run.toml` has this sweep's fingerprint, that `sweep.csv`'s
//! finished points are this grid's, cuts a partial trailing write, and runs
//! only the missing points: the file ends byte-identical to an
//! uninterrupted run's. Sharding ([`Shard`]) and [`merge`] build on the same
//! file format.

pub mod grid;
pub mod journal;
mod merge;
mod progress;
mod shard;

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use toml::Value;

use crate::model::Scenario;
use crate::montecarlo::run_all_with_progress;
use crate::report::run_toml::{self, shell_join, SweepFacts, VERSION};
use crate::report::{self, AtomicFileSet, Metadata, RunToml, Summary, RUN_TOML, SUMMARY_COLUMNS};
use crate::run::{
    apply_overrides, check_exact_budget, document_from_text, read_document, resolved_document,
    thread_pool, worker_count, Error, Overrides, ScenarioDocument,
};
use crate::scenario::{self, ScenarioError};

pub use self::grid::{Axis, AxisValue, Grid, Origin, SpecError, SweepKey, CANDIDATE_KEY};
pub use self::journal::{StopSignal, GRID_POINT_COLUMN};
pub use self::merge::{merge, MergeOutput};
pub use self::progress::SweepProgress;
pub use self::shard::Shard;

pub use crate::report::{ALARMS_CSV, SWEEP_CSV};
/// Header of `alarms.csv`; `unit` is that of the alarm's metric (`%`,
/// `ms`, `count`, `ratio`, empty when unknown), for the plots' axes.
pub const ALARMS_COLUMNS: [&str; 4] = ["name", "threshold", "comparison", "unit"];
/// Most grid points a sweep runs without `--yes` (`--max-points`).
pub const DEFAULT_MAX_POINTS: usize = 1000;

/// A validated sweep: the base scenario, the grid and one validated scenario
/// per grid point.
#[derive(Debug, Clone)]
pub struct SweepPlan {
    /// The file as named in messages.
    pub file: String,
    /// The scenario without sweep values (overrides applied).
    pub base: Scenario,
    pub grid: Grid,
    /// One scenario per grid point, in grid order (first axis slowest).
    pub points: Vec<Scenario>,
    /// The scenario file's header comment (its question), for `report.md`.
    pub question: Option<String>,
    base_doc: Value,
}

impl SweepPlan {
    /// The `sweep.csv` key columns: one per axis.
    pub fn key_columns(&self) -> Vec<String> {
        self.grid.axes.iter().map(|a| a.key.label()).collect()
    }

    /// The axis values of grid point `index`, as written in `sweep.csv`.
    pub fn point_values(&self, index: usize) -> Vec<String> {
        let coords = self.grid.coordinates(index);
        self.grid
            .values(&coords)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    /// The grid in words: the point count, then one line per axis with
    /// its values, for `report.md`.
    pub fn describe_grid(&self) -> String {
        let mut out = format!(
            "{} grid points = {}\n",
            self.points.len(),
            self.grid
                .axes
                .iter()
                .map(|a| format!("{} ({})", a.key.label(), a.values.len()))
                .collect::<Vec<_>>()
                .join(" × ")
        );
        for a in &self.grid.axes {
            let values: Vec<String> = a.values.iter().map(ToString::to_string).collect();
            out.push_str(&format!("{} = {}\n", a.key.label(), values.join(", ")));
        }
        out
    }

    /// `KEY=VALUE, KEY=VALUE` for grid point `index`.
    pub fn describe_point(&self, index: usize) -> String {
        self.key_columns()
            .iter()
            .zip(self.point_values(index))
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Like [`describe_point`](Self::describe_point) with only the last
    /// key of each path (`threshold=1, candidate=healthy`), for the progress
    /// bar.
    pub fn short_point(&self, index: usize) -> String {
        self.key_columns()
            .iter()
            .zip(self.point_values(index))
            .map(|(k, v)| format!("{}={v}", k.rsplit('.').next().unwrap_or(k)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The scenario document of grid point `index` (without `[sweep]`), e.g.
    /// to save it and run that point alone with `canarysim run`.
    pub fn point_document(&self, index: usize) -> Value {
        self.grid
            .apply(&self.base_doc, &self.grid.coordinates(index))
            .expect("every grid point was applied when the plan was built")
    }

    /// Replications the whole sweep runs.
    pub fn total_replications(&self) -> u64 {
        self.replications_of(0..self.points.len())
    }

    /// Replications of the grid points `points`.
    pub fn replications_of(&self, points: impl IntoIterator<Item = usize>) -> u64 {
        points
            .into_iter()
            .map(|i| {
                let sc = &self.points[i];
                sc.strategies.len() as u64 * u64::from(sc.replications)
            })
            .sum()
    }

    /// The resolved base document, as `run.toml` records it: the scenario
    /// without `[sweep]`, with `name`, `seed` and `replications` written out.
    pub fn resolved_document(&self) -> Value {
        resolved_document(&self.base_doc, &self.base)
    }

    /// The body of the `[sweep]` table that gives exactly this grid: one
    /// `"KEY" = [V1, V2, ...]` line per axis, in axis order, with typed
    /// values.
    pub fn sweep_table(&self) -> String {
        self.grid
            .axes
            .iter()
            .map(|axis| {
                let values: Vec<String> = axis
                    .values
                    .iter()
                    .map(|v| match v {
                        AxisValue::Value(v) => v.to_string(),
                        other => Value::String(other.to_string()).to_string(),
                    })
                    .collect();
                format!(
                    "{} = [{}]\n",
                    Value::String(axis.key.label()),
                    values.join(", ")
                )
            })
            .collect()
    }

    /// The identity of the resolved sweep as written by canarysim `version`:
    /// a [`run_toml::fingerprint`] of the version, the sampling mode, the
    /// seed, the resolved base document and the grid. Two runs with equal
    /// fingerprints produce the same `sweep.csv` rows for every grid point.
    pub fn fingerprint(&self, version: &str) -> Result<String, Error> {
        let text = format!(
            "canarysim {version}\nmode = {}\nseed = {}\n{}\n[sweep]\n{}",
            self.base.sampling.name(),
            self.base.seed,
            run_toml::scenario_text(&self.resolved_document()).map_err(Error::Internal)?,
            self.sweep_table()
        );
        Ok(run_toml::fingerprint(&text))
    }

    /// The `run.toml` of this sweep (or of one shard of it).
    pub fn run_toml(
        &self,
        version: &str,
        command: &[String],
        threads: Option<usize>,
        shard: Option<Shard>,
    ) -> Result<String, Error> {
        let doc = self.resolved_document();
        let table = self.sweep_table();
        RunToml {
            version,
            command,
            mode: self.base.sampling,
            seed: self.base.seed,
            replications: self.base.replications,
            threads,
            scenario: &doc,
            sweep_table: Some(&table),
            sweep: Some(SweepFacts {
                fingerprint: self.fingerprint(version)?,
                grid_points: self.points.len(),
                shard: shard.map(|s| s.to_string()),
            }),
        }
        .render()
        .map_err(Error::Internal)
    }

    /// How grid point `index` looks in `sweep.csv`.
    pub fn expected_point(&self, index: usize) -> journal::ExpectedPoint {
        journal::ExpectedPoint {
            index,
            values: self.point_values(index),
            labels: journal::expected_labels(&self.points[index]),
        }
    }
}

/// Loads `path`, merges its `[sweep]` table with the `--set` arguments
/// `sets` and validates every grid point. A `run.toml` loads like any
/// scenario (its `[canarysim]` mode and seed apply unless overridden).
pub fn load(path: &Path, sets: &[String], overrides: &Overrides) -> Result<SweepPlan, Error> {
    plan(read_document(path)?, sets, overrides)
}

/// [`load`] from text already read (`file` names it in messages).
pub fn plan_from_text(
    text: &str,
    file: &str,
    sets: &[String],
    overrides: &Overrides,
) -> Result<SweepPlan, Error> {
    plan(
        document_from_text(text.to_owned(), file.to_owned())?,
        sets,
        overrides,
    )
}

/// For `canarysim validate`: when the file has a `[sweep]` table, validates
/// every grid point and describes the grid in one line, e.g. `sweep: 8 grid
/// points = candidate (2) × alarms.error_rate.threshold (2) × ...`.
pub fn describe_file_grid(path: &Path) -> Result<Option<String>, Error> {
    let doc = read_document(path)?;
    if doc.value.get("sweep").is_none() {
        return Ok(None);
    }
    let plan = plan(doc, &[], &Overrides::default())?;
    let axes: Vec<String> = plan
        .grid
        .axes
        .iter()
        .map(|a| format!("{} ({})", a.key.label(), a.values.len()))
        .collect();
    Ok(Some(format!(
        "sweep: {} grid points = {}",
        plan.points.len(),
        axes.join(" × ")
    )))
}

fn plan(doc: ScenarioDocument, sets: &[String], overrides: &Overrides) -> Result<SweepPlan, Error> {
    let overrides = &overrides.with_recorded(&doc);
    let ScenarioDocument {
        text,
        file,
        value: mut doc,
        ..
    } = doc;
    let (text, file) = (text.as_str(), file.as_str());
    let usage = |e: SpecError| Error::Usage(e.to_string());
    let from_file = grid::take_sweep_table(&mut doc, text, file).map_err(usage)?;
    let from_flags = sets
        .iter()
        .map(|s| grid::parse_set(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(usage)?;
    let mut base = scenario::from_value(doc.clone(), text, file)?;
    apply_overrides(&mut base, overrides)?;
    let specs = grid::merge_specs(from_file, from_flags).map_err(usage)?;
    if specs.is_empty() {
        return Err(Error::Usage(format!(
            "nothing to sweep: give --set KEY=V1,V2,... or a [sweep] table in {file}"
        )));
    }
    let axes = specs
        .into_iter()
        .map(|spec| Axis::resolve(spec, &doc))
        .collect::<Result<Vec<_>, _>>()
        .map_err(usage)?;
    let grid = Grid { axes };
    let count = grid
        .point_count()
        .map_err(|m| Error::Usage(format!("{file}: {m}; sweep fewer values")))?;
    let mut points = Vec::with_capacity(count);
    for index in 0..count {
        let coords = grid.coordinates(index);
        let point_doc = grid
            .apply(&doc, &coords)
            .map_err(|(axis, message)| axis_error(&grid, &coords, axis, &message))?;
        let mut sc = scenario::from_value(point_doc, text, file)
            .map_err(|e| point_error(&grid, &coords, e))?;
        apply_overrides(&mut sc, overrides)?;
        points.push(sc);
    }
    Ok(SweepPlan {
        file: file.to_owned(),
        base,
        grid,
        points,
        question: report::header_comment(text),
        base_doc: doc,
    })
}

/// `--set KEY=VALUE: message` (or `FILE: [sweep] KEY=VALUE: message`).
fn axis_error(grid: &Grid, coords: &[usize], axis: usize, message: &str) -> Error {
    let a = &grid.axes[axis];
    let key = format!("{}={}", a.key.label(), a.values[coords[axis]]);
    Error::Usage(format!("{}: {message}", a.origin.describe(&key)))
}

/// Attributes a grid point's validation error to the axis whose key it
/// concerns when there is one (`--set KEY: unknown key ...`,
/// `--set KEY=1.5: wrong type ...`), else names the whole grid point.
fn point_error(grid: &Grid, coords: &[usize], err: ScenarioError) -> Error {
    if let ScenarioError::Invalid { key, message, .. } = &err {
        let concerns = |label: &str| {
            label == key
                || label
                    .strip_prefix(key.as_str())
                    .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
        };
        if let Some(i) = grid.axes.iter().position(|a| concerns(&a.key.label())) {
            let a = &grid.axes[i];
            if message.starts_with("unknown key") {
                return Error::Usage(format!("{}: {message}", a.origin.describe(&a.key.label())));
            }
            return axis_error(grid, coords, i, message);
        }
    }
    let point: Vec<String> = grid
        .axes
        .iter()
        .zip(grid.values(coords))
        .map(|(a, v)| format!("{}={v}", a.key.label()))
        .collect();
    Error::Usage(format!("sweep point {}: {err}", point.join(", ")))
}

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
    let pool = thread_pool(threads)?;
    let results = (0..plan.points.len())
        .map(|index| run_point(plan, index, pool.as_ref(), progress))
        .collect();
    progress.finish();
    Ok(results)
}

/// Simulates grid point `index` and summarizes it.
fn run_point(
    plan: &SweepPlan,
    index: usize,
    pool: Option<&rayon::ThreadPool>,
    progress: &SweepProgress,
) -> PointResult {
    let sc = &plan.points[index];
    progress.start_point(index, plan.points.len(), &plan.short_point(index));
    let tick = || progress.replication_done();
    let runs = match pool {
        None => run_all_with_progress(sc, &tick),
        Some(pool) => pool.install(|| run_all_with_progress(sc, &tick)),
    };
    progress.note_fallbacks(runs.fallbacks);
    PointResult {
        index,
        values: plan.point_values(index),
        summaries: report::summarize(&runs.runs),
    }
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

/// Writes `alarms.csv` (name, threshold, comparison, unit) of a scenario.
pub fn write_alarms_csv<W: Write>(out: W, sc: &Scenario) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(ALARMS_COLUMNS)?;
    for a in &sc.alarms {
        w.write_record([
            a.name.as_str(),
            &a.rule.threshold.to_string(),
            a.comparison().symbol(),
            expr_unit(&a.expr).name(),
        ])?;
    }
    w.flush()
}

/// Unit of a metric expression, as far as it can be told.
#[derive(Debug, Clone, Copy, PartialEq)]
enum MetricUnit {
    /// Counts of requests or errors (sums, sample counts).
    Count,
    /// Milliseconds (a `Duration` statistic other than the sample count).
    Ms,
    /// A ratio of counts or a per-request average of errors, in [0, 1].
    Ratio,
    /// A ratio times 100.
    Percent,
    /// A constant (takes the unit of what it is combined with).
    Const(f64),
    Unknown,
}

impl MetricUnit {
    fn name(self) -> &'static str {
        match self {
            MetricUnit::Count => "count",
            MetricUnit::Ms => "ms",
            MetricUnit::Ratio => "ratio",
            MetricUnit::Percent => "%",
            MetricUnit::Const(_) | MetricUnit::Unknown => "",
        }
    }
}

/// Infers the unit of an alarm's metric expression: `errors / invocations
/// * 100` is %, `Duration p99` is ms, `Errors Sum` is a count.
fn expr_unit(e: &crate::model::Expr) -> MetricUnit {
    use crate::model::{Expr, MetricName, Statistic};
    use MetricUnit::*;
    match e {
        Expr::Const(c) => Const(*c),
        Expr::Series(s) => match (s.metric, s.statistic) {
            (_, Statistic::SampleCount) => Count,
            (MetricName::Duration, _) => Ms,
            (MetricName::Invocations, Statistic::Sum) => Count,
            (MetricName::Errors, Statistic::Sum) => Count,
            (MetricName::Errors, Statistic::Average) => Ratio,
            (MetricName::Filter(_), Statistic::Sum) => Count,
            _ => Unknown,
        },
        Expr::Neg(a) => expr_unit(a),
        Expr::Add(a, b) | Expr::Sub(a, b) => match (expr_unit(a), expr_unit(b)) {
            (x, y) if x == y => x,
            (Const(_), x) | (x, Const(_)) => x,
            _ => Unknown,
        },
        Expr::Mul(a, b) => match (expr_unit(a), expr_unit(b)) {
            (Ratio, Const(c)) | (Const(c), Ratio) if c == 100.0 => Percent,
            (Const(x), Const(y)) => Const(x * y),
            (Count, Const(_)) | (Const(_), Count) => Count,
            _ => Unknown,
        },
        Expr::Div(a, b) => match (expr_unit(a), expr_unit(b)) {
            (Count, Count) => Ratio,
            (Const(x), Const(y)) => Const(x / y),
            (x, Const(_)) => x,
            _ => Unknown,
        },
    }
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

/// The command line that resumes the sweep started by `command`: the same
/// arguments plus `--resume`.
pub fn resume_command(command: &[String]) -> String {
    let mut args = command.to_vec();
    if !args.iter().any(|a| a == "--resume") {
        args.push("--resume".to_owned());
    }
    shell_join(&args)
}

/// Refuses, before anything runs or is written, a sweep of more than
/// `max_points` grid points or an exact-mode sweep estimated to take more
/// than an hour ([`check_exact_budget`]), unless `yes`.
pub fn check_limits(plan: &SweepPlan, slice: &[usize], opts: &SweepOptions) -> Result<(), Error> {
    for &i in slice {
        crate::run::check_memory(&plan.points[i])?;
    }
    if opts.yes {
        return Ok(());
    }
    let what = match opts.shard {
        None => format!("the {} grid points of this sweep", slice.len()),
        Some(s) => format!("the {} grid points of shard {s}", slice.len()),
    };
    if slice.len() > opts.max_points {
        return Err(Error::Usage(format!(
            "{what} are more than --max-points {} allows; add --yes to run them all, raise \
             --max-points, sweep fewer values, or spread the grid over machines with --shard K/N",
            opts.max_points
        )));
    }
    let scenarios: Vec<&Scenario> = slice.iter().map(|&i| &plan.points[i]).collect();
    check_exact_budget(&scenarios, crate::run::effective_cores(opts.threads), &what)
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
///    the next point with [`Error::Interrupted`];
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
        let expected: Vec<_> = slice.iter().map(|&i| plan.expected_point(i)).collect();
        check_resumable(plan, out_dir, opts.shard)?;
        let bytes = std::fs::read(&csv_path).map_err(|e| {
            Error::Usage(format!(
                "cannot resume from {}: cannot read it ({e}); run without --resume to start over",
                csv_path.display()
            ))
        })?;
        let scan = journal::scan(&bytes, &header, &expected, indexed).map_err(|m| {
            Error::Usage(format!(
                "cannot resume from {}: {m}; run without --resume to start over",
                csv_path.display()
            ))
        })?;
        if scan.valid_len == 0 {
            // Empty, or cut inside its header: a fresh header, and nothing
            // to truncate (truncating to 0 would drop the header again).
            let mut set = AtomicFileSet::new(out_dir)?;
            set.write_bytes(SWEEP_CSV, &encode(std::iter::once(header.clone()))?)?;
            set.commit()?;
            (0, None)
        } else {
            (scan.points.len(), Some(scan.valid_len))
        }
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
        set.write_with(ALARMS_CSV, |w| write_alarms_csv(w, &plan.base))?;
        set.write_bytes(SWEEP_CSV, &encode(std::iter::once(header.clone()))?)?;
        files = set.commit()?;
        (0, None)
    };
    if !files.contains(&csv_path) {
        files.push(csv_path.clone());
    }
    let mut journal = journal::Journal::open(&csv_path, valid_len)?;
    // Clears the progress bar however the loop ends (error or interruption).
    let bar = ClearOnDrop(progress);
    let pool = thread_pool(opts.threads)?;
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
        let result = run_point(plan, index, pool.as_ref(), progress);
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
        journal.append(&encode(rows)?)?;
        results.push(result);
    }
    drop(bar);
    let finished = resumed_points + results.len();
    if interrupted {
        let shard = opts
            .shard
            .map(|s| format!(" of shard {s}"))
            .unwrap_or_default();
        return Err(Error::Interrupted(format!(
            "interrupted after {finished} of {} grid points{shard}: {} holds the finished points \
             and is valid CSV; continue with: {}",
            slice.len(),
            csv_path.display(),
            resume_command(opts.command)
        )));
    }
    if !indexed {
        files.extend(render_plots(out_dir, opts.plots)?);
    }
    Ok(SweepOutput {
        results,
        resumed_points,
        slice_points: slice.len(),
        out_dir: out_dir.to_path_buf(),
        files,
    })
}

/// Clears a progress bar when dropped.
struct ClearOnDrop<'a>(&'a SweepProgress);

impl Drop for ClearOnDrop<'_> {
    fn drop(&mut self) {
        self.0.finish();
    }
}

fn encode<I, R>(records: I) -> Result<Vec<u8>, Error>
where
    I: IntoIterator<Item = R>,
    R: IntoIterator,
    R::Item: AsRef<[u8]>,
{
    journal::encode(records).map_err(|e| Error::Internal(format!("formatting sweep.csv: {e}")))
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

    const TEXT: &str = r#"
name = "t"
seed = 3
replications = 4
horizon = "20m"
[traffic]
rate_per_s = 5
[versions.stable]
error_rate = 0.01
[[faults]]
kind = "step_error"
after = "1m"
error_rate = 0.2
[alarms.error_rate]
scope = "version"
expression = "errors / invocations * 100"
comparison = ">="
threshold = 5
evaluation_periods = 2
treat_missing_data = "notBreaching"
[strategies.canary]
config = "Canary10Percent5Minutes"
[sweep]
"alarms.error_rate.threshold" = [1, 5]
candidate = "healthy,faulty"
"#;

    fn plan_of(sets: &[&str]) -> Result<SweepPlan, Error> {
        let sets: Vec<String> = sets.iter().map(|s| (*s).to_owned()).collect();
        plan_from_text(TEXT, "t.toml", &sets, &Overrides::default())
    }

    fn usage(sets: &[&str]) -> String {
        match plan_of(sets) {
            Err(Error::Usage(m)) => m,
            other => panic!("expected a usage error, got {other:?}"),
        }
    }

    #[test]
    fn plan_validates_every_point_in_grid_order() {
        let plan = plan_of(&["alarms.error_rate.evaluation_periods=1,2"]).unwrap();
        assert_eq!(
            plan.key_columns(),
            [
                "alarms.error_rate.threshold",
                "candidate",
                "alarms.error_rate.evaluation_periods"
            ]
        );
        assert_eq!(plan.points.len(), 8);
        assert_eq!(plan.describe_point(3), "alarms.error_rate.threshold=1, candidate=faulty, alarms.error_rate.evaluation_periods=2");
        let p = &plan.points[3];
        assert_eq!(p.alarms[0].rule.threshold, 1.0);
        assert_eq!(p.alarms[0].rule.evaluation_periods, 2);
        assert!(p.candidate_faulty);
        assert!(!plan.points[0].candidate_faulty);
        assert!(plan
            .points
            .iter()
            .all(|p| p.seed == 3 && p.replications == 4));
        assert_eq!(plan.total_replications(), 8 * 4);
        // The saved document of a point validates to the same scenario.
        let doc = plan.point_document(3);
        let text = toml::to_string(&doc).unwrap();
        let again = scenario::from_value(
            scenario::parse_document(&text, "t.toml").unwrap(),
            &text,
            "t.toml",
        )
        .unwrap();
        assert_eq!(&again, p);
    }

    #[test]
    fn errors_name_the_flag_and_key() {
        assert_eq!(
            usage(&["alarms.error_rate.treshold=1,2"])
                .split(';')
                .next()
                .unwrap(),
            "--set alarms.error_rate.treshold: unknown key \"treshold\""
        );
        assert!(usage(&["alarms.error_rate.treshold=1,2"]).contains("allowed keys here: scope"));
        assert!(usage(&["trafic.rate_per_s=1"])
            .starts_with("--set trafic.rate_per_s: unknown key \"trafic\""));
        let m = usage(&["alarms.error_rate.evaluation_periods=1,1.5"]);
        assert!(
            m.starts_with("--set alarms.error_rate.evaluation_periods=1.5: wrong type"),
            "{m}"
        );
        let m = usage(&["traffic.rate_per_s=-1"]);
        assert!(m.starts_with("--set traffic.rate_per_s=-1: "), "{m}");
        let m = usage(&["horizon=1m"]);
        assert!(m.starts_with("--set horizon=1m: "), "{m}");
        assert!(usage(&["strategies.canary.config=1"])
            .starts_with("--set strategies.canary.config=1: "));
    }

    #[test]
    fn alarms_csv_names_the_unit_of_each_metric() {
        let extra = r#"
[alarms.latency]
scope = "version"
metric = "Duration"
statistic = "p99"
comparison = ">"
threshold = 1000
evaluation_periods = 2
[alarms.errors]
scope = "version"
metric = "Errors"
statistic = "Sum"
comparison = ">="
threshold = 3
evaluation_periods = 1
"#;
        let text = TEXT.replace(
            "[strategies.canary]",
            &format!("{extra}[strategies.canary]"),
        );
        let plan = plan_from_text(&text, "t.toml", &[], &Overrides::default()).unwrap();
        let mut buf = Vec::new();
        write_alarms_csv(&mut buf, &plan.base).unwrap();
        let csv = String::from_utf8(buf).unwrap();
        assert!(csv.contains("error_rate,5,>=,%\n"), "{csv}");
        assert!(csv.contains("latency,1000,>,ms\n"), "{csv}");
        assert!(csv.contains("errors,3,>=,count\n"), "{csv}");
    }

    #[test]
    fn no_axes_is_an_error() {
        let text = TEXT.split("[sweep]").next().unwrap();
        let err = plan_from_text(text, "t.toml", &[], &Overrides::default()).unwrap_err();
        assert!(err.to_string().starts_with("nothing to sweep"), "{err}");
        assert_eq!(err.exit_code(), 2);
    }

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
        write_alarms_csv(&mut buf, &plan.base).unwrap();
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "name,threshold,comparison,unit\nerror_rate,5,>=,%\n"
        );
        // The incremental file (header, then each point's rows) has the
        // same bytes as the file written in one go.
        let mut incremental = encode([journal::header(&plan.key_columns(), false)]).unwrap();
        for r in &results {
            incremental.extend(encode(journal::point_rows(None, &r.values, &r.summaries)).unwrap());
        }
        assert_eq!(String::from_utf8(incremental).unwrap(), text);
    }

    #[test]
    fn the_recorded_sweep_is_the_same_sweep() {
        let overrides = Overrides {
            replications: Some(7),
            seed: Some(u64::MAX),
            sampling: Some(crate::model::Sampling::Exact),
        };
        let sets = [
            "strategies.canary.rollback_latency=5s,30s".to_owned(),
            "versions.candidate.error_rate=0.01,0.125".to_owned(),
        ];
        let plan = plan_from_text(TEXT, "t.toml", &sets, &overrides).unwrap();
        let record = plan
            .run_toml(
                VERSION,
                &["canarysim".into()],
                Some(3),
                Some(Shard::parse("2/5").unwrap()),
            )
            .unwrap();
        let again = plan_from_text(&record, "run.toml", &[], &Overrides::default()).unwrap();
        assert_eq!(again.points, plan.points);
        let axes = |p: &SweepPlan| {
            p.grid
                .axes
                .iter()
                .map(|a| (a.key.clone(), a.values.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(axes(&again), axes(&plan));
        assert_eq!(again.base.name, "t");
        assert_eq!(
            again.fingerprint(VERSION).unwrap(),
            plan.fingerprint(VERSION).unwrap()
        );
        assert!(record.contains("shard = \"2/5\""), "{record}");
        // Anything that changes results changes the fingerprint.
        let fp = plan.fingerprint(VERSION).unwrap();
        assert_ne!(plan.fingerprint("0.0.0").unwrap(), fp);
        for other in [
            Overrides {
                replications: Some(8),
                ..overrides.clone()
            },
            Overrides {
                seed: Some(1),
                ..overrides.clone()
            },
            Overrides {
                sampling: Some(crate::model::Sampling::Fast),
                ..overrides.clone()
            },
        ] {
            let p = plan_from_text(TEXT, "t.toml", &sets, &other).unwrap();
            assert_ne!(p.fingerprint(VERSION).unwrap(), fp, "{other:?}");
        }
        let p = plan_from_text(TEXT, "t.toml", &sets[..1], &overrides).unwrap();
        assert_ne!(p.fingerprint(VERSION).unwrap(), fp);
    }

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
