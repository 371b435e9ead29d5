//! `report.md`: a run's or sweep's results as a page ready to paste into a
//! design document — the scenario's question, the plan in words, the
//! summary table with the population of every column, the plots, the
//! warnings that change the decision and the command that reproduces it.
//!
//! Plain CommonMark plus GitHub tables: headings, a fenced `text` block,
//! pipe tables, bullet lists and images by relative path, which GitHub,
//! GitLab, VS Code and pandoc all render the same way.

use super::columns::{DOCUMENT, SAGAS};
use super::export::{markdown_table, population_notes, ResultSet};
use super::run_toml::shell_join;

/// The file name of the report in every output folder.
pub const REPORT_MD: &str = "report.md";

/// Everything `report.md` shows.
#[derive(Debug, Clone)]
pub struct ReportDoc<'a> {
    /// The scenario's header comment (its question), if it has one.
    pub question: Option<String>,
    /// The plan in words, as `canarysim validate` prints it.
    pub plan: String,
    /// For a sweep: the grid in words.
    pub grid: Option<String>,
    pub results: &'a ResultSet,
    /// Plots in the folder: (caption, file name relative to the report).
    pub plots: Vec<(String, String)>,
    /// Warnings that change the decision ([`crate::warnings`]).
    pub warnings: &'a [String],
    /// The "Alarms at deployment start" section
    /// ([`super::alarm_start_markdown`]); empty for none (sweeps).
    pub alarm_start: String,
}

/// Renders `report.md`.
pub fn render_report(doc: &ReportDoc) -> String {
    let r = doc.results;
    let mut out = format!("# {}: canarysim {}\n\n", r.scenario, r.kind);
    match &doc.question {
        Some(q) => {
            out.push_str("## Question\n\n");
            for line in q.lines() {
                out.push_str(&format!("> {line}\n"));
            }
            out.push('\n');
        }
        None => out.push_str("The scenario file has no header comment stating its question.\n\n"),
    }
    out.push_str(&format!(
        "{} replications per strategy{}, seed {}, {} sampling, canarysim {}.\n\n",
        r.replications,
        if r.kind == "sweep" {
            " and grid point"
        } else {
            ""
        },
        r.seed,
        r.mode,
        r.canarysim_version
    ));
    if !doc.warnings.is_empty() {
        out.push_str("## Warnings\n\n");
        for w in doc.warnings {
            out.push_str(&format!("- {w}\n"));
        }
        out.push('\n');
    }
    out.push_str("## Plan\n\n```text\n");
    out.push_str(doc.plan.trim_end());
    out.push_str("\n```\n\n");
    if let Some(grid) = &doc.grid {
        out.push_str("## Grid\n\n```text\n");
        out.push_str(grid.trim_end());
        out.push_str("\n```\n\n");
    }
    out.push_str("## Results\n\n");
    out.push_str(&markdown_table(r, DOCUMENT));
    out.push('\n');
    out.push_str(&population_notes(DOCUMENT));
    out.push_str(
        "\nRates carry 95 % Wilson score intervals, means 95 % Student-t intervals \
         (clamped at 0 for counts); quantiles are Hyndman–Fan type 7. Every figure is \
         in `summary.csv`",
    );
    out.push_str(if r.kind == "sweep" {
        " / `sweep.csv`.\n\n"
    } else {
        ".\n\n"
    });
    if r.rows.iter().any(|row| row.summary.sagas.is_some()) {
        let sagas = ResultSet {
            rows: r
                .rows
                .iter()
                .filter(|row| row.summary.sagas.is_some())
                .cloned()
                .collect(),
            ..r.clone()
        };
        out.push_str("## Sagas\n\n");
        out.push_str(&markdown_table(&sagas, SAGAS));
        out.push('\n');
        out.push_str(&population_notes(SAGAS));
        out.push('\n');
    }
    out.push_str(&doc.alarm_start);
    if !doc.plots.is_empty() {
        out.push_str("## Plots\n\n");
        for (caption, file) in &doc.plots {
            out.push_str(&format!("### {caption}\n\n![{caption}]({file})\n\n"));
        }
    }
    out.push_str("## Reproduce\n\n```sh\n");
    out.push_str(&reproduce_command(&r.command));
    out.push_str("\n```\n\n");
    out.push_str(&format!(
        "Same scenario file and seed {} give byte-identical results at any thread count; \
         `run.toml` in this folder records the resolved scenario.\n",
        r.seed
    ));
    out
}

/// The command as a user would type it: `canarysim` instead of the path
/// the binary was started from.
pub fn reproduce_command(command: &[String]) -> String {
    let mut args = command.to_vec();
    if let Some(first) = args.first_mut() {
        *first = "canarysim".into();
    }
    shell_join(&args)
}

/// The leading comment block of a scenario file (its question): the `#`
/// lines before the first key or table, without the `#`, blank comment
/// lines kept as paragraph breaks; `#:` editor directives are skipped.
pub fn header_comment(text: &str) -> Option<String> {
    let mut lines = Vec::new();
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() {
            if lines.is_empty() {
                continue;
            }
            break;
        }
        let Some(comment) = t.strip_prefix('#') else {
            break;
        };
        if comment.starts_with(':') {
            continue;
        }
        lines.push(comment.strip_prefix(' ').unwrap_or(comment).to_owned());
    }
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    (!lines.is_empty()).then(|| lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::export::ResultRow;
    use crate::report::table::tests::faulty_summary;

    #[test]
    fn header_comment_is_the_leading_comment_block() {
        let text = "#:schema x.json\n# Question: how fast?\n#\n# More.\nname = \"x\"\n# not this\n";
        assert_eq!(
            header_comment(text).as_deref(),
            Some("Question: how fast?\n\nMore.")
        );
        assert_eq!(header_comment("name = 1\n"), None);
    }

    #[test]
    fn report_has_every_section_and_only_given_plots() {
        let set = ResultSet {
            kind: "run",
            scenario: "spike".into(),
            seed: 42,
            replications: 100,
            mode: "fast".into(),
            canarysim_version: "0.1.0".into(),
            command: vec!["target/release/canarysim".into(), "s.toml".into()],
            swept_keys: vec![],
            rows: vec![ResultRow {
                point: vec![],
                summary: faulty_summary("canary"),
            }],
        };
        let warnings = vec!["careful".to_owned()];
        let text = render_report(&ReportDoc {
            question: Some("How fast?".into()),
            plan: "scenario spike".into(),
            grid: None,
            results: &set,
            plots: vec![("Timeline".into(), "timeline.svg".into())],
            warnings: &warnings,
            alarm_start: "## Alarms at deployment start\n\n| a |\n".into(),
        });
        for needle in [
            "# spike: canarysim run",
            "> How fast?",
            "## Warnings\n\n- careful",
            "```text\nscenario spike\n```",
            "| canary | faulty |",
            "Populations:",
            "![Timeline](timeline.svg)",
            "```sh\ncanarysim s.toml\n```",
            "seed 42",
            "## Alarms at deployment start",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in\n{text}");
        }
    }
}
