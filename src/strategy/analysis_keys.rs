//! The scenario keys the `argo` and `flagger` kinds share: their analysis
//! metrics' queries, the scrape interval, and the keys neither takes
//! (they bring their own analysis instead of CloudWatch alarms and hooks).

use crate::judge::argo_rules::{effective_count, Limits, DEFAULT_CONSECUTIVE_ERROR_LIMIT};
use crate::judge::condition;
use crate::judge::flagger_rules::DEFAULT_METRIC_WINDOW_SECS;
use crate::judge::prometheus::{Query, DEFAULT_SCRAPE_INTERVAL_SECS};
use crate::model::{ArgoMetric, FlaggerMetric};
use crate::scenario::error::{Problem, VResult};
use crate::scenario::key_path::KeyPath;
use crate::scenario::raw::{RawAnalysisMetric, RawStrategy};
use crate::scenario::validate::checks::{finite, integer_at_least, positive_duration};
use crate::sim::time::{secs, Micros};

/// Default query range of an Argo metric (the `[5m]` of Argo's documented
/// examples; Argo itself has no default — the query is the user's).
pub const DEFAULT_ARGO_WINDOW: Micros = secs(300);

/// What `query` accepts.
pub const QUERY_HINT: &str =
    "error_ratio, success_rate (percent), request_rate (per second) or latency_pNN (ms, e.g. latency_p99)";

/// Parses a `query` name.
pub fn query(path: &KeyPath, text: &str) -> VResult<Query> {
    let t = text.trim();
    let q = match t {
        "error_ratio" => Query::ErrorRatio,
        "success_rate" => Query::SuccessRatePct,
        "request_rate" => Query::RequestRate,
        _ => match t
            .strip_prefix("latency_p")
            .and_then(|p| p.parse::<f64>().ok())
        {
            Some(p) if p > 0.0 && p < 100.0 => Query::LatencyQuantile(p / 100.0),
            _ => {
                return Err(Problem::new(
                    path,
                    format!("unknown query {t:?}; allowed: {QUERY_HINT}"),
                ))
            }
        },
    };
    Ok(q)
}

/// `scrape_interval`: > 0, default 30 s.
pub fn scrape_interval(path: &KeyPath, raw: &RawStrategy) -> VResult<Micros> {
    match raw.scrape_interval {
        None => Ok(secs(DEFAULT_SCRAPE_INTERVAL_SECS)),
        Some(d) => positive_duration(&path.key("scrape_interval"), d.0),
    }
}

/// `alarms`, `rollback` and the hooks are not keys of these kinds: their
/// own analysis decides, and their rollback always returns traffic.
pub fn reject_common(path: &KeyPath, raw: &RawStrategy, kind: &str) -> VResult<()> {
    let present = [
        ("alarms", raw.alarms.is_some()),
        ("rollback", raw.rollback.is_some()),
        ("pre_traffic_hook", raw.pre_traffic_hook.is_some()),
        ("post_traffic_hook", raw.post_traffic_hook.is_some()),
    ];
    if let Some((key, _)) = present.iter().find(|(_, p)| *p) {
        return Err(Problem::new(
            &path.key(key),
            format!("not allowed for strategy kind \"{kind}\": it decides by its own analysis (`metrics`) and always rolls back"),
        ));
    }
    Ok(())
}

/// The metric list, at least one, names unique.
pub fn metric_list<'r>(
    path: &KeyPath,
    raw: &'r RawStrategy,
    kind: &str,
) -> VResult<&'r [RawAnalysisMetric]> {
    let key = path.key("metrics");
    let list = raw.metrics.as_deref().unwrap_or_default();
    for (i, m) in list.iter().enumerate() {
        if m.name.trim().is_empty() {
            return Err(Problem::new(&key.index(i).key("name"), "must not be empty"));
        }
        if list[..i].iter().any(|o| o.name == m.name) {
            return Err(Problem::new(
                &key.index(i).key("name"),
                format!("metric {:?} is defined twice", m.name),
            ));
        }
    }
    if list.is_empty() && kind == "argo" {
        return Err(Problem::new(
            &key,
            "kind = \"argo\" needs its analysis metrics, e.g. metrics = [{ name = \"error-rate\", query = \"error_ratio\", interval = \"1m\", success_condition = \"result < 0.05\" }]",
        ));
    }
    Ok(list)
}

/// Rejects `key` (present) with the kind that takes it.
fn only(path: &KeyPath, present: bool, key: &str, kind: &str) -> VResult<()> {
    if present {
        return Err(Problem::new(
            &path.key(key),
            format!("not a key of a {kind} metric"),
        ));
    }
    Ok(())
}

/// An Argo AnalysisTemplate metric.
pub fn argo_metric(path: &KeyPath, m: &RawAnalysisMetric) -> VResult<ArgoMetric> {
    only(
        path,
        m.threshold_range.is_some(),
        "threshold_range",
        "kind = \"argo\"",
    )?;
    let text = crate::scenario::validate::checks::required(
        &path.key("query"),
        m.query.as_deref(),
        &format!("an Argo metric names its query: {QUERY_HINT}"),
    )?;
    let q = query(&path.key("query"), text)?;
    let window = match m.window {
        None => DEFAULT_ARGO_WINDOW,
        Some(d) => positive_duration(&path.key("window"), d.0)?,
    };
    let interval = match m.interval {
        None => None,
        Some(d) => Some(positive_duration(&path.key("interval"), d.0)?),
    };
    let count = match m.count {
        None => None,
        Some(c) => Some(integer_at_least(&path.key("count"), c, 0)? as u64),
    };
    if count.is_some_and(|c| c > 1) && interval.is_none() {
        return Err(Problem::new(
            &path.key("interval"),
            "a metric with count > 1 needs an interval between its measurements",
        ));
    }
    let cond = |key: &str, text: &Option<String>| -> VResult<Option<condition::Cond>> {
        match text {
            None => Ok(None),
            Some(t) => condition::parse(t)
                .map(Some)
                .map_err(|e| Problem::new(&path.key(key), e.to_string())),
        }
    };
    let failure_limit = m.failure_limit.unwrap_or(0);
    let consecutive_success_limit = match m.consecutive_success_limit {
        None => 0,
        Some(c) => integer_at_least(&path.key("consecutive_success_limit"), c, 0)? as u64,
    };
    if failure_limit < 0 {
        if failure_limit != -1 {
            return Err(Problem::new(
                &path.key("failure_limit"),
                format!("must be an integer >= 0, or -1 to disable it; got {failure_limit}"),
            ));
        }
        if consecutive_success_limit == 0 {
            return Err(Problem::new(
                &path.key("failure_limit"),
                "failure_limit = -1 needs a consecutive_success_limit > 0 (Argo's validation)",
            ));
        }
    }
    let limits = Limits {
        failure_limit,
        inconclusive_limit: match m.inconclusive_limit {
            None => 0,
            Some(v) => integer_at_least(&path.key("inconclusive_limit"), v, 0)?,
        },
        consecutive_error_limit: match m.consecutive_error_limit {
            None => DEFAULT_CONSECUTIVE_ERROR_LIMIT,
            Some(v) => integer_at_least(&path.key("consecutive_error_limit"), v, 0)?,
        },
        consecutive_success_limit,
        count: effective_count(count, interval.is_some()),
    };
    Ok(ArgoMetric {
        name: m.name.clone(),
        query: q,
        window,
        interval,
        initial_delay: m.initial_delay.map_or(Micros::ZERO, |d| d.0),
        success: cond("success_condition", &m.success_condition)?,
        failure: cond("failure_condition", &m.failure_condition)?,
        success_text: m.success_condition.clone(),
        failure_text: m.failure_condition.clone(),
        limits,
        dry_run: m.dry_run.unwrap_or(false),
    })
}

/// A Flagger metric check: the builtins `request-success-rate` (query
/// `success_rate`) and `request-duration` (`latency_p99`), or a custom
/// metric with its `query`; `interval` is the query's range (default 1m,
/// `MetricInterval`, `flagger@15bd6ad:pkg/apis/flagger/v1beta1/canary.go:36`).
pub fn flagger_metric(path: &KeyPath, m: &RawAnalysisMetric) -> VResult<FlaggerMetric> {
    let kind = "kind = \"flagger\"";
    only(
        path,
        m.window.is_some(),
        "window",
        "kind = \"flagger\" (its metric's `interval` is the query range)",
    )?;
    only(path, m.count.is_some(), "count", kind)?;
    only(path, m.initial_delay.is_some(), "initial_delay", kind)?;
    only(
        path,
        m.success_condition.is_some(),
        "success_condition",
        kind,
    )?;
    only(
        path,
        m.failure_condition.is_some(),
        "failure_condition",
        kind,
    )?;
    only(path, m.failure_limit.is_some(), "failure_limit", kind)?;
    only(
        path,
        m.inconclusive_limit.is_some(),
        "inconclusive_limit",
        kind,
    )?;
    only(
        path,
        m.consecutive_error_limit.is_some(),
        "consecutive_error_limit",
        kind,
    )?;
    only(
        path,
        m.consecutive_success_limit.is_some(),
        "consecutive_success_limit",
        kind,
    )?;
    only(path, m.dry_run.is_some(), "dry_run", kind)?;
    let builtin = match m.name.as_str() {
        "request-success-rate" => Some(Query::SuccessRatePct),
        "request-duration" => Some(Query::LatencyQuantile(0.99)),
        _ => None,
    };
    let q = match (&m.query, builtin) {
        (Some(t), _) => query(&path.key("query"), t)?,
        (None, Some(q)) => q,
        (None, None) => {
            return Err(Problem::new(
                &path.key("query"),
                format!("a custom metric names its query ({QUERY_HINT}); the builtins request-success-rate and request-duration need none"),
            ))
        }
    };
    let range = m.threshold_range.as_ref();
    let bound = |key: &str, v: Option<f64>| -> VResult<Option<f64>> {
        match v {
            None => Ok(None),
            Some(x) => Ok(Some(finite(&path.key("threshold_range").key(key), x)?)),
        }
    };
    let min = bound("min", range.and_then(|r| r.min))?;
    let max = bound("max", range.and_then(|r| r.max))?;
    if min.is_none() && max.is_none() {
        return Err(Problem::new(
            &path.key("threshold_range"),
            "a Flagger metric checks its value against threshold_range = { min = …, max = … } (one bound at least)",
        ));
    }
    if let (Some(lo), Some(hi)) = (min, max) {
        if lo > hi {
            return Err(Problem::new(
                &path.key("threshold_range"),
                format!("min {lo} is above max {hi}: no value could pass"),
            ));
        }
    }
    Ok(FlaggerMetric {
        name: m.name.clone(),
        query: q,
        window: match m.interval {
            None => secs(DEFAULT_METRIC_WINDOW_SECS),
            Some(d) => positive_duration(&path.key("interval"), d.0)?,
        },
        min,
        max,
    })
}
