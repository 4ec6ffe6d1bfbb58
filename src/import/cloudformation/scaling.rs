//! Application Auto Scaling and CloudWatch resources: scalable targets, scaling policies
//! (target tracking or steps) and alarms.

use super::super::infra::*;
use super::super::{Props, scalar_text};
use super::resources::Res;

/// `AWS::ApplicationAutoScaling::ScalableTarget`: a scalable target (an ECS service's desired count).
pub(super) fn scalable_target(infra: &mut Infra, r: Res) -> Result<(), String> {
    let Res { id, prov, p } = r;
    let dim = p.str("ScalableDimension")?.unwrap_or_default();
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
        resource_id: p.str("ResourceId")?.unwrap_or_default(),
        min: p.num("MinCapacity")?,
        max: p.num("MaxCapacity")?,
    });
    Ok(())
}

/// `AWS::ApplicationAutoScaling::ScalingPolicy`: a scaling policy: target tracking or step scaling.
pub(super) fn policy(infra: &mut Infra, r: Res) -> Result<(), String> {
    let Res { id, prov, p } = r;
    let target = p
        .str("ScalingTargetId")?
        .or(p.str("ResourceId")?)
        .unwrap_or_default();
    let ty = p.str("PolicyType")?.unwrap_or_default();
    let (kind, sin, sout) = if ty == "TargetTrackingScaling" {
        target_tracking(&p)?
    } else {
        step_scaling(&p)?
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

/// `AWS::CloudWatch::Alarm`: a CloudWatch alarm (for step scaling).
pub(super) fn alarm(infra: &mut Infra, r: Res) -> Result<(), String> {
    let Res { prov, p, .. } = r;
    let actions = p
        .list("AlarmActions")?
        .iter()
        .filter_map(|v| scalar_text(v))
        .collect();
    infra.alarms.push(Alarm {
        prov,
        actions,
        metric: p.str("MetricName")?.unwrap_or_default(),
        statistic: p.str("Statistic")?,
        period_s: p.num("Period")?,
        evaluation_periods: p.num("EvaluationPeriods")?,
        threshold: p.num("Threshold")?.unwrap_or(0.0),
        comparison: p.str("ComparisonOperator")?.unwrap_or_default(),
    });
    Ok(())
}

/// A policy's kind with its scale-in and scale-out cooldowns.
type Policy = (PolicyKind, Option<f64>, Option<f64>);

/// `TargetTrackingScalingPolicyConfiguration`: the metric (predefined or custom) and its target.
fn target_tracking(p: &Props) -> Result<Policy, String> {
    let c = p
        .obj("TargetTrackingScalingPolicyConfiguration")?
        .ok_or("target tracking needs TargetTrackingScalingPolicyConfiguration")?;
    let c = Props::of(c, "TargetTrackingScalingPolicyConfiguration");
    let metric = match c.obj("PredefinedMetricSpecification")? {
        Some(m) => Props::of(m, "PredefinedMetricSpecification")
            .str("PredefinedMetricType")?
            .unwrap_or_default(),
        None => c
            .obj("CustomizedMetricSpecification")?
            .map(|m| Props::of(m, "CustomizedMetricSpecification").str("MetricName"))
            .transpose()?
            .flatten()
            .unwrap_or_else(|| "a custom metric".into()),
    };
    Ok((
        PolicyKind::Target {
            metric,
            value: c
                .num("TargetValue")?
                .ok_or("target tracking needs a TargetValue")?,
        },
        c.num("ScaleInCooldown")?,
        c.num("ScaleOutCooldown")?,
    ))
}

/// `StepScalingPolicyConfiguration`: the steps and the one cooldown (both ways).
fn step_scaling(p: &Props) -> Result<Policy, String> {
    let c = p
        .obj("StepScalingPolicyConfiguration")?
        .ok_or("step scaling needs StepScalingPolicyConfiguration")?;
    let c = Props::of(c, "StepScalingPolicyConfiguration");
    let mut steps = Vec::new();
    for s in c.list("StepAdjustments")? {
        let sp = Props::of(s, "StepAdjustments");
        steps.push(Step {
            lower: sp.num("MetricIntervalLowerBound")?,
            upper: sp.num("MetricIntervalUpperBound")?,
            change: sp
                .num("ScalingAdjustment")?
                .ok_or("a step needs a ScalingAdjustment")?,
        });
    }
    let cd = c.num("Cooldown")?;
    Ok((
        PolicyKind::Steps {
            adjustment_type: c.str("AdjustmentType")?.unwrap_or_default(),
            steps,
        },
        cd,
        cd,
    ))
}
