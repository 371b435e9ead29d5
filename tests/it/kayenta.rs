//! A Kayenta judge gating a CodeDeploy canary end to end
//! (`tests/kayenta/kayenta_gate.toml`): a faulty candidate is scored 0 at
//! the first judgement and rolled back then; a healthy one passes its
//! three judgements in most replications; the plan, the warning and the
//! events speak Kayenta's words.

use canarysim::model::Sampling;
use canarysim::montecarlo::run_all;
use canarysim::record::Outcome;
use canarysim::warnings::decision_warnings;

use crate::support::{canarysim, root, scenario, stdout};

fn text() -> String {
    std::fs::read_to_string(root().join("tests/kayenta/kayenta_gate.toml")).expect("scenario")
}

/// The scenario without its fault: the candidate serves as the stable does.
fn healthy_text() -> String {
    let t = text();
    let start = t.find("[[faults]]").expect("a fault");
    let end = start + t[start..].find("\n\n").expect("end of the fault table");
    format!("{}{}", &t[..start], &t[end + 2..])
}

#[test]
fn a_faulty_canary_is_rolled_back_at_the_first_judgement() {
    // 5 % vs 0.1 % errors, 120 requests a minute in each of canary and
    // baseline: ten per-minute samples per judgement are separated, the
    // critical errors metric is High and the score 0 ≤ 75 at t = 10 min.
    // A rare replication whose ten samples overlap more waits for the
    // second judgement (t = 20 min); none passes.
    for mode in [Sampling::Fast, Sampling::Exact] {
        let mut sc = scenario(&text());
        sc.sampling = mode;
        sc.replications = 100;
        let runs = run_all(&sc).runs;
        let mut first = 0;
        for r in &runs {
            assert_eq!(r.outcome, Outcome::RolledBack, "{mode:?}: {r:?}");
            let d = r.detection_s.expect("detected");
            assert!(
                (600.0..=660.0).contains(&d) || (1200.0..=1260.0).contains(&d),
                "{mode:?}: detection at {d} s, not at a judgement"
            );
            first += usize::from(d <= 660.0);
        }
        assert!(
            first >= 90,
            "{mode:?}: only {first}/100 at the first judgement"
        );
    }
}

#[test]
fn a_healthy_canary_passes_most_of_the_time() {
    let healthy = healthy_text();
    let mut sc = scenario(&healthy);
    sc.replications = 200;
    let runs = run_all(&sc).runs;
    let completed = runs
        .iter()
        .filter(|r| r.outcome == Outcome::Completed)
        .count();
    assert!(
        completed >= 170,
        "only {completed}/200 healthy canaries passed"
    );
}

#[test]
fn the_baseline_pool_is_not_candidate_exposure() {
    // A healthy candidate next to the pool: every bad request the
    // candidate serves is one of its own; the pool's failures never count.
    let healthy = format!(
        "{}\n[versions.candidate]\nerror_rate = 0.0\n",
        healthy_text()
    );
    let mut sc = scenario(&healthy);
    sc.replications = 20;
    for r in run_all(&sc).runs {
        assert_eq!(r.bad_requests, 0, "{r:?}");
        // The stable and baseline (0.1 %) failures are users' too.
        assert!(r.errors_total > 0);
    }
}

#[test]
fn few_samples_are_warned_about_as_kayenta_does() {
    // Ten one-minute steps per judgement < 50.
    let sc = scenario(&text());
    let w = decision_warnings(&sc);
    assert!(
        w.iter()
            .any(|w| w.contains("judge aca") && w.contains("fewer than 50 data points")),
        "{w:?}"
    );
}

#[test]
fn the_cli_replays_the_classifier() {
    let o = canarysim(&[
        "judge",
        "kayenta",
        "--canary",
        "10,20,30,40",
        "--baseline",
        "1,2,3,4",
        "--confidence",
        "0.95",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.starts_with("classification: High\n"), "{out}");
    assert!(
        out.contains("[6, 39]") && out.contains("estimate: 22.5"),
        "{out}"
    );
    for bad in [
        vec!["--direction", "up"],
        vec!["--confidence", "1.5"],
        vec!["--effect-size", "ratio"],
        vec!["--nan-strategy", "zero"],
        vec!["--tolerance", "-1"],
    ] {
        let mut args = vec!["judge", "kayenta", "--canary", "1,2", "--baseline", "x"];
        args[5] = "3,4";
        args.extend(bad.iter().copied());
        let o = canarysim(&args);
        assert_eq!(o.status.code(), Some(2), "{bad:?}");
    }
    let o = canarysim(&["judge", "kayenta", "--canary", "1,y", "--baseline", "1"]);
    assert_eq!(o.status.code(), Some(2));
}
