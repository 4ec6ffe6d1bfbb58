//! The future-event list: events come out in `(time, sequence)` order, the sequence number being
//! assigned at scheduling. Ties therefore leave in the order they were scheduled, which makes a
//! run reproducible to the byte.
//!
//! [`EventQueue`] is a trait only so that `simroute bench` can run the same model over different
//! queues; the simulator is generic over it (static dispatch, no trait objects in the hot loop).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::time::Nanos;

/// A priority queue of events keyed by `(time, insertion order)`.
pub trait EventQueue<E: Copy> {
    /// Schedules `event` at `time`.
    fn push(&mut self, time: Nanos, event: E);
    /// Removes and returns the earliest event (ties: the first scheduled).
    fn pop(&mut self) -> Option<(Nanos, E)>;
    /// Number of pending events.
    fn len(&self) -> usize;
    /// True when nothing is pending.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Packs `(time, seq)` into one `u128` so each comparison is a single integer compare.
#[inline]
fn key(time: Nanos, seq: u64) -> u128 {
    (u128::from(time) << 64) | u128::from(seq)
}

struct Entry<E> {
    key: u128,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: `BinaryHeap` is a max-heap and we want the earliest key first.
        other.key.cmp(&self.key)
    }
}

/// `std::collections::BinaryHeap` over packed `(time, seq)` keys.
pub struct BinaryHeapQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    seq: u64,
}

impl<E> Default for BinaryHeapQueue<E> {
    fn default() -> Self {
        BinaryHeapQueue {
            heap: BinaryHeap::with_capacity(1024),
            seq: 0,
        }
    }
}

impl<E: Copy> EventQueue<E> for BinaryHeapQueue<E> {
    #[inline]
    fn push(&mut self, time: Nanos, event: E) {
        self.seq += 1;
        self.heap.push(Entry {
            key: key(time, self.seq),
            event,
        });
    }

    #[inline]
    fn pop(&mut self) -> Option<(Nanos, E)> {
        self.heap.pop().map(|e| ((e.key >> 64) as Nanos, e.event))
    }

    fn len(&self) -> usize {
        self.heap.len()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Checks any queue against the `(time, seq)` contract; reused by every implementation.
    pub(crate) fn check_order<Q: EventQueue<u32> + Default>() {
        let mut q = Q::default();
        q.push(5, 1);
        q.push(3, 2);
        q.push(5, 3);
        q.push(3, 4);
        q.push(10, 5);
        assert_eq!(q.len(), 5);
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(order, vec![(3, 2), (3, 4), (5, 1), (5, 3), (10, 5)]);
        assert!(q.is_empty());
        // Interleaved pushes and pops, as a simulation does (never scheduling in the past).
        let mut q = Q::default();
        let mut state = 12345u64;
        let mut now = 0;
        let mut popped = Vec::new();
        for i in 0..20_000u32 {
            state = crate::engine::rng::mix64(state);
            q.push(now + state % 1_000_000, i);
            if i % 3 != 0 {
                let (t, e) = q.pop().unwrap();
                assert!(t >= now);
                now = t;
                popped.push((t, e));
            }
        }
        while let Some((t, e)) = q.pop() {
            assert!(t >= now);
            now = t;
            popped.push((t, e));
        }
        assert_eq!(popped.len(), 20_000);
    }

    #[test]
    fn binary_heap_orders_by_time_then_seq() {
        check_order::<BinaryHeapQueue<u32>>();
    }
}
