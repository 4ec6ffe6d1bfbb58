//! The `[[traffic]]` sources, entirely assumed: one per imported route, or, with no API in the
//! code, one straight to each target group.

use super::super::infra::*;
use super::context::{Ctx, unique_name};
use super::integration::Target;
use super::routes::RouteOut;
use super::writer::{Note, Writer, s, sanitize};

/// One source per route, or per group when there is no API.
pub(super) fn write_traffic(w: &mut Writer, ctx: &mut Ctx, routes: Option<&[RouteOut]>) {
    match routes {
        Some(routes) => {
            let mut names: Vec<String> = Vec::new();
            for (i, r) in routes.iter().enumerate() {
                let name = unique_name(&names, sanitize(&format!("{} {}", r.method, r.path)));
                names.push(name.clone());
                write_route_source(w, ctx.infra, &format!("traffic.{i}"), &name, r);
            }
        }
        None => {
            for (i, g) in ctx.groups.iter().enumerate() {
                let path = format!("traffic.{i}");
                w.section("[[traffic]]");
                let why = || Note::Plain("no API in the code: straight to the target group".into());
                w.kv(&path, "name", s(&format!("to-{}", g.name)), why());
                w.kv(&path, "target_group", s(&g.name), why());
                write_assumed_load(w, &path);
            }
            if !ctx.infra.load_balancers.is_empty() {
                ctx.not_imported.push(
                    "load balancers: with no API Gateway route to reach them, the traffic goes straight to the target groups (a scenario reaches load balancers only through routes)".into(),
                );
            }
        }
    }
}

/// A source sending requests that `r` matches.
fn write_route_source(w: &mut Writer, infra: &Infra, path: &str, name: &str, r: &RouteOut) {
    w.section("[[traffic]]");
    w.kv(
        path,
        "name",
        s(name),
        Note::Plain(format!("a request on route `{}`", r.key)),
    );
    w.kv(
        path,
        "method",
        s(&r.method),
        Note::Plain(format!("one method of route `{}`", r.key)),
    );
    w.kv(
        path,
        "path",
        s(&r.path),
        Note::Plain(format!("a path route `{}` matches", r.key)),
    );
    write_assumed_load(w, path);
    if r.auth {
        w.kv(
            path,
            "clients",
            "10".into(),
            Note::Assumed("distinct client tokens".into()),
        );
    }
    if let Target::Listener { lb, .. } = &r.target
        && infra
            .rules
            .iter()
            .any(|x| !x.conditions.host.is_empty() && refers_to(&x.listener, lb))
        && let Some(host) = &r.integration.tls_server_name
    {
        w.kv(
            path,
            "host",
            s(host),
            Note::Plain(format!("the TLS server name of {}", r.integration.prov)),
        );
    }
}

/// The rate and the client timeout: not in infrastructure code.
fn write_assumed_load(w: &mut Writer, path: &str) {
    w.kv(
        path,
        "rate_rps",
        "10".into(),
        Note::Assumed("traffic is not in infrastructure code".into()),
    );
    w.kv(
        path,
        "timeout_s",
        "30".into(),
        Note::Assumed("client timeout".into()),
    );
}
