//! The error type of report output: which file, which operation, why.

use std::io;
use std::path::PathBuf;

/// A failure while writing report files. Every variant names the path and
/// the operation, so the binary can print it as is and the user knows which
/// file (and which step) to look at.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A filesystem operation on one path failed. `op` is a short verb
    /// phrase such as "create directory", "write" or "sync".
    #[error("cannot {op} {}: {source}", path.display())]
    Io {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// Moving a finished temporary file into place failed.
    #[error("cannot rename {} to {}: {source}", from.display(), to.display())]
    Rename {
        from: PathBuf,
        to: PathBuf,
        #[source]
        source: io::Error,
    },
    /// The same output file was staged twice in one [`AtomicFileSet`].
    ///
    /// [`AtomicFileSet`]: super::AtomicFileSet
    #[error("output file {} is written twice in one run", path.display())]
    Duplicate { path: PathBuf },
    /// A file name that is not a plain name inside the output directory
    /// (empty, a path with separators, `.` or `..`).
    #[error("invalid output file name `{name}`: expected a plain file name")]
    InvalidName { name: String },
    /// A results file canarysim wrote earlier does not parse back.
    #[error("{}: line {line}: {message}", path.display())]
    Parse {
        path: PathBuf,
        line: u64,
        message: String,
    },
}

impl ReportError {
    /// Wraps an I/O error with the operation and the path it concerned.
    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        ReportError::Io {
            op,
            path: path.into(),
            source,
        }
    }
}
