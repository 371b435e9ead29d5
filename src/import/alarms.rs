//! CloudWatch alarms and the log metric filters they read → `[alarms]` and
//! `[metrics.filters]`.
//!
//! Both alarm forms of `AWS::CloudWatch::Alarm` are read: the single metric
//! (`MetricName`, `Namespace`, `Dimensions`, `Statistic` /
//! `ExtendedStatistic`, `Period`) and `Metrics` (`MetricDataQuery` items
//! with `MetricStat` or `Expression`; the item with `ReturnData: true`, or
//! the only expression, is the alarm's series). Dimensions become scopes as
//! README's "Which scope is my alarm?" table says: Lambda `FunctionName`
//! alone → `function`; with `Resource = fn:alias` → `alias`; with
//! `ExecutedVersion` (or `Resource = fn:version`) → `version`; API
//! Gateway `ApiName` + `Stage` → `stage`, or `canary_stage` when the stage
//! value ends in `/Canary` (AWS documents no canary dimension value,
//! reference §3: an assumption); the alarm's function is the one
//! `FunctionName` names. A metric that an `AWS::Logs::MetricFilter`
//! publishes (same namespace and name) is that filter's metric. Anything
//! else (other namespaces, other Lambda metrics, anomaly bands,
//! `ThresholdMetricId`, mixed periods or scopes) is returned as unmodelled
//! with the reason.

use super::deploy::find_function;
use super::error::ImportError;
use super::resolve::{Resolver, Val};
use super::template::{Resource, Template};

/// The series an alarm evaluates.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// `metric` + `statistic`.
    Metric(String, String),
    /// Metric math over the scenario's metric names.
    Expression(String),
}

/// One alarm, ready to emit.
#[derive(Debug, Clone)]
pub struct AlarmOut {
    /// The scenario's alarm name: the CDK construct id (`cdk synth`
    /// output) or the logical id.
    pub name: String,
    /// Its logical id.
    pub id: String,
    /// Its `AlarmName`, when given (deployments may name it so).
    pub alarm_name: Option<String>,
    /// The function's logical id, when the metric names one.
    pub function: Option<String>,
    /// The scenario scope.
    pub scope: &'static str,
    /// The series.
    pub body: Body,
    /// Period in seconds.
    pub period_s: i64,
    /// Threshold.
    pub threshold: f64,
    /// `ComparisonOperator`.
    pub comparison: String,
    /// N.
    pub evaluation_periods: i64,
    /// M.
    pub datapoints_to_alarm: Option<i64>,
    /// `TreatMissingData`.
    pub treat_missing_data: Option<String>,
    /// `EvaluateLowSampleCountPercentile`.
    pub low_sample: Option<String>,
    /// Whether `AlarmActions` is non-empty (an alarm action path).
    pub has_actions: bool,
}

/// One log metric filter, ready to emit.
#[derive(Debug, Clone)]
pub struct FilterOut {
    /// The scenario's filter name (from the metric name).
    pub name: String,
    /// Its logical id.
    pub id: String,
    /// `MetricNamespace`, `MetricName`.
    pub metric: (String, String),
    /// The pattern, names resolved.
    pub pattern: String,
    /// `MetricValue`.
    pub value: f64,
    /// `DefaultValue`.
    pub default_value: Option<f64>,
    /// The function whose log group it reads.
    pub function: Option<String>,
}

/// Alarms, filters and what could not be mapped.
#[derive(Debug, Default)]
pub struct Mapped {
    /// Mapped alarms, template order.
    pub alarms: Vec<AlarmOut>,
    /// Mapped filters.
    pub filters: Vec<FilterOut>,
    /// Not simulated, with the reason.
    pub unmodelled: Vec<String>,
}

/// How the functions relate to a Lattice split: the candidate target's
/// function's own metrics are the candidate's (`version`).
#[derive(Debug, Default, Clone)]
pub struct Targets {
    /// Logical id of the function behind the candidate target group.
    pub candidate: Option<String>,
    /// Logical id of the function behind the stable target group.
    pub stable: Option<String>,
}

const BUILTIN: [&str; 6] = [
    "errors",
    "invocations",
    "duration",
    "count",
    "5xxerror",
    "4xxerror",
];

/// Maps every filter and alarm of the template.
pub fn map(t: &Template, r: &Resolver, targets: &Targets) -> Result<Mapped, ImportError> {
    let mut m = Mapped::default();
    for res in t.active().filter(|x| x.kind == "AWS::Logs::MetricFilter") {
        match filter(t, r, res, &m.filters)? {
            Ok(f) => m.filters.push(f),
            Err(why) => m
                .unmodelled
                .push(format!("{} (AWS::Logs::MetricFilter): {why}", res.id)),
        }
    }
    for res in t.active() {
        match res.kind.as_str() {
            "AWS::CloudWatch::Alarm" => match alarm(t, r, res, &m.filters, targets)? {
                Ok(a) => m.alarms.push(a),
                Err(why) => m
                    .unmodelled
                    .push(format!("{} (AWS::CloudWatch::Alarm): {why}", res.id)),
            },
            "AWS::CloudWatch::CompositeAlarm" => m.unmodelled.push(format!(
                "{} (AWS::CloudWatch::CompositeAlarm): composite alarms are not simulated",
                res.id
            )),
            "AWS::CloudWatch::AnomalyDetector" => m.unmodelled.push(format!(
                "{} (AWS::CloudWatch::AnomalyDetector): anomaly-detection bands are not simulated",
                res.id
            )),
            _ => {}
        }
    }
    Ok(m)
}

fn text(v: &Val, what: &str) -> Result<String, String> {
    match v {
        Val::Str(s) => Ok(s.clone()),
        Val::Null => Err(format!("no {what}")),
        other => Err(format!(
            "{what} is unresolved ({})",
            other.unknown().unwrap_or("not a string")
        )),
    }
}

fn filter(
    t: &Template,
    r: &Resolver,
    res: &Resource,
    earlier: &[FilterOut],
) -> Result<Result<FilterOut, String>, ImportError> {
    let (pattern, _) = r.prop(res, &["FilterPattern"])?;
    let (group, _) = r.prop(res, &["LogGroupName"])?;
    let (tr, _) = r.prop(res, &["MetricTransformations"])?;
    let inner = || -> Result<FilterOut, String> {
        let pattern = text(&pattern, "FilterPattern")?;
        let mut group = text(&group, "LogGroupName")?;
        if let Some(lg) = t
            .resource(&group)
            .filter(|g| g.kind == "AWS::Logs::LogGroup")
        {
            group = text(
                &r.prop(lg, &["LogGroupName"]).map_err(|e| e.message)?.0,
                "the log group's LogGroupName",
            )?;
        }
        let fname = group.strip_prefix("/aws/lambda/").ok_or_else(|| {
            format!("log group {group} is not a Lambda function's (/aws/lambda/NAME)")
        })?;
        let function = find_function(t, r, fname).ok_or_else(|| {
            format!("log group {group}: function {fname} is not in this template")
        })?;
        let [x] = tr.items() else {
            return Err("MetricTransformations must hold one transformation".into());
        };
        let ns = text(
            x.get("MetricNamespace").unwrap_or(&Val::Null),
            "MetricNamespace",
        )?;
        let mname = text(x.get("MetricName").unwrap_or(&Val::Null), "MetricName")?;
        let value = x.get("MetricValue").unwrap_or(&Val::Null);
        let value = value.as_f64().ok_or_else(|| format!("MetricValue {:?} is not a number (a value taken from a log field is not simulated)", value.as_str().unwrap_or("?")))?;
        if x.get("Dimensions").is_some() {
            return Err("metric filter dimensions are not simulated".into());
        }
        let default_value = match x.get("DefaultValue") {
            None | Some(Val::Null) => None,
            Some(v) => Some(v.as_f64().ok_or("DefaultValue is not a number")?),
        };
        let mut name: String = mname
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect();
        if name.is_empty()
            || name.starts_with(|c: char| c.is_ascii_digit())
            || BUILTIN.contains(&name.as_str())
        {
            name = format!("filter_{name}");
        }
        if earlier.iter().any(|f| f.name == name) {
            name = format!("{name}_{}", res.id.to_ascii_lowercase());
        }
        Ok(FilterOut {
            name,
            id: res.id.clone(),
            metric: (ns, mname),
            pattern,
            value,
            default_value,
            function: Some(function.id.clone()),
        })
    };
    Ok(inner())
}

/// The scenario metric, scope and function of one CloudWatch metric.
fn metric_of(
    t: &Template,
    r: &Resolver,
    metric: &Val,
    filters: &[FilterOut],
    targets: &Targets,
) -> Result<(String, &'static str, Option<String>), String> {
    let ns = text(metric.get("Namespace").unwrap_or(&Val::Null), "Namespace")?;
    let name = text(metric.get("MetricName").unwrap_or(&Val::Null), "MetricName")?;
    let mut dims = Vec::new();
    for d in metric.get("Dimensions").map(Val::items).unwrap_or(&[]) {
        dims.push((
            text(d.get("Name").unwrap_or(&Val::Null), "dimension Name")?,
            text(d.get("Value").unwrap_or(&Val::Null), "dimension Value")?,
        ));
    }
    let dim = |k: &str| dims.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    match ns.as_str() {
        "AWS/Lambda" => {
            if !["Errors", "Invocations", "Duration"].contains(&name.as_str()) {
                return Err(format!("Lambda metric {name} is not simulated (Invocations, Errors and Duration are)"));
            }
            let fname = dim("FunctionName").ok_or("a Lambda metric without a FunctionName dimension (every function of the account) is not simulated")?;
            let f = find_function(t, r, fname).ok_or_else(|| format!("FunctionName {fname} is not a function of this template"))?;
            if let Some(extra) = dims.iter().find(|(n, _)| !["FunctionName", "Resource", "ExecutedVersion"].contains(&n.as_str())) {
                return Err(format!("Lambda dimension {} is not simulated", extra.0));
            }
            let resource_is_version = dim("Resource").and_then(|v| v.rsplit(':').next()).is_some_and(|q| q.chars().all(|c| c.is_ascii_digit()));
            let mut scope = if dim("ExecutedVersion").is_some() || resource_is_version {
                "version"
            } else if dim("Resource").is_some() {
                "alias"
            } else {
                "function"
            };
            if targets.candidate == targets.stable {
                // Two versions of one function: the dimensions decide.
            } else if targets.candidate.as_deref() == Some(f.id.as_str()) {
                scope = "version";
            } else if targets.stable.as_deref() == Some(f.id.as_str()) {
                return Err("the metrics of the stable target's own function are not simulated (only the candidate's and the split's)".into());
            }
            Ok((name, scope, Some(f.id.clone())))
        }
        "AWS/ApiGateway" => {
            let metric = match name.as_str() {
                "Count" | "5XXError" | "4XXError" => name.clone(),
                "Latency" => "Duration".into(),
                _ => return Err(format!("API Gateway metric {name} is not simulated (Count, 5XXError, 4XXError, Latency are)")),
            };
            if dim("Resource").is_some() || dim("Method").is_some() {
                return Err("per-method API Gateway metrics (Resource, Method dimensions) are not simulated".into());
            }
            let stage = dim("Stage").ok_or("an API Gateway metric without a Stage dimension is not simulated")?;
            Ok((metric, if stage.ends_with("/Canary") { "canary_stage" } else { "stage" }, None))
        }
        _ => match filters.iter().find(|f| f.metric == (ns.clone(), name.clone())) {
            Some(f) if dims.is_empty() => Ok((f.name.clone(), "function", f.function.clone())),
            Some(_) => Err("dimensions on a log-filter metric are not simulated".into()),
            None => Err(format!("metric {ns}/{name} is not simulated (not a Lambda, API Gateway or log-filter metric of this template)")),
        },
    }
}

fn num(v: Option<&Val>, what: &str) -> Result<Option<f64>, String> {
    match v {
        None | Some(Val::Null) => Ok(None),
        Some(v) => v.as_f64().map(Some).ok_or_else(|| {
            format!(
                "{what} is unresolved or not a number ({})",
                v.unknown().unwrap_or("?")
            )
        }),
    }
}

fn alarm(
    t: &Template,
    r: &Resolver,
    res: &Resource,
    filters: &[FilterOut],
    targets: &Targets,
) -> Result<Result<AlarmOut, String>, ImportError> {
    let p = r.resolve(&res.props, res)?;
    let inner = || -> Result<AlarmOut, String> {
        if p.get("ThresholdMetricId").is_some() {
            return Err("an anomaly-detection band (ThresholdMetricId) is not simulated".into());
        }
        let comparison = text(
            p.get("ComparisonOperator").unwrap_or(&Val::Null),
            "ComparisonOperator",
        )?;
        if ![
            "GreaterThanThreshold",
            "GreaterThanOrEqualToThreshold",
            "LessThanThreshold",
            "LessThanOrEqualToThreshold",
        ]
        .contains(&comparison.as_str())
        {
            return Err(format!(
                "ComparisonOperator {comparison} (an anomaly band) is not simulated"
            ));
        }
        let threshold = num(p.get("Threshold"), "Threshold")?.ok_or("no Threshold")?;
        let n =
            num(p.get("EvaluationPeriods"), "EvaluationPeriods")?.ok_or("no EvaluationPeriods")?;
        let m = num(p.get("DatapointsToAlarm"), "DatapointsToAlarm")?;
        let (body, scope, function, period) = if let Some(queries) = p.get("Metrics") {
            metrics_form(t, r, queries, filters, targets)?
        } else {
            let (metric, scope, function) = metric_of(t, r, &p, filters, targets)?;
            let stat = match (p.get("Statistic"), p.get("ExtendedStatistic")) {
                (Some(s), _) => text(s, "Statistic")?,
                (None, Some(s)) => text(s, "ExtendedStatistic")?,
                (None, None) => return Err("neither Statistic nor ExtendedStatistic".into()),
            };
            let period = num(p.get("Period"), "Period")?.ok_or("no Period")?;
            (Body::Metric(metric, stat), scope, function, period)
        };
        let word = |k: &str| p.get(k).and_then(Val::as_str).map(str::to_string);
        Ok(AlarmOut {
            name: res
                .construct_id()
                .filter(|c| {
                    t.active()
                        .filter(|x| x.construct_id().as_deref() == Some(c))
                        .count()
                        == 1
                })
                .unwrap_or_else(|| res.id.clone()),
            id: res.id.clone(),
            alarm_name: word("AlarmName"),
            function,
            scope,
            body,
            period_s: period as i64,
            threshold,
            comparison,
            evaluation_periods: n as i64,
            datapoints_to_alarm: m.map(|m| m as i64),
            treat_missing_data: word("TreatMissingData"),
            low_sample: word("EvaluateLowSampleCountPercentile"),
            has_actions: !p
                .get("AlarmActions")
                .map(Val::items)
                .unwrap_or(&[])
                .is_empty(),
        })
    };
    Ok(inner())
}

type FormOut = (Body, &'static str, Option<String>, f64);

/// The `Metrics` form: metric-stat ids become `Metric.Stat` names in the
/// returned expression (or the metric itself when it is returned).
fn metrics_form(
    t: &Template,
    r: &Resolver,
    queries: &Val,
    filters: &[FilterOut],
    targets: &Targets,
) -> Result<FormOut, String> {
    let mut stats = Vec::new();
    let mut exprs = Vec::new();
    for q in queries.items() {
        let id = text(q.get("Id").unwrap_or(&Val::Null), "Id")?;
        let returned = q.get("ReturnData").and_then(Val::as_bool);
        if let Some(ms) = q.get("MetricStat") {
            let (metric, scope, function) = metric_of(
                t,
                r,
                ms.get("Metric").unwrap_or(&Val::Null),
                filters,
                targets,
            )?;
            let stat = text(ms.get("Stat").unwrap_or(&Val::Null), "Stat")?;
            let period = num(ms.get("Period"), "Period")?.ok_or("a MetricStat without Period")?;
            stats.push((id, metric, stat, scope, function, period, returned));
        } else if let Some(e) = q.get("Expression") {
            exprs.push((id, text(e, "Expression")?, returned));
        } else {
            return Err(format!(
                "metric query {id} has neither MetricStat nor Expression"
            ));
        }
    }
    let first = stats.first().ok_or("Metrics has no MetricStat")?;
    if let Some(s) = stats.iter().find(|s| s.3 != first.3 || s.4 != first.4) {
        return Err(format!(
            "metric {} has another scope or function than {} (one alarm reads one scope here)",
            s.0, first.0
        ));
    }
    if let Some(s) = stats.iter().find(|s| s.5 != first.5) {
        return Err(format!(
            "metric {} has another period than {} (one period per alarm here)",
            s.0, first.0
        ));
    }
    let (scope, function, period) = (first.3, first.4.clone(), first.5);
    let returned_stat = stats.iter().find(|s| s.6 == Some(true));
    let returned_expr = exprs.iter().find(|e| e.2 == Some(true)).or(
        if exprs.len() == 1 && returned_stat.is_none() {
            exprs.first()
        } else {
            None
        },
    );
    if let Some((_, expr, _)) = returned_expr {
        let mut out = expr.clone();
        for _ in 0..8 {
            out = substitute(&out, &stats, &exprs);
        }
        Ok((Body::Expression(out), scope, function, period))
    } else if let Some(s) = returned_stat.or(if stats.len() == 1 {
        stats.first()
    } else {
        None
    }) {
        Ok((
            Body::Metric(s.1.clone(), s.2.clone()),
            scope,
            function,
            period,
        ))
    } else {
        Err("no metric query has ReturnData: true".into())
    }
}

type Stat = (
    String,
    String,
    String,
    &'static str,
    Option<String>,
    f64,
    Option<bool>,
);

/// Replaces query ids in an expression: a metric id by `Metric.Stat`, an
/// expression id by its parenthesised expression.
fn substitute(expr: &str, stats: &[Stat], exprs: &[(String, String, Option<bool>)]) -> String {
    let mut out = String::new();
    let chars: Vec<char> = expr.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let after_dot = start > 0 && chars[start - 1] == '.';
            if let (false, Some(s)) = (after_dot, stats.iter().find(|s| s.0 == word)) {
                out.push_str(&format!("{}.{}", s.1, s.2));
            } else if let (false, Some(e)) = (after_dot, exprs.iter().find(|e| e.0 == word)) {
                out.push_str(&format!("({})", e.1));
            } else {
                out.push_str(&word);
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(id: &str, metric: &str) -> Stat {
        (
            id.into(),
            metric.into(),
            "Sum".into(),
            "function",
            None,
            60.0,
            Some(false),
        )
    }

    #[test]
    fn query_ids_become_metric_names_and_nested_expressions_are_parenthesised() {
        let stats = [stat("m_err", "Errors"), stat("m_inv", "Invocations")];
        let exprs = [("rate".to_string(), "m_err / m_inv".to_string(), Some(false))];
        assert_eq!(
            substitute("100 * m_err / m_inv", &stats, &exprs),
            "100 * Errors.Sum / Invocations.Sum"
        );
        let once = substitute("IF(m_inv > 20, rate * 100, 0)", &stats, &exprs);
        assert_eq!(once, "IF(Invocations.Sum > 20, (m_err / m_inv) * 100, 0)");
        assert_eq!(
            substitute(&once, &stats, &exprs),
            "IF(Invocations.Sum > 20, (Errors.Sum / Invocations.Sum) * 100, 0)"
        );
        // A statistic after a dot is not an id.
        assert_eq!(
            substitute("Duration.m_err", &stats, &exprs),
            "Duration.m_err"
        );
    }
}
