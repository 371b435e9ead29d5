//! The tune's output folder, written as one set
//! ([`crate::report::AtomicFileSet`]): `tune.csv`, `tune.md`, `tune.json`,
//! `report.md`, `winner.toml`, `winner.yaml` and the Pareto plot
//! (`pareto.svg` and `pareto.png`).

use std::path::{Path, PathBuf};

use crate::plot::{render_png, render_svg, ParetoChart, ParetoPoint};
use crate::report::AtomicFileSet;
use crate::run::Error;

use super::config::{cloudformation_yaml, toml_fragment};
use super::export::{markdown_table, report_md, tune_csv, tune_json};
use super::plan::TunePlan;
use super::result::{Status, TuneResult};

pub const TUNE_CSV: &str = "tune.csv";
/// Every file a tune writes (the plots only unless `no_plots`).
pub const TUNE_FILES: [&str; 8] = [
    "tune.csv",
    "tune.md",
    "tune.json",
    "report.md",
    "winner.toml",
    "winner.yaml",
    "pareto.svg",
    "pareto.png",
];

/// `out/<scenario name>-tune/`.
pub fn default_out_dir(plan: &TunePlan) -> PathBuf {
    Path::new("out").join(format!("{}-tune", plan.base.name))
}

/// Writes the folder; returns the files written.
pub fn write_outputs(
    plan: &TunePlan,
    result: &TuneResult,
    dir: &Path,
    command: &[String],
    version: &str,
    plots: bool,
) -> Result<Vec<PathBuf>, Error> {
    let internal = |e: String| Error::Internal(e);
    let mut set = AtomicFileSet::replace(dir)?;
    set.write_bytes(
        "tune.csv",
        tune_csv(plan, result).map_err(internal)?.as_bytes(),
    )?;
    set.write_bytes(
        "tune.md",
        markdown_table(plan, result, usize::MAX).as_bytes(),
    )?;
    let json = serde_json::to_string_pretty(&tune_json(plan, result, command, version))
        .map_err(|e| internal(e.to_string()))?;
    set.write_bytes("tune.json", format!("{json}\n").as_bytes())?;
    let (toml, yaml) = match result.winner {
        Some(w) => (toml_fragment(plan, w), cloudformation_yaml(plan, w)),
        None => (String::new(), String::new()),
    };
    if result.winner.is_some() {
        set.write_bytes("winner.toml", toml.as_bytes())?;
        set.write_bytes("winner.yaml", yaml.as_bytes())?;
    }
    let plot = if plots {
        let chart = pareto_chart(plan, result);
        let svg = render_svg(&chart).map_err(|e| internal(e.to_string()))?;
        set.write_bytes("pareto.svg", svg.as_bytes())?;
        let png = set.stage_path("pareto.png")?;
        render_png(&chart, &png).map_err(|e| internal(e.to_string()))?;
        Some("pareto.svg")
    } else {
        None
    };
    set.write_bytes(
        "report.md",
        report_md(plan, result, &toml, &yaml, plot).as_bytes(),
    )?;
    Ok(set.commit()?)
}

fn pareto_chart(plan: &TunePlan, result: &TuneResult) -> ParetoChart {
    let points = result
        .rows
        .iter()
        .filter(|r| {
            !matches!(
                result.lanes[r.index].dropped,
                Some((_, super::race::DropReason::Identical { .. }))
            )
        })
        .filter_map(|r| {
            Some(ParetoPoint {
                false_rollback: r.false_rollback_rate?,
                false_rollback_upper: r.false_rollback_upper?,
                objective: r.objective_mean?,
                front: r.pareto,
                // Shown within the budget on its own replications.
                feasible: r.false_rollback_upper? <= plan.spec.false_rollback_max,
                winner: r.status == Status::Winner,
                label: plan.values(r.index).join(", "),
            })
        })
        .collect();
    ParetoChart {
        title: format!("{}: which setting?", plan.base.name),
        subtitle: format!(
            "{} settings of {}; budget: false rollbacks ≤ {} (95 % upper bound)",
            plan.settings.len(),
            plan.key_columns().join(" × "),
            plan.spec.false_rollback_max
        ),
        x_label: "false-rollback rate (healthy runs)".into(),
        y_label: format!(
            "{} ({})",
            plan.spec.objective.name().replace('_', " "),
            plan.spec.objective.unit()
        ),
        budget: plan.spec.false_rollback_max,
        points,
    }
}
