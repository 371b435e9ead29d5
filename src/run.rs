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
    pub sampling: Option<crate::model::Sampling>,
}

/// Loads and validates a scenario, then applies overrides. A `[sweep]`
/// table is ignored here (it is for `canarysim sweep`): the file's own
/// values are the scenario.
pub fn load_scenario(path: &Path, overrides: &Overrides) -> Result<Scenario, Error> {
    let (text, file, mut doc) = read_document(path)?;
    if let Some(table) = doc.as_table_mut() {
        table.remove("sweep");
    }
    let mut sc = scenario::from_value(doc, &text, &file)?;
    apply_overrides(&mut sc, overrides)?;
    Ok(sc)
}

/// Reads and parses a scenario file without validating it: (text, file
/// name as shown in errors, document).
pub fn read_document(path: &Path) -> Result<(String, String, toml::Value), Error> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io {
        file: file.clone(),
        source,
    })?;
    let doc = scenario::parse_document(&text, &file)?;
    Ok((text, file, doc))
}

/// Applies command-line overrides to a validated scenario.
pub fn apply_overrides(sc: &mut Scenario, overrides: &Overrides) -> Result<(), Error> {
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
    if let Some(sampling) = overrides.sampling {
        sc.sampling = sampling;
    }
    Ok(())
}

/// A rayon pool of `threads` workers, or `None` for the global pool (all
/// cores).
pub fn thread_pool(threads: Option<usize>) -> Result<Option<rayon::ThreadPool>, Error> {
    match threads {
        None => Ok(None),
        Some(0) => Err(Error::Usage("--threads must be at least 1".into())),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map(Some)
            .map_err(|e| Error::Internal(format!("cannot start {n} threads: {e}"))),
    }
}

/// Runs the Monte Carlo on `threads` workers (None = all cores).
pub fn simulate(sc: &Scenario, threads: Option<usize>) -> Result<RunResults, Error> {
    Ok(match thread_pool(threads)? {
        None => run_all(sc),
        Some(pool) => pool.install(|| run_all(sc)),
    })
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
