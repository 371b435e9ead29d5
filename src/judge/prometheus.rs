//! A Prometheus-style query layer, shared by the Argo Rollouts and Flagger
//! analyses: cumulative counters per version scraped every
//! `scrape_interval`, and PromQL's `rate()` / `increase()` and
//! `histogram_quantile()` over the scrapes inside a query's window.
//!
//! The model, as an Istio mesh exports it (peers.md §3.2): per version a
//! request counter, a 5xx counter, a non-5xx counter and a latency histogram
//! (cumulative `le` buckets, Istio's default boundaries [`ISTIO_BUCKETS_MS`]).
//! Every series starts at 0 at t = 0 (the deployment's start). The world
//! adds each scrape interval's aggregates (its per-window accumulators) to
//! the counters, so fast mode stays flat in the request rate.
//!
//! A query at `t` over `[w]` reads the scrapes with timestamps in
//! `(t − w, t]` (Prometheus 3's left-open range selectors): the window and
//! the scrape cadence are part of detection time — a request served just
//! after a scrape is seen only at the next one. Fewer than 2 scrapes in the
//! window give an empty result (`extrapolatedRate` needs two points).

use crate::sim::time::Micros;

/// Istio's default bucket boundaries of `istio_request_duration_milliseconds`
/// (ms); the `+Inf` bucket is implicit.
pub const ISTIO_BUCKETS_MS: [f64; 13] = [
    0.5, 1.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0, 10000.0,
];

/// Default scrape interval, 30 s (issue 15; the common Prometheus setting).
pub const DEFAULT_SCRAPE_INTERVAL_SECS: u64 = 30;

/// One version's counters over one scrape interval (what the world adds).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Increment {
    pub requests: u64,
    /// Requests answered with a 5xx status.
    pub server_errors: u64,
    /// Per bucket of [`ISTIO_BUCKETS_MS`] plus `+Inf`: requests with a
    /// duration ≤ that bound (not cumulative; the layer accumulates).
    pub buckets: Vec<u64>,
}

/// Cumulative counters of one version at one scrape.
#[derive(Debug, Clone, Default, PartialEq)]
struct Counters {
    requests: f64,
    server_errors: f64,
    /// Cumulative `le` buckets, `+Inf` last.
    buckets: Vec<f64>,
}

/// The scrapes of one world's two versions (stable, candidate).
#[derive(Debug, Clone, PartialEq)]
pub struct Scrapes {
    interval: Micros,
    /// (time, per version counters).
    list: Vec<(Micros, [Counters; 2])>,
    cum: [Counters; 2],
}

/// Which version a query reads: the stable is 0, the candidate 1.
pub const CANDIDATE: usize = 1;

/// The queries the analyses may run (README, "Prometheus queries").
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Query {
    /// `sum(rate(requests{code=~"5.."}[w])) / sum(rate(requests[w]))`.
    ErrorRatio,
    /// Flagger's `request-success-rate`:
    /// `sum(rate(requests{code!~"5.*"}[w])) / sum(rate(requests[w])) * 100`.
    SuccessRatePct,
    /// `sum(rate(requests[w]))`, requests per second.
    RequestRate,
    /// `histogram_quantile(q, sum(rate(duration_bucket[w])) by (le))`, ms
    /// (Flagger's `request-duration` is q = 0.99).
    LatencyQuantile(f64),
}

impl Query {
    pub fn reads_latency(&self) -> bool {
        matches!(self, Query::LatencyQuantile(_))
    }
}

impl Scrapes {
    /// Scrapes every `interval`; the first one (all zeros) at t = 0.
    pub fn new(interval: Micros) -> Self {
        let zero = Counters {
            buckets: vec![0.0; ISTIO_BUCKETS_MS.len() + 1],
            ..Counters::default()
        };
        Scrapes {
            interval,
            list: vec![(Micros::ZERO, [zero.clone(), zero.clone()])],
            cum: [zero.clone(), zero],
        }
    }

    pub fn interval(&self) -> Micros {
        self.interval
    }

    /// The scrape at `t`: adds the interval's increments per version.
    pub fn scrape(&mut self, t: Micros, inc: &[Increment; 2]) {
        for (c, i) in self.cum.iter_mut().zip(inc) {
            c.requests += i.requests as f64;
            c.server_errors += i.server_errors as f64;
            let mut below = 0u64;
            for (b, &n) in c.buckets.iter_mut().zip(i.buckets.iter()) {
                below += n;
                *b += below as f64;
            }
            // Without latency data every request is in `+Inf`.
            if let Some(inf) = c.buckets.last_mut() {
                if i.buckets.is_empty() {
                    *inf += i.requests as f64;
                }
            }
        }
        self.list.push((t, self.cum.clone()));
    }

    /// The scrapes in `(t − w, t]`.
    fn window(&self, t: Micros, w: Micros) -> &[(Micros, [Counters; 2])] {
        let lo = t.as_f64() - w.as_f64();
        let start = self.list.partition_point(|(s, _)| s.as_f64() <= lo);
        let end = self.list.partition_point(|(s, _)| *s <= t);
        &self.list[start..end.max(start)]
    }

    /// Evaluates `query` on `version` at `t` over `[w]`: `None` is an empty
    /// result (fewer than 2 scrapes in the window); NaN is a result of 0/0
    /// (no requests in the window) or a quantile of an empty histogram.
    ///
    /// Each series is extrapolated on its own, as Prometheus does; in a
    /// ratio of two rates over the same scrapes the extrapolation factor
    /// and the division by the range cancel, except when a series' zero
    /// clamp binds (a counter that started inside the window).
    pub fn query(&self, query: Query, version: usize, t: Micros, w: Micros) -> Option<f64> {
        let scrapes = self.window(t, w);
        if scrapes.len() < 2 {
            return None;
        }
        let range = (t.as_f64() - w.as_f64(), t.as_f64());
        let rate = |f: &dyn Fn(&Counters) -> f64| {
            let pts: Vec<(f64, f64)> = scrapes
                .iter()
                .map(|(s, c)| (s.as_f64(), f(&c[version])))
                .collect();
            extrapolated_rate(&pts, range.0, range.1, true)
        };
        let requests = rate(&|c| c.requests)?;
        Some(match query {
            Query::RequestRate => requests,
            Query::ErrorRatio => rate(&|c| c.server_errors)? / requests,
            Query::SuccessRatePct => rate(&|c| c.requests - c.server_errors)? / requests * 100.0,
            Query::LatencyQuantile(q) => {
                let mut buckets = Vec::with_capacity(ISTIO_BUCKETS_MS.len() + 1);
                for (i, &le) in ISTIO_BUCKETS_MS
                    .iter()
                    .chain(std::iter::once(&f64::INFINITY))
                    .enumerate()
                {
                    buckets.push((le, rate(&|c| c.buckets[i])?));
                }
                histogram_quantile(q, &mut buckets)
            }
        })
    }
}

/// PromQL's `rate()` (`is_rate`) or `increase()` of one counter series
/// `points` (time in µs, value) over the range `[start, end]` —
/// `extrapolatedRate` of `prometheus/promql/functions.go`: the increase
/// between the first and last sample (counter resets add the value before
/// the reset), extrapolated towards each range boundary by the distance to
/// it when that is below 1.1 × the average spacing of the samples, by half
/// a spacing otherwise; towards the start no further than the point where
/// the counter would reach zero. `None` below 2 samples.
pub fn extrapolated_rate(
    points: &[(f64, f64)],
    start: f64,
    end: f64,
    is_rate: bool,
) -> Option<f64> {
    if points.len() < 2 {
        return None;
    }
    let (t0, v0) = points[0];
    let (t1, v1) = points[points.len() - 1];
    let mut result = v1 - v0;
    for w in points.windows(2) {
        if w[1].1 < w[0].1 {
            result += w[0].1;
        }
    }
    let sampled = (t1 - t0) / 1e6;
    let average = sampled / (points.len() - 1) as f64;
    let threshold = average * 1.1;
    let mut to_start = (t0 - start) / 1e6;
    let mut to_end = (end - t1) / 1e6;
    if to_start >= threshold {
        to_start = average / 2.0;
    }
    if result > 0.0 && v0 >= 0.0 {
        let to_zero = sampled * (v0 / result);
        if to_zero < to_start {
            to_start = to_zero;
        }
    }
    if to_end >= threshold {
        to_end = average / 2.0;
    }
    let mut factor = (sampled + to_start + to_end) / sampled;
    if is_rate {
        factor /= (end - start) / 1e6;
    }
    Some(result * factor)
}

/// PromQL's `histogram_quantile(q, …)` over classic buckets `(le, count)`
/// (`prometheus/promql/quantile.go`, `BucketQuantile`): sorted by `le`,
/// counts made monotonic; NaN without observations; the rank q·total is
/// found and the value interpolated linearly inside its bucket (the first
/// bucket starts at 0 when its bound is positive); a rank in the `+Inf`
/// bucket returns the highest finite bound.
pub fn histogram_quantile(q: f64, buckets: &mut [(f64, f64)]) -> f64 {
    if q.is_nan() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    if buckets.len() < 2 || !matches!(buckets.last(), Some(b) if b.0 == f64::INFINITY) {
        return f64::NAN;
    }
    // ensureMonotonic: a bucket never holds fewer than the one below.
    let mut max = f64::NEG_INFINITY;
    for b in buckets.iter_mut() {
        if b.1 < max {
            b.1 = max;
        } else {
            max = b.1;
        }
    }
    let total = buckets[buckets.len() - 1].1;
    if total == 0.0 || total.is_nan() {
        return f64::NAN;
    }
    let rank = q * total;
    let b = buckets
        .iter()
        .position(|b| b.1 >= rank)
        .unwrap_or(buckets.len() - 1);
    if b == buckets.len() - 1 {
        return buckets[buckets.len() - 2].0;
    }
    if b == 0 && buckets[0].0 <= 0.0 {
        return buckets[0].0;
    }
    let (start, below) = if b == 0 {
        (0.0, 0.0)
    } else {
        (buckets[b - 1].0, buckets[b - 1].1)
    };
    let end = buckets[b].0;
    let count = buckets[b].1 - below;
    start + (end - start) * ((rank - below) / count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::time::secs;

    fn s(x: u64) -> f64 {
        secs(x).as_f64()
    }

    #[test]
    fn rate_extrapolates_to_the_range_edges_as_prometheus_does() {
        // Samples every 30 s at 30, 60, 90 in (0, 120]: 2 s from the edge
        // each side would extrapolate; here to_start = 30 s and to_end = 30 s,
        // both < 1.1 × 30 s, so the increase 60 over 60 s becomes 120 over
        // 120 s → rate 1/s.
        let pts = [(s(30), 100.0), (s(60), 130.0), (s(90), 160.0)];
        let r = extrapolated_rate(&pts, 0.0, s(120), true).unwrap();
        assert!((r - 1.0).abs() < 1e-12, "{r}");
        let inc = extrapolated_rate(&pts, 0.0, s(120), false).unwrap();
        assert!((inc - 120.0).abs() < 1e-12, "{inc}");
        // Zero clamp: a counter at 5 rising 60 over 60 s cannot have
        // started more than 60 × 5/60 = 5 s before its first sample.
        let pts = [(s(30), 5.0), (s(60), 35.0), (s(90), 65.0)];
        let inc = extrapolated_rate(&pts, 0.0, s(120), false).unwrap();
        // (60 + 5 + 30) / 60 × 60 = 95.
        assert!((inc - 95.0).abs() < 1e-9, "{inc}");
        // Far from the edge: half a spacing (the range (0, 300], samples
        // at 200 and 230: start gap 200 s ≥ 33 s → 15 s; end 70 s → 15 s).
        let pts = [(s(200), 100.0), (s(230), 130.0)];
        let inc = extrapolated_rate(&pts, 0.0, s(300), false).unwrap();
        assert!((inc - 60.0).abs() < 1e-9, "{inc}");
        // A counter reset adds the value before it.
        let pts = [(s(0), 50.0), (s(30), 60.0), (s(60), 5.0)];
        let inc = extrapolated_rate(&pts, 0.0, s(60), false).unwrap();
        assert!((inc - 15.0).abs() < 1e-9, "{inc}");
        assert_eq!(extrapolated_rate(&pts[..1], 0.0, s(60), true), None);
    }

    #[test]
    fn histogram_quantile_interpolates_linearly_in_its_bucket() {
        // 100 observations: 50 ≤ 10, 90 ≤ 100, 100 ≤ +Inf.
        let mut b = [(10.0, 50.0), (100.0, 90.0), (f64::INFINITY, 100.0)];
        // p50: rank 50 in the first bucket [0, 10] → 10.
        assert_eq!(histogram_quantile(0.5, &mut b), 10.0);
        // p70: rank 70, bucket (10, 100] holds 40: 10 + 90 × 20/40 = 55.
        assert!((histogram_quantile(0.7, &mut b) - 55.0).abs() < 1e-12);
        // p25: 0 + 10 × 25/50 = 5.
        assert!((histogram_quantile(0.25, &mut b) - 5.0).abs() < 1e-12);
        // p99: in +Inf → the highest finite bound.
        assert_eq!(histogram_quantile(0.99, &mut b), 100.0);
        let mut empty = [(10.0, 0.0), (f64::INFINITY, 0.0)];
        assert!(histogram_quantile(0.5, &mut empty).is_nan());
    }

    #[test]
    fn queries_read_the_scrapes_inside_the_window() {
        let mut p = Scrapes::new(secs(30));
        let inc = |n: u64, e: u64| Increment {
            requests: n,
            server_errors: e,
            buckets: Vec::new(),
        };
        for k in 1..=4u64 {
            p.scrape(secs(30 * k), &[inc(100, 0), inc(10, 1)]);
        }
        // At 60 over [1m]: scrapes at 30 and 60 (0 is outside (0, 60]).
        // Candidate errors 1 → 2, requests 10 → 20: ratio 0.1 (the
        // extrapolation cancels in the ratio).
        let r = p
            .query(Query::ErrorRatio, CANDIDATE, secs(60), secs(60))
            .unwrap();
        assert!((r - 0.1).abs() < 1e-12, "{r}");
        // Where a series' zero clamp binds it does not cancel: errors
        // 0 → 1 are not extrapolated back (the counter was 0 at the first
        // sample), requests 10 → 20 are (30 s): 1 / 20 = 0.05.
        let mut z = Scrapes::new(secs(30));
        z.scrape(secs(30), &[inc(0, 0), inc(10, 0)]);
        z.scrape(secs(60), &[inc(0, 0), inc(10, 1)]);
        let r = z
            .query(Query::ErrorRatio, CANDIDATE, secs(60), secs(60))
            .unwrap();
        assert!((r - 0.05).abs() < 1e-12, "{r}");
        let sr = p
            .query(Query::SuccessRatePct, CANDIDATE, secs(60), secs(60))
            .unwrap();
        assert!((sr - 90.0).abs() < 1e-9, "{sr}");
        // Request rate of the stable: 100 per 30 s.
        let rr = p.query(Query::RequestRate, 0, secs(120), secs(60)).unwrap();
        assert!((rr - 100.0 / 30.0).abs() < 1e-9, "{rr}");
        // One scrape in the window: empty.
        assert_eq!(
            p.query(Query::ErrorRatio, CANDIDATE, secs(45), secs(20)),
            None
        );
        // No requests: 0/0 = NaN.
        let mut idle = Scrapes::new(secs(30));
        idle.scrape(secs(30), &[inc(0, 0), inc(0, 0)]);
        let v = idle
            .query(Query::ErrorRatio, CANDIDATE, secs(30), secs(60))
            .unwrap();
        assert!(v.is_nan());
    }

    #[test]
    fn latency_quantile_reads_the_bucket_rates() {
        let mut p = Scrapes::new(secs(30));
        // 100 requests per scrape: 60 in (25, 50] ms, 40 in (50, 100] ms.
        let mut buckets = vec![0u64; ISTIO_BUCKETS_MS.len() + 1];
        buckets[5] = 60;
        buckets[6] = 40;
        let inc = Increment {
            requests: 100,
            server_errors: 0,
            buckets,
        };
        p.scrape(secs(30), &[inc.clone(), inc.clone()]);
        p.scrape(secs(60), &[inc.clone(), inc]);
        let p99 = p
            .query(Query::LatencyQuantile(0.99), CANDIDATE, secs(60), secs(60))
            .unwrap();
        // rank 99 of 100: 50 + 50 × (99 − 60)/40 = 98.75.
        assert!((p99 - 98.75).abs() < 1e-9, "{p99}");
    }
}
