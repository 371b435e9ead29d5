//! The `[judges]` entries and the minimum-request guard in words, for the
//! plan `canarysim validate` prints.

use super::{fmt_delay, fmt_duration};

/// A `[judges]` entry in words: its kind's parameters, then its guard.
pub(super) fn describe_judge(j: &crate::model::JudgeSpec) -> String {
    let q = match &j.kind {
        crate::model::JudgeKind::Sequential(q) => q,
        crate::model::JudgeKind::Kayenta(k) => {
            return format!("{}{}", describe_kayenta(k), describe_guard(&j.guard))
        }
    };
    let rule = match q.method {
        crate::model::SequentialMethod::Mixture => format!(
            "sequential mixture test of the candidate's failure rate against stable's, rolls back when the likelihood ratio reaches 1/alpha = {} (false-rollback probability <= {} however often it looks), min effect {}x, a look every {}",
            crate::scenario::validate::checks::shown(1.0 / q.alpha),
            q.alpha,
            q.min_effect,
            fmt_duration(q.look_every)
        ),
        crate::model::SequentialMethod::FixedPerLook => format!(
            "fixed per-look binomial test at level {} on the cumulative counts, a look every {} (not anytime-valid: comparison only)",
            q.alpha,
            fmt_duration(q.look_every)
        ),
    };
    format!("{rule}{}", describe_guard(&j.guard))
}

/// A Kayenta judge in words.
fn describe_kayenta(k: &crate::model::KayentaSpec) -> String {
    let window = match k.lookback {
        Some(l) => format!("the last {}", fmt_duration(l)),
        None => "a window growing from the start".to_string(),
    };
    let names: Vec<&str> = k.metrics.iter().map(|m| m.name.as_str()).collect();
    format!(
        "Kayenta canary analysis against a baseline pool (stable version at the candidate's weight): {} judgement(s), one every {} from {} after t = 0 over {window}, one sample per {} ({} per judgement at least); metrics {} by Mann-Whitney at {} % with tolerance {} x |estimate|; a score <= marginal {} fails, the last must reach pass {}",
        k.judgements(),
        fmt_duration(k.interval),
        fmt_duration(k.begin_after),
        fmt_duration(k.step),
        k.min_samples(),
        names.join(", "),
        k.params.confidence * 100.0,
        k.params.tolerance,
        k.marginal,
        k.pass
    )
}

/// The minimum-request guard in words ("" without one).
pub(super) fn describe_guard(g: &crate::model::RequestGuard) -> String {
    if !g.active() {
        return String::new();
    }
    let then = match g.on_inconclusive {
        crate::model::OnInconclusive::Pass => "counts as healthy".to_string(),
        crate::model::OnInconclusive::Wait => "holds the next shift until conclusive".to_string(),
        crate::model::OnInconclusive::Pause(d) => {
            format!("holds until an operator resumes after {}", fmt_delay(&d))
        }
    };
    format!(
        "; inconclusive below {} requests, which {then}",
        g.min_requests
    )
}
