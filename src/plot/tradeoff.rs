//! Trade-off between false rollbacks and detection speed over a sweep.
//!
//! One point per (grid point, strategy) of `sweep.csv`: x = false rollback
//! rate, y = a chosen summary column (default `detection_mean_s`), whiskers
//! = the 95 % intervals where `<col>_lo`/`<col>_hi` exist, each point
//! labelled with its swept values.
//!
//! Which rows give x and y is decided from the data, not from column names:
//! - rows with a healthy candidate (false rollback rate defined) and rows
//!   with a faulty one both present: each faulty row's y is paired with the
//!   healthy row of the same strategy and the same values of the swept keys
//!   the two groups share (a key whose healthy and faulty values differ is
//!   taken to be the one selecting the variant);
//! - only healthy rows: x and y from the same row;
//! - only faulty rows: x falls back to the rollback rate, and the title says so.

use plotters::coord::Shift;
use plotters::element::{DashedPathElement, PathElement};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::data::{axis_unit, describe_column, short_key_names, SummaryRow, SummaryTable};
use super::legend::{self, LegendItem, Swatch};
use super::style::{self, fmt_num};
use super::{Chart, DrawError, PlotError};

const DEFAULT_Y: &str = "detection_mean_s";

/// The trade-off chart (`tradeoff.svg|png`).
pub struct TradeoffChart {
    title: String,
    subtitle: String,
    x_desc: String,
    y_desc: String,
    strategies: Vec<String>,
    /// Short names of the swept keys in the point labels.
    label_keys: Vec<String>,
    points: Vec<Point>,
}

#[derive(Debug, Clone)]
struct Point {
    strategy: usize,
    /// Values of `label_keys`.
    keys: Vec<String>,
    /// Axis values (x in percent).
    x: f64,
    y: f64,
    x_ci: Option<(f64, f64)>,
    y_ci: Option<(f64, f64)>,
}

fn ci(table: &SummaryTable, row: &SummaryRow, col: &str, factor: f64) -> Option<(f64, f64)> {
    Some((
        table.value(row, &format!("{col}_lo"))? * factor,
        table.value(row, &format!("{col}_hi"))? * factor,
    ))
}

impl TradeoffChart {
    /// Prepares the chart from a sweep table; `y` chooses the y column.
    pub fn new(table: &SummaryTable, y: Option<&str>) -> Result<Self, PlotError> {
        let y_col = y.unwrap_or(DEFAULT_Y);
        if !table.has_column(y_col) || y_col == "false_rollback_rate" {
            return Err(PlotError::BadOption {
                option: "tradeoff_y",
                column: y_col.to_owned(),
                problem: "not a numeric summary column",
                path: table.path.clone(),
                allowed: table.columns.join(", "),
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
            .filter(|r| table.value(r, "false_rollback_rate").is_some())
            .collect();
        let faulty: Vec<&SummaryRow> = table
            .rows
            .iter()
            .filter(|r| table.value(r, "false_rollback_rate").is_none())
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

        let mut points = Vec::new();
        let (title, x_desc);
        if !healthy.is_empty() && !faulty.is_empty() {
            for f in &faulty {
                let Some(y) = table.value(f, y_col) else {
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
                    y: y * y_factor,
                    x_ci: ci(table, h, "false_rollback_rate", 100.0),
                    y_ci: ci(table, f, y_col, y_factor),
                });
            }
            title = format!(
                "Trade-off: false rollbacks (healthy candidate) vs {y_name} (faulty candidate)"
            );
            x_desc = "false rollback rate, healthy candidate (%)".to_owned();
        } else {
            let x_col = if faulty.is_empty() {
                "false_rollback_rate"
            } else {
                "rollback_rate"
            };
            for r in &table.rows {
                let (Some(x), Some(y)) = (table.value(r, x_col), table.value(r, y_col)) else {
                    continue;
                };
                points.push(Point {
                    strategy: strategy_index(r),
                    keys: label(r),
                    x: x * 100.0,
                    y: y * y_factor,
                    x_ci: ci(table, r, x_col, 100.0),
                    y_ci: ci(table, r, y_col, y_factor),
                });
            }
            if faulty.is_empty() {
                title = format!("Trade-off: false rollback rate vs {y_name}");
                x_desc = "false rollback rate (%)".to_owned();
            } else {
                title = format!(
                    "Trade-off: rollback rate vs {y_name} \
                     (fallback: no false-rollback data in this sweep)"
                );
                x_desc = "rollback rate (%)".to_owned();
            }
        }
        let key_list: Vec<String> = shared
            .iter()
            .filter(|&&k| names[k] != table.keys[k])
            .map(|&k| format!("{} = {}", names[k], table.keys[k]))
            .collect();
        let mut subtitle =
            "One point per sweep grid point and strategy; whiskers: 95 % CI".to_owned();
        if !key_list.is_empty() {
            subtitle.push_str("; ");
            subtitle.push_str(&key_list.join(", "));
        }
        Ok(TradeoffChart {
            title,
            subtitle,
            x_desc,
            y_desc,
            strategies,
            label_keys: shared.iter().map(|&k| names[k].clone()).collect(),
            points,
        })
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
        let area = legend::draw(&area, &items)?;

        // Data extent including the confidence whiskers.
        let extent = |f: fn(&Point) -> f64, ci: fn(&Point) -> Option<(f64, f64)>| {
            self.points
                .iter()
                .fold((f64::INFINITY, 0.0f64), |(lo, hi), p| {
                    let (a, b) = ci(p).map_or((f(p), f(p)), |c| (c.0.min(f(p)), c.1.max(f(p))));
                    (lo.min(a), hi.max(b))
                })
        };
        let (x_lo, x_hi) = extent(|p| p.x, |p| p.x_ci);
        let (y_lo, y_hi) = extent(|p| p.y, |p| p.y_ci);
        let x_range = style::scatter_range(x_lo, x_hi, Some(100.0));
        let y_range = style::scatter_range(y_lo, y_hi, None);

        let mut chart = ChartBuilder::on(&area)
            .margin_left(style::MARGIN)
            .margin_right(style::MARGIN * 2)
            .margin_bottom(style::MARGIN)
            .margin_top(8)
            .x_label_area_size(style::X_LABEL_AREA)
            .y_label_area_size(style::Y_LABEL_AREA)
            .build_cartesian_2d(x_range, y_range)?;
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

        // Confidence whiskers first, markers on top.
        for p in &self.points {
            let c = style::strategy_color(p.strategy).mix(0.5).stroke_width(1);
            if let Some((lo, hi)) = p.x_ci {
                let (a, b) = (
                    chart.backend_coord(&(lo, p.y)),
                    chart.backend_coord(&(hi, p.y)),
                );
                root.draw(&PathElement::new(vec![a, b], c))?;
                for (x, y) in [a, b] {
                    root.draw(&PathElement::new(vec![(x, y - 4), (x, y + 4)], c))?;
                }
            }
            if let Some((lo, hi)) = p.y_ci {
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
            .map(|p| chart.backend_coord(&(p.x, p.y)))
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
                self.label_keys
                    .iter()
                    .enumerate()
                    .map(|(k, name)| {
                        let values =
                            super::data::first_seen(g.1.iter().map(|p| p.keys[k].as_str()));
                        format!("{name}={}", values.join("/"))
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
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
