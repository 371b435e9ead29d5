//! VPC Lattice weighted target groups (reference §4) with a rollback
//! function (§5): listener weights `[stable, candidate]` (integers 0–999,
//! candidate share w_c/(w_s + w_c)), optional scheduled changes, and every
//! weight change — the rollback included — taking effect after a
//! propagation delay (about 90 s, from the ECS blue/green guide), in the
//! order issued. Nothing polls: an alarm's *transition* into ALARM fires
//! its action, so the rollback chain is alarm → SNS delivery → rollback
//! function run → listener update propagation (`super::alarm_action`,
//! shared with API Gateway). A failed hook invokes the rollback function
//! directly (no SNS).
//!
//! Also the kind's validation (`KIND`): `weights` and `schedule`
//! (target-group weights 0–999, §4), `bake`, and the three delays of the
//! rollback path with their defaults (propagation about 90 s, §4; SNS and
//! function run time, on which AWS is silent, §5). Lattice does not poll:
//! it takes neither `rollback_latency` nor `poll_interval`.

use std::borrow::Cow;

use super::alarm_action::{alarm_chain, delay_or, function_chain, rollback_function};
use super::rollout::{Plan, Stage, Watch};
use crate::model::{lattice_share_pct, LatticeChange, LatticeSpec, StrategyKind, StrategySpec};
use crate::scenario::duration::format_duration;
use crate::scenario::error::{Problem, VResult};
use crate::scenario::key_path::KeyPath;
use crate::scenario::raw::RawStrategy;
use crate::scenario::validate::hooks::MAX_PIPELINE_HOOK_DURATION;
use crate::scenario::validate::kind::{CommonKeys, Kind};
use crate::sim::time::{secs, Micros};

/// The rollout plan: the initial weights at t0, then the schedule; alarms
/// act through the alarm-action path (`super::alarm_action`).
pub fn plan<'a>(l: &'a LatticeSpec, spec: &'a StrategySpec, watched: Vec<usize>) -> Plan<'a> {
    Plan {
        label: Cow::Borrowed("lattice"),
        pre_hook: spec.pre_traffic_hook.as_ref(),
        post_hook: spec.post_traffic_hook.as_ref(),
        steps: schedule(l),
        promotion: None,
        bake: l.bake,
        watched,
        watch: Watch::Transition,
        rollback: l.rollback,
        alarm_chain: alarm_chain(&l.function, l.propagation_delay),
        direct_chain: direct_chain(l),
        propagation: Some(l.propagation_delay),
        operator: None,
    }
}

/// Rollback without the alarm action (a failed hook, a stack rollback):
/// the rollback function invoked directly, then the propagation of its
/// listener update.
pub fn direct_chain(l: &LatticeSpec) -> Vec<Stage> {
    function_chain(&l.function, l.propagation_delay)
}

/// (offset from t0 at which the listener update is issued, candidate %).
pub fn schedule(l: &LatticeSpec) -> Vec<(Micros, f64)> {
    std::iter::once((Micros::ZERO, lattice_share_pct(l.weights)))
        .chain(
            l.schedule
                .iter()
                .map(|c| (c.after, lattice_share_pct(c.weights))),
        )
        .collect()
}

/// From t0 to completion when nothing goes wrong (nominal delays): the last
/// change, its propagation and the bake; 0 when the deployment never
/// completes.
pub fn nominal_span(l: &LatticeSpec) -> Micros {
    let Some(bake) = l.bake else {
        return Micros::ZERO;
    };
    let last = l.schedule.last().map_or(Micros::ZERO, |c| c.after);
    last.saturating_add(l.propagation_delay.nominal())
        .saturating_add(bake)
}

/// The `lattice` kind: its keys, its hook limit, its checks.
pub(crate) const KIND: Kind = Kind {
    name: "lattice",
    keys: &[
        "weights",
        "schedule",
        "bake",
        "propagation_delay",
        "sns_delay",
        "function_duration",
    ],
    max_hook: MAX_PIPELINE_HOOK_DURATION,
    validate,
};

/// VPC Lattice weight-change propagation (reference §4: about 90 s).
pub const DEFAULT_PROPAGATION_DELAY: Micros = secs(90);
/// Largest VPC Lattice target-group weight.
pub const MAX_LATTICE_WEIGHT: i64 = 999;
/// Initial Lattice weights `[stable, candidate]`.
pub const DEFAULT_LATTICE_WEIGHTS: [u32; 2] = [90, 10];

/// The alarms first, then the weights, the schedule and the delays.
fn validate(path: &KeyPath, raw: &RawStrategy, common: &mut CommonKeys) -> VResult<StrategyKind> {
    common.check_alarms()?;
    let weights = match &raw.weights {
        None => DEFAULT_LATTICE_WEIGHTS,
        Some(w) => weights_pair(&path.key("weights"), w)?,
    };
    let mut schedule = Vec::new();
    for (i, change) in raw.schedule.iter().flatten().enumerate() {
        let p = path.key("schedule").index(i);
        let previous = schedule
            .last()
            .map_or(Micros::ZERO, |c: &LatticeChange| c.after);
        if change.after.0 <= previous {
            return Err(Problem::new(
                &p.key("after"),
                format!(
                    "must be later than {} (changes are strictly increasing in time and after the initial weights)",
                    format_duration(previous)
                ),
            ));
        }
        schedule.push(LatticeChange {
            after: change.after.0,
            weights: weights_pair(&p.key("weights"), &change.weights)?,
        });
    }
    let last = schedule.last().map_or(weights, |c| c.weights);
    let bake = match raw.bake {
        Some(d) => Some(d.0),
        None if last[0] == 0 => Some(Micros::ZERO),
        None => None,
    };
    let propagation_delay = delay_or(
        path,
        "propagation_delay",
        &raw.propagation_delay,
        DEFAULT_PROPAGATION_DELAY,
    )?;
    Ok(StrategyKind::Lattice(LatticeSpec {
        weights,
        schedule,
        bake,
        propagation_delay,
        function: rollback_function(path, raw)?,
        rollback: raw.rollback.unwrap_or(true),
    }))
}

/// `[stable, candidate]` Lattice weights: integers 0–999 with a positive sum.
fn weights_pair(path: &KeyPath, raw: &[i64]) -> VResult<[u32; 2]> {
    let [stable, candidate] = raw[..] else {
        return Err(Problem::new(
            path,
            format!(
                "must be two weights [stable, candidate]; got {} values",
                raw.len()
            ),
        ));
    };
    for (i, w) in [stable, candidate].into_iter().enumerate() {
        if !(0..=MAX_LATTICE_WEIGHT).contains(&w) {
            return Err(Problem::new(
                &path.index(i),
                format!("a VPC Lattice target-group weight is an integer from 0 to {MAX_LATTICE_WEIGHT}; got {w}"),
            ));
        }
    }
    if stable + candidate == 0 {
        return Err(Problem::new(
            path,
            "the weights must not both be 0 (traffic needs a target group)",
        ));
    }
    Ok([stable as u32, candidate as u32])
}

#[cfg(test)]
mod tests {
    use super::super::build;
    use super::super::script::{lattice, spec, Script};
    use crate::alarm::AlarmState;
    use crate::model::{lattice_share_pct, LatticeSpec, StrategyKind, TrafficShift};
    use crate::record::Outcome;
    use crate::sim::time::{secs, Micros};
    use crate::testkit::scenario;

    fn run(l: LatticeSpec, script: &mut Script, until: Micros) {
        let mut sc = scenario(TrafficShift::AllAtOnce);
        sc.strategies = vec![spec(StrategyKind::Lattice(l))];
        let mut strategy = build(&sc.strategies[0], &sc, 0);
        script.run(strategy.as_mut(), until);
    }

    #[test]
    fn shares_are_candidate_over_sum() {
        assert_eq!(lattice_share_pct([90, 10]), 10.0);
        assert_eq!(lattice_share_pct([0, 999]), 100.0);
        assert_eq!(lattice_share_pct([999, 0]), 0.0);
        assert!((lattice_share_pct([1, 2]) - 200.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn every_weight_change_takes_effect_after_the_propagation_delay() {
        let mut s = Script::new(1, 1);
        run(lattice(), &mut s, secs(7200));
        assert_eq!(
            s.weights,
            vec![(secs(90), 10.0), (secs(690), 50.0), (secs(1290), 100.0)]
        );
        assert!(s.noted(Micros::ZERO, "weight_update_issued"));
        assert!(s.noted(secs(1200), "weight_update_issued"));
        // The last weights send everything to the candidate: completion when
        // they took effect (bake 0).
        assert_eq!(s.finished, Some((secs(1290), Outcome::Completed)));
    }

    #[test]
    fn alarm_sns_function_and_propagation_chain_is_exact_with_fixed_latencies() {
        let mut s = Script::new(1, 1);
        s.alarm_at(secs(300), 0, AlarmState::Alarm);
        run(lattice(), &mut s, secs(7200));
        // Detected at the transition itself: no poll.
        assert_eq!(s.detection, Some((secs(300), "alarm0".into())));
        assert!(s.noted(secs(302), "sns_delivered"));
        assert!(s.noted(secs(305), "rollback_function_done"));
        // 300 s + SNS 2 s + function 3 s + propagation 90 s.
        assert_eq!(s.rollback_done, Some(secs(395)));
        assert_eq!(s.weights, vec![(secs(90), 10.0), (secs(395), 0.0)]);
        assert_eq!(s.finished, Some((secs(395), Outcome::RolledBack)));
    }

    #[test]
    fn only_a_transition_into_alarm_of_a_watched_alarm_acts() {
        let mut s = Script::new(2, 1);
        s.alarm_at(secs(120), 0, AlarmState::Ok)
            .alarm_at(secs(180), 1, AlarmState::Alarm)
            .alarm_at(secs(240), 0, AlarmState::InsufficientData)
            .alarm_at(secs(900), 0, AlarmState::Alarm)
            .alarm_at(secs(960), 0, AlarmState::Ok)
            .alarm_at(secs(1020), 0, AlarmState::Alarm);
        run(lattice(), &mut s, secs(7200));
        assert_eq!(s.detection, Some((secs(900), "alarm0".into())));
        assert_eq!(s.rollback_done, Some(secs(995)));
        // The second transition finds the rollback under way: one rollback.
        assert_eq!(
            s.notes
                .iter()
                .filter(|(_, e)| e == "rollback_start")
                .count(),
            1
        );
    }

    #[test]
    fn a_split_left_in_place_never_completes_and_stays_armed() {
        let mut l = lattice();
        l.schedule.clear();
        l.bake = None;
        let mut s = Script::new(1, 1);
        s.alarm_at(secs(3 * 3600), 0, AlarmState::Alarm);
        run(l, &mut s, secs(4 * 3600));
        assert_eq!(s.weights[0], (secs(90), 10.0));
        assert_eq!(s.rollback_done, Some(secs(3 * 3600 + 95)));
    }

    /// ∫ candidate share dt over [0, until), in %·s, of a weight timeline
    /// (the candidate's exposure; 0 % before the first change).
    fn exposure_pct_s(weights: &[(Micros, f64)], until: Micros) -> f64 {
        let mut total = 0.0;
        for (i, &(t, pct)) in weights.iter().enumerate() {
            let end = weights.get(i + 1).map_or(until, |w| w.0).min(until);
            total += pct * (end.as_f64() - t.as_f64()) / 1e6;
        }
        total
    }

    /// Regression (issue 11, 9a): the 50/50 update issued at 600 s is in
    /// flight (propagation 90 s) when an alarm fires at 620 s. It lands at
    /// 690 s; the rollback (620 + SNS 2 + function 3 + propagation 90 =
    /// 715 s) comes after it. The candidate's exposure to 715 s is
    /// 10 % × (690 − 90) s + 50 % × (715 − 690) s = 6000 + 1250 = 7250 %·s;
    /// dropping the in-flight change under-counted it as 10 % × 625 s =
    /// 6250 %·s.
    #[test]
    fn a_change_in_flight_when_a_rollback_starts_still_lands_first() {
        let mut s = Script::new(1, 1);
        s.alarm_at(secs(620), 0, AlarmState::Alarm);
        run(lattice(), &mut s, secs(7200));
        assert_eq!(s.detection, Some((secs(620), "alarm0".into())));
        assert_eq!(
            s.weights,
            vec![(secs(90), 10.0), (secs(690), 50.0), (secs(715), 0.0)]
        );
        assert_eq!(s.finished, Some((secs(715), Outcome::RolledBack)));
        assert_eq!(exposure_pct_s(&s.weights, secs(715)), 7250.0);
    }

    /// A rollback never overtakes an earlier change: each propagation is
    /// drawn from uniform 1 s–600 s (the initial weights land by 600 s), so
    /// the rollback's own update (issued
    /// at 601 + 2 + 3 = 606 s) often draws a shorter propagation than what
    /// is left of the 50/50 change issued at 600 s. It must still land
    /// after that change, so the last word is always 0 %.
    #[test]
    fn a_rollback_never_overtakes_an_earlier_change() {
        let mut l = lattice();
        l.propagation_delay = crate::model::DelayDist::Uniform {
            min: secs(1),
            max: secs(600),
        };
        let mut clamped = 0;
        for seed in 0..200 {
            let mut s = Script::new(1, seed);
            s.alarm_at(secs(601), 0, AlarmState::Alarm);
            run(l.clone(), &mut s, secs(7200));
            let shares: Vec<f64> = s.weights.iter().map(|w| w.1).collect();
            assert_eq!(shares, vec![10.0, 50.0, 0.0], "seed {seed}");
            assert!(
                s.weights.windows(2).all(|w| w[0].0 <= w[1].0),
                "seed {seed}: {:?}",
                s.weights
            );
            assert_eq!(s.rollback_done, Some(s.weights[2].0), "seed {seed}");
            if s.weights[2].0 == s.weights[1].0 {
                clamped += 1;
            }
        }
        // The case the rule exists for happens: about half the draws.
        assert!(
            clamped > 20,
            "only {clamped} rollbacks waited for the change"
        );
    }

    #[test]
    fn random_propagation_keeps_changes_in_issue_order() {
        let mut l = lattice();
        l.propagation_delay = crate::model::DelayDist::Uniform {
            min: secs(10),
            max: secs(900),
        };
        for seed in 0..50 {
            let mut s = Script::new(1, seed);
            run(l.clone(), &mut s, secs(7200));
            let shares: Vec<f64> = s.weights.iter().map(|w| w.1).collect();
            assert_eq!(shares, vec![10.0, 50.0, 100.0], "seed {seed}");
            assert!(s.weights.windows(2).all(|w| w[0].0 <= w[1].0));
        }
    }
}
