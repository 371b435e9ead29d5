//! Poisson arrival processes: a constant base rate, optionally modulated by a
//! diurnal sinusoid and multiplied during bursts, or a replayed series of
//! per-period rates (`[traffic] replay`) times the bursts. Burst edges and
//! the replay's period edges are breakpoints (control events), so the rate
//! is constant inside a segment; the diurnal curve varies inside segments
//! and is handled by its exact integral (counts) or by thinning (arrival
//! times).

use std::f64::consts::TAU;

use crate::model::{PastEnd, Replay, Traffic};
use crate::sim::time::{to_secs, Micros};

/// The request rate of a scenario as a function of time.
#[derive(Debug, Clone, Copy)]
pub struct RateFn<'a> {
    traffic: &'a Traffic,
    /// A rate (req/s) held constant at all times, if any ([`RateFn::held`]).
    held: Option<f64>,
    /// This function's time minus the deployment's (µs): the warm-up's
    /// clock runs ahead by its length ([`RateFn::before_start`]).
    shift: i64,
}

impl<'a> RateFn<'a> {
    pub fn new(traffic: &'a Traffic) -> Self {
        RateFn {
            traffic,
            held: None,
            shift: 0,
        }
    }

    /// The rate at `t` (µs) held constant at every time.
    pub fn held(self, t: f64) -> Self {
        RateFn {
            held: Some(self.rate_at(t)),
            ..self
        }
    }

    /// The rate of the alarms' warm-up (`[metrics] warmup`), on the
    /// warm-up's clock (0 at `length` before the deployment starts): a
    /// replay's data before `start_at` — the history the alarms really saw
    /// (before the data's first period: its first rate with
    /// `past_end = "hold"`, the series' end with `"repeat"`); otherwise the
    /// rate of t = 0 held constant, since a generated profile begins at
    /// t = 0.
    pub fn before_start(self, length: Micros) -> Self {
        if self.traffic.replay.is_some() {
            RateFn {
                shift: length.as_micros() as i64,
                ..self
            }
        } else {
            self.held(0.0)
        }
    }

    /// True when the rate only changes at breakpoints.
    pub fn piecewise_constant(&self) -> bool {
        self.held.is_some() || self.traffic.diurnal.is_none()
    }

    /// The replay in force (none when a rate is held).
    fn replay(&self) -> Option<&'a Replay> {
        self.traffic.replay.as_ref().filter(|_| self.held.is_none())
    }

    /// Burst edges and replay period edges in (0, horizon], sorted.
    pub fn breakpoints(&self, horizon: Micros) -> Vec<Micros> {
        self.breakpoints_in(Micros::ZERO, horizon)
    }

    /// Burst edges and replay period edges in (a, b], sorted.
    pub fn breakpoints_in(&self, a: Micros, b: Micros) -> Vec<Micros> {
        if self.held.is_some() {
            // A held rate never changes.
            return Vec::new();
        }
        let shift = Micros::from_micros(self.shift as u64);
        let mut out: Vec<Micros> = self
            .traffic
            .bursts
            .iter()
            .flat_map(|b| [b.start, b.start.saturating_add(b.duration)])
            .map(|t| t.saturating_add(shift))
            .filter(|&t| t > a && t <= b)
            .collect();
        if let Some(r) = self.replay() {
            let (p, off) = self.replay_frame(r);
            let (mut first, mut last) = (
                (off + a.as_micros() as i64).div_euclid(p) + 1,
                (off + b.as_micros() as i64).div_euclid(p),
            );
            if r.past_end == PastEnd::Hold {
                // Outside the data the rate does not change.
                first = first.max(1);
                last = last.min(r.rates.len() as i64 - 1);
            }
            out.extend((first..=last).map(|k| Micros::from_micros((k * p - off) as u64)));
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The replay's period (µs) and the data position (µs from its first
    /// period's start) of this function's t = 0.
    fn replay_frame(&self, r: &Replay) -> (i64, i64) {
        (
            r.period.as_micros() as i64,
            r.start.as_micros() as i64 - self.shift,
        )
    }

    /// The index of the replay period in force at `t` (this function's µs).
    fn replay_index(&self, r: &Replay, t: f64) -> usize {
        let (p, off) = self.replay_frame(r);
        let k = ((off as f64 + t) / p as f64).floor() as i64;
        let n = r.rates.len() as i64;
        (match r.past_end {
            PastEnd::Repeat => k.rem_euclid(n),
            PastEnd::Hold => k.clamp(0, n - 1),
        }) as usize
    }

    /// The burst multiplier in force at `t` (product of overlapping bursts).
    pub fn burst_multiplier(&self, t: f64) -> f64 {
        let t = t - self.shift as f64;
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
        if let Some(r) = self.replay() {
            return r.rates[self.replay_index(r, t)] * self.burst_multiplier(t);
        }
        self.traffic.rate_per_s * self.diurnal_factor(t) * self.burst_multiplier(t)
    }

    /// Expected number of requests in [a, b), a segment inside which the
    /// burst multiplier (and a replay's rate) is constant. Uses the
    /// closed-form integral of the sinusoid, so no discretisation error.
    pub fn expected_count(&self, a: Micros, b: Micros) -> f64 {
        if b <= a {
            return 0.0;
        }
        if let Some(rate) = self.held {
            return rate * to_secs(b - a);
        }
        let mid = (a.as_f64() + b.as_f64()) / 2.0;
        if self.replay().is_some() {
            return self.rate_at(mid) * to_secs(b - a);
        }
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

    /// Expected number of requests in [a, b), any segment: the sum of
    /// [`RateFn::expected_count`] between the breakpoints inside it.
    pub fn integral(&self, a: Micros, b: Micros) -> f64 {
        let mut edges = vec![a];
        edges.extend(self.breakpoints_in(a, b).into_iter().filter(|&t| t < b));
        edges.push(b);
        edges
            .windows(2)
            .map(|w| self.expected_count(w[0], w[1]))
            .sum()
    }

    /// Upper bound of the rate (req/s) inside [a, b), for thinning (a
    /// segment) and the memory check (the horizon). Bursts are looked up
    /// at the middle, as inside a segment they are constant.
    pub fn max_rate(&self, a: Micros, b: Micros) -> f64 {
        if let Some(rate) = self.held {
            return rate;
        }
        let mid = (a.as_f64() + b.as_f64()) / 2.0;
        if let Some(r) = self.replay() {
            let (p, n) = (r.period.as_f64(), r.rates.len());
            let first = self.replay_index(r, a.as_f64());
            // A span of n periods or more sees every period (repeat).
            let peak = if (b - a).as_f64() >= p * n as f64 {
                r.rates.iter().copied().fold(0.0, f64::max)
            } else {
                let last = self.replay_index(r, b.as_f64().max(a.as_f64() + 1.0) - 1.0);
                let range: Box<dyn Iterator<Item = usize>> = if last >= first {
                    Box::new(first..=last)
                } else {
                    Box::new((first..n).chain(0..=last))
                };
                range.map(|i| r.rates[i]).fold(0.0, f64::max)
            };
            return peak * self.burst_multiplier(mid);
        }
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
            replay: None,
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

    /// 1, 2, 3 req/s in 60 s periods; t = 0 is 30 s into the first.
    fn replayed(past_end: PastEnd) -> Traffic {
        Traffic {
            rate_per_s: 2.0,
            diurnal: None,
            bursts: vec![],
            replay: Some(Replay {
                source: "r.csv".into(),
                format: "CSV".into(),
                period: secs(60),
                rates: vec![1.0, 2.0, 3.0].into(),
                start: secs(30),
                past_end,
            }),
        }
    }

    #[test]
    fn a_replay_is_piecewise_constant_between_its_period_edges() {
        let t = replayed(PastEnd::Repeat);
        let r = RateFn::new(&t);
        assert!(r.piecewise_constant());
        let at = |s: u64| r.rate_at(secs(s).as_f64());
        assert_eq!(
            [at(0), at(29), at(30), at(89), at(90), at(150), at(210)],
            [1.0, 1.0, 2.0, 2.0, 3.0, 1.0, 2.0]
        );
        assert_eq!(
            r.breakpoints(secs(200)),
            vec![secs(30), secs(90), secs(150)]
        );
        // 30 s × 1 + 60 s × 2 + 60 s × 3.
        assert_eq!(r.integral(Micros::ZERO, secs(150)), 330.0);
        assert_eq!(r.expected_count(secs(30), secs(90)), 120.0);
        assert_eq!(r.max_rate(Micros::ZERO, secs(30)), 1.0);
        assert_eq!(r.max_rate(Micros::ZERO, secs(60)), 2.0);
        // [150 s, 200 s) is data positions [180, 230): the first period again.
        assert_eq!(r.max_rate(secs(150), secs(200)), 1.0);
        assert_eq!(r.max_rate(secs(150), secs(220)), 2.0);
        assert_eq!(r.max_rate(Micros::ZERO, secs(1000)), 3.0);

        let t = replayed(PastEnd::Hold);
        let r = RateFn::new(&t);
        let at = |s: u64| r.rate_at(secs(s).as_f64());
        assert_eq!([at(90), at(150), at(100_000)], [3.0, 3.0, 3.0]);
        // No edge past the data's end.
        assert_eq!(r.breakpoints(secs(200)), vec![secs(30), secs(90)]);
        assert_eq!(
            r.integral(Micros::ZERO, secs(210)),
            30.0 + 120.0 + 120.0 * 3.0
        );
    }

    #[test]
    fn the_warmup_of_a_replay_reads_the_data_before_start_at() {
        // Warm-up of 120 s: its clock's [0, 120) is the deployment's
        // [-120 s, 0), data positions [-90 s, 30 s).
        let t = replayed(PastEnd::Repeat);
        let w = RateFn::new(&t).before_start(secs(120));
        // Repeat: positions [-90, -60) are the series' 2nd period, [-60, 0)
        // its 3rd, [0, 30) the 1st.
        assert_eq!(
            w.breakpoints_in(Micros::ZERO, secs(120)),
            vec![secs(30), secs(90)]
        );
        assert_eq!(w.rate_at(0.0), 2.0);
        assert_eq!(w.rate_at(secs(30).as_f64()), 3.0);
        assert_eq!(w.rate_at(secs(119).as_f64()), 1.0);
        assert_eq!(
            w.integral(Micros::ZERO, secs(120)),
            30.0 * 2.0 + 60.0 * 3.0 + 30.0
        );
        // Hold: before the data, its first period's rate.
        let t = replayed(PastEnd::Hold);
        let w = RateFn::new(&t).before_start(secs(120));
        assert!(w.breakpoints_in(Micros::ZERO, secs(120)).is_empty());
        assert_eq!(w.integral(Micros::ZERO, secs(120)), 120.0);
        // Without a replay the warm-up holds the rate of t = 0.
        let plain = traffic(None);
        let w = RateFn::new(&plain).before_start(secs(120));
        assert_eq!(w.rate_at(secs(110).as_f64()), 10.0);
    }

    #[test]
    fn bursts_multiply_a_replay() {
        let mut t = replayed(PastEnd::Repeat);
        t.bursts = vec![Burst {
            start: secs(40),
            duration: secs(20),
            multiplier: 10.0,
        }];
        let r = RateFn::new(&t);
        assert_eq!(
            r.breakpoints(secs(100)),
            vec![secs(30), secs(40), secs(60), secs(90)]
        );
        assert_eq!(r.rate_at(secs(45).as_f64()), 20.0);
        assert_eq!(
            r.integral(secs(30), secs(90)),
            10.0 * 2.0 + 20.0 * 20.0 + 30.0 * 2.0
        );
    }
}
