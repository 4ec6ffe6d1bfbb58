//! Elastic Load Balancing resources: load balancers, listeners, listener rules (their
//! conditions and actions) and target groups.

use serde_json::Value;

use super::super::infra::*;
use super::super::{Props, scalar_text};
use super::resources::Res;

/// `aws_lb`, `aws_alb`: an ALB or NLB.
pub(super) fn load_balancer(infra: &mut Infra, r: Res) -> Result<(), String> {
    let Res { id, prov, p, .. } = r;
    let kind = match p.str("load_balancer_type")?.as_deref() {
        None | Some("application") => LbKind::Alb,
        Some("network") => LbKind::Nlb,
        Some(other) => {
            infra
                .unsupported
                .push((prov, format!("{other} load balancers are not modelled")));
            return Ok(());
        }
    };
    infra.load_balancers.push(LoadBalancer {
        id,
        prov,
        kind,
        name: p.str("name")?.filter(|n| refs(n).is_empty()),
        idle_timeout_s: p.num("idle_timeout")?,
        cross_zone: p.boolean("enable_cross_zone_load_balancing")?,
    });
    Ok(())
}

/// `aws_lb_listener`, `aws_alb_listener`: a listener: its port, protocol and default action.
pub(super) fn listener(infra: &mut Infra, r: Res) -> Result<(), String> {
    let Res { id, prov, p, .. } = r;
    let port = p.num("port")?.ok_or("`port` is required")?;
    infra.listeners.push(Listener {
        id,
        prov,
        lb: p.str("load_balancer_arn")?.unwrap_or_default(),
        port: port as u16,
        port_assumed: false,
        protocol: p.str("protocol")?.map(|x| x.to_ascii_uppercase()),
        default_action: tf_action(&p.list("default_action")?)?,
    });
    Ok(())
}

/// `aws_lb_listener_rule`, `aws_alb_listener_rule`: an ALB listener rule: its conditions, priority and action.
pub(super) fn listener_rule(infra: &mut Infra, r: Res) -> Result<(), String> {
    let Res { prov, p, .. } = r;
    let mut c = Conditions::default();
    for cond in p.list("condition")? {
        let cp = Props::of(cond, "condition");
        let values = |k: &str| -> Result<Vec<String>, String> {
            Ok(match cp.obj(k)? {
                Some(o) => Props::of(o, k)
                    .list("values")?
                    .iter()
                    .filter_map(|x| scalar_text(x))
                    .collect(),
                None => Vec::new(),
            })
        };
        c.path.extend(values("path_pattern")?);
        c.host.extend(values("host_header")?);
        c.method.extend(values("http_request_method")?);
        if let Some(h) = cp.obj("http_header")? {
            let hp = Props::of(h, "http_header");
            c.header = Some((
                hp.str("http_header_name")?.unwrap_or_default(),
                hp.list("values")?
                    .iter()
                    .filter_map(|x| scalar_text(x))
                    .collect(),
            ));
        }
        if let Some(q) = cp.obj("query_string")? {
            let qp = Props::of(q, "query_string");
            c.query = Some((
                qp.str("key")?.unwrap_or_else(|| "*".into()),
                qp.str("value")?.unwrap_or_default(),
            ));
        }
        if cp.has("source_ip") {
            c.other.push("source_ip".into());
        }
    }
    infra.rules.push(ListenerRule {
        prov,
        listener: p.str("listener_arn")?.unwrap_or_default(),
        priority: p.num("priority")?.ok_or("`priority` is required")? as u32,
        conditions: c,
        action: tf_action(&p.list("action")?)?.ok_or("a rule needs an `action`")?,
    });
    Ok(())
}

/// `aws_lb_target_group`, `aws_alb_target_group`: a target group: balancing, health check, draining.
pub(super) fn target_group(infra: &mut Infra, r: Res) -> Result<(), String> {
    let Res { id, prov, p, .. } = r;
    let h = p.obj("health_check")?;
    let hp = h.map(|h| Props::of(h, "health_check"));
    let hnum = |k: &str| -> Result<Option<f64>, String> {
        hp.map(|h| h.num(k)).transpose().map(Option::flatten)
    };
    let stick = match p.obj("stickiness")? {
        Some(s) => Props::of(s, "stickiness")
            .boolean("enabled")?
            .or(Some(true)),
        None => None,
    };
    infra.target_groups.push(TargetGroup {
        id,
        prov,
        name: p.str("name")?.filter(|n| refs(n).is_empty()),
        protocol: p.str("protocol")?.map(|x| x.to_ascii_uppercase()),
        health: HealthSpec {
            protocol: hp
                .map(|h| h.str("protocol"))
                .transpose()?
                .flatten()
                .map(|x| x.to_ascii_uppercase()),
            interval_s: hnum("interval")?,
            timeout_s: hnum("timeout")?,
            healthy: hnum("healthy_threshold")?,
            unhealthy: hnum("unhealthy_threshold")?,
        },
        dereg_delay_s: p.num("deregistration_delay")?,
        algorithm: p.str("load_balancing_algorithm_type")?,
        anomaly_mitigation: p
            .str("load_balancing_anomaly_mitigation")?
            .map(|x| x == "on"),
        slow_start_s: p.num("slow_start")?,
        stickiness: stick,
        connection_termination: p.boolean("connection_termination")?,
        cross_zone: p.str("load_balancing_cross_zone_enabled")?,
    });
    Ok(())
}

/// An ELB `action`/`default_action` block list: the first forward, fixed-response or redirect.
pub(super) fn tf_action(blocks: &[&Value]) -> Result<Option<Action>, String> {
    let mut other = None;
    for b in blocks {
        let p = Props::of(b, "action");
        match p.str("type")?.unwrap_or_default().as_str() {
            "forward" => {
                if let Some(tg) = p.str("target_group_arn")? {
                    return Ok(Some(Action::Forward(tg)));
                }
                if let Some(f) = p.obj("forward")?
                    && let Some(tg) = Props::of(f, "forward").list("target_group")?.first()
                    && let Some(arn) = Props::of(tg, "target_group").str("arn")?
                {
                    return Ok(Some(Action::Forward(arn)));
                }
            }
            "fixed-response" => {
                let code = p
                    .obj("fixed_response")?
                    .map(|f| Props::of(f, "fixed_response").num("status_code"))
                    .transpose()?
                    .flatten()
                    .ok_or("a fixed-response action needs fixed_response.status_code")?;
                return Ok(Some(Action::Fixed(code as u16)));
            }
            "redirect" => {
                let code = p
                    .obj("redirect")?
                    .map(|f| Props::of(f, "redirect").str("status_code"))
                    .transpose()?
                    .flatten()
                    .unwrap_or_default();
                return Ok(Some(Action::Redirect(if code.ends_with("302") {
                    302
                } else {
                    301
                })));
            }
            t => other = Some(Action::Other(t.to_string())),
        }
    }
    Ok(other)
}
