//! `[target_groups.*]`: one per scenario group, in order: the task size, the number of targets
//! and zones, the target group's settings, the ECS service and its task, Cloud Map, autoscaling,
//! the nginx sidecar and the app.

use super::super::infra::*;
use super::autoscaling::{Scaling, write_autoscaling};
use super::context::{Ctx, Group};
use super::tasks::{TaskParts, write_app, write_service, write_sidecar};
use super::tg_settings::write_tg_settings;
use super::writer::{Note, Writer, from, n, s};

/// Every group, each with the load balancer in front of it if the routes reach one.
pub(super) fn write_groups(w: &mut Writer, ctx: &mut Ctx, used_lbs: &[String]) {
    let behind: Vec<Option<&LoadBalancer>> = ctx
        .groups
        .iter()
        .map(|g| {
            g.tg.and_then(|t| ctx.lb_of_tg(t))
                .filter(|lb| used_lbs.contains(&lb.id))
        })
        .collect();
    for (g, lb) in ctx.groups.iter().zip(&behind) {
        write_group(w, g, *lb, ctx.infra, &mut ctx.not_imported);
    }
}

fn write_group(
    w: &mut Writer,
    g: &Group,
    lb: Option<&LoadBalancer>,
    infra: &Infra,
    not_imported: &mut Vec<String>,
) {
    let name = &g.name;
    let path = format!("target_groups.{name}");
    w.section(&format!("[target_groups.{name}]"));
    if let Some(t) = g.task {
        write_task_size(w, t);
    }
    let scaling = Scaling::of(infra, g.service);
    let targets_n = write_targets(w, &path, g, &scaling);
    if let Some(svc) = g.service
        && svc.subnets > 1
    {
        w.kv(
            &path,
            "zones",
            n(svc.subnets.min(26) as f64),
            Note::Assumed(format!(
                "one availability zone per subnet of {} (the code names subnets, not zones)",
                svc.prov
            )),
        );
    }
    if let Some(tg) = g.tg {
        write_tg_settings(w, &path, tg, lb, not_imported);
    } else if g.discovery.is_some() {
        w.kv(
            &path,
            "deregistration_delay_s",
            "0".into(),
            Note::Plain(
                "no load balancer in the code: ECS deregisters from Cloud Map and stops the task, no draining".into(),
            ),
        );
    }
    let parts = TaskParts::of(g.task);
    if let Some(svc) = g.service {
        write_service(w, &path, svc, &parts);
    }
    if let Some(d) = g.discovery {
        write_cloud_map(w, &path, d, not_imported);
    }
    write_autoscaling(w, &path, infra, &scaling, targets_n, not_imported);
    if let Some(c) = parts.sidecar {
        write_sidecar(w, &path, c, &parts);
    }
    write_app(w, &path, &parts);
}

/// The task's CPU and memory, as a comment: not a scenario field.
fn write_task_size(w: &mut Writer, t: &TaskDefinition) {
    let size = match (&t.cpu, &t.memory) {
        (Some(c), Some(m)) => format!("{c} CPU units, {m} MiB"),
        (Some(c), None) => format!("{c} CPU units"),
        (None, Some(m)) => format!("{m} MiB"),
        (None, None) => String::new(),
    };
    if !size.is_empty() {
        w.comment(&format!(
            "Task size {size} ({}): not a scenario field; size app.workers and app.service from it.",
            t.prov
        ));
    }
}

/// `targets`: the service's desired count (else the scalable target's minimum, else ECS's 1),
/// kept within the scalable target's bounds; returns it (at least 1).
fn write_targets(w: &mut Writer, path: &str, g: &Group, scaling: &Scaling) -> f64 {
    let (min, max) = (scaling.min, scaling.max);
    let mut targets = match g.service {
        Some(svc) => match svc.desired {
            Some(d) => (d, Note::From(svc.prov.to_string())),
            None => (
                min.unwrap_or(1.0),
                Note::Plain(format!(
                    "{svc}: no desired count in the code; {}",
                    if min.is_some() {
                        "the scalable target's minimum"
                    } else {
                        "ECS's default of 1"
                    },
                    svc = svc.prov
                )),
            ),
        },
        None => (
            2.0,
            Note::Assumed("no ECS service in the code runs these targets".into()),
        ),
    };
    if let (Some(lo), Some(hi)) = (min, max)
        && (targets.0 < lo || targets.0 > hi)
    {
        let was = targets.0;
        targets.0 = targets.0.clamp(lo, hi);
        targets.1 = Note::Plain(format!(
            "desired count {} kept within the scalable target's {}..{}",
            n(was),
            n(lo),
            n(hi)
        ));
    }
    let targets_n = targets.0.max(1.0);
    w.kv(path, "targets", n(targets_n), targets.1);
    targets_n
}

/// `cloud_map`: the DNS TTL and whether custom health is on.
fn write_cloud_map(
    w: &mut Writer,
    path: &str,
    d: &DiscoveryService,
    not_imported: &mut Vec<String>,
) {
    let cpath = format!("{path}.cloud_map");
    w.section(&format!("[{cpath}]"));
    if let Some(ttl) = d.ttl_s {
        w.kv(&cpath, "dns_ttl_s", n(ttl), from(&d.prov));
    }
    let health = if d.custom_health { "custom" } else { "none" };
    w.kv(&cpath, "health", s(health), from(&d.prov));
    if d.route53_health {
        not_imported.push(format!(
            "{}: Route 53 health checks of Cloud Map services are not modelled",
            d.prov
        ));
    }
}
