//! Numeric ranges of sweep values: `A..B:STEP`, `A..B:log:N` and
//! `A..B:lin:N`, expanded into the points a user expects to read back in
//! `sweep.csv` (`0..0.3:0.1` is 0, 0.1, 0.2, 0.3, never
//! 0.30000000000000004).
//!
//! Pure arithmetic on text, apart from keys and documents, so that the
//! rounding rules live and are tested in one place.

/// Most values one range may produce.
pub const MAX_RANGE_POINTS: usize = 10_000;

/// Significant digits kept for `lin`/`log` range points: enough to tell every
/// point apart, few enough to drop floating-point noise (`9.999999999999998`
/// becomes `10`).
const RANGE_SIGNIFICANT_DIGITS: usize = 12;

/// Expands a numeric range:
///
/// - `A..B:STEP`: A, A + STEP, ... up to B, including B when it lands on a
///   step (within 1e-9 steps). Points are `A + i·STEP` with an integer `i`,
///   rounded to the decimals written in A, B and STEP, so `0..0.3:0.1` gives
///   exactly 0, 0.1, 0.2, 0.3.
/// - `A..B:log:N`: N points evenly spaced in log scale, A and B included
///   (0 < A < B, N >= 2).
/// - `A..B:lin:N`: N evenly spaced points, A and B included (A < B, N >= 2).
///
/// `lin`/`log` points are rounded to 12 significant digits.
pub fn parse_range(text: &str) -> Result<Vec<f64>, String> {
    let (a_text, rest) = text
        .split_once("..")
        .ok_or("expected A..B:STEP, A..B:log:N or A..B:lin:N")?;
    let parts: Vec<&str> = rest.split(':').map(str::trim).collect();
    let a_text = a_text.trim();
    let number = |t: &str, what: &str| {
        finite(t).ok_or_else(|| format!("{what} `{t}` is not a finite number"))
    };
    let a = number(a_text, "start")?;
    let b = number(parts[0], "end")?;
    match parts[1..] {
        [] => Err("missing step: use A..B:STEP, A..B:log:N or A..B:lin:N".into()),
        [step_text] => {
            let step = number(step_text, "step")?;
            if step <= 0.0 {
                return Err(format!("step {step_text} must be > 0"));
            }
            if a > b {
                return Err(format!(
                    "start {a_text} must not be greater than end {}",
                    parts[0]
                ));
            }
            let span = (b - a) / step;
            let nearest = span.round();
            let steps = if (span - nearest).abs() <= 1e-9 * nearest.max(1.0) {
                nearest
            } else {
                span.floor()
            };
            if steps + 1.0 > MAX_RANGE_POINTS as f64 {
                return Err(format!(
                    "{} points; at most {MAX_RANGE_POINTS} per range",
                    steps + 1.0
                ));
            }
            let decimals = [a_text, parts[0], step_text]
                .iter()
                .map(|t| decimals_written(t))
                .max()
                .unwrap_or(0);
            Ok((0..=steps as usize)
                .map(|i| round_decimals(a + i as f64 * step, decimals))
                .collect())
        }
        [kind @ ("log" | "lin"), n_text] => {
            let n: usize = n_text
                .parse()
                .ok()
                .filter(|n| *n >= 2)
                .ok_or_else(|| format!("point count `{n_text}` must be an integer >= 2"))?;
            if n > MAX_RANGE_POINTS {
                return Err(format!("{n} points; at most {MAX_RANGE_POINTS} per range"));
            }
            if a >= b {
                return Err(format!("start {a_text} must be less than end {}", parts[0]));
            }
            if kind == "log" && a <= 0.0 {
                return Err("a log range needs 0 < start < end".into());
            }
            let last = (n - 1) as f64;
            Ok((0..n)
                .map(|i| {
                    let t = i as f64;
                    if i == 0 {
                        a
                    } else if i == n - 1 {
                        b
                    } else if kind == "log" {
                        round_significant((a.ln() + t / last * (b.ln() - a.ln())).exp())
                    } else {
                        let x = ((last - t) * a + t * b) / last;
                        if x.abs() <= 1e-12 * a.abs().max(b.abs()) {
                            0.0
                        } else {
                            round_significant(x)
                        }
                    }
                })
                .collect())
        }
        _ => Err("expected A..B:STEP, A..B:log:N or A..B:lin:N".into()),
    }
}

/// Decimal places a number is written with: `0.25` → 2, `5` → 0, `1.5e-3`
/// → 4 (capped at 15).
fn decimals_written(text: &str) -> usize {
    let lower = text.trim().to_ascii_lowercase();
    let (mantissa, exponent) = match lower.split_once('e') {
        Some((m, e)) => (m, e.parse::<i64>().unwrap_or(0)),
        None => (lower.as_str(), 0),
    };
    let fraction = mantissa.split_once('.').map_or(0, |(_, f)| f.len()) as i64;
    (fraction - exponent).clamp(0, 15) as usize
}

/// The nearest `f64` to `x` written with `decimals` decimal places.
fn round_decimals(x: f64, decimals: usize) -> f64 {
    no_negative_zero(format!("{x:.decimals$}").parse().unwrap_or(x))
}

fn round_significant(x: f64) -> f64 {
    let digits = RANGE_SIGNIFICANT_DIGITS - 1;
    no_negative_zero(format!("{x:.digits$e}").parse().unwrap_or(x))
}

/// `-0` would print as `-0` in sweep.csv.
fn no_negative_zero(x: f64) -> f64 {
    if x == 0.0 {
        0.0
    } else {
        x
    }
}

/// The number `text` holds, if it is finite.
pub(super) fn finite(text: &str) -> Option<f64> {
    text.parse::<f64>().ok().filter(|x| x.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_ranges_are_inclusive_and_exact() {
        assert_eq!(parse_range("1..5:1").unwrap(), [1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(parse_range("0..0.3:0.1").unwrap(), [0.0, 0.1, 0.2, 0.3]);
        assert_eq!(parse_range("0..1:0.3").unwrap(), [0.0, 0.3, 0.6, 0.9]);
        assert_eq!(parse_range("-0.3..0.3:0.1").unwrap()[3], 0.0);
        assert_eq!(parse_range("2..2:1").unwrap(), [2.0]);
        assert_eq!(
            parse_range("1e-3..3e-3:1e-3").unwrap(),
            [0.001, 0.002, 0.003]
        );
        for bad in [
            "1..5:0", "1..5:-1", "5..1:1", "a..5:1", "1..5", "1..5:x", "1..5:1:2", "0..1e9:1",
        ] {
            assert!(parse_range(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn log_and_lin_ranges_include_both_ends() {
        let log = parse_range("1..1000:log:10").unwrap();
        assert_eq!(log.len(), 10);
        assert_eq!((log[0], log[3], log[6], log[9]), (1.0, 10.0, 100.0, 1000.0));
        assert_eq!(log[1], 2.15443469003);
        assert_eq!(
            parse_range("0..1:lin:5").unwrap(),
            [0.0, 0.25, 0.5, 0.75, 1.0]
        );
        assert_eq!(parse_range("-1..1:lin:3").unwrap(), [-1.0, 0.0, 1.0]);
        for bad in [
            "0..10:log:3",
            "1..10:log:1",
            "1..10:log:x",
            "10..1:lin:3",
            "1..10:cubic:3",
        ] {
            assert!(parse_range(bad).is_err(), "{bad} accepted");
        }
    }
}
