//! `[strategies.NAME]`: the deployment strategies to compare. Checks what
//! every strategy has — its name, a known `kind`, only that kind's keys,
//! its hooks — and hands the kind's own keys to the kind, found in the
//! registry `crate::strategy::KINDS` (see `kind.rs`). Nothing here names a
//! kind: the first registered is the default, and the list of kinds in
//! messages is the registry's.

use super::hooks::hook;
use super::kind::{CommonKeys, Kind};
use crate::model::{AlarmSpec, JudgeSpec, StrategySpec};
use crate::scenario::error::{Problem, VResult};
use crate::scenario::key_path::KeyPath;
use crate::scenario::raw::{RawHook, RawScenario, RawStrategy};
use crate::strategy::KINDS;

/// Every strategy of the scenario, in name order; at least one.
pub(super) fn strategies(
    root: &KeyPath,
    raw: &RawScenario,
    alarms: &[AlarmSpec],
    judges: &[JudgeSpec],
    multi_function: bool,
) -> VResult<Vec<StrategySpec>> {
    let strategies_path = root.key("strategies");
    if raw.strategies.is_empty() {
        return Err(Problem::new(
            &strategies_path,
            "at least one strategy is required, e.g. [strategies.canary] with config = \"Canary10Percent5Minutes\"",
        ));
    }
    // Alarms, then judges: the indices strategies watch (`Scenario::judge_name`).
    let alarm_names: Vec<&str> = alarms
        .iter()
        .map(|a| a.name.as_str())
        .chain(judges.iter().map(|j| j.name.as_str()))
        .collect();
    let function_names: Vec<&str> = raw.functions.keys().map(String::as_str).collect();
    let alarm_functions: Vec<&str> = alarms
        .iter()
        .map(|a| a.function)
        .chain(judges.iter().map(|j| j.function))
        .map(|f| function_names.get(f).copied().unwrap_or(""))
        .collect();
    raw.strategies
        .iter()
        .map(|(name, s)| {
            let path = strategies_path.key(name);
            if name.trim().is_empty() || name.chars().any(char::is_control) {
                return Err(Problem::new(
                    &path,
                    format!("strategy name {name:?} is empty or has control characters; name strategies like [strategies.canary]"),
                ));
            }
            if multi_function && name.contains('/') {
                return Err(Problem::new(
                    &path,
                    format!("strategy name {name:?} must not contain '/' in a multi-function scenario (results are named STRATEGY/FUNCTION)"),
                ));
            }
            strategy(&path, name, s, &alarm_names, &alarm_functions, alarms.len())
        })
        .collect()
}

/// The registered kind named `name`.
fn kind(path: &KeyPath, name: &str) -> VResult<&'static Kind> {
    KINDS
        .iter()
        .copied()
        .find(|k| k.name == name)
        .ok_or_else(|| {
            let names: Vec<&str> = KINDS.iter().map(|k| k.name).collect();
            Problem::new(
                &path.key("kind"),
                format!(
                    "unknown strategy kind {name:?}; allowed: {}",
                    names.join(", ")
                ),
            )
        })
}

fn strategy(
    path: &KeyPath,
    name: &str,
    raw: &RawStrategy,
    alarm_names: &[&str],
    alarm_functions: &[&str],
    cloudwatch: usize,
) -> VResult<StrategySpec> {
    let kind = kind(path, raw.kind.as_deref().unwrap_or(KINDS[0].name))?;
    if let Some(key) = raw
        .present_keys()
        .into_iter()
        .find(|k| !kind.keys.contains(k))
    {
        return Err(Problem::new(
            &path.key(key),
            format!(
                "not allowed for strategy kind \"{}\"; its own keys are: {} (and for every kind: kind, alarms, rollback, pre_traffic_hook, post_traffic_hook)",
                kind.name,
                kind.keys.join(", ")
            ),
        ));
    }
    let mut common = CommonKeys::new(path, raw, alarm_names, alarm_functions, cloudwatch);
    let spec = (kind.validate)(path, raw, &mut common)?;
    let alarms = common.into_alarms()?;
    let hook = |key: &str, raw: &Option<RawHook>| match raw {
        None => Ok(None),
        Some(h) => hook(&path.key(key), h, kind.max_hook).map(Some),
    };
    Ok(StrategySpec {
        name: name.to_string(),
        kind: spec,
        alarms,
        pre_traffic_hook: hook("pre_traffic_hook", &raw.pre_traffic_hook)?,
        post_traffic_hook: hook("post_traffic_hook", &raw.post_traffic_hook)?,
    })
}
