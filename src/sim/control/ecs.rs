//! The ECS service scheduler of a target group: launching tasks, registering them, draining and
//! stopping them, replacing unhealthy ones, rolling deployments within
//! `minimumHealthyPercent` / `maximumPercent`. The world empties a stopped task of the attempts
//! it held; everything else is the group's own state.

use super::super::ctx::Ctx;
use super::super::event::Event;
use super::super::targets::{GroupState, TargetState, Task};
use crate::engine::Nanos;
use crate::engine::rng::unit_f64;
use crate::engine::time::to_secs;
use crate::model::container_health::ContainerStatus;
use crate::model::health::Health;

/// What a draining target does when its deregistration delay is over.
pub(in crate::sim) struct Drained {
    /// The load balancer cuts its remaining connections (NLB connection termination, or an
    /// ALB: "the deregistration delay period elapsed for a request being handled by a target
    /// that was deregistered" ⇒ 502, reference §4, A3).
    pub reset: bool,
    /// Nothing is left in flight: the task stops at once (else SIGKILL after `stop_timeout`).
    pub idle: bool,
}

/// Schedules every rolling deployment's start.
pub(in crate::sim) fn schedule_deployments(ctx: &mut Ctx) {
    for (i, d) in ctx.sc.deployments.iter().enumerate() {
        let deployment = i as u32;
        ctx.at(d.at, Event::Deploy { deployment });
    }
}

impl GroupState {
    /// The tasks of group `group` running at time 0 (registered and healthy: the run starts in
    /// steady state), their checks spread over the interval.
    pub(in crate::sim) fn start_fleet(&mut self, ctx: &mut Ctx, group: u32) {
        let spec = &ctx.sc.groups[group as usize];
        for _ in 0..spec.targets {
            let t = self.new_target(ctx, group);
            let target = &mut self.targets[t as usize];
            target.task = Task::Running;
            ctx.rec.target_running(0, group, t, true);
            target.health.register(false);
            self.scaling.capacity_workers += u64::from(spec.app.workers);
            self.start_discovery_state(ctx, group, t);
            if let Some(hc) = &spec.health_check {
                // Checks of the running fleet are spread over the interval.
                let phase = (unit_f64(&mut self.ecs_rng) * hc.interval as f64) as Nanos;
                ctx.at(phase, Event::Probe { group, target: t });
            }
        }
        self.refresh_routable(ctx, group);
    }

    /// Adds a target (in `Task::Starting`) in the zone with the fewest live tasks, as ECS
    /// spreads tasks over zones.
    fn new_target(&mut self, ctx: &mut Ctx, group: u32) -> u32 {
        let spec = &ctx.sc.groups[group as usize];
        let mut per_zone = vec![0u32; spec.zones as usize];
        for t in self.targets.iter().filter(|t| t.task != Task::Stopped) {
            per_zone[t.zone as usize] += 1;
        }
        let zone = (0..spec.zones)
            .min_by_key(|&z| (per_zone[z as usize], z))
            .unwrap_or(0);
        self.targets
            .push(TargetState::new(spec, zone, ctx.now, self.version));
        ctx.rec.add_target(group);
        self.targets.len() as u32 - 1
    }

    /// ECS launches a task: it runs after the task start time (placement, image pull,
    /// container start), then registers.
    fn launch_task(&mut self, ctx: &mut Ctx, group: u32, why: &str) {
        let t = self.new_target(ctx, group);
        ctx.rec.groups[group as usize].tasks_started += 1;
        let start = ctx.sc.groups[group as usize]
            .service
            .task_start
            .sample(&mut self.ecs_rng);
        ctx.log(
            "task_start",
            group,
            Some(t),
            "",
            "starting",
            why.to_string(),
        );
        ctx.after(start, Event::TaskRunning { group, target: t });
    }

    /// A launched task runs: it registers (`initial`, first check after the new-target delay;
    /// straight to `healthy` when the group has no checks).
    pub(in crate::sim) fn on_task_running(&mut self, ctx: &mut Ctx, group: u32, target: u32) {
        let spec = &ctx.sc.groups[group as usize];
        let t = &mut self.targets[target as usize];
        if t.task != Task::Starting {
            return;
        }
        t.task = Task::Running;
        ctx.rec.target_running(ctx.now, group, target, true);
        t.started = ctx.now;
        let state = t.health.register(spec.health_check.is_some());
        self.scaling.advance(ctx.now);
        self.scaling.capacity_workers += u64::from(spec.app.workers);
        ctx.log(
            "health",
            group,
            Some(target),
            "unused",
            state.name(),
            "registered".into(),
        );
        if let Some(hc) = &spec.health_check {
            ctx.after(hc.new_target_delay, Event::Probe { group, target });
        }
        if state == Health::Healthy {
            self.begin_slow_start(spec, ctx.now, target);
        }
        self.task_runs_discovery(ctx, group, target);
        self.refresh_routable(ctx, group);
        self.reconcile(ctx, group);
    }

    /// ECS stops a task: deregister (draining, for the deregistration delay), then SIGTERM.
    pub(in crate::sim) fn stop_target(
        &mut self,
        ctx: &mut Ctx,
        group: u32,
        target: u32,
        why: &str,
    ) {
        let delay = ctx.sc.groups[group as usize].deregistration_delay;
        let t = &mut self.targets[target as usize];
        match t.task {
            Task::Starting => {
                t.task = Task::Stopped;
                ctx.log(
                    "task_stop",
                    group,
                    Some(target),
                    "starting",
                    "stopped",
                    why.to_string(),
                );
            }
            Task::Running => {
                t.task = Task::Stopping;
                let from = t.health.state();
                t.health.deregister();
                // ECS deregisters the task's Cloud Map instance as it stops it.
                t.instance.registered = false;
                ctx.log(
                    "task_stop",
                    group,
                    Some(target),
                    "running",
                    "stopping",
                    why.to_string(),
                );
                ctx.log(
                    "health",
                    group,
                    Some(target),
                    from.name(),
                    "draining",
                    "deregistered".into(),
                );
                ctx.after(delay, Event::DrainDone { group, target });
                self.refresh_routable(ctx, group);
            }
            Task::Stopping | Task::Stopped => {}
        }
    }

    /// Draining is over: `unused`. `None`: the target was not draining.
    pub(in crate::sim) fn drain_done(
        &mut self,
        ctx: &mut Ctx,
        group: u32,
        target: u32,
    ) -> Option<Drained> {
        let spec = &ctx.sc.groups[group as usize];
        let t = &mut self.targets[target as usize];
        if t.health.state() != Health::Draining {
            return None;
        }
        t.health.finish_draining();
        let idle = t.faults.crashed || (t.outstanding == 0 && t.app.outstanding() == 0);
        ctx.log(
            "health",
            group,
            Some(target),
            "draining",
            "unused",
            String::new(),
        );
        self.refresh_routable(ctx, group);
        Some(Drained {
            reset: spec.connection_termination || spec.alb.is_some(),
            idle,
        })
    }

    /// The task is gone (SIGKILL, or it stopped on its own): its capacity leaves the metric.
    /// False when it was already stopped.
    pub(in crate::sim) fn task_gone(&mut self, ctx: &mut Ctx, group: u32, target: u32) -> bool {
        let workers = ctx.sc.groups[group as usize].app.workers;
        let t = &mut self.targets[target as usize];
        if t.task == Task::Stopped {
            return false;
        }
        let was_running = t.task != Task::Starting;
        t.task = Task::Stopped;
        t.instance.registered = false;
        ctx.rec.target_running(ctx.now, group, target, false);
        if was_running {
            self.scaling.advance(ctx.now);
            self.scaling.capacity_workers = self
                .scaling
                .capacity_workers
                .saturating_sub(u64::from(workers));
        }
        true
    }

    /// The ECS service scheduler: replaces tasks that failed ELB checks (after the grace
    /// period), rolls deployments forward within `minimumHealthyPercent`/`maximumPercent`,
    /// and launches or stops tasks to reach the desired count.
    pub(in crate::sim) fn reconcile(&mut self, ctx: &mut Ctx, group: u32) {
        let svc = &ctx.sc.groups[group as usize].service;
        let now = ctx.now;
        // Tasks that failed their ELB or container checks past the grace period.
        let failed = |t: &TargetState| {
            t.task == Task::Running
                && (t.health.state() == Health::Unhealthy
                    || t.container.status() == ContainerStatus::Unhealthy)
                && now >= t.started + svc.grace_period
        };
        // Healthy for the scheduler: ELB-healthy, and, when ECS tracks the task's own health
        // (container checks), that too.
        let tracked = self.ecs_tracked;
        let healthy_task = |t: &TargetState| {
            t.health.state() == Health::Healthy
                && (!tracked || t.container.status() == ContainerStatus::Healthy)
        };
        // Failed tasks of an old definition: the deployment replaces them anyway.
        let failed_old: Vec<u32> = (0..self.targets.len() as u32)
            .filter(|&i| {
                let t = &self.targets[i as usize];
                failed(t) && t.version != self.version
            })
            .collect();
        for t in failed_old {
            let why = failure_reason(&self.targets[t as usize]);
            self.stop_target(ctx, group, t, why);
        }

        // Failed current tasks are replaced, the new task first (below).
        let failed_current: Vec<u32> = (0..self.targets.len() as u32)
            .filter(|&i| failed(&self.targets[i as usize]))
            .collect();
        let mut replacing = failed_current.len() as u32;
        let desired = self.desired;
        let max_alive = (desired * svc.maximum_percent / 100).max(desired);
        let min_healthy = (desired * svc.minimum_healthy_percent).div_ceil(100);
        let active = |t: &TargetState| matches!(t.task, Task::Starting | Task::Running);
        let mut alive = self
            .targets
            .iter()
            .filter(|t| t.task != Task::Stopped)
            .count() as u32;
        let mut active_new = self
            .targets
            .iter()
            .filter(|t| active(t) && t.version == self.version)
            .count() as u32;
        let mut healthy = self.targets.iter().filter(|t| healthy_task(t)).count() as u32;

        // Deployment: stop old tasks while the healthy count allows, the not-healthy first,
        // once a new task has launched, or at once (down to minimumHealthyPercent) when
        // maximumPercent leaves no room to launch one: ECS then stops old tasks first and
        // starts new ones in the room they leave.
        let mut old: Vec<(bool, u32)> = self
            .targets
            .iter()
            .enumerate()
            .filter(|(_, t)| active(t) && t.version != self.version)
            .map(|(i, t)| (healthy_task(t), i as u32))
            .collect();
        old.sort();
        let old_left = old.len();
        for (is_healthy, t) in old {
            if !is_healthy {
                self.stop_target(ctx, group, t, "deployment: replaced");
            } else if healthy > min_healthy && (active_new > 0 || alive >= max_alive) {
                healthy -= 1;
                self.stop_target(ctx, group, t, "deployment: replaced");
            }
        }

        // Launch up to the desired count of current tasks, within maximumPercent. A failed
        // task still running does not count: its replacement starts while it is still there.
        let container_failed = failed_current
            .iter()
            .any(|&i| self.targets[i as usize].container.status() == ContainerStatus::Unhealthy);
        while active_new < desired + replacing && alive < max_alive {
            let why = if old_left > 0 {
                "deployment: new task definition"
            } else if active_new >= desired && container_failed {
                "replacing a task that failed container health checks"
            } else if active_new >= desired {
                "replacing a task that failed ELB health checks"
            } else {
                "below desired count"
            };
            self.launch_task(ctx, group, why);
            active_new += 1;
            alive += 1;
        }

        // Failed tasks (reference §5, and the ECS guide: "the scheduler will start replacement
        // tasks first and maintain minimumHealthyPercent tasks until the replacement tasks
        // become healthy ... the unhealthy tasks will gradually be stopped"): one is stopped
        // for each replacement that is healthy. When maximumPercent leaves no room for a
        // replacement, they are stopped "one-by-one ... to clear up capacity": one, and the
        // next once nothing is stopping any more.
        let replaced = (healthy + replacing).saturating_sub(desired).min(replacing);
        let no_room = active_new < desired + replacing;
        let stopping = self.targets.iter().any(|t| t.task == Task::Stopping);
        let stop = if no_room && !stopping {
            replaced.max(1)
        } else {
            replaced
        };
        for &t in failed_current.iter().take(stop as usize) {
            let why = failure_reason(&self.targets[t as usize]);
            self.stop_target(ctx, group, t, why);
            active_new -= 1;
            replacing -= 1;
        }

        // Scale in: stop the newest current tasks above the desired count (failed tasks
        // awaiting their replacement aside).
        if old_left == 0 && active_new > desired + replacing {
            let extra: Vec<u32> = self
                .targets
                .iter()
                .enumerate()
                .rev()
                .filter(|(i, t)| active(t) && !failed_current.contains(&(*i as u32)))
                .take((active_new - desired - replacing) as usize)
                .map(|(i, _)| i as u32)
                .collect();
            for t in extra {
                self.stop_target(ctx, group, t, "above desired count");
            }
        }
        self.finish_deployment(ctx, group);
    }

    /// A deployment in progress is over once no task of an older definition is left.
    fn finish_deployment(&mut self, ctx: &mut Ctx, group: u32) {
        let Some(started) = self.deploying else {
            return;
        };
        let finished = !self
            .targets
            .iter()
            .any(|t| t.version != self.version && t.task != Task::Stopped);
        if finished {
            self.deploying = None;
            let took = to_secs(ctx.now - started);
            ctx.log(
                "deployment_done",
                group,
                None,
                "deploying",
                "steady",
                format!("took {took:.1} s"),
            );
        }
    }

    /// A rolling deployment (scenario index `deployment`) starts: every running task is now of
    /// the old definition.
    pub(in crate::sim) fn deploy(&mut self, ctx: &mut Ctx, group: u32, deployment: u32) {
        self.version += 1;
        self.deploying = Some(ctx.now);
        ctx.log(
            "deployment",
            group,
            None,
            "steady",
            "deploying",
            format!("deployment {deployment}"),
        );
        self.reconcile(ctx, group);
    }
}

/// Why the scheduler replaces a failed task (for `events.csv`).
fn failure_reason(t: &TargetState) -> &'static str {
    if t.container.status() == ContainerStatus::Unhealthy {
        "failed container health checks"
    } else {
        "failed ELB health checks"
    }
}
