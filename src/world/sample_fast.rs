//! Fast sampling of a segment (`--mode fast`, DESIGN.md §1): per version,
//! cache hits, then Poisson failure and success counts of the misses and,
//! when durations matter, their latency-bin counts and the statistics the
//! alarms read — see [`super::latency_bins`] for the distributions. Its
//! cost does not grow with the request rate. Failures split over their
//! kinds (unhandled, handled per status; `crate::failure`) by a multinomial
//! draw when the candidate has several, and log filter matches are counted
//! per (status, latency bin) with the compiled patterns.

use super::cache::hit_slot;
use super::latency_bins::{self as fast, DurationDist, LatencyGroup, GL8};
use super::sample_exact::{combine, poisson};
use super::{is_candidate, World, FALLBACK_MIXED_PERCENTILE};
use crate::failure;
use crate::logfilter::LinePredicate;
use crate::metrics::{self, BASELINE, CANDIDATE, SLOTS, STABLE};
use crate::model::Failure;
use crate::sim::time::Micros;
use crate::version::{failure_status, ServeParams, STATUS_OK, STATUS_TIMEOUT};

impl World<'_> {
    /// The rate-weighted mean over [a, b) of `f(t)`, by 8-point
    /// Gauss–Legendre (exact for the piecewise-linear ramps and warm-ups
    /// inside a segment at a constant rate).
    fn rate_weighted_mean(&self, a: Micros, b: Micros, f: impl Fn(f64) -> f64) -> f64 {
        let mid = (a.as_f64() + b.as_f64()) / 2.0;
        let half = (b - a).as_f64() / 2.0;
        let (mut num, mut den) = (0.0, 0.0);
        for (x, w) in GL8 {
            let t = mid + half * x;
            let rate = self.rate.rate_at(t);
            num += w * rate * f(t);
            den += w * rate;
        }
        if den > 0.0 {
            (num / den).clamp(0.0, 1.0)
        } else {
            0.0
        }
    }

    /// Fast sampling of a segment: per version, cache hits, then failure and
    /// success counts of the misses and (when durations matter) their
    /// latency-bin counts; see `fast`. Hits thin the Poisson stream
    /// (marking theorem), so the misses stay Poisson.
    pub(super) fn generate_fast(
        &mut self,
        a: Micros,
        b: Micros,
        stable: &ServeParams,
        cand: &ServeParams,
        hits: Option<&ServeParams>,
        varying: bool,
    ) {
        let lambda = self.rate.expected_count(a, b);
        if lambda <= 0.0 {
            return;
        }
        let mid = (a.as_f64() + b.as_f64()) / 2.0;
        let share_base = self.baseline_share();
        // The baseline pool last, so a world without one draws as before.
        for version in [STABLE, CANDIDATE, BASELINE] {
            let (share, params) = match version {
                STABLE => (1.0 - self.weight - share_base, stable),
                CANDIDATE => (self.weight, cand),
                _ => (share_base, stable),
            };
            let mut expected = lambda * share;
            if expected <= 0.0 {
                continue;
            }
            let warming = version == CANDIDATE && self.cache_warming(a, b);
            if let Some(hit_params) = hits.filter(|_| version != BASELINE) {
                let h = if warming {
                    self.rate_weighted_mean(a, b, |t| self.hit_ratio(version, t))
                } else {
                    self.hit_ratio(version, mid)
                };
                let n = poisson(&mut self.traffic_rng, expected * h);
                self.add_batch(hit_slot(version), hit_params, &[], n, None);
                expected *= 1.0 - h;
            }
            let p = if version != CANDIDATE {
                params.error_prob
            } else if !varying {
                combine(params.error_prob, self.faults.error_prob_at(mid))
            } else {
                // Mean failure probability over the segment, weighted by the
                // rate of misses.
                let miss = |t: f64| 1.0 - self.hit_ratio(version, t);
                let p_at = |t: f64| combine(params.error_prob, self.faults.error_prob_at(t));
                let den = self.rate_weighted_mean(a, b, miss);
                if den > 0.0 {
                    (self.rate_weighted_mean(a, b, |t| miss(t) * p_at(t)) / den).clamp(0.0, 1.0)
                } else {
                    0.0
                }
            };
            let failed = poisson(&mut self.traffic_rng, expected * p);
            let ok = poisson(&mut self.traffic_rng, expected * (1.0 - p));
            // The coupled baseline: of the failures, a share p_base / p̄ are
            // the baseline's own (thinning: baseline and fault failures are
            // independent Poisson counts of means Λ p_base and Λ (p̄ − p_base)).
            let coupling = if version == CANDIDATE {
                let fault_error = self.faults.error_prob_at(mid) > 0.0
                    || (varying && self.faults.error_varies_within(a, b));
                let fault_latency = params.latency_mult != 1.0 || params.latency_add_ms != 0.0;
                let base_share = if fault_error && p > 0.0 {
                    (params.error_prob / p).clamp(0.0, 1.0)
                } else {
                    1.0
                };
                (fault_error || fault_latency).then_some(base_share)
            } else {
                None
            };
            let mut kinds = std::mem::take(&mut self.batch.kinds);
            self.split_failures(version, failed, a, b, varying, &mut kinds);
            self.add_batch(version, params, &kinds, ok, coupling);
            self.batch.kinds = kinds;
        }
    }

    /// Splits `failed` requests of a version over its failure kinds, into
    /// `out` (cleared first): all
    /// of one kind without a draw when it has one (the stable version, and
    /// a candidate whose faults fail as it does); otherwise a multinomial
    /// draw with the kinds' shares of the failure probability — at the
    /// midpoint, or rate- and miss-weighted over a varying segment, so each
    /// kind's count is Poisson with the right mean (marking theorem).
    pub(super) fn split_failures(
        &mut self,
        version: usize,
        failed: u64,
        a: Micros,
        b: Micros,
        varying: bool,
        out: &mut Vec<(Failure, u64)>,
    ) {
        out.clear();
        if version != CANDIDATE {
            out.push((self.func.stable.failure, failed));
            return;
        }
        if self.cand_classes.len() == 1 || failed == 0 {
            out.push((self.cand_classes[0], failed));
            return;
        }
        let classes = self.cand_classes.clone();
        let probs_at = |t: f64, out: &mut [f64]| {
            let mut causes = vec![(self.func.candidate.error_rate, self.func.candidate.failure)];
            self.faults.causes_at(t, &mut causes);
            failure::class_probs(&causes, &classes, out);
        };
        let mut shares = vec![0.0; classes.len()];
        if varying {
            let miss = |t: f64| 1.0 - self.hit_ratio(version, t);
            for (k, share) in shares.iter_mut().enumerate() {
                *share = self.rate_weighted_mean(a, b, |t| {
                    let mut out = vec![0.0; classes.len()];
                    probs_at(t, &mut out);
                    miss(t) * out[k]
                });
            }
        } else {
            probs_at((a.as_f64() + b.as_f64()) / 2.0, &mut shares);
        }
        let mut left = failed;
        let mut mass_left: f64 = shares.iter().sum();
        for (k, (&class, &p)) in classes.iter().zip(&shares).enumerate() {
            let n = if k + 1 == classes.len() || mass_left <= 0.0 {
                left
            } else {
                fast::binomial(&mut self.traffic_rng, left, (p / mass_left).clamp(0.0, 1.0))
            };
            out.push((class, n));
            left -= n;
            mass_left -= p;
        }
    }

    /// Adds the failures `kinds` (count per failure kind) and `ok`
    /// successes of one metric slot as counts, and returns how many of them
    /// fail a saga step: the Lambda errors (unhandled errors and timeouts,
    /// as [`crate::version::step_failed`] decides per request). With a
    /// `coupling` (the share of failures that are the baseline's own; only
    /// while a fault acts on the candidate) the excess bad requests are
    /// drawn too (`fast::excess_in_bins`); without one there are none.
    pub(super) fn add_batch(
        &mut self,
        slot: usize,
        params: &ServeParams,
        kinds: &[(Failure, u64)],
        ok: u64,
        coupling: Option<f64>,
    ) -> u64 {
        let failed: u64 = kinds.iter().map(|k| k.1).sum();
        let n = failed + ok;
        if n == 0 {
            return 0;
        }
        let mut timeouts = 0;
        let mut slow = 0;
        let mut group = None;
        // Reused buffers: the per-segment path allocates nothing.
        let mut buf = std::mem::take(&mut self.batch);
        let BatchScratch {
            kind_bins,
            ok_bins,
            statuses,
            lines,
            matches,
            ..
        } = &mut buf;
        // Per failure kind, its requests per latency bin (one bin when
        // durations are not drawn): entries [0, kinds.len()) of `kind_bins`.
        ok_bins.clear();
        if self.need_latency {
            let dist = DurationDist {
                base: params.latency,
                mult: params.latency_mult,
                add: params.latency_add_ms,
                cap: params.timeout_ms,
            };
            let bins = &self.bins[slot];
            fast::split_into_bins(&mut self.traffic_rng, ok, bins, &dist, ok_bins);
            if kinds.len() <= 1 {
                fast::split_into_bins(
                    &mut self.traffic_rng,
                    failed,
                    bins,
                    &dist,
                    &mut self.bin_scratch,
                );
                pooled(kind_bins, 0).extend_from_slice(&self.bin_scratch);
            } else {
                self.bin_scratch.clear();
                self.bin_scratch.resize(bins.len(), 0);
                for (k, &(_, count)) in kinds.iter().enumerate() {
                    let one = pooled(kind_bins, k);
                    fast::split_into_bins(&mut self.traffic_rng, count, bins, &dist, one);
                    for (total, c) in self.bin_scratch.iter_mut().zip(one.iter()) {
                        *total += c;
                    }
                }
            }
            // Bad successes per bin, kept only where the excess split needs
            // them (a faulty candidate): no allocation on the common path.
            let split = coupling.filter(|_| is_candidate(slot));
            let mut ok_bad = if split.is_some() {
                vec![0u64; bins.len()]
            } else {
                Vec::new()
            };
            for (i, &count) in ok_bins.iter().enumerate() {
                let bad = if bins.is_cap(i) {
                    timeouts += count;
                    true
                } else if self
                    .sc
                    .sla_ms
                    .is_some_and(|sla| bins.representative(i, &dist) > sla)
                {
                    slow += count;
                    true
                } else {
                    false
                };
                if bad && split.is_some() {
                    ok_bad[i] = count;
                }
            }
            if let Some(base_share) = split {
                let bad_over = self
                    .sc
                    .sla_ms
                    .unwrap_or(f64::INFINITY)
                    .min(params.timeout_ms.unwrap_or(f64::INFINITY));
                self.excess_bad_requests += fast::excess_in_bins(
                    &mut self.traffic_rng,
                    base_share,
                    bins,
                    &dist,
                    bad_over,
                    &self.bin_scratch,
                    &ok_bad,
                );
            }
            let counts: Vec<u64> = ok_bins
                .iter()
                .zip(&self.bin_scratch)
                .map(|(x, y)| x + y)
                .collect();
            group = Some(LatencyGroup { dist, counts });
        } else {
            ok_bins.push(ok);
            for (k, &(_, c)) in kinds.iter().enumerate() {
                pooled(kind_bins, k).push(c);
            }
            if let (Some(base_share), true) = (coupling, is_candidate(slot)) {
                // No durations: only failures are bad, and a fault failure is
                // always one the baseline would have served well.
                self.excess_bad_requests +=
                    failed - fast::binomial(&mut self.traffic_rng, failed, base_share);
            }
        }
        let bins = &self.bins[slot];
        let capped = |i: usize| self.need_latency && bins.is_cap(i);
        // What each kind of request shows: Lambda errors, 4xx/5xx answers
        // and the response lines logged, as (status, bin, count).
        let mut lambda_errors = timeouts;
        statuses.clear();
        statuses.push((STATUS_TIMEOUT, timeouts));
        lines.clear();
        for (i, &c) in ok_bins.iter().enumerate() {
            if !capped(i) && c > 0 {
                lines.push((STATUS_OK, i, c));
            }
        }
        for (&(kind, _), per_bin) in kinds.iter().zip(kind_bins.iter()) {
            let status = failure_status(kind);
            for (i, &c) in per_bin.iter().enumerate() {
                if c == 0 {
                    continue;
                }
                if kind == Failure::Unhandled {
                    lambda_errors += c;
                    statuses.push((status, c));
                } else if capped(i) {
                    // A handled failure slower than the timeout never returned.
                    lambda_errors += c;
                    statuses.push((STATUS_TIMEOUT, c));
                } else {
                    statuses.push((status, c));
                    lines.push((status, i, c));
                }
            }
        }
        self.requests_total += n;
        self.errors_total += failed + timeouts;
        if is_candidate(slot) {
            self.candidate_requests += n;
            self.bad_requests += failed + timeouts + slow;
        }
        // Filter matches per filter; cache hits log nothing.
        let logs = slot == STABLE || slot == CANDIDATE;
        matches.clear();
        matches.extend((0..self.filters.len()).map(|f| {
            let pred = self.filters.get(f, slot.min(CANDIDATE));
            if !logs || *pred == LinePredicate::Const(false) {
                return 0;
            }
            lines
                .iter()
                .filter(|&&(status, i, _)| {
                    let ms = match &group {
                        Some(g) => bins.representative(i, &g.dist),
                        None => 0.0,
                    };
                    pred.matches(status, ms)
                })
                .map(|l| l.2)
                .sum::<u64>()
        }));
        for ws in &mut self.windows {
            let acc = &mut ws.accs[slot];
            acc.count += n;
            acc.errors += lambda_errors;
            for &(status, c) in statuses.iter() {
                acc.add_status(status, c);
            }
            for (m, add) in acc.filter_matches.iter_mut().zip(matches.iter()) {
                *m += add;
            }
            if let Some(g) = &group {
                acc.groups.push(g.clone());
            }
        }
        self.batch = buf;
        lambda_errors
    }

    /// Fast mode, at a period close: draws the Min/Max/Sum of every latency
    /// group and the percentiles alarms read, or expands mixed populations
    /// into samples for the exact percentile path.
    pub(super) fn finalize_fast(&mut self, wi: usize) {
        let ws = &mut self.windows[wi];
        let rng = &mut self.traffic_rng;
        for v in 0..SLOTS {
            let bins = &self.bins[v];
            let acc = &mut ws.accs[v];
            for g in &acc.groups {
                if ws.need_min_max {
                    if let Some((lo, hi)) = fast::min_max(rng, g, bins) {
                        acc.min_ms = acc.min_ms.min(lo);
                        acc.max_ms = acc.max_ms.max(hi);
                    }
                }
                if ws.need_sum {
                    acc.sum_ms += fast::sum(rng, g, bins);
                }
            }
        }
        self.calc.fast_percentiles.clear();
        for &(scope, p) in &ws.percentiles {
            let population = metrics::population(scope);
            let n: u64 = population.iter().map(|&v| ws.accs[v].count).sum();
            if n == 0 {
                continue;
            }
            let mut dists = population
                .iter()
                .flat_map(|&v| ws.accs[v].groups.iter().map(|g| g.dist));
            let first = dists.next();
            let homogeneous = population.iter().all(|&v| ws.accs[v].exact_requests == 0)
                && first.is_some()
                && dists.all(|d| Some(d) == first)
                && population
                    .iter()
                    .all(|&v| self.bins[v] == self.bins[population[0]]);
            if homogeneous {
                let dist = first.expect("checked");
                let bins = &self.bins[population[0]];
                let mut merged = vec![0u64; bins.len()];
                for &v in population {
                    for g in &ws.accs[v].groups {
                        for (m, c) in merged.iter_mut().zip(&g.counts) {
                            *m += c;
                        }
                    }
                }
                let k = metrics::rank(p, n);
                if let Some(value) = fast::order_statistic(rng, &dist, &merged, bins, k) {
                    self.calc.fast_percentiles.push((scope, p, value));
                }
            } else {
                self.fallbacks |= FALLBACK_MIXED_PERCENTILE;
                for &v in population {
                    let acc = &mut ws.accs[v];
                    if !acc.materialized {
                        for g in &acc.groups {
                            fast::materialize(rng, g, &self.bins[v], &mut acc.latencies);
                        }
                        acc.materialized = true;
                    }
                }
            }
        }
    }
}

/// Reusable buffers of [`World::add_batch`] and the failure split, so the
/// per-segment path of fast mode allocates nothing.
#[derive(Debug, Default)]
pub(super) struct BatchScratch {
    /// Failures per kind of the batch being added.
    pub(super) kinds: Vec<(Failure, u64)>,
    /// Per kind, its requests per latency bin (a pool: entries past the
    /// batch's kinds are stale).
    kind_bins: Vec<Vec<u64>>,
    ok_bins: Vec<u64>,
    /// (status, count) answered.
    statuses: Vec<(u16, u64)>,
    /// Response lines logged: (status, bin, count).
    lines: Vec<(u16, usize, u64)>,
    /// Matches per log filter.
    matches: Vec<u64>,
}

/// Entry `k` of the pool, cleared (grown by one when `k` is its length).
fn pooled(pool: &mut Vec<Vec<u64>>, k: usize) -> &mut Vec<u64> {
    if pool.len() <= k {
        pool.push(Vec::new());
    }
    let v = &mut pool[k];
    v.clear();
    v
}
