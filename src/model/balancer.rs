//! Balancing: which target of a group gets the next request.

use crate::engine::rng::{SimRng, below, mix64, unit_f64};
use crate::vocab::AlgorithmKind;

/// Per-group balancing state.
pub struct Balancer {
    algorithm: AlgorithmKind,
    next: u32,
    rng: SimRng,
}

impl Balancer {
    /// A balancer drawing its random choices from `rng`.
    pub fn new(algorithm: AlgorithmKind, rng: SimRng) -> Self {
        Balancer {
            algorithm,
            next: 0,
            rng,
        }
    }

    /// Picks a target among `n`. `outstanding(i)` is target `i`'s requests in flight, `flow`
    /// identifies the connection (for `flow_hash`).
    #[inline]
    pub fn pick(&mut self, n: u32, flow: u64, outstanding: impl Fn(u32) -> u32) -> u32 {
        debug_assert!(n > 0);
        match self.algorithm {
            AlgorithmKind::RoundRobin => {
                // Compare-and-wrap instead of `%`: an integer division costs 20–40 cycles and
                // `next` is already below `n` unless `n` changed. Same sequence as `% n`.
                let t = if self.next < n {
                    self.next
                } else {
                    self.next % n
                };
                self.next = wrap_next(t, n);
                t
            }
            // Weighted random with every weight equal (weights are applied by the caller).
            AlgorithmKind::Random | AlgorithmKind::WeightedRandom => below(&mut self.rng, n),
            AlgorithmKind::LeastOutstanding => {
                // Scan from a rotating start so ties are shared out instead of all landing on
                // the lowest index.
                let start = if self.next < n {
                    self.next
                } else {
                    self.next % n
                };
                self.next = wrap_next(start, n);
                let mut best = start;
                let mut best_load = outstanding(start);
                let mut i = start;
                for _ in 1..n {
                    i = wrap_next(i, n);
                    let load = outstanding(i);
                    if load < best_load {
                        best = i;
                        best_load = load;
                    }
                }
                best
            }
            AlgorithmKind::PowerOfTwo => {
                if n == 1 {
                    return 0;
                }
                let a = below(&mut self.rng, n);
                // a + 1 + (0..n-1) < 2n: one conditional subtraction is `% n`.
                let b = a + 1 + below(&mut self.rng, n - 1);
                let b = if b >= n { b - n } else { b };
                if outstanding(b) < outstanding(a) {
                    b
                } else {
                    a
                }
            }
            AlgorithmKind::FlowHash => (mix64(flow) % u64::from(n)) as u32,
        }
    }
}

impl Balancer {
    /// A uniform draw in [0, 1) from the balancing stream (for weighted draws).
    pub fn unit(&mut self) -> f64 {
        unit_f64(&mut self.rng)
    }
}

/// `(i + 1) % n` for `i < n`, without a division.
#[inline]
fn wrap_next(i: u32, n: u32) -> u32 {
    if i + 1 == n { 0 } else { i + 1 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::{StreamId, Streams};

    fn balancer(a: AlgorithmKind) -> Balancer {
        Balancer::new(a, Streams::new(1, 0).stream(StreamId::Balancing(0)))
    }

    #[test]
    fn round_robin_cycles() {
        let mut b = balancer(AlgorithmKind::RoundRobin);
        let picks: Vec<u32> = (0..7).map(|_| b.pick(3, 0, |_| 0)).collect();
        assert_eq!(picks, vec![0, 1, 2, 0, 1, 2, 0]);
    }

    #[test]
    fn least_outstanding_picks_the_least_loaded() {
        let mut b = balancer(AlgorithmKind::LeastOutstanding);
        let load = [3, 1, 2, 1];
        for _ in 0..10 {
            let t = b.pick(4, 0, |i| load[i as usize]);
            assert!(t == 1 || t == 3);
        }
    }

    #[test]
    fn power_of_two_never_picks_the_most_loaded_of_two() {
        let mut b = balancer(AlgorithmKind::PowerOfTwo);
        let load = [0, 9];
        for _ in 0..100 {
            assert_eq!(b.pick(2, 0, |i| load[i as usize]), 0);
        }
    }

    #[test]
    fn flow_hash_is_sticky_and_random_is_spread() {
        let mut b = balancer(AlgorithmKind::FlowHash);
        let first = b.pick(10, 77, |_| 0);
        assert!((0..20).all(|_| b.pick(10, 77, |_| 0) == first));
        let mut r = balancer(AlgorithmKind::Random);
        let mut counts = [0u32; 4];
        for _ in 0..40_000 {
            counts[r.pick(4, 0, |_| 0) as usize] += 1;
        }
        assert!(
            counts.iter().all(|&c| (9_500..10_500).contains(&c)),
            "{counts:?}"
        );
    }
}
