//! API Gateway and SAM resources: HTTP and REST APIs (with an inline OpenAPI body), HTTP routes
//! and integrations, REST resources and methods (with their inline integration), authorizers,
//! stages, VPC links and usage plans.

use super::super::infra::*;
use super::super::{Props, openapi, scalar_text};
use super::resources::{Res, route_auth, string_map};

/// `AWS::ApiGatewayV2::Api`: an HTTP API (other protocols are not modelled).
pub(super) fn http_api(infra: &mut Infra, r: Res) -> Result<(), String> {
    let proto = r.p.str("ProtocolType")?.unwrap_or_else(|| "HTTP".into());
    if proto != "HTTP" {
        infra
            .unsupported
            .push((r.prov, format!("{proto} APIs are not modelled")));
        return Ok(());
    }
    api(infra, r, ApiKind::Http)
}

/// `AWS::ApiGateway::RestApi`: a REST API.
pub(super) fn rest_api(infra: &mut Infra, r: Res) -> Result<(), String> {
    api(infra, r, ApiKind::Rest)
}

/// An API and the routes of its inline OpenAPI `Body` (one in S3 cannot be read).
fn api(infra: &mut Infra, r: Res, kind: ApiKind) -> Result<(), String> {
    let Res { id, prov, p } = r;
    infra.apis.push(Api {
        id: id.clone(),
        prov: prov.clone(),
        kind,
    });
    if let Some(body) = p.get("Body") {
        openapi::read_document(body, &id, &prov, infra)?;
    }
    if p.has("BodyS3Location") {
        infra.unsupported.push((
            prov,
            "BodyS3Location: the OpenAPI body in S3 cannot be read offline".into(),
        ));
    }
    Ok(())
}

/// `AWS::Serverless::HttpApi`, `AWS::Serverless::Api`: a SAM API: its inline `DefinitionBody`.
pub(super) fn sam_api(infra: &mut Infra, r: Res, api_kind: ApiKind) -> Result<(), String> {
    let Res { id, prov, p } = r;
    infra.apis.push(Api {
        id: id.clone(),
        prov: prov.clone(),
        kind: api_kind,
    });
    match p.get("DefinitionBody") {
        Some(body) => {
            openapi::read_document(body, &id, &prov, infra)?;
        }
        None => infra.unsupported.push((
            prov,
            "only a DefinitionBody (inline OpenAPI) is read; SAM's implicit APIs from function events are not".into(),
        )),
    }
    Ok(())
}

/// `AWS::ApiGatewayV2::Route`: an HTTP API route: `METHOD /path` or `$default`.
pub(super) fn http_route(infra: &mut Infra, r: Res) -> Result<(), String> {
    let Res { prov, p, .. } = r;
    let key = p.str("RouteKey")?.ok_or("a route needs a RouteKey")?;
    let (method, path) = match key.split_once(' ') {
        Some((m, path)) => (m.to_string(), path.to_string()),
        None => (String::new(), key.clone()),
    };
    infra.routes.push(Route {
        prov,
        api: p.str("ApiId")?.unwrap_or_default(),
        method,
        path,
        resource: None,
        auth: route_auth(p.str("AuthorizationType")?, p.str("AuthorizerId")?),
        integration: p.str("Target")?,
    });
    Ok(())
}

/// `AWS::ApiGatewayV2::Integration`: an HTTP API integration.
pub(super) fn http_integration(infra: &mut Infra, r: Res) -> Result<(), String> {
    let Res { id, prov, p } = r;
    infra.integrations.push(Integration {
        id,
        prov,
        kind: p
            .str("IntegrationType")?
            .unwrap_or_default()
            .to_ascii_uppercase(),
        uri: p.str("IntegrationUri")?.unwrap_or_default(),
        connection_type: p.str("ConnectionType")?.map(|c| c.to_ascii_uppercase()),
        connection_id: p.str("ConnectionId")?,
        timeout_ms: p.num("TimeoutInMillis")?,
        tls_server_name: p
            .obj("TlsConfig")?
            .map(|t| Props::of(t, "TlsConfig").str("ServerNameToVerify"))
            .transpose()?
            .flatten(),
    });
    Ok(())
}

/// `AWS::ApiGatewayV2::Authorizer`: an HTTP API authorizer: JWT or Lambda.
pub(super) fn http_authorizer(infra: &mut Infra, r: Res) -> Result<(), String> {
    let kind = match r.p.str("AuthorizerType")?.unwrap_or_default().as_str() {
        "JWT" => AuthorizerKind::Jwt,
        _ => AuthorizerKind::Lambda,
    };
    authorizer(infra, r, kind)
}

/// `AWS::ApiGateway::Authorizer`: a REST authorizer: Cognito or Lambda.
pub(super) fn rest_authorizer(infra: &mut Infra, r: Res) -> Result<(), String> {
    let kind = match r.p.str("Type")?.unwrap_or_default().as_str() {
        "COGNITO_USER_POOLS" => AuthorizerKind::Cognito,
        _ => AuthorizerKind::Lambda,
    };
    authorizer(infra, r, kind)
}

fn authorizer(infra: &mut Infra, r: Res, kind: AuthorizerKind) -> Result<(), String> {
    infra.authorizers.push(Authorizer {
        ttl_s: r.p.num("AuthorizerResultTtlInSeconds")?,
        id: r.id,
        prov: r.prov,
        kind,
    });
    Ok(())
}

/// `AWS::ApiGatewayV2::Stage`: an HTTP API stage: its variables and default route throttle.
pub(super) fn http_stage(infra: &mut Infra, r: Res) -> Result<(), String> {
    let Res { prov, p, .. } = r;
    let throttle = throttle(
        &p,
        "DefaultRouteSettings",
        "ThrottlingRateLimit",
        "ThrottlingBurstLimit",
    )?;
    infra.stages.push(Stage {
        prov,
        api: p.str("ApiId")?.unwrap_or_default(),
        variables: string_map(p.obj("StageVariables")?)?,
        throttle,
    });
    Ok(())
}

/// `AWS::ApiGateway::Stage`: a REST stage: its variables and stage-wide (`*` `/*`) throttle.
pub(super) fn rest_stage(infra: &mut Infra, r: Res) -> Result<(), String> {
    let Res { prov, p, .. } = r;
    let mut throttle = None;
    for ms in p.list("MethodSettings")? {
        let m = Props::of(ms, "MethodSettings");
        let all = m.str("HttpMethod")?.as_deref() == Some("*")
            && m.str("ResourcePath")?.as_deref() == Some("/*");
        if all
            && let (Some(r), Some(b)) = (
                m.num("ThrottlingRateLimit")?,
                m.num("ThrottlingBurstLimit")?,
            )
        {
            throttle = Some((r, b));
        }
    }
    infra.stages.push(Stage {
        prov,
        api: p.str("RestApiId")?.unwrap_or_default(),
        variables: string_map(p.obj("Variables")?)?,
        throttle,
    });
    Ok(())
}

/// `AWS::ApiGatewayV2::VpcLink`: an HTTP API VPC link.
pub(super) fn http_vpc_link(infra: &mut Infra, r: Res) -> Result<(), String> {
    let Res { id, .. } = r;
    infra.vpc_links.push(VpcLink {
        id,
        targets: Vec::new(),
    });
    Ok(())
}

/// `AWS::ApiGateway::VpcLink`: a REST VPC link: the NLBs it targets.
pub(super) fn rest_vpc_link(infra: &mut Infra, r: Res) -> Result<(), String> {
    let Res { id, p, .. } = r;
    let targets = p
        .list("TargetArns")?
        .iter()
        .filter_map(|v| scalar_text(v))
        .collect();
    infra.vpc_links.push(VpcLink { id, targets });
    Ok(())
}

/// `AWS::ApiGateway::Resource`: a REST resource: one path part under its parent.
pub(super) fn rest_resource(infra: &mut Infra, r: Res) -> Result<(), String> {
    let Res { id, p, .. } = r;
    infra.rest_resources.push(RestResource {
        id,
        parent: p.str("ParentId")?.unwrap_or_default(),
        path_part: p.str("PathPart")?.ok_or("a resource needs a PathPart")?,
    });
    Ok(())
}

/// `AWS::ApiGateway::Method`: a REST method: a route on a resource, with its inline integration.
pub(super) fn rest_method(infra: &mut Infra, r: Res) -> Result<(), String> {
    let Res { id, prov, p } = r;
    let method = p.str("HttpMethod")?.ok_or("a method needs an HttpMethod")?;
    let integration = match p.obj("Integration")? {
        Some(i) => {
            let ip = Props::of(i, "Integration");
            let uri = ip.str("Uri")?.unwrap_or_default();
            let tls_server_name = uri
                .strip_prefix("https://")
                .map(|r| r.split(['/', ':']).next().unwrap_or(r).to_string())
                .filter(|h| !h.is_empty() && refs(h).is_empty());
            let iid = format!("{id}/Integration");
            infra.integrations.push(Integration {
                id: iid.clone(),
                prov: prov.clone(),
                kind: ip.str("Type")?.unwrap_or_default().to_ascii_uppercase(),
                uri,
                connection_type: ip.str("ConnectionType")?.map(|c| c.to_ascii_uppercase()),
                connection_id: ip.str("ConnectionId")?,
                timeout_ms: ip.num("TimeoutInMillis")?,
                tls_server_name,
            });
            Some(iid)
        }
        None => None,
    };
    infra.routes.push(Route {
        prov,
        api: p.str("RestApiId")?.unwrap_or_default(),
        method,
        path: String::new(),
        resource: Some(p.str("ResourceId")?.unwrap_or_default()),
        auth: route_auth(p.str("AuthorizationType")?, p.str("AuthorizerId")?),
        integration,
    });
    Ok(())
}

/// `AWS::ApiGateway::UsagePlan`: a usage plan: listed as not modelled, with its throttle.
pub(super) fn usage_plan(infra: &mut Infra, r: Res) -> Result<(), String> {
    let Res { prov, p, .. } = r;
    let throttle = throttle(&p, "Throttle", "RateLimit", "BurstLimit")?;
    let why = match throttle {
        Some((r, b)) => format!(
            "usage plans (per-client throttles, here {r} req/s with a burst of {b}) are not modelled"
        ),
        None => "usage plans (per-client throttles and quotas) are not modelled".into(),
    };
    infra.unsupported.push((prov, why));
    Ok(())
}

/// The `(rate, burst)` in object `key` of `p`, when both are set.
fn throttle(
    p: &Props,
    key: &'static str,
    rate: &str,
    burst: &str,
) -> Result<Option<(f64, f64)>, String> {
    let Some(o) = p.obj(key)? else {
        return Ok(None);
    };
    let o = Props::of(o, key);
    Ok(match (o.num(rate)?, o.num(burst)?) {
        (Some(r), Some(b)) => Some((r, b)),
        _ => None,
    })
}
