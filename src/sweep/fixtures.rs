//! Scenario texts the sweep's unit tests share: [`BASE`], a document to
//! type axes against, and [`TEXT`], a whole scenario with a `[sweep]`
//! table to plan and run.

use toml::Value;

use super::axis::Axis;
use super::spec::{parse_set, SpecError};
use super::{plan_from_text, SweepPlan};
use crate::run::{Error, Overrides};

pub const BASE: &str = r#"
name = "t"
horizon = "30m"
[traffic]
rate_per_s = 5
[[faults]]
kind = "step_error"
error_rate = 0.2
[alarms.error_rate]
comparison = ">="
threshold = 5
evaluation_periods = 2
treat_missing_data = "notBreaching"
[strategies.canary]
type = "canary"
percentage = 10
interval = "5m"
"#;

pub fn base() -> Value {
    Value::Table(BASE.parse::<toml::Table>().unwrap())
}

pub fn axis(arg: &str) -> Result<Axis, SpecError> {
    Axis::resolve(parse_set(arg)?, &base())
}

pub const TEXT: &str = r#"
name = "t"
seed = 3
replications = 4
horizon = "20m"
[traffic]
rate_per_s = 5
[versions.stable]
error_rate = 0.01
[[faults]]
kind = "step_error"
after = "1m"
error_rate = 0.2
[alarms.error_rate]
scope = "version"
expression = "errors / invocations * 100"
comparison = ">="
threshold = 5
evaluation_periods = 2
treat_missing_data = "notBreaching"
[strategies.canary]
config = "Canary10Percent5Minutes"
[sweep]
"alarms.error_rate.threshold" = [1, 5]
candidate = "healthy,faulty"
"#;

pub fn plan_of(sets: &[&str]) -> Result<SweepPlan, Error> {
    let sets: Vec<String> = sets.iter().map(|s| (*s).to_owned()).collect();
    plan_from_text(TEXT, "t.toml", &sets, &Overrides::default())
}
