//! ECS and Cloud Map resources: services, task definitions (their containers) and Cloud Map
//! services.

use serde_json::Value;

use super::super::Props;
use super::super::infra::*;
use super::resources::Res;

/// `aws_ecs_service`: an ECS service: its counts, deployment settings, target groups and registries.
pub(super) fn service(infra: &mut Infra, r: Res) -> Result<(), String> {
    let Res { id, prov, p, .. } = r;
    let mut tgs = Vec::new();
    for lb in p.list("load_balancer")? {
        if let Some(t) = Props::of(lb, "load_balancer").str("target_group_arn")? {
            tgs.push(t);
        }
    }
    let mut regs = Vec::new();
    for r in p.list("service_registries")? {
        if let Some(a) = Props::of(r, "service_registries").str("registry_arn")? {
            regs.push(a);
        }
    }
    let subnets = match p.obj("network_configuration")? {
        Some(n) => Props::of(n, "network_configuration").list("subnets")?.len(),
        None => 0,
    };
    infra.services.push(Service {
        id,
        prov,
        name: p.str("name")?.filter(|n| refs(n).is_empty()),
        desired: p.num("desired_count")?,
        min_healthy_percent: p.num("deployment_minimum_healthy_percent")?,
        max_percent: p.num("deployment_maximum_percent")?,
        grace_s: p.num("health_check_grace_period_seconds")?,
        task_definition: p.str("task_definition")?,
        target_groups: tgs,
        registries: regs,
        subnets,
    });
    Ok(())
}

/// `aws_ecs_task_definition`: an ECS task definition: its containers (from `container_definitions` JSON).
pub(super) fn task_definition(infra: &mut Infra, r: Res) -> Result<(), String> {
    let Res { id, prov, p, .. } = r;
    let defs = p
        .str("container_definitions")?
        .unwrap_or_else(|| "[]".into());
    let defs: Value = serde_json::from_str(&defs)
        .map_err(|e| format!("`container_definitions` is not JSON: {e}"))?;
    let mut containers = Vec::new();
    for c in defs.as_array().into_iter().flatten() {
        let cp = Props::of(c, "container_definitions");
        let mut ports = Vec::new();
        for pm in cp.list("portMappings")? {
            if let Some(x) = Props::of(pm, "portMappings").num("containerPort")? {
                ports.push(x);
            }
        }
        let health = match cp.obj("healthCheck")? {
            Some(h) => {
                let hp = Props::of(h, "healthCheck");
                Some(ContainerHealth {
                    interval_s: hp.num("interval")?,
                    timeout_s: hp.num("timeout")?,
                    retries: hp.num("retries")?,
                    start_period_s: hp.num("startPeriod")?,
                })
            }
            None => None,
        };
        containers.push(Container {
            name: cp.str("name")?.unwrap_or_default(),
            image: cp.str("image")?.unwrap_or_default(),
            ports,
            health,
            stop_timeout_s: cp.num("stopTimeout")?,
        });
    }
    infra.task_definitions.push(TaskDefinition {
        id,
        prov,
        containers,
        cpu: p.str("cpu")?,
        memory: p.str("memory")?,
    });
    Ok(())
}

/// `aws_service_discovery_service`: a Cloud Map service: its DNS TTL and health.
pub(super) fn discovery_service(infra: &mut Infra, r: Res) -> Result<(), String> {
    let Res { id, prov, p, .. } = r;
    let ttl = match p.obj("dns_config")? {
        Some(d) => Props::of(d, "dns_config")
            .list("dns_records")?
            .first()
            .map(|r| Props::of(r, "dns_records").num("ttl"))
            .transpose()?
            .flatten(),
        None => None,
    };
    infra.discovery_services.push(DiscoveryService {
        id,
        prov,
        name: p.str("name")?.filter(|n| refs(n).is_empty()),
        ttl_s: ttl,
        custom_health: p.has("health_check_custom_config"),
        route53_health: p.has("health_check_config"),
    });
    Ok(())
}
