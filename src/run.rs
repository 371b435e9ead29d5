//! The `run` pipeline: load → apply overrides → simulate → summarise →
//! write files atomically. Callable from tests and benches; `main.rs` only
//! maps its errors to exit codes.

use std::path::{Path, PathBuf};

use crate::model::Scenario;
use crate::montecarlo::{run_all, RunResults};
use crate::report::{self, ReportError, Summary};
use crate::scenario::{self, ScenarioError};

/// Most replications a run accepts (also the scenario limit).
pub const MAX_REPLICATIONS: u32 = 10_000_000;

/// Every failure the library reports, with its exit code.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Scenario(#[from] ScenarioError),
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Report(#[from] ReportError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// 2 for bad input (scenario or arguments), 1 for everything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Scenario(_) | Error::Usage(_) => 2,
            Error::Report(_) | Error::Internal(_) => 1,
        }
    }
}

/// Command-line overrides of scenario values.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub replications: Option<u32>,
    pub seed: Option<u64>,
}

/// Loads and validates a scenario, then applies overrides.
pub fn load_scenario(path: &Path, overrides: &Overrides) -> Result<Scenario, Error> {
    let mut sc = scenario::load(path)?;
    if let Some(reps) = overrides.replications {
        if reps == 0 || reps > MAX_REPLICATIONS {
            return Err(Error::Usage(format!(
                "--reps {reps}: replications must be between 1 and {MAX_REPLICATIONS}"
            )));
        }
        sc.replications = reps;
    }
    if let Some(seed) = overrides.seed {
        sc.seed = seed;
    }
    Ok(sc)
}

/// Runs the Monte Carlo on `threads` workers (None = all cores).
pub fn simulate(sc: &Scenario, threads: Option<usize>) -> Result<RunResults, Error> {
    match threads {
        None => Ok(run_all(sc)),
        Some(0) => Err(Error::Usage("--threads must be at least 1".into())),
        Some(n) => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .map_err(|e| Error::Internal(format!("cannot start {n} threads: {e}")))?;
            Ok(pool.install(|| run_all(sc)))
        }
    }
}

/// What a finished run produced.
#[derive(Debug, Clone)]
pub struct RunOutput {
    pub summaries: Vec<Summary>,
    pub out_dir: PathBuf,
    pub files: Vec<PathBuf>,
}

/// The default output folder: `out/<scenario name>/`.
pub fn default_out_dir(sc: &Scenario) -> PathBuf {
    Path::new("out").join(&sc.name)
}

/// Simulates `sc` and writes its CSV files into `out_dir` atomically.
pub fn run_and_write(
    sc: &Scenario,
    out_dir: &Path,
    threads: Option<usize>,
) -> Result<RunOutput, Error> {
    let results = simulate(sc, threads)?;
    let summaries = report::summarize(&results.runs);
    let alarm_names: Vec<String> = sc.alarms.iter().map(|a| a.name.clone()).collect();
    let files = report::write_outputs(
        out_dir,
        &alarm_names,
        &results.runs,
        &summaries,
        &results.timeline,
        &results.events,
    )?;
    Ok(RunOutput {
        summaries,
        out_dir: out_dir.to_path_buf(),
        files,
    })
}
