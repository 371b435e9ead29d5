//! CloudWatch metric windows of one function's world: one set of per-slot
//! accumulators per (period, offset) that some alarm reads, closing at the
//! times ≡ offset (mod period). The base metric period's aligned set comes
//! first (it also feeds the timeline); an alarm whose period is longer than
//! its evaluation interval slides (`alarm::slide_step`) and gets one set per
//! offset. Each set also records which Duration statistics its alarms read,
//! so fast sampling draws only those (DESIGN.md §1).

use crate::alarm::slide_step;
use crate::metrics::{self, Acc, SLOTS};
use crate::model::{AlarmSpec, Scenario, Scope, Statistic};
use crate::sim::time::Micros;

/// Open metric windows of one alarm period length, closing at the times
/// ≡ `offset` (mod `period`).
pub(super) struct WindowSet {
    pub period: Micros,
    pub offset: Micros,
    /// Per metric slot (`metrics::STABLE` … `CANDIDATE_HIT`).
    pub accs: [Acc; SLOTS],
    pub keep_latency: bool,
    /// Fast mode: whether alarms of this period read Duration Min/Max/Sum.
    pub need_min_max: bool,
    pub need_sum: bool,
    /// Fast mode: Duration percentiles read here: (scope, p), the scope
    /// normalised by `metrics::population_scope`.
    pub percentiles: Vec<(Scope, f64)>,
}

impl WindowSet {
    /// Whether this set's windows end at `now`.
    #[inline]
    pub fn closes_at(&self, now: Micros) -> bool {
        now % self.period == self.offset
    }
}

/// The window sets of the alarms `mine` (those reading this function), as
/// (period, offset) in a fixed order: the base period's aligned set first,
/// then each alarm's sets in alarm order.
pub(super) fn plan<'s>(
    base: Micros,
    mine: impl Iterator<Item = &'s AlarmSpec>,
) -> Vec<(Micros, Micros)> {
    let mut sets: Vec<(Micros, Micros)> = vec![(base, Micros::ZERO)];
    for a in mine {
        let step = slide_step(a.period, base);
        for offset in a.period.steps(step) {
            if !sets.contains(&(a.period, offset)) {
                sets.push((a.period, offset));
            }
        }
    }
    sets
}

/// Builds the window sets `sets` (from [`plan`]) for the alarms `mine`.
pub(super) fn build<'s, I>(
    sc: &Scenario,
    sets: &[(Micros, Micros)],
    mine: impl Fn() -> I,
) -> Vec<WindowSet>
where
    I: Iterator<Item = &'s AlarmSpec>,
{
    let filters = sc.metrics.filters.len();
    sets.iter()
        .map(|&(period, offset)| {
            let mut stats = Vec::new();
            let mut percentiles = Vec::new();
            for a in mine().filter(|a| a.period == period) {
                let mut used = Vec::new();
                metrics::duration_statistics(&a.expr, &mut used);
                for st in &used {
                    if let Statistic::Percentile(p) = *st {
                        let key = (metrics::population_scope(a.scope), p);
                        if !percentiles.contains(&key) {
                            percentiles.push(key);
                        }
                    }
                }
                stats.extend(used);
            }
            WindowSet {
                period,
                offset,
                accs: std::array::from_fn(|_| Acc::new(filters)),
                keep_latency: mine()
                    .any(|a| a.period == period && metrics::needs_percentiles(&a.expr)),
                need_min_max: stats
                    .iter()
                    .any(|s| matches!(s, Statistic::Minimum | Statistic::Maximum)),
                need_sum: stats
                    .iter()
                    .any(|s| matches!(s, Statistic::Sum | Statistic::Average)),
                percentiles,
            }
        })
        .collect()
}
