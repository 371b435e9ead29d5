//! Axes: the value items of a spec typed against the sweep-free scenario
//! document. A value follows the type the file has at the key (an integer
//! stays an integer, a string a string), a key absent from the file is
//! inferred, and `candidate` becomes healthy / faulty.
//!
//! Nothing here knows the scenario schema beyond a few facts: which
//! top-level keys are not sweepable (`name`, `seed`, `replications`),
//! which tables are collections of named entries (`alarms`, `strategies`,
//! `metrics.filters`, `functions`), where faults live (`faults`,
//! `functions.NAME.faults`, for the `candidate` pseudo-key). Every other
//! check is left to the scenario validator, which sees every grid point.

use std::fmt;

use toml::Value;

use crate::scenario::{KeyPath, PathSegment};

use super::document::{describe, fault_lists};
use super::range::{finite, parse_range};
use super::spec::{AxisSpec, Item, Origin, SpecError, SweepKey};

/// Top-level keys that every grid point shares.
const FIXED_KEYS: [&str; 4] = ["name", "seed", "replications", "sweep"];

/// Tables whose keys are names chosen by the user: (path, singular, plural).
const NAMED_COLLECTIONS: [(&[&str], &str, &str); 4] = [
    (&["alarms"], "alarm", "alarms"),
    (&["strategies"], "strategy", "strategies"),
    (&["metrics", "filters"], "filter", "filters"),
    (&["functions"], "function", "functions"),
];

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::fixtures::{axis, base};
    use crate::sweep::spec::parse_set;

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
    fn whole_range_points_of_an_integer_key_are_integers() {
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
}
