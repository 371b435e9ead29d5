//! Human-readable plan of a validated scenario (`canarysim validate`).

use std::fmt::Write;

use crate::model::{
    lattice_share_pct, ApiGwSpec, CanaryCarrier, DelayDist, Deploy, Failure, Fault, FaultKind,
    Function, Hook, LatencyDist, PollGuard, RollbackFunction, Scenario, StrategyKind, StrategySpec,
    TrafficShift, VersionProfile,
};
use crate::sim::time::{secs, Micros};
use crate::strategy::codedeploy::shift_plan;

mod judges;

use judges::{describe_guard, describe_judge};

/// Compact duration: `90s`, `5m`, `1h30m`, `250ms`.
pub fn fmt_duration(t: Micros) -> String {
    if t == Micros::ZERO {
        return "0s".into();
    }
    if t % secs(1) != Micros::ZERO {
        return format!("{}ms", t.as_f64() / 1000.0);
    }
    let s = t / secs(1);
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
    format!(
        "error rate {}{}, {latency}{timeout}",
        v.error_rate,
        fmt_failure(v.failure)
    )
}

/// ` (handled 503)` for a handled failure; nothing for the default.
fn fmt_failure(f: Failure) -> String {
    match f {
        Failure::Unhandled => String::new(),
        Failure::Handled { status } => format!(" (handled {status})"),
    }
}

fn fmt_fault(f: &Fault) -> String {
    match *f {
        Fault::StepError {
            after,
            error_rate,
            failure,
        } => {
            format!(
                "step_error {error_rate}{} from {} after first traffic",
                fmt_failure(failure),
                fmt_duration(after)
            )
        }
        Fault::RampError {
            after,
            over,
            from,
            to,
            failure,
        } => format!(
            "ramp_error {from} → {to}{} over {} from {} after first traffic",
            fmt_failure(failure),
            fmt_duration(over),
            fmt_duration(after)
        ),
        Fault::Intermittent {
            after,
            on,
            off,
            error_rate,
            failure,
        } => format!(
            "intermittent {error_rate}{} ({} on / {} off) from {} after first traffic",
            fmt_failure(failure),
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

/// A delay distribution in words: `90s`, `lognormal median 30m (σ 0.60,
/// p99 2h)`, `uniform 1s–5s`; lognormal quantiles rounded to the second.
pub fn fmt_delay(d: &DelayDist) -> String {
    let seconds = |s: f64| fmt_duration(secs(1).saturating_mul(s.round() as u64));
    match *d {
        DelayDist::Fixed(t) => fmt_duration(t),
        DelayDist::LogNormal { median_s, sigma } => format!(
            "lognormal median {} (σ {sigma:.2}, p99 {})",
            seconds(median_s),
            seconds(median_s * (sigma * crate::stats::Z_99).exp())
        ),
        DelayDist::Uniform { min, max } => {
            format!("uniform {}–{}", fmt_duration(min), fmt_duration(max))
        }
    }
}

fn fmt_hook(name: &str, h: &Hook) -> String {
    let mut catches: Vec<String> = FaultKind::ALL
        .iter()
        .filter(|k| h.catch_probability(**k) > 0.0)
        .map(|k| format!("{} {}", k.name(), h.catch_probability(*k)))
        .collect();
    if catches.is_empty() {
        catches.push("nothing".into());
    }
    format!(
        "{name} {} (catches {}; flaky {})",
        fmt_duration(h.duration),
        catches.join(", "),
        h.flaky_probability
    )
}

fn fmt_guard(g: &PollGuard) -> String {
    if g.rollback {
        format!(
            "rollback {} after detection, alarm poll every {}",
            fmt_duration(g.rollback_latency),
            fmt_duration(g.poll_interval)
        )
    } else {
        format!(
            "stop without rollback, alarm poll every {}",
            fmt_duration(g.poll_interval)
        )
    }
}

/// `t→w%` steps, offsets counted from deployment start.
fn fmt_steps(t0: Micros, steps: &[(Micros, f64)]) -> String {
    steps
        .iter()
        .map(|&(t, w)| format!("{}→{w}%", fmt_duration(t0 + t)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A request rate: per second, or per minute below one per second.
fn fmt_rate(per_s: f64) -> String {
    if per_s >= 1.0 {
        format!("{per_s} requests/s")
    } else {
        format!("{} requests/min", (per_s * 60.0 * 1e6).round() / 1e6)
    }
}

/// The saga state machine of a `[workflow]`, in words.
fn describe_workflow(o: &mut String, sc: &Scenario, wf: &crate::model::Workflow) {
    let name = |i: usize| sc.functions[i].name.as_str();
    let steps: Vec<String> = wf
        .steps
        .iter()
        .map(|s| match s.compensation {
            Some(c) => format!("{} ({}, undone by {})", s.name, name(s.function), name(c)),
            None => format!("{} ({})", s.name, name(s.function)),
        })
        .collect();
    let _ = writeln!(
        o,
        "workflow: {}, steps in order: {}",
        fmt_rate(wf.rate_per_s).replace("requests", "sagas"),
        steps.join(" → ")
    );
    let _ = writeln!(
        o,
        "  a failed step runs {}the compensations of the steps already done, in reverse order; a failed compensation stops them (inconsistent saga)",
        if wf.compensate_failed_step {
            "its own compensation, then "
        } else {
            ""
        }
    );
    let _ = writeln!(
        o,
        "  Lambda service exceptions: probability {} per invoke, {}",
        wf.service_exception_prob,
        match wf.retry {
            Some(r) => format!(
                "retried {} times (first wait {}, backoff ×{})",
                r.max_attempts,
                fmt_duration(r.interval),
                r.backoff_rate
            ),
            None => "not retried".to_string(),
        }
    );
}

fn describe_function(o: &mut String, f: &Function, indent: &str) {
    let t = &f.traffic;
    let _ = writeln!(
        o,
        "{indent}traffic: {}{}{}",
        if let Some(r) = &t.replay {
            format!(
                "replayed from {} ({}, {} periods of {}, mean {}, t = 0 at {} into the data, {} past its end)",
                r.source,
                r.format,
                r.rates.len(),
                fmt_duration(r.period),
                fmt_rate(t.rate_per_s),
                fmt_duration(r.start),
                match r.past_end {
                    crate::model::PastEnd::Repeat => "repeated",
                    crate::model::PastEnd::Hold => "last rate held",
                }
            )
        } else if t.rate_per_s > 0.0 {
            fmt_rate(t.rate_per_s)
        } else {
            "none of its own (only the workflow's calls)".to_string()
        },
        t.diurnal
            .as_ref()
            .map(|d| format!(", diurnal ±{} over {}", d.amplitude, fmt_duration(d.period)))
            .unwrap_or_default(),
        if t.bursts.is_empty() {
            String::new()
        } else {
            format!(", {} burst(s)", t.bursts.len())
        }
    );
    let _ = writeln!(o, "{indent}stable: {}", fmt_version(&f.stable));
    let _ = writeln!(
        o,
        "{indent}candidate: {} — {}",
        fmt_version(&f.candidate),
        if f.candidate_faulty {
            "FAULTY"
        } else {
            "healthy"
        }
    );
    for fault in &f.faults {
        let _ = writeln!(o, "{indent}  fault: {}", fmt_fault(fault));
    }
}

/// One line per strategy: its kind, weights over time, completion, how it
/// watches and how it rolls back.
fn describe_strategy(sc: &Scenario, s: &StrategySpec) -> String {
    let watched: Vec<&str> = s.alarms.iter().map(|&i| sc.judge_name(i)).collect();
    let t0 = s
        .pre_traffic_hook
        .as_ref()
        .map_or(Micros::ZERO, |h| h.duration);
    let nominal = fmt_duration(crate::strategy::nominal_duration(s));
    let watches = if watched.is_empty() {
        "watches no alarm".to_string()
    } else {
        format!("watches [{}]", watched.join(", "))
    };
    let mut line = match &s.kind {
        StrategyKind::CodeDeploy(cd) => {
            let plan = shift_plan(cd.shift, cd.linear_completion);
            let steps: Vec<(Micros, f64)> =
                plan.steps.iter().map(|&(t, w)| (t, f64::from(w))).collect();
            let shape = match cd.shift {
                TrafficShift::AllAtOnce => "all at once",
                TrafficShift::Canary { .. } => "canary",
                TrafficShift::Linear { .. } => "linear",
            };
            format!(
                "CodeDeploy {} ({shape}); weights {}; nominal duration {nominal}; {watches}; {}",
                cd.config_name,
                fmt_steps(t0, &steps),
                fmt_guard(&cd.guard)
            )
        }
        StrategyKind::ApiGwCanary(a) => describe_apigw(s, a, t0, &nominal, &watches),
        StrategyKind::Argo(a) => crate::strategy::argo::describe(a, &nominal),
        StrategyKind::Flagger(f) => crate::strategy::flagger::describe(f, &nominal),
        StrategyKind::Steps(st) => format!(
            "step plan: weights {}; bake after 100% {}; nominal duration {nominal}; {watches}; {}",
            fmt_steps(t0, &crate::strategy::steps::schedule(st)),
            fmt_duration(st.steps.last().map_or(Micros::ZERO, |x| x.bake)),
            fmt_guard(&st.guard)
        ),
        StrategyKind::Lattice(l) => {
            let changes: Vec<String> = std::iter::once((Micros::ZERO, l.weights))
                .chain(l.schedule.iter().map(|c| (c.after, c.weights)))
                .map(|(t, w)| {
                    format!(
                        "{}→[{}, {}] ({}%)",
                        fmt_duration(t0 + t),
                        w[0],
                        w[1],
                        lattice_share_pct(w)
                    )
                })
                .collect();
            let completion = match l.bake {
                None => "never completes (the split is held, the rollback function armed until the horizon)".to_string(),
                Some(b) => format!("completes {} after the last change took effect (nominal {nominal})", fmt_duration(b)),
            };
            let action = if l.rollback {
                fmt_alarm_action(&l.function, "propagation", &l.propagation_delay)
            } else {
                "no rollback function: a problem stops the schedule and the weights freeze"
                    .to_string()
            };
            format!(
                "VPC Lattice listener weights [stable, candidate] {}; each change takes effect after propagation {}; {completion}; {watches}; {action}",
                changes.join(", "),
                fmt_delay(&l.propagation_delay)
            )
        }
    };
    for (name, hook) in [
        ("pre-traffic hook", &s.pre_traffic_hook),
        ("post-traffic hook", &s.post_traffic_hook),
    ] {
        if let Some(h) = hook {
            line.push_str("; ");
            line.push_str(&fmt_hook(name, h));
        }
    }
    line
}

/// The alarm-action path (`strategy::alarm_action`) in words: `an alarm
/// transition into ALARM → SNS 1s → rollback function 3s → {update} 5s →
/// all on stable`.
fn fmt_alarm_action(f: &RollbackFunction, update: &str, propagation: &DelayDist) -> String {
    format!(
        "an alarm transition into ALARM → SNS {} → rollback function {} → {update} {} → all on stable",
        fmt_delay(&f.sns_delay),
        fmt_delay(&f.function_duration),
        fmt_delay(propagation)
    )
}

/// An API Gateway canary stage: its split, promotion, how alarms and a
/// person act, the stage cache.
fn describe_apigw(
    s: &StrategySpec,
    a: &ApiGwSpec,
    t0: Micros,
    nominal: &str,
    watches: &str,
) -> String {
    let p = a.promotion;
    let options: Vec<&str> = [
        (
            p.deployment,
            "update the stage with the canary's deployment",
        ),
        (
            p.stage_variables,
            "update the stage variables with the canary's",
        ),
        (p.canary_to_zero, "set the canary to 0%"),
    ]
    .into_iter()
    .filter_map(|(on, text)| on.then_some(text))
    .collect();
    let result = match a.promoted_share() {
        x if x >= 100.0 => "all traffic on the new version; the deployment completes".to_string(),
        x if x <= 0.0 => {
            "all traffic back on the old deployment (counted as an operator rollback)".to_string()
        }
        x => format!("{x}% on the new version"),
    };
    let promotion = match &a.review_time {
        None => "never promoted (the canary runs until the horizon)".to_string(),
        Some(r) => format!(
            "promoted by an operator after {} ({}: {result})",
            fmt_delay(r),
            options.join(", ")
        ),
    };
    let carrier = match a.new_version_via {
        CanaryCarrier::Deployment => "the canary's deployment".to_string(),
        CanaryCarrier::StageVariables => "the canary's stage-variable overrides".to_string(),
    };
    let overrides = if a.stage_variable_overrides.is_empty() {
        "no stage-variable overrides".to_string()
    } else {
        let pairs: Vec<String> = a
            .stage_variable_overrides
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        format!("stage-variable overrides {}", pairs.join(", "))
    };
    let action = if s.alarms.is_empty() {
        "no alarm action".to_string()
    } else if a.rollback {
        fmt_alarm_action(
            &a.function,
            "stage update (canary 0%)",
            &a.propagation_delay,
        )
    } else {
        "no rollback function: an alarm transition stops the deployment and the weights freeze"
            .to_string()
    };
    let operator = match &a.operator {
        None => "no operator".to_string(),
        Some(op) => format!(
            "an operator notices a faulty canary with probability {} after {} from the fault's first effect",
            op.notice_probability,
            fmt_delay(&op.detection_delay)
        ),
    };
    let cache = match &a.cache {
        None => "no stage cache".to_string(),
        Some(c) => format!(
            "stage cache hit ratio {} (hits {} ms), the canary's cache warms from cold over {}",
            c.hit_ratio,
            c.hit_latency_ms,
            fmt_duration(c.warmup)
        ),
    };
    format!(
        "API Gateway canary stage: {}% of requests to the canary from {} (fixed; each stage update takes effect after {}); the new version comes with {carrier}; {overrides}; {promotion}; nominal duration {nominal}; {watches}; API Gateway polls no alarm: {action}; {operator}; {cache}",
        a.percent_traffic,
        fmt_duration(t0),
        fmt_delay(&a.propagation_delay),
    )
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
    if sc.multi_function {
        let _ = writeln!(
            o,
            "functions deployed together ({}):",
            if sc.deployment.stack_rollback {
                format!(
                    "a failure of one rolls back all, after {}",
                    fmt_delay(&sc.deployment.stack_rollback_delay)
                )
            } else {
                "each rolls back on its own".to_string()
            }
        );
        for f in &sc.functions {
            let _ = writeln!(
                o,
                "  {}: {}",
                f.name,
                match f.deploy {
                    Deploy::Strategy => "released with each strategy",
                    Deploy::AllAtOnce => "released all at once (no hooks, no alarm watching)",
                }
            );
            describe_function(&mut o, f, "    ");
        }
    } else {
        describe_function(&mut o, sc.main_function(), "");
    }
    if let Some(wf) = &sc.workflow {
        describe_workflow(&mut o, sc, wf);
    }
    let _ = writeln!(
        o,
        "metrics: period {}, ingestion delay {}, alarm warm-up {} of stable-only traffic before t = 0",
        fmt_duration(sc.metrics.period),
        fmt_duration(sc.metrics.ingestion_delay),
        fmt_duration(sc.metrics.warmup)
    );
    let _ = writeln!(o, "alarms:");
    for a in &sc.alarms {
        let r = &a.rule;
        let function = if sc.multi_function {
            format!(" [function {}]", sc.functions[a.function].name)
        } else {
            String::new()
        };
        let _ = writeln!(
            o,
            "  {}{function}: {} ({} scope) {} {}, {} of {} datapoints, period {}, evaluation range {}, treat missing data as {}{}",
            a.name,
            a.expr_text,
            a.scope.name(),
            r.comparison.symbol(),
            r.threshold,
            r.datapoints_to_alarm,
            r.evaluation_periods,
            fmt_duration(a.period),
            r.evaluation_range,
            r.missing_data.name(),
            describe_guard(&a.guard)
        );
    }
    if !sc.judges.is_empty() {
        let _ = writeln!(o, "judges:");
        for j in &sc.judges {
            let function = if sc.multi_function {
                format!(" [function {}]", sc.functions[j.function].name)
            } else {
                String::new()
            };
            let _ = writeln!(o, "  {}{function}: {}", j.name, describe_judge(j));
        }
    }
    let _ = writeln!(o, "strategies:");
    for s in &sc.strategies {
        let _ = writeln!(o, "  {}: {}", s.name, describe_strategy(sc, s));
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(text: &str) -> String {
        let value = crate::scenario::parse_document(text, "t.toml").unwrap();
        describe_plan(&crate::scenario::from_value(value, text, "t.toml").unwrap())
    }

    #[test]
    fn every_kind_and_every_function_is_described() {
        let text = r#"
horizon = "2h"
[functions.pay]
traffic = { rate_per_min = 30 }
[[functions.pay.faults]]
kind = "step_error"
error_rate = 0.1
[functions.refund]
traffic = { rate_per_s = 2 }
deploy = "all_at_once"
[deployment]
stack_rollback_delay = "30s"
[alarms.stage]
function = "pay"
scope = "canary_stage"
metric = "Errors"
comparison = ">"
threshold = 5
period = "10m"
[strategies.apigw]
kind = "apigw_canary"
percent_traffic = 12.5
review_time = { median = "30m", p99 = "2h" }
operator = { detection_delay = "10m", notice_probability = 0.5 }
cache = { hit_ratio = 0.6, warmup = "15m" }
pre_traffic_hook = { duration = "2m", catch = { step_error = 0.5 }, flaky_probability = 0.01 }
[strategies.lattice]
kind = "lattice"
weights = [95, 5]
schedule = [{ after = "10m", weights = [0, 1] }]
sns_delay = { min = "1s", max = "3s" }
[strategies.steps]
kind = "steps"
steps = [{ weight = 1, bake = "5m" }, { weight = 100, bake = "10m" }]
rollback = false
"#;
        let p = plan(text);
        for expected in [
            "functions deployed together (a failure of one rolls back all, after 30s):",
            "  pay: released with each strategy",
            "    traffic: 30 requests/min",
            "  refund: released all at once (no hooks, no alarm watching)",
            "  stage [function pay]: Errors Sum (canary_stage scope) > 5, 1 of 1 datapoints, period 10m",
            "apigw: API Gateway canary stage: 12.5% of requests to the canary from 2m (fixed; each stage update takes effect after 5s); the new version comes with the canary's deployment; no stage-variable overrides; promoted by an operator after lognormal median 30m (σ 0.60, p99 2h) (update the stage with the canary's deployment, update the stage variables with the canary's, set the canary to 0%: all traffic on the new version; the deployment completes)",
            "API Gateway polls no alarm: an alarm transition into ALARM → SNS 1s → rollback function 3s → stage update (canary 0%) 5s → all on stable",
            "an operator notices a faulty canary with probability 0.5 after 10m from the fault's first effect",
            "stage cache hit ratio 0.6 (hits 5 ms), the canary's cache warms from cold over 15m",
            "pre-traffic hook 2m (catches step_error 0.5; flaky 0.01)",
            "lattice: VPC Lattice listener weights [stable, candidate] 0s→[95, 5] (5%), 10m→[0, 1] (100%); each change takes effect after propagation 1m30s; completes 0s after the last change took effect (nominal 11m30s)",
            "an alarm transition into ALARM → SNS uniform 1s–3s → rollback function 3s → propagation 1m30s → all on stable",
            "steps: step plan: weights 0s→1%, 5m→100%; bake after 100% 10m; nominal duration 15m; watches [stage]; stop without rollback",
        ] {
            assert!(p.contains(expected), "missing {expected:?} in\n{p}");
        }
    }
}
