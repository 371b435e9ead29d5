//! All-or-nothing output sets: the whole set is staged in a fresh folder
//! next to the target, then replaces the target in one step.
//!
//! A run's outputs (CSVs, plots, `run.toml`) are only useful together: a
//! folder must never hold a new `runs.csv` next to an old `summary.csv`. So
//! every file of a set is written, flushed and `fsync`ed into a fresh
//! hidden *staging folder* beside the target (`out/.NAME.staging-PID-N/`
//! for `out/NAME/`, same filesystem), together with a manifest
//! ([`MANIFEST`]) listing the set's files. [`AtomicFileSet::commit`] then
//! replaces the target folder by the staging folder:
//!
//! - target absent: one `rename` of the staging folder;
//! - target holding only a canarysim set (the files its manifest lists, or
//!   nothing): the target is renamed aside (`.NAME.old-PID-N`), the staging
//!   folder renamed into place, the old folder removed. A crash between the
//!   two renames leaves no target and two complete sets beside it, never a
//!   mix.
//!
//! Why folder replacement rather than only a manifest: a manifest only tells
//! a careful reader which files belong together, while a replaced folder is
//! consistent for every reader (scripts, plotting tools, `ls`). The manifest
//! is still kept, because it is what tells canarysim that a folder is its
//! own and may be replaced.
//!
//! A folder that holds anything else (the user's files, shard subfolders, a
//! folder from an older canarysim without a manifest, `--out .`) is never
//! replaced or emptied: there the files are renamed in one by one, the old
//! manifest removed first and the new one written last, so a folder whose
//! manifest is missing holds an incomplete set and one whose manifest is
//! present holds exactly the set it lists.
//!
//! Two kinds of set:
//!
//! - [`AtomicFileSet::replace`] (a run, a fresh sweep, a merge): the new
//!   folder holds exactly the new set; files of the previous set that are
//!   not rewritten (plots of an earlier run now run with `--no-plots`) are
//!   gone.
//! - [`AtomicFileSet::new`] (plots redrawn into an existing result): the new
//!   files join the folder's set; the other files of the set are carried
//!   over (hard links, so a `sweep.csv` still being appended to stays the
//!   same file).
//!
//! Files that a producer must write by path (plotters' bitmap backend) use
//! [`AtomicFileSet::stage_path`]; [`AtomicFileSet::staging_dir`] is the
//! folder holding the staged files under their final names, so plots can be
//! rendered from the staged CSVs and join the same set.
//!
//! One output is deliberately written differently: a sweep's `sweep.csv` is
//! created in a set with its header (together with `run.toml` and
//! `alarms.csv`), then each finished grid point's rows are appended and
//! synced, so an interrupted sweep keeps its finished points and
//! `--resume` can continue it (see [`crate::sweep`]). That file is always
//! valid CSV, but may hold fewer grid points than the grid; `run.toml`
//! says how many the grid has.
//!
//! Left-overs of a killed process are hidden folders named
//! `.NAME.staging-*` or `.NAME.old-*` beside the output folder; they are
//! safe to delete.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::ReportError;

/// Distinguishes staging folders of concurrent sets in one process (the
/// pid alone only separates processes).
static NEXT_TEMP_ID: AtomicU64 = AtomicU64::new(0);

/// The manifest of an output folder: the names of its set's files, one per
/// line, after a first line `canarysim output set`.
pub const MANIFEST: &str = ".canarysim-set";

const MANIFEST_HEADER: &str = "canarysim output set";

/// A set of files staged together and published in one step.
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
    staging: PathBuf,
    /// Whether the staging folder is inside `dir` (a target that cannot be
    /// renamed: `.`, `/`, a symlink, a folder with foreign entries).
    inside: bool,
    /// Whether the set replaces the folder's previous set.
    replace: bool,
    staged: Vec<Staged>,
    committed: bool,
}

#[derive(Debug)]
struct Staged {
    name: String,
    /// Whether the file is known to be flushed to disk. Files written
    /// through [`AtomicFileSet::stage_path`] by an outside producer are
    /// synced at commit instead.
    synced: bool,
}

impl AtomicFileSet {
    /// Starts a set whose files join the set already in `dir` (replacing
    /// files of the same name); `dir` and its parents are created if
    /// needed.
    pub fn new(dir: impl Into<PathBuf>) -> Result<Self, ReportError> {
        Self::start(dir.into(), false)
    }

    /// Starts a set that replaces the set in `dir`: after the commit the
    /// folder holds exactly these files (plus anything that is not
    /// canarysim's, which is never removed).
    pub fn replace(dir: impl Into<PathBuf>) -> Result<Self, ReportError> {
        Self::start(dir.into(), true)
    }

    fn start(dir: PathBuf, replace: bool) -> Result<Self, ReportError> {
        let id = NEXT_TEMP_ID.fetch_add(1, Ordering::Relaxed);
        let pid = std::process::id();
        let sibling = match (dir.parent(), dir.file_name()) {
            (Some(parent), Some(name)) if !is_symlink(&dir) => {
                let parent = if parent.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    parent
                };
                fs::create_dir_all(parent)
                    .map_err(|e| ReportError::io("create directory", parent, e))?;
                Some(parent.join(format!(".{}.staging-{pid}-{id}", name.to_string_lossy())))
            }
            _ => None,
        };
        let (staging, inside) = match sibling {
            Some(s) if owned_or_absent(&dir) => (s, false),
            _ => {
                fs::create_dir_all(&dir)
                    .map_err(|e| ReportError::io("create directory", &dir, e))?;
                (dir.join(format!(".canarysim-staging-{pid}-{id}")), true)
            }
        };
        fs::create_dir(&staging).map_err(|e| ReportError::io("create directory", &staging, e))?;
        Ok(AtomicFileSet {
            dir,
            staging,
            inside,
            replace,
            staged: Vec::new(),
            committed: false,
        })
    }

    /// The destination directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The folder holding the staged files under their final names until
    /// the commit (e.g. to render plots from staged CSVs).
    pub fn staging_dir(&self) -> &Path {
        &self.staging
    }

    /// Writes file `name` (a plain file name inside the directory) through
    /// `write`, into the staging folder, flushed and synced before this
    /// returns. Returns the final path the file will have after
    /// [`commit`](Self::commit).
    ///
    /// If `write` fails the staged file is removed at once and the set stays
    /// usable, so a failed file can never be committed by mistake.
    pub fn write_with<F>(&mut self, name: &str, write: F) -> Result<PathBuf, ReportError>
    where
        F: FnOnce(&mut dyn Write) -> io::Result<()>,
    {
        let temp = self.stage_path(name)?;
        let index = self.staged.len() - 1;
        match write_and_sync(&temp, write) {
            Ok(()) => {
                self.staged[index].synced = true;
                Ok(self.dir.join(name))
            }
            Err((op, source)) => {
                self.staged.remove(index);
                let _ = fs::remove_file(&temp);
                // Name the file the user asked for, except for steps that
                // concern the staged file itself.
                let path = if op == "write" {
                    self.dir.join(name)
                } else {
                    temp
                };
                Err(ReportError::io(op, path, source))
            }
        }
    }

    /// Writes file `name` with the given bytes (see [`write_with`](Self::write_with)).
    pub fn write_bytes(&mut self, name: &str, bytes: &[u8]) -> Result<PathBuf, ReportError> {
        self.write_with(name, |w| w.write_all(bytes))
    }

    /// Reserves file `name` and returns its path in the staging folder for
    /// a producer that insists on writing a path itself (e.g. plotters'
    /// bitmap backend). The producer must have finished writing that path
    /// before [`commit`](Self::commit), which syncs it and fails if it is
    /// missing.
    pub fn stage_path(&mut self, name: &str) -> Result<PathBuf, ReportError> {
        if !is_plain_file_name(name) || name == MANIFEST {
            return Err(ReportError::InvalidName {
                name: name.to_owned(),
            });
        }
        if self.staged.iter().any(|s| s.name == name) {
            return Err(ReportError::Duplicate {
                path: self.dir.join(name),
            });
        }
        self.staged.push(Staged {
            name: name.to_owned(),
            synced: false,
        });
        Ok(self.staging.join(name))
    }

    /// Publishes the set (see the module documentation) and returns the
    /// final paths of its files in staging order.
    pub fn commit(mut self) -> Result<Vec<PathBuf>, ReportError> {
        for staged in self.staged.iter_mut().filter(|s| !s.synced) {
            let path = self.staging.join(&staged.name);
            File::open(&path)
                .and_then(|f| f.sync_all())
                .map_err(|e| ReportError::io("sync", &path, e))?;
            staged.synced = true;
        }
        let new: BTreeSet<String> = self.staged.iter().map(|s| s.name.clone()).collect();
        let old = read_manifest(&self.dir);
        // The set after the commit: the new files, plus (when joining) the
        // previous set's other files that still exist.
        let mut set = new.clone();
        let carried: Vec<String> = if self.replace {
            Vec::new()
        } else {
            old.iter()
                .filter(|n| !new.contains(*n) && self.dir.join(n).is_file())
                .cloned()
                .collect()
        };
        set.extend(carried.iter().cloned());
        let published: Vec<PathBuf> = self.staged.iter().map(|s| self.dir.join(&s.name)).collect();

        if !self.inside && owned_or_absent(&self.dir) {
            for name in &carried {
                let (from, to) = (self.dir.join(name), self.staging.join(name));
                fs::hard_link(&from, &to)
                    .or_else(|_| fs::copy(&from, &to).map(|_| ()))
                    .map_err(|e| ReportError::io("carry over", &from, e))?;
            }
            write_manifest(&self.staging, &set)?;
            sync_dir(&self.staging);
            self.swap_in()?;
        } else {
            self.rename_in(&old, &set)?;
        }
        self.committed = true;
        Ok(published)
    }

    /// Replaces the target folder by the staging folder.
    fn swap_in(&mut self) -> Result<(), ReportError> {
        let parent = self.staging.parent().unwrap_or(Path::new("."));
        let rename = |from: &Path, to: &Path| {
            fs::rename(from, to).map_err(|source| ReportError::Rename {
                from: from.to_path_buf(),
                to: to.to_path_buf(),
                source,
            })
        };
        if fs::symlink_metadata(&self.dir).is_err() {
            rename(&self.staging, &self.dir)?;
        } else {
            let name = self.dir.file_name().unwrap_or_default().to_string_lossy();
            let id = NEXT_TEMP_ID.fetch_add(1, Ordering::Relaxed);
            let aside = parent.join(format!(".{name}.old-{}-{id}", std::process::id()));
            rename(&self.dir, &aside)?;
            if let Err(e) = rename(&self.staging, &self.dir) {
                // Put the previous set back.
                let _ = fs::rename(&aside, &self.dir);
                return Err(e);
            }
            let _ = fs::remove_dir_all(&aside);
        }
        sync_dir(parent);
        Ok(())
    }

    /// Moves the staged files into a folder that is not canarysim's alone,
    /// one by one, between removing the old manifest and writing the new.
    fn rename_in(
        &mut self,
        old: &BTreeSet<String>,
        set: &BTreeSet<String>,
    ) -> Result<(), ReportError> {
        let manifest = self.dir.join(MANIFEST);
        match fs::remove_file(&manifest) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                return Err(ReportError::io("remove", &manifest, e))
            }
            _ => {}
        }
        sync_dir(&self.dir);
        for staged in &self.staged {
            let (from, to) = (self.staging.join(&staged.name), self.dir.join(&staged.name));
            fs::rename(&from, &to).map_err(|source| ReportError::Rename { from, to, source })?;
        }
        if self.replace {
            for name in old.difference(set) {
                let _ = fs::remove_file(self.dir.join(name));
            }
        }
        let _ = fs::remove_dir_all(&self.staging);
        write_manifest(&self.dir, set)?;
        sync_dir(&self.dir);
        Ok(())
    }
}

impl Drop for AtomicFileSet {
    /// Removes the staging folder of a set that was not (fully) committed.
    fn drop(&mut self) {
        if !self.committed || self.inside {
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

fn is_symlink(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// True when `dir` does not exist, or is a real folder holding nothing but
/// the files its manifest lists (and the manifest): a folder canarysim may
/// replace as a whole.
fn owned_or_absent(dir: &Path) -> bool {
    let meta = match fs::symlink_metadata(dir) {
        Err(e) => return e.kind() == io::ErrorKind::NotFound,
        Ok(m) => m,
    };
    if !meta.is_dir() {
        return false;
    }
    let listed = read_manifest(dir);
    let Ok(entries) = fs::read_dir(dir) else {
        return false;
    };
    for entry in entries {
        let Ok(entry) = entry else { return false };
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if name != MANIFEST && !(is_file && listed.contains(&name)) {
            return false;
        }
    }
    true
}

/// The file names a folder's manifest lists (empty without a manifest).
pub fn read_manifest(dir: &Path) -> BTreeSet<String> {
    let Ok(text) = fs::read_to_string(dir.join(MANIFEST)) else {
        return BTreeSet::new();
    };
    let mut lines = text.lines();
    if lines.next() != Some(MANIFEST_HEADER) {
        return BTreeSet::new();
    }
    lines
        .filter(|l| is_plain_file_name(l) && *l != MANIFEST)
        .map(String::from)
        .collect()
}

/// Writes `dir`'s manifest atomically (temporary, sync, rename).
fn write_manifest(dir: &Path, set: &BTreeSet<String>) -> Result<(), ReportError> {
    let mut text = String::from(MANIFEST_HEADER);
    text.push('\n');
    for name in set {
        text.push_str(name);
        text.push('\n');
    }
    let temp = dir.join(format!(".canarysim-set.tmp-{}", std::process::id()));
    write_and_sync(&temp, |w| w.write_all(text.as_bytes()))
        .map_err(|(op, e)| ReportError::io(op, &temp, e))?;
    let dest = dir.join(MANIFEST);
    fs::rename(&temp, &dest).map_err(|source| ReportError::Rename {
        from: temp,
        to: dest,
        source,
    })
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
/// files must land in the set's directory.
fn is_plain_file_name(name: &str) -> bool {
    let mut components = Path::new(name).components();
    matches!(
        (components.next(), components.next()),
        (Some(Component::Normal(first)), None) if first == name
    )
}

/// Makes renames durable by syncing the directory entry (POSIX). Best
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
            .filter(|n| n != MANIFEST)
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
        for bad in ["", ".", "..", "x/y", "/abs", "a/", MANIFEST] {
            assert!(
                matches!(set.stage_path(bad), Err(ReportError::InvalidName { .. })),
                "{bad:?} accepted"
            );
        }
    }

    /// Every entry of `dir`'s parent, hidden ones included.
    fn siblings(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_replacing_set_never_mixes_with_the_previous_one() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        let mut set = AtomicFileSet::replace(&dir).unwrap();
        set.write_bytes("runs.csv", b"old runs").unwrap();
        set.write_bytes("summary.csv", b"old summary").unwrap();
        set.write_bytes("timeline.svg", b"old plot").unwrap();
        set.commit().unwrap();
        assert_eq!(read_manifest(&dir).len(), 3);

        // A failure mid-set (after runs.csv was written) changes nothing.
        let mut set = AtomicFileSet::replace(&dir).unwrap();
        set.write_bytes("runs.csv", b"new runs").unwrap();
        assert!(set.staging_dir().starts_with(tmp.path()));
        assert!(!set.staging_dir().starts_with(&dir));
        set.write_with("summary.csv", |_| Err(io::Error::other("disk full")))
            .unwrap_err();
        drop(set);
        assert_eq!(
            fs::read_to_string(dir.join("runs.csv")).unwrap(),
            "old runs"
        );
        assert_eq!(siblings(&dir), ["out"], "no staging folder left");

        // A complete set replaces the whole folder: the old plot is gone.
        let mut set = AtomicFileSet::replace(&dir).unwrap();
        set.write_bytes("runs.csv", b"new runs").unwrap();
        set.write_bytes("summary.csv", b"new summary").unwrap();
        set.commit().unwrap();
        assert_eq!(names(&dir), ["runs.csv", "summary.csv"]);
        assert_eq!(siblings(&dir), ["out"]);

        // A joining set keeps the other files of the set.
        let mut set = AtomicFileSet::new(&dir).unwrap();
        let staged = set.stage_path("timeline.svg").unwrap();
        fs::write(staged, "new plot").unwrap();
        set.commit().unwrap();
        assert_eq!(names(&dir), ["runs.csv", "summary.csv", "timeline.svg"]);
        assert_eq!(
            fs::read_to_string(dir.join("summary.csv")).unwrap(),
            "new summary"
        );
    }

    #[test]
    fn a_folder_with_foreign_files_is_never_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("mine");
        fs::create_dir_all(dir.join("shard-1-of-2")).unwrap();
        fs::write(dir.join("notes.txt"), "keep me").unwrap();
        let mut set = AtomicFileSet::replace(&dir).unwrap();
        assert!(set.staging_dir().starts_with(&dir));
        set.write_bytes("runs.csv", b"1").unwrap();
        set.commit().unwrap();
        let mut set = AtomicFileSet::replace(&dir).unwrap();
        set.write_bytes("summary.csv", b"2").unwrap();
        set.commit().unwrap();
        assert_eq!(names(&dir), ["notes.txt", "shard-1-of-2", "summary.csv"]);
        assert_eq!(
            read_manifest(&dir).into_iter().collect::<Vec<_>>(),
            ["summary.csv"]
        );
    }
}
