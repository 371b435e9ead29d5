//! The API Gateway stage cache (reference §3): the production stage's cache
//! is warm; the canary's cache starts cold at the candidate's first traffic
//! and warms linearly over `warmup`. A cache hit is served fast and never
//! fails; hits of each version are counted in their own metric slot
//! (`metrics::STABLE_HIT`, `CANDIDATE_HIT`), which the stage's metrics see
//! and the function's do not.

use super::World;
use crate::metrics::{CANDIDATE_HIT, STABLE, STABLE_HIT};
use crate::sim::time::Micros;
use crate::version::{LatencySampler, ServeParams};

/// The cache-hit slot of a version slot.
pub(super) fn hit_slot(version: usize) -> usize {
    if version == STABLE {
        STABLE_HIT
    } else {
        CANDIDATE_HIT
    }
}

impl World<'_> {
    /// The cache hit ratio of `version` at time `t` (µs).
    pub(super) fn hit_ratio(&self, version: usize, t: f64) -> f64 {
        let Some(c) = &self.cache else {
            return 0.0;
        };
        if version == STABLE {
            return c.hit_ratio;
        }
        match self.faults.onset() {
            None => 0.0,
            Some(_) if c.warmup == Micros::ZERO => c.hit_ratio,
            Some(onset) => c.hit_ratio * ((t - onset.as_f64()) / c.warmup.as_f64()).clamp(0.0, 1.0),
        }
    }

    /// Whether the canary's cache warms up inside (a, b).
    pub(super) fn cache_warming(&self, a: Micros, b: Micros) -> bool {
        match (&self.cache, self.faults.onset()) {
            (Some(c), Some(onset)) => c.warmup > Micros::ZERO && a < onset + c.warmup && b > onset,
            _ => false,
        }
    }

    /// The requests a cache hit serves: fast, never failing.
    pub(super) fn hit_params(&self) -> Option<ServeParams> {
        self.cache.map(|c| ServeParams {
            error_prob: 0.0,
            latency: LatencySampler::Fixed(c.hit_latency_ms),
            latency_mult: 1.0,
            latency_add_ms: 0.0,
            timeout_ms: None,
        })
    }
}
