//! `cargo bench --bench engine`: the `simroute bench` measurement (the 10-target M/M/c scenario
//! over every event queue, best of N, then peak heap at 1× and 10× the duration).
//!
//! Options after `--`: `--duration-s N` (default 600) and `--repeat N` (default 5), e.g.
//! `cargo bench --bench engine -- --duration-s 60`.

use simroute::bench::{self, CountingAllocator, QueueChoice};

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
    bench::run(duration_s, QueueChoice::All, repeat)
}
