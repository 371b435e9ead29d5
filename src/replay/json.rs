//! CloudWatch's JSON outputs as the AWS CLI prints them:
//! - `aws cloudwatch get-metric-data`: `MetricDataResults[]`, each with
//!   `Id`, `Timestamps[]` and `Values[]` (parallel arrays; newest first by
//!   default, `ScanBy = TimestampDescending` — the series sorts them). With
//!   several results `replay_id` picks one by `Id`.
//! - `aws cloudwatch get-metric-statistics`: `Datapoints[]`, each with a
//!   `Timestamp` and the requested statistics (in no particular order).
//!   `replay_statistic` picks `Sum` (default: for `Invocations` it is the
//!   count of requests) or `SampleCount`.
//!
//! Problems name the JSON element (`MetricDataResults[0].Values[3]`), or
//! the line and column for a syntax error.

use serde_json::Value;

use super::time::parse_timestamp;
use super::{check_count, Format, Loc, Options, Point, ReplayError, MAX_REPLAY_PERIODS};

/// Statistics of `get-metric-statistics` that count requests.
pub const COUNT_STATISTICS: [&str; 2] = ["Sum", "SampleCount"];

fn document(text: &str) -> Result<Value, ReplayError> {
    serde_json::from_str(text).map_err(|e| {
        ReplayError::new(
            Loc::Line(e.line()),
            format!("column {}: invalid JSON: {e}", e.column()),
        )
    })
}

fn array<'a>(v: Option<&'a Value>, at: &str) -> Result<&'a Vec<Value>, ReplayError> {
    let arr = v
        .and_then(Value::as_array)
        .ok_or_else(|| ReplayError::new(Loc::Json(at.to_string()), "missing or not an array"))?;
    if arr.len() > MAX_REPLAY_PERIODS {
        return Err(ReplayError::new(
            Loc::Json(at.to_string()),
            format!("more than {MAX_REPLAY_PERIODS} entries, the most a replay may have"),
        ));
    }
    Ok(arr)
}

fn timestamp(v: &Value, at: &Loc) -> Result<i64, ReplayError> {
    match v {
        Value::String(s) => parse_timestamp(s),
        Value::Number(n) => parse_timestamp(&n.to_string()),
        _ => Err(format!("{v} is not a timestamp string")),
    }
    .map_err(|m| ReplayError::new(at.clone(), m))
}

fn count(v: &Value, at: &Loc) -> Result<f64, ReplayError> {
    let x = v.as_f64().ok_or_else(|| {
        ReplayError::new(
            at.clone(),
            format!("{v} is not a number; allowed: a finite number of requests >= 0"),
        )
    })?;
    check_count(x, at)
}

/// `aws cloudwatch get-metric-data` output.
pub fn metric_data(text: &str, options: &Options) -> Result<(Vec<Point>, Format), ReplayError> {
    if options.statistic.is_some() {
        return Err(ReplayError::new(
            Loc::File,
            "replay_statistic applies to get-metric-statistics output; this file is \
             get-metric-data output (its query chose the statistic): remove replay_statistic",
        ));
    }
    let doc = document(text)?;
    let results = array(doc.get("MetricDataResults"), "MetricDataResults")?;
    let ids: Vec<String> = results
        .iter()
        .map(|r| {
            r.get("Id")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        })
        .collect();
    let index = match (&options.id, results.len()) {
        (_, 0) => {
            return Err(ReplayError::new(
                Loc::Json("MetricDataResults".into()),
                "empty: no data to replay",
            ))
        }
        (None, 1) => 0,
        (None, _) => {
            return Err(ReplayError::new(
                Loc::Json("MetricDataResults".into()),
                format!(
                    "{} results; give replay_id = one of their Ids: {}",
                    results.len(),
                    ids.join(", ")
                ),
            ))
        }
        (Some(id), _) => ids.iter().position(|i| i == id).ok_or_else(|| {
            ReplayError::new(
                Loc::Json("MetricDataResults".into()),
                format!("no result with Id {id:?}; allowed: {}", ids.join(", ")),
            )
        })?,
    };
    let base = format!("MetricDataResults[{index}]");
    let r = &results[index];
    let times = array(r.get("Timestamps"), &format!("{base}.Timestamps"))?;
    let values = array(r.get("Values"), &format!("{base}.Values"))?;
    if times.len() != values.len() {
        return Err(ReplayError::new(
            Loc::Json(base),
            format!(
                "{} Timestamps but {} Values; they must pair up",
                times.len(),
                values.len()
            ),
        ));
    }
    let points = times
        .iter()
        .zip(values)
        .enumerate()
        .map(|(i, (t, v))| {
            Ok(Point {
                t: Some(timestamp(t, &Loc::Json(format!("{base}.Timestamps[{i}]")))?),
                count: count(v, &Loc::Json(format!("{base}.Values[{i}]")))?,
                loc: Loc::Json(format!("{base}.Timestamps[{i}]")),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((
        points,
        Format::GetMetricData {
            id: ids[index].clone(),
        },
    ))
}

/// `aws cloudwatch get-metric-statistics` output.
pub fn metric_statistics(
    text: &str,
    options: &Options,
) -> Result<(Vec<Point>, Format), ReplayError> {
    if options.id.is_some() {
        return Err(ReplayError::new(
            Loc::File,
            "replay_id picks a MetricDataResults entry of get-metric-data output; this file is \
             get-metric-statistics output: remove replay_id",
        ));
    }
    let statistic = options.statistic.clone().unwrap_or_else(|| "Sum".into());
    if !COUNT_STATISTICS.contains(&statistic.as_str()) {
        return Err(ReplayError::new(
            Loc::File,
            format!(
                "replay_statistic {statistic:?} does not count requests; allowed: {}",
                COUNT_STATISTICS.join(", ")
            ),
        ));
    }
    let doc = document(text)?;
    let points = array(doc.get("Datapoints"), "Datapoints")?
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let at = Loc::Json(format!("Datapoints[{i}]"));
            let t = d
                .get("Timestamp")
                .ok_or_else(|| ReplayError::new(at.clone(), "no Timestamp"))?;
            let v = d.get(&statistic).ok_or_else(|| {
                let keys: Vec<&str> = d
                    .as_object()
                    .map(|o| o.keys().map(String::as_str).collect())
                    .unwrap_or_default();
                ReplayError::new(
                    at.clone(),
                    format!(
                        "no {statistic} (it has: {}); request it with --statistics {statistic}, \
                         or set replay_statistic to one of {} it has",
                        keys.join(", "),
                        COUNT_STATISTICS.join(", ")
                    ),
                )
            })?;
            Ok(Point {
                t: Some(timestamp(t, &at)?),
                count: count(v, &Loc::Json(format!("Datapoints[{i}].{statistic}")))?,
                loc: at,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((points, Format::GetMetricStatistics { statistic }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_714_521_600_000_000; // 2024-05-01T00:00:00Z

    #[test]
    fn get_metric_data_pairs_timestamps_and_values() {
        let text = r#"{"MetricDataResults": [{"Id": "inv", "Label": "Invocations",
            "Timestamps": ["2024-05-01T00:01:00+00:00", "2024-05-01T00:00:00+00:00"],
            "Values": [7.0, 5], "StatusCode": "Complete"}], "Messages": []}"#;
        let (points, format) = metric_data(text, &Options::default()).unwrap();
        assert_eq!(format, Format::GetMetricData { id: "inv".into() });
        let got: Vec<(Option<i64>, f64)> = points.iter().map(|p| (p.t, p.count)).collect();
        assert_eq!(got, vec![(Some(T0 + 60_000_000), 7.0), (Some(T0), 5.0)]);
    }

    #[test]
    fn several_results_need_replay_id() {
        let text = r#"{"MetricDataResults": [
            {"Id": "a", "Timestamps": ["2024-05-01T00:00:00Z"], "Values": [1]},
            {"Id": "b", "Timestamps": ["2024-05-01T00:00:00Z"], "Values": [2]}]}"#;
        let err = metric_data(text, &Options::default()).unwrap_err();
        assert!(
            err.to_string()
                .contains("replay_id = one of their Ids: a, b"),
            "{err}"
        );
        let opts = Options {
            id: Some("b".into()),
            ..Options::default()
        };
        assert_eq!(metric_data(text, &opts).unwrap().0[0].count, 2.0);
        let opts = Options {
            id: Some("c".into()),
            ..Options::default()
        };
        let err = metric_data(text, &opts).unwrap_err();
        assert!(
            err.to_string()
                .contains("no result with Id \"c\"; allowed: a, b"),
            "{err}"
        );
    }

    #[test]
    fn bad_json_names_the_element_or_line() {
        let cases = [
            (
                r#"{"MetricDataResults": [{"Id": "a", "Timestamps": ["2024-05-01T00:00:00Z"], "Values": [-2]}]}"#,
                "MetricDataResults[0].Values[0]: count -2",
            ),
            (
                r#"{"MetricDataResults": [{"Id": "a", "Timestamps": ["2024-05-01T00:00:00Z"], "Values": ["x"]}]}"#,
                "MetricDataResults[0].Values[0]: \"x\" is not a number",
            ),
            (
                r#"{"MetricDataResults": [{"Id": "a", "Timestamps": ["soon"], "Values": [1]}]}"#,
                "MetricDataResults[0].Timestamps[0]: `soon` is not a timestamp",
            ),
            (
                r#"{"MetricDataResults": [{"Id": "a", "Timestamps": [], "Values": [1]}]}"#,
                "0 Timestamps but 1 Values",
            ),
            (
                "{\"MetricDataResults\": [\n  {\"Id\": }\n]}",
                "line 2: column 10: invalid JSON",
            ),
            (r#"{"MetricDataResults": []}"#, "MetricDataResults: empty"),
        ];
        for (text, what) in cases {
            let err = metric_data(text, &Options::default()).unwrap_err();
            assert!(err.to_string().contains(what), "{text}: {err}");
        }
    }

    #[test]
    fn get_metric_statistics_reads_sum_or_sample_count() {
        let text = r#"{"Label": "Invocations", "Datapoints": [
            {"Timestamp": "2024-05-01T00:01:00Z", "Sum": 9.0, "SampleCount": 9.0, "Unit": "Count"},
            {"Timestamp": "2024-05-01T00:00:00Z", "Sum": 4.0, "SampleCount": 4.0, "Unit": "Count"}]}"#;
        let (points, format) = metric_statistics(text, &Options::default()).unwrap();
        assert_eq!(
            format,
            Format::GetMetricStatistics {
                statistic: "Sum".into()
            }
        );
        assert_eq!((points[1].t, points[1].count), (Some(T0), 4.0));
        let opts = Options {
            statistic: Some("SampleCount".into()),
            ..Options::default()
        };
        assert_eq!(metric_statistics(text, &opts).unwrap().0[0].count, 9.0);
        let opts = Options {
            statistic: Some("Average".into()),
            ..Options::default()
        };
        let err = metric_statistics(text, &opts).unwrap_err();
        assert!(
            err.to_string().contains("allowed: Sum, SampleCount"),
            "{err}"
        );
        let only_avg = r#"{"Datapoints": [{"Timestamp": "2024-05-01T00:00:00Z", "Average": 1}]}"#;
        let err = metric_statistics(only_avg, &Options::default()).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("Datapoints[0]: no Sum (it has: Average, Timestamp)"),
            "{err}"
        );
    }
}
