//! Reports of a run: per-strategy summaries, the terminal table and the output files.
//!
//! `summary` aggregates replications, `table` renders them for the terminal,
//! `csv` writes the CSV files of DESIGN.md §4, `run_toml` writes the
//! reproducibility record every output folder holds, and `atomic` publishes
//! a set of files all-or-nothing (the CSVs of a run, plots and `run.toml`;
//! only a sweep's `sweep.csv` is appended per grid point instead, see
//! [`crate::sweep`]).

pub mod atomic;
mod csv;
mod error;
pub mod run_toml;
mod summary;
mod table;

pub use self::atomic::AtomicFileSet;
pub(crate) use self::csv::summary_record;
pub use self::csv::{
    write_events, write_outputs, write_runs, write_summary, write_timeline, EVENTS_COLUMNS,
    EVENTS_CSV, RUNS_COLUMNS, RUNS_CSV, SUMMARY_COLUMNS, SUMMARY_CSV, TIMELINE_COLUMNS,
    TIMELINE_CSV,
};
pub use self::error::ReportError;
pub use self::run_toml::{Metadata, RunToml, SweepFacts, RUN_TOML};
pub use self::summary::{summarize, Summary};
pub use self::table::render_table;
