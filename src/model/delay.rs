//! Random delays of the control path (operator review and detection times,
//! SNS delivery, rollback-function run time, weight propagation): their
//! distributions, how one is drawn and its nominal value. The scenario's
//! delay tables (`scenario::validate::delay`) build them.

use crate::sim::time::{secs, to_secs, Micros};

/// A random delay: operator review and detection times, SNS delivery,
/// rollback-function run time, weight propagation. Drawn from a replication's
/// control stream, never from its traffic stream.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DelayDist {
    Fixed(Micros),
    /// exp(ln(median) + sigma·Z) seconds, Z standard normal.
    LogNormal {
        median_s: f64,
        sigma: f64,
    },
    /// Uniform on [min, max] (microsecond resolution).
    Uniform {
        min: Micros,
        max: Micros,
    },
}

/// Longest delay a draw returns (30 days): keeps a heavy lognormal tail from
/// overflowing simulated time; far beyond any horizon (<= 7 days).
pub const MAX_DELAY: Micros = secs(30 * 86_400);

impl DelayDist {
    /// A lognormal given its median and 99th percentile (p99 > median > 0).
    pub fn from_median_p99(median: Micros, p99: Micros) -> DelayDist {
        let median_s = to_secs(median);
        let sigma = (p99.as_f64() / median.as_f64()).ln() / crate::stats::Z_99;
        DelayDist::LogNormal { median_s, sigma }
    }

    /// A lognormal given its mean and standard deviation (mean > 0, sd > 0):
    /// sigma² = ln(1 + sd²/mean²), median = mean / sqrt(1 + sd²/mean²).
    pub fn from_mean_sd(mean: Micros, sd: Micros) -> DelayDist {
        let ratio = 1.0 + (sd.as_f64() / mean.as_f64()).powi(2);
        DelayDist::LogNormal {
            median_s: to_secs(mean) / ratio.sqrt(),
            sigma: ratio.ln().sqrt(),
        }
    }

    /// One draw in microseconds, at most [`MAX_DELAY`]. A fixed delay draws
    /// no random number, so adding fixed delays never shifts a stream.
    pub fn sample<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> Micros {
        match *self {
            DelayDist::Fixed(d) => d,
            DelayDist::LogNormal { median_s, sigma } => {
                let z: f64 = rand_distr::Distribution::sample(&rand_distr::StandardNormal, rng);
                let us = median_s * (sigma * z).exp() * 1e6;
                if us >= MAX_DELAY.as_f64() {
                    MAX_DELAY
                } else {
                    Micros::from_f64(us.round())
                }
            }
            DelayDist::Uniform { min, max } => {
                Micros::from_micros(rng.random_range(min.as_micros()..=max.as_micros()))
            }
        }
    }

    /// The typical value used for horizon checks and plans: the fixed
    /// value, the median, or the midpoint.
    pub fn nominal(&self) -> Micros {
        match *self {
            DelayDist::Fixed(d) => d,
            DelayDist::LogNormal { median_s, .. } => Micros::from_secs_f64(median_s).min(MAX_DELAY),
            DelayDist::Uniform { min, max } => min + (max - min) / 2,
        }
    }

    /// Whether every draw is the same value.
    pub fn is_fixed(&self) -> bool {
        matches!(self, DelayDist::Fixed(_))
            || matches!(self, DelayDist::Uniform { min, max } if min == max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::time::secs;
    use rand::SeedableRng;
    use rand_pcg::Pcg64Mcg;

    fn draws(d: DelayDist, n: usize) -> Vec<f64> {
        let mut rng = Pcg64Mcg::seed_from_u64(3);
        let mut v: Vec<f64> = (0..n).map(|_| to_secs(d.sample(&mut rng))).collect();
        v.sort_by(f64::total_cmp);
        v
    }

    #[test]
    fn fixed_delays_draw_no_random_number() {
        let mut a = Pcg64Mcg::seed_from_u64(1);
        let b = a.clone();
        assert_eq!(DelayDist::Fixed(secs(90)).sample(&mut a), secs(90));
        assert_eq!(a, b);
        assert!(DelayDist::Fixed(Micros::from_micros(7)).is_fixed());
        assert_eq!(DelayDist::Fixed(secs(90)).nominal(), secs(90));
    }

    #[test]
    fn lognormal_from_median_and_p99_hits_both_quantiles() {
        let d = DelayDist::from_median_p99(secs(1800), secs(7200));
        assert_eq!(d.nominal(), secs(1800));
        let v = draws(d, 100_000);
        let q = |p: f64| v[(p * v.len() as f64) as usize];
        assert!((q(0.5) / 1800.0 - 1.0).abs() < 0.02, "median {}", q(0.5));
        assert!((q(0.99) / 7200.0 - 1.0).abs() < 0.06, "p99 {}", q(0.99));
    }

    #[test]
    fn lognormal_from_mean_and_sd_has_that_mean_and_sd() {
        let v = draws(DelayDist::from_mean_sd(secs(600), secs(300)), 200_000);
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
        assert!((mean - 600.0).abs() < 3.0, "mean {mean}");
        assert!((sd - 300.0).abs() < 6.0, "sd {sd}");
    }

    #[test]
    fn uniform_stays_in_its_bounds_and_draws_are_capped() {
        let v = draws(
            DelayDist::Uniform {
                min: secs(1),
                max: secs(5),
            },
            10_000,
        );
        assert!(v[0] >= 1.0 && v[v.len() - 1] <= 5.0);
        assert!(v[0] < 1.01 && v[v.len() - 1] > 4.99);
        let huge = DelayDist::LogNormal {
            median_s: 1e12,
            sigma: 1.0,
        };
        assert_eq!(draws(huge, 10)[0], to_secs(MAX_DELAY));
    }
}
