//! `canarysim import`: a SAM, CloudFormation or `cdk synth` template → a
//! scenario that validates and runs as produced.
//!
//! One job per file: [`tree`] parses YAML or JSON into nodes with lines
//! (short-form tags rewritten to long forms), [`template`] checks the
//! anatomy and the resource types, [`resolve`] evaluates intrinsic
//! functions, [`deploy`] finds the traffic-shifting deployments,
//! [`alarms`] maps alarms and log metric filters, [`routing`] API Gateway
//! canaries and Lattice splits, [`options`] holds what only the user knows
//! (traffic, faults, horizon) and [`emit`] writes the TOML. This file puts
//! them together and checks the result with the scenario loader itself.
//!
//! ## Why saphyr-parser for YAML
//!
//! CloudFormation YAML needs two things from a parser: its short-form tags
//! (`!Ref`, `!Sub`, `!GetAtt`, …) on scalars, sequences *and* mappings, and
//! the line of every node, so an error names the line of the resource.
//! Compared on crates.io (December 2026):
//! - `serde_yaml` is deprecated and unmaintained; its serde forks
//!   (`serde_yml` — now itself deprecated, a shim over `noyalib` —,
//!   `serde_norway`) deserialise into serde types: a tag survives only as a
//!   tagged enum value, and positions exist only in error messages, not on
//!   values.
//! - `marked-yaml` (0.8) keeps spans on every node but refuses tags
//!   ("Unexpected use of YAML tag"), so it cannot read CloudFormation YAML.
//! - `yaml-rust2` and `saphyr` (the maintained successors of `yaml-rust`,
//!   YAML 1.2, MIT/Apache-2.0) keep tags; `saphyr`'s `MarkedYaml` also keeps
//!   spans. Both are built on `saphyr-parser`, the event parser of the
//!   saphyr project, whose events carry the tag and a span (line, column)
//!   for every scalar, sequence and mapping.
//!
//! `saphyr-parser` alone is the smallest dependency that has both (two small
//! crates: `arraydeque`, `thiserror`); building the node tree from its
//! events is ~100 lines (`tree.rs`) and lets scalars keep their text, which
//! is how CloudFormation reads them (`"60"` and `60` alike). It needs Rust
//! 1.85 (the crate's `rust-version` moved from 1.80). JSON templates are
//! checked by `serde_json` (line and column in its errors) and then read by
//! the same parser for the node lines (JSON is YAML 1.2).

pub mod alarms;
pub mod deploy;
pub mod emit;
pub mod error;
pub mod options;
pub mod resolve;
pub mod routing;
pub mod template;
pub mod tree;

use std::collections::HashMap;
use std::path::Path;

pub use error::ImportError;
pub use options::{parse_fault, ImportOptions};

use crate::scenario::{self, format_duration, ScenarioError};
use crate::sim::time::Micros;

use alarms::{AlarmOut, Mapped};
use deploy::{Deployable, Found};
use emit::Draft;
use options::{DEFAULT_RATE_PER_S, HOOK_DURATION, HORIZON_MARGIN_MIN, OPEN_ENDED_HORIZON_MIN};
use resolve::Resolver;
use routing::{Routing, ASSUMED_HIT_RATIO};
use template::Template;

/// A produced scenario.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The scenario's TOML text.
    pub toml: String,
    /// What is in the template but not simulated (also in the header).
    pub unmodelled: Vec<String>,
}

/// Writes a scenario atomically: a temporary file beside the target,
/// flushed, then renamed over it, so a reader never sees half a file and
/// a failed write leaves the old file (or none).
pub fn write_scenario(path: &Path, text: &str) -> Result<(), ImportError> {
    use std::io::Write;
    let file = path.display().to_string();
    let fail = |e: std::io::Error| ImportError::option("-o", format!("{file}: cannot write the scenario: {e}"));
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().ok_or_else(|| ImportError::option("-o", format!("{file}: not a file name")))?;
    let tmp = dir.join(format!(".{}.tmp-{}", name.to_string_lossy(), std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail(e));
    }
    Ok(())
}

/// Reads a template file and imports it.
pub fn import_file(path: &Path, opts: &ImportOptions) -> Result<Imported, ImportError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ImportError::new(&file, None, format!("cannot read the template: {e}")))?;
    let name = scenario::name_from_path(path);
    import_text(&text, &file, &name, opts)
}

/// Imports a template's text; `name` becomes the scenario name.
pub fn import_text(text: &str, file: &str, name: &str, opts: &ImportOptions) -> Result<Imported, ImportError> {
    let root = tree::parse(text, file)?;
    let mut t = Template::from_tree(&root, file)?;
    let mut cond_notes = (Vec::new(), Vec::new());
    {
        let r0 = Resolver::new(&t, HashMap::new());
        for res in t.resources.iter().filter(|r| r.condition.is_some() && r.kind != "AWS::CDK::Metadata") {
            let name = res.condition.as_deref().unwrap_or("");
            let at = tree::Node::new(tree::Kind::Null, res.line);
            match r0.condition(name, &at, 0).map_err(|e| e.in_resource(&res.id))? {
                Ok(true) => {}
                Ok(false) => cond_notes.0.push((res.id.clone(), format!("{}: condition {name} is false — not created, not simulated", res.id))),
                Err(why) => cond_notes.1.push((res.id.clone(), format!("{} ({}): condition {name} is unresolved ({why}); not simulated", res.id, res.kind))),
            }
        }
    }
    t.excluded = cond_notes.0.iter().chain(cond_notes.1.iter()).map(|(id, _)| id.clone()).collect();
    let t = t;
    let r0 = Resolver::new(&t, HashMap::new());
    let routing = routing::find(&t, &r0)?;
    let mut routed: Vec<String> = routing.targets.stable.iter().chain(routing.targets.candidate.iter()).cloned().collect();
    routed.extend(rollback_functions(&t, &r0));
    let mut found = deploy::find(&t, &r0, &routed)?;
    found.notes.extend(cond_notes.0.into_iter().map(|(_, n)| n));
    found.unmodelled.extend(cond_notes.1.into_iter().map(|(_, n)| n));
    let selected = select(&t, &found, opts)?;
    if selected.is_empty() && routing.apigw.is_none() && routing.lattice.is_none() {
        return Err(ImportError::new(file, None, "no deployment to simulate: the template has no AWS::Serverless::Function with AutoPublishAlias, no AWS::Lambda::Alias, no API Gateway CanarySetting and no VPC Lattice weighted forward"));
    }
    let multi = selected.len() > 1;
    let names = function_names(&t, &selected);
    let scenario_name = |d: &Deployable| if multi { names[&d.id].clone() } else { "main".to_string() };
    let mut refs: HashMap<String, String> = selected.iter().map(|d| (d.id.clone(), scenario_name(d))).collect();
    if let Some(c) = &routing.targets.candidate {
        refs.entry(c.clone()).or_insert_with(|| "main".into());
    }
    let r = Resolver::new(&t, refs);
    let mut mapped = alarms::map(&t, &r, &routing.targets)?;
    let mut extra_unmodelled: Vec<String> = Vec::new();
    let mut faults = Vec::new();
    for f in &opts.faults {
        faults.push(parse_fault(f)?);
    }
    loop {
        let draft = build(&t, name, opts, &selected, &names, &found, &routing, &mapped, &faults, &extra_unmodelled)?;
        let text = draft.render();
        match check(&text, file) {
            Ok(sc) => {
                let horizon = match &opts.horizon {
                    Some(h) => h.clone(),
                    None => default_horizon(&sc),
                };
                let mut draft = draft;
                draft.horizon = horizon;
                let text = draft.render();
                check(&text, file).map_err(|e| produced_error(file, &e))?;
                return Ok(Imported { toml: text, unmodelled: draft.unmodelled });
            }
            Err(e) => {
                let key = match &e {
                    ScenarioError::Invalid { key, .. } => key.clone(),
                    _ => String::new(),
                };
                let msg = e.to_string();
                if let Some(alarm) = key.strip_prefix("alarms.").map(|k| k.split('.').next().unwrap_or(k).to_string()) {
                    if mapped.alarms.iter().any(|a| a.name == alarm) {
                        mapped.alarms.retain(|a| a.name != alarm);
                        extra_unmodelled.push(format!("{alarm} (AWS::CloudWatch::Alarm): the scenario format refuses it: {}", tail(&msg)));
                        continue;
                    }
                }
                if let Some(filter) = key.strip_prefix("metrics.filters.").map(|k| k.split('.').next().unwrap_or(k).to_string()) {
                    if let Some(f) = mapped.filters.iter().find(|f| f.name == filter).cloned() {
                        mapped.filters.retain(|x| x.name != filter);
                        extra_unmodelled.push(format!("{} (AWS::Logs::MetricFilter): the scenario format refuses it: {}", f.id, tail(&msg)));
                        let users: Vec<String> = mapped.alarms.iter().filter(|a| uses(a, &filter)).map(|a| a.name.clone()).collect();
                        for u in users {
                            mapped.alarms.retain(|a| a.name != u);
                            extra_unmodelled.push(format!("{u} (AWS::CloudWatch::Alarm): reads the unmodelled filter metric {}", f.metric.1));
                        }
                        continue;
                    }
                }
                let line = if key.starts_with("strategies") { selected.iter().find(|d| d.canaried).and_then(|d| d.shape_line) } else { None };
                let mut err = produced_error(file, &e);
                err.line = line;
                return Err(err);
            }
        }
    }
}

fn tail(msg: &str) -> String {
    msg.split_once(": ").map(|(_, m)| m.to_string()).unwrap_or_else(|| msg.to_string())
}

fn uses(a: &AlarmOut, filter: &str) -> bool {
    match &a.body {
        alarms::Body::Metric(m, _) => m == filter,
        alarms::Body::Expression(e) => e.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).any(|w| w == filter),
    }
}

fn produced_error(file: &str, e: &ScenarioError) -> ImportError {
    ImportError::new(file, None, format!("the scenario made from this template does not validate: {e}"))
}

fn check(text: &str, file: &str) -> Result<crate::model::Scenario, ScenarioError> {
    let label = format!("{file} (imported)");
    // `[traffic] replay` is checked when the scenario runs (the file is
    // found relative to the scenario's folder); the rest is checked here
    // with a stand-in rate.
    let text = &text
        .lines()
        .map(|l| if l.starts_with("replay = ") { "rate_per_s = 1.0" } else { l })
        .collect::<Vec<_>>()
        .join("\n");
    let value = scenario::parse_document(text, &label)?;
    scenario::from_value(value, text, &label)
}

/// The longest nominal duration of the strategies plus a margin; a fixed
/// horizon when one never ends by itself.
fn default_horizon(sc: &crate::model::Scenario) -> String {
    use crate::model::StrategyKind;
    let open = sc.strategies.iter().any(|s| match &s.kind {
        StrategyKind::Lattice(l) => l.bake.is_none(),
        StrategyKind::ApiGwCanary(a) => a.review_time.is_none(),
        _ => false,
    });
    let longest = if open { Micros::MAX } else { sc.strategies.iter().map(scenario::nominal_duration).max().unwrap_or(Micros::ZERO) };
    let minute = 60_000_000u64;
    let limit = Micros::from_micros(24 * 3600 * 1_000_000);
    let minutes = if longest >= limit { OPEN_ENDED_HORIZON_MIN } else { longest.as_micros().div_ceil(minute) + HORIZON_MARGIN_MIN };
    format_duration(Micros::from_micros(minutes * minute))
}

/// Functions subscribed to an SNS topic (`AWS::SNS::Subscription` with
/// protocol `lambda`, or a topic's `Subscription`): rollback functions of
/// an alarm-action path, not part of the release.
fn rollback_functions(t: &Template, r: &Resolver) -> Vec<String> {
    let mut out = Vec::new();
    for res in t.active() {
        let endpoints: Vec<resolve::Val> = match res.kind.as_str() {
            "AWS::SNS::Subscription" => r.prop(res, &["Endpoint"]).map(|(v, _)| vec![v]).unwrap_or_default(),
            "AWS::SNS::Topic" => r.prop(res, &["Subscription"]).map(|(v, _)| v.items().iter().filter_map(|s| s.get("Endpoint").cloned()).collect()).unwrap_or_default(),
            _ => continue,
        };
        for e in endpoints {
            if let Some(f) = e.as_str().and_then(|s| deploy::find_function(t, r, s)) {
                out.push(f.id.clone());
            }
        }
    }
    out
}

/// Scenario names of the functions of a multi-function scenario: the CDK
/// construct id in snake_case (`FlightReserve` → `flight_reserve`, as the
/// CDK code names them), else the logical id.
fn function_names(t: &Template, selected: &[&Deployable]) -> HashMap<String, String> {
    let snake = |s: &str| {
        let mut o = String::new();
        for (i, c) in s.chars().enumerate() {
            if c.is_ascii_uppercase() && i > 0 {
                o.push('_');
            }
            o.push(c.to_ascii_lowercase());
        }
        o
    };
    let mut names: HashMap<String, String> = HashMap::new();
    for d in selected {
        let cid = t.resource(&d.id).and_then(|r| r.construct_id()).map(|c| snake(&c));
        let name = match cid {
            Some(n) if !names.values().any(|v| v == &n) => n,
            _ => d.id.clone(),
        };
        names.insert(d.id.clone(), name);
    }
    names
}

/// The functions to import: all deployables, or those `--function` names.
fn select<'f>(t: &Template, found: &'f Found, opts: &ImportOptions) -> Result<Vec<&'f Deployable>, ImportError> {
    if opts.functions.is_empty() {
        return Ok(found.deployables.iter().collect());
    }
    let mut out = Vec::new();
    for id in &opts.functions {
        let d = found.deployables.iter().find(|d| &d.id == id).ok_or_else(|| {
            let ids: Vec<&str> = found.deployables.iter().map(|d| d.id.as_str()).collect();
            ImportError::option("--function", format!("`{id}` is not a deployed function of {}; its deployed functions are: {}", t.file, if ids.is_empty() { "(none)".to_string() } else { ids.join(", ") }))
        })?;
        if !out.iter().any(|x: &&Deployable| x.id == d.id) {
            out.push(d);
        }
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn build<'a>(
    t: &Template,
    name: &str,
    opts: &ImportOptions,
    selected: &[&'a Deployable],
    names: &HashMap<String, String>,
    found: &Found,
    routing: &'a Routing,
    mapped: &'a Mapped,
    faults: &[options::FaultSpec],
    extra_unmodelled: &[String],
) -> Result<Draft<'a>, ImportError> {
    let multi = selected.len() > 1;
    let fname = |id: &str| if multi { names.get(id).cloned().unwrap_or_else(|| id.to_string()) } else { "main".to_string() };
    let mut d = Draft {
        source: Path::new(&t.file).file_name().map(|f| f.to_string_lossy().to_string()).unwrap_or_default(),
        name: name.to_string(),
        command: if opts.command.is_empty() { format!("canarysim import {}", t.file) } else { opts.command.clone() },
        horizon: "7d".into(),
        replications: opts.replications,
        multi,
        functions: selected.iter().map(|x| (fname(&x.id), *x)).collect(),
        ..Draft::default()
    };
    d.notes.extend(found.notes.iter().cloned());
    d.unmodelled.extend(found.unmodelled.iter().cloned());
    d.unmodelled.extend(routing.unmodelled.iter().cloned());
    d.unmodelled.extend(mapped.unmodelled.iter().cloned());
    d.unmodelled.extend(extra_unmodelled.iter().cloned());
    if t.resources.iter().any(|r| r.kind == "AWS::StepFunctions::StateMachine" || r.kind == "AWS::Serverless::StateMachine") {
        d.unmodelled.push("Step Functions state machines: not mapped to [workflow] (write one by hand: README \"[workflow]\")".into());
    }
    for r in &t.resources {
        if !template::KNOWN_TYPES.contains(&r.kind.as_str()) {
            d.unmodelled.push(format!("{} ({}): not part of what canarysim simulates", r.id, r.kind));
        }
    }
    // Traffic.
    match (&opts.traffic, opts.rate) {
        (Some(file), _) => {
            d.traffic.push(format!("replay = {}", emit::q(file)));
            d.assumptions.push(format!("traffic: replayed from {file} (--traffic)"));
        }
        (None, Some(rate)) => {
            d.traffic.push(format!("rate_per_s = {rate:?}"));
            d.assumptions.push(format!("traffic: {rate} requests/s, Poisson (--rate){}", if multi { ", to every function" } else { "" }));
        }
        (None, None) => {
            d.traffic.push(format!("rate_per_s = {DEFAULT_RATE_PER_S:?}"));
            d.assumptions.push(format!("traffic: {DEFAULT_RATE_PER_S} requests/s, Poisson — the default; give --rate R or --traffic FILE{}", if multi { " (every function gets it)" } else { "" }));
        }
    }
    // Faults.
    for f in faults {
        let target = match (&f.function, multi) {
            (None, false) => None,
            (Some(id), false) if selected.iter().any(|x| &x.id == id) || selected.is_empty() => None,
            (Some(id), _) if selected.iter().any(|x| &x.id == id) => Some(fname(id)),
            (None, true) => return Err(ImportError::option("--fault", format!("the scenario deploys several functions ({}); name the one that fails: \"FUNCTION: step_error 5%\"", selected.iter().map(|x| x.id.as_str()).collect::<Vec<_>>().join(", ")))),
            (Some(id), _) => return Err(ImportError::option("--fault", format!("`{id}` is not a function of the scenario ({})", selected.iter().map(|x| x.id.as_str()).collect::<Vec<_>>().join(", ")))),
        };
        d.faults.push((target, f.clone()));
    }
    if faults.is_empty() {
        d.assumptions.push("faults: none — the candidate is healthy, so every rollback is a false rollback; add --fault \"step_error 5% after 2m\" to ask whether a bad version is caught, and compare the two runs".into());
    } else {
        d.assumptions.push(format!("faults (--fault): {}", opts.faults.join("; ")));
    }
    d.assumptions.push("versions: the scenario defaults (no baseline errors, 100 ms latency) — edit [versions.stable] to your function's".into());
    d.assumptions.push(format!("horizon: the longest strategy's nominal duration + {HORIZON_MARGIN_MIN} min ({OPEN_ENDED_HORIZON_MIN} min when a strategy never ends by itself), unless --horizon"));
    // Filters and alarms of the imported functions.
    let in_scenario = |f: &Option<String>| match f {
        None => true,
        Some(id) => selected.iter().any(|x| &x.id == id) || routing.targets.candidate.as_deref() == Some(id.as_str()),
    };
    for f in mapped.filters.iter().filter(|f| in_scenario(&f.function)) {
        d.mapped.push(format!("log metric filter {} → [metrics.filters.{}] ({}/{})", f.id, f.name, f.metric.0, f.metric.1));
        d.filters.push(f);
    }
    for a in &mapped.alarms {
        if !in_scenario(&a.function) {
            d.notes.push(format!("alarm {}: its function is not imported (--function); left out", a.name));
            continue;
        }
        let function = a.function.as_ref().map(|id| fname(id));
        if multi && function.is_none() {
            d.unmodelled.push(format!("{} (AWS::CloudWatch::Alarm): names no function of the scenario; with several functions each alarm needs one", a.name));
            continue;
        }
        d.mapped.push(format!("alarm {} → [alarms.{}] (scope {})", a.name, a.name, a.scope));
        d.alarms.push((a, function));
    }
    let alarm_names: Vec<String> = d.alarms.iter().map(|(a, _)| a.name.clone()).collect();
    // CodeDeploy.
    let canaried: Vec<&&Deployable> = selected.iter().filter(|x| x.canaried).collect();
    for x in selected {
        d.mapped.push(format!("function {} → {} ({})", x.id, if multi { format!("[functions.{}]", fname(&x.id)) } else { "the scenario's function".into() }, if x.canaried { x.via.clone() } else { format!("{}, deploy = \"all_at_once\"", x.via) }));
    }
    let first = canaried.first().copied().copied().or_else(|| (routing.apigw.is_none() && routing.lattice.is_none()).then(|| selected.first().copied()).flatten());
    if let Some(first) = first {
        let mut watched = Vec::new();
        for x in &canaried {
            if x.shape != first.shape || x.rollback != first.rollback || x.pre_hook.is_some() != first.pre_hook.is_some() || x.post_hook.is_some() != first.post_hook.is_some() {
                d.notes.push(format!("{}: its deployment settings differ from {}'s; the scenario's one strategy uses {}'s for every function", x.id, first.id, first.id));
            }
            for (alarm, _) in &x.alarms {
                match mapped.alarms.iter().find(|a| &a.id == alarm || &a.name == alarm || a.alarm_name.as_deref() == Some(alarm.as_str())) {
                    Some(a) if alarm_names.contains(&a.name) => {
                        if !watched.contains(&a.name) {
                            watched.push(a.name.clone());
                        }
                    }
                    Some(_) => {}
                    None if t.resource(alarm).is_some() => d.notes.push(format!("{}: watches {alarm}, which is not simulated (see UNMODELLED)", x.id)),
                    None => d.unmodelled.push(format!("{}: watches alarm `{alarm}`, which is not defined in this template", x.id)),
                }
            }
        }
        if first.pre_hook.is_some() || first.post_hook.is_some() {
            d.assumptions.push(format!("hooks: each runs {HOOK_DURATION} and never catches a fault (catch_probability 0) — the template names the hook functions ({}), not what their tests catch; set catch = {{ step_error = p }}", [&first.pre_hook, &first.post_hook].iter().filter_map(|h| h.as_deref()).collect::<Vec<_>>().join(", ")));
        }
        if !canaried.is_empty() {
            d.codedeploy = Some((first, watched));
        } else if routing.apigw.is_none() && routing.lattice.is_none() {
            d.codedeploy = Some((first, Vec::new()));
        }
    }
    // Routing.
    let action_alarms = |scopes: &[&str]| -> Vec<String> {
        d.alarms.iter().filter(|(a, _)| a.has_actions && scopes.contains(&a.scope)).map(|(a, _)| a.name.clone()).collect()
    };
    if let Some(a) = &routing.apigw {
        let watched = action_alarms(&["stage", "canary_stage", "version", "function", "alias"]);
        d.mapped.push(format!("{}: CanarySetting PercentTraffic {} → [strategies.apigw_canary]", a.id, a.percent));
        d.assumptions.push("API Gateway canary: never promoted (review_time \"never\"); alarms with AlarmActions act through SNS → rollback function → update-stage (default delays)".into());
        if a.cache {
            d.assumptions.push(format!("stage cache hit ratio {ASSUMED_HIT_RATIO} (the template does not say how often requests repeat)"));
        }
        d.apigw = Some((a, watched));
    }
    if let Some(l) = &routing.lattice {
        let watched = action_alarms(&["version", "function", "alias"]);
        d.mapped.push(format!("{}: Lattice forward {} {} / {} {} → [strategies.lattice]", l.id, l.groups[0], l.weights[0], l.groups[1], l.weights[1]));
        d.assumptions.push("Lattice: the heavier target group is the stable one; alarms with AlarmActions roll back through SNS → rollback function → update-listener (sns_delay 1s, function_duration 3s, propagation_delay 90s: the defaults)".into());
        d.lattice = Some((l, watched));
    }
    Ok(d)
}
