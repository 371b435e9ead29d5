//! Summary columns against one swept key, in panels that keep the healthy
//! and the faulty candidate apart.
//!
//! By default four panels share the x axis (a swept key: the first numeric
//! one unless chosen; a key with non-numeric values is spaced evenly in
//! order of appearance; keys spanning more than two decades get a
//! logarithmic axis):
//! - healthy candidate: false-rollback rate;
//! - faulty candidate: detect rate (1 − missed rate), time to detection p50
//!   with a miss counting as never (a p50 among the misses sits in a
//!   "never" band above the axis), mean excess bad requests.
//!
//! A healthy candidate's detection time is never drawn. There is one line per
//! strategy and per combination of the other swept keys that vary for that
//! strategy (colour = strategy, marker and dash = combination); the legend
//! names only those keys. Coinciding points of different lines are spread
//! sideways a little, and a panel notes lines that are identical
//! ("= same as"). Where the file has `<col>_lo` and `<col>_hi`, the 95 %
//! confidence interval is shaded. With a chosen column (`sweep_metric`) the
//! chart is one panel of that column, over the population it is defined for.
//!
//! The chart's parts, one file each: `build` prepares it from the table
//! (x axis, line identities, each panel's series), `panels` says what the
//! panels plot, `spread` finds coinciding points and identical lines, and
//! `draw` draws; this file holds the chart's data.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::legend::{self, LegendItem, Swatch};
use super::style;
use super::{Chart, DrawError};

mod build;
mod draw;
mod panels;
mod spread;

/// Size of the chart with the default four panels.
const PANELS_SIZE: (u32, u32) = (1200, 980);

/// The sweep chart (`sweep.svg|png`).
pub struct SweepChart {
    title: String,
    subtitle: String,
    x_desc: String,
    /// Axis mode of x.
    x_axis: XAxis,
    /// Legend entries: one per line identity, shared by the panels.
    lines: Vec<LineId>,
    panels: Vec<Panel>,
}

#[derive(Debug, Clone)]
enum XAxis {
    Linear,
    /// log10 of the value on a linear axis.
    Log,
    /// Categorical values at 0, 1, 2, … with these labels.
    Categories(Vec<String>),
}

#[derive(Debug, Clone)]
struct LineId {
    strategy: usize,
    /// Index of the other-keys combination within the strategy (marker and
    /// dash).
    combo: usize,
    label: String,
}

/// One point of a series: axis x, y (`None` = never) and the optional
/// (lo, hi) band.
type SeriesPoint = (f64, Option<f64>, Option<(f64, f64)>);

#[derive(Debug, Clone)]
struct Series {
    /// Index into [`SweepChart::lines`].
    line: usize,
    /// Sorted by x.
    points: Vec<SeriesPoint>,
}

#[derive(Debug, Clone)]
struct Panel {
    title: String,
    y_desc: String,
    /// y is a rate in percent (axis capped at 100).
    y_rate: bool,
    series: Vec<Series>,
    /// Shown instead of data (or under it) when a column is missing.
    note: Option<String>,
}

impl SweepChart {
    /// Replaces the chart title.
    pub fn title(mut self, title: Option<&str>) -> Self {
        if let Some(t) = title {
            self.title = t.to_owned();
        }
        self
    }
}

impl Chart for SweepChart {
    fn size(&self) -> (u32, u32) {
        if self.panels.len() > 1 {
            PANELS_SIZE
        } else {
            style::CHART_SIZE
        }
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        let area = style::draw_title(root, &self.title, Some(&self.subtitle))?;
        let items: Vec<LegendItem> = self
            .lines
            .iter()
            .map(|l| {
                LegendItem::new(
                    Swatch::LineMarker {
                        color: style::strategy_color(l.strategy),
                        dashed: l.combo % 2 == 1,
                        shape: style::shape(l.combo),
                    },
                    l.label.clone(),
                )
            })
            .collect();
        let area = legend::draw(&area, &items)?;
        let cells: Vec<DrawingArea<DB, Shift>> = if self.panels.len() > 1 {
            area.split_evenly((self.panels.len().div_ceil(2), 2))
        } else {
            vec![area]
        };
        let (x0, x1, key_points) = self.x_frame();
        // The same room for notes in every panel, so that the axes of a
        // row line up.
        let notes: Vec<Vec<String>> = self.panels.iter().map(|p| self.notes(p)).collect();
        let note_lines = notes.iter().map(Vec::len).max().unwrap_or(0);
        for ((panel, cell), notes) in self.panels.iter().zip(&cells).zip(&notes) {
            self.draw_panel(root, cell, panel, x0..x1, &key_points, notes, note_lines)?;
        }
        Ok(())
    }
}
