//! The grid: the cartesian product of the axes (first axis slowest), the
//! coordinates of each grid point, and the scenario document of a point,
//! its values set by key path into a copy of the base document.
//!
//! Only the grid applies axis values to documents (through
//! [`super::document`]), so that what a grid point runs is always the base
//! document plus exactly its axis values.

use toml::Value;

use super::axis::{Axis, AxisValue};
use super::document::{remove_faults, set_path};
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
