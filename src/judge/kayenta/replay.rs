//! `canarysim judge kayenta`: one metric's canary and baseline samples
//! through Kayenta's classifier, printed with the interval and estimate it
//! decided on. The binary parses flags; this module parses the samples and
//! the effect-size spec and formats the result, so the replay is the
//! judge's own code path ([`super::classifier::classify_metric`]).

use rand::SeedableRng;
use rand_pcg::Pcg64Mcg;

use super::classifier::{
    classify_metric, Classification, EffectMeasure, EffectSize, MetricRule, TestParams,
};

/// A bad `--canary` / `--baseline` / `--effect-size` value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReplayError {
    #[error("item {index} ({item:?}) is not a number (NaN is written NaN)")]
    BadSample { index: usize, item: String },
    #[error("{0:?}: expected MEASURE[:INCREASE[:DECREASE]] with MEASURE one of {allowed} and positive thresholds", allowed = EffectMeasure::ALLOWED)]
    BadEffectSize(String),
}

/// Comma-separated samples; `NaN` is a missing value (the metric's
/// `nan_strategy` removes or zeroes it); an empty text is no samples.
pub fn parse_samples(text: &str) -> Result<Vec<f64>, ReplayError> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    text.split(',')
        .enumerate()
        .map(|(i, raw)| {
            let item = raw.trim();
            if item.eq_ignore_ascii_case("nan") {
                return Ok(f64::NAN);
            }
            match item.parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(v),
                _ => Err(ReplayError::BadSample {
                    index: i + 1,
                    item: item.to_string(),
                }),
            }
        })
        .collect()
}

/// `MEASURE[:INCREASE[:DECREASE]]`: the measure and its `allowedIncrease`
/// / `allowedDecrease` (each defaults to the measure's neutral value, as in
/// Kayenta); the critical thresholds stay neutral.
pub fn parse_effect_size(text: &str) -> Result<EffectSize, ReplayError> {
    let bad = || ReplayError::BadEffectSize(text.to_string());
    let mut parts = text.split(':');
    let measure = EffectMeasure::parse(parts.next().unwrap_or("").trim()).ok_or_else(bad)?;
    let mut effect = EffectSize::neutral(measure);
    let number = |part: Option<&str>, into: &mut f64| -> Result<(), ReplayError> {
        if let Some(p) = part {
            match p.trim().parse::<f64>() {
                Ok(v) if v.is_finite() && v > 0.0 => *into = v,
                _ => return Err(bad()),
            }
        }
        Ok(())
    };
    number(parts.next(), &mut effect.allowed_increase)?;
    number(parts.next(), &mut effect.allowed_decrease)?;
    if parts.next().is_some() {
        return Err(bad());
    }
    Ok(effect)
}

/// Classifies and formats. The degenerate case (both samples single-valued)
/// draws Kayenta's Gaussian noise from a fixed seed, so the replay is
/// reproducible.
pub fn replay(
    baseline: &[f64],
    canary: &[f64],
    rule: &MetricRule,
    params: &TestParams,
) -> (Classification, String) {
    let mut rng = Pcg64Mcg::seed_from_u64(0x006b_6179_656e_7461);
    let c = classify_metric(baseline, canary, rule, params, &mut rng);
    let text = report(&c, rule, params);
    (c, text)
}

fn report(c: &Classification, rule: &MetricRule, params: &TestParams) -> String {
    let mut out = format!("classification: {}\n", c.label.name());
    if c.critical {
        out.push_str("critical: yes (the canary score is 0)\n");
    }
    if let Some(t) = c.test {
        let bound = params.tolerance * t.estimate.abs();
        out.push_str(&format!(
            "confidence interval ({} %) of canary − baseline: [{}, {}]\n",
            params.confidence * 100.0,
            t.lower,
            t.upper
        ));
        out.push_str(&format!("Hodges–Lehmann estimate: {}\n", t.estimate));
        out.push_str(&format!(
            "bounds: ±{} × |estimate| = [{}, {}] (High when the interval's lower end > {}, Low when its upper end < {})\n",
            params.tolerance, -bound, bound, bound, -bound
        ));
        out.push_str(&format!(
            "effect size ({}): {} (allowed increase {}, decrease {})\n",
            rule.effect_size.measure.name(),
            c.effect_size,
            rule.effect_size.allowed_increase,
            rule.effect_size.allowed_decrease
        ));
        out.push_str(&format!(
            "mean ratio (canary / baseline): {}\n",
            c.deviation
        ));
    }
    if let Some(reason) = &c.reason {
        out.push_str(&format!("reason: {reason}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::judge::kayenta::classifier::Label;

    #[test]
    fn samples_parse_with_nan_and_reject_junk() {
        assert_eq!(parse_samples("1, 2.5,-3").unwrap(), vec![1.0, 2.5, -3.0]);
        assert!(parse_samples("1,NaN").unwrap()[1].is_nan());
        assert!(parse_samples(" ").unwrap().is_empty());
        assert_eq!(
            parse_samples("1,x"),
            Err(ReplayError::BadSample {
                index: 2,
                item: "x".into()
            })
        );
        assert!(parse_samples("1,inf").is_err());
    }

    #[test]
    fn effect_size_spec() {
        let e = parse_effect_size("meanRatio:1.2").unwrap();
        assert_eq!((e.allowed_increase, e.allowed_decrease), (1.2, 1.0));
        let e = parse_effect_size("cles:0.8:0.2").unwrap();
        assert_eq!(
            (e.measure, e.allowed_increase, e.allowed_decrease),
            (EffectMeasure::Cles, 0.8, 0.2)
        );
        assert_eq!(parse_effect_size("cles").unwrap().allowed_increase, 0.5);
        for bad in ["", "mean", "meanRatio:", "meanRatio:-1", "cles:1:1:1"] {
            assert!(parse_effect_size(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn replay_prints_the_interval_and_estimate() {
        // MannWhitneySuite's 10..40 vs 1..4 at 95 %: [6, 39], estimate 22.5.
        let params = TestParams {
            tolerance: 0.25,
            confidence: 0.95,
        };
        let (c, text) = replay(
            &[1.0, 2.0, 3.0, 4.0],
            &[10.0, 20.0, 30.0, 40.0],
            &MetricRule::default(),
            &params,
        );
        assert_eq!(c.label, Label::High);
        assert!(text.starts_with("classification: High\n"), "{text}");
        assert!(text.contains("[6, 39]"), "{text}");
        assert!(text.contains("estimate: 22.5"), "{text}");
        let (c, text) = replay(&[1.0], &[], &MetricRule::default(), &params);
        assert_eq!(c.label, Label::Nodata);
        assert!(text.starts_with("classification: NoData\n"));
    }
}
