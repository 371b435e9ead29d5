//! canarysim: a discrete-event Monte Carlo simulator of deployment strategies.
pub mod alarm;
pub mod cli;
pub mod engine;
pub mod faults;
pub mod metrics;
pub mod model;
pub mod montecarlo;
pub mod plan;
pub mod record;
pub mod report;
pub mod scenario;
pub mod seed;
pub mod stats;
pub mod strategy;
pub mod sweep;
pub mod time;
pub mod traffic;
pub mod version;
pub mod warnings;

pub mod commands;
pub mod run;
#[cfg(test)]
pub(crate) mod testkit;

pub use commands::execute;
pub use run::Error;
pub mod fast;
pub mod plot;
