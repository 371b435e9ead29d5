//! Reads the simulator's CSV outputs back for plotting.
//!
//! The files are those of DESIGN.md §4 (`runs.csv`, `summary.csv`,
//! `timeline.csv`, `events.csv`), the sweep's `sweep.csv` and the optional
//! `alarms.csv` (name, threshold, comparison). Only the columns a chart needs
//! are required; extra columns are ignored, so older or newer files still
//! plot. An empty cell is an undefined value. Every error names the file, and
//! for a bad cell its line and column.
//!
//! One file per kind of CSV (`runs`, `timeline`, `events`, `alarms`,
//! `summary` for `summary.csv` and `sweep.csv`) and `columns` for what the
//! summary columns mean (names, units, short key names). Every reader opens
//! its file through the one [`CsvFile`] here.

use std::path::{Path, PathBuf};

use csv::StringRecord;

use super::PlotError;

mod alarms;
mod columns;
mod events;
mod runs;
mod summary;
mod timeline;

pub use self::alarms::{read_alarms, AlarmInfo};
pub use self::columns::{
    axis_unit, describe_column, first_seen, is_never_quantile, short_key_names, Unit,
};
pub use self::events::{read_events, Event};
pub use self::runs::{read_runs, RunOutcome, RunRow};
pub use self::summary::{read_summary_table, SummaryRow, SummaryTable};
pub use self::timeline::{read_timeline, AlarmState, Timeline, TimelineRow};

/// A CSV file read into memory with its header: how every reader here
/// opens its file (cells trimmed; an unreadable file, header or record is
/// a [`PlotError::Read`] naming it) and reads its cells (a bad one is a
/// [`PlotError::BadRow`] naming the file, line and column).
struct CsvFile {
    path: PathBuf,
    headers: StringRecord,
    records: Vec<StringRecord>,
}

impl CsvFile {
    fn open(path: &Path) -> Result<CsvFile, PlotError> {
        let read_err = |source| PlotError::Read {
            path: path.to_path_buf(),
            source,
        };
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_path(path)
            .map_err(read_err)?;
        let headers = reader.headers().map_err(read_err)?.clone();
        let records = reader
            .records()
            .collect::<Result<Vec<_>, _>>()
            .map_err(read_err)?;
        Ok(CsvFile {
            path: path.to_path_buf(),
            headers,
            records,
        })
    }

    fn column(&self, name: &str) -> Result<usize, PlotError> {
        self.headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| PlotError::MissingColumn {
                path: self.path.clone(),
                column: name.to_owned(),
            })
    }

    fn optional_column(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    fn bad(&self, rec: &StringRecord, col: usize, problem: impl Into<String>) -> PlotError {
        PlotError::BadRow {
            path: self.path.clone(),
            line: rec.position().map_or(0, |p| p.line()),
            column: self.headers.get(col).unwrap_or_default().to_owned(),
            problem: problem.into(),
        }
    }

    fn text<'r>(&self, rec: &'r StringRecord, col: usize) -> &'r str {
        rec.get(col).unwrap_or("")
    }

    fn opt_f64(&self, rec: &StringRecord, col: usize) -> Result<Option<f64>, PlotError> {
        let s = self.text(rec, col);
        if s.is_empty() {
            return Ok(None);
        }
        // NaN/inf (a statistic of an empty group) plot as undefined.
        match s.parse::<f64>() {
            Ok(v) => Ok(v.is_finite().then_some(v)),
            Err(_) => Err(self.bad(rec, col, format!("`{s}` is not a number"))),
        }
    }

    fn f64(&self, rec: &StringRecord, col: usize) -> Result<f64, PlotError> {
        self.opt_f64(rec, col)?
            .ok_or_else(|| self.bad(rec, col, "empty cell, expected a number"))
    }

    fn opt_bool(&self, rec: &StringRecord, col: usize) -> Result<Option<bool>, PlotError> {
        match self.text(rec, col) {
            "" => Ok(None),
            "true" => Ok(Some(true)),
            "false" => Ok(Some(false)),
            s => Err(self.bad(rec, col, format!("`{s}` is not true or false"))),
        }
    }

    fn nonempty(&self, rec: &StringRecord, col: usize) -> Result<String, PlotError> {
        match self.text(rec, col) {
            "" => Err(self.bad(rec, col, "empty cell")),
            s => Ok(s.to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    /// Writes `text` to `dir/name`.
    pub(super) fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }
}
