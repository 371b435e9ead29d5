//! Scenario files: TOML text → `toml::Value` → raw serde mirror
//! (`raw::RawScenario`, unknown keys rejected) → one validation step into the
//! typed `model::Scenario`. Every error names the file, the key path, the line
//! (best effort) and what is allowed.
//!
//! The split `parse_document` / `from_value` lets a caller (the sweep) edit
//! the parsed document by key path before validation.

mod duration;
mod error;
mod expr;
mod locate;
pub mod raw;
mod validate;

use std::path::Path;

pub use duration::{format_duration, parse_duration, Dur, DURATION_HINT};
pub use error::{KeyPath, PathSegment, ScenarioError};
pub use expr::{parse_expression, parse_filter_pattern, parse_statistic, statistic_name};
pub use validate::{
    custom_config_name, nominal_duration, shift_span, DEFAULT_PROFILE, PREDEFINED_CONFIGS,
};

use crate::model::Scenario;
use error::Problem;

/// Reads, parses and validates a scenario file. Errors show `path` as given.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io {
        file: file.clone(),
        source,
    })?;
    let value = parse_document(&text, &file)?;
    from_value(value, &text, &file)
}

/// Parses scenario text as a TOML document. Syntax errors carry the line and
/// column.
pub fn parse_document(text: &str, file: &str) -> Result<toml::Value, ScenarioError> {
    match text.parse::<toml::Table>() {
        Ok(table) => Ok(toml::Value::Table(table)),
        Err(err) => {
            let (line, column) = err.span().map_or((1, 1), |span| {
                locate::line_column_of_offset(text, span.start)
            });
            Err(ScenarioError::Syntax {
                file: file.to_string(),
                line,
                column,
                message: one_line(err.message()),
            })
        }
    }
}

/// Deserializes a parsed document into the raw mirror and validates it into
/// the typed model. `text` is only used to find line numbers for key paths
/// (it may be stale if `value` was edited); `file` names the file in errors
/// and provides the default scenario name.
pub fn from_value(value: toml::Value, text: &str, file: &str) -> Result<Scenario, ScenarioError> {
    let invalid = |problem: Problem| ScenarioError::Invalid {
        file: file.to_string(),
        key: problem.path.to_string(),
        line: locate::locate(text, &problem.path),
        message: problem.message,
    };
    let raw: raw::RawScenario =
        serde_path_to_error::deserialize(value).map_err(|err| invalid(serde_problem(&err)))?;
    validate::validate(raw, &name_from_path(Path::new(file))).map_err(invalid)
}

/// The default scenario name: the file name without its extension
/// (`scenarios/error_spike.toml` → `error_spike`), or `scenario` if there is
/// none.
pub fn name_from_path(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "scenario".to_string())
}

fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Turns a serde error with its path into a key path and a message that says
/// what is allowed.
fn serde_problem(err: &serde_path_to_error::Error<toml::de::Error>) -> Problem {
    let mut path = KeyPath::root();
    for segment in err.path() {
        match segment {
            serde_path_to_error::Segment::Map { key } => path.push(PathSegment::Key(key.clone())),
            serde_path_to_error::Segment::Seq { index } => path.push(PathSegment::Index(*index)),
            serde_path_to_error::Segment::Enum { .. } | serde_path_to_error::Segment::Unknown => {}
        }
    }
    let message = one_line(err.inner().message());
    if let Some(rest) = message.strip_prefix("unknown field `") {
        // "unknown field `x`, expected one of `a`, `b`" / "expected `a`" /
        // "there are no fields". The path already ends with the unknown key.
        let (field, tail) = rest.split_once('`').unwrap_or((rest, ""));
        if path.segments().last() != Some(&PathSegment::Key(field.to_string())) {
            path.push(PathSegment::Key(field.to_string()));
        }
        let allowed: Vec<&str> = tail.split('`').skip(1).step_by(2).collect();
        let allowed = if allowed.is_empty() {
            "this table takes no keys".to_string()
        } else {
            format!("allowed keys here: {}", allowed.join(", "))
        };
        return Problem {
            path,
            message: format!("unknown key {field:?}; {allowed}"),
        };
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or(rest);
        let hint = required_hint(&path, field);
        path.push(PathSegment::Key(field.to_string()));
        return Problem {
            path,
            message: format!("missing required key; expected {hint}"),
        };
    }
    Problem {
        path,
        message: friendly_types(&message),
    }
}

/// What a required key (reported missing by serde) should hold.
fn required_hint(parent: &KeyPath, field: &str) -> String {
    let section = match parent.segments().first() {
        Some(PathSegment::Key(key)) => key.as_str(),
        _ => "",
    };
    match (section, field) {
        (_, "horizon") => "a duration > 0 and <= 7 days, e.g. horizon = \"30m\"".into(),
        (_, "traffic") => "a [traffic] table with rate_per_s or rate_per_min".into(),
        ("alarms", "threshold") => "a finite number, e.g. threshold = 5".into(),
        ("alarms", "comparison") => format!("one of {}", crate::alarm::Comparison::ALLOWED),
        ("metrics", "pattern") => expr::PATTERN_HINT.into(),
        ("faults", "kind") => {
            "one of step_error, ramp_error, intermittent, latency_shift, cold_start".into()
        }
        ("strategies", "duration") => "a duration > 0 and <= 1h, e.g. duration = \"2m\"".into(),
        ("traffic", "amplitude") => "a number in [0, 1), e.g. amplitude = 0.3".into(),
        ("traffic", "period") => "a duration > 0, e.g. period = \"24h\"".into(),
        ("traffic", "start") => "a duration from deployment start, e.g. start = \"10m\"".into(),
        ("traffic", "duration") => "a duration > 0, e.g. duration = \"2m\"".into(),
        ("traffic", "multiplier") => "a number > 0, e.g. multiplier = 5.0".into(),
        _ => "a value (see the scenario reference)".into(),
    }
}

/// Replaces Rust type names in serde messages by TOML words.
fn friendly_types(message: &str) -> String {
    let mut text = message.replace("invalid type: ", "wrong type: found ");
    for (from, to) in [
        ("expected i64", "expected an integer"),
        ("expected u64", "expected an integer >= 0"),
        ("expected u32", "expected an integer >= 0"),
        ("expected f64", "expected a number"),
        ("expected a sequence", "expected an array"),
        ("expected a map", "expected a table"),
        ("expected a boolean", "expected true or false"),
        ("found sequence", "found an array"),
        ("found map", "found a table"),
    ] {
        text = text.replace(from, to);
    }
    if let Some(start) = text.find("expected struct Raw") {
        text.replace_range(start.., "expected a table");
    }
    if let Some(start) = text.find("expected a borrowed string") {
        text.replace_range(start.., "expected a string");
    }
    text
}

#[cfg(test)]
mod tests;
