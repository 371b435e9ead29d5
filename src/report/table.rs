//! The compact terminal table of per-strategy summaries.
//!
//! Hand-rolled rather than a table crate: the layout is a few lines of
//! padding, and keeping it here makes the exact output easy to pin in a test.

use super::columns::{Column, COMPACT, WIDE};
use super::Summary;

/// Space between columns.
const GAP: &str = "  ";

/// Which columns the terminal table shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TableWidth {
    /// What a decision needs, under 100 columns for ordinary names.
    #[default]
    Compact,
    /// Every summary figure (`--wide`).
    Wide,
}

/// Renders one row per strategy, in the order given (the scenario's), under
/// a header and a rule, columns sized to their widest cell; the strategy is
/// left-aligned, numbers right-aligned. Every line, including the last,
/// ends with `\n` and has no trailing spaces.
pub fn render_table(summaries: &[Summary], width: TableWidth) -> String {
    let columns: &[Column] = match width {
        TableWidth::Compact => COMPACT,
        TableWidth::Wide => WIDE,
    };
    let header: Vec<String> = columns.iter().map(|c| c.header.to_owned()).collect();
    let rows: Vec<Vec<String>> = summaries
        .iter()
        .map(|s| columns.iter().map(|c| (c.cell)(s)).collect())
        .collect();

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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A faulty-candidate summary with round numbers, for table tests.
    pub(crate) fn faulty_summary(strategy: &str) -> Summary {
        Summary {
            strategy: strategy.into(),
            reps: 1000,
            candidate_faulty: true,
            rollback_rate: 0.97,
            rollback_rate_lo: 0.9578,
            rollback_rate_hi: 0.9791,
            false_rollback_rate: None,
            false_rollback_rate_lo: None,
            false_rollback_rate_hi: None,
            missed_rate: Some(0.03),
            missed_rate_lo: Some(0.0209),
            missed_rate_hi: Some(0.0422),
            detection_p50_s: Some(185.0),
            detection_p95_s: None,
            detection_mean_detected_s: Some(190.0),
            detection_p50_detected_s: Some(185.0),
            detection_p95_detected_s: Some(245.25),
            bad_requests_mean: 40.25,
            bad_requests_mean_lo: 38.1,
            bad_requests_mean_hi: 42.4,
            bad_requests_p95: 80.0,
            excess_bad_requests_mean: 30.25,
            excess_bad_requests_mean_lo: 28.0,
            excess_bad_requests_mean_hi: 32.5,
            excess_bad_requests_p95: 61.0,
            bad_requests_during_deploy_mean: 35.25,
            bad_requests_after_deploy_mean: 5.0,
            deploy_mean_s: 300.0,
            deploy_p50_s: 312.0,
            candidate_requests_mean: 4000.0,
            sagas: None,
        }
    }

    /// A healthy-candidate summary, for table tests.
    pub(crate) fn healthy_summary(strategy: &str) -> Summary {
        Summary {
            strategy: strategy.into(),
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
            detection_p50_s: None,
            detection_p95_s: None,
            detection_mean_detected_s: None,
            detection_p50_detected_s: None,
            detection_p95_detected_s: None,
            bad_requests_mean: 1234.5,
            bad_requests_mean_lo: 1200.0,
            bad_requests_mean_hi: 1269.0,
            bad_requests_p95: 1500.0,
            excess_bad_requests_mean: 0.0,
            excess_bad_requests_mean_lo: 0.0,
            excess_bad_requests_mean_hi: 0.0,
            excess_bad_requests_p95: 0.0,
            bad_requests_during_deploy_mean: 4.5,
            bad_requests_after_deploy_mean: 1230.0,
            deploy_mean_s: 5.0,
            deploy_p50_s: 5.0,
            candidate_requests_mean: 1e5,
            sagas: None,
        }
    }

    #[test]
    fn renders_compact_table_in_given_order() {
        let rows = [
            faulty_summary("Canary10Percent5Minutes"),
            healthy_summary("AllAtOnce"),
        ];
        let expected = "\
strategy                   false rb / missed %  detect p50 / p95 (s)  excess bad req [95% CI]  deploy p50 (s)
-----------------------  ---------------------  --------------------  -----------------------  --------------
Canary10Percent5Minutes  missed 3.0 [2.1, 4.2]         185.0 / never        30.2 [28.0, 32.5]           312.0
AllAtOnce                false 0.0 [0.0, 16.1]         never / never           0.0 [0.0, 0.0]             5.0
";
        assert_eq!(render_table(&rows, TableWidth::Compact), expected);
    }

    #[test]
    fn compact_table_fits_100_columns_for_shipped_names() {
        let rows = [faulty_summary("all_at_once"), healthy_summary("canary")];
        for line in render_table(&rows, TableWidth::Compact).lines() {
            assert!(
                line.chars().count() <= 100,
                "{} > 100: {line}",
                line.chars().count()
            );
        }
    }

    #[test]
    fn wide_table_shows_every_figure_with_counts_as_integers() {
        let text = render_table(&[healthy_summary("a")], TableWidth::Wide);
        assert!(text.contains("1235 [1200, 1269] / 1500"), "{text}");
        assert!(text.contains("detected: p50 / p95 / mean (s)"), "{text}");
        assert!(text.contains("— / — / —"), "{text}");
        assert!(text.lines().next().unwrap().contains("reps"));
    }

    #[test]
    fn empty_input_renders_header_only() {
        let text = render_table(&[], TableWidth::Compact);
        assert_eq!(text.lines().count(), 2);
        assert!(text.starts_with("strategy  false rb / missed %"));
    }
}
