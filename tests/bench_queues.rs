//! The benchmarks' comparison queues (`benches/queues/`) keep the event-list contract, so what
//! `cargo bench` compares is interchangeable with the simulator's calendar queue: every pop of
//! each agrees with the calendar queue's under the same random pushes and pops, ties included.

#[path = "../benches/queues/mod.rs"]
mod queues;

use queues::{BinaryHeapQueue, PriorityQueueCrate, RadixQueue};
use simroute::engine::rng::mix64;
use simroute::engine::{CalendarQueue, EventQueue, Nanos};

fn ties_in_scheduling_order<Q: EventQueue<u32> + Default>() {
    let mut q = Q::default();
    for (t, e) in [(5, 1), (3, 2), (5, 3), (3, 4), (10, 5)] {
        q.push(t, e);
    }
    assert_eq!(q.len(), 5);
    let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
    assert_eq!(order, vec![(3, 2), (3, 4), (5, 1), (5, 3), (10, 5)]);
    assert!(q.is_empty());
}

/// Drives `Q` beside a calendar queue through phases of ties, small and huge increments, growing
/// and draining.
fn agrees_with_the_calendar_queue<Q: EventQueue<u32> + Default>(seed: u64) {
    let mut q = Q::default();
    let mut reference = CalendarQueue::<u32>::default();
    let mut state = seed;
    let mut now: Nanos = 0;
    let mut id = 0u32;
    for phase in 0..30 {
        let spread: u64 = [1, 8, 1_000_000, 1 << 40, 20_000_000][phase % 5];
        let push_pct = [70, 50, 30][(phase / 5) % 3];
        for _ in 0..2_000 {
            state = mix64(state);
            if state % 100 < push_pct || reference.is_empty() {
                state = mix64(state);
                let t = now + state % spread;
                q.push(t, id);
                reference.push(t, id);
                id += 1;
            } else {
                let expected = reference.pop();
                assert_eq!(q.pop(), expected, "seed {seed}, phase {phase}");
                now = expected.expect("not empty").0;
            }
            assert_eq!(q.len(), reference.len());
        }
    }
    while let Some(expected) = reference.pop() {
        assert_eq!(q.pop(), Some(expected));
    }
    assert_eq!(q.pop(), None);
}

#[test]
fn binary_heap_keeps_the_contract() {
    ties_in_scheduling_order::<BinaryHeapQueue<u32>>();
    for seed in 0..3 {
        agrees_with_the_calendar_queue::<BinaryHeapQueue<u32>>(seed);
    }
}

#[test]
fn priority_queue_crate_keeps_the_contract() {
    ties_in_scheduling_order::<PriorityQueueCrate<u32>>();
    for seed in 0..3 {
        agrees_with_the_calendar_queue::<PriorityQueueCrate<u32>>(seed);
    }
}

#[test]
fn radix_heap_keeps_the_contract() {
    ties_in_scheduling_order::<RadixQueue<u32>>();
    for seed in 0..3 {
        agrees_with_the_calendar_queue::<RadixQueue<u32>>(seed);
    }
}

#[test]
#[should_panic(expected = "in the past")]
fn radix_heap_refuses_the_past() {
    let mut q = RadixQueue::<u32>::default();
    q.push(10, 0);
    q.pop();
    q.push(9, 1);
}
