//! canarysim: a discrete-event Monte Carlo simulator of deployment
//! strategies — how fast a bad release is rolled back, how many requests
//! fail first, how often a healthy release is rolled back by noise.
//!
//! # The pipeline
//!
//! ```no_run
//! use std::path::Path;
//!
//! // 1. Load and validate a scenario (errors name the file, line and key).
//! let sc = canarysim::load_scenario(Path::new("scenarios/error_spike.toml"), &Default::default())?;
//! // 2. Simulate every replication of every strategy (rayon).
//! let results = canarysim::run_all(&sc);
//! // 3. Summarise each strategy's runs (populations stated per column).
//! let summaries = canarysim::summarize(&results.runs);
//! for s in &summaries {
//!     println!("{}: {:.1} % of {} runs rolled back", s.strategy, 100.0 * s.rollback_rate, s.reps);
//! }
//! # Ok::<(), canarysim::Error>(())
//! ```
//!
//! [`run::run_and_write`] does all of it and writes the run's files as one
//! set; [`sweep`] runs a grid of scenario variants; [`plot`] draws the
//! charts; [`alarm`] is the CloudWatch alarm evaluator on its own.
//!
//! # Determinism
//!
//! Each replication's random streams derive only from (scenario seed,
//! strategy name, replication index); results are collected and aggregated
//! in index order. The same scenario and seed give byte-identical outputs at
//! any thread count.
//!
//! The module map and data flow are in `docs/ARCHITECTURE.md`. Everything
//! not reachable from here is internal to the crate.

pub mod alarm;
pub mod import;
pub mod model;
pub mod montecarlo;
pub mod plan;
pub mod plot;
pub mod record;
pub mod report;
pub mod run;
pub mod scenario;
pub mod stats;
pub mod sweep;
pub mod tune;
pub mod warnings;

mod failure;
mod faults;
mod judge;
mod logfilter;
mod metric_math;
mod metrics;
mod replay;
mod saga;
mod seed;
mod sim;
mod strategy;
mod traffic;
mod version;
mod world;

#[cfg(test)]
mod testkit;

/// Kayenta's pure rules (Mann-Whitney test, classifier, scorer), public so
/// `canarysim judge kayenta` replays exactly what the judge decides.
pub mod kayenta {
    pub use crate::judge::kayenta::{classifier, mann_whitney, replay, scorer};
}

/// The pure decision rules of the judges, for `canarysim judge`.
pub mod judge_rules {
    pub use crate::judge::{argo_rules as argo, flagger_rules as flagger};
}
pub use montecarlo::{run_all, RunResults};
pub use record::{Outcome, RunRecord, Trigger};
pub use report::{summarize, Summary};
pub use run::{load_scenario, Error, Overrides};
pub use scenario::ScenarioError;
pub use sim::time;
pub use world::{run_replication, ReplicationOptions, ReplicationOutput};

/// `canarysim judge sequential`'s replay (the sequential judge's pure rule).
pub use judge::{sequential_replay, sequential_rule};
