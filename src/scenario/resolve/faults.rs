//! `[[faults]]`: when a fault hits which tasks of a group, and how.

use super::super::Fault;
use super::super::error::{ScenarioError, join_path};
use super::super::schema::{RawFault, RawScenario};
use super::GroupIndex;
use super::check::{fraction, non_negative_time, span_s};
use crate::vocab::FaultKind;

/// Checks every fault.
pub(super) fn resolve(
    raw: &RawScenario,
    group_index: &GroupIndex,
) -> Result<Vec<Fault>, ScenarioError> {
    let mut faults = Vec::with_capacity(raw.faults.len());
    for (i, f) in raw.faults.iter().enumerate() {
        faults.push(fault(
            f,
            &join_path("faults", i),
            raw.simulation.duration_s,
            group_index,
            raw,
        )?);
    }
    Ok(faults)
}

/// Whether `field` is needed (or allowed) by the fault's kind.
fn needs(path: &str, field: &str, present: bool, kind: FaultKind) -> Result<(), ScenarioError> {
    let wanted = match field {
        "factor" => kind == FaultKind::Slow,
        "fraction" => matches!(kind, FaultKind::Errors | FaultKind::FailFast),
        _ => kind == FaultKind::AzOutage,
    };
    // A zone may narrow any per-task fault; only `az_outage` requires one.
    let optional = field == "zone";
    match (wanted, present) {
        (true, false) => Err(ScenarioError::at(
            join_path(path, field),
            format!("kind = {kind:?} needs `{field}`"),
        )),
        (false, true) if !optional => Err(ScenarioError::at(
            join_path(path, field),
            format!("`{field}` does not apply to kind = {kind:?}"),
        )),
        _ => Ok(()),
    }
}

fn fault(
    f: &RawFault,
    path: &str,
    duration_s: f64,
    group_index: &GroupIndex,
    raw: &RawScenario,
) -> Result<Fault, ScenarioError> {
    let p = |x: &str| join_path(path, x);
    non_negative_time(&p("at_s"), f.at_s, duration_s)?;
    let group = group_index(&f.target_group, &p("target_group"))?;
    let end = match f.end_s {
        Some(end) if end <= f.at_s => {
            return Err(ScenarioError::at(
                p("end_s"),
                format!("must be after at_s ({}) (got {end})", f.at_s),
            ));
        }
        Some(_)
            if matches!(
                f.kind,
                FaultKind::Crash | FaultKind::AzOutage | FaultKind::TaskExit
            ) =>
        {
            return Err(ScenarioError::at(
                p("end_s"),
                "a crashed task does not come back: ECS replaces it (remove end_s)",
            ));
        }
        Some(end) => Some(span_s(&p("end_s"), end)?),
        None => None,
    };
    needs(path, "factor", f.factor.is_some(), f.kind)?;
    needs(path, "fraction", f.fraction.is_some(), f.kind)?;
    needs(path, "zone", f.zone.is_some(), f.kind)?;
    let factor = f.factor.unwrap_or(1.0);
    if !(factor > 0.0 && factor.is_finite()) {
        return Err(ScenarioError::at(
            p("factor"),
            format!("must be greater than 0 (got {factor})"),
        ));
    }
    let fraction = fraction(&p("fraction"), f.fraction.unwrap_or(0.0))?;
    let group_raw = &raw.target_groups[group as usize];
    let zone = match &f.zone {
        Some(z) => {
            let zi = z.len() == 1 && z.as_bytes()[0].is_ascii_lowercase();
            let index = if zi {
                u32::from(z.as_bytes()[0] - b'a')
            } else {
                u32::MAX
            };
            if index >= group_raw.zones {
                return Err(ScenarioError::at(
                    p("zone"),
                    format!(
                        "the group's tasks are in zones a to {} (got {z:?})",
                        (b'a' + group_raw.zones as u8 - 1) as char
                    ),
                ));
            }
            Some(index)
        }
        None => None,
    };
    if f.targets == 0 {
        return Err(ScenarioError::at(p("targets"), "must be at least 1"));
    }
    Ok(Fault {
        at: span_s(&p("at_s"), f.at_s)?,
        end,
        kind: f.kind,
        group,
        targets: f.targets,
        factor,
        fraction,
        zone,
    })
}
