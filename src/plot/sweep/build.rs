//! Prepares the sweep chart from a `sweep.csv` table: checks the chosen
//! columns, picks the x key and its axis (linear, log, categories), finds
//! the line identities (strategy × the other keys that vary) and fills
//! each panel's series with its points and confidence bands.

use super::panels::{capitalize, panel_specs, Population};
use super::{LineId, Panel, Series, SweepChart, XAxis};
use crate::plot::data::{
    axis_unit, describe_column, first_seen, is_never_quantile, short_key_names, SummaryRow,
    SummaryTable, Unit,
};
use crate::plot::PlotError;

impl SweepChart {
    /// Prepares the chart; `x` picks the swept key, `metric` a single
    /// column (default: the four panels).
    pub fn new(
        table: &SummaryTable,
        x: Option<&str>,
        metric: Option<&str>,
    ) -> Result<Self, PlotError> {
        if let Some(m) = metric {
            if !table.has_column(m) {
                return Err(PlotError::BadOption {
                    option: "sweep_metric",
                    column: m.to_owned(),
                    problem: "not a numeric summary column",
                    path: table.path.clone(),
                    allowed: table.columns.join(", "),
                });
            }
        } else {
            table.require("false_rollback_rate")?;
            table.require("missed_rate")?;
        }
        let numeric = table.numeric_keys();
        let names = short_key_names(&table.keys);
        // Keys that select the candidate variant: their values differ
        // between the healthy and the faulty rows.
        let healthy_rows: Vec<&SummaryRow> = table
            .rows
            .iter()
            .filter(|r| table.is_faulty(r) == Some(false))
            .collect();
        let faulty_rows: Vec<&SummaryRow> = table
            .rows
            .iter()
            .filter(|r| table.is_faulty(r) == Some(true))
            .collect();
        let variant: Vec<usize> = (0..table.keys.len())
            .filter(|&k| {
                if healthy_rows.is_empty() || faulty_rows.is_empty() {
                    return false;
                }
                let set = |rows: &[&SummaryRow]| -> Vec<String> {
                    let mut v: Vec<String> = rows.iter().map(|r| r.keys[k].clone()).collect();
                    v.sort_unstable();
                    v.dedup();
                    v
                };
                set(&healthy_rows) != set(&faulty_rows)
            })
            .collect();
        let x_key =
            match x {
                Some(name) => table.keys.iter().position(|k| k == name).ok_or_else(|| {
                    PlotError::BadOption {
                        option: "sweep_x",
                        column: name.to_owned(),
                        problem: "not a swept column",
                        path: table.path.clone(),
                        allowed: if table.keys.is_empty() {
                            "(none: no column before `strategy`)".to_owned()
                        } else {
                            table.keys.join(", ")
                        },
                    }
                })?,
                None => match numeric
                    .iter()
                    .copied()
                    .find(|k| !variant.contains(k))
                    .or_else(|| (0..table.keys.len()).find(|k| !variant.contains(k)))
                {
                    Some(k) => k,
                    None if !table.keys.is_empty() => 0,
                    None => {
                        return Err(PlotError::BadOption {
                            option: "sweep_x",
                            column: String::new(),
                            problem: "no swept column (none before `strategy`)",
                            path: table.path.clone(),
                            allowed: "a sweep.csv with key columns".to_owned(),
                        })
                    }
                },
            };

        // x positions.
        let x_numeric = numeric.contains(&x_key);
        let raw_x = |r: &SummaryRow| r.keys[x_key].parse::<f64>().unwrap_or(0.0);
        let x_axis = if !x_numeric {
            XAxis::Categories(first_seen(
                table.rows.iter().map(|r| r.keys[x_key].as_str()),
            ))
        } else {
            let lo = table.rows.iter().map(raw_x).fold(f64::INFINITY, f64::min);
            let hi = table.rows.iter().map(raw_x).fold(0.0, f64::max);
            if lo > 0.0 && hi / lo >= 100.0 {
                XAxis::Log
            } else {
                XAxis::Linear
            }
        };
        let x_of = |r: &SummaryRow| -> f64 {
            match &x_axis {
                XAxis::Linear => raw_x(r),
                XAxis::Log => raw_x(r).log10(),
                XAxis::Categories(c) => {
                    c.iter().position(|v| *v == r.keys[x_key]).unwrap_or(0) as f64
                }
            }
        };

        // Line identities: per strategy, the other keys that vary among its
        // rows (variant keys excluded, as the panels separate them).
        let strategies = table.strategies();
        let strategy_of = |r: &SummaryRow| {
            strategies
                .iter()
                .position(|s| *s == r.strategy)
                .unwrap_or(0)
        };
        let varying: Vec<Vec<usize>> = strategies
            .iter()
            .map(|s| {
                (0..table.keys.len())
                    .filter(|&k| k != x_key && !variant.contains(&k))
                    .filter(|&k| {
                        let mut v = table
                            .rows
                            .iter()
                            .filter(|r| r.strategy == *s)
                            .map(|r| r.keys[k].as_str());
                        let first = v.next();
                        v.any(|x| Some(x) != first)
                    })
                    .collect()
            })
            .collect();
        let mut lines: Vec<LineId> = Vec::new();
        let mut line_keys: Vec<(usize, Vec<String>)> = Vec::new();
        let line_of = |r: &SummaryRow| -> (usize, Vec<String>) {
            let s = strategy_of(r);
            (s, varying[s].iter().map(|&k| r.keys[k].clone()).collect())
        };
        for r in &table.rows {
            let id = line_of(r);
            if !line_keys.contains(&id) {
                let combo = line_keys.iter().filter(|l| l.0 == id.0).count();
                let mut label = r.strategy.clone();
                for (j, &k) in varying[id.0].iter().enumerate() {
                    label.push_str(&format!(
                        "{}{}={}",
                        if j == 0 { " · " } else { ", " },
                        names[k],
                        id.1[j]
                    ));
                }
                lines.push(LineId {
                    strategy: id.0,
                    combo,
                    label,
                });
                line_keys.push(id);
            }
        }

        // Panels.
        let specs = panel_specs(table, metric);
        let panels = specs
            .iter()
            .map(|spec| {
                let rows: Vec<&SummaryRow> = table
                    .rows
                    .iter()
                    .filter(|r| match spec.population {
                        Population::Healthy => table.is_faulty(r) == Some(false),
                        Population::Faulty => table.is_faulty(r) != Some(false),
                        Population::All => true,
                    })
                    .collect();
                let (name, unit) = describe_column(spec.column);
                let max = rows
                    .iter()
                    .filter_map(|r| table.value(r, spec.column))
                    .fold(0.0, f64::max);
                let (factor, unit_label) = axis_unit(unit, max);
                let y_desc = match (spec.complement, unit_label) {
                    (true, _) => "detected (% of faulty runs)".to_owned(),
                    (false, "") => name.clone(),
                    (false, u) if spec.column == "false_rollback_rate" => {
                        format!("false rollbacks ({u} of healthy runs)")
                    }
                    (false, u) if spec.column == "detection_p50_s" => {
                        format!("time to detection p50 ({u})")
                    }
                    (false, u) => format!("{name} ({u})"),
                };
                let never = is_never_quantile(spec.column) && table.detection_counts_misses();
                let lo_col = format!("{}_lo", spec.column);
                let hi_col = format!("{}_hi", spec.column);
                let mut series: Vec<Series> = Vec::new();
                if spec.note.is_none() {
                    for r in &rows {
                        let v = table.value(r, spec.column);
                        let y = match v {
                            Some(v) if spec.complement => Some(Some((1.0 - v) * factor)),
                            Some(v) => Some(Some(v * factor)),
                            None if never
                                && table.value(r, "missed_rate").is_some_and(|m| m > 0.0) =>
                            {
                                Some(None)
                            }
                            None => None,
                        };
                        let Some(y) = y else { continue };
                        let band = match (table.value(r, &lo_col), table.value(r, &hi_col)) {
                            (Some(lo), Some(hi)) if spec.complement => {
                                Some(((1.0 - hi) * factor, (1.0 - lo) * factor))
                            }
                            (Some(lo), Some(hi)) => Some((lo * factor, hi * factor)),
                            _ => None,
                        };
                        let id = line_of(r);
                        let line = line_keys.iter().position(|l| *l == id).unwrap_or(0);
                        let point = (x_of(r), y, band);
                        match series.iter_mut().find(|s| s.line == line) {
                            Some(s) => s.points.push(point),
                            None => series.push(Series {
                                line,
                                points: vec![point],
                            }),
                        }
                    }
                }
                for s in &mut series {
                    s.points.sort_by(|a, b| a.0.total_cmp(&b.0));
                }
                series.sort_by_key(|s| s.line);
                let note = spec.note.clone().or_else(|| {
                    series.is_empty().then(|| match spec.population {
                        Population::Healthy => "no healthy-candidate rows in this sweep".to_owned(),
                        Population::Faulty => "no faulty-candidate rows in this sweep".to_owned(),
                        Population::All => "the chosen column is empty in every row".to_owned(),
                    })
                });
                Panel {
                    title: spec.title.clone(),
                    y_desc,
                    y_rate: unit == Unit::Rate,
                    series,
                    note,
                }
            })
            .collect();

        let x_name = &names[x_key];
        let x_desc = match x_axis {
            XAxis::Log => format!("{x_name} (log scale) — {}", table.keys[x_key]),
            _ if *x_name != table.keys[x_key] => format!("{x_name} — {}", table.keys[x_key]),
            _ => x_name.clone(),
        };
        let title = match metric {
            Some(m) => format!("{} vs {x_name}", capitalize(&describe_column(m).0)),
            None => format!("Sweep over {x_name}: healthy and faulty candidate apart"),
        };
        let subtitle = "One line per strategy and combination of the other swept keys; \
                        shaded: 95 % CI; coinciding points spread sideways."
            .to_owned();
        Ok(SweepChart {
            title,
            subtitle,
            x_desc,
            x_axis,
            lines,
            panels,
        })
    }
}
