//! Key paths into the scenario document (`alarms.error_rate.threshold`,
//! `faults[0].kind`, `strategies."my canary".percentage`): the one type,
//! its canonical display and its one parser.
//!
//! Validation builds paths segment by segment to name the key an error is
//! about; the sweep parses them from `--set KEY=...` and `[sweep]` keys and
//! writes them back as `sweep.csv` column names. Both sides use this module,
//! so a path always reads and prints the same way.

use std::fmt;

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

    /// The last key of the path with the indices after it: `threshold` for
    /// `alarms.error_rate.threshold`, `weights[1]` for
    /// `strategies.s.weights[1]` (the root for the root).
    pub fn leaf(&self) -> KeyPath {
        let start = self
            .0
            .iter()
            .rposition(|s| matches!(s, PathSegment::Key(_)))
            .unwrap_or(0);
        KeyPath(self.0[start..].to_vec())
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

/// Parses a key path: bare or quoted keys joined by `.`, each optionally
/// followed by `[N]` indices (`faults[0].error_rate`,
/// `strategies."my canary".percentage`).
pub fn parse_key_path(text: &str) -> Result<KeyPath, String> {
    let bad = |why: &str| format!("bad key `{text}`: {why}");
    if text.is_empty() {
        return Err("empty key; expected a key path such as alarms.error_rate.threshold".into());
    }
    let mut path = KeyPath::root();
    let mut chars = text.chars().peekable();
    loop {
        // One key.
        let key = if chars.peek() == Some(&'"') {
            chars.next();
            let mut key = String::new();
            loop {
                match chars.next() {
                    Some('"') => break,
                    Some('\\') => match chars.next() {
                        Some(c @ ('"' | '\\')) => key.push(c),
                        _ => return Err(bad("only \\\" and \\\\ are allowed escapes")),
                    },
                    Some(c) => key.push(c),
                    None => return Err(bad("unclosed quote")),
                }
            }
            key
        } else {
            let mut key = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                    key.push(c);
                    chars.next();
                } else {
                    break;
                }
            }
            if key.is_empty() {
                return Err(bad(
                    "expected a key (letters, digits, _ or -) or a quoted key",
                ));
            }
            key
        };
        path.push(PathSegment::Key(key));
        // Indices.
        while chars.peek() == Some(&'[') {
            chars.next();
            let mut digits = String::new();
            let mut closed = false;
            for c in chars.by_ref() {
                if c == ']' {
                    closed = true;
                    break;
                }
                digits.push(c);
            }
            let index = digits
                .parse::<usize>()
                .ok()
                .filter(|_| closed)
                .ok_or_else(|| bad("an index must be [N] with an integer N >= 0"))?;
            path.push(PathSegment::Index(index));
        }
        match chars.next() {
            None => return Ok(path),
            Some('.') => continue,
            Some(c) => return Err(bad(&format!("unexpected `{c}`"))),
        }
    }
}

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
    fn key_paths_parse_and_display_canonically() {
        for (text, canonical) in [
            ("alarms.error_rate.threshold", "alarms.error_rate.threshold"),
            ("faults[0].error_rate", "faults[0].error_rate"),
            (
                "strategies.\"my canary\".percentage",
                "strategies.\"my canary\".percentage",
            ),
            ("\"traffic\".rate_per_s", "traffic.rate_per_s"),
        ] {
            assert_eq!(parse_key_path(text).unwrap().to_string(), canonical);
        }
        for bad in [
            "", "a..b", ".a", "a.", "a[x]", "a[1", "a b", "\"open", "a[-1]",
        ] {
            assert!(parse_key_path(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn leaf_is_the_last_key_and_its_indices() {
        let leaf = |text: &str| parse_key_path(text).unwrap().leaf().to_string();
        assert_eq!(leaf("alarms.error_rate.threshold"), "threshold");
        assert_eq!(leaf("faults[0].error_rate"), "error_rate");
        assert_eq!(leaf("strategies.s.weights[1]"), "weights[1]");
        assert_eq!(leaf("strategies.\"my canary\""), "\"my canary\"");
        assert_eq!(leaf("candidate"), "candidate");
        assert_eq!(KeyPath::root().leaf().to_string(), "");
    }
}
