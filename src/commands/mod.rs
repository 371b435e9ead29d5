//! The subcommands: each file runs one (`run`, `sweep` and `merge`, `plot`,
//! `validate`, `alarm`, `judge`) by calling the library and printing what it
//! returns; [`output`] holds what they print and write alike, [`exports`]
//! the `--export-*` flags. Errors are the library's typed errors; `main`
//! maps them to exit codes.

mod alarm;
mod exports;
mod import;
mod judge;
mod output;
mod plot;
mod run;
mod sweep;
mod tune;
mod validate;

use canarysim::run::Error;

use crate::cli::Command;
use output::print;

/// Executes one parsed command, printing to stdout.
pub fn execute(command: Command) -> Result<(), Error> {
    match command {
        Command::Run(args) => run::run(args),
        Command::Import(args) => import::import(args),
        Command::Validate(args) => validate::validate(args),
        Command::Alarm(args) => alarm::alarm_replay(args),
        Command::Judge(judge) => judge::judge(judge),
        Command::Sweep(args) => sweep::sweep(args),
        Command::Tune(args) => tune::tune(args),
        Command::Plot(args) => plot::plot(args),
        Command::Merge(args) => sweep::merge(args),
        Command::Schema => {
            let schema = canarysim::scenario::json_schema();
            let text = serde_json::to_string_pretty(&schema)
                .map_err(|e| Error::Internal(format!("cannot print the schema: {e}")))?;
            print(&format!("{text}\n"));
            Ok(())
        }
        Command::Completions(args) => {
            use clap::CommandFactory;
            let mut out = Vec::new();
            clap_complete::generate(
                args.shell,
                &mut crate::cli::Cli::command(),
                "canarysim",
                &mut out,
            );
            print(&String::from_utf8_lossy(&out));
            Ok(())
        }
    }
}
