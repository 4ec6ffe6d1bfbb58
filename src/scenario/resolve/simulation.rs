//! `[simulation]`: the run's name, seed, length, warm-up, replications and time-series width.

use super::super::error::ScenarioError;
use super::super::schema::RawSimulation;
use super::check::positive;
use crate::engine::time::{Nanos, from_secs};

/// The checked `[simulation]` table.
pub(super) struct Run {
    pub name: String,
    pub seed: u64,
    pub duration: Nanos,
    pub warmup: Nanos,
    pub replications: u32,
    /// Time-series width, within 1 ns and the run's length.
    pub interval: Nanos,
}

/// Checks `[simulation]`.
pub(super) fn resolve(sim: &RawSimulation) -> Result<Run, ScenarioError> {
    if sim.name.is_empty()
        || sim.name.starts_with('.')
        || !sim
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(ScenarioError::at(
            "simulation.name",
            format!(
                "must be a folder name of letters, digits, '-', '_' and '.' (got {:?})",
                sim.name
            ),
        ));
    }
    positive("simulation.duration_s", sim.duration_s)?;
    if !(sim.warmup_s >= 0.0 && sim.warmup_s < sim.duration_s) {
        return Err(ScenarioError::at(
            "simulation.warmup_s",
            format!(
                "must be 0 or more and less than duration_s ({}) (got {})",
                sim.duration_s, sim.warmup_s
            ),
        ));
    }
    if sim.replications == 0 {
        return Err(ScenarioError::at(
            "simulation.replications",
            "must be at least 1",
        ));
    }
    positive(
        "simulation.timeseries_interval_s",
        sim.timeseries_interval_s,
    )?;
    let duration = from_secs(sim.duration_s);
    Ok(Run {
        name: sim.name.clone(),
        seed: sim.seed,
        duration,
        warmup: from_secs(sim.warmup_s),
        replications: sim.replications,
        interval: from_secs(sim.timeseries_interval_s).clamp(1, duration.max(1)),
    })
}
