//! `runs.csv`: one row per replication, for the detection CDF and the
//! exposure chart. Today's files are read through [`RunRecord`], the type
//! that wrote them; older ones by column name into the few fields the
//! charts need.

use std::path::Path;

use csv::StringRecord;
use serde::Deserialize;

use super::CsvFile;
use crate::plot::PlotError;
use crate::record::RunRecord;
use crate::report::RUNS_COLUMNS;

/// How one replication ended (`outcome` of `runs.csv`): the record's own
/// [`Outcome`](crate::record::Outcome).
pub use crate::record::Outcome as RunOutcome;

/// The columns of one `runs.csv` row that the charts use.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRow {
    pub strategy: String,
    pub candidate_faulty: Option<bool>,
    pub outcome: RunOutcome,
    /// Seconds from deployment start to detection; `None` when undefined.
    pub detection_s: Option<f64>,
    pub bad_requests: f64,
    /// Bad requests the fault caused (`excess_bad_requests`); `None` when
    /// the file predates the column or the cell is empty.
    pub excess_bad_requests: Option<f64>,
}

/// Reads `runs.csv`.
///
/// A file with every column of [`RUNS_COLUMNS`] (what the simulator writes
/// today) is read by deserializing [`RunRecord`] rows, the type that wrote
/// it. An older file (before `excess_bad_requests` and the during/after
/// split) is read by the same column names into the few fields the charts
/// need, `excess_bad_requests` undefined if absent; a missing required column is
/// a [`PlotError::MissingColumn`] naming the file.
pub fn read_runs(path: &Path) -> Result<Vec<RunRow>, PlotError> {
    let f = CsvFile::open(path)?;
    let has = |c: &str| f.headers.iter().any(|h| h == c);
    let cell_err = |rec: &StringRecord, e: csv::Error| deserialize_error(path, &f.headers, rec, e);
    if RUNS_COLUMNS.iter().all(|c| has(c)) {
        return f
            .records
            .iter()
            .map(|rec| {
                rec.deserialize::<RunRecord>(Some(&f.headers))
                    .map(RunRow::from)
                    .map_err(|e| cell_err(rec, e))
            })
            .collect();
    }
    for column in ["strategy", "outcome", "detection_s", "bad_requests"] {
        if !has(column) {
            return Err(PlotError::MissingColumn {
                path: path.to_path_buf(),
                column: column.to_owned(),
            });
        }
    }
    f.records
        .iter()
        .map(|rec| {
            let r: OlderRun = rec
                .deserialize(Some(&f.headers))
                .map_err(|e| cell_err(rec, e))?;
            Ok(RunRow {
                strategy: r.strategy,
                candidate_faulty: r.candidate_faulty,
                outcome: r.outcome,
                detection_s: r.detection_s.filter(|v| v.is_finite()),
                bad_requests: r.bad_requests,
                excess_bad_requests: r.excess_bad_requests.filter(|v| v.is_finite()),
            })
        })
        .collect()
}

/// The `runs.csv` columns the charts need, by [`RunRecord`]'s field names,
/// for files without all of today's columns; an absent optional column
/// reads as undefined.
#[derive(Deserialize)]
struct OlderRun {
    strategy: String,
    candidate_faulty: Option<bool>,
    outcome: RunOutcome,
    detection_s: Option<f64>,
    bad_requests: f64,
    excess_bad_requests: Option<f64>,
}

impl From<RunRecord> for RunRow {
    fn from(r: RunRecord) -> RunRow {
        RunRow {
            strategy: r.strategy,
            candidate_faulty: Some(r.candidate_faulty),
            outcome: r.outcome,
            detection_s: r.detection_s,
            bad_requests: r.bad_requests as f64,
            excess_bad_requests: Some(r.excess_bad_requests as f64),
        }
    }
}

/// A serde error of one row as a [`PlotError::BadRow`] naming the file,
/// line and column (or [`PlotError::Read`] for any other error). The csv
/// crate names the column of a cell that does not parse as a number or a
/// boolean, but not of an unknown enum spelling; that column is found by
/// parsing the row's enum cells (`outcome`, `trigger`) on their own.
fn deserialize_error(
    path: &Path,
    headers: &StringRecord,
    rec: &StringRecord,
    e: csv::Error,
) -> PlotError {
    let csv::ErrorKind::Deserialize { pos, err } = e.kind() else {
        return PlotError::Read {
            path: path.to_path_buf(),
            source: e,
        };
    };
    let cell = |name: &str| {
        let i = headers.iter().position(|h| h == name)?;
        Some((i, rec.get(i)?))
    };
    let enum_column = || {
        use serde::de::{value::StrDeserializer, IntoDeserializer};
        let fails =
            |name: &str, parses: fn(StrDeserializer<'_, serde::de::value::Error>) -> bool| {
                cell(name)
                    .filter(|(_, text)| !parses(text.into_deserializer()))
                    .map(|(i, _)| i)
            };
        fails("outcome", |d| RunOutcome::deserialize(d).is_ok()).or_else(|| {
            fails("trigger", |d| {
                crate::record::Trigger::deserialize(d).is_ok()
            })
        })
    };
    let column = err
        .field()
        .map(|i| i as usize)
        .or_else(enum_column)
        .and_then(|i| headers.get(i))
        .unwrap_or("?");
    PlotError::BadRow {
        path: path.to_path_buf(),
        line: pos.as_ref().or(rec.position()).map_or(0, |p| p.line()),
        column: column.to_owned(),
        problem: match err.kind() {
            csv::DeserializeErrorKind::UnexpectedEndOfRow => "row too short".to_owned(),
            kind => kind.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::data::tests::write;
    use crate::report::RUNS_CSV;

    #[test]
    fn reads_runs_and_names_bad_cells() {
        let tmp = tempfile::tempdir().unwrap();
        let p = write(
            tmp.path(),
            RUNS_CSV,
            "strategy,candidate_faulty,outcome,detection_s,bad_requests\n\
             canary,true,rolled_back,300,12\n\
             canary,true,completed,,0\n",
        );
        let runs = read_runs(&p).unwrap();
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[0].detection_s, Some(300.0));
        assert_eq!(runs[1].outcome, RunOutcome::Completed);
        assert_eq!(runs[1].detection_s, None);

        let p = write(
            tmp.path(),
            "bad.csv",
            "strategy,outcome,detection_s,bad_requests\ncanary,rolled_back,soon,1\n",
        );
        let err = read_runs(&p).unwrap_err().to_string();
        assert!(
            err.contains("bad.csv line 2, column `detection_s`"),
            "{err}"
        );
        let p = write(tmp.path(), "nocol.csv", "strategy,outcome\n");
        let err = read_runs(&p).unwrap_err().to_string();
        assert!(err.contains("missing column `detection_s`"), "{err}");
    }

    #[test]
    fn reads_the_excess_bad_requests_column() {
        let tmp = tempfile::tempdir().unwrap();
        let p = write(
            tmp.path(),
            RUNS_CSV,
            "strategy,candidate_faulty,outcome,detection_s,bad_requests,excess_bad_requests,\
             bad_requests_during_deploy,bad_requests_after_deploy\n\
             canary,true,completed,,40,31,25,15\n",
        );
        let runs = read_runs(&p).unwrap();
        assert_eq!(runs[0].excess_bad_requests, Some(31.0));
    }
}
