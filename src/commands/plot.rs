//! `canarysim plot DIR`: redraw the charts of a run or sweep folder from
//! its CSVs.

use canarysim::run::Error;

use super::output::report_files;
use crate::cli::PlotArgs;

/// Maps a plotting failure: unreadable or missing inputs and bad options are
/// the user's (exit 2), rendering and writing failures are internal.
pub(super) fn plot_error(e: canarysim::plot::PlotError) -> Error {
    use canarysim::plot::PlotError;
    match e {
        PlotError::Write(e) => Error::Report(e),
        PlotError::Render { .. } => Error::Internal(e.to_string()),
        other => Error::Usage(other.to_string()),
    }
}

pub(super) fn plot_format(name: &str) -> canarysim::plot::PlotFormat {
    if name == "png" {
        canarysim::plot::PlotFormat::Png
    } else {
        canarysim::plot::PlotFormat::Svg
    }
}

pub(super) fn plot(args: PlotArgs) -> Result<(), Error> {
    use canarysim::plot::{plot_dir, PlotKind, PlotOptions};
    let kinds = args
        .kinds
        .iter()
        .map(|k| {
            k.parse::<PlotKind>().map_err(|_| {
                Error::Usage(format!(
                    "--kind {k:?}: allowed: timeline, detection_cdf, exposure, tradeoff, sweep"
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if !args.dir.is_dir() {
        return Err(Error::Usage(format!(
            "{}: not a folder of canarysim results",
            args.dir.display()
        )));
    }
    let until = match args.until.as_deref() {
        None => None,
        Some(text) => Some(match text.trim().parse::<f64>() {
            Ok(secs) if secs > 0.0 && secs.is_finite() => {
                canarysim::time::Micros::from_secs_f64(secs)
            }
            Ok(_) => return Err(Error::Usage(format!("--until {text:?}: must be positive"))),
            Err(_) => canarysim::scenario::parse_duration(text)
                .map_err(|e| Error::Usage(format!("--until: {e}")))?,
        }),
    };
    let opts = PlotOptions {
        format: plot_format(&args.format),
        kinds,
        sweep_metric: args.sweep_metric,
        sweep_x: args.sweep_x,
        tradeoff_y: args.tradeoff_y,
        out: args.out,
        title: args.title,
        until,
    };
    let files = plot_dir(&args.dir, &opts).map_err(plot_error)?;
    report_files(&files, false);
    Ok(())
}
