//! The `[tune]` table as written: the search space (`[tune.space]`, the
//! sweep's syntax), what "bad" means (`[[tune.bad]]` fault profiles with
//! weights, or the scenario's own faults), the objective and the
//! constraints, and the racing schedule. Every error names the file and
//! the key (`FILE: [tune] KEY: message`) and is a usage error (exit 2).

use toml::Value;

use crate::run::Error;
use crate::scenario::parse_duration;
use crate::sim::time::Micros;
use crate::sweep::{axes_of_table, AxisSpec, Origin};

/// The keys `[tune]` accepts, for error messages.
pub const TUNE_KEYS: [&str; 10] = [
    "space",
    "bad",
    "objective",
    "strategy",
    "false_rollback_max",
    "missed_max",
    "deploy_duration_max",
    "initial_replications",
    "max_replications",
    "budget_replications",
];

/// The keys of one `[[tune.bad]]` profile.
const BAD_KEYS: [&str; 3] = ["name", "weight", "faults"];

/// Default false-rollback budget: 1 % of healthy deployments.
pub const DEFAULT_FALSE_ROLLBACK_MAX: f64 = 0.01;
/// Default replications every setting starts with (per arm: the healthy
/// candidate and each bad profile).
pub const DEFAULT_INITIAL_REPLICATIONS: u32 = 32;
/// Default cap on one setting's replications. With 0 false rollbacks in
/// 4,096 healthy runs the one-sided 95 % Clopper–Pearson bound is 0.073 %,
/// so a 1 % budget is decided well before it for any setting whose true
/// rate is below about 0.6 %.
pub const DEFAULT_MAX_REPLICATIONS: u32 = 4096;
/// Default cap on all simulated runs of a tune (every arm's replications).
pub const DEFAULT_BUDGET_REPLICATIONS: u64 = 2_000_000;

/// What the winner minimises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Objective {
    /// Mean excess bad requests over faulty runs (weighted over profiles):
    /// the requests the fault made bad that the candidate's baseline would
    /// have served well (README, "honest metrics").
    ExcessBadRequests,
    /// Mean seconds from deployment start to detection over faulty runs
    /// (weighted over profiles); a miss counts as the horizon (the
    /// detection never happened within the simulated time).
    DetectionTime,
    /// Mean seconds from deployment start to its end over healthy runs.
    DeployDuration,
}

impl Objective {
    pub const NAMES: [&'static str; 3] =
        ["excess_bad_requests", "detection_time", "deploy_duration"];

    pub fn name(self) -> &'static str {
        match self {
            Objective::ExcessBadRequests => Self::NAMES[0],
            Objective::DetectionTime => Self::NAMES[1],
            Objective::DeployDuration => Self::NAMES[2],
        }
    }

    /// The unit of the objective's values, for tables.
    pub fn unit(self) -> &'static str {
        match self {
            Objective::ExcessBadRequests => "requests",
            Objective::DetectionTime | Objective::DeployDuration => "s",
        }
    }

    fn parse(text: &str) -> Option<Objective> {
        match text {
            "excess_bad_requests" => Some(Objective::ExcessBadRequests),
            "detection_time" => Some(Objective::DetectionTime),
            "deploy_duration" => Some(Objective::DeployDuration),
            _ => None,
        }
    }

    /// Whether the objective is measured on the bad profiles' runs.
    pub fn needs_bad(self) -> bool {
        self != Objective::DeployDuration
    }
}

/// One "bad" candidate: a fault list and its weight in the prior.
#[derive(Debug, Clone, PartialEq)]
pub struct BadProfile {
    pub name: String,
    /// Normalised so the profiles' weights sum to 1.
    pub weight: f64,
    /// The `faults` array replacing the scenario's; `None` = the
    /// scenario's own faults.
    pub faults: Option<Value>,
}

/// The `[tune]` table, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct TuneSpec {
    pub space: Vec<AxisSpec>,
    pub bad: Vec<BadProfile>,
    pub objective: Objective,
    /// The strategy tuned (by name); `None` = the scenario's only one.
    pub strategy: Option<String>,
    pub false_rollback_max: f64,
    pub missed_max: Option<f64>,
    pub deploy_duration_max: Option<Micros>,
    pub initial_replications: u32,
    pub max_replications: u32,
    pub budget_replications: u64,
}

/// Removes `[tune]` from `doc` and checks it (`text` is the file's text,
/// read again for the order of `[tune.space]`). A file without `[tune]`
/// gives the defaults with an empty space.
pub fn take_tune_table(doc: &mut Value, text: &str, file: &str) -> Result<TuneSpec, Error> {
    let removed = doc.as_table_mut().and_then(|t| t.remove("tune"));
    let bad_key = |key: &str, m: String| Error::Usage(format!("{file}: [tune] {key}: {m}"));
    let table = match removed {
        None => toml::Table::new(),
        Some(Value::Table(t)) => t,
        Some(_) => return Err(bad_key("", "`tune` must be a table".into())),
    };
    if let Some(key) = table.keys().find(|k| !TUNE_KEYS.contains(&k.as_str())) {
        return Err(bad_key(
            key,
            format!("unknown key; allowed keys: {}", TUNE_KEYS.join(", ")),
        ));
    }
    let space = match table.get("space") {
        None => Vec::new(),
        Some(Value::Table(_)) => space_specs(text, file)?,
        Some(_) => {
            return Err(bad_key(
                "space",
                "must be a table of KEY = [V1, V2, ...] or KEY = \"A..B:STEP\"".into(),
            ))
        }
    };
    let objective = match table.get("objective") {
        None => Objective::ExcessBadRequests,
        Some(Value::String(s)) => Objective::parse(s).ok_or_else(|| {
            bad_key(
                "objective",
                format!(
                    "unknown objective `{s}`; allowed: {}",
                    Objective::NAMES.join(", ")
                ),
            )
        })?,
        Some(_) => {
            return Err(bad_key(
                "objective",
                format!("expected a string: one of {}", Objective::NAMES.join(", ")),
            ))
        }
    };
    let strategy = match table.get("strategy") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(bad_key("strategy", "expected a strategy name".into())),
    };
    let rate = |key: &str| -> Result<Option<f64>, Error> {
        match table.get(key) {
            None => Ok(None),
            Some(v) => match number(v) {
                Some(x) if (0.0..1.0).contains(&x) => Ok(Some(x)),
                _ => Err(bad_key(key, "expected a rate in [0, 1), e.g. 0.01".into())),
            },
        }
    };
    let false_rollback_max = rate("false_rollback_max")?.unwrap_or(DEFAULT_FALSE_ROLLBACK_MAX);
    let missed_max = rate("missed_max")?;
    let deploy_duration_max = match table.get("deploy_duration_max") {
        None => None,
        Some(Value::String(s)) => {
            Some(parse_duration(s).map_err(|m| bad_key("deploy_duration_max", m))?)
        }
        Some(_) => {
            return Err(bad_key(
                "deploy_duration_max",
                "expected a duration such as \"30m\"".into(),
            ))
        }
    };
    let count = |key: &str, default: u64, max: u64| -> Result<u64, Error> {
        match table.get(key) {
            None => Ok(default),
            Some(Value::Integer(i)) if *i >= 2 && (*i as u64) <= max => Ok(*i as u64),
            Some(_) => Err(bad_key(key, format!("expected an integer in 2..={max}"))),
        }
    };
    let initial = count(
        "initial_replications",
        DEFAULT_INITIAL_REPLICATIONS.into(),
        1 << 20,
    )? as u32;
    let max_reps = count(
        "max_replications",
        DEFAULT_MAX_REPLICATIONS.into(),
        crate::scenario::MAX_REPLICATIONS.into(),
    )? as u32;
    if max_reps < initial {
        return Err(bad_key(
            "max_replications",
            format!("{max_reps} is below initial_replications = {initial}"),
        ));
    }
    let budget = count(
        "budget_replications",
        DEFAULT_BUDGET_REPLICATIONS,
        u64::MAX >> 1,
    )?;
    let bad = bad_profiles(table.get("bad"), &bad_key)?;
    Ok(TuneSpec {
        space,
        bad,
        objective,
        strategy,
        false_rollback_max,
        missed_max,
        deploy_duration_max,
        initial_replications: initial,
        max_replications: max_reps,
        budget_replications: budget,
    })
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Integer(i) => Some(*i as f64),
        Value::Float(x) if x.is_finite() => Some(*x),
        _ => None,
    }
}

/// `[tune.space]` in file order, through the sweep's own table reader.
fn space_specs(text: &str, file: &str) -> Result<Vec<AxisSpec>, Error> {
    let origin = Origin::Table(file.to_owned(), "tune.space".into());
    let edit = toml_edit::ImDocument::parse(text)
        .map_err(|e| Error::Usage(format!("{file}: cannot read [tune.space]: {e}")))?;
    let Some(space) = edit
        .as_table()
        .get("tune")
        .and_then(|t| t.as_table_like())
        .and_then(|t| t.get("space"))
        .and_then(|s| s.as_table_like())
    else {
        return Ok(Vec::new());
    };
    axes_of_table(space, &origin).map_err(|e| Error::Usage(e.to_string()))
}

/// `bad` absent or `"scenario"`: the scenario's own faults; else an array
/// of `{ name, weight, faults }` tables.
fn bad_profiles(
    value: Option<&Value>,
    bad_key: &dyn Fn(&str, String) -> Error,
) -> Result<Vec<BadProfile>, Error> {
    let own = || BadProfile {
        name: "scenario".into(),
        weight: 1.0,
        faults: None,
    };
    let list = match value {
        None => return Ok(vec![own()]),
        Some(Value::String(s)) if s == "scenario" => return Ok(vec![own()]),
        Some(Value::Array(list)) if !list.is_empty() => list,
        Some(_) => {
            return Err(bad_key(
                "bad",
                "expected \"scenario\" (the file's faults) or [[tune.bad]] tables with \
                 `faults` and `weight`"
                    .into(),
            ))
        }
    };
    let mut profiles = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let key = |k: &str| format!("bad[{i}].{k}");
        let Some(t) = item.as_table() else {
            return Err(bad_key(&format!("bad[{i}]"), "expected a table".into()));
        };
        if let Some(k) = t.keys().find(|k| !BAD_KEYS.contains(&k.as_str())) {
            return Err(bad_key(
                &key(k),
                format!("unknown key; allowed keys: {}", BAD_KEYS.join(", ")),
            ));
        }
        let weight = match t.get("weight") {
            None => 1.0,
            Some(v) => match number(v) {
                Some(w) if w > 0.0 => w,
                _ => return Err(bad_key(&key("weight"), "expected a number > 0".into())),
            },
        };
        let faults = match t.get("faults") {
            Some(Value::Array(a)) if !a.is_empty() => Value::Array(a.clone()),
            _ => {
                return Err(bad_key(
                    &key("faults"),
                    "expected a non-empty array of fault tables (as [[faults]])".into(),
                ))
            }
        };
        let name = match t.get("name") {
            None => format!("bad{}", i + 1),
            Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
            Some(_) => return Err(bad_key(&key("name"), "expected a non-empty string".into())),
        };
        if profiles.iter().any(|p: &BadProfile| p.name == name) {
            return Err(bad_key(&key("name"), format!("`{name}` is given twice")));
        }
        profiles.push(BadProfile {
            name,
            weight,
            faults: Some(faults),
        });
    }
    let total: f64 = profiles.iter().map(|p| p.weight).sum();
    for p in &mut profiles {
        p.weight /= total;
    }
    Ok(profiles)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> Result<TuneSpec, Error> {
        let mut doc = Value::Table(text.parse::<toml::Table>().unwrap());
        take_tune_table(&mut doc, text, "t.toml")
    }

    fn usage(text: &str) -> String {
        match spec(text) {
            Err(Error::Usage(m)) => m,
            other => panic!("expected a usage error, got {other:?}"),
        }
    }

    #[test]
    fn defaults_and_space_order() {
        let s = spec(
            "[tune]\nfalse_rollback_max = 0.05\n[tune.space]\n\"alarms.a.threshold\" = \"1..3:1\"\n\
             \"alarms.a.evaluation_periods\" = [1, 2]\n",
        )
        .unwrap();
        assert_eq!(s.false_rollback_max, 0.05);
        assert_eq!(s.objective, Objective::ExcessBadRequests);
        assert_eq!(s.space.len(), 2);
        assert_eq!(s.space[0].key.label(), "alarms.a.threshold");
        assert_eq!(s.bad.len(), 1);
        assert!(s.bad[0].faults.is_none());
        assert_eq!(s.initial_replications, DEFAULT_INITIAL_REPLICATIONS);
    }

    #[test]
    fn weights_are_normalised() {
        let s = spec(
            "[[tune.bad]]\nweight = 3\nfaults = [{ kind = \"step_error\", error_rate = 0.05 }]\n\
             [[tune.bad]]\nname = \"big\"\nfaults = [{ kind = \"step_error\", error_rate = 0.2 }]\n",
        )
        .unwrap();
        assert_eq!(s.bad[0].weight, 0.75);
        assert_eq!(s.bad[1].weight, 0.25);
        assert_eq!(s.bad[0].name, "bad1");
        assert_eq!(s.bad[1].name, "big");
    }

    #[test]
    fn errors_name_the_key() {
        assert!(usage("[tune]\nobjectiv = 1\n").starts_with("t.toml: [tune] objectiv: unknown key"));
        assert!(usage("[tune]\nobjective = \"x\"\n")
            .starts_with("t.toml: [tune] objective: unknown objective `x`"));
        assert!(usage("[tune]\nfalse_rollback_max = 2\n")
            .starts_with("t.toml: [tune] false_rollback_max: expected a rate"));
        assert!(usage("[tune]\ninitial_replications = 1\n")
            .starts_with("t.toml: [tune] initial_replications:"));
        assert!(
            usage("[tune]\ninitial_replications = 64\nmax_replications = 32\n")
                .starts_with("t.toml: [tune] max_replications:")
        );
        assert!(usage("[[tune.bad]]\nweight = 0\nfaults = [{}]\n")
            .starts_with("t.toml: [tune] bad[0].weight:"));
        assert!(usage("[[tune.bad]]\nfaults = []\n").starts_with("t.toml: [tune] bad[0].faults:"));
        assert!(usage("[[tune.bad]]\nfault = 1\n").starts_with("t.toml: [tune] bad[0].fault:"));
        assert!(usage("[tune]\ndeploy_duration_max = \"x\"\n")
            .starts_with("t.toml: [tune] deploy_duration_max:"));
        assert!(usage("[tune.space]\n\"alarms.a.threshold\" = []\n")
            .starts_with("t.toml: [tune.space] alarms.a.threshold: empty list"));
    }
}
