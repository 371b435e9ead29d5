//! Exporters of a result set (hyperfine's `src/export/` is the model): one
//! [`Exporter`] trait, with CSV, Markdown and JSON implementations, used by
//! `--export-markdown`, `--export-json` and `report.md`.
//!
//! A [`ResultSet`] is what a run or a sweep produced: its provenance
//! (scenario, seed, replications, sampling mode, canarysim version, the
//! command) and its rows, each a [`Summary`] with the grid-point values
//! that produced it (none for a run).

use std::path::Path;

use serde::Serialize;

use super::columns::{Column, DOCUMENT};
use super::csv::{summary_record, SUMMARY_COLUMNS};
use super::GRID_POINT_COLUMN;
use super::{ReportError, Summary};

/// What a run or sweep produced, with its provenance.
#[derive(Debug, Clone, Serialize)]
pub struct ResultSet {
    /// `run` or `sweep`.
    pub kind: &'static str,
    pub scenario: String,
    pub seed: u64,
    /// Replications per strategy (and per grid point).
    pub replications: u32,
    /// Sampling mode: `fast` or `exact`.
    pub mode: String,
    pub canarysim_version: String,
    /// The command line (argv) that produced the results.
    pub command: Vec<String>,
    /// The swept keys, in `sweep.csv` order (empty for a run).
    pub swept_keys: Vec<String>,
    pub rows: Vec<ResultRow>,
}

/// One summary row with the grid point it belongs to.
#[derive(Debug, Clone, Serialize)]
pub struct ResultRow {
    /// The values of [`ResultSet::swept_keys`] at this row's grid point,
    /// as written in `sweep.csv` (empty for a run).
    pub point: Vec<String>,
    #[serde(flatten)]
    pub summary: Summary,
}

impl ResultSet {
    /// The rows of a run: its summaries in the scenario's strategy order.
    pub fn rows_of(summaries: &[Summary]) -> Vec<ResultRow> {
        summaries
            .iter()
            .map(|s| ResultRow {
                point: Vec::new(),
                summary: s.clone(),
            })
            .collect()
    }
}

/// Reads the rows of a `summary.csv` or `sweep.csv` back: the key columns
/// before `strategy` (without a shard's `grid_point`), then a [`Summary`]
/// per row, deserialized by the same field names that wrote it.
pub fn read_result_rows(path: &Path) -> Result<(Vec<String>, Vec<ResultRow>), ReportError> {
    let parse = |line: u64, message: String| ReportError::Parse {
        path: path.to_path_buf(),
        line,
        message,
    };
    let mut reader = csv::Reader::from_path(path).map_err(|e| parse(0, e.to_string()))?;
    let header = reader
        .headers()
        .map_err(|e| parse(1, e.to_string()))?
        .clone();
    let start = header
        .iter()
        .position(|h| h == "strategy")
        .ok_or_else(|| parse(1, "no `strategy` column".into()))?;
    let keys: Vec<String> = header
        .iter()
        .take(start)
        .filter(|h| *h != GRID_POINT_COLUMN)
        .map(str::to_owned)
        .collect();
    let key_columns: Vec<usize> = (0..start)
        .filter(|&i| &header[i] != GRID_POINT_COLUMN)
        .collect();
    let summary_header: csv::StringRecord = header.iter().skip(start).collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record =
            record.map_err(|e| parse(e.position().map_or(0, |p| p.line()), e.to_string()))?;
        let line = record.position().map_or(0, |p| p.line());
        let tail: csv::StringRecord = record.iter().skip(start).collect();
        let summary: Summary = tail
            .deserialize(Some(&summary_header))
            .map_err(|e| parse(line, e.to_string()))?;
        rows.push(ResultRow {
            point: key_columns.iter().map(|&i| record[i].to_owned()).collect(),
            summary,
        });
    }
    Ok((keys, rows))
}

/// Renders a [`ResultSet`] in one format.
pub trait Exporter {
    /// The rendered document.
    fn export(&self, set: &ResultSet) -> String;
}

/// The rows as CSV: the swept keys, then the `summary.csv` columns (the
/// layout of `sweep.csv` without its bookkeeping columns).
pub struct CsvExporter;

/// A Markdown table (GitHub-flavoured) of the document columns, followed by
/// the population of every column.
pub struct MarkdownExporter;

/// Pretty-printed JSON: the provenance and every row with its confidence
/// bounds, numbers as numbers, undefined values as `null`.
pub struct JsonExporter;

impl Exporter for CsvExporter {
    fn export(&self, set: &ResultSet) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        let header: Vec<&str> = set
            .swept_keys
            .iter()
            .map(String::as_str)
            .chain(SUMMARY_COLUMNS)
            .collect();
        // Writing to a Vec cannot fail; a failure would be a bug in `csv`.
        let _ = w.write_record(&header);
        for row in &set.rows {
            let record: Vec<String> = row
                .point
                .iter()
                .cloned()
                .chain(summary_record(&row.summary))
                .collect();
            let _ = w.write_record(&record);
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
    }
}

impl Exporter for MarkdownExporter {
    fn export(&self, set: &ResultSet) -> String {
        let mut out = markdown_table(set, DOCUMENT);
        out.push('\n');
        out.push_str(&population_notes(DOCUMENT));
        out
    }
}

impl Exporter for JsonExporter {
    fn export(&self, set: &ResultSet) -> String {
        // Every field is a string, number, bool or list of them, so this
        // cannot fail; NaN (an unreachable "undefined" mean) becomes null.
        let mut text = serde_json::to_string_pretty(set).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// A GitHub-flavoured Markdown table: one column per swept key, then
/// `columns`; one row per result row, in order. `|` in a cell is escaped.
pub fn markdown_table(set: &ResultSet, columns: &[Column]) -> String {
    let header: Vec<String> = set
        .swept_keys
        .iter()
        .map(|k| format!("`{k}`"))
        .chain(columns.iter().map(|c| c.markdown_header.to_owned()))
        .collect();
    let align: Vec<&str> = set
        .swept_keys
        .iter()
        .map(|_| "---")
        .chain(
            columns
                .iter()
                .enumerate()
                .map(|(i, _)| if i == 0 { ":---" } else { "---:" }),
        )
        .collect();
    let mut out = format!("| {} |\n| {} |\n", escape_row(&header), align.join(" | "));
    for row in &set.rows {
        let cells: Vec<String> = row
            .point
            .iter()
            .cloned()
            .chain(columns.iter().map(|c| (c.cell)(&row.summary)))
            .collect();
        out.push_str(&format!("| {} |\n", escape_row(&cells)));
    }
    out
}

/// A bullet list naming the population of every column that has one.
pub fn population_notes(columns: &[Column]) -> String {
    let mut out = String::from("Populations:\n\n");
    for c in columns.iter().filter(|c| !c.population.is_empty()) {
        out.push_str(&format!("- **{}**: {}.\n", c.markdown_header, c.population));
    }
    out
}

fn escape_row(cells: &[String]) -> String {
    cells
        .iter()
        .map(|c| c.replace('|', "\\|"))
        .collect::<Vec<_>>()
        .join(" | ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::table::tests::{faulty_summary, healthy_summary};

    fn set() -> ResultSet {
        ResultSet {
            kind: "sweep",
            scenario: "s".into(),
            seed: 7,
            replications: 20,
            mode: "fast".into(),
            canarysim_version: "0.1.0".into(),
            command: vec!["canarysim".into(), "sweep".into(), "s.toml".into()],
            swept_keys: vec!["alarms.e.threshold".into()],
            rows: vec![
                ResultRow {
                    point: vec!["1".into()],
                    summary: faulty_summary("canary"),
                },
                ResultRow {
                    point: vec!["5".into()],
                    summary: healthy_summary("canary"),
                },
            ],
        }
    }

    #[test]
    fn markdown_has_a_row_per_summary_and_states_populations() {
        let text = MarkdownExporter.export(&set());
        let rows: Vec<&str> = text.lines().filter(|l| l.starts_with('|')).collect();
        assert_eq!(rows.len(), 2 + 2, "{text}");
        assert!(rows[0].starts_with("| `alarms.e.threshold` | strategy | candidate |"));
        assert!(
            rows[2].starts_with("| 1 | canary | faulty | 97.0 [95.8, 97.9] |"),
            "{text}"
        );
        assert!(text.contains("- **missed % [95% CI]**: faulty-candidate runs"));
        assert!(text.contains("counted as never"));
    }

    #[test]
    fn json_has_numbers_as_numbers_and_null_for_undefined() {
        let value: serde_json::Value = serde_json::from_str(&JsonExporter.export(&set())).unwrap();
        assert_eq!(value["seed"], 7);
        assert_eq!(value["rows"][0]["missed_rate"], 0.03);
        assert_eq!(value["rows"][0]["detection_p95_s"], serde_json::Value::Null);
        assert_eq!(value["rows"][1]["point"][0], "5");
        assert_eq!(value["rows"][1]["strategy"], "canary");
    }

    #[test]
    fn csv_export_reads_back_to_the_same_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sweep.csv");
        std::fs::write(&path, CsvExporter.export(&set())).unwrap();
        let (keys, rows) = read_result_rows(&path).unwrap();
        assert_eq!(keys, ["alarms.e.threshold"]);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].summary, faulty_summary("canary"));
        assert_eq!(rows[1].summary, healthy_summary("canary"));
        assert_eq!(rows[1].point, ["5"]);
    }

    #[test]
    fn csv_is_keys_then_summary_columns() {
        let text = CsvExporter.export(&set());
        let mut lines = text.lines();
        assert_eq!(
            lines.next().unwrap(),
            format!("alarms.e.threshold,{}", SUMMARY_COLUMNS.join(","))
        );
        assert!(lines
            .next()
            .unwrap()
            .starts_with("1,canary,1000,true,0.97,"));
    }
}
