//! What the panels of the sweep chart plot: the four default panels
//! (healthy candidate: false rollbacks; faulty candidate: detect rate,
//! time to detection, excess bad requests) or one panel of a chosen
//! column, over the population (healthy, faulty or all rows) it is
//! defined for.

use crate::plot::data::{describe_column, is_never_quantile, SummaryTable};

/// Which rows a panel draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Population {
    Healthy,
    Faulty,
    All,
}

/// What a panel plots.
pub(super) struct PanelSpec<'a> {
    pub(super) title: String,
    pub(super) column: &'a str,
    pub(super) population: Population,
    /// Plot 1 − value (detect rate from the missed rate).
    pub(super) complement: bool,
    pub(super) note: Option<String>,
}

/// The population a single chosen column is defined for.
pub(super) fn population_of(column: &str) -> Population {
    let base = column
        .strip_suffix("_lo")
        .or_else(|| column.strip_suffix("_hi"))
        .unwrap_or(column);
    if base == "false_rollback_rate" {
        Population::Healthy
    } else if base == "missed_rate" || base.starts_with("detection_") || base.starts_with("excess_")
    {
        Population::Faulty
    } else {
        Population::All
    }
}

pub(super) fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// The panels of the chart: one for the chosen column `metric`, else the
/// four default ones.
pub(super) fn panel_specs<'a>(table: &SummaryTable, metric: Option<&'a str>) -> Vec<PanelSpec<'a>> {
    match metric {
        Some(m) => {
            let (name, _) = describe_column(m);
            let who = match population_of(m) {
                Population::Healthy => "healthy candidate",
                Population::Faulty => "faulty candidate",
                Population::All => "all rows",
            };
            vec![PanelSpec {
                title: format!("{} ({who})", capitalize(&name)),
                column: m,
                population: population_of(m),
                complement: false,
                note: (is_never_quantile(m) && !table.detection_counts_misses()).then(|| {
                    "this sweep.csv has no detection_p50_detected_s: its quantiles \
                     ignore the misses"
                        .to_owned()
                }),
            }]
        }
        None => {
            let counts_misses = table.detection_counts_misses();
            let excess = table.has_column("excess_bad_requests_mean");
            vec![
                PanelSpec {
                    title: "Healthy candidate: false-rollback rate".to_owned(),
                    column: "false_rollback_rate",
                    population: Population::Healthy,
                    complement: false,
                    note: None,
                },
                PanelSpec {
                    title: "Faulty candidate: detect rate (1 − missed rate)".to_owned(),
                    column: "missed_rate",
                    population: Population::Faulty,
                    complement: true,
                    note: None,
                },
                PanelSpec {
                    title: "Faulty candidate: time to detection p50 (misses = never)".to_owned(),
                    column: if counts_misses { "detection_p50_s" } else { "" },
                    population: Population::Faulty,
                    complement: false,
                    note: (!counts_misses)
                        .then(|| "older sweep.csv: its detection_p50_s ignores misses".to_owned()),
                },
                PanelSpec {
                    title: if excess {
                        "Faulty candidate: mean excess bad requests".to_owned()
                    } else {
                        "Faulty candidate: mean bad requests (total: no excess column)".to_owned()
                    },
                    column: if excess {
                        "excess_bad_requests_mean"
                    } else {
                        "bad_requests_mean"
                    },
                    population: Population::Faulty,
                    complement: false,
                    note: None,
                },
            ]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn populations_of_chosen_columns() {
        assert_eq!(population_of("false_rollback_rate"), Population::Healthy);
        assert_eq!(population_of("detection_p50_s"), Population::Faulty);
        assert_eq!(
            population_of("excess_bad_requests_mean_lo"),
            Population::Faulty
        );
        assert_eq!(population_of("deploy_mean_s"), Population::All);
    }
}
