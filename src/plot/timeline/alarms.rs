//! The alarms on a timeline: each alarm's threshold (label, dash
//! pattern), the unit of its metric, its state over time (the background
//! of a single alarm, one lane per alarm for several) and the threshold
//! values written right of the plot.

use plotters::coord::Shift;
use plotters::element::{PathElement, Rectangle};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::RGBColor;

use super::panel::Panel;
use super::{Strip, TimelineChart};
use crate::plot::data::{first_seen, AlarmInfo, AlarmState};
use crate::plot::style::{self, fmt_num, TickAxis};
use crate::plot::DrawError;

/// Dash pattern (dash, gap) of the n-th alarm's threshold line.
pub(super) fn threshold_dash(index: usize) -> (u32, u32) {
    [(10, 5), (3, 3), (14, 4), (6, 3), (2, 6)][index % 5]
}

/// " %" or " ms" after a value; nothing for an empty unit; " count" is
/// dropped (a count needs no suffix on a value).
pub(super) fn unit_suffix(unit: &str) -> String {
    match unit {
        "" | "count" => String::new(),
        "%" => "%".to_owned(),
        u => format!(" {u}"),
    }
}

pub(super) fn band_color(state: AlarmState) -> RGBColor {
    match state {
        AlarmState::Ok => style::BAND_OK,
        AlarmState::Alarm => style::BAND_ALARM,
        AlarmState::InsufficientData => style::BAND_INSUFFICIENT,
    }
}

impl TimelineChart<'_> {
    pub(super) fn alarm_info(&self, alarm: &str) -> Option<&AlarmInfo> {
        self.alarms.iter().find(|a| a.name == alarm)
    }

    /// Unit of an alarm's metric, empty when unknown.
    pub(super) fn unit(&self, alarm: &str) -> &str {
        self.alarm_info(alarm).map_or("", |a| a.unit.as_str())
    }

    /// "error_rate ≥ 5%".
    pub(super) fn threshold_label(&self, alarm: &str) -> Option<String> {
        let a = self.alarm_info(alarm)?;
        let cmp = match a.comparison.as_str() {
            ">=" => "≥",
            "<=" => "≤",
            "" => "threshold",
            c => c,
        };
        Some(format!(
            "{alarm} {cmp} {}{}",
            fmt_num(a.threshold),
            unit_suffix(&a.unit)
        ))
    }

    /// The alarm-metric axis description: its unit(s).
    pub(super) fn alarm_axis_desc(&self) -> String {
        let units = first_seen(self.timeline.alarms.iter().map(|a| self.unit(a)));
        match units.as_slice() {
            [u] if u.is_empty() => "alarm metric".to_owned(),
            [u] => format!("alarm metric ({u})"),
            _ => {
                let named: Vec<String> = units
                    .iter()
                    .map(|u| {
                        if u.is_empty() {
                            "?".to_owned()
                        } else {
                            u.clone()
                        }
                    })
                    .collect();
                format!("alarm metric ({})", named.join(" | "))
            }
        }
    }

    pub(super) fn threshold(&self, alarm: &str) -> Option<f64> {
        self.alarm_info(alarm).map(|a| a.threshold)
    }

    /// One lane per alarm, coloured by its state over time, with the alarm
    /// name written at the left of the lane; carries the time tick labels.
    pub(super) fn draw_lanes<'c, DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        area: &'c DrawingArea<DB, Shift>,
        x_max: f64,
        states: &[Vec<(f64, f64, AlarmState)>],
    ) -> Result<Strip<'c, DB>, DrawError> {
        let n = states.len() as f64;
        let mut chart = ChartBuilder::on(area)
            .margin_left(style::MARGIN)
            .margin_right(style::TIMELINE_RIGHT)
            .margin_top(6)
            .x_label_area_size(style::TIMELINE_X_TICKS)
            .y_label_area_size(style::Y_LABEL_AREA)
            .build_cartesian_2d(0.0..x_max, TickAxis::new(0.0..n, Vec::new()))?;
        chart
            .configure_mesh()
            .y_desc("state")
            .axis_desc_style(style::font(style::TICK_FONT_SIZE).color(&style::TEXT_COLOR))
            .label_style(style::font(style::TICK_FONT_SIZE).color(&style::TEXT_COLOR))
            .x_label_formatter(&|v| fmt_num(*v))
            .light_line_style(TRANSPARENT)
            .bold_line_style(TRANSPARENT)
            .axis_style(style::AXIS_COLOR)
            .x_labels(16)
            .draw()?;
        for (i, lane) in states.iter().enumerate() {
            let y0 = n - 1.0 - i as f64;
            chart.draw_series(lane.iter().filter(|l| l.0 < x_max).map(|&(t0, t1, s)| {
                Rectangle::new(
                    [(t0, y0 + 0.08), (t1.min(x_max), y0 + 0.92)],
                    band_color(s).filled(),
                )
            }))?;
            let (x, y) = chart.backend_coord(&(0.0, y0 + 0.5));
            let f = style::font(style::POINT_LABEL_FONT_SIZE);
            root.draw(&Text::new(
                self.timeline.alarms[i].clone(),
                (x + 6, y),
                f.color(&style::TEXT_COLOR)
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
        }
        Ok(chart)
    }
}

/// Height of the per-alarm state lanes (none for a single alarm, whose
/// state is the background instead).
pub(super) fn lanes_height(alarms: usize) -> u32 {
    if alarms > 1 {
        6 + alarms as u32 * style::TIMELINE_LANE
    } else {
        0
    }
}

impl Panel<'_> {
    /// Per alarm, the intervals of its state, in minutes.
    pub(super) fn alarm_states(
        &self,
        alarms: &[String],
        period_s: f64,
        x_max: f64,
    ) -> Vec<Vec<(f64, f64, AlarmState)>> {
        let mut out: Vec<Vec<(f64, f64, AlarmState)>> = vec![Vec::new(); alarms.len()];
        let push = |v: &mut Vec<(f64, f64, AlarmState)>, t0: f64, t1: f64, s: AlarmState| match v
            .last_mut()
        {
            Some(last) if last.2 == s && (last.1 - t0).abs() < 1e-9 => last.1 = t1,
            _ if t1 > t0 => v.push((t0, t1, s)),
            _ => {}
        };
        let transitions: Vec<(f64, usize, AlarmState)> = self
            .events
            .iter()
            .filter(|e| e.event == "alarm_state")
            .filter_map(|e| {
                let (name, state) = e.detail.split_once('=')?;
                let i = alarms.iter().position(|a| a == name)?;
                Some((e.time_s / 60.0, i, AlarmState::parse(state)?))
            })
            .collect();
        if transitions.is_empty() {
            // No events: the state at the end of each period.
            for r in &self.rows {
                let t0 = r.period_start_s / 60.0;
                for (i, a) in r.alarms.iter().enumerate().take(alarms.len()) {
                    push(&mut out[i], t0, t0 + period_s / 60.0, a.1);
                }
            }
        } else {
            // Alarms start in INSUFFICIENT_DATA (DESIGN.md §3).
            let mut state = vec![(0.0, AlarmState::InsufficientData); alarms.len()];
            for (at, i, s) in transitions {
                push(&mut out[i], state[i].0, at, state[i].1);
                state[i] = (at, s);
            }
            for (i, (t, s)) in state.into_iter().enumerate() {
                push(&mut out[i], t, x_max, s);
            }
        }
        out
    }
}

/// Writes threshold values right of the plot, nudged apart vertically.
pub(super) fn draw_threshold_labels<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    mut labels: Vec<(i32, String, RGBColor, i32)>,
) -> Result<(), DrawError> {
    labels.sort_by_key(|l| l.0);
    labels.dedup_by(|a, b| a.1 == b.1 && (a.0 - b.0).abs() < 4);
    let mut last = i32::MIN;
    for (y, text, color, x) in labels {
        let y = y.max(last + 16);
        last = y;
        root.draw(&PathElement::new(
            vec![(x, y), (x + 6, y)],
            color.stroke_width(2),
        ))?;
        root.draw(&Text::new(
            text,
            (x + 9, y),
            style::text(style::TICK_FONT_SIZE, &color, HPos::Left, VPos::Center),
        ))?;
    }
    Ok(())
}
