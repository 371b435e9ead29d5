//! Metric math expressions (`errors / invocations * 100`): a tokenizer and
//! a recursive-descent parser whose errors name the column and the
//! offending token.

use super::names::{metric_hint, parse_statistic, resolve_metric, STATISTIC_HINT};
use crate::model::{Expr, MetricStat, Statistic};

/// Deepest parenthesis / unary-minus nesting accepted in an expression.
const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Ident(String),
    Plus,
    Minus,
    Star,
    Slash,
    LParen,
    RParen,
    End,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    /// 1-based character column.
    column: usize,
    text: String,
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let column = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let single = match c {
            '+' => Some(Tok::Plus),
            '-' => Some(Tok::Minus),
            '*' => Some(Tok::Star),
            '/' => Some(Tok::Slash),
            '(' => Some(Tok::LParen),
            ')' => Some(Tok::RParen),
            _ => None,
        };
        if let Some(tok) = single {
            tokens.push(Token {
                tok,
                column,
                text: c.to_string(),
            });
            i += 1;
        } else if (c.is_ascii_digit() && !starts_digit_name(&chars, i))
            || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            if i < chars.len() && chars[i] == '.' {
                i += 1;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
            }
            if i < chars.len() && (chars[i] == 'e' || chars[i] == 'E') {
                let mut j = i + 1;
                if j < chars.len() && (chars[j] == '+' || chars[j] == '-') {
                    j += 1;
                }
                if j < chars.len() && chars[j].is_ascii_digit() {
                    i = j;
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                }
            }
            let number: String = chars[start..i].iter().collect();
            let value: f64 = number
                .parse()
                .map_err(|_| format!("at column {column}: bad number \"{number}\""))?;
            if !value.is_finite() {
                return Err(format!(
                    "at column {column}: number \"{number}\" is too large"
                ));
            }
            tokens.push(Token {
                tok: Tok::Num(value),
                column,
                text: number,
            });
        } else if c.is_ascii_alphabetic() || c == '_' || starts_digit_name(&chars, i) {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            // Optional `.Statistic`; the statistic may itself contain a dot (p99.9).
            if i + 1 < chars.len() && chars[i] == '.' && chars[i + 1].is_ascii_alphanumeric() {
                i += 1;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '.')
                {
                    i += 1;
                }
            }
            let ident: String = chars[start..i].iter().collect();
            tokens.push(Token {
                tok: Tok::Ident(ident.clone()),
                column,
                text: ident,
            });
        } else {
            return Err(format!(
                "at column {column}: unexpected character {c:?}; allowed: numbers, metric names, + - * / and parentheses"
            ));
        }
    }
    tokens.push(Token {
        tok: Tok::End,
        column: chars.len() + 1,
        text: String::new(),
    });
    Ok(tokens)
}

/// Whether a metric name starting with digits begins at `i`: API Gateway's
/// `5XXError` and `4XXError` (digits then a letter that does not start an
/// exponent such as `1e3`).
fn starts_digit_name(chars: &[char], i: usize) -> bool {
    let mut j = i;
    while j < chars.len() && chars[j].is_ascii_digit() {
        j += 1;
    }
    if j == i || j >= chars.len() || !(chars[j].is_ascii_alphabetic() || chars[j] == '_') {
        return false;
    }
    let exponent = matches!(chars[j], 'e' | 'E')
        && (chars.get(j + 1).is_some_and(char::is_ascii_digit)
            || (matches!(chars.get(j + 1), Some('+' | '-'))
                && chars.get(j + 2).is_some_and(char::is_ascii_digit)));
    !exponent
}

struct Parser<'a> {
    tokens: Vec<Token>,
    pos: usize,
    filters: &'a [String],
    depth: usize,
}

const OPERAND_HINT: &str =
    "expected a number, a metric (e.g. errors, invocations, Duration.p99) or \"(\"";

impl Parser<'_> {
    fn peek(&self) -> &Token {
        // `tokens` always ends with `End`, and `pos` never passes it.
        &self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    fn advance(&mut self) -> Token {
        let token = self.peek().clone();
        if token.tok != Tok::End {
            self.pos += 1;
        }
        token
    }

    fn unexpected(token: &Token, expected: &str) -> String {
        if token.tok == Tok::End {
            format!("unexpected end of the expression; {expected}")
        } else {
            format!(
                "at column {}: unexpected \"{}\"; {expected}",
                token.column, token.text
            )
        }
    }

    fn enter(&mut self, token: &Token) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!(
                "at column {}: nested more than {MAX_DEPTH} levels deep",
                token.column
            ));
        }
        Ok(())
    }

    fn expr(&mut self) -> Result<Expr, String> {
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
            self.depth -= 1;
            return Ok(Expr::Neg(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, String> {
        let token = self.advance();
        match &token.tok {
            Tok::Num(value) => Ok(Expr::Const(*value)),
            Tok::Ident(ident) => self.series(ident, token.column).map(Expr::Series),
            Tok::LParen => {
                self.enter(&token)?;
                let inner = self.expr()?;
                self.depth -= 1;
                let close = self.advance();
                if close.tok != Tok::RParen {
                    return Err(Self::unexpected(
                        &close,
                        &format!(
                            "expected \")\" to close the \"(\" at column {}",
                            token.column
                        ),
                    ));
                }
                Ok(inner)
            }
            _ => Err(Self::unexpected(&token, OPERAND_HINT)),
        }
    }

    fn series(&self, ident: &str, column: usize) -> Result<MetricStat, String> {
        let (name, statistic) = match ident.split_once('.') {
            Some((name, stat)) => (name, Some(stat)),
            None => (ident, None),
        };
        let metric = resolve_metric(name, self.filters).ok_or_else(|| {
            format!(
                "at column {column}: unknown metric \"{name}\"; allowed: errors, invocations, {}, optionally followed by .Statistic",
                metric_hint(self.filters)
            )
        })?;
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

/// Parses a metric math expression. `filters` are the log metric filter
/// names in model order. Errors name the column and the offending token.
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
        return Err(Parser::unexpected(
            &rest,
            "expected an operator (+ - * /) or the end of the expression",
        ));
    }
    if !references_series(&expr) {
        return Err(
            "the expression references no metric; e.g. \"errors / invocations * 100\"".into(),
        );
    }
    Ok(expr)
}

fn references_series(expr: &Expr) -> bool {
    match expr {
        Expr::Const(_) => false,
        Expr::Series(_) => true,
        Expr::Add(a, b) | Expr::Sub(a, b) | Expr::Mul(a, b) | Expr::Div(a, b) => {
            references_series(a) || references_series(b)
        }
        Expr::Neg(a) => references_series(a),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::MetricName;

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
}
