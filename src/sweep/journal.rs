//! The incremental `sweep.csv`: created atomically with its header, then
//! the rows of each finished grid point appended in one write and synced,
//! in grid order. A point's rows are written only when the point is
//! complete, so the file is valid CSV after every append, and an
//! interrupted sweep keeps every finished point.
//!
//! [`scan`] reads such a file back for `--resume` and `canarysim merge`:
//! it checks the header and every finished point against the grid (values
//! and row labels), and finds where a partial trailing write (a crash in
//! the middle of an append) begins, so it can be cut off.
//!
//! A shard's file has one more leading column, [`GRID_POINT_COLUMN`], the
//! 0-based grid index of the row's point, so that shards can be merged back
//! into grid order without trusting file order alone.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::model::Scenario;
pub use crate::report::GRID_POINT_COLUMN;
use crate::report::{summary_record, ReportError, Summary, SUMMARY_COLUMNS};
use crate::run::Error;

/// The header of `sweep.csv`: [`GRID_POINT_COLUMN`] for a shard, the key
/// columns, then [`SUMMARY_COLUMNS`].
pub fn header(key_columns: &[String], indexed: bool) -> Vec<String> {
    indexed
        .then(|| GRID_POINT_COLUMN.to_owned())
        .into_iter()
        .chain(key_columns.iter().cloned())
        .chain(SUMMARY_COLUMNS.iter().map(|c| (*c).to_owned()))
        .collect()
}

/// CSV bytes of records (each ends with `\n`), exactly as `csv::Writer`
/// writes them in one file.
pub fn encode<I, R>(records: I) -> io::Result<Vec<u8>>
where
    I: IntoIterator<Item = R>,
    R: IntoIterator,
    R::Item: AsRef<[u8]>,
{
    let mut w = csv::Writer::from_writer(Vec::new());
    for record in records {
        w.write_record(record)?;
    }
    w.into_inner().map_err(|e| e.into_error())
}

/// The rows of one grid point: (grid index for a shard,) axis values, then
/// the summary columns, one row per summary.
pub fn point_rows(
    index: Option<usize>,
    values: &[String],
    summaries: &[Summary],
) -> Vec<Vec<String>> {
    summaries
        .iter()
        .map(|s| {
            index
                .map(|i| i.to_string())
                .into_iter()
                .chain(values.iter().cloned())
                .chain(summary_record(s))
                .collect()
        })
        .collect()
}

/// The `strategy` labels of a grid point's rows, in order: each strategy,
/// followed in a multi-function scenario by `strategy/function` for each
/// function (the order of [`crate::montecarlo::run_all`]'s records).
pub fn expected_labels(sc: &Scenario) -> Vec<String> {
    let mut labels = Vec::new();
    for s in &sc.strategies {
        labels.push(s.name.clone());
        if sc.multi_function {
            labels.extend(
                sc.functions
                    .iter()
                    .map(|f| format!("{}/{}", s.name, f.name)),
            );
        }
    }
    labels
}

/// What a finished grid point looks like in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedPoint {
    /// 0-based grid index.
    pub index: usize,
    /// Axis values as written.
    pub values: Vec<String>,
    /// `strategy` column of each row.
    pub labels: Vec<String>,
}

/// The finished part of a `sweep.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scan {
    /// The rows of each finished point, in file order (a prefix of the
    /// expected points), without the grid index column.
    pub points: Vec<Vec<Vec<String>>>,
    /// Bytes of the header and the finished points; anything after is a
    /// partial write to cut off. 0 when not even the header is complete.
    pub valid_len: u64,
}

/// Reads `bytes` as a `sweep.csv` whose header is `header` and whose points
/// are a prefix of `expected`, in that order. A trailing record without its
/// newline (a partial append) ends the finished part; any complete record
/// that does not fit the grid is an error (the file belongs to another
/// sweep or was edited), as is a complete record past the last point.
pub fn scan(
    bytes: &[u8],
    header: &[String],
    expected: &[ExpectedPoint],
    indexed: bool,
) -> Result<Scan, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut record = csv::StringRecord::new();
    let mut line = 0usize;
    // Reads the next record: Ok(None) at the end or at a partial record.
    let mut next = |record: &mut csv::StringRecord| -> Result<Option<(u64, bool)>, String> {
        let start = reader.position().byte();
        match reader.read_record(record) {
            Ok(false) => Ok(None),
            Ok(true) => {
                let end = reader.position().byte();
                let complete = end > start && bytes.get(end as usize - 1) == Some(&b'\n');
                let at_end = end as usize >= bytes.len();
                if !complete && at_end {
                    Ok(None)
                } else {
                    Ok(Some((end, at_end)))
                }
            }
            // Invalid UTF-8: a torn write at the end, else corruption.
            Err(_) if !bytes[start as usize..].contains(&b'\n') => Ok(None),
            Err(e) => Err(format!("unreadable CSV: {e}")),
        }
    };
    let mut scan = Scan {
        points: Vec::new(),
        valid_len: 0,
    };
    line += 1;
    let Some((end, at_end)) = next(&mut record)? else {
        return Ok(scan);
    };
    if record.iter().ne(header.iter().map(String::as_str)) {
        if at_end && record.len() != header.len() {
            return Ok(scan);
        }
        return Err(format!(
            "its header is `{}`, this sweep's is `{}` (different keys)",
            record.iter().collect::<Vec<_>>().join(","),
            header.join(",")
        ));
    }
    scan.valid_len = end;
    let keys = expected.first().map_or(0, |p| p.values.len());
    let offset = usize::from(indexed);
    for point in expected {
        let mut rows = Vec::with_capacity(point.labels.len());
        let mut point_end = scan.valid_len;
        for label in &point.labels {
            line += 1;
            let Some((end, at_end)) = next(&mut record)? else {
                return Ok(scan);
            };
            if record.len() != header.len() && at_end {
                return Ok(scan);
            }
            let fits = record.len() == header.len()
                && (!indexed || record.get(0) == Some(point.index.to_string().as_str()))
                && record
                    .iter()
                    .skip(offset)
                    .take(keys)
                    .eq(point.values.iter().map(String::as_str))
                && record.get(offset + keys) == Some(label.as_str());
            if !fits {
                let mut wanted: Vec<String> = Vec::new();
                if indexed {
                    wanted.push(point.index.to_string());
                }
                wanted.extend(point.values.iter().cloned());
                wanted.push(label.clone());
                let found: Vec<&str> = record.iter().take(wanted.len()).collect();
                return Err(format!(
                    "line {line} starts with `{}` where this sweep has `{}` (grid point {})",
                    found.join(","),
                    wanted.join(","),
                    point.index
                ));
            }
            rows.push(record.iter().skip(offset).map(str::to_owned).collect());
            point_end = end;
        }
        scan.points.push(rows);
        scan.valid_len = point_end;
    }
    line += 1;
    if next(&mut record)?.is_some() {
        return Err(format!(
            "line {line} comes after the last grid point of this sweep"
        ));
    }
    Ok(scan)
}

/// `sweep.csv` opened for appending finished grid points.
#[derive(Debug)]
pub struct Journal {
    file: File,
    path: PathBuf,
}

impl Journal {
    /// Opens `path` for appending, first cutting it to `len` bytes when it
    /// is longer (a partial trailing write found by [`scan`]).
    pub fn open(path: &Path, len: Option<u64>) -> Result<Journal, ReportError> {
        let err = |op| {
            move |e| ReportError::Io {
                op,
                path: path.to_path_buf(),
                source: e,
            }
        };
        if let Some(len) = len {
            let file = OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(err("open"))?;
            if file.metadata().map_err(err("open"))?.len() > len {
                file.set_len(len).map_err(err("truncate"))?;
                file.sync_all().map_err(err("sync"))?;
            }
        }
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(err("open"))?;
        Ok(Journal {
            file,
            path: path.to_path_buf(),
        })
    }

    /// Appends `bytes` (one point's rows) in one write and syncs them to
    /// disk. Only the sweep's own thread appends, and it stops only
    /// between appends (`super::stop`), so no append is ever cut short by
    /// a stop request.
    pub fn append(&mut self, bytes: &[u8]) -> Result<(), ReportError> {
        self.file
            .write_all(bytes)
            .and_then(|()| self.file.sync_data())
            .map_err(|e| ReportError::Io {
                op: "append to",
                path: self.path.clone(),
                source: e,
            })
    }
}

/// [`encode`] with the error of a sweep.
pub(super) fn encode_rows<I, R>(records: I) -> Result<Vec<u8>, Error>
where
    I: IntoIterator<Item = R>,
    R: IntoIterator,
    R::Item: AsRef<[u8]>,
{
    encode(records).map_err(|e| Error::Internal(format!("formatting sweep.csv: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(index: usize, v: &str) -> ExpectedPoint {
        ExpectedPoint {
            index,
            values: vec![v.to_owned()],
            labels: vec!["a".into(), "b".into()],
        }
    }

    fn header_of(indexed: bool) -> Vec<String> {
        header(&["k".to_owned()], indexed)
    }

    fn file(indexed: bool, points: &[(usize, &str)]) -> Vec<u8> {
        let mut rows = vec![header_of(indexed)];
        let tail = vec!["x".to_owned(); SUMMARY_COLUMNS.len() - 1];
        for &(i, v) in points {
            for label in ["a", "b"] {
                let mut row: Vec<String> = Vec::new();
                if indexed {
                    row.push(i.to_string());
                }
                row.push(v.to_owned());
                row.push(label.to_owned());
                row.extend(tail.iter().cloned());
                rows.push(row);
            }
        }
        encode(rows).unwrap()
    }

    #[test]
    fn finished_points_and_partial_tails() {
        let expected = [point(0, "1"), point(1, "5"), point(2, "9,x")];
        let full = file(false, &[(0, "1"), (1, "5"), (2, "9,x")]);
        let two = file(false, &[(0, "1"), (1, "5")]);
        let header_only = file(false, &[]);
        let h = header_of(false);
        let s = scan(&full, &h, &expected, false).unwrap();
        assert_eq!((s.points.len(), s.valid_len), (3, full.len() as u64));
        assert_eq!(s.points[2][1][..2], ["9,x".to_owned(), "b".to_owned()]);
        // Every prefix of the full file is a prefix of finished points.
        for cut in 0..full.len() {
            let s = scan(&full[..cut], &h, &expected, false).unwrap();
            let valid = s.valid_len as usize;
            assert!(valid <= cut);
            let done = s.points.len();
            let want = match done {
                0 if valid == 0 => 0,
                0 => header_only.len(),
                2 => two.len(),
                n => file(false, &[(0, "1"), (1, "5"), (2, "9,x")][..n]).len(),
            };
            assert_eq!(valid, want, "cut at {cut}");
        }
        // A NUL-filled tail (crash on some filesystems) is partial too.
        let mut zeros = two.clone();
        zeros.extend([0u8; 40]);
        let s = scan(&zeros, &h, &expected, false).unwrap();
        assert_eq!((s.points.len(), s.valid_len), (2, two.len() as u64));
    }

    #[test]
    fn other_sweeps_are_errors() {
        let expected = [point(0, "1"), point(1, "5")];
        let h = header_of(false);
        let other = file(false, &[(0, "1"), (1, "6")]);
        let err = scan(&other, &h, &expected, false).unwrap_err();
        assert_eq!(
            err,
            "line 4 starts with `6,a` where this sweep has `5,a` (grid point 1)"
        );
        let err = scan(&other, &header_of(true), &expected, true).unwrap_err();
        assert!(err.starts_with("its header is `k,strategy,"), "{err}");
        let longer = file(false, &[(0, "1"), (1, "5"), (2, "7")]);
        let err = scan(&longer, &h, &expected, false).unwrap_err();
        assert_eq!(err, "line 6 comes after the last grid point of this sweep");
        // Indexed files check the grid index too.
        let shard = file(true, &[(0, "1"), (2, "5")]);
        let err = scan(&shard, &header_of(true), &expected, true).unwrap_err();
        assert!(err.contains("grid point 1"), "{err}");
        let shard = file(true, &[(0, "1"), (1, "5")]);
        let s = scan(&shard, &header_of(true), &expected, true).unwrap();
        assert_eq!(s.points[1][0][0], "5", "the index column is dropped");
    }

    #[test]
    fn journal_truncates_then_appends() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("sweep.csv");
        std::fs::write(&path, "h\n1\npart").unwrap();
        let mut j = Journal::open(&path, Some(4)).unwrap();
        j.append(b"2\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "h\n1\n2\n");
    }
}
