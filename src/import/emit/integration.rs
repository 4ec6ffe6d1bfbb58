//! Resolving an integration to where its requests go in scenario terms: a load balancer's
//! listener (by the URI naming a listener, a load balancer and a port, or the VPC link's target)
//! or a Cloud Map service.

use std::collections::BTreeMap;

use super::super::infra::*;
use super::context::Ctx;
use super::writer::refs_stripped;

/// Where a route's requests go, in scenario terms.
pub(super) enum Target {
    Listener {
        lb: String,
        port: u16,
        tls: Option<String>,
    },
    CloudMap(String),
}

/// Resolves an integration to a listener or a Cloud Map service.
pub(super) fn resolve_integration(
    ctx: &mut Ctx,
    integ: &Integration,
    vars: &BTreeMap<String, String>,
) -> Result<Target, String> {
    let infra = ctx.infra;
    if !matches!(integ.kind.as_str(), "HTTP_PROXY" | "HTTP") {
        return Err(format!(
            "integration type {} is not modelled (simroute models HTTP proxies over a VPC link)",
            integ.kind
        ));
    }
    let uri = substitute_stage_variables(&integ.uri, vars);
    if uri.contains("${stageVariables.") {
        return Err(format!(
            "integration URI `{}` uses a stage variable that no stage sets",
            refs_stripped(&uri)
        ));
    }
    let tls = integ.tls_server_name.clone();
    if let Some(l) = infra.listeners.iter().find(|l| points_at(&uri, &l.id)) {
        let lb = ctx.lb(&l.lb).ok_or_else(|| {
            format!(
                "listener {} belongs to no load balancer in the code",
                l.prov
            )
        })?;
        return Ok(Target::Listener {
            lb: lb.id.clone(),
            port: l.port,
            tls,
        });
    }
    if let Some(d) = infra
        .discovery_services
        .iter()
        .find(|d| points_at(&uri, &d.id))
    {
        let g = ctx
            .groups
            .iter()
            .find(|g| g.discovery.is_some_and(|x| x.id == d.id))
            .expect("every Cloud Map service has a group");
        return Ok(Target::CloudMap(g.name.clone()));
    }
    let port = url_port(&refs_stripped(&uri).replace("::", ":"))
        .or_else(|| url_port(&uri))
        .ok_or_else(|| format!("integration URI `{}` has no port", refs_stripped(&uri)))?;
    let lb = uri_lb(ctx, integ, &uri)?;
    if !infra
        .listeners
        .iter()
        .any(|l| points_at(&l.lb, &lb.id) && l.port == port)
    {
        return Err(format!("{} has no listener on port {port}", lb.prov));
    }
    Ok(Target::Listener {
        lb: lb.id.clone(),
        port,
        tls,
    })
}

/// The load balancer an integration URI with a port reaches: named in the URI, else the VPC
/// link's target, else (for a VPC link) the only load balancer of the code.
fn uri_lb<'a>(
    ctx: &mut Ctx<'a>,
    integ: &Integration,
    uri: &str,
) -> Result<&'a LoadBalancer, String> {
    let infra = ctx.infra;
    let lb = ctx.lb(uri).or_else(|| {
        let link = integ.connection_id.as_deref()?;
        let link = infra.vpc_links.iter().find(|v| points_at(link, &v.id))?;
        link.targets.iter().find_map(|t| ctx.lb(t))
    });
    match lb {
        Some(lb) => Ok(lb),
        None if integ.connection_type.as_deref() == Some("VPC_LINK")
            && infra.load_balancers.len() == 1 =>
        {
            ctx.not_imported.push(format!(
                "{}: the URI `{}` names no load balancer of the code; taken to be the only one, {}",
                integ.prov,
                refs_stripped(uri),
                infra.load_balancers[0].prov
            ));
            Ok(&infra.load_balancers[0])
        }
        None => Err(format!(
            "integration URI `{}` reaches no load balancer, listener or Cloud Map service of the code (an internet endpoint is not modelled)",
            refs_stripped(uri)
        )),
    }
}
