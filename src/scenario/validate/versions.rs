//! `[versions]` (also a function's `versions`): each version's own failure
//! probability and how its failures show (`failure`, shared with faults),
//! latency distribution and timeout. A key not given is
//! inherited: the stable version's from [`DEFAULT_PROFILE`] (or, for a
//! function, the top-level stable version), the candidate's from the
//! stable version.

use super::checks::{exactly_one, latency_ms, probability, OneOf};
use crate::model::{Failure, LatencyDist, VersionProfile};
use crate::scenario::error::{Problem, VResult};
use crate::scenario::key_path::KeyPath;
use crate::scenario::raw::{RawFailure, RawLatency, RawVersion};

/// The stable version when `[versions.stable]` is absent.
pub const DEFAULT_PROFILE: VersionProfile = VersionProfile {
    error_rate: 0.0,
    failure: Failure::Unhandled,
    latency: LatencyDist::Fixed { ms: 100.0 },
    timeout_ms: None,
};

/// The version at `path`: `raw`'s keys over those of `base`.
pub(super) fn version_profile(
    path: &KeyPath,
    raw: Option<&RawVersion>,
    base: &VersionProfile,
) -> VResult<VersionProfile> {
    let Some(raw) = raw else {
        return Ok(base.clone());
    };
    Ok(VersionProfile {
        error_rate: match raw.error_rate {
            None => base.error_rate,
            Some(p) => probability(&path.key("error_rate"), p)?,
        },
        failure: match &raw.failure {
            None => base.failure,
            Some(f) => failure(&path.key("failure"), f)?,
        },
        latency: match &raw.latency {
            None => base.latency,
            Some(l) => latency(&path.key("latency"), l)?,
        },
        timeout_ms: match raw.timeout_ms {
            None => base.timeout_ms,
            Some(ms) => Some(latency_ms(&path.key("timeout_ms"), ms)?),
        },
    })
}

/// `failure = "error"` (unhandled) or `failure = { status = N }` (a
/// handled error response, N in 400–599: the 4xx and 5xx classes API
/// Gateway's `4XXError`/`5XXError` count).
pub(super) fn failure(path: &KeyPath, raw: &RawFailure) -> VResult<Failure> {
    const ALLOWED: &str =
        "allowed: \"error\" (an unhandled error) or { status = N } with N in 400–599 (a handled error response)";
    match raw {
        RawFailure::Kind(kind) if kind == "error" => Ok(Failure::Unhandled),
        RawFailure::Kind(kind) => Err(Problem::new(
            path,
            format!("unknown failure {kind:?}; {ALLOWED}"),
        )),
        RawFailure::Handled(h) => match u16::try_from(h.status) {
            Ok(status) if (400..=599).contains(&status) => Ok(Failure::Handled { status }),
            _ => Err(Problem::new(
                &path.key("status"),
                format!("{} is not an error status; {ALLOWED}", h.status),
            )),
        },
    }
}

/// Either `fixed_ms`, or `median_ms` and `p99_ms` (a lognormal).
fn latency(path: &KeyPath, raw: &RawLatency) -> VResult<LatencyDist> {
    const HINT: &str = "use { fixed_ms = 50 } or { median_ms = 80, p99_ms = 400 }";
    let lognormal =
        (raw.median_ms.is_some() || raw.p99_ms.is_some()).then_some((raw.median_ms, raw.p99_ms));
    let given = exactly_one(
        raw.fixed_ms,
        lognormal,
        (
            path,
            &format!("give either fixed_ms, or median_ms and p99_ms, not both; {HINT}"),
        ),
        (path, &format!("empty latency; {HINT}")),
    )?;
    match given {
        OneOf::First(ms) => Ok(LatencyDist::Fixed {
            ms: latency_ms(&path.key("fixed_ms"), ms)?,
        }),
        OneOf::Second((median, p99)) => {
            let missing = |key: &str| {
                Problem::new(
                    &path.key(key),
                    format!(
                        "missing required key (a lognormal latency needs median_ms and p99_ms); {HINT}"
                    ),
                )
            };
            let median = median.ok_or_else(|| missing("median_ms"))?;
            let p99 = p99.ok_or_else(|| missing("p99_ms"))?;
            let median_ms = latency_ms(&path.key("median_ms"), median)?;
            let p99_ms = latency_ms(&path.key("p99_ms"), p99)?;
            if p99_ms <= median_ms {
                return Err(Problem::new(
                    &path.key("p99_ms"),
                    format!("must be greater than median_ms ({median_ms}); got {p99_ms}"),
                ));
            }
            Ok(LatencyDist::LogNormal { median_ms, p99_ms })
        }
    }
}
