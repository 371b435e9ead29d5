//! `[traffic] replay` and its keys (`replay_id`, `replay_statistic`,
//! `replay_period`, `scale`, `start_at`, `past_end`): reads the data file
//! (`crate::replay`, path relative to the scenario file's folder) into the
//! model's piecewise-constant rate. Problems with the data name the data
//! file and its line (CSV, JSON syntax) or JSON element, under the key
//! `replay`; the rate limit ([`MAX_RATE_PER_S`]) holds after `scale`.

use std::path::Path;
use std::sync::Arc;

use super::checks::positive;
use super::limits::MAX_RATE_PER_S;
use crate::model::{PastEnd, Replay};
use crate::replay::{self, Options, StartAt};
use crate::scenario::error::{Problem, VResult};
use crate::scenario::key_path::KeyPath;
use crate::scenario::raw::{RawPastEnd, RawTraffic};
use crate::sim::time::to_secs;

/// The replay of `raw` (None without `replay`), with `base` the scenario
/// file's folder.
pub(super) fn replay(path: &KeyPath, raw: &RawTraffic, base: &Path) -> VResult<Option<Replay>> {
    let Some(file) = &raw.replay else {
        let only_with = [
            ("replay_id", raw.replay_id.is_some()),
            ("replay_statistic", raw.replay_statistic.is_some()),
            ("replay_period", raw.replay_period.is_some()),
            ("scale", raw.scale.is_some()),
            ("start_at", raw.start_at.is_some()),
            ("past_end", raw.past_end.is_some()),
        ];
        if let Some((key, _)) = only_with.iter().find(|(_, set)| *set) {
            return Err(Problem::new(
                &path.key(key),
                format!("{key} is only allowed with replay = \"FILE\" (replayed traffic)"),
            ));
        }
        return Ok(None);
    };
    let excluded = [
        ("rate_per_s", raw.rate_per_s.is_some()),
        ("rate_per_min", raw.rate_per_min.is_some()),
        ("diurnal", raw.diurnal.is_some()),
    ];
    if let Some((key, _)) = excluded.iter().find(|(_, set)| *set) {
        return Err(Problem::new(
            &path.key(key),
            format!(
                "not allowed with replay: the replayed data is the rate; remove {key} (use scale \
                 to multiply the data, bursts to add spikes)"
            ),
        ));
    }
    let resolved = base.join(file);
    let source = resolved.display().to_string();
    let options = Options {
        id: raw.replay_id.clone(),
        statistic: raw.replay_statistic.clone(),
        period: raw.replay_period.map(|d| d.0),
    };
    let series = replay::load(&resolved, &options)
        .map_err(|e| Problem::new(&path.key("replay"), format!("data file {source}: {e}")))?;
    let scale = match raw.scale {
        None => 1.0,
        Some(s) => positive(&path.key("scale"), s, "a scale")?,
    };
    let start = match &raw.start_at {
        None => crate::sim::time::Micros::ZERO,
        Some(text) => {
            let key = path.key("start_at");
            let at = StartAt::parse(&text.0).map_err(|m| Problem::new(&key, m))?;
            series
                .offset_of(at)
                .map_err(|m| Problem::new(&key, format!("{m} (data file {source})")))?
        }
    };
    let period_s = to_secs(series.period);
    let (peak, at) = &series.peak;
    let peak_rate = peak * scale / period_s;
    if peak_rate > MAX_RATE_PER_S {
        return Err(Problem::new(
            &path.key("replay"),
            format!(
                "data file {source}: {at}{peak} requests per {period_s} s × scale {scale} is \
                 {peak_rate:e} requests per second; allowed: at most {MAX_RATE_PER_S} (lower \
                 scale)"
            ),
        ));
    }
    let rates: Arc<[f64]> = series.counts.iter().map(|c| c * scale / period_s).collect();
    Ok(Some(Replay {
        source,
        format: series.format.to_string(),
        period: series.period,
        rates,
        start,
        past_end: match raw.past_end {
            None | Some(RawPastEnd::Repeat) => PastEnd::Repeat,
            Some(RawPastEnd::Hold) => PastEnd::Hold,
        },
    }))
}
