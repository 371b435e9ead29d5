//! Scenario parsing and validation on arbitrary bytes: must never panic;
//! errors are one line naming the file. Body: `bodies::scenario_input`.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)] // each target uses one body
#[path = "../bodies.rs"]
mod bodies;

fuzz_target!(|data: &[u8]| bodies::scenario_input(data));
