//! Simulated time as integer microseconds, so that event ordering and period
//! alignment are exact and identical on every machine.

/// Simulated time or a duration, in microseconds.
pub type Micros = u64;

pub const MICROS_PER_SEC: u64 = 1_000_000;

/// Whole seconds to microseconds.
pub const fn secs(s: u64) -> Micros {
    s * MICROS_PER_SEC
}

/// Microseconds to (fractional) seconds for reports and rate arithmetic.
pub fn to_secs(t: Micros) -> f64 {
    t as f64 / MICROS_PER_SEC as f64
}
