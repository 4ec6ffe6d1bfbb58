//! Checks a [`RawScenario`] against the rules users read in `docs/scenario.md` and builds the
//! index-based [`Scenario`]. Each section of the file has its resolver under `resolve/`, which
//! owns its fields' defaults, ranges and doc comments; this file only sequences them. Each
//! check names the field it is about.

mod alb;
mod app;
mod autoscaling;
pub(super) mod check;
mod cloud_map;
mod deployments;
mod ecs;
mod faults;
mod gateway;
mod health_check;
mod load_balancers;
pub mod pricing;
mod sidecar;
mod simulation;
mod slo;
mod target_groups;
mod traffic;

use std::path::Path;

use super::Scenario;
use super::error::ScenarioError;
use super::schema::RawScenario;

/// Finds a target group by name for the field at `path`, listing the defined ones if unknown.
type GroupIndex<'a> = dyn Fn(&str, &str) -> Result<u32, ScenarioError> + 'a;

/// Builds the checked scenario, section by section.
pub fn resolve(raw: &RawScenario, base_dir: &Path) -> Result<Scenario, ScenarioError> {
    let run = simulation::resolve(&raw.simulation)?;
    if raw.target_groups.is_empty() {
        return Err(ScenarioError::at(
            "target_groups",
            "the scenario needs at least one target group",
        ));
    }
    let group_index = |name: &str, path: &str| -> Result<u32, ScenarioError> {
        raw.target_groups
            .get_index_of(name)
            .map(|i| i as u32)
            .ok_or_else(|| {
                let defined: Vec<&str> = raw.target_groups.keys().map(String::as_str).collect();
                ScenarioError::at(
                    path,
                    format!(
                        "unknown target group {name:?} (defined: {})",
                        defined.join(", ")
                    ),
                )
            })
    };
    let lbs = load_balancers::resolve(raw, base_dir, &group_index)?;
    let groups = target_groups::resolve(raw, &lbs.owners, base_dir)?;

    let mut route_names = Vec::new();
    let mut warnings = Vec::new();
    let mut route_albs = Vec::new();
    let gateway = match &raw.gateway {
        Some(gw) => Some(gateway::resolve(
            raw,
            gw,
            base_dir,
            &group_index,
            &mut route_names,
            gateway::AlbContext {
                listeners: &lbs.listeners,
                route_albs: &mut route_albs,
                warnings: &mut warnings,
            },
        )?),
        None => None,
    };
    let (sources, credentials) = traffic::resolve(
        raw,
        &group_index,
        traffic::Paths {
            gateway: &gateway,
            listeners: &lbs.listeners,
            route_albs: &route_albs,
            route_names: &mut route_names,
        },
    )?;
    let group_names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
    let slo = match &raw.slo {
        Some(s) => slo::checks(s, &route_names, &group_names)?,
        None => Vec::new(),
    };
    let faults = faults::resolve(raw, &group_index)?;
    let deployments = deployments::resolve(raw, &groups, &group_index)?;
    let pricing = raw.pricing.as_ref().map(pricing::resolve).transpose()?;
    Ok(Scenario {
        name: run.name,
        seed: run.seed,
        duration: run.duration,
        warmup: run.warmup,
        replications: run.replications,
        precision: run.precision,
        max_replications: run.max_replications,
        interval: run.interval,
        sources,
        route_names,
        gateway,
        load_balancers: lbs.load_balancers,
        groups,
        credentials,
        faults,
        deployments,
        slo,
        pricing,
        warnings,
    })
}

/// Writes the defaults that `resolve` chose back into the raw form, so `simroute validate`
/// (and the `scenario.toml` written beside the outputs) shows every value the run used. Each
/// section writes its own fields, from the resolved values or the same default it resolved.
pub fn fill_defaults(raw: &mut RawScenario, sc: &Scenario) {
    simulation::fill(&mut raw.simulation, sc);
    if let Some(p) = raw.pricing.as_mut() {
        pricing::fill(p);
    }
    target_groups::fill(raw, &sc.groups);
    for lb in raw.load_balancers.values_mut() {
        load_balancers::fill(lb);
    }
    if let (Some(gw), Some(resolved)) = (raw.gateway.as_mut(), &sc.gateway) {
        gateway::fill(gw, resolved);
    }
}
