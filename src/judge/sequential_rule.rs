//! The sequential judge's decision rule, without world types (so
//! `canarysim judge sequential` replays it exactly): an anytime-valid
//! mixture likelihood-ratio test that the candidate fails more often than
//! the stable version, and for contrast the fixed per-look binomial test.
//!
//! Construction (Lindon, Ham, Tingley, Bojinov, "Rapid regression
//! detection in software deployments through sequential testing", KDD
//! 2022, §3: a Poisson-process rate-ratio test conditioned on the event
//! counts; Johari, Koomen, Pekelis, Walsh, "Always valid inference",
//! Operations Research 2022, arXiv:1512.04922, §4: mixture likelihood
//! ratios are anytime-valid):
//!
//! - within the interval since the previous look, condition on the number
//!   of errors `n = c + d` (`c` the candidate's, `d` the stable's). If both
//!   versions fail at the same per-request rate (H0), each error is the
//!   candidate's with probability `s` = candidate requests / all requests
//!   of the interval; if the candidate's rate is ρ times the stable's, with
//!   probability `q = ρs / (ρs + 1 − s)`;
//! - the interval's likelihood ratio of ρ against H0 is
//!   `(q/s)^c ((1−q)/(1−s))^d = ρ^c / (ρs + 1 − s)^(c+d)`; the ratio
//!   `L_ρ` up to a look is the product over intervals;
//! - the statistic is the mixture `M = Σ_k w_k L_{ρ_k}` over a fixed grid
//!   of ρ ≥ 1 ([`Mixture::new`]: one-sided, only a worse candidate counts
//!   as evidence). Each `L_ρ` has conditional expectation 1 per interval
//!   under H0 when errors are Poisson (the binomial moment generating
//!   function `E ρ^X = (ρs + 1 − s)^n`), and at most 1 when the versions'
//!   errors are binomial in fixed request counts (the conditional count is
//!   then hypergeometric, and Hoeffding 1963, Theorem 4, bounds the mean of
//!   a convex function of a hypergeometric count by the binomial one). So
//!   `M` is a nonnegative H0-supermartingale with `M_0 = 1`, and Ville's
//!   inequality gives `P(sup_t M_t ≥ 1/α) ≤ α`: rejecting at the first look
//!   with `M ≥ 1/α` rolls back a healthy candidate with probability at most
//!   α, however often it looks.
//!
//! What it does not promise: power against an effect below `min_effect`
//! within the deployment, or anything about latency; it never accepts (a
//! healthy candidate stays `continue` until the deployment ends).
//!
//! All in logs: `log L_ρ = c·ln ρ − n·ln(ρs + 1 − s)`, and
//! `log M = logsumexp_k(ln w_k + log L_{ρ_k})`.

use statrs::distribution::{Binomial, DiscreteCDF};

/// Points of the mixture's grid.
pub const GRID: usize = 20;

/// The mixture likelihood ratio's state: `log L_ρ` per grid point.
#[derive(Debug, Clone, PartialEq)]
pub struct Mixture {
    /// ln ρ_k, k = 1..=GRID: evenly spaced on (0, 2 ln min_effect].
    log_rho: [f64; GRID],
    /// ln w_k: a normal prior on ln ρ centred on ln min_effect with
    /// standard deviation ln(min_effect)/2, normalised over the grid.
    log_w: [f64; GRID],
    log_l: [f64; GRID],
}

impl Mixture {
    /// The grid and prior for `min_effect` (> 1): ρ from min_effect^0.1 to
    /// min_effect², weighted towards min_effect (a fixed prior chosen
    /// before any data, as the mixture's validity requires).
    pub fn new(min_effect: f64) -> Mixture {
        let centre = min_effect.ln();
        let sd = centre / 2.0;
        let log_rho: [f64; GRID] =
            std::array::from_fn(|k| 2.0 * centre * (k + 1) as f64 / GRID as f64);
        let raw: [f64; GRID] = std::array::from_fn(|k| {
            let z = (log_rho[k] - centre) / sd;
            -0.5 * z * z
        });
        let norm = log_sum_exp(&raw);
        Mixture {
            log_rho,
            log_w: raw.map(|r| r - norm),
            log_l: [0.0; GRID],
        }
    }

    /// Takes in one interval: `c` candidate and `d` stable errors, and the
    /// candidate's share `s` of the interval's requests. An interval
    /// without errors, or where one version served nothing (s = 0 or 1:
    /// the errors' owner is known under both hypotheses), changes nothing.
    pub fn update(&mut self, c: u64, d: u64, s: f64) {
        let n = (c + d) as f64;
        if n == 0.0 || s <= 0.0 || s >= 1.0 {
            return;
        }
        for (l, &lr) in self.log_l.iter_mut().zip(&self.log_rho) {
            let rho = lr.exp();
            *l += c as f64 * lr - n * (rho * s + 1.0 - s).ln();
        }
    }

    /// ln M, the log of the mixture likelihood ratio (0 at the start).
    pub fn log_statistic(&self) -> f64 {
        let terms: [f64; GRID] = std::array::from_fn(|k| self.log_w[k] + self.log_l[k]);
        log_sum_exp(&terms)
    }
}

fn log_sum_exp(xs: &[f64]) -> f64 {
    let max = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if max == f64::NEG_INFINITY {
        return max;
    }
    max + xs.iter().map(|x| (x - max).exp()).sum::<f64>().ln()
}

/// The fixed per-look rule: the one-sided p-value of the candidate's
/// cumulative errors `c` among `n` cumulative errors, when each is the
/// candidate's with probability `s` (its cumulative request share):
/// P(X ≥ c), X ~ Binomial(n, s). Rejecting whenever it is below α at any
/// of many looks is the "peeking" rule: each look is a level-α test, the
/// sequence is not.
pub fn fixed_p_value(c: u64, n: u64, s: f64) -> f64 {
    if c == 0 || n == 0 {
        return 1.0;
    }
    if s <= 0.0 {
        return 0.0;
    }
    if s >= 1.0 {
        return 1.0;
    }
    let b = Binomial::new(s, n).expect("0 < s < 1");
    // P(X >= c) = 1 - P(X <= c - 1)
    b.sf(c - 1)
}

/// One look's cumulative counts, as `canarysim judge sequential` takes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub candidate_errors: u64,
    pub candidate_requests: u64,
    pub stable_errors: u64,
    pub stable_requests: u64,
}

impl Counts {
    /// The interval from `prev` to `self` (counts are cumulative).
    pub fn since(&self, prev: &Counts) -> Option<Counts> {
        Some(Counts {
            candidate_errors: self.candidate_errors.checked_sub(prev.candidate_errors)?,
            candidate_requests: self
                .candidate_requests
                .checked_sub(prev.candidate_requests)?,
            stable_errors: self.stable_errors.checked_sub(prev.stable_errors)?,
            stable_requests: self.stable_requests.checked_sub(prev.stable_requests)?,
        })
    }

    /// The candidate's share of the requests (0 without requests).
    pub fn share(&self) -> f64 {
        let all = self.candidate_requests + self.stable_requests;
        if all == 0 {
            0.0
        } else {
            self.candidate_requests as f64 / all as f64
        }
    }
}

/// The sequential test at each look: the mixture, or the fixed rule.
#[derive(Debug, Clone, PartialEq)]
pub struct SequentialTest {
    alpha: f64,
    fixed: bool,
    mixture: Mixture,
    total: Counts,
}

/// One look's outcome.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Look {
    /// Mixture: ln M. Fixed: the one-sided p-value.
    pub statistic: f64,
    /// Mixture: ln(1/α). Fixed: α.
    pub threshold: f64,
    pub reject: bool,
}

impl SequentialTest {
    pub fn new(alpha: f64, min_effect: f64, fixed_per_look: bool) -> SequentialTest {
        SequentialTest {
            alpha,
            fixed: fixed_per_look,
            mixture: Mixture::new(min_effect),
            total: Counts::default(),
        }
    }

    /// Cumulative counts so far.
    pub fn total(&self) -> Counts {
        self.total
    }

    /// Takes in the interval `i` since the previous look and decides.
    pub fn look(&mut self, i: &Counts) -> Look {
        self.total.candidate_errors += i.candidate_errors;
        self.total.candidate_requests += i.candidate_requests;
        self.total.stable_errors += i.stable_errors;
        self.total.stable_requests += i.stable_requests;
        self.mixture
            .update(i.candidate_errors, i.stable_errors, i.share());
        if self.fixed {
            let t = &self.total;
            let p = fixed_p_value(
                t.candidate_errors,
                t.candidate_errors + t.stable_errors,
                t.share(),
            );
            Look {
                statistic: p,
                threshold: self.alpha,
                reject: p < self.alpha,
            }
        } else {
            let log_m = self.mixture.log_statistic();
            let threshold = (1.0 / self.alpha).ln();
            Look {
                statistic: log_m,
                threshold,
                reject: log_m >= threshold,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use statrs::distribution::Discrete;

    /// Hand computation (Python, same formulas): grid ln ρ_k = 2 ln 2 ·
    /// k/20, prior N(ln 2, (ln 2 / 2)²) normalised over the grid; one
    /// interval with 3 candidate and 1 stable error at s = 1/2.
    #[test]
    fn mixture_matches_hand_computed_values() {
        let mut m = Mixture::new(2.0);
        assert!(m.log_statistic().abs() < 1e-12, "M_0 = 1");
        // The grid point ρ = 2 (k = 10): ln w = -2.48105456…
        assert!((m.log_w[9] - -2.4810545606529892).abs() < 1e-12);
        assert!((m.log_rho[9] - 2.0_f64.ln()).abs() < 1e-15);
        m.update(3, 1, 0.5);
        assert!((m.log_statistic() - 0.42524258170633633).abs() < 1e-12);
        // And ρ = 2's own log ratio: 3 ln 2 − 4 ln 1.5.
        assert!((m.log_l[9] - (3.0 * 2.0_f64.ln() - 4.0 * 1.5_f64.ln())).abs() < 1e-12);
    }

    /// The edge of rejection at α = 0.05 (ln 20 = 2.9957): with equal
    /// traffic, 9 candidate errors and no stable one give ln M = 2.8878
    /// (continue), 10 give 3.2462 (reject).
    #[test]
    fn nine_lone_candidate_errors_continue_and_ten_reject() {
        let mut test = SequentialTest::new(0.05, 2.0, false);
        let look = |c| Counts {
            candidate_errors: c,
            candidate_requests: 1000,
            stable_errors: 0,
            stable_requests: 1000,
        };
        let nine = test.clone().look(&look(9));
        assert!((nine.statistic - 2.8878232393000545).abs() < 1e-12);
        assert!(!nine.reject);
        let ten = test.look(&look(10));
        assert!((ten.statistic - 3.246219911765903).abs() < 1e-12);
        assert!((ten.threshold - 20.0_f64.ln()).abs() < 1e-15);
        assert!(ten.reject);
    }

    /// The martingale property itself, exactly: under H0 the candidate's
    /// share of n errors is Binomial(n, s), and E[M after one interval] =
    /// Σ_c P(c) M(c) = 1 (each L_ρ has mean (ρs + 1 − s)^n / (ρs + 1 − s)^n).
    #[test]
    fn one_interval_has_mean_one_under_the_null() {
        for (n, s) in [(1_u64, 0.5), (5, 0.3), (40, 0.05), (200, 0.9)] {
            let b = Binomial::new(s, n).unwrap();
            let mean: f64 = (0..=n)
                .map(|c| {
                    let mut m = Mixture::new(2.0);
                    m.update(c, n - c, s);
                    b.pmf(c) * m.log_statistic().exp()
                })
                .sum();
            assert!((mean - 1.0).abs() < 1e-9, "n {n} s {s}: {mean}");
        }
    }

    /// Only a worse candidate is evidence: all errors on stable lowers M.
    #[test]
    fn one_sided_stable_errors_lower_the_statistic() {
        let mut m = Mixture::new(2.0);
        m.update(0, 10, 0.5);
        assert!(m.log_statistic() < 0.0);
    }

    /// Intervals without errors, or with one version only, change nothing.
    #[test]
    fn uninformative_intervals_change_nothing() {
        let mut m = Mixture::new(3.0);
        m.update(0, 0, 0.5);
        m.update(4, 0, 1.0);
        m.update(0, 7, 0.0);
        assert_eq!(m.log_statistic(), Mixture::new(3.0).log_statistic());
    }

    /// P(X ≥ 3), X ~ Binomial(4, 1/2) = 5/16; P(X ≥ 1) = 1 − (1/2)^4.
    #[test]
    fn fixed_p_value_is_the_binomial_upper_tail() {
        assert!((fixed_p_value(3, 4, 0.5) - 5.0 / 16.0).abs() < 1e-12);
        assert!((fixed_p_value(1, 4, 0.5) - 15.0 / 16.0).abs() < 1e-12);
        assert_eq!(fixed_p_value(0, 4, 0.5), 1.0);
        // 5 of 5 errors on a 10 % share: 1e-5 < 0.05: reject.
        let mut t = SequentialTest::new(0.05, 2.0, true);
        let l = t.look(&Counts {
            candidate_errors: 5,
            candidate_requests: 100,
            stable_errors: 0,
            stable_requests: 900,
        });
        assert!((l.statistic - 1e-5).abs() < 1e-15);
        assert!(l.reject);
    }

    #[test]
    fn counts_since_needs_non_decreasing_counts() {
        let a = Counts {
            candidate_errors: 1,
            candidate_requests: 10,
            stable_errors: 2,
            stable_requests: 90,
        };
        let b = Counts {
            candidate_errors: 3,
            candidate_requests: 20,
            stable_errors: 2,
            stable_requests: 180,
        };
        assert_eq!(
            b.since(&a),
            Some(Counts {
                candidate_errors: 2,
                candidate_requests: 10,
                stable_errors: 0,
                stable_requests: 90
            })
        );
        assert_eq!(a.since(&b), None);
        assert_eq!(b.share(), 0.1);
    }
}
