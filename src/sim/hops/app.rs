//! The app hop: faults that answer before a worker is taken (a gray failure's fast 500, a
//! refusing app's 502), the workers and their queue, service times (with the dependency's
//! latency, per-target factors and a slow fault), and the errors drawn at completion.

use super::super::attempt::{AppHold, Attempt, Phase};
use super::super::ctx::Ctx;
use super::super::event::Event;
use super::super::path::Step;
use super::super::targets::GroupState;
use super::Parts;
use crate::engine::rng::unit_f64;
use crate::engine::{Handle, Nanos};
use crate::model::stage::Admission;
use crate::vocab::{Failure, StageKind};

/// A fault that answers a request at the app at once, without a worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::sim) enum Refusal {
    /// A gray failure's fast 500 (the connection stays usable).
    FailFast,
    /// nginx cannot connect to the app (ECONNREFUSED): 502, at once.
    AppDown,
}

impl Refusal {
    /// What the client is answered.
    pub fn failure(self) -> Failure {
        match self {
            Refusal::FailFast => Failure::InternalError500,
            Refusal::AppDown => Failure::BadGateway502,
        }
    }
}

/// The app hop: a fault answers attempt `a` at once, or it starts, queues, or is refused with
/// 503. A request through nginx has nginx's read timeout running from here.
pub(in crate::sim) fn arrive(p: &mut Parts, req: Handle, a: &mut Attempt) -> Step {
    let g = &mut p.groups[a.group as usize];
    if let Some(refusal) = g.app_refusal(a) {
        a.phase = Phase::Done;
        if refusal == Refusal::AppDown {
            p.albs.release_for(p.ctx, a);
        }
        return Step::Answer(Err(refusal.failure()), 0);
    }
    super::sidecar::start_read_timeout(p.ctx, a, req);
    let app = &mut g.targets[a.target as usize].app;
    let admission = app.offer(req);
    let queued = app.queued();
    a.mark = p.ctx.now;
    a.phase = Phase::AtApp;
    match admission {
        Admission::Started => {
            a.app = AppHold::Held;
            start_service(p.ctx, g, req, a);
            Step::Wait
        }
        Admission::Queued => {
            a.app = AppHold::Held;
            p.ctx.rec.app_queue(a.group, a.target, queued);
            Step::Wait
        }
        Admission::Rejected => {
            p.albs.release_for(p.ctx, a);
            Step::Answer(Err(Failure::Unavailable503), 0)
        }
    }
}

/// An app worker of `g` takes attempt `a`: its completion is scheduled (a hung app never
/// completes: the worker is stuck).
pub(in crate::sim) fn start_service(
    ctx: &mut Ctx,
    g: &mut GroupState,
    req: Handle,
    a: &mut Attempt,
) {
    let service = g.service_time(ctx, a);
    let busy = g.targets[a.target as usize].app.busy();
    g.set_busy(ctx, a.group, a.target, busy);
    match service {
        Some(service) => ctx.after(service, Event::AppDone { req }),
        None => a.app = AppHold::Stuck,
    }
}

impl GroupState {
    /// A fault that answers attempt `a` at the app at once, without a worker.
    #[inline]
    pub(in crate::sim) fn app_refusal(&mut self, a: &Attempt) -> Option<Refusal> {
        let faults = self.targets[a.target as usize].faults;
        if faults.fail_fast > 0.0 && a.is_user() && unit_f64(&mut self.error_rng) < faults.fail_fast
        {
            // Gray failure: the app answers 500 at once on the request path, without taking
            // a worker; the health-check path does not go through the failing code, so checks
            // still pass (Builders' Library, "implementing health checks").
            return Some(Refusal::FailFast);
        }
        faults.app_down.then_some(Refusal::AppDown)
    }

    /// Target `target` has `busy` app workers busy: feeds utilization figures and the
    /// autoscaling CPU metric.
    pub(in crate::sim) fn set_busy(&mut self, ctx: &mut Ctx, group: u32, target: u32, busy: u32) {
        ctx.rec.target_busy(ctx.now, group, target, busy);
        if ctx.sc.groups[group as usize].autoscaling.is_none() {
            return; // the CPU metric is only needed by autoscaling
        }
        let t = &mut self.targets[target as usize];
        let old = t.busy;
        t.busy = busy;
        self.scaling.advance(ctx.now);
        self.scaling.busy_workers =
            (self.scaling.busy_workers + u64::from(busy)).saturating_sub(u64::from(old));
    }

    /// An app worker takes attempt `a`: its service time, or `None` when the app is hung (the
    /// worker is stuck until the fault ends). Records the wait and service stages of a user
    /// request.
    pub(in crate::sim) fn service_time(&mut self, ctx: &mut Ctx, a: &Attempt) -> Option<Nanos> {
        let spec = &ctx.sc.groups[a.group as usize];
        let mut service = spec.app.service.sample(&mut self.service_rng);
        if let Some(dep) = &spec.app.dependency {
            service += dep.latency.sample(&mut self.service_rng);
        }
        let t = &self.targets[a.target as usize];
        let factor = spec
            .app
            .service_factors
            .get(a.target as usize)
            .copied()
            .unwrap_or(1.0)
            * t.faults.slow;
        if factor != 1.0 {
            service = (service as f64 * factor).round() as Nanos;
        }
        // A probe takes a worker like a request (it counts in utilization and the CPU metric)
        // but is not a request: the stage figures and P(wait > 0) are of user traffic only.
        if a.is_user() {
            ctx.rec.stage(
                a.first_arrived,
                ctx.sc.sources[a.source as usize].stats_route,
                StageKind::AppQueue,
                ctx.now - a.mark,
            );
        }
        if t.faults.hung {
            return None;
        }
        if a.is_user() {
            ctx.rec.stage(
                a.first_arrived,
                ctx.sc.sources[a.source as usize].stats_route,
                StageKind::AppService,
                service,
            );
        }
        Some(service)
    }

    /// The app finished attempt `a`: it failed with the app's or its dependency's error rate,
    /// or a fault's.
    pub(in crate::sim) fn completion(&mut self, ctx: &Ctx, a: &Attempt) -> Result<(), Failure> {
        let spec = &ctx.sc.groups[a.group as usize];
        let fault_errors = self.targets[a.target as usize].faults.errors;
        let rng = &mut self.error_rng;
        let failed = (spec.app.error_rate > 0.0 && unit_f64(rng) < spec.app.error_rate)
            || (fault_errors > 0.0 && unit_f64(rng) < fault_errors)
            || spec
                .app
                .dependency
                .as_ref()
                .is_some_and(|d| d.error_rate > 0.0 && unit_f64(rng) < d.error_rate);
        if failed {
            Err(Failure::InternalError500)
        } else {
            Ok(())
        }
    }
}
