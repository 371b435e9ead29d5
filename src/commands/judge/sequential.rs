//! `canarysim judge sequential`: cumulative counts per look through the
//! sequential judge's test (`canarysim::sequential_replay`).

use canarysim::run::Error;
use canarysim::sequential_replay::{parse_series, replay_report};

use super::super::output::print;
use crate::cli::SequentialArgs;

pub(super) fn sequential(args: SequentialArgs) -> Result<(), Error> {
    if !(args.alpha > 0.0 && args.alpha < 1.0) {
        return Err(Error::Usage(format!(
            "--alpha {}: must be strictly between 0 and 1 (e.g. 0.05)",
            args.alpha
        )));
    }
    if !(args.min_effect > 1.0 && args.min_effect <= 1000.0) {
        return Err(Error::Usage(format!(
            "--min-effect {}: must be an error-rate ratio above 1 and at most 1000 (e.g. 2)",
            args.min_effect
        )));
    }
    let fixed = match args.method.as_str() {
        "mixture" => false,
        "fixed_per_look" => true,
        other => {
            return Err(Error::Usage(format!(
                "--method {other:?}: allowed: mixture, fixed_per_look"
            )))
        }
    };
    let series =
        parse_series(&args.series).map_err(|err| Error::Usage(format!("--series: {err}")))?;
    print(&replay_report(args.alpha, args.min_effect, fixed, &series));
    Ok(())
}
