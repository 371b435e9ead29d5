//! What a template does not say — traffic, faults, horizon — taken from
//! `canarysim import`'s options, and the small `--fault` grammar:
//!
//! ```text
//! FAULT := [FUNCTION ":"] KIND
//! KIND  := "step_error" P% ["after" D] ["status" N]
//!        | "ramp_error" P%..P% "over" D ["after" D] ["status" N]
//!        | "latency_shift" ("+"Nms | "x"F) ["after" D]
//! ```
//!
//! `P%` is a percentage in (0, 100], `D` a scenario duration (`90s`, `2m`),
//! `status N` a handled error response (400–599) instead of an unhandled
//! error; `FUNCTION` (a logical id) is required when the scenario deploys
//! several functions. Each maps onto one `[[faults]]` entry of the same
//! kind (README, "`[[faults]]`").

use std::path::{Component, Path, PathBuf};

use crate::scenario::parse_duration;

use super::error::ImportError;

/// The default request rate when neither `--rate` nor `--traffic` is given.
pub const DEFAULT_RATE_PER_S: f64 = 10.0;
/// Added to the strategies' longest nominal duration for the default horizon.
pub const HORIZON_MARGIN_MIN: u64 = 10;
/// The horizon when no strategy ends by itself (a Lattice split held, an
/// API Gateway canary never promoted).
pub const OPEN_ENDED_HORIZON_MIN: u64 = 30;
/// Hook run time assumed when a template names a hook function.
pub const HOOK_DURATION: &str = "1m";

/// `canarysim import`'s options, as given.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// `--function`: logical ids of the functions to import (all when empty).
    pub functions: Vec<String>,
    /// `--rate`: requests per second.
    pub rate: Option<f64>,
    /// `--traffic`: a replay file, as the scenario must name it (relative
    /// to the scenario's folder).
    pub traffic: Option<String>,
    /// `--fault`, in the grammar above.
    pub faults: Vec<String>,
    /// `--horizon`.
    pub horizon: Option<String>,
    /// `--replications`.
    pub replications: Option<u32>,
    /// The command line, for the header.
    pub command: String,
}

impl ImportOptions {
    /// Checks the options that need no template.
    pub fn check(&self) -> Result<(), ImportError> {
        if let Some(r) = self.rate {
            if !(r.is_finite() && r > 0.0 && r <= 1e6) {
                return Err(ImportError::option(
                    "--rate",
                    format!("{r}: requests per second must be > 0 and <= 1,000,000"),
                ));
            }
        }
        if let Some(h) = &self.horizon {
            parse_duration(h)
                .map_err(|e| ImportError::option("--horizon", format!("{h:?}: {e}")))?;
        }
        if let Some(n) = self.replications {
            if !(1..=10_000_000).contains(&n) {
                return Err(ImportError::option(
                    "--replications",
                    format!("{n}: must be between 1 and 10,000,000"),
                ));
            }
        }
        for f in &self.faults {
            parse_fault(f)?;
        }
        Ok(())
    }
}

/// The replay file as the scenario must name it: relative to the folder
/// the scenario is written to (the current folder for stdout), so the
/// scenario still finds it when run from elsewhere.
pub fn replay_path(traffic: &Path, output: Option<&Path>) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    let abs = |p: &Path| {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            cwd.join(p)
        }
    };
    let target = normalize(&abs(traffic));
    let base = normalize(&abs(output.and_then(Path::parent).unwrap_or(Path::new(""))));
    let t: Vec<Component> = target.components().collect();
    let b: Vec<Component> = base.components().collect();
    let common = t.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut rel = PathBuf::new();
    for _ in common..b.len() {
        rel.push("..");
    }
    for c in &t[common..] {
        rel.push(c.as_os_str());
    }
    rel.to_string_lossy().replace('\\', "/")
}

/// Removes `.` and resolves `..` lexically.
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// One parsed `--fault`.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultSpec {
    /// The function it targets, when named.
    pub function: Option<String>,
    /// The `[[faults]]` entry as an inline TOML table.
    pub table: String,
}

fn bad(text: &str, why: &str) -> ImportError {
    ImportError::option(
        "--fault",
        format!("{text:?}: {why}; the grammar is `[FUNCTION:] step_error P% [after D] [status N]`, `ramp_error A%..B% over D [after D] [status N]` or `latency_shift +Nms|xF [after D]`, e.g. \"step_error 5% after 2m\""),
    )
}

fn percent(text: &str, tok: &str) -> Result<f64, ImportError> {
    let v = tok
        .strip_suffix('%')
        .and_then(|n| n.parse::<f64>().ok())
        .ok_or_else(|| bad(text, &format!("`{tok}` is not a percentage such as 5%")))?;
    if !(v > 0.0 && v <= 100.0) {
        return Err(bad(text, &format!("{tok} is outside (0%, 100%]")));
    }
    Ok(v / 100.0)
}

fn duration(text: &str, tok: Option<&&str>) -> Result<String, ImportError> {
    let tok = tok.ok_or_else(|| bad(text, "a duration is missing"))?;
    parse_duration(tok).map_err(|e| bad(text, &format!("`{tok}`: {e}")))?;
    Ok(format!("{tok:?}"))
}

/// Parses one `--fault` option.
pub fn parse_fault(text: &str) -> Result<FaultSpec, ImportError> {
    let (function, rest) = match text.split_once(':') {
        Some((f, rest)) if !f.trim().contains(' ') && !f.trim().is_empty() => {
            (Some(f.trim().to_string()), rest)
        }
        _ => (None, text),
    };
    let toks: Vec<&str> = rest.split_whitespace().collect();
    let mut fields: Vec<String> = Vec::new();
    let mut i;
    match toks.first().copied() {
        Some("step_error") => {
            fields.push("kind = \"step_error\"".into());
            fields.push(format!(
                "error_rate = {:?}",
                percent(
                    text,
                    toks.get(1)
                        .ok_or_else(|| bad(text, "step_error needs P%"))?
                )?
            ));
            i = 2;
        }
        Some("ramp_error") => {
            let range = toks
                .get(1)
                .ok_or_else(|| bad(text, "ramp_error needs A%..B%"))?;
            let (a, b) = range
                .split_once("..")
                .ok_or_else(|| bad(text, "ramp_error needs A%..B%"))?;
            let from = if a.trim_end_matches('%').parse::<f64>().ok() == Some(0.0) {
                0.0
            } else {
                percent(text, a)?
            };
            fields.push("kind = \"ramp_error\"".into());
            fields.push(format!("from = {from:?}"));
            fields.push(format!("to = {:?}", percent(text, b)?));
            if toks.get(2) != Some(&"over") {
                return Err(bad(text, "ramp_error needs `over D`"));
            }
            fields.push(format!("over = {}", duration(text, toks.get(3))?));
            i = 4;
        }
        Some("latency_shift") => {
            let tok = toks
                .get(1)
                .ok_or_else(|| bad(text, "latency_shift needs +Nms or xF"))?;
            fields.push("kind = \"latency_shift\"".into());
            if let Some(ms) = tok
                .strip_prefix('+')
                .and_then(|t| t.strip_suffix("ms"))
                .and_then(|n| n.parse::<f64>().ok())
                .filter(|n| *n > 0.0)
            {
                fields.push(format!("add_ms = {ms:?}"));
            } else if let Some(f) = tok
                .strip_prefix('x')
                .and_then(|n| n.parse::<f64>().ok())
                .filter(|f| *f > 0.0)
            {
                fields.push(format!("multiplier = {f:?}"));
            } else {
                return Err(bad(text, &format!("`{tok}` is neither +Nms nor xF")));
            }
            i = 2;
        }
        Some(other) => return Err(bad(text, &format!("unknown fault kind `{other}`"))),
        None => return Err(bad(text, "empty fault")),
    }
    let handled_ok = !fields[0].contains("latency_shift");
    while i < toks.len() {
        match toks[i] {
            "after" => fields.push(format!("after = {}", duration(text, toks.get(i + 1))?)),
            "status" if handled_ok => {
                let n = toks
                    .get(i + 1)
                    .and_then(|n| n.parse::<u16>().ok())
                    .filter(|n| (400..=599).contains(n))
                    .ok_or_else(|| bad(text, "status takes an HTTP status 400-599"))?;
                fields.push(format!("failure = {{ status = {n} }}"));
            }
            other => return Err(bad(text, &format!("unexpected `{other}`"))),
        }
        i += 2;
    }
    Ok(FaultSpec {
        function,
        table: format!("{{ {} }}", fields.join(", ")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fault_grammar_maps_onto_fault_tables() {
        let f = parse_fault("step_error 5% after 2m").unwrap();
        assert_eq!(
            f,
            FaultSpec {
                function: None,
                table: "{ kind = \"step_error\", error_rate = 0.05, after = \"2m\" }".into()
            }
        );
        let f = parse_fault("Pay: step_error 100% status 503").unwrap();
        assert_eq!(f.function.as_deref(), Some("Pay"));
        assert_eq!(
            f.table,
            "{ kind = \"step_error\", error_rate = 1.0, failure = { status = 503 } }"
        );
        assert_eq!(
            parse_fault("ramp_error 0%..20% over 10m after 1m")
                .unwrap()
                .table,
            "{ kind = \"ramp_error\", from = 0.0, to = 0.2, over = \"10m\", after = \"1m\" }"
        );
        assert_eq!(
            parse_fault("latency_shift +250ms").unwrap().table,
            "{ kind = \"latency_shift\", add_ms = 250.0 }"
        );
        assert_eq!(
            parse_fault("latency_shift x1.5 after 30s").unwrap().table,
            "{ kind = \"latency_shift\", multiplier = 1.5, after = \"30s\" }"
        );
    }

    #[test]
    fn the_replay_path_is_relative_to_the_scenario_folder() {
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(
            replay_path(Path::new("data/inv.json"), Some(Path::new("out/my.toml"))),
            "../data/inv.json"
        );
        assert_eq!(
            replay_path(Path::new("data/inv.json"), None),
            "data/inv.json"
        );
        assert_eq!(
            replay_path(&cwd.join("x/inv.csv"), Some(Path::new("x/s.toml"))),
            "inv.csv"
        );
    }

    #[test]
    fn bad_faults_name_the_option_and_the_grammar() {
        for bad in [
            "step_error",
            "step_error 150%",
            "step_error 5",
            "explode 5%",
            "step_error 5% after soon",
            "latency_shift 5",
            "step_error 5% status 200",
            "ramp_error 1%..5%",
        ] {
            let e = parse_fault(bad).unwrap_err();
            assert_eq!(e.file, "--fault", "{bad}");
            assert!(e.message.contains("the grammar is"), "{e}");
        }
    }
}
