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

use std::ops::Range;

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::element::{DashedPathElement, PathElement, Rectangle};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::RGBColor;

use super::data::{first_seen, AlarmInfo, AlarmState, Event, Timeline, TimelineRow};
use super::legend::{self, LegendItem, Swatch};
use super::style::{self, fmt_num, Shape, TickAxis};
use super::{Chart, DrawError};

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

/// How an event is marked: colour, width, dashed, legend label; also the
/// drawing order (later entries are drawn on top). [`GLYPHS`] adds a glyph
/// to some.
const MARKERS: [(&str, RGBColor, u32, bool, &str); 7] = [
    (
        "pre_traffic_hook_start",
        style::HOOK_COLOR,
        2,
        true,
        "hook start",
    ),
    (
        "post_traffic_hook_start",
        style::HOOK_COLOR,
        2,
        true,
        "hook start",
    ),
    (
        "pre_traffic_hook_passed",
        style::HOOK_COLOR,
        2,
        false,
        "hook passed",
    ),
    (
        "post_traffic_hook_passed",
        style::HOOK_COLOR,
        2,
        false,
        "hook passed",
    ),
    (
        "rollback_start",
        style::ROLLBACK_COLOR,
        2,
        true,
        "rollback start",
    ),
    (
        "rollback_complete",
        style::ROLLBACK_COLOR,
        2,
        false,
        "rollback complete",
    ),
    // Drawn over the rollback start, which usually has the same time.
    ("detected", style::DETECTED_COLOR, 2, false, "detection"),
];
const END_MARKERS: [(&str, RGBColor, u32, bool, &str); 2] = [
    (
        "stopped",
        style::STOPPED_COLOR,
        3,
        false,
        "deployment stopped",
    ),
    (
        "completed",
        style::COMPLETED_COLOR,
        3,
        false,
        "deployment completed",
    ),
];
fn marker_kinds() -> impl Iterator<Item = &'static (&'static str, RGBColor, u32, bool, &'static str)>
{
    MARKERS.iter().chain(END_MARKERS.iter())
}

/// Glyphs of the events that often happen at the same moment, and their
/// height in the weight strip (% of its axis), so they stay apart.
const GLYPHS: [(&str, Shape, f64); 3] = [
    ("detected", Shape::TriangleDown, 101.0),
    ("rollback_start", Shape::Diamond, 86.0),
    ("rollback_complete", Shape::Square, 71.0),
];

fn glyph(event: &str) -> Option<(Shape, f64)> {
    GLYPHS.iter().find(|g| g.0 == event).map(|g| (g.1, g.2))
}

/// Dash pattern (dash, gap) of the n-th alarm's threshold line.
fn threshold_dash(index: usize) -> (u32, u32) {
    [(10, 5), (3, 3), (14, 4), (6, 3), (2, 6)][index % 5]
}

/// " %" or " ms" after a value; nothing for an empty unit; " count" is
/// dropped (a count needs no suffix on a value).
fn unit_suffix(unit: &str) -> String {
    match unit {
        "" | "count" => String::new(),
        "%" => "%".to_owned(),
        u => format!(" {u}"),
    }
}

fn band_color(state: AlarmState) -> RGBColor {
    match state {
        AlarmState::Ok => style::BAND_OK,
        AlarmState::Alarm => style::BAND_ALARM,
        AlarmState::InsufficientData => style::BAND_INSUFFICIENT,
    }
}

/// One strategy's data, times in minutes.
struct Panel<'a> {
    strategy: String,
    rows: Vec<&'a TimelineRow>,
    events: Vec<&'a Event>,
}

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

    fn alarm_info(&self, alarm: &str) -> Option<&AlarmInfo> {
        self.alarms.iter().find(|a| a.name == alarm)
    }

    /// Unit of an alarm's metric, empty when unknown.
    fn unit(&self, alarm: &str) -> &str {
        self.alarm_info(alarm).map_or("", |a| a.unit.as_str())
    }

    /// "error_rate ≥ 5%".
    fn threshold_label(&self, alarm: &str) -> Option<String> {
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
    fn alarm_axis_desc(&self) -> String {
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

    fn panels(&self) -> Vec<Panel<'a>> {
        let strategies = first_seen(
            self.timeline
                .rows
                .iter()
                .map(|r| r.strategy.as_str())
                .chain(self.events.iter().map(|e| e.strategy.as_str())),
        );
        strategies
            .into_iter()
            .map(|s| {
                let mut rows: Vec<&TimelineRow> = self
                    .timeline
                    .rows
                    .iter()
                    .filter(|r| r.strategy == s)
                    .collect();
                rows.sort_by(|a, b| a.period_start_s.total_cmp(&b.period_start_s));
                let mut events: Vec<&Event> =
                    self.events.iter().filter(|e| e.strategy == s).collect();
                events.sort_by(|a, b| a.time_s.total_cmp(&b.time_s));
                Panel {
                    strategy: s,
                    rows,
                    events,
                }
            })
            .collect()
    }

    /// Metric period in seconds: the smallest gap between period starts.
    fn period_s(&self) -> f64 {
        let mut best = f64::INFINITY;
        for w in self.timeline.rows.windows(2) {
            let d = w[1].period_start_s - w[0].period_start_s;
            if w[0].strategy == w[1].strategy && d > 0.0 {
                best = best.min(d);
            }
        }
        if best.is_finite() {
            best
        } else {
            60.0
        }
    }

    fn threshold(&self, alarm: &str) -> Option<f64> {
        self.alarm_info(alarm).map(|a| a.threshold)
    }

    /// End of the time axis in minutes: `until`, else the end of the last
    /// deployment (completion, stop or rollback) plus a margin of two
    /// periods or 15 %, whichever is more, within the data; the whole data
    /// when some deployment has not ended.
    fn x_max(&self, panels: &[Panel<'_>], period_s: f64) -> f64 {
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

    fn legend_items(&self) -> Vec<LegendItem> {
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

    fn panel_height(&self) -> u32 {
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

    fn header_height(&self) -> u32 {
        style::MARGIN
            + style::TITLE_HEIGHT
            + style::SUBTITLE_HEIGHT
            + legend::height(
                &self.legend_items(),
                style::TIMELINE_WIDTH - 2 * style::MARGIN,
            )
    }
}

/// Height of the per-alarm state lanes (none for a single alarm, whose
/// state is the background instead).
fn lanes_height(alarms: usize) -> u32 {
    if alarms > 1 {
        6 + alarms as u32 * style::TIMELINE_LANE
    } else {
        0
    }
}

/// Step segments: per period [t0, t1) a horizontal line at its value;
/// consecutive defined periods are joined, undefined ones leave a gap.
fn steps(periods: &[(f64, f64, Option<f64>)]) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut current: Vec<(f64, f64)> = Vec::new();
    for &(t0, t1, v) in periods {
        match v {
            Some(v) => {
                current.push((t0, v));
                current.push((t1, v));
            }
            None => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Periods cut at `x_max` minutes: later ones dropped, the last one
/// shortened.
fn clip(periods: Vec<(f64, f64, Option<f64>)>, x_max: f64) -> Vec<(f64, f64, Option<f64>)> {
    periods
        .into_iter()
        .filter(|p| p.0 < x_max)
        .map(|(t0, t1, v)| (t0, t1.min(x_max), v))
        .collect()
}

fn rate(errors: f64, requests: f64) -> Option<f64> {
    (requests > 0.0).then(|| errors / requests * 100.0)
}

impl Panel<'_> {
    /// (start, end, value) per period, in minutes.
    fn periods(
        &self,
        period_s: f64,
        f: impl Fn(&TimelineRow) -> Option<f64>,
    ) -> Vec<(f64, f64, Option<f64>)> {
        self.rows
            .iter()
            .map(|r| {
                (
                    r.period_start_s / 60.0,
                    (r.period_start_s + period_s) / 60.0,
                    f(r),
                )
            })
            .collect()
    }

    /// The candidate weight as a step function from t = 0 to `x_max`.
    fn weight(&self, x_max: f64) -> Vec<(f64, f64)> {
        let changes: Vec<(f64, f64)> = self
            .events
            .iter()
            .filter(|e| e.event == "weight")
            .filter_map(|e| Some((e.time_s / 60.0, e.detail.parse::<f64>().ok()?)))
            .collect();
        let changes = if changes.is_empty() {
            // Without events: the weight at the end of each period, drawn
            // from the start of the period in which it changed.
            let mut c = Vec::new();
            let mut last = 0.0;
            for r in &self.rows {
                if r.candidate_weight_pct != last || c.is_empty() {
                    c.push((r.period_start_s / 60.0, r.candidate_weight_pct));
                    last = r.candidate_weight_pct;
                }
            }
            c
        } else {
            changes
        };
        let mut pts = vec![(0.0, 0.0)];
        let mut w = 0.0;
        for (t, v) in changes {
            if t > x_max {
                break;
            }
            pts.push((t, w));
            pts.push((t, v));
            w = v;
        }
        pts.push((x_max, w));
        pts
    }

    /// Per alarm, the intervals of its state, in minutes.
    fn alarm_states(
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

    /// "detected by error_rate at 5 min · rolled back at 5.08 min".
    fn outcome(&self) -> String {
        let mut parts = Vec::new();
        let at = |e: &Event| format!("{} min", fmt_num(e.time_s / 60.0));
        if let Some(e) = self.events.iter().find(|e| e.event == "detected") {
            if e.detail.is_empty() {
                parts.push(format!("detected at {}", at(e)));
            } else {
                parts.push(format!("detected by {} at {}", e.detail, at(e)));
            }
        }
        for (event, text) in [
            ("rollback_start", "rollback started at"),
            ("rollback_complete", "rolled back at"),
            ("stopped", "stopped at"),
            ("completed", "completed at"),
        ] {
            if let Some(e) = self.events.iter().find(|e| e.event == event) {
                parts.push(format!("{text} {}", at(e)));
            }
        }
        if parts.is_empty() && !self.events.is_empty() {
            parts.push("not finished within the horizon".into());
        }
        parts.join(" · ")
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

impl TimelineChart<'_> {
    /// One lane per alarm, coloured by its state over time, with the alarm
    /// name written at the left of the lane; carries the time tick labels.
    fn draw_lanes<'c, DB: DrawingBackend>(
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

    /// Glyphs of detection, rollback start and rollback complete at the
    /// top of the weight strip, stacked so that coinciding events stay
    /// apart.
    fn draw_glyphs<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        chart: &Strip<'_, DB>,
        panel: &Panel<'_>,
        x_max: f64,
    ) -> Result<(), DrawError> {
        for (name, shape, height) in GLYPHS {
            let color = marker_kinds()
                .find(|m| m.0 == name)
                .map_or(style::TEXT_COLOR, |m| m.1);
            for e in panel.events.iter().filter(|e| e.event == name) {
                let t = e.time_s / 60.0;
                if t > x_max {
                    continue;
                }
                let px = chart.backend_coord(&(t, height));
                style::draw_marker(root, px, shape, 6, &color, true)?;
            }
        }
        Ok(())
    }

    fn draw_markers<DB: DrawingBackend>(
        &self,
        chart: &mut Strip<'_, DB>,
        panel: &Panel<'_>,
        y: Range<f64>,
        x_max: f64,
    ) -> Result<(), DrawError> {
        for (name, color, width, dashed, _) in marker_kinds() {
            for e in panel.events.iter().filter(|e| e.event == *name) {
                let t = e.time_s / 60.0;
                if t > x_max {
                    continue;
                }
                let pts = [(t, y.start), (t, y.end)];
                let s = color.stroke_width(*width);
                if *dashed {
                    chart.draw_series(DashedLineSeries::new(pts, 5, 4, s))?;
                } else {
                    chart.draw_series(LineSeries::new(pts, s))?;
                }
            }
        }
        Ok(())
    }
}

/// Builds one strip with its state bands and mesh; `bottom` strips get the
/// time tick labels.
#[allow(clippy::too_many_arguments)]
fn strip<'a, DB: DrawingBackend>(
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

fn draw_header<DB: DrawingBackend>(
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

/// Writes threshold values right of the plot, nudged apart vertically.
fn draw_threshold_labels<DB: DrawingBackend>(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_break_at_missing_values() {
        let s = steps(&[
            (0.0, 1.0, Some(1.0)),
            (1.0, 2.0, None),
            (2.0, 3.0, Some(2.0)),
        ]);
        assert_eq!(
            s,
            vec![vec![(0.0, 1.0), (1.0, 1.0)], vec![(2.0, 2.0), (3.0, 2.0)]]
        );
    }
}
