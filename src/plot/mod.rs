//! Plots of a run or a sweep, drawn from its CSV files (DESIGN.md §4).
//!
//! One module per chart kind (`timeline`, `detection_cdf`, `exposure`,
//! `tradeoff`, `sweep`; the larger ones are folders, one file per part of
//! the chart); `style` holds sizes, palette and fonts, `legend` the shared
//! legend, `data` the CSV readers (one file per kind of CSV). Every chart
//! implements [`Chart`]:
//! its `draw` is generic over the plotters [`DrawingBackend`], so SVG and PNG
//! share all drawing code, and [`render_svg`] / [`render_png`] call
//! `present()` explicitly. Text uses the bundled DejaVu Sans through
//! plotters' `ab_glyph` feature, so no system font library is needed.
//!
//! [`plot_dir`] reads whatever CSVs a run or sweep directory holds and writes
//! the plots next to them, all files committed together through
//! [`AtomicFileSet`].

mod data;
mod detection_cdf;
mod error;
mod exposure;
mod legend;
mod pareto;
mod style;
mod sweep;
mod timeline;
mod tradeoff;

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::report::AtomicFileSet;
/// The input file names, from the report's output contract.
pub use crate::report::{ALARMS_CSV, EVENTS_CSV, RUNS_CSV, SUMMARY_CSV, SWEEP_CSV, TIMELINE_CSV};

pub use self::data::{
    read_alarms, read_events, read_runs, read_summary_table, read_timeline, AlarmInfo, AlarmState,
    Event, RunOutcome, RunRow, SummaryRow, SummaryTable, Timeline, TimelineRow,
};
pub use self::detection_cdf::DetectionCdfChart;
pub use self::error::{DrawError, PlotError};
pub use self::exposure::ExposureChart;
pub use self::pareto::{ParetoChart, ParetoPoint};
pub use self::sweep::SweepChart;
pub use self::timeline::TimelineChart;
pub use self::tradeoff::TradeoffChart;

/// Image format of the written plots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PlotFormat {
    #[default]
    Svg,
    Png,
}

impl PlotFormat {
    /// File extension without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            PlotFormat::Svg => "svg",
            PlotFormat::Png => "png",
        }
    }
}

impl FromStr for PlotFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "svg" => Ok(PlotFormat::Svg),
            "png" => Ok(PlotFormat::Png),
            _ => Err(format!("unknown plot format `{s}`; allowed: svg, png")),
        }
    }
}

/// The charts `plot_dir` can draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PlotKind {
    /// Replication 0 of each strategy over time (`timeline.csv`).
    Timeline,
    /// Empirical CDF of detection times (`runs.csv`).
    DetectionCdf,
    /// Distribution of excess bad requests (caused by the fault) per
    /// replication; all bad requests for older files (`runs.csv`).
    Exposure,
    /// False rollbacks of a healthy candidate against what a faulty one
    /// costs (excess bad requests, or detection time with misses as never),
    /// per sweep point (`sweep.csv`).
    Tradeoff,
    /// Healthy- and faulty-candidate metrics against one swept key, in
    /// separate panels (`sweep.csv`).
    Sweep,
}

impl PlotKind {
    pub const ALL: [PlotKind; 5] = [
        PlotKind::Timeline,
        PlotKind::DetectionCdf,
        PlotKind::Exposure,
        PlotKind::Tradeoff,
        PlotKind::Sweep,
    ];

    /// File name without extension, also the name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            PlotKind::Timeline => "timeline",
            PlotKind::DetectionCdf => "detection_cdf",
            PlotKind::Exposure => "exposure",
            PlotKind::Tradeoff => "tradeoff",
            PlotKind::Sweep => "sweep",
        }
    }

    /// The CSV file the chart is drawn from.
    pub fn input(self) -> &'static str {
        match self {
            PlotKind::Timeline => TIMELINE_CSV,
            PlotKind::DetectionCdf | PlotKind::Exposure => RUNS_CSV,
            PlotKind::Tradeoff | PlotKind::Sweep => SWEEP_CSV,
        }
    }
}

impl fmt::Display for PlotKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for PlotKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PlotKind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = PlotKind::ALL.iter().map(|k| k.name()).collect();
                format!("unknown plot kind `{s}`; allowed: {}", names.join(", "))
            })
    }
}

/// What [`plot_dir`] draws.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlotOptions {
    pub format: PlotFormat,
    /// Charts to draw; empty = every chart whose input file exists.
    pub kinds: Vec<PlotKind>,
    /// Summary column of a single-panel sweep chart; `None` draws the
    /// default panels (false rollbacks of the healthy candidate; detect
    /// rate, time to detection and excess exposure of the faulty one).
    pub sweep_metric: Option<String>,
    /// Swept key on the x axis of the sweep chart (default: the first
    /// numeric swept column).
    pub sweep_x: Option<String>,
    /// Summary column on the y axis of the trade-off chart (default
    /// `excess_bad_requests_mean`; e.g. `detection_p50_s`).
    pub tradeoff_y: Option<String>,
    /// Folder to write the plots into (default: the input folder).
    pub out: Option<PathBuf>,
    /// Replaces the title of every chart drawn.
    pub title: Option<String>,
    /// End of the timeline's time axis in microseconds (default: the end of
    /// the last deployment plus a margin).
    pub until: Option<crate::sim::time::Micros>,
}

/// A chart that can be drawn on any plotters backend.
pub trait Chart {
    /// Image size in pixels.
    fn size(&self) -> (u32, u32);
    /// Draws the whole chart on `root` (which covers the full image). Does
    /// not call `present()`; the render functions do.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawError>;
}

fn draw_and_present<C: Chart, DB: DrawingBackend>(chart: &C, backend: DB) -> Result<(), DrawError> {
    style::ensure_fonts()?;
    let root = backend.into_drawing_area();
    root.fill(&WHITE)?;
    chart.draw(&root)?;
    root.present()?;
    Ok(())
}

/// Renders a chart as an SVG document.
pub fn render_svg<C: Chart>(chart: &C) -> Result<String, DrawError> {
    let mut svg = String::new();
    draw_and_present(chart, SVGBackend::with_string(&mut svg, chart.size()))?;
    Ok(svg)
}

/// Renders a chart as a PNG file at `path`. plotters' bitmap encoder picks
/// the format from the extension, so `path` must end in `.png`.
pub fn render_png<C: Chart>(chart: &C, path: &Path) -> Result<(), DrawError> {
    draw_and_present(chart, BitMapBackend::new(path, chart.size()))
}

/// Largest image a chart may have, in pixels (width × height): 25 M, a
/// 100 MB RGBA bitmap in memory. Charts grow with the number of
/// strategies, alarms and swept series; beyond this one is refused rather
/// than drawn.
pub const MAX_PLOT_PIXELS: u64 = 25_000_000;

/// Most strategy rows (strategies × functions) a run draws plots for; a
/// scenario with more is refused before it is simulated unless it runs
/// with `--no-plots` (the timeline stacks one panel per row).
pub const MAX_PLOTTED_ROWS: usize = 40;

/// Renders `chart` into the set as `<stem>.<ext>`, refusing an image
/// larger than [`MAX_PLOT_PIXELS`].
fn render_into<C: Chart>(
    chart: &C,
    stem: &str,
    format: PlotFormat,
    set: &mut AtomicFileSet,
) -> Result<PathBuf, PlotError> {
    let file = format!("{stem}.{}", format.extension());
    let (width, height) = chart.size();
    if u64::from(width) * u64::from(height) > MAX_PLOT_PIXELS {
        return Err(PlotError::TooLarge {
            file,
            width,
            height,
            limit: MAX_PLOT_PIXELS,
        });
    }
    let render_err = |e: DrawError| PlotError::Render {
        file: file.clone(),
        message: e.0,
    };
    match format {
        PlotFormat::Svg => {
            let svg = render_svg(chart).map_err(render_err)?;
            Ok(set.write_bytes(&file, svg.as_bytes())?)
        }
        PlotFormat::Png => {
            // The staged temporary has no `.png` extension, which plotters'
            // encoder needs; render next to it under a `.png` name and move
            // the result onto the staged path (same directory, so a rename).
            let staged = set.stage_path(&file)?;
            let mut scratch = staged.clone().into_os_string();
            scratch.push(".png");
            let scratch = PathBuf::from(scratch);
            let result = render_png(chart, &scratch)
                .map_err(render_err)
                .and_then(|()| {
                    std::fs::rename(&scratch, &staged).map_err(|e| PlotError::Render {
                        file: file.clone(),
                        message: format!("cannot move {}: {e}", scratch.display()),
                    })
                });
            if result.is_err() {
                let _ = std::fs::remove_file(&scratch);
            }
            result?;
            Ok(set.dir().join(&file))
        }
    }
}

/// Reads the CSV files in `dir` and writes the requested plots (or, with
/// `opts.kinds` empty, every plot whose input exists) into `opts.out` (by
/// default `dir`) as `<kind>.svg` or `<kind>.png`. All files are committed together; returns
/// their paths in [`PlotKind`] order.
///
/// Inputs: `timeline.csv` (+ optional `events.csv`, `alarms.csv`) for the
/// timeline; `runs.csv` (+ optional `summary.csv`) for the detection CDF and
/// the exposure chart; `sweep.csv` for the trade-off and sweep charts.
pub fn plot_dir(dir: &Path, opts: &PlotOptions) -> Result<Vec<PathBuf>, PlotError> {
    check_inputs(dir, opts)?;
    let mut set = AtomicFileSet::new(opts.out.as_deref().unwrap_or(dir))?;
    plot_into(dir, opts, &mut set)?;
    Ok(set.commit()?)
}

/// The errors [`plot_into`] would raise before reading anything: no chart
/// to draw, or a requested chart's input missing.
fn check_inputs(dir: &Path, opts: &PlotOptions) -> Result<(), PlotError> {
    chart_kinds(dir, opts).map(|_| ())
}

fn chart_kinds(dir: &Path, opts: &PlotOptions) -> Result<Vec<PlotKind>, PlotError> {
    let exists = |name: &str| dir.join(name).is_file();
    let mut kinds: Vec<PlotKind> = if opts.kinds.is_empty() {
        PlotKind::ALL
            .into_iter()
            .filter(|k| exists(k.input()))
            .collect()
    } else {
        opts.kinds.clone()
    };
    kinds.sort();
    kinds.dedup();
    if kinds.is_empty() {
        return Err(PlotError::NothingToPlot {
            dir: dir.to_path_buf(),
        });
    }
    for &kind in &kinds {
        if !exists(kind.input()) {
            return Err(PlotError::MissingInput {
                kind,
                path: dir.join(kind.input()),
            });
        }
    }
    Ok(kinds)
}

/// Draws the charts of `opts` from the CSV files in `src` into `set` (not
/// committed), so plots can join the set of the CSVs they are drawn from
/// (`src` = [`AtomicFileSet::staging_dir`]). Returns the final paths.
pub fn plot_into(
    src: &Path,
    opts: &PlotOptions,
    set: &mut AtomicFileSet,
) -> Result<Vec<PathBuf>, PlotError> {
    let dir = src;
    let kinds = chart_kinds(dir, opts)?;
    let exists = |name: &str| dir.join(name).is_file();

    let needs = |k: &[PlotKind]| kinds.iter().any(|x| k.contains(x));
    let optional = |name: &str| exists(name).then(|| dir.join(name));
    let runs = if needs(&[PlotKind::DetectionCdf, PlotKind::Exposure]) {
        read_runs(&dir.join(RUNS_CSV))?
    } else {
        Vec::new()
    };
    let summary = match optional(SUMMARY_CSV) {
        Some(p) if kinds.contains(&PlotKind::DetectionCdf) => Some(read_summary_table(&p)?),
        _ => None,
    };
    let sweep = if needs(&[PlotKind::Tradeoff, PlotKind::Sweep]) {
        Some(read_summary_table(&dir.join(SWEEP_CSV))?)
    } else {
        None
    };

    let title = opts.title.as_deref();
    let mut files = Vec::new();
    for kind in kinds {
        match kind {
            PlotKind::Timeline => {
                let timeline = read_timeline(&dir.join(TIMELINE_CSV))?;
                let events = match optional(EVENTS_CSV) {
                    Some(p) => read_events(&p)?,
                    None => Vec::new(),
                };
                let alarms = match optional(ALARMS_CSV) {
                    Some(p) => read_alarms(&p)?,
                    None => Vec::new(),
                };
                let chart = TimelineChart::new(&timeline, &events, &alarms)
                    .until(opts.until.map(crate::sim::time::to_secs))
                    .title(title);
                files.push(render_into(&chart, kind.name(), opts.format, set)?);
            }
            PlotKind::DetectionCdf => {
                let chart = DetectionCdfChart::new(&runs, summary.as_ref()).title(title);
                files.push(render_into(&chart, kind.name(), opts.format, set)?);
            }
            PlotKind::Exposure => {
                let chart = ExposureChart::new(&runs).title(title);
                files.push(render_into(&chart, kind.name(), opts.format, set)?);
            }
            PlotKind::Tradeoff => {
                let table = sweep.as_ref().expect("sweep.csv read above");
                let chart = TradeoffChart::new(table, opts.tradeoff_y.as_deref())?.title(title);
                files.push(render_into(&chart, kind.name(), opts.format, set)?);
            }
            PlotKind::Sweep => {
                let table = sweep.as_ref().expect("sweep.csv read above");
                let chart =
                    SweepChart::new(table, opts.sweep_x.as_deref(), opts.sweep_metric.as_deref())?
                        .title(title);
                files.push(render_into(&chart, kind.name(), opts.format, set)?);
            }
        }
    }
    Ok(files
        .iter()
        .map(|f| set.dir().join(f.file_name().unwrap_or_default()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A chart that only reports a size; drawing it must never happen.
    struct Huge;

    impl Chart for Huge {
        fn size(&self) -> (u32, u32) {
            (5_000, 5_001)
        }
        fn draw<DB: DrawingBackend>(&self, _: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
            unreachable!("a chart over the pixel limit is never drawn")
        }
    }

    #[test]
    fn a_chart_over_the_pixel_limit_is_refused_before_drawing() {
        let dir = tempfile::tempdir().unwrap();
        let mut set = AtomicFileSet::new(dir.path()).unwrap();
        for format in [PlotFormat::Svg, PlotFormat::Png] {
            let err = render_into(&Huge, "timeline", format, &mut set).unwrap_err();
            let PlotError::TooLarge { width, height, .. } = &err else {
                panic!("{err}")
            };
            assert_eq!((*width, *height), (5_000, 5_001));
            assert!(err.to_string().contains("--no-plots"), "{err}");
        }
    }
}
