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

use plotters::coord::Shift;
use plotters::element::Polygon;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::data::{
    axis_unit, describe_column, is_never_quantile, short_key_names, SummaryRow, SummaryTable, Unit,
};
use super::legend::{self, LegendItem, Swatch};
use super::style::{self, fmt_num, TickAxis};
use super::{Chart, DrawError, PlotError};

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

/// Which rows a panel draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Population {
    Healthy,
    Faulty,
    All,
}

/// What a panel plots.
struct PanelSpec<'a> {
    title: String,
    column: &'a str,
    population: Population,
    /// Plot 1 − value (detect rate from the missed rate).
    complement: bool,
    note: Option<String>,
}

/// The population a single chosen column is defined for.
fn population_of(column: &str) -> Population {
    let base = column
        .strip_suffix("_lo")
        .or_else(|| column.strip_suffix("_hi"))
        .unwrap_or(column);
    if base == "false_rollback_rate" {
        Population::Healthy
    } else if base == "missed_rate" || base.starts_with("detection_") || base.starts_with("excess_")
    {
        Population::Faulty
    } else {
        Population::All
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

impl SweepChart {
    /// Prepares the chart; `x` picks the swept key, `metric` a single
    /// column (default: the four panels).
    pub fn new(
        table: &SummaryTable,
        x: Option<&str>,
        metric: Option<&str>,
    ) -> Result<Self, PlotError> {
        if let Some(m) = metric {
            if !table.has_column(m) {
                return Err(PlotError::BadOption {
                    option: "sweep_metric",
                    column: m.to_owned(),
                    problem: "not a numeric summary column",
                    path: table.path.clone(),
                    allowed: table.columns.join(", "),
                });
            }
        } else {
            table.require("false_rollback_rate")?;
            table.require("missed_rate")?;
        }
        let numeric = table.numeric_keys();
        let names = short_key_names(&table.keys);
        // Keys that select the candidate variant: their values differ
        // between the healthy and the faulty rows.
        let healthy_rows: Vec<&SummaryRow> = table
            .rows
            .iter()
            .filter(|r| table.is_faulty(r) == Some(false))
            .collect();
        let faulty_rows: Vec<&SummaryRow> = table
            .rows
            .iter()
            .filter(|r| table.is_faulty(r) == Some(true))
            .collect();
        let variant: Vec<usize> = (0..table.keys.len())
            .filter(|&k| {
                if healthy_rows.is_empty() || faulty_rows.is_empty() {
                    return false;
                }
                let set = |rows: &[&SummaryRow]| -> Vec<String> {
                    let mut v: Vec<String> = rows.iter().map(|r| r.keys[k].clone()).collect();
                    v.sort_unstable();
                    v.dedup();
                    v
                };
                set(&healthy_rows) != set(&faulty_rows)
            })
            .collect();
        let x_key =
            match x {
                Some(name) => table.keys.iter().position(|k| k == name).ok_or_else(|| {
                    PlotError::BadOption {
                        option: "sweep_x",
                        column: name.to_owned(),
                        problem: "not a swept column",
                        path: table.path.clone(),
                        allowed: if table.keys.is_empty() {
                            "(none: no column before `strategy`)".to_owned()
                        } else {
                            table.keys.join(", ")
                        },
                    }
                })?,
                None => match numeric
                    .iter()
                    .copied()
                    .find(|k| !variant.contains(k))
                    .or_else(|| (0..table.keys.len()).find(|k| !variant.contains(k)))
                {
                    Some(k) => k,
                    None if !table.keys.is_empty() => 0,
                    None => {
                        return Err(PlotError::BadOption {
                            option: "sweep_x",
                            column: String::new(),
                            problem: "no swept column (none before `strategy`)",
                            path: table.path.clone(),
                            allowed: "a sweep.csv with key columns".to_owned(),
                        })
                    }
                },
            };

        // x positions.
        let x_numeric = numeric.contains(&x_key);
        let raw_x = |r: &SummaryRow| r.keys[x_key].parse::<f64>().unwrap_or(0.0);
        let x_axis = if !x_numeric {
            XAxis::Categories(super::data::first_seen(
                table.rows.iter().map(|r| r.keys[x_key].as_str()),
            ))
        } else {
            let lo = table.rows.iter().map(raw_x).fold(f64::INFINITY, f64::min);
            let hi = table.rows.iter().map(raw_x).fold(0.0, f64::max);
            if lo > 0.0 && hi / lo >= 100.0 {
                XAxis::Log
            } else {
                XAxis::Linear
            }
        };
        let x_of = |r: &SummaryRow| -> f64 {
            match &x_axis {
                XAxis::Linear => raw_x(r),
                XAxis::Log => raw_x(r).log10(),
                XAxis::Categories(c) => {
                    c.iter().position(|v| *v == r.keys[x_key]).unwrap_or(0) as f64
                }
            }
        };

        // Line identities: per strategy, the other keys that vary among its
        // rows (variant keys excluded, as the panels separate them).
        let strategies = table.strategies();
        let strategy_of = |r: &SummaryRow| {
            strategies
                .iter()
                .position(|s| *s == r.strategy)
                .unwrap_or(0)
        };
        let varying: Vec<Vec<usize>> = strategies
            .iter()
            .map(|s| {
                (0..table.keys.len())
                    .filter(|&k| k != x_key && !variant.contains(&k))
                    .filter(|&k| {
                        let mut v = table
                            .rows
                            .iter()
                            .filter(|r| r.strategy == *s)
                            .map(|r| r.keys[k].as_str());
                        let first = v.next();
                        v.any(|x| Some(x) != first)
                    })
                    .collect()
            })
            .collect();
        let mut lines: Vec<LineId> = Vec::new();
        let mut line_keys: Vec<(usize, Vec<String>)> = Vec::new();
        let line_of = |r: &SummaryRow| -> (usize, Vec<String>) {
            let s = strategy_of(r);
            (s, varying[s].iter().map(|&k| r.keys[k].clone()).collect())
        };
        for r in &table.rows {
            let id = line_of(r);
            if !line_keys.contains(&id) {
                let combo = line_keys.iter().filter(|l| l.0 == id.0).count();
                let mut label = r.strategy.clone();
                for (j, &k) in varying[id.0].iter().enumerate() {
                    label.push_str(&format!(
                        "{}{}={}",
                        if j == 0 { " · " } else { ", " },
                        names[k],
                        id.1[j]
                    ));
                }
                lines.push(LineId {
                    strategy: id.0,
                    combo,
                    label,
                });
                line_keys.push(id);
            }
        }

        // Panels.
        let specs: Vec<PanelSpec> = match metric {
            Some(m) => {
                let (name, _) = describe_column(m);
                let who = match population_of(m) {
                    Population::Healthy => "healthy candidate",
                    Population::Faulty => "faulty candidate",
                    Population::All => "all rows",
                };
                vec![PanelSpec {
                    title: format!("{} ({who})", capitalize(&name)),
                    column: m,
                    population: population_of(m),
                    complement: false,
                    note: (is_never_quantile(m) && !table.detection_counts_misses()).then(|| {
                        "this sweep.csv has no detection_p50_detected_s: its quantiles \
                         ignore the misses"
                            .to_owned()
                    }),
                }]
            }
            None => {
                let counts_misses = table.detection_counts_misses();
                let excess = table.has_column("excess_bad_requests_mean");
                vec![
                    PanelSpec {
                        title: "Healthy candidate: false-rollback rate".to_owned(),
                        column: "false_rollback_rate",
                        population: Population::Healthy,
                        complement: false,
                        note: None,
                    },
                    PanelSpec {
                        title: "Faulty candidate: detect rate (1 − missed rate)".to_owned(),
                        column: "missed_rate",
                        population: Population::Faulty,
                        complement: true,
                        note: None,
                    },
                    PanelSpec {
                        title: "Faulty candidate: time to detection p50 (misses = never)"
                            .to_owned(),
                        column: if counts_misses { "detection_p50_s" } else { "" },
                        population: Population::Faulty,
                        complement: false,
                        note: (!counts_misses).then(|| {
                            "older sweep.csv: its detection_p50_s ignores misses".to_owned()
                        }),
                    },
                    PanelSpec {
                        title: if excess {
                            "Faulty candidate: mean excess bad requests".to_owned()
                        } else {
                            "Faulty candidate: mean bad requests (total: no excess column)"
                                .to_owned()
                        },
                        column: if excess {
                            "excess_bad_requests_mean"
                        } else {
                            "bad_requests_mean"
                        },
                        population: Population::Faulty,
                        complement: false,
                        note: None,
                    },
                ]
            }
        };
        let panels = specs
            .iter()
            .map(|spec| {
                let rows: Vec<&SummaryRow> = table
                    .rows
                    .iter()
                    .filter(|r| match spec.population {
                        Population::Healthy => table.is_faulty(r) == Some(false),
                        Population::Faulty => table.is_faulty(r) != Some(false),
                        Population::All => true,
                    })
                    .collect();
                let (name, unit) = describe_column(spec.column);
                let max = rows
                    .iter()
                    .filter_map(|r| table.value(r, spec.column))
                    .fold(0.0, f64::max);
                let (factor, unit_label) = axis_unit(unit, max);
                let y_desc = match (spec.complement, unit_label) {
                    (true, _) => "detected (% of faulty runs)".to_owned(),
                    (false, "") => name.clone(),
                    (false, u) if spec.column == "false_rollback_rate" => {
                        format!("false rollbacks ({u} of healthy runs)")
                    }
                    (false, u) if spec.column == "detection_p50_s" => {
                        format!("time to detection p50 ({u})")
                    }
                    (false, u) => format!("{name} ({u})"),
                };
                let never = is_never_quantile(spec.column) && table.detection_counts_misses();
                let lo_col = format!("{}_lo", spec.column);
                let hi_col = format!("{}_hi", spec.column);
                let mut series: Vec<Series> = Vec::new();
                if spec.note.is_none() {
                    for r in &rows {
                        let v = table.value(r, spec.column);
                        let y = match v {
                            Some(v) if spec.complement => Some(Some((1.0 - v) * factor)),
                            Some(v) => Some(Some(v * factor)),
                            None if never
                                && table.value(r, "missed_rate").is_some_and(|m| m > 0.0) =>
                            {
                                Some(None)
                            }
                            None => None,
                        };
                        let Some(y) = y else { continue };
                        let band = match (table.value(r, &lo_col), table.value(r, &hi_col)) {
                            (Some(lo), Some(hi)) if spec.complement => {
                                Some(((1.0 - hi) * factor, (1.0 - lo) * factor))
                            }
                            (Some(lo), Some(hi)) => Some((lo * factor, hi * factor)),
                            _ => None,
                        };
                        let id = line_of(r);
                        let line = line_keys.iter().position(|l| *l == id).unwrap_or(0);
                        let point = (x_of(r), y, band);
                        match series.iter_mut().find(|s| s.line == line) {
                            Some(s) => s.points.push(point),
                            None => series.push(Series {
                                line,
                                points: vec![point],
                            }),
                        }
                    }
                }
                for s in &mut series {
                    s.points.sort_by(|a, b| a.0.total_cmp(&b.0));
                }
                series.sort_by_key(|s| s.line);
                let note = spec.note.clone().or_else(|| {
                    series.is_empty().then(|| match spec.population {
                        Population::Healthy => "no healthy-candidate rows in this sweep".to_owned(),
                        Population::Faulty => "no faulty-candidate rows in this sweep".to_owned(),
                        Population::All => "the chosen column is empty in every row".to_owned(),
                    })
                });
                Panel {
                    title: spec.title.clone(),
                    y_desc,
                    y_rate: unit == Unit::Rate,
                    series,
                    note,
                }
            })
            .collect();

        let x_name = &names[x_key];
        let x_desc = match x_axis {
            XAxis::Log => format!("{x_name} (log scale) — {}", table.keys[x_key]),
            _ if *x_name != table.keys[x_key] => format!("{x_name} — {}", table.keys[x_key]),
            _ => x_name.clone(),
        };
        let title = match metric {
            Some(m) => format!("{} vs {x_name}", capitalize(&describe_column(m).0)),
            None => format!("Sweep over {x_name}: healthy and faulty candidate apart"),
        };
        let subtitle = "One line per strategy and combination of the other swept keys; \
                        shaded: 95 % CI; coinciding points spread sideways."
            .to_owned();
        Ok(SweepChart {
            title,
            subtitle,
            x_desc,
            x_axis,
            lines,
            panels,
        })
    }

    /// Replaces the chart title.
    pub fn title(mut self, title: Option<&str>) -> Self {
        if let Some(t) = title {
            self.title = t.to_owned();
        }
        self
    }

    /// The x range and tick positions shared by the panels.
    fn x_frame(&self) -> (f64, f64, Vec<f64>) {
        let xs = self
            .panels
            .iter()
            .flat_map(|p| p.series.iter().flat_map(|s| s.points.iter().map(|p| p.0)));
        let (x_lo, x_hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
            (a.min(x), b.max(x))
        });
        let (x_lo, x_hi) = if x_lo.is_finite() {
            (x_lo, x_hi)
        } else {
            (0.0, 1.0)
        };
        let pad = if x_hi > x_lo {
            (x_hi - x_lo) * 0.06
        } else {
            0.5
        };
        let (x0, x1) = match self.x_axis {
            XAxis::Categories(_) => (x_lo - 0.5, x_hi + 0.5),
            _ => (x_lo - pad, x_hi + pad),
        };
        let mut distinct: Vec<f64> = self
            .panels
            .iter()
            .flat_map(|p| p.series.iter().flat_map(|s| s.points.iter().map(|p| p.0)))
            .collect();
        distinct.sort_by(f64::total_cmp);
        distinct.dedup_by(|a, b| (*a - *b).abs() < 1e-12);
        let key_points: Vec<f64> = match &self.x_axis {
            XAxis::Linear | XAxis::Log if distinct.len() <= 12 => distinct,
            XAxis::Linear => style::ticks(x0, x1, 10),
            XAxis::Log => {
                let mut k = Vec::new();
                let mut e = x0.floor();
                while e <= x1 {
                    for m in [1.0f64, 2.0, 5.0] {
                        let v = e + m.log10();
                        if v >= x0 && v <= x1 {
                            k.push(v);
                        }
                    }
                    e += 1.0;
                }
                k
            }
            XAxis::Categories(c) => (0..c.len()).map(|i| i as f64).collect(),
        };
        (x0, x1, key_points)
    }
}

/// Lines of a panel identical to an earlier one: (line, earlier line).
fn identical(series: &[Series]) -> Vec<(usize, usize)> {
    let same = |a: &Series, b: &Series| {
        a.points.len() == b.points.len()
            && a.points.iter().zip(&b.points).all(|(p, q)| {
                (p.0 - q.0).abs() < 1e-12
                    && match (p.1, q.1) {
                        (Some(x), Some(y)) => (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0),
                        (None, None) => true,
                        _ => false,
                    }
            })
    };
    let mut out = Vec::new();
    for (i, s) in series.iter().enumerate() {
        if let Some(e) = series[..i].iter().find(|e| same(e, s)) {
            out.push((s.line, e.line));
        }
    }
    out
}

/// Sideways offsets (in axis units) of each series' points: points of
/// different lines closer than `tol` in y at the same x are spread apart by
/// `step` each, centred on the true x.
fn dodge(
    series: &[Series],
    y_of: impl Fn(Option<f64>) -> f64,
    tol: f64,
    step: f64,
) -> Vec<Vec<f64>> {
    let mut out: Vec<Vec<f64>> = series.iter().map(|s| vec![0.0; s.points.len()]).collect();
    let mut xs: Vec<f64> = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup_by(|a, b| (*a - *b).abs() < 1e-12);
    for x in xs {
        // (series, point, y) at this x, sorted by y.
        let mut here: Vec<(usize, usize, f64)> = series
            .iter()
            .enumerate()
            .flat_map(|(i, s)| {
                s.points
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| (p.0 - x).abs() < 1e-12)
                    .map(move |(j, p)| (i, j, p.1))
            })
            .map(|(i, j, y)| (i, j, y_of(y)))
            .collect();
        here.sort_by(|a, b| a.2.total_cmp(&b.2));
        let mut start = 0;
        while start < here.len() {
            let mut end = start + 1;
            while end < here.len() && here[end].2 - here[end - 1].2 <= tol {
                end += 1;
            }
            let n = end - start;
            if n > 1 {
                for (k, &(i, j, _)) in here[start..end].iter().enumerate() {
                    out[i][j] = (k as f64 - (n - 1) as f64 / 2.0) * step;
                }
            }
            start = end;
        }
    }
    out
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

/// Height of one note line under a panel's title.
const NOTE_LINE: u32 = 16;

impl SweepChart {
    /// "linear · periods=2 = same as linear · periods=1" per identical line.
    fn notes(&self, panel: &Panel) -> Vec<String> {
        let mut notes: Vec<String> = identical(&panel.series)
            .into_iter()
            .map(|(a, b)| format!("{} = same as {}", self.lines[a].label, self.lines[b].label))
            .collect();
        if notes.len() > 3 {
            let more = notes.len() - 2;
            notes.truncate(2);
            notes.push(format!("… and {more} more lines identical to another"));
        }
        notes
    }

    #[allow(clippy::too_many_arguments)]
    fn draw_panel<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        cell: &DrawingArea<DB, Shift>,
        panel: &Panel,
        x: std::ops::Range<f64>,
        key_points: &[f64],
        notes: &[String],
        note_lines: usize,
    ) -> Result<(), DrawError> {
        let (cw, _) = cell.dim_in_pixel();
        let f = style::bold(style::LEGEND_FONT_SIZE + 2.0);
        let left = (style::MARGIN + style::Y_LABEL_AREA / 2) as i32;
        let room = cw.saturating_sub(left as u32 + style::MARGIN);
        cell.draw(&Text::new(
            style::fit_text(&f, &panel.title, room),
            (left, 12),
            f.color(&style::TEXT_COLOR)
                .pos(plotters::style::text_anchor::Pos::new(
                    HPos::Left,
                    VPos::Center,
                )),
        ))?;
        let g = style::font(style::POINT_LABEL_FONT_SIZE);
        for (i, n) in notes.iter().enumerate() {
            cell.draw(&Text::new(
                style::fit_text(&g, n, room),
                (
                    left,
                    24 + (i as u32 * NOTE_LINE) as i32 + NOTE_LINE as i32 / 2,
                ),
                g.color(&style::NOTE_COLOR)
                    .pos(plotters::style::text_anchor::Pos::new(
                        HPos::Left,
                        VPos::Center,
                    )),
            ))?;
        }
        let (_, body) = cell.split_vertically(26 + note_lines as u32 * NOTE_LINE);

        let finite = panel
            .series
            .iter()
            .flat_map(|s| s.points.iter())
            .filter_map(|p| p.1.map(|y| p.2.map_or(y, |b| b.1.max(y))));
        let y_hi = finite.fold(0.0, f64::max);
        // All zero or no data: a unit axis rather than one of 1e-9.
        let mut y_data_top = if y_hi > 0.0 {
            style::nice_ceil(y_hi * 1.1)
        } else {
            1.0
        };
        if panel.y_rate {
            y_data_top = y_data_top.min(100.0);
            if y_hi >= 99.0 {
                y_data_top = 100.0;
            }
        }
        let any_never = panel
            .series
            .iter()
            .any(|s| s.points.iter().any(|p| p.1.is_none()));
        let band = any_never.then(|| {
            let lo = y_data_top * 1.04;
            (lo, lo + y_data_top * 0.18)
        });
        // A little room above a rate's 100 % so markers are not cut.
        let y_top = band.map_or(y_data_top * 1.04, |b| b.1);
        let never_y = band.map_or(0.0, |b| (b.0 + b.1) / 2.0);
        let y_of = |y: Option<f64>| y.unwrap_or(never_y);
        let y_ticks = if panel.series.is_empty() {
            Vec::new()
        } else {
            style::ticks(0.0, y_data_top, 5)
        };

        let n_keys = key_points.len();
        let mut chart = ChartBuilder::on(&body)
            .margin_left(style::MARGIN)
            .margin_right(style::MARGIN)
            .margin_bottom(6)
            .margin_top(4)
            .x_label_area_size(if self.panels.len() > 1 {
                48
            } else {
                style::X_LABEL_AREA
            })
            .y_label_area_size(style::Y_LABEL_AREA)
            .build_cartesian_2d(
                TickAxis::new(x.clone(), key_points.to_vec()),
                TickAxis::new(-y_top * 0.02..y_top, y_ticks),
            )?;
        let x_axis = self.x_axis.clone();
        let x_fmt = move |v: &f64| match &x_axis {
            XAxis::Linear => fmt_num(*v),
            XAxis::Log => fmt_num(10f64.powf(*v)),
            XAxis::Categories(c) => c.get(v.round() as usize).cloned().unwrap_or_default(),
        };
        chart
            .configure_mesh()
            .x_desc(self.x_desc.as_str())
            .y_desc(panel.y_desc.as_str())
            .axis_desc_style(style::font(style::TICK_FONT_SIZE).color(&style::TEXT_COLOR))
            .label_style(style::font(style::TICK_FONT_SIZE).color(&style::TEXT_COLOR))
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&|v| fmt_num(*v))
            .light_line_style(WHITE)
            .bold_line_style(style::GRID_COLOR)
            .axis_style(style::AXIS_COLOR)
            .x_labels(n_keys + 1)
            .y_labels(8)
            .draw()?;
        if let Some((lo, hi)) = band {
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x.start, lo), (x.end, hi)],
                style::BAND_INSUFFICIENT.filled(),
            )))?;
            style::label_never_band(
                root,
                chart.backend_coord(&(x.start, hi)),
                chart.backend_coord(&(x.end, lo)),
                "never (p50 among the misses)",
                style::POINT_LABEL_FONT_SIZE,
            )?;
        }

        // Sideways spread of coinciding points: 1.2 % of the y range apart
        // counts as coinciding; steps of a fraction of the x spacing.
        let min_gap = key_points
            .windows(2)
            .map(|w| w[1] - w[0])
            .fold(x.end - x.start, f64::min);
        let n_lines = panel.series.len().max(1) as f64;
        let step = (min_gap * 0.5 / n_lines).min((x.end - x.start) * 0.018);
        let offsets = dodge(&panel.series, y_of, y_top * 0.012, step);

        // Bands first, then lines, then markers.
        for s in &panel.series {
            let color = style::strategy_color(self.lines[s.line].strategy);
            let band: Vec<(f64, f64, f64)> = s
                .points
                .iter()
                .filter(|p| p.1.is_some())
                .filter_map(|p| p.2.map(|(lo, hi)| (p.0, lo.max(0.0), hi.min(y_data_top))))
                .collect();
            if band.len() >= 2 {
                let mut poly: Vec<(f64, f64)> = band.iter().map(|b| (b.0, b.2)).collect();
                poly.extend(band.iter().rev().map(|b| (b.0, b.1)));
                chart.draw_series(std::iter::once(Polygon::new(
                    poly,
                    color.mix(0.10).filled(),
                )))?;
            }
        }
        for (s, offs) in panel.series.iter().zip(&offsets) {
            let id = &self.lines[s.line];
            let color = style::strategy_color(id.strategy);
            // Segments between defined points; a "never" point breaks the line.
            let mut segs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
            for (p, o) in s.points.iter().zip(offs) {
                match p.1 {
                    Some(y) => segs.last_mut().expect("one").push((p.0 + o, y)),
                    None => segs.push(Vec::new()),
                }
            }
            for seg in segs.into_iter().filter(|s| s.len() >= 2) {
                if id.combo % 2 == 1 {
                    chart.draw_series(DashedLineSeries::new(
                        seg,
                        style::DASH.0,
                        style::DASH.1,
                        color.stroke_width(2),
                    ))?;
                } else {
                    chart.draw_series(LineSeries::new(seg, color.stroke_width(2)))?;
                }
            }
        }
        for (s, offs) in panel.series.iter().zip(&offsets) {
            let id = &self.lines[s.line];
            let color = style::strategy_color(id.strategy);
            for (p, o) in s.points.iter().zip(offs) {
                let px = chart.backend_coord(&(p.0 + o, y_of(p.1)));
                style::draw_marker(root, px, style::shape(id.combo), 5, &color, p.1.is_some())?;
            }
        }

        let plot = chart.plotting_area();
        if let Some(note) = &panel.note {
            style::draw_note(&plot.strip_coord_spec(), note)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(line: usize, ys: &[Option<f64>]) -> Series {
        Series {
            line,
            points: ys
                .iter()
                .enumerate()
                .map(|(i, y)| (i as f64, *y, None))
                .collect(),
        }
    }

    #[test]
    fn identical_lines_are_found_and_spread() {
        let s = vec![
            series(0, &[Some(1.0), Some(2.0)]),
            series(1, &[Some(1.0), Some(2.0)]),
            series(2, &[Some(5.0), None]),
        ];
        assert_eq!(identical(&s), vec![(1, 0)]);
        let o = dodge(&s, |y| y.unwrap_or(10.0), 0.1, 0.2);
        assert_eq!(o[0], vec![-0.1, -0.1]);
        assert_eq!(o[1], vec![0.1, 0.1]);
        assert_eq!(o[2], vec![0.0, 0.0]);
    }

    #[test]
    fn populations_of_chosen_columns() {
        assert_eq!(population_of("false_rollback_rate"), Population::Healthy);
        assert_eq!(population_of("detection_p50_s"), Population::Faulty);
        assert_eq!(
            population_of("excess_bad_requests_mean_lo"),
            Population::Faulty
        );
        assert_eq!(population_of("deploy_mean_s"), Population::All);
    }
}
