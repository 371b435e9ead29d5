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
//!                   Vec<Scenario>  ─► simulate each (rayon) ─► summarize
//!                          ▼
//!                   sweep.csv + alarms.csv (+ tradeoff / sweep plots)
//! ```
//!
//! Determinism and common random numbers: every grid point keeps the
//! scenario's seed, so replication r of strategy s draws from the same
//! random streams at every grid point (differences between points are not
//! sampling noise), and one grid point run alone with `canarysim run` on its
//! resolved scenario gives exactly the same results. Grid points run in
//! order and results are collected by index, so `sweep.csv` does not depend
//! on the thread count.

pub mod grid;
mod progress;

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use toml::Value;

use crate::model::Scenario;
use crate::montecarlo::run_all_with_progress;
use crate::report::{self, AtomicFileSet, Summary, SUMMARY_COLUMNS};
use crate::run::{apply_overrides, read_document, thread_pool, Error, Overrides};
use crate::scenario::{self, ScenarioError};

pub use self::grid::{Axis, AxisValue, Grid, Origin, SpecError, SweepKey, CANDIDATE_KEY};
pub use self::progress::SweepProgress;

/// The sweep's main output file.
pub const SWEEP_CSV: &str = "sweep.csv";
/// Alarm thresholds of the base scenario, for threshold lines in plots.
pub const ALARMS_CSV: &str = "alarms.csv";
/// Header of `alarms.csv`.
pub const ALARMS_COLUMNS: [&str; 3] = ["name", "threshold", "comparison"];

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
        self.points
            .iter()
            .map(|sc| sc.strategies.len() as u64 * u64::from(sc.replications))
            .sum()
    }
}

/// Loads `path`, merges its `[sweep]` table with the `--set` arguments
/// `sets` and validates every grid point.
pub fn load(path: &Path, sets: &[String], overrides: &Overrides) -> Result<SweepPlan, Error> {
    let (text, file, doc) = read_document(path)?;
    plan(doc, &text, &file, sets, overrides)
}

/// [`load`] from text already read (`file` names it in messages).
pub fn plan_from_text(
    text: &str,
    file: &str,
    sets: &[String],
    overrides: &Overrides,
) -> Result<SweepPlan, Error> {
    let doc = scenario::parse_document(text, file)?;
    plan(doc, text, file, sets, overrides)
}

/// For `canarysim validate`: when the file has a `[sweep]` table, validates
/// every grid point and describes the grid in one line, e.g. `sweep: 8 grid
/// points = candidate (2) × alarms.error_rate.threshold (2) × ...`.
pub fn describe_file_grid(path: &Path) -> Result<Option<String>, Error> {
    let (text, file, doc) = read_document(path)?;
    if doc.get("sweep").is_none() {
        return Ok(None);
    }
    let plan = plan(doc, &text, &file, &[], &Overrides::default())?;
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

fn plan(
    mut doc: Value,
    text: &str,
    file: &str,
    sets: &[String],
    overrides: &Overrides,
) -> Result<SweepPlan, Error> {
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
    /// Axis values as written in `sweep.csv`.
    pub values: Vec<String>,
    pub summaries: Vec<Summary>,
}

/// Runs every grid point in order on `threads` workers (None = all cores);
/// `progress` is told about each grid point and each finished replication.
pub fn run_grid(
    plan: &SweepPlan,
    threads: Option<usize>,
    progress: &SweepProgress,
) -> Result<Vec<PointResult>, Error> {
    let pool = thread_pool(threads)?;
    let mut results = Vec::with_capacity(plan.points.len());
    for (index, sc) in plan.points.iter().enumerate() {
        progress.start_point(index, plan.points.len(), &plan.short_point(index));
        let tick = || progress.replication_done();
        let runs = match &pool {
            None => run_all_with_progress(sc, &tick),
            Some(pool) => pool.install(|| run_all_with_progress(sc, &tick)),
        };
        results.push(PointResult {
            values: plan.point_values(index),
            summaries: report::summarize(&runs.runs),
        });
    }
    progress.finish();
    Ok(results)
}

/// Writes `sweep.csv`: the key columns, then exactly
/// [`SUMMARY_COLUMNS`], formatted as in `summary.csv`.
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

/// Writes `alarms.csv` (name, threshold, comparison) of a scenario.
pub fn write_alarms_csv<W: Write>(out: W, sc: &Scenario) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(ALARMS_COLUMNS)?;
    for a in &sc.alarms {
        w.write_record([
            a.name.as_str(),
            &a.rule.threshold.to_string(),
            a.comparison().symbol(),
        ])?;
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

/// What a finished sweep produced.
#[derive(Debug, Clone)]
pub struct SweepOutput {
    pub results: Vec<PointResult>,
    pub out_dir: PathBuf,
    pub files: Vec<PathBuf>,
}

/// Runs the sweep and writes `sweep.csv` and `alarms.csv` into `out_dir`
/// atomically, then the trade-off and sweep plots unless `plots` is
/// [`SweepPlots::None`].
pub fn run_and_write(
    plan: &SweepPlan,
    out_dir: &Path,
    threads: Option<usize>,
    plots: SweepPlots,
    progress: &SweepProgress,
) -> Result<SweepOutput, Error> {
    let results = run_grid(plan, threads, progress)?;
    let keys = plan.key_columns();
    let mut set = AtomicFileSet::new(out_dir)?;
    set.write_with(SWEEP_CSV, |w| write_sweep_csv(w, &keys, &results))?;
    set.write_with(ALARMS_CSV, |w| write_alarms_csv(w, &plan.base))?;
    let mut files = set.commit()?;
    files.extend(render_plots(out_dir, plots)?);
    Ok(SweepOutput {
        results,
        out_dir: out_dir.to_path_buf(),
        files,
    })
}

/// Draws the trade-off and sweep charts from the `sweep.csv` in `dir`.
fn render_plots(dir: &Path, plots: SweepPlots) -> Result<Vec<PathBuf>, Error> {
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
            "name,threshold,comparison\nerror_rate,5,>=\n"
        );
    }
}
