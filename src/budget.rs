//! Refuses work that cannot finish, before any of it starts.
//!
//! From the resolved [`Scenario`] alone (no allocation proportional to what was asked for) this
//! estimates what a run, sweep, comparison or plan will do: the requests and events (the rate
//! profile integrated over the duration, times replications and points), the peak memory (per
//! target, per keep-alive connection and credential, per request in flight, per replication
//! held for the merge, the time series read back) and the disk the time-series spill and CSV
//! take. Above the [`Limits`] the command exits 2 with a message naming the fields, the estimate
//! and the limit; `--max-events` raises the event budget and `--force` lifts every limit.
//!
//! The per-item sizes are measurements of this build, rounded up (see each constant), not
//! exact accounting: the estimate is there to refuse work off by orders of magnitude (1e12
//! requests/s, a million replications), and is printed on long runs.

use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::engine::Nanos;
use crate::scenario::{AlbAction, Scenario, SourcePath};
use crate::vocab::Failure;

/// Bytes per target (task) of a running replication: its state, its stages and per-target
/// statistics. Measured: `mmc.toml` with 100,000 targets peaks at 218 MB (2.2 KB each).
pub const BYTES_PER_TARGET: f64 = 2_300.0;
/// Bytes a finished replication holds until the merge (figures, latency histogram).
/// Measured: 2,000 replications of `mmc.toml` peak at 380 MB (190 KB each).
pub const BYTES_PER_REPLICATION: f64 = 200_000.0;
/// Bytes per request in flight (slab entry, queue place, timers, pending events). Measured:
/// a queue of 16.8 million requests took 2.2 GB (131 B each).
pub const BYTES_PER_PENDING: f64 = 160.0;
/// Bytes per keep-alive connection and per distinct credential (authorizer cache entry).
pub const BYTES_PER_CONNECTION: f64 = 64.0;
/// Bytes of a resolved scenario held per sweep point, beyond its targets' service factors.
pub const BYTES_PER_POINT: f64 = 16_384.0;
/// The process itself: code, fonts, rendering buffers.
pub const BASE_BYTES: f64 = 64.0 * 1024.0 * 1024.0;
/// The default event budget: about an hour of simulation on one core of this engine
/// (`simroute bench`: 15 to 30 M events/s).
pub const DEFAULT_MAX_EVENTS: f64 = 5e10;

/// What a command may do before it is refused.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Events over every replication and point.
    pub max_events: f64,
    /// Peak resident memory, bytes: half the machine's RAM.
    pub max_memory: f64,
    /// Disk for the time-series spill and the output folder, bytes: the free space where the
    /// output goes.
    pub max_disk: f64,
}

impl Limits {
    /// The machine's limits for output under `out`, the event budget set to `max_events` and
    /// the memory bound to `max_memory` bytes when given.
    pub fn machine(max_events: Option<u64>, max_memory: Option<f64>, out: &Path) -> Limits {
        Limits {
            max_events: max_events.map_or(DEFAULT_MAX_EVENTS, |n| n as f64),
            max_memory: max_memory.unwrap_or_else(|| physical_memory() / 2.0),
            max_disk: free_disk(out),
        }
    }

    /// No limit at all (`--force`).
    pub fn none() -> Limits {
        Limits {
            max_events: f64::INFINITY,
            max_memory: f64::INFINITY,
            max_disk: f64::INFINITY,
        }
    }
}

/// The machine's RAM in bytes (4 GiB when it cannot be read).
pub fn physical_memory() -> f64 {
    #[cfg(unix)]
    {
        // SAFETY: sysconf only reads system configuration.
        let (pages, size) = unsafe {
            (
                libc::sysconf(libc::_SC_PHYS_PAGES),
                libc::sysconf(libc::_SC_PAGESIZE),
            )
        };
        if pages > 0 && size > 0 {
            return pages as f64 * size as f64;
        }
    }
    4.0 * 1024.0 * 1024.0 * 1024.0
}

/// Free bytes on the file system that holds `path` (its nearest existing ancestor); infinite
/// when it cannot be read.
pub fn free_disk(path: &Path) -> f64 {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let mut p = if path.as_os_str().is_empty() {
            Path::new(".")
        } else {
            path
        };
        while !p.exists() {
            match p.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => p = parent,
                _ => {
                    p = Path::new(".");
                    break;
                }
            }
        }
        let Ok(c) = std::ffi::CString::new(p.as_os_str().as_bytes()) else {
            return f64::INFINITY;
        };
        // SAFETY: `stat` is a plain C struct that statvfs fills in; `c` is NUL-terminated.
        let mut stat: libc::statvfs = unsafe { std::mem::zeroed() };
        if unsafe { libc::statvfs(c.as_ptr(), &mut stat) } == 0 {
            return stat.f_bavail as f64 * stat.f_frsize as f64;
        }
    }
    f64::INFINITY
}

/// How many times a scenario is run and with what changed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shape {
    /// Runs of the scenario (sweep points, plan evaluations); 1 for `run`.
    pub runs: f64,
    /// Threads replications run on at once.
    pub threads: usize,
    /// A group's task count to assume instead of its own (the planner's largest count).
    pub group_targets: Option<(usize, u32)>,
}

impl Shape {
    /// One run on `threads` threads.
    pub fn once(threads: usize) -> Shape {
        Shape {
            runs: 1.0,
            threads,
            group_targets: None,
        }
    }
}

/// A group whose queue grows without bound.
#[derive(Debug, Clone, PartialEq)]
pub struct Unstable {
    /// The group's name.
    pub group: String,
    /// Offered requests/s, averaged over the run.
    pub offered_rps: f64,
    /// Requests/s its tasks can serve.
    pub capacity_rps: f64,
    /// Requests queued by the end of one replication.
    pub backlog: f64,
}

/// What a command will do.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// Requests over every replication and run.
    pub requests: f64,
    /// Events over every replication and run.
    pub events: f64,
    /// Peak memory, bytes.
    pub memory: f64,
    /// Disk, bytes.
    pub disk: f64,
    /// Time-series rows of one replication.
    pub rows: f64,
    /// The heaviest source: index, name, requests/s averaged over the run.
    pub heaviest: Option<(usize, String, f64)>,
    /// Groups offered more than they can serve with an unbounded queue.
    pub unstable: Vec<Unstable>,
    /// Requests/s offered to each target group (attempts, averaged over the run).
    pub offered: Vec<f64>,
    /// Attempts in flight in one replication (the backlog of unstable queues included).
    pub in_flight: f64,
    /// Replications that run at once.
    pub concurrent: f64,
}

/// The target group a source's requests reach, if any.
fn group_of(sc: &Scenario, source: usize) -> Option<usize> {
    let s = &sc.sources[source];
    if let Some(alb) = &s.alb {
        return match alb.action {
            AlbAction::Forward { group } => Some(group as usize),
            AlbAction::Respond { .. } => None,
        };
    }
    match s.path {
        SourcePath::Direct { group } => Some(group as usize),
        SourcePath::Gateway { route: Some(r) } => sc
            .gateway
            .as_ref()
            .map(|gw| gw.routes[r as usize].group as usize),
        SourcePath::Gateway { route: None } => None,
    }
}

fn targets_of(sc: &Scenario, shape: &Shape, g: usize) -> f64 {
    let group = &sc.groups[g];
    let own = match shape.group_targets {
        Some((gi, n)) if gi == g => n,
        _ => group.targets,
    };
    let most = group
        .autoscaling
        .as_ref()
        .map_or(own, |a| a.max_tasks.max(own));
    // Targets only grow: a deployment starts a replacement for each task.
    f64::from(most) * if sc.deployments.is_empty() { 1.0 } else { 2.0 }
}

/// Estimates a scenario's work under `shape`.
pub fn estimate(sc: &Scenario, shape: &Shape) -> Estimate {
    let secs = crate::engine::time::to_secs(sc.duration);
    let reps = f64::from(sc.replications);
    let runs = shape.runs * reps;
    let mut requests = 0.0;
    let mut events = 0.0;
    let mut offered = vec![0.0; sc.groups.len()];
    let mut heaviest: Option<(usize, String, f64)> = None;
    let mut in_flight = 0.0;
    let mut connections = f64::from(sc.credentials);
    for (i, s) in sc.sources.iter().enumerate() {
        let n = s.profile.expected_arrivals(0.0, secs).max(0.0);
        let attempts = s.retries.as_ref().map_or(1.0, |_| 1.5);
        let group = group_of(sc, i);
        let hops = 2.0
            + f64::from(u8::from(sc.gateway.is_some()))
            + f64::from(u8::from(
                group.is_some_and(|g| sc.groups[g].sidecar.is_some()),
            ));
        requests += n;
        events += n * attempts * hops;
        connections += f64::from(s.connections);
        let rate = n / secs.max(1e-9);
        if let Some(g) = group {
            offered[g] += rate * attempts;
        }
        // Little's law with the client's patience (or a second) as the time in system.
        let patience = s.timeout.map_or(1.0, crate::engine::time::to_secs);
        in_flight += s.profile.peak() * attempts * patience.min(secs);
        if heaviest.as_ref().is_none_or(|h| rate > h.2) {
            heaviest = Some((i, s.name.clone(), rate));
        }
    }
    let mut targets = 0.0;
    let mut unstable = Vec::new();
    for (g, group) in sc.groups.iter().enumerate() {
        let n = targets_of(sc, shape, g);
        targets += n;
        if let Some(hc) = &group.health_check {
            let rounds = secs / crate::engine::time::to_secs(hc.interval).max(1e-9);
            events += n * rounds * f64::from(hc.nodes.max(1)) * 2.0;
        }
        let service_s = group.app.service.mean_ms() / 1000.0;
        let capacity = f64::from(group.targets) * f64::from(group.app.workers) / service_s;
        if group.app.queue_limit == u32::MAX && offered[g] >= capacity && capacity.is_finite() {
            let backlog = (offered[g] - capacity) * secs;
            in_flight += backlog;
            unstable.push(Unstable {
                group: group.name.clone(),
                offered_rps: offered[g],
                capacity_rps: capacity,
                backlog,
            });
        }
    }
    let rows = secs / crate::engine::time::to_secs(sc.interval).max(1e-12);
    events += rows;
    let row_bytes = 64.0 + 4.0 * Failure::COUNT as f64 + 24.0 * sc.groups.len() as f64;
    let factors: f64 = targets * 8.0;
    let per_replication = targets * BYTES_PER_TARGET
        + connections * BYTES_PER_CONNECTION
        + in_flight * BYTES_PER_PENDING;
    // Replications that may run at once: a precision target runs at least two, and batches
    // up to max_replications.
    let most = if sc.precision > 0.0 {
        sc.max_replications.max(sc.replications).max(2)
    } else {
        sc.replications
    };
    let concurrent = (shape.threads.max(1) as f64).min((shape.runs * f64::from(most)).max(1.0));
    // Replication 0's series is read back and rendered as CSV in memory, once per run.
    let series = rows * row_bytes * 4.0;
    let memory = BASE_BYTES
        + per_replication * concurrent
        + runs * BYTES_PER_REPLICATION
        + shape.runs * (BYTES_PER_POINT + factors + series);
    let disk = shape.runs * rows * row_bytes * 4.0;
    Estimate {
        requests: requests * runs,
        events: events * runs,
        memory,
        disk,
        rows,
        heaviest,
        unstable,
        offered,
        in_flight,
        concurrent,
    }
}

/// A number for a message: `3.2e14`, or plain below a million.
pub fn num(x: f64) -> String {
    if x.abs() < 1e6 {
        format!("{}", x.round())
    } else {
        format!("{x:.1e}")
    }
}

/// Bytes for a message, in MiB or GiB.
pub fn bytes(b: f64) -> String {
    if !b.is_finite() {
        "unbounded".into()
    } else if b >= 1024.0 * 1024.0 * 1024.0 {
        let gib = b / (1024.0 * 1024.0 * 1024.0);
        if gib < 1e4 {
            format!("{gib:.1} GiB")
        } else {
            format!("{} GiB", num(gib))
        }
    } else {
        format!("{:.0} MiB", b / (1024.0 * 1024.0))
    }
}

/// Checks an estimate against the limits. `runs` names what multiplies the scenario (`None`
/// for a single run, else e.g. "100000000 sweep points (--vary)"). The error names the fields
/// behind the estimate and the limit that refused it.
pub fn check(
    sc: &Scenario,
    est: &Estimate,
    limits: &Limits,
    runs: Option<&str>,
) -> Result<(), String> {
    let times = runs.map_or(String::new(), |r| format!(" × {r}"));
    let lift = "lower them, or lift the limit with --force";
    let factors = || {
        let (rate_field, rate) = est.heaviest.as_ref().map_or_else(
            || ("traffic".to_string(), 0.0),
            |(i, name, r)| (format!("traffic.{i} ({name:?}) rate_rps"), *r),
        );
        format!(
            "{} requests/s ({rate_field}) × simulation.duration_s = {} × simulation.replications = {}{times}",
            num(rate),
            crate::engine::time::to_secs(sc.duration),
            sc.replications
        )
    };
    if est.events > limits.max_events {
        return Err(format!(
            "refused: about {} events ({} requests) from {}, above the event budget of {}; {lift} \
             or raise it with --max-events N",
            num(est.events),
            num(est.requests),
            factors(),
            num(limits.max_events)
        ));
    }
    for u in &est.unstable {
        let memory = u.backlog * BYTES_PER_PENDING;
        if memory > limits.max_memory {
            return Err(format!(
                "unstable (offered load ≥ capacity): target group {:?} is offered {} requests/s \
                 against a capacity of {} (targets × workers / mean service time) with \
                 target_groups.{}.app.queue_limit = \"unbounded\"; its queue would grow to about \
                 {} requests ({}) in simulation.duration_s = {}, above the memory bound of {}; \
                 bound the queue, add capacity, or lift the limit with --force",
                u.group,
                num(u.offered_rps),
                num(u.capacity_rps),
                u.group,
                num(u.backlog),
                bytes(memory),
                crate::engine::time::to_secs(sc.duration),
                bytes(limits.max_memory)
            ));
        }
    }
    if est.memory > limits.max_memory {
        let targets: u64 = sc.groups.iter().map(|g| u64::from(g.targets)).sum();
        return Err(format!(
            "refused: about {} of memory (targets = {targets} over target_groups.*.targets, \
             simulation.replications = {}{times}, time-series rows = {} from \
             simulation.timeseries_interval_s), above the memory bound of {} (half the \
             machine's RAM); {lift}",
            bytes(est.memory),
            sc.replications,
            num(est.rows),
            bytes(limits.max_memory)
        ));
    }
    if est.disk > limits.max_disk {
        return Err(format!(
            "refused: the time series would take about {} on disk ({} rows of \
             simulation.timeseries_interval_s = {} over simulation.duration_s = {}{times}), \
             above the {} free where the output goes; {lift}",
            bytes(est.disk),
            num(est.rows),
            crate::engine::time::to_secs(sc.interval),
            crate::engine::time::to_secs(sc.duration),
            bytes(limits.max_disk)
        ));
    }
    Ok(())
}

/// Most attempts one replication may hold at once; [`u32::MAX`] (no bound) unless a command
/// set it from its limits with [`set_live_bound`]. Read once per replication, when its world
/// is built, so the bound costs the event loop nothing but a comparison when the attempt slab
/// grows.
static LIVE_BOUND: AtomicU32 = AtomicU32::new(u32::MAX);

/// Sets the bound on live attempts per replication (see [`live_bound_for`]).
pub fn set_live_bound(n: u32) {
    LIVE_BOUND.store(n, Ordering::Relaxed);
}

/// The bound on live attempts per replication in force now.
pub fn live_bound() -> u32 {
    LIVE_BOUND.load(Ordering::Relaxed)
}

/// Fewest attempts the bound allows, whatever the memory left: a scenario's own in-flight work
/// (checks, a burst) is never what stops it.
pub const MIN_LIVE_BOUND: u32 = 65_536;

/// The live attempts one replication may hold: the memory bound less what the estimate puts
/// elsewhere (targets, connections, finished replications, the time series), shared by the
/// replications running at once, at [`BYTES_PER_PENDING`] each. Unbounded when the memory is.
pub fn live_bound_for(est: &Estimate, limits: &Limits) -> u32 {
    if !limits.max_memory.is_finite() {
        return u32::MAX;
    }
    let elsewhere = est.memory - est.in_flight * BYTES_PER_PENDING * est.concurrent;
    let share = (limits.max_memory - elsewhere) / est.concurrent.max(1.0) / BYTES_PER_PENDING;
    share.clamp(f64::from(MIN_LIVE_BOUND), f64::from(u32::MAX)) as u32
}

/// A replication stopped because its live attempts reached the bound: what it saw then.
#[derive(Debug, Clone, PartialEq)]
pub struct Overflow {
    /// Simulated time of the stop.
    pub at: Nanos,
    /// The replication.
    pub replication: u32,
    /// Attempts alive.
    pub live: usize,
    /// The target group with the most attempts queued at its apps, and how many.
    pub group: Option<(usize, u64)>,
    /// That group's capacity at the stop, requests/s: its running tasks (not crashed or hung)
    /// × workers / mean service time (slowed by a fault).
    pub capacity_rps: f64,
}

/// The message of a run stopped by [`Overflow`], with the bound it reached.
pub fn overflow_message(sc: &Scenario, ov: &Overflow, bound: u32) -> String {
    let t = crate::engine::time::to_secs(ov.at);
    let bound_text = format!(
        "the bound of {} live attempts ({} at {BYTES_PER_PENDING} B each, from the memory bound: half the machine's RAM or --max-memory)",
        num(f64::from(bound)),
        bytes(f64::from(bound) * BYTES_PER_PENDING)
    );
    let Some((g, queued)) = ov.group.filter(|(_, q)| *q > 0) else {
        return format!(
            "stopped: replication {} of {:?} held {} attempts in flight at t = {t:.1} s, reaching {bound_text}; nothing was written; shorten the client timeouts or the retries, or lift the limit with --force",
            ov.replication,
            sc.name,
            num(ov.live as f64)
        );
    };
    let group = &sc.groups[g];
    let offered = estimate(sc, &Shape::once(1)).offered[g];
    let queue = if group.app.queue_limit == u32::MAX {
        "\"unbounded\"".to_string()
    } else {
        group.app.queue_limit.to_string()
    };
    format!(
        "unstable (offered load ≥ capacity): target group {:?} is offered {} requests/s against a capacity of {} at t = {t:.1} s (running tasks × workers / mean service time) with target_groups.{}.app.queue_limit = {queue}; replication {} was stopped there with {} attempts queued at its apps and {} alive in all, reaching {bound_text}; nothing was written; bound the queue, add capacity, or lift the limit with --force",
        group.name,
        num(offered),
        num(ov.capacity_rps),
        group.name,
        ov.replication,
        num(queued as f64),
        num(ov.live as f64),
    )
}

/// A size in bytes for `--max-memory`: a number with an optional unit, `KiB`, `MiB`, `GiB`,
/// `TiB` (or `K`, `M`, `G`, `T`, powers of 1024) or `B`.
pub fn parse_size(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == 'e' || c == 'E'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let scale = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kib" => 1024.0,
        "m" | "mib" => 1024.0 * 1024.0,
        "g" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        other => {
            return Err(format!(
                "unknown unit {other:?} in {text:?} (use MiB or GiB)"
            ));
        }
    };
    match number.parse::<f64>() {
        Ok(n) if n.is_finite() && n > 0.0 => Ok(n * scale),
        _ => Err(format!(
            "{text:?} is not a positive size (e.g. 512MiB, 2GiB)"
        )),
    }
}

/// `--threads` capped at the machine's cores, with a warning when it asked for more.
pub fn threads(asked: Option<usize>, quiet: bool) -> Option<usize> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    match asked {
        Some(n) if n > cores => {
            if !quiet {
                eprintln!("warning: --threads {n} is more than the {cores} cores; using {cores}");
            }
            Some(cores)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load_str;

    const MMC: &str = include_str!("../scenarios/mmc.toml");

    fn scenario(extra: &[(&str, &str)]) -> Scenario {
        let overrides: Vec<_> = extra
            .iter()
            .map(|(k, v)| crate::scenario::Override {
                path: (*k).into(),
                value: (*v).into(),
            })
            .collect();
        load_str(MMC, Path::new("."), &overrides).unwrap().0
    }

    fn machine() -> Limits {
        Limits {
            max_events: DEFAULT_MAX_EVENTS,
            max_memory: 8.0 * 1024.0 * 1024.0 * 1024.0,
            max_disk: 100e9,
        }
    }

    #[test]
    fn requests_are_the_rate_integrated_over_the_run() {
        let sc = scenario(&[]);
        let est = estimate(&sc, &Shape::once(2));
        // 3,200/s × 300 s × 4 replications, two events each, plus the time-series ticks.
        assert_eq!(est.requests, 3200.0 * 300.0 * 4.0);
        assert!(est.events >= 2.0 * est.requests && est.events < 2.1 * est.requests);
        assert!(check(&sc, &est, &machine(), None).is_ok());
    }

    #[test]
    fn an_absurd_rate_is_refused_naming_the_field() {
        // The loader's limits (1e6 rps, a year) hold; their product is past the budget.
        let sc = scenario(&[
            ("traffic.0.rate_rps", "1e6"),
            ("simulation.duration_s", "31536000"),
        ]);
        let err = check(&sc, &estimate(&sc, &Shape::once(2)), &machine(), None).unwrap_err();
        assert!(err.contains("traffic.0 (\"poisson\") rate_rps"), "{err}");
        assert!(err.contains("event budget of 5.0e10"), "{err}");
    }

    #[test]
    fn the_most_replications_of_a_long_run_are_refused() {
        let sc = scenario(&[
            ("simulation.replications", "10000"),
            ("simulation.duration_s", "86400"),
        ]);
        let err = check(&sc, &estimate(&sc, &Shape::once(2)), &machine(), None).unwrap_err();
        assert!(err.contains("simulation.replications = 10000"), "{err}");
    }

    #[test]
    fn targets_past_the_memory_bound_are_refused() {
        // The loader allows 1,000 targets; a machine with 1 MiB to spare cannot hold them.
        let sc = scenario(&[
            ("target_groups.queue.targets", "1000"),
            ("simulation.duration_s", "60"),
            ("simulation.replications", "1"),
        ]);
        let small = Limits {
            max_memory: 1024.0 * 1024.0,
            ..machine()
        };
        let err = check(&sc, &estimate(&sc, &Shape::once(1)), &small, None).unwrap_err();
        assert!(
            err.contains("memory bound") && err.contains("targets = 1000"),
            "{err}"
        );
    }

    #[test]
    fn an_overloaded_unbounded_queue_is_reported_unstable() {
        // 32,000 rps against 4 workers of 1 ms: 28,000 requests/s pile up.
        let sc = scenario(&[
            ("traffic.0.rate_rps", "32000"),
            ("simulation.duration_s", "600"),
            ("simulation.replications", "1"),
        ]);
        let est = estimate(&sc, &Shape::once(1));
        assert_eq!(est.unstable.len(), 1);
        let small = Limits {
            max_memory: 1e9,
            ..machine()
        };
        let err = check(&sc, &est, &small, None).unwrap_err();
        assert!(
            err.starts_with("unstable (offered load ≥ capacity)"),
            "{err}"
        );
        assert!(err.contains("target_groups.queue.app.queue_limit"), "{err}");
    }

    #[test]
    fn sizes_read_with_binary_units() {
        assert_eq!(parse_size("256MiB"), Ok(256.0 * 1024.0 * 1024.0));
        assert_eq!(parse_size("2G"), Ok(2.0 * 1024.0 * 1024.0 * 1024.0));
        assert_eq!(parse_size("1000"), Ok(1000.0));
        assert!(parse_size("12XB").unwrap_err().contains("unknown unit"));
        assert!(parse_size("-1MiB").is_err());
        assert!(parse_size("0").is_err());
    }

    #[test]
    fn the_live_bound_is_the_memory_left_per_concurrent_replication() {
        let sc = scenario(&[("simulation.replications", "1")]);
        let est = estimate(&sc, &Shape::once(1));
        let limits = Limits {
            max_memory: 512.0 * 1024.0 * 1024.0,
            ..machine()
        };
        let bound = f64::from(live_bound_for(&est, &limits));
        let elsewhere = est.memory - est.in_flight * BYTES_PER_PENDING;
        assert!(
            (bound * BYTES_PER_PENDING + elsewhere - limits.max_memory).abs() < BYTES_PER_PENDING,
            "{bound}"
        );
        // Two replications at once share it.
        let two = scenario(&[("simulation.replications", "2")]);
        let est2 = estimate(&two, &Shape::once(2));
        assert_eq!(est2.concurrent, 2.0);
        assert!(f64::from(live_bound_for(&est2, &limits)) < bound * 0.51);
        // No memory bound, no live bound; a tiny one still leaves the floor.
        assert_eq!(live_bound_for(&est, &Limits::none()), u32::MAX);
        let tiny = Limits {
            max_memory: 1.0,
            ..machine()
        };
        assert_eq!(live_bound_for(&est, &tiny), MIN_LIVE_BOUND);
    }

    #[test]
    fn force_lifts_every_limit() {
        let sc = scenario(&[
            ("traffic.0.rate_rps", "1e6"),
            ("simulation.duration_s", "31536000"),
        ]);
        assert!(check(&sc, &estimate(&sc, &Shape::once(2)), &Limits::none(), None).is_ok());
    }
}
