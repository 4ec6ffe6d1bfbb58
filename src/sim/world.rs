//! The event loop of one replication and the one thing no hop can do alone: move an attempt
//! along its path. Each hop and control process owns its state and decides (`hops/`,
//! `control/`); the world hands each event to the part that owns it, takes the step a hop
//! returns (on to the next hop of the path, now or after a delay; an answer; a wait) in
//! [`World::advance`], and answers the attempts a control process cuts off (a reset, a crash). One `match` over [`Event`], no dynamic
//! dispatch and no allocation per event (attempts live in a slab; buffers are reused).
//!
//! An *attempt* is one try of a client request through the path; a retry is a new attempt
//! carrying the same logical request (its first arrival time, route and client). An attempt is
//! *answered* once the client has its outcome: from the app, or from whichever hop gave up
//! first (sidecar 504, gateway integration timeout, client timeout). Responses travel back with
//! no added latency (each hop's latency distribution is its round-trip cost), so all hops learn
//! the outcome at once; server-side work that is still queued or running goes on, as it does in
//! reality, and its result is discarded.

use super::attempt::{AppHold, Attempt, Kind, NOT_LISTED, Phase};
use super::control::cloud_map::DnsScratch;
use super::ctx::Ctx;
use super::event::Event;
use super::hops::alb::AlbPools;
use super::hops::client::Clients;
use super::hops::gateway::{GATEWAY_STREAM, GatewayRun};
use super::hops::{Parts, alb, app, load_balancer, sidecar};
use super::path::{Hop, Paths, Step};
use super::targets::GroupState;
use super::timers::{TimerKind, timer_can_fire};
use crate::engine::rng::{StreamId, Streams};
use crate::engine::{EventQueue, Handle, Nanos, Slab};
use crate::scenario::{Scenario, SourcePath};
use crate::stats::recorder::Recorder;
use crate::stats::timeseries::Keep;
use crate::vocab::{Failure, FaultKind};

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
    /// Set when the live attempts reached [`crate::budget::live_bound`] and the run stopped
    /// there: its figures are those of a cut-short run, not to be reported.
    pub overflow: Option<crate::budget::Overflow>,
}

/// Runs replication `replication` of `sc`, keeping its time-series rows in memory.
pub fn run(
    sc: &Scenario,
    replication: u32,
    progress: Option<&(dyn Fn(Nanos) + Sync)>,
) -> RunOutput {
    run_keeping(sc, replication, progress, Keep::Memory)
}

/// Runs one replication, its time-series rows going where `keep` says. `progress` is called
/// with the simulated time at each time-series tick.
pub fn run_keeping(
    sc: &Scenario,
    replication: u32,
    progress: Option<&(dyn Fn(Nanos) + Sync)>,
    keep: Keep,
) -> RunOutput {
    let mut w = World::new(sc, Streams::new(sc.seed, replication), keep);
    for s in 0..sc.sources.len() {
        w.clients.schedule_next_arrival(&mut w.ctx, s as u32);
    }
    if sc.interval <= sc.duration {
        w.ctx.at(sc.interval, Event::Tick);
    }
    w.start_fleet();
    let mut events = 0u64;
    while let Some((time, event)) = w.ctx.queue.pop() {
        if time > w.end {
            break;
        }
        w.ctx.now = time;
        events += 1;
        w.handle(event, progress);
    }
    RunOutput {
        events,
        arrivals: w.arrivals,
        peak_requests: w.attempts.capacity_used(),
        overflow: w.overflow,
        recorder: w.ctx.rec,
    }
}

/// One replication's state: the shared context, the attempts, and each part's own state.
struct World<'a> {
    ctx: Ctx<'a>,
    attempts: Slab<Attempt>,
    clients: Clients,
    gateway: Option<GatewayRun>,
    groups: Vec<GroupState>,
    paths: Paths,
    albs: AlbPools,
    dns: DnsScratch,
    arrivals: u64,
    /// The loop's last time: the duration, or the time of an overflow.
    end: Nanos,
    /// A new slab slot at this index or past it stops the run (`budget::live_bound`).
    live_bound: u32,
    overflow: Option<crate::budget::Overflow>,
}

impl<'a> World<'a> {
    fn new(sc: &'a Scenario, streams: Streams, keep: Keep) -> Self {
        World {
            ctx: Ctx::new(sc, super::path::recorder(sc, keep)),
            attempts: Slab::new(),
            clients: Clients::new(sc, &streams),
            gateway: sc.gateway.as_ref().map(|gw| {
                GatewayRun::new(
                    gw,
                    sc.credentials,
                    streams.stream(StreamId::HopLatency(GATEWAY_STREAM)),
                )
            }),
            groups: sc
                .groups
                .iter()
                .enumerate()
                .map(|(i, g)| GroupState::new(g, i as u32, &streams))
                .collect(),
            paths: Paths::new(sc),
            albs: AlbPools::new(sc),
            dns: DnsScratch::default(),
            arrivals: 0,
            end: sc.duration,
            live_bound: crate::budget::live_bound(),
            overflow: None,
        }
    }

    /// Stops the run when a new attempt's slot reached the live bound. Slots are reused, so
    /// the index passes the bound only when the slab grows there: one comparison per new
    /// attempt, the work below once per run.
    #[inline]
    fn watch(&mut self, req: Handle) {
        if req.index >= self.live_bound {
            self.overflowed();
        }
    }

    #[cold]
    #[inline(never)]
    fn overflowed(&mut self) {
        let (sc, now, live) = (self.ctx.sc, self.ctx.now, self.attempts.len());
        (self.overflow)
            .get_or_insert_with(|| super::targets::overflow(&self.groups, sc, now, live));
        self.end = now;
    }

    /// Hands `event` to the part of the model that owns it. The request path's events are
    /// handled inline in the loop (so a call's prologue is not paid per event); the fleet's,
    /// a few per simulated second at most, in [`World::handle_control`].
    #[inline(always)]
    fn handle(&mut self, event: Event, progress: Option<&(dyn Fn(Nanos) + Sync)>) {
        match event {
            Event::Arrival { source } => self.on_arrival(source),
            Event::Hop { req } => self.on_hop(req),
            Event::AppDone { req } => self.on_app_done(req),
            Event::Resend { req } => self.start_attempt(req),
            Event::Timer { timer } => self.on_timer(timer),
            _ => self.handle_control(event, progress),
        }
    }

    #[inline(never)]
    fn handle_control(&mut self, event: Event, progress: Option<&(dyn Fn(Nanos) + Sync)>) {
        let ctx = &mut self.ctx;
        match event {
            Event::Arrival { .. }
            | Event::Hop { .. }
            | Event::AppDone { .. }
            | Event::Resend { .. }
            | Event::Timer { .. } => unreachable!("request-path events are handled inline"),
            Event::Probe { group, target } => self.on_probe(group, target),
            Event::ProbeDone {
                group,
                target,
                pass,
            } => self.check_result(group, target, pass),
            Event::TaskRunning { group, target } => {
                self.groups[group as usize].on_task_running(ctx, group, target)
            }
            Event::DrainDone { group, target } => self.on_drain_done(group, target),
            Event::TaskKill { group, target } => self.stop_task(group, target),
            Event::GraceOver { group } => self.groups[group as usize].reconcile(ctx, group),
            Event::FaultStart { fault } => self.on_fault_start(fault),
            Event::FaultEnd { fault } => self.on_fault_end(fault),
            Event::Deploy { deployment } => {
                let group = ctx.sc.deployments[deployment as usize].group;
                self.groups[group as usize].deploy(ctx, group, deployment);
            }
            Event::Metric => super::control::autoscaling::on_metric(ctx, &mut self.groups),
            Event::ContainerCheck { group, target } => self.on_container_check(group, target),
            Event::EcsHealthy { group, target } => {
                self.groups[group as usize].on_ecs_healthy(ctx, group, target)
            }
            Event::CloudMapHealth {
                group,
                target,
                healthy,
            } => self.groups[group as usize].on_cloud_map_health(ctx, group, target, healthy),
            Event::Tick => ctx.tick(progress),
        }
    }

    /// The tasks running at time 0, and the scheduled faults, deployments and metric points.
    fn start_fleet(&mut self) {
        let ctx = &mut self.ctx;
        ctx.rec
            .faults
            .resize(ctx.sc.faults.len(), Default::default());
        for (g, group) in self.groups.iter_mut().enumerate() {
            group.start_fleet(ctx, g as u32);
        }
        super::control::faults::schedule(ctx);
        super::control::ecs::schedule_deployments(ctx);
        super::control::autoscaling::schedule_first_metric(ctx);
    }

    fn live(&mut self, req: Handle) -> &mut Attempt {
        self.attempts.get_mut(req).expect("live attempt")
    }

    /// Puts `req` on its target's in-flight list.
    fn list(&mut self, req: Handle) {
        let a = self.attempts.get_mut(req).expect("live attempt");
        a.listed = self.groups[a.group as usize].targets[a.target as usize].list(req);
    }

    fn on_arrival(&mut self, source: u32) {
        let ctx = &mut self.ctx;
        self.clients.schedule_next_arrival(ctx, source);
        self.arrivals += 1;
        ctx.rec
            .arrival(ctx.now, ctx.sc.sources[source as usize].stats_route);
        let a = self.clients.new_request(ctx.sc, ctx.now, source);
        let req = self.attempts.insert(a);
        self.watch(req);
        self.start_attempt(req);
    }

    /// Sends an attempt (first or retry) onto its source's path.
    fn start_attempt(&mut self, req: Handle) {
        let Some(a) = self.attempts.get_mut(req) else {
            return;
        };
        let ctx = &mut self.ctx;
        let src = &ctx.sc.sources[a.source as usize];
        ctx.rec.attempt(a.first_arrived, src.stats_route);
        if let Some(timeout) = src.timeout {
            let timer = ctx.timers.layout.client(a.source);
            ctx.start_timer(timer, ctx.now + timeout, req);
        }
        (a.flow, a.connection) = self.clients.connection(ctx.sc, a.source);
        a.phase = Phase::Transit;
        if let SourcePath::Direct { group } = src.path {
            a.group = group;
        }
        self.advance(req);
    }

    /// Takes attempt `req` along its path from the hop it is at: each hop decides a step, until
    /// one makes it wait (a delay to the next hop, the app, an answer to come) or answers it.
    fn advance(&mut self, req: Handle) {
        let World {
            ctx,
            attempts,
            clients,
            gateway,
            groups,
            paths,
            albs,
            dns,
            ..
        } = self;
        let Some(a) = attempts.get_mut(req) else {
            return;
        };
        let mut parts = Parts {
            ctx,
            groups,
            clients,
            dns,
            albs,
            paths,
        };
        let result = loop {
            let step = match paths.hop(a.path, a.pos) {
                Hop::Gateway => {
                    let gateway = gateway.as_mut().expect("a gateway path has a gateway");
                    gateway.arrive(parts.ctx, req, a)
                }
                Hop::Pick => load_balancer::pick(&mut parts, req, a),
                Hop::Alb => alb::send(&mut parts, req, a),
                Hop::Connect => sidecar::connect(&mut parts, a),
                Hop::Sidecar => sidecar::proxy(&mut parts, a),
                Hop::App => app::arrive(&mut parts, req, a),
            };
            match step {
                Step::Next(delay) => {
                    a.pos += 1;
                    a.phase = Phase::Transit;
                    if delay > 0 {
                        parts.ctx.after(delay, Event::Hop { req });
                        return;
                    }
                }
                Step::Answer(result, 0) => {
                    a.phase = Phase::Done;
                    break result;
                }
                Step::Answer(result, delay) => {
                    a.phase = Phase::Answering(result);
                    parts.ctx.after(delay, Event::Hop { req });
                    return;
                }
                Step::Wait => return,
            }
        };
        self.answer(req, result);
    }

    fn on_hop(&mut self, req: Handle) {
        let Some(a) = self.attempts.get(req) else {
            return;
        };
        match a.phase {
            Phase::Answering(result) => self.answer(req, result),
            Phase::Transit if !a.answered => self.advance(req),
            // Answered on the way (a timeout fired): nothing reaches the next hop.
            Phase::Transit => {
                self.release_sidecar(req);
                self.live(req).phase = Phase::Done;
                self.maybe_free(req);
            }
            Phase::Backoff | Phase::AtApp | Phase::BlackHole | Phase::Done => {
                unreachable!("no hop event is scheduled in phase {:?}", a.phase)
            }
        }
    }

    fn on_app_done(&mut self, req: Handle) {
        let Some(a) = self.attempts.get(req).copied() else {
            return;
        };
        if a.app == AppHold::None {
            // The task crashed under it (the app and its queue are gone).
            return;
        }
        let g = &mut self.groups[a.group as usize];
        let result = g.completion(&self.ctx, &a);
        let app = &mut g.targets[a.target as usize].app;
        let next = app.finish();
        let busy = app.busy();
        if next.is_none() {
            // Record the freed worker now, before answering: whatever the answer sets off
            // records its own level after this one, never the other way round.
            g.set_busy(&mut self.ctx, a.group, a.target, busy);
        }
        self.albs.release_for(&self.ctx, &a);
        let at = self.live(req);
        at.app = AppHold::None;
        at.phase = Phase::Done;
        self.answer(req, result);
        self.maybe_free(req);
        if let Some(next) = next {
            let a = self
                .attempts
                .get_mut(next)
                .expect("a queued attempt is live");
            let g = &mut self.groups[a.group as usize];
            app::start_service(&mut self.ctx, g, next, a);
        }
    }

    fn on_timer(&mut self, timer: u32) {
        let kind = self.ctx.timers.layout.kind(timer);
        let now = self.ctx.now;
        let attempts = &self.attempts;
        let can_fire = |req: Handle| attempts.get(req).is_some_and(|a| timer_can_fire(kind, a));
        let Some((mut expired, rearm)) = self.ctx.timers.expire(timer, now, can_fire) else {
            return;
        };
        if let Some(next) = rearm {
            self.ctx.at(next, Event::Timer { timer });
        }
        for &req in &expired {
            let Some(a) = self.attempts.get(req).copied() else {
                continue;
            };
            if !timer_can_fire(kind, &a) {
                continue;
            }
            let failure = match kind {
                TimerKind::Client => Failure::ClientTimeout,
                TimerKind::Integration => self.paths.integration_timeout,
                // nginx: upstream timed out ⇒ 504.
                TimerKind::ProxyRead => {
                    self.albs.release_for(&self.ctx, &a);
                    Failure::GatewayTimeout504
                }
                // The check got no answer within its timeout.
                TimerKind::HealthCheck | TimerKind::ContainerCheck => Failure::ClientTimeout,
                // ALB: no connection within 10 s, or the target silent past the idle timeout
                // ⇒ 504, passed through by the gateway (reference §4, A3).
                TimerKind::AlbConnect | TimerKind::AlbIdle => Failure::GatewayTimeout504,
            };
            self.answer(req, Err(failure));
        }
        expired.clear();
        self.ctx.timers.expired = expired;
    }

    /// The client gets the attempt's outcome (once). A retryable failure schedules a retry;
    /// otherwise the logical request completes. A check's outcome goes to its checker.
    fn answer(&mut self, req: Handle, result: Result<(), Failure>) {
        let a = {
            let at = self.live(req);
            if at.answered {
                return;
            }
            at.answered = true;
            let a = *at;
            // Its nginx slots are given back below; nothing more reaches it unless it is
            // still in transit (its hop event then frees it).
            at.holds_sidecar = false;
            if a.phase != Phase::Transit {
                at.phase = Phase::Done;
            }
            a
        };
        let ctx = &mut self.ctx;
        if a.counted {
            let g = &mut self.groups[a.group as usize];
            g.count_out(a.target, a.flow);
            if let (Err(_), Some(fault)) = (result, g.targets[a.target as usize].faults.fault) {
                ctx.rec.fault_failure(fault);
            }
            if ctx.sc.groups[a.group as usize].automatic_target_weights {
                g.target_outcome(ctx, a.group, a.target, result.is_err());
            }
        }
        if a.holds_sidecar {
            self.finish_sidecar(a.group, a.target);
        }
        match a.kind {
            Kind::User => {}
            Kind::ContainerCheck => {
                self.groups[a.group as usize].container_check_answered(
                    &mut self.ctx,
                    a.group,
                    a.target,
                    a.first_arrived,
                    result.is_ok(),
                );
                self.maybe_free(req);
                return;
            }
            Kind::ElbProbe => {
                self.probe_answered(a.group, a.target, result.is_ok());
                self.maybe_free(req);
                return;
            }
        }
        let ctx = &mut self.ctx;
        match self.clients.retry_after(ctx.sc, &a, result) {
            Some(delay) => {
                let next = self.attempts.insert(a.retry(ctx.now));
                ctx.after(delay, Event::Resend { req: next });
                self.watch(next);
            }
            None => {
                let route = ctx.sc.sources[a.source as usize].stats_route;
                ctx.rec.response(ctx.now, a.first_arrived, route, result);
            }
        }
        // What `maybe_free` would find: nothing above touched this attempt again.
        if a.phase != Phase::Transit && a.app == AppHold::None {
            self.free(req, a.listed, a.group, a.target);
        }
    }

    /// Gives back the attempt's two nginx connection slots.
    fn release_sidecar(&mut self, req: Handle) {
        let a = self.live(req);
        if !a.holds_sidecar {
            return;
        }
        a.holds_sidecar = false;
        let (group, target) = (a.group, a.target);
        self.finish_sidecar(group, target);
    }

    /// A request's two connection slots at `target`'s nginx are free again.
    fn finish_sidecar(&mut self, group: u32, target: u32) {
        self.groups[group as usize].targets[target as usize]
            .sidecar
            .as_mut()
            .expect("holder of sidecar slots has a sidecar")
            .finish();
    }

    /// Frees the attempt once nothing holds it any more.
    fn maybe_free(&mut self, req: Handle) {
        let Some(a) = self.attempts.get(req) else {
            return;
        };
        if !a.answered || a.phase != Phase::Done || a.app != AppHold::None || a.holds_sidecar {
            return;
        }
        let (listed, group, target) = (a.listed, a.group, a.target);
        self.free(req, listed, group, target);
    }

    /// Frees attempt `req`, listed at `listed` in `target`'s in-flight list (or in none).
    #[inline]
    fn free(&mut self, req: Handle, listed: u32, group: u32, target: u32) {
        self.attempts.discard(req);
        if listed != NOT_LISTED {
            let t = &mut self.groups[group as usize].targets[target as usize];
            if let Some(moved) = t.unlist(listed) {
                self.live(moved).listed = listed;
            }
        }
    }

    /// The attempts listed at a target that `keep` selects, in slab order.
    fn at_target(&self, group: u32, target: u32, keep: impl Fn(&Attempt) -> bool) -> Vec<Handle> {
        self.groups[group as usize].targets[target as usize]
            .listed_where(|h| self.attempts.get(h).is_some_and(&keep))
    }

    /// Fails the requests in flight at a target whose connections are cut: each gets the
    /// status its hops return for a reset connection.
    fn reset_target(&mut self, group: u32, target: u32) {
        let failure = self.paths.reset[group as usize];
        for h in self.at_target(group, target, |a| a.counted && !a.answered) {
            self.answer(h, Err(failure));
        }
    }

    /// Takes every request off a target's sidecar and app (the process is gone). Requests the
    /// client still waits for get `failure`, or, with `None`, no answer at all (a crashed task:
    /// they wait for a timeout or the load balancer's reset).
    fn empty_target(&mut self, group: u32, target: u32, failure: Option<Failure>) {
        let paths = &self.paths;
        let held = self.at_target(group, target, |a| {
            paths.on_way_to_app(a) || matches!(a.phase, Phase::AtApp | Phase::BlackHole)
        });
        let g = &mut self.groups[group as usize];
        g.targets[target as usize].clear_stages(&self.ctx.sc.groups[group as usize]);
        g.set_busy(&mut self.ctx, group, target, 0);
        for h in held {
            let a = self.attempts.get_mut(h).expect("listed attempt");
            if let Some(failure) = a.lose_task(failure, self.paths.on_way_to_app(a)) {
                self.answer(h, Err(failure));
            }
            self.maybe_free(h);
        }
    }

    /// A check round for `target`. The previous HTTP round's probes still out time out first:
    /// their timeout is now (timeout = interval), and the health-check timer's event for them
    /// may come out after this one; a round that found the previous one pending used to be
    /// skipped, and a black-holed target was then checked every other interval (reference §3
    /// rule: detected within U·interval + timeout).
    fn on_probe(&mut self, group: u32, target: u32) {
        let sc = self.ctx.sc;
        let spec = &sc.groups[group as usize];
        if self.groups[group as usize].round_still_out(spec, target) {
            let late = self.at_target(group, target, |a| a.kind == Kind::ElbProbe && !a.answered);
            for h in late {
                self.answer(h, Err(Failure::ClientTimeout));
            }
        }
        use super::control::elb_health::Round;
        match self.groups[group as usize].start_round(&mut self.ctx, group, target) {
            Round::None | Round::TcpTimingOut => {}
            Round::TcpVerdict(pass) => self.check_result(group, target, pass),
            Round::Http(nodes) => {
                let hc = spec.health_check.as_ref().expect("HTTP checks");
                let path = self.paths.probe(group);
                for _ in 0..nodes {
                    let now = self.ctx.now;
                    let probe =
                        Attempt::check(now, Kind::ElbProbe, (group, target), path, Phase::Transit);
                    let req = self.attempts.insert(probe);
                    self.list(req);
                    let timer = self.ctx.timers.layout.health_check(group);
                    self.ctx.start_timer(timer, now + hc.timeout, req);
                    self.advance(req);
                }
            }
        }
    }

    /// One HTTP probe of a round was answered; the round's verdict once all are in.
    fn probe_answered(&mut self, group: u32, target: u32, pass: bool) {
        let spec = &self.ctx.sc.groups[group as usize];
        if let Some(verdict) = self.groups[group as usize].probe_answered(spec, target, pass) {
            self.check_result(group, target, verdict);
        }
    }

    /// A round's verdict feeds the state machine; a transition changes the group, may reset
    /// the target's flows, and wakes the ECS scheduler.
    fn check_result(&mut self, group: u32, target: u32, pass: bool) {
        let spec = &self.ctx.sc.groups[group as usize];
        let g = &mut self.groups[group as usize];
        let Some(change) = g.record_check(spec, target, pass) else {
            return;
        };
        if g.health_changed(&mut self.ctx, group, target, change) {
            self.reset_target(group, target);
        }
        self.groups[group as usize].reconcile(&mut self.ctx, group);
    }

    /// A container check of `target` runs: a request to the app from inside the task.
    fn on_container_check(&mut self, group: u32, target: u32) {
        let Some(cc) = self.ctx.sc.groups[group as usize].service.container_check else {
            return;
        };
        let Some(crashed) = self.groups[group as usize].container_check_due(target) else {
            return;
        };
        let now = self.ctx.now;
        // A crashed task's network is gone: the check gets no answer and fails at its timeout.
        let phase = [Phase::Transit, Phase::BlackHole][usize::from(crashed)];
        let path = self.paths.check(group);
        let check = Attempt::check(now, Kind::ContainerCheck, (group, target), path, phase);
        let req = self.attempts.insert(check);
        self.list(req);
        let timer = self.ctx.timers.layout.container_check(group);
        self.ctx.start_timer(timer, now + cc.timeout, req);
        if !crashed {
            self.advance(req);
        }
    }

    /// Draining is over: cut what is left if the load balancer does, then SIGTERM: the task
    /// stops at once when idle, else is killed after `stop_timeout`.
    fn on_drain_done(&mut self, group: u32, target: u32) {
        let Some(drained) = self.groups[group as usize].drain_done(&mut self.ctx, group, target)
        else {
            return;
        };
        if drained.reset {
            self.reset_target(group, target);
        }
        if drained.idle {
            self.stop_task(group, target);
        } else {
            let stop_timeout = self.ctx.sc.groups[group as usize].service.stop_timeout;
            self.ctx
                .after(stop_timeout, Event::TaskKill { group, target });
        }
    }

    /// The task is gone: whatever it still held fails as a reset connection.
    fn stop_task(&mut self, group: u32, target: u32) {
        if !self.groups[group as usize].task_gone(&mut self.ctx, group, target) {
            return;
        }
        self.empty_target(group, target, Some(self.paths.reset[group as usize]));
        let ctx = &mut self.ctx;
        ctx.log(
            "task_stop",
            group,
            Some(target),
            "stopping",
            "stopped",
            String::new(),
        );
        self.groups[group as usize].reconcile(ctx, group);
    }

    /// A fault hits its tasks; a crashed one loses what it held, an exited one is seen by ECS.
    fn on_fault_start(&mut self, fault: u32) {
        let f = &self.ctx.sc.faults[fault as usize];
        let group = f.group;
        let hit = self.groups[group as usize].fault_targets(&mut self.ctx, fault);
        let mut exited = false;
        for t in hit {
            self.groups[group as usize].apply_fault(&self.ctx, fault, t);
            if let Some(failure) = super::control::faults::loses_its_requests(f.kind, &self.paths) {
                self.empty_target(group, t, failure);
            }
            let kind = format!("{:?}", f.kind).to_lowercase();
            let ctx = &mut self.ctx;
            ctx.log(
                "fault",
                group,
                Some(t),
                "ok",
                &kind,
                format!("fault {fault}"),
            );
            if f.kind == FaultKind::TaskExit {
                // ECS sees the task stop (its essential container exited; no delay is
                // documented, so at once): it deregisters it from its target group and Cloud
                // Map, and the scheduler replaces it.
                ctx.rec.fault_detected(fault, ctx.now);
                self.groups[group as usize].stop_target(
                    ctx,
                    group,
                    t,
                    "essential container exited",
                );
                exited = true;
            }
        }
        if exited {
            self.groups[group as usize].reconcile(&mut self.ctx, group);
        }
    }

    /// A fault ends: the app comes back, a hung app's stuck requests complete.
    fn on_fault_end(&mut self, fault: u32) {
        let f = &self.ctx.sc.faults[fault as usize];
        let healed = self.groups[f.group as usize].heal(&mut self.ctx, fault);
        if f.kind != FaultKind::Hang {
            return;
        }
        for t in healed {
            for h in self.at_target(f.group, t, |a| a.app == AppHold::Stuck) {
                self.ctx.after(0, Event::AppDone { req: h });
            }
        }
    }
}
