//! The control-event queue (DESIGN.md §1): a binary heap ordered by
//! `(time, class, sequence)`, so same-time events run in a fixed class
//! order and then in insertion order — the same on every machine and at
//! every thread count.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::time::Micros;

/// The order of same-time events. A world changes first (a new rate or
/// fault phase applies to everything after it), then measurement windows
/// close, then judges evaluate what was measured (and strategies hear of
/// their verdicts), then polls read those verdicts (so a deployment sees a
/// verdict before it shifts or completes at the same instant), then other
/// timers, and the horizon last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum Class {
    /// A change of the world's conditions (rate or fault breakpoint).
    Breakpoint = 0,
    /// Measurement windows close.
    WindowClose = 1,
    /// Judges evaluate; their verdict changes reach strategies.
    Judgement = 2,
    /// A strategy polls the judges' verdicts.
    Poll = 3,
    /// Any other strategy timer.
    Timer = 4,
    /// The end of the simulation.
    Horizon = 5,
}

/// Control events of type `E` ordered by `(time, class, insertion order)`.
pub struct EventQueue<E> {
    heap: BinaryHeap<Reverse<(Micros, Class, u64, E)>>,
    seq: u64,
}

impl<E: Ord> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            seq: 0,
        }
    }
}

impl<E: Ord + Copy> EventQueue<E> {
    /// Schedules `ev` of `class` at `at`.
    #[inline]
    pub fn push(&mut self, at: Micros, class: Class, ev: E) {
        self.seq += 1;
        self.heap.push(Reverse((at, class, self.seq, ev)));
    }

    /// The time of the next event.
    #[inline]
    pub fn peek_time(&self) -> Option<Micros> {
        self.heap.peek().map(|Reverse((t, ..))| *t)
    }

    /// Removes and returns the next event.
    #[inline]
    pub fn pop(&mut self) -> Option<(Micros, E)> {
        self.heap.pop().map(|Reverse((t, _, _, ev))| (t, ev))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::time::secs;

    #[test]
    fn orders_by_time_then_class_then_insertion() {
        let mut q = EventQueue::default();
        q.push(secs(10), Class::Timer, 'a');
        q.push(secs(10), Class::Poll, 'b');
        q.push(secs(5), Class::Horizon, 'c');
        q.push(secs(10), Class::Poll, 'd');
        q.push(secs(10), Class::Breakpoint, 'e');
        let order: Vec<char> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, ['c', 'e', 'b', 'd', 'a']);
    }

    #[test]
    fn insertion_order_wins_over_event_order() {
        // Events compare only after the sequence number, which is unique:
        // a "larger" event pushed first still comes first.
        let mut q = EventQueue::default();
        q.push(secs(1), Class::Timer, 9u32);
        q.push(secs(1), Class::Timer, 1u32);
        assert_eq!(q.pop(), Some((secs(1), 9)));
        assert_eq!(q.peek_time(), Some(secs(1)));
        assert_eq!(q.pop(), Some((secs(1), 1)));
        assert_eq!(q.pop(), None);
    }
}
