//! Reads the simulator's CSV outputs back for plotting.
//!
//! The files are those of DESIGN.md §4 (`runs.csv`, `summary.csv`,
//! `timeline.csv`, `events.csv`), the sweep's `sweep.csv` and the optional
//! `alarms.csv` (name, threshold, comparison). Only the columns a chart needs
//! are required; extra columns are ignored, so older or newer files still
//! plot. An empty cell is an undefined value. Every error names the file, and
//! for a bad cell its line and column.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use csv::StringRecord;
use serde::Deserialize;

use super::PlotError;
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

/// State of a CloudWatch alarm in `timeline.csv` / `events.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlarmState {
    Ok,
    Alarm,
    InsufficientData,
}

impl AlarmState {
    pub fn parse(s: &str) -> Option<AlarmState> {
        match s {
            "OK" => Some(AlarmState::Ok),
            "ALARM" => Some(AlarmState::Alarm),
            "INSUFFICIENT_DATA" => Some(AlarmState::InsufficientData),
            _ => None,
        }
    }
}

/// One metric period of one strategy (replication 0).
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineRow {
    pub strategy: String,
    pub period_start_s: f64,
    pub candidate_weight_pct: f64,
    pub stable_requests: f64,
    pub stable_errors: f64,
    pub candidate_requests: f64,
    pub candidate_errors: f64,
    /// Per alarm of [`Timeline::alarms`]: the datapoint and the state.
    pub alarms: Vec<(Option<f64>, AlarmState)>,
}

/// `timeline.csv`: alarm names (from the `<name>_value` columns) and rows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Timeline {
    pub alarms: Vec<String>,
    pub rows: Vec<TimelineRow>,
}

/// One row of `events.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub strategy: String,
    pub time_s: f64,
    pub event: String,
    pub detail: String,
}

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

/// Whether `column` is a detection-time quantile over all runs that is
/// undefined ("never") when it falls among the misses.
pub fn is_never_quantile(column: &str) -> bool {
    matches!(column, "detection_p50_s" | "detection_p95_s")
}

/// Unit of a summary column, from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A proportion in [0, 1], plotted in percent.
    Rate,
    /// Seconds (`*_s`).
    Seconds,
    /// Counts and anything else, plotted as is.
    Plain,
}

/// A readable name and the unit of a summary column (`detection_p50_s` →
/// "median detection time", seconds). `_lo`/`_hi` bounds share their
/// column's unit.
pub fn describe_column(column: &str) -> (String, Unit) {
    let base = column
        .strip_suffix("_lo")
        .or_else(|| column.strip_suffix("_hi"))
        .unwrap_or(column);
    let known = [
        ("rollback_rate", "rollback rate"),
        ("false_rollback_rate", "false rollback rate"),
        ("missed_rate", "missed-fault rate"),
        (
            "detection_mean_s",
            "mean detection time (detected runs only)",
        ),
        ("detection_p50_s", "time to detection p50 (misses = never)"),
        ("detection_p95_s", "time to detection p95 (misses = never)"),
        (
            "detection_mean_detected_s",
            "mean detection time (detected runs only)",
        ),
        (
            "detection_p50_detected_s",
            "median detection time (detected runs only)",
        ),
        (
            "detection_p95_detected_s",
            "95th percentile detection time (detected runs only)",
        ),
        ("bad_requests_mean", "mean bad requests per replication"),
        ("bad_requests_p95", "95th percentile of bad requests"),
        (
            "excess_bad_requests_mean",
            "mean excess bad requests (caused by the fault)",
        ),
        (
            "excess_bad_requests_p95",
            "95th percentile of excess bad requests",
        ),
        (
            "bad_requests_during_deploy_mean",
            "mean bad requests during the deployment",
        ),
        (
            "bad_requests_after_deploy_mean",
            "mean bad requests after the deployment",
        ),
        ("deploy_mean_s", "mean deployment duration"),
        ("deploy_p50_s", "median deployment duration"),
        ("candidate_requests_mean", "mean candidate requests"),
        ("reps", "replications"),
    ];
    let name = known
        .iter()
        .find(|(c, _)| *c == column)
        .map(|(_, n)| (*n).to_owned())
        .unwrap_or_else(|| column.replace('_', " "));
    let unit = if base.ends_with("_rate") {
        Unit::Rate
    } else if base.ends_with("_s") {
        Unit::Seconds
    } else {
        Unit::Plain
    };
    (name, unit)
}

/// Factor from file values to axis values and the unit label, given the
/// largest file value: rates in %, seconds in minutes above 10 minutes.
pub fn axis_unit(unit: Unit, max: f64) -> (f64, &'static str) {
    match unit {
        Unit::Rate => (100.0, "%"),
        Unit::Seconds if max > 600.0 => (1.0 / 60.0, "min"),
        Unit::Seconds => (1.0, "s"),
        Unit::Plain => (1.0, ""),
    }
}

/// Short display names for swept keys: the last path segment
/// (`alarms.error_rate.threshold` → `threshold`), with a few long alarm
/// settings abbreviated (`evaluation_periods` → `periods`); the full key
/// where short names would collide.
pub fn short_key_names(keys: &[String]) -> Vec<String> {
    let short = |k: &str| {
        let segment = k.rsplit('.').next().unwrap_or(k);
        match segment {
            "evaluation_periods" => "periods",
            "datapoints_to_alarm" => "datapoints",
            "treat_missing_data" => "missing",
            s => s,
        }
        .to_owned()
    };
    let names: Vec<String> = keys.iter().map(|k| short(k)).collect();
    names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            if names.iter().filter(|m| *m == n).count() > 1 {
                keys[i].clone()
            } else {
                n.clone()
            }
        })
        .collect()
}

/// Distinct strings in order of first appearance.
pub fn first_seen<'a>(items: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in items {
        if !out.iter().any(|o| o == s) {
            out.push(s.to_owned());
        }
    }
    out
}

/// A CSV file read into memory with its header.
struct CsvFile {
    path: PathBuf,
    headers: Vec<String>,
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
        let headers = reader
            .headers()
            .map_err(read_err)?
            .iter()
            .map(str::to_owned)
            .collect();
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
            column: self.headers.get(col).cloned().unwrap_or_default(),
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

/// Reads `runs.csv`.
///
/// A file with every column of [`RUNS_COLUMNS`] (what the simulator writes
/// today) is read by deserializing [`RunRecord`] rows, the type that wrote
/// it. An older file (before `excess_bad_requests` and the during/after
/// split) is read by the same column names into the few fields the charts
/// need, `excess_bad_requests` undefined if absent; a missing required column is
/// a [`PlotError::MissingColumn`] naming the file.
pub fn read_runs(path: &Path) -> Result<Vec<RunRow>, PlotError> {
    let read_err = |source| PlotError::Read {
        path: path.to_path_buf(),
        source,
    };
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(read_err)?;
    let headers = reader.headers().map_err(read_err)?.clone();
    let has = |c: &str| headers.iter().any(|h| h == c);
    let records = reader
        .records()
        .collect::<Result<Vec<_>, _>>()
        .map_err(read_err)?;
    let cell_err = |rec: &StringRecord, e: csv::Error| deserialize_error(path, &headers, rec, e);
    if RUNS_COLUMNS.iter().all(|c| has(c)) {
        return records
            .iter()
            .map(|rec| {
                rec.deserialize::<RunRecord>(Some(&headers))
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
    records
        .iter()
        .map(|rec| {
            let r: OlderRun = rec
                .deserialize(Some(&headers))
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

/// Reads `timeline.csv`; alarms are the `<name>_value` / `<name>_state`
/// column pairs after the fixed columns.
pub fn read_timeline(path: &Path) -> Result<Timeline, PlotError> {
    let f = CsvFile::open(path)?;
    let strategy = f.column("strategy")?;
    let start = f.column("period_start_s")?;
    let weight = f.column("candidate_weight_pct")?;
    let sr = f.column("stable_requests")?;
    let se = f.column("stable_errors")?;
    let cr = f.column("candidate_requests")?;
    let ce = f.column("candidate_errors")?;
    let mut alarms = Vec::new();
    let mut alarm_cols = Vec::new();
    for (i, h) in f.headers.iter().enumerate() {
        if let Some(name) = h.strip_suffix("_value") {
            let state = f.column(&format!("{name}_state"))?;
            alarms.push(name.to_owned());
            alarm_cols.push((i, state));
        }
    }
    let rows = f
        .records
        .iter()
        .map(|rec| {
            let mut values = Vec::with_capacity(alarm_cols.len());
            for &(v, s) in &alarm_cols {
                let text = f.text(rec, s);
                let state = AlarmState::parse(text).ok_or_else(|| {
                    f.bad(
                        rec,
                        s,
                        format!("`{text}` is not one of OK, ALARM, INSUFFICIENT_DATA"),
                    )
                })?;
                values.push((f.opt_f64(rec, v)?, state));
            }
            Ok(TimelineRow {
                strategy: f.nonempty(rec, strategy)?,
                period_start_s: f.f64(rec, start)?,
                candidate_weight_pct: f.f64(rec, weight)?,
                stable_requests: f.f64(rec, sr)?,
                stable_errors: f.f64(rec, se)?,
                candidate_requests: f.f64(rec, cr)?,
                candidate_errors: f.f64(rec, ce)?,
                alarms: values,
            })
        })
        .collect::<Result<Vec<_>, PlotError>>()?;
    Ok(Timeline { alarms, rows })
}

/// Reads `events.csv`.
pub fn read_events(path: &Path) -> Result<Vec<Event>, PlotError> {
    let f = CsvFile::open(path)?;
    let strategy = f.column("strategy")?;
    let time = f.column("time_s")?;
    let event = f.column("event")?;
    let detail = f.column("detail")?;
    f.records
        .iter()
        .map(|rec| {
            Ok(Event {
                strategy: f.nonempty(rec, strategy)?,
                time_s: f.f64(rec, time)?,
                event: f.nonempty(rec, event)?,
                detail: f.text(rec, detail).to_owned(),
            })
        })
        .collect()
}

/// One row of `alarms.csv`: an alarm's threshold, comparison and the unit
/// of its metric.
#[derive(Debug, Clone, PartialEq)]
pub struct AlarmInfo {
    pub name: String,
    pub threshold: f64,
    /// `>`, `>=`, `<` or `<=`; empty when the file has no such column.
    pub comparison: String,
    /// Unit of the alarm's metric (`%`, `ms`, `count`, ...); empty when
    /// unknown (older files have no `unit` column).
    pub unit: String,
}

/// Reads `alarms.csv` (name, threshold, optional comparison and unit).
pub fn read_alarms(path: &Path) -> Result<Vec<AlarmInfo>, PlotError> {
    let f = CsvFile::open(path)?;
    let name = f.column("name")?;
    let threshold = f.column("threshold")?;
    let comparison = f.optional_column("comparison");
    let unit = f.optional_column("unit");
    let opt_text = |rec: &StringRecord, c: Option<usize>| {
        c.map_or(String::new(), |c| f.text(rec, c).to_owned())
    };
    f.records
        .iter()
        .map(|rec| {
            Ok(AlarmInfo {
                name: f.nonempty(rec, name)?,
                threshold: f.f64(rec, threshold)?,
                comparison: opt_text(rec, comparison),
                unit: opt_text(rec, unit),
            })
        })
        .collect()
}

/// Reads `summary.csv` or `sweep.csv`: every column before `strategy` is a
/// key, `candidate_faulty` is a boolean, every other column is numeric.
pub fn read_summary_table(path: &Path) -> Result<SummaryTable, PlotError> {
    let f = CsvFile::open(path)?;
    let strategy = f.column("strategy")?;
    let faulty = f.optional_column("candidate_faulty");
    let keys: Vec<String> = f.headers[..strategy].to_vec();
    let numeric: Vec<usize> = (strategy + 1..f.headers.len())
        .filter(|&c| Some(c) != faulty)
        .collect();
    let columns: Vec<String> = numeric.iter().map(|&c| f.headers[c].clone()).collect();
    let rows = f
        .records
        .iter()
        .map(|rec| {
            let mut values = BTreeMap::new();
            for &c in &numeric {
                values.insert(f.headers[c].clone(), f.opt_f64(rec, c)?);
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
    use crate::report::{ALARMS_CSV, RUNS_CSV, SUMMARY_CSV, SWEEP_CSV, TIMELINE_CSV};

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

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
    fn reads_the_miss_counting_columns_and_names_missing_ones() {
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
        let p = write(
            tmp.path(),
            ALARMS_CSV,
            "name,threshold,comparison,unit\nerr,5,>=,%\n",
        );
        assert_eq!(read_alarms(&p).unwrap()[0].unit, "%");
        let p = write(tmp.path(), "old.csv", "name,threshold\nerr,5\n");
        assert_eq!(read_alarms(&p).unwrap()[0].unit, "");
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

    #[test]
    fn short_names() {
        let keys: Vec<String> = [
            "alarms.error_rate.threshold",
            "alarms.error_rate.evaluation_periods",
            "traffic.rate_per_s",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            short_key_names(&keys),
            ["threshold", "periods", "rate_per_s"]
        );
        let keys: Vec<String> = ["a.x.threshold", "b.y.threshold"]
            .map(String::from)
            .to_vec();
        assert_eq!(short_key_names(&keys), ["a.x.threshold", "b.y.threshold"]);
        assert_eq!(describe_column("rollback_rate_lo").1, Unit::Rate);
        assert_eq!(
            describe_column("detection_p50_s").0,
            "time to detection p50 (misses = never)"
        );
        assert_eq!(
            describe_column("excess_bad_requests_mean_hi").1,
            Unit::Plain
        );
    }

    #[test]
    fn timeline_alarm_columns() {
        let tmp = tempfile::tempdir().unwrap();
        let p = write(
            tmp.path(),
            TIMELINE_CSV,
            "strategy,period_start_s,candidate_weight_pct,stable_requests,stable_errors,\
             candidate_requests,candidate_errors,err_value,err_state\n\
             canary,0,10,90,0,10,1,10,INSUFFICIENT_DATA\n\
             canary,60,10,90,0,10,0,,OK\n",
        );
        let t = read_timeline(&p).unwrap();
        assert_eq!(t.alarms, ["err"]);
        assert_eq!(t.rows[1].alarms[0], (None, AlarmState::Ok));
    }
}
