//! The saga of a `[workflow]` (seed 000's trip saga) as calls flowing
//! between the deployment's functions: sagas start as a Poisson process;
//! step k+1 is called by step k's successes; a failed step starts the
//! compensations, in reverse order; Step Functions retries Lambda service
//! exceptions (which never reach the function) after growing delays.
//!
//! Calls travel as [`Piece`]s: `count` calls spread uniformly over
//! `[from, to)` (fast mode: one count per segment, so the cost is flat in
//! the saga rate) or one call at an instant (`from == to`, exact mode).
//! Both are exact: the sagas form a Poisson process; marking each call by
//! its outcome (thinning) leaves the successes and the failures Poisson and
//! independent (Kingman, *Poisson Processes*, 1993, §5.1), and within a
//! segment of constant conditions (weight, fault state) a count over
//! `[from, to)` holds calls whose times are i.i.d. uniform, so the part of
//! it before a later boundary `b` is Binomial(count, (b − from)/(to − from)).
//! The functions' worlds serve the calls (`world::saga_intake`); this file
//! routes their outcomes.
//!
//! Approximation (documented in the README): the steps of a saga run at its
//! start time plus its retry delays; a Lambda invocation takes milliseconds
//! to seconds, far below the one-minute metric period.

use rand::Rng;
use rand_distr::{Binomial, Distribution, Poisson};

use crate::model::Workflow;
use crate::sim::time::Micros;

/// Calls spread uniformly over `[from, to)`, or one call at `from` when
/// `from == to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece {
    pub from: Micros,
    pub to: Micros,
    pub count: u64,
}

impl Piece {
    /// The same calls `by` later.
    fn shifted(self, by: Micros) -> Piece {
        Piece {
            from: self.from + by,
            to: self.to + by,
            count: self.count,
        }
    }

    fn with_count(self, count: u64) -> Piece {
        Piece { count, ..self }
    }
}

/// Calls waiting for their time.
#[derive(Debug, Clone, Default)]
pub struct Pending {
    pieces: Vec<Piece>,
}

impl Pending {
    pub fn push(&mut self, p: Piece) {
        if p.count > 0 {
            self.pieces.push(p);
        }
    }

    /// Moves the calls before `b` to `out`; a piece straddling `b` is split
    /// binomially (its calls are uniform over it).
    pub fn take_before<R: Rng + ?Sized>(&mut self, b: Micros, rng: &mut R, out: &mut Vec<Piece>) {
        let mut i = 0;
        while i < self.pieces.len() {
            let p = self.pieces[i];
            if p.from >= b {
                i += 1;
                continue;
            }
            if p.to <= b {
                out.push(self.pieces.swap_remove(i));
                continue;
            }
            let share = (b - p.from).as_f64() / (p.to - p.from).as_f64();
            let early = binomial(rng, p.count, share);
            if early > 0 {
                out.push(Piece {
                    from: p.from,
                    to: b,
                    count: early,
                });
            }
            let late = p.count - early;
            if late > 0 {
                self.pieces[i] = Piece {
                    from: b,
                    to: p.to,
                    count: late,
                };
                i += 1;
            } else {
                self.pieces.swap_remove(i);
            }
        }
        // `swap_remove` reorders: keep the output in time order so the draws
        // that follow do not depend on the removal history.
        out.sort_unstable_by_key(|p| (p.from, p.to));
    }

    pub fn is_empty(&self) -> bool {
        self.pieces.is_empty()
    }
}

/// A task of the state machine: a forward step or the compensation of a
/// step, by step index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    Step(usize),
    Compensation(usize),
}

/// What happened to the sagas of one replication by the horizon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SagaCounts {
    /// Sagas started before the horizon.
    pub started: u64,
    /// Sagas whose last step succeeded.
    pub completed: u64,
    /// Sagas with a failed forward step (function error, or service
    /// exceptions on every attempt): they did not complete.
    pub failed: u64,
    /// Failed sagas with a failed compensation: left inconsistent (Step
    /// Functions fails the execution at the uncaught error; the remaining
    /// compensations do not run).
    pub inconsistent: u64,
    /// Lambda service exceptions (attempts that never reached a function).
    pub service_exceptions: u64,
}

/// The calls in flight between the functions of one replication.
#[derive(Debug, Clone)]
pub struct Flow<'a> {
    wf: &'a Workflow,
    /// When each attempt of a call is made, counted from the first.
    offsets: Vec<Micros>,
    /// Exact mode: sagas start one by one at their instants.
    exact: bool,
    /// Sagas have been started up to here.
    started_until: Micros,
    /// Calls reaching each task's function, per step.
    step_calls: Vec<Pending>,
    comp_calls: Vec<Pending>,
    /// Calls whose every attempt hit a service exception, at the last one.
    step_gave_up: Vec<Pending>,
    comp_gave_up: Vec<Pending>,
    pub counts: SagaCounts,
}

impl<'a> Flow<'a> {
    pub fn new(wf: &'a Workflow, exact: bool) -> Self {
        let n = wf.steps.len();
        Flow {
            wf,
            offsets: wf.attempt_offsets(),
            exact,
            started_until: Micros::ZERO,
            step_calls: vec![Pending::default(); n],
            comp_calls: vec![Pending::default(); n],
            step_gave_up: vec![Pending::default(); n],
            comp_gave_up: vec![Pending::default(); n],
            counts: SagaCounts::default(),
        }
    }

    /// The tasks in an order where every task comes after those that call
    /// it: the steps forward, then the compensations backward.
    pub fn order(&self) -> Vec<Task> {
        let n = self.wf.steps.len();
        let comps = (0..n)
            .rev()
            .filter(|&k| self.wf.steps[k].compensation.is_some())
            .map(Task::Compensation);
        (0..n).map(Task::Step).chain(comps).collect()
    }

    /// The function (index into `Scenario::functions`) a task invokes.
    pub fn function(&self, task: Task) -> usize {
        match task {
            Task::Step(k) => self.wf.steps[k].function,
            Task::Compensation(k) => self.wf.steps[k]
                .compensation
                .expect("only compensated steps have a compensation task"),
        }
    }

    /// Starts the sagas of `[started_until, to)` (a Poisson process of the
    /// workflow's rate) at step 0.
    pub fn start_sagas<R: Rng + ?Sized>(&mut self, to: Micros, rng: &mut R) {
        let from = self.started_until;
        if to <= from {
            return;
        }
        self.started_until = to;
        let n = poisson(rng, self.wf.rate_per_s * (to - from).as_f64() / 1e6);
        self.counts.started += n;
        let piece = Piece { from, to, count: n };
        if self.exact {
            let span = (to - from).as_f64();
            let mut times: Vec<Micros> = (0..n)
                .map(|_| from + Micros::from_f64((rng.random::<f64>() * span).floor()))
                .collect();
            times.sort_unstable();
            for t in times {
                self.call(Task::Step(0), Piece::at(t), rng);
            }
        } else {
            self.call(Task::Step(0), piece, rng);
        }
    }

    /// Takes the calls of `task` that reach its function before `to`.
    pub fn take_calls<R: Rng + ?Sized>(
        &mut self,
        task: Task,
        to: Micros,
        rng: &mut R,
        out: &mut Vec<Piece>,
    ) {
        out.clear();
        let pending = match task {
            Task::Step(k) => &mut self.step_calls[k],
            Task::Compensation(k) => &mut self.comp_calls[k],
        };
        pending.take_before(to, rng, out);
    }

    /// Fails the calls of `task` whose last attempt (a service exception)
    /// was before `to`.
    pub fn give_up<R: Rng + ?Sized>(&mut self, task: Task, to: Micros, rng: &mut R) {
        let pending = match task {
            Task::Step(k) => &mut self.step_gave_up[k],
            Task::Compensation(k) => &mut self.comp_gave_up[k],
        };
        if pending.is_empty() {
            return;
        }
        let mut out = Vec::new();
        pending.take_before(to, rng, &mut out);
        for p in out {
            self.failed(task, p, rng);
        }
    }

    /// The outcome of calls `piece` served by `task`'s function: `failed`
    /// of its `piece.count` calls failed (see `world::saga_intake`).
    pub fn served<R: Rng + ?Sized>(&mut self, task: Task, piece: Piece, failed: u64, rng: &mut R) {
        let ok = piece.count - failed;
        if ok > 0 {
            self.succeeded(task, piece.with_count(ok), rng);
        }
        if failed > 0 {
            self.failed(task, piece.with_count(failed), rng);
        }
    }

    fn succeeded<R: Rng + ?Sized>(&mut self, task: Task, piece: Piece, rng: &mut R) {
        match task {
            Task::Step(k) if k + 1 < self.wf.steps.len() => {
                self.call(Task::Step(k + 1), piece, rng)
            }
            Task::Step(_) => self.counts.completed += piece.count,
            Task::Compensation(k) => {
                if let Some(next) = self.compensation_from(k, false) {
                    self.call(next, piece, rng);
                }
            }
        }
    }

    fn failed<R: Rng + ?Sized>(&mut self, task: Task, piece: Piece, rng: &mut R) {
        match task {
            Task::Step(k) => {
                self.counts.failed += piece.count;
                let own = self.wf.compensate_failed_step;
                if let Some(first) = self.compensation_from(k, own) {
                    self.call(first, piece, rng);
                }
            }
            Task::Compensation(_) => self.counts.inconsistent += piece.count,
        }
    }

    /// The first compensation to run after step `k`: step `k`'s own when
    /// `inclusive` (and it has one), else the nearest earlier compensated
    /// step's.
    fn compensation_from(&self, k: usize, inclusive: bool) -> Option<Task> {
        let end = if inclusive { k + 1 } else { k };
        (0..end)
            .rev()
            .find(|&j| self.wf.steps[j].compensation.is_some())
            .map(Task::Compensation)
    }

    /// Step Functions invokes `task`'s function for the calls `piece`:
    /// attempt m (0-based) reaches the function at `offsets[m]` with
    /// probability e^m (1 − e); after the last attempt the rest give up.
    fn call<R: Rng + ?Sized>(&mut self, task: Task, piece: Piece, rng: &mut R) {
        let e = self.wf.service_exception_prob;
        let mut remaining = piece.count;
        let (calls, gave_up) = match task {
            Task::Step(k) => (&mut self.step_calls[k], &mut self.step_gave_up[k]),
            Task::Compensation(k) => (&mut self.comp_calls[k], &mut self.comp_gave_up[k]),
        };
        for (m, &offset) in self.offsets.iter().enumerate() {
            let reach = binomial(rng, remaining, 1.0 - e);
            calls.push(piece.shifted(offset).with_count(reach));
            remaining -= reach;
            if remaining == 0 {
                break;
            }
            self.counts.service_exceptions += remaining;
            if m + 1 == self.offsets.len() {
                gave_up.push(piece.shifted(offset).with_count(remaining));
            }
        }
    }
}

impl Piece {
    /// One call at `t`.
    pub fn at(t: Micros) -> Piece {
        Piece {
            from: t,
            to: t,
            count: 1,
        }
    }
}

/// A binomial count; 0 or n at the ends.
pub(crate) fn binomial<R: Rng + ?Sized>(rng: &mut R, n: u64, p: f64) -> u64 {
    if n == 0 || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    Binomial::new(n, p).map_or(0, |d| d.sample(rng))
}

fn poisson<R: Rng + ?Sized>(rng: &mut R, lambda: f64) -> u64 {
    if lambda <= 0.0 {
        return 0;
    }
    Poisson::new(lambda).map_or(0, |d| d.sample(rng) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{RetryPolicy, WorkflowStep};
    use crate::sim::time::secs;
    use rand::SeedableRng;
    use rand_pcg::Pcg64Mcg;

    /// Three compensated steps on functions 0, 1, 2 (compensations 3, 4, 5).
    fn trip(retry: Option<RetryPolicy>, e: f64, own: bool) -> Workflow {
        Workflow {
            rate_per_s: 10.0,
            steps: (0..3)
                .map(|k| WorkflowStep {
                    name: format!("s{k}"),
                    function: k,
                    compensation: Some(k + 3),
                })
                .collect(),
            compensate_failed_step: own,
            retry,
            service_exception_prob: e,
        }
    }

    fn piece(from: u64, to: u64, count: u64) -> Piece {
        Piece {
            from: secs(from),
            to: secs(to),
            count,
        }
    }

    #[test]
    fn order_puts_callers_first() {
        let wf = trip(None, 0.0, true);
        let flow = Flow::new(&wf, false);
        assert_eq!(
            flow.order(),
            [
                Task::Step(0),
                Task::Step(1),
                Task::Step(2),
                Task::Compensation(2),
                Task::Compensation(1),
                Task::Compensation(0)
            ]
        );
        assert_eq!(flow.function(Task::Compensation(1)), 4);
    }

    #[test]
    fn successes_call_the_next_step_and_failures_compensate_backwards() {
        let wf = trip(None, 0.0, true);
        let mut flow = Flow::new(&wf, false);
        let mut rng = Pcg64Mcg::seed_from_u64(1);
        let mut out = Vec::new();
        // 10 calls of step 2 over [0, 60): 3 fail.
        flow.call(Task::Step(2), piece(0, 60, 10), &mut rng);
        flow.take_calls(Task::Step(2), secs(60), &mut rng, &mut out);
        assert_eq!(out, [piece(0, 60, 10)]);
        flow.served(Task::Step(2), out[0], 3, &mut rng);
        assert_eq!(flow.counts.completed, 7);
        assert_eq!(flow.counts.failed, 3);
        // The failed step's own compensation first (refund), then hotel, then flight.
        flow.take_calls(Task::Compensation(2), secs(60), &mut rng, &mut out);
        assert_eq!(out, [piece(0, 60, 3)]);
        flow.served(Task::Compensation(2), out[0], 1, &mut rng);
        assert_eq!(flow.counts.inconsistent, 1);
        // The 2 refunded sagas go on to cancel the hotel; the failed one stops.
        flow.take_calls(Task::Compensation(1), secs(60), &mut rng, &mut out);
        assert_eq!(out, [piece(0, 60, 2)]);
        flow.served(Task::Compensation(1), out[0], 0, &mut rng);
        flow.take_calls(Task::Compensation(0), secs(60), &mut rng, &mut out);
        assert_eq!(out, [piece(0, 60, 2)]);
        flow.served(Task::Compensation(0), out[0], 0, &mut rng);
        assert_eq!(flow.counts.inconsistent, 1);
    }

    #[test]
    fn without_own_compensation_a_failed_step_starts_at_the_previous_one() {
        let wf = trip(None, 0.0, false);
        let mut flow = Flow::new(&wf, false);
        let mut rng = Pcg64Mcg::seed_from_u64(1);
        let mut out = Vec::new();
        flow.served(Task::Step(1), piece(0, 60, 4), 4, &mut rng);
        flow.take_calls(Task::Compensation(1), secs(60), &mut rng, &mut out);
        assert!(out.is_empty());
        flow.take_calls(Task::Compensation(0), secs(60), &mut rng, &mut out);
        assert_eq!(out, [piece(0, 60, 4)]);
        // A failed first step has nothing to undo.
        flow.served(Task::Step(0), piece(0, 60, 5), 5, &mut rng);
        flow.take_calls(Task::Compensation(0), secs(60), &mut rng, &mut out);
        assert!(out.is_empty());
        assert_eq!(flow.counts.failed, 9);
    }

    #[test]
    fn service_exceptions_retry_after_2_4_8_16_32_64_s_then_give_up() {
        // Every attempt hits a service exception: the calls give up at the
        // 7th attempt, 126 s after the first, and the saga fails there.
        let wf = trip(Some(RetryPolicy::CDK_SERVICE_EXCEPTIONS), 1.0, true);
        let mut flow = Flow::new(&wf, false);
        let mut rng = Pcg64Mcg::seed_from_u64(1);
        flow.call(Task::Step(1), piece(0, 10, 6), &mut rng);
        assert!(flow.step_calls[1].is_empty());
        assert_eq!(flow.counts.service_exceptions, 6 * 7);
        flow.give_up(Task::Step(1), secs(126), &mut rng);
        assert_eq!(flow.counts.failed, 0, "not before the last attempt");
        flow.give_up(Task::Step(1), secs(136), &mut rng);
        assert_eq!(flow.counts.failed, 6);
        let mut out = Vec::new();
        // The hotel's own cancel is called at the give-up (and hits the
        // same exceptions: inconsistent 126 s later).
        flow.give_up(Task::Compensation(1), secs(1000), &mut rng);
        assert_eq!(flow.counts.inconsistent, 6);
        flow.take_calls(Task::Compensation(0), secs(1000), &mut rng, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn retried_calls_reach_the_function_later_by_the_retry_delay() {
        // e = 0.5: with a point (exact mode) the attempt times are the
        // offsets; over many calls the share reaching at attempt m is
        // 0.5^(m+1), and 0.5^7 give up.
        let wf = trip(Some(RetryPolicy::CDK_SERVICE_EXCEPTIONS), 0.5, true);
        let mut flow = Flow::new(&wf, false);
        let mut rng = Pcg64Mcg::seed_from_u64(7);
        let n = 1_000_000;
        flow.call(Task::Step(0), piece(0, 0, n), &mut rng);
        let offsets = [0u64, 2, 6, 14, 30, 62, 126];
        let mut out = Vec::new();
        let mut seen = 0;
        for (m, &at) in offsets.iter().enumerate() {
            flow.take_calls(
                Task::Step(0),
                secs(at) + Micros::from_micros(1),
                &mut rng,
                &mut out,
            );
            let got: u64 = out.iter().map(|p| p.count).sum();
            assert!(out.iter().all(|p| p.from == secs(at)));
            let p = 0.5f64.powi(m as i32 + 1);
            let sd = (n as f64 * p * (1.0 - p)).sqrt();
            assert!(
                (got as f64 - n as f64 * p).abs() < 5.0 * sd,
                "attempt {m}: {got}"
            );
            seen += got;
        }
        flow.give_up(Task::Step(0), secs(127), &mut rng);
        assert_eq!(seen + flow.counts.failed, n);
        let q7 = 0.5f64.powi(7) * n as f64;
        assert!((flow.counts.failed as f64 - q7).abs() < 5.0 * q7.sqrt());
    }

    #[test]
    fn take_before_splits_a_straddling_piece_binomially() {
        let mut pending = Pending::default();
        let mut rng = Pcg64Mcg::seed_from_u64(3);
        pending.push(piece(0, 100, 1_000_000));
        pending.push(piece(200, 300, 5));
        let mut out = Vec::new();
        pending.take_before(secs(25), &mut rng, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!((out[0].from, out[0].to), (secs(0), secs(25)));
        let early = out[0].count as f64;
        // Binomial(1e6, 0.25): sd = 433.
        assert!((early - 250_000.0).abs() < 5.0 * 433.0, "{early}");
        out.clear();
        pending.take_before(secs(250), &mut rng, &mut out);
        let rest: u64 = out
            .iter()
            .filter(|p| p.to <= secs(100))
            .map(|p| p.count)
            .sum();
        assert_eq!(rest as f64 + early, 1_000_000.0);
        assert!(out.iter().all(|p| p.to <= secs(250)));
    }

    #[test]
    fn exact_mode_starts_sagas_one_by_one() {
        let wf = trip(None, 0.0, true);
        let mut flow = Flow::new(&wf, true);
        let mut rng = Pcg64Mcg::seed_from_u64(5);
        flow.start_sagas(secs(60), &mut rng);
        let mut out = Vec::new();
        flow.take_calls(Task::Step(0), secs(60), &mut rng, &mut out);
        assert_eq!(out.len() as u64, flow.counts.started);
        assert!(out
            .iter()
            .all(|p| p.count == 1 && p.from == p.to && p.to < secs(60)));
        assert!(out.windows(2).all(|w| w[0].from <= w[1].from));
    }
}
