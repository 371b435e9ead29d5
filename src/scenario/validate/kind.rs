//! A strategy kind as the validator sees it. Each kind owns its validation
//! in its own file under `crate::strategy`: it declares a [`Kind`] — its
//! `kind` name, its own keys of `[strategies.NAME]`, its hook limit and a
//! `validate` function from the raw table to its `model::StrategyKind` —
//! and `crate::strategy::KINDS` registers it with one line.
//!
//! What every kind shares is checked here, by [`CommonKeys`]: the watched
//! `alarms`, and the poll guard (`rollback`, `rollback_latency`,
//! `poll_interval`) of the kinds that poll alarms as CodeDeploy does. A
//! kind asks for them where they come in its order of checks, so that each
//! kind reports the same first problem as it always has.
//!
//! This file knows no kind, so the kinds can use it without an import
//! cycle (`validate::strategy` is the one that dispatches to them).

use crate::model::{PollGuard, StrategyKind};
use crate::scenario::duration::format_duration;
use crate::scenario::error::{Problem, VResult};
use crate::scenario::key_path::KeyPath;
use crate::scenario::raw::RawStrategy;
use crate::sim::time::{secs, Micros};

pub const DEFAULT_ROLLBACK_LATENCY: Micros = secs(5);
pub const DEFAULT_POLL_INTERVAL: Micros = secs(60);

/// Shortest `poll_interval` (a poll is a control event; 1 s bounds them to
/// 604,800 per replication at the longest horizon).
pub const MIN_POLL_INTERVAL: Micros = secs(1);

/// A strategy kind: what `validate::strategy` needs to check a
/// `[strategies.NAME]` table of this kind.
pub(crate) struct Kind {
    /// The `kind` value in scenario files.
    pub name: &'static str,
    /// The kind-specific keys it accepts (see `RawStrategy::present_keys`);
    /// every kind also takes `kind`, `alarms`, `rollback` and the hooks.
    pub keys: &'static [&'static str],
    /// Longest hook duration (`validate::hooks`).
    pub max_hook: Micros,
    /// Checks the kind's own keys into its spec, asking `common` for the
    /// shared ones at their place in the kind's order of checks.
    pub validate: fn(&KeyPath, &RawStrategy, &mut CommonKeys<'_>) -> VResult<StrategyKind>,
}

/// The keys every kind shares, checked when the kind asks (at most once).
pub(crate) struct CommonKeys<'a> {
    path: &'a KeyPath,
    raw: &'a RawStrategy,
    /// The scenario's alarms, then its `[judges]`, in model order.
    alarm_names: &'a [&'a str],
    /// How many of them are CloudWatch alarms (the first ones).
    cloudwatch: usize,
    /// The function each alarm reads, by name ("" in a single-function
    /// scenario), in model order.
    alarm_functions: &'a [&'a str],
    alarms: Option<Vec<usize>>,
}

impl<'a> CommonKeys<'a> {
    pub(super) fn new(
        path: &'a KeyPath,
        raw: &'a RawStrategy,
        alarm_names: &'a [&'a str],
        alarm_functions: &'a [&'a str],
        cloudwatch: usize,
    ) -> CommonKeys<'a> {
        CommonKeys {
            path,
            raw,
            alarm_names,
            cloudwatch,
            alarm_functions,
            alarms: None,
        }
    }

    /// Checks `alarms`, then finds the function the most watched
    /// CloudWatch alarms read (each function is deployed on its own, e.g.
    /// one CodeDeploy deployment group each; `[judges]` are not CloudWatch
    /// alarms and do not count): its name ("" in a single-function
    /// scenario) and that number of alarms; `("", 0)` when nothing is
    /// watched.
    pub(crate) fn most_alarms_on_one_function(&mut self) -> VResult<(&'a str, usize)> {
        self.check_alarms()?;
        let all = self.alarms.as_deref().unwrap_or_default();
        let watched: Vec<usize> = all
            .iter()
            .copied()
            .filter(|&a| a < self.cloudwatch)
            .collect();
        let watched = watched.as_slice();
        let mut best = ("", 0);
        for &a in watched {
            let function = self.alarm_functions.get(a).copied().unwrap_or("");
            let count = watched
                .iter()
                .filter(|&&b| self.alarm_functions.get(b).copied().unwrap_or("") == function)
                .count();
            if count > best.1 {
                best = (function, count);
            }
        }
        Ok(best)
    }

    /// Checks `alarms`: each name defined under `[alarms]`, none twice.
    pub(crate) fn check_alarms(&mut self) -> VResult<()> {
        if self.alarms.is_none() {
            self.alarms = Some(watched_alarms(self.path, self.raw, self.alarm_names)?);
        }
        Ok(())
    }

    /// Checks `alarms`, then the poll guard: `rollback`,
    /// `rollback_latency` and `poll_interval` (at least
    /// [`MIN_POLL_INTERVAL`]).
    pub(crate) fn guard(&mut self) -> VResult<PollGuard> {
        self.check_alarms()?;
        let raw = self.raw;
        Ok(PollGuard {
            rollback: raw.rollback.unwrap_or(true),
            rollback_latency: raw
                .rollback_latency
                .map_or(DEFAULT_ROLLBACK_LATENCY, |d| d.0),
            poll_interval: match raw.poll_interval {
                None => DEFAULT_POLL_INTERVAL,
                Some(d) if d.0 < MIN_POLL_INTERVAL => {
                    return Err(Problem::new(
                        &self.path.key("poll_interval"),
                        format!(
                            "must be at least 1s (each poll is work in every replication); got {}",
                            format_duration(d.0)
                        ),
                    ))
                }
                Some(d) => d.0,
            },
        })
    }

    /// The watched alarms (scenario indices, sorted), checked now if the
    /// kind did not ask.
    pub(super) fn into_alarms(mut self) -> VResult<Vec<usize>> {
        self.check_alarms()?;
        Ok(self.alarms.unwrap_or_default())
    }
}

/// `alarms`: every alarm of the scenario when absent.
fn watched_alarms(path: &KeyPath, raw: &RawStrategy, alarm_names: &[&str]) -> VResult<Vec<usize>> {
    let Some(names) = &raw.alarms else {
        return Ok((0..alarm_names.len()).collect());
    };
    let mut indices = Vec::with_capacity(names.len());
    for (i, wanted) in names.iter().enumerate() {
        let key = path.key("alarms").index(i);
        let Some(index) = alarm_names.iter().position(|a| a == wanted) else {
            let defined = if alarm_names.is_empty() {
                "no alarms are defined (add [alarms.NAME] tables)".to_string()
            } else {
                format!("defined alarms: {}", alarm_names.join(", "))
            };
            return Err(Problem::new(
                &key,
                format!("unknown alarm {wanted:?}; {defined}"),
            ));
        };
        if indices.contains(&index) {
            return Err(Problem::new(
                &key,
                format!("alarm {wanted:?} is listed twice"),
            ));
        }
        indices.push(index);
    }
    indices.sort_unstable();
    Ok(indices)
}
