//! A service's `autoscaling`: its scalable target's bounds with either target tracking on ECS
//! service CPU or step scaling on ALB `RequestCountPerTarget` alarms (as absolute request
//! steps); every other policy is listed as not imported.

use super::super::infra::*;
use super::writer::{Note, Writer, from, n};

/// A service's scalable target and the policies on it.
pub(super) struct Scaling<'a> {
    scalable: Option<&'a ScalableTarget>,
    policies: Vec<&'a ScalingPolicy>,
    pub(super) min: Option<f64>,
    pub(super) max: Option<f64>,
}

impl<'a> Scaling<'a> {
    /// The scalable target of `service` (by reference, or by its name at the end of the
    /// resource ID) and its policies.
    pub(super) fn of(infra: &'a Infra, service: Option<&Service>) -> Scaling<'a> {
        let scalable = service.and_then(|svc| {
            infra.scalable_targets.iter().find(|st| {
                refers_to(&st.resource_id, &svc.id)
                    || svc.name.as_deref().is_some_and(|nm| {
                        !nm.is_empty() && st.resource_id.ends_with(&format!("/{nm}"))
                    })
            })
        });
        let policies: Vec<&ScalingPolicy> = scalable
            .map(|st| {
                infra
                    .policies
                    .iter()
                    .filter(|p| points_at(&p.target, &st.id) || p.target == st.resource_id)
                    .collect()
            })
            .unwrap_or_default();
        let (min, max) = scalable.map_or((None, None), |st| (st.min, st.max));
        Scaling {
            scalable,
            policies,
            min,
            max,
        }
    }
}

const CPU_METRIC: &str = "ECSServiceAverageCPUUtilization";

/// `autoscaling`, when the service has a scalable target with both bounds; `targets_n` is the
/// group's initial count, which the bounds are widened to include.
pub(super) fn write_autoscaling(
    w: &mut Writer,
    path: &str,
    infra: &Infra,
    scaling: &Scaling,
    targets_n: f64,
    not_imported: &mut Vec<String>,
) {
    let (Some(st), Some(lo), Some(hi)) = (scaling.scalable, scaling.min, scaling.max) else {
        return;
    };
    let policies = &scaling.policies;
    let cpu = policies.iter().find_map(|p| match &p.kind {
        PolicyKind::Target { metric, value } if metric == CPU_METRIC => Some((*p, *value)),
        _ => None,
    });
    let apath = format!("{path}.autoscaling");
    let lo = lo.max(1.0).min(targets_n);
    let hi = hi.max(targets_n);
    let bounds = |w: &mut Writer| {
        w.section(&format!("[{apath}]"));
        w.kv(&apath, "min_tasks", n(lo), from(&st.prov));
        w.kv(&apath, "max_tasks", n(hi), from(&st.prov));
    };
    let mut written = false;
    if let Some((p, value)) = cpu {
        bounds(w);
        w.kv(
            &apath,
            "target_cpu_percent",
            n(value.clamp(0.1, 100.0)),
            from(&p.prov),
        );
        if let Some(c) = p.scale_out_cooldown_s {
            w.kv(&apath, "scale_out_cooldown_s", n(c), from(&p.prov));
        }
        if let Some(c) = p.scale_in_cooldown_s {
            w.kv(&apath, "scale_in_cooldown_s", n(c), from(&p.prov));
        }
        written = true;
    } else if let Some(steps) = request_steps(infra, policies, not_imported) {
        bounds(w);
        for (k, v, prov) in &steps.extra {
            w.kv(&apath, k, n(*v), Note::From(prov.clone()));
        }
        w.kv(
            &apath,
            "request_steps",
            steps.steps,
            Note::Plain(steps.note),
        );
        written = true;
    }
    let cpu_id = cpu.map(|(c, _)| c.id.as_str());
    for p in policies {
        if !(written && is_used(p, cpu_id)) {
            not_imported.push(format!("{}: {}", p.prov, why_unused(p, cpu_id)));
        }
    }
}

/// Whether the written `autoscaling` uses policy `p` (`cpu` is the CPU target tracking one's ID).
fn is_used(p: &ScalingPolicy, cpu: Option<&str>) -> bool {
    match &p.kind {
        PolicyKind::Target { metric, .. } => cpu == Some(p.id.as_str()) && metric == CPU_METRIC,
        PolicyKind::Steps { .. } => cpu.is_none(),
    }
}

/// Why policy `p` is left out.
fn why_unused(p: &ScalingPolicy, cpu: Option<&str>) -> String {
    match &p.kind {
        PolicyKind::Target { metric, .. } if metric != CPU_METRIC => {
            format!("target tracking on {metric} is not modelled (only on ECS service CPU)")
        }
        _ if cpu.is_some() => {
            "a scenario group has one scaling policy; the CPU target tracking one is used"
                .to_string()
        }
        _ => "step scaling needs a CloudWatch alarm on ALB RequestCountPerTarget (Sum, 60 s) in the code".to_string(),
    }
}

struct Steps {
    steps: String,
    note: String,
    extra: Vec<(&'static str, f64, String)>,
}

/// Step scaling policies with alarms on `RequestCountPerTarget` (Sum over 60 s) as absolute
/// request steps.
fn request_steps(
    infra: &Infra,
    policies: &[&ScalingPolicy],
    not_imported: &mut Vec<String>,
) -> Option<Steps> {
    let mut out = Vec::new();
    let mut provs = Vec::new();
    let mut extra = Vec::new();
    for p in policies {
        let Some((alarm, steps)) = request_alarm(infra, p, not_imported) else {
            continue;
        };
        let scale_out = alarm.comparison.starts_with("GreaterThan");
        for st in steps {
            let lower = (alarm.threshold + st.lower.unwrap_or(f64::NEG_INFINITY)).max(0.0);
            let upper = st.upper.map(|u| alarm.threshold + u);
            let change = if scale_out {
                st.change.abs()
            } else {
                -st.change.abs()
            };
            if change == 0.0 || upper.is_some_and(|u| u <= lower) {
                continue;
            }
            out.push((lower, upper, change));
        }
        if let Some(e) = alarm.evaluation_periods {
            extra.push((
                if scale_out {
                    "scale_out_datapoints"
                } else {
                    "scale_in_datapoints"
                },
                e,
                alarm.prov.to_string(),
            ));
        }
        let cd = p.scale_out_cooldown_s.or(p.scale_in_cooldown_s);
        if let Some(c) = cd {
            extra.push((
                if scale_out {
                    "scale_out_cooldown_s"
                } else {
                    "scale_in_cooldown_s"
                },
                c,
                p.prov.to_string(),
            ));
        }
        provs.push(format!("{} with {}", p.prov, alarm.prov));
    }
    if out.is_empty() {
        return None;
    }
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    let steps = out
        .iter()
        .map(|(lo, up, ch)| match up {
            Some(u) => format!(
                "{{ lower = {}, upper = {}, change = {} }}",
                n(*lo),
                n(*u),
                n(*ch)
            ),
            None => format!("{{ lower = {}, change = {} }}", n(*lo), n(*ch)),
        })
        .collect::<Vec<_>>()
        .join(", ");
    Some(Steps {
        steps: format!("[{steps}]"),
        note: format!(
            "from {} (alarm threshold plus the step bounds)",
            provs.join("; ")
        ),
        extra,
    })
}

/// A step scaling policy's steps and its alarm, if the policy adds tasks (`ChangeInCapacity`)
/// and the alarm is on `RequestCountPerTarget` (Sum over 60 s); what is not is noted.
fn request_alarm<'a>(
    infra: &'a Infra,
    p: &'a ScalingPolicy,
    not_imported: &mut Vec<String>,
) -> Option<(&'a Alarm, &'a [Step])> {
    let PolicyKind::Steps {
        adjustment_type,
        steps,
    } = &p.kind
    else {
        return None;
    };
    if adjustment_type != "ChangeInCapacity" {
        not_imported.push(format!(
            "{}: adjustment type {adjustment_type} is not modelled (only ChangeInCapacity)",
            p.prov
        ));
        return None;
    }
    let alarm = infra
        .alarms
        .iter()
        .find(|a| a.actions.iter().any(|x| points_at(x, &p.id)))?;
    if alarm.metric != "RequestCountPerTarget"
        || alarm.statistic.as_deref().is_some_and(|s| s != "Sum")
        || alarm.period_s.is_some_and(|s| s != 60.0)
    {
        not_imported.push(format!(
            "{}: alarm on {} is not modelled (only RequestCountPerTarget, Sum over 60 s)",
            alarm.prov, alarm.metric
        ));
        return None;
    }
    Some((alarm, steps))
}
