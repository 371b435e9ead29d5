//! CloudWatch metric math expressions: the `Expr` tree, its operators and
//! functions beyond + − × ÷ (comparisons, AND/OR, MIN/MAX), and walks over it.
//!
//! Source: CloudWatch User Guide, "Use metric math"
//! (`awsdocs/amazon-cloudwatch-user-guide`, `doc_source/using-metric-math.md`
//! at b355497): "Comparison operators: == != <= >= < >", "Logical operators:
//! AND or && OR or ||". How each node treats missing points is documented on
//! the evaluator, `crate::metric_math`.

use super::metrics::{CmpOp, MetricStat};

/// CloudWatch metric math over metric series, evaluated per period by
/// `crate::metric_math` (which documents each node's rule for missing
/// points); the operator and function types are below.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Const(f64),
    Series(MetricStat),
    Add(Box<Expr>, Box<Expr>),
    Sub(Box<Expr>, Box<Expr>),
    Mul(Box<Expr>, Box<Expr>),
    Div(Box<Expr>, Box<Expr>),
    Neg(Box<Expr>),
    /// `a > b` and the other comparisons: 1 (true) or 0 (false).
    Compare(CmpOp, Box<Expr>, Box<Expr>),
    /// `a AND b`, `a OR b` (also `&&`, `||`): 1 or 0.
    Logic(LogicOp, Box<Expr>, Box<Expr>),
    /// `IF(cond, then[, otherwise])`.
    If {
        cond: Box<Expr>,
        then: Box<Expr>,
        otherwise: Option<Box<Expr>>,
    },
    /// `FILL(series, value)`: a missing point becomes `value`.
    Fill(Box<Expr>, f64),
    /// `MIN([a, b, ...])` / `MAX([a, b, ...])` per period.
    Extreme(Extreme, Vec<Expr>),
    /// `ABS(x)`.
    Abs(Box<Expr>),
}

/// A logical operator over truth values (0 is false, anything else true).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogicOp {
    And,
    Or,
}

impl LogicOp {
    pub fn apply(self, left: bool, right: bool) -> bool {
        match self {
            LogicOp::And => left && right,
            LogicOp::Or => left || right,
        }
    }

    /// The operator as written in an expression (the keyword form).
    pub fn keyword(self) -> &'static str {
        match self {
            LogicOp::And => "AND",
            LogicOp::Or => "OR",
        }
    }
}

/// `MIN` or `MAX` of an array of expressions, per period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extreme {
    Min,
    Max,
}

impl Extreme {
    pub fn name(self) -> &'static str {
        match self {
            Extreme::Min => "MIN",
            Extreme::Max => "MAX",
        }
    }

    pub fn pick(self, a: f64, b: f64) -> f64 {
        match self {
            Extreme::Min => a.min(b),
            Extreme::Max => a.max(b),
        }
    }
}

impl Expr {
    /// Calls `f` on each direct sub-expression, in written order.
    pub fn for_each_child(&self, f: &mut dyn FnMut(&Expr)) {
        match self {
            Expr::Const(_) | Expr::Series(_) => {}
            Expr::Add(a, b)
            | Expr::Sub(a, b)
            | Expr::Mul(a, b)
            | Expr::Div(a, b)
            | Expr::Compare(_, a, b)
            | Expr::Logic(_, a, b) => {
                f(a);
                f(b);
            }
            Expr::Neg(a) | Expr::Abs(a) | Expr::Fill(a, _) => f(a),
            Expr::If {
                cond,
                then,
                otherwise,
            } => {
                f(cond);
                f(then);
                if let Some(o) = otherwise {
                    f(o);
                }
            }
            Expr::Extreme(_, items) => items.iter().for_each(f),
        }
    }

    /// Calls `f` on this node and every node beneath it (pre-order).
    pub fn visit(&self, f: &mut dyn FnMut(&Expr)) {
        f(self);
        self.for_each_child(&mut |c| c.visit(f));
    }

    /// Whether any node satisfies `pred`.
    pub fn any(&self, pred: &mut dyn FnMut(&Expr) -> bool) -> bool {
        let mut found = false;
        self.visit(&mut |e| found = found || pred(e));
        found
    }

    /// Whether the expression is a time series (it has a point per period, or
    /// a missing one) rather than a scalar: CloudWatch's "TS" and "S" types.
    /// An alarm's expression must be a time series ("The final result of any
    /// math expression must be a single time series").
    pub fn is_series(&self) -> bool {
        match self {
            Expr::Const(_) => false,
            Expr::Series(_) | Expr::Fill(..) => true,
            Expr::If { cond, then, .. } => cond.is_series() || then.is_series(),
            _ => {
                let mut series = false;
                self.for_each_child(&mut |c| series = series || c.is_series());
                series
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{MetricName, Statistic};

    fn errors() -> Box<Expr> {
        Box::new(Expr::Series(MetricStat {
            metric: MetricName::Errors,
            statistic: Statistic::Sum,
        }))
    }

    #[test]
    fn series_and_scalar_types() {
        let c = |v| Box::new(Expr::Const(v));
        assert!(!Expr::Add(c(1.0), c(2.0)).is_series());
        assert!(Expr::Add(c(1.0), errors()).is_series());
        assert!(Expr::Compare(CmpOp::Gt, errors(), c(2.0)).is_series());
        assert!(Expr::Extreme(Extreme::Max, vec![Expr::Const(1.0), *errors()]).is_series());
        assert!(!Expr::Abs(c(-1.0)).is_series());
        let guard = Expr::If {
            cond: Box::new(Expr::Compare(CmpOp::Gt, errors(), c(20.0))),
            then: c(1.0),
            otherwise: Some(c(0.0)),
        };
        assert!(guard.is_series());
        let mut nodes = 0;
        guard.visit(&mut |_| nodes += 1);
        assert_eq!(nodes, 6);
        assert!(guard.any(&mut |e| matches!(e, Expr::Series(_))));
        assert!(!guard.any(&mut |e| matches!(e, Expr::Div(..))));
    }

    #[test]
    fn operators() {
        assert!(CmpOp::Ge.holds(2.0, 2.0) && !CmpOp::Gt.holds(2.0, 2.0));
        assert!(CmpOp::Ne.holds(1.0, 2.0) && CmpOp::Eq.holds(0.0, -0.0));
        assert!(LogicOp::Or.apply(false, true) && !LogicOp::And.apply(false, true));
        assert_eq!(Extreme::Min.pick(1.0, -2.0), -2.0);
        assert_eq!(Extreme::Max.pick(1.0, -2.0), 1.0);
    }
}
