//! A template as a tree of nodes, each with its line, from YAML or JSON.
//!
//! CloudFormation's short-form tags (`!Ref X`, `!GetAtt A.B`, `!Sub …`) are
//! rewritten here into their long forms (`{ Ref: X }`, `{ "Fn::GetAtt":
//! "A.B" }`), exactly as CloudFormation defines them ("Intrinsic function
//! reference": each short form "is the same as" its `Fn::` form), so the
//! rest of the importer sees one shape for YAML and JSON. An unknown tag is
//! an error naming its line. Scalars keep their text: CloudFormation reads
//! `Period: 60` and `Period: "60"` alike, and the mappers convert a scalar
//! when they know what a property holds.
//!
//! JSON goes through `serde_json` first (its errors name line and column),
//! then through the same YAML 1.2 parser, of which JSON is a subset, for the
//! node lines; if that second pass refuses valid JSON (YAML's stricter
//! whitespace rules), the tree is built from `serde_json`'s value without
//! lines.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

use super::error::ImportError;

/// One node of a template.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// What the node holds.
    pub kind: Kind,
    /// 1-based line of the node in the template; 0 when unknown.
    pub line: usize,
    /// For a mapping's value: the line of its key (a block mapping's
    /// value starts on the next line); 0 otherwise.
    pub key_line: usize,
}

/// The shapes a node takes.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// `null`, `~` or an empty value.
    Null,
    /// A scalar's text (numbers and booleans included).
    Scalar(String),
    /// A list.
    Seq(Vec<Node>),
    /// A mapping, in file order.
    Map(Vec<(String, Node)>),
}

/// The intrinsic functions and condition functions CloudFormation accepts
/// in short form (`!Name`), with their long-form keys.
const SHORT_FORMS: &[(&str, &str)] = &[
    ("Ref", "Ref"),
    ("Condition", "Condition"),
    ("Base64", "Fn::Base64"),
    ("Cidr", "Fn::Cidr"),
    ("FindInMap", "Fn::FindInMap"),
    ("GetAtt", "Fn::GetAtt"),
    ("GetAZs", "Fn::GetAZs"),
    ("ImportValue", "Fn::ImportValue"),
    ("Join", "Fn::Join"),
    ("Length", "Fn::Length"),
    ("Select", "Fn::Select"),
    ("Split", "Fn::Split"),
    ("Sub", "Fn::Sub"),
    ("ToJsonString", "Fn::ToJsonString"),
    ("Transform", "Fn::Transform"),
    ("And", "Fn::And"),
    ("Equals", "Fn::Equals"),
    ("If", "Fn::If"),
    ("Not", "Fn::Not"),
    ("Or", "Fn::Or"),
];

impl Node {
    /// A node without a known line.
    pub fn new(kind: Kind, line: usize) -> Node {
        Node {
            kind,
            line,
            key_line: 0,
        }
    }

    /// The value of `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.kind {
            Kind::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The entries of a mapping (empty for other kinds).
    pub fn entries(&self) -> &[(String, Node)] {
        match &self.kind {
            Kind::Map(entries) => entries,
            _ => &[],
        }
    }

    /// The line as an `Option` (None when unknown).
    pub fn line(&self) -> Option<usize> {
        (self.line > 0).then_some(self.line)
    }

    /// The text of a scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar(s) => Some(s),
            _ => None,
        }
    }
}

/// Parses a template: JSON when its first non-blank character is `{`,
/// else YAML.
pub fn parse(text: &str, file: &str) -> Result<Node, ImportError> {
    if text.trim_start().starts_with('{') {
        parse_json(text, file)
    } else {
        parse_yaml(text, file)
    }
}

fn parse_json(text: &str, file: &str) -> Result<Node, ImportError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        ImportError::new(
            file,
            Some(e.line()),
            format!("not valid JSON: {e} (a JSON template is one object, as `cdk synth --json` writes it)"),
        )
    })?;
    match parse_yaml(text, file) {
        Ok(node) => Ok(node),
        Err(_) => Ok(from_json(&value)),
    }
}

fn from_json(v: &serde_json::Value) -> Node {
    let kind = match v {
        serde_json::Value::Null => Kind::Null,
        serde_json::Value::Bool(b) => Kind::Scalar(b.to_string()),
        serde_json::Value::Number(n) => Kind::Scalar(n.to_string()),
        serde_json::Value::String(s) => Kind::Scalar(s.clone()),
        serde_json::Value::Array(a) => Kind::Seq(a.iter().map(from_json).collect()),
        serde_json::Value::Object(o) => {
            Kind::Map(o.iter().map(|(k, v)| (k.clone(), from_json(v))).collect())
        }
    };
    Node::new(kind, 0)
}

/// Builds nodes from the parser's events (a recursive descent over the
/// event stream, one document).
struct Builder<'a> {
    file: &'a str,
    parser: Parser<'a, saphyr_parser::StrInput<'a>>,
    anchors: HashMap<usize, Node>,
}

fn parse_yaml(text: &str, file: &str) -> Result<Node, ImportError> {
    let mut b = Builder {
        file,
        parser: Parser::new_from_str(text),
        anchors: HashMap::new(),
    };
    loop {
        let (event, span) = b.next()?;
        match event {
            Event::StreamStart | Event::DocumentStart(_) | Event::Nothing => continue,
            Event::StreamEnd | Event::DocumentEnd => {
                return Err(ImportError::new(
                    file,
                    None,
                    "the file is empty: a template is a mapping with a `Resources` section",
                ));
            }
            other => return b.node(other, span),
        }
    }
}

impl<'a> Builder<'a> {
    fn next(&mut self) -> Result<(Event<'a>, Span), ImportError> {
        match self.parser.next_event() {
            Some(Ok(pair)) => Ok(pair),
            Some(Err(e)) => Err(ImportError::new(
                self.file,
                Some(e.marker().line()),
                format!(
                    "not valid YAML: {} (column {})",
                    e.info(),
                    e.marker().col() + 1
                ),
            )),
            None => Err(ImportError::new(
                self.file,
                None,
                "unexpected end of the YAML stream",
            )),
        }
    }

    fn node(&mut self, event: Event<'a>, span: Span) -> Result<Node, ImportError> {
        let line = span.start.line();
        let (node, anchor, tag) = match event {
            Event::Alias(id) => {
                let node = self.anchors.get(&id).cloned().ok_or_else(|| {
                    ImportError::new(
                        self.file,
                        Some(line),
                        "a YAML alias (*name) refers to no anchor",
                    )
                })?;
                return Ok(Node { line, ..node });
            }
            Event::Scalar(text, style, anchor, tag) => {
                let plain = style == ScalarStyle::Plain;
                let kind = if plain
                    && tag.is_none()
                    && matches!(text.as_ref(), "" | "~" | "null" | "Null" | "NULL")
                {
                    Kind::Null
                } else {
                    Kind::Scalar(text.into_owned())
                };
                (
                    Node::new(kind, line),
                    anchor,
                    tag.map(|t| (t.handle.clone(), t.suffix.clone())),
                )
            }
            Event::SequenceStart(anchor, tag) => {
                let mut items = Vec::new();
                loop {
                    let (ev, sp) = self.next()?;
                    if matches!(ev, Event::SequenceEnd) {
                        break;
                    }
                    items.push(self.node(ev, sp)?);
                }
                (
                    Node::new(Kind::Seq(items), line),
                    anchor,
                    tag.map(|t| (t.handle.clone(), t.suffix.clone())),
                )
            }
            Event::MappingStart(anchor, tag) => {
                let mut entries: Vec<(String, Node)> = Vec::new();
                loop {
                    let (ev, sp) = self.next()?;
                    if matches!(ev, Event::MappingEnd) {
                        break;
                    }
                    let key_line = sp.start.line();
                    let key = match self.node(ev, sp)?.kind {
                        Kind::Scalar(k) => k,
                        _ => {
                            return Err(ImportError::new(
                                self.file,
                                Some(key_line),
                                "a mapping key must be a plain string",
                            ));
                        }
                    };
                    let (ev, sp) = self.next()?;
                    let mut value = self.node(ev, sp)?;
                    value.key_line = key_line;
                    if entries.iter().any(|(k, _)| *k == key) {
                        return Err(ImportError::new(
                            self.file,
                            Some(key_line),
                            format!("duplicate key `{key}`"),
                        ));
                    }
                    entries.push((key, value));
                }
                (
                    Node::new(Kind::Map(entries), line),
                    anchor,
                    tag.map(|t| (t.handle.clone(), t.suffix.clone())),
                )
            }
            other => {
                return Err(ImportError::new(
                    self.file,
                    Some(line),
                    format!("unexpected YAML event {other:?}"),
                ));
            }
        };
        let node = match tag {
            Some((handle, suffix)) => self.apply_tag(&handle, &suffix, node)?,
            None => node,
        };
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        Ok(node)
    }

    /// Rewrites `!Name value` into `{ "Fn::Name": value }`; YAML's own
    /// core tags (`!!str`, …) leave the node as it is.
    fn apply_tag(&self, handle: &str, suffix: &str, node: Node) -> Result<Node, ImportError> {
        if handle == "!!" || handle.starts_with("tag:yaml.org") {
            return Ok(node);
        }
        let long = SHORT_FORMS
            .iter()
            .find(|(short, _)| handle == "!" && *short == suffix)
            .map(|(_, long)| *long)
            .ok_or_else(|| {
                let names: Vec<String> = SHORT_FORMS.iter().map(|(s, _)| format!("!{s}")).collect();
                ImportError::new(
                    self.file,
                    Some(node.line),
                    format!(
                        "unknown tag `{handle}{suffix}`: CloudFormation's short forms are {}",
                        names.join(", ")
                    ),
                )
            })?;
        let line = node.line;
        Ok(Node::new(Kind::Map(vec![(long.to_string(), node)]), line))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_forms_become_long_forms_with_their_lines() {
        let t = "Resources:\n  A:\n    Type: X\n    Properties:\n      Name: !Ref P\n      Arn: !GetAtt B.Arn\n      L: !Join ['', [a, !Sub '${P}-x']]\n";
        let n = parse(t, "t.yaml").unwrap();
        let props = n
            .get("Resources")
            .unwrap()
            .get("A")
            .unwrap()
            .get("Properties")
            .unwrap();
        let name = props.get("Name").unwrap();
        assert_eq!(name.line, 5);
        assert_eq!(name.get("Ref").unwrap().as_str(), Some("P"));
        assert_eq!(
            props
                .get("Arn")
                .unwrap()
                .get("Fn::GetAtt")
                .unwrap()
                .as_str(),
            Some("B.Arn")
        );
        let join = props.get("L").unwrap().get("Fn::Join").unwrap();
        let Kind::Seq(items) = &join.kind else {
            panic!("{join:?}")
        };
        let Kind::Seq(parts) = &items[1].kind else {
            panic!()
        };
        assert_eq!(parts[1].get("Fn::Sub").unwrap().as_str(), Some("${P}-x"));
    }

    #[test]
    fn an_unknown_tag_names_its_line() {
        let e = parse("Resources:\n  A: !Reff X\n", "t.yaml").unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("`!Reff`"), "{e}");
    }

    #[test]
    fn json_keeps_lines_and_reports_syntax_errors_with_the_line() {
        let n = parse(
            "{\n \"Resources\": {\n  \"A\": {\"Type\": \"X\"}\n }\n}\n",
            "t.json",
        )
        .unwrap();
        assert_eq!(n.get("Resources").unwrap().get("A").unwrap().line, 3);
        let e = parse("{\n \"Resources\": {\n  \"A\": \n}\n", "t.json").unwrap_err();
        assert_eq!(e.line, Some(4));
    }

    #[test]
    fn nulls_anchors_and_duplicate_keys() {
        let n = parse("a: ~\nb: &x [1]\nc: *x\n", "t.yaml").unwrap();
        assert_eq!(n.get("a").unwrap().kind, Kind::Null);
        assert_eq!(n.get("c").unwrap().kind, n.get("b").unwrap().kind);
        let e = parse("a: 1\na: 2\n", "t.yaml").unwrap_err();
        assert_eq!(e.line, Some(2));
    }
}
