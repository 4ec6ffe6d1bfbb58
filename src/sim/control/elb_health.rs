//! ELB health checks of a target group: a round of probes per target every interval, from each
//! load balancer node, feeding the state machine of `model::health`; and what a transition
//! changes in the group (the routable set, fail-open, slow start, zone nodes). The world sends
//! the HTTP probes through nginx like requests, and acts on a transition's resets.

use super::super::ctx::Ctx;
use super::super::event::Event;
use super::super::targets::GroupState;
use crate::model::health::{Health, Thresholds};
use crate::scenario::TargetGroup;
use crate::vocab::HealthProtocol;

/// What a target's check round does.
pub(in crate::sim) enum Round {
    /// No check (deregistered, or the group has none).
    None,
    /// A TCP check whose verdict is known now.
    TcpVerdict(bool),
    /// A TCP check of a gone task: it fails at the timeout (scheduled).
    TcpTimingOut,
    /// HTTP probes, one from each of this many nodes, to send through nginx.
    Http(u32),
}

impl GroupState {
    /// True when `target` still has probes of its previous HTTP round out (the timeout equals
    /// the interval): they time out now, before the next round.
    pub(in crate::sim) fn round_still_out(&self, spec: &TargetGroup, target: u32) -> bool {
        spec.health_check
            .as_ref()
            .is_some_and(|hc| hc.protocol == HealthProtocol::Http)
            && self.targets[target as usize].health.state().is_registered()
            && self.targets[target as usize].round_pending > 0
    }

    /// A check round for `target` starts (and the next is scheduled): TCP probes see the task's
    /// network state at once (a failure is only known at the timeout); HTTP probes go through
    /// nginx to the app like requests.
    pub(in crate::sim) fn start_round(&mut self, ctx: &mut Ctx, group: u32, target: u32) -> Round {
        let Some(hc) = ctx.sc.groups[group as usize].health_check.as_ref() else {
            return Round::None;
        };
        let t = &mut self.targets[target as usize];
        if !t.health.state().is_registered() {
            return Round::None; // deregistered (or replaced after the last round): checks stop
        }
        ctx.after(hc.interval, Event::Probe { group, target });
        ctx.rec.probes(group, hc.nodes);
        match hc.protocol {
            // nginx accepts the connection unless the whole task is gone.
            HealthProtocol::Tcp if t.faults.crashed => {
                let pass = false;
                ctx.after(
                    hc.timeout,
                    Event::ProbeDone {
                        group,
                        target,
                        pass,
                    },
                );
                Round::TcpTimingOut
            }
            HealthProtocol::Tcp => Round::TcpVerdict(true),
            HealthProtocol::Http => {
                t.round_pending = hc.nodes;
                t.round_passes = 0;
                Round::Http(hc.nodes)
            }
        }
    }

    /// One HTTP probe of a round was answered (2xx passes; errors and timeouts fail). The
    /// round's verdict, once every node's probe is in: the majority.
    pub(in crate::sim) fn probe_answered(
        &mut self,
        spec: &TargetGroup,
        target: u32,
        pass: bool,
    ) -> Option<bool> {
        let t = &mut self.targets[target as usize];
        if t.round_pending == 0 {
            return None;
        }
        t.round_pending -= 1;
        t.round_passes += u32::from(pass);
        if t.round_pending > 0 {
            return None;
        }
        let nodes = spec.health_check.as_ref().map_or(1, |h| h.nodes);
        Some(2 * t.round_passes > nodes)
    }

    /// A round's verdict feeds the target's state machine: the transition it makes, if any.
    pub(in crate::sim) fn record_check(
        &mut self,
        spec: &TargetGroup,
        target: u32,
        pass: bool,
    ) -> Option<(Health, Health)> {
        let hc = spec.health_check.as_ref()?;
        let thresholds = Thresholds {
            healthy: hc.healthy_threshold,
            unhealthy: hc.unhealthy_threshold,
            initial: hc.initial_passes,
        };
        let t = &mut self.targets[target as usize];
        let from = t.health.state();
        t.health.record(pass, thresholds).map(|to| (from, to))
    }

    /// Records a transition and applies what follows from it in the group. Returns true when
    /// the load balancer now resets the target's flows: an NLB resets an unhealthy target's
    /// flows (unless it fails open); an ALB lets requests in flight finish and only stops
    /// routing new ones there.
    pub(in crate::sim) fn health_changed(
        &mut self,
        ctx: &mut Ctx,
        group: u32,
        target: u32,
        (from, to): (Health, Health),
    ) -> bool {
        let spec = &ctx.sc.groups[group as usize];
        ctx.rec.groups[group as usize].health_transitions += 1;
        ctx.log(
            "health",
            group,
            Some(target),
            from.name(),
            to.name(),
            String::new(),
        );
        let t = &self.targets[target as usize];
        if to == Health::Unhealthy {
            if let Some(fault) = t.faults.fault {
                ctx.rec.fault_detected(fault, ctx.now);
            }
            // Within its ECS grace period the failure is ignored, not forgotten: the scheduler
            // acts on it when the period ends (nothing else may call it back then).
            let grace_end = t.started + spec.service.grace_period;
            if grace_end > ctx.now {
                ctx.at(grace_end, Event::GraceOver { group });
            }
        }
        if to == Health::Healthy {
            self.begin_slow_start(spec, ctx.now, target);
        } else if from == Health::Healthy {
            // A target leaves slow start when it becomes unhealthy (A1).
            self.targets[target as usize].slow_since = None;
        }
        self.refresh_routable(ctx, group);
        to == Health::Unhealthy && !self.failing_open && spec.alb.is_none()
    }

    /// The group's healthy targets as its callers see them, when that is not the load
    /// balancer's view: a group reached only through Cloud Map (no ELB health check) counts the
    /// instances Cloud Map reports healthy. `None`: count the ELB-healthy targets.
    pub(in crate::sim) fn healthy_count(&self, spec: &TargetGroup) -> Option<u32> {
        if spec.health_check.is_some() || spec.cloud_map.is_none() {
            return None;
        }
        Some(
            self.targets
                .iter()
                .filter(|t| t.instance.registered && t.instance.healthy)
                .count() as u32,
        )
    }

    /// Rebuilds the set of targets that get new requests: the healthy ones, or, when none is
    /// healthy, every registered one (fail open, as ELB does).
    pub(in crate::sim) fn refresh_routable(&mut self, ctx: &mut Ctx, group: u32) {
        let was_failing_open = self.failing_open;
        self.routable.clear();
        let mut registered = 0;
        let mut draining = 0;
        for (i, t) in self.targets.iter().enumerate() {
            match t.health.state() {
                Health::Healthy => self.routable.push(i as u32),
                Health::Draining => draining += 1,
                _ => {}
            }
            if t.health.state().is_registered() {
                registered += 1;
            }
        }
        let lb_healthy = self.routable.len() as u32;
        self.failing_open = false;
        if self.routable.is_empty() {
            for (i, t) in self.targets.iter().enumerate() {
                if t.health.state().is_registered() {
                    self.routable.push(i as u32);
                }
            }
            self.failing_open = !self.routable.is_empty();
        }
        if self.zonal {
            self.refresh_zones(ctx, group);
        }
        let healthy = self
            .healthy_count(&ctx.sc.groups[group as usize])
            .unwrap_or(lb_healthy);
        ctx.rec
            .group_health(ctx.now, group, healthy, registered, draining);
        if self.failing_open != was_failing_open {
            let name = |open: bool| if open { "fail_open" } else { "normal" };
            ctx.log(
                "fail_open",
                group,
                None,
                name(was_failing_open),
                name(self.failing_open),
                "no healthy target: routing to every registered target".into(),
            );
        }
    }
}
