//! How a target is chosen, against the documented rules of
//! `docs/aws-behaviour.md` §3, §4, §8 and the Builders' Library:
//! the least-outstanding black hole of a fast-failing target (B1, §8), ALB automatic target
//! weights (A5), slow start (A1), and cross-zone load balancing (N6, A4).
//!
//! Shares are counted over time windows by running the same scenario with the window as its
//! measured period (`warmup_s` .. `duration_s`): runs are deterministic and nothing before the
//! end depends on the duration, so each window's counts are those of one long run.
//! Bands: a share of `n` picks drawn with probability `p` is compared with `p` within 4
//! binomial standard deviations (plus the stated model slack where the rule itself is loose).

use simroute::stats::recorder::Recorder;

mod common;
use common::ScenarioBuilder;

/// Length of every test run, seconds.
const END: f64 = 600.0;

/// Requests each target of group 0 got from `from` onwards (to the end of the run).
fn picks_from(sc: &ScenarioBuilder, from: f64) -> Vec<u64> {
    let rec = sc.clone().window(from, END).run();
    rec.groups[0].targets.iter().map(|t| t.requests).collect()
}

/// Requests each target of group 0 got between `from` and `to` seconds.
fn picks(sc: &ScenarioBuilder, from: f64, to: f64) -> Vec<u64> {
    let a = picks_from(sc, from);
    if to >= END {
        return a;
    }
    let b = picks_from(sc, to);
    a.iter()
        .zip(b.iter().chain(std::iter::repeat(&0)))
        .map(|(x, y)| x - y)
        .collect()
}

fn share(picks: &[u64], target: usize) -> f64 {
    let s = picks[target] as f64 / picks.iter().sum::<u64>() as f64;
    eprintln!("share of target {target}: {s:.4} of {picks:?}");
    s
}

/// Four targets, 4 workers each at 20 ms (200 requests/s each), 400 requests/s offered; HTTP
/// health checks through the app; target 0 fails fast (every request answered 500 at once)
/// from 60 s to 240 s. The whole run is measured; tests choose their window.
fn gray(algorithm: &str) -> ScenarioBuilder {
    ScenarioBuilder::new(format!(
        r#"
[simulation]
name = "gray"
duration_s = {END}
warmup_s = 0
seed = 7

[[traffic]]
name = "load"
rate_rps = 400
target_group = "app"

[target_groups.app]
targets = 4
algorithm = "{algorithm}"
health_check = {{ protocol = "http", interval_s = 10, timeout_s = 5, healthy_threshold = 3, unhealthy_threshold = 2 }}
app = {{ workers = 4, service = {{ dist = "exponential", mean_ms = 20 }} }}

[[faults]]
at_s = 60
end_s = 240
kind = "fail_fast"
fraction = 1.0
target_group = "app"
"#
    ))
}

/// `gray` with ALB automatic target weights over weighted random.
fn gray_with_automatic_weights() -> ScenarioBuilder {
    gray("weighted_random").set("target_groups.app.automatic_target_weights", true)
}

/// The fail-fast target's HTTP health checks pass (they do not take the failing code path),
/// so no health transition happens: the gray failure is invisible to ELB health checks.
#[test]
fn fail_fast_target_passes_health_checks() {
    let rec = gray("round_robin").window(0.0, 300.0).run();
    assert_eq!(rec.groups[0].health_transitions, 0);
    assert!(rec.faults[0].detected.is_none());
    // Round robin: the failing target answers a quarter of the requests, all with 500.
    let failed = rec.faults[0].failed as f64;
    let expected = 400.0 * 180.0 / 4.0;
    assert!(
        (failed - expected).abs() < 4.0 * expected.sqrt() + 0.01 * expected,
        "failed {failed} vs {expected}"
    );
}

/// Builders' Library (B1), reference §8: with least outstanding requests a target that fails
/// fast looks least loaded and pulls far more than its 1/N share, a share that grows with the
/// load (measured: 53%, 71%, 81% at 200, 400, 700 requests/s); round robin gives it 1/N.
#[test]
fn least_outstanding_black_holes_round_robin_does_not() {
    let before = picks(&gray("least_outstanding"), 10.0, 60.0);
    let during = picks(&gray("least_outstanding"), 70.0, 240.0);
    let s_before = share(&before, 0);
    let s_during = share(&during, 0);
    assert!(
        (s_before - 0.25).abs() < 0.05,
        "before the fault: {s_before} {before:?}"
    );
    assert!(
        s_during > 0.5,
        "least outstanding: the failing target takes {s_during} {during:?}"
    );

    // The share grows with the load: the busier the healthy targets, the emptier the failing
    // one looks by comparison.
    let shares: Vec<f64> = [200_u32, 400, 700]
        .iter()
        .map(|rate| {
            let sc = gray("least_outstanding").set("traffic.0.rate_rps", *rate);
            share(&picks(&sc, 70.0, 240.0), 0)
        })
        .collect();
    assert!(
        shares[0] < shares[1] && shares[1] < shares[2] && shares[0] > 0.25,
        "least outstanding share by load: {shares:?}"
    );

    let rr = picks(&gray("round_robin"), 70.0, 240.0);
    let n = rr.iter().sum::<u64>() as f64;
    let s_rr = share(&rr, 0);
    let sd = (0.25 * 0.75 / n).sqrt();
    assert!(
        (s_rr - 0.25).abs() < 4.0 * sd + 1e-3,
        "round robin: {s_rr} {rr:?}"
    );
}

/// A5: with `weighted_random` and automatic target weights, the anomalous target's weight is
/// stepped down after detection (its share falls well below 1/N) and ramped back up after it
/// recovers (its share returns to 1/N). The model's steps (halving every 10 s to 1/64, then
/// +0.1 every 10 s) are documented in `src/sim/hops/balancing.rs`.
#[test]
fn automatic_target_weights_mitigate_and_restore() {
    let sc = gray_with_automatic_weights();
    let before = picks(&sc, 10.0, 60.0);
    let s_before = share(&before, 0);
    assert!((s_before - 0.25).abs() < 0.05, "{s_before} {before:?}");
    // Six halvings (60 s) take the weight to the floor of 1/64: share 1/(64·3 + 1) ≈ 0.5 %.
    let mitigated = picks(&sc, 140.0, 240.0);
    let s_mitigated = share(&mitigated, 0);
    assert!(
        s_mitigated < 0.02,
        "after detection: {s_mitigated} {mitigated:?}"
    );
    // The weight climbs back by 0.1 per 10 s from 1/64: full again about 100 s after recovery.
    let restored = picks(&sc, 400.0, 600.0);
    let n = restored.iter().sum::<u64>() as f64;
    let s_restored = share(&restored, 0);
    let sd = (0.25 * 0.75 / n).sqrt();
    assert!(
        (s_restored - 0.25).abs() < 4.0 * sd,
        "after recovery: {s_restored} {restored:?}"
    );
    // events.csv: the target turns anomalous after the fault starts and normal after it ends.
    let rec = sc.clone().window(0.0, 600.0).run();
    let anomaly: Vec<(f64, &str)> = rec
        .events
        .iter()
        .filter(|e| e.kind == "anomaly")
        .map(|e| (e.t as f64 / 1e9, e.to.as_str()))
        .collect();
    assert_eq!(anomaly.len(), 2, "{anomaly:?}");
    assert!(anomaly[0].1 == "anomalous" && (60.0..=80.0).contains(&anomaly[0].0));
    assert!(anomaly[1].1 == "normal" && (240.0..=400.0).contains(&anomaly[1].0));
    // Mitigation works through the weights only: requests still fail at the target, far fewer.
    let rr_failed = gray("round_robin").window(0.0, 300.0).run().faults[0].failed;
    let atw_failed = sc.window(0.0, 300.0).run().faults[0].failed;
    assert!(
        atw_failed * 3 < rr_failed,
        "ATW {atw_failed} vs round robin {rr_failed} failures"
    );
}

/// A5: anomaly detection needs at least three healthy targets; with two, nothing is mitigated.
#[test]
fn automatic_target_weights_need_three_healthy_targets() {
    let sc = gray_with_automatic_weights().set("target_groups.app.targets", 2_u32);
    let during = picks(&sc, 140.0, 240.0);
    let n = during.iter().sum::<u64>() as f64;
    let s = share(&during, 0);
    let sd = (0.25 / n).sqrt();
    assert!((s - 0.5).abs() < 4.0 * sd, "{s} {during:?}");
}

/// Three tasks over two zones behind an NLB (tasks 0 and 2 in zone a, task 1 alone in zone b),
/// 600 requests/s through an HTTP API and its VPC link; no health checks beyond the
/// defaults. The whole run is measured.
fn zoned() -> ScenarioBuilder {
    ScenarioBuilder::new(format!(
        r#"
[simulation]
name = "zones"
duration_s = {END}
warmup_s = 0
seed = 11

[[traffic]]
name = "load"
method = "GET"
path = "/x"
rate_rps = 600

[gateway]
kind = "http"

[[gateway.routes]]
route = "GET /x"
integration = {{ load_balancer = "nlb", port = 80 }}

[load_balancers.nlb]
kind = "nlb"
listeners = [ {{ port = 80, target_group = "app" }} ]

[target_groups.app]
targets = 3
zones = 2
algorithm = "round_robin"
app = {{ workers = 8, service = {{ dist = "exponential", mean_ms = 5 }} }}
"#
    ))
}

/// `zoned` with TCP health checks every 10 s (2 failures take a target out) and replacements
/// that take 1000 s to start, so a lost task stays lost for the rest of the run.
fn zoned_with_slow_replacements() -> ScenarioBuilder {
    zoned()
        .set_toml(
            "target_groups.app.health_check",
            r#"{ protocol = "tcp", interval_s = 10, timeout_s = 5, unhealthy_threshold = 2 }"#,
        )
        .set_toml(
            "target_groups.app.service",
            r#"{ task_start = { dist = "constant", ms = 1000000 } }"#,
        )
}

/// N6, reference §8 "Cross-zone off (NLB default) ⇒ per-AZ imbalance": each zone's node gets
/// half the connections and sends them only to its own zone's targets, so the task alone in
/// zone b takes half the traffic and the two in zone a a quarter each; with cross-zone on,
/// every task gets a third.
#[test]
fn cross_zone_off_splits_traffic_per_zone() {
    let off = picks(&zoned(), 0.0, END);
    let n = off.iter().sum::<u64>() as f64;
    // The node is drawn per connection by a hash: a binomial split with p = 1/2.
    let sd = (0.25 / n).sqrt();
    assert!((share(&off, 1) - 0.5).abs() < 4.0 * sd, "{off:?}");
    assert!((share(&off, 0) - 0.25).abs() < 4.0 * sd, "{off:?}");
    assert!((share(&off, 2) - 0.25).abs() < 4.0 * sd, "{off:?}");

    let on = picks(&zoned().set("target_groups.app.cross_zone", true), 0.0, END);
    let n = on.iter().sum::<u64>() as f64;
    let sd = (2.0 / 9.0 / n).sqrt();
    for t in 0..3 {
        assert!((share(&on, t) - 1.0 / 3.0).abs() < 4.0 * sd, "{on:?}");
    }
}

/// Issue 6's case: cross-zone off with one task in zone a and three in zone b. Six tasks start
/// over two zones (a: 0, 2, 4; b: 1, 3, 5); two of zone a's crash at 30 s and their
/// replacements take 1000 s to start, so once the TCP checks have taken them out (2 failures
/// 10 s apart) zone a has task 4 alone. Each zone's node still gets half the connections: task
/// 4 takes half the traffic, each zone-b task a sixth. With cross-zone on, each of the four
/// live tasks gets a quarter.
#[test]
fn cross_zone_off_gives_a_lone_task_its_zones_half() {
    let six = |cross_zone_on: bool| {
        let sc = zoned_with_slow_replacements().set("target_groups.app.targets", 6_u32);
        let sc = if cross_zone_on {
            sc.set("target_groups.app.cross_zone", true)
        } else {
            sc
        };
        sc.with(
            r#"
[[faults]]
at_s = 30
kind = "crash"
target_group = "app"
targets = 2
zone = "a"
"#,
        )
    };
    // By 100 s both crashed tasks are unhealthy (about 50 s at the latest).
    let off = picks(&six(false), 100.0, END);
    assert_eq!(
        (off[0], off[2]),
        (0, 0),
        "crashed tasks get nothing: {off:?}"
    );
    let n = off.iter().sum::<u64>() as f64;
    let sd = (0.25 / n).sqrt();
    assert!((share(&off, 4) - 0.5).abs() < 4.0 * sd, "{off:?}");
    for t in [1, 3, 5] {
        assert!((share(&off, t) - 1.0 / 6.0).abs() < 4.0 * sd, "{off:?}");
    }

    let on = picks(&six(true), 100.0, END);
    assert_eq!((on[0], on[2]), (0, 0), "{on:?}");
    let n = on.iter().sum::<u64>() as f64;
    let sd = (0.1875 / n).sqrt();
    for t in [1, 3, 4, 5] {
        assert!((share(&on, t) - 0.25).abs() < 4.0 * sd, "{on:?}");
    }
}

/// N2, N8: an NLB zone with no healthy target leaves DNS; clients with a cached answer (TTL
/// 60 s) still reach its node, which fails open to its zone's registered targets, and after
/// the TTL all new connections go to the zones in DNS. Zone b (task 1 alone) goes down at
/// 100 s; TCP checks every 10 s, 2 failures: task 1 is unhealthy by about 120 s; its
/// replacement takes 1000 s to start, so zone b has no healthy target for the rest of the run.
/// Every attempt is a new connection, half of them hashed to zone b's node: over the TTL the
/// share still reaching it falls linearly from 1 to 0, so zone b gets 600/s × ½ × 60 s × ½.
#[test]
fn zone_without_healthy_targets_leaves_dns_after_the_ttl() {
    let sc = zoned_with_slow_replacements().with(
        r#"
[[faults]]
at_s = 100
kind = "az_outage"
zone = "b"
target_group = "app"
"#,
    );
    let rec = sc.clone().window(0.0, 400.0).run();
    let down = rec
        .events
        .iter()
        .find(|e| e.kind == "health" && e.to == "unhealthy")
        .expect("the zone-b task turns unhealthy");
    assert_eq!(down.target, Some(1));
    let t_u = down.t as f64 / 1e9;
    assert!((100.0..=125.0).contains(&t_u), "{t_u}");

    let stale = picks(&sc, t_u, t_u + 60.0);
    let expected = 600.0 * 0.5 * 60.0 * 0.5;
    let got = stale[1] as f64;
    assert!(
        (got - expected).abs() < 4.0 * expected.sqrt() + 0.02 * expected,
        "requests reaching zone b over the TTL: {got} vs {expected} ({stale:?})"
    );

    let zone: Vec<_> = rec.events.iter().filter(|e| e.kind == "zone").collect();
    assert_eq!(zone.len(), 1);
    assert!(zone[0].t == down.t && zone[0].to == "out_of_dns" && zone[0].detail == "zone b");
    let after = picks(&sc, t_u + 60.0, END);
    assert_eq!(after[1], 0, "zone b is out of DNS after the TTL: {after:?}");
    let n = after.iter().sum::<u64>() as f64;
    let sd = (0.25 / n).sqrt();
    assert!((share(&after, 0) - 0.5).abs() < 4.0 * sd, "{after:?}");
}

/// Slow start: three targets, round robin or weighted random, `slow_start_s = 120`; task 0
/// crashes at 30 s, TCP checks every 10 s find it (2 failures), ECS replaces it (task start
/// 5 s) and the new task turns healthy after its first passing check. The whole run is
/// measured.
fn slow(algorithm: &str, targets: u32, crashed: u32) -> ScenarioBuilder {
    ScenarioBuilder::new(format!(
        r#"
[simulation]
name = "slow"
duration_s = {END}
warmup_s = 0
seed = 5

[[traffic]]
name = "load"
rate_rps = 600
target_group = "app"

[target_groups.app]
targets = {targets}
algorithm = "{algorithm}"
slow_start_s = 120
health_check = {{ protocol = "tcp", interval_s = 10, timeout_s = 5, unhealthy_threshold = 2, healthy_threshold = 2 }}
service = {{ task_start = {{ dist = "constant", ms = 5000 }} }}
app = {{ workers = 8, service = {{ dist = "exponential", mean_ms = 5 }} }}

[[faults]]
at_s = 30
kind = "crash"
target_group = "app"
targets = {crashed}
"#
    ))
}

/// When target `target` first turned healthy after `after` seconds.
fn healthy_at(sc: &ScenarioBuilder, target: u32, after: f64) -> f64 {
    let rec = sc.clone().window(0.0, END).run();
    rec.events
        .iter()
        .find(|e| {
            e.kind == "health"
                && e.to == "healthy"
                && e.target == Some(target)
                && e.t as f64 / 1e9 > after
        })
        .map(|e| e.t as f64 / 1e9)
        .expect("the replacement turns healthy")
}

/// A1: "the load balancer linearly increases the number of requests that it sends to the
/// target" over the slow start window. With 3 candidates the new target's share at ramp r is
/// r/3: over each 20 s window of the 120 s ramp its mean share is the ramp at the window's
/// middle over 3, and after the window it is 1/3. Checked for round robin (smooth weighted
/// round robin) and weighted random, with a fitted slope within 10% of 1/(3·120) per second.
#[test]
fn slow_start_ramps_the_share_linearly() {
    for algorithm in ["round_robin", "weighted_random"] {
        let sc = slow(algorithm, 3, 1);
        let t_h = healthy_at(&sc, 3, 30.0);
        let (mut xs, mut ys) = (Vec::new(), Vec::new());
        for k in 0..6 {
            let (a, b) = (t_h + 20.0 * k as f64, t_h + 20.0 * (k + 1) as f64);
            let p = picks(&sc, a, b);
            let n = p.iter().sum::<u64>() as f64;
            let s = share(&p, 3);
            let mid = (a + b) / 2.0 - t_h;
            let expected = mid / 120.0 / 3.0;
            let sd = (expected * (1.0 - expected) / n).sqrt();
            assert!(
                (s - expected).abs() < 4.0 * sd + 0.005,
                "{algorithm}: window {k}: share {s} vs {expected} ({p:?})"
            );
            xs.push(mid);
            ys.push(s);
        }
        let (mx, my) = (xs.iter().sum::<f64>() / 6.0, ys.iter().sum::<f64>() / 6.0);
        let slope = xs
            .iter()
            .zip(&ys)
            .map(|(x, y)| (x - mx) * (y - my))
            .sum::<f64>()
            / xs.iter().map(|x| (x - mx) * (x - mx)).sum::<f64>();
        let want = 1.0 / 360.0;
        assert!(
            (slope - want).abs() < 0.1 * want,
            "{algorithm}: slope {slope} vs {want}"
        );
        let full = picks(&sc, t_h + 130.0, t_h + 230.0);
        let n = full.iter().sum::<u64>() as f64;
        let sd = (2.0 / 9.0 / n).sqrt();
        assert!(
            (share(&full, 3) - 1.0 / 3.0).abs() < 4.0 * sd + 0.002,
            "{algorithm}: after the ramp {full:?}"
        );
    }
}

/// A1: a target enters slow start only if another healthy target is not in slow start. Both
/// tasks of a 2-task group crash; the first replacement to turn healthy has no healthy peer and
/// takes a full share at once; the second has one (the first, not in slow start) and ramps.
#[test]
fn slow_start_needs_a_healthy_peer_not_in_slow_start() {
    let sc = slow("round_robin", 2, 2);
    let first = healthy_at(&sc, 2, 30.0).min(healthy_at(&sc, 3, 30.0));
    let second = healthy_at(&sc, 2, 30.0).max(healthy_at(&sc, 3, 30.0));
    let (a, b) = if healthy_at(&sc, 2, 30.0) < healthy_at(&sc, 3, 30.0) {
        (2, 3)
    } else {
        (3, 2)
    };
    assert!(second > first, "{first} {second}");
    // Before the second is healthy the first takes everything (it is the only healthy one).
    let p = picks(&sc, first, second);
    assert_eq!(p[b], 0, "{p:?}");
    // Over the first 30 s of the second's ramp it gets (15/120)/2 of the requests.
    let p = picks(&sc, second, second + 30.0);
    let n = (p[a] + p[b]) as f64;
    let s = p[b] as f64 / n;
    let expected = 15.0 / 120.0 / 2.0;
    let sd = (expected * (1.0 - expected) / n).sqrt();
    assert!(
        (s - expected).abs() < 4.0 * sd + 0.005,
        "{s} vs {expected} {p:?}"
    );
    // And the slow start ended: both get half after 120 s.
    let p = picks(&sc, second + 130.0, second + 230.0);
    let n = (p[a] + p[b]) as f64;
    let s = p[b] as f64 / n;
    assert!((s - 0.5).abs() < 4.0 * (0.25 / n).sqrt() + 0.002, "{p:?}");
}

/// Six single-worker tasks (10 ms mean, 100 requests/s each) behind an NLB with cross-zone on,
/// 540 requests/s (90% busy), with `zones` load balancer nodes.
fn herd(algorithm: &str, zones: u32) -> ScenarioBuilder {
    ScenarioBuilder::new(format!(
        r#"
[simulation]
name = "herd"
duration_s = 600
warmup_s = 60
seed = 3

[[traffic]]
name = "load"
method = "GET"
path = "/x"
rate_rps = 540

[gateway]
kind = "http"

[[gateway.routes]]
route = "GET /x"
integration = {{ load_balancer = "nlb", port = 80 }}

[load_balancers.nlb]
kind = "nlb"
listeners = [ {{ port = 80, target_group = "app" }} ]

[target_groups.app]
targets = 6
zones = {zones}
cross_zone = true
algorithm = "{algorithm}"
app = {{ workers = 1, queue_limit = "unbounded", service = {{ dist = "exponential", mean_ms = 10 }} }}
"#
    ))
}

fn mean_latency_ms(rec: &Recorder) -> f64 {
    rec.response_sum_ns as f64 / rec.response_count as f64 / 1e6
}

/// Reference §8 "stale-view herding": each load balancer node balances on its own view (the
/// requests it sent itself), so least outstanding and power of two over 3 nodes balance worse
/// than over one node that sees everything: the mean response time and the largest app queue
/// grow.
#[test]
fn independent_node_views_balance_worse_than_one_view() {
    for algorithm in ["least_outstanding", "power_of_two"] {
        let one = herd(algorithm, 1).run();
        let three = herd(algorithm, 3).run();
        let (m1, m3) = (mean_latency_ms(&one), mean_latency_ms(&three));
        let q = |r: &Recorder| {
            r.groups[0]
                .targets
                .iter()
                .map(|t| t.max_queue)
                .max()
                .unwrap()
        };
        eprintln!(
            "{algorithm}: mean {m1:.2} ms with one view, {m3:.2} ms with 3; max queue {} vs {}",
            q(&one),
            q(&three)
        );
        // Measured: +20% (least outstanding) and +13% (power of two) at this load; the mean of
        // 290,000 responses moves by a few percent between seeds, so 8% is well clear of noise.
        assert!(m3 > 1.08 * m1, "{algorithm}: {m1} vs {m3}");
        assert!(q(&three) >= q(&one), "{algorithm}");
    }
}

/// One node: the plain path, whatever `cross_zone` says.
#[test]
fn one_node_is_the_plain_path() {
    let on = herd("least_outstanding", 1).run();
    let off = herd("least_outstanding", 1)
        .set("target_groups.app.cross_zone", false)
        .run();
    let per_target =
        |r: &Recorder| -> Vec<u64> { r.groups[0].targets.iter().map(|t| t.requests).collect() };
    assert_eq!(per_target(&on), per_target(&off));
    assert_eq!(on.response_sum_ns, off.response_sum_ns);
}
