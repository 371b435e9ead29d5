//! Trade-off between false rollbacks and what a faulty candidate costs, over
//! a sweep.
//!
//! One point per (grid point, strategy) of `sweep.csv`: x = false rollback
//! rate, y = a chosen summary column of the faulty candidate, whiskers = the
//! 95 % intervals where `<col>_lo`/`<col>_hi` exist, each point labelled with
//! its swept values and its missed-fault rate (`missed 94%`). The default y,
//! `excess_bad_requests_mean`, counts misses: a missed fault keeps failing
//! requests. With `detection_p50_s` / `detection_p95_s` (quantiles over all
//! faulty runs, a miss counting as never), a point whose quantile falls among
//! the misses (empty cell) is drawn in a "missed / never" band above the
//! axis rather than left out. Files without `excess_bad_requests_mean`
//! (older sweeps) fall back to `bad_requests_mean` and the title says so.
//!
//! Which rows give x and y is decided from the data, not from column names:
//! - rows with a healthy candidate and rows with a faulty one both present:
//!   each faulty row's y is paired with the healthy row of the same strategy
//!   and the same values of the swept keys the two groups share (a key whose
//!   healthy and faulty values differ is taken to be the one selecting the
//!   variant);
//! - only healthy rows: x and y from the same row;
//! - only faulty rows: x falls back to the rollback rate, and the title says so.

use plotters::coord::Shift;
use plotters::element::{DashedPathElement, PathElement};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::data::{
    axis_unit, describe_column, is_never_quantile, short_key_names, SummaryRow, SummaryTable,
};
use super::legend::{self, LegendItem, Swatch};
use super::style::{self, fmt_num, TickAxis};
use super::{Chart, DrawError, PlotError};

const DEFAULT_Y: &str = "excess_bad_requests_mean";
/// Used when a file has no [`DEFAULT_Y`] (sweeps written before it existed).
const FALLBACK_Y: &str = "bad_requests_mean";

/// The trade-off chart (`tradeoff.svg|png`).
pub struct TradeoffChart {
    title: String,
    subtitle: String,
    x_desc: String,
    y_desc: String,
    strategies: Vec<String>,
    /// Short names of the swept keys in the point labels.
    label_keys: Vec<String>,
    /// "threshold = alarms.error_rate.threshold" for abbreviated keys,
    /// written under the legend.
    key_note: Option<String>,
    points: Vec<Point>,
}

#[derive(Debug, Clone)]
struct Point {
    strategy: usize,
    /// Values of `label_keys`.
    keys: Vec<String>,
    /// Axis values (x in percent); `y` is `None` for "never".
    x: f64,
    y: Option<f64>,
    /// Missed-fault rate of the faulty row, in [0, 1].
    missed: Option<f64>,
    x_ci: Option<(f64, f64)>,
    y_ci: Option<(f64, f64)>,
}

fn ci(table: &SummaryTable, row: &SummaryRow, col: &str, factor: f64) -> Option<(f64, f64)> {
    Some((
        table.value(row, &format!("{col}_lo"))? * factor,
        table.value(row, &format!("{col}_hi"))? * factor,
    ))
}

/// `missed 94%`: whole percent, never rounding a partial miss to 0 or 100.
pub(crate) fn missed_label(missed: f64) -> String {
    let pct = missed * 100.0;
    if pct <= 0.0 {
        "0%".to_owned()
    } else if pct < 0.5 {
        "<1%".to_owned()
    } else if (99.5..100.0).contains(&pct) {
        ">99%".to_owned()
    } else {
        format!("{:.0}%", pct)
    }
}

impl TradeoffChart {
    /// Prepares the chart from a sweep table; `y` chooses the y column.
    pub fn new(table: &SummaryTable, y: Option<&str>) -> Result<Self, PlotError> {
        let y_col = match y {
            Some(c) => c,
            None if table.has_column(DEFAULT_Y) || !table.has_column(FALLBACK_Y) => DEFAULT_Y,
            None => FALLBACK_Y,
        };
        if y.is_none() {
            table.require(y_col)?;
        }
        if !table.has_column(y_col) || y_col == "false_rollback_rate" {
            return Err(PlotError::BadOption {
                option: "tradeoff_y",
                column: y_col.to_owned(),
                problem: "not a numeric summary column",
                path: table.path.clone(),
                allowed: table.columns.join(", "),
            });
        }
        table.require("missed_rate")?;
        let never_band = is_never_quantile(y_col);
        if never_band && !table.detection_counts_misses() {
            // An older file: its detection quantiles ignore the misses.
            return Err(PlotError::MissingColumn {
                path: table.path.clone(),
                column: "detection_p50_detected_s".to_owned(),
            });
        }
        let strategies = table.strategies();
        let strategy_index = |r: &SummaryRow| {
            strategies
                .iter()
                .position(|s| *s == r.strategy)
                .unwrap_or(0)
        };
        let healthy: Vec<&SummaryRow> = table
            .rows
            .iter()
            .filter(|r| table.is_faulty(r) == Some(false))
            .collect();
        let faulty: Vec<&SummaryRow> = table
            .rows
            .iter()
            .filter(|r| table.is_faulty(r) != Some(false))
            .collect();

        // Swept keys shared by both groups (all keys if one group is empty).
        let shared: Vec<usize> = (0..table.keys.len())
            .filter(|&k| {
                if healthy.is_empty() || faulty.is_empty() {
                    return true;
                }
                let mut a: Vec<&str> = healthy.iter().map(|r| r.keys[k].as_str()).collect();
                let mut b: Vec<&str> = faulty.iter().map(|r| r.keys[k].as_str()).collect();
                a.sort_unstable();
                a.dedup();
                b.sort_unstable();
                b.dedup();
                a == b
            })
            .collect();
        let names = short_key_names(&table.keys);
        let label =
            |r: &SummaryRow| -> Vec<String> { shared.iter().map(|&k| r.keys[k].clone()).collect() };

        let (y_name, y_unit) = describe_column(y_col);
        // The title names the quantity without the axis' explanation.
        let y_short = y_name.split(" (").next().unwrap_or(&y_name).to_owned();
        let y_max = table
            .rows
            .iter()
            .filter_map(|r| table.value(r, y_col))
            .fold(0.0, f64::max);
        let (y_factor, y_unit_label) = axis_unit(y_unit, y_max);
        let y_desc = if y_unit_label.is_empty() {
            y_name.clone()
        } else {
            format!("{y_name} ({y_unit_label})")
        };
        // The y value of a row: `Some(None)` = never (an empty quantile
        // among the misses), `None` = nothing to draw.
        let y_of = |r: &SummaryRow| -> Option<Option<f64>> {
            match table.value(r, y_col) {
                Some(v) => Some(Some(v * y_factor)),
                None if never_band && table.value(r, "missed_rate").is_some_and(|m| m > 0.0) => {
                    Some(None)
                }
                None => None,
            }
        };

        let mut points = Vec::new();
        let (mut title, x_desc);
        if !healthy.is_empty() && !faulty.is_empty() {
            for f in &faulty {
                let Some(y) = y_of(f) else {
                    continue;
                };
                let Some(h) = healthy.iter().find(|h| {
                    h.strategy == f.strategy && shared.iter().all(|&k| h.keys[k] == f.keys[k])
                }) else {
                    continue;
                };
                let Some(x) = table.value(h, "false_rollback_rate") else {
                    continue;
                };
                points.push(Point {
                    strategy: strategy_index(f),
                    keys: label(f),
                    x: x * 100.0,
                    y,
                    missed: table.value(f, "missed_rate"),
                    x_ci: ci(table, h, "false_rollback_rate", 100.0),
                    y_ci: ci(table, f, y_col, y_factor),
                });
            }
            title = format!(
                "Trade-off: false rollbacks (healthy candidate) vs {y_short} (faulty candidate)"
            );
            x_desc = "false rollback rate, healthy candidate (%)".to_owned();
        } else {
            let x_col = if faulty.is_empty() {
                "false_rollback_rate"
            } else {
                "rollback_rate"
            };
            for r in &table.rows {
                let (Some(x), Some(y)) = (table.value(r, x_col), y_of(r)) else {
                    continue;
                };
                points.push(Point {
                    strategy: strategy_index(r),
                    keys: label(r),
                    x: x * 100.0,
                    y,
                    missed: table.value(r, "missed_rate"),
                    x_ci: ci(table, r, x_col, 100.0),
                    y_ci: ci(table, r, y_col, y_factor),
                });
            }
            if faulty.is_empty() {
                title = format!("Trade-off: false rollback rate vs {y_short}");
                x_desc = "false rollback rate (%)".to_owned();
            } else {
                title = format!(
                    "Trade-off: rollback rate vs {y_short} \
                     (fallback: no false-rollback data in this sweep)"
                );
                x_desc = "rollback rate (%)".to_owned();
            }
        }
        let mut subtitle = "One point per grid point and strategy, labelled with its swept \
                            values and the % of faulty runs missed; whiskers: 95 % CI"
            .to_owned();
        if y.is_none() && y_col == FALLBACK_Y {
            title.push_str(" — total, not excess");
            subtitle = "No excess_bad_requests_mean in this sweep.csv: y counts every bad \
                        request, baseline failures included; whiskers: 95 % CI"
                .to_owned();
        }
        let key_list: Vec<String> = shared
            .iter()
            .filter(|&&k| names[k] != table.keys[k])
            .map(|&k| format!("{} = {}", names[k], table.keys[k]))
            .collect();
        let key_note = (!key_list.is_empty()).then(|| key_list.join(", "));
        Ok(TradeoffChart {
            title,
            subtitle,
            x_desc,
            y_desc,
            strategies,
            label_keys: shared.iter().map(|&k| names[k].clone()).collect(),
            key_note,
            points,
        })
    }

    /// Replaces the chart title.
    pub fn title(mut self, title: Option<&str>) -> Self {
        if let Some(t) = title {
            self.title = t.to_owned();
        }
        self
    }
}

/// An axis-aligned pixel rectangle.
#[derive(Debug, Clone, Copy)]
struct Rect {
    x0: i32,
    y0: i32,
    x1: i32,
    y1: i32,
}

impl Rect {
    fn overlap(&self, o: &Rect) -> i64 {
        let w = (self.x1.min(o.x1) - self.x0.max(o.x0)).max(0) as i64;
        let h = (self.y1.min(o.y1) - self.y0.max(o.y0)).max(0) as i64;
        w * h
    }

    fn outside(&self, bounds: &Rect) -> i64 {
        let area = ((self.x1 - self.x0) * (self.y1 - self.y0)) as i64;
        area - self.overlap(bounds)
    }
}

/// Greedy label placement: for each label (in order), the first free spot
/// in a list of candidates ordered by distance from its point: right, left,
/// above and below the point, then the same sides shifted along them
/// (stacking labels of a cluster), then further out. A spot is free if it
/// overlaps no placed label, no marker and stays inside the plot; if none
/// is, the least-overlapping spot is used. Returns per label the text's
/// top-left corner and whether a leader line to the point is needed.
fn place_labels(
    anchors: &[(i32, i32)],
    sizes: &[(u32, u32)],
    markers: &[(i32, i32)],
    bounds: Rect,
) -> Vec<((i32, i32), bool)> {
    const R: i32 = 9;
    let mut placed: Vec<Rect> = Vec::new();
    let marker_rects: Vec<Rect> = markers
        .iter()
        .map(|&(x, y)| Rect {
            x0: x - 7,
            y0: y - 7,
            x1: x + 7,
            y1: y + 7,
        })
        .collect();
    let mut out = Vec::new();
    for (&(px, py), &(w, h)) in anchors.iter().zip(sizes) {
        let (w, h) = (w as i32, h as i32);
        let mut best: Option<(i64, Rect, bool)> = None;
        let mut rank = 0i64;
        'search: for ring in 0..5 {
            let d = R + ring * 24;
            for k in [0, -1, 1, -2, 2, -3, 3, -4, 4] {
                let dy = k * (h + 2);
                let dx = k * (w / 3);
                let candidates = [
                    (px + d, py - h / 2 + dy),     // right
                    (px - d - w, py - h / 2 + dy), // left
                    (px - w / 2 + dx, py - d - h), // above
                    (px - w / 2 + dx, py + d),     // below
                ];
                for (x, y) in candidates {
                    let r = Rect {
                        x0: x,
                        y0: y,
                        x1: x + w,
                        y1: y + h,
                    };
                    let overlap = placed.iter().map(|p| p.overlap(&r)).sum::<i64>()
                        + marker_rects.iter().map(|m| m.overlap(&r)).sum::<i64>()
                        + 100 * r.outside(&bounds);
                    let score = overlap * 1000 + rank;
                    rank += 1;
                    if best.as_ref().map_or(true, |b| score < b.0) {
                        best = Some((score, r, ring > 0 || k != 0));
                    }
                    if overlap == 0 {
                        break 'search;
                    }
                }
            }
        }
        let (_, r, leader) = best.expect("at least one candidate");
        placed.push(r);
        out.push(((r.x0, r.y0), leader));
    }
    out
}

impl Chart for TradeoffChart {
    fn size(&self) -> (u32, u32) {
        style::CHART_SIZE
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        let area = style::draw_title(root, &self.title, Some(&self.subtitle))?;
        let items: Vec<LegendItem> = self
            .strategies
            .iter()
            .enumerate()
            .map(|(i, s)| {
                LegendItem::new(
                    Swatch::Marker {
                        color: style::strategy_color(i),
                        shape: style::shape(i),
                        filled: true,
                    },
                    s.clone(),
                )
            })
            .collect();
        let mut items = items;
        if let Some(note) = &self.key_note {
            items.push(LegendItem::row_break());
            items.push(LegendItem::new(Swatch::Heading, note.clone()));
        }
        let area = legend::draw(&area, &items)?;

        // Data extent including the confidence whiskers ("never" points
        // count for x only).
        let (x_lo, x_hi) = self
            .points
            .iter()
            .fold((f64::INFINITY, 0.0f64), |(lo, hi), p| {
                let (a, b) = p.x_ci.map_or((p.x, p.x), |c| (c.0.min(p.x), c.1.max(p.x)));
                (lo.min(a), hi.max(b))
            });
        let (y_lo, y_hi) = self
            .points
            .iter()
            .filter_map(|p| p.y.map(|y| (y, p.y_ci)))
            .fold((f64::INFINITY, 0.0f64), |(lo, hi), (y, ci)| {
                let (a, b) = ci.map_or((y, y), |c| (c.0.min(y), c.1.max(y)));
                (lo.min(a), hi.max(b))
            });
        let x_range = style::scatter_range(x_lo, x_hi, Some(100.0));
        let y_data = style::scatter_range(y_lo, y_hi, None);
        let y_ticks = style::ticks(y_data.start, y_data.end, 8);
        // The "missed / never" band above the data, when a point needs it.
        let any_never = self.points.iter().any(|p| p.y.is_none());
        let span = y_data.end - y_data.start;
        let band = any_never.then(|| {
            let lo = y_data.end + 0.03 * span;
            (lo, lo + 0.16 * span)
        });
        let y_top = band.map_or(y_data.end, |b| b.1);
        let never_y = band.map_or(0.0, |b| (b.0 + b.1) / 2.0);
        let y_at = |p: &Point| p.y.unwrap_or(never_y);

        let mut chart = ChartBuilder::on(&area)
            .margin_left(style::MARGIN)
            .margin_right(style::MARGIN * 2)
            .margin_bottom(style::MARGIN)
            .margin_top(8)
            .x_label_area_size(style::X_LABEL_AREA)
            .y_label_area_size(style::Y_LABEL_AREA)
            .build_cartesian_2d(x_range.clone(), TickAxis::new(y_data.start..y_top, y_ticks))?;
        chart
            .configure_mesh()
            .x_desc(self.x_desc.as_str())
            .y_desc(self.y_desc.as_str())
            .axis_desc_style(style::font(style::AXIS_DESC_FONT_SIZE).color(&style::TEXT_COLOR))
            .label_style(style::font(style::TICK_FONT_SIZE).color(&style::TEXT_COLOR))
            .x_label_formatter(&|v| fmt_num(*v))
            .y_label_formatter(&|v| fmt_num(*v))
            .light_line_style(WHITE)
            .bold_line_style(style::GRID_COLOR)
            .axis_style(style::AXIS_COLOR)
            .x_labels(12)
            .y_labels(10)
            .draw()?;
        if let Some((lo, hi)) = band {
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x_range.start, lo), (x_range.end, hi)],
                style::BAND_INSUFFICIENT.filled(),
            )))?;
            style::label_never_band(
                root,
                chart.backend_coord(&(x_range.start, hi)),
                chart.backend_coord(&(x_range.end, lo)),
                "missed / never detected",
                style::TICK_FONT_SIZE,
            )?;
        }

        // Confidence whiskers first, markers on top.
        for p in &self.points {
            let c = style::strategy_color(p.strategy).mix(0.5).stroke_width(1);
            if let Some((lo, hi)) = p.x_ci {
                let (a, b) = (
                    chart.backend_coord(&(lo, y_at(p))),
                    chart.backend_coord(&(hi, y_at(p))),
                );
                root.draw(&PathElement::new(vec![a, b], c))?;
                for (x, y) in [a, b] {
                    root.draw(&PathElement::new(vec![(x, y - 4), (x, y + 4)], c))?;
                }
            }
            if let Some((lo, hi)) = p.y_ci.filter(|_| p.y.is_some()) {
                let (a, b) = (
                    chart.backend_coord(&(p.x, lo)),
                    chart.backend_coord(&(p.x, hi)),
                );
                root.draw(&PathElement::new(vec![a, b], c))?;
                for (x, y) in [a, b] {
                    root.draw(&PathElement::new(vec![(x - 4, y), (x + 4, y)], c))?;
                }
            }
        }
        let pixels: Vec<(i32, i32)> = self
            .points
            .iter()
            .map(|p| chart.backend_coord(&(p.x, y_at(p))))
            .collect();
        for (p, &px) in self.points.iter().zip(&pixels) {
            let color = style::strategy_color(p.strategy);
            style::draw_marker(root, px, style::shape(p.strategy), 6, &color, true)?;
        }

        // One label per group of coinciding points of one strategy; values that differ
        // within a group are listed as `1/2/5`.
        let mut groups: Vec<((i32, i32), Vec<&Point>)> = Vec::new();
        for (p, &px) in self.points.iter().zip(&pixels) {
            match groups.iter_mut().find(|g| {
                g.1[0].strategy == p.strategy
                    && (g.0 .0 - px.0).abs() <= 3
                    && (g.0 .1 - px.1).abs() <= 3
            }) {
                Some(g) => g.1.push(p),
                None => groups.push((px, vec![p])),
            }
        }
        let f = style::font(style::POINT_LABEL_FONT_SIZE);
        let texts: Vec<String> = groups
            .iter()
            .map(|g| {
                let mut text = self
                    .label_keys
                    .iter()
                    .enumerate()
                    .map(|(k, name)| {
                        let values =
                            super::data::first_seen(g.1.iter().map(|p| p.keys[k].as_str()));
                        format!("{name}={}", values.join("/"))
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                let missed: Vec<String> =
                    g.1.iter()
                        .filter_map(|p| p.missed)
                        .map(missed_label)
                        .collect();
                let missed = super::data::first_seen(missed.iter().map(String::as_str));
                if !missed.is_empty() {
                    if !text.is_empty() {
                        text.push_str(", ");
                    }
                    text.push_str(&format!("missed {}", missed.join("/")));
                }
                text
            })
            .collect();
        let groups: Vec<((i32, i32), usize)> =
            groups.iter().map(|g| (g.0, g.1[0].strategy)).collect();
        let sizes: Vec<(u32, u32)> = texts
            .iter()
            .map(|t| {
                let (w, h) = style::text_size(&f, t);
                (w + 4, h + 4)
            })
            .collect();
        let (xr, yr) = (
            chart.plotting_area().get_x_axis_pixel_range(),
            chart.plotting_area().get_y_axis_pixel_range(),
        );
        let bounds = Rect {
            x0: xr.start,
            y0: yr.start,
            x1: xr.end,
            y1: yr.end,
        };
        let anchors: Vec<(i32, i32)> = groups.iter().map(|g| g.0).collect();
        let spots = place_labels(&anchors, &sizes, &pixels, bounds);
        for (((g, text), &(w, h)), ((x, y), leader)) in
            groups.iter().zip(&texts).zip(&sizes).zip(spots)
        {
            if text.is_empty() {
                continue;
            }
            let color = style::strategy_color(g.1);
            if leader {
                // To the nearest point of the label's box.
                let cx = g.0 .0.clamp(x, x + w as i32);
                let cy = g.0 .1.clamp(y, y + h as i32);
                root.draw(&DashedPathElement::new(
                    [g.0, (cx, cy)],
                    2,
                    2,
                    style::NOTE_COLOR.stroke_width(1),
                ))?;
            }
            root.draw(&Rectangle::new(
                [(x, y), (x + w as i32, y + h as i32)],
                WHITE.mix(0.8).filled(),
            ))?;
            root.draw(&Text::new(
                text.clone(),
                (x + 2, y + h as i32 / 2),
                f.color(&style::darker(color))
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
        }
        if self.points.is_empty() {
            style::draw_note(
                &chart.plotting_area().strip_coord_spec(),
                "no sweep row has both values defined",
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_of_a_cluster_do_not_overlap() {
        let bounds = Rect {
            x0: 100,
            y0: 100,
            x1: 1100,
            y1: 700,
        };
        let anchors = [
            (102, 400),
            (104, 402),
            (108, 399),
            (102, 396),
            (110, 405),
            (103, 401),
        ];
        let sizes = [(180, 16); 6];
        let spots = place_labels(&anchors, &sizes, &anchors, bounds);
        let rects: Vec<Rect> = spots
            .iter()
            .zip(&sizes)
            .map(|(((x, y), _), (w, h))| Rect {
                x0: *x,
                y0: *y,
                x1: x + *w as i32,
                y1: y + *h as i32,
            })
            .collect();
        for (i, a) in rects.iter().enumerate() {
            assert_eq!(a.outside(&bounds), 0, "label {i} outside: {a:?}");
            for (j, b) in rects.iter().enumerate().skip(i + 1) {
                assert_eq!(a.overlap(b), 0, "labels {i} and {j} overlap: {a:?} {b:?}");
            }
        }
    }
}
