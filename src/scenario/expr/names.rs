//! CloudWatch statistics (`Sum`, `p99`) and metric names (`Errors`, a log
//! metric filter's name): parsing, canonical names, and the hints error
//! messages quote.

use crate::model::{MetricName, Statistic};

/// Allowed statistics, for error messages.
pub const STATISTIC_HINT: &str =
    "Sum, SampleCount, Average, Minimum, Maximum, or a percentile pNN or pNN.N with 0 < NN < 100 (e.g. p99, p99.9)";

/// Parses a CloudWatch statistic name: `Sum`, `SampleCount`, `Average`,
/// `Minimum`, `Maximum` (any case) or `pNN`/`pNN.N`/`pNN.NN` with
/// 0 < NN < 100.
pub fn parse_statistic(text: &str) -> Option<Statistic> {
    let lower = text.to_ascii_lowercase();
    match lower.as_str() {
        "sum" => return Some(Statistic::Sum),
        "samplecount" => return Some(Statistic::SampleCount),
        "average" => return Some(Statistic::Average),
        "minimum" => return Some(Statistic::Minimum),
        "maximum" => return Some(Statistic::Maximum),
        _ => {}
    }
    let number = lower.strip_prefix('p')?;
    let (int, frac) = match number.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (number, None),
    };
    let digits_ok = |s: &str, max: usize| {
        !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits_ok(int, 2) || frac.is_some_and(|f| !digits_ok(f, 2)) {
        return None;
    }
    let value: f64 = number.parse().ok()?;
    (value > 0.0 && value < 100.0).then_some(Statistic::Percentile(value))
}

/// The canonical name of a statistic, e.g. `Sum`, `p99`, `p99.9`.
pub fn statistic_name(statistic: Statistic) -> String {
    match statistic {
        Statistic::Sum => "Sum".into(),
        Statistic::SampleCount => "SampleCount".into(),
        Statistic::Average => "Average".into(),
        Statistic::Minimum => "Minimum".into(),
        Statistic::Maximum => "Maximum".into(),
        Statistic::Percentile(p) => format!("p{p}"),
    }
}

/// Resolves a metric name: `Invocations`, `Errors`, `Duration` (Lambda),
/// `Count`, `5XXError`, `4XXError` (API Gateway) in any case, or the exact
/// name of a log metric filter (`filters` in model order).
pub fn resolve_metric(name: &str, filters: &[String]) -> Option<MetricName> {
    match name.to_ascii_lowercase().as_str() {
        "invocations" => Some(MetricName::Invocations),
        "errors" => Some(MetricName::Errors),
        "duration" => Some(MetricName::Duration),
        "count" => Some(MetricName::Count),
        "5xxerror" => Some(MetricName::Error5xx),
        "4xxerror" => Some(MetricName::Error4xx),
        _ => filters
            .iter()
            .position(|f| f == name)
            .map(MetricName::Filter),
    }
}

/// The canonical name of a metric.
pub fn metric_name(metric: MetricName, filters: &[String]) -> String {
    match metric {
        MetricName::Invocations => "Invocations".into(),
        MetricName::Errors => "Errors".into(),
        MetricName::Duration => "Duration".into(),
        MetricName::Count => "Count".into(),
        MetricName::Error5xx => "5XXError".into(),
        MetricName::Error4xx => "4XXError".into(),
        MetricName::Filter(i) => filters.get(i).cloned().unwrap_or_default(),
    }
}

/// The metrics allowed in an alarm, for error messages.
pub fn metric_hint(filters: &[String]) -> String {
    let mut hint = String::from(
        "Invocations, Errors, Duration, the API Gateway metrics Count, 5XXError, 4XXError (scope stage or canary_stage)",
    );
    if filters.is_empty() {
        hint.push_str(" (no metric filters are defined)");
    } else {
        hint.push_str(" or a metric filter: ");
        hint.push_str(&filters.join(", "));
    }
    hint
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistic_names() {
        assert_eq!(parse_statistic("Sum"), Some(Statistic::Sum));
        assert_eq!(parse_statistic("average"), Some(Statistic::Average));
        assert_eq!(parse_statistic("SampleCount"), Some(Statistic::SampleCount));
        assert_eq!(parse_statistic("p50"), Some(Statistic::Percentile(50.0)));
        assert_eq!(parse_statistic("p99.9"), Some(Statistic::Percentile(99.9)));
        assert_eq!(
            parse_statistic("p99.99"),
            Some(Statistic::Percentile(99.99))
        );
        for bad in [
            "p0", "p100", "p", "p-1", "p99.", "p.5", "pnan", "p999", "tm90", "", "p1e1",
        ] {
            assert_eq!(parse_statistic(bad), None, "{bad}");
        }
        assert_eq!(statistic_name(Statistic::Percentile(99.0)), "p99");
        assert_eq!(statistic_name(Statistic::Percentile(99.9)), "p99.9");
    }
}
