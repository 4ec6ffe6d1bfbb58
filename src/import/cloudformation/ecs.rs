//! ECS and Cloud Map resources: services, task definitions (their containers) and Cloud Map
//! services.

use serde_json::Value;

use super::super::Props;
use super::super::infra::*;
use super::resources::Res;

/// `AWS::ECS::Service`: an ECS service: its counts, deployment settings, target groups and registries.
pub(super) fn service(infra: &mut Infra, r: Res) -> Result<(), String> {
    let Res { id, prov, p } = r;
    let dc = p
        .obj("DeploymentConfiguration")?
        .map(|d| Props::of(d, "DeploymentConfiguration"));
    let subnets = match p.obj("NetworkConfiguration")? {
        Some(nc) => match Props::of(nc, "NetworkConfiguration").obj("AwsvpcConfiguration")? {
            Some(a) => Props::of(a, "AwsvpcConfiguration").list("Subnets")?.len(),
            None => 0,
        },
        None => 0,
    };
    let mut tgs = Vec::new();
    for lb in p.list("LoadBalancers")? {
        if let Some(t) = Props::of(lb, "LoadBalancers").str("TargetGroupArn")? {
            tgs.push(t);
        }
    }
    let mut regs = Vec::new();
    for r in p.list("ServiceRegistries")? {
        if let Some(a) = Props::of(r, "ServiceRegistries").str("RegistryArn")? {
            regs.push(a);
        }
    }
    infra.services.push(Service {
        id,
        prov,
        name: p.str("ServiceName")?,
        desired: p.num("DesiredCount")?,
        min_healthy_percent: dc
            .map(|d| d.num("MinimumHealthyPercent"))
            .transpose()?
            .flatten(),
        max_percent: dc.map(|d| d.num("MaximumPercent")).transpose()?.flatten(),
        grace_s: p.num("HealthCheckGracePeriodSeconds")?,
        task_definition: p.str("TaskDefinition")?,
        target_groups: tgs,
        registries: regs,
        subnets,
    });
    Ok(())
}

/// `AWS::ECS::TaskDefinition`: an ECS task definition: its containers.
pub(super) fn task_definition(infra: &mut Infra, r: Res) -> Result<(), String> {
    let Res { id, prov, p } = r;
    let mut containers = Vec::new();
    for c in p.list("ContainerDefinitions")? {
        containers.push(container(c)?);
    }
    infra.task_definitions.push(TaskDefinition {
        id,
        prov,
        containers,
        cpu: p.str("Cpu")?,
        memory: p.str("Memory")?,
    });
    Ok(())
}

/// `AWS::ServiceDiscovery::Service`: a Cloud Map service: its DNS TTL and health.
pub(super) fn discovery_service(infra: &mut Infra, r: Res) -> Result<(), String> {
    let Res { id, prov, p } = r;
    let ttl = match p.obj("DnsConfig")? {
        Some(d) => Props::of(d, "DnsConfig")
            .list("DnsRecords")?
            .first()
            .map(|r| Props::of(r, "DnsRecords").num("TTL"))
            .transpose()?
            .flatten(),
        None => None,
    };
    infra.discovery_services.push(DiscoveryService {
        id,
        prov,
        name: p.str("Name")?,
        ttl_s: ttl,
        custom_health: p.get("HealthCheckCustomConfig").is_some(),
        route53_health: p.has("HealthCheckConfig"),
    });
    Ok(())
}

/// One of `ContainerDefinitions`: name, image, ports, health check, stop timeout.
fn container(c: &Value) -> Result<Container, String> {
    let cp = Props::of(c, "ContainerDefinitions");
    let mut ports = Vec::new();
    for pm in cp.list("PortMappings")? {
        if let Some(x) = Props::of(pm, "PortMappings").num("ContainerPort")? {
            ports.push(x);
        }
    }
    let health = match cp.obj("HealthCheck")? {
        Some(h) => {
            let hp = Props::of(h, "HealthCheck");
            Some(ContainerHealth {
                interval_s: hp.num("Interval")?,
                timeout_s: hp.num("Timeout")?,
                retries: hp.num("Retries")?,
                start_period_s: hp.num("StartPeriod")?,
            })
        }
        None => None,
    };
    Ok(Container {
        name: cp.str("Name")?.unwrap_or_default(),
        image: cp.str("Image")?.unwrap_or_default(),
        ports,
        health,
        stop_timeout_s: cp.num("StopTimeout")?,
    })
}
