//! Scenario files: TOML text → `toml::Value` → raw serde mirror
//! (`raw::RawScenario`, unknown keys rejected) → one validation step into the
//! typed `model::Scenario`. Every error names the file, the key path, the line
//! (best effort) and what is allowed.
//!
//! The split `parse_document` / `from_value` lets a caller (the sweep) edit
//! the parsed document by key path before validation.

pub(crate) mod duration;
pub(crate) mod error;
mod expr;
pub(crate) mod key_path;
mod locate;
pub mod raw;
pub(crate) mod validate;

use std::path::Path;

pub use crate::strategy::codedeploy::{custom_config_name, shift_span};
pub use crate::strategy::codedeploy_configs::PREDEFINED_CONFIGS;
pub use crate::strategy::nominal_duration;
pub use duration::{format_duration, parse_duration, Dur, DURATION_HINT};
pub use error::ScenarioError;
pub use expr::{parse_expression, parse_filter_pattern, parse_statistic, statistic_name};
pub use key_path::{parse_key_path, KeyPath, PathSegment};
pub use validate::{DEFAULT_PROFILE, MAX_REPLICATIONS};

use crate::model::Scenario;
use error::Problem;

/// Reads, parses and validates a scenario file. Errors show `path` as given.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let file = path.display().to_string();
    let text = read_text(path)?;
    let value = parse_document(&text, &file)?;
    from_value(value, &text, &file)
}

/// The JSON Schema (draft 2020-12) of scenario files, generated from the
/// raw serde types the parser uses ([`raw::RawScenario`]), so it cannot
/// drift from what is accepted: the doc comments are its descriptions,
/// unknown keys are refused, enums and ranges are given where the raw
/// types hold strings or plain numbers. Validation still checks more (cross
/// references, the horizon against the deployment, ...).
pub fn json_schema() -> serde_json::Value {
    let mut schema = schemars::schema_for!(raw::RawScenario);
    schema.insert("title".into(), "canarysim scenario".into());
    // A `run.toml` is a scenario with a [canarysim] record; a [sweep]
    // table gives a sweep's grid (values: arrays of the key's values or
    // range strings).
    if let Some(props) = schema
        .get_mut("properties")
        .and_then(serde_json::Value::as_object_mut)
    {
        props.insert(
            "sweep".into(),
            serde_json::json!({
                "description": "Grid of a sweep: key path → array of values or a range string \"A..B:STEP\", \"A..B:log:N\", \"A..B:lin:N\" (see `canarysim sweep`).",
                "type": "object"
            }),
        );
        props.insert(
            "tune".into(),
            serde_json::json!({
                "description": "What `canarysim tune` searches: [tune.space] (key path → values or a range, as [sweep]), [[tune.bad]] profiles (name, weight, faults), objective (excess_bad_requests | detection_time | deploy_duration), strategy, false_rollback_max, missed_max, deploy_duration_max, initial_replications, max_replications, budget_replications.",
                "type": "object"
            }),
        );
        props.insert(
            "canarysim".into(),
            serde_json::json!({
                "description": "Written by canarysim in run.toml (version, command, mode, seed, ...); ignored when loading except mode and a large seed.",
                "type": "object"
            }),
        );
    }
    schema.to_value()
}

/// Largest scenario file read: 8 MiB (the shipped ones are a few KiB).
pub const MAX_SCENARIO_BYTES: u64 = 8 << 20;

/// Reads a scenario file as text, refusing anything that is not a regular
/// file (a FIFO or a device could block forever or never end) and files
/// larger than [`MAX_SCENARIO_BYTES`]. The file type is checked before the
/// file is opened, since opening a FIFO blocks.
pub fn read_text(path: &Path) -> Result<String, ScenarioError> {
    use std::io::Read;
    let file = path.display().to_string();
    let io = |source: std::io::Error| ScenarioError::Io {
        file: file.clone(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        let what = if meta.is_dir() {
            "a folder"
        } else {
            "not a regular file (a FIFO, socket or device)"
        };
        return Err(io(std::io::Error::other(format!(
            "it is {what}; give the path of a .toml file"
        ))));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_SCENARIO_BYTES + 1).read_to_end(&mut bytes))
        .map_err(io)?;
    if bytes.len() as u64 > MAX_SCENARIO_BYTES {
        return Err(io(std::io::Error::other(format!(
            "larger than {} MiB, the most a scenario file may have",
            MAX_SCENARIO_BYTES >> 20
        ))));
    }
    String::from_utf8(bytes).map_err(|_| {
        io(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        ))
    })
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
            let message = err.message();
            if message.contains("number too large")
                || message.contains("invalid floating-point number")
            {
                if let Some(key) = locate::key_at_line(text, line) {
                    let allowed = number_range_hint(&key);
                    return Err(ScenarioError::Invalid {
                        file: file.to_string(),
                        key,
                        line: Some(line),
                        message: format!("number out of range; allowed: {allowed}"),
                    });
                }
            }
            Err(ScenarioError::Syntax {
                file: file.to_string(),
                line,
                column,
                message: one_line(err.message()),
            })
        }
    }
}

/// The allowed range of a numeric key, by its last component, for numbers
/// the TOML parser itself cannot hold (integers beyond ±2^63, floats beyond
/// ±1.8e308).
pub fn number_range_hint(key: &str) -> String {
    let last = key.rsplit('.').next().unwrap_or(key);
    let last = last.split('[').next().unwrap_or(last);
    match last {
        "seed" => format!(
            "an integer from 0 to {} (larger seeds up to {}: --seed)",
            i64::MAX,
            u64::MAX
        ),
        "replications" => format!("an integer from 1 to {MAX_REPLICATIONS}"),
        "rate_per_s" => format!(
            "a finite number of requests per second > 0 and <= {}",
            validate::MAX_RATE_PER_S
        ),
        "rate_per_min" => format!(
            "a finite number of requests per minute > 0 and <= {}",
            validate::MAX_RATE_PER_S * 60.0
        ),
        "threshold" => "a finite number (at most about 1.8e308)".into(),
        k if k.ends_with("_ms") => {
            format!("a latency in ms from 0 to {}", validate::MAX_LATENCY_MS)
        }
        k if k.contains("rate") || k.contains("probability") => "a probability in [0, 1]".into(),
        _ => format!(
            "integers from {} to {}, finite numbers of at most about 1.8e308",
            i64::MIN,
            i64::MAX
        ),
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
    let base = Path::new(file).parent().unwrap_or(Path::new(""));
    validate::validate(raw, &name_from_path(Path::new(file)), base).map_err(invalid)
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
    let mut message = friendly_types(&message);
    if message.contains("found floating point") && message.contains("integer") {
        message.push_str(&format!(
            "; allowed: {}",
            number_range_hint(&path.to_string())
        ));
    }
    Problem { path, message }
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
