//! Each source's path, resolved once per replication from the scenario: how its requests find
//! their task, and what its client sees when a hop on the way fails. The failure translation is
//! written here once ("a refused connection behind a REST API is a 500"), not in each hop.

use crate::scenario::{Scenario, SourcePath};
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

/// The failure translation of every path of a scenario.
pub(super) struct Paths {
    pub sources: Vec<Path>,
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
        Paths {
            sources,
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
