//! What one replication observed. The simulator calls these methods as requests move; each call
//! is a few counter updates and at most one histogram record, with no allocation.
//!
//! Figures count requests that *arrived* in the measured window `[warmup, end)` (the time series
//! counts everything, by event time). Time averages (requests in system, utilization) integrate
//! over the same window.

use super::latency::LatencyStat;
use super::time_weighted::TimeWeighted;
use super::timeseries::{Keep, TimeSeries};
use crate::engine::time::Nanos;
use crate::vocab::{Failure, StageKind};

/// Request counters. Requests are logical (a retried request counts once); `attempts`
/// counts every try, so `attempts / offered` is the retry amplification.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Counts {
    /// Requests that arrived.
    pub offered: u64,
    /// Attempts sent (first tries and retries).
    pub attempts: u64,
    /// Requests answered (ok or failed).
    pub completed: u64,
    /// Successful responses.
    pub ok: u64,
    /// Failures by cause, in [`Failure::ALL`] order.
    pub failures: [u64; Failure::COUNT],
}

impl Counts {
    /// Adds another set of counters to these.
    pub fn add(&mut self, other: &Counts) {
        self.offered += other.offered;
        self.attempts += other.attempts;
        self.completed += other.completed;
        self.ok += other.ok;
        for (a, b) in self.failures.iter_mut().zip(other.failures) {
            *a += b;
        }
    }

    /// All failures.
    pub fn failed(&self) -> u64 {
        self.failures.iter().sum()
    }
}

/// Figures of one route (or traffic source without a gateway).
pub struct RouteStats {
    /// Counters.
    pub counts: Counts,
    /// End-to-end latency of successful requests.
    pub latency: LatencyStat,
    /// End-to-end latency of every answered request, failed ones included (as k6 counts it).
    pub latency_all: LatencyStat,
    /// Per stage ([`StageKind`] index): total ns and count of the route's measured requests,
    /// for each stage's mean by route (routes through different load balancers differ there).
    pub stage_sums: [(u64, u64); StageKind::COUNT],
}

/// Figures of one target.
#[derive(Debug, Clone, Copy, Default)]
pub struct TargetStats {
    /// Requests sent to it.
    pub requests: u64,
    /// Busy app workers over time.
    pub busy: TimeWeighted,
    /// 1 while the task runs, 0 before and after (utilization is over running time).
    pub running: TimeWeighted,
    /// Longest app queue seen.
    pub max_queue: u32,
    /// When the last request was sent to it (0: none), measured window or not.
    pub last_request: Nanos,
}

/// Figures of one target group.
pub struct GroupStats {
    /// App workers per target (for utilization).
    pub workers: u32,
    /// Per-target figures, one per task ever started.
    pub targets: Vec<TargetStats>,
    /// Fewest healthy targets seen in the measured window.
    pub healthy_min: u32,
    /// Healthy targets over time.
    pub healthy: TimeWeighted,
    /// Registered targets (initial, healthy, unhealthy) now.
    pub registered: u32,
    /// Draining targets now.
    pub draining: u32,
    /// Health-state transitions.
    pub health_transitions: u64,
    /// Health-check probes sent (each load balancer node's probe counts).
    pub probes: u64,
    /// Tasks launched after the start (replacements, scale-out, deployments).
    pub tasks_started: u64,
}

/// One row of `events.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    /// When.
    pub t: Nanos,
    /// `health`, `fault`, `fault_end`, `task_start`, `task_stop`, `scale_out`, `scale_in`,
    /// `deployment`, `deployment_done`, `fail_open`.
    pub kind: &'static str,
    /// Target group index.
    pub group: u32,
    /// Target index, when the event is about one target.
    pub target: Option<u32>,
    /// State before.
    pub from: String,
    /// State after.
    pub to: String,
    /// Free text.
    pub detail: String,
}

/// Figures of one fault.
#[derive(Debug, Clone, Default)]
pub struct FaultStats {
    /// The target group it hit.
    pub group: u32,
    /// When the fault started.
    pub at: Nanos,
    /// Healthy targets of its group just before it.
    pub healthy_before: u32,
    /// When a hit target was first marked unhealthy.
    pub detected: Option<Nanos>,
    /// When, after detection, its group's healthy count was back to `healthy_before`.
    pub recovered: Option<Nanos>,
    /// Attempts that failed at the hit targets.
    pub failed: u64,
}

/// Everything one replication records.
pub struct Recorder {
    /// Start of the measured window.
    pub warmup: Nanos,
    /// End of the run.
    pub end: Nanos,
    /// Requests of the measured window.
    pub counts: Counts,
    /// Sum of the response times of every answered request (ok or failed), ns, for Little's
    /// law's W (a mean needs no histogram).
    pub response_sum_ns: u128,
    /// Answered requests counted in `response_sum_ns`.
    pub response_count: u64,
    /// Longest response time of an answered request, ns.
    pub response_max_ns: Nanos,
    /// Per-stage latency, indexed by [`StageKind`].
    pub stages: [LatencyStat; StageKind::COUNT],
    /// Authorizer calls (cache misses) for measured requests.
    pub authorizer_calls: u64,
    /// Measured requests that had to wait for an app worker (for P(wait > 0)).
    pub waited: u64,
    /// Which stages the scenario's path has (only these are reported).
    pub stages_present: [bool; StageKind::COUNT],
    /// Per-route figures.
    pub routes: Vec<RouteStats>,
    /// Per-target-group figures.
    pub groups: Vec<GroupStats>,
    /// Requests awaiting a response over time (Little's L).
    pub in_system: TimeWeighted,
    /// Interval buckets.
    pub timeseries: TimeSeries,
    /// Health transitions, faults, task and scaling actions, in time order.
    pub events: Vec<EventRow>,
    /// Per-fault figures, indexed like `Scenario::faults`.
    pub faults: Vec<FaultStats>,
}

impl Recorder {
    /// A recorder for a run of `routes` routes and groups of `(targets, workers)`.
    pub fn new(
        warmup: Nanos,
        end: Nanos,
        interval: Nanos,
        routes: usize,
        groups: &[(u32, u32)],
        keep: Keep,
    ) -> Self {
        Recorder {
            warmup,
            end,
            counts: Counts::default(),
            response_sum_ns: 0,
            response_count: 0,
            response_max_ns: 0,
            stages: std::array::from_fn(|_| LatencyStat::new()),
            waited: 0,
            authorizer_calls: 0,
            stages_present: [false; StageKind::COUNT],
            routes: (0..routes)
                .map(|_| RouteStats {
                    counts: Counts::default(),
                    latency: LatencyStat::new(),
                    latency_all: LatencyStat::new(),
                    stage_sums: [(0, 0); StageKind::COUNT],
                })
                .collect(),
            groups: groups
                .iter()
                .map(|&(targets, workers)| GroupStats {
                    workers,
                    targets: Vec::with_capacity(targets as usize),
                    healthy_min: u32::MAX,
                    healthy: TimeWeighted::default(),
                    registered: 0,
                    draining: 0,
                    health_transitions: 0,
                    probes: 0,
                    tasks_started: 0,
                })
                .collect(),
            in_system: TimeWeighted::default(),
            timeseries: TimeSeries::with_keep(interval, keep),
            events: Vec::new(),
            faults: Vec::new(),
        }
    }

    /// A new task (target) joined `group`.
    pub fn add_target(&mut self, group: u32) {
        self.groups[group as usize]
            .targets
            .push(TargetStats::default());
    }

    /// `group` now has `healthy` healthy, `registered` registered and `draining` draining
    /// targets.
    pub fn group_health(
        &mut self,
        now: Nanos,
        group: u32,
        healthy: u32,
        registered: u32,
        draining: u32,
    ) {
        let g = &mut self.groups[group as usize];
        if now > self.warmup {
            // The level until now, which may have been set before the window began. At the
            // window start itself there is none inside the window; and the first call (every
            // group's, at time 0) has no previous level at all: its 0 is no state of the group.
            g.healthy_min = g.healthy_min.min(g.healthy.level() as u32);
        }
        if now >= self.warmup {
            g.healthy_min = g.healthy_min.min(healthy);
        }
        g.healthy.set(now, self.warmup, u64::from(healthy));
        g.registered = registered;
        g.draining = draining;
        for f in &mut self.faults {
            if f.group == group
                && f.detected.is_some()
                && f.recovered.is_none()
                && healthy >= f.healthy_before
            {
                f.recovered = Some(now);
            }
        }
    }

    /// Adds a row to `events.csv`.
    pub fn event(&mut self, row: EventRow) {
        self.events.push(row);
    }

    /// Fault `fault` started in `group`, with `healthy` healthy targets there just before.
    pub fn fault_started(&mut self, fault: u32, group: u32, now: Nanos, healthy: u32) {
        let i = fault as usize;
        if self.faults.len() <= i {
            self.faults.resize(i + 1, FaultStats::default());
        }
        self.faults[i].group = group;
        self.faults[i].at = now;
        self.faults[i].healthy_before = healthy;
    }

    /// A target hit by `fault` was marked unhealthy.
    pub fn fault_detected(&mut self, fault: u32, now: Nanos) {
        let f = &mut self.faults[fault as usize];
        f.detected.get_or_insert(now);
    }

    /// An attempt failed at a target hit by `fault`.
    #[inline]
    pub fn fault_failure(&mut self, fault: u32) {
        self.faults[fault as usize].failed += 1;
    }

    /// `count` health-check probes were sent to `group`.
    pub fn probes(&mut self, group: u32, count: u32) {
        self.groups[group as usize].probes += u64::from(count);
    }

    /// True when a request that arrived at `arrived` counts in the figures.
    #[inline]
    pub fn measured(&self, arrived: Nanos) -> bool {
        arrived >= self.warmup
    }

    /// A request arrived on `route`.
    #[inline]
    pub fn arrival(&mut self, now: Nanos, route: u32) {
        self.timeseries.offered();
        self.in_system.add(now, self.warmup, 1);
        if self.measured(now) {
            self.counts.offered += 1;
            self.routes[route as usize].counts.offered += 1;
        }
    }

    /// An attempt of a request that arrived at `first_arrived` was sent on `route`.
    #[inline]
    pub fn attempt(&mut self, first_arrived: Nanos, route: u32) {
        if self.measured(first_arrived) {
            self.counts.attempts += 1;
            self.routes[route as usize].counts.attempts += 1;
        }
    }

    /// The authorizer was called for a request that arrived at `first_arrived`.
    #[inline]
    pub fn authorizer_call(&mut self, first_arrived: Nanos) {
        if self.measured(first_arrived) {
            self.authorizer_calls += 1;
        }
    }

    /// The client got its answer (or gave up) for a request that arrived at `arrived`.
    #[inline]
    pub fn response(
        &mut self,
        now: Nanos,
        arrived: Nanos,
        route: u32,
        result: Result<(), Failure>,
    ) {
        let latency = now - arrived;
        self.timeseries.response(result.map(|()| latency));
        self.in_system.add(now, self.warmup, -1);
        if !self.measured(arrived) {
            return;
        }
        self.response_sum_ns += u128::from(latency);
        self.response_count += 1;
        self.response_max_ns = self.response_max_ns.max(latency);
        let route = &mut self.routes[route as usize];
        for counts in [&mut self.counts, &mut route.counts] {
            counts.completed += 1;
            match result {
                Ok(()) => counts.ok += 1,
                Err(f) => counts.failures[f.index()] += 1,
            }
        }
        route.latency_all.record(latency);
        if result.is_ok() {
            // Only per route: the end-to-end distribution is their exact merge
            // (`Recorder::latency`), made once at the end rather than per request.
            route.latency.record(latency);
        }
    }

    /// End-to-end latency of successful requests: every route's distribution merged.
    pub fn latency(&self) -> LatencyStat {
        let mut all = LatencyStat::new();
        for r in &self.routes {
            all.merge(&r.latency);
        }
        all
    }

    /// End-to-end latency of every answered request, failed ones included.
    pub fn latency_all(&self) -> LatencyStat {
        let mut all = LatencyStat::new();
        for r in &self.routes {
            all.merge(&r.latency_all);
        }
        all
    }

    /// Longest response time of an answered request (ok or failed), ms.
    pub fn response_max_ms(&self) -> Option<f64> {
        (self.response_count > 0).then(|| self.response_max_ns as f64 / 1e6)
    }

    /// Mean response time of answered requests (ok or failed), ms.
    pub fn response_mean_ms(&self) -> Option<f64> {
        (self.response_count > 0)
            .then(|| self.response_sum_ns as f64 / self.response_count as f64 / 1e6)
    }

    /// A measured request of route `route` spent `ns` in `stage`.
    #[inline]
    pub fn stage(&mut self, arrived: Nanos, route: u32, stage: StageKind, ns: Nanos) {
        if self.measured(arrived) {
            self.stages[stage as usize].record(ns);
            let sum = &mut self.routes[route as usize].stage_sums[stage as usize];
            sum.0 += ns;
            sum.1 += 1;
            if stage == StageKind::AppQueue && ns > 0 {
                self.waited += 1;
            }
        }
    }

    /// The load balancer sent target `target` of `group` a request.
    #[inline]
    pub fn target_request(&mut self, now: Nanos, group: u32, target: u32) {
        let t = &mut self.groups[group as usize].targets[target as usize];
        t.last_request = now;
        if now >= self.warmup {
            t.requests += 1;
        }
    }

    /// The app queue of target `target` of `group` grew to `queued`.
    #[inline]
    pub fn app_queue(&mut self, group: u32, target: u32, queued: u32) {
        let t = &mut self.groups[group as usize].targets[target as usize];
        t.max_queue = t.max_queue.max(queued);
    }

    /// Target `target` of `group`'s task started (`true`) or stopped running.
    pub fn target_running(&mut self, now: Nanos, group: u32, target: u32, running: bool) {
        self.groups[group as usize].targets[target as usize]
            .running
            .set(now, self.warmup, u64::from(running));
    }

    /// Target `target` of `group` now has `busy` app workers busy.
    #[inline]
    pub fn target_busy(&mut self, now: Nanos, group: u32, target: u32, busy: u32) {
        self.groups[group as usize].targets[target as usize]
            .busy
            .set(now, self.warmup, u64::from(busy));
    }

    /// Closes the time-series bucket ending at `now`.
    pub fn tick(&mut self, now: Nanos) {
        let healthy = self
            .groups
            .iter()
            .map(|g| [g.healthy.level() as u32, g.registered, g.draining]);
        let in_flight = self.in_system.level() as u32;
        self.timeseries.close(now, in_flight, healthy);
    }
}
