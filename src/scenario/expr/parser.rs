//! Metric math expressions (`errors / invocations * 100`,
//! `IF(invocations > 20, errors / invocations * 100, 0)`): a recursive-descent
//! parser over `lexer` tokens whose errors name the column, the offending
//! token and what is allowed. Function calls are in `calls.rs`.
//!
//! Precedence, loosest first — the CloudWatch guide lists the operators but
//! documents no precedence, so this is the usual order [choice]: `OR`/`||`,
//! then `AND`/`&&`, then one comparison `> >= < <= == !=` (comparisons do not
//! chain: `a < b < c` is refused), then `+ -`, then `* /`, then unary `-`.
//! Binary operators are left-associative.

use super::lexer::{tokenize, Tok, Token};
use super::names::{metric_hint, parse_statistic, resolve_metric, STATISTIC_HINT};
use crate::model::{CmpOp, Expr, LogicOp, MetricStat, Statistic};

/// Deepest parenthesis / unary-minus / function nesting accepted.
const MAX_DEPTH: usize = 64;

pub(super) struct Parser<'a> {
    tokens: Vec<Token>,
    pos: usize,
    filters: &'a [String],
    depth: usize,
}

const OPERAND_HINT: &str =
    "expected a number, a metric (e.g. errors, invocations, Duration.p99), a function (IF, FILL, MIN, MAX, ABS) or \"(\"";

const OPERATOR_HINT: &str =
    "expected an operator (+ - * /, > >= < <= == !=, AND &&, OR ||) or the end of the expression";

/// The message for CloudWatch's missing NOT.
pub(super) const NO_NOT: &str = "CloudWatch metric math has no NOT operator (its logical operators are AND/&& and OR/||): invert the comparison instead, e.g. invocations <= 20 for NOT(invocations > 20)";

impl Parser<'_> {
    pub(super) fn peek(&self) -> &Token {
        // `tokens` always ends with `End`, and `pos` never passes it.
        &self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    pub(super) fn advance(&mut self) -> Token {
        let token = self.peek().clone();
        if token.tok != Tok::End {
            self.pos += 1;
        }
        token
    }

    pub(super) fn unexpected(token: &Token, expected: &str) -> String {
        if token.tok == Tok::End {
            format!("unexpected end of the expression; {expected}")
        } else {
            format!(
                "at column {}: unexpected \"{}\"; {expected}",
                token.column, token.text
            )
        }
    }

    /// Consumes `want` or explains what was expected.
    pub(super) fn expect(&mut self, want: &Tok, expected: &str) -> Result<Token, String> {
        let token = self.advance();
        if &token.tok == want {
            Ok(token)
        } else {
            Err(Self::unexpected(&token, expected))
        }
    }

    pub(super) fn enter(&mut self, token: &Token) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!(
                "at column {}: nested more than {MAX_DEPTH} levels deep",
                token.column
            ));
        }
        Ok(())
    }

    pub(super) fn leave(&mut self) {
        self.depth -= 1;
    }

    /// A whole (sub-)expression: the loosest level.
    pub(super) fn expr(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while self.logic_op() == Some(LogicOp::Or) {
            self.advance();
            left = Expr::Logic(LogicOp::Or, Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.comparison()?;
        while self.logic_op() == Some(LogicOp::And) {
            self.advance();
            left = Expr::Logic(LogicOp::And, Box::new(left), Box::new(self.comparison()?));
        }
        Ok(left)
    }

    fn logic_op(&self) -> Option<LogicOp> {
        match &self.peek().tok {
            Tok::AndAnd => Some(LogicOp::And),
            Tok::OrOr => Some(LogicOp::Or),
            Tok::Ident(word) if word == "AND" => Some(LogicOp::And),
            Tok::Ident(word) if word == "OR" => Some(LogicOp::Or),
            _ => None,
        }
    }

    fn comparison(&mut self) -> Result<Expr, String> {
        let left = self.sum()?;
        let Some(op) = cmp_op(&self.peek().tok) else {
            return Ok(left);
        };
        self.advance();
        let right = self.sum()?;
        let next = self.peek();
        if cmp_op(&next.tok).is_some() {
            return Err(format!(
                "at column {}: comparisons do not chain; add parentheses, e.g. (a > b) AND (b > c)",
                next.column
            ));
        }
        Ok(Expr::Compare(op, Box::new(left), Box::new(right)))
    }

    fn sum(&mut self) -> Result<Expr, String> {
        let mut left = self.term()?;
        loop {
            match self.peek().tok {
                Tok::Plus => {
                    self.advance();
                    left = Expr::Add(Box::new(left), Box::new(self.term()?));
                }
                Tok::Minus => {
                    self.advance();
                    left = Expr::Sub(Box::new(left), Box::new(self.term()?));
                }
                _ => return Ok(left),
            }
        }
    }

    fn term(&mut self) -> Result<Expr, String> {
        let mut left = self.unary()?;
        loop {
            match self.peek().tok {
                Tok::Star => {
                    self.advance();
                    left = Expr::Mul(Box::new(left), Box::new(self.unary()?));
                }
                Tok::Slash => {
                    self.advance();
                    left = Expr::Div(Box::new(left), Box::new(self.unary()?));
                }
                _ => return Ok(left),
            }
        }
    }

    fn unary(&mut self) -> Result<Expr, String> {
        if self.peek().tok == Tok::Minus {
            let token = self.advance();
            self.enter(&token)?;
            let inner = self.unary()?;
            self.leave();
            return Ok(Expr::Neg(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, String> {
        let token = self.advance();
        match &token.tok {
            Tok::Num(value) => Ok(Expr::Const(*value)),
            Tok::Ident(ident) if self.peek().tok == Tok::LParen => self.call(ident, &token),
            Tok::Ident(ident) => self.series(ident, token.column).map(Expr::Series),
            Tok::LParen => {
                self.enter(&token)?;
                let inner = self.expr()?;
                self.leave();
                let expected = format!(
                    "expected \")\" to close the \"(\" at column {}",
                    token.column
                );
                self.expect(&Tok::RParen, &expected)?;
                Ok(inner)
            }
            Tok::LBracket => Err(format!(
                "at column {}: an array [ ... ] is allowed only as the argument of MIN or MAX, e.g. MAX([errors, 1])",
                token.column
            )),
            _ => Err(Self::unexpected(&token, OPERAND_HINT)),
        }
    }

    fn series(&self, ident: &str, column: usize) -> Result<MetricStat, String> {
        let (name, statistic) = match ident.split_once('.') {
            Some((name, stat)) => (name, Some(stat)),
            None => (ident, None),
        };
        let Some(metric) = resolve_metric(name, self.filters) else {
            if statistic.is_none() && ident.eq_ignore_ascii_case("not") {
                return Err(format!("at column {column}: {NO_NOT}"));
            }
            return Err(format!(
                "at column {column}: unknown metric \"{name}\"; allowed: errors, invocations, {}, optionally followed by .Statistic",
                metric_hint(self.filters)
            ));
        };
        let statistic = match statistic {
            None => Statistic::Sum,
            Some(stat) => parse_statistic(stat).ok_or_else(|| {
                format!(
                    "at column {column}: unknown statistic \"{stat}\" in \"{ident}\"; allowed: {STATISTIC_HINT}"
                )
            })?,
        };
        Ok(MetricStat { metric, statistic })
    }
}

fn cmp_op(tok: &Tok) -> Option<CmpOp> {
    Some(match tok {
        Tok::Gt => CmpOp::Gt,
        Tok::Ge => CmpOp::Ge,
        Tok::Lt => CmpOp::Lt,
        Tok::Le => CmpOp::Le,
        Tok::EqEq => CmpOp::Eq,
        Tok::Ne => CmpOp::Ne,
        _ => return None,
    })
}

/// The error for a token left after a complete expression.
fn trailing(token: &Token) -> String {
    if let Tok::Ident(word) = &token.tok {
        let upper = word.to_ascii_uppercase();
        if upper == "AND" || upper == "OR" {
            return format!(
                "at column {}: logical operators are written in uppercase: {upper} (or {})",
                token.column,
                if upper == "AND" { "&&" } else { "||" }
            );
        }
    }
    Parser::unexpected(token, OPERATOR_HINT)
}

/// Parses a metric math expression. `filters` are the log metric filter
/// names in model order. Errors name the column and the offending token.
/// The result is a time series (CloudWatch: "The final result of any math
/// expression must be a single time series").
pub fn parse_expression(text: &str, filters: &[String]) -> Result<Expr, String> {
    let tokens = tokenize(text)?;
    let mut parser = Parser {
        tokens,
        pos: 0,
        filters,
        depth: 0,
    };
    if parser.peek().tok == Tok::End {
        return Err("empty expression; e.g. \"errors / invocations * 100\"".into());
    }
    let expr = parser.expr()?;
    let rest = parser.peek().clone();
    if rest.tok != Tok::End {
        return Err(trailing(&rest));
    }
    if !expr.is_series() {
        return Err(
            "the expression references no metric; e.g. \"errors / invocations * 100\"".into(),
        );
    }
    Ok(expr)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Extreme, MetricName};

    fn series(metric: MetricName, statistic: Statistic) -> Box<Expr> {
        Box::new(Expr::Series(MetricStat { metric, statistic }))
    }

    fn c(v: f64) -> Box<Expr> {
        Box::new(Expr::Const(v))
    }

    fn no_filters() -> Vec<String> {
        Vec::new()
    }

    #[test]
    fn error_rate_expression() {
        let expr = parse_expression("errors / invocations * 100", &no_filters()).unwrap();
        assert_eq!(
            expr,
            Expr::Mul(
                Box::new(Expr::Div(
                    series(MetricName::Errors, Statistic::Sum),
                    series(MetricName::Invocations, Statistic::Sum)
                )),
                c(100.0)
            )
        );
    }

    #[test]
    fn precedence_and_associativity() {
        let f = no_filters();
        assert_eq!(
            parse_expression("1 + Errors * 3", &f).unwrap(),
            Expr::Add(
                c(1.0),
                Box::new(Expr::Mul(
                    series(MetricName::Errors, Statistic::Sum),
                    c(3.0)
                ))
            )
        );
        assert_eq!(
            parse_expression("errors - 1 - 2", &f).unwrap(),
            Expr::Sub(
                Box::new(Expr::Sub(
                    series(MetricName::Errors, Statistic::Sum),
                    c(1.0)
                )),
                c(2.0)
            )
        );
        assert_eq!(
            parse_expression("(errors + 1) * 2", &f).unwrap(),
            Expr::Mul(
                Box::new(Expr::Add(
                    series(MetricName::Errors, Statistic::Sum),
                    c(1.0)
                )),
                c(2.0)
            )
        );
        assert_eq!(
            parse_expression("-errors * 2", &f).unwrap(),
            Expr::Mul(
                Box::new(Expr::Neg(series(MetricName::Errors, Statistic::Sum))),
                c(2.0)
            )
        );
        assert_eq!(
            parse_expression("errors / 8 / 2", &f).unwrap(),
            Expr::Div(
                Box::new(Expr::Div(
                    series(MetricName::Errors, Statistic::Sum),
                    c(8.0)
                )),
                c(2.0)
            )
        );
    }

    #[test]
    fn statistics_and_filters() {
        let filters = vec!["bad_status".to_string(), "slow".to_string()];
        assert_eq!(
            parse_expression("Duration.p99", &filters).unwrap(),
            *series(MetricName::Duration, Statistic::Percentile(99.0))
        );
        assert_eq!(
            parse_expression("DURATION.p99.9 / 1e3", &filters).unwrap(),
            Expr::Div(
                series(MetricName::Duration, Statistic::Percentile(99.9)),
                c(1000.0)
            )
        );
        assert_eq!(
            parse_expression("slow.Average + bad_status", &filters).unwrap(),
            Expr::Add(
                series(MetricName::Filter(1), Statistic::Average),
                series(MetricName::Filter(0), Statistic::Sum)
            )
        );
        assert_eq!(
            parse_expression("Errors.SampleCount", &filters).unwrap(),
            *series(MetricName::Errors, Statistic::SampleCount)
        );
    }

    #[test]
    fn expression_errors_name_position_and_token() {
        let f = vec!["bad_status".to_string()];
        let cases = [
            ("errors / ", "unexpected end"),
            ("errors ) ", "column 8: unexpected \")\""),
            ("(errors", "expected \")\" to close the \"(\" at column 1"),
            ("errors invocations", "column 8: unexpected \"invocations\""),
            ("errors % 2", "column 8: unexpected character '%'"),
            ("foo / 2", "column 1: unknown metric \"foo\""),
            ("Duration.p100", "unknown statistic \"p100\""),
            ("Duration.median", "unknown statistic"),
            ("", "empty expression"),
            ("   ", "empty expression"),
            ("1 + 2", "references no metric"),
            ("* errors", "column 1: unexpected \"*\""),
            ("1e999 * errors", "too large"),
        ];
        for (text, expected) in cases {
            let err = parse_expression(text, &f).expect_err(text);
            assert!(err.contains(expected), "{text:?}: {err}");
        }
        assert!(parse_expression("foo", &f)
            .unwrap_err()
            .contains("bad_status"));
        let deep = format!("{}errors{}", "(".repeat(1000), ")".repeat(1000));
        assert!(parse_expression(&deep, &f).unwrap_err().contains("nested"));
        let negs = format!("{}errors", "-".repeat(100_000));
        assert!(parse_expression(&negs, &f).is_err());
    }

    fn cmp(op: CmpOp, a: Box<Expr>, b: Box<Expr>) -> Box<Expr> {
        Box::new(Expr::Compare(op, a, b))
    }

    fn errors() -> Box<Expr> {
        series(MetricName::Errors, Statistic::Sum)
    }

    fn invocations() -> Box<Expr> {
        series(MetricName::Invocations, Statistic::Sum)
    }

    #[test]
    fn comparison_and_logic_precedence() {
        let f = no_filters();
        // Arithmetic binds tighter than comparison, comparison than AND, AND than OR.
        assert_eq!(
            parse_expression("errors + 1 > invocations * 2", &f).unwrap(),
            *cmp(
                CmpOp::Gt,
                Box::new(Expr::Add(errors(), c(1.0))),
                Box::new(Expr::Mul(invocations(), c(2.0)))
            )
        );
        let a = || cmp(CmpOp::Gt, errors(), c(1.0));
        let b = || cmp(CmpOp::Le, invocations(), c(2.0));
        let d = || cmp(CmpOp::Ne, errors(), c(3.0));
        assert_eq!(
            parse_expression("errors > 1 OR invocations <= 2 AND errors != 3", &f).unwrap(),
            Expr::Logic(
                LogicOp::Or,
                a(),
                Box::new(Expr::Logic(LogicOp::And, b(), d()))
            )
        );
        assert_eq!(
            parse_expression("errors > 1 && invocations <= 2 || errors != 3", &f).unwrap(),
            Expr::Logic(
                LogicOp::Or,
                Box::new(Expr::Logic(LogicOp::And, a(), b())),
                d()
            )
        );
        assert_eq!(
            parse_expression("(errors > 1 OR invocations <= 2) AND errors != 3", &f).unwrap(),
            Expr::Logic(
                LogicOp::And,
                Box::new(Expr::Logic(LogicOp::Or, a(), b())),
                d()
            )
        );
        assert_eq!(
            parse_expression("errors >= 1 == (invocations < 2)", &f).unwrap_err(),
            "at column 13: comparisons do not chain; add parentheses, e.g. (a > b) AND (b > c)"
        );
        assert_eq!(
            parse_expression("(errors >= 1) == (invocations < 2)", &f).unwrap(),
            *cmp(
                CmpOp::Eq,
                cmp(CmpOp::Ge, errors(), c(1.0)),
                cmp(CmpOp::Lt, invocations(), c(2.0))
            )
        );
    }

    #[test]
    fn functions() {
        let f = vec!["m2".to_string()];
        assert_eq!(
            parse_expression("IF(invocations > 20, errors / invocations * 100, 0)", &f).unwrap(),
            Expr::If {
                cond: cmp(CmpOp::Gt, invocations(), c(20.0)),
                then: Box::new(Expr::Mul(
                    Box::new(Expr::Div(errors(), invocations())),
                    c(100.0)
                )),
                otherwise: Some(c(0.0)),
            }
        );
        assert_eq!(
            parse_expression("IF(errors, m2)", &f).unwrap(),
            Expr::If {
                cond: errors(),
                then: series(MetricName::Filter(0), Statistic::Sum),
                otherwise: None,
            }
        );
        assert_eq!(
            parse_expression("FILL(errors, -0.5) * 2", &f).unwrap(),
            Expr::Mul(Box::new(Expr::Fill(errors(), -0.5)), c(2.0))
        );
        assert_eq!(
            parse_expression("FILL(errors, .25 * 4)", &f).unwrap(),
            Expr::Fill(errors(), 1.0)
        );
        assert_eq!(
            parse_expression("MAX([errors, m2 + 1, 3])", &f).unwrap(),
            Expr::Extreme(
                Extreme::Max,
                vec![
                    *errors(),
                    Expr::Add(series(MetricName::Filter(0), Statistic::Sum), c(1.0)),
                    Expr::Const(3.0)
                ]
            )
        );
        assert_eq!(
            parse_expression("-ABS(MIN([errors]))", &f).unwrap(),
            Expr::Neg(Box::new(Expr::Abs(Box::new(Expr::Extreme(
                Extreme::Min,
                vec![*errors()]
            )))))
        );
    }

    #[test]
    fn unsupported_syntax_is_refused_with_position_and_what_is_supported() {
        let f = vec!["m2".to_string()];
        let cases = [
            ("RATE(errors)", "at column 1: RATE is a CloudWatch function canarysim does not simulate; supported: IF(condition, trueValue[, falseValue]), FILL(metric, constant), MIN([a, b, ...]), MAX([a, b, ...]), ABS(x)"),
            ("errors + FOO(1)", "at column 10: unknown function \"FOO\"; supported: IF("),
            ("if(errors > 1, 1, 0)", "at column 1: CloudWatch requires function names in uppercase (\"All functions must be written in uppercase letters\"): write IF"),
            ("Fill(errors, 0)", "write FILL"),
            ("NOT(errors > 1)", "at column 1: CloudWatch metric math has no NOT operator"),
            ("NOT errors", "at column 1: CloudWatch metric math has no NOT operator"),
            ("!(errors > 1)", "at column 1: unexpected character '!'; CloudWatch metric math has no NOT (!) operator"),
            ("errors = 1", "at column 8: unexpected character '='; equality is =="),
            ("errors & 1", "logical and is AND or &&"),
            ("errors > 1 and invocations > 2", "at column 12: logical operators are written in uppercase: AND (or &&)"),
            ("errors ^ 2", "the power operator ^ is not simulated"),
            ("IF(errors)", "at column 1: IF takes 2 or 3 arguments: IF(condition, trueValue[, falseValue])"),
            ("IF(errors, 1, 2, 3)", "IF takes 2 or 3 arguments"),
            ("IF(errors 1)", "at column 11: unexpected \"1\"; expected \",\" or \")\" in the arguments of the IF at column 1"),
            ("IF(1, 2, errors)", "at column 1: IF with a constant condition needs metrics in its branches"),
            ("FILL(errors, REPEAT)", "at column 14: FILL(m, REPEAT) is not simulated (it needs the values of neighbouring periods); supported: FILL(m, constant)"),
            ("FILL(errors, linear)", "FILL(m, LINEAR) is not simulated"),
            ("FILL(errors, invocations)", "at column 14: FILL's value must be a constant number here"),
            ("FILL(errors, 1 / 0)", "FILL's value must be a constant number"),
            ("FILL(3, 0) + errors", "at column 1: FILL fills a time series: its first argument must reference a metric"),
            ("FILL(errors)", "at column 12: unexpected \")\"; FILL takes two arguments"),
            ("MIN(errors, m2)", "at column 1: CloudWatch's MIN takes an array of time series in brackets: write MIN([a, b])"),
            ("MAX(errors)", "at column 1: MAX of one time series is a single number over the whole queried range"),
            ("MAX([errors, m2)", "at column 16: unexpected \")\"; expected \",\" or \"]\" in the array opened at column 5"),
            ("MAX([errors]", "unexpected end of the expression; expected \")\" to close the MAX at column 1"),
            ("[errors, m2]", "at column 1: an array [ ... ] is allowed only as the argument of MIN or MAX"),
            ("ABS(errors, 1)", "at column 1: ABS takes one argument: ABS(x)"),
            ("IF(1 > 2, 3, 4)", "IF with a constant condition"),
            ("MAX([1, 2])", "references no metric"),
            ("errors > ", "unexpected end of the expression; expected a number, a metric (e.g. errors, invocations, Duration.p99), a function (IF, FILL, MIN, MAX, ABS)"),
            ("errors )", "expected an operator (+ - * /, > >= < <= == !=, AND &&, OR ||) or the end"),
        ];
        for (text, expected) in cases {
            let err = parse_expression(text, &f).expect_err(text);
            assert!(err.contains(expected), "{text:?}: {err}");
        }
        let deep = format!("{}errors{}", "ABS(".repeat(100), ")".repeat(100));
        assert!(parse_expression(&deep, &f).unwrap_err().contains("nested"));
    }
}
