//! `run.toml`: the reproducibility record every output folder holds.
//!
//! The file *is* a scenario: the resolved scenario document at top level
//! (after the command-line overrides, with `name`, `seed` and
//! `replications` written out), a sweep's grid as an explicit `[sweep]`
//! table, and a `[canarysim]` metadata table that the scenario loader
//! accepts and strips before validation:
//!
//! ```toml
//! name = "error_spike"
//! seed = 7
//! replications = 200
//! horizon = "30m"
//! # ... every other scenario key, as resolved ...
//!
//! [sweep]                       # sweeps only: the resolved grid, in axis order
//! "alarms.error_rate.threshold" = [1, 5]
//!
//! [canarysim]
//! version = "0.1.0"             # canarysim that wrote the folder
//! command = ["canarysim", "run", "scenarios/error_spike.toml", "--seed", "7"]
//! mode = "fast"                 # sampling mode (not a scenario key: the loader applies it)
//! seed = 7                      # informational copies of the scenario keys
//! replications = 200
//! threads = 2                   # informational: results do not depend on it
//! fingerprint = "…"             # sweeps: identity of the resolved sweep
//! grid_points = 8               # sweeps: points of the whole grid
//! shard = "1/3"                 # shards only
//! ```
//!
//! So `canarysim run out/x/run.toml` (or `canarysim sweep out/x/run.toml`)
//! reruns the folder's results exactly. Of the `[canarysim]` keys the
//! loader uses only `mode` (unless `--mode` is given) and `seed` when the
//! document has no top-level `seed` (a seed above 2^63 − 1 does not fit a
//! TOML integer, so it is recorded here as a string). Everything else is
//! for people and for `--resume` / `canarysim merge`, which compare the
//! fingerprint.

use toml::Value;

use crate::model::Sampling;

/// File name of the record.
pub const RUN_TOML: &str = "run.toml";

/// Name of the metadata table.
pub const METADATA_TABLE: &str = "canarysim";

/// This build's version, as recorded.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The sweep facts of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepFacts {
    /// [`fingerprint`] of the resolved sweep (scenario, grid, seed,
    /// replications, mode, version); shards of one sweep share it.
    pub fingerprint: String,
    /// Points of the whole grid.
    pub grid_points: usize,
    /// `K/N` for a shard.
    pub shard: Option<String>,
}

/// What a `run.toml` records, ready to render.
#[derive(Debug, Clone)]
pub struct RunToml<'a> {
    pub version: &'a str,
    /// The command line (argv) that produced the folder.
    pub command: &'a [String],
    pub mode: Sampling,
    pub seed: u64,
    pub replications: u32,
    /// Worker threads (informational).
    pub threads: Option<usize>,
    /// The resolved scenario document (no `[sweep]`, no `[canarysim]`).
    pub scenario: &'a Value,
    /// The body of the `[sweep]` table (`KEY = [V1, V2]` lines), sweeps only.
    pub sweep_table: Option<&'a str>,
    pub sweep: Option<SweepFacts>,
}

impl RunToml<'_> {
    /// The file's text. Fails only if the document cannot be written as
    /// TOML (it always can: it was read from TOML).
    pub fn render(&self) -> Result<String, String> {
        let mut text = String::from(
            "# canarysim run record: the resolved scenario of this folder and how it was run.\n\
             # Rerun it exactly: `canarysim run run.toml` (a sweep: `canarysim sweep run.toml`).\n\n",
        );
        text.push_str(&scenario_text(self.scenario)?);
        if let Some(table) = self.sweep_table {
            text.push_str("\n[sweep]\n");
            text.push_str(table);
        }
        text.push_str(&format!("\n[{METADATA_TABLE}]\n"));
        let mut line = |key: &str, value: Value| text.push_str(&format!("{key} = {value}\n"));
        line("version", Value::String(self.version.to_owned()));
        line(
            "command",
            Value::Array(self.command.iter().cloned().map(Value::String).collect()),
        );
        line("mode", Value::String(self.mode.name().to_owned()));
        line("seed", seed_value(self.seed));
        line("replications", Value::Integer(i64::from(self.replications)));
        if let Some(threads) = self.threads {
            line("threads", Value::Integer(threads as i64));
        }
        if let Some(sweep) = &self.sweep {
            line("fingerprint", Value::String(sweep.fingerprint.clone()));
            line("grid_points", Value::Integer(sweep.grid_points as i64));
            if let Some(shard) = &sweep.shard {
                line("shard", Value::String(shard.clone()));
            }
        }
        Ok(text)
    }
}

/// The scenario document as TOML text (deterministic: tables are sorted
/// maps).
pub fn scenario_text(doc: &Value) -> Result<String, String> {
    toml::to_string(doc).map_err(|e| format!("cannot write the scenario as TOML: {e}"))
}

/// A seed as a TOML value: an integer when it fits, else its decimal string.
pub fn seed_value(seed: u64) -> Value {
    i64::try_from(seed).map_or_else(|_| Value::String(seed.to_string()), Value::Integer)
}

/// The `[canarysim]` table of a record, read leniently: unknown keys are
/// ignored, known keys must have the right type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    pub version: Option<String>,
    pub command: Vec<String>,
    pub mode: Option<Sampling>,
    pub seed: Option<u64>,
    pub fingerprint: Option<String>,
    pub grid_points: Option<usize>,
    pub shard: Option<String>,
}

impl Metadata {
    /// Reads the metadata table; errors are `(key, message)`.
    pub fn from_value(value: &Value) -> Result<Metadata, (String, String)> {
        let key = |k: &str| format!("{METADATA_TABLE}.{k}");
        let table = value.as_table().ok_or_else(|| {
            (
                METADATA_TABLE.to_owned(),
                "must be a table (the run record's metadata)".to_owned(),
            )
        })?;
        let string = |k: &str| -> Result<Option<String>, (String, String)> {
            match table.get(k) {
                None => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err((key(k), "must be a string".to_owned())),
            }
        };
        let mode = match string("mode")?.as_deref() {
            None => None,
            Some("fast") => Some(Sampling::Fast),
            Some("exact") => Some(Sampling::Exact),
            Some(other) => {
                return Err((key("mode"), format!("{other:?}: allowed: exact, fast")));
            }
        };
        let seed = match table.get("seed") {
            None => None,
            Some(Value::Integer(i)) if *i >= 0 => Some(*i as u64),
            Some(Value::String(s)) if s.parse::<u64>().is_ok() => s.parse().ok(),
            Some(_) => {
                return Err((
                    key("seed"),
                    format!(
                        "must be an integer from 0 to {} (as a string above 2^63 - 1)",
                        u64::MAX
                    ),
                ))
            }
        };
        let grid_points = match table.get("grid_points") {
            None => None,
            Some(Value::Integer(i)) if *i >= 0 => Some(*i as usize),
            Some(_) => return Err((key("grid_points"), "must be an integer >= 0".to_owned())),
        };
        let command = match table.get("command") {
            None => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| (key("command"), "must be an array of strings".to_owned()))?,
            Some(_) => return Err((key("command"), "must be an array of strings".to_owned())),
        };
        Ok(Metadata {
            version: string("version")?,
            command,
            mode,
            seed,
            fingerprint: string("fingerprint")?,
            grid_points,
            shard: string("shard")?,
        })
    }

    /// Reads the metadata of the `run.toml` text `text`; `Ok(None)` when it
    /// has no `[canarysim]` table.
    pub fn from_text(text: &str) -> Result<Option<Metadata>, String> {
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            format!("not valid TOML: {}", e.message().replace('\n', " "))
        })?;
        table
            .get(METADATA_TABLE)
            .map(|v| Metadata::from_value(v).map_err(|(k, m)| format!("{k}: {m}")))
            .transpose()
    }

    /// The recorded command line, shell-quoted, for messages.
    pub fn command_line(&self) -> String {
        shell_join(&self.command)
    }
}

/// 128-bit FNV-1a of `text` as 32 hex digits: a stable identity for
/// "the same resolved sweep", not a security measure.
pub fn fingerprint(text: &str) -> String {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
    let hash = text
        .bytes()
        .fold(OFFSET, |h, b| (h ^ u128::from(b)).wrapping_mul(PRIME));
    format!("{hash:032x}")
}

/// Joins arguments into one shell command line, quoting those that need it
/// (POSIX single quotes).
pub fn shell_join(args: &[String]) -> String {
    args.iter()
        .map(|a| {
            let plain = !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
            if plain {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Value {
        Value::Table(
            "name = \"t\"\nseed = 3\n[traffic]\nrate_per_s = 0.1\n"
                .parse::<toml::Table>()
                .unwrap(),
        )
    }

    #[test]
    fn renders_a_loadable_document_with_metadata_last() {
        let command = vec![
            "canarysim".to_owned(),
            "run".to_owned(),
            "a b.toml".to_owned(),
        ];
        let scenario = doc();
        let record = RunToml {
            version: "9.9.9",
            command: &command,
            mode: Sampling::Exact,
            seed: u64::MAX,
            replications: 12,
            threads: Some(2),
            scenario: &scenario,
            sweep_table: Some("\"alarms.a.threshold\" = [1, 5.5]\n"),
            sweep: Some(SweepFacts {
                fingerprint: "f".into(),
                grid_points: 2,
                shard: Some("1/2".into()),
            }),
        };
        let text = record.render().unwrap();
        let table: toml::Table = text.parse().unwrap();
        assert_eq!(table["traffic"]["rate_per_s"], Value::Float(0.1));
        assert_eq!(
            table["sweep"]["alarms.a.threshold"],
            Value::Array(vec![Value::Integer(1), Value::Float(5.5)])
        );
        let meta = Metadata::from_text(&text).unwrap().unwrap();
        assert_eq!(
            meta,
            Metadata {
                version: Some("9.9.9".into()),
                command: command.clone(),
                mode: Some(Sampling::Exact),
                seed: Some(u64::MAX),
                fingerprint: Some("f".into()),
                grid_points: Some(2),
                shard: Some("1/2".into()),
            }
        );
        assert_eq!(meta.command_line(), "canarysim run 'a b.toml'");
        assert!(text.trim_end().ends_with("shard = \"1/2\""), "{text}");
    }

    #[test]
    fn metadata_errors_name_the_key() {
        for (text, key) in [
            ("[canarysim]\nmode = \"slow\"", "canarysim.mode"),
            ("[canarysim]\nseed = -1", "canarysim.seed"),
            ("[canarysim]\nseed = \"x\"", "canarysim.seed"),
            ("[canarysim]\ncommand = [1]", "canarysim.command"),
            ("canarysim = 1", "canarysim"),
        ] {
            let err = Metadata::from_text(text).unwrap_err();
            assert!(err.starts_with(key), "{text}: {err}");
        }
        assert_eq!(Metadata::from_text("a = 1").unwrap(), None);
    }

    #[test]
    fn fingerprints_are_stable_and_distinct() {
        assert_eq!(fingerprint(""), "6c62272e07bb014262b821756295c58d");
        assert_eq!(fingerprint("a"), fingerprint("a"));
        assert_ne!(fingerprint("a"), fingerprint("b"));
        assert_eq!(fingerprint("x").len(), 32);
    }
}
