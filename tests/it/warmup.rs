//! The alarms' history before the deployment (`[metrics] warmup`): the
//! probability that an alarm is in ALARM at t = 0 against the exact Poisson
//! probability, and `warmup = "0s"` reproducing the outputs from before the
//! warm-up existed, byte for byte.

use canarysim::model::Sampling;
use canarysim::montecarlo::run_all;
use canarysim::record::{Outcome, Trigger};
use statrs::distribution::{DiscreteCDF, Poisson};

use crate::golden::golden_run;
use crate::support::{root, scenario};

/// A healthy 10 % / 5-minute canary at 10 req/s whose stable version fails
/// with probability `p`, watched by one function-scope alarm `Errors Sum >
/// k` (N = M = 1, 60 s periods, no ingestion delay, default warm-up
/// 60 s × E = 3 = 180 s).
fn production_alarm(p: f64, k: u32, reps: u32) -> String {
    format!(
        r#"
name = "warmup"
seed = 99
replications = {reps}
horizon = "6m"
[traffic]
rate_per_s = 10
[versions.stable]
error_rate = {p}
[metrics]
ingestion_delay = "0s"
[alarms.a]
metric = "Errors"
statistic = "Sum"
comparison = ">"
threshold = {k}
evaluation_periods = 1
[strategies.canary]
type = "canary"
percentage = 10
interval = "5m"
"#
    )
}

#[test]
fn the_share_of_runs_starting_in_alarm_is_the_exact_poisson_tail() {
    // At t = 0 the alarm decides on the last warm-up period alone (N = M =
    // 1, no missing data): its errors are Poisson(λ · 60 s · p) (a thinned
    // Poisson process), so P(ALARM at 0) = P(X > k). λ = 10, p = 1 %:
    // mean 6, k = 6 → 1 − F(6; 6) ≈ 0.394. Tolerance: 4.5 standard errors
    // of a rate from R runs, sqrt(P(1 − P)/R).
    let (p, k, reps) = (0.01, 6, 2000);
    let exact = 1.0 - Poisson::new(10.0 * 60.0 * p).unwrap().cdf(u64::from(k));
    for mode in [Sampling::Fast, Sampling::Exact] {
        let mut sc = scenario(&production_alarm(p, k, reps));
        assert_eq!(sc.metrics.warmup, canarysim::time::secs(180));
        sc.sampling = mode;
        let runs = run_all(&sc).runs;
        let at_start: Vec<_> = runs.iter().filter(|r| r.alarms_at_start == "a").collect();
        let simulated = at_start.len() as f64 / f64::from(reps);
        let se = (exact * (1.0 - exact) / f64::from(reps)).sqrt();
        assert!(
            (simulated - exact).abs() <= 4.5 * se,
            "{mode:?}: simulated {simulated}, exact {exact}, tolerance {}",
            4.5 * se
        );
        // Each of them is a false rollback decided at the poll at 0 s.
        for r in at_start {
            assert_eq!(r.outcome, Outcome::RolledBack);
            assert_eq!(r.detection_s, Some(0.0));
            assert_eq!(r.trigger, Trigger::Alarm("a".into()));
        }
    }
}

/// Golden cases frozen before the warm-up existed (`tests/golden/warmup0/`):
/// one per golden scenario, both sampling modes among them.
const BEFORE: [(&str, &str); 3] = [
    ("saga_functions", "fast"),
    ("lattice_weighted", "exact"),
    ("apigw_canary", "fast"),
];

/// The scenario text with `[metrics] warmup = "0s"`.
fn without_warmup(text: &str) -> String {
    if text.contains("\n[metrics]\n") {
        text.replacen("\n[metrics]\n", "\n[metrics]\nwarmup = \"0s\"\n", 1)
    } else {
        format!("{text}\n[metrics]\nwarmup = \"0s\"\n")
    }
}

#[test]
fn warmup_0s_reproduces_the_outputs_from_before_alarm_history() {
    // runs.csv gained one column, `alarms_at_start`, empty without a
    // warm-up; everything else is byte for byte what the simulator wrote
    // before. With CANARYSIM_BLESS the copies are rewritten (minus that
    // column), like the other golden files.
    let bless = std::env::var_os("CANARYSIM_BLESS").is_some();
    let tmp = tempfile::tempdir().unwrap();
    let mut mismatches = Vec::new();
    for (name, mode) in BEFORE {
        let text = std::fs::read_to_string(root().join(format!("tests/golden/{name}.toml")));
        let file = tmp.path().join(format!("{name}.toml"));
        std::fs::write(&file, without_warmup(&text.unwrap())).unwrap();
        let out = tmp.path().join(format!("{name}-{mode}"));
        golden_run(&file, mode, &out);
        let golden = root().join(format!("tests/golden/warmup0/{name}-{mode}"));
        for f in ["runs.csv", "timeline.csv", "events.csv"] {
            let mut got = std::fs::read_to_string(out.join(f)).unwrap();
            if f == "runs.csv" {
                got = got
                    .lines()
                    .map(|line| {
                        let cut = line
                            .strip_suffix(",alarms_at_start")
                            .or_else(|| line.strip_suffix(','));
                        format!("{}\n", cut.unwrap_or_else(|| panic!("{name}: {line}")))
                    })
                    .collect();
            }
            if bless {
                std::fs::create_dir_all(&golden).unwrap();
                std::fs::write(golden.join(f), &got).unwrap();
                continue;
            }
            let want = std::fs::read_to_string(golden.join(f)).unwrap();
            if got != want {
                mismatches.push(format!("{name}-{mode}/{f}"));
            }
        }
    }
    assert!(mismatches.is_empty(), "differ: {mismatches:?}");
}
