//! The `[gateway]` section: the API's kind, throttling, integration timeout and VPC link, its
//! authorizer, and its routes with their integrations.

use super::super::infra::*;
use super::context::Ctx;
use super::integration::Target;
use super::routes::{Chosen, api_stages};
use super::writer::{Note, Writer, from, n, s};

/// Default latencies, all assumed (AWS documents none).
const GATEWAY_LATENCY_REST: &str = "{ dist = \"lognormal\", median_ms = 4, sigma = 0.3 }";
const GATEWAY_LATENCY_HTTP: &str = "{ dist = \"lognormal\", median_ms = 3, sigma = 0.3 }";
const VPC_LINK_LATENCY: &str = "{ latency = { dist = \"constant\", ms = 0.5 } }";

/// Writes the gateway; returns the IDs of the load balancers its routes reach, in route order.
pub(super) fn write_gateway(w: &mut Writer, ctx: &Ctx, chosen: &Chosen) -> Vec<String> {
    let infra = ctx.infra;
    let api = chosen.api;
    let rest = api.kind == ApiKind::Rest;
    w.section("[gateway]");
    let kind = if rest { "rest" } else { "http" };
    w.kv("gateway", "kind", s(kind), from(&api.prov));
    w.kv(
        "gateway",
        "latency",
        (if rest {
            GATEWAY_LATENCY_REST
        } else {
            GATEWAY_LATENCY_HTTP
        })
        .into(),
        Note::Assumed("API Gateway documents no added latency".into()),
    );
    w.kv(
        "gateway",
        "throttle",
        "{ rate_rps = 10000, burst = 5000 }".into(),
        Note::Assumed("AWS's default account quota per Region; yours may be raised".into()),
    );
    if let Some(st) = api_stages(infra, api).find(|st| st.throttle.is_some_and(|(r, _)| r > 0.0)) {
        let (rate, burst) = st.throttle.expect("found with a throttle");
        w.kv(
            "gateway",
            "stage_throttle",
            format!(
                "{{ rate_rps = {}, burst = {} }}",
                n(rate),
                n(burst.max(1.0))
            ),
            from(&st.prov),
        );
    }
    write_integration_timeout(w, chosen);
    let link_prov = infra
        .vpc_links
        .first()
        .map(|v| format!(" (the VPC link {})", v.id))
        .unwrap_or_default();
    w.kv(
        "gateway",
        "vpc_link",
        VPC_LINK_LATENCY.into(),
        Note::Assumed(format!("one AZ-local network hop{link_prov}")),
    );
    if let Some(a) = chosen.authorizer {
        write_authorizer(w, infra, api, a);
    }
    write_routes(w, ctx, chosen)
}

/// The longest integration timeout of the routes, within the API kind's limits.
fn write_integration_timeout(w: &mut Writer, chosen: &Chosen) {
    let timeouts: Vec<(f64, &Prov)> = chosen
        .routes
        .iter()
        .filter_map(|r| r.integration.timeout_ms.map(|t| (t, &r.integration.prov)))
        .collect();
    let Some(&(max, prov)) = timeouts.iter().max_by(|a, b| a.0.total_cmp(&b.0)) else {
        return;
    };
    let limit = if chosen.api.kind == ApiKind::Rest {
        300_000.0
    } else {
        30_000.0
    };
    let t = max.clamp(50.0, limit) / 1000.0;
    let note = if timeouts.iter().any(|(x, _)| *x != max) {
        Note::Plain(format!(
            "from {prov} (the longest; a scenario has one integration timeout)"
        ))
    } else {
        Note::From(prov.to_string())
    };
    w.kv("gateway", "integration_timeout_s", n(t), note);
}

/// `[gateway.authorizer]`: the kind the API allows, its assumed latency and its cache TTL.
fn write_authorizer(w: &mut Writer, infra: &Infra, api: &Api, a: &Authorizer) {
    w.section("[gateway.authorizer]");
    let (kind, ok) = match (a.kind, api.kind) {
        (AuthorizerKind::Cognito, ApiKind::Rest) => ("cognito", true),
        (AuthorizerKind::Jwt, ApiKind::Http) => ("jwt", true),
        (AuthorizerKind::Lambda, _) => ("lambda", true),
        (AuthorizerKind::Cognito, ApiKind::Http) => ("jwt", false),
        (AuthorizerKind::Jwt, ApiKind::Rest) => ("cognito", false),
    };
    let pools = infra
        .user_pools
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let note = if pools.is_empty() {
        format!("from {}", a.prov)
    } else {
        format!("from {} (user pool {pools})", a.prov)
    };
    let note = if ok {
        note
    } else {
        format!("{note}; the only kind this API allows")
    };
    w.kv("gateway.authorizer", "kind", s(kind), Note::Plain(note));
    w.kv(
        "gateway.authorizer",
        "latency",
        "{ dist = \"lognormal\", median_ms = 5, sigma = 0.5 }".into(),
        Note::Assumed("token validation time on a cache miss".into()),
    );
    if let Some(ttl) = a.ttl_s
        && kind != "jwt"
    {
        w.kv(
            "gateway.authorizer",
            "cache_ttl_s",
            n(ttl.clamp(0.0, 3600.0)),
            from(&a.prov),
        );
    }
}

/// `[[gateway.routes]]`; returns the load balancers they reach.
fn write_routes(w: &mut Writer, ctx: &Ctx, chosen: &Chosen) -> Vec<String> {
    let mut used_lbs = Vec::new();
    for (i, r) in chosen.routes.iter().enumerate() {
        let path = format!("gateway.routes.{i}");
        w.section("[[gateway.routes]]");
        w.kv(&path, "route", s(&r.key), from(&r.route.prov));
        if r.auth {
            w.kv(&path, "auth", "true".into(), from(&r.route.prov));
        }
        let value = match &r.target {
            Target::Listener { lb, port, tls } => {
                used_lbs.push(lb.clone());
                let name = &ctx.lb_names[lb];
                match tls {
                    Some(t) => format!(
                        "{{ load_balancer = {}, port = {port}, tls_server_name = {} }}",
                        s(name),
                        s(t)
                    ),
                    None => format!("{{ load_balancer = {}, port = {port} }}", s(name)),
                }
            }
            Target::CloudMap(g) => {
                format!("{{ target_group = {}, discovery = \"cloud_map\" }}", s(g))
            }
        };
        w.kv(&path, "integration", value, from(&r.integration.prov));
    }
    used_lbs
}
