//! End-to-end tests: one integration binary with a module per feature.

mod analytic;
mod cli;
mod determinism;
mod equivalence;
mod shipped_scenarios;
mod support;
