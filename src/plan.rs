//! Human-readable plan of a validated scenario (`canarysim validate`).

use std::fmt::Write;

use crate::model::{Fault, LatencyDist, Scenario, StrategyKind, TrafficShift, VersionProfile};
use crate::strategy::codedeploy::shift_plan;
use crate::time::{Micros, MICROS_PER_SEC};

/// Compact duration: `90s`, `5m`, `1h30m`, `250ms`.
pub fn fmt_duration(t: Micros) -> String {
    if t == 0 {
        return "0s".into();
    }
    if t % MICROS_PER_SEC != 0 {
        return format!("{}ms", t as f64 / 1000.0);
    }
    let s = t / MICROS_PER_SEC;
    let (h, m, sec) = (s / 3600, (s % 3600) / 60, s % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if sec > 0 {
        out.push_str(&format!("{sec}s"));
    }
    out
}

fn fmt_version(v: &VersionProfile) -> String {
    let latency = match v.latency {
        LatencyDist::Fixed { ms } => format!("latency {ms} ms"),
        LatencyDist::LogNormal { median_ms, p99_ms } => {
            format!("latency lognormal median {median_ms} ms, p99 {p99_ms} ms")
        }
    };
    let timeout = v
        .timeout_ms
        .map(|t| format!(", timeout {t} ms"))
        .unwrap_or_default();
    format!("error rate {}, {latency}{timeout}", v.error_rate)
}

fn fmt_fault(f: &Fault) -> String {
    match *f {
        Fault::StepError { after, error_rate } => {
            format!(
                "step_error {error_rate} from {} after first traffic",
                fmt_duration(after)
            )
        }
        Fault::RampError {
            after,
            over,
            from,
            to,
        } => format!(
            "ramp_error {from} → {to} over {} from {} after first traffic",
            fmt_duration(over),
            fmt_duration(after)
        ),
        Fault::Intermittent {
            after,
            on,
            off,
            error_rate,
        } => format!(
            "intermittent {error_rate} ({} on / {} off) from {} after first traffic",
            fmt_duration(on),
            fmt_duration(off),
            fmt_duration(after)
        ),
        Fault::LatencyShift {
            after,
            add_ms,
            multiplier,
        } => format!(
            "latency_shift ×{multiplier} +{add_ms} ms from {} after first traffic",
            fmt_duration(after)
        ),
        Fault::ColdStart { requests, extra_ms } => {
            format!("cold_start +{extra_ms} ms for the first {requests} candidate requests")
        }
    }
}

/// Describes what a run of `sc` would simulate.
pub fn describe_plan(sc: &Scenario) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "scenario {}: {} replications per strategy, seed {}, horizon {}",
        sc.name,
        sc.replications,
        sc.seed,
        fmt_duration(sc.horizon)
    );
    let _ = writeln!(
        o,
        "traffic: {} requests/s{}{}",
        sc.traffic.rate_per_s,
        sc.traffic
            .diurnal
            .as_ref()
            .map(|d| format!(", diurnal ±{} over {}", d.amplitude, fmt_duration(d.period)))
            .unwrap_or_default(),
        if sc.traffic.bursts.is_empty() {
            String::new()
        } else {
            format!(", {} burst(s)", sc.traffic.bursts.len())
        }
    );
    let _ = writeln!(o, "stable: {}", fmt_version(&sc.stable));
    let _ = writeln!(
        o,
        "candidate: {} — {}",
        fmt_version(&sc.candidate),
        if sc.candidate_faulty {
            "FAULTY"
        } else {
            "healthy"
        }
    );
    for f in &sc.faults {
        let _ = writeln!(o, "  fault: {}", fmt_fault(f));
    }
    let _ = writeln!(
        o,
        "metrics: period {}, ingestion delay {}",
        fmt_duration(sc.metrics.period),
        fmt_duration(sc.metrics.ingestion_delay)
    );
    let _ = writeln!(o, "alarms:");
    for a in &sc.alarms {
        let r = &a.rule;
        let _ = writeln!(
            o,
            "  {}: {} ({} scope) {} {}, {} of {} datapoints, period {}, evaluation range {}, treat missing data as {}",
            a.name,
            a.expr_text,
            a.scope.name(),
            r.comparison.symbol(),
            r.threshold,
            r.datapoints_to_alarm,
            r.evaluation_periods,
            fmt_duration(a.period),
            r.evaluation_range,
            r.missing_data.name()
        );
    }
    let _ = writeln!(o, "strategies:");
    for s in &sc.strategies {
        let watched: Vec<&str> = s
            .alarms
            .iter()
            .map(|&i| sc.alarms[i].name.as_str())
            .collect();
        match &s.kind {
            StrategyKind::CodeDeploy(cd) => {
                let plan = shift_plan(cd.shift, cd.linear_completion);
                let t0 = cd.pre_traffic_hook.as_ref().map_or(0, |h| h.duration);
                let steps: Vec<String> = plan
                    .steps
                    .iter()
                    .map(|(t, w)| format!("{}→{w}%", fmt_duration(t0 + t)))
                    .collect();
                let shape = match cd.shift {
                    TrafficShift::AllAtOnce => "all at once",
                    TrafficShift::Canary { .. } => "canary",
                    TrafficShift::Linear { .. } => "linear",
                };
                let _ = writeln!(
                    o,
                    "  {}: CodeDeploy {} ({shape}); weights {}; nominal duration {}; watches [{}]; {}",
                    s.name,
                    cd.config_name,
                    steps.join(", "),
                    fmt_duration(cd.nominal_duration()),
                    watched.join(", "),
                    if cd.rollback {
                        format!("rollback {} after detection, alarm poll every {}", fmt_duration(cd.rollback_latency), fmt_duration(cd.poll_interval))
                    } else {
                        "stop without rollback".to_string()
                    }
                );
            }
        }
    }
    o
}
