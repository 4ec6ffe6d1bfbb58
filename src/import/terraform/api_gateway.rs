//! API Gateway resources: REST and HTTP APIs (with an OpenAPI `body`), REST resources, methods
//! and integrations, HTTP routes and integrations, authorizers, stages and VPC links.

use std::collections::BTreeMap;

use super::super::infra::*;
use super::super::{Props, openapi, parse_document, scalar_text};
use super::resources::{Res, RestIntegration, tf_map, tf_throttle};

/// `aws_api_gateway_rest_api`: a REST API.
pub(super) fn rest_api(infra: &mut Infra, r: Res) -> Result<(), String> {
    api(infra, r, ApiKind::Rest)
}

/// `aws_apigatewayv2_api`: an HTTP API (other protocols are not modelled).
pub(super) fn http_api(infra: &mut Infra, r: Res) -> Result<(), String> {
    let proto = r.p.str("protocol_type")?.unwrap_or_default();
    if proto != "HTTP" {
        infra
            .unsupported
            .push((r.prov, format!("{proto} APIs are not modelled")));
        return Ok(());
    }
    api(infra, r, ApiKind::Http)
}

/// An API, and the routes of the OpenAPI definition in its `body`, if it has one.
fn api(infra: &mut Infra, r: Res, kind: ApiKind) -> Result<(), String> {
    infra.apis.push(Api {
        id: r.id.clone(),
        prov: r.prov.clone(),
        kind,
    });
    if let Some(b) = r.p.str("body")? {
        let doc = parse_document(&b).map_err(|(_, m)| format!("`body`: {m}"))?;
        openapi::read_document(&doc, &marker(r.addr, None), &r.prov, infra)?;
    }
    Ok(())
}

/// `aws_api_gateway_resource`: a REST resource: one path part under its parent.
pub(super) fn rest_resource(infra: &mut Infra, r: Res) -> Result<(), String> {
    let Res { id, p, .. } = r;
    infra.rest_resources.push(RestResource {
        id,
        parent: p.str("parent_id")?.unwrap_or_default(),
        path_part: p.str("path_part")?.ok_or("`path_part` is required")?,
    });
    Ok(())
}

/// `aws_api_gateway_method`: a REST method: a route on a resource.
pub(super) fn rest_method(infra: &mut Infra, r: Res) -> Result<(), String> {
    let Res { prov, p, .. } = r;
    let auth = p.str("authorization")?;
    let authorizer = p.str("authorizer_id")?;
    infra.routes.push(Route {
        prov,
        api: p.str("rest_api_id")?.unwrap_or_default(),
        method: p.str("http_method")?.ok_or("`http_method` is required")?,
        path: String::new(),
        resource: Some(p.str("resource_id")?.unwrap_or_default()),
        auth: route_auth(auth, authorizer),
        integration: None,
    });
    Ok(())
}

/// `aws_api_gateway_integration`: a REST integration, tied to its method by (API, resource, method).
pub(super) fn rest_integration(
    infra: &mut Infra,
    r: Res,
    rest_integrations: &mut Vec<RestIntegration>,
) -> Result<(), String> {
    let Res { id, prov, p, .. } = r;
    let uri = p.str("uri")?.unwrap_or_default();
    let tls_server_name = uri
        .strip_prefix("https://")
        .map(|r| r.split(['/', ':']).next().unwrap_or(r).to_string())
        .filter(|h| !h.is_empty() && refs(h).is_empty());
    infra.integrations.push(Integration {
        id: id.clone(),
        prov,
        kind: p.str("type")?.unwrap_or_default().to_ascii_uppercase(),
        uri,
        connection_type: p.str("connection_type")?.map(|c| c.to_ascii_uppercase()),
        connection_id: p.str("connection_id")?,
        timeout_ms: p.num("timeout_milliseconds")?,
        tls_server_name,
    });
    rest_integrations.push((
        id,
        p.str("rest_api_id")?.unwrap_or_default(),
        p.str("resource_id")?.unwrap_or_default(),
        p.str("http_method")?.unwrap_or_default(),
    ));
    Ok(())
}

/// `aws_api_gateway_authorizer`: a REST authorizer: Cognito or Lambda.
pub(super) fn rest_authorizer(infra: &mut Infra, r: Res) -> Result<(), String> {
    let kind = match r.p.str("type")?.as_deref() {
        Some("COGNITO_USER_POOLS") => AuthorizerKind::Cognito,
        _ => AuthorizerKind::Lambda,
    };
    authorizer(infra, r, kind)
}

/// `aws_apigatewayv2_authorizer`: an HTTP API authorizer: JWT or Lambda.
pub(super) fn http_authorizer(infra: &mut Infra, r: Res) -> Result<(), String> {
    let kind = match r.p.str("authorizer_type")?.as_deref() {
        Some("JWT") => AuthorizerKind::Jwt,
        _ => AuthorizerKind::Lambda,
    };
    authorizer(infra, r, kind)
}

fn authorizer(infra: &mut Infra, r: Res, kind: AuthorizerKind) -> Result<(), String> {
    infra.authorizers.push(Authorizer {
        ttl_s: r.p.num("authorizer_result_ttl_in_seconds")?,
        id: r.id,
        prov: r.prov,
        kind,
    });
    Ok(())
}

/// A method's or route's authorization: none, its authorizer, or a type with no authorizer.
fn route_auth(auth: Option<String>, authorizer: Option<String>) -> RouteAuth {
    match (auth.as_deref(), authorizer) {
        (None | Some("NONE"), _) => RouteAuth::None,
        (_, Some(a)) => RouteAuth::Authorizer(a),
        (Some(k), None) => RouteAuth::Type(k.to_string()),
    }
}

/// `aws_api_gateway_stage`: a REST stage: its variables.
pub(super) fn rest_stage(infra: &mut Infra, r: Res) -> Result<(), String> {
    let Res { prov, p, .. } = r;
    infra.stages.push(Stage {
        prov,
        api: p.str("rest_api_id")?.unwrap_or_default(),
        variables: tf_map(p.get("variables"))?,
        throttle: None,
    });
    Ok(())
}

/// `aws_api_gateway_method_settings`: REST method settings: the stage-wide throttle.
pub(super) fn method_settings(infra: &mut Infra, r: Res) -> Result<(), String> {
    let Res { prov, p, .. } = r;
    let all = p.str("method_path")?.as_deref() == Some("*/*");
    let throttle = match p.obj("settings")? {
        Some(s) if all => tf_throttle(
            &Props::of(s, "settings"),
            "throttling_rate_limit",
            "throttling_burst_limit",
        )?,
        _ => None,
    };
    if throttle.is_none() {
        infra.unsupported.push((
            prov,
            "only stage-wide (`method_path = \"*/*\"`) throttling is imported".into(),
        ));
        return Ok(());
    }
    infra.stages.push(Stage {
        prov,
        api: p.str("rest_api_id")?.unwrap_or_default(),
        variables: BTreeMap::new(),
        throttle,
    });
    Ok(())
}

/// `aws_apigatewayv2_stage`: an HTTP API stage: its variables and default route throttle.
pub(super) fn http_stage(infra: &mut Infra, r: Res) -> Result<(), String> {
    let Res { prov, p, .. } = r;
    let throttle = match p.obj("default_route_settings")? {
        Some(s) => tf_throttle(
            &Props::of(s, "default_route_settings"),
            "throttling_rate_limit",
            "throttling_burst_limit",
        )?,
        None => None,
    };
    infra.stages.push(Stage {
        prov,
        api: p.str("api_id")?.unwrap_or_default(),
        variables: tf_map(p.get("stage_variables"))?,
        throttle,
    });
    Ok(())
}

/// `aws_api_gateway_vpc_link`: a REST VPC link: the NLBs it targets.
pub(super) fn rest_vpc_link(infra: &mut Infra, r: Res) -> Result<(), String> {
    let Res { id, p, .. } = r;
    infra.vpc_links.push(VpcLink {
        id,
        targets: p
            .list("target_arns")?
            .iter()
            .filter_map(|x| scalar_text(x))
            .collect(),
    });
    Ok(())
}

/// `aws_apigatewayv2_vpc_link`: an HTTP API VPC link.
pub(super) fn http_vpc_link(infra: &mut Infra, r: Res) -> Result<(), String> {
    let Res { id, .. } = r;
    infra.vpc_links.push(VpcLink {
        id,
        targets: Vec::new(),
    });
    Ok(())
}

/// `aws_apigatewayv2_route`: an HTTP API route: `METHOD /path` or `$default`.
pub(super) fn http_route(infra: &mut Infra, r: Res) -> Result<(), String> {
    let Res { prov, p, .. } = r;
    let key = p.str("route_key")?.ok_or("`route_key` is required")?;
    let (method, path) = match key.split_once(' ') {
        Some((m, path)) => (m.to_string(), path.to_string()),
        None => (String::new(), key.clone()),
    };
    let auth = p.str("authorization_type")?;
    let authorizer = p.str("authorizer_id")?;
    infra.routes.push(Route {
        prov,
        api: p.str("api_id")?.unwrap_or_default(),
        method,
        path,
        resource: None,
        auth: route_auth(auth, authorizer),
        integration: p.str("target")?,
    });
    Ok(())
}

/// `aws_apigatewayv2_integration`: an HTTP API integration.
pub(super) fn http_integration(infra: &mut Infra, r: Res) -> Result<(), String> {
    let Res { id, prov, p, .. } = r;
    infra.integrations.push(Integration {
        id,
        prov,
        kind: p
            .str("integration_type")?
            .unwrap_or_default()
            .to_ascii_uppercase(),
        uri: p.str("integration_uri")?.unwrap_or_default(),
        connection_type: p.str("connection_type")?.map(|c| c.to_ascii_uppercase()),
        connection_id: p.str("connection_id")?,
        timeout_ms: p.num("timeout_milliseconds")?,
        tls_server_name: p
            .obj("tls_config")?
            .map(|t| Props::of(t, "tls_config").str("server_name_to_verify"))
            .transpose()?
            .flatten(),
    });
    Ok(())
}
