//! Points → a uniform series of per-period counts, and where the
//! deployment's t = 0 falls in it (`start_at`).
//!
//! The period is `replay_period` or, by default, the smallest spacing
//! between consecutive timestamps. Every spacing must be a whole multiple
//! of it: a missing period is a gap and counts **zero requests** — which is
//! what CloudWatch means by it (a Sum of `Invocations` has no datapoint in
//! a period without invocations) — while a spacing that is not a multiple
//! (mixed periods, shifted clocks) is an error naming the row. CSV rows
//! must already ascend (an unsorted file is more likely a broken export);
//! the JSON outputs are sorted here, as AWS returns newest first.
//! Duplicate timestamps are an error in every format.

use super::time::{format_timestamp, parse_time_of_day, DAY_US};
use super::{Format, Loc, Options, Point, ReplayError, MAX_REPLAY_PERIODS, MIN_REPLAY_PERIOD};
use crate::scenario::duration::format_duration;
use crate::sim::time::Micros;

/// A uniform series of counts.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Length of each period.
    pub period: Micros,
    /// Epoch microseconds of the first period's start; 0 (taken as
    /// 1970-01-01T00:00Z, so times of day count from the first row) for a
    /// one-column CSV.
    pub origin: i64,
    /// False for a one-column CSV: its rows have no timestamps.
    pub clock: bool,
    /// Requests per period, gaps as zeros.
    pub counts: Vec<f64>,
    /// The largest count and where it is in the file.
    pub peak: (f64, Loc),
    pub format: Format,
}

/// `start_at`: where the deployment's t = 0 falls in the data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StartAt {
    /// `"HH:MM"`: that time of day (UTC) on the first day of the data that
    /// has it.
    TimeOfDay(i64),
    /// An ISO 8601 timestamp or epoch seconds (epoch µs).
    Instant(i64),
}

impl StartAt {
    /// Parses `start_at` text: `HH:MM[:SS]` or a timestamp.
    pub fn parse(text: &str) -> Result<StartAt, String> {
        if let Some(tod) = parse_time_of_day(text) {
            return Ok(StartAt::TimeOfDay(tod));
        }
        super::time::parse_timestamp(text)
            .map(StartAt::Instant)
            .map_err(|m| format!("{m}, or a time of day \"HH:MM\" (UTC)"))
    }
}

/// Builds the series (see the module doc for the rules).
pub fn build(
    mut points: Vec<Point>,
    format: Format,
    options: &Options,
) -> Result<Series, ReplayError> {
    if points.is_empty() {
        return Err(ReplayError::new(
            Loc::File,
            "no data: at least one count is needed",
        ));
    }
    if let Some(p) = options.period {
        if p < MIN_REPLAY_PERIOD {
            return Err(ReplayError::new(
                Loc::File,
                format!(
                    "replay_period {} is shorter than 1s, CloudWatch's finest resolution",
                    format_duration(p)
                ),
            ));
        }
    }
    let peak = points
        .iter()
        .fold(None::<&Point>, |best, p| match best {
            Some(b) if b.count >= p.count => Some(b),
            _ => Some(p),
        })
        .map(|p| (p.count, p.loc.clone()))
        .unwrap_or((0.0, Loc::File));
    if format == Format::CountsCsv {
        let period = options.period.unwrap_or(MIN_REPLAY_PERIOD);
        return Ok(Series {
            period,
            origin: 0,
            clock: false,
            counts: points.into_iter().map(|p| p.count).collect(),
            peak,
            format,
        });
    }
    let sorted_by_file = format == Format::TimestampCsv;
    if !sorted_by_file {
        points.sort_by_key(|p| p.t);
    }
    let time = |p: &Point| p.t.unwrap_or(0);
    for w in points.windows(2) {
        let (a, b) = (time(&w[0]), time(&w[1]));
        if b == a {
            return Err(ReplayError::new(
                w[1].loc.clone(),
                format!(
                    "duplicate timestamp {} (also at {}); allowed: one count per period",
                    format_timestamp(b),
                    loc_name(&w[0].loc)
                ),
            ));
        }
        if b < a {
            return Err(ReplayError::new(
                w[1].loc.clone(),
                format!(
                    "timestamp {} is before the previous row's {}; rows must be in ascending \
                     time order",
                    format_timestamp(b),
                    format_timestamp(a)
                ),
            ));
        }
    }
    let period_us = match options.period {
        Some(p) => p.as_micros() as i64,
        None => points
            .windows(2)
            .map(|w| time(&w[1]) - time(&w[0]))
            .min()
            .ok_or_else(|| {
                ReplayError::new(
                    Loc::File,
                    "one data point: the period cannot be inferred; give replay_period (e.g. \"1m\")",
                )
            })?,
    };
    let period = Micros::from_micros(period_us as u64);
    if period < MIN_REPLAY_PERIOD {
        return Err(ReplayError::new(
            points[1].loc.clone(),
            format!(
                "timestamps {} apart; the period must be at least 1s (CloudWatch's finest resolution)",
                format_duration(period)
            ),
        ));
    }
    let origin = time(&points[0]);
    for w in points.windows(2) {
        let gap = time(&w[1]) - time(&w[0]);
        if gap % period_us != 0 {
            return Err(ReplayError::new(
                w[1].loc.clone(),
                format!(
                    "{} after the previous timestamp, not a multiple of the period {} ({}); the \
                     data must be uniform (whole missing periods are read as zero requests)",
                    format_duration(Micros::from_micros(gap as u64)),
                    format_duration(period),
                    if options.period.is_some() {
                        "replay_period"
                    } else {
                        "the smallest spacing in the data"
                    }
                ),
            ));
        }
    }
    let last = time(&points[points.len() - 1]);
    let span = (last - origin) / period_us + 1;
    if span as u128 > MAX_REPLAY_PERIODS as u128 {
        return Err(ReplayError::new(
            Loc::File,
            format!(
                "the data spans {span} periods of {} (gaps included); the most a replay may span is {MAX_REPLAY_PERIODS}",
                format_duration(period)
            ),
        ));
    }
    let mut counts = vec![0.0; span as usize];
    for p in &points {
        counts[((time(p) - origin) / period_us) as usize] = p.count;
    }
    Ok(Series {
        period,
        origin,
        clock: true,
        counts,
        peak,
        format,
    })
}

fn loc_name(loc: &Loc) -> String {
    match loc {
        Loc::File => "the file".into(),
        Loc::Line(n) => format!("line {n}"),
        Loc::Json(p) => p.clone(),
    }
}

impl Series {
    /// Epoch microseconds of the end of the last period.
    pub fn end(&self) -> i64 {
        self.origin + self.counts.len() as i64 * self.period.as_micros() as i64
    }

    /// Where `start` falls, from the start of the first period. Errors say
    /// what the data covers.
    pub fn offset_of(&self, start: StartAt) -> Result<Micros, String> {
        let (origin, end) = (self.origin, self.end());
        let covers = || {
            if self.clock {
                format!("{} to {}", format_timestamp(origin), format_timestamp(end))
            } else {
                format!(
                    "{} from its first row (a one-column CSV: times of day count from its first row at 00:00)",
                    format_duration(Micros::from_micros((end - origin) as u64))
                )
            }
        };
        let at = match start {
            StartAt::Instant(_) if !self.clock => {
                return Err(
                    "a one-column CSV has no timestamps; give start_at as a time of day \"HH:MM\", counted from its first row at 00:00"
                        .into(),
                )
            }
            StartAt::Instant(t) => t,
            StartAt::TimeOfDay(tod) => {
                let mut t = origin.div_euclid(DAY_US) * DAY_US + tod;
                if t < origin {
                    t += DAY_US;
                }
                t
            }
        };
        if at < origin || at >= end {
            let what = match start {
                StartAt::TimeOfDay(tod) => format!(
                    "time of day {} is not in the data",
                    &format_timestamp(tod)[11..19]
                ),
                StartAt::Instant(t) => format!("{} is outside the data", format_timestamp(t)),
            };
            return Err(format!("{what}, which covers {}", covers()));
        }
        Ok(Micros::from_micros((at - origin) as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replay::parse;
    use crate::sim::time::secs;

    const T0: i64 = 1_714_521_600_000_000; // 2024-05-01T00:00:00Z

    fn csv(text: &str) -> Result<Series, ReplayError> {
        parse(text, &Options::default())
    }

    #[test]
    fn period_is_inferred_and_gaps_are_zero() {
        let s = csv("1714521600,5\n1714521660,7\n1714521780,2\n").unwrap();
        assert_eq!(s.period, secs(60));
        assert_eq!(s.origin, T0);
        assert_eq!(s.counts, vec![5.0, 7.0, 0.0, 2.0]);
        assert_eq!(s.peak, (7.0, Loc::Line(2)));
        assert_eq!(s.end(), T0 + 240_000_000);
    }

    #[test]
    fn series_errors_name_the_row() {
        let cases = [
            ("1714521600,5\n1714521660,7\n1714521750,2\n", Loc::Line(3), "after the previous timestamp, not a multiple of the period 1m (the smallest spacing in the data)"),
            ("1714521660,5\n1714521600,7\n", Loc::Line(2), "before the previous row's"),
            ("1714521600,5\n1714521600,7\n", Loc::Line(2), "duplicate timestamp 2024-05-01T00:00:00Z (also at line 1)"),
            ("1714521600,5\n", Loc::File, "one data point"),
            ("# nothing\n", Loc::File, "no data"),
            ("1714521600,5\n1714521600.5,7\n", Loc::Line(2), "at least 1s"),
            ("1714521600,5\n1714521660,7\n1834521600,1\n", Loc::File, "the most a replay may span is 1048576"),
        ];
        for (text, at, what) in cases {
            let err = csv(text).unwrap_err();
            assert_eq!(err.at, at, "{text}: {err}");
            assert!(err.message.contains(what), "{text}: {err}");
        }
    }

    #[test]
    fn json_is_sorted_and_duplicates_refused() {
        let text = r#"{"MetricDataResults": [{"Id": "a",
            "Timestamps": ["2024-05-01T00:02:00Z", "2024-05-01T00:01:00Z", "2024-05-01T00:00:00Z"],
            "Values": [3, 2, 1]}]}"#;
        let s = parse(text, &Options::default()).unwrap();
        assert_eq!(s.counts, vec![1.0, 2.0, 3.0]);
        let dup = text.replace("00:01:00Z", "00:02:00Z");
        let err = parse(&dup, &Options::default()).unwrap_err();
        assert!(err.message.contains("duplicate timestamp"), "{err}");
    }

    #[test]
    fn replay_period_declares_sparse_data() {
        let opts = Options {
            period: Some(secs(60)),
            ..Options::default()
        };
        // Spaced 2 minutes apart: by default the period would be 2m.
        let s = parse("1714521600,5\n1714521720,7\n", &opts).unwrap();
        assert_eq!(s.counts, vec![5.0, 0.0, 7.0]);
        assert_eq!(
            csv("1714521600,5\n1714521720,7\n").unwrap().period,
            secs(120)
        );
    }

    #[test]
    fn start_at_maps_into_the_data() {
        // Two days of hourly data starting 2024-05-01T06:00Z.
        let rows: String = (0..48)
            .map(|h| format!("{},{}\n", 1_714_543_200 + h * 3600, h))
            .collect();
        let s = csv(&rows).unwrap();
        let at = |t: &str| s.offset_of(StartAt::parse(t).unwrap());
        // 03:00 is not in the first day (which starts at 06:00): the second.
        assert_eq!(at("03:00"), Ok(secs(21 * 3600)));
        assert_eq!(at("06:00"), Ok(Micros::ZERO));
        assert_eq!(at("2024-05-02T07:30:00Z"), Ok(secs(25 * 3600 + 1800)));
        let err = at("2024-05-03T06:00:00Z").unwrap_err();
        assert!(
            err.contains(
                "outside the data, which covers 2024-05-01T06:00:00Z to 2024-05-03T06:00:00Z"
            ),
            "{err}"
        );
        // One-column: times of day count from the first row.
        let opts = Options {
            period: Some(secs(3600)),
            ..Options::default()
        };
        let counts = parse("1\n2\n3\n", &opts).unwrap();
        assert_eq!(
            counts.offset_of(StartAt::TimeOfDay(2 * 3_600_000_000)),
            Ok(secs(7200))
        );
        assert!(counts
            .offset_of(StartAt::TimeOfDay(3 * 3_600_000_000))
            .unwrap_err()
            .contains("time of day 03:00:00 is not in the data"));
        assert!(counts
            .offset_of(StartAt::Instant(T0))
            .unwrap_err()
            .contains("no timestamps"));
        assert!(StartAt::parse("noon").unwrap_err().contains("HH:MM"));
    }
}
