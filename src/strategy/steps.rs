//! Custom step plans: a list of (weight %, bake time) steps such as
//! 1 % → 5 % → 25 % → 50 % → 100 %, each held for its bake time, with
//! CodeDeploy's alarm polling and rollback; the last step's bake is a bake
//! after 100 % during which alarms still roll back.
//!
//! Also the kind's validation (`KIND`): `steps`, with strictly increasing
//! weights ending at 100 and a bake time on every step but the last, and
//! the poll guard.

use std::borrow::Cow;

use super::codedeploy::poll_plan;
use super::rollout::Plan;
use crate::model::{StepsSpec, StrategyKind, StrategySpec, WeightStep};
use crate::scenario::error::{Problem, VResult};
use crate::scenario::key_path::KeyPath;
use crate::scenario::raw::RawStrategy;
use crate::scenario::validate::checks::{positive_duration, required};
use crate::scenario::validate::hooks::MAX_PIPELINE_HOOK_DURATION;
use crate::scenario::validate::kind::{CommonKeys, Kind};
use crate::sim::time::Micros;

/// Step i at the sum of the earlier bakes; completion at the sum of all.
pub fn plan<'a>(s: &'a StepsSpec, spec: &'a StrategySpec, watched: Vec<usize>) -> Plan<'a> {
    Plan {
        label: Cow::Borrowed("steps"),
        steps: schedule(s),
        bake: Some(s.steps.last().map_or(Micros::ZERO, |st| st.bake)),
        ..poll_plan(&s.guard, spec, watched)
    }
}

/// (offset from t0, weight %) of every step.
pub fn schedule(s: &StepsSpec) -> Vec<(Micros, f64)> {
    let mut at = Micros::ZERO;
    s.steps
        .iter()
        .map(|st| {
            let step = (at, st.weight_pct);
            at = at.saturating_add(st.bake);
            step
        })
        .collect()
}

/// From t0 to completion: the sum of the bake times.
pub fn nominal_span(s: &StepsSpec) -> Micros {
    s.steps
        .iter()
        .fold(Micros::ZERO, |t, st| t.saturating_add(st.bake))
}

/// The `steps` kind: its keys, its hook limit, its checks.
pub(crate) const KIND: Kind = Kind {
    name: "steps",
    keys: &["rollback_latency", "poll_interval", "steps"],
    max_hook: MAX_PIPELINE_HOOK_DURATION,
    validate,
};

/// The poll guard first, then the plan.
fn validate(path: &KeyPath, raw: &RawStrategy, common: &mut CommonKeys) -> VResult<StrategyKind> {
    let guard = common.guard()?;
    let key = path.key("steps");
    let list = required(
        &key,
        raw.steps.as_ref(),
        "kind = \"steps\" needs a list such as [{ weight = 10, bake = \"5m\" }, { weight = 100 }]",
    )?;
    if list.is_empty() {
        return Err(Problem::new(
            &key,
            "needs at least one step; the last one has weight = 100",
        ));
    }
    let mut steps = Vec::with_capacity(list.len());
    let mut previous = 0.0;
    for (i, st) in list.iter().enumerate() {
        let p = key.index(i);
        let last = i + 1 == list.len();
        if st.set_weight.is_some() || st.pause.is_some() || st.analysis.is_some() {
            return Err(Problem::new(
                &p,
                "set_weight, pause and analysis are steps of kind = \"argo\"; a steps plan's step is { weight, bake }",
            ));
        }
        let weight = required(
            &p.key("weight"),
            st.weight,
            "every step has a weight (the candidate's share in percent)",
        )?;
        if !(weight > previous && weight <= 100.0) {
            return Err(Problem::new(
                &p.key("weight"),
                format!("must be in ({previous}, 100]: weights increase strictly from step to step; got {weight}"),
            ));
        }
        if last && weight != 100.0 {
            return Err(Problem::new(
                &p.key("weight"),
                format!("the last step must send all traffic to the candidate (weight = 100); got {weight}"),
            ));
        }
        let bake = match (st.bake, last) {
            (Some(d), true) => d.0,
            (None, true) => Micros::ZERO,
            (b, false) => positive_duration(
                &p.key("bake"),
                required(
                    &p.key("bake"),
                    b,
                    "every step but the last is held for a bake time",
                )?
                .0,
            )?,
        };
        previous = weight;
        steps.push(WeightStep {
            weight_pct: weight,
            bake,
        });
    }
    Ok(StrategyKind::Steps(StepsSpec { steps, guard }))
}

#[cfg(test)]
mod tests {
    use super::super::build;
    use super::super::script::{every_kind, Script};
    use super::*;
    use crate::alarm::AlarmState;
    use crate::model::{StrategyKind, TrafficShift};
    use crate::record::Outcome;
    use crate::sim::time::secs;
    use crate::testkit::scenario;

    fn steps_spec() -> StrategySpec {
        every_kind()
            .into_iter()
            .find(|s| matches!(s.kind, StrategyKind::Steps(_)))
            .expect("a steps spec")
    }

    fn run(script: &mut Script) {
        let mut sc = scenario(TrafficShift::AllAtOnce);
        sc.strategies = vec![steps_spec()];
        let mut strategy = build(&sc.strategies[0], &sc, 0);
        script.run(strategy.as_mut(), secs(7200));
    }

    #[test]
    fn weights_follow_the_plan_and_complete_after_the_final_bake() {
        let StrategyKind::Steps(plan) = &steps_spec().kind else {
            unreachable!()
        };
        let expected = vec![
            (Micros::ZERO, 1.0),
            (secs(300), 5.0),
            (secs(600), 25.0),
            (secs(1200), 50.0),
            (secs(1800), 100.0),
        ];
        assert_eq!(schedule(plan), expected);
        assert_eq!(nominal_span(plan), secs(2700));
        let mut s = Script::new(1, 1);
        run(&mut s);
        assert_eq!(s.weights, expected);
        assert_eq!(s.finished, Some((secs(2700), Outcome::Completed)));
    }

    #[test]
    fn an_alarm_in_the_bake_after_100_percent_still_rolls_back() {
        let mut s = Script::new(1, 1);
        s.alarm_at(secs(2000), 0, AlarmState::Alarm);
        run(&mut s);
        // Seen at the next poll (every minute from t = 0), back 5 s later.
        assert_eq!(s.detection, Some((secs(2040), "alarm0".into())));
        assert_eq!(s.finished, Some((secs(2045), Outcome::RolledBack)));
        assert_eq!(s.weights.last(), Some(&(secs(2045), 0.0)));
    }
}
