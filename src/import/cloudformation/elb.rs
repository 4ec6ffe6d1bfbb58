//! Elastic Load Balancing resources: load balancers, listeners, listener rules (their
//! conditions) and target groups (their attributes).

use super::super::infra::*;
use super::super::{Props, scalar_text};
use super::resources::{Res, action, attributes, num_attr};

/// `AWS::ElasticLoadBalancingV2::LoadBalancer`: an ALB or NLB.
pub(super) fn load_balancer(infra: &mut Infra, r: Res) -> Result<(), String> {
    let Res { id, prov, p } = r;
    let ty = p.str("Type")?.unwrap_or_else(|| "application".into());
    let lb_kind = match ty.as_str() {
        "network" => LbKind::Nlb,
        "application" => LbKind::Alb,
        other => {
            infra
                .unsupported
                .push((prov, format!("{other} load balancers are not modelled")));
            return Ok(());
        }
    };
    let attrs = attributes(&p.list("LoadBalancerAttributes")?)?;
    infra.load_balancers.push(LoadBalancer {
        id,
        prov,
        kind: lb_kind,
        name: p.str("Name")?,
        idle_timeout_s: num_attr(&attrs, "idle_timeout.timeout_seconds")?,
        cross_zone: attrs
            .get("load_balancing.cross_zone.enabled")
            .map(|v| v == "true"),
    });
    Ok(())
}

/// `AWS::ElasticLoadBalancingV2::Listener`: a listener: its port, protocol and default action.
pub(super) fn listener(infra: &mut Infra, r: Res) -> Result<(), String> {
    let Res { id, prov, p } = r;
    let port = p.num("Port")?.ok_or("a listener needs a Port")?;
    infra.listeners.push(Listener {
        id,
        prov,
        lb: p.str("LoadBalancerArn")?.unwrap_or_default(),
        port: port as u16,
        port_assumed: false,
        protocol: p.str("Protocol")?.map(|x| x.to_ascii_uppercase()),
        default_action: action(&p.list("DefaultActions")?, "DefaultActions")?,
    });
    Ok(())
}

/// `AWS::ElasticLoadBalancingV2::ListenerRule`: an ALB listener rule: its conditions, priority and action.
pub(super) fn listener_rule(infra: &mut Infra, r: Res) -> Result<(), String> {
    let Res { prov, p, .. } = r;
    let c = conditions(&p)?;
    let act = action(&p.list("Actions")?, "Actions")?.ok_or("a listener rule needs an action")?;
    infra.rules.push(ListenerRule {
        prov,
        listener: p.str("ListenerArn")?.unwrap_or_default(),
        priority: p
            .num("Priority")?
            .ok_or("a listener rule needs a Priority")? as u32,
        conditions: c,
        action: act,
    });
    Ok(())
}

/// `AWS::ElasticLoadBalancingV2::TargetGroup`: a target group: health check and attributes.
pub(super) fn target_group(infra: &mut Infra, r: Res) -> Result<(), String> {
    let Res { id, prov, p } = r;
    let attrs = attributes(&p.list("TargetGroupAttributes")?)?;
    infra.target_groups.push(TargetGroup {
        id,
        prov,
        name: p.str("Name")?,
        protocol: p.str("Protocol")?.map(|x| x.to_ascii_uppercase()),
        health: HealthSpec {
            protocol: p
                .str("HealthCheckProtocol")?
                .map(|x| x.to_ascii_uppercase()),
            interval_s: p.num("HealthCheckIntervalSeconds")?,
            timeout_s: p.num("HealthCheckTimeoutSeconds")?,
            healthy: p.num("HealthyThresholdCount")?,
            unhealthy: p.num("UnhealthyThresholdCount")?,
        },
        dereg_delay_s: num_attr(&attrs, "deregistration_delay.timeout_seconds")?,
        algorithm: attrs.get("load_balancing.algorithm.type").cloned(),
        anomaly_mitigation: attrs
            .get("load_balancing.algorithm.anomaly_mitigation")
            .map(|v| v == "on"),
        slow_start_s: num_attr(&attrs, "slow_start.duration_seconds")?,
        stickiness: attrs.get("stickiness.enabled").map(|v| v == "true"),
        connection_termination: attrs
            .get("deregistration_delay.connection_termination.enabled")
            .map(|v| v == "true"),
        cross_zone: attrs.get("load_balancing.cross_zone.enabled").cloned(),
    });
    Ok(())
}

/// A rule's `Conditions`: path, host, method, header and query string; other fields are kept by
/// name, to be listed as not modelled.
fn conditions(p: &Props) -> Result<Conditions, String> {
    let mut c = Conditions::default();
    for cond in p.list("Conditions")? {
        let cp = Props::of(cond, "Conditions");
        let field = cp.str("Field")?.unwrap_or_default();
        let values = |cfg: &str| -> Result<Vec<String>, String> {
            let mut v: Vec<String> = cp
                .list("Values")?
                .iter()
                .filter_map(|x| scalar_text(x))
                .collect();
            if let Some(o) = cp.obj(cfg)? {
                v.extend(
                    Props::of(o, cfg)
                        .list("Values")?
                        .iter()
                        .filter_map(|x| scalar_text(x)),
                );
            }
            Ok(v)
        };
        match field.as_str() {
            "path-pattern" => c.path.extend(values("PathPatternConfig")?),
            "host-header" => c.host.extend(values("HostHeaderConfig")?),
            "http-request-method" => c.method.extend(values("HttpRequestMethodConfig")?),
            "http-header" => {
                if let Some(h) = cp.obj("HttpHeaderConfig")? {
                    let hp = Props::of(h, "HttpHeaderConfig");
                    let vals = hp
                        .list("Values")?
                        .iter()
                        .filter_map(|x| scalar_text(x))
                        .collect();
                    c.header = Some((hp.str("HttpHeaderName")?.unwrap_or_default(), vals));
                }
            }
            "query-string" => {
                if let Some(q) = cp.obj("QueryStringConfig")? {
                    let qv = Props::of(q, "QueryStringConfig").list("Values")?;
                    if let Some(first) = qv.first() {
                        let kv = Props::of(first, "Values");
                        c.query = Some((
                            kv.str("Key")?.unwrap_or_else(|| "*".into()),
                            kv.str("Value")?.unwrap_or_default(),
                        ));
                    }
                }
            }
            other => c.other.push(other.to_string()),
        }
    }
    Ok(c)
}
