//! canarysim: a discrete-event Monte Carlo simulator of deployment strategies.
pub mod alarm;
pub mod faults;
pub mod metrics;
pub mod model;
pub mod montecarlo;
pub mod plan;
pub mod record;
pub mod report;
pub mod scenario;
pub mod seed;
pub mod sim;
pub mod stats;
pub mod strategy;
pub mod sweep;
pub use sim::time;
pub mod judge;
pub mod traffic;
pub mod version;
pub mod warnings;
pub mod world;

pub mod run;
#[cfg(test)]
pub(crate) mod testkit;

pub use run::Error;
pub mod plot;
