//! The scenario-wide limits and defaults: what the top-level keys accept
//! (seed, replications, horizon) and the bounds several concepts share (the
//! request rate, latencies). A limit that belongs to one concept lives in
//! that concept's file (a fault's edge limit in `faults.rs`, a hook's
//! duration limit in `hooks.rs`, a kind's own in its `crate::strategy`
//! file). Defined once here, these are also what the CLI (`--reps`), the
//! run's overrides and the TOML parser's range hints quote.

use crate::sim::time::{secs, Micros};

/// Time units the limits are written in.
pub(crate) const MINUTE: Micros = secs(60);
pub(crate) const HOUR: Micros = secs(3600);
pub(crate) const DAY: Micros = secs(86_400);

pub const DEFAULT_SEED: u64 = 1;
pub const DEFAULT_REPLICATIONS: u32 = 1000;
/// Most replications a scenario gives or a run accepts (`--reps`).
pub const MAX_REPLICATIONS: u32 = 10_000_000;
pub const MAX_HORIZON: Micros = DAY.times(7);
pub const MAX_RATE_PER_S: f64 = 1e6;

/// Largest latency (ms) any latency key accepts: 15 minutes, Lambda's
/// longest timeout. Bounding latencies keeps a Sum or Average of durations
/// finite, so an alarm on them cannot be silently disabled by infinity.
pub const MAX_LATENCY_MS: f64 = 900_000.0;
