//! The CloudWatch alarm evaluator on arbitrary rules and series (missing
//! points, NaN, infinities): must never panic, and a valid rule keeps the
//! documented invariants. Body: `bodies::alarm_input`.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)] // each target uses one body
#[path = "../bodies.rs"]
mod bodies;

fuzz_target!(|data: &[u8]| bodies::alarm_input(data));
