//! Command-line definitions (clap derive), on the binary's side: `main.rs`
//! parses these and `commands` calls the library with them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Simulate deployment strategies (CodeDeploy, API Gateway canary stages, VPC
/// Lattice weights, step plans; CloudWatch alarms) and report rollback detection time, bad-request
/// exposure, false-rollback rate and deployment duration.
#[derive(Debug, Parser)]
#[command(name = "canarysim", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run every strategy of a scenario and write runs.csv, summary.csv,
    /// timeline.csv and events.csv (the default when the first argument is a file).
    Run(RunArgs),
    /// Check a scenario and print its plan without simulating.
    Validate(ValidateArgs),
    /// Replay a datapoint series through one CloudWatch alarm.
    Alarm(AlarmArgs),
    /// Replay a series through one judge (argo, flagger, kayenta, sequential).
    #[command(subcommand)]
    Judge(JudgeCommand),
    /// Redraw plots from the CSV files of an earlier run or sweep.
    Plot(PlotArgs),
    /// Run every strategy over a grid of scenario values (--set or a [sweep]
    /// table) and write sweep.csv, alarms.csv and the trade-off plots.
    Sweep(SweepArgs),
    /// Recommend the settings (alarm thresholds, periods, deployment
    /// configuration, ...) that minimise what a bad release costs within a
    /// false-rollback budget, by racing a [tune] space with common random
    /// numbers; writes tune.csv, tune.md, tune.json, report.md, the winner as
    /// TOML and CloudFormation/SAM YAML, and the Pareto plot.
    Tune(TuneArgs),
    /// Combine the output folders of the shards of one sweep (`sweep --shard
    /// K/N`) into the sweep.csv a single run writes, then draw its plots.
    Merge(MergeArgs),
    /// Print the JSON Schema of scenario files (for editors: Taplo / Even
    /// Better TOML `#:schema` directive).
    Schema,
    /// Print a shell completion script: bash, zsh or fish.
    Completions(CompletionsArgs),
    /// Turn a SAM, CloudFormation or `cdk synth` template (YAML or JSON)
    /// into a scenario that validates and runs as produced; what the
    /// template does not say (traffic, faults) comes from the options and
    /// is stated in the scenario's header.
    Import(ImportArgs),
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Template file: SAM or CloudFormation YAML (short-form tags such as
    /// !Ref allowed) or JSON (`cdk synth --json`).
    pub template: PathBuf,
    /// Import only this deployed function (its logical id); repeatable.
    /// Default: every deployed function (several make one multi-function
    /// scenario).
    #[arg(long = "function", value_name = "LOGICAL_ID")]
    pub functions: Vec<String>,
    /// Write the scenario to this file (atomically: a temporary file, then
    /// a rename) instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "SCENARIO.toml")]
    pub output: Option<PathBuf>,
    /// Requests per second, Poisson (default 10).
    #[arg(long, value_name = "R", conflicts_with = "traffic")]
    pub rate: Option<f64>,
    /// Replay recorded traffic: writes `[traffic] replay = "FILE"`, the
    /// path relative to the scenario's folder.
    #[arg(long, value_name = "FILE")]
    pub traffic: Option<PathBuf>,
    /// A candidate fault, repeatable: `[FUNCTION:] step_error P% [after D]
    /// [status N]`, `ramp_error A%..B% over D [after D] [status N]`,
    /// `latency_shift +Nms|xF [after D]`. Default: none (a healthy
    /// candidate: every rollback is a false rollback).
    #[arg(long = "fault", value_name = "FAULT")]
    pub faults: Vec<String>,
    /// Simulated time per replication (default: the longest strategy's
    /// nominal duration + 10 minutes).
    #[arg(long, value_name = "DURATION")]
    pub horizon: Option<String>,
    /// Replications per strategy (default: the scenario default, 1000).
    #[arg(long, value_name = "N")]
    pub replications: Option<u32>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// Shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
    #[command(flatten)]
    pub opts: RunOptions,
}

/// Options shared by `run` and `sweep`.
#[derive(Debug, Args)]
pub struct RunOptions {
    /// Replications per strategy (and grid point) (overrides `replications`).
    #[arg(long, allow_negative_numbers = true, value_parser = parse_reps)]
    pub reps: Option<u32>,
    /// Master seed, shared by every grid point (overrides `seed`).
    #[arg(long, allow_negative_numbers = true, value_parser = parse_seed)]
    pub seed: Option<u64>,
    /// Output folder (default: out/<scenario name>/ for run,
    /// out/<scenario name>-sweep/ for sweep).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, allow_negative_numbers = true, value_parser = parse_threads)]
    pub threads: Option<usize>,
    /// Print nothing but errors (also hides the progress bar).
    #[arg(long, short)]
    pub quiet: bool,
    /// Sampling mode: `fast` draws counts and latency statistics from their
    /// exact distributions (cost independent of the rate); `exact` draws
    /// every request.
    #[arg(long, value_enum)]
    pub mode: Option<ModeArg>,
    /// Image format of the plots (plots of the other format left by an
    /// earlier run in the folder are removed).
    #[arg(long, default_value = "svg", value_parser = ["svg", "png"])]
    pub format: String,
    /// Write only the CSV files (and report.md).
    #[arg(long)]
    pub no_plots: bool,
    /// Run even if exact mode is estimated to take more than an hour (or a
    /// sweep has more than --max-points grid points).
    #[arg(long, short)]
    pub yes: bool,
    /// Show every summary column in the terminal table (default: the
    /// columns a decision needs, in under 100 characters).
    #[arg(long)]
    pub wide: bool,
    /// Also write the results as a Markdown table to FILE (`-` = stdout).
    #[arg(long, value_name = "FILE")]
    pub export_markdown: Option<PathBuf>,
    /// Also write the results as JSON to FILE (`-` = stdout): provenance
    /// and every summary row with its confidence bounds.
    #[arg(long, value_name = "FILE")]
    pub export_json: Option<PathBuf>,
}

impl RunOptions {
    /// The scenario values these options override.
    pub fn overrides(&self) -> canarysim::run::Overrides {
        canarysim::run::Overrides {
            replications: self.reps,
            seed: self.seed,
            sampling: self.mode.map(Into::into),
        }
    }
}

/// `--mode` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModeArg {
    Exact,
    Fast,
}

impl From<ModeArg> for canarysim::model::Sampling {
    fn from(m: ModeArg) -> Self {
        match m {
            ModeArg::Exact => canarysim::model::Sampling::Exact,
            ModeArg::Fast => canarysim::model::Sampling::Fast,
        }
    }
}

#[derive(Debug, Args)]
pub struct SweepArgs {
    /// Scenario file (TOML); its [sweep] table, if any, gives the grid.
    pub scenario: PathBuf,
    /// KEY=V1,V2,... with KEY a scenario key path (alarms.error_rate.threshold,
    /// faults[0].error_rate) or `candidate` (healthy,faulty); values may be
    /// ranges A..B:STEP, A..B:log:N, A..B:lin:N. Repeatable; overrides the
    /// [sweep] table for the same key.
    #[arg(long = "set", value_name = "KEY=VALUES")]
    pub set: Vec<String>,
    #[command(flatten)]
    pub opts: RunOptions,
    /// Continue the sweep in the output folder: run only the grid points
    /// missing from its sweep.csv (which must come from the same sweep);
    /// starts afresh when the folder has no sweep.csv.
    #[arg(long)]
    pub resume: bool,
    /// Run only the K-th of N slices of the grid (points i with i mod N =
    /// K − 1), into out/<scenario name>-sweep/shard-K-of-N/ by default; combine
    /// the shards with `canarysim merge`.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<canarysim::sweep::Shard>,
    /// Most grid points a sweep (or shard) runs without --yes.
    #[arg(long, value_name = "N", default_value_t = canarysim::sweep::DEFAULT_MAX_POINTS)]
    pub max_points: usize,
}

#[derive(Debug, Args)]
pub struct TuneArgs {
    /// Scenario file (TOML) with a [tune] table (its [tune.space] gives the
    /// search space).
    pub scenario: PathBuf,
    /// KEY=V1,V2,... or KEY=A..B:STEP (the sweep's syntax): adds to or
    /// replaces the [tune.space] entry for KEY. Repeatable.
    #[arg(long = "set", value_name = "KEY=VALUES")]
    pub set: Vec<String>,
    /// Most simulated runs in all (overrides [tune] budget_replications).
    #[arg(long, value_name = "N")]
    pub budget_replications: Option<u64>,
    /// Output folder (default: out/<scenario name>-tune/).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, allow_negative_numbers = true, value_parser = parse_threads)]
    pub threads: Option<usize>,
    /// Master seed (overrides `seed`).
    #[arg(long, allow_negative_numbers = true, value_parser = parse_seed)]
    pub seed: Option<u64>,
    /// Sampling mode (default: the scenario's, fast).
    #[arg(long, value_enum)]
    pub mode: Option<ModeArg>,
    /// Do not draw the Pareto plot.
    #[arg(long)]
    pub no_plots: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Output folders of the shards, in any order (every K of one N).
    #[arg(required = true, value_name = "SHARD_DIR")]
    pub shards: Vec<PathBuf>,
    /// Output folder (default: out/<scenario name>-sweep/).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Image format of the plots.
    #[arg(long, default_value = "svg", value_parser = ["svg", "png"])]
    pub format: String,
    /// Write only the CSV files.
    #[arg(long)]
    pub no_plots: bool,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct PlotArgs {
    /// Output folder of a run or sweep (holding runs.csv, timeline.csv,
    /// sweep.csv, ...).
    pub dir: PathBuf,
    /// Image format.
    #[arg(long, default_value = "svg", value_parser = ["svg", "png"])]
    pub format: String,
    /// Chart to draw (repeatable): timeline, detection_cdf, exposure,
    /// tradeoff, sweep. Default: every chart whose input file exists.
    #[arg(long = "kind")]
    pub kinds: Vec<String>,
    /// One summary column for a single-panel sweep chart (default: panels
    /// for the healthy candidate's false rollbacks and the faulty one's
    /// detect rate, time to detection and excess bad requests).
    #[arg(long)]
    pub sweep_metric: Option<String>,
    /// Swept key on the x axis of the sweep chart (default: the first numeric one).
    #[arg(long)]
    pub sweep_x: Option<String>,
    /// Summary column on the y axis of the trade-off chart (default
    /// excess_bad_requests_mean; detection_p50_s draws misses as "never").
    #[arg(long)]
    pub tradeoff_y: Option<String>,
    /// Folder to write the plots into (default: DIR itself).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Title of the chart(s), replacing the default one.
    #[arg(long)]
    pub title: Option<String>,
    /// End of the timeline's time axis: a duration ("20m", "90s") or
    /// seconds (default: the end of the last deployment plus a margin).
    #[arg(long, value_name = "DURATION_OR_SECONDS")]
    pub until: Option<String>,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Scenario file (TOML).
    pub scenario: PathBuf,
}

#[derive(Debug, Args)]
pub struct AlarmArgs {
    /// Alarm threshold.
    #[arg(long, allow_negative_numbers = true)]
    pub threshold: f64,
    /// Comparison: >, >=, <, <= or the AWS operator name.
    #[arg(long)]
    pub comparison: String,
    /// Evaluation periods N.
    #[arg(long)]
    pub periods: u32,
    /// Datapoints to alarm M (default N).
    #[arg(long)]
    pub datapoints_to_alarm: Option<u32>,
    /// Treat missing data: missing, notBreaching, breaching or ignore.
    #[arg(long, default_value = "missing")]
    pub missing: String,
    /// Evaluation range E (default N + max(floor(N/3), 2)).
    #[arg(long)]
    pub evaluation_range: Option<u32>,
    /// Datapoints, oldest first, comma-separated; '-' is a missing datapoint.
    #[arg(long, allow_hyphen_values = true)]
    pub series: String,
}

/// `canarysim judge <kind>`: one judge's rule replayed by hand.
#[derive(Debug, Subcommand)]
pub enum JudgeCommand {
    /// Replay an Argo Rollouts metric: its phase after each measurement.
    Argo(JudgeArgoArgs),
    /// Replay Flagger's failed-check counter: the count and phase after each check.
    Flagger(JudgeFlaggerArgs),
    /// The sequential judge: cumulative counts per look → the mixture
    /// likelihood ratio (or the fixed per-look p-value), its threshold and
    /// continue / reject.
    Sequential(SequentialArgs),
    /// Classify one metric's canary samples against the baseline's as
    /// Kayenta does (Mann-Whitney, 98 %, tolerance 0.25 × |estimate|).
    Kayenta(KayentaArgs),
}

#[derive(Debug, Args)]
pub struct JudgeArgoArgs {
    /// failureLimit: Failed when failed > limit; -1 disables it.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub failure_limit: i64,
    /// inconclusiveLimit: Inconclusive when inconclusive > limit.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub inconclusive_limit: i64,
    /// consecutiveErrorLimit: Error when consecutive errors > limit.
    #[arg(long, default_value_t = 4, allow_negative_numbers = true)]
    pub consecutive_error_limit: i64,
    /// consecutiveSuccessLimit: Successful once this many successes in a row.
    #[arg(long, allow_negative_numbers = true)]
    pub consecutive_success_limit: Option<i64>,
    /// count: measurements (errors excluded) after which the metric ends;
    /// without it the metric runs indefinitely (a metric with an interval).
    #[arg(long, allow_negative_numbers = true)]
    pub count: Option<i64>,
    /// Measurements, comma-separated: S (successful), F (failed),
    /// I (inconclusive), E (error).
    #[arg(long, allow_hyphen_values = true)]
    pub series: String,
}

#[derive(Debug, Args)]
pub struct SequentialArgs {
    /// Bound on the false-rollback probability, 0 < alpha < 1.
    #[arg(long, allow_negative_numbers = true)]
    pub alpha: f64,
    /// Smallest candidate/stable error-rate ratio worth detecting (> 1).
    #[arg(long, default_value_t = 2.0, allow_negative_numbers = true)]
    pub min_effect: f64,
    /// `mixture` (default, anytime-valid) or `fixed_per_look`.
    #[arg(long, default_value = "mixture")]
    pub method: String,
    /// Cumulative counts at each look, comma-separated:
    /// CANDIDATE_ERRORS/CANDIDATE_REQUESTS:STABLE_ERRORS/STABLE_REQUESTS.
    #[arg(long, allow_hyphen_values = true)]
    pub series: String,
}

#[derive(Debug, Args)]
pub struct KayentaArgs {
    /// Canary samples, comma-separated (NaN allowed; empty = no data).
    #[arg(long, allow_hyphen_values = true)]
    pub canary: String,
    /// Baseline samples, comma-separated (NaN allowed; empty = no data).
    #[arg(long, allow_hyphen_values = true)]
    pub baseline: String,
    /// Which change fails the metric: increase, decrease or either.
    #[arg(long, default_value = "either")]
    pub direction: String,
    /// Confidence level of the interval (Kayenta's judge: 0.98).
    #[arg(long, default_value_t = 0.98)]
    pub confidence: f64,
    /// The bounds are ± this × |Hodges–Lehmann estimate| (Kayenta: 0.25).
    #[arg(long, default_value_t = 0.25)]
    pub tolerance: f64,
    /// MEASURE[:INCREASE[:DECREASE]]: meanRatio (neutral 1.0) or cles
    /// (neutral 0.5) with the allowed increase / decrease.
    #[arg(long, default_value = "meanRatio")]
    pub effect_size: String,
    /// NaN samples: remove or replace (with 0).
    #[arg(long, default_value = "remove")]
    pub nan_strategy: String,
    /// A critical metric: High/Low beyond the (neutral) critical effect size
    /// or no data zeroes the score.
    #[arg(long)]
    pub critical: bool,
    /// No data fails the metric (NodataFailMetric) unless it is critical.
    #[arg(long)]
    pub must_have_data: bool,
}

#[derive(Debug, Args)]
pub struct JudgeFlaggerArgs {
    /// threshold: rollback when failed checks >= threshold (unset or <= 0: 1).
    #[arg(long, default_value_t = 1, allow_negative_numbers = true)]
    pub threshold: i64,
    /// Checks, comma-separated: pass, fail, nodata.
    #[arg(long, allow_hyphen_values = true)]
    pub series: String,
}

/// `--reps`: clap's own messages would name the u32 range, not the allowed
/// one, so the allowed range is stated here.
fn parse_reps(text: &str) -> Result<u32, String> {
    let max = canarysim::scenario::MAX_REPLICATIONS;
    text.trim()
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=max).contains(n))
        .ok_or_else(|| format!("replications must be an integer from 1 to {max}"))
}

/// `--seed`: any integer from 0 to 2^64 − 1 (negative numbers reach this
/// parser, so the message can say so instead of clap's "unexpected argument").
fn parse_seed(text: &str) -> Result<u64, String> {
    text.trim()
        .parse::<u64>()
        .map_err(|_| format!("the seed must be an integer from 0 to {}", u64::MAX))
}

/// Most worker threads `--threads` accepts (each is an OS thread with its
/// own stack; more than the cores only adds overhead).
pub const MAX_THREADS: usize = 256;

/// `--threads`: at least one worker, at most [`MAX_THREADS`].
fn parse_threads(text: &str) -> Result<usize, String> {
    text.trim()
        .parse::<usize>()
        .ok()
        .filter(|n| (1..=MAX_THREADS).contains(n))
        .ok_or_else(|| format!("the worker count must be an integer >= 1 and <= {MAX_THREADS}"))
}

/// `--shard K/N`.
fn parse_shard(text: &str) -> Result<canarysim::sweep::Shard, String> {
    canarysim::sweep::Shard::parse(text)
}

/// Subcommand names, used to make `run` the default.
pub const SUBCOMMANDS: [&str; 12] = [
    "run",
    "import",
    "tune",
    "validate",
    "alarm",
    "judge",
    "help",
    "sweep",
    "plot",
    "merge",
    "schema",
    "completions",
];

/// Inserts `run` when the first argument is not a subcommand or a flag and
/// looks like a file (it exists, or has a `.` or a path separator), so
/// `canarysim scenario.toml` means `canarysim run scenario.toml` while
/// `canarysim frobnicate x.toml` is reported as an unknown command.
pub fn with_default_subcommand(mut args: Vec<String>) -> Vec<String> {
    if let Some(first) = args.get(1) {
        let looks_like_file =
            first.contains(['.', '/', '\\']) || std::path::Path::new(first).exists();
        if !first.starts_with('-') && !SUBCOMMANDS.contains(&first.as_str()) && looks_like_file {
            args.insert(1, "run".to_string());
        }
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn a_file_argument_defaults_to_run() {
        let a = with_default_subcommand(vec!["canarysim".into(), "s.toml".into()]);
        assert_eq!(a, ["canarysim", "run", "s.toml"]);
        let f = with_default_subcommand(vec!["canarysim".into(), "frobnicate".into()]);
        assert_eq!(f, ["canarysim", "frobnicate"]);
        let b = with_default_subcommand(vec!["canarysim".into(), "alarm".into()]);
        assert_eq!(b, ["canarysim", "alarm"]);
        let c = with_default_subcommand(vec!["canarysim".into(), "--help".into()]);
        assert_eq!(c, ["canarysim", "--help"]);
    }
}
