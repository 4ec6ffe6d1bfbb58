//! `[simulation]`: the run's name, seed, length, warm-up, replications and time-series width.

use super::super::error::ScenarioError;
use super::super::schema::RawSimulation;
use super::check::{MAX_REPLICATIONS, count, positive, span_s};
use crate::engine::time::Nanos;

/// The checked `[simulation]` table.
#[derive(Debug)]
pub(super) struct Run {
    pub name: String,
    pub seed: u64,
    pub duration: Nanos,
    pub warmup: Nanos,
    pub replications: u32,
    /// Relative 95% half-width at which replications stop (0: run exactly `replications`).
    pub precision: f64,
    /// Most replications the precision rule may run.
    pub max_replications: u32,
    /// Time-series width, within 1 ns and the run's length.
    pub interval: Nanos,
}

/// Rows a run keeps in `timeseries.csv` at most when the user does not choose the width: an
/// hour at 1 s, which charts draw at full resolution and pandas reads in milliseconds.
pub const DEFAULT_MAX_ROWS: u64 = 3600;

/// Widths the default steps through, seconds: each a whole number of the one before or a
/// common clock unit, so rows start on round times.
const DEFAULT_WIDTHS_S: [u64; 16] = [
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600,
];

/// The default time-series width: 1 s up to an hour simulated, then the narrowest of
/// [`DEFAULT_WIDTHS_S`] that keeps at most [`DEFAULT_MAX_ROWS`] rows, so a week at low traffic
/// costs what its requests cost, not 604,800 rows (the user's explicit width always wins).
pub fn default_interval(duration: Nanos) -> Nanos {
    let widest = *DEFAULT_WIDTHS_S.last().expect("not empty");
    let width_s = DEFAULT_WIDTHS_S
        .into_iter()
        .find(|&w| duration.div_ceil(w * 1_000_000_000) <= DEFAULT_MAX_ROWS)
        .unwrap_or(widest);
    width_s * 1_000_000_000
}

/// Most replications run by default while the precision is not reached: with the 5% default
/// precision, 20 replications narrow a half-width to about a fifth of one replication's
/// spread (t(0.975, 19) / sqrt(20) = 0.47 standard deviations).
const DEFAULT_MAX_REPLICATIONS: u32 = 20;

/// Writes the defaults the run chose back, so the output's `scenario.toml` repeats the run:
/// the replication cap, and the time-series width unless the user gave one.
pub(super) fn fill(sim: &mut RawSimulation, sc: &super::super::Scenario) {
    sim.max_replications = Some(sc.max_replications);
    sim.timeseries_interval_s
        .get_or_insert(crate::engine::time::to_secs(sc.interval));
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
    if sim.seed > i64::MAX as u64 {
        // TOML integers are signed 64-bit: a larger seed could be read from a file but not
        // written back, nor given with --set, so it is refused everywhere alike.
        return Err(ScenarioError::at(
            "simulation.seed",
            format!(
                "must be a whole number from 0 to {} (got {})",
                i64::MAX,
                sim.seed
            ),
        ));
    }
    positive("simulation.duration_s", sim.duration_s)?;
    let duration = span_s("simulation.duration_s", sim.duration_s)?;
    if !(sim.warmup_s >= 0.0 && sim.warmup_s < sim.duration_s) {
        return Err(ScenarioError::at(
            "simulation.warmup_s",
            format!(
                "must be 0 or more and less than duration_s ({}) (got {})",
                sim.duration_s, sim.warmup_s
            ),
        ));
    }
    let warmup = span_s("simulation.warmup_s", sim.warmup_s)?;
    count(
        "simulation.replications",
        sim.replications,
        MAX_REPLICATIONS,
        "replications of one run",
    )?;
    if !(0.0..1.0).contains(&sim.precision) {
        return Err(ScenarioError::at(
            "simulation.precision",
            format!(
                "is a relative half-width from 0 (off) to below 1 (got {})",
                sim.precision
            ),
        ));
    }
    let max_replications = sim
        .max_replications
        .unwrap_or(DEFAULT_MAX_REPLICATIONS.max(sim.replications));
    if max_replications < sim.replications {
        return Err(ScenarioError::at(
            "simulation.max_replications",
            format!(
                "must be at least replications ({}) (got {max_replications})",
                sim.replications
            ),
        ));
    }
    count(
        "simulation.max_replications",
        max_replications,
        MAX_REPLICATIONS,
        "replications of one run",
    )?;
    let interval = match sim.timeseries_interval_s {
        Some(v) => {
            let path = "simulation.timeseries_interval_s";
            positive(path, v)?;
            span_s(path, v)?
        }
        None => default_interval(duration),
    };
    Ok(Run {
        name: sim.name.clone(),
        seed: sim.seed,
        duration,
        warmup,
        replications: sim.replications,
        precision: sim.precision,
        max_replications,
        interval: interval.clamp(1, duration.max(1)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(extra: &str) -> Result<Run, ScenarioError> {
        let sim: RawSimulation =
            toml::from_str(&format!("name = \"n\"\nduration_s = 10\n{extra}")).unwrap();
        resolve(&sim)
    }

    #[test]
    fn defaults_are_one_replication_and_one_second_rows() {
        let r = run("").unwrap();
        assert_eq!((r.seed, r.replications, r.warmup), (1, 1, 0));
        assert_eq!(r.interval, 1_000_000_000);
        assert_eq!(
            run("timeseries_interval_s = 60").unwrap().interval,
            r.duration
        );
    }

    /// The default width is 1 s up to an hour, then keeps at most an hour's worth of rows on
    /// round widths; an explicit width is kept whatever the length.
    #[test]
    fn default_width_adapts_to_the_run_length() {
        let width = |duration_s: u64| default_interval(duration_s * 1_000_000_000) / 1_000_000_000;
        assert_eq!(width(10), 1);
        assert_eq!(width(3600), 1);
        assert_eq!(width(3601), 2);
        assert_eq!(width(7200), 2);
        assert_eq!(width(86_400), 30);
        assert_eq!(width(625_000), 300);
        assert_eq!(width(604_800), 300);
        assert_eq!(width(31_536_000), 10800);
        for duration_s in [1u64, 59, 3600, 3601, 10_000, 100_000, 1_000_000, 31_536_000] {
            let rows =
                (duration_s * 1_000_000_000).div_ceil(default_interval(duration_s * 1_000_000_000));
            assert!(rows <= DEFAULT_MAX_ROWS, "{duration_s} s: {rows} rows");
        }
        let long = |extra: &str| {
            let sim: RawSimulation =
                toml::from_str(&format!("name = \"n\"\nduration_s = 625000\n{extra}")).unwrap();
            resolve(&sim).unwrap().interval
        };
        assert_eq!(long(""), 300_000_000_000);
        assert_eq!(long("timeseries_interval_s = 1"), 1_000_000_000);
    }

    #[test]
    fn range_errors_name_the_field() {
        for (text, field) in [
            ("name = \".x\"\nduration_s = 10", "name"),
            ("name = \"n\"\nduration_s = 1e15", "duration_s"),
            ("name = \"n\"\nduration_s = 1e-300", "duration_s"),
        ] {
            let sim: RawSimulation = toml::from_str(text).unwrap();
            assert_eq!(
                resolve(&sim).unwrap_err().path,
                format!("simulation.{field}")
            );
        }
        for (extra, field) in [
            ("warmup_s = 10", "warmup_s"),
            ("warmup_s = 1e-300", "warmup_s"),
            ("replications = 0", "replications"),
            ("replications = 4294967295", "replications"),
            ("timeseries_interval_s = 1e-300", "timeseries_interval_s"),
            ("timeseries_interval_s = 1e15", "timeseries_interval_s"),
        ] {
            let e = run(extra).unwrap_err();
            assert_eq!(e.path, format!("simulation.{field}"), "{extra}: {e}");
        }
    }

    #[test]
    fn seeds_past_toml_integers_are_refused() {
        let mut sim: RawSimulation = toml::from_str("name = \"n\"\nduration_s = 1").unwrap();
        sim.seed = i64::MAX as u64;
        assert!(resolve(&sim).is_ok());
        sim.seed += 1;
        assert_eq!(resolve(&sim).unwrap_err().path, "simulation.seed");
    }
}
