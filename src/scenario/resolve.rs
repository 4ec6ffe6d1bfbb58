//! Checks a [`RawScenario`] against the rules users read in `docs/scenario.md` and builds the
//! index-based [`Scenario`]. Each check names the field it is about.

mod alb;
mod slo;

use std::path::Path;

use super::dist::{self, Dist};
use super::error::{ScenarioError, join_path};
use super::schema::{
    AccountThrottle, CloudMapHealth, DiscoveryKind, RawCloudMap, RawContainerHealthCheck,
};
use super::schema::{
    ApiKindRaw, AuthorizerKind, JitterKind, LoadBalancerKind, QueueLimit, RawAutoscaling, RawDist,
    RawFault, RawGateway, RawHealthCheck, RawRetries, RawScenario, RawService, RawThrottle,
    RawTraffic, RetryOn as RawRetryOn,
};
use super::{
    AlbGroup, App, Authorizer, Autoscaling, CloudMap, ContainerCheck, Dependency, Deployment,
    Fault, Front, Gateway, HealthCheck, LoadBalancer, Route, ScalingPolicy, Scenario, Service,
    Sidecar, Source, SourcePath, TargetGroup,
};
use crate::engine::time::{from_ms, from_secs, to_secs};
use crate::model::retry::{Jitter, RetryOn, RetryPolicy};
use crate::model::routing::{Match, RouteTable};
use crate::model::source::RateProfile;
use crate::vocab::{AlgorithmKind, ApiKind, FaultKind, HealthProtocol, ProfileShape};

/// Most replications run by default while the precision is not reached: with the 5% default
/// precision, 20 replications narrow a half-width to about a fifth of one replication's
/// spread (t(0.975, 19) / sqrt(20) = 0.47 standard deviations).
const DEFAULT_MAX_REPLICATIONS: u32 = 20;

/// Builds the checked scenario.
pub fn resolve(raw: &RawScenario, base_dir: &Path) -> Result<Scenario, ScenarioError> {
    let sim = &raw.simulation;
    if sim.name.is_empty()
        || sim.name.starts_with('.')
        || !sim
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(ScenarioError::at(
            "simulation.name",
            format!(
                "must be a folder name of letters, digits, '-', '_' and '.' (got {:?})",
                sim.name
            ),
        ));
    }
    positive("simulation.duration_s", sim.duration_s)?;
    if !(sim.warmup_s >= 0.0 && sim.warmup_s < sim.duration_s) {
        return Err(ScenarioError::at(
            "simulation.warmup_s",
            format!(
                "must be 0 or more and less than duration_s ({}) (got {})",
                sim.duration_s, sim.warmup_s
            ),
        ));
    }
    if sim.replications == 0 {
        return Err(ScenarioError::at(
            "simulation.replications",
            "must be at least 1",
        ));
    }
    if !(0.0..1.0).contains(&sim.precision) {
        return Err(ScenarioError::at(
            "simulation.precision",
            format!(
                "is a relative half-width from 0 (off) to below 1 (got {})",
                sim.precision
            ),
        ));
    }
    let max_replications = sim
        .max_replications
        .unwrap_or(DEFAULT_MAX_REPLICATIONS.max(sim.replications));
    if max_replications < sim.replications {
        return Err(ScenarioError::at(
            "simulation.max_replications",
            format!(
                "must be at least replications ({}) (got {max_replications})",
                sim.replications
            ),
        ));
    }
    positive(
        "simulation.timeseries_interval_s",
        sim.timeseries_interval_s,
    )?;

    if raw.target_groups.is_empty() {
        return Err(ScenarioError::at(
            "target_groups",
            "the scenario needs at least one target group",
        ));
    }
    let group_index = |name: &str, path: &str| -> Result<u32, ScenarioError> {
        raw.target_groups
            .get_index_of(name)
            .map(|i| i as u32)
            .ok_or_else(|| {
                ScenarioError::at(
                    path,
                    format!(
                        "unknown target group {name:?} (defined: {})",
                        raw.target_groups
                            .keys()
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })
    };

    let mut load_balancers = Vec::with_capacity(raw.load_balancers.len());
    let mut owners: alb::GroupOwners = vec![None; raw.target_groups.len()];
    let mut listeners = Vec::with_capacity(raw.load_balancers.len());
    for (li, (name, lb)) in raw.load_balancers.iter().enumerate() {
        let path = join_path("load_balancers", name);
        if lb.listeners.is_empty() {
            return Err(ScenarioError::at(
                join_path(&path, "listeners"),
                "needs at least one listener",
            ));
        }
        listeners.push(alb::listeners(
            raw,
            li as u32,
            lb,
            &path,
            &group_index,
            &mut owners,
        )?);
        let idle = lb.idle_timeout_s.unwrap_or(DEFAULT_ALB_IDLE_TIMEOUT_S);
        if !(1.0..=4000.0).contains(&idle) {
            return Err(ScenarioError::at(
                join_path(&path, "idle_timeout_s"),
                format!("must be from 1 to 4000 s (got {idle})"),
            ));
        }
        load_balancers.push(LoadBalancer {
            name: name.clone(),
            latency: optional_dist(lb.latency.as_ref(), &join_path(&path, "latency"), base_dir)?,
            kind: lb.kind,
            tls_latency: optional_dist(
                lb.tls_latency.as_ref(),
                &join_path(&path, "tls_latency"),
                base_dir,
            )?,
        });
    }
    let behind_nlb: Vec<bool> = owners
        .iter()
        .map(|o| matches!(o, Some((_, LoadBalancerKind::Nlb))))
        .collect();

    let mut groups = Vec::with_capacity(raw.target_groups.len());
    for (gi, (name, g)) in raw.target_groups.iter().enumerate() {
        let path = join_path("target_groups", name);
        if g.targets == 0 {
            return Err(ScenarioError::at(
                join_path(&path, "targets"),
                "must be at least 1",
            ));
        }
        if g.app.workers == 0 {
            return Err(ScenarioError::at(
                join_path(&path, "app.workers"),
                "must be at least 1",
            ));
        }
        fraction(&join_path(&path, "app.error_rate"), g.app.error_rate)?;
        let service = dist::build(&g.app.service, &join_path(&path, "app.service"), base_dir)?;
        if g.app.service_factors.len() > g.targets as usize {
            return Err(ScenarioError::at(
                join_path(&path, "app.service_factors"),
                format!(
                    "has {} entries but the group has {} targets",
                    g.app.service_factors.len(),
                    g.targets
                ),
            ));
        }
        for (i, &f) in g.app.service_factors.iter().enumerate() {
            if !(f > 0.0 && f.is_finite()) {
                return Err(ScenarioError::at(
                    join_path(&join_path(&path, "app.service_factors"), i),
                    format!("must be greater than 0 (got {f})"),
                ));
            }
        }
        let mut service_factors = g.app.service_factors.clone();
        service_factors.resize(g.targets as usize, 1.0);
        let dependency = match &g.app.dependency {
            Some(d) => {
                let dpath = join_path(&path, "app.dependency");
                fraction(&join_path(&dpath, "error_rate"), d.error_rate)?;
                Some(Dependency {
                    latency: dist::build(&d.latency, &join_path(&dpath, "latency"), base_dir)?,
                    error_rate: d.error_rate,
                })
            }
            None => None,
        };
        let sidecar = match &g.sidecar {
            Some(sc) => {
                let spath = join_path(&path, "sidecar");
                if sc.max_connections < 2 {
                    return Err(ScenarioError::at(
                        join_path(&spath, "max_connections"),
                        format!(
                            "must be at least 2: each proxied request holds a client and an upstream connection (got {})",
                            sc.max_connections
                        ),
                    ));
                }
                let keepalive = sc
                    .keepalive_timeout_s
                    .unwrap_or(DEFAULT_KEEPALIVE_TIMEOUT_S);
                Some(Sidecar {
                    keepalive_timeout: from_secs(positive(
                        &join_path(&spath, "keepalive_timeout_s"),
                        keepalive,
                    )?),
                    latency: optional_dist(
                        sc.latency.as_ref(),
                        &join_path(&spath, "latency"),
                        base_dir,
                    )?,
                    concurrency: sc.max_connections / 2,
                    backlog: sc.backlog,
                    read_timeout: from_secs(positive(
                        &join_path(&spath, "proxy_read_timeout_s"),
                        sc.proxy_read_timeout_s,
                    )?),
                })
            }
            None => None,
        };
        if g.zones == 0 || g.zones > 26 {
            return Err(ScenarioError::at(
                join_path(&path, "zones"),
                "must be from 1 to 26",
            ));
        }
        let alb_owner = match owners[gi] {
            Some((li, LoadBalancerKind::Alb)) => Some(li),
            _ => None,
        };
        let health_check = match &g.health_check {
            Some(hc) => Some(health_check(
                hc,
                &join_path(&path, "health_check"),
                g.zones,
                alb_owner.is_some(),
            )?),
            // Behind a load balancer, ip targets are always checked: a group without
            // settings gets the load balancer type's defaults (ELB target group health checks).
            None if owners[gi].is_some() => Some(health_check(
                &RawHealthCheck::default(),
                &join_path(&path, "health_check"),
                g.zones,
                alb_owner.is_some(),
            )?),
            None => None,
        };
        if alb_owner.is_some() && g.connection_termination {
            return Err(ScenarioError::at(
                join_path(&path, "connection_termination"),
                "is an NLB target group attribute; behind an ALB, requests still in flight when \
                 the deregistration delay ends get 502",
            ));
        }
        let alb_group = alb_owner.map(|li| {
            let idle = from_secs(
                raw.load_balancers[li as usize]
                    .idle_timeout_s
                    .unwrap_or(DEFAULT_ALB_IDLE_TIMEOUT_S),
            );
            AlbGroup {
                idle_timeout: idle,
                keepalive_race: sidecar
                    .as_ref()
                    .map(|s| s.keepalive_timeout)
                    .filter(|&k| k < idle)
                    .map(|k| (k, (k + alb::KEEPALIVE_RACE_WINDOW).min(idle))),
            }
        });
        let delay = g.deregistration_delay_s;
        if !(0.0..=3600.0).contains(&delay) {
            return Err(ScenarioError::at(
                join_path(&path, "deregistration_delay_s"),
                format!("must be from 0 to 3600 s (got {delay})"),
            ));
        }
        let ecs = ecs_service(g.service.as_ref(), &join_path(&path, "service"), base_dir)?;
        let autoscaling = match &g.autoscaling {
            Some(a) => Some(autoscaling(a, &join_path(&path, "autoscaling"), g.targets)?),
            None => None,
        };
        let cloud_map = match &g.cloud_map {
            Some(c) => Some(cloud_map(c, &join_path(&path, "cloud_map"))?),
            None => None,
        };
        let algorithm = g.algorithm.unwrap_or(if behind_nlb[gi] {
            AlgorithmKind::FlowHash
        } else {
            AlgorithmKind::RoundRobin
        });
        let front = if behind_nlb[gi] {
            Front::Nlb
        } else if alb_owner.is_some() {
            Front::Alb
        } else {
            Front::None
        };
        if g.automatic_target_weights && algorithm != AlgorithmKind::WeightedRandom {
            return Err(ScenarioError::at(
                join_path(&path, "automatic_target_weights"),
                format!(
                    "needs algorithm = \"weighted_random\" (got {:?}): ALB anomaly mitigation \
                     is only available with the weighted random algorithm",
                    algorithm
                ),
            ));
        }
        let slow_start = g.slow_start_s;
        if slow_start != 0.0 && !(30.0..=900.0).contains(&slow_start) {
            return Err(ScenarioError::at(
                join_path(&path, "slow_start_s"),
                format!("must be 0 (off) or from 30 to 900 s (got {slow_start})"),
            ));
        }
        if slow_start > 0.0
            && !matches!(
                algorithm,
                AlgorithmKind::RoundRobin | AlgorithmKind::WeightedRandom
            )
        {
            return Err(ScenarioError::at(
                join_path(&path, "slow_start_s"),
                format!(
                    "slow start works with round_robin or weighted_random, not {:?} (ALB: \
                     least outstanding requests cannot use slow start)",
                    algorithm
                ),
            ));
        }
        let cross_zone = match (g.cross_zone, front) {
            (Some(_), Front::None) => {
                return Err(ScenarioError::at(
                    join_path(&path, "cross_zone"),
                    "applies only to a target group behind a load balancer",
                ));
            }
            (Some(c), _) => c,
            (None, Front::Nlb) => false,
            (None, Front::Alb | Front::None) => true,
        };
        groups.push(TargetGroup {
            front,
            automatic_target_weights: g.automatic_target_weights,
            slow_start: from_secs(slow_start),
            cross_zone,
            name: name.clone(),
            targets: g.targets,
            algorithm,
            zones: g.zones,
            health_check,
            deregistration_delay: from_secs(delay),
            connection_termination: g.connection_termination,
            service: ecs,
            autoscaling,
            cloud_map,
            sidecar,
            app: App {
                workers: g.app.workers,
                queue_limit: match g.app.queue_limit {
                    QueueLimit::Limited(n) => n.min(u32::MAX - 1),
                    QueueLimit::Unbounded => u32::MAX,
                },
                service,
                service_factors,
                error_rate: g.app.error_rate,
                dependency,
            },
            alb: alb_group,
        });
    }

    let mut route_names: Vec<String> = Vec::new();
    let mut warnings = Vec::new();
    let mut route_albs: Vec<Option<RouteAlb>> = Vec::new();
    let gateway = match &raw.gateway {
        Some(gw) => Some(gateway(
            raw,
            gw,
            base_dir,
            &group_index,
            &mut route_names,
            AlbContext {
                listeners: &listeners,
                route_albs: &mut route_albs,
                warnings: &mut warnings,
            },
        )?),
        None => None,
    };

    if raw.traffic.is_empty() {
        return Err(ScenarioError::at(
            "traffic",
            "the scenario needs at least one [[traffic]] source",
        ));
    }
    let mut sources = Vec::with_capacity(raw.traffic.len());
    let mut credentials = 0u32;
    let mut no_route: Option<u32> = None;
    for (i, t) in raw.traffic.iter().enumerate() {
        let path = join_path("traffic", i);
        if t.name.is_empty() {
            return Err(ScenarioError::at(
                join_path(&path, "name"),
                "must not be empty",
            ));
        }
        if raw.traffic[..i].iter().any(|o| o.name == t.name) {
            return Err(ScenarioError::at(
                join_path(&path, "name"),
                format!("another traffic source is already named {:?}", t.name),
            ));
        }
        let profile = profile(t, &path)?;
        let timeout = match t.timeout_s {
            Some(s) => Some(from_secs(positive(&join_path(&path, "timeout_s"), s)?)),
            None => None,
        };
        if t.clients == 0 {
            return Err(ScenarioError::at(
                join_path(&path, "clients"),
                "must be at least 1",
            ));
        }
        if t.requests_per_connection == Some(0) {
            return Err(ScenarioError::at(
                join_path(&path, "requests_per_connection"),
                "must be at least 1 (leave it out for connections that live for the whole run)",
            ));
        }
        let retries = match &t.retries {
            Some(r) => Some(retry_policy(r, &join_path(&path, "retries"))?),
            None => None,
        };
        let mut alb_path = None;
        // A DNS client calls the service itself, beside any gateway (an internal caller).
        let direct = if t.discovery == Some(DiscoveryKind::Dns) {
            &None
        } else {
            &gateway
        };
        let (source_path, stats_route) = match (direct, &t.target_group) {
            (None, Some(group)) => {
                let group = group_index(group, &join_path(&path, "target_group"))?;
                match t.discovery {
                    Some(DiscoveryKind::Dns)
                        if raw.target_groups[group as usize].cloud_map.is_none() =>
                    {
                        return Err(ScenarioError::at(
                            join_path(&path, "discovery"),
                            format!(
                                "\"dns\" resolves the Cloud Map service of target group {:?}, \
                                 which has no `cloud_map`",
                                t.target_group.as_deref().unwrap_or_default()
                            ),
                        ));
                    }
                    Some(DiscoveryKind::CloudMap) => {
                        return Err(ScenarioError::at(
                            join_path(&path, "discovery"),
                            "\"cloud_map\" (DiscoverInstances) is API Gateway's way in: \
                             a client without a gateway uses \"dns\"",
                        ));
                    }
                    _ => {}
                }
                route_names.push(t.name.clone());
                (SourcePath::Direct { group }, route_names.len() as u32 - 1)
            }
            (None, None) => {
                return Err(ScenarioError::at(
                    join_path(&path, "target_group"),
                    "without a [gateway], each source needs the target group its requests go to",
                ));
            }
            (Some(_), None) if t.discovery.is_some() => {
                return Err(ScenarioError::at(
                    join_path(&path, "discovery"),
                    "with a [gateway], the route's integration says how it finds the tasks: \
                     remove `discovery`",
                ));
            }
            (Some(_), Some(_)) => {
                return Err(ScenarioError::at(
                    join_path(&path, "target_group"),
                    "with a [gateway], requests go through its routes: remove `target_group`",
                ));
            }
            (Some(gw), None) => {
                let table = route_table(gw)?;
                match table.route(&t.method, &t.path) {
                    Match::Route(r) => {
                        if let Some(ra) = route_albs[r as usize] {
                            alb_path = Some(alb::path_of(
                                t,
                                ra.load_balancer,
                                &listeners[ra.load_balancer as usize][ra.listener],
                                ra.plain_http_to_https,
                            ));
                        }
                        (
                            SourcePath::Gateway { route: Some(r) },
                            gw.routes[r as usize].stats_route,
                        )
                    }
                    Match::NoRoute { .. } => {
                        let idx = *no_route.get_or_insert_with(|| {
                            route_names.push("(no route)".into());
                            route_names.len() as u32 - 1
                        });
                        (SourcePath::Gateway { route: None }, idx)
                    }
                }
            }
        };
        sources.push(Source {
            name: t.name.clone(),
            arrival: t.arrival,
            profile,
            timeout,
            stats_route,
            path: source_path,
            credentials: t.credentials,
            first_credential: credentials,
            clients: t.clients,
            connections: t.connections,
            requests_per_connection: t.requests_per_connection.unwrap_or(u32::MAX),
            retries,
            alb: alb_path,
            dns: t.discovery == Some(DiscoveryKind::Dns),
        });
        credentials = credentials.checked_add(t.clients).ok_or_else(|| {
            ScenarioError::at(join_path(&path, "clients"), "too many clients in total")
        })?;
    }

    let group_names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
    let slo = match &raw.slo {
        Some(s) => slo::checks(s, &route_names, &group_names)?,
        None => Vec::new(),
    };

    let duration = from_secs(sim.duration_s);
    let mut faults = Vec::with_capacity(raw.faults.len());
    for (i, f) in raw.faults.iter().enumerate() {
        faults.push(fault(
            f,
            &join_path("faults", i),
            sim.duration_s,
            &group_index,
            raw,
        )?);
    }
    let mut deployments = Vec::with_capacity(raw.deployments.len());
    for (i, d) in raw.deployments.iter().enumerate() {
        let path = join_path("deployments", i);
        non_negative_time(&join_path(&path, "at_s"), d.at_s, sim.duration_s)?;
        let group = group_index(&d.target_group, &join_path(&path, "target_group"))?;
        let svc: &Service = &groups[group as usize].service;
        if svc.minimum_healthy_percent == 100 && svc.maximum_percent == 100 {
            // ECS can neither start a new task (no room above 100%) nor stop an old one (none
            // may go below 100%): it refuses this rolling-update configuration.
            return Err(ScenarioError::at(
                format!("target_groups.{}.service.maximum_percent", d.target_group),
                "a rolling deployment needs maximum_percent above 100 or \
                 minimum_healthy_percent below 100 (got 100 and 100): ECS can neither start \
                 a new task nor stop an old one",
            ));
        }
        deployments.push(Deployment {
            at: from_secs(d.at_s),
            group,
        });
    }
    deployments.sort_by_key(|d| d.at);
    Ok(Scenario {
        name: sim.name.clone(),
        seed: sim.seed,
        duration,
        warmup: from_secs(sim.warmup_s),
        replications: sim.replications,
        precision: sim.precision,
        max_replications,
        interval: from_secs(sim.timeseries_interval_s).clamp(1, duration.max(1)),
        sources,
        route_names,
        gateway,
        load_balancers,
        groups,
        credentials,
        faults,
        deployments,
        slo,
        warnings,
    })
}

/// What the gateway's routes need to know of ALB listeners, and what they tell the sources.
struct AlbContext<'a> {
    /// The checked listeners of each load balancer.
    listeners: &'a [Vec<alb::Listener>],
    /// Per route: the ALB listener its integration reaches, if any.
    route_albs: &'a mut Vec<Option<RouteAlb>>,
    /// Where configuration warnings go.
    warnings: &'a mut Vec<String>,
}

/// A gateway route whose integration is an ALB listener.
#[derive(Debug, Clone, Copy)]
struct RouteAlb {
    load_balancer: u32,
    listener: usize,
    /// HTTP API to an HTTPS listener without `tls_server_name`: plain HTTP, answered 400.
    plain_http_to_https: bool,
}

/// ALB idle timeout when none is given (reference §4: 60 s, 1–4000).
const DEFAULT_ALB_IDLE_TIMEOUT_S: f64 = 60.0;
/// nginx `keepalive_timeout` default (nginx.org, ngx_http_core_module: 75 s).
const DEFAULT_KEEPALIVE_TIMEOUT_S: f64 = 75.0;

/// Writes the defaults that `resolve` chose back into the raw form, so `simroute validate`
/// (and the `scenario.toml` written beside the outputs) shows every value the run used.
pub fn fill_defaults(raw: &mut RawScenario, sc: &Scenario) {
    raw.simulation.max_replications = Some(sc.max_replications);
    for (g, group) in raw.target_groups.values_mut().zip(&sc.groups) {
        g.algorithm = Some(group.algorithm);
        if group.front != Front::None {
            g.cross_zone = Some(group.cross_zone);
        }
        if let Some(resolved) = &group.health_check {
            // Also for a group behind a load balancer that wrote none: its checks are on.
            let hc = g.health_check.get_or_insert_with(RawHealthCheck::default);
            hc.protocol = Some(resolved.protocol);
            hc.interval_s = Some(to_secs(resolved.interval));
            hc.timeout_s = Some(to_secs(resolved.timeout));
            hc.healthy_threshold = Some(resolved.healthy_threshold);
            hc.unhealthy_threshold = Some(resolved.unhealthy_threshold);
            hc.nodes = Some(resolved.nodes);
            hc.new_target_delay_s = Some(to_secs(resolved.new_target_delay));
        }
        if let (Some(sc), Some(resolved), Some(_)) =
            (g.sidecar.as_mut(), &group.sidecar, &group.alb)
        {
            // Only behind an ALB does the sidecar's keep-alive timeout matter.
            sc.keepalive_timeout_s = Some(to_secs(resolved.keepalive_timeout));
        }
        let service = g.service.get_or_insert_with(|| RawService {
            minimum_healthy_percent: group.service.minimum_healthy_percent,
            maximum_percent: group.service.maximum_percent,
            stop_timeout_s: to_secs(group.service.stop_timeout),
            ..RawService::default()
        });
        if service.task_start.is_none() {
            service.task_start = Some(RawDist {
                dist: super::schema::DistKind::Lognormal,
                median_ms: Some(DEFAULT_TASK_START_MEDIAN_MS),
                sigma: Some(DEFAULT_TASK_START_SIGMA),
                ..RawDist::default()
            });
        }
    }
    for lb in raw.load_balancers.values_mut() {
        if lb.kind == LoadBalancerKind::Alb {
            lb.idle_timeout_s = Some(lb.idle_timeout_s.unwrap_or(DEFAULT_ALB_IDLE_TIMEOUT_S));
            for l in &mut lb.listeners {
                l.protocol = Some(l.protocol.unwrap_or(if l.port == 443 {
                    super::schema::ListenerProtocol::Https
                } else {
                    super::schema::ListenerProtocol::Http
                }));
            }
        }
    }
    if let (Some(gw), Some(resolved)) = (raw.gateway.as_mut(), &sc.gateway) {
        gw.integration_timeout_s = Some(to_secs(resolved.integration_timeout));
        if let (Some(a), Some(ra)) = (gw.authorizer.as_mut(), &resolved.authorizer) {
            a.cache_ttl_s = Some(to_secs(ra.cache_ttl));
        }
    }
}

/// Task start time when none is given: no documented figure; placement, ENI attachment and
/// image pull are reported at 30 s to 3 min, which a log-normal with a 60 s median covers.
const DEFAULT_TASK_START_MEDIAN_MS: f64 = 60_000.0;
const DEFAULT_TASK_START_SIGMA: f64 = 0.4;

fn non_negative_time(path: &str, v: f64, duration_s: f64) -> Result<f64, ScenarioError> {
    if v >= 0.0 && v.is_finite() {
        if v >= duration_s {
            return Err(ScenarioError::at(
                path,
                format!("is at or after the end of the run ({duration_s} s) (got {v})"),
            ));
        }
        Ok(v)
    } else {
        Err(ScenarioError::at(
            path,
            format!("must be 0 or more (got {v})"),
        ))
    }
}

fn threshold(path: &str, v: Option<u32>, default: u32) -> Result<u32, ScenarioError> {
    let v = v.unwrap_or(default);
    if (2..=10).contains(&v) {
        Ok(v)
    } else {
        Err(ScenarioError::at(
            path,
            format!("must be from 2 to 10 (got {v})"),
        ))
    }
}

fn health_check(
    hc: &RawHealthCheck,
    path: &str,
    zones: u32,
    behind_alb: bool,
) -> Result<HealthCheck, ScenarioError> {
    let p = |f: &str| join_path(path, f);
    let d = if behind_alb {
        if hc.protocol == Some(HealthProtocol::Tcp) {
            return Err(ScenarioError::at(
                p("protocol"),
                "ALB health checks are HTTP (or HTTPS); TCP checks are NLB's",
            ));
        }
        HealthCheck::alb_defaults()
    } else {
        HealthCheck::nlb_defaults(hc.protocol.unwrap_or_default())
    };
    let interval = hc.interval_s.unwrap_or(to_secs(d.interval));
    if !(5.0..=300.0).contains(&interval) {
        return Err(ScenarioError::at(
            p("interval_s"),
            format!("must be from 5 to 300 s (got {interval})"),
        ));
    }
    let timeout = hc.timeout_s.unwrap_or(to_secs(d.timeout));
    if !(2.0..=120.0).contains(&timeout) {
        return Err(ScenarioError::at(
            p("timeout_s"),
            format!("must be from 2 to 120 s (got {timeout})"),
        ));
    }
    if timeout > interval {
        return Err(ScenarioError::at(
            p("timeout_s"),
            format!("must not exceed interval_s ({interval} s) (got {timeout})"),
        ));
    }
    let nodes = hc.nodes.unwrap_or(zones);
    if nodes == 0 {
        return Err(ScenarioError::at(p("nodes"), "must be at least 1"));
    }
    let lag = hc.new_target_delay_s.unwrap_or(to_secs(d.new_target_delay));
    if !(lag >= 0.0 && lag.is_finite()) {
        return Err(ScenarioError::at(
            p("new_target_delay_s"),
            format!("must be 0 or more (got {lag})"),
        ));
    }
    Ok(HealthCheck {
        protocol: d.protocol,
        interval: from_secs(interval),
        timeout: from_secs(timeout),
        healthy_threshold: threshold(
            &p("healthy_threshold"),
            hc.healthy_threshold,
            d.healthy_threshold,
        )?,
        unhealthy_threshold: threshold(
            &p("unhealthy_threshold"),
            hc.unhealthy_threshold,
            d.unhealthy_threshold,
        )?,
        initial_passes: d.initial_passes,
        nodes,
        new_target_delay: from_secs(lag),
    })
}

fn ecs_service(
    raw: Option<&RawService>,
    path: &str,
    base_dir: &Path,
) -> Result<Service, ScenarioError> {
    let default = RawService {
        minimum_healthy_percent: 100,
        maximum_percent: 200,
        stop_timeout_s: 30.0,
        ..RawService::default()
    };
    let s = raw.unwrap_or(&default);
    let p = |f: &str| join_path(path, f);
    let task_start = match &s.task_start {
        Some(d) => dist::build(d, &p("task_start"), base_dir)?,
        None => dist::build(
            &RawDist {
                dist: super::schema::DistKind::Lognormal,
                median_ms: Some(DEFAULT_TASK_START_MEDIAN_MS),
                sigma: Some(DEFAULT_TASK_START_SIGMA),
                ..RawDist::default()
            },
            &p("task_start"),
            base_dir,
        )?,
    };
    if !(s.health_check_grace_period_s >= 0.0 && s.health_check_grace_period_s.is_finite()) {
        return Err(ScenarioError::at(
            p("health_check_grace_period_s"),
            format!("must be 0 or more (got {})", s.health_check_grace_period_s),
        ));
    }
    if s.minimum_healthy_percent > 100 {
        return Err(ScenarioError::at(
            p("minimum_healthy_percent"),
            format!("must be from 0 to 100 (got {})", s.minimum_healthy_percent),
        ));
    }
    if s.maximum_percent < 100 || s.maximum_percent < s.minimum_healthy_percent {
        return Err(ScenarioError::at(
            p("maximum_percent"),
            format!(
                "must be at least 100 and at least minimum_healthy_percent (got {})",
                s.maximum_percent
            ),
        ));
    }
    if !(0.0..=120.0).contains(&s.stop_timeout_s) {
        return Err(ScenarioError::at(
            p("stop_timeout_s"),
            format!(
                "must be from 0 to 120 s (Fargate's maximum) (got {})",
                s.stop_timeout_s
            ),
        ));
    }
    let container_check = match &s.container_health_check {
        Some(c) => Some(container_check(c, &p("container_health_check"))?),
        None => None,
    };
    Ok(Service {
        task_start,
        grace_period: from_secs(s.health_check_grace_period_s),
        minimum_healthy_percent: s.minimum_healthy_percent,
        maximum_percent: s.maximum_percent,
        stop_timeout: from_secs(s.stop_timeout_s),
        container_check,
    })
}

/// An ECS container health check, within the documented ranges (task definition
/// `healthCheck`: interval 5–300 s, timeout 2–60 s, retries 1–10, startPeriod 0–300 s).
fn container_check(
    c: &RawContainerHealthCheck,
    path: &str,
) -> Result<ContainerCheck, ScenarioError> {
    let p = |f: &str| join_path(path, f);
    let range = |field: &str, v: f64, lo: f64, hi: f64| {
        if (lo..=hi).contains(&v) {
            Ok(from_secs(v))
        } else {
            Err(ScenarioError::at(
                p(field),
                format!("must be from {lo} to {hi} s, as ECS allows (got {v})"),
            ))
        }
    };
    let interval = range("interval_s", c.interval_s, 5.0, 300.0)?;
    let timeout = range("timeout_s", c.timeout_s, 2.0, 60.0)?;
    let start_period = range("start_period_s", c.start_period_s, 0.0, 300.0)?;
    if !(1..=10).contains(&c.retries) {
        return Err(ScenarioError::at(
            p("retries"),
            format!("must be from 1 to 10, as ECS allows (got {})", c.retries),
        ));
    }
    Ok(ContainerCheck {
        interval,
        timeout,
        retries: c.retries,
        start_period,
    })
}

/// A target group's Cloud Map service.
fn cloud_map(c: &RawCloudMap, path: &str) -> Result<CloudMap, ScenarioError> {
    let p = |f: &str| join_path(path, f);
    // Route 53 record TTLs are 0 to 2^31 - 1 s; a day is plenty for a simulation.
    if !(0.0..=86_400.0).contains(&c.dns_ttl_s) {
        return Err(ScenarioError::at(
            p("dns_ttl_s"),
            format!("must be from 0 to 86400 s (got {})", c.dns_ttl_s),
        ));
    }
    if !(0.0..=3600.0).contains(&c.health_lag_s) {
        return Err(ScenarioError::at(
            p("health_lag_s"),
            format!("must be from 0 to 3600 s (got {})", c.health_lag_s),
        ));
    }
    if !(1..=1000).contains(&c.max_results) {
        return Err(ScenarioError::at(
            p("max_results"),
            format!("must be from 1 to 1000 (got {})", c.max_results),
        ));
    }
    Ok(CloudMap {
        dns_ttl: from_secs(c.dns_ttl_s),
        custom_health: c.health == CloudMapHealth::Custom,
        health_lag: from_secs(c.health_lag_s),
        filter: c.filter,
        max_results: c.max_results,
    })
}

fn autoscaling(a: &RawAutoscaling, path: &str, targets: u32) -> Result<Autoscaling, ScenarioError> {
    let p = |f: &str| join_path(path, f);
    if a.min_tasks == 0 || a.min_tasks > a.max_tasks {
        return Err(ScenarioError::at(
            p("min_tasks"),
            format!(
                "must be at least 1 and at most max_tasks ({}) (got {})",
                a.max_tasks, a.min_tasks
            ),
        ));
    }
    if !(a.min_tasks..=a.max_tasks).contains(&targets) {
        return Err(ScenarioError::at(
            p("max_tasks"),
            format!("the group starts with {targets} targets, outside min_tasks..=max_tasks"),
        ));
    }
    let policy = match (a.target_cpu_percent, a.request_steps.is_empty()) {
        (Some(cpu), true) => {
            if !(cpu > 0.0 && cpu <= 100.0) {
                return Err(ScenarioError::at(
                    p("target_cpu_percent"),
                    format!("must be above 0 and at most 100 (got {cpu})"),
                ));
            }
            ScalingPolicy::TargetCpu(cpu)
        }
        (None, false) => {
            let mut steps = Vec::with_capacity(a.request_steps.len());
            for (i, s) in a.request_steps.iter().enumerate() {
                let upper = s.upper.unwrap_or(f64::INFINITY);
                if !(s.lower >= 0.0 && upper > s.lower) || s.change == 0 {
                    return Err(ScenarioError::at(
                        join_path(&p("request_steps"), i),
                        "a step needs 0 <= lower < upper and a non-zero change",
                    ));
                }
                steps.push((s.lower, upper, s.change));
            }
            ScalingPolicy::RequestSteps(steps)
        }
        _ => {
            return Err(ScenarioError::at(
                p("target_cpu_percent"),
                "give either target_cpu_percent (target tracking) or request_steps (step scaling)",
            ));
        }
    };
    for (name, v) in [
        ("scale_out_cooldown_s", a.scale_out_cooldown_s),
        ("scale_in_cooldown_s", a.scale_in_cooldown_s),
    ] {
        if !(v >= 0.0 && v.is_finite()) {
            return Err(ScenarioError::at(
                p(name),
                format!("must be 0 or more (got {v})"),
            ));
        }
    }
    for (name, v) in [
        ("scale_out_datapoints", a.scale_out_datapoints),
        ("scale_in_datapoints", a.scale_in_datapoints),
    ] {
        if v == 0 {
            return Err(ScenarioError::at(p(name), "must be at least 1"));
        }
    }
    Ok(Autoscaling {
        min_tasks: a.min_tasks,
        max_tasks: a.max_tasks,
        policy,
        scale_out_cooldown: from_secs(a.scale_out_cooldown_s),
        scale_in_cooldown: from_secs(a.scale_in_cooldown_s),
        scale_out_datapoints: a.scale_out_datapoints,
        scale_in_datapoints: a.scale_in_datapoints,
    })
}

fn fault(
    f: &RawFault,
    path: &str,
    duration_s: f64,
    group_index: &dyn Fn(&str, &str) -> Result<u32, ScenarioError>,
    raw: &RawScenario,
) -> Result<Fault, ScenarioError> {
    let p = |x: &str| join_path(path, x);
    non_negative_time(&p("at_s"), f.at_s, duration_s)?;
    let group = group_index(&f.target_group, &p("target_group"))?;
    let end = match f.end_s {
        Some(end) if end <= f.at_s => {
            return Err(ScenarioError::at(
                p("end_s"),
                format!("must be after at_s ({}) (got {end})", f.at_s),
            ));
        }
        Some(_)
            if matches!(
                f.kind,
                FaultKind::Crash | FaultKind::AzOutage | FaultKind::TaskExit
            ) =>
        {
            return Err(ScenarioError::at(
                p("end_s"),
                "a crashed task does not come back: ECS replaces it (remove end_s)",
            ));
        }
        Some(end) => Some(from_secs(end)),
        None => None,
    };
    let needs = |field: &str, present: bool, kind: FaultKind| -> Result<(), ScenarioError> {
        let wanted = match field {
            "factor" => kind == FaultKind::Slow,
            "fraction" => matches!(kind, FaultKind::Errors | FaultKind::FailFast),
            _ => kind == FaultKind::AzOutage,
        };
        // A zone may narrow any per-task fault; only `az_outage` requires one.
        let optional = field == "zone";
        match (wanted, present) {
            (true, false) => Err(ScenarioError::at(
                p(field),
                format!("kind = {kind:?} needs `{field}`"),
            )),
            (false, true) if !optional => Err(ScenarioError::at(
                p(field),
                format!("`{field}` does not apply to kind = {kind:?}"),
            )),
            _ => Ok(()),
        }
    };
    needs("factor", f.factor.is_some(), f.kind)?;
    needs("fraction", f.fraction.is_some(), f.kind)?;
    needs("zone", f.zone.is_some(), f.kind)?;
    let factor = f.factor.unwrap_or(1.0);
    if !(factor > 0.0 && factor.is_finite()) {
        return Err(ScenarioError::at(
            p("factor"),
            format!("must be greater than 0 (got {factor})"),
        ));
    }
    let fraction = fraction(&p("fraction"), f.fraction.unwrap_or(0.0))?;
    let group_raw = &raw.target_groups[group as usize];
    let zone = match &f.zone {
        Some(z) => {
            let zi = z.len() == 1 && z.as_bytes()[0].is_ascii_lowercase();
            let index = if zi {
                u32::from(z.as_bytes()[0] - b'a')
            } else {
                u32::MAX
            };
            if index >= group_raw.zones {
                return Err(ScenarioError::at(
                    p("zone"),
                    format!(
                        "the group's tasks are in zones a to {} (got {z:?})",
                        (b'a' + group_raw.zones as u8 - 1) as char
                    ),
                ));
            }
            Some(index)
        }
        None => None,
    };
    if f.targets == 0 {
        return Err(ScenarioError::at(p("targets"), "must be at least 1"));
    }
    Ok(Fault {
        at: from_secs(f.at_s),
        end,
        kind: f.kind,
        group,
        targets: f.targets,
        factor,
        fraction,
        zone,
    })
}

fn fraction(path: &str, v: f64) -> Result<f64, ScenarioError> {
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(ScenarioError::at(
            path,
            format!("is a fraction from 0 to 1 (got {v})"),
        ))
    }
}

/// A latency that may be left out (zero).
fn optional_dist(
    raw: Option<&RawDist>,
    path: &str,
    base_dir: &Path,
) -> Result<Dist, ScenarioError> {
    raw.map_or(Ok(Dist::zero()), |d| dist::build(d, path, base_dir))
}

fn throttle(raw: Option<&RawThrottle>, path: &str) -> Result<Option<(f64, u64)>, ScenarioError> {
    let Some(t) = raw else { return Ok(None) };
    positive(&join_path(path, "rate_rps"), t.rate_rps)?;
    if t.burst == 0 {
        return Err(ScenarioError::at(
            join_path(path, "burst"),
            "must be at least 1: a bucket of 0 refuses every request",
        ));
    }
    Ok(Some((t.rate_rps, t.burst)))
}

/// The route table of the gateway, for matching sources' method and path.
fn route_table(gw: &Gateway) -> Result<RouteTable, ScenarioError> {
    let keys: Vec<&str> = gw.routes.iter().map(|r| r.key.as_str()).collect();
    RouteTable::new(&keys, gw.kind).map_err(|e| ScenarioError::at("gateway.routes", e.to_string()))
}

fn gateway(
    raw: &RawScenario,
    gw: &RawGateway,
    base_dir: &Path,
    group_index: &dyn Fn(&str, &str) -> Result<u32, ScenarioError>,
    route_names: &mut Vec<String>,
    alb_context: AlbContext,
) -> Result<Gateway, ScenarioError> {
    let AlbContext {
        listeners,
        route_albs,
        warnings,
    } = alb_context;
    let kind = match gw.kind {
        ApiKindRaw::Rest => ApiKind::Rest,
        ApiKindRaw::Http => ApiKind::Http,
    };
    // Documented limits: REST 50 ms–29 s (raisable to 300 s), HTTP 50 ms–30 s.
    let (default_timeout, max_timeout) = match kind {
        ApiKind::Rest => (29.0, 300.0),
        ApiKind::Http => (30.0, 30.0),
    };
    let timeout_s = gw.integration_timeout_s.unwrap_or(default_timeout);
    if !(0.05..=max_timeout).contains(&timeout_s) {
        return Err(ScenarioError::at(
            "gateway.integration_timeout_s",
            format!("must be from 0.05 to {max_timeout} s for this API kind (got {timeout_s})"),
        ));
    }
    let authorizer = match &gw.authorizer {
        Some(a) => {
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
            Some(Authorizer {
                kind: a.kind,
                latency: optional_dist(a.latency.as_ref(), &join_path(path, "latency"), base_dir)?,
                cache_ttl: from_secs(ttl),
            })
        }
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
        let ipath = join_path(&path, "integration");
        let (group, load_balancer) = match (
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
                let listener = listeners[li]
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
                let l = &listeners[li][listener];
                if raw.load_balancers[li].kind == LoadBalancerKind::Alb {
                    // REST APIs reach ALBs through VPC links V2 as HTTP APIs do (API Gateway
                    // developer guide, "Private integrations for REST APIs"); both send plain
                    // HTTP unless told a secure server name.
                    let plain = l.https && r.integration.tls_server_name.is_none();
                    if plain {
                        warnings.push(format!(
                            "{path} ({:?}): its integration reaches HTTPS listener {port} of \
                             ALB {lb:?} without `tls_server_name`, so API Gateway sends plain \
                             HTTP and the ALB answers every request 400 \"The plain HTTP request \
                             was sent to HTTPS port\" (set integration.tls_server_name: an HTTP \
                             API's tlsConfig.serverNameToVerify, a REST API's https:// \
                             integration URI)",
                            r.route
                        ));
                    }
                    route_albs.push(Some(RouteAlb {
                        load_balancer: li as u32,
                        listener,
                        plain_http_to_https: plain,
                    }));
                } else {
                    route_albs.push(None);
                }
                (l.group, Some(li as u32))
            }
            (None, None, Some(tg)) => {
                route_albs.push(None);
                (group_index(tg, &join_path(&ipath, "target_group"))?, None)
            }
            _ => {
                return Err(ScenarioError::at(
                    ipath,
                    "an integration is either { load_balancer, port } or { target_group }",
                ));
            }
        };
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

fn retry_policy(r: &RawRetries, path: &str) -> Result<RetryPolicy, ScenarioError> {
    positive(&join_path(path, "base_ms"), r.base_ms)?;
    positive(&join_path(path, "cap_ms"), r.cap_ms)?;
    let mut statuses = Vec::with_capacity(r.on.len());
    for (i, item) in r.on.iter().enumerate() {
        statuses.push(match item {
            RawRetryOn::Status(code) => *code,
            RawRetryOn::Word(w) if w == "timeout" => RetryOn::TIMEOUT,
            RawRetryOn::Word(w) => {
                return Err(ScenarioError::at(
                    join_path(&join_path(path, "on"), i),
                    format!("expected an HTTP status or \"timeout\", got {w:?}"),
                ));
            }
        });
    }
    let retry_on = RetryOn::from_statuses(&statuses).map_err(|status| {
        let i = statuses.iter().position(|&s| s == status).unwrap_or(0);
        ScenarioError::at(
            join_path(&join_path(path, "on"), i),
            format!(
                "status {status} is never returned on the simulated path (retryable: {:?} and \"timeout\")",
                &RetryOn::SUPPORTED[1..]
            ),
        )
    })?;
    Ok(RetryPolicy {
        max_retries: r.max,
        base: from_ms(r.base_ms),
        cap: from_ms(r.cap_ms),
        jitter: match r.jitter {
            JitterKind::Full => Jitter::Full,
            JitterKind::Equal => Jitter::Equal,
            JitterKind::None => Jitter::None,
        },
        retry_on,
    })
}

fn positive(path: &str, v: f64) -> Result<f64, ScenarioError> {
    if v > 0.0 && v.is_finite() {
        Ok(v)
    } else {
        Err(ScenarioError::at(
            path,
            format!("must be greater than 0 (got {v})"),
        ))
    }
}

fn profile(t: &RawTraffic, path: &str) -> Result<RateProfile, ScenarioError> {
    match (t.rate_rps, t.profile.is_empty()) {
        (Some(rate), true) => Ok(RateProfile::constant(positive(
            &join_path(path, "rate_rps"),
            rate,
        )?)),
        (None, false) => {
            let ppath = join_path(path, "profile");
            let mut points = Vec::with_capacity(t.profile.len());
            for (i, p) in t.profile.iter().enumerate() {
                let here = join_path(&ppath, i);
                if !(p.rate_rps >= 0.0 && p.rate_rps.is_finite()) {
                    return Err(ScenarioError::at(
                        join_path(&here, "rate_rps"),
                        format!("must be 0 or more (got {})", p.rate_rps),
                    ));
                }
                let previous = points.last().map(|&(at, _, _)| at);
                let valid_time = match previous {
                    None => p.at_s == 0.0,
                    Some(prev) => p.at_s >= prev && p.at_s.is_finite(),
                };
                if !valid_time {
                    let rule = if previous.is_none() {
                        "the first profile point must be at 0".to_string()
                    } else {
                        format!(
                            "points must be in time order (previous at {})",
                            previous.unwrap_or(0.0)
                        )
                    };
                    return Err(ScenarioError::at(
                        join_path(&here, "at_s"),
                        format!("{rule} (got {})", p.at_s),
                    ));
                }
                if i == 0 && p.shape == ProfileShape::Ramp {
                    return Err(ScenarioError::at(
                        join_path(&here, "shape"),
                        "the first point has nothing to ramp from; use shape = \"step\"",
                    ));
                }
                points.push((p.at_s, p.rate_rps, p.shape));
            }
            if points.iter().all(|&(_, r, _)| r == 0.0) {
                return Err(ScenarioError::at(ppath, "every rate in the profile is 0"));
            }
            Ok(RateProfile::from_points(&points))
        }
        (Some(_), false) => Err(ScenarioError::at(
            join_path(path, "rate_rps"),
            "give either `rate_rps` or `profile`, not both",
        )),
        (None, true) => Err(ScenarioError::at(
            join_path(path, "rate_rps"),
            "each source needs `rate_rps` or a `profile`",
        )),
    }
}
