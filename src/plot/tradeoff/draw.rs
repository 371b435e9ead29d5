//! Drawing the trade-off chart: title, legend, axes over the data and its
//! confidence whiskers, the "missed / never detected" band, whiskers, the
//! markers, then the labels (`labels`).

use plotters::coord::Shift;
use plotters::element::PathElement;
use plotters::prelude::*;

use super::labels::Rect;
use super::{Point, TradeoffChart};
use crate::plot::legend::{self, LegendItem, Swatch};
use crate::plot::style::{self, fmt_num, TickAxis};
use crate::plot::{Chart, DrawError};

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
        self.draw_labels(root, &pixels, bounds)?;
        if self.points.is_empty() {
            style::draw_note(
                &chart.plotting_area().strip_coord_spec(),
                "no sweep row has both values defined",
            )?;
        }
        Ok(())
    }
}
