//! Each AWS behaviour of the request path against its documented rule
//! (`docs/aws-behaviour.md`, cited below as "ref §n").
//!
//! Every check is either exact (a count or a time the rule fixes completely: token buckets with
//! evenly spaced arrivals, timeouts with constant latencies, identities that hold on every sample
//! path) or a confidence band from a closed form: Student t over independent replications, or a
//! binomial band on a pooled count. No tolerance here was tuned to make a run pass.

use serde_json::Value;
use simroute::engine::time::from_secs;
use simroute::math::confidence::{mean_sd, t_quantile};
use simroute::model::retry::expected_attempts;
use simroute::model::source::RateProfile;
use simroute::scenario::Scenario;
use simroute::vocab::ProfileShape;

mod common;
use common::figures::{json, lookup, replication as run};
use common::{ScenarioBuilder, load_err, scenario as load};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// Two-sided 99% normal quantile, for binomial bands on large pooled counts.
const Z99: f64 = 2.575_829_303_549;

fn num(tree: &Value, path: &str) -> f64 {
    lookup(tree, path)
        .and_then(Value::as_f64)
        .unwrap_or_else(|| panic!("figure `{path}` is not a number in {tree:#}"))
}

fn int(tree: &Value, path: &str) -> u64 {
    lookup(tree, path)
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("figure `{path}` is not a whole number in {tree:#}"))
}

/// Mean and 99% Student-t half-width over replications.
fn band99(xs: &[f64]) -> (f64, f64) {
    assert!(xs.len() >= 2, "a band needs two replications");
    let (mean, sd) = mean_sd(xs);
    let n = xs.len() as f64;
    (mean, t_quantile(0.995, n - 1.0) * sd / n.sqrt())
}

/// Arrivals of a `constant` source of `rate` over `[0, duration)`: they come at k/rate for
/// k = 1, 2, ... (the first after one full gap), so there are ⌊rate·duration⌋ of them. The
/// durations below keep rate·duration well away from a whole number, so float rounding of the
/// arrival times cannot move the last one across the end.
fn constant_count(rate: f64, duration: f64) -> u64 {
    let mass = rate * duration;
    let frac = mass - mass.floor();
    assert!(
        (0.01..0.99).contains(&frac),
        "rate × duration = {mass} is too close to a whole number for an exact count"
    );
    mass.floor() as u64
}

/// Lets the requests of every source out only in `[from_s, to_s)` at its original rate, so the
/// measured window starts and ends with an empty system.
fn confine_arrivals(sc: &mut Scenario, rates: &[f64], from_s: f64, to_s: f64) {
    for (source, &rate) in sc.sources.iter_mut().zip(rates) {
        let mut points = vec![(0.0, 0.0, ProfileShape::Step)];
        if from_s > 0.0 {
            points.push((from_s, rate, ProfileShape::Step));
        } else {
            points[0].1 = rate;
        }
        points.push((to_s, 0.0, ProfileShape::Step));
        source.profile = RateProfile::from_points(&points);
    }
}

const FAST_APP: &str = "app = { workers = 64, service = { dist = \"constant\", ms = 1 } }";

// ---------------------------------------------------------------------------------------------
// 1. Throttling: token buckets (ref §1, "Account throttle", "Order of limits", "HTTP API route
//    throttle"; S4: one token per request, the burst is the bucket size, no token ⇒ 429)
// ---------------------------------------------------------------------------------------------

/// A route limit `{ rate_rps = 10, burst = 5 }` under 1,000 requests/s sent evenly: the bucket
/// starts full, so it admits the burst at the first request and then exactly one request per
/// whole token refilled, ⌊burst + rate·(t_last − t_first)⌋ in all; every other request is a 429.
#[test]
fn route_token_bucket_admits_burst_plus_rate_times_window() {
    let (rate, burst, offered_rps, duration) = (10.0, 5u64, 1000.0, 10.0005);
    let sc = load(&format!(
        r#"
[simulation]
name = "route-bucket"
duration_s = {duration}

[[traffic]]
name = "flood"
method = "GET"
path = "/limited/x"
rate_rps = {offered_rps}
arrival = "constant"

[gateway]
kind = "rest"

[[gateway.routes]]
route = "GET /limited/{{proxy+}}"
throttle = {{ rate_rps = {rate}, burst = {burst} }}
integration = {{ target_group = "app" }}

[target_groups.app]
targets = 1
{FAST_APP}
"#
    ));
    let (_, fig) = run(&sc, 0);
    let offered = constant_count(offered_rps, duration);
    let (t_first, t_last) = (1.0 / offered_rps, offered as f64 / offered_rps);
    // The bucket is never full again after the first request (it refills 0.01 token per gap), so
    // no refill is lost to the cap after t_first.
    let admitted = burst + (rate * (t_last - t_first)).floor() as u64;
    assert_eq!(int(&fig, "requests.offered"), offered);
    assert_eq!(int(&fig, "requests.ok"), admitted);
    assert_eq!(int(&fig, "target_groups.app.requests"), admitted);
    assert_eq!(
        int(&fig, "requests.failures.throttled_429"),
        offered - admitted
    );
    assert_eq!(int(&fig, "requests.failed"), offered - admitted);
}

/// The account (gateway) bucket is shared by every route: two routes, each flooded at 500/s, get
/// ⌊burst + rate·(t_last − t_first)⌋ between them, whichever route each token goes to.
#[test]
fn account_token_bucket_is_shared_by_routes() {
    let (rate, burst, per_source_rps, duration) = (100.0, 50u64, 500.0, 10.001);
    let sc = load(&format!(
        r#"
[simulation]
name = "account-bucket"
duration_s = {duration}

[[traffic]]
name = "a"
path = "/a"
rate_rps = {per_source_rps}
arrival = "constant"

[[traffic]]
name = "b"
path = "/b"
rate_rps = {per_source_rps}
arrival = "constant"

[gateway]
kind = "http"
throttle = {{ rate_rps = {rate}, burst = {burst} }}

[[gateway.routes]]
route = "GET /a"
integration = {{ target_group = "app" }}

[[gateway.routes]]
route = "GET /b"
integration = {{ target_group = "app" }}

[target_groups.app]
targets = 1
{FAST_APP}
"#
    ));
    let (_, fig) = run(&sc, 0);
    let per_source = constant_count(per_source_rps, duration);
    let offered = 2 * per_source;
    let (t_first, t_last) = (1.0 / per_source_rps, per_source as f64 / per_source_rps);
    let admitted = burst + (rate * (t_last - t_first)).floor() as u64;
    assert_eq!(int(&fig, "requests.offered"), offered);
    assert_eq!(int(&fig, "requests.ok"), admitted);
    assert_eq!(
        int(&fig, "requests.failures.throttled_429"),
        offered - admitted
    );
    // Both routes were throttled and both got tokens: the bucket is one, not one per route.
    for route in ["GET /a", "GET /b"] {
        assert!(int(&fig, &format!("routes.{route}.requests.ok")) > 0);
        assert!(
            int(
                &fig,
                &format!("routes.{route}.requests.failures.throttled_429")
            ) > 0
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 2. 401s (ref §1 "JWT authorizer validation", "Cognito authorizer (REST)", "Gateway response
//    codes": UNAUTHORIZED 401; "Auth is per route")
// ---------------------------------------------------------------------------------------------

fn auth_scenario(with_bad_sources: bool, duration: f64) -> String {
    let bad = if with_bad_sources {
        let mut s = String::new();
        for (i, cred) in ["invalid", "none", "expired"].iter().enumerate() {
            s += &format!(
                r#"
[[traffic]]
name = "{cred}-on-auth-route"
method = "GET"
path = "/items/{i}"
rate_rps = 20
arrival = "constant"
credentials = "{cred}"
clients = 3

[[traffic]]
name = "{cred}-on-open-route"
method = "GET"
path = "/open/{i}"
rate_rps = 10
arrival = "constant"
credentials = "{cred}"
"#
            );
        }
        s
    } else {
        String::new()
    };
    format!(
        r#"
[simulation]
name = "auth"
duration_s = {duration}

# Source 0 in both variants, so its arrivals (stream 0) and client choices are the same. It
# stops at 19 s so that all its requests reach the tasks and are answered within the run.
[[traffic]]
name = "valid"
method = "GET"
path = "/items/abc"
profile = [ {{ at_s = 0, rate_rps = 50 }}, {{ at_s = 19, rate_rps = 0 }} ]
credentials = "valid"
clients = 5
{bad}
# Constant latencies draw no random numbers, so the rejected requests cannot shift the gateway's
# random stream that the valid source's requests use.
[gateway]
kind = "rest"
latency = {{ dist = "constant", ms = 3 }}

[gateway.authorizer]
kind = "cognito"
latency = {{ dist = "constant", ms = 10 }}
cache_ttl_s = 0

[[gateway.routes]]
route = "ANY /items/{{proxy+}}"
auth = true
integration = {{ target_group = "items" }}

[[gateway.routes]]
route = "GET /open/{{proxy+}}"
integration = {{ target_group = "open" }}

[target_groups.items]
targets = 2
app = {{ workers = 8, service = {{ dist = "exponential", mean_ms = 20 }} }}

[target_groups.open]
targets = 1
{FAST_APP}
"#
    )
}

/// Invalid, missing and expired tokens on an `auth = true` route: every request is a 401 and
/// none reaches a target; the valid source on the same route sees exactly what it sees alone.
/// On an `auth = false` route the same credentials go through.
#[test]
fn bad_credentials_get_401_and_never_reach_a_target() {
    // The last rejected request arrives at 20 s and is answered 13 ms later (gateway +
    // authorizer), inside the run.
    let duration = 20.025;
    let mixed = load(&auth_scenario(true, duration));
    let alone = load(&auth_scenario(false, duration));
    let (_, m) = run(&mixed, 0);
    let (_, a) = run(&alone, 0);
    let items = "routes.ANY /items/{proxy+}";
    let bad_per_kind = constant_count(20.0, duration);

    // The auth route: the valid source's requests plus 3 × bad_per_kind rejected ones.
    let valid = int(&a, &format!("{items}.requests.offered"));
    assert_eq!(
        int(&m, &format!("{items}.requests.offered")),
        valid + 3 * bad_per_kind
    );
    assert_eq!(
        int(&m, &format!("{items}.requests.failures.unauthorized_401")),
        3 * bad_per_kind
    );
    assert_eq!(
        int(&m, "requests.failures.unauthorized_401"),
        3 * bad_per_kind
    );
    assert_eq!(int(&m, "requests.failed"), 3 * bad_per_kind);
    // Only the valid source's traffic reaches the items tasks.
    assert_eq!(int(&a, "target_groups.items.requests"), valid);
    assert_eq!(int(&m, "target_groups.items.requests"), valid);
    // The valid source is unaffected: same successes, same latency to the nanosecond.
    assert_eq!(int(&a, &format!("{items}.requests.ok")), valid);
    for f in [
        "requests.ok",
        "latency_ms.mean",
        "latency_ms.p50",
        "latency_ms.p99",
        "latency_ms.max",
    ] {
        assert_eq!(
            lookup(&m, &format!("{items}.{f}")),
            lookup(&a, &format!("{items}.{f}")),
            "{f}"
        );
    }
    // Missing tokens are refused before the authorizer; invalid and expired ones are validated
    // (and refused). The cache is off here, so each such request is one call.
    assert_eq!(
        int(&m, "gateway.authorizer_calls"),
        valid + 2 * bad_per_kind,
        "a request without a token must not call the authorizer"
    );

    // The open route lets every credential through.
    let open = "routes.GET /open/{proxy+}";
    let open_offered = 3 * constant_count(10.0, duration);
    assert_eq!(int(&m, &format!("{open}.requests.offered")), open_offered);
    assert_eq!(int(&m, &format!("{open}.requests.ok")), open_offered);
    assert_eq!(int(&m, "target_groups.open.requests"), open_offered);
}

// ---------------------------------------------------------------------------------------------
// 3. Authorizer result cache (ref §1 "Authorizer cache TTL": REST Lambda + Cognito, keyed on the
//    identity source, 0 = off; "HTTP API authorizer cache": no TTL for JWT authorizers)
// ---------------------------------------------------------------------------------------------

fn cognito_cache_scenario(ttl_s: f64, duration: f64) -> String {
    format!(
        r#"
[simulation]
name = "cache"
duration_s = {duration}
replications = 3

# 5 + 3 clients, each sending about 20 requests/s.
[[traffic]]
name = "bags"
path = "/bags/b1"
rate_rps = 100
clients = 5

[[traffic]]
name = "ingests"
method = "POST"
path = "/ingests"
rate_rps = 60
clients = 3

[gateway]
kind = "rest"

[gateway.authorizer]
kind = "cognito"
latency = {{ dist = "uniform", min_ms = 5, max_ms = 15 }}
cache_ttl_s = {ttl_s}

[[gateway.routes]]
route = "ANY /bags/{{proxy+}}"
auth = true
integration = {{ target_group = "app" }}

[[gateway.routes]]
route = "ANY /ingests"
auth = true
integration = {{ target_group = "app" }}

[target_groups.app]
targets = 1
{FAST_APP}
"#
    )
}

/// Cognito authorizer with a TTL of T: each client's first request calls the authorizer and is
/// cached until T later; the first request after that calls again. With each client sending
/// ~20/s, the k-th call of a client comes about k·T + (k + 1)·50 ms after the start, so in a run
/// of D = 55 s with T = 10 s every client calls exactly ⌈D/T⌉ = 6 times (calls 0..5 by about
/// 50.3 s, the 7th could not come before 60 s): N·⌈D/T⌉ calls in total, in every replication.
#[test]
fn cognito_cache_calls_once_per_client_per_ttl() {
    let (ttl, duration) = (10.0, 55.0);
    let sc = load(&cognito_cache_scenario(ttl, duration));
    let clients = 5 + 3;
    let expected = clients * (duration / ttl).ceil() as u64;
    for r in 0..sc.replications {
        let (out, fig) = run(&sc, r);
        assert_eq!(
            int(&fig, "gateway.authorizer_calls"),
            expected,
            "replication {r}"
        );
        assert_eq!(out.recorder.authorizer_calls, expected);
        assert_eq!(int(&fig, "requests.failed"), 0);
    }
}

/// `cache_ttl_s = 0` turns the cache off: one call per authorized request.
#[test]
fn cognito_cache_off_calls_every_request() {
    let sc = load(&cognito_cache_scenario(0.0, 20.0));
    let (_, fig) = run(&sc, 0);
    let offered = int(&fig, "requests.offered");
    assert!(offered > 3_000);
    assert_eq!(int(&fig, "gateway.authorizer_calls"), offered);
}

fn jwt_scenario(ttl: &str) -> String {
    format!(
        r#"
[simulation]
name = "jwt"
duration_s = 20

[[traffic]]
name = "reads"
method = "GET"
path = "/pets/1"
rate_rps = 80

[[traffic]]
name = "writes"
method = "PUT"
path = "/pets/1"
rate_rps = 20
clients = 2

[gateway]
kind = "http"

[gateway.authorizer]
kind = "jwt"
{ttl}

[[gateway.routes]]
route = "GET /pets/{{proxy+}}"
integration = {{ target_group = "app" }}

[[gateway.routes]]
route = "PUT /pets/{{proxy+}}"
auth = true
integration = {{ target_group = "app" }}

[target_groups.app]
targets = 1
{FAST_APP}
"#
    )
}

/// HTTP API JWT authorizers have no result cache: every authorized request validates its token,
/// even from 2 clients sending 10/s each; open routes never call it. A TTL on one is a load
/// error naming the field.
#[test]
fn http_jwt_authorizer_is_never_cached() {
    let sc = load(&jwt_scenario(""));
    let (_, fig) = run(&sc, 0);
    let writes = int(&fig, "routes.PUT /pets/{proxy+}.requests.offered");
    assert!(writes > 300);
    assert!(int(&fig, "routes.GET /pets/{proxy+}.requests.offered") > writes);
    assert_eq!(int(&fig, "gateway.authorizer_calls"), writes);

    // 0 (off) is what a JWT authorizer has anyway, so it is accepted; anything above is not.
    load(&jwt_scenario("cache_ttl_s = 0"));
    let e = load_err(&jwt_scenario("cache_ttl_s = 300"));
    assert_eq!(e.path, "gateway.authorizer.cache_ttl_s", "{e}");
}

// ---------------------------------------------------------------------------------------------
// 4. NLB listeners by port (ref §3 "Listeners": a listener forwards to one target group,
//    65534 → bags, 65535 → ingests)
// ---------------------------------------------------------------------------------------------

fn nlb_scenario(ingest_port: u16) -> String {
    format!(
        r#"
[simulation]
name = "ports"
duration_s = 10

# Arrivals stop at 9 s so every request has reached its target by the end.
[[traffic]]
name = "bag-lookups"
path = "/bags/digitised/b1"
profile = [ {{ at_s = 0, rate_rps = 100 }}, {{ at_s = 9, rate_rps = 0 }} ]

[[traffic]]
name = "ingest-create"
method = "POST"
path = "/ingests"
profile = [ {{ at_s = 0, rate_rps = 10 }}, {{ at_s = 9, rate_rps = 0 }} ]

[[traffic]]
name = "ingest-status"
path = "/ingests/4c2c"
profile = [ {{ at_s = 0, rate_rps = 30 }}, {{ at_s = 9, rate_rps = 0 }} ]

[gateway]
kind = "rest"
latency = {{ dist = "lognormal", median_ms = 4, sigma = 0.3 }}
vpc_link = {{ latency = {{ dist = "constant", ms = 0.5 }} }}

[[gateway.routes]]
route = "ANY /bags/{{proxy+}}"
integration = {{ load_balancer = "storage", port = 65534 }}

[[gateway.routes]]
route = "ANY /ingests"
integration = {{ load_balancer = "storage", port = {ingest_port} }}

[[gateway.routes]]
route = "ANY /ingests/{{proxy+}}"
integration = {{ load_balancer = "storage", port = 65535 }}

[load_balancers.storage]
kind = "nlb"
latency = {{ dist = "constant", ms = 0.1 }}
listeners = [ {{ port = 65534, target_group = "bags" }}, {{ port = 65535, target_group = "ingests" }} ]

# Defined in the opposite order to the listeners, so a listener resolved by position rather than
# by its target_group would swap the two.
[target_groups.ingests]
targets = 2
{FAST_APP}

[target_groups.bags]
targets = 3
{FAST_APP}
"#
    )
}

/// Each listener's target group receives exactly its port's traffic.
#[test]
fn nlb_listeners_route_by_port() {
    let sc = load(&nlb_scenario(65535));
    let (_, fig) = run(&sc, 0);
    let route = |key: &str| int(&fig, &format!("routes.{key}.requests.offered"));
    let bags = route("ANY /bags/{proxy+}");
    let ingests = route("ANY /ingests") + route("ANY /ingests/{proxy+}");
    assert!(
        bags > 2 * ingests,
        "the rates differ enough to tell the groups apart"
    );
    assert!(route("ANY /ingests") > 0 && route("ANY /ingests/{proxy+}") > 0);
    assert_eq!(int(&fig, "requests.ok"), bags + ingests, "all answered");
    assert_eq!(int(&fig, "target_groups.bags.requests"), bags);
    assert_eq!(int(&fig, "target_groups.ingests.requests"), ingests);
}

/// A route to a port with no listener is a load error at that route's `integration.port`
/// (ref §3: unmatched ports are dropped, so such a route could never be served).
#[test]
fn route_to_a_port_without_listener_is_a_load_error() {
    let e = load_err(&nlb_scenario(8080));
    assert_eq!(e.path, "gateway.routes.1.integration.port", "{e}");
    assert!(e.message.contains("8080"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// 5. Route matching end to end (ref §1 "Gateway response codes": unknown route on REST is
//    MISSING_AUTHENTICATION_TOKEN 403; HTTP APIs answer 404 Not Found)
// ---------------------------------------------------------------------------------------------

fn routing_scenario(kind: &str, duration: f64) -> String {
    format!(
        r#"
[simulation]
name = "routing"
duration_s = {duration}

[[traffic]]
name = "any-pet"
path = "/pets/dog-1"
rate_rps = 30
arrival = "constant"

[[traffic]]
name = "special"
path = "/pets/special"
rate_rps = 20
arrival = "constant"

# No POST on /pets/special: the greedy route's ANY takes it.
[[traffic]]
name = "post-special"
method = "POST"
path = "/pets/special"
rate_rps = 10
arrival = "constant"

[[traffic]]
name = "lost"
path = "/cats/1"
rate_rps = 5
arrival = "constant"

[gateway]
kind = "{kind}"

[[gateway.routes]]
route = "ANY /pets/{{proxy+}}"
integration = {{ target_group = "proxy" }}

[[gateway.routes]]
route = "GET /pets/special"
integration = {{ target_group = "special" }}

[target_groups.proxy]
targets = 1
{FAST_APP}

[target_groups.special]
targets = 1
{FAST_APP}
"#
    )
}

/// The most specific route wins, the greedy route takes the rest, and a path matching nothing
/// is answered by the gateway: 404 on an HTTP API, 403 on a REST API.
#[test]
fn route_matching_end_to_end() {
    let duration = 10.07;
    let c = |rate| constant_count(rate, duration);
    for (kind, unmatched, other) in [
        ("http", "not_found_404", "forbidden_403"),
        ("rest", "forbidden_403", "not_found_404"),
    ] {
        let sc = load(&routing_scenario(kind, duration));
        let (_, fig) = run(&sc, 0);
        let get = |p: &str| int(&fig, p);
        assert_eq!(
            get("routes.GET /pets/special.requests.offered"),
            c(20.0),
            "{kind}"
        );
        assert_eq!(
            get("routes.GET /pets/special.requests.ok"),
            c(20.0),
            "{kind}"
        );
        assert_eq!(
            get("routes.ANY /pets/{proxy+}.requests.offered"),
            c(30.0) + c(10.0),
            "{kind}"
        );
        assert_eq!(get("target_groups.special.requests"), c(20.0), "{kind}");
        assert_eq!(
            get("target_groups.proxy.requests"),
            c(30.0) + c(10.0),
            "{kind}"
        );
        assert_eq!(get("routes.(no route).requests.offered"), c(5.0), "{kind}");
        assert_eq!(
            get(&format!("routes.(no route).requests.failures.{unmatched}")),
            c(5.0),
            "{kind}"
        );
        assert_eq!(
            get(&format!("requests.failures.{unmatched}")),
            c(5.0),
            "{kind}"
        );
        assert_eq!(get(&format!("requests.failures.{other}")), 0, "{kind}");
        assert_eq!(get("requests.failed"), c(5.0), "{kind}");
    }
}

// ---------------------------------------------------------------------------------------------
// 6. App and sidecar failures (ref §7 nginx: 504 on upstream timeout, worker_connections with 2
//    per proxied request, listen backlog; ref §1: integration timeout 503 HTTP / 504 REST, VPC
//    link backend unreachable 500 on REST)
// ---------------------------------------------------------------------------------------------

/// A full app queue answers 503. One task, one worker, room for 2 waiting, Poisson arrivals at
/// twice the exponential service rate: M/M/1/K with K = 3 and ρ = 2, whose blocking probability
/// (seen by arrivals, PASTA) is π_K = ρ^K (1 − ρ) / (1 − ρ^{K+1}) = 8/15.
#[test]
fn full_app_queue_answers_503_at_the_mm1k_blocking_rate() {
    let sc = load(
        r#"
[simulation]
name = "mm1k"
duration_s = 20
warmup_s = 1
replications = 10

[[traffic]]
name = "load"
rate_rps = 200
target_group = "app"

[target_groups.app]
targets = 1
app = { workers = 1, queue_limit = 2, service = { dist = "exponential", mean_ms = 10 } }
"#,
    );
    let (rho, k) = (2.0f64, 3);
    let expected = rho.powi(k) * (1.0 - rho) / (1.0 - rho.powi(k + 1));
    let blocked: Vec<f64> = (0..sc.replications)
        .map(|r| {
            let (_, fig) = run(&sc, r);
            assert_eq!(
                int(&fig, "requests.failed"),
                int(&fig, "requests.failures.unavailable_503")
            );
            num(&fig, "requests.failures.unavailable_503") / num(&fig, "requests.offered")
        })
        .collect();
    let (mean, hw) = band99(&blocked);
    assert!(
        (mean - expected).abs() <= hw,
        "503 fraction {mean} ± {hw}, M/M/1/K says {expected}"
    );
}

/// nginx's `proxy_read_timeout` (0.25 s): an app slower than it is answered 504 by the sidecar
/// at exactly the timeout after the request reached the app, i.e. sidecar latency + timeout after
/// arrival; faster requests succeed at sidecar latency + service time.
#[test]
fn slow_app_gets_504_from_the_sidecar_at_exactly_the_read_timeout() {
    let sc = load(
        r#"
[simulation]
name = "read-timeout"
duration_s = 20

[[traffic]]
name = "load"
rate_rps = 20
target_group = "app"

[target_groups.app]
targets = 1
sidecar = { latency = { dist = "constant", ms = 2 }, proxy_read_timeout_s = 0.25 }
app = { workers = 64, service = { dist = "mixture", components = [ { weight = 0.5, dist = "constant", ms = 100 }, { weight = 0.5, dist = "constant", ms = 400 } ] } }
"#,
    );
    let (out, fig) = run(&sc, 0);
    let rec = &out.recorder;
    let ok = int(&fig, "requests.ok");
    let timeouts = int(&fig, "requests.failures.gateway_timeout_504");
    assert!(ok > 100 && timeouts > 100, "ok {ok}, 504 {timeouts}");
    assert_eq!(int(&fig, "requests.failed"), timeouts);
    // Successes at 2 + 100 ms, failures at 2 + 250 ms, to the nanosecond.
    assert_eq!(rec.latency().mean_ms(), Some(102.0));
    assert_eq!(rec.latency().max_ms(), Some(102.0));
    assert_eq!(rec.response_max_ms(), Some(252.0));
    let expected_mean = (ok as f64 * 102.0 + timeouts as f64 * 252.0) / (ok + timeouts) as f64;
    let mean = num(&fig, "little.response_mean_ms");
    assert!(
        (mean - expected_mean).abs() < 1e-9 * expected_mean,
        "{mean} vs {expected_mean}"
    );
}

fn sidecar_cap_scenario(max_connections: u32, workers: u32, rate: f64) -> String {
    format!(
        r#"
[simulation]
name = "sidecar-cap"
duration_s = 20
warmup_s = 2

[[traffic]]
name = "load"
rate_rps = {rate}
target_group = "app"

[target_groups.app]
targets = 2
sidecar = {{ max_connections = {max_connections} }}
app = {{ workers = {workers}, service = {{ dist = "constant", ms = 100 }} }}
"#
    )
}

/// `worker_connections = 10` lets nginx proxy (10 − 2) / 2 = 4 requests at once: its listening
/// socket and its channel to the master take one connection each, and each proxied request
/// holds a client and an upstream connection (ref §7; nginx source `src/event/ngx_event.c`,
/// `src/os/unix/ngx_process_cycle.c`). Offered 80 requests/s per task of 100 ms work (8 at
/// once if nothing capped it), an app of exactly 4 workers never queues, while an app of 3
/// does: 4 requests do get through at once, and never 5. The control with room for 16 keeps
/// λ·s = 8 workers of 16 busy on average.
#[test]
fn sidecar_caps_app_concurrency_at_half_its_connections() {
    let sc = load(&sidecar_cap_scenario(10, 4, 160.0));
    let (_, fig) = run(&sc, 0);
    assert!(int(&fig, "requests.offered") > 2_500);
    assert!(int(&fig, "requests.failures.connection_closed") > 500);
    assert_eq!(int(&fig, "target_groups.app.max_queue"), 0);

    let sc = load(&sidecar_cap_scenario(10, 3, 160.0));
    let (_, fig) = run(&sc, 0);
    assert!(int(&fig, "target_groups.app.max_queue") >= 1);

    let sc = load(&sidecar_cap_scenario(34, 16, 160.0));
    let (_, fig) = run(&sc, 0);
    let busy = num(&fig, "target_groups.app.per_target.0.utilization") * 16.0;
    assert!(busy > 6.0, "without the cap the app is busier: {busy}");
}

/// 100 rps at constant spacing to one task whose nginx proxies 4 requests at once; `gateway`:
/// the API kind in front, and the load balancer kind between (`None`: the route's target
/// group).
fn closed_scenario(gateway: Option<(&str, Option<&str>)>, duration: f64) -> String {
    let (routing, gw) = match gateway {
        Some((kind, front)) => {
            let (integration, lb) = match front {
                Some(lb) => (
                    "load_balancer = \"front\", port = 80".to_string(),
                    format!(
                        "[load_balancers.front]\nkind = \"{lb}\"\nlisteners = [ {{ port = 80, target_group = \"app\" }} ]\n"
                    ),
                ),
                None => ("target_group = \"app\"".to_string(), String::new()),
            };
            (
                String::new(),
                format!(
                    "[gateway]\nkind = \"{kind}\"\n\n[[gateway.routes]]\nroute = \"ANY /{{proxy+}}\"\nintegration = {{ {integration} }}\n\n{lb}"
                ),
            )
        }
        None => ("target_group = \"app\"".to_string(), String::new()),
    };
    format!(
        r#"
[simulation]
name = "nginx-closed"
duration_s = {duration}
warmup_s = 1

[[traffic]]
name = "load"
path = "/x"
rate_rps = 100
arrival = "constant"
{routing}

{gw}

[target_groups.app]
targets = 1
sidecar = {{ max_connections = 10 }}
app = {{ workers = 4, service = {{ dist = "constant", ms = 100 }} }}
"#
    )
}

/// Beyond its 4 proxied requests nginx accepts each connection and closes it at once (nginx
/// source `src/event/ngx_event_accept.c`): nothing waits. A client connected to the task sees
/// the connection closed (`connection_closed`); behind a gateway, a REST API answers its
/// integration failure 504 and an HTTP API 503, whether the task is the route's target group
/// or behind an NLB (which passes the close on); an ALB answers 502 for a target that closed
/// the connection ("The target closed the connection ... while the load balancer had an
/// outstanding request to the target",
/// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-troubleshooting.html),
/// and the HTTP API passes it through. The task serves at its capacity, 4 per 100 ms: ok =
/// 40/s × the window, within the 4 requests the task holds at either edge of it, each in
/// exactly its 100 ms of service.
#[test]
fn nginx_closed_connection_is_seen_by_api_kind() {
    let duration = 10.0;
    let window = duration - 1.0;
    for (gateway, closed) in [
        (None, "connection_closed"),
        (Some(("rest", None)), "gateway_timeout_504"),
        (Some(("http", None)), "unavailable_503"),
        (Some(("rest", Some("nlb"))), "gateway_timeout_504"),
        (Some(("http", Some("nlb"))), "unavailable_503"),
        (Some(("http", Some("alb"))), "bad_gateway_502"),
    ] {
        let sc = load(&closed_scenario(gateway, duration));
        let (out, fig) = run(&sc, 0);
        let offered = int(&fig, "requests.offered");
        let ok = int(&fig, "requests.ok");
        let failed = int(&fig, &format!("requests.failures.{closed}"));
        assert_eq!(int(&fig, "requests.failed"), failed, "{gateway:?}");
        let held = offered - ok - failed;
        assert!(held <= 4, "{gateway:?}: {held} requests unaccounted for");
        assert!(
            (ok as f64 - 40.0 * window).abs() <= 4.0,
            "{gateway:?}: ok {ok}, capacity {}",
            40.0 * window
        );
        assert_eq!(out.recorder.latency().max_ms(), Some(100.0), "{gateway:?}");
    }
}

fn integration_timeout_scenario(kind: &str) -> String {
    let authorizer = if kind == "rest" { "cognito" } else { "jwt" };
    format!(
        r#"
[simulation]
name = "integration-timeout"
duration_s = 12

# Arrivals stop at 10 s, so every request is answered and each figure covers the same requests.
[[traffic]]
name = "load"
path = "/slow"
profile = [ {{ at_s = 0, rate_rps = 50 }}, {{ at_s = 10, rate_rps = 0 }} ]
clients = 20

# Random gateway and authorizer latencies: each request's timeout starts at its own time.
[gateway]
kind = "{kind}"
latency = {{ dist = "uniform", min_ms = 1, max_ms = 20 }}
integration_timeout_s = 0.1

[gateway.authorizer]
kind = "{authorizer}"
latency = {{ dist = "uniform", min_ms = 1, max_ms = 30 }}
cache_ttl_s = 0

[[gateway.routes]]
route = "GET /slow"
auth = true
integration = {{ target_group = "app" }}

[target_groups.app]
targets = 1
app = {{ workers = 64, service = {{ dist = "constant", ms = 300 }} }}
"#
    )
}

/// The integration timeout (0.1 s) runs from when the gateway sends the request on (after its
/// own latency and the authorizer's): every request is answered exactly then, 503 on an HTTP
/// API, 504 on a REST API (ref §1). The mean answer time is therefore exactly the mean gateway
/// latency + mean authorizer latency + 100 ms, and none is later than 20 + 30 + 100 ms.
#[test]
fn integration_timeout_is_503_on_http_and_504_on_rest_at_exactly_the_timeout() {
    for (kind, failure) in [("http", "unavailable_503"), ("rest", "gateway_timeout_504")] {
        let sc = load(&integration_timeout_scenario(kind));
        let (out, fig) = run(&sc, 0);
        let offered = int(&fig, "requests.offered");
        assert!(offered > 400);
        assert_eq!(
            int(&fig, &format!("requests.failures.{failure}")),
            offered,
            "{kind}"
        );
        assert_eq!(int(&fig, "requests.failed"), offered, "{kind}");
        let expected =
            num(&fig, "stages.gateway.mean") + num(&fig, "stages.authorizer.mean") + 100.0;
        let mean = num(&fig, "little.response_mean_ms");
        assert!(
            (mean - expected).abs() < 1e-9 * expected,
            "{kind}: answered after {mean} ms on average, the timeout says {expected}"
        );
        let max = out.recorder.response_max_ms().expect("answers");
        assert!(
            max <= 150.0,
            "{kind}: an answer came {max} ms after arrival"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 7. Balancing (ref §3 "Routing": NLB flow hash per connection; ref §4 "Algorithm"; ref §8
//    "NLB pins long-lived connections")
// ---------------------------------------------------------------------------------------------

fn heterogeneous_scenario(algorithm: &str) -> String {
    // 4 single-worker tasks of 10 ms mean service, the last 4× slower: capacity 3 × 100 + 25 =
    // 325 requests/s; 227.5/s offered is ρ = 0.7 of it.
    format!(
        r#"
[simulation]
name = "balancing"
duration_s = 30
warmup_s = 3
replications = 5

[[traffic]]
name = "load"
rate_rps = 227.5
target_group = "app"

[target_groups.app]
targets = 4
algorithm = "{algorithm}"
app = {{ workers = 1, service = {{ dist = "exponential", mean_ms = 10 }}, service_factors = [1, 1, 1, 4] }}
"#
    )
}

/// With one task 4× slower, round robin keeps sending it a quarter of the load (57/s against
/// its 25/s) while least-outstanding and power-of-two see its queue and steer around it. The
/// p99 difference to round robin, paired by replication (same arrivals), has a 99% Student-t
/// interval above zero for both.
#[test]
fn load_aware_balancing_beats_round_robin_on_heterogeneous_tasks() {
    let p99s = |algorithm: &str| -> Vec<f64> {
        let sc = load(&heterogeneous_scenario(algorithm));
        (0..sc.replications)
            .map(|r| num(&run(&sc, r).1, "latency_ms.p99"))
            .collect()
    };
    let rr = p99s("round_robin");
    for algorithm in ["least_outstanding", "power_of_two"] {
        let other = p99s(algorithm);
        let diff: Vec<f64> = rr.iter().zip(&other).map(|(a, b)| a - b).collect();
        let (mean, hw) = band99(&diff);
        assert!(
            mean - hw > 0.0,
            "{algorithm}: p99 {other:?} vs round robin {rr:?}: gain {mean} ± {hw} ms"
        );
    }
}

fn flow_hash_scenario(connections: u32) -> String {
    format!(
        r#"
[simulation]
name = "flow-hash"
duration_s = 10

[[traffic]]
name = "keep-alive-client"
path = "/x"
rate_rps = 200
connections = {connections}

[gateway]
kind = "rest"

[[gateway.routes]]
route = "ANY /{{proxy+}}"
integration = {{ load_balancer = "nlb", port = 443 }}

[load_balancers.nlb]
kind = "nlb"
listeners = [ {{ port = 443, target_group = "fleet" }} ]

# No algorithm: behind an NLB the default is the flow hash.
[target_groups.fleet]
targets = 10
{FAST_APP}
"#
    )
}

/// The NLB hashes the flow, so a connection stays on one target for life (ref §3): 4 long-lived
/// connections reach at most 4 of 10 targets, leaving at least 6 idle; a new connection per
/// request spreads over all 10.
#[test]
fn nlb_flow_hash_pins_long_lived_connections() {
    let per_target = |connections: u32| -> (Vec<u64>, u64) {
        let sc = load(&flow_hash_scenario(connections));
        let (_, fig) = run(&sc, 0);
        let counts = (0..10)
            .map(|t| {
                int(
                    &fig,
                    &format!("target_groups.fleet.per_target.{t}.requests"),
                )
            })
            .collect();
        (counts, int(&fig, "requests.offered"))
    };
    let (pinned, offered) = per_target(4);
    assert!(offered > 1_500);
    assert_eq!(pinned.iter().sum::<u64>(), offered);
    let idle = pinned.iter().filter(|&&n| n == 0).count();
    assert!(
        idle >= 6,
        "4 connections reached {} targets: {pinned:?}",
        10 - idle
    );

    let (spread, offered) = per_target(0);
    assert_eq!(spread.iter().sum::<u64>(), offered);
    assert!(spread.iter().all(|&n| n > 0), "{spread:?}");
}

// ---------------------------------------------------------------------------------------------
// 8. Client retries (Builders' Library B2: capped exponential backoff with full jitter)
// ---------------------------------------------------------------------------------------------

fn retry_scenario(retries: &str) -> String {
    format!(
        r#"
[simulation]
name = "retries"
duration_s = 20
replications = 6

# Arrivals stop at 19 s so every request, retries included, is answered within the run.
[[traffic]]
name = "load"
profile = [ {{ at_s = 0, rate_rps = 1000 }}, {{ at_s = 19, rate_rps = 0 }} ]
target_group = "app"
{retries}

[target_groups.app]
targets = 2
app = {{ workers = 64, error_rate = 0.1, service = {{ dist = "constant", ms = 1 }} }}
"#
    )
}

/// Each attempt fails with p = 0.1, independently; with up to 2 retries on 500 a request makes
/// (1 − p³)/(1 − p) = 1.11 attempts on average and fails only if all three do, p³ = 0.001.
/// Attempts per request: 99% Student-t band over replications; final error rate: 99% binomial
/// band on the pooled count. Without retries the error rate is p and attempts = requests.
#[test]
fn retries_amplify_attempts_and_cut_errors_as_the_closed_form_says() {
    let p = 0.1f64;
    let sc = load(&retry_scenario(
        r#"retries = { max = 2, base_ms = 10, cap_ms = 100, jitter = "full", on = [500] }"#,
    ));
    let (mut ratios, mut failed, mut completed) = (Vec::new(), 0u64, 0u64);
    for r in 0..sc.replications {
        let (_, fig) = run(&sc, r);
        assert_eq!(
            int(&fig, "requests.completed"),
            int(&fig, "requests.offered")
        );
        assert_eq!(
            int(&fig, "requests.failed"),
            int(&fig, "requests.failures.internal_error_500")
        );
        ratios.push(num(&fig, "requests.attempts") / num(&fig, "requests.offered"));
        failed += int(&fig, "requests.failed");
        completed += int(&fig, "requests.completed");
    }
    let (mean, hw) = band99(&ratios);
    let expected = expected_attempts(p, 2);
    assert!(
        (mean - expected).abs() <= hw,
        "attempts per request {mean} ± {hw}, closed form {expected}"
    );
    let rate = failed as f64 / completed as f64;
    let se = (rate * (1.0 - rate) / completed as f64).sqrt();
    assert!(
        (rate - p.powi(3)).abs() <= Z99 * se,
        "error rate {rate} ± {}, closed form {}",
        Z99 * se,
        p.powi(3)
    );

    let sc = load(&retry_scenario(""));
    let (failed, completed) = (0..sc.replications).fold((0, 0), |(f, c), r| {
        let (_, fig) = run(&sc, r);
        assert_eq!(
            int(&fig, "requests.attempts"),
            int(&fig, "requests.offered")
        );
        (
            f + int(&fig, "requests.failed"),
            c + int(&fig, "requests.completed"),
        )
    });
    let rate = failed as f64 / completed as f64;
    let se = (rate * (1.0 - rate) / completed as f64).sqrt();
    assert!(
        (rate - p).abs() <= Z99 * se,
        "error rate without retries {rate} ± {}, expected {p}",
        Z99 * se
    );
}

// ---------------------------------------------------------------------------------------------
// 9. The full storage-service path: stage figures and Little's law
// ---------------------------------------------------------------------------------------------

/// The storage service as shipped.
fn storage_service() -> ScenarioBuilder {
    ScenarioBuilder::file("scenarios/storage-service.toml")
}

/// Every hop of the storage service's path (gateway, authorizer, VPC link + NLB, nginx, app
/// queue, app) has a mean, p50 and p99, in each replication and merged.
#[test]
fn storage_service_reports_every_stage() {
    // As shipped: 600 s, so the authorizer's 300 s cache expires inside the measured window
    // and the authorizer stage has calls to measure.
    let sc = &storage_service().scenario();
    let stages = [
        "gateway",
        "authorizer",
        "load_balancer",
        "sidecar",
        "app_queue",
        "app_service",
    ];
    let merged = simroute::replicate::run_all(sc, Some(1), None).expect("run");
    let (_, one) = run(sc, 0);
    let merged = json(&merged.figures);
    for tree in [&merged, &one] {
        let present: Vec<&String> = lookup(tree, "stages")
            .and_then(Value::as_object)
            .expect("stages")
            .keys()
            .collect();
        assert_eq!(present, stages, "stages reported");
        for stage in stages {
            for f in ["mean", "p50", "p99"] {
                let v = num(tree, &format!("stages.{stage}.{f}"));
                assert!(v.is_finite() && v >= 0.0, "stages.{stage}.{f} = {v}");
            }
        }
    }
}

/// Little's law L = λW on the storage service as shipped (warm-up, steady arrivals to the end):
/// the window now cuts through requests at both edges. The two estimates of one replication then
/// differ by edge terms of order L·W/T (≈ 10⁻³ here) that are biased, not noise, so a paired
/// band on their difference would not be a valid test; the check is that the λW estimate lies
/// in the 99% Student-t band of L over replications.
#[test]
fn littles_law_band_over_replications() {
    let sc = &storage_service().scenario();
    let (mut l, mut lambda_w) = (Vec::new(), Vec::new());
    for r in 0..sc.replications {
        let (_, fig) = run(sc, r);
        l.push(num(&fig, "little.in_system_mean"));
        lambda_w.push(
            num(&fig, "little.arrival_rate_rps") * num(&fig, "little.response_mean_ms") / 1000.0,
        );
    }
    let (l_mean, hw) = band99(&l);
    let (lw_mean, _) = mean_sd(&lambda_w);
    assert!(
        (l_mean - lw_mean).abs() <= hw,
        "L = {l_mean} ± {hw} over replications, λW = {lw_mean}"
    );
}

/// Little's law L = λW on the full path. When the measured window starts and ends with nobody
/// in the system (arrivals only inside it, all answered before its end), it is an identity of
/// every sample path: ∫ N(t) dt = Σ W_i, so in_system_mean = arrival_rate × response_mean in
/// every replication, up to float rounding. That holds through throttling, authorization,
/// retries and every failure, so it catches any request the recorder loses or counts twice.
#[test]
fn littles_law_holds_on_the_full_path() {
    let (mut sc, raw) = storage_service()
        .set("simulation.duration_s", 200_u32)
        .set("simulation.warmup_s", 20_u32)
        .set("simulation.replications", 3_u32)
        .scenario_and_raw();
    let rates: Vec<f64> = raw
        .traffic
        .iter()
        .map(|t| t.rate_rps.expect("constant-rate sources"))
        .collect();
    confine_arrivals(&mut sc, &rates, 20.0, 150.0);
    assert_eq!(sc.warmup, from_secs(20.0));
    for r in 0..sc.replications {
        let (out, fig) = run(&sc, r);
        assert_eq!(
            int(&fig, "requests.completed"),
            int(&fig, "requests.offered"),
            "replication {r}: the window must end with every request answered"
        );
        assert!(int(&fig, "requests.attempts") > int(&fig, "requests.offered"));
        let l = num(&fig, "little.in_system_mean");
        let lambda_w =
            num(&fig, "little.arrival_rate_rps") * num(&fig, "little.response_mean_ms") / 1000.0;
        assert!(
            (l - lambda_w).abs() <= 1e-9 * l,
            "replication {r}: L = {l}, λW = {lambda_w}"
        );
        assert!(out.recorder.response_count > 0);
    }
}
