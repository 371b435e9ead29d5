//! The `canarysim` binary: parse arguments, call the library, map errors to
//! exit codes (0 success, 2 bad input, 1 internal error).

use std::process::ExitCode;

use clap::Parser;

use canarysim::cli::{with_default_subcommand, Cli};

fn main() -> ExitCode {
    let args = with_default_subcommand(std::env::args().collect());
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version to stdout (exit 0) and usage errors
            // to stderr (exit 2).
            let _ = e.print();
            return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        }
    };
    match canarysim::execute(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
