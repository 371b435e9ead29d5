//! `[judges.NAME] kind = "kayenta"`: the analysis timing, thresholds and
//! metrics, with Kayenta's defaults (README "`kind = "kayenta"`" cites each).

use super::checks::{choice, positive_duration, required};
use crate::judge::kayenta::classifier::{
    Direction, EffectMeasure, EffectSize, MetricRule, NanStrategy, TestParams, CONFIDENCE,
    TOLERANCE,
};
use crate::model::{KayentaMetric, KayentaQuery, KayentaSpec};
use crate::scenario::error::{Problem, VResult};
use crate::scenario::key_path::KeyPath;
use crate::scenario::raw::{RawEffectSize, RawJudge, RawKayentaMetric};
use crate::sim::time::{secs, Micros};

/// `scoreThresholds.marginal`: Kayenta has no default; 75 is the value of
/// Spinnaker's docs and of Argo Rollouts' Kayenta examples.
pub const DEFAULT_MARGINAL: f64 = 75.0;
/// `scoreThresholds.pass`: as for `marginal`, 95.
pub const DEFAULT_PASS: f64 = 95.0;
/// `CanaryAnalysisExecutionRequestScope.step` (seconds): 60.
pub const DEFAULT_STEP_S: u64 = 60;

fn score(path: &KeyPath, value: Option<f64>, default: f64) -> VResult<f64> {
    match value {
        None => Ok(default),
        Some(v) if (0.0..=100.0).contains(&v) => Ok(v),
        Some(v) => Err(Problem::new(
            path,
            format!("{v} is not a score from 0 to 100"),
        )),
    }
}

/// A duration that is a whole number of `unit`s (named `unit_name`).
fn multiple(path: &KeyPath, value: Micros, unit: Micros, unit_name: &str) -> VResult<Micros> {
    if value % unit != Micros::ZERO {
        return Err(Problem::new(
            path,
            format!(
                "must be a multiple of {unit_name} ({} s)",
                unit.as_f64() / 1e6
            ),
        ));
    }
    Ok(value)
}

pub(super) fn kayenta(
    path: &KeyPath,
    raw: &RawJudge,
    metrics_period: Micros,
) -> VResult<KayentaSpec> {
    let lifetime = required(
        &path.key("lifetime"),
        raw.lifetime,
        "how long the analysis lasts, e.g. \"30m\"",
    )?;
    let lifetime = positive_duration(&path.key("lifetime"), lifetime.0)?;
    let step = match raw.step {
        None => secs(DEFAULT_STEP_S),
        Some(d) => positive_duration(&path.key("step"), d.0)?,
    };
    let step = multiple(&path.key("step"), step, metrics_period, "metrics.period")?;
    let interval = match raw.interval {
        None => lifetime,
        Some(d) => positive_duration(&path.key("interval"), d.0)?,
    };
    if interval > lifetime {
        return Err(Problem::new(
            &path.key("interval"),
            "must be at most the lifetime (Kayenta resets a longer interval to the lifetime; canarysim refuses it)",
        ));
    }
    let interval = multiple(&path.key("interval"), interval, step, "step")?;
    let begin_after = match raw.begin_after {
        None => Micros::ZERO,
        Some(d) => multiple(&path.key("begin_after"), d.0, step, "step")?,
    };
    let lookback = match raw.lookback {
        None => None,
        Some(d) => {
            let d = positive_duration(&path.key("lookback"), d.0)?;
            Some(multiple(&path.key("lookback"), d, step, "step")?)
        }
    };
    let marginal = score(&path.key("marginal"), raw.marginal, DEFAULT_MARGINAL)?;
    let pass = score(&path.key("pass"), raw.pass, DEFAULT_PASS)?;
    if pass < marginal {
        return Err(Problem::new(
            &path.key("pass"),
            format!("{pass} is below marginal {marginal}; pass must be >= marginal"),
        ));
    }
    let confidence = match raw.confidence {
        None => CONFIDENCE,
        Some(c) if c > 0.0 && c < 1.0 => c,
        Some(c) => {
            return Err(Problem::new(
                &path.key("confidence"),
                format!("{c} is not a level strictly between 0 and 1 (Kayenta: 0.98)"),
            ))
        }
    };
    let tolerance = match raw.tolerance {
        None => TOLERANCE,
        Some(t) if t.is_finite() && t >= 0.0 => t,
        Some(t) => {
            return Err(Problem::new(
                &path.key("tolerance"),
                format!("{t} is not a share >= 0 of the estimate (Kayenta: 0.25)"),
            ))
        }
    };
    let raw_metrics = required(
        &path.key("metrics"),
        raw.metrics.as_ref(),
        "a list of { name, query } tables",
    )?;
    if raw_metrics.is_empty() {
        return Err(Problem::new(
            &path.key("metrics"),
            "needs at least one metric",
        ));
    }
    let mut metrics: Vec<KayentaMetric> = Vec::new();
    let mut group_weights: Vec<(String, f64)> = Vec::new();
    for (i, m) in raw_metrics.iter().enumerate() {
        let mpath = path.key("metrics").index(i);
        if metrics.iter().any(|x| x.name == m.name) {
            return Err(Problem::new(
                &mpath.key("name"),
                format!("{:?} is used twice; metric names must differ", m.name),
            ));
        }
        let metric = metric(&mpath, m)?;
        if let Some(w) = m.weight {
            if !(0.0..=100.0).contains(&w) {
                return Err(Problem::new(
                    &mpath.key("weight"),
                    format!("{w} is not a weight from 0 to 100 (percent)"),
                ));
            }
            match group_weights.iter().find(|(g, _)| *g == metric.group) {
                Some((_, other)) if *other != w => {
                    return Err(Problem::new(
                        &mpath.key("weight"),
                        format!(
                        "group {:?} already has weight {other}; metrics of one group must agree",
                        metric.group
                    ),
                    ))
                }
                Some(_) => {}
                None => group_weights.push((metric.group.clone(), w)),
            }
        }
        metrics.push(metric);
    }
    let total: f64 = group_weights.iter().map(|(_, w)| w).sum();
    if total > 100.0 + 1e-9 {
        return Err(Problem::new(
            &path.key("metrics"),
            format!("the group weights add up to {total} > 100"),
        ));
    }
    Ok(KayentaSpec {
        metrics,
        group_weights,
        params: TestParams {
            tolerance,
            confidence,
        },
        marginal,
        pass,
        interval,
        lifetime,
        step,
        begin_after,
        lookback,
    })
}

fn metric(path: &KeyPath, m: &RawKayentaMetric) -> VResult<KayentaMetric> {
    if m.name.trim().is_empty() {
        return Err(Problem::new(&path.key("name"), "must not be empty"));
    }
    let query = KayentaQuery::parse(&m.query).ok_or_else(|| {
        Problem::new(
            &path.key("query"),
            format!(
                "unknown query {:?}; allowed: {}",
                m.query,
                KayentaQuery::ALLOWED
            ),
        )
    })?;
    let direction = choice(
        &path.key("direction"),
        m.direction.as_deref(),
        &[
            ("either", Direction::Either),
            ("increase", Direction::Increase),
            ("decrease", Direction::Decrease),
        ],
    )?;
    let nan_strategy = choice(
        &path.key("nan_strategy"),
        m.nan_strategy.as_deref(),
        &[
            ("remove", NanStrategy::Remove),
            ("replace", NanStrategy::Replace),
        ],
    )?;
    let effect_size = match &m.effect_size {
        None => EffectSize::default(),
        Some(e) => effect_size(&path.key("effect_size"), e)?,
    };
    Ok(KayentaMetric {
        name: m.name.clone(),
        query,
        rule: MetricRule {
            direction,
            nan_strategy,
            critical: m.critical.unwrap_or(false),
            must_have_data: m.must_have_data.unwrap_or(false),
            effect_size,
        },
        group: m.group.clone().unwrap_or_else(|| m.name.clone()),
    })
}

fn effect_size(path: &KeyPath, e: &RawEffectSize) -> VResult<EffectSize> {
    let measure = choice(
        &path.key("measure"),
        e.measure.as_deref(),
        &[
            ("meanRatio", EffectMeasure::MeanRatio),
            ("cles", EffectMeasure::Cles),
        ],
    )?;
    let mut out = EffectSize::neutral(measure);
    for (key, value, into) in [
        (
            "allowed_increase",
            e.allowed_increase,
            &mut out.allowed_increase,
        ),
        (
            "allowed_decrease",
            e.allowed_decrease,
            &mut out.allowed_decrease,
        ),
        (
            "critical_increase",
            e.critical_increase,
            &mut out.critical_increase,
        ),
        (
            "critical_decrease",
            e.critical_decrease,
            &mut out.critical_decrease,
        ),
    ] {
        if let Some(v) = value {
            if !(v.is_finite() && v >= 0.0) {
                return Err(Problem::new(
                    &path.key(key),
                    format!("{v} is not an effect size >= 0"),
                ));
            }
            *into = v;
        }
    }
    Ok(out)
}
