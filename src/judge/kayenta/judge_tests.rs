//! The Kayenta judge on hand-made windows: when it judges, on which
//! samples, and what it decides.

use super::*;
use crate::judge::kayenta::classifier::{MetricRule, TestParams};
use crate::metrics::SLOTS;
use crate::model::{KayentaMetric, RequestGuard};
use crate::sim::time::secs;

fn spec(interval_s: u64, lifetime_s: u64, lookback_s: Option<u64>) -> KayentaSpec {
    KayentaSpec {
        metrics: vec![KayentaMetric {
            name: "errors".into(),
            query: KayentaQuery::ErrorRate,
            rule: MetricRule::default(),
            group: "errors".into(),
        }],
        group_weights: Vec::new(),
        params: TestParams::default(),
        marginal: 75.0,
        pass: 95.0,
        interval: secs(interval_s),
        lifetime: secs(lifetime_s),
        step: secs(60),
        begin_after: Micros::ZERO,
        lookback: lookback_s.map(secs),
    }
}

/// A window where the canary failed `c` and the baseline `b` of 1000.
fn window(c: u64, b: u64) -> [Acc; SLOTS] {
    let mut accs: [Acc; SLOTS] = std::array::from_fn(|_| Acc::new(0));
    for (slot, failed) in [(CANDIDATE, c), (BASELINE, b)] {
        accs[slot].count = 1000;
        accs[slot].server_errors = failed;
    }
    accs
}

/// Feeds minute windows (c_i, b_i) and evaluates after each; returns the
/// state changes as (minute, state).
fn run(j: &mut KayentaJudge<'_>, minutes: &[(u64, u64)]) -> Vec<(u64, AlarmState)> {
    let mut calc = DatapointCalc::default();
    let mut out = Vec::new();
    for (i, &(c, b)) in minutes.iter().enumerate() {
        let now = secs(60 * (i as u64 + 1));
        let accs = window(c, b);
        j.observe(
            now,
            &ClosedWindow {
                index: 0,
                accs: &accs,
                filters: &[],
            },
            &mut calc,
        );
        if let Some(s) = j.evaluate(now) {
            out.push((i as u64 + 1, s));
        }
    }
    out
}

#[test]
fn a_faulty_canary_fails_at_the_first_judgement() {
    // 10 minutes per judgement: canary 10–12 % errors, baseline 1–2 %.
    let s = spec(600, 1200, None);
    let mut j = KayentaJudge::new("k", &s, RequestGuard::default(), true, Micros::ZERO, 1);
    let data: Vec<(u64, u64)> = (0..20)
        .map(|i| (100 + i % 3 * 10, 10 + i % 2 * 10))
        .collect();
    assert_eq!(run(&mut j, &data), vec![(10, AlarmState::Alarm)]);
    let last = j.last_judgement().unwrap();
    assert_eq!((last.number, last.score, last.min_samples), (1, 0.0, 10));
    assert_eq!(last.labels, vec![Label::High]);
    assert_eq!(
        j.describe(),
        "kayenta: judgement 1/2: score 0 ≤ marginal 75 → fail"
    );
    // The analysis is over: no more judgements.
    assert_eq!(j.evaluate(secs(1200)), None);
}

#[test]
fn a_healthy_canary_passes_every_judgement() {
    // Same distribution, interleaved.
    let s = spec(600, 1200, None);
    let mut j = KayentaJudge::new("k", &s, RequestGuard::default(), true, Micros::ZERO, 1);
    let data: Vec<(u64, u64)> = (0..20).map(|i| (10 + i % 4, 10 + (i + 2) % 4)).collect();
    assert_eq!(run(&mut j, &data), vec![(10, AlarmState::Ok)]);
    let last = j.last_judgement().unwrap();
    // Growing window: the second judgement saw all 20 samples.
    assert_eq!(
        (last.number, last.of, last.score, last.min_samples),
        (2, 2, 100.0, 20)
    );
    assert_eq!(
        j.describe(),
        "kayenta: judgement 2/2: final score 100 ≥ pass 95 → pass"
    );
}

#[test]
fn a_sliding_window_keeps_the_last_lookback() {
    let s = spec(600, 1200, Some(300));
    let mut j = KayentaJudge::new("k", &s, RequestGuard::default(), true, Micros::ZERO, 1);
    let data: Vec<(u64, u64)> = (0..20).map(|i| (10 + i % 4, 10 + (i + 2) % 4)).collect();
    run(&mut j, &data);
    assert_eq!(j.last_judgement().unwrap().min_samples, 5);
    assert_eq!(s.min_samples(), 5);
    assert_eq!(spec(600, 1200, None).min_samples(), 10);
}

#[test]
fn no_baseline_data_is_nodata_and_scores_zero() {
    // WeightedSumScorer: 100 % NODATA ≥ 50 % → score 0 ≤ marginal → fail.
    let s = spec(300, 300, None);
    let mut j = KayentaJudge::new("k", &s, RequestGuard::default(), true, Micros::ZERO, 1);
    let mut calc = DatapointCalc::default();
    for m in 1..=5 {
        let mut accs = window(10, 0);
        accs[BASELINE] = Acc::new(0);
        j.observe(
            secs(60 * m),
            &ClosedWindow {
                index: 0,
                accs: &accs,
                filters: &[],
            },
            &mut calc,
        );
    }
    assert_eq!(j.evaluate(secs(300)), Some(AlarmState::Alarm));
    let last = j.last_judgement().unwrap();
    assert_eq!(
        (last.labels[0], last.reason),
        (Label::Nodata, ScoreReason::TooManyNodata)
    );
}

#[test]
fn windows_before_the_start_and_of_other_sets_are_ignored() {
    // begin_after 2 min and a 1-min warm-up offset: judge time 60 s is
    // world t = 0; windows closing at world 1, 2 min are before the start.
    let mut s = spec(300, 300, None);
    s.begin_after = secs(120);
    let offset = secs(60);
    let mut j = KayentaJudge::new("k", &s, RequestGuard::default(), true, offset, 1);
    let mut calc = DatapointCalc::default();
    let accs = window(10, 12);
    for m in 1..=8u64 {
        let now = offset + secs(60 * m);
        j.observe(
            now,
            &ClosedWindow {
                index: 1,
                accs: &accs,
                filters: &[],
            },
            &mut calc,
        );
        let accs = window(10 + m % 3, 10 + (m + 1) % 3);
        j.observe(
            now,
            &ClosedWindow {
                index: 0,
                accs: &accs,
                filters: &[],
            },
            &mut calc,
        );
        assert_eq!(j.evaluate(now).is_some(), m == 7, "minute {m}");
    }
    assert_eq!(j.last_judgement().unwrap().min_samples, 5);
    // An inactive judge never ticks.
    let k = KayentaJudge::new("k", &s, RequestGuard::default(), false, offset, 1);
    assert_eq!(k.evaluation_interval(), None);
}

#[test]
fn the_minimum_request_guard_makes_a_judgement_inconclusive() {
    // 10 windows of 1000 canary requests = 10,000 < 20,000.
    let s = spec(600, 600, None);
    let guard = RequestGuard {
        min_requests: 20_000,
        ..RequestGuard::default()
    };
    let mut j = KayentaJudge::new("k", &s, guard, true, Micros::ZERO, 1);
    let data: Vec<(u64, u64)> = (0..10)
        .map(|i| (100 + i % 3 * 10, 10 + i % 2 * 10))
        .collect();
    assert_eq!(run(&mut j, &data), Vec::new());
    assert!(j.guard_inconclusive());
    assert_eq!(j.state(), AlarmState::InsufficientData);
    assert!(j.describe().contains("inconclusive"));
}
