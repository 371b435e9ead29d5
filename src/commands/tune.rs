//! `canarysim tune`: load the plan, race it, print the ranked table and
//! write the output folder.

use canarysim::report::run_toml::VERSION;
use canarysim::run::{Error, Overrides};

use super::output::{command_line, out_flag, print, status};
use crate::cli::TuneArgs;

pub(super) fn tune(args: TuneArgs) -> Result<(), Error> {
    let overrides = Overrides {
        replications: None,
        seed: args.seed,
        sampling: args.mode.map(Into::into),
    };
    let plan = canarysim::tune::load(
        &args.scenario,
        &args.set,
        &overrides,
        args.budget_replications,
    )?;
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| canarysim::tune::default_out_dir(&plan));
    canarysim::run::check_out_dir(&out_dir, out_flag(args.out.is_some()))?;
    let result = canarysim::tune::run(&plan, args.threads)?;
    let files = canarysim::tune::write_outputs(
        &plan,
        &result,
        &out_dir,
        &command_line(),
        VERSION,
        !args.no_plots,
    )?;
    if !args.quiet {
        print(&canarysim::tune::terminal(&plan, &result));
        let names: Vec<String> = files
            .iter()
            .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        status(&format!(
            "wrote {} to {}",
            names.join(", "),
            out_dir.display()
        ));
    }
    Ok(())
}
