//! The `simroute` binary: see `simroute --help`.

use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: simroute::bench::CountingAllocator = simroute::bench::CountingAllocator;

fn main() -> ExitCode {
    match simroute::cli::main() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{}", simroute::cli::error_text(&e));
            ExitCode::from(2)
        }
    }
}
