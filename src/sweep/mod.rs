//! Parameter sweeps: run every strategy of a scenario over the cartesian
//! product of values of any scenario keys, and write one `sweep.csv` row per
//! (grid point, strategy).
//!
//! ```text
//!  scenario.toml ─► toml::Value ─► [sweep] table removed ─► base (validated)
//!  --set KEY=...  ─┐      spec: KEY=V1,V2 / [sweep] entries, merged
//!  [sweep] table  ─┴─► axes (axis: typed against the base document;
//!                          │  range: A..B:STEP, :log:N, :lin:N)
//!                          │ grid: for each grid point, set values by key
//!                          ▼ path; `scenario::from_value` validates it
//!                   SweepPlan (plan) ─► limits checked (--max-points, exact budget)
//!                          ▼ runner
//!   run.toml + alarms.csv + sweep.csv (header) ─ committed atomically
//!     (resume: or the finished points of an earlier run found instead)
//!                          ▼ for each grid point (of this --shard), in order:
//!                   simulate (rayon) ─► summarize ─► append rows + fsync (journal)
//!                          ▼
//!                   tradeoff / sweep plots (not for a shard; merge draws them)
//! ```
//!
//! One job per module: `spec` parses what users write, `axis` types it,
//! `range` expands numeric ranges, `grid` forms the cartesian product and
//! edits documents, `plan` validates every point and checks the limits,
//! `runner` runs and writes, `stop` acts on stop requests, `resume`
//! continues an interrupted sweep, [`journal`] is the incremental
//! `sweep.csv`, `shard` and `merge` spread a
//! grid over machines and put it back together, `progress` is the progress
//! bar, `alarms_csv` the alarms' thresholds and units for the plots. Key
//! paths are [`crate::scenario::KeyPath`]s, read by the scenario's own
//! parser.
//!
//! Determinism and common random numbers: every grid point keeps the
//! scenario's seed, so replication r of strategy s draws from the same
//! random streams at every grid point (differences between points are not
//! sampling noise), and one grid point run alone with `canarysim run` on its
//! resolved scenario gives exactly the same results. Grid points run in
//! order and results are collected by index, so `sweep.csv` does not depend
//! on the thread count.
//!
//! Interruption and resumption: `sweep.csv` is appended per finished grid
//! point ([`journal`]), so it is valid CSV whenever the sweep stops. A stop
//! request ([`StopSignal`], set by Ctrl-C) ends the sweep before its next
//! point with [`Error::Interrupted`](crate::run::Error::Interrupted), a
//! second one at once with
//! [`Error::InterruptedNow`](crate::run::Error::InterruptedNow) (both exit
//! 130; the library never exits the process itself). `--resume` checks that the folder's `run.toml` has this sweep's
//! fingerprint, that `sweep.csv`'s finished points are this grid's, cuts a
//! partial trailing write, and runs only the missing points: the file ends
//! byte-identical to an uninterrupted run's. Sharding ([`Shard`]) and
//! [`merge`] build on the same file format.

mod alarms_csv;
mod axis;
pub(crate) mod document;
#[cfg(test)]
mod fixtures;
mod grid;
pub mod journal;
mod merge;
mod plan;
mod progress;
mod range;
mod resume;
mod runner;
mod shard;
mod spec;
mod stop;

pub use self::alarms_csv::{write_alarms_csv, ALARMS_COLUMNS};
pub use self::axis::{Axis, AxisValue};
pub use self::grid::{Grid, MAX_GRID_POINTS};
pub use self::journal::GRID_POINT_COLUMN;
pub use self::merge::{merge, MergeOutput};
pub use self::plan::{
    check_limits, describe_file_grid, load, plan_from_text, SweepPlan, DEFAULT_MAX_POINTS,
};
pub use self::progress::SweepProgress;
pub use self::range::{parse_range, MAX_RANGE_POINTS};
pub use self::resume::resume_command;
pub(crate) use self::runner::render_plots;
pub use self::runner::{
    default_out_dir, run_and_write, run_grid, write_sweep_csv, PointResult, SweepOptions,
    SweepOutput, SweepPlots,
};
pub use self::shard::Shard;
pub use self::spec::{
    axes_of_table, merge_specs, parse_set, take_sweep_table, AxisSpec, Item, Origin, SpecError,
    SweepKey, CANDIDATE_KEY,
};
pub use self::stop::{StopSignal, STOP_AFTER_POINTS_VAR};

pub use crate::report::{ALARMS_CSV, SWEEP_CSV};
