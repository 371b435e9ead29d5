//! Property tests (proptest): random valid scenarios (CodeDeploy predefined
//! and custom shapes, step plans and VPC Lattice weights; every fault kind,
//! alarms of every scope, statistic and missing-data mode, hooks) never make
//! the engine panic and keep every output invariant, in both sampling modes;
//! the alarm evaluator agrees with a brute-force M-of-N count; and the fuzz
//! targets' bodies (`fuzz/bodies.rs`) run on a few hundred generated inputs,
//! so the stable test suite exercises exactly what `cargo +nightly fuzz`
//! runs. `PROPTEST_CASES=N` overrides every case count for a deeper run.

use std::fmt::Write as _;
use std::fs;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use canarysim::alarm::{replay, AlarmRule, AlarmState, Comparison, MissingData};
use canarysim::model::{Sampling, Scenario};
use canarysim::montecarlo::{run_all, RunResults};
use canarysim::record::Outcome;
use canarysim::report::summarize;
use canarysim::time::{to_secs, Micros, MICROS_PER_SEC};

use crate::support::root;

#[path = "../../fuzz/bodies.rs"]
mod bodies;

/// `default` test cases, or `PROPTEST_CASES` when set (for a deeper local
/// run: `PROPTEST_CASES=2000 cargo test --release properties`).
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

// ---------------------------------------------------------------------------
// Random valid scenarios, rendered as TOML text.

/// The nine predefined CodeDeploy configurations.
const CONFIGS: [&str; 9] = [
    "AllAtOnce",
    "Canary10Percent5Minutes",
    "Canary10Percent10Minutes",
    "Canary10Percent15Minutes",
    "Canary10Percent30Minutes",
    "Linear10PercentEvery1Minute",
    "Linear10PercentEvery2Minutes",
    "Linear10PercentEvery3Minutes",
    "Linear10PercentEvery10Minutes",
];

/// At most this many simulated requests per replication (rate × horizon),
/// so that exact mode keeps the whole property test within seconds.
const REQUEST_BUDGET: f64 = 1.0e6;

#[derive(Debug, Clone)]
enum Shape {
    Predefined {
        index: usize,
        prefixed: bool,
    },
    Canary {
        percentage: u64,
        minutes: u64,
    },
    Linear {
        percentage: u64,
        minutes: u64,
    },
    AllAtOnce,
    /// `kind = "steps"`: positive weight increments (scaled to end at 100)
    /// with their bakes in seconds; the last bake is optional.
    Steps {
        parts: Vec<(f64, u64)>,
        last_bake: Option<u64>,
    },
    /// `kind = "lattice"`: initial weights and later changes (seconds after
    /// the previous change, weights), optional bake.
    Lattice {
        weights: [u32; 2],
        schedule: Vec<(u64, [u32; 2])>,
        bake: Option<u64>,
    },
}

#[derive(Debug, Clone)]
struct HookGen {
    seconds: u64,
    catch: f64,
    catch_override: Option<(usize, f64)>,
    flaky: f64,
}

#[derive(Debug, Clone)]
struct StrategyGen {
    shape: Shape,
    /// `None`: watch every alarm; else a subset by index bits.
    alarms: Option<u8>,
    rollback: bool,
    rollback_latency_s: u64,
    poll_interval_s: u64,
    extra_interval: bool,
    pre: Option<HookGen>,
    post: Option<HookGen>,
}

#[derive(Debug, Clone)]
enum Measure {
    Metric { metric: usize, statistic: usize },
    Expression(usize),
}

const METRICS: [&str; 4] = ["Errors", "Invocations", "Duration", "slow"];
const STATISTICS: [&str; 9] = [
    "Sum",
    "SampleCount",
    "Average",
    "Minimum",
    "Maximum",
    "p50",
    "p90",
    "p99",
    "p99.9",
];
const EXPRESSIONS: [&str; 11] = [
    "errors / invocations * 100",
    "IF(invocations > 20, errors / invocations * 100, 0)",
    "FILL(errors, 0) / FILL(invocations, 0) * 100",
    "MAX([Duration.p99 / 10, ABS(slow - 1)]) + (errors >= 1 AND invocations > 5)",
    "Duration.p99",
    "Duration.Average / 10",
    "Errors",
    "invocations - errors",
    "(errors + 1) * 2 / (invocations + 1)",
    "slow.Sum",
    "-Duration.Maximum",
];
const COMPARISONS: [&str; 8] = [
    ">",
    ">=",
    "<",
    "<=",
    "GreaterThanThreshold",
    "GreaterThanOrEqualToThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
];
const MISSING: [&str; 4] = ["missing", "notBreaching", "breaching", "ignore"];
const SCOPES: [&str; 3] = ["function", "version", "alias"];

#[derive(Debug, Clone)]
struct AlarmGen {
    scope: usize,
    measure: Measure,
    threshold: f64,
    comparison: usize,
    n: u32,
    m_seed: u32,
    missing: usize,
    period_pick: usize,
    extra_range: Option<u32>,
    low_sample_ignore: bool,
}

#[derive(Debug, Clone)]
enum FaultGen {
    Step {
        after_s: u64,
        rate: f64,
    },
    Ramp {
        after_s: u64,
        from: f64,
        to: f64,
        over_s: u64,
    },
    Intermittent {
        after_s: u64,
        rate: f64,
        on_s: u64,
        off_s: u64,
    },
    LatencyShift {
        after_s: u64,
        multiplier: f64,
        add_ms: f64,
    },
    ColdStart {
        requests: u64,
        extra_ms: f64,
    },
}

#[derive(Debug, Clone)]
enum LatencyGen {
    Fixed(f64),
    LogNormal { median: f64, ratio: f64 },
}

impl LatencyGen {
    fn toml(&self) -> String {
        match self {
            LatencyGen::Fixed(ms) => format!("{{ fixed_ms = {ms:?} }}"),
            LatencyGen::LogNormal { median, ratio } => {
                format!(
                    "{{ median_ms = {median:?}, p99_ms = {:?} }}",
                    median * ratio
                )
            }
        }
    }
}

#[derive(Debug, Clone)]
struct VersionGen {
    error_rate: Option<f64>,
    latency: Option<LatencyGen>,
    timeout_ms: Option<f64>,
}

#[derive(Debug, Clone)]
struct ScenarioGen {
    seed: u32,
    replications: u32,
    /// log10 of the requested rate per second, in [-2, log10(2000)].
    log_rate: f64,
    per_minute: bool,
    diurnal: Option<(f64, u64, u64)>,
    bursts: Vec<(u64, u64, f64)>,
    stable: VersionGen,
    candidate: Option<VersionGen>,
    faults: Vec<FaultGen>,
    slo_ms: Option<f64>,
    base_period: usize,
    ingestion_s: u64,
    filter: (usize, f64),
    alarms: Vec<AlarmGen>,
    strategies: Vec<StrategyGen>,
    extra_horizon_s: u64,
}

/// Metric periods in seconds; an alarm picks one that is a multiple of the
/// base period.
const PERIODS: [u64; 7] = [10, 20, 30, 60, 120, 180, 300];

fn probability() -> impl Strategy<Value = f64> {
    prop_oneof![Just(0.0), 0.0..0.05f64, 0.0..=1.0f64, Just(1.0)]
}

fn hook() -> impl Strategy<Value = HookGen> {
    (
        10u64..=600,
        probability(),
        proptest::option::of((0usize..5, probability())),
        0.0..0.2f64,
    )
        .prop_map(|(seconds, catch, catch_override, flaky)| HookGen {
            seconds,
            catch,
            catch_override,
            flaky,
        })
}

/// VPC Lattice weights `[stable, candidate]`: integers 0–999, not both 0.
fn lattice_weights() -> impl Strategy<Value = [u32; 2]> {
    prop_oneof![
        (0u32..=999, 0u32..=999).prop_filter("a positive sum", |(s, c)| s + c > 0),
        (1u32..=999).prop_map(|s| (s, 0)),
        (1u32..=999).prop_map(|c| (0, c)),
    ]
    .prop_map(|(s, c)| [s, c])
}

fn strategy_gen() -> impl Strategy<Value = StrategyGen> {
    let shape = prop_oneof![
        (0usize..9, any::<bool>())
            .prop_map(|(index, prefixed)| Shape::Predefined { index, prefixed }),
        (1u64..=99, 1u64..=10).prop_map(|(percentage, minutes)| Shape::Canary {
            percentage,
            minutes
        }),
        (5u64..=99, 1u64..=5).prop_map(|(percentage, minutes)| Shape::Linear {
            percentage,
            minutes
        }),
        Just(Shape::AllAtOnce),
        (
            proptest::collection::vec((0.1..10.0f64, 10u64..=600), 1..=4),
            proptest::option::of(0u64..=600),
        )
            .prop_map(|(parts, last_bake)| Shape::Steps { parts, last_bake }),
        (
            lattice_weights(),
            proptest::collection::vec((1u64..=900, lattice_weights()), 0..=2),
            proptest::option::of(0u64..=600),
        )
            .prop_map(|(weights, schedule, bake)| Shape::Lattice {
                weights,
                schedule,
                bake
            }),
    ];
    (
        shape,
        proptest::option::of(any::<u8>()),
        any::<bool>(),
        0u64..=30,
        prop_oneof![Just(10u64), Just(30), Just(60), Just(120)],
        any::<bool>(),
        proptest::option::of(hook()),
        proptest::option::of(hook()),
    )
        .prop_map(
            |(
                shape,
                alarms,
                rollback,
                rollback_latency_s,
                poll_interval_s,
                extra_interval,
                pre,
                post,
            )| StrategyGen {
                shape,
                alarms,
                rollback,
                rollback_latency_s,
                poll_interval_s,
                extra_interval,
                pre,
                post,
            },
        )
}

fn alarm_gen() -> impl Strategy<Value = AlarmGen> {
    let measure = prop_oneof![
        (0usize..METRICS.len(), 0usize..STATISTICS.len())
            .prop_map(|(metric, statistic)| Measure::Metric { metric, statistic }),
        (0usize..EXPRESSIONS.len()).prop_map(Measure::Expression),
    ];
    (
        (0usize..SCOPES.len(), measure, -10.0..500.0f64),
        (
            0usize..COMPARISONS.len(),
            1u32..=5,
            any::<u32>(),
            0usize..MISSING.len(),
            any::<usize>(),
            proptest::option::of(0u32..=4),
            any::<bool>(),
        ),
    )
        .prop_map(
            |(
                (scope, measure, threshold),
                (comparison, n, m_seed, missing, period_pick, extra_range, low_sample_ignore),
            )| AlarmGen {
                scope,
                measure,
                threshold,
                comparison,
                n,
                m_seed,
                missing,
                period_pick,
                extra_range,
                low_sample_ignore,
            },
        )
}

fn fault_gen() -> impl Strategy<Value = FaultGen> {
    let after = 0u64..=900;
    let rate = prop_oneof![0.001..0.05f64, 0.001..=1.0f64];
    prop_oneof![
        (after.clone(), rate.clone()).prop_map(|(after_s, rate)| FaultGen::Step { after_s, rate }),
        (after.clone(), 0.0..=1.0f64, 0.0..=1.0f64, 1u64..=900).prop_map(
            |(after_s, from, to, over_s)| FaultGen::Ramp {
                after_s,
                from,
                to,
                over_s
            }
        ),
        (after.clone(), rate, 1u64..=300, 1u64..=300).prop_map(|(after_s, rate, on_s, off_s)| {
            FaultGen::Intermittent {
                after_s,
                rate,
                on_s,
                off_s,
            }
        }),
        (after, 0.5..5.0f64, 1.0..500.0f64).prop_map(|(after_s, multiplier, add_ms)| {
            FaultGen::LatencyShift {
                after_s,
                multiplier,
                add_ms,
            }
        }),
        (1u64..=1000, 1.0..2000.0f64)
            .prop_map(|(requests, extra_ms)| FaultGen::ColdStart { requests, extra_ms }),
    ]
}

fn latency_gen() -> impl Strategy<Value = LatencyGen> {
    prop_oneof![
        (1.0..500.0f64).prop_map(LatencyGen::Fixed),
        (5.0..300.0f64, 1.2..10.0f64)
            .prop_map(|(median, ratio)| LatencyGen::LogNormal { median, ratio }),
    ]
}

fn version_gen() -> impl Strategy<Value = VersionGen> {
    (
        proptest::option::of(probability()),
        proptest::option::of(latency_gen()),
        proptest::option::of(50.0..3000.0f64),
    )
        .prop_map(|(error_rate, latency, timeout_ms)| VersionGen {
            error_rate,
            latency,
            timeout_ms,
        })
}

fn scenario_gen() -> impl Strategy<Value = ScenarioGen> {
    let traffic = (
        -2.0..2000f64.log10(),
        any::<bool>(),
        proptest::option::of((0.0..0.95f64, 300u64..=86_400, 0u64..=3600)),
        proptest::collection::vec((0u64..=1800, 10u64..=600, 0.1..5.0f64), 0..=2),
    );
    let versions = (
        version_gen(),
        proptest::option::of(version_gen()),
        proptest::collection::vec(fault_gen(), 0..=3),
        proptest::option::of(50.0..2000.0f64),
    );
    let metrics = (
        0usize..5,
        0u64..=120,
        (0usize..SCOPES.len(), 1.0..1000.0f64),
        proptest::collection::vec(alarm_gen(), 1..=3),
    );
    (
        (any::<u32>(), 1u32..=3),
        traffic,
        versions,
        metrics,
        proptest::collection::vec(strategy_gen(), 1..=3),
        1u64..=1200,
    )
        .prop_map(
            |(
                (seed, replications),
                (log_rate, per_minute, diurnal, bursts),
                (stable, candidate, faults, slo_ms),
                (base_period, ingestion_s, filter, alarms),
                strategies,
                extra_horizon_s,
            )| ScenarioGen {
                seed,
                replications,
                log_rate,
                per_minute,
                diurnal,
                bursts,
                stable,
                candidate,
                faults,
                slo_ms,
                base_period,
                ingestion_s,
                filter,
                alarms,
                strategies,
                extra_horizon_s,
            },
        )
}

fn write_version(text: &mut String, table: &str, v: &VersionGen) {
    let _ = writeln!(text, "\n[versions.{table}]");
    if let Some(p) = v.error_rate {
        let _ = writeln!(text, "error_rate = {p:?}");
    }
    if let Some(l) = &v.latency {
        let _ = writeln!(text, "latency = {}", l.toml());
    }
    if let Some(t) = v.timeout_ms {
        let _ = writeln!(text, "timeout_ms = {t:?}");
    }
}

fn write_hook(text: &mut String, strategy: &str, key: &str, h: &HookGen) {
    const KINDS: [&str; 5] = [
        "step_error",
        "ramp_error",
        "intermittent",
        "latency_shift",
        "cold_start",
    ];
    let _ = writeln!(
        text,
        "\n[strategies.{strategy}.{key}]\nduration = \"{}s\"\ncatch_probability = {:?}\nflaky_probability = {:?}",
        h.seconds, h.catch, h.flaky
    );
    if let Some((kind, p)) = h.catch_override {
        let _ = writeln!(text, "catch = {{ {} = {p:?} }}", KINDS[kind]);
    }
}

impl ScenarioGen {
    /// The scenario as TOML: first rendered with a 7-day horizon to learn
    /// every strategy's nominal duration from the library, then with the
    /// longest nominal duration plus `extra_horizon_s`.
    fn toml(&self) -> Result<String, String> {
        let draft = load(&self.render(7 * 86_400))?;
        let nominal = draft
            .strategies
            .iter()
            .map(canarysim::scenario::nominal_duration)
            .max()
            .unwrap_or(Micros::ZERO);
        let nominal_s = nominal.as_micros().div_ceil(MICROS_PER_SEC);
        Ok(self.render(nominal_s + self.extra_horizon_s))
    }

    fn render(&self, horizon_s: u64) -> String {
        let mut t = String::new();
        let _ = writeln!(
            t,
            "seed = {}\nreplications = {}\nhorizon = \"{horizon_s}s\"",
            self.seed, self.replications,
        );
        let rate = 10f64
            .powf(self.log_rate)
            .min(REQUEST_BUDGET / horizon_s as f64);
        t.push_str("\n[traffic]\n");
        if self.per_minute {
            let _ = writeln!(t, "rate_per_min = {:?}", rate * 60.0);
        } else {
            let _ = writeln!(t, "rate_per_s = {rate:?}");
        }
        if let Some((amplitude, period, phase)) = self.diurnal {
            let _ = writeln!(
                t,
                "diurnal = {{ amplitude = {amplitude:?}, period = \"{period}s\", phase = \"{phase}s\" }}"
            );
        }
        for (start, duration, multiplier) in &self.bursts {
            let _ = writeln!(
                t,
                "\n[[traffic.bursts]]\nstart = \"{start}s\"\nduration = \"{duration}s\"\nmultiplier = {multiplier:?}"
            );
        }
        write_version(&mut t, "stable", &self.stable);
        if let Some(c) = &self.candidate {
            write_version(&mut t, "candidate", c);
        }
        for f in &self.faults {
            t.push_str("\n[[faults]]\n");
            let _ = match f {
                FaultGen::Step { after_s, rate } => writeln!(
                    t,
                    "kind = \"step_error\"\nafter = \"{after_s}s\"\nerror_rate = {rate:?}"
                ),
                FaultGen::Ramp {
                    after_s,
                    from,
                    to,
                    over_s,
                } => writeln!(
                    t,
                    "kind = \"ramp_error\"\nafter = \"{after_s}s\"\nfrom = {from:?}\nto = {to:?}\nover = \"{over_s}s\""
                ),
                FaultGen::Intermittent {
                    after_s,
                    rate,
                    on_s,
                    off_s,
                } => writeln!(
                    t,
                    "kind = \"intermittent\"\nafter = \"{after_s}s\"\nerror_rate = {rate:?}\non = \"{on_s}s\"\noff = \"{off_s}s\""
                ),
                FaultGen::LatencyShift {
                    after_s,
                    multiplier,
                    add_ms,
                } => writeln!(
                    t,
                    "kind = \"latency_shift\"\nafter = \"{after_s}s\"\nmultiplier = {multiplier:?}\nadd_ms = {add_ms:?}"
                ),
                FaultGen::ColdStart { requests, extra_ms } => writeln!(
                    t,
                    "kind = \"cold_start\"\nrequests = {requests}\nextra_ms = {extra_ms:?}"
                ),
            };
        }
        if let Some(ms) = self.slo_ms {
            let _ = writeln!(t, "\n[slo]\nlatency_ms = {ms:?}");
        }
        let base = PERIODS[self.base_period];
        let _ = writeln!(
            t,
            "\n[metrics]\nperiod = \"{base}s\"\ningestion_delay = \"{}s\"\n\n[metrics.filters.slow]\nscope = \"{}\"\npattern = \"$.duration > {:?}\"",
            self.ingestion_s, SCOPES[self.filter.0], self.filter.1
        );
        let periods: Vec<u64> = PERIODS
            .iter()
            .copied()
            .filter(|p| *p >= base && p % base == 0)
            .collect();
        for (i, a) in self.alarms.iter().enumerate() {
            let _ = writeln!(t, "\n[alarms.a{i}]\nscope = \"{}\"", SCOPES[a.scope]);
            let _ = match a.measure {
                Measure::Metric { metric, statistic } => writeln!(
                    t,
                    "metric = \"{}\"\nstatistic = \"{}\"",
                    METRICS[metric], STATISTICS[statistic]
                ),
                Measure::Expression(e) => writeln!(t, "expression = \"{}\"", EXPRESSIONS[e]),
            };
            let m = 1 + a.m_seed % a.n;
            let _ = writeln!(
                t,
                "threshold = {:?}\ncomparison = \"{}\"\nevaluation_periods = {}\ndatapoints_to_alarm = {m}\ntreat_missing_data = \"{}\"\nperiod = \"{}s\"",
                a.threshold,
                COMPARISONS[a.comparison],
                a.n,
                MISSING[a.missing],
                periods[a.period_pick % periods.len()]
            );
            // Validation rejects a range that can never hold a visible
            // datapoint (E·P < ingestion delay + evaluation interval): keep
            // every generated range at least that long.
            let period_s = periods[a.period_pick % periods.len()];
            let can_see = (self.ingestion_s + 60).div_ceil(period_s) as u32;
            let default_range = a.n + (a.n / 3).max(2);
            match a.extra_range {
                Some(extra) => {
                    let _ = writeln!(t, "evaluation_range = {}", (a.n + extra).max(can_see));
                }
                None if default_range < can_see => {
                    let _ = writeln!(t, "evaluation_range = {can_see}");
                }
                None => {}
            }
            if a.low_sample_ignore {
                t.push_str("evaluate_low_sample_count_percentile = \"ignore\"\n");
            }
        }
        for (i, s) in self.strategies.iter().enumerate() {
            let name = format!("s{i}");
            let _ = writeln!(t, "\n[strategies.{name}]");
            let _ = match s.shape {
                Shape::Predefined { index, prefixed } => writeln!(
                    t,
                    "config = \"{}{}\"",
                    if prefixed {
                        "CodeDeployDefault.Lambda"
                    } else {
                        ""
                    },
                    CONFIGS[index]
                ),
                Shape::Canary {
                    percentage,
                    minutes,
                } => writeln!(
                    t,
                    "type = \"canary\"\npercentage = {percentage}\ninterval = \"{minutes}m\""
                ),
                Shape::Linear {
                    percentage,
                    minutes,
                } => writeln!(
                    t,
                    "type = \"linear\"\npercentage = {percentage}\ninterval = \"{minutes}m\""
                ),
                Shape::AllAtOnce => writeln!(t, "type = \"all_at_once\""),
                Shape::Steps {
                    ref parts,
                    last_bake,
                } => {
                    let total: f64 = parts.iter().map(|(w, _)| w).sum();
                    let mut cumulative = 0.0;
                    let steps: Vec<String> = parts
                        .iter()
                        .enumerate()
                        .map(|(k, (w, bake))| {
                            cumulative += w;
                            if k + 1 == parts.len() {
                                let bake = last_bake
                                    .map(|b| format!(", bake = \"{b}s\""))
                                    .unwrap_or_default();
                                format!("{{ weight = 100{bake} }}")
                            } else {
                                let weight = cumulative / total * 100.0;
                                format!("{{ weight = {weight:?}, bake = \"{bake}s\" }}")
                            }
                        })
                        .collect();
                    writeln!(t, "kind = \"steps\"\nsteps = [{}]", steps.join(", "))
                }
                Shape::Lattice {
                    weights,
                    ref schedule,
                    bake,
                } => {
                    let mut after = 0;
                    let changes: Vec<String> = schedule
                        .iter()
                        .map(|(gap, [s, c])| {
                            after += gap;
                            format!("{{ after = \"{after}s\", weights = [{s}, {c}] }}")
                        })
                        .collect();
                    let _ = writeln!(
                        t,
                        "kind = \"lattice\"\nweights = [{}, {}]\nschedule = [{}]",
                        weights[0],
                        weights[1],
                        changes.join(", ")
                    );
                    match bake {
                        Some(b) => writeln!(t, "bake = \"{b}s\""),
                        None => Ok(()),
                    }
                }
            };
            if let Some(bits) = s.alarms {
                let names: Vec<String> = (0..self.alarms.len())
                    .filter(|a| bits & (1 << a) != 0)
                    .map(|a| format!("\"a{a}\""))
                    .collect();
                let _ = writeln!(t, "alarms = [{}]", names.join(", "));
            }
            let _ = writeln!(t, "rollback = {}", s.rollback);
            // Keys by kind: lattice has no poll or rollback latency (alarm
            // actions and a rollback function instead); linear_completion is
            // CodeDeploy's.
            if !matches!(s.shape, Shape::Lattice { .. }) {
                let _ = writeln!(
                    t,
                    "rollback_latency = \"{}s\"\npoll_interval = \"{}s\"",
                    s.rollback_latency_s, s.poll_interval_s
                );
            }
            if !matches!(s.shape, Shape::Lattice { .. } | Shape::Steps { .. }) {
                let completion = if s.extra_interval {
                    "extra_interval"
                } else {
                    "last_shift"
                };
                let _ = writeln!(t, "linear_completion = \"{completion}\"");
            }
            if let Some(h) = &s.pre {
                write_hook(&mut t, &name, "pre_traffic_hook", h);
            }
            if let Some(h) = &s.post {
                write_hook(&mut t, &name, "post_traffic_hook", h);
            }
        }
        t
    }
}

fn load(text: &str) -> Result<Scenario, String> {
    let value =
        canarysim::scenario::parse_document(text, "prop.toml").map_err(|e| e.to_string())?;
    canarysim::scenario::from_value(value, text, "prop.toml").map_err(|e| e.to_string())
}

/// Every invariant of one run's outputs.
fn check_outputs(sc: &Scenario, results: &RunResults) -> Result<(), TestCaseError> {
    let horizon_s = to_secs(sc.horizon);
    let mode = sc.sampling.name();
    prop_assert_eq!(
        results.runs.len(),
        sc.strategies.len() * sc.replications as usize
    );
    for r in &results.runs {
        let what = format!("{mode} {}#{}", r.strategy, r.replication);
        prop_assert!(r.bad_requests <= r.candidate_requests, "{}: {:?}", what, r);
        prop_assert!(
            r.candidate_requests <= r.requests_total,
            "{}: {:?}",
            what,
            r
        );
        prop_assert!(r.errors_total <= r.requests_total, "{}: {:?}", what, r);
        prop_assert!(
            r.deploy_s >= 0.0 && r.deploy_s <= horizon_s,
            "{}: deploy_s beyond the horizon {}: {:?}",
            what,
            horizon_s,
            r
        );
        if let Some(d) = r.detection_s {
            prop_assert!(
                d >= 0.0 && d <= horizon_s,
                "{}: detection_s beyond the horizon {}: {:?}",
                what,
                horizon_s,
                r
            );
            if let Some(rb) = r.rollback_s {
                prop_assert!(rb >= d, "{}: rollback before detection: {:?}", what, r);
            }
        }
        match r.outcome {
            Outcome::Completed => prop_assert!(
                r.detection_s.is_none() && r.rollback_s.is_none(),
                "{}: a completed deployment has no detection: {:?}",
                what,
                r
            ),
            Outcome::RolledBack | Outcome::Stopped => prop_assert!(
                r.detection_s.is_some() && !r.trigger.is_none(),
                "{}: a stopped deployment says what stopped it: {:?}",
                what,
                r
            ),
        }
    }
    for row in &results.timeline {
        prop_assert!(
            (0.0..=100.0).contains(&row.candidate_weight_pct),
            "{} weight {} at {}",
            mode,
            row.candidate_weight_pct,
            row.period_start_s
        );
        prop_assert!(row.stable_errors <= row.stable_requests, "{:?}", row);
        prop_assert!(row.candidate_errors <= row.candidate_requests, "{:?}", row);
        prop_assert!(row.period_start_s < horizon_s, "{:?}", row);
        prop_assert_eq!(row.alarms.len(), sc.alarms.len());
    }
    for s in summarize(&results.runs) {
        let rates = [
            (
                "rollback",
                Some(s.rollback_rate),
                Some(s.rollback_rate_lo),
                Some(s.rollback_rate_hi),
            ),
            (
                "false_rollback",
                s.false_rollback_rate,
                s.false_rollback_rate_lo,
                s.false_rollback_rate_hi,
            ),
            ("missed", s.missed_rate, s.missed_rate_lo, s.missed_rate_hi),
        ];
        for (name, rate, lo, hi) in rates {
            let Some(rate) = rate else {
                prop_assert!(
                    lo.is_none() && hi.is_none(),
                    "{} {}: bounds without a rate",
                    mode,
                    name
                );
                continue;
            };
            let (lo, hi) = (lo.unwrap_or(f64::NAN), hi.unwrap_or(f64::NAN));
            prop_assert!(
                0.0 <= lo && lo <= rate && rate <= hi && hi <= 1.0,
                "{} {} {}: {} not within [{}, {}] ⊆ [0, 1]",
                mode,
                s.strategy,
                name,
                rate,
                lo,
                hi
            );
        }
        for q in [
            s.detection_mean_detected_s,
            s.detection_p50_detected_s,
            s.detection_p95_detected_s,
            s.detection_p50_s,
            s.detection_p95_s,
        ]
        .into_iter()
        .flatten()
        {
            prop_assert!((0.0..=horizon_s).contains(&q), "{} detection {}", mode, q);
        }
        prop_assert!(s.bad_requests_mean <= s.candidate_requests_mean + 1e-9);
        prop_assert!(s.bad_requests_mean_lo <= s.bad_requests_mean + 1e-9);
        prop_assert!(s.bad_requests_mean <= s.bad_requests_mean_hi + 1e-9);
        prop_assert!(s.bad_requests_mean_lo >= 0.0 && s.excess_bad_requests_mean_lo >= 0.0);
        prop_assert!(s.excess_bad_requests_mean <= s.bad_requests_mean + 1e-9);
        prop_assert!(
            (s.bad_requests_during_deploy_mean + s.bad_requests_after_deploy_mean
                - s.bad_requests_mean)
                .abs()
                <= 1e-9 * (1.0 + s.bad_requests_mean)
        );
        if let (Some(p50), Some(d50)) = (s.detection_p50_s, s.detection_p50_detected_s) {
            // counting misses as never can only delay the median
            prop_assert!(p50 >= d50 - 1e-9, "{} p50 {} < detected {}", mode, p50, d50);
        }
        prop_assert!((0.0..=horizon_s).contains(&s.deploy_p50_s));
    }
    Ok(())
}

#[test]
fn random_valid_scenarios_keep_every_invariant_in_both_modes() {
    let config = Config {
        cases: cases(64),
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    runner
        .run(&scenario_gen(), |generated| {
            let text = generated.toml().map_err(|err| {
                TestCaseError::fail(format!("the generator made an invalid scenario: {err}"))
            })?;
            let mut sc = match load(&text) {
                Ok(sc) => sc,
                Err(err) => {
                    return Err(TestCaseError::fail(format!(
                        "the generator made an invalid scenario: {err}\n{text}"
                    )))
                }
            };
            bodies::scenario_input(text.as_bytes());
            for sampling in [Sampling::Exact, Sampling::Fast] {
                sc.sampling = sampling;
                let results = run_all(&sc);
                check_outputs(&sc, &results)
                    .map_err(|e| TestCaseError::fail(format!("{e}\nscenario:\n{text}")))?;
            }
            Ok(())
        })
        .unwrap();
}

// ---------------------------------------------------------------------------
// The alarm evaluator.

fn valid_rule() -> impl Strategy<Value = AlarmRule> {
    (
        -5.0..5.0f64,
        0usize..4,
        1u32..=6,
        any::<u32>(),
        0usize..4,
        0u32..=5,
    )
        .prop_map(|(threshold, c, n, m_seed, mode, extra)| AlarmRule {
            threshold,
            comparison: [
                Comparison::GreaterThan,
                Comparison::GreaterThanOrEqual,
                Comparison::LessThan,
                Comparison::LessThanOrEqual,
            ][c],
            evaluation_periods: n,
            datapoints_to_alarm: 1 + m_seed % n,
            missing_data: [
                MissingData::Missing,
                MissingData::NotBreaching,
                MissingData::Breaching,
                MissingData::Ignore,
            ][mode],
            evaluation_range: n + extra,
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(500), ..ProptestConfig::default() })]

    /// With every datapoint present, the state after each datapoint is a
    /// plain M-of-N count over the newest N datapoints (fewer at the start,
    /// where `breaching` / `notBreaching` fill the gap as documented).
    #[test]
    fn m_of_n_with_real_datapoints_is_a_count(
        rule in valid_rule(),
        series in proptest::collection::vec(-6.0..6.0f64, 1..40),
    ) {
        let points: Vec<Option<f64>> = series.iter().copied().map(Some).collect();
        let states = replay(&rule, &points);
        prop_assert_eq!(states.len(), points.len());
        let n = rule.evaluation_periods as usize;
        let m = rule.datapoints_to_alarm as usize;
        for (t, state) in states.iter().enumerate() {
            let newest = &series[(t + 1).saturating_sub(n)..=t];
            let breaching = newest
                .iter()
                .filter(|v| rule.comparison.breaches(**v, rule.threshold))
                .count();
            let filled = match rule.missing_data {
                MissingData::Breaching => n - newest.len(),
                _ => 0,
            };
            let expected = if breaching + filled >= m {
                AlarmState::Alarm
            } else {
                AlarmState::Ok
            };
            let decided = newest.len() == n
                || matches!(rule.missing_data, MissingData::Breaching | MissingData::NotBreaching)
                || breaching >= m;
            if decided {
                prop_assert_eq!(*state, expected, "t = {}, rule {:?}, series {:?}", t, rule, series);
            }
        }
    }

    /// Any series (missing points, NaN, infinities) through any valid rule:
    /// `replay` never panics and has one state per datapoint.
    #[test]
    fn replay_survives_any_series(
        rule in valid_rule(),
        series in proptest::collection::vec(
            proptest::option::of(prop_oneof![
                -6.0..6.0f64,
                Just(f64::NAN),
                Just(f64::INFINITY),
                Just(f64::NEG_INFINITY),
                Just(f64::MAX),
            ]),
            0..60,
        ),
    ) {
        let states = replay(&rule, &series);
        prop_assert_eq!(states.len(), series.len());
    }

    /// The alarm fuzz target's body on random bytes.
    #[test]
    fn alarm_fuzz_body_on_random_bytes(data in proptest::collection::vec(any::<u8>(), 0..300)) {
        bodies::alarm_input(&data);
    }
}

// ---------------------------------------------------------------------------
// The scenario fuzz target's body on the corpora and on mutations of them.

/// Every shipped scenario and every bad scenario, as bytes.
fn seed_texts() -> Vec<Vec<u8>> {
    let mut texts = Vec::new();
    for dir in ["scenarios", "tests/bad_scenarios", "tests/data"] {
        let mut paths: Vec<_> = fs::read_dir(root().join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        paths.sort();
        texts.extend(paths.iter().map(|p| fs::read(p).unwrap()));
    }
    texts
}

/// Values that validation must reject or survive, put in place of a value.
const AWKWARD: [&str; 16] = [
    "nan",
    "-inf",
    "1e300",
    "-1",
    "0",
    "9223372036854775807",
    "\"\"",
    "\"0s\"",
    "\"99999999d\"",
    "\"7d\"",
    "[]",
    "{}",
    "true",
    "1979-05-27",
    "\"p100\"",
    "\"\\u0000\"",
];

#[derive(Debug, Clone)]
enum Mutation {
    /// Replace the byte at a position.
    Byte(usize, u8),
    /// Delete a range of bytes.
    Delete(usize, usize),
    /// Replace the value on a line (`key = value`) by an awkward one.
    Value(usize, usize),
    /// Duplicate a line.
    Duplicate(usize),
    /// Cut the text at a position.
    Truncate(usize),
}

fn mutate(text: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut bytes = text.to_vec();
    for m in mutations {
        if bytes.is_empty() {
            break;
        }
        let len = bytes.len();
        match *m {
            Mutation::Byte(at, b) => {
                if let Some(slot) = bytes.get_mut(at % len) {
                    *slot = b;
                }
            }
            Mutation::Delete(at, n) => {
                let start = (at % len).min(bytes.len());
                let end = (start + n).min(bytes.len());
                bytes.drain(start..end);
            }
            Mutation::Truncate(at) => bytes.truncate(at % len),
            Mutation::Value(line, value) => {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                let lines: Vec<&str> = text.lines().collect();
                let keyed: Vec<usize> = (0..lines.len())
                    .filter(|i| lines[*i].contains(" = "))
                    .collect();
                if keyed.is_empty() {
                    continue;
                }
                let target = keyed[line % keyed.len()];
                let mut out = String::new();
                for (i, l) in lines.iter().enumerate() {
                    if i == target {
                        let key = l.split(" = ").next().unwrap_or("");
                        out.push_str(&format!("{key} = {}", AWKWARD[value % AWKWARD.len()]));
                    } else {
                        out.push_str(l);
                    }
                    out.push('\n');
                }
                bytes = out.into_bytes();
            }
            Mutation::Duplicate(line) => {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                let lines: Vec<&str> = text.lines().collect();
                let Some(target) = line.checked_rem(lines.len()) else {
                    continue;
                };
                let mut out = String::new();
                for (i, l) in lines.iter().enumerate() {
                    out.push_str(l);
                    out.push('\n');
                    if i == target {
                        out.push_str(l);
                        out.push('\n');
                    }
                }
                bytes = out.into_bytes();
            }
        }
    }
    bytes
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(a, b)| Mutation::Byte(a, b)),
        (any::<usize>(), 1usize..40).prop_map(|(a, n)| Mutation::Delete(a, n)),
        (any::<usize>(), any::<usize>()).prop_map(|(l, v)| Mutation::Value(l, v)),
        (any::<usize>(), any::<usize>()).prop_map(|(l, v)| Mutation::Value(l, v)),
        any::<usize>().prop_map(Mutation::Duplicate),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

#[test]
fn scenario_fuzz_body_on_the_corpora_and_their_mutations() {
    let seeds = seed_texts();
    for text in &seeds {
        bodies::scenario_input(text);
    }
    let config = Config {
        cases: cases(400),
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let strategy = (0..seeds.len(), proptest::collection::vec(mutation(), 1..4));
    runner
        .run(&strategy, |(seed, mutations)| {
            bodies::scenario_input(&mutate(&seeds[seed], &mutations));
            Ok(())
        })
        .unwrap();
    // Raw bytes too, as libFuzzer starts.
    let mut runner = TestRunner::new(Config {
        cases: cases(200),
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&proptest::collection::vec(any::<u8>(), 0..200), |data| {
            bodies::scenario_input(&data);
            Ok(())
        })
        .unwrap();
}
