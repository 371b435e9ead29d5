//! The one error type of `canarysim import`: a bad template, a broken
//! reference or a bad option. Every message is one paragraph naming the
//! file, the line (when the template has one for it) and the resource, so
//! the binary maps it to exit code 2 and prints it as is.

use std::fmt;

/// What went wrong while importing a template.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct ImportError {
    /// The template (or, for an option, the flag).
    pub file: String,
    /// 1-based line in the template, when known.
    pub line: Option<usize>,
    /// The logical id of the resource concerned, when there is one.
    pub resource: Option<String>,
    /// What is wrong and what is allowed.
    pub message: String,
}

impl ImportError {
    /// An error about the template as a whole or one of its nodes.
    pub fn new(file: &str, line: Option<usize>, message: impl Into<String>) -> Self {
        ImportError {
            file: file.to_string(),
            line,
            resource: None,
            message: message.into(),
        }
    }

    /// The same error, attributed to a resource (kept if already set).
    pub fn in_resource(mut self, resource: &str) -> Self {
        if self.resource.is_none() {
            self.resource = Some(resource.to_string());
        }
        self
    }

    /// An error in a command-line option (`--fault`, `--rate`, …).
    pub fn option(flag: &str, message: impl Into<String>) -> Self {
        ImportError::new(flag, None, message)
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(r) = &self.resource {
            write!(f, ": resource {r}")?;
        }
        write!(f, ": {}", self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_names_file_line_and_resource() {
        let e = ImportError::new("t.yaml", Some(12), "unknown Type").in_resource("Fn");
        assert_eq!(e.to_string(), "t.yaml:12: resource Fn: unknown Type");
        let e = ImportError::option("--rate", "must be > 0");
        assert_eq!(e.to_string(), "--rate: must be > 0");
    }
}
