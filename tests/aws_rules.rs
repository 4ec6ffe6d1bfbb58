//! AWS and nginx rules the model follows (issue 13), one test per rule, each named for the
//! rule and citing its source. The scenarios here are the tests' own, small enough to state
//! the expected figure in closed form; they go through the public API only
//! (`simroute::scenario::load_str` and `simroute::sim::run`), so they do not depend on how the
//! simulator is laid out inside.
//!
//! # How the checks decide
//! A figure with a closed form (a token bucket's admissions, an Erlang B loss rate) is compared
//! with it within a bound stated per test: exact where the clock and the parameters make it
//! exact, a 99% normal band where arrivals are Poisson. No tolerance was tuned to the
//! simulator's output.

use simroute::scenario::Scenario;
use simroute::stats::recorder::Recorder;
use simroute::vocab::Failure;

mod common;
use common::{ScenarioBuilder, events, failures, load_err, run_replication as run, scenario};

/// Nanoseconds per second.
#[allow(dead_code)]
const S: u64 = 1_000_000_000;

// ---------------------------------------------------------------------------------------------
// Rule 1: Cloud Map integrations have no per-request quota
// ---------------------------------------------------------------------------------------------

/// An HTTP API's Cloud Map integration at `rate` rps over 4 idle tasks for `duration` s.
fn cloud_map_gateway(rate: f64, duration: u32) -> ScenarioBuilder {
    ScenarioBuilder::new(format!(
        r#"
[simulation]
name = "rule-cloud-map-quota"
seed = 13
duration_s = {duration}

[[traffic]]
name = "callers"
method = "GET"
path = "/items"
rate_rps = {rate}

[gateway]
kind = "http"

[[gateway.routes]]
route = "GET /items"
integration = {{ target_group = "items", discovery = "cloud_map" }}

[target_groups.items]
targets = 4
cloud_map = {{}}
app = {{ workers = 32, service = {{ dist = "constant", ms = 2 }} }}
"#
    ))
}

/// API Gateway's Cloud Map integration is not charged a `DiscoverInstances` call per request:
/// AWS documents no such call or charge for HTTP API private integrations with Cloud Map
/// (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-private.html),
/// and Cloud Map's throttling page counts third-party callers, the CLI and the console
/// (https://docs.aws.amazon.com/cloud-map/latest/dg/throttling.html). So 2,500 rps for 20 s on
/// idle tasks (far past any 2,000-token bucket refilled at 1,000/s) has no failure at all.
/// With the opt-in `discover_instances_quota` (a caller that calls the API itself), the
/// documented bucket of 2,000 refilled at 1,000/s admits 2,000 + 1,000 × t: of ~50,000
/// arrivals about 50,000 − 22,000 fail with 503, within a handful (Poisson arrivals: the
/// bucket's admissions are exact up to the last arrivals before each token; 100 is ample).
#[test]
fn cloud_map_integration_has_no_per_request_quota() {
    let rec = cloud_map_gateway(2500.0, 20).run();
    let c = &rec.counts;
    assert!(c.offered > 45_000, "offered {}", c.offered);
    assert_eq!(c.failed(), 0, "failures {:?}", c.failures);

    let rec = cloud_map_gateway(2500.0, 20)
        .set(
            "gateway.routes.0.integration.discover_instances_quota",
            true,
        )
        .run();
    let c = &rec.counts;
    let throttled = failures(&rec, Failure::Unavailable503) as i64;
    let expected = (c.ok + c.failed()) as i64 - (2_000 + 20 * 1_000);
    assert!(
        (throttled - expected).abs() <= 100,
        "throttled {throttled}, expected about {expected}"
    );
    assert_eq!(
        c.failed() as i64,
        throttled,
        "only the quota fails requests"
    );
}

// ---------------------------------------------------------------------------------------------
// Rule 6: the account-level throttle applies by default
// ---------------------------------------------------------------------------------------------

/// An HTTP API (`kind`) with gateway lines `gateway_extra`, `rate` rps of evenly spaced
/// requests for `duration` s to one task that never queues.
fn throttled_gateway(kind: &str, gateway_extra: &str, routes: &str, rate: f64) -> String {
    format!(
        r#"
[simulation]
name = "rule-throttle"
seed = 6
duration_s = 10

[[traffic]]
name = "callers"
method = "GET"
path = "/items"
rate_rps = {rate}
arrival = "constant"

[gateway]
kind = "{kind}"
{gateway_extra}

{routes}

[target_groups.items]
targets = 1
app = {{ workers = 256, service = {{ dist = "constant", ms = 1 }} }}
"#
    )
}

const ONE_ROUTE: &str = r#"
[[gateway.routes]]
route = "GET /items"
integration = { target_group = "items" }
"#;

/// API Gateway throttles every account at 10,000 requests per second with a burst of 5,000 per
/// Region, whether or not the API's settings mention it ("Amazon API Gateway quotas",
/// https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html, and "Throttle
/// requests to your REST APIs",
/// https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html).
/// At 12,000 evenly spaced rps for 10 s with no `throttle` written, the full bucket of 5,000
/// plus 10,000 tokens a second admit 105,000 of the 120,000 requests: 15,000 get 429 (within a
/// few: the first arrival is 1/12,000 s in and tokens accrue continuously). A quota raised to
/// 20,000 rps, or `throttle = "unlimited"`, throttles nothing; any other word is refused,
/// naming the field.
#[test]
fn account_throttle_applies_by_default() {
    for kind in ["http", "rest"] {
        let rec = run(
            &scenario(&throttled_gateway(kind, "", ONE_ROUTE, 12_000.0)),
            0,
        );
        let throttled = failures(&rec, Failure::Throttled429) as i64;
        assert!(
            (throttled - 15_000).abs() <= 3,
            "{kind}: throttled {throttled}, expected 15,000 of {}",
            rec.counts.offered
        );
        assert_eq!(rec.counts.failed() as i64, throttled, "{kind}");
        for raised in [
            "throttle = { rate_rps = 20000, burst = 5000 }",
            "throttle = \"unlimited\"",
        ] {
            let rec = run(
                &scenario(&throttled_gateway(kind, raised, ONE_ROUTE, 12_000.0)),
                0,
            );
            assert_eq!(rec.counts.failed(), 0, "{kind} with {raised}");
        }
    }
    let bad = throttled_gateway("http", "throttle = \"none\"", ONE_ROUTE, 10.0);
    let e = load_err(&bad);
    let msg = e.to_string();
    assert!(
        msg.contains("gateway.throttle") && msg.contains("unlimited"),
        "{msg}"
    );
}

// ---------------------------------------------------------------------------------------------
// Rule 5: a route's throttle overrides the stage default
// ---------------------------------------------------------------------------------------------

/// A route's own limit replaces the stage's default limit for that route; it does not stack on
/// it. REST: "per-method throttling overrides the stage's default method throttling" ("Throttle
/// requests to your REST APIs",
/// https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html);
/// HTTP APIs: route-level `RouteSettings` override the stage's `DefaultRouteSettings`
/// ("Throttle requests to your HTTP APIs",
/// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html).
/// Both stay under the account limit. A route at 100/100 over a stage default of 20/20 takes
/// 60 evenly spaced rps without a 429; a route without its own limit gets the stage default:
/// of 599 requests in 10 s, 20 + 20 × 10 = 220 pass (379 throttled, within 2); and a route
/// limit above the account's is held to the account's 10,000/5,000.
#[test]
fn route_throttle_overrides_the_stage_default() {
    for kind in ["http", "rest"] {
        let toml = format!(
            r#"
[simulation]
name = "rule-route-throttle"
seed = 5
duration_s = 10

[[traffic]]
name = "own-limit"
method = "GET"
path = "/fast"
rate_rps = 60
arrival = "constant"

[[traffic]]
name = "stage-default"
method = "GET"
path = "/default"
rate_rps = 60
arrival = "constant"

[gateway]
kind = "{kind}"
stage_throttle = {{ rate_rps = 20, burst = 20 }}

[[gateway.routes]]
route = "GET /fast"
throttle = {{ rate_rps = 100, burst = 100 }}
integration = {{ target_group = "items" }}

[[gateway.routes]]
route = "GET /default"
integration = {{ target_group = "items" }}

[target_groups.items]
targets = 1
app = {{ workers = 64, service = {{ dist = "constant", ms = 1 }} }}
"#
        );
        let rec = run(&scenario(&toml), 0);
        let own = &rec.routes[0].counts;
        // Evenly spaced from 1/60 s: 599 arrive before the run ends at 10 s.
        assert_eq!(own.offered, 599, "{kind}");
        assert_eq!(
            own.failed(),
            0,
            "{kind}: the route's 100/100 replaces the stage's 20/20"
        );
        let default = &rec.routes[1].counts;
        let throttled = default.failures[Failure::Throttled429 as usize] as i64;
        let expected = default.offered as i64 - 220;
        assert!(
            (throttled - expected).abs() <= 2,
            "{kind}: throttled {throttled}, expected {expected}"
        );

        // Above the account's limit, the account's bucket still decides.
        let routes = r#"
[[gateway.routes]]
route = "GET /items"
throttle = { rate_rps = 20000, burst = 20000 }
integration = { target_group = "items" }
"#;
        let toml = throttled_gateway(kind, "", routes, 12_000.0);
        let rec = run(&scenario(&toml), 0);
        let throttled = failures(&rec, Failure::Throttled429) as i64;
        assert!((throttled - 15_000).abs() <= 3, "{kind}: {throttled}");
    }
}

// ---------------------------------------------------------------------------------------------
// Rule 8: health checks are always on behind a load balancer
// ---------------------------------------------------------------------------------------------

/// A REST API (HTTP API for an ALB) through a `kind` load balancer to 3 tasks with no
/// `health_check` table; task 0 crashes at 100 s.
fn unchecked_behind(kind: &str) -> String {
    let api = if kind == "alb" { "http" } else { "rest" };
    format!(
        r#"
[simulation]
name = "rule-checks-always-on"
seed = 8
duration_s = 400

[[traffic]]
name = "callers"
method = "GET"
path = "/items"
rate_rps = 30
timeout_s = 5

[gateway]
kind = "{api}"

[[gateway.routes]]
route = "GET /items"
integration = {{ load_balancer = "front", port = 80 }}

[load_balancers.front]
kind = "{kind}"
listeners = [ {{ port = 80, target_group = "items" }} ]

[target_groups.items]
targets = 3
deregistration_delay_s = 0
service = {{ task_start = {{ dist = "constant", ms = 30000 }} }}
sidecar = {{}}
app = {{ workers = 8, service = {{ dist = "constant", ms = 2 }} }}

[[faults]]
at_s = 100
kind = "crash"
target_group = "items"
"#
    )
}

/// For `ip` and `instance` targets, ELB health checks are always on and cannot be disabled: a
/// target group with no settings uses the defaults ("Health checks for Network Load Balancer
/// target groups",
/// https://docs.aws.amazon.com/elasticloadbalancing/latest/network/target-group-health-checks.html;
/// "Health checks for Application Load Balancer target groups",
/// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html).
/// A group behind an NLB with no `health_check` gets TCP, 30 s, 10 s, 5/2; behind an ALB HTTP,
/// 30 s, 5 s, 5/2. A crash is then detected after 2 failed rounds, between (2 − 1) × 30 s +
/// timeout and 2 × 30 s + timeout after it (the probe phase is uniform over the interval), and
/// ECS starts a replacement.
#[test]
fn health_checks_are_always_on_behind_a_load_balancer() {
    use simroute::scenario::HealthCheck;
    use simroute::vocab::HealthProtocol;
    for (kind, defaults) in [
        ("nlb", HealthCheck::nlb_defaults(HealthProtocol::Tcp)),
        ("alb", HealthCheck::alb_defaults()),
    ] {
        let sc = scenario(&unchecked_behind(kind));
        let hc = sc.groups[0].health_check.as_ref().expect("checks are on");
        assert_eq!(hc.protocol, defaults.protocol, "{kind}");
        assert_eq!(
            (hc.interval, hc.timeout),
            (defaults.interval, defaults.timeout),
            "{kind}"
        );
        assert_eq!(
            (hc.healthy_threshold, hc.unhealthy_threshold),
            (5, 2),
            "{kind}"
        );
        let timeout = defaults.timeout;
        for rep in 0..3 {
            let rec = run(&sc, rep);
            assert!(rec.groups[0].probes > 0, "{kind}: probes sent");
            let down = events(&rec, "health")
                .find(|e| e.target == Some(0) && e.to == "unhealthy")
                .map(|e| e.t)
                .unwrap_or_else(|| panic!("{kind}: the crash is detected"));
            let after = down - 100 * S;
            assert!(
                after >= 30 * S + timeout && after <= 60 * S + timeout,
                "{kind}: detected {after} ns after the crash"
            );
            assert!(
                events(&rec, "task_start").any(|e| e.t >= down),
                "{kind}: ECS replaces the crashed task"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Rule 9: a new target is not checked at the instant it registers
// ---------------------------------------------------------------------------------------------

/// Registering a target takes time before it is checked and gets traffic: "it can take a few
/// minutes for the registration process to complete and health checks to start" ("Troubleshoot
/// your Network Load Balancer",
/// https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-troubleshooting.html);
/// users report new targets `initial` for 70 to 120 s (aws/containers-roadmap #469). With no
/// `new_target_delay_s`, the assumed default is 90 s: the replacement of a crashed task behind
/// an NLB registers when it runs and is first checked, and with a TCP check that passes at
/// once found healthy, exactly 90 s later, and then gets traffic. Behind an ALB, whose new
/// targets need one passed HTTP check, it turns healthy 90 s plus the probe's round trip later.
#[test]
fn new_target_is_first_checked_after_the_registration_delay() {
    for kind in ["nlb", "alb"] {
        let sc = scenario(&unchecked_behind(kind));
        let hc = sc.groups[0].health_check.as_ref().expect("checks are on");
        assert_eq!(hc.new_target_delay, 90 * S, "{kind}");
        for rep in 0..2 {
            let rec = run(&sc, rep);
            let reg = events(&rec, "health")
                .find(|e| e.target == Some(3) && e.to == "initial")
                .map(|e| e.t)
                .unwrap_or_else(|| panic!("{kind}: the replacement registers"));
            let healthy = events(&rec, "health")
                .find(|e| e.target == Some(3) && e.to == "healthy")
                .map(|e| e.t)
                .unwrap_or_else(|| panic!("{kind}: the replacement turns healthy"));
            if kind == "nlb" {
                assert_eq!(healthy - reg, 90 * S, "{kind} replication {rep}");
            } else {
                // The HTTP probe goes through nginx to the 2 ms app: within a second.
                assert!(
                    healthy - reg >= 90 * S && healthy - reg < 91 * S,
                    "{kind} replication {rep}: {}",
                    healthy - reg
                );
            }
            let target = &rec.groups[0].targets[3];
            assert!(target.requests > 0, "{kind}: it gets traffic once healthy");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Rule 4: a larger scale-out is allowed inside the scale-out cooldown
// ---------------------------------------------------------------------------------------------

/// Target tracking: "the scale-out cooldown period is intended to continuously (but not
/// excessively) scale out": inside it the policy "won't increase the desired capacity again
/// unless either a larger scale out is triggered or the cooldown period ends" ("Target
/// tracking scaling policies for Application Auto Scaling",
/// https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-target-tracking.html).
/// The alarm keeps acting while it stays in ALARM. With CPU pinned at 100% against a 50%
/// target (every task saturated; excess answered 503 by a short queue), 2 tasks scale out at
/// the third high datapoint (180 s) to ⌈2 × 100/50⌉ = 4, and then, each minute inside the
/// 300 s cooldown, to the larger ⌈4 × 2⌉ = 8, 16 and the maximum 20; not once per cooldown.
#[test]
fn larger_scale_out_is_allowed_inside_the_scale_out_cooldown() {
    let toml = r#"
[simulation]
name = "rule-scale-out-cooldown"
seed = 4
duration_s = 600

[[traffic]]
name = "flood"
target_group = "busy"
rate_rps = 5000

[target_groups.busy]
targets = 2
service = { task_start = { dist = "constant", ms = 30000 } }
autoscaling = { min_tasks = 2, max_tasks = 20, target_cpu_percent = 50 }
app = { workers = 1, queue_limit = 10, service = { dist = "constant", ms = 10 } }
"#;
    let rec = run(&scenario(toml), 0);
    let outs: Vec<(u64, String)> = events(&rec, "scale_out")
        .map(|e| (e.t, e.to.clone()))
        .collect();
    let want: Vec<(u64, String)> = [(180, "4"), (240, "8"), (300, "16"), (360, "20")]
        .iter()
        .map(|&(t, n)| (t * S, n.to_string()))
        .collect();
    assert_eq!(outs, want);
    assert_eq!(events(&rec, "scale_in").count(), 0);
}

// ---------------------------------------------------------------------------------------------
// Rule 2: a rolling deployment at maximum_percent = 100 finishes
// ---------------------------------------------------------------------------------------------

/// 4 tasks deployed at 60 s with `minimum_healthy_percent = min` and `maximum_percent = max`.
fn deployment(min: u32, max: u32) -> String {
    format!(
        r#"
[simulation]
name = "rule-rolling-deploy"
seed = 2
duration_s = 600

[[traffic]]
name = "callers"
target_group = "app"
rate_rps = 40
timeout_s = 5

[target_groups.app]
targets = 4
health_check = {{ protocol = "tcp", interval_s = 5, timeout_s = 2, new_target_delay_s = 0 }}
deregistration_delay_s = 0
service = {{ task_start = {{ dist = "constant", ms = 20000 }}, minimum_healthy_percent = {min}, maximum_percent = {max} }}
app = {{ workers = 4, service = {{ dist = "constant", ms = 5 }} }}

[[deployments]]
at_s = 60
target_group = "app"
"#
    )
}

/// ECS rolling updates keep at least `minimumHealthyPercent` of the desired count healthy
/// (rounded up) and at most `maximumPercent` alive (rounded down); when `maximumPercent`
/// leaves no room for a new task, ECS stops old tasks first, down to `minimumHealthyPercent`,
/// and starts new ones in their place ("Deploy Amazon ECS services by replacing tasks",
/// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-ecs.html;
/// service definition parameters,
/// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service_definition_parameters.html).
/// Every combination of min 0/50/100 × max 100/150/200 finishes (all 4 tasks replaced, 4
/// healthy at the end) and never has fewer than ⌈4 × min/100⌉ healthy; min 100 with max 100,
/// which can neither start nor stop a task, is refused (exit 2) naming the field.
#[test]
fn rolling_deployment_at_maximum_percent_100_finishes() {
    for min in [0u32, 50, 100] {
        for max in [100u32, 150, 200] {
            let toml = deployment(min, max);
            if min == 100 && max == 100 {
                let e = load_err(&toml);
                assert!(
                    e.to_string()
                        .contains("target_groups.app.service.maximum_percent"),
                    "{e}"
                );
                let file = common::binary::scratch("rule2-min100-max100").join("scenario.toml");
                std::fs::write(&file, &toml).unwrap();
                let out = common::binary::run(&["validate", file.to_str().unwrap()]);
                assert_eq!(out.status.code(), Some(2));
                assert!(
                    String::from_utf8_lossy(&out.stderr)
                        .contains("target_groups.app.service.maximum_percent")
                );
                continue;
            }
            let rec = run(&scenario(&toml), 0);
            let done = events(&rec, "deployment_done").count();
            assert_eq!(done, 1, "min {min} max {max}: the deployment finishes");
            let started = events(&rec, "task_start").count();
            assert_eq!(started, 4, "min {min} max {max}: 4 new tasks");
            let last = rec.timeseries.rows().last().unwrap().healthy[0][0];
            assert_eq!(last, 4, "min {min} max {max}: 4 healthy at the end");
            let floor = (4 * min).div_ceil(100);
            assert!(
                rec.groups[0].healthy_min >= floor,
                "min {min} max {max}: healthy fell to {}",
                rec.groups[0].healthy_min
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Rule 3: nginx out of `worker_connections` accepts and closes
// ---------------------------------------------------------------------------------------------

/// Poisson arrivals at `rate` straight to one task whose nginx has `sidecar` (fields of the
/// table) in front of an app that is never the limit (64 workers, `service`).
fn nginx_task(rate: f64, sidecar: &str, service: &str) -> String {
    format!(
        r#"
[simulation]
name = "rule-nginx-connections"
seed = 3
duration_s = 22
warmup_s = 2
replications = 10

[[traffic]]
name = "callers"
rate_rps = {rate}
target_group = "task"

[target_groups.task]
targets = 1
sidecar = {{ {sidecar} }}
app = {{ workers = 64, service = {service} }}
"#
    )
}

/// Erlang B, B(c, a) = (aᶜ / c!) / Σ_{k≤c} aᵏ / k!, written out (the oracle, independent of
/// `simroute::math`).
fn erlang_b_closed_form(c: u32, a: f64) -> f64 {
    let (mut term, mut sum) = (1.0f64, 1.0f64);
    for k in 1..=c {
        term *= a / f64::from(k);
        sum += term;
    }
    term / sum
}

/// Mean and 99% Student-t half-width of `xs` over replications.
fn band99(xs: &[f64]) -> (f64, f64) {
    use simroute::math::confidence::{mean_sd, t_quantile};
    let (mean, sd) = mean_sd(xs);
    let n = xs.len() as f64;
    (mean, t_quantile(0.995, n - 1.0) * sd / n.sqrt())
}

/// The share of `failure` among each replication's offered requests, and the run's recorders.
fn loss_shares(sc: &Scenario, failure: Failure) -> (Vec<f64>, Vec<Recorder>) {
    let recs: Vec<Recorder> = (0..sc.replications).map(|r| run(sc, r)).collect();
    let shares = recs
        .iter()
        .map(|rec| failures(rec, failure) as f64 / rec.counts.offered as f64)
        .collect();
    (shares, recs)
}

/// nginx out of `worker_connections` accepts the connection and closes it at once: the accept
/// handler's `ngx_get_connection` finds no free connection ("worker_connections are not
/// enough") and the socket is closed (nginx source `src/event/ngx_event_accept.c`,
/// `src/core/ngx_connection.c`). Nothing waits, so a task's nginx is an Erlang loss system
/// with c = (worker_connections − 2) / 2 places: 300 rps of 50 ms requests (a = λ·E[S] = 15)
/// at worker_connections 26 (12 requests at once) lose B(12, 15) = 31% of the connections,
/// closed with no answer, and serve the rest in exactly their service time (the p50 of the
/// 200s is 50 ms, not seconds of backlog wait). The share is within the 99% band over 10
/// replications of the closed form.
#[test]
fn nginx_out_of_worker_connections_accepts_and_closes() {
    let sc = scenario(&nginx_task(
        300.0,
        "max_connections = 26",
        r#"{ dist = "constant", ms = 50 }"#,
    ));
    let expected = erlang_b_closed_form(12, 15.0);
    assert!((expected - 0.3096).abs() < 1e-4);
    let (closed, recs) = loss_shares(&sc, Failure::ConnectionClosed);
    let (mean, hw) = band99(&closed);
    assert!(
        (mean - expected).abs() <= hw,
        "closed {mean} ± {hw}, Erlang B(12, 15) = {expected}"
    );
    for rec in &recs {
        assert_eq!(
            rec.counts.failed(),
            failures(rec, Failure::ConnectionClosed)
        );
        let p50 = rec.latency().quantile_ms(0.5).expect("answers");
        assert!((p50 - 50.0).abs() <= 0.05, "p50 of the 200s {p50} ms");
        assert_eq!(rec.latency().max_ms(), Some(50.0), "nothing waits in nginx");
    }
}

/// A request whose client connection took nginx's last free connection finds none for the
/// upstream connect (`ngx_get_connection` in `src/event/ngx_event_connect.c` returns NULL) and
/// `src/http/ngx_http_upstream.c` finalizes it with 500 (`NGX_HTTP_INTERNAL_SERVER_ERROR`).
/// With worker_connections 9 (7 slots: 3 proxied requests and one left over) at 100 rps of
/// 50 ms requests (a = 5), the arrivals that find 3 in flight get that 500, B(3, 5) of them,
/// and no connection is ever closed unanswered (the 500 gives its slot back). At
/// worker_connections 8 (6 slots) the same arrivals are closed instead, and none gets a 500.
#[test]
fn nginx_without_an_upstream_slot_answers_500() {
    let service = r#"{ dist = "exponential", mean_ms = 50 }"#;
    let expected = erlang_b_closed_form(3, 5.0);
    let sc = scenario(&nginx_task(100.0, "max_connections = 9", service));
    let (errors, recs) = loss_shares(&sc, Failure::InternalError500);
    let (mean, hw) = band99(&errors);
    assert!(
        (mean - expected).abs() <= hw,
        "500s {mean} ± {hw}, Erlang B(3, 5) = {expected}"
    );
    assert!(
        recs.iter()
            .all(|r| failures(r, Failure::ConnectionClosed) == 0)
    );
    let sc = scenario(&nginx_task(100.0, "max_connections = 8", service));
    let (closed, recs) = loss_shares(&sc, Failure::ConnectionClosed);
    let (mean, hw) = band99(&closed);
    assert!((mean - expected).abs() <= hw, "closed {mean} ± {hw}");
    assert!(
        recs.iter()
            .all(|r| failures(r, Failure::InternalError500) == 0)
    );
}

/// Each nginx worker process takes one connection for every listening socket
/// (`ngx_event_process_init`, nginx source `src/event/ngx_event.c`) and one for its channel to
/// the master (`ngx_worker_process_init` → `ngx_add_channel_event`,
/// `src/os/unix/ngx_process_cycle.c`, `src/os/unix/ngx_channel.c`), so worker_connections 16
/// proxies (16 − 2) / 2 = 7 requests at once; two worker processes of 8 each, 6; one process
/// listening on 3 sockets, 6. Under heavy load (80 rps of 1 s requests) the loss share is
/// B(c, 80) for that c, and a max_connections that leaves no room for one request is refused.
#[test]
fn nginx_listening_sockets_and_channel_take_a_connection_each() {
    let service = r#"{ dist = "constant", ms = 1000 }"#;
    for (sidecar, c) in [
        ("max_connections = 16", 7),
        ("max_connections = 16, worker_processes = 2", 6),
        ("max_connections = 16, listen_sockets = 3", 6),
    ] {
        let sc = scenario(&nginx_task(80.0, sidecar, service));
        let (closed, _) = loss_shares(&sc, Failure::ConnectionClosed);
        let (mean, hw) = band99(&closed);
        let expected = erlang_b_closed_form(c, 80.0);
        assert!(
            (mean - expected).abs() <= hw.max(0.005),
            "{sidecar}: closed {mean} ± {hw}, B({c}, 80) = {expected}"
        );
    }
    let e = load_err(&nginx_task(1.0, "max_connections = 3", service));
    assert!(
        e.to_string()
            .contains("target_groups.task.sidecar.max_connections"),
        "{e}"
    );
}

// ---------------------------------------------------------------------------------------------
// Rule 7: an ALB routes each request on its own
// ---------------------------------------------------------------------------------------------

/// 300 rps from a client on 3 keep-alive connections, through an HTTP API and a `kind` load
/// balancer to 5 tasks (`algorithm`: the group's, or its default), plus `extra` lines.
fn keep_alive_behind(kind: &str, algorithm: &str, extra: &str) -> String {
    format!(
        r#"
[simulation]
name = "rule-alb-per-request"
seed = 7
duration_s = {duration}

[[traffic]]
name = "callers"
path = "/items"
rate_rps = 300
connections = 3

[gateway]
kind = "http"

[[gateway.routes]]
route = "ANY /items"
integration = {{ load_balancer = "front", port = 80 }}

[load_balancers.front]
kind = "{kind}"
listeners = [ {{ port = 80, target_group = "items" }} ]

[target_groups.items]
targets = 5
{algorithm}
deregistration_delay_s = 30
health_check = {{ interval_s = 5, timeout_s = 2 }}
service = {{ task_start = {{ dist = "constant", ms = 20000 }} }}
app = {{ workers = 64, service = {{ dist = "exponential", mean_ms = 5 }} }}
{extra}
"#,
        duration = if extra.is_empty() { 20 } else { 200 },
    )
}

/// An ALB picks a target for every request, round robin by default or least outstanding
/// requests ("Routing algorithms",
/// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-target-groups.html),
/// whatever client connection the request came on: it terminates the client's connection and
/// multiplexes requests onto its own connections to the targets. An NLB does not: it routes a
/// connection by its flow hash and keeps it on that target for the connection's life ("How
/// Network Load Balancers work",
/// https://docs.aws.amazon.com/elasticloadbalancing/latest/network/introduction.html). So 3
/// keep-alive connections to 5 targets reach all 5 behind an ALB, each with a fifth of the
/// requests within 10%, and at most 3 behind an NLB, the others getting none.
#[test]
fn alb_routes_each_request_on_its_own() {
    for algorithm in ["", r#"algorithm = "least_outstanding""#] {
        let rec = run(&scenario(&keep_alive_behind("alb", algorithm, "")), 0);
        let share = rec.counts.offered as f64 / 5.0;
        assert!(rec.counts.offered > 5_000);
        for (t, target) in rec.groups[0].targets.iter().enumerate() {
            let n = target.requests as f64;
            assert!(
                (n - share).abs() <= 0.1 * share,
                "ALB {algorithm:?}: target {t} got {n} of {}",
                rec.counts.offered
            );
        }
    }
    let rec = run(&scenario(&keep_alive_behind("nlb", "", "")), 0);
    let reached = rec.groups[0]
        .targets
        .iter()
        .filter(|t| t.requests > 0)
        .count();
    assert!(reached <= 3, "NLB: 3 connections reached {reached} targets");
    assert_eq!(
        rec.groups[0]
            .targets
            .iter()
            .map(|t| t.requests)
            .sum::<u64>(),
        rec.counts.offered
    );
}

/// A deregistering target drains: "Elastic Load Balancing stops sending requests to targets
/// that are deregistering" (deregistration delay,
/// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-target-groups.html).
/// Behind an ALB that holds for requests on a keep-alive connection too, as each request is
/// routed on its own: in a rolling deployment no old task gets a request after it starts
/// draining, and nothing fails.
#[test]
fn alb_sends_no_request_to_a_draining_target() {
    let sc = scenario(&keep_alive_behind(
        "alb",
        "",
        "[[deployments]]\nat_s = 60\ntarget_group = \"items\"",
    ));
    let rec = run(&sc, 0);
    let drains: Vec<(u32, u64)> = events(&rec, "health")
        .filter(|e| e.to == "draining")
        .map(|e| (e.target.unwrap(), e.t))
        .collect();
    assert_eq!(drains.len(), 5, "the 5 old tasks drain");
    for (t, at) in drains {
        let last = rec.groups[0].targets[t as usize].last_request;
        assert!(
            last <= at,
            "target {t}: a request {} ns into draining",
            last - at
        );
    }
    assert_eq!(rec.counts.failed(), 0, "{:?}", rec.counts.failures);
}
