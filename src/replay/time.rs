//! Timestamps of replayed traffic: ISO 8601 date-times with a UTC offset
//! (what `aws cloudwatch` prints: `2024-05-01T03:00:00+00:00`, or `…Z`),
//! epoch seconds, and `HH:MM` times of day. Everything becomes signed
//! microseconds since 1970-01-01T00:00:00Z; no time-zone database is
//! needed because every accepted form carries its offset (ISO 8601) or is
//! UTC by definition (epoch seconds, `start_at = "HH:MM"`).

/// Microseconds in a day.
pub const DAY_US: i64 = 86_400_000_000;

/// Days from 1970-01-01 to the civil date `y-m-d` (proleptic Gregorian;
/// H. Hinnant, "chrono-Compatible Low-Level Date Algorithms",
/// `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day number (inverse of [`days_from_civil`]).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

fn days_in_month(y: i64, m: i64) -> i64 {
    days_from_civil(
        if m == 12 { y + 1 } else { y },
        if m == 12 { 1 } else { m + 1 },
        1,
    ) - days_from_civil(y, m, 1)
}

/// What a timestamp may look like, for messages.
pub const TIMESTAMP_HINT: &str = "an ISO 8601 date-time with a UTC offset (2024-05-01T03:00:00Z, \
     2024-05-01T03:00:00+02:00, fractions of a second allowed) or epoch seconds (1714532400)";

/// Parses a timestamp: ISO 8601 with an offset, or epoch seconds (digits
/// with an optional fraction). Returns epoch microseconds.
pub fn parse_timestamp(text: &str) -> Result<i64, String> {
    let t = text.trim();
    if !t.is_empty() && t.chars().all(|c| c.is_ascii_digit() || c == '.') {
        let secs: f64 = t
            .parse()
            .map_err(|_| format!("`{t}` is not a timestamp; allowed: {TIMESTAMP_HINT}"))?;
        // Up to year 9999: beyond, microseconds would not fit comfortably.
        if secs > 253_402_300_799.0 {
            return Err(format!(
                "`{t}` is past the year 9999; allowed: {TIMESTAMP_HINT}"
            ));
        }
        return Ok((secs * 1e6).round() as i64);
    }
    parse_iso(t).ok_or_else(|| format!("`{t}` is not a timestamp; allowed: {TIMESTAMP_HINT}"))
}

/// `YYYY-MM-DD[T ]HH:MM[:SS[.f…]](Z|±HH[:MM]|±HHMM)`.
fn parse_iso(t: &str) -> Option<i64> {
    let b = t.as_bytes();
    let num = |s: &[u8]| -> Option<i64> {
        if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(s).ok()?.parse().ok()
    };
    if b.len() < 16 || b[4] != b'-' || b[7] != b'-' || !(b[10] == b'T' || b[10] == b' ') {
        return None;
    }
    let (y, mo, d) = (num(&b[0..4])?, num(&b[5..7])?, num(&b[8..10])?);
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) {
        return None;
    }
    let (h, mi) = (num(&b[11..13])?, num(&b[14..16])?);
    if b[13] != b':' || h > 23 || mi > 59 {
        return None;
    }
    let mut i = 16;
    let mut us = 0i64;
    if b.get(i) == Some(&b':') {
        let s = num(b.get(i + 1..i + 3)?)?;
        if s > 59 {
            return None;
        }
        us += s * 1_000_000;
        i += 3;
        if b.get(i) == Some(&b'.') || b.get(i) == Some(&b',') {
            let start = i + 1;
            let mut end = start;
            while end < b.len() && b[end].is_ascii_digit() {
                end += 1;
            }
            if end == start {
                return None;
            }
            let mut frac = 0i64;
            for k in 0..6 {
                frac = frac * 10
                    + b.get(start + k)
                        .filter(|_| start + k < end)
                        .map_or(0, |c| i64::from(c - b'0'));
            }
            us += frac;
            i = end;
        }
    }
    let offset_min = match &b[i..] {
        [b'Z'] | [b'z'] => 0,
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let (oh, om) = match rest {
                [h1, h2] => (num(&[*h1, *h2])?, 0),
                [h1, h2, b':', m1, m2] | [h1, h2, m1, m2] => (num(&[*h1, *h2])?, num(&[*m1, *m2])?),
                _ => return None,
            };
            if oh > 23 || om > 59 {
                return None;
            }
            let m = oh * 60 + om;
            if *sign == b'-' {
                -m
            } else {
                m
            }
        }
        _ => return None,
    };
    let days = days_from_civil(y, mo, d);
    Some(days * DAY_US + (h * 3600 + mi * 60 - offset_min * 60) * 1_000_000 + us)
}

/// Parses a time of day `HH:MM` or `HH:MM:SS` (UTC) into microseconds
/// after midnight.
pub fn parse_time_of_day(t: &str) -> Option<i64> {
    let parts: Vec<&str> = t.trim().split(':').collect();
    let field = |s: &str, max: i64| -> Option<i64> {
        if s.len() != 2 || !s.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        s.parse().ok().filter(|&v| v <= max)
    };
    let (h, m, s) = match parts.as_slice() {
        [h, m] => (field(h, 23)?, field(m, 59)?, 0),
        [h, m, s] => (field(h, 23)?, field(m, 59)?, field(s, 59)?),
        _ => return None,
    };
    Some((h * 3600 + m * 60 + s) * 1_000_000)
}

/// Formats epoch microseconds as `YYYY-MM-DDTHH:MM:SSZ` (whole seconds;
/// fractions are shown as `.ffffff` when present).
pub fn format_timestamp(us: i64) -> String {
    let days = us.div_euclid(DAY_US);
    let rest = us.rem_euclid(DAY_US);
    let (y, m, d) = civil_from_days(days);
    let secs = rest / 1_000_000;
    let frac = rest % 1_000_000;
    let base = format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    );
    if frac == 0 {
        base + "Z"
    } else {
        format!("{base}.{frac:06}Z")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_8601_with_offsets_and_epoch_seconds() {
        // 2024-05-01T03:00:00Z = 1714532400 s (date -u -d … +%s).
        let t = 1_714_532_400_000_000;
        assert_eq!(parse_timestamp("2024-05-01T03:00:00Z"), Ok(t));
        assert_eq!(parse_timestamp("2024-05-01T03:00:00+00:00"), Ok(t));
        assert_eq!(parse_timestamp("2024-05-01T05:00:00+02:00"), Ok(t));
        assert_eq!(parse_timestamp("2024-04-30T22:00-0500"), Ok(t));
        assert_eq!(parse_timestamp("2024-05-01 03:00:00.5Z"), Ok(t + 500_000));
        assert_eq!(parse_timestamp("1714532400"), Ok(t));
        assert_eq!(parse_timestamp("1714532400.25"), Ok(t + 250_000));
        assert_eq!(parse_timestamp("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(format_timestamp(t), "2024-05-01T03:00:00Z");
        assert_eq!(format_timestamp(t + 250_000), "2024-05-01T03:00:00.250000Z");
        // Leap day.
        assert_eq!(
            parse_timestamp("2024-02-29T00:00:00Z").map(format_timestamp),
            Ok("2024-02-29T00:00:00Z".into())
        );
    }

    #[test]
    fn timestamps_without_offset_or_out_of_range_are_refused() {
        for bad in [
            "2024-05-01T03:00:00",
            "2024-02-30T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-05-01T24:00:00Z",
            "yesterday",
            "",
            "-5",
            "99999999999999",
        ] {
            let err = parse_timestamp(bad).unwrap_err();
            assert!(err.contains("allowed"), "{bad}: {err}");
        }
    }

    #[test]
    fn times_of_day() {
        assert_eq!(parse_time_of_day("03:00"), Some(3 * 3_600_000_000));
        assert_eq!(
            parse_time_of_day("14:30:15"),
            Some((14 * 3600 + 1815) * 1_000_000)
        );
        for bad in ["3:00", "24:00", "12:60", "12", "aa:bb", "12:00:00:00"] {
            assert_eq!(parse_time_of_day(bad), None, "{bad}");
        }
    }
}
