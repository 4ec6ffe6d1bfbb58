//! Choosing the API a scenario models (the first with routes that can be imported) and its
//! routes: each route's key, the integration it reaches, its authorization, and a request that
//! matches it.

use super::super::infra::*;
use super::context::Ctx;
use super::integration::{Target, resolve_integration};

/// A scenario route, resolved.
pub(super) struct RouteOut<'a> {
    pub(super) key: String,
    pub(super) method: String,
    pub(super) path: String,
    pub(super) route: &'a Route,
    pub(super) auth: bool,
    pub(super) integration: &'a Integration,
    pub(super) target: Target,
}

/// The API the scenario models, its routes and the one authorizer they use.
pub(super) struct Chosen<'a> {
    pub(super) api: &'a Api,
    pub(super) routes: Vec<RouteOut<'a>>,
    pub(super) authorizer: Option<&'a Authorizer>,
}

fn api_matches(reference: &str, api: &Api) -> bool {
    points_at(reference, &api.id)
}

/// The first API with importable routes; every other API is noted as not imported.
pub(super) fn choose_api<'a>(ctx: &mut Ctx<'a>) -> Option<Chosen<'a>> {
    let infra = ctx.infra;
    let mut chosen: Option<Chosen> = None;
    for api in &infra.apis {
        let (routes, authorizer) = api_routes(ctx, api);
        if routes.is_empty() {
            continue;
        }
        if chosen.is_none() {
            chosen = Some(Chosen {
                api,
                routes,
                authorizer,
            });
        } else {
            ctx.not_imported.push(format!(
                "{}: a scenario has one API Gateway; only the first API with routes is imported",
                api.prov
            ));
        }
    }
    for api in &infra.apis {
        if chosen.as_ref().is_none_or(|c| c.api.id != api.id)
            && !infra.routes.iter().any(|r| api_matches(&r.api, api))
        {
            ctx.not_imported
                .push(format!("{}: no routes or methods found for it", api.prov));
        }
    }
    chosen
}

/// `api`'s stages.
pub(super) fn api_stages<'a>(infra: &'a Infra, api: &'a Api) -> impl Iterator<Item = &'a Stage> {
    infra.stages.iter().filter(|st| api_matches(&st.api, api))
}

/// `api`'s importable routes (the first of each key) and the authorizer they use.
fn api_routes<'a>(ctx: &mut Ctx<'a>, api: &'a Api) -> (Vec<RouteOut<'a>>, Option<&'a Authorizer>) {
    let infra = ctx.infra;
    let vars = api_stages(infra, api)
        .find(|st| !st.variables.is_empty())
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
        let Some(integ) = route
            .integration
            .as_ref()
            .and_then(|r| infra.integrations.iter().find(|i| points_at(r, &i.id)))
        else {
            ctx.not_imported.push(format!(
                "{} (`{key}`): no integration found for it",
                route.prov
            ));
            continue;
        };
        let target = match resolve_integration(ctx, integ, &vars) {
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
        let auth = route_auth(ctx, route, &key, &mut authorizer);
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
    (outs, authorizer)
}

/// Whether `route` is imported with auth; sets the API's one `authorizer` from the first route
/// that names one.
fn route_auth<'a>(
    ctx: &mut Ctx<'a>,
    route: &Route,
    key: &str,
    authorizer: &mut Option<&'a Authorizer>,
) -> bool {
    let infra = ctx.infra;
    let left_out = |ctx: &mut Ctx, what: String| {
        ctx.not_imported.push(format!(
            "{} (`{key}`): {what}; imported without auth",
            route.prov
        ));
        false
    };
    match &route.auth {
        RouteAuth::None => false,
        RouteAuth::Authorizer(r) => match infra.authorizers.iter().find(|a| points_at(r, &a.id)) {
            Some(a) => {
                if let Some(x) = authorizer.filter(|x| x.id != a.id) {
                    ctx.not_imported.push(format!(
                        "{} (`{key}`): uses {}, but a scenario has one authorizer: {} is used",
                        route.prov, a.prov, x.prov
                    ));
                } else {
                    *authorizer = Some(a);
                }
                true
            }
            None => left_out(ctx, "its authorizer is not in the code".into()),
        },
        RouteAuth::Type(t) if t == "AWS_IAM" => {
            left_out(ctx, "IAM authorization is not modelled".into())
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
                    left_out(ctx, format!("authorization {t} is not modelled"))
                }
                None => left_out(
                    ctx,
                    format!("authorization {t} names no authorizer of the code"),
                ),
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_paths_match_their_routes() {
        assert_eq!(sample("/bags/{proxy+}"), "/bags/example");
        assert_eq!(sample("/pets/{id}"), "/pets/1");
        assert_eq!(sample("/"), "/");
    }
}
