//! The ranked table in every form: terminal, `tune.csv`, `tune.md`,
//! `tune.json`, and `report.md` (what was searched, the constraint, why
//! the winner won, replications used against a full grid).

use std::fmt::Write as _;

use serde_json::{json, Value as Json};

use super::bounds::DECISION_LEVEL;
use super::plan::TunePlan;
use super::race::Stop;
use super::result::{Row, TuneResult};

/// The fixed columns after the key columns.
pub const COLUMNS: [&str; 16] = [
    "status",
    "replications",
    "false_rollbacks",
    "false_rollback_rate",
    "false_rollback_lo95",
    "false_rollback_hi95",
    "missed_rate",
    "missed_hi95",
    "objective",
    "objective_mean",
    "objective_lo",
    "objective_hi",
    "nominal_deploy_s",
    "pareto",
    "dropped_round",
    "reason",
];

fn num(x: Option<f64>) -> String {
    x.map(|v| format!("{v}")).unwrap_or_default()
}

fn record(plan: &TunePlan, r: &Row) -> Vec<String> {
    let mut v = vec![r.rank.to_string()];
    v.extend(r.values.iter().cloned());
    v.extend([
        r.status.name().to_owned(),
        r.replications.to_string(),
        r.false_rollbacks.to_string(),
        num(r.false_rollback_rate),
        num(r.false_rollback_lower),
        num(r.false_rollback_upper),
        num(r.missed_rate),
        num(r.missed_upper),
        plan.spec.objective.name().to_owned(),
        num(r.objective_mean),
        num(r.objective_lo),
        num(r.objective_hi),
        num(r.nominal_deploy_s),
        r.pareto.to_string(),
        r.dropped_round.map(|d| d.to_string()).unwrap_or_default(),
        r.reason.clone(),
    ]);
    v
}

fn header(plan: &TunePlan) -> Vec<String> {
    let mut h = vec!["rank".to_owned()];
    h.extend(plan.key_columns());
    h.extend(COLUMNS.iter().map(|c| (*c).to_owned()));
    h
}

/// `tune.csv`: one row per setting, in rank order.
pub fn tune_csv(plan: &TunePlan, result: &TuneResult) -> Result<String, String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header(plan)).map_err(|e| e.to_string())?;
    for r in &result.rows {
        w.write_record(record(plan, r)).map_err(|e| e.to_string())?;
    }
    String::from_utf8(w.into_inner().map_err(|e| e.to_string())?).map_err(|e| e.to_string())
}

fn pct(x: Option<f64>) -> String {
    x.map(|v| format!("{:.2} %", v * 100.0))
        .unwrap_or("–".into())
}

fn short(x: Option<f64>) -> String {
    x.map(|v| {
        if v.abs() >= 100.0 {
            format!("{v:.0}")
        } else {
            format!("{v:.2}")
        }
    })
    .unwrap_or("–".into())
}

/// The ranked table as Markdown, first `limit` rows.
pub fn markdown_table(plan: &TunePlan, result: &TuneResult, limit: usize) -> String {
    let obj = format!(
        "{} ({})",
        plan.spec.objective.name(),
        plan.spec.objective.unit()
    );
    let mut cols = vec!["rank".to_owned()];
    cols.extend(plan.key_columns());
    cols.extend(
        [
            "status",
            "reps",
            "false rollbacks (95 % upper)",
            obj.as_str(),
            "why dropped",
        ]
        .map(String::from),
    );
    let mut out = format!("| {} |\n", cols.join(" | "));
    out.push_str(&format!("|{}\n", "---|".repeat(cols.len())));
    for r in result.rows.iter().take(limit) {
        let mut cells = vec![r.rank.to_string()];
        cells.extend(r.values.iter().cloned());
        cells.extend([
            r.status.name().to_owned(),
            r.replications.to_string(),
            format!(
                "{} ({})",
                pct(r.false_rollback_rate),
                pct(r.false_rollback_upper)
            ),
            format!(
                "{} [{}, {}]",
                short(r.objective_mean),
                short(r.objective_lo),
                short(r.objective_hi)
            ),
            r.reason.replace('|', "\\|"),
        ]);
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    if result.rows.len() > limit {
        out.push_str(&format!(
            "\n({} more settings in tune.csv)\n",
            result.rows.len() - limit
        ));
    }
    out
}

/// The terminal summary: the winner, the ranking confidence, the top rows.
pub fn terminal(plan: &TunePlan, result: &TuneResult) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", verdict(plan, result));
    let _ = writeln!(out, "{}", effort(result));
    out.push('\n');
    out.push_str(&markdown_table(plan, result, 12));
    out
}

fn stop_words(stop: Stop) -> &'static str {
    match stop {
        Stop::Separated => "one feasible setting was left",
        Stop::MaxReplications => "the survivors reached max_replications",
        Stop::Budget => "the replication budget would have been exceeded by the next round",
        Stop::NoneLeft => "every setting was dropped",
    }
}

fn effort(result: &TuneResult) -> String {
    format!(
        "{} simulated runs in {} round(s) ({}); a full grid at the winner's precision: {} runs ({:.1}×)",
        result.runs,
        result.rounds,
        stop_words(result.stop),
        result.full_grid_runs,
        result.full_grid_runs as f64 / result.runs.max(1) as f64
    )
}

/// One sentence: the recommendation and how sure it is.
pub fn verdict(plan: &TunePlan, result: &TuneResult) -> String {
    let Some(w) = result.winner.and_then(|w| result.row(w)) else {
        return format!(
            "No setting met the constraints at {:.0} % confidence (false rollbacks ≤ {}).",
            DECISION_LEVEL * 100.0,
            plan.spec.false_rollback_max
        );
    };
    let confidence = match (result.ranking.confidence, result.ranking.runner_up) {
        (Some(c), Some(r)) => format!(
            "; P(better than the runner-up {}) = {:.3} on {} paired replications",
            plan.describe(r),
            c,
            result.ranking.common_replications
        ),
        _ => "; no runner-up to compare with".into(),
    };
    format!(
        "Recommended: {} — {} = {} [{}, {}], false rollbacks {} (95 % upper bound {} ≤ {}) after {} replications{}.",
        plan.describe(w.index),
        plan.spec.objective.name(),
        short(w.objective_mean),
        short(w.objective_lo),
        short(w.objective_hi),
        pct(w.false_rollback_rate),
        pct(w.false_rollback_upper),
        pct(Some(plan.spec.false_rollback_max)),
        w.replications,
        confidence
    )
}

/// `tune.json`: the question, the race and every row.
pub fn tune_json(plan: &TunePlan, result: &TuneResult, command: &[String], version: &str) -> Json {
    let rows: Vec<Json> = result
        .rows
        .iter()
        .map(|r| {
            let mut o = serde_json::Map::new();
            for (h, v) in header(plan).iter().zip(record(plan, r)) {
                o.insert(h.clone(), Json::String(v));
            }
            Json::Object(o)
        })
        .collect();
    json!({
        "canarysim": version,
        "kind": "tune",
        "command": command,
        "scenario": plan.file,
        "seed": plan.base.seed,
        "mode": plan.base.sampling.name(),
        "strategy": plan.strategy,
        "objective": plan.spec.objective.name(),
        "false_rollback_max": plan.spec.false_rollback_max,
        "missed_max": plan.spec.missed_max,
        "bad": plan.spec.bad.iter().map(|b| json!({"name": b.name, "weight": b.weight})).collect::<Vec<_>>(),
        "space": plan.grid.axes.iter().map(|a| json!({
            "key": a.key.label(),
            "values": a.values.iter().map(ToString::to_string).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "winner": result.winner.map(|w| plan.describe(w)),
        "runner_up": result.ranking.runner_up.map(|r| plan.describe(r)),
        "ranking_confidence": result.ranking.confidence,
        "stop": format!("{:?}", result.stop),
        "rounds": result.rounds,
        "runs": result.runs,
        "full_grid_runs": result.full_grid_runs,
        "rows": rows,
    })
}

/// `report.md`.
pub fn report_md(
    plan: &TunePlan,
    result: &TuneResult,
    winner_toml: &str,
    winner_yaml: &str,
    plot: Option<&str>,
) -> String {
    let mut md = format!("# canarysim tune: {}\n\n", plan.base.name);
    if let Some(q) = &plan.question {
        let _ = writeln!(md, "{q}\n");
    }
    md.push_str("## What was searched\n\n");
    let n = plan.settings.len();
    let _ = writeln!(
        md,
        "{n} settings of strategy `{}` ({} mode, seed {}):\n",
        plan.strategy,
        plan.base.sampling.name(),
        plan.base.seed
    );
    for a in &plan.grid.axes {
        let vals: Vec<String> = a.values.iter().map(ToString::to_string).collect();
        let _ = writeln!(md, "- `{}` = {}", a.key.label(), vals.join(", "));
    }
    let invalid = plan.settings.iter().filter(|s| s.not_run.is_some()).count();
    if invalid > 0 {
        let _ = writeln!(md, "\n{invalid} setting(s) were not run (invalid, or nominally slower than `deploy_duration_max`).");
    }
    md.push_str("\n## The question\n\n");
    let _ = writeln!(
        md,
        "Minimise **{}** ({}) subject to: false-rollback rate over healthy deployments ≤ {} \
         with {:.0} % confidence (one-sided Clopper–Pearson upper bound){}{}.\n",
        plan.spec.objective.name(),
        objective_words(plan),
        plan.spec.false_rollback_max,
        DECISION_LEVEL * 100.0,
        plan.spec
            .missed_max
            .map(|m| format!("; weighted missed rate ≤ {m} (Σ wₖ·upper boundₖ)"))
            .unwrap_or_default(),
        plan.spec
            .deploy_duration_max
            .map(|d| format!("; nominal deployment ≤ {} s", crate::sim::time::to_secs(d)))
            .unwrap_or_default(),
    );
    if plan.with_bad {
        md.push_str("A bad release is:\n\n");
        for b in &plan.spec.bad {
            let what = match &b.faults {
                None => "the scenario's own faults".to_owned(),
                Some(f) => format!("`{}`", f.to_string().replace('\n', " ")),
            };
            let _ = writeln!(md, "- `{}` (weight {:.3}): {what}", b.name, b.weight);
        }
        md.push('\n');
    }
    md.push_str("## Answer\n\n");
    let _ = writeln!(md, "{}\n", verdict(plan, result));
    let _ = writeln!(md, "{}\n", effort(result));
    md.push_str(
        "Racing: every setting starts with the same replications (common random numbers: \
         replication r is the stream (seed, strategy, r) for every setting and arm); each \
         round doubles the survivors' replications; a setting is dropped when its \
         false-rollback lower bound exceeds the budget, when it is identical to an earlier \
         setting on every replication, or when a feasible setting beats it with 95 % \
         confidence on paired differences (one-sided Student t). The ranking confidence is \
         the paired Student-t probability that the winner's mean is below the runner-up's.\n\n",
    );
    let mut reasons: std::collections::BTreeMap<&str, usize> = Default::default();
    for r in &result.rows {
        *reasons.entry(r.status.name()).or_default() += 1;
    }
    let counts: Vec<String> = reasons.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    let _ = writeln!(md, "Settings by outcome: {}.\n", counts.join(", "));
    if let Some(p) = plot {
        let _ = writeln!(
            md,
            "![Pareto front: false-rollback rate against {}]({p})\n",
            plan.spec.objective.name()
        );
    }
    md.push_str("## Ranking (top 20)\n\n");
    md.push_str(&markdown_table(plan, result, 20));
    if !winner_toml.is_empty() {
        md.push_str(
            "\n## The winner as configuration\n\nScenario TOML (`winner.toml`):\n\n```toml\n",
        );
        md.push_str(winner_toml);
        md.push_str("```\n\nCloudFormation / SAM (`winner.yaml`):\n\n```yaml\n");
        md.push_str(winner_yaml);
        md.push_str("```\n");
    }
    md
}

fn objective_words(plan: &TunePlan) -> String {
    match plan.spec.objective {
        super::spec::Objective::ExcessBadRequests => {
            "mean excess bad requests over faulty runs, weighted over the bad profiles".into()
        }
        super::spec::Objective::DetectionTime => format!(
            "mean seconds to detection over faulty runs, weighted; a miss counts as the horizon, {} s",
            crate::sim::time::to_secs(plan.base.horizon)
        ),
        super::spec::Objective::DeployDuration => {
            "mean deployment duration over healthy runs".into()
        }
    }
}
