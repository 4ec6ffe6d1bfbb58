//! `simroute bench --whole-process`: the cost of a whole `simroute run` (load, simulate,
//! render, write every output) against a bare event loop of the same model, measured side by
//! side in one invocation, so the ratio holds whatever the machine's speed.
//!
//! The model is an M/M/4 queue: Poisson arrivals at 3.2/s, exponential service with mean 1 s
//! (ρ = 0.8), about 2 M customers in 625,000 simulated seconds, the scenario's default settings.
//! The whole process is `simroute run` in a child process (peak RSS and CPU time from the
//! kernel's accounting of the child); the bare loop runs here: a `BinaryHeap` of `(ns, seq)`,
//! xoshiro256++, exponential draws by inversion, an HDR histogram of the response times, no
//! model and no outputs. Both must give the M/M/4 mean response time of Erlang C, which the
//! bench checks, so neither side can be fast by doing less.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};
use hdrhistogram::Histogram;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::engine::rng::unit_f64;
use crate::math::queueing::mmc_mean_wait;
use crate::results::summary::{Leaf, Summary};

/// Servers of the M/M/c.
pub const SERVERS: u32 = 4;
/// Arrivals per second.
pub const LAMBDA: f64 = 3.2;
/// Mean service time, seconds (μ = 1/s, ρ = λ / (c μ) = 0.8).
pub const MEAN_SERVICE_S: f64 = 1.0;

/// The M/M/4 scenario file, `duration_s` simulated seconds, default settings otherwise except
/// one replication (`precision = 0`): the bare loop runs one, and the ratio compares the same
/// customers (the default precision rule would run several and count one).
pub fn scenario_toml(duration_s: f64) -> String {
    format!(
        r#"[simulation]
name = "bench-mm4"
duration_s = {duration_s}
precision = 0

[[traffic]]
name = "load"
rate_rps = {LAMBDA}
target_group = "app"

[target_groups.app]
targets = 1
app = {{ workers = {SERVERS}, queue_limit = "unbounded", service = {{ dist = "exponential", mean_ms = {} }} }}
"#,
        MEAN_SERVICE_S * 1e3
    )
}

/// Erlang C's mean response time (wait + service) of the M/M/4, ms.
pub fn theory_mean_ms() -> f64 {
    let mu = 1.0 / MEAN_SERVICE_S;
    (mmc_mean_wait(SERVERS, LAMBDA, mu) + MEAN_SERVICE_S) * 1e3
}

/// What the bare loop did.
#[derive(Debug, Clone)]
pub struct BareLoop {
    /// Customers served.
    pub customers: u64,
    /// CPU seconds of the thread (wall seconds where that clock is unavailable).
    pub cpu_s: f64,
    /// Mean response time, ms.
    pub mean_ms: f64,
    /// 99th percentile response time, ms.
    pub p99_ms: f64,
}

/// The bare M/M/c loop over `duration_s` simulated seconds. Events are `(ns, seq)` in a
/// binary heap; the event's meaning rides in the sequence number's payload table (arrival, or
/// the departure of a customer who arrived at a given time).
pub fn bare_loop(duration_s: f64, seed: u64) -> BareLoop {
    let cpu0 = super::thread_cpu_s();
    let wall0 = Instant::now();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let exp = |mean_s: f64, rng: &mut Xoshiro256PlusPlus| -> u64 {
        // 1 − u is in (0, 1]: ln is finite.
        (-(1.0 - unit_f64(rng)).ln() * mean_s * 1e9) as u64
    };
    let end = (duration_s * 1e9) as u64;
    // (time, seq, arrived): `arrived == u64::MAX` is an arrival, else a departure.
    let mut heap: BinaryHeap<Reverse<(u64, u64, u64)>> = BinaryHeap::new();
    let mut waiting: VecDeque<u64> = VecDeque::new();
    let mut hist = Histogram::<u64>::new_with_bounds(1_000, 3_600_000_000_000, 3).expect("bounds");
    let (mut seq, mut busy, mut served, mut sum_ns) = (0u64, 0u32, 0u64, 0u128);
    heap.push(Reverse((exp(1.0 / LAMBDA, &mut rng), 0, u64::MAX)));
    while let Some(Reverse((now, _, arrived))) = heap.pop() {
        if now >= end {
            break;
        }
        if arrived == u64::MAX {
            seq += 1;
            heap.push(Reverse((now + exp(1.0 / LAMBDA, &mut rng), seq, u64::MAX)));
            if busy < SERVERS {
                busy += 1;
                seq += 1;
                heap.push(Reverse((now + exp(MEAN_SERVICE_S, &mut rng), seq, now)));
            } else {
                waiting.push_back(now);
            }
        } else {
            let response = now - arrived;
            served += 1;
            sum_ns += u128::from(response);
            hist.saturating_record(response.max(1_000));
            if let Some(next) = waiting.pop_front() {
                seq += 1;
                heap.push(Reverse((now + exp(MEAN_SERVICE_S, &mut rng), seq, next)));
            } else {
                busy -= 1;
            }
        }
    }
    let wall = wall0.elapsed().as_secs_f64();
    let cpu_s = match (cpu0, super::thread_cpu_s()) {
        (Some(a), Some(b)) => b - a,
        _ => wall,
    };
    BareLoop {
        customers: served,
        cpu_s,
        mean_ms: sum_ns as f64 / served.max(1) as f64 / 1e6,
        p99_ms: hist.value_at_quantile(0.99) as f64 / 1e6,
    }
}

/// What the whole `simroute run` did.
#[derive(Debug, Clone)]
pub struct WholeRun {
    /// Customers answered in the measured window (`requests.completed`).
    pub customers: u64,
    /// CPU seconds of the child process (user + system).
    pub cpu_s: f64,
    /// Wall seconds of the child process.
    pub wall_s: f64,
    /// Peak resident set of the child process, bytes.
    pub peak_rss: u64,
    /// Mean response time from its `summary.json`, ms.
    pub mean_ms: f64,
    /// The time-series interval it used, from the rows of its `timeseries.csv`.
    pub timeseries_rows: usize,
}

/// CPU seconds and peak RSS (bytes) of the children waited for so far.
#[cfg(unix)]
fn children_usage() -> Option<(f64, u64)> {
    // SAFETY: an all-zero rusage is a valid value for the call to overwrite.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `u` is a valid, writable rusage.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut u) };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    // Linux reports ru_maxrss in KiB.
    (rc == 0).then(|| {
        (
            secs(u.ru_utime) + secs(u.ru_stime),
            u.ru_maxrss as u64 * 1024,
        )
    })
}

#[cfg(not(unix))]
fn children_usage() -> Option<(f64, u64)> {
    None
}

/// Runs `exe run` on the M/M/4 of `duration_s` simulated seconds in a scratch folder.
pub fn whole_run(exe: &Path, duration_s: f64) -> anyhow::Result<WholeRun> {
    let dir = std::env::temp_dir().join(format!("simroute-bench-mm4-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let result = (|| {
        let file = dir.join("mm4.toml");
        std::fs::write(&file, scenario_toml(duration_s))?;
        let out = dir.join("out");
        let before = children_usage().unwrap_or((0.0, 0));
        let started = Instant::now();
        let status = Command::new(exe)
            .arg("run")
            .arg(&file)
            .arg("--quiet")
            .arg("--out")
            .arg(&out)
            .stdout(std::process::Stdio::null())
            .status()
            .with_context(|| format!("starting {}", exe.display()))?;
        let wall_s = started.elapsed().as_secs_f64();
        if !status.success() {
            bail!("simroute run on the M/M/4 failed: {status}");
        }
        let (cpu, rss) = children_usage().unwrap_or((wall_s, 0));
        let summary: Summary = serde_json::from_slice(&std::fs::read(out.join("summary.json"))?)
            .context("reading the run's summary.json")?;
        let rows = std::fs::read(out.join("timeseries.csv"))?
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            .saturating_sub(1);
        let t = &summary.figures.traffic;
        Ok(WholeRun {
            customers: t.requests.completed.value().unwrap_or(0.0) as u64,
            cpu_s: cpu - before.0,
            wall_s,
            peak_rss: rss,
            mean_ms: t.latency_ms.mean.unwrap_or(f64::NAN),
            timeseries_rows: rows,
        })
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// Runs both sides and prints the ratio; fails if either misses Erlang C's mean by more than
/// 3% (over 2 M customers the sampling error is well under 1%).
pub fn run(exe: &Path, duration_s: f64) -> anyhow::Result<()> {
    let theory = theory_mean_ms();
    println!(
        "simroute bench --whole-process: M/M/{SERVERS} (λ = {LAMBDA}/s, mean service {MEAN_SERVICE_S} s, ρ = 0.8), \
         {duration_s} s simulated, default settings, every output written"
    );
    let bare = bare_loop(duration_s, 1);
    let whole = whole_run(exe, duration_s)?;
    for (what, mean) in [("bare loop", bare.mean_ms), ("simroute run", whole.mean_ms)] {
        let off = (mean / theory - 1.0).abs();
        anyhow::ensure!(
            off < 0.03,
            "{what}: mean response {mean:.1} ms is {:.1}% from Erlang C's {theory:.1} ms",
            off * 100.0
        );
    }
    let bare_rate = bare.customers as f64 / bare.cpu_s;
    let whole_rate = whole.customers as f64 / whole.cpu_s;
    println!(
        "  bare loop     {:>9} customers  {:>7.3} s CPU  {:>6.2} M customers/s  mean {:.1} ms  p99 {:.1} ms",
        bare.customers,
        bare.cpu_s,
        bare_rate / 1e6,
        bare.mean_ms,
        bare.p99_ms
    );
    println!(
        "  simroute run  {:>9} customers  {:>7.3} s CPU  {:>6.2} M customers/s  mean {:.1} ms  ({:.2} s wall, {} time-series rows)",
        whole.customers,
        whole.cpu_s,
        whole_rate / 1e6,
        whole.mean_ms,
        whole.wall_s,
        whole.timeseries_rows
    );
    println!("  Erlang C mean response {theory:.1} ms: both within 3%");
    println!(
        "  whole process at {:.1}% of the bare loop's rate, peak RSS {:.1} MiB",
        100.0 * whole_rate / bare_rate,
        whole.peak_rss as f64 / (1024.0 * 1024.0)
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bare_loop_is_an_mm4() {
        let b = bare_loop(20_000.0, 3);
        // About λ·T customers, and Erlang C's mean within sampling error (64 000 customers).
        assert!((b.customers as f64 / (LAMBDA * 20_000.0) - 1.0).abs() < 0.02);
        let off = b.mean_ms / theory_mean_ms() - 1.0;
        assert!(off.abs() < 0.05, "{} vs {}", b.mean_ms, theory_mean_ms());
    }

    #[test]
    fn the_scenario_loads_with_default_settings() {
        let (sc, _) = crate::scenario::load_str(&scenario_toml(625_000.0), Path::new("."), &[])
            .expect("valid");
        assert_eq!((sc.replications, sc.precision), (1, 0.0));
        assert_eq!(sc.groups[0].targets, 1);
    }
}
