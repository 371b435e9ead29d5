//! Fast sampling (`--mode fast`, DESIGN.md §1): per segment and version the
//! counts are drawn directly and latency statistics from their exact sampling
//! distributions, so the cost of a segment does not grow with its rate.
//!
//! Method, per segment and version with expected arrivals Λ and mean failure
//! probability p̄ (λ-weighted over the segment):
//! - failures F ~ Poisson(Λ p̄) and non-failures S ~ Poisson(Λ (1 − p̄)),
//!   independent (marking theorem for Poisson processes) — exact, also for
//!   ramps and diurnal rates;
//! - durations D = min(mult·X + add, timeout) are iid and independent of
//!   failure. The F and S requests are spread over latency *bins* whose edges
//!   are every threshold anything counts against (SLA, timeout, log-filter
//!   duration operands) by sequential binomials (a multinomial draw). Timeouts,
//!   SLA breaches and filter matches are then exact bin counts, jointly
//!   consistent with the order statistics below;
//! - Maximum / Minimum: inside the extreme non-empty bin of m samples, the
//!   max has relative CDF position U^{1/m} (inverse CDF of F^m), the min
//!   1 − U^{1/m} (and the min of the remaining m − 1 below the max when both
//!   share a bin);
//! - the k-th order statistic (nearest-rank percentile) of a homogeneous
//!   population: find the bin holding rank k, then a Beta(j, m − j + 1)
//!   variate pushed through the inverse CDF restricted to the bin;
//! - Sum (for Average): exact per-sample draws for bins of at most
//!   [`EXACT_SUM_MAX`] samples; above, a shifted gamma matching the exact
//!   mean, variance and skewness of the truncated-lognormal sum (error in
//!   README);
//! - excess bad requests (those the candidate's baseline would have served
//!   well, see `version::Baseline`): the failures split binomially into
//!   baseline and fault failures with probability p_base / p̄ (thinning),
//!   and per bin the fault failures and the bad successes into those whose
//!   baseline duration was also bad, with the bin's conditional
//!   probability ([`excess_in_bins`]);
//! - what this cannot sample exactly falls back to per-request sampling:
//!   segments with pending cold-start requests, and percentiles over a
//!   population that mixes latency distributions (function scope with a
//!   slower candidate, or a latency fault starting mid-period), which are
//!   materialised sample by sample from their bins.

use rand::Rng;
use rand_distr::{Beta, Binomial, Distribution, Gamma, StandardNormal};

use crate::version::LatencySampler;

/// Bins with at most this many samples have their Sum drawn sample by sample.
pub const EXACT_SUM_MAX: u64 = 256;

/// The duration distribution of one version during one segment:
/// D = min(mult·X + add, cap).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DurationDist {
    pub base: LatencySampler,
    pub mult: f64,
    pub add: f64,
    /// The timeout, if any: a slower request has duration = cap.
    pub cap: Option<f64>,
}

impl DurationDist {
    fn to_base(self, y: f64) -> f64 {
        (y - self.add) / self.mult
    }

    /// P(Y > y) for the uncapped Y.
    pub fn sf(&self, y: f64) -> f64 {
        if y.is_infinite() {
            return if y > 0.0 { 0.0 } else { 1.0 };
        }
        self.base.sf(self.to_base(y))
    }

    pub fn cdf(&self, y: f64) -> f64 {
        if y.is_infinite() {
            return if y > 0.0 { 1.0 } else { 0.0 };
        }
        self.base.cdf(self.to_base(y))
    }

    /// The value inside [lo, hi) at relative probability position `v` within
    /// the bin (`one_minus_v` = 1 − v computed without cancellation).
    pub fn within(&self, lo: f64, hi: f64, v: f64, one_minus_v: f64) -> f64 {
        let from_base = |x: f64| x * self.mult + self.add;
        if let LatencySampler::Fixed(_) = self.base {
            return from_base(self.base.quantile(0.5));
        }
        let (f_lo, f_hi) = (self.cdf(lo), self.cdf(hi));
        let y = if f_lo + v * (f_hi - f_lo) < 0.5 {
            from_base(self.base.quantile(f_lo + v * (f_hi - f_lo)))
        } else {
            let (s_lo, s_hi) = (self.sf(lo), self.sf(hi));
            from_base(self.base.upper_quantile(s_hi + one_minus_v * (s_lo - s_hi)))
        };
        y.clamp(lo, if hi.is_finite() { hi } else { f64::MAX })
    }
}

/// Latency bin edges of one version: [e0 = 0, e1), [e1, e2), …, [e_last, ∞),
/// where the last bin is the timeout (every duration there equals the cap)
/// when the version has one.
#[derive(Debug, Clone, PartialEq)]
pub struct Bins {
    pub edges: Vec<f64>,
    pub capped: bool,
}

impl Bins {
    /// Edges from the thresholds that matter (SLA, filter operands) below
    /// the timeout, and the timeout itself.
    pub fn new(thresholds: &[f64], timeout: Option<f64>) -> Self {
        let mut edges: Vec<f64> = std::iter::once(0.0)
            .chain(
                thresholds
                    .iter()
                    .copied()
                    .filter(|&t| t > 0.0 && timeout.is_none_or(|c| t < c)),
            )
            .collect();
        edges.sort_by(f64::total_cmp);
        edges.dedup();
        if let Some(c) = timeout {
            edges.push(c);
        }
        Bins {
            edges,
            capped: timeout.is_some(),
        }
    }

    pub fn len(&self) -> usize {
        self.edges.len()
    }

    pub fn lo(&self, i: usize) -> f64 {
        self.edges[i]
    }

    pub fn hi(&self, i: usize) -> f64 {
        self.edges.get(i + 1).copied().unwrap_or(f64::INFINITY)
    }

    pub fn is_cap(&self, i: usize) -> bool {
        self.capped && i + 1 == self.edges.len()
    }

    /// A duration standing for every duration of bin `i` in comparisons
    /// against the edges (exact for continuous distributions, whose mass on
    /// an edge is zero, and for the cap bin).
    pub fn representative(&self, i: usize, dist: &DurationDist) -> f64 {
        if let LatencySampler::Fixed(ms) = dist.base {
            let v = ms * dist.mult + dist.add;
            return dist.cap.map_or(v, |c| v.min(c));
        }
        if self.is_cap(i) {
            return self.lo(i);
        }
        let hi = self.hi(i);
        if hi.is_finite() {
            (self.lo(i) + hi) / 2.0
        } else {
            self.lo(i) + 1.0
        }
    }
}

/// Draws a multinomial split of `n` requests over the bins.
pub fn split_into_bins<R: Rng + ?Sized>(
    rng: &mut R,
    n: u64,
    bins: &Bins,
    dist: &DurationDist,
    out: &mut Vec<u64>,
) {
    out.clear();
    out.resize(bins.len(), 0);
    if n == 0 {
        return;
    }
    if let LatencySampler::Fixed(_) = dist.base {
        // A point mass: every request in the bin holding the value.
        let v = dist.base.quantile(0.5) * dist.mult + dist.add;
        let i = (0..bins.len())
            .rev()
            .find(|&i| {
                if bins.is_cap(i) {
                    v > bins.lo(i)
                } else {
                    v >= bins.lo(i)
                }
            })
            .unwrap_or(0);
        out[i] = n;
        return;
    }
    let mut left = n;
    let mut mass_left = 1.0;
    let last = bins.len() - 1;
    for (i, slot) in out.iter_mut().enumerate() {
        if left == 0 {
            break;
        }
        if i == last {
            *slot = left;
            break;
        }
        let p = (dist.sf(bins.lo(i)) - dist.sf(bins.hi(i))).max(0.0);
        let q = if mass_left > 0.0 {
            (p / mass_left).clamp(0.0, 1.0)
        } else {
            1.0
        };
        let c = binomial(rng, left, q);
        *slot = c;
        left -= c;
        mass_left -= p;
    }
}

/// A Binomial(n, p) count.
pub fn binomial<R: Rng + ?Sized>(rng: &mut R, n: u64, p: f64) -> u64 {
    if n == 0 || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    Binomial::new(n, p).map_or(0, |d| d.sample(rng))
}

/// P(baseline duration X > `bad_over` | the faulty duration falls in bin
/// `i`): the coupled baseline of a request has the same base draw X as the
/// request (faulty duration mult·X + add), so the faulty bin restricts X.
pub fn baseline_bad_share(bins: &Bins, i: usize, dist: &DurationDist, bad_over: f64) -> f64 {
    if !bad_over.is_finite() {
        return 0.0;
    }
    if let LatencySampler::Fixed(ms) = dist.base {
        return if ms > bad_over { 1.0 } else { 0.0 };
    }
    let (lo, hi) = (bins.lo(i), bins.hi(i));
    // The faulty duration of a base draw X = bad_over.
    let y = bad_over * dist.mult + dist.add;
    let den = dist.sf(lo) - dist.sf(hi);
    if den <= 0.0 {
        return if lo >= y { 1.0 } else { 0.0 };
    }
    ((dist.sf(lo.max(y)) - dist.sf(hi)).max(0.0) / den).clamp(0.0, 1.0)
}

/// Excess bad requests of a candidate batch already split into bins
/// (`failed[i]` failures and `ok_bad[i]` slow or timed-out successes in bin
/// `i`): per bin, the failures that are the baseline's own are
/// Binomial(f, `base_share`); of the rest (fault failures) and of the bad
/// successes, those whose baseline was bad too (X > `bad_over`, the SLA or
/// the timeout) are Binomial(·, [`baseline_bad_share`]). Exact: failure
/// causes are independent of latency, and within a bin the base draws are
/// iid given the bin.
pub fn excess_in_bins<R: Rng + ?Sized>(
    rng: &mut R,
    base_share: f64,
    bins: &Bins,
    dist: &DurationDist,
    bad_over: f64,
    failed: &[u64],
    ok_bad: &[u64],
) -> u64 {
    let mut excess = 0;
    for (i, (&f, &o)) in failed.iter().zip(ok_bad).enumerate() {
        if f == 0 && o == 0 {
            continue;
        }
        let fault_failed = f - binomial(rng, f, base_share);
        let r = baseline_bad_share(bins, i, dist, bad_over);
        excess += fault_failed - binomial(rng, fault_failed, r);
        excess += o - binomial(rng, o, r);
    }
    excess
}

/// Samples of one distribution, summarised by their bin counts.
#[derive(Debug, Clone, PartialEq)]
pub struct LatencyGroup {
    pub dist: DurationDist,
    pub counts: Vec<u64>,
}

/// Position of the max of m uniform draws: (v, 1 − v) with v = U^{1/m}.
fn max_position<R: Rng + ?Sized>(rng: &mut R, m: u64) -> (f64, f64) {
    let u: f64 = 1.0 - rng.random::<f64>(); // (0, 1]
    let one_minus_v = -(u.ln() / m as f64).exp_m1();
    (1.0 - one_minus_v, one_minus_v)
}

/// Maximum and minimum of a group's samples, drawn jointly.
pub fn min_max<R: Rng + ?Sized>(rng: &mut R, g: &LatencyGroup, bins: &Bins) -> Option<(f64, f64)> {
    let top = (0..g.counts.len()).rev().find(|&i| g.counts[i] > 0)?;
    let bottom = (0..g.counts.len()).find(|&i| g.counts[i] > 0)?;
    let value_in = |rng: &mut R, i: usize, lo: f64, hi: f64, m: u64, want_max: bool| -> f64 {
        if bins.is_cap(i) {
            return bins.lo(i);
        }
        let (v, w) = max_position(rng, m);
        if want_max {
            g.dist.within(lo, hi, v, w)
        } else {
            g.dist.within(lo, hi, w, v)
        }
    };
    let max = value_in(rng, top, bins.lo(top), bins.hi(top), g.counts[top], true);
    let min = if bottom == top {
        let m = g.counts[top];
        if m == 1 || bins.is_cap(top) {
            max
        } else {
            // The other m − 1 samples lie below the max in the same bin.
            value_in(rng, top, bins.lo(top), max, m - 1, false)
        }
    } else {
        value_in(
            rng,
            bottom,
            bins.lo(bottom),
            bins.hi(bottom),
            g.counts[bottom],
            false,
        )
    };
    Some((min, max))
}

/// One sample of a bin, by inverse CDF.
fn draw_in_bin<R: Rng + ?Sized>(rng: &mut R, g: &LatencyGroup, bins: &Bins, i: usize) -> f64 {
    if bins.is_cap(i) {
        return bins.lo(i);
    }
    let v: f64 = rng.random();
    g.dist.within(bins.lo(i), bins.hi(i), v, 1.0 - v)
}

/// Appends every sample of a group, drawn bin by bin (the per-request
/// fallback for percentiles over mixed populations).
pub fn materialize<R: Rng + ?Sized>(
    rng: &mut R,
    g: &LatencyGroup,
    bins: &Bins,
    out: &mut Vec<f64>,
) {
    for (i, &m) in g.counts.iter().enumerate() {
        for _ in 0..m {
            out.push(draw_in_bin(rng, g, bins, i));
        }
    }
}

/// The nearest-rank k-th smallest (1-based) of a homogeneous population
/// given by merged bin counts of one distribution.
pub fn order_statistic<R: Rng + ?Sized>(
    rng: &mut R,
    dist: &DurationDist,
    counts: &[u64],
    bins: &Bins,
    k: u64,
) -> Option<f64> {
    let mut below = 0;
    for (i, &m) in counts.iter().enumerate() {
        if m == 0 {
            continue;
        }
        if k <= below + m {
            if bins.is_cap(i) {
                return Some(bins.lo(i));
            }
            let j = k - below; // rank inside the bin, 1..=m
            let v = if m == 1 {
                rng.random::<f64>()
            } else {
                Beta::new(j as f64, (m - j + 1) as f64).map_or(0.5, |b| b.sample(rng))
            };
            return Some(dist.within(bins.lo(i), bins.hi(i), v, 1.0 - v));
        }
        below += m;
    }
    None
}

/// Raw moments E[X^k | lo ≤ X < hi], k = 1..3, of a lognormal base.
fn truncated_lognormal_moments(mu: f64, sigma: f64, lo: f64, hi: f64) -> [f64; 3] {
    let phi = |z: f64| 0.5 * statrs::function::erf::erfc(-z / std::f64::consts::SQRT_2);
    let l = if lo > 0.0 { lo.ln() } else { f64::NEG_INFINITY };
    let h = if hi.is_finite() {
        hi.ln()
    } else {
        f64::INFINITY
    };
    let mass = |k: f64| {
        let a = (l - mu - k * sigma * sigma) / sigma;
        let b = (h - mu - k * sigma * sigma) / sigma;
        // Use the upper tail when both ends are high, for precision.
        if a > 0.0 {
            phi(-a) - phi(-b)
        } else {
            phi(b) - phi(a)
        }
    };
    let p = mass(0.0).max(f64::MIN_POSITIVE);
    let m = |k: f64| (k * mu + k * k * sigma * sigma / 2.0).exp() * mass(k) / p;
    [m(1.0), m(2.0), m(3.0)]
}

/// The Sum of a group's durations.
pub fn sum<R: Rng + ?Sized>(rng: &mut R, g: &LatencyGroup, bins: &Bins) -> f64 {
    let mut total = 0.0;
    for (i, &m) in g.counts.iter().enumerate() {
        if m == 0 {
            continue;
        }
        if bins.is_cap(i) {
            total += m as f64 * bins.lo(i);
            continue;
        }
        if let LatencySampler::Fixed(_) = g.dist.base {
            total += m as f64 * bins.representative(i, &g.dist);
            continue;
        }
        if m <= EXACT_SUM_MAX {
            for _ in 0..m {
                total += draw_in_bin(rng, g, bins, i);
            }
            continue;
        }
        let LatencySampler::LogNormal { mu, sigma } = g.dist.base else {
            unreachable!("fixed handled above");
        };
        let (a, b) = (g.dist.mult, g.dist.add);
        let lo = g.dist.to_base(bins.lo(i)).max(0.0);
        let hi = g.dist.to_base(bins.hi(i));
        let [x1, x2, x3] = truncated_lognormal_moments(mu, sigma, lo, hi);
        // Central moments of Y = a·X + b: mean shifts, the rest scale.
        let var_x = (x2 - x1 * x1).max(0.0);
        let mu3_x = x3 - 3.0 * x1 * x2 + 2.0 * x1 * x1 * x1;
        let n = m as f64;
        let mean = n * (a * x1 + b);
        let var = n * a * a * var_x;
        let mu3 = n * a * a * a * mu3_x;
        total += shifted_gamma(rng, mean, var, mu3);
    }
    total
}

/// A variate with the given mean, variance and third central moment: a
/// gamma shifted (and mirrored for negative skew) to match all three; a
/// normal when the skewness is negligible.
fn shifted_gamma<R: Rng + ?Sized>(rng: &mut R, mean: f64, var: f64, mu3: f64) -> f64 {
    if var <= 0.0 {
        return mean;
    }
    let sd = var.sqrt();
    let skew = mu3 / (var * sd);
    if skew.abs() < 1e-3 {
        let z: f64 = StandardNormal.sample(rng);
        return mean + sd * z;
    }
    let shape = 4.0 / (skew * skew);
    let scale = sd * skew.abs() / 2.0;
    let g = Gamma::new(shape, scale).map_or(shape * scale, |d| d.sample(rng));
    let centred = g - shape * scale;
    if skew > 0.0 {
        mean + centred
    } else {
        mean - centred
    }
}

/// Gauss–Legendre nodes and weights on [−1, 1], 8 points (exact for
/// polynomials of degree 15; used for λ-weighted mean failure probabilities
/// over segments where a ramp or the diurnal curve varies).
pub const GL8: [(f64, f64); 8] = [
    (-0.960_289_856_497_536_2, 0.101_228_536_290_376_26),
    (-0.796_666_477_413_626_7, 0.222_381_034_453_374_47),
    (-0.525_532_409_916_329, 0.313_706_645_877_887_3),
    (-0.183_434_642_495_649_8, 0.362_683_783_378_362),
    (0.183_434_642_495_649_8, 0.362_683_783_378_362),
    (0.525_532_409_916_329, 0.313_706_645_877_887_3),
    (0.796_666_477_413_626_7, 0.222_381_034_453_374_47),
    (0.960_289_856_497_536_2, 0.101_228_536_290_376_26),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LatencyDist;
    use rand::SeedableRng;
    use rand_pcg::Pcg64Mcg;

    fn lognormal() -> DurationDist {
        DurationDist {
            base: LatencySampler::new(LatencyDist::LogNormal {
                median_ms: 100.0,
                p99_ms: 500.0,
            }),
            mult: 1.5,
            add: 20.0,
            cap: None,
        }
    }

    fn brute(rng: &mut Pcg64Mcg, dist: &DurationDist, n: usize) -> Vec<f64> {
        (0..n)
            .map(|_| {
                let y = dist.base.sample(rng) * dist.mult + dist.add;
                dist.cap.map_or(y, |c| y.min(c))
            })
            .collect()
    }

    #[test]
    fn max_min_percentile_and_sum_match_brute_force_in_distribution() {
        let mut rng = Pcg64Mcg::seed_from_u64(11);
        for cap in [None, Some(400.0)] {
            let dist = DurationDist { cap, ..lognormal() };
            let bins = Bins::new(&[250.0], cap);
            let n = 300u64;
            let reps = 3000;
            let (mut fmax, mut fmin, mut fp90, mut fsum) = (vec![], vec![], vec![], vec![]);
            let (mut bmax, mut bmin, mut bp90, mut bsum) = (vec![], vec![], vec![], vec![]);
            let mut counts = Vec::new();
            for _ in 0..reps {
                split_into_bins(&mut rng, n, &bins, &dist, &mut counts);
                let g = LatencyGroup {
                    dist,
                    counts: counts.clone(),
                };
                let (lo, hi) = min_max(&mut rng, &g, &bins).unwrap();
                fmax.push(hi);
                fmin.push(lo);
                let k = (0.9 * n as f64).ceil() as u64;
                fp90.push(order_statistic(&mut rng, &dist, &g.counts, &bins, k).unwrap());
                fsum.push(sum(&mut rng, &g, &bins));
                let mut s = brute(&mut rng, &dist, n as usize);
                bsum.push(s.iter().sum());
                s.sort_by(f64::total_cmp);
                bmax.push(s[s.len() - 1]);
                bmin.push(s[0]);
                bp90.push(s[k as usize - 1]);
            }
            let crit = crate::stats::ks_critical_001(reps, reps);
            for (name, f, b) in [
                ("max", fmax, bmax),
                ("min", fmin, bmin),
                ("p90", fp90, bp90),
                ("sum", fsum, bsum),
            ] {
                let (mut f, mut b) = (f, b);
                let d = crate::stats::ks_statistic(&mut f, &mut b);
                assert!(d < crit, "{name} cap {cap:?}: KS {d} ≥ {crit}");
            }
        }
    }

    #[test]
    fn bin_counts_are_multinomial() {
        let mut rng = Pcg64Mcg::seed_from_u64(5);
        let dist = lognormal();
        let bins = Bins::new(&[100.0, 300.0], Some(900.0));
        let mut counts = Vec::new();
        let mut totals = [0u64; 4];
        let reps = 2000;
        let n = 500;
        for _ in 0..reps {
            split_into_bins(&mut rng, n, &bins, &dist, &mut counts);
            assert_eq!(counts.iter().sum::<u64>(), n);
            for (t, c) in totals.iter_mut().zip(&counts) {
                *t += c;
            }
        }
        let p_cap = dist.sf(900.0);
        let share = totals[3] as f64 / (reps * n) as f64;
        let se = (p_cap * (1.0 - p_cap) / (reps * n) as f64).sqrt();
        assert!((share - p_cap).abs() < 5.0 * se, "{share} vs {p_cap}");
        let p_low = dist.cdf(100.0);
        let share = totals[0] as f64 / (reps * n) as f64;
        let se = (p_low * (1.0 - p_low) / (reps * n) as f64).sqrt();
        assert!((share - p_low).abs() < 5.0 * se, "{share} vs {p_low}");
    }

    #[test]
    fn large_sum_uses_matching_moments() {
        let mut rng = Pcg64Mcg::seed_from_u64(8);
        let dist = lognormal();
        let bins = Bins::new(&[], None);
        let g = LatencyGroup {
            dist,
            counts: vec![100_000],
        };
        let sums: Vec<f64> = (0..400).map(|_| sum(&mut rng, &g, &bins) / 1e5).collect();
        let mean = sums.iter().sum::<f64>() / sums.len() as f64;
        // E[Y] = 1.5 · E[X] + 20 with E[X] = exp(μ + σ²/2).
        let LatencySampler::LogNormal { mu, sigma } = dist.base else {
            unreachable!()
        };
        let expected = 1.5 * (mu + sigma * sigma / 2.0).exp() + 20.0;
        assert!((mean / expected - 1.0).abs() < 2e-3, "{mean} vs {expected}");
    }

    #[test]
    fn excess_split_matches_the_per_request_coupling() {
        // Failure draw u, base draw X: the request fails if u < 0.2, its
        // baseline if u < 0.05; faulty duration 1.5 X + 20, baseline X;
        // bad above 250 ms (SLA) or 400 ms (timeout).
        let mut rng = Pcg64Mcg::seed_from_u64(21);
        let dist = DurationDist {
            cap: Some(400.0),
            ..lognormal()
        };
        let bins = Bins::new(&[250.0], Some(400.0));
        let (n, reps, p_total, p_base, sla) = (400u64, 2000, 0.2, 0.05, 250.0);
        let (mut fast_excess, mut brute_excess) = (0.0, 0.0);
        let (mut ok_bins, mut failed_bins) = (Vec::new(), Vec::new());
        for _ in 0..reps {
            let failed = binomial(&mut rng, n, p_total);
            split_into_bins(&mut rng, n - failed, &bins, &dist, &mut ok_bins);
            split_into_bins(&mut rng, failed, &bins, &dist, &mut failed_bins);
            let ok_bad: Vec<u64> = (0..bins.len())
                .map(|i| {
                    let bad = bins.is_cap(i) || bins.representative(i, &dist) > sla;
                    if bad {
                        ok_bins[i]
                    } else {
                        0
                    }
                })
                .collect();
            fast_excess += excess_in_bins(
                &mut rng,
                p_base / p_total,
                &bins,
                &dist,
                sla,
                &failed_bins,
                &ok_bad,
            ) as f64;
            for _ in 0..n {
                let u: f64 = rng.random();
                let x = dist.base.sample(&mut rng);
                let bad = u < p_total || x * dist.mult + dist.add > sla;
                let base_bad = u < p_base || x > sla;
                brute_excess += f64::from(u8::from(bad && !base_bad));
            }
        }
        // Per request: P(excess) = P(bad) − P(baseline bad) (baseline bad
        // implies bad here).
        let p_bad1 = 1.0 - (1.0 - p_total) * (1.0 - dist.sf(sla));
        let p_bad0 = 1.0 - (1.0 - p_base) * (1.0 - dist.base.sf(sla));
        let total = (n * reps) as f64;
        let expected = total * (p_bad1 - p_bad0);
        let tol = 5.0 * expected.sqrt();
        assert!(
            (fast_excess - expected).abs() < tol,
            "fast {fast_excess} vs {expected}"
        );
        assert!(
            (brute_excess - expected).abs() < tol,
            "brute {brute_excess} vs {expected}"
        );
    }

    #[test]
    fn without_a_latency_fault_the_baseline_shares_are_zero_or_one() {
        let dist = DurationDist {
            base: lognormal().base,
            mult: 1.0,
            add: 0.0,
            cap: Some(900.0),
        };
        let bins = Bins::new(&[100.0, 300.0], Some(900.0));
        let shares: Vec<f64> = (0..bins.len())
            .map(|i| baseline_bad_share(&bins, i, &dist, 300.0))
            .collect();
        assert_eq!(shares, [0.0, 0.0, 1.0, 1.0]);
    }
}
