//! `[metrics] warmup`: how long the alarms evaluate stable-only traffic
//! before the deployment starts, i.e. the history an alarm has at t = 0.
//!
//! CloudWatch alarms are not created with the deployment: they have been
//! evaluating production for as long as it ran (reference §1.1, §1.5), so an
//! alarm that production already breaches is in ALARM when the deployment
//! starts, and CodeDeploy stops it at the first poll (§2.5; the trap of
//! aws/serverless-application-model#716, "if there is an issue in production
//! causing an alert, that I'm then prevented from deploying a fix").
//!
//! The warm-up starts on the alarm grid ([`grid`]) so that every warm-up
//! window is whole and windows keep closing at the same instants across
//! t = 0. Its default ([`default_warmup`]) is just long enough for every
//! alarm to see a full evaluation range of visible datapoints at t = 0.

use super::limits::MAX_HORIZON;
use crate::alarm::eval_interval;
use crate::model::{AlarmSpec, MetricsSettings};
use crate::scenario::duration::format_duration;
use crate::scenario::error::{Problem, VResult};
use crate::scenario::key_path::KeyPath;
use crate::sim::time::Micros;

/// The longest warm-up: CloudWatch's longest evaluation span (7 days,
/// reference §1.2); history older than that can no longer matter.
pub const MAX_WARMUP: Micros = MAX_HORIZON;

/// Validates `[metrics] warmup` (`raw`, absent: the default).
pub(super) fn warmup(
    path: &KeyPath,
    raw: Option<Micros>,
    metrics: &MetricsSettings,
    alarms: &[AlarmSpec],
) -> VResult<Micros> {
    let g = grid(metrics.period, alarms);
    let Some(w) = raw else {
        return Ok(default_warmup(metrics, alarms));
    };
    if w > MAX_WARMUP {
        return Err(Problem::new(
            path,
            format!(
                "{} is longer than CloudWatch's longest evaluation span; allowed: \"0s\" up to \
                 \"7d\"",
                format_duration(w)
            ),
        ));
    }
    if w % g != Micros::ZERO {
        return Err(Problem::new(
            path,
            format!(
                "{} is not a multiple of the alarm grid {} (the least common multiple of \
                 metrics.period, every alarm period and every alarm's evaluation interval), so \
                 warm-up windows would not line up with the deployment's; allowed: \"0s\" or a \
                 multiple of {}, e.g. \"{}\"",
                format_duration(w),
                format_duration(g),
                format_duration(g),
                format_duration(round_up(w, g)),
            ),
        ));
    }
    Ok(w)
}

/// The default warm-up: the smallest multiple of the [`grid`] ≥
/// max over alarms of (Period × evaluation range) + ingestion delay — at
/// t = 0 each alarm's whole evaluation range then holds datapoints that are
/// visible (a window ending at e is visible from e + ingestion delay, and
/// the range's E windows must lie after the warm-up's start). Zero without
/// alarms.
pub fn default_warmup(metrics: &MetricsSettings, alarms: &[AlarmSpec]) -> Micros {
    let Some(longest) = alarms
        .iter()
        .map(|a| a.period.times(u64::from(a.rule.evaluation_range)))
        .max()
    else {
        return Micros::ZERO;
    };
    round_up(
        longest.saturating_add(metrics.ingestion_delay),
        grid(metrics.period, alarms),
    )
}

/// The alarm grid: the least common multiple of the base metric period,
/// every alarm period and every alarm's evaluation interval (60 s, or 10 s
/// for sub-minute periods). Shifting time by a multiple of it keeps every
/// window close, slide offset and evaluation tick where it was.
pub fn grid(base: Micros, alarms: &[AlarmSpec]) -> Micros {
    alarms
        .iter()
        .flat_map(|a| [a.period, eval_interval(a.period)])
        .fold(base, lcm)
}

fn gcd(mut a: Micros, mut b: Micros) -> Micros {
    while b != Micros::ZERO {
        (a, b) = (b, a % b);
    }
    a
}

fn lcm(a: Micros, b: Micros) -> Micros {
    a.times(b / gcd(a, b))
}

/// `x` rounded up to a multiple of `g` (> 0).
fn round_up(x: Micros, g: Micros) -> Micros {
    g.times(x.as_micros().div_ceil(g.as_micros()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::time::secs;
    use crate::testkit;

    fn alarm(period_s: u64, range: u32) -> AlarmSpec {
        let mut a = testkit::scenario(crate::model::TrafficShift::AllAtOnce).alarms[0].clone();
        a.period = secs(period_s);
        a.rule.evaluation_range = range;
        a
    }

    fn metrics(period_s: u64, delay_s: u64) -> MetricsSettings {
        MetricsSettings {
            period: secs(period_s),
            ingestion_delay: secs(delay_s),
            warmup: Micros::ZERO,
            filters: vec![],
        }
    }

    #[test]
    fn the_default_fills_the_longest_evaluation_range_plus_the_delay_on_the_grid() {
        // 60 s × E = 4 + 60 s = 300 s, already on the 60 s grid.
        assert_eq!(default_warmup(&metrics(60, 60), &[alarm(60, 4)]), secs(300));
        // 300 s × 4 + 60 s = 1260 s → next multiple of 300 s: 1500 s.
        let both = [alarm(60, 4), alarm(300, 4)];
        assert_eq!(default_warmup(&metrics(60, 60), &both), secs(1500));
        // A 10 s alarm: 10 s × 5 + 60 s = 110 s on a 10 s grid.
        assert_eq!(default_warmup(&metrics(10, 60), &[alarm(10, 5)]), secs(110));
        // A 30 s alarm on a 10 s base: the grid is lcm(10, 30, 10) = 30 s;
        // 30 × 5 + 15 = 165 s → 180 s.
        assert_eq!(default_warmup(&metrics(10, 15), &[alarm(30, 5)]), secs(180));
        assert_eq!(default_warmup(&metrics(60, 60), &[]), Micros::ZERO);
    }

    #[test]
    fn the_grid_is_the_lcm_of_periods_and_evaluation_intervals() {
        assert_eq!(grid(secs(60), &[]), secs(60));
        assert_eq!(grid(secs(10), &[alarm(20, 5)]), secs(20));
        // A 20 s period is evaluated every 10 s; with a 60 s alarm: 60 s.
        assert_eq!(grid(secs(10), &[alarm(20, 5), alarm(60, 5)]), secs(60));
        assert_eq!(grid(secs(60), &[alarm(120, 5), alarm(300, 5)]), secs(600));
    }

    #[test]
    fn a_warmup_off_the_grid_or_too_long_is_refused_with_the_allowed_values() {
        let path = KeyPath::root().key("metrics").key("warmup");
        let m = metrics(60, 60);
        let a = [alarm(300, 4)];
        assert_eq!(warmup(&path, Some(secs(600)), &m, &a).unwrap(), secs(600));
        assert_eq!(
            warmup(&path, Some(Micros::ZERO), &m, &a).unwrap(),
            Micros::ZERO
        );
        assert_eq!(warmup(&path, None, &m, &a).unwrap(), secs(1500));
        let err = warmup(&path, Some(secs(420)), &m, &a).unwrap_err();
        let text = format!("{err:?}");
        assert!(
            text.contains("multiple of 5m") && text.contains("10m"),
            "{text}"
        );
        let err = warmup(&path, Some(secs(8 * 86_400)), &m, &a).unwrap_err();
        assert!(format!("{err:?}").contains("7d"));
    }
}
