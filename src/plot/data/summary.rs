//! `summary.csv` and `sweep.csv`: the key columns before `strategy` (none
//! in `summary.csv`), the strategy, then numeric summary columns; and the
//! questions the charts ask of such a table (is a row's candidate faulty,
//! does the file count misses in its detection quantiles).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::columns::first_seen;
use super::CsvFile;
use crate::plot::PlotError;

/// `summary.csv` or `sweep.csv`: the key columns before `strategy` (none for
/// `summary.csv`), then the strategy, then numeric summary columns.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SummaryTable {
    pub path: PathBuf,
    /// Swept scenario keys: every column before `strategy`.
    pub keys: Vec<String>,
    /// The numeric columns after `strategy`, in file order.
    pub columns: Vec<String>,
    pub rows: Vec<SummaryRow>,
}

/// One row of a [`SummaryTable`].
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRow {
    /// Values of [`SummaryTable::keys`], as written.
    pub keys: Vec<String>,
    pub strategy: String,
    pub candidate_faulty: Option<bool>,
    /// Numeric columns; `None` for an empty cell.
    pub values: BTreeMap<String, Option<f64>>,
}

impl SummaryTable {
    /// The value of `column` in `row` (`None` if empty or no such column).
    pub fn value(&self, row: &SummaryRow, column: &str) -> Option<f64> {
        row.values.get(column).copied().flatten()
    }

    pub fn has_column(&self, column: &str) -> bool {
        self.columns.iter().any(|c| c == column)
    }

    /// Key columns whose every value parses as a number.
    pub fn numeric_keys(&self) -> Vec<usize> {
        (0..self.keys.len())
            .filter(|&k| {
                !self.rows.is_empty() && self.rows.iter().all(|r| r.keys[k].parse::<f64>().is_ok())
            })
            .collect()
    }

    /// Strategies in order of first appearance.
    pub fn strategies(&self) -> Vec<String> {
        first_seen(self.rows.iter().map(|r| r.strategy.as_str()))
    }

    /// Whether the row's candidate is faulty: `candidate_faulty`, or else
    /// which of `false_rollback_rate` (healthy runs only) and `missed_rate`
    /// (faulty runs only) is defined.
    pub fn is_faulty(&self, row: &SummaryRow) -> Option<bool> {
        row.candidate_faulty.or_else(|| {
            if self.value(row, "false_rollback_rate").is_some() {
                Some(false)
            } else if self.value(row, "missed_rate").is_some() {
                Some(true)
            } else {
                None
            }
        })
    }

    /// A [`PlotError::MissingColumn`] naming the file unless it has `column`.
    pub fn require(&self, column: &str) -> Result<(), PlotError> {
        if self.has_column(column) {
            Ok(())
        } else {
            Err(PlotError::MissingColumn {
                path: self.path.clone(),
                column: column.to_owned(),
            })
        }
    }

    /// Whether `detection_p50_s` / `detection_p95_s` count a miss as
    /// "never" (files that also have the conditional
    /// `detection_p50_detected_s`); older files computed them over
    /// detected runs only.
    pub fn detection_counts_misses(&self) -> bool {
        self.has_column("detection_p50_detected_s")
    }
}

/// Reads `summary.csv` or `sweep.csv`: every column before `strategy` is a
/// key, `candidate_faulty` is a boolean, every other column is numeric.
pub fn read_summary_table(path: &Path) -> Result<SummaryTable, PlotError> {
    let f = CsvFile::open(path)?;
    let strategy = f.column("strategy")?;
    let faulty = f.optional_column("candidate_faulty");
    let keys: Vec<String> = f.headers.iter().take(strategy).map(str::to_owned).collect();
    let numeric: Vec<usize> = (strategy + 1..f.headers.len())
        .filter(|&c| Some(c) != faulty)
        .collect();
    let columns: Vec<String> = numeric.iter().map(|&c| f.headers[c].to_owned()).collect();
    let rows = f
        .records
        .iter()
        .map(|rec| {
            let mut values = BTreeMap::new();
            for &c in &numeric {
                values.insert(f.headers[c].to_owned(), f.opt_f64(rec, c)?);
            }
            Ok(SummaryRow {
                keys: (0..strategy).map(|k| f.text(rec, k).to_owned()).collect(),
                strategy: f.nonempty(rec, strategy)?,
                candidate_faulty: match faulty {
                    Some(c) => f.opt_bool(rec, c)?,
                    None => None,
                },
                values,
            })
        })
        .collect::<Result<Vec<_>, PlotError>>()?;
    Ok(SummaryTable {
        path: path.to_path_buf(),
        keys,
        columns,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::data::tests::write;
    use crate::report::{SUMMARY_CSV, SWEEP_CSV};

    #[test]
    fn reads_the_miss_counting_columns_and_names_missing_ones() {
        let tmp = tempfile::tempdir().unwrap();
        let p = write(
            tmp.path(),
            SUMMARY_CSV,
            "strategy,reps,candidate_faulty,false_rollback_rate,missed_rate,detection_p50_s,\
             detection_p50_detected_s,excess_bad_requests_mean\n\
             canary,10,true,,0.94,,236,120\n\
             canary,10,false,0.1,,,300,0\n",
        );
        let t = read_summary_table(&p).unwrap();
        assert!(t.detection_counts_misses());
        assert_eq!(t.is_faulty(&t.rows[0]), Some(true));
        assert_eq!(t.value(&t.rows[0], "detection_p50_s"), None, "never");
        assert_eq!(t.value(&t.rows[0], "excess_bad_requests_mean"), Some(120.0));
        let err = t
            .require("excess_bad_requests_p95")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("summary.csv: missing column `excess_bad_requests_p95`"),
            "{err}"
        );
    }

    #[test]
    fn sweep_keys_are_the_columns_before_strategy() {
        let tmp = tempfile::tempdir().unwrap();
        let p = write(
            tmp.path(),
            SWEEP_CSV,
            "a.threshold,mode,strategy,reps,candidate_faulty,rollback_rate\n\
             1,fast,canary,10,true,0.5\n\
             5,fast,canary,10,true,\n",
        );
        let t = read_summary_table(&p).unwrap();
        assert_eq!(t.keys, ["a.threshold", "mode"]);
        assert_eq!(t.columns, ["reps", "rollback_rate"]);
        assert_eq!(t.numeric_keys(), [0]);
        assert_eq!(t.value(&t.rows[0], "rollback_rate"), Some(0.5));
        assert_eq!(t.value(&t.rows[1], "rollback_rate"), None);
        assert_eq!(t.rows[0].candidate_faulty, Some(true));
    }
}
