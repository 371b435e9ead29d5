//! Sweep specifications as written: `--set KEY=V1,V2,...` arguments and
//! the `[sweep]` table of a scenario file, parsed into [`AxisSpec`]s (a key
//! and its value items, not yet typed) and merged, a flag replacing the
//! file's entry for the same key.
//!
//! This is the syntax users type, kept apart from what the values mean:
//! typing the items against the scenario document is [`super::axis`]'s job,
//! expanding ranges [`super::range`]'s, and key paths are parsed by
//! [`crate::scenario::parse_key_path`], the parser validation errors are
//! written for.

use std::fmt;

use toml::Value;

use crate::scenario::{parse_key_path, KeyPath};

/// The pseudo-key that makes the candidate healthy (no faults in any
/// function) or faulty (the file's faults).
pub const CANDIDATE_KEY: &str = "candidate";

/// Where an axis was given, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// `--set KEY=...` on the command line.
    Flag,
    /// The `[sweep]` table of the named scenario file.
    File(String),
    /// Another table of axes in the named file (`tune.space` for
    /// `canarysim tune`): (file, table).
    Table(String, String),
}

impl Origin {
    /// How an axis with this origin is named in messages: `--set KEY` or
    /// `FILE: [sweep] KEY`.
    pub fn describe(&self, key: &str) -> String {
        match self {
            Origin::Flag => format!("--set {key}"),
            Origin::File(file) => format!("{file}: [sweep] {key}"),
            Origin::Table(file, table) => format!("{file}: [{table}] {key}"),
        }
    }
}

/// A bad sweep specification. Displays as `--set KEY: message` or
/// `FILE: [sweep] KEY: message`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}: {message}", origin.describe(key))]
pub struct SpecError {
    pub origin: Origin,
    /// The key as written (or the whole argument when it has no key).
    pub key: String,
    pub message: String,
}

impl SpecError {
    pub(super) fn new(origin: &Origin, key: &str, message: impl Into<String>) -> SpecError {
        SpecError {
            origin: origin.clone(),
            key: key.to_owned(),
            message: message.into(),
        }
    }
}

/// What an axis sweeps: a scenario key path or the `candidate` pseudo-key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SweepKey {
    Path(KeyPath),
    Candidate,
}

impl SweepKey {
    /// Parses `alarms.error_rate.threshold`, `faults[0].error_rate`,
    /// `strategies."my canary".percentage` or `candidate`.
    pub fn parse(text: &str) -> Result<SweepKey, String> {
        let text = text.trim();
        if text == CANDIDATE_KEY {
            return Ok(SweepKey::Candidate);
        }
        parse_key_path(text).map(SweepKey::Path)
    }

    /// The column name in `sweep.csv`: the canonical key path.
    pub fn label(&self) -> String {
        match self {
            SweepKey::Path(path) => path.to_string(),
            SweepKey::Candidate => CANDIDATE_KEY.to_owned(),
        }
    }

    /// The last key of the path (`threshold` for
    /// `alarms.error_rate.threshold`), for the progress bar.
    pub fn short_label(&self) -> String {
        match self {
            SweepKey::Path(path) => path.leaf().to_string(),
            SweepKey::Candidate => CANDIDATE_KEY.to_owned(),
        }
    }

    /// Whether `key`, a key path as a scenario error displays it, is this
    /// key or a table or array on the way to it (an error about `key` then
    /// concerns this axis).
    pub fn is_at_or_under(&self, key: &str) -> bool {
        match self {
            SweepKey::Candidate => key == CANDIDATE_KEY,
            SweepKey::Path(path) => {
                let mut prefix = KeyPath::root();
                path.segments().iter().any(|segment| {
                    prefix.push(segment.clone());
                    prefix.to_string() == key
                })
            }
        }
    }
}

impl fmt::Display for SweepKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// One value item of a spec before it is typed against the document.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// Text from the command line or a TOML string: a scalar or a range.
    Text(String),
    /// A typed TOML number or boolean from a `[sweep]` array.
    Literal(Value),
}

/// One axis as given, before its values are typed.
#[derive(Debug, Clone, PartialEq)]
pub struct AxisSpec {
    pub key: SweepKey,
    pub origin: Origin,
    pub items: Vec<Item>,
}

/// Parses one `--set KEY=V1,V2,...` argument.
pub fn parse_set(arg: &str) -> Result<AxisSpec, SpecError> {
    let origin = Origin::Flag;
    let Some((key, values)) = arg.split_once('=') else {
        return Err(SpecError::new(
            &origin,
            arg.trim(),
            "expected KEY=V1,V2,... (e.g. alarms.error_rate.threshold=1,5) or \
             KEY=A..B:STEP, KEY=A..B:log:N",
        ));
    };
    let key = key.trim();
    let parsed = SweepKey::parse(key).map_err(|m| SpecError::new(&origin, key, m))?;
    let items = split_list(values).map_err(|m| SpecError::new(&origin, key, m))?;
    Ok(AxisSpec {
        key: parsed,
        origin,
        items,
    })
}

/// Splits `V1,V2,...` into text items; an empty list or an empty item is an
/// error.
fn split_list(values: &str) -> Result<Vec<Item>, String> {
    if values.trim().is_empty() {
        return Err("empty list: give at least one value, e.g. KEY=1,5".into());
    }
    values
        .split(',')
        .map(|v| {
            let v = v.trim();
            if v.is_empty() {
                Err(format!("empty value in the list `{values}`"))
            } else {
                Ok(Item::Text(v.to_owned()))
            }
        })
        .collect()
}

/// Removes the `[sweep]` table from `doc` and returns its entries in file
/// order (`text` is the file's text, parsed again to keep that order).
///
/// Top-level keys of `[sweep]` are key paths (`"alarms.a.threshold" = [1,
/// 5]`); nested tables (`[sweep.alarms.a]` or dotted keys) add one key each.
/// A value is an array of numbers, booleans or strings (a string item may be
/// a range), or one string holding a list or range spec like the one of
/// `--set`.
pub fn take_sweep_table(
    doc: &mut Value,
    text: &str,
    file: &str,
) -> Result<Vec<AxisSpec>, SpecError> {
    // A `[tune]` table is `canarysim tune`'s; a sweep of the same file
    // ignores it.
    let _ = doc.as_table_mut().and_then(|t| t.remove("tune"));
    let removed = doc.as_table_mut().and_then(|t| t.remove("sweep"));
    if removed.is_none() {
        return Ok(Vec::new());
    }
    let origin = Origin::File(file.to_owned());
    let edit = toml_edit::ImDocument::parse(text)
        .map_err(|e| SpecError::new(&origin, "", format!("cannot read the [sweep] table: {e}")))?;
    let Some(item) = edit.as_table().get("sweep") else {
        return Ok(Vec::new());
    };
    let Some(table) = item.as_table_like() else {
        return Err(SpecError::new(
            &origin,
            "",
            "`sweep` must be a table of KEY = [V1, V2, ...] or KEY = \"A..B:STEP\"",
        ));
    };
    let mut specs = Vec::new();
    flatten_sweep_table(table, None, &origin, &mut specs)?;
    Ok(specs)
}

/// The axes of a table written like `[sweep]` (key path → values or a
/// range string), e.g. `[tune.space]`, in file order.
pub fn axes_of_table(
    table: &dyn toml_edit::TableLike,
    origin: &Origin,
) -> Result<Vec<AxisSpec>, SpecError> {
    let mut specs = Vec::new();
    flatten_sweep_table(table, None, origin, &mut specs)?;
    Ok(specs)
}

fn flatten_sweep_table(
    table: &dyn toml_edit::TableLike,
    prefix: Option<&str>,
    origin: &Origin,
    out: &mut Vec<AxisSpec>,
) -> Result<(), SpecError> {
    for (key, item) in table.iter() {
        let written = match prefix {
            None => key.to_owned(),
            Some(p) => format!("{p}.{}", KeyPath::root().key(key)),
        };
        if let Some(sub) = item.as_table_like() {
            flatten_sweep_table(sub, Some(&written), origin, out)?;
            continue;
        }
        let err = |m: String| SpecError::new(origin, &written, m);
        let Some(value) = item.as_value() else {
            return Err(err(
                "expected an array of values or a string such as \"1..10:1\"".into(),
            ));
        };
        let items = match value {
            toml_edit::Value::Array(array) => {
                if array.is_empty() {
                    return Err(err("empty list: give at least one value".into()));
                }
                array
                    .iter()
                    .map(|v| {
                        literal_item(v).ok_or_else(|| {
                            err(format!(
                                "array items must be numbers, booleans or strings; found {}",
                                describe_edit(v)
                            ))
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?
            }
            toml_edit::Value::String(s) => split_list(s.value()).map_err(err)?,
            other => vec![literal_item(other).ok_or_else(|| {
                err(format!(
                    "expected an array of values or a string such as \"1..10:1\"; found {}",
                    describe_edit(other)
                ))
            })?],
        };
        let key = SweepKey::parse(&written).map_err(err)?;
        out.push(AxisSpec {
            key,
            origin: origin.clone(),
            items,
        });
    }
    Ok(())
}

fn describe_edit(v: &toml_edit::Value) -> &'static str {
    match v {
        toml_edit::Value::Array(_) => "an array",
        toml_edit::Value::InlineTable(_) => "a table",
        toml_edit::Value::Datetime(_) => "a date",
        _ => "a scalar",
    }
}

fn literal_item(v: &toml_edit::Value) -> Option<Item> {
    match v {
        toml_edit::Value::String(s) => Some(Item::Text(s.value().clone())),
        toml_edit::Value::Integer(i) => Some(Item::Literal(Value::Integer(*i.value()))),
        toml_edit::Value::Float(f) => Some(Item::Literal(Value::Float(*f.value()))),
        toml_edit::Value::Boolean(b) => Some(Item::Literal(Value::Boolean(*b.value()))),
        _ => None,
    }
}

/// Merges the file's axes with the command line's: a `--set` for a key the
/// file already sweeps replaces its values in place; other flags are
/// appended in order. A key given twice by the same source, or two keys
/// where one lies inside the other, is an error.
pub fn merge_specs(file: Vec<AxisSpec>, flags: Vec<AxisSpec>) -> Result<Vec<AxisSpec>, SpecError> {
    let mut merged: Vec<AxisSpec> = Vec::new();
    for spec in file {
        check_no_duplicate(&merged, &spec)?;
        merged.push(spec);
    }
    let file_count = merged.len();
    for spec in flags {
        check_no_duplicate(&merged[file_count..], &spec)?;
        match merged[..file_count].iter().position(|s| s.key == spec.key) {
            Some(i) => merged[i] = spec,
            None => merged.push(spec),
        }
    }
    for (i, a) in merged.iter().enumerate() {
        for b in &merged[i + 1..] {
            let (SweepKey::Path(pa), SweepKey::Path(pb)) = (&a.key, &b.key) else {
                continue;
            };
            let (short, long, long_spec) = if pa.segments().len() <= pb.segments().len() {
                (pa, pb, b)
            } else {
                (pb, pa, a)
            };
            if long.segments().starts_with(short.segments()) {
                return Err(SpecError::new(
                    &long_spec.origin,
                    &long.to_string(),
                    format!("lies inside the swept key `{short}`; sweep one or the other"),
                ));
            }
        }
    }
    Ok(merged)
}

fn check_no_duplicate(seen: &[AxisSpec], spec: &AxisSpec) -> Result<(), SpecError> {
    if seen.iter().any(|s| s.key == spec.key) {
        return Err(SpecError::new(
            &spec.origin,
            &spec.key.label(),
            "given twice; list all its values in one entry",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::fixtures::BASE;

    #[test]
    fn candidate_is_a_pseudo_key() {
        assert_eq!(SweepKey::parse(" candidate ").unwrap(), SweepKey::Candidate);
        let key = SweepKey::parse("faults[0].error_rate").unwrap();
        assert_eq!(key.short_label(), "error_rate");
        assert!(key.is_at_or_under("faults[0].error_rate"));
        assert!(key.is_at_or_under("faults[0]"));
        assert!(key.is_at_or_under("faults"));
        assert!(!key.is_at_or_under("fault"));
        assert!(!key.is_at_or_under("faults[0].error_rate.x"));
        assert!(SweepKey::Candidate.is_at_or_under("candidate"));
    }

    #[test]
    fn sweep_table_keeps_file_order_and_flag_overrides_in_place() {
        let text = format!(
            "{BASE}\n[sweep]\n\"alarms.error_rate.threshold\" = [1, 5]\ncandidate = [\"healthy\", \
             \"faulty\"]\ntraffic.rate_per_s = \"1..100:log:3\"\n"
        );
        let mut doc = Value::Table(text.parse::<toml::Table>().unwrap());
        let file = take_sweep_table(&mut doc, &text, "t.toml").unwrap();
        assert!(doc.get("sweep").is_none());
        let keys: Vec<String> = file.iter().map(|s| s.key.label()).collect();
        assert_eq!(
            keys,
            [
                "alarms.error_rate.threshold",
                "candidate",
                "traffic.rate_per_s"
            ]
        );
        assert_eq!(file[0].items[1], Item::Literal(Value::Integer(5)));
        let flags = vec![
            parse_set("traffic.rate_per_s=7").unwrap(),
            parse_set("alarms.error_rate.evaluation_periods=1,2").unwrap(),
        ];
        let merged = merge_specs(file, flags).unwrap();
        let keys: Vec<String> = merged.iter().map(|s| s.key.label()).collect();
        assert_eq!(
            keys,
            [
                "alarms.error_rate.threshold",
                "candidate",
                "traffic.rate_per_s",
                "alarms.error_rate.evaluation_periods"
            ]
        );
        assert_eq!(merged[2].origin, Origin::Flag);
        assert_eq!(merged[2].items, [Item::Text("7".into())]);

        let twice = vec![parse_set("a.b=1").unwrap(), parse_set("a.b=2").unwrap()];
        assert!(merge_specs(Vec::new(), twice)
            .unwrap_err()
            .message
            .contains("given twice"));
        let nested = vec![parse_set("a.b=1").unwrap(), parse_set("a.b.c=2").unwrap()];
        assert!(merge_specs(Vec::new(), nested)
            .unwrap_err()
            .message
            .contains("lies inside"));
    }

    #[test]
    fn bad_sweep_tables_name_the_file_and_key() {
        for (table, expect) in [
            (
                "[sweep]\n\"alarms.error_rate.threshold\" = []",
                "empty list",
            ),
            (
                "[sweep]\n\"alarms.error_rate.threshold\" = [[1]]",
                "array items must be",
            ),
            ("[sweep]\n\"a..b\" = [1]", "bad key"),
            ("sweep = 3", "must be a table"),
        ] {
            let text = format!("{table}\n");
            let mut doc = Value::Table(text.parse::<toml::Table>().unwrap());
            let err = take_sweep_table(&mut doc, &text, "t.toml")
                .unwrap_err()
                .to_string();
            assert!(err.starts_with("t.toml: [sweep]"), "{err}");
            assert!(err.contains(expect), "{err}");
        }
    }
}
