//! Summary statistics with stated methods: quantiles, mean and rate confidence intervals.
//!
//! Every number the reports print comes from one of these functions, so each
//! one names the textbook definition it implements; a reader comparing our
//! output with R or numpy can reproduce it exactly.

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// z of the standard normal at 0.99, Φ⁻¹(0.99): turns a lognormal's
/// (median, p99) into σ = ln(p99 / median) / z. Used by `model` (delay
/// distributions), `version` (latency samplers) and `plan`.
pub const Z_99: f64 = 2.326_347_874_040_840_8;

/// Two-sided confidence level of every interval in the reports.
pub const CONFIDENCE_LEVEL: f64 = 0.95;

/// Upper quantile of the reference distribution that gives a two-sided
/// [`CONFIDENCE_LEVEL`] interval (0.975 for 95 %).
const UPPER_TAIL_P: f64 = 1.0 - (1.0 - CONFIDENCE_LEVEL) / 2.0;

/// A sample mean with its two-sided 95 % confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeanCi {
    pub mean: f64,
    pub lo: f64,
    pub hi: f64,
}

/// A proportion with its two-sided 95 % confidence interval, all in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateCi {
    pub rate: f64,
    pub lo: f64,
    pub hi: f64,
}

/// Returns the values sorted ascending by IEEE total order, ready for
/// [`quantile`]. Total order keeps the sort deterministic even if a NaN slips
/// in (it sorts last instead of panicking or scrambling the order).
pub fn sorted(mut values: Vec<f64>) -> Vec<f64> {
    values.sort_by(f64::total_cmp);
    values
}

/// The `p`-quantile of an ascending sample, by Hyndman & Fan (1996)
/// definition 7: linear interpolation between order statistics at
/// h = (n − 1)·p, i.e. x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]) with 0-based
/// indices. This is the default of R's `quantile()`, numpy's
/// `percentile()` and spreadsheet `PERCENTILE.INC`, so results can be checked
/// against any of them.
///
/// Returns `None` for an empty sample or a `p` outside [0, 1] (including
/// NaN): a quantile is undefined there, and a silent clamp would hide a bug.
/// `sorted` must be ascending (see [`sorted`]); this is checked in debug
/// builds only, because callers sort once and query several quantiles.
pub fn quantile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() || !(0.0..=1.0).contains(&p) {
        return None;
    }
    debug_assert!(
        sorted.windows(2).all(|w| w[0] <= w[1]),
        "quantile() needs an ascending sample"
    );
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let frac = h - lo as f64;
    let x_lo = sorted[lo];
    match sorted.get(lo + 1) {
        // `frac == 0` also avoids 0 · ∞ = NaN for infinite neighbours.
        Some(&x_hi) if frac > 0.0 => Some(x_lo + frac * (x_hi - x_lo)),
        _ => Some(x_lo),
    }
}

/// The sample mean with a two-sided 95 % Student-t confidence interval:
/// mean ± t(0.975, n − 1) · s / √n, where s is the sample standard deviation
/// (n − 1 denominator) and t comes from statrs' `StudentsT` inverse CDF.
/// This is what R's `t.test(x)$conf.int` reports. With many replications t
/// approaches the normal 1.96, so the interval stays honest for small runs
/// without being wider than needed for large ones.
///
/// With n == 1 there is no spread to estimate, so both bounds equal the mean
/// (a zero-width interval that says "one observation", rather than an
/// infinite one that would break tables and plots). `None` if empty.
pub fn mean_ci(values: &[f64]) -> Option<MeanCi> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let nf = n as f64;
    let mean = values.iter().sum::<f64>() / nf;
    if n == 1 {
        return Some(MeanCi {
            mean,
            lo: mean,
            hi: mean,
        });
    }
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (nf - 1.0);
    let t = StudentsT::new(0.0, 1.0, nf - 1.0)
        .ok()?
        .inverse_cdf(UPPER_TAIL_P);
    let half = t * (variance / nf).sqrt();
    Some(MeanCi {
        mean,
        lo: mean - half,
        hi: mean + half,
    })
}

/// The proportion `successes / n` with its two-sided 95 % Wilson score
/// interval (Wilson 1927; recommended by Brown, Cai & DasGupta 2001):
///
/// centre = (p̂ + z²/2n) / (1 + z²/n),
/// half   = z / (1 + z²/n) · √(p̂(1 − p̂)/n + z²/4n²),
///
/// with z = Φ⁻¹(0.975) from statrs' standard `Normal`. Unlike the Wald
/// interval it stays inside [0, 1] and does not collapse to zero width at
/// 0/n or n/n, which are common here (a strategy that always or never rolls
/// back). At 0/n the lower bound is exactly 0 and at n/n the upper bound is
/// exactly 1 (the formula's value, which rounding would otherwise miss by
/// ~1e-17); other bounds are clamped to [0, 1] only to absorb rounding.
///
/// `None` if `n == 0` (no rate) or `successes > n` (not a proportion).
pub fn wilson(successes: u64, n: u64) -> Option<RateCi> {
    if n == 0 || successes > n {
        return None;
    }
    let nf = n as f64;
    let rate = successes as f64 / nf;
    let z = Normal::standard().inverse_cdf(UPPER_TAIL_P);
    let z2 = z * z;
    let denom = 1.0 + z2 / nf;
    let centre = (rate + z2 / (2.0 * nf)) / denom;
    let half = z / denom * (rate * (1.0 - rate) / nf + z2 / (4.0 * nf * nf)).sqrt();
    let lo = if successes == 0 {
        0.0
    } else {
        (centre - half).clamp(0.0, 1.0)
    };
    let hi = if successes == n {
        1.0
    } else {
        (centre + half).clamp(0.0, 1.0)
    };
    Some(RateCi { rate, lo, hi })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn quantile_type7_matches_r_and_numpy() {
        // R: quantile(1:4, c(0, .25, .5, .75, .95, 1)) = 1 1.75 2.5 3.25 3.85 4
        let x = [1.0, 2.0, 3.0, 4.0];
        let q = |p| quantile(&x, p).unwrap();
        assert_eq!(q(0.0), 1.0);
        assert_eq!(q(0.25), 1.75);
        assert_eq!(q(0.5), 2.5);
        assert_eq!(q(0.75), 3.25);
        assert!(close(q(0.95), 3.85, 1e-12));
        assert_eq!(q(1.0), 4.0);
    }

    #[test]
    fn quantile_edge_cases() {
        assert_eq!(quantile(&[], 0.5), None);
        assert_eq!(quantile(&[7.0], 0.0), Some(7.0));
        assert_eq!(quantile(&[7.0], 0.95), Some(7.0));
        assert_eq!(quantile(&[1.0, 2.0], -0.1), None);
        assert_eq!(quantile(&[1.0, 2.0], 1.1), None);
        assert_eq!(quantile(&[1.0, 2.0], f64::NAN), None);
        assert_eq!(quantile(&[1.0, f64::INFINITY], 0.0), Some(1.0));
    }

    #[test]
    fn sorted_orders_ascending() {
        assert_eq!(sorted(vec![3.0, -1.0, 2.0]), vec![-1.0, 2.0, 3.0]);
    }

    #[test]
    fn mean_ci_matches_t_test() {
        // R: t.test(1:5)$conf.int = 1.036757 4.963243
        // (t(0.975, 4) = 2.776445, s = √2.5, half = 2.776445·√2.5/√5 = 1.963243)
        let ci = mean_ci(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
        assert_eq!(ci.mean, 3.0);
        assert!(close(ci.lo, 1.036757, 1e-6), "{ci:?}");
        assert!(close(ci.hi, 4.963243, 1e-6), "{ci:?}");
    }

    #[test]
    fn mean_ci_two_values() {
        // n = 2: t(0.975, 1) = 12.7062, s = √2, half = 12.7062·√2/√2 = 12.7062
        let ci = mean_ci(&[0.0, 2.0]).unwrap();
        assert_eq!(ci.mean, 1.0);
        assert!(close(ci.hi - ci.mean, 12.706205, 1e-5), "{ci:?}");
        assert!(close(ci.mean - ci.lo, 12.706205, 1e-5), "{ci:?}");
    }

    #[test]
    fn mean_ci_degenerate_inputs() {
        assert_eq!(mean_ci(&[]), None);
        assert_eq!(
            mean_ci(&[4.5]),
            Some(MeanCi {
                mean: 4.5,
                lo: 4.5,
                hi: 4.5
            })
        );
        assert_eq!(
            mean_ci(&[2.0, 2.0, 2.0]),
            Some(MeanCi {
                mean: 2.0,
                lo: 2.0,
                hi: 2.0
            })
        );
    }

    #[test]
    fn wilson_hand_computed() {
        // z = 1.959964, z² = 3.841459.
        // 0/10: hi = (z²/10)/(1 + z²/10) = 0.277533
        let ci = wilson(0, 10).unwrap();
        assert_eq!((ci.rate, ci.lo), (0.0, 0.0));
        assert!(close(ci.hi, 0.277533, 1e-6), "{ci:?}");
        // 5/10: centre 0.5, half = z/1.384146·√(0.025 + z²/400) = 0.263386
        let ci = wilson(5, 10).unwrap();
        assert_eq!(ci.rate, 0.5);
        assert!(close(ci.lo, 0.236593, 1e-6), "{ci:?}");
        assert!(close(ci.hi, 0.763407, 1e-6), "{ci:?}");
        // 10/10 mirrors 0/10.
        let ci = wilson(10, 10).unwrap();
        assert_eq!((ci.rate, ci.hi), (1.0, 1.0));
        assert!(close(ci.lo, 1.0 - 0.277533, 1e-6), "{ci:?}");
    }

    #[test]
    fn wilson_undefined() {
        assert_eq!(wilson(0, 0), None);
        assert_eq!(wilson(3, 2), None);
    }
}

/// Two-sample Kolmogorov–Smirnov statistic D = sup |F_a − F_b|, with tied
/// values stepped together (so identical samples give 0). Sorts its inputs.
pub fn ks_statistic(a: &mut [f64], b: &mut [f64]) -> f64 {
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    let (mut i, mut j, mut d) = (0, 0, 0.0f64);
    while i < a.len() && j < b.len() {
        let x = a[i].min(b[j]);
        while i < a.len() && a[i] <= x {
            i += 1;
        }
        while j < b.len() && b[j] <= x {
            j += 1;
        }
        d = d.max((i as f64 / a.len() as f64 - j as f64 / b.len() as f64).abs());
    }
    d
}

/// Large-sample critical value of the two-sample KS test at α = 0.001:
/// c(α)·sqrt((n + m)/(n·m)) with c = sqrt(−ln(α/2)/2) = 1.949. Conservative
/// for discrete data (ties only lower the attainable D).
pub fn ks_critical_001(n: usize, m: usize) -> f64 {
    1.949 * ((n + m) as f64 / (n * m) as f64).sqrt()
}

#[cfg(test)]
mod ks_tests {
    use super::*;

    #[test]
    fn ks_is_zero_for_identical_samples_and_one_for_disjoint() {
        let mut a = vec![3.0, 1.0, 2.0, 2.0];
        let mut b = a.clone();
        assert_eq!(ks_statistic(&mut a, &mut b), 0.0);
        let mut c = vec![10.0, 11.0];
        assert_eq!(ks_statistic(&mut a, &mut c), 1.0);
        let mut d = vec![1.0, 2.0];
        let mut e = vec![2.0, 3.0];
        assert_eq!(ks_statistic(&mut d, &mut e), 0.5);
        assert!((ks_critical_001(100, 100) - 0.2756).abs() < 1e-3);
    }
}
