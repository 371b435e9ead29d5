//! Hand-built scenarios for unit tests (no TOML involved).

use crate::alarm::{AlarmRule, Comparison, MissingData};
use crate::model::*;
use crate::sim::time::{secs, Micros};

/// A healthy 10 req/s scenario with one version-scope `Errors Sum > 0` alarm
/// (N = M = 1, notBreaching, no ingestion delay) and one CodeDeploy strategy.
pub fn scenario(shift: TrafficShift) -> Scenario {
    let version = VersionProfile {
        error_rate: 0.0,
        latency: LatencyDist::Fixed { ms: 100.0 },
        timeout_ms: None,
        failure: Failure::Unhandled,
    };
    Scenario {
        name: "unit".into(),
        seed: 1,
        replications: 10,
        horizon: secs(1800),
        functions: vec![Function {
            name: "main".into(),
            traffic: Traffic {
                rate_per_s: 10.0,
                diurnal: None,
                bursts: vec![],
            },
            stable: version.clone(),
            candidate: version,
            faults: vec![],
            candidate_faulty: false,
            deploy: Deploy::Strategy,
        }],
        multi_function: false,
        deployment: DeploymentSettings::default(),
        candidate_faulty: false,
        metrics: MetricsSettings {
            period: secs(60),
            ingestion_delay: Micros::ZERO,
            warmup: Micros::ZERO,
            filters: vec![],
        },
        sla_ms: None,
        alarms: vec![AlarmSpec {
            name: "errors".into(),
            function: 0,
            scope: Scope::Version,
            expr: Expr::Series(MetricStat {
                metric: MetricName::Errors,
                statistic: Statistic::Sum,
            }),
            expr_text: "Errors Sum".into(),
            period: secs(60),
            rule: AlarmRule {
                threshold: 0.0,
                comparison: Comparison::GreaterThan,
                evaluation_periods: 1,
                datapoints_to_alarm: 1,
                missing_data: MissingData::NotBreaching,
                evaluation_range: 3,
            },
            low_sample_count: LowSampleCount::Evaluate,
            guard: crate::model::RequestGuard::default(),
        }],
        strategies: vec![StrategySpec {
            name: "s".into(),
            kind: StrategyKind::CodeDeploy(CodeDeploySpec {
                shift,
                config_name: "test".into(),
                guard: PollGuard {
                    rollback: true,
                    rollback_latency: secs(5),
                    poll_interval: secs(60),
                },
                linear_completion: LinearCompletion::LastShift,
            }),
            alarms: vec![0],
            pre_traffic_hook: None,
            post_traffic_hook: None,
        }],
        judges: Vec::new(),
        workflow: None,
        sampling: Sampling::Exact,
    }
}

/// Makes the only function of `sc` faulty with `faults`.
pub fn set_faults(sc: &mut Scenario, faults: Vec<Fault>) {
    sc.candidate_faulty = !faults.is_empty();
    sc.functions[0].candidate_faulty = !faults.is_empty();
    sc.functions[0].faults = faults;
}
