//! Argo Rollouts canary strategy (`kind = "argo"`, peers.md §2): its keys
//! and validation, its nominal span. The runtime is [`super::argo_run`].
//!
//! Keys: `steps` (`{ set_weight = N }`, `{ pause = "5m" }`, `{ pause = {} }`
//! waiting for a promotion after `review_time`, `{ analysis = ["metric", …] }`
//! blocking until its run completes), `metrics` (AnalysisTemplate metrics,
//! inline; `crate::strategy::analysis_keys`), `background_analysis` and
//! `starting_step` (`strategy.canary.analysis`), `scrape_interval`,
//! `query_error_probability`, `review_time`, `rollback_latency` (the
//! abort's latency until the canary weight is 0).

use super::analysis_keys::{self, argo_metric, metric_list, reject_common};
use crate::model::{ArgoSpec, ArgoStep, StrategyKind};
use crate::scenario::error::{Problem, VResult};
use crate::scenario::key_path::KeyPath;
use crate::scenario::raw::{RawDelay, RawPause, RawStrategy};
use crate::scenario::validate::checks::{
    integer_from_to, positive_duration, probability, required,
};
use crate::scenario::validate::delay::delay;
use crate::scenario::validate::hooks::MAX_PIPELINE_HOOK_DURATION;
use crate::scenario::validate::kind::{CommonKeys, Kind, DEFAULT_ROLLBACK_LATENCY};
use crate::sim::time::Micros;

/// The `argo` kind.
pub(crate) const KIND: Kind = Kind {
    name: "argo",
    keys: &[
        "steps",
        "metrics",
        "background_analysis",
        "starting_step",
        "scrape_interval",
        "query_error_probability",
        "review_time",
        "rollback_latency",
    ],
    max_hook: MAX_PIPELINE_HOOK_DURATION,
    validate,
};

fn validate(path: &KeyPath, raw: &RawStrategy, _common: &mut CommonKeys) -> VResult<StrategyKind> {
    reject_common(path, raw, "argo")?;
    let raw_metrics = metric_list(path, raw, "argo")?;
    let metrics = raw_metrics
        .iter()
        .enumerate()
        .map(|(i, m)| argo_metric(&path.key("metrics").index(i), m))
        .collect::<VResult<Vec<_>>>()?;
    let find = |key: &KeyPath, name: &str| -> VResult<usize> {
        metrics.iter().position(|m| m.name == name).ok_or_else(|| {
            let names: Vec<&str> = metrics.iter().map(|m| m.name.as_str()).collect();
            Problem::new(
                key,
                format!(
                    "unknown metric {name:?}; the strategy's metrics are: {}",
                    names.join(", ")
                ),
            )
        })
    };
    let key = path.key("steps");
    let list = required(
        &key,
        raw.steps.as_ref(),
        "kind = \"argo\" needs canary steps such as [{ set_weight = 20 }, { pause = \"5m\" }, { analysis = [\"error-rate\"] }]",
    )?;
    let mut steps = Vec::with_capacity(list.len());
    for (i, st) in list.iter().enumerate() {
        let p = key.index(i);
        if st.weight.is_some() || st.bake.is_some() {
            return Err(Problem::new(
                &p,
                "an Argo step is one of { set_weight = N }, { pause = \"5m\" }, { pause = {} } or { analysis = [\"metric\"] } (weight and bake are keys of kind = \"steps\")",
            ));
        }
        let given = [
            st.set_weight.is_some(),
            st.pause.is_some(),
            st.analysis.is_some(),
        ];
        if given.iter().filter(|g| **g).count() != 1 {
            return Err(Problem::new(
                &p,
                "each step has exactly one of set_weight, pause or analysis",
            ));
        }
        let step = if let Some(w) = st.set_weight {
            if !(0.0..=100.0).contains(&w) {
                return Err(Problem::new(
                    &p.key("set_weight"),
                    format!("must be a percentage from 0 to 100; got {w}"),
                ));
            }
            ArgoStep::SetWeight(w)
        } else if let Some(pause) = &st.pause {
            match pause {
                RawPause::For(d) => ArgoStep::Pause(positive_duration(&p.key("pause"), d.0)?),
                RawPause::UntilPromoted(_) => ArgoStep::PauseUntilPromoted,
            }
        } else {
            let names = st.analysis.as_deref().unwrap_or_default();
            if names.is_empty() {
                return Err(Problem::new(
                    &p.key("analysis"),
                    "names at least one metric",
                ));
            }
            let ms = names
                .iter()
                .enumerate()
                .map(|(j, n)| find(&p.key("analysis").index(j), n))
                .collect::<VResult<Vec<_>>>()?;
            ArgoStep::Analysis(ms)
        };
        steps.push(step);
    }
    let background = raw
        .background_analysis
        .iter()
        .flatten()
        .enumerate()
        .map(|(j, n)| find(&path.key("background_analysis").index(j), n))
        .collect::<VResult<Vec<_>>>()?;
    let starting_step = match raw.starting_step {
        None => 0,
        Some(s) => {
            if background.is_empty() {
                return Err(Problem::new(
                    &path.key("starting_step"),
                    "only with background_analysis (the step at which it starts)",
                ));
            }
            integer_from_to(
                &path.key("starting_step"),
                s,
                0..=(steps.len() as i64 - 1).max(0),
                0,
                "the last step's index",
            )? as usize
        }
    };
    let review_time = match &raw.review_time {
        None => None,
        Some(RawDelay(toml::Value::String(s))) if s.trim() == "never" => None,
        Some(d) => Some(delay(&path.key("review_time"), d)?),
    };
    Ok(StrategyKind::Argo(ArgoSpec {
        steps,
        metrics,
        background,
        starting_step,
        scrape_interval: analysis_keys::scrape_interval(path, raw)?,
        review_time,
        abort_latency: raw
            .rollback_latency
            .map_or(DEFAULT_ROLLBACK_LATENCY, |d| d.0),
        query_error_probability: match raw.query_error_probability {
            None => 0.0,
            Some(p) => probability(&path.key("query_error_probability"), p)?,
        },
    }))
}

/// From t0 to completion when every analysis passes at once: the pauses,
/// the review time's median at each `pause = {}`, and each inline
/// analysis's longest metric (initial delay plus `count − 1` intervals;
/// an indefinite metric never completes, so it adds nothing here).
pub fn nominal_span(a: &ArgoSpec) -> Micros {
    a.steps.iter().fold(Micros::ZERO, |t, st| {
        t.saturating_add(match st {
            ArgoStep::SetWeight(_) => Micros::ZERO,
            ArgoStep::Pause(d) => *d,
            ArgoStep::PauseUntilPromoted => a.review_time.map_or(Micros::ZERO, |r| r.nominal()),
            ArgoStep::Analysis(ms) => ms
                .iter()
                .map(|&m| {
                    let mt = &a.metrics[m];
                    let n = mt.limits.count.unwrap_or(1).saturating_sub(1);
                    let every = mt.interval.unwrap_or(Micros::ZERO);
                    mt.initial_delay.saturating_add(every.saturating_mul(n))
                })
                .max()
                .unwrap_or(Micros::ZERO),
        })
    })
}

/// The plan in words (`canarysim validate`).
pub fn describe(a: &ArgoSpec, nominal: &str) -> String {
    use crate::scenario::duration::format_duration as fmt_duration;
    let steps: Vec<String> = a
        .steps
        .iter()
        .map(|s| match s {
            ArgoStep::SetWeight(w) => format!("setWeight {w}"),
            ArgoStep::Pause(d) => format!("pause {}", fmt_duration(*d)),
            ArgoStep::PauseUntilPromoted => "pause {} (until promoted)".to_string(),
            ArgoStep::Analysis(ms) => {
                let names: Vec<&str> = ms.iter().map(|&m| a.metrics[m].name.as_str()).collect();
                format!("analysis [{}]", names.join(", "))
            }
        })
        .collect();
    let metrics: Vec<String> = a
        .metrics
        .iter()
        .map(|m| {
            let mut cond = Vec::new();
            if let Some(t) = &m.success_text {
                cond.push(format!("success {t}"));
            }
            if let Some(t) = &m.failure_text {
                cond.push(format!("failure {t}"));
            }
            format!(
                "{} every {} over [{}], {}, failureLimit {}{}",
                m.name,
                m.interval.map_or("once".to_string(), fmt_duration),
                fmt_duration(m.window),
                if cond.is_empty() {
                    "always successful".to_string()
                } else {
                    cond.join(", ")
                },
                m.limits.failure_limit,
                if m.dry_run { " (dry run)" } else { "" }
            )
        })
        .collect();
    let background: Vec<&str> = a
        .background
        .iter()
        .map(|&m| a.metrics[m].name.as_str())
        .collect();
    format!(
        "Argo Rollouts canary: steps {}; metrics: {}; background analysis [{}] from step {}; scrapes every {}; nominal duration {nominal}; abort sets the canary weight to 0 after {}",
        steps.join(" → "),
        metrics.join("; "),
        background.join(", "),
        a.starting_step,
        fmt_duration(a.scrape_interval),
        fmt_duration(a.abort_latency)
    )
}
