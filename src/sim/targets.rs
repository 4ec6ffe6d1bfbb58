//! The state of each target group and its targets: the ECS service's tasks, their health, the
//! sidecar and app stages, the faults acting on them and the attempts in flight at each. The
//! hops and control processes act on this state; it holds no behaviour beyond bookkeeping.

use super::attempt::NOT_LISTED;
use super::hops::balancing;
use crate::engine::rng::{SimRng, StreamId, Streams};
use crate::engine::{Handle, Nanos};
use crate::model::balancer::Balancer;
use crate::model::container_health::ContainerHealth;
use crate::model::discovery::Instance;
use crate::model::health::HealthTracker;
use crate::model::nginx::Connections;
use crate::model::stage::Stage;
use crate::scenario::{Scenario, TargetGroup};

/// Hop-latency stream id of a group's sidecar: a fixed offset so adding a hop never shifts
/// another's numbers (the gateway's is 0).
pub(super) const SIDECAR_STREAMS: u32 = 1_000;

/// The ECS task behind a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Task {
    /// Launched, not running yet.
    Starting,
    /// Running.
    Running,
    /// Being stopped: draining, then SIGTERM.
    Stopping,
    /// Gone.
    Stopped,
}

/// Faults acting on a target.
#[derive(Debug, Clone, Copy)]
pub(super) struct TargetFaults {
    /// No answer at the network level.
    pub crashed: bool,
    /// nginx up, app refusing (502).
    pub app_down: bool,
    /// The app accepts requests and never answers.
    pub hung: bool,
    /// Service-time multiplier.
    pub slow: f64,
    /// Fraction answered 500.
    pub errors: f64,
    /// Fraction of user requests answered 500 at once (gray failure; probes pass).
    pub fail_fast: f64,
    /// The fault (index) that hit this target, for its figures.
    pub fault: Option<u32>,
}

impl Default for TargetFaults {
    /// No fault: the app at its normal speed.
    fn default() -> Self {
        TargetFaults {
            crashed: false,
            app_down: false,
            hung: false,
            slow: 1.0,
            errors: 0.0,
            fail_fast: 0.0,
            fault: None,
        }
    }
}

/// A target: its task, health, sidecar (connection slots) and app (workers + queue).
pub(super) struct TargetState {
    pub sidecar: Option<Connections>,
    pub app: Stage,
    /// Requests the load balancer sent here that are not answered yet.
    pub outstanding: u32,
    pub zone: u32,
    pub task: Task,
    pub health: HealthTracker,
    /// When the task started running (for the grace period).
    pub started: Nanos,
    /// Deployment generation of its task definition.
    pub version: u32,
    pub faults: TargetFaults,
    /// The current HTTP check round: probes not answered yet, and passes so far.
    pub round_pending: u32,
    pub round_passes: u32,
    /// App workers busy (for the group's CPU metric).
    pub busy: u32,
    /// Automatic target weight (1: full share); see `hops/balancing.rs`.
    pub weight: f64,
    /// Start of its slow start ramp, while in slow start.
    pub slow_since: Option<Nanos>,
    /// Smooth weighted round robin's running score (slow start with round robin).
    pub swrr: f64,
    /// Automatic target weights: attempts answered and failed since its last evaluation.
    pub window_attempts: u32,
    pub window_errors: u32,
    /// The app container's health check state (ECS's view of the task's health).
    pub container: ContainerHealth,
    /// The task's instance in the group's Cloud Map service.
    pub instance: Instance,
    /// Every attempt sent to this target (user attempts counted by the balancer, and checks)
    /// until it is freed: a reset or a crash touches only these.
    pub in_flight: Vec<Handle>,
}

impl TargetState {
    /// A new target of `spec` in `zone`, its task starting now, of definition `version`.
    pub fn new(spec: &TargetGroup, zone: u32, now: Nanos, version: u32) -> Self {
        TargetState {
            sidecar: spec
                .sidecar
                .as_ref()
                .map(|s| Connections::new(s.connections)),
            app: Stage::new(spec.app.workers, spec.app.queue_limit),
            outstanding: 0,
            zone,
            task: Task::Starting,
            health: Default::default(),
            started: now,
            version,
            faults: TargetFaults::default(),
            round_pending: 0,
            round_passes: 0,
            busy: 0,
            weight: 1.0,
            slow_since: None,
            swrr: 0.0,
            window_attempts: 0,
            window_errors: 0,
            container: Default::default(),
            instance: Default::default(),
            in_flight: Vec::new(),
        }
    }

    /// Adds `req` to the in-flight list; returns its position (kept on the attempt).
    #[inline]
    pub fn list(&mut self, req: Handle) -> u32 {
        self.in_flight.push(req);
        self.in_flight.len() as u32 - 1
    }

    /// Takes the entry at `slot` off the list; returns the attempt moved into `slot` (whose
    /// position must be updated), if any.
    #[inline]
    pub fn unlist(&mut self, slot: u32) -> Option<Handle> {
        debug_assert_ne!(slot, NOT_LISTED);
        self.in_flight.swap_remove(slot as usize);
        self.in_flight.get(slot as usize).copied()
    }

    /// The listed attempts that `keep` selects, in slab order (the order a scan of the whole
    /// slab would find them in, so what follows from each is done in the same order).
    pub fn listed_where(&self, mut keep: impl FnMut(Handle) -> bool) -> Vec<Handle> {
        let mut hits: Vec<Handle> = self
            .in_flight
            .iter()
            .copied()
            .filter(|&h| keep(h))
            .collect();
        hits.sort_unstable_by_key(|h| h.index);
        hits
    }

    /// Both stages emptied (the process is gone).
    pub fn clear_stages(&mut self, spec: &TargetGroup) {
        self.sidecar = spec
            .sidecar
            .as_ref()
            .map(|s| Connections::new(s.connections));
        self.app = Stage::new(spec.app.workers, spec.app.queue_limit);
    }
}

/// Autoscaling's view of a group: metric integrals and recent datapoints.
#[derive(Default)]
pub(super) struct ScalingState {
    /// ∫ busy workers dt and ∫ worker capacity dt since the start, and when they last changed.
    pub busy_area: u128,
    pub capacity_area: u128,
    pub busy_workers: u64,
    pub capacity_workers: u64,
    pub since: Nanos,
    /// The same integrals at the last metric point.
    pub busy_mark: u128,
    pub capacity_mark: u128,
    /// Requests routed to the group since the last metric point.
    pub requests: u64,
    /// Recent datapoints, newest last (bounded by the longest datapoint rule).
    pub history: std::collections::VecDeque<f64>,
    pub last_scale_out: Option<Nanos>,
    pub last_scaling: Option<Nanos>,
}

impl ScalingState {
    /// Brings the busy and capacity integrals up to `now`.
    pub fn advance(&mut self, now: Nanos) {
        let dt = u128::from(now.saturating_sub(self.since));
        self.busy_area += u128::from(self.busy_workers) * dt;
        self.capacity_area += u128::from(self.capacity_workers) * dt;
        self.since = now;
    }
}

/// Per target group: balancer, targets, the ECS service's state and random streams.
pub(super) struct GroupState {
    pub balancer: Balancer,
    pub targets: Vec<TargetState>,
    /// Targets that get new requests: the healthy ones, or every registered one when none is
    /// healthy (fail open).
    pub routable: Vec<u32>,
    /// No target is healthy: `routable` holds every registered target.
    pub failing_open: bool,
    /// Picks go through `hops/balancing.rs` (automatic target weights, slow start, zonal
    /// nodes); false: the plain balancer path, unchanged.
    pub special: bool,
    /// Cross-zone off with several zones: each zone's node picks among its own zone's targets.
    pub zonal: bool,
    /// Cross-zone on with several zones behind a load balancer: each zone's node balances on
    /// its own view, `node_outstanding[target × zones + node]` (the requests it sent there).
    pub views: bool,
    pub node_outstanding: Vec<u32>,
    /// Zonal: each zone's routable targets; when each zone last lost its last healthy target
    /// (its node left DNS; `None`: in DNS, or never was); zones in DNS.
    pub zone_routable: Vec<Vec<u32>>,
    pub zone_down: Vec<Option<Nanos>>,
    pub zone_live: Vec<u32>,
    /// Zonal: each zone's node balances on its own (its own round-robin position and random
    /// stream).
    pub nodes: Vec<Balancer>,
    /// Automatic target weights: when the next evaluation is due.
    pub next_weights: Nanos,
    /// The ECS service's desired count.
    pub desired: u32,
    /// Current task definition generation.
    pub version: u32,
    /// Start of the deployment in progress.
    pub deploying: Option<Nanos>,
    pub scaling: ScalingState,
    pub service_rng: SimRng,
    pub hop_rng: SimRng,
    pub error_rng: SimRng,
    pub ecs_rng: SimRng,
    /// ECS's task health counts (container checks, or the 40 s rule of a Cloud Map service
    /// without a load balancer): a task is healthy for the scheduler only once it says so.
    pub ecs_tracked: bool,
    /// API Gateway's round-robin position over the group's discovered instances.
    pub discovery_next: u32,
    pub container_rng: SimRng,
}

impl GroupState {
    /// Requests waiting in the app queues of its targets (for the overflow message).
    pub fn queued(&self) -> u64 {
        self.targets.iter().map(|t| u64::from(t.app.queued())).sum()
    }

    /// Requests/s its running tasks can serve now: workers / mean service time, slowed by a
    /// `slow` fault; crashed and hung tasks serve none.
    pub fn capacity_rps(&self, spec: &TargetGroup) -> f64 {
        let service_s = spec.app.service.mean_ms() / 1000.0;
        (self.targets.iter())
            .filter(|t| t.task == Task::Running && !t.faults.crashed && !t.faults.hung)
            .map(|t| f64::from(spec.app.workers) / (service_s * t.faults.slow))
            .sum()
    }

    /// Group `i` of the scenario before its first task: every stream drawn from `streams`.
    pub fn new(g: &TargetGroup, i: u32, streams: &Streams) -> Self {
        GroupState {
            balancer: Balancer::new(g.algorithm, streams.stream(StreamId::Balancing(i))),
            targets: Vec::with_capacity(g.targets as usize),
            routable: Vec::with_capacity(g.targets as usize),
            failing_open: false,
            special: g.weighted() || g.zonal() || g.node_views(),
            views: g.node_views(),
            node_outstanding: Vec::new(),
            zonal: g.zonal(),
            zone_routable: vec![Vec::new(); g.zones as usize],
            zone_down: vec![None; g.zones as usize],
            zone_live: Vec::with_capacity(g.zones as usize),
            nodes: if g.zonal() || g.node_views() {
                (0..g.zones)
                    .map(|z| {
                        Balancer::new(
                            g.algorithm,
                            streams
                                .stream(StreamId::Balancing(balancing::NODE_STREAMS + i * 32 + z)),
                        )
                    })
                    .collect()
            } else {
                Vec::new()
            },
            next_weights: balancing::WINDOW,
            desired: g.targets,
            version: 0,
            deploying: None,
            scaling: ScalingState::default(),
            ecs_rng: streams.stream(StreamId::HealthChecks(i)),
            service_rng: streams.stream(StreamId::AppService(i)),
            hop_rng: streams.stream(StreamId::HopLatency(SIDECAR_STREAMS + i)),
            error_rng: streams.stream(StreamId::Faults(i)),
            ecs_tracked: g.service.container_check.is_some()
                || (g.cloud_map.is_some() && g.health_check.is_none()),
            discovery_next: 0,
            container_rng: streams.stream(StreamId::ContainerChecks(i)),
        }
    }
}

/// What a replication saw when its live attempts reached the bound: the group with the most
/// requests queued at its apps (the first on a tie) and its capacity then. The replication's
/// number is filled in by its caller.
pub(super) fn overflow(
    groups: &[GroupState],
    sc: &Scenario,
    now: Nanos,
    live: usize,
) -> crate::budget::Overflow {
    let group = (groups.iter().enumerate())
        .map(|(i, g)| (i, g.queued()))
        .max_by_key(|&(i, q)| (q, std::cmp::Reverse(i)));
    crate::budget::Overflow {
        at: now,
        replication: 0,
        live,
        group,
        capacity_rps: group.map_or(0.0, |(g, _)| groups[g].capacity_rps(&sc.groups[g])),
    }
}
