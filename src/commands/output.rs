//! What every subcommand prints and writes alike: results on stdout, status
//! lines, warnings and the list of written files on stderr, `report.md`,
//! plot captions, and the recorded command line.

use std::io::Write;
use std::path::{Path, PathBuf};

use canarysim::report::{AtomicFileSet, TableWidth, REPORT_MD};
use canarysim::run::Error;

/// Status lines (`wrote FILE`) go to stderr: stdout holds only results.
pub(super) fn report_files(files: &[PathBuf], quiet: bool) {
    if quiet {
        return;
    }
    let mut seen = Vec::new();
    for f in files {
        if !seen.contains(f) {
            status(&format!("wrote {}", f.display()));
            seen.push(f.clone());
        }
    }
}

pub(super) fn print_warnings(warnings: &[String], quiet: bool) {
    if !quiet {
        for w in warnings {
            status(&format!("warning: {w}"));
        }
    }
}

pub(super) fn table_width(opts: &crate::cli::RunOptions) -> TableWidth {
    if opts.wide {
        TableWidth::Wide
    } else {
        TableWidth::Compact
    }
}

/// The process's command line, as recorded in `run.toml`.
pub(super) fn command_line() -> Vec<String> {
    std::env::args().collect()
}

/// How messages name the output folder: the flag, or the scenario key its
/// default comes from.
pub(super) fn out_flag(given: bool) -> &'static str {
    if given {
        "--out"
    } else {
        "name (the default output folder, out/<name>/ or out/<name>-sweep/, is named after it)"
    }
}

/// Prints one status or diagnostic line to stderr, ignoring a closed pipe.
pub(super) fn status(line: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{line}");
}

/// Prints to stdout, ignoring a closed pipe (e.g. `| head`).
pub(super) fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// Writes `report.md` into `dir` atomically.
pub(super) fn write_report(dir: &Path, text: &str) -> Result<Vec<PathBuf>, Error> {
    let mut set = AtomicFileSet::new(dir)?;
    set.write_bytes(REPORT_MD, text.as_bytes())?;
    Ok(set.commit()?)
}

/// (caption, file name) of each written chart among `plots`.
pub(super) fn plot_captions(files: &[PathBuf], plots: &[(&str, &str)]) -> Vec<(String, String)> {
    plots
        .iter()
        .filter_map(|(stem, caption)| {
            files
                .iter()
                .filter_map(|f| f.file_name().and_then(|n| n.to_str()))
                .find(|name| {
                    name.strip_prefix(stem)
                        .is_some_and(|rest| rest == ".svg" || rest == ".png")
                })
                .map(|name| ((*caption).to_owned(), name.to_owned()))
        })
        .collect()
}

/// Removes `STEM.svg`/`STEM.png` of every chart in `plots` whose format is
/// not `format` (and both when plots are redrawn), so a folder never shows
/// a chart of an earlier run as current.
pub(super) fn remove_stale_plots(dir: &Path, plots: &[(&str, &str)], format: &str) {
    for (stem, _) in plots {
        for ext in ["svg", "png"] {
            if ext != format {
                let _ = std::fs::remove_file(dir.join(format!("{stem}.{ext}")));
            }
        }
    }
}
