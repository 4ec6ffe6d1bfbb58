//! `target_groups.<name>.autoscaling`: ECS service autoscaling (target tracking on CPU or step
//! scaling on requests), its task limits, cooldowns and alarm datapoints.

use super::super::error::{ScenarioError, join_path};
use super::super::schema::RawAutoscaling;
use super::super::{Autoscaling, ScalingPolicy};
use super::check::{MAX_TARGETS, count, span_s};

/// The most 1-minute datapoints an alarm may need: an alarm's evaluation period is at most a
/// day, `EvaluationPeriods` × `Period` ≤ 86,400 s (CloudWatch API reference, PutMetricAlarm,
/// <https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html>).
const MAX_DATAPOINTS: u32 = 1440;

/// Checks a group's autoscaling; the group starts with `targets` tasks.
pub(super) fn resolve(
    a: &RawAutoscaling,
    path: &str,
    targets: u32,
) -> Result<Autoscaling, ScenarioError> {
    let p = |f: &str| join_path(path, f);
    if a.min_tasks == 0 || a.min_tasks > a.max_tasks {
        return Err(ScenarioError::at(
            p("min_tasks"),
            format!(
                "must be at least 1 and at most max_tasks ({}) (got {})",
                a.max_tasks, a.min_tasks
            ),
        ));
    }
    if !(a.min_tasks..=a.max_tasks).contains(&targets) {
        return Err(ScenarioError::at(
            p("max_tasks"),
            format!("the group starts with {targets} targets, outside min_tasks..=max_tasks"),
        ));
    }
    let policy = policy(a, path)?;
    count(
        &p("max_tasks"),
        a.max_tasks,
        MAX_TARGETS,
        "ELB's targets per target group",
    )?;
    for (name, v) in [
        ("scale_out_datapoints", a.scale_out_datapoints),
        ("scale_in_datapoints", a.scale_in_datapoints),
    ] {
        count(
            &p(name),
            v,
            MAX_DATAPOINTS,
            "a CloudWatch alarm evaluates at most a day",
        )?;
    }
    Ok(Autoscaling {
        min_tasks: a.min_tasks,
        max_tasks: a.max_tasks,
        policy,
        scale_out_cooldown: span_s(&p("scale_out_cooldown_s"), a.scale_out_cooldown_s)?,
        scale_in_cooldown: span_s(&p("scale_in_cooldown_s"), a.scale_in_cooldown_s)?,
        scale_out_datapoints: a.scale_out_datapoints,
        scale_in_datapoints: a.scale_in_datapoints,
    })
}

/// Target tracking or step scaling, exactly one of them.
fn policy(a: &RawAutoscaling, path: &str) -> Result<ScalingPolicy, ScenarioError> {
    let p = |f: &str| join_path(path, f);
    match (a.target_cpu_percent, a.request_steps.is_empty()) {
        (Some(cpu), true) => {
            if !(cpu > 0.0 && cpu <= 100.0) {
                return Err(ScenarioError::at(
                    p("target_cpu_percent"),
                    format!("must be above 0 and at most 100 (got {cpu})"),
                ));
            }
            Ok(ScalingPolicy::TargetCpu(cpu))
        }
        (None, false) => {
            let mut steps = Vec::with_capacity(a.request_steps.len());
            for (i, s) in a.request_steps.iter().enumerate() {
                let upper = s.upper.unwrap_or(f64::INFINITY);
                if !(s.lower >= 0.0 && upper > s.lower) || s.change == 0 {
                    return Err(ScenarioError::at(
                        join_path(&p("request_steps"), i),
                        "a step needs 0 <= lower < upper and a non-zero change",
                    ));
                }
                steps.push((s.lower, upper, s.change));
            }
            Ok(ScalingPolicy::RequestSteps(steps))
        }
        _ => Err(ScenarioError::at(
            p("target_cpu_percent"),
            "give either target_cpu_percent (target tracking) or request_steps (step scaling)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scaling(text: &str, targets: u32) -> Result<Autoscaling, ScenarioError> {
        let raw: RawAutoscaling = toml::from_str(text).unwrap();
        resolve(&raw, "target_groups.g.autoscaling", targets)
    }

    #[test]
    fn defaults_are_the_documented_cooldowns_and_datapoints() {
        let a = scaling("min_tasks = 1\nmax_tasks = 4\ntarget_cpu_percent = 50", 2).unwrap();
        assert_eq!(a.scale_out_cooldown, 300_000_000_000);
        assert_eq!((a.scale_out_datapoints, a.scale_in_datapoints), (3, 15));
    }

    #[test]
    fn range_errors_name_the_field() {
        let base = "min_tasks = 1\nmax_tasks = 4\n";
        for (text, field) in [
            ("target_cpu_percent = 0", "target_cpu_percent"),
            (
                "target_cpu_percent = 50\nscale_in_cooldown_s = -1",
                "scale_in_cooldown_s",
            ),
            (
                "target_cpu_percent = 50\nscale_out_datapoints = 0",
                "scale_out_datapoints",
            ),
            ("", "target_cpu_percent"),
        ] {
            let e = scaling(&format!("{base}{text}"), 2).unwrap_err();
            assert_eq!(
                e.path,
                format!("target_groups.g.autoscaling.{field}"),
                "{text}"
            );
        }
        let e = scaling(&format!("{base}target_cpu_percent = 50"), 5).unwrap_err();
        assert_eq!(e.path, "target_groups.g.autoscaling.max_tasks");
    }

    /// Datapoints past a day of 1-minute periods are refused (PutMetricAlarm: evaluation
    /// periods × period ≤ 86,400 s); targets past ELB's 1,000 per target group too.
    #[test]
    fn edge_values_name_the_field_and_limit() {
        let base = "min_tasks = 1\nmax_tasks = 4\ntarget_cpu_percent = 50\n";
        for (text, field) in [
            ("scale_in_datapoints = 1441", "scale_in_datapoints"),
            ("scale_out_cooldown_s = 1e-300", "scale_out_cooldown_s"),
            ("scale_in_cooldown_s = 1e308", "scale_in_cooldown_s"),
        ] {
            let e = scaling(&format!("{base}{text}"), 2).unwrap_err();
            assert_eq!(
                e.path,
                format!("target_groups.g.autoscaling.{field}"),
                "{text}"
            );
        }
        let e = scaling(
            "min_tasks = 1\nmax_tasks = 4294967295\ntarget_cpu_percent = 50",
            2,
        )
        .unwrap_err();
        assert!(e.message.contains("targets per target group"), "{e}");
    }
}
