//! CSV exporters for `runs.csv`, `summary.csv`, `timeline.csv` and `events.csv`.
//!
//! Floats are written with Rust's `Display` (`{}`: the shortest string that
//! parses back to the same `f64`, never exponent notation), so the files are
//! byte-identical across runs and platforms for the same results, and `1.0`
//! prints as `1`. `None` is an empty cell; booleans are `true`/`false`.
//! Every writer takes any [`Write`] so it can be tested in memory;
//! [`write_outputs`] puts them on disk atomically.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::record::{RunRecord, TimelineEvent, TimelineRow};

use super::{AtomicFileSet, ReportError, Summary};

pub const RUNS_CSV: &str = "runs.csv";
pub const SUMMARY_CSV: &str = "summary.csv";
pub const TIMELINE_CSV: &str = "timeline.csv";
pub const EVENTS_CSV: &str = "events.csv";

/// Header of `runs.csv` (one row per strategy × replication).
pub const RUNS_COLUMNS: [&str; 17] = [
    "strategy",
    "replication",
    "seed",
    "candidate_faulty",
    "outcome",
    "trigger",
    "detection_s",
    "rollback_s",
    "deploy_s",
    "candidate_requests",
    "bad_requests",
    "excess_bad_requests",
    "bad_requests_during_deploy",
    "bad_requests_after_deploy",
    "errors_total",
    "requests_total",
    "alarms_at_start",
];

/// Header of `summary.csv`: the field names of [`Summary`], in order (a
/// test checks that they agree).
pub const SUMMARY_COLUMNS: [&str; 30] = [
    "strategy",
    "reps",
    "candidate_faulty",
    "rollback_rate",
    "rollback_rate_lo",
    "rollback_rate_hi",
    "false_rollback_rate",
    "false_rollback_rate_lo",
    "false_rollback_rate_hi",
    "missed_rate",
    "missed_rate_lo",
    "missed_rate_hi",
    "detection_p50_s",
    "detection_p95_s",
    "detection_mean_detected_s",
    "detection_p50_detected_s",
    "detection_p95_detected_s",
    "bad_requests_mean",
    "bad_requests_mean_lo",
    "bad_requests_mean_hi",
    "bad_requests_p95",
    "excess_bad_requests_mean",
    "excess_bad_requests_mean_lo",
    "excess_bad_requests_mean_hi",
    "excess_bad_requests_p95",
    "bad_requests_during_deploy_mean",
    "bad_requests_after_deploy_mean",
    "deploy_mean_s",
    "deploy_p50_s",
    "candidate_requests_mean",
];

/// Leading columns of `timeline.csv`; then `<alarm>_value,<alarm>_state`
/// per alarm.
pub const TIMELINE_COLUMNS: [&str; 7] = [
    "strategy",
    "period_start_s",
    "candidate_weight_pct",
    "stable_requests",
    "stable_errors",
    "candidate_requests",
    "candidate_errors",
];

/// Header of `events.csv`.
pub const EVENTS_COLUMNS: [&str; 4] = ["strategy", "time_s", "event", "detail"];

/// Trailing columns of `runs.csv` when the scenario has a `[workflow]`
/// (the deployment-as-a-whole rows fill them; per-function rows leave them
/// empty): [`crate::record::SagaRecord`].
pub const SAGA_RUNS_COLUMNS: [&str; 3] = ["sagas_started", "failed_sagas", "inconsistent_sagas"];

/// Writes `runs.csv`.
pub fn write_runs<W: Write>(out: W, runs: &[RunRecord]) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let sagas = runs.iter().any(|r| r.sagas.is_some());
    let mut header = RUNS_COLUMNS.to_vec();
    if sagas {
        header.extend(SAGA_RUNS_COLUMNS);
    }
    w.write_record(&header)?;
    for r in runs {
        let mut row = vec![
            r.strategy.clone(),
            r.replication.to_string(),
            r.seed.to_string(),
            r.candidate_faulty.to_string(),
            r.outcome.name().to_owned(),
            r.trigger.to_string(),
            opt(r.detection_s),
            opt(r.rollback_s),
            r.deploy_s.to_string(),
            r.candidate_requests.to_string(),
            r.bad_requests.to_string(),
            r.excess_bad_requests.to_string(),
            r.bad_requests_during_deploy.to_string(),
            r.bad_requests_after_deploy.to_string(),
            r.errors_total.to_string(),
            r.requests_total.to_string(),
            r.alarms_at_start.clone(),
        ];
        if sagas {
            let cell = |f: fn(&crate::record::SagaRecord) -> u64| {
                r.sagas
                    .as_ref()
                    .map_or_else(String::new, |x| f(x).to_string())
            };
            row.extend([
                cell(|x| x.started),
                cell(|x| x.failed),
                cell(|x| x.inconsistent),
            ]);
        }
        w.write_record(&row)?;
    }
    w.flush()
}

/// Trailing columns of `summary.csv` when the scenario has a `[workflow]`:
/// the fields of [`super::summary::SagaSummary`], in order (empty cells in
/// the per-function rows).
pub const SAGA_SUMMARY_COLUMNS: [&str; 7] = [
    "sagas_started_mean",
    "failed_sagas_mean",
    "failed_sagas_mean_lo",
    "failed_sagas_mean_hi",
    "inconsistent_sagas_mean",
    "inconsistent_sagas_mean_lo",
    "inconsistent_sagas_mean_hi",
];

/// Writes `summary.csv`.
pub fn write_summary<W: Write>(out: W, summaries: &[Summary]) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let sagas = summaries.iter().any(|s| s.sagas.is_some());
    let mut header = SUMMARY_COLUMNS.to_vec();
    if sagas {
        header.extend(SAGA_SUMMARY_COLUMNS);
    }
    w.write_record(&header)?;
    for s in summaries {
        let mut row = summary_record(s).to_vec();
        if sagas {
            row.extend(match &s.sagas {
                None => vec![String::new(); SAGA_SUMMARY_COLUMNS.len()],
                Some(x) => [
                    x.sagas_started_mean,
                    x.failed_sagas_mean,
                    x.failed_sagas_mean_lo,
                    x.failed_sagas_mean_hi,
                    x.inconsistent_sagas_mean,
                    x.inconsistent_sagas_mean_lo,
                    x.inconsistent_sagas_mean_hi,
                ]
                .iter()
                .map(f64::to_string)
                .collect(),
            });
        }
        w.write_record(&row)?;
    }
    w.flush()
}

/// Writes `timeline.csv`. `alarm_names` names the entries of every row's
/// `alarms`, in order; a row with a different number of alarms is an error
/// (`InvalidInput`) rather than a silently shifted column.
pub fn write_timeline<W: Write>(
    out: W,
    alarm_names: &[String],
    rows: &[TimelineRow],
) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let alarm_columns = alarm_names
        .iter()
        .flat_map(|n| [format!("{n}_value"), format!("{n}_state")]);
    let header: Vec<String> = TIMELINE_COLUMNS
        .iter()
        .map(|c| (*c).to_owned())
        .chain(alarm_columns)
        .collect();
    w.write_record(&header)?;
    for row in rows {
        if row.alarms.len() != alarm_names.len() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "timeline row of strategy `{}` at {} s has {} alarm values, expected {} ({})",
                    row.strategy,
                    row.period_start_s,
                    row.alarms.len(),
                    alarm_names.len(),
                    alarm_names.join(", ")
                ),
            ));
        }
        let mut record = vec![
            row.strategy.clone(),
            row.period_start_s.to_string(),
            row.candidate_weight_pct.to_string(),
            row.stable_requests.to_string(),
            row.stable_errors.to_string(),
            row.candidate_requests.to_string(),
            row.candidate_errors.to_string(),
        ];
        for &(value, state) in &row.alarms {
            record.push(opt(value));
            record.push(state.name().to_owned());
        }
        w.write_record(&record)?;
    }
    w.flush()
}

/// Writes `events.csv`.
pub fn write_events<W: Write>(out: W, events: &[TimelineEvent]) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(EVENTS_COLUMNS)?;
    for e in events {
        w.write_record([
            e.strategy.as_str(),
            &e.time_s.to_string(),
            e.event.name(),
            &e.detail,
        ])?;
    }
    w.flush()
}

/// Creates `dir` and writes `runs.csv`, `summary.csv`, `timeline.csv` and
/// `events.csv` as one [`AtomicFileSet`]: either all four are replaced or
/// none is. Returns the written paths in that order.
///
/// Callers that also write plots or `run.toml` should build their own
/// [`AtomicFileSet`] and use the `write_*` functions through
/// [`AtomicFileSet::write_with`], so everything is committed together.
pub fn write_outputs(
    dir: &Path,
    alarm_names: &[String],
    runs: &[RunRecord],
    summaries: &[Summary],
    timeline: &[TimelineRow],
    events: &[TimelineEvent],
) -> Result<Vec<PathBuf>, ReportError> {
    let mut set = AtomicFileSet::replace(dir)?;
    set.write_with(RUNS_CSV, |w| write_runs(w, runs))?;
    set.write_with(SUMMARY_CSV, |w| write_summary(w, summaries))?;
    set.write_with(TIMELINE_CSV, |w| write_timeline(w, alarm_names, timeline))?;
    set.write_with(EVENTS_CSV, |w| write_events(w, events))?;
    set.commit()
}

pub(crate) fn summary_record(s: &Summary) -> [String; 30] {
    [
        s.strategy.clone(),
        s.reps.to_string(),
        s.candidate_faulty.to_string(),
        s.rollback_rate.to_string(),
        s.rollback_rate_lo.to_string(),
        s.rollback_rate_hi.to_string(),
        opt(s.false_rollback_rate),
        opt(s.false_rollback_rate_lo),
        opt(s.false_rollback_rate_hi),
        opt(s.missed_rate),
        opt(s.missed_rate_lo),
        opt(s.missed_rate_hi),
        opt(s.detection_p50_s),
        opt(s.detection_p95_s),
        opt(s.detection_mean_detected_s),
        opt(s.detection_p50_detected_s),
        opt(s.detection_p95_detected_s),
        s.bad_requests_mean.to_string(),
        s.bad_requests_mean_lo.to_string(),
        s.bad_requests_mean_hi.to_string(),
        s.bad_requests_p95.to_string(),
        s.excess_bad_requests_mean.to_string(),
        s.excess_bad_requests_mean_lo.to_string(),
        s.excess_bad_requests_mean_hi.to_string(),
        s.excess_bad_requests_p95.to_string(),
        s.bad_requests_during_deploy_mean.to_string(),
        s.bad_requests_after_deploy_mean.to_string(),
        s.deploy_mean_s.to_string(),
        s.deploy_p50_s.to_string(),
        s.candidate_requests_mean.to_string(),
    ]
}

/// An optional float as a CSV cell: empty when undefined.
fn opt(value: Option<f64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alarm::AlarmState;
    use crate::record::{EventKind, Outcome, Trigger};

    fn to_string(write: impl FnOnce(&mut Vec<u8>) -> io::Result<()>) -> String {
        let mut buf = Vec::new();
        write(&mut buf).unwrap();
        String::from_utf8(buf).unwrap()
    }

    fn runs() -> Vec<RunRecord> {
        vec![
            RunRecord {
                strategy: "canary, 10%".into(),
                replication: 0,
                seed: 42,
                candidate_faulty: true,
                outcome: Outcome::RolledBack,
                trigger: Trigger::Alarm("error_rate".into()),
                detection_s: Some(185.5),
                rollback_s: Some(190.5),
                deploy_s: 190.5,
                candidate_requests: 120,
                bad_requests: 12,
                excess_bad_requests: 9,
                bad_requests_during_deploy: 11,
                bad_requests_after_deploy: 1,
                errors_total: 15,
                requests_total: 1200,
                alarms_at_start: "error_rate;latency".into(),
                sagas: None,
            },
            RunRecord {
                strategy: "all".into(),
                replication: 1,
                seed: 43,
                candidate_faulty: false,
                outcome: Outcome::Completed,
                trigger: Trigger::None,
                detection_s: None,
                rollback_s: None,
                deploy_s: 600.0,
                candidate_requests: 1000,
                bad_requests: 0,
                excess_bad_requests: 0,
                bad_requests_during_deploy: 0,
                bad_requests_after_deploy: 0,
                errors_total: 1,
                requests_total: 2000,
                alarms_at_start: String::new(),
                sagas: None,
            },
        ]
    }

    #[test]
    fn runs_csv_exact() {
        let text = to_string(|w| write_runs(w, &runs()));
        assert_eq!(
            text,
            "strategy,replication,seed,candidate_faulty,outcome,trigger,detection_s,rollback_s,\
             deploy_s,candidate_requests,bad_requests,excess_bad_requests,\
             bad_requests_during_deploy,bad_requests_after_deploy,errors_total,requests_total,\
             alarms_at_start\n\
             \"canary, 10%\",0,42,true,rolled_back,error_rate,185.5,190.5,190.5,120,12,9,11,1,15,1200,\
             error_rate;latency\n\
             all,1,43,false,completed,,,,600,1000,0,0,0,0,1,2000,\n"
        );
    }

    #[test]
    fn summary_csv_matches_summary_fields() {
        let summaries = super::super::summarize(&runs());
        let text = to_string(|w| write_summary(w, &summaries));
        // The header is the serde field order of `Summary` ...
        let mut serde_csv = csv::Writer::from_writer(Vec::new());
        for s in &summaries {
            serde_csv.serialize(s).unwrap();
        }
        let serde_text = String::from_utf8(serde_csv.into_inner().unwrap()).unwrap();
        let mut ours = csv::Reader::from_reader(text.as_bytes());
        let mut theirs = csv::Reader::from_reader(serde_text.as_bytes());
        assert_eq!(ours.headers().unwrap(), theirs.headers().unwrap());
        assert_eq!(
            ours.headers().unwrap(),
            &csv::StringRecord::from(SUMMARY_COLUMNS.to_vec())
        );
        // ... and every cell holds the same value (serde/ryu may spell a
        // float differently, e.g. `1.0` vs our `1`).
        for (a, b) in ours.records().zip(theirs.records()) {
            let (a, b) = (a.unwrap(), b.unwrap());
            assert_eq!(a.len(), b.len());
            for (x, y) in a.iter().zip(b.iter()) {
                match (x.parse::<f64>(), y.parse::<f64>()) {
                    (Ok(x), Ok(y)) => assert_eq!(x, y),
                    _ => assert_eq!(x, y),
                }
            }
        }
        assert_eq!(
            text.lines().nth(2).unwrap(),
            // 0/1: Wilson upper bound z²/(1 + z²) = 0.79345...
            "all,1,false,0,0,0.7934506856227626,0,0,0.7934506856227626,,,,,,,,,0,0,0,0,0,0,0,0,0,0,600,600,1000"
        );
    }

    #[test]
    fn timeline_csv_exact() {
        let rows = vec![
            TimelineRow {
                strategy: "s".into(),
                period_start_s: 0.0,
                candidate_weight_pct: 10.0,
                stable_requests: 90,
                stable_errors: 0,
                candidate_requests: 10,
                candidate_errors: 1,
                alarms: vec![
                    (Some(10.0), AlarmState::InsufficientData),
                    (None, AlarmState::Ok),
                ],
            },
            TimelineRow {
                strategy: "s".into(),
                period_start_s: 60.0,
                candidate_weight_pct: 0.5,
                stable_requests: 99,
                stable_errors: 2,
                candidate_requests: 1,
                candidate_errors: 1,
                alarms: vec![
                    (Some(100.0), AlarmState::Alarm),
                    (Some(0.25), AlarmState::Ok),
                ],
            },
        ];
        let names = vec!["errors".to_owned(), "p99".to_owned()];
        let text = to_string(|w| write_timeline(w, &names, &rows));
        assert_eq!(
            text,
            "strategy,period_start_s,candidate_weight_pct,stable_requests,stable_errors,\
             candidate_requests,candidate_errors,errors_value,errors_state,p99_value,p99_state\n\
             s,0,10,90,0,10,1,10,INSUFFICIENT_DATA,,OK\n\
             s,60,0.5,99,2,1,1,100,ALARM,0.25,OK\n"
        );
        let err = write_timeline(Vec::new(), &names[..1], &rows).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn events_csv_exact() {
        let events = vec![TimelineEvent {
            strategy: "s".into(),
            time_s: 185.25,
            event: EventKind::Detected,
            detail: "error_rate \"ALARM\"".into(),
        }];
        assert_eq!(
            to_string(|w| write_events(w, &events)),
            "strategy,time_s,event,detail\ns,185.25,detected,\"error_rate \"\"ALARM\"\"\"\n"
        );
    }

    /// Same cells, floats compared by value (serde/ryu writes `600.0` where
    /// we write `600`).
    fn assert_same_cells(ours: &str, theirs: &str) {
        let mut ours = csv::Reader::from_reader(ours.as_bytes());
        let mut theirs = csv::Reader::from_reader(theirs.as_bytes());
        assert_eq!(ours.headers().unwrap(), theirs.headers().unwrap());
        let (a, b): (Vec<_>, Vec<_>) = (ours.records().collect(), theirs.records().collect());
        assert_eq!(a.len(), b.len());
        for (a, b) in a.iter().zip(&b) {
            let (a, b) = (a.as_ref().unwrap(), b.as_ref().unwrap());
            assert_eq!(a.len(), b.len());
            for (x, y) in a.iter().zip(b.iter()) {
                match (x.parse::<f64>(), y.parse::<f64>()) {
                    (Ok(x), Ok(y)) => assert_eq!(x, y),
                    _ => assert_eq!(x, y),
                }
            }
        }
    }

    #[test]
    fn run_records_and_events_round_trip_through_serde_with_the_same_cells() {
        let runs = runs();
        let mut w = csv::Writer::from_writer(Vec::new());
        for r in &runs {
            w.serialize(r).unwrap();
        }
        let serde_text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        let text = to_string(|w| write_runs(w, &runs));
        assert_same_cells(&text, &serde_text);
        let back: Vec<RunRecord> = csv::Reader::from_reader(text.as_bytes())
            .deserialize()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(back, runs);

        let events: Vec<TimelineEvent> = EventKind::ALL
            .iter()
            .enumerate()
            .map(|(i, &event)| TimelineEvent {
                strategy: "s".into(),
                time_s: i as f64 * 0.5,
                event,
                detail: format!("d{i}"),
            })
            .collect();
        let mut w = csv::Writer::from_writer(Vec::new());
        for e in &events {
            w.serialize(e).unwrap();
        }
        let serde_text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        let text = to_string(|w| write_events(w, &events));
        assert_same_cells(&text, &serde_text);
        let back: Vec<TimelineEvent> = csv::Reader::from_reader(text.as_bytes())
            .deserialize()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(back, events);
    }

    #[test]
    fn write_outputs_writes_all_four_and_no_temporaries() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out/scenario");
        let runs = runs();
        let summaries = super::super::summarize(&runs);
        let paths = write_outputs(&dir, &[], &runs, &summaries, &[], &[]).unwrap();
        let expected: Vec<PathBuf> = [RUNS_CSV, SUMMARY_CSV, TIMELINE_CSV, EVENTS_CSV]
            .iter()
            .map(|n| dir.join(n))
            .collect();
        assert_eq!(paths, expected);
        // The four files and the set's manifest.
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 5);
        assert!(dir.join(crate::report::atomic::MANIFEST).is_file());
        assert_eq!(
            std::fs::read_to_string(dir.join(RUNS_CSV)).unwrap(),
            to_string(|w| write_runs(w, &runs))
        );
    }

    #[test]
    fn write_outputs_failure_leaves_previous_files() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join(RUNS_CSV), "old").unwrap();
        let bad_row = TimelineRow {
            strategy: "s".into(),
            period_start_s: 0.0,
            candidate_weight_pct: 0.0,
            stable_requests: 0,
            stable_errors: 0,
            candidate_requests: 0,
            candidate_errors: 0,
            alarms: vec![(None, AlarmState::Ok)],
        };
        let err = write_outputs(tmp.path(), &[], &runs(), &[], &[bad_row], &[]).unwrap_err();
        assert!(
            matches!(&err, ReportError::Io { op: "write", path, .. } if path.ends_with(TIMELINE_CSV))
        );
        let names: Vec<_> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, [RUNS_CSV]);
        assert_eq!(
            std::fs::read_to_string(tmp.path().join(RUNS_CSV)).unwrap(),
            "old"
        );
    }
}
