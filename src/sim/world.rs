//! The simulation state and the event loop: one `match` over [`Event`], no dynamic dispatch and
//! no allocation per event (attempts live in a slab; queues and buffers are reused).
//!
//! An *attempt* is one try of a client request through the path; a retry is a new attempt
//! carrying the same logical request (its first arrival time, route and client). An attempt is
//! *answered* once the client has its outcome: from the app, or from whichever hop gave up
//! first (sidecar 504, gateway integration timeout, client timeout). Responses travel back with
//! no added latency (each hop's latency distribution is its round-trip cost), so all hops learn
//! the outcome at once; server-side work that is still queued or running goes on, as it does in
//! reality, and its result is discarded.

mod discovery;
mod fleet;
mod probes;
mod weights;

use super::event::Event;
use crate::engine::deadline::DeadlineFifo;
use crate::engine::rng::{SimRng, StreamId, Streams, below, unit_f64};
use crate::engine::{CalendarQueue, EventQueue, Handle, Nanos, Slab};
use crate::model::authorizer::{AuthorizerCache, CacheOutcome};
use crate::model::balancer::Balancer;
use crate::model::container_health::ContainerHealth;
use crate::model::discovery::{DnsCache, Instance};
use crate::model::health::{Health, HealthTracker};
use crate::model::retry::RetryOn;
use crate::model::source::SourceState;
use crate::model::stage::{Admission, Stage};
use crate::model::token_bucket::{BucketId, ChainId, Throttle, ThrottleOutcome, TokenBucket};
use crate::scenario::{Scenario, SourcePath};
use crate::stats::recorder::Recorder;
use crate::stats::timeseries::Keep;
use crate::vocab::ApiKind;
use crate::vocab::Credentials;
use crate::vocab::{Failure, StageKind};

/// Where an attempt is on its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting out a retry backoff.
    Backoff,
    /// The authorizer is validating a bad token; answered with this failure on arrival.
    Rejecting(Failure),
    /// On its way to an ALB that answers it itself (fixed response, redirect, 400): with this
    /// failure, or ok for `None`.
    LbAnswer(Option<Failure>),
    /// On its way to the load balancer / target group.
    ToTarget,
    /// Waiting in the sidecar's listen backlog.
    SidecarBacklog,
    /// Through the sidecar, on its way to the app.
    ToApp,
    /// Queued at or served by the app.
    AtApp,
    /// Sent to a task that no longer answers: waits for a timeout or the NLB's reset.
    BlackHole,
    /// Nothing more will happen to it (only kept while other parts still hold it).
    Done,
}

/// One attempt of a client request.
#[derive(Debug, Clone, Copy)]
struct Attempt {
    /// When the logical request first arrived (latency and measured-window reference).
    first_arrived: Nanos,
    /// When this attempt entered its current wait (sidecar backlog, app queue).
    mark: Nanos,
    flow: u64,
    source: u32,
    group: u32,
    target: u32,
    credential: u32,
    /// Retry number: 0 for the first attempt.
    number: u32,
    phase: Phase,
    answered: bool,
    /// Counted in its target's outstanding requests.
    picked: bool,
    holds_sidecar: bool,
    in_app: bool,
    /// A health-check probe (not user traffic).
    probe: bool,
    /// Taken by a hung app: its completion waits for the fault to end.
    stuck: bool,
    /// Slot in the source's keep-alive pool (`u32::MAX`: a one-off connection).
    connection: u32,
}

impl Attempt {
    /// A first attempt from `source`, arriving `now`, starting in `phase`: no flow, target or
    /// connection yet, holding nothing. Probes and container checks set `probe` and their target.
    fn new(now: Nanos, source: u32, phase: Phase) -> Self {
        Attempt {
            first_arrived: now,
            mark: now,
            flow: 0,
            source,
            group: 0,
            target: 0,
            credential: 0,
            number: 0,
            phase,
            answered: false,
            picked: false,
            holds_sidecar: false,
            in_app: false,
            probe: false,
            stuck: false,
            connection: u32::MAX,
        }
    }
}

/// `Attempt::source` of health-check probes.
const PROBE_SOURCE: u32 = u32::MAX;
/// `Attempt::source` of container health checks (also `probe`).
const CONTAINER_SOURCE: u32 = u32::MAX - 1;

/// The ECS task behind a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Task {
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
#[derive(Debug, Clone, Copy, Default)]
struct TargetFaults {
    /// No answer at the network level.
    crashed: bool,
    /// nginx up, app refusing (502).
    app_down: bool,
    /// The app accepts requests and never answers.
    hung: bool,
    /// Service-time multiplier.
    slow: f64,
    /// Fraction answered 500.
    errors: f64,
    /// Fraction of user requests answered 500 at once (gray failure; probes pass).
    fail_fast: f64,
    /// The fault (index) that hit this target, for its figures.
    fault: Option<u32>,
}

/// A target: its task, health, sidecar (connection limit + backlog) and app (workers + queue).
struct TargetState {
    sidecar: Option<Stage>,
    app: Stage,
    /// Requests the load balancer sent here that are not answered yet.
    outstanding: u32,
    zone: u32,
    task: Task,
    health: HealthTracker,
    /// When the task started running (for the grace period).
    started: Nanos,
    /// Deployment generation of its task definition.
    version: u32,
    faults: TargetFaults,
    /// The current HTTP check round: probes not answered yet, and passes so far.
    round_pending: u32,
    round_passes: u32,
    /// App workers busy (for the group's CPU metric).
    busy: u32,
    /// Automatic target weight (1: full share); see `weights.rs`.
    weight: f64,
    /// Start of its slow start ramp, while in slow start.
    slow_since: Option<Nanos>,
    /// Smooth weighted round robin's running score (slow start with round robin).
    swrr: f64,
    /// Automatic target weights: attempts answered and failed since its last evaluation.
    window_attempts: u32,
    window_errors: u32,
    /// The app container's health check state (ECS's view of the task's health).
    container: ContainerHealth,
    /// The task's instance in the group's Cloud Map service.
    instance: Instance,
}

/// Per target group: balancer, targets, the ECS service's state and random streams.
struct GroupState {
    balancer: Balancer,
    targets: Vec<TargetState>,
    /// Targets that get new requests: the healthy ones, or every registered one when none is
    /// healthy (fail open).
    routable: Vec<u32>,
    /// No target is healthy: `routable` holds every registered target.
    failing_open: bool,
    /// Picks go through `weights.rs` (automatic target weights, slow start, zonal nodes);
    /// false: the plain balancer path, unchanged.
    special: bool,
    /// Cross-zone off with several zones: each zone's node picks among its own zone's targets.
    zonal: bool,
    /// Cross-zone on with several zones behind a load balancer: each zone's node balances on
    /// its own view, `node_outstanding[target × zones + node]` (the requests it sent there).
    views: bool,
    node_outstanding: Vec<u32>,
    /// Zonal: each zone's routable targets; when each zone last lost its last healthy target
    /// (its node left DNS; `None`: in DNS, or never was); zones in DNS.
    zone_routable: Vec<Vec<u32>>,
    zone_down: Vec<Option<Nanos>>,
    zone_live: Vec<u32>,
    /// Zonal: each zone's node balances on its own (its own round-robin position and random
    /// stream).
    nodes: Vec<Balancer>,
    /// Automatic target weights: when the next evaluation is due.
    next_weights: Nanos,
    /// The ECS service's desired count.
    desired: u32,
    /// Current task definition generation.
    version: u32,
    /// Start of the deployment in progress.
    deploying: Option<Nanos>,
    scaling: ScalingState,
    service_rng: SimRng,
    hop_rng: SimRng,
    error_rng: SimRng,
    ecs_rng: SimRng,
    /// ECS's task health counts (container checks, or the 40 s rule of a Cloud Map service
    /// without a load balancer): a task is healthy for the scheduler only once it says so.
    ecs_tracked: bool,
    /// API Gateway's round-robin position over the group's discovered instances.
    discovery_next: u32,
    container_rng: SimRng,
}

/// Autoscaling's view of a group: metric integrals and recent datapoints.
#[derive(Default)]
struct ScalingState {
    /// ∫ busy workers dt and ∫ worker capacity dt since the start, and when they last changed.
    busy_area: u128,
    capacity_area: u128,
    busy_workers: u64,
    capacity_workers: u64,
    since: Nanos,
    /// The same integrals at the last metric point.
    busy_mark: u128,
    capacity_mark: u128,
    /// Requests routed to the group since the last metric point.
    requests: u64,
    /// Recent datapoints, newest last (bounded by the longest datapoint rule).
    history: std::collections::VecDeque<f64>,
    last_scale_out: Option<Nanos>,
    last_scaling: Option<Nanos>,
}

/// Per source: arrivals, connection pool and random streams.
struct SourceRun {
    arrivals: SourceState,
    attributes_rng: SimRng,
    retry_rng: SimRng,
    /// Keep-alive connections: flow id, requests sent on it, and the target the load balancer
    /// pinned it to (`u32::MAX`: none yet).
    connections: Vec<(u64, u32, u32)>,
    next_connection: usize,
    /// How the source's requests find their task.
    discovery: Discovery,
    /// Each client's cached DNS answer (DNS discovery only; empty otherwise).
    dns: Vec<DnsCache>,
    dns_rng: SimRng,
}

/// How a source's requests find their task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Discovery {
    /// The load balancer (or target group) picks.
    Balancer,
    /// API Gateway calls Cloud Map's `DiscoverInstances`.
    CloudMap,
    /// The client resolves the service's DNS name.
    Dns,
}

/// API Gateway's running state.
struct GatewayRun {
    throttle: Throttle,
    /// The throttle chain of each route's requests.
    route_chains: Vec<ChainId>,
    /// The chain of requests that match no route (stage and account levels only).
    unrouted_chain: ChainId,
    cache: AuthorizerCache,
    rng: SimRng,
    /// Cloud Map's `DiscoverInstances` throttle (per account and Region), spent only by routes
    /// that opt in (`discover_instances_quota`).
    discover: TokenBucket,
}

impl GatewayRun {
    fn new(gw: &crate::scenario::Gateway, credentials: u32, rng: SimRng) -> Self {
        let mut throttle = Throttle::new();
        let bucket = |throttle: &mut Throttle, t: Option<(f64, u64)>| {
            t.map(|(rate, burst)| throttle.add_bucket(TokenBucket::new(rate, burst)))
        };
        // Most specific level first, account last, as AWS applies them. The stage's default
        // limit applies per route (method), each with a bucket of its own, unless the route
        // has its own limit, which replaces the default for that route (REST per-method
        // override, HTTP API RouteSettings over DefaultRouteSettings): one level, not two. The
        // account bucket is shared by every route.
        let account = bucket(&mut throttle, gw.account_throttle);
        let mut route_chains = Vec::with_capacity(gw.routes.len());
        for r in &gw.routes {
            let route = bucket(&mut throttle, r.throttle.or(gw.stage_throttle));
            let levels: Vec<BucketId> = [route, account].into_iter().flatten().collect();
            route_chains.push(throttle.add_chain(&levels));
        }
        let stage = bucket(&mut throttle, gw.stage_throttle);
        let unrouted: Vec<BucketId> = [stage, account].into_iter().flatten().collect();
        let unrouted_chain = throttle.add_chain(&unrouted);
        GatewayRun {
            throttle,
            route_chains,
            unrouted_chain,
            cache: AuthorizerCache::new(
                credentials as usize,
                gw.authorizer.as_ref().map_or(0, |a| a.cache_ttl),
            ),
            rng,
            discover: TokenBucket::new(discovery::DISCOVER_RATE_PER_S, discovery::DISCOVER_BURST),
        }
    }
}

/// What API Gateway decided for an attempt.
enum GatewayDecision {
    /// Answered by the gateway at once.
    Reject(Failure),
    /// Answered after this delay (the authorizer rejecting a token).
    RejectAfter(Failure, Nanos),
    /// Answered by the load balancer (ALB fixed response, redirect, 400) after this delay.
    Respond(Option<Failure>, Nanos),
    /// Sent to the integration after `forwarded_after`, reaching the target group `network`
    /// later.
    Forward {
        forwarded_after: Nanos,
        network: Nanos,
        group: u32,
    },
}

/// What a replication produces.
pub struct RunOutput {
    /// Everything observed.
    pub recorder: Recorder,
    /// Events processed (for the benchmark's events/s).
    pub events: u64,
    /// Logical requests that arrived (measured window or not).
    pub arrivals: u64,
    /// Most attempts alive at once (slab slots used).
    pub peak_requests: usize,
}

/// Indices of the timer FIFOs: one client-timeout FIFO per source, one integration-timeout
/// FIFO, then one proxy-read FIFO and one health-check-timeout FIFO per target group, then (used
/// only behind an ALB) one ALB connect-timeout and one ALB idle-timeout FIFO per group, then one
/// container-check timeout FIFO per group.
#[derive(Clone, Copy)]
struct TimerLayout {
    sources: u32,
    groups: u32,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum TimerKind {
    Client,
    Integration,
    ProxyRead,
    HealthCheck,
    AlbConnect,
    AlbIdle,
    ContainerCheck,
}

impl TimerLayout {
    fn client(self, source: u32) -> u32 {
        source
    }
    fn integration(self) -> u32 {
        self.sources
    }
    fn proxy_read(self, group: u32) -> u32 {
        self.sources + 1 + group
    }
    fn health_check(self, group: u32) -> u32 {
        self.sources + 1 + self.groups + group
    }
    fn alb_connect(self, group: u32) -> u32 {
        self.sources + 1 + 2 * self.groups + group
    }
    fn alb_idle(self, group: u32) -> u32 {
        self.sources + 1 + 3 * self.groups + group
    }
    fn container_check(self, group: u32) -> u32 {
        self.sources + 1 + 4 * self.groups + group
    }
    fn count(self) -> u32 {
        self.sources + 1 + 5 * self.groups
    }
    fn kind(self, timer: u32) -> TimerKind {
        if timer < self.sources {
            TimerKind::Client
        } else if timer == self.sources {
            TimerKind::Integration
        } else if timer <= self.sources + self.groups {
            TimerKind::ProxyRead
        } else if timer <= self.sources + 2 * self.groups {
            TimerKind::HealthCheck
        } else if timer <= self.sources + 3 * self.groups {
            TimerKind::AlbConnect
        } else if timer <= self.sources + 4 * self.groups {
            TimerKind::AlbIdle
        } else {
            TimerKind::ContainerCheck
        }
    }
}

/// Whether a timer of `kind` still matters for attempt `a`: the client has no answer yet, and
/// for nginx's read timeout, the app still holds the request.
fn timer_can_fire(kind: TimerKind, a: &Attempt) -> bool {
    !a.answered
        && match kind {
            TimerKind::ProxyRead => a.phase == Phase::AtApp,
            // Still waiting for a connection the crashed task never accepts.
            TimerKind::AlbConnect => a.phase == Phase::BlackHole,
            _ => true,
        }
}

/// Most idle connections an ALB keeps per target in the keep-alive race model; older ones are
/// forgotten first (they are the ones closest to being known closed).
const ALB_POOL_CAP: usize = 4096;

/// The ALB's connect timeout to a target: "the load balancer failed to establish a connection
/// to the target before the connection timeout expired (10 seconds)" ⇒ 504 (reference §4, A3).
const ALB_CONNECT_TIMEOUT: Nanos = 10 * crate::engine::time::NANOS_PER_SEC;

struct World<'a, Q> {
    sc: &'a Scenario,
    now: Nanos,
    queue: Q,
    attempts: Slab<Attempt>,
    sources: Vec<SourceRun>,
    groups: Vec<GroupState>,
    gateway: Option<GatewayRun>,
    timers: Vec<DeadlineFifo>,
    layout: TimerLayout,
    expired: Vec<Handle>,
    /// Some source discovers its tasks through Cloud Map (else the hot path skips it).
    discovery_used: bool,
    /// Reused buffers of DNS resolution.
    dns_scratch: Vec<u32>,
    dns_answer: Vec<u32>,
    rec: Recorder,
    next_flow: u64,
    arrivals: u64,
    /// Per group and target, behind an ALB with a keep-alive race: when each idle pooled
    /// connection became idle, oldest first (empty otherwise).
    alb_pools: Vec<Vec<std::collections::VecDeque<Nanos>>>,
    /// Some group is behind an ALB with a keep-alive race (else answers skip the pools).
    keepalive_race_used: bool,
}

/// The event queue the simulator uses: the calendar queue, the fastest in `simroute bench`
/// (fewest instructions per event and best wall time); it pops exactly the BinaryHeap's order.
pub type DefaultQueue = CalendarQueue<Event>;

/// Runs replication `replication` of `sc`, keeping its time-series rows in memory.
pub fn run(
    sc: &Scenario,
    replication: u32,
    progress: Option<&(dyn Fn(Nanos) + Sync)>,
) -> RunOutput {
    run_with_queue::<DefaultQueue>(sc, replication, progress, Keep::Memory)
}

/// Runs one replication over event queue `Q` (the benchmark compares queues this way), its
/// time-series rows going where `keep` says. `progress` is called with the simulated time at
/// each time-series tick.
pub fn run_with_queue<Q: EventQueue<Event> + Default>(
    sc: &Scenario,
    replication: u32,
    progress: Option<&(dyn Fn(Nanos) + Sync)>,
    keep: Keep,
) -> RunOutput {
    let mut w = World::<Q>::new(sc, Streams::new(sc.seed, replication), keep);
    for s in 0..sc.sources.len() {
        w.schedule_next_arrival(s as u32);
    }
    if sc.interval <= sc.duration {
        w.queue.push(sc.interval, Event::Tick);
    }
    w.start_fleet();
    let mut events = 0u64;
    while let Some((time, event)) = w.queue.pop() {
        if time > sc.duration {
            break;
        }
        w.now = time;
        events += 1;
        match event {
            Event::Arrival { source } => w.on_arrival(source),
            Event::Hop { req } => w.on_hop(req),
            Event::AppDone { req } => w.on_app_done(req),
            Event::Resend { req } => w.start_attempt(req),
            Event::Timer { timer } => w.on_timer(timer),
            Event::Probe { group, target } => w.on_probe(group, target),
            Event::ProbeDone {
                group,
                target,
                pass,
            } => w.check_result(group, target, pass),
            Event::TaskRunning { group, target } => w.on_task_running(group, target),
            Event::DrainDone { group, target } => w.on_drain_done(group, target),
            Event::TaskKill { group, target } => w.stop_task(group, target),
            Event::GraceOver { group } => w.reconcile(group),
            Event::FaultStart { fault } => w.on_fault_start(fault),
            Event::FaultEnd { fault } => w.on_fault_end(fault),
            Event::Deploy { deployment } => w.on_deploy(deployment),
            Event::Metric => w.on_metric(),
            Event::ContainerCheck { group, target } => w.on_container_check(group, target),
            Event::EcsHealthy { group, target } => w.on_ecs_healthy(group, target),
            Event::CloudMapHealth {
                group,
                target,
                healthy,
            } => w.on_cloud_map_health(group, target, healthy),
            Event::Tick => {
                w.rec.tick(w.now);
                if let Some(report) = progress {
                    report(w.now);
                }
                let next = w.now + sc.interval;
                if next <= sc.duration {
                    w.queue.push(next, Event::Tick);
                }
            }
        }
    }
    RunOutput {
        events,
        arrivals: w.arrivals,
        peak_requests: w.attempts.capacity_used(),
        recorder: w.rec,
    }
}

/// Hop-latency stream ids: fixed offsets so adding a hop never shifts another's numbers.
mod hop_stream {
    pub const GATEWAY: u32 = 0;
    pub const SIDECAR: u32 = 1_000;
}

impl<'a, Q: EventQueue<Event> + Default> World<'a, Q> {
    fn new(sc: &'a Scenario, streams: Streams, keep: Keep) -> Self {
        let group_shape: Vec<(u32, u32)> = sc
            .groups
            .iter()
            .map(|g| (g.targets, g.app.workers))
            .collect();
        let mut rec = Recorder::new(
            sc.warmup,
            sc.duration,
            sc.interval,
            sc.route_names.len(),
            &group_shape,
            keep,
        );
        let present = |rec: &mut Recorder, s: StageKind| rec.stages_present[s as usize] = true;
        if let Some(gw) = &sc.gateway {
            present(&mut rec, StageKind::Gateway);
            if gw.authorizer.is_some() {
                present(&mut rec, StageKind::Authorizer);
            }
            if gw.routes.iter().any(|r| r.load_balancer.is_some()) || !gw.vpc_link_latency.is_zero()
            {
                present(&mut rec, StageKind::LoadBalancer);
            }
        }
        if sc.groups.iter().any(|g| g.sidecar.is_some()) {
            present(&mut rec, StageKind::Sidecar);
        }
        present(&mut rec, StageKind::AppQueue);
        present(&mut rec, StageKind::AppService);

        let layout = TimerLayout {
            sources: sc.sources.len() as u32,
            groups: sc.groups.len() as u32,
        };
        World {
            sc,
            now: 0,
            queue: Q::default(),
            attempts: Slab::new(),
            sources: sc
                .sources
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let i = i as u32;
                    SourceRun {
                        arrivals: SourceState::new(
                            s.arrival,
                            streams.stream(StreamId::Arrivals(i)),
                        ),
                        attributes_rng: streams.stream(StreamId::RequestAttributes(i)),
                        retry_rng: streams.stream(StreamId::Retries(i)),
                        connections: Vec::with_capacity(s.connections as usize),
                        next_connection: 0,
                        discovery: match s.path {
                            SourcePath::Gateway { route: Some(r) }
                                if sc
                                    .gateway
                                    .as_ref()
                                    .is_some_and(|g| g.routes[r as usize].cloud_map) =>
                            {
                                Discovery::CloudMap
                            }
                            _ if s.dns => Discovery::Dns,
                            _ => Discovery::Balancer,
                        },
                        dns: if s.dns {
                            vec![DnsCache::default(); s.clients as usize]
                        } else {
                            Vec::new()
                        },
                        dns_rng: streams.stream(StreamId::Dns(i)),
                    }
                })
                .collect(),
            groups: sc
                .groups
                .iter()
                .enumerate()
                .map(|(i, g)| {
                    let i = i as u32;
                    GroupState {
                        balancer: Balancer::new(
                            g.algorithm,
                            streams.stream(StreamId::Balancing(i)),
                        ),
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
                                        streams.stream(StreamId::Balancing(
                                            weights::NODE_STREAMS + i * 32 + z,
                                        )),
                                    )
                                })
                                .collect()
                        } else {
                            Vec::new()
                        },
                        next_weights: weights::WINDOW,
                        desired: g.targets,
                        version: 0,
                        deploying: None,
                        scaling: ScalingState::default(),
                        ecs_rng: streams.stream(StreamId::HealthChecks(i)),
                        service_rng: streams.stream(StreamId::AppService(i)),
                        hop_rng: streams.stream(StreamId::HopLatency(hop_stream::SIDECAR + i)),
                        error_rng: streams.stream(StreamId::Faults(i)),
                        ecs_tracked: g.service.container_check.is_some()
                            || (g.cloud_map.is_some() && g.health_check.is_none()),
                        discovery_next: 0,
                        container_rng: streams.stream(StreamId::ContainerChecks(i)),
                    }
                })
                .collect(),
            gateway: sc.gateway.as_ref().map(|gw| {
                GatewayRun::new(
                    gw,
                    sc.credentials,
                    streams.stream(StreamId::HopLatency(hop_stream::GATEWAY)),
                )
            }),
            timers: (0..layout.count()).map(|_| DeadlineFifo::new()).collect(),
            layout,
            expired: Vec::with_capacity(64),
            discovery_used: sc.sources.iter().any(|s| s.dns)
                || sc
                    .gateway
                    .as_ref()
                    .is_some_and(|g| g.routes.iter().any(|r| r.cloud_map)),
            dns_scratch: Vec::new(),
            dns_answer: Vec::new(),
            rec,
            next_flow: 0,
            arrivals: 0,
            alb_pools: sc.groups.iter().map(|_| Vec::new()).collect(),
            keepalive_race_used: sc
                .groups
                .iter()
                .any(|g| g.alb.is_some_and(|alb| alb.keepalive_race.is_some())),
        }
    }

    fn schedule_next_arrival(&mut self, source: u32) {
        let profile = &self.sc.sources[source as usize].profile;
        if let Some(t) = self.sources[source as usize].arrivals.next_arrival(profile)
            && t < self.sc.duration
        {
            self.queue.push(t, Event::Arrival { source });
        }
    }

    /// Schedules `Hop` after `delay`, or takes the hop now when there is no delay (a hop with
    /// no latency and no contention costs no event).
    #[inline]
    fn hop_after(&mut self, req: Handle, delay: Nanos) {
        if delay == 0 {
            self.on_hop(req);
        } else {
            self.queue.push(self.now + delay, Event::Hop { req });
        }
    }

    fn start_timer(&mut self, timer: u32, deadline: Nanos, req: Handle) {
        if let Some(at) = self.timers[timer as usize].push(deadline, req) {
            self.queue.push(at, Event::Timer { timer });
        }
    }

    fn on_arrival(&mut self, source: u32) {
        self.schedule_next_arrival(source);
        self.arrivals += 1;
        let src = &self.sc.sources[source as usize];
        self.rec.arrival(self.now, src.stats_route);
        let credential = src.first_credential
            + below(
                &mut self.sources[source as usize].attributes_rng,
                src.clients,
            );
        let req = self.attempts.insert(Attempt {
            credential,
            ..Attempt::new(self.now, source, Phase::Backoff)
        });
        self.start_attempt(req);
    }

    /// The flow (connection) an attempt from `source` uses, and its keep-alive slot.
    fn connection(&mut self, source: u32) -> (u64, u32) {
        let src = &self.sc.sources[source as usize];
        let run = &mut self.sources[source as usize];
        if src.connections == 0 {
            self.next_flow += 1;
            return (self.next_flow, u32::MAX);
        }
        let slot = run.next_connection;
        run.next_connection = (slot + 1) % src.connections as usize;
        if slot == run.connections.len() {
            self.next_flow += 1;
            run.connections.push((self.next_flow, 0, u32::MAX));
        }
        let conn = &mut run.connections[slot];
        if conn.1 >= src.requests_per_connection {
            self.next_flow += 1;
            *conn = (self.next_flow, 0, u32::MAX);
        }
        conn.1 += 1;
        (conn.0, slot as u32)
    }

    /// Sends an attempt (first or retry) into the path.
    fn start_attempt(&mut self, req: Handle) {
        let Some(a) = self.attempts.get(req).copied() else {
            return;
        };
        let src = &self.sc.sources[a.source as usize];
        self.rec.attempt(a.first_arrived, src.stats_route);
        if let Some(timeout) = src.timeout {
            self.start_timer(self.layout.client(a.source), self.now + timeout, req);
        }
        let (flow, connection) = self.connection(a.source);
        let a = self.attempts.get_mut(req).expect("live attempt");
        a.flow = flow;
        a.connection = connection;
        match self.sc.sources[a.source as usize].path {
            SourcePath::Direct { group } => {
                a.group = group;
                a.phase = Phase::ToTarget;
                let a = *a;
                self.reach_target(req, a);
            }
            SourcePath::Gateway { route } => self.through_gateway(req, route),
        }
    }

    /// API Gateway: throttling, route, authorizer, then on to the integration.
    fn through_gateway(&mut self, req: Handle, route: Option<u32>) {
        match self.gateway_decision(req, route) {
            GatewayDecision::Reject(failure) => self.answer(req, Err(failure)),
            GatewayDecision::RejectAfter(failure, delay) => {
                self.attempts.get_mut(req).expect("live attempt").phase = Phase::Rejecting(failure);
                self.hop_after(req, delay);
            }
            GatewayDecision::Respond(failure, delay) => {
                self.attempts.get_mut(req).expect("live attempt").phase = Phase::LbAnswer(failure);
                self.hop_after(req, delay);
            }
            GatewayDecision::Forward {
                forwarded_after,
                network,
                group,
            } => {
                let gw = self
                    .sc
                    .gateway
                    .as_ref()
                    .expect("gateway path has a gateway");
                let deadline = self.now + forwarded_after + gw.integration_timeout;
                self.start_timer(self.layout.integration(), deadline, req);
                let at = self.attempts.get_mut(req).expect("live attempt");
                at.group = group;
                at.phase = Phase::ToTarget;
                self.hop_after(req, forwarded_after + network);
            }
        }
    }

    /// The gateway's decisions for an attempt, drawing its latencies; acting on them is left to
    /// the caller so that this borrows only the gateway's own state.
    fn gateway_decision(&mut self, req: Handle, route: Option<u32>) -> GatewayDecision {
        let sc = self.sc;
        let gw = sc.gateway.as_ref().expect("gateway path has a gateway");
        let run = self.gateway.as_mut().expect("gateway state");
        let a = *self.attempts.get(req).expect("live attempt");
        let gateway_latency = gw.latency.sample(&mut run.rng);
        self.rec
            .stage(a.first_arrived, StageKind::Gateway, gateway_latency);

        // Throttling comes first: the route's, stage's and account's buckets (unrouted requests
        // still spend stage and account tokens).
        let chain = route.map_or(run.unrouted_chain, |r| run.route_chains[r as usize]);
        if run.throttle.try_take(self.now, chain) != ThrottleOutcome::Admitted {
            return GatewayDecision::Reject(Failure::Throttled429);
        }
        let Some(route) = route else {
            return GatewayDecision::Reject(match gw.kind {
                ApiKind::Http => Failure::NotFound404,
                ApiKind::Rest => Failure::Forbidden403,
            });
        };
        let r = &gw.routes[route as usize];
        let mut auth_latency = 0;
        if r.auth {
            let credentials = sc.sources[a.source as usize].credentials;
            if credentials == Credentials::None {
                // No identity source: rejected without calling the authorizer.
                return GatewayDecision::Reject(Failure::Unauthorized401);
            }
            let authorizer = gw.authorizer.as_ref().expect("resolve checks auth routes");
            let valid = credentials == Credentials::Valid;
            match run.cache.check(self.now, a.credential) {
                CacheOutcome::Hit if !valid => {
                    return GatewayDecision::Reject(Failure::Unauthorized401);
                }
                CacheOutcome::Hit => {}
                CacheOutcome::Miss => {
                    auth_latency = authorizer.latency.sample(&mut run.rng);
                    self.rec.authorizer_call(a.first_arrived);
                    self.rec
                        .stage(a.first_arrived, StageKind::Authorizer, auth_latency);
                    if !valid {
                        return GatewayDecision::RejectAfter(
                            Failure::Unauthorized401,
                            gateway_latency + auth_latency,
                        );
                    }
                }
            }
        }
        if r.discover_quota && !run.discover.try_take(self.now) {
            // DiscoverInstances answered RequestLimitExceeded: the integration fails.
            return GatewayDecision::RejectAfter(
                discovery::THROTTLED_DISCOVERY,
                gateway_latency + auth_latency,
            );
        }
        let mut network = gw.vpc_link_latency.sample(&mut run.rng);
        if let Some(lb) = r.load_balancer {
            network += sc.load_balancers[lb as usize].latency.sample(&mut run.rng);
        }
        let mut group = r.group;
        if let Some(alb) = sc.sources[a.source as usize].alb {
            if alb.https {
                // TLS termination at the ALB, per request: API Gateway does not document
                // reusing its connections to the integration (see docs/scenario.md).
                network += sc.load_balancers[alb.load_balancer as usize]
                    .tls_latency
                    .sample(&mut run.rng);
            }
            match alb.action {
                crate::scenario::AlbAction::Forward { group: g } => group = g,
                crate::scenario::AlbAction::Respond { failure } => {
                    self.rec
                        .stage(a.first_arrived, StageKind::LoadBalancer, network);
                    return GatewayDecision::Respond(
                        failure,
                        gateway_latency + auth_latency + network,
                    );
                }
            }
        }
        self.rec
            .stage(a.first_arrived, StageKind::LoadBalancer, network);
        GatewayDecision::Forward {
            forwarded_after: gateway_latency + auth_latency,
            network,
            group,
        }
    }

    fn on_hop(&mut self, req: Handle) {
        let Some(a) = self.attempts.get(req).copied() else {
            return;
        };
        match a.phase {
            Phase::Rejecting(failure) => self.answer(req, Err(failure)),
            Phase::LbAnswer(failure) => self.answer(req, failure.map_or(Ok(()), Err)),
            Phase::ToTarget if !a.answered => self.reach_target(req, a),
            Phase::ToApp if !a.answered => self.reach_app(req, a),
            // Answered on the way (a timeout fired): nothing reaches the next hop.
            Phase::ToTarget | Phase::ToApp => {
                self.release_sidecar(req);
                self.attempts.get_mut(req).expect("live attempt").phase = Phase::Done;
                self.maybe_free(req);
            }
            Phase::Backoff
            | Phase::SidecarBacklog
            | Phase::AtApp
            | Phase::BlackHole
            | Phase::Done => {
                unreachable!("no hop event is scheduled in phase {:?}", a.phase)
            }
        }
    }

    /// The load balancer picks a target; the sidecar accepts the connection, queues it in its
    /// backlog, or refuses it.
    fn reach_target(&mut self, req: Handle, a: Attempt) {
        let target = if a.probe {
            a.target
        } else {
            let picked = if !self.discovery_used
                || self.sources[a.source as usize].discovery == Discovery::Balancer
            {
                self.pick_target(&a)
            } else {
                self.pick_discovered(&a)
            };
            let Some(target) = picked else {
                // No registered target at all: the load balancer has nowhere to send it. An
                // ALB answers 503 itself, passed through by the gateway (reference §4, A3).
                let failure = if self.sc.groups[a.group as usize].alb.is_some() {
                    Failure::Unavailable503
                } else {
                    self.unreachable_failure_of(a.source)
                };
                self.answer(req, Err(failure));
                return;
            };
            let g = &mut self.groups[a.group as usize];
            g.targets[target as usize].outstanding += 1;
            if g.views {
                *weights::node_slot(g, target, a.flow) += 1;
            }
            g.scaling.requests += 1;
            self.rec.target_request(self.now, a.group, target);
            target
        };
        let alb = if a.probe {
            None
        } else {
            self.sc.groups[a.group as usize].alb
        };
        if let Some(alb) = alb
            && self.alb_send(req, a.group, target, alb)
        {
            return;
        }
        let discovery_used = self.discovery_used;
        let t = &mut self.groups[a.group as usize].targets[target as usize];
        // A stopped task (a stale DNS record) answers no more than a crashed one.
        let crashed = t.faults.crashed || (discovery_used && t.task == Task::Stopped);
        let admission = if crashed {
            None
        } else {
            t.sidecar.as_mut().map(|s| s.offer(req))
        };
        let at = self.attempts.get_mut(req).expect("live attempt");
        at.target = target;
        at.picked = !a.probe;
        at.mark = self.now;
        if crashed {
            // The task is gone: the connection attempt gets no answer.
            at.phase = Phase::BlackHole;
            return;
        }
        match admission {
            None => {
                at.phase = Phase::ToApp;
                let a = *at;
                self.reach_app(req, a);
            }
            Some(Admission::Started) => {
                at.holds_sidecar = true;
                self.through_sidecar(req);
            }
            Some(Admission::Queued) => at.phase = Phase::SidecarBacklog,
            Some(Admission::Rejected) => {
                // Connection refused. An ALB answers 502 ("received a TCP RST from the target
                // when attempting to establish a connection", reference §4, A3).
                let failure = if alb.is_some() {
                    Failure::BadGateway502
                } else {
                    self.unreachable_failure_of(a.source)
                };
                self.answer(req, Err(failure));
            }
        }
    }

    /// The load balancer's choice for a user request: its connection's pinned target while that
    /// target still takes the flow (NLB: a connection stays on one target for its life; an
    /// unhealthy target's flows are reset), else the group's algorithm over the routable targets.
    fn pick_target(&mut self, a: &Attempt) -> Option<u32> {
        let group = &mut self.groups[a.group as usize];
        let pinned = (a.connection != u32::MAX)
            .then(|| self.sources[a.source as usize].connections[a.connection as usize].2)
            .filter(|&t| t != u32::MAX);
        if let Some(t) = pinned {
            let health = group.targets[t as usize].health.state();
            let fail_open = group.failing_open;
            if health == Health::Healthy
                || health == Health::Draining
                || (fail_open && health.is_registered())
            {
                return Some(t);
            }
        }
        if group.special {
            let target = self.pick_special(a.group, a.flow)?;
            if a.connection != u32::MAX {
                self.sources[a.source as usize].connections[a.connection as usize].2 = target;
            }
            return Some(target);
        }
        if group.routable.is_empty() {
            return None;
        }
        let GroupState {
            balancer,
            targets,
            routable,
            ..
        } = group;
        let i = balancer.pick(routable.len() as u32, a.flow, |i| {
            targets[routable[i as usize] as usize].outstanding
        });
        let target = routable[i as usize];
        if a.connection != u32::MAX {
            self.sources[a.source as usize].connections[a.connection as usize].2 = target;
        }
        Some(target)
    }

    /// An ALB sends a user request to `target`: its connect timeout when the task is gone
    /// (crashed: nothing answers the SYN), else its idle timeout; and the keep-alive race, when
    /// the targets' keep-alive timeout is shorter than the idle timeout. Returns true when the
    /// request was answered here (502: the reused pooled connection had just been closed).
    fn alb_send(
        &mut self,
        req: Handle,
        group: u32,
        target: u32,
        alb: crate::scenario::AlbGroup,
    ) -> bool {
        if self.groups[group as usize].targets[target as usize]
            .faults
            .crashed
        {
            let deadline = self.now + ALB_CONNECT_TIMEOUT;
            self.start_timer(self.layout.alb_connect(group), deadline, req);
            return false;
        }
        if let Some((keepalive, horizon)) = alb.keepalive_race {
            // The ALB reuses its most recently idle connection (assumed; as nginx's upstream
            // keep-alive cache does). Idle for less than the target's keep-alive timeout: still
            // open. Idle past `horizon`: the ALB has seen the target's FIN (or closed it at its
            // own idle timeout), so it opens a new connection. In between, the target closed it
            // as the request went out: RST ⇒ 502 (reference §8, KC elb-alb-troubleshoot-502).
            let now = self.now;
            let pool = self.alb_pool(group, target);
            if let Some(&since) = pool.back() {
                let age = now - since;
                if age >= horizon {
                    pool.clear();
                } else {
                    pool.pop_back();
                    if age >= keepalive {
                        let at = self.attempts.get_mut(req).expect("live attempt");
                        at.target = target;
                        at.picked = true;
                        at.mark = now;
                        at.phase = Phase::Done;
                        self.answer(req, Err(Failure::BadGateway502));
                        return true;
                    }
                }
            }
        }
        let deadline = self.now + alb.idle_timeout;
        self.start_timer(self.layout.alb_idle(group), deadline, req);
        false
    }

    /// The pooled idle connections of `target` (grown as targets are added).
    fn alb_pool(&mut self, group: u32, target: u32) -> &mut std::collections::VecDeque<Nanos> {
        let pools = &mut self.alb_pools[group as usize];
        if pools.len() <= target as usize {
            pools.resize_with(target as usize + 1, Default::default);
        }
        &mut pools[target as usize]
    }

    /// The target answered attempt `a` (from the app or nginx): behind an ALB with a keep-alive
    /// race, the connection goes back to the pool, idle from now.
    #[inline]
    fn alb_release(&mut self, a: &Attempt) {
        if !self.keepalive_race_used || !a.picked || a.answered {
            return;
        }
        let Some((_, horizon)) = self.sc.groups[a.group as usize]
            .alb
            .and_then(|alb| alb.keepalive_race)
        else {
            return;
        };
        let now = self.now;
        let pool = self.alb_pool(a.group, a.target);
        while pool
            .front()
            .is_some_and(|&since| now - since >= horizon || pool.len() >= ALB_POOL_CAP)
        {
            pool.pop_front();
        }
        pool.push_back(now);
    }

    /// [`Self::unreachable_failure`] for a request of `source`: a DNS client calls the task
    /// itself, even beside a gateway, so it sees what a client without a gateway sees.
    #[inline]
    fn unreachable_failure_of(&self, source: u32) -> Failure {
        if self.discovery_used && self.sources[source as usize].discovery == Discovery::Dns {
            Failure::BadGateway502
        } else {
            self.unreachable_failure()
        }
    }

    /// What the client sees when the task refuses the connection (listen backlog full).
    fn unreachable_failure(&self) -> Failure {
        match self.sc.gateway.as_ref().map(|g| g.kind) {
            // "VPC link backend unreachable" is documented as a 500 for REST APIs; HTTP APIs
            // answer 503 for integration failures.
            Some(ApiKind::Rest) => Failure::InternalError500,
            Some(ApiKind::Http) => Failure::Unavailable503,
            None => Failure::BadGateway502,
        }
    }

    /// nginx accepted the attempt's connection: its latency, then on to the app.
    fn through_sidecar(&mut self, req: Handle) {
        let a = *self.attempts.get(req).expect("live attempt");
        let sidecar = self.sc.groups[a.group as usize]
            .sidecar
            .as_ref()
            .expect("group has a sidecar");
        let latency = sidecar
            .latency
            .sample(&mut self.groups[a.group as usize].hop_rng);
        if !a.probe {
            // Stage figures are of user requests; health-check probes are counted apart.
            self.rec.stage(
                a.first_arrived,
                StageKind::Sidecar,
                self.now - a.mark + latency,
            );
        }
        self.attempts.get_mut(req).expect("live attempt").phase = Phase::ToApp;
        self.hop_after(req, latency);
    }

    /// The request reaches the app: it starts, queues, or is refused with 503.
    fn reach_app(&mut self, req: Handle, a: Attempt) {
        let faults = self.groups[a.group as usize].targets[a.target as usize].faults;
        if faults.fail_fast > 0.0
            && !a.probe
            && unit_f64(&mut self.groups[a.group as usize].error_rng) < faults.fail_fast
        {
            // Gray failure: the app answers 500 at once on the request path, without taking
            // a worker; the health-check path does not go through the failing code, so checks
            // still pass (Builders' Library, "implementing health checks").
            self.attempts.get_mut(req).expect("live attempt").phase = Phase::Done;
            self.answer(req, Err(Failure::InternalError500));
            return;
        }
        if faults.app_down {
            // nginx cannot connect to the app (ECONNREFUSED): 502, at once.
            self.attempts.get_mut(req).expect("live attempt").phase = Phase::Done;
            self.alb_release(&a);
            self.answer(req, Err(Failure::BadGateway502));
            return;
        }
        if let Some(sidecar) = &self.sc.groups[a.group as usize].sidecar
            && a.source != CONTAINER_SOURCE
        {
            // nginx's read timeout; a container check runs inside the task, not through nginx.
            let deadline = self.now + sidecar.read_timeout;
            self.start_timer(self.layout.proxy_read(a.group), deadline, req);
        }
        let app = &mut self.groups[a.group as usize].targets[a.target as usize].app;
        let admission = app.offer(req);
        let queued = app.queued();
        let at = self.attempts.get_mut(req).expect("live attempt");
        at.mark = self.now;
        at.phase = Phase::AtApp;
        match admission {
            Admission::Started => {
                at.in_app = true;
                self.start_service(req);
            }
            Admission::Queued => {
                at.in_app = true;
                self.rec.app_queue(a.group, a.target, queued);
            }
            Admission::Rejected => {
                self.alb_release(&a);
                self.answer(req, Err(Failure::Unavailable503));
            }
        }
    }

    /// An app worker takes the attempt: record its wait and schedule its completion.
    fn start_service(&mut self, req: Handle) {
        let a = *self.attempts.get(req).expect("live attempt");
        let group = &self.sc.groups[a.group as usize];
        let g = &mut self.groups[a.group as usize];
        let mut service = group.app.service.sample(&mut g.service_rng);
        if let Some(dep) = &group.app.dependency {
            service += dep.latency.sample(&mut g.service_rng);
        }
        let t = &g.targets[a.target as usize];
        let factor = group
            .app
            .service_factors
            .get(a.target as usize)
            .copied()
            .unwrap_or(1.0)
            * t.faults.slow;
        if factor != 1.0 {
            service = (service as f64 * factor).round() as Nanos;
        }
        let (busy, hung) = (t.app.busy(), t.faults.hung);
        self.set_busy(a.group, a.target, busy);
        // A probe takes a worker like a request (it counts in utilization and the CPU metric)
        // but is not a request: the stage figures and P(wait > 0) are of user traffic only.
        let user = !a.probe;
        if user {
            self.rec
                .stage(a.first_arrived, StageKind::AppQueue, self.now - a.mark);
        }
        if hung {
            // A hung app takes the request and never answers; the worker is stuck until the
            // fault ends.
            self.attempts.get_mut(req).expect("live attempt").stuck = true;
            return;
        }
        if user {
            self.rec
                .stage(a.first_arrived, StageKind::AppService, service);
        }
        self.queue.push(self.now + service, Event::AppDone { req });
    }

    fn on_app_done(&mut self, req: Handle) {
        let Some(a) = self.attempts.get(req).copied() else {
            return;
        };
        if !a.in_app {
            // The task crashed under it (the app and its queue are gone).
            return;
        }
        let group = &self.sc.groups[a.group as usize];
        let g = &mut self.groups[a.group as usize];
        let fault_errors = g.targets[a.target as usize].faults.errors;
        let failed =
            (group.app.error_rate > 0.0 && unit_f64(&mut g.error_rng) < group.app.error_rate)
                || (fault_errors > 0.0 && unit_f64(&mut g.error_rng) < fault_errors)
                || group.app.dependency.as_ref().is_some_and(|d| {
                    d.error_rate > 0.0 && unit_f64(&mut g.error_rng) < d.error_rate
                });
        let app = &mut g.targets[a.target as usize].app;
        let next = app.finish();
        let busy = app.busy();
        if next.is_none() {
            // Record the freed worker now, before answering: the answer releases the sidecar
            // connection, and a backlog connection with no sidecar latency then starts on this
            // worker at once and records its own, higher, level. Recording after the answer
            // would overwrite that level with this stale one.
            self.set_busy(a.group, a.target, busy);
        }
        self.alb_release(&a);
        {
            let at = self.attempts.get_mut(req).expect("live attempt");
            at.in_app = false;
            at.stuck = false;
            at.phase = Phase::Done;
        }
        self.answer(
            req,
            if failed {
                Err(Failure::InternalError500)
            } else {
                Ok(())
            },
        );
        self.maybe_free(req);
        if let Some(next) = next {
            self.start_service(next);
        }
    }

    /// Target `target` of `group` has `busy` app workers busy: feeds utilization figures and
    /// the autoscaling CPU metric.
    fn set_busy(&mut self, group: u32, target: u32, busy: u32) {
        self.rec.target_busy(self.now, group, target, busy);
        if self.sc.groups[group as usize].autoscaling.is_none() {
            return; // the CPU metric is only needed by autoscaling
        }
        let g = &mut self.groups[group as usize];
        let t = &mut g.targets[target as usize];
        let old = t.busy;
        t.busy = busy;
        g.scaling.advance(self.now);
        g.scaling.busy_workers =
            (g.scaling.busy_workers + u64::from(busy)).saturating_sub(u64::from(old));
    }

    fn on_timer(&mut self, timer: u32) {
        let kind = self.layout.kind(timer);
        let fifo = &mut self.timers[timer as usize];
        if !fifo.armed_for(self.now) {
            // Superseded by an earlier deadline (integration timeouts start out of order).
            return;
        }
        let mut expired = std::mem::take(&mut self.expired);
        while let Some(req) = fifo.pop_expired(self.now) {
            expired.push(req);
        }
        // Timers whose attempt already finished would each cost an event at the head: drop
        // them now, so the next event is for a timer that can still fire.
        while let Some((_, req)) = fifo.peek() {
            if self
                .attempts
                .get(req)
                .is_some_and(|a| timer_can_fire(kind, a))
            {
                break;
            }
            fifo.drop_front();
        }
        if let Some(next) = fifo.rearm() {
            self.queue.push(next, Event::Timer { timer });
        }
        for &req in &expired {
            if !self
                .attempts
                .get(req)
                .is_some_and(|a| timer_can_fire(kind, a))
            {
                continue;
            }
            let failure = match kind {
                TimerKind::Client => Failure::ClientTimeout,
                TimerKind::Integration => match self.sc.gateway.as_ref().map(|g| g.kind) {
                    // HTTP APIs were observed answering 503 on integration timeout; REST
                    // APIs document 504 INTEGRATION_TIMEOUT.
                    Some(ApiKind::Http) => Failure::Unavailable503,
                    _ => Failure::GatewayTimeout504,
                },
                // nginx: upstream timed out ⇒ 504.
                TimerKind::ProxyRead => {
                    let a = *self.attempts.get(req).expect("live attempt");
                    self.alb_release(&a);
                    Failure::GatewayTimeout504
                }
                // The probe got no answer within the health-check timeout.
                TimerKind::HealthCheck | TimerKind::ContainerCheck => Failure::ClientTimeout,
                // ALB: no connection within 10 s, or the target silent past the idle timeout
                // ⇒ 504, passed through by the gateway (reference §4, A3).
                TimerKind::AlbConnect | TimerKind::AlbIdle => Failure::GatewayTimeout504,
            };
            self.answer(req, Err(failure));
        }
        expired.clear();
        self.expired = expired;
    }

    /// The client gets the attempt's outcome (once). A retryable failure schedules a retry;
    /// otherwise the logical request completes.
    fn answer(&mut self, req: Handle, result: Result<(), Failure>) {
        let a = {
            let at = self.attempts.get_mut(req).expect("live attempt");
            if at.answered {
                return;
            }
            at.answered = true;
            *at
        };
        if a.picked {
            let g = &mut self.groups[a.group as usize];
            if g.views {
                *weights::node_slot(g, a.target, a.flow) -= 1;
            }
            let t = &mut g.targets[a.target as usize];
            t.outstanding -= 1;
            if let (Err(_), Some(fault)) = (result, t.faults.fault) {
                self.rec.fault_failure(fault);
            }
            if self.sc.groups[a.group as usize].automatic_target_weights {
                self.target_outcome(a.group, a.target, result.is_err());
            }
        }
        if a.holds_sidecar {
            self.release_sidecar(req);
        }
        if a.phase != Phase::SidecarBacklog && !matches!(a.phase, Phase::ToTarget | Phase::ToApp) {
            self.attempts.get_mut(req).expect("live attempt").phase = Phase::Done;
        }
        if a.probe {
            if a.source == CONTAINER_SOURCE {
                self.container_check_answered(a.group, a.target, a.first_arrived, result.is_ok());
            } else {
                self.probe_answered(a.group, a.target, result.is_ok());
            }
            self.maybe_free(req);
            return;
        }
        let src = &self.sc.sources[a.source as usize];
        let retry = match (result, &src.retries) {
            (Err(failure), Some(policy)) => policy.after_failure(
                a.number + 1,
                failure.status().unwrap_or(RetryOn::TIMEOUT),
                &mut self.sources[a.source as usize].retry_rng,
            ),
            _ => None,
        };
        match retry {
            Some(delay) => {
                let next = self.attempts.insert(Attempt {
                    mark: self.now,
                    number: a.number + 1,
                    phase: Phase::Backoff,
                    answered: false,
                    picked: false,
                    holds_sidecar: false,
                    in_app: false,
                    stuck: false,
                    ..a
                });
                self.queue
                    .push(self.now + delay, Event::Resend { req: next });
            }
            None => self
                .rec
                .response(self.now, a.first_arrived, src.stats_route, result),
        }
        self.maybe_free(req);
    }

    /// Gives back the attempt's sidecar connection, letting the next backlog connection in.
    fn release_sidecar(&mut self, req: Handle) {
        let a = self.attempts.get_mut(req).expect("live attempt");
        if !a.holds_sidecar {
            return;
        }
        a.holds_sidecar = false;
        let (group, target) = (a.group, a.target);
        loop {
            let sidecar = self.groups[group as usize].targets[target as usize]
                .sidecar
                .as_mut()
                .expect("holder of a sidecar slot has a sidecar");
            let Some(next) = sidecar.finish() else { break };
            let n = self
                .attempts
                .get_mut(next)
                .expect("backlog holds live attempts");
            if n.answered {
                // The client gave up while the connection waited: it is dropped on accept.
                n.phase = Phase::Done;
                self.maybe_free(next);
                continue;
            }
            n.holds_sidecar = true;
            self.through_sidecar(next);
            break;
        }
    }

    /// Frees the attempt once nothing holds it any more.
    fn maybe_free(&mut self, req: Handle) {
        if let Some(a) = self.attempts.get(req)
            && a.answered
            && a.phase == Phase::Done
            && !a.in_app
            && !a.holds_sidecar
        {
            self.attempts.remove(req);
        }
    }
}
