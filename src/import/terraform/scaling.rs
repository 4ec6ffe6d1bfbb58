//! Application Auto Scaling and CloudWatch resources: scalable targets, scaling policies and
//! alarms.

use super::super::infra::*;
use super::super::{Props, scalar_text};
use super::resources::Res;

/// `aws_appautoscaling_target`: a scalable target (an ECS service's desired count).
pub(super) fn scalable_target(infra: &mut Infra, r: Res) -> Result<(), String> {
    let Res { id, prov, p, .. } = r;
    let dim = p.str("scalable_dimension")?.unwrap_or_default();
    if dim != "ecs:service:DesiredCount" {
        infra.unsupported.push((
            prov,
            format!("scalable dimension {dim} is not modelled (only ecs:service:DesiredCount)"),
        ));
        return Ok(());
    }
    infra.scalable_targets.push(ScalableTarget {
        id,
        prov,
        resource_id: p.str("resource_id")?.unwrap_or_default(),
        min: p.num("min_capacity")?,
        max: p.num("max_capacity")?,
    });
    Ok(())
}

/// `aws_appautoscaling_policy`: a scaling policy: target tracking or step scaling.
pub(super) fn policy(infra: &mut Infra, r: Res) -> Result<(), String> {
    let Res { id, prov, p, .. } = r;
    let target = p.str("resource_id")?.unwrap_or_default();
    let policy_type = p
        .str("policy_type")?
        .unwrap_or_else(|| "StepScaling".into());
    let (kind, sin, sout) = if policy_type == "TargetTrackingScaling" {
        let c = p
            .obj("target_tracking_scaling_policy_configuration")?
            .ok_or("target tracking needs target_tracking_scaling_policy_configuration")?;
        let c = Props::of(c, "target_tracking_scaling_policy_configuration");
        let metric = match c.obj("predefined_metric_specification")? {
            Some(m) => Props::of(m, "predefined_metric_specification")
                .str("predefined_metric_type")?
                .unwrap_or_default(),
            None => "a custom metric".into(),
        };
        (
            PolicyKind::Target {
                metric,
                value: c.num("target_value")?.ok_or("`target_value` is required")?,
            },
            c.num("scale_in_cooldown")?,
            c.num("scale_out_cooldown")?,
        )
    } else {
        let c = p
            .obj("step_scaling_policy_configuration")?
            .ok_or("step scaling needs step_scaling_policy_configuration")?;
        let c = Props::of(c, "step_scaling_policy_configuration");
        let mut steps = Vec::new();
        for s in c.list("step_adjustment")? {
            let sp = Props::of(s, "step_adjustment");
            steps.push(Step {
                lower: sp.num("metric_interval_lower_bound")?,
                upper: sp.num("metric_interval_upper_bound")?,
                change: sp
                    .num("scaling_adjustment")?
                    .ok_or("`scaling_adjustment` is required")?,
            });
        }
        let cd = c.num("cooldown")?;
        (
            PolicyKind::Steps {
                adjustment_type: c.str("adjustment_type")?.unwrap_or_default(),
                steps,
            },
            cd,
            cd,
        )
    };
    infra.policies.push(ScalingPolicy {
        id,
        prov,
        target,
        kind,
        scale_in_cooldown_s: sin,
        scale_out_cooldown_s: sout,
    });
    Ok(())
}

/// `aws_cloudwatch_metric_alarm`: a CloudWatch alarm (for step scaling).
pub(super) fn alarm(infra: &mut Infra, r: Res) -> Result<(), String> {
    let Res { prov, p, .. } = r;
    infra.alarms.push(Alarm {
        prov,
        actions: p
            .list("alarm_actions")?
            .iter()
            .filter_map(|x| scalar_text(x))
            .collect(),
        metric: p.str("metric_name")?.unwrap_or_default(),
        statistic: p.str("statistic")?,
        period_s: p.num("period")?,
        evaluation_periods: p.num("evaluation_periods")?,
        threshold: p.num("threshold")?.unwrap_or(0.0),
        comparison: p.str("comparison_operator")?.unwrap_or_default(),
    });
    Ok(())
}
