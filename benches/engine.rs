//! Kernel benchmarks (criterion). Throughput is in simulated requests, so
//! criterion reports simulated requests per second.
//!
//! - `exact/*/R`: one replication in exact mode at R requests/s (10 simulated
//!   minutes, a 10 % / 5-minute canary, an error-rate alarm), without and with
//!   per-request latency (an SLA makes latency matter). The alarms'
//!   warm-up before t = 0 is off (`warmup = "0s"`), so these measure the
//!   deployment's own requests; `run/error_spike` includes the default
//!   warm-up (5 simulated minutes of stable traffic per replication there).
//! - `fast/*/R`: the same replication in fast mode; its cost should be flat
//!   in R.
//! - `floor/*`: only the random numbers exact mode draws per request (one
//!   uniform; plus a normal for latency), summed so nothing is optimised
//!   away — the limit exact mode is measured against.
//! - `run/error_spike`: the shipped scenario end to end (fast, 1000 reps ×
//!   3 strategies, without writing files).

use std::hint::black_box;

use canarysim::model::{Sampling, Scenario};
use canarysim::montecarlo::run_all;
use canarysim::{run_replication, ReplicationOptions};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use rand_pcg::Pcg64Mcg;

const HORIZON_S: f64 = 600.0;

fn scenario(rate: f64, latency: bool, sampling: Sampling) -> Scenario {
    let slo = if latency {
        "[slo]\nlatency_ms = 400\n"
    } else {
        ""
    };
    let text = format!(
        r#"
name = "bench"
horizon = "10m"
[traffic]
rate_per_s = {rate}
[versions.stable]
error_rate = 0.01
latency = {{ median_ms = 80, p99_ms = 400 }}
{slo}
[alarms.error_rate]
scope = "version"
expression = "errors / invocations * 100"
comparison = ">="
threshold = 50
evaluation_periods = 2
[metrics]
warmup = "0s"
[strategies.canary]
config = "Canary10Percent5Minutes"
"#
    );
    let value = canarysim::scenario::parse_document(&text, "bench.toml").unwrap();
    let mut sc = canarysim::scenario::from_value(value, &text, "bench.toml").unwrap();
    sc.sampling = sampling;
    sc
}

fn one(sc: &Scenario, seed: u64) -> u64 {
    run_replication(sc, 0, 0, seed, ReplicationOptions { timeline: false })
        .record
        .requests_total
}

fn kernel(c: &mut Criterion) {
    for (mode_name, sampling) in [("exact", Sampling::Exact), ("fast", Sampling::Fast)] {
        for latency in [false, true] {
            let name = format!(
                "{mode_name}/{}",
                if latency { "latency" } else { "no_latency" }
            );
            let mut g = c.benchmark_group(&name);
            g.sample_size(10);
            for rate in [10.0, 1_000.0, 10_000.0] {
                let sc = scenario(rate, latency, sampling);
                g.throughput(Throughput::Elements((rate * HORIZON_S) as u64));
                let mut seed = 0;
                g.bench_with_input(BenchmarkId::from_parameter(rate as u64), &sc, |b, sc| {
                    b.iter(|| {
                        seed += 1;
                        black_box(one(sc, seed))
                    })
                });
            }
            g.finish();
        }
    }
}

fn floor(c: &mut Criterion) {
    let n: u64 = 1_000_000;
    let mut g = c.benchmark_group("floor");
    g.throughput(Throughput::Elements(n));
    g.sample_size(20);
    g.bench_function("uniform", |b| {
        let mut rng = Pcg64Mcg::seed_from_u64(1);
        b.iter(|| {
            let mut hits = 0u64;
            for _ in 0..n {
                hits += u64::from(rng.random::<f64>() < 0.01);
            }
            black_box(hits)
        })
    });
    g.bench_function("uniform+normal", |b| {
        let mut rng = Pcg64Mcg::seed_from_u64(1);
        b.iter(|| {
            let mut acc = 0.0f64;
            let mut hits = 0u64;
            for _ in 0..n {
                hits += u64::from(rng.random::<f64>() < 0.01);
                let z: f64 = StandardNormal.sample(&mut rng);
                acc += (4.38 + 0.69 * z).exp();
            }
            black_box((hits, acc))
        })
    });
    g.finish();
}

fn full_run(c: &mut Criterion) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/error_spike.toml");
    let sc = canarysim::scenario::load(&path).unwrap();
    let mut g = c.benchmark_group("run");
    g.sample_size(10);
    g.bench_function("error_spike_fast", |b| {
        b.iter(|| black_box(run_all(&sc).runs.len()))
    });
    g.finish();
}

criterion_group!(benches, kernel, floor, full_run);
criterion_main!(benches);
