//! The sweep plan: the specs of the file and the flags merged, typed into
//! axes, and every grid point's scenario validated before anything runs;
//! then the limits (`--max-points`, the exact-mode time budget) and how the
//! plan is written down (`sweep.csv` key columns, `report.md`, `run.toml`
//! and its fingerprint).
//!
//! Everything a sweep needs to know before it simulates, so that a bad
//! grid point or an oversized grid is refused with nothing written.

use std::path::Path;

use toml::Value;

use crate::model::Scenario;
use crate::report::run_toml::{self, SweepFacts};
use crate::report::{self, RunToml};
use crate::run::{
    apply_overrides, check_exact_budget, document_from_text, read_document, resolved_document,
    Error, Overrides, ScenarioDocument,
};
use crate::scenario::{self, ScenarioError};

use super::axis::{Axis, AxisValue};
use super::grid::Grid;
use super::spec::{self, SpecError};
use super::{journal, Shard, SweepOptions};

/// Most grid points a sweep runs without `--yes` (`--max-points`).
pub const DEFAULT_MAX_POINTS: usize = 1000;

/// A validated sweep: the base scenario, the grid and one validated scenario
/// per grid point.
#[derive(Debug, Clone)]
pub struct SweepPlan {
    /// The file as named in messages.
    pub file: String,
    /// The scenario without sweep values (overrides applied).
    pub base: Scenario,
    pub grid: Grid,
    /// One scenario per grid point, in grid order (first axis slowest).
    pub points: Vec<Scenario>,
    /// The scenario file's header comment (its question), for `report.md`.
    pub question: Option<String>,
    base_doc: Value,
}

impl SweepPlan {
    /// The `sweep.csv` key columns: one per axis.
    pub fn key_columns(&self) -> Vec<String> {
        self.grid.axes.iter().map(|a| a.key.label()).collect()
    }

    /// The axis values of grid point `index`, as written in `sweep.csv`.
    pub fn point_values(&self, index: usize) -> Vec<String> {
        let coords = self.grid.coordinates(index);
        self.grid
            .values(&coords)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    /// The grid in words: the point count, then one line per axis with
    /// its values, for `report.md`.
    pub fn describe_grid(&self) -> String {
        let mut out = format!(
            "{} grid points = {}\n",
            self.points.len(),
            self.grid
                .axes
                .iter()
                .map(|a| format!("{} ({})", a.key.label(), a.values.len()))
                .collect::<Vec<_>>()
                .join(" × ")
        );
        for a in &self.grid.axes {
            let values: Vec<String> = a.values.iter().map(ToString::to_string).collect();
            out.push_str(&format!("{} = {}\n", a.key.label(), values.join(", ")));
        }
        out
    }

    /// `KEY=VALUE, KEY=VALUE` for grid point `index`.
    pub fn describe_point(&self, index: usize) -> String {
        self.key_columns()
            .iter()
            .zip(self.point_values(index))
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Like [`describe_point`](Self::describe_point) with only the last
    /// key of each path (`threshold=1, candidate=healthy`), for the progress
    /// bar.
    pub fn short_point(&self, index: usize) -> String {
        self.grid
            .axes
            .iter()
            .map(|a| a.key.short_label())
            .zip(self.point_values(index))
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The scenario document of grid point `index` (without `[sweep]`), e.g.
    /// to save it and run that point alone with `canarysim run`.
    pub fn point_document(&self, index: usize) -> Value {
        self.grid
            .apply(&self.base_doc, &self.grid.coordinates(index))
            .expect("every grid point was applied when the plan was built")
    }

    /// Replications the whole sweep runs.
    pub fn total_replications(&self) -> u64 {
        self.replications_of(0..self.points.len())
    }

    /// Replications of the grid points `points`.
    pub fn replications_of(&self, points: impl IntoIterator<Item = usize>) -> u64 {
        points
            .into_iter()
            .map(|i| {
                let sc = &self.points[i];
                sc.strategies.len() as u64 * u64::from(sc.replications)
            })
            .sum()
    }

    /// The resolved base document, as `run.toml` records it: the scenario
    /// without `[sweep]`, with `name`, `seed` and `replications` written out.
    pub fn resolved_document(&self) -> Value {
        resolved_document(&self.base_doc, &self.base)
    }

    /// The body of the `[sweep]` table that gives exactly this grid: one
    /// `"KEY" = [V1, V2, ...]` line per axis, in axis order, with typed
    /// values.
    pub fn sweep_table(&self) -> String {
        self.grid
            .axes
            .iter()
            .map(|axis| {
                let values: Vec<String> = axis
                    .values
                    .iter()
                    .map(|v| match v {
                        AxisValue::Value(v) => v.to_string(),
                        other => Value::String(other.to_string()).to_string(),
                    })
                    .collect();
                format!(
                    "{} = [{}]\n",
                    Value::String(axis.key.label()),
                    values.join(", ")
                )
            })
            .collect()
    }

    /// The identity of the resolved sweep as written by canarysim `version`:
    /// a [`run_toml::fingerprint`] of the version, the sampling mode, the
    /// seed, the resolved base document and the grid. Two runs with equal
    /// fingerprints produce the same `sweep.csv` rows for every grid point.
    pub fn fingerprint(&self, version: &str) -> Result<String, Error> {
        let text = format!(
            "canarysim {version}\nmode = {}\nseed = {}\n{}\n[sweep]\n{}",
            self.base.sampling.name(),
            self.base.seed,
            run_toml::scenario_text(&self.resolved_document()).map_err(Error::Internal)?,
            self.sweep_table()
        );
        Ok(run_toml::fingerprint(&text))
    }

    /// The `run.toml` of this sweep (or of one shard of it).
    pub fn run_toml(
        &self,
        version: &str,
        command: &[String],
        threads: Option<usize>,
        shard: Option<Shard>,
    ) -> Result<String, Error> {
        let doc = self.resolved_document();
        let table = self.sweep_table();
        RunToml {
            version,
            command,
            mode: self.base.sampling,
            seed: self.base.seed,
            replications: self.base.replications,
            threads,
            scenario: &doc,
            sweep_table: Some(&table),
            sweep: Some(SweepFacts {
                fingerprint: self.fingerprint(version)?,
                grid_points: self.points.len(),
                shard: shard.map(|s| s.to_string()),
            }),
        }
        .render()
        .map_err(Error::Internal)
    }

    /// How grid point `index` looks in `sweep.csv`.
    pub fn expected_point(&self, index: usize) -> journal::ExpectedPoint {
        journal::ExpectedPoint {
            index,
            values: self.point_values(index),
            labels: journal::expected_labels(&self.points[index]),
        }
    }
}

/// Loads `path`, merges its `[sweep]` table with the `--set` arguments
/// `sets` and validates every grid point. A `run.toml` loads like any
/// scenario (its `[canarysim]` mode and seed apply unless overridden).
pub fn load(path: &Path, sets: &[String], overrides: &Overrides) -> Result<SweepPlan, Error> {
    plan(read_document(path)?, sets, overrides)
}

/// [`load`] from text already read (`file` names it in messages).
pub fn plan_from_text(
    text: &str,
    file: &str,
    sets: &[String],
    overrides: &Overrides,
) -> Result<SweepPlan, Error> {
    plan(
        document_from_text(text.to_owned(), file.to_owned())?,
        sets,
        overrides,
    )
}

/// For `canarysim validate`: when the file has a `[sweep]` table, validates
/// every grid point and describes the grid in one line, e.g. `sweep: 8 grid
/// points = candidate (2) × alarms.error_rate.threshold (2) × ...`.
pub fn describe_file_grid(path: &Path) -> Result<Option<String>, Error> {
    let doc = read_document(path)?;
    if doc.value.get("sweep").is_none() {
        return Ok(None);
    }
    let plan = plan(doc, &[], &Overrides::default())?;
    let axes: Vec<String> = plan
        .grid
        .axes
        .iter()
        .map(|a| format!("{} ({})", a.key.label(), a.values.len()))
        .collect();
    Ok(Some(format!(
        "sweep: {} grid points = {}",
        plan.points.len(),
        axes.join(" × ")
    )))
}

fn plan(doc: ScenarioDocument, sets: &[String], overrides: &Overrides) -> Result<SweepPlan, Error> {
    let overrides = &overrides.with_recorded(&doc);
    let ScenarioDocument {
        text,
        file,
        value: mut doc,
        ..
    } = doc;
    let (text, file) = (text.as_str(), file.as_str());
    let usage = |e: SpecError| Error::Usage(e.to_string());
    let from_file = spec::take_sweep_table(&mut doc, text, file).map_err(usage)?;
    let from_flags = sets
        .iter()
        .map(|s| spec::parse_set(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(usage)?;
    let mut base = scenario::from_value(doc.clone(), text, file)?;
    apply_overrides(&mut base, overrides)?;
    let specs = spec::merge_specs(from_file, from_flags).map_err(usage)?;
    if specs.is_empty() {
        return Err(Error::Usage(format!(
            "nothing to sweep: give --set KEY=V1,V2,... or a [sweep] table in {file}"
        )));
    }
    let axes = specs
        .into_iter()
        .map(|spec| Axis::resolve(spec, &doc))
        .collect::<Result<Vec<_>, _>>()
        .map_err(usage)?;
    let grid = Grid { axes };
    let count = grid
        .point_count()
        .map_err(|m| Error::Usage(format!("{file}: {m}; sweep fewer values")))?;
    let mut points = Vec::with_capacity(count);
    for index in 0..count {
        let coords = grid.coordinates(index);
        let point_doc = grid
            .apply(&doc, &coords)
            .map_err(|(axis, message)| axis_error(&grid, &coords, axis, &message))?;
        let mut sc = scenario::from_value(point_doc, text, file)
            .map_err(|e| point_error(&grid, &coords, e))?;
        apply_overrides(&mut sc, overrides)?;
        points.push(sc);
    }
    Ok(SweepPlan {
        file: file.to_owned(),
        base,
        grid,
        points,
        question: report::header_comment(text),
        base_doc: doc,
    })
}

/// `--set KEY=VALUE: message` (or `FILE: [sweep] KEY=VALUE: message`).
fn axis_error(grid: &Grid, coords: &[usize], axis: usize, message: &str) -> Error {
    let a = &grid.axes[axis];
    let key = format!("{}={}", a.key.label(), a.values[coords[axis]]);
    Error::Usage(format!("{}: {message}", a.origin.describe(&key)))
}

/// Attributes a grid point's validation error to the axis whose key it
/// concerns when there is one (`--set KEY: unknown key ...`,
/// `--set KEY=1.5: wrong type ...`), else names the whole grid point.
fn point_error(grid: &Grid, coords: &[usize], err: ScenarioError) -> Error {
    if let ScenarioError::Invalid { key, message, .. } = &err {
        if let Some(i) = grid.axes.iter().position(|a| a.key.is_at_or_under(key)) {
            let a = &grid.axes[i];
            if message.starts_with("unknown key") {
                return Error::Usage(format!("{}: {message}", a.origin.describe(&a.key.label())));
            }
            return axis_error(grid, coords, i, message);
        }
    }
    let point: Vec<String> = grid
        .axes
        .iter()
        .zip(grid.values(coords))
        .map(|(a, v)| format!("{}={v}", a.key.label()))
        .collect();
    Error::Usage(format!("sweep point {}: {err}", point.join(", ")))
}

/// Refuses, before anything runs or is written, a sweep of more than
/// `max_points` grid points or an exact-mode sweep estimated to take more
/// than an hour ([`check_exact_budget`]), unless `yes`.
pub fn check_limits(plan: &SweepPlan, slice: &[usize], opts: &SweepOptions) -> Result<(), Error> {
    for &i in slice {
        crate::run::check_memory(&plan.points[i])?;
    }
    if opts.yes {
        return Ok(());
    }
    let what = match opts.shard {
        None => format!("the {} grid points of this sweep", slice.len()),
        Some(s) => format!("the {} grid points of shard {s}", slice.len()),
    };
    if slice.len() > opts.max_points {
        return Err(Error::Usage(format!(
            "{what} are more than --max-points {} allows; add --yes to run them all, raise \
             --max-points, sweep fewer values, or spread the grid over machines with --shard K/N",
            opts.max_points
        )));
    }
    let scenarios: Vec<&Scenario> = slice.iter().map(|&i| &plan.points[i]).collect();
    check_exact_budget(&scenarios, crate::run::effective_cores(opts.threads), &what)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::run_toml::VERSION;
    use crate::sweep::fixtures::{plan_of, TEXT};

    fn usage(sets: &[&str]) -> String {
        match plan_of(sets) {
            Err(Error::Usage(m)) => m,
            other => panic!("expected a usage error, got {other:?}"),
        }
    }

    #[test]
    fn plan_validates_every_point_in_grid_order() {
        let plan = plan_of(&["alarms.error_rate.evaluation_periods=1,2"]).unwrap();
        assert_eq!(
            plan.key_columns(),
            [
                "alarms.error_rate.threshold",
                "candidate",
                "alarms.error_rate.evaluation_periods"
            ]
        );
        assert_eq!(plan.points.len(), 8);
        assert_eq!(plan.describe_point(3), "alarms.error_rate.threshold=1, candidate=faulty, alarms.error_rate.evaluation_periods=2");
        let p = &plan.points[3];
        assert_eq!(p.alarms[0].rule.threshold, 1.0);
        assert_eq!(p.alarms[0].rule.evaluation_periods, 2);
        assert!(p.candidate_faulty);
        assert!(!plan.points[0].candidate_faulty);
        assert!(plan
            .points
            .iter()
            .all(|p| p.seed == 3 && p.replications == 4));
        assert_eq!(plan.total_replications(), 8 * 4);
        // The saved document of a point validates to the same scenario.
        let doc = plan.point_document(3);
        let text = toml::to_string(&doc).unwrap();
        let again = scenario::from_value(
            scenario::parse_document(&text, "t.toml").unwrap(),
            &text,
            "t.toml",
        )
        .unwrap();
        assert_eq!(&again, p);
    }

    #[test]
    fn errors_name_the_flag_and_key() {
        assert_eq!(
            usage(&["alarms.error_rate.treshold=1,2"])
                .split(';')
                .next()
                .unwrap(),
            "--set alarms.error_rate.treshold: unknown key \"treshold\""
        );
        assert!(usage(&["alarms.error_rate.treshold=1,2"]).contains("allowed keys here: scope"));
        assert!(usage(&["trafic.rate_per_s=1"])
            .starts_with("--set trafic.rate_per_s: unknown key \"trafic\""));
        let m = usage(&["alarms.error_rate.evaluation_periods=1,1.5"]);
        assert!(
            m.starts_with("--set alarms.error_rate.evaluation_periods=1.5: wrong type"),
            "{m}"
        );
        let m = usage(&["traffic.rate_per_s=-1"]);
        assert!(m.starts_with("--set traffic.rate_per_s=-1: "), "{m}");
        let m = usage(&["horizon=1m"]);
        assert!(m.starts_with("--set horizon=1m: "), "{m}");
        assert!(usage(&["strategies.canary.config=1"])
            .starts_with("--set strategies.canary.config=1: "));
    }

    #[test]
    fn no_axes_is_an_error() {
        let text = TEXT.split("[sweep]").next().unwrap();
        let err = plan_from_text(text, "t.toml", &[], &Overrides::default()).unwrap_err();
        assert!(err.to_string().starts_with("nothing to sweep"), "{err}");
        assert!(
            matches!(err, Error::Usage(_) | Error::Scenario(_)),
            "{err:?}"
        );
    }

    #[test]
    fn the_recorded_sweep_is_the_same_sweep() {
        let overrides = Overrides {
            replications: Some(7),
            seed: Some(u64::MAX),
            sampling: Some(crate::model::Sampling::Exact),
        };
        let sets = [
            "strategies.canary.rollback_latency=5s,30s".to_owned(),
            "versions.candidate.error_rate=0.01,0.125".to_owned(),
        ];
        let plan = plan_from_text(TEXT, "t.toml", &sets, &overrides).unwrap();
        let record = plan
            .run_toml(
                VERSION,
                &["canarysim".into()],
                Some(3),
                Some(Shard::parse("2/5").unwrap()),
            )
            .unwrap();
        let again = plan_from_text(&record, "run.toml", &[], &Overrides::default()).unwrap();
        assert_eq!(again.points, plan.points);
        let axes = |p: &SweepPlan| {
            p.grid
                .axes
                .iter()
                .map(|a| (a.key.clone(), a.values.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(axes(&again), axes(&plan));
        assert_eq!(again.base.name, "t");
        assert_eq!(
            again.fingerprint(VERSION).unwrap(),
            plan.fingerprint(VERSION).unwrap()
        );
        assert!(record.contains("shard = \"2/5\""), "{record}");
        // Anything that changes results changes the fingerprint.
        let fp = plan.fingerprint(VERSION).unwrap();
        assert_ne!(plan.fingerprint("0.0.0").unwrap(), fp);
        for other in [
            Overrides {
                replications: Some(8),
                ..overrides.clone()
            },
            Overrides {
                seed: Some(1),
                ..overrides.clone()
            },
            Overrides {
                sampling: Some(crate::model::Sampling::Fast),
                ..overrides.clone()
            },
        ] {
            let p = plan_from_text(TEXT, "t.toml", &sets, &other).unwrap();
            assert_ne!(p.fingerprint(VERSION).unwrap(), fp, "{other:?}");
        }
        let p = plan_from_text(TEXT, "t.toml", &sets[..1], &overrides).unwrap();
        assert_ne!(p.fingerprint(VERSION).unwrap(), fp);
    }
}
