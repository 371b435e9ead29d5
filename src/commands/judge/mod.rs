//! `canarysim judge <kind>`: replays one judge's pure decision rule on a
//! hand-written series, as `canarysim alarm` does for CloudWatch; one file
//! per kind.

mod argo;
mod flagger;
mod kayenta;
mod sequential;

use canarysim::run::Error;

use crate::cli::JudgeCommand;

pub(super) fn judge(command: JudgeCommand) -> Result<(), Error> {
    match command {
        JudgeCommand::Argo(args) => argo::replay(args),
        JudgeCommand::Flagger(args) => flagger::replay(args),
        JudgeCommand::Sequential(args) => sequential::sequential(args),
        JudgeCommand::Kayenta(args) => kayenta::kayenta_replay(args),
    }
}

/// Splits a comma-separated `--series` and parses each item, naming the
/// first bad one (1-based) and what is allowed.
pub(super) fn parse_series<T>(
    text: &str,
    allowed: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Vec<T>, Error> {
    if text.trim().is_empty() {
        return Err(Error::Usage(format!("--series is empty: give {allowed}")));
    }
    text.split(',')
        .enumerate()
        .map(|(i, item)| {
            parse(item).ok_or_else(|| {
                Error::Usage(format!(
                    "--series item {} {:?}: allowed: {allowed}",
                    i + 1,
                    item.trim()
                ))
            })
        })
        .collect()
}
