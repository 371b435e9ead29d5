//! `canarysim judge <kind>`: each judge kind's rule replayed by hand, one
//! file per kind, as `canarysim alarm` does for CloudWatch.

mod kayenta;

use canarysim::run::Error;

use crate::cli::JudgeCommand;

pub(super) fn execute(command: JudgeCommand) -> Result<(), Error> {
    match command {
        JudgeCommand::Kayenta(args) => kayenta::kayenta_replay(args),
    }
}
