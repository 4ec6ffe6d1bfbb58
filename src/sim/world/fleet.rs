//! The tasks behind each target group over time: the ECS service scheduler (launching,
//! registering, draining and stopping tasks, replacing unhealthy ones, rolling deployments
//! within `minimumHealthyPercent` / `maximumPercent`), injected faults, and service
//! autoscaling on 1-minute metrics.

use super::{
    Event, EventQueue, Handle, Health, Nanos, Phase, ScalingState, Stage, TargetFaults,
    TargetState, Task, World,
};
use crate::engine::rng::unit_f64;
use crate::engine::time::{NANOS_PER_SEC, to_secs};
use crate::model::container_health::ContainerStatus;
use crate::scenario::ScalingPolicy;
use crate::stats::recorder::EventRow;
use crate::vocab::Failure;
use crate::vocab::FaultKind;

/// ECS and autoscaling evaluate metrics every minute.
const METRIC_PERIOD: Nanos = 60 * NANOS_PER_SEC;

impl ScalingState {
    /// Brings the busy and capacity integrals up to `now`.
    pub(super) fn advance(&mut self, now: Nanos) {
        let dt = u128::from(now.saturating_sub(self.since));
        self.busy_area += u128::from(self.busy_workers) * dt;
        self.capacity_area += u128::from(self.capacity_workers) * dt;
        self.since = now;
    }
}

impl<Q: EventQueue<Event> + Default> World<'_, Q> {
    /// The tasks running at time 0 (registered and healthy: the run starts in steady state),
    /// and the scheduled faults, deployments and metric points.
    pub(super) fn start_fleet(&mut self) {
        let sc = self.sc;
        self.rec.faults.resize(sc.faults.len(), Default::default());
        for (g, group) in sc.groups.iter().enumerate() {
            let g = g as u32;
            for _ in 0..group.targets {
                let t = self.new_target(g);
                let target = &mut self.groups[g as usize].targets[t as usize];
                target.task = Task::Running;
                self.rec.target_running(0, g, t, true);
                target.health.register(false);
                self.groups[g as usize].scaling.capacity_workers += u64::from(group.app.workers);
                self.start_discovery_state(g, t);
                if let Some(hc) = &group.health_check {
                    // Checks of the running fleet are spread over the interval.
                    let phase = (unit_f64(&mut self.groups[g as usize].ecs_rng)
                        * hc.interval as f64) as Nanos;
                    self.queue.push(
                        phase,
                        Event::Probe {
                            group: g,
                            target: t,
                        },
                    );
                }
            }
            self.refresh_routable(g);
        }
        for (i, f) in sc.faults.iter().enumerate() {
            self.queue.push(f.at, Event::FaultStart { fault: i as u32 });
            if let Some(end) = f.end.filter(|&e| e <= sc.duration) {
                self.queue.push(end, Event::FaultEnd { fault: i as u32 });
            }
        }
        for (i, d) in sc.deployments.iter().enumerate() {
            self.queue.push(
                d.at,
                Event::Deploy {
                    deployment: i as u32,
                },
            );
        }
        if sc.groups.iter().any(|g| g.autoscaling.is_some()) && METRIC_PERIOD <= sc.duration {
            self.queue.push(METRIC_PERIOD, Event::Metric);
        }
    }

    /// Adds a target (in `Task::Starting`) in the zone with the fewest live tasks, as ECS
    /// spreads tasks over zones.
    fn new_target(&mut self, group: u32) -> u32 {
        let spec = &self.sc.groups[group as usize];
        let g = &mut self.groups[group as usize];
        let mut per_zone = vec![0u32; spec.zones as usize];
        for t in g.targets.iter().filter(|t| t.task != Task::Stopped) {
            per_zone[t.zone as usize] += 1;
        }
        let zone = (0..spec.zones)
            .min_by_key(|&z| (per_zone[z as usize], z))
            .unwrap_or(0);
        g.targets.push(TargetState {
            sidecar: spec
                .sidecar
                .as_ref()
                .map(|s| Stage::new(s.concurrency, s.backlog)),
            app: Stage::new(spec.app.workers, spec.app.queue_limit),
            outstanding: 0,
            zone,
            task: Task::Starting,
            health: Default::default(),
            started: self.now,
            version: g.version,
            faults: TargetFaults {
                slow: 1.0,
                ..TargetFaults::default()
            },
            round_pending: 0,
            round_passes: 0,
            busy: 0,
            weight: 1.0,
            slow_since: None,
            swrr: 0.0,
            window_attempts: 0,
            window_errors: 0,
            container: Default::default(),
            instance: Default::default(),
        });
        self.rec.add_target(group);
        g.targets.len() as u32 - 1
    }

    pub(super) fn log(
        &mut self,
        kind: &'static str,
        group: u32,
        target: Option<u32>,
        from: &str,
        to: &str,
        detail: String,
    ) {
        self.rec.event(EventRow {
            t: self.now,
            kind,
            group,
            target,
            from: from.into(),
            to: to.into(),
            detail,
        });
    }

    /// ECS launches a task: it runs after the task start time (placement, image pull,
    /// container start), then registers.
    fn launch_task(&mut self, group: u32, why: &str) {
        let t = self.new_target(group);
        self.rec.groups[group as usize].tasks_started += 1;
        let start = self.sc.groups[group as usize]
            .service
            .task_start
            .sample(&mut self.groups[group as usize].ecs_rng);
        self.log(
            "task_start",
            group,
            Some(t),
            "",
            "starting",
            why.to_string(),
        );
        self.queue
            .push(self.now + start, Event::TaskRunning { group, target: t });
    }

    /// A launched task runs: it registers (`initial`, first check after the new-target delay;
    /// straight to `healthy` when the group has no checks).
    pub(super) fn on_task_running(&mut self, group: u32, target: u32) {
        let spec = &self.sc.groups[group as usize];
        let g = &mut self.groups[group as usize];
        let t = &mut g.targets[target as usize];
        if t.task != Task::Starting {
            return;
        }
        t.task = Task::Running;
        self.rec.target_running(self.now, group, target, true);
        t.started = self.now;
        let state = t.health.register(spec.health_check.is_some());
        let became_healthy = state == Health::Healthy;
        g.scaling.advance(self.now);
        g.scaling.capacity_workers += u64::from(spec.app.workers);
        self.log(
            "health",
            group,
            Some(target),
            "unused",
            state.name(),
            "registered".into(),
        );
        if let Some(hc) = &spec.health_check {
            self.queue.push(
                self.now + hc.new_target_delay,
                Event::Probe { group, target },
            );
        }
        if became_healthy {
            self.begin_slow_start(group, target);
        }
        self.task_runs_discovery(group, target);
        self.refresh_routable(group);
        self.reconcile(group);
    }

    /// ECS stops a task: deregister (draining, for the deregistration delay), then SIGTERM.
    fn stop_target(&mut self, group: u32, target: u32, why: &str) {
        let delay = self.sc.groups[group as usize].deregistration_delay;
        let t = &mut self.groups[group as usize].targets[target as usize];
        match t.task {
            Task::Starting => {
                t.task = Task::Stopped;
                self.log(
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
                self.log(
                    "task_stop",
                    group,
                    Some(target),
                    "running",
                    "stopping",
                    why.to_string(),
                );
                self.log(
                    "health",
                    group,
                    Some(target),
                    from.name(),
                    "draining",
                    "deregistered".into(),
                );
                self.queue
                    .push(self.now + delay, Event::DrainDone { group, target });
                self.refresh_routable(group);
            }
            Task::Stopping | Task::Stopped => {}
        }
    }

    /// Draining is over: `unused`; ECS sends SIGTERM and kills the task after `stop_timeout`
    /// unless it has nothing left in flight.
    pub(super) fn on_drain_done(&mut self, group: u32, target: u32) {
        let spec = &self.sc.groups[group as usize];
        let t = &mut self.groups[group as usize].targets[target as usize];
        if t.health.state() != Health::Draining {
            return;
        }
        t.health.finish_draining();
        let idle = t.faults.crashed || (t.outstanding == 0 && t.app.outstanding() == 0);
        self.log(
            "health",
            group,
            Some(target),
            "draining",
            "unused",
            String::new(),
        );
        self.refresh_routable(group);
        if spec.connection_termination || spec.alb.is_some() {
            // NLB with connection termination: the connections are closed. ALB: "the
            // deregistration delay period elapsed for a request being handled by a target that
            // was deregistered" ⇒ 502 (reference §4, A3).
            self.reset_target(group, target);
        }
        if idle {
            self.stop_task(group, target);
        } else {
            self.queue.push(
                self.now + spec.service.stop_timeout,
                Event::TaskKill { group, target },
            );
        }
    }

    /// The task is gone: whatever it still held fails as a reset connection.
    pub(super) fn stop_task(&mut self, group: u32, target: u32) {
        let workers = self.sc.groups[group as usize].app.workers;
        let t = &mut self.groups[group as usize].targets[target as usize];
        if t.task == Task::Stopped {
            return;
        }
        let was_running = t.task != Task::Starting;
        t.task = Task::Stopped;
        t.instance.registered = false;
        self.rec.target_running(self.now, group, target, false);
        let g = &mut self.groups[group as usize];
        if was_running {
            g.scaling.advance(self.now);
            g.scaling.capacity_workers = g
                .scaling
                .capacity_workers
                .saturating_sub(u64::from(workers));
        }
        let failure = self.lost_connection_failure(group);
        self.empty_target(group, target, Some(failure));
        self.log(
            "task_stop",
            group,
            Some(target),
            "stopping",
            "stopped",
            String::new(),
        );
        self.reconcile(group);
    }

    /// Takes every request off a target's sidecar and app (the process is gone). Requests the
    /// client still waits for get `failure`, or, with `None`, no answer at all (a crashed task:
    /// they wait for a timeout or the load balancer's reset).
    fn empty_target(&mut self, group: u32, target: u32, failure: Option<Failure>) {
        let held: Vec<Handle> = self
            .attempts
            .handles()
            .filter(|&h| {
                self.attempts.get(h).is_some_and(|a| {
                    a.group == group
                        && a.target == target
                        && (a.picked || a.probe)
                        && matches!(
                            a.phase,
                            Phase::SidecarBacklog | Phase::ToApp | Phase::AtApp | Phase::BlackHole
                        )
                })
            })
            .collect();
        let spec = &self.sc.groups[group as usize];
        let t = &mut self.groups[group as usize].targets[target as usize];
        t.sidecar = spec
            .sidecar
            .as_ref()
            .map(|s| Stage::new(s.concurrency, s.backlog));
        t.app = Stage::new(spec.app.workers, spec.app.queue_limit);
        self.set_busy(group, target, 0);
        for h in held {
            let a = self.attempts.get_mut(h).expect("live attempt");
            a.in_app = false;
            a.holds_sidecar = false;
            a.stuck = false;
            let answered = a.answered;
            match failure {
                Some(f) if !answered => {
                    a.phase = Phase::Done;
                    self.answer(h, Err(f));
                }
                Some(_) => a.phase = Phase::Done,
                // Waiting in transit (`ToApp`) is left to its hop event, which finds no app.
                None if a.phase != Phase::ToApp => {
                    a.phase = if answered {
                        Phase::Done
                    } else {
                        Phase::BlackHole
                    }
                }
                None => {}
            }
            self.maybe_free(h);
        }
    }

    /// The ECS service scheduler: replaces tasks that failed ELB checks (after the grace
    /// period), rolls deployments forward within `minimumHealthyPercent`/`maximumPercent`,
    /// and launches or stops tasks to reach the desired count.
    pub(super) fn reconcile(&mut self, group: u32) {
        let spec = &self.sc.groups[group as usize];
        let svc = &spec.service;
        let now = self.now;
        // Tasks that failed their ELB or container checks past the grace period.
        let failed = |t: &TargetState| {
            t.task == Task::Running
                && (t.health.state() == Health::Unhealthy
                    || t.container.status() == ContainerStatus::Unhealthy)
                && now >= t.started + svc.grace_period
        };
        let why = |t: &TargetState| {
            if t.container.status() == ContainerStatus::Unhealthy {
                "failed container health checks"
            } else {
                "failed ELB health checks"
            }
        };
        // Healthy for the scheduler: ELB-healthy, and, when ECS tracks the task's own health
        // (container checks), that too.
        let tracked = self.groups[group as usize].ecs_tracked;
        let healthy_task = |t: &TargetState| {
            t.health.state() == Health::Healthy
                && (!tracked || t.container.status() == ContainerStatus::Healthy)
        };
        let g = &self.groups[group as usize];
        // Failed tasks of an old definition: the deployment replaces them anyway.
        let failed_old: Vec<u32> = (0..g.targets.len() as u32)
            .filter(|&i| {
                let t = &g.targets[i as usize];
                failed(t) && t.version != g.version
            })
            .collect();
        for t in failed_old {
            let why = why(&self.groups[group as usize].targets[t as usize]);
            self.stop_target(group, t, why);
        }

        let g = &self.groups[group as usize];
        // Failed current tasks are replaced, the new task first (below).
        let failed_current: Vec<u32> = (0..g.targets.len() as u32)
            .filter(|&i| failed(&g.targets[i as usize]))
            .collect();
        let mut replacing = failed_current.len() as u32;
        let desired = g.desired;
        let max_alive = (desired * svc.maximum_percent / 100).max(desired);
        let min_healthy = (desired * svc.minimum_healthy_percent).div_ceil(100);
        let active = |t: &TargetState| matches!(t.task, Task::Starting | Task::Running);
        let mut alive = g.targets.iter().filter(|t| t.task != Task::Stopped).count() as u32;
        let mut active_new = g
            .targets
            .iter()
            .filter(|t| active(t) && t.version == g.version)
            .count() as u32;
        let mut healthy = g.targets.iter().filter(|t| healthy_task(t)).count() as u32;

        // Deployment: stop old tasks while the healthy count allows, the not-healthy first,
        // once a new task has launched, or at once (down to minimumHealthyPercent) when
        // maximumPercent leaves no room to launch one: ECS then stops old tasks first and
        // starts new ones in the room they leave.
        let mut old: Vec<(bool, u32)> = g
            .targets
            .iter()
            .enumerate()
            .filter(|(_, t)| active(t) && t.version != g.version)
            .map(|(i, t)| (healthy_task(t), i as u32))
            .collect();
        old.sort();
        let old_left = old.len();
        for (is_healthy, t) in old {
            if !is_healthy {
                self.stop_target(group, t, "deployment: replaced");
            } else if healthy > min_healthy && (active_new > 0 || alive >= max_alive) {
                healthy -= 1;
                self.stop_target(group, t, "deployment: replaced");
            }
        }

        // Launch up to the desired count of current tasks, within maximumPercent. A failed
        // task still running does not count: its replacement starts while it is still there.
        let container_failed = failed_current.iter().any(|&i| {
            self.groups[group as usize].targets[i as usize]
                .container
                .status()
                == ContainerStatus::Unhealthy
        });
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
            self.launch_task(group, why);
            active_new += 1;
            alive += 1;
        }

        // Failed tasks (reference §5, and the ECS guide: "the scheduler will start replacement
        // tasks first and maintain minimumHealthyPercent tasks until the replacement tasks
        // become healthy ... the unhealthy tasks will gradually be stopped"): one is stopped
        // for each replacement that is healthy. When maximumPercent leaves no room for a
        // replacement, they are stopped "one-by-one ... to clear up capacity": one, and the
        // next once nothing is stopping any more.
        let g = &self.groups[group as usize];
        let replaced = (healthy + replacing).saturating_sub(desired).min(replacing);
        let no_room = active_new < desired + replacing;
        let stopping = g.targets.iter().any(|t| t.task == Task::Stopping);
        let stop = if no_room && !stopping {
            replaced.max(1)
        } else {
            replaced
        };
        for &t in failed_current.iter().take(stop as usize) {
            let why = why(&self.groups[group as usize].targets[t as usize]);
            self.stop_target(group, t, why);
            active_new -= 1;
            replacing -= 1;
        }

        // Scale in: stop the newest current tasks above the desired count (failed tasks
        // awaiting their replacement aside).
        let g = &self.groups[group as usize];
        if old_left == 0 && active_new > desired + replacing {
            let extra: Vec<u32> = g
                .targets
                .iter()
                .enumerate()
                .rev()
                .filter(|(i, t)| active(t) && !failed_current.contains(&(*i as u32)))
                .take((active_new - desired - replacing) as usize)
                .map(|(i, _)| i as u32)
                .collect();
            for t in extra {
                self.stop_target(group, t, "above desired count");
            }
        }

        let g = &mut self.groups[group as usize];
        if let Some(started) = g.deploying {
            let finished = !g
                .targets
                .iter()
                .any(|t| t.version != g.version && t.task != Task::Stopped);
            if finished {
                g.deploying = None;
                let took = to_secs(now - started);
                self.log(
                    "deployment_done",
                    group,
                    None,
                    "deploying",
                    "steady",
                    format!("took {took:.1} s"),
                );
            }
        }
    }

    /// A rolling deployment starts: every running task is now of the old definition.
    pub(super) fn on_deploy(&mut self, deployment: u32) {
        let group = self.sc.deployments[deployment as usize].group;
        let g = &mut self.groups[group as usize];
        g.version += 1;
        g.deploying = Some(self.now);
        self.log(
            "deployment",
            group,
            None,
            "steady",
            "deploying",
            format!("deployment {deployment}"),
        );
        self.reconcile(group);
    }

    /// A fault hits its tasks: the lowest-numbered running ones, or every task in a zone.
    pub(super) fn on_fault_start(&mut self, fault: u32) {
        let f = &self.sc.faults[fault as usize];
        let group = f.group;
        let g = &self.groups[group as usize];
        let healthy = self.healthy_count(group).unwrap_or_else(|| {
            g.targets
                .iter()
                .filter(|t| t.health.state() == Health::Healthy)
                .count() as u32
        });
        self.rec.fault_started(fault, group, self.now, healthy);
        let hit: Vec<u32> = g
            .targets
            .iter()
            .enumerate()
            .filter(|(_, t)| {
                t.task == Task::Running && t.health.state().is_registered() && !t.faults.crashed
            })
            .filter(|(_, t)| f.zone.is_none_or(|z| t.zone == z))
            .map(|(i, _)| i as u32)
            .take(if f.kind == FaultKind::AzOutage {
                usize::MAX
            } else {
                f.targets as usize
            })
            .collect();
        let reset = self.integration_failure();
        let mut exited = false;
        for t in hit {
            let target = &mut self.groups[group as usize].targets[t as usize];
            target.faults.fault = Some(fault);
            match f.kind {
                FaultKind::Crash | FaultKind::AzOutage => {
                    target.faults.crashed = true;
                    self.empty_target(group, t, None);
                }
                FaultKind::AppCrash => {
                    target.faults.app_down = true;
                    // The app's connections are reset: nginx answers 502 for what it held.
                    self.empty_target(group, t, Some(Failure::BadGateway502));
                }
                FaultKind::Hang => target.faults.hung = true,
                FaultKind::Slow => target.faults.slow = f.factor,
                FaultKind::Errors => target.faults.errors = f.fraction,
                FaultKind::FailFast => target.faults.fail_fast = f.fraction,
                FaultKind::TaskExit => {
                    // The process is gone: what it held fails as a reset connection.
                    target.faults.crashed = true;
                    self.empty_target(group, t, Some(reset));
                }
            }
            let kind = format!("{:?}", f.kind).to_lowercase();
            self.log(
                "fault",
                group,
                Some(t),
                "ok",
                &kind,
                format!("fault {fault}"),
            );
            if f.kind == FaultKind::TaskExit {
                // ECS sees the task stop (its essential container exited; no delay is
                // documented, so at once): it deregisters it from its target group and Cloud
                // Map, and the scheduler replaces it.
                self.rec.fault_detected(fault, self.now);
                self.stop_target(group, t, "essential container exited");
                exited = true;
            }
        }
        if exited {
            self.reconcile(group);
        }
    }

    /// A fault ends: the app comes back, a hung app's stuck requests complete.
    pub(super) fn on_fault_end(&mut self, fault: u32) {
        let f = &self.sc.faults[fault as usize];
        let group = f.group;
        let hit: Vec<u32> = self.groups[group as usize]
            .targets
            .iter()
            .enumerate()
            .filter(|(_, t)| t.faults.fault == Some(fault) && !t.faults.crashed)
            .map(|(i, _)| i as u32)
            .collect();
        for t in hit {
            let target = &mut self.groups[group as usize].targets[t as usize];
            target.faults = TargetFaults {
                slow: 1.0,
                ..TargetFaults::default()
            };
            if f.kind == FaultKind::Hang {
                let stuck: Vec<Handle> = self
                    .attempts
                    .handles()
                    .filter(|&h| {
                        self.attempts
                            .get(h)
                            .is_some_and(|a| a.stuck && a.group == group && a.target == t)
                    })
                    .collect();
                for h in stuck {
                    self.queue.push(self.now, Event::AppDone { req: h });
                }
            }
            self.log(
                "fault_end",
                group,
                Some(t),
                "faulty",
                "ok",
                format!("fault {fault}"),
            );
        }
    }

    /// The 1-minute metric point: each autoscaled group's datapoint, alarms and scaling.
    pub(super) fn on_metric(&mut self) {
        let next = self.now + METRIC_PERIOD;
        if next <= self.sc.duration {
            self.queue.push(next, Event::Metric);
        }
        for group in 0..self.sc.groups.len() as u32 {
            if self.sc.groups[group as usize].autoscaling.is_some() {
                self.autoscale(group);
            }
        }
    }

    fn autoscale(&mut self, group: u32) {
        let spec = self.sc.groups[group as usize]
            .autoscaling
            .as_ref()
            .expect("autoscaled group");
        let now = self.now;
        let g = &mut self.groups[group as usize];
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
        self.log(
            kind,
            group,
            None,
            &desired.to_string(),
            &new.to_string(),
            detail,
        );
        self.reconcile(group);
    }
}
