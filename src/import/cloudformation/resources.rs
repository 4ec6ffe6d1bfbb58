//! CloudFormation resources into the shared model: one mapping function per type (in
//! `api_gateway.rs`, `elb.rs`, `ecs.rs`, `scaling.rs`), dispatched by [`map_resource`], and the
//! property helpers they share.

use std::collections::BTreeMap;

use serde_json::Value;

use super::super::infra::*;
use super::super::{Props, scalar_text};
use super::{api_gateway, ecs, elb, scaling};

/// One resource being mapped: its logical ID, provenance and resolved properties.
pub(super) struct Res<'a> {
    pub(super) id: String,
    pub(super) prov: Prov,
    pub(super) p: Props<'a>,
}

/// One resource into the model, by its type.
pub(super) fn map_resource(
    infra: &mut Infra,
    id: &str,
    kind: &str,
    props: &Value,
    prov: Prov,
) -> Result<(), String> {
    let r = Res {
        id: id.to_string(),
        prov,
        p: Props::of(props, ""),
    };
    match kind {
        "AWS::ApiGatewayV2::Api" => api_gateway::http_api(infra, r),
        "AWS::ApiGateway::RestApi" => api_gateway::rest_api(infra, r),
        "AWS::Serverless::HttpApi" => api_gateway::sam_api(infra, r, ApiKind::Http),
        "AWS::Serverless::Api" => api_gateway::sam_api(infra, r, ApiKind::Rest),
        "AWS::ApiGatewayV2::Route" => api_gateway::http_route(infra, r),
        "AWS::ApiGatewayV2::Integration" => api_gateway::http_integration(infra, r),
        "AWS::ApiGatewayV2::Authorizer" => api_gateway::http_authorizer(infra, r),
        "AWS::ApiGateway::Authorizer" => api_gateway::rest_authorizer(infra, r),
        "AWS::ApiGatewayV2::Stage" => api_gateway::http_stage(infra, r),
        "AWS::ApiGateway::Stage" => api_gateway::rest_stage(infra, r),
        "AWS::ApiGatewayV2::VpcLink" => api_gateway::http_vpc_link(infra, r),
        "AWS::ApiGateway::VpcLink" => api_gateway::rest_vpc_link(infra, r),
        "AWS::ApiGateway::Resource" => api_gateway::rest_resource(infra, r),
        "AWS::ApiGateway::Method" => api_gateway::rest_method(infra, r),
        "AWS::ApiGateway::UsagePlan" => api_gateway::usage_plan(infra, r),
        "AWS::ElasticLoadBalancingV2::LoadBalancer" => elb::load_balancer(infra, r),
        "AWS::ElasticLoadBalancingV2::Listener" => elb::listener(infra, r),
        "AWS::ElasticLoadBalancingV2::ListenerRule" => elb::listener_rule(infra, r),
        "AWS::ElasticLoadBalancingV2::TargetGroup" => elb::target_group(infra, r),
        "AWS::ECS::Service" => ecs::service(infra, r),
        "AWS::ECS::TaskDefinition" => ecs::task_definition(infra, r),
        "AWS::ServiceDiscovery::Service" => ecs::discovery_service(infra, r),
        "AWS::ApplicationAutoScaling::ScalableTarget" => scaling::scalable_target(infra, r),
        "AWS::ApplicationAutoScaling::ScalingPolicy" => scaling::policy(infra, r),
        "AWS::CloudWatch::Alarm" => scaling::alarm(infra, r),
        "AWS::Cognito::UserPool" => {
            infra.user_pools.push(r.prov);
            Ok(())
        }
        _ => {
            infra
                .unsupported
                .push((r.prov, "resource type not modelled".into()));
            Ok(())
        }
    }
}

/// An ELB action: the first of forward, fixed-response and redirect.
pub(super) fn action(actions: &[&Value], at: &str) -> Result<Option<Action>, String> {
    let mut other = None;
    for a in actions {
        let p = Props::of(a, at);
        let ty = p.str("Type")?.unwrap_or_default();
        match ty.as_str() {
            "forward" => {
                if let Some(tg) = p.str("TargetGroupArn")? {
                    return Ok(Some(Action::Forward(tg)));
                }
                if let Some(fc) = p.obj("ForwardConfig")? {
                    let fc = Props::of(fc, "ForwardConfig");
                    if let Some(first) = fc.list("TargetGroups")?.first() {
                        let tg = Props::of(first, "TargetGroups")
                            .str("TargetGroupArn")?
                            .unwrap_or_default();
                        return Ok(Some(Action::Forward(tg)));
                    }
                }
            }
            "fixed-response" => {
                let code = p
                    .obj("FixedResponseConfig")?
                    .map(|c| Props::of(c, "FixedResponseConfig").num("StatusCode"))
                    .transpose()?
                    .flatten()
                    .ok_or("a fixed-response action needs FixedResponseConfig.StatusCode")?;
                return Ok(Some(Action::Fixed(code as u16)));
            }
            "redirect" => {
                let code = p
                    .obj("RedirectConfig")?
                    .map(|c| Props::of(c, "RedirectConfig").str("StatusCode"))
                    .transpose()?
                    .flatten()
                    .unwrap_or_default();
                let status = if code.ends_with("302") { 302 } else { 301 };
                return Ok(Some(Action::Redirect(status)));
            }
            other_ty => other = Some(Action::Other(other_ty.to_string())),
        }
    }
    Ok(other)
}

/// `Key`/`Value` attribute pairs (load balancer and target group attributes).
pub(super) fn attributes(list: &[&Value]) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for a in list {
        let p = Props::of(a, "Attributes");
        if let (Some(k), Some(v)) = (p.str("Key")?, p.str("Value")?) {
            out.insert(k, v);
        }
    }
    Ok(out)
}

/// A numeric attribute.
pub(super) fn num_attr(attrs: &BTreeMap<String, String>, key: &str) -> Result<Option<f64>, String> {
    attrs
        .get(key)
        .map(|v| {
            v.trim()
                .parse::<f64>()
                .map_err(|_| format!("attribute `{key}` must be a number (got {v:?})"))
        })
        .transpose()
}

/// A route's or method's authorization: its authorizer unless the type is `NONE`, else the
/// type.
pub(super) fn route_auth(kind: Option<String>, authorizer: Option<String>) -> RouteAuth {
    match (kind.as_deref(), authorizer) {
        (_, Some(a)) if kind.as_deref() != Some("NONE") => RouteAuth::Authorizer(a),
        (None | Some("NONE"), _) => RouteAuth::None,
        (Some(k), _) => RouteAuth::Type(k.to_string()),
    }
}

/// A map of strings (stage variables).
pub(super) fn string_map(v: Option<&Value>) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    if let Some(Value::Object(m)) = v {
        for (k, x) in m {
            out.insert(
                k.clone(),
                scalar_text(x).ok_or_else(|| format!("variable `{k}` must be a string"))?,
            );
        }
    }
    Ok(out)
}
