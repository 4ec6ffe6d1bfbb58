//! Service autoscaling on ECS's 1-minute metrics: the CPU or request datapoint of each
//! autoscaled group, its alarms (datapoints above or below for long enough), cooldowns, and the
//! new desired count the scheduler then works towards.

use super::super::ctx::Ctx;
use super::super::event::Event;
use super::super::targets::GroupState;
use crate::engine::Nanos;
use crate::engine::time::NANOS_PER_SEC;
use crate::model::health::Health;
use crate::scenario::ScalingPolicy;

/// ECS and autoscaling evaluate metrics every minute.
const METRIC_PERIOD: Nanos = 60 * NANOS_PER_SEC;

/// The first metric point, when some group autoscales.
pub(in crate::sim) fn schedule_first_metric(ctx: &mut Ctx) {
    let sc = ctx.sc;
    if sc.groups.iter().any(|g| g.autoscaling.is_some()) && METRIC_PERIOD <= sc.duration {
        ctx.at(METRIC_PERIOD, Event::Metric);
    }
}

/// The 1-minute metric point: each autoscaled group's datapoint, alarms and scaling; and the
/// next point.
pub(in crate::sim) fn on_metric(ctx: &mut Ctx, groups: &mut [GroupState]) {
    if ctx.now + METRIC_PERIOD <= ctx.sc.duration {
        ctx.after(METRIC_PERIOD, Event::Metric);
    }
    for (group, g) in groups.iter_mut().enumerate() {
        if ctx.sc.groups[group].autoscaling.is_some() {
            g.autoscale(ctx, group as u32);
        }
    }
}

impl GroupState {
    /// The group's metric point: its datapoint, its alarms and, when one fires outside its
    /// cooldown, the new desired count.
    pub(in crate::sim) fn autoscale(&mut self, ctx: &mut Ctx, group: u32) {
        let spec = ctx.sc.groups[group as usize]
            .autoscaling
            .as_ref()
            .expect("autoscaled group");
        let now = ctx.now;
        let g = &mut *self;
        g.scaling.advance(now);
        let s = &mut g.scaling;
        let capacity = s.capacity_area - s.capacity_mark;
        let cpu = if capacity > 0 {
            100.0 * (s.busy_area - s.busy_mark) as f64 / capacity as f64
        } else {
            0.0
        };
        s.busy_mark = s.busy_area;
        s.capacity_mark = s.capacity_area;
        let healthy = g
            .targets
            .iter()
            .filter(|t| t.health.state() == Health::Healthy)
            .count()
            .max(1);
        let per_target = s.requests as f64 / healthy as f64;
        s.requests = 0;
        let datapoint = match spec.policy {
            ScalingPolicy::TargetCpu(_) => cpu,
            ScalingPolicy::RequestSteps(_) => per_target,
        };
        let keep = spec.scale_out_datapoints.max(spec.scale_in_datapoints) as usize;
        s.history.push_back(datapoint);
        while s.history.len() > keep {
            s.history.pop_front();
        }
        let recent = |n: u32| s.history.iter().rev().take(n as usize);
        let full = |n: u32| s.history.len() >= n as usize;
        let desired = g.desired;
        let (high, low, proposal) = match &spec.policy {
            ScalingPolicy::TargetCpu(target) => {
                // Target tracking: out when every recent point is above target; in only when
                // well below it (AWS scales in when the metric is "usually >10%" below).
                let high = full(spec.scale_out_datapoints)
                    && recent(spec.scale_out_datapoints).all(|&v| v > *target);
                let low = full(spec.scale_in_datapoints)
                    && recent(spec.scale_in_datapoints).all(|&v| v < 0.9 * target);
                let proportional = (f64::from(desired) * cpu / target).ceil() as i64;
                (high, low, proportional)
            }
            ScalingPolicy::RequestSteps(steps) => {
                let change = |v: f64| {
                    steps
                        .iter()
                        .find(|&&(lo, hi, _)| v >= lo && v < hi)
                        .map_or(0, |&(_, _, c)| c)
                };
                let now_change = change(datapoint);
                let high = now_change > 0
                    && full(spec.scale_out_datapoints)
                    && recent(spec.scale_out_datapoints).all(|&v| change(v) > 0);
                let low = now_change < 0
                    && full(spec.scale_in_datapoints)
                    && recent(spec.scale_in_datapoints).all(|&v| change(v) < 0);
                (high, low, i64::from(desired) + i64::from(now_change))
            }
        };
        let clamp = |n: i64| n.clamp(i64::from(spec.min_tasks), i64::from(spec.max_tasks)) as u32;
        let out_ok = s
            .last_scale_out
            .is_none_or(|t| now >= t + spec.scale_out_cooldown);
        let in_ok = s
            .last_scaling
            .is_none_or(|t| now >= t + spec.scale_in_cooldown)
            && g.deploying.is_none();
        // Inside the scale-out cooldown the capacity already added counts: only a larger
        // scale-out (a proposal above the desired count) acts ("won't increase the desired
        // capacity again unless either a larger scale out is triggered or the cooldown period
        // ends", Application Auto Scaling target tracking).
        let larger = !out_ok
            && matches!(spec.policy, ScalingPolicy::TargetCpu(_))
            && proposal > i64::from(desired);
        let new = if high && out_ok {
            clamp(proposal.max(i64::from(desired) + 1))
        } else if high && larger {
            clamp(proposal)
        } else if low && in_ok {
            clamp(proposal.min(i64::from(desired) - 1))
        } else {
            desired
        };
        if new == desired {
            return;
        }
        let kind = if new > desired {
            "scale_out"
        } else {
            "scale_in"
        };
        if new > desired {
            s.last_scale_out = Some(now);
        }
        s.last_scaling = Some(now);
        g.desired = new;
        let detail = match spec.policy {
            ScalingPolicy::TargetCpu(_) => format!("cpu {cpu:.1}%"),
            ScalingPolicy::RequestSteps(_) => {
                format!("{per_target:.0} requests per target per minute")
            }
        };
        ctx.log(
            kind,
            group,
            None,
            &desired.to_string(),
            &new.to_string(),
            detail,
        );
        g.reconcile(ctx, group);
    }
}
