//! `cargo bench --bench event_queue`: the event queues alone under the classic hold model.
//!
//! A queue is filled with `n` events; then each step pops the earliest event and schedules it
//! again an exponentially distributed time later, keeping the size at `n`. The mean increment is
//! `n` µs, so pending events are about 1 µs apart whatever `n` (with a fixed mean, large queues
//! would be mostly exact ties of the integer nanosecond times and measure something else). The
//! figure is wall-clock nanoseconds per hold (one pop + one push), best of `--repeat` runs
//! (default 5), rounds interleaved across queues. The increments are drawn before timing, so
//! the random number generator is not measured. The queues must pop the same sequence, which
//! the benchmark checks with a checksum.

use std::hint::black_box;
use std::time::Instant;

mod queues;

use queues::{BinaryHeapQueue, PriorityQueueCrate, RadixQueue};
use simroute::engine::rng::mix64;
use simroute::engine::{CalendarQueue, EventQueue, Nanos};

/// Pending-event counts measured: the bench scenario keeps about 34 events pending.
const SIZES: [usize; 5] = [16, 256, 4_096, 65_536, 1_048_576];
/// Hold operations timed per run (at least twice the size, so every event cycles).
const HOLDS: usize = 2_000_000;

/// Exponential increments with mean `mean_ns`; a power-of-two count for cheap indexing.
fn increments(mean_ns: f64) -> Vec<Nanos> {
    let mut state = 42u64;
    (0..1 << 16)
        .map(|_| {
            state = mix64(state);
            // 53 random bits in (0, 1].
            let u = ((state >> 11) + 1) as f64 / (1u64 << 53) as f64;
            (-u.ln() * mean_ns) as Nanos
        })
        .collect()
}

/// Runs the hold model on a fresh `Q`: returns ns per hold and a checksum of the pops.
fn hold<Q: EventQueue<u32> + Default>(n: usize, incs: &[Nanos]) -> (f64, u64) {
    let mask = incs.len() - 1;
    let mut q = Q::default();
    for i in 0..n {
        q.push(incs[i & mask], i as u32);
    }
    let holds = HOLDS.max(2 * n);
    let mut checksum = 0u64;
    let started = Instant::now();
    for k in 0..holds {
        let (t, e) = q.pop().expect("never empty");
        checksum = checksum.wrapping_mul(31).wrapping_add(t ^ u64::from(e));
        q.push(t + incs[(k + n) & mask], e);
    }
    let ns = started.elapsed().as_secs_f64() * 1e9 / holds as f64;
    black_box(&q);
    (ns, checksum)
}

type Runner = fn(usize, &[Nanos]) -> (f64, u64);

fn main() {
    let mut repeat = 5;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--repeat" {
            repeat = args.next().and_then(|r| r.parse().ok()).unwrap_or(5);
        }
    }
    let queues: [(&str, Runner); 4] = [
        ("binary-heap", hold::<BinaryHeapQueue<u32>>),
        ("priority-queue", hold::<PriorityQueueCrate<u32>>),
        ("calendar", hold::<CalendarQueue<u32>>),
        ("radix", hold::<RadixQueue<u32>>),
    ];
    println!(
        "hold model (pop + push, exponential increments, mean = pending x 1 us): \
         ns per hold, best of {repeat}"
    );
    print!("{:>10}", "pending");
    for (name, _) in &queues {
        print!(" {name:>15}");
    }
    println!();
    for n in SIZES {
        let incs = increments(n as f64 * 1e3);
        let mut best = [f64::INFINITY; 4];
        let mut sums = [0u64; 4];
        for _ in 0..repeat.max(1) {
            for (i, (_, run)) in queues.iter().enumerate() {
                let (ns, sum) = run(n, &incs);
                best[i] = best[i].min(ns);
                sums[i] = sum;
            }
        }
        assert!(
            sums.iter().all(|&s| s == sums[0]),
            "queues popped different sequences at n = {n}"
        );
        print!("{n:>10}");
        for ns in best {
            print!(" {ns:>15.1}");
        }
        println!();
    }
}
