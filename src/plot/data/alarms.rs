//! `alarms.csv`: each alarm's threshold, comparison and metric unit, for
//! the timeline's threshold lines and axis labels.

use std::path::Path;

use csv::StringRecord;

use super::CsvFile;
use crate::plot::PlotError;

/// One row of `alarms.csv`: an alarm's threshold, comparison and the unit
/// of its metric.
#[derive(Debug, Clone, PartialEq)]
pub struct AlarmInfo {
    pub name: String,
    pub threshold: f64,
    /// `>`, `>=`, `<` or `<=`; empty when the file has no such column.
    pub comparison: String,
    /// Unit of the alarm's metric (`%`, `ms`, `count`, ...); empty when
    /// unknown (older files have no `unit` column).
    pub unit: String,
}

/// Reads `alarms.csv` (name, threshold, optional comparison and unit).
pub fn read_alarms(path: &Path) -> Result<Vec<AlarmInfo>, PlotError> {
    let f = CsvFile::open(path)?;
    let name = f.column("name")?;
    let threshold = f.column("threshold")?;
    let comparison = f.optional_column("comparison");
    let unit = f.optional_column("unit");
    let opt_text = |rec: &StringRecord, c: Option<usize>| {
        c.map_or(String::new(), |c| f.text(rec, c).to_owned())
    };
    f.records
        .iter()
        .map(|rec| {
            Ok(AlarmInfo {
                name: f.nonempty(rec, name)?,
                threshold: f.f64(rec, threshold)?,
                comparison: opt_text(rec, comparison),
                unit: opt_text(rec, unit),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::data::tests::write;
    use crate::report::ALARMS_CSV;

    #[test]
    fn reads_units_and_older_files_without_them() {
        let tmp = tempfile::tempdir().unwrap();
        let p = write(
            tmp.path(),
            ALARMS_CSV,
            "name,threshold,comparison,unit\nerr,5,>=,%\n",
        );
        assert_eq!(read_alarms(&p).unwrap()[0].unit, "%");
        let p = write(tmp.path(), "old.csv", "name,threshold\nerr,5\n");
        assert_eq!(read_alarms(&p).unwrap()[0].unit, "");
    }
}
