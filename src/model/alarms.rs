//! CloudWatch metric alarms: what an alarm reads (function, scope, metric
//! math, period) and its rule (`crate::alarm::AlarmRule`).

use super::judge::RequestGuard;
use super::metric_math::Expr;
use super::metrics::Scope;
use crate::alarm::{AlarmRule, Comparison};
use crate::sim::time::Micros;

/// A CloudWatch metric alarm on one scope.
#[derive(Debug, Clone, PartialEq)]
pub struct AlarmSpec {
    pub name: String,
    /// Index into `Scenario::functions` of the function whose metrics the
    /// alarm reads (0 in a single-function scenario).
    pub function: usize,
    pub scope: Scope,
    pub expr: Expr,
    /// Human-readable form of `expr` for reports.
    pub expr_text: String,
    pub period: Micros,
    pub rule: AlarmRule,
    pub low_sample_count: LowSampleCount,
    /// `min_requests` / `on_inconclusive`: requests of the scope over the
    /// last `evaluation_periods` periods read (`crate::judge::cloudwatch`).
    pub guard: RequestGuard,
}

impl AlarmSpec {
    pub fn comparison(&self) -> Comparison {
        self.rule.comparison
    }
}

/// Whether low-sample percentile datapoints change the alarm state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LowSampleCount {
    Evaluate,
    Ignore,
}
