//! ELB health checks: a round of probes per target every interval, from each load balancer
//! node, feeding the state machine of `model::health`; and what follows a transition (the
//! routable set, the NLB's resets, fail-open, ECS's replacement decisions).

use super::{Attempt, Event, EventQueue, Failure, Handle, Health, PROBE_SOURCE, Phase, World};
use crate::model::health::Thresholds;
use crate::vocab::HealthProtocol;

impl<Q: EventQueue<Event> + Default> World<'_, Q> {
    /// A check round for `target`: TCP probes see the task's network state at once (a failure
    /// is only known at the timeout); HTTP probes go through nginx to the app like requests.
    pub(super) fn on_probe(&mut self, group: u32, target: u32) {
        let Some(hc) = self.sc.groups[group as usize].health_check.as_ref() else {
            return;
        };
        if !self.groups[group as usize].targets[target as usize]
            .health
            .state()
            .is_registered()
        {
            return; // deregistered: checks stop
        }
        if hc.protocol == HealthProtocol::Http
            && self.groups[group as usize].targets[target as usize].round_pending > 0
        {
            // The previous round is still out, so its timeout is now (timeout = interval).
            self.time_out_round(group, target);
            if !self.groups[group as usize].targets[target as usize]
                .health
                .state()
                .is_registered()
            {
                return; // its verdict got the task replaced
            }
        }
        let t = &self.groups[group as usize].targets[target as usize];
        self.queue
            .push(self.now + hc.interval, Event::Probe { group, target });
        self.rec.probes(group, hc.nodes);
        match hc.protocol {
            HealthProtocol::Tcp => {
                // nginx accepts the connection unless the whole task is gone.
                if t.faults.crashed {
                    let pass = false;
                    self.queue.push(
                        self.now + hc.timeout,
                        Event::ProbeDone {
                            group,
                            target,
                            pass,
                        },
                    );
                } else {
                    self.check_result(group, target, true);
                }
            }
            HealthProtocol::Http => {
                let t = &mut self.groups[group as usize].targets[target as usize];
                t.round_pending = hc.nodes;
                t.round_passes = 0;
                for _ in 0..hc.nodes {
                    let req = self.attempts.insert(Attempt {
                        group,
                        target,
                        probe: true,
                        ..Attempt::new(self.now, PROBE_SOURCE, Phase::ToTarget)
                    });
                    self.start_timer(self.layout.health_check(group), self.now + hc.timeout, req);
                    let a = *self.attempts.get(req).expect("just inserted");
                    self.reach_target(req, a);
                }
            }
        }
    }

    /// Fails the probes of `target`'s current round that are still unanswered: their timeout
    /// is now. Called when the next round starts with the previous one still out, which only
    /// happens when the timeout equals the interval; the health-check timer would fail them at
    /// this same instant, but its event may come out after the next round's, and a round that
    /// found the previous one pending used to be skipped: a black-holed target was then checked
    /// every other interval, and detected up to (U − 1) intervals late (reference §3 rule:
    /// within U·interval + timeout).
    fn time_out_round(&mut self, group: u32, target: u32) {
        let late: Vec<Handle> = self
            .attempts
            .handles()
            .filter(|&h| {
                self.attempts.get(h).is_some_and(|a| {
                    a.probe
                        && a.source == PROBE_SOURCE
                        && !a.answered
                        && a.group == group
                        && a.target == target
                })
            })
            .collect();
        for h in late {
            self.answer(h, Err(Failure::ClientTimeout));
        }
    }

    /// One HTTP probe of a round was answered (2xx passes; errors and timeouts fail). The
    /// round's verdict is the majority of the nodes' probes.
    pub(super) fn probe_answered(&mut self, group: u32, target: u32, pass: bool) {
        let t = &mut self.groups[group as usize].targets[target as usize];
        if t.round_pending == 0 {
            return;
        }
        t.round_pending -= 1;
        t.round_passes += u32::from(pass);
        if t.round_pending == 0 {
            let nodes = self.sc.groups[group as usize]
                .health_check
                .as_ref()
                .map_or(1, |h| h.nodes);
            let verdict = 2 * t.round_passes > nodes;
            self.check_result(group, target, verdict);
        }
    }

    /// A round's verdict feeds the target's state machine.
    pub(super) fn check_result(&mut self, group: u32, target: u32, pass: bool) {
        let Some(hc) = self.sc.groups[group as usize].health_check.as_ref() else {
            return;
        };
        let thresholds = Thresholds {
            healthy: hc.healthy_threshold,
            unhealthy: hc.unhealthy_threshold,
            initial: hc.initial_passes,
        };
        let t = &mut self.groups[group as usize].targets[target as usize];
        let from = t.health.state();
        if let Some(to) = t.health.record(pass, thresholds) {
            self.health_changed(group, target, from, to);
        }
    }

    /// Records a transition and applies what follows from it.
    pub(super) fn health_changed(&mut self, group: u32, target: u32, from: Health, to: Health) {
        self.rec.groups[group as usize].health_transitions += 1;
        self.log(
            "health",
            group,
            Some(target),
            from.name(),
            to.name(),
            String::new(),
        );
        let fault = self.groups[group as usize].targets[target as usize]
            .faults
            .fault;
        if to == Health::Unhealthy
            && let Some(fault) = fault
        {
            self.rec.fault_detected(fault, self.now);
        }
        if to == Health::Unhealthy {
            // Within its ECS grace period the failure is ignored, not forgotten: the scheduler
            // acts on it when the period ends (nothing else may call it back then).
            let grace_end = self.groups[group as usize].targets[target as usize].started
                + self.sc.groups[group as usize].service.grace_period;
            if grace_end > self.now {
                self.queue.push(grace_end, Event::GraceOver { group });
            }
        }
        if to == Health::Healthy {
            self.begin_slow_start(group, target);
        } else if from == Health::Healthy {
            // A target leaves slow start when it becomes unhealthy (A1).
            self.groups[group as usize].targets[target as usize].slow_since = None;
        }
        self.refresh_routable(group);
        let failing_open = self.is_failing_open(group);
        if to == Health::Unhealthy && !failing_open && self.sc.groups[group as usize].alb.is_none()
        {
            // The NLB resets the flows of an unhealthy target (unless it fails open); an ALB
            // lets requests in flight finish and only stops routing new ones there.
            self.reset_target(group, target);
        }
        self.reconcile(group);
    }

    /// True when no target is healthy and the group routes to every registered one.
    pub(super) fn is_failing_open(&self, group: u32) -> bool {
        self.groups[group as usize].failing_open
    }

    /// The group's healthy targets as its callers see them, when that is not the load
    /// balancer's view: a group reached only through Cloud Map (no ELB health check) counts the
    /// instances Cloud Map reports healthy. `None`: count the ELB-healthy targets.
    pub(super) fn healthy_count(&self, group: u32) -> Option<u32> {
        let spec = &self.sc.groups[group as usize];
        if spec.health_check.is_some() || spec.cloud_map.is_none() {
            return None;
        }
        let g = &self.groups[group as usize];
        Some(
            g.targets
                .iter()
                .filter(|t| t.instance.registered && t.instance.healthy)
                .count() as u32,
        )
    }

    /// Rebuilds the set of targets that get new requests: the healthy ones, or, when none is
    /// healthy, every registered one (fail open, as ELB does).
    pub(super) fn refresh_routable(&mut self, group: u32) {
        let was_failing_open = self.is_failing_open(group);
        let g = &mut self.groups[group as usize];
        g.routable.clear();
        let mut registered = 0;
        let mut draining = 0;
        for (i, t) in g.targets.iter().enumerate() {
            match t.health.state() {
                Health::Healthy => g.routable.push(i as u32),
                Health::Draining => draining += 1,
                _ => {}
            }
            if t.health.state().is_registered() {
                registered += 1;
            }
        }
        let lb_healthy = g.routable.len() as u32;
        g.failing_open = false;
        if g.routable.is_empty() {
            for (i, t) in g.targets.iter().enumerate() {
                if t.health.state().is_registered() {
                    g.routable.push(i as u32);
                }
            }
            g.failing_open = !g.routable.is_empty();
        }
        if self.groups[group as usize].zonal {
            self.refresh_zones(group);
        }
        let healthy = self.healthy_count(group).unwrap_or(lb_healthy);
        self.rec
            .group_health(self.now, group, healthy, registered, draining);
        let failing_open = self.is_failing_open(group);
        if failing_open != was_failing_open {
            let name = |open: bool| if open { "fail_open" } else { "normal" };
            self.log(
                "fail_open",
                group,
                None,
                name(was_failing_open),
                name(failing_open),
                "no healthy target: routing to every registered target".into(),
            );
        }
    }

    /// Fails the requests in flight at a target whose connections are cut: each gets the
    /// status its hops return for a reset connection.
    pub(super) fn reset_target(&mut self, group: u32, target: u32) {
        let failure = self.lost_connection_failure(group);
        let victims: Vec<Handle> = self
            .attempts
            .handles()
            .filter(|&h| {
                self.attempts.get(h).is_some_and(|a| {
                    a.picked && !a.answered && a.group == group && a.target == target
                })
            })
            .collect();
        for h in victims {
            self.answer(h, Err(failure));
        }
    }

    /// What the client sees when `group`'s target closes or resets a connection mid-request:
    /// behind an ALB, the ALB's 502 ("the target closed the connection ... while the load
    /// balancer had an outstanding request", reference §4, A3), which API Gateway passes
    /// through; else what [`Self::integration_failure`] says.
    pub(super) fn lost_connection_failure(&self, group: u32) -> Failure {
        if self.sc.groups[group as usize].alb.is_some() {
            Failure::BadGateway502
        } else {
            self.integration_failure()
        }
    }

    /// What the client sees when the connection to the task is reset mid-request: REST
    /// documents 504 `INTEGRATION_FAILURE`; HTTP APIs answer 503; a client with no gateway sees
    /// the broken connection as a 502-class failure.
    pub(super) fn integration_failure(&self) -> Failure {
        use crate::vocab::ApiKind;
        match self.sc.gateway.as_ref().map(|g| g.kind) {
            Some(ApiKind::Rest) => Failure::GatewayTimeout504,
            Some(ApiKind::Http) => Failure::Unavailable503,
            None => Failure::BadGateway502,
        }
    }
}
