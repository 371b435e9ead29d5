//! How a failed request fails when several independent causes act on it
//! (the version's own failure probability and each error fault), each with
//! its own [`Failure`] kind (issue 11, item 2).
//!
//! A request fails when any cause fires (probability 1 − Π(1 − pᵢ), as
//! before). Which failure shows is a modelling rule, since AWS has nothing
//! to say about injected causes: an unhandled cause wins (the handler threw,
//! so it never returned the error response another cause would have
//! produced); otherwise the first handled cause that fired, in file order
//! (the version's own, then the faults). So, with U the unhandled causes
//! and h₁, h₂, … the handled ones in order,
//! P(unhandled) = 1 − Π_{i∈U}(1 − pᵢ) and
//! P(hⱼ shows) = Π_{i∈U}(1 − pᵢ) · Π_{k<j}(1 − p_{hₖ}) · p_{hⱼ};
//! these sum to the total failure probability.

use rand::Rng;

use crate::model::Failure;

/// One independent cause: its probability and how its failures show.
pub type Cause = (f64, Failure);

/// The distinct failure kinds of `causes`, in first-appearance order.
pub fn classes(causes: impl IntoIterator<Item = Failure>) -> Vec<Failure> {
    let mut out = Vec::new();
    for f in causes {
        if !out.contains(&f) {
            out.push(f);
        }
    }
    out
}

/// For each of `classes`, the probability that a request fails that way
/// (written into `out`, which has one entry per class; a class no cause
/// has gets 0).
pub fn class_probs(causes: &[Cause], classes: &[Failure], out: &mut [f64]) {
    out.iter_mut().for_each(|x| *x = 0.0);
    let index = |f: Failure| classes.iter().position(|&c| c == f);
    let mut none_unhandled = 1.0;
    for &(p, f) in causes {
        if f == Failure::Unhandled {
            none_unhandled *= 1.0 - p;
        }
    }
    if let Some(i) = index(Failure::Unhandled) {
        out[i] = 1.0 - none_unhandled;
    }
    let mut none_yet = none_unhandled;
    for &(p, f) in causes {
        if f != Failure::Unhandled {
            if let Some(i) = index(f) {
                out[i] += none_yet * p;
            }
            none_yet *= 1.0 - p;
        }
    }
}

/// How a request that failed fails: one uniform draw walked through the
/// class probabilities of [`class_probs`] (conditional on a failure).
pub fn draw_given_failed<R: Rng + ?Sized>(rng: &mut R, causes: &[Cause]) -> Failure {
    let mut none_unhandled = 1.0;
    for &(p, f) in causes {
        if f == Failure::Unhandled {
            none_unhandled *= 1.0 - p;
        }
    }
    let mut none = none_unhandled;
    for &(p, f) in causes {
        if f != Failure::Unhandled {
            none *= 1.0 - p;
        }
    }
    let total = 1.0 - none;
    let mut v = rng.random::<f64>() * total;
    let unhandled = 1.0 - none_unhandled;
    if v < unhandled {
        return Failure::Unhandled;
    }
    v -= unhandled;
    let mut none_yet = none_unhandled;
    let mut last = Failure::Unhandled;
    for &(p, f) in causes {
        if f == Failure::Unhandled || p <= 0.0 {
            continue;
        }
        let mass = none_yet * p;
        if v < mass {
            return f;
        }
        v -= mass;
        none_yet *= 1.0 - p;
        last = f;
    }
    // Rounding at the very top of the range.
    last
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_pcg::Pcg64Mcg;

    const H503: Failure = Failure::Handled { status: 503 };
    const H404: Failure = Failure::Handled { status: 404 };

    #[test]
    fn an_unhandled_cause_wins_then_the_first_handled_one() {
        // Baseline 503 at 0.1, an unhandled fault at 0.2, a 404 fault at 0.5.
        let causes = [(0.1, H503), (0.2, Failure::Unhandled), (0.5, H404)];
        let cls = classes(causes.iter().map(|c| c.1));
        assert_eq!(cls, [H503, Failure::Unhandled, H404]);
        let mut out = [0.0; 3];
        class_probs(&causes, &cls, &mut out);
        // P(U) = 0.2; P(503) = 0.8 · 0.1; P(404) = 0.8 · 0.9 · 0.5.
        let want = [0.08, 0.2, 0.36];
        for (o, w) in out.iter().zip(want) {
            assert!((o - w).abs() < 1e-12, "{out:?}");
        }
        let total = 1.0 - 0.9 * 0.8 * 0.5;
        assert!((out.iter().sum::<f64>() - total).abs() < 1e-12);
    }

    #[test]
    fn draws_follow_the_class_probabilities() {
        let causes = [(0.1, H503), (0.2, Failure::Unhandled), (0.5, H404)];
        let mut rng = Pcg64Mcg::seed_from_u64(3);
        let n = 200_000;
        let mut counts = [0u32; 3];
        for _ in 0..n {
            match draw_given_failed(&mut rng, &causes) {
                f if f == H503 => counts[0] += 1,
                Failure::Unhandled => counts[1] += 1,
                _ => counts[2] += 1,
            }
        }
        let total = 0.64;
        for (c, p) in counts.iter().zip([0.08, 0.2, 0.36]) {
            let q = p / total;
            let se = (q * (1.0 - q) / f64::from(n)).sqrt();
            let share = f64::from(*c) / f64::from(n);
            assert!((share - q).abs() < 5.0 * se, "{counts:?}");
        }
    }

    #[test]
    fn a_single_kind_takes_every_failure() {
        let causes = [(0.0, Failure::Unhandled), (0.3, H503)];
        let mut rng = Pcg64Mcg::seed_from_u64(1);
        for _ in 0..1000 {
            assert_eq!(draw_given_failed(&mut rng, &causes), H503);
        }
    }
}
