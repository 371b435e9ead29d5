//! The sections of a CloudFormation template: parameters, conditions,
//! mappings and resources, checked for the shape CloudFormation requires
//! ("Template anatomy": `Resources` is the one required section; every
//! resource has a `Type`). Resource types are checked against the services
//! the importer knows: a typo there (`AWS::Serverless::Funtion`) is an
//! error suggesting the nearest known type; a type of another service is
//! simply not simulated and listed as such.

use super::error::ImportError;
use super::tree::{Kind, Node};

/// One resource of the template.
#[derive(Debug, Clone)]
pub struct Resource {
    /// Its logical id.
    pub id: String,
    /// Its `Type`.
    pub kind: String,
    /// Its `Properties` (a `Null` node when absent).
    pub props: Node,
    /// Its `UpdatePolicy`, if any.
    pub update_policy: Option<Node>,
    /// Its `Condition`, if any.
    pub condition: Option<String>,
    /// Line of the logical id.
    pub line: usize,
    /// `Metadata."aws:cdk:path"` (`cdk synth` output), if any.
    pub cdk_path: Option<String>,
}

impl Resource {
    /// The CDK construct id (`Stack/Functions/FlightReserve/Resource` →
    /// `FlightReserve`), when the template is `cdk synth` output.
    pub fn construct_id(&self) -> Option<String> {
        let path = self.cdk_path.as_deref()?;
        let mut parts: Vec<&str> = path.split('/').collect();
        if parts.last() == Some(&"Resource") || parts.last() == Some(&"Default") {
            parts.pop();
        }
        parts
            .last()
            .filter(|p| p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !p.is_empty())
            .map(|p| p.to_string())
    }
}

/// A parsed template.
#[derive(Debug, Clone)]
pub struct Template {
    /// The file name, for messages.
    pub file: String,
    /// `Parameters`, in file order.
    pub parameters: Vec<(String, Node)>,
    /// `Conditions`.
    pub conditions: Vec<(String, Node)>,
    /// `Mappings`.
    pub mappings: Node,
    /// `Resources`, in file order.
    pub resources: Vec<Resource>,
    /// Whether the template declares the SAM transform.
    pub sam: bool,
    /// Resources whose `Condition` is false or unresolved: not created, or
    /// not known to be (set by the importer; mappers skip them).
    pub excluded: Vec<String>,
    /// SAM's `Globals.Function`: properties every `AWS::Serverless::Function`
    /// takes unless it sets them itself.
    pub globals_function: Option<Node>,
}

/// Types the importer maps, or recognises as part of a deployment it maps
/// (roles, topics, permissions, log groups, …), by service.
pub const KNOWN_TYPES: &[&str] = &[
    "AWS::Serverless::Function",
    "AWS::Serverless::Api",
    "AWS::Serverless::HttpApi",
    "AWS::Serverless::StateMachine",
    "AWS::Serverless::SimpleTable",
    "AWS::Serverless::LayerVersion",
    "AWS::Serverless::Application",
    "AWS::Serverless::Connector",
    "AWS::Lambda::Function",
    "AWS::Lambda::Version",
    "AWS::Lambda::Alias",
    "AWS::Lambda::Permission",
    "AWS::Lambda::LayerVersion",
    "AWS::Lambda::EventSourceMapping",
    "AWS::Lambda::Url",
    "AWS::CodeDeploy::Application",
    "AWS::CodeDeploy::DeploymentGroup",
    "AWS::CodeDeploy::DeploymentConfig",
    "AWS::CloudWatch::Alarm",
    "AWS::CloudWatch::CompositeAlarm",
    "AWS::CloudWatch::AnomalyDetector",
    "AWS::CloudWatch::Dashboard",
    "AWS::Logs::LogGroup",
    "AWS::Logs::MetricFilter",
    "AWS::Logs::SubscriptionFilter",
    "AWS::ApiGateway::RestApi",
    "AWS::ApiGateway::Resource",
    "AWS::ApiGateway::Method",
    "AWS::ApiGateway::Deployment",
    "AWS::ApiGateway::Stage",
    "AWS::ApiGateway::Account",
    "AWS::ApiGateway::ApiKey",
    "AWS::ApiGateway::UsagePlan",
    "AWS::ApiGatewayV2::Api",
    "AWS::ApiGatewayV2::Stage",
    "AWS::VpcLattice::Service",
    "AWS::VpcLattice::ServiceNetwork",
    "AWS::VpcLattice::ServiceNetworkServiceAssociation",
    "AWS::VpcLattice::ServiceNetworkVpcAssociation",
    "AWS::VpcLattice::Listener",
    "AWS::VpcLattice::Rule",
    "AWS::VpcLattice::TargetGroup",
    "AWS::StepFunctions::StateMachine",
    "AWS::SNS::Topic",
    "AWS::SNS::Subscription",
    "AWS::SNS::TopicPolicy",
    "AWS::IAM::Role",
    "AWS::IAM::Policy",
    "AWS::IAM::ManagedPolicy",
    "AWS::CDK::Metadata",
];

impl Template {
    /// Checks the template's anatomy and collects its sections.
    pub fn from_tree(root: &Node, file: &str) -> Result<Template, ImportError> {
        let not_cfn = |why: &str| {
            ImportError::new(
                file,
                root.line(),
                format!("not a CloudFormation template: {why} (a template is a mapping with a `Resources` section of `LogicalId: {{ Type: AWS::…, Properties: … }}` entries; SAM templates add `Transform: AWS::Serverless-2016-10-31`)"),
            )
        };
        if !matches!(root.kind, Kind::Map(_)) {
            return Err(not_cfn("the document is not a mapping"));
        }
        let resources_node = root
            .get("Resources")
            .ok_or_else(|| not_cfn("it has no `Resources` section"))?;
        if !matches!(resources_node.kind, Kind::Map(_)) || resources_node.entries().is_empty() {
            return Err(not_cfn("`Resources` is not a non-empty mapping"));
        }
        let sam = match root.get("Transform").map(|t| &t.kind) {
            Some(Kind::Scalar(s)) => s.starts_with("AWS::Serverless"),
            Some(Kind::Seq(items)) => items
                .iter()
                .any(|i| i.as_str().is_some_and(|s| s.starts_with("AWS::Serverless"))),
            _ => false,
        };
        let mut resources = Vec::new();
        for (id, node) in resources_node.entries() {
            let at = |msg: String| ImportError::new(file, node.line(), msg).in_resource(id);
            if !matches!(node.kind, Kind::Map(_)) {
                return Err(at("a resource must be a mapping with a `Type`".into()));
            }
            let kind = node.get("Type").and_then(Node::as_str).ok_or_else(|| {
                at("the resource has no `Type` (a string such as AWS::Lambda::Function)".into())
            })?;
            check_type(kind).map_err(|m| {
                ImportError::new(file, node.get("Type").and_then(Node::line), m).in_resource(id)
            })?;
            resources.push(Resource {
                id: id.clone(),
                kind: kind.to_string(),
                props: node
                    .get("Properties")
                    .cloned()
                    .unwrap_or(Node::new(Kind::Null, node.line)),
                update_policy: node.get("UpdatePolicy").cloned(),
                condition: node
                    .get("Condition")
                    .and_then(Node::as_str)
                    .map(str::to_string),
                line: if node.key_line > 0 {
                    node.key_line
                } else {
                    node.line
                },
                cdk_path: node
                    .get("Metadata")
                    .and_then(|m| m.get("aws:cdk:path"))
                    .and_then(Node::as_str)
                    .map(str::to_string),
            });
        }
        Ok(Template {
            file: file.to_string(),
            parameters: root
                .get("Parameters")
                .map(|p| p.entries().to_vec())
                .unwrap_or_default(),
            conditions: root
                .get("Conditions")
                .map(|p| p.entries().to_vec())
                .unwrap_or_default(),
            mappings: root
                .get("Mappings")
                .cloned()
                .unwrap_or(Node::new(Kind::Null, 0)),
            resources,
            sam,
            excluded: Vec::new(),
            globals_function: root.get("Globals").and_then(|g| g.get("Function")).cloned(),
        })
    }

    /// The resources the stack creates (those whose condition holds).
    pub fn active(&self) -> impl Iterator<Item = &Resource> {
        self.resources
            .iter()
            .filter(|r| !self.excluded.contains(&r.id))
    }

    /// The resource with this logical id.
    pub fn resource(&self, id: &str) -> Option<&Resource> {
        self.resources.iter().find(|r| r.id == id)
    }

    /// An error at a node of a resource.
    pub fn error(
        &self,
        res: &Resource,
        node: Option<&Node>,
        message: impl Into<String>,
    ) -> ImportError {
        let line = node
            .and_then(Node::line)
            .or((res.line > 0).then_some(res.line));
        ImportError::new(&self.file, line, message).in_resource(&res.id)
    }
}

/// Accepts known types, `Custom::*` and other services' types; refuses a
/// type that is not `AWS::Service::Resource`-shaped, or that names a
/// service the importer knows with a resource it does not know (a typo),
/// suggesting the nearest known type.
fn check_type(kind: &str) -> Result<(), String> {
    if KNOWN_TYPES.contains(&kind)
        || kind.starts_with("Custom::")
        || kind == "AWS::CloudFormation::CustomResource"
    {
        return Ok(());
    }
    let parts: Vec<&str> = kind.split("::").collect();
    let known_service = |svc: &str| {
        KNOWN_TYPES
            .iter()
            .any(|t| t.split("::").nth(1) == Some(svc))
    };
    let shaped = parts.len() == 3
        && parts.iter().all(|p| !p.is_empty())
        && (parts[0] == "AWS" || parts[0] == "Alexa");
    if shaped && !known_service(parts[1]) && !KNOWN_TYPES.iter().any(|t| distance(t, kind) <= 2) {
        return Ok(());
    }
    let nearest = KNOWN_TYPES
        .iter()
        .min_by_key(|t| distance(t, kind))
        .copied()
        .unwrap_or("AWS::Lambda::Function");
    Err(format!("unknown resource Type `{kind}`; did you mean `{nearest}`? (types are `AWS::Service::Resource` as in the CloudFormation resource type reference)"))
}

/// Levenshtein distance, ASCII case ignored.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_ascii_lowercase().chars().collect();
    let b: Vec<char> = b.to_ascii_lowercase().chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::super::tree::parse;
    use super::*;

    fn load(t: &str) -> Result<Template, ImportError> {
        Template::from_tree(&parse(t, "t.yaml").unwrap(), "t.yaml")
    }

    #[test]
    fn a_typo_in_a_known_service_suggests_the_nearest_type() {
        let e = load("Resources:\n  Fn:\n    Type: AWS::Serverless::Funtion\n").unwrap_err();
        assert_eq!((e.line, e.resource.as_deref()), (Some(3), Some("Fn")));
        assert!(
            e.message
                .contains("did you mean `AWS::Serverless::Function`"),
            "{e}"
        );
        assert!(load("Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n").is_ok());
        assert!(load("Resources:\n  T:\n    Type: Lambda\n").is_err());
    }

    #[test]
    fn not_cloudformation_is_refused() {
        let e = load("name: x\nhorizon: 5m\n").unwrap_err();
        assert!(
            e.message.starts_with("not a CloudFormation template"),
            "{e}"
        );
        assert!(load("- a\n").is_err());
        assert_eq!(distance("kitten", "sitting"), 3);
    }

    #[test]
    fn sections_are_collected() {
        let t = load("Transform: AWS::Serverless-2016-10-31\nParameters:\n  P:\n    Default: 5\nResources:\n  A:\n    Type: AWS::SNS::Topic\n    Condition: C\n").unwrap();
        assert!(t.sam);
        assert_eq!(t.parameters[0].0, "P");
        assert_eq!(t.resources[0].condition.as_deref(), Some("C"));
        assert_eq!(t.resources[0].line, 6);
    }
}
