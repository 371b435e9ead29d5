//! Metric math expressions (`errors / invocations * 100`), statistics
//! (`Sum`, `p99`) and log metric filter patterns (`{ $.statusCode > 400 }`).

use crate::model::{Expr, FilterComparison, FilterField, MetricName, MetricStat, Statistic};

/// Allowed statistics, for error messages.
pub const STATISTIC_HINT: &str =
    "Sum, SampleCount, Average, Minimum, Maximum, or a percentile pNN or pNN.N with 0 < NN < 100 (e.g. p99, p99.9)";

/// Deepest parenthesis / unary-minus nesting accepted in an expression.
const MAX_DEPTH: usize = 64;

/// Parses a CloudWatch statistic name: `Sum`, `SampleCount`, `Average`,
/// `Minimum`, `Maximum` (any case) or `pNN`/`pNN.N`/`pNN.NN` with
/// 0 < NN < 100.
pub fn parse_statistic(text: &str) -> Option<Statistic> {
    let lower = text.to_ascii_lowercase();
    match lower.as_str() {
        "sum" => return Some(Statistic::Sum),
        "samplecount" => return Some(Statistic::SampleCount),
        "average" => return Some(Statistic::Average),
        "minimum" => return Some(Statistic::Minimum),
        "maximum" => return Some(Statistic::Maximum),
        _ => {}
    }
    let number = lower.strip_prefix('p')?;
    let (int, frac) = match number.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (number, None),
    };
    let digits_ok = |s: &str, max: usize| {
        !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits_ok(int, 2) || frac.is_some_and(|f| !digits_ok(f, 2)) {
        return None;
    }
    let value: f64 = number.parse().ok()?;
    (value > 0.0 && value < 100.0).then_some(Statistic::Percentile(value))
}

/// The canonical name of a statistic, e.g. `Sum`, `p99`, `p99.9`.
pub fn statistic_name(statistic: Statistic) -> String {
    match statistic {
        Statistic::Sum => "Sum".into(),
        Statistic::SampleCount => "SampleCount".into(),
        Statistic::Average => "Average".into(),
        Statistic::Minimum => "Minimum".into(),
        Statistic::Maximum => "Maximum".into(),
        Statistic::Percentile(p) => format!("p{p}"),
    }
}

/// Resolves a metric name: `Invocations`, `Errors`, `Duration` in any case,
/// or the exact name of a log metric filter (`filters` in model order).
pub fn resolve_metric(name: &str, filters: &[String]) -> Option<MetricName> {
    match name.to_ascii_lowercase().as_str() {
        "invocations" => Some(MetricName::Invocations),
        "errors" => Some(MetricName::Errors),
        "duration" => Some(MetricName::Duration),
        _ => filters
            .iter()
            .position(|f| f == name)
            .map(MetricName::Filter),
    }
}

/// The canonical name of a metric.
pub fn metric_name(metric: MetricName, filters: &[String]) -> String {
    match metric {
        MetricName::Invocations => "Invocations".into(),
        MetricName::Errors => "Errors".into(),
        MetricName::Duration => "Duration".into(),
        MetricName::Filter(i) => filters.get(i).cloned().unwrap_or_default(),
    }
}

/// The metrics allowed in an alarm, for error messages.
pub fn metric_hint(filters: &[String]) -> String {
    let mut hint = String::from("Invocations, Errors, Duration");
    if filters.is_empty() {
        hint.push_str(" (no metric filters are defined)");
    } else {
        hint.push_str(" or a metric filter: ");
        hint.push_str(&filters.join(", "));
    }
    hint
}

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
        } else if c.is_ascii_digit()
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
        } else if c.is_ascii_alphabetic() || c == '_' {
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

/// Allowed filter patterns, for error messages.
pub const PATTERN_HINT: &str =
    "a pattern is `$.statusCode` or `$.duration`, an operator (>, >=, <, <=, =, !=) and a number, optionally in braces, e.g. \"{ $.statusCode > 400 }\"";

/// Parses a log metric filter pattern such as `{ $.statusCode > 400 }`.
pub fn parse_filter_pattern(text: &str) -> Result<(FilterField, FilterComparison, f64), String> {
    let fail = |what: String| Err(format!("bad pattern {text:?}: {what}; {PATTERN_HINT}"));
    let mut body = text.trim();
    if let Some(inner) = body.strip_prefix('{') {
        match inner.strip_suffix('}') {
            Some(inner) => body = inner.trim(),
            None => return fail("missing closing \"}\"".into()),
        }
    } else if body.ends_with('}') {
        return fail("missing opening \"{\"".into());
    }
    if body.is_empty() {
        return fail("empty".into());
    }
    let field_end = body
        .find(|c: char| c.is_whitespace() || "<>=!".contains(c))
        .unwrap_or(body.len());
    let field = match &body[..field_end] {
        "$.statusCode" => FilterField::StatusCode,
        "$.duration" => FilterField::Duration,
        other => return fail(format!("unknown field {other:?}")),
    };
    let rest = body[field_end..].trim_start();
    let operators = [
        (">=", FilterComparison::Ge),
        ("<=", FilterComparison::Le),
        ("!=", FilterComparison::Ne),
        (">", FilterComparison::Gt),
        ("<", FilterComparison::Lt),
        ("=", FilterComparison::Eq),
    ];
    let Some((op, comparison)) = operators.iter().find(|(op, _)| rest.starts_with(op)) else {
        let found: String = rest.chars().take(8).collect();
        return fail(if found.is_empty() {
            "missing operator".to_string()
        } else {
            format!("unknown operator at {found:?}")
        });
    };
    let number = rest[op.len()..].trim();
    if number.starts_with('=') {
        return fail(format!("unknown operator \"{op}=\""));
    }
    match number.parse::<f64>() {
        Ok(value) if value.is_finite() => Ok((field, *comparison, value)),
        _ if number.is_empty() => fail("missing number after the operator".into()),
        _ => fail(format!("{number:?} is not a finite number")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn statistic_names() {
        assert_eq!(parse_statistic("Sum"), Some(Statistic::Sum));
        assert_eq!(parse_statistic("average"), Some(Statistic::Average));
        assert_eq!(parse_statistic("SampleCount"), Some(Statistic::SampleCount));
        assert_eq!(parse_statistic("p50"), Some(Statistic::Percentile(50.0)));
        assert_eq!(parse_statistic("p99.9"), Some(Statistic::Percentile(99.9)));
        assert_eq!(
            parse_statistic("p99.99"),
            Some(Statistic::Percentile(99.99))
        );
        for bad in [
            "p0", "p100", "p", "p-1", "p99.", "p.5", "pnan", "p999", "tm90", "", "p1e1",
        ] {
            assert_eq!(parse_statistic(bad), None, "{bad}");
        }
        assert_eq!(statistic_name(Statistic::Percentile(99.0)), "p99");
        assert_eq!(statistic_name(Statistic::Percentile(99.9)), "p99.9");
    }

    #[test]
    fn filter_patterns() {
        assert_eq!(
            parse_filter_pattern("$.statusCode > 400"),
            Ok((FilterField::StatusCode, FilterComparison::Gt, 400.0))
        );
        assert_eq!(
            parse_filter_pattern("{ $.duration>=1000.5 }"),
            Ok((FilterField::Duration, FilterComparison::Ge, 1000.5))
        );
        assert_eq!(
            parse_filter_pattern("{$.statusCode != 200}"),
            Ok((FilterField::StatusCode, FilterComparison::Ne, 200.0))
        );
        assert_eq!(
            parse_filter_pattern("$.statusCode = 504"),
            Ok((FilterField::StatusCode, FilterComparison::Eq, 504.0))
        );
        for bad in [
            "",
            "{}",
            "{ $.statusCode > 400",
            "$.statusCode > 400 }",
            "$.status > 400",
            "$.statusCode => 400",
            "$.statusCode == 400",
            "$.statusCode ~ 400",
            "$.statusCode >",
            "$.statusCode > abc",
            "$.statusCode > nan",
            "$.duration < inf",
        ] {
            let err = parse_filter_pattern(bad).expect_err(bad);
            assert!(err.contains("$.statusCode"), "{bad}: {err}");
        }
    }
}
