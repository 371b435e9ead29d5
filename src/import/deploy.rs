//! Which functions a template deploys, and how: SAM's
//! `DeploymentPreference` (SAM "AWS::Serverless::Function
//! DeploymentPreference"; SAM docs "Deploying serverless applications
//! gradually") and the CloudFormation that `cdk synth` writes for a
//! `LambdaDeploymentGroup`: an `AWS::Lambda::Alias` whose
//! `UpdatePolicy.CodeDeployLambdaAliasUpdate` names the
//! `AWS::CodeDeploy::DeploymentGroup` that shifts it ("UpdatePolicy
//! attribute"), the group's `DeploymentConfigName` (predefined, or an
//! `AWS::CodeDeploy::DeploymentConfig` with `TimeBasedCanary` /
//! `TimeBasedLinear`), `AlarmConfiguration` and
//! `AutoRollbackConfiguration`.
//!
//! Semantics kept: `Enabled: false` (SAM) deploys the function all at once
//! with no alarms or hooks; a group without `AutoRollbackConfiguration`, or
//! whose events lack `DEPLOYMENT_STOP_ON_ALARM`, stops on an alarm without
//! rolling back (CodeDeploy "Redeploy and roll back a deployment": automatic
//! rollback is opt-in); SAM creates its groups with rollback on
//! `DEPLOYMENT_FAILURE`, `DEPLOYMENT_STOP_ON_ALARM` and
//! `DEPLOYMENT_STOP_ON_REQUEST`. `AlarmConfiguration.Enabled: false` means
//! no alarm is polled.

use super::error::ImportError;
use super::resolve::{Resolver, Val};
use super::template::{Resource, Template};
use super::tree::Node;

/// A traffic-shifting shape.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// A predefined configuration, as written (the scenario accepts every
    /// CodeDeploy, SAM and CDK spelling).
    Predefined(String),
    /// An `AWS::CodeDeploy::DeploymentConfig`: `canary` or `linear`,
    /// percentage, minutes.
    Custom(&'static str, i64, i64),
}

/// One function of the template and how it is deployed.
#[derive(Debug, Clone)]
pub struct Deployable {
    /// The function's logical id.
    pub id: String,
    /// Whether traffic is shifted (false: `deploy = "all_at_once"`).
    pub canaried: bool,
    /// The shifting shape (when canaried).
    pub shape: Shape,
    /// Line of the configuration name in the template.
    pub shape_line: Option<usize>,
    /// Alarm names as written (a logical id or an `AlarmName`), with lines.
    pub alarms: Vec<(String, Option<usize>)>,
    /// Whether an alarm rolls back (false: it stops the deployment).
    pub rollback: bool,
    /// PreTraffic / BeforeAllowTraffic hook function, as written.
    pub pre_hook: Option<String>,
    /// PostTraffic / AfterAllowTraffic hook function, as written.
    pub post_hook: Option<String>,
    /// Where the deployment comes from, for the header.
    pub via: String,
}

impl Deployable {
    /// A function released all at once (not canaried), rolled back with the
    /// stack; `via` says where it comes from.
    fn all_at_once(id: &str, via: String) -> Deployable {
        Deployable {
            id: id.to_string(),
            canaried: false,
            shape: Shape::Predefined("AllAtOnce".into()),
            shape_line: None,
            alarms: Vec::new(),
            rollback: true,
            pre_hook: None,
            post_hook: None,
            via,
        }
    }
}

/// The deployments found, and what was noticed on the way.
#[derive(Debug, Default)]
pub struct Found {
    /// Functions in template order.
    pub deployables: Vec<Deployable>,
    /// Constructs not simulated, one line each.
    pub unmodelled: Vec<String>,
    /// Things simulated with a stated reading.
    pub notes: Vec<String>,
}

const FUNCTION_TYPES: [&str; 2] = ["AWS::Serverless::Function", "AWS::Lambda::Function"];

/// The function resource a name, ARN or logical id refers to.
pub fn find_function<'t>(t: &'t Template, r: &Resolver, value: &str) -> Option<&'t Resource> {
    let name = value.rsplit(":function:").next().unwrap_or(value);
    let name = name.split(':').next().unwrap_or(name);
    t.active()
        .filter(|res| FUNCTION_TYPES.contains(&res.kind.as_str()))
        .find(|res| {
            res.id == name
                || r.ref_of(&res.id) == name
                || r.prop(res, &["FunctionName"])
                    .ok()
                    .and_then(|(v, _)| v.as_str().map(str::to_string))
                    .as_deref()
                    == Some(name)
        })
}

/// A SAM function's property, from the function or else `Globals.Function`.
fn sam_prop<'a>(t: &'a Template, res: &'a Resource, key: &str) -> Option<&'a Node> {
    res.props
        .get(key)
        .or_else(|| t.globals_function.as_ref().and_then(|g| g.get(key)))
}

/// Finds every deployment of a function in the template.
/// `routed` are functions that the routing (Lattice targets) or an alarm
/// action (an SNS-subscribed rollback function) already accounts for.
pub fn find(t: &Template, r: &Resolver, routed: &[String]) -> Result<Found, ImportError> {
    let mut found = Found::default();
    for res in t.active() {
        match res.kind.as_str() {
            "AWS::Serverless::Function" => sam_function(t, r, res, &mut found)?,
            "AWS::Lambda::Alias" => alias(t, r, res, &mut found)?,
            _ => {}
        }
    }
    // Hook functions are CodeDeploy's test runners, not part of the release.
    let hooks: Vec<String> = found
        .deployables
        .iter()
        .flat_map(|d| d.pre_hook.iter().chain(d.post_hook.iter()).cloned())
        .collect();
    let hook_ids: Vec<String> = hooks
        .iter()
        .filter_map(|h| find_function(t, r, h).map(|f| f.id.clone()))
        .collect();
    found.deployables.retain(|d| !hook_ids.contains(&d.id));
    // Plain functions of a stack that canaries others are released with
    // it, in place (all at once), and rolled back with it.
    let any_canaried = found.deployables.iter().any(|d| d.canaried);
    for res in t
        .active()
        .filter(|res| FUNCTION_TYPES.contains(&res.kind.as_str()))
    {
        if hook_ids.contains(&res.id)
            || routed.contains(&res.id)
            || found.deployables.iter().any(|d| d.id == res.id)
        {
            continue;
        }
        if any_canaried {
            found.notes.push(format!("{}: no alias — CloudFormation updates it in place with the stack (deploy = \"all_at_once\", rolled back with the stack)", res.id));
            found
                .deployables
                .push(Deployable::all_at_once(&res.id, "updated in place".into()));
        } else {
            found.unmodelled.push(format!("{} ({}): no alias and no traffic shifting — CloudFormation updates it in place; not simulated", res.id, res.kind));
        }
    }
    for res in t
        .active()
        .filter(|res| res.kind == "AWS::CodeDeploy::DeploymentGroup")
    {
        let used = found
            .deployables
            .iter()
            .any(|d| d.via.contains(&format!("group {}", res.id)));
        if !used {
            found.unmodelled.push(format!("{} (AWS::CodeDeploy::DeploymentGroup): no AWS::Lambda::Alias names it in UpdatePolicy.CodeDeployLambdaAliasUpdate, so the function it deploys is unknown; not simulated", res.id));
        }
    }
    Ok(found)
}

fn sam_function(
    t: &Template,
    r: &Resolver,
    res: &Resource,
    found: &mut Found,
) -> Result<(), ImportError> {
    let alias = match sam_prop(t, res, "AutoPublishAlias") {
        Some(n) => r.resolve(n, res)?,
        None => Val::Null,
    };
    let pref_node = sam_prop(t, res, "DeploymentPreference");
    let pref = match pref_node {
        Some(n) => r.resolve(n, res)?,
        None => Val::Null,
    };
    if alias == Val::Null {
        let disabled = pref.get("Enabled").and_then(Val::as_bool) == Some(false);
        if pref != Val::Null && !disabled {
            return Err(t.error(res, pref_node, "DeploymentPreference needs AutoPublishAlias (SAM publishes a version and shifts that alias; without it there is nothing to shift)"));
        }
        return Ok(());
    }
    let mut d = Deployable::all_at_once(
        &res.id,
        format!("SAM AutoPublishAlias {}", alias.as_str().unwrap_or("?")),
    );
    if pref == Val::Null {
        found.notes.push(format!("{}: AutoPublishAlias without DeploymentPreference — the alias moves all at once (deploy = \"all_at_once\")", res.id));
        found.deployables.push(d);
        return Ok(());
    }
    let line_of = |key: &str| pref_node.and_then(|n| n.get(key)).and_then(Node::line);
    match pref.get("Enabled") {
        Some(v) if v.as_bool() == Some(false) => {
            found.notes.push(format!("{}: DeploymentPreference Enabled: false — deployed all at once, not canaried, no alarms or hooks", res.id));
            found.deployables.push(d);
            return Ok(());
        }
        Some(Val::Unknown(why)) => found.unmodelled.push(format!(
            "{}: DeploymentPreference Enabled is unresolved ({why}); simulated as enabled",
            res.id
        )),
        _ => {}
    }
    let ty = pref.get("Type").cloned().unwrap_or(Val::Null);
    d.shape = shape_of(t, r, res, &ty, line_of("Type"))?;
    d.shape_line = line_of("Type");
    d.canaried = true;
    d.via = format!(
        "SAM DeploymentPreference (AutoPublishAlias {})",
        alias.as_str().unwrap_or("?")
    );
    for a in pref.get("Alarms").map(Val::items).unwrap_or(&[]) {
        match a {
            Val::Str(s) => d.alarms.push((s.clone(), line_of("Alarms"))),
            other => found.unmodelled.push(format!(
                "{}: DeploymentPreference alarm {} is unresolved ({}); not watched",
                res.id,
                show(other),
                other.unknown().unwrap_or("not a name")
            )),
        }
    }
    let hooks = pref.get("Hooks");
    d.pre_hook = hooks
        .and_then(|h| h.get("PreTraffic"))
        .and_then(Val::as_str)
        .map(str::to_string);
    d.post_hook = hooks
        .and_then(|h| h.get("PostTraffic"))
        .and_then(Val::as_str)
        .map(str::to_string);
    found.deployables.push(d);
    Ok(())
}

fn show(v: &Val) -> String {
    match v {
        Val::Str(s) => s.clone(),
        Val::Unknown(_) => "(unknown)".into(),
        other => format!("{other:?}"),
    }
}

/// The shape named by a SAM `Type` or a group's `DeploymentConfigName`:
/// an `AWS::CodeDeploy::DeploymentConfig` of the template (by logical id or
/// `DeploymentConfigName`), else a predefined name.
fn shape_of(
    t: &Template,
    r: &Resolver,
    res: &Resource,
    name: &Val,
    line: Option<usize>,
) -> Result<Shape, ImportError> {
    let at =
        |msg: String| ImportError::new(&t.file, line.or(Some(res.line)), msg).in_resource(&res.id);
    let name = match name {
        Val::Str(s) => s.clone(),
        Val::Null => return Err(at("no deployment configuration: DeploymentPreference needs a Type (e.g. Canary10Percent5Minutes)".into())),
        other => return Err(at(format!("the deployment configuration is unresolved ({})", other.unknown().unwrap_or("not a name")))),
    };
    let config = t
        .active()
        .filter(|c| c.kind == "AWS::CodeDeploy::DeploymentConfig")
        .find(|c| {
            c.id == name
                || r.prop(c, &["DeploymentConfigName"])
                    .ok()
                    .and_then(|(v, _)| v.as_str().map(str::to_string))
                    .as_deref()
                    == Some(name.as_str())
        });
    let Some(c) = config else {
        return Ok(Shape::Predefined(name));
    };
    let (routing, rline) = r.prop(c, &["TrafficRoutingConfig"])?;
    let bad = |msg: &str| {
        ImportError::new(&t.file, rline.or(Some(c.line)), msg.to_string()).in_resource(&c.id)
    };
    let ty = routing.get("Type").and_then(Val::as_str).unwrap_or("");
    let (key, pct, int, kind) = match ty {
        "TimeBasedCanary" => ("TimeBasedCanary", "CanaryPercentage", "CanaryInterval", "canary"),
        "TimeBasedLinear" => ("TimeBasedLinear", "LinearPercentage", "LinearInterval", "linear"),
        "AllAtOnce" => return Ok(Shape::Predefined("AllAtOnce".into())),
        _ => return Err(bad("TrafficRoutingConfig.Type must be TimeBasedCanary, TimeBasedLinear or AllAtOnce (a Lambda deployment configuration)")),
    };
    let block = routing.get(key);
    let num = |k: &str| {
        block
            .and_then(|b| b.get(k))
            .and_then(Val::as_f64)
            .filter(|x| x.fract() == 0.0 && *x >= 1.0)
    };
    match (num(pct), num(int)) {
        (Some(p), Some(i)) => Ok(Shape::Custom(kind, p as i64, i as i64)),
        _ => Err(bad(&format!(
            "{key} needs whole numbers {pct} (1-99) and {int} (minutes)"
        ))),
    }
}

fn alias(t: &Template, r: &Resolver, res: &Resource, found: &mut Found) -> Result<(), ImportError> {
    let (fname, fline) = r.prop(res, &["FunctionName"])?;
    let function = fname.as_str().and_then(|f| find_function(t, r, f));
    let policy = res
        .update_policy
        .as_ref()
        .and_then(|p| p.get("CodeDeployLambdaAliasUpdate"));
    let Some(function) = function else {
        let what = if policy.is_some() {
            "its CodeDeploy deployment is not simulated"
        } else {
            "not simulated"
        };
        found.unmodelled.push(format!(
            "{} (AWS::Lambda::Alias): its function {} is not a function of this template; {what}",
            res.id,
            show(&fname)
        ));
        return Ok(());
    };
    let _ = fline;
    let Some(policy) = policy else {
        if !found.deployables.iter().any(|d| d.id == function.id) {
            found.notes.push(format!(
                "{}: alias {} without CodeDeploy — it moves all at once (deploy = \"all_at_once\")",
                function.id, res.id
            ));
            found.deployables.push(Deployable::all_at_once(
                &function.id,
                format!("alias {}", res.id),
            ));
        }
        return Ok(());
    };
    let p = r.resolve(policy, res)?;
    let group_name = p
        .get("DeploymentGroupName")
        .and_then(Val::as_str)
        .unwrap_or("");
    let group = t
        .active()
        .filter(|g| g.kind == "AWS::CodeDeploy::DeploymentGroup")
        .find(|g| {
            g.id == group_name
                || r.prop(g, &["DeploymentGroupName"])
                    .ok()
                    .and_then(|(v, _)| v.as_str().map(str::to_string))
                    .as_deref()
                    == Some(group_name)
        });
    let Some(group) = group else {
        return Err(t.error(res, policy.get("DeploymentGroupName").or(Some(policy)), format!("UpdatePolicy.CodeDeployLambdaAliasUpdate.DeploymentGroupName `{group_name}` is not an AWS::CodeDeploy::DeploymentGroup of this template")));
    };
    let (cfg, cfg_line) = r.prop(group, &["DeploymentConfigName"])?;
    let (shape, shape_line) = if cfg == Val::Null {
        found.notes.push(format!("{}: DeploymentConfigName not given — CodeDeploy's Lambda default, CodeDeployDefault.LambdaAllAtOnce, assumed", group.id));
        (Shape::Predefined("AllAtOnce".into()), None)
    } else {
        (shape_of(t, r, group, &cfg, cfg_line)?, cfg_line)
    };
    let (alarm_cfg, alarm_line) = r.prop(group, &["AlarmConfiguration"])?;
    let mut alarms = Vec::new();
    let alarms_on = alarm_cfg
        .get("Enabled")
        .and_then(Val::as_bool)
        .unwrap_or(true);
    let listed = alarm_cfg.get("Alarms").map(Val::items).unwrap_or(&[]);
    if !alarms_on && !listed.is_empty() {
        found.notes.push(format!(
            "{}: AlarmConfiguration Enabled: false — its {} alarm(s) are not polled",
            group.id,
            listed.len()
        ));
    }
    if alarms_on {
        for a in listed {
            match a.get("Name") {
                Some(Val::Str(s)) => alarms.push((s.clone(), alarm_line)),
                other => found.unmodelled.push(format!(
                    "{}: alarm {:?} is unresolved; not watched",
                    group.id,
                    other.map(show)
                )),
            }
        }
    }
    if alarm_cfg
        .get("IgnorePollAlarmFailure")
        .and_then(Val::as_bool)
        == Some(true)
    {
        found.notes.push(format!("{}: IgnorePollAlarmFailure: true has no effect here (the simulation never fails to read an alarm)", group.id));
    }
    let (rb, _) = r.prop(group, &["AutoRollbackConfiguration"])?;
    let rollback = rb.get("Enabled").and_then(Val::as_bool).unwrap_or(false)
        && rb
            .get("Events")
            .map(Val::items)
            .unwrap_or(&[])
            .iter()
            .any(|e| e.as_str() == Some("DEPLOYMENT_STOP_ON_ALARM"));
    if !rollback {
        found.notes.push(format!("{}: AutoRollbackConfiguration has no DEPLOYMENT_STOP_ON_ALARM — an alarm stops the deployment without rolling back (rollback = false)", group.id));
    }
    let hook = |k: &str| p.get(k).and_then(Val::as_str).map(str::to_string);
    found.deployables.retain(|d| d.id != function.id);
    found.deployables.push(Deployable {
        id: function.id.clone(),
        canaried: true,
        shape,
        shape_line,
        alarms,
        rollback,
        pre_hook: hook("BeforeAllowTrafficHook"),
        post_hook: hook("AfterAllowTrafficHook"),
        via: format!(
            "CodeDeploy deployment group {} (alias {})",
            group.id, res.id
        ),
    });
    Ok(())
}
