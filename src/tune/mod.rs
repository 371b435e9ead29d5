//! `canarysim tune`: the rollout and alarm settings that minimise what a
//! bad release costs while rolling back a healthy one at most
//! `false_rollback_max` of the time (at 95 % confidence).
//!
//! ```text
//!  scenario.toml ─► [tune] (spec) ─► space: the sweep's axes and grid
//!                          │          bad: fault profiles with weights
//!                          ▼ plan: per setting, the healthy arm and one
//!                          │       arm per bad profile, all validated
//!                          ▼ race: rounds of doubling replications with
//!                          │       common random numbers; drops in breach,
//!                          │       identical or dominated settings
//!                          ▼ result: ranked rows, the winner, the confidence
//!                          ▼ export / config / plot: tune.csv, tune.md,
//!                            tune.json, report.md, winner.toml, winner.yaml,
//!                            pareto.svg/png — one atomic folder
//! ```
//!
//! One job per module: `spec` reads `[tune]`, `bounds` holds the
//! statistics the race decides with, `race` the racing algorithm (generic
//! over [`race::Arms`], so it is tested on synthetic settings), `plan` the
//! settings and their scenarios, `result` the ranking, `export` the tables
//! and report, `config` the winner as TOML and CloudFormation/SAM YAML,
//! `pareto` the plot, `output` the folder.

mod bounds;
mod config;
mod export;
mod output;
mod plan;
mod race;
mod result;
mod spec;

pub use self::bounds::{cp_lower, cp_upper, DECISION_LEVEL};
pub use self::export::{terminal, verdict};
pub use self::output::{default_out_dir, write_outputs, TUNE_CSV, TUNE_FILES};
pub use self::plan::{load, plan_from_text, Setting, TunePlan};
pub use self::race::{race, Arms, DropReason, Lane, RaceConfig, RaceResult, RunObs, Stop};
pub use self::result::{tune_result, Ranking, Row, Status, TuneResult};
pub use self::spec::{BadProfile, Objective, TuneSpec, TUNE_KEYS};

use crate::run::{thread_pool, Error};

/// Races the plan's settings on `threads` workers (None = all cores) and
/// ranks them. The result does not depend on the thread count.
pub fn run(plan: &TunePlan, threads: Option<usize>) -> Result<TuneResult, Error> {
    let cfg = plan.race_config();
    let raced = match thread_pool(threads)? {
        None => race(plan, &cfg),
        Some(pool) => pool.install(|| race(plan, &cfg)),
    };
    Ok(tune_result(plan, &cfg, raced))
}
