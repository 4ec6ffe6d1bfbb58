//! `[load_balancers.<name>]`: NLBs and ALBs, their latency, ALB idle timeout and listeners
//! (checked in `alb.rs`), and which target group is behind which load balancer.

use std::path::Path;

use super::super::LoadBalancer;
use super::super::error::{ScenarioError, join_path};
use super::super::schema::{LoadBalancerKind, RawLoadBalancer, RawScenario};
use super::check::optional_dist;
use super::{GroupIndex, alb};

/// ALB connection idle timeout when none is given, seconds (ALB user guide, "Connection idle
/// timeout": 60 s by default, 1–4000 s).
const DEFAULT_ALB_IDLE_TIMEOUT_S: f64 = 60.0;

/// A load balancer's idle timeout, seconds (its own or the default).
pub(super) fn idle_timeout_s(lb: &RawLoadBalancer) -> f64 {
    lb.idle_timeout_s.unwrap_or(DEFAULT_ALB_IDLE_TIMEOUT_S)
}

/// The checked load balancers and their listeners, and the load balancer each group is behind.
pub(super) struct Resolved {
    pub load_balancers: Vec<LoadBalancer>,
    pub listeners: Vec<Vec<alb::Listener>>,
    pub owners: alb::GroupOwners,
}

/// Checks every load balancer.
pub(super) fn resolve(
    raw: &RawScenario,
    base_dir: &Path,
    group_index: &GroupIndex,
) -> Result<Resolved, ScenarioError> {
    let mut load_balancers = Vec::with_capacity(raw.load_balancers.len());
    let mut owners: alb::GroupOwners = vec![None; raw.target_groups.len()];
    let mut listeners = Vec::with_capacity(raw.load_balancers.len());
    for (li, (name, lb)) in raw.load_balancers.iter().enumerate() {
        let path = join_path("load_balancers", name);
        if lb.listeners.is_empty() {
            return Err(ScenarioError::at(
                join_path(&path, "listeners"),
                "needs at least one listener",
            ));
        }
        listeners.push(alb::listeners(
            raw,
            li as u32,
            lb,
            &path,
            group_index,
            &mut owners,
        )?);
        let idle = idle_timeout_s(lb);
        if !(1.0..=4000.0).contains(&idle) {
            return Err(ScenarioError::at(
                join_path(&path, "idle_timeout_s"),
                format!("must be from 1 to 4000 s (got {idle})"),
            ));
        }
        load_balancers.push(LoadBalancer {
            name: name.clone(),
            latency: optional_dist(lb.latency.as_ref(), &join_path(&path, "latency"), base_dir)?,
            kind: lb.kind,
            tls_latency: optional_dist(
                lb.tls_latency.as_ref(),
                &join_path(&path, "tls_latency"),
                base_dir,
            )?,
        });
    }
    Ok(Resolved {
        load_balancers,
        listeners,
        owners,
    })
}

/// Writes an ALB's defaults (idle timeout, listener protocols) into the raw form.
pub(super) fn fill(lb: &mut RawLoadBalancer) {
    if lb.kind == LoadBalancerKind::Alb {
        lb.idle_timeout_s = Some(idle_timeout_s(lb));
        for l in &mut lb.listeners {
            l.protocol = Some(alb::protocol(l));
        }
    }
}
