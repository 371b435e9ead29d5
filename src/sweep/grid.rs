//! The grid: the cartesian product of the axes (first axis slowest), the
//! coordinates of each grid point, and the scenario document of a point,
//! its values set by key path into a copy of the base document.
//!
//! The only module that edits documents, so that what a grid point runs is
//! always the base document plus exactly its axis values.

use toml::Value;

use crate::scenario::{KeyPath, PathSegment};

use super::axis::{Axis, AxisValue};
use super::spec::SweepKey;

/// Most grid points one sweep may have.
pub const MAX_GRID_POINTS: usize = 100_000;

/// The cartesian product of the axes; the first axis varies slowest.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    pub axes: Vec<Axis>,
}

impl Grid {
    /// Number of grid points (1 for no axes). Errors when it exceeds
    /// [`MAX_GRID_POINTS`].
    pub fn point_count(&self) -> Result<usize, String> {
        self.axes.iter().try_fold(1usize, |n, axis| {
            n.checked_mul(axis.values.len())
                .filter(|n| *n <= MAX_GRID_POINTS)
                .ok_or_else(|| format!("the grid has more than {MAX_GRID_POINTS} points"))
        })
    }

    /// The value index of each axis at grid point `index` (row-major: the
    /// last axis varies fastest).
    pub fn coordinates(&self, mut index: usize) -> Vec<usize> {
        let mut coords = vec![0; self.axes.len()];
        for (c, axis) in coords.iter_mut().zip(&self.axes).rev() {
            *c = index % axis.values.len();
            index /= axis.values.len();
        }
        coords
    }

    /// The values of grid point `coords`, one per axis.
    pub fn values(&self, coords: &[usize]) -> Vec<&AxisValue> {
        self.axes
            .iter()
            .zip(coords)
            .map(|(axis, &c)| &axis.values[c])
            .collect()
    }

    /// `base` with the values of grid point `coords` applied: key paths in
    /// axis order, then the candidate pseudo-key (so `healthy` removes the
    /// faults whatever other axes set in them). On failure returns the axis
    /// index and why.
    pub fn apply(&self, base: &Value, coords: &[usize]) -> Result<Value, (usize, String)> {
        let mut doc = base.clone();
        let mut healthy = false;
        for (i, (axis, &c)) in self.axes.iter().zip(coords).enumerate() {
            match (&axis.key, &axis.values[c]) {
                (SweepKey::Path(path), AxisValue::Value(v)) => {
                    set_path(&mut doc, path, v.clone()).map_err(|m| (i, m))?;
                }
                (SweepKey::Candidate, AxisValue::Healthy) => healthy = true,
                (SweepKey::Candidate, AxisValue::Faulty) => {}
                _ => return Err((i, "value does not fit the key".into())),
            }
        }
        if healthy {
            remove_faults(&mut doc);
        }
        Ok(doc)
    }
}

/// The `faults` arrays of a document: the top-level one and each
/// `functions.NAME.faults`.
pub(super) fn fault_lists(doc: &Value) -> impl Iterator<Item = &Vec<Value>> {
    let functions = doc
        .get("functions")
        .and_then(Value::as_table)
        .into_iter()
        .flat_map(|t| t.values());
    std::iter::once(doc)
        .chain(functions)
        .filter_map(|t| t.get("faults").and_then(Value::as_array))
}

/// Makes every candidate healthy: removes `faults` at the top level and from
/// each `functions.NAME` table.
fn remove_faults(doc: &mut Value) {
    let Some(root) = doc.as_table_mut() else {
        return;
    };
    root.remove("faults");
    if let Some(functions) = root.get_mut("functions").and_then(Value::as_table_mut) {
        for (_, function) in functions.iter_mut() {
            if let Some(f) = function.as_table_mut() {
                f.remove("faults");
            }
        }
    }
}

/// Sets `value` at `path`, creating missing tables on the way.
fn set_path(doc: &mut Value, path: &KeyPath, value: Value) -> Result<(), String> {
    let segments = path.segments();
    let Some((last, parents)) = segments.split_last() else {
        return Err("empty key".into());
    };
    let mut node = doc;
    let mut walked = KeyPath::root();
    for segment in parents {
        node = match (segment, node) {
            (PathSegment::Key(key), Value::Table(table)) => table
                .entry(key.clone())
                .or_insert_with(|| Value::Table(toml::Table::new())),
            (PathSegment::Index(index), Value::Array(array)) => {
                let len = array.len();
                array.get_mut(*index).ok_or_else(|| {
                    format!("index {index} is out of range: `{walked}` has {len} element(s)")
                })?
            }
            (_, other) => {
                return Err(format!("`{walked}` is {}, not a table", describe(other)));
            }
        };
        walked.push(segment.clone());
    }
    match (last, node) {
        (PathSegment::Key(key), Value::Table(table)) => {
            table.insert(key.clone(), value);
            Ok(())
        }
        (PathSegment::Index(index), Value::Array(array)) if *index < array.len() => {
            array[*index] = value;
            Ok(())
        }
        (_, other) => Err(format!("`{walked}` is {}, not a table", describe(other))),
    }
}

/// How a document value is named in messages (`an integer`, `a table`).
pub(super) fn describe(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "a string",
        Value::Integer(_) => "an integer",
        Value::Float(_) => "a number",
        Value::Boolean(_) => "a boolean",
        Value::Datetime(_) => "a date",
        Value::Array(_) => "an array",
        Value::Table(_) => "a table",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::fixtures::{axis, base};
    use crate::sweep::spec::parse_set;

    #[test]
    fn healthy_removes_the_faults_of_every_function() {
        let text = "[functions.a.traffic]\nrate_per_s = 1\n[[functions.a.faults]]\nkind = \"x\"\n\
                    [functions.b.traffic]\nrate_per_s = 1\n";
        let doc = Value::Table(text.parse::<toml::Table>().unwrap());
        let grid = Grid {
            axes: vec![
                Axis::resolve(parse_set("candidate=healthy,faulty").unwrap(), &doc).unwrap(),
            ],
        };
        let healthy = grid.apply(&doc, &[0]).unwrap();
        assert!(healthy["functions"]["a"].get("faults").is_none());
        assert!(healthy["functions"]["a"].get("traffic").is_some());
        let faulty = grid.apply(&doc, &[1]).unwrap();
        assert_eq!(faulty, doc);
        let err = Axis::resolve(parse_set("functions.c.traffic.rate_per_s=1").unwrap(), &doc);
        assert!(err
            .unwrap_err()
            .message
            .contains("no function `c` (functions: a, b)"));
    }

    #[test]
    fn grid_is_row_major_and_applies_values() {
        let grid = Grid {
            axes: vec![
                axis("alarms.error_rate.threshold=1,5").unwrap(),
                axis("candidate=healthy,faulty").unwrap(),
                axis("versions.candidate.error_rate=0.01,0.02,0.03").unwrap(),
            ],
        };
        assert_eq!(grid.point_count().unwrap(), 12);
        assert_eq!(grid.coordinates(0), [0, 0, 0]);
        assert_eq!(grid.coordinates(5), [0, 1, 2]);
        assert_eq!(grid.coordinates(6), [1, 0, 0]);
        let doc = grid.apply(&base(), &[1, 0, 2]).unwrap();
        assert_eq!(doc["alarms"]["error_rate"]["threshold"], Value::Integer(5));
        assert_eq!(
            doc["versions"]["candidate"]["error_rate"],
            Value::Float(0.03)
        );
        assert!(doc.get("faults").is_none());
        let doc = grid.apply(&base(), &[0, 1, 0]).unwrap();
        assert!(doc.get("faults").is_some());
        let big = Grid {
            axes: vec![axis("traffic.rate_per_s=1..10000:1").unwrap(); 2],
        };
        assert!(big.point_count().is_err());
    }
}
