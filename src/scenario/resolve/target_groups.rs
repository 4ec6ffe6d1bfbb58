//! `[target_groups.<name>]`: a group of ECS tasks: its size, zones, balancing (algorithm,
//! automatic target weights, slow start, cross-zone), deregistration delay and NLB connection
//! termination, and the sections inside it (app, sidecar, health check, service, autoscaling,
//! Cloud Map), each in its own file.

use std::path::Path;

use super::super::error::{ScenarioError, join_path};
use super::super::schema::{LoadBalancerKind, RawHealthCheck, RawScenario, RawTargetGroup};
use super::super::{AlbGroup, Front, Sidecar, TargetGroup};
use super::check::{MAX_TARGETS, count, span_s};
use super::{alb, app, autoscaling, cloud_map, ecs, health_check, load_balancers, sidecar};
use crate::engine::time::from_secs;
use crate::vocab::AlgorithmKind;

/// Checks every target group; `owners` says which load balancer each is behind.
pub(super) fn resolve(
    raw: &RawScenario,
    owners: &alb::GroupOwners,
    base_dir: &Path,
) -> Result<Vec<TargetGroup>, ScenarioError> {
    let mut groups = Vec::with_capacity(raw.target_groups.len());
    for (gi, (name, g)) in raw.target_groups.iter().enumerate() {
        groups.push(group(raw, name, g, owners[gi], base_dir)?);
    }
    Ok(groups)
}

/// Writes the groups' defaults into the raw form, from the resolved groups.
pub(super) fn fill(raw: &mut RawScenario, groups: &[TargetGroup]) {
    for (g, group) in raw.target_groups.values_mut().zip(groups) {
        g.algorithm = Some(group.algorithm);
        if group.front != Front::None {
            g.cross_zone = Some(group.cross_zone);
        }
        if let Some(resolved) = &group.health_check {
            health_check::fill(&mut g.health_check, resolved);
        }
        if let (Some(sc), Some(resolved), Some(_)) =
            (g.sidecar.as_mut(), &group.sidecar, &group.alb)
        {
            sidecar::fill(sc, resolved);
        }
        ecs::fill(&mut g.service);
    }
}

fn group(
    raw: &RawScenario,
    name: &str,
    g: &RawTargetGroup,
    owner: Option<(u32, LoadBalancerKind)>,
    base_dir: &Path,
) -> Result<TargetGroup, ScenarioError> {
    let path = join_path("target_groups", name);
    count(
        &join_path(&path, "targets"),
        g.targets,
        MAX_TARGETS,
        "ELB's targets per target group",
    )?;
    let app = app::resolve(&g.app, &join_path(&path, "app"), g.targets, base_dir)?;
    let sidecar = match &g.sidecar {
        Some(sc) => Some(sidecar::resolve(
            sc,
            &join_path(&path, "sidecar"),
            base_dir,
        )?),
        None => None,
    };
    if g.zones == 0 || g.zones > 26 {
        return Err(ScenarioError::at(
            join_path(&path, "zones"),
            "must be from 1 to 26",
        ));
    }
    let alb_owner = match owner {
        Some((li, LoadBalancerKind::Alb)) => Some(li),
        _ => None,
    };
    let hc_path = join_path(&path, "health_check");
    let health_check = match &g.health_check {
        Some(hc) => Some(health_check::resolve(
            hc,
            &hc_path,
            g.zones,
            alb_owner.is_some(),
        )?),
        // Behind a load balancer, ip targets are always checked: a group without
        // settings gets the load balancer type's defaults (ELB target group health checks).
        None if owner.is_some() => Some(health_check::resolve(
            &RawHealthCheck::default(),
            &hc_path,
            g.zones,
            alb_owner.is_some(),
        )?),
        None => None,
    };
    if alb_owner.is_some() && g.connection_termination {
        return Err(ScenarioError::at(
            join_path(&path, "connection_termination"),
            "is an NLB target group attribute; behind an ALB, requests still in flight when \
             the deregistration delay ends get 502",
        ));
    }
    let alb = alb_owner.map(|li| alb_group(raw, li, sidecar.as_ref()));
    let delay = g.deregistration_delay_s;
    if !(0.0..=3600.0).contains(&delay) {
        return Err(ScenarioError::at(
            join_path(&path, "deregistration_delay_s"),
            format!("must be from 0 to 3600 s (got {delay})"),
        ));
    }
    let service = ecs::resolve(g.service.as_ref(), &join_path(&path, "service"), base_dir)?;
    let autoscaling = match &g.autoscaling {
        Some(a) => Some(autoscaling::resolve(
            a,
            &join_path(&path, "autoscaling"),
            g.targets,
        )?),
        None => None,
    };
    let cloud_map = match &g.cloud_map {
        Some(c) => Some(cloud_map::resolve(c, &join_path(&path, "cloud_map"))?),
        None => None,
    };
    let front = match owner {
        Some((_, LoadBalancerKind::Nlb)) => Front::Nlb,
        Some((_, LoadBalancerKind::Alb)) => Front::Alb,
        None => Front::None,
    };
    let balancing = balancing(g, &path, front)?;
    Ok(TargetGroup {
        front,
        automatic_target_weights: g.automatic_target_weights,
        slow_start: span_s(&join_path(&path, "slow_start_s"), g.slow_start_s)?,
        cross_zone: balancing.cross_zone,
        name: name.to_string(),
        targets: g.targets,
        algorithm: balancing.algorithm,
        zones: g.zones,
        health_check,
        deregistration_delay: span_s(&join_path(&path, "deregistration_delay_s"), delay)?,
        connection_termination: g.connection_termination,
        service,
        autoscaling,
        cloud_map,
        sidecar,
        app,
        alb,
    })
}

/// What sending through the group's ALB needs: its idle timeout and the keep-alive race
/// window when nginx's keep-alive timeout is the shorter.
fn alb_group(raw: &RawScenario, li: u32, sidecar: Option<&Sidecar>) -> AlbGroup {
    let idle = from_secs(load_balancers::idle_timeout_s(
        &raw.load_balancers[li as usize],
    ));
    AlbGroup {
        idle_timeout: idle,
        keepalive_race: sidecar
            .map(|s| s.keepalive_timeout)
            .filter(|&k| k < idle)
            .map(|k| (k, (k + alb::KEEPALIVE_RACE_WINDOW).min(idle))),
    }
}

/// The group's balancing choices, checked against where AWS allows them.
struct Balancing {
    algorithm: AlgorithmKind,
    cross_zone: bool,
}

fn balancing(g: &RawTargetGroup, path: &str, front: Front) -> Result<Balancing, ScenarioError> {
    let algorithm = g.algorithm.unwrap_or(if front == Front::Nlb {
        AlgorithmKind::FlowHash
    } else {
        AlgorithmKind::RoundRobin
    });
    if g.automatic_target_weights && algorithm != AlgorithmKind::WeightedRandom {
        return Err(ScenarioError::at(
            join_path(path, "automatic_target_weights"),
            format!(
                "needs algorithm = \"weighted_random\" (got {:?}): ALB anomaly mitigation \
                 is only available with the weighted random algorithm",
                algorithm
            ),
        ));
    }
    let slow_start = g.slow_start_s;
    if slow_start != 0.0 && !(30.0..=900.0).contains(&slow_start) {
        return Err(ScenarioError::at(
            join_path(path, "slow_start_s"),
            format!("must be 0 (off) or from 30 to 900 s (got {slow_start})"),
        ));
    }
    if slow_start > 0.0
        && !matches!(
            algorithm,
            AlgorithmKind::RoundRobin | AlgorithmKind::WeightedRandom
        )
    {
        return Err(ScenarioError::at(
            join_path(path, "slow_start_s"),
            format!(
                "slow start works with round_robin or weighted_random, not {:?} (ALB: \
                 least outstanding requests cannot use slow start)",
                algorithm
            ),
        ));
    }
    let cross_zone = match (g.cross_zone, front) {
        (Some(_), Front::None) => {
            return Err(ScenarioError::at(
                join_path(path, "cross_zone"),
                "applies only to a target group behind a load balancer",
            ));
        }
        (Some(c), _) => c,
        (None, Front::Nlb) => false,
        (None, Front::Alb | Front::None) => true,
    };
    Ok(Balancing {
        algorithm,
        cross_zone,
    })
}
