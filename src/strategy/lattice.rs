//! VPC Lattice weighted target groups (reference §4) with a rollback
//! function (§5): listener weights `[stable, candidate]` (integers 0–999,
//! candidate share w_c/(w_s + w_c)), optional scheduled changes, and every
//! weight change — the rollback included — taking effect after a
//! propagation delay (about 90 s, from the ECS blue/green guide). Nothing
//! polls: an alarm's *transition* into ALARM fires its action, so the
//! rollback chain is alarm → SNS delivery → rollback function run →
//! listener update propagation. A failed hook invokes the rollback function
//! directly (no SNS).

use std::borrow::Cow;

use super::rollout::{Plan, Stage, Watch};
use crate::model::{lattice_share_pct, LatticeSpec, StrategySpec};
use crate::record::EventKind;
use crate::time::Micros;

/// The rollout plan: the initial weights at t0, then the schedule.
pub fn plan<'a>(l: &'a LatticeSpec, spec: &'a StrategySpec, watched: Vec<usize>) -> Plan<'a> {
    let direct = direct_chain(l);
    let mut alarm_chain = vec![Stage {
        label: EventKind::SnsDelivered,
        delay: l.sns_delay,
    }];
    alarm_chain.extend_from_slice(&direct);
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
        alarm_chain,
        direct_chain: direct,
        propagation: Some(l.propagation_delay),
        operator: None,
    }
}

/// Rollback without the alarm action: the rollback function's run, then
/// the propagation of its listener update.
pub fn direct_chain(l: &LatticeSpec) -> Vec<Stage> {
    vec![
        Stage {
            label: EventKind::RollbackFunctionDone,
            delay: l.function_duration,
        },
        Stage {
            label: EventKind::WeightsPropagated,
            delay: l.propagation_delay,
        },
    ]
}

/// (offset from t0 at which the listener update is issued, candidate %).
pub fn schedule(l: &LatticeSpec) -> Vec<(Micros, f64)> {
    std::iter::once((0, lattice_share_pct(l.weights)))
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
    let Some(bake) = l.bake else { return 0 };
    let last = l.schedule.last().map_or(0, |c| c.after);
    last.saturating_add(l.propagation_delay.nominal())
        .saturating_add(bake)
}

#[cfg(test)]
mod tests {
    use super::super::build;
    use super::super::script::{lattice, spec, Script};
    use crate::alarm::AlarmState;
    use crate::model::{lattice_share_pct, LatticeSpec, StrategyKind, TrafficShift};
    use crate::record::Outcome;
    use crate::testkit::scenario;
    use crate::time::{secs, Micros};

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
        assert!(s.noted(0, "weight_update_issued"));
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
