//! `scenarios/three-ways.toml`: one service behind an NLB, an ALB and a Cloud Map integration,
//! each losing one task at 300 s. What each way in does with the dead task follows from the
//! documented rules (`docs/aws-behaviour.md` §1, §3, §4, §6):
//! - ALB: requests sent to it end at the ALB's 10 s connect timeout with 504 (A3), until its
//!   HTTP health checks mark it unhealthy (those it held when it died: 503 at the gateway);
//! - NLB: they get no answer and end at the HTTP API's 30 s integration timeout with 503 (S9),
//!   until its TCP checks mark it unhealthy, and, cross-zone being off, its zone's node keeps
//!   sending it the clients' stale DNS share for up to the 60 s TTL (N8);
//! - Cloud Map: 503 at the integration timeout too, until ECS's container check has failed 3
//!   times and Cloud Map has applied it 30 s later (E2, M3).
//!
//! So the ALB loses the fewest requests and Cloud Map the most, and every way stops sending
//! to the dead task when its own rule says so.

use std::path::Path;

use simroute::scenario::{Scenario, load_str};
use simroute::sim;
use simroute::stats::recorder::Recorder;
use simroute::vocab::Failure;

mod common;
use common::route_failures as failures;

const S: u64 = 1_000_000_000;

fn shipped() -> Scenario {
    let text = include_str!("../scenarios/three-ways.toml");
    load_str(text, Path::new("scenarios"), &[]).unwrap().0
}

fn route(sc: &Scenario, prefix: &str) -> usize {
    sc.route_names
        .iter()
        .position(|name| name.starts_with(prefix))
        .unwrap_or_else(|| panic!("no route {prefix}"))
}

fn group(sc: &Scenario, name: &str) -> usize {
    sc.groups.iter().position(|g| g.name == name).unwrap()
}

/// When target 0 of `group` first went to `to` in events of `kind`.
fn first(rec: &Recorder, kind: &str, group: usize, to: &str) -> u64 {
    rec.events
        .iter()
        .find(|e| e.kind == kind && e.group as usize == group && e.target == Some(0) && e.to == to)
        .map(|e| e.t)
        .unwrap_or_else(|| panic!("no {kind} -> {to} for group {group}"))
}

#[test]
fn each_way_in_loses_the_dead_task_by_its_own_rule() {
    let sc = shipped();
    let rec = sim::run(&sc, 0, None).recorder;
    let crash = 300 * S;
    let (nlb, alb, cm) = (
        route(&sc, "GET /nlb/"),
        route(&sc, "GET /alb/"),
        route(&sc, "GET /cloudmap/"),
    );
    let (g_nlb, g_alb, g_cm) = (
        group(&sc, "pets-nlb"),
        group(&sc, "pets-alb"),
        group(&sc, "pets-cloud-map"),
    );

    // ALB: 504s (its connect timeout, 10 s, is shorter than the gateway's 30 s), but for the
    // few requests the task held when it died: the ALB waits for them up to its 60 s idle
    // timeout, so the gateway's integration timeout answers them first (503). And nothing is
    // sent to the dead task once its health checks fail (30 s interval, 2 failures).
    let alb_failed = rec.routes[alb].counts.failed();
    let held = failures(&rec, alb, Failure::Unavailable503);
    assert!(alb_failed > 0);
    assert!(
        held <= 10,
        "at most a few requests in flight on one task: {held}"
    );
    assert_eq!(
        failures(&rec, alb, Failure::GatewayTimeout504) + held,
        alb_failed
    );
    let unhealthy = first(&rec, "health", g_alb, "unhealthy");
    assert!(unhealthy > crash && unhealthy <= crash + 60 * S + S);
    assert!(rec.groups[g_alb].targets[0].last_request <= unhealthy);

    // NLB: 503s at the integration timeout; the dead task's zone leaves DNS when its only task
    // turns unhealthy, and stale clients stop reaching it within the 60 s TTL.
    let nlb_failed = rec.routes[nlb].counts.failed();
    assert_eq!(failures(&rec, nlb, Failure::Unavailable503), nlb_failed);
    let unhealthy = first(&rec, "health", g_nlb, "unhealthy");
    assert!(unhealthy > crash && unhealthy <= crash + 60 * S + S);
    let last = rec.groups[g_nlb].targets[0].last_request;
    assert!(
        last > unhealthy && last <= unhealthy + 60 * S,
        "stale DNS answers reach the zone's node for up to the TTL: last {last}, unhealthy \
         {unhealthy}"
    );

    // Cloud Map: 503s at the integration timeout until the container check (3 failures, 30 s
    // apart) is applied 30 s later; API Gateway discovers per request, so nothing after that.
    let cm_failed = rec.routes[cm].counts.failed();
    assert_eq!(failures(&rec, cm, Failure::Unavailable503), cm_failed);
    let detected = first(&rec, "container_health", g_cm, "unhealthy");
    let applied = first(&rec, "cloud_map", g_cm, "unhealthy");
    assert_eq!(applied, detected + 30 * S);
    assert!(detected >= crash + 60 * S && detected <= crash + 105 * S);
    assert!(rec.groups[g_cm].targets[0].last_request <= applied);

    // Each group's healthy count drops to 2 by its own view: the load balancer's health
    // checks, or, with no load balancer, the instances Cloud Map reports healthy.
    for g in [g_nlb, g_alb, g_cm] {
        assert_eq!(rec.groups[g].healthy_min, 2, "{}", sc.groups[g].name);
    }

    // Hence the order of the losses.
    assert!(
        alb_failed < nlb_failed && nlb_failed < cm_failed,
        "ALB {alb_failed}, NLB {nlb_failed}, Cloud Map {cm_failed}"
    );
}

/// With every task up, the ALB's own latency and TLS termination (about 1.6 ms at the median,
/// as assumed in the scenario) make it the slowest way in; the NLB adds 0.1 ms and Cloud Map
/// nothing measurable (its per-request `DiscoverInstances` call has no modelled latency).
#[test]
fn the_alb_adds_its_latency_and_tls_to_every_request() {
    let text = include_str!("../scenarios/three-ways.toml");
    let (cut, slo) = (
        text.find("[[faults]]").unwrap(),
        text.find("# Assumed objectives").unwrap(),
    );
    let text = format!("{}{}", &text[..cut], &text[slo..]);
    let sc = load_str(&text, Path::new("scenarios"), &[]).unwrap().0;
    let rec = sim::run(&sc, 0, None).recorder;
    let p50 = |prefix: &str| {
        rec.routes[route(&sc, prefix)]
            .latency
            .quantile_ms(0.5)
            .unwrap()
    };
    let (nlb, alb, cm) = (p50("GET /nlb/"), p50("GET /alb/"), p50("GET /cloudmap/"));
    assert!(
        alb - nlb > 1.0 && alb - nlb < 2.5,
        "ALB {alb} ms vs NLB {nlb} ms"
    );
    assert!((nlb - cm).abs() < 0.5, "NLB {nlb} ms vs Cloud Map {cm} ms");
    for r in &rec.routes {
        assert_eq!(r.counts.failed(), 0);
    }
}
