//! The load balancer hop: which target of the group a user attempt goes to, and the count of
//! requests outstanding at each target that the algorithms balance on. An NLB keeps a
//! connection on one target for its life (an unhealthy target's flows are reset elsewhere), as
//! does a connection straight to a task; an ALB routes each request on its own, whatever
//! connection it came on. The group's algorithm picks over the routable targets; the special
//! cases (automatic target weights, slow start, zone nodes) are in `balancing.rs`.

use super::super::attempt::Attempt;
use super::super::control::cloud_map::DnsScratch;
use super::super::path::{Discovery, Path, Step};
use super::super::targets::GroupState;
use super::Parts;
use super::balancing;
use super::client::Clients;
use crate::engine::{Handle, Nanos};
use crate::model::health::Health;
use crate::scenario::{Front, Scenario, TargetGroup};
use crate::vocab::Failure;

/// The pick hop of user attempt `a`: the target it goes to, counted in that target's
/// outstanding requests and put on its in-flight list.
pub(in crate::sim) fn pick(p: &mut Parts, req: Handle, a: &mut Attempt) -> Step {
    let sc = p.ctx.sc;
    let now = p.ctx.now;
    let path = p.paths.sources[a.source as usize];
    let g = &mut p.groups[a.group as usize];
    let target = match g.pick_for(sc, now, path, p.clients, p.dns, a) {
        Ok(target) => target,
        Err(failure) => return Step::Answer(Err(failure), 0),
    };
    g.count_in(target, a.flow);
    p.ctx.rec.target_request(now, a.group, target);
    a.target = target;
    a.counted = true;
    a.listed = g.targets[target as usize].list(req);
    Step::Next(0)
}

impl GroupState {
    /// The target user attempt `a` goes to, found the way its path says (the load balancer, or
    /// a caller discovering through Cloud Map); else what the client is answered: an ALB with
    /// nowhere to send it answers 503 itself, passed through by the gateway (reference §4,
    /// A3); with no ALB, the path's "unreachable".
    pub(in crate::sim) fn pick_for(
        &mut self,
        sc: &Scenario,
        now: Nanos,
        path: Path,
        clients: &mut Clients,
        dns: &mut DnsScratch,
        a: &Attempt,
    ) -> Result<u32, Failure> {
        let spec = &sc.groups[a.group as usize];
        let picked = match path.discovery {
            Discovery::Balancer => self.pick(spec, now, clients, a),
            Discovery::CloudMap | Discovery::Dns => self.pick_discovered(sc, now, clients, dns, a),
        };
        picked.ok_or(if spec.alb.is_some() {
            Failure::Unavailable503
        } else {
            path.unreachable
        })
    }

    /// The load balancer's choice for user attempt `a`: its connection's pinned target while
    /// that target still takes the flow (healthy, draining, or any registered one while the
    /// group fails open), else the group's algorithm over the routable targets; the choice
    /// pins the connection. Behind an ALB nothing is pinned: it multiplexes, picking a target
    /// for every request (A1), so a draining target gets no new request. `None`: nowhere to
    /// send it.
    pub(in crate::sim) fn pick(
        &mut self,
        spec: &TargetGroup,
        now: Nanos,
        clients: &mut Clients,
        a: &Attempt,
    ) -> Option<u32> {
        let pins = spec.front != Front::Alb;
        if let Some(t) = clients.pinned(a).filter(|_| pins) {
            let health = self.targets[t as usize].health.state();
            if health == Health::Healthy
                || health == Health::Draining
                || (self.failing_open && health.is_registered())
            {
                return Some(t);
            }
        }
        let target = if self.special {
            self.pick_special(spec, now, a.flow)?
        } else {
            if self.routable.is_empty() {
                return None;
            }
            let GroupState {
                balancer,
                targets,
                routable,
                ..
            } = self;
            let i = balancer.pick(routable.len() as u32, a.flow, |i| {
                targets[routable[i as usize] as usize].outstanding
            });
            routable[i as usize]
        };
        if pins {
            clients.pin(a, target);
        }
        Some(target)
    }

    /// A user attempt on flow `flow` is sent to `target`: it counts in the target's
    /// outstanding requests (and its node's view) and in the group's request metric.
    #[inline]
    pub(in crate::sim) fn count_in(&mut self, target: u32, flow: u64) {
        self.targets[target as usize].outstanding += 1;
        if self.views {
            *balancing::node_slot(self, target, flow) += 1;
        }
        self.scaling.requests += 1;
    }

    /// The attempt counted by [`Self::count_in`] was answered.
    #[inline]
    pub(in crate::sim) fn count_out(&mut self, target: u32, flow: u64) {
        if self.views {
            *balancing::node_slot(self, target, flow) -= 1;
        }
        self.targets[target as usize].outstanding -= 1;
    }
}
