//! The scenario's draft from what the mappers found: the functions to
//! write, faults placed on them, the alarms each deployment watches, the
//! strategies, and the header's mapped / assumptions / readings /
//! UNMODELLED lists.

use std::collections::HashMap;
use std::path::Path;

use super::alarms::Mapped;
use super::deploy::{Deployable, Found};
use super::emit::{self, Draft};
use super::error::ImportError;
use super::options::{
    self, ImportOptions, DEFAULT_RATE_PER_S, HOOK_DURATION, HORIZON_MARGIN_MIN,
    OPEN_ENDED_HORIZON_MIN,
};
use super::routing::{Routing, ASSUMED_HIT_RATIO};
use super::template::{self, Template};

#[allow(clippy::too_many_arguments)]
pub(super) fn build<'a>(
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
    let fname = |id: &str| {
        if multi {
            names.get(id).cloned().unwrap_or_else(|| id.to_string())
        } else {
            "main".to_string()
        }
    };
    let mut d = Draft {
        source: Path::new(&t.file)
            .file_name()
            .map(|f| f.to_string_lossy().to_string())
            .unwrap_or_default(),
        name: name.to_string(),
        command: if opts.command.is_empty() {
            format!("canarysim import {}", t.file)
        } else {
            opts.command.clone()
        },
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
    if t.resources.iter().any(|r| {
        r.kind == "AWS::StepFunctions::StateMachine" || r.kind == "AWS::Serverless::StateMachine"
    }) {
        d.unmodelled.push("Step Functions state machines: not mapped to [workflow] (write one by hand: README \"[workflow]\")".into());
    }
    for r in &t.resources {
        if !template::KNOWN_TYPES.contains(&r.kind.as_str()) {
            d.unmodelled.push(format!(
                "{} ({}): not part of what canarysim simulates",
                r.id, r.kind
            ));
        }
    }
    // Traffic.
    match (&opts.traffic, opts.rate) {
        (Some(file), _) => {
            d.traffic.push(format!("replay = {}", emit::q(file)));
            d.assumptions
                .push(format!("traffic: replayed from {file} (--traffic)"));
        }
        (None, Some(rate)) => {
            d.traffic.push(format!("rate_per_s = {rate:?}"));
            d.assumptions.push(format!(
                "traffic: {rate} requests/s, Poisson (--rate){}",
                if multi { ", to every function" } else { "" }
            ));
        }
        (None, None) => {
            d.traffic
                .push(format!("rate_per_s = {DEFAULT_RATE_PER_S:?}"));
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
        d.assumptions
            .push(format!("faults (--fault): {}", opts.faults.join("; ")));
    }
    d.assumptions.push("versions: the scenario defaults (no baseline errors, 100 ms latency) — edit [versions.stable] to your function's".into());
    d.assumptions.push(format!("horizon: the longest strategy's nominal duration + {HORIZON_MARGIN_MIN} min ({OPEN_ENDED_HORIZON_MIN} min when a strategy never ends by itself), unless --horizon"));
    // Filters and alarms of the imported functions.
    let in_scenario = |f: &Option<String>| match f {
        None => true,
        Some(id) => {
            selected.iter().any(|x| &x.id == id)
                || routing.targets.candidate.as_deref() == Some(id.as_str())
        }
    };
    for f in mapped.filters.iter().filter(|f| in_scenario(&f.function)) {
        d.mapped.push(format!(
            "log metric filter {} → [metrics.filters.{}] ({}/{})",
            f.id, f.name, f.metric.0, f.metric.1
        ));
        d.filters.push(f);
    }
    for a in &mapped.alarms {
        if !in_scenario(&a.function) {
            d.notes.push(format!(
                "alarm {}: its function is not imported (--function); left out",
                a.name
            ));
            continue;
        }
        let function = a.function.as_ref().map(|id| fname(id));
        if multi && function.is_none() {
            d.unmodelled.push(format!("{} (AWS::CloudWatch::Alarm): names no function of the scenario; with several functions each alarm needs one", a.name));
            continue;
        }
        d.mapped.push(format!(
            "alarm {} → [alarms.{}] (scope {})",
            a.name, a.name, a.scope
        ));
        d.alarms.push((a, function));
    }
    let alarm_names: Vec<String> = d.alarms.iter().map(|(a, _)| a.name.clone()).collect();
    // CodeDeploy.
    let canaried: Vec<&&Deployable> = selected.iter().filter(|x| x.canaried).collect();
    for x in selected {
        d.mapped.push(format!(
            "function {} → {} ({})",
            x.id,
            if multi {
                format!("[functions.{}]", fname(&x.id))
            } else {
                "the scenario's function".into()
            },
            if x.canaried {
                x.via.clone()
            } else {
                format!("{}, deploy = \"all_at_once\"", x.via)
            }
        ));
    }
    let first = canaried.first().copied().copied().or_else(|| {
        (routing.apigw.is_none() && routing.lattice.is_none())
            .then(|| selected.first().copied())
            .flatten()
    });
    if let Some(first) = first {
        let mut watched = Vec::new();
        for x in &canaried {
            if x.shape != first.shape
                || x.rollback != first.rollback
                || x.pre_hook.is_some() != first.pre_hook.is_some()
                || x.post_hook.is_some() != first.post_hook.is_some()
            {
                d.notes.push(format!("{}: its deployment settings differ from {}'s; the scenario's one strategy uses {}'s for every function", x.id, first.id, first.id));
            }
            for (alarm, _) in &x.alarms {
                match mapped.alarms.iter().find(|a| {
                    &a.id == alarm
                        || &a.name == alarm
                        || a.alarm_name.as_deref() == Some(alarm.as_str())
                }) {
                    Some(a) if alarm_names.contains(&a.name) => {
                        if !watched.contains(&a.name) {
                            watched.push(a.name.clone());
                        }
                    }
                    Some(_) => {}
                    None if t.resource(alarm).is_some() => d.notes.push(format!(
                        "{}: watches {alarm}, which is not simulated (see UNMODELLED)",
                        x.id
                    )),
                    None => d.unmodelled.push(format!(
                        "{}: watches alarm `{alarm}`, which is not defined in this template",
                        x.id
                    )),
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
        d.alarms
            .iter()
            .filter(|(a, _)| a.has_actions && scopes.contains(&a.scope))
            .map(|(a, _)| a.name.clone())
            .collect()
    };
    if let Some(a) = &routing.apigw {
        let watched = action_alarms(&["stage", "canary_stage", "version", "function", "alias"]);
        d.mapped.push(format!(
            "{}: CanarySetting PercentTraffic {} → [strategies.apigw_canary]",
            a.id, a.percent
        ));
        d.assumptions.push("API Gateway canary: never promoted (review_time \"never\"); alarms with AlarmActions act through SNS → rollback function → update-stage (default delays)".into());
        if a.cache {
            d.assumptions.push(format!("stage cache hit ratio {ASSUMED_HIT_RATIO} (the template does not say how often requests repeat)"));
        }
        d.apigw = Some((a, watched));
    }
    if let Some(l) = &routing.lattice {
        let watched = action_alarms(&["version", "function", "alias"]);
        d.mapped.push(format!(
            "{}: Lattice forward {} {} / {} {} → [strategies.lattice]",
            l.id, l.groups[0], l.weights[0], l.groups[1], l.weights[1]
        ));
        d.assumptions.push("Lattice: the heavier target group is the stable one; alarms with AlarmActions roll back through SNS → rollback function → update-listener (sns_delay 1s, function_duration 3s, propagation_delay 90s: the defaults)".into());
        d.lattice = Some((l, watched));
    }
    Ok(d)
}
