//! `cargo bench --bench engine`: the `simroute bench` measurement (the 10-target M/M/c scenario,
//! best of N, then peak heap at 1× and 10× the duration), over the simulator's calendar queue
//! and the comparison queues of `benches/queues/`, which must give the same events and figures.
//!
//! Options after `--`: `--duration-s N` (default 600) and `--repeat N` (default 5), e.g.
//! `cargo bench --bench engine -- --duration-s 60`.

mod queues;

use queues::{BinaryHeapQueue, PriorityQueueCrate, RadixQueue};
use simroute::bench::{self, CALENDAR, Contender, CountingAllocator};
use simroute::sim::{self, Event};
use simroute::stats::timeseries::Keep;

// Peak heap is only known with the counting allocator installed, as in the binary.
#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

fn main() -> anyhow::Result<()> {
    let mut duration_s = 600.0;
    let mut repeat = 5;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--duration-s" => duration_s = args.next().unwrap_or_default().parse()?,
            "--repeat" => repeat = args.next().unwrap_or_default().parse()?,
            // `cargo bench` passes `--bench`; other harness flags do not apply.
            _ => {}
        }
    }
    let contenders = [
        Contender {
            name: "binary-heap",
            run: |sc| sim::run_with_queue::<BinaryHeapQueue<Event>>(sc, 0, None, Keep::Spill),
        },
        Contender {
            name: "priority-queue",
            run: |sc| sim::run_with_queue::<PriorityQueueCrate<Event>>(sc, 0, None, Keep::Spill),
        },
        CALENDAR,
        Contender {
            name: "radix",
            run: |sc| sim::run_with_queue::<RadixQueue<Event>>(sc, 0, None, Keep::Spill),
        },
    ];
    bench::run(duration_s, &contenders, repeat)
}
