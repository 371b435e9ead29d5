//! Fast and exact sampling agree in distribution on every shipped scenario.
//!
//! Per strategy: the rollback rates by a two-proportion z-test, and the
//! detection times, bad-request exposures and excess (fault-caused)
//! exposures by a two-sample Kolmogorov–Smirnov test. Significance: each test rejects at α = 0.001
//! (|z| > 3.29; KS D > 1.949·sqrt((n+m)/(n·m))), so with about 60 tests the
//! chance of a false failure is about 6 %; the seeds are fixed, so a run
//! either passes or fails deterministically. Power: with R replications per
//! mode the KS test detects a shift of the CDF larger than about
//! 1.95·sqrt(2/R) (≈ 0.1 for R = 800), and the rate test a difference of
//! about 3.3·sqrt(2p(1−p)/R) (≈ 0.08 at p = 0.5).

use canarysim::model::Sampling;
use canarysim::montecarlo::run_all;
use canarysim::record::{Outcome, RunRecord};
use canarysim::run::{load_scenario, Overrides};
use canarysim::stats::{ks_critical_001, ks_statistic};

use crate::support::root;

const REPS: u32 = 800;

/// A count field of a run record.
type Field = fn(&RunRecord) -> u64;

fn runs(file: &str, sampling: Sampling, reps: u32) -> Vec<RunRecord> {
    let overrides = Overrides {
        replications: Some(reps),
        sampling: Some(sampling),
        ..Overrides::default()
    };
    let sc = load_scenario(&root().join(file), &overrides).expect(file);
    let results = run_all(&sc);
    results.runs
}

fn check(file: &str) {
    check_reps(file, REPS);
}

/// [`check`] with `reps` replications per mode (for scenarios whose exact
/// mode is slow: the KS test then detects CDF shifts above 1.95·sqrt(2/reps)).
/// Multi-function scenarios are checked per function and as a whole.
fn check_reps(file: &str, reps: u32) {
    let exact = runs(file, Sampling::Exact, reps);
    let fast = runs(file, Sampling::Fast, reps);
    let strategies: Vec<String> = {
        let mut v: Vec<String> = exact.iter().map(|r| r.strategy.clone()).collect();
        v.dedup();
        v
    };
    for s in strategies {
        let e: Vec<&RunRecord> = exact.iter().filter(|r| r.strategy == s).collect();
        let f: Vec<&RunRecord> = fast.iter().filter(|r| r.strategy == s).collect();
        let rolled =
            |v: &[&RunRecord]| v.iter().filter(|r| r.outcome != Outcome::Completed).count();
        let (re, rf) = (rolled(&e), rolled(&f));
        let n = f64::from(reps);
        let pooled = (re + rf) as f64 / (2.0 * n);
        if pooled > 0.0 && pooled < 1.0 {
            let z = (re as f64 - rf as f64) / n / (pooled * (1.0 - pooled) * 2.0 / n).sqrt();
            assert!(
                z.abs() < 3.29,
                "{file} {s}: rollback rate exact {re}/{reps} vs fast {rf}/{reps} (z = {z:.2})"
            );
        } else {
            assert_eq!(re, rf, "{file} {s}: rollback counts");
        }
        let det = |v: &[&RunRecord]| v.iter().filter_map(|r| r.detection_s).collect::<Vec<f64>>();
        let (de, df) = (det(&e), det(&f));
        if de.len() >= 20 && df.len() >= 20 {
            let (mut de, mut df) = (de, df);
            let d = ks_statistic(&mut de, &mut df);
            let crit = ks_critical_001(de.len(), df.len());
            assert!(d < crit, "{file} {s}: detection time KS D = {d:.3}");
        }
        let crit = ks_critical_001(e.len(), f.len());
        let field =
            |v: &[&RunRecord], get: Field| v.iter().map(|r| get(r) as f64).collect::<Vec<f64>>();
        let exposures: [(&str, Field); 2] = [
            ("exposure", |r| r.bad_requests),
            ("excess exposure", |r| r.excess_bad_requests),
        ];
        for (what, get) in exposures {
            let d = ks_statistic(&mut field(&e, get), &mut field(&f, get));
            assert!(d < crit, "{file} {s}: {what} KS D = {d:.3}");
        }
        // A `[workflow]`: the saga counts of the deployment as a whole.
        if e.iter().all(|r| r.sagas.is_some()) {
            let sagas: [(&str, Field); 3] = [
                ("sagas started", |r| r.sagas.map_or(0, |x| x.started)),
                ("failed sagas", |r| r.sagas.map_or(0, |x| x.failed)),
                ("inconsistent sagas", |r| {
                    r.sagas.map_or(0, |x| x.inconsistent)
                }),
            ];
            for (what, get) in sagas {
                let d = ks_statistic(&mut field(&e, get), &mut field(&f, get));
                assert!(d < crit, "{file} {s}: {what} KS D = {d:.3}");
            }
        }
    }
}

#[test]
fn error_spike() {
    check("scenarios/error_spike.toml");
}

#[test]
fn healthy_noise() {
    check("scenarios/healthy_noise.toml");
}

#[test]
fn function_vs_version() {
    check("scenarios/function_vs_version.toml");
}

#[test]
fn low_traffic() {
    check("scenarios/low_traffic.toml");
}

#[test]
fn latency_regression() {
    check("scenarios/latency_regression.toml");
}

#[test]
fn step_plan() {
    check("scenarios/step_plan.toml");
}

#[test]
fn apigw_canary() {
    check("scenarios/apigw_canary.toml");
}

/// 1,000 requests/s with a sliding 10-minute alarm is slow in exact mode.
#[test]
fn lattice_weighted() {
    check_reps("scenarios/lattice_weighted.toml", 150);
}

#[test]
fn saga_functions() {
    check("scenarios/saga_functions.toml");
}

/// Not shipped: the trip saga with Lambda service exceptions (retried
/// after 2, 4, … 64 s), faulty steps and a failing compensation.
#[test]
fn argo_and_flagger() {
    check_reps("tests/data/argo_flagger.toml", 300);
}

#[test]
fn workflow_with_retries() {
    check("tests/data/workflow_retries.toml");
}

/// The sequential judge (mixture and fixed per look, with a guard) and
/// guarded alarms (`pass` on CodeDeploy, `wait` on a step plan).
#[test]
fn judges_and_guards() {
    check("tests/data/judges_equivalence.toml");
}

#[test]
fn seed_000_cdk_saga() {
    check_reps("scenarios/seed_000_cdk_saga.toml", 200);
}

#[test]
fn seed_001_apigw_canary() {
    check_reps("scenarios/seed_001_apigw_canary.toml", 400);
}

#[test]
fn seed_002_sam_log_filter() {
    check("scenarios/seed_002_sam_log_filter.toml");
}

#[test]
fn seed_003_sam_linear_hooks() {
    check("scenarios/seed_003_sam_linear_hooks.toml");
}

#[test]
fn seed_004_lattice() {
    check("scenarios/seed_004_lattice.toml");
}

#[test]
fn replay_daily() {
    // Its file's values: start at the 03:00 trough (about 40 requests/min).
    check_reps("scenarios/replay_daily.toml", 400);
}

#[test]
fn compare_all() {
    check("scenarios/compare_all.toml");
}

/// Not shipped: a scenario built to exercise every fast-sampling path
/// (diurnal rate, bursts, ramp, intermittent, latency shift, cold start,
/// timeout, SLA, status and duration log filters, Average / Minimum /
/// function-scope percentile alarms, handled failures of two statuses next
/// to unhandled ones, API Gateway 5XXError).
#[test]
fn every_fast_sampling_path() {
    check("tests/data/fast_coverage.toml");
}

/// A Kayenta-gated CodeDeploy canary (baseline pool, per-minute samples,
/// judgements every 10 minutes): fast and exact agree.
#[test]
fn kayenta_gate() {
    check_reps("tests/kayenta/kayenta_gate.toml", 300);
}

#[test]
fn judges() {
    check_reps("scenarios/judges.toml", 200);
}
