//! Kayenta's per-metric classification: NaN handling, no-data rules, the
//! Mann-Whitney comparison with its tolerance and effect-size gates, and
//! critical metrics — as `NetflixACAJudge.classifyMetric` and
//! `MannWhitneyClassifier.classify` do it
//! (`spinnaker/kayenta@a69573b:kayenta-judge/src/main/scala/com/netflix/kayenta/judge/`;
//! paths below are relative to that folder).

use rand::Rng;
use rand_distr::StandardNormal;

use super::mann_whitney::{mann_whitney_u_test, MannWhitneyResult};

/// `NetflixACAJudge.scala:146`: the judge's classifier is built with
/// `tolerance = 0.25` (the class default too).
pub const TOLERANCE: f64 = 0.25;
/// `NetflixACAJudge.scala:146`: `confLevel = 0.98` (the class's own default
/// is 0.95, `MannWhitneyClassifier.scala:28`).
pub const CONFIDENCE: f64 = 0.98;
/// The amplitude of the noise added to two single-valued samples, relative
/// to the value (`MannWhitneyClassifier.scala:63`).
const NOISE_SCALE: f64 = 1e-5;

/// Which change of a metric counts against the canary
/// (`canary.direction`, default `either`; `BaseMetricClassifier.scala:29-43`,
/// `NetflixACAJudge.scala:104-105`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Increase,
    Decrease,
    Either,
}

impl Direction {
    pub const ALLOWED: &'static str = "increase, decrease, either";
    /// Kayenta maps an unknown word to `either`; canarysim rejects it (a
    /// typo should not silently widen a judge).
    pub fn parse(s: &str) -> Option<Direction> {
        match s {
            "increase" => Some(Direction::Increase),
            "decrease" => Some(Direction::Decrease),
            "either" => Some(Direction::Either),
            _ => None,
        }
    }
    fn allows_increase(self) -> bool {
        matches!(self, Direction::Increase | Direction::Either)
    }
    fn allows_decrease(self) -> bool {
        matches!(self, Direction::Decrease | Direction::Either)
    }
}

/// What happens to NaN samples (`canary.nanStrategy`, default `remove`;
/// `BaseMetricClassifier.scala:45-57`, `Transforms.scala` `removeNaNs` /
/// `replaceNaNs` with 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NanStrategy {
    Remove,
    Replace,
}

impl NanStrategy {
    pub const ALLOWED: &'static str = "remove, replace";
    pub fn parse(s: &str) -> Option<NanStrategy> {
        match s {
            "remove" => Some(NanStrategy::Remove),
            "replace" => Some(NanStrategy::Replace),
            _ => None,
        }
    }
    /// `NetflixACAJudge.handleNaNs` (`NetflixACAJudge.scala:70-76`).
    pub fn apply(self, values: &[f64]) -> Vec<f64> {
        match self {
            NanStrategy::Remove => values.iter().copied().filter(|v| !v.is_nan()).collect(),
            NanStrategy::Replace => values
                .iter()
                .map(|&v| if v.is_nan() { 0.0 } else { v })
                .collect(),
        }
    }
}

/// The effect-size measure (`canary.effectSize.measure`, default
/// `meanRatio`; `MannWhitneyClassifier.scala:92-100`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EffectMeasure {
    /// Canary mean / baseline mean (NaN when either mean is 0).
    MeanRatio,
    /// Common-language effect size: the share of (canary, baseline) pairs
    /// where the canary is higher, ties counting half.
    Cles,
}

impl EffectMeasure {
    pub const ALLOWED: &'static str = "meanRatio, cles";
    pub fn parse(s: &str) -> Option<EffectMeasure> {
        match s {
            "meanRatio" => Some(EffectMeasure::MeanRatio),
            "cles" => Some(EffectMeasure::Cles),
            _ => None,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            EffectMeasure::MeanRatio => "meanRatio",
            EffectMeasure::Cles => "cles",
        }
    }
    /// The default of every threshold: 1.0 for `meanRatio`, 0.5 for `cles`
    /// (`NetflixACAJudge.scala:120`).
    pub fn neutral(self) -> f64 {
        match self {
            EffectMeasure::MeanRatio => 1.0,
            EffectMeasure::Cles => 0.5,
        }
    }
}

/// The effect-size gates (`canary.effectSize.*`, `NetflixACAJudge.scala:119-129`):
/// a significant increase is `High` only when the effect size is at least
/// `allowed_increase`, a decrease `Low` only at most `allowed_decrease`;
/// a critical metric fails the canary only beyond `critical_increase` /
/// `critical_decrease`. A NaN effect size skips the gate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EffectSize {
    pub measure: EffectMeasure,
    pub allowed_increase: f64,
    pub allowed_decrease: f64,
    pub critical_increase: f64,
    pub critical_decrease: f64,
}

impl EffectSize {
    /// Every threshold at the measure's neutral value.
    pub fn neutral(measure: EffectMeasure) -> EffectSize {
        let n = measure.neutral();
        EffectSize {
            measure,
            allowed_increase: n,
            allowed_decrease: n,
            critical_increase: n,
            critical_decrease: n,
        }
    }
}

impl Default for EffectSize {
    fn default() -> Self {
        EffectSize::neutral(EffectMeasure::MeanRatio)
    }
}

/// One metric's analysis configuration (`analysisConfigurations.canary`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricRule {
    pub direction: Direction,
    pub nan_strategy: NanStrategy,
    pub critical: bool,
    pub must_have_data: bool,
    pub effect_size: EffectSize,
}

impl Default for MetricRule {
    /// Kayenta's defaults (`NetflixACAJudge.scala:104-116`).
    fn default() -> Self {
        MetricRule {
            direction: Direction::Either,
            nan_strategy: NanStrategy::Remove,
            critical: false,
            must_have_data: false,
            effect_size: EffectSize::default(),
        }
    }
}

/// The classifier's own parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TestParams {
    /// The bounds are ±`tolerance` × |Hodges–Lehmann estimate|.
    pub tolerance: f64,
    pub confidence: f64,
}

impl Default for TestParams {
    fn default() -> Self {
        TestParams {
            tolerance: TOLERANCE,
            confidence: CONFIDENCE,
        }
    }
}

/// Kayenta's classification labels (`BaseMetricClassifier.scala:21-27`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Label {
    Pass,
    High,
    Low,
    /// No data for a `mustHaveData`, non-critical metric: counts as a
    /// failure in its group's score.
    NodataFailMetric,
    /// No data: left out of its group's score, but ≥ 50 % of them zero the
    /// score.
    Nodata,
    /// The test could not be computed (Kayenta catches the exception).
    Error,
}

impl Label {
    /// As the CLI prints it (`NoData` for both no-data labels' family).
    pub fn name(self) -> &'static str {
        match self {
            Label::Pass => "Pass",
            Label::High => "High",
            Label::Low => "Low",
            Label::NodataFailMetric => "NodataFailMetric",
            Label::Nodata => "NoData",
            Label::Error => "Error",
        }
    }
}

/// The outcome for one metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Classification {
    pub label: Label,
    /// True when this result fails the canary outright (score 0).
    pub critical: bool,
    /// Canary mean / baseline mean (Kayenta's `deviation`, shown in its
    /// report); 1.0 when the test was not run.
    pub deviation: f64,
    /// The effect size of the configured measure (NaN when not run).
    pub effect_size: f64,
    /// The Mann-Whitney result, when the test ran.
    pub test: Option<MannWhitneyResult>,
    pub reason: Option<String>,
}

impl Classification {
    fn without_test(label: Label, critical: bool, reason: Option<String>) -> Self {
        Classification {
            label,
            critical,
            deviation: 1.0,
            effect_size: f64::NAN,
            test: None,
            reason,
        }
    }
}

/// Apache Commons Math `StatUtils.mean`: the mean with its second-pass
/// correction (`Mean.evaluate`).
fn mean(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    let xbar = values.iter().sum::<f64>() / n;
    let correction: f64 = values.iter().map(|v| v - xbar).sum();
    xbar + correction / n
}

/// `EffectSizes.meanRatio(control, experiment)` (`stats/EffectSizes.scala:16-20`).
pub fn mean_ratio(control: &[f64], experiment: &[f64]) -> f64 {
    let (c, e) = (mean(control), mean(experiment));
    if c == 0.0 || e == 0.0 {
        f64::NAN
    } else {
        e / c
    }
}

/// `EffectSizes.cles(control, experiment)` (`stats/EffectSizes.scala:71-77`):
/// `(2·R₁ − m(m+1)) / (2nm)` with R₁ the experiment's average-rank sum.
pub fn cles(control: &[f64], experiment: &[f64]) -> f64 {
    let m = experiment.len() as f64;
    let n = control.len() as f64;
    let combined: Vec<f64> = experiment.iter().chain(control).copied().collect();
    let mut order: Vec<usize> = (0..combined.len()).collect();
    order.sort_by(|&a, &b| combined[a].total_cmp(&combined[b]));
    let mut r1 = 0.0;
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && combined[order[end]] == combined[order[start]] {
            end += 1;
        }
        let avg = (start + 1 + end) as f64 / 2.0;
        r1 += avg
            * order[start..end]
                .iter()
                .filter(|&&i| i < experiment.len())
                .count() as f64;
        start = end;
    }
    (2.0 * r1 - m * (m + 1.0)) / (2.0 * n * m)
}

/// Scala's `distinct.length` over boxed doubles (`Double.equals`: by bits).
fn distinct_count(values: impl Iterator<Item = f64>) -> usize {
    let mut bits: Vec<u64> = values.map(f64::to_bits).collect();
    bits.sort_unstable();
    bits.dedup();
    bits.len()
}

/// `MannWhitneyClassifier.addGaussianNoise`: N(0, (first value × 1e-5)²)
/// added to every value (`MannWhitneyClassifier.scala:61-66`,
/// `Transforms.addGaussianNoise`, `RandomUtils.normal`).
fn add_noise<R: Rng + ?Sized>(values: &[f64], rng: &mut R) -> Vec<f64> {
    let stdev = values[0] * NOISE_SCALE;
    values
        .iter()
        .map(|v| {
            let z: f64 = rng.sample(StandardNormal);
            v + (z * stdev + 0.0)
        })
        .collect()
}

/// `MannWhitneyClassifier.classify` on samples whose NaNs were already
/// handled (`MannWhitneyClassifier.scala:145-211`); `rng` draws the noise
/// of the degenerate case only. Errors of the test become [`Label::Error`]
/// (not critical), as `NetflixACAJudge.scala:157-173` does.
pub fn classify<R: Rng + ?Sized>(
    control: &[f64],
    experiment: &[f64],
    rule: &MetricRule,
    params: &TestParams,
    rng: &mut R,
) -> Classification {
    if experiment.is_empty() || control.is_empty() {
        return match rule.nan_strategy {
            NanStrategy::Remove => {
                let reason = Some("missing data".to_string());
                if rule.must_have_data && !rule.critical {
                    Classification::without_test(Label::NodataFailMetric, false, reason)
                } else {
                    Classification::without_test(Label::Nodata, rule.critical, reason)
                }
            }
            NanStrategy::Replace => Classification::without_test(Label::Pass, false, None),
        };
    }
    let mut sorted_e = experiment.to_vec();
    let mut sorted_c = control.to_vec();
    sorted_e.sort_by(f64::total_cmp);
    sorted_c.sort_by(f64::total_cmp);
    if sorted_e == sorted_c {
        let reason = Some("the canary and baseline data are identical".to_string());
        return Classification::without_test(Label::Pass, false, reason);
    }
    if distinct_count(experiment.iter().chain(control).copied()) == 1 {
        return Classification::without_test(Label::Pass, false, None);
    }
    let effect = rule.effect_size;
    let add = distinct_count(experiment.iter().copied()) == 1
        && distinct_count(control.iter().copied()) == 1;
    let (experiment, control) = if add {
        let e = add_noise(experiment, rng);
        (e, add_noise(control, rng))
    } else {
        (experiment.to_vec(), control.to_vec())
    };
    let test = match mann_whitney_u_test(&experiment, &control, params.confidence) {
        Ok(t) => t,
        Err(err) => {
            let mut c = Classification::without_test(Label::Error, false, Some(err.to_string()));
            c.deviation = f64::NAN;
            return c;
        }
    };
    let deviation = mean_ratio(&control, &experiment);
    let effect_size = match effect.measure {
        EffectMeasure::MeanRatio => deviation,
        EffectMeasure::Cles => cles(&control, &experiment),
    };
    // `calculateBounds`: ±tolerance × |estimate| (MannWhitneyClassifier.scala:72-79).
    let critical_value = params.tolerance * test.estimate.abs();
    let (lower_bound, upper_bound) = (-critical_value, critical_value);
    // `compare` (MannWhitneyClassifier.scala:105-143): both the interval
    // and the effect-size gate must agree; a NaN effect size skips the gate.
    let is_high = rule.direction.allows_increase()
        && test.lower > upper_bound
        && (effect_size.is_nan() || effect_size >= effect.allowed_increase);
    let is_low = rule.direction.allows_decrease()
        && test.upper < lower_bound
        && (effect_size.is_nan() || effect_size <= effect.allowed_decrease);
    let label = if is_high {
        Label::High
    } else if is_low {
        Label::Low
    } else {
        Label::Pass
    };
    // Critical failures beyond the critical effect sizes
    // (MannWhitneyClassifier.scala:182-209).
    let critical = rule.critical
        && match label {
            Label::High => effect_size.is_nan() || effect_size >= effect.critical_increase,
            Label::Low => effect_size.is_nan() || effect_size <= effect.critical_decrease,
            _ => false,
        };
    let reason = match label {
        Label::Pass => None,
        l if critical => Some(format!("classified as {} (critical)", l.name())),
        l => Some(format!("classified as {}", l.name())),
    };
    Classification {
        label,
        critical,
        deviation,
        effect_size,
        test: Some(test),
        reason,
    }
}

/// `NetflixACAJudge.classifyMetric` for raw samples: NaN handling, then
/// [`classify`]. (Kayenta's optional IQR outlier removal, off by default,
/// is not modelled.)
pub fn classify_metric<R: Rng + ?Sized>(
    control: &[f64],
    experiment: &[f64],
    rule: &MetricRule,
    params: &TestParams,
    rng: &mut R,
) -> Classification {
    let control = rule.nan_strategy.apply(control);
    let experiment = rule.nan_strategy.apply(experiment);
    classify(&control, &experiment, rule, params, rng)
}

#[cfg(test)]
#[path = "classifier_tests.rs"]
mod tests;
