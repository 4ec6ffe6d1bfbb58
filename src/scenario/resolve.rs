//! Checks a [`RawScenario`] against the rules users read in `docs/scenario.md` and builds the
//! index-based [`Scenario`]. Each check names the field it is about.

use std::path::Path;

use super::dist;
use super::error::{ScenarioError, join_path};
use super::schema::{ProfileShape, QueueLimit, RawScenario, RawTraffic};
use super::{App, Scenario, SloCheck, SloMetric, Source, TargetGroup};
use crate::engine::time::from_secs;
use crate::model::source::RateProfile;

/// Builds the checked scenario.
pub fn resolve(raw: &RawScenario, base_dir: &Path) -> Result<Scenario, ScenarioError> {
    let sim = &raw.simulation;
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

    if raw.target_groups.is_empty() {
        return Err(ScenarioError::at(
            "target_groups",
            "the scenario needs at least one target group",
        ));
    }
    let mut groups = Vec::with_capacity(raw.target_groups.len());
    for (name, g) in &raw.target_groups {
        let path = join_path("target_groups", name);
        if g.targets == 0 {
            return Err(ScenarioError::at(
                join_path(&path, "targets"),
                "must be at least 1",
            ));
        }
        if g.app.workers == 0 {
            return Err(ScenarioError::at(
                join_path(&path, "app.workers"),
                "must be at least 1",
            ));
        }
        let service = dist::build(&g.app.service, &join_path(&path, "app.service"), base_dir)?;
        groups.push(TargetGroup {
            name: name.clone(),
            targets: g.targets,
            algorithm: g.algorithm,
            app: App {
                workers: g.app.workers,
                queue_limit: match g.app.queue_limit {
                    QueueLimit::Limited(n) => n.min(u32::MAX - 1),
                    QueueLimit::Unbounded => u32::MAX,
                },
                service,
            },
        });
    }

    if raw.traffic.is_empty() {
        return Err(ScenarioError::at(
            "traffic",
            "the scenario needs at least one [[traffic]] source",
        ));
    }
    let mut sources = Vec::with_capacity(raw.traffic.len());
    let mut routes = Vec::new();
    for (i, t) in raw.traffic.iter().enumerate() {
        let path = join_path("traffic", i);
        if t.name.is_empty() {
            return Err(ScenarioError::at(
                join_path(&path, "name"),
                "must not be empty",
            ));
        }
        if raw.traffic[..i].iter().any(|o| o.name == t.name) {
            return Err(ScenarioError::at(
                join_path(&path, "name"),
                format!("another traffic source is already named {:?}", t.name),
            ));
        }
        let profile = profile(t, &path)?;
        let timeout = match t.timeout_s {
            Some(s) => Some(from_secs(positive(&join_path(&path, "timeout_s"), s)?)),
            None => None,
        };
        let group_name = t.target_group.as_deref().ok_or_else(|| {
            ScenarioError::at(
                join_path(&path, "target_group"),
                "each source needs the target group its requests go to",
            )
        })?;
        let group = raw.target_groups.get_index_of(group_name).ok_or_else(|| {
            ScenarioError::at(
                join_path(&path, "target_group"),
                format!(
                    "unknown target group {group_name:?} (defined: {})",
                    raw.target_groups
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?;
        routes.push(t.name.clone());
        sources.push(Source {
            name: t.name.clone(),
            arrival: t.arrival,
            profile,
            timeout,
            route: i as u32,
            group: group as u32,
        });
    }

    let mut slo = Vec::new();
    if let Some(s) = &raw.slo {
        for (metric, value) in [
            (SloMetric::MeanMs, s.mean_ms),
            (SloMetric::P50Ms, s.p50_ms),
            (SloMetric::P99Ms, s.p99_ms),
            (SloMetric::P999Ms, s.p999_ms),
            (SloMetric::ErrorRate, s.error_rate),
            (SloMetric::MinThroughputRps, s.min_throughput_rps),
        ] {
            let Some(threshold) = value else { continue };
            let path = join_path("slo", metric.name());
            if !(threshold >= 0.0 && threshold.is_finite()) {
                return Err(ScenarioError::at(
                    path,
                    format!("must be 0 or more (got {threshold})"),
                ));
            }
            if metric == SloMetric::ErrorRate && threshold > 1.0 {
                return Err(ScenarioError::at(
                    path,
                    format!("is a fraction from 0 to 1 (got {threshold})"),
                ));
            }
            slo.push(SloCheck { metric, threshold });
        }
    }

    let duration = from_secs(sim.duration_s);
    Ok(Scenario {
        name: sim.name.clone(),
        seed: sim.seed,
        duration,
        warmup: from_secs(sim.warmup_s),
        replications: sim.replications,
        interval: from_secs(sim.timeseries_interval_s).clamp(1, duration.max(1)),
        sources,
        routes,
        groups,
        slo,
    })
}

fn positive(path: &str, v: f64) -> Result<f64, ScenarioError> {
    if v > 0.0 && v.is_finite() {
        Ok(v)
    } else {
        Err(ScenarioError::at(
            path,
            format!("must be greater than 0 (got {v})"),
        ))
    }
}

fn profile(t: &RawTraffic, path: &str) -> Result<RateProfile, ScenarioError> {
    match (t.rate_rps, t.profile.is_empty()) {
        (Some(rate), true) => Ok(RateProfile::constant(positive(
            &join_path(path, "rate_rps"),
            rate,
        )?)),
        (None, false) => {
            let ppath = join_path(path, "profile");
            let mut points = Vec::with_capacity(t.profile.len());
            for (i, p) in t.profile.iter().enumerate() {
                let here = join_path(&ppath, i);
                if !(p.rate_rps >= 0.0 && p.rate_rps.is_finite()) {
                    return Err(ScenarioError::at(
                        join_path(&here, "rate_rps"),
                        format!("must be 0 or more (got {})", p.rate_rps),
                    ));
                }
                let previous = points.last().map(|&(at, _, _)| at);
                let valid_time = match previous {
                    None => p.at_s == 0.0,
                    Some(prev) => p.at_s >= prev && p.at_s.is_finite(),
                };
                if !valid_time {
                    let rule = if previous.is_none() {
                        "the first profile point must be at 0".to_string()
                    } else {
                        format!(
                            "points must be in time order (previous at {})",
                            previous.unwrap_or(0.0)
                        )
                    };
                    return Err(ScenarioError::at(
                        join_path(&here, "at_s"),
                        format!("{rule} (got {})", p.at_s),
                    ));
                }
                if i == 0 && p.shape == ProfileShape::Ramp {
                    return Err(ScenarioError::at(
                        join_path(&here, "shape"),
                        "the first point has nothing to ramp from; use shape = \"step\"",
                    ));
                }
                points.push((p.at_s, p.rate_rps, p.shape));
            }
            if points.iter().all(|&(_, r, _)| r == 0.0) {
                return Err(ScenarioError::at(ppath, "every rate in the profile is 0"));
            }
            Ok(RateProfile::from_points(&points))
        }
        (Some(_), false) => Err(ScenarioError::at(
            join_path(path, "rate_rps"),
            "give either `rate_rps` or `profile`, not both",
        )),
        (None, true) => Err(ScenarioError::at(
            join_path(path, "rate_rps"),
            "each source needs `rate_rps` or a `profile`",
        )),
    }
}
