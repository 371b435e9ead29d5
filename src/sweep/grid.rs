//! Sweep grids: `KEY=V1,V2,...` specs and `[sweep]` tables, numeric ranges,
//! typing of values against the scenario document, and the cartesian product
//! of the axes applied to the parsed document by key path.
//!
//! Nothing here knows the scenario schema beyond a few facts: which top-level
//! keys are not sweepable (`name`, `seed`, `replications`), which tables are
//! collections of named entries (`alarms`, `strategies`, `metrics.filters`,
//! `functions`), where faults live (`faults`, `functions.NAME.faults`, for
//! the `candidate` pseudo-key). Every other check is left to the scenario
//! validator, which sees every grid point.

use std::fmt;

use toml::Value;

use crate::scenario::{KeyPath, PathSegment};

/// The pseudo-key that makes the candidate healthy (no faults in any
/// function) or faulty (the file's faults).
pub const CANDIDATE_KEY: &str = "candidate";

/// Most values one range may produce.
pub const MAX_RANGE_POINTS: usize = 10_000;

/// Most grid points one sweep may have.
pub const MAX_GRID_POINTS: usize = 100_000;

/// Significant digits kept for `lin`/`log` range points: enough to tell every
/// point apart, few enough to drop floating-point noise (`9.999999999999998`
/// becomes `10`).
const RANGE_SIGNIFICANT_DIGITS: usize = 12;

/// Top-level keys that every grid point shares.
const FIXED_KEYS: [&str; 4] = ["name", "seed", "replications", "sweep"];

/// Tables whose keys are names chosen by the user: (path, singular, plural).
const NAMED_COLLECTIONS: [(&[&str], &str, &str); 4] = [
    (&["alarms"], "alarm", "alarms"),
    (&["strategies"], "strategy", "strategies"),
    (&["metrics", "filters"], "filter", "filters"),
    (&["functions"], "function", "functions"),
];

/// Where an axis was given, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// `--set KEY=...` on the command line.
    Flag,
    /// The `[sweep]` table of the named scenario file.
    File(String),
}

impl Origin {
    /// How an axis with this origin is named in messages: `--set KEY` or
    /// `FILE: [sweep] KEY`.
    pub fn describe(&self, key: &str) -> String {
        match self {
            Origin::Flag => format!("--set {key}"),
            Origin::File(file) => format!("{file}: [sweep] {key}"),
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
    fn new(origin: &Origin, key: &str, message: impl Into<String>) -> SpecError {
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

fn flatten_sweep_table(
    table: &dyn toml_edit::TableLike,
    prefix: Option<&str>,
    origin: &Origin,
    out: &mut Vec<AxisSpec>,
) -> Result<(), SpecError> {
    for (key, item) in table.iter() {
        let written = match prefix {
            None => key.to_owned(),
            Some(p) if is_bare_key(key) => format!("{p}.{key}"),
            Some(p) => format!("{p}.{key:?}"),
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

/// A value of an axis.
#[derive(Debug, Clone, PartialEq)]
pub enum AxisValue {
    /// A scenario value set at the axis's key path.
    Value(Value),
    /// `candidate = healthy`: every `faults` list is removed.
    Healthy,
    /// `candidate = faulty`: the file's `[[faults]]` are kept.
    Faulty,
}

impl fmt::Display for AxisValue {
    /// The shortest form: `5`, `0.25`, `2.154434690031`, `5m`, `true`,
    /// `healthy`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AxisValue::Value(Value::String(s)) => f.write_str(s),
            AxisValue::Value(Value::Integer(i)) => write!(f, "{i}"),
            AxisValue::Value(Value::Float(x)) => write!(f, "{x}"),
            AxisValue::Value(Value::Boolean(b)) => write!(f, "{b}"),
            AxisValue::Value(other) => write!(f, "{other}"),
            AxisValue::Healthy => f.write_str("healthy"),
            AxisValue::Faulty => f.write_str("faulty"),
        }
    }
}

/// One axis of the grid: a key and its values, in the order given.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub key: SweepKey,
    pub origin: Origin,
    pub values: Vec<AxisValue>,
}

impl Axis {
    /// Types the spec's items against the (sweep-free) base document: an
    /// existing integer stays an integer when the item is one, strings stay
    /// strings, and a key absent from the file is inferred (integer, float,
    /// boolean, else string). Whether the value is allowed there is left to
    /// the scenario validator.
    pub fn resolve(spec: AxisSpec, base: &Value) -> Result<Axis, SpecError> {
        let label = spec.key.label();
        let err = |m: String| SpecError::new(&spec.origin, &label, m);
        let values = match &spec.key {
            SweepKey::Candidate => candidate_values(&spec.items, base).map_err(err)?,
            SweepKey::Path(path) => {
                let target = target_of(base, path).map_err(err)?;
                let mut values = Vec::new();
                for item in &spec.items {
                    values.extend(expand(item, target).map_err(err)?);
                }
                values
            }
        };
        if values.is_empty() {
            return Err(err("empty list: give at least one value".into()));
        }
        for (i, v) in values.iter().enumerate() {
            let shown = v.to_string();
            if values[..i].iter().any(|w| w.to_string() == shown) {
                return Err(err(format!("value {shown} is listed twice")));
            }
        }
        Ok(Axis {
            key: spec.key,
            origin: spec.origin,
            values,
        })
    }
}

fn candidate_values(items: &[Item], base: &Value) -> Result<Vec<AxisValue>, String> {
    let mut fault_lists = fault_lists(base);
    let has_faults = fault_lists.any(|a| !a.is_empty());
    items
        .iter()
        .map(|item| match item {
            Item::Text(t) if t == "healthy" => Ok(AxisValue::Healthy),
            Item::Text(t) if t == "faulty" && has_faults => Ok(AxisValue::Faulty),
            Item::Text(t) if t == "faulty" => Err(
                "`faulty` needs at least one [[faults]] (or [[functions.NAME.faults]]) entry in \
                 the scenario; it has none"
                    .into(),
            ),
            Item::Text(t) => Err(format!("`{t}`: allowed values: healthy, faulty")),
            Item::Literal(v) => Err(format!("`{v}`: allowed values: healthy, faulty")),
        })
        .collect()
}

/// The type a text item is read as, from the value the file has at the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Integer,
    Float,
    Boolean,
    String,
    /// The key is not in the file: infer from the text.
    Absent,
}

/// Finds what the base document holds at `path`. Errors for keys that are
/// not sweepable, for a path through a scalar, an index out of range, or an
/// entry of a named collection (alarm, strategy, filter) that the scenario
/// does not define.
fn target_of(doc: &Value, path: &KeyPath) -> Result<Target, String> {
    let segments = path.segments();
    if let Some(PathSegment::Key(first)) = segments.first() {
        if segments.len() == 1 && FIXED_KEYS.contains(&first.as_str()) {
            return Err(if first == "sweep" {
                "the [sweep] table cannot sweep itself".into()
            } else {
                format!(
                    "`{first}` cannot be swept: every grid point shares the scenario's \
                     name, seed and replication count (set them in the file or with \
                     --seed / --reps)"
                )
            });
        }
    }
    check_named_entry(doc, segments)?;
    let mut node = doc;
    let mut walked = KeyPath::root();
    for (i, segment) in segments.iter().enumerate() {
        let next = match (segment, node) {
            (PathSegment::Key(key), Value::Table(table)) => match table.get(key) {
                Some(v) => v,
                None => {
                    let rest = &segments[i..];
                    if rest.iter().any(|s| matches!(s, PathSegment::Index(_))) {
                        return Err(format!(
                            "`{}` is not in the scenario; an index can only address an \
                             existing array",
                            walked.key(key)
                        ));
                    }
                    return Ok(Target::Absent);
                }
            },
            (PathSegment::Index(index), Value::Array(array)) => {
                array.get(*index).ok_or_else(|| {
                    format!(
                        "index {index} is out of range: `{walked}` has {} element(s)",
                        array.len()
                    )
                })?
            }
            (PathSegment::Key(_), other) => {
                return Err(format!("`{walked}` is {}, not a table", describe(other)));
            }
            (PathSegment::Index(_), other) => {
                return Err(format!("`{walked}` is {}, not an array", describe(other)));
            }
        };
        walked.push(segment.clone());
        node = next;
    }
    match node {
        Value::Integer(_) => Ok(Target::Integer),
        Value::Float(_) => Ok(Target::Float),
        Value::Boolean(_) => Ok(Target::Boolean),
        Value::String(_) => Ok(Target::String),
        Value::Table(_) => Err(format!(
            "is a table; sweep one of its keys, e.g. `{path}.KEY`"
        )),
        other => Err(format!(
            "is {}; a sweep sets one number, string or boolean",
            describe(other)
        )),
    }
}

/// `alarms.NAME...`, `strategies.NAME...`, `metrics.filters.NAME...` must
/// name an entry the scenario defines (else a sweep would create a new,
/// incomplete one).
fn check_named_entry(doc: &Value, segments: &[PathSegment]) -> Result<(), String> {
    for (collection, singular, plural) in NAMED_COLLECTIONS {
        let is_prefix = segments.len() > collection.len()
            && collection
                .iter()
                .zip(segments)
                .all(|(c, s)| matches!(s, PathSegment::Key(k) if k == c));
        if !is_prefix {
            continue;
        }
        let PathSegment::Key(name) = &segments[collection.len()] else {
            return Err(format!(
                "`{}` is a table, not an array",
                collection.join(".")
            ));
        };
        let mut table = Some(doc);
        for c in collection {
            table = table.and_then(|t| t.get(c));
        }
        let names: Vec<&str> = table
            .and_then(Value::as_table)
            .map(|t| t.keys().map(String::as_str).collect())
            .unwrap_or_default();
        if !names.contains(&name.as_str()) {
            let defined = if names.is_empty() {
                format!("it defines no {plural}")
            } else {
                format!("{plural}: {}", names.join(", "))
            };
            return Err(format!(
                "unknown key: the scenario has no {singular} `{name}` ({defined})"
            ));
        }
    }
    Ok(())
}

fn describe(v: &Value) -> &'static str {
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

/// Turns one item into its values for the target type.
fn expand(item: &Item, target: Target) -> Result<Vec<AxisValue>, String> {
    let text = match item {
        Item::Literal(v) => return Ok(vec![AxisValue::Value(v.clone())]),
        Item::Text(t) => t.trim(),
    };
    let one = |v: Value| Ok(vec![AxisValue::Value(v)]);
    match target {
        Target::String => one(Value::String(text.to_owned())),
        Target::Boolean => match text {
            "true" => one(Value::Boolean(true)),
            "false" => one(Value::Boolean(false)),
            _ => Err(format!("`{text}`: expected true or false")),
        },
        Target::Integer | Target::Float | Target::Absent if text.contains("..") => {
            let points = parse_range(text).map_err(|m| format!("bad range `{text}`: {m}"))?;
            Ok(points
                .into_iter()
                .map(|x| AxisValue::Value(number_value(x, target)))
                .collect())
        }
        Target::Integer | Target::Float => match parse_scalar(text) {
            Some(Value::Integer(i)) if target == Target::Float => one(Value::Float(i as f64)),
            Some(v @ (Value::Integer(_) | Value::Float(_))) => one(v),
            _ => Err(format!("`{text}` is not a number")),
        },
        Target::Absent => one(parse_scalar(text).unwrap_or_else(|| match text {
            "true" => Value::Boolean(true),
            "false" => Value::Boolean(false),
            _ => Value::String(text.to_owned()),
        })),
    }
}

/// An integer, else a finite float, else `None`.
fn parse_scalar(text: &str) -> Option<Value> {
    if let Ok(i) = text.parse::<i64>() {
        return Some(Value::Integer(i));
    }
    finite(text).map(Value::Float)
}

fn finite(text: &str) -> Option<f64> {
    text.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// A range point as a TOML value: an integer when the key is (or may be)
/// an integer and the point is whole, else a float.
fn number_value(x: f64, target: Target) -> Value {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53
    if target != Target::Float && x.fract() == 0.0 && x.abs() < EXACT {
        Value::Integer(x as i64)
    } else {
        Value::Float(x)
    }
}

/// Expands a numeric range:
///
/// - `A..B:STEP`: A, A + STEP, ... up to B, including B when it lands on a
///   step (within 1e-9 steps). Points are `A + i·STEP` with an integer `i`,
///   rounded to the decimals written in A, B and STEP, so `0..0.3:0.1` gives
///   exactly 0, 0.1, 0.2, 0.3.
/// - `A..B:log:N`: N points evenly spaced in log scale, A and B included
///   (0 < A < B, N >= 2).
/// - `A..B:lin:N`: N evenly spaced points, A and B included (A < B, N >= 2).
///
/// `lin`/`log` points are rounded to 12 significant digits.
pub fn parse_range(text: &str) -> Result<Vec<f64>, String> {
    let (a_text, rest) = text
        .split_once("..")
        .ok_or("expected A..B:STEP, A..B:log:N or A..B:lin:N")?;
    let parts: Vec<&str> = rest.split(':').map(str::trim).collect();
    let a_text = a_text.trim();
    let number = |t: &str, what: &str| {
        finite(t).ok_or_else(|| format!("{what} `{t}` is not a finite number"))
    };
    let a = number(a_text, "start")?;
    let b = number(parts[0], "end")?;
    match parts[1..] {
        [] => Err("missing step: use A..B:STEP, A..B:log:N or A..B:lin:N".into()),
        [step_text] => {
            let step = number(step_text, "step")?;
            if step <= 0.0 {
                return Err(format!("step {step_text} must be > 0"));
            }
            if a > b {
                return Err(format!(
                    "start {a_text} must not be greater than end {}",
                    parts[0]
                ));
            }
            let span = (b - a) / step;
            let nearest = span.round();
            let steps = if (span - nearest).abs() <= 1e-9 * nearest.max(1.0) {
                nearest
            } else {
                span.floor()
            };
            if steps + 1.0 > MAX_RANGE_POINTS as f64 {
                return Err(format!(
                    "{} points; at most {MAX_RANGE_POINTS} per range",
                    steps + 1.0
                ));
            }
            let decimals = [a_text, parts[0], step_text]
                .iter()
                .map(|t| decimals_written(t))
                .max()
                .unwrap_or(0);
            Ok((0..=steps as usize)
                .map(|i| round_decimals(a + i as f64 * step, decimals))
                .collect())
        }
        [kind @ ("log" | "lin"), n_text] => {
            let n: usize = n_text
                .parse()
                .ok()
                .filter(|n| *n >= 2)
                .ok_or_else(|| format!("point count `{n_text}` must be an integer >= 2"))?;
            if n > MAX_RANGE_POINTS {
                return Err(format!("{n} points; at most {MAX_RANGE_POINTS} per range"));
            }
            if a >= b {
                return Err(format!("start {a_text} must be less than end {}", parts[0]));
            }
            if kind == "log" && a <= 0.0 {
                return Err("a log range needs 0 < start < end".into());
            }
            let last = (n - 1) as f64;
            Ok((0..n)
                .map(|i| {
                    let t = i as f64;
                    if i == 0 {
                        a
                    } else if i == n - 1 {
                        b
                    } else if kind == "log" {
                        round_significant((a.ln() + t / last * (b.ln() - a.ln())).exp())
                    } else {
                        let x = ((last - t) * a + t * b) / last;
                        if x.abs() <= 1e-12 * a.abs().max(b.abs()) {
                            0.0
                        } else {
                            round_significant(x)
                        }
                    }
                })
                .collect())
        }
        _ => Err("expected A..B:STEP, A..B:log:N or A..B:lin:N".into()),
    }
}

/// Decimal places a number is written with: `0.25` → 2, `5` → 0, `1.5e-3`
/// → 4 (capped at 15).
fn decimals_written(text: &str) -> usize {
    let lower = text.trim().to_ascii_lowercase();
    let (mantissa, exponent) = match lower.split_once('e') {
        Some((m, e)) => (m, e.parse::<i64>().unwrap_or(0)),
        None => (lower.as_str(), 0),
    };
    let fraction = mantissa.split_once('.').map_or(0, |(_, f)| f.len()) as i64;
    (fraction - exponent).clamp(0, 15) as usize
}

/// The nearest `f64` to `x` written with `decimals` decimal places.
fn round_decimals(x: f64, decimals: usize) -> f64 {
    no_negative_zero(format!("{x:.decimals$}").parse().unwrap_or(x))
}

fn round_significant(x: f64) -> f64 {
    let digits = RANGE_SIGNIFICANT_DIGITS - 1;
    no_negative_zero(format!("{x:.digits$e}").parse().unwrap_or(x))
}

/// `-0` would print as `-0` in sweep.csv.
fn no_negative_zero(x: f64) -> f64 {
    if x == 0.0 {
        0.0
    } else {
        x
    }
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

fn is_bare_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The cartesian product of the axes; the first axis varies slowest.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    pub axes: Vec<Axis>,
}

impl Grid {
    /// Number of grid points (1 for no axes). Errors when it exceeds
    /// [`MAX_GRID_POINTS`].
    pub fn point_count(&self) -> Result<usize, String> {
        self.axes.iter().try_fold(1usize, |n, axis| {
            n.checked_mul(axis.values.len())
                .filter(|n| *n <= MAX_GRID_POINTS)
                .ok_or_else(|| format!("the grid has more than {MAX_GRID_POINTS} points"))
        })
    }

    /// The value index of each axis at grid point `index` (row-major: the
    /// last axis varies fastest).
    pub fn coordinates(&self, mut index: usize) -> Vec<usize> {
        let mut coords = vec![0; self.axes.len()];
        for (c, axis) in coords.iter_mut().zip(&self.axes).rev() {
            *c = index % axis.values.len();
            index /= axis.values.len();
        }
        coords
    }

    /// The values of grid point `coords`, one per axis.
    pub fn values(&self, coords: &[usize]) -> Vec<&AxisValue> {
        self.axes
            .iter()
            .zip(coords)
            .map(|(axis, &c)| &axis.values[c])
            .collect()
    }

    /// `base` with the values of grid point `coords` applied: key paths in
    /// axis order, then the candidate pseudo-key (so `healthy` removes the
    /// faults whatever other axes set in them). On failure returns the axis
    /// index and why.
    pub fn apply(&self, base: &Value, coords: &[usize]) -> Result<Value, (usize, String)> {
        let mut doc = base.clone();
        let mut healthy = false;
        for (i, (axis, &c)) in self.axes.iter().zip(coords).enumerate() {
            match (&axis.key, &axis.values[c]) {
                (SweepKey::Path(path), AxisValue::Value(v)) => {
                    set_path(&mut doc, path, v.clone()).map_err(|m| (i, m))?;
                }
                (SweepKey::Candidate, AxisValue::Healthy) => healthy = true,
                (SweepKey::Candidate, AxisValue::Faulty) => {}
                _ => return Err((i, "value does not fit the key".into())),
            }
        }
        if healthy {
            remove_faults(&mut doc);
        }
        Ok(doc)
    }
}

/// The `faults` arrays of a document: the top-level one and each
/// `functions.NAME.faults`.
fn fault_lists(doc: &Value) -> impl Iterator<Item = &Vec<Value>> {
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
fn remove_faults(doc: &mut Value) {
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
fn set_path(doc: &mut Value, path: &KeyPath, value: Value) -> Result<(), String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"
name = "t"
horizon = "30m"
[traffic]
rate_per_s = 5
[[faults]]
kind = "step_error"
error_rate = 0.2
[alarms.error_rate]
comparison = ">="
threshold = 5
evaluation_periods = 2
treat_missing_data = "notBreaching"
[strategies.canary]
type = "canary"
percentage = 10
interval = "5m"
"#;

    fn base() -> Value {
        Value::Table(BASE.parse::<toml::Table>().unwrap())
    }

    fn axis(arg: &str) -> Result<Axis, SpecError> {
        Axis::resolve(parse_set(arg)?, &base())
    }

    fn shown(arg: &str) -> Vec<String> {
        axis(arg)
            .unwrap_or_else(|e| panic!("{arg}: {e}"))
            .values
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    fn message(arg: &str) -> String {
        axis(arg).unwrap_err().to_string()
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
        assert_eq!(SweepKey::parse(" candidate ").unwrap(), SweepKey::Candidate);
    }

    #[test]
    fn values_follow_the_type_in_the_file() {
        // Integer stays integer, and a float there is passed on for the
        // validator to judge (threshold = 5 is an integer in TOML but a float key).
        let a = axis("alarms.error_rate.evaluation_periods=1,2").unwrap();
        assert_eq!(
            a.values,
            [
                AxisValue::Value(Value::Integer(1)),
                AxisValue::Value(Value::Integer(2))
            ]
        );
        let a = axis("alarms.error_rate.threshold=1,2.5").unwrap();
        assert_eq!(a.values[1], AxisValue::Value(Value::Float(2.5)));
        // A float in the file makes every value a float.
        let a = axis("faults[0].error_rate=0,1").unwrap();
        assert_eq!(a.values[1], AxisValue::Value(Value::Float(1.0)));
        assert_eq!(shown("faults[0].error_rate=0,1"), ["0", "1"]);
        // Strings stay strings.
        let a = axis("strategies.canary.interval=5m,10m").unwrap();
        assert_eq!(a.values[0], AxisValue::Value(Value::String("5m".into())));
        // Absent keys are inferred.
        let a = axis("versions.candidate.error_rate=0,0.5,true,x").unwrap();
        assert_eq!(
            a.values,
            [
                AxisValue::Value(Value::Integer(0)),
                AxisValue::Value(Value::Float(0.5)),
                AxisValue::Value(Value::Boolean(true)),
                AxisValue::Value(Value::String("x".into())),
            ]
        );
    }

    #[test]
    fn bad_values_and_keys_name_the_key() {
        let m = message("alarms.error_rate.threshold=1,abc");
        assert_eq!(
            m,
            "--set alarms.error_rate.threshold: `abc` is not a number"
        );
        assert!(message("alarms.error_rate.threshold=").contains("empty list"));
        assert!(message("alarms.error_rate.threshold=1,,5").contains("empty value"));
        assert!(message("alarms.error_rate.threshold=1,1.0").contains("listed twice"));
        assert!(message("alarms.error_rate.threshold=nan").contains("not a number"));
        assert!(message("alarms.error_rate.threshold=1..5").contains("missing step"));
        assert!(message("threshold").contains("expected KEY=V1,V2"));
        let m = message("alarms.nope.threshold=1");
        assert_eq!(
            m,
            "--set alarms.nope.threshold: unknown key: the scenario has no alarm `nope` \
             (alarms: error_rate)"
        );
        assert!(message("metrics.filters.f.value=1").contains("defines no filters"));
        assert!(message("traffic=1").contains("is a table"));
        assert!(message("traffic.rate_per_s.x=1").contains("`traffic.rate_per_s` is an integer"));
        assert!(message("faults[3].error_rate=1").contains("index 3 is out of range"));
        assert!(message("bursts[0].x=1").contains("not in the scenario"));
        assert!(message("seed=1,2").contains("cannot be swept"));
        assert!(message("replications=1,2").contains("cannot be swept"));
        assert!(message("candidate=sick").contains("allowed values: healthy, faulty"));
    }

    #[test]
    fn candidate_needs_faults_to_be_faulty() {
        let spec = parse_set("candidate=healthy,faulty").unwrap();
        let mut no_faults = base();
        no_faults.as_table_mut().unwrap().remove("faults");
        let err = Axis::resolve(spec.clone(), &no_faults).unwrap_err();
        assert!(
            err.to_string().contains("needs at least one [[faults]]"),
            "{err}"
        );
        let a = Axis::resolve(spec, &base()).unwrap();
        assert_eq!(a.values, [AxisValue::Healthy, AxisValue::Faulty]);
    }

    #[test]
    fn healthy_removes_the_faults_of_every_function() {
        let text = "[functions.a.traffic]\nrate_per_s = 1\n[[functions.a.faults]]\nkind = \"x\"\n\
                    [functions.b.traffic]\nrate_per_s = 1\n";
        let doc = Value::Table(text.parse::<toml::Table>().unwrap());
        let grid = Grid {
            axes: vec![
                Axis::resolve(parse_set("candidate=healthy,faulty").unwrap(), &doc).unwrap(),
            ],
        };
        let healthy = grid.apply(&doc, &[0]).unwrap();
        assert!(healthy["functions"]["a"].get("faults").is_none());
        assert!(healthy["functions"]["a"].get("traffic").is_some());
        let faulty = grid.apply(&doc, &[1]).unwrap();
        assert_eq!(faulty, doc);
        let err = Axis::resolve(parse_set("functions.c.traffic.rate_per_s=1").unwrap(), &doc);
        assert!(err
            .unwrap_err()
            .message
            .contains("no function `c` (functions: a, b)"));
    }

    #[test]
    fn step_ranges_are_inclusive_and_exact() {
        assert_eq!(parse_range("1..5:1").unwrap(), [1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(parse_range("0..0.3:0.1").unwrap(), [0.0, 0.1, 0.2, 0.3]);
        assert_eq!(parse_range("0..1:0.3").unwrap(), [0.0, 0.3, 0.6, 0.9]);
        assert_eq!(parse_range("-0.3..0.3:0.1").unwrap()[3], 0.0);
        assert_eq!(parse_range("2..2:1").unwrap(), [2.0]);
        assert_eq!(
            parse_range("1e-3..3e-3:1e-3").unwrap(),
            [0.001, 0.002, 0.003]
        );
        for bad in [
            "1..5:0", "1..5:-1", "5..1:1", "a..5:1", "1..5", "1..5:x", "1..5:1:2", "0..1e9:1",
        ] {
            assert!(parse_range(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn log_and_lin_ranges_include_both_ends() {
        let log = parse_range("1..1000:log:10").unwrap();
        assert_eq!(log.len(), 10);
        assert_eq!((log[0], log[3], log[6], log[9]), (1.0, 10.0, 100.0, 1000.0));
        assert_eq!(log[1], 2.15443469003);
        assert_eq!(
            parse_range("0..1:lin:5").unwrap(),
            [0.0, 0.25, 0.5, 0.75, 1.0]
        );
        assert_eq!(parse_range("-1..1:lin:3").unwrap(), [-1.0, 0.0, 1.0]);
        for bad in [
            "0..10:log:3",
            "1..10:log:1",
            "1..10:log:x",
            "10..1:lin:3",
            "1..10:cubic:3",
        ] {
            assert!(parse_range(bad).is_err(), "{bad} accepted");
        }
        // Whole points of an integer key become integers.
        let a = axis("traffic.rate_per_s=1..100:log:3").unwrap();
        assert_eq!(
            a.values,
            [
                AxisValue::Value(Value::Integer(1)),
                AxisValue::Value(Value::Integer(10)),
                AxisValue::Value(Value::Integer(100)),
            ]
        );
        assert_eq!(
            shown("traffic.rate_per_s=1..1000:log:4,5000"),
            ["1", "10", "100", "1000", "5000"]
        );
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

    #[test]
    fn grid_is_row_major_and_applies_values() {
        let grid = Grid {
            axes: vec![
                axis("alarms.error_rate.threshold=1,5").unwrap(),
                axis("candidate=healthy,faulty").unwrap(),
                axis("versions.candidate.error_rate=0.01,0.02,0.03").unwrap(),
            ],
        };
        assert_eq!(grid.point_count().unwrap(), 12);
        assert_eq!(grid.coordinates(0), [0, 0, 0]);
        assert_eq!(grid.coordinates(5), [0, 1, 2]);
        assert_eq!(grid.coordinates(6), [1, 0, 0]);
        let doc = grid.apply(&base(), &[1, 0, 2]).unwrap();
        assert_eq!(doc["alarms"]["error_rate"]["threshold"], Value::Integer(5));
        assert_eq!(
            doc["versions"]["candidate"]["error_rate"],
            Value::Float(0.03)
        );
        assert!(doc.get("faults").is_none());
        let doc = grid.apply(&base(), &[0, 1, 0]).unwrap();
        assert!(doc.get("faults").is_some());
        let big = Grid {
            axes: vec![axis("traffic.rate_per_s=1..10000:1").unwrap(); 2],
        };
        assert!(big.point_count().is_err());
    }
}
