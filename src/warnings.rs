//! Warnings that change a decision: facts of a valid scenario that make a
//! figure mean something other than a reader expects. `validate` and `run`
//! print them on stderr and `report.md` lists them.
//!
//! Inputs that make an alarm useless in every case (an alarm whose
//! evaluation range can never hold a visible datapoint, a constant-zero
//! denominator) are rejected by validation instead (exit 2).

use crate::model::{Fault, Scenario, StrategyKind, StrategySpec};
use crate::plan::fmt_duration;
use crate::sim::time::Micros;
use crate::strategy::nominal_duration;

/// The warnings of `sc`, one sentence each, in scenario order.
pub fn decision_warnings(sc: &Scenario) -> Vec<String> {
    let mut out = Vec::new();
    for s in &sc.strategies {
        watch_ends_before_fault(sc, s, &mut out);
    }
    unwatched_alarms(sc, &mut out);
    kayenta_few_samples(sc, &mut out);
    out
}

/// Kayenta's own warning, per judge: "One of the metrics returned fewer
/// than 50 data points, which can reduce confidence in the final canary
/// score" (`spinnaker/kayenta@a69573b:kayenta-standalone-canary-analysis/…/MonitorCanaryTask.java:175-186`)
/// — here when a judgement's window holds fewer than 50 steps.
fn kayenta_few_samples(sc: &Scenario, out: &mut Vec<String>) {
    for j in &sc.judges {
        if let crate::model::JudgeKind::Kayenta(k) = &j.kind {
            let n = k.min_samples();
            if n < KAYENTA_MIN_POINTS {
                out.push(format!(
                    "judge {}: a judgement reads as few as {n} samples per metric (one per step of {}); Kayenta warns that fewer than {KAYENTA_MIN_POINTS} data points can reduce confidence in the canary score",
                    j.name,
                    fmt_duration(k.step)
                ));
            }
        }
    }
}

/// Kayenta's data-point count below which it warns (`MonitorCanaryTask.java:182`).
pub const KAYENTA_MIN_POINTS: u64 = 50;

/// Until when (from deployment start, nominal delays) a strategy watches
/// its alarms; `None` when it watches until the horizon (a canary never
/// promoted, a Lattice split held in place).
pub fn watch_end(s: &StrategySpec) -> Option<Micros> {
    match &s.kind {
        StrategyKind::ApiGwCanary(a) if a.review_time.is_none() => None,
        StrategyKind::Lattice(l) if l.bake.is_none() => None,
        _ => Some(nominal_duration(s)),
    }
}

/// When the candidate first receives traffic (nominal): after the
/// pre-traffic hook, plus propagation for VPC Lattice and the API Gateway
/// stage update that creates the canary.
fn first_traffic(s: &StrategySpec) -> Micros {
    let hook = s
        .pre_traffic_hook
        .as_ref()
        .map_or(Micros::ZERO, |h| h.duration);
    match &s.kind {
        StrategyKind::Lattice(l) => hook.saturating_add(l.propagation_delay.nominal()),
        StrategyKind::ApiGwCanary(a) => hook.saturating_add(a.propagation_delay.nominal()),
        _ => hook,
    }
}

/// When a fault starts affecting requests, counted from first traffic.
fn fault_after(f: &Fault) -> Micros {
    match *f {
        Fault::StepError { after, .. }
        | Fault::RampError { after, .. }
        | Fault::Intermittent { after, .. }
        | Fault::LatencyShift { after, .. } => after,
        Fault::ColdStart { .. } => Micros::ZERO,
    }
}

/// CodeDeploy (and every kind that completes) stops reading alarms at
/// completion (README "No monitoring after completion"): a fault that starts
/// later, or that no alarm can see before then, ships to 100 %.
fn watch_ends_before_fault(sc: &Scenario, s: &StrategySpec, out: &mut Vec<String>) {
    let Some(end) = watch_end(s) else { return };
    let Some(after) = sc
        .functions
        .iter()
        .flat_map(|f| f.faults.iter().map(fault_after))
        .min()
    else {
        return;
    };
    let onset = first_traffic(s).saturating_add(after);
    if matches!(s.kind, StrategyKind::Argo(_) | StrategyKind::Flagger(_)) {
        if onset >= end {
            out.push(format!(
                "strategy `{}` ends its analysis at {} (promoted); the fault starts at {} ({} after \
                 first traffic) and will not be rolled back; longer steps keep the analysis running.",
                s.name,
                fmt_duration(end),
                fmt_duration(onset),
                fmt_duration(after)
            ));
        }
        return;
    }
    let hold_open = if s.post_traffic_hook.is_some() {
        "a longer post-traffic hook holds the watch open longer"
    } else {
        "a post-traffic hook holds the watch open"
    };
    if onset >= end {
        out.push(format!(
            "strategy `{}` stops watching alarms at {} (deployment complete); the fault starts \
             at {} ({} after first traffic) and will not be rolled back by an alarm; {hold_open}.",
            s.name,
            fmt_duration(end),
            fmt_duration(onset),
            fmt_duration(after)
        ));
        return;
    }
    // The earliest datapoint holding faulty requests closes at the end of
    // the base period containing the onset (a longer alarm period slides
    // and ends at the same boundaries) and is visible an ingestion delay
    // later; no alarm can breach earlier.
    if s.alarms.is_empty() {
        return;
    }
    let base = sc.metrics.period.max(Micros::from_micros(1));
    let earliest = base
        .saturating_mul(onset / base + 1)
        .saturating_add(sc.metrics.ingestion_delay);
    if earliest > end {
        out.push(format!(
            "strategy `{}` stops watching alarms at {} (deployment complete); the fault starts at \
             {} but its first datapoint is visible to an alarm only at {} (period end plus the \
             {} ingestion delay), so no alarm can roll it back; {hold_open}.",
            s.name,
            fmt_duration(end),
            fmt_duration(onset),
            fmt_duration(earliest),
            fmt_duration(sc.metrics.ingestion_delay)
        ));
    }
}

/// An alarm (or `[judges]` judge) that no strategy watches changes no
/// outcome.
fn unwatched_alarms(sc: &Scenario, out: &mut Vec<String>) {
    for i in 0..sc.judge_count() {
        if !sc.strategies.iter().any(|s| s.alarms.contains(&i)) {
            let what = if i < sc.alarms.len() {
                "alarm"
            } else {
                "judge"
            };
            out.push(format!(
                "{what} `{}` is watched by no strategy: it appears in timeline.csv but cannot \
                 roll anything back.",
                sc.judge_name(i)
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::document_from_text;
    use crate::scenario;

    fn load(strategy: &str, fault_after: &str) -> Scenario {
        let text = format!(
            "horizon = \"1h\"\n[traffic]\nrate_per_s = 10\n\
             [[faults]]\nkind = \"step_error\"\nerror_rate = 0.2\nafter = \"{fault_after}\"\n\
             [alarms.e]\nexpression = \"errors / invocations * 100\"\ncomparison = \">=\"\n\
             threshold = 5\n\
             [strategies.s]\n{strategy}\n"
        );
        let doc = document_from_text(text, "t.toml".into()).unwrap();
        scenario::from_value(doc.value, &doc.text, &doc.file).unwrap()
    }

    #[test]
    fn a_fault_after_completion_is_warned_about() {
        let sc = load("config = \"Canary10Percent5Minutes\"", "7m");
        let w = decision_warnings(&sc);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].starts_with("strategy `s` stops watching alarms at 5m (deployment complete); the fault starts at 7m"),
            "{}",
            w[0]
        );
        assert!(w[0].contains("a post-traffic hook holds the watch open"));
    }

    #[test]
    fn a_fault_too_late_to_be_seen_is_warned_about() {
        // Onset 4m30s: its period closes at 5m, visible at 6m > 5m.
        let sc = load("config = \"Canary10Percent5Minutes\"", "4m30s");
        let w = decision_warnings(&sc);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("visible to an alarm only at 6m"), "{}", w[0]);
    }

    #[test]
    fn an_early_fault_or_a_held_watch_is_fine() {
        assert!(decision_warnings(&load("config = \"Canary10Percent5Minutes\"", "1m")).is_empty());
        let held =
            "config = \"Canary10Percent5Minutes\"\npost_traffic_hook = { duration = \"10m\" }";
        assert!(decision_warnings(&load(held, "7m")).is_empty());
    }

    #[test]
    fn an_unwatched_alarm_is_warned_about() {
        let sc = load("config = \"Canary10Percent5Minutes\"\nalarms = []", "1m");
        let w = decision_warnings(&sc);
        assert!(
            w.iter()
                .any(|m| m.contains("alarm `e` is watched by no strategy")),
            "{w:?}"
        );
    }
}
