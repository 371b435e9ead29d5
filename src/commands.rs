//! The subcommands, as library functions returning typed errors.

use std::io::Write;

use crate::alarm::{self, AlarmRule, Comparison, MissingData};
use crate::cli::{AlarmArgs, Command, MergeArgs, PlotArgs, RunArgs, SweepArgs, ValidateArgs};
use crate::plan::describe_plan;
use crate::report::render_table;
use crate::run::{default_out_dir, load_scenario, Error, Overrides};
use crate::sweep::SweepPlots;

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
    let opts = PlotOptions {
        format: plot_format(&args.format),
        kinds,
        sweep_metric: args.sweep_metric,
        sweep_x: args.sweep_x,
        tradeoff_y: args.tradeoff_y,
    };
    let files = plot_dir(&args.dir, &opts).map_err(plot_error)?;
    print(
        &files
            .iter()
            .map(|f| format!("wrote {}\n", f.display()))
            .collect::<String>(),
    );
    Ok(())
}

fn run(args: RunArgs) -> Result<(), Error> {
    let overrides = args.opts.overrides();
    let loaded = crate::run::load(&args.scenario, &overrides)?;
    let sc = &loaded.scenario;
    crate::run::check_memory(sc)?;
    if !args.opts.yes {
        let cores = crate::run::effective_cores(args.opts.threads);
        crate::run::check_exact_budget(&[sc], cores, "this run")?;
    }
    let out_dir = args.opts.out.clone().unwrap_or_else(|| default_out_dir(sc));
    crate::run::check_out_dir(&out_dir, out_flag(args.opts.out.is_some()))?;
    let run_toml = crate::run::run_toml(&loaded, &command_line(), args.opts.threads)?;
    let plots = !args.opts.no_plots;
    let output =
        crate::run::run_and_write_with(sc, &out_dir, args.opts.threads, Some(&run_toml), |set| {
            match plots {
                true => run_plots(sc, set, &args.opts.format),
                false => Ok(Vec::new()),
            }
        })?;
    if !args.opts.quiet {
        for note in &output.notes {
            let _ = writeln!(std::io::stderr(), "note: fast mode: {note}");
        }
        let mut text = format!(
            "scenario {} — {} replications per strategy, seed {}\n\n",
            sc.name, sc.replications, sc.seed
        );
        text.push_str(&render_table(&output.summaries));
        text.push('\n');
        for f in &output.files {
            text.push_str(&format!("wrote {}\n", f.display()));
        }
        print(&text);
    }
    Ok(())
}

fn validate(args: ValidateArgs) -> Result<(), Error> {
    let sc = load_scenario(&args.scenario, &Overrides::default())?;
    let grid = crate::sweep::describe_file_grid(&args.scenario)?;
    print(&format!(
        "{}: valid\n\n{}{}",
        args.scenario.display(),
        describe_plan(&sc),
        grid.map(|g| format!("\n{g}\n")).unwrap_or_default()
    ));
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
    let plan = sweep::load(&args.scenario, &args.set, &overrides)?;
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
    let output = sweep::run_and_write(&plan, &out_dir, &opts, &progress)?;
    if !args.opts.quiet {
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
            text.push_str(&render_table(&point.summaries));
        }
        text.push('\n');
        for f in &output.files {
            text.push_str(&format!("wrote {}\n", f.display()));
        }
        print(&text);
    }
    Ok(())
}

/// How messages name the output folder: the flag, or the scenario key its
/// default comes from.
fn out_flag(given: bool) -> &'static str {
    if given {
        "--out"
    } else {
        "name (the default output folder is out/<name>/)"
    }
}

fn merge(args: MergeArgs) -> Result<(), Error> {
    if let Some(out) = &args.out {
        crate::run::check_out_dir(out, "--out")?;
    }
    let plots = plots_of(args.no_plots, &args.format);
    let output = crate::sweep::merge(&args.shards, args.out.as_deref(), plots, &command_line())?;
    if !args.quiet {
        let mut text = format!(
            "merged {} shards of sweep {} — {} grid points\n\n",
            output.shards,
            output.plan.base.name,
            output.plan.points.len()
        );
        for f in &output.files {
            text.push_str(&format!("wrote {}\n", f.display()));
        }
        print(&text);
    }
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

/// Prints to stdout, ignoring a closed pipe (e.g. `| head`).
fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}
