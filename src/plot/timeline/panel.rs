//! One strategy's panel of the timeline: its rows and events, and the
//! step functions drawn from them (per-period values, the candidate's
//! traffic weight, the outcome written in the panel's header).

use super::TimelineChart;
use crate::plot::data::{first_seen, Event, TimelineRow};
use crate::plot::style::fmt_num;

/// One strategy's data, times in minutes.
pub(super) struct Panel<'a> {
    pub(super) strategy: String,
    pub(super) rows: Vec<&'a TimelineRow>,
    pub(super) events: Vec<&'a Event>,
}

impl<'a> TimelineChart<'a> {
    pub(super) fn panels(&self) -> Vec<Panel<'a>> {
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
    pub(super) fn period_s(&self) -> f64 {
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
}

/// Step segments: per period [t0, t1) a horizontal line at its value;
/// consecutive defined periods are joined, undefined ones leave a gap.
pub(super) fn steps(periods: &[(f64, f64, Option<f64>)]) -> Vec<Vec<(f64, f64)>> {
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
pub(super) fn clip(
    periods: Vec<(f64, f64, Option<f64>)>,
    x_max: f64,
) -> Vec<(f64, f64, Option<f64>)> {
    periods
        .into_iter()
        .filter(|p| p.0 < x_max)
        .map(|(t0, t1, v)| (t0, t1.min(x_max), v))
        .collect()
}

pub(super) fn rate(errors: f64, requests: f64) -> Option<f64> {
    (requests > 0.0).then(|| errors / requests * 100.0)
}

impl Panel<'_> {
    /// (start, end, value) per period, in minutes.
    pub(super) fn periods(
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
    pub(super) fn weight(&self, x_max: f64) -> Vec<(f64, f64)> {
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

    /// "detected by error_rate at 5 min · rolled back at 5.08 min".
    pub(super) fn outcome(&self) -> String {
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
