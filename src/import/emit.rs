//! The shared model ([`Infra`]) to scenario TOML: every imported value carries a comment naming
//! the resource it came from, and every value the code does not say is written with an
//! `# ASSUMED:` comment and listed in the header (and returned, for stderr).

use std::collections::BTreeMap;

use super::infra::*;

/// What `emit` produced.
#[derive(Debug)]
pub struct Emitted {
    /// The scenario file.
    pub toml: String,
    /// `key = value: why`, one per assumed value.
    pub assumed: Vec<String>,
    /// Resources (or parts of them) not imported, with why.
    pub not_imported: Vec<String>,
}

/// A provenance or assumption comment for one value.
enum Note {
    From(String),
    Assumed(String),
    Plain(String),
}

fn from(p: &Prov) -> Note {
    Note::From(p.to_string())
}

/// Builds the TOML text, collecting the assumptions as it goes.
#[derive(Default)]
struct Writer {
    out: String,
    assumed: Vec<String>,
}

impl Writer {
    fn line(&mut self, text: &str) {
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn comment(&mut self, text: &str) {
        if text.is_empty() {
            self.line("#");
        }
        for l in text.lines() {
            self.line(&format!("# {l}"));
        }
    }

    fn section(&mut self, header: &str) {
        if !self.out.is_empty() {
            self.out.push('\n');
        }
        self.line(header);
    }

    /// `key = value  # note`; `path` is the field's dotted path, for the list of assumptions.
    fn kv(&mut self, path: &str, key: &str, value: String, note: Note) {
        let comment = match note {
            Note::From(p) => format!("from {p}"),
            Note::Plain(t) => t,
            Note::Assumed(why) => {
                self.assumed.push(format!("{path}.{key} = {value}: {why}"));
                format!("ASSUMED: {why}")
            }
        };
        self.line(&format!("{key} = {value}  # {comment}"));
    }
}

/// A TOML string literal.
fn s(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// A TOML number: whole numbers without a fraction.
fn n(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// A scenario name: lower case letters, digits, `-` and `_`.
pub fn sanitize(name: &str) -> String {
    let cleaned: String = refs_stripped(name)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let mut out = String::new();
    for c in cleaned.chars() {
        if c == '-' && (out.is_empty() || out.ends_with('-')) {
            continue;
        }
        out.push(c);
    }
    out.trim_end_matches('-').to_string()
}

/// `text` without its reference markers.
fn refs_stripped(text: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in text.chars() {
        match c {
            '⟨' => depth += 1,
            '⟩' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// One scenario target group: an ECS service and what it registers with, or a lone target group
/// or Cloud Map service.
struct Group<'a> {
    name: String,
    service: Option<&'a Service>,
    tg: Option<&'a TargetGroup>,
    discovery: Option<&'a DiscoveryService>,
    task: Option<&'a TaskDefinition>,
}

/// Where a route's requests go, in scenario terms.
enum Target {
    Listener {
        lb: String,
        port: u16,
        tls: Option<String>,
    },
    CloudMap(String),
}

struct Ctx<'a> {
    infra: &'a Infra,
    groups: Vec<Group<'a>>,
    lb_names: BTreeMap<String, String>,
    not_imported: Vec<String>,
}

impl<'a> Ctx<'a> {
    fn group_of_tg(&self, tg_ref: &str) -> Option<&Group<'a>> {
        self.groups.iter().find(|g| {
            g.tg.is_some_and(|t| refers_to(tg_ref, &t.id) || tg_ref == t.id)
        })
    }

    fn lb(&self, reference: &str) -> Option<&'a LoadBalancer> {
        self.infra
            .load_balancers
            .iter()
            .find(|l| refers_to(reference, &l.id) || reference == l.id)
    }

    /// The load balancer (if any) whose listener or rule forwards to target group `tg`.
    fn lb_of_tg(&self, tg: &TargetGroup) -> Option<&'a LoadBalancer> {
        let forwards = |a: &Option<Action>| matches!(a, Some(Action::Forward(r)) if refers_to(r, &tg.id) || r == &tg.id);
        for l in &self.infra.listeners {
            let by_rule = self.infra.rules.iter().any(|r| {
                (refers_to(&r.listener, &l.id) || r.listener == l.id)
                    && forwards(&Some(r.action.clone()))
            });
            if forwards(&l.default_action) || by_rule {
                return self.lb(&l.lb);
            }
        }
        None
    }
}

fn unique_name(taken: &[String], base: String) -> String {
    let base = if base.is_empty() {
        "group".to_string()
    } else {
        base
    };
    if !taken.contains(&base) {
        return base;
    }
    (2..)
        .map(|i| format!("{base}-{i}"))
        .find(|c| !taken.contains(c))
        .expect("a free name")
}

fn build_groups<'a>(infra: &'a Infra, not_imported: &mut Vec<String>) -> Vec<Group<'a>> {
    let mut groups: Vec<Group> = Vec::new();
    let mut used_tgs = Vec::new();
    let mut used_ds = Vec::new();
    let find_tg = |r: &str| {
        infra
            .target_groups
            .iter()
            .find(|t| refers_to(r, &t.id) || r == t.id)
    };
    let find_ds = |r: &str| {
        infra
            .discovery_services
            .iter()
            .find(|d| refers_to(r, &d.id) || r == d.id)
    };
    for svc in &infra.services {
        let tgs: Vec<&TargetGroup> = svc
            .target_groups
            .iter()
            .filter_map(|r| find_tg(r))
            .collect();
        if tgs.len() > 1 {
            not_imported.push(format!(
                "{}: registers with {} target groups; only {} is modelled (a scenario group has one)",
                svc.prov,
                tgs.len(),
                tgs[0].prov
            ));
        }
        let ds = svc.registries.iter().find_map(|r| find_ds(r));
        let task = svc.task_definition.as_ref().and_then(|r| {
            infra
                .task_definitions
                .iter()
                .find(|t| refers_to(r, &t.id) || r == &t.id)
        });
        let base = svc
            .name
            .as_deref()
            .map(sanitize)
            .filter(|n| !n.is_empty())
            .or_else(|| tgs.first().and_then(|t| t.name.as_deref()).map(sanitize))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| sanitize(&svc.id));
        let taken: Vec<String> = groups.iter().map(|g| g.name.clone()).collect();
        used_tgs.extend(tgs.iter().map(|t| t.id.clone()));
        if let Some(d) = ds {
            used_ds.push(d.id.clone());
        }
        groups.push(Group {
            name: unique_name(&taken, base),
            service: Some(svc),
            tg: tgs.first().copied(),
            discovery: ds,
            task,
        });
    }
    for tg in &infra.target_groups {
        if used_tgs.contains(&tg.id) {
            continue;
        }
        let taken: Vec<String> = groups.iter().map(|g| g.name.clone()).collect();
        let base = tg
            .name
            .as_deref()
            .map(sanitize)
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| sanitize(&tg.id));
        groups.push(Group {
            name: unique_name(&taken, base),
            service: None,
            tg: Some(tg),
            discovery: None,
            task: None,
        });
    }
    for ds in &infra.discovery_services {
        if used_ds.contains(&ds.id) {
            continue;
        }
        let taken: Vec<String> = groups.iter().map(|g| g.name.clone()).collect();
        let base = ds
            .name
            .as_deref()
            .map(sanitize)
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| sanitize(&ds.id));
        groups.push(Group {
            name: unique_name(&taken, base),
            service: None,
            tg: None,
            discovery: Some(ds),
            task: None,
        });
    }
    groups
}

/// A scenario route, resolved.
struct RouteOut<'a> {
    key: String,
    method: String,
    path: String,
    route: &'a Route,
    auth: bool,
    integration: &'a Integration,
    target: Target,
}

fn api_matches(reference: &str, api: &Api) -> bool {
    refers_to(reference, &api.id) || reference == api.id
}

/// Resolves an integration to a listener or a Cloud Map service.
fn resolve_integration(
    ctx: &mut Ctx,
    integ: &Integration,
    vars: &BTreeMap<String, String>,
) -> Result<Target, String> {
    let infra = ctx.infra;
    if !matches!(integ.kind.as_str(), "HTTP_PROXY" | "HTTP") {
        return Err(format!(
            "integration type {} is not modelled (simroute models HTTP proxies over a VPC link)",
            integ.kind
        ));
    }
    let uri = substitute_stage_variables(&integ.uri, vars);
    if uri.contains("${stageVariables.") {
        return Err(format!(
            "integration URI `{}` uses a stage variable that no stage sets",
            refs_stripped(&uri)
        ));
    }
    let tls = integ.tls_server_name.clone();
    if let Some(l) = infra
        .listeners
        .iter()
        .find(|l| refers_to(&uri, &l.id) || uri == l.id)
    {
        let lb = ctx.lb(&l.lb).ok_or_else(|| {
            format!(
                "listener {} belongs to no load balancer in the code",
                l.prov
            )
        })?;
        return Ok(Target::Listener {
            lb: lb.id.clone(),
            port: l.port,
            tls,
        });
    }
    if let Some(d) = infra
        .discovery_services
        .iter()
        .find(|d| refers_to(&uri, &d.id) || uri == d.id)
    {
        let g = ctx
            .groups
            .iter()
            .find(|g| g.discovery.is_some_and(|x| x.id == d.id))
            .expect("every Cloud Map service has a group");
        return Ok(Target::CloudMap(g.name.clone()));
    }
    let port = url_port(&refs_stripped(&uri).replace("::", ":"))
        .or_else(|| url_port(&uri))
        .ok_or_else(|| format!("integration URI `{}` has no port", refs_stripped(&uri)))?;
    let lb = ctx.lb(&uri).or_else(|| {
        let link = integ.connection_id.as_deref()?;
        let link = infra
            .vpc_links
            .iter()
            .find(|v| refers_to(link, &v.id) || link == v.id)?;
        link.targets.iter().find_map(|t| ctx.lb(t))
    });
    let lb = match lb {
        Some(lb) => lb,
        None if integ.connection_type.as_deref() == Some("VPC_LINK")
            && infra.load_balancers.len() == 1 =>
        {
            ctx.not_imported.push(format!(
                "{}: the URI `{}` names no load balancer of the code; taken to be the only one, {}",
                integ.prov,
                refs_stripped(&uri),
                infra.load_balancers[0].prov
            ));
            &infra.load_balancers[0]
        }
        None => {
            return Err(format!(
                "integration URI `{}` reaches no load balancer, listener or Cloud Map service of the code (an internet endpoint is not modelled)",
                refs_stripped(&uri)
            ));
        }
    };
    if !infra
        .listeners
        .iter()
        .any(|l| (refers_to(&l.lb, &lb.id) || l.lb == lb.id) && l.port == port)
    {
        return Err(format!("{} has no listener on port {port}", lb.prov));
    }
    Ok(Target::Listener {
        lb: lb.id.clone(),
        port,
        tls,
    })
}

/// Default latencies, all assumed (AWS documents none).
const GATEWAY_LATENCY_REST: &str = "{ dist = \"lognormal\", median_ms = 4, sigma = 0.3 }";
const GATEWAY_LATENCY_HTTP: &str = "{ dist = \"lognormal\", median_ms = 3, sigma = 0.3 }";
const VPC_LINK_LATENCY: &str = "{ latency = { dist = \"constant\", ms = 0.5 } }";
const NLB_LATENCY: &str = "{ dist = \"constant\", ms = 0.1 }";
const ALB_LATENCY: &str = "{ dist = \"lognormal\", median_ms = 0.6, sigma = 0.3 }";
const TLS_LATENCY: &str = "{ dist = \"lognormal\", median_ms = 1.0, sigma = 0.4 }";
const SIDECAR_LATENCY: &str = "{ dist = \"constant\", ms = 0.3 }";
const APP_SERVICE: &str = "{ dist = \"lognormal\", median_ms = 20, sigma = 0.5 }";

/// What the command line says about the input, for the header.
pub struct Source<'a> {
    /// `cloudformation`, `openapi` or `terraform`.
    pub kind: &'a str,
    /// The input path as given.
    pub path: &'a str,
    /// `simulation.name`.
    pub name: &'a str,
}

/// Writes `infra` as a scenario.
pub fn emit(infra: &Infra, source: &Source) -> Emitted {
    let mut not_imported: Vec<String> = infra
        .unsupported
        .iter()
        .map(|(p, why)| format!("{p}: {why}"))
        .collect();
    let groups = build_groups(infra, &mut not_imported);
    let mut lb_names = BTreeMap::new();
    let mut taken = Vec::new();
    for lb in &infra.load_balancers {
        let base = lb
            .name
            .as_deref()
            .map(sanitize)
            .filter(|x| !x.is_empty())
            .unwrap_or_else(|| sanitize(&lb.id));
        let name = unique_name(&taken, base);
        taken.push(name.clone());
        lb_names.insert(lb.id.clone(), name);
    }
    let mut ctx = Ctx {
        infra,
        groups,
        lb_names,
        not_imported,
    };
    let mut w = Writer::default();

    w.section("[simulation]");
    w.kv(
        "simulation",
        "name",
        s(source.name),
        Note::Plain("the input's name".into()),
    );
    w.kv(
        "simulation",
        "duration_s",
        "600".into(),
        Note::Assumed("run length: not infrastructure".into()),
    );
    w.kv(
        "simulation",
        "warmup_s",
        "60".into(),
        Note::Assumed("warm-up: not infrastructure".into()),
    );

    // The API: the first one with routes that can be imported.
    let mut chosen: Option<(&Api, Vec<RouteOut>, Option<&Authorizer>)> = None;
    for api in &infra.apis {
        let vars = infra
            .stages
            .iter()
            .find(|st| api_matches(&st.api, api) && !st.variables.is_empty())
            .map(|st| st.variables.clone())
            .unwrap_or_default();
        let mut outs: Vec<RouteOut> = Vec::new();
        let mut authorizer: Option<&Authorizer> = None;
        for route in infra.routes.iter().filter(|r| api_matches(&r.api, api)) {
            let path = match &route.resource {
                Some(res) => rest_path(&infra.rest_resources, res),
                None => route.path.clone(),
            };
            let key = if path == "$default" {
                if api.kind == ApiKind::Rest {
                    ctx.not_imported
                        .push(format!("{}: a REST API has no $default route", route.prov));
                    continue;
                }
                "$default".to_string()
            } else {
                format!("{} {}", route.method.to_ascii_uppercase(), path)
            };
            if outs.iter().any(|o| o.key == key) {
                continue;
            }
            let Some(integ) = route.integration.as_ref().and_then(|r| {
                infra
                    .integrations
                    .iter()
                    .find(|i| refers_to(r, &i.id) || r == &i.id)
            }) else {
                ctx.not_imported.push(format!(
                    "{} (`{key}`): no integration found for it",
                    route.prov
                ));
                continue;
            };
            let target = match resolve_integration(&mut ctx, integ, &vars) {
                Ok(t) => t,
                Err(why) => {
                    ctx.not_imported
                        .push(format!("{} (`{key}`): {why}", route.prov));
                    continue;
                }
            };
            if matches!(target, Target::CloudMap(_)) && api.kind == ApiKind::Rest {
                ctx.not_imported.push(format!(
                    "{} (`{key}`): a REST API cannot reach Cloud Map",
                    route.prov
                ));
                continue;
            }
            let auth = match &route.auth {
                RouteAuth::None => false,
                RouteAuth::Authorizer(r) => {
                    match infra
                        .authorizers
                        .iter()
                        .find(|a| refers_to(r, &a.id) || r == &a.id)
                    {
                        Some(a) => {
                            if authorizer.is_some_and(|x| x.id != a.id) {
                                ctx.not_imported.push(format!(
                                    "{} (`{key}`): uses {}, but a scenario has one authorizer: {} is used",
                                    route.prov,
                                    a.prov,
                                    authorizer.expect("set").prov
                                ));
                            } else {
                                authorizer = Some(a);
                            }
                            true
                        }
                        None => {
                            ctx.not_imported.push(format!(
                                "{} (`{key}`): its authorizer is not in the code; imported without auth",
                                route.prov
                            ));
                            false
                        }
                    }
                }
                RouteAuth::Type(t) if t == "AWS_IAM" => {
                    ctx.not_imported.push(format!(
                        "{} (`{key}`): IAM authorization is not modelled; imported without auth",
                        route.prov
                    ));
                    false
                }
                RouteAuth::Type(t) => {
                    let want = match t.as_str() {
                        "COGNITO_USER_POOLS" => Some(AuthorizerKind::Cognito),
                        "JWT" => Some(AuthorizerKind::Jwt),
                        "CUSTOM" => Some(AuthorizerKind::Lambda),
                        _ => None,
                    };
                    let found = infra
                        .authorizers
                        .iter()
                        .find(|a| want.is_some_and(|k| a.kind == k) && infra.apis.len() == 1);
                    match found {
                        Some(a) => {
                            authorizer.get_or_insert(a);
                            true
                        }
                        None if want.is_none() => {
                            ctx.not_imported.push(format!(
                                "{} (`{key}`): authorization {t} is not modelled; imported without auth",
                                route.prov
                            ));
                            false
                        }
                        None => {
                            ctx.not_imported.push(format!(
                                "{} (`{key}`): authorization {t} names no authorizer of the code; imported without auth",
                                route.prov
                            ));
                            false
                        }
                    }
                }
            };
            let (method, sample_path) = if key == "$default" {
                ("GET".to_string(), "/".to_string())
            } else {
                let m = route.method.to_ascii_uppercase();
                (if m == "ANY" { "GET".into() } else { m }, sample(&path))
            };
            outs.push(RouteOut {
                key,
                method,
                path: sample_path,
                route,
                auth,
                integration: integ,
                target,
            });
        }
        if outs.is_empty() {
            continue;
        }
        if chosen.is_none() {
            chosen = Some((api, outs, authorizer));
        } else {
            ctx.not_imported.push(format!(
                "{}: a scenario has one API Gateway; only the first API with routes is imported",
                api.prov
            ));
        }
    }
    for api in &infra.apis {
        if chosen.as_ref().is_none_or(|(a, _, _)| a.id != api.id)
            && !infra.routes.iter().any(|r| api_matches(&r.api, api))
        {
            ctx.not_imported
                .push(format!("{}: no routes or methods found for it", api.prov));
        }
    }

    // Traffic: entirely assumed.
    if let Some((_, routes, _)) = &chosen {
        let mut names: Vec<String> = Vec::new();
        for (i, r) in routes.iter().enumerate() {
            let path = format!("traffic.{i}");
            w.section("[[traffic]]");
            let name = unique_name(&names, sanitize(&format!("{} {}", r.method, r.path)));
            names.push(name.clone());
            w.kv(
                &path,
                "name",
                s(&name),
                Note::Plain(format!("a request on route `{}`", r.key)),
            );
            w.kv(
                &path,
                "method",
                s(&r.method),
                Note::Plain(format!("one method of route `{}`", r.key)),
            );
            w.kv(
                &path,
                "path",
                s(&r.path),
                Note::Plain(format!("a path route `{}` matches", r.key)),
            );
            w.kv(
                &path,
                "rate_rps",
                "10".into(),
                Note::Assumed("traffic is not in infrastructure code".into()),
            );
            w.kv(
                &path,
                "timeout_s",
                "30".into(),
                Note::Assumed("client timeout".into()),
            );
            if r.auth {
                w.kv(
                    &path,
                    "clients",
                    "10".into(),
                    Note::Assumed("distinct client tokens".into()),
                );
            }
            if let Some(lb) = match &r.target {
                Target::Listener { lb, .. } => Some(lb),
                _ => None,
            } && infra
                .rules
                .iter()
                .any(|x| !x.conditions.host.is_empty() && refers_to(&x.listener, lb))
                && let Some(host) = &r.integration.tls_server_name
            {
                w.kv(
                    &path,
                    "host",
                    s(host),
                    Note::Plain(format!("the TLS server name of {}", r.integration.prov)),
                );
            }
        }
    } else {
        for (i, g) in ctx.groups.iter().enumerate() {
            let path = format!("traffic.{i}");
            w.section("[[traffic]]");
            w.kv(
                &path,
                "name",
                s(&format!("to-{}", g.name)),
                Note::Plain("no API in the code: straight to the target group".into()),
            );
            w.kv(
                &path,
                "target_group",
                s(&g.name),
                Note::Plain("no API in the code: straight to the target group".into()),
            );
            w.kv(
                &path,
                "rate_rps",
                "10".into(),
                Note::Assumed("traffic is not in infrastructure code".into()),
            );
            w.kv(
                &path,
                "timeout_s",
                "30".into(),
                Note::Assumed("client timeout".into()),
            );
        }
        if !infra.load_balancers.is_empty() {
            ctx.not_imported.push(
                "load balancers: with no API Gateway route to reach them, the traffic goes straight to the target groups (a scenario reaches load balancers only through routes)".into(),
            );
        }
    }

    // The gateway.
    let mut used_lbs: Vec<String> = Vec::new();
    if let Some((api, routes, authorizer)) = &chosen {
        w.section("[gateway]");
        let kind = match api.kind {
            ApiKind::Rest => "rest",
            ApiKind::Http => "http",
        };
        w.kv("gateway", "kind", s(kind), from(&api.prov));
        w.kv(
            "gateway",
            "latency",
            (if api.kind == ApiKind::Rest {
                GATEWAY_LATENCY_REST
            } else {
                GATEWAY_LATENCY_HTTP
            })
            .into(),
            Note::Assumed("API Gateway documents no added latency".into()),
        );
        w.kv(
            "gateway",
            "throttle",
            "{ rate_rps = 10000, burst = 5000 }".into(),
            Note::Assumed("AWS's default account quota per Region; yours may be raised".into()),
        );
        if let Some(st) = infra
            .stages
            .iter()
            .find(|st| api_matches(&st.api, api) && st.throttle.is_some_and(|(r, _)| r > 0.0))
        {
            let (rate, burst) = st.throttle.expect("found with a throttle");
            w.kv(
                "gateway",
                "stage_throttle",
                format!(
                    "{{ rate_rps = {}, burst = {} }}",
                    n(rate),
                    n(burst.max(1.0))
                ),
                from(&st.prov),
            );
        }
        let timeouts: Vec<(f64, &Prov)> = routes
            .iter()
            .filter_map(|r| r.integration.timeout_ms.map(|t| (t, &r.integration.prov)))
            .collect();
        if let Some(&(max, prov)) = timeouts.iter().max_by(|a, b| a.0.total_cmp(&b.0)) {
            let limit = if api.kind == ApiKind::Rest {
                300_000.0
            } else {
                30_000.0
            };
            let t = max.clamp(50.0, limit) / 1000.0;
            let note = if timeouts.iter().any(|(x, _)| *x != max) {
                Note::Plain(format!(
                    "from {prov} (the longest; a scenario has one integration timeout)"
                ))
            } else {
                Note::From(prov.to_string())
            };
            w.kv("gateway", "integration_timeout_s", n(t), note);
        }
        let link_prov = infra
            .vpc_links
            .first()
            .map(|v| format!(" (the VPC link {})", v.id))
            .unwrap_or_default();
        w.kv(
            "gateway",
            "vpc_link",
            VPC_LINK_LATENCY.into(),
            Note::Assumed(format!("one AZ-local network hop{link_prov}")),
        );
        if let Some(a) = authorizer {
            w.section("[gateway.authorizer]");
            let (kind, ok) = match (a.kind, api.kind) {
                (AuthorizerKind::Cognito, ApiKind::Rest) => ("cognito", true),
                (AuthorizerKind::Jwt, ApiKind::Http) => ("jwt", true),
                (AuthorizerKind::Lambda, _) => ("lambda", true),
                (AuthorizerKind::Cognito, ApiKind::Http) => ("jwt", false),
                (AuthorizerKind::Jwt, ApiKind::Rest) => ("cognito", false),
            };
            let pools = infra
                .user_pools
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            let note = if pools.is_empty() {
                format!("from {}", a.prov)
            } else {
                format!("from {} (user pool {pools})", a.prov)
            };
            let note = if ok {
                note
            } else {
                format!("{note}; the only kind this API allows")
            };
            w.kv("gateway.authorizer", "kind", s(kind), Note::Plain(note));
            w.kv(
                "gateway.authorizer",
                "latency",
                "{ dist = \"lognormal\", median_ms = 5, sigma = 0.5 }".into(),
                Note::Assumed("token validation time on a cache miss".into()),
            );
            if let Some(ttl) = a.ttl_s
                && kind != "jwt"
            {
                w.kv(
                    "gateway.authorizer",
                    "cache_ttl_s",
                    n(ttl.clamp(0.0, 3600.0)),
                    from(&a.prov),
                );
            }
        }
        for (i, r) in routes.iter().enumerate() {
            let path = format!("gateway.routes.{i}");
            w.section("[[gateway.routes]]");
            w.kv(&path, "route", s(&r.key), from(&r.route.prov));
            if r.auth {
                w.kv(&path, "auth", "true".into(), from(&r.route.prov));
            }
            let value = match &r.target {
                Target::Listener { lb, port, tls } => {
                    used_lbs.push(lb.clone());
                    let name = &ctx.lb_names[lb];
                    match tls {
                        Some(t) => format!(
                            "{{ load_balancer = {}, port = {port}, tls_server_name = {} }}",
                            s(name),
                            s(t)
                        ),
                        None => format!("{{ load_balancer = {}, port = {port} }}", s(name)),
                    }
                }
                Target::CloudMap(g) => {
                    format!("{{ target_group = {}, discovery = \"cloud_map\" }}", s(g))
                }
            };
            w.kv(&path, "integration", value, from(&r.integration.prov));
        }
    }

    // Load balancers reached by the routes.
    for lb in &infra.load_balancers {
        if !used_lbs.contains(&lb.id) {
            continue;
        }
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
            .filter(|l| refers_to(&l.lb, &lb.id) || l.lb == lb.id)
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
            let lpath = format!("{path}.listeners.{li}");
            let default = match &l.default_action {
                Some(Action::Forward(tg)) => ctx
                    .group_of_tg(tg)
                    .map(|g| format!("target_group = {}", s(&g.name))),
                Some(Action::Fixed(st)) if alb => Some(format!(
                    "default_action = {{ fixed_response = {{ status = {st} }} }}"
                )),
                Some(Action::Redirect(st)) if alb => Some(format!(
                    "default_action = {{ redirect = {{ status = {st} }} }}"
                )),
                _ => None,
            };
            let Some(default) = default else {
                ctx.not_imported.push(format!(
                    "{}: its default action is not modelled ({:?}); listener left out",
                    l.prov, l.default_action
                ));
                continue;
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
            w.kv(&lpath, "port", l.port.to_string(), port_note);
            if alb && let Some(p) = &l.protocol {
                let p = if p == "HTTPS" { "https" } else { "http" };
                w.kv(&lpath, "protocol", s(p), from(&l.prov));
            }
            let (k, v) = default.split_once(" = ").expect("key = value");
            w.kv(&lpath, k, v.to_string(), from(&l.prov));
            if !alb {
                continue;
            }
            let mut rules: Vec<&ListenerRule> = infra
                .rules
                .iter()
                .filter(|r| refers_to(&r.listener, &l.id) || r.listener == l.id)
                .collect();
            rules.sort_by_key(|r| r.priority);
            for (ri, r) in rules.iter().enumerate() {
                let action = match &r.action {
                    Action::Forward(tg) => ctx
                        .group_of_tg(tg)
                        .map(|g| format!("{{ target_group = {} }}", s(&g.name))),
                    Action::Fixed(st) => {
                        Some(format!("{{ fixed_response = {{ status = {st} }} }}"))
                    }
                    Action::Redirect(st) => Some(format!("{{ redirect = {{ status = {st} }} }}")),
                    Action::Other(_) => None,
                };
                let c = &r.conditions;
                if !c.other.is_empty() {
                    ctx.not_imported.push(format!(
                        "{}: conditions {} are not modelled and were left out",
                        r.prov,
                        c.other.join(", ")
                    ));
                }
                let mut conds = Vec::new();
                let list = |v: &[String]| {
                    format!(
                        "[{}]",
                        v.iter().map(|x| s(x)).collect::<Vec<_>>().join(", ")
                    )
                };
                if !c.path.is_empty() {
                    conds.push(format!("path = {}", list(&c.path)));
                }
                if !c.host.is_empty() {
                    conds.push(format!("host = {}", list(&c.host)));
                }
                if !c.method.is_empty() {
                    conds.push(format!("method = {}", list(&c.method)));
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
    }

    // Target groups.
    let behind: Vec<Option<&LoadBalancer>> = ctx
        .groups
        .iter()
        .map(|g| {
            g.tg.and_then(|t| ctx.lb_of_tg(t))
                .filter(|lb| used_lbs.contains(&lb.id))
        })
        .collect();
    for (g, lb) in ctx.groups.iter().zip(&behind) {
        write_group(&mut w, g, *lb, infra, &mut ctx.not_imported);
    }

    // The header.
    let mut head = Writer::default();
    head.comment(&format!(
        "Imported by `simroute import {} {}`.",
        source.kind, source.path
    ));
    head.comment(
        "Each value says which resource it came from; values marked ASSUMED are not in the code:",
    );
    head.comment("replace them with your own measurements (or fill them from `simroute fit`).");
    head.comment("");
    head.comment("Assumed values:");
    for a in &w.assumed {
        head.comment(&format!("  - {a}"));
    }
    let mut not_imported = ctx.not_imported;
    not_imported.extend(infra.notes.iter().cloned());
    if !not_imported.is_empty() {
        head.comment("");
        head.comment("Not imported:");
        for u in &not_imported {
            head.comment(&format!("  - {u}"));
        }
    }
    let toml = format!("{}\n{}", head.out, w.out);
    debug_assert!(toml.ends_with('\n'));
    Emitted {
        toml,
        assumed: w.assumed,
        not_imported,
    }
}

/// A request path that a route path matches: `{param}` → `1`, `{proxy+}` → `example`.
fn sample(path: &str) -> String {
    let parts: Vec<String> = path
        .split('/')
        .map(|seg| {
            if seg.starts_with('{') && seg.ends_with("+}") {
                "example".to_string()
            } else if seg.starts_with('{') && seg.ends_with('}') {
                "1".to_string()
            } else {
                seg.to_string()
            }
        })
        .collect();
    let p = parts.join("/");
    if p.is_empty() { "/".into() } else { p }
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
    // Autoscaling: the scalable target of this service and its policy.
    let scalable = g.service.and_then(|svc| {
        infra.scalable_targets.iter().find(|st| {
            refers_to(&st.resource_id, &svc.id)
                || svc
                    .name
                    .as_deref()
                    .is_some_and(|nm| !nm.is_empty() && st.resource_id.ends_with(&format!("/{nm}")))
        })
    });
    let policies: Vec<&ScalingPolicy> = scalable
        .map(|st| {
            infra
                .policies
                .iter()
                .filter(|p| {
                    refers_to(&p.target, &st.id) || p.target == st.id || p.target == st.resource_id
                })
                .collect()
        })
        .unwrap_or_default();
    let (min, max) = scalable.map_or((None, None), |st| (st.min, st.max));

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
    w.kv(&path, "targets", n(targets_n), targets.1);
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

    // service
    let app_container = g.task.and_then(|t| {
        t.containers
            .iter()
            .find(|c| !c.is_nginx())
            .or(t.containers.first())
    });
    let sidecar = g
        .task
        .and_then(|t| t.containers.iter().find(|c| c.is_nginx()))
        .filter(|_| {
            g.task
                .is_some_and(|t| t.containers.iter().any(|c| !c.is_nginx()))
        });
    if let Some(svc) = g.service {
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
        let task = g.task.map(|t| t.prov.to_string()).unwrap_or_default();
        if let Some(c) = app_container
            && let Some(v) = c.stop_timeout_s
        {
            lines.push((
                "stop_timeout_s",
                n(v.clamp(0.0, 120.0)),
                Note::From(format!("{task} (container {})", c.name)),
            ));
        }
        let health = app_container.and_then(|c| c.health.as_ref().map(|h| (c, h)));
        if !lines.is_empty() {
            w.section(&format!("[{spath}]"));
            for (k, v, note) in lines {
                w.kv(&spath, k, v, note);
            }
        }
        if let Some((c, h)) = health {
            let hpath = format!("{spath}.container_health_check");
            w.section(&format!("[{hpath}]"));
            let note = || Note::From(format!("{task} (container {} HealthCheck)", c.name));
            if let Some(v) = h.interval_s {
                w.kv(&hpath, "interval_s", n(v), note());
            }
            if let Some(v) = h.timeout_s {
                w.kv(&hpath, "timeout_s", n(v), note());
            }
            if let Some(v) = h.retries {
                w.kv(&hpath, "retries", n(v), note());
            }
            if let Some(v) = h.start_period_s {
                w.kv(&hpath, "start_period_s", n(v), note());
            }
            if h.interval_s.is_none()
                && h.timeout_s.is_none()
                && h.retries.is_none()
                && h.start_period_s.is_none()
            {
                w.comment(&format!(
                    "ECS's defaults for every field ({task}, container {})",
                    c.name
                ));
            }
        }
    }

    // cloud_map
    if let Some(d) = g.discovery {
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

    // autoscaling
    if let (Some(st), Some(lo), Some(hi)) = (scalable, min, max) {
        let cpu = policies.iter().find_map(|p| match &p.kind {
            PolicyKind::Target { metric, value } if metric == "ECSServiceAverageCPUUtilization" => {
                Some((*p, *value))
            }
            _ => None,
        });
        let mut written = false;
        let apath = format!("{path}.autoscaling");
        let lo = lo.max(1.0).min(targets_n);
        let hi = hi.max(targets_n);
        if let Some((p, value)) = cpu {
            w.section(&format!("[{apath}]"));
            w.kv(&apath, "min_tasks", n(lo), from(&st.prov));
            w.kv(&apath, "max_tasks", n(hi), from(&st.prov));
            w.kv(
                &apath,
                "target_cpu_percent",
                n(value.clamp(0.1, 100.0)),
                from(&p.prov),
            );
            if let Some(c) = p.scale_out_cooldown_s {
                w.kv(&apath, "scale_out_cooldown_s", n(c), from(&p.prov));
            }
            if let Some(c) = p.scale_in_cooldown_s {
                w.kv(&apath, "scale_in_cooldown_s", n(c), from(&p.prov));
            }
            written = true;
        } else if let Some(steps) = request_steps(infra, &policies, not_imported) {
            w.section(&format!("[{apath}]"));
            w.kv(&apath, "min_tasks", n(lo), from(&st.prov));
            w.kv(&apath, "max_tasks", n(hi), from(&st.prov));
            for (k, v, prov) in &steps.extra {
                w.kv(&apath, k, n(*v), Note::From(prov.clone()));
            }
            w.kv(
                &apath,
                "request_steps",
                steps.steps,
                Note::Plain(steps.note),
            );
            written = true;
        }
        for p in &policies {
            let used = written
                && match &p.kind {
                    PolicyKind::Target { metric, .. } => {
                        cpu.is_some_and(|(c, _)| c.id == p.id)
                            && metric == "ECSServiceAverageCPUUtilization"
                    }
                    PolicyKind::Steps { .. } => cpu.is_none(),
                };
            if !used {
                let why = match &p.kind {
                    PolicyKind::Target { metric, .. }
                        if metric != "ECSServiceAverageCPUUtilization" =>
                    {
                        format!("target tracking on {metric} is not modelled (only on ECS service CPU)")
                    }
                    _ if cpu.is_some() => {
                        "a scenario group has one scaling policy; the CPU target tracking one is used".to_string()
                    }
                    _ => "step scaling needs a CloudWatch alarm on ALB RequestCountPerTarget (Sum, 60 s) in the code".to_string(),
                };
                not_imported.push(format!("{}: {why}", p.prov));
            }
        }
    }

    // sidecar
    if let Some(c) = sidecar {
        let spath = format!("{path}.sidecar");
        w.section(&format!("[{spath}]"));
        let task = g.task.map(|t| t.prov.to_string()).unwrap_or_default();
        let ports = |c: &Container| {
            c.ports
                .iter()
                .map(|p| format!(":{}", n(*p)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        w.comment(&format!(
            "nginx container `{}` ({}{}) of {task} in front of `{}`{}; nginx.conf is not read, so",
            c.name,
            c.image,
            if c.ports.is_empty() {
                String::new()
            } else {
                format!(" {}", ports(c))
            },
            app_container.map_or("the app", |a| a.name.as_str()),
            app_container
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

    // app: nothing about it is in infrastructure code.
    let apath = format!("{path}.app");
    w.section(&format!("[{apath}]"));
    let who = app_container
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

fn write_tg_settings(
    w: &mut Writer,
    path: &str,
    tg: &TargetGroup,
    lb: Option<&LoadBalancer>,
    not_imported: &mut Vec<String>,
) {
    let alb = lb.is_some_and(|l| l.kind == LbKind::Alb);
    let algorithm = tg.algorithm.as_deref().map(|a| match a {
        "least_outstanding_requests" => "least_outstanding",
        "weighted_random" => "weighted_random",
        _ => "round_robin",
    });
    let mut algorithm = algorithm;
    if tg.anomaly_mitigation == Some(true) {
        algorithm = Some("weighted_random");
    }
    if let Some(a) = algorithm {
        w.kv(path, "algorithm", s(a), from(&tg.prov));
    }
    if tg.anomaly_mitigation == Some(true) {
        w.kv(
            path,
            "automatic_target_weights",
            "true".into(),
            from(&tg.prov),
        );
    }
    if let Some(ss) = tg.slow_start_s
        && ss > 0.0
    {
        if algorithm == Some("least_outstanding") {
            not_imported.push(format!(
                "{}: slow start with least outstanding requests is not allowed by ALB; left out",
                tg.prov
            ));
        } else {
            w.kv(
                path,
                "slow_start_s",
                n(ss.clamp(30.0, 900.0)),
                from(&tg.prov),
            );
        }
    }
    if let Some(d) = tg.dereg_delay_s {
        w.kv(path, "deregistration_delay_s", n(d), from(&tg.prov));
    }
    if let Some(ct) = tg.connection_termination
        && !alb
    {
        w.kv(
            path,
            "connection_termination",
            ct.to_string(),
            from(&tg.prov),
        );
    }
    if let Some(cz) = tg.cross_zone.as_deref()
        && lb.is_some()
        && (cz == "true" || cz == "false")
    {
        w.kv(path, "cross_zone", cz.to_string(), from(&tg.prov));
    } else if let Some(l) = lb
        && let Some(cz) = l.cross_zone
    {
        w.kv(path, "cross_zone", cz.to_string(), from(&l.prov));
    }
    if tg.stickiness == Some(true) {
        not_imported.push(format!("{}: stickiness is not modelled", tg.prov));
    }
    // Health checks are always on for ECS (ip) targets.
    let h = &tg.health;
    let hpath = format!("{path}.health_check");
    w.section(&format!("[{hpath}]"));
    let tg_http = matches!(tg.protocol.as_deref(), Some("HTTP" | "HTTPS"));
    let proto = match h.protocol.as_deref() {
        Some("HTTP" | "HTTPS") => Some("http"),
        Some(_) if alb => Some("http"),
        Some(_) => Some("tcp"),
        None if alb || tg_http => Some("http"),
        None => None,
    };
    if h.protocol.as_deref() == Some("HTTPS") {
        not_imported.push(format!(
            "{}: HTTPS health checks are modelled as HTTP ones",
            tg.prov
        ));
    }
    match (proto, &h.protocol) {
        (Some(p), Some(_)) => w.kv(&hpath, "protocol", s(p), from(&tg.prov)),
        (Some(p), None) => w.kv(
            &hpath,
            "protocol",
            s(p),
            Note::Plain(format!("{}: the default for its protocol", tg.prov)),
        ),
        _ => {}
    }
    let interval = h.interval_s.map(|v| v.clamp(5.0, 300.0));
    if let Some(v) = interval {
        w.kv(&hpath, "interval_s", n(v), from(&tg.prov));
    }
    if let Some(v) = h.timeout_s {
        let v = v.clamp(2.0, interval.unwrap_or(30.0).min(120.0));
        w.kv(&hpath, "timeout_s", n(v), from(&tg.prov));
    } else if let Some(iv) = interval {
        // ELB's default timeout (10 s TCP, 6 s HTTP; 5 s behind an ALB) must not exceed the
        // interval.
        let default = match proto {
            Some("http") if alb => 5.0,
            Some("http") => 6.0,
            _ => 10.0,
        };
        if default > iv {
            w.kv(
                &hpath,
                "timeout_s",
                n(iv),
                Note::Plain(format!(
                    "{}: the default timeout ({} s) is longer than the interval, so the interval",
                    tg.prov,
                    n(default)
                )),
            );
        }
    }
    if let Some(v) = h.healthy {
        w.kv(
            &hpath,
            "healthy_threshold",
            n(v.clamp(2.0, 10.0)),
            from(&tg.prov),
        );
    }
    if let Some(v) = h.unhealthy {
        w.kv(
            &hpath,
            "unhealthy_threshold",
            n(v.clamp(2.0, 10.0)),
            from(&tg.prov),
        );
    }
    if proto.is_none()
        && interval.is_none()
        && h.timeout_s.is_none()
        && h.healthy.is_none()
        && h.unhealthy.is_none()
    {
        w.comment(&format!(
            "{}: no health check settings, so ELB's defaults (always on for ECS targets)",
            tg.prov
        ));
    }
}

struct Steps {
    steps: String,
    note: String,
    extra: Vec<(&'static str, f64, String)>,
}

/// Step scaling policies with alarms on `RequestCountPerTarget` (Sum over 60 s) as absolute
/// request steps.
fn request_steps(
    infra: &Infra,
    policies: &[&ScalingPolicy],
    not_imported: &mut Vec<String>,
) -> Option<Steps> {
    let mut out = Vec::new();
    let mut provs = Vec::new();
    let mut extra = Vec::new();
    for p in policies {
        let PolicyKind::Steps {
            adjustment_type,
            steps,
        } = &p.kind
        else {
            continue;
        };
        if adjustment_type != "ChangeInCapacity" {
            not_imported.push(format!(
                "{}: adjustment type {adjustment_type} is not modelled (only ChangeInCapacity)",
                p.prov
            ));
            continue;
        }
        let Some(alarm) = infra
            .alarms
            .iter()
            .find(|a| a.actions.iter().any(|x| refers_to(x, &p.id) || x == &p.id))
        else {
            continue;
        };
        if alarm.metric != "RequestCountPerTarget"
            || alarm.statistic.as_deref().is_some_and(|s| s != "Sum")
            || alarm.period_s.is_some_and(|s| s != 60.0)
        {
            not_imported.push(format!(
                "{}: alarm on {} is not modelled (only RequestCountPerTarget, Sum over 60 s)",
                alarm.prov, alarm.metric
            ));
            continue;
        }
        let scale_out = alarm.comparison.starts_with("GreaterThan");
        for st in steps {
            let lower = (alarm.threshold + st.lower.unwrap_or(f64::NEG_INFINITY)).max(0.0);
            let upper = st.upper.map(|u| alarm.threshold + u);
            let change = if scale_out {
                st.change.abs()
            } else {
                -st.change.abs()
            };
            if change == 0.0 || upper.is_some_and(|u| u <= lower) {
                continue;
            }
            out.push((lower, upper, change));
        }
        if let Some(e) = alarm.evaluation_periods {
            extra.push((
                if scale_out {
                    "scale_out_datapoints"
                } else {
                    "scale_in_datapoints"
                },
                e,
                alarm.prov.to_string(),
            ));
        }
        let cd = p.scale_out_cooldown_s.or(p.scale_in_cooldown_s);
        if let Some(c) = cd {
            extra.push((
                if scale_out {
                    "scale_out_cooldown_s"
                } else {
                    "scale_in_cooldown_s"
                },
                c,
                p.prov.to_string(),
            ));
        }
        provs.push(format!("{} with {}", p.prov, alarm.prov));
    }
    if out.is_empty() {
        return None;
    }
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    let steps = out
        .iter()
        .map(|(lo, up, ch)| match up {
            Some(u) => format!(
                "{{ lower = {}, upper = {}, change = {} }}",
                n(*lo),
                n(*u),
                n(*ch)
            ),
            None => format!("{{ lower = {}, change = {} }}", n(*lo), n(*ch)),
        })
        .collect::<Vec<_>>()
        .join(", ");
    Some(Steps {
        steps: format!("[{steps}]"),
        note: format!(
            "from {} (alarm threshold plus the step bounds)",
            provs.join("; ")
        ),
        extra,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_sanitized() {
        assert_eq!(sanitize("Bags Service"), "bags-service");
        assert_eq!(sanitize("⟨AWS::StackName⟩-bags"), "bags");
        assert_eq!(sanitize("storage_API"), "storage_api");
    }

    #[test]
    fn sample_paths_match_their_routes() {
        assert_eq!(sample("/bags/{proxy+}"), "/bags/example");
        assert_eq!(sample("/pets/{id}"), "/pets/1");
        assert_eq!(sample("/"), "/");
    }

    #[test]
    fn numbers_print_whole_when_whole() {
        assert_eq!(n(30.0), "30");
        assert_eq!(n(0.5), "0.5");
    }
}
