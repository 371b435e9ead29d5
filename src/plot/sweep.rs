//! One summary column against one swept key, a line per strategy.
//!
//! x = a swept key (default: the first numeric one; a key with non-numeric
//! values is spaced evenly in order of appearance), y = a summary column
//! (default `detection_p50_s`). There is one line per strategy and per
//! combination of the other swept keys (colour = strategy, marker and dash
//! = combination). Where the file has `<col>_lo` and `<col>_hi`, the 95 %
//! confidence interval is shaded. Keys spanning more than two decades get a
//! logarithmic x axis.

use plotters::coord::Shift;
use plotters::element::Polygon;
use plotters::prelude::*;

use super::data::{axis_unit, describe_column, short_key_names, SummaryTable};
use super::legend::{self, LegendItem, Swatch};
use super::style::{self, fmt_num, TickAxis};
use super::{Chart, DrawError, PlotError};

const DEFAULT_METRIC: &str = "detection_p50_s";

/// The sweep chart (`sweep.svg|png`).
pub struct SweepChart {
    title: String,
    subtitle: String,
    x_desc: String,
    y_desc: String,
    /// Axis mode of x.
    x_axis: XAxis,
    /// Whether y is a rate (axis capped at 100 %).
    y_rate: bool,
    lines: Vec<Line>,
}

#[derive(Debug, Clone)]
enum XAxis {
    Linear,
    /// log10 of the value on a linear axis.
    Log,
    /// Categorical values at 0, 1, 2, … with these labels.
    Categories(Vec<String>),
}

/// One point of a line: axis x, y and the optional (lo, hi) band.
type LinePoint = (f64, f64, Option<(f64, f64)>);

#[derive(Debug, Clone)]
struct Line {
    strategy: usize,
    /// Index of the other-keys combination (marker and dash).
    combo: usize,
    label: String,
    /// (axis x, y, optional (lo, hi)), sorted by x.
    points: Vec<LinePoint>,
}

impl SweepChart {
    /// Prepares the chart; `x` picks the swept key, `metric` the y column.
    pub fn new(
        table: &SummaryTable,
        x: Option<&str>,
        metric: Option<&str>,
    ) -> Result<Self, PlotError> {
        let metric = metric.unwrap_or(DEFAULT_METRIC);
        if !table.has_column(metric) {
            return Err(PlotError::BadOption {
                option: "sweep_metric",
                column: metric.to_owned(),
                problem: "not a numeric summary column",
                path: table.path.clone(),
                allowed: table.columns.join(", "),
            });
        }
        let numeric = table.numeric_keys();
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
                None => match numeric.first().copied() {
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
        let names = short_key_names(&table.keys);
        let strategies = table.strategies();

        // x positions.
        let x_numeric = numeric.contains(&x_key);
        let raw_x: Vec<f64> = if x_numeric {
            table
                .rows
                .iter()
                .map(|r| r.keys[x_key].parse::<f64>().unwrap_or(0.0))
                .collect()
        } else {
            Vec::new()
        };
        let x_axis = if !x_numeric {
            let mut cats: Vec<String> = Vec::new();
            for r in &table.rows {
                if !cats.contains(&r.keys[x_key]) {
                    cats.push(r.keys[x_key].clone());
                }
            }
            XAxis::Categories(cats)
        } else {
            let lo = raw_x.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = raw_x.iter().copied().fold(0.0, f64::max);
            if lo > 0.0 && hi / lo >= 100.0 {
                XAxis::Log
            } else {
                XAxis::Linear
            }
        };
        let x_of = |i: usize| -> f64 {
            match &x_axis {
                XAxis::Linear => raw_x[i],
                XAxis::Log => raw_x[i].log10(),
                XAxis::Categories(c) => c
                    .iter()
                    .position(|v| *v == table.rows[i].keys[x_key])
                    .unwrap_or(0) as f64,
            }
        };

        // y values.
        let (y_name, y_unit) = describe_column(metric);
        let y_max = table
            .rows
            .iter()
            .filter_map(|r| table.value(r, metric))
            .fold(0.0, f64::max);
        let (factor, unit_label) = axis_unit(y_unit, y_max);
        let lo_col = format!("{metric}_lo");
        let hi_col = format!("{metric}_hi");
        let has_band = table.has_column(&lo_col) && table.has_column(&hi_col);

        // Lines: per strategy × combination of the other keys.
        let others: Vec<usize> = (0..table.keys.len()).filter(|&k| k != x_key).collect();
        let mut combos: Vec<Vec<&str>> = Vec::new();
        let mut lines: Vec<Line> = Vec::new();
        for (i, r) in table.rows.iter().enumerate() {
            let Some(y) = table.value(r, metric) else {
                continue;
            };
            let combo_values: Vec<&str> = others.iter().map(|&k| r.keys[k].as_str()).collect();
            let combo = match combos.iter().position(|c| *c == combo_values) {
                Some(c) => c,
                None => {
                    combos.push(combo_values.clone());
                    combos.len() - 1
                }
            };
            let strategy = strategies
                .iter()
                .position(|s| *s == r.strategy)
                .unwrap_or(0);
            let band = if has_band {
                match (table.value(r, &lo_col), table.value(r, &hi_col)) {
                    (Some(lo), Some(hi)) => Some((lo * factor, hi * factor)),
                    _ => None,
                }
            } else {
                None
            };
            let point = (x_of(i), y * factor, band);
            match lines
                .iter_mut()
                .find(|l| l.strategy == strategy && l.combo == combo)
            {
                Some(l) => l.points.push(point),
                None => {
                    let mut label = r.strategy.clone();
                    for (j, &k) in others.iter().enumerate() {
                        label.push_str(&format!(
                            "{}{}={}",
                            if j == 0 { " · " } else { ", " },
                            names[k],
                            combo_values[j]
                        ));
                    }
                    lines.push(Line {
                        strategy,
                        combo,
                        label,
                        points: vec![point],
                    })
                }
            }
        }
        for l in &mut lines {
            l.points.sort_by(|a, b| a.0.total_cmp(&b.0));
        }
        lines.sort_by_key(|l| (l.strategy, l.combo));

        let x_name = &names[x_key];
        let x_desc = match x_axis {
            XAxis::Log => format!("{x_name} (log scale) — {}", table.keys[x_key]),
            _ if *x_name != table.keys[x_key] => format!("{x_name} — {}", table.keys[x_key]),
            _ => x_name.clone(),
        };
        let y_desc = if unit_label.is_empty() {
            y_name.clone()
        } else {
            format!("{y_name} ({unit_label})")
        };
        let mut subtitle = if others.is_empty() {
            "One line per strategy".to_owned()
        } else {
            "One line per strategy and combination of the other swept keys".to_owned()
        };
        subtitle.push_str(if has_band {
            "; shaded: 95 % confidence interval."
        } else {
            "; no confidence interval in the file for this column."
        });
        Ok(SweepChart {
            title: format!("{} vs {x_name}", capitalize(&y_name)),
            subtitle,
            x_desc,
            y_desc,
            x_axis,
            y_rate: y_unit == super::data::Unit::Rate,
            lines,
        })
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

impl Chart for SweepChart {
    fn size(&self) -> (u32, u32) {
        style::CHART_SIZE
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

        let xs = self.lines.iter().flat_map(|l| l.points.iter().map(|p| p.0));
        let (x_lo, x_hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
            (a.min(x), b.max(x))
        });
        let (x_lo, x_hi) = if x_lo.is_finite() {
            (x_lo, x_hi)
        } else {
            (0.0, 1.0)
        };
        let pad = if x_hi > x_lo {
            (x_hi - x_lo) * 0.05
        } else {
            0.5
        };
        let (x0, x1) = match self.x_axis {
            XAxis::Categories(_) => (x_lo - 0.5, x_hi + 0.5),
            _ => (x_lo - pad, x_hi + pad),
        };
        let y_hi = self
            .lines
            .iter()
            .flat_map(|l| l.points.iter().map(|p| p.2.map_or(p.1, |b| b.1.max(p.1))))
            .fold(0.0, f64::max);
        let mut y_top = style::nice_ceil((y_hi * 1.1).max(1e-9));
        if self.y_rate {
            y_top = y_top.min(100.0);
        }
        // Few swept values: tick exactly at them.
        let mut distinct: Vec<f64> = self
            .lines
            .iter()
            .flat_map(|l| l.points.iter().map(|p| p.0))
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
        let n_keys = key_points.len();

        let mut chart = ChartBuilder::on(&area)
            .margin_left(style::MARGIN)
            .margin_right(style::MARGIN * 2)
            .margin_bottom(style::MARGIN)
            .margin_top(8)
            .x_label_area_size(style::X_LABEL_AREA)
            .y_label_area_size(style::Y_LABEL_AREA)
            .build_cartesian_2d(TickAxis::new(x0..x1, key_points), 0f64..y_top)?;
        let x_axis = self.x_axis.clone();
        let x_fmt = move |v: &f64| match &x_axis {
            XAxis::Linear => fmt_num(*v),
            XAxis::Log => fmt_num(10f64.powf(*v)),
            XAxis::Categories(c) => c.get(v.round() as usize).cloned().unwrap_or_default(),
        };
        chart
            .configure_mesh()
            .x_desc(self.x_desc.as_str())
            .y_desc(self.y_desc.as_str())
            .axis_desc_style(style::font(style::AXIS_DESC_FONT_SIZE).color(&style::TEXT_COLOR))
            .label_style(style::font(style::TICK_FONT_SIZE).color(&style::TEXT_COLOR))
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&|v| fmt_num(*v))
            .light_line_style(WHITE)
            .bold_line_style(style::GRID_COLOR)
            .axis_style(style::AXIS_COLOR)
            .x_labels(n_keys + 1)
            .y_labels(10)
            .draw()?;

        // Bands first, then lines, then markers.
        for l in &self.lines {
            let band: Vec<(f64, f64, f64)> = l
                .points
                .iter()
                .filter_map(|p| p.2.map(|(lo, hi)| (p.0, lo, hi.min(y_top))))
                .collect();
            if band.len() >= 2 {
                let mut poly: Vec<(f64, f64)> = band.iter().map(|b| (b.0, b.2)).collect();
                poly.extend(band.iter().rev().map(|b| (b.0, b.1)));
                chart.draw_series(std::iter::once(Polygon::new(
                    poly,
                    style::strategy_color(l.strategy).mix(0.13).filled(),
                )))?;
            } else if let Some(&(x, lo, hi)) = band.first() {
                chart.draw_series(LineSeries::new(
                    [(x, lo), (x, hi)],
                    style::strategy_color(l.strategy).mix(0.4).stroke_width(6),
                ))?;
            }
        }
        for l in &self.lines {
            let color = style::strategy_color(l.strategy);
            let pts: Vec<(f64, f64)> = l.points.iter().map(|p| (p.0, p.1)).collect();
            if l.combo % 2 == 1 {
                chart.draw_series(DashedLineSeries::new(
                    pts,
                    style::DASH.0,
                    style::DASH.1,
                    color.stroke_width(2),
                ))?;
            } else {
                chart.draw_series(LineSeries::new(pts, color.stroke_width(2)))?;
            }
        }
        for l in &self.lines {
            let color = style::strategy_color(l.strategy);
            for p in &l.points {
                let px = chart.backend_coord(&(p.0, p.1));
                style::draw_marker(root, px, style::shape(l.combo), 5, &color, true)?;
            }
        }
        if self.lines.is_empty() {
            style::draw_note(
                &chart.plotting_area().strip_coord_spec(),
                "the chosen column is empty in every row",
            )?;
        }
        Ok(())
    }
}
