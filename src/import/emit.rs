//! The produced scenario as TOML text: a comment header (source, what was
//! mapped, the assumptions taken from options and defaults, the UNMODELLED
//! list), then the tables in the order README's scenario format lists them.

use std::fmt::Write;

use super::alarms::{AlarmOut, Body, FilterOut};
use super::deploy::{Deployable, Shape};
use super::options::{FaultSpec, HOOK_DURATION};
use super::routing::{ApiGwOut, LatticeOut, ASSUMED_HIT_RATIO};

/// Everything the scenario is made of.
#[derive(Debug, Default)]
pub struct Draft<'a> {
    /// The template's file name.
    pub source: String,
    /// The scenario name.
    pub name: String,
    /// The command line that produced it.
    pub command: String,
    /// The horizon (a duration string).
    pub horizon: String,
    /// `replications`, when given.
    pub replications: Option<u32>,
    /// `[traffic]` body lines.
    pub traffic: Vec<String>,
    /// Functions: scenario name and deployment (empty for a routing-only
    /// scenario).
    pub functions: Vec<(String, &'a Deployable)>,
    /// Whether `[functions.NAME]` tables are written.
    pub multi: bool,
    /// Faults by scenario function name (None: top level).
    pub faults: Vec<(Option<String>, FaultSpec)>,
    /// Filters.
    pub filters: Vec<&'a FilterOut>,
    /// Alarms with the scenario name of their function.
    pub alarms: Vec<(&'a AlarmOut, Option<String>)>,
    /// The CodeDeploy strategy's deployment, and its watched alarms.
    pub codedeploy: Option<(&'a Deployable, Vec<String>)>,
    /// The API Gateway canary and its watched alarms.
    pub apigw: Option<(&'a ApiGwOut, Vec<String>)>,
    /// The Lattice split and its watched alarms.
    pub lattice: Option<(&'a LatticeOut, Vec<String>)>,
    /// Header: what was mapped.
    pub mapped: Vec<String>,
    /// Header: assumptions.
    pub assumptions: Vec<String>,
    /// Header: readings worth knowing.
    pub notes: Vec<String>,
    /// Header and stderr: not simulated.
    pub unmodelled: Vec<String>,
}

/// A TOML string literal.
pub fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn list(names: &[String]) -> String {
    format!(
        "[{}]",
        names.iter().map(|n| q(n)).collect::<Vec<_>>().join(", ")
    )
}

fn comment_list(out: &mut String, title: &str, items: &[String]) {
    let _ = writeln!(out, "#\n# {title}");
    if items.is_empty() {
        let _ = writeln!(out, "#   (none)");
    }
    for i in items {
        let mut first = true;
        for line in wrap(i, 74) {
            let _ = writeln!(out, "#   {} {line}", if first { "-" } else { " " });
            first = false;
        }
    }
}

fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split_whitespace() {
        let cur = lines.last_mut().expect("one line");
        if !cur.is_empty() && cur.len() + 1 + word.len() > width {
            lines.push(word.to_string());
        } else {
            if !cur.is_empty() {
                cur.push(' ');
            }
            cur.push_str(word);
        }
    }
    lines
}

impl Draft<'_> {
    /// The scenario text.
    pub fn render(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(
            o,
            "# {} — imported from {} by `canarysim import`.",
            self.name, self.source
        );
        let _ = writeln!(o, "#\n# Command: {}", self.command);
        comment_list(&mut o, "Mapped from the template:", &self.mapped);
        comment_list(
            &mut o,
            "Assumptions (the template does not say; from options or defaults):",
            &self.assumptions,
        );
        if !self.notes.is_empty() {
            comment_list(&mut o, "Readings:", &self.notes);
        }
        comment_list(
            &mut o,
            "UNMODELLED (in the template, not simulated):",
            &self.unmodelled,
        );
        let _ = writeln!(o, "\nname = {}", q(&self.name));
        let _ = writeln!(o, "horizon = {}", q(&self.horizon));
        if let Some(r) = self.replications {
            let _ = writeln!(o, "replications = {r}");
        }
        let _ = writeln!(o, "\n[traffic]");
        for l in &self.traffic {
            let _ = writeln!(o, "{l}");
        }
        for (f, spec) in self.faults.iter().filter(|(f, _)| f.is_none()) {
            let _ = f;
            let _ = writeln!(o, "\n[[faults]]\n{}", table_lines(&spec.table));
        }
        if self.multi {
            for (name, d) in &self.functions {
                let _ = writeln!(o, "\n[functions.{name}]");
                if !d.canaried {
                    let _ = writeln!(o, "deploy = \"all_at_once\"");
                }
                for (_, spec) in self
                    .faults
                    .iter()
                    .filter(|(f, _)| f.as_deref() == Some(name))
                {
                    let _ = writeln!(
                        o,
                        "[[functions.{name}.faults]]\n{}",
                        table_lines(&spec.table)
                    );
                }
            }
            let _ = writeln!(o, "\n[deployment]\nrollback = \"stack\"");
        }
        for f in &self.filters {
            let _ = writeln!(o, "\n# {} ({}/{}).", f.id, f.metric.0, f.metric.1);
            let _ = writeln!(
                o,
                "[metrics.filters.{}]\npattern = {}",
                f.name,
                q(&f.pattern)
            );
            if f.value != 1.0 {
                let _ = writeln!(o, "value = {:?}", f.value);
            }
            if let Some(d) = f.default_value {
                let _ = writeln!(o, "default_value = {d:?}");
            }
        }
        for (a, function) in &self.alarms {
            self.alarm(&mut o, a, function.as_deref());
        }
        if let Some((d, alarms)) = &self.codedeploy {
            let _ = writeln!(o, "\n# {}.\n[strategies.as_written]", d.via);
            match &d.shape {
                Shape::Predefined(name) => {
                    let _ = writeln!(o, "config = {}", q(name));
                }
                Shape::Custom(kind, pct, minutes) => {
                    let _ = writeln!(
                        o,
                        "type = {}\npercentage = {pct}\ninterval = \"{minutes}m\"",
                        q(kind)
                    );
                }
            }
            let _ = writeln!(o, "alarms = {}", list(alarms));
            if !d.rollback {
                let _ = writeln!(o, "rollback = false");
            }
            if d.pre_hook.is_some() {
                let _ = writeln!(o, "pre_traffic_hook = {{ duration = \"{HOOK_DURATION}\", catch_probability = 0.0 }}");
            }
            if d.post_hook.is_some() {
                let _ = writeln!(o, "post_traffic_hook = {{ duration = \"{HOOK_DURATION}\", catch_probability = 0.0 }}");
            }
        }
        if let Some((a, alarms)) = &self.apigw {
            let _ = writeln!(o, "\n# {}: API Gateway canary stage.\n[strategies.apigw_canary]\nkind = \"apigw_canary\"", a.id);
            let _ = writeln!(
                o,
                "percent_traffic = {:?}\nalarms = {}",
                a.percent,
                list(alarms)
            );
            if !a.overrides.is_empty() {
                let _ = writeln!(o, "new_version_via = \"stage_variables\"");
                let kv: Vec<String> = a
                    .overrides
                    .iter()
                    .map(|(k, v)| format!("{} = {}", q(k), q(v)))
                    .collect();
                let _ = writeln!(o, "stage_variable_overrides = {{ {} }}", kv.join(", "));
            }
            if a.cache {
                let _ = writeln!(o, "cache = {{ hit_ratio = {ASSUMED_HIT_RATIO:?} }}");
            }
        }
        if let Some((l, alarms)) = &self.lattice {
            let _ = writeln!(
                o,
                "\n# {}: VPC Lattice weighted target groups {} (stable) and {} (candidate).",
                l.id, l.groups[0], l.groups[1]
            );
            let _ = writeln!(
                o,
                "[strategies.lattice]\nkind = \"lattice\"\nweights = [{}, {}]\nalarms = {}",
                l.weights[0],
                l.weights[1],
                list(alarms)
            );
        }
        o
    }

    fn alarm(&self, o: &mut String, a: &AlarmOut, function: Option<&str>) {
        let _ = writeln!(o, "\n[alarms.{}]", a.name);
        if let (true, Some(f)) = (self.multi, function) {
            let _ = writeln!(o, "function = {}", q(f));
        }
        let _ = writeln!(o, "scope = {}", q(a.scope));
        match &a.body {
            Body::Metric(m, s) => {
                let _ = writeln!(o, "metric = {}\nstatistic = {}", q(m), q(s));
            }
            Body::Expression(e) => {
                let _ = writeln!(o, "expression = {}", q(e));
            }
        }
        let _ = writeln!(o, "period = \"{}s\"", a.period_s);
        let _ = writeln!(
            o,
            "comparison = {}\nthreshold = {:?}\nevaluation_periods = {}",
            q(&a.comparison),
            a.threshold,
            a.evaluation_periods
        );
        if let Some(m) = a.datapoints_to_alarm {
            let _ = writeln!(o, "datapoints_to_alarm = {m}");
        }
        if let Some(t) = &a.treat_missing_data {
            let _ = writeln!(o, "treat_missing_data = {}", q(t));
        }
        if let Some(l) = &a.low_sample {
            let _ = writeln!(o, "evaluate_low_sample_count_percentile = {}", q(l));
        }
    }
}

/// `{ a = 1, b = 2 }` → `a = 1\nb = 2` (the fault tables written as
/// `[[faults]]` entries).
fn table_lines(inline: &str) -> String {
    let body = inline
        .trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .trim();
    let mut parts = Vec::new();
    let mut depth = 0;
    let mut cur = String::new();
    for c in body.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(cur.trim().to_string());
                cur.clear();
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if !cur.trim().is_empty() {
        parts.push(cur.trim().to_string());
    }
    parts.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_fault_tables_become_lines_and_text_wraps() {
        assert_eq!(
            table_lines("{ kind = \"step_error\", error_rate = 1.0, failure = { status = 503 } }"),
            "kind = \"step_error\"\nerror_rate = 1.0\nfailure = { status = 503 }"
        );
        assert_eq!(wrap("a bb ccc dddd", 6), vec!["a bb", "ccc", "dddd"]);
        assert_eq!(q("a\"b"), "'a\"b'");
    }
}
