//! The one-sided bounds the race decides with.
//!
//! - Rates (false rollbacks, misses): exact **Clopper–Pearson** one-sided
//!   95 % bounds (Clopper & Pearson 1934), from statrs' `Beta` inverse CDF:
//!   upper(k, n) = Beta(k + 1, n − k)⁻¹(0.95) (1 at k = n), lower(k, n) =
//!   Beta(k, n − k + 1)⁻¹(0.05) (0 at k = 0). Exact (conservative) rather
//!   than Wilson because the budgets are small rates where Wilson's
//!   coverage dips below nominal.
//! - Differences of the objective between two settings on the same
//!   replications (common random numbers): the one-sided 95 % Student-t
//!   bound of the mean paired difference, mean ± t(0.95, n − 1)·s/√n.

use statrs::distribution::{Beta, ContinuousCDF, StudentsT};

/// One-sided confidence level of every decision of the race.
pub const DECISION_LEVEL: f64 = 0.95;

/// Upper one-sided 95 % Clopper–Pearson bound of `k` events in `n` trials
/// (1 for n = 0: nothing is known).
pub fn cp_upper(k: u64, n: u64) -> f64 {
    if n == 0 || k >= n {
        return 1.0;
    }
    Beta::new((k + 1) as f64, (n - k) as f64)
        .map(|b| b.inverse_cdf(DECISION_LEVEL))
        .unwrap_or(1.0)
}

/// Lower one-sided 95 % Clopper–Pearson bound of `k` events in `n` trials
/// (0 for k = 0).
pub fn cp_lower(k: u64, n: u64) -> f64 {
    if n == 0 || k == 0 {
        return 0.0;
    }
    if k >= n {
        // Beta(n, 1)⁻¹(α) = α^(1/n).
        return (1.0 - DECISION_LEVEL).powf(1.0 / n as f64);
    }
    Beta::new(k as f64, (n - k + 1) as f64)
        .map(|b| b.inverse_cdf(1.0 - DECISION_LEVEL))
        .unwrap_or(0.0)
}

/// Mean and standard error of paired differences `a[r] − b[r]`.
pub fn paired(a: &[f64], b: &[f64]) -> Option<(f64, f64, usize)> {
    let n = a.len().min(b.len());
    if n < 2 {
        return None;
    }
    let nf = n as f64;
    let d = a.iter().zip(b).map(|(x, y)| x - y);
    let mean = d.clone().sum::<f64>() / nf;
    let var = d.map(|v| (v - mean).powi(2)).sum::<f64>() / (nf - 1.0);
    Some((mean, (var / nf).sqrt(), n))
}

/// Whether `a` is worse (larger) than `b` with 95 % confidence: the
/// one-sided lower bound of the mean paired difference is above 0.
pub fn surely_larger(a: &[f64], b: &[f64]) -> bool {
    let Some((mean, se, n)) = paired(a, b) else {
        return false;
    };
    if se == 0.0 {
        return mean > 0.0;
    }
    let t = StudentsT::new(0.0, 1.0, (n - 1) as f64)
        .map(|t| t.inverse_cdf(DECISION_LEVEL))
        .unwrap_or(f64::INFINITY);
    mean - t * se > 0.0
}

/// The confidence that `b` has the smaller mean than `a`: the Student-t
/// probability P(T ≤ mean/se) of the paired difference `a − b`, i.e. the
/// one-sided level at which "b beats a" would just be significant (0.5 for
/// no difference, 1 when every replication agrees and the difference is
/// positive). `None` with fewer than 2 common replications.
pub fn beat_confidence(a: &[f64], b: &[f64]) -> Option<f64> {
    let (mean, se, n) = paired(a, b)?;
    if se == 0.0 {
        return Some(if mean > 0.0 {
            1.0
        } else if mean < 0.0 {
            0.0
        } else {
            0.5
        });
    }
    let t = StudentsT::new(0.0, 1.0, (n - 1) as f64).ok()?;
    Some(t.cdf(mean / se))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clopper_pearson_matches_closed_forms() {
        // k = 0: upper = 1 − 0.05^(1/n) (the "rule of three" ≈ 3/n).
        for n in [10u64, 299, 1000] {
            let want = 1.0 - 0.05f64.powf(1.0 / n as f64);
            assert!((cp_upper(0, n) - want).abs() < 1e-9, "{n}");
            assert_eq!(cp_lower(0, n), 0.0);
        }
        // k = n: lower = 0.05^(1/n).
        assert!((cp_lower(20, 20) - 0.05f64.powf(1.0 / 20.0)).abs() < 1e-12);
        assert_eq!(cp_upper(20, 20), 1.0);
        // 1 in 10: R binom.test(1, 10, alternative = "greater")$conf.int
        // = 0.005116; "less" = 0.394163.
        assert!((cp_lower(1, 10) - 0.005_116).abs() < 1e-5);
        assert!((cp_upper(1, 10) - 0.394_163).abs() < 1e-5);
    }

    #[test]
    fn paired_decisions() {
        let a = [3.0, 4.0, 5.0, 6.0];
        let b = [1.0, 2.0, 3.0, 4.0];
        assert!(surely_larger(&a, &b));
        assert!(!surely_larger(&b, &a));
        assert_eq!(beat_confidence(&a, &b), Some(1.0));
        assert_eq!(beat_confidence(&a, &a), Some(0.5));
        let noisy = [1.0, -1.0, 2.0, -1.5];
        assert!(!surely_larger(&noisy, &[0.0; 4]));
        let c = beat_confidence(&noisy, &[0.0; 4]).unwrap();
        assert!(c > 0.5 && c < 0.7, "{c}");
    }
}
