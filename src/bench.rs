//! `simroute bench`: the engine's speed and memory on a fixed scenario, one thread.
//!
//! The scenario is a 10-target M/M/c group (4 workers per target, 10 ms exponential service,
//! Poisson arrivals at ρ = 0.8). Each event queue is measured on the same run; peak heap memory
//! comes from a counting global allocator, measured at two durations (1× and 10×) to show it
//! does not grow with simulated time.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use clap::ValueEnum;

use crate::engine::{BinaryHeapQueue, EventQueue};
use crate::scenario::{self, Scenario};
use crate::sim::{self, Event};

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// A global allocator that counts live and peak heap bytes (installed by the binary).
pub struct CountingAllocator;

// SAFETY: delegates every call to the system allocator and only adds relaxed counters.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

/// Resets the peak to the current live bytes.
pub fn reset_peak() {
    PEAK.store(CURRENT.load(Ordering::Relaxed), Ordering::Relaxed);
}

/// Peak live heap bytes since the last [`reset_peak`] (0 if the allocator is not installed).
pub fn peak_bytes() -> usize {
    PEAK.load(Ordering::Relaxed)
}

/// Which event queue(s) to measure.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueChoice {
    /// `std::collections::BinaryHeap` (the simulator's queue).
    BinaryHeap,
    /// Every implementation.
    All,
}

/// The benchmark scenario, `duration_s` simulated seconds long.
pub fn scenario(duration_s: f64) -> Scenario {
    let text = format!(
        r#"
[simulation]
name = "bench-mmc"
seed = 1
duration_s = {duration_s}

[[traffic]]
name = "load"
rate_rps = 3200          # rho = 3200 / (10 targets x 4 workers x 100/s) = 0.8
target_group = "app"

[target_groups.app]
targets = 10
algorithm = "round_robin"
app = {{ workers = 4, queue_limit = "unbounded", service = {{ dist = "exponential", mean_ms = 10 }} }}
"#
    );
    scenario::load_str(&text, std::path::Path::new("."), &[])
        .expect("the benchmark scenario is valid")
        .0
}

/// One measurement.
#[derive(Debug, Clone)]
pub struct Measurement {
    /// Queue name.
    pub queue: &'static str,
    /// Simulated seconds.
    pub simulated_s: f64,
    /// Wall-clock seconds.
    pub wall_s: f64,
    /// Events processed.
    pub events: u64,
    /// Requests simulated.
    pub requests: u64,
    /// Peak heap bytes during the run.
    pub peak_bytes: usize,
}

/// Runs the benchmark scenario once over queue `Q`.
pub fn measure<Q: EventQueue<Event> + Default>(name: &'static str, duration_s: f64) -> Measurement {
    let sc = scenario(duration_s);
    reset_peak();
    let started = Instant::now();
    let out = sim::run_with_queue::<Q>(&sc, 0, None);
    let wall_s = started.elapsed().as_secs_f64();
    Measurement {
        queue: name,
        simulated_s: duration_s,
        wall_s,
        events: out.events,
        requests: out.arrivals,
        peak_bytes: peak_bytes(),
    }
}

fn print(m: &Measurement) {
    println!(
        "{:<14} {:>9.0} s  {:>7.3} s wall  {:>7.2} M events/s  {:>7.2} M requests/s  peak heap {:>6.2} MiB",
        m.queue,
        m.simulated_s,
        m.wall_s,
        m.events as f64 / m.wall_s / 1e6,
        m.requests as f64 / m.wall_s / 1e6,
        m.peak_bytes as f64 / (1024.0 * 1024.0)
    );
}

/// Runs the benchmark and prints the figures.
pub fn run(duration_s: f64, queue: QueueChoice) -> anyhow::Result<()> {
    anyhow::ensure!(
        duration_s > 0.0 && duration_s.is_finite(),
        "--duration-s must be greater than 0"
    );
    println!("10-target M/M/c (c = 4, rho = 0.8), one thread, {duration_s} s simulated");
    let main = measure::<BinaryHeapQueue<Event>>("binary_heap", duration_s);
    print(&main);
    if queue == QueueChoice::All {
        // Further queue implementations are compared here.
    }
    let long = measure::<BinaryHeapQueue<Event>>("binary_heap", duration_s * 10.0);
    print(&long);
    println!(
        "peak memory at 10x the duration: {:.1}% of the 1x peak",
        100.0 * long.peak_bytes as f64 / main.peak_bytes.max(1) as f64
    );
    Ok(())
}
