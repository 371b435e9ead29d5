//! The one validation step: `RawScenario` (serde mirror) to the typed
//! `model::Scenario`. Applies defaults, checks every range and
//! cross-reference, and reports the first problem with its key path.

use std::collections::BTreeMap;

use crate::alarm::{AlarmRule, Comparison, MissingData};
use crate::model::{
    AlarmSpec, ApiGwSpec, Burst, CodeDeploySpec, DelayDist, Deploy, DeploymentSettings, Diurnal,
    Expr, Fault, FaultKind, Function, Hook, LatencyDist, LatticeChange, LatticeSpec,
    LinearCompletion, LogFilter, LowSampleCount, MetricStat, MetricsSettings, Operator, PollGuard,
    Sampling, Scenario, Scope, StageCache, Statistic, StepsSpec, StrategyKind, StrategySpec,
    Traffic, TrafficShift, VersionProfile, WeightStep,
};
use crate::time::{secs, Micros};

use super::duration::format_duration;
use super::duration::parse_duration;
use super::error::{KeyPath, Problem, VResult};
use super::expr::{
    metric_hint, metric_name, parse_expression, parse_filter_pattern, parse_statistic,
    resolve_metric, statistic_name, STATISTIC_HINT,
};
use super::raw::{
    RawAlarm, RawDelay, RawFault, RawFilter, RawFunction, RawHook, RawLatency, RawScenario,
    RawStrategy, RawTraffic, RawVersion, RawVersions,
};

const MINUTE: Micros = secs(60);
const HOUR: Micros = secs(3600);
const DAY: Micros = secs(86_400);

pub const DEFAULT_SEED: u64 = 1;
pub const DEFAULT_REPLICATIONS: u32 = 1000;
/// Most replications a scenario gives or a run accepts (`--reps`).
pub const MAX_REPLICATIONS: u32 = 10_000_000;
pub const MAX_HORIZON: Micros = 7 * DAY;
pub const MAX_RATE_PER_S: f64 = 1e6;
pub const DEFAULT_PERIOD: Micros = secs(60);
pub const DEFAULT_INGESTION_DELAY: Micros = secs(60);
pub const DEFAULT_ROLLBACK_LATENCY: Micros = secs(5);
pub const DEFAULT_POLL_INTERVAL: Micros = secs(60);
pub const MAX_HOOK_DURATION: Micros = HOUR;
/// Hook limit of the kinds other than CodeDeploy (a pipeline test stage).
pub const MAX_PIPELINE_HOOK_DURATION: Micros = DAY;
/// VPC Lattice weight-change propagation (reference §4: about 90 s).
pub const DEFAULT_PROPAGATION_DELAY: Micros = secs(90);
/// Alarm state change → SNS delivery to the rollback function (AWS silent).
pub const DEFAULT_SNS_DELAY: Micros = secs(1);
/// Rollback function run time up to its listener update (AWS silent).
pub const DEFAULT_FUNCTION_DURATION: Micros = secs(3);
/// Latency of an API Gateway stage-cache hit, ms.
pub const DEFAULT_CACHE_HIT_LATENCY_MS: f64 = 5.0;
/// Warm-up of the canary's cold stage cache.
pub const DEFAULT_CACHE_WARMUP: Micros = secs(600);
/// Largest VPC Lattice target-group weight.
pub const MAX_LATTICE_WEIGHT: i64 = 999;
/// Initial Lattice weights `[stable, candidate]`.
pub const DEFAULT_LATTICE_WEIGHTS: [u32; 2] = [90, 10];
/// CodeDeploy's limit on the first-to-last traffic shift span.
pub const MAX_SHIFT_SPAN: Micros = 2880 * MINUTE;
pub const MAX_EVALUATION_RANGE: i64 = 10_000;

/// The stable version when `[versions.stable]` is absent.
pub const DEFAULT_PROFILE: VersionProfile = VersionProfile {
    error_rate: 0.0,
    latency: LatencyDist::Fixed { ms: 100.0 },
    timeout_ms: None,
};

const SCOPES: &str = "function, version, alias, canary_stage";
const PERIODS: &str = "10s, 20s, 30s or a multiple of 60s";
const STRATEGY_KINDS: &str = "codedeploy, apigw_canary, steps, lattice";
const DELAY_HINT: &str = "a duration such as \"90s\", or a table { median = \"30m\", p99 = \"2h\" }, { mean = \"10m\", sd = \"5m\" } or { min = \"1s\", max = \"5s\" }";
const SHAPES: &str = "canary, linear, all_at_once";
const FAULT_KINDS: &str = "step_error, ramp_error, intermittent, latency_shift, cold_start";

/// CodeDeploy's predefined Lambda configurations.
pub const PREDEFINED_CONFIGS: [(&str, TrafficShift); 9] = [
    ("AllAtOnce", TrafficShift::AllAtOnce),
    ("Canary10Percent5Minutes", canary(10, 5)),
    ("Canary10Percent10Minutes", canary(10, 10)),
    ("Canary10Percent15Minutes", canary(10, 15)),
    ("Canary10Percent30Minutes", canary(10, 30)),
    ("Linear10PercentEvery1Minute", linear(10, 1)),
    ("Linear10PercentEvery2Minutes", linear(10, 2)),
    ("Linear10PercentEvery3Minutes", linear(10, 3)),
    ("Linear10PercentEvery10Minutes", linear(10, 10)),
];

const CONFIG_PREFIX: &str = "CodeDeployDefault.Lambda";

const fn canary(percentage: u32, minutes: u64) -> TrafficShift {
    TrafficShift::Canary {
        percentage,
        interval: minutes * MINUTE,
    }
}

const fn linear(percentage: u32, minutes: u64) -> TrafficShift {
    TrafficShift::Linear {
        percentage,
        interval: minutes * MINUTE,
    }
}

/// Validates a raw scenario. `default_name` is used when `name` is absent.
pub(crate) fn validate(raw: RawScenario, default_name: &str) -> VResult<Scenario> {
    let root = KeyPath::root();
    let name = match raw.name.clone() {
        Some(name) => check_name(&root.key("name"), name)?,
        None if default_name.is_empty() => "scenario".to_string(),
        None => default_name.to_string(),
    };
    let seed = match raw.seed {
        None => DEFAULT_SEED,
        Some(seed) => u64::try_from(seed).map_err(|_| {
            Problem::new(
                &root.key("seed"),
                format!("must be an integer >= 0; got {seed}"),
            )
        })?,
    };
    let replications = match raw.replications {
        None => DEFAULT_REPLICATIONS,
        Some(n) if (1..=i64::from(MAX_REPLICATIONS)).contains(&n) => n as u32,
        Some(n) => {
            return Err(Problem::new(
                &root.key("replications"),
                format!("must be an integer from 1 to {MAX_REPLICATIONS}; got {n}"),
            ))
        }
    };
    let horizon = raw.horizon.0;
    if horizon == 0 || horizon > MAX_HORIZON {
        return Err(Problem::new(
            &root.key("horizon"),
            format!(
                "must be a duration > 0 and <= 7 days (\"7d\"); got {}",
                format_duration(horizon)
            ),
        ));
    }
    let functions = functions(&root, &raw)?;
    let multi_function = !raw.functions.is_empty();
    check_fault_edges(&root, &functions, multi_function, horizon)?;
    let deployment = deployment(&root, &raw, multi_function)?;

    let sla_ms = match raw.slo.as_ref().and_then(|s| s.latency_ms) {
        None => None,
        Some(ms) => Some(latency_ms(&root.key("slo").key("latency_ms"), ms)?),
    };

    let metrics = metrics(&root.key("metrics"), &raw.metrics)?;
    let filter_names: Vec<String> = metrics.filters.iter().map(|f| f.name.clone()).collect();

    let function_names: Vec<&str> = raw.functions.keys().map(String::as_str).collect();
    let alarms = raw
        .alarms
        .iter()
        .map(|(name, a)| {
            alarm(
                &root.key("alarms").key(name),
                name,
                a,
                &metrics,
                &filter_names,
                &function_names,
            )
        })
        .collect::<VResult<Vec<_>>>()?;

    let strategies_path = root.key("strategies");
    if raw.strategies.is_empty() {
        return Err(Problem::new(
            &strategies_path,
            "at least one strategy is required, e.g. [strategies.canary] with config = \"Canary10Percent5Minutes\"",
        ));
    }
    let alarm_names: Vec<&str> = raw.alarms.keys().map(String::as_str).collect();
    let strategies = raw
        .strategies
        .iter()
        .map(|(name, s)| {
            let path = strategies_path.key(name);
            if name.trim().is_empty() || name.chars().any(char::is_control) {
                return Err(Problem::new(
                    &path,
                    format!("strategy name {name:?} is empty or has control characters; name strategies like [strategies.canary]"),
                ));
            }
            if multi_function && name.contains('/') {
                return Err(Problem::new(
                    &path,
                    format!("strategy name {name:?} must not contain '/' in a multi-function scenario (results are named STRATEGY/FUNCTION)"),
                ));
            }
            strategy(&path, name, s, &alarm_names)
        })
        .collect::<VResult<Vec<_>>>()?;

    for s in &strategies {
        let needed = crate::strategy::nominal_duration(s);
        if horizon < needed {
            return Err(Problem::new(
                &root.key("horizon"),
                format!(
                    "{} is shorter than strategy \"{}\" needs ({}: hooks plus the full rollout with median delays); the horizon must be at least {}",
                    format_duration(horizon),
                    s.name,
                    format_duration(needed),
                    format_duration(needed)
                ),
            ));
        }
    }

    Ok(Scenario {
        name,
        seed,
        replications,
        horizon,
        candidate_faulty: functions.iter().any(|f| f.candidate_faulty),
        functions,
        multi_function,
        deployment,
        metrics,
        sla_ms,
        alarms,
        strategies,
        sampling: Sampling::default(),
    })
}

/// Time from deployment start to completion when nothing goes wrong.
pub use crate::strategy::nominal_duration;

/// The functions of the scenario: the top-level `traffic`, `versions` and
/// `faults` as one function `main`, or one per `[functions.NAME]` (each
/// taking what it does not give from the top level).
fn functions(root: &KeyPath, raw: &RawScenario) -> VResult<Vec<Function>> {
    let traffic_path = root.key("traffic");
    let default_traffic = match &raw.traffic {
        None => None,
        Some(t) => Some(traffic(&traffic_path, t)?),
    };
    let versions = root.key("versions");
    let stable = version_profile(
        &versions.key("stable"),
        raw.versions.stable.as_ref(),
        &DEFAULT_PROFILE,
    )?;
    let candidate = version_profile(
        &versions.key("candidate"),
        raw.versions.candidate.as_ref(),
        &stable,
    )?;
    let faults_path = root.key("faults");
    if raw.functions.is_empty() {
        let traffic = default_traffic.ok_or_else(|| {
            Problem::new(
                &traffic_path,
                "missing required key; expected a [traffic] table with rate_per_s or rate_per_min",
            )
        })?;
        let faults = faults(&faults_path, &raw.faults)?;
        return Ok(vec![Function {
            name: "main".to_string(),
            traffic,
            stable,
            candidate,
            candidate_faulty: !faults.is_empty(),
            faults,
            deploy: Deploy::Strategy,
        }]);
    }
    if !raw.faults.is_empty() {
        return Err(Problem::new(
            &faults_path.index(0),
            "top-level [[faults]] are not allowed with [functions]; put each function's faults under [[functions.NAME.faults]]",
        ));
    }
    raw.functions
        .iter()
        .map(|(name, f)| {
            let path = root.key("functions").key(name);
            function(&path, name, f, &default_traffic, &raw.versions, &stable)
        })
        .collect()
}

fn function(
    path: &KeyPath,
    name: &str,
    raw: &RawFunction,
    default_traffic: &Option<Traffic>,
    top_versions: &RawVersions,
    top_stable: &VersionProfile,
) -> VResult<Function> {
    if !is_identifier(name) {
        return Err(Problem::new(
            path,
            format!("function name {name:?} must be an identifier (letters, digits, _, not starting with a digit)"),
        ));
    }
    let traffic = match (&raw.traffic, default_traffic) {
        (Some(t), _) => traffic(&path.key("traffic"), t)?,
        (None, Some(t)) => t.clone(),
        (None, None) => {
            return Err(Problem::new(
                &path.key("traffic"),
                "missing required key; give this function a traffic table (rate_per_s or rate_per_min) or a top-level [traffic]",
            ))
        }
    };
    let versions = path.key("versions");
    let stable = version_profile(
        &versions.key("stable"),
        raw.versions.stable.as_ref(),
        top_stable,
    )?;
    // Candidate keys: the function's, else the top-level candidate's, else
    // the function's stable version.
    let inherited = version_profile(
        &KeyPath::root().key("versions").key("candidate"),
        top_versions.candidate.as_ref(),
        &stable,
    )?;
    let candidate = version_profile(
        &versions.key("candidate"),
        raw.versions.candidate.as_ref(),
        &inherited,
    )?;
    let faults = faults(&path.key("faults"), &raw.faults)?;
    let deploy = choice(
        &path.key("deploy"),
        raw.deploy.as_deref(),
        &[
            ("strategy", Deploy::Strategy),
            ("all_at_once", Deploy::AllAtOnce),
        ],
    )?;
    Ok(Function {
        name: name.to_string(),
        traffic,
        stable,
        candidate,
        candidate_faulty: !faults.is_empty(),
        faults,
        deploy,
    })
}

/// Most on/off edges an intermittent fault may have within the horizon:
/// each is a control event of every replication, so a tiny `on`/`off`
/// would make a replication's work (and its event queue) unbounded.
pub const MAX_FAULT_EDGES: u64 = 100_000;

/// Shortest `poll_interval` (a poll is a control event; 1 s bounds them to
/// 604,800 per replication at the longest horizon).
pub const MIN_POLL_INTERVAL: Micros = 1_000_000;

/// Largest latency (ms) any latency key accepts: 15 minutes, Lambda's
/// longest timeout. Bounding latencies keeps a Sum or Average of durations
/// finite, so an alarm on them cannot be silently disabled by infinity.
pub const MAX_LATENCY_MS: f64 = 900_000.0;

/// Largest `multiplier` of a `latency_shift` fault.
pub const MAX_LATENCY_MULTIPLIER: f64 = 1000.0;

/// Refuses intermittent faults whose on/off edges within the horizon
/// exceed [`MAX_FAULT_EDGES`].
fn check_fault_edges(
    root: &KeyPath,
    functions: &[Function],
    multi_function: bool,
    horizon: Micros,
) -> VResult<()> {
    for f in functions {
        let base = if multi_function {
            root.key("functions").key(&f.name).key("faults")
        } else {
            root.key("faults")
        };
        for (i, fault) in f.faults.iter().enumerate() {
            if let Fault::Intermittent { on, off, .. } = *fault {
                let cycle = on.saturating_add(off).max(1);
                let edges = (horizon / cycle).saturating_mul(2);
                if edges > MAX_FAULT_EDGES {
                    let min_cycle = (horizon * 2).div_ceil(MAX_FAULT_EDGES);
                    return Err(Problem::new(
                        &base.index(i).key("on"),
                        format!(
                            "on = {} and off = {} switch the fault {edges} times within the horizon; at most {MAX_FAULT_EDGES} on/off edges are allowed, so on + off must be at least {}",
                            format_duration(on),
                            format_duration(off),
                            format_duration(min_cycle)
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// A number as a message shows it: `1e300`, not 301 digits.
fn shown(x: f64) -> String {
    if x.abs() >= 1e15 {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// A latency in ms: > 0, finite and at most [`MAX_LATENCY_MS`].
fn latency_ms(path: &KeyPath, value: f64) -> VResult<f64> {
    let ms = positive(path, value, "a latency in ms")?;
    if ms > MAX_LATENCY_MS {
        return Err(Problem::new(
            path,
            format!("must be a latency in ms from 0 to {MAX_LATENCY_MS} (15 minutes, Lambda's longest timeout); got {}", shown(ms)),
        ));
    }
    Ok(ms)
}

fn faults(path: &KeyPath, raw: &[RawFault]) -> VResult<Vec<Fault>> {
    raw.iter()
        .enumerate()
        .map(|(i, f)| fault(&path.index(i), f))
        .collect()
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn deployment(root: &KeyPath, raw: &RawScenario, multi: bool) -> VResult<DeploymentSettings> {
    let Some(d) = &raw.deployment else {
        return Ok(DeploymentSettings::default());
    };
    let path = root.key("deployment");
    if !multi {
        return Err(Problem::new(
            &path,
            "[deployment] is only allowed with [functions.NAME] tables (a multi-function deployment)",
        ));
    }
    let stack_rollback = choice(
        &path.key("rollback"),
        d.rollback.as_deref(),
        &[("stack", true), ("per_function", false)],
    )?;
    Ok(DeploymentSettings {
        stack_rollback,
        stack_rollback_delay: match &d.stack_rollback_delay {
            None => DelayDist::Fixed(0),
            Some(raw) => delay(&path.key("stack_rollback_delay"), raw)?,
        },
    })
}

/// A random delay (see `RawDelay`).
fn delay(path: &KeyPath, raw: &RawDelay) -> VResult<DelayDist> {
    let dur = |path: &KeyPath, value: &toml::Value| -> VResult<Micros> {
        match value {
            toml::Value::String(text) => {
                parse_duration(text).map_err(|message| Problem::new(path, message))
            }
            other => Err(Problem::new(
                path,
                format!(
                    "wrong type: found {}, expected a duration string such as \"90s\"",
                    other.type_str()
                ),
            )),
        }
    };
    match &raw.0 {
        toml::Value::String(_) => Ok(DelayDist::Fixed(dur(path, &raw.0)?)),
        toml::Value::Table(table) => {
            const KEYS: [&str; 6] = ["median", "p99", "mean", "sd", "min", "max"];
            if let Some(key) = table.keys().find(|k| !KEYS.contains(&k.as_str())) {
                return Err(Problem::new(
                    &path.key(key),
                    format!("unknown key {key:?}; allowed keys here: median and p99, mean and sd, or min and max"),
                ));
            }
            let get = |key: &str| -> VResult<Option<Micros>> {
                table.get(key).map(|v| dur(&path.key(key), v)).transpose()
            };
            let pairs = [("median", "p99"), ("mean", "sd"), ("min", "max")];
            let given: Vec<(&str, &str)> = pairs
                .into_iter()
                .filter(|(a, b)| table.contains_key(*a) || table.contains_key(*b))
                .collect();
            let [(first, second)] = given[..] else {
                return Err(Problem::new(
                    path,
                    format!("give exactly one pair: median and p99, mean and sd, or min and max; {DELAY_HINT}"),
                ));
            };
            let need = |key: &str| -> VResult<Micros> {
                get(key)?.ok_or_else(|| {
                    Problem::new(
                        &path.key(key),
                        format!("missing required key (a delay with {first} needs {second} too); {DELAY_HINT}"),
                    )
                })
            };
            let (a, b) = (need(first)?, need(second)?);
            match first {
                "median" => {
                    if a == 0 || b <= a {
                        return Err(Problem::new(
                            &path.key("p99"),
                            "a lognormal delay needs p99 > median > 0",
                        ));
                    }
                    Ok(DelayDist::from_median_p99(a, b))
                }
                "mean" => {
                    if a == 0 || b == 0 {
                        return Err(Problem::new(
                            &path.key(if a == 0 { "mean" } else { "sd" }),
                            "a lognormal delay needs mean > 0 and sd > 0 (use a duration string for a fixed delay)",
                        ));
                    }
                    Ok(DelayDist::from_mean_sd(a, b))
                }
                _ => {
                    if b < a {
                        return Err(Problem::new(&path.key("max"), "must be >= min"));
                    }
                    Ok(DelayDist::Uniform { min: a, max: b })
                }
            }
        }
        other => Err(Problem::new(
            path,
            format!(
                "wrong type: found {}; expected {DELAY_HINT}",
                other.type_str()
            ),
        )),
    }
}

/// Time from the first traffic shift to completion.
pub fn shift_span(shift: TrafficShift, completion: LinearCompletion) -> Micros {
    match shift {
        TrafficShift::AllAtOnce => 0,
        TrafficShift::Canary { interval, .. } => interval,
        TrafficShift::Linear {
            percentage,
            interval,
        } => {
            let steps = u64::from(100u32.div_ceil(percentage.max(1)));
            match completion {
                LinearCompletion::LastShift => (steps - 1).saturating_mul(interval),
                LinearCompletion::ExtraInterval => steps.saturating_mul(interval),
            }
        }
    }
}

fn check_name(path: &KeyPath, name: String) -> VResult<String> {
    let trimmed = name.trim();
    if trimmed.is_empty()
        || trimmed == "."
        || trimmed == ".."
        || trimmed
            .chars()
            .any(|c| c == '/' || c == '\\' || c.is_control())
    {
        return Err(Problem::new(
            path,
            format!("{name:?} is not usable as a folder name; use a non-empty name without /, \\ or control characters"),
        ));
    }
    Ok(trimmed.to_string())
}

fn finite(path: &KeyPath, value: f64) -> VResult<f64> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(Problem::new(
            path,
            format!("must be a finite number; got {value}"),
        ))
    }
}

fn positive(path: &KeyPath, value: f64, what: &str) -> VResult<f64> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(Problem::new(
            path,
            format!("must be {what} > 0 (finite); got {value}"),
        ))
    }
}

fn probability(path: &KeyPath, value: f64) -> VResult<f64> {
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(Problem::new(
            path,
            format!("must be a probability in [0, 1]; got {value}"),
        ))
    }
}

fn nonzero_probability(path: &KeyPath, value: f64) -> VResult<f64> {
    if value > 0.0 && value <= 1.0 {
        Ok(value)
    } else {
        Err(Problem::new(
            path,
            format!("must be a probability in (0, 1]; got {value}"),
        ))
    }
}

fn positive_duration(path: &KeyPath, value: Micros) -> VResult<Micros> {
    if value > 0 {
        Ok(value)
    } else {
        Err(Problem::new(path, "must be a duration > 0, e.g. \"5m\""))
    }
}

fn required<T>(path: &KeyPath, value: Option<T>, why: &str) -> VResult<T> {
    value.ok_or_else(|| Problem::new(path, format!("missing required key ({why})")))
}

/// One of a few named values; the first is the default when the key is
/// absent.
fn choice<T: Copy>(path: &KeyPath, value: Option<&str>, options: &[(&str, T)]) -> VResult<T> {
    let Some(text) = value else {
        return Ok(options[0].1);
    };
    options
        .iter()
        .find(|(name, _)| *name == text)
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            let names: Vec<&str> = options.iter().map(|(name, _)| *name).collect();
            Problem::new(
                path,
                format!("unknown value {text:?}; allowed: {}", names.join(", ")),
            )
        })
}

fn scope(path: &KeyPath, value: Option<&str>) -> VResult<Scope> {
    match value {
        None | Some("function") => Ok(Scope::Function),
        Some("version") => Ok(Scope::Version),
        Some("alias") => Ok(Scope::Alias),
        Some("canary_stage") => Ok(Scope::CanaryStage),
        Some(other) => Err(Problem::new(
            path,
            format!("unknown scope {other:?}; allowed: {SCOPES}"),
        )),
    }
}

fn traffic(path: &KeyPath, raw: &RawTraffic) -> VResult<Traffic> {
    let rate_per_s = match (raw.rate_per_s, raw.rate_per_min) {
        (Some(_), Some(_)) => {
            return Err(Problem::new(
                &path.key("rate_per_min"),
                "give exactly one of rate_per_s or rate_per_min, not both",
            ))
        }
        (None, None) => {
            return Err(Problem::new(
                path,
                "missing request rate: give exactly one of rate_per_s or rate_per_min",
            ))
        }
        (Some(rate), None) => {
            let rate = positive(&path.key("rate_per_s"), rate, "a rate")?;
            if rate > MAX_RATE_PER_S {
                return Err(Problem::new(
                    &path.key("rate_per_s"),
                    format!("must be <= {MAX_RATE_PER_S} requests per second; got {rate}"),
                ));
            }
            rate
        }
        (None, Some(rate)) => {
            let key = path.key("rate_per_min");
            let rate = positive(&key, rate, "a rate")?;
            if rate / 60.0 > MAX_RATE_PER_S {
                return Err(Problem::new(
                    &key,
                    format!(
                        "must be <= {} requests per minute; got {rate}",
                        MAX_RATE_PER_S * 60.0
                    ),
                ));
            }
            rate / 60.0
        }
    };
    let diurnal = match &raw.diurnal {
        None => None,
        Some(d) => {
            let p = path.key("diurnal");
            if !(0.0..1.0).contains(&d.amplitude) {
                return Err(Problem::new(
                    &p.key("amplitude"),
                    format!(
                        "must be in [0, 1) so the rate stays positive; got {}",
                        d.amplitude
                    ),
                ));
            }
            Some(Diurnal {
                amplitude: d.amplitude,
                period: positive_duration(&p.key("period"), d.period.0)?,
                phase: d.phase.map_or(0, |p| p.0),
            })
        }
    };
    let bursts = raw
        .bursts
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let p = path.key("bursts").index(i);
            Ok(Burst {
                start: b.start.0,
                duration: positive_duration(&p.key("duration"), b.duration.0)?,
                multiplier: positive(&p.key("multiplier"), b.multiplier, "a multiplier")?,
            })
        })
        .collect::<VResult<Vec<_>>>()?;
    // The rate limit holds during bursts too (overlapping bursts multiply);
    // beyond it the Poisson sampler cannot draw and a burst would be lost.
    for (i, b) in bursts.iter().enumerate() {
        let overlapping: f64 = bursts
            .iter()
            .filter(|o| o.start <= b.start && b.start - o.start < o.duration)
            .map(|o| o.multiplier)
            .product();
        let peak = rate_per_s * overlapping;
        if peak > MAX_RATE_PER_S {
            return Err(Problem::new(
                &path.key("bursts").index(i).key("multiplier"),
                format!("the rate during this burst (rate × the multipliers of the bursts in force) must be <= {MAX_RATE_PER_S} requests per second; got {peak:e}"),
            ));
        }
    }
    Ok(Traffic {
        rate_per_s,
        diurnal,
        bursts,
    })
}

fn version_profile(
    path: &KeyPath,
    raw: Option<&RawVersion>,
    base: &VersionProfile,
) -> VResult<VersionProfile> {
    let Some(raw) = raw else {
        return Ok(base.clone());
    };
    Ok(VersionProfile {
        error_rate: match raw.error_rate {
            None => base.error_rate,
            Some(p) => probability(&path.key("error_rate"), p)?,
        },
        latency: match &raw.latency {
            None => base.latency,
            Some(l) => latency(&path.key("latency"), l)?,
        },
        timeout_ms: match raw.timeout_ms {
            None => base.timeout_ms,
            Some(ms) => Some(latency_ms(&path.key("timeout_ms"), ms)?),
        },
    })
}

fn latency(path: &KeyPath, raw: &RawLatency) -> VResult<LatencyDist> {
    const HINT: &str = "use { fixed_ms = 50 } or { median_ms = 80, p99_ms = 400 }";
    match (raw.fixed_ms, raw.median_ms, raw.p99_ms) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => Err(Problem::new(
            path,
            format!("give either fixed_ms, or median_ms and p99_ms, not both; {HINT}"),
        )),
        (Some(ms), None, None) => Ok(LatencyDist::Fixed {
            ms: latency_ms(&path.key("fixed_ms"), ms)?,
        }),
        (None, Some(median), Some(p99)) => {
            let median_ms = latency_ms(&path.key("median_ms"), median)?;
            let p99_ms = latency_ms(&path.key("p99_ms"), p99)?;
            if p99_ms <= median_ms {
                return Err(Problem::new(
                    &path.key("p99_ms"),
                    format!("must be greater than median_ms ({median_ms}); got {p99_ms}"),
                ));
            }
            Ok(LatencyDist::LogNormal { median_ms, p99_ms })
        }
        (None, Some(_), None) => Err(Problem::new(
            &path.key("p99_ms"),
            format!(
                "missing required key (a lognormal latency needs median_ms and p99_ms); {HINT}"
            ),
        )),
        (None, None, Some(_)) => Err(Problem::new(
            &path.key("median_ms"),
            format!(
                "missing required key (a lognormal latency needs median_ms and p99_ms); {HINT}"
            ),
        )),
        (None, None, None) => Err(Problem::new(path, format!("empty latency; {HINT}"))),
    }
}

fn fault_kind(name: &str) -> Option<FaultKind> {
    FaultKind::ALL.into_iter().find(|k| k.name() == name)
}

/// Keys allowed in a `[[faults]]` table of the given kind (besides `kind`).
fn fault_keys(kind: FaultKind) -> &'static [&'static str] {
    match kind {
        FaultKind::StepError => &["after", "error_rate"],
        FaultKind::RampError => &["after", "from", "to", "over"],
        FaultKind::Intermittent => &["after", "error_rate", "on", "off"],
        FaultKind::LatencyShift => &["after", "add_ms", "multiplier"],
        FaultKind::ColdStart => &["requests", "extra_ms"],
    }
}

fn fault(path: &KeyPath, raw: &RawFault) -> VResult<Fault> {
    let kind = fault_kind(&raw.kind).ok_or_else(|| {
        Problem::new(
            &path.key("kind"),
            format!("unknown fault kind {:?}; allowed: {FAULT_KINDS}", raw.kind),
        )
    })?;
    let allowed = fault_keys(kind);
    if let Some(key) = raw
        .present_keys()
        .into_iter()
        .find(|k| !allowed.contains(k))
    {
        return Err(Problem::new(
            &path.key(key),
            format!(
                "not allowed for fault kind \"{}\"; its keys are: kind, {}",
                kind.name(),
                allowed.join(", ")
            ),
        ));
    }
    let why = format!("fault kind \"{}\" needs it", kind.name());
    let after = raw.after.map_or(0, |d| d.0);
    let fault = match kind {
        FaultKind::StepError => Fault::StepError {
            after,
            error_rate: nonzero_probability(
                &path.key("error_rate"),
                required(&path.key("error_rate"), raw.error_rate, &why)?,
            )?,
        },
        FaultKind::RampError => Fault::RampError {
            after,
            over: positive_duration(
                &path.key("over"),
                required(&path.key("over"), raw.over, &why)?.0,
            )?,
            from: probability(&path.key("from"), raw.from.unwrap_or(0.0))?,
            to: probability(&path.key("to"), required(&path.key("to"), raw.to, &why)?)?,
        },
        FaultKind::Intermittent => Fault::Intermittent {
            after,
            on: positive_duration(&path.key("on"), required(&path.key("on"), raw.on, &why)?.0)?,
            off: positive_duration(
                &path.key("off"),
                required(&path.key("off"), raw.off, &why)?.0,
            )?,
            error_rate: nonzero_probability(
                &path.key("error_rate"),
                required(&path.key("error_rate"), raw.error_rate, &why)?,
            )?,
        },
        FaultKind::LatencyShift => {
            let add_ms = raw.add_ms.unwrap_or(0.0);
            if !(add_ms.is_finite() && (0.0..=MAX_LATENCY_MS).contains(&add_ms)) {
                return Err(Problem::new(
                    &path.key("add_ms"),
                    format!("must be a latency in ms from 0 to {MAX_LATENCY_MS}; got {add_ms}"),
                ));
            }
            let multiplier = positive(
                &path.key("multiplier"),
                raw.multiplier.unwrap_or(1.0),
                "a multiplier",
            )?;
            if multiplier > MAX_LATENCY_MULTIPLIER {
                return Err(Problem::new(
                    &path.key("multiplier"),
                    format!(
                        "must be a multiplier > 0 and <= {MAX_LATENCY_MULTIPLIER}; got {}",
                        shown(multiplier)
                    ),
                ));
            }
            if add_ms == 0.0 && multiplier == 1.0 {
                return Err(Problem::new(
                    path,
                    "a latency_shift fault must change latency: give add_ms > 0 or multiplier != 1",
                ));
            }
            Fault::LatencyShift {
                after,
                add_ms,
                multiplier,
            }
        }
        FaultKind::ColdStart => {
            let requests = required(&path.key("requests"), raw.requests, &why)?;
            if requests < 1 {
                return Err(Problem::new(
                    &path.key("requests"),
                    format!("must be an integer >= 1; got {requests}"),
                ));
            }
            Fault::ColdStart {
                requests: requests as u64,
                extra_ms: latency_ms(
                    &path.key("extra_ms"),
                    required(&path.key("extra_ms"), raw.extra_ms, &why)?,
                )?,
            }
        }
    };
    Ok(fault)
}

fn allowed_period(period: Micros) -> bool {
    period == secs(10)
        || period == secs(20)
        || period == secs(30)
        || (period > 0 && period % MINUTE == 0)
}

fn period(path: &KeyPath, value: Micros) -> VResult<Micros> {
    if allowed_period(value) {
        Ok(value)
    } else {
        Err(Problem::new(
            path,
            format!(
                "{} is not a CloudWatch period; allowed: {PERIODS}",
                format_duration(value)
            ),
        ))
    }
}

fn metrics(path: &KeyPath, raw: &super::raw::RawMetrics) -> VResult<MetricsSettings> {
    let base = match raw.period {
        None => DEFAULT_PERIOD,
        Some(p) => period(&path.key("period"), p.0)?,
    };
    let filters = raw
        .filters
        .iter()
        .map(|(name, f)| filter(&path.key("filters").key(name), name, f))
        .collect::<VResult<Vec<_>>>()?;
    Ok(MetricsSettings {
        period: base,
        ingestion_delay: raw.ingestion_delay.map_or(DEFAULT_INGESTION_DELAY, |d| d.0),
        filters,
    })
}

fn filter(path: &KeyPath, name: &str, raw: &RawFilter) -> VResult<LogFilter> {
    if !is_identifier(name) {
        return Err(Problem::new(
            path,
            format!("filter name {name:?} must be an identifier (letters, digits and _, not starting with a digit) so alarm expressions can use it"),
        ));
    }
    if resolve_metric(name, &[]).is_some() {
        return Err(Problem::new(
            path,
            format!("filter name {name:?} clashes with a built-in metric (Invocations, Errors, Duration); choose another name"),
        ));
    }
    let (field, comparison, operand) = parse_filter_pattern(&raw.pattern)
        .map_err(|message| Problem::new(&path.key("pattern"), message))?;
    Ok(LogFilter {
        name: name.to_string(),
        scope: scope(&path.key("scope"), raw.scope.as_deref())?,
        field,
        comparison,
        operand,
        value: finite(&path.key("value"), raw.value.unwrap_or(1.0))?,
        default_value: match raw.default_value {
            None => None,
            Some(v) => Some(finite(&path.key("default_value"), v)?),
        },
    })
}

fn alarm(
    path: &KeyPath,
    name: &str,
    raw: &RawAlarm,
    metrics: &MetricsSettings,
    filters: &[String],
    functions: &[&str],
) -> VResult<AlarmSpec> {
    let function = match (&raw.function, functions) {
        (None, []) => 0,
        (None, [_]) => 0,
        (None, _) => {
            return Err(Problem::new(
                &path.key("function"),
                format!(
                    "missing required key: which function's metrics the alarm reads; one of {}",
                    functions.join(", ")
                ),
            ))
        }
        (Some(f), []) => {
            return Err(Problem::new(
                &path.key("function"),
                format!("{f:?}: only allowed with [functions.NAME] tables"),
            ))
        }
        (Some(f), _) => functions.iter().position(|n| n == f).ok_or_else(|| {
            Problem::new(
                &path.key("function"),
                format!(
                    "unknown function {f:?}; defined functions: {}",
                    functions.join(", ")
                ),
            )
        })?,
    };
    let scope = scope(&path.key("scope"), raw.scope.as_deref())?;
    let (expr, expr_text) = match (&raw.expression, &raw.metric) {
        (Some(_), Some(_)) => {
            return Err(Problem::new(
                &path.key("metric"),
                "give either expression or metric (with statistic), not both",
            ))
        }
        (None, None) => {
            return Err(Problem::new(
                path,
                "missing metric: give expression = \"errors / invocations * 100\" or metric = \"Errors\" (with an optional statistic)",
            ))
        }
        (Some(text), None) => {
            if raw.statistic.is_some() {
                return Err(Problem::new(
                    &path.key("statistic"),
                    "only allowed with metric; inside an expression write Metric.Statistic, e.g. Duration.p99",
                ));
            }
            let expr = parse_expression(text, filters).map_err(|message| {
                Problem::new(&path.key("expression"), format!("{message} (in {text:?})"))
            })?;
            (expr, text.trim().to_string())
        }
        (None, Some(metric)) => {
            let metric_id = resolve_metric(metric.trim(), filters).ok_or_else(|| {
                Problem::new(
                    &path.key("metric"),
                    format!("unknown metric {metric:?}; allowed: {}", metric_hint(filters)),
                )
            })?;
            let statistic = match &raw.statistic {
                None => Statistic::Sum,
                Some(text) => parse_statistic(text.trim()).ok_or_else(|| {
                    Problem::new(
                        &path.key("statistic"),
                        format!("unknown statistic {text:?}; allowed: {STATISTIC_HINT}"),
                    )
                })?,
            };
            let text = format!(
                "{} {}",
                metric_name(metric_id, filters),
                statistic_name(statistic)
            );
            let stat = MetricStat {
                metric: metric_id,
                statistic,
            };
            (Expr::Series(stat), text)
        }
    };
    let threshold = finite(&path.key("threshold"), raw.threshold)?;
    let comparison = Comparison::parse(&raw.comparison).ok_or_else(|| {
        Problem::new(
            &path.key("comparison"),
            format!(
                "unknown comparison {:?}; allowed: {}",
                raw.comparison,
                Comparison::ALLOWED
            ),
        )
    })?;
    let n = match raw.evaluation_periods {
        None => 1,
        Some(n) if (1..=i64::from(u32::MAX)).contains(&n) => n as u32,
        Some(n) if n > 0 => {
            return Err(Problem::new(
                &path.key("evaluation_periods"),
                format!("{n} is far too many: period × evaluation_periods must be <= 1 day when the period is under 1 hour, else 7 days"),
            ))
        }
        Some(n) => {
            return Err(Problem::new(
                &path.key("evaluation_periods"),
                format!("must be an integer >= 1; got {n}"),
            ))
        }
    };
    let m = match raw.datapoints_to_alarm {
        None => n,
        Some(m) if m >= 1 && m <= i64::from(n) => m as u32,
        Some(m) => {
            return Err(Problem::new(
                &path.key("datapoints_to_alarm"),
                format!("must be an integer from 1 to evaluation_periods ({n}); got {m}"),
            ))
        }
    };
    let missing_data = match &raw.treat_missing_data {
        None => MissingData::Missing,
        Some(text) => MissingData::parse(text).ok_or_else(|| {
            Problem::new(
                &path.key("treat_missing_data"),
                format!("unknown value {text:?}; allowed: {}", MissingData::ALLOWED),
            )
        })?,
    };
    let alarm_period = match raw.period {
        None => metrics.period,
        Some(p) => {
            let p = period(&path.key("period"), p.0)?;
            if p % metrics.period != 0 {
                return Err(Problem::new(
                    &path.key("period"),
                    format!(
                        "{} is not a multiple of metrics.period ({})",
                        format_duration(p),
                        format_duration(metrics.period)
                    ),
                ));
            }
            p
        }
    };
    let (limit, limit_text) = if alarm_period < HOUR {
        (DAY, "1 day when the period is under 1 hour")
    } else {
        (7 * DAY, "7 days")
    };
    if u128::from(alarm_period) * u128::from(n) > u128::from(limit) {
        let key = if raw.evaluation_periods.is_some() {
            "evaluation_periods"
        } else {
            "period"
        };
        return Err(Problem::new(
            &path.key(key),
            format!(
                "period ({}) × evaluation_periods ({n}) must be <= {limit_text}",
                format_duration(alarm_period)
            ),
        ));
    }
    let evaluation_range = match raw.evaluation_range {
        None => AlarmRule::default_evaluation_range(n),
        Some(e) if e >= i64::from(n) && e <= MAX_EVALUATION_RANGE => e as u32,
        Some(e) => {
            return Err(Problem::new(
                &path.key("evaluation_range"),
                format!("must be an integer from evaluation_periods ({n}) to {MAX_EVALUATION_RANGE}; got {e}"),
            ))
        }
    };
    if !crate::alarm::range_can_see_data(
        alarm_period,
        metrics.period,
        evaluation_range,
        metrics.ingestion_delay,
    ) {
        let key = if raw.evaluation_range.is_some() {
            "evaluation_range"
        } else {
            "evaluation_periods"
        };
        return Err(Problem::new(
            &path.key(key),
            format!(
                "this alarm can never see a datapoint: its evaluation range of {evaluation_range} \
                 period(s) of {} ends before metrics.ingestion_delay ({}) makes any of them \
                 visible (evaluated every {}, it needs range × period >= ingestion delay + {}); \
                 raise evaluation_range or evaluation_periods, or lower metrics.ingestion_delay",
                format_duration(alarm_period),
                format_duration(metrics.ingestion_delay),
                format_duration(crate::alarm::eval_interval(alarm_period)),
                format_duration(crate::alarm::eval_interval(alarm_period)),
            ),
        ));
    }
    if let Some(text) = &raw.expression {
        if has_constant_zero_denominator(&expr) {
            return Err(Problem::new(
                &path.key("expression"),
                format!(
                    "{text:?} divides by a constant zero: CloudWatch drops every such point, so \
                     the alarm would never see a datapoint; divide by a metric (e.g. invocations)"
                ),
            ));
        }
    }
    let low_sample_count = choice(
        &path.key("evaluate_low_sample_count_percentile"),
        raw.evaluate_low_sample_count_percentile.as_deref(),
        &[
            ("evaluate", LowSampleCount::Evaluate),
            ("ignore", LowSampleCount::Ignore),
        ],
    )?;
    Ok(AlarmSpec {
        name: name.to_string(),
        function,
        scope,
        expr,
        expr_text,
        period: alarm_period,
        rule: AlarmRule {
            threshold,
            comparison,
            evaluation_periods: n,
            datapoints_to_alarm: m,
            missing_data,
            evaluation_range,
        },
        low_sample_count,
    })
}

/// Whether `expr` divides by a sub-expression without metrics that
/// evaluates to zero (`errors / 0`, `x / (1 - 1)`).
fn has_constant_zero_denominator(expr: &Expr) -> bool {
    fn constant(e: &Expr) -> Option<f64> {
        Some(match e {
            Expr::Const(c) => *c,
            Expr::Series(_) => return None,
            Expr::Add(a, b) => constant(a)? + constant(b)?,
            Expr::Sub(a, b) => constant(a)? - constant(b)?,
            Expr::Mul(a, b) => constant(a)? * constant(b)?,
            Expr::Div(a, b) => constant(a)? / constant(b)?,
            Expr::Neg(a) => -constant(a)?,
        })
    }
    match expr {
        Expr::Const(_) | Expr::Series(_) => false,
        Expr::Div(a, b) => {
            constant(b) == Some(0.0)
                || has_constant_zero_denominator(a)
                || has_constant_zero_denominator(b)
        }
        Expr::Add(a, b) | Expr::Sub(a, b) | Expr::Mul(a, b) => {
            has_constant_zero_denominator(a) || has_constant_zero_denominator(b)
        }
        Expr::Neg(a) => has_constant_zero_denominator(a),
    }
}

/// Kind-specific keys each strategy kind accepts (see `RawStrategy`).
fn strategy_keys(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "codedeploy" => &[
            "config",
            "type",
            "percentage",
            "interval",
            "rollback_latency",
            "poll_interval",
            "linear_completion",
        ],
        "apigw_canary" => &[
            "rollback_latency",
            "poll_interval",
            "percent_traffic",
            "review_time",
            "operator",
            "cache",
        ],
        "steps" => &["rollback_latency", "poll_interval", "steps"],
        "lattice" => &[
            "weights",
            "schedule",
            "bake",
            "propagation_delay",
            "sns_delay",
            "function_duration",
        ],
        _ => return None,
    })
}

fn strategy(
    path: &KeyPath,
    name: &str,
    raw: &RawStrategy,
    alarm_names: &[&str],
) -> VResult<StrategySpec> {
    let kind_name = raw.kind.as_deref().unwrap_or("codedeploy");
    let allowed = strategy_keys(kind_name).ok_or_else(|| {
        Problem::new(
            &path.key("kind"),
            format!("unknown strategy kind {kind_name:?}; allowed: {STRATEGY_KINDS}"),
        )
    })?;
    if let Some(key) = raw
        .present_keys()
        .into_iter()
        .find(|k| !allowed.contains(k))
    {
        return Err(Problem::new(
            &path.key(key),
            format!(
                "not allowed for strategy kind \"{kind_name}\"; its own keys are: {} (and for every kind: kind, alarms, rollback, pre_traffic_hook, post_traffic_hook)",
                allowed.join(", ")
            ),
        ));
    }
    let shift = if kind_name == "codedeploy" {
        Some(traffic_shift(path, raw)?)
    } else {
        None
    };
    let alarms = match &raw.alarms {
        None => (0..alarm_names.len()).collect(),
        Some(names) => {
            let mut indices = Vec::with_capacity(names.len());
            for (i, wanted) in names.iter().enumerate() {
                let key = path.key("alarms").index(i);
                let Some(index) = alarm_names.iter().position(|a| a == wanted) else {
                    let defined = if alarm_names.is_empty() {
                        "no alarms are defined (add [alarms.NAME] tables)".to_string()
                    } else {
                        format!("defined alarms: {}", alarm_names.join(", "))
                    };
                    return Err(Problem::new(
                        &key,
                        format!("unknown alarm {wanted:?}; {defined}"),
                    ));
                };
                if indices.contains(&index) {
                    return Err(Problem::new(
                        &key,
                        format!("alarm {wanted:?} is listed twice"),
                    ));
                }
                indices.push(index);
            }
            indices.sort_unstable();
            indices
        }
    };
    let guard = PollGuard {
        rollback: raw.rollback.unwrap_or(true),
        rollback_latency: raw
            .rollback_latency
            .map_or(DEFAULT_ROLLBACK_LATENCY, |d| d.0),
        poll_interval: match raw.poll_interval {
            None => DEFAULT_POLL_INTERVAL,
            Some(d) if d.0 < MIN_POLL_INTERVAL => {
                return Err(Problem::new(
                    &path.key("poll_interval"),
                    format!(
                        "must be at least 1s (each poll is work in every replication); got {}",
                        format_duration(d.0)
                    ),
                ))
            }
            Some(d) => d.0,
        },
    };
    let kind = match (kind_name, shift) {
        (_, Some((shift, config_name))) => {
            let linear_completion = choice(
                &path.key("linear_completion"),
                raw.linear_completion.as_deref(),
                &[
                    ("last_shift", LinearCompletion::LastShift),
                    ("extra_interval", LinearCompletion::ExtraInterval),
                ],
            )?;
            StrategyKind::CodeDeploy(CodeDeploySpec {
                shift,
                config_name,
                guard,
                linear_completion,
            })
        }
        ("apigw_canary", None) => StrategyKind::ApiGwCanary(apigw(path, raw, guard)?),
        ("steps", None) => StrategyKind::Steps(steps(path, raw, guard)?),
        _ => StrategyKind::Lattice(lattice(path, raw)?),
    };
    let max_hook = if kind_name == "codedeploy" {
        MAX_HOOK_DURATION
    } else {
        MAX_PIPELINE_HOOK_DURATION
    };
    let hook = |key: &str, raw: &Option<RawHook>| match raw {
        None => Ok(None),
        Some(h) => hook(&path.key(key), h, max_hook).map(Some),
    };
    Ok(StrategySpec {
        name: name.to_string(),
        kind,
        alarms,
        pre_traffic_hook: hook("pre_traffic_hook", &raw.pre_traffic_hook)?,
        post_traffic_hook: hook("post_traffic_hook", &raw.post_traffic_hook)?,
    })
}

fn apigw(path: &KeyPath, raw: &RawStrategy, guard: PollGuard) -> VResult<ApiGwSpec> {
    let key = path.key("percent_traffic");
    let percent_traffic = required(
        &key,
        raw.percent_traffic,
        "kind = \"apigw_canary\" needs it",
    )?;
    if !(0.0..=100.0).contains(&percent_traffic) {
        return Err(Problem::new(
            &key,
            format!("must be a percentage from 0.0 to 100.0 (canarySettings.percentTraffic); got {percent_traffic}"),
        ));
    }
    let review_time = match &raw.review_time {
        None => None,
        Some(RawDelay(toml::Value::String(s))) if s.trim() == "never" => None,
        Some(d) => Some(delay(&path.key("review_time"), d)?),
    };
    let operator = match &raw.operator {
        None => None,
        Some(op) => {
            let p = path.key("operator");
            Some(Operator {
                detection_delay: delay(&p.key("detection_delay"), &op.detection_delay)?,
                notice_probability: probability(
                    &p.key("notice_probability"),
                    op.notice_probability.unwrap_or(1.0),
                )?,
            })
        }
    };
    let cache = match &raw.cache {
        None => None,
        Some(c) => {
            let p = path.key("cache");
            if !(0.0..1.0).contains(&c.hit_ratio) {
                return Err(Problem::new(
                    &p.key("hit_ratio"),
                    format!("must be in [0, 1); got {}", c.hit_ratio),
                ));
            }
            Some(StageCache {
                hit_ratio: c.hit_ratio,
                hit_latency_ms: latency_ms(
                    &p.key("hit_latency_ms"),
                    c.hit_latency_ms.unwrap_or(DEFAULT_CACHE_HIT_LATENCY_MS),
                )?,
                warmup: c.warmup.map_or(DEFAULT_CACHE_WARMUP, |d| d.0),
            })
        }
    };
    Ok(ApiGwSpec {
        percent_traffic,
        review_time,
        guard,
        operator,
        cache,
    })
}

fn steps(path: &KeyPath, raw: &RawStrategy, guard: PollGuard) -> VResult<StepsSpec> {
    let key = path.key("steps");
    let list = required(
        &key,
        raw.steps.as_ref(),
        "kind = \"steps\" needs a list such as [{ weight = 10, bake = \"5m\" }, { weight = 100 }]",
    )?;
    if list.is_empty() {
        return Err(Problem::new(
            &key,
            "needs at least one step; the last one has weight = 100",
        ));
    }
    let mut steps = Vec::with_capacity(list.len());
    let mut previous = 0.0;
    for (i, st) in list.iter().enumerate() {
        let p = key.index(i);
        let last = i + 1 == list.len();
        let weight = st.weight;
        if !(weight > previous && weight <= 100.0) {
            return Err(Problem::new(
                &p.key("weight"),
                format!("must be in ({previous}, 100]: weights increase strictly from step to step; got {weight}"),
            ));
        }
        if last && weight != 100.0 {
            return Err(Problem::new(
                &p.key("weight"),
                format!("the last step must send all traffic to the candidate (weight = 100); got {weight}"),
            ));
        }
        let bake = match (st.bake, last) {
            (Some(d), true) => d.0,
            (None, true) => 0,
            (b, false) => positive_duration(
                &p.key("bake"),
                required(
                    &p.key("bake"),
                    b,
                    "every step but the last is held for a bake time",
                )?
                .0,
            )?,
        };
        previous = weight;
        steps.push(WeightStep {
            weight_pct: weight,
            bake,
        });
    }
    Ok(StepsSpec { steps, guard })
}

/// `[stable, candidate]` Lattice weights: integers 0–999 with a positive sum.
fn lattice_weights(path: &KeyPath, raw: &[i64]) -> VResult<[u32; 2]> {
    let [stable, candidate] = raw[..] else {
        return Err(Problem::new(
            path,
            format!(
                "must be two weights [stable, candidate]; got {} values",
                raw.len()
            ),
        ));
    };
    for (i, w) in [stable, candidate].into_iter().enumerate() {
        if !(0..=MAX_LATTICE_WEIGHT).contains(&w) {
            return Err(Problem::new(
                &path.index(i),
                format!("a VPC Lattice target-group weight is an integer from 0 to {MAX_LATTICE_WEIGHT}; got {w}"),
            ));
        }
    }
    if stable + candidate == 0 {
        return Err(Problem::new(
            path,
            "the weights must not both be 0 (traffic needs a target group)",
        ));
    }
    Ok([stable as u32, candidate as u32])
}

fn lattice(path: &KeyPath, raw: &RawStrategy) -> VResult<LatticeSpec> {
    let weights = match &raw.weights {
        None => DEFAULT_LATTICE_WEIGHTS,
        Some(w) => lattice_weights(&path.key("weights"), w)?,
    };
    let mut schedule = Vec::new();
    for (i, change) in raw.schedule.iter().flatten().enumerate() {
        let p = path.key("schedule").index(i);
        let previous = schedule.last().map_or(0, |c: &LatticeChange| c.after);
        if change.after.0 <= previous {
            return Err(Problem::new(
                &p.key("after"),
                format!(
                    "must be later than {} (changes are strictly increasing in time and after the initial weights)",
                    format_duration(previous)
                ),
            ));
        }
        schedule.push(LatticeChange {
            after: change.after.0,
            weights: lattice_weights(&p.key("weights"), &change.weights)?,
        });
    }
    let last = schedule.last().map_or(weights, |c| c.weights);
    let bake = match raw.bake {
        Some(d) => Some(d.0),
        None if last[0] == 0 => Some(0),
        None => None,
    };
    let delay_or = |key: &str, raw: &Option<RawDelay>, default: Micros| match raw {
        None => Ok(DelayDist::Fixed(default)),
        Some(d) => delay(&path.key(key), d),
    };
    Ok(LatticeSpec {
        weights,
        schedule,
        bake,
        propagation_delay: delay_or(
            "propagation_delay",
            &raw.propagation_delay,
            DEFAULT_PROPAGATION_DELAY,
        )?,
        sns_delay: delay_or("sns_delay", &raw.sns_delay, DEFAULT_SNS_DELAY)?,
        function_duration: delay_or(
            "function_duration",
            &raw.function_duration,
            DEFAULT_FUNCTION_DURATION,
        )?,
        rollback: raw.rollback.unwrap_or(true),
    })
}

fn predefined_config(text: &str) -> Option<(&'static str, TrafficShift)> {
    let trimmed = text.trim();
    let bare = trimmed
        .get(..CONFIG_PREFIX.len())
        .filter(|p| p.eq_ignore_ascii_case(CONFIG_PREFIX))
        .map_or(trimmed, |_| &trimmed[CONFIG_PREFIX.len()..]);
    PREDEFINED_CONFIGS
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(bare))
        .copied()
}

/// The CodeDeploy-style name of a custom shape, e.g. `Canary25Percent45Minutes`.
pub fn custom_config_name(shift: TrafficShift) -> String {
    let minutes = |interval: Micros| {
        let m = interval / MINUTE;
        if m == 1 {
            "1Minute".to_string()
        } else {
            format!("{m}Minutes")
        }
    };
    match shift {
        TrafficShift::AllAtOnce => "AllAtOnce".to_string(),
        TrafficShift::Canary {
            percentage,
            interval,
        } => format!("Canary{percentage}Percent{}", minutes(interval)),
        TrafficShift::Linear {
            percentage,
            interval,
        } => format!("Linear{percentage}PercentEvery{}", minutes(interval)),
    }
}

fn traffic_shift(path: &KeyPath, raw: &RawStrategy) -> VResult<(TrafficShift, String)> {
    let configs: Vec<&str> = PREDEFINED_CONFIGS.iter().map(|(n, _)| *n).collect();
    match (&raw.config, &raw.shape) {
        (Some(_), Some(_)) => Err(Problem::new(
            &path.key("type"),
            "give either config (a predefined configuration) or type (a custom shape), not both",
        )),
        (None, None) => Err(Problem::new(
            path,
            format!(
                "missing traffic shift: give config (one of {}) or type ({SHAPES})",
                configs.join(", ")
            ),
        )),
        (Some(config), None) => {
            for (key, present) in [
                ("percentage", raw.percentage.is_some()),
                ("interval", raw.interval.is_some()),
            ] {
                if present {
                    return Err(Problem::new(
                        &path.key(key),
                        format!("only allowed with a custom type = \"canary\" or \"linear\", not with config = {config:?}"),
                    ));
                }
            }
            let (name, shift) = predefined_config(config).ok_or_else(|| {
                Problem::new(
                    &path.key("config"),
                    format!(
                        "unknown CodeDeploy configuration {config:?}; allowed: {} (optionally prefixed with {CONFIG_PREFIX}), or a custom type ({SHAPES})",
                        configs.join(", ")
                    ),
                )
            })?;
            Ok((shift, name.to_string()))
        }
        (None, Some(shape)) => {
            let shift = match shape.as_str() {
                "all_at_once" => {
                    for (key, present) in [
                        ("percentage", raw.percentage.is_some()),
                        ("interval", raw.interval.is_some()),
                    ] {
                        if present {
                            return Err(Problem::new(
                                &path.key(key),
                                "only allowed with type = \"canary\" or \"linear\", not with type = \"all_at_once\"",
                            ));
                        }
                    }
                    TrafficShift::AllAtOnce
                }
                "canary" | "linear" => {
                    let why = format!("type = \"{shape}\" needs it");
                    let p_key = path.key("percentage");
                    let percentage = required(&p_key, raw.percentage, &why)?;
                    if !(1..=99).contains(&percentage) {
                        return Err(Problem::new(
                            &p_key,
                            format!("must be an integer from 1 to 99; got {percentage}"),
                        ));
                    }
                    let percentage = percentage as u32;
                    let i_key = path.key("interval");
                    let interval = required(&i_key, raw.interval, &why)?.0;
                    if interval == 0 || interval % MINUTE != 0 {
                        return Err(Problem::new(
                            &i_key,
                            format!(
                                "must be a whole number of minutes >= 1 (e.g. \"5m\"); got {}",
                                format_duration(interval)
                            ),
                        ));
                    }
                    let shift = if shape == "canary" {
                        TrafficShift::Canary {
                            percentage,
                            interval,
                        }
                    } else {
                        TrafficShift::Linear {
                            percentage,
                            interval,
                        }
                    };
                    let span = shift_span(shift, LinearCompletion::LastShift);
                    if span > MAX_SHIFT_SPAN {
                        return Err(Problem::new(
                            &i_key,
                            format!(
                                "the first-to-last traffic shift span is {} minutes; CodeDeploy allows at most 2880 (48 hours)",
                                span / MINUTE
                            ),
                        ));
                    }
                    shift
                }
                other => {
                    return Err(Problem::new(
                        &path.key("type"),
                        format!("unknown type {other:?}; allowed: {SHAPES}"),
                    ))
                }
            };
            Ok((shift, custom_config_name(shift)))
        }
    }
}

fn hook(path: &KeyPath, raw: &RawHook, max: Micros) -> VResult<Hook> {
    let duration = raw.duration.0;
    if duration == 0 || duration > max {
        let why = if max == MAX_HOOK_DURATION {
            "<= 1h (CodeDeploy fails a hook after one hour)"
        } else {
            "<= 1d"
        };
        return Err(Problem::new(
            &path.key("duration"),
            format!(
                "must be a duration > 0 and {why}; got {}",
                format_duration(duration)
            ),
        ));
    }
    let base = probability(
        &path.key("catch_probability"),
        raw.catch_probability.unwrap_or(0.0),
    )?;
    let mut catch_probability = [base; 5];
    if let Some(catch) = &raw.catch {
        let overrides: BTreeMap<FaultKind, Option<f64>> = [
            (FaultKind::StepError, catch.step_error),
            (FaultKind::RampError, catch.ramp_error),
            (FaultKind::Intermittent, catch.intermittent),
            (FaultKind::LatencyShift, catch.latency_shift),
            (FaultKind::ColdStart, catch.cold_start),
        ]
        .into_iter()
        .collect();
        for (index, kind) in FaultKind::ALL.iter().enumerate() {
            if let Some(Some(p)) = overrides.get(kind) {
                catch_probability[index] = probability(&path.key("catch").key(kind.name()), *p)?;
            }
        }
    }
    Ok(Hook {
        duration,
        catch_probability,
        flaky_probability: probability(
            &path.key("flaky_probability"),
            raw.flaky_probability.unwrap_or(0.0),
        )?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_names() {
        assert_eq!(
            custom_config_name(canary(25, 45)),
            "Canary25Percent45Minutes"
        );
        assert_eq!(
            custom_config_name(linear(20, 3)),
            "Linear20PercentEvery3Minutes"
        );
        assert_eq!(
            custom_config_name(linear(10, 1)),
            "Linear10PercentEvery1Minute"
        );
        assert_eq!(custom_config_name(TrafficShift::AllAtOnce), "AllAtOnce");
        for (name, shift) in PREDEFINED_CONFIGS {
            assert_eq!(custom_config_name(shift), name);
        }
    }

    #[test]
    fn shift_spans() {
        let l = linear(10, 10);
        assert_eq!(shift_span(l, LinearCompletion::LastShift), 90 * MINUTE);
        assert_eq!(shift_span(l, LinearCompletion::ExtraInterval), 100 * MINUTE);
        assert_eq!(
            shift_span(linear(30, 1), LinearCompletion::LastShift),
            3 * MINUTE
        );
        assert_eq!(
            shift_span(canary(10, 5), LinearCompletion::ExtraInterval),
            5 * MINUTE
        );
        assert_eq!(
            shift_span(TrafficShift::AllAtOnce, LinearCompletion::LastShift),
            0
        );
    }
}
