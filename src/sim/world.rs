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

use super::event::Event;
use crate::engine::deadline::DeadlineFifo;
use crate::engine::rng::{SimRng, StreamId, Streams, below, unit_f64};
use crate::engine::{BinaryHeapQueue, EventQueue, Handle, Nanos, Slab};
use crate::model::authorizer::{AuthorizerCache, CacheOutcome};
use crate::model::balancer::Balancer;
use crate::model::retry::RetryOn;
use crate::model::routing::ApiKind;
use crate::model::source::SourceState;
use crate::model::stage::{Admission, Stage};
use crate::model::token_bucket::{BucketId, ChainId, Throttle, ThrottleOutcome, TokenBucket};
use crate::scenario::{Credentials, Scenario, SourcePath};
use crate::stats::recorder::Recorder;
use crate::stats::{Failure, StageKind};

/// Where an attempt is on its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting out a retry backoff.
    Backoff,
    /// The authorizer is validating a bad token; answered with this failure on arrival.
    Rejecting(Failure),
    /// On its way to the load balancer / target group.
    ToTarget,
    /// Waiting in the sidecar's listen backlog.
    SidecarBacklog,
    /// Through the sidecar, on its way to the app.
    ToApp,
    /// Queued at or served by the app.
    AtApp,
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
}

/// A target's sidecar (connection limit + backlog) and app (workers + queue).
struct TargetState {
    sidecar: Option<Stage>,
    app: Stage,
    /// Requests the load balancer sent here that are not answered yet.
    outstanding: u32,
}

/// Per target group: balancer, targets and random streams.
struct GroupState {
    balancer: Balancer,
    targets: Vec<TargetState>,
    service_rng: SimRng,
    hop_rng: SimRng,
    error_rng: SimRng,
}

/// Per source: arrivals, connection pool and random streams.
struct SourceRun {
    arrivals: SourceState,
    attributes_rng: SimRng,
    retry_rng: SimRng,
    /// Keep-alive connections: flow id and requests sent on it.
    connections: Vec<(u64, u32)>,
    next_connection: usize,
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
}

impl GatewayRun {
    fn new(gw: &crate::scenario::Gateway, credentials: u32, rng: SimRng) -> Self {
        let mut throttle = Throttle::new();
        let mut bucket = |t: Option<(f64, u64)>| {
            t.map(|(rate, burst)| throttle.add_bucket(TokenBucket::new(rate, burst)))
        };
        // Most specific level first, account last, as AWS applies them.
        let stage = bucket(gw.stage_throttle);
        let account = bucket(gw.account_throttle);
        let route_buckets: Vec<Option<BucketId>> =
            gw.routes.iter().map(|r| bucket(r.throttle)).collect();
        let route_chains = route_buckets
            .iter()
            .map(|&route| {
                let levels: Vec<BucketId> = [route, stage, account].into_iter().flatten().collect();
                throttle.add_chain(&levels)
            })
            .collect();
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
        }
    }
}

/// What API Gateway decided for an attempt.
enum GatewayDecision {
    /// Answered by the gateway at once.
    Reject(Failure),
    /// Answered after this delay (the authorizer rejecting a token).
    RejectAfter(Failure, Nanos),
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
/// FIFO, then one proxy-read FIFO per target group.
#[derive(Clone, Copy)]
struct TimerLayout {
    sources: u32,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum TimerKind {
    Client,
    Integration,
    ProxyRead,
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
    fn kind(self, timer: u32) -> TimerKind {
        if timer < self.sources {
            TimerKind::Client
        } else if timer == self.sources {
            TimerKind::Integration
        } else {
            TimerKind::ProxyRead
        }
    }
}

/// Whether a timer of `kind` still matters for attempt `a`: the client has no answer yet, and
/// for nginx's read timeout, the app still holds the request.
fn timer_can_fire(kind: TimerKind, a: &Attempt) -> bool {
    !a.answered && (kind != TimerKind::ProxyRead || a.phase == Phase::AtApp)
}

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
    rec: Recorder,
    next_flow: u64,
    arrivals: u64,
}

/// Runs replication `replication` of `sc` with the default event queue.
pub fn run(
    sc: &Scenario,
    replication: u32,
    progress: Option<&(dyn Fn(Nanos) + Sync)>,
) -> RunOutput {
    run_with_queue::<BinaryHeapQueue<Event>>(sc, replication, progress)
}

/// Runs one replication over event queue `Q` (the benchmark compares queues this way).
/// `progress` is called with the simulated time at each time-series tick.
pub fn run_with_queue<Q: EventQueue<Event> + Default>(
    sc: &Scenario,
    replication: u32,
    progress: Option<&(dyn Fn(Nanos) + Sync)>,
) -> RunOutput {
    let mut w = World::<Q>::new(sc, Streams::new(sc.seed, replication));
    for s in 0..sc.sources.len() {
        w.schedule_next_arrival(s as u32);
    }
    if sc.interval <= sc.duration {
        w.queue.push(sc.interval, Event::Tick);
    }
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
    fn new(sc: &'a Scenario, streams: Streams) -> Self {
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
                        targets: (0..g.targets)
                            .map(|_| TargetState {
                                sidecar: g
                                    .sidecar
                                    .as_ref()
                                    .map(|s| Stage::new(s.concurrency, s.backlog)),
                                app: Stage::new(g.app.workers, g.app.queue_limit),
                                outstanding: 0,
                            })
                            .collect(),
                        service_rng: streams.stream(StreamId::AppService(i)),
                        hop_rng: streams.stream(StreamId::HopLatency(hop_stream::SIDECAR + i)),
                        error_rng: streams.stream(StreamId::Faults(i)),
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
            timers: (0..layout.proxy_read(sc.groups.len() as u32))
                .map(|_| DeadlineFifo::new())
                .collect(),
            layout,
            expired: Vec::with_capacity(64),
            rec,
            next_flow: 0,
            arrivals: 0,
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
            first_arrived: self.now,
            mark: self.now,
            flow: 0,
            source,
            group: 0,
            target: 0,
            credential,
            number: 0,
            phase: Phase::Backoff,
            answered: false,
            picked: false,
            holds_sidecar: false,
            in_app: false,
        });
        self.start_attempt(req);
    }

    /// The flow (connection) an attempt from `source` uses.
    fn connection(&mut self, source: u32) -> u64 {
        let src = &self.sc.sources[source as usize];
        let run = &mut self.sources[source as usize];
        if src.connections == 0 {
            self.next_flow += 1;
            return self.next_flow;
        }
        let slot = run.next_connection;
        run.next_connection = (slot + 1) % src.connections as usize;
        if slot == run.connections.len() {
            self.next_flow += 1;
            run.connections.push((self.next_flow, 0));
        }
        let conn = &mut run.connections[slot];
        if conn.1 >= src.requests_per_connection {
            self.next_flow += 1;
            *conn = (self.next_flow, 0);
        }
        conn.1 += 1;
        conn.0
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
        let flow = self.connection(a.source);
        let a = self.attempts.get_mut(req).expect("live attempt");
        a.flow = flow;
        match self.sc.sources[a.source as usize].path {
            SourcePath::Direct { group } => {
                a.group = group;
                a.phase = Phase::ToTarget;
                self.on_hop(req);
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
        let mut network = gw.vpc_link_latency.sample(&mut run.rng);
        if let Some(lb) = r.load_balancer {
            network += sc.load_balancers[lb as usize].latency.sample(&mut run.rng);
        }
        self.rec
            .stage(a.first_arrived, StageKind::LoadBalancer, network);
        GatewayDecision::Forward {
            forwarded_after: gateway_latency + auth_latency,
            network,
            group: r.group,
        }
    }

    fn on_hop(&mut self, req: Handle) {
        let Some(a) = self.attempts.get(req).copied() else {
            return;
        };
        match a.phase {
            Phase::Rejecting(failure) => self.answer(req, Err(failure)),
            Phase::ToTarget if !a.answered => self.reach_target(req, a),
            Phase::ToApp if !a.answered => self.reach_app(req, a),
            // Answered on the way (a timeout fired): nothing reaches the next hop.
            Phase::ToTarget | Phase::ToApp => {
                self.release_sidecar(req);
                self.attempts.get_mut(req).expect("live attempt").phase = Phase::Done;
                self.maybe_free(req);
            }
            Phase::Backoff | Phase::SidecarBacklog | Phase::AtApp | Phase::Done => {
                unreachable!("no hop event is scheduled in phase {:?}", a.phase)
            }
        }
    }

    /// The load balancer picks a target; the sidecar accepts the connection, queues it in its
    /// backlog, or refuses it.
    fn reach_target(&mut self, req: Handle, a: Attempt) {
        let g = &mut self.groups[a.group as usize];
        let GroupState {
            balancer, targets, ..
        } = g;
        let target = balancer.pick(targets.len() as u32, a.flow, |i| {
            targets[i as usize].outstanding
        });
        let t = &mut targets[target as usize];
        t.outstanding += 1;
        self.rec.target_request(self.now, a.group, target);
        let admission = t.sidecar.as_mut().map(|s| s.offer(req));
        let at = self.attempts.get_mut(req).expect("live attempt");
        at.target = target;
        at.picked = true;
        at.mark = self.now;
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
                let failure = self.unreachable_failure();
                self.answer(req, Err(failure));
            }
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
        self.rec.stage(
            a.first_arrived,
            StageKind::Sidecar,
            self.now - a.mark + latency,
        );
        self.attempts.get_mut(req).expect("live attempt").phase = Phase::ToApp;
        self.hop_after(req, latency);
    }

    /// The request reaches the app: it starts, queues, or is refused with 503.
    fn reach_app(&mut self, req: Handle, a: Attempt) {
        if let Some(sidecar) = &self.sc.groups[a.group as usize].sidecar {
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
            Admission::Rejected => self.answer(req, Err(Failure::Unavailable503)),
        }
    }

    /// An app worker takes the attempt: record its wait and schedule its completion.
    fn start_service(&mut self, req: Handle) {
        let a = *self.attempts.get(req).expect("live attempt");
        let group = &self.sc.groups[a.group as usize];
        let g = &mut self.groups[a.group as usize];
        let mut service = group.app.service.sample(&mut g.service_rng);
        let factor = group.app.service_factors[a.target as usize];
        if factor != 1.0 {
            service = (service as f64 * factor).round() as Nanos;
        }
        if let Some(dep) = &group.app.dependency {
            service += dep.latency.sample(&mut g.service_rng);
        }
        let busy = g.targets[a.target as usize].app.busy();
        self.rec.target_busy(self.now, a.group, a.target, busy);
        self.rec
            .stage(a.first_arrived, StageKind::AppQueue, self.now - a.mark);
        self.rec
            .stage(a.first_arrived, StageKind::AppService, service);
        self.queue.push(self.now + service, Event::AppDone { req });
    }

    fn on_app_done(&mut self, req: Handle) {
        let a = *self.attempts.get(req).expect("the app holds the attempt");
        let group = &self.sc.groups[a.group as usize];
        let g = &mut self.groups[a.group as usize];
        let failed =
            (group.app.error_rate > 0.0 && unit_f64(&mut g.error_rng) < group.app.error_rate)
                || group.app.dependency.as_ref().is_some_and(|d| {
                    d.error_rate > 0.0 && unit_f64(&mut g.error_rng) < d.error_rate
                });
        let app = &mut g.targets[a.target as usize].app;
        let next = app.finish();
        if next.is_none() {
            // Record the freed worker now, before answering: the answer releases the sidecar
            // connection, and a backlog connection with no sidecar latency then starts on this
            // worker at once and records its own, higher, level. Recording after the answer
            // would overwrite that level with this stale one.
            let busy = app.busy();
            self.rec.target_busy(self.now, a.group, a.target, busy);
        }
        {
            let at = self.attempts.get_mut(req).expect("live attempt");
            at.in_app = false;
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
                TimerKind::ProxyRead => Failure::GatewayTimeout504,
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
            self.groups[a.group as usize].targets[a.target as usize].outstanding -= 1;
        }
        self.release_sidecar(req);
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
                    ..a
                });
                self.queue
                    .push(self.now + delay, Event::Resend { req: next });
            }
            None => self
                .rec
                .response(self.now, a.first_arrived, src.stats_route, result),
        }
        if a.phase != Phase::SidecarBacklog && !matches!(a.phase, Phase::ToTarget | Phase::ToApp) {
            self.attempts.get_mut(req).expect("live attempt").phase = Phase::Done;
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
