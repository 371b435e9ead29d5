//! `[workflow]`: a Step Functions saga over the deployment's functions.

use schemars::JsonSchema;
use serde::Deserialize;

/// `[workflow]`: sagas (Step Functions executions) arriving as a Poisson
/// process; each runs its steps in order through the functions' aliases, and
/// a failed step runs the compensations of the steps already done in reverse
/// order. Only with `[functions.NAME]` tables.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawWorkflow {
    /// Sagas started per second; > 0, finite, <= 1,000,000. Give exactly
    /// one of `rate_per_s` and `rate_per_min`.
    #[schemars(range(min = 0, max = 1_000_000))]
    pub rate_per_s: Option<f64>,
    /// Sagas started per minute; > 0, finite, <= 60,000,000.
    #[schemars(range(min = 0, max = 60_000_000))]
    pub rate_per_min: Option<f64>,
    /// Required, at least one: the forward steps in order
    /// (`[[workflow.steps]]`). Each function appears at most once in the
    /// whole workflow (steps and compensations).
    #[serde(default)]
    pub steps: Vec<RawWorkflowStep>,
    /// CDK `LambdaInvoke`'s `retry_on_service_exceptions`: retry Lambda
    /// service exceptions (not function errors) with interval 2 s, 6 retries,
    /// backoff rate 2. Default true (CDK's default), for every task.
    pub retry_on_service_exceptions: Option<bool>,
    /// Probability in [0, 1] that one invoke fails with a Lambda service
    /// exception before reaching the function. Default 0 (AWS publishes no
    /// rate).
    pub service_exception_rate: Option<f64>,
    /// Whether a failed step's own compensation runs first (before those of
    /// the steps already done). Default true, as in cdk-patterns'
    /// the-saga-stepfunction.
    pub compensate_failed_step: Option<bool>,
}

/// `[[workflow.steps]]`: one forward step.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawWorkflowStep {
    /// Optional state name, e.g. "ReserveFlight"; default: the function name.
    pub name: Option<String>,
    /// Required: the `[functions.NAME]` this step invokes (through its
    /// alias, so its deployment strategy decides which version serves).
    pub function: String,
    /// Optional: the `[functions.NAME]` that undoes this step (cancel,
    /// refund), called when this or a later step fails.
    pub compensation: Option<String>,
}
