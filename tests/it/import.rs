//! `canarysim import`: every fixture of `tests/data/templates/` (their
//! README lists the expected values) imports to a scenario that the
//! project's own loader accepts, with the expected values field by field;
//! the seed templates import to scenarios equivalent to `scenarios/seed_*`;
//! the CLI writes atomically, the result runs, bad templates exit 2 naming
//! file, line and resource.

use std::path::Path;

use canarysim::alarm::{Comparison, MissingData};
use canarysim::import::{import_file, ImportOptions};
use canarysim::model::{AlarmSpec, Deploy, Scenario, Scope, StrategyKind, TrafficShift};
use canarysim::time::Micros;

use super::support::{canarysim, root, stderr};

fn template(name: &str) -> std::path::PathBuf {
    root().join("tests/data/templates").join(name)
}

fn import_with(name: &str, opts: &ImportOptions) -> (String, Scenario) {
    let imported = import_file(&template(name), opts).unwrap_or_else(|e| panic!("{name}: {e}"));
    let value = canarysim::scenario::parse_document(&imported.toml, name).expect("TOML");
    let sc = canarysim::scenario::from_value(value, &imported.toml, name)
        .unwrap_or_else(|e| panic!("{name}: {e}\n{}", imported.toml));
    (imported.toml, sc)
}

fn import(name: &str) -> (String, Scenario) {
    import_with(name, &ImportOptions::default())
}

fn alarm<'a>(sc: &'a Scenario, name: &str) -> &'a AlarmSpec {
    sc.alarms
        .iter()
        .find(|a| a.name == name)
        .unwrap_or_else(|| {
            panic!(
                "no alarm {name}: {:?}",
                sc.alarms.iter().map(|a| &a.name).collect::<Vec<_>>()
            )
        })
}

/// The header's words on one line (the header wraps at 78 columns).
fn flat(text: &str) -> String {
    text.lines()
        .map(|l| l.trim_start_matches('#').trim())
        .collect::<Vec<_>>()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn secs(s: u64) -> Micros {
    Micros::from_micros(s * 1_000_000)
}

/// scope, period (s), threshold, comparison, N, M, missing data.
#[allow(clippy::too_many_arguments)]
fn check(
    a: &AlarmSpec,
    scope: Scope,
    period: u64,
    threshold: f64,
    cmp: Comparison,
    n: u32,
    m: u32,
    missing: MissingData,
) {
    assert_eq!(a.scope, scope, "{} scope", a.name);
    assert_eq!(a.period, secs(period), "{} period", a.name);
    assert_eq!(a.rule.threshold, threshold, "{} threshold", a.name);
    assert_eq!(a.rule.comparison, cmp, "{} comparison", a.name);
    assert_eq!(a.rule.evaluation_periods, n, "{} N", a.name);
    assert_eq!(a.rule.datapoints_to_alarm, m, "{} M", a.name);
    assert_eq!(a.rule.missing_data, missing, "{} missing", a.name);
}

fn codedeploy(sc: &Scenario) -> &canarysim::model::CodeDeploySpec {
    match &sc.strategies[0].kind {
        StrategyKind::CodeDeploy(cd) => cd,
        other => panic!("{other:?}"),
    }
}

fn watched(sc: &Scenario) -> Vec<String> {
    sc.strategies[0]
        .alarms
        .iter()
        .map(|&i| sc.alarms[i].name.clone())
        .collect()
}

#[test]
fn sam_canary_with_short_form_tags_and_conditions() {
    let (text, sc) = import("sam_canary_alarms.yaml");
    assert_eq!(sc.functions.len(), 1);
    assert_eq!(
        codedeploy(&sc).shift,
        TrafficShift::Canary {
            percentage: 10,
            interval: secs(5 * 60)
        }
    );
    assert!(codedeploy(&sc).guard.rollback);
    assert_eq!(
        watched(&sc),
        ["OrdersAliasErrorsAlarm", "OrdersNewVersionErrorsAlarm"]
    );
    assert!(
        sc.strategies[0].pre_traffic_hook.is_some() && sc.strategies[0].post_traffic_hook.is_some()
    );
    check(
        alarm(&sc, "OrdersAliasErrorsAlarm"),
        Scope::Alias,
        60,
        0.0,
        Comparison::GreaterThan,
        1,
        1,
        MissingData::NotBreaching,
    );
    check(
        alarm(&sc, "OrdersNewVersionErrorsAlarm"),
        Scope::Version,
        60,
        0.0,
        Comparison::GreaterThan,
        2,
        2,
        MissingData::Missing,
    );
    assert!(
        text.contains("# UNMODELLED (in the template, not simulated):\n#   (none)"),
        "{text}"
    );
    assert!(text.contains("faults: none"), "{text}");
}

#[test]
fn sam_json_with_a_disabled_preference_is_a_multi_function_scenario() {
    let (_, sc) = import("sam_linear_disabled.json");
    let names: Vec<(&str, Deploy)> = sc
        .functions
        .iter()
        .map(|f| (f.name.as_str(), f.deploy))
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(
        names
            .iter()
            .any(|(n, d)| *n == "ReportsFunction" && *d == Deploy::AllAtOnce),
        "{names:?}"
    );
    assert_eq!(
        codedeploy(&sc).shift,
        TrafficShift::Linear {
            percentage: 10,
            interval: secs(60)
        }
    );
    let a = alarm(&sc, "PaymentsNewVersionErrorsAlarm");
    check(
        a,
        Scope::Version,
        60,
        1.0,
        Comparison::GreaterThanOrEqual,
        3,
        2,
        MissingData::Missing,
    );
    assert_eq!(sc.functions[a.function].name, "PaymentsFunction");
}

#[test]
fn cdk_synth_codedeploy_group_alias_and_hook() {
    let (_, sc) = import("cdk_synth_codedeploy.json");
    assert_eq!(
        codedeploy(&sc).shift,
        TrafficShift::Linear {
            percentage: 10,
            interval: secs(2 * 60)
        }
    );
    assert!(codedeploy(&sc).guard.rollback);
    assert!(
        sc.strategies[0].pre_traffic_hook.is_some() && sc.strategies[0].post_traffic_hook.is_none()
    );
    let names = watched(&sc);
    assert_eq!(names.len(), 2, "{names:?}");
    check(
        alarm(&sc, &names[0]),
        Scope::Alias,
        60,
        1.0,
        Comparison::GreaterThanOrEqual,
        2,
        2,
        MissingData::NotBreaching,
    );
    let p99 = alarm(&sc, &names[1]);
    check(
        p99,
        Scope::Alias,
        60,
        1500.0,
        Comparison::GreaterThan,
        3,
        2,
        MissingData::Missing,
    );
    assert!(p99.expr_text.contains("p99"), "{}", p99.expr_text);
}

#[test]
fn custom_deployment_configs_one_function_at_a_time() {
    let one = |f: &str| {
        import_with(
            "custom_deployment_config.yaml",
            &ImportOptions {
                functions: vec![f.into()],
                ..Default::default()
            },
        )
        .1
    };
    let search = one("SearchFunction");
    assert_eq!(
        codedeploy(&search).shift,
        TrafficShift::Canary {
            percentage: 25,
            interval: secs(45 * 60)
        }
    );
    assert!(codedeploy(&search).guard.rollback);
    check(
        alarm(&search, "SearchAliasErrorsAlarm"),
        Scope::Alias,
        60,
        0.0,
        Comparison::GreaterThan,
        1,
        1,
        MissingData::NotBreaching,
    );
    let indexer = one("IndexerFunction");
    assert_eq!(
        codedeploy(&indexer).shift,
        TrafficShift::Linear {
            percentage: 20,
            interval: secs(3 * 60)
        }
    );
    assert!(
        !codedeploy(&indexer).guard.rollback,
        "no DEPLOYMENT_STOP_ON_ALARM: stop without rollback"
    );
    check(
        alarm(&indexer, "IndexerVersionErrorsAlarm"),
        Scope::Version,
        60,
        2.0,
        Comparison::GreaterThanOrEqual,
        2,
        2,
        MissingData::Missing,
    );
    // Both at once: one strategy for both, and the header says so.
    let (text, both) = import("custom_deployment_config.yaml");
    assert_eq!(both.functions.len(), 2);
    assert!(text.contains("differ from"), "{text}");
}

#[test]
fn single_metric_alarms_dimensions_statistics_and_missing_data() {
    let (_, sc) = import("alarm_single_metric.yaml");
    assert_eq!(
        codedeploy(&sc).shift,
        TrafficShift::Canary {
            percentage: 10,
            interval: secs(10 * 60)
        }
    );
    assert_eq!(watched(&sc).len(), 4);
    check(
        alarm(&sc, "FunctionErrorsAlarm"),
        Scope::Function,
        60,
        5.0,
        Comparison::GreaterThanOrEqual,
        3,
        2,
        MissingData::Breaching,
    );
    check(
        alarm(&sc, "AliasErrorRateAlarm"),
        Scope::Alias,
        300,
        0.05,
        Comparison::GreaterThan,
        1,
        1,
        MissingData::Ignore,
    );
    check(
        alarm(&sc, "NewVersionP99Alarm"),
        Scope::Version,
        60,
        800.0,
        Comparison::GreaterThan,
        5,
        3,
        MissingData::Missing,
    );
    check(
        alarm(&sc, "NewVersionMaxDurationAlarm"),
        Scope::Version,
        60,
        3000.0,
        Comparison::GreaterThan,
        1,
        1,
        MissingData::Missing,
    );
}

#[test]
fn metric_math_alarms_rename_their_query_ids() {
    let (_, sc) = import("alarm_metric_math.yaml");
    let a = alarm(&sc, "NewVersionErrorRateAlarm");
    check(
        a,
        Scope::Version,
        60,
        2.0,
        Comparison::GreaterThan,
        3,
        2,
        MissingData::NotBreaching,
    );
    let reference = super::support::scenario(
        "horizon = \"1h\"\n[traffic]\nrate_per_s = 1\n[alarms.x]\nexpression = \"IF(invocations > 20, errors / invocations * 100, 0)\"\nthreshold = 2\ncomparison = \">\"\n[alarms.y]\nexpression = \"100 * errors / invocations\"\nthreshold = 1\ncomparison = \">\"\n[strategies.s]\nconfig = \"AllAtOnce\"\n",
    );
    assert_eq!(a.expr, reference.alarms[0].expr);
    let b = alarm(&sc, "FunctionErrorRateAlarm");
    check(
        b,
        Scope::Function,
        300,
        1.0,
        Comparison::GreaterThanOrEqual,
        2,
        2,
        MissingData::NotBreaching,
    );
    assert_eq!(b.expr, reference.alarms[1].expr);
}

#[test]
fn metric_filters_feed_their_alarms() {
    let (text, sc) = import("metric_filter.yaml");
    assert_eq!(
        codedeploy(&sc).shift,
        TrafficShift::Linear {
            percentage: 10,
            interval: secs(2 * 60)
        }
    );
    let f = sc
        .metrics
        .filters
        .iter()
        .find(|f| f.name == "http5xx")
        .expect("filter http5xx");
    assert_eq!(
        (f.value, f.default_value, f.scope),
        (1.0, Some(0.0), Scope::Function)
    );
    let g = sc
        .metrics
        .filters
        .iter()
        .find(|f| f.name == "slowresponses")
        .expect("filter slowresponses");
    assert_eq!((g.value, g.default_value), (1.0, None));
    assert!(
        text.contains(r#"pattern = '{ $.log = "response" && $.statusCode >= 500 }'"#),
        "{text}"
    );
    check(
        alarm(&sc, "Http5xxAlarm"),
        Scope::Function,
        60,
        3.0,
        Comparison::GreaterThanOrEqual,
        2,
        1,
        MissingData::NotBreaching,
    );
    check(
        alarm(&sc, "SlowResponsesAlarm"),
        Scope::Function,
        300,
        10.0,
        Comparison::GreaterThan,
        1,
        1,
        MissingData::NotBreaching,
    );
    assert_eq!(watched(&sc).len(), 2);
}

#[test]
fn api_gateway_canary_stage() {
    let (text, sc) = import("apigw_canary_stage.yaml");
    let StrategyKind::ApiGwCanary(a) = &sc.strategies[0].kind else {
        panic!("{:?}", sc.strategies[0].kind)
    };
    assert_eq!(a.percent_traffic, 10.0);
    assert_eq!(
        a.stage_variable_overrides,
        vec![("alias".to_string(), "v2".to_string())]
    );
    assert!(sc.strategies[0].alarms.is_empty());
    assert!(
        flat(&text).contains(
            "BetaCanaryDeployment (AWS::ApiGateway::Deployment): a second API Gateway canary"
        ),
        "{text}"
    );
    assert_eq!(
        sc.horizon,
        secs(30 * 60),
        "an API Gateway canary never promoted: the open-ended horizon"
    );
}

#[test]
fn lattice_weighted_target_groups() {
    let (text, sc) = import("lattice_weighted.yaml");
    let StrategyKind::Lattice(l) = &sc.strategies[0].kind else {
        panic!()
    };
    assert_eq!(l.weights, [80, 20]);
    assert_eq!(watched(&sc), ["GreenErrorsAlarm"]);
    check(
        alarm(&sc, "GreenErrorsAlarm"),
        Scope::Version,
        60,
        2.0,
        Comparison::GreaterThanOrEqual,
        3,
        2,
        MissingData::NotBreaching,
    );
    assert!(
        text.contains("QuotesRule"),
        "the rule's split is listed, never dropped: {text}"
    );
}

#[test]
fn unsupported_constructs_are_listed_never_dropped() {
    let (text, sc) = import("unsupported.yaml");
    assert_eq!(watched(&sc), ["OrdersNewVersionErrorsAlarm"]);
    check(
        alarm(&sc, "OrdersNewVersionErrorsAlarm"),
        Scope::Version,
        60,
        0.0,
        Comparison::GreaterThan,
        2,
        2,
        MissingData::Missing,
    );
    let unmodelled = text.split("# UNMODELLED").nth(1).expect("section");
    for id in [
        "OrdersCompositeAlarm",
        "OrdersLatencyAnomalyAlarm",
        "OrdersQueueAgeAlarm",
        "OrdersThrottlesAlarm",
        "OrdersRegionalErrorsAlarm",
        "OrdersVerboseErrorsAlarm",
    ] {
        assert!(unmodelled.contains(id), "{id} missing from:\n{unmodelled}");
    }
}

// --- the seeds ---------------------------------------------------------

fn seed(name: &str) -> Scenario {
    canarysim::scenario::load(&root().join("scenarios").join(name)).expect("seed scenario")
}

fn same_alarm(a: &AlarmSpec, b: &AlarmSpec) {
    assert_eq!(
        (a.scope, &a.expr, a.period, a.rule),
        (b.scope, &b.expr, b.period, b.rule),
        "{} vs {}",
        a.name,
        b.name
    );
}

#[test]
fn seed_002_imports_to_the_seed_scenario() {
    let opts = ImportOptions {
        rate: Some(1.0),
        faults: vec!["step_error 100% status 503".into()],
        ..Default::default()
    };
    let (_, sc) = import_with("seed_002_sam.yaml", &opts);
    let s = seed("seed_002_sam_log_filter.toml");
    same_alarm(
        alarm(&sc, "LambdaDeploymentErrorGreaterThanZeroAlarm"),
        alarm(&s, "log_filter_errors"),
    );
    assert_eq!(sc.metrics.filters, s.metrics.filters);
    let as_written = s
        .strategies
        .iter()
        .find(|x| x.name == "log_filter_alarm")
        .unwrap();
    assert_eq!(sc.strategies[0].kind, as_written.kind);
    assert_eq!(sc.functions[0].faults, s.functions[0].faults);
    assert_eq!(sc.functions[0].traffic, s.functions[0].traffic);
}

#[test]
fn seed_003_imports_to_the_seed_scenario() {
    let opts = ImportOptions {
        rate: Some(2.0),
        faults: vec!["step_error 5%".into()],
        ..Default::default()
    };
    let (_, sc) = import_with("seed_003_sam.yaml", &opts);
    let s = seed("seed_003_sam_linear_hooks.toml");
    let (a, b) = (
        alarm(&sc, "AliasErrorMetricGreaterThanZeroAlarm"),
        alarm(&s, "errors_any"),
    );
    // The project's own template alarms on the alias (fixture README), as
    // the seed scenario does.
    assert_eq!((a.scope, b.scope), (Scope::Alias, Scope::Alias));
    assert_eq!((&a.expr, a.period, a.rule), (&b.expr, b.period, b.rule));
    let (StrategyKind::CodeDeploy(x), StrategyKind::CodeDeploy(y)) =
        (&sc.strategies[0].kind, &s.strategies[0].kind)
    else {
        panic!()
    };
    assert_eq!((x.shift, x.guard.rollback), (y.shift, y.guard.rollback));
    assert!(
        sc.strategies[0].pre_traffic_hook.is_some() && sc.strategies[0].post_traffic_hook.is_some()
    );
    assert_eq!(sc.functions[0].faults, s.functions[0].faults);
    assert_eq!(sc.functions[0].traffic, s.functions[0].traffic);
}

#[test]
fn seed_000_imports_to_the_seed_scenario() {
    let imported = import_file(
        &template("seed_000_cdk_synth.json"),
        &ImportOptions::default(),
    )
    .unwrap();
    let pay = imported
        .toml
        .lines()
        .find(|l| l.starts_with("#   - function FunctionsPaymentProcess"))
        .and_then(|l| l.split_whitespace().nth(3))
        .expect("payment function")
        .to_string();
    let opts = ImportOptions {
        rate: Some(10.0),
        faults: vec![format!("{pay}: step_error 20%")],
        ..Default::default()
    };
    let (text, sc) = import_with("seed_000_cdk_synth.json", &opts);
    let s = seed("seed_000_cdk_saga.toml");
    for name in [
        "FlightReserveErrorRateAlarm",
        "HotelReserveErrorRateAlarm",
        "PaymentProcessErrorRateAlarm",
    ] {
        let (a, b) = (alarm(&sc, name), alarm(&s, name));
        same_alarm(a, b);
        assert_eq!(sc.functions[a.function].name, s.functions[b.function].name);
    }
    let as_written = s
        .strategies
        .iter()
        .find(|x| x.name == "as_written")
        .unwrap();
    assert_eq!(sc.strategies[0].kind, as_written.kind);
    for f in &s.functions {
        let g = sc
            .functions
            .iter()
            .find(|g| g.name == f.name)
            .unwrap_or_else(|| panic!("{} missing", f.name));
        assert_eq!(g.deploy, f.deploy, "{}", f.name);
        assert_eq!(g.faults, f.faults, "{}", f.name);
    }
    assert!(sc.deployment.stack_rollback);
    assert!(
        text.contains("Step Functions"),
        "the saga is listed as unmodelled"
    );
}

#[test]
fn seed_004_imports_to_the_seed_scenario() {
    let opts = ImportOptions {
        rate: Some(10.0),
        faults: vec!["step_error 1%".into()],
        ..Default::default()
    };
    let (_, sc) = import_with("seed_004_cdk_synth.json", &opts);
    let s = seed("seed_004_lattice.toml");
    let as_written = s
        .strategies
        .iter()
        .find(|x| x.name == "as_written")
        .unwrap();
    assert_eq!(sc.strategies[0].kind, as_written.kind);
    let names = watched(&sc);
    assert_eq!(names.len(), 2);
    for theirs in ["canary_errors", "canary_duration"] {
        let b = alarm(&s, theirs);
        let a = names
            .iter()
            .map(|n| alarm(&sc, n))
            .find(|a| a.expr == b.expr)
            .unwrap_or_else(|| panic!("no alarm like {theirs}"));
        // app.py sets NOT_BREACHING, as the shipped scenario does.
        assert_eq!((a.scope, &a.expr, a.period), (b.scope, &b.expr, b.period));
        assert_eq!(a.rule.missing_data, MissingData::NotBreaching);
        assert_eq!(b.rule.missing_data, MissingData::NotBreaching);
        assert_eq!(
            (
                a.rule.threshold,
                a.rule.comparison,
                a.rule.evaluation_periods
            ),
            (
                b.rule.threshold,
                b.rule.comparison,
                b.rule.evaluation_periods
            )
        );
    }
    assert_eq!(sc.functions[0].faults, s.functions[0].faults);
}

// --- the command line ----------------------------------------------------

#[test]
fn import_then_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("my.toml");
    let o = canarysim(&[
        "import",
        template("seed_002_sam.yaml").to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--rate",
        "1",
        "--fault",
        "step_error 100% status 503",
        "--replications",
        "20",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left: {leftovers:?}");
    let o = canarysim(&[
        "run",
        out.to_str().unwrap(),
        "--out",
        dir.path().join("res").to_str().unwrap(),
        "--no-plots",
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn traffic_file_is_named_relative_to_the_scenario() {
    let o = canarysim(&[
        "import",
        template("seed_002_sam.yaml").to_str().unwrap(),
        "--traffic",
        "data/invocations.json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("[traffic]\nreplay = \"data/invocations.json\""),
        "{text}"
    );
}

#[test]
fn bad_templates_exit_2_naming_file_line_and_resource() {
    for (file, line, resource) in [
        ("bad_not_cfn.yaml", 5, None),
        ("bad_unknown_type.yaml", 10, Some("CheckoutFunction")),
        ("bad_broken_ref.yaml", 27, Some("CheckoutErrorsAlarm")),
    ] {
        let path = template(file);
        let o = canarysim(&["import", path.to_str().unwrap()]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{file}: {err}");
        assert!(
            err.contains(&format!("{}:{line}", path.display())),
            "{file}: {err}"
        );
        if let Some(r) = resource {
            assert!(err.contains(&format!("resource {r}")), "{file}: {err}");
        }
        assert!(o.stdout.is_empty());
    }
    let o = canarysim(&[
        "import",
        template("seed_002_sam.yaml").to_str().unwrap(),
        "--fault",
        "explode 5%",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--fault"), "{}", stderr(&o));
    let o = canarysim(&[
        "import",
        template("seed_002_sam.yaml").to_str().unwrap(),
        "--function",
        "Nope",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("ListFunction"), "{}", stderr(&o));
    let _ = Path::new("");
}
