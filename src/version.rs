//! Version profiles at run time: the latency sampler and the per-request
//! outcome (success, handled or unhandled failure, timeout; duration) of
//! one version.

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::model::{Failure, LatencyDist, VersionProfile};
use crate::stats::Z_99;

/// HTTP status of a success.
pub const STATUS_OK: u16 = 200;
/// HTTP status of an unhandled error behind API Gateway's Lambda proxy
/// integration ("Method completed with status: 502", AWS re:Post knowledge
/// center `malformed-502-api-gateway`).
pub const STATUS_ERROR: u16 = 502;
/// HTTP status of a timeout. Only its class (5xx) reaches a metric: a
/// timed-out handler logs no response line.
pub const STATUS_TIMEOUT: u16 = 504;

/// The status a failure of this kind answers with.
pub fn failure_status(f: Failure) -> u16 {
    match f {
        Failure::Unhandled => STATUS_ERROR,
        Failure::Handled { status } => status,
    }
}

/// Φ⁻¹(p) through erfc⁻¹, accurate for small p (the lower tail); use
/// −Φ⁻¹(1 − p) via the upper tail for p near 1.
pub fn std_normal_quantile(p: f64) -> f64 {
    -std::f64::consts::SQRT_2 * statrs::function::erf::erfc_inv(2.0 * p)
}

/// A latency distribution ready for sampling (parameters precomputed once).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LatencySampler {
    Fixed(f64),
    /// exp(mu + sigma·Z), Z standard normal.
    LogNormal {
        mu: f64,
        sigma: f64,
    },
}

impl LatencySampler {
    pub fn new(dist: LatencyDist) -> Self {
        match dist {
            LatencyDist::Fixed { ms } => LatencySampler::Fixed(ms),
            LatencyDist::LogNormal { median_ms, p99_ms } => LatencySampler::LogNormal {
                mu: median_ms.ln(),
                sigma: (p99_ms.ln() - median_ms.ln()) / Z_99,
            },
        }
    }

    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match *self {
            LatencySampler::Fixed(ms) => ms,
            LatencySampler::LogNormal { mu, sigma } => {
                let z: f64 = StandardNormal.sample(rng);
                (mu + sigma * z).exp()
            }
        }
    }

    /// The survival function P(X > x), accurate far into the upper tail.
    pub fn sf(&self, x: f64) -> f64 {
        match *self {
            LatencySampler::Fixed(ms) => {
                if x >= ms {
                    0.0
                } else {
                    1.0
                }
            }
            LatencySampler::LogNormal { mu, sigma } => {
                if x <= 0.0 {
                    1.0
                } else {
                    let z = (x.ln() - mu) / sigma;
                    0.5 * statrs::function::erf::erfc(z / std::f64::consts::SQRT_2)
                }
            }
        }
    }

    /// The value with lower-tail probability `u` (use for u < 0.5).
    pub fn quantile(&self, u: f64) -> f64 {
        match *self {
            LatencySampler::Fixed(ms) => ms,
            LatencySampler::LogNormal { mu, sigma } => (mu + sigma * std_normal_quantile(u)).exp(),
        }
    }

    /// The value with upper-tail probability `s` (use for s < 0.5).
    pub fn upper_quantile(&self, s: f64) -> f64 {
        match *self {
            LatencySampler::Fixed(ms) => ms,
            LatencySampler::LogNormal { mu, sigma } => (mu - sigma * std_normal_quantile(s)).exp(),
        }
    }

    /// The CDF at `x` ms, used by fast sampling of order statistics.
    pub fn cdf(&self, x: f64) -> f64 {
        match *self {
            LatencySampler::Fixed(ms) => {
                if x >= ms {
                    1.0
                } else {
                    0.0
                }
            }
            LatencySampler::LogNormal { mu, sigma } => {
                if x <= 0.0 {
                    0.0
                } else {
                    let z = (x.ln() - mu) / sigma;
                    0.5 * statrs::function::erf::erfc(-z / std::f64::consts::SQRT_2)
                }
            }
        }
    }
}

/// The effective behaviour of one version during one segment of constant
/// conditions: baseline plus whatever faults are active.
#[derive(Debug, Clone, Copy)]
pub struct ServeParams {
    /// Probability that a request fails (baseline and faults combined).
    pub error_prob: f64,
    pub latency: LatencySampler,
    /// latency · multiplier + add_ms.
    pub latency_mult: f64,
    pub latency_add_ms: f64,
    pub timeout_ms: Option<f64>,
}

impl ServeParams {
    pub fn baseline(profile: &VersionProfile) -> Self {
        ServeParams {
            error_prob: profile.error_rate,
            latency: LatencySampler::new(profile.latency),
            latency_mult: 1.0,
            latency_add_ms: 0.0,
            timeout_ms: profile.timeout_ms,
        }
    }
}

/// What happened to one request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Served {
    /// Failed in any way (a bad request for the user).
    pub error: bool,
    /// Counted in Lambda's `Errors`: an unhandled error or a timeout. Such
    /// a request logs no response line (`crate::logfilter`).
    pub lambda_error: bool,
    /// The HTTP status answered (API Gateway's 4XX/5XX metrics, `$.statusCode`).
    pub status: u16,
    pub latency_ms: f64,
}

impl Served {
    /// A request of the given outcome.
    pub fn new(failure: Option<Failure>, latency_ms: f64) -> Self {
        match failure {
            None => Served {
                error: false,
                lambda_error: false,
                status: STATUS_OK,
                latency_ms,
            },
            Some(f) => Served {
                error: true,
                lambda_error: f == Failure::Unhandled,
                status: failure_status(f),
                latency_ms,
            },
        }
    }

    /// A request stopped at the timeout (a Lambda error).
    pub fn timeout(timeout_ms: f64) -> Self {
        Served {
            error: true,
            lambda_error: true,
            status: STATUS_TIMEOUT,
            latency_ms: timeout_ms,
        }
    }

    /// Whether the handler logged its response line.
    #[inline]
    pub fn logs_response(&self) -> bool {
        !self.lambda_error
    }
}

/// What a request would have been on its version's *baseline* (the same
/// version without faults: failure probability `base_error_prob`, latency
/// without the fault's multiplier, addition or cold-start penalty), from the
/// same random draws as the request itself (a coupling: the failure draw u
/// fails the request if u < error_prob and the baseline if
/// u < base_error_prob; the latency draw X gives both durations).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Baseline {
    /// Failed, or timed out.
    pub error: bool,
    /// min(X, timeout); 0 when durations are not drawn.
    pub latency_ms: f64,
}

/// Whether a served call fails its `[workflow]` saga step: the one
/// definition of a step failure. Step Functions' `LambdaInvoke` fails the
/// task when the invocation returns a function error (an unhandled error or
/// a timeout: Lambda's `Errors`); a handled error *response* (a status code
/// in the returned payload, `failure = { status = N }`) is a successful
/// task to Step Functions unless the state machine inspects the payload,
/// which seed 000's does not. Fast mode counts the same requests
/// (`add_batch` returns its Lambda errors).
#[inline]
pub fn step_failed(served: &Served) -> bool {
    served.lambda_error
}

/// Draws one request's outcome. `extra_ms` is a cold-start penalty. A
/// request's duration is min(latency, timeout) whether it failed or not; a
/// successful request or a handled failure slower than the timeout becomes
/// a timeout error (the handler never got to return). `kind` says how a
/// failed request fails (drawn only for failures). When
/// `need_latency` is false (nothing in the scenario reads durations) the
/// latency draw is skipped, which is the common fast path.
#[cfg(test)]
pub fn serve<R: Rng + ?Sized>(
    rng: &mut R,
    p: &ServeParams,
    error_prob: f64,
    extra_ms: f64,
    need_latency: bool,
) -> Served {
    serve_coupled(
        rng,
        p,
        error_prob,
        error_prob,
        extra_ms,
        need_latency,
        |_: &mut R| Failure::Unhandled,
    )
    .0
}

/// [`serve`], also returning the request's [`Baseline`] under the same
/// draws (no extra random number is drawn).
#[inline]
pub fn serve_coupled<R: Rng + ?Sized>(
    rng: &mut R,
    p: &ServeParams,
    error_prob: f64,
    base_error_prob: f64,
    extra_ms: f64,
    need_latency: bool,
    kind: impl FnOnce(&mut R) -> Failure,
) -> (Served, Baseline) {
    let u = rng.random::<f64>();
    let failed = u < error_prob;
    let base_failed = u < base_error_prob;
    if !need_latency {
        let served = Served::new(failed.then(|| kind(rng)), 0.0);
        let base = Baseline {
            error: base_failed,
            latency_ms: 0.0,
        };
        return (served, base);
    }
    let x = p.latency.sample(rng);
    let latency = x * p.latency_mult + p.latency_add_ms + extra_ms;
    let timeout = p.timeout_ms.unwrap_or(f64::INFINITY);
    let base = Baseline {
        error: base_failed || x > timeout,
        latency_ms: x.min(timeout),
    };
    let failure = failed.then(|| kind(rng));
    let served = if latency > timeout && failure != Some(Failure::Unhandled) {
        Served::timeout(timeout)
    } else {
        Served::new(failure, latency.min(timeout))
    };
    (served, base)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_pcg::Pcg64Mcg;

    #[test]
    fn lognormal_from_median_and_p99_hits_both_quantiles() {
        let s = LatencySampler::new(LatencyDist::LogNormal {
            median_ms: 80.0,
            p99_ms: 400.0,
        });
        assert!((s.cdf(80.0) - 0.5).abs() < 1e-12);
        assert!((s.cdf(400.0) - 0.99).abs() < 1e-9);
        let mut rng = Pcg64Mcg::seed_from_u64(7);
        let mut v: Vec<f64> = (0..200_000).map(|_| s.sample(&mut rng)).collect();
        v.sort_by(f64::total_cmp);
        let median = v[v.len() / 2];
        assert!((median / 80.0 - 1.0).abs() < 0.02, "median {median}");
    }

    #[test]
    fn timeout_turns_slow_success_into_error_at_the_timeout() {
        let p = ServeParams {
            error_prob: 0.0,
            latency: LatencySampler::Fixed(500.0),
            latency_mult: 1.0,
            latency_add_ms: 0.0,
            timeout_ms: Some(300.0),
        };
        let mut rng = Pcg64Mcg::seed_from_u64(1);
        let s = serve(&mut rng, &p, 0.0, 0.0, true);
        assert_eq!(
            s,
            Served {
                error: true,
                lambda_error: true,
                status: STATUS_TIMEOUT,
                latency_ms: 300.0
            }
        );
        // A handled failure slower than the timeout never returns its 503:
        // a timeout; an unhandled one stays an unhandled error.
        let h = |_: &mut Pcg64Mcg| Failure::Handled { status: 503 };
        let (s, _) = serve_coupled(&mut rng, &p, 1.0, 0.0, 0.0, true, h);
        assert_eq!(s, Served::timeout(300.0));
        let u = |_: &mut Pcg64Mcg| Failure::Unhandled;
        let (s, _) = serve_coupled(&mut rng, &p, 1.0, 0.0, 0.0, true, u);
        assert_eq!(
            (s.lambda_error, s.status, s.latency_ms),
            (true, STATUS_ERROR, 300.0)
        );
    }

    #[test]
    fn handled_failures_are_bad_but_not_lambda_errors() {
        let p = ServeParams {
            error_prob: 1.0,
            latency: LatencySampler::Fixed(50.0),
            latency_mult: 1.0,
            latency_add_ms: 0.0,
            timeout_ms: Some(300.0),
        };
        let mut rng = Pcg64Mcg::seed_from_u64(2);
        let h = |_: &mut Pcg64Mcg| Failure::Handled { status: 503 };
        let (s, base) = serve_coupled(&mut rng, &p, 1.0, 0.0, 0.0, true, h);
        assert_eq!(
            s,
            Served {
                error: true,
                lambda_error: false,
                status: 503,
                latency_ms: 50.0
            }
        );
        assert!(s.logs_response());
        assert!(!base.error);
        let s = Served::new(None, 10.0);
        assert_eq!((s.error, s.status, s.logs_response()), (false, 200, true));
    }
}
