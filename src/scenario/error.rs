//! Scenario errors: every message names the file, the key path and what is
//! allowed, in one paragraph.

use super::key_path::KeyPath;

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read. The message already includes the cause.
    #[error("{file}: cannot read the scenario file: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// The text is not valid TOML. `line` and `column` are 1-based; column
    /// counts characters.
    #[error("{file}:{line}:{column}: TOML syntax error: {message}")]
    Syntax {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    /// The TOML is well formed but a value is not allowed.
    #[error("{}", invalid_text(file, key, *line, message))]
    Invalid {
        file: String,
        /// Key path such as `alarms.error_rate.threshold` or `faults[0].kind`.
        key: String,
        /// 1-based line where the key (or its nearest enclosing table) appears.
        line: Option<usize>,
        /// What is wrong and what is allowed.
        message: String,
    },
}

impl ScenarioError {
    /// The key path of an `Invalid` error.
    pub fn key(&self) -> Option<&str> {
        match self {
            ScenarioError::Invalid { key, .. } => Some(key),
            _ => None,
        }
    }

    /// The 1-based line of the error, when known.
    pub fn line(&self) -> Option<usize> {
        match self {
            ScenarioError::Syntax { line, .. } => Some(*line),
            ScenarioError::Invalid { line, .. } => *line,
            ScenarioError::Io { .. } => None,
        }
    }
}

fn invalid_text(file: &str, key: &str, line: Option<usize>, message: &str) -> String {
    let mut text = String::from(file);
    if let Some(line) = line {
        text.push_str(&format!(":{line}"));
    }
    text.push_str(": ");
    if !key.is_empty() {
        text.push_str(key);
        text.push_str(": ");
    }
    text.push_str(message);
    text
}

/// A validation failure before the file name and line are attached.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Problem {
    pub path: KeyPath,
    pub message: String,
}

impl Problem {
    pub fn new(path: &KeyPath, message: impl Into<String>) -> Problem {
        Problem {
            path: path.clone(),
            message: message.into(),
        }
    }
}

/// Result of a validation step.
pub(crate) type VResult<T> = Result<T, Problem>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_display_is_one_line() {
        let err = ScenarioError::Invalid {
            file: "s.toml".into(),
            key: "alarms.a.threshold".into(),
            line: Some(14),
            message: "must be finite".into(),
        };
        assert_eq!(
            err.to_string(),
            "s.toml:14: alarms.a.threshold: must be finite"
        );
        let err = ScenarioError::Invalid {
            file: "s.toml".into(),
            key: "strategies".into(),
            line: None,
            message: "required".into(),
        };
        assert_eq!(err.to_string(), "s.toml: strategies: required");
    }
}
