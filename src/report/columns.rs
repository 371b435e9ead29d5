//! The human-readable columns of a summary table, shared by the terminal
//! table, the Markdown export and `report.md`, so every rendering of a
//! figure says the same thing about it: its header, its population and how
//! it is printed.
//!
//! Printing rules (issue "Honest answers"): rates in percent with one
//! decimal, each with its 95 % interval; times in seconds with one decimal;
//! a detection quantile that falls among the misses prints `never`; counts
//! that are whole numbers print as integers; intervals never leave what the
//! quantity allows (they are clamped when computed, see
//! [`super::summarize`]) and `-0.0` is printed as `0.0`.

use super::Summary;

/// Shown for a value that is undefined (e.g. no faulty run in the row).
pub const UNDEFINED: &str = "—";

/// Shown for a time-to-detection quantile that falls among runs that never
/// detected.
pub const NEVER: &str = "never";

/// One column of a summary table.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// Header in the terminal table (short).
    pub header: &'static str,
    /// Header in Markdown (may be longer: it is wrapped by the viewer).
    pub markdown_header: &'static str,
    /// Which runs the figure is computed over, for the notes under a table.
    pub population: &'static str,
    /// The cell of one row.
    pub cell: fn(&Summary) -> String,
}

/// The strategy name column.
pub const STRATEGY: Column = Column {
    header: "strategy",
    markdown_header: "strategy",
    population: "",
    cell: |s| s.strategy.clone(),
};

pub const REPS: Column = Column {
    header: "reps",
    markdown_header: "reps",
    population: "replications of the strategy (all runs)",
    cell: |s| s.reps.to_string(),
};

pub const CANDIDATE: Column = Column {
    header: "candidate",
    markdown_header: "candidate",
    population:
        "whether the candidate had a fault (the ground truth of false rollbacks and misses)",
    cell: |s| {
        if s.candidate_faulty {
            "faulty".into()
        } else {
            "healthy".into()
        }
    },
};

pub const ROLLBACK: Column = Column {
    header: "rollback % [95% CI]",
    markdown_header: "rollback % [95% CI]",
    population: "all runs",
    cell: |s| rate_ci(s.rollback_rate, s.rollback_rate_lo, s.rollback_rate_hi),
};

pub const FALSE_ROLLBACK: Column = Column {
    header: "false rollback % [95% CI]",
    markdown_header: "false rollback % [95% CI]",
    population: "healthy-candidate runs: share rolled back although nothing was wrong",
    cell: |s| {
        opt_rate_ci(
            s.false_rollback_rate,
            s.false_rollback_rate_lo,
            s.false_rollback_rate_hi,
        )
    },
};

pub const MISSED: Column = Column {
    header: "missed % [95% CI]",
    markdown_header: "missed % [95% CI]",
    population: "faulty-candidate runs: share that completed, the fault shipped to 100 %",
    cell: |s| opt_rate_ci(s.missed_rate, s.missed_rate_lo, s.missed_rate_hi),
};

/// False rollbacks for a healthy row, misses for a faulty one: the one
/// wrong decision each row can make, in one compact column.
pub const WRONG_CALL: Column = Column {
    header: "false rb / missed %",
    markdown_header: "false rollback / missed % [95% CI]",
    population: "healthy-candidate runs: false rollbacks; faulty-candidate runs: misses",
    cell: |s| match (s.false_rollback_rate, s.missed_rate) {
        (Some(_), None) => format!("false {}", (FALSE_ROLLBACK.cell)(s)),
        (None, Some(_)) => format!("missed {}", (MISSED.cell)(s)),
        (Some(f), Some(m)) => format!("false {} / missed {}", pct(f), pct(m)),
        (None, None) => UNDEFINED.into(),
    },
};

pub const DETECTION: Column = Column {
    header: "detect p50 / p95 (s)",
    markdown_header: "time to detection p50 / p95 (s)",
    population: "all runs, a run that never detected counted as never (the detection CDF)",
    cell: |s| {
        format!(
            "{} / {}",
            time_or_never(s.detection_p50_s),
            time_or_never(s.detection_p95_s)
        )
    },
};

pub const DETECTION_DETECTED: Column = Column {
    header: "detected: p50 / p95 / mean (s)",
    markdown_header: "detected runs only: detection p50 / p95 / mean (s)",
    population: "detected runs only (conditional on a detection)",
    cell: |s| {
        format!(
            "{} / {} / {}",
            opt_time(s.detection_p50_detected_s),
            opt_time(s.detection_p95_detected_s),
            opt_time(s.detection_mean_detected_s)
        )
    },
};

pub const EXCESS: Column = Column {
    header: "excess bad req [95% CI]",
    markdown_header: "excess bad requests mean [95% CI]",
    population: "all runs: bad candidate requests the fault caused (0 for a healthy candidate)",
    cell: |s| {
        format!(
            "{} [{}, {}]",
            count_mean(s.excess_bad_requests_mean),
            count_mean(s.excess_bad_requests_mean_lo),
            count_mean(s.excess_bad_requests_mean_hi)
        )
    },
};

pub const EXCESS_P95: Column = Column {
    header: "excess p95",
    markdown_header: "excess bad requests p95",
    population: "all runs",
    cell: |s| count(s.excess_bad_requests_p95),
};

pub const BAD: Column = Column {
    header: "bad req [95% CI] / p95",
    markdown_header: "bad requests mean [95% CI] / p95",
    population:
        "all runs: every failed or too-slow candidate request until the horizon, baseline included",
    cell: |s| {
        format!(
            "{} [{}, {}] / {}",
            count_mean(s.bad_requests_mean),
            count_mean(s.bad_requests_mean_lo),
            count_mean(s.bad_requests_mean_hi),
            count(s.bad_requests_p95)
        )
    },
};

pub const BAD_SPLIT: Column = Column {
    header: "bad during / after deploy",
    markdown_header: "bad requests during / after the deployment (mean)",
    population:
        "all runs: until the deployment ended (completion or rollback) / from then to the horizon",
    cell: |s| {
        format!(
            "{} / {}",
            count_mean(s.bad_requests_during_deploy_mean),
            count_mean(s.bad_requests_after_deploy_mean)
        )
    },
};

pub const DEPLOY: Column = Column {
    header: "deploy p50 (s)",
    markdown_header: "deployment duration p50 (s)",
    population: "all runs: deployment start until it completed or its rollback finished",
    cell: |s| one(s.deploy_p50_s),
};

pub const DEPLOY_MEAN: Column = Column {
    header: "deploy mean (s)",
    markdown_header: "deployment duration mean (s)",
    population: "all runs",
    cell: |s| one(s.deploy_mean_s),
};

pub const CANDIDATE_REQUESTS: Column = Column {
    header: "candidate req",
    markdown_header: "candidate requests mean",
    population: "all runs: requests the candidate served until the horizon",
    cell: |s| count_mean(s.candidate_requests_mean),
};

/// A saga figure of a row (`—` for a row without a `[workflow]`).
fn saga_cell(s: &Summary, f: fn(&super::SagaSummary) -> String) -> String {
    s.sagas.as_ref().map_or_else(|| UNDEFINED.into(), f)
}

pub const SAGAS_STARTED: Column = Column {
    header: "sagas",
    markdown_header: "sagas started (mean)",
    population:
        "all runs of the deployment as a whole: `[workflow]` executions started before the horizon",
    cell: |s| saga_cell(s, |x| count_mean(x.sagas_started_mean)),
};

pub const FAILED_SAGAS: Column = Column {
    header: "failed sagas [95% CI]",
    markdown_header: "failed sagas mean [95% CI]",
    population: "all runs: sagas that did not complete (a step failed: a function error, or a Lambda service exception on every attempt), stable versions' failures included; sagas in flight at the horizon are not counted",
    cell: |s| {
        saga_cell(s, |x| {
            format!(
                "{} [{}, {}]",
                count_mean(x.failed_sagas_mean),
                count_mean(x.failed_sagas_mean_lo),
                count_mean(x.failed_sagas_mean_hi)
            )
        })
    },
};

pub const INCONSISTENT_SAGAS: Column = Column {
    header: "inconsistent sagas [95% CI]",
    markdown_header: "inconsistent sagas mean [95% CI]",
    population:
        "all runs: failed sagas whose compensation (cancel, refund) failed too, stopping the rest",
    cell: |s| {
        saga_cell(s, |x| {
            format!(
                "{} [{}, {}]",
                count_mean(x.inconsistent_sagas_mean),
                count_mean(x.inconsistent_sagas_mean_lo),
                count_mean(x.inconsistent_sagas_mean_hi)
            )
        })
    },
};

/// The sagas table of `report.md` (rows of the deployment as a whole of a
/// scenario with a `[workflow]`).
pub const SAGAS: &[Column] = &[STRATEGY, SAGAS_STARTED, FAILED_SAGAS, INCONSISTENT_SAGAS];

/// The default terminal table: what a decision needs, in under 100
/// columns for ordinary strategy names.
pub const COMPACT: &[Column] = &[STRATEGY, WRONG_CALL, DETECTION, EXCESS, DEPLOY];

/// The document table of `report.md` and `--export-markdown`.
pub const DOCUMENT: &[Column] = &[
    STRATEGY,
    CANDIDATE,
    ROLLBACK,
    FALSE_ROLLBACK,
    MISSED,
    DETECTION,
    EXCESS,
    BAD,
    DEPLOY,
];

/// Every column (`--wide`).
pub const WIDE: &[Column] = &[
    STRATEGY,
    REPS,
    CANDIDATE,
    ROLLBACK,
    FALSE_ROLLBACK,
    MISSED,
    DETECTION,
    DETECTION_DETECTED,
    EXCESS,
    EXCESS_P95,
    BAD,
    BAD_SPLIT,
    DEPLOY,
    DEPLOY_MEAN,
    CANDIDATE_REQUESTS,
];

/// A fraction as a percentage with one decimal.
pub fn pct(fraction: f64) -> String {
    one(fraction * 100.0)
}

/// One decimal; `-0.0` prints as `0.0`.
pub fn one(x: f64) -> String {
    let text = format!("{x:.1}");
    if text == "-0.0" {
        "0.0".into()
    } else {
        text
    }
}

/// A count (or a quantile of counts): an integer.
pub fn count(x: f64) -> String {
    if x.is_finite() {
        format!("{}", x.round() as i64)
    } else {
        UNDEFINED.into()
    }
}

/// The mean of a count: an integer from 1,000 on, one decimal below.
pub fn count_mean(x: f64) -> String {
    if x.abs() >= 1000.0 {
        count(x)
    } else {
        one(x)
    }
}

fn rate_ci(rate: f64, lo: f64, hi: f64) -> String {
    format!("{} [{}, {}]", pct(rate), pct(lo), pct(hi))
}

fn opt_rate_ci(rate: Option<f64>, lo: Option<f64>, hi: Option<f64>) -> String {
    match (rate, lo, hi) {
        (Some(r), Some(l), Some(h)) => rate_ci(r, l, h),
        _ => UNDEFINED.into(),
    }
}

fn time_or_never(t: Option<f64>) -> String {
    t.map_or_else(|| NEVER.into(), one)
}

fn opt_time(t: Option<f64>) -> String {
    t.map_or_else(|| UNDEFINED.into(), one)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_as_their_quantity_allows() {
        assert_eq!(one(-0.0), "0.0");
        assert_eq!(one(-0.04), "0.0");
        assert_eq!(count(80.0), "80");
        assert_eq!(count(75.5), "76");
        assert_eq!(count_mean(1862.44), "1862");
        assert_eq!(count_mean(186.44), "186.4");
        assert_eq!(pct(0.9999), "100.0");
        assert_eq!(time_or_never(None), "never");
    }
}
