//! Random delays in scenario files: a duration string or a table of one
//! pair of median/p99, mean/sd or min/max (checked by
//! `validate::delay`). Its schema is written by hand, as serde sees only a
//! TOML value.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::scenario::duration::Dur;

/// A random delay: a duration string for a fixed delay (`"90s"`), or a table
/// `{ median = "30m", p99 = "2h" }` (lognormal, p99 > median > 0),
/// `{ mean = "10m", sd = "5m" }` (lognormal with that mean and standard
/// deviation, both > 0) or `{ min = "1s", max = "5s" }` (uniform,
/// min <= max). Keys that accept `"never"` say so.
#[derive(Debug, Clone, Deserialize)]
#[serde(transparent)]
pub struct RawDelay(pub toml::Value);

impl JsonSchema for RawDelay {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Delay".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let duration = generator.subschema_for::<Dur>();
        schemars::json_schema!({
            "description": "A fixed delay (a duration string, or \"never\" where the key says so), or a random one: { median, p99 } (lognormal), { mean, sd } (lognormal) or { min, max } (uniform), each a duration.",
            "anyOf": [
                duration,
                { "const": "never" },
                {
                    "type": "object",
                    "properties": {
                        "median": duration, "p99": duration, "mean": duration,
                        "sd": duration, "min": duration, "max": duration
                    },
                    "additionalProperties": false
                }
            ]
        })
    }
}
