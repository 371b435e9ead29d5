//! The error type of plotting: which file, which column or row, what is wrong.

use std::fmt;
use std::path::PathBuf;

use crate::report::ReportError;

use super::PlotKind;

/// A failure while reading plot inputs or writing plots. Every variant names
/// the file concerned.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// A requested chart needs an input file that is not there.
    #[error("cannot draw the {kind} plot: {} does not exist", path.display())]
    MissingInput { kind: PlotKind, path: PathBuf },
    /// Nothing to plot in a directory (no kind requested and no input found).
    #[error(
        "nothing to plot in {}: expected runs.csv, timeline.csv or sweep.csv",
        dir.display()
    )]
    NothingToPlot { dir: PathBuf },
    /// The file cannot be opened or is not valid CSV.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: csv::Error,
    },
    /// A column the chart needs is not in the header.
    #[error("{}: missing column `{column}`", path.display())]
    MissingColumn { path: PathBuf, column: String },
    /// A cell that cannot be parsed.
    #[error("{} line {line}, column `{column}`: {problem}", path.display())]
    BadRow {
        path: PathBuf,
        line: u64,
        column: String,
        problem: String,
    },
    /// A column chosen through [`PlotOptions`](super::PlotOptions) that the
    /// file does not have (or that cannot serve that purpose).
    #[error("{option} `{column}`: {problem} in {}; allowed: {allowed}", path.display())]
    BadOption {
        option: &'static str,
        column: String,
        problem: &'static str,
        path: PathBuf,
        allowed: String,
    },
    /// plotters failed while drawing.
    #[error("cannot render {file}: {message}")]
    Render { file: String, message: String },
    /// A chart whose image would exceed [`MAX_PLOT_PIXELS`](super::MAX_PLOT_PIXELS)
    /// (it grows with the number of strategies, alarms or grid series).
    #[error(
        "the {file} chart would be {width} × {height} pixels, more than the limit of {limit} \
         pixels (it grows with the number of strategies, alarms and swept series); draw \
         fewer with `canarysim plot DIR --kind ...`, split the scenario, or pass --no-plots"
    )]
    TooLarge {
        file: String,
        width: u32,
        height: u32,
        limit: u64,
    },
    /// Writing the output files failed.
    #[error(transparent)]
    Write(#[from] ReportError),
}

/// A drawing failure inside a chart function, before the file it was for is
/// known; turned into [`PlotError::Render`] by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrawError(pub String);

impl fmt::Display for DrawError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DrawError {}

impl<E: std::error::Error + Send + Sync> From<plotters::drawing::DrawingAreaErrorKind<E>>
    for DrawError
{
    fn from(e: plotters::drawing::DrawingAreaErrorKind<E>) -> Self {
        DrawError(e.to_string())
    }
}
