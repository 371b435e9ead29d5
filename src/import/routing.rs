//! Routing-based releases: API Gateway canary stages and VPC Lattice
//! weighted target groups.
//!
//! API Gateway: a stage's `CanarySetting` (`AWS::ApiGateway::Stage`,
//! `AWS::Serverless::Api`) or a deployment's `DeploymentCanarySettings`
//! (`AWS::ApiGateway::Deployment`) becomes `kind = "apigw_canary"` with
//! `percent_traffic` = `PercentTraffic` and `stage_variable_overrides` =
//! `StageVariableOverrides`; a stage cache (`CacheClusterEnabled`, or
//! `UseStageCache: true`) becomes `cache` with an assumed hit ratio, since
//! a template says nothing about how often requests repeat.
//!
//! VPC Lattice: a listener's default action or a rule's action that
//! forwards to exactly two target groups becomes `kind = "lattice"` with
//! their weights `[stable, candidate]` (Lattice API `WeightedTargetGroup`:
//! weights 0–999, share w/Σw). The heavier group is taken as the stable one
//! (production 90 / canary 10 as in seed 004; on a tie, the first listed);
//! the Lambda function behind each group (`Targets[].Id`) tells the alarm
//! mapper whose metrics are the candidate's.

use super::alarms::Targets;
use super::deploy::find_function;
use super::error::ImportError;
use super::resolve::{Resolver, Val};
use super::template::Template;

/// An API Gateway canary stage.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiGwOut {
    /// The stage (or API / deployment) resource.
    pub id: String,
    /// `PercentTraffic`, 0–100.
    pub percent: f64,
    /// `StageVariableOverrides`.
    pub overrides: Vec<(String, String)>,
    /// Whether a stage cache is configured.
    pub cache: bool,
}

/// A Lattice weighted split.
#[derive(Debug, Clone, PartialEq)]
pub struct LatticeOut {
    /// The listener or rule resource.
    pub id: String,
    /// `[stable, candidate]` weights.
    pub weights: [i64; 2],
    /// The target groups, stable first.
    pub groups: [String; 2],
}

/// What the template routes.
#[derive(Debug, Default)]
pub struct Routing {
    /// The first API Gateway canary found.
    pub apigw: Option<ApiGwOut>,
    /// The first two-way Lattice split found.
    pub lattice: Option<LatticeOut>,
    /// The functions behind the Lattice split.
    pub targets: Targets,
    /// Not simulated.
    pub unmodelled: Vec<String>,
}

/// The hit ratio assumed for a stage cache.
pub const ASSUMED_HIT_RATIO: f64 = 0.5;

/// Finds API Gateway canaries and Lattice splits.
pub fn find(t: &Template, r: &Resolver) -> Result<Routing, ImportError> {
    let mut out = Routing::default();
    for res in t.active() {
        let canary = match res.kind.as_str() {
            "AWS::ApiGateway::Stage" | "AWS::Serverless::Api" => r.prop(res, &["CanarySetting"])?.0,
            "AWS::ApiGateway::Deployment" => match r.prop(res, &["DeploymentCanarySettings"])?.0 {
                Val::Null => r.prop(res, &["StageDescription", "CanarySetting"])?.0,
                v => v,
            },
            "AWS::VpcLattice::Listener" | "AWS::VpcLattice::Rule" => {
                let path: &[&str] = if res.kind.ends_with("Listener") {
                    &["DefaultAction", "Forward", "TargetGroups"]
                } else {
                    &["Action", "Forward", "TargetGroups"]
                };
                let (groups, _) = r.prop(res, path)?;
                lattice(t, r, &res.id, &groups, &mut out);
                continue;
            }
            _ => continue,
        };
        if canary == Val::Null {
            continue;
        }
        let Some(percent) = canary.get("PercentTraffic").and_then(Val::as_f64) else {
            out.unmodelled.push(format!(
                "{} ({}): CanarySetting without a resolved PercentTraffic",
                res.id, res.kind
            ));
            continue;
        };
        if out.apigw.is_some() {
            out.unmodelled.push(format!(
                "{} ({}): a second API Gateway canary; only the first is simulated",
                res.id, res.kind
            ));
            continue;
        }
        let overrides = canary
            .get("StageVariableOverrides")
            .map(|o| match o {
                Val::Map(e) => e
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                    .collect(),
                _ => Vec::new(),
            })
            .unwrap_or_default();
        let cache = canary.get("UseStageCache").and_then(Val::as_bool) == Some(true)
            || r.prop(res, &["CacheClusterEnabled"])?.0.as_bool() == Some(true)
            || r.prop(res, &["StageDescription", "CacheClusterEnabled"])?
                .0
                .as_bool()
                == Some(true);
        out.apigw = Some(ApiGwOut {
            id: res.id.clone(),
            percent,
            overrides,
            cache,
        });
    }
    Ok(out)
}

fn lattice(t: &Template, r: &Resolver, id: &str, groups: &Val, out: &mut Routing) {
    let items = groups.items();
    if items.is_empty() {
        return;
    }
    if items.len() != 2 {
        if items.len() > 2 {
            out.unmodelled.push(format!("{id}: a Lattice forward to {} target groups (two are simulated: stable and candidate)", items.len()));
        }
        return;
    }
    let weight = |v: &Val| v.get("Weight").map_or(Some(100.0), Val::as_f64);
    let (Some(w0), Some(w1)) = (weight(&items[0]), weight(&items[1])) else {
        out.unmodelled
            .push(format!("{id}: unresolved Lattice weights"));
        return;
    };
    let name = |v: &Val| {
        v.get("TargetGroupIdentifier")
            .and_then(Val::as_str)
            .unwrap_or("?")
            .to_string()
    };
    let (stable, cand, ws) = if w1 > w0 {
        (1, 0, [w1, w0])
    } else {
        (0, 1, [w0, w1])
    };
    if out.lattice.is_some() {
        out.unmodelled.push(format!(
            "{id}: a second Lattice split; only the first is simulated"
        ));
        return;
    }
    let groups = [name(&items[stable]), name(&items[cand])];
    let function_of = |g: &str| -> Option<String> {
        let tg = t.active().find(|x| {
            x.kind == "AWS::VpcLattice::TargetGroup" && (x.id == g || g.contains(&x.id))
        })?;
        let (targets, _) = r.prop(tg, &["Targets"]).ok()?;
        let first = targets.items().first()?.get("Id")?.as_str()?.to_string();
        find_function(t, r, &first).map(|f| f.id.clone())
    };
    out.targets = Targets {
        stable: function_of(&groups[0]),
        candidate: function_of(&groups[1]),
    };
    out.lattice = Some(LatticeOut {
        id: id.to_string(),
        weights: [ws[0] as i64, ws[1] as i64],
        groups,
    });
}
