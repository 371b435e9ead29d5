//! `canarysim judge flagger`: Flagger's cumulative failed-check count and
//! phase after each check (`canarysim::judge_rules::flagger`).

use canarysim::judge_rules::flagger::{self, Check};
use canarysim::run::Error;

use super::parse_series;
use crate::cli::JudgeFlaggerArgs;
use crate::commands::output::print;

pub(super) fn replay(args: JudgeFlaggerArgs) -> Result<(), Error> {
    let series = parse_series(&args.series, "pass, fail or nodata", Check::parse)?;
    let threshold = flagger::threshold_or_default(args.threshold);
    print(&flagger::replay_report(threshold, &series));
    Ok(())
}
