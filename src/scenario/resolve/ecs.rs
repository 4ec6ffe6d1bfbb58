//! `target_groups.<name>.service`: the ECS service (task start, grace period, deployment
//! limits, stop timeout) and its container health check.

use std::path::Path;

use super::super::dist;
use super::super::error::{ScenarioError, join_path};
use super::super::schema::{DistKind, RawContainerHealthCheck, RawDist, RawService};
use super::super::{ContainerCheck, Service};
use super::check::span_s;

/// Task start time when none is given: no documented figure; placement, ENI attachment and
/// image pull are reported at 30 s to 3 min, which a log-normal with a 60 s median covers.
fn default_task_start() -> RawDist {
    RawDist {
        dist: DistKind::Lognormal,
        median_ms: Some(60_000.0),
        sigma: Some(0.4),
        ..RawDist::default()
    }
}

/// Checks a group's `service` (absent: the defaults of `service = {}`).
pub(super) fn resolve(
    raw: Option<&RawService>,
    path: &str,
    base_dir: &Path,
) -> Result<Service, ScenarioError> {
    let default = RawService::default();
    let s = raw.unwrap_or(&default);
    let p = |f: &str| join_path(path, f);
    let task_start = match &s.task_start {
        Some(d) => dist::build(d, &p("task_start"), base_dir)?,
        None => dist::build(&default_task_start(), &p("task_start"), base_dir)?,
    };
    if !(s.health_check_grace_period_s >= 0.0 && s.health_check_grace_period_s.is_finite()) {
        return Err(ScenarioError::at(
            p("health_check_grace_period_s"),
            format!("must be 0 or more (got {})", s.health_check_grace_period_s),
        ));
    }
    if s.minimum_healthy_percent > 100 {
        return Err(ScenarioError::at(
            p("minimum_healthy_percent"),
            format!("must be from 0 to 100 (got {})", s.minimum_healthy_percent),
        ));
    }
    if s.maximum_percent < 100 || s.maximum_percent < s.minimum_healthy_percent {
        return Err(ScenarioError::at(
            p("maximum_percent"),
            format!(
                "must be at least 100 and at least minimum_healthy_percent (got {})",
                s.maximum_percent
            ),
        ));
    }
    if !(0.0..=120.0).contains(&s.stop_timeout_s) {
        return Err(ScenarioError::at(
            p("stop_timeout_s"),
            format!(
                "must be from 0 to 120 s (Fargate's maximum) (got {})",
                s.stop_timeout_s
            ),
        ));
    }
    let container_check = match &s.container_health_check {
        Some(c) => Some(container_check(c, &p("container_health_check"))?),
        None => None,
    };
    Ok(Service {
        task_start,
        grace_period: span_s(
            &p("health_check_grace_period_s"),
            s.health_check_grace_period_s,
        )?,
        minimum_healthy_percent: s.minimum_healthy_percent,
        maximum_percent: s.maximum_percent,
        stop_timeout: span_s(&p("stop_timeout_s"), s.stop_timeout_s)?,
        container_check,
    })
}

/// Writes the service's defaults into the raw group, for the scenario as run: the same
/// `RawService::default()` and task start that `resolve` used.
pub(super) fn fill(raw: &mut Option<RawService>) {
    let service = raw.get_or_insert_with(RawService::default);
    if service.task_start.is_none() {
        service.task_start = Some(default_task_start());
    }
}

/// An ECS container health check, within the documented ranges (task definition
/// `healthCheck`: interval 5–300 s, timeout 2–60 s, retries 1–10, startPeriod 0–300 s).
fn container_check(
    c: &RawContainerHealthCheck,
    path: &str,
) -> Result<ContainerCheck, ScenarioError> {
    let p = |f: &str| join_path(path, f);
    let range = |field: &str, v: f64, lo: f64, hi: f64| {
        if (lo..=hi).contains(&v) {
            span_s(&p(field), v)
        } else {
            Err(ScenarioError::at(
                p(field),
                format!("must be from {lo} to {hi} s, as ECS allows (got {v})"),
            ))
        }
    };
    let interval = range("interval_s", c.interval_s, 5.0, 300.0)?;
    let timeout = range("timeout_s", c.timeout_s, 2.0, 60.0)?;
    let start_period = range("start_period_s", c.start_period_s, 0.0, 300.0)?;
    if !(1..=10).contains(&c.retries) {
        return Err(ScenarioError::at(
            p("retries"),
            format!("must be from 1 to 10, as ECS allows (got {})", c.retries),
        ));
    }
    Ok(ContainerCheck {
        interval,
        timeout,
        retries: c.retries,
        start_period,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::from_secs;

    fn service(text: &str) -> Result<Service, ScenarioError> {
        let raw: RawService = toml::from_str(text).unwrap();
        resolve(Some(&raw), "target_groups.g.service", Path::new("."))
    }

    #[test]
    fn defaults_are_those_of_an_empty_table() {
        let none = resolve(None, "s", Path::new(".")).unwrap();
        let empty = service("").unwrap();
        assert_eq!(none.minimum_healthy_percent, 100);
        assert_eq!(none.maximum_percent, 200);
        assert_eq!(none.stop_timeout, from_secs(30.0));
        assert_eq!(empty.stop_timeout, none.stop_timeout);
        assert_eq!(none.task_start.mean_ms(), empty.task_start.mean_ms());
        let mut raw = None;
        fill(&mut raw);
        assert_eq!(raw.unwrap().task_start.unwrap().median_ms, Some(60_000.0));
    }

    #[test]
    fn range_errors_name_the_field() {
        for (text, field) in [
            ("minimum_healthy_percent = 101", "minimum_healthy_percent"),
            ("maximum_percent = 99", "maximum_percent"),
            ("stop_timeout_s = 121", "stop_timeout_s"),
            (
                "health_check_grace_period_s = -1",
                "health_check_grace_period_s",
            ),
            (
                "container_health_check = { interval_s = 4 }",
                "container_health_check.interval_s",
            ),
            (
                "container_health_check = { retries = 0 }",
                "container_health_check.retries",
            ),
        ] {
            let e = service(text).unwrap_err();
            assert_eq!(e.path, format!("target_groups.g.service.{field}"), "{text}");
        }
    }

    #[test]
    fn times_the_clock_cannot_hold_name_the_field() {
        for (text, field) in [
            (
                "health_check_grace_period_s = 1e15",
                "health_check_grace_period_s",
            ),
            ("stop_timeout_s = 1e-300", "stop_timeout_s"),
            (
                "container_health_check = { start_period_s = 1e-300 }",
                "container_health_check.start_period_s",
            ),
        ] {
            let e = service(text).unwrap_err();
            assert_eq!(e.path, format!("target_groups.g.service.{field}"), "{text}");
        }
    }
}
