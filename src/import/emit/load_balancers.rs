//! `[load_balancers.*]` for the load balancers the routes reach: kind, latencies, the ALB's idle
//! timeout, each listener (one per port) with its default action, and an ALB listener's rules.

use super::super::infra::*;
use super::context::Ctx;
use super::writer::{Note, Writer, from, n, s};

/// Default latencies, all assumed (AWS documents none).
const NLB_LATENCY: &str = "{ dist = \"constant\", ms = 0.1 }";
const ALB_LATENCY: &str = "{ dist = \"lognormal\", median_ms = 0.6, sigma = 0.3 }";
const TLS_LATENCY: &str = "{ dist = \"lognormal\", median_ms = 1.0, sigma = 0.4 }";

/// Every load balancer in `used` (IDs), in the code's order.
pub(super) fn write_load_balancers(w: &mut Writer, ctx: &mut Ctx, used: &[String]) {
    let infra = ctx.infra;
    for lb in &infra.load_balancers {
        if used.contains(&lb.id) {
            write_load_balancer(w, ctx, lb);
        }
    }
}

fn write_load_balancer(w: &mut Writer, ctx: &mut Ctx, lb: &LoadBalancer) {
    let infra = ctx.infra;
    let name = ctx.lb_names[&lb.id].clone();
    let path = format!("load_balancers.{name}");
    w.section(&format!("[load_balancers.{name}]"));
    let alb = lb.kind == LbKind::Alb;
    w.kv(
        &path,
        "kind",
        s(if alb { "alb" } else { "nlb" }),
        from(&lb.prov),
    );
    w.kv(
        &path,
        "latency",
        (if alb { ALB_LATENCY } else { NLB_LATENCY }).into(),
        Note::Assumed("a load balancer node's added latency is not documented".into()),
    );
    let listeners: Vec<&Listener> = infra
        .listeners
        .iter()
        .filter(|l| points_at(&l.lb, &lb.id))
        .collect();
    if alb {
        if listeners
            .iter()
            .any(|l| l.protocol.as_deref() == Some("HTTPS"))
        {
            w.kv(
                &path,
                "tls_latency",
                TLS_LATENCY.into(),
                Note::Assumed("TLS termination time per request".into()),
            );
        }
        if let Some(t) = lb.idle_timeout_s {
            w.kv(&path, "idle_timeout_s", n(t), from(&lb.prov));
        }
    }
    let mut ports = Vec::new();
    for (li, l) in listeners.iter().enumerate() {
        if ports.contains(&l.port) {
            continue;
        }
        ports.push(l.port);
        if write_listener(w, ctx, &name, &format!("{path}.listeners.{li}"), l, alb) && alb {
            write_rules(w, ctx, &name, &format!("{path}.listeners.{li}"), l);
        }
    }
}

/// An action as a scenario key and value: `target_group = "name"`, `fixed_response = { status =
/// N }` or `redirect = { status = N }`; `None` for an action not modelled or a target group with
/// no scenario group.
fn action_parts(ctx: &Ctx, action: &Action) -> Option<(&'static str, String)> {
    match action {
        Action::Forward(tg) => ctx.group_of_tg(tg).map(|g| ("target_group", s(&g.name))),
        Action::Fixed(st) => Some(("fixed_response", format!("{{ status = {st} }}"))),
        Action::Redirect(st) => Some(("redirect", format!("{{ status = {st} }}"))),
        Action::Other(_) => None,
    }
}

/// `[[load_balancers.NAME.listeners]]`: its port, protocol and default action. Returns whether
/// it was written (a default action not modelled leaves the listener out).
fn write_listener(
    w: &mut Writer,
    ctx: &mut Ctx,
    name: &str,
    lpath: &str,
    l: &Listener,
    alb: bool,
) -> bool {
    let default = match l.default_action.as_ref().and_then(|a| action_parts(ctx, a)) {
        Some(("target_group", v)) => Some(("target_group", v)),
        Some((k, v)) if alb => Some(("default_action", format!("{{ {k} = {v} }}"))),
        _ => None,
    };
    let Some((key, value)) = default else {
        ctx.not_imported.push(format!(
            "{}: its default action is not modelled ({:?}); listener left out",
            l.prov, l.default_action
        ));
        return false;
    };
    w.section(&format!("[[load_balancers.{name}.listeners]]"));
    let port_note = if l.port_assumed {
        Note::Assumed(format!(
            "the code names the listener ({}) but not its port",
            l.prov.name
        ))
    } else {
        from(&l.prov)
    };
    w.kv(lpath, "port", l.port.to_string(), port_note);
    if alb && let Some(p) = &l.protocol {
        let p = if p == "HTTPS" { "https" } else { "http" };
        w.kv(lpath, "protocol", s(p), from(&l.prov));
    }
    w.kv(lpath, key, value, from(&l.prov));
    true
}

/// An ALB listener's `rules`, in priority order.
fn write_rules(w: &mut Writer, ctx: &mut Ctx, name: &str, lpath: &str, l: &Listener) {
    let infra = ctx.infra;
    let mut rules: Vec<&ListenerRule> = infra
        .rules
        .iter()
        .filter(|r| points_at(&r.listener, &l.id))
        .collect();
    rules.sort_by_key(|r| r.priority);
    for (ri, r) in rules.iter().enumerate() {
        let action = action_parts(ctx, &r.action).map(|(k, v)| format!("{{ {k} = {v} }}"));
        let c = &r.conditions;
        if !c.other.is_empty() {
            ctx.not_imported.push(format!(
                "{}: conditions {} are not modelled and were left out",
                r.prov,
                c.other.join(", ")
            ));
        }
        let conds = conditions(c);
        let (Some(action), false) = (action, conds.is_empty()) else {
            ctx.not_imported.push(format!(
                "{}: its action ({:?}) or conditions are not modelled; rule left out",
                r.prov, r.action
            ));
            continue;
        };
        let rpath = format!("{lpath}.rules.{ri}");
        w.section(&format!("[[load_balancers.{name}.listeners.rules]]"));
        w.kv(&rpath, "priority", r.priority.to_string(), from(&r.prov));
        w.kv(
            &rpath,
            "conditions",
            format!("{{ {} }}", conds.join(", ")),
            from(&r.prov),
        );
        w.kv(&rpath, "action", action, from(&r.prov));
    }
}

/// A rule's modelled conditions as `key = value` entries.
fn conditions(c: &Conditions) -> Vec<String> {
    let list = |v: &[String]| {
        format!(
            "[{}]",
            v.iter().map(|x| s(x)).collect::<Vec<_>>().join(", ")
        )
    };
    let mut conds = Vec::new();
    for (key, values) in [("path", &c.path), ("host", &c.host), ("method", &c.method)] {
        if !values.is_empty() {
            conds.push(format!("{key} = {}", list(values)));
        }
    }
    if let Some((h, vals)) = &c.header {
        conds.push(format!(
            "header = {{ name = {}, values = {} }}",
            s(h),
            list(vals)
        ));
    }
    if let Some((k, v)) = &c.query {
        conds.push(format!("query = {{ key = {}, value = {} }}", s(k), s(v)));
    }
    conds
}
