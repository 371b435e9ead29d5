//! `canarysim run` (also the default command given a scenario file):
//! simulate, write the run's files and plots as one set, print the table.

use canarysim::plan::describe_plan;
use canarysim::report::{
    alarm_start_markdown, render_report, render_table, ReportDoc, ResultSet, REPORT_MD,
};
use canarysim::run::{default_out_dir, Error};
use canarysim::warnings::decision_warnings;

use super::exports::Exports;
use super::output::{
    command_line, out_flag, plot_captions, print, print_warnings, remove_stale_plots, report_files,
    status, table_width,
};
use super::plot::{plot_error, plot_format};
use crate::cli::RunArgs;

/// The run's charts, with their captions in `report.md`.
pub(super) const RUN_PLOTS: [(&str, &str); 3] = [
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

/// Adds `alarms.csv` (for threshold lines) and the run's charts, drawn
/// from the staged CSVs, to the run's output set.
pub(super) fn run_plots(
    sc: &canarysim::model::Scenario,
    set: &mut canarysim::report::AtomicFileSet,
    format: &str,
    alarm_start: &[canarysim::report::AlarmStart],
) -> Result<Vec<std::path::PathBuf>, Error> {
    use canarysim::plot::{plot_into, PlotKind, PlotOptions};
    let mut files = vec![set.write_with(canarysim::sweep::ALARMS_CSV, |w| {
        canarysim::sweep::write_alarms_csv(w, sc, alarm_start)
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

pub(super) fn run(args: RunArgs) -> Result<(), Error> {
    let overrides = args.opts.overrides();
    let exports = Exports::of(&args.opts)?;
    let loaded = canarysim::run::load(&args.scenario, &overrides)?;
    let sc = &loaded.scenario;
    canarysim::run::check_memory(sc)?;
    if !args.opts.yes {
        let cores = canarysim::run::effective_cores(args.opts.threads);
        canarysim::run::check_exact_budget(&[sc], cores, "this run")?;
    }
    if !args.opts.no_plots {
        check_plotted_rows(sc)?;
    }
    let warnings = decision_warnings(sc);
    print_warnings(&warnings, args.opts.quiet);
    let out_dir = args.opts.out.clone().unwrap_or_else(|| default_out_dir(sc));
    canarysim::run::check_out_dir(&out_dir, out_flag(args.opts.out.is_some()))?;
    let command = command_line();
    let run_toml = canarysim::run::run_toml(&loaded, &command, args.opts.threads)?;
    let plots = !args.opts.no_plots;
    let mut results = None;
    let output = canarysim::run::run_and_write_with(
        sc,
        &out_dir,
        args.opts.threads,
        Some(&run_toml),
        |set, summaries, alarm_start| {
            let mut files = match plots {
                true => run_plots(sc, set, &args.opts.format, alarm_start)?,
                false => Vec::new(),
            };
            let set_results = ResultSet {
                kind: "run",
                scenario: sc.name.clone(),
                seed: sc.seed,
                replications: sc.replications,
                mode: sc.sampling.name().to_owned(),
                canarysim_version: canarysim::report::run_toml::VERSION.to_owned(),
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
                alarm_start: alarm_start_markdown(
                    alarm_start,
                    &canarysim::scenario::format_duration(sc.metrics.warmup),
                ),
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
/// [`canarysim::plot::MAX_PLOTTED_ROWS`] strategy rows.
pub(super) fn check_plotted_rows(sc: &canarysim::model::Scenario) -> Result<(), Error> {
    let per_strategy = if sc.multi_function {
        sc.functions.len() + 1
    } else {
        1
    };
    let rows = sc.strategies.len() * per_strategy;
    if rows > canarysim::plot::MAX_PLOTTED_ROWS {
        return Err(Error::Usage(format!(
            "strategies: {} strategies × {per_strategy} row(s) each make {rows} rows, more than \
             the {} the plots draw; run with --no-plots (the CSV files and report.md hold every \
             row) or split the scenario",
            sc.strategies.len(),
            canarysim::plot::MAX_PLOTTED_ROWS
        )));
    }
    Ok(())
}
