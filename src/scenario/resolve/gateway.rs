//! `[gateway]`: API Gateway (REST or HTTP API): its integration timeout, authorizer, throttles,
//! VPC link and routes with their integrations (a load balancer's listener, or a target group
//! found through Cloud Map).

use std::path::Path;

use super::super::error::{ScenarioError, join_path};
use super::super::schema::{
    AccountThrottle, ApiKindRaw, AuthorizerKind, DiscoveryKind, LoadBalancerKind, RawAuthorizer,
    RawGateway, RawRoute, RawScenario, RawThrottle,
};
use super::super::{Authorizer, Gateway, Route};
use super::check::{optional_dist, rate, span_s};
use super::{GroupIndex, alb};
use crate::engine::time::{from_secs, to_secs};
use crate::model::routing::RouteTable;
use crate::vocab::ApiKind;

/// What the gateway's routes need to know of ALB listeners, and what they tell the sources.
pub(super) struct AlbContext<'a> {
    /// The checked listeners of each load balancer.
    pub listeners: &'a [Vec<alb::Listener>],
    /// Per route: the ALB listener its integration reaches, if any.
    pub route_albs: &'a mut Vec<Option<RouteAlb>>,
    /// Where configuration warnings go.
    pub warnings: &'a mut Vec<String>,
}

/// A gateway route whose integration is an ALB listener.
#[derive(Debug, Clone, Copy)]
pub(super) struct RouteAlb {
    pub load_balancer: u32,
    pub listener: usize,
    /// HTTP API to an HTTPS listener without `tls_server_name`: plain HTTP, answered 400.
    pub plain_http_to_https: bool,
}

/// The integration timeout when none is given, and its maximum, seconds. Documented limits:
/// REST 50 ms–29 s (raisable to 300 s), HTTP 50 ms–30 s.
fn integration_timeout_limits(kind: ApiKind) -> (f64, f64) {
    match kind {
        ApiKind::Rest => (29.0, 300.0),
        ApiKind::Http => (30.0, 30.0),
    }
}

/// Checks `[gateway]`; each route's name goes to `route_names` (its statistics route).
pub(super) fn resolve(
    raw: &RawScenario,
    gw: &RawGateway,
    base_dir: &Path,
    group_index: &GroupIndex,
    route_names: &mut Vec<String>,
    mut alb_context: AlbContext,
) -> Result<Gateway, ScenarioError> {
    let kind = match gw.kind {
        ApiKindRaw::Rest => ApiKind::Rest,
        ApiKindRaw::Http => ApiKind::Http,
    };
    let (default_timeout, max_timeout) = integration_timeout_limits(kind);
    let timeout_s = gw.integration_timeout_s.unwrap_or(default_timeout);
    if !(0.05..=max_timeout).contains(&timeout_s) {
        return Err(ScenarioError::at(
            "gateway.integration_timeout_s",
            format!("must be from 0.05 to {max_timeout} s for this API kind (got {timeout_s})"),
        ));
    }
    let authorizer = match &gw.authorizer {
        Some(a) => Some(authorizer(a, kind, base_dir)?),
        None => None,
    };
    if gw.routes.is_empty() {
        return Err(ScenarioError::at(
            "gateway.routes",
            "a gateway needs at least one route",
        ));
    }
    let mut routes = Vec::with_capacity(gw.routes.len());
    for (i, r) in gw.routes.iter().enumerate() {
        let path = join_path("gateway.routes", i);
        if r.auth && authorizer.is_none() {
            return Err(ScenarioError::at(
                join_path(&path, "auth"),
                "the route needs an authorizer, but [gateway.authorizer] is missing",
            ));
        }
        let (group, load_balancer) = integration(raw, r, &path, group_index, &mut alb_context)?;
        let cloud_map = cloud_map_integration(raw, r, &path, kind, group, load_balancer)?;
        route_names.push(r.route.clone());
        routes.push(Route {
            key: r.route.clone(),
            auth: r.auth,
            throttle: throttle(r.throttle.as_ref(), &join_path(&path, "throttle"))?,
            group,
            load_balancer,
            cloud_map,
            discover_quota: r.integration.discover_instances_quota,
            stats_route: route_names.len() as u32 - 1,
        });
    }
    let built = Gateway {
        kind,
        latency: optional_dist(gw.latency.as_ref(), "gateway.latency", base_dir)?,
        account_throttle: match &gw.throttle {
            AccountThrottle::Limited(t) => throttle(Some(t), "gateway.throttle")?,
            AccountThrottle::Unlimited => None,
        },
        stage_throttle: throttle(gw.stage_throttle.as_ref(), "gateway.stage_throttle")?,
        integration_timeout: from_secs(timeout_s),
        vpc_link_latency: optional_dist(
            gw.vpc_link.as_ref().map(|v| &v.latency),
            "gateway.vpc_link.latency",
            base_dir,
        )?,
        authorizer,
        routes,
    };
    // Malformed route keys are reported here, once, rather than per source.
    route_table(&built)?;
    Ok(built)
}

/// Writes the gateway's defaults (integration timeout, authorizer cache TTL) into the raw form.
pub(super) fn fill(gw: &mut RawGateway, resolved: &Gateway) {
    gw.integration_timeout_s = Some(to_secs(resolved.integration_timeout));
    if let (Some(a), Some(ra)) = (gw.authorizer.as_mut(), &resolved.authorizer) {
        a.cache_ttl_s = Some(to_secs(ra.cache_ttl));
    }
}

/// The authorizer: a type the API kind has, and its result cache (REST: 300 s by default;
/// HTTP API JWT authorizers have none).
fn authorizer(
    a: &RawAuthorizer,
    kind: ApiKind,
    base_dir: &Path,
) -> Result<Authorizer, ScenarioError> {
    let path = "gateway.authorizer";
    match (kind, a.kind) {
        (ApiKind::Http, AuthorizerKind::Cognito) => {
            return Err(ScenarioError::at(
                join_path(path, "kind"),
                "HTTP APIs have no Cognito authorizer type: use kind = \"jwt\" with the user pool as issuer",
            ));
        }
        (ApiKind::Rest, AuthorizerKind::Jwt) => {
            return Err(ScenarioError::at(
                join_path(path, "kind"),
                "REST APIs have no JWT authorizer type: use \"cognito\" or \"lambda\"",
            ));
        }
        (ApiKind::Http, AuthorizerKind::Jwt) if a.cache_ttl_s.is_some_and(|t| t > 0.0) => {
            return Err(ScenarioError::at(
                join_path(path, "cache_ttl_s"),
                "HTTP API JWT authorizers have no result cache (only Lambda authorizers do)",
            ));
        }
        _ => {}
    }
    let default_ttl = match (kind, a.kind) {
        (ApiKind::Rest, _) => 300.0,
        _ => 0.0,
    };
    let ttl = a.cache_ttl_s.unwrap_or(default_ttl);
    if !(0.0..=3600.0).contains(&ttl) {
        return Err(ScenarioError::at(
            join_path(path, "cache_ttl_s"),
            format!("must be from 0 (off) to 3600 s (got {ttl})"),
        ));
    }
    Ok(Authorizer {
        kind: a.kind,
        latency: optional_dist(a.latency.as_ref(), &join_path(path, "latency"), base_dir)?,
        cache_ttl: span_s(&join_path(path, "cache_ttl_s"), ttl)?,
    })
}

/// A route's integration: `{ load_balancer, port }` (the listener's group) or
/// `{ target_group }`. Notes in `alb_context` whether it reaches an ALB listener.
fn integration(
    raw: &RawScenario,
    r: &RawRoute,
    path: &str,
    group_index: &GroupIndex,
    alb_context: &mut AlbContext,
) -> Result<(u32, Option<u32>), ScenarioError> {
    let ipath = join_path(path, "integration");
    match (
        &r.integration.load_balancer,
        r.integration.port,
        &r.integration.target_group,
    ) {
        (Some(lb), Some(port), None) => {
            let li = raw.load_balancers.get_index_of(lb).ok_or_else(|| {
                ScenarioError::at(
                    join_path(&ipath, "load_balancer"),
                    format!(
                        "unknown load balancer {lb:?} (defined: {})",
                        raw.load_balancers
                            .keys()
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?;
            let listener = alb_context.listeners[li]
                .iter()
                .position(|l| l.port == port)
                .ok_or_else(|| {
                    ScenarioError::at(
                        join_path(&ipath, "port"),
                        format!(
                            "load balancer {lb:?} has no listener on port {port} (listeners: {})",
                            raw.load_balancers[li]
                                .listeners
                                .iter()
                                .map(|l| l.port.to_string())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )
                })?;
            let l = &alb_context.listeners[li][listener];
            if raw.load_balancers[li].kind == LoadBalancerKind::Alb {
                // REST APIs reach ALBs through VPC links V2 as HTTP APIs do (API Gateway
                // developer guide, "Private integrations for REST APIs"); both send plain
                // HTTP unless told a secure server name.
                let plain = l.https && r.integration.tls_server_name.is_none();
                if plain {
                    alb_context.warnings.push(format!(
                        "{path} ({:?}): its integration reaches HTTPS listener {port} of \
                         ALB {lb:?} without `tls_server_name`, so API Gateway sends plain \
                         HTTP and the ALB answers every request 400 \"The plain HTTP request \
                         was sent to HTTPS port\" (set integration.tls_server_name: an HTTP \
                         API's tlsConfig.serverNameToVerify, a REST API's https:// \
                         integration URI)",
                        r.route
                    ));
                }
                alb_context.route_albs.push(Some(RouteAlb {
                    load_balancer: li as u32,
                    listener,
                    plain_http_to_https: plain,
                }));
            } else {
                alb_context.route_albs.push(None);
            }
            Ok((l.group, Some(li as u32)))
        }
        (None, None, Some(tg)) => {
            alb_context.route_albs.push(None);
            Ok((group_index(tg, &join_path(&ipath, "target_group"))?, None))
        }
        _ => Err(ScenarioError::at(
            ipath,
            "an integration is either { load_balancer, port } or { target_group }",
        )),
    }
}

/// Whether a route finds its tasks through Cloud Map (`discovery = "cloud_map"`, HTTP APIs
/// only, naming a group that has a Cloud Map service).
fn cloud_map_integration(
    raw: &RawScenario,
    r: &RawRoute,
    path: &str,
    kind: ApiKind,
    group: u32,
    load_balancer: Option<u32>,
) -> Result<bool, ScenarioError> {
    let ipath = join_path(path, "integration");
    let cloud_map = match r.integration.discovery {
        None => false,
        Some(DiscoveryKind::Dns) => {
            return Err(ScenarioError::at(
                join_path(&ipath, "discovery"),
                "API Gateway finds Cloud Map instances with DiscoverInstances: use \"cloud_map\"",
            ));
        }
        Some(DiscoveryKind::CloudMap) => {
            let dpath = join_path(&ipath, "discovery");
            if kind != ApiKind::Http {
                return Err(ScenarioError::at(
                    dpath,
                    "only HTTP APIs integrate with Cloud Map (REST APIs' VPC links reach an \
                     NLB): set gateway.kind = \"http\" or integrate a load balancer",
                ));
            }
            if load_balancer.is_some() {
                return Err(ScenarioError::at(
                    dpath,
                    "a Cloud Map integration names the service's target group, not a load \
                     balancer: use { target_group, discovery = \"cloud_map\" }",
                ));
            }
            if raw.target_groups[group as usize].cloud_map.is_none() {
                return Err(ScenarioError::at(
                    dpath,
                    format!(
                        "target group {:?} has no `cloud_map` service to discover",
                        r.integration.target_group.as_deref().unwrap_or_default()
                    ),
                ));
            }
            true
        }
    };
    if r.integration.discover_instances_quota && !cloud_map {
        return Err(ScenarioError::at(
            join_path(&ipath, "discover_instances_quota"),
            "only a Cloud Map integration calls DiscoverInstances: add \
             discovery = \"cloud_map\" or remove the field",
        ));
    }
    Ok(cloud_map)
}

/// A token bucket: a positive rate and a burst of at least 1.
fn throttle(raw: Option<&RawThrottle>, path: &str) -> Result<Option<(f64, u64)>, ScenarioError> {
    let Some(t) = raw else { return Ok(None) };
    rate(&join_path(path, "rate_rps"), t.rate_rps)?;
    if t.burst == 0 {
        return Err(ScenarioError::at(
            join_path(path, "burst"),
            "must be at least 1: a bucket of 0 refuses every request",
        ));
    }
    Ok(Some((t.rate_rps, t.burst)))
}

/// The route table of the gateway, for matching sources' method and path.
pub(super) fn route_table(gw: &Gateway) -> Result<RouteTable, ScenarioError> {
    let keys: Vec<&str> = gw.routes.iter().map(|r| r.key.as_str()).collect();
    RouteTable::new(&keys, gw.kind).map_err(|e| ScenarioError::at("gateway.routes", e.to_string()))
}
