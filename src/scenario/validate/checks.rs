//! The checks every concept shares: "give exactly one of A or B", required
//! keys, named choices, numbers (finite, positive, probabilities,
//! latencies), integer ranges and durations. Each returns the value or a
//! [`Problem`] at the key's path whose message says what is allowed, so a
//! concept file reads as its list of keys. The concept files, and the
//! strategy kinds in `crate::strategy`, use these; nothing here knows a
//! concept.

use std::fmt::Display;
use std::ops::RangeInclusive;

use super::limits::MAX_LATENCY_MS;
use crate::scenario::duration::format_duration;
use crate::scenario::error::{Problem, VResult};
use crate::scenario::key_path::KeyPath;
use crate::sim::time::Micros;

/// Which of two alternatives [`exactly_one`] found.
pub(crate) enum OneOf<A, B> {
    First(A),
    Second(B),
}

/// The "give exactly one of A or B" check: `first` and `second` are the two
/// alternatives (`None` when absent). Both given: the problem `both`
/// (a path, usually the second key, and a message); neither: `neither`.
pub(crate) fn exactly_one<A, B>(
    first: Option<A>,
    second: Option<B>,
    both: (&KeyPath, &str),
    neither: (&KeyPath, &str),
) -> VResult<OneOf<A, B>> {
    match (first, second) {
        (Some(a), None) => Ok(OneOf::First(a)),
        (None, Some(b)) => Ok(OneOf::Second(b)),
        (Some(_), Some(_)) => Err(Problem::new(both.0, both.1)),
        (None, None) => Err(Problem::new(neither.0, neither.1)),
    }
}

/// [`exactly_one`] among any number of alternatives, `given` being those
/// present: the one given, else `message` at `path` (for none as for
/// several).
pub(crate) fn exactly_one_of<T>(
    given: impl IntoIterator<Item = T>,
    path: &KeyPath,
    message: &str,
) -> VResult<T> {
    let mut given = given.into_iter();
    match (given.next(), given.next()) {
        (Some(one), None) => Ok(one),
        _ => Err(Problem::new(path, message)),
    }
}

/// A required key: `why` says who needs it.
pub(crate) fn required<T>(path: &KeyPath, value: Option<T>, why: &str) -> VResult<T> {
    value.ok_or_else(|| Problem::new(path, format!("missing required key ({why})")))
}

/// One of a few named values; the first is the default when the key is
/// absent.
pub(crate) fn choice<T: Copy>(
    path: &KeyPath,
    value: Option<&str>,
    options: &[(&str, T)],
) -> VResult<T> {
    let Some(text) = value else {
        return Ok(options[0].1);
    };
    options
        .iter()
        .find(|(name, _)| *name == text)
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            let names: Vec<&str> = options.iter().map(|(name, _)| *name).collect();
            Problem::new(
                path,
                format!("unknown value {text:?}; allowed: {}", names.join(", ")),
            )
        })
}

/// A name usable in metric math and key paths: letters, digits and `_`,
/// not starting with a digit.
pub(crate) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A number as a message shows it: `1e300`, not 301 digits.
pub(crate) fn shown(x: f64) -> String {
    if x.abs() >= 1e15 {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

pub(crate) fn finite(path: &KeyPath, value: f64) -> VResult<f64> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(Problem::new(
            path,
            format!("must be a finite number; got {value}"),
        ))
    }
}

/// A finite number > 0; `what` names it in the message ("a rate").
pub(crate) fn positive(path: &KeyPath, value: f64, what: &str) -> VResult<f64> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(Problem::new(
            path,
            format!("must be {what} > 0 (finite); got {value}"),
        ))
    }
}

pub(crate) fn probability(path: &KeyPath, value: f64) -> VResult<f64> {
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(Problem::new(
            path,
            format!("must be a probability in [0, 1]; got {value}"),
        ))
    }
}

pub(crate) fn nonzero_probability(path: &KeyPath, value: f64) -> VResult<f64> {
    if value > 0.0 && value <= 1.0 {
        Ok(value)
    } else {
        Err(Problem::new(
            path,
            format!("must be a probability in (0, 1]; got {value}"),
        ))
    }
}

/// A latency in ms: > 0, finite and at most [`MAX_LATENCY_MS`].
pub(crate) fn latency_ms(path: &KeyPath, value: f64) -> VResult<f64> {
    let ms = positive(path, value, "a latency in ms")?;
    if ms > MAX_LATENCY_MS {
        return Err(Problem::new(
            path,
            format!("must be a latency in ms from 0 to {MAX_LATENCY_MS} (15 minutes, Lambda's longest timeout); got {}", shown(ms)),
        ));
    }
    Ok(ms)
}

/// An integer in `range`, whose bounds the message shows as `from` and
/// `to` (a number, or the key a bound comes from).
pub(crate) fn integer_from_to(
    path: &KeyPath,
    value: i64,
    range: RangeInclusive<i64>,
    from: impl Display,
    to: impl Display,
) -> VResult<i64> {
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(Problem::new(
            path,
            format!("must be an integer from {from} to {to}; got {value}"),
        ))
    }
}

/// An integer >= `min`.
pub(crate) fn integer_at_least(path: &KeyPath, value: i64, min: i64) -> VResult<i64> {
    if value >= min {
        Ok(value)
    } else {
        Err(Problem::new(
            path,
            format!("must be an integer >= {min}; got {value}"),
        ))
    }
}

pub(crate) fn positive_duration(path: &KeyPath, value: Micros) -> VResult<Micros> {
    if value > Micros::ZERO {
        Ok(value)
    } else {
        Err(Problem::new(path, "must be a duration > 0, e.g. \"5m\""))
    }
}

/// A duration > 0 and at most `max`, which `max_text` states (`<= 1d`).
pub(crate) fn duration_up_to(
    path: &KeyPath,
    value: Micros,
    max: Micros,
    max_text: &str,
) -> VResult<Micros> {
    if value == Micros::ZERO || value > max {
        return Err(Problem::new(
            path,
            format!(
                "must be a duration > 0 and {max_text}; got {}",
                format_duration(value)
            ),
        ));
    }
    Ok(value)
}
