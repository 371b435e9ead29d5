//! The world's Prometheus (`judge::prometheus`), for strategies whose
//! analysis queries it (`argo`, `flagger`): one more window set at the
//! scrape interval that requests are added to like every other (so fast
//! mode stays flat in the rate), closed at every scrape into per-version
//! increments — requests, 5xx answers and, when a query reads latency,
//! Istio's histogram buckets (fast mode's latency bins then get Istio's
//! bucket bounds as edges, so bin counts fall into buckets exactly).

use super::cache::hit_slot;
use super::latency_bins::Bins;
use super::windows::WindowSet;
use super::{Ev, World};
use crate::judge::prometheus::{Increment, Scrapes, ISTIO_BUCKETS_MS};
use crate::metrics::{Acc, CANDIDATE, SLOTS, STABLE};
use crate::sim::time::Micros;
use crate::sim::Class;

/// The scrapes and the window set that feeds them.
pub(super) struct Prometheus {
    pub scrapes: Scrapes,
    /// Index of its window set in `World::windows`.
    pub window: usize,
    /// Whether scrapes fill the latency buckets.
    pub buckets: bool,
}

/// The bucket of a duration: the first bound ≥ it, `+Inf` last.
fn bucket(ms: f64) -> usize {
    ISTIO_BUCKETS_MS
        .iter()
        .position(|&le| ms <= le)
        .unwrap_or(ISTIO_BUCKETS_MS.len())
}

impl World<'_> {
    /// Starts scraping every `interval` from t = 0 (after the warm-up, if
    /// any: Prometheus sees only the deployment).
    pub(super) fn enable_prometheus(&mut self, interval: Micros, latency: bool) {
        if latency {
            self.need_latency = true;
            let timeouts = [
                self.func.stable.timeout_ms,
                self.func.candidate.timeout_ms,
                None,
                None,
            ];
            for (bins, timeout) in self.bins.iter_mut().zip(timeouts) {
                let mut edges: Vec<f64> = bins.edges.clone();
                if bins.capped {
                    edges.pop();
                }
                edges.extend(ISTIO_BUCKETS_MS);
                *bins = Bins::new(&edges, timeout);
            }
        }
        let filters = self.sc.metrics.filters.len();
        self.windows.push(WindowSet {
            period: interval,
            offset: Micros::ZERO,
            accs: std::array::from_fn(|_| Acc::new(filters)),
            keep_latency: latency,
            need_min_max: false,
            need_sum: false,
            percentiles: Vec::new(),
        });
        self.prometheus = Some(Prometheus {
            scrapes: Scrapes::new(interval),
            window: self.windows.len() - 1,
            buckets: latency,
        });
        self.queue
            .push(self.now + interval, Class::WindowClose, Ev::Scrape);
    }

    /// A scrape now: the window set's counts become increments.
    pub(super) fn scrape(&mut self) {
        let Some(p) = &mut self.prometheus else {
            return;
        };
        let ws = &mut self.windows[p.window];
        let inc = [STABLE, CANDIDATE].map(|v| {
            let mut i = Increment::default();
            for slot in [v, hit_slot(v)] {
                let acc = &ws.accs[slot];
                i.requests += acc.count;
                i.server_errors += acc.server_errors;
            }
            if p.buckets {
                i.buckets = vec![0; ISTIO_BUCKETS_MS.len() + 1];
                for slot in [v, hit_slot(v)] {
                    let acc = &ws.accs[slot];
                    for &ms in &acc.latencies {
                        i.buckets[bucket(ms)] += 1;
                    }
                    let bins = &self.bins[slot];
                    for g in &acc.groups {
                        for (b, &n) in g.counts.iter().enumerate() {
                            if n > 0 {
                                i.buckets[bucket(bins.representative(b, &g.dist))] += n;
                            }
                        }
                    }
                }
            }
            i
        });
        p.scrapes.scrape(self.now, &inc);
        ws.accs.iter_mut().for_each(Acc::reset);
        let next = self.now + p.scrapes.interval();
        self.queue.push(next, Class::WindowClose, Ev::Scrape);
    }
}

/// Slots are covered: the stable and candidate slots and their cache hits;
/// the fifth, Kayenta's baseline pool (`metrics::BASELINE`), is not a
/// version the Argo/Flagger queries read.
const _: () = assert!(SLOTS == 5);
