//! The third way in (reference §5, §6): ECS container health checks, the Cloud Map registry
//! ECS keeps, API Gateway's `DiscoverInstances` private integration and DNS clients.
//!
//! # How the checks decide
//! Timings that follow from constant parameters (check interval, timeout, retries, start
//! period, Cloud Map's health lag, task start) are asserted within bounds reached by
//! construction: the clock is integer nanoseconds, and the only randomness in them is the phase
//! of the running fleet's checks (uniform over the interval), which the bounds cover. Spreads
//! are compared with their expectation using 99% normal bands. Where a bound depends on traffic
//! (the last request sent to a task before it drops out of every answer), the slack is chosen
//! so that a correct simulator misses it with probability far below 1e-6 (stated per test).
//! No tolerance here was tuned to the simulator's output.

use simroute::stats::recorder::Recorder;
use simroute::vocab::Failure;

mod common;
use common::{ScenarioBuilder, events, run_replication as run, scenario};

/// Nanoseconds per second.
const S: u64 = 1_000_000_000;
/// Nanoseconds per millisecond.
const MS: u64 = 1_000_000;

/// When target `target` of group 0 first went to `to` in events of `kind`.
fn first(rec: &Recorder, kind: &str, target: u32, to: &str) -> Option<u64> {
    events(rec, kind)
        .find(|e| e.group == 0 && e.target == Some(target) && e.to == to)
        .map(|e| e.t)
}

/// A direct source (`source`: its rate and more) over three tasks with the documented container-check defaults
/// (interval 30 s, timeout 5 s, retries 3); target 0 crashes at 100 s.
fn crash_scenario(extra_group: &str, source: &str) -> String {
    format!(
        r#"
[simulation]
name = "container-check"
seed = 5
duration_s = 400
warmup_s = 0

[[traffic]]
name = "users"
target_group = "app"
timeout_s = 5
{source}

[target_groups.app]
targets = 3
deregistration_delay_s = 0
service = {{ task_start = {{ dist = "constant", ms = 60000 }}, container_health_check = {{ interval_s = 30, timeout_s = 5, retries = 3 }} }}
app = {{ workers = 8, service = {{ dist = "constant", ms = 1 }} }}
{extra_group}

[[faults]]
at_s = 100
kind = "crash"
target_group = "app"
"#
    )
}

// ---------------------------------------------------------------------------------------------
// 1. Container health checks (reference §5, E2)
// ---------------------------------------------------------------------------------------------

/// A crash is detected after `retries` failed checks: the first check starting after the crash
/// (within one interval plus a passing check's 1 ms) fails at its timeout, then each next one an
/// interval after the previous result: detection − crash ∈ [R·T + (R−1)·I − 1 ms,
/// R·T + R·I + 1 ms] = [75 s, 105 s], uniform over it, so its mean is R·T + (R−½)·I = 90 s
/// (≈ retries × interval). ECS then replaces the task, the new one first (maximumPercent 200).
#[test]
fn container_check_detects_a_crash_after_retries_intervals() {
    let sc = scenario(&crash_scenario("", "rate_rps = 30"));
    let (r, t, i) = (3, 5 * S, 30 * S);
    let crash = 100 * S;
    let mut delays = Vec::new();
    for rep in 0..40 {
        let rec = run(&sc, rep);
        let detected = first(&rec, "container_health", 0, "unhealthy").expect("detected");
        let d = detected - crash;
        assert!(
            d + MS >= r * t + (r - 1) * i && d <= r * t + r * i + MS,
            "replication {rep}: detected {d} ns after the crash"
        );
        delays.push(d as f64 / S as f64);
        // Replaced: a new task launched at detection, the failed one stopped once the new one
        // passed its first check (task start 60 s + one interval).
        let launched = events(&rec, "task_start")
            .find(|e| e.t >= detected)
            .expect("replacement launched");
        assert_eq!(launched.t, detected);
        let stop = events(&rec, "task_stop")
            .find(|e| e.target == Some(0))
            .expect("failed task stopped");
        assert_eq!(stop.detail, "failed container health checks");
        assert!(stop.t >= detected + 60 * S + i, "stopped at {}", stop.t);
    }
    // Uniform over 30 s: sd of the mean of 40 is 30/√12/√40 ≈ 1.37 s; 99% band ±3.53 s.
    let mean = delays.iter().sum::<f64>() / delays.len() as f64;
    assert!((mean - 90.0).abs() < 3.53, "mean detection {mean:.2} s");
}

/// Failures of checks started within the start period do not count while the container has
/// never passed (ECS `HealthCheck`: startPeriod). Every check fails here (the app answers 500),
/// so a replacement task turns unhealthy R checks after its first counted one: with no start
/// period at its third check (run + 3 intervals), with a 100 s start period at the third
/// check started at or after run + 100 s.
#[test]
fn start_period_ignores_failures_of_a_new_task() {
    let case = |start_period: u64| {
        let sc = scenario(&format!(
            r#"
[simulation]
name = "start-period"
seed = 3
duration_s = 900
warmup_s = 0

[[traffic]]
name = "users"
rate_rps = 1
target_group = "app"

[target_groups.app]
targets = 1
deregistration_delay_s = 0
service = {{ task_start = {{ dist = "constant", ms = 10000 }}, container_health_check = {{ start_period_s = {start_period} }} }}
app = {{ workers = 4, error_rate = 1.0, service = {{ dist = "constant", ms = 1 }} }}
"#
        ));
        let rec = run(&sc, 0);
        // Target 1 is the first replacement.
        let ran = events(&rec, "health")
            .find(|e| e.target == Some(1) && e.detail == "registered")
            .expect("replacement ran")
            .t;
        let unhealthy = first(&rec, "container_health", 1, "unhealthy").expect("detected");
        (unhealthy - ran) as f64 / S as f64
    };
    // Checks start at run + k·(30 s + 1 ms), k ≥ 1; the R-th counted one answers 1 ms later.
    let none = case(0);
    assert!((none - 90.003).abs() < 1e-6, "no start period: {none} s");
    // Counted from the first start ≥ 100 s: k = 4 (120.003 s), so the third is k = 6.
    let with = case(100);
    assert!(
        (with - 180.006).abs() < 1e-6,
        "start period 100 s: {with} s"
    );
}

// ---------------------------------------------------------------------------------------------
// 2. The Cloud Map registry (reference §6, M3)
// ---------------------------------------------------------------------------------------------

/// ECS reports the unhealthy task; Cloud Map applies it `health_lag_s` later (default 30 s);
/// the instance is deregistered when ECS stops the task. New tasks register when they run.
#[test]
fn cloud_map_applies_reported_health_after_the_lag() {
    let sc = scenario(&crash_scenario(
        "cloud_map = { dns_ttl_s = 60 }",
        "rate_rps = 30",
    ));
    assert_eq!(sc.groups[0].cloud_map.as_ref().unwrap().health_lag, 30 * S);
    for rep in 0..5 {
        let rec = run(&sc, rep);
        let detected = first(&rec, "container_health", 0, "unhealthy").unwrap();
        let applied = first(&rec, "cloud_map", 0, "unhealthy").expect("applied");
        assert_eq!(applied, detected + 30 * S);
        let replacement = events(&rec, "cloud_map")
            .find(|e| e.target == Some(3))
            .expect("replacement registered");
        assert_eq!(replacement.detail, "registered");
        assert_eq!(replacement.t, detected + 60 * S, "registers when it runs");
    }
}

// ---------------------------------------------------------------------------------------------
// 3. API Gateway → Cloud Map (reference §1 S13, §6 M1, M2, M4)
// ---------------------------------------------------------------------------------------------

/// `rate` rps through an HTTP API's Cloud Map integration to `targets` tasks for `duration` s.
fn gateway_scenario(rate: f64, duration: u32, targets: u32) -> ScenarioBuilder {
    ScenarioBuilder::new(format!(
        r#"
[simulation]
name = "api-cloud-map"
seed = 9
duration_s = {duration}
warmup_s = 0

[[traffic]]
name = "users"
method = "GET"
path = "/pets"
rate_rps = {rate}
timeout_s = 40

[gateway]
kind = "http"

[[gateway.routes]]
route = "GET /pets"
integration = {{ target_group = "pets", discovery = "cloud_map" }}

[target_groups.pets]
targets = {targets}
deregistration_delay_s = 0
service = {{ task_start = {{ dist = "constant", ms = 60000 }}, container_health_check = {{}} }}
cloud_map = {{}}
app = {{ workers = 64, service = {{ dist = "constant", ms = 1 }} }}
"#
    ))
}

/// Round robin with equal weights over the healthy instances: per-task counts differ by at
/// most one.
#[test]
fn api_gateway_round_robins_over_discovered_instances() {
    let sc = gateway_scenario(200.0, 60, 4).scenario();
    let rec = run(&sc, 0);
    let counts: Vec<u64> = rec.groups[0].targets.iter().map(|t| t.requests).collect();
    let (lo, hi) = (counts.iter().min().unwrap(), counts.iter().max().unwrap());
    assert!(hi - lo <= 1 && *lo > 0, "{counts:?}");
}

/// A crashed task keeps getting its share (and those requests end at the 30 s integration
/// timeout, 503) until Cloud Map applies its unhealthy status, 30 s after detection; then
/// none. At 60 rps over 3 instances it gets one request in 3: the chance of no request to it
/// in its last second is below (2/3)^55 ≈ 2e-10.
#[test]
fn api_gateway_stops_sending_to_a_crashed_task_after_the_health_lag() {
    let fault = "[[faults]]\nat_s = 100\nkind = \"crash\"\ntarget_group = \"pets\"\n";
    let sc = gateway_scenario(60.0, 400, 3).with(fault).scenario();
    for rep in 0..3 {
        let rec = run(&sc, rep);
        let applied = first(&rec, "cloud_map", 0, "unhealthy").expect("applied");
        let last = rec.groups[0].targets[0].last_request;
        assert!(
            last <= applied && last + S >= applied,
            "last request at {last}, unhealthy in Cloud Map at {applied}"
        );
        let timeouts = rec.routes[0].counts.failures[Failure::Unavailable503 as usize];
        assert!(timeouts > 0, "black-holed requests time out with 503");
    }
}

/// With `discover_instances_quota` (opt-in: a caller that calls `DiscoverInstances` itself),
/// the calls are throttled at 1,000/s with a 2,000 bucket (Cloud Map throttling page): at
/// 2,000 rps for 10 s, about 20,000 − (2,000 + 10 × 1,000) = 8,000 requests fail with 503.
/// Arrivals are Poisson, so the count of admitted requests is 2,000 + 1,000 × (the time after
/// the bucket ran dry) up to the last few arrivals: |throttled − (arrivals − 12,000)| is at
/// most a handful, well within 50.
#[test]
fn discover_instances_is_throttled_per_account() {
    let sc = gateway_scenario(2000.0, 10, 4)
        .set(
            "gateway.routes.0.integration.discover_instances_quota",
            true,
        )
        .scenario();
    let rec = run(&sc, 0);
    let c = &rec.routes[0].counts;
    let arrivals = c.ok + c.failed();
    let throttled = c.failures[Failure::Unavailable503 as usize] as i64;
    let expected = arrivals as i64 - 12_000;
    assert!(
        (throttled - expected).abs() <= 50,
        "throttled {throttled}, expected about {expected} of {arrivals}"
    );
}

// ---------------------------------------------------------------------------------------------
// 4. DNS clients (reference §6, M1, E11)
// ---------------------------------------------------------------------------------------------

/// 20 healthy tasks, one client, TTL longer than the run: its one answer holds 8 records, so
/// exactly 8 tasks get requests (each of them about 1/8 of 4,000; none with fewer than 350,
/// whose chance is below 1e-9).
#[test]
fn a_dns_answer_holds_at_most_eight_records() {
    let sc = scenario(
        r#"
[simulation]
name = "dns-eight"
seed = 2
duration_s = 40
warmup_s = 0

[[traffic]]
name = "client"
rate_rps = 100
target_group = "app"
discovery = "dns"

[target_groups.app]
targets = 20
cloud_map = { dns_ttl_s = 3600 }
app = { workers = 8, service = { dist = "constant", ms = 1 } }
"#,
    );
    for rep in 0..3 {
        let rec = run(&sc, rep);
        let used: Vec<u64> = rec.groups[0]
            .targets
            .iter()
            .map(|t| t.requests)
            .filter(|&n| n > 0)
            .collect();
        assert_eq!(used.len(), 8, "replication {rep}: {used:?}");
        assert!(used.iter().all(|&n| n >= 350), "{used:?}");
    }
}

/// After a crash, DNS clients keep sending to the dead task until Cloud Map marks it unhealthy
/// (detection + 30 s lag) and their cached answers expire (TTL): a cache resolved before
/// Cloud Map applied the status still lists the task, one resolved after does not, so the last
/// request to it is before `applied + TTL` (exact), and none comes after. With TTL 0 (nothing
/// cached) none comes after `applied` (exact). With TTL 60 requests do come after `applied`:
/// all 50 clients start together and so refresh together, once a TTL; the last refresh before
/// `applied` is within the TTL before it, and its caches keep the task until `refresh + TTL`.
/// Only when `applied` falls within about a second before a refresh (≈ 1/30 of replications,
/// as detection spreads over 30 s) can the window be empty; at least 6 of 8 replications with
/// requests after `applied` fails by chance with probability ≈ C(8,3)/30³ ≈ 0.2%.
#[test]
fn dns_clients_reach_a_crashed_task_until_lag_plus_ttl() {
    let source = "discovery = \"dns\"\nclients = 50\nrate_rps = 100";
    let with_ttl = |ttl: u32| {
        let cm = format!("cloud_map = {{ dns_ttl_s = {ttl} }}");
        let sc = scenario(&crash_scenario(&cm, source));
        (0..8)
            .map(|rep| {
                let rec = run(&sc, rep);
                let applied = first(&rec, "cloud_map", 0, "unhealthy").expect("applied");
                (applied, rec.groups[0].targets[0].last_request)
            })
            .collect::<Vec<_>>()
    };
    for (applied, last) in with_ttl(0) {
        assert!(last <= applied, "TTL 0: last {last}, applied {applied}");
    }
    let runs = with_ttl(60);
    for &(applied, last) in &runs {
        assert!(last < applied + 60 * S, "last {last}, applied {applied}");
    }
    let after: Vec<f64> = runs
        .iter()
        .map(|&(applied, last)| (last as f64 - applied as f64) / S as f64)
        .collect();
    assert!(
        after.iter().filter(|&&d| d > 0.0).count() >= 6,
        "last request − Cloud Map applied: {after:?} s"
    );
}

// ---------------------------------------------------------------------------------------------
// 5. The shipped scenario
// ---------------------------------------------------------------------------------------------

/// `scenarios/petstore-cloud-map.toml`: autoscaling adds tasks on the ramp (its CPU target is
/// exceeded: 400 rps over 3 tasks of ~200 rps is ~67% CPU); the crashed task is detected by its
/// container check within [75 s, 105 s] (+ 1 ms), Cloud Map drops it 30 s later, API Gateway
/// sends it nothing after that, and the DNS client nothing after one more TTL (60 s).
#[test]
fn petstore_cloud_map_scenario_scales_out_and_drops_the_crashed_task_in_time() {
    let rec = ScenarioBuilder::file("scenarios/petstore-cloud-map.toml").run();
    let crash = 1200 * S;
    assert!(
        events(&rec, "scale_out").any(|e| e.t < crash),
        "scales out on the ramp"
    );
    let detected = first(&rec, "container_health", 0, "unhealthy").expect("detected");
    assert!(detected + MS >= crash + 75 * S && detected <= crash + 105 * S + MS);
    let applied = first(&rec, "cloud_map", 0, "unhealthy").expect("applied");
    assert_eq!(applied, detected + 30 * S);
    let last = rec.groups[0].targets[0].last_request;
    assert!(last < applied + 60 * S, "last {last}, applied {applied}");
}

/// A task with no container check and no load balancer counts as healthy 40 s after it runs
/// (reference §5, E1): in a rolling deployment of one task (minimum 100%, maximum 200%), the
/// old task is stopped exactly 40 s after the new one runs (task start 10 s: at 10 + 10 + 40 s).
#[test]
fn a_task_without_checks_counts_healthy_40_s_after_it_runs() {
    let sc = scenario(
        r#"
[simulation]
name = "forty-seconds"
seed = 1
duration_s = 120
warmup_s = 0

[[traffic]]
name = "client"
rate_rps = 10
target_group = "app"
discovery = "dns"

[target_groups.app]
targets = 1
deregistration_delay_s = 0
service = { task_start = { dist = "constant", ms = 10000 } }
cloud_map = {}
app = { workers = 4, service = { dist = "constant", ms = 1 } }

[[deployments]]
at_s = 10
target_group = "app"
"#,
    );
    let rec = run(&sc, 0);
    let ran = events(&rec, "cloud_map")
        .find(|e| e.target == Some(1) && e.detail == "registered")
        .expect("new task registered")
        .t;
    assert_eq!(ran, 20 * S);
    assert_eq!(
        first(&rec, "container_health", 1, "healthy"),
        Some(60 * S),
        "healthy 40 s after running"
    );
    let stop = events(&rec, "task_stop")
        .find(|e| e.target == Some(0))
        .expect("old task stopped");
    assert_eq!(
        (stop.t, stop.detail.as_str()),
        (60 * S, "deployment: replaced")
    );
}

/// A hung app (accepts, never answers) fails its container checks at their timeout, exactly as
/// a crashed task does: detection − hang ∈ [R·T + (R−1)·I − 1 ms, R·T + R·I + 1 ms]. An app
/// that refuses connections (`app_crash`) fails each check at once: [(R−1)·I − 1 ms, R·I + 1 ms].
#[test]
fn hung_and_refusing_apps_fail_their_container_checks() {
    for (kind, lo, hi) in [
        ("hang", 75 * S - MS, 105 * S + MS),
        ("app_crash", 60 * S - MS, 90 * S + MS),
    ] {
        let sc = ScenarioBuilder::new(crash_scenario("", "rate_rps = 30"))
            .set("faults.0.kind", kind)
            .scenario();
        for rep in 0..10 {
            let rec = run(&sc, rep);
            let d = first(&rec, "container_health", 0, "unhealthy").expect("detected") - 100 * S;
            assert!(d >= lo && d <= hi, "{kind}, replication {rep}: {d} ns");
        }
    }
}

/// An essential container that exits (`task_exit`) is not a crash: ECS sees the task stop at
/// once, deregisters its Cloud Map instance and launches a replacement, with no health check
/// involved. API Gateway sends it nothing after the exit (exact); DNS clients still do until
/// their cached answers expire, so the last request is before exit + TTL (exact).
#[test]
fn an_exited_task_is_deregistered_at_once() {
    let exit = 100 * S;
    let fault = "[[faults]]\nat_s = 100\nkind = \"task_exit\"\ntarget_group = \"pets\"\n";
    let sc = gateway_scenario(60.0, 300, 3).with(fault).scenario();
    let rec = run(&sc, 0);
    assert!(rec.groups[0].targets[0].last_request <= exit);
    let stop = events(&rec, "task_stop")
        .find(|e| e.target == Some(0))
        .expect("stopped");
    assert_eq!(
        (stop.t, stop.detail.as_str()),
        (exit, "essential container exited")
    );
    let launched = events(&rec, "task_start").next().expect("replacement");
    assert_eq!(launched.t, exit);
    assert!(events(&rec, "container_health").all(|e| e.target != Some(0)));

    let sc = ScenarioBuilder::new(crash_scenario(
        "cloud_map = { dns_ttl_s = 60 }",
        "discovery = \"dns\"\nclients = 50\nrate_rps = 100",
    ))
    .set("faults.0.kind", "task_exit")
    .scenario();
    for rep in 0..4 {
        let rec = run(&sc, rep);
        let last = rec.groups[0].targets[0].last_request;
        assert!(
            last > exit && last < exit + 60 * S,
            "rep {rep}: last {last}"
        );
    }
}
