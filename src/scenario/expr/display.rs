//! An expression written back as text, with canonical metric names and the
//! fewest parentheses that keep its tree: `parse_expression(&expr_text(e))`
//! gives `e` again (tested), for every expression the parser builds.

use super::names::{metric_name, statistic_name};
use crate::model::{Expr, Statistic};

/// Binding strength, loosest first (see `parser.rs`).
const OR: u8 = 1;
const AND: u8 = 2;
const CMP: u8 = 3;
const SUM: u8 = 4;
const TERM: u8 = 5;
const UNARY: u8 = 6;
const ATOM: u8 = 7;

/// `expr` as metric math text; `filters` are the log metric filter names.
pub fn expr_text(expr: &Expr, filters: &[String]) -> String {
    let mut out = String::new();
    write(expr, filters, 0, &mut out);
    out
}

fn strength(expr: &Expr) -> u8 {
    match expr {
        Expr::Logic(crate::model::LogicOp::Or, ..) => OR,
        Expr::Logic(..) => AND,
        Expr::Compare(..) => CMP,
        Expr::Add(..) | Expr::Sub(..) => SUM,
        Expr::Mul(..) | Expr::Div(..) => TERM,
        Expr::Neg(_) => UNARY,
        Expr::Const(c) if c.is_sign_negative() => UNARY,
        _ => ATOM,
    }
}

/// Writes `expr`, parenthesised when it binds more loosely than `min`.
fn write(expr: &Expr, filters: &[String], min: u8, out: &mut String) {
    let own = strength(expr);
    let paren = own < min;
    if paren {
        out.push('(');
    }
    let binary = |a: &Expr, op: &str, b: &Expr, out: &mut String| {
        // Left-associative: the left operand may share the level unless the
        // operator is a comparison, which does not chain.
        let left_min = if own == CMP { own + 1 } else { own };
        write(a, filters, left_min, out);
        out.push_str(op);
        write(b, filters, own + 1, out);
    };
    match expr {
        Expr::Const(c) => out.push_str(&c.to_string()),
        Expr::Series(ms) => {
            out.push_str(&metric_name(ms.metric, filters));
            if ms.statistic != Statistic::Sum {
                out.push('.');
                out.push_str(&statistic_name(ms.statistic));
            }
        }
        Expr::Add(a, b) => binary(a, " + ", b, out),
        Expr::Sub(a, b) => binary(a, " - ", b, out),
        Expr::Mul(a, b) => binary(a, " * ", b, out),
        Expr::Div(a, b) => binary(a, " / ", b, out),
        Expr::Compare(op, a, b) => binary(a, &format!(" {} ", op.symbol()), b, out),
        Expr::Logic(op, a, b) => binary(a, &format!(" {} ", op.keyword()), b, out),
        Expr::Neg(a) => {
            out.push('-');
            write(a, filters, UNARY, out);
        }
        Expr::Abs(a) => call("ABS", &[a], filters, out),
        Expr::Fill(a, v) => {
            out.push_str("FILL(");
            write(a, filters, 0, out);
            out.push_str(", ");
            out.push_str(&v.to_string());
            out.push(')');
        }
        Expr::If {
            cond,
            then,
            otherwise,
        } => {
            let mut args: Vec<&Expr> = vec![cond, then];
            args.extend(otherwise.as_deref());
            call("IF", &args, filters, out);
        }
        Expr::Extreme(kind, items) => {
            out.push_str(kind.name());
            out.push_str("([");
            list(items.iter(), filters, out);
            out.push_str("])");
        }
    }
    if paren {
        out.push(')');
    }
}

fn call(name: &str, args: &[&Expr], filters: &[String], out: &mut String) {
    out.push_str(name);
    out.push('(');
    list(args.iter().copied(), filters, out);
    out.push(')');
}

fn list<'a>(items: impl Iterator<Item = &'a Expr>, filters: &[String], out: &mut String) {
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write(item, filters, 0, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::expr::parse_expression;

    #[test]
    fn expressions_round_trip_through_their_text() {
        let filters = vec!["bad_status".to_string(), "m2".to_string()];
        let cases = [
            ("errors / invocations * 100", "Errors / Invocations * 100"),
            ("(errors / invocations) * 100", "Errors / Invocations * 100"),
            (
                "errors / (invocations * 100)",
                "Errors / (Invocations * 100)",
            ),
            ("errors - (1 - 2)", "Errors - (1 - 2)"),
            ("-(errors + 1)", "-(Errors + 1)"),
            ("--errors", "--Errors"),
            (
                "IF(invocations > 20, errors / invocations * 100, 0)",
                "IF(Invocations > 20, Errors / Invocations * 100, 0)",
            ),
            ("IF(errors, Duration.p99.9)", "IF(Errors, Duration.p99.9)"),
            (
                "FILL(errors, -1.5) / FILL(invocations, 0)",
                "FILL(Errors, -1.5) / FILL(Invocations, 0)",
            ),
            (
                "MAX([bad_status, m2 * 2, 0.25])",
                "MAX([bad_status, m2 * 2, 0.25])",
            ),
            ("MIN([errors]) + ABS(m2 - 3)", "MIN([Errors]) + ABS(m2 - 3)"),
            (
                "errors > 1 AND invocations > 2 OR m2 == 0 && bad_status != 1 || errors <= 3",
                "Errors > 1 AND Invocations > 2 OR m2 == 0 AND bad_status != 1 OR Errors <= 3",
            ),
            (
                "errors > 1 AND (m2 > 2 OR m2 < 1)",
                "Errors > 1 AND (m2 > 2 OR m2 < 1)",
            ),
            ("(errors > 1) == (m2 >= 0)", "(Errors > 1) == (m2 >= 0)"),
            (
                "(errors > 1) * 100 + errors.Average",
                "(Errors > 1) * 100 + Errors.Average",
            ),
            (
                "errors * 0.000001 + 1e21",
                "Errors * 0.000001 + 1000000000000000000000",
            ),
        ];
        for (text, want) in cases {
            let expr = parse_expression(text, &filters).unwrap();
            let shown = expr_text(&expr, &filters);
            assert_eq!(shown, want, "{text}");
            assert_eq!(parse_expression(&shown, &filters).unwrap(), expr, "{text}");
        }
    }
}
