//! Finds the line where a key path appears in the scenario text, so that
//! validation errors (found on the parsed value) can point into the file.

use toml_edit::{ImDocument, Item, Table, Value};

use super::key_path::{KeyPath, PathSegment};

/// 1-based line of `offset` (a byte offset) in `text`.
pub fn line_of_offset(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// 1-based (line, column) of a byte offset; the column counts characters.
pub fn line_column_of_offset(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (
        line_of_offset(text, end),
        before[line_start..].chars().count() + 1,
    )
}

enum Node<'a> {
    Table(&'a Table),
    Item(&'a Item),
    Value(&'a Value),
}

impl<'a> Node<'a> {
    fn of_item(item: &'a Item) -> Node<'a> {
        match item {
            Item::Table(table) => Node::Table(table),
            Item::Value(value) => Node::Value(value),
            other => Node::Item(other),
        }
    }
}

/// The line of the deepest part of `path` found in `text`: the key itself when
/// present, else its nearest enclosing table or array element. `None` when
/// not even the first segment is present or the text does not parse.
pub fn locate(text: &str, path: &KeyPath) -> Option<usize> {
    let doc = ImDocument::parse(text).ok()?;
    let mut node = Node::Table(doc.as_table());
    let mut best: Option<usize> = None;
    for segment in path.segments() {
        let (next, span) = match (segment, &node) {
            (PathSegment::Key(key), Node::Table(table)) => {
                let Some(item) = table.get(key) else { break };
                (Node::of_item(item), key_span(table, key, item))
            }
            (PathSegment::Key(key), Node::Value(Value::InlineTable(table))) => {
                let Some(value) = table.get(key) else { break };
                let span = table
                    .key(key)
                    .and_then(|k| k.span())
                    .or_else(|| value.span());
                (Node::Value(value), span)
            }
            (PathSegment::Index(i), Node::Item(Item::ArrayOfTables(array))) => {
                let Some(table) = array.get(*i) else { break };
                (Node::Table(table), table.span())
            }
            (PathSegment::Index(i), Node::Value(Value::Array(array))) => {
                let Some(value) = array.get(*i) else { break };
                (Node::Value(value), value.span())
            }
            _ => break,
        };
        if let Some(span) = span {
            best = Some(span.start);
        }
        node = next;
    }
    best.map(|offset| line_of_offset(text, offset))
}

/// Where a key of a table is written: the header of a `[table]` or of the
/// first `[[array]]` element, otherwise the key itself (`key = value`,
/// possibly dotted).
fn key_span(table: &Table, key: &str, item: &Item) -> Option<std::ops::Range<usize>> {
    let header = match item {
        Item::Table(sub) => sub.span(),
        Item::ArrayOfTables(array) => array.get(0).and_then(Table::span),
        _ => None,
    };
    header
        .or_else(|| table.key(key).and_then(|k| k.span()))
        .or_else(|| item.span())
}

/// Best-effort key path of the `key = value` on 1-based `line`, prefixed by
/// the nearest `[table]` / `[[array]]` header above it (array indices are
/// counted). Used for errors the TOML parser raises before any key path is
/// known (a number too large for its type). `None` when the line holds no
/// `key =`.
pub fn key_at_line(text: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let current = lines.get(line.checked_sub(1)?)?;
    let (key, _) = current.split_once('=')?;
    let key = key.trim().trim_matches(['"', '\'']);
    if key.is_empty() || key.starts_with('#') || key.starts_with('[') {
        return None;
    }
    let mut header: Option<String> = None;
    for l in lines[..line - 1].iter().rev() {
        let l = l.trim();
        if let Some(rest) = l.strip_prefix("[[") {
            let name = rest.split("]]").next().unwrap_or("").trim().to_string();
            let count = lines[..line - 1]
                .iter()
                .filter(|x| {
                    x.trim().starts_with("[[")
                        && x.trim()[2..].split("]]").next().map(str::trim) == Some(name.as_str())
                })
                .count();
            header = Some(format!("{name}[{}]", count.saturating_sub(1)));
            break;
        }
        if let Some(rest) = l.strip_prefix('[') {
            header = Some(rest.split(']').next().unwrap_or("").trim().to_string());
            break;
        }
    }
    Some(match header {
        Some(h) if !h.is_empty() => format!("{h}.{key}"),
        _ => key.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"name = "x"
horizon = "30m"

[traffic]
rate_per_s = 5
diurnal = { amplitude = 0.3, period = "24h" }

[[traffic.bursts]]
start = "1m"

[[traffic.bursts]]
start = "2m"
multiplier = 3

[alarms.error_rate]
threshold = 5
metrics.period = "60s"

[strategies.a]
alarms = ["x",
  "y"]
"#;

    fn path(segments: &[&str]) -> KeyPath {
        let mut path = KeyPath::root();
        for s in segments {
            path = match s.parse::<usize>() {
                Ok(i) => path.index(i),
                Err(_) => path.key(s),
            };
        }
        path
    }

    #[test]
    fn finds_keys_tables_and_elements() {
        assert_eq!(locate(TEXT, &path(&["horizon"])), Some(2));
        assert_eq!(locate(TEXT, &path(&["traffic"])), Some(4));
        assert_eq!(locate(TEXT, &path(&["traffic", "rate_per_s"])), Some(5));
        assert_eq!(
            locate(TEXT, &path(&["traffic", "diurnal", "period"])),
            Some(6)
        );
        assert_eq!(
            locate(TEXT, &path(&["traffic", "bursts", "1", "multiplier"])),
            Some(13)
        );
        assert_eq!(
            locate(TEXT, &path(&["traffic", "bursts", "1", "duration"])),
            Some(11)
        );
        assert_eq!(
            locate(TEXT, &path(&["alarms", "error_rate", "threshold"])),
            Some(16)
        );
        assert_eq!(
            locate(TEXT, &path(&["alarms", "error_rate", "comparison"])),
            Some(15)
        );
        assert_eq!(
            locate(TEXT, &path(&["alarms", "error_rate", "metrics", "period"])),
            Some(17)
        );
        assert_eq!(
            locate(TEXT, &path(&["strategies", "a", "alarms", "1"])),
            Some(21)
        );
        assert_eq!(locate(TEXT, &path(&["strategies"])), Some(19));
        assert_eq!(locate(TEXT, &path(&["faults", "0"])), None);
        assert_eq!(locate("not toml [", &path(&["x"])), None);
    }

    #[test]
    fn line_and_column() {
        assert_eq!(line_column_of_offset("ab\ncd", 4), (2, 2));
        assert_eq!(line_column_of_offset("ab", 99), (1, 3));
        assert_eq!(line_column_of_offset("é\nx", 1), (1, 1));
    }
}
