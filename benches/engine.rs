//! `cargo bench --bench engine`: the `simroute bench` measurement (the 10-target M/M/c scenario,
//! best of N, then peak heap at 1× and 10× the duration), over the simulator's calendar queue,
//! the one queue the simulator is built on; `cargo bench --bench event_queue` compares it with
//! the queues of `benches/queues/` on the hold model.
//!
//! Options after `--`: `--duration-s N` (default 600) and `--repeat N` (default 5), e.g.
//! `cargo bench --bench engine -- --duration-s 60`.

use simroute::bench::{self, CALENDAR, CountingAllocator};

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
    let contenders = [CALENDAR];
    bench::run(duration_s, &contenders, repeat)
}
