//! Replication 0 of each strategy over time: one panel per strategy.
//!
//! Each panel stacks three strips on a shared time axis (minutes since
//! deployment start): the candidate's traffic weight, the per-period error
//! rate of candidate and stable, and each alarm's metric value per period
//! with its threshold. With one alarm, the background shows its state
//! (green OK, red ALARM, grey INSUFFICIENT_DATA); with several, a lane per
//! alarm under the metric strip shows each one's state instead (a strategy
//! need not watch every alarm, so a combined background would mislead).
//! Vertical lines mark hooks, the detection and the rollback; detection,
//! rollback start and rollback complete also carry distinct glyphs (▼, ◆,
//! ■) stacked at the top of the weight strip, since they often coincide.
//! Each alarm's axis names the unit of its metric (from `alarms.csv`) and
//! each threshold line has its own dash pattern and a label. The time axis
//! ends shortly after the last deployment ends (or at `until`). Weight
//! steps and state changes come from `events.csv` when present (exact
//! times), otherwise from the per-period rows of `timeline.csv`.
//!
//! The chart's parts, one file each: `panel` (one strategy's rows and
//! events as step functions), `layout` (sizes, the legend, the time axis'
//! extent, building a strip), `alarms` (thresholds, units, state bands and
//! lanes) and `marks` (event lines and glyphs); this file draws them.

use std::ops::Range;

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::data::{AlarmInfo, AlarmState, Event, Timeline};
use super::legend;
use super::style::{self, fmt_num, TickAxis};
use super::{Chart, DrawError};

use self::alarms::{draw_threshold_labels, lanes_height, threshold_dash, unit_suffix};
use self::layout::{draw_header, strip};
use self::panel::{clip, rate, steps};

mod alarms;
mod layout;
mod marks;
mod panel;

/// The timeline chart (`timeline.svg|png`).
pub struct TimelineChart<'a> {
    timeline: &'a Timeline,
    events: &'a [Event],
    alarms: &'a [AlarmInfo],
    /// End of the time axis in seconds (default: the deployments' end plus
    /// a margin).
    until_s: Option<f64>,
    title: Option<String>,
}

type Strip<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, TickAxis>>;

impl<'a> TimelineChart<'a> {
    /// `thresholds` maps alarm names to their thresholds (alarms without an
    /// entry get no threshold line).
    pub fn new(timeline: &'a Timeline, events: &'a [Event], alarms: &'a [AlarmInfo]) -> Self {
        TimelineChart {
            timeline,
            events,
            alarms,
            until_s: None,
            title: None,
        }
    }

    /// Ends the time axis at `until_s` seconds (`None`: the deployments'
    /// end plus a margin).
    pub fn until(mut self, until_s: Option<f64>) -> Self {
        self.until_s = until_s.filter(|t| *t > 0.0);
        self
    }

    /// Replaces the chart title.
    pub fn title(mut self, title: Option<&str>) -> Self {
        self.title = title.map(str::to_owned);
        self
    }
}

impl Chart for TimelineChart<'_> {
    fn size(&self) -> (u32, u32) {
        let n = self.panels().len().max(1) as u32;
        (
            style::TIMELINE_WIDTH,
            self.header_height() + n * self.panel_height() - style::TIMELINE_PANEL_GAP
                + style::TIMELINE_FOOTER
                + style::MARGIN,
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        let period_s = self.period_s();
        let panels = self.panels();
        let subtitle = format!(
            "Replication 0 of each strategy; error rates and alarm metrics per {} s metric period.",
            fmt_num(period_s)
        );
        let area = style::draw_title(
            root,
            self.title.as_deref().unwrap_or("Deployment timeline"),
            Some(&subtitle),
        )?;
        let area = legend::draw(&area, &self.legend_items())?;
        if panels.is_empty() {
            return style::draw_note(&area, "timeline.csv has no rows");
        }

        let x_max = self.x_max(&panels, period_s);

        let mut rest = area;
        let mut last_plot_x: Option<Range<i32>> = None;
        for (p, panel) in panels.iter().enumerate() {
            let (this, next) = rest.split_vertically(self.panel_height());
            rest = next;
            let (header, body) = this.split_vertically(style::TIMELINE_PANEL_HEADER);
            draw_header(
                &header,
                &panel.strategy,
                &panel.outcome(),
                style::strategy_color(p),
            )?;

            let (weight_area, body) = body.split_vertically(style::TIMELINE_WEIGHT_STRIP);
            let n_alarms = self.timeline.alarms.len();
            let with_alarms = n_alarms > 0;
            let error_h = style::TIMELINE_ERROR_STRIP
                + if with_alarms {
                    0
                } else {
                    style::TIMELINE_X_TICKS
                };
            let (error_area, body) = body.split_vertically(error_h);
            let states = panel.alarm_states(&self.timeline.alarms, period_s, x_max);
            // One alarm: its state is the background of the panel. Several:
            // one lane per alarm under the metric strip instead, since a
            // strategy need not watch every alarm.
            let bands: &[(f64, f64, AlarmState)] = if n_alarms == 1 { &states[0] } else { &[] };

            // Weight strip.
            let mut chart = strip(
                &weight_area,
                x_max,
                -3.0..108.0,
                &[0.0, 50.0, 100.0],
                "weight (%)",
                false,
                bands,
            )?;
            let weight = panel.weight(x_max);
            chart.draw_series(
                AreaSeries::new(weight.clone(), 0.0, style::WEIGHT_COLOR.mix(0.22))
                    .border_style(style::WEIGHT_COLOR.stroke_width(2)),
            )?;
            self.draw_markers(&mut chart, panel, -3.0..108.0, x_max)?;
            self.draw_glyphs(root, &chart, panel, x_max)?;

            // Error-rate strip.
            let cand = clip(
                panel.periods(period_s, |r| rate(r.candidate_errors, r.candidate_requests)),
                x_max,
            );
            let stab = clip(
                panel.periods(period_s, |r| rate(r.stable_errors, r.stable_requests)),
                x_max,
            );
            let max = cand
                .iter()
                .chain(&stab)
                .filter_map(|x| x.2)
                .fold(0.0, f64::max);
            let top_tick = style::nice_ceil((max * 1.05).max(0.1));
            let ticks = style::ticks(0.0, top_tick, 4);
            let top = top_tick * 1.08;
            let mut chart = strip(
                &error_area,
                x_max,
                0.0..top,
                &ticks,
                "error rate (%)",
                !with_alarms,
                bands,
            )?;
            for (series, color) in [
                (&stab, style::STABLE_ERROR_COLOR),
                (&cand, style::CANDIDATE_ERROR_COLOR),
            ] {
                for seg in steps(series) {
                    chart.draw_series(LineSeries::new(seg, color.stroke_width(2)))?;
                }
            }
            self.draw_markers(&mut chart, panel, 0.0..top, x_max)?;
            if !with_alarms {
                last_plot_x = Some(chart.plotting_area().get_x_axis_pixel_range());
                continue;
            }

            // Alarm-metric strip (with the time ticks if it is the last).
            let alarm_h = style::TIMELINE_ALARM_STRIP
                + if n_alarms == 1 {
                    style::TIMELINE_X_TICKS
                } else {
                    0
                };
            let (alarm_area, lanes_area) = body.split_vertically(alarm_h);
            let (lanes_area, _) =
                lanes_area.split_vertically(lanes_height(n_alarms) + style::TIMELINE_X_TICKS);
            let mut lo: f64 = 0.0;
            let mut hi: f64 = 0.0;
            for (i, alarm) in self.timeline.alarms.iter().enumerate() {
                for r in panel
                    .rows
                    .iter()
                    .filter(|r| r.period_start_s / 60.0 < x_max)
                {
                    if let Some(v) = r.alarms.get(i).and_then(|a| a.0) {
                        lo = lo.min(v);
                        hi = hi.max(v);
                    }
                }
                if let Some(t) = self.threshold(alarm) {
                    lo = lo.min(t);
                    hi = hi.max(t);
                }
            }
            let top_tick = style::nice_ceil((hi * 1.05).max(0.1));
            let bottom = if lo < 0.0 {
                -style::nice_ceil(-lo * 1.05)
            } else {
                0.0
            };
            let ticks = style::ticks(bottom, top_tick, 4);
            let top = top_tick + (top_tick - bottom) * 0.08;
            let mut chart = strip(
                &alarm_area,
                x_max,
                bottom..top,
                &ticks,
                &self.alarm_axis_desc(),
                n_alarms == 1,
                bands,
            )?;
            let mut labels = Vec::new();
            for (i, alarm) in self.timeline.alarms.iter().enumerate() {
                let color = style::alarm_color(i);
                let series = clip(
                    panel.periods(period_s, |r| r.alarms.get(i).and_then(|a| a.0)),
                    x_max,
                );
                // Earlier alarms wider, so alarms on the same metric stay
                // visible under later ones.
                let width = 2 + 2 * (n_alarms - 1 - i) as u32;
                for seg in steps(&series) {
                    chart.draw_series(LineSeries::new(seg, color.stroke_width(width)))?;
                }
                if let Some(t) = self.threshold(alarm) {
                    // Alarms with the same threshold: each line 3 px below
                    // the previous one, so every dash pattern stays visible.
                    let same_before = self.timeline.alarms[..i]
                        .iter()
                        .filter(|a| self.threshold(a) == Some(t))
                        .count() as i32;
                    let (dash, gap) = threshold_dash(i);
                    let (x0, y) = chart.backend_coord(&(0.0, t));
                    let (x1, _) = chart.backend_coord(&(x_max, t));
                    let y = y + 3 * same_before;
                    root.draw(&DashedPathElement::new(
                        [(x0, y), (x1, y)],
                        dash,
                        gap,
                        color.stroke_width(2),
                    ))?;
                    let (x, y) = chart.backend_coord(&(x_max, t));
                    labels.push((
                        y,
                        format!("{}{}", fmt_num(t), unit_suffix(self.unit(alarm))),
                        color,
                        x,
                    ));
                }
            }
            self.draw_markers(&mut chart, panel, bottom..top, x_max)?;
            draw_threshold_labels(root, labels)?;
            last_plot_x = Some(chart.plotting_area().get_x_axis_pixel_range());
            if n_alarms > 1 {
                let mut chart = self.draw_lanes(root, &lanes_area, x_max, &states)?;
                self.draw_markers(&mut chart, panel, 0.0..n_alarms as f64, x_max)?;
            }
        }

        // Time-axis description under the last panel.
        if let Some(xr) = last_plot_x {
            let (_, h) = root.dim_in_pixel();
            let y = h as i32 - style::MARGIN as i32 - style::TIMELINE_FOOTER as i32 / 2 + 4;
            root.draw(&Text::new(
                "time since deployment start (min)",
                ((xr.start + xr.end) / 2, y),
                style::text(
                    style::AXIS_DESC_FONT_SIZE,
                    &style::TEXT_COLOR,
                    HPos::Center,
                    VPos::Center,
                ),
            ))?;
        }
        Ok(())
    }
}
