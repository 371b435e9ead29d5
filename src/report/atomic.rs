//! All-or-nothing writing of a set of output files: temporaries first, renames last.
//!
//! A run's outputs (CSVs, plots, `run.toml`) are only useful together, and a
//! crash or a full disk halfway through must not leave a truncated CSV that a
//! later script reads as if it were complete. So every file is first written
//! to a hidden temporary name in the destination directory (same filesystem,
//! so the final `rename` is atomic), flushed and `fsync`ed; only when every
//! file of the set is written does [`AtomicFileSet::commit`] rename them into
//! place. Dropping the set without committing removes the temporaries.
//!
//! Guarantee: no output file is ever observed half-written, and a failure
//! before the commit leaves the previous outputs untouched. A failure *during*
//! the rename phase (rare: renames within one directory only fail if the
//! directory itself becomes unwritable) can leave some files new and some
//! old; the error names the file that failed. A process killed before commit
//! may leave `.<name>.tmp-<pid>-<n>` files behind; they are hidden and safe
//! to delete.
//!
//! One output is deliberately *not* written this way: a sweep's `sweep.csv`
//! is created atomically with its header (together with `run.toml` and
//! `alarms.csv`), then each finished grid point's rows are appended and
//! synced, so an interrupted sweep keeps its finished points and
//! `--resume` can continue it (see [`crate::sweep`]). That file is always
//! valid CSV, but may hold fewer grid points than the grid; `run.toml`
//! says how many the grid has.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::ReportError;

/// Distinguishes temporaries of concurrent sets in one process (the pid
/// alone only separates processes).
static NEXT_TEMP_ID: AtomicU64 = AtomicU64::new(0);

/// A set of files staged in one directory and published together.
///
/// ```no_run
/// # use canarysim::report::AtomicFileSet;
/// # fn main() -> Result<(), canarysim::report::ReportError> {
/// let mut set = AtomicFileSet::new("out/demo")?;
/// set.write_with("a.csv", |w| writeln!(w, "x\n1"))?;
/// set.write_bytes("note.txt", b"hello\n")?;
/// let written = set.commit()?; // both files appear only now
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct AtomicFileSet {
    dir: PathBuf,
    staged: Vec<Staged>,
}

#[derive(Debug)]
struct Staged {
    temp: PathBuf,
    dest: PathBuf,
    /// Whether the temporary is known to be flushed to disk. Files written
    /// through [`AtomicFileSet::stage_path`] by an outside producer are
    /// synced at commit instead.
    synced: bool,
}

impl AtomicFileSet {
    /// Starts a set in `dir`, creating the directory (and its parents) if
    /// needed.
    pub fn new(dir: impl Into<PathBuf>) -> Result<Self, ReportError> {
        let dir = dir.into();
        fs::create_dir_all(&dir).map_err(|e| ReportError::io("create directory", &dir, e))?;
        Ok(AtomicFileSet {
            dir,
            staged: Vec::new(),
        })
    }

    /// The destination directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes file `name` (a plain file name inside the directory) through
    /// `write`, into a temporary that is flushed and synced before this
    /// returns. Returns the final path the file will have after
    /// [`commit`](Self::commit).
    ///
    /// If `write` fails the temporary is removed at once and the set stays
    /// usable, so a failed file can never be committed by mistake.
    pub fn write_with<F>(&mut self, name: &str, write: F) -> Result<PathBuf, ReportError>
    where
        F: FnOnce(&mut dyn Write) -> io::Result<()>,
    {
        let temp = self.stage_path(name)?;
        let index = self.staged.len() - 1;
        match write_and_sync(&temp, write) {
            Ok(()) => {
                let staged = &mut self.staged[index];
                staged.synced = true;
                Ok(staged.dest.clone())
            }
            Err((op, source)) => {
                let staged = self.staged.remove(index);
                let _ = fs::remove_file(&staged.temp);
                // Name the file the user asked for, except for steps that
                // concern the temporary itself.
                let path = if op == "write" {
                    staged.dest
                } else {
                    staged.temp
                };
                Err(ReportError::io(op, path, source))
            }
        }
    }

    /// Writes file `name` with the given bytes (see [`write_with`](Self::write_with)).
    pub fn write_bytes(&mut self, name: &str, bytes: &[u8]) -> Result<PathBuf, ReportError> {
        self.write_with(name, |w| w.write_all(bytes))
    }

    /// Reserves file `name` and returns the temporary path for a producer
    /// that insists on writing a path itself (e.g. plotters' bitmap
    /// backend). The producer must have finished writing that path before
    /// [`commit`](Self::commit), which syncs it and fails if it is missing.
    pub fn stage_path(&mut self, name: &str) -> Result<PathBuf, ReportError> {
        if !is_plain_file_name(name) {
            return Err(ReportError::InvalidName {
                name: name.to_owned(),
            });
        }
        let dest = self.dir.join(name);
        if self.staged.iter().any(|s| s.dest == dest) {
            return Err(ReportError::Duplicate { path: dest });
        }
        let id = NEXT_TEMP_ID.fetch_add(1, Ordering::Relaxed);
        let temp = self
            .dir
            .join(format!(".{name}.tmp-{}-{id}", std::process::id()));
        self.staged.push(Staged {
            temp: temp.clone(),
            dest,
            synced: false,
        });
        Ok(temp)
    }

    /// Publishes every staged file by renaming it into place, in staging
    /// order, and returns the final paths in that order.
    pub fn commit(mut self) -> Result<Vec<PathBuf>, ReportError> {
        for staged in self.staged.iter_mut().filter(|s| !s.synced) {
            File::open(&staged.temp)
                .and_then(|f| f.sync_all())
                .map_err(|e| ReportError::io("sync", &staged.temp, e))?;
            staged.synced = true;
        }
        let mut published = Vec::with_capacity(self.staged.len());
        while let Some(staged) = self.staged.first() {
            fs::rename(&staged.temp, &staged.dest).map_err(|source| ReportError::Rename {
                from: staged.temp.clone(),
                to: staged.dest.clone(),
                source,
            })?;
            published.push(self.staged.remove(0).dest);
        }
        sync_dir(&self.dir);
        Ok(published)
    }
}

impl Drop for AtomicFileSet {
    /// Removes the temporaries of a set that was not (fully) committed.
    fn drop(&mut self) {
        for staged in &self.staged {
            let _ = fs::remove_file(&staged.temp);
        }
    }
}

/// Creates `temp`, runs the producer, flushes and syncs; on failure returns
/// the failed step with its error.
fn write_and_sync<F>(temp: &Path, write: F) -> Result<(), (&'static str, io::Error)>
where
    F: FnOnce(&mut dyn Write) -> io::Result<()>,
{
    let file = File::create(temp).map_err(|e| ("create temporary file", e))?;
    let mut buffered = BufWriter::new(file);
    write(&mut buffered).map_err(|e| ("write", e))?;
    let file = buffered
        .into_inner()
        .map_err(|e| ("write", e.into_error()))?;
    file.sync_all().map_err(|e| ("sync", e))
}

/// True for a single normal path component such as `runs.csv`: output
/// files must land in the set's directory, next to their temporaries, for
/// the rename to be atomic.
fn is_plain_file_name(name: &str) -> bool {
    let mut components = Path::new(name).components();
    matches!(
        (components.next(), components.next()),
        (Some(Component::Normal(first)), None) if first == name
    )
}

/// Makes the renames durable by syncing the directory entry (POSIX). Best
/// effort: some filesystems refuse to sync directories, and the files
/// themselves are already complete on disk, so a failure here is not worth
/// failing the run for.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    {
        let _ = File::open(dir).and_then(|d| d.sync_all());
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn files_appear_only_on_commit() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("nested/out");
        let mut set = AtomicFileSet::new(&dir).unwrap();
        let a = set.write_bytes("a.csv", b"1\n").unwrap();
        let b = set.write_with("b.txt", |w| write!(w, "two")).unwrap();
        assert_eq!(a, dir.join("a.csv"));
        assert!(!a.exists() && !b.exists());
        assert_eq!(set.commit().unwrap(), vec![a.clone(), b.clone()]);
        assert_eq!(fs::read_to_string(&a).unwrap(), "1\n");
        assert_eq!(fs::read_to_string(&b).unwrap(), "two");
        assert_eq!(names(&dir), ["a.csv", "b.txt"]);
    }

    #[test]
    fn failure_keeps_old_files_and_leaves_no_temporaries() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join("a.csv"), "old").unwrap();
        let mut set = AtomicFileSet::new(tmp.path()).unwrap();
        set.write_bytes("a.csv", b"new").unwrap();
        let err = set
            .write_with("b.csv", |w| {
                w.write_all(b"partial")?;
                Err(io::Error::other("boom"))
            })
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("cannot write {}: boom", tmp.path().join("b.csv").display())
        );
        drop(set);
        assert_eq!(names(tmp.path()), ["a.csv"]);
        assert_eq!(fs::read_to_string(tmp.path().join("a.csv")).unwrap(), "old");
    }

    #[test]
    fn staged_path_is_published_and_must_exist() {
        let tmp = tempfile::tempdir().unwrap();
        let mut set = AtomicFileSet::new(tmp.path()).unwrap();
        let temp = set.stage_path("plot.png").unwrap();
        fs::write(&temp, "png").unwrap();
        set.commit().unwrap();
        assert_eq!(names(tmp.path()), ["plot.png"]);

        let mut set = AtomicFileSet::new(tmp.path()).unwrap();
        set.stage_path("never_written.png").unwrap();
        assert!(matches!(
            set.commit(),
            Err(ReportError::Io { op: "sync", .. })
        ));
    }

    #[test]
    fn rejects_duplicates_and_paths() {
        let tmp = tempfile::tempdir().unwrap();
        let mut set = AtomicFileSet::new(tmp.path()).unwrap();
        set.write_bytes("a", b"").unwrap();
        assert!(matches!(
            set.write_bytes("a", b""),
            Err(ReportError::Duplicate { .. })
        ));
        for bad in ["", ".", "..", "x/y", "/abs", "a/"] {
            assert!(
                matches!(set.stage_path(bad), Err(ReportError::InvalidName { .. })),
                "{bad:?} accepted"
            );
        }
    }
}
