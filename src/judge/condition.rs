//! Argo Rollouts' `successCondition` / `failureCondition`, the small subset
//! canarysim evaluates: comparisons of `result` (the query's first value,
//! Argo's `result[0]`) with numbers (`<`, `<=`, `>`, `>=`, `==`, `!=`),
//! `isNaN(result)`, `!`, `&&`, `||` and parentheses. Argo evaluates these
//! with `expr` (`argo-rollouts@9f8d111:utils/evaluate/evaluate.go`); an
//! evaluation error makes the measurement Error — here, reading `result`
//! of an empty query result (Argo: `result[0]` of an empty vector).

use std::fmt;

/// The comparison operators are the model's own (metric math and log
/// filter patterns use them too); Rust's float comparisons are Go's: NaN
/// compares false except with `!=`. Imported from its file, not through
/// `model/mod.rs`, which holds parsed conditions.
pub use crate::model::metrics::CmpOp;

/// A parsed condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    /// `a OP b` where each side is `result` (None) or a number.
    Cmp(Option<f64>, CmpOp, Option<f64>),
    IsNan,
    Not(Box<Cond>),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
    Bool(bool),
}

/// Evaluation error: the result is empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmptyResult;

impl Cond {
    /// Evaluates with `result` (`None`: an empty result — an error when
    /// read). `&&` and `||` short-circuit as `expr` does.
    pub fn eval(&self, result: Option<f64>) -> Result<bool, EmptyResult> {
        let side = |s: &Option<f64>| -> Result<f64, EmptyResult> {
            match s {
                Some(v) => Ok(*v),
                None => result.ok_or(EmptyResult),
            }
        };
        Ok(match self {
            Cond::Cmp(a, op, b) => op.holds(side(a)?, side(b)?),
            Cond::IsNan => result.ok_or(EmptyResult)?.is_nan(),
            Cond::Not(c) => !c.eval(result)?,
            Cond::And(a, b) => a.eval(result)? && b.eval(result)?,
            Cond::Or(a, b) => a.eval(result)? || b.eval(result)?,
            Cond::Bool(b) => *b,
        })
    }
}

/// A parse error, with what is allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}; allowed: comparisons of `result` with numbers (<, <=, >, >=, ==, !=), isNaN(result), !, &&, ||, parentheses, true, false",
            self.0
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Result,
    IsNan,
    True,
    False,
    Op(CmpOp),
    Not,
    And,
    Or,
    LParen,
    RParen,
}

fn lex(text: &str) -> Result<Vec<Tok>, ParseError> {
    let b = text.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    while i < b.len() {
        let c = b[i] as char;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let two = text.get(i..i + 2).unwrap_or("");
        let (tok, len) = match two {
            "<=" => (Tok::Op(CmpOp::Le), 2),
            ">=" => (Tok::Op(CmpOp::Ge), 2),
            "==" => (Tok::Op(CmpOp::Eq), 2),
            "!=" => (Tok::Op(CmpOp::Ne), 2),
            "&&" => (Tok::And, 2),
            "||" => (Tok::Or, 2),
            _ => match c {
                '<' => (Tok::Op(CmpOp::Lt), 1),
                '>' => (Tok::Op(CmpOp::Gt), 1),
                '!' => (Tok::Not, 1),
                '(' => (Tok::LParen, 1),
                ')' => (Tok::RParen, 1),
                _ if c.is_ascii_digit() || c == '.' || c == '-' => {
                    let start = i;
                    let mut j = i + 1;
                    while j < b.len()
                        && ((b[j] as char).is_ascii_alphanumeric() || b[j] == b'.' || {
                            (b[j] == b'-' || b[j] == b'+') && matches!(b[j - 1], b'e' | b'E')
                        })
                    {
                        j += 1;
                    }
                    let s = &text[start..j];
                    let v: f64 = s
                        .parse()
                        .map_err(|_| ParseError(format!("{s:?} is not a number")))?;
                    (Tok::Num(v), j - start)
                }
                _ if c.is_ascii_alphabetic() || c == '[' => {
                    let start = i;
                    let mut j = i;
                    while j < b.len()
                        && ((b[j] as char).is_ascii_alphanumeric() || matches!(b[j], b'[' | b']'))
                    {
                        j += 1;
                    }
                    let word = &text[start..j];
                    let tok = match word {
                        "result" | "result[0]" => Tok::Result,
                        "isNaN" => Tok::IsNan,
                        "true" => Tok::True,
                        "false" => Tok::False,
                        "and" => Tok::And,
                        "or" => Tok::Or,
                        "not" => Tok::Not,
                        _ => return Err(ParseError(format!("unknown name {word:?}"))),
                    };
                    (tok, j - start)
                }
                _ => return Err(ParseError(format!("unexpected {c:?}"))),
            },
        };
        out.push(tok);
        i += len;
    }
    Ok(out)
}

/// Parses a condition.
pub fn parse(text: &str) -> Result<Cond, ParseError> {
    let toks = lex(text)?;
    if toks.is_empty() {
        return Err(ParseError("empty condition".into()));
    }
    let mut p = Parser { toks, pos: 0 };
    let c = p.or()?;
    if p.pos != p.toks.len() {
        return Err(ParseError(format!("unexpected {:?}", p.toks[p.pos])));
    }
    Ok(c)
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn or(&mut self) -> Result<Cond, ParseError> {
        let mut l = self.and()?;
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            l = Cond::Or(Box::new(l), Box::new(self.and()?));
        }
        Ok(l)
    }

    fn and(&mut self) -> Result<Cond, ParseError> {
        let mut l = self.unary()?;
        while self.peek() == Some(&Tok::And) {
            self.pos += 1;
            l = Cond::And(Box::new(l), Box::new(self.unary()?));
        }
        Ok(l)
    }

    fn unary(&mut self) -> Result<Cond, ParseError> {
        match self.peek() {
            Some(Tok::Not) => {
                self.pos += 1;
                Ok(Cond::Not(Box::new(self.unary()?)))
            }
            Some(Tok::LParen) => {
                self.pos += 1;
                let c = self.or()?;
                if self.next() != Some(Tok::RParen) {
                    return Err(ParseError("missing ')'".into()));
                }
                Ok(c)
            }
            Some(Tok::IsNan) => {
                self.pos += 1;
                let ok = self.next() == Some(Tok::LParen)
                    && self.next() == Some(Tok::Result)
                    && self.next() == Some(Tok::RParen);
                if !ok {
                    return Err(ParseError("isNaN takes `result`: isNaN(result)".into()));
                }
                Ok(Cond::IsNan)
            }
            Some(Tok::True) => {
                self.pos += 1;
                Ok(Cond::Bool(true))
            }
            Some(Tok::False) => {
                self.pos += 1;
                Ok(Cond::Bool(false))
            }
            _ => {
                let a = self.operand()?;
                let op = match self.next() {
                    Some(Tok::Op(op)) => op,
                    other => {
                        return Err(ParseError(format!(
                            "expected a comparison operator, got {other:?}"
                        )))
                    }
                };
                let b = self.operand()?;
                if a.is_some() && b.is_some() {
                    return Err(ParseError("a comparison must read `result`".into()));
                }
                Ok(Cond::Cmp(a, op, b))
            }
        }
    }

    /// `result` (None) or a number.
    fn operand(&mut self) -> Result<Option<f64>, ParseError> {
        match self.next() {
            Some(Tok::Result) => Ok(None),
            Some(Tok::Num(v)) => Ok(Some(v)),
            other => Err(ParseError(format!(
                "expected `result` or a number, got {other:?}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(text: &str, r: Option<f64>) -> Result<bool, EmptyResult> {
        parse(text).unwrap().eval(r)
    }

    #[test]
    fn comparisons_logic_and_nan() {
        assert_eq!(ev("result < 0.05", Some(0.01)), Ok(true));
        assert_eq!(ev("result[0] >= 0.95", Some(0.95)), Ok(true));
        assert_eq!(ev("0.05 > result", Some(0.1)), Ok(false));
        assert_eq!(ev("result > 1 || result < -1", Some(-2.0)), Ok(true));
        assert_eq!(ev("result > 0 && result < 1", Some(1.0)), Ok(false));
        assert_eq!(
            ev("isNaN(result) || result < 0.05", Some(f64::NAN)),
            Ok(true)
        );
        assert_eq!(ev("!(result < 0.05)", Some(0.1)), Ok(true));
        // NaN compares false, as in Go.
        assert_eq!(ev("result < 0.05", Some(f64::NAN)), Ok(false));
        assert_eq!(ev("result >= 0.05", Some(f64::NAN)), Ok(false));
        // Reading an empty result is an evaluation error (an Error measurement).
        assert_eq!(ev("result < 0.05", None), Err(EmptyResult));
        assert_eq!(ev("true || result < 1", None), Ok(true));
        assert_eq!(ev("1e-3 < result", Some(0.01)), Ok(true));
    }

    #[test]
    fn bad_conditions_say_what_is_allowed() {
        for bad in [
            "",
            "result <",
            "res < 1",
            "1 < 2",
            "result < 1 &&",
            "(result < 1",
            "isNaN(1)",
        ] {
            let e = parse(bad).unwrap_err().to_string();
            assert!(e.contains("allowed"), "{bad}: {e}");
        }
    }
}
