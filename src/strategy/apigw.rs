//! API Gateway REST API canary release (reference §3): the stage routes a
//! fixed `percentTraffic` to the canary deployment — no time-based shifting —
//! until an operator promotes it after a review time (or never). Problems
//! are found by polling alarms (typically on the `canary_stage` scope) and/or
//! by an operator who notices a faulty canary after a detection delay;
//! rollback removes the canary settings (one stage update). The stage cache
//! (a warm production cache, a cold canary cache) lives in the world (`world::cache`).
//!
//! Also the kind's validation (`KIND`): `percent_traffic`
//! (canarySettings.percentTraffic), `review_time` (a delay or `"never"`),
//! `operator`, `cache`, and the poll guard.

use std::borrow::Cow;

use super::codedeploy::poll_plan;
use super::rollout::Plan;
use crate::model::{ApiGwSpec, Operator, StageCache, StrategyKind, StrategySpec};
use crate::scenario::error::{Problem, VResult};
use crate::scenario::key_path::KeyPath;
use crate::scenario::raw::{RawDelay, RawStrategy};
use crate::scenario::validate::checks::{latency_ms, probability, required};
use crate::scenario::validate::delay::delay;
use crate::scenario::validate::hooks::MAX_PIPELINE_HOOK_DURATION;
use crate::scenario::validate::kind::{CommonKeys, Kind};
use crate::sim::time::{secs, Micros};

/// The rollout plan: `percent_traffic` at t0, promotion to 100 % after a
/// review time drawn at t0 (completion at promotion), never completing
/// without a review time.
pub fn plan<'a>(a: &'a ApiGwSpec, spec: &'a StrategySpec, watched: Vec<usize>) -> Plan<'a> {
    Plan {
        label: Cow::Borrowed("promoted"),
        steps: vec![(Micros::ZERO, a.percent_traffic)],
        promotion: a.review_time,
        operator: a.operator,
        ..poll_plan(&a.guard, spec, watched)
    }
}

/// From t0 to completion when nothing goes wrong: the nominal (median)
/// review time; 0 when the canary is never promoted.
pub fn nominal_span(a: &ApiGwSpec) -> Micros {
    a.review_time.map_or(Micros::ZERO, |r| r.nominal())
}

/// The `apigw_canary` kind: its keys, its hook limit, its checks.
pub(crate) const KIND: Kind = Kind {
    name: "apigw_canary",
    keys: &[
        "rollback_latency",
        "poll_interval",
        "percent_traffic",
        "review_time",
        "operator",
        "cache",
    ],
    max_hook: MAX_PIPELINE_HOOK_DURATION,
    validate,
};

/// Latency of an API Gateway stage-cache hit, ms.
pub const DEFAULT_CACHE_HIT_LATENCY_MS: f64 = 5.0;
/// Warm-up of the canary's cold stage cache.
pub const DEFAULT_CACHE_WARMUP: Micros = secs(600);

/// The poll guard first, then the canary's own keys.
fn validate(path: &KeyPath, raw: &RawStrategy, common: &mut CommonKeys) -> VResult<StrategyKind> {
    let guard = common.guard()?;
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
    let operator = match &raw.operator {
        None => None,
        Some(op) => {
            let p = path.key("operator");
            Some(Operator {
                detection_delay: delay(&p.key("detection_delay"), &op.detection_delay)?,
                notice_probability: probability(
                    &p.key("notice_probability"),
                    op.notice_probability.unwrap_or(1.0),
                )?,
            })
        }
    };
    let cache = match &raw.cache {
        None => None,
        Some(c) => {
            let p = path.key("cache");
            if !(0.0..1.0).contains(&c.hit_ratio) {
                return Err(Problem::new(
                    &p.key("hit_ratio"),
                    format!("must be in [0, 1); got {}", c.hit_ratio),
                ));
            }
            Some(StageCache {
                hit_ratio: c.hit_ratio,
                hit_latency_ms: latency_ms(
                    &p.key("hit_latency_ms"),
                    c.hit_latency_ms.unwrap_or(DEFAULT_CACHE_HIT_LATENCY_MS),
                )?,
                warmup: c.warmup.map_or(DEFAULT_CACHE_WARMUP, |d| d.0),
            })
        }
    };
    Ok(StrategyKind::ApiGwCanary(ApiGwSpec {
        percent_traffic,
        review_time,
        guard,
        operator,
        cache,
    }))
}

#[cfg(test)]
mod tests {
    use super::super::build;
    use super::super::script::{guard, spec, Script};
    use super::*;
    use crate::alarm::AlarmState;
    use crate::model::{DelayDist, Hook, Operator, StrategyKind, TrafficShift};
    use crate::record::Outcome;
    use crate::sim::time::{secs, to_secs, Micros};
    use crate::testkit::scenario;

    fn canary(review: Option<Micros>, operator: Option<Operator>) -> ApiGwSpec {
        ApiGwSpec {
            percent_traffic: 10.0,
            review_time: review.map(DelayDist::Fixed),
            guard: guard(),
            operator,
            cache: None,
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
        assert_eq!(s.weights, vec![(secs(120), 10.0), (secs(1920), 100.0)]);
        assert!(s.noted(secs(1920), "promoted"));
        assert_eq!(s.finished, Some((secs(1920), Outcome::Completed)));
    }

    #[test]
    fn a_canary_never_promoted_runs_until_the_horizon() {
        let mut s = Script::new(1, 1);
        run(canary(None, None), false, &mut s);
        assert_eq!(s.weights, vec![(Micros::ZERO, 10.0)]);
        assert_eq!(s.finished, None);
        assert_eq!(nominal_span(&canary(None, None)), Micros::ZERO);
    }

    #[test]
    fn the_canary_stage_alarm_is_polled() {
        let mut s = Script::new(1, 1);
        s.alarm_at(secs(130), 0, AlarmState::Alarm);
        run(canary(Some(secs(1800)), None), false, &mut s);
        assert_eq!(s.detection, Some((secs(180), "alarm0".into())));
        assert_eq!(s.weights, vec![(Micros::ZERO, 10.0), (secs(185), 0.0)]);
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
        // First traffic at 120 s, fault from 240 s, noticed 600 s later.
        assert_eq!(s.detection, Some((secs(840), "operator".into())));
        assert_eq!(s.finished, Some((secs(845), Outcome::RolledBack)));
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
        assert_eq!(s.finished, Some((secs(300), Outcome::Completed)));
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

    #[test]
    fn operator_notice_probability_and_delay_distribution() {
        // Notices with probability 0.25; delay lognormal with mean 10 min
        // and sd 5 min.
        let op = operator(DelayDist::from_mean_sd(secs(600), secs(300)), 0.25);
        let reps = 4000;
        let mut delays = Vec::new();
        for seed in 0..reps {
            let mut s = Script::new(1, seed);
            s.fault_after = Some(Micros::ZERO);
            run(canary(None, op), false, &mut s);
            if let Some((t, _)) = s.detection {
                delays.push(to_secs(t));
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
}
