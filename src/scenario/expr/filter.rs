//! Log metric filter patterns (`{ $.statusCode > 400 }`).

use crate::model::{FilterComparison, FilterField};

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
