//! The simulation state and the event loop: one `match` over [`Event`], no dynamic dispatch and
//! no allocation per event (requests live in a slab; queues and histograms are preallocated or
//! grow rarely).

use super::event::Event;
use crate::engine::rng::{SimRng, StreamId, Streams};
use crate::engine::{CalendarQueue, EventQueue, Handle, Nanos, Slab};
use crate::model::balancer::Balancer;
use crate::model::source::SourceState;
use crate::model::stage::{Admission, Stage};
use crate::scenario::Scenario;
use crate::stats::recorder::Recorder;
use crate::stats::{Failure, StageKind};

/// A request in flight.
#[derive(Debug, Clone, Copy)]
struct Request {
    arrived: Nanos,
    /// When it joined the app queue (for the queue-wait figure).
    enqueued: Nanos,
    route: u32,
    group: u32,
    target: u32,
    /// The client has its answer (or gave up); server-side work may still be going on.
    answered: bool,
}

/// Per target group: its balancer, its targets' app stages and its service-time stream.
struct GroupState {
    balancer: Balancer,
    stages: Vec<Stage>,
    service_rng: SimRng,
}

/// What a replication produces.
pub struct RunOutput {
    /// Everything observed.
    pub recorder: Recorder,
    /// Events processed (for the benchmark's events/s).
    pub events: u64,
    /// Requests that arrived (measured window or not).
    pub arrivals: u64,
    /// Most requests alive at once (slab slots used).
    pub peak_requests: usize,
}

struct World<'a, Q> {
    sc: &'a Scenario,
    now: Nanos,
    queue: Q,
    requests: Slab<Request>,
    sources: Vec<SourceState>,
    groups: Vec<GroupState>,
    rec: Recorder,
    next_flow: u64,
}

/// Runs replication `replication` of `sc` with the default event queue.
pub fn run(
    sc: &Scenario,
    replication: u32,
    progress: Option<&(dyn Fn(Nanos) + Sync)>,
) -> RunOutput {
    // The calendar queue: the fastest in `simroute bench` (fewest instructions per event and best
    // wall time); it pops exactly the BinaryHeap's order, so results are unchanged.
    run_with_queue::<CalendarQueue<Event>>(sc, replication, progress)
}

/// Runs one replication over event queue `Q` (the benchmark compares queues this way).
/// `progress` is called with the simulated time at each time-series tick.
pub fn run_with_queue<Q: EventQueue<Event> + Default>(
    sc: &Scenario,
    replication: u32,
    progress: Option<&(dyn Fn(Nanos) + Sync)>,
) -> RunOutput {
    let streams = Streams::new(sc.seed, replication);
    let group_shape: Vec<(u32, u32)> = sc
        .groups
        .iter()
        .map(|g| (g.targets, g.app.workers))
        .collect();
    let mut rec = Recorder::new(
        sc.warmup,
        sc.duration,
        sc.interval,
        sc.routes.len(),
        &group_shape,
    );
    rec.stages_present[StageKind::AppQueue as usize] = true;
    rec.stages_present[StageKind::AppService as usize] = true;
    let mut w = World {
        sc,
        now: 0,
        queue: Q::default(),
        requests: Slab::new(),
        sources: sc
            .sources
            .iter()
            .enumerate()
            .map(|(i, s)| SourceState::new(s.arrival, streams.stream(StreamId::Arrivals(i as u32))))
            .collect(),
        groups: sc
            .groups
            .iter()
            .enumerate()
            .map(|(i, g)| GroupState {
                balancer: Balancer::new(g.algorithm, streams.stream(StreamId::Balancing(i as u32))),
                stages: (0..g.targets)
                    .map(|_| Stage::new(g.app.workers, g.app.queue_limit))
                    .collect(),
                service_rng: streams.stream(StreamId::AppService(i as u32)),
            })
            .collect(),
        rec,
        next_flow: 0,
    };
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
            Event::AppDone { req } => w.on_app_done(req),
            Event::ClientTimeout { req } => w.on_client_timeout(req),
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
        arrivals: w.next_flow,
        peak_requests: w.requests.capacity_used(),
        recorder: w.rec,
    }
}

impl<Q: EventQueue<Event>> World<'_, Q> {
    fn schedule_next_arrival(&mut self, source: u32) {
        let profile = &self.sc.sources[source as usize].profile;
        if let Some(t) = self.sources[source as usize].next_arrival(profile)
            && t < self.sc.duration
        {
            self.queue.push(t, Event::Arrival { source });
        }
    }

    fn on_arrival(&mut self, source: u32) {
        self.schedule_next_arrival(source);
        let src = &self.sc.sources[source as usize];
        let (route, group) = (src.route, src.group);
        let flow = self.next_flow;
        self.next_flow += 1;
        self.rec.arrival(self.now, route);
        let req = self.requests.insert(Request {
            arrived: self.now,
            enqueued: self.now,
            route,
            group,
            target: 0,
            answered: false,
        });
        if let Some(timeout) = src.timeout {
            self.queue
                .push(self.now + timeout, Event::ClientTimeout { req });
        }
        self.dispatch(req, group, flow);
    }

    /// Sends a request to a target of `group` and offers it to that target's app.
    fn dispatch(&mut self, req: Handle, group: u32, flow: u64) {
        let g = &mut self.groups[group as usize];
        let GroupState {
            balancer, stages, ..
        } = g;
        let target = balancer.pick(stages.len() as u32, flow, |i| {
            stages[i as usize].outstanding()
        });
        let stage = &mut stages[target as usize];
        let admission = stage.offer(req);
        let queued = stage.queued();
        self.rec.target_request(self.now, group, target, queued);
        let r = self.requests.get_mut(req).expect("live request");
        r.target = target;
        r.enqueued = self.now;
        match admission {
            Admission::Started => self.start_service(req, group, target),
            Admission::Queued => {}
            Admission::Rejected => {
                self.respond(req, Err(Failure::Unavailable503));
                self.requests.remove(req);
            }
        }
    }

    /// A worker of `target` takes `req`: record its wait and schedule its completion.
    fn start_service(&mut self, req: Handle, group: u32, target: u32) {
        let g = &mut self.groups[group as usize];
        let service = self.sc.groups[group as usize]
            .app
            .service
            .sample(&mut g.service_rng);
        let busy = g.stages[target as usize].busy();
        self.rec.target_busy(self.now, group, target, busy);
        let r = self.requests.get(req).expect("live request");
        self.rec
            .stage(r.arrived, StageKind::AppQueue, self.now - r.enqueued);
        self.rec.stage(r.arrived, StageKind::AppService, service);
        self.queue.push(self.now + service, Event::AppDone { req });
    }

    fn on_app_done(&mut self, req: Handle) {
        let Some(r) = self.requests.get(req).copied() else {
            return;
        };
        self.respond(req, Ok(()));
        self.requests.remove(req);
        let stage = &mut self.groups[r.group as usize].stages[r.target as usize];
        match stage.finish() {
            Some(next) => {
                self.start_service(next, r.group, r.target);
            }
            None => {
                let busy = stage.busy();
                self.rec.target_busy(self.now, r.group, r.target, busy);
            }
        }
    }

    fn on_client_timeout(&mut self, req: Handle) {
        // Stale if the request finished (handle generation moved on) or was already answered;
        // a timed-out request keeps its place at the server, which still does the work.
        if self.requests.get(req).is_some_and(|r| !r.answered) {
            self.respond(req, Err(Failure::ClientTimeout));
        }
    }

    /// Gives the client its answer, once; later answers (the server finishing after the client
    /// gave up) are not counted.
    fn respond(&mut self, req: Handle, result: Result<(), Failure>) {
        let r = self.requests.get_mut(req).expect("live request");
        if r.answered {
            return;
        }
        r.answered = true;
        let (arrived, route) = (r.arrived, r.route);
        self.rec.response(self.now, arrived, route, result);
    }
}
