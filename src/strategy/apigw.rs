//! API Gateway REST API canary release (reference §3): the stage routes a
//! fixed `percentTraffic` to the canary deployment — no time-based shifting —
//! until an operator promotes it after a review time (or never), with the
//! promotion options the console offers (seed 001): update the stage with
//! the canary's deployment, update the stage variables with the canary's
//! overrides, set the canary to 0 %. What traffic hits afterwards follows
//! from them (`ApiGwSpec::promoted_share`).
//!
//! API Gateway has no alarm-driven rollback: nothing polls alarms. A stage
//! alarm acts only through its alarm action — on its *transition* into
//! ALARM, SNS → a rollback function → `update-stage` with canarySettings
//! percentTraffic 0 (`super::alarm_action`, the path VPC Lattice uses) —
//! or through a person (`operator`), who notices a faulty canary after a
//! detection delay. Every `update-stage` (canary creation, promotion,
//! rollback) takes effect after `propagation_delay`, in the order issued.
//! The stage cache (a warm production cache, a cold canary cache) lives in
//! the world (`world::cache`).
//!
//! Also the kind's validation (`KIND`): `percent_traffic`
//! (canarySettings.percentTraffic), `review_time` (a delay or `"never"`),
//! `promotion`, `new_version_via`, `stage_variable_overrides`, `operator`,
//! `cache`, and the delays of the alarm-action path.

use std::borrow::Cow;

use super::alarm_action::{alarm_chain, delay_or, rollback_function, update_chain};
use super::rollout::{Plan, Watch};
use crate::model::{
    ApiGwSpec, CanaryCarrier, Operator, Promotion, StageCache, StrategyKind, StrategySpec,
};
use crate::scenario::error::{Problem, VResult};
use crate::scenario::key_path::KeyPath;
use crate::scenario::raw::{RawDelay, RawStrategy};
use crate::scenario::validate::checks::{choice, latency_ms, probability, required};
use crate::scenario::validate::delay::delay;
use crate::scenario::validate::hooks::MAX_PIPELINE_HOOK_DURATION;
use crate::scenario::validate::kind::{CommonKeys, Kind};
use crate::sim::time::{secs, Micros};

/// The rollout plan: `percent_traffic` at t0, the promotion after a review
/// time drawn at t0 (completion when it took effect, or an operator
/// rollback when it leaves all traffic on the old deployment), never
/// completing without a review time. Alarms act through the alarm-action
/// chain; a person (operator, failed hook) through one `update-stage`.
pub fn plan<'a>(a: &'a ApiGwSpec, spec: &'a StrategySpec, watched: Vec<usize>) -> Plan<'a> {
    Plan {
        label: Cow::Borrowed("promoted"),
        pre_hook: spec.pre_traffic_hook.as_ref(),
        post_hook: spec.post_traffic_hook.as_ref(),
        steps: vec![(Micros::ZERO, a.percent_traffic)],
        promotion: a.review_time.map(|r| (r, a.promoted_share())),
        bake: None,
        watched,
        watch: Watch::Transition,
        rollback: a.rollback,
        alarm_chain: alarm_chain(&a.function, a.propagation_delay),
        direct_chain: update_chain(a.propagation_delay),
        propagation: Some(a.propagation_delay),
        operator: a.operator,
    }
}

/// From t0 to completion when nothing goes wrong: the nominal (median)
/// review time plus the promotion's propagation; 0 when the canary is
/// never promoted.
pub fn nominal_span(a: &ApiGwSpec) -> Micros {
    a.review_time.map_or(Micros::ZERO, |r| {
        r.nominal().saturating_add(a.propagation_delay.nominal())
    })
}

/// The `apigw_canary` kind: its keys, its hook limit, its checks.
pub(crate) const KIND: Kind = Kind {
    name: "apigw_canary",
    keys: &[
        "percent_traffic",
        "review_time",
        "promotion",
        "new_version_via",
        "stage_variable_overrides",
        "operator",
        "cache",
        "propagation_delay",
        "sns_delay",
        "function_duration",
    ],
    max_hook: MAX_PIPELINE_HOOK_DURATION,
    validate,
};

/// Latency of an API Gateway stage-cache hit, ms.
pub const DEFAULT_CACHE_HIT_LATENCY_MS: f64 = 5.0;
/// Warm-up of the canary's cold stage cache.
pub const DEFAULT_CACHE_WARMUP: Micros = secs(600);
/// From an `update-stage` call until the stage routes by it (AWS silent;
/// the former fixed rollback latency).
pub const DEFAULT_STAGE_PROPAGATION: Micros = secs(5);

/// The promotion options, in scenario spelling.
const PROMOTION_OPTIONS: [&str; 3] = ["deployment", "stage_variables", "canary_to_zero"];

/// The alarms first, then the canary's own keys.
fn validate(path: &KeyPath, raw: &RawStrategy, common: &mut CommonKeys) -> VResult<StrategyKind> {
    common.check_alarms()?;
    let key = path.key("percent_traffic");
    let percent_traffic = required(
        &key,
        raw.percent_traffic,
        "kind = \"apigw_canary\" needs it",
    )?;
    if !(0.0..=100.0).contains(&percent_traffic) {
        return Err(Problem::new(
            &key,
            format!("must be a percentage from 0.0 to 100.0 (canarySettings.percentTraffic); got {percent_traffic}"),
        ));
    }
    let review_time = match &raw.review_time {
        None => None,
        Some(RawDelay(toml::Value::String(s))) if s.trim() == "never" => None,
        Some(d) => Some(delay(&path.key("review_time"), d)?),
    };
    let new_version_via = choice(
        &path.key("new_version_via"),
        raw.new_version_via.as_deref(),
        &[
            ("deployment", CanaryCarrier::Deployment),
            ("stage_variables", CanaryCarrier::StageVariables),
        ],
    )?;
    let stage_variable_overrides: Vec<(String, String)> = raw
        .stage_variable_overrides
        .iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if new_version_via == CanaryCarrier::StageVariables && stage_variable_overrides.is_empty() {
        return Err(Problem::new(
            &path.key("stage_variable_overrides"),
            "new_version_via = \"stage_variables\" needs the overrides that send canary requests to the new version, e.g. stage_variable_overrides = { alias = \"v2\" }",
        ));
    }
    let spec = ApiGwSpec {
        percent_traffic,
        review_time,
        promotion: promotion(&path.key("promotion"), raw.promotion.as_deref())?,
        new_version_via,
        stage_variable_overrides,
        rollback: raw.rollback.unwrap_or(true),
        function: rollback_function(path, raw)?,
        propagation_delay: delay_or(
            path,
            "propagation_delay",
            &raw.propagation_delay,
            DEFAULT_STAGE_PROPAGATION,
        )?,
        operator: operator(path, raw)?,
        cache: cache(path, raw)?,
    };
    if spec.review_time.is_some() && spec.promoted_share() == spec.percent_traffic {
        return Err(Problem::new(
            &path.key("promotion"),
            format!(
                "this promotion changes nothing traffic hits: the new version comes with the canary's {}, which it does not promote, and the canary keeps {}%; add \"{}\" (all traffic on the new version) or \"canary_to_zero\" (all on the old deployment)",
                match spec.new_version_via {
                    CanaryCarrier::Deployment => "deployment",
                    CanaryCarrier::StageVariables => "stage-variable overrides",
                },
                spec.percent_traffic,
                match spec.new_version_via {
                    CanaryCarrier::Deployment => "deployment",
                    CanaryCarrier::StageVariables => "stage_variables",
                },
            ),
        ));
    }
    Ok(StrategyKind::ApiGwCanary(spec))
}

/// `promotion`: a non-empty list of distinct options; all three when absent.
fn promotion(path: &KeyPath, raw: Option<&[String]>) -> VResult<Promotion> {
    let Some(options) = raw else {
        return Ok(Promotion {
            deployment: true,
            stage_variables: true,
            canary_to_zero: true,
        });
    };
    if options.is_empty() {
        return Err(Problem::new(
            path,
            format!(
                "must name at least one promotion option: {}",
                PROMOTION_OPTIONS.join(", ")
            ),
        ));
    }
    let mut chosen = [false; 3];
    for (i, option) in options.iter().enumerate() {
        let Some(k) = PROMOTION_OPTIONS.iter().position(|o| o == option) else {
            return Err(Problem::new(
                &path.index(i),
                format!(
                    "unknown promotion option {option:?}; allowed: {}",
                    PROMOTION_OPTIONS.join(", ")
                ),
            ));
        };
        if chosen[k] {
            return Err(Problem::new(
                &path.index(i),
                format!("promotion option {option:?} is listed twice"),
            ));
        }
        chosen[k] = true;
    }
    Ok(Promotion {
        deployment: chosen[0],
        stage_variables: chosen[1],
        canary_to_zero: chosen[2],
    })
}

fn operator(path: &KeyPath, raw: &RawStrategy) -> VResult<Option<Operator>> {
    let Some(op) = &raw.operator else {
        return Ok(None);
    };
    let p = path.key("operator");
    Ok(Some(Operator {
        detection_delay: delay(&p.key("detection_delay"), &op.detection_delay)?,
        notice_probability: probability(
            &p.key("notice_probability"),
            op.notice_probability.unwrap_or(1.0),
        )?,
    }))
}

fn cache(path: &KeyPath, raw: &RawStrategy) -> VResult<Option<StageCache>> {
    let Some(c) = &raw.cache else {
        return Ok(None);
    };
    let p = path.key("cache");
    if !(0.0..1.0).contains(&c.hit_ratio) {
        return Err(Problem::new(
            &p.key("hit_ratio"),
            format!("must be in [0, 1); got {}", c.hit_ratio),
        ));
    }
    Ok(Some(StageCache {
        hit_ratio: c.hit_ratio,
        hit_latency_ms: latency_ms(
            &p.key("hit_latency_ms"),
            c.hit_latency_ms.unwrap_or(DEFAULT_CACHE_HIT_LATENCY_MS),
        )?,
        warmup: c.warmup.map_or(DEFAULT_CACHE_WARMUP, |d| d.0),
    }))
}

#[cfg(test)]
mod tests {
    use super::super::build;
    use super::super::script::{self, spec, Script};
    use super::*;
    use crate::alarm::AlarmState;
    use crate::model::{DelayDist, Hook, Operator, StrategyKind, TrafficShift};
    use crate::record::Outcome;
    use crate::sim::time::{secs, to_secs, Micros};
    use crate::testkit::scenario;

    /// 10 % canary, promoted with all three options after `review`; SNS
    /// 2 s, rollback function 3 s, stage updates in effect after 5 s.
    fn canary(review: Option<Micros>, operator: Option<Operator>) -> ApiGwSpec {
        ApiGwSpec {
            operator,
            ..script::apigw(10.0, review.map(DelayDist::Fixed))
        }
    }

    fn operator(delay: DelayDist, notice: f64) -> Option<Operator> {
        Some(Operator {
            detection_delay: delay,
            notice_probability: notice,
        })
    }

    fn run(a: ApiGwSpec, pre_hook: bool, script: &mut Script) {
        let mut sc = scenario(TrafficShift::AllAtOnce);
        let mut s = spec(StrategyKind::ApiGwCanary(a));
        if pre_hook {
            s.pre_traffic_hook = Some(Hook {
                duration: secs(120),
                catch_probability: [0.0; 5],
                flaky_probability: 0.0,
            });
        }
        sc.strategies = vec![s];
        let mut strategy = build(&sc.strategies[0], &sc, 0);
        script.run(strategy.as_mut(), secs(4 * 3600));
    }

    #[test]
    fn percent_traffic_is_held_fixed_until_promotion() {
        let mut s = Script::new(1, 1);
        run(canary(Some(secs(1800)), None), true, &mut s);
        // Each update-stage takes effect 5 s after the call: the canary at
        // 120 + 5 s, the promotion at 120 + 1800 + 5 s.
        assert_eq!(s.weights, vec![(secs(125), 10.0), (secs(1925), 100.0)]);
        assert!(s.noted(secs(1925), "promoted"));
        assert_eq!(s.finished, Some((secs(1925), Outcome::Completed)));
        assert_eq!(nominal_span(&canary(Some(secs(1800)), None)), secs(1805));
    }

    #[test]
    fn a_canary_never_promoted_runs_until_the_horizon() {
        let mut s = Script::new(1, 1);
        run(canary(None, None), false, &mut s);
        assert_eq!(s.weights, vec![(secs(5), 10.0)]);
        assert_eq!(s.finished, None);
        assert_eq!(nominal_span(&canary(None, None)), Micros::ZERO);
    }

    /// The alarm acts through its action, never a poll: the transition at
    /// 130 s is the detection; SNS delivers at 132 s, the rollback function
    /// calls update-stage (percentTraffic 0) at 135 s, in effect at 140 s.
    /// (Polled like CodeDeploy it would have been 180 s + 5 s.)
    #[test]
    fn a_stage_alarm_rolls_back_through_sns_a_function_and_update_stage() {
        let mut s = Script::new(1, 1);
        s.alarm_at(secs(130), 0, AlarmState::Alarm);
        run(canary(Some(secs(1800)), None), false, &mut s);
        assert_eq!(s.detection, Some((secs(130), "alarm0".into())));
        assert!(s.noted(secs(132), "sns_delivered"));
        assert!(s.noted(secs(135), "rollback_function_done"));
        assert_eq!(s.rollback_done, Some(secs(140)));
        assert_eq!(s.weights, vec![(secs(5), 10.0), (secs(140), 0.0)]);
        assert_eq!(s.finished, Some((secs(140), Outcome::RolledBack)));
    }

    /// CloudWatch runs actions only on a state change: an alarm already in
    /// ALARM when the canary starts, and staying there, fires nothing (a
    /// CodeDeploy poll stops at its first read, at t = 0); only a later
    /// OK → ALARM transition does.
    #[test]
    fn only_a_transition_into_alarm_acts() {
        let mut s = Script::new(1, 1);
        s.initial_state(0, AlarmState::Alarm);
        s.alarm_at(secs(600), 0, AlarmState::Alarm);
        run(canary(None, None), false, &mut s);
        assert_eq!(s.detection, None, "no transition, no action");
        assert_eq!(s.weights, vec![(secs(5), 10.0)]);

        let mut s = Script::new(1, 1);
        s.initial_state(0, AlarmState::Alarm);
        s.alarm_at(secs(600), 0, AlarmState::Ok)
            .alarm_at(secs(900), 0, AlarmState::Alarm);
        run(canary(None, None), false, &mut s);
        assert_eq!(s.detection, Some((secs(900), "alarm0".into())));
        assert_eq!(s.rollback_done, Some(secs(910)));

        // The same alarm state under CodeDeploy's poll: stopped at its first
        // poll, at t = 0.
        let mut cd = Script::new(1, 1);
        cd.initial_state(0, AlarmState::Alarm);
        let mut sc = scenario(TrafficShift::Canary {
            percentage: 10,
            interval: secs(300),
        });
        sc.strategies[0].alarms = vec![0];
        let mut strategy = build(&sc.strategies[0], &sc, 0);
        cd.run(strategy.as_mut(), secs(3600));
        assert_eq!(cd.detection, Some((Micros::ZERO, "alarm0".into())));
    }

    #[test]
    fn without_a_rollback_function_an_alarm_only_stops() {
        let mut a = canary(None, None);
        a.rollback = false;
        let mut s = Script::new(1, 1);
        s.alarm_at(secs(130), 0, AlarmState::Alarm);
        run(a, false, &mut s);
        assert_eq!(s.finished, Some((secs(130), Outcome::Stopped)));
        assert_eq!(s.weights, vec![(secs(5), 10.0)]);
    }

    #[test]
    fn the_operator_rolls_back_a_detection_delay_after_the_fault_shows() {
        let mut s = Script::new(1, 1);
        s.fault_after = Some(secs(120));
        run(
            canary(Some(secs(1800)), operator(DelayDist::Fixed(secs(600)), 1.0)),
            true,
            &mut s,
        );
        // First traffic at 125 s, fault from 245 s, noticed 600 s later;
        // the operator's update-stage takes effect 5 s after.
        assert_eq!(s.detection, Some((secs(845), "operator".into())));
        assert_eq!(s.finished, Some((secs(850), Outcome::RolledBack)));
    }

    #[test]
    fn promotion_before_the_operator_notices_ships_the_fault() {
        let mut s = Script::new(1, 1);
        s.fault_after = Some(Micros::ZERO);
        run(
            canary(Some(secs(300)), operator(DelayDist::Fixed(secs(600)), 1.0)),
            false,
            &mut s,
        );
        assert_eq!(s.detection, None);
        assert_eq!(s.finished, Some((secs(305), Outcome::Completed)));
    }

    #[test]
    fn the_operator_never_rolls_back_a_healthy_canary() {
        let mut s = Script::new(1, 1);
        run(
            canary(None, operator(DelayDist::Fixed(secs(60)), 1.0)),
            false,
            &mut s,
        );
        assert_eq!(s.detection, None);
    }

    /// What traffic hits after each combination of the three promotion
    /// options, for both places the new version can come from.
    #[test]
    fn promoted_share_of_every_option_set() {
        let share = |deployment, stage_variables, canary_to_zero, via| {
            let mut a = canary(None, None);
            a.promotion = Promotion {
                deployment,
                stage_variables,
                canary_to_zero,
            };
            a.new_version_via = via;
            a.promoted_share()
        };
        use CanaryCarrier::{Deployment as D, StageVariables as V};
        for (dep, vars, zero, via, expected) in [
            (true, true, true, D, 100.0),
            (true, false, false, D, 100.0),
            (true, false, true, D, 100.0),
            (false, true, true, D, 0.0),
            (false, false, true, D, 0.0),
            (false, true, false, D, 10.0),
            (false, true, false, V, 100.0),
            (true, false, true, V, 0.0),
            (true, false, false, V, 10.0),
            (false, false, true, V, 0.0),
        ] {
            assert_eq!(
                share(dep, vars, zero, via),
                expected,
                "{dep} {vars} {zero} {via:?}"
            );
        }
    }

    /// "Set the canary to 0 %" alone puts all traffic back on the old
    /// deployment at review time: an operator rollback (one stage update).
    #[test]
    fn a_promotion_that_only_zeroes_the_canary_ends_on_the_old_deployment() {
        let mut a = canary(Some(secs(1800)), None);
        a.promotion = Promotion {
            deployment: false,
            stage_variables: false,
            canary_to_zero: true,
        };
        let mut s = Script::new(1, 1);
        run(a, false, &mut s);
        assert!(s.noted(secs(1800), "promoted"));
        assert_eq!(s.detection, Some((secs(1800), "operator".into())));
        assert_eq!(s.weights, vec![(secs(5), 10.0), (secs(1805), 0.0)]);
        assert_eq!(s.finished, Some((secs(1805), Outcome::RolledBack)));
    }

    #[test]
    fn operator_notice_probability_and_delay_distribution() {
        // Notices with probability 0.25; delay lognormal with mean 10 min
        // and sd 5 min, counted from the fault's first effect (the first
        // traffic, at 5 s).
        let op = operator(DelayDist::from_mean_sd(secs(600), secs(300)), 0.25);
        let reps = 4000;
        let mut delays = Vec::new();
        for seed in 0..reps {
            let mut s = Script::new(1, seed);
            s.fault_after = Some(Micros::ZERO);
            run(canary(None, op), false, &mut s);
            if let Some((t, _)) = s.detection {
                delays.push(to_secs(t) - 5.0);
            }
        }
        let p = delays.len() as f64 / reps as f64;
        assert!(
            (p - 0.25).abs() < 4.0 * (0.25f64 * 0.75 / reps as f64).sqrt(),
            "noticed {p}"
        );
        let n = delays.len() as f64;
        let mean = delays.iter().sum::<f64>() / n;
        let sd = (delays.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        assert!((mean - 600.0).abs() < 4.0 * 300.0 / n.sqrt(), "mean {mean}");
        assert!((sd - 300.0).abs() < 40.0, "sd {sd}");
    }

    fn load(keys: &str) -> Result<ApiGwSpec, String> {
        let text = format!(
            "horizon = \"3h\"\n[traffic]\nrate_per_s = 1\n[strategies.c]\nkind = \"apigw_canary\"\npercent_traffic = 10\n{keys}\n"
        );
        let value = crate::scenario::parse_document(&text, "t.toml").map_err(|e| e.to_string())?;
        let sc = crate::scenario::from_value(value, &text, "t.toml").map_err(|e| e.to_string())?;
        match &sc.strategies[0].kind {
            StrategyKind::ApiGwCanary(a) => Ok(a.clone()),
            other => Err(format!("{other:?}")),
        }
    }

    #[test]
    fn promotion_keys_and_their_defaults() {
        let a = load("review_time = \"30m\"").unwrap();
        assert_eq!(
            a.promotion,
            Promotion {
                deployment: true,
                stage_variables: true,
                canary_to_zero: true,
            }
        );
        assert_eq!(a.new_version_via, CanaryCarrier::Deployment);
        assert_eq!(a.propagation_delay, DelayDist::Fixed(secs(5)));
        assert_eq!(a.function.sns_delay, DelayDist::Fixed(secs(1)));
        assert_eq!(a.function.function_duration, DelayDist::Fixed(secs(3)));
        let a = load(
            "review_time = \"30m\"\npromotion = [\"stage_variables\"]\nnew_version_via = \"stage_variables\"\nstage_variable_overrides = { alias = \"v2\" }",
        )
        .unwrap();
        assert_eq!(a.promoted_share(), 100.0);
        assert_eq!(
            a.stage_variable_overrides,
            vec![("alias".into(), "v2".into())]
        );
        for (keys, expected) in [
            ("promotion = []", "at least one promotion option"),
            (
                "promotion = [\"deploy\"]",
                "unknown promotion option \"deploy\"",
            ),
            (
                "promotion = [\"deployment\", \"deployment\"]",
                "listed twice",
            ),
            (
                "review_time = \"30m\"\npromotion = [\"stage_variables\"]",
                "changes nothing traffic hits",
            ),
            (
                "new_version_via = \"stage_variables\"",
                "strategies.c.stage_variable_overrides",
            ),
            (
                "poll_interval = \"1m\"",
                "not allowed for strategy kind \"apigw_canary\"",
            ),
            (
                "rollback_latency = \"5s\"",
                "not allowed for strategy kind \"apigw_canary\"",
            ),
        ] {
            let err = load(keys).unwrap_err();
            assert!(err.contains(expected), "{keys}: {err}");
        }
    }
}
