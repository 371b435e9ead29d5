//! `canarysim alarm`: replay a hand-written datapoint series through one
//! CloudWatch alarm rule.

use canarysim::alarm::{self, AlarmRule, Comparison, MissingData};
use canarysim::run::Error;

use super::output::print;
use crate::cli::AlarmArgs;

pub(super) fn alarm_replay(args: AlarmArgs) -> Result<(), Error> {
    let comparison = Comparison::parse(&args.comparison).ok_or_else(|| {
        Error::Usage(format!(
            "--comparison {:?}: allowed: {}",
            args.comparison,
            Comparison::ALLOWED
        ))
    })?;
    let missing_data = MissingData::parse(&args.missing).ok_or_else(|| {
        Error::Usage(format!(
            "--missing {:?}: allowed: {}",
            args.missing,
            MissingData::ALLOWED
        ))
    })?;
    if !args.threshold.is_finite() {
        return Err(Error::Usage("--threshold must be a finite number".into()));
    }
    let n = args.periods;
    if n == 0 {
        return Err(Error::Usage("--periods must be at least 1".into()));
    }
    let m = args.datapoints_to_alarm.unwrap_or(n);
    if m == 0 || m > n {
        return Err(Error::Usage(format!(
            "--datapoints-to-alarm {m}: must be between 1 and --periods ({n})"
        )));
    }
    let e = args
        .evaluation_range
        .unwrap_or_else(|| AlarmRule::default_evaluation_range(n));
    if e < n {
        return Err(Error::Usage(format!(
            "--evaluation-range {e}: must be at least --periods ({n})"
        )));
    }
    let series = alarm::parse_series(&args.series)
        .map_err(|err| Error::Usage(format!("--series: {err}")))?;
    let rule = AlarmRule {
        threshold: args.threshold,
        comparison,
        evaluation_periods: n,
        datapoints_to_alarm: m,
        missing_data,
        evaluation_range: e,
    };
    print(&alarm::replay_report(&rule, &series));
    Ok(())
}
