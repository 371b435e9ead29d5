//! Validation hooks (`pre_traffic_hook`, `post_traffic_hook`) of every
//! strategy kind: duration, catch probabilities (overall and per fault
//! kind) and flakiness. How long a hook may run is the kind's to choose
//! (its `Kind::max_hook`): CodeDeploy fails a hook after one hour
//! (reference §2.4), the other kinds model a pipeline test stage.

use std::collections::BTreeMap;

use super::checks::{duration_up_to, probability};
use super::limits::{DAY, HOUR};
use crate::model::{FaultKind, Hook};
use crate::scenario::error::VResult;
use crate::scenario::key_path::KeyPath;
use crate::scenario::raw::RawHook;
use crate::sim::time::Micros;

/// CodeDeploy's hook limit: a hook not reporting within one hour fails.
pub const MAX_HOOK_DURATION: Micros = HOUR;
/// Hook limit of the kinds other than CodeDeploy (a pipeline test stage).
pub const MAX_PIPELINE_HOOK_DURATION: Micros = DAY;

/// The hook at `path`, lasting at most `max`.
pub(super) fn hook(path: &KeyPath, raw: &RawHook, max: Micros) -> VResult<Hook> {
    let why = if max == MAX_HOOK_DURATION {
        "<= 1h (CodeDeploy fails a hook after one hour)"
    } else {
        "<= 1d"
    };
    let duration = duration_up_to(&path.key("duration"), raw.duration.0, max, why)?;
    let base = probability(
        &path.key("catch_probability"),
        raw.catch_probability.unwrap_or(0.0),
    )?;
    let mut catch_probability = [base; 5];
    if let Some(catch) = &raw.catch {
        let overrides: BTreeMap<FaultKind, Option<f64>> = [
            (FaultKind::StepError, catch.step_error),
            (FaultKind::RampError, catch.ramp_error),
            (FaultKind::Intermittent, catch.intermittent),
            (FaultKind::LatencyShift, catch.latency_shift),
            (FaultKind::ColdStart, catch.cold_start),
        ]
        .into_iter()
        .collect();
        for (index, kind) in FaultKind::ALL.iter().enumerate() {
            if let Some(Some(p)) = overrides.get(kind) {
                catch_probability[index] = probability(&path.key("catch").key(kind.name()), *p)?;
            }
        }
    }
    Ok(Hook {
        duration,
        catch_probability,
        flaky_probability: probability(
            &path.key("flaky_probability"),
            raw.flaky_probability.unwrap_or(0.0),
        )?,
    })
}
