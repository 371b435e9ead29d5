//! The `run` pipeline: load → apply overrides → check limits → simulate →
//! summarise → write files (CSVs and `run.toml`) atomically. Callable from
//! tests and benches; `main.rs` only maps its errors to exit codes.

use std::path::{Path, PathBuf};

use crate::model::{Sampling, Scenario};
use crate::montecarlo::{run_all, RunResults};
use crate::report::run_toml::METADATA_TABLE;
use crate::report::{self, AtomicFileSet, Metadata, ReportError, RunToml, Summary, RUN_TOML};
use crate::scenario::{self, ScenarioError, MAX_REPLICATIONS};
use crate::sim::time::Micros;
use crate::traffic::RateFn;

/// Every failure the library reports. The binary maps each variant to an
/// exit code (bad input: `Scenario`, `Usage`; a stopped sweep:
/// `Interrupted*`; everything else is internal).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Scenario(#[from] ScenarioError),
    #[error("{0}")]
    Usage(String),
    /// A template `canarysim import` cannot read, or a bad import option.
    #[error("{0}")]
    Import(#[from] crate::import::ImportError),
    #[error("{0}")]
    Report(#[from] ReportError),
    #[error("internal error: {0}")]
    Internal(String),
    /// A sweep stopped early on request; the message says how to resume.
    #[error("{0}")]
    Interrupted(String),
    /// A sweep stopped at once on a second request (a second Ctrl-C),
    /// between two appends to `sweep.csv`; the message says how to resume.
    /// The binary prints it as is, not as an error.
    #[error("{0}")]
    InterruptedNow(String),
}

/// Command-line overrides of scenario values.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub replications: Option<u32>,
    pub seed: Option<u64>,
    pub sampling: Option<crate::model::Sampling>,
}

impl Overrides {
    /// These overrides completed by what a `run.toml` records: its `mode`
    /// unless `--mode` was given, and its `seed` when the document has no
    /// top-level `seed` (seeds above 2^63 − 1) and `--seed` was not given.
    pub fn with_recorded(&self, doc: &ScenarioDocument) -> Overrides {
        let Some(meta) = &doc.metadata else {
            return self.clone();
        };
        let has_seed = doc.value.get("seed").is_some();
        Overrides {
            replications: self.replications,
            seed: self.seed.or(if has_seed { None } else { meta.seed }),
            sampling: self.sampling.or(meta.mode),
        }
    }
}

/// A scenario file read and parsed but not validated, with the
/// `[canarysim]` table of a `run.toml` taken out.
#[derive(Debug, Clone)]
pub struct ScenarioDocument {
    pub text: String,
    /// The file as named in messages.
    pub file: String,
    /// The document without `[canarysim]` (a `[sweep]` table stays).
    pub value: toml::Value,
    /// The `[canarysim]` table, when the file is a `run.toml`.
    pub metadata: Option<Metadata>,
}

/// Reads and parses a scenario file without validating it; a
/// `[canarysim]` metadata table (see [`crate::report::run_toml`]) is
/// checked and removed.
pub fn read_document(path: &Path) -> Result<ScenarioDocument, Error> {
    let file = path.display().to_string();
    let text = scenario::read_text(path)?;
    document_from_text(text, file)
}

/// [`read_document`] from text already read.
pub fn document_from_text(text: String, file: String) -> Result<ScenarioDocument, Error> {
    let mut value = scenario::parse_document(&text, &file)?;
    let metadata =
        match value.as_table_mut().and_then(|t| t.remove(METADATA_TABLE)) {
            None => None,
            Some(table) => Some(Metadata::from_value(&table).map_err(|(key, message)| {
                ScenarioError::Invalid {
                    file: file.clone(),
                    key,
                    line: None,
                    message,
                }
            })?),
        };
    Ok(ScenarioDocument {
        text,
        file,
        value,
        metadata,
    })
}

/// A validated scenario with the document it was resolved from.
#[derive(Debug, Clone)]
pub struct LoadedScenario {
    pub scenario: Scenario,
    /// The resolved document (see [`resolved_document`]): what `run.toml`
    /// records.
    pub document: toml::Value,
    /// The scenario file's header comment (its question), for `report.md`.
    pub question: Option<String>,
}

/// Loads and validates a scenario, then applies overrides. A `[sweep]`
/// table is ignored here (it is for `canarysim sweep`): the file's own
/// values are the scenario. A `run.toml` loads like any scenario file.
pub fn load_scenario(path: &Path, overrides: &Overrides) -> Result<Scenario, Error> {
    load(path, overrides).map(|l| l.scenario)
}

/// [`load_scenario`], keeping the resolved document for `run.toml`.
pub fn load(path: &Path, overrides: &Overrides) -> Result<LoadedScenario, Error> {
    let mut doc = read_document(path)?;
    let overrides = overrides.with_recorded(&doc);
    if let Some(table) = doc.value.as_table_mut() {
        table.remove("sweep");
        table.remove("tune");
    }
    let mut sc = scenario::from_value(doc.value.clone(), &doc.text, &doc.file)?;
    apply_overrides(&mut sc, &overrides)?;
    let document = resolved_document(&doc.value, &sc);
    Ok(LoadedScenario {
        scenario: sc,
        document,
        question: report::header_comment(&doc.text),
    })
}

/// `doc` with the values every run depends on written out: `name`, `seed`
/// (when it fits a TOML integer; else `run.toml` records it in
/// `[canarysim]`) and `replications`, as resolved in `sc`. Loading the
/// result (named anything) gives `sc` again.
pub fn resolved_document(doc: &toml::Value, sc: &Scenario) -> toml::Value {
    let mut doc = doc.clone();
    if let Some(table) = doc.as_table_mut() {
        table.insert("name".into(), toml::Value::String(sc.name.clone()));
        match i64::try_from(sc.seed) {
            Ok(seed) => table.insert("seed".into(), toml::Value::Integer(seed)),
            Err(_) => table.remove("seed"),
        };
        table.insert(
            "replications".into(),
            toml::Value::Integer(i64::from(sc.replications)),
        );
    }
    doc
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

/// Simulated requests per second one core sustains in exact mode: the
/// kernel's design target (the benchmarks measure 30–90 M/s; README
/// "Performance"). Used only to estimate how long an exact run takes.
pub const EXACT_REQUESTS_PER_CORE_S: f64 = 20e6;

/// Longest estimated exact-mode run accepted without `--yes`: one hour.
pub const EXACT_BUDGET_S: f64 = 3600.0;

/// Expected requests of one replication: Σ over functions of the integral
/// of the request rate (base rate × diurnal curve × bursts) over the
/// horizon, plus the alarms' warm-up before t = 0 (`[metrics] warmup`, at
/// the rate of t = 0, or a replay's data before `start_at`). Requests do not stop at a rollback (stable serves
/// them), so this is what exact mode draws.
pub fn expected_requests_per_replication(sc: &Scenario) -> f64 {
    sc.functions
        .iter()
        .map(|f| {
            let rate = RateFn::new(&f.traffic);
            let warmup = sc.metrics.warmup;
            rate.before_start(warmup).integral(Micros::ZERO, warmup)
                + rate.integral(Micros::ZERO, sc.horizon)
        })
        .sum()
}

/// Expected requests of a whole run: strategies × replications × the
/// requests of one replication.
pub fn expected_requests(sc: &Scenario) -> f64 {
    sc.strategies.len() as f64 * f64::from(sc.replications) * expected_requests_per_replication(sc)
}

/// The worker count a run uses: `threads`, else the global pool's size.
pub fn worker_count(threads: Option<usize>) -> usize {
    threads.unwrap_or_else(rayon::current_num_threads).max(1)
}

/// The cores a run can actually use: the worker count, but never more than
/// the machine has ([`std::thread::available_parallelism`]): `--threads 64`
/// on 2 cores runs no faster than 2 threads, so work estimates use this.
pub fn effective_cores(threads: Option<usize>) -> usize {
    let available = std::thread::available_parallelism().map_or(1, |n| n.get());
    worker_count(threads).min(available).max(1)
}

/// Expected requests one replication draws one by one: every request in
/// exact mode; in fast mode only what it cannot sample from distributions
/// (README "Sampling modes"): conservatively every request when a
/// percentile alarm may read a mixed latency population, plus the pending
/// cold-start requests.
pub fn per_request_work_per_replication(sc: &Scenario) -> f64 {
    let all = expected_requests_per_replication(sc);
    if sc.sampling == Sampling::Exact {
        return all;
    }
    if sc
        .alarms
        .iter()
        .any(|a| crate::metrics::needs_percentiles(&a.expr))
    {
        return all;
    }
    let cold: f64 = sc
        .functions
        .iter()
        .flat_map(|f| &f.faults)
        .map(|fault| match *fault {
            crate::model::Fault::ColdStart { requests, .. } => requests as f64,
            _ => 0.0,
        })
        .sum();
    cold.min(all)
}

/// Most latency samples one replication may hold at once: a percentile
/// alarm keeps one period's durations (8 bytes each) per replication and
/// worker. 25 M samples = 200 MB per worker.
pub const MAX_PERIOD_SAMPLES: f64 = 25e6;

/// Refuses (exit 2) scenarios whose percentile alarms would hold more than
/// [`MAX_PERIOD_SAMPLES`] durations of one period in memory: peak request
/// rate × the alarm's period. Not skipped by `--yes` (it would run out of
/// memory, not just take long).
pub fn check_memory(sc: &Scenario) -> Result<(), Error> {
    for alarm in &sc.alarms {
        if !crate::metrics::needs_percentiles(&alarm.expr) {
            continue;
        }
        let Some(f) = sc.functions.get(alarm.function) else {
            continue;
        };
        let peak = RateFn::new(&f.traffic).max_rate(Micros::ZERO, sc.horizon);
        let samples = peak * alarm.period.as_f64() / 1e6;
        if samples > MAX_PERIOD_SAMPLES {
            return Err(Error::Usage(format!(
                "alarms.{}: a percentile alarm keeps every duration of a period in memory; at a peak of {} requests/s over its period of {} that is about {} samples, more than the limit of {} (200 MB per worker); use a shorter period, a lower rate_per_s, or a Maximum/Average statistic",
                alarm.name,
                approx(peak),
                crate::scenario::format_duration(alarm.period),
                approx(samples),
                approx(MAX_PERIOD_SAMPLES),
            )));
        }
    }
    Ok(())
}

/// Refuses (exit 2) a run of `scenarios` (a run's scenario, or the grid
/// points a sweep will run) whose requests drawn one by one (every request
/// in exact mode, the fallbacks of fast mode: see
/// [`per_request_work_per_replication`]) would take longer than
/// [`EXACT_BUDGET_S`] at [`EXACT_REQUESTS_PER_CORE_S`] per core on `cores`
/// cores (use [`effective_cores`]). `what` names the run in the message
/// ("this run", "the 8 grid points this sweep runs").
pub fn check_exact_budget(scenarios: &[&Scenario], cores: usize, what: &str) -> Result<(), Error> {
    let per_rep_each: Vec<(f64, &&Scenario)> = scenarios
        .iter()
        .map(|sc| (per_request_work_per_replication(sc), sc))
        .filter(|(w, _)| *w > 0.0)
        .collect();
    let requests: f64 = per_rep_each
        .iter()
        .map(|(w, sc)| w * sc.strategies.len() as f64 * f64::from(sc.replications))
        .sum();
    let capacity = EXACT_REQUESTS_PER_CORE_S * cores as f64;
    let seconds = requests / capacity;
    if seconds <= EXACT_BUDGET_S {
        return Ok(());
    }
    let all_exact = per_rep_each
        .iter()
        .all(|(_, sc)| sc.sampling == Sampling::Exact);
    let per_rep: f64 = per_rep_each
        .iter()
        .map(|(w, sc)| sc.strategies.len() as f64 * w)
        .sum();
    let max_reps = (EXACT_BUDGET_S * capacity / per_rep).floor();
    let reps_hint = if max_reps >= 1.0 {
        format!("fewer --reps (at most {max_reps} fit in the limit)")
    } else {
        "a shorter horizon or a lower rate (not even one replication fits)".to_owned()
    };
    let (mode, fix) = if all_exact {
        (
            "exact mode",
            "use --mode fast (its cost does not grow with the request rate) or ",
        )
    } else {
        (
            "fast mode, falling back to per-request sampling (percentile alarms over mixed latencies, pending cold starts),",
            "use ",
        )
    };
    Err(Error::Usage(format!(
        "{mode} would simulate about {} requests for {what}, about {} at {} M requests/s \
         per core on {cores} core{} (the limit without --yes is {}); {fix}{reps_hint}, or add --yes to run it anyway",
        approx(requests),
        approx_duration(seconds),
        EXACT_REQUESTS_PER_CORE_S / 1e6,
        if cores == 1 { "" } else { "s" },
        approx_duration(EXACT_BUDGET_S),
    )))
}

/// `3.6e12` style, two significant digits (exact below 10,000).
fn approx(x: f64) -> String {
    if x < 1e4 {
        format!("{}", x.round())
    } else {
        let text = format!("{x:.1e}");
        text.replace(".0e", "e")
    }
}

/// `40 min`, `3.5 h`, `12 days`.
fn approx_duration(seconds: f64) -> String {
    let round1 = |x: f64| {
        let r = (x * 10.0).round() / 10.0;
        if r >= 10.0 {
            format!("{}", r.round())
        } else {
            format!("{r}")
        }
    };
    if seconds < 3600.0 {
        format!("{} min", round1(seconds / 60.0))
    } else if seconds < 48.0 * 3600.0 {
        format!("{} h", round1(seconds / 3600.0))
    } else {
        format!("{} days", round1(seconds / 86_400.0))
    }
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
    /// What fast mode sampled per request ([`crate::world::fallback_notes`]),
    /// for a note on stderr.
    pub notes: Vec<&'static str>,
    pub out_dir: PathBuf,
    pub files: Vec<PathBuf>,
}

/// Checks, before anything is simulated, that `dir` can be the output
/// folder: it is a folder or can be created as one (no component is a file,
/// `/dev/null` or too long a name). `what` names where the path came from
/// in the message: `--out` or the scenario's `name`.
pub fn check_out_dir(dir: &Path, what: &str) -> Result<(), Error> {
    let refuse = |why: String| {
        Error::Usage(format!(
            "{what}: {} cannot be the output folder: {why}; choose a folder that exists or can be created",
            dir.display()
        ))
    };
    for component in dir.components() {
        if component.as_os_str().len() > 255 {
            return Err(refuse("a path component is longer than 255 bytes".into()));
        }
    }
    let mut ancestor = Some(dir);
    while let Some(a) = ancestor {
        let a = if a.as_os_str().is_empty() {
            Path::new(".")
        } else {
            a
        };
        match std::fs::metadata(a) {
            Ok(meta) if meta.is_dir() => {
                if meta.permissions().readonly() {
                    return Err(refuse(format!("{} is read-only", a.display())));
                }
                return Ok(());
            }
            Ok(_) if a == dir => return Err(refuse("it exists and is not a folder".into())),
            Ok(_) => return Err(refuse(format!("{} is a file, not a folder", a.display()))),
            // Not found, or a component above is a file (reported when the
            // walk reaches it).
            Err(_) => {}
        }
        ancestor = a.parent();
    }
    Ok(())
}

/// The default output folder: `out/<scenario name>/`.
pub fn default_out_dir(sc: &Scenario) -> PathBuf {
    Path::new("out").join(&sc.name)
}

/// The `run.toml` of a run of `loaded`, started by `command` (argv).
pub fn run_toml(
    loaded: &LoadedScenario,
    command: &[String],
    threads: Option<usize>,
) -> Result<String, Error> {
    let sc = &loaded.scenario;
    RunToml {
        version: report::run_toml::VERSION,
        command,
        mode: sc.sampling,
        seed: sc.seed,
        replications: sc.replications,
        threads: Some(worker_count(threads)),
        scenario: &loaded.document,
        sweep_table: None,
        sweep: None,
    }
    .render()
    .map_err(Error::Internal)
}

/// Simulates `sc` and writes its CSV files, and `run_toml` when given, into
/// `out_dir` as one atomic set.
pub fn run_and_write(
    sc: &Scenario,
    out_dir: &Path,
    threads: Option<usize>,
    run_toml: Option<&str>,
) -> Result<RunOutput, Error> {
    run_and_write_with(sc, out_dir, threads, run_toml, |_, _, _| Ok(Vec::new()))
}

/// [`run_and_write`], with `extra` adding files (plots rendered from the
/// staged CSVs in [`AtomicFileSet::staging_dir`]) to the same set before
/// it is committed; the paths it returns are listed after the CSVs.
pub fn run_and_write_with<F>(
    sc: &Scenario,
    out_dir: &Path,
    threads: Option<usize>,
    run_toml: Option<&str>,
    extra: F,
) -> Result<RunOutput, Error>
where
    F: FnOnce(&mut AtomicFileSet, &[Summary], &[report::AlarmStart]) -> Result<Vec<PathBuf>, Error>,
{
    let results = simulate(sc, threads)?;
    let summaries = report::summarize(&results.runs);
    // Timeline columns: every judge of the world, alarms first.
    let alarm_names: Vec<String> = sc.judge_names();
    let mut set = AtomicFileSet::replace(out_dir)?;
    set.write_with(report::RUNS_CSV, |w| report::write_runs(w, &results.runs))?;
    set.write_with(report::SUMMARY_CSV, |w| {
        report::write_summary(w, &summaries)
    })?;
    set.write_with(report::TIMELINE_CSV, |w| {
        report::write_timeline(w, &alarm_names, &results.timeline)
    })?;
    set.write_with(report::EVENTS_CSV, |w| {
        report::write_events(w, &results.events)
    })?;
    if let Some(text) = run_toml {
        set.write_bytes(RUN_TOML, text.as_bytes())?;
    }
    // CloudWatch alarms only: their warm-up history is what can put one in
    // ALARM at t = 0; a `[judges]` judge starts without one.
    let cloudwatch: Vec<String> = sc.alarms.iter().map(|a| a.name.clone()).collect();
    let alarm_start = report::alarm_start(&cloudwatch, &results.runs);
    extra(&mut set, &summaries, &alarm_start)?;
    let files = set.commit()?;
    Ok(RunOutput {
        summaries,
        notes: crate::world::fallback_notes(results.fallbacks),
        out_dir: out_dir.to_path_buf(),
        files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(tail: &str) -> Scenario {
        let text = format!(
            "horizon = \"1h\"\nreplications = 100\n[traffic]\nrate_per_s = 1000\n{tail}\n\
             [alarms.e]\nexpression = \"errors / invocations * 100\"\ncomparison = \">=\"\n\
             threshold = 5\nevaluation_periods = 2\n\
             [strategies.a]\nconfig = \"AllAtOnce\"\n[strategies.b]\nconfig = \"AllAtOnce\"\n"
        );
        let doc = document_from_text(text, "t.toml".into()).unwrap();
        scenario::from_value(doc.value, &doc.text, &doc.file).unwrap()
    }

    #[test]
    fn expected_requests_integrate_the_rate_with_bursts() {
        let sc = scenario("");
        // One hour at 1000 req/s plus the default warm-up, 300 s (alarm e:
        // 60 s × E = 4 + 60 s ingestion delay).
        assert_eq!(sc.metrics.warmup, crate::sim::time::secs(300));
        assert_eq!(expected_requests_per_replication(&sc), 3_900_000.0);
        assert_eq!(expected_requests(&sc), 2.0 * 100.0 * 3_900_000.0);
        // A 10-minute burst ×3 adds 2 × 600 s × 1000 req/s.
        let sc =
            scenario("[[traffic.bursts]]\nstart = \"10m\"\nduration = \"10m\"\nmultiplier = 3");
        assert_eq!(
            expected_requests_per_replication(&sc),
            3_900_000.0 + 1_200_000.0
        );
    }

    #[test]
    fn exact_budget_refuses_long_exact_runs_only() {
        let mut sc = scenario("");
        sc.sampling = Sampling::Exact;
        // Without the alarms' warm-up (it adds its requests, see above).
        sc.metrics.warmup = Micros::ZERO;
        // 7.2e8 requests: 36 s on one core.
        assert!(check_exact_budget(&[&sc], 1, "this run").is_ok());
        sc.replications = 10_000_000;
        let err = check_exact_budget(&[&sc], 2, "this run").unwrap_err();
        assert!(
            matches!(err, Error::Usage(_) | Error::Scenario(_)),
            "{err:?}"
        );
        let m = err.to_string();
        assert!(
            m.starts_with("exact mode would simulate about 7.2e13 requests for this run, about 21 days at 20 M requests/s per core on 2 cores (the limit without --yes is 1 h)"),
            "{m}"
        );
        assert!(m.contains("--mode fast"), "{m}");
        assert!(m.contains("at most 20000 fit"), "{m}");
        assert!(m.contains("--yes"), "{m}");
        sc.sampling = Sampling::Fast;
        assert!(check_exact_budget(&[&sc], 1, "this run").is_ok());
    }

    #[test]
    fn numbers_are_approximate() {
        assert_eq!(approx(1234.4), "1234");
        assert_eq!(approx(3.6e12), "3.6e12");
        assert_eq!(approx(7.0e13), "7e13");
        assert_eq!(approx_duration(90.0), "1.5 min");
        assert_eq!(approx_duration(3600.0 * 25.5), "26 h");
        assert_eq!(approx_duration(3600.0 * 2.25), "2.3 h");
        assert_eq!(approx_duration(86_400.0 * 3.0), "3 days");
    }

    #[test]
    fn metadata_table_is_stripped_and_applied() {
        let text = "horizon = \"1h\"\n[traffic]\nrate_per_s = 1\n[strategies.a]\nconfig = \"AllAtOnce\"\n\
                    [canarysim]\nmode = \"exact\"\nseed = \"18446744073709551615\"\nversion = \"0\"\n";
        let doc = document_from_text(text.into(), "run.toml".into()).unwrap();
        assert!(doc.value.get("canarysim").is_none());
        let o = Overrides::default().with_recorded(&doc);
        assert_eq!(o.sampling, Some(Sampling::Exact));
        assert_eq!(o.seed, Some(u64::MAX));
        // The command line wins; a top-level seed wins over the record.
        let cli = Overrides {
            sampling: Some(Sampling::Fast),
            ..Overrides::default()
        };
        assert_eq!(cli.with_recorded(&doc).sampling, Some(Sampling::Fast));
        let with_seed = text.replace("horizon", "seed = 4\nhorizon");
        let doc = document_from_text(with_seed, "run.toml".into()).unwrap();
        assert_eq!(Overrides::default().with_recorded(&doc).seed, None);
        let bad = text.replace("\"exact\"", "\"slow\"");
        let err = document_from_text(bad, "run.toml".into()).unwrap_err();
        assert!(
            matches!(err, Error::Usage(_) | Error::Scenario(_)),
            "{err:?}"
        );
        assert!(err.to_string().contains("canarysim.mode"), "{err}");
    }
}
