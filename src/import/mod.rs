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
mod draft;
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

use alarms::AlarmOut;
use deploy::{Deployable, Found};
use options::{HORIZON_MARGIN_MIN, OPEN_ENDED_HORIZON_MIN};
use resolve::Resolver;
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
    let fail = |e: std::io::Error| {
        ImportError::option("-o", format!("{file}: cannot write the scenario: {e}"))
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| ImportError::option("-o", format!("{file}: not a file name")))?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
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
    let text = std::fs::read_to_string(path)
        .map_err(|e| ImportError::new(&file, None, format!("cannot read the template: {e}")))?;
    let name = scenario::name_from_path(path);
    import_text(&text, &file, &name, opts)
}

/// Imports a template's text; `name` becomes the scenario name.
pub fn import_text(
    text: &str,
    file: &str,
    name: &str,
    opts: &ImportOptions,
) -> Result<Imported, ImportError> {
    let root = tree::parse(text, file)?;
    let mut t = Template::from_tree(&root, file)?;
    let mut cond_notes = (Vec::new(), Vec::new());
    {
        let r0 = Resolver::new(&t, HashMap::new());
        for res in t
            .resources
            .iter()
            .filter(|r| r.condition.is_some() && r.kind != "AWS::CDK::Metadata")
        {
            let name = res.condition.as_deref().unwrap_or("");
            let at = tree::Node::new(tree::Kind::Null, res.line);
            match r0
                .condition(name, &at, 0)
                .map_err(|e| e.in_resource(&res.id))?
            {
                Ok(true) => {}
                Ok(false) => cond_notes.0.push((
                    res.id.clone(),
                    format!(
                        "{}: condition {name} is false — not created, not simulated",
                        res.id
                    ),
                )),
                Err(why) => cond_notes.1.push((
                    res.id.clone(),
                    format!(
                        "{} ({}): condition {name} is unresolved ({why}); not simulated",
                        res.id, res.kind
                    ),
                )),
            }
        }
    }
    t.excluded = cond_notes
        .0
        .iter()
        .chain(cond_notes.1.iter())
        .map(|(id, _)| id.clone())
        .collect();
    let t = t;
    let r0 = Resolver::new(&t, HashMap::new());
    let routing = routing::find(&t, &r0)?;
    let mut routed: Vec<String> = routing
        .targets
        .stable
        .iter()
        .chain(routing.targets.candidate.iter())
        .cloned()
        .collect();
    routed.extend(rollback_functions(&t, &r0));
    let mut found = deploy::find(&t, &r0, &routed)?;
    found.notes.extend(cond_notes.0.into_iter().map(|(_, n)| n));
    found
        .unmodelled
        .extend(cond_notes.1.into_iter().map(|(_, n)| n));
    let selected = select(&t, &found, opts)?;
    if selected.is_empty() && routing.apigw.is_none() && routing.lattice.is_none() {
        return Err(ImportError::new(file, None, "no deployment to simulate: the template has no AWS::Serverless::Function with AutoPublishAlias, no AWS::Lambda::Alias, no API Gateway CanarySetting and no VPC Lattice weighted forward"));
    }
    let multi = selected.len() > 1;
    let names = function_names(&t, &selected);
    let scenario_name = |d: &Deployable| {
        if multi {
            names[&d.id].clone()
        } else {
            "main".to_string()
        }
    };
    let mut refs: HashMap<String, String> = selected
        .iter()
        .map(|d| (d.id.clone(), scenario_name(d)))
        .collect();
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
        let draft = draft::build(
            &t,
            name,
            opts,
            &selected,
            &names,
            &found,
            &routing,
            &mapped,
            &faults,
            &extra_unmodelled,
        )?;
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
                return Ok(Imported {
                    toml: text,
                    unmodelled: draft.unmodelled,
                });
            }
            Err(e) => {
                let key = match &e {
                    ScenarioError::Invalid { key, .. } => key.clone(),
                    _ => String::new(),
                };
                let msg = e.to_string();
                if let Some(alarm) = key
                    .strip_prefix("alarms.")
                    .map(|k| k.split('.').next().unwrap_or(k).to_string())
                {
                    if mapped.alarms.iter().any(|a| a.name == alarm) {
                        mapped.alarms.retain(|a| a.name != alarm);
                        extra_unmodelled.push(format!(
                            "{alarm} (AWS::CloudWatch::Alarm): the scenario format refuses it: {}",
                            tail(&msg)
                        ));
                        continue;
                    }
                }
                if let Some(filter) = key
                    .strip_prefix("metrics.filters.")
                    .map(|k| k.split('.').next().unwrap_or(k).to_string())
                {
                    if let Some(f) = mapped.filters.iter().find(|f| f.name == filter).cloned() {
                        mapped.filters.retain(|x| x.name != filter);
                        extra_unmodelled.push(format!(
                            "{} (AWS::Logs::MetricFilter): the scenario format refuses it: {}",
                            f.id,
                            tail(&msg)
                        ));
                        let users: Vec<String> = mapped
                            .alarms
                            .iter()
                            .filter(|a| uses(a, &filter))
                            .map(|a| a.name.clone())
                            .collect();
                        for u in users {
                            mapped.alarms.retain(|a| a.name != u);
                            extra_unmodelled.push(format!("{u} (AWS::CloudWatch::Alarm): reads the unmodelled filter metric {}", f.metric.1));
                        }
                        continue;
                    }
                }
                let line = if key.starts_with("strategies") {
                    selected
                        .iter()
                        .find(|d| d.canaried)
                        .and_then(|d| d.shape_line)
                } else {
                    None
                };
                let mut err = produced_error(file, &e);
                err.line = line;
                return Err(err);
            }
        }
    }
}

fn tail(msg: &str) -> String {
    msg.split_once(": ")
        .map(|(_, m)| m.to_string())
        .unwrap_or_else(|| msg.to_string())
}

fn uses(a: &AlarmOut, filter: &str) -> bool {
    match &a.body {
        alarms::Body::Metric(m, _) => m == filter,
        alarms::Body::Expression(e) => e
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .any(|w| w == filter),
    }
}

fn produced_error(file: &str, e: &ScenarioError) -> ImportError {
    ImportError::new(
        file,
        None,
        format!("the scenario made from this template does not validate: {e}"),
    )
}

fn check(text: &str, file: &str) -> Result<crate::model::Scenario, ScenarioError> {
    let label = format!("{file} (imported)");
    // `[traffic] replay` is checked when the scenario runs (the file is
    // found relative to the scenario's folder); the rest is checked here
    // with a stand-in rate.
    let text = &text
        .lines()
        .map(|l| {
            if l.starts_with("replay = ") {
                "rate_per_s = 1.0"
            } else {
                l
            }
        })
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
    let longest = if open {
        Micros::MAX
    } else {
        sc.strategies
            .iter()
            .map(scenario::nominal_duration)
            .max()
            .unwrap_or(Micros::ZERO)
    };
    let minute = 60_000_000u64;
    let limit = Micros::from_micros(24 * 3600 * 1_000_000);
    let minutes = if longest >= limit {
        OPEN_ENDED_HORIZON_MIN
    } else {
        longest.as_micros().div_ceil(minute) + HORIZON_MARGIN_MIN
    };
    format_duration(Micros::from_micros(minutes * minute))
}

/// Functions subscribed to an SNS topic (`AWS::SNS::Subscription` with
/// protocol `lambda`, or a topic's `Subscription`): rollback functions of
/// an alarm-action path, not part of the release.
fn rollback_functions(t: &Template, r: &Resolver) -> Vec<String> {
    let mut out = Vec::new();
    for res in t.active() {
        let endpoints: Vec<resolve::Val> = match res.kind.as_str() {
            "AWS::SNS::Subscription" => r
                .prop(res, &["Endpoint"])
                .map(|(v, _)| vec![v])
                .unwrap_or_default(),
            "AWS::SNS::Topic" => r
                .prop(res, &["Subscription"])
                .map(|(v, _)| {
                    v.items()
                        .iter()
                        .filter_map(|s| s.get("Endpoint").cloned())
                        .collect()
                })
                .unwrap_or_default(),
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
        let cid = t
            .resource(&d.id)
            .and_then(|r| r.construct_id())
            .map(|c| snake(&c));
        let name = match cid {
            Some(n) if !names.values().any(|v| v == &n) => n,
            _ => d.id.clone(),
        };
        names.insert(d.id.clone(), name);
    }
    names
}

/// The functions to import: all deployables, or those `--function` names.
fn select<'f>(
    t: &Template,
    found: &'f Found,
    opts: &ImportOptions,
) -> Result<Vec<&'f Deployable>, ImportError> {
    if opts.functions.is_empty() {
        return Ok(found.deployables.iter().collect());
    }
    let mut out = Vec::new();
    for id in &opts.functions {
        let d = found
            .deployables
            .iter()
            .find(|d| &d.id == id)
            .ok_or_else(|| {
                let ids: Vec<&str> = found.deployables.iter().map(|d| d.id.as_str()).collect();
                ImportError::option(
                    "--function",
                    format!(
                        "`{id}` is not a deployed function of {}; its deployed functions are: {}",
                        t.file,
                        if ids.is_empty() {
                            "(none)".to_string()
                        } else {
                            ids.join(", ")
                        }
                    ),
                )
            })?;
        if !out.iter().any(|x: &&Deployable| x.id == d.id) {
            out.push(d);
        }
    }
    Ok(out)
}
