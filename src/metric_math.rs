//! CloudWatch metric math evaluated for one period: the value of an alarm's
//! expression from the datapoints its metrics published in that period.
//!
//! Each node yields a [`Value`]: a scalar (a constant, the same at every
//! timestamp), a point of a time series, or no point (missing, or dropped).
//! The rules, per node, quoting the CloudWatch User Guide, "Use metric math"
//! (`doc_source/using-metric-math.md`, awsdocs/amazon-cloudwatch-user-guide
//! at b355497; reference §1.10):
//!
//! - **Arithmetic** `+ - * /` and unary `-`: "Missing values in a time series
//!   are treated as 0. If the value of a data point causes a function to
//!   attempt to divide by zero, the data point is dropped." A series without
//!   a point is 0 when the other operand is a series with a point; when
//!   neither operand has a point, or a series without a point meets a scalar,
//!   there is no point (a time series has points only where its inputs do, so
//!   `errors * 100` with no errors datapoint is missing, not 0). A dropped
//!   point is missing for the nodes above it, as if the sub-expression were
//!   its own expression `e1` that the outer one references.
//! - **Comparisons** `> >= < <= == !=` give 1 or 0: "When comparison
//!   operators are used between two time series, and only one of the time
//!   series has a value for a particular time stamp, the function treats the
//!   missing value in the other time series as 0" — the arithmetic rule.
//! - **AND/OR** (also `&&`, `||`): truth is "not 0"; missing points follow the
//!   comparison rule. [The guide is silent; its worked example
//!   `(metric1 > 15 AND metric2 > 15)` = `1, 0, 0, 0` with metric2 missing at
//!   the second and fourth timestamps agrees.]
//! - **IF(cond, a, b)**: "The condition evaluates to FALSE if the value of the
//!   condition data point is 0, and to TRUE if [it] is any other value." No
//!   condition point → no point. TRUE → `a`, and 0 when `a` has no point
//!   ("has the value of 0, if the corresponding data point of metric1 is TRUE
//!   and the corresponding data point does not exist in metric2"). FALSE →
//!   `b`, and no point when `b` has none or is omitted ("is dropped, if ...
//!   FALSE and the corresponding data point does not exist in metric3 or if
//!   metric3 is omitted"). A scalar branch takes the condition's timestamps.
//!   With a scalar condition (`IF(S, TS, TS)`) the chosen branch is returned
//!   as it is.
//! - **FILL(m, v)**: "Fills the missing values of a time series" — a period
//!   without a point of `m` gets `v`, so `FILL(errors, 0) / FILL(invocations,
//!   0)` with no traffic is 0/0 and dropped. Only a constant `v` is simulated
//!   (`REPEAT`/`LINEAR` need neighbouring periods; the parser refuses them).
//! - **MIN([a, b, ...]) / MAX([...])**: the per-timestamp minimum/maximum of
//!   an array. [The guide is silent on missing points here. Choice: the
//!   arithmetic rule, which the guide also states for `AVG` of an array —
//!   "Missing values are treated as 0": an element without a point counts as
//!   0 when another series element has a point; no series point at all → no
//!   point.]
//! - **ABS(x)**: "the absolute value of each data point"; no point stays none.
//!
//! Evaluation walks the tree once per closed period and never allocates.
//! IF evaluates only the branch it returns, so a percentile in the branch
//! not taken does not make the datapoint low-sample
//! (EvaluateLowSampleCountPercentile).

use crate::model::{Expr, MetricStat};

/// The value of a sub-expression at one period's timestamp.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    /// A constant, the same at every timestamp (CloudWatch's "S").
    Scalar(f64),
    /// A time series' point at this timestamp.
    Point(f64),
    /// A time series without a point here (nothing published, or dropped).
    Missing,
}

use Value::{Missing, Point, Scalar};

impl Value {
    /// The alarm datapoint: a finite point, or missing. A scalar is never an
    /// alarm's result (validation demands a time series) and counts as
    /// missing, as an expression that references no published metric would.
    pub fn datapoint(self) -> Option<f64> {
        match self {
            Point(v) if v.is_finite() => Some(v),
            _ => None,
        }
    }
}

/// Evaluates `expr` for one period; `series` returns a metric's datapoint in
/// that period (None when it published none).
pub fn evaluate<F: FnMut(&MetricStat) -> Option<f64>>(expr: &Expr, series: &mut F) -> Value {
    match expr {
        Expr::Const(c) => Scalar(*c),
        Expr::Series(ms) => series(ms).map_or(Missing, Point),
        Expr::Add(a, b) => binary(a, b, series, |x, y| Some(x + y)),
        Expr::Sub(a, b) => binary(a, b, series, |x, y| Some(x - y)),
        Expr::Mul(a, b) => binary(a, b, series, |x, y| Some(x * y)),
        // Division by zero drops the point.
        Expr::Div(a, b) => binary(a, b, series, |x, y| (y != 0.0).then(|| x / y)),
        Expr::Neg(a) => map(evaluate(a, series), |x| -x),
        Expr::Abs(a) => map(evaluate(a, series), f64::abs),
        Expr::Compare(op, a, b) => binary(a, b, series, |x, y| Some(truth(op.holds(x, y)))),
        Expr::Logic(op, a, b) => binary(a, b, series, |x, y| {
            Some(truth(op.apply(x != 0.0, y != 0.0)))
        }),
        Expr::If {
            cond,
            then,
            otherwise,
        } => {
            let (holds, per_point) = match evaluate(cond, series) {
                Missing => return Missing,
                Point(c) => (c != 0.0, true),
                Scalar(c) => (c != 0.0, false),
            };
            let branch = if holds {
                Some(then)
            } else {
                otherwise.as_ref()
            };
            let Some(branch) = branch else {
                return Missing;
            };
            match (evaluate(branch, series), per_point) {
                (Missing, true) if holds => Point(0.0),
                (Scalar(v), true) => Point(v),
                (value, _) => value,
            }
        }
        Expr::Fill(a, fill) => match evaluate(a, series) {
            Missing => Point(*fill),
            value => value,
        },
        Expr::Extreme(kind, items) => {
            let mut best: Option<f64> = None;
            let (mut typed_series, mut any_point, mut any_missing) = (false, false, false);
            for item in items {
                let v = match evaluate(item, series) {
                    Scalar(v) => v,
                    Point(v) => {
                        typed_series = true;
                        any_point = true;
                        v
                    }
                    Missing => {
                        typed_series = true;
                        any_missing = true;
                        continue;
                    }
                };
                best = Some(best.map_or(v, |b| kind.pick(b, v)));
            }
            if typed_series && !any_point {
                return Missing;
            }
            if any_missing {
                best = Some(best.map_or(0.0, |b| kind.pick(b, 0.0)));
            }
            match best {
                None => Missing,
                Some(v) if typed_series => Point(v),
                Some(v) => Scalar(v),
            }
        }
    }
}

/// The value of an expression without metrics, if it has one (`2 * 5`,
/// `1 - 1`); None for a time series or a constant division by zero.
pub fn constant(expr: &Expr) -> Option<f64> {
    if expr.is_series() {
        return None;
    }
    match evaluate(expr, &mut |_| None) {
        Scalar(v) => Some(v),
        _ => None,
    }
}

fn truth(b: bool) -> f64 {
    f64::from(u8::from(b))
}

fn map(v: Value, f: impl Fn(f64) -> f64) -> Value {
    match v {
        Scalar(x) => Scalar(f(x)),
        Point(x) => Point(f(x)),
        Missing => Missing,
    }
}

/// Two operands under the arithmetic rule for missing points; `f` returns
/// None to drop the point.
fn binary<F: FnMut(&MetricStat) -> Option<f64>>(
    a: &Expr,
    b: &Expr,
    series: &mut F,
    f: impl Fn(f64, f64) -> Option<f64>,
) -> Value {
    let (x, y) = (evaluate(a, series), evaluate(b, series));
    let (x, y, point) = match (x, y) {
        (Scalar(x), Scalar(y)) => (x, y, false),
        (Point(x), Point(y)) | (Point(x), Scalar(y)) | (Scalar(x), Point(y)) => (x, y, true),
        // One series without a point next to one with a point: it is 0.
        (Point(x), Missing) => (x, 0.0, true),
        (Missing, Point(y)) => (0.0, y, true),
        (Missing, _) | (_, Missing) => return Missing,
    };
    match f(x, y) {
        None => Missing,
        Some(v) if point => Point(v),
        Some(v) => Scalar(v),
    }
}

#[cfg(test)]
mod tests;
