//! Coinciding points and identical lines of a sweep panel: points of
//! different lines at (nearly) the same place are spread sideways, and
//! lines identical to an earlier one are noted rather than hidden.

use super::Series;

/// Lines of a panel identical to an earlier one: (line, earlier line).
pub(super) fn identical(series: &[Series]) -> Vec<(usize, usize)> {
    let same = |a: &Series, b: &Series| {
        a.points.len() == b.points.len()
            && a.points.iter().zip(&b.points).all(|(p, q)| {
                (p.0 - q.0).abs() < 1e-12
                    && match (p.1, q.1) {
                        (Some(x), Some(y)) => (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0),
                        (None, None) => true,
                        _ => false,
                    }
            })
    };
    let mut out = Vec::new();
    for (i, s) in series.iter().enumerate() {
        if let Some(e) = series[..i].iter().find(|e| same(e, s)) {
            out.push((s.line, e.line));
        }
    }
    out
}

/// Sideways offsets (in axis units) of each series' points: points of
/// different lines closer than `tol` in y at the same x are spread apart by
/// `step` each, centred on the true x.
pub(super) fn dodge(
    series: &[Series],
    y_of: impl Fn(Option<f64>) -> f64,
    tol: f64,
    step: f64,
) -> Vec<Vec<f64>> {
    let mut out: Vec<Vec<f64>> = series.iter().map(|s| vec![0.0; s.points.len()]).collect();
    let mut xs: Vec<f64> = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup_by(|a, b| (*a - *b).abs() < 1e-12);
    for x in xs {
        // (series, point, y) at this x, sorted by y.
        let mut here: Vec<(usize, usize, f64)> = series
            .iter()
            .enumerate()
            .flat_map(|(i, s)| {
                s.points
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| (p.0 - x).abs() < 1e-12)
                    .map(move |(j, p)| (i, j, p.1))
            })
            .map(|(i, j, y)| (i, j, y_of(y)))
            .collect();
        here.sort_by(|a, b| a.2.total_cmp(&b.2));
        let mut start = 0;
        while start < here.len() {
            let mut end = start + 1;
            while end < here.len() && here[end].2 - here[end - 1].2 <= tol {
                end += 1;
            }
            let n = end - start;
            if n > 1 {
                for (k, &(i, j, _)) in here[start..end].iter().enumerate() {
                    out[i][j] = (k as f64 - (n - 1) as f64 / 2.0) * step;
                }
            }
            start = end;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(line: usize, ys: &[Option<f64>]) -> Series {
        Series {
            line,
            points: ys
                .iter()
                .enumerate()
                .map(|(i, y)| (i as f64, *y, None))
                .collect(),
        }
    }

    #[test]
    fn identical_lines_are_found_and_spread() {
        let s = vec![
            series(0, &[Some(1.0), Some(2.0)]),
            series(1, &[Some(1.0), Some(2.0)]),
            series(2, &[Some(5.0), None]),
        ];
        assert_eq!(identical(&s), vec![(1, 0)]);
        let o = dodge(&s, |y| y.unwrap_or(10.0), 0.1, 0.2);
        assert_eq!(o[0], vec![-0.1, -0.1]);
        assert_eq!(o[1], vec![0.1, 0.1]);
        assert_eq!(o[2], vec![0.0, 0.0]);
    }
}
