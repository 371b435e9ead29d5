//! Trade-off between false rollbacks and what a faulty candidate costs, over
//! a sweep.
//!
//! One point per (grid point, strategy) of `sweep.csv`: x = false rollback
//! rate, y = a chosen summary column of the faulty candidate, whiskers = the
//! 95 % intervals where `<col>_lo`/`<col>_hi` exist, each point labelled with
//! its swept values and its missed-fault rate (`missed 94%`). The default y,
//! `excess_bad_requests_mean`, counts misses: a missed fault keeps failing
//! requests. With `detection_p50_s` / `detection_p95_s` (quantiles over all
//! faulty runs, a miss counting as never), a point whose quantile falls among
//! the misses (empty cell) is drawn in a "missed / never" band above the
//! axis rather than left out. Files without `excess_bad_requests_mean`
//! (older sweeps) fall back to `bad_requests_mean` and the title says so.
//!
//! Which rows give x and y is decided from the data, not from column names:
//! - rows with a healthy candidate and rows with a faulty one both present:
//!   each faulty row's y is paired with the healthy row of the same strategy
//!   and the same values of the swept keys the two groups share (a key whose
//!   healthy and faulty values differ is taken to be the one selecting the
//!   variant);
//! - only healthy rows: x and y from the same row;
//! - only faulty rows: x falls back to the rollback rate, and the title says so.
//!
//! The chart's parts: this file prepares it from the table (which rows
//! give x and y, the points and their intervals), `draw` draws the axes,
//! the "never" band, whiskers and markers, and `labels` writes and places
//! the point labels.

use super::data::{
    axis_unit, describe_column, is_never_quantile, short_key_names, SummaryRow, SummaryTable,
};
use super::PlotError;

mod draw;
mod labels;

const DEFAULT_Y: &str = "excess_bad_requests_mean";
/// Used when a file has no [`DEFAULT_Y`] (sweeps written before it existed).
const FALLBACK_Y: &str = "bad_requests_mean";

/// The trade-off chart (`tradeoff.svg|png`).
pub struct TradeoffChart {
    title: String,
    subtitle: String,
    x_desc: String,
    y_desc: String,
    strategies: Vec<String>,
    /// Short names of the swept keys in the point labels.
    label_keys: Vec<String>,
    /// "threshold = alarms.error_rate.threshold" for abbreviated keys,
    /// written under the legend.
    key_note: Option<String>,
    points: Vec<Point>,
}

#[derive(Debug, Clone)]
struct Point {
    strategy: usize,
    /// Values of `label_keys`.
    keys: Vec<String>,
    /// Axis values (x in percent); `y` is `None` for "never".
    x: f64,
    y: Option<f64>,
    /// Missed-fault rate of the faulty row, in [0, 1].
    missed: Option<f64>,
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
        let y_col = match y {
            Some(c) => c,
            None if table.has_column(DEFAULT_Y) || !table.has_column(FALLBACK_Y) => DEFAULT_Y,
            None => FALLBACK_Y,
        };
        if y.is_none() {
            table.require(y_col)?;
        }
        if !table.has_column(y_col) || y_col == "false_rollback_rate" {
            return Err(PlotError::BadOption {
                option: "tradeoff_y",
                column: y_col.to_owned(),
                problem: "not a numeric summary column",
                path: table.path.clone(),
                allowed: table.columns.join(", "),
            });
        }
        table.require("missed_rate")?;
        let never_band = is_never_quantile(y_col);
        if never_band && !table.detection_counts_misses() {
            // An older file: its detection quantiles ignore the misses.
            return Err(PlotError::MissingColumn {
                path: table.path.clone(),
                column: "detection_p50_detected_s".to_owned(),
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
            .filter(|r| table.is_faulty(r) == Some(false))
            .collect();
        let faulty: Vec<&SummaryRow> = table
            .rows
            .iter()
            .filter(|r| table.is_faulty(r) != Some(false))
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
        // The title names the quantity without the axis' explanation.
        let y_short = y_name.split(" (").next().unwrap_or(&y_name).to_owned();
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
        // The y value of a row: `Some(None)` = never (an empty quantile
        // among the misses), `None` = nothing to draw.
        let y_of = |r: &SummaryRow| -> Option<Option<f64>> {
            match table.value(r, y_col) {
                Some(v) => Some(Some(v * y_factor)),
                None if never_band && table.value(r, "missed_rate").is_some_and(|m| m > 0.0) => {
                    Some(None)
                }
                None => None,
            }
        };

        let mut points = Vec::new();
        let (mut title, x_desc);
        if !healthy.is_empty() && !faulty.is_empty() {
            for f in &faulty {
                let Some(y) = y_of(f) else {
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
                    y,
                    missed: table.value(f, "missed_rate"),
                    x_ci: ci(table, h, "false_rollback_rate", 100.0),
                    y_ci: ci(table, f, y_col, y_factor),
                });
            }
            title = format!(
                "Trade-off: false rollbacks (healthy candidate) vs {y_short} (faulty candidate)"
            );
            x_desc = "false rollback rate, healthy candidate (%)".to_owned();
        } else {
            let x_col = if faulty.is_empty() {
                "false_rollback_rate"
            } else {
                "rollback_rate"
            };
            for r in &table.rows {
                let (Some(x), Some(y)) = (table.value(r, x_col), y_of(r)) else {
                    continue;
                };
                points.push(Point {
                    strategy: strategy_index(r),
                    keys: label(r),
                    x: x * 100.0,
                    y,
                    missed: table.value(r, "missed_rate"),
                    x_ci: ci(table, r, x_col, 100.0),
                    y_ci: ci(table, r, y_col, y_factor),
                });
            }
            if faulty.is_empty() {
                title = format!("Trade-off: false rollback rate vs {y_short}");
                x_desc = "false rollback rate (%)".to_owned();
            } else {
                title = format!(
                    "Trade-off: rollback rate vs {y_short} \
                     (fallback: no false-rollback data in this sweep)"
                );
                x_desc = "rollback rate (%)".to_owned();
            }
        }
        let mut subtitle = "One point per grid point and strategy, labelled with its swept \
                            values and the % of faulty runs missed; whiskers: 95 % CI"
            .to_owned();
        if y.is_none() && y_col == FALLBACK_Y {
            title.push_str(" — total, not excess");
            subtitle = "No excess_bad_requests_mean in this sweep.csv: y counts every bad \
                        request, baseline failures included; whiskers: 95 % CI"
                .to_owned();
        }
        let key_list: Vec<String> = shared
            .iter()
            .filter(|&&k| names[k] != table.keys[k])
            .map(|&k| format!("{} = {}", names[k], table.keys[k]))
            .collect();
        let key_note = (!key_list.is_empty()).then(|| key_list.join(", "));
        Ok(TradeoffChart {
            title,
            subtitle,
            x_desc,
            y_desc,
            strategies,
            label_keys: shared.iter().map(|&k| names[k].clone()).collect(),
            key_note,
            points,
        })
    }

    /// Replaces the chart title.
    pub fn title(mut self, title: Option<&str>) -> Self {
        if let Some(t) = title {
            self.title = t.to_owned();
        }
        self
    }
}
