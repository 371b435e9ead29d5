//! `canarysim judge argo`: an Argo Rollouts metric's phase after each
//! measurement (`canarysim::judge_rules::argo`).

use canarysim::judge_rules::argo::{self, Limits};
use canarysim::run::Error;

use super::parse_series;
use crate::cli::JudgeArgoArgs;
use crate::commands::output::print;

pub(super) fn replay(args: JudgeArgoArgs) -> Result<(), Error> {
    if args.inconclusive_limit < 0 {
        return Err(Error::Usage(format!(
            "--inconclusive-limit {}: must be 0 or more",
            args.inconclusive_limit
        )));
    }
    if args.consecutive_error_limit < 0 {
        return Err(Error::Usage(format!(
            "--consecutive-error-limit {}: must be 0 or more",
            args.consecutive_error_limit
        )));
    }
    let non_negative = |flag: &str, v: Option<i64>| -> Result<u64, Error> {
        match v {
            None => Ok(0),
            Some(n) => {
                u64::try_from(n).map_err(|_| Error::Usage(format!("{flag} {n}: must be 0 or more")))
            }
        }
    };
    let success = non_negative(
        "--consecutive-success-limit",
        args.consecutive_success_limit,
    )?;
    let count = non_negative("--count", args.count)?;
    // Argo's validation: a metric needs failureLimit >= 0 or a
    // consecutiveSuccessLimit > 0 (analysis.go:642-644).
    if args.failure_limit < 0 && success == 0 {
        return Err(Error::Usage(
            "--failure-limit -1 disables failures: then a --consecutive-success-limit above 0 is needed".into(),
        ));
    }
    let series = parse_series(&args.series, "S, F, I or E", argo::parse_measurement)?;
    let limits = Limits {
        failure_limit: args.failure_limit,
        inconclusive_limit: args.inconclusive_limit,
        consecutive_error_limit: args.consecutive_error_limit,
        consecutive_success_limit: success,
        count: (count > 0).then_some(count),
    };
    print(&argo::replay_report(&limits, &series));
    Ok(())
}
