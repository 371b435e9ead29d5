//! Replayed traffic (`[traffic] replay = "FILE"`): reads request counts
//! exported from CloudWatch (or written by hand) into a uniform series of
//! per-period counts, the data behind `model::Replay`.
//!
//! Formats, detected by content ([`detect`]):
//! - JSON whose top level has `MetricDataResults`: the output of
//!   `aws cloudwatch get-metric-data` ([`json`]);
//! - JSON whose top level has `Datapoints`: `aws cloudwatch
//!   get-metric-statistics` ([`json`]);
//! - anything else is CSV ([`csv`]): `timestamp,value` rows, or one column
//!   of per-period counts (then `replay_period` gives the period).
//!
//! Limits: the file is at most [`MAX_REPLAY_BYTES`] and the series at most
//! [`MAX_REPLAY_PERIODS`] periods (counting gaps), so memory stays bounded
//! whatever the file says. Every problem is a [`ReplayError`] with the line
//! (CSV, JSON syntax) or the JSON element, never a panic.

pub mod csv;
pub mod json;
pub mod series;
pub mod time;

use std::fmt;
use std::path::Path;

use crate::sim::time::Micros;
pub use series::{Series, StartAt};

/// Largest data file read: 64 MiB (a week of per-second CSV rows is about
/// 20 MiB).
pub const MAX_REPLAY_BYTES: u64 = 64 << 20;

/// Most periods a series may span, gaps included: 2^20 (two years of
/// minutes, twelve days of seconds).
pub const MAX_REPLAY_PERIODS: usize = 1 << 20;

/// Shortest source period: 1 s, CloudWatch's finest resolution
/// (high-resolution metrics).
pub const MIN_REPLAY_PERIOD: Micros = Micros::from_micros(1_000_000);

/// Where in the data file a problem is.
#[derive(Debug, Clone, PartialEq)]
pub enum Loc {
    /// The file as a whole.
    File,
    /// A 1-based line.
    Line(usize),
    /// A JSON element, e.g. `MetricDataResults[0].Values[3]`.
    Json(String),
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Loc::File => Ok(()),
            Loc::Line(n) => write!(f, "line {n}: "),
            Loc::Json(path) => write!(f, "{path}: "),
        }
    }
}

/// A problem with the data file: where, and what is wrong and allowed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{at}{message}")]
pub struct ReplayError {
    pub at: Loc,
    pub message: String,
}

impl ReplayError {
    pub fn new(at: Loc, message: impl Into<String>) -> Self {
        ReplayError {
            at,
            message: message.into(),
        }
    }
}

/// One count read from the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// Epoch microseconds of the period's start (None: one-column CSV).
    pub t: Option<i64>,
    /// Requests in the period.
    pub count: f64,
    pub loc: Loc,
}

/// The format a file was detected as (for messages and the plan).
#[derive(Debug, Clone, PartialEq)]
pub enum Format {
    /// `aws cloudwatch get-metric-data`, the result with this `Id`.
    GetMetricData { id: String },
    /// `aws cloudwatch get-metric-statistics`, this statistic read.
    GetMetricStatistics { statistic: String },
    /// CSV `timestamp,value`.
    TimestampCsv,
    /// CSV of one column of per-period counts.
    CountsCsv,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Format::GetMetricData { id } => write!(f, "get-metric-data JSON (Id {id:?})"),
            Format::GetMetricStatistics { statistic } => {
                write!(f, "get-metric-statistics JSON ({statistic})")
            }
            Format::TimestampCsv => f.write_str("CSV timestamp,value"),
            Format::CountsCsv => f.write_str("CSV of per-period counts"),
        }
    }
}

/// The keys beside `replay` that tell the reader what to pick.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Options {
    /// `replay_id`: which `MetricDataResults` entry (get-metric-data).
    pub id: Option<String>,
    /// `replay_statistic`: `Sum` (default) or `SampleCount`
    /// (get-metric-statistics).
    pub statistic: Option<String>,
    /// `replay_period`: required for one-column CSV; for timestamped data,
    /// the period the timestamps must be multiples of (default: inferred).
    pub period: Option<Micros>,
}

/// The formats as detected from the text (see the module doc).
pub fn detect(text: &str) -> &'static str {
    let body = text.trim_start_matches('\u{feff}').trim_start();
    if body.starts_with('{') {
        if body.contains("\"MetricDataResults\"") {
            "get-metric-data"
        } else if body.contains("\"Datapoints\"") {
            "get-metric-statistics"
        } else {
            "json"
        }
    } else {
        "csv"
    }
}

/// Reads, detects and parses a data file into a [`Series`].
pub fn load(path: &Path, options: &Options) -> Result<Series, ReplayError> {
    let text = read(path)?;
    parse(&text, options)
}

/// Parses a data file's text (see [`load`]).
pub fn parse(text: &str, options: &Options) -> Result<Series, ReplayError> {
    let text = text.trim_start_matches('\u{feff}');
    let (points, format) =
        match detect(text) {
            "get-metric-data" => json::metric_data(text, options)?,
            "get-metric-statistics" => json::metric_statistics(text, options)?,
            "json" => return Err(ReplayError::new(
                Loc::File,
                "JSON without a top-level MetricDataResults (aws cloudwatch get-metric-data) or \
                 Datapoints (aws cloudwatch get-metric-statistics) key; allowed: those two \
                 outputs, or CSV",
            )),
            _ => csv::parse(text, options)?,
        };
    series::build(points, format, options)
}

/// Reads the file as text: a regular file (a FIFO could block forever) of
/// at most [`MAX_REPLAY_BYTES`], UTF-8.
fn read(path: &Path) -> Result<String, ReplayError> {
    use std::io::Read;
    let fail = |m: String| ReplayError::new(Loc::File, format!("cannot read it: {m}"));
    let meta = std::fs::metadata(path).map_err(|e| fail(e.to_string()))?;
    if !meta.is_file() {
        return Err(fail("it is not a regular file".into()));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_REPLAY_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| fail(e.to_string()))?;
    if bytes.len() as u64 > MAX_REPLAY_BYTES {
        return Err(fail(format!(
            "larger than {} MiB, the most a replay file may have",
            MAX_REPLAY_BYTES >> 20
        )));
    }
    String::from_utf8(bytes).map_err(|_| fail("not UTF-8 text".into()))
}

/// A count as read: finite and >= 0.
fn check_count(value: f64, at: &Loc) -> Result<f64, ReplayError> {
    if !value.is_finite() || value < 0.0 {
        return Err(ReplayError::new(
            at.clone(),
            format!("count {value} is not allowed; allowed: a finite number of requests >= 0"),
        ));
    }
    Ok(value)
}
