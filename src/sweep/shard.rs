//! `--shard K/N`: the K-th of N slices of a grid, for spreading one sweep
//! over the tasks of a cluster job array.
//!
//! Slices interleave: shard K runs the grid points whose index i (0-based,
//! grid order, first axis slowest) has i mod N = K − 1. Interleaving rather
//! than contiguous blocks balances the load when an axis makes points
//! cheaper or dearer along the grid (a rate axis, a replication-heavy
//! corner), and the slice of a point depends only on (i, N), so any task
//! can compute its own without coordination. `canarysim merge` puts the
//! rows back in grid order.

use std::fmt;
use std::str::FromStr;

use super::MAX_GRID_POINTS;

/// One slice of a grid: `index` of `count`, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// K, from 1 to `count`.
    pub index: usize,
    /// N >= 1.
    pub count: usize,
}

impl Shard {
    /// Parses `K/N` with 1 <= K <= N <= [`MAX_GRID_POINTS`].
    pub fn parse(text: &str) -> Result<Shard, String> {
        let usage = || {
            format!(
                "expected K/N with 1 <= K <= N <= {MAX_GRID_POINTS} (e.g. 2/8 for the second of \
                 8 slices); got `{text}`"
            )
        };
        let (k, n) = text.trim().split_once('/').ok_or_else(usage)?;
        let k: usize = k.trim().parse().map_err(|_| usage())?;
        let n: usize = n.trim().parse().map_err(|_| usage())?;
        if k == 0 || n == 0 || k > n || n > MAX_GRID_POINTS {
            return Err(usage());
        }
        Ok(Shard { index: k, count: n })
    }

    /// Whether grid point `point` (0-based) belongs to this shard.
    pub fn contains(&self, point: usize) -> bool {
        point % self.count == self.index - 1
    }

    /// The grid points of this shard, ascending, of a grid of `total`.
    pub fn points(&self, total: usize) -> Vec<usize> {
        (self.index - 1..total).step_by(self.count).collect()
    }

    /// The default output folder name: `shard-K-of-N`.
    pub fn dir_name(&self) -> String {
        format!("shard-{}-of-{}", self.index, self.count)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Shard, String> {
        Shard::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_grid() {
        let total = 8;
        let mut seen = vec![0; total];
        for k in 1..=3 {
            let shard = Shard::parse(&format!("{k}/3")).unwrap();
            for p in shard.points(total) {
                assert!(shard.contains(p));
                seen[p] += 1;
            }
        }
        assert_eq!(seen, vec![1; total]);
        assert_eq!(Shard::parse("2/3").unwrap().points(8), [1, 4, 7]);
        assert_eq!(Shard::parse("5/5").unwrap().points(3), Vec::<usize>::new());
        assert_eq!(Shard::parse(" 1 / 1 ").unwrap().to_string(), "1/1");
        assert_eq!(Shard::parse("2/3").unwrap().dir_name(), "shard-2-of-3");
    }

    #[test]
    fn bad_shards_are_refused() {
        for bad in [
            "0/3",
            "4/3",
            "1/0",
            "1",
            "a/b",
            "1/2/3",
            "-1/2",
            "1/1000000",
            "",
        ] {
            let err = Shard::parse(bad).unwrap_err();
            assert!(err.starts_with("expected K/N"), "{bad}: {err}");
        }
    }
}
