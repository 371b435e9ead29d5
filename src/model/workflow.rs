//! `[workflow]`: a Step Functions saga calling the deployment's functions
//! (seed 000: ReserveFlight → ReserveHotel → ProcessPayment through their
//! `Prod` aliases, compensated by cancel/refund functions). Run by
//! `crate::saga` and `world::saga_intake`.

use crate::sim::time::{secs, Micros};

/// A saga state machine: steps in order, each optionally compensated.
#[derive(Debug, Clone, PartialEq)]
pub struct Workflow {
    /// Sagas started per second (a Poisson process of constant rate).
    pub rate_per_s: f64,
    /// The forward steps, in execution order.
    pub steps: Vec<WorkflowStep>,
    /// Whether a failed step's own compensation runs before those of the
    /// steps already done. Default true, as in cdk-patterns'
    /// "the-saga-stepfunction", which catches each booking task into its own
    /// cancel task (`BookHotel.addCatch(cancelHotel)`, `cancelFlight.next(
    /// cancelHotel)`; cdk-patterns/serverless,
    /// the-saga-stepfunction/typescript/lib/the-saga-stepfunction-stack.ts).
    pub compensate_failed_step: bool,
    /// The retrier of every task (forward and compensation); `None`: no
    /// retry (`retry_on_service_exceptions = false`).
    pub retry: Option<RetryPolicy>,
    /// Probability that one Lambda invoke made by Step Functions fails with
    /// a Lambda service exception (`Lambda.ServiceException`, ...) instead of
    /// reaching the function. AWS publishes no rate: default 0.
    pub service_exception_prob: f64,
}

/// One forward step: the function it invokes (through its alias) and the
/// function that undoes it.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkflowStep {
    /// The state's name (`ReserveFlight`), for messages and docs.
    pub name: String,
    /// Index into `Scenario::functions`.
    pub function: usize,
    /// Index into `Scenario::functions` of the compensation, if any.
    pub compensation: Option<usize>,
}

/// A Step Functions `Retry` entry on Lambda service exceptions. CDK's
/// `LambdaInvoke` with `retryOnServiceExceptions` (default true) adds
/// `errors: [Lambda.ClientExecutionTimeoutException, Lambda.ServiceException,
/// Lambda.AWSLambdaException, Lambda.SdkClientException], interval 2 s,
/// maxAttempts 6, backoffRate 2` (aws-cdk,
/// packages/aws-cdk-lib/aws-stepfunctions-tasks/lib/lambda/invoke.ts). In
/// the Amazon States Language `MaxAttempts` counts retries after the first
/// attempt (0 = never retried), so a call is tried up to 7 times; the n-th
/// retry waits `IntervalSeconds · BackoffRate^(n−1)`. Function errors
/// (`Lambda.Unknown`, handled errors) match none of these names and are not
/// retried.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    pub interval: Micros,
    pub max_attempts: u32,
    pub backoff_rate: f64,
}

impl RetryPolicy {
    /// CDK's `retryOnServiceExceptions` retrier.
    pub const CDK_SERVICE_EXCEPTIONS: RetryPolicy = RetryPolicy {
        interval: secs(2),
        max_attempts: 6,
        backoff_rate: 2.0,
    };

    /// When each attempt is made, counted from the first: 0 and then the
    /// running sums of the retry intervals (0, 2, 6, 14, 30, 62, 126 s for
    /// the CDK policy).
    pub fn attempt_offsets(&self) -> Vec<Micros> {
        let mut out = Vec::with_capacity(self.max_attempts as usize + 1);
        let mut at = 0.0;
        let mut wait = self.interval.as_f64();
        out.push(Micros::ZERO);
        for _ in 0..self.max_attempts {
            at += wait;
            out.push(Micros::from_f64(at.round()));
            wait *= self.backoff_rate;
        }
        out
    }
}

impl Workflow {
    /// Attempt offsets of every call (just the first without a retrier).
    pub fn attempt_offsets(&self) -> Vec<Micros> {
        self.retry
            .map_or_else(|| vec![Micros::ZERO], |r| r.attempt_offsets())
    }

    /// The functions the workflow calls, forward steps first.
    pub fn functions(&self) -> impl Iterator<Item = usize> + '_ {
        self.steps
            .iter()
            .map(|s| s.function)
            .chain(self.steps.iter().filter_map(|s| s.compensation))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdk_retrier_waits_2_4_8_16_32_64_seconds() {
        let offsets = RetryPolicy::CDK_SERVICE_EXCEPTIONS.attempt_offsets();
        let s: Vec<u64> = offsets.iter().map(|m| m.as_micros() / 1_000_000).collect();
        // 1 attempt + MaxAttempts = 6 retries; gaps 2, 4, 8, 16, 32, 64 s.
        assert_eq!(s, [0, 2, 6, 14, 30, 62, 126]);
    }
}
