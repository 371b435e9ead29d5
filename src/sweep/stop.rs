//! Stopping a sweep on request. The binary's Ctrl-C / SIGTERM handler only
//! records requests ([`StopSignal::request`]); the sweep acts on them:
//!
//! - the first request stops the sweep before its next grid point
//!   ([`crate::run::Error::Interrupted`]);
//! - a second one stops it at once: the sweep stops waiting for the grid
//!   point being simulated ([`unless_stopped_now`]) and returns
//!   [`crate::run::Error::InterruptedNow`].
//!
//! Either way the library returns to its caller, which reports and picks
//! the exit code (130); it never ends the process itself. Rows are
//! appended to `sweep.csv` only by the sweep's own thread, between waits,
//! so returning early can never cut an append in half.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::Duration;

use crate::run::Error;

/// Test hook: `CANARYSIM_STOP_AFTER_POINTS=N` makes the binary stop a
/// sweep after N grid points as if Ctrl-C had been pressed (for the
/// interrupt/resume tests in `tests/it/robustness/`).
pub const STOP_AFTER_POINTS_VAR: &str = "CANARYSIM_STOP_AFTER_POINTS";

/// How often a sweep waiting for a grid point looks for a second request.
const POLL: Duration = Duration::from_millis(10);

/// Requests to stop a sweep, set from a signal handler.
#[derive(Debug, Default)]
pub struct StopSignal {
    requests: AtomicUsize,
}

impl StopSignal {
    /// Records one request and returns how many there have been (1 for the
    /// first Ctrl-C).
    pub fn request(&self) -> usize {
        self.requests.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// Whether a stop was requested: the sweep stops before its next grid
    /// point.
    pub fn requested(&self) -> bool {
        self.requests.load(Ordering::SeqCst) > 0
    }

    /// Whether a second request asks to stop at once.
    pub fn now(&self) -> bool {
        self.requests.load(Ordering::SeqCst) > 1
    }
}

/// Runs `work` and returns its result, or `None` as soon as `stop` asks to
/// stop at once. With a `stop` signal the work runs on a thread of its own
/// while this one waits; a stopped work's thread is left to finish on its
/// own and its result dropped (the caller is about to end the process). A
/// panic in the work is resumed here.
pub(super) fn unless_stopped_now<T, F>(
    stop: Option<&StopSignal>,
    work: F,
) -> Result<Option<T>, Error>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let Some(stop) = stop else {
        return Ok(Some(work()));
    };
    let (sender, receiver) = mpsc::channel();
    let worker = thread::Builder::new()
        .name("sweep-point".to_owned())
        .spawn(move || {
            // The receiver is gone only if the sweep stopped at once.
            let _ = sender.send(work());
        })
        .map_err(|e| Error::Internal(format!("cannot start a thread: {e}")))?;
    loop {
        match receiver.recv_timeout(POLL) {
            Ok(value) => {
                let _ = worker.join();
                return Ok(Some(value));
            }
            Err(RecvTimeoutError::Timeout) if stop.now() => return Ok(None),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                return match worker.join() {
                    Err(panic) => std::panic::resume_unwind(panic),
                    Ok(()) => Err(Error::Internal(
                        "a grid point's thread ended without a result".to_owned(),
                    )),
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_count() {
        let stop = StopSignal::default();
        assert!(!stop.requested());
        assert_eq!(stop.request(), 1);
        assert!(stop.requested() && !stop.now());
        assert_eq!(stop.request(), 2);
        assert!(stop.requested() && stop.now());
    }

    #[test]
    fn work_runs_to_its_end_unless_stopped_at_once() {
        assert_eq!(unless_stopped_now(None, || 7).unwrap(), Some(7));
        let stop = StopSignal::default();
        stop.request();
        assert_eq!(unless_stopped_now(Some(&stop), || 8).unwrap(), Some(8));
        // A second request stops the wait for work that never ends on its
        // own; the work is released afterwards.
        stop.request();
        let (release, wait) = mpsc::channel::<()>();
        let result = unless_stopped_now(Some(&stop), move || wait.recv().is_ok());
        assert_eq!(result.unwrap(), None);
        drop(release);
    }

    #[test]
    fn a_panic_in_the_work_reaches_the_caller() {
        let stop = StopSignal::default();
        let caught = std::panic::catch_unwind(|| {
            let _ = unless_stopped_now(Some(&stop), || -> u8 { panic!("boom") });
        });
        assert!(caught.is_err());
    }
}
