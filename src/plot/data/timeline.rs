//! `timeline.csv`: replication 0 of each strategy per metric period, with
//! one `<name>_value` / `<name>_state` column pair per alarm.

use std::path::Path;

use super::CsvFile;
use crate::plot::PlotError;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::data::tests::write;
    use crate::report::TIMELINE_CSV;

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
