//! `[metrics]`: the base CloudWatch period, the ingestion delay, and log
//! metric filters (`[metrics.filters.NAME]`), whose names alarms use as
//! metrics. Also the two checks alarms share with filters: a CloudWatch
//! period and a metric scope.

use super::checks::{finite, is_identifier};
use super::limits::MINUTE;
use crate::model::{LogFilter, MetricsSettings, Scope};
use crate::scenario::duration::format_duration;
use crate::scenario::error::{Problem, VResult};
use crate::scenario::expr::{parse_filter_pattern, resolve_metric};
use crate::scenario::key_path::KeyPath;
use crate::scenario::raw::{RawFilter, RawMetrics};
use crate::sim::time::{secs, Micros};

pub const DEFAULT_PERIOD: Micros = secs(60);
pub const DEFAULT_INGESTION_DELAY: Micros = secs(60);

const SCOPES: &str = "function, version, alias, stage, canary_stage";
const PERIODS: &str = "10s, 20s, 30s or a multiple of 60s";

pub(super) fn metrics(path: &KeyPath, raw: &RawMetrics) -> VResult<MetricsSettings> {
    let base = match raw.period {
        None => DEFAULT_PERIOD,
        Some(p) => period(&path.key("period"), p.0)?,
    };
    let filters = raw
        .filters
        .iter()
        .map(|(name, f)| filter(&path.key("filters").key(name), name, f))
        .collect::<VResult<Vec<_>>>()?;
    Ok(MetricsSettings {
        period: base,
        ingestion_delay: raw.ingestion_delay.map_or(DEFAULT_INGESTION_DELAY, |d| d.0),
        // Its default needs the alarms: set by `warmup::warmup` after them.
        warmup: Micros::ZERO,
        filters,
    })
}

fn allowed_period(period: Micros) -> bool {
    period == secs(10)
        || period == secs(20)
        || period == secs(30)
        || (period > Micros::ZERO && period % MINUTE == Micros::ZERO)
}

/// A CloudWatch period: 10, 20 or 30 s, or a multiple of 60 s.
pub(super) fn period(path: &KeyPath, value: Micros) -> VResult<Micros> {
    if allowed_period(value) {
        Ok(value)
    } else {
        Err(Problem::new(
            path,
            format!(
                "{} is not a CloudWatch period; allowed: {PERIODS}",
                format_duration(value)
            ),
        ))
    }
}

/// Which requests a metric sees; `function` when absent.
pub(super) fn scope(path: &KeyPath, value: Option<&str>) -> VResult<Scope> {
    match value {
        None | Some("function") => Ok(Scope::Function),
        Some("version") => Ok(Scope::Version),
        Some("alias") => Ok(Scope::Alias),
        Some("canary_stage") => Ok(Scope::CanaryStage),
        Some("stage") => Ok(Scope::Stage),
        Some(other) => Err(Problem::new(
            path,
            format!("unknown scope {other:?}; allowed: {SCOPES}"),
        )),
    }
}

fn filter(path: &KeyPath, name: &str, raw: &RawFilter) -> VResult<LogFilter> {
    if !is_identifier(name) {
        return Err(Problem::new(
            path,
            format!("filter name {name:?} must be an identifier (letters, digits and _, not starting with a digit) so alarm expressions can use it"),
        ));
    }
    if resolve_metric(name, &[]).is_some() {
        return Err(Problem::new(
            path,
            format!("filter name {name:?} clashes with a built-in metric (Invocations, Errors, Duration, Count); choose another name"),
        ));
    }
    let pattern = parse_filter_pattern(&raw.pattern)
        .map_err(|message| Problem::new(&path.key("pattern"), message))?;
    let scope = match scope(&path.key("scope"), raw.scope.as_deref())? {
        s @ (Scope::Function | Scope::Version | Scope::Alias) => s,
        other => {
            return Err(Problem::new(
                &path.key("scope"),
                format!(
                    "a log filter reads the function's log group, not API Gateway's: scope {:?} is not allowed; allowed: function, version, alias",
                    other.name()
                ),
            ))
        }
    };
    Ok(LogFilter {
        name: name.to_string(),
        scope,
        pattern,
        value: finite(&path.key("value"), raw.value.unwrap_or(1.0))?,
        default_value: match raw.default_value {
            None => None,
            Some(v) => Some(finite(&path.key("default_value"), v)?),
        },
    })
}
