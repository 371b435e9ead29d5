//! Exact sampling (`--mode exact`, DESIGN.md §1): every request of a
//! segment is drawn one by one — Poisson counts per version for a segment
//! of constant conditions, thinning (Lewis–Shedler) where the rate, a fault
//! ramp or a cache warm-up varies inside it — and each request is served
//! with a coupled baseline draw (`version::serve_coupled`), so the excess
//! bad requests need no extra random numbers. How a failure shows (handled
//! or not, `crate::failure`) costs a draw only when the candidate has more
//! than one failure kind; its response line is matched against the
//! compiled log filters once per request.

use rand::Rng;
use rand_distr::{Distribution, Exp1, Poisson};

use super::cache::hit_slot;
use super::{is_candidate, World};
use crate::failure::draw_given_failed;
use crate::metrics::{BASELINE, CANDIDATE, STABLE};
use crate::sim::time::Micros;
use crate::version::{serve_coupled, step_failed, ServeParams};

impl World<'_> {
    /// Draws every request of the segment [a, b) one by one; `varying`:
    /// the rate, a fault or the cache warm-up changes inside it.
    pub(super) fn generate_exact(
        &mut self,
        a: Micros,
        b: Micros,
        stable: ServeParams,
        cand: ServeParams,
        hits: Option<ServeParams>,
        varying: bool,
    ) {
        let mid = (a.as_f64() + b.as_f64()) / 2.0;
        let hit_params = hits.unwrap_or(stable);
        if !varying {
            let lambda = self.rate.expected_count(a, b);
            let share_base = self.baseline_share();
            let n_stable = poisson(
                &mut self.traffic_rng,
                lambda * (1.0 - self.weight - share_base),
            );
            let n_cand = poisson(&mut self.traffic_rng, lambda * self.weight);
            // Drawn last, so a world without a pool draws what it always did.
            let n_base = poisson(&mut self.traffic_rng, lambda * share_base);
            let q = self.faults.error_prob_at(mid);
            let p_cand = combine(cand.error_prob, q);
            let p_base = baseline_prob(cand.error_prob, q, p_cand);
            let (h_stable, h_cand) = (self.hit_ratio(STABLE, mid), self.hit_ratio(CANDIDATE, mid));
            let p_stable = stable.error_prob;
            for _ in 0..n_stable {
                let (p, h) = (p_stable, h_stable);
                self.request_or_hit(STABLE, &stable, p, p, h, &hit_params, mid);
            }
            for _ in 0..n_cand {
                self.request_or_hit(CANDIDATE, &cand, p_cand, p_base, h_cand, &hit_params, mid);
            }
            for _ in 0..n_base {
                self.baseline_request(&stable, mid);
            }
        } else {
            // Thinning (Lewis–Shedler): candidate arrivals at the maximum
            // rate, each kept with probability rate(t)/max.
            let max = self.rate.max_rate(a, b);
            if max <= 0.0 {
                return;
            }
            let share_base = self.baseline_share();
            let mut t = a.as_f64();
            loop {
                let gap_s: f64 = Exp1.sample(&mut self.traffic_rng);
                t += gap_s / max * 1e6;
                if t >= b.as_f64() {
                    break;
                }
                if self.traffic_rng.random::<f64>() * max > self.rate.rate_at(t) {
                    continue;
                }
                let u = self.traffic_rng.random::<f64>();
                if u < self.weight {
                    let q = self.faults.error_prob_at(t);
                    let p = combine(cand.error_prob, q);
                    let p_base = baseline_prob(cand.error_prob, q, p);
                    let h = self.hit_ratio(CANDIDATE, t);
                    self.request_or_hit(CANDIDATE, &cand, p, p_base, h, &hit_params, t);
                } else if u < self.weight + share_base {
                    self.baseline_request(&stable, t);
                } else {
                    let h = self.hit_ratio(STABLE, t);
                    let p = stable.error_prob;
                    self.request_or_hit(STABLE, &stable, p, p, h, &hit_params, t);
                }
            }
        }
    }

    /// One request of `version`: a cache hit with probability `hit` (no
    /// random number is drawn without a cache), else served normally with
    /// failure probability `error_prob` (`base_error_prob` without faults)
    /// at time `t` (µs).
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn request_or_hit(
        &mut self,
        version: usize,
        params: &ServeParams,
        error_prob: f64,
        base_error_prob: f64,
        hit: f64,
        hit_params: &ServeParams,
        t: f64,
    ) {
        if hit > 0.0 && self.traffic_rng.random::<f64>() < hit {
            self.one_request(hit_slot(version), hit_params, 0.0, 0.0, t);
        } else {
            self.one_request(version, params, error_prob, base_error_prob, t);
        }
    }

    /// One request of the baseline pool: the stable version as it serves
    /// (its failure rate and latency, no cold start, no stage cache — the
    /// pool is its own server group). Its bad requests are the baseline's
    /// noise, never candidate exposure.
    #[inline]
    fn baseline_request(&mut self, stable: &ServeParams, t: f64) {
        let p = stable.error_prob;
        self.one_request(BASELINE, stable, p, p, t);
    }

    /// One request of a metric slot; true when it fails a saga step
    /// ([`step_failed`]). A bad candidate request is excess when its
    /// coupled baseline (failure probability `base_error_prob`, no latency
    /// fault, no cold start) would have been good. A failure of the
    /// candidate shows as drawn from the causes acting at `t`.
    #[inline]
    pub(super) fn one_request(
        &mut self,
        slot: usize,
        params: &ServeParams,
        error_prob: f64,
        base_error_prob: f64,
        t: f64,
    ) -> bool {
        let extra = if slot == CANDIDATE && self.cold_remaining > 0 {
            self.cold_remaining -= 1;
            self.cold_extra_ms
        } else {
            0.0
        };
        let (func, faults, classes) = (self.func, &self.faults, &self.cand_classes);
        let causes = &mut self.causes;
        let kind = |rng: &mut _| {
            if slot != CANDIDATE {
                func.stable.failure
            } else if classes.len() == 1 {
                classes[0]
            } else {
                causes.clear();
                causes.push((func.candidate.error_rate, func.candidate.failure));
                faults.causes_at(t, causes);
                draw_given_failed(rng, causes)
            }
        };
        let (s, base) = serve_coupled(
            &mut self.traffic_rng,
            params,
            error_prob,
            base_error_prob,
            extra,
            self.need_latency,
            kind,
        );
        self.requests_total += 1;
        self.errors_total += u64::from(s.error);
        if is_candidate(slot) {
            self.candidate_requests += 1;
            let slow = |ms: f64| self.sc.sla_ms.is_some_and(|sla| ms > sla);
            if s.error || slow(s.latency_ms) {
                self.bad_requests += 1;
                if !(base.error || slow(base.latency_ms)) {
                    self.excess_bad_requests += 1;
                }
            }
        }
        // Only a handler that returned logs a response line (not a cache
        // hit, an unhandled error or a timeout: `crate::logfilter`).
        let matched = &mut self.match_scratch;
        if (slot == STABLE || slot == CANDIDATE) && s.logs_response() {
            self.filters.matches(slot, s.status, s.latency_ms, matched);
        } else {
            matched.iter_mut().for_each(|m| *m = false);
        }
        for ws in &mut self.windows {
            ws.accs[slot].add(&s, matched, ws.keep_latency);
        }
        step_failed(&s)
    }
}

/// Failure probability of two independent causes.
#[inline]
pub(super) fn combine(p: f64, q: f64) -> f64 {
    1.0 - (1.0 - p) * (1.0 - q)
}

/// The baseline threshold of the coupled failure draw for a request that
/// fails with `total` = combine(`base`, `fault`): `base` (at most `total`)
/// while a fault acts, else `total` itself, so that without a fault the
/// baseline fails exactly when the request does (`combine(p, 0)` may differ
/// from `p` in the last bit).
#[inline]
pub(super) fn baseline_prob(base: f64, fault: f64, total: f64) -> f64 {
    if fault > 0.0 {
        base.min(total)
    } else {
        total
    }
}

/// A Poisson count; zero for a zero mean.
pub(crate) fn poisson<R: Rng + ?Sized>(rng: &mut R, lambda: f64) -> u64 {
    if lambda <= 0.0 {
        return 0;
    }
    match Poisson::new(lambda) {
        Ok(d) => d.sample(rng) as u64,
        Err(_) => 0,
    }
}
