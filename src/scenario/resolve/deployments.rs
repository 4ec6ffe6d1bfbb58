//! `[[deployments]]`: rolling deployments of a group's ECS service.

use super::super::error::{ScenarioError, join_path};
use super::super::schema::RawScenario;
use super::super::{Deployment, TargetGroup};
use super::GroupIndex;
use super::check::{non_negative_time, span_s};

/// Checks every deployment against its group's resolved service; sorted by start.
pub(super) fn resolve(
    raw: &RawScenario,
    groups: &[TargetGroup],
    group_index: &GroupIndex,
) -> Result<Vec<Deployment>, ScenarioError> {
    let mut deployments = Vec::with_capacity(raw.deployments.len());
    for (i, d) in raw.deployments.iter().enumerate() {
        let path = join_path("deployments", i);
        non_negative_time(&join_path(&path, "at_s"), d.at_s, raw.simulation.duration_s)?;
        let group = group_index(&d.target_group, &join_path(&path, "target_group"))?;
        let svc = &groups[group as usize].service;
        if svc.minimum_healthy_percent == 100 && svc.maximum_percent == 100 {
            // ECS can neither start a new task (no room above 100%) nor stop an old one (none
            // may go below 100%): it refuses this rolling-update configuration.
            return Err(ScenarioError::at(
                format!("target_groups.{}.service.maximum_percent", d.target_group),
                "a rolling deployment needs maximum_percent above 100 or \
                 minimum_healthy_percent below 100 (got 100 and 100): ECS can neither start \
                 a new task nor stop an old one",
            ));
        }
        deployments.push(Deployment {
            at: span_s(&join_path(&path, "at_s"), d.at_s)?,
            group,
        });
    }
    deployments.sort_by_key(|d| d.at);
    Ok(deployments)
}
