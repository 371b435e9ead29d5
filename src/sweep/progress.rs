//! The sweep's progress bar on stderr (indicatif).
//!
//! The bar counts replications over the whole grid. It starts hidden and
//! becomes visible only once the sweep has run for [`SHOW_AFTER`], and only
//! when stderr is a terminal and the user did not ask for `--quiet`, so short
//! sweeps, pipes and CI logs stay clean. Ticks come from rayon workers in
//! any order; they only count, so they cannot change any result.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a sweep runs before its progress bar appears.
pub const SHOW_AFTER: Duration = Duration::from_secs(1);

const TEMPLATE: &str =
    "{prefix} [{bar:32}] {pos}/{len} replications ({elapsed}, ETA {eta}) {wide_msg}";

/// Progress of a sweep: a counter that may be drawn on stderr. Clones
/// share the counter and the bar (a grid point's thread ticks a clone).
#[derive(Debug, Clone)]
pub struct SweepProgress {
    bar: ProgressBar,
    /// Whether the bar may ever be drawn.
    enabled: bool,
    shown: Arc<AtomicBool>,
    start: Instant,
    quiet: bool,
    /// Fast-mode fallback notes already printed (`world::FALLBACK_*` bits).
    noted: Arc<AtomicU8>,
}

impl SweepProgress {
    /// A bar for `total` replications, drawn on stderr after [`SHOW_AFTER`]
    /// when stderr is a terminal and `quiet` is false.
    pub fn new(total: u64, quiet: bool) -> SweepProgress {
        let enabled = !quiet && std::io::stderr().is_terminal();
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
        if let Ok(style) = ProgressStyle::with_template(TEMPLATE) {
            bar.set_style(style.progress_chars("=> "));
        }
        SweepProgress {
            bar,
            enabled,
            shown: Arc::new(AtomicBool::new(false)),
            start: Instant::now(),
            quiet,
            noted: Arc::new(AtomicU8::new(0)),
        }
    }

    /// A progress counter that is never drawn.
    pub fn hidden() -> SweepProgress {
        SweepProgress::new(0, true)
    }

    /// Grid point `index` of `count` starts.
    pub fn start_point(&self, index: usize, count: usize, description: &str) {
        self.bar.set_prefix(format!("point {}/{count}", index + 1));
        self.bar.set_message(description.to_owned());
        self.maybe_show();
    }

    /// One replication finished (called from worker threads).
    pub fn replication_done(&self) {
        self.bar.inc(1);
        self.maybe_show();
    }

    /// Sets the number of replications the bar counts to.
    pub fn set_total(&self, total: u64) {
        self.bar.set_length(total);
    }

    /// Prints, once per kind and unless quiet, the note that fast mode fell
    /// back to per-request sampling (`bits`: `world::FALLBACK_*`).
    pub fn note_fallbacks(&self, bits: u8) {
        let new = bits & !self.noted.fetch_or(bits, Ordering::Relaxed);
        if !self.quiet {
            for note in crate::world::fallback_notes(new) {
                self.println(&format!("note: fast mode: {note}"));
            }
        }
    }

    /// Prints a line on stderr without garbling the bar (it is hidden while
    /// the line is printed, then drawn again).
    pub fn println(&self, line: &str) {
        self.bar.suspend(|| {
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "{line}");
        });
    }

    /// Removes the bar from the terminal (also before an interrupted sweep
    /// prints how to resume).
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    fn maybe_show(&self) {
        if self.enabled
            && !self.shown.load(Ordering::Relaxed)
            && self.start.elapsed() >= SHOW_AFTER
            && !self.shown.swap(true, Ordering::Relaxed)
        {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }
}
