//! The compact terminal table of per-strategy summaries.
//!
//! Hand-rolled rather than a table crate: the layout is a few lines of
//! padding, and keeping it here makes the exact output easy to pin in a test.

use super::Summary;

/// Shown for a value that is undefined (e.g. no detection, no faulty run).
const UNDEFINED: &str = "—";

/// Space between columns.
const GAP: &str = "  ";

const HEADERS: [&str; 8] = [
    "strategy",
    "reps",
    "rollback % [95% CI]",
    "detect p50 / p95 (s)",
    "bad req mean [95% CI] / p95",
    "false rollback %",
    "missed %",
    "deploy p50 (s)",
];

/// Renders one row per strategy under a header and a rule, columns sized to
/// their widest cell; the strategy is left-aligned, numbers right-aligned.
/// Rates are in percent with one decimal, times in seconds with one decimal.
/// Every line, including the last, ends with `\n` and has no trailing spaces.
pub fn render_table(summaries: &[Summary]) -> String {
    let header: Vec<String> = HEADERS.iter().map(|h| (*h).to_owned()).collect();
    let rows: Vec<Vec<String>> = summaries.iter().map(cells).collect();

    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }

    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    let mut out = String::new();
    for line in std::iter::once(&header)
        .chain(std::iter::once(&rule))
        .chain(&rows)
    {
        let padded: Vec<String> = line
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (cell, &w))| {
                if i == 0 {
                    format!("{cell:<w$}")
                } else {
                    format!("{cell:>w$}")
                }
            })
            .collect();
        out.push_str(padded.join(GAP).trim_end());
        out.push('\n');
    }
    out
}

fn cells(s: &Summary) -> Vec<String> {
    vec![
        s.strategy.clone(),
        s.reps.to_string(),
        format!(
            "{} [{}, {}]",
            pct(s.rollback_rate),
            pct(s.rollback_rate_lo),
            pct(s.rollback_rate_hi)
        ),
        match (s.detection_p50_s, s.detection_p95_s) {
            (Some(p50), Some(p95)) => format!("{} / {}", one(p50), one(p95)),
            _ => UNDEFINED.to_owned(),
        },
        format!(
            "{} [{}, {}] / {}",
            one(s.bad_requests_mean),
            one(s.bad_requests_mean_lo),
            one(s.bad_requests_mean_hi),
            one(s.bad_requests_p95)
        ),
        s.false_rollback_rate
            .map_or_else(|| UNDEFINED.to_owned(), pct),
        s.missed_rate.map_or_else(|| UNDEFINED.to_owned(), pct),
        one(s.deploy_p50_s),
    ]
}

/// A fraction as a percentage with one decimal.
fn pct(fraction: f64) -> String {
    one(fraction * 100.0)
}

/// One decimal: enough to compare strategies, short enough to fit a terminal.
fn one(x: f64) -> String {
    format!("{x:.1}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(strategy: &str, faulty: bool) -> Summary {
        Summary {
            strategy: strategy.into(),
            reps: 1000,
            candidate_faulty: faulty,
            rollback_rate: 0.97,
            rollback_rate_lo: 0.9578,
            rollback_rate_hi: 0.9791,
            false_rollback_rate: None,
            false_rollback_rate_lo: None,
            false_rollback_rate_hi: None,
            missed_rate: Some(0.03),
            missed_rate_lo: Some(0.0209),
            missed_rate_hi: Some(0.0422),
            detection_mean_s: Some(190.0),
            detection_p50_s: Some(185.0),
            detection_p95_s: Some(245.25),
            bad_requests_mean: 40.25,
            bad_requests_mean_lo: 38.1,
            bad_requests_mean_hi: 42.4,
            bad_requests_p95: 80.0,
            deploy_mean_s: 300.0,
            deploy_p50_s: 312.0,
            candidate_requests_mean: 4000.0,
        }
    }

    #[test]
    fn renders_fixed_table() {
        let faulty = summary("Canary10Percent5Minutes", true);
        let healthy = Summary {
            strategy: "AllAtOnce".into(),
            reps: 20,
            candidate_faulty: false,
            rollback_rate: 0.0,
            rollback_rate_lo: 0.0,
            rollback_rate_hi: 0.161,
            false_rollback_rate: Some(0.0),
            false_rollback_rate_lo: Some(0.0),
            false_rollback_rate_hi: Some(0.161),
            missed_rate: None,
            missed_rate_lo: None,
            missed_rate_hi: None,
            detection_mean_s: None,
            detection_p50_s: None,
            detection_p95_s: None,
            bad_requests_mean: 1234.5,
            bad_requests_mean_lo: 1200.0,
            bad_requests_mean_hi: 1269.0,
            bad_requests_p95: 1500.0,
            deploy_mean_s: 5.0,
            deploy_p50_s: 5.0,
            candidate_requests_mean: 1e5,
        };
        let expected = "\
strategy                 reps  rollback % [95% CI]  detect p50 / p95 (s)       bad req mean [95% CI] / p95  false rollback %  missed %  deploy p50 (s)
-----------------------  ----  -------------------  --------------------  --------------------------------  ----------------  --------  --------------
Canary10Percent5Minutes  1000    97.0 [95.8, 97.9]         185.0 / 245.2          40.2 [38.1, 42.4] / 80.0                 —       3.0           312.0
AllAtOnce                  20      0.0 [0.0, 16.1]                     —  1234.5 [1200.0, 1269.0] / 1500.0               0.0         —             5.0
";
        assert_eq!(render_table(&[faulty, healthy]), expected);
    }

    #[test]
    fn empty_input_renders_header_only() {
        let text = render_table(&[]);
        assert_eq!(text.lines().count(), 2);
        assert!(text.starts_with("strategy  reps  rollback % [95% CI]"));
    }
}
