//! What one replication observed. The simulator calls these methods as requests move; each call
//! is a few counter updates and at most one histogram record, with no allocation.
//!
//! Figures count requests that *arrived* in the measured window `[warmup, end)` (the time series
//! counts everything, by event time). Time averages (requests in system, utilization) integrate
//! over the same window.

use super::latency::LatencyStat;
use super::time_weighted::TimeWeighted;
use super::timeseries::TimeSeries;
use super::{Failure, StageKind};
use crate::engine::time::Nanos;

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
}

/// Figures of one target.
#[derive(Debug, Clone, Copy, Default)]
pub struct TargetStats {
    /// Requests sent to it.
    pub requests: u64,
    /// Busy app workers over time.
    pub busy: TimeWeighted,
    /// Longest app queue seen.
    pub max_queue: u32,
}

/// Figures of one target group.
pub struct GroupStats {
    /// App workers per target (for utilization).
    pub workers: u32,
    /// Per-target figures.
    pub targets: Vec<TargetStats>,
    /// Fewest healthy targets seen.
    pub healthy_min: u32,
    /// Healthy targets over time.
    pub healthy: TimeWeighted,
    /// Health-state transitions.
    pub health_transitions: u64,
}

/// Everything one replication records.
pub struct Recorder {
    /// Start of the measured window.
    pub warmup: Nanos,
    /// End of the run.
    pub end: Nanos,
    /// Requests of the measured window.
    pub counts: Counts,
    /// End-to-end latency of successful requests.
    pub latency: LatencyStat,
    /// Response time of every answered request (ok or failed), for Little's law.
    pub response: LatencyStat,
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
}

impl Recorder {
    /// A recorder for a run of `routes` routes and groups of `(targets, workers)`.
    pub fn new(
        warmup: Nanos,
        end: Nanos,
        interval: Nanos,
        routes: usize,
        groups: &[(u32, u32)],
    ) -> Self {
        Recorder {
            warmup,
            end,
            counts: Counts::default(),
            latency: LatencyStat::new(),
            response: LatencyStat::new(),
            stages: std::array::from_fn(|_| LatencyStat::new()),
            waited: 0,
            authorizer_calls: 0,
            stages_present: [false; StageKind::COUNT],
            routes: (0..routes)
                .map(|_| RouteStats {
                    counts: Counts::default(),
                    latency: LatencyStat::new(),
                })
                .collect(),
            groups: groups
                .iter()
                .map(|&(targets, workers)| {
                    let mut healthy = TimeWeighted::default();
                    healthy.set(0, warmup, u64::from(targets));
                    GroupStats {
                        workers,
                        targets: vec![TargetStats::default(); targets as usize],
                        healthy_min: targets,
                        healthy,
                        health_transitions: 0,
                    }
                })
                .collect(),
            in_system: TimeWeighted::default(),
            timeseries: TimeSeries::new(interval),
        }
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
        self.response.record(latency);
        let route = &mut self.routes[route as usize];
        for counts in [&mut self.counts, &mut route.counts] {
            counts.completed += 1;
            match result {
                Ok(()) => counts.ok += 1,
                Err(f) => counts.failures[f.index()] += 1,
            }
        }
        if result.is_ok() {
            self.latency.record(latency);
            route.latency.record(latency);
        }
    }

    /// A measured request spent `ns` in `stage`.
    #[inline]
    pub fn stage(&mut self, arrived: Nanos, stage: StageKind, ns: Nanos) {
        if self.measured(arrived) {
            self.stages[stage as usize].record(ns);
            if stage == StageKind::AppQueue && ns > 0 {
                self.waited += 1;
            }
        }
    }

    /// The load balancer sent target `target` of `group` a request.
    #[inline]
    pub fn target_request(&mut self, now: Nanos, group: u32, target: u32) {
        if now >= self.warmup {
            self.groups[group as usize].targets[target as usize].requests += 1;
        }
    }

    /// The app queue of target `target` of `group` grew to `queued`.
    #[inline]
    pub fn app_queue(&mut self, group: u32, target: u32, queued: u32) {
        let t = &mut self.groups[group as usize].targets[target as usize];
        t.max_queue = t.max_queue.max(queued);
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
            .map(|g| g.healthy.level() as u32)
            .collect();
        let in_flight = self.in_system.level() as u32;
        self.timeseries.close(now, in_flight, healthy);
    }
}
