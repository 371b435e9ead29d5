//! Several processes — the functions of one deployment — advancing in one
//! global time order: the next event is always the earliest of all, ties in
//! process order. A callback after each step may schedule events in the
//! others at that moment (a stack rollback reaching every function).

use super::time::Micros;

/// One process of a lockstep: a queue of timed events.
pub trait Process {
    /// The time of its next event, if any.
    fn next_time(&self) -> Option<Micros>;
    /// Runs its next event; false once the process has ended.
    fn step(&mut self) -> bool;
}

/// Steps `procs` in global time order until each has ended or has no event
/// left. `after(i, procs, ended)` runs after process `i` stepped (whether or
/// not it ended), with the processes and which of them have ended.
pub fn run_lockstep<P: Process>(procs: &mut [P], mut after: impl FnMut(usize, &mut [P], &[bool])) {
    let mut ended = vec![false; procs.len()];
    loop {
        let next = procs
            .iter()
            .enumerate()
            .filter(|(i, _)| !ended[*i])
            .filter_map(|(i, p)| p.next_time().map(|t| (t, i)))
            .min();
        let Some((_, i)) = next else {
            break;
        };
        if !procs[i].step() {
            ended[i] = true;
        }
        after(i, procs, &ended);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::time::secs;

    /// A process with fixed event times that logs (name, time) when stepped.
    struct Fixed {
        name: char,
        times: Vec<Micros>,
        log: std::rc::Rc<std::cell::RefCell<Vec<(char, Micros)>>>,
    }

    impl Process for Fixed {
        fn next_time(&self) -> Option<Micros> {
            self.times.first().copied()
        }
        fn step(&mut self) -> bool {
            let t = self.times.remove(0);
            self.log.borrow_mut().push((self.name, t));
            !self.times.is_empty()
        }
    }

    #[test]
    fn earliest_first_ties_in_process_order() {
        let log = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let mk = |name, times: &[Micros]| Fixed {
            name,
            times: times.to_vec(),
            log: log.clone(),
        };
        let mut procs = [
            mk('a', &[secs(1), secs(5), secs(9)]),
            mk('b', &[secs(1), secs(3), secs(9)]),
        ];
        let mut after_calls = 0;
        run_lockstep(&mut procs, |_, _, _| after_calls += 1);
        assert_eq!(
            *log.borrow(),
            [
                ('a', secs(1)),
                ('b', secs(1)),
                ('b', secs(3)),
                ('a', secs(5)),
                ('a', secs(9)),
                ('b', secs(9))
            ]
        );
        assert_eq!(after_calls, 6);
    }

    #[test]
    fn the_callback_can_schedule_in_others() {
        let log = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let mut procs = [
            Fixed {
                name: 'a',
                times: vec![secs(1), secs(10)],
                log: log.clone(),
            },
            Fixed {
                name: 'b',
                times: vec![secs(2), secs(10)],
                log: log.clone(),
            },
        ];
        run_lockstep(&mut procs, |i, procs, ended| {
            if i == 0 && !ended[1] && procs[1].times.len() == 2 {
                procs[1].times.insert(1, secs(4));
            }
        });
        assert_eq!(
            *log.borrow(),
            [
                ('a', secs(1)),
                ('b', secs(2)),
                ('b', secs(4)),
                ('a', secs(10)),
                ('b', secs(10))
            ]
        );
    }
}
