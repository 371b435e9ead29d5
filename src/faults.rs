//! Injected candidate faults as functions of time. Every instant where a
//! fault's behaviour changes shape is a breakpoint; the world makes each one
//! a control event, so within one segment the error probability is constant
//! or (during a ramp) linear, and latency effects are constant.

use crate::failure::Cause;
use crate::model::Fault;
use crate::sim::time::Micros;

/// The candidate's faults, anchored at the moment it first received traffic.
#[derive(Debug, Clone)]
pub struct FaultTimeline<'a> {
    faults: &'a [Fault],
    /// Absolute time the candidate first received a non-zero weight.
    onset: Option<Micros>,
}

/// Latency effect in force: `latency * mult + add_ms`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatencyEffect {
    pub mult: f64,
    pub add_ms: f64,
}

impl<'a> FaultTimeline<'a> {
    pub fn new(faults: &'a [Fault]) -> Self {
        FaultTimeline {
            faults,
            onset: None,
        }
    }

    pub fn onset(&self) -> Option<Micros> {
        self.onset
    }

    /// Anchors the faults; later calls keep the first anchor.
    pub fn set_onset(&mut self, t: Micros) {
        if self.onset.is_none() {
            self.onset = Some(t);
        }
    }

    /// Absolute breakpoint times in (onset, horizon], sorted and deduplicated.
    pub fn breakpoints(&self, horizon: Micros) -> Vec<Micros> {
        let Some(onset) = self.onset else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut push = |t: Micros| {
            if t > onset && t <= horizon {
                out.push(t);
            }
        };
        for f in self.faults {
            match *f {
                Fault::StepError { after, .. } | Fault::LatencyShift { after, .. } => {
                    push(onset.saturating_add(after))
                }
                Fault::RampError { after, over, .. } => {
                    push(onset.saturating_add(after));
                    push(onset.saturating_add(after).saturating_add(over));
                }
                Fault::Intermittent { after, on, off, .. } => {
                    let mut t = onset.saturating_add(after);
                    let mut is_on = true;
                    while t <= horizon {
                        push(t);
                        t = t.saturating_add(if is_on { on } else { off });
                        is_on = !is_on;
                    }
                }
                Fault::ColdStart { .. } => {}
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Extra failure probability from faults at absolute time `t` (µs, may be
    /// fractional: per-request arrival times during a ramp).
    pub fn error_prob_at(&self, t: f64) -> f64 {
        let Some(onset) = self.onset else {
            return 0.0;
        };
        let since = t - onset.as_f64();
        let mut survive = 1.0;
        for f in self.faults {
            survive *= 1.0 - fault_prob(f, since);
        }
        1.0 - survive
    }

    /// Appends each error fault's failure probability at absolute time `t`
    /// and how its failures show, in file order (`crate::failure` decides
    /// which shows when several fire).
    pub fn causes_at(&self, t: f64, out: &mut Vec<Cause>) {
        let Some(onset) = self.onset else {
            return;
        };
        let since = t - onset.as_f64();
        for f in self.faults {
            if let Some(failure) = f.failure() {
                out.push((fault_prob(f, since), failure));
            }
        }
    }

    /// Whether the extra failure probability changes continuously inside
    /// (a, b): a ramp is in progress there.
    pub fn error_varies_within(&self, a: Micros, b: Micros) -> bool {
        let Some(onset) = self.onset else {
            return false;
        };
        self.faults.iter().any(|f| match *f {
            Fault::RampError {
                after,
                over,
                from,
                to,
                ..
            } => {
                let start = onset.saturating_add(after);
                let end = start.saturating_add(over);
                from != to && a < end && b > start
            }
            _ => false,
        })
    }

    /// Latency effect at absolute time `t` (a segment midpoint).
    pub fn latency_at(&self, t: f64) -> LatencyEffect {
        let mut effect = LatencyEffect {
            mult: 1.0,
            add_ms: 0.0,
        };
        let Some(onset) = self.onset else {
            return effect;
        };
        let since = t - onset.as_f64();
        for f in self.faults {
            if let Fault::LatencyShift {
                after,
                add_ms,
                multiplier,
            } = *f
            {
                if since >= after.as_f64() {
                    effect.mult *= multiplier;
                    effect.add_ms += add_ms;
                }
            }
        }
        effect
    }

    /// When a fault first affects the candidate's requests (absolute time):
    /// onset plus the earliest `after` (a cold start acts from the onset).
    /// `None` for a healthy candidate or before the onset.
    pub fn first_effect(&self) -> Option<Micros> {
        let onset = self.onset?;
        self.faults
            .iter()
            .map(|f| match *f {
                Fault::StepError { after, .. }
                | Fault::RampError { after, .. }
                | Fault::Intermittent { after, .. }
                | Fault::LatencyShift { after, .. } => after,
                Fault::ColdStart { .. } => Micros::ZERO,
            })
            .min()
            .map(|after| onset.saturating_add(after))
    }

    /// Cold start: the first `requests` candidate requests take `extra_ms` more.
    pub fn cold_start(&self) -> Option<(u64, f64)> {
        self.faults.iter().find_map(|f| match *f {
            Fault::ColdStart { requests, extra_ms } => Some((requests, extra_ms)),
            _ => None,
        })
    }
}

/// One fault's failure probability `since` µs after the onset.
fn fault_prob(f: &Fault, since: f64) -> f64 {
    match *f {
        Fault::StepError {
            after, error_rate, ..
        } if since >= after.as_f64() => error_rate,
        Fault::RampError {
            after,
            over,
            from,
            to,
            ..
        } if since >= after.as_f64() => {
            let x = ((since - after.as_f64()) / over.as_f64()).min(1.0);
            from + (to - from) * x
        }
        Fault::Intermittent {
            after,
            on,
            off,
            error_rate,
            ..
        } if since >= after.as_f64() => {
            let cycle = (on + off).as_f64();
            let pos = (since - after.as_f64()) % cycle;
            if pos < on.as_f64() {
                error_rate
            } else {
                0.0
            }
        }
        _ => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Failure;
    use crate::sim::time::secs;

    #[test]
    fn step_starts_after_onset_plus_delay() {
        let faults = [Fault::StepError {
            after: secs(60),
            error_rate: 0.2,
            failure: Failure::Unhandled,
        }];
        let mut tl = FaultTimeline::new(&faults);
        assert_eq!(tl.error_prob_at(1e9), 0.0, "no onset, no fault");
        tl.set_onset(secs(100));
        assert_eq!(tl.breakpoints(secs(1000)), vec![secs(160)]);
        assert_eq!(tl.error_prob_at(secs(159).as_f64()), 0.0);
        assert!((tl.error_prob_at(secs(160).as_f64()) - 0.2).abs() < 1e-12);
        tl.set_onset(secs(500));
        assert_eq!(tl.onset(), Some(secs(100)), "first onset wins");
    }

    #[test]
    fn ramp_is_linear_then_flat_and_intermittent_alternates() {
        let faults = [
            Fault::RampError {
                after: Micros::ZERO,
                over: secs(100),
                from: 0.0,
                to: 0.5,
                failure: Failure::Unhandled,
            },
            Fault::Intermittent {
                after: secs(1000),
                on: secs(10),
                off: secs(30),
                error_rate: 1.0,
                failure: Failure::Handled { status: 503 },
            },
        ];
        let mut tl = FaultTimeline::new(&faults);
        tl.set_onset(Micros::ZERO);
        assert!((tl.error_prob_at(secs(50).as_f64()) - 0.25).abs() < 1e-12);
        assert!((tl.error_prob_at(secs(500).as_f64()) - 0.5).abs() < 1e-12);
        assert!(tl.error_varies_within(secs(10), secs(20)));
        assert!(!tl.error_varies_within(secs(100), secs(200)));
        assert_eq!(tl.error_prob_at(secs(1005).as_f64()), 1.0);
        assert!((tl.error_prob_at(secs(1015).as_f64()) - 0.5).abs() < 1e-12);
        assert_eq!(
            tl.breakpoints(secs(1050)),
            vec![secs(100), secs(1000), secs(1010), secs(1040), secs(1050)]
        );
    }

    #[test]
    fn latency_shift_composes() {
        let faults = [Fault::LatencyShift {
            after: secs(5),
            add_ms: 100.0,
            multiplier: 2.0,
        }];
        let mut tl = FaultTimeline::new(&faults);
        tl.set_onset(Micros::ZERO);
        assert_eq!(tl.latency_at(1.0).mult, 1.0);
        let e = tl.latency_at(secs(6).as_f64());
        assert_eq!((e.mult, e.add_ms), (2.0, 100.0));
    }
}
