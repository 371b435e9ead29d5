//! The alarms' history before the deployment (`[metrics] warmup`).
//!
//! CloudWatch alarms exist before a deployment and have been evaluating
//! production all along (reference §1.1, §1.5): at t = 0 an alarm has a
//! full history and a state, and an alarm production already breaches is
//! in ALARM — CodeDeploy then stops the deployment at its first poll
//! (§2.5; aws/serverless-application-model#716: "if there is an issue in
//! production causing an alert, that I'm then prevented from deploying a
//! fix"). The warm-up simulates that history: for `warmup` before t = 0 all
//! traffic goes to the stable version with its baseline (no candidate, no
//! faults) at the rate of t = 0 held constant, and the judges observe its
//! windows and evaluate at their own cadence, exactly as during the
//! deployment — on the judges' clock, which runs `warmup` ahead of the
//! world's (`World::judge_offset`), so no negative time exists anywhere.
//!
//! The warm-up length is a multiple of the alarm grid
//! (`scenario::validate::warmup::grid`), so every window, slide offset and
//! evaluation tick falls where it would on the world's clock, and windows
//! that straddle t = 0 (sliding ones) hold the warm-up's traffic as well as
//! the deployment's. Its requests are not the deployment's: they are drawn
//! from their own stream ([`crate::seed::warmup_seed`]), exactly (one by
//! one) or fast (counts) like any segment, and count in no run total.

use rand::SeedableRng;
use rand_pcg::Pcg64Mcg;

use super::World;
use crate::alarm::AlarmState;
use crate::seed::warmup_seed;
use crate::sim::time::Micros;

impl World<'_> {
    /// Runs the warm-up of `[metrics] warmup` for a world whose function
    /// seed is `seed`; returns whether there was one. Nothing happens
    /// without a warm-up or without a judge reading this function.
    pub(super) fn warm_up(&mut self, seed: u64) -> bool {
        let length = self.sc.metrics.warmup;
        let Some(tick) = self.judges.tick() else {
            return false;
        };
        if length == Micros::ZERO {
            return false;
        }
        debug_assert!(self.weight == 0.0 && self.now == Micros::ZERO);
        self.judge_offset = length;
        let rate = self.rate;
        self.rate = rate.held(0.0);
        let traffic = std::mem::replace(
            &mut self.traffic_rng,
            Pcg64Mcg::seed_from_u64(warmup_seed(seed)),
        );
        let totals = (
            self.requests_total,
            self.errors_total,
            self.candidate_requests,
            self.bad_requests,
            self.excess_bad_requests,
            self.fallbacks,
        );
        let base = self.close_step;
        let mut changes = Vec::new();
        let mut t = Micros::ZERO;
        while t < length {
            let next_close = t + base - t % base;
            let next_tick = t + tick - t % tick;
            let next = next_close.min(next_tick).min(length);
            self.generate(t, next);
            t = next;
            if t % base == Micros::ZERO {
                self.close_windows(t, t);
            }
            // The evaluation at the warm-up's end is the world's first
            // judge tick, at t = 0, where the strategy sees its changes.
            if t < length && t % tick == Micros::ZERO {
                self.judges.evaluate(t, &mut changes);
                changes.clear();
            }
        }
        self.rate = rate;
        self.traffic_rng = traffic;
        (
            self.requests_total,
            self.errors_total,
            self.candidate_requests,
            self.bad_requests,
            self.excess_bad_requests,
            self.fallbacks,
        ) = totals;
        true
    }

    /// The names of this world's judges in ALARM now, `;`-joined in
    /// scenario order (a `runs.csv` cell).
    pub(super) fn judges_in_alarm(&self) -> String {
        let names: Vec<&str> = self
            .judges
            .iter()
            .filter(|j| j.evaluation_interval().is_some() && j.state() == AlarmState::Alarm)
            .map(|j| j.name())
            .collect();
        names.join(";")
    }
}

#[cfg(test)]
mod tests {
    use super::super::{run_replication, ReplicationOptions, ReplicationOutput};
    use crate::alarm::AlarmState;
    use crate::model::{Scenario, Scope, StrategyKind, TrafficShift};
    use crate::record::{EventKind, Outcome, Trigger};
    use crate::scenario::validate::warmup::default_warmup;
    use crate::sim::time::{secs, Micros};
    use crate::strategy::script;
    use crate::testkit::scenario;

    fn run(sc: &Scenario, seed: u64) -> ReplicationOutput {
        run_replication(sc, 0, 0, seed, ReplicationOptions { timeline: true })
    }

    /// A healthy 10 % / 5-minute canary whose alarm 0 (`Errors Sum > 0`,
    /// N = M = 1, E = 3, no ingestion delay) reads the whole function while
    /// production (the stable version) fails 10 % of its 10 req/s: about 60
    /// errors per minute, so every period breaches (P(no error) = e⁻⁶⁰).
    fn failing_production(warmup_s: u64) -> Scenario {
        let mut sc = scenario(TrafficShift::Canary {
            percentage: 10,
            interval: secs(300),
        });
        sc.functions[0].stable.error_rate = 0.1;
        sc.alarms[0].scope = Scope::Function;
        sc.metrics.warmup = secs(warmup_s);
        sc
    }

    #[test]
    fn an_alarm_production_breaches_stops_codedeploy_at_its_first_poll_at_0_s() {
        // The default warm-up: 60 s × E = 3 + 0 s delay = 180 s.
        let sc = failing_production(180);
        assert_eq!(default_warmup(&sc.metrics, &sc.alarms), sc.metrics.warmup);
        for seed in 0..5 {
            let out = run(&sc, seed);
            let r = &out.record;
            assert_eq!(r.alarms_at_start, "errors");
            assert_eq!(r.trigger, Trigger::Alarm("errors".into()));
            assert_eq!(r.detection_s, Some(0.0));
            // The canary got its 10 % at t = 0; the alias flips back 5 s later.
            assert_eq!(r.rollback_s, Some(5.0));
            assert_eq!(r.outcome, Outcome::RolledBack);
            assert!(!r.candidate_faulty, "a false rollback");
            // The warm-up's requests are not the deployment's: 1800 s at
            // 10 req/s ≈ 18 000 requests, Poisson, whatever the warm-up.
            let n = r.requests_total as f64;
            assert!((n - 18_000.0).abs() < 5.0 * 18_000f64.sqrt(), "{n}");
            let detected = out
                .events
                .iter()
                .find(|e| e.event == EventKind::Detected)
                .unwrap();
            assert_eq!((detected.time_s, detected.detail.as_str()), (0.0, "errors"));
            // The timeline starts at t = 0: no warm-up period is shown.
            assert_eq!(out.timeline[0].period_start_s, 0.0);
            assert_eq!(out.timeline.len(), 30);
        }
    }

    #[test]
    fn without_a_warmup_the_alarm_starts_empty_and_fires_after_the_first_period() {
        let out = run(&failing_production(0), 3);
        let r = &out.record;
        assert_eq!(r.alarms_at_start, "");
        // Period [0, 60) closes at 60 s, is evaluated and polled at 60 s.
        assert_eq!(r.detection_s, Some(60.0));
        assert_eq!(r.rollback_s, Some(65.0));
        assert_eq!(r.trigger, Trigger::Alarm("errors".into()));
    }

    #[test]
    fn the_warmup_draws_its_own_stream_and_leaves_the_deployments_requests_alone() {
        // A healthy world whose version-scope alarm never breaches: the
        // records with and without warm-up are identical (same requests,
        // same outcome), and none is in ALARM at start (the candidate has no
        // requests before t = 0: missing, notBreaching → OK).
        let mut sc = scenario(TrafficShift::Canary {
            percentage: 10,
            interval: secs(300),
        });
        sc.functions[0].stable.error_rate = 0.05;
        let cold = run(&sc, 11);
        sc.metrics.warmup = secs(600);
        let warm = run(&sc, 11);
        assert_eq!(cold.record, warm.record);
        // Same requests in every period; only the alarm state shown for the
        // first period differs (INSUFFICIENT_DATA without history, OK with).
        let requests = |o: &ReplicationOutput| -> Vec<(u64, u64, u64, u64)> {
            o.timeline
                .iter()
                .map(|r| {
                    let n = (r.stable_requests, r.stable_errors);
                    (n.0, n.1, r.candidate_requests, r.candidate_errors)
                })
                .collect()
        };
        assert_eq!(requests(&cold), requests(&warm));
        assert_eq!(cold.timeline[0].alarms[0].1, AlarmState::InsufficientData);
        assert_eq!(warm.timeline[0].alarms[0].1, AlarmState::Ok);
        assert_eq!(warm.record.alarms_at_start, "");
        assert_eq!(warm.record.outcome, Outcome::Completed);
        // The alarm went OK during the warm-up and stays so: no transition
        // (no alarm_state event) during the deployment.
        assert!(warm.events.iter().all(|e| e.event != EventKind::AlarmState));
    }

    #[test]
    fn an_alarm_already_in_alarm_sends_no_notification_to_a_transition_kind() {
        // VPC Lattice: alarm → SNS → rollback function acts on the alarm's
        // *transition* into ALARM (reference §1.1, "An alarm invokes actions
        // only when the alarm changes state"). Production breached before
        // t = 0 and keeps breaching, so the alarm never changes state during
        // the deployment: nothing is sent, and the deployment goes through.
        let mut sc = failing_production(180);
        sc.strategies = vec![script::spec(StrategyKind::Lattice(script::lattice()))];
        let out = run(&sc, 5);
        assert_eq!(out.record.alarms_at_start, "errors");
        assert_eq!(out.record.detection_s, None);
        assert_eq!(out.record.outcome, Outcome::Completed);
        // Without history the alarm's first evaluation (60 s) is a
        // transition into ALARM, and the rollback chain runs.
        sc.metrics.warmup = Micros::ZERO;
        let out = run(&sc, 5);
        assert_eq!(out.record.detection_s, Some(60.0));
        assert_eq!(out.record.outcome, Outcome::RolledBack);
    }
}
