//! The `canarysim` binary: parse arguments, call the library, map errors to
//! exit codes (0 success, 2 bad input, 1 internal error, 130 an interrupted
//! sweep).

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

mod cli;
mod commands;
mod exit;

use cli::{with_default_subcommand, Cli};

fn main() -> ExitCode {
    let args = with_default_subcommand(std::env::args().collect());
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            if e.kind() == clap::error::ErrorKind::InvalidSubcommand {
                if let Some(clap::error::ContextValue::String(name)) =
                    e.get(clap::error::ContextKind::InvalidSubcommand)
                {
                    // Writing to a closed stderr must not panic (eprintln would).
                    let _ = writeln!(
                        std::io::stderr(),
                        "error: {name:?} is not a command; commands: {}; to run a scenario, give the path of its .toml file",
                        cli::SUBCOMMANDS.join(", ")
                    );
                    return ExitCode::from(2);
                }
            }
            // clap prints help/version to stdout (exit 0) and usage errors
            // to stderr (exit 2); a closed stream is ignored.
            let _ = e.print();
            return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        }
    };
    match commands::execute(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Never panic on a closed stderr (eprintln! would).
            let _ = writeln!(std::io::stderr(), "{}{e}", exit::message_prefix(&e));
            exit::exit_code(&e)
        }
    }
}
