//! The Pareto chart of `canarysim tune` (`pareto.svg|png`): every raced
//! setting at (false-rollback rate over healthy runs, objective mean), the
//! false-rollback budget as a dashed vertical line, the Pareto front (no
//! other setting is better on both) joined as a step line, settings proven
//! feasible filled, the others hollow, and the recommended setting marked
//! with a large red diamond and its label.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::legend::{self, LegendItem, Swatch};
use super::style::{self, fmt_num, Shape, TickAxis};
use super::{Chart, DrawError};

/// One setting on the chart.
#[derive(Debug, Clone, PartialEq)]
pub struct ParetoPoint {
    pub false_rollback: f64,
    /// The one-sided 95 % upper bound (drawn as a whisker).
    pub false_rollback_upper: f64,
    pub objective: f64,
    pub front: bool,
    pub feasible: bool,
    pub winner: bool,
    pub label: String,
}

/// The Pareto chart.
#[derive(Debug, Clone, PartialEq)]
pub struct ParetoChart {
    pub title: String,
    pub subtitle: String,
    pub x_label: String,
    pub y_label: String,
    /// The false-rollback budget (a rate).
    pub budget: f64,
    pub points: Vec<ParetoPoint>,
}

const FRONT_COLOR: RGBColor = RGBColor(0, 114, 178);
const OTHER_COLOR: RGBColor = RGBColor(150, 150, 150);
const WINNER_COLOR: RGBColor = RGBColor(200, 0, 0);

impl Chart for ParetoChart {
    fn size(&self) -> (u32, u32) {
        style::CHART_SIZE
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        let area = style::draw_title(root, &self.title, Some(&self.subtitle))?;
        let items = vec![
            LegendItem::new(
                Swatch::Marker {
                    color: FRONT_COLOR,
                    shape: Shape::Circle,
                    filled: true,
                },
                "Pareto front".to_owned(),
            ),
            LegendItem::new(
                Swatch::Marker {
                    color: OTHER_COLOR,
                    shape: Shape::Circle,
                    filled: true,
                },
                "feasible at 95 % (filled) / not shown feasible (hollow)".to_owned(),
            ),
            LegendItem::new(
                Swatch::Marker {
                    color: WINNER_COLOR,
                    shape: Shape::Diamond,
                    filled: true,
                },
                "recommended".to_owned(),
            ),
            LegendItem::new(
                Swatch::Line {
                    color: WINNER_COLOR,
                    width: 2,
                    dashed: true,
                },
                format!("budget {} %", fmt_num(self.budget * 100.0)),
            ),
        ];
        let area = legend::draw(&area, &items)?;
        let pct = |x: f64| x * 100.0;
        // The decision happens near the budget: the axis ends at 5× the
        // budget and settings beyond it are drawn on the right edge.
        let x_cap = pct(self.budget) * 5.0;
        let x_hi = self
            .points
            .iter()
            .map(|p| pct(p.false_rollback))
            .fold(pct(self.budget) * 2.0, f64::max)
            .min(x_cap);
        let x_top = style::nice_ceil(x_hi * 1.05).max(1e-3);
        let beyond = self
            .points
            .iter()
            .filter(|p| pct(p.false_rollback) > x_top)
            .count();
        let y_hi = self.points.iter().map(|p| p.objective).fold(0.0, f64::max);
        let y_top = if y_hi > 0.0 {
            style::nice_ceil(y_hi * 1.08)
        } else {
            1.0
        };
        let mut chart = ChartBuilder::on(&area)
            .margin_left(style::MARGIN)
            .margin_right(style::MARGIN * 2)
            .margin_bottom(style::MARGIN)
            .margin_top(8)
            .x_label_area_size(style::X_LABEL_AREA)
            .y_label_area_size(style::Y_LABEL_AREA)
            .build_cartesian_2d(
                TickAxis::new(-x_top * 0.01..x_top, style::ticks(0.0, x_top, 10)),
                TickAxis::new(-y_top * 0.015..y_top * 1.02, style::ticks(0.0, y_top, 10)),
            )?;
        chart
            .configure_mesh()
            .x_desc(format!("{} (%)", self.x_label))
            .y_desc(self.y_label.clone())
            .axis_desc_style(style::font(style::AXIS_DESC_FONT_SIZE).color(&style::TEXT_COLOR))
            .label_style(style::font(style::TICK_FONT_SIZE).color(&style::TEXT_COLOR))
            .x_label_formatter(&|v| fmt_num(*v))
            .y_label_formatter(&|v| fmt_num(*v))
            .light_line_style(WHITE)
            .bold_line_style(style::GRID_COLOR)
            .axis_style(style::AXIS_COLOR)
            .draw()?;
        let budget_x = pct(self.budget);
        let mut front: Vec<(f64, f64)> = self
            .points
            .iter()
            .filter(|p| p.front)
            .map(|p| (pct(p.false_rollback).min(x_top), p.objective))
            .collect();
        front.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.total_cmp(&a.1)));
        let mut steps = Vec::new();
        for (i, &(x, y)) in front.iter().enumerate() {
            if i > 0 {
                steps.push((x, front[i - 1].1));
            }
            steps.push((x, y));
        }
        chart.draw_series(LineSeries::new(steps, FRONT_COLOR.stroke_width(2)))?;
        let plot = chart.plotting_area().strip_coord_spec();
        let to_px = |x: f64, y: f64| chart.backend_coord(&(x, y));
        let origin = plot.get_base_pixel();
        let rel = |(a, b): (i32, i32)| (a - origin.0, b - origin.1);
        style::draw_dashed(
            &plot,
            &[
                rel(to_px(budget_x, 0.0)),
                rel(to_px(budget_x, y_top * 1.02)),
            ],
            WINNER_COLOR.stroke_width(2),
        )?;
        // Others first, then the front, then the winner on top.
        let mut order: Vec<&ParetoPoint> = self.points.iter().collect();
        order.sort_by_key(|p| (p.winner, p.front));
        for p in order {
            let c = rel(to_px(pct(p.false_rollback).min(x_top), p.objective));
            let (color, shape, r) = if p.winner {
                (WINNER_COLOR, Shape::Diamond, 9)
            } else if p.front {
                (FRONT_COLOR, Shape::Circle, 5)
            } else {
                (OTHER_COLOR, Shape::Circle, 4)
            };
            style::draw_marker(&plot, c, shape, r, &color, p.feasible || p.winner)?;
            if p.winner {
                plot.draw(&Text::new(
                    format!("recommended: {}", p.label),
                    (c.0 + 14, c.1 - 18),
                    style::font(style::POINT_LABEL_FONT_SIZE + 2.0).color(&WINNER_COLOR),
                ))?;
            }
        }
        if beyond > 0 {
            plot.draw(&Text::new(
                format!(
                    "{beyond} setting(s) above {} % drawn at the right edge",
                    fmt_num(x_top)
                ),
                (plot.dim_in_pixel().0 as i32 - 330, 8),
                style::font(style::NOTE_FONT_SIZE).color(&style::NOTE_COLOR),
            ))?;
        }
        Ok(())
    }
}
