//! Scenario errors: every message names the file, the key path and what is
//! allowed, in one paragraph.

use std::fmt;

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

/// One step of a key path: a table key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment {
    Key(String),
    Index(usize),
}

/// A key path into the scenario document, displayed like
/// `alarms.error_rate.threshold` or `faults[1].kind`; keys that are not bare
/// TOML keys are quoted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyPath(Vec<PathSegment>);

impl KeyPath {
    /// The document root (displays as the empty string).
    pub fn root() -> KeyPath {
        KeyPath(Vec::new())
    }

    /// This path extended by a table key.
    pub fn key(&self, key: &str) -> KeyPath {
        let mut segments = self.0.clone();
        segments.push(PathSegment::Key(key.to_string()));
        KeyPath(segments)
    }

    /// This path extended by an array index.
    pub fn index(&self, index: usize) -> KeyPath {
        let mut segments = self.0.clone();
        segments.push(PathSegment::Index(index));
        KeyPath(segments)
    }

    pub fn segments(&self) -> &[PathSegment] {
        &self.0
    }

    pub(crate) fn push(&mut self, segment: PathSegment) {
        self.0.push(segment);
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for segment in &self.0 {
            match segment {
                PathSegment::Key(key) => {
                    if !first {
                        f.write_str(".")?;
                    }
                    if is_bare_key(key) {
                        f.write_str(key)?;
                    } else {
                        write!(f, "{key:?}")?;
                    }
                }
                PathSegment::Index(index) => write!(f, "[{index}]")?,
            }
            first = false;
        }
        Ok(())
    }
}

/// Whether `key` can be written without quotes in TOML.
pub(crate) fn is_bare_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
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
    fn key_path_display() {
        let path = KeyPath::root()
            .key("faults")
            .index(2)
            .key("kind")
            .key("odd key");
        assert_eq!(path.to_string(), "faults[2].kind.\"odd key\"");
        assert_eq!(KeyPath::root().to_string(), "");
    }

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
