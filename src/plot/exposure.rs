//! The fault's exposure: excess bad requests per replication (the bad
//! candidate requests the fault caused, `excess_bad_requests` of
//! `runs.csv`), one box per strategy over all its runs. A healthy
//! candidate's excess is 0 by construction, so its slot says so instead of
//! drawing a degenerate box, and shows the baseline's bad requests in
//! words. A `runs.csv` without the column (older output) falls back to all
//! bad requests, and the title says "total, baseline included".
//!
//! Box = 25th–75th percentile, line = median, whiskers = 5th–95th
//! percentile, crosses = minimum and maximum, diamond = mean. Quantiles are
//! Hyndman & Fan definition 7 ([`crate::stats::quantile`], as in
//! `summary.csv`). When the values span more than two decades the y axis is
//! logarithmic in 1 + n, so replications with no bad request stay visible at
//! the bottom of the axis.

use plotters::coord::Shift;
use plotters::element::{PathElement, Rectangle};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::data::{first_seen, RunRow};
use super::legend::{self, LegendItem, Swatch};
use super::style::{self, fmt_num, Shape, TickAxis};
use super::{Chart, DrawError};
use crate::report::RUNS_CSV;
use crate::stats::{quantile, sorted};

/// The exposure chart (`exposure.svg|png`).
pub struct ExposureChart<'a> {
    runs: &'a [RunRow],
    title: Option<String>,
}

/// What the boxes count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Measure {
    /// `excess_bad_requests`: the bad requests the fault caused.
    Excess,
    /// `bad_requests`: all of them, baseline failures included (files
    /// without `excess_bad_requests`).
    Total,
}

struct BoxStats {
    min: f64,
    p5: f64,
    p25: f64,
    median: f64,
    p75: f64,
    p95: f64,
    max: f64,
    mean: f64,
}

impl BoxStats {
    fn of(values: Vec<f64>) -> Option<BoxStats> {
        let v = sorted(values);
        let q = |p| quantile(&v, p);
        Some(BoxStats {
            min: *v.first()?,
            p5: q(0.05)?,
            p25: q(0.25)?,
            median: q(0.5)?,
            p75: q(0.75)?,
            p95: q(0.95)?,
            max: *v.last()?,
            mean: v.iter().sum::<f64>() / v.len() as f64,
        })
    }
}

/// One strategy's slot on the x axis.
struct Slot {
    strategy: String,
    /// Replications of the strategy.
    n: usize,
    /// The box of the measure; `None` for a healthy candidate (no excess).
    stats: Option<BoxStats>,
    /// For a healthy candidate: its (baseline) bad requests.
    baseline: Option<BoxStats>,
}

impl<'a> ExposureChart<'a> {
    pub fn new(runs: &'a [RunRow]) -> Self {
        ExposureChart { runs, title: None }
    }

    /// Replaces the chart title.
    pub fn title(mut self, title: Option<&str>) -> Self {
        self.title = title.map(str::to_owned);
        self
    }

    /// Excess bad requests when every run has them, else all bad requests.
    fn measure(&self) -> Measure {
        if self.runs.iter().all(|r| r.excess_bad_requests.is_some()) {
            Measure::Excess
        } else {
            Measure::Total
        }
    }

    fn slots(&self, measure: Measure) -> Vec<Slot> {
        first_seen(self.runs.iter().map(|r| r.strategy.as_str()))
            .into_iter()
            .map(|strategy| {
                let mine: Vec<&RunRow> = self
                    .runs
                    .iter()
                    .filter(|r| r.strategy == strategy)
                    .collect();
                let values: Vec<f64> = mine
                    .iter()
                    .map(|r| match measure {
                        Measure::Excess => r.excess_bad_requests.unwrap_or(0.0),
                        Measure::Total => r.bad_requests,
                    })
                    .collect();
                let healthy = measure == Measure::Excess
                    && mine.iter().all(|r| r.candidate_faulty == Some(false))
                    && values.iter().all(|&v| v == 0.0);
                let (stats, baseline) = if healthy {
                    (
                        None,
                        BoxStats::of(mine.iter().map(|r| r.bad_requests).collect()),
                    )
                } else {
                    (BoxStats::of(values), None)
                };
                Slot {
                    strategy,
                    n: mine.len(),
                    stats,
                    baseline,
                }
            })
            .collect()
    }
}

/// Maps a count to the y axis: identity, or log10(1 + n) on a log axis.
#[derive(Clone, Copy)]
struct Scale {
    log: bool,
}

impl Scale {
    fn y(self, v: f64) -> f64 {
        if self.log {
            (1.0 + v.max(0.0)).log10()
        } else {
            v
        }
    }

    fn inverse(self, y: f64) -> f64 {
        if self.log {
            10f64.powf(y) - 1.0
        } else {
            y
        }
    }
}

impl Chart for ExposureChart<'_> {
    fn size(&self) -> (u32, u32) {
        style::CHART_SIZE
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        let measure = self.measure();
        let slots = self.slots(measure);
        let boxes: Vec<&BoxStats> = slots.iter().filter_map(|s| s.stats.as_ref()).collect();
        let reps = slots.iter().map(|s| s.n).max().unwrap_or(0);
        let (title, subtitle) = match measure {
            Measure::Excess if boxes.is_empty() && !slots.is_empty() => (
                "Exposure: excess bad requests (caused by the fault) per replication",
                format!(
                    "All runs of each strategy (n = {reps}). The candidate is healthy: \
                     no request failed because of a fault (excess = 0)."
                ),
            ),
            Measure::Excess => (
                "Exposure: excess bad requests (caused by the fault) per replication",
                format!(
                    "All runs of each strategy (n = {reps}). Excess = bad candidate requests \
                     the fault caused; baseline failures excluded."
                ),
            ),
            Measure::Total => (
                "Exposure: bad requests per replication (total, baseline included)",
                format!(
                    "All runs of each strategy (n = {reps}). {RUNS_CSV} has no \
                     excess_bad_requests column (older output): baseline failures count too."
                ),
            ),
        };
        let area = style::draw_title(
            root,
            self.title.as_deref().unwrap_or(title),
            Some(&subtitle),
        )?;
        let items = vec![
            LegendItem::new(
                Swatch::BoxGlyph {
                    color: style::AXIS_COLOR,
                },
                "box: 25th–75th percentile, line: median",
            ),
            LegendItem::new(
                Swatch::Vertical {
                    color: style::AXIS_COLOR,
                    width: 1,
                    dashed: false,
                    glyph: None,
                },
                "whiskers: 5th–95th percentile",
            ),
            LegendItem::new(
                Swatch::Marker {
                    color: style::AXIS_COLOR,
                    shape: Shape::Diamond,
                    filled: false,
                },
                "mean",
            ),
            LegendItem::new(
                Swatch::Marker {
                    color: style::AXIS_COLOR,
                    shape: Shape::Cross,
                    filled: true,
                },
                "minimum / maximum",
            ),
        ];
        // Without a box the legend would explain nothing on the chart.
        let area = if boxes.is_empty() {
            area
        } else {
            legend::draw(&area, &items)?
        };

        let max = boxes.iter().map(|b| b.max).fold(0.0, f64::max);
        let min_pos = boxes
            .iter()
            .map(|b| b.min)
            .filter(|&v| v > 0.0)
            .fold(f64::INFINITY, f64::min);
        let scale = Scale {
            log: max > 0.0 && max / min_pos.max(1.0) > 100.0,
        };
        let y_top = if scale.log {
            scale.y(max) + 0.3
        } else {
            style::nice_ceil(max * 1.1)
        };
        // A log axis starts at 0 only if some replication had no bad
        // request; otherwise at the decade below the smallest count.
        let min = boxes.iter().map(|b| b.min).fold(f64::INFINITY, f64::min);
        let first_decade = if min >= 1.0 {
            10f64.powf(min.log10().floor())
        } else {
            1.0
        };
        let y_bottom = if scale.log && min >= 1.0 {
            scale.y(first_decade) - 0.1
        } else {
            0.0
        };
        let y_range = y_bottom..y_top;
        let key_points: Vec<f64> = if scale.log {
            let mut k = if min < 1.0 { vec![0.0] } else { Vec::new() };
            let mut d = first_decade;
            while scale.y(d) <= y_top {
                k.push(scale.y(d));
                d *= 10.0;
            }
            k
        } else {
            Vec::new()
        };
        let n = slots.len().max(1);
        let x_range = -0.5f64..(n as f64 - 0.5);
        let what = match measure {
            Measure::Excess => "excess bad requests per replication",
            Measure::Total => "bad requests per replication",
        };
        let y_desc = if scale.log {
            format!("{what} (log scale of 1 + n)")
        } else {
            what.to_owned()
        };

        // Three lines of hand-drawn labels under each box: the name, then
        // the numbers on two lines so they fit a narrow slot.
        let label_area = 84;
        let mut builder = ChartBuilder::on(&area);
        builder
            .margin_left(style::MARGIN)
            .margin_right(style::MARGIN * 2)
            .margin_bottom(style::MARGIN)
            .margin_top(8)
            .x_label_area_size(label_area)
            .y_label_area_size(style::Y_LABEL_AREA);
        // The log axis gets ticks at 0, 1, 10, 100, … only.
        let ticks = if boxes.is_empty() {
            vec![0.0]
        } else if scale.log {
            key_points
        } else {
            // Counts: whole-number ticks only.
            let mut t = style::ticks(0.0, y_top, 8);
            t.retain(|v| v.fract() == 0.0);
            t
        };
        let categories: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let mut chart = builder.build_cartesian_2d(
            TickAxis::new(x_range, categories),
            TickAxis::new(y_range, ticks),
        )?;
        chart
            .configure_mesh()
            .y_desc(y_desc)
            .axis_desc_style(style::font(style::AXIS_DESC_FONT_SIZE).color(&style::TEXT_COLOR))
            .label_style(style::font(style::TICK_FONT_SIZE).color(&style::TEXT_COLOR))
            .x_label_formatter(&|_| String::new())
            .y_label_formatter(&|v| fmt_num(scale.inverse(*v).round()))
            .light_line_style(WHITE)
            .bold_line_style(style::GRID_COLOR)
            .axis_style(style::AXIS_COLOR)
            .disable_x_mesh()
            .x_labels(n)
            .y_labels(12)
            .draw()?;
        let px = |x: f64, v: f64| chart.backend_coord(&(x, scale.y(v)));

        let (x0, _) = px(0.0, 0.0);
        let (x1, _) = px(1.0, 0.0);
        let slot = if n > 1 { (x1 - x0).abs() } else { 600 };
        let half = (slot as f64 * 0.22).clamp(12.0, 90.0) as i32;
        let (_, axis_y) = chart.backend_coord(&(0.0, y_bottom));
        let name_font = style::bold(style::SUBTITLE_FONT_SIZE);
        let f = style::font(style::TICK_FONT_SIZE);
        let width = (slot - 8).max(40) as u32;
        let label = |text: &str, x: i32, y: i32, color: &RGBColor, font: &FontDesc<'_>| {
            root.draw(&Text::new(
                style::fit_text(font, text, width),
                (x, y),
                font.color(color).pos(Pos::new(HPos::Center, VPos::Center)),
            ))
        };
        // Two lines of numbers under a strategy's name.
        let numbers_under = |lines: &[String; 2], cx: i32| {
            for (k, line) in lines.iter().enumerate() {
                label(
                    line,
                    cx,
                    axis_y + 42 + 18 * k as i32,
                    &style::TEXT_COLOR,
                    &f,
                )?;
            }
            Ok::<(), DrawingAreaErrorKind<_>>(())
        };
        for (i, s) in slots.iter().enumerate() {
            let color = style::strategy_color(i);
            let (cx, _) = px(i as f64, 0.0);
            label(&s.strategy, cx, axis_y + 18, &color, &name_font)?;
            let Some(b) = &s.stats else {
                // A healthy candidate: no excess, so no box; say so in the
                // plot and give its (baseline) bad requests underneath.
                for (k, line) in ["healthy candidate:", "no excess"].iter().enumerate() {
                    label(line, cx, axis_y - 44 + 20 * k as i32, &color, &f)?;
                }
                if let Some(base) = &s.baseline {
                    let lines = [
                        format!("baseline bad requests: mean {}", fmt_num(base.mean)),
                        format!(
                            "median {} · p95 {}",
                            fmt_num(base.median),
                            fmt_num(base.p95)
                        ),
                    ];
                    numbers_under(&lines, cx)?;
                }
                continue;
            };
            let y = |v: f64| px(i as f64, v).1;
            let stroke = color.stroke_width(2);
            // Whiskers with caps.
            for (a, z) in [(b.p5, b.p25), (b.p75, b.p95)] {
                root.draw(&PathElement::new(vec![(cx, y(a)), (cx, y(z))], stroke))?;
            }
            for v in [b.p5, b.p95] {
                root.draw(&PathElement::new(
                    vec![(cx - half / 2, y(v)), (cx + half / 2, y(v))],
                    stroke,
                ))?;
            }
            // Box and median.
            let rect = [(cx - half, y(b.p75)), (cx + half, y(b.p25))];
            root.draw(&Rectangle::new(rect, color.mix(0.3).filled()))?;
            root.draw(&Rectangle::new(rect, stroke))?;
            root.draw(&PathElement::new(
                vec![(cx - half, y(b.median)), (cx + half, y(b.median))],
                color.stroke_width(4),
            ))?;
            // Extremes and mean.
            for v in [b.min, b.max] {
                style::draw_marker(root, (cx, y(v)), Shape::Cross, 5, &style::AXIS_COLOR, true)?;
            }
            style::draw_marker(root, (cx, y(b.mean)), Shape::Diamond, 6, &color, false)?;

            // The numbers under the name, on two lines.
            let lines = [
                format!("mean {} · median {}", fmt_num(b.mean), fmt_num(b.median)),
                format!("p95 {} · max {}", fmt_num(b.p95), fmt_num(b.max)),
            ];
            numbers_under(&lines, cx)?;
        }
        if slots.is_empty() {
            style::draw_note(&area, &format!("{RUNS_CSV} has no rows"))?;
        } else if max == 0.0 && !boxes.is_empty() {
            style::draw_note(
                &area,
                match measure {
                    Measure::Excess => "the fault caused no bad request in any replication",
                    Measure::Total => "no bad request in any replication",
                },
            )?;
        }
        Ok(())
    }
}
