//! The response line the simulated function logs, and log metric filters
//! compiled against it (issue 11, item 5; reference §1.12).
//!
//! Per request that reaches its handler and returns — a success or a
//! *handled* failure — the function logs one JSON line, like seed 002's
//! `console.log`:
//! `{"log": "response", "function": "<name>:<version>", "statusCode": N, "duration": ms}`.
//! The version is `1` for the stable version and `2` for the candidate
//! (Lambda numbers published versions; only their order matters here).
//! An *unhandled* error or a timeout writes no response line: the handler
//! threw or was stopped before it could log one (the runtime logs an error
//! record and the REPORT line instead, neither of which has these fields),
//! and an API Gateway cache hit never invokes the function. A comparison on
//! a field the line lacks does not match, so such requests match no filter.
//!
//! A pattern is compiled once per world and version: its string terms are
//! decided then (the `log` and `function` fields are constant per
//! version), leaving a predicate over (status, duration) that is cheap per
//! request and, in fast mode, decides a whole (status, latency bin) count.

use crate::model::{CmpOp, FilterField};
use crate::model::{FilterPattern, LogFilter, TextField};

/// The version number in a stable request's `function` field.
pub const STABLE_VERSION: &str = "1";
/// The version number in a candidate request's `function` field.
pub const CANDIDATE_VERSION: &str = "2";
/// The `log` field of every response line.
pub const LOG_FIELD: &str = "response";

/// A pattern with its string terms decided for one version's lines.
#[derive(Debug, Clone, PartialEq)]
pub enum LinePredicate {
    Const(bool),
    Number {
        field: FilterField,
        comparison: CmpOp,
        operand: f64,
    },
    And(Box<LinePredicate>, Box<LinePredicate>),
    Or(Box<LinePredicate>, Box<LinePredicate>),
}

impl LinePredicate {
    /// Compiles `pattern` for lines whose `function` field is `function`,
    /// folding constants.
    pub fn compile(pattern: &FilterPattern, function: &str) -> Self {
        match pattern {
            FilterPattern::Number {
                field,
                comparison,
                operand,
            } => LinePredicate::Number {
                field: *field,
                comparison: *comparison,
                operand: *operand,
            },
            FilterPattern::Text { field, equal, glob } => {
                let value = match field {
                    TextField::Log => LOG_FIELD,
                    TextField::Function => function,
                };
                LinePredicate::Const(glob_matches(glob, value) == *equal)
            }
            FilterPattern::And(a, b) => {
                match (Self::compile(a, function), Self::compile(b, function)) {
                    (LinePredicate::Const(false), _) | (_, LinePredicate::Const(false)) => {
                        LinePredicate::Const(false)
                    }
                    (LinePredicate::Const(true), x) | (x, LinePredicate::Const(true)) => x,
                    (x, y) => LinePredicate::And(Box::new(x), Box::new(y)),
                }
            }
            FilterPattern::Or(a, b) => {
                match (Self::compile(a, function), Self::compile(b, function)) {
                    (LinePredicate::Const(true), _) | (_, LinePredicate::Const(true)) => {
                        LinePredicate::Const(true)
                    }
                    (LinePredicate::Const(false), x) | (x, LinePredicate::Const(false)) => x,
                    (x, y) => LinePredicate::Or(Box::new(x), Box::new(y)),
                }
            }
        }
    }

    /// Whether a response line with this status and duration matches.
    #[inline]
    pub fn matches(&self, status: u16, duration_ms: f64) -> bool {
        match self {
            LinePredicate::Const(b) => *b,
            LinePredicate::Number {
                field,
                comparison,
                operand,
            } => {
                let value = match field {
                    FilterField::StatusCode => f64::from(status),
                    FilterField::Duration => duration_ms,
                };
                comparison.holds(value, *operand)
            }
            LinePredicate::And(a, b) => {
                a.matches(status, duration_ms) && b.matches(status, duration_ms)
            }
            LinePredicate::Or(a, b) => {
                a.matches(status, duration_ms) || b.matches(status, duration_ms)
            }
        }
    }
}

/// Whether `text` matches `glob`, where `*` stands for any run of
/// characters (possibly empty) and everything else for itself.
pub fn glob_matches(glob: &str, text: &str) -> bool {
    let parts: Vec<&str> = glob.split('*').collect();
    if parts.len() == 1 {
        return glob == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || !text.ends_with(last) || text.len() < first.len() + last.len() {
        return false;
    }
    // Both ends are char boundaries: a matched prefix and suffix.
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(i) => rest = &rest[i + middle.len()..],
            None => return false,
        }
    }
    true
}

/// The filters of one function's world, compiled per version:
/// `preds[filter][0]` for the stable version's lines, `[1]` for the
/// candidate's.
#[derive(Debug, Clone, Default)]
pub struct CompiledFilters {
    preds: Vec<[LinePredicate; 2]>,
}

impl CompiledFilters {
    pub fn new(filters: &[LogFilter], function_name: &str) -> Self {
        let stable = format!("{function_name}:{STABLE_VERSION}");
        let candidate = format!("{function_name}:{CANDIDATE_VERSION}");
        CompiledFilters {
            preds: filters
                .iter()
                .map(|f| {
                    [
                        LinePredicate::compile(&f.pattern, &stable),
                        LinePredicate::compile(&f.pattern, &candidate),
                    ]
                })
                .collect(),
        }
    }

    pub fn len(&self) -> usize {
        self.preds.len()
    }

    /// The predicate of filter `i` for version `version` (0 stable, 1 candidate).
    pub fn get(&self, i: usize, version: usize) -> &LinePredicate {
        &self.preds[i][version]
    }

    /// Writes into `out` which filters a response line of `version` matches.
    #[inline]
    pub fn matches(&self, version: usize, status: u16, duration_ms: f64, out: &mut [bool]) {
        for (m, p) in out.iter_mut().zip(&self.preds) {
            *m = p[version].matches(status, duration_ms);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Scope;
    use crate::scenario::parse_filter_pattern;

    fn filter(pattern: &str) -> LogFilter {
        LogFilter {
            name: "f".into(),
            scope: Scope::Function,
            pattern: parse_filter_pattern(pattern).expect(pattern),
            value: 1.0,
            default_value: None,
        }
    }

    #[test]
    fn wildcards_match_any_run_of_characters() {
        assert!(glob_matches("fn:2", "fn:2"));
        assert!(!glob_matches("fn:2", "fn:20"));
        assert!(glob_matches("*:2", "ListFunction:2"));
        assert!(!glob_matches("*:2", "ListFunction:1"));
        assert!(glob_matches("List*", "ListFunction:1"));
        assert!(glob_matches("*", ""));
        assert!(glob_matches("a*b*c", "abc"));
        assert!(glob_matches("a*b*c", "a-x-b-y-c"));
        assert!(!glob_matches("a*b*c", "acb"));
        assert!(
            !glob_matches("ab*ba", "aba"),
            "prefix and suffix may not overlap"
        );
    }

    #[test]
    fn the_seed_pattern_sees_only_the_candidates_error_responses() {
        let f = filter(
            r#"{ $.log = "response" && $.function = "ListFunction:2" && $.statusCode > 400 }"#,
        );
        let c = CompiledFilters::new(std::slice::from_ref(&f), "ListFunction");
        // Stable lines fail the `function` term: the whole pattern folds to false.
        assert_eq!(c.get(0, 0), &LinePredicate::Const(false));
        let cand = c.get(0, 1);
        assert!(cand.matches(503, 10.0));
        assert!(cand.matches(404, 10.0));
        assert!(!cand.matches(400, 10.0), "> is strict");
        assert!(!cand.matches(200, 10.0));
        // Another function's name never matches.
        let other = CompiledFilters::new(std::slice::from_ref(&f), "Other");
        assert_eq!(other.get(0, 1), &LinePredicate::Const(false));
    }

    #[test]
    fn per_request_matching_follows_precedence_and_parentheses() {
        let filters = [
            filter(r#"{ $.statusCode = 503 || $.function != "*:1" && $.duration > 900 }"#),
            filter(r#"{ ($.statusCode = 503 || $.function != "*:1") && $.duration > 900 }"#),
            filter("$.duration > 900"),
            filter(r#"{ $.log != "resp*" }"#),
        ];
        let c = CompiledFilters::new(&filters, "main");
        let mut out = [false; 4];
        // Stable (main:1), 503 in 100 ms: a || (false && c) = true; (true) && c = false.
        c.matches(0, 503, 100.0, &mut out);
        assert_eq!(out, [true, false, false, false]);
        // Candidate (main:2), 200 in 1000 ms: false || (true && true).
        c.matches(1, 200, 1000.0, &mut out);
        assert_eq!(out, [true, true, true, false]);
        // Candidate, 200 in 100 ms.
        c.matches(1, 200, 100.0, &mut out);
        assert_eq!(out, [false, false, false, false]);
        // Stable, 200 in 1000 ms: the function term is false for main:1.
        c.matches(0, 200, 1000.0, &mut out);
        assert_eq!(out, [false, false, true, false]);
    }
}
