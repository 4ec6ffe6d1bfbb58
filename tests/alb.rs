//! The Application Load Balancer against its documented behaviour (reference §4, §8 of
//! `docs/aws-behaviour.md`; ELB user guide): listener rules chosen per source,
//! answers the ALB gives itself, TLS between an HTTP API and an HTTPS listener, the ALB's own
//! 502/503/504 each in exactly its documented situation, and the keep-alive race.
//!
//! Where the model's timing follows from constant parameters (timeouts, zero hop latencies) it is
//! asserted to the nanosecond. The keep-alive race is a rate: it is compared with its expectation
//! under the 99% normal band of its Poisson count, so a correct simulator fails with probability
//! 1% on a given seed (seeds are fixed, so runs are reproducible).

use simroute::scenario::{AlbAction, HealthCheck};
use simroute::stats::recorder::Recorder;
use simroute::vocab::{Failure, StageKind};

mod common;
use common::{ScenarioBuilder, event_time, failures, run, scenario};

/// Nanoseconds per second.
const S: u64 = 1_000_000_000;
/// The two-sided 99% quantile of the standard normal.
const Z99: f64 = 2.575_829;

/// Failures of every cause but `except`.
fn other_failures(rec: &Recorder, except: &[Failure]) -> u64 {
    Failure::ALL
        .iter()
        .filter(|f| !except.contains(f))
        .map(|&f| failures(rec, f))
        .sum()
}

/// An HTTP API with one route per source, all integrated with listener 443 of ALB `alb`.
/// `listener` is the rest of the listener table; `groups` the target groups; `extra` anything
/// after (faults, deployments).
fn alb_scenario(
    duration_s: f64,
    traffic: &str,
    routes: &[&str],
    integration_extra: &str,
    alb_extra: &str,
    listener: &str,
    groups: &str,
) -> String {
    let mut s = format!(
        "[simulation]\nname = \"alb-test\"\nduration_s = {duration_s}\nseed = 11\n\
         timeseries_interval_s = 10\n\n{traffic}\n\n[gateway]\nkind = \"http\"\n\n"
    );
    for r in routes {
        s += &format!(
            "[[gateway.routes]]\nroute = \"{r}\"\nintegration = {{ load_balancer = \"alb\", \
             port = 443{integration_extra} }}\n\n"
        );
    }
    s += &format!(
        "[load_balancers.alb]\nkind = \"alb\"\n{alb_extra}\n\n[[load_balancers.alb.listeners]]\n\
         port = 443\n{listener}\n\n{groups}\n"
    );
    s
}

const TLS: &str = ", tls_server_name = \"api.internal.example.com\"";

fn group(name: &str, targets: u32, extra: &str) -> String {
    format!(
        "[target_groups.{name}]\ntargets = {targets}\n{extra}\napp = {{ workers = 4, service = \
         {{ dist = \"constant\", ms = 1 }} }}\n"
    )
}

// ---------------------------------------------------------------------------------------------
// 1. Rules, actions, TLS
// ---------------------------------------------------------------------------------------------

/// Each source's requests get the action its attributes select (lowest priority first, default
/// last); forwarded ones reach only their group, fixed responses and redirects no target.
#[test]
fn each_source_gets_the_action_its_rules_select() {
    let traffic = r#"
[[traffic]]
name = "pets"
path = "/pets/1"
rate_rps = 20
arrival = "constant"

[[traffic]]
name = "food"
path = "/food/2"
rate_rps = 10
arrival = "constant"

[[traffic]]
name = "canary"
path = "/food/3"
host = "Canary.Example.com"
headers = { x-canary = "YES" }
rate_rps = 5
arrival = "constant"

[[traffic]]
name = "old"
path = "/old"
query = { version = "1" }
rate_rps = 4
arrival = "constant"

[[traffic]]
name = "other"
path = "/other"
rate_rps = 2
arrival = "constant"
"#;
    let listener = r#"default_action = { fixed_response = { status = 404 } }
rules = [
  { priority = 30, conditions = { path = ["/food*"] }, action = { target_group = "food" } },
  { priority = 10, conditions = { path = ["/pets*"] }, action = { target_group = "pets" } },
  { priority = 20, conditions = { host = ["*.example.com"], header = { name = "X-Canary", values = ["yes"] } }, action = { target_group = "canary" } },
  { priority = 40, conditions = { path = ["/old"], query = { key = "version", value = "1" } }, action = { redirect = { status = 301 } } },
]"#;
    let groups = [
        group("pets", 2, ""),
        group("food", 2, ""),
        group("canary", 1, ""),
    ]
    .join("\n");
    let toml = alb_scenario(
        100.0,
        traffic,
        &["GET /pets/{id}", "GET /food/{id}", "GET /old", "GET /other"],
        TLS,
        "tls_latency = { dist = \"constant\", ms = 2 }",
        listener,
        &groups,
    );
    let sc = scenario(&toml);
    let action = |i: usize| sc.sources[i].alb.expect("behind the ALB").action;
    let fwd = |g: u32| AlbAction::Forward { group: g };
    assert_eq!(action(0), fwd(0));
    assert_eq!(action(1), fwd(1));
    // Host (case-insensitive wildcard) AND header (name and value case-insensitive), at
    // priority 20, win over the path rule at 30 that also matches.
    assert_eq!(action(2), fwd(2));
    assert_eq!(action(3), AlbAction::Respond { failure: None });
    assert_eq!(
        action(4),
        AlbAction::Respond {
            failure: Some(Failure::NotFound404)
        }
    );
    assert!(sc.warnings.is_empty(), "{:?}", sc.warnings);

    let rec = run(&sc);
    let sent = |g: usize| -> u64 { rec.groups[g].targets.iter().map(|t| t.requests).sum() };
    // Constant arrivals at k / rate, k ≥ 1, over 100 s (the last one at the end is not run).
    let arrivals = |rate: u64| rate * 100 - 1;
    assert_eq!(sent(0), arrivals(20));
    assert_eq!(sent(1), arrivals(10));
    assert_eq!(sent(2), arrivals(5));
    // The redirect is an ok answer; the default fixed 404 a failure; nothing else fails.
    assert_eq!(failures(&rec, Failure::NotFound404), arrivals(2));
    assert_eq!(other_failures(&rec, &[Failure::NotFound404]), 0);
    assert_eq!(
        rec.counts.ok,
        arrivals(20) + arrivals(10) + arrivals(5) + arrivals(4)
    );
    // TLS termination on the HTTPS listener: 2 ms on every request's load-balancer hop.
    let lb = &rec.stages[StageKind::LoadBalancer as usize];
    assert_eq!(lb.mean_ms(), Some(2.0));
}

/// HTTP API → HTTPS listener without a TLS config: plain HTTP, 400 for every request whatever
/// the rules, and a warning naming the route and the listener; with `tls_server_name`, none.
#[test]
fn plain_http_to_an_https_listener_is_answered_400_with_a_warning() {
    let traffic =
        "[[traffic]]\nname = \"pets\"\npath = \"/pets/1\"\nrate_rps = 10\narrival = \"constant\"";
    let groups = group("pets", 1, "");
    let build = |tls: &str, protocol: &str| {
        alb_scenario(
            20.0,
            traffic,
            &["GET /pets/{id}"],
            tls,
            "",
            &format!("{protocol}target_group = \"pets\""),
            &groups,
        )
    };
    let plain = scenario(&build("", ""));
    assert_eq!(plain.warnings.len(), 1);
    let w = &plain.warnings[0];
    for needle in [
        "gateway.routes.0",
        "GET /pets/{id}",
        "HTTPS listener 443",
        "\"alb\"",
        "400",
        "tls_server_name",
    ] {
        assert!(w.contains(needle), "{needle:?} in {w}");
    }
    let rec = run(&plain);
    assert_eq!(failures(&rec, Failure::BadRequest400), 199);
    assert_eq!(rec.counts.ok, 0);
    assert_eq!(
        rec.groups[0].targets[0].requests, 0,
        "nothing reaches a target"
    );

    let fixed = scenario(&build(TLS, ""));
    assert!(fixed.warnings.is_empty());
    let rec = run(&fixed);
    assert_eq!((rec.counts.ok, rec.counts.failed()), (199, 0));

    // An HTTP listener takes plain HTTP: no TLS config needed.
    let http = scenario(&build("", "protocol = \"http\"\n"));
    assert!(http.warnings.is_empty());
    assert_eq!(run(&http).counts.failed(), 0);

    // The CLI prints the warning on stderr, and still validates (exit 0).
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scenario.toml");
    std::fs::write(&file, build("", "")).unwrap();
    for cmd in [
        vec!["validate", file.to_str().unwrap()],
        vec![
            "run",
            file.to_str().unwrap(),
            "--quiet",
            "--out",
            dir.path().join("out").to_str().unwrap(),
        ],
    ] {
        let o = common::binary::run(&cmd);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(
            o.status.code() == Some(0) || o.status.code() == Some(1),
            "{cmd:?}: {stderr}"
        );
        assert!(stderr.contains("warning:"), "{cmd:?}: {stderr}");
        assert!(stderr.contains("GET /pets/{id}"), "{cmd:?}: {stderr}");
    }
}

/// A group behind an ALB takes the ALB's health-check defaults (a new target needs one pass,
/// per the ALB user guide) and round robin; `least_outstanding_requests` is the ALB's name for
/// least outstanding.
#[test]
fn groups_behind_an_alb_take_its_defaults() {
    use simroute::vocab::AlgorithmKind;
    let traffic = "[[traffic]]\nname = \"pets\"\npath = \"/pets/1\"\nrate_rps = 10";
    let sc = scenario(&alb_scenario(
        20.0,
        traffic,
        &["GET /pets/{id}"],
        TLS,
        "",
        "target_group = \"pets\"",
        &group("pets", 2, "health_check = {}"),
    ));
    let hc = sc.groups[0].health_check.as_ref().unwrap();
    assert_eq!(hc, &HealthCheck::alb_defaults());
    assert_eq!(hc.initial_passes, 1);
    assert_eq!(hc.timeout, 5 * S);
    assert_eq!(sc.groups[0].algorithm, AlgorithmKind::RoundRobin);
    let alb = sc.groups[0].alb.expect("behind the ALB");
    assert_eq!(alb.idle_timeout, 60 * S);
    assert_eq!(alb.keepalive_race, None, "no sidecar, no keep-alive model");

    let sc = scenario(&alb_scenario(
        20.0,
        traffic,
        &["GET /pets/{id}"],
        TLS,
        "",
        "target_group = \"pets\"",
        &group(
            "pets",
            2,
            "algorithm = \"least_outstanding_requests\"\nhealth_check = { interval_s = 10 }",
        ),
    ));
    assert_eq!(sc.groups[0].algorithm, AlgorithmKind::LeastOutstanding);
    let hc = sc.groups[0].health_check.as_ref().unwrap();
    assert_eq!(hc.interval, 10 * S);
    assert_eq!(hc.timeout, 5 * S, "the unset fields stay the ALB's");
}

// ---------------------------------------------------------------------------------------------
// 2. The ALB's own 502 / 503 / 504 (reference §4, A3)
// ---------------------------------------------------------------------------------------------

const ONE_SOURCE: &str =
    "[[traffic]]\nname = \"pets\"\npath = \"/pets/1\"\nrate_rps = 10\narrival = \"constant\"";

/// A hung app behind an ALB with a 5 s idle timeout: every request is answered 504 by the ALB at
/// exactly 5 s, passed through the HTTP API as 504 (its own timeout would be a 503 at 30 s).
/// With nginx's read timeout shorter, nginx's 504 comes first; behind an NLB the gateway's.
#[test]
fn a_target_silent_past_the_idle_timeout_gets_504() {
    let build = |alb_extra: &str, sidecar: &str| {
        alb_scenario(
            60.0,
            ONE_SOURCE,
            &["GET /pets/{id}"],
            TLS,
            alb_extra,
            "target_group = \"pets\"",
            &format!(
                "{}\n[[faults]]\nat_s = 0.01\nkind = \"hang\"\ntarget_group = \"pets\"\n",
                group("pets", 1, sidecar)
            ),
        )
    };
    let rec = run(&scenario(&build("idle_timeout_s = 5", "")));
    assert!(rec.counts.completed > 500);
    assert_eq!(
        failures(&rec, Failure::GatewayTimeout504),
        rec.counts.completed
    );
    assert_eq!(rec.response_max_ns, 5 * S);
    assert_eq!(
        rec.response_sum_ns,
        u128::from(5 * S) * u128::from(rec.counts.completed)
    );

    // A REST API (VPC link V2) passes the ALB's 504 through the same way, at 5 s, before its
    // own 29 s integration timeout.
    let rec = ScenarioBuilder::new(build("idle_timeout_s = 5", ""))
        .set("gateway.kind", "rest")
        .run();
    assert_eq!(
        failures(&rec, Failure::GatewayTimeout504),
        rec.counts.completed
    );
    assert_eq!(rec.response_max_ns, 5 * S);

    // nginx's proxy_read_timeout (2 s) is shorter: its 504 at 2 s, not the ALB's.
    let rec = run(&scenario(&build(
        "idle_timeout_s = 5",
        "sidecar = { proxy_read_timeout_s = 2 }",
    )));
    assert_eq!(
        failures(&rec, Failure::GatewayTimeout504),
        rec.counts.completed
    );
    assert_eq!(rec.response_max_ns, 2 * S);

    // The default idle timeout (60 s) is longer than the HTTP API's integration timeout (30 s):
    // the gateway's own 503 at 30 s.
    let rec = run(&scenario(&build("", "")));
    assert_eq!(
        failures(&rec, Failure::Unavailable503),
        rec.counts.completed
    );
    assert_eq!(rec.response_max_ns, 30 * S);
}

/// A crashed task behind an ALB (no health checks, so it stays in rotation): the ALB cannot
/// connect and answers 504 after exactly 10 s; the healthy target's requests succeed.
#[test]
fn a_crashed_task_gets_504_after_the_10_s_connect_timeout() {
    let toml = alb_scenario(
        60.0,
        ONE_SOURCE,
        &["GET /pets/{id}"],
        TLS,
        "",
        "target_group = \"pets\"",
        &format!(
            "{}\n[[faults]]\nat_s = 10.05\nkind = \"crash\"\ntarget_group = \"pets\"\n",
            group("pets", 2, "")
        ),
    );
    let rec = run(&scenario(&toml));
    let to_crashed = rec.groups[0].targets[0].requests;
    // Round robin: target 0 gets every other request; those after the crash fail. The last
    // 10 s of requests to it are still waiting at the end of the run.
    let crashed_window = arrivals_to_target_0(10.05, 50.0 + 1e-9);
    assert_eq!(failures(&rec, Failure::GatewayTimeout504), crashed_window);
    assert_eq!(
        other_failures(&rec, &[Failure::GatewayTimeout504]),
        0,
        "no 502/503"
    );
    assert_eq!(rec.response_max_ns, 10 * S);
    assert!(to_crashed > crashed_window);
}

/// Arrivals every 0.1 s (rate 10, constant) that round robin over 2 targets sends to target 0,
/// in `[from, to)` seconds: arrival k (k ≥ 1) at k/10 s goes to target (k − 1) mod 2.
fn arrivals_to_target_0(from: f64, to: f64) -> u64 {
    (1..10_000u64)
        .filter(|k| k % 2 == 1)
        .filter(|&k| {
            let t = k as f64 / 10.0;
            t >= from && t < to
        })
        .count() as u64
}

/// Arrivals every 0.1 s in `(from, to)` nanoseconds.
fn arrivals_between(from: u64, to: u64) -> u64 {
    (1..100_000u64)
        .map(|k| k * S / 10)
        .filter(|&t| t > from && t < to)
        .count() as u64
}

/// A deployment replaces the only task; its requests still in flight when the 5.5 s
/// deregistration delay ends get the ALB's 502. With a delay longer than the service time, none.
#[test]
fn requests_in_flight_when_the_deregistration_delay_ends_get_502() {
    let build = |delay: f64| {
        let traffic = "[[traffic]]\nname = \"pets\"\npath = \"/pets/1\"\nrate_rps = 0.5\narrival = \"constant\"";
        let groups = format!(
            "[target_groups.pets]\ntargets = 1\nderegistration_delay_s = {delay}\n\
             health_check = {{ timeout_s = 30, new_target_delay_s = 0 }}\n\
             service = {{ task_start = {{ dist = \"constant\", ms = 1000 }} }}\n\
             app = {{ workers = 100, service = {{ dist = \"constant\", ms = 20000 }} }}\n\n\
             [[deployments]]\nat_s = 50\ntarget_group = \"pets\"\n"
        );
        alb_scenario(
            120.0,
            traffic,
            &["GET /pets/{id}"],
            TLS,
            "",
            "target_group = \"pets\"",
            &groups,
        )
    };
    let rec = run(&scenario(&build(5.5)));
    let draining = event_time(&rec, "health", "draining", 0).expect("old task deregistered");
    let unused = event_time(&rec, "health", "unused", draining).expect("draining ends");
    // Health checks are always on behind an ALB: the new task runs at 51 s, is checked at
    // once (no new-target delay here) and the check, served in 20 s like any request, passes
    // at 71 s; only then is the old task deregistered.
    assert_eq!(
        draining,
        71 * S,
        "deployed at 50 s, new task running 1 s later, healthy after its 20 s check"
    );
    assert_eq!(unused, draining + 5_500_000_000);
    // In flight at the old task when draining ends: sent in (unused − 20 s, draining), that is
    // arrivals at 2 s steps in (56.5, 71): 58, 60, …, 70.
    let expected = (1..60u64)
        .map(|k| 2 * k * S)
        .filter(|&t| t + 20 * S > unused && t < draining)
        .count() as u64;
    assert_eq!(expected, 7);
    assert_eq!(failures(&rec, Failure::BadGateway502), expected);
    assert_eq!(other_failures(&rec, &[Failure::BadGateway502]), 0);

    let rec = run(&scenario(&build(25.0)));
    assert_eq!(rec.counts.failed(), 0, "all done before draining ends");
}

/// The only task crashes; health checks find it, and with no room for a replacement first
/// (`maximum_percent = 100`) ECS stops it: with no registered target the ALB answers 503, until
/// the replacement registers. Before that, in rotation though crashed, its requests get 504.
#[test]
fn no_registered_target_gets_503_and_only_then() {
    let groups = format!(
        "{}\n[[faults]]\nat_s = 10.05\nkind = \"crash\"\ntarget_group = \"pets\"\n",
        group(
            "pets",
            1,
            "deregistration_delay_s = 0\nhealth_check = { interval_s = 10, timeout_s = 2 }\n\
             service = { minimum_healthy_percent = 0, maximum_percent = 100, task_start = { dist = \"constant\", ms = 30000 } }"
        )
    );
    let toml = alb_scenario(
        120.0,
        ONE_SOURCE,
        &["GET /pets/{id}"],
        TLS,
        "",
        "target_group = \"pets\"",
        &groups,
    );
    let rec = run(&scenario(&toml));
    let unused = event_time(&rec, "health", "unused", 0).expect("crashed task stopped");
    let registered = event_time(&rec, "health", "initial", unused).expect("replacement");
    assert_eq!(registered - unused, 30 * S, "the replacement's start time");
    // No registered target from `unused` until the replacement registers: 503.
    assert_eq!(
        failures(&rec, Failure::Unavailable503),
        arrivals_between(unused, registered)
    );
    // Before that the crashed task was still in rotation (registered; failing open once
    // unhealthy): its requests waited for the 10 s connect timeout (504) ...
    let crash = 10_050_000_000;
    let still_waiting = crash.max(unused - 10 * S);
    assert_eq!(
        failures(&rec, Failure::GatewayTimeout504),
        arrivals_between(crash, still_waiting)
    );
    assert!(failures(&rec, Failure::GatewayTimeout504) > 0);
    // ... unless its deregistration (delay 0) ended while they still waited: 502.
    assert_eq!(
        failures(&rec, Failure::BadGateway502),
        arrivals_between(still_waiting, unused)
    );
    assert_eq!(
        other_failures(
            &rec,
            &[
                Failure::Unavailable503,
                Failure::GatewayTimeout504,
                Failure::BadGateway502
            ]
        ),
        0
    );
}

// ---------------------------------------------------------------------------------------------
// 3. The keep-alive race (reference §8)
// ---------------------------------------------------------------------------------------------

/// 200 targets picked at random, each seeing Poisson traffic at λ = 0.2/s, 1 ms service, nginx
/// keep-alive 5 s under the ALB's 60 s idle timeout: a request races the target's close when
/// the gap since the target's last answer falls in [k, k + w), w = 1 ms, so the expected count
/// is (n − targets)·e^(−λ(k+s))·(1 − e^(−λw)). With keep-alive ≥ the idle timeout, or behind
/// an NLB, none.
#[test]
fn keepalive_shorter_than_the_idle_timeout_gives_occasional_502s() {
    let build = |lb: &str, keepalive: &str| {
        format!(
            r#"[simulation]
name = "race"
duration_s = 25000
seed = 5
timeseries_interval_s = 500

[[traffic]]
name = "pets"
path = "/pets/1"
rate_rps = 40

[gateway]
kind = "http"

[[gateway.routes]]
route = "GET /pets/{{id}}"
integration = {{ load_balancer = "lb", port = 443{TLS} }}

[load_balancers.lb]
kind = "{lb}"
listeners = [ {{ port = 443, target_group = "pets" }} ]

[target_groups.pets]
targets = 200
algorithm = "random"
sidecar = {{ {keepalive} }}
app = {{ workers = 4, service = {{ dist = "constant", ms = 1 }} }}
"#
        )
    };
    let sc = scenario(&build("alb", "keepalive_timeout_s = 5"));
    assert_eq!(
        sc.groups[0].alb.unwrap().keepalive_race,
        Some((5 * S, 5 * S + 1_000_000))
    );
    let rec = run(&sc);
    let n = rec.counts.completed as f64;
    let (lambda, k, s, w): (f64, f64, f64, f64) = (0.2, 5.0, 0.001, 0.001);
    let p = (-lambda * (k + s)).exp() * (1.0 - (-lambda * w).exp());
    let expected = (n - 200.0) * p;
    let got = failures(&rec, Failure::BadGateway502) as f64;
    eprintln!("keep-alive race: {got} 502s of {n} requests, expected {expected:.1}");
    assert!(
        (got - expected).abs() <= Z99 * expected.sqrt(),
        "502s {got}, expected {expected:.1} ± {:.1} (n = {n})",
        Z99 * expected.sqrt()
    );
    assert!(expected > 50.0, "the test has power: {expected}");
    assert_eq!(other_failures(&rec, &[Failure::BadGateway502]), 0);

    for (lb, keepalive) in [
        ("alb", ""),                         // nginx's 75 s > 60 s
        ("alb", "keepalive_timeout_s = 60"), // equal: the ALB closes first
        ("nlb", "keepalive_timeout_s = 5"),  // no ALB pool
    ] {
        let rec = run(&scenario(&build(lb, keepalive)));
        assert_eq!(rec.counts.failed(), 0, "{lb} {keepalive:?}");
        assert!(rec.counts.completed as f64 > 0.99 * n);
    }
}

/// A task that crashes with requests in flight sends no reset (the host is gone): behind an
/// ALB those requests end at the idle timeout with 504, not 502; later ones get the 10 s
/// connect timeout's 504.
#[test]
fn a_crash_with_requests_in_flight_gives_504_at_the_idle_timeout() {
    let traffic =
        "[[traffic]]\nname = \"pets\"\npath = \"/pets/1\"\nrate_rps = 1\narrival = \"constant\"";
    let groups = "[target_groups.pets]\ntargets = 2\n\
                  health_check = { timeout_s = 10 }\n\
                  app = { workers = 100, service = { dist = \"constant\", ms = 5000 } }\n\n\
                  [[faults]]\nat_s = 30.5\nkind = \"crash\"\ntarget_group = \"pets\"\n";
    let rec = run(&scenario(&alb_scenario(
        60.0,
        traffic,
        &["GET /pets/{id}"],
        TLS,
        "idle_timeout_s = 8",
        "target_group = \"pets\"",
        groups,
    )));
    // Health checks are on (ALB defaults, but a 10 s timeout that the 5 s requests pass); the
    // crash is detected only after 30.5 + 30 + 10 s, past the end of the run.
    // Round robin: arrival k (at k s) goes to target (k − 1) mod 2, odd k to the crashed one.
    // In flight there at 30.5 s: 27 and 29 (504 at +8 s); sent there after: 31, 33, …, 49
    // (504 at +10 s, answered by the end at 60 s).
    let in_flight = [27, 29].len() as u64;
    let after = (31..=49).step_by(2).count() as u64;
    assert_eq!(
        failures(&rec, Failure::GatewayTimeout504),
        in_flight + after
    );
    assert_eq!(other_failures(&rec, &[Failure::GatewayTimeout504]), 0);
    assert_eq!(rec.response_max_ns, 10 * S);
}
