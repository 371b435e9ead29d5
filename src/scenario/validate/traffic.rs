//! `[traffic]` (also a function's `traffic`): the request rate, given per
//! second or per minute, the daily pattern and bursts. The rate limit
//! ([`MAX_RATE_PER_S`]) holds during bursts too: beyond it the Poisson
//! sampler cannot draw. A `replay` (`super::replay`) takes the place of the
//! rate keys and the daily pattern; bursts multiply it.

use std::path::Path;

use super::checks::{exactly_one, positive, positive_duration, OneOf};
use super::limits::MAX_RATE_PER_S;
use crate::model::{Burst, Diurnal, Traffic};
use crate::scenario::error::{Problem, VResult};
use crate::scenario::key_path::KeyPath;
use crate::scenario::raw::RawTraffic;
use crate::sim::time::Micros;

/// Validates a traffic table; `base` is the scenario file's folder (a
/// replay's path is relative to it).
pub(super) fn traffic(path: &KeyPath, raw: &RawTraffic, base: &Path) -> VResult<Traffic> {
    if let Some(replay) = super::replay::replay(path, raw, base)? {
        let n = replay.rates.len() as f64;
        let mean = replay.rates.iter().sum::<f64>() / n;
        let peak = replay.rates.iter().copied().fold(0.0, f64::max);
        let bursts = bursts(path, raw, peak)?;
        return Ok(Traffic {
            rate_per_s: mean,
            diurnal: None,
            bursts,
            replay: Some(replay),
        });
    }
    let rate = exactly_one(
        raw.rate_per_s,
        raw.rate_per_min,
        (
            &path.key("rate_per_min"),
            "give exactly one of rate_per_s or rate_per_min, not both",
        ),
        (
            path,
            "missing request rate: give exactly one of rate_per_s or rate_per_min (or replay = \"FILE\", recorded traffic)",
        ),
    )?;
    let rate_per_s = match rate {
        OneOf::First(rate) => {
            let rate = positive(&path.key("rate_per_s"), rate, "a rate")?;
            if rate > MAX_RATE_PER_S {
                return Err(Problem::new(
                    &path.key("rate_per_s"),
                    format!("must be <= {MAX_RATE_PER_S} requests per second; got {rate}"),
                ));
            }
            rate
        }
        OneOf::Second(rate) => {
            let key = path.key("rate_per_min");
            let rate = positive(&key, rate, "a rate")?;
            if rate / 60.0 > MAX_RATE_PER_S {
                return Err(Problem::new(
                    &key,
                    format!(
                        "must be <= {} requests per minute; got {rate}",
                        MAX_RATE_PER_S * 60.0
                    ),
                ));
            }
            rate / 60.0
        }
    };
    let diurnal = match &raw.diurnal {
        None => None,
        Some(d) => {
            let p = path.key("diurnal");
            if !(0.0..1.0).contains(&d.amplitude) {
                return Err(Problem::new(
                    &p.key("amplitude"),
                    format!(
                        "must be in [0, 1) so the rate stays positive; got {}",
                        d.amplitude
                    ),
                ));
            }
            Some(Diurnal {
                amplitude: d.amplitude,
                period: positive_duration(&p.key("period"), d.period.0)?,
                phase: d.phase.map_or(Micros::ZERO, |p| p.0),
            })
        }
    };
    let bursts = bursts(path, raw, rate_per_s)?;
    Ok(Traffic {
        rate_per_s,
        diurnal,
        bursts,
        replay: None,
    })
}

/// The bursts of `raw`; `peak` is the highest rate they may multiply (a
/// replay's peak, conservatively, wherever the burst falls).
fn bursts(path: &KeyPath, raw: &RawTraffic, peak: f64) -> VResult<Vec<Burst>> {
    let bursts = raw
        .bursts
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let p = path.key("bursts").index(i);
            Ok(Burst {
                start: b.start.0,
                duration: positive_duration(&p.key("duration"), b.duration.0)?,
                multiplier: positive(&p.key("multiplier"), b.multiplier, "a multiplier")?,
            })
        })
        .collect::<VResult<Vec<_>>>()?;
    // The rate limit holds during bursts too (overlapping bursts multiply);
    // beyond it the Poisson sampler cannot draw and a burst would be lost.
    for (i, b) in bursts.iter().enumerate() {
        let overlapping: f64 = bursts
            .iter()
            .filter(|o| o.start <= b.start && b.start - o.start < o.duration)
            .map(|o| o.multiplier)
            .product();
        let peak = peak * overlapping;
        if peak > MAX_RATE_PER_S {
            return Err(Problem::new(
                &path.key("bursts").index(i).key("multiplier"),
                format!("the rate during this burst (rate × the multipliers of the bursts in force) must be <= {MAX_RATE_PER_S} requests per second; got {peak:e}"),
            ));
        }
    }
    Ok(bursts)
}
