//! `canarysim judge <kind>`: each judge kind's rule replayed by hand; one
//! file per kind.

mod kayenta;
mod sequential;

use canarysim::run::Error;

use crate::cli::JudgeCommand;

pub(super) fn judge(command: JudgeCommand) -> Result<(), Error> {
    match command {
        JudgeCommand::Sequential(args) => sequential::sequential(args),
        JudgeCommand::Kayenta(args) => kayenta::kayenta_replay(args),
    }
}
