//! The bodies of the fuzz targets, shared word for word by the cargo-fuzz
//! targets (`fuzz_targets/*.rs`, nightly) and the normal test suite
//! (`tests/it/properties.rs` replays generated inputs through them), so the
//! stable toolchain compiles and runs exactly what the fuzzer runs.
//!
//! It is included with `#[path]` rather than exported by the library: it is
//! test code, and the library's public API should not grow a module that only
//! fuzzing uses.

use canarysim::alarm::{replay, AlarmRule, AlarmState, Comparison, MissingData};

/// The file name scenario errors are reported against.
pub const FUZZ_FILE: &str = "fuzz.toml";

/// Arbitrary bytes as scenario text: parsing and validation must never
/// panic, and every error must be one line that starts with the file name.
/// An accepted scenario's plan (what `canarysim validate` prints) is
/// rendered too, as that walks the whole validated model.
pub fn scenario_input(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let result = canarysim::scenario::parse_document(&text, FUZZ_FILE)
        .and_then(|value| canarysim::scenario::from_value(value, &text, FUZZ_FILE));
    match result {
        Ok(sc) => {
            assert!(!sc.strategies.is_empty(), "a valid scenario has a strategy");
            assert!(sc.replications >= 1 && sc.horizon > canarysim::time::Micros::ZERO);
            let _ = canarysim::plan::describe_plan(&sc);
        }
        Err(err) => {
            let message = err.to_string();
            assert!(
                message.starts_with(FUZZ_FILE),
                "error does not name the file: {message}"
            );
            assert!(!message.contains('\n'), "multi-line error: {message}");
        }
    }
}

/// Reads bytes from the front of the input; zeros once it runs out.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((first, rest)) => {
                self.0 = rest;
                *first
            }
            None => 0,
        }
    }

    fn i16(&mut self) -> i16 {
        i16::from_le_bytes([self.byte(), self.byte()])
    }

    /// A value around the thresholds that matter, or an awkward one.
    fn value(&mut self) -> f64 {
        match self.byte() % 16 {
            0 => f64::NAN,
            1 => f64::INFINITY,
            2 => f64::NEG_INFINITY,
            3 => f64::MAX,
            4 => -0.0,
            5 => f64::MIN_POSITIVE,
            _ => f64::from(self.i16()) / 8.0,
        }
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Decodes an alarm rule and a datapoint series (missing points, NaN and
/// infinities included) from arbitrary bytes. One input in eight gets a
/// rule outside the documented ranges (M > N, E < N, N = 0), which the
/// evaluator promises to survive.
pub fn decode_alarm(data: &[u8]) -> (AlarmRule, Vec<Option<f64>>) {
    let mut bytes = Bytes(data);
    let comparison = [
        Comparison::GreaterThan,
        Comparison::GreaterThanOrEqual,
        Comparison::LessThan,
        Comparison::LessThanOrEqual,
    ][usize::from(bytes.byte() % 4)];
    let missing_data = [
        MissingData::Missing,
        MissingData::NotBreaching,
        MissingData::Breaching,
        MissingData::Ignore,
    ][usize::from(bytes.byte() % 4)];
    let shape = bytes.byte();
    let (n, m, e) = if shape % 8 == 0 {
        (
            u32::from(bytes.byte() % 8),
            u32::from(bytes.byte() % 8),
            u32::from(bytes.byte() % 8),
        )
    } else {
        let n = 1 + u32::from(bytes.byte() % 12);
        let m = 1 + u32::from(bytes.byte()) % n;
        let e = match bytes.byte() {
            b if b < 128 => AlarmRule::default_evaluation_range(n),
            b => n + u32::from(b % 16),
        };
        (n, m, e)
    };
    let threshold = bytes.value();
    let rule = AlarmRule {
        threshold,
        comparison,
        evaluation_periods: n,
        datapoints_to_alarm: m,
        missing_data,
        evaluation_range: e,
    };
    let mut series = Vec::new();
    while !bytes.is_empty() && series.len() < 512 {
        series.push(match bytes.byte() % 4 {
            0 => None,
            _ => Some(bytes.value()),
        });
    }
    (rule, series)
}

/// Whether a rule is inside the ranges validation enforces.
pub fn rule_is_valid(rule: &AlarmRule) -> bool {
    let (n, m, e) = (
        rule.evaluation_periods,
        rule.datapoints_to_alarm,
        rule.evaluation_range,
    );
    n >= 1 && (1..=n).contains(&m) && e >= n && rule.threshold.is_finite()
}

/// Arbitrary bytes as an alarm rule and a series: `replay` and `evaluate`
/// must never panic; for a valid rule, the documented invariants hold at
/// every step.
pub fn alarm_input(data: &[u8]) {
    let (rule, series) = decode_alarm(data);
    let states = replay(&rule, &series);
    assert_eq!(states.len(), series.len(), "one state per datapoint");
    let all = [
        AlarmState::Ok,
        AlarmState::Alarm,
        AlarmState::InsufficientData,
    ];
    for state in &states {
        assert!(all.contains(state));
    }
    if !rule_is_valid(&rule) {
        return;
    }
    let e = rule.evaluation_range as usize;
    let mut current = AlarmState::InsufficientData;
    for (t, state) in states.iter().enumerate() {
        let window = &series[(t + 1).saturating_sub(e)..=t];
        // `replay` is `evaluate` over the newest E slots; a longer range
        // gives the same answer (only the newest E count).
        assert_eq!(*state, rule.evaluate(window, current));
        assert_eq!(*state, rule.evaluate(&series[..=t], current));
        // Filling modes always decide.
        if matches!(
            rule.missing_data,
            MissingData::Breaching | MissingData::NotBreaching
        ) {
            assert_ne!(*state, AlarmState::InsufficientData, "{rule:?} {window:?}");
        }
        // With N real datapoints in the range, the mode is irrelevant.
        let real = window.iter().filter(|p| p.is_some()).count();
        if real >= rule.evaluation_periods as usize {
            for mode in [
                MissingData::Missing,
                MissingData::NotBreaching,
                MissingData::Breaching,
                MissingData::Ignore,
            ] {
                let other = AlarmRule {
                    missing_data: mode,
                    ..rule
                };
                assert_eq!(
                    other.evaluate(window, current),
                    *state,
                    "{rule:?} {window:?}"
                );
            }
        }
        current = *state;
    }
}
