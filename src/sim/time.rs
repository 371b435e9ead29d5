//! Simulated time as integer microseconds, so that event ordering and period
//! alignment are exact and identical on every machine.
//!
//! [`Micros`] is a newtype, not a bare `u64`: a count of requests, a seed or
//! a number of seconds cannot be mistaken for a time. It serves both as an
//! instant (since the start of the simulation, t = 0 at deployment start)
//! and as a duration, with the arithmetic both need: instant ± duration,
//! duration × count, and how many durations fit in another (`/`, `%`).

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Div, Mul, Rem, Sub, SubAssign};

/// Simulated time or a duration, in microseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Micros(u64);

pub const MICROS_PER_SEC: u64 = 1_000_000;

impl Micros {
    pub const ZERO: Micros = Micros(0);
    pub const MAX: Micros = Micros(u64::MAX);

    /// A time of `us` microseconds.
    #[inline]
    pub const fn from_micros(us: u64) -> Micros {
        Micros(us)
    }

    /// The number of microseconds.
    #[inline]
    pub const fn as_micros(self) -> u64 {
        self.0
    }

    /// The number of microseconds as a float (for rate arithmetic over a
    /// segment; exact below 2⁵³ µs ≈ 285 years).
    #[inline]
    pub fn as_f64(self) -> f64 {
        self.0 as f64
    }

    /// Microseconds (rounded down, saturating at 0 and at the maximum)
    /// from a float count.
    #[inline]
    pub fn from_f64(us: f64) -> Micros {
        Micros(us as u64)
    }

    /// Fractional seconds to the nearest microsecond: `(s × 10⁶).round()`,
    /// saturating like [`Micros::from_f64`] (a lognormal median, `--until`).
    #[inline]
    pub fn from_secs_f64(s: f64) -> Micros {
        Micros::from_f64((s * 1e6).round())
    }

    /// `self` times `n` (const, for limits and defaults).
    #[inline]
    pub const fn times(self, n: u64) -> Micros {
        Micros(self.0 * n)
    }

    #[inline]
    pub fn checked_sub(self, other: Micros) -> Option<Micros> {
        self.0.checked_sub(other.0).map(Micros)
    }

    #[inline]
    pub fn saturating_sub(self, other: Micros) -> Micros {
        Micros(self.0.saturating_sub(other.0))
    }

    #[inline]
    pub fn saturating_add(self, other: Micros) -> Micros {
        Micros(self.0.saturating_add(other.0))
    }

    #[inline]
    pub fn checked_add(self, other: Micros) -> Option<Micros> {
        self.0.checked_add(other.0).map(Micros)
    }

    #[inline]
    pub fn checked_mul(self, n: u64) -> Option<Micros> {
        self.0.checked_mul(n).map(Micros)
    }

    /// `self` times `n`, at most [`Micros::MAX`].
    #[inline]
    pub fn saturating_mul(self, n: u64) -> Micros {
        Micros(self.0.saturating_mul(n))
    }

    /// `self / n` rounded up: the shortest duration of which `n` cover `self`.
    #[inline]
    pub fn div_ceil(self, n: u64) -> Micros {
        Micros(self.0.div_ceil(n))
    }

    /// The greatest common divisor (Euclid); `gcd(x, 0) = x`.
    pub fn gcd(self, other: Micros) -> Micros {
        let (mut a, mut b) = (self.0, other.0);
        while b != 0 {
            (a, b) = (b, a % b);
        }
        Micros(a)
    }

    /// Whole multiples of `step` from zero up to (excluding) `self`.
    pub fn steps(self, step: Micros) -> impl Iterator<Item = Micros> {
        (0..self.0).step_by(step.0.max(1) as usize).map(Micros)
    }
}

/// Whole seconds to microseconds.
#[inline]
pub const fn secs(s: u64) -> Micros {
    Micros(s * MICROS_PER_SEC)
}

/// Microseconds to (fractional) seconds for reports and rate arithmetic.
#[inline]
pub fn to_secs(t: Micros) -> f64 {
    t.0 as f64 / MICROS_PER_SEC as f64
}

impl fmt::Display for Micros {
    /// The number of microseconds followed by `µs`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}µs", self.0)
    }
}

impl Add for Micros {
    type Output = Micros;
    #[inline]
    fn add(self, rhs: Micros) -> Micros {
        Micros(self.0 + rhs.0)
    }
}

impl AddAssign for Micros {
    #[inline]
    fn add_assign(&mut self, rhs: Micros) {
        self.0 += rhs.0;
    }
}

impl Sub for Micros {
    type Output = Micros;
    #[inline]
    fn sub(self, rhs: Micros) -> Micros {
        Micros(self.0 - rhs.0)
    }
}

impl SubAssign for Micros {
    #[inline]
    fn sub_assign(&mut self, rhs: Micros) {
        self.0 -= rhs.0;
    }
}

impl Mul<u64> for Micros {
    type Output = Micros;
    #[inline]
    fn mul(self, n: u64) -> Micros {
        Micros(self.0 * n)
    }
}

impl Mul<Micros> for u64 {
    type Output = Micros;
    #[inline]
    fn mul(self, t: Micros) -> Micros {
        Micros(self * t.0)
    }
}

impl Div<u64> for Micros {
    type Output = Micros;
    #[inline]
    fn div(self, n: u64) -> Micros {
        Micros(self.0 / n)
    }
}

/// How many whole `rhs` fit in `self`.
impl Div for Micros {
    type Output = u64;
    #[inline]
    fn div(self, rhs: Micros) -> u64 {
        self.0 / rhs.0
    }
}

impl Rem for Micros {
    type Output = Micros;
    #[inline]
    fn rem(self, rhs: Micros) -> Micros {
        Micros(self.0 % rhs.0)
    }
}

impl Sum for Micros {
    fn sum<I: Iterator<Item = Micros>>(iter: I) -> Micros {
        Micros(iter.map(|t| t.0).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_of_instants_and_durations() {
        let t = secs(90);
        assert_eq!(t + secs(30), secs(120));
        assert_eq!(t - secs(30), secs(60));
        assert_eq!(t * 2, secs(180));
        assert_eq!(2 * t, secs(180));
        assert_eq!(t / 3, secs(30));
        assert_eq!(t / secs(60), 1);
        assert_eq!(t % secs(60), secs(30));
        assert_eq!(secs(1).checked_sub(secs(2)), None);
        assert_eq!(to_secs(Micros::from_micros(1_500_000)), 1.5);
        assert_eq!(
            secs(3).steps(secs(1)).collect::<Vec<_>>(),
            [secs(0), secs(1), secs(2)]
        );
        assert_eq!(secs(60).times(60), secs(3600));
        assert_eq!(secs(1).saturating_mul(u64::MAX), Micros::MAX);
        assert_eq!(secs(10).div_ceil(3), Micros::from_micros(3_333_334));
        assert_eq!(Micros::from_secs_f64(1.5), secs(1) + secs(1) / 2);
        assert_eq!(Micros::from_secs_f64(0.000_000_6), Micros::from_micros(1));
    }
}
