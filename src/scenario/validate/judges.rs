//! `[judges.NAME]`: judges beyond CloudWatch alarms, and the
//! minimum-request guard (`min_requests`, `on_inconclusive`,
//! `review_time`) shared with `[alarms.NAME]`. A judge's name must differ
//! from every alarm's (strategies name both in `alarms`); a key of another
//! kind is an error naming the key and the kind; a guard that holds the
//! deployment (`wait`, `pause`) is refused for a strategy that cannot hold
//! ([`check_holds`]).

use super::checks::{choice, integer_at_least};
use super::delay::delay;
use super::metrics::period;
use crate::model::{
    AlarmSpec, JudgeKind, JudgeSpec, OnInconclusive, RequestGuard, SequentialMethod,
    SequentialSpec, StrategyKind, StrategySpec,
};
use crate::scenario::error::{Problem, VResult};
use crate::scenario::key_path::KeyPath;
use crate::scenario::raw::{RawDelay, RawJudge, RawScenario};
use crate::sim::time::{secs, Micros};

/// The kinds and their own keys (every kind also takes `kind`, `function`,
/// `min_requests`, `on_inconclusive`, `review_time`).
const KINDS: [(&str, &[&str]); 2] = [
    (
        "sequential",
        &["alpha", "min_effect", "look_every", "method"],
    ),
    (
        "kayenta",
        &[
            "lifetime",
            "interval",
            "step",
            "begin_after",
            "lookback",
            "marginal",
            "pass",
            "confidence",
            "tolerance",
            "metrics",
        ],
    ),
];

pub const DEFAULT_ALPHA: f64 = 0.05;
pub const DEFAULT_MIN_EFFECT: f64 = 2.0;
/// Largest `min_effect`: the mixture's grid reaches 10 × min_effect.
pub const MAX_MIN_EFFECT: f64 = 1000.0;

/// Every judge of the scenario, in name order.
pub(super) fn judges(
    root: &KeyPath,
    raw: &RawScenario,
    alarms: &[AlarmSpec],
    metrics_period: Micros,
) -> VResult<Vec<JudgeSpec>> {
    let function_names: Vec<&str> = raw.functions.keys().map(String::as_str).collect();
    raw.judges
        .iter()
        .map(|(name, j)| {
            let path = root.key("judges").key(name);
            if alarms.iter().any(|a| &a.name == name) {
                return Err(Problem::new(
                    &path,
                    format!("judge {name:?} has the name of an alarm; judges and alarms share one namespace (strategies list both in `alarms`)"),
                ));
            }
            judge(&path, name, j, &function_names, metrics_period)
        })
        .collect()
}

fn judge(
    path: &KeyPath,
    name: &str,
    raw: &RawJudge,
    functions: &[&str],
    metrics_period: Micros,
) -> VResult<JudgeSpec> {
    let Some(&(kind, own)) = KINDS.iter().find(|(k, _)| *k == raw.kind) else {
        let names: Vec<&str> = KINDS.iter().map(|(k, _)| *k).collect();
        return Err(Problem::new(
            &path.key("kind"),
            format!(
                "unknown judge kind {:?}; allowed: {}",
                raw.kind,
                names.join(", ")
            ),
        ));
    };
    if let Some(key) = raw
        .present_kind_keys()
        .into_iter()
        .find(|k| !own.contains(k))
    {
        return Err(Problem::new(
            &path.key(key),
            format!(
                "not allowed for judge kind \"{kind}\"; its own keys are: {} (and for every kind: kind, function, min_requests, on_inconclusive, review_time)",
                own.join(", ")
            ),
        ));
    }
    let function = function(path, raw.function.as_deref(), functions)?;
    let guard = guard(
        path,
        raw.min_requests,
        raw.on_inconclusive.as_deref(),
        raw.review_time.as_ref(),
    )?;
    let kind = match kind {
        "kayenta" => JudgeKind::Kayenta(super::kayenta::kayenta(path, raw, metrics_period)?),
        _ => JudgeKind::Sequential(sequential(path, raw)?),
    };
    Ok(JudgeSpec {
        name: name.to_string(),
        function,
        guard,
        kind,
    })
}

/// `kind = "sequential"`: `alpha`, `min_effect`, `look_every`, `method`.
fn sequential(path: &KeyPath, raw: &RawJudge) -> VResult<SequentialSpec> {
    let alpha = match raw.alpha {
        None => DEFAULT_ALPHA,
        Some(a) if a > 0.0 && a < 1.0 => a,
        Some(a) => {
            return Err(Problem::new(
                &path.key("alpha"),
                format!("{a} is not a probability strictly between 0 and 1 (e.g. 0.05)"),
            ))
        }
    };
    let min_effect = match raw.min_effect {
        None => DEFAULT_MIN_EFFECT,
        Some(r) if r > 1.0 && r <= MAX_MIN_EFFECT => r,
        Some(r) => {
            return Err(Problem::new(
                &path.key("min_effect"),
                format!("{r} is not an error-rate ratio above 1 and at most {MAX_MIN_EFFECT} (e.g. 2: the candidate fails twice as often as stable)"),
            ))
        }
    };
    let look_every = match raw.look_every {
        None => secs(10),
        Some(d) => period(&path.key("look_every"), d.0)?,
    };
    let method = choice(
        &path.key("method"),
        raw.method.as_deref(),
        &[
            ("mixture", SequentialMethod::Mixture),
            ("fixed_per_look", SequentialMethod::FixedPerLook),
        ],
    )?;
    Ok(SequentialSpec {
        alpha,
        min_effect,
        look_every,
        method,
    })
}

/// The guard keys of an alarm or judge table at `path`.
pub(super) fn guard(
    path: &KeyPath,
    min_requests: Option<i64>,
    on_inconclusive: Option<&str>,
    review_time: Option<&RawDelay>,
) -> VResult<RequestGuard> {
    let min_requests = match min_requests {
        None => 0,
        Some(n) => integer_at_least(&path.key("min_requests"), n, 0)? as u64,
    };
    let on_inconclusive = match (on_inconclusive, review_time) {
        (None | Some("pass"), None) => OnInconclusive::Pass,
        (Some("wait"), None) => OnInconclusive::Wait,
        (Some("pause"), Some(r)) => OnInconclusive::Pause(delay(&path.key("review_time"), r)?),
        (Some("pause"), None) => {
            return Err(Problem::new(
                &path.key("review_time"),
                "missing required key: on_inconclusive = \"pause\" needs the operator's review_time (a delay, e.g. \"10m\" or { median = \"10m\", p99 = \"1h\" })",
            ))
        }
        (None | Some("pass" | "wait"), Some(_)) => {
            return Err(Problem::new(
                &path.key("review_time"),
                "only allowed with on_inconclusive = \"pause\"",
            ))
        }
        (Some(other), _) => {
            return Err(Problem::new(
                &path.key("on_inconclusive"),
                format!("unknown value {other:?}; allowed: pass, wait, pause"),
            ))
        }
    };
    if on_inconclusive.holds() && min_requests == 0 {
        return Err(Problem::new(
            &path.key("on_inconclusive"),
            format!(
                "{:?} acts only on the guard's inconclusive verdicts; set min_requests (e.g. 20)",
                on_inconclusive.name()
            ),
        ));
    }
    Ok(RequestGuard {
        min_requests,
        on_inconclusive,
    })
}

/// The index of the function judged: required with more than one
/// function, refused without `[functions]`.
fn function(path: &KeyPath, given: Option<&str>, functions: &[&str]) -> VResult<usize> {
    match (given, functions) {
        (None, [] | [_]) => Ok(0),
        (None, _) => Err(Problem::new(
            &path.key("function"),
            format!(
                "missing required key: which function it judges; one of {}",
                functions.join(", ")
            ),
        )),
        (Some(f), []) => Err(Problem::new(
            &path.key("function"),
            format!("{f:?}: only allowed with [functions.NAME] tables"),
        )),
        (Some(f), _) => functions.iter().position(|n| *n == f).ok_or_else(|| {
            Problem::new(
                &path.key("function"),
                format!(
                    "unknown function {f:?}; defined functions: {}",
                    functions.join(", ")
                ),
            )
        }),
    }
}

/// Whether a strategy kind can hold its next traffic shift while a
/// watched judge is inconclusive: the step plan can (its controller
/// decides when to shift); CodeDeploy cannot — it shifts on its own clock
/// and its alarm configuration only stops a deployment ("If any alarm is
/// activated, the deployment is stopped", CodeDeploy user guide,
/// monitoring-create-alarms.html), nor can API Gateway or VPC Lattice,
/// whose alarms act only through an alarm action.
fn can_hold(kind: &StrategyKind) -> bool {
    matches!(kind, StrategyKind::Steps(_))
}

/// Refuses `on_inconclusive = "wait" | "pause"` on a judge watched by a
/// strategy that cannot hold.
pub(super) fn check_holds(
    root: &KeyPath,
    alarms: &[AlarmSpec],
    judges: &[JudgeSpec],
    strategies: &[StrategySpec],
) -> VResult<()> {
    for s in strategies {
        if can_hold(&s.kind) {
            continue;
        }
        for &i in &s.alarms {
            let (table, name, guard) = match alarms.get(i) {
                Some(a) => ("alarms", &a.name, a.guard),
                None => {
                    let j = &judges[i - alarms.len()];
                    ("judges", &j.name, j.guard)
                }
            };
            if guard.on_inconclusive.holds() {
                return Err(Problem::new(
                    &root.key(table).key(name).key("on_inconclusive"),
                    format!(
                        "{:?} holds the deployment while the guard is inconclusive, but strategy \"{}\" (kind {}) watches it and cannot hold: only a `steps` plan decides when to shift; CodeDeploy shifts on its own clock and its alarms only stop a deployment. Use \"pass\", or leave this judge out of strategies.{}.alarms",
                        guard.on_inconclusive.name(),
                        s.name,
                        s.kind.name(),
                        s.name
                    ),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_defaults_to_no_guard_that_passes() {
        let g = guard(&KeyPath::root(), None, None, None).unwrap();
        assert_eq!(g, RequestGuard::default());
        assert!(!g.active());
    }

    #[test]
    fn wait_without_min_requests_is_refused() {
        let err = guard(&KeyPath::root(), None, Some("wait"), None).unwrap_err();
        assert!(err.message.contains("set min_requests"), "{}", err.message);
    }
}
