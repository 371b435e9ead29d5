//! The `--export-markdown FILE|-` and `--export-json FILE|-` flags of run and
//! sweep.

use std::path::{Path, PathBuf};

use canarysim::report::{AtomicFileSet, Exporter, JsonExporter, MarkdownExporter, ResultSet};
use canarysim::run::Error;

use super::output::{print, status};

/// The `--export-markdown` / `--export-json` targets of one command.
pub(super) struct Exports {
    markdown: Option<PathBuf>,
    json: Option<PathBuf>,
}

impl Exports {
    /// Checks the flags before anything runs: at most one of them may be
    /// `-` (stdout), and neither may name a folder.
    pub(super) fn of(opts: &crate::cli::RunOptions) -> Result<Exports, Error> {
        let stdout = |p: &Option<PathBuf>| p.as_deref() == Some(Path::new("-"));
        if stdout(&opts.export_markdown) && stdout(&opts.export_json) {
            return Err(Error::Usage(
                "--export-markdown - and --export-json - both write to stdout; send at most one \
                 of them to `-` and the other to a file"
                    .into(),
            ));
        }
        for (flag, path) in [
            ("--export-markdown", &opts.export_markdown),
            ("--export-json", &opts.export_json),
        ] {
            if let Some(p) = path.as_deref().filter(|p| *p != Path::new("-")) {
                if p.is_dir() {
                    return Err(Error::Usage(format!(
                        "{flag} {}: is a folder; name a file (or `-` for stdout)",
                        p.display()
                    )));
                }
            }
        }
        Ok(Exports {
            markdown: opts.export_markdown.clone(),
            json: opts.export_json.clone(),
        })
    }

    /// Writes the exports; true if one went to stdout (then the terminal
    /// table is left out, so stdout stays parseable).
    pub(super) fn write(&self, results: &ResultSet) -> Result<bool, Error> {
        let mut to_stdout = false;
        for (path, text) in [
            (
                &self.markdown,
                self.markdown
                    .as_ref()
                    .map(|_| MarkdownExporter.export(results)),
            ),
            (
                &self.json,
                self.json.as_ref().map(|_| JsonExporter.export(results)),
            ),
        ] {
            let (Some(path), Some(text)) = (path, text) else {
                continue;
            };
            if path == Path::new("-") {
                print(&text);
                to_stdout = true;
            } else {
                let dir = match path.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p,
                    _ => Path::new("."),
                };
                let name = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .ok_or_else(|| Error::Usage(format!("{}: not a file name", path.display())))?;
                let mut set = AtomicFileSet::new(dir)?;
                set.write_bytes(name, text.as_bytes())?;
                for f in set.commit()? {
                    status(&format!("wrote {}", f.display()));
                }
            }
        }
        Ok(to_stdout)
    }
}
