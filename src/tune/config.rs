//! The winner as ready-to-paste configuration: the scenario TOML fragment
//! (the tuned strategy's table and its alarms' tables as the winning
//! setting has them) and the CloudFormation/SAM YAML of its alarms
//! (`AWS::CloudWatch::Alarm`) and `DeploymentPreference`.
//!
//! Alarm properties follow the CloudFormation reference of
//! `AWS::CloudWatch::Alarm`: a single metric uses `Namespace`,
//! `MetricName`, `Statistic` (or `ExtendedStatistic` for percentiles),
//! `Dimensions` and `Period`; metric math uses `Metrics`, one `MetricStat`
//! entry per series (`ReturnData: false`) and the `Expression` entry that
//! returns the data. Dimensions per scope (Lambda's metric dimensions):
//! `function` → FunctionName; `alias` → FunctionName + Resource
//! (`fn:alias`); `version` → FunctionName + Resource + ExecutedVersion.
//! API Gateway scopes use ApiName + Stage. SAM's `DeploymentPreference`
//! takes `Type` (the CodeDeploy configuration) and `Alarms` (references).

use std::fmt::Write as _;

use toml::Value;

use crate::alarm::Comparison;
use crate::model::{AlarmSpec, Expr, MetricName, MetricStat, Scenario, Scope, StrategyKind};
use crate::scenario::statistic_name;

use super::plan::TunePlan;

/// The scenario TOML fragment of setting `index`: `[strategies.NAME]` and
/// every `[alarms.NAME]` it watches, as in the setting's document.
pub fn toml_fragment(plan: &TunePlan, index: usize) -> String {
    let doc = &plan.settings[index].doc;
    let mut out = toml::Table::new();
    if let Some(strategy) = doc
        .get("strategies")
        .and_then(|s| s.get(&plan.strategy))
        .cloned()
    {
        let mut strategies = toml::Table::new();
        strategies.insert(plan.strategy.clone(), strategy);
        out.insert("strategies".into(), Value::Table(strategies));
    }
    if let Some(sc) = plan.settings[index].arms.first() {
        let mut alarms = toml::Table::new();
        for a in watched(sc, &plan.strategy) {
            if let Some(t) = doc.get("alarms").and_then(|t| t.get(&a.name)) {
                alarms.insert(a.name.clone(), t.clone());
            }
        }
        if !alarms.is_empty() {
            out.insert("alarms".into(), Value::Table(alarms));
        }
    }
    toml::to_string(&out).unwrap_or_default()
}

fn watched<'a>(sc: &'a Scenario, strategy: &str) -> Vec<&'a AlarmSpec> {
    sc.strategies
        .iter()
        .find(|s| s.name == strategy)
        .map(|s| s.alarms.iter().map(|&i| &sc.alarms[i]).collect())
        .unwrap_or_default()
}

/// The CloudFormation/SAM YAML of setting `index`: one
/// `AWS::CloudWatch::Alarm` per watched alarm and the function's
/// `DeploymentPreference` referencing them.
pub fn cloudformation_yaml(plan: &TunePlan, index: usize) -> String {
    let Some(sc) = plan.settings[index].arms.first() else {
        return String::new();
    };
    let alarms = watched(sc, &plan.strategy);
    let mut y = String::from(
        "# canarysim tune: the recommended setting as CloudFormation/SAM.\n\
         # Replace MyFunction, the alias `live` and the executed version with yours.\n\
         Resources:\n",
    );
    let ids: Vec<String> = alarms.iter().map(|a| logical_id(&a.name)).collect();
    for (a, id) in alarms.iter().zip(&ids) {
        alarm_yaml(&mut y, a, id);
    }
    let strategy = sc.strategies.iter().find(|s| s.name == plan.strategy);
    let config = match strategy.map(|s| &s.kind) {
        Some(StrategyKind::CodeDeploy(cd)) => cd.config_name.clone(),
        _ => "# not a CodeDeploy strategy: no DeploymentPreference Type".into(),
    };
    let _ = write!(
        y,
        "  MyFunction:\n    Type: AWS::Serverless::Function\n    Properties:\n      \
         AutoPublishAlias: live\n      DeploymentPreference:\n        Type: {config}\n"
    );
    if !ids.is_empty() {
        y.push_str("        Alarms:\n");
        for id in &ids {
            let _ = writeln!(y, "          - !Ref {id}");
        }
    }
    y
}

/// A CloudFormation logical id from an alarm name: alphanumerics in
/// CamelCase, then `Alarm`.
fn logical_id(name: &str) -> String {
    let mut id: String = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    if id.is_empty() || id.starts_with(|c: char| c.is_ascii_digit()) {
        id.insert(0, 'A');
    }
    id + "Alarm"
}

fn comparison_operator(c: Comparison) -> &'static str {
    match c {
        Comparison::GreaterThan => "GreaterThanThreshold",
        Comparison::GreaterThanOrEqual => "GreaterThanOrEqualToThreshold",
        Comparison::LessThan => "LessThanThreshold",
        Comparison::LessThanOrEqual => "LessThanOrEqualToThreshold",
    }
}

fn alarm_yaml(y: &mut String, a: &AlarmSpec, id: &str) {
    let r = &a.rule;
    let period = (crate::sim::time::to_secs(a.period)).round() as u64;
    let _ = write!(
        y,
        "  {id}:\n    Type: AWS::CloudWatch::Alarm\n    Properties:\n      \
         AlarmDescription: \"canarysim alarm `{}`: {}\"\n      \
         ComparisonOperator: {}\n      Threshold: {}\n      EvaluationPeriods: {}\n      \
         DatapointsToAlarm: {}\n      TreatMissingData: {}\n",
        a.name,
        a.expr_text.replace('"', "'"),
        comparison_operator(r.comparison),
        r.threshold,
        r.evaluation_periods,
        r.datapoints_to_alarm,
        r.missing_data.name(),
    );
    let dims = dimensions(a.scope);
    match &a.expr {
        Expr::Series(ms) => {
            let (ns, name) = metric_names(ms.metric);
            let _ = write!(y, "      Namespace: {ns}\n      MetricName: {name}\n");
            let stat = statistic_name(ms.statistic);
            if stat.starts_with('p') {
                let _ = writeln!(y, "      ExtendedStatistic: {stat}");
            } else {
                let _ = writeln!(y, "      Statistic: {stat}");
            }
            let _ = writeln!(y, "      Period: {period}");
            y.push_str("      Dimensions:\n");
            for d in &dims {
                let _ = writeln!(y, "        - {d}");
            }
        }
        expr => {
            let mut series = Vec::new();
            let text = render(expr, &mut series);
            y.push_str("      Metrics:\n");
            for (i, ms) in series.iter().enumerate() {
                let (ns, name) = metric_names(ms.metric);
                let _ = write!(
                    y,
                    "        - Id: m{}\n          ReturnData: false\n          MetricStat:\n            \
                     Metric:\n              Namespace: {ns}\n              MetricName: {name}\n              \
                     Dimensions:\n",
                    i + 1
                );
                for d in &dims {
                    let _ = writeln!(y, "                - {d}");
                }
                let _ = write!(
                    y,
                    "            Period: {period}\n            Stat: {}\n",
                    statistic_name(ms.statistic)
                );
            }
            let _ = write!(
                y,
                "        - Id: e1\n          Expression: \"{text}\"\n          ReturnData: true\n"
            );
        }
    }
}

fn dimensions(scope: Scope) -> Vec<&'static str> {
    let function = "{ Name: FunctionName, Value: !Ref MyFunction }";
    let resource = "{ Name: Resource, Value: !Sub \"${MyFunction}:live\" }";
    let version = "{ Name: ExecutedVersion, Value: !GetAtt MyFunction.Version.Version }";
    match scope {
        Scope::Function => vec![function],
        Scope::Alias => vec![function, resource],
        Scope::Version => vec![function, resource, version],
        Scope::CanaryStage | Scope::Stage => vec![
            "{ Name: ApiName, Value: MyApi }",
            "{ Name: Stage, Value: prod }",
        ],
    }
}

fn metric_names(m: MetricName) -> (&'static str, String) {
    match m {
        MetricName::Invocations => ("AWS/Lambda", "Invocations".into()),
        MetricName::Errors => ("AWS/Lambda", "Errors".into()),
        MetricName::Duration => ("AWS/Lambda", "Duration".into()),
        MetricName::Count => ("AWS/ApiGateway", "Count".into()),
        MetricName::Error5xx => ("AWS/ApiGateway", "5XXError".into()),
        MetricName::Error4xx => ("AWS/ApiGateway", "4XXError".into()),
        MetricName::Filter(i) => ("LogMetrics", format!("Filter{i}")),
    }
}

/// The expression with each distinct series as `m1`, `m2`, … (collected in
/// `series` in order of first use).
fn render(e: &Expr, series: &mut Vec<MetricStat>) -> String {
    let bin = |op: &str, a: &Expr, b: &Expr, s: &mut Vec<MetricStat>| {
        format!("({} {op} {})", render(a, s), render(b, s))
    };
    match e {
        Expr::Const(c) => format!("{c}"),
        Expr::Series(ms) => {
            let i = series.iter().position(|s| s == ms).unwrap_or_else(|| {
                series.push(*ms);
                series.len() - 1
            });
            format!("m{}", i + 1)
        }
        Expr::Add(a, b) => bin("+", a, b, series),
        Expr::Sub(a, b) => bin("-", a, b, series),
        Expr::Mul(a, b) => bin("*", a, b, series),
        Expr::Div(a, b) => bin("/", a, b, series),
        Expr::Neg(a) => format!("-{}", render(a, series)),
        Expr::Compare(op, a, b) => bin(op.symbol(), a, b, series),
        Expr::Logic(op, a, b) => bin(op.keyword(), a, b, series),
        Expr::If {
            cond,
            then,
            otherwise,
        } => match otherwise {
            Some(o) => format!(
                "IF({}, {}, {})",
                render(cond, series),
                render(then, series),
                render(o, series)
            ),
            None => format!("IF({}, {})", render(cond, series), render(then, series)),
        },
        Expr::Fill(a, v) => format!("FILL({}, {v})", render(a, series)),
        Expr::Extreme(x, items) => format!(
            "{}([{}])",
            x.name(),
            items
                .iter()
                .map(|i| render(i, series))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Expr::Abs(a) => format!("ABS({})", render(a, series)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logical_ids_are_camel_case() {
        assert_eq!(logical_id("error_rate"), "ErrorRateAlarm");
        assert_eq!(logical_id("5xx"), "A5xxAlarm");
    }
}
