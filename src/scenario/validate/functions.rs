//! The functions a deployment releases: the top-level `traffic`,
//! `versions` and `faults` as one function `main`, or one per
//! `[functions.NAME]` (each taking what it does not give from the top
//! level), and `[deployment]`, how the functions of a multi-function
//! deployment fail together (CloudFormation stack rollback by default).

use super::checks::{choice, is_identifier};
use super::delay::delay;
use super::faults::faults;
use super::traffic::traffic;
use super::versions::{version_profile, DEFAULT_PROFILE};
use crate::model::{DelayDist, Deploy, DeploymentSettings, Function, Traffic, VersionProfile};
use crate::scenario::error::{Problem, VResult};
use crate::scenario::key_path::KeyPath;
use crate::scenario::raw::{RawFunction, RawScenario, RawVersions};
use crate::sim::time::Micros;
use std::path::Path;

/// The functions of the scenario, in name order.
/// `base` is the scenario file's folder (replay paths are relative to it).
pub(super) fn functions(root: &KeyPath, raw: &RawScenario, base: &Path) -> VResult<Vec<Function>> {
    let traffic_path = root.key("traffic");
    let default_traffic = match &raw.traffic {
        None => None,
        Some(t) => Some(traffic(&traffic_path, t, base)?),
    };
    let versions = root.key("versions");
    let stable = version_profile(
        &versions.key("stable"),
        raw.versions.stable.as_ref(),
        &DEFAULT_PROFILE,
    )?;
    let candidate = version_profile(
        &versions.key("candidate"),
        raw.versions.candidate.as_ref(),
        &stable,
    )?;
    let faults_path = root.key("faults");
    if raw.functions.is_empty() {
        let traffic = default_traffic.ok_or_else(|| {
            Problem::new(
                &traffic_path,
                "missing required key; expected a [traffic] table with rate_per_s or rate_per_min",
            )
        })?;
        let faults = faults(&faults_path, &raw.faults)?;
        return Ok(vec![Function {
            name: "main".to_string(),
            traffic,
            stable,
            candidate,
            candidate_faulty: !faults.is_empty(),
            faults,
            deploy: Deploy::Strategy,
        }]);
    }
    if !raw.faults.is_empty() {
        return Err(Problem::new(
            &faults_path.index(0),
            "top-level [[faults]] are not allowed with [functions]; put each function's faults under [[functions.NAME.faults]]",
        ));
    }
    let called = super::workflow::called_functions(raw);
    raw.functions
        .iter()
        .map(|(name, f)| {
            let path = root.key("functions").key(name);
            let in_workflow = called.contains(&name.as_str());
            function(
                &path,
                name,
                f,
                &default_traffic,
                &raw.versions,
                &stable,
                in_workflow,
                base,
            )
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn function(
    path: &KeyPath,
    name: &str,
    raw: &RawFunction,
    default_traffic: &Option<Traffic>,
    top_versions: &RawVersions,
    top_stable: &VersionProfile,
    in_workflow: bool,
    base: &Path,
) -> VResult<Function> {
    if !is_identifier(name) {
        return Err(Problem::new(
            path,
            format!("function name {name:?} must be an identifier (letters, digits, _, not starting with a digit)"),
        ));
    }
    let traffic = match (&raw.traffic, default_traffic) {
        (Some(t), _) => traffic(&path.key("traffic"), t, base)?,
        (None, Some(t)) => t.clone(),
        // Called by `[workflow]`: its only requests may be the saga's.
        (None, None) if in_workflow => Traffic {
            rate_per_s: 0.0,
            diurnal: None,
            bursts: Vec::new(),
            replay: None,
        },
        (None, None) => {
            return Err(Problem::new(
                &path.key("traffic"),
                "missing required key; give this function a traffic table (rate_per_s or rate_per_min) or a top-level [traffic]",
            ))
        }
    };
    let versions = path.key("versions");
    let stable = version_profile(
        &versions.key("stable"),
        raw.versions.stable.as_ref(),
        top_stable,
    )?;
    // Candidate keys: the function's, else the top-level candidate's, else
    // the function's stable version.
    let inherited = version_profile(
        &KeyPath::root().key("versions").key("candidate"),
        top_versions.candidate.as_ref(),
        &stable,
    )?;
    let candidate = version_profile(
        &versions.key("candidate"),
        raw.versions.candidate.as_ref(),
        &inherited,
    )?;
    let faults = faults(&path.key("faults"), &raw.faults)?;
    let deploy = choice(
        &path.key("deploy"),
        raw.deploy.as_deref(),
        &[
            ("strategy", Deploy::Strategy),
            ("all_at_once", Deploy::AllAtOnce),
        ],
    )?;
    Ok(Function {
        name: name.to_string(),
        traffic,
        stable,
        candidate,
        candidate_faulty: !faults.is_empty(),
        faults,
        deploy,
    })
}

/// `[deployment]`: only with `[functions.NAME]` tables.
pub(super) fn deployment(
    root: &KeyPath,
    raw: &RawScenario,
    multi: bool,
) -> VResult<DeploymentSettings> {
    let Some(d) = &raw.deployment else {
        return Ok(DeploymentSettings::default());
    };
    let path = root.key("deployment");
    if !multi {
        return Err(Problem::new(
            &path,
            "[deployment] is only allowed with [functions.NAME] tables (a multi-function deployment)",
        ));
    }
    let stack_rollback = choice(
        &path.key("rollback"),
        d.rollback.as_deref(),
        &[("stack", true), ("per_function", false)],
    )?;
    Ok(DeploymentSettings {
        stack_rollback,
        stack_rollback_delay: match &d.stack_rollback_delay {
            None => DelayDist::Fixed(Micros::ZERO),
            Some(raw) => delay(&path.key("stack_rollback_delay"), raw)?,
        },
    })
}
