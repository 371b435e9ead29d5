//! Metric math expressions (`errors / invocations * 100`,
//! `IF(invocations > 20, errors / invocations * 100, 0)`), statistics
//! (`Sum`, `p99`) and log metric filter patterns (`{ $.statusCode > 400 }`).
//!
//! One file each: `names` (statistics and metric names), `lexer` and
//! `parser` (expressions), `calls` (the functions IF, FILL, MIN, MAX, ABS),
//! `display` (an expression written back as text), `filter` (patterns);
//! this file re-exports them.

mod calls;
mod display;
mod filter;
mod lexer;
mod names;
mod parser;

pub use display::expr_text;
pub use filter::{parse_filter_pattern, PATTERN_HINT};
pub use names::{
    metric_hint, metric_name, parse_statistic, resolve_metric, statistic_name, STATISTIC_HINT,
};
pub use parser::parse_expression;
