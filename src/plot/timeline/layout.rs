//! The timeline's layout: the header (title, legend) and panel heights,
//! the legend entries, the end of the time axis, one strip of a panel
//! (axes, mesh, state bands) and a panel's header line.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::element::Rectangle;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::RGBColor;

use super::alarms::{band_color, lanes_height, threshold_dash};
use super::marks::{glyph, marker_kinds};
use super::panel::Panel;
use super::{Strip, TimelineChart};
use crate::plot::data::AlarmState;
use crate::plot::legend::{self, LegendItem, Swatch};
use crate::plot::style::{self, fmt_num, TickAxis};
use crate::plot::DrawError;

impl TimelineChart<'_> {
    /// End of the time axis in minutes: `until`, else the end of the last
    /// deployment (completion, stop or rollback) plus a margin of two
    /// periods or 15 %, whichever is more, within the data; the whole data
    /// when some deployment has not ended.
    pub(super) fn x_max(&self, panels: &[Panel<'_>], period_s: f64) -> f64 {
        let data_end_s = panels
            .iter()
            .flat_map(|p| {
                p.rows
                    .iter()
                    .map(|r| r.period_start_s + period_s)
                    .chain(p.events.iter().map(|e| e.time_s))
            })
            .fold(0.0, f64::max);
        let end_of = |p: &Panel<'_>| {
            p.events
                .iter()
                .filter(|e| {
                    matches!(
                        e.event.as_str(),
                        "completed" | "stopped" | "rollback_complete"
                    )
                })
                .map(|e| e.time_s)
                .fold(None, |m: Option<f64>, t| Some(m.map_or(t, |m| m.max(t))))
        };
        let end_s = match self.until_s {
            Some(u) => u,
            None => {
                let ends: Vec<Option<f64>> = panels.iter().map(end_of).collect();
                if ends.is_empty() || ends.iter().any(Option::is_none) {
                    data_end_s
                } else {
                    let last = ends.into_iter().flatten().fold(0.0, f64::max);
                    (last + (2.0 * period_s).max(0.15 * last)).min(data_end_s)
                }
            }
        };
        (end_s / 60.0).max(1.0)
    }

    pub(super) fn legend_items(&self) -> Vec<LegendItem> {
        let mut items = vec![
            LegendItem::new(
                Swatch::Fill {
                    color: style::tint(style::WEIGHT_COLOR, 0.22),
                    border: Some(style::WEIGHT_COLOR),
                },
                "candidate traffic weight",
            ),
            LegendItem::new(
                Swatch::Line {
                    color: style::CANDIDATE_ERROR_COLOR,
                    width: 2,
                    dashed: false,
                },
                "candidate error rate",
            ),
            LegendItem::new(
                Swatch::Line {
                    color: style::STABLE_ERROR_COLOR,
                    width: 2,
                    dashed: false,
                },
                "stable error rate",
            ),
        ];
        let n_alarms = self.timeline.alarms.len();
        for (i, alarm) in self.timeline.alarms.iter().enumerate() {
            items.push(LegendItem::new(
                Swatch::Line {
                    color: style::alarm_color(i),
                    width: 2 + 2 * (n_alarms - 1 - i) as u32,
                    dashed: false,
                },
                match self.unit(alarm) {
                    "" => format!("{alarm} metric"),
                    u => format!("{alarm} metric ({u})"),
                },
            ));
            if let Some(label) = self.threshold_label(alarm) {
                items.push(LegendItem::new(
                    Swatch::Dash {
                        color: style::alarm_color(i),
                        width: 2,
                        dash: threshold_dash(i),
                    },
                    label,
                ));
            }
        }
        items.push(LegendItem::row_break());
        if !self.timeline.alarms.is_empty() {
            let heading = if self.timeline.alarms.len() > 1 {
                "alarm state (one lane per alarm):"
            } else {
                "background = alarm state:"
            };
            items.push(LegendItem::new(Swatch::Heading, heading));
            for (state, label) in [
                (AlarmState::Ok, "OK"),
                (AlarmState::Alarm, "ALARM"),
                (AlarmState::InsufficientData, "INSUFFICIENT_DATA"),
            ] {
                items.push(LegendItem::new(
                    Swatch::Fill {
                        color: band_color(state),
                        border: Some(RGBColor(190, 190, 190)),
                    },
                    label,
                ));
            }
        }
        let mut seen: Vec<&str> = Vec::new();
        for (name, color, width, dashed, label) in marker_kinds() {
            if seen.contains(label) || !self.events.iter().any(|e| e.event == *name) {
                continue;
            }
            if seen.is_empty() {
                items.push(LegendItem::row_break());
                items.push(LegendItem::new(Swatch::Heading, "events:"));
            }
            seen.push(label);
            items.push(LegendItem::new(
                Swatch::Vertical {
                    color: *color,
                    width: *width,
                    dashed: *dashed,
                    glyph: glyph(name).map(|g| g.0),
                },
                *label,
            ));
        }
        items
    }

    pub(super) fn panel_height(&self) -> u32 {
        let n = self.timeline.alarms.len();
        let alarm = if n == 0 {
            0
        } else {
            style::TIMELINE_ALARM_STRIP + lanes_height(n)
        };
        style::TIMELINE_PANEL_HEADER
            + style::TIMELINE_WEIGHT_STRIP
            + style::TIMELINE_ERROR_STRIP
            + alarm
            + style::TIMELINE_X_TICKS
            + style::TIMELINE_PANEL_GAP
    }

    pub(super) fn header_height(&self) -> u32 {
        style::MARGIN
            + style::TITLE_HEIGHT
            + style::SUBTITLE_HEIGHT
            + legend::height(
                &self.legend_items(),
                style::TIMELINE_WIDTH - 2 * style::MARGIN,
            )
    }
}

/// Builds one strip with its state bands and mesh; `bottom` strips get the
/// time tick labels.
#[allow(clippy::too_many_arguments)]
pub(super) fn strip<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    x_max: f64,
    y: Range<f64>,
    ticks: &[f64],
    y_desc: &str,
    bottom: bool,
    bands: &[(f64, f64, AlarmState)],
) -> Result<Strip<'a, DB>, DrawError> {
    let mut chart = ChartBuilder::on(area)
        .margin_left(style::MARGIN)
        .margin_right(style::TIMELINE_RIGHT)
        .margin_top(10)
        .x_label_area_size(if bottom { style::TIMELINE_X_TICKS } else { 0 })
        .y_label_area_size(style::Y_LABEL_AREA)
        .build_cartesian_2d(0.0..x_max, TickAxis::new(y.clone(), ticks.to_vec()))?;
    chart.draw_series(bands.iter().filter(|b| b.0 < x_max).map(|&(t0, t1, s)| {
        Rectangle::new(
            [(t0, y.start), (t1.min(x_max), y.end)],
            band_color(s).filled(),
        )
    }))?;
    chart
        .configure_mesh()
        .y_desc(y_desc)
        .axis_desc_style(style::font(style::TICK_FONT_SIZE).color(&style::TEXT_COLOR))
        .label_style(style::font(style::TICK_FONT_SIZE).color(&style::TEXT_COLOR))
        .x_label_formatter(&|v| fmt_num(*v))
        .y_label_formatter(&|v| fmt_num(*v))
        .light_line_style(TRANSPARENT)
        .bold_line_style(RGBColor(200, 200, 200).mix(0.6))
        .axis_style(style::AXIS_COLOR)
        .x_labels(16)
        .y_labels(ticks.len() + 1)
        .draw()?;
    Ok(chart)
}

pub(super) fn draw_header<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    strategy: &str,
    outcome: &str,
    color: RGBColor,
) -> Result<(), DrawError> {
    let x = (style::MARGIN + style::Y_LABEL_AREA) as i32;
    let y = (style::TIMELINE_PANEL_HEADER / 2 + 4) as i32;
    let f = style::bold(style::SUBTITLE_FONT_SIZE);
    area.draw(&Rectangle::new(
        [(x - 14, y - 7), (x - 4, y + 7)],
        color.filled(),
    ))?;
    area.draw(&Text::new(
        strategy.to_owned(),
        (x, y),
        f.color(&style::TEXT_COLOR)
            .pos(Pos::new(HPos::Left, VPos::Center)),
    ))?;
    if !outcome.is_empty() {
        let w = style::text_size(&f, strategy).0 as i32;
        let g = style::font(style::SUBTITLE_FONT_SIZE - 2.0);
        let (width, _) = area.dim_in_pixel();
        let room = (width as i32 - x - w - 16 - style::MARGIN as i32).max(0) as u32;
        area.draw(&Text::new(
            style::fit_text(&g, &format!("— {outcome}"), room),
            (x + w + 10, y),
            g.color(&style::NOTE_COLOR)
                .pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
    }
    Ok(())
}
