//! `[[faults]]` (also a function's `faults`): the faults injected into the
//! candidate. One flat table whose allowed keys depend on `kind`; each kind
//! says which it takes and which it requires. An intermittent fault's
//! on/off edges are bounded ([`MAX_FAULT_EDGES`]) once the horizon is known.

use super::checks::{
    integer_at_least, latency_ms, nonzero_probability, positive, positive_duration, probability,
    required, shown,
};
use super::limits::MAX_LATENCY_MS;
use crate::model::{Failure, Fault, FaultKind, Function};
use crate::scenario::duration::format_duration;
use crate::scenario::error::{Problem, VResult};
use crate::scenario::key_path::KeyPath;
use crate::scenario::raw::RawFault;
use crate::sim::time::Micros;

const FAULT_KINDS: &str = "step_error, ramp_error, intermittent, latency_shift, cold_start";

/// Most on/off edges an intermittent fault may have within the horizon:
/// each is a control event of every replication, so a tiny `on`/`off`
/// would make a replication's work (and its event queue) unbounded.
pub const MAX_FAULT_EDGES: u64 = 100_000;

/// Largest `multiplier` of a `latency_shift` fault.
pub const MAX_LATENCY_MULTIPLIER: f64 = 1000.0;

/// The faults of the list at `path`.
pub(super) fn faults(path: &KeyPath, raw: &[RawFault]) -> VResult<Vec<Fault>> {
    raw.iter()
        .enumerate()
        .map(|(i, f)| fault(&path.index(i), f))
        .collect()
}

fn fault_kind(name: &str) -> Option<FaultKind> {
    FaultKind::ALL.into_iter().find(|k| k.name() == name)
}

/// Keys allowed in a `[[faults]]` table of the given kind (besides `kind`).
fn fault_keys(kind: FaultKind) -> &'static [&'static str] {
    match kind {
        FaultKind::StepError => &["after", "error_rate", "failure"],
        FaultKind::RampError => &["after", "from", "to", "over", "failure"],
        FaultKind::Intermittent => &["after", "error_rate", "on", "off", "failure"],
        FaultKind::LatencyShift => &["after", "add_ms", "multiplier"],
        FaultKind::ColdStart => &["requests", "extra_ms"],
    }
}

fn fault(path: &KeyPath, raw: &RawFault) -> VResult<Fault> {
    let kind = fault_kind(&raw.kind).ok_or_else(|| {
        Problem::new(
            &path.key("kind"),
            format!("unknown fault kind {:?}; allowed: {FAULT_KINDS}", raw.kind),
        )
    })?;
    let allowed = fault_keys(kind);
    if let Some(key) = raw
        .present_keys()
        .into_iter()
        .find(|k| !allowed.contains(k))
    {
        return Err(Problem::new(
            &path.key(key),
            format!(
                "not allowed for fault kind \"{}\"; its keys are: kind, {}",
                kind.name(),
                allowed.join(", ")
            ),
        ));
    }
    let why = format!("fault kind \"{}\" needs it", kind.name());
    let after = raw.after.map_or(Micros::ZERO, |d| d.0);
    let failure = match &raw.failure {
        None => Failure::Unhandled,
        Some(f) => super::versions::failure(&path.key("failure"), f)?,
    };
    let fault = match kind {
        FaultKind::StepError => Fault::StepError {
            after,
            error_rate: nonzero_probability(
                &path.key("error_rate"),
                required(&path.key("error_rate"), raw.error_rate, &why)?,
            )?,
            failure,
        },
        FaultKind::RampError => Fault::RampError {
            after,
            over: positive_duration(
                &path.key("over"),
                required(&path.key("over"), raw.over, &why)?.0,
            )?,
            from: probability(&path.key("from"), raw.from.unwrap_or(0.0))?,
            to: probability(&path.key("to"), required(&path.key("to"), raw.to, &why)?)?,
            failure,
        },
        FaultKind::Intermittent => Fault::Intermittent {
            after,
            on: positive_duration(&path.key("on"), required(&path.key("on"), raw.on, &why)?.0)?,
            off: positive_duration(
                &path.key("off"),
                required(&path.key("off"), raw.off, &why)?.0,
            )?,
            error_rate: nonzero_probability(
                &path.key("error_rate"),
                required(&path.key("error_rate"), raw.error_rate, &why)?,
            )?,
            failure,
        },
        FaultKind::LatencyShift => latency_shift(path, raw, after)?,
        FaultKind::ColdStart => {
            let key = path.key("requests");
            let requests = integer_at_least(&key, required(&key, raw.requests, &why)?, 1)?;
            Fault::ColdStart {
                requests: requests as u64,
                extra_ms: latency_ms(
                    &path.key("extra_ms"),
                    required(&path.key("extra_ms"), raw.extra_ms, &why)?,
                )?,
            }
        }
    };
    Ok(fault)
}

/// `add_ms` in [0, [`MAX_LATENCY_MS`]], `multiplier` in
/// (0, [`MAX_LATENCY_MULTIPLIER`]], and at least one changing latency.
fn latency_shift(path: &KeyPath, raw: &RawFault, after: Micros) -> VResult<Fault> {
    let add_ms = raw.add_ms.unwrap_or(0.0);
    if !(add_ms.is_finite() && (0.0..=MAX_LATENCY_MS).contains(&add_ms)) {
        return Err(Problem::new(
            &path.key("add_ms"),
            format!("must be a latency in ms from 0 to {MAX_LATENCY_MS}; got {add_ms}"),
        ));
    }
    let multiplier = positive(
        &path.key("multiplier"),
        raw.multiplier.unwrap_or(1.0),
        "a multiplier",
    )?;
    if multiplier > MAX_LATENCY_MULTIPLIER {
        return Err(Problem::new(
            &path.key("multiplier"),
            format!(
                "must be a multiplier > 0 and <= {MAX_LATENCY_MULTIPLIER}; got {}",
                shown(multiplier)
            ),
        ));
    }
    if add_ms == 0.0 && multiplier == 1.0 {
        return Err(Problem::new(
            path,
            "a latency_shift fault must change latency: give add_ms > 0 or multiplier != 1",
        ));
    }
    Ok(Fault::LatencyShift {
        after,
        add_ms,
        multiplier,
    })
}

/// Refuses intermittent faults whose on/off edges within the horizon
/// exceed [`MAX_FAULT_EDGES`].
pub(super) fn check_fault_edges(
    root: &KeyPath,
    functions: &[Function],
    multi_function: bool,
    horizon: Micros,
) -> VResult<()> {
    for f in functions {
        let base = if multi_function {
            root.key("functions").key(&f.name).key("faults")
        } else {
            root.key("faults")
        };
        for (i, fault) in f.faults.iter().enumerate() {
            if let Fault::Intermittent { on, off, .. } = *fault {
                let cycle = on.saturating_add(off).max(Micros::from_micros(1));
                let edges = (horizon / cycle).saturating_mul(2);
                if edges > MAX_FAULT_EDGES {
                    let min_cycle = (horizon * 2).div_ceil(MAX_FAULT_EDGES);
                    return Err(Problem::new(
                        &base.index(i).key("on"),
                        format!(
                            "on = {} and off = {} switch the fault {edges} times within the horizon; at most {MAX_FAULT_EDGES} on/off edges are allowed, so on + off must be at least {}",
                            format_duration(on),
                            format_duration(off),
                            format_duration(min_cycle)
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}
