//! `[[traffic]]`: the sources of requests: rate or profile, clients and connections, client
//! timeout and retries, and the path each takes (through the gateway's routes, straight to a
//! target group, or by Cloud Map DNS).

use super::super::error::{ScenarioError, join_path};
use super::super::schema::{
    DiscoveryKind, JitterKind, RawRetries, RawScenario, RawTraffic, RetryOn as RawRetryOn,
};
use super::super::{Gateway, Source, SourcePath};
use super::GroupIndex;
use super::alb;
use super::check::{MAX_CLIENTS, at_most_rate, count, positive, rate, span_ms, span_s};
use super::gateway::{RouteAlb, route_table};
use crate::model::retry::{Jitter, RetryOn, RetryPolicy};
use crate::model::routing::Match;
use crate::model::source::RateProfile;
use crate::vocab::ProfileShape;

/// What the sources are resolved against, and what they add to.
pub(super) struct Paths<'a> {
    pub gateway: &'a Option<Gateway>,
    pub listeners: &'a [Vec<alb::Listener>],
    pub route_albs: &'a [Option<RouteAlb>],
    /// Statistics routes: the gateway's, then one per direct source and `(no route)`.
    pub route_names: &'a mut Vec<String>,
}

/// The checked sources and the number of credentials (clients) over all of them.
pub(super) fn resolve(
    raw: &RawScenario,
    group_index: &GroupIndex,
    mut paths: Paths,
) -> Result<(Vec<Source>, u32), ScenarioError> {
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
            Some(s) => {
                let tpath = join_path(&path, "timeout_s");
                positive(&tpath, s)?;
                Some(span_s(&tpath, s)?)
            }
            None => None,
        };
        let limit = "clients of one source";
        count(&join_path(&path, "clients"), t.clients, MAX_CLIENTS, limit)?;
        if t.connections > MAX_CLIENTS {
            return Err(ScenarioError::at(
                join_path(&path, "connections"),
                format!(
                    "must be at most {MAX_CLIENTS} (keep-alive connections of one source) (got {})",
                    t.connections
                ),
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
        let (source_path, stats_route, alb_path) =
            source_path(raw, t, &path, group_index, &mut paths, &mut no_route)?;
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
    Ok((sources, credentials))
}

/// A source's path, its statistics route and, through an ALB listener, its listener path.
fn source_path(
    raw: &RawScenario,
    t: &RawTraffic,
    path: &str,
    group_index: &GroupIndex,
    paths: &mut Paths,
    no_route: &mut Option<u32>,
) -> Result<(SourcePath, u32, Option<super::super::AlbPath>), ScenarioError> {
    // A DNS client calls the service itself, beside any gateway (an internal caller).
    let direct = if t.discovery == Some(DiscoveryKind::Dns) {
        &None
    } else {
        paths.gateway
    };
    match (direct, &t.target_group) {
        (None, Some(group)) => {
            let group = group_index(group, &join_path(path, "target_group"))?;
            match t.discovery {
                Some(DiscoveryKind::Dns)
                    if raw.target_groups[group as usize].cloud_map.is_none() =>
                {
                    return Err(ScenarioError::at(
                        join_path(path, "discovery"),
                        format!(
                            "\"dns\" resolves the Cloud Map service of target group {:?}, \
                             which has no `cloud_map`",
                            t.target_group.as_deref().unwrap_or_default()
                        ),
                    ));
                }
                Some(DiscoveryKind::CloudMap) => {
                    return Err(ScenarioError::at(
                        join_path(path, "discovery"),
                        "\"cloud_map\" (DiscoverInstances) is API Gateway's way in: \
                         a client without a gateway uses \"dns\"",
                    ));
                }
                _ => {}
            }
            paths.route_names.push(t.name.clone());
            let route = paths.route_names.len() as u32 - 1;
            Ok((SourcePath::Direct { group }, route, None))
        }
        (None, None) => Err(ScenarioError::at(
            join_path(path, "target_group"),
            "without a [gateway], each source needs the target group its requests go to",
        )),
        (Some(_), None) if t.discovery.is_some() => Err(ScenarioError::at(
            join_path(path, "discovery"),
            "with a [gateway], the route's integration says how it finds the tasks: \
             remove `discovery`",
        )),
        (Some(_), Some(_)) => Err(ScenarioError::at(
            join_path(path, "target_group"),
            "with a [gateway], requests go through its routes: remove `target_group`",
        )),
        (Some(gw), None) => {
            let table = route_table(gw)?;
            match table.route(&t.method, &t.path) {
                Match::Route(r) => {
                    let alb_path = paths.route_albs[r as usize].map(|ra| {
                        alb::path_of(
                            t,
                            ra.load_balancer,
                            &paths.listeners[ra.load_balancer as usize][ra.listener],
                            ra.plain_http_to_https,
                        )
                    });
                    let route = gw.routes[r as usize].stats_route;
                    Ok((SourcePath::Gateway { route: Some(r) }, route, alb_path))
                }
                Match::NoRoute { .. } => {
                    let idx = *no_route.get_or_insert_with(|| {
                        paths.route_names.push("(no route)".into());
                        paths.route_names.len() as u32 - 1
                    });
                    Ok((SourcePath::Gateway { route: None }, idx, None))
                }
            }
        }
    }
}

fn retry_policy(r: &RawRetries, path: &str) -> Result<RetryPolicy, ScenarioError> {
    positive(&join_path(path, "base_ms"), r.base_ms)?;
    let base = span_ms(&join_path(path, "base_ms"), r.base_ms)?;
    positive(&join_path(path, "cap_ms"), r.cap_ms)?;
    let cap = span_ms(&join_path(path, "cap_ms"), r.cap_ms)?;
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
        base,
        cap,
        jitter: match r.jitter {
            JitterKind::Full => Jitter::Full,
            JitterKind::Equal => Jitter::Equal,
            JitterKind::None => Jitter::None,
        },
        retry_on,
    })
}

fn profile(t: &RawTraffic, path: &str) -> Result<RateProfile, ScenarioError> {
    match (t.rate_rps, t.profile.is_empty()) {
        (Some(r), true) => Ok(RateProfile::constant(rate(
            &join_path(path, "rate_rps"),
            r,
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
                at_most_rate(&join_path(&here, "rate_rps"), p.rate_rps)?;
                span_s(&join_path(&here, "at_s"), p.at_s.max(0.0))?;
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
