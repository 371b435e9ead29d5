//! `canarysim judge sequential`: a hand-written series of cumulative counts
//! replayed through [`super::sequential_rule::SequentialTest`], one look
//! per item, as the world's sequential judge runs it.

use std::fmt::Write;

use thiserror::Error;

use super::sequential_rule::{Counts, SequentialTest};

/// A `--series` that is not a list of `ce/cn:se/sn` items with
/// non-decreasing counts and errors ≤ requests.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum SeriesError {
    #[error("empty; give cumulative counts per look, e.g. \"0/100:1/900,3/200:2/1800\"")]
    Empty,
    #[error("item {index} {item:?}: expected CANDIDATE_ERRORS/CANDIDATE_REQUESTS:STABLE_ERRORS/STABLE_REQUESTS (non-negative integers), e.g. \"3/200:2/1800\"")]
    BadItem { index: usize, item: String },
    #[error("item {index} {item:?}: errors exceed requests")]
    ErrorsAboveRequests { index: usize, item: String },
    #[error(
        "item {index} {item:?}: counts are cumulative and must not decrease from the previous look"
    )]
    Decreasing { index: usize, item: String },
}

/// Parses `ce/cn:se/sn,…` (cumulative counts at each look).
pub fn parse_series(text: &str) -> Result<Vec<Counts>, SeriesError> {
    if text.trim().is_empty() {
        return Err(SeriesError::Empty);
    }
    let mut out: Vec<Counts> = Vec::new();
    for (i, raw) in text.split(',').enumerate() {
        let item = raw.trim();
        let bad = || SeriesError::BadItem {
            index: i + 1,
            item: item.to_string(),
        };
        let pair = |s: &str| -> Option<(u64, u64)> {
            let (e, n) = s.split_once('/')?;
            Some((e.trim().parse().ok()?, n.trim().parse().ok()?))
        };
        let (cand, stable) = item.split_once(':').ok_or_else(bad)?;
        let (ce, cn) = pair(cand).ok_or_else(bad)?;
        let (se, sn) = pair(stable).ok_or_else(bad)?;
        if ce > cn || se > sn {
            return Err(SeriesError::ErrorsAboveRequests {
                index: i + 1,
                item: item.to_string(),
            });
        }
        let c = Counts {
            candidate_errors: ce,
            candidate_requests: cn,
            stable_errors: se,
            stable_requests: sn,
        };
        if out.last().is_some_and(|p| c.since(p).is_none()) {
            return Err(SeriesError::Decreasing {
                index: i + 1,
                item: item.to_string(),
            });
        }
        out.push(c);
    }
    Ok(out)
}

/// One line per look: the statistic, its threshold and the decision; the
/// first `reject` is final (later looks print `rejected`).
pub fn replay_report(
    alpha: f64,
    min_effect: f64,
    fixed_per_look: bool,
    series: &[Counts],
) -> String {
    let mut test = SequentialTest::new(alpha, min_effect, fixed_per_look);
    let mut out = String::new();
    let _ = if fixed_per_look {
        writeln!(
            out,
            "sequential (fixed per look): one-sided binomial p-value of the cumulative counts, reject when p < alpha = {alpha}"
        )
    } else {
        writeln!(
            out,
            "sequential (mixture): log likelihood ratio, reject when it reaches log(1/alpha) = {:.4} (alpha {alpha}, min effect {min_effect})",
            (1.0 / alpha).ln()
        )
    };
    let mut prev = Counts::default();
    let mut rejected = false;
    for (i, c) in series.iter().enumerate() {
        let interval = c
            .since(&prev)
            .expect("parse_series checks cumulative counts");
        prev = *c;
        let look = test.look(&interval);
        let decision = if rejected {
            "rejected"
        } else if look.reject {
            rejected = true;
            "reject"
        } else {
            "continue"
        };
        let what = if fixed_per_look { "p" } else { "logLR" };
        let _ = writeln!(
            out,
            "look={}  candidate={}/{}  stable={}/{}  {what}={:.4}  threshold={:.4}  {decision}",
            i + 1,
            c.candidate_errors,
            c.candidate_requests,
            c.stable_errors,
            c.stable_requests,
            look.statistic,
            look.threshold
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cumulative_counts_and_refuses_bad_items() {
        let s = parse_series("0/100:1/900, 3/200:2/1800").unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[1].candidate_errors, 3);
        assert_eq!(s[1].stable_requests, 1800);
        assert_eq!(parse_series(" "), Err(SeriesError::Empty));
        assert!(matches!(
            parse_series("1/10:0/10,x"),
            Err(SeriesError::BadItem { index: 2, .. })
        ));
        assert!(matches!(
            parse_series("11/10:0/10"),
            Err(SeriesError::ErrorsAboveRequests { index: 1, .. })
        ));
        assert!(matches!(
            parse_series("2/10:0/10,1/20:0/20"),
            Err(SeriesError::Decreasing { index: 2, .. })
        ));
    }

    /// 9 then 10 lone candidate errors at equal traffic (values pinned in
    /// `sequential_rule`'s tests): continue, then reject, then rejected.
    #[test]
    fn report_prints_each_look_and_latches_the_rejection() {
        let series = parse_series("9/1000:0/1000,10/2000:0/2000,10/3000:0/3000").unwrap();
        let text = replay_report(0.05, 2.0, false, &series);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(
            lines[1].ends_with("logLR=2.8878  threshold=2.9957  continue"),
            "{}",
            lines[1]
        );
        assert!(
            lines[2].ends_with("logLR=3.2462  threshold=2.9957  reject"),
            "{}",
            lines[2]
        );
        assert!(lines[3].ends_with("rejected"), "{}", lines[3]);
    }
}
