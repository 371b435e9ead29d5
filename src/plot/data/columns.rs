//! What the summary columns mean, from their names: a readable name and
//! unit (rates in %, seconds or minutes), which detection quantiles count
//! a miss as "never", and short display names for swept keys.

use crate::scenario::parse_key_path;

/// Whether `column` is a detection-time quantile over all runs that is
/// undefined ("never") when it falls among the misses.
pub fn is_never_quantile(column: &str) -> bool {
    matches!(column, "detection_p50_s" | "detection_p95_s")
}

/// Unit of a summary column, from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A proportion in [0, 1], plotted in percent.
    Rate,
    /// Seconds (`*_s`).
    Seconds,
    /// Counts and anything else, plotted as is.
    Plain,
}

/// A readable name and the unit of a summary column (`detection_p50_s` →
/// "median detection time", seconds). `_lo`/`_hi` bounds share their
/// column's unit.
pub fn describe_column(column: &str) -> (String, Unit) {
    let base = column
        .strip_suffix("_lo")
        .or_else(|| column.strip_suffix("_hi"))
        .unwrap_or(column);
    let known = [
        ("rollback_rate", "rollback rate"),
        ("false_rollback_rate", "false rollback rate"),
        ("missed_rate", "missed-fault rate"),
        (
            "detection_mean_s",
            "mean detection time (detected runs only)",
        ),
        ("detection_p50_s", "time to detection p50 (misses = never)"),
        ("detection_p95_s", "time to detection p95 (misses = never)"),
        (
            "detection_mean_detected_s",
            "mean detection time (detected runs only)",
        ),
        (
            "detection_p50_detected_s",
            "median detection time (detected runs only)",
        ),
        (
            "detection_p95_detected_s",
            "95th percentile detection time (detected runs only)",
        ),
        ("bad_requests_mean", "mean bad requests per replication"),
        ("bad_requests_p95", "95th percentile of bad requests"),
        (
            "excess_bad_requests_mean",
            "mean excess bad requests (caused by the fault)",
        ),
        (
            "excess_bad_requests_p95",
            "95th percentile of excess bad requests",
        ),
        (
            "bad_requests_during_deploy_mean",
            "mean bad requests during the deployment",
        ),
        (
            "bad_requests_after_deploy_mean",
            "mean bad requests after the deployment",
        ),
        ("deploy_mean_s", "mean deployment duration"),
        ("deploy_p50_s", "median deployment duration"),
        ("candidate_requests_mean", "mean candidate requests"),
        ("reps", "replications"),
    ];
    let name = known
        .iter()
        .find(|(c, _)| *c == column)
        .map(|(_, n)| (*n).to_owned())
        .unwrap_or_else(|| column.replace('_', " "));
    let unit = if base.ends_with("_rate") {
        Unit::Rate
    } else if base.ends_with("_s") {
        Unit::Seconds
    } else {
        Unit::Plain
    };
    (name, unit)
}

/// Factor from file values to axis values and the unit label, given the
/// largest file value: rates in %, seconds in minutes above 10 minutes.
pub fn axis_unit(unit: Unit, max: f64) -> (f64, &'static str) {
    match unit {
        Unit::Rate => (100.0, "%"),
        Unit::Seconds if max > 600.0 => (1.0 / 60.0, "min"),
        Unit::Seconds => (1.0, "s"),
        Unit::Plain => (1.0, ""),
    }
}

/// Short display names for swept keys: the last key of the path
/// (`alarms.error_rate.threshold` → `threshold`, read by the scenario's
/// key-path parser; a column that is no key path is kept whole), with a
/// few long alarm settings abbreviated (`evaluation_periods` → `periods`);
/// the full key where short names would collide.
pub fn short_key_names(keys: &[String]) -> Vec<String> {
    let short = |k: &str| {
        let leaf = parse_key_path(k).map_or_else(|_| k.to_owned(), |p| p.leaf().to_string());
        match leaf.as_str() {
            "evaluation_periods" => "periods",
            "datapoints_to_alarm" => "datapoints",
            "treat_missing_data" => "missing",
            s => s,
        }
        .to_owned()
    };
    let names: Vec<String> = keys.iter().map(|k| short(k)).collect();
    names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            if names.iter().filter(|m| *m == n).count() > 1 {
                keys[i].clone()
            } else {
                n.clone()
            }
        })
        .collect()
}

/// Distinct strings in order of first appearance.
pub fn first_seen<'a>(items: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in items {
        if !out.iter().any(|o| o == s) {
            out.push(s.to_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names() {
        let keys: Vec<String> = [
            "alarms.error_rate.threshold",
            "alarms.error_rate.evaluation_periods",
            "traffic.rate_per_s",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            short_key_names(&keys),
            ["threshold", "periods", "rate_per_s"]
        );
        let keys: Vec<String> = ["a.x.threshold", "b.y.threshold"]
            .map(String::from)
            .to_vec();
        assert_eq!(short_key_names(&keys), ["a.x.threshold", "b.y.threshold"]);
        assert_eq!(describe_column("rollback_rate_lo").1, Unit::Rate);
        assert_eq!(
            describe_column("detection_p50_s").0,
            "time to detection p50 (misses = never)"
        );
        assert_eq!(
            describe_column("excess_bad_requests_mean_hi").1,
            Unit::Plain
        );
    }
}
