//! Reports of a run: per-strategy summaries, the terminal table and the output files.
//!
//! This module owns the output contract: the file names every command
//! writes, the column lists of each CSV, the row types ([`Summary`], and
//! [`crate::record`]'s per-run rows), the human-readable columns with their
//! populations ([`columns`]), the exporters ([`Exporter`]: CSV, Markdown,
//! JSON), the terminal table and `report.md`. `summary` aggregates
//! replications, `csv` writes the CSV files of DESIGN.md §4, `run_toml`
//! writes the reproducibility record every output folder holds, and
//! `atomic` publishes a set of files all-or-nothing (only a sweep's
//! `sweep.csv` is appended per grid point instead, see [`crate::sweep`]).

mod alarm_start;
pub mod atomic;
pub mod columns;
mod csv;
mod document;
mod error;
mod export;
pub mod run_toml;
mod summary;
mod table;

pub use self::alarm_start::{alarm_start, alarm_start_markdown, names_alarm, pooled, AlarmStart};
pub use self::atomic::AtomicFileSet;
pub(crate) use self::csv::summary_record;
pub use self::csv::{
    write_events, write_outputs, write_runs, write_summary, write_timeline, EVENTS_COLUMNS,
    EVENTS_CSV, RUNS_COLUMNS, RUNS_CSV, SUMMARY_COLUMNS, SUMMARY_CSV, TIMELINE_COLUMNS,
    TIMELINE_CSV,
};
pub use self::document::{header_comment, render_report, reproduce_command, ReportDoc, REPORT_MD};
pub use self::error::ReportError;
pub use self::export::{
    read_result_rows, CsvExporter, Exporter, JsonExporter, MarkdownExporter, ResultRow, ResultSet,
};
pub use self::run_toml::{Metadata, RunToml, SweepFacts, RUN_TOML};
pub use self::summary::{summarize, SagaSummary, Summary};
pub use self::table::{render_table, TableWidth};

/// A sweep's main output file (one row per grid point and strategy).
pub const SWEEP_CSV: &str = "sweep.csv";

/// Leading column of a shard's `sweep.csv` (the grid point's index).
pub const GRID_POINT_COLUMN: &str = "grid_point";
/// Alarm thresholds of the scenario, for threshold lines in plots.
pub const ALARMS_CSV: &str = "alarms.csv";
