//! Drawing the sweep chart's panels: the shared x frame, each panel's
//! title and notes, its axes, the "never" band, confidence bands, lines
//! (broken at "never" points) and markers spread sideways where they
//! coincide.

use plotters::coord::Shift;
use plotters::element::Polygon;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::spread::{dodge, identical};
use super::{Panel, SweepChart, XAxis};
use crate::plot::style::{self, fmt_num, TickAxis};
use crate::plot::DrawError;

/// Height of one note line under a panel's title.
const NOTE_LINE: u32 = 16;

impl SweepChart {
    /// The x range and tick positions shared by the panels.
    pub(super) fn x_frame(&self) -> (f64, f64, Vec<f64>) {
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

    /// "linear · periods=2 = same as linear · periods=1" per identical line.
    pub(super) fn notes(&self, panel: &Panel) -> Vec<String> {
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
    pub(super) fn draw_panel<DB: DrawingBackend>(
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
