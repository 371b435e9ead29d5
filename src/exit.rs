//! Exit codes, decided on the binary's side from the library's typed
//! errors: 0 success, 2 bad input (a scenario, a flag, a template — the
//! user can fix it), 130 an interrupted sweep (128 + SIGINT, the shell
//! convention), 1 everything else (an internal error or a failed write).

use std::process::ExitCode;

use canarysim::Error;

/// Exit code of an interrupted sweep (Ctrl-C / SIGINT or SIGTERM).
pub const EXIT_INTERRUPTED: u8 = 130;

/// The exit code of a failed command.
pub fn exit_code(e: &Error) -> ExitCode {
    ExitCode::from(match e {
        Error::Scenario(_) | Error::Usage(_) | Error::Import(_) => 2,
        Error::Interrupted(_) | Error::InterruptedNow(_) => EXIT_INTERRUPTED,
        Error::Report(_) | Error::Internal(_) => 1,
    })
}

/// What precedes the message on stderr: a sweep stopped at once by a
/// second Ctrl-C says how to resume — the answer to the user's request,
/// not an error.
pub fn message_prefix(e: &Error) -> &'static str {
    match e {
        Error::InterruptedNow(_) => "",
        _ => "error: ",
    }
}
