//! Flagger's analysis rules, pure (no world types): a metric check from a
//! query value, the cumulative failed-check counter, the rollback rule,
//! and the control loop that advances the canary weight (or the
//! iterations) one analysis interval at a time.
//!
//! Source: `fluxcd/flagger@15bd6ad555e6c935da55f0ab95977be74c149bd6`
//! (peers.md §3), cited per rule. The `canarysim judge flagger` subcommand
//! replays the counter on a hand-written series; the `flagger` strategy
//! kind (`crate::strategy::flagger`) runs [`Loop`] on simulated Prometheus
//! queries.

use std::fmt::Write as _;

/// One metric check's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    Pass,
    /// The value is outside `thresholdRange`.
    Fail,
    /// The query returned nothing or NaN.
    NoData,
}

impl Check {
    pub fn name(self) -> &'static str {
        match self {
            Check::Pass => "pass",
            Check::Fail => "fail",
            Check::NoData => "nodata",
        }
    }

    /// Only a pass lets the analysis advance; no data is a failed check:
    /// the Prometheus provider returns `ErrNoValuesFound` for an empty or
    /// NaN result (`flagger@15bd6ad:pkg/metrics/providers/prometheus.go:170-171`)
    /// and the scheduler logs "Halt advancement no values found …" and
    /// fails the check (`pkg/controller/scheduler_metrics.go:153-163`).
    pub fn passed(self) -> bool {
        self == Check::Pass
    }

    pub fn parse(item: &str) -> Option<Check> {
        match item.trim() {
            "pass" | "p" => Some(Check::Pass),
            "fail" | "f" => Some(Check::Fail),
            "nodata" | "n" | "-" => Some(Check::NoData),
            _ => None,
        }
    }
}

/// A check of `value` (`None` or NaN: no data) against `thresholdRange`
/// `{min, max}`: it fails when `val < min` or `val > max`, so both bounds
/// are inclusive (`flagger@15bd6ad:pkg/controller/scheduler_metrics.go:165-176`).
pub fn check(value: Option<f64>, min: Option<f64>, max: Option<f64>) -> Check {
    match value {
        None => Check::NoData,
        Some(v) if v.is_nan() => Check::NoData,
        Some(v) if min.is_some_and(|m| v < m) || max.is_some_and(|m| v > m) => Check::Fail,
        Some(_) => Check::Pass,
    }
}

/// `GetAnalysisThreshold`: the configured threshold, or 1 when it is unset
/// or ≤ 0 (`flagger@15bd6ad:pkg/apis/flagger/v1beta1/canary.go:654-660`).
pub fn threshold_or_default(threshold: i64) -> u32 {
    if threshold > 0 {
        u32::try_from(threshold).unwrap_or(u32::MAX)
    } else {
        1
    }
}

/// Default analysis interval, 60 s (`canary.go:33`), and its floor, 10 s
/// (`GetAnalysisInterval`, `canary.go:637-652`).
pub const DEFAULT_INTERVAL_SECS: u64 = 60;
pub const MIN_INTERVAL_SECS: u64 = 10;
/// A metric's default query window, `1m` (`MetricInterval`, `canary.go:36`).
pub const DEFAULT_METRIC_WINDOW_SECS: u64 = 60;

/// The rollback rule: `FailedChecks >= threshold`
/// (`flagger@15bd6ad:pkg/controller/scheduler.go:429-439`).
pub fn rolls_back(failed_checks: u32, threshold: u32) -> bool {
    failed_checks >= threshold
}

/// How the canary gets its traffic.
#[derive(Debug, Clone, PartialEq)]
pub enum Progression {
    /// `stepWeight` up to `maxWeight` (default 100): weight += step while
    /// below max, promotion once at or above it (`scheduler.go:565-637`).
    Linear { step: u32, max: u32 },
    /// `stepWeights`: the listed weights in turn (`nextStepWeight`,
    /// `scheduler.go:58-88`); max = the last one (capped at 100,
    /// `maxWeight`, `scheduler.go:41-51`).
    Listed(Vec<u32>),
    /// `iterations` (A/B testing with `match`, blue/green without,
    /// `canary.go:699-707`): a fixed split (`weight` %) for `n` passing
    /// checks, then promotion (`runAB` / `runBlueGreen`,
    /// `scheduler.go:639-720`).
    Iterations { n: u32, weight: u32 },
}

impl Progression {
    /// `maxWeight`.
    pub fn max_weight(&self) -> u32 {
        match self {
            Progression::Linear { max, .. } => (*max).min(100),
            Progression::Listed(w) => w.last().copied().unwrap_or(100).min(100),
            Progression::Iterations { weight, .. } => *weight,
        }
    }

    /// `nextStepWeight(canaryWeight)` (`scheduler.go:58-88`).
    pub fn next_step(&self, weight: u32) -> u32 {
        match self {
            Progression::Linear { step, .. } => *step,
            Progression::Listed(ws) => {
                let max_step = 100 - weight.min(100);
                if max_step == 0 {
                    return 1;
                }
                if weight == 0 {
                    return max_step.min(ws[0]);
                }
                for i in 0..ws.len().saturating_sub(1) {
                    if ws[i] == weight {
                        return max_step.min(ws[i + 1].saturating_sub(weight));
                    }
                }
                max_step
            }
            Progression::Iterations { .. } => 0,
        }
    }
}

/// What one analysis tick does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Failed checks reached the threshold: route all traffic to the
    /// primary (`rollback`, `scheduler.go:948-`).
    Rollback,
    /// Set the canary weight (%) — the first tick, or a passing check.
    Weight(u32),
    /// A passing iteration (A/B, blue/green): iteration `n` started.
    Iteration(u32),
    /// A failed check: counted, the weight stays (`scheduler.go:461-466`).
    FailedCheck(u32),
    /// Passed, but the `confirm-promotion` gate is closed: the checks go on
    /// (`runConfirmPromotionHooks`, `scheduler.go:619-621`).
    WaitingPromotion,
    /// Passed at the maximum weight (or the last iteration): promote.
    Promote,
}

/// Flagger's analysis loop for one canary (`advanceCanary`,
/// `scheduler.go:429-505`), one call per analysis interval:
/// 1. with failed checks ≥ threshold it rolls back — checked *before* the
///    tick's own metric checks, so the rollback comes one interval after the
///    failing check that reached the threshold;
/// 2. the first tick (weight 0, no iteration yet) runs no metric check and
///    routes the first step;
/// 3. otherwise a failed check increments the cumulative counter (never
///    reset by a success; only a new revision resets it,
///    `scheduler.go:342-345`) and the weight does not advance;
/// 4. a passing check advances the weight, or the iteration, or promotes.
#[derive(Debug, Clone, PartialEq)]
pub struct Loop {
    pub progression: Progression,
    pub threshold: u32,
    pub failed_checks: u32,
    pub weight: u32,
    pub iterations: u32,
}

impl Loop {
    pub fn new(progression: Progression, threshold: u32) -> Self {
        Loop {
            progression,
            threshold,
            failed_checks: 0,
            weight: 0,
            iterations: 0,
        }
    }

    /// Whether the next tick runs the metric checks (step 2 above).
    pub fn checks_next(&self) -> bool {
        !(self.weight == 0 && self.iterations == 0)
    }

    /// One tick: `check` is the tick's metric checks (all must pass), run
    /// only when [`Loop::checks_next`]; `confirmed` whether the
    /// confirm-promotion gate is open.
    pub fn tick(&mut self, check: impl FnOnce() -> bool, confirmed: bool) -> Action {
        if self.checks_next() && rolls_back(self.failed_checks, self.threshold) {
            return Action::Rollback;
        }
        if self.checks_next() && !check() {
            self.failed_checks += 1;
            return Action::FailedCheck(self.failed_checks);
        }
        match self.progression.clone() {
            Progression::Iterations { n, weight } => {
                if self.iterations < n {
                    self.iterations += 1;
                    if self.iterations == 1 {
                        self.weight = weight;
                        return Action::Weight(weight);
                    }
                    return Action::Iteration(self.iterations);
                }
                if !confirmed {
                    return Action::WaitingPromotion;
                }
                Action::Promote
            }
            p => {
                let max = p.max_weight();
                if self.weight < max {
                    self.weight = (self.weight + p.next_step(self.weight)).min(100);
                    return Action::Weight(self.weight);
                }
                if !confirmed {
                    return Action::WaitingPromotion;
                }
                Action::Promote
            }
        }
    }

    /// Ticks from the first to promotion when every check passes (the
    /// documented minimum promotion time is this many intervals).
    pub fn ticks_to_promotion(&self) -> u32 {
        let mut l = Loop::new(self.progression.clone(), self.threshold);
        for k in 0..10_000 {
            if l.tick(|| true, true) == Action::Promote {
                return k;
            }
        }
        10_000
    }
}

/// The report of `canarysim judge flagger`: the failed-check count and the
/// phase after each check. `Failed` once the count reaches the threshold
/// (Flagger rolls back at its next tick and checks no more; the rest of the
/// series is listed as not run).
pub fn replay_report(threshold: u32, series: &[Check]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "flagger: threshold {threshold} (rollback when failed checks >= threshold; cumulative, no data = failed check)"
    );
    let width = format!("check={}", series.len()).len();
    let mut failed = 0u32;
    let mut phase = "Progressing";
    for (i, c) in series.iter().enumerate() {
        let label = format!("check={}", i + 1);
        if phase == "Failed" {
            let _ = writeln!(
                out,
                "{label:<width$}  result={:<6}  not run (rolled back)",
                c.name()
            );
            continue;
        }
        if !c.passed() {
            failed += 1;
        }
        if rolls_back(failed, threshold) {
            phase = "Failed";
        }
        let _ = writeln!(
            out,
            "{label:<width$}  result={:<6}  failed checks {failed} of {threshold}  phase={phase}",
            c.name()
        );
    }
    let _ = writeln!(out, "final phase: {phase}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_range_bounds_are_inclusive_and_nan_is_no_data() {
        // scheduler_metrics.go:165-176: fail only when val < min or val > max.
        assert_eq!(check(Some(99.0), Some(99.0), None), Check::Pass);
        assert_eq!(check(Some(98.999), Some(99.0), None), Check::Fail);
        assert_eq!(check(Some(500.0), None, Some(500.0)), Check::Pass);
        assert_eq!(check(Some(500.001), None, Some(500.0)), Check::Fail);
        // TestController_runMetricChecks "builtinMetric": range [0, 100].
        assert_eq!(check(Some(100.0), Some(0.0), Some(100.0)), Check::Pass);
        assert_eq!(check(Some(0.0), Some(0.0), Some(100.0)), Check::Pass);
        // prometheus.go:170: NaN or empty → ErrNoValuesFound → failed check.
        assert_eq!(check(Some(f64::NAN), Some(0.0), None), Check::NoData);
        assert_eq!(check(None, Some(0.0), None), Check::NoData);
        assert!(!Check::NoData.passed());
    }

    #[test]
    fn the_threshold_defaults_to_one() {
        // canary.go:654-660.
        assert_eq!(threshold_or_default(0), 1);
        assert_eq!(threshold_or_default(-3), 1);
        assert_eq!(threshold_or_default(5), 5);
        assert!(rolls_back(1, 1));
        assert!(!rolls_back(1, 2));
        assert!(rolls_back(2, 2));
    }

    #[test]
    fn failed_checks_accumulate_and_a_success_does_not_reset_them() {
        let mut l = Loop::new(Progression::Linear { step: 10, max: 50 }, 2);
        assert_eq!(
            l.tick(|| unreachable!("no check at the first tick"), true),
            Action::Weight(10)
        );
        assert_eq!(l.tick(|| false, true), Action::FailedCheck(1));
        assert_eq!(l.weight, 10, "a failed check does not advance");
        assert_eq!(l.tick(|| true, true), Action::Weight(20));
        assert_eq!(l.failed_checks, 1, "cumulative, not consecutive");
        assert_eq!(l.tick(|| false, true), Action::FailedCheck(2));
        // The rollback is decided at the next tick, before its checks run.
        assert_eq!(l.tick(|| unreachable!(), true), Action::Rollback);
    }

    #[test]
    fn upstream_test_scheduler_deployment_rollback() {
        // scheduler_deployment_test.go TestScheduler_DeploymentRollback:
        // failed checks already at 10 (≥ threshold) → the next advance
        // rolls back whatever the checks would say.
        let mut l = Loop::new(Progression::Linear { step: 10, max: 50 }, 10);
        l.weight = 10;
        l.failed_checks = 10;
        assert_eq!(l.tick(|| true, true), Action::Rollback);
    }

    #[test]
    fn linear_and_listed_weights_and_promotion() {
        // deployment-strategies.md: maxWeight 50, stepWeight 20 → 20, 40, 60, promote.
        let mut l = Loop::new(Progression::Linear { step: 20, max: 50 }, 1);
        let acts: Vec<Action> = (0..4).map(|_| l.tick(|| true, true)).collect();
        assert_eq!(
            acts,
            [
                Action::Weight(20),
                Action::Weight(40),
                Action::Weight(60),
                Action::Promote
            ]
        );
        assert_eq!(l.ticks_to_promotion(), 3);
        // stepWeights [1, 2, 10, 80] (same doc).
        let mut l = Loop::new(Progression::Listed(vec![1, 2, 10, 80]), 1);
        let acts: Vec<Action> = (0..5).map(|_| l.tick(|| true, false)).collect();
        assert_eq!(
            acts,
            [
                Action::Weight(1),
                Action::Weight(2),
                Action::Weight(10),
                Action::Weight(80),
                Action::WaitingPromotion
            ]
        );
        assert_eq!(l.tick(|| true, true), Action::Promote);
    }

    #[test]
    fn iterations_advance_only_on_passing_checks() {
        // scheduler.go:639-680 (runAB): iterations < n → +1; == n → promote.
        let mut l = Loop::new(Progression::Iterations { n: 3, weight: 100 }, 2);
        assert_eq!(l.tick(|| true, true), Action::Weight(100));
        assert_eq!(l.tick(|| false, true), Action::FailedCheck(1));
        assert_eq!(l.tick(|| true, true), Action::Iteration(2));
        assert_eq!(l.tick(|| true, true), Action::Iteration(3));
        assert_eq!(l.tick(|| true, true), Action::Promote);
        assert_eq!(
            Loop::new(Progression::Iterations { n: 3, weight: 100 }, 1).ticks_to_promotion(),
            3
        );
    }

    #[test]
    fn the_replay_counts_no_data_as_failed() {
        let series: Vec<Check> = "pass,nodata,pass,fail,pass"
            .split(',')
            .map(|c| Check::parse(c).unwrap())
            .collect();
        let r = replay_report(2, &series);
        let lines: Vec<&str> = r.lines().collect();
        assert!(
            lines[2].ends_with("failed checks 1 of 2  phase=Progressing"),
            "{r}"
        );
        assert!(
            lines[3].ends_with("failed checks 1 of 2  phase=Progressing"),
            "{r}"
        );
        assert!(
            lines[4].ends_with("failed checks 2 of 2  phase=Failed"),
            "{r}"
        );
        assert!(lines[5].contains("not run"), "{r}");
        assert_eq!(lines[6], "final phase: Failed");
    }
}
