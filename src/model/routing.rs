//! API Gateway route matching: which route of an API a `(method, path)` request selects.
//!
//! A route key is `"METHOD /path"` (METHOD is `GET`, `PUT`, `POST`, `DELETE`, `PATCH`, `HEAD`,
//! `OPTIONS` or `ANY`) or, for HTTP APIs only, `"$default"`. A path segment is a literal, a
//! `{param}` (exactly one non-empty segment) or a final greedy `{proxy+}` (one or more segments).
//!
//! Matching runs once per traffic source when a scenario is loaded (a source has a fixed method
//! and path), so this module is written for clarity, not speed.
//!
//! # Precedence
//!
//! **HTTP APIs** (AWS, "Create routes for HTTP APIs", section "Routing API requests",
//! <https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html>):
//! "API Gateway selects the route with the most-specific match, using the following priorities:"
//! (1) "Full match for a route and method", (2) "Match for a route and method with a greedy path
//! variable (`{proxy+}`)", (3) "The `$default` route"; "If no routes match a request, API Gateway
//! returns `{"message":"Not Found"}`". The same page says `ANY` matches "all methods that you
//! haven't defined for a resource"; its worked example (`GET /pets/dog/{id}`,
//! `GET /pets/{proxy+}`, `ANY /{proxy+}`, `$default`) is `http_api_doc_example_on_its_own` below.
//! So the order here is:
//!
//! 1. routes without a greedy variable before routes with one;
//! 2. then the more specific path: comparing segment by segment from the left, at the first
//!    position where the two differ a literal beats `{param}`, which beats `{proxy+}` (this makes
//!    a longer greedy prefix beat a shorter one);
//! 3. then an exact method before `ANY`;
//! 4. `$default` only when nothing else matched; then 404.
//!
//! The page does not rank a literal against a `{param}` at the same position, nor an `ANY` route
//! on a more specific path against an exact method on a less specific one; rules 2 and 3 (path
//! first, then method) are the most-specific reading that agrees with all of its examples.
//!
//! **REST APIs** (AWS, "Set up a method request", section "Use a proxy resource",
//! <https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-settings-method-request.html>):
//! "a method request against a specific resource takes precedence over a method request against
//! a generic resource at the same level of the resource hierarchy." Resources form a tree, so the
//! order is rule 2 (without rule 1: there are no tiers), then rule 3. Precedence is between
//! *method requests* (resource + verb): a resource that has no method for the request's verb does
//! not capture it, and a less specific resource that does serves it. The same page's sentence
//! that `/{proxy+}` covers "any resources under the root resource except for the `/parent[/*]`
//! resources" is therefore read as "except where a `/parent` resource has a matching method":
//! requests measured on real REST APIs agree (ministackorg/ministack PR #1423, eu-central-1:
//! `POST /jobs/reboot` with only `GET /jobs/{operation_type}` is served by `ANY /{proxy+}`;
//! floci-io/floci PR #3399: `GET /users/me` with only `PATCH /users/me` is served by
//! `GET /users/{userId}`). REST APIs have no `$default` route; an unmatched request gets **403**
//! `MISSING_AUTHENTICATION_TOKEN` (gateway response types, reference section 1, S5).
//!
//! The same REST page rules that a resource has at most one variable child ("A sibling ... already
//! has a variable path part -- only one is allowed"), so `/pets/{id}` next to `/pets/{proxy+}` is
//! rejected for REST and allowed for HTTP APIs.
//!
//! # Request paths
//!
//! Undocumented, and modelled as follows: a query string (`?…`) is ignored; one trailing slash is
//! ignored (`/pets/` is `/pets`; field reports disagree on whether AWS does this, and a source
//! written with a trailing slash almost always means the path without it); `{proxy+}` needs at
//! least one non-empty segment, so `ANY /{proxy+}` does not match `/` (a long-standing field
//! report, logandk/serverless-wsgi #20). Methods are compared case-sensitively; a request method
//! outside the seven above matches only `$default`.

use std::fmt;

use crate::vocab::ApiKind;

/// The outcome of matching one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// The request selects the route at this index of the keys given to [`RouteTable::new`].
    Route(u32),
    /// Nothing matched; API Gateway answers `status` (see [`ApiKind::no_route_status`]).
    NoRoute {
        /// 404 for HTTP APIs, 403 for REST APIs.
        status: u16,
    },
}

/// A rejected route key: which one and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteError {
    /// Position of the key in the slice given to [`RouteTable::new`], so the scenario loader can
    /// point at `gateway.routes.<index>.route`.
    pub index: usize,
    /// The key as written.
    pub key: String,
    /// The rule it broke, in plain words.
    pub message: String,
}

impl fmt::Display for RouteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "route `{}`: {}", self.key, self.message)
    }
}

impl std::error::Error for RouteError {}

/// The HTTP methods API Gateway routes on (what `ANY` stands for).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Get,
    Put,
    Post,
    Delete,
    Patch,
    Head,
    Options,
}

impl Method {
    fn parse(s: &str) -> Option<Method> {
        Some(match s {
            "GET" => Method::Get,
            "PUT" => Method::Put,
            "POST" => Method::Post,
            "DELETE" => Method::Delete,
            "PATCH" => Method::Patch,
            "HEAD" => Method::Head,
            "OPTIONS" => Method::Options,
            _ => return None,
        })
    }
}

/// The method part of a route key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MethodSpec {
    Exact(Method),
    Any,
}

impl MethodSpec {
    fn accepts(self, method: Method) -> bool {
        match self {
            MethodSpec::Exact(m) => m == method,
            MethodSpec::Any => true,
        }
    }
}

/// One segment of a route path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
    Greedy(String),
}

impl Segment {
    /// Specificity of the segment kind: a literal beats a `{param}`, which beats `{proxy+}`.
    fn rank(&self) -> u8 {
        match self {
            Segment::Literal(_) => 2,
            Segment::Param(_) => 1,
            Segment::Greedy(_) => 0,
        }
    }

    fn is_variable(&self) -> bool {
        !matches!(self, Segment::Literal(_))
    }

    /// Same kind and, for literals, same text: the segments match the same request segments.
    fn same_shape(&self, other: &Segment) -> bool {
        match (self, other) {
            (Segment::Literal(a), Segment::Literal(b)) => a == b,
            (a, b) => a.rank() == b.rank(),
        }
    }

    fn text(&self) -> String {
        match self {
            Segment::Literal(s) => s.clone(),
            Segment::Param(s) => format!("{{{s}}}"),
            Segment::Greedy(s) => format!("{{{s}+}}"),
        }
    }
}

/// A parsed `METHOD /path` route.
#[derive(Debug, Clone)]
struct PathRoute {
    /// Index of the key in the caller's slice.
    index: u32,
    method: MethodSpec,
    segments: Vec<Segment>,
}

impl PathRoute {
    fn is_greedy(&self) -> bool {
        matches!(self.segments.last(), Some(Segment::Greedy(_)))
    }

    /// Whether the route's path matches the request's segments (the method is checked apart).
    fn matches_path(&self, request: &[&str]) -> bool {
        for (i, segment) in self.segments.iter().enumerate() {
            match segment {
                // One or more segments, not all empty: `/a/{proxy+}` does not match `/a//`.
                Segment::Greedy(_) => {
                    return request
                        .get(i..)
                        .is_some_and(|rest| rest.iter().any(|s| !s.is_empty()));
                }
                Segment::Literal(text) => {
                    if request.get(i) != Some(&text.as_str()) {
                        return false;
                    }
                }
                Segment::Param(_) => {
                    if request.get(i).is_none_or(|s| s.is_empty()) {
                        return false;
                    }
                }
            }
        }
        request.len() == self.segments.len()
    }

    /// `Greater` when `self` is the more specific path. Two paths that both match one request and
    /// differ in shape always differ in kind at some position before either runs out (literals at
    /// one position must both equal the request's segment), so the left-to-right comparison
    /// decides; the length comparison only orders same-shape paths, which never coexist with the
    /// same method.
    fn cmp_path(&self, other: &PathRoute) -> std::cmp::Ordering {
        self.segments
            .iter()
            .map(Segment::rank)
            .cmp(other.segments.iter().map(Segment::rank))
    }

    /// `Greater` when `self` takes precedence over `other` for a request both match.
    fn cmp_precedence(&self, other: &PathRoute, kind: ApiKind) -> std::cmp::Ordering {
        let tier = match kind {
            // Full matches before greedy matches (the documented HTTP API tiers).
            ApiKind::Http => other.is_greedy().cmp(&self.is_greedy()),
            ApiKind::Rest => std::cmp::Ordering::Equal,
        };
        let exact = |r: &PathRoute| matches!(r.method, MethodSpec::Exact(_));
        tier.then_with(|| self.cmp_path(other))
            .then_with(|| exact(self).cmp(&exact(other)))
    }

    fn same_shape(&self, other: &PathRoute) -> bool {
        self.segments.len() == other.segments.len()
            && self
                .segments
                .iter()
                .zip(&other.segments)
                .all(|(a, b)| a.same_shape(b))
    }
}

/// The routes of one API, checked and ready to match requests.
#[derive(Debug, Clone)]
pub struct RouteTable {
    kind: ApiKind,
    routes: Vec<PathRoute>,
    default: Option<u32>,
}

impl RouteTable {
    /// Parses and checks `keys`; route `i` of the result is `keys[i]`.
    ///
    /// Rejects an unknown or lower-case method, a path not starting with `/`, an empty segment
    /// (`//` or a trailing `/`), a variable that is not a whole segment, an empty or repeated
    /// variable name, `{proxy+}` before the last segment, `$default` in a REST API, two routes
    /// that match exactly the same requests, and (REST only) two different variables as children
    /// of one resource.
    pub fn new(keys: &[&str], kind: ApiKind) -> Result<RouteTable, RouteError> {
        let mut routes: Vec<PathRoute> = Vec::with_capacity(keys.len());
        let mut default = None;
        for (index, key) in keys.iter().enumerate() {
            let fail = |message: String| RouteError {
                index,
                key: (*key).to_string(),
                message,
            };
            let idx = u32::try_from(index).map_err(|_| fail("too many routes".into()))?;
            if *key == "$default" {
                if kind == ApiKind::Rest {
                    return Err(fail(
                        "REST APIs have no `$default` route; use `ANY /{proxy+}` as a catch-all"
                            .into(),
                    ));
                }
                if let Some(first) = default {
                    return Err(fail(format!("duplicate `$default` (route {first} is one)")));
                }
                default = Some(idx);
                continue;
            }
            let route = parse_key(key, idx).map_err(fail)?;
            for other in &routes {
                if other.method == route.method && other.same_shape(&route) {
                    return Err(fail(format!(
                        "matches exactly the same requests as route {} `{}`",
                        other.index, keys[other.index as usize]
                    )));
                }
                if kind == ApiKind::Rest
                    && let Some(message) = rest_sibling_conflict(other, &route)
                {
                    return Err(fail(format!(
                        "{message} (with route {} `{}`)",
                        other.index, keys[other.index as usize]
                    )));
                }
            }
            routes.push(route);
        }
        Ok(RouteTable {
            kind,
            routes,
            default,
        })
    }

    /// The route a `method` request to `path` selects, by the precedence in the module docs.
    pub fn route(&self, method: &str, path: &str) -> Match {
        let request = request_segments(path);
        if let (Some(method), Some(segments)) = (Method::parse(method), request.as_deref()) {
            let best = self
                .routes
                .iter()
                .filter(|r| r.method.accepts(method) && r.matches_path(segments))
                .max_by(|a, b| a.cmp_precedence(b, self.kind));
            if let Some(route) = best {
                return Match::Route(route.index);
            }
        }
        match self.default {
            Some(index) => Match::Route(index),
            None => Match::NoRoute {
                status: self.kind.no_route_status(),
            },
        }
    }

    /// The API kind the table was built for.
    pub fn kind(&self) -> ApiKind {
        self.kind
    }

    /// Number of routes, `$default` included.
    pub fn len(&self) -> usize {
        self.routes.len() + usize::from(self.default.is_some())
    }

    /// Whether the table has no routes at all (every request gets the no-route status).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Parses `"METHOD /path"`; the error is the message only (the caller adds the key).
fn parse_key(key: &str, index: u32) -> Result<PathRoute, String> {
    let Some((method, path)) = key.split_once(' ') else {
        return Err("expected `METHOD /path` (for example `GET /pets/{id}`) or `$default`".into());
    };
    let method = match method {
        "ANY" => MethodSpec::Any,
        m => match Method::parse(m) {
            Some(m) => MethodSpec::Exact(m),
            None if Method::parse(&m.to_ascii_uppercase()).is_some() || m == "any" => {
                return Err(format!(
                    "methods are upper case: `{}`",
                    m.to_ascii_uppercase()
                ));
            }
            None => {
                return Err(format!(
                    "unknown method `{m}`; expected GET, PUT, POST, DELETE, PATCH, HEAD, \
                     OPTIONS or ANY"
                ));
            }
        },
    };
    if !path.starts_with('/') {
        return Err(format!("the path must start with `/`, got `{path}`"));
    }
    if let Some(c) = path
        .chars()
        .find(|c| c.is_whitespace() || matches!(c, '?' | '#'))
    {
        return Err(format!("the path may not contain {c:?}"));
    }
    let mut segments = Vec::new();
    if path != "/" {
        let parts: Vec<&str> = path[1..].split('/').collect();
        for (i, part) in parts.iter().enumerate() {
            let segment = parse_segment(part)?;
            if matches!(segment, Segment::Greedy(_)) && i + 1 != parts.len() {
                return Err(format!(
                    "the greedy variable `{part}` must be the last segment of the path"
                ));
            }
            if let Segment::Param(name) | Segment::Greedy(name) = &segment
                && segments
                    .iter()
                    .any(|s| matches!(s, Segment::Param(n) | Segment::Greedy(n) if n == name))
            {
                return Err(format!("the path variable `{name}` appears twice"));
            }
            segments.push(segment);
        }
    }
    Ok(PathRoute {
        index,
        method,
        segments,
    })
}

fn parse_segment(part: &str) -> Result<Segment, String> {
    if part.is_empty() {
        return Err("empty path segment (a `//` or a trailing `/`)".into());
    }
    let Some(inner) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) else {
        if part.contains(['{', '}']) {
            return Err(format!(
                "`{part}`: a path variable must be a whole segment, like `{{id}}` or `{{proxy+}}`"
            ));
        }
        return Ok(Segment::Literal(part.to_string()));
    };
    let (name, greedy) = match inner.strip_suffix('+') {
        Some(name) => (name, true),
        None => (inner, false),
    };
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        return Err(format!(
            "`{part}`: a path variable name is one or more of A-Z, a-z, 0-9, `_`, `-`, `.`"
        ));
    }
    Ok(if greedy {
        Segment::Greedy(name.to_string())
    } else {
        Segment::Param(name.to_string())
    })
}

/// REST resources are a tree in which a resource has at most one variable child. Two routes
/// break that when they share a resource path up to some level and then name two different
/// variables there.
fn rest_sibling_conflict(a: &PathRoute, b: &PathRoute) -> Option<String> {
    for (depth, (x, y)) in a.segments.iter().zip(&b.segments).enumerate() {
        if x == y {
            continue;
        }
        if x.is_variable() && y.is_variable() {
            let parent: String = a.segments[..depth]
                .iter()
                .map(|s| format!("/{}", s.text()))
                .collect();
            let parent = if parent.is_empty() {
                "/".into()
            } else {
                parent
            };
            return Some(format!(
                "a REST API resource has at most one variable child, but `{parent}` would have \
                 `{}` and `{}`",
                x.text(),
                y.text()
            ));
        }
        return None;
    }
    None
}

/// The segments of a request path, after dropping the query string and one trailing slash;
/// `None` when the path does not start with `/` (it can only reach `$default`).
fn request_segments(path: &str) -> Option<Vec<&str>> {
    let path = path.split(['?', '#']).next().unwrap_or("");
    let rest = path.strip_prefix('/')?;
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    Some(if rest.is_empty() {
        Vec::new()
    } else {
        rest.split('/').collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(keys: &[&str], kind: ApiKind) -> RouteTable {
        RouteTable::new(keys, kind).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Runs `(method, path, expected)` cases, where expected is a route index or a status.
    fn check(t: &RouteTable, keys: &[&str], cases: &[(&str, &str, Result<u32, u16>)]) {
        for &(method, path, expected) in cases {
            let expected = match expected {
                Ok(i) => Match::Route(i),
                Err(status) => Match::NoRoute { status },
            };
            let got = t.route(method, path);
            let show = |m: Match| match m {
                Match::Route(i) => format!("route {i} `{}`", keys[i as usize]),
                Match::NoRoute { status } => format!("no route ({status})"),
            };
            assert_eq!(
                got,
                expected,
                "{:?} {method} {path}: got {}, expected {}",
                t.kind(),
                show(got),
                show(expected)
            );
        }
    }

    #[test]
    fn http_api_precedence() {
        let keys = [
            // The example of the AWS page, in its order (routes 0–3).
            "GET /pets/dog/{id}",
            "GET /pets/{proxy+}",
            "ANY /{proxy+}",
            "$default",
            // More routes to pin the rules the page leaves implicit.
            "GET /pets",
            "POST /pets",
            "ANY /pets/{id}",
            "GET /pets/{id}",
            "GET /",
            "GET /pets/dog",
            "DELETE /orders/{order}/items/{item}",
            "GET /{a}/{b}/{c}",
            "ANY /bags/{proxy+}",
        ];
        let t = table(&keys, ApiKind::Http);
        check(
            &t,
            &keys,
            &[
                // The three rows of the AWS table.
                ("GET", "/pets/dog/1", Ok(0)),
                ("GET", "/pets/cat/1", Ok(11)), // full match `/{a}/{b}/{c}` beats any greedy
                ("POST", "/test/5", Ok(2)),
                // Literal paths, exact method over ANY, literal over {param}.
                ("GET", "/pets", Ok(4)),
                ("POST", "/pets", Ok(5)),
                ("PUT", "/pets", Ok(2)), // no full match for PUT: the greedy route
                ("GET", "/pets/7", Ok(7)),
                ("PATCH", "/pets/7", Ok(6)), // full match with ANY beats GET greedy
                ("GET", "/pets/dog", Ok(9)),
                // Greedy: longer prefix and exact method first; one or more segments.
                ("GET", "/pets/cat/1/2", Ok(1)),
                ("POST", "/pets/cat/1/2", Ok(2)),
                ("GET", "/bags/b1/files/f.txt", Ok(12)),
                ("GET", "/bags/b1", Ok(12)),
                ("GET", "/bags", Ok(2)), // `/bags/{proxy+}` needs a segment after `/bags`
                // Trailing slash, query string, root.
                ("GET", "/pets/", Ok(4)),
                ("GET", "/pets?type=dog", Ok(4)),
                ("GET", "/", Ok(8)),
                ("POST", "/", Ok(3)), // `/{proxy+}` does not match the root: $default
                ("DELETE", "/orders/1/items/2", Ok(10)),
                ("GET", "/orders/1/items/2", Ok(2)),
                // Methods outside the seven and paths without `/` only reach $default.
                ("CONNECT", "/pets", Ok(3)),
                ("get", "/pets", Ok(3)),
                ("GET", "pets", Ok(3)),
            ],
        );
    }

    #[test]
    fn http_api_doc_example_on_its_own() {
        // Without route 11 of the big table, the AWS page's second row holds as written.
        let keys = [
            "GET /pets/dog/{id}",
            "GET /pets/{proxy+}",
            "ANY /{proxy+}",
            "$default",
        ];
        let t = table(&keys, ApiKind::Http);
        check(
            &t,
            &keys,
            &[
                ("GET", "/pets/dog/1", Ok(0)),
                ("GET", "/pets/cat/1", Ok(1)),
                ("POST", "/test/5", Ok(2)),
                ("GET", "/", Ok(3)),
            ],
        );
    }

    #[test]
    fn no_match_is_404_for_http_and_403_for_rest() {
        let keys = ["GET /pets", "GET /pets/{id}", "ANY /bags/{proxy+}"];
        let cases_for = |status| {
            [
                ("GET", "/nothing", Err(status)),
                ("POST", "/pets", Err(status)),
                ("GET", "/pets/1/photos", Err(status)),
                ("GET", "/bags", Err(status)),
                ("GET", "/bags//", Err(status)),
                ("GET", "/", Err(status)),
                ("GET", "/pets", Ok(0)),
                ("GET", "/pets/1", Ok(1)),
                ("HEAD", "/bags/b1", Ok(2)),
            ]
        };
        check(&table(&keys, ApiKind::Http), &keys, &cases_for(404));
        check(&table(&keys, ApiKind::Rest), &keys, &cases_for(403));
        let empty = table(&[], ApiKind::Http);
        assert!(empty.is_empty());
        assert_eq!(empty.route("GET", "/"), Match::NoRoute { status: 404 });
    }

    #[test]
    fn rest_api_precedence() {
        let keys = [
            "ANY /{proxy+}",
            "GET /jobs/{operation_type}",
            "OPTIONS /cors_only",
            "GET /users/{userId}",
            "PATCH /users/me",
            "GET /pets/{proxy+}",
            "ANY /bags/{id}",
            "GET /bags/{id}",
        ];
        let t = table(&keys, ApiKind::Rest);
        check(
            &t,
            &keys,
            &[
                // ministack PR #1423's measured tree (a resource without a method for the verb
                // does not capture the request).
                ("GET", "/jobs/reboot", Ok(1)),
                ("GET", "/jobs", Ok(0)),
                ("POST", "/jobs", Ok(0)),
                ("POST", "/jobs/reboot", Ok(0)),
                ("GET", "/cors_only", Ok(0)),
                ("OPTIONS", "/cors_only", Ok(2)),
                // floci PR #3399: a literal without the verb yields to its {param} sibling.
                ("GET", "/users/me", Ok(3)),
                ("PATCH", "/users/me", Ok(4)),
                ("PATCH", "/users/42", Ok(0)),
                // A longer literal prefix wins; on one resource, the exact method beats ANY.
                ("GET", "/pets/x/y", Ok(5)),
                ("POST", "/pets/x/y", Ok(0)),
                ("GET", "/cats/x", Ok(0)),
                ("GET", "/bags/b1", Ok(7)),
                ("DELETE", "/bags/b1", Ok(6)),
                ("GET", "/bags/b1/", Ok(7)),
                ("GET", "/bags/b1/x", Ok(0)),
                ("GET", "/", Err(403)),
            ],
        );
    }

    #[test]
    fn http_tiers_differ_from_rest_tree_order() {
        // The same two routes, both able to serve `GET /pets/x`: an HTTP API prefers the full
        // match, a REST API the literal `pets` resource.
        let keys = ["GET /{a}/{b}", "GET /pets/{proxy+}"];
        assert_eq!(
            table(&keys, ApiKind::Http).route("GET", "/pets/x"),
            Match::Route(0)
        );
        assert_eq!(
            table(&keys, ApiKind::Rest).route("GET", "/pets/x"),
            Match::Route(1)
        );
    }

    #[test]
    fn malformed_keys_are_rejected_with_a_reason() {
        let cases: &[(&[&str], ApiKind, usize, &str)] = &[
            (&["GIT /pets"], ApiKind::Http, 0, "unknown method `GIT`"),
            (
                &["get /pets"],
                ApiKind::Http,
                0,
                "methods are upper case: `GET`",
            ),
            (&["GET"], ApiKind::Http, 0, "expected `METHOD /path`"),
            (&["GET pets"], ApiKind::Http, 0, "must start with `/`"),
            (&["GET /pets//1"], ApiKind::Http, 0, "empty path segment"),
            (&["GET /pets/"], ApiKind::Http, 0, "empty path segment"),
            (&["GET /pets /1"], ApiKind::Http, 0, "may not contain ' '"),
            (&["GET /pets?x=1"], ApiKind::Http, 0, "may not contain '?'"),
            (
                &["ANY /{proxy+}/x"],
                ApiKind::Http,
                0,
                "must be the last segment",
            ),
            (
                &["GET /pet{id}"],
                ApiKind::Http,
                0,
                "must be a whole segment",
            ),
            (&["GET /{}"], ApiKind::Http, 0, "variable name"),
            (&["GET /{+}"], ApiKind::Http, 0, "variable name"),
            (&["GET /{a}/{a}"], ApiKind::Http, 0, "`a` appears twice"),
            (
                &["GET /a", "GET /a"],
                ApiKind::Http,
                1,
                "same requests as route 0",
            ),
            (
                &["GET /a/{x}", "GET /a/{y}"],
                ApiKind::Http,
                1,
                "same requests as route 0",
            ),
            (
                &["ANY /{p+}", "ANY /{proxy+}"],
                ApiKind::Http,
                1,
                "same requests",
            ),
            (
                &["$default", "$default"],
                ApiKind::Http,
                1,
                "duplicate `$default`",
            ),
            (
                &["$default"],
                ApiKind::Rest,
                0,
                "REST APIs have no `$default`",
            ),
            (
                &["GET /pets/{id}", "ANY /pets/{proxy+}"],
                ApiKind::Rest,
                1,
                "`/pets` would have `{id}` and `{proxy+}`",
            ),
            (
                &["GET /{a}/x", "GET /{b}/y"],
                ApiKind::Rest,
                1,
                "`/` would have `{a}` and `{b}`",
            ),
        ];
        for &(keys, kind, index, fragment) in cases {
            let err = RouteTable::new(keys, kind).expect_err(&format!("{keys:?} accepted"));
            assert_eq!(err.index, index, "{keys:?}: {err}");
            assert_eq!(err.key, keys[index]);
            assert!(
                err.message.contains(fragment),
                "{keys:?}: `{err}` lacks `{fragment}`"
            );
        }
    }

    #[test]
    fn valid_neighbours_are_accepted() {
        // Allowed: ANY next to exact methods on one path, the same variable reused along a
        // branch, and (HTTP only) a {param} next to a greedy sibling.
        let keys = [
            "ANY /pets",
            "GET /pets",
            "GET /pets/{id}",
            "PUT /pets/{id}/photos",
        ];
        assert_eq!(table(&keys, ApiKind::Rest).len(), 4);
        let keys = ["GET /pets/{id}", "ANY /pets/{proxy+}", "$default"];
        let t = table(&keys, ApiKind::Http);
        assert_eq!(t.len(), 3);
        assert_eq!(t.route("GET", "/pets/1"), Match::Route(0));
        assert_eq!(t.route("GET", "/pets/1/2"), Match::Route(1));
        assert_eq!(t.route("GET", "/pets"), Match::Route(2));
    }

    #[test]
    fn error_display_names_the_key() {
        let err = RouteTable::new(&["GET /a", "FETCH /b"], ApiKind::Http).unwrap_err();
        assert_eq!(
            err.to_string(),
            "route `FETCH /b`: unknown method `FETCH`; expected GET, PUT, POST, DELETE, PATCH, \
             HEAD, OPTIONS or ANY"
        );
    }
}
