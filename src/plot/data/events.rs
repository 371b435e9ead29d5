//! `events.csv`: the timed events of replication 0 of each strategy
//! (weight steps, alarm state changes, hooks, detection, rollback).

use std::path::Path;

use super::CsvFile;
use crate::plot::PlotError;

/// One row of `events.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub strategy: String,
    pub time_s: f64,
    pub event: String,
    pub detail: String,
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
