//! `canarysim sweep` and `canarysim merge`: run a grid (resumable,
//! shardable, stoppable with Ctrl-C), then combine shards.

use std::path::{Path, PathBuf};

use canarysim::plan::describe_plan;
use canarysim::report::{render_report, render_table, ReportDoc, ResultSet};
use canarysim::run::Error;
use canarysim::sweep::{SweepPlots, STOP_AFTER_POINTS_VAR};
use canarysim::warnings::decision_warnings;

use super::exports::Exports;
use super::output::{
    command_line, out_flag, plot_captions, print, print_warnings, report_files, table_width,
    write_report,
};
use crate::cli::{MergeArgs, SweepArgs};

/// The sweep's charts, with their captions in `report.md`.
pub(super) const SWEEP_PLOTS: [(&str, &str); 2] = [
    (
        "tradeoff",
        "Trade-off: false rollbacks against what a bad release costs",
    ),
    ("sweep", "Each metric across the grid"),
];

pub(super) fn plots_of(no_plots: bool, format: &str) -> SweepPlots {
    match (no_plots, format) {
        (true, _) => SweepPlots::None,
        (false, "png") => SweepPlots::Png,
        (false, _) => SweepPlots::Svg,
    }
}

pub(super) fn sweep(args: SweepArgs) -> Result<(), Error> {
    use canarysim::sweep::{self, StopSignal, SweepOptions, SweepProgress};
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
    canarysim::run::check_out_dir(&out_dir, out_flag(args.opts.out.is_some()))?;
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
        // sweep.csv stays valid) with the same exit code. The handler only
        // records the request; the sweep acts on it and returns the error
        // (`StopSignal`).
        let (stop, progress, quiet) = (Arc::clone(&stop), Arc::clone(&progress), args.opts.quiet);
        // Fails only if a handler is already installed (a second sweep in one
        // process); the first one still stops the sweep it was set for.
        let _ = ctrlc::set_handler(move || {
            if stop.request() == 1 && !quiet {
                progress
                    .println("stopping after the current grid point (Ctrl-C again to stop now)");
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
pub(super) fn sweep_results(
    plan: &canarysim::sweep::SweepPlan,
    out_dir: &Path,
    command: &[String],
    files: &[PathBuf],
    with_report: bool,
) -> Result<(ResultSet, Vec<PathBuf>), Error> {
    let (swept_keys, rows) =
        canarysim::report::read_result_rows(&out_dir.join(canarysim::sweep::SWEEP_CSV))?;
    let results = ResultSet {
        kind: "sweep",
        scenario: plan.base.name.clone(),
        seed: plan.base.seed,
        replications: plan.base.replications,
        mode: plan.base.sampling.name().to_owned(),
        canarysim_version: canarysim::report::run_toml::VERSION.to_owned(),
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
        alarm_start: String::new(),
    });
    let written = write_report(out_dir, &report)?;
    Ok((results, written))
}

pub(super) fn merge(args: MergeArgs) -> Result<(), Error> {
    if let Some(out) = &args.out {
        canarysim::run::check_out_dir(out, "--out")?;
    }
    let plots = plots_of(args.no_plots, &args.format);
    let command = command_line();
    let mut output = canarysim::sweep::merge(&args.shards, args.out.as_deref(), plots, &command)?;
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
