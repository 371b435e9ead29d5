//! The one validation step: `RawScenario` (serde mirror) to the typed
//! `model::Scenario`. Applies defaults, checks every range and
//! cross-reference, and reports the first problem with its key path.
//!
//! This file checks the top-level keys and calls each concept in a fixed
//! order (which decides the first problem reported). Each concept owns its
//! checks, limits and defaults in its own file: `functions` (with
//! `traffic`, `versions`, `faults`), `metrics`, `alarms`, `strategy` (with
//! `hooks`, and `kind`, the interface through which each strategy kind in
//! `crate::strategy` validates its own keys), `delay`; `checks` and
//! `limits` are what they share.

mod alarms;
pub(crate) mod checks;
pub(crate) mod delay;
mod faults;
mod functions;
pub(crate) mod hooks;
pub(crate) mod judges;
mod kayenta;
pub(crate) mod kind;
pub(crate) mod limits;
mod metrics;
mod replay;
mod strategy;
mod traffic;
mod versions;
pub(crate) mod warmup;
mod workflow;

pub use limits::{MAX_LATENCY_MS, MAX_RATE_PER_S, MAX_REPLICATIONS};
pub use versions::DEFAULT_PROFILE;

use checks::{duration_up_to, integer_at_least, integer_from_to, latency_ms};
use limits::{DEFAULT_REPLICATIONS, DEFAULT_SEED, MAX_HORIZON};

use crate::model::{Sampling, Scenario, StrategySpec};
use crate::scenario::duration::format_duration;
use crate::scenario::error::{Problem, VResult};
use crate::scenario::key_path::KeyPath;
use crate::scenario::raw::RawScenario;
use crate::sim::time::Micros;
use crate::strategy::nominal_duration;
use std::path::Path;

/// Validates a raw scenario. `default_name` is used when `name` is absent;
/// `base` is the scenario file's folder (`[traffic] replay` paths are
/// relative to it).
pub(crate) fn validate(raw: RawScenario, default_name: &str, base: &Path) -> VResult<Scenario> {
    let root = KeyPath::root();
    let name = match raw.name.clone() {
        Some(name) => check_name(&root.key("name"), name)?,
        None if default_name.is_empty() => "scenario".to_string(),
        None => default_name.to_string(),
    };
    let seed = match raw.seed {
        None => DEFAULT_SEED,
        Some(seed) => integer_at_least(&root.key("seed"), seed, 0)? as u64,
    };
    let replications = match raw.replications {
        None => DEFAULT_REPLICATIONS,
        Some(n) => integer_from_to(
            &root.key("replications"),
            n,
            1..=i64::from(MAX_REPLICATIONS),
            1,
            MAX_REPLICATIONS,
        )? as u32,
    };
    let horizon = duration_up_to(
        &root.key("horizon"),
        raw.horizon.0,
        MAX_HORIZON,
        "<= 7 days (\"7d\")",
    )?;
    let functions = functions::functions(&root, &raw, base)?;
    let multi_function = !raw.functions.is_empty();
    faults::check_fault_edges(&root, &functions, multi_function, horizon)?;
    let deployment = functions::deployment(&root, &raw, multi_function)?;

    let sla_ms = match raw.slo.as_ref().and_then(|s| s.latency_ms) {
        None => None,
        Some(ms) => Some(latency_ms(&root.key("slo").key("latency_ms"), ms)?),
    };

    let mut metrics = metrics::metrics(&root.key("metrics"), &raw.metrics)?;
    let alarms = alarms::alarms(&root, &raw, &metrics)?;
    metrics.warmup = warmup::warmup(
        &root.key("metrics").key("warmup"),
        raw.metrics.warmup.map(|d| d.0),
        &metrics,
        &alarms,
    )?;
    let judges = judges::judges(&root, &raw, &alarms, metrics.period)?;
    let strategies = strategy::strategies(&root, &raw, &alarms, &judges, multi_function)?;
    judges::check_holds(&root, &alarms, &judges, &strategies)?;
    check_horizon(&root, horizon, &strategies)?;
    let workflow = workflow::workflow(&root, &raw, &functions, multi_function)?;

    Ok(Scenario {
        name,
        seed,
        replications,
        horizon,
        candidate_faulty: functions.iter().any(|f| f.candidate_faulty),
        functions,
        multi_function,
        deployment,
        metrics,
        sla_ms,
        alarms,
        judges,
        strategies,
        workflow,
        sampling: Sampling::default(),
    })
}

/// The scenario name, used as a folder name.
fn check_name(path: &KeyPath, name: String) -> VResult<String> {
    let trimmed = name.trim();
    if trimmed.is_empty()
        || trimmed == "."
        || trimmed == ".."
        || trimmed
            .chars()
            .any(|c| c == '/' || c == '\\' || c.is_control())
    {
        return Err(Problem::new(
            path,
            format!("{name:?} is not usable as a folder name; use a non-empty name without /, \\ or control characters"),
        ));
    }
    Ok(trimmed.to_string())
}

/// The horizon must hold every strategy's nominal duration.
fn check_horizon(root: &KeyPath, horizon: Micros, strategies: &[StrategySpec]) -> VResult<()> {
    for s in strategies {
        let needed = nominal_duration(s);
        if horizon < needed {
            return Err(Problem::new(
                &root.key("horizon"),
                format!(
                    "{} is shorter than strategy \"{}\" needs ({}: hooks plus the full rollout with median delays); the horizon must be at least {}",
                    format_duration(horizon),
                    s.name,
                    format_duration(needed),
                    format_duration(needed)
                ),
            ));
        }
    }
    Ok(())
}
