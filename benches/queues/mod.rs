//! The event queues `simroute` does not use, kept for the benchmarks to measure against the
//! simulator's [`CalendarQueue`](simroute::engine::CalendarQueue) (`cargo bench --bench
//! event_queue`, `cargo bench --bench engine`) and checked by `tests/bench_queues.rs`:
//!
//! | queue | structure | push / pop |
//! |---|---|---|
//! | [`BinaryHeapQueue`] | `std` binary heap over packed `u128` `(time, seq)` keys | O(log n) |
//! | [`PriorityQueueCrate`] | the `priority-queue` crate's indexed heap (hash map + heap) | O(log n) |
//! | [`RadixQueue`] | a radix heap over monotone `u64` times, FIFO within a time | O(1) amortized |

#![allow(dead_code)]

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::hash::{BuildHasherDefault, Hasher};

use priority_queue::PriorityQueue;
use simroute::engine::{EventQueue, Nanos};

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

/// The priority of a [`PriorityQueueCrate`] entry: ordered by key only, carrying its event so no
/// side table is needed (the crate's heap is a max-heap, hence the `Reverse`).
struct Keyed<E> {
    key: Reverse<u128>,
    event: E,
}

impl<E> PartialEq for Keyed<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl<E> Eq for Keyed<E> {}
impl<E> PartialOrd for Keyed<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Keyed<E> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key.cmp(&other.key)
    }
}

/// Hashes the `u64` sequence numbers the `priority-queue` crate indexes by. They are unique and
/// dense, so one multiply (Fibonacci hashing, which fills the high bits hashbrown's tags use) is
/// enough; the default SipHash would cost more than the heap operations themselves.
#[derive(Default)]
struct SeqHasher(u64);

impl Hasher for SeqHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Not reached for `u64` items; a plain fold keeps it correct for anything else.
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// The `priority-queue` crate's `PriorityQueue`, items being sequence numbers and priorities the
/// packed `(time, seq)` key with the event beside it. Its index map allows changing priorities in
/// place, which the event list never needs; it is here to be measured against the others.
pub struct PriorityQueueCrate<E> {
    pq: PriorityQueue<u64, Keyed<E>, BuildHasherDefault<SeqHasher>>,
    seq: u64,
}

impl<E> Default for PriorityQueueCrate<E> {
    fn default() -> Self {
        PriorityQueueCrate {
            pq: PriorityQueue::with_capacity_and_default_hasher(1024),
            seq: 0,
        }
    }
}

impl<E: Copy> EventQueue<E> for PriorityQueueCrate<E> {
    #[inline]
    fn push(&mut self, time: Nanos, event: E) {
        self.seq += 1;
        self.pq.push(
            self.seq,
            Keyed {
                key: Reverse(key(time, self.seq)),
                event,
            },
        );
    }

    #[inline]
    fn pop(&mut self) -> Option<(Nanos, E)> {
        self.pq
            .pop()
            .map(|(_, k)| ((k.key.0 >> 64) as Nanos, k.event))
    }

    fn len(&self) -> usize {
        self.pq.len()
    }
}

/// Buckets of a [`RadixQueue`]: one for times equal to the last popped, then one per bit.
const RADIX_BUCKETS: usize = 65;

/// A radix heap (Ahuja, Mehlhorn, Orlin & Tarjan 1990) over `u64` times. Bucket `0` holds events
/// at exactly the last popped time `last`; bucket `b ≥ 1` those whose time's highest bit differing
/// from `last` is bit `b − 1`. A pop takes from bucket 0, or else empties the lowest non-empty
/// bucket, sets `last` to its earliest time and re-files its events into lower buckets: each
/// event moves down at most 64 times in its life, in practice a few. Push is O(1).
///
/// All events of one time are always in the same bucket, appended in scheduling order and moved
/// together in order, so equal times leave first-scheduled first without a sequence number.
pub struct RadixQueue<E> {
    /// Bucket 0 is read from `head` onwards (a FIFO); the others are unordered except among
    /// equal times.
    buckets: [Vec<(Nanos, E)>; RADIX_BUCKETS],
    head: usize,
    /// Bit `b − 1` set when bucket `b ≥ 1` is non-empty.
    occupied: u64,
    last: Nanos,
    len: usize,
}

impl<E> Default for RadixQueue<E> {
    fn default() -> Self {
        RadixQueue {
            buckets: std::array::from_fn(|_| Vec::new()),
            head: 0,
            occupied: 0,
            last: 0,
            len: 0,
        }
    }
}

impl<E: Copy> RadixQueue<E> {
    #[inline]
    fn bucket(last: Nanos, time: Nanos) -> usize {
        (u64::BITS - (time ^ last).leading_zeros()) as usize
    }

    /// The `occupied` bit of bucket `b`: bit `b − 1`, none for bucket 0 (its length is its flag).
    /// Written without a `u128` shift (`b` reaches 64), which compiles to a branchy sequence
    /// that cost more than the rest of `push`.
    #[inline]
    fn flag(b: usize) -> u64 {
        u64::from(b != 0) << (b.wrapping_sub(1) & 63)
    }
}

impl<E: Copy> EventQueue<E> for RadixQueue<E> {
    #[inline]
    fn push(&mut self, time: Nanos, event: E) {
        assert!(time >= self.last, "event scheduled in the past");
        let b = Self::bucket(self.last, time);
        self.buckets[b].push((time, event));
        self.occupied |= Self::flag(b);
        self.len += 1;
    }

    #[inline]
    fn pop(&mut self) -> Option<(Nanos, E)> {
        if self.buckets[0].is_empty() {
            if self.occupied == 0 {
                return None;
            }
            let b = self.occupied.trailing_zeros() as usize + 1;
            self.occupied &= self.occupied - 1;
            let mut moving = std::mem::take(&mut self.buckets[b]);
            let last = moving.iter().map(|e| e.0).min().expect("occupied");
            self.last = last;
            for &(t, e) in &moving {
                // Every event of bucket b lands strictly lower, at least one of them in 0.
                let to = Self::bucket(last, t);
                self.buckets[to].push((t, e));
                self.occupied |= Self::flag(to);
            }
            moving.clear();
            // Hand the allocation back so the bucket does not reallocate when it refills.
            self.buckets[b] = moving;
        }
        let zero = &mut self.buckets[0];
        let e = zero[self.head];
        self.head += 1;
        if self.head == zero.len() {
            // Emptied: reset so bucket 0 never grows beyond the events of one time.
            zero.clear();
            self.head = 0;
        }
        self.len -= 1;
        Some(e)
    }

    fn len(&self) -> usize {
        self.len
    }
}
