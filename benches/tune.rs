//! `canarysim tune` on a 1,000-setting space (criterion): the shipped
//! `scenarios/tune_canary_alarm.toml` question (Canary10Percent5Minutes, an
//! error-rate alarm, three bad profiles) over threshold 0.5..50 step 0.5 ×
//! evaluation periods 1..5 × period 1m/2m, with a 1 % false-rollback
//! constraint, fast mode, 2 worker threads. Reports the time of one whole
//! race; the README quotes it with the replications the race used against
//! a full grid at the same precision (printed once before measuring).

use std::path::Path;

use canarysim::run::Overrides;
use canarysim::tune;
use criterion::{criterion_group, criterion_main, Criterion};

fn space() -> Vec<String> {
    vec![
        "alarms.error_rate.threshold=0.5..50:0.5".into(),
        "alarms.error_rate.evaluation_periods=1,2,3,4,5".into(),
        "alarms.error_rate.datapoints_to_alarm=1".into(),
        "alarms.error_rate.period=1m,2m".into(),
    ]
}

fn bench(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/tune_canary_alarm.toml");
    let plan = tune::load(&path, &space(), &Overrides::default(), None).expect("plan");
    assert_eq!(plan.settings.len(), 1000);
    let result = tune::run(&plan, Some(2)).expect("tune");
    println!(
        "{}\nruns {} vs full grid {}",
        tune::verdict(&plan, &result),
        result.runs,
        result.full_grid_runs
    );
    let mut group = c.benchmark_group("tune");
    group.sample_size(10);
    group.bench_function("1000_settings_fast_2_threads", |b| {
        b.iter(|| tune::run(&plan, Some(2)).expect("tune"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
