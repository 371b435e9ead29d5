//! Empirical CDF of detection times per strategy, scaled to all replications
//! of the population (the faulty-candidate runs when `runs.csv` has any).
//!
//! For each strategy, F(t) = (number of rolled-back or stopped replications
//! with `detection_s` ≤ t) / (number of all replications). Dividing by all
//! replications rather than by the detected ones makes each curve level off
//! at the strategy's detection (rollback) rate — a miss never reaches 100 %
//! — so one chart shows both how often and how fast a strategy reacts.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::data::{first_seen, RunOutcome, RunRow, SummaryTable};
use super::legend::{self, LegendItem, Swatch};
use super::style::{self, fmt_num, TickAxis};
use super::{Chart, DrawError};

/// The detection-time CDF chart (`detection_cdf.svg|png`).
pub struct DetectionCdfChart<'a> {
    runs: &'a [RunRow],
    summary: Option<&'a SummaryTable>,
    title: Option<String>,
}

/// Which runs the curves count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Population {
    /// The faulty-candidate runs (the file has some).
    Faulty,
    /// Only healthy-candidate runs: every detection is a false rollback.
    Healthy,
    /// `runs.csv` does not say.
    All,
}

struct Curve {
    strategy: String,
    /// Number of replications of the strategy.
    reps: usize,
    /// Detection times of rolled-back or stopped replications, ascending.
    times: Vec<f64>,
    /// Whether some detected replications were stopped (not rolled back).
    any_stopped: bool,
}

impl<'a> DetectionCdfChart<'a> {
    /// `summary` (optional) adds the rollback rate's 95 % interval to the
    /// legend.
    pub fn new(runs: &'a [RunRow], summary: Option<&'a SummaryTable>) -> Self {
        DetectionCdfChart {
            runs,
            summary,
            title: None,
        }
    }

    /// Replaces the chart title.
    pub fn title(mut self, title: Option<&str>) -> Self {
        self.title = title.map(str::to_owned);
        self
    }

    fn population(&self) -> Population {
        if self.runs.iter().any(|r| r.candidate_faulty == Some(true)) {
            Population::Faulty
        } else if !self.runs.is_empty()
            && self.runs.iter().all(|r| r.candidate_faulty == Some(false))
        {
            Population::Healthy
        } else {
            Population::All
        }
    }

    fn curves(&self) -> Vec<Curve> {
        let faulty_only = self.population() == Population::Faulty;
        first_seen(self.runs.iter().map(|r| r.strategy.as_str()))
            .into_iter()
            .map(|strategy| {
                let mine: Vec<&RunRow> = self
                    .runs
                    .iter()
                    .filter(|r| r.strategy == strategy)
                    .filter(|r| !faulty_only || r.candidate_faulty == Some(true))
                    .collect();
                let detected = mine.iter().filter(|r| {
                    matches!(r.outcome, RunOutcome::RolledBack | RunOutcome::Stopped)
                        && r.detection_s.is_some()
                });
                let any_stopped = detected.clone().any(|r| r.outcome == RunOutcome::Stopped);
                let times = crate::stats::sorted(detected.filter_map(|r| r.detection_s).collect());
                Curve {
                    strategy,
                    reps: mine.len(),
                    times,
                    any_stopped,
                }
            })
            .collect()
    }

    fn rollback_ci(&self, strategy: &str) -> Option<(f64, f64)> {
        let table = self.summary?;
        let row = table.rows.iter().find(|r| {
            r.strategy == strategy
                && r.keys.is_empty()
                && (self.population() != Population::Faulty || table.is_faulty(r) != Some(false))
        })?;
        Some((
            table.value(row, "rollback_rate_lo")?,
            table.value(row, "rollback_rate_hi")?,
        ))
    }
}

impl Chart for DetectionCdfChart<'_> {
    fn size(&self) -> (u32, u32) {
        style::CHART_SIZE
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        let curves = self.curves();
        let reps: usize = curves.iter().map(|c| c.reps).max().unwrap_or(0);
        let population = self.population();
        let (who, subtitle) = match population {
            Population::Faulty => (
                "all faulty runs",
                "y = share of ALL faulty-candidate runs detected by time t; misses never \
                 detect, so a curve levels off below 100 % at its detect rate.",
            ),
            Population::Healthy => (
                "all healthy runs",
                "Healthy candidate: every detection is a false rollback; y = share of ALL \
                 runs, so each curve levels off at its false-rollback rate.",
            ),
            Population::All => (
                "all runs",
                "y = share of ALL runs detected by time t; runs that never detect keep a \
                 curve below 100 %, so it levels off at its detect rate.",
            ),
        };
        let default_title = match population {
            Population::Healthy => {
                format!(
                    "Time to false rollback — empirical CDF (n = {reps} healthy runs per strategy)"
                )
            }
            _ => format!("Time to detection — empirical CDF (n = {reps} runs per strategy, {who})"),
        };
        let area = style::draw_title(
            root,
            self.title.as_deref().unwrap_or(&default_title),
            Some(subtitle),
        )?;

        let max_t = curves
            .iter()
            .filter_map(|c| c.times.last().copied())
            .fold(0.0, f64::max);
        let (unit, div) = if max_t > 180.0 {
            ("min", 60.0)
        } else {
            ("s", 1.0)
        };
        let x_max = if max_t > 0.0 {
            style::nice_ceil(max_t / div * 1.08)
        } else {
            1.0
        };
        let max_plateau = curves
            .iter()
            .map(|c| c.times.len() as f64 / c.reps.max(1) as f64 * 100.0)
            .fold(0.0, f64::max);
        let y_top = if max_plateau >= 50.0 || max_plateau == 0.0 {
            100.0
        } else {
            style::nice_ceil(max_plateau * 1.15).min(100.0)
        };

        // A curve identical to later ones is drawn wider underneath them,
        // so that coinciding strategies stay visible.
        let widths: Vec<u32> = (0..curves.len())
            .map(|i| {
                let same = curves[i + 1..]
                    .iter()
                    .filter(|c| c.reps == curves[i].reps && c.times == curves[i].times)
                    .count() as u32;
                2 + 3 * same
            })
            .collect();
        let items: Vec<LegendItem> = curves
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let rate = c.times.len() as f64 / c.reps.max(1) as f64 * 100.0;
                let what = if c.any_stopped {
                    "rolled back or stopped"
                } else {
                    "rolled back"
                };
                let ci = match (c.any_stopped, self.rollback_ci(&c.strategy)) {
                    (false, Some((lo, hi))) => {
                        format!(
                            " (95 % CI {}–{} %)",
                            fmt_num(lo * 100.0),
                            fmt_num(hi * 100.0)
                        )
                    }
                    _ => String::new(),
                };
                LegendItem::new(
                    Swatch::Line {
                        color: style::strategy_color(i),
                        width: widths[i],
                        dashed: false,
                    },
                    format!(
                        "{}: {} % {what}{ci}, {} % never",
                        c.strategy,
                        fmt_num(rate),
                        fmt_num(100.0 - rate)
                    ),
                )
            })
            .collect();
        let area = legend::draw(&area, &items)?;

        let mut chart = ChartBuilder::on(&area)
            .margin_left(style::MARGIN)
            .margin_right(style::MARGIN * 2)
            .margin_bottom(style::MARGIN)
            .margin_top(8)
            .x_label_area_size(style::X_LABEL_AREA)
            .y_label_area_size(style::Y_LABEL_AREA)
            .build_cartesian_2d(
                0f64..x_max,
                // Room below 0 and above the top so curves do not hide in
                // the axes.
                TickAxis::new(-y_top * 0.015..y_top * 1.04, style::ticks(0.0, y_top, 10)),
            )?;
        chart
            .configure_mesh()
            .x_desc(format!("time from deployment start to detection ({unit})"))
            .y_desc(match population {
                Population::Healthy => format!("rolled back by time t (% of {who})"),
                _ => format!("detected by time t (% of {who}; misses never reach 100)"),
            })
            .axis_desc_style(style::font(style::AXIS_DESC_FONT_SIZE).color(&style::TEXT_COLOR))
            .label_style(style::font(style::TICK_FONT_SIZE).color(&style::TEXT_COLOR))
            .x_label_formatter(&|v| fmt_num(*v))
            .y_label_formatter(&|v| fmt_num(*v))
            .light_line_style(WHITE)
            .bold_line_style(style::GRID_COLOR)
            .axis_style(style::AXIS_COLOR)
            .x_labels(12)
            .y_labels(12)
            .draw()?;

        for (i, c) in curves.iter().enumerate() {
            let step = 100.0 / c.reps.max(1) as f64;
            let mut pts = vec![(0.0, 0.0)];
            let mut y = 0.0;
            for t in &c.times {
                let x = t / div;
                pts.push((x, y));
                y += step;
                pts.push((x, y));
            }
            pts.push((x_max, y));
            chart.draw_series(LineSeries::new(
                pts,
                style::strategy_color(i).stroke_width(widths[i]),
            ))?;
        }
        if curves.iter().all(|c| c.times.is_empty()) {
            style::draw_note(
                &chart.plotting_area().strip_coord_spec(),
                "no replication was rolled back or stopped",
            )?;
        }
        Ok(())
    }
}
