//! Test-only access to the arrays of Kayenta's own test suites, copied
//! verbatim into `testdata/` (see the header of each file for the source
//! commit and path).

use std::collections::HashMap;

const MANN_WHITNEY_SUITE: &str = include_str!("testdata/mann_whitney_suite.txt");
const CLASSIFIER_SUITE: &str = include_str!("testdata/classifier_suite.txt");

/// Which suite a test's arrays come from.
#[derive(Clone, Copy)]
pub enum Suite {
    /// `kayenta-mannwhitney/src/test/scala/com/netflix/kayenta/mannwhitney/MannWhitneySuite.scala`.
    MannWhitney,
    /// `kayenta-judge/src/test/scala/com/netflix/kayenta/judge/ClassifierSuite.scala`.
    Classifier,
}

/// The arrays (by `val` name) of the test called `test` in `suite`.
pub fn arrays(suite: Suite, test: &str) -> HashMap<String, Vec<f64>> {
    let text = match suite {
        Suite::MannWhitney => MANN_WHITNEY_SUITE,
        Suite::Classifier => CLASSIFIER_SUITE,
    };
    let mut out = HashMap::new();
    let mut inside = false;
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("== ") {
            inside = name == test;
            continue;
        }
        if !inside || line.starts_with('#') {
            continue;
        }
        let (var, values) = line
            .split_once(" = ")
            .unwrap_or((line.trim_end_matches(" ="), ""));
        let values = values
            .split(',')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| v.parse::<f64>().expect("a number"))
            .collect();
        out.insert(var.trim().to_string(), values);
    }
    assert!(!out.is_empty(), "no arrays for test {test:?}");
    out
}
