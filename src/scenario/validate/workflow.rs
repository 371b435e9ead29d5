//! `[workflow]`: the saga state machine (seed 000's trip saga). Checks the
//! rate, that every step names a `[functions.NAME]` once, the retrier and
//! the service-exception probability, and that the functions it calls have
//! no fault whose failure probability varies inside a segment (fast mode
//! passes calls between functions as uniform batches, which needs constant
//! success probabilities between control events).

use super::checks::{is_identifier, probability};
use super::traffic::traffic;
use crate::model::{FaultKind, Function, RetryPolicy, Workflow, WorkflowStep};
use crate::scenario::error::{Problem, VResult};
use crate::scenario::key_path::KeyPath;
use crate::scenario::raw::{RawScenario, RawTraffic};

/// The names of the functions a raw `[workflow]` calls (so that they may
/// go without their own direct traffic).
pub(super) fn called_functions(raw: &RawScenario) -> Vec<&str> {
    raw.workflow.as_ref().map_or_else(Vec::new, |w| {
        w.steps
            .iter()
            .flat_map(|s| std::iter::once(s.function.as_str()).chain(s.compensation.as_deref()))
            .collect()
    })
}

/// The validated `[workflow]`, if any.
pub(super) fn workflow(
    root: &KeyPath,
    raw: &RawScenario,
    functions: &[Function],
    multi: bool,
) -> VResult<Option<Workflow>> {
    let Some(w) = &raw.workflow else {
        return Ok(None);
    };
    let path = root.key("workflow");
    if !multi {
        return Err(Problem::new(
            &path,
            "[workflow] is only allowed with [functions.NAME] tables: its steps call functions by name",
        ));
    }
    // The rate keys are those of `[traffic]` (same limits and messages).
    let rate = traffic(
        &path,
        &RawTraffic {
            rate_per_s: w.rate_per_s,
            rate_per_min: w.rate_per_min,
            ..RawTraffic::default()
        },
        std::path::Path::new(""),
    )?
    .rate_per_s;
    if w.steps.is_empty() {
        return Err(Problem::new(
            &path.key("steps"),
            "missing required key; give at least one [[workflow.steps]] with function = \"NAME\"",
        ));
    }
    let mut used: Vec<usize> = Vec::new();
    let mut lookup = |key: &KeyPath, name: &str| -> VResult<usize> {
        let Some(index) = functions.iter().position(|f| f.name == name) else {
            let known: Vec<&str> = functions.iter().map(|f| f.name.as_str()).collect();
            return Err(Problem::new(
                key,
                format!(
                    "unknown function {name:?}; allowed: {} (the [functions.NAME] tables)",
                    known.join(", ")
                ),
            ));
        };
        if used.contains(&index) {
            return Err(Problem::new(
                key,
                format!("function {name:?} appears twice in the workflow; each function may be one step or one compensation"),
            ));
        }
        used.push(index);
        check_faults(key, &functions[index])?;
        Ok(index)
    };
    let mut steps = Vec::with_capacity(w.steps.len());
    for (i, s) in w.steps.iter().enumerate() {
        let p = path.key("steps").index(i);
        let function = lookup(&p.key("function"), &s.function)?;
        let compensation = match &s.compensation {
            None => None,
            Some(c) => Some(lookup(&p.key("compensation"), c)?),
        };
        let name = match &s.name {
            None => s.function.clone(),
            Some(n) if is_identifier(n) => n.clone(),
            Some(n) => {
                return Err(Problem::new(
                    &p.key("name"),
                    format!("state name {n:?} must be an identifier (letters, digits, _, not starting with a digit)"),
                ))
            }
        };
        steps.push(WorkflowStep {
            name,
            function,
            compensation,
        });
    }
    let service_exception_prob = match w.service_exception_rate {
        None => 0.0,
        Some(p) => probability(&path.key("service_exception_rate"), p)?,
    };
    Ok(Some(Workflow {
        rate_per_s: rate,
        steps,
        compensate_failed_step: w.compensate_failed_step.unwrap_or(true),
        retry: w
            .retry_on_service_exceptions
            .unwrap_or(true)
            .then_some(RetryPolicy::CDK_SERVICE_EXCEPTIONS),
        service_exception_prob,
    }))
}

/// A called function's failure probability must be constant between
/// control events: no `ramp_error` (varies continuously) and no
/// `cold_start` (depends on the order of requests within a segment).
fn check_faults(key: &KeyPath, f: &Function) -> VResult<()> {
    match f
        .faults
        .iter()
        .find(|x| matches!(x.kind(), FaultKind::RampError | FaultKind::ColdStart))
    {
        None => Ok(()),
        Some(x) => Err(Problem::new(
            key,
            format!(
                "function {:?} has a {} fault, which a workflow cannot call: its success probability must be constant between control events; allowed: step_error, intermittent, latency_shift",
                f.name,
                x.kind().name()
            ),
        )),
    }
}
