//! Kayenta's score: per group 100 × Pass / (Pass + High + Low +
//! NodataFailMetric), groups weighted, 0 on a critical failure or when
//! ≥ 50 % of the metrics have no data; then the `marginal` / `pass`
//! thresholds (`spinnaker/kayenta@a69573b:kayenta-judge/src/main/scala/com/netflix/kayenta/judge/scorers/WeightedSumScorer.scala`,
//! `scorers/ScoringHelper.scala`, `classifiers/score/ThresholdScoreClassifier.scala`,
//! and the standalone analysis' `MonitorCanaryTask.java:116-122`,
//! `GenerateCanaryAnalysisResultTask.java:228-254`).

use super::classifier::Label;

/// `WeightedSumScorer.NODATA_THRESHOLD` (`WeightedSumScorer.scala:27`).
pub const NODATA_THRESHOLD: f64 = 50.0;

/// One metric's result as the scorer sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricResult<'a> {
    pub label: Label,
    pub critical: bool,
    pub group: &'a str,
}

/// One group's score (`WeightedSumScorer.calculateGroupScore`,
/// `WeightedSumScorer.scala:29-43`).
#[derive(Debug, Clone, PartialEq)]
pub struct GroupScore {
    pub name: String,
    /// 100 × Pass / classified; 0 when nothing was classified.
    pub score: f64,
    /// Nothing in the group was classified (only NODATA / Error).
    pub no_data: bool,
}

/// Why the score is what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScoreReason {
    /// The weighted sum of the group scores.
    Weighted,
    /// A critical metric was not Pass (score 0).
    CriticalFailure,
    /// ≥ 50 % of the metrics returned NODATA (score 0).
    TooManyNodata,
}

/// The summary score of one judgement.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    pub score: f64,
    pub reason: ScoreReason,
    pub groups: Vec<GroupScore>,
}

fn group_score(name: &str, labels: &[Label]) -> GroupScore {
    let count = |l: Label| labels.iter().filter(|&&x| x == l).count();
    let pass = count(Label::Pass);
    let total = count(Label::High) + count(Label::Low) + pass + count(Label::NodataFailMetric);
    let no_data = total == 0;
    let score = if no_data {
        0.0
    } else {
        (pass as f64 / total as f64) * 100.0
    };
    GroupScore {
        name: name.to_string(),
        score,
        no_data,
    }
}

/// Apache Commons Math `Precision.round(x, 2)`: `new
/// BigDecimal(Double.toString(x)).setScale(2, ROUND_HALF_UP)` — decimal
/// rounding of the printed value, half away from zero.
pub fn round2(x: f64) -> f64 {
    if !x.is_finite() {
        return x;
    }
    let text = format!("{}", x.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let digits: Vec<u8> = frac
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(3)
        .collect();
    let Ok(int) = int.parse::<u64>() else {
        return x;
    };
    let mut hundredths = int * 100 + u64::from(digits[0] - b'0') * 10 + u64::from(digits[1] - b'0');
    if digits[2] >= b'5' {
        hundredths += 1;
    }
    let rounded: f64 = format!("{}.{:02}", hundredths / 100, hundredths % 100)
        .parse()
        .unwrap_or(x);
    rounded.copysign(x)
}

/// `WeightedSumScorer.score` (`WeightedSumScorer.scala:90-106`): group
/// scores in order of first appearance; `weights` (group → percent) as in
/// the canary config's `classifier.groupWeights`; groups without a weight
/// share `(100 − Σ weights) / their number`; a group with nothing
/// classified counts 100.
pub fn score(results: &[MetricResult<'_>], weights: &[(String, f64)]) -> Score {
    let mut names: Vec<&str> = Vec::new();
    for r in results {
        if !names.contains(&r.group) {
            names.push(r.group);
        }
    }
    let groups: Vec<GroupScore> = names
        .iter()
        .map(|&n| {
            let labels: Vec<Label> = results
                .iter()
                .filter(|r| r.group == n)
                .map(|r| r.label)
                .collect();
            group_score(n, &labels)
        })
        .collect();
    // `criticalFailures`: critical and not Pass (WeightedSumScorer.scala:80-82).
    if results.iter().any(|r| r.critical && r.label != Label::Pass) {
        return Score {
            score: 0.0,
            reason: ScoreReason::CriticalFailure,
            groups,
        };
    }
    // `tooManyNodata`: plain NODATA share ≥ 50 % (WeightedSumScorer.scala:84-88).
    let nodata = results.iter().filter(|r| r.label == Label::Nodata).count();
    if nodata as f64 / results.len() as f64 * 100.0 >= NODATA_THRESHOLD {
        return Score {
            score: 0.0,
            reason: ScoreReason::TooManyNodata,
            groups,
        };
    }
    // `calculateSummaryScore` (WeightedSumScorer.scala:54-78).
    let weight_of = |name: &str| weights.iter().find(|(g, _)| g == name).map(|(_, w)| *w);
    let weight_sum: f64 = weights.iter().map(|(_, w)| w).sum();
    let unweighted = groups
        .iter()
        .filter(|g| weight_of(&g.name).is_none())
        .count();
    let calculated = if unweighted > 0 {
        (100.0 - weight_sum) / unweighted as f64
    } else {
        0.0
    };
    let mut summary = 0.0;
    for g in &groups {
        let effective = if g.no_data { 100.0 } else { g.score };
        let weight = weight_of(&g.name).unwrap_or(calculated);
        summary += effective * (weight / 100.0);
    }
    Score {
        score: round2(summary),
        reason: ScoreReason::Weighted,
        groups,
    }
}

/// `ThresholdScoreClassifier` (`ThresholdScoreClassifier.scala:22-33`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScoreClass {
    Pass,
    Marginal,
    Fail,
}

/// Score ≥ pass → Pass; ≥ marginal → Marginal; else Fail.
pub fn classify_score(score: f64, marginal: f64, pass: f64) -> ScoreClass {
    if score >= pass {
        ScoreClass::Pass
    } else if score >= marginal {
        ScoreClass::Marginal
    } else {
        ScoreClass::Fail
    }
}

/// After each judgement the standalone analysis stops (TERMINAL) when the
/// score is not above `marginal` (`MonitorCanaryTask.java:116-122`: `<=`).
pub fn stops_early(score: f64, marginal: f64) -> bool {
    score <= marginal
}

/// The final verdict on the last judgement's score
/// (`GenerateCanaryAnalysisResultTask.java:235-253`): above `marginal` and
/// at least `pass`.
pub fn final_passes(score: f64, marginal: f64, pass: f64) -> bool {
    score > marginal && score >= pass
}

#[cfg(test)]
#[path = "scorer_tests.rs"]
mod tests;
