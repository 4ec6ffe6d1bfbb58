//! Each path, resolved once per replication from the scenario: the ordered hops an attempt
//! passes (a source's requests, a group's health-check probes, a task's container checks), how
//! a source's requests find their task, and what its client sees when a hop on the way fails.
//! The failure translation is written here once ("a refused connection behind a REST API is a
//! 500"), not in each hop. A feature a path does not use is not on it: a source without a
//! gateway never reaches the gateway hop, a group without a sidecar has no sidecar hop.

use super::attempt::{Attempt, Phase};
use crate::engine::Nanos;
use crate::scenario::{AlbAction, Scenario, SourcePath};
use crate::stats::recorder::Recorder;
use crate::stats::timeseries::Keep;
use crate::vocab::{ApiKind, Failure, StageKind};

/// How a source's requests find their task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Discovery {
    /// The load balancer (or target group) picks.
    Balancer,
    /// API Gateway calls Cloud Map's `DiscoverInstances`.
    CloudMap,
    /// The client resolves the service's DNS name.
    Dns,
}

/// What the client of one source sees when a hop fails, and how it finds its task.
#[derive(Debug, Clone, Copy)]
pub(super) struct Path {
    pub discovery: Discovery,
    /// The task refused the connection, or there is no task to send to, with no ALB to answer
    /// for it: REST APIs document "VPC link backend unreachable" as 500; HTTP APIs answer 503
    /// for integration failures; a client calling the task itself (no gateway, or a DNS client
    /// even beside one) sees 502.
    pub unreachable: Failure,
    /// nginx accepted the connection and closed it with no answer (out of connection slots),
    /// with no ALB to answer for it: behind a gateway its integration failure (REST 504, HTTP
    /// 503); a client connected to the task (no gateway, through an NLB, or a DNS client)
    /// sees the connection closed, no HTTP status.
    pub closed: Failure,
}

/// A hop of a path: what happens to an attempt when it reaches it (`hops/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Hop {
    /// API Gateway: throttling, route, authorizer, integration (`hops/gateway.rs`).
    Gateway,
    /// The load balancer, or a client discovering through Cloud Map or DNS, picks the task of a
    /// user attempt (`hops/load_balancer.rs`).
    Pick,
    /// An ALB sends a user request to its target: its connect or idle timer, or the keep-alive
    /// race's reset (`hops/alb.rs`). Only on paths to a group behind an ALB.
    Alb,
    /// The task is offered the connection: nginx proxies it, answers 500 or closes it; a task
    /// that is gone never answers (`hops/sidecar.rs`).
    Connect,
    /// nginx's own latency on the way to the app (`hops/sidecar.rs`).
    Sidecar,
    /// The app: a fault's refusal, a worker, the queue, or 503 (`hops/app.rs`).
    App,
}

/// What a hop decided for the attempt at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Step {
    /// On to the next hop of the path after this delay (0: at once, with no event).
    Next(Nanos),
    /// The client (or checker) is answered with this outcome after this delay (0: at once).
    Answer(Result<(), Failure>, Nanos),
    /// The attempt stays here until an event moves it (served or queued at the app, or sent
    /// to a task that never answers).
    Wait,
}

/// Most hops on a path: gateway, pick, ALB, connect, sidecar, app.
const MAX_HOPS: usize = 6;

/// The hops of one path, in order.
#[derive(Debug, Clone, Copy)]
pub(super) struct Hops {
    hops: [Hop; MAX_HOPS],
    len: u8,
}

impl Hops {
    fn of(list: &[Hop]) -> Self {
        let mut hops = [Hop::App; MAX_HOPS];
        hops[..list.len()].copy_from_slice(list);
        Hops {
            hops,
            len: list.len() as u8,
        }
    }

    /// The hops in order.
    #[inline]
    pub fn as_slice(&self) -> &[Hop] {
        &self.hops[..usize::from(self.len)]
    }
}

/// The failure translation of every path of a scenario, and every path's hops.
pub(super) struct Paths {
    pub sources: Vec<Path>,
    /// The hops of each path: each source's (index = source), then per group its HTTP
    /// health-check probes' and its container checks' ([`Paths::probe`], [`Paths::check`]).
    hops: Vec<Hops>,
    /// Per group: what a client sees when the group's target resets or closes a connection
    /// mid-request. Behind an ALB, its 502 ("the target closed the connection ... while the
    /// load balancer had an outstanding request", reference §4, A3), which API Gateway passes
    /// through; else [`Paths::integration_failure`].
    pub reset: Vec<Failure>,
    /// The connection to the task is reset mid-request with no ALB between: REST documents
    /// 504 `INTEGRATION_FAILURE`; HTTP APIs answer 503; without a gateway a 502.
    pub integration_failure: Failure,
    /// The gateway's integration timeout: HTTP APIs were observed answering 503; REST APIs
    /// document 504 `INTEGRATION_TIMEOUT`.
    pub integration_timeout: Failure,
}

impl Paths {
    /// The path of group `group`'s load balancer health-check probes: offered to the target's
    /// task like a request (no pick: the probe is for its target), through nginx to the app.
    pub fn probe(&self, group: u32) -> u32 {
        self.sources.len() as u32 + 2 * group
    }

    /// The path of group `group`'s ECS container checks: run inside the task, straight to the
    /// app.
    pub fn check(&self, group: u32) -> u32 {
        self.sources.len() as u32 + 2 * group + 1
    }

    /// Hop `pos` of path `path`: the one an attempt there is at or on its way to.
    #[inline]
    pub fn hop(&self, path: u32, pos: u8) -> Hop {
        self.hops[path as usize].as_slice()[usize::from(pos)]
    }

    /// Whether attempt `a` is between hops on its way to the app (past nginx's latency).
    pub fn on_way_to_app(&self, a: &Attempt) -> bool {
        a.phase == Phase::Transit && self.hop(a.path, a.pos) == Hop::App
    }

    /// The hops of path `path`, in order.
    #[cfg(test)]
    pub fn hops(&self, path: u32) -> &[Hop] {
        self.hops[path as usize].as_slice()
    }

    pub fn new(sc: &Scenario) -> Self {
        let kind = sc.gateway.as_ref().map(|g| g.kind);
        let by_gateway = |rest: Failure, http: Failure, none: Failure| match kind {
            Some(ApiKind::Rest) => rest,
            Some(ApiKind::Http) => http,
            None => none,
        };
        let unreachable = by_gateway(
            Failure::InternalError500,
            Failure::Unavailable503,
            Failure::BadGateway502,
        );
        let integration_failure = by_gateway(
            Failure::GatewayTimeout504,
            Failure::Unavailable503,
            Failure::BadGateway502,
        );
        let sources = sc
            .sources
            .iter()
            .map(|s| {
                let discovery = match s.path {
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
                };
                let dns = discovery == Discovery::Dns;
                Path {
                    discovery,
                    unreachable: if dns {
                        Failure::BadGateway502
                    } else {
                        unreachable
                    },
                    closed: if dns || kind.is_none() {
                        Failure::ConnectionClosed
                    } else {
                        integration_failure
                    },
                }
            })
            .collect();
        // The hops from the pick on: a group's ALB and sidecar are on the way only if it has
        // them (a check is for its target: no pick, and it does not go through the ALB).
        let to_app = |group: u32, first: &[Hop]| {
            let mut hops = first.to_vec();
            let spec = &sc.groups[group as usize];
            if hops.contains(&Hop::Pick) && spec.alb.is_some() {
                hops.push(Hop::Alb);
            }
            hops.push(Hop::Connect);
            if spec.sidecar.is_some() {
                hops.push(Hop::Sidecar);
            }
            hops.push(Hop::App);
            Hops::of(&hops)
        };
        let mut hops: Vec<Hops> = sc
            .sources
            .iter()
            .map(|s| match s.path {
                SourcePath::Direct { group } => to_app(group, &[Hop::Pick]),
                SourcePath::Gateway { route } => {
                    let gw = sc.gateway.as_ref().expect("a gateway path has a gateway");
                    let group = match (route, s.alb.map(|alb| alb.action)) {
                        // No route matches, or the ALB answers itself: the gateway is the path.
                        (None, _) | (_, Some(AlbAction::Respond { .. })) => None,
                        (Some(_), Some(AlbAction::Forward { group })) => Some(group),
                        (Some(r), None) => Some(gw.routes[r as usize].group),
                    };
                    match group {
                        Some(g) => to_app(g, &[Hop::Gateway, Hop::Pick]),
                        None => Hops::of(&[Hop::Gateway]),
                    }
                }
            })
            .collect();
        for g in 0..sc.groups.len() as u32 {
            hops.push(to_app(g, &[]));
            hops.push(Hops::of(&[Hop::App]));
        }
        Paths {
            sources,
            hops,
            reset: sc
                .groups
                .iter()
                .map(|g| {
                    if g.alb.is_some() {
                        Failure::BadGateway502
                    } else {
                        integration_failure
                    }
                })
                .collect(),
            integration_failure,
            integration_timeout: by_gateway(
                Failure::GatewayTimeout504,
                Failure::Unavailable503,
                Failure::GatewayTimeout504,
            ),
        }
    }
}

/// The recorder of a run of `sc`, with the stages its paths have.
pub(super) fn recorder(sc: &Scenario, keep: Keep) -> Recorder {
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
        if gw.routes.iter().any(|r| r.load_balancer.is_some()) || !gw.vpc_link_latency.is_zero() {
            present(&mut rec, StageKind::LoadBalancer);
        }
    }
    if sc.groups.iter().any(|g| g.sidecar.is_some()) {
        present(&mut rec, StageKind::Sidecar);
    }
    present(&mut rec, StageKind::AppQueue);
    present(&mut rec, StageKind::AppService);
    rec
}

#[cfg(test)]
mod tests {
    use super::{Hop, Paths};
    use crate::scenario::{Scenario, load_str};

    fn shipped(name: &str) -> Scenario {
        let path = std::path::Path::new("scenarios").join(name);
        let text = std::fs::read_to_string(&path).expect("shipped scenario");
        load_str(&text, std::path::Path::new("scenarios"), &[])
            .expect("valid")
            .0
    }

    fn source_hops(sc: &Scenario, paths: &Paths, name: &str) -> Vec<Hop> {
        let s = sc
            .sources
            .iter()
            .position(|s| s.name == name)
            .expect("source");
        paths.hops(s as u32).to_vec()
    }

    /// The full path: gateway, the NLB's pick, nginx, the app; the group's probes skip the
    /// pick (they are for their target) and its container checks run inside the task.
    #[test]
    fn a_gateway_source_behind_an_nlb_and_nginx_skips_only_the_alb_and_checks_skip_the_pick() {
        use Hop::*;
        let sc = shipped("storage-service.toml");
        let paths = Paths::new(&sc);
        for s in 0..sc.sources.len() as u32 {
            assert_eq!(paths.hops(s), [Gateway, Pick, Connect, Sidecar, App]);
        }
        assert_eq!(paths.hops(paths.probe(0)), [Connect, Sidecar, App]);
        assert_eq!(paths.hops(paths.check(1)), [App]);
    }

    /// No gateway and no sidecar: neither is on the path.
    #[test]
    fn a_direct_source_without_a_sidecar_has_neither_hop() {
        use Hop::*;
        let sc = shipped("mmc.toml");
        let paths = Paths::new(&sc);
        assert_eq!(paths.hops(0), [Pick, Connect, App]);
        assert_eq!(paths.hops(paths.probe(0)), [Connect, App]);
    }

    /// A request the ALB answers itself (its listener's fixed 404) never leaves the gateway
    /// hop; one its rules forward reaches the rule's group through the ALB.
    #[test]
    fn a_request_the_alb_answers_itself_ends_at_the_gateway_hop() {
        use Hop::*;
        let sc = shipped("alb-private-integration.toml");
        let paths = Paths::new(&sc);
        assert_eq!(source_hops(&sc, &paths, "stray"), [Gateway]);
        assert_eq!(
            source_hops(&sc, &paths, "browse-pets"),
            [Gateway, Pick, Alb, Connect, Sidecar, App]
        );
        // The ALB's health checks are for their target: no pick, and not through the ALB.
        assert_eq!(paths.hops(paths.probe(0)), [Connect, Sidecar, App]);
    }
}
