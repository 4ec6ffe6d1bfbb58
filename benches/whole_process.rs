//! `cargo bench --bench whole_process`: `simroute bench --whole-process` as a cargo bench
//! target: a whole `simroute run` of the M/M/4 (2 M customers, 625,000 s simulated, every
//! output written) against the bare event loop, with the ratio and the run's peak RSS.
//!
//! Option after `--`: `--duration-s N` (default 625000).

fn main() -> anyhow::Result<()> {
    let mut duration_s = 625_000.0;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--duration-s" {
            duration_s = args.next().unwrap_or_default().parse()?;
        }
    }
    let exe = std::path::Path::new(env!("CARGO_BIN_EXE_simroute"));
    simroute::bench::whole_process::run(exe, duration_s)
}
