//! The fitted scenario as TOML: a new scenario, or the fitted values merged into an existing
//! one with `toml_edit`, so its comments and layout stay.

use std::path::{Path, PathBuf};

use toml_edit::{Array, ArrayOfTables, DocumentMut, InlineTable, Item, Table, Value, value};

use super::estimate::{Choice, DistFit, quantiles};
use super::profile::Step;
use super::report::sig;
use super::{Fit, GroupFit, Kind, RouteFit, input::format_utc, route_pattern};

/// Order statistics an empirical fallback keeps.
pub const EMPIRICAL_POINTS: usize = 10_000;

/// The scenario text, the sample files it refers to, and what could not be done.
#[derive(Debug, Clone, Default)]
pub struct Emitted {
    /// The scenario.
    pub toml: String,
    /// Empirical sample files to write: path and CSV text.
    pub samples: Vec<(PathBuf, String)>,
    /// Notes for the user (what was left out or not merged, and why).
    pub notes: Vec<String>,
}

/// Letters, digits and `-` only, lower case: a file or target group name from a route key.
pub fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() { "root".into() } else { out }
}

fn num(x: f64) -> Value {
    let x = sig(x);
    if x.fract() == 0.0 && x.abs() < 1e15 {
        Value::from(x as i64)
    } else {
        Value::from(x)
    }
}

/// The distribution a fit chose, as the scenario writes it, and the CSV an empirical one needs.
fn dist(f: &DistFit, samples_dir: &Path, file_name: &str, out: &mut Emitted) -> InlineTable {
    let mut t = InlineTable::new();
    match (f.choice, &f.lognormal, &f.gamma) {
        (Choice::LogNormal, Some((l, _)), _) => {
            t.insert("dist", "lognormal".into());
            t.insert("median_ms", num(l.median_ms.value));
            t.insert("sigma", num(l.sigma));
        }
        (Choice::Gamma, _, Some((g, _))) => {
            t.insert("dist", "gamma".into());
            t.insert("mean_ms", num(g.mean_ms.value));
            t.insert("shape", num(g.shape.value));
        }
        _ => {
            let mut csv = String::from("latency_ms\n");
            for q in quantiles(&f.sorted, EMPIRICAL_POINTS) {
                csv.push_str(&format!("{q}\n"));
            }
            out.samples.push((samples_dir.join(file_name), csv));
            t.insert("dist", "empirical".into());
            t.insert("file", file_name.into());
        }
    }
    t
}

/// A source's rate: one step is `rate_rps`, more are a `profile` array, one point a line.
/// An existing `rate_rps` is replaced where it stands, so a merged file keeps its layout.
fn set_rate(table: &mut Table, steps: &[Step]) {
    table.remove("profile");
    if let [only] = steps {
        let decor = table
            .get("rate_rps")
            .and_then(Item::as_value)
            .map(|v| v.decor().clone());
        let mut v = num(only.rate());
        if let Some(d) = decor {
            *v.decor_mut() = d;
        }
        table["rate_rps"] = value(v);
        return;
    }
    table.remove("rate_rps");
    let mut arr = Array::new();
    for s in steps {
        let mut p = InlineTable::new();
        // Whole seconds, never rounded: they are times, not estimates.
        p.insert("at_s", (s.start_s as i64).into());
        p.insert("rate_rps", num(s.rate()));
        let mut v = Value::InlineTable(p);
        v.decor_mut().set_prefix("\n  ");
        arr.push_formatted(v);
    }
    arr.set_trailing("\n");
    arr.set_trailing_comma(true);
    table["profile"] = value(arr);
}

/// Tasks' workers: not in the logs. Twice the peak concurrency per target that Little's law
/// gives (peak rate × mean service time ÷ targets), so the simulated targets queue little more
/// than the measured ones, whose queueing is already inside the measured service time.
fn workers(fit: &Fit, g: &GroupFit, mean_ms: f64, targets: usize) -> i64 {
    let peak: f64 = fit
        .routes
        .iter()
        .filter(|r| r.group.as_deref() == Some(&g.name))
        .map(|r| r.steps.iter().map(Step::rate).fold(0.0, f64::max))
        .sum();
    let per_target = peak * mean_ms / 1000.0 / targets.max(1) as f64;
    ((2.0 * per_target).ceil() as i64).max(1)
}

fn mean_ms(f: &DistFit) -> f64 {
    f.sorted.iter().sum::<f64>() / f.sorted.len() as f64
}

fn header(fit: &Fit) -> String {
    let mut h = format!(
        "# Fitted by `simroute fit {}` from {} entries in {} file{} ({} to {}).\n",
        fit.kind.name(),
        fit.records,
        fit.files.len(),
        if fit.files.len() == 1 { "" } else { "s" },
        format_utc(fit.t0),
        format_utc(fit.end)
    );
    h.push_str(&format!(
        "# Rates: arrivals per {} s, adjacent intervals merged unless their rates differ\n# significantly (Poisson test). Time 0 is the first arrival's second.\n",
        fit.interval_s
    ));
    h
}

fn traffic_table(r: &RouteFit, target_group: Option<&str>) -> Table {
    let mut t = Table::new();
    t["name"] = value(r.key.clone());
    let method = if r.method == "ANY" { "GET" } else { &r.method };
    t["method"] = value(method);
    t["path"] = value(r.path.clone());
    if let Some(g) = target_group {
        t["target_group"] = value(g);
    }
    set_rate(&mut t, &r.steps);
    t
}

fn group_table(
    fit: &Fit,
    g: &GroupFit,
    f: &DistFit,
    targets: usize,
    service: InlineTable,
) -> Table {
    let mut t = Table::new();
    t["targets"] = value(targets as i64);
    let mut app = InlineTable::new();
    app.insert("workers", workers(fit, g, mean_ms(f), targets).into());
    if g.error_rate() > 0.0 {
        app.insert("error_rate", num(g.error_rate()));
    }
    app.insert("service", Value::InlineTable(service));
    t["app"] = value(app);
    t
}

const METHODS: [&str; 8] = [
    "GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS", "ANY",
];

/// A new scenario from the fit, named `name`, with empirical samples written to `samples_dir`
/// under names starting with `stem`.
pub fn standalone(fit: &Fit, name: &str, samples_dir: &Path, stem: &str) -> Emitted {
    let mut out = Emitted::default();
    let mut doc = DocumentMut::new();
    let mut sim = Table::new();
    sim.decor_mut().set_prefix(header(fit));
    sim["name"] = value(name);
    sim["duration_s"] = value((fit.end - fit.t0).max(1));
    doc["simulation"] = Item::Table(sim);
    let mut traffic = ArrayOfTables::new();
    let mut groups = Table::new();
    groups.set_implicit(true);
    let gateway = match fit.kind {
        Kind::Alb => {
            for g in &fit.groups {
                let Some(f) = &g.service else {
                    out.notes.push(format!(
                        "target group {}: no request reached a target, so there is no service time; left out",
                        g.name
                    ));
                    continue;
                };
                let service = dist(
                    f,
                    samples_dir,
                    &format!("{stem}-{}.csv", slug(&g.name)),
                    &mut out,
                );
                let mut t = group_table(fit, g, f, g.targets.max(1), service);
                t.decor_mut().set_prefix(format!(
                    "\n# {} targets seen in the logs. `workers` is not in the logs: set it (see docs/import.md).\n",
                    g.targets
                ));
                groups[g.name.as_str()] = Item::Table(t);
            }
            for r in &fit.routes {
                match &r.group {
                    Some(g) if groups.contains_key(g) => {
                        traffic.push(traffic_table(r, Some(g)));
                    }
                    _ => out.notes.push(format!(
                        "route {}: its requests reached no fitted target group; left out of [[traffic]]",
                        r.key
                    )),
                }
            }
            None
        }
        Kind::Apigateway => {
            let mut gateway = Table::new();
            gateway.decor_mut().set_prefix(
                "\n# kind: the logs do not say whether the API is REST or HTTP; HTTP is assumed.\n",
            );
            gateway["kind"] = value("http");
            if let Some(f) = &fit.overhead {
                gateway["latency"] = value(dist(
                    f,
                    samples_dir,
                    &format!("{stem}-gateway.csv"),
                    &mut out,
                ));
            }
            if let Some(f) = &fit.authorizer {
                let mut a = Table::new();
                a.decor_mut().set_prefix(
                    "\n# The authorizer's type is not in the logs; every logged call is fitted, so no cache.\n",
                );
                a["kind"] = value("lambda");
                a["latency"] = value(dist(
                    f,
                    samples_dir,
                    &format!("{stem}-authorizer.csv"),
                    &mut out,
                ));
                a["cache_ttl_s"] = value(0);
                gateway["authorizer"] = Item::Table(a);
            }
            let mut routes = ArrayOfTables::new();
            let mut used = std::collections::BTreeSet::new();
            for r in &fit.routes {
                let method_ok = r.key == "$default"
                    || r.key
                        .split_once(' ')
                        .is_some_and(|(m, p)| METHODS.contains(&m) && p.starts_with('/'));
                let g = fit.groups.iter().find(|g| g.name == r.key);
                let (Some(g), true) = (g, method_ok) else {
                    out.notes.push(format!(
                        "route {}: not a route key simroute takes; left out",
                        r.key
                    ));
                    continue;
                };
                let Some(f) = &g.service else {
                    out.notes.push(format!(
                        "route {}: no request reached the integration, so there is no latency to fit; left out",
                        r.key
                    ));
                    continue;
                };
                let mut tg = slug(&r.key);
                while used.contains(&tg) {
                    tg.push('x');
                }
                used.insert(tg.clone());
                let service = dist(f, samples_dir, &format!("{stem}-{tg}.csv"), &mut out);
                let mut t = group_table(fit, g, f, 1, service);
                t.decor_mut().set_prefix(format!(
                    "\n# Route {}: the integration latency (VPC link, load balancer, task) as the service time.\n",
                    r.key
                ));
                groups[tg.as_str()] = Item::Table(t);
                let mut route = Table::new();
                route["route"] = value(r.key.clone());
                if r.authorized_share > 0.5 && fit.authorizer.is_some() {
                    route["auth"] = value(true);
                }
                let mut integration = InlineTable::new();
                integration.insert("target_group", tg.as_str().into());
                route["integration"] = value(integration);
                routes.push(route);
                traffic.push(traffic_table(r, None));
            }
            gateway["routes"] = Item::ArrayOfTables(routes);
            Some(gateway)
        }
    };
    // The documented order: simulation, traffic, gateway, target groups.
    doc["traffic"] = Item::ArrayOfTables(traffic);
    if let Some(g) = gateway {
        doc["gateway"] = Item::Table(g);
    }
    doc["target_groups"] = Item::Table(groups);
    out.toml = doc.to_string();
    if !out.toml.ends_with('\n') {
        out.toml.push('\n');
    }
    out
}

/// Whether a request path fits a route's path template: `{name}` stands for one non-empty
/// segment, a last `{name+}` for one or more; other segments must be equal. `/orders/17` fits
/// `/orders/{id}` and `/pets/dog-42` fits `/pets/{proxy+}`.
pub fn template_matches(template: &str, path: &str) -> bool {
    let path = route_pattern(path);
    let t: Vec<&str> = template.trim_end_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    for (i, seg) in t.iter().enumerate() {
        if seg.starts_with('{') && seg.ends_with("+}") {
            return i == t.len() - 1 && p.len() > i && p[i..].iter().all(|s| !s.is_empty());
        }
        match p.get(i) {
            Some(ps) if seg.starts_with('{') && seg.ends_with('}') && !ps.is_empty() => {}
            Some(ps) if ps == seg => {}
            _ => return false,
        }
    }
    t.len() == p.len()
}

/// Finds the `[[traffic]]` entry for a route: the same name, else the first with the route's
/// method (any, for `ANY`) and a path that fits the route's template ([`template_matches`]).
fn find_traffic<'a>(doc: &'a mut DocumentMut, r: &RouteFit) -> Option<&'a mut Table> {
    let aot = doc.get_mut("traffic")?.as_array_of_tables_mut()?;
    let by_name = aot
        .iter()
        .position(|t| t.get("name").and_then(Item::as_str) == Some(r.key.as_str()));
    let by_path = || {
        aot.iter().position(|t| {
            let m = t.get("method").and_then(Item::as_str).unwrap_or("GET");
            let p = t.get("path").and_then(Item::as_str).unwrap_or("/");
            (m == r.method || r.method == "ANY") && template_matches(&r.path, p)
        })
    };
    let i = by_name.or_else(by_path)?;
    aot.get_mut(i)
}

fn set_service(doc: &mut DocumentMut, group: &str, service: InlineTable) -> bool {
    let Some(app) = doc
        .get_mut("target_groups")
        .and_then(|t| t.get_mut(group))
        .and_then(|g| g.get_mut("app"))
    else {
        return false;
    };
    match app {
        Item::Table(t) => t["service"] = value(service),
        Item::Value(Value::InlineTable(t)) => {
            t.insert("service", Value::InlineTable(service));
        }
        _ => return false,
    }
    true
}

/// `text` (a scenario) with the fitted values merged in: service distributions of target
/// groups with the same name (ALB) or behind the route's `target_group` integration (API
/// Gateway), the rates of `[[traffic]]` entries named after a route or with its method and
/// path, and the gateway's and authorizer's latencies. Anything without a counterpart is left
/// out and noted.
pub fn merge_into(
    fit: &Fit,
    text: &str,
    samples_dir: &Path,
    stem: &str,
) -> anyhow::Result<Emitted> {
    let mut out = Emitted::default();
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e| anyhow::anyhow!("--into: not a TOML file: {e}"))?;
    match fit.kind {
        Kind::Alb => {
            for g in &fit.groups {
                let Some(f) = &g.service else { continue };
                let service = dist(
                    f,
                    samples_dir,
                    &format!("{stem}-{}.csv", slug(&g.name)),
                    &mut out,
                );
                if set_service(&mut doc, &g.name, service) {
                    out.notes
                        .push(format!("target group {}: service merged", g.name));
                } else {
                    out.samples
                        .retain(|(p, _)| !p.ends_with(format!("{stem}-{}.csv", slug(&g.name))));
                    out.notes.push(format!(
                        "target group {}: no [target_groups.{}] with an `app` in the scenario; not merged",
                        g.name, g.name
                    ));
                }
            }
        }
        Kind::Apigateway => {
            let has_gateway = doc.get("gateway").is_some_and(Item::is_table_like);
            if let (Some(f), true) = (&fit.overhead, has_gateway) {
                let d = dist(f, samples_dir, &format!("{stem}-gateway.csv"), &mut out);
                doc["gateway"]["latency"] = value(d);
                out.notes.push("gateway latency merged".into());
            }
            if let Some(f) = &fit.authorizer {
                let has_auth = doc
                    .get("gateway")
                    .and_then(|g| g.get("authorizer"))
                    .is_some_and(Item::is_table_like);
                if has_auth {
                    let d = dist(f, samples_dir, &format!("{stem}-authorizer.csv"), &mut out);
                    doc["gateway"]["authorizer"]["latency"] = value(d);
                    out.notes.push("authorizer latency merged".into());
                } else {
                    out.notes.push(
                        "authorizer latency: no [gateway.authorizer] in the scenario; not merged"
                            .into(),
                    );
                }
            }
            for g in &fit.groups {
                let Some(f) = &g.service else { continue };
                let target = doc
                    .get("gateway")
                    .and_then(|gw| gw.get("routes"))
                    .and_then(Item::as_array_of_tables)
                    .and_then(|routes| {
                        routes.iter().find(|t| {
                            t.get("route").and_then(Item::as_str) == Some(g.name.as_str())
                        })
                    })
                    .and_then(|t| t.get("integration"))
                    .and_then(|i| i.get("target_group"))
                    .and_then(Item::as_str)
                    .map(str::to_string);
                match target {
                    Some(tg) => {
                        let service = dist(f, samples_dir, &format!("{stem}-{}.csv", slug(&tg)), &mut out);
                        if set_service(&mut doc, &tg, service) {
                            out.notes.push(format!("route {}: integration latency merged as target group {tg}'s service", g.name));
                        }
                    }
                    None => out.notes.push(format!(
                        "route {}: no [[gateway.routes]] with this route and a `target_group` integration; integration latency not merged",
                        g.name
                    )),
                }
            }
        }
    }
    for r in &fit.routes {
        if fit.kind == Kind::Alb && r.group.is_none() {
            continue;
        }
        match find_traffic(&mut doc, r) {
            Some(t) => {
                set_rate(t, &r.steps);
                out.notes.push(format!("route {}: rate merged", r.key));
            }
            None => out.notes.push(format!(
                "route {}: no [[traffic]] named after it or with its method and path; rate not merged",
                r.key
            )),
        }
    }
    let last_step = fit
        .routes
        .iter()
        .filter_map(|r| r.steps.last())
        .map(|s| s.start_s)
        .fold(0.0, f64::max);
    let span = fit.end - fit.t0;
    if let Some(d) = doc
        .get("simulation")
        .and_then(|s| s.get("duration_s"))
        .and_then(|d| d.as_float().or_else(|| d.as_integer().map(|i| i as f64)))
        && d <= last_step
    {
        out.notes.push(format!(
            "simulation.duration_s is {d}; the logs span {span} s, so the later steps are not simulated"
        ));
    }
    out.toml = doc.to_string();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates() {
        assert!(template_matches("/orders/{id}", "/orders/17"));
        assert!(template_matches("/orders/{id}", "/orders/{id}"));
        assert!(!template_matches("/orders/{id}", "/orders/17/items"));
        assert!(template_matches("/pets/{proxy+}", "/pets/dog-42"));
        assert!(template_matches("/pets/{proxy+}", "/pets/dog/toys"));
        assert!(!template_matches("/pets/{proxy+}", "/pets"));
        assert!(template_matches("/", "/"));
        assert!(!template_matches("/food", "/pets"));
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("GET /pets/{id}"), "get-pets-id");
        assert_eq!(slug("$default"), "default");
        assert_eq!(slug("my-targets"), "my-targets");
        assert_eq!(slug("/"), "root");
    }

    #[test]
    fn profile_is_one_point_per_line() {
        let mut t = Table::new();
        t["rate_rps"] = value(5);
        let steps = [
            Step {
                start_s: 0.0,
                width_s: 60.0,
                count: 600,
            },
            Step {
                start_s: 60.0,
                width_s: 60.0,
                count: 1500,
            },
        ];
        set_rate(&mut t, &steps);
        assert!(!t.contains_key("rate_rps"));
        let mut doc = DocumentMut::new();
        doc["t"] = Item::Table(t);
        assert_eq!(
            doc.to_string(),
            "[t]\nprofile = [\n  { at_s = 0, rate_rps = 10 },\n  { at_s = 60, rate_rps = 25 },\n]\n"
        );
    }
}
