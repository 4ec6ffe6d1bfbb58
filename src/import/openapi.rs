//! OpenAPI 3 definitions (and Swagger 2 ones, as API Gateway exports them) with API Gateway's
//! extensions: `x-amazon-apigateway-integration` (type, URI, VPC link, timeout, TLS server
//! name), `x-amazon-apigateway-any-method`, security schemes with
//! `x-amazon-apigateway-authorizer`. Used for a standalone file and for the inline `Body` of a
//! CloudFormation API.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::infra::*;
use super::{ImportError, Props, line_of_key, parse_document};

const METHODS: &[(&str, &str)] = &[
    ("get", "GET"),
    ("put", "PUT"),
    ("post", "POST"),
    ("delete", "DELETE"),
    ("patch", "PATCH"),
    ("head", "HEAD"),
    ("options", "OPTIONS"),
    ("x-amazon-apigateway-any-method", "ANY"),
];

/// The security scheme an operation needs: its `security`, else the document's.
fn scheme_of<'a>(op: &'a Value, doc: &'a Value) -> Option<&'a str> {
    let sec = op.get("security").or_else(|| doc.get("security"))?;
    sec.as_array()?
        .iter()
        .filter_map(Value::as_object)
        .find_map(|m| m.keys().next().map(String::as_str))
}

fn schemes(doc: &Value) -> Option<&serde_json::Map<String, Value>> {
    doc.pointer("/components/securitySchemes")
        .or_else(|| doc.get("securityDefinitions"))
        .and_then(Value::as_object)
}

/// Which kind of API a standalone document is for: an HTTP API when it uses what only HTTP APIs
/// have (JWT authorizers, `payloadFormatVersion`, `$default`, ARN integration URIs).
fn detect_kind(doc: &Value) -> ApiKind {
    let text = doc.to_string();
    let http = text.contains("\"payloadFormatVersion\"")
        || text.contains("\"/$default\"")
        || text.contains("\"jwt\"")
        || text.contains("arn:aws:elasticloadbalancing")
        || text.contains("arn:aws:servicediscovery");
    if http { ApiKind::Http } else { ApiKind::Rest }
}

/// Adds the routes, integrations and authorizers of `doc` to `infra`, for API `api`.
pub fn read_document(doc: &Value, api: &str, prov: &Prov, infra: &mut Infra) -> Result<(), String> {
    let paths = doc
        .get("paths")
        .and_then(Value::as_object)
        .ok_or("the OpenAPI document has no `paths`")?;
    let schemes = schemes(doc);
    let mut authorizers: BTreeMap<String, String> = BTreeMap::new();
    for (path, item) in paths {
        for (key, method) in METHODS {
            let Some(op) = item.get(*key) else { continue };
            let (route_method, route_path) = if path == "/$default" {
                (String::new(), "$default".to_string())
            } else {
                (method.to_string(), path.clone())
            };
            let label = if route_path == "$default" {
                "$default".to_string()
            } else {
                format!("{method} {path}")
            };
            let at = format!("paths.{path}.{key}");
            let route_prov = Prov::new(
                prov.kind.clone(),
                format!("{} (OpenAPI `{label}`)", prov.name),
            );
            let integration = match op.get("x-amazon-apigateway-integration") {
                Some(i) => {
                    let ip = Props::of(i, "x-amazon-apigateway-integration");
                    let id = format!("{api}:{label}");
                    infra.integrations.push(Integration {
                        id: id.clone(),
                        prov: route_prov.clone(),
                        kind: ip
                            .str("type")
                            .map_err(|e| format!("{at}: {e}"))?
                            .unwrap_or_default()
                            .to_ascii_uppercase(),
                        uri: ip
                            .str("uri")
                            .map_err(|e| format!("{at}: {e}"))?
                            .unwrap_or_default(),
                        connection_type: ip
                            .str("connectionType")
                            .map_err(|e| format!("{at}: {e}"))?
                            .map(|c| c.to_ascii_uppercase()),
                        connection_id: ip.str("connectionId").map_err(|e| format!("{at}: {e}"))?,
                        timeout_ms: ip
                            .num("timeoutInMillis")
                            .map_err(|e| format!("{at}: {e}"))?,
                        tls_server_name: ip
                            .obj("tlsConfig")
                            .map_err(|e| format!("{at}: {e}"))?
                            .and_then(|t| t.get("serverNameToVerify"))
                            .and_then(Value::as_str)
                            .map(String::from),
                    });
                    Some(id)
                }
                None => None,
            };
            let auth = match scheme_of(op, doc) {
                None => RouteAuth::None,
                Some(name) => {
                    let scheme = schemes.and_then(|s| s.get(name));
                    let ext = scheme.and_then(|s| s.get("x-amazon-apigateway-authorizer"));
                    let ty = ext
                        .and_then(|e| e.get("type"))
                        .and_then(Value::as_str)
                        .or_else(|| {
                            scheme
                                .and_then(|s| s.get("x-amazon-apigateway-authtype"))
                                .and_then(Value::as_str)
                        })
                        .map(str::to_ascii_lowercase);
                    let akind = match ty.as_deref() {
                        Some("jwt") => Some(AuthorizerKind::Jwt),
                        Some("cognito_user_pools") => Some(AuthorizerKind::Cognito),
                        Some("token" | "request") => Some(AuthorizerKind::Lambda),
                        _ => None,
                    };
                    match akind {
                        Some(k) => {
                            let aid = authorizers
                                .entry(name.to_string())
                                .or_insert_with(|| {
                                    let aid = format!("{api}:authorizer:{name}");
                                    infra.authorizers.push(Authorizer {
                                        id: aid.clone(),
                                        prov: Prov::new(
                                            prov.kind.clone(),
                                            format!(
                                                "{} (OpenAPI security scheme `{name}`)",
                                                prov.name
                                            ),
                                        ),
                                        kind: k,
                                        ttl_s: ext
                                            .and_then(|e| e.get("authorizerResultTtlInSeconds"))
                                            .and_then(Value::as_f64),
                                    });
                                    aid
                                })
                                .clone();
                            RouteAuth::Authorizer(aid)
                        }
                        None => {
                            let t = scheme
                                .and_then(|s| s.get("type"))
                                .and_then(Value::as_str)
                                .unwrap_or("unknown");
                            if t == "apiKey" {
                                RouteAuth::Type("API_KEY".into())
                            } else {
                                RouteAuth::Type(format!("scheme `{name}` ({t})"))
                            }
                        }
                    }
                }
            };
            infra.routes.push(Route {
                prov: route_prov,
                api: api.to_string(),
                method: route_method,
                path: route_path,
                resource: None,
                auth,
                integration,
            });
        }
    }
    Ok(())
}

/// Reads a standalone OpenAPI file. `--parameter K=V` sets stage variable K (for URIs such as
/// `http://nlb:${stageVariables.bags_port}`). Load balancers, listeners and target groups are
/// made up from the integration URIs, since the file names them only by ARN or DNS name.
pub fn read(path: &Path, params: &[(String, String)]) -> Result<Infra, ImportError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ImportError::new(
            path,
            None,
            None,
            format!("cannot read the OpenAPI file: {e}"),
        )
    })?;
    let doc =
        parse_document(&text).map_err(|(line, msg)| ImportError::new(path, line, None, msg))?;
    if doc.get("openapi").is_none() && doc.get("swagger").is_none() {
        return Err(ImportError::new(
            path,
            Some(1),
            None,
            "not an OpenAPI definition (no `openapi` or `swagger` field)".into(),
        ));
    }
    let title = doc
        .pointer("/info/title")
        .and_then(Value::as_str)
        .unwrap_or("api")
        .to_string();
    let kind = detect_kind(&doc);
    let prov = Prov::new("OpenAPI", title.clone());
    let mut infra = Infra::default();
    infra.apis.push(Api {
        id: "openapi".into(),
        prov: prov.clone(),
        kind,
    });
    read_document(&doc, "openapi", &prov, &mut infra).map_err(|m| {
        let line = m
            .strip_prefix("paths.")
            .and_then(|rest| rest.split(".get").next())
            .and_then(|p| line_of_key(&text, p, 0));
        ImportError::new(path, line, Some(format!("OpenAPI {title}")), m)
    })?;
    let vars: BTreeMap<String, String> = params.iter().cloned().collect();
    if !vars.is_empty() {
        infra.stages.push(Stage {
            prov: Prov::new("--parameter", "stage variables"),
            api: "openapi".into(),
            variables: vars.clone(),
            throttle: None,
        });
    }
    synthesize_backends(&mut infra, &vars);
    Ok(infra)
}

/// Load balancers, listeners, target groups and Cloud Map services named by integration URIs.
fn synthesize_backends(infra: &mut Infra, vars: &BTreeMap<String, String>) {
    let integrations = infra.integrations.clone();
    for (i, integ) in integrations.iter().enumerate() {
        let uri = substitute_stage_variables(&integ.uri, vars);
        let label = integ.prov.name.clone();
        let iprov = Prov::new("OpenAPI x-amazon-apigateway-integration", label.clone());
        if uri.contains(":servicediscovery:") {
            let name = uri.rsplit('/').next().unwrap_or(&uri).to_string();
            if !infra.discovery_services.iter().any(|d| d.id == uri) {
                infra.discovery_services.push(DiscoveryService {
                    id: uri.clone(),
                    prov: Prov::new("Cloud Map service (ARN in the OpenAPI file)", name.clone()),
                    name: Some(name),
                    ttl_s: None,
                    custom_health: true,
                    route53_health: false,
                });
            }
            continue;
        }
        let (lb_name, lb_kind, port, port_assumed, listener_id) = if let Some(rest) = uri
            .split("listener/")
            .nth(1)
            .filter(|_| uri.starts_with("arn:"))
        {
            let mut parts = rest.split('/');
            let ty = parts.next().unwrap_or("net");
            let name = parts.next().unwrap_or("lb").to_string();
            let https = integ.tls_server_name.is_some();
            (
                name,
                if ty == "app" {
                    LbKind::Alb
                } else {
                    LbKind::Nlb
                },
                if https { 443 } else { 80 },
                true,
                uri.clone(),
            )
        } else if integ.connection_type.as_deref() == Some("VPC_LINK")
            && let Some(port) = url_port(&uri)
            && !uri.contains("${")
        {
            let host = uri
                .split("://")
                .nth(1)
                .and_then(|r| r.split(['/', ':']).next())
                .unwrap_or("nlb");
            let name = host.split(['.', '-']).next().unwrap_or(host).to_string();
            let id = format!("listener:{host}:{port}");
            (name, LbKind::Nlb, port, false, id)
        } else {
            continue;
        };
        let lb_id = format!("lb:{lb_name}");
        if !infra.load_balancers.iter().any(|l| l.id == lb_id) {
            infra.load_balancers.push(LoadBalancer {
                id: lb_id.clone(),
                prov: Prov::new("load balancer named by", label.clone()),
                kind: lb_kind,
                name: Some(lb_name.clone()),
                idle_timeout_s: None,
                cross_zone: None,
            });
        }
        if !infra.listeners.iter().any(|l| l.id == listener_id) {
            let tg_id = format!("tg:{lb_name}:{port}:{i}");
            let same_lb = infra.listeners.iter().filter(|l| l.lb == lb_id).count();
            infra.target_groups.push(TargetGroup {
                id: tg_id.clone(),
                prov: Prov::new("target group behind", label.clone()),
                name: Some(if same_lb == 0 {
                    lb_name.clone()
                } else {
                    format!("{lb_name}-{port}")
                }),
                protocol: None,
                health: HealthSpec::default(),
                dereg_delay_s: None,
                algorithm: None,
                anomaly_mitigation: None,
                slow_start_s: None,
                stickiness: None,
                connection_termination: None,
                cross_zone: None,
            });
            infra.listeners.push(Listener {
                id: listener_id.clone(),
                prov: iprov.clone(),
                lb: lb_id.clone(),
                port,
                port_assumed,
                protocol: Some(if port == 443 { "HTTPS" } else { "HTTP" }.into()),
                default_action: Some(Action::Forward(tg_id)),
            });
        }
        infra.integrations[i].uri = marker(&listener_id, None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_become_routes_with_their_authorizer() {
        let doc: Value = serde_json::from_str(
            r#"{"openapi": "3.0.1", "paths": {
                "/pets/{proxy+}": {
                    "get": {"x-amazon-apigateway-integration": {"type": "http_proxy", "uri": "arn:aws:elasticloadbalancing:us-east-1:1:listener/app/pets/a/b", "connectionType": "VPC_LINK", "timeoutInMillis": 5000}},
                    "put": {"security": [{"jwt": []}], "x-amazon-apigateway-integration": {"type": "http_proxy", "uri": "arn:aws:elasticloadbalancing:us-east-1:1:listener/app/pets/a/b", "connectionType": "VPC_LINK"}}
                }},
              "components": {"securitySchemes": {"jwt": {"type": "oauth2", "x-amazon-apigateway-authorizer": {"type": "jwt"}}}}}"#,
        )
        .unwrap();
        assert_eq!(detect_kind(&doc), ApiKind::Http);
        let mut infra = Infra::default();
        read_document(&doc, "a", &Prov::new("OpenAPI", "t"), &mut infra).unwrap();
        assert_eq!(infra.routes.len(), 2);
        assert_eq!(infra.routes[0].auth, RouteAuth::None);
        assert!(matches!(infra.routes[1].auth, RouteAuth::Authorizer(_)));
        assert_eq!(infra.authorizers[0].kind, AuthorizerKind::Jwt);
        assert_eq!(infra.integrations[0].timeout_ms, Some(5000.0));
        synthesize_backends(&mut infra, &BTreeMap::new());
        assert_eq!(infra.load_balancers.len(), 1);
        assert_eq!(infra.load_balancers[0].kind, LbKind::Alb);
        assert!(infra.listeners[0].port_assumed);
    }

    #[test]
    fn rest_uris_give_the_listener_port() {
        let doc: Value = serde_json::from_str(
            r#"{"swagger": "2.0", "paths": {"/bags/{proxy+}": {"x-amazon-apigateway-any-method": {"x-amazon-apigateway-integration": {"type": "http_proxy", "uri": "http://storage-nlb.elb.amazonaws.com:${stageVariables.bags_port}/bags/{proxy}", "connectionType": "VPC_LINK"}}}}}"#,
        )
        .unwrap();
        assert_eq!(detect_kind(&doc), ApiKind::Rest);
        let mut infra = Infra::default();
        read_document(&doc, "a", &Prov::new("OpenAPI", "t"), &mut infra).unwrap();
        let vars = BTreeMap::from([("bags_port".to_string(), "65534".to_string())]);
        synthesize_backends(&mut infra, &vars);
        assert_eq!(infra.listeners[0].port, 65534);
        assert!(!infra.listeners[0].port_assumed);
        assert_eq!(infra.routes[0].method, "ANY");
    }
}
