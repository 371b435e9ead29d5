//! `alarms.csv`: one row per alarm of the scenario with its threshold,
//! comparison and the unit of its metric, inferred from the metric
//! expression (`errors / invocations * 100` is %, a `Duration` p99 is ms),
//! so that the plots can name their axes, and (runs only) the share of runs
//! in which it was in ALARM at deployment start. Written by sweeps, merges
//! and runs alike.

use std::io::{self, Write};

use crate::model::Scenario;
use crate::report::{pooled, AlarmStart};

/// Header of `alarms.csv`; `unit` is that of the alarm's metric (`%`,
/// `ms`, `count`, `ratio`, empty when unknown), for the plots' axes;
/// `in_alarm_at_start_pct` the percentage of all runs (every strategy) in
/// which the alarm was in ALARM at t = 0, after the warm-up (`[metrics]
/// warmup`) — empty in a sweep's file, which is written before any run.
pub const ALARMS_COLUMNS: [&str; 5] = [
    "name",
    "threshold",
    "comparison",
    "unit",
    "in_alarm_at_start_pct",
];

/// Writes `alarms.csv` (name, threshold, comparison, unit, share in ALARM
/// at start) of a scenario; `start`: the runs' [`AlarmStart`] rows (empty:
/// an empty last cell).
pub fn write_alarms_csv<W: Write>(out: W, sc: &Scenario, start: &[AlarmStart]) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(ALARMS_COLUMNS)?;
    for a in &sc.alarms {
        let at_start = pooled(start, &a.name).map_or(String::new(), |f| (f * 100.0).to_string());
        w.write_record([
            a.name.as_str(),
            &a.rule.threshold.to_string(),
            a.comparison().symbol(),
            expr_unit(&a.expr).name(),
            &at_start,
        ])?;
    }
    w.flush()
}

/// Unit of a metric expression, as far as it can be told.
#[derive(Debug, Clone, Copy, PartialEq)]
enum MetricUnit {
    /// Counts of requests or errors (sums, sample counts).
    Count,
    /// Milliseconds (a `Duration` statistic other than the sample count).
    Ms,
    /// A ratio of counts or a per-request average of errors, in [0, 1].
    Ratio,
    /// A ratio times 100.
    Percent,
    /// A constant (takes the unit of what it is combined with).
    Const(f64),
    Unknown,
}

impl MetricUnit {
    fn name(self) -> &'static str {
        match self {
            MetricUnit::Count => "count",
            MetricUnit::Ms => "ms",
            MetricUnit::Ratio => "ratio",
            MetricUnit::Percent => "%",
            MetricUnit::Const(_) | MetricUnit::Unknown => "",
        }
    }
}

/// Infers the unit of an alarm's metric expression: `errors / invocations
/// * 100` is %, `Duration p99` is ms, `Errors Sum` is a count.
fn expr_unit(e: &crate::model::Expr) -> MetricUnit {
    use crate::model::{Expr, MetricName, Statistic};
    use MetricUnit::*;
    match e {
        Expr::Const(c) => Const(*c),
        Expr::Series(s) => match (s.metric, s.statistic) {
            (_, Statistic::SampleCount) => Count,
            (MetricName::Duration, _) => Ms,
            (MetricName::Invocations, Statistic::Sum) => Count,
            (MetricName::Errors, Statistic::Sum) => Count,
            (MetricName::Errors, Statistic::Average) => Ratio,
            (MetricName::Filter(_), Statistic::Sum) => Count,
            _ => Unknown,
        },
        Expr::Neg(a) => expr_unit(a),
        Expr::Add(a, b) | Expr::Sub(a, b) => match (expr_unit(a), expr_unit(b)) {
            (x, y) if x == y => x,
            (Const(_), x) | (x, Const(_)) => x,
            _ => Unknown,
        },
        Expr::Mul(a, b) => match (expr_unit(a), expr_unit(b)) {
            (Ratio, Const(c)) | (Const(c), Ratio) if c == 100.0 => Percent,
            (Const(x), Const(y)) => Const(x * y),
            (Count, Const(_)) | (Const(_), Count) => Count,
            _ => Unknown,
        },
        Expr::Div(a, b) => match (expr_unit(a), expr_unit(b)) {
            (Count, Count) => Ratio,
            (Const(x), Const(y)) => Const(x / y),
            (x, Const(_)) => x,
            _ => Unknown,
        },
        Expr::Abs(a) | Expr::Fill(a, _) => expr_unit(a),
        // A guard takes the unit of what it passes on: IF(invocations > 20,
        // errors / invocations * 100, 0) is a %.
        Expr::If {
            then, otherwise, ..
        } => match (expr_unit(then), otherwise.as_deref().map(expr_unit)) {
            (x, None) => x,
            (x, Some(y)) if x == y => x,
            (Const(_), Some(x)) | (x, Some(Const(_))) => x,
            _ => Unknown,
        },
        Expr::Extreme(_, items) => items
            .iter()
            .map(expr_unit)
            .reduce(|x, y| match (x, y) {
                (x, y) if x == y => x,
                (Const(_), x) | (x, Const(_)) => x,
                _ => Unknown,
            })
            .unwrap_or(Unknown),
        // 1 or 0.
        Expr::Compare(..) | Expr::Logic(..) => Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::Overrides;
    use crate::sweep::fixtures::TEXT;
    use crate::sweep::plan_from_text;

    #[test]
    fn guards_take_the_unit_of_what_they_pass_on() {
        let unit =
            |text: &str| expr_unit(&crate::scenario::parse_expression(text, &[]).unwrap()).name();
        assert_eq!(
            unit("IF(invocations > 20, errors / invocations * 100, 0)"),
            "%"
        );
        assert_eq!(
            unit("IF(invocations > 20, errors / invocations * 100)"),
            "%"
        );
        assert_eq!(unit("FILL(errors, 0) / FILL(invocations, 0)"), "ratio");
        assert_eq!(unit("MAX([Duration.p99, Duration.p50, 250])"), "ms");
        assert_eq!(unit("ABS(Duration.Average - 100)"), "ms");
        assert_eq!(unit("IF(errors, Duration.p99, errors)"), "");
        assert_eq!(unit("errors > 1"), "");
    }

    #[test]
    fn alarms_csv_names_the_unit_of_each_metric() {
        let extra = r#"
[alarms.latency]
scope = "version"
metric = "Duration"
statistic = "p99"
comparison = ">"
threshold = 1000
evaluation_periods = 2
[alarms.errors]
scope = "version"
metric = "Errors"
statistic = "Sum"
comparison = ">="
threshold = 3
evaluation_periods = 1
"#;
        let text = TEXT.replace(
            "[strategies.canary]",
            &format!("{extra}[strategies.canary]"),
        );
        let plan = plan_from_text(&text, "t.toml", &[], &Overrides::default()).unwrap();
        let mut buf = Vec::new();
        let start = [AlarmStart {
            alarm: "errors".into(),
            strategy: "canary".into(),
            runs: 8,
            in_alarm: 2,
        }];
        write_alarms_csv(&mut buf, &plan.base, &start).unwrap();
        let csv = String::from_utf8(buf).unwrap();
        assert!(csv.contains("error_rate,5,>=,%,\n"), "{csv}");
        assert!(csv.contains("latency,1000,>,ms,\n"), "{csv}");
        assert!(csv.contains("errors,3,>=,count,25\n"), "{csv}");
    }
}
