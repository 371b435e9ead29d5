//! End-to-end tests: one integration binary with a module per feature.

mod analytic;
mod architecture;
mod argo_flagger;
mod bad_scenarios;
mod cli;
mod determinism;
mod equivalence;
mod golden;
mod handled_failures;
mod import;
mod judge_argo_flagger;
mod judges;
mod kayenta;
mod metric_math;
mod outputs;
mod properties;
mod readme;
mod replay;
mod robustness;
mod schema;
mod shipped_scenarios;
mod support;
mod sweep;
mod tune;
mod warmup;
