//! Load balancer listeners: NLB listeners (a port forwarding to a target group) and ALB
//! listeners (protocol, rules, default action), checked against the documented limits and
//! turned into rule tables that each traffic source is resolved against once.

use super::super::error::{ScenarioError, join_path};
use super::super::schema::{
    ListenerProtocol, LoadBalancerKind, RawAction, RawListener, RawLoadBalancer, RawRule,
    RawScenario, RawTraffic,
};
use super::super::{AlbAction, AlbPath};
use crate::model::listener_rules::{self, Conditions, Request, Rule};
use crate::vocab::Failure;

/// ALB limits (ELB user guide, "Listener rules" / "Condition types for listener rules";
/// reference §4): priorities 1–50000; at most 3 match evaluations per condition, 5 per rule,
/// 5 wildcards per rule; values at most 128 characters, header names 40.
const MAX_PRIORITY: u32 = 50_000;
const MAX_VALUES_PER_CONDITION: usize = 3;
const MAX_EVALUATIONS_PER_RULE: usize = 5;
const MAX_WILDCARDS_PER_RULE: usize = 5;
const MAX_VALUE_LEN: usize = 128;
const MAX_HEADER_NAME_LEN: usize = 40;

/// The keep-alive race window (reference §8): a target closes an idle connection at its
/// keep-alive timeout, and a request the ALB sends on that connection before the FIN reaches it
/// meets a closed socket (RST ⇒ 502). The ALB learns of the close one network trip after it
/// happens; connections older than that are known closed and not reused. No figure is
/// documented; 1 ms is an in-Region round trip between zones (same-zone trips are ~0.1–0.5 ms),
/// so the model errs towards more races (assumed).
pub(super) const KEEPALIVE_RACE_WINDOW: crate::engine::Nanos = 1_000_000;

/// A checked listener.
#[derive(Debug, Clone)]
pub(super) struct Listener {
    pub port: u16,
    /// HTTPS (ALB only).
    pub https: bool,
    /// ALB rules (empty for an NLB).
    pub rules: Vec<Rule<AlbAction>>,
    /// The default action (an NLB's: forward to its target group).
    pub default: AlbAction,
    /// The group a gateway route reaching this listener reports (`Route::group`).
    pub group: u32,
}

/// An ALB listener's protocol: its own, else HTTPS on port 443 and HTTP on any other.
pub(super) fn protocol(l: &RawListener) -> ListenerProtocol {
    l.protocol.unwrap_or(if l.port == 443 {
        ListenerProtocol::Https
    } else {
        ListenerProtocol::Http
    })
}

/// The load balancer each group is behind, and its kind.
pub(super) type GroupOwners = Vec<Option<(u32, LoadBalancerKind)>>;

/// Checks the listeners of load balancer `li` and notes which groups are behind it.
pub(super) fn listeners(
    raw: &RawScenario,
    li: u32,
    lb: &RawLoadBalancer,
    path: &str,
    group_index: &dyn Fn(&str, &str) -> Result<u32, ScenarioError>,
    owners: &mut GroupOwners,
) -> Result<Vec<Listener>, ScenarioError> {
    let alb = lb.kind == LoadBalancerKind::Alb;
    if !alb {
        for (field, present) in [
            ("idle_timeout_s", lb.idle_timeout_s.is_some()),
            ("tls_latency", lb.tls_latency.is_some()),
        ] {
            if present {
                return Err(ScenarioError::at(
                    join_path(path, field),
                    format!("`{field}` applies to kind = \"alb\" only"),
                ));
            }
        }
    }
    let mut own = |g: u32, gpath: &str| -> Result<(), ScenarioError> {
        match owners[g as usize] {
            Some((other, kind)) if other != li || kind != lb.kind => Err(ScenarioError::at(
                gpath,
                format!(
                    "target group {:?} is already behind load balancer {:?}: a target group \
                     serves one load balancer (ELB quota \"load balancers per target group: 1\")",
                    raw.target_groups
                        .get_index(g as usize)
                        .map_or("", |(n, _)| n),
                    raw.load_balancers
                        .get_index(other as usize)
                        .map_or("", |(n, _)| n)
                ),
            )),
            _ => {
                owners[g as usize] = Some((li, lb.kind));
                Ok(())
            }
        }
    };
    let mut out = Vec::with_capacity(lb.listeners.len());
    for (i, l) in lb.listeners.iter().enumerate() {
        let lpath = join_path(&join_path(path, "listeners"), i);
        let p = |f: &str| join_path(&lpath, f);
        if l.port == 0 {
            return Err(ScenarioError::at(p("port"), "must be 1 to 65535"));
        }
        if lb.listeners[..i].iter().any(|o| o.port == l.port) {
            return Err(ScenarioError::at(
                p("port"),
                format!("another listener already uses port {}", l.port),
            ));
        }
        if !alb {
            out.push(nlb_listener(l, &lpath, group_index, &mut own)?);
            continue;
        }
        let https = match l.protocol {
            Some(ListenerProtocol::Tcp) => {
                return Err(ScenarioError::at(
                    p("protocol"),
                    "ALB listeners are \"http\" or \"https\" (TCP listeners are NLB's)",
                ));
            }
            _ => protocol(l) == ListenerProtocol::Https,
        };
        let default = match (&l.target_group, &l.default_action) {
            (Some(tg), None) => {
                let g = group_index(tg, &p("target_group"))?;
                own(g, &p("target_group"))?;
                AlbAction::Forward { group: g }
            }
            (None, Some(a)) => action(a, &p("default_action"), group_index, &mut own)?,
            _ => {
                return Err(ScenarioError::at(
                    p("target_group"),
                    "an ALB listener needs exactly one default: `target_group = \"...\"` or \
                     `default_action = { ... }`",
                ));
            }
        };
        let mut rules = Vec::with_capacity(l.rules.len());
        for (r, rule) in l.rules.iter().enumerate() {
            let rpath = join_path(&p("rules"), r);
            rules.push(checked_rule(rule, &rpath, group_index, &mut own)?);
            if l.rules[..r].iter().any(|o| o.priority == rule.priority) {
                return Err(ScenarioError::at(
                    join_path(&rpath, "priority"),
                    format!(
                        "another rule of this listener already has priority {}",
                        rule.priority
                    ),
                ));
            }
        }
        rules.sort_by_key(|r: &Rule<AlbAction>| r.priority);
        let group = std::iter::once(&default)
            .chain(rules.iter().map(|r| &r.action))
            .find_map(|a| match a {
                AlbAction::Forward { group } => Some(*group),
                AlbAction::Respond { .. } => None,
            })
            .unwrap_or(0);
        out.push(Listener {
            port: l.port,
            https,
            rules,
            default,
            group,
        });
    }
    Ok(out)
}

/// An NLB listener: layer 4, a port forwarded to one target group, no rules or actions.
fn nlb_listener(
    l: &RawListener,
    lpath: &str,
    group_index: &dyn Fn(&str, &str) -> Result<u32, ScenarioError>,
    own: &mut dyn FnMut(u32, &str) -> Result<(), ScenarioError>,
) -> Result<Listener, ScenarioError> {
    let p = |f: &str| join_path(lpath, f);
    if !l.rules.is_empty() {
        return Err(ScenarioError::at(
            p("rules"),
            "an NLB listener has no rules (layer 4: it forwards the port to one target \
             group); use kind = \"alb\" for HTTP rules",
        ));
    }
    if l.default_action.is_some() {
        return Err(ScenarioError::at(
            p("default_action"),
            "an NLB listener forwards to its `target_group`; default actions are ALB's",
        ));
    }
    if matches!(
        l.protocol,
        Some(ListenerProtocol::Http | ListenerProtocol::Https)
    ) {
        return Err(ScenarioError::at(
            p("protocol"),
            "NLB listeners here are TCP (layer 4); HTTP and HTTPS listeners are ALB's",
        ));
    }
    let Some(tg) = &l.target_group else {
        return Err(ScenarioError::at(
            p("target_group"),
            "an NLB listener needs the target group it forwards to",
        ));
    };
    let g = group_index(tg, &p("target_group"))?;
    own(g, &p("target_group"))?;
    Ok(Listener {
        port: l.port,
        https: false,
        rules: Vec::new(),
        default: AlbAction::Forward { group: g },
        group: g,
    })
}

fn checked_rule(
    rule: &RawRule,
    path: &str,
    group_index: &dyn Fn(&str, &str) -> Result<u32, ScenarioError>,
    own: &mut dyn FnMut(u32, &str) -> Result<(), ScenarioError>,
) -> Result<Rule<AlbAction>, ScenarioError> {
    let p = |f: &str| join_path(path, f);
    if !(1..=MAX_PRIORITY).contains(&rule.priority) {
        return Err(ScenarioError::at(
            p("priority"),
            format!("must be from 1 to {MAX_PRIORITY} (got {})", rule.priority),
        ));
    }
    let c = &rule.conditions;
    let cpath = p("conditions");
    let conditions = Conditions {
        host: c.host.clone(),
        path: c.path.clone(),
        method: c.method.clone(),
        header: c
            .header
            .as_ref()
            .map(|h| (h.name.clone(), h.values.clone())),
        query: c.query.as_ref().map(|q| (q.key.clone(), q.value.clone())),
    };
    if conditions.is_empty() {
        return Err(ScenarioError::at(
            cpath,
            "a rule needs at least one condition (host, path, method, header or query); \
             what no rule matches goes to the listener's default action",
        ));
    }
    let lists: [(&str, &[String]); 4] = [
        ("host", &c.host),
        ("path", &c.path),
        ("method", &c.method),
        (
            "header.values",
            c.header.as_ref().map_or(&[][..], |h| &h.values),
        ),
    ];
    for (field, values) in lists {
        let fpath = join_path(&cpath, field);
        if c.header.is_some() && field == "header.values" && values.is_empty() {
            return Err(ScenarioError::at(fpath, "needs at least one value"));
        }
        if values.len() > MAX_VALUES_PER_CONDITION {
            return Err(ScenarioError::at(
                fpath,
                format!(
                    "at most {MAX_VALUES_PER_CONDITION} values per condition (got {}); AWS \
                     allows 3 match evaluations per condition",
                    values.len()
                ),
            ));
        }
        for (i, v) in values.iter().enumerate() {
            if v.is_empty() || v.len() > MAX_VALUE_LEN {
                return Err(ScenarioError::at(
                    join_path(&fpath, i),
                    format!("must be 1 to {MAX_VALUE_LEN} characters (got {:?})", v),
                ));
            }
            if field == "method"
                && !v
                    .chars()
                    .all(|ch| ch.is_ascii_uppercase() || ch == '-' || ch == '_')
            {
                return Err(ScenarioError::at(
                    join_path(&fpath, i),
                    format!(
                        "methods are A-Z, '-' and '_' (compared case-sensitively; no \
                         wildcards) (got {v:?})"
                    ),
                ));
            }
        }
    }
    if let Some(h) = &c.header
        && (h.name.is_empty()
            || h.name.len() > MAX_HEADER_NAME_LEN
            || h.name.contains(['*', '?'])
            || h.name.eq_ignore_ascii_case("host"))
    {
        return Err(ScenarioError::at(
            join_path(&cpath, "header.name"),
            format!(
                "a header name of 1 to {MAX_HEADER_NAME_LEN} characters, no wildcards, not \
                 `Host` (use a host condition) (got {:?})",
                h.name
            ),
        ));
    }
    if conditions.evaluations() > MAX_EVALUATIONS_PER_RULE {
        return Err(ScenarioError::at(
            cpath,
            format!(
                "at most {MAX_EVALUATIONS_PER_RULE} match evaluations (values) per rule (got {})",
                conditions.evaluations()
            ),
        ));
    }
    if conditions.wildcards() > MAX_WILDCARDS_PER_RULE {
        return Err(ScenarioError::at(
            cpath,
            format!(
                "at most {MAX_WILDCARDS_PER_RULE} wildcards per rule (got {})",
                conditions.wildcards()
            ),
        ));
    }
    Ok(Rule {
        priority: rule.priority,
        conditions,
        action: action(&rule.action, &p("action"), group_index, own)?,
    })
}

/// A checked action.
fn action(
    a: &RawAction,
    path: &str,
    group_index: &dyn Fn(&str, &str) -> Result<u32, ScenarioError>,
    own: &mut dyn FnMut(u32, &str) -> Result<(), ScenarioError>,
) -> Result<AlbAction, ScenarioError> {
    let p = |f: &str| join_path(path, f);
    match (&a.target_group, &a.fixed_response, &a.redirect) {
        (Some(tg), None, None) => {
            let g = group_index(tg, &p("target_group"))?;
            own(g, &p("target_group"))?;
            Ok(AlbAction::Forward { group: g })
        }
        (None, Some(f), None) => {
            let status = f.status;
            let failure = match status {
                200..=299 => None,
                _ => Some(
                    Failure::ALL
                        .into_iter()
                        .find(|c| c.status() == Some(status))
                        .filter(|_| (400..=599).contains(&status))
                        .ok_or_else(|| {
                            ScenarioError::at(
                                p("fixed_response.status"),
                                format!(
                                    "a fixed response is 2xx, or a 4xx/5xx the outputs have a \
                                     cause for ({}) (got {status})",
                                    Failure::ALL
                                        .iter()
                                        .filter_map(|c| c.status())
                                        .map(|s| s.to_string())
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                ),
                            )
                        })?,
                ),
            };
            Ok(AlbAction::Respond { failure })
        }
        (None, None, Some(r)) => {
            if !matches!(r.status, 301 | 302) {
                return Err(ScenarioError::at(
                    p("redirect.status"),
                    format!("an ALB redirect is 301 or 302 (got {})", r.status),
                ));
            }
            Ok(AlbAction::Respond { failure: None })
        }
        _ => Err(ScenarioError::at(
            path,
            "an action is exactly one of { target_group = \"...\" }, { fixed_response = { \
             status } } or { redirect = { status } }",
        )),
    }
}

/// What the listener does with `t`'s requests. `plain_http_to_https`: API Gateway sends plain
/// HTTP to this HTTPS listener (no TLS config), which the ALB answers with 400 whatever the
/// rules say.
pub(super) fn path_of(
    t: &RawTraffic,
    lb: u32,
    listener: &Listener,
    plain_http_to_https: bool,
) -> AlbPath {
    let action = if plain_http_to_https {
        AlbAction::Respond {
            failure: Some(Failure::BadRequest400),
        }
    } else {
        let pairs = |m: &indexmap::IndexMap<String, String>| -> Vec<(String, String)> {
            m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
        };
        let (headers, query) = (pairs(&t.headers), pairs(&t.query));
        let req = Request {
            host: t.host.as_deref().unwrap_or(""),
            path: &t.path,
            method: &t.method,
            headers: &headers,
            query: &query,
        };
        *listener_rules::select(&listener.rules, &listener.default, &req)
    };
    AlbPath {
        load_balancer: lb,
        https: listener.https,
        action,
    }
}
