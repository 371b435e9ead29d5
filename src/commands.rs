//! The subcommands, as library functions returning typed errors.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::alarm::{self, AlarmRule, Comparison, MissingData};
use crate::cli::{AlarmArgs, Command, MergeArgs, PlotArgs, RunArgs, SweepArgs, ValidateArgs};
use crate::plan::describe_plan;
use crate::report::{
    render_report, render_table, AtomicFileSet, Exporter, JsonExporter, MarkdownExporter,
    ReportDoc, ResultSet, TableWidth, REPORT_MD,
};
use crate::run::{default_out_dir, load_scenario, Error, Overrides};
use crate::sweep::SweepPlots;
use crate::warnings::decision_warnings;

/// Executes one parsed command, printing to stdout.
pub fn execute(command: Command) -> Result<(), Error> {
    match command {
        Command::Run(args) => run(args),
        Command::Validate(args) => validate(args),
        Command::Alarm(args) => alarm_replay(args),
        Command::Sweep(args) => sweep(args),
        Command::Plot(args) => plot(args),
        Command::Merge(args) => merge(args),
        Command::Schema => {
            let schema = crate::scenario::json_schema();
            let text = serde_json::to_string_pretty(&schema)
                .map_err(|e| Error::Internal(format!("cannot print the schema: {e}")))?;
            print(&format!("{text}\n"));
            Ok(())
        }
        Command::Completions(args) => {
            use clap::CommandFactory;
            let mut out = Vec::new();
            clap_complete::generate(
                args.shell,
                &mut crate::cli::Cli::command(),
                "canarysim",
                &mut out,
            );
            print(&String::from_utf8_lossy(&out));
            Ok(())
        }
    }
}

/// Maps a plotting failure: unreadable or missing inputs and bad options are
/// the user's (exit 2), rendering and writing failures are internal.
fn plot_error(e: crate::plot::PlotError) -> Error {
    use crate::plot::PlotError;
    match e {
        PlotError::Write(e) => Error::Report(e),
        PlotError::Render { .. } => Error::Internal(e.to_string()),
        other => Error::Usage(other.to_string()),
    }
}

fn plot_format(name: &str) -> crate::plot::PlotFormat {
    if name == "png" {
        crate::plot::PlotFormat::Png
    } else {
        crate::plot::PlotFormat::Svg
    }
}

/// Adds `alarms.csv` (for threshold lines) and the run's charts, drawn
/// from the staged CSVs, to the run's output set.
fn run_plots(
    sc: &crate::model::Scenario,
    set: &mut crate::report::AtomicFileSet,
    format: &str,
) -> Result<Vec<std::path::PathBuf>, Error> {
    use crate::plot::{plot_into, PlotKind, PlotOptions};
    let mut files = vec![set.write_with(crate::sweep::ALARMS_CSV, |w| {
        crate::sweep::write_alarms_csv(w, sc)
    })?];
    let opts = PlotOptions {
        format: plot_format(format),
        kinds: vec![
            PlotKind::Timeline,
            PlotKind::DetectionCdf,
            PlotKind::Exposure,
        ],
        ..PlotOptions::default()
    };
    let staged = set.staging_dir().to_path_buf();
    files.extend(plot_into(&staged, &opts, set).map_err(plot_error)?);
    Ok(files)
}

fn plot(args: PlotArgs) -> Result<(), Error> {
    use crate::plot::{plot_dir, PlotKind, PlotOptions};
    let kinds = args
        .kinds
        .iter()
        .map(|k| {
            k.parse::<PlotKind>().map_err(|_| {
                Error::Usage(format!(
                    "--kind {k:?}: allowed: timeline, detection_cdf, exposure, tradeoff, sweep"
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if !args.dir.is_dir() {
        return Err(Error::Usage(format!(
            "{}: not a folder of canarysim results",
            args.dir.display()
        )));
    }
    let until = match args.until.as_deref() {
        None => None,
        Some(text) => Some(match text.trim().parse::<f64>() {
            Ok(secs) if secs > 0.0 && secs.is_finite() => crate::time::Micros::from_secs_f64(secs),
            Ok(_) => return Err(Error::Usage(format!("--until {text:?}: must be positive"))),
            Err(_) => crate::scenario::parse_duration(text)
                .map_err(|e| Error::Usage(format!("--until: {e}")))?,
        }),
    };
    let opts = PlotOptions {
        format: plot_format(&args.format),
        kinds,
        sweep_metric: args.sweep_metric,
        sweep_x: args.sweep_x,
        tradeoff_y: args.tradeoff_y,
        out: args.out,
        title: args.title,
        until,
    };
    let files = plot_dir(&args.dir, &opts).map_err(plot_error)?;
    report_files(&files, false);
    Ok(())
}

fn run(args: RunArgs) -> Result<(), Error> {
    let overrides = args.opts.overrides();
    let exports = Exports::of(&args.opts)?;
    let loaded = crate::run::load(&args.scenario, &overrides)?;
    let sc = &loaded.scenario;
    crate::run::check_memory(sc)?;
    if !args.opts.yes {
        let cores = crate::run::effective_cores(args.opts.threads);
        crate::run::check_exact_budget(&[sc], cores, "this run")?;
    }
    if !args.opts.no_plots {
        check_plotted_rows(sc)?;
    }
    let warnings = decision_warnings(sc);
    print_warnings(&warnings, args.opts.quiet);
    let out_dir = args.opts.out.clone().unwrap_or_else(|| default_out_dir(sc));
    crate::run::check_out_dir(&out_dir, out_flag(args.opts.out.is_some()))?;
    let command = command_line();
    let run_toml = crate::run::run_toml(&loaded, &command, args.opts.threads)?;
    let plots = !args.opts.no_plots;
    let mut results = None;
    let output = crate::run::run_and_write_with(
        sc,
        &out_dir,
        args.opts.threads,
        Some(&run_toml),
        |set, summaries| {
            let mut files = match plots {
                true => run_plots(sc, set, &args.opts.format)?,
                false => Vec::new(),
            };
            let set_results = ResultSet {
                kind: "run",
                scenario: sc.name.clone(),
                seed: sc.seed,
                replications: sc.replications,
                mode: sc.sampling.name().to_owned(),
                canarysim_version: crate::report::run_toml::VERSION.to_owned(),
                command: command.clone(),
                swept_keys: Vec::new(),
                rows: ResultSet::rows_of(summaries),
            };
            let report = render_report(&ReportDoc {
                question: loaded.question.clone(),
                plan: describe_plan(sc),
                grid: None,
                results: &set_results,
                plots: plot_captions(&files, &RUN_PLOTS),
                warnings: &warnings,
            });
            files.push(set.write_bytes(REPORT_MD, report.as_bytes())?);
            results = Some(set_results);
            Ok(files)
        },
    )?;
    // A folder written before output sets had a manifest is updated in
    // place: drop charts of the other format there too.
    remove_stale_plots(&out_dir, &RUN_PLOTS, &args.opts.format);
    if !args.opts.quiet {
        for note in &output.notes {
            status(&format!("note: fast mode: {note}"));
        }
    }
    let results = results.ok_or_else(|| Error::Internal("the run wrote no results".into()))?;
    let to_stdout = exports.write(&results)?;
    if !args.opts.quiet && !to_stdout {
        let mut text = format!(
            "scenario {} — {} replications per strategy, seed {}\n\n",
            sc.name, sc.replications, sc.seed
        );
        text.push_str(&render_table(&output.summaries, table_width(&args.opts)));
        print(&text);
    }
    report_files(&output.files, args.opts.quiet);
    Ok(())
}

/// Refuses, before simulating, a run whose plots would stack more than
/// [`crate::plot::MAX_PLOTTED_ROWS`] strategy rows.
fn check_plotted_rows(sc: &crate::model::Scenario) -> Result<(), Error> {
    let per_strategy = if sc.multi_function {
        sc.functions.len() + 1
    } else {
        1
    };
    let rows = sc.strategies.len() * per_strategy;
    if rows > crate::plot::MAX_PLOTTED_ROWS {
        return Err(Error::Usage(format!(
            "strategies: {} strategies × {per_strategy} row(s) each make {rows} rows, more than \
             the {} the plots draw; run with --no-plots (the CSV files and report.md hold every \
             row) or split the scenario",
            sc.strategies.len(),
            crate::plot::MAX_PLOTTED_ROWS
        )));
    }
    Ok(())
}

/// The run's charts, with their captions in `report.md`.
const RUN_PLOTS: [(&str, &str); 3] = [
    (
        "timeline",
        "Timeline of replication 0: weights, error rates, alarm states",
    ),
    (
        "detection_cdf",
        "Time to detection (all runs; misses never reach 1)",
    ),
    ("exposure", "Bad-request exposure per replication"),
];

/// The sweep's charts, with their captions in `report.md`.
const SWEEP_PLOTS: [(&str, &str); 2] = [
    (
        "tradeoff",
        "Trade-off: false rollbacks against what a bad release costs",
    ),
    ("sweep", "Each metric across the grid"),
];

/// Removes `STEM.svg`/`STEM.png` of every chart in `plots` whose format is
/// not `format` (and both when plots are redrawn), so a folder never shows
/// a chart of an earlier run as current.
fn remove_stale_plots(dir: &Path, plots: &[(&str, &str)], format: &str) {
    for (stem, _) in plots {
        for ext in ["svg", "png"] {
            if ext != format {
                let _ = std::fs::remove_file(dir.join(format!("{stem}.{ext}")));
            }
        }
    }
}

/// (caption, file name) of each written chart among `plots`.
fn plot_captions(files: &[PathBuf], plots: &[(&str, &str)]) -> Vec<(String, String)> {
    plots
        .iter()
        .filter_map(|(stem, caption)| {
            files
                .iter()
                .filter_map(|f| f.file_name().and_then(|n| n.to_str()))
                .find(|name| {
                    name.strip_prefix(stem)
                        .is_some_and(|rest| rest == ".svg" || rest == ".png")
                })
                .map(|name| ((*caption).to_owned(), name.to_owned()))
        })
        .collect()
}

/// Writes `report.md` into `dir` atomically.
fn write_report(dir: &Path, text: &str) -> Result<Vec<PathBuf>, Error> {
    let mut set = AtomicFileSet::new(dir)?;
    set.write_bytes(REPORT_MD, text.as_bytes())?;
    Ok(set.commit()?)
}

/// Status lines (`wrote FILE`) go to stderr: stdout holds only results.
fn report_files(files: &[PathBuf], quiet: bool) {
    if quiet {
        return;
    }
    let mut seen = Vec::new();
    for f in files {
        if !seen.contains(f) {
            status(&format!("wrote {}", f.display()));
            seen.push(f.clone());
        }
    }
}

fn print_warnings(warnings: &[String], quiet: bool) {
    if !quiet {
        for w in warnings {
            status(&format!("warning: {w}"));
        }
    }
}

fn table_width(opts: &crate::cli::RunOptions) -> TableWidth {
    if opts.wide {
        TableWidth::Wide
    } else {
        TableWidth::Compact
    }
}

/// The `--export-markdown` / `--export-json` targets of one command.
struct Exports {
    markdown: Option<PathBuf>,
    json: Option<PathBuf>,
}

impl Exports {
    /// Checks the flags before anything runs: at most one of them may be
    /// `-` (stdout), and neither may name a folder.
    fn of(opts: &crate::cli::RunOptions) -> Result<Exports, Error> {
        let stdout = |p: &Option<PathBuf>| p.as_deref() == Some(Path::new("-"));
        if stdout(&opts.export_markdown) && stdout(&opts.export_json) {
            return Err(Error::Usage(
                "--export-markdown - and --export-json - both write to stdout; send at most one \
                 of them to `-` and the other to a file"
                    .into(),
            ));
        }
        for (flag, path) in [
            ("--export-markdown", &opts.export_markdown),
            ("--export-json", &opts.export_json),
        ] {
            if let Some(p) = path.as_deref().filter(|p| *p != Path::new("-")) {
                if p.is_dir() {
                    return Err(Error::Usage(format!(
                        "{flag} {}: is a folder; name a file (or `-` for stdout)",
                        p.display()
                    )));
                }
            }
        }
        Ok(Exports {
            markdown: opts.export_markdown.clone(),
            json: opts.export_json.clone(),
        })
    }

    /// Writes the exports; true if one went to stdout (then the terminal
    /// table is left out, so stdout stays parseable).
    fn write(&self, results: &ResultSet) -> Result<bool, Error> {
        let mut to_stdout = false;
        for (path, text) in [
            (
                &self.markdown,
                self.markdown
                    .as_ref()
                    .map(|_| MarkdownExporter.export(results)),
            ),
            (
                &self.json,
                self.json.as_ref().map(|_| JsonExporter.export(results)),
            ),
        ] {
            let (Some(path), Some(text)) = (path, text) else {
                continue;
            };
            if path == Path::new("-") {
                print(&text);
                to_stdout = true;
            } else {
                let dir = match path.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p,
                    _ => Path::new("."),
                };
                let name = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .ok_or_else(|| Error::Usage(format!("{}: not a file name", path.display())))?;
                let mut set = AtomicFileSet::new(dir)?;
                set.write_bytes(name, text.as_bytes())?;
                for f in set.commit()? {
                    status(&format!("wrote {}", f.display()));
                }
            }
        }
        Ok(to_stdout)
    }
}

fn validate(args: ValidateArgs) -> Result<(), Error> {
    let sc = load_scenario(&args.scenario, &Overrides::default())?;
    let grid = crate::sweep::describe_file_grid(&args.scenario)?;
    let warnings = decision_warnings(&sc);
    print(&format!(
        "{}: valid\n\n{}{}",
        args.scenario.display(),
        describe_plan(&sc),
        grid.map(|g| format!("\n{g}\n")).unwrap_or_default()
    ));
    print_warnings(&warnings, false);
    Ok(())
}

fn plots_of(no_plots: bool, format: &str) -> SweepPlots {
    match (no_plots, format) {
        (true, _) => SweepPlots::None,
        (false, "png") => SweepPlots::Png,
        (false, _) => SweepPlots::Svg,
    }
}

/// The process's command line, as recorded in `run.toml`.
fn command_line() -> Vec<String> {
    std::env::args().collect()
}

/// Test hook: `CANARYSIM_STOP_AFTER_POINTS=N` stops a sweep after N grid
/// points as if Ctrl-C had been pressed (for interrupt/resume tests).
pub const STOP_AFTER_POINTS_VAR: &str = "CANARYSIM_STOP_AFTER_POINTS";

fn sweep(args: SweepArgs) -> Result<(), Error> {
    use crate::sweep::{self, StopSignal, SweepOptions, SweepProgress};
    use std::sync::Arc;
    let overrides = args.opts.overrides();
    let exports = Exports::of(&args.opts)?;
    let plan = sweep::load(&args.scenario, &args.set, &overrides)?;
    print_warnings(&decision_warnings(&plan.base), args.opts.quiet);
    let out_dir = args
        .opts
        .out
        .clone()
        .unwrap_or_else(|| sweep::default_out_dir(&plan.base, args.shard));
    crate::run::check_out_dir(&out_dir, out_flag(args.opts.out.is_some()))?;
    let command = command_line();
    let stop_after_points = match std::env::var(STOP_AFTER_POINTS_VAR) {
        Ok(v) => Some(v.trim().parse::<usize>().map_err(|_| {
            Error::Usage(format!(
                "{STOP_AFTER_POINTS_VAR}={v:?}: expected an integer >= 0"
            ))
        })?),
        Err(_) => None,
    };
    let progress = Arc::new(SweepProgress::new(0, args.opts.quiet));
    let stop = Arc::new(StopSignal::default());
    {
        // First Ctrl-C (or SIGTERM): finish the current grid point, then stop
        // with exit 130. Second: stop at once (between two appends, so
        // sweep.csv stays valid) with the same exit code.
        let (stop, progress, quiet) = (Arc::clone(&stop), Arc::clone(&progress), args.opts.quiet);
        let hint = format!(
            "interrupted: {} holds the finished grid points and is valid CSV; continue with: {}",
            out_dir.join(sweep::SWEEP_CSV).display(),
            sweep::resume_command(&command)
        );
        // Fails only if a handler is already installed (a second sweep in one
        // process); the first one still stops the sweep it was set for.
        let _ = ctrlc::set_handler(move || {
            if stop.request() == 1 {
                if !quiet {
                    progress.println(
                        "stopping after the current grid point (Ctrl-C again to stop now)",
                    );
                }
            } else {
                progress.finish();
                let _ = writeln!(std::io::stderr(), "{hint}");
                sweep::journal::exit_between_appends(crate::run::EXIT_INTERRUPTED);
            }
        });
    }
    let opts = SweepOptions {
        threads: args.opts.threads,
        plots: plots_of(args.opts.no_plots, &args.opts.format),
        shard: args.shard,
        resume: args.resume,
        yes: args.opts.yes,
        max_points: args.max_points,
        command: &command,
        stop: Some(&stop),
        stop_after_points,
    };
    let mut output = sweep::run_and_write(&plan, &out_dir, &opts, &progress)?;
    let (results, report_files_written) = sweep_results(
        &plan,
        &out_dir,
        &command,
        &output.files,
        args.shard.is_none(),
    )?;
    output.files.extend(report_files_written);
    let to_stdout = exports.write(&results)?;
    if !args.opts.quiet && !to_stdout {
        let mut text = format!(
            "sweep {} — {} grid points, {} replications per strategy and point, seed {}\n",
            plan.base.name,
            plan.points.len(),
            plan.base.replications,
            plan.base.seed
        );
        if let Some(shard) = args.shard {
            text.push_str(&format!(
                "shard {shard}: {} of the {} grid points\n",
                output.slice_points,
                plan.points.len()
            ));
        }
        if output.resumed_points > 0 {
            text.push_str(&format!(
                "resumed: {} of {} grid points were already in {}\n",
                output.resumed_points,
                output.slice_points,
                sweep::SWEEP_CSV
            ));
        }
        for point in &output.results {
            text.push_str(&format!("\n{}\n", plan.describe_point(point.index)));
            text.push_str(&render_table(&point.summaries, table_width(&args.opts)));
        }
        print(&text);
    }
    report_files(&output.files, args.opts.quiet);
    Ok(())
}

/// The whole sweep's rows, read back from its `sweep.csv` (so resumed and
/// merged points are included), and, when `with_report`, its `report.md`.
fn sweep_results(
    plan: &crate::sweep::SweepPlan,
    out_dir: &Path,
    command: &[String],
    files: &[PathBuf],
    with_report: bool,
) -> Result<(ResultSet, Vec<PathBuf>), Error> {
    let (swept_keys, rows) =
        crate::report::read_result_rows(&out_dir.join(crate::sweep::SWEEP_CSV))?;
    let results = ResultSet {
        kind: "sweep",
        scenario: plan.base.name.clone(),
        seed: plan.base.seed,
        replications: plan.base.replications,
        mode: plan.base.sampling.name().to_owned(),
        canarysim_version: crate::report::run_toml::VERSION.to_owned(),
        command: command.to_vec(),
        swept_keys,
        rows,
    };
    if !with_report {
        return Ok((results, Vec::new()));
    }
    let warnings = decision_warnings(&plan.base);
    let report = render_report(&ReportDoc {
        question: plan.question.clone(),
        plan: describe_plan(&plan.base),
        grid: Some(plan.describe_grid()),
        results: &results,
        plots: plot_captions(files, &SWEEP_PLOTS),
        warnings: &warnings,
    });
    let written = write_report(out_dir, &report)?;
    Ok((results, written))
}

/// How messages name the output folder: the flag, or the scenario key its
/// default comes from.
fn out_flag(given: bool) -> &'static str {
    if given {
        "--out"
    } else {
        "name (the default output folder, out/<name>/ or out/<name>-sweep/, is named after it)"
    }
}

fn merge(args: MergeArgs) -> Result<(), Error> {
    if let Some(out) = &args.out {
        crate::run::check_out_dir(out, "--out")?;
    }
    let plots = plots_of(args.no_plots, &args.format);
    let command = command_line();
    let mut output = crate::sweep::merge(&args.shards, args.out.as_deref(), plots, &command)?;
    let out_dir = output.out_dir.clone();
    let (_, written) = sweep_results(&output.plan, &out_dir, &command, &output.files, true)?;
    output.files.extend(written);
    if !args.quiet {
        print(&format!(
            "merged {} shards of sweep {} — {} grid points\n",
            output.shards,
            output.plan.base.name,
            output.plan.points.len()
        ));
    }
    report_files(&output.files, args.quiet);
    Ok(())
}

fn alarm_replay(args: AlarmArgs) -> Result<(), Error> {
    let comparison = Comparison::parse(&args.comparison).ok_or_else(|| {
        Error::Usage(format!(
            "--comparison {:?}: allowed: {}",
            args.comparison,
            Comparison::ALLOWED
        ))
    })?;
    let missing_data = MissingData::parse(&args.missing).ok_or_else(|| {
        Error::Usage(format!(
            "--missing {:?}: allowed: {}",
            args.missing,
            MissingData::ALLOWED
        ))
    })?;
    if !args.threshold.is_finite() {
        return Err(Error::Usage("--threshold must be a finite number".into()));
    }
    let n = args.periods;
    if n == 0 {
        return Err(Error::Usage("--periods must be at least 1".into()));
    }
    let m = args.datapoints_to_alarm.unwrap_or(n);
    if m == 0 || m > n {
        return Err(Error::Usage(format!(
            "--datapoints-to-alarm {m}: must be between 1 and --periods ({n})"
        )));
    }
    let e = args
        .evaluation_range
        .unwrap_or_else(|| AlarmRule::default_evaluation_range(n));
    if e < n {
        return Err(Error::Usage(format!(
            "--evaluation-range {e}: must be at least --periods ({n})"
        )));
    }
    let series = alarm::parse_series(&args.series)
        .map_err(|err| Error::Usage(format!("--series: {err}")))?;
    let rule = AlarmRule {
        threshold: args.threshold,
        comparison,
        evaluation_periods: n,
        datapoints_to_alarm: m,
        missing_data,
        evaluation_range: e,
    };
    print(&alarm::replay_report(&rule, &series));
    Ok(())
}

/// Prints one status or diagnostic line to stderr, ignoring a closed pipe.
fn status(line: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{line}");
}

/// Prints to stdout, ignoring a closed pipe (e.g. `| head`).
fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}
