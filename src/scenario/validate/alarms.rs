//! `[alarms.NAME]`: CloudWatch metric alarms — which function's metrics an
//! alarm reads, its metric math (or one metric with a statistic), its rule
//! (threshold, comparison, N, M, missing data, evaluation range) and
//! period. Refuses alarms that could never see a datapoint: an evaluation
//! range ending before the ingestion delay makes any visible (using the
//! engine's own cadence, `crate::alarm::eval_interval`), or a division by a
//! constant zero, whose every point CloudWatch drops.

use super::checks::{choice, exactly_one, finite, integer_at_least, integer_from_to, OneOf};
use super::limits::{DAY, HOUR};
use super::metrics::{period, scope};
use crate::alarm::{AlarmRule, Comparison, MissingData};
use crate::metrics::reads_metric;
use crate::model::{
    AlarmSpec, Expr, LowSampleCount, MetricName, MetricStat, MetricsSettings, Scope, Statistic,
};
use crate::scenario::duration::format_duration;
use crate::scenario::error::{Problem, VResult};
use crate::scenario::expr::{
    expr_text, metric_hint, metric_name, parse_expression, parse_statistic, resolve_metric,
    statistic_name, STATISTIC_HINT,
};
use crate::scenario::key_path::KeyPath;
use crate::scenario::raw::{RawAlarm, RawScenario};
use crate::sim::time::Micros;

pub const MAX_EVALUATION_RANGE: i64 = 10_000;

/// API Gateway's metrics (`Count`, `5XXError`, `4XXError`) exist per stage,
/// so an alarm reading them needs scope `stage` or `canary_stage`; Lambda
/// publishes no such metric for a function, alias or version.
fn api_gateway_scope(path: &KeyPath, raw: &RawAlarm, scope: Scope, expr: &Expr) -> VResult<()> {
    let api_gateway = |m: MetricName| {
        matches!(
            m,
            MetricName::Count | MetricName::Error5xx | MetricName::Error4xx
        )
    };
    if matches!(scope, Scope::Stage | Scope::CanaryStage) || !reads_metric(expr, &api_gateway) {
        return Ok(());
    }
    let key = if raw.expression.is_some() {
        "expression"
    } else {
        "metric"
    };
    Err(Problem::new(
        &path.key(key),
        format!(
            "Count, 5XXError and 4XXError are API Gateway stage metrics; scope {:?} is a Lambda one: use scope = \"stage\" or \"canary_stage\"",
            scope.name()
        ),
    ))
}

/// Every alarm of the scenario, in name order.
pub(super) fn alarms(
    root: &KeyPath,
    raw: &RawScenario,
    metrics: &MetricsSettings,
) -> VResult<Vec<AlarmSpec>> {
    let filter_names: Vec<String> = metrics.filters.iter().map(|f| f.name.clone()).collect();
    let function_names: Vec<&str> = raw.functions.keys().map(String::as_str).collect();
    raw.alarms
        .iter()
        .map(|(name, a)| {
            alarm(
                &root.key("alarms").key(name),
                name,
                a,
                metrics,
                &filter_names,
                &function_names,
            )
        })
        .collect()
}

fn alarm(
    path: &KeyPath,
    name: &str,
    raw: &RawAlarm,
    metrics: &MetricsSettings,
    filters: &[String],
    functions: &[&str],
) -> VResult<AlarmSpec> {
    let function = function(path, raw, functions)?;
    let scope = scope(&path.key("scope"), raw.scope.as_deref())?;
    let (expr, expr_text) = metric_math(path, raw, filters)?;
    api_gateway_scope(path, raw, scope, &expr)?;
    let threshold = finite(&path.key("threshold"), raw.threshold)?;
    let comparison = Comparison::parse(&raw.comparison).ok_or_else(|| {
        Problem::new(
            &path.key("comparison"),
            format!(
                "unknown comparison {:?}; allowed: {}",
                raw.comparison,
                Comparison::ALLOWED
            ),
        )
    })?;
    let n = match raw.evaluation_periods {
        None => 1,
        Some(n) if n > i64::from(u32::MAX) => {
            return Err(Problem::new(
                &path.key("evaluation_periods"),
                format!("{n} is far too many: period × evaluation_periods must be <= 1 day when the period is under 1 hour, else 7 days"),
            ))
        }
        Some(n) => integer_at_least(&path.key("evaluation_periods"), n, 1)? as u32,
    };
    let m = match raw.datapoints_to_alarm {
        None => n,
        Some(m) => integer_from_to(
            &path.key("datapoints_to_alarm"),
            m,
            1..=i64::from(n),
            1,
            format_args!("evaluation_periods ({n})"),
        )? as u32,
    };
    let missing_data = match &raw.treat_missing_data {
        None => MissingData::Missing,
        Some(text) => MissingData::parse(text).ok_or_else(|| {
            Problem::new(
                &path.key("treat_missing_data"),
                format!("unknown value {text:?}; allowed: {}", MissingData::ALLOWED),
            )
        })?,
    };
    let alarm_period = match raw.period {
        None => metrics.period,
        Some(p) => {
            let p = period(&path.key("period"), p.0)?;
            if p % metrics.period != Micros::ZERO {
                return Err(Problem::new(
                    &path.key("period"),
                    format!(
                        "{} is not a multiple of metrics.period ({})",
                        format_duration(p),
                        format_duration(metrics.period)
                    ),
                ));
            }
            p
        }
    };
    let (limit, limit_text) = if alarm_period < HOUR {
        (DAY, "1 day when the period is under 1 hour")
    } else {
        (DAY.times(7), "7 days")
    };
    if alarm_period
        .checked_mul(u64::from(n))
        .map_or(true, |span| span > limit)
    {
        let key = if raw.evaluation_periods.is_some() {
            "evaluation_periods"
        } else {
            "period"
        };
        return Err(Problem::new(
            &path.key(key),
            format!(
                "period ({}) × evaluation_periods ({n}) must be <= {limit_text}",
                format_duration(alarm_period)
            ),
        ));
    }
    let evaluation_range = match raw.evaluation_range {
        None => AlarmRule::default_evaluation_range(n),
        Some(e) => integer_from_to(
            &path.key("evaluation_range"),
            e,
            i64::from(n)..=MAX_EVALUATION_RANGE,
            format_args!("evaluation_periods ({n})"),
            MAX_EVALUATION_RANGE,
        )? as u32,
    };
    if !crate::alarm::range_can_see_data(
        alarm_period,
        metrics.period,
        evaluation_range,
        metrics.ingestion_delay,
    ) {
        let key = if raw.evaluation_range.is_some() {
            "evaluation_range"
        } else {
            "evaluation_periods"
        };
        return Err(Problem::new(
            &path.key(key),
            format!(
                "this alarm can never see a datapoint: its evaluation range of {evaluation_range} \
                 period(s) of {} ends before metrics.ingestion_delay ({}) makes any of them \
                 visible (evaluated every {}, it needs range × period >= ingestion delay + {}); \
                 raise evaluation_range or evaluation_periods, or lower metrics.ingestion_delay",
                format_duration(alarm_period),
                format_duration(metrics.ingestion_delay),
                format_duration(crate::alarm::eval_interval(alarm_period)),
                format_duration(crate::alarm::eval_interval(alarm_period)),
            ),
        ));
    }
    if let Some(text) = &raw.expression {
        if has_constant_zero_denominator(&expr) {
            return Err(Problem::new(
                &path.key("expression"),
                format!(
                    "{text:?} divides by a constant zero: CloudWatch drops every such point, so \
                     the alarm would never see a datapoint; divide by a metric (e.g. invocations)"
                ),
            ));
        }
    }
    let low_sample_count = choice(
        &path.key("evaluate_low_sample_count_percentile"),
        raw.evaluate_low_sample_count_percentile.as_deref(),
        &[
            ("evaluate", LowSampleCount::Evaluate),
            ("ignore", LowSampleCount::Ignore),
        ],
    )?;
    Ok(AlarmSpec {
        name: name.to_string(),
        function,
        scope,
        expr,
        expr_text,
        period: alarm_period,
        rule: AlarmRule {
            threshold,
            comparison,
            evaluation_periods: n,
            datapoints_to_alarm: m,
            missing_data,
            evaluation_range,
        },
        low_sample_count,
        guard: super::judges::guard(
            path,
            raw.min_requests,
            raw.on_inconclusive.as_deref(),
            raw.review_time.as_ref(),
        )?,
    })
}

/// The index of the function whose metrics the alarm reads: required with
/// more than one function, refused without `[functions]`.
fn function(path: &KeyPath, raw: &RawAlarm, functions: &[&str]) -> VResult<usize> {
    match (&raw.function, functions) {
        (None, []) => Ok(0),
        (None, [_]) => Ok(0),
        (None, _) => Err(Problem::new(
            &path.key("function"),
            format!(
                "missing required key: which function's metrics the alarm reads; one of {}",
                functions.join(", ")
            ),
        )),
        (Some(f), []) => Err(Problem::new(
            &path.key("function"),
            format!("{f:?}: only allowed with [functions.NAME] tables"),
        )),
        (Some(f), _) => functions.iter().position(|n| n == f).ok_or_else(|| {
            Problem::new(
                &path.key("function"),
                format!(
                    "unknown function {f:?}; defined functions: {}",
                    functions.join(", ")
                ),
            )
        }),
    }
}

/// What the alarm reads: `expression`, or `metric` with an optional
/// `statistic`; with its text for reports.
fn metric_math(path: &KeyPath, raw: &RawAlarm, filters: &[String]) -> VResult<(Expr, String)> {
    let given = exactly_one(
        raw.expression.as_ref(),
        raw.metric.as_ref(),
        (
            &path.key("metric"),
            "give either expression or metric (with statistic), not both",
        ),
        (
            path,
            "missing metric: give expression = \"errors / invocations * 100\" or metric = \"Errors\" (with an optional statistic)",
        ),
    )?;
    match given {
        OneOf::First(text) => {
            if raw.statistic.is_some() {
                return Err(Problem::new(
                    &path.key("statistic"),
                    "only allowed with metric; inside an expression write Metric.Statistic, e.g. Duration.p99",
                ));
            }
            let expr = parse_expression(text, filters).map_err(|message| {
                Problem::new(&path.key("expression"), format!("{message} (in {text:?})"))
            })?;
            // Written back canonically (`Errors / Invocations * 100`), which
            // parses to the same tree, so reports show what was simulated.
            let shown = expr_text(&expr, filters);
            Ok((expr, shown))
        }
        OneOf::Second(metric) => {
            let metric_id = resolve_metric(metric.trim(), filters).ok_or_else(|| {
                Problem::new(
                    &path.key("metric"),
                    format!(
                        "unknown metric {metric:?}; allowed: {}",
                        metric_hint(filters)
                    ),
                )
            })?;
            let statistic = match &raw.statistic {
                None => Statistic::Sum,
                Some(text) => parse_statistic(text.trim()).ok_or_else(|| {
                    Problem::new(
                        &path.key("statistic"),
                        format!("unknown statistic {text:?}; allowed: {STATISTIC_HINT}"),
                    )
                })?,
            };
            let text = format!(
                "{} {}",
                metric_name(metric_id, filters),
                statistic_name(statistic)
            );
            let stat = MetricStat {
                metric: metric_id,
                statistic,
            };
            Ok((Expr::Series(stat), text))
        }
    }
}

/// Whether `expr` divides by a sub-expression without metrics that
/// evaluates to zero (`errors / 0`, `x / (1 - 1)`).
fn has_constant_zero_denominator(expr: &Expr) -> bool {
    expr.any(&mut |e| matches!(e, Expr::Div(_, b) if crate::metric_math::constant(b) == Some(0.0)))
}
