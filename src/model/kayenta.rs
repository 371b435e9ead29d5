//! A Kayenta judge as validated from `[judges.NAME] kind = "kayenta"`
//! (`judge::kayenta::judge` runs it). Defaults and sources are in
//! `scenario::validate::kayenta` and the README.

use crate::judge::kayenta::classifier::{MetricRule, TestParams};
use crate::sim::time::Micros;

/// What a Kayenta metric measures in one `step` window of one server group
/// (canary or baseline), from the window's request counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KayentaQuery {
    /// Failed requests (4xx and 5xx answers) / requests.
    ErrorRate,
    /// 5xx answers / requests.
    ServerErrorRate,
    /// Lambda `Errors` (unhandled errors and timeouts) / requests.
    LambdaErrorRate,
    /// Mean duration (ms).
    LatencyMean,
    /// Requests in the window.
    RequestCount,
}

impl KayentaQuery {
    pub const ALLOWED: &'static str =
        "error_rate, server_error_rate, lambda_error_rate, latency_mean, request_count";
    pub fn parse(s: &str) -> Option<KayentaQuery> {
        Some(match s {
            "error_rate" => KayentaQuery::ErrorRate,
            "server_error_rate" => KayentaQuery::ServerErrorRate,
            "lambda_error_rate" => KayentaQuery::LambdaErrorRate,
            "latency_mean" => KayentaQuery::LatencyMean,
            "request_count" => KayentaQuery::RequestCount,
            _ => return None,
        })
    }
    /// Whether the query reads durations (fast mode must draw their sum).
    pub fn reads_duration(self) -> bool {
        self == KayentaQuery::LatencyMean
    }
}

/// One metric of a Kayenta canary config.
#[derive(Debug, Clone, PartialEq)]
pub struct KayentaMetric {
    pub name: String,
    pub query: KayentaQuery,
    pub rule: MetricRule,
    /// Its group (Kayenta's `groups`; canarysim: one per metric).
    pub group: String,
}

/// A Kayenta judge: the canary config (metrics, group weights), the
/// thresholds and the standalone analysis' timing.
#[derive(Debug, Clone, PartialEq)]
pub struct KayentaSpec {
    pub metrics: Vec<KayentaMetric>,
    /// Group → weight in percent (`classifier.groupWeights`).
    pub group_weights: Vec<(String, f64)>,
    pub params: TestParams,
    /// `scoreThresholds.marginal`: a judgement scoring ≤ this stops the
    /// analysis as failed.
    pub marginal: f64,
    /// `scoreThresholds.pass`: the last judgement must score ≥ this.
    pub pass: f64,
    /// `analysisIntervalMins`: one judgement per interval.
    pub interval: Micros,
    /// `lifetimeDurationMins`: judgements = lifetime / interval.
    pub lifetime: Micros,
    /// The metric resolution: one sample per step window.
    pub step: Micros,
    /// `beginAfterMins`: the analysis starts this long after t = 0.
    pub begin_after: Micros,
    /// `lookbackMins`: a sliding window of this length; `None` = growing
    /// window from the analysis start.
    pub lookback: Option<Micros>,
}

impl KayentaSpec {
    /// Kayenta's judgement count: `lifetime / interval`, whole intervals
    /// (`kayenta-standalone-canary-analysis/…/SetupAndExecuteCanariesStage.java:118`; the interval defaults to the lifetime, `:193-205`).
    pub fn judgements(&self) -> u64 {
        self.lifetime / self.interval
    }

    /// Samples per metric and server group in the judgement with the
    /// fewest (the first of a growing window; every one of a sliding one).
    pub fn min_samples(&self) -> u64 {
        let window = match self.lookback {
            Some(l) => l.min(self.interval),
            None => self.interval,
        };
        window / self.step
    }
}
