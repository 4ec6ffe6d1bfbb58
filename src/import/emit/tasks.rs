//! A group's ECS side: the service's deployment settings and the app container's health check
//! (`service`, `service.container_health_check`), the nginx sidecar and the app, whose capacity
//! no infrastructure code says.

use super::super::infra::*;
use super::writer::{Note, Writer, from, n};

/// Default latencies, all assumed (AWS documents none).
const SIDECAR_LATENCY: &str = "{ dist = \"constant\", ms = 0.3 }";
const APP_SERVICE: &str = "{ dist = \"lognormal\", median_ms = 20, sigma = 0.5 }";

/// The containers of a group's task that the scenario models.
pub(super) struct TaskParts<'a> {
    /// The task definition's provenance, empty without one.
    task: String,
    /// The first container that is not nginx, else the first.
    app: Option<&'a Container>,
    /// The nginx container, when the task also has another.
    pub(super) sidecar: Option<&'a Container>,
}

impl<'a> TaskParts<'a> {
    pub(super) fn of(task: Option<&'a TaskDefinition>) -> TaskParts<'a> {
        let app = task.and_then(|t| {
            t.containers
                .iter()
                .find(|c| !c.is_nginx())
                .or(t.containers.first())
        });
        let sidecar = task
            .and_then(|t| t.containers.iter().find(|c| c.is_nginx()))
            .filter(|_| task.is_some_and(|t| t.containers.iter().any(|c| !c.is_nginx())));
        TaskParts {
            task: task.map(|t| t.prov.to_string()).unwrap_or_default(),
            app,
            sidecar,
        }
    }
}

/// `service`: grace period, deployment percentages, the app's stop timeout; then its container
/// health check.
pub(super) fn write_service(w: &mut Writer, path: &str, svc: &Service, parts: &TaskParts) {
    let spath = format!("{path}.service");
    let mut lines: Vec<(&str, String, Note)> = Vec::new();
    if let Some(v) = svc.grace_s {
        lines.push(("health_check_grace_period_s", n(v), from(&svc.prov)));
    }
    if let Some(v) = svc.min_healthy_percent {
        lines.push((
            "minimum_healthy_percent",
            n(v.clamp(0.0, 100.0)),
            from(&svc.prov),
        ));
    }
    if let Some(v) = svc.max_percent {
        let lo = svc
            .min_healthy_percent
            .unwrap_or(100.0)
            .clamp(0.0, 100.0)
            .max(100.0);
        lines.push(("maximum_percent", n(v.max(lo)), from(&svc.prov)));
    }
    let task = &parts.task;
    if let Some(c) = parts.app
        && let Some(v) = c.stop_timeout_s
    {
        lines.push((
            "stop_timeout_s",
            n(v.clamp(0.0, 120.0)),
            Note::From(format!("{task} (container {})", c.name)),
        ));
    }
    if !lines.is_empty() {
        w.section(&format!("[{spath}]"));
        for (k, v, note) in lines {
            w.kv(&spath, k, v, note);
        }
    }
    if let Some(c) = parts.app
        && let Some(h) = &c.health
    {
        write_container_health(w, &spath, task, c, h);
    }
}

/// `service.container_health_check`: the app container's `HealthCheck`.
fn write_container_health(
    w: &mut Writer,
    spath: &str,
    task: &str,
    c: &Container,
    h: &ContainerHealth,
) {
    let hpath = format!("{spath}.container_health_check");
    w.section(&format!("[{hpath}]"));
    let fields = [
        ("interval_s", h.interval_s),
        ("timeout_s", h.timeout_s),
        ("retries", h.retries),
        ("start_period_s", h.start_period_s),
    ];
    for (key, value) in fields {
        if let Some(v) = value {
            w.kv(
                &hpath,
                key,
                n(v),
                Note::From(format!("{task} (container {} HealthCheck)", c.name)),
            );
        }
    }
    if fields.iter().all(|(_, v)| v.is_none()) {
        w.comment(&format!(
            "ECS's defaults for every field ({task}, container {})",
            c.name
        ));
    }
}

/// `sidecar`: the nginx container `c` in front of the app; nginx.conf is not read.
pub(super) fn write_sidecar(w: &mut Writer, path: &str, c: &Container, parts: &TaskParts) {
    let spath = format!("{path}.sidecar");
    w.section(&format!("[{spath}]"));
    let ports = |c: &Container| {
        c.ports
            .iter()
            .map(|p| format!(":{}", n(*p)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    w.comment(&format!(
        "nginx container `{}` ({}{}) of {} in front of `{}`{}; nginx.conf is not read, so",
        c.name,
        c.image,
        if c.ports.is_empty() {
            String::new()
        } else {
            format!(" {}", ports(c))
        },
        parts.task,
        parts.app.map_or("the app", |a| a.name.as_str()),
        parts
            .app
            .filter(|a| !a.ports.is_empty())
            .map(|a| format!(" {}", ports(a)))
            .unwrap_or_default()
    ));
    w.comment("max_connections, backlog, proxy_read_timeout_s and keepalive_timeout_s keep nginx's defaults.");
    w.kv(
        &spath,
        "latency",
        SIDECAR_LATENCY.into(),
        Note::Assumed("nginx's added latency per request".into()),
    );
}

/// `app`: nothing about it is in infrastructure code, so all of it is assumed.
pub(super) fn write_app(w: &mut Writer, path: &str, parts: &TaskParts) {
    let apath = format!("{path}.app");
    w.section(&format!("[{apath}]"));
    let who = parts
        .app
        .map(|c| format!("container `{}` ({})", c.name, c.image))
        .unwrap_or_else(|| "the app".into());
    w.kv(
        &apath,
        "workers",
        "4".into(),
        Note::Assumed(format!("requests {who} serves at once")),
    );
    w.kv(
        &apath,
        "queue_limit",
        "100".into(),
        Note::Assumed("requests waiting per task".into()),
    );
    w.kv(
        &apath,
        "service",
        APP_SERVICE.into(),
        Note::Assumed("service time per request".into()),
    );
}
