//! The scenario document as a TOML tree, as the sweep sees it: where the
//! candidate's faults live (for the `candidate` pseudo-key), setting a value
//! by key path, and how values are named in messages. Nothing here knows the
//! scenario schema beyond those facts; the validator sees every grid point.

use toml::Value;

use crate::scenario::{KeyPath, PathSegment};

/// The `faults` arrays of a document: the top-level one and each
/// `functions.NAME.faults`.
pub(super) fn fault_lists(doc: &Value) -> impl Iterator<Item = &Vec<Value>> {
    let functions = doc
        .get("functions")
        .and_then(Value::as_table)
        .into_iter()
        .flat_map(|t| t.values());
    std::iter::once(doc)
        .chain(functions)
        .filter_map(|t| t.get("faults").and_then(Value::as_array))
}

/// Makes every candidate healthy: removes `faults` at the top level and from
/// each `functions.NAME` table.
pub(crate) fn remove_faults(doc: &mut Value) {
    let Some(root) = doc.as_table_mut() else {
        return;
    };
    root.remove("faults");
    if let Some(functions) = root.get_mut("functions").and_then(Value::as_table_mut) {
        for (_, function) in functions.iter_mut() {
            if let Some(f) = function.as_table_mut() {
                f.remove("faults");
            }
        }
    }
}

/// Sets `value` at `path`, creating missing tables on the way.
pub(super) fn set_path(doc: &mut Value, path: &KeyPath, value: Value) -> Result<(), String> {
    let segments = path.segments();
    let Some((last, parents)) = segments.split_last() else {
        return Err("empty key".into());
    };
    let mut node = doc;
    let mut walked = KeyPath::root();
    for segment in parents {
        node = match (segment, node) {
            (PathSegment::Key(key), Value::Table(table)) => table
                .entry(key.clone())
                .or_insert_with(|| Value::Table(toml::Table::new())),
            (PathSegment::Index(index), Value::Array(array)) => {
                let len = array.len();
                array.get_mut(*index).ok_or_else(|| {
                    format!("index {index} is out of range: `{walked}` has {len} element(s)")
                })?
            }
            (_, other) => {
                return Err(format!("`{walked}` is {}, not a table", describe(other)));
            }
        };
        walked.push(segment.clone());
    }
    match (last, node) {
        (PathSegment::Key(key), Value::Table(table)) => {
            table.insert(key.clone(), value);
            Ok(())
        }
        (PathSegment::Index(index), Value::Array(array)) if *index < array.len() => {
            array[*index] = value;
            Ok(())
        }
        (_, other) => Err(format!("`{walked}` is {}, not a table", describe(other))),
    }
}

/// How a document value is named in messages (`an integer`, `a table`).
pub(super) fn describe(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "a string",
        Value::Integer(_) => "an integer",
        Value::Float(_) => "a number",
        Value::Boolean(_) => "a boolean",
        Value::Datetime(_) => "a date",
        Value::Array(_) => "an array",
        Value::Table(_) => "a table",
    }
}
