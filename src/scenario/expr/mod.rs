//! Metric math expressions (`errors / invocations * 100`), statistics
//! (`Sum`, `p99`) and log metric filter patterns (`{ $.statusCode > 400 }`).
//!
//! One file each: `names` (statistics and metric names), `parser`
//! (expressions), `filter` (patterns); this file re-exports them.

mod filter;
mod names;
mod parser;

pub use filter::{parse_filter_pattern, PATTERN_HINT};
pub use names::{
    metric_hint, metric_name, parse_statistic, resolve_metric, statistic_name, STATISTIC_HINT,
};
pub use parser::parse_expression;
