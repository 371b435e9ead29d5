//! Flagger canary analysis (`kind = "flagger"`, peers.md §3): its keys and
//! validation, its nominal span. The runtime is [`super::flagger_run`].
//!
//! Keys: `interval` (analysis interval, default 60 s, raised to 10 s when
//! shorter, `flagger@15bd6ad:pkg/apis/flagger/v1beta1/canary.go:637-652`),
//! `threshold` (default 1; ≤ 0 means 1, `canary.go:654-660`), one of
//! `step_weight` (+ `max_weight`, default 100), `step_weights` or
//! `iterations` (+ `iteration_weight`), `metrics` (builtins
//! `request-success-rate`, `request-duration`, or custom with `query`;
//! each with `interval` = its query range, default 1m, and
//! `threshold_range`), `confirm_promotion` (the gate's delay),
//! `scrape_interval`, `rollback_latency`.

use super::analysis_keys::{self, flagger_metric, metric_list, reject_common};
use crate::judge::flagger_rules::{
    threshold_or_default, Loop, Progression, DEFAULT_INTERVAL_SECS, MIN_INTERVAL_SECS,
};
use crate::model::{FlaggerSpec, StrategyKind};
use crate::scenario::error::{Problem, VResult};
use crate::scenario::key_path::KeyPath;
use crate::scenario::raw::RawStrategy;
use crate::scenario::validate::checks::{integer_from_to, positive_duration};
use crate::scenario::validate::delay::delay;
use crate::scenario::validate::hooks::MAX_PIPELINE_HOOK_DURATION;
use crate::scenario::validate::kind::{CommonKeys, Kind, DEFAULT_ROLLBACK_LATENCY};
use crate::sim::time::{secs, Micros};

/// The `flagger` kind.
pub(crate) const KIND: Kind = Kind {
    name: "flagger",
    keys: &[
        "interval",
        "threshold",
        "step_weight",
        "max_weight",
        "step_weights",
        "iterations",
        "iteration_weight",
        "metrics",
        "confirm_promotion",
        "scrape_interval",
        "rollback_latency",
    ],
    max_hook: MAX_PIPELINE_HOOK_DURATION,
    validate,
};

fn validate(path: &KeyPath, raw: &RawStrategy, _common: &mut CommonKeys) -> VResult<StrategyKind> {
    reject_common(path, raw, "flagger")?;
    let interval = match raw.interval {
        None => secs(DEFAULT_INTERVAL_SECS),
        Some(d) => positive_duration(&path.key("interval"), d.0)?.max(secs(MIN_INTERVAL_SECS)),
    };
    let progression = progression(path, raw)?;
    let metrics = metric_list(path, raw, "flagger")?
        .iter()
        .enumerate()
        .map(|(i, m)| flagger_metric(&path.key("metrics").index(i), m))
        .collect::<VResult<Vec<_>>>()?;
    Ok(StrategyKind::Flagger(FlaggerSpec {
        interval,
        threshold: threshold_or_default(raw.threshold.unwrap_or(0)),
        progression,
        metrics,
        scrape_interval: analysis_keys::scrape_interval(path, raw)?,
        confirm_promotion: match &raw.confirm_promotion {
            None => None,
            Some(d) => Some(delay(&path.key("confirm_promotion"), d)?),
        },
        rollback_latency: raw
            .rollback_latency
            .map_or(DEFAULT_ROLLBACK_LATENCY, |d| d.0),
    }))
}

/// Exactly one of `step_weight` (with `max_weight`), `step_weights` or
/// `iterations` (with `iteration_weight`).
fn progression(path: &KeyPath, raw: &RawStrategy) -> VResult<Progression> {
    let given = [
        raw.step_weight.is_some(),
        raw.step_weights.is_some(),
        raw.iterations.is_some(),
    ];
    if given.iter().filter(|g| **g).count() != 1 {
        return Err(Problem::new(
            path,
            "kind = \"flagger\" needs exactly one of step_weight (with max_weight), step_weights or iterations (with iteration_weight)",
        ));
    }
    let pct = |key: &str, v: i64, min: i64| -> VResult<u32> {
        Ok(integer_from_to(&path.key(key), v, min..=100, min, 100)? as u32)
    };
    if raw.max_weight.is_some() && raw.step_weight.is_none() {
        return Err(Problem::new(
            &path.key("max_weight"),
            "only with step_weight",
        ));
    }
    if raw.iteration_weight.is_some() && raw.iterations.is_none() {
        return Err(Problem::new(
            &path.key("iteration_weight"),
            "only with iterations",
        ));
    }
    if let Some(step) = raw.step_weight {
        return Ok(Progression::Linear {
            step: pct("step_weight", step, 1)?,
            max: match raw.max_weight {
                None => 100,
                Some(m) => pct("max_weight", m, 1)?,
            },
        });
    }
    if let Some(list) = &raw.step_weights {
        let key = path.key("step_weights");
        if list.is_empty() {
            return Err(Problem::new(
                &key,
                "needs at least one weight, e.g. [1, 2, 10, 80]",
            ));
        }
        let mut previous = 0;
        let mut out = Vec::with_capacity(list.len());
        for (i, &w) in list.iter().enumerate() {
            let w = integer_from_to(&key.index(i), w, previous + 1..=100, previous + 1, 100)?;
            previous = w;
            out.push(w as u32);
        }
        return Ok(Progression::Listed(out));
    }
    let n = raw.iterations.unwrap_or(1);
    let n = integer_from_to(&path.key("iterations"), n, 1..=100_000, 1, 100_000)? as u32;
    let weight = match raw.iteration_weight {
        None => {
            return Err(Problem::new(
                &path.key("iteration_weight"),
                "iterations need the candidate's share during them (A/B testing: the matched users' share; blue/green: 0, only a load tester's traffic — not modelled)",
            ))
        }
        Some(w) => pct("iteration_weight", w, 0)?,
    };
    Ok(Progression::Iterations { n, weight })
}

/// From t0 to promotion when every check passes: one interval per tick
/// after the first (`Loop::ticks_to_promotion`), plus the confirm-promotion
/// gate's median.
pub fn nominal_span(f: &FlaggerSpec) -> Micros {
    let ticks = Loop::new(f.progression.clone(), f.threshold).ticks_to_promotion();
    f.interval
        .saturating_mul(u64::from(ticks))
        .saturating_add(f.confirm_promotion.map_or(Micros::ZERO, |d| d.nominal()))
}

/// The plan in words (`canarysim validate`).
pub fn describe(f: &FlaggerSpec, nominal: &str) -> String {
    use crate::scenario::duration::format_duration as fmt_duration;
    let progression = match &f.progression {
        Progression::Linear { step, max } => format!("stepWeight {step} up to maxWeight {max}"),
        Progression::Listed(w) => format!("stepWeights {w:?}"),
        Progression::Iterations { n, weight } => format!("{n} iterations at {weight}%"),
    };
    let metrics: Vec<String> = f
        .metrics
        .iter()
        .map(|m| {
            format!(
                "{} over [{}] in [{}, {}]",
                m.name,
                fmt_duration(m.window),
                m.min.map_or("-inf".to_string(), |v| v.to_string()),
                m.max.map_or("+inf".to_string(), |v| v.to_string())
            )
        })
        .collect();
    format!(
        "Flagger canary: every {}, {progression}; checks: {}; rollback when failed checks >= {} (cumulative; no data = failed check); scrapes every {}; nominal duration {nominal}",
        fmt_duration(f.interval),
        if metrics.is_empty() { "none".to_string() } else { metrics.join("; ") },
        f.threshold,
        fmt_duration(f.scrape_interval)
    )
}
