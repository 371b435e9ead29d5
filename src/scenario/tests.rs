//! Scenario loading tests: a full round trip, defaults, predefined
//! configurations, and many invalid inputs whose errors must name the key
//! path and what is allowed.

use super::*;
use crate::alarm::{AlarmRule, Comparison, MissingData};
use crate::model::*;
use crate::sim::time::{secs, Micros};

const FILE: &str = "scenarios/test.toml";

fn load_text(text: &str) -> Result<Scenario, ScenarioError> {
    let value = parse_document(text, FILE)?;
    from_value(value, text, FILE)
}

/// A small valid scenario that bad-input tests extend or edit.
const MINIMAL: &str = r#"
horizon = "30m"

[traffic]
rate_per_s = 50

[strategies.canary]
config = "Canary10Percent5Minutes"
"#;

const FULL: &str = r#"name = "error_spike"
seed = 42
replications = 500
horizon = "3h"

[traffic]
rate_per_min = 600
diurnal = { amplitude = 0.3, period = "24h", phase = "6h" }

[[traffic.bursts]]
start = "10m"
duration = "2m"
multiplier = 5.0

[versions.stable]
error_rate = 0.001
latency = { median_ms = 80, p99_ms = 400 }
timeout_ms = 3000

[versions.candidate]
error_rate = 0.002

[[faults]]
kind = "step_error"
after = "2m"
error_rate = 0.2

[[faults]]
kind = "ramp_error"
to = 0.5
over = "10m"

[[faults]]
kind = "intermittent"
after = "1m"
error_rate = 0.3
on = "1m"
off = "4m"

[[faults]]
kind = "latency_shift"
multiplier = 1.5

[[faults]]
kind = "cold_start"
requests = 50
extra_ms = 800

[slo]
latency_ms = 1000

[metrics]
period = "30s"
ingestion_delay = "90s"

[metrics.filters.bad_status]
scope = "version"
pattern = "{ $.statusCode > 400 }"
default_value = 0

[metrics.filters.slow]
pattern = "$.duration >= 2000"
value = 2

[alarms.error_rate]
scope = "version"
expression = "errors / invocations * 100"
threshold = 5
comparison = ">="
evaluation_periods = 3
datapoints_to_alarm = 2
treat_missing_data = "notBreaching"
period = "60s"

[alarms.latency]
metric = "duration"
statistic = "p99"
threshold = 1000
comparison = "GreaterThanThreshold"
evaluation_range = 4
evaluate_low_sample_count_percentile = "ignore"

[alarms.status]
metric = "bad_status"
threshold = 10
comparison = "<"
treat_missing_data = "breaching"
period = "60s"

[strategies.canary]
config = "CodeDeployDefault.LambdaCanary10Percent5Minutes"
alarms = ["latency", "error_rate"]
rollback_latency = "10s"
poll_interval = "30s"

[strategies.canary.pre_traffic_hook]
duration = "2m"
catch_probability = 0.5
catch = { latency_shift = 0.1 }
flaky_probability = 0.01

[strategies.custom]
type = "linear"
percentage = 20
interval = "3m"
rollback = false
linear_completion = "extra_interval"

[strategies.custom.post_traffic_hook]
duration = "1h"

[strategies.yolo]
kind = "codedeploy"
type = "all_at_once"
alarms = []
"#;

#[test]
fn full_scenario_round_trips() {
    let s = load_text(FULL).unwrap();
    assert_eq!(s.name, "error_spike");
    assert_eq!(s.seed, 42);
    assert_eq!(s.replications, 500);
    assert_eq!(s.horizon, secs(3 * 3600));
    assert_eq!(
        s.functions[0].traffic,
        Traffic {
            rate_per_s: 10.0,
            diurnal: Some(Diurnal {
                amplitude: 0.3,
                period: secs(86_400),
                phase: secs(6 * 3600),
            }),
            bursts: vec![Burst {
                start: secs(600),
                duration: secs(120),
                multiplier: 5.0,
            }],
            replay: None,
        }
    );
    let lognormal = LatencyDist::LogNormal {
        median_ms: 80.0,
        p99_ms: 400.0,
    };
    assert_eq!(
        s.functions[0].stable,
        VersionProfile {
            error_rate: 0.001,
            latency: lognormal,
            timeout_ms: Some(3000.0),
            failure: Failure::Unhandled,
        }
    );
    assert_eq!(
        s.functions[0].candidate,
        VersionProfile {
            error_rate: 0.002,
            latency: lognormal,
            timeout_ms: Some(3000.0),
            failure: Failure::Unhandled,
        }
    );
    assert_eq!(
        s.functions[0].faults,
        vec![
            Fault::StepError {
                after: secs(120),
                error_rate: 0.2,
                failure: Failure::Unhandled,
            },
            Fault::RampError {
                after: Micros::ZERO,
                over: secs(600),
                from: 0.0,
                to: 0.5,
                failure: Failure::Unhandled,
            },
            Fault::Intermittent {
                after: secs(60),
                on: secs(60),
                off: secs(240),
                error_rate: 0.3,
                failure: Failure::Unhandled,
            },
            Fault::LatencyShift {
                after: Micros::ZERO,
                add_ms: 0.0,
                multiplier: 1.5,
            },
            Fault::ColdStart {
                requests: 50,
                extra_ms: 800.0,
            },
        ]
    );
    assert!(s.candidate_faulty);
    assert_eq!(s.sla_ms, Some(1000.0));
    assert_eq!(
        s.metrics,
        MetricsSettings {
            period: secs(30),
            ingestion_delay: secs(90),
            // The default: error_rate's 60 s × E = 5 (N = 3) + 90 s = 390 s,
            // rounded up to the 60 s grid (lcm of 30 s, 60 s and the 10 s
            // evaluation interval of the 30 s alarm).
            warmup: secs(420),
            filters: vec![
                LogFilter {
                    name: "bad_status".into(),
                    scope: Scope::Version,
                    pattern: FilterPattern::Number {
                        field: FilterField::StatusCode,
                        comparison: CmpOp::Gt,
                        operand: 400.0,
                    },
                    value: 1.0,
                    default_value: Some(0.0),
                },
                LogFilter {
                    name: "slow".into(),
                    scope: Scope::Function,
                    pattern: FilterPattern::Number {
                        field: FilterField::Duration,
                        comparison: CmpOp::Ge,
                        operand: 2000.0,
                    },
                    value: 2.0,
                    default_value: None,
                },
            ],
        }
    );

    let sum = |metric| {
        Box::new(Expr::Series(MetricStat {
            metric,
            statistic: Statistic::Sum,
        }))
    };
    let names: Vec<&str> = s.alarms.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["error_rate", "latency", "status"]);
    assert_eq!(
        s.alarms[0],
        AlarmSpec {
            name: "error_rate".into(),
            function: 0,
            scope: Scope::Version,
            expr: Expr::Mul(
                Box::new(Expr::Div(
                    sum(MetricName::Errors),
                    sum(MetricName::Invocations)
                )),
                Box::new(Expr::Const(100.0)),
            ),
            expr_text: "Errors / Invocations * 100".into(),
            period: secs(60),
            rule: AlarmRule {
                threshold: 5.0,
                comparison: Comparison::GreaterThanOrEqual,
                evaluation_periods: 3,
                datapoints_to_alarm: 2,
                missing_data: MissingData::NotBreaching,
                evaluation_range: 5,
            },
            low_sample_count: LowSampleCount::Evaluate,
            guard: crate::model::RequestGuard::default(),
        }
    );
    assert_eq!(
        s.alarms[1],
        AlarmSpec {
            name: "latency".into(),
            function: 0,
            scope: Scope::Function,
            expr: Expr::Series(MetricStat {
                metric: MetricName::Duration,
                statistic: Statistic::Percentile(99.0),
            }),
            expr_text: "Duration p99".into(),
            period: secs(30),
            rule: AlarmRule {
                threshold: 1000.0,
                comparison: Comparison::GreaterThan,
                evaluation_periods: 1,
                datapoints_to_alarm: 1,
                missing_data: MissingData::Missing,
                evaluation_range: 4,
            },
            low_sample_count: LowSampleCount::Ignore,
            guard: crate::model::RequestGuard::default(),
        }
    );
    assert_eq!(s.alarms[2].expr, *sum(MetricName::Filter(0)));
    assert_eq!(s.alarms[2].expr_text, "bad_status Sum");
    assert_eq!(s.alarms[2].rule.comparison, Comparison::LessThan);
    assert_eq!(s.alarms[2].rule.missing_data, MissingData::Breaching);
    assert_eq!(s.alarms[2].rule.evaluation_range, 3);

    let names: Vec<&str> = s.strategies.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["canary", "custom", "yolo"]);
    let mut catch = [0.5; 5];
    catch[3] = 0.1;
    assert_eq!(
        s.strategies[0],
        StrategySpec {
            name: "canary".into(),
            kind: StrategyKind::CodeDeploy(CodeDeploySpec {
                shift: TrafficShift::Canary {
                    percentage: 10,
                    interval: secs(300),
                },
                config_name: "Canary10Percent5Minutes".into(),
                guard: PollGuard {
                    rollback: true,
                    rollback_latency: secs(10),
                    poll_interval: secs(30),
                },
                linear_completion: LinearCompletion::LastShift,
            }),
            alarms: vec![0, 1],
            pre_traffic_hook: Some(Hook {
                duration: secs(120),
                catch_probability: catch,
                flaky_probability: 0.01,
            }),
            post_traffic_hook: None,
        }
    );
    assert_eq!(
        s.strategies[1],
        StrategySpec {
            name: "custom".into(),
            kind: StrategyKind::CodeDeploy(CodeDeploySpec {
                shift: TrafficShift::Linear {
                    percentage: 20,
                    interval: secs(180),
                },
                config_name: "Linear20PercentEvery3Minutes".into(),
                guard: PollGuard {
                    rollback: false,
                    rollback_latency: secs(5),
                    poll_interval: secs(60),
                },
                linear_completion: LinearCompletion::ExtraInterval,
            }),
            alarms: vec![0, 1, 2],
            pre_traffic_hook: None,
            post_traffic_hook: Some(Hook {
                duration: secs(3600),
                catch_probability: [0.0; 5],
                flaky_probability: 0.0,
            }),
        }
    );
    assert_eq!(s.strategies[2].alarms, Vec::<usize>::new());
    let StrategyKind::CodeDeploy(yolo) = &s.strategies[2].kind else {
        panic!("codedeploy expected")
    };
    assert_eq!(yolo.shift, TrafficShift::AllAtOnce);
    assert_eq!(yolo.config_name, "AllAtOnce");
    assert_eq!(nominal_duration(&s.strategies[0]), secs(420));
    assert_eq!(nominal_duration(&s.strategies[1]), secs(5 * 180 + 3600));
}

#[test]
fn defaults() {
    let s = load_text(MINIMAL).unwrap();
    assert_eq!(s.name, "test");
    assert_eq!(s.seed, 1);
    assert_eq!(s.replications, 1000);
    assert_eq!(s.horizon, secs(1800));
    assert_eq!(
        s.functions[0].traffic,
        Traffic {
            rate_per_s: 50.0,
            diurnal: None,
            bursts: vec![],
            replay: None,
        }
    );
    let profile = VersionProfile {
        error_rate: 0.0,
        latency: LatencyDist::Fixed { ms: 100.0 },
        timeout_ms: None,
        failure: Failure::Unhandled,
    };
    assert_eq!(s.functions[0].stable, profile);
    assert_eq!(s.functions[0].candidate, profile);
    assert!(s.functions[0].faults.is_empty());
    assert!(!s.candidate_faulty);
    assert_eq!(s.sla_ms, None);
    assert_eq!(
        s.metrics,
        MetricsSettings {
            period: secs(60),
            ingestion_delay: secs(60),
            warmup: Micros::ZERO,
            filters: vec![],
        }
    );
    assert!(s.alarms.is_empty());
    assert_eq!(
        s.strategies,
        vec![StrategySpec {
            name: "canary".into(),
            kind: StrategyKind::CodeDeploy(CodeDeploySpec {
                shift: TrafficShift::Canary {
                    percentage: 10,
                    interval: secs(300),
                },
                config_name: "Canary10Percent5Minutes".into(),
                guard: PollGuard {
                    rollback: true,
                    rollback_latency: secs(5),
                    poll_interval: secs(60),
                },
                linear_completion: LinearCompletion::LastShift,
            }),
            alarms: vec![],
            pre_traffic_hook: None,
            post_traffic_hook: None,
        }]
    );
}

#[test]
fn candidate_inherits_from_stable_and_alarm_defaults() {
    let text = format!(
        "{MINIMAL}\n[versions.stable]\nlatency = {{ fixed_ms = 50 }}\ntimeout_ms = 200\n\
         [versions.candidate]\nlatency = {{ median_ms = 10, p99_ms = 20 }}\n\
         [alarms.a]\nmetric = \"Errors\"\nthreshold = 0\ncomparison = \">\"\nevaluation_periods = 3\n"
    );
    let s = load_text(&text).unwrap();
    assert_eq!(
        s.functions[0].stable.latency,
        LatencyDist::Fixed { ms: 50.0 }
    );
    assert_eq!(
        s.functions[0].candidate,
        VersionProfile {
            error_rate: 0.0,
            latency: LatencyDist::LogNormal {
                median_ms: 10.0,
                p99_ms: 20.0,
            },
            timeout_ms: Some(200.0),
            failure: Failure::Unhandled,
        }
    );
    let a = &s.alarms[0];
    assert_eq!(a.scope, Scope::Function);
    assert_eq!(a.expr_text, "Errors Sum");
    assert_eq!(a.period, secs(60));
    assert_eq!(
        a.rule,
        AlarmRule {
            threshold: 0.0,
            comparison: Comparison::GreaterThan,
            evaluation_periods: 3,
            datapoints_to_alarm: 3,
            missing_data: MissingData::Missing,
            evaluation_range: 5,
        }
    );
    assert_eq!(a.low_sample_count, LowSampleCount::Evaluate);
    // Default strategy alarms: every alarm.
    assert_eq!(s.strategies[0].alarms, vec![0]);
}

#[test]
fn predefined_configs_map_to_shifts() {
    let expected = [
        ("AllAtOnce", TrafficShift::AllAtOnce),
        (
            "Canary10Percent5Minutes",
            TrafficShift::Canary {
                percentage: 10,
                interval: secs(300),
            },
        ),
        (
            "Canary10Percent10Minutes",
            TrafficShift::Canary {
                percentage: 10,
                interval: secs(600),
            },
        ),
        (
            "Canary10Percent15Minutes",
            TrafficShift::Canary {
                percentage: 10,
                interval: secs(900),
            },
        ),
        (
            "Canary10Percent30Minutes",
            TrafficShift::Canary {
                percentage: 10,
                interval: secs(1800),
            },
        ),
        (
            "Linear10PercentEvery1Minute",
            TrafficShift::Linear {
                percentage: 10,
                interval: secs(60),
            },
        ),
        (
            "Linear10PercentEvery2Minutes",
            TrafficShift::Linear {
                percentage: 10,
                interval: secs(120),
            },
        ),
        (
            "Linear10PercentEvery3Minutes",
            TrafficShift::Linear {
                percentage: 10,
                interval: secs(180),
            },
        ),
        (
            "Linear10PercentEvery10Minutes",
            TrafficShift::Linear {
                percentage: 10,
                interval: secs(600),
            },
        ),
    ];
    for (name, shift) in expected {
        for written in [name.to_string(), format!("CodeDeployDefault.Lambda{name}")] {
            let text = format!(
                "horizon = \"2h\"\n[traffic]\nrate_per_s = 1\n[strategies.s]\nconfig = \"{written}\"\n"
            );
            let s = load_text(&text).unwrap_or_else(|e| panic!("{written}: {e}"));
            let StrategyKind::CodeDeploy(spec) = &s.strategies[0].kind else {
                panic!("codedeploy expected")
            };
            assert_eq!(spec.shift, shift, "{written}");
            assert_eq!(spec.config_name, name, "{written}");
        }
    }
}

#[test]
fn custom_canary_name_and_horizon_boundary() {
    let text = "horizon = \"45m\"\n[traffic]\nrate_per_s = 1\n\
                [strategies.c]\ntype = \"canary\"\npercentage = 25\ninterval = \"45m\"\n";
    let s = load_text(text).unwrap();
    let StrategyKind::CodeDeploy(spec) = &s.strategies[0].kind else {
        panic!("codedeploy expected")
    };
    assert_eq!(spec.config_name, "Canary25Percent45Minutes");
    assert_eq!(
        spec.shift,
        TrafficShift::Canary {
            percentage: 25,
            interval: secs(2700),
        }
    );
}

#[test]
fn name_from_path_uses_stem() {
    assert_eq!(
        name_from_path(Path::new("scenarios/error_spike.toml")),
        "error_spike"
    );
    assert_eq!(name_from_path(Path::new("plain")), "plain");
    assert_eq!(name_from_path(Path::new("")), "scenario");
}

#[test]
fn load_reads_files_and_reports_io_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("my_run.toml");
    std::fs::write(&path, MINIMAL).unwrap();
    let s = load(&path).unwrap();
    assert_eq!(s.name, "my_run");

    let missing = dir.path().join("absent.toml");
    let err = load(&missing).unwrap_err();
    assert!(matches!(err, ScenarioError::Io { .. }));
    let text = err.to_string();
    assert!(
        text.contains("absent.toml") && text.contains("cannot read"),
        "{text}"
    );

    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "horizon = \"30m\"\n[traffic\n").unwrap();
    let text = load(&bad).unwrap_err().to_string();
    assert!(text.starts_with(&format!("{}:2:", bad.display())), "{text}");
}

#[test]
fn sweep_style_edit_of_the_value() {
    let mut value = parse_document(MINIMAL, FILE).unwrap();
    value["traffic"]["rate_per_s"] = toml::Value::Float(-1.0);
    let err = from_value(value, MINIMAL, FILE).unwrap_err();
    assert_eq!(err.key(), Some("traffic.rate_per_s"));
    assert_eq!(err.line(), Some(5));
}

/// Replaces the line starting with `old` in `base` by `new` (or appends
/// `new` when `old` is empty).
fn edit(base: &str, old: &str, new: &str) -> String {
    if old.is_empty() {
        return format!("{base}\n{new}\n");
    }
    let mut found = false;
    let lines: Vec<String> = base
        .lines()
        .map(|l| {
            if !found && l.starts_with(old) {
                found = true;
                new.to_string()
            } else {
                l.to_string()
            }
        })
        .collect();
    assert!(found, "no line starts with {old:?}");
    lines.join("\n") + "\n"
}

/// Asserts that `text` fails with an error whose message contains the file,
/// `key` as the key path, and every string in `hints`; returns the error.
#[track_caller]
fn assert_invalid(text: &str, key: &str, hints: &[&str]) -> ScenarioError {
    let err = load_text(text).expect_err("expected an error");
    let message = err.to_string();
    assert!(!message.contains('\n'), "multi-line message: {message}");
    assert!(message.starts_with(FILE), "file missing: {message}");
    match &err {
        ScenarioError::Invalid { key: k, .. } => assert_eq!(k, key, "{message}"),
        other => panic!("expected Invalid at {key}, got {other}"),
    }
    assert!(
        message.contains(&format!(": {key}: ")),
        "key path missing: {message}"
    );
    for hint in hints {
        assert!(message.contains(hint), "hint {hint:?} missing: {message}");
    }
    err
}

#[test]
fn syntax_error_has_line_and_column() {
    let text = "horizon = \"30m\"\n\n[traffic]\nrate_per_s = = 5\n";
    let err = load_text(text).unwrap_err();
    match &err {
        ScenarioError::Syntax { line, column, .. } => {
            assert_eq!(*line, 4);
            assert!(*column > 1);
        }
        other => panic!("{other}"),
    }
    let message = err.to_string();
    assert!(message.starts_with(&format!("{FILE}:4:")), "{message}");
    assert!(message.contains("TOML syntax error"), "{message}");
    assert!(!message.contains('\n'), "{message}");
}

#[test]
fn unknown_keys_name_the_path_and_allowed_keys() {
    let err = assert_invalid(
        &format!("colour = 1\n{MINIMAL}"),
        "colour",
        &[
            "unknown key \"colour\"",
            "allowed keys here:",
            "horizon",
            "strategies",
        ],
    );
    assert_eq!(err.line(), Some(1));
    let err = assert_invalid(
        &edit(MINIMAL, "rate_per_s", "rate_per_s = 5\nburst = 3"),
        "traffic.burst",
        &[
            "unknown key \"burst\"",
            "rate_per_s",
            "rate_per_min",
            "bursts",
        ],
    );
    assert_eq!(err.line(), Some(6));
    assert_invalid(
        &edit(MINIMAL, "config", "config = \"AllAtOnce\"\nrollbak = false"),
        "strategies.canary.rollbak",
        &["unknown key", "rollback"],
    );
    assert_invalid(
        &format!("{MINIMAL}\n[versions.stable]\nlatency = {{ mean_ms = 3 }}\n"),
        "versions.stable.latency.mean_ms",
        &["fixed_ms", "median_ms", "p99_ms"],
    );
    assert_invalid(
        &format!("{MINIMAL}\n[[faults]]\nkind = \"step_error\"\nerror_rate = 0.1\nseverity = 2\n"),
        "faults[0].severity",
        &["unknown key", "error_rate"],
    );
    assert_invalid(
        &format!("{MINIMAL}\n[strategies.canary.pre_traffic_hook]\nduration = \"1m\"\ncatch = {{ bad_luck = 0.1 }}\n"),
        "strategies.canary.pre_traffic_hook.catch.bad_luck",
        &["step_error", "cold_start"],
    );
}

#[test]
fn bad_inputs_name_key_and_allowed_values() {
    let alarm = |extra: &str| {
        format!(
            "{MINIMAL}\n[alarms.error_rate]\nexpression = \"errors / invocations * 100\"\nthreshold = 5\ncomparison = \">=\"\n{extra}\n"
        )
    };
    // Each case: scenario text, key path, hints the message must contain.
    let cases: Vec<(String, &str, Vec<&str>)> = vec![
        // Wrong type.
        (edit(MINIMAL, "rate_per_s", "rate_per_s = \"fast\""), "traffic.rate_per_s", vec!["wrong type", "expected a number"]),
        (format!("replications = \"many\"\n{MINIMAL}"), "replications", vec!["wrong type", "integer"]),
        (edit(MINIMAL, "horizon", "horizon = 30"), "horizon", vec!["wrong type", "duration string"]),
        (MINIMAL.replace("[traffic]\nrate_per_s = 50", "traffic = 5"), "traffic", vec!["wrong type", "table"]),
        // Rates.
        (edit(MINIMAL, "rate_per_s", "rate_per_s = -5"), "traffic.rate_per_s", vec!["> 0", "-5"]),
        (edit(MINIMAL, "rate_per_s", "rate_per_s = nan"), "traffic.rate_per_s", vec!["> 0", "NaN"]),
        (edit(MINIMAL, "rate_per_s", "rate_per_s = inf"), "traffic.rate_per_s", vec!["finite"]),
        (edit(MINIMAL, "rate_per_s", "rate_per_s = 2e6"), "traffic.rate_per_s", vec!["<= 1000000"]),
        (edit(MINIMAL, "rate_per_s", "rate_per_s = 5\nrate_per_min = 300"), "traffic.rate_per_min", vec!["exactly one of rate_per_s or rate_per_min"]),
        (edit(MINIMAL, "rate_per_s", ""), "traffic", vec!["exactly one of rate_per_s or rate_per_min"]),
        (edit(MINIMAL, "rate_per_s", "rate_per_s = 5\ndiurnal = { amplitude = 1.0, period = \"24h\" }"), "traffic.diurnal.amplitude", vec!["[0, 1)"]),
        (edit(MINIMAL, "rate_per_s", "rate_per_s = 5\ndiurnal = { amplitude = 0.5, period = \"0s\" }"), "traffic.diurnal.period", vec!["> 0"]),
        (format!("{MINIMAL}\n[[traffic.bursts]]\nstart = \"1m\"\nduration = \"1m\"\nmultiplier = 0\n"), "traffic.bursts[0].multiplier", vec!["> 0"]),
        // Probabilities and versions.
        (format!("{MINIMAL}\n[versions.candidate]\nerror_rate = 1.5\n"), "versions.candidate.error_rate", vec!["probability in [0, 1]", "1.5"]),
        (format!("{MINIMAL}\n[versions.stable]\nerror_rate = -0.1\n"), "versions.stable.error_rate", vec!["[0, 1]"]),
        (format!("{MINIMAL}\n[versions.stable]\nlatency = {{ median_ms = 100, p99_ms = 50 }}\n"), "versions.stable.latency.p99_ms", vec!["greater than median_ms"]),
        (format!("{MINIMAL}\n[versions.stable]\nlatency = {{ fixed_ms = 10, median_ms = 5 }}\n"), "versions.stable.latency", vec!["either fixed_ms"]),
        (format!("{MINIMAL}\n[versions.stable]\nlatency = {{ median_ms = 5 }}\n"), "versions.stable.latency.p99_ms", vec!["missing required key", "p99_ms"]),
        (format!("{MINIMAL}\n[versions.stable]\ntimeout_ms = 0\n"), "versions.stable.timeout_ms", vec!["> 0"]),
        // Top-level ranges.
        (format!("replications = 1000000000000\n{MINIMAL}"), "replications", vec!["1 to 10000000"]),
        (format!("replications = 0\n{MINIMAL}"), "replications", vec!["1 to 10000000"]),
        (format!("seed = -3\n{MINIMAL}"), "seed", vec![">= 0"]),
        (format!("name = \"a/b\"\n{MINIMAL}"), "name", vec!["folder name"]),
        (edit(MINIMAL, "horizon", "horizon = \"30 minutes\""), "horizon", vec!["invalid duration", "\"90s\""]),
        (edit(MINIMAL, "horizon", "horizon = \"-5m\""), "horizon", vec!["negative"]),
        (edit(MINIMAL, "horizon", "horizon = \"30\""), "horizon", vec!["missing unit"]),
        (edit(MINIMAL, "horizon", "horizon = \"0s\""), "horizon", vec!["> 0"]),
        (edit(MINIMAL, "horizon", "horizon = \"8d\""), "horizon", vec!["7 days"]),
        (edit(MINIMAL, "horizon", "horizon = \"4m\""), "horizon", vec!["strategy \"canary\"", "at least 5m"]),
        (edit(MINIMAL, "horizon", ""), "horizon", vec!["missing required key", "7 days"]),
        // Metrics.
        (format!("{MINIMAL}\n[metrics]\nperiod = \"0s\"\n"), "metrics.period", vec!["10s, 20s, 30s or a multiple of 60s"]),
        (format!("{MINIMAL}\n[metrics]\nperiod = \"45s\"\n"), "metrics.period", vec!["45s is not a CloudWatch period", "multiple of 60s"]),
        (format!("{MINIMAL}\n[metrics.filters.bad]\npattern = \"$.statusCode >> 400\"\n"), "metrics.filters.bad.pattern", vec!["$.statusCode", "$.duration"]),
        (format!("{MINIMAL}\n[metrics.filters.bad]\npattern = \"$.status > 400\"\n"), "metrics.filters.bad.pattern", vec!["unknown field \"status\"", ">="]),
        (format!("{MINIMAL}\n[metrics.filters.\"bad-name\"]\npattern = \"$.statusCode > 400\"\n"), "metrics.filters.bad-name", vec!["identifier"]),
        (format!("{MINIMAL}\n[metrics.filters.Errors]\npattern = \"$.statusCode > 400\"\n"), "metrics.filters.Errors", vec!["built-in metric"]),
        (format!("{MINIMAL}\n[metrics.filters.f]\npattern = \"$.statusCode > 400\"\nscope = \"global\"\n"), "metrics.filters.f.scope", vec!["function, version, alias"]),
        // Alarms.
        (alarm("datapoints_to_alarm = 3\nevaluation_periods = 2"), "alarms.error_rate.datapoints_to_alarm", vec!["1 to evaluation_periods (2)"]),
        (alarm("evaluation_periods = 0"), "alarms.error_rate.evaluation_periods", vec![">= 1"]),
        (alarm("").replace("\">=\"", "\"=>\""), "alarms.error_rate.comparison", vec!["unknown comparison \"=>\"", ">=", "GreaterThanThreshold"]),
        (alarm("treat_missing_data = \"zero\""), "alarms.error_rate.treat_missing_data", vec!["missing, notBreaching, breaching or ignore"]),
        (alarm("period = \"45s\""), "alarms.error_rate.period", vec!["multiple of 60s"]),
        (alarm("period = \"0s\""), "alarms.error_rate.period", vec!["10s, 20s, 30s"]),
        (alarm("period = \"10s\""), "alarms.error_rate.period", vec!["multiple of metrics.period"]),
        (alarm("evaluation_periods = 1441"), "alarms.error_rate.evaluation_periods", vec!["1 day"]),
        (alarm("period = \"1h\"\nevaluation_periods = 169"), "alarms.error_rate.evaluation_periods", vec!["7 days"]),
        (alarm("evaluation_periods = 3\nevaluation_range = 2"), "alarms.error_rate.evaluation_range", vec!["from evaluation_periods (3)"]),
        (alarm("evaluate_low_sample_count_percentile = \"maybe\""), "alarms.error_rate.evaluate_low_sample_count_percentile", vec!["evaluate, ignore"]),
        (alarm("metric = \"Errors\""), "alarms.error_rate.metric", vec!["either expression or metric"]),
        (alarm("statistic = \"p99\""), "alarms.error_rate.statistic", vec!["only allowed with metric"]),
        (alarm("scope = \"region\""), "alarms.error_rate.scope", vec!["function, version, alias"]),
        (alarm("").replace("threshold = 5", "threshold = nan"), "alarms.error_rate.threshold", vec!["finite"]),
        (alarm("").replace("comparison = \">=\"", ""), "alarms.error_rate.comparison", vec!["missing required key", "GreaterThanThreshold"]),
        (alarm("").replace("threshold = 5", ""), "alarms.error_rate.threshold", vec!["missing required key", "finite number"]),
        (format!("{MINIMAL}\n[metrics.filters.f]\nscope = \"version\"\n"), "metrics.filters.f.pattern", vec!["missing required key", "$.statusCode"]),
        (format!("{MINIMAL}\n[[faults]]\nerror_rate = 0.1\n"), "faults[0].kind", vec!["missing required key", "step_error"]),
        (format!("{MINIMAL}\n[strategies.canary.pre_traffic_hook]\ncatch_probability = 0.1\n"), "strategies.canary.pre_traffic_hook.duration", vec!["missing required key", "<= 1h"]),
        (format!("{MINIMAL}\n[strategies.canary.pre_traffic_hook]\nduration = \"1m\"\ncatch_probability = \"high\"\n"), "strategies.canary.pre_traffic_hook.catch_probability", vec!["wrong type", "expected a number"]),
        (edit(MINIMAL, "config", "config = \"AllAtOnce\"\nrollback = \"yes\""), "strategies.canary.rollback", vec!["wrong type", "true or false"]),
        (edit(MINIMAL, "config", "config = \"AllAtOnce\"\nalarms = \"error_rate\""), "strategies.canary.alarms", vec!["wrong type", "array"]),
        (edit(MINIMAL, "config", "type = \"canary\"\npercentage = 10.5\ninterval = \"5m\""), "strategies.canary.percentage", vec!["wrong type", "integer"]),
        (alarm("").replace("errors / invocations * 100", "errors / (invocations * 100"), "alarms.error_rate.expression", vec!["expected \")\"", "column 10"]),
        (alarm("").replace("errors / invocations * 100", "errors / calls"), "alarms.error_rate.expression", vec!["column 10", "unknown metric \"calls\"", "Invocations"]),
        (alarm("").replace("errors / invocations * 100", "Duration.p100"), "alarms.error_rate.expression", vec!["unknown statistic \"p100\"", "pNN"]),
        (format!("{MINIMAL}\n[alarms.a]\nmetric = \"Latency\"\nthreshold = 1\ncomparison = \">\"\n"), "alarms.a.metric", vec!["unknown metric \"Latency\"", "Invocations, Errors, Duration"]),
        (format!("{MINIMAL}\n[alarms.a]\nmetric = \"Duration\"\nstatistic = \"median\"\nthreshold = 1\ncomparison = \">\"\n"), "alarms.a.statistic", vec!["SampleCount", "pNN"]),
        (format!("{MINIMAL}\n[alarms.a]\nthreshold = 1\ncomparison = \">\"\n"), "alarms.a", vec!["give expression", "metric"]),
        // Strategies.
        (edit(MINIMAL, "config", "config = \"Canary20Percent5Minutes\""), "strategies.canary.config", vec!["unknown CodeDeploy configuration", "Linear10PercentEvery10Minutes", "canary, linear, all_at_once"]),
        (edit(MINIMAL, "config", "type = \"linear\"\npercentage = 0\ninterval = \"1m\""), "strategies.canary.percentage", vec!["1 to 99"]),
        (edit(MINIMAL, "config", "type = \"canary\"\npercentage = 100\ninterval = \"1m\""), "strategies.canary.percentage", vec!["1 to 99", "100"]),
        (edit(MINIMAL, "config", "type = \"canary\"\npercentage = 10\ninterval = \"90s\""), "strategies.canary.interval", vec!["whole number of minutes"]),
        (edit(MINIMAL, "config", "type = \"canary\"\npercentage = 10"), "strategies.canary.interval", vec!["missing required key", "type = \"canary\""]),
        (edit(MINIMAL, "config", "type = \"linear\"\npercentage = 1\ninterval = \"30m\""), "strategies.canary.interval", vec!["2970 minutes", "2880"]),
        (edit(MINIMAL, "config", "type = \"blue_green\""), "strategies.canary.type", vec!["canary, linear, all_at_once"]),
        (edit(MINIMAL, "config", "type = \"all_at_once\"\npercentage = 10"), "strategies.canary.percentage", vec!["only allowed with type = \"canary\" or \"linear\""]),
        (edit(MINIMAL, "config", "config = \"AllAtOnce\"\ninterval = \"5m\""), "strategies.canary.interval", vec!["only allowed with a custom type"]),
        (edit(MINIMAL, "config", "config = \"AllAtOnce\"\ntype = \"canary\""), "strategies.canary.type", vec!["either config"]),
        (edit(MINIMAL, "config", "rollback = true"), "strategies.canary", vec!["give config", "Canary10Percent5Minutes", "all_at_once"]),
        (edit(MINIMAL, "config", "kind = \"spinnaker\"\nconfig = \"AllAtOnce\""), "strategies.canary.kind", vec!["unknown strategy kind \"spinnaker\"", "codedeploy"]),
        (MINIMAL.replace("[strategies.canary]\nconfig = \"Canary10Percent5Minutes\"", ""), "strategies", vec!["at least one strategy"]),
        (alarm("").replace("[strategies.canary]", "[strategies.canary]\nalarms = [\"error_rate\", \"latency\"]"), "strategies.canary.alarms[1]", vec!["unknown alarm \"latency\"", "defined alarms: error_rate"]),
        (edit(MINIMAL, "config", "config = \"AllAtOnce\"\nalarms = [\"x\"]"), "strategies.canary.alarms[0]", vec!["no alarms are defined"]),
        (edit(MINIMAL, "config", "config = \"AllAtOnce\"\nlinear_completion = \"never\""), "strategies.canary.linear_completion", vec!["last_shift, extra_interval"]),
        (edit(MINIMAL, "config", "config = \"AllAtOnce\"\npoll_interval = \"0s\""), "strategies.canary.poll_interval", vec!["at least 1s"]),
        (format!("{MINIMAL}\n[strategies.canary.pre_traffic_hook]\nduration = \"61m\"\n"), "strategies.canary.pre_traffic_hook.duration", vec!["<= 1h", "1h1m"]),
        (format!("{MINIMAL}\n[strategies.canary.post_traffic_hook]\nduration = \"1m\"\nflaky_probability = 2\n"), "strategies.canary.post_traffic_hook.flaky_probability", vec!["[0, 1]"]),
        (format!("{MINIMAL}\n[strategies.canary.post_traffic_hook]\nduration = \"1m\"\ncatch = {{ ramp_error = -1 }}\n"), "strategies.canary.post_traffic_hook.catch.ramp_error", vec!["[0, 1]"]),
        (edit(MINIMAL, "horizon", "horizon = \"10m\"") + "[strategies.canary.pre_traffic_hook]\nduration = \"6m\"\n", "horizon", vec!["11m", "strategy \"canary\""]),
        // Faults.
        (format!("{MINIMAL}\n[[faults]]\nkind = \"meteor\"\n"), "faults[0].kind", vec!["unknown fault kind \"meteor\"", "step_error, ramp_error, intermittent, latency_shift, cold_start"]),
        (format!("{MINIMAL}\n[[faults]]\nkind = \"cold_start\"\nrequests = 5\nextra_ms = 10\nafter = \"1m\"\n"), "faults[0].after", vec!["not allowed for fault kind \"cold_start\"", "requests, extra_ms"]),
        (format!("{MINIMAL}\n[[faults]]\nkind = \"ramp_error\"\nto = 0.5\nover = \"1m\"\nerror_rate = 0.1\n"), "faults[0].error_rate", vec!["fault kind \"ramp_error\"", "from, to, over"]),
        (format!("{MINIMAL}\n[[faults]]\nkind = \"step_error\"\n"), "faults[0].error_rate", vec!["missing required key", "step_error"]),
        (format!("{MINIMAL}\n[[faults]]\nkind = \"step_error\"\nerror_rate = 0\n"), "faults[0].error_rate", vec!["(0, 1]"]),
        (format!("{MINIMAL}\n[[faults]]\nkind = \"intermittent\"\nerror_rate = 0.5\non = \"1m\"\noff = \"0s\"\n"), "faults[0].off", vec!["> 0"]),
        (format!("{MINIMAL}\n[[faults]]\nkind = \"latency_shift\"\n"), "faults[0]", vec!["add_ms > 0 or multiplier != 1"]),
        (format!("{MINIMAL}\n[[faults]]\nkind = \"cold_start\"\nrequests = 0\nextra_ms = 5\n"), "faults[0].requests", vec![">= 1"]),
        (format!("{MINIMAL}\n[[faults]]\nkind = \"step_error\"\nerror_rate = 0.1\nafter = \"soon\"\n"), "faults[0].after", vec!["invalid duration \"soon\""]),
        (format!("{MINIMAL}\n[slo]\nlatency_ms = 0\n"), "slo.latency_ms", vec!["> 0"]),
    ];
    assert!(cases.len() >= 25);
    for (text, key, hints) in &cases {
        assert_invalid(text, key, hints);
    }
}

#[test]
fn errors_carry_the_line_of_the_key() {
    let text = format!(
        "{MINIMAL}\n[alarms.error_rate]\nexpression = \"errors\"\nthreshold = 5\ncomparison = \"=>\"\n"
    );
    let err = assert_invalid(&text, "alarms.error_rate.comparison", &[]);
    let line = text
        .lines()
        .position(|l| l.starts_with("comparison"))
        .unwrap()
        + 1;
    assert_eq!(err.line(), Some(line));
    assert!(err.to_string().starts_with(&format!("{FILE}:{line}: alarms.error_rate.comparison: unknown comparison \"=>\"; allowed: \">\", \">=\", \"<\", \"<=\", GreaterThanThreshold")));

    // A missing key points at its table.
    let text = format!("{MINIMAL}\n[alarms.a]\nexpression = \"errors\"\nthreshold = 5\n");
    let err = assert_invalid(&text, "alarms.a.comparison", &["missing required key"]);
    let header = text.lines().position(|l| l == "[alarms.a]").unwrap() + 1;
    assert_eq!(err.line(), Some(header));

    // Array elements.
    let text = format!("{MINIMAL}\n[[faults]]\nkind = \"step_error\"\nerror_rate = 0.1\n\n[[faults]]\nkind = \"nope\"\n");
    let err = assert_invalid(&text, "faults[1].kind", &[]);
    assert_eq!(
        err.line(),
        Some(text.lines().position(|l| l == "kind = \"nope\"").unwrap() + 1)
    );

    // No strategies: no line to point at.
    let err = assert_invalid(
        "horizon = \"1h\"\n[traffic]\nrate_per_s = 1\n",
        "strategies",
        &[],
    );
    assert_eq!(err.line(), None);
}

#[test]
fn never_panics_on_odd_input() {
    let odd = [
        "",
        "\u{0}",
        "horizon = 1979-05-27T07:32:00Z\n",
        "[[strategies]]\n",
        "strategies = []\n",
        "alarms = 5\n",
        "[traffic]\nrate_per_s = 1e308\n",
        "replications = 9223372036854775807\n",
        "seed = -9223372036854775808\n",
        &format!("{MINIMAL}\n[alarms.\"\"]\nexpression = \"errors\"\nthreshold = 1\ncomparison = \">\"\n"),
        &format!("{MINIMAL}\n[metrics.filters.\"\"]\npattern = \"{{\"\n"),
        &format!("{MINIMAL}\n[[faults]]\nkind = \"\"\n"),
        &edit(MINIMAL, "horizon", "horizon = \"99999999999999999d\""),
        &edit(MINIMAL, "horizon", "horizon = \"213503982d\""),
        &edit(MINIMAL, "config", "type = \"linear\"\npercentage = 1\ninterval = \"213503982d\""),
        &edit(MINIMAL, "config", "type = \"canary\"\npercentage = 1\ninterval = \"213503982d\""),
        &format!("a = {}\n", "[".repeat(100_000)),
        &format!("a = {}1{}\n", "[".repeat(300), "]".repeat(300)),
        &format!("{}\n", "{".repeat(1000)),
        &format!("{MINIMAL}\n[alarms.x]\nexpression = \"{}\"\nthreshold = 1\ncomparison = \">\"\n", "(".repeat(5000)),
    ];
    for text in odd {
        let result = load_text(text);
        if let Err(err) = result {
            assert!(!err.to_string().contains('\n'), "{err}");
        }
    }
}

const NEW_KINDS: &str = r#"
horizon = "4h"

[traffic]
rate_per_s = 10

[alarms.stage_errors]
scope = "canary_stage"
expression = "errors / invocations * 100"
comparison = ">="
threshold = 5

[alarms.count]
scope = "version"
metric = "Errors"
comparison = ">"
threshold = 5
period = "10m"

[strategies.apigw]
kind = "apigw_canary"
percent_traffic = 12.5
review_time = { median = "30m", p99 = "2h" }
alarms = ["stage_errors"]
operator = { detection_delay = { mean = "15m", sd = "10m" }, notice_probability = 0.8 }
cache = { hit_ratio = 0.6 }

[strategies.steps]
kind = "steps"
steps = [{ weight = 1, bake = "5m" }, { weight = 50, bake = "10m" }, { weight = 100 }]
poll_interval = "30s"

[strategies.lattice]
kind = "lattice"
alarms = ["count"]
weights = [95, 5]
schedule = [{ after = "10m", weights = [0, 999] }]
sns_delay = { min = "1s", max = "3s" }
pre_traffic_hook = { duration = "3h" }
"#;

#[test]
fn new_strategy_kinds_round_trip() {
    let s = load_text(NEW_KINDS).unwrap();
    assert_eq!(s.alarms[1].scope, Scope::CanaryStage);
    let [apigw, lattice, steps] = &s.strategies[..] else {
        panic!("three strategies")
    };
    assert_eq!(
        apigw.kind,
        StrategyKind::ApiGwCanary(ApiGwSpec {
            percent_traffic: 12.5,
            review_time: Some(DelayDist::from_median_p99(secs(1800), secs(7200))),
            promotion: Promotion {
                deployment: true,
                stage_variables: true,
                canary_to_zero: true,
            },
            new_version_via: CanaryCarrier::Deployment,
            stage_variable_overrides: Vec::new(),
            rollback: true,
            function: RollbackFunction {
                sns_delay: DelayDist::Fixed(secs(1)),
                function_duration: DelayDist::Fixed(secs(3)),
            },
            propagation_delay: DelayDist::Fixed(secs(5)),
            operator: Some(Operator {
                detection_delay: DelayDist::from_mean_sd(secs(900), secs(600)),
                notice_probability: 0.8,
            }),
            cache: Some(StageCache {
                hit_ratio: 0.6,
                hit_latency_ms: 5.0,
                warmup: secs(600),
            }),
        })
    );
    assert_eq!(apigw.alarms, vec![1]);
    assert_eq!(
        steps.kind,
        StrategyKind::Steps(StepsSpec {
            steps: vec![
                WeightStep {
                    weight_pct: 1.0,
                    bake: secs(300)
                },
                WeightStep {
                    weight_pct: 50.0,
                    bake: secs(600)
                },
                WeightStep {
                    weight_pct: 100.0,
                    bake: Micros::ZERO
                },
            ],
            guard: PollGuard {
                rollback: true,
                rollback_latency: secs(5),
                poll_interval: secs(30),
            },
        })
    );
    assert_eq!(nominal_duration(steps), secs(900));
    assert_eq!(
        lattice.kind,
        StrategyKind::Lattice(LatticeSpec {
            weights: [95, 5],
            schedule: vec![LatticeChange {
                after: secs(600),
                weights: [0, 999],
            }],
            // Everything on the candidate at the end: completes when the
            // last change took effect.
            bake: Some(Micros::ZERO),
            propagation_delay: DelayDist::Fixed(secs(90)),
            function: RollbackFunction {
                sns_delay: DelayDist::Uniform {
                    min: secs(1),
                    max: secs(3),
                },
                function_duration: DelayDist::Fixed(secs(3)),
            },
            rollback: true,
        })
    );
    // A pipeline hook may run longer than CodeDeploy's hour.
    assert_eq!(
        lattice.pre_traffic_hook.as_ref().map(|h| h.duration),
        Some(secs(3 * 3600))
    );
    assert_eq!(nominal_duration(apigw), secs(1800 + 5));
    assert_eq!(nominal_duration(lattice), secs(3 * 3600 + 600 + 90));
    // Never promoted; a split left in place never completes.
    let s = load_text(
        &NEW_KINDS
            .replace(
                "review_time = { median = \"30m\", p99 = \"2h\" }",
                "review_time = \"never\"",
            )
            .replace("schedule = [{ after = \"10m\", weights = [0, 999] }]", ""),
    )
    .unwrap();
    let StrategyKind::ApiGwCanary(a) = &s.strategies[0].kind else {
        panic!("apigw first")
    };
    assert_eq!(a.review_time, None);
    let StrategyKind::Lattice(l) = &s.strategies[1].kind else {
        panic!("lattice second")
    };
    assert_eq!(l.bake, None);
}

const FUNCTIONS: &str = r#"
horizon = "1h"

[traffic]
rate_per_s = 5

[versions.stable]
error_rate = 0.01

[versions.candidate]
latency = { fixed_ms = 80 }

[functions.reserve_flight]
traffic = { rate_per_s = 20 }
[[functions.reserve_flight.faults]]
kind = "step_error"
error_rate = 0.1

[functions.refund]
deploy = "all_at_once"
versions.stable = { error_rate = 0.02 }

[deployment]
stack_rollback_delay = "30s"

[alarms.flight_errors]
function = "reserve_flight"
scope = "version"
metric = "Errors"
comparison = ">"
threshold = 0

[strategies.canary]
config = "Canary10Percent10Minutes"
"#;

#[test]
fn functions_take_what_they_do_not_give_from_the_top_level() {
    let s = load_text(FUNCTIONS).unwrap();
    assert!(s.multi_function);
    assert!(s.candidate_faulty);
    let names: Vec<&str> = s.functions.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["refund", "reserve_flight"]);
    let [refund, flight] = &s.functions[..] else {
        unreachable!()
    };
    assert_eq!(refund.deploy, Deploy::AllAtOnce);
    assert_eq!(refund.traffic.rate_per_s, 5.0);
    assert_eq!(refund.stable.error_rate, 0.02);
    // The candidate inherits the function's stable version, then the
    // top-level candidate keys.
    assert_eq!(refund.candidate.error_rate, 0.02);
    assert_eq!(refund.candidate.latency, LatencyDist::Fixed { ms: 80.0 });
    assert!(!refund.candidate_faulty);
    assert_eq!(flight.deploy, Deploy::Strategy);
    assert_eq!(flight.traffic.rate_per_s, 20.0);
    assert_eq!(flight.stable.error_rate, 0.01);
    assert!(flight.candidate_faulty);
    assert_eq!(s.alarms[0].function, 1);
    assert_eq!(
        s.deployment,
        DeploymentSettings {
            stack_rollback: true,
            stack_rollback_delay: DelayDist::Fixed(secs(30)),
        }
    );
    // A single-function scenario is one function named main.
    let s = load_text(MINIMAL).unwrap();
    assert!(!s.multi_function);
    assert_eq!(s.functions.len(), 1);
    assert_eq!(s.functions[0].name, "main");
}

#[test]
fn bad_new_keys_name_key_and_allowed_values() {
    let kinds = |old: &str, new: &str| NEW_KINDS.replace(old, new);
    let functions = |old: &str, new: &str| FUNCTIONS.replace(old, new);
    #[rustfmt::skip]
    let cases: Vec<(String, &str, Vec<&str>)> = vec![
        (edit(MINIMAL, "config", "config = \"AllAtOnce\"\npercent_traffic = 10"), "strategies.canary.percent_traffic", vec!["not allowed for strategy kind \"codedeploy\"", "linear_completion"]),
        (edit(MINIMAL, "config", "kind = \"blue_green\""), "strategies.canary.kind", vec!["codedeploy, apigw_canary, steps, lattice"]),
        (kinds("percent_traffic = 12.5", "percent_traffic = 120"), "strategies.apigw.percent_traffic", vec!["0.0 to 100.0"]),
        (kinds("percent_traffic = 12.5\n", ""), "strategies.apigw.percent_traffic", vec!["missing required key"]),
        (kinds("median = \"30m\", p99", "medain = \"30m\", p99"), "strategies.apigw.review_time.medain", vec!["median and p99", "mean and sd", "min and max"]),
        (kinds("median = \"30m\", p99 = \"2h\"", "median = \"30m\""), "strategies.apigw.review_time.p99", vec!["missing required key", "needs p99"]),
        (kinds("median = \"30m\", p99 = \"2h\"", "median = \"30m\", p99 = \"10m\""), "strategies.apigw.review_time.p99", vec!["p99 > median > 0"]),
        (kinds("median = \"30m\", p99 = \"2h\"", "median = \"30m\", mean = \"2h\""), "strategies.apigw.review_time", vec!["exactly one pair"]),
        (kinds("review_time = { median = \"30m\", p99 = \"2h\" }", "review_time = 30"), "strategies.apigw.review_time", vec!["wrong type", "duration"]),
        (kinds("review_time = { median = \"30m\", p99 = \"2h\" }", "review_time = \"soon\""), "strategies.apigw.review_time", vec!["invalid duration", "\"90s\""]),
        (kinds("notice_probability = 0.8", "notice_probability = 1.5"), "strategies.apigw.operator.notice_probability", vec!["[0, 1]"]),
        (kinds("hit_ratio = 0.6", "hit_ratio = 1"), "strategies.apigw.cache.hit_ratio", vec!["[0, 1)"]),
        (kinds("{ weight = 50, bake = \"10m\" }", "{ weight = 0.5, bake = \"10m\" }"), "strategies.steps.steps[1].weight", vec!["(1, 100]", "increase strictly"]),
        (kinds("{ weight = 100 }", "{ weight = 90 }"), "strategies.steps.steps[2].weight", vec!["last step", "weight = 100"]),
        (kinds("{ weight = 1, bake = \"5m\" }", "{ weight = 1 }"), "strategies.steps.steps[0].bake", vec!["missing required key", "bake time"]),
        (kinds("steps = [{", "steps = []\n_x = [{"), "strategies.steps._x", vec!["unknown key"]),
        (kinds("weights = [95, 5]", "weights = [95, 1000]"), "strategies.lattice.weights[1]", vec!["0 to 999"]),
        (kinds("weights = [95, 5]", "weights = [0, 0]"), "strategies.lattice.weights", vec!["not both be 0"]),
        (kinds("weights = [95, 5]", "weights = [90, 5, 5]"), "strategies.lattice.weights", vec!["[stable, candidate]"]),
        (kinds("after = \"10m\"", "after = \"0s\""), "strategies.lattice.schedule[0].after", vec!["later than 0s"]),
        (kinds("sns_delay = { min = \"1s\", max = \"3s\" }", "sns_delay = { min = \"3s\", max = \"1s\" }"), "strategies.lattice.sns_delay.max", vec![">= min"]),
        (kinds("sns_delay = { min = \"1s\", max = \"3s\" }", "poll_interval = \"1m\""), "strategies.lattice.poll_interval", vec!["not allowed for strategy kind \"lattice\"", "propagation_delay"]),
        (edit(MINIMAL, "config", "config = \"AllAtOnce\"\npre_traffic_hook = { duration = \"2h\" }"), "strategies.canary.pre_traffic_hook.duration", vec!["<= 1h"]),
        (kinds("scope = \"canary_stage\"", "scope = \"stages\""), "alarms.stage_errors.scope", vec!["canary_stage"]),
        // Multi-function scenarios.
        (functions("function = \"reserve_flight\"\n", ""), "alarms.flight_errors.function", vec!["missing required key", "refund, reserve_flight"]),
        (functions("function = \"reserve_flight\"", "function = \"book\""), "alarms.flight_errors.function", vec!["unknown function \"book\"", "refund, reserve_flight"]),
        (edit(MINIMAL, "rate_per_s = 50", "rate_per_s = 50\n[alarms.a]\nfunction = \"f\"\nmetric = \"Errors\"\nthreshold = 0\ncomparison = \">\""), "alarms.a.function", vec!["only allowed with [functions.NAME]"]),
        (functions("deploy = \"all_at_once\"", "deploy = \"later\""), "functions.refund.deploy", vec!["strategy, all_at_once"]),
        (format!("{FUNCTIONS}\n[[faults]]\nkind = \"step_error\"\nerror_rate = 0.1\n"), "faults[0]", vec!["[[functions.NAME.faults]]"]),
        (functions("[traffic]\nrate_per_s = 5\n", ""), "functions.refund.traffic", vec!["missing required key", "top-level [traffic]"]),
        (functions("[functions.refund]", "[functions.\"re-fund\"]"), "functions.re-fund", vec!["identifier"]),
        (functions("stack_rollback_delay = \"30s\"", "rollback = \"sometimes\""), "deployment.rollback", vec!["stack, per_function"]),
        (format!("{MINIMAL}\n[deployment]\nrollback = \"stack\"\n"), "deployment", vec!["only allowed with [functions.NAME]"]),
        (functions("[strategies.canary]", "[strategies.\"a/b\"]"), "strategies.\"a/b\"", vec!["must not contain '/'"]),
        (functions("kind = \"step_error\"\nerror_rate = 0.1", "kind = \"step_error\"\nerror_rate = 2"), "functions.reserve_flight.faults[0].error_rate", vec!["(0, 1]"]),
    ];
    for (text, key, hints) in cases {
        assert_invalid(&text, key, &hints);
    }
}

#[test]
fn failures_filters_and_api_gateway_metrics_load() {
    let text = format!(
        r#"{MINIMAL}
[versions.stable]
error_rate = 0.01
failure = {{ status = 503 }}
[versions.candidate]
failure = "error"
[[faults]]
kind = "step_error"
error_rate = 0.2
failure = {{ status = 429 }}
[[faults]]
kind = "ramp_error"
to = 0.1
over = "1m"
[metrics.filters.seed]
pattern = '{{ $.log = "response" && $.function = "main:2" && $.statusCode > 400 }}'
[alarms.seed]
metric = "seed"
threshold = 0
comparison = ">"
[alarms.stage]
scope = "stage"
expression = "5XXError.Average * 100 + 4XXError / Count"
threshold = 5
comparison = ">"
"#
    );
    let s = load_text(&text).expect("valid");
    let f = &s.functions[0];
    assert_eq!(f.stable.failure, Failure::Handled { status: 503 });
    assert_eq!(f.candidate.failure, Failure::Unhandled);
    assert_eq!(
        f.faults[0].failure(),
        Some(Failure::Handled { status: 429 })
    );
    assert_eq!(f.faults[1].failure(), Some(Failure::Unhandled));
    assert!(matches!(
        s.metrics.filters[0].pattern,
        FilterPattern::And(..)
    ));
    let series = |metric| {
        Box::new(Expr::Series(MetricStat {
            metric,
            statistic: Statistic::Sum,
        }))
    };
    assert_eq!(
        s.alarms[1].expr,
        Expr::Add(
            Box::new(Expr::Mul(
                Box::new(Expr::Series(MetricStat {
                    metric: MetricName::Error5xx,
                    statistic: Statistic::Average,
                })),
                Box::new(Expr::Const(100.0)),
            )),
            Box::new(Expr::Div(
                series(MetricName::Error4xx),
                series(MetricName::Count)
            )),
        )
    );
    // The candidate inherits the stable version's failure kind.
    let inherit = edit(&text, "failure = \"error\"", "");
    let s = load_text(&inherit).expect("valid");
    assert_eq!(
        s.functions[0].candidate.failure,
        Failure::Handled { status: 503 }
    );
}

#[test]
fn bad_failures_and_api_gateway_scopes_name_the_key() {
    let with = |extra: &str| format!("{MINIMAL}\n{extra}\n");
    assert_invalid(
        &with("[versions.stable]\nfailure = \"crash\""),
        "versions.stable.failure",
        &["unknown failure \"crash\"", "\"error\"", "400–599"],
    );
    assert_invalid(
        &with("[versions.candidate]\nfailure = { status = 200 }"),
        "versions.candidate.failure.status",
        &["200 is not an error status"],
    );
    assert_invalid(
        &with("[[faults]]\nkind = \"latency_shift\"\nadd_ms = 5\nfailure = \"error\""),
        "faults[0].failure",
        &["not allowed for fault kind \"latency_shift\""],
    );
    assert_invalid(
        &with("[alarms.a]\nscope = \"version\"\nmetric = \"5XXError\"\nthreshold = 0\ncomparison = \">\""),
        "alarms.a.metric",
        &["API Gateway stage metrics", "stage"],
    );
    assert_invalid(
        &with("[metrics.filters.f]\nscope = \"canary_stage\"\npattern = \"$.statusCode > 400\""),
        "metrics.filters.f.scope",
        &["log group", "function, version, alias"],
    );
}

/// A trip saga: three steps, two compensated, over five functions.
const WORKFLOW: &str = r#"
horizon = "30m"
[functions.flight]
[functions.hotel]
traffic = { rate_per_s = 2 }
[functions.pay]
[functions.cancel_flight]
deploy = "all_at_once"
[functions.refund]
deploy = "all_at_once"
[strategies.c]
config = "Canary10Percent5Minutes"
[workflow]
rate_per_min = 30
steps = [
  { name = "ReserveFlight", function = "flight", compensation = "cancel_flight" },
  { function = "hotel" },
  { function = "pay", compensation = "refund" },
]
"#;

#[test]
fn workflow_defaults_follow_cdk_and_the_saga_pattern() {
    let sc = load_text(WORKFLOW).unwrap();
    let wf = sc.workflow.as_ref().unwrap();
    assert_eq!(wf.rate_per_s, 0.5);
    let index = |n: &str| sc.functions.iter().position(|f| f.name == n).unwrap();
    assert_eq!(
        wf.steps,
        vec![
            WorkflowStep {
                name: "ReserveFlight".into(),
                function: index("flight"),
                compensation: Some(index("cancel_flight")),
            },
            WorkflowStep {
                name: "hotel".into(),
                function: index("hotel"),
                compensation: None,
            },
            WorkflowStep {
                name: "pay".into(),
                function: index("pay"),
                compensation: Some(index("refund")),
            },
        ]
    );
    assert!(wf.compensate_failed_step);
    assert_eq!(wf.retry, Some(RetryPolicy::CDK_SERVICE_EXCEPTIONS));
    assert_eq!(wf.service_exception_prob, 0.0);
    // Functions the workflow calls need no traffic of their own.
    assert_eq!(sc.functions[index("flight")].traffic.rate_per_s, 0.0);
    assert_eq!(sc.functions[index("hotel")].traffic.rate_per_s, 2.0);
}

#[test]
fn workflow_errors_name_the_key_and_what_is_allowed() {
    let bad = |from: &str, to: &str, expect: &[&str]| {
        let text = WORKFLOW.replace(from, to);
        assert_ne!(text, WORKFLOW, "{from}");
        let err = load_text(&text).unwrap_err().to_string();
        for e in expect {
            assert!(err.contains(e), "{err}\nshould contain {e:?}");
        }
    };
    bad(
        "{ function = \"hotel\" }",
        "{ function = \"car\" }",
        &[
            "workflow.steps[1].function",
            "unknown function \"car\"",
            "allowed: cancel_flight, flight, hotel, pay, refund",
        ],
    );
    bad(
        "{ function = \"hotel\" }",
        "{ function = \"flight\" }",
        &["workflow.steps[1].function", "appears twice"],
    );
    bad(
        "rate_per_min = 30",
        "rate_per_min = 0",
        &["workflow.rate_per_min", "> 0"],
    );
    bad(
        "rate_per_min = 30",
        "rate_per_min = 30\nservice_exception_rate = 1.5",
        &["workflow.service_exception_rate", "[0, 1]"],
    );
    bad(
        "[functions.pay]\n",
        "[functions.pay]\n[[functions.pay.faults]]\nkind = \"ramp_error\"\nover = \"5m\"\nto = 0.2\n",
        &["workflow.steps[2].function", "ramp_error", "allowed: step_error, intermittent, latency_shift"],
    );
    bad(
        "{ function = \"hotel\" }",
        "{ function = \"hotel\", name = \"1x\" }",
        &["workflow.steps[1].name", "identifier"],
    );
    bad("steps = [", "stepz = [", &["stepz"]);
    // Without [functions.NAME] tables there is nothing to call.
    let single = "horizon = \"30m\"\n[traffic]\nrate_per_s = 1\n[strategies.c]\nconfig = \"AllAtOnce\"\n[workflow]\nrate_per_s = 1\nsteps = [{ function = \"main\" }]\n";
    let err = load_text(single).unwrap_err().to_string();
    assert!(
        err.contains("workflow") && err.contains("[functions.NAME]"),
        "{err}"
    );
}
