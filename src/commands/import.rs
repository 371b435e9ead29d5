//! `canarysim import`: a template → a scenario, on stdout or written
//! atomically to `-o`; what the template holds but the simulation does not
//! model goes to stderr too.

use canarysim::import::{import_file, write_scenario, ImportOptions};
use canarysim::run::Error;

use super::output::{print, status};
use crate::cli::ImportArgs;

pub(super) fn import(args: ImportArgs) -> Result<(), Error> {
    let opts = ImportOptions {
        functions: args.functions,
        rate: args.rate,
        traffic: args
            .traffic
            .as_deref()
            .map(|t| canarysim::import::options::replay_path(t, args.output.as_deref())),
        faults: args.faults,
        horizon: args.horizon,
        replications: args.replications,
        command: std::env::args().collect::<Vec<_>>().join(" "),
    };
    opts.check()?;
    let imported = import_file(&args.template, &opts)?;
    for u in &imported.unmodelled {
        status(&format!("unmodelled: {u}"));
    }
    match &args.output {
        Some(path) => {
            write_scenario(path, &imported.toml)?;
            status(&format!("wrote {}", path.display()));
        }
        None => print(&imported.toml),
    }
    Ok(())
}
