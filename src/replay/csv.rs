//! CSV traffic: `timestamp,value` rows (ISO 8601 with an offset, or epoch
//! seconds; see [`super::time`]), or one column of per-period counts. Lines
//! starting with `#` and blank lines are skipped; the first other line is a
//! header when its value column is not a number. Fields may be quoted.
//! Rows must be in ascending time order (checked in [`super::series`]).

use super::time::parse_timestamp;
use super::{check_count, Format, Loc, Options, Point, ReplayError, MAX_REPLAY_PERIODS};

fn field(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(s)
        .trim()
}

fn number(s: &str, at: &Loc) -> Result<f64, ReplayError> {
    let v: f64 = s.parse().map_err(|_| {
        ReplayError::new(
            at.clone(),
            format!("`{s}` is not a number; allowed: a finite number of requests >= 0"),
        )
    })?;
    check_count(v, at)
}

/// Parses CSV text into points.
pub fn parse(text: &str, options: &Options) -> Result<(Vec<Point>, Format), ReplayError> {
    let mut points = Vec::new();
    let mut columns = None;
    let mut first = true;
    for (i, line) in text.lines().enumerate() {
        let at = Loc::Line(i + 1);
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(field).collect();
        let is_first = std::mem::replace(&mut first, false);
        if is_first {
            if fields.len() > 2 {
                return Err(ReplayError::new(
                    at,
                    format!(
                        "{} columns; allowed: `timestamp,value` or one column of per-period counts",
                        fields.len()
                    ),
                ));
            }
            columns = Some(fields.len());
            // A header: its value column is not a number.
            if fields.last().is_some_and(|v| v.parse::<f64>().is_err()) {
                continue;
            }
        }
        if Some(fields.len()) != columns {
            return Err(ReplayError::new(
                at,
                format!(
                    "{} columns where the first row has {}; every row must have the same columns",
                    fields.len(),
                    columns.unwrap_or(0)
                ),
            ));
        }
        if points.len() >= MAX_REPLAY_PERIODS {
            return Err(ReplayError::new(
                at,
                format!("more than {MAX_REPLAY_PERIODS} rows, the most a replay may have"),
            ));
        }
        let point = match fields.as_slice() {
            [count] => Point {
                t: None,
                count: number(count, &at)?,
                loc: at,
            },
            [t, count] => Point {
                t: Some(parse_timestamp(t).map_err(|m| ReplayError::new(at.clone(), m))?),
                count: number(count, &at)?,
                loc: at,
            },
            _ => unreachable!("the column count is checked on the first row"),
        };
        points.push(point);
    }
    let format = match columns {
        Some(1) => {
            if options.period.is_none() {
                return Err(ReplayError::new(
                    Loc::File,
                    "a one-column CSV of counts has no timestamps; give replay_period (the \
                     length of each row's period, e.g. \"1m\")",
                ));
            }
            Format::CountsCsv
        }
        _ => Format::TimestampCsv,
    };
    Ok((points, format))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::time::secs;

    fn opts(period: Option<u64>) -> Options {
        Options {
            period: period.map(secs),
            ..Options::default()
        }
    }

    #[test]
    fn timestamp_value_rows_with_header_comments_and_quotes() {
        let text =
            "# synthetic\ntimestamp,value\n\"2024-05-01T00:00:00Z\",10\n\n1714521660, 12.5\n";
        let (points, format) = parse(text, &opts(None)).unwrap();
        assert_eq!(format, Format::TimestampCsv);
        assert_eq!(
            points,
            vec![
                Point {
                    t: Some(1_714_521_600_000_000),
                    count: 10.0,
                    loc: Loc::Line(3)
                },
                Point {
                    t: Some(1_714_521_660_000_000),
                    count: 12.5,
                    loc: Loc::Line(5)
                },
            ]
        );
    }

    #[test]
    fn one_column_needs_a_period() {
        let (points, format) = parse("count\n3\n4\n", &opts(Some(60))).unwrap();
        assert_eq!(format, Format::CountsCsv);
        assert_eq!(
            points.iter().map(|p| p.count).collect::<Vec<_>>(),
            [3.0, 4.0]
        );
        let err = parse("3\n4\n", &opts(None)).unwrap_err();
        assert!(err.to_string().contains("replay_period"), "{err}");
    }

    #[test]
    fn bad_rows_name_their_line() {
        let cases = [
            ("1714521600,5\n1714521660,-1\n", 2, "count -1"),
            ("1714521600,5\n1714521660,NaN\n", 2, "count NaN"),
            (
                "t,v\n1714521600,5\n1714521660,lots\n",
                3,
                "`lots` is not a number",
            ),
            (
                "1714521600,5\n2024-05-01T00:01:00,5\n",
                2,
                "not a timestamp",
            ),
            (
                "1714521600,5\n1714521660\n",
                2,
                "1 columns where the first row has 2",
            ),
            ("a,b,c\n", 1, "3 columns"),
        ];
        for (text, line, what) in cases {
            let err = parse(text, &opts(None)).unwrap_err();
            assert_eq!(err.at, Loc::Line(line), "{text}: {err}");
            assert!(err.message.contains(what), "{text}: {err}");
        }
    }
}
