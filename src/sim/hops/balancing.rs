//! The load balancer's choices that go beyond one plain algorithm over the routable targets:
//! ALB automatic target weights (anomaly mitigation), slow start, and load balancer nodes per
//! zone with cross-zone load balancing off. Groups that use none of these never come here (the
//! `GroupState::special` flag), so their picks are exactly the plain balancer's. All of it is
//! state of the group's load balancer (`GroupState`), changed through the methods below.
//!
//! **Automatic target weights** (A5, the AWS networking blog "Improving availability with
//! Application Load Balancer automatic target weights"): detection runs only with at least 3
//! healthy targets and compares each target's errors (5xx answered by it, connection errors
//! and timeouts) with the other targets'; an anomalous target's traffic is "iteratively"
//! reduced "until the target recovers or the traffic volume is decreased to a negligible
//! level", and once it recovers the ALB "gradually" raises it back to its original share.
//! The windows and steps are not documented; the model's (assumed) values are the constants
//! below: every [`WINDOW`] (10 s) each healthy target with at least [`MIN_SAMPLES`] answered
//! attempts since its last evaluation is judged anomalous when its error ratio is at least
//! twice the other healthy targets' pooled ratio plus 5 points; an anomalous target's weight
//! halves (floor [`FLOOR`] = 1/64, "negligible"), a normal one's grows by [`RECOVER_STEP`]
//! (0.1: about 100 s from the floor back to full). A target with too few samples keeps its
//! weight and its counters until it has enough. State: two counters and a weight per target.
//!
//! **Slow start** (A1): a target that becomes healthy ramps its share linearly from 0 to its
//! full share (1/n of the requests for n candidates) over `slow_start_s`, only if another healthy target is not in slow start
//! (so a group's first targets, and the targets running at time 0, do not slow-start); it
//! leaves slow start when the window ends or it becomes unhealthy. With `round_robin` the
//! weights drive a smooth weighted round robin (nginx's: each pick adds every candidate's
//! weight to its score, takes the highest score, and takes the total off the winner), used
//! only while some target is in slow start, so plain round robin's sequence is unchanged
//! otherwise; with `weighted_random` they scale the draw.
//!
//! **Zones** (N6, A4, N2/N8): with cross-zone load balancing off each zone has a load balancer
//! node that only picks its own zone's targets; clients and the VPC link spread connections
//! evenly over the nodes in DNS (by a hash of the flow). An NLB zone with no healthy target
//! has its node's address removed from DNS (TTL 60 s; "DNS failover", N8): clients that
//! resolved before keep connecting to it until their cached answer expires, which the model
//! spreads evenly over the TTL (the share of new connections still reaching the removed node
//! falls linearly from 1 to 0 over 60 s); that node fails open to its zone's registered
//! targets ("routing failover", N8; health is judged per zone with cross-zone off). When no
//! zone has a healthy target, DNS answers with every node and each fails open in its zone.

use super::super::ctx::Ctx;
use super::super::targets::{GroupState, TargetState};
use crate::engine::Nanos;
use crate::engine::rng::mix64;
use crate::engine::time::NANOS_PER_SEC;
use crate::model::health::Health;
use crate::scenario::TargetGroup;
use crate::vocab::AlgorithmKind;

/// The load balancer node (zone) a connection reaches, spread evenly by a hash of the flow.
#[inline]
fn node_of(flow: u64, zones: usize) -> usize {
    (mix64(!flow) % zones as u64) as usize
}

/// A node's count of its requests in flight at `target` (grown as targets are added).
#[inline]
pub(in crate::sim) fn node_slot(g: &mut GroupState, target: u32, flow: u64) -> &mut u32 {
    let zones = g.nodes.len();
    let i = target as usize * zones + node_of(flow, zones);
    if i >= g.node_outstanding.len() {
        g.node_outstanding.resize((target as usize + 1) * zones, 0);
    }
    &mut g.node_outstanding[i]
}

/// Automatic target weights: evaluation period (assumed).
pub(in crate::sim) const WINDOW: Nanos = 10 * NANOS_PER_SEC;
/// Fewest answered attempts for a verdict on a target (assumed).
const MIN_SAMPLES: u32 = 10;
/// Lowest weight an anomalous target is stepped down to (assumed: "negligible").
const FLOOR: f64 = 1.0 / 64.0;
/// Weight added per normal evaluation after recovery (assumed).
const RECOVER_STEP: f64 = 0.1;
/// Fewest healthy targets for anomaly detection (A5).
const MIN_HEALTHY: usize = 3;
/// Balancing stream ids of zone nodes: `NODE_STREAMS + 32 × group + zone`, clear of the
/// groups' own `Balancing(group)` ids.
pub(in crate::sim) const NODE_STREAMS: u32 = 1 << 24;
/// NLB DNS record TTL (N2, N8).
const DNS_TTL: Nanos = 60 * NANOS_PER_SEC;

/// The zone whose load balancer node a connection of `flow` reaches, for a group whose nodes
/// each balance only their own zone's targets; `None` when no zone has a target.
fn zonal_node(
    flow: u64,
    now: Nanos,
    zone_routable: &[Vec<u32>],
    zone_live: &[u32],
    zone_down: &[Option<Nanos>],
) -> Option<usize> {
    let zones = zone_routable.len() as u64;
    let h = mix64(!flow);
    let first = (h % zones) as usize;
    debug_assert_eq!(first, node_of(flow, zone_routable.len()));
    let in_dns = |z: usize| zone_live.contains(&(z as u32));
    // The node the connection reaches: its zone's, if in DNS or still cached by the
    // client (the share of clients with a stale answer falls over the TTL); else one
    // of the zones in DNS (every zone with targets when none is healthy: DNS then
    // answers with all nodes).
    let stale = !in_dns(first)
        && zone_down[first].is_some_and(|down| {
            let left = DNS_TTL.saturating_sub(now - down);
            let u = (mix64(h) >> 11) as f64 / (1u64 << 53) as f64;
            u * (DNS_TTL as f64) < left as f64
        });
    if in_dns(first) || stale {
        Some(first)
    } else if !zone_live.is_empty() {
        Some(zone_live[((h / zones) % zone_live.len() as u64) as usize] as usize)
    } else {
        let open: u64 = zone_routable.iter().filter(|l| !l.is_empty()).count() as u64;
        if open == 0 {
            return None;
        }
        let k = (h / zones) % open;
        Some(
            zone_routable
                .iter()
                .enumerate()
                .filter(|(_, l)| !l.is_empty())
                .nth(k as usize)
                .map_or(first, |(z, _)| z),
        )
    }
}

impl GroupState {
    /// The target for a new connection / request of a group on the special path; `None` when
    /// there is nowhere to send it.
    pub(in crate::sim) fn pick_special(
        &mut self,
        spec: &TargetGroup,
        now: Nanos,
        flow: u64,
    ) -> Option<u32> {
        let g = self;
        if g.routable.is_empty() {
            return None;
        }
        let GroupState {
            balancer,
            targets,
            routable,
            zone_routable,
            zone_live,
            zone_down,
            zonal,
            nodes,
            views,
            node_outstanding,
            ..
        } = g;
        let mut balancer = balancer;
        let views = *views;
        let zones = nodes.len();
        let mut node = 0;
        let candidates: &[u32] = if views {
            node = node_of(flow, nodes.len());
            balancer = &mut nodes[node];
            routable
        } else if *zonal {
            let z = zonal_node(flow, now, zone_routable, zone_live, zone_down)?;
            balancer = &mut nodes[z];
            &zone_routable[z]
        } else {
            routable
        };
        if candidates.is_empty() {
            return None;
        }
        // The requests in flight at a target as the picking node sees them.
        let load = |t: u32| -> u32 {
            if views {
                node_outstanding
                    .get(t as usize * zones + node)
                    .copied()
                    .unwrap_or(0)
            } else {
                targets[t as usize].outstanding
            }
        };
        let n = candidates.len() as u32;
        if !spec.weighted() {
            let i = balancer.pick(n, flow, |i| load(candidates[i as usize]));
            return Some(candidates[i as usize]);
        }
        // Weights. A target in slow start at ramp r (0 to 1) gets r times a full share of the
        // requests, 1/n of them for n candidates ("linearly increases the number of requests",
        // A1); the others share the rest by their automatic target weights. A ramping target's
        // weight is set to give it that share: w = s·F / (1 − S), F the others' total weight and
        // S the ramping targets' total share.
        let window = spec.slow_start;
        let ramp = |t: &TargetState| -> f64 {
            match t.slow_since {
                Some(since) if now - since < window => (now - since) as f64 / window as f64,
                _ => 1.0,
            }
        };
        let (mut ramping_share, mut full_weight, mut ramping) = (0.0, 0.0, false);
        for &c in candidates {
            let t = &targets[c as usize];
            let r = ramp(t);
            if r < 1.0 {
                ramping = true;
                ramping_share += r / f64::from(n);
            } else {
                full_weight += t.weight;
            }
        }
        let scale = if ramping && full_weight > 0.0 {
            full_weight / (1.0 - ramping_share)
        } else {
            1.0
        };
        let weight = |t: &TargetState| -> f64 {
            let r = ramp(t);
            if r < 1.0 {
                r / f64::from(n) * scale * t.weight
            } else {
                t.weight
            }
        };
        match spec.algorithm {
            AlgorithmKind::WeightedRandom => {
                let total: f64 = candidates
                    .iter()
                    .map(|&c| weight(&targets[c as usize]))
                    .sum();
                let u = balancer.unit() * total;
                let mut acc = 0.0;
                for &c in candidates {
                    acc += weight(&targets[c as usize]);
                    if u < acc {
                        return Some(c);
                    }
                }
                Some(candidates[candidates.len() - 1])
            }
            AlgorithmKind::RoundRobin if ramping => {
                // Smooth weighted round robin (nginx `ngx_http_upstream_get_peer`).
                let mut total = 0.0;
                let mut best = candidates[0];
                let mut best_score = f64::NEG_INFINITY;
                for &c in candidates {
                    let w = weight(&targets[c as usize]);
                    let t = &mut targets[c as usize];
                    t.swrr += w;
                    total += w;
                    if t.swrr > best_score {
                        best_score = t.swrr;
                        best = c;
                    }
                }
                targets[best as usize].swrr -= total;
                Some(best)
            }
            _ => {
                let i = balancer.pick(n, flow, |i| load(candidates[i as usize]));
                Some(candidates[i as usize])
            }
        }
    }

    /// Target `target` became healthy: it enters slow start when the group has a window and
    /// another healthy target is not in slow start (A1).
    pub(in crate::sim) fn begin_slow_start(&mut self, spec: &TargetGroup, now: Nanos, target: u32) {
        let window = spec.slow_start;
        if window == 0 {
            return;
        }
        let g = self;
        let other = g.targets.iter().enumerate().any(|(i, t)| {
            i as u32 != target
                && t.health.state() == Health::Healthy
                && t.slow_since.is_none_or(|s| now - s >= window)
        });
        let t = &mut g.targets[target as usize];
        t.slow_since = other.then_some(now);
        t.swrr = 0.0;
    }

    /// Rebuilds each zone node's targets and which nodes are in DNS. With cross-zone off the
    /// target group's health is judged per zone (N8, "target group health": the requirements
    /// "apply to each zone independently"): a zone with a healthy target routes to its healthy
    /// targets; a zone without one is taken out of DNS ("DNS failover") and its node routes to
    /// every registered target of its zone ("routing failover", fail open; both thresholds
    /// default to 1 healthy target).
    pub(in crate::sim) fn refresh_zones(&mut self, ctx: &mut Ctx, group: u32) {
        let now = ctx.now;
        let g = self;
        for z in g.zone_routable.iter_mut() {
            z.clear();
        }
        let zones = g.zone_routable.len();
        let mut healthy = vec![false; zones];
        for (i, t) in g.targets.iter().enumerate() {
            if t.health.state() == Health::Healthy {
                healthy[t.zone as usize] = true;
                g.zone_routable[t.zone as usize].push(i as u32);
            }
        }
        for (i, t) in g.targets.iter().enumerate() {
            if !healthy[t.zone as usize] && t.health.state().is_registered() {
                g.zone_routable[t.zone as usize].push(i as u32);
            }
        }
        let mut changed: Vec<(usize, bool)> = Vec::new();
        for (z, &up) in healthy.iter().enumerate() {
            let was = g.zone_live.contains(&(z as u32));
            if up {
                g.zone_down[z] = None;
            } else if was {
                g.zone_down[z] = Some(now);
            }
            // At time 0 the starting fleet fills the zones: a state, not a change.
            if up != was && now > 0 {
                changed.push((z, up));
            }
        }
        g.zone_live.clear();
        for (z, &up) in healthy.iter().enumerate() {
            if up {
                g.zone_live.push(z as u32);
            }
        }
        for (z, up) in changed {
            let (from, to) = if up {
                ("out_of_dns", "in_dns")
            } else {
                ("in_dns", "out_of_dns")
            };
            let zone = format!("zone {}", (b'a' + z as u8) as char);
            ctx.log("zone", group, None, from, to, zone);
        }
    }

    /// Automatic target weights: an attempt at `target` was answered (`failed`: 5xx, reset or
    /// timeout). Runs the evaluation when its period is due.
    pub(in crate::sim) fn target_outcome(
        &mut self,
        ctx: &mut Ctx,
        group: u32,
        target: u32,
        failed: bool,
    ) {
        let g = self;
        let t = &mut g.targets[target as usize];
        t.window_attempts += 1;
        t.window_errors += u32::from(failed);
        if ctx.now < g.next_weights {
            return;
        }
        g.next_weights = ctx.now + WINDOW;
        let healthy: Vec<u32> = g
            .targets
            .iter()
            .enumerate()
            .filter(|(_, t)| t.health.state() == Health::Healthy)
            .map(|(i, _)| i as u32)
            .collect();
        let (all_attempts, all_errors) = healthy.iter().fold((0u64, 0u64), |(a, e), &i| {
            let t = &g.targets[i as usize];
            (
                a + u64::from(t.window_attempts),
                e + u64::from(t.window_errors),
            )
        });
        let detect = healthy.len() >= MIN_HEALTHY;
        let mut changes: Vec<(u32, bool, f64)> = Vec::new();
        for &i in &healthy {
            let t = &mut g.targets[i as usize];
            if t.window_attempts < MIN_SAMPLES {
                continue; // too little evidence yet: keep weight and counters
            }
            let anomalous = detect && {
                let others_attempts = all_attempts - u64::from(t.window_attempts);
                let others_errors = all_errors - u64::from(t.window_errors);
                let own = f64::from(t.window_errors) / f64::from(t.window_attempts);
                let others = if others_attempts == 0 {
                    0.0
                } else {
                    others_errors as f64 / others_attempts as f64
                };
                own >= 2.0 * others + 0.05
            };
            let before = t.weight;
            t.weight = if anomalous {
                (t.weight * 0.5).max(FLOOR)
            } else {
                (t.weight + RECOVER_STEP).min(1.0)
            };
            if (before == 1.0) != (t.weight == 1.0) {
                changes.push((
                    i,
                    t.weight == 1.0,
                    f64::from(t.window_errors) / f64::from(t.window_attempts),
                ));
            }
            t.window_attempts = 0;
            t.window_errors = 0;
        }
        // Targets that are not healthy start their next evaluation afresh.
        for t in g.targets.iter_mut() {
            if t.health.state() != Health::Healthy {
                t.window_attempts = 0;
                t.window_errors = 0;
            }
        }
        for (target, normal, ratio) in changes {
            let (from, to) = if normal {
                ("anomalous", "normal")
            } else {
                ("normal", "anomalous")
            };
            let detail = format!("error ratio {ratio:.3}");
            ctx.log("anomaly", group, Some(target), from, to, detail);
        }
    }
}
