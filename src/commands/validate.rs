//! `canarysim validate`: check a scenario and describe its plan in words.

use canarysim::plan::describe_plan;
use canarysim::run::{load_scenario, Error, Overrides};
use canarysim::warnings::decision_warnings;

use super::output::{print, print_warnings};
use crate::cli::ValidateArgs;

pub(super) fn validate(args: ValidateArgs) -> Result<(), Error> {
    let sc = load_scenario(&args.scenario, &Overrides::default())?;
    let grid = canarysim::sweep::describe_file_grid(&args.scenario)?;
    let warnings = decision_warnings(&sc);
    print(&format!(
        "{}: valid\n\n{}{}",
        args.scenario.display(),
        describe_plan(&sc),
        grid.map(|g| format!("\n{g}\n")).unwrap_or_default()
    ));
    print_warnings(&warnings, false);
    Ok(())
}
