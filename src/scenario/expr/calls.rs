//! Function calls in metric math: `IF`, `FILL`, `MIN`, `MAX`, `ABS` — the
//! CloudWatch functions that act per period, which is what an alarm
//! evaluates. Source: CloudWatch User Guide, "Use metric math", "Functions
//! supported for metric math" and "Using IF expressions"
//! (`doc_source/using-metric-math.md` at b355497). The guide requires
//! uppercase names ("All functions must be written in uppercase letters"),
//! so `if(...)` is refused with the spelling to use.

use super::lexer::{Tok, Token};
use super::parser::{Parser, NO_NOT};
use crate::metric_math::constant;
use crate::model::{Expr, Extreme};

/// The functions canarysim simulates, for error messages.
pub const FUNCTIONS_HINT: &str = "IF(condition, trueValue[, falseValue]), FILL(metric, constant), MIN([a, b, ...]), MAX([a, b, ...]), ABS(x)";

/// CloudWatch's other metric math functions: named as such when refused.
const OTHER_AWS_FUNCTIONS: [&str; 32] = [
    "ANOMALY_DETECTION_BAND",
    "AVG",
    "CEIL",
    "DATAPOINT_COUNT",
    "DATE",
    "DAY",
    "DIFF",
    "DIFF_TIME",
    "EPOCH",
    "FIRST",
    "FLOOR",
    "HOUR",
    "INSIGHT_RULE_METRIC",
    "LAST",
    "LOG",
    "LOG10",
    "METRIC_COUNT",
    "METRICS",
    "MINUTE",
    "MONTH",
    "PERIOD",
    "RATE",
    "REMOVE_EMPTY",
    "RUNNING_SUM",
    "SEARCH",
    "SERVICE_QUOTA",
    "SLICE",
    "SORT",
    "STDDEV",
    "SUM",
    "TIME_SERIES",
    "YEAR",
];

impl Parser<'_> {
    /// `name(` ... `)`; `at` is the name's token, the `(` is next.
    pub(super) fn call(&mut self, name: &str, at: &Token) -> Result<Expr, String> {
        let column = at.column;
        let upper = name.to_ascii_uppercase();
        if upper == "NOT" {
            return Err(format!("at column {column}: {NO_NOT}"));
        }
        let known = matches!(upper.as_str(), "IF" | "FILL" | "MIN" | "MAX" | "ABS");
        if !known {
            let what = if OTHER_AWS_FUNCTIONS.contains(&upper.as_str()) {
                format!("{name} is a CloudWatch function canarysim does not simulate")
            } else {
                format!("unknown function \"{name}\"")
            };
            return Err(format!(
                "at column {column}: {what}; supported: {FUNCTIONS_HINT}"
            ));
        }
        if name != upper {
            return Err(format!(
                "at column {column}: CloudWatch requires function names in uppercase (\"All functions must be written in uppercase letters\"): write {upper}"
            ));
        }
        self.advance(); // the "("
        self.enter(at)?;
        let expr = match upper.as_str() {
            "IF" => self.if_call(column),
            "FILL" => self.fill_call(column),
            "MIN" => self.extreme_call(Extreme::Min, column),
            "MAX" => self.extreme_call(Extreme::Max, column),
            _ => self.abs_call(column),
        }?;
        self.leave();
        Ok(expr)
    }

    /// Comma-separated arguments up to the closing `)`.
    fn arguments(&mut self, name: &str, column: usize) -> Result<Vec<Expr>, String> {
        let mut args = vec![self.expr()?];
        loop {
            let token = self.advance();
            match token.tok {
                Tok::Comma => args.push(self.expr()?),
                Tok::RParen => return Ok(args),
                _ => {
                    return Err(Parser::unexpected(
                        &token,
                        &format!(
                        "expected \",\" or \")\" in the arguments of the {name} at column {column}"
                    ),
                    ))
                }
            }
        }
    }

    fn if_call(&mut self, column: usize) -> Result<Expr, String> {
        let mut args = self.arguments("IF", column)?.into_iter();
        let (Some(cond), Some(then), otherwise, None) =
            (args.next(), args.next(), args.next(), args.next())
        else {
            return Err(format!(
                "at column {column}: IF takes 2 or 3 arguments: IF(condition, trueValue[, falseValue])"
            ));
        };
        if !cond.is_series()
            && (!then.is_series() || otherwise.as_ref().is_some_and(|o| !o.is_series()))
        {
            return Err(format!(
                "at column {column}: IF with a constant condition needs metrics in its branches (CloudWatch's IF(S, TS, TS)); a constant condition always picks the same branch"
            ));
        }
        Ok(Expr::If {
            cond: Box::new(cond),
            then: Box::new(then),
            otherwise: otherwise.map(Box::new),
        })
    }

    fn fill_call(&mut self, column: usize) -> Result<Expr, String> {
        let series = self.expr()?;
        if !series.is_series() {
            return Err(format!(
                "at column {column}: FILL fills a time series: its first argument must reference a metric, e.g. FILL(errors, 0)"
            ));
        }
        self.expect(
            &Tok::Comma,
            &format!("FILL takes two arguments: FILL(metric, constant) (FILL at column {column})"),
        )?;
        let value_at = self.peek().clone();
        if let Tok::Ident(word) = &value_at.tok {
            let upper = word.to_ascii_uppercase();
            if upper == "REPEAT" || upper == "LINEAR" {
                return Err(format!(
                    "at column {}: FILL(m, {upper}) is not simulated (it needs the values of neighbouring periods); supported: FILL(m, constant), e.g. FILL(errors, 0)",
                    value_at.column
                ));
            }
        }
        let value = self.expr()?;
        let fill = constant(&value).filter(|v| v.is_finite()).ok_or_else(|| {
            format!(
                "at column {}: FILL's value must be a constant number here, e.g. FILL(errors, 0)",
                value_at.column
            )
        })?;
        self.expect(
            &Tok::RParen,
            &format!("expected \")\" to close the FILL at column {column}"),
        )?;
        Ok(Expr::Fill(Box::new(series), fill))
    }

    fn extreme_call(&mut self, kind: Extreme, column: usize) -> Result<Expr, String> {
        let name = kind.name();
        if self.peek().tok != Tok::LBracket {
            let args = self.arguments(name, column)?;
            return Err(if args.len() == 1 {
                format!(
                    "at column {column}: {name} of one time series is a single number over the whole queried range (AWS advises against it in alarms) and is not simulated; for the per-period {} of several expressions write {name}([a, b])",
                    if kind == Extreme::Min { "minimum" } else { "maximum" }
                )
            } else {
                format!(
                    "at column {column}: CloudWatch's {name} takes an array of time series in brackets: write {name}([a, b])"
                )
            });
        }
        let open = self.advance();
        let mut items = vec![self.expr()?];
        loop {
            let token = self.advance();
            match token.tok {
                Tok::Comma => items.push(self.expr()?),
                Tok::RBracket => break,
                _ => {
                    return Err(Parser::unexpected(
                        &token,
                        &format!(
                            "expected \",\" or \"]\" in the array opened at column {}",
                            open.column
                        ),
                    ))
                }
            }
        }
        self.expect(
            &Tok::RParen,
            &format!("expected \")\" to close the {name} at column {column}; {name} takes one array: {name}([a, b])"),
        )?;
        Ok(Expr::Extreme(kind, items))
    }

    fn abs_call(&mut self, column: usize) -> Result<Expr, String> {
        let mut args = self.arguments("ABS", column)?;
        if args.len() != 1 {
            return Err(format!(
                "at column {column}: ABS takes one argument: ABS(x)"
            ));
        }
        Ok(Expr::Abs(Box::new(args.remove(0))))
    }
}
