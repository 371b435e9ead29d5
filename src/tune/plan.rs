//! The tune plan: the scenario without `[tune]`, the search space typed
//! into the sweep's grid, and for every setting (grid point) the validated
//! scenarios of its arms — the healthy candidate (every fault removed, as
//! the sweep's `candidate = "healthy"`), then each bad profile (its fault
//! list in place of the file's, or the file's own faults) — before
//! anything runs.
//!
//! A setting whose scenario does not validate (e.g. `datapoints_to_alarm`
//! above `evaluation_periods` in an M-of-N space) is not run and reported
//! as invalid, unless no setting is valid or the error names an unknown
//! key (a typo, which no setting could fix): then the plan fails.

use std::path::Path;

use toml::Value;

use crate::model::Scenario;
use crate::report;
use crate::run::{apply_overrides, document_from_text, read_document, Error, Overrides};
use crate::scenario::{self, ScenarioError};
use crate::seed::replication_seed;
use crate::strategy::nominal_duration;
use crate::sweep::document::remove_faults;
use crate::sweep::{merge_specs, parse_set, Axis, Grid};
use crate::world::{run_replication, ReplicationOptions};

use super::race::{Arms, RaceConfig, RunObs};
use super::spec::{take_tune_table, TuneSpec};

/// One setting: its document and its arms' scenarios, or why it is not run.
#[derive(Debug, Clone)]
pub struct Setting {
    /// The scenario document of the setting (the file's faults kept).
    pub doc: Value,
    /// Healthy arm first, then one per bad profile; empty when not run.
    pub arms: Vec<Scenario>,
    /// Why the setting is not run (invalid, or nominally too slow).
    pub not_run: Option<String>,
    /// Nominal deployment duration of the tuned strategy, seconds.
    pub nominal_s: Option<f64>,
}

/// A validated tune.
#[derive(Debug, Clone)]
pub struct TunePlan {
    pub file: String,
    pub base: Scenario,
    pub spec: TuneSpec,
    pub grid: Grid,
    pub settings: Vec<Setting>,
    /// The name of the strategy tuned.
    pub strategy: String,
    /// Whether the bad profiles are run (the objective or `missed_max`
    /// needs them).
    pub with_bad: bool,
    pub question: Option<String>,
}

impl TunePlan {
    /// The key columns: one per axis of the space.
    pub fn key_columns(&self) -> Vec<String> {
        self.grid.axes.iter().map(|a| a.key.label()).collect()
    }

    /// The axis values of setting `index`.
    pub fn values(&self, index: usize) -> Vec<String> {
        self.grid
            .values(&self.grid.coordinates(index))
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    /// `KEY=VALUE, ...` of setting `index`.
    pub fn describe(&self, index: usize) -> String {
        self.key_columns()
            .iter()
            .zip(self.values(index))
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The race's parameters.
    pub fn race_config(&self) -> RaceConfig {
        RaceConfig {
            objective: self.spec.objective,
            weights: if self.with_bad {
                self.spec.bad.iter().map(|b| b.weight).collect()
            } else {
                Vec::new()
            },
            miss_penalty_s: crate::sim::time::to_secs(self.base.horizon),
            false_rollback_max: self.spec.false_rollback_max,
            missed_max: self.spec.missed_max,
            initial_replications: self.spec.initial_replications,
            max_replications: self.spec.max_replications,
            budget_replications: self.spec.budget_replications,
        }
    }

    /// Arms per setting (healthy + the bad profiles run).
    pub fn arm_count(&self) -> usize {
        1 + if self.with_bad {
            self.spec.bad.len()
        } else {
            0
        }
    }
}

impl Arms for TunePlan {
    fn settings(&self) -> usize {
        self.settings.len()
    }

    fn arms(&self) -> usize {
        self.arm_count()
    }

    fn runnable(&self, setting: usize) -> bool {
        self.settings[setting].not_run.is_none()
    }

    /// Replication r of an arm draws the stream (seed, strategy, r), as
    /// `canarysim run` and `sweep` do, so it is the same run they give.
    fn run(&self, setting: usize, arm: usize, replication: u32) -> RunObs {
        let sc = &self.settings[setting].arms[arm];
        let s = sc
            .strategies
            .iter()
            .position(|s| s.name == self.strategy)
            .expect("every arm has the tuned strategy (checked by the plan)");
        let seed = replication_seed(sc.seed, &self.strategy, replication);
        let out = run_replication(
            sc,
            s,
            replication,
            seed,
            ReplicationOptions { timeline: false },
        );
        let r = out.record;
        RunObs {
            rolled_back: r.outcome == crate::record::Outcome::RolledBack,
            completed: r.outcome == crate::record::Outcome::Completed,
            excess_bad_requests: r.excess_bad_requests,
            detection_s: r.detection_s,
            deploy_s: r.deploy_s,
        }
    }
}

/// Loads `path`, merges `[tune.space]` with the `--set` arguments and
/// validates every setting's arms.
pub fn load(
    path: &Path,
    sets: &[String],
    overrides: &Overrides,
    budget: Option<u64>,
) -> Result<TunePlan, Error> {
    let doc = read_document(path)?;
    plan(doc, sets, overrides, budget)
}

/// [`load`] from text (`file` names it in messages).
pub fn plan_from_text(
    text: &str,
    file: &str,
    sets: &[String],
    overrides: &Overrides,
    budget: Option<u64>,
) -> Result<TunePlan, Error> {
    let doc = document_from_text(text.to_owned(), file.to_owned())?;
    plan(doc, sets, overrides, budget)
}

fn plan(
    doc: crate::run::ScenarioDocument,
    sets: &[String],
    overrides: &Overrides,
    budget: Option<u64>,
) -> Result<TunePlan, Error> {
    let overrides = overrides.with_recorded(&doc);
    let (text, file, mut value) = (doc.text, doc.file, doc.value);
    let mut spec = take_tune_table(&mut value, &text, &file)?;
    if let Some(t) = value.as_table_mut() {
        t.remove("sweep");
    }
    if let Some(b) = budget {
        spec.budget_replications = b;
    }
    let usage = |e: crate::sweep::SpecError| Error::Usage(e.to_string());
    let flags = sets
        .iter()
        .map(|s| parse_set(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(usage)?;
    let specs = merge_specs(std::mem::take(&mut spec.space), flags).map_err(usage)?;
    if specs.is_empty() {
        return Err(Error::Usage(format!(
            "nothing to tune: give [tune.space] in {file} or --set KEY=V1,V2,..."
        )));
    }
    if let Some(s) = specs
        .iter()
        .find(|s| s.key == crate::sweep::SweepKey::Candidate)
    {
        return Err(Error::Usage(format!(
            "{}: tune sets the candidate itself (healthy, then each [[tune.bad]] profile)",
            s.origin.describe("candidate")
        )));
    }
    let mut base = scenario::from_value(value.clone(), &text, &file)?;
    apply_overrides(&mut base, &overrides)?;
    let strategy = pick_strategy(&base, &spec, &file)?;
    let with_bad = spec.objective.needs_bad() || spec.missed_max.is_some();
    if with_bad && spec.bad.iter().any(|b| b.faults.is_none()) && !base.candidate_faulty {
        return Err(Error::Usage(format!(
            "{file}: [tune] bad: the scenario has no faults to count as the bad release; \
             add [[faults]] or [[tune.bad]] profiles with `faults`"
        )));
    }
    let axes = specs
        .into_iter()
        .map(|s| Axis::resolve(s, &value))
        .collect::<Result<Vec<_>, _>>()
        .map_err(usage)?;
    let grid = Grid { axes };
    let count = grid
        .point_count()
        .map_err(|m| Error::Usage(format!("{file}: {m}; tune fewer values")))?;
    let mut settings = Vec::with_capacity(count);
    let mut first_error = None;
    for index in 0..count {
        let coords = grid.coordinates(index);
        let point = grid.apply(&value, &coords).map_err(|(axis, m)| {
            let a = &grid.axes[axis];
            Error::Usage(format!("{}: {m}", a.origin.describe(&a.key.label())))
        })?;
        let where_ = || {
            grid.axes
                .iter()
                .zip(grid.values(&coords))
                .map(|(a, v)| format!("{}={v}", a.key.label()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match arms_of(&point, &spec, with_bad, &text, &file, &overrides) {
            Ok(arms) => {
                let s = arms[0]
                    .strategies
                    .iter()
                    .find(|s| s.name == strategy)
                    .ok_or_else(|| {
                        Error::Usage(format!(
                            "setting {}: no strategy `{strategy}` any more",
                            where_()
                        ))
                    })?;
                let nominal = crate::sim::time::to_secs(nominal_duration(s));
                let slow = spec.deploy_duration_max.and_then(|max| {
                    let max_s = crate::sim::time::to_secs(max);
                    (nominal > max_s).then(|| {
                        format!("nominal deployment {nominal} s > deploy_duration_max {max_s} s")
                    })
                });
                settings.push(Setting {
                    doc: point,
                    arms: if slow.is_some() { Vec::new() } else { arms },
                    not_run: slow,
                    nominal_s: Some(nominal),
                });
            }
            Err(e) => {
                let unknown = matches!(&e, ScenarioError::Invalid { message, .. }
                    if message.starts_with("unknown key"));
                let msg = format!("setting {}: {e}", where_());
                if unknown {
                    return Err(Error::Usage(msg));
                }
                first_error.get_or_insert(msg.clone());
                settings.push(Setting {
                    doc: point,
                    arms: Vec::new(),
                    not_run: Some(format!("invalid: {e}")),
                    nominal_s: None,
                });
            }
        }
    }
    if settings.iter().all(|s| s.arms.is_empty()) {
        return Err(Error::Usage(first_error.unwrap_or_else(|| {
            format!("{file}: [tune] deploy_duration_max: no setting deploys that fast")
        })));
    }
    Ok(TunePlan {
        file: file.clone(),
        base,
        spec,
        grid,
        settings,
        strategy,
        with_bad,
        question: report::header_comment(&text),
    })
}

/// `[tune] strategy`, or the scenario's only strategy.
fn pick_strategy(base: &Scenario, spec: &TuneSpec, file: &str) -> Result<String, Error> {
    let names: Vec<&str> = base.strategies.iter().map(|s| s.name.as_str()).collect();
    match &spec.strategy {
        Some(name) if names.contains(&name.as_str()) => Ok(name.clone()),
        Some(name) => Err(Error::Usage(format!(
            "{file}: [tune] strategy: no strategy `{name}` (strategies: {})",
            names.join(", ")
        ))),
        None if names.len() == 1 => Ok(names[0].to_owned()),
        None => Err(Error::Usage(format!(
            "{file}: [tune] strategy: the scenario has {} strategies ({}); name the one to tune",
            names.len(),
            names.join(", ")
        ))),
    }
}

/// The validated arms of one setting: healthy, then each bad profile.
fn arms_of(
    point: &Value,
    spec: &TuneSpec,
    with_bad: bool,
    text: &str,
    file: &str,
    overrides: &Overrides,
) -> Result<Vec<Scenario>, ScenarioError> {
    let mut docs = Vec::new();
    let mut healthy = point.clone();
    remove_faults(&mut healthy);
    docs.push(healthy.clone());
    if with_bad {
        for profile in &spec.bad {
            docs.push(match &profile.faults {
                None => point.clone(),
                Some(faults) => {
                    let mut d = healthy.clone();
                    if let Some(t) = d.as_table_mut() {
                        t.insert("faults".into(), faults.clone());
                    }
                    d
                }
            });
        }
    }
    docs.into_iter()
        .map(|d| {
            let mut sc = scenario::from_value(d, text, file)?;
            // The overrides were checked on the base scenario.
            let _ = apply_overrides(&mut sc, overrides);
            Ok(sc)
        })
        .collect()
}
