//! `simroute bench`: the engine's speed and memory on a fixed scenario, one thread.
//!
//! The scenario is a 10-target M/M/c group (4 workers per target, 10 ms exponential service,
//! Poisson arrivals at ρ = 0.8, round robin). `simroute bench` runs it over the simulator's
//! calendar queue; `cargo bench --bench engine` also over the comparison queues of
//! `benches/queues/`, each running the same replication (same seed, so the same events),
//! `repeat` times, interleaved so that a noisy moment on a shared machine hits every queue
//! alike; the best run counts. The queues must agree on every figure of the run, which the
//! benchmark checks.
//!
//! Peak heap memory comes from a counting global allocator (installed by the binary and the
//! `cargo bench` targets), measured with the simulator's own queue at two durations, 1× and 10×,
//! to show whether it grows with simulated time. It is measured twice: as the scenario is (1 s
//! time-series buckets: one row per bucket is kept for `timeseries.csv`, so that part grows with
//! the duration by design), and with a single time-series bucket, which leaves the memory of the
//! engine and the streaming statistics alone.

pub mod fingerprint;
pub mod scaling;
pub mod whole_process;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use crate::results::summary;
use crate::scenario::{self, Scenario};
use crate::sim::{self, RunOutput};
use crate::stats::timeseries::Keep;

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

/// An event queue to measure: its name and the simulator run over it.
#[derive(Debug, Clone, Copy)]
pub struct Contender {
    /// The name shown in the output.
    pub name: &'static str,
    /// Runs replication 0 of a scenario over this queue, exactly as `simroute run` runs it
    /// (time-series rows spilled to disk).
    pub run: fn(&Scenario) -> RunOutput,
}

/// Runs `sc` once (replication 0) over the simulator's own queue. Never inlined, so that
/// profilers have a stable name to start from: `valgrind --tool=callgrind
/// --toggle-collect='simroute::bench::run_calendar' simroute bench ...`.
#[inline(never)]
pub fn run_calendar(sc: &Scenario) -> RunOutput {
    sim::run_keeping(sc, 0, None, Keep::Spill)
}

/// The simulator's own queue, the calendar queue: what `simroute bench` measures. The other
/// queues it was chosen against live in `benches/queues/` and are measured by `cargo bench`.
pub const CALENDAR: Contender = Contender {
    name: "calendar",
    run: run_calendar,
};

/// The benchmark scenario, `duration_s` simulated seconds long, with time-series buckets
/// `interval_s` wide (the scenario default, 1 s, when `None`).
pub fn scenario(duration_s: f64, interval_s: Option<f64>) -> Scenario {
    let interval = interval_s.map_or(String::new(), |s| format!("timeseries_interval_s = {s}"));
    let text = format!(
        r#"
[simulation]
name = "bench-mmc"
seed = 1
duration_s = {duration_s}
{interval}

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

/// One timed run.
#[derive(Debug, Clone)]
pub struct Measurement {
    /// Queue name.
    pub queue: &'static str,
    /// Simulated seconds.
    pub simulated_s: f64,
    /// Wall-clock seconds.
    pub wall_s: f64,
    /// CPU seconds of the running thread (wall-clock seconds where that clock is unavailable).
    pub cpu_s: f64,
    /// Events processed.
    pub events: u64,
    /// Requests simulated.
    pub requests: u64,
    /// Peak heap bytes during the run.
    pub peak_bytes: usize,
}

impl Measurement {
    /// Events per CPU second.
    pub fn events_per_s(&self) -> f64 {
        self.events as f64 / self.cpu_s
    }

    /// Simulated requests per CPU second.
    pub fn requests_per_s(&self) -> f64 {
        self.requests as f64 / self.cpu_s
    }

    /// Events per wall-clock second.
    pub fn events_per_wall_s(&self) -> f64 {
        self.events as f64 / self.wall_s
    }
}

/// CPU time consumed by the calling thread, seconds. On a machine shared with other work the
/// wall clock also counts the time the thread waited for a core; this clock does not.
#[cfg(unix)]
fn thread_cpu_s() -> Option<f64> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the call only writes into it.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    (rc == 0).then_some(ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9)
}

#[cfg(not(unix))]
fn thread_cpu_s() -> Option<f64> {
    None
}

/// Runs `sc` once over `queue`, timing it and tracking its peak heap; also returns the run.
fn measure_once(queue: Contender, sc: &Scenario, duration_s: f64) -> (Measurement, RunOutput) {
    reset_peak();
    let cpu_started = thread_cpu_s();
    let started = Instant::now();
    let out = (queue.run)(sc);
    let wall_s = started.elapsed().as_secs_f64();
    let cpu_s = match (cpu_started, thread_cpu_s()) {
        (Some(a), Some(b)) => b - a,
        _ => wall_s,
    };
    let m = Measurement {
        queue: queue.name,
        simulated_s: duration_s,
        wall_s,
        cpu_s,
        events: out.events,
        requests: out.arrivals,
        peak_bytes: peak_bytes(),
    };
    (m, out)
}

/// What `repeat` runs of one queue gave.
#[derive(Debug, Clone)]
pub struct QueueResult {
    /// The run with the least CPU time.
    pub best: Measurement,
    /// Median events per CPU second.
    pub median_events_per_s: f64,
    /// Best events per wall-clock second.
    pub best_events_per_wall_s: f64,
}

/// `repeat` runs of each queue, interleaved across queues, and the hash of the first run's
/// figures ([`fingerprint::of_run`]). Panics if two queues disagree on any figure of the run:
/// the queues must be interchangeable.
pub fn measure(queues: &[Contender], duration_s: f64, repeat: u32) -> (Vec<QueueResult>, u64) {
    let sc = scenario(duration_s, None);
    let mut runs: Vec<Vec<Measurement>> = vec![Vec::new(); queues.len()];
    let mut reference: Option<(&'static str, u64, summary::Figures<summary::Count>)> = None;
    let mut hash = 0;
    for round in 0..repeat.max(1) {
        for (i, &q) in queues.iter().enumerate() {
            let (m, out) = measure_once(q, &sc, duration_s);
            if round == 0 {
                if i == 0 {
                    hash = fingerprint::of_run(&sc, &out);
                }
                let figures = summary::figures(&sc, &out.recorder);
                match &reference {
                    None => reference = Some((q.name, out.events, figures)),
                    Some((name, events, expected)) => assert!(
                        out.events == *events && figures == *expected,
                        "{} and {name} disagree on the same run",
                        q.name
                    ),
                }
            }
            drop(out);
            runs[i].push(m);
        }
    }
    let results = runs
        .into_iter()
        .map(|mut ms| {
            let best_events_per_wall_s = ms
                .iter()
                .map(Measurement::events_per_wall_s)
                .fold(0.0, f64::max);
            ms.sort_by(|a, b| a.cpu_s.total_cmp(&b.cpu_s));
            let median_events_per_s = ms[ms.len() / 2].events_per_s();
            QueueResult {
                best: ms.swap_remove(0),
                median_events_per_s,
                best_events_per_wall_s,
            }
        })
        .collect();
    (results, hash)
}

/// The full request path of `scenarios/storage-service.toml` (gateway, Cognito authorizer with
/// its cache, throttling, VPC link, NLB port listeners, nginx sidecar, app with its DynamoDB
/// dependency, retries), both target groups at 10 targets and the traffic scaled to match
/// (about 670 requests/s), `duration_s` simulated seconds, one replication.
pub fn full_path_scenario(duration_s: f64) -> Scenario {
    let text = include_str!("../scenarios/storage-service.toml");
    let set = |k: &str, v: String| scenario::Override {
        path: k.to_string(),
        value: v,
    };
    let overrides = [
        set("simulation.duration_s", duration_s.to_string()),
        set("simulation.warmup_s", "0".into()),
        set("simulation.replications", "1".into()),
        set("target_groups.bags.targets", "10".into()),
        set("target_groups.ingests.targets", "10".into()),
        set("traffic.0.rate_rps", "500".into()),
        set("traffic.1.rate_rps", "35".into()),
        set("traffic.2.rate_rps", "135".into()),
    ];
    scenario::load_str(text, std::path::Path::new("scenarios"), &overrides)
        .expect("the shipped storage-service scenario is valid")
        .0
}

/// What the full path's benchmark measured.
#[derive(Debug, Clone)]
pub struct FullPath {
    /// The run with the least CPU time.
    pub best: Measurement,
    /// Peak heap of a run 10 times longer.
    pub long_peak: usize,
    /// The hash of the first run's figures ([`fingerprint::of_run`]).
    pub hash: u64,
}

/// Best of `repeat` runs of the full path on the simulator's queue, and the peak heap of a run
/// 10 times longer.
pub fn measure_full_path(duration_s: f64, repeat: u32) -> FullPath {
    let sc = full_path_scenario(duration_s);
    let mut hash = 0;
    let best = (0..repeat.max(1))
        .map(|round| {
            let (m, out) = measure_once(CALENDAR, &sc, duration_s);
            if round == 0 {
                hash = fingerprint::of_run(&sc, &out);
            }
            m
        })
        .min_by(|a, b| a.cpu_s.total_cmp(&b.cpu_s))
        .expect("at least one run");
    let long = full_path_scenario(duration_s * 10.0);
    reset_peak();
    drop(sim::run_keeping(&long, 0, None, Keep::Spill));
    FullPath {
        best,
        long_peak: peak_bytes(),
        hash,
    }
}

/// Peak heap bytes of one run of the simulator's own queue (`sim::run`).
pub fn peak_of_run(duration_s: f64, interval_s: Option<f64>) -> usize {
    let sc = scenario(duration_s, interval_s);
    reset_peak();
    // Exactly as `simroute run` runs replication 0: rows spilled to disk as they close.
    let out = sim::run_keeping(&sc, 0, None, Keep::Spill);
    let peak = peak_bytes();
    drop(out);
    peak
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Runs the benchmark and prints the figures.
pub fn run(duration_s: f64, queues: &[Contender], repeat: u32) -> anyhow::Result<()> {
    anyhow::ensure!(
        duration_s > 0.0 && duration_s.is_finite(),
        "--duration-s must be greater than 0"
    );
    anyhow::ensure!(repeat >= 1, "--repeat must be at least 1");
    println!(
        "simroute bench: 10-target M/M/c (c = 4, rho = 0.8, round robin), {duration_s} s simulated, \
         one thread, best of {repeat}"
    );
    println!(
        "rates per second of the thread's CPU time (steady when the machine is shared); \
         wall clock alongside"
    );
    println!();
    println!(
        "{:<16} {:>10} {:>10} {:>11} {:>9} {:>13} {:>16} {:>11}",
        "queue",
        "events",
        "requests",
        "M events/s",
        "(median)",
        "M requests/s",
        "wall M events/s",
        "peak heap"
    );
    let (results, mmc_hash) = measure(queues, duration_s, repeat);
    for r in &results {
        let m = &r.best;
        println!(
            "{:<16} {:>10} {:>10} {:>11.2} {:>9.2} {:>13.2} {:>16.2} {:>7.2} MiB",
            m.queue,
            m.events,
            m.requests,
            m.events_per_s() / 1e6,
            r.median_events_per_s / 1e6,
            m.requests_per_s() / 1e6,
            r.best_events_per_wall_s / 1e6,
            mib(m.peak_bytes)
        );
    }
    if results.len() > 1 {
        let best = results
            .iter()
            .max_by(|a, b| a.best.events_per_s().total_cmp(&b.best.events_per_s()))
            .expect("at least one");
        println!(
            "every queue gave the same events and figures; fastest: {}",
            best.best.queue
        );
    }

    println!();
    let path = measure_full_path(duration_s, repeat);
    let full = &path.best;
    // The bare M/M/4 loop of `--whole-process`, run here beside it over as many customers as
    // the full path had requests, best of the same number of runs: the ratio holds whatever
    // the machine's speed.
    let bare_s = full.requests as f64 / whole_process::LAMBDA;
    let bare = (0..repeat.max(1))
        .map(|i| whole_process::bare_loop(bare_s, u64::from(i) + 1))
        .min_by(|a, b| a.cpu_s.total_cmp(&b.cpu_s))
        .expect("at least one run");
    let bare_rate = bare.customers as f64 / bare.cpu_s;
    println!(
        "full path of storage-service.toml at 10 targets per group ({duration_s} s simulated, best of {repeat}):"
    );
    println!(
        "  {:.2} M requests/s  {:.2} M events/s  {:.2} events per request  peak heap {:.2} MiB (10x longer: {:.2} MiB = {:.1}%)",
        full.requests_per_s() / 1e6,
        full.events_per_s() / 1e6,
        full.events as f64 / full.requests.max(1) as f64,
        mib(full.peak_bytes),
        mib(path.long_peak),
        100.0 * path.long_peak as f64 / full.peak_bytes.max(1) as f64
    );
    println!(
        "  bare M/M/4 loop beside it: {:.2} M customers/s; the full path at {:.1}% of its rate",
        bare_rate / 1e6,
        100.0 * full.requests_per_s() / bare_rate
    );
    println!(
        "{}",
        fingerprint::check(fingerprint::Config::MMc, duration_s, mmc_hash)?
    );
    println!(
        "{}",
        fingerprint::check(fingerprint::Config::FullPath, duration_s, path.hash)?
    );

    println!(
        "peak heap, simulator's queue, {duration_s} s vs {} s simulated:",
        duration_s * 10.0
    );
    for (label, one_bucket) in [
        ("1 s time-series buckets", false),
        ("one time-series bucket", true),
    ] {
        let interval = |d: f64| one_bucket.then_some(d);
        let short = peak_of_run(duration_s, interval(duration_s));
        let long = peak_of_run(duration_s * 10.0, interval(duration_s * 10.0));
        println!(
            "  {label:<24} {:>7.2} MiB -> {:>7.2} MiB = {:>6.1}% of the 1x peak",
            mib(short),
            mib(long),
            100.0 * long as f64 / short.max(1) as f64
        );
    }
    Ok(())
}
