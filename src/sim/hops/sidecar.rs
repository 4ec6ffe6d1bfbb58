//! The nginx sidecar hop: a connection takes two of nginx's free connection slots (a client and
//! an upstream one) and is proxied, takes the last one and is answered 500 (no slot for the
//! upstream connection), or finds none and is closed at once (`model/nginx.rs`). Nothing waits:
//! nginx accepts every connection the kernel completes, so the listen backlog stays empty. An
//! accepted request reaches the app after nginx's own latency.

use super::super::attempt::{Attempt, Kind, Phase};
use super::super::ctx::Ctx;
use super::super::path::Step;
use super::super::targets::{GroupState, TargetState, Task};
use super::Parts;
use crate::engine::{Handle, Nanos};
use crate::model::nginx::Admission;
use crate::vocab::{Failure, StageKind};

/// What happened to a connection offered to a target's task.
pub(in crate::sim) enum Accept {
    /// The task is gone (crashed, or a stopped task behind a stale DNS record): no answer.
    NoAnswer,
    /// No sidecar: straight on to the app.
    NoSidecar,
    /// nginx proxied it, answered it 500 or closed it.
    Sidecar(Admission),
}

/// The connect hop: attempt `a` offers its connection to its target's task. A task that is gone
/// (crashed, or stopped behind a stale DNS record) never answers; without a sidecar the
/// connection is the app's; nginx proxies it (on to the sidecar hop), answers it 500 after its
/// latency (no slot for the upstream connection), or closes it at once.
pub(in crate::sim) fn connect(p: &mut Parts, a: &mut Attempt) -> Step {
    let spec = &p.ctx.sc.groups[a.group as usize];
    let g = &mut p.groups[a.group as usize];
    let t = &mut g.targets[a.target as usize];
    let gone = t.faults.crashed || t.task == Task::Stopped;
    let accept = t.accept(gone);
    a.mark = p.ctx.now;
    match accept {
        Accept::NoAnswer => {
            a.phase = Phase::BlackHole;
            Step::Wait
        }
        Accept::NoSidecar => Step::Next(0),
        Accept::Sidecar(Admission::Proxied) => {
            a.holds_sidecar = true;
            Step::Next(0)
        }
        Accept::Sidecar(Admission::NoUpstreamSlot) => {
            // nginx read the request and found no slot to connect upstream: its 500.
            let latency = g.sidecar_latency(p.ctx, a);
            Step::Answer(Err(Failure::InternalError500), latency)
        }
        Accept::Sidecar(Admission::Closed) => {
            // Accepted and closed with no answer. An ALB answers 502 ("the target closed the
            // connection ... while the load balancer had an outstanding request", reference
            // §4, A3); else what the path makes of a closed connection. A check's outcome is
            // only pass or fail.
            let failure = match (spec.alb, a.is_user()) {
                (None, true) => p.paths.sources[a.source as usize].closed,
                _ => Failure::BadGateway502,
            };
            Step::Answer(Err(failure), 0)
        }
    }
}

/// The sidecar hop: nginx passes the proxied attempt `a` on to the app after its latency.
#[inline]
pub(in crate::sim) fn proxy(p: &mut Parts, a: &Attempt) -> Step {
    Step::Next(p.groups[a.group as usize].sidecar_latency(p.ctx, a))
}

/// nginx's read timeout for attempt `req` as it goes on to the app (groups with a sidecar); a
/// container check runs inside the task, not through nginx.
#[inline]
pub(in crate::sim) fn start_read_timeout(ctx: &mut Ctx, a: &Attempt, req: Handle) {
    if let Some(sidecar) = &ctx.sc.groups[a.group as usize].sidecar
        && a.kind != Kind::ContainerCheck
    {
        let timer = ctx.timers.layout.proxy_read(a.group);
        ctx.start_timer(timer, ctx.now + sidecar.read_timeout, req);
    }
}

impl TargetState {
    /// The task is offered a connection; `gone`: it no longer answers at all.
    #[inline]
    pub(in crate::sim) fn accept(&mut self, gone: bool) -> Accept {
        if gone {
            return Accept::NoAnswer;
        }
        match self.sidecar.as_mut() {
            None => Accept::NoSidecar,
            Some(s) => Accept::Sidecar(s.offer()),
        }
    }
}

impl GroupState {
    /// nginx passes attempt `a` on (or answers it): its latency (drawn from the group's hop
    /// stream), recorded as the sidecar stage of a user request.
    #[inline]
    pub(in crate::sim) fn sidecar_latency(&mut self, ctx: &mut Ctx, a: &Attempt) -> Nanos {
        let sidecar = ctx.sc.groups[a.group as usize]
            .sidecar
            .as_ref()
            .expect("group has a sidecar");
        let latency = sidecar.latency.sample(&mut self.hop_rng);
        if a.is_user() {
            // Stage figures are of user requests; health-check probes are counted apart.
            ctx.rec.stage(
                a.first_arrived,
                ctx.sc.sources[a.source as usize].stats_route,
                StageKind::Sidecar,
                latency,
            );
        }
        latency
    }
}
