//! Terraform resources into the shared model: which types are modelled, and one mapping
//! function per type (in `api_gateway.rs`, `elb.rs`, `ecs.rs`, `scaling.rs`), dispatched by
//! [`map_one`].

use std::collections::BTreeMap;

use serde_json::Value;

use super::super::infra::*;
use super::super::{Props, scalar_text};
use super::{api_gateway, ecs, elb, scaling};

/// One resource being mapped: its address (also its ID), provenance and attributes.
pub(super) struct Res<'a> {
    pub(super) addr: &'a str,
    pub(super) id: String,
    pub(super) prov: Prov,
    pub(super) p: Props<'a>,
}

/// A REST integration's `(id, api, resource, method)`, to tie it to its method.
pub(super) type RestIntegration = (String, String, String, String);

/// Whether resources of type `ty` are mapped (their unevaluated attributes are worth a note).
pub(super) fn is_modelled(ty: &str) -> bool {
    matches!(
        ty,
        "aws_api_gateway_rest_api"
            | "aws_api_gateway_resource"
            | "aws_api_gateway_method"
            | "aws_api_gateway_integration"
            | "aws_api_gateway_authorizer"
            | "aws_api_gateway_stage"
            | "aws_api_gateway_method_settings"
            | "aws_api_gateway_vpc_link"
            | "aws_apigatewayv2_api"
            | "aws_apigatewayv2_route"
            | "aws_apigatewayv2_integration"
            | "aws_apigatewayv2_authorizer"
            | "aws_apigatewayv2_stage"
            | "aws_apigatewayv2_vpc_link"
            | "aws_lb"
            | "aws_alb"
            | "aws_lb_listener"
            | "aws_alb_listener"
            | "aws_lb_listener_rule"
            | "aws_alb_listener_rule"
            | "aws_lb_target_group"
            | "aws_alb_target_group"
            | "aws_ecs_service"
            | "aws_ecs_task_definition"
            | "aws_service_discovery_service"
            | "aws_appautoscaling_target"
            | "aws_appautoscaling_policy"
            | "aws_cloudwatch_metric_alarm"
            | "aws_cognito_user_pool"
    )
}

/// Turns the resources into the model; an error carries the resource's address.
pub(super) fn map_all(
    infra: &mut Infra,
    resources: &[(String, String, Value)],
) -> Result<(), (String, String)> {
    // REST integrations are their own resources, tied to a method by (api, resource, method).
    let mut rest_integrations: Vec<RestIntegration> = Vec::new();
    for (addr, ty, v) in resources {
        map_one(infra, addr, ty, v, &mut rest_integrations).map_err(|m| (addr.clone(), m))?;
    }
    for r in infra.routes.iter_mut() {
        if r.integration.is_some() {
            continue;
        }
        let Some(res) = &r.resource else { continue };
        if let Some((id, ..)) = rest_integrations
            .iter()
            .find(|(_, api, rr, m)| api == &r.api && rr == res && m.eq_ignore_ascii_case(&r.method))
        {
            r.integration = Some(id.clone());
        }
    }
    Ok(())
}

/// One resource into the model, by its type.
fn map_one(
    infra: &mut Infra,
    addr: &str,
    ty: &str,
    v: &Value,
    rest_integrations: &mut Vec<RestIntegration>,
) -> Result<(), String> {
    let r = Res {
        addr,
        id: addr.to_string(),
        prov: Prov::new("Terraform", addr),
        p: Props::of(v, ""),
    };
    match ty {
        "aws_api_gateway_rest_api" => api_gateway::rest_api(infra, r),
        "aws_apigatewayv2_api" => api_gateway::http_api(infra, r),
        "aws_api_gateway_resource" => api_gateway::rest_resource(infra, r),
        "aws_api_gateway_method" => api_gateway::rest_method(infra, r),
        "aws_api_gateway_integration" => api_gateway::rest_integration(infra, r, rest_integrations),
        "aws_api_gateway_authorizer" => api_gateway::rest_authorizer(infra, r),
        "aws_apigatewayv2_authorizer" => api_gateway::http_authorizer(infra, r),
        "aws_api_gateway_stage" => api_gateway::rest_stage(infra, r),
        "aws_api_gateway_method_settings" => api_gateway::method_settings(infra, r),
        "aws_apigatewayv2_stage" => api_gateway::http_stage(infra, r),
        "aws_api_gateway_usage_plan" => {
            infra.unsupported.push((
                r.prov,
                "usage plans (per-client throttles and quotas) are not modelled".into(),
            ));
            Ok(())
        }
        "aws_api_gateway_vpc_link" => api_gateway::rest_vpc_link(infra, r),
        "aws_apigatewayv2_vpc_link" => api_gateway::http_vpc_link(infra, r),
        "aws_apigatewayv2_route" => api_gateway::http_route(infra, r),
        "aws_apigatewayv2_integration" => api_gateway::http_integration(infra, r),
        "aws_lb" | "aws_alb" => elb::load_balancer(infra, r),
        "aws_lb_listener" | "aws_alb_listener" => elb::listener(infra, r),
        "aws_lb_listener_rule" | "aws_alb_listener_rule" => elb::listener_rule(infra, r),
        "aws_lb_target_group" | "aws_alb_target_group" => elb::target_group(infra, r),
        "aws_ecs_service" => ecs::service(infra, r),
        "aws_ecs_task_definition" => ecs::task_definition(infra, r),
        "aws_service_discovery_service" => ecs::discovery_service(infra, r),
        "aws_appautoscaling_target" => scaling::scalable_target(infra, r),
        "aws_appautoscaling_policy" => scaling::policy(infra, r),
        "aws_cloudwatch_metric_alarm" => scaling::alarm(infra, r),
        "aws_cognito_user_pool" => {
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

/// A `(rate, burst)` throttle, when both are set.
pub(super) fn tf_throttle(
    p: &Props,
    rate: &str,
    burst: &str,
) -> Result<Option<(f64, f64)>, String> {
    Ok(match (p.num(rate)?, p.num(burst)?) {
        (Some(r), Some(b)) => Some((r, b)),
        _ => None,
    })
}

/// A map of strings (stage variables).
pub(super) fn tf_map(v: Option<&Value>) -> Result<BTreeMap<String, String>, String> {
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
