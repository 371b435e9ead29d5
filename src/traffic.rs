//! Poisson arrival processes: a constant base rate, optionally modulated by a
//! diurnal sinusoid and multiplied during bursts. Burst edges are breakpoints
//! (control events); the diurnal curve varies inside segments and is handled
//! by its exact integral (counts) or by thinning (arrival times).

use std::f64::consts::TAU;

use crate::model::Traffic;
use crate::sim::time::{to_secs, Micros};

/// The request rate of a scenario as a function of time.
#[derive(Debug, Clone, Copy)]
pub struct RateFn<'a> {
    traffic: &'a Traffic,
    /// A rate (req/s) held constant at all times, if any ([`RateFn::held`]).
    held: Option<f64>,
}

impl<'a> RateFn<'a> {
    pub fn new(traffic: &'a Traffic) -> Self {
        RateFn {
            traffic,
            held: None,
        }
    }

    /// The rate at `t` (µs) held constant at every time: the alarms'
    /// warm-up before t = 0 (`[metrics] warmup`) runs at the rate of the
    /// deployment's start, because the traffic profile begins at t = 0.
    pub fn held(self, t: f64) -> Self {
        RateFn {
            held: Some(self.rate_at(t)),
            ..self
        }
    }

    /// True when the rate only changes at breakpoints.
    pub fn piecewise_constant(&self) -> bool {
        self.held.is_some() || self.traffic.diurnal.is_none()
    }

    /// Burst edges in (0, horizon], sorted.
    pub fn breakpoints(&self, horizon: Micros) -> Vec<Micros> {
        let mut out: Vec<Micros> = self
            .traffic
            .bursts
            .iter()
            .flat_map(|b| [b.start, b.start.saturating_add(b.duration)])
            .filter(|&t| t > Micros::ZERO && t <= horizon)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The burst multiplier in force at `t` (product of overlapping bursts).
    pub fn burst_multiplier(&self, t: f64) -> f64 {
        self.traffic
            .bursts
            .iter()
            .filter(|b| t >= b.start.as_f64() && t < b.start.saturating_add(b.duration).as_f64())
            .map(|b| b.multiplier)
            .product()
    }

    /// Diurnal factor at absolute time `t` (µs).
    fn diurnal_factor(&self, t: f64) -> f64 {
        match &self.traffic.diurnal {
            None => 1.0,
            Some(d) => {
                let x = TAU * (t + d.phase.as_f64()) / d.period.as_f64();
                1.0 + d.amplitude * x.sin()
            }
        }
    }

    /// Instantaneous rate in requests per second at `t` (µs). Bursts are
    /// looked up at `t` itself.
    pub fn rate_at(&self, t: f64) -> f64 {
        if let Some(rate) = self.held {
            return rate;
        }
        self.traffic.rate_per_s * self.diurnal_factor(t) * self.burst_multiplier(t)
    }

    /// Expected number of requests in [a, b), a segment inside which the
    /// burst multiplier is constant. Uses the closed-form integral of the
    /// sinusoid, so no discretisation error.
    pub fn expected_count(&self, a: Micros, b: Micros) -> f64 {
        if b <= a {
            return 0.0;
        }
        if let Some(rate) = self.held {
            return rate * to_secs(b - a);
        }
        let mid = (a.as_f64() + b.as_f64()) / 2.0;
        let burst = self.burst_multiplier(mid);
        let base = self.traffic.rate_per_s * burst;
        let len_s = to_secs(b - a);
        match &self.traffic.diurnal {
            None => base * len_s,
            Some(d) => {
                let period = d.period.as_f64();
                let phase = d.phase.as_f64();
                let cos = |t: f64| (TAU * (t + phase) / period).cos();
                let integral_us = (b - a).as_f64()
                    - d.amplitude * period / TAU * (cos(b.as_f64()) - cos(a.as_f64()));
                base * integral_us / 1e6
            }
        }
    }

    /// Upper bound of the rate (req/s) inside [a, b), for thinning.
    pub fn max_rate(&self, a: Micros, b: Micros) -> f64 {
        if let Some(rate) = self.held {
            return rate;
        }
        let mid = (a.as_f64() + b.as_f64()) / 2.0;
        let amp = self.traffic.diurnal.as_ref().map_or(0.0, |d| d.amplitude);
        self.traffic.rate_per_s * (1.0 + amp) * self.burst_multiplier(mid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Burst, Diurnal};
    use crate::sim::time::secs;

    fn traffic(diurnal: Option<Diurnal>) -> Traffic {
        Traffic {
            rate_per_s: 10.0,
            diurnal,
            bursts: vec![Burst {
                start: secs(100),
                duration: secs(50),
                multiplier: 3.0,
            }],
        }
    }

    #[test]
    fn constant_rate_with_burst() {
        let t = traffic(None);
        let r = RateFn::new(&t);
        assert!(r.piecewise_constant());
        assert_eq!(r.breakpoints(secs(1000)), vec![secs(100), secs(150)]);
        assert_eq!(r.expected_count(Micros::ZERO, secs(60)), 600.0);
        assert_eq!(r.expected_count(secs(100), secs(150)), 1500.0);
    }

    #[test]
    fn a_held_rate_is_the_rate_at_that_instant_at_every_time() {
        let t = traffic(Some(Diurnal {
            amplitude: 0.5,
            period: secs(3600),
            phase: secs(900),
        }));
        // At t = 110 s: 10 req/s × (1 + 0.5 sin(2π 1010/3600)) × burst 3.
        let at = secs(110).as_f64();
        let expect = 10.0 * (1.0 + 0.5 * (TAU * 1010.0 / 3600.0).sin()) * 3.0;
        let held = RateFn::new(&t).held(at);
        assert!(held.piecewise_constant());
        assert!((held.rate_at(0.0) - expect).abs() < 1e-9);
        assert!((held.max_rate(secs(500), secs(600)) - expect).abs() < 1e-9);
        let n = held.expected_count(secs(2000), secs(2060));
        assert!((n - 60.0 * expect).abs() < 1e-9);
    }

    #[test]
    fn diurnal_integral_matches_numeric_integration() {
        let t = traffic(Some(Diurnal {
            amplitude: 0.5,
            period: secs(3600),
            phase: secs(300),
        }));
        let r = RateFn::new(&t);
        let (a, b) = (secs(200), secs(1400));
        let n = 100_000;
        let h = (b - a).as_f64() / n as f64;
        let numeric: f64 = (0..n)
            .map(|i| r.rate_at(a.as_f64() + (i as f64 + 0.5) * h) * h / 1e6)
            .sum();
        // [200 s, 1400 s) overlaps the burst [100, 150)? No: it starts after it.
        let exact = r.expected_count(a, b);
        assert!(
            (numeric - exact).abs() < 1e-6 * exact,
            "{numeric} vs {exact}"
        );
        assert!(r.max_rate(a, b) >= 15.0);
    }
}
