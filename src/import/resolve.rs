//! Intrinsic functions, resolved as far as a template alone allows
//! (CloudFormation "Intrinsic function reference"): `Ref` to parameters with
//! a `Default` and to resources, `Fn::Sub`, `Fn::GetAtt`, `Fn::Join`,
//! `Fn::Select`, `Fn::Split`, `Fn::If` with conditions made of
//! `Fn::Equals`, `Fn::Not`, `Fn::And`, `Fn::Or` and `Condition`, and
//! `Fn::FindInMap`. What needs a deployed stack (`Fn::ImportValue`,
//! `Fn::GetAZs`, a parameter without a default) resolves to
//! [`Val::Unknown`] with the reason, so the mapper can list the construct as
//! unmodelled; a reference to a name the template does not define is an
//! error (CloudFormation itself refuses such a template).
//!
//! What a `Ref` or `Fn::GetAtt` returns follows the resource type reference,
//! with names the scenario uses: a deployable function's `Ref` is its name
//! in the scenario (the name its simulated log line carries), its
//! `Version.Version` (SAM's `Fn.Version.Version`) is `2`, the candidate
//! version (the stable one is `1`, README "Log metric filter patterns"); an
//! alarm's `Ref` is its logical id, which is its name in the scenario.
//! Pseudo parameters other than `AWS::Partition` (`aws`) and
//! `AWS::NoValue` are unknown: a condition on `AWS::Region` is unresolved.

use std::collections::HashMap;

use super::error::ImportError;
use super::template::{Resource, Template};
use super::tree::{Kind, Node};

/// A resolved value.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// `null`, or `AWS::NoValue`.
    Null,
    /// A scalar's text.
    Str(String),
    /// A list.
    List(Vec<Val>),
    /// A mapping, in file order.
    Map(Vec<(String, Val)>),
    /// What cannot be known from the template, and why.
    Unknown(String),
}

impl Val {
    /// The text of a scalar.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }
    /// A scalar read as a number.
    pub fn as_f64(&self) -> Option<f64> {
        self.as_str()
            .and_then(|s| s.trim().parse::<f64>().ok())
            .filter(|x| x.is_finite())
    }
    /// A scalar read as a boolean (`true`/`false`, any case).
    pub fn as_bool(&self) -> Option<bool> {
        match self.as_str().map(str::to_ascii_lowercase).as_deref() {
            Some("true") => Some(true),
            Some("false") => Some(false),
            _ => None,
        }
    }
    /// The value of `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Val> {
        match self {
            Val::Map(e) => e.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
    /// The items of a list (empty otherwise).
    pub fn items(&self) -> &[Val] {
        match self {
            Val::List(v) => v,
            _ => &[],
        }
    }
    /// The reason, when unknown (also for an unknown value inside).
    pub fn unknown(&self) -> Option<&str> {
        match self {
            Val::Unknown(why) => Some(why),
            Val::List(v) => v.iter().find_map(Val::unknown),
            Val::Map(e) => e.iter().find_map(|(_, v)| v.unknown()),
            _ => None,
        }
    }
}

/// Resolves nodes against one template.
pub struct Resolver<'t> {
    t: &'t Template,
    /// What `Ref` of a resource returns, by logical id (default: the id).
    refs: HashMap<String, String>,
}

/// The candidate version number in the scenario's log lines.
pub const CANDIDATE_VERSION: &str = "2";

impl<'t> Resolver<'t> {
    /// A resolver whose resource `Ref`s return the logical id, except the
    /// ids given in `refs`.
    pub fn new(t: &'t Template, refs: HashMap<String, String>) -> Self {
        Resolver { t, refs }
    }

    /// What `Ref` of this resource returns.
    pub fn ref_of(&self, id: &str) -> String {
        self.refs.get(id).cloned().unwrap_or_else(|| id.to_string())
    }

    /// Resolves a property of a resource.
    pub fn resolve(&self, node: &Node, res: &Resource) -> Result<Val, ImportError> {
        self.eval(node).map_err(|e| e.in_resource(&res.id))
    }

    /// Resolves a property path (`["DeploymentPreference", "Type"]`) of a
    /// resource; `Null` when a step is absent.
    pub fn prop(&self, res: &Resource, path: &[&str]) -> Result<(Val, Option<usize>), ImportError> {
        let mut node = &res.props;
        for key in path {
            match node.get(key) {
                Some(n) => node = n,
                None => return Ok((Val::Null, None)),
            }
        }
        Ok((self.resolve(node, res)?, node.line()))
    }

    fn err(&self, node: &Node, msg: String) -> ImportError {
        ImportError::new(&self.t.file, node.line(), msg)
    }

    fn eval(&self, node: &Node) -> Result<Val, ImportError> {
        match &node.kind {
            Kind::Null => Ok(Val::Null),
            Kind::Scalar(s) => Ok(Val::Str(s.clone())),
            Kind::Seq(items) => {
                let mut out = Vec::new();
                for i in items {
                    match self.eval(i)? {
                        Val::Null if is_no_value(i) => {}
                        v => out.push(v),
                    }
                }
                Ok(Val::List(out))
            }
            Kind::Map(entries) => {
                if let [(key, arg)] = entries.as_slice() {
                    if key == "Ref" || key.starts_with("Fn::") {
                        return self.intrinsic(key, arg, node);
                    }
                }
                let mut out = Vec::new();
                for (k, v) in entries {
                    match self.eval(v)? {
                        Val::Null if is_no_value(v) => {}
                        val => out.push((k.clone(), val)),
                    }
                }
                Ok(Val::Map(out))
            }
        }
    }

    fn intrinsic(&self, key: &str, arg: &Node, node: &Node) -> Result<Val, ImportError> {
        let args = || match &arg.kind {
            Kind::Seq(items) => Ok(items.as_slice()),
            _ => Err(self.err(node, format!("{key} takes a list"))),
        };
        match key {
            "Ref" => {
                let name = arg
                    .as_str()
                    .ok_or_else(|| self.err(node, "Ref takes a name".into()))?;
                self.reference(name, node)
            }
            "Fn::GetAtt" => {
                let (id, attr) = match &arg.kind {
                    Kind::Scalar(s) => s
                        .split_once('.')
                        .map(|(a, b)| (a.to_string(), b.to_string())),
                    Kind::Seq(items) if items.len() == 2 => {
                        let attr = self.eval(&items[1])?;
                        items[0]
                            .as_str()
                            .zip(attr.as_str().map(str::to_string))
                            .map(|(a, b)| (a.to_string(), b))
                    }
                    _ => None,
                }
                .ok_or_else(|| {
                    self.err(
                        node,
                        "Fn::GetAtt takes `LogicalId.Attribute` or [LogicalId, Attribute]".into(),
                    )
                })?;
                // SAM's generated resources: ["Fn.Version", "Version"].
                let (id, attr) = match id.split_once('.') {
                    Some((base, sub)) if self.t.resource(&id).is_none() => {
                        (base.to_string(), format!("{sub}.{attr}"))
                    }
                    _ => (id, attr),
                };
                self.get_att(&id, &attr, node)
            }
            "Fn::Sub" => {
                let (text, vars) = match &arg.kind {
                    Kind::Scalar(s) => (s.clone(), Vec::new()),
                    Kind::Seq(items) if items.len() == 2 => {
                        let text = items[0].as_str().ok_or_else(|| {
                            self.err(node, "Fn::Sub's first item is a string".into())
                        })?;
                        let mut vars = Vec::new();
                        for (k, v) in items[1].entries() {
                            vars.push((k.clone(), self.eval(v)?));
                        }
                        (text.to_string(), vars)
                    }
                    _ => {
                        return Err(self.err(
                            node,
                            "Fn::Sub takes a string or [string, { Var: value }]".into(),
                        ))
                    }
                };
                self.sub(&text, &vars, node)
            }
            "Fn::Join" => {
                let a = args()?;
                let (Some(delim), Some(list)) = (a.first().and_then(Node::as_str), a.get(1)) else {
                    return Err(self.err(node, "Fn::Join takes [delimiter, [values]]".into()));
                };
                let list = self.eval(list)?;
                let mut parts = Vec::new();
                for v in list.items() {
                    match v {
                        Val::Str(s) => parts.push(s.clone()),
                        Val::Unknown(_) => return Ok(v.clone()),
                        _ => return Err(self.err(node, "Fn::Join joins strings".into())),
                    }
                }
                if let Val::Unknown(_) = list {
                    return Ok(list);
                }
                Ok(Val::Str(parts.join(delim)))
            }
            "Fn::Select" => {
                let a = args()?;
                let (Some(index), Some(list)) = (a.first(), a.get(1)) else {
                    return Err(self.err(node, "Fn::Select takes [index, [values]]".into()));
                };
                let index = self.eval(index)?;
                let list = self.eval(list)?;
                if let Some(why) = index.unknown().or(list.unknown()) {
                    return Ok(Val::Unknown(why.to_string()));
                }
                let i = index
                    .as_f64()
                    .filter(|i| *i >= 0.0 && i.fract() == 0.0)
                    .ok_or_else(|| self.err(node, "Fn::Select's index is a whole number".into()))?;
                list.items().get(i as usize).cloned().ok_or_else(|| {
                    self.err(
                        node,
                        format!(
                            "Fn::Select index {i} is past the end of a list of {}",
                            list.items().len()
                        ),
                    )
                })
            }
            "Fn::Split" => {
                let a = args()?;
                let (Some(delim), Some(text)) = (a.first().and_then(Node::as_str), a.get(1)) else {
                    return Err(self.err(node, "Fn::Split takes [delimiter, string]".into()));
                };
                Ok(match self.eval(text)? {
                    Val::Str(s) => {
                        Val::List(s.split(delim).map(|p| Val::Str(p.to_string())).collect())
                    }
                    other => other,
                })
            }
            "Fn::If" => {
                let a = args()?;
                let [cond, yes, no] = a else {
                    return Err(self.err(
                        node,
                        "Fn::If takes [condition name, value if true, value if false]".into(),
                    ));
                };
                let name = cond.as_str().ok_or_else(|| {
                    self.err(node, "Fn::If's first item is a condition name".into())
                })?;
                match self.condition(name, node, 0)? {
                    Ok(true) => self.eval(yes),
                    Ok(false) => self.eval(no),
                    Err(why) => Ok(Val::Unknown(format!(
                        "condition {name} is unresolved ({why})"
                    ))),
                }
            }
            "Fn::FindInMap" => {
                let a = args()?;
                let [m, k1, k2] = a else {
                    return Err(self.err(
                        node,
                        "Fn::FindInMap takes [map, top-level key, second-level key]".into(),
                    ));
                };
                let (m, k1, k2) = (self.eval(m)?, self.eval(k1)?, self.eval(k2)?);
                if let Some(why) = m.unknown().or(k1.unknown()).or(k2.unknown()) {
                    return Ok(Val::Unknown(why.to_string()));
                }
                let found = self
                    .t
                    .mappings
                    .get(m.as_str().unwrap_or(""))
                    .and_then(|n| n.get(k1.as_str().unwrap_or("")))
                    .and_then(|n| n.get(k2.as_str().unwrap_or("")));
                match found {
                    Some(n) => self.eval(n),
                    None => Err(self.err(
                        node,
                        format!(
                            "Fn::FindInMap: Mappings has no {:?}.{:?}.{:?}",
                            m.as_str(),
                            k1.as_str(),
                            k2.as_str()
                        ),
                    )),
                }
            }
            "Fn::Base64" => self.eval(arg),
            "Fn::Equals" | "Fn::Not" | "Fn::And" | "Fn::Or" => {
                Ok(match self.cond_expr(key, arg, node, 0)? {
                    Ok(b) => Val::Str(b.to_string()),
                    Err(why) => Val::Unknown(why),
                })
            }
            _ => Ok(Val::Unknown(format!("{key} needs a deployed stack"))),
        }
    }

    fn reference(&self, name: &str, node: &Node) -> Result<Val, ImportError> {
        if let Some(v) = pseudo(name) {
            return Ok(v);
        }
        if let Some((_, p)) = self.t.parameters.iter().find(|(n, _)| n == name) {
            return match p.get("Default") {
                Some(d) => self.eval(d),
                None => Ok(Val::Unknown(format!("parameter {name} has no Default"))),
            };
        }
        if self.t.resource(name).is_some() {
            return Ok(Val::Str(
                self.refs
                    .get(name)
                    .cloned()
                    .unwrap_or_else(|| name.to_string()),
            ));
        }
        if let Some(v) = self.sam_generated(name) {
            return Ok(v);
        }
        Err(self.err(node, format!("Ref to `{name}`, which is neither a parameter nor a resource of this template (nor a pseudo parameter such as AWS::Region)")))
    }

    /// SAM's generated resources that a template may reference:
    /// `FnAliasLive` (the alias: `AutoPublishAlias` + its name) and
    /// `Fn.Version` / `Fn.Alias` in `Fn::Sub` and `Fn::GetAtt`.
    fn sam_generated(&self, name: &str) -> Option<Val> {
        let (id, rest) = name.split_once('.')?;
        self.t.resource(id)?;
        let fname = self.refs.get(id).cloned().unwrap_or_else(|| id.to_string());
        match rest {
            "Version" => Some(Val::Str(format!("{fname}:{CANDIDATE_VERSION}"))),
            "Alias" => Some(Val::Str(format!("{fname}:live"))),
            _ => None,
        }
    }

    fn get_att(&self, id: &str, attr: &str, node: &Node) -> Result<Val, ImportError> {
        let Some(res) = self.t.resource(id) else {
            return Err(self.err(
                node,
                format!("Fn::GetAtt of `{id}`, which is not a resource of this template"),
            ));
        };
        let name = self.refs.get(id).cloned().unwrap_or_else(|| id.to_string());
        Ok(Val::Str(match (res.kind.as_str(), attr) {
            (_, "Version.Version") | ("AWS::Lambda::Version", "Version") => {
                CANDIDATE_VERSION.to_string()
            }
            (_, "Version") => format!("{name}:{CANDIDATE_VERSION}"),
            ("AWS::Lambda::Function" | "AWS::Serverless::Function", "Arn") => {
                format!("arn:aws:lambda:us-east-1:123456789012:function:{name}")
            }
            (_, "Arn") => format!(
                "arn:aws:{}:us-east-1:123456789012:{id}",
                res.kind
                    .split("::")
                    .nth(1)
                    .unwrap_or("")
                    .to_ascii_lowercase()
            ),
            (_, other) => format!("{name}.{other}"),
        }))
    }

    fn sub(&self, text: &str, vars: &[(String, Val)], node: &Node) -> Result<Val, ImportError> {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find('}')
                .ok_or_else(|| self.err(node, format!("Fn::Sub: unclosed `${{` in {text:?}")))?;
            let inner = &after[..end];
            rest = &after[end + 1..];
            if let Some(literal) = inner.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
                continue;
            }
            let inner = inner.trim();
            let v = if let Some((_, v)) = vars.iter().find(|(k, _)| k == inner) {
                v.clone()
            } else if self.t.parameters.iter().any(|(n, _)| n == inner)
                || self.t.resource(inner).is_some()
                || pseudo(inner).is_some()
            {
                self.reference(inner, node)?
            } else if let Some(v) = self.sam_generated(inner) {
                v
            } else if let Some((id, attr)) = inner.split_once('.') {
                self.get_att(id, attr, node)?
            } else {
                self.reference(inner, node)?
            };
            match v {
                Val::Str(s) => out.push_str(&s),
                Val::Unknown(_) => return Ok(v),
                _ => return Err(self.err(node, format!("Fn::Sub: `${{{inner}}}` is not a string"))),
            }
        }
        out.push_str(rest);
        Ok(Val::Str(out))
    }

    /// Evaluates a named condition: `Ok(Ok(b))`, or `Ok(Err(why))` when it
    /// depends on something unknown.
    pub fn condition(
        &self,
        name: &str,
        node: &Node,
        depth: usize,
    ) -> Result<Result<bool, String>, ImportError> {
        let Some((_, c)) = self.t.conditions.iter().find(|(n, _)| n == name) else {
            return Err(self.err(
                node,
                format!("condition `{name}` is not defined in Conditions"),
            ));
        };
        if depth > 32 {
            return Err(self.err(node, format!("condition `{name}` refers to itself")));
        }
        match c.entries() {
            [(key, arg)] => self.cond_expr(key, arg, c, depth + 1),
            _ => Err(self.err(c, format!("condition `{name}` must be one Fn::Equals, Fn::Not, Fn::And, Fn::Or or Condition"))),
        }
    }

    fn cond_expr(
        &self,
        key: &str,
        arg: &Node,
        node: &Node,
        depth: usize,
    ) -> Result<Result<bool, String>, ImportError> {
        let items: &[Node] = match &arg.kind {
            Kind::Seq(items) => items,
            _ if key == "Condition" => &[],
            _ => return Err(self.err(node, format!("{key} takes a list"))),
        };
        let sub = |n: &Node| -> Result<Result<bool, String>, ImportError> {
            match n.entries() {
                [(k, a)] if k == "Condition" => {
                    let name = a
                        .as_str()
                        .ok_or_else(|| self.err(n, "Condition takes a name".into()))?;
                    self.condition(name, n, depth + 1)
                }
                [(k, a)] if k.starts_with("Fn::") => self.cond_expr(k, a, n, depth + 1),
                _ => Ok(match self.eval(n)?.as_bool() {
                    Some(b) => Ok(b),
                    None => Err("not a condition".to_string()),
                }),
            }
        };
        match key {
            "Condition" => {
                let name = arg
                    .as_str()
                    .ok_or_else(|| self.err(node, "Condition takes a name".into()))?;
                self.condition(name, node, depth + 1)
            }
            "Fn::Equals" => {
                let [a, b] = items else {
                    return Err(self.err(node, "Fn::Equals takes two values".into()));
                };
                let (a, b) = (self.eval(a)?, self.eval(b)?);
                if let Some(why) = a.unknown().or(b.unknown()) {
                    return Ok(Err(why.to_string()));
                }
                Ok(Ok(a == b))
            }
            "Fn::Not" => {
                let [a] = items else {
                    return Err(self.err(node, "Fn::Not takes one condition".into()));
                };
                Ok(sub(a)?.map(|b| !b))
            }
            "Fn::And" | "Fn::Or" => {
                let and = key == "Fn::And";
                let mut unknown = None;
                for i in items {
                    match sub(i)? {
                        Ok(b) if b != and => return Ok(Ok(b)),
                        Ok(_) => {}
                        Err(why) => unknown = Some(why),
                    }
                }
                Ok(unknown.map_or(Ok(and), Err))
            }
            _ => Ok(Err(format!("{key} is not a condition function"))),
        }
    }
}

fn is_no_value(n: &Node) -> bool {
    n.get("Ref").and_then(Node::as_str) == Some("AWS::NoValue")
}

fn pseudo(name: &str) -> Option<Val> {
    Some(match name {
        "AWS::NoValue" => Val::Null,
        "AWS::Region" | "AWS::AccountId" | "AWS::StackName" | "AWS::StackId" | "AWS::URLSuffix" => {
            Val::Unknown(format!(
                "pseudo parameter {name} is known only when the stack is deployed"
            ))
        }
        "AWS::Partition" => Val::Str("aws".into()),
        "AWS::NotificationARNs" => Val::List(Vec::new()),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::super::tree::parse;
    use super::*;

    const T: &str = r#"
Parameters:
  Env: { Type: String, Default: prod }
  Threshold: { Type: Number, Default: 5 }
  NoDefault: { Type: String }
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
  Both: !And [!Condition IsProd, !Equals [a, a]]
  Either: !Or [!Condition IsDev, !Equals [!Ref NoDefault, x]]
Mappings:
  Sizes: { prod: { Threshold: 10 } }
Resources:
  Fn:
    Type: AWS::Serverless::Function
  A:
    Type: AWS::CloudWatch::Alarm
    Properties:
      S: !Sub '${Fn}:${Fn.Version.Version}-${Env}-${!Lit}-${AWS::Region}'
      S2: !Sub ['${X}/${Fn}', { X: !Ref Threshold }]
      J: !Join ['-', [a, !Ref Env, !Select [1, [x, y, z]]]]
      I: !If [IsProd, !FindInMap [Sizes, !Ref Env, Threshold], 1]
      D: !If [IsDev, 1, 2]
      B: !If [Both, yes, no]
      E: !If [Either, yes, no]
      U: !Ref NoDefault
      G: !GetAtt Fn.Arn
      V: !Ref Fn.Version
      L: [a, !Ref AWS::NoValue, b]
      Bad: !Ref Nope
"#;

    fn get(r: &Resolver, key: &str) -> Result<Val, ImportError> {
        let res = r.t.resource("A").unwrap();
        r.resolve(res.props.get(key).unwrap(), res)
    }

    #[test]
    fn intrinsics_resolve_as_cloudformation_defines_them() {
        let t = Template::from_tree(&parse(T, "t.yaml").unwrap(), "t.yaml").unwrap();
        let r = Resolver::new(&t, HashMap::from([("Fn".to_string(), "main".to_string())]));
        let s = |v: &str| Val::Str(v.to_string());
        assert!(matches!(get(&r, "S").unwrap(), Val::Unknown(w) if w.contains("AWS::Region")));
        assert_eq!(get(&r, "S2").unwrap(), s("5/main"));
        assert_eq!(get(&r, "J").unwrap(), s("a-prod-y"));
        assert_eq!(get(&r, "I").unwrap(), s("10"));
        assert_eq!(get(&r, "D").unwrap(), s("2"));
        assert_eq!(get(&r, "B").unwrap(), s("yes"));
        assert!(matches!(get(&r, "E").unwrap(), Val::Unknown(w) if w.contains("NoDefault")));
        assert!(matches!(get(&r, "U").unwrap(), Val::Unknown(_)));
        assert_eq!(
            get(&r, "G").unwrap(),
            s("arn:aws:lambda:us-east-1:123456789012:function:main")
        );
        assert_eq!(get(&r, "V").unwrap(), s("main:2"));
        assert_eq!(get(&r, "L").unwrap(), Val::List(vec![s("a"), s("b")]));
        let e = get(&r, "Bad").unwrap_err();
        assert_eq!((e.line, e.resource.as_deref()), (Some(30), Some("A")));
        assert!(e.message.contains("`Nope`"), "{e}");
    }
}

#[cfg(test)]
mod more_tests {
    use super::super::tree::parse;
    use super::*;

    #[test]
    fn sub_with_literals_and_sam_generated_names() {
        let t = "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n  A:\n    Type: AWS::SNS::Topic\n    Properties:\n      S: !Sub '${Fn}:${Fn.Version.Version}-${!Lit}'\n      G: { 'Fn::GetAtt': ['Fn.Version', 'Version'] }\n";
        let t = Template::from_tree(&parse(t, "t.yaml").unwrap(), "t.yaml").unwrap();
        let r = Resolver::new(&t, HashMap::from([("Fn".to_string(), "main".to_string())]));
        let res = t.resource("A").unwrap();
        assert_eq!(
            r.resolve(res.props.get("S").unwrap(), res).unwrap(),
            Val::Str("main:2-${Lit}".into())
        );
        assert_eq!(
            r.resolve(res.props.get("G").unwrap(), res).unwrap(),
            Val::Str("2".into())
        );
    }
}
