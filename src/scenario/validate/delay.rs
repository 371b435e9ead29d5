//! Random delays (`RawDelay` → `model::DelayDist`): a duration string for a
//! fixed delay, or a table with exactly one pair — median and p99
//! (lognormal), mean and sd (lognormal) or min and max (uniform). Used by
//! `[deployment]` and by the kinds with control-path delays (API Gateway
//! review and operator times, Lattice propagation, SNS and function times).

use super::checks::exactly_one_of;
use crate::model::DelayDist;
use crate::scenario::duration::parse_duration;
use crate::scenario::error::{Problem, VResult};
use crate::scenario::key_path::KeyPath;
use crate::scenario::raw::RawDelay;
use crate::sim::time::Micros;

const DELAY_HINT: &str = "a duration such as \"90s\", or a table { median = \"30m\", p99 = \"2h\" }, { mean = \"10m\", sd = \"5m\" } or { min = \"1s\", max = \"5s\" }";

/// A random delay (see `RawDelay`).
pub(crate) fn delay(path: &KeyPath, raw: &RawDelay) -> VResult<DelayDist> {
    let dur = |path: &KeyPath, value: &toml::Value| -> VResult<Micros> {
        match value {
            toml::Value::String(text) => {
                parse_duration(text).map_err(|message| Problem::new(path, message))
            }
            other => Err(Problem::new(
                path,
                format!(
                    "wrong type: found {}, expected a duration string such as \"90s\"",
                    other.type_str()
                ),
            )),
        }
    };
    match &raw.0 {
        toml::Value::String(_) => Ok(DelayDist::Fixed(dur(path, &raw.0)?)),
        toml::Value::Table(table) => {
            const KEYS: [&str; 6] = ["median", "p99", "mean", "sd", "min", "max"];
            if let Some(key) = table.keys().find(|k| !KEYS.contains(&k.as_str())) {
                return Err(Problem::new(
                    &path.key(key),
                    format!("unknown key {key:?}; allowed keys here: median and p99, mean and sd, or min and max"),
                ));
            }
            let get = |key: &str| -> VResult<Option<Micros>> {
                table.get(key).map(|v| dur(&path.key(key), v)).transpose()
            };
            let pairs = [("median", "p99"), ("mean", "sd"), ("min", "max")];
            let (first, second) = exactly_one_of(
                pairs
                    .into_iter()
                    .filter(|(a, b)| table.contains_key(*a) || table.contains_key(*b)),
                path,
                &format!("give exactly one pair: median and p99, mean and sd, or min and max; {DELAY_HINT}"),
            )?;
            let need = |key: &str| -> VResult<Micros> {
                get(key)?.ok_or_else(|| {
                    Problem::new(
                        &path.key(key),
                        format!("missing required key (a delay with {first} needs {second} too); {DELAY_HINT}"),
                    )
                })
            };
            let (a, b) = (need(first)?, need(second)?);
            match first {
                "median" => {
                    if a == Micros::ZERO || b <= a {
                        return Err(Problem::new(
                            &path.key("p99"),
                            "a lognormal delay needs p99 > median > 0",
                        ));
                    }
                    Ok(DelayDist::from_median_p99(a, b))
                }
                "mean" => {
                    if a == Micros::ZERO || b == Micros::ZERO {
                        return Err(Problem::new(
                            &path.key(if a == Micros::ZERO { "mean" } else { "sd" }),
                            "a lognormal delay needs mean > 0 and sd > 0 (use a duration string for a fixed delay)",
                        ));
                    }
                    Ok(DelayDist::from_mean_sd(a, b))
                }
                _ => {
                    if b < a {
                        return Err(Problem::new(&path.key("max"), "must be >= min"));
                    }
                    Ok(DelayDist::Uniform { min: a, max: b })
                }
            }
        }
        other => Err(Problem::new(
            path,
            format!(
                "wrong type: found {}; expected {DELAY_HINT}",
                other.type_str()
            ),
        )),
    }
}
