//! Each alarm's state at deployment start: the share of runs in which it
//! was already in ALARM at t = 0, after the alarms' warm-up on stable-only
//! traffic (`[metrics] warmup`). A polled alarm (CodeDeploy) in ALARM at
//! t = 0 stops the deployment at its first poll; a transition-driven one
//! (alarm → SNS) sends nothing for the whole time it stays in ALARM.
//!
//! Population: all runs of a strategy (for a multi-function deployment, the
//! deployment's runs); `alarms.csv` pools all runs of all strategies (every
//! run warms up every alarm on its own stream). Read from the
//! `alarms_at_start` cell of each run ([`RunRecord::alarms_at_start`]).

use crate::record::RunRecord;

/// One alarm over one strategy's runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlarmStart {
    pub alarm: String,
    pub strategy: String,
    /// All runs of the strategy.
    pub runs: u64,
    /// Of them, those with the alarm in ALARM at t = 0.
    pub in_alarm: u64,
}

impl AlarmStart {
    /// The share in [0, 1]; 0 without runs.
    pub fn fraction(&self) -> f64 {
        if self.runs == 0 {
            0.0
        } else {
            self.in_alarm as f64 / self.runs as f64
        }
    }
}

/// Whether the `alarms_at_start` cell (`;`-joined names) names `alarm`.
pub fn names_alarm(cell: &str, alarm: &str) -> bool {
    !cell.is_empty() && cell.split(';').any(|n| n == alarm)
}

/// Per alarm (in `alarms` order), per strategy (in order of first
/// appearance in `records`): runs and runs in ALARM at t = 0.
pub fn alarm_start(alarms: &[String], records: &[RunRecord]) -> Vec<AlarmStart> {
    let mut strategies: Vec<&str> = Vec::new();
    for r in records {
        if !strategies.contains(&r.strategy.as_str()) {
            strategies.push(&r.strategy);
        }
    }
    let mut out = Vec::with_capacity(alarms.len() * strategies.len());
    for alarm in alarms {
        for &strategy in &strategies {
            let runs = records.iter().filter(|r| r.strategy == strategy);
            let (mut n, mut k) = (0, 0);
            for r in runs {
                n += 1;
                k += u64::from(names_alarm(&r.alarms_at_start, alarm));
            }
            out.push(AlarmStart {
                alarm: alarm.clone(),
                strategy: strategy.to_owned(),
                runs: n,
                in_alarm: k,
            });
        }
    }
    out
}

/// The share of all runs (every strategy) with `alarm` in ALARM at t = 0;
/// `None` when `rows` hold no run of it (e.g. a sweep's `alarms.csv`).
pub fn pooled(rows: &[AlarmStart], alarm: &str) -> Option<f64> {
    let (n, k) = rows
        .iter()
        .filter(|r| r.alarm == alarm)
        .fold((0, 0), |(n, k), r| (n + r.runs, k + r.in_alarm));
    (n > 0).then(|| k as f64 / n as f64)
}

/// The `report.md` section: a table of alarm × strategy with the share of
/// runs in ALARM at t = 0 and the warm-up that produced it.
pub fn alarm_start_markdown(rows: &[AlarmStart], warmup: &str) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let mut out = String::from("## Alarms at deployment start\n\n");
    out.push_str(&format!(
        "Alarm state at t = 0 after a warm-up of {warmup} on stable-only traffic \
         (`[metrics] warmup`). A polled alarm (CodeDeploy) in ALARM at t = 0 stops the \
         deployment at its first poll; an alarm-action path (SNS) sends nothing while the \
         alarm stays in ALARM. Population: all runs of the strategy.\n\n"
    ));
    out.push_str("| alarm | strategy | in ALARM at start (% of runs) |\n|---|---|---|\n");
    for r in rows {
        out.push_str(&format!(
            "| {} | {} | {} % ({} of {}) |\n",
            r.alarm.replace('|', "\\|"),
            r.strategy.replace('|', "\\|"),
            super::columns::pct(r.fraction()),
            r.in_alarm,
            r.runs
        ));
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(strategy: &str, cell: &str) -> RunRecord {
        RunRecord {
            strategy: strategy.into(),
            replication: 0,
            seed: 1,
            candidate_faulty: false,
            outcome: crate::record::Outcome::Completed,
            trigger: crate::record::Trigger::None,
            detection_s: None,
            rollback_s: None,
            deploy_s: 0.0,
            candidate_requests: 0,
            bad_requests: 0,
            excess_bad_requests: 0,
            bad_requests_during_deploy: 0,
            bad_requests_after_deploy: 0,
            errors_total: 0,
            requests_total: 0,
            alarms_at_start: cell.into(),
            sagas: None,
        }
    }

    #[test]
    fn shares_count_the_runs_naming_each_alarm_per_strategy_and_pooled() {
        let records = [
            run("canary", "errors;latency"),
            run("canary", ""),
            run("canary", "errors"),
            run("linear", "latency"),
        ];
        let alarms = ["errors".to_owned(), "latency".to_owned(), "err".to_owned()];
        let rows = alarm_start(&alarms, &records);
        let got: Vec<(&str, &str, u64, u64)> = rows
            .iter()
            .map(|r| (r.alarm.as_str(), r.strategy.as_str(), r.runs, r.in_alarm))
            .collect();
        assert_eq!(
            got,
            [
                ("errors", "canary", 3, 2),
                ("errors", "linear", 1, 0),
                ("latency", "canary", 3, 1),
                ("latency", "linear", 1, 1),
                ("err", "canary", 3, 0),
                ("err", "linear", 1, 0),
            ]
        );
        assert_eq!(pooled(&rows, "errors"), Some(0.5));
        assert_eq!(pooled(&rows, "latency"), Some(0.5));
        assert_eq!(pooled(&[], "errors"), None);
        let md = alarm_start_markdown(&rows, "3m");
        assert!(md.contains("| errors | canary | 66.7 % (2 of 3) |"), "{md}");
        assert!(md.contains("warm-up of 3m"));
        assert_eq!(alarm_start_markdown(&[], "0s"), "");
    }
}
