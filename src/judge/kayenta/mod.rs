//! Kayenta (Spinnaker's automated canary analysis, `NetflixACAJudge-v1.0`):
//! each metric's canary samples are compared with a fresh baseline's by a
//! Mann-Whitney test, classified `Pass` / `High` / `Low` / `NoData`, and
//! the classifications scored 0–100 against `marginal` and `pass`.
//!
//! One job per file: [`mann_whitney`] the statistics (interval, estimate,
//! root finder), [`classifier`] the per-metric classification, [`scorer`]
//! the weighted group score and its thresholds. All three are pure (no
//! world types), so `canarysim judge kayenta` replays them exactly.
//! Sources: `spinnaker/kayenta@a69573be9d8fededacf80817e4151a2c8df41276`.

pub mod classifier;
pub mod judge;
pub mod mann_whitney;
pub mod replay;
pub mod scorer;

#[cfg(test)]
mod testdata;
