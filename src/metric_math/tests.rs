//! One test per node kind on hand-built datapoints. The series `m1`, `m2`,
//! `m3` are log-filter metrics standing in for the guide's `metric1..3`, so
//! its worked tables are checked row by row.

use super::*;
use crate::model::MetricName;
use crate::scenario::parse_expression;

/// One timestamp's datapoints: errors, invocations, m1, m2, m3.
#[derive(Clone, Copy, Default)]
struct At {
    errors: Option<f64>,
    invocations: Option<f64>,
    m: [Option<f64>; 3],
}

fn names() -> Vec<String> {
    vec!["m1".into(), "m2".into(), "m3".into()]
}

fn eval(text: &str, at: At) -> Value {
    let expr = parse_expression(text, &names()).unwrap_or_else(|e| panic!("{text}: {e}"));
    evaluate(&expr, &mut |ms: &MetricStat| match ms.metric {
        MetricName::Errors => at.errors,
        MetricName::Invocations => at.invocations,
        MetricName::Filter(i) => at.m[i],
        MetricName::Duration | MetricName::Count | MetricName::Error5xx | MetricName::Error4xx => {
            None
        }
    })
}

/// Evaluates `text` at each timestamp of the series m1, m2, m3 (`None` = the
/// guide's `-`) and returns the alarm datapoints.
fn series(
    text: &str,
    m1: &[Option<f64>],
    m2: &[Option<f64>],
    m3: &[Option<f64>],
) -> Vec<Option<f64>> {
    (0..m1.len())
        .map(|t| {
            let at = At {
                m: [
                    m1[t],
                    m2.get(t).copied().flatten(),
                    m3.get(t).copied().flatten(),
                ],
                ..At::default()
            };
            eval(text, at).datapoint()
        })
        .collect()
}

fn rate(errors: Option<f64>, invocations: Option<f64>) -> At {
    At {
        errors,
        invocations,
        ..At::default()
    }
}

const N: Option<f64> = None;

fn s(v: f64) -> Option<f64> {
    Some(v)
}

#[test]
fn arithmetic_treats_a_missing_series_as_0_and_drops_division_by_zero() {
    let e = "errors / invocations * 100";
    // Reference §1.10's table.
    assert_eq!(eval(e, rate(s(1.0), s(4.0))), Point(25.0));
    assert_eq!(eval(e, rate(N, s(4.0))), Point(0.0));
    assert_eq!(eval(e, rate(s(1.0), N)), Missing);
    assert_eq!(eval(e, rate(s(1.0), s(0.0))), Missing);
    assert_eq!(eval(e, rate(N, N)), Missing);
    // A series meeting a scalar has points only where the series does.
    assert_eq!(eval("errors * 100", rate(N, s(3.0))), Missing);
    assert_eq!(eval("errors + 1", rate(s(2.0), N)), Point(3.0));
    assert_eq!(eval("-errors", rate(s(2.0), N)), Point(-2.0));
    // A dropped point is missing for the node above, then 0 beside a point.
    assert_eq!(
        series(
            "m1 / m2 + m3",
            &[s(6.0), s(6.0)],
            &[s(0.0), s(3.0)],
            &[s(5.0), s(5.0)]
        ),
        vec![s(5.0), s(7.0)]
    );
    assert_eq!(
        eval(
            "m1 / (m2 + 1)",
            At {
                m: [s(4.0), N, N],
                ..At::default()
            }
        ),
        Missing
    );
}

#[test]
fn comparisons_follow_the_guides_table() {
    // metric1 = [30, 20, 0, 0], metric2 = [20, -, 20, -].
    let m1 = [s(30.0), s(20.0), s(0.0), s(0.0)];
    let m2 = [s(20.0), N, s(20.0), N];
    let cmp = |text| series(text, &m1, &m2, &[]);
    assert_eq!(cmp("(m1 < m2)"), vec![s(0.0), s(0.0), s(1.0), s(0.0)]);
    assert_eq!(cmp("(m1 >= 30)"), vec![s(1.0), s(0.0), s(0.0), s(0.0)]);
    assert_eq!(cmp("m1 == 0"), vec![s(0.0), s(0.0), s(1.0), s(1.0)]);
    assert_eq!(cmp("m1 != 0"), vec![s(1.0), s(1.0), s(0.0), s(0.0)]);
    assert_eq!(cmp("m1 <= 20"), vec![s(0.0), s(1.0), s(1.0), s(1.0)]);
    assert_eq!(cmp("m1 > 20"), vec![s(1.0), s(0.0), s(0.0), s(0.0)]);
    // metric2 > 15 alone has no point where metric2 has none.
    assert_eq!(cmp("m2 > 15"), vec![s(1.0), N, s(1.0), N]);
    // Both series without a point: no point.
    assert_eq!(series("m1 < m2", &[N], &[N], &[]), vec![N]);
}

#[test]
fn logical_operators_follow_the_guides_table() {
    let m1 = [s(30.0), s(20.0), s(0.0), s(0.0)];
    let m2 = [s(20.0), N, s(20.0), N];
    let logic = |text| series(text, &m1, &m2, &[]);
    let and = vec![s(1.0), s(0.0), s(0.0), s(0.0)];
    assert_eq!(logic("(m1 > 15 AND m2 > 15)"), and);
    assert_eq!(logic("m1 > 15 && m2 > 15"), and);
    assert_eq!(
        logic("m1 > 15 OR m2 > 15"),
        vec![s(1.0), s(1.0), s(1.0), s(0.0)]
    );
    assert_eq!(
        logic("m1 > 15 || m2 > 15"),
        vec![s(1.0), s(1.0), s(1.0), s(0.0)]
    );
    // Truth is "not 0": a negative value is true.
    assert_eq!(
        series("m1 AND m2", &[s(-2.0)], &[s(0.5)], &[]),
        vec![s(1.0)]
    );
    assert_eq!(series("m1 OR m2", &[N], &[N], &[]), vec![N]);
}

#[test]
fn if_follows_the_guides_tables() {
    // metric1 = [1, 1, 0, 0, -], metric2 = [30, -, 0, 0, 30], metric3 = [0, 0, 20, -, 20].
    let m1 = [s(1.0), s(1.0), s(0.0), s(0.0), N];
    let m2 = [s(30.0), N, s(0.0), s(0.0), s(30.0)];
    let m3 = [s(0.0), s(0.0), s(20.0), N, s(20.0)];
    let run = |text| series(text, &m1, &m2, &m3);
    assert_eq!(run("IF(m1, m2, m3)"), vec![s(30.0), s(0.0), s(20.0), N, N]);
    assert_eq!(run("IF(m1, 5, m3)"), vec![s(5.0), s(5.0), s(20.0), N, N]);
    assert_eq!(
        run("IF(m1, m2, 5)"),
        vec![s(30.0), s(0.0), s(5.0), s(5.0), N]
    );
    // Two arguments: FALSE drops the point.
    assert_eq!(run("IF(m1, m2)"), vec![s(30.0), s(0.0), N, N, N]);
    // A scalar condition returns the chosen series as it is.
    assert_eq!(run("IF(1, m2, m3)"), m2.to_vec());
    assert_eq!(run("IF(0, m2, m3)"), m3.to_vec());
    assert_eq!(run("IF(0, m2)"), vec![N; 5]);
}

#[test]
fn the_low_traffic_guard() {
    let guard = "IF(invocations > 20, errors / invocations * 100, 0)";
    // No traffic: no condition point, so no datapoint (TreatMissingData decides).
    assert_eq!(eval(guard, rate(N, N)), Missing);
    // 10 invocations, 5 errors: 50 % but under the guard: 0.
    assert_eq!(eval(guard, rate(s(5.0), s(10.0))), Point(0.0));
    assert_eq!(eval(guard, rate(s(5.0), s(20.0))), Point(0.0));
    // 40 invocations, 4 errors: 10 %.
    assert_eq!(eval(guard, rate(s(4.0), s(40.0))), Point(10.0));
    // Errors missing with traffic: the true branch is 0 / 40 = 0.
    assert_eq!(eval(guard, rate(N, s(40.0))), Point(0.0));
}

#[test]
fn fill_turns_a_missing_point_into_its_value() {
    assert_eq!(eval("FILL(errors, 0)", rate(N, N)), Point(0.0));
    assert_eq!(eval("FILL(errors, 0)", rate(s(3.0), s(9.0))), Point(3.0));
    assert_eq!(eval("FILL(errors, -1.5)", rate(N, N)), Point(-1.5));
    assert_eq!(eval("FILL(errors, 2 * 5)", rate(N, N)), Point(10.0));
    // No traffic: 0 / 0 is a division by zero, so the point is dropped.
    let ratio = "FILL(errors, 0) / FILL(invocations, 0)";
    assert_eq!(eval(ratio, rate(N, N)), Missing);
    assert_eq!(eval(ratio, rate(N, s(8.0))), Point(0.0));
    assert_eq!(eval(ratio, rate(s(2.0), s(8.0))), Point(0.25));
    // Filled series are points, so a scalar beside them has a point too.
    assert_eq!(eval("FILL(errors, 0) + 1", rate(N, N)), Point(1.0));
}

#[test]
fn min_and_max_are_per_period_over_the_array() {
    let m1 = [s(3.0), s(3.0), N, s(-2.0)];
    let m2 = [s(7.0), N, N, N];
    assert_eq!(
        series("MIN([m1, m2])", &m1, &m2, &[]),
        vec![s(3.0), s(0.0), N, s(-2.0)]
    );
    assert_eq!(
        series("MAX([m1, m2])", &m1, &m2, &[]),
        vec![s(7.0), s(3.0), N, s(0.0)]
    );
    assert_eq!(series("MAX([m1])", &m1, &m2, &[]), m1.to_vec());
    assert_eq!(
        series("MAX([m1, m2, m3 * 2])", &[s(1.0)], &[s(2.0)], &[s(5.0)]),
        vec![s(10.0)]
    );
    // A scalar element counts only where a series element has a point.
    assert_eq!(
        series("MAX([m1, 5])", &m1, &[], &[]),
        vec![s(5.0), s(5.0), N, s(5.0)]
    );
    assert_eq!(
        series("MIN([m1, 5])", &m1, &[], &[]),
        vec![s(3.0), s(3.0), N, s(-2.0)]
    );
}

#[test]
fn abs_keeps_missing_points_missing() {
    let m1 = [s(3.0), N, s(1.0), N];
    let m2 = [s(5.0), s(4.0), N, N];
    assert_eq!(
        series("ABS(m1 - m2)", &m1, &m2, &[]),
        vec![s(2.0), s(4.0), s(1.0), N]
    );
    assert_eq!(series("ABS(m1)", &[s(-0.5), N], &[], &[]), vec![s(0.5), N]);
}

#[test]
fn constants_fold_and_scalars_are_never_datapoints() {
    let c = |text: &str| {
        let expr = crate::scenario::parse_expression(&format!("errors + ({text})"), &[]).unwrap();
        match expr {
            Expr::Add(_, b) => constant(&b),
            _ => unreachable!(),
        }
    };
    assert_eq!(c("2 * 5"), Some(10.0));
    assert_eq!(c("1 - 1"), Some(0.0));
    assert_eq!(c("-ABS(-3)"), Some(-3.0));
    assert_eq!(c("MAX([1, 4])"), Some(4.0));
    assert_eq!(c("1 / 0"), None);
    assert_eq!(c("errors"), None);
    assert_eq!(Scalar(3.0).datapoint(), None);
    assert_eq!(Point(f64::INFINITY).datapoint(), None);
    assert_eq!(Point(-1.0).datapoint(), Some(-1.0));
}

#[test]
fn if_reads_only_the_branch_it_returns() {
    // So a percentile in the branch not taken cannot mark the datapoint
    // low-sample: the series lookup is where that flag is raised.
    let expr = parse_expression("IF(m1, m2, m3)", &names()).unwrap();
    let read = |m1: f64| {
        let mut seen = Vec::new();
        let v = evaluate(&expr, &mut |ms: &MetricStat| {
            seen.push(ms.metric);
            Some(if ms.metric == MetricName::Filter(0) {
                m1
            } else {
                7.0
            })
        });
        (v, seen)
    };
    assert_eq!(
        read(1.0),
        (
            Point(7.0),
            vec![MetricName::Filter(0), MetricName::Filter(1)]
        )
    );
    assert_eq!(
        read(0.0),
        (
            Point(7.0),
            vec![MetricName::Filter(0), MetricName::Filter(2)]
        )
    );
}
