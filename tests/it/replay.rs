//! Replayed traffic (`[traffic] replay`): the simulated per-minute request
//! counts follow the data file's counts, in both sampling modes; `start_at`
//! shifts them; `past_end` loops or holds; every format reads the same
//! series; `canarysim sweep --set traffic.start_at=HH:MM,...` works.
//!
//! Tolerance: a minute's simulated count is Poisson with mean λ = the
//! file's count for that minute (rate piecewise constant per period, the
//! period equal to the timeline's minute). Each of the 30 minutes × 4
//! strategies must lie within λ ± 4.5·√λ; under the model a single check
//! fails with probability 6.8e-6 (normal approximation; λ >= 60), so the
//! 240 checks of one mode fail together with probability < 0.2 %.

use canarysim::model::{Sampling, Scenario};
use canarysim::montecarlo::run_all;

use crate::support::{canarysim, root, stderr};

/// The fixture's counts: 60 × (1 + 7i mod 50) requests in minute i.
fn count(i: usize) -> f64 {
    60.0 * (1 + (i * 7) % 50) as f64
}

/// A scenario replaying `file` (under tests/data/traffic/) with `extra`
/// traffic keys; 4 identical strategies, each replication 0 records a
/// timeline.
fn scenario(file: &str, extra: &str, sampling: Sampling) -> Scenario {
    let text = format!(
        "horizon = \"30m\"\nreplications = 1\nseed = 9\n[metrics]\nwarmup = \"0s\"\n\
         [traffic]\nreplay = \"{file}\"\n{extra}\n\
         [strategies.a]\nconfig = \"AllAtOnce\"\n[strategies.b]\nconfig = \"AllAtOnce\"\n\
         [strategies.c]\nconfig = \"AllAtOnce\"\n[strategies.d]\nconfig = \"AllAtOnce\"\n"
    );
    let path = root().join("tests/data/traffic/test.toml");
    let path = path.to_str().unwrap();
    let value = canarysim::scenario::parse_document(&text, path).unwrap();
    let mut sc = canarysim::scenario::from_value(value, &text, path).unwrap();
    sc.sampling = sampling;
    sc
}

/// Per strategy, the simulated requests of each minute.
fn minutes(sc: &Scenario) -> Vec<Vec<u64>> {
    let results = run_all(sc);
    sc.strategies
        .iter()
        .map(|s| {
            results
                .timeline
                .iter()
                .filter(|r| r.strategy == s.name)
                .map(|r| r.stable_requests + r.candidate_requests)
                .collect()
        })
        .collect()
}

/// Every minute m of every strategy within ±4.5 σ of `expected(m)`.
fn assert_follows(sc: &Scenario, expected: impl Fn(usize) -> f64) {
    for counts in minutes(sc) {
        assert_eq!(counts.len(), 30);
        for (m, &n) in counts.iter().enumerate() {
            let lambda = expected(m);
            let z = (n as f64 - lambda) / lambda.sqrt();
            assert!(
                z.abs() < 4.5,
                "minute {m}: {n} requests, expected {lambda} (z = {z:.2})"
            );
        }
    }
}

#[test]
fn per_minute_counts_follow_the_file_in_both_modes() {
    for sampling in [Sampling::Fast, Sampling::Exact] {
        assert_follows(&scenario("minutes.csv", "", sampling), count);
    }
}

#[test]
fn start_at_shifts_the_counts() {
    for start in ["\"00:07\"", "\"2024-05-01T00:07:00Z\"", "1714522020"] {
        let sc = scenario(
            "minutes.csv",
            &format!("start_at = {start}"),
            Sampling::Fast,
        );
        assert_follows(&sc, |m| count(m + 7));
    }
    // Not on a period edge: minute m is half of data minute m + 2 and
    // half of m + 3.
    let sc = scenario("minutes.csv", "start_at = \"00:02:30\"", Sampling::Fast);
    assert_follows(&sc, |m| (count(m + 2) + count(m + 3)) / 2.0);
}

#[test]
fn past_the_end_the_series_repeats_or_holds() {
    // Start at minute 25 of 40: from deployment minute 15 the data ends.
    let repeat = scenario("minutes.csv", "start_at = \"00:25\"", Sampling::Fast);
    assert_follows(&repeat, |m| count((m + 25) % 40));
    let hold = scenario(
        "minutes.csv",
        "start_at = \"00:25\"\npast_end = \"hold\"",
        Sampling::Exact,
    );
    assert_follows(&hold, |m| count((m + 25).min(39)));
}

#[test]
fn scale_multiplies_the_data() {
    let sc = scenario("minutes.csv", "scale = 0.5", Sampling::Fast);
    assert_follows(&sc, |m| count(m) / 2.0);
}

#[test]
fn every_format_reads_the_same_series() {
    let reference = scenario("minutes.csv", "", Sampling::Fast);
    let rates = |sc: &Scenario| sc.functions[0].traffic.replay.clone().unwrap().rates;
    for (file, extra) in [
        ("get_metric_data.json", ""),
        ("get_metric_statistics.json", ""),
        (
            "get_metric_statistics.json",
            "replay_statistic = \"SampleCount\"",
        ),
        ("counts.csv", "replay_period = \"1m\""),
    ] {
        let sc = scenario(file, extra, Sampling::Fast);
        assert_eq!(rates(&sc), rates(&reference), "{file}");
        assert_eq!(
            rates(&sc)[3],
            count(3) / 60.0,
            "{file}: count / period length"
        );
    }
}

#[test]
fn replays_are_deterministic() {
    let sc = scenario("minutes.csv", "start_at = \"00:05\"", Sampling::Exact);
    assert_eq!(minutes(&sc), minutes(&sc));
    let sc = scenario("minutes.csv", "start_at = \"00:05\"", Sampling::Fast);
    assert_eq!(minutes(&sc), minutes(&sc));
}

#[test]
fn sweep_over_start_at_times_of_day() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = canarysim(&[
        "sweep",
        "scenarios/replay_daily.toml",
        "--set",
        "traffic.start_at=00:00,03:00,09:00,14:00",
        "--set",
        "candidate=healthy",
        "--reps",
        "3",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let csv = std::fs::read_to_string(out.join("sweep.csv")).unwrap();
    for t in ["00:00", "03:00", "09:00", "14:00"] {
        assert!(csv.contains(t), "{t} missing from sweep.csv:\n{csv}");
    }
}
