//! Human durations in scenario files: "90s", "5m", "1.5h", "250ms", "2d",
//! "1h30m", converted exactly (decimal arithmetic, no float rounding) to
//! integer microseconds.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};

use crate::sim::time::Micros;

/// Units accepted after a number, with their length in microseconds.
const UNITS: [(&str, u128); 6] = [
    ("us", 1),
    ("ms", 1_000),
    ("s", 1_000_000),
    ("m", 60_000_000),
    ("h", 3_600_000_000),
    ("d", 86_400_000_000),
];

/// What a duration looks like, appended to every duration error.
pub const DURATION_HINT: &str =
    "a duration is a number with a unit us, ms, s, m, h or d, e.g. \"90s\", \"5m\", \"1.5h\", \"250ms\", \"1h30m\"";

/// Parses a duration such as `"90s"`, `"5m"`, `"1h"`, `"1.5h"`, `"250ms"`,
/// `"2d"` or a combination such as `"1h30m"` (components are added).
/// Units: `us`, `ms`, `s`, `m` (minutes), `h`, `d`. Rejects empty text,
/// negative values, NaN/infinity, a missing unit and values that are not a
/// whole number of microseconds.
pub fn parse_duration(s: &str) -> Result<Micros, String> {
    let text = s.trim();
    let fail = |what: &str| Err(format!("invalid duration {s:?}: {what}; {DURATION_HINT}"));
    if text.is_empty() {
        return fail("empty");
    }
    if text.starts_with('-') {
        return fail("negative durations are not allowed");
    }
    let bytes = text.as_bytes();
    let mut pos = 0;
    let mut total: u128 = 0;
    // Components must use each unit once, largest first ("1h30m", not
    // "1h1h" or "30m1h"): a repeated unit is almost always a typo.
    let mut last_unit: Option<u128> = None;
    while pos < bytes.len() {
        // Number: digits, optionally '.' and more digits.
        let int_start = pos;
        while pos < bytes.len() && bytes[pos].is_ascii_digit() {
            pos += 1;
        }
        let int_digits = &text[int_start..pos];
        let mut frac_digits = "";
        if pos < bytes.len() && bytes[pos] == b'.' {
            pos += 1;
            let frac_start = pos;
            while pos < bytes.len() && bytes[pos].is_ascii_digit() {
                pos += 1;
            }
            frac_digits = &text[frac_start..pos];
        }
        if int_digits.is_empty() && frac_digits.is_empty() {
            let rest: String = text[int_start..].chars().take(12).collect();
            return fail(&format!("expected a number at {rest:?}"));
        }
        // Unit: letters (µ allowed for microseconds).
        let unit_start = pos;
        while pos < text.len() {
            let c = text[pos..].chars().next().unwrap_or(' ');
            if c.is_alphabetic() {
                pos += c.len_utf8();
            } else {
                break;
            }
        }
        let unit = &text[unit_start..pos];
        if unit.is_empty() {
            return fail("missing unit after the number");
        }
        let unit_micros = match UNITS
            .iter()
            .find(|(name, _)| *name == unit || (unit == "µs" && *name == "us"))
        {
            Some((_, micros)) => *micros,
            None => return fail(&format!("unknown unit {unit:?}")),
        };
        if last_unit.is_some_and(|last| unit_micros >= last) {
            return fail(&format!(
                "unit {unit:?} repeated or out of order; combine units once each, largest first, e.g. \"1h30m\""
            ));
        }
        last_unit = Some(unit_micros);
        if int_digits.len() > 18 || frac_digits.len() > 18 {
            return fail("too many digits");
        }
        let int_value: u128 = if int_digits.is_empty() {
            0
        } else {
            match int_digits.parse() {
                Ok(v) => v,
                Err(_) => return fail("bad number"),
            }
        };
        let (frac_value, frac_scale): (u128, u128) = if frac_digits.is_empty() {
            (0, 1)
        } else {
            match frac_digits.parse() {
                Ok(v) => (v, 10u128.pow(frac_digits.len() as u32)),
                Err(_) => return fail("bad number"),
            }
        };
        let frac_micros = frac_value * unit_micros;
        if frac_micros % frac_scale != 0 {
            return fail("finer than one microsecond");
        }
        total += int_value * unit_micros + frac_micros / frac_scale;
        if total > u128::from(u64::MAX) {
            return fail("too large");
        }
    }
    u64::try_from(total)
        .map(Micros::from_micros)
        .or_else(|_| fail("too large"))
}

/// Formats a duration compactly with the units of `parse_duration`, e.g.
/// `1h30m`, `90ms`, `0s`; the result parses back to the same value.
pub fn format_duration(micros: Micros) -> String {
    if micros == Micros::ZERO {
        return "0s".to_string();
    }
    let mut rest = u128::from(micros.as_micros());
    let mut out = String::new();
    for (name, size) in UNITS.iter().rev() {
        let count = rest / size;
        if count > 0 {
            out.push_str(&format!("{count}{name}"));
            rest -= count * size;
        }
    }
    out
}

/// A duration field in the raw scenario: a string parsed by `parse_duration`
/// during deserialization, so its errors carry the key path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dur(pub Micros);

impl schemars::JsonSchema for Dur {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": DURATION_HINT,
            "pattern": DURATION_PATTERN,
            "examples": ["90s", "5m", "1.5h", "250ms", "1h30m"]
        })
    }
}

/// The shape of a duration as a regular expression (for the JSON Schema):
/// number-unit components, each unit at most once, largest first (the
/// order itself is checked by [`parse_duration`]).
pub const DURATION_PATTERN: &str = r"^\s*([0-9]+(\.[0-9]*)?|\.[0-9]+)(d|h|m|s|ms|us|µs)(([0-9]+(\.[0-9]*)?|\.[0-9]+)(d|h|m|s|ms|us|µs))*\s*$";

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(DurVisitor)
    }
}

struct DurVisitor;

impl Visitor<'_> for DurVisitor {
    type Value = Dur;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a duration string such as \"90s\", \"5m\" or \"1h\"")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Dur, E> {
        parse_duration(v).map(Dur).map_err(E::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::time::secs;

    fn us(n: u64) -> Micros {
        Micros::from_micros(n)
    }

    #[test]
    fn accepts_common_forms() {
        assert_eq!(parse_duration("90s"), Ok(secs(90)));
        assert_eq!(parse_duration("5m"), Ok(secs(300)));
        assert_eq!(parse_duration("1h"), Ok(secs(3600)));
        assert_eq!(parse_duration("1.5h"), Ok(secs(5400)));
        assert_eq!(parse_duration("250ms"), Ok(us(250_000)));
        assert_eq!(parse_duration("2d"), Ok(secs(172_800)));
        assert_eq!(parse_duration("1h30m"), Ok(secs(5400)));
        assert_eq!(parse_duration("1m30s500ms"), Ok(us(90_500_000)));
        assert_eq!(parse_duration(" 0s "), Ok(us(0)));
        assert_eq!(parse_duration("0.5s"), Ok(us(500_000)));
        assert_eq!(parse_duration(".5s"), Ok(us(500_000)));
        assert_eq!(parse_duration("7us"), Ok(us(7)));
        assert_eq!(parse_duration("3µs"), Ok(us(3)));
    }

    #[test]
    fn rejects_bad_forms() {
        for bad in [
            "1h1h",
            "30m1h",
            "1s1s",
            "",
            "  ",
            "-5s",
            "nan",
            "NaNs",
            "inf",
            "infs",
            "90",
            "5x",
            "1.5",
            "s",
            "5 m",
            "1e3s",
            "0.1us",
            "1h-5m",
            "..5s",
            "99999999999999999999d",
            "5mm",
        ] {
            let err = parse_duration(bad).expect_err(bad);
            assert!(err.contains("invalid duration"), "{bad}: {err}");
            assert!(err.contains("\"90s\""), "{bad}: hint missing in {err}");
        }
        assert!(parse_duration("-5s").unwrap_err().contains("negative"));
        assert!(parse_duration("90").unwrap_err().contains("missing unit"));
        assert!(parse_duration("5x")
            .unwrap_err()
            .contains("unknown unit \"x\""));
    }

    #[test]
    fn format_round_trips() {
        for micros in [
            us(0),
            us(1),
            us(1_500),
            secs(90),
            secs(5400),
            secs(86_400 + 61),
            us(123_456_789),
        ] {
            let text = format_duration(micros);
            assert_eq!(parse_duration(&text), Ok(micros), "{text}");
        }
        assert_eq!(format_duration(secs(5400)), "1h30m");
        assert_eq!(format_duration(secs(60)), "1m");
    }
}
