//! CloudWatch Logs JSON filter patterns, as metric filters take them
//! (CWL-UG `FilterAndPatternSyntax`, "Using filter patterns to match terms
//! in JSON log events"): `{ $.log = "response" && $.function = "fn:2" &&
//! $.statusCode > 400 }`. Supported: comparisons `$.field op value` joined
//! by `&&` and `||` (`&&` binds tighter, as in the guide's example of a
//! mixed pattern), parentheses, string (in)equality with `*` wildcards,
//! numeric `= != > >= < <=`. The braces may be left out (the old
//! single-comparison syntax `$.statusCode > 400` is a subset). Everything
//! else the guide documents (space-delimited `[…]` patterns, `%regex%`,
//! `IS NULL`, `NOT EXISTS`, `IS TRUE`, arrays `$.a[0]`, nested selectors)
//! is rejected with its character position, since the simulated response
//! line (`crate::logfilter`) has no such fields.

use crate::model::{CmpOp, FilterField, FilterPattern, TextField};

/// What a filter pattern may contain, for error messages.
pub const PATTERN_HINT: &str = "supported: a JSON pattern `{ … }` of comparisons `$.field op value` joined by && and || with parentheses; \
fields $.statusCode and $.duration (numbers; =, !=, >, >=, <, <=) and $.log and $.function (strings in double quotes, = or !=, * as a wildcard), \
e.g. \"{ $.log = \\\"response\\\" && $.function = \\\"main:2\\\" && $.statusCode > 400 }\"";

/// Deepest parenthesis nesting accepted.
const MAX_DEPTH: usize = 64;

/// Parses a log metric filter pattern.
pub fn parse_filter_pattern(text: &str) -> Result<FilterPattern, String> {
    let mut p = Parser {
        chars: text.chars().collect(),
        pos: 0,
        depth: 0,
    };
    p.pattern().map_err(|(pos, what)| {
        format!("bad pattern {text:?} at position {pos}: {what}; {PATTERN_HINT}")
    })
}

/// An error: 1-based character position and what is wrong there.
type PResult<T> = Result<T, (usize, String)>;

struct Parser {
    chars: Vec<char>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn skip_ws(&mut self) {
        while self.chars.get(self.pos).is_some_and(|c| c.is_whitespace()) {
            self.pos += 1;
        }
    }

    fn peek(&mut self) -> Option<char> {
        self.skip_ws();
        self.chars.get(self.pos).copied()
    }

    fn eat(&mut self, s: &str) -> bool {
        self.skip_ws();
        let n = s.chars().count();
        if self.chars.len() >= self.pos + n
            && self.chars[self.pos..self.pos + n]
                .iter()
                .copied()
                .eq(s.chars())
        {
            self.pos += n;
            true
        } else {
            false
        }
    }

    fn fail<T>(&mut self, what: impl Into<String>) -> PResult<T> {
        self.skip_ws();
        Err((self.pos + 1, what.into()))
    }

    fn found(&mut self) -> String {
        self.skip_ws();
        let rest: String = self.chars[self.pos..].iter().take(12).collect();
        if rest.is_empty() {
            "the end of the pattern".into()
        } else {
            format!("{rest:?}")
        }
    }

    fn pattern(&mut self) -> PResult<FilterPattern> {
        match self.peek() {
            None => return self.fail("empty pattern"),
            Some('[') => {
                return self.fail("space-delimited patterns ([a, b, …]) are not supported")
            }
            Some('%') => return self.fail("regular expressions (%…%) are not supported"),
            Some('"') => return self.fail("term patterns (\"text\") are not supported"),
            _ => {}
        }
        let braced = self.eat("{");
        let body = self.or()?;
        if braced && !self.eat("}") {
            let found = self.found();
            return self.fail(format!(
                "expected && or || or the closing \"}}\", found {found}"
            ));
        }
        if self.peek().is_some() {
            let found = self.found();
            let what = if !braced && self.peek() == Some('}') {
                "missing opening \"{\"".to_string()
            } else {
                format!("expected && or || or the end of the pattern, found {found}")
            };
            return self.fail(what);
        }
        Ok(body)
    }

    fn or(&mut self) -> PResult<FilterPattern> {
        let mut left = self.and()?;
        while self.eat("||") {
            left = FilterPattern::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> PResult<FilterPattern> {
        let mut left = self.atom()?;
        while self.eat("&&") {
            left = FilterPattern::And(Box::new(left), Box::new(self.atom()?));
        }
        Ok(left)
    }

    fn atom(&mut self) -> PResult<FilterPattern> {
        if self.eat("(") {
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return self.fail(format!("nested more than {MAX_DEPTH} levels deep"));
            }
            let inner = self.or()?;
            if !self.eat(")") {
                let found = self.found();
                return self.fail(format!("expected && or || or \")\", found {found}"));
            }
            self.depth -= 1;
            return Ok(inner);
        }
        self.comparison()
    }

    fn comparison(&mut self) -> PResult<FilterPattern> {
        if !self.eat("$.") {
            let found = self.found();
            return self.fail(format!(
                "expected a selector ($.statusCode, $.duration, $.log, $.function) or \"(\", found {found}"
            ));
        }
        let start = self.pos;
        while self
            .chars
            .get(self.pos)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
        {
            self.pos += 1;
        }
        let name: String = self.chars[start..self.pos].iter().collect();
        match self.chars.get(self.pos) {
            Some('[') => return self.fail("arrays ($.a[0]) are not supported"),
            Some('.') => return self.fail("nested selectors ($.a.b) are not supported: the response line has only top-level fields"),
            _ => {}
        }
        enum Kind {
            Number(FilterField),
            Text(TextField),
        }
        let kind = match name.as_str() {
            "statusCode" => Kind::Number(FilterField::StatusCode),
            "duration" => Kind::Number(FilterField::Duration),
            "log" => Kind::Text(TextField::Log),
            "function" => Kind::Text(TextField::Function),
            _ => {
                self.pos = start;
                return self.fail(format!(
                    "unknown field {name:?}: the simulated function logs only log, function, statusCode and duration"
                ));
            }
        };
        self.skip_ws();
        let op_pos = self.pos;
        for word in ["IS", "NOT"] {
            if self.eat(word) {
                self.pos = op_pos;
                return self.fail("IS NULL, IS TRUE/FALSE and NOT EXISTS are not supported");
            }
        }
        let operators = [
            ("==", None),
            (">=", Some(CmpOp::Ge)),
            ("<=", Some(CmpOp::Le)),
            ("!=", Some(CmpOp::Ne)),
            (">", Some(CmpOp::Gt)),
            ("<", Some(CmpOp::Lt)),
            ("=", Some(CmpOp::Eq)),
        ];
        let Some(comparison) = operators
            .iter()
            .find(|(op, _)| self.eat(op))
            .map(|(_, c)| *c)
        else {
            let found = self.found();
            return self.fail(format!(
                "expected an operator (=, !=, >, >=, <, <=), found {found}"
            ));
        };
        let Some(comparison) = comparison else {
            self.pos = op_pos;
            return self.fail("unknown operator \"==\" (use =)");
        };
        if matches!(self.peek(), Some('=' | '>' | '<')) {
            return self.fail("unknown operator (two operators in a row)");
        }
        match kind {
            Kind::Number(field) => Ok(FilterPattern::Number {
                field,
                comparison,
                operand: self.number()?,
            }),
            Kind::Text(field) => {
                let equal = match comparison {
                    CmpOp::Eq => true,
                    CmpOp::Ne => false,
                    _ => {
                        self.pos = op_pos;
                        return self.fail(format!(
                            "${name} is a string: only = and != compare strings"
                        ));
                    }
                };
                Ok(FilterPattern::Text {
                    field,
                    equal,
                    glob: self.string()?,
                })
            }
        }
    }

    fn number(&mut self) -> PResult<f64> {
        self.skip_ws();
        let start = self.pos;
        while self
            .chars
            .get(self.pos)
            .is_some_and(|c| c.is_ascii_alphanumeric() || "+-.".contains(*c))
        {
            self.pos += 1;
        }
        let word: String = self.chars[start..self.pos].iter().collect();
        let is_number = !word.is_empty()
            && word
                .chars()
                .all(|c| c.is_ascii_digit() || "+-.eE".contains(c));
        match word.parse::<f64>() {
            Ok(v) if is_number && v.is_finite() => Ok(v),
            _ => {
                self.pos = start;
                if word.is_empty() {
                    let found = self.found();
                    self.fail(format!("expected a number, found {found}"))
                } else {
                    self.fail(format!("{word:?} is not a finite number"))
                }
            }
        }
    }

    /// A double-quoted string (`\"` and `\\` escapes) or a bare word of
    /// letters, digits and `_ . - : *`.
    fn string(&mut self) -> PResult<String> {
        self.skip_ws();
        if self.chars.get(self.pos) == Some(&'"') {
            let open = self.pos;
            self.pos += 1;
            let mut out = String::new();
            loop {
                match self.chars.get(self.pos) {
                    None => {
                        self.pos = open;
                        return self.fail("unterminated string");
                    }
                    Some('"') => {
                        self.pos += 1;
                        return Ok(out);
                    }
                    Some('\\') if self.chars.get(self.pos + 1).is_some() => {
                        out.push(self.chars[self.pos + 1]);
                        self.pos += 2;
                    }
                    Some(&c) => {
                        out.push(c);
                        self.pos += 1;
                    }
                }
            }
        }
        let start = self.pos;
        while self
            .chars
            .get(self.pos)
            .is_some_and(|c| c.is_ascii_alphanumeric() || "_.-:*".contains(*c))
        {
            self.pos += 1;
        }
        if self.pos == start {
            let found = self.found();
            return self.fail(format!("expected a string in double quotes, found {found}"));
        }
        Ok(self.chars[start..self.pos].iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(field: FilterField, comparison: CmpOp, operand: f64) -> FilterPattern {
        FilterPattern::Number {
            field,
            comparison,
            operand,
        }
    }

    fn text(field: TextField, equal: bool, glob: &str) -> FilterPattern {
        FilterPattern::Text {
            field,
            equal,
            glob: glob.into(),
        }
    }

    fn and(a: FilterPattern, b: FilterPattern) -> FilterPattern {
        FilterPattern::And(Box::new(a), Box::new(b))
    }

    fn or(a: FilterPattern, b: FilterPattern) -> FilterPattern {
        FilterPattern::Or(Box::new(a), Box::new(b))
    }

    #[test]
    fn single_comparisons_keep_the_old_syntax() {
        use CmpOp::*;
        use FilterField::*;
        let cases = [
            ("$.statusCode > 400", num(StatusCode, Gt, 400.0)),
            ("{ $.duration>=1000.5 }", num(Duration, Ge, 1000.5)),
            ("{$.statusCode != 200}", num(StatusCode, Ne, 200.0)),
            ("$.statusCode = 504", num(StatusCode, Eq, 504.0)),
            ("{ $.duration < 1e3 }", num(Duration, Lt, 1000.0)),
            ("{ $.statusCode <= -1 }", num(StatusCode, Le, -1.0)),
        ];
        for (text, want) in cases {
            assert_eq!(parse_filter_pattern(text), Ok(want), "{text}");
        }
    }

    #[test]
    fn the_seed_pattern_parses_with_and_binding_tighter_than_or() {
        let seed =
            r#"{ $.log = "response" &&  $.function = "ListFunction:2" && $.statusCode > 400 }"#;
        assert_eq!(
            parse_filter_pattern(seed),
            Ok(and(
                and(
                    text(TextField::Log, true, "response"),
                    text(TextField::Function, true, "ListFunction:2")
                ),
                num(FilterField::StatusCode, CmpOp::Gt, 400.0)
            ))
        );
        // a || b && c is a || (b && c).
        let a = num(FilterField::StatusCode, CmpOp::Eq, 503.0);
        let b = text(TextField::Function, false, "*:1");
        let c = num(FilterField::Duration, CmpOp::Gt, 900.0);
        assert_eq!(
            parse_filter_pattern(
                r#"{ $.statusCode = 503 || $.function != "*:1" && $.duration > 900 }"#
            ),
            Ok(or(a.clone(), and(b.clone(), c.clone())))
        );
        // Parentheses override it: (a || b) && c.
        assert_eq!(
            parse_filter_pattern(
                r#"{ ($.statusCode = 503 || $.function != "*:1") && $.duration > 900 }"#
            ),
            Ok(and(or(a, b), c))
        );
        // Bare words and escapes.
        assert_eq!(
            parse_filter_pattern(r#"{ $.function = main:* || $.log = "a\"b" }"#),
            Ok(or(
                text(TextField::Function, true, "main:*"),
                text(TextField::Log, true, "a\"b")
            ))
        );
    }

    #[test]
    fn errors_name_the_position_and_what_is_supported() {
        let cases = [
            ("", 1, "empty"),
            ("{}", 2, "selector"),
            ("{ $.statusCode > 400", 21, "closing"),
            ("$.statusCode > 400 }", 20, "missing opening"),
            ("{ $.status > 400 }", 5, "unknown field \"status\""),
            ("$.statusCode => 400", 15, "two operators"),
            ("$.statusCode == 400", 14, "\"==\""),
            ("$.statusCode ~ 400", 14, "expected an operator"),
            ("$.statusCode >", 15, "expected a number"),
            ("$.statusCode > abc", 16, "not a finite number"),
            ("$.statusCode > nan", 16, "not a finite number"),
            ("$.duration < inf", 14, "not a finite number"),
            ("[ip, user, status > 400]", 1, "space-delimited"),
            ("%ERROR%", 1, "regular expressions"),
            ("{ $.a[0] = 1 }", 6, "arrays"),
            ("{ $.log.level = 1 }", 8, "nested"),
            ("{ $.log IS NULL }", 9, "IS NULL"),
            ("{ $.log NOT EXISTS }", 9, "NOT EXISTS"),
            ("{ $.log > 3 }", 9, "only = and !="),
            ("{ $.log = \"open }", 11, "unterminated"),
            ("{ ($.statusCode > 1 }", 21, "\")\""),
            ("{ $.statusCode > 1 & $.duration > 2 }", 20, "expected &&"),
            ("{ $.statusCode > 1 && }", 23, "selector"),
        ];
        for (bad, pos, what) in cases {
            let err = parse_filter_pattern(bad).expect_err(bad);
            assert!(err.contains(&format!("at position {pos}:")), "{bad}: {err}");
            assert!(err.contains(what), "{bad}: {err}");
            assert!(
                err.contains("$.statusCode") && err.contains("$.duration"),
                "{bad}: {err}"
            );
        }
        let deep = format!("{}$.duration > 1{}", "(".repeat(70), ")".repeat(70));
        assert!(parse_filter_pattern(&deep)
            .unwrap_err()
            .contains("nested more than"));
    }
}
