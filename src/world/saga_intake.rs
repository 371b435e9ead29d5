//! A function's world serving the calls of a `[workflow]` (`crate::saga`):
//! Step Functions invokes the function through its alias, so the alias
//! weight of the function's own deployment decides which version serves a
//! call; the calls count in its Lambda metrics like any invocation and
//! skip an API Gateway stage cache (Step Functions calls Lambda directly).
//! Fast mode serves a batch as binomial counts, exact mode call by call.
//! Which calls fail their step is decided in one place,
//! [`crate::version::step_failed`] (fast mode counts the same: Lambda
//! errors, failures plus timeouts, from `add_batch`).

use rand::Rng;

use super::latency_bins as fast;
use super::sample_exact::{baseline_prob, combine};
use super::World;
use crate::metrics::{CANDIDATE, STABLE};
use crate::model::Sampling;
use crate::saga::Piece;
use crate::sim::time::Micros;
use crate::version::ServeParams;

impl World<'_> {
    /// Generates this world's own requests of `[now, to)` and serves the
    /// workflow `calls` that reach it in that segment, then moves `now` to
    /// `to`. Nothing in this world changes inside the segment: `to` is at
    /// most the world's next control event. Writes each piece's failed
    /// calls to `failed` (same order as `calls`).
    pub(crate) fn advance_with_calls(
        &mut self,
        to: Micros,
        calls: &[Piece],
        failed: &mut Vec<u64>,
    ) {
        failed.clear();
        let a = self.now;
        debug_assert!(self.queue.peek_time().is_none_or(|next| to <= next));
        if to > a {
            self.generate(a, to);
        }
        let mid = (a.as_f64() + to.as_f64()) / 2.0;
        let stable = ServeParams::baseline(&self.func.stable);
        let mut cand = ServeParams::baseline(&self.func.candidate);
        let lat = self.faults.latency_at(mid);
        cand.latency_mult = lat.mult;
        cand.latency_add_ms = lat.add_ms;
        let q = self.faults.error_prob_at(mid);
        let p_cand = combine(cand.error_prob, q);
        let p_base = baseline_prob(cand.error_prob, q, p_cand);
        for piece in calls {
            let f = match self.sampling {
                Sampling::Exact => (0..piece.count)
                    .filter(|_| {
                        if self.traffic_rng.random::<f64>() < self.weight {
                            self.one_request(CANDIDATE, &cand, p_cand, p_base, mid)
                        } else {
                            let p = stable.error_prob;
                            self.one_request(STABLE, &stable, p, p, mid)
                        }
                    })
                    .count() as u64,
                Sampling::Fast => self.serve_batch(piece.count, &stable, &cand, p_cand, q, (a, to)),
            };
            failed.push(f);
        }
        self.now = self.now.max(to);
    }

    /// `n` calls as counts: the candidate's share by the alias weight, then
    /// failures and successes per version; returns the failed calls.
    fn serve_batch(
        &mut self,
        n: u64,
        stable: &ServeParams,
        cand: &ServeParams,
        p_cand: f64,
        q: f64,
        (a, b): (Micros, Micros),
    ) -> u64 {
        let n_cand = fast::binomial(&mut self.traffic_rng, n, self.weight);
        let n_stable = n - n_cand;
        let f_stable = fast::binomial(&mut self.traffic_rng, n_stable, stable.error_prob);
        let mut kinds = std::mem::take(&mut self.batch.kinds);
        self.split_failures(STABLE, f_stable, a, b, false, &mut kinds);
        let mut errors = self.add_batch(STABLE, stable, &kinds, n_stable - f_stable, None);
        let f_cand = fast::binomial(&mut self.traffic_rng, n_cand, p_cand);
        self.split_failures(CANDIDATE, f_cand, a, b, false, &mut kinds);
        // The coupled baseline, as in `generate_fast`: of the failures, a
        // share base / p̄ are the baseline's own while a fault acts.
        let fault_latency = cand.latency_mult != 1.0 || cand.latency_add_ms != 0.0;
        let coupling = (q > 0.0 || fault_latency).then(|| {
            if q > 0.0 && p_cand > 0.0 {
                (cand.error_prob / p_cand).clamp(0.0, 1.0)
            } else {
                1.0
            }
        });
        errors += self.add_batch(CANDIDATE, cand, &kinds, n_cand - f_cand, coupling);
        self.batch.kinds = kinds;
        errors
    }
}
