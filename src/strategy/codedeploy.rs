//! AWS CodeDeploy traffic shifting for a Lambda alias (reference §2): the
//! predefined and custom canary / linear / all-at-once shapes, alarm polling
//! from deployment start until completion, rollback or stop on ALARM, and
//! BeforeAllowTraffic / AfterAllowTraffic hooks (run by [`super::rollout`]).
//!
//! Also the kind's validation (`KIND`): `config` (a predefined Lambda or
//! ECS configuration in any spelling of `super::codedeploy_configs`, §2.1)
//! or a custom `type` with `percentage` and `interval` (§2.3, within the
//! 2880-minute shift span of §2.2), `linear_completion`, the poll guard,
//! at most 10 alarms per deployment group (§2.5), and CodeDeploy's
//! one-hour hook limit (§2.4).

use std::borrow::Cow;

use super::codedeploy_configs::{accepted_names, predefined_config};
use super::rollout::{latency_chain, Plan, Watch};
use crate::model::{
    CodeDeploySpec, LinearCompletion, PollGuard, StrategyKind, StrategySpec, TrafficShift,
};
use crate::scenario::duration::format_duration;
use crate::scenario::error::{Problem, VResult};
use crate::scenario::key_path::KeyPath;
use crate::scenario::raw::RawStrategy;
use crate::scenario::validate::checks::{choice, exactly_one, integer_from_to, required, OneOf};
use crate::scenario::validate::hooks::MAX_HOOK_DURATION;
use crate::scenario::validate::kind::{CommonKeys, Kind};
use crate::scenario::validate::limits::MINUTE;
use crate::sim::time::Micros;

/// The weight steps of a traffic shift relative to t0 (when traffic shifting
/// starts), and the offset at which shifting counts as complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShiftPlan {
    /// (offset from t0, candidate weight %), increasing offsets, ending at 100.
    pub steps: Vec<(Micros, u32)>,
    pub complete_at: Micros,
}

/// Canary: p % at t0, 100 % at t0 + I. Linear (model A): min(100, (k+1)·p) %
/// at t0 + k·I, complete at the 100 % step; model B completes one interval
/// later (reference §2.2, the 90-vs-100-minute conflict).
pub fn shift_plan(shift: TrafficShift, completion: LinearCompletion) -> ShiftPlan {
    match shift {
        TrafficShift::AllAtOnce => ShiftPlan {
            steps: vec![(Micros::ZERO, 100)],
            complete_at: Micros::ZERO,
        },
        TrafficShift::Canary {
            percentage,
            interval,
        } => ShiftPlan {
            steps: vec![(Micros::ZERO, percentage), (interval, 100)],
            complete_at: interval,
        },
        TrafficShift::Linear {
            percentage,
            interval,
        } => {
            let k_last = u64::from(100u32.div_ceil(percentage) - 1);
            let steps: Vec<(Micros, u32)> = (0..=k_last)
                .map(|k| (k * interval, ((k as u32 + 1) * percentage).min(100)))
                .collect();
            let last = k_last * interval;
            let complete_at = match completion {
                LinearCompletion::LastShift => last,
                LinearCompletion::ExtraInterval => last + interval,
            };
            ShiftPlan { steps, complete_at }
        }
    }
}

/// The rollout plan of a CodeDeploy deployment: the shift plan's steps,
/// completion at `complete_at` (a bake of `complete_at` − last step),
/// alarm polling, and one alias update back to stable as the rollback.
pub fn plan<'a>(cd: &'a CodeDeploySpec, spec: &'a StrategySpec, watched: Vec<usize>) -> Plan<'a> {
    let shift = shift_plan(cd.shift, cd.linear_completion);
    let last = shift.steps.last().map_or(Micros::ZERO, |s| s.0);
    Plan {
        label: Cow::Borrowed(&cd.config_name),
        steps: shift
            .steps
            .iter()
            .map(|&(t, pct)| (t, f64::from(pct)))
            .collect(),
        bake: Some(shift.complete_at - last),
        ..poll_plan(&cd.guard, spec, watched)
    }
}

/// The parts every CodeDeploy-style kind shares: hooks, alarm polling, and
/// a one-stage rollback of `guard.rollback_latency`. Steps, completion and
/// the label are left empty for the kind to fill in.
pub fn poll_plan<'a>(guard: &PollGuard, spec: &'a StrategySpec, watched: Vec<usize>) -> Plan<'a> {
    let chain = latency_chain(guard.rollback_latency);
    Plan {
        label: Cow::Borrowed(""),
        pre_hook: spec.pre_traffic_hook.as_ref(),
        post_hook: spec.post_traffic_hook.as_ref(),
        steps: Vec::new(),
        promotion: None,
        bake: None,
        watched,
        watch: Watch::Poll(guard.poll_interval),
        rollback: guard.rollback,
        alarm_chain: chain.clone(),
        direct_chain: chain,
        propagation: None,
        operator: None,
    }
}

/// Deployment duration when nothing goes wrong, without hooks: from t0 to
/// completion.
pub fn nominal_span(cd: &CodeDeploySpec) -> Micros {
    shift_plan(cd.shift, cd.linear_completion).complete_at
}

/// The `codedeploy` kind (the default): its keys, its hook limit, its checks.
pub(crate) const KIND: Kind = Kind {
    name: "codedeploy",
    keys: &[
        "config",
        "type",
        "percentage",
        "interval",
        "rollback_latency",
        "poll_interval",
        "linear_completion",
    ],
    max_hook: MAX_HOOK_DURATION,
    validate,
};

/// CodeDeploy's limit on the first-to-last traffic shift span (reference
/// §2.2: 2880 minutes).
pub const MAX_SHIFT_SPAN: Micros = MINUTE.times(2880);

const SHAPES: &str = "canary, linear, all_at_once";

/// CodeDeploy's limit on alarms per deployment group (CodeDeploy user
/// guide, "Create a CloudWatch alarm for a deployment": "You can associate
/// up to ten CloudWatch alarms with a CodeDeploy deployment group";
/// API `AlarmConfiguration.alarms`: "A maximum of 10 alarms can be
/// added."). Each function of a scenario is its own deployment group.
pub const MAX_ALARMS_PER_DEPLOYMENT_GROUP: usize = 10;

/// The traffic shift first, then the poll guard, then `linear_completion`.
fn validate(path: &KeyPath, raw: &RawStrategy, common: &mut CommonKeys) -> VResult<StrategyKind> {
    let (shift, config_name) = traffic_shift(path, raw)?;
    let guard = common.guard()?;
    let (function, count) = common.most_alarms_on_one_function()?;
    if count > MAX_ALARMS_PER_DEPLOYMENT_GROUP {
        let group = if function.is_empty() {
            "the deployment group".to_string()
        } else {
            format!("the deployment group of function {function:?}")
        };
        return Err(Problem::new(
            &path.key("alarms"),
            format!(
                "{count} alarms watch {group}{}; CodeDeploy allows at most {MAX_ALARMS_PER_DEPLOYMENT_GROUP} alarms per deployment group (AlarmConfiguration: \"A maximum of 10 alarms can be added.\"); list at most {MAX_ALARMS_PER_DEPLOYMENT_GROUP} in alarms",
                if raw.alarms.is_none() { " (alarms defaults to every alarm of the scenario)" } else { "" }
            ),
        ));
    }
    let linear_completion = choice(
        &path.key("linear_completion"),
        raw.linear_completion.as_deref(),
        &[
            ("last_shift", LinearCompletion::LastShift),
            ("extra_interval", LinearCompletion::ExtraInterval),
        ],
    )?;
    Ok(StrategyKind::CodeDeploy(CodeDeploySpec {
        shift,
        config_name,
        guard,
        linear_completion,
    }))
}

/// Time from the first traffic shift to completion.
pub fn shift_span(shift: TrafficShift, completion: LinearCompletion) -> Micros {
    match shift {
        TrafficShift::AllAtOnce => Micros::ZERO,
        TrafficShift::Canary { interval, .. } => interval,
        TrafficShift::Linear {
            percentage,
            interval,
        } => {
            let steps = u64::from(100u32.div_ceil(percentage.max(1)));
            match completion {
                LinearCompletion::LastShift => interval.saturating_mul(steps - 1),
                LinearCompletion::ExtraInterval => interval.saturating_mul(steps),
            }
        }
    }
}

/// The CodeDeploy-style name of a custom shape, e.g. `Canary25Percent45Minutes`.
pub fn custom_config_name(shift: TrafficShift) -> String {
    let minutes = |interval: Micros| {
        let m = interval / MINUTE;
        if m == 1 {
            "1Minute".to_string()
        } else {
            format!("{m}Minutes")
        }
    };
    match shift {
        TrafficShift::AllAtOnce => "AllAtOnce".to_string(),
        TrafficShift::Canary {
            percentage,
            interval,
        } => format!("Canary{percentage}Percent{}", minutes(interval)),
        TrafficShift::Linear {
            percentage,
            interval,
        } => format!("Linear{percentage}PercentEvery{}", minutes(interval)),
    }
}

/// Exactly one of `config` and `type`, with the shift and its name.
fn traffic_shift(path: &KeyPath, raw: &RawStrategy) -> VResult<(TrafficShift, String)> {
    let given = exactly_one(
        raw.config.as_ref(),
        raw.shape.as_ref(),
        (
            &path.key("type"),
            "give either config (a predefined configuration) or type (a custom shape), not both",
        ),
        (
            path,
            &format!(
                "missing traffic shift: give config (a predefined configuration, {}) or type ({SHAPES})",
                accepted_names()
            ),
        ),
    )?;
    match given {
        OneOf::First(config) => {
            refuse_custom_keys(path, raw, || {
                format!("only allowed with a custom type = \"canary\" or \"linear\", not with config = {config:?}")
            })?;
            let predefined = predefined_config(config).ok_or_else(|| {
                Problem::new(
                    &path.key("config"),
                    format!(
                        "unknown CodeDeploy configuration {config:?}; allowed: {}; or a custom type ({SHAPES})",
                        accepted_names()
                    ),
                )
            })?;
            Ok((predefined.shift, predefined.name.to_string()))
        }
        OneOf::Second(shape) => {
            let shift = custom_shift(path, raw, shape)?;
            Ok((shift, custom_config_name(shift)))
        }
    }
}

/// Refuses `percentage` and `interval` where no custom canary or linear
/// shape is given; `message` says why.
fn refuse_custom_keys(
    path: &KeyPath,
    raw: &RawStrategy,
    message: impl Fn() -> String,
) -> VResult<()> {
    for (key, present) in [
        ("percentage", raw.percentage.is_some()),
        ("interval", raw.interval.is_some()),
    ] {
        if present {
            return Err(Problem::new(&path.key(key), message()));
        }
    }
    Ok(())
}

/// A custom `type`: `all_at_once`, or `canary` / `linear` with a whole
/// percentage from 1 to 99 and an interval of whole minutes.
fn custom_shift(path: &KeyPath, raw: &RawStrategy, shape: &str) -> VResult<TrafficShift> {
    match shape {
        "all_at_once" => {
            refuse_custom_keys(path, raw, || {
                "only allowed with type = \"canary\" or \"linear\", not with type = \"all_at_once\""
                    .to_string()
            })?;
            Ok(TrafficShift::AllAtOnce)
        }
        "canary" | "linear" => {
            let why = format!("type = \"{shape}\" needs it");
            let p_key = path.key("percentage");
            let percentage = required(&p_key, raw.percentage, &why)?;
            let percentage = integer_from_to(&p_key, percentage, 1..=99, 1, 99)? as u32;
            let i_key = path.key("interval");
            let interval = required(&i_key, raw.interval, &why)?.0;
            if interval == Micros::ZERO || interval % MINUTE != Micros::ZERO {
                return Err(Problem::new(
                    &i_key,
                    format!(
                        "must be a whole number of minutes >= 1 (e.g. \"5m\"); got {}",
                        format_duration(interval)
                    ),
                ));
            }
            let shift = if shape == "canary" {
                TrafficShift::Canary {
                    percentage,
                    interval,
                }
            } else {
                TrafficShift::Linear {
                    percentage,
                    interval,
                }
            };
            let span = shift_span(shift, LinearCompletion::LastShift);
            if span > MAX_SHIFT_SPAN {
                return Err(Problem::new(
                    &i_key,
                    format!(
                        "the first-to-last traffic shift span is {} minutes; CodeDeploy allows at most 2880 (48 hours)",
                        span / MINUTE
                    ),
                ));
            }
            Ok(shift)
        }
        other => Err(Problem::new(
            &path.key("type"),
            format!("unknown type {other:?}; allowed: {SHAPES}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::super::codedeploy_configs::{canary, linear, Platform, PREDEFINED_CONFIGS};
    use super::*;
    use crate::sim::time::secs;

    fn minutes(m: u64) -> Micros {
        secs(60 * m)
    }

    #[test]
    fn canary_shifts_twice() {
        let p = shift_plan(
            TrafficShift::Canary {
                percentage: 10,
                interval: minutes(5),
            },
            LinearCompletion::LastShift,
        );
        assert_eq!(p.steps, vec![(Micros::ZERO, 10), (minutes(5), 100)]);
        assert_eq!(p.complete_at, minutes(5));
    }

    #[test]
    fn linear_10_every_10_completes_at_90_or_100_minutes() {
        let shift = TrafficShift::Linear {
            percentage: 10,
            interval: minutes(10),
        };
        let a = shift_plan(shift, LinearCompletion::LastShift);
        assert_eq!(a.steps.len(), 10);
        assert_eq!(a.steps[0], (Micros::ZERO, 10));
        assert_eq!(a.steps[8], (minutes(80), 90));
        assert_eq!(a.steps[9], (minutes(90), 100));
        assert_eq!(a.complete_at, minutes(90));
        let b = shift_plan(shift, LinearCompletion::ExtraInterval);
        assert_eq!(b.steps, a.steps);
        assert_eq!(b.complete_at, minutes(100));
    }

    #[test]
    fn linear_caps_a_non_dividing_percentage_at_100() {
        let p = shift_plan(
            TrafficShift::Linear {
                percentage: 30,
                interval: minutes(1),
            },
            LinearCompletion::LastShift,
        );
        assert_eq!(
            p.steps,
            vec![
                (Micros::ZERO, 30),
                (minutes(1), 60),
                (minutes(2), 90),
                (minutes(3), 100)
            ]
        );
    }

    #[test]
    fn all_at_once_completes_immediately() {
        let p = shift_plan(TrafficShift::AllAtOnce, LinearCompletion::LastShift);
        assert_eq!(p.steps, vec![(Micros::ZERO, 100)]);
        assert_eq!(p.complete_at, Micros::ZERO);
    }

    #[test]
    fn custom_names() {
        assert_eq!(
            custom_config_name(canary(25, 45)),
            "Canary25Percent45Minutes"
        );
        assert_eq!(
            custom_config_name(linear(20, 3)),
            "Linear20PercentEvery3Minutes"
        );
        assert_eq!(
            custom_config_name(linear(10, 1)),
            "Linear10PercentEvery1Minute"
        );
        assert_eq!(custom_config_name(TrafficShift::AllAtOnce), "AllAtOnce");
        for p in PREDEFINED_CONFIGS
            .iter()
            .filter(|p| p.platform == Platform::Lambda)
        {
            assert_eq!(custom_config_name(p.shift), p.name);
        }
    }

    /// `n` count alarms on function `f` (named `{f}_{i}`).
    fn alarms_on(f: &str, n: usize) -> String {
        (0..n)
            .map(|i| {
                format!(
                    "[alarms.{f}_{i}]\nfunction = \"{f}\"\nmetric = \"Errors\"\ncomparison = \">\"\nthreshold = {i}\n"
                )
            })
            .collect()
    }

    fn load(text: &str) -> Result<crate::model::Scenario, String> {
        let value = crate::scenario::parse_document(text, "t.toml").map_err(|e| e.to_string())?;
        crate::scenario::from_value(value, text, "t.toml").map_err(|e| e.to_string())
    }

    /// CodeDeploy takes at most 10 alarms per deployment group, and each
    /// function is its own group: 10 + 10 alarms over two functions pass,
    /// 11 on one function are rejected naming it.
    #[test]
    fn at_most_ten_alarms_per_deployment_group() {
        let base = "horizon = \"1h\"\n[functions.a]\ntraffic = { rate_per_s = 1 }\n[functions.b]\ntraffic = { rate_per_s = 1 }\n[strategies.c]\nconfig = \"Canary10Percent5Minutes\"\n";
        let ok = format!("{base}{}{}", alarms_on("a", 10), alarms_on("b", 10));
        let sc = load(&ok).unwrap();
        assert_eq!(sc.strategies[0].alarms.len(), 20);
        let bad = format!("{base}{}{}", alarms_on("a", 3), alarms_on("b", 11));
        let err = load(&bad).unwrap_err();
        for part in [
            "strategies.c.alarms",
            "11 alarms watch the deployment group of function \"b\"",
            "at most 10 alarms per deployment group",
        ] {
            assert!(err.contains(part), "{part}: {err}");
        }
        // Listing 10 of the 11 is fine.
        let names: Vec<String> = (0..10).map(|i| format!("\"b_{i}\"")).collect();
        let listed = bad.replace(
            "[strategies.c]\n",
            &format!("[strategies.c]\nalarms = [{}]\n", names.join(", ")),
        );
        assert!(load(&listed).is_ok());
    }

    #[test]
    fn shift_spans() {
        let l = linear(10, 10);
        assert_eq!(shift_span(l, LinearCompletion::LastShift), 90 * MINUTE);
        assert_eq!(shift_span(l, LinearCompletion::ExtraInterval), 100 * MINUTE);
        assert_eq!(
            shift_span(linear(30, 1), LinearCompletion::LastShift),
            3 * MINUTE
        );
        assert_eq!(
            shift_span(canary(10, 5), LinearCompletion::ExtraInterval),
            5 * MINUTE
        );
        assert_eq!(
            shift_span(TrafficShift::AllAtOnce, LinearCompletion::LastShift),
            Micros::ZERO
        );
    }
}
