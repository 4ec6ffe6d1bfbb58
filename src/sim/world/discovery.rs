//! The third way in: ECS container health checks, the Cloud Map registry ECS keeps for a
//! target group's tasks, and the callers that discover them (API Gateway's `DiscoverInstances`
//! private integration, DNS clients). Kept apart from `pick_target` (load balancers).
//!
//! Sources (reference §5, §6): container checks run inside the task every `interval`
//! (Docker restarts the interval timer after each check's result), `retries` consecutive
//! failures ⇒ UNHEALTHY ⇒ ECS replaces the task; a task with no container check and no load
//! balancer counts as healthy 40 s after RUNNING. ECS registers a running task's instance in
//! Cloud Map and deregisters it when it stops the task; with `HealthCheckCustomConfig` it
//! reports the task's health (`UpdateInstanceCustomHealthStatus`), which Cloud Map applies
//! about 30 s later (`health_lag`).

use super::{Attempt, CONTAINER_SOURCE, Event, EventQueue, GroupState, Phase, Task, World};
use crate::engine::Nanos;
use crate::engine::rng::{below, unit_f64};
use crate::engine::time::NANOS_PER_SEC;
use crate::model::container_health::ContainerStatus;
use crate::model::discovery::{Instance, multivalue_answer, returned};
use crate::vocab::Failure;

/// `DiscoverInstances` throttle: refill 1,000 requests per second, bucket 2,000, per account
/// and Region (Cloud Map developer guide,
/// "Throttling", https://docs.aws.amazon.com/cloud-map/latest/dg/throttling.html). Spent only by an integration
/// with `discover_instances_quota` (a caller that calls the API itself): API Gateway's Cloud
/// Map integration is not documented to call it per request.
pub(super) const DISCOVER_RATE_PER_S: f64 = 1_000.0;
/// See [`DISCOVER_RATE_PER_S`].
pub(super) const DISCOVER_BURST: u64 = 2_000;
/// What the client gets when API Gateway's `DiscoverInstances` call is throttled
/// (`RequestLimitExceeded`): not documented; HTTP APIs answer integration failures with 503
/// (reference §1), so 503.
pub(super) const THROTTLED_DISCOVERY: Failure = Failure::Unavailable503;
/// ECS counts a task with no container check and no load balancer healthy this long after it
/// runs (reference §5, E1).
const NO_CHECK_HEALTHY_AFTER: Nanos = 40 * NANOS_PER_SEC;

impl<Q: EventQueue<Event> + Default> World<'_, Q> {
    /// A task of the fleet running at time 0: healthy for ECS, registered and healthy in Cloud
    /// Map (the run starts in steady state); its container checks are spread over the interval.
    pub(super) fn start_discovery_state(&mut self, group: u32, target: u32) {
        let spec = &self.sc.groups[group as usize];
        let g = &mut self.groups[group as usize];
        let t = &mut g.targets[target as usize];
        if g.ecs_tracked {
            t.container.set(ContainerStatus::Healthy);
        }
        if spec.cloud_map.is_some() {
            t.instance = Instance {
                registered: true,
                healthy: true,
            };
        }
        if let Some(cc) = &spec.service.container_check {
            let phase = (unit_f64(&mut g.container_rng) * cc.interval as f64) as Nanos;
            self.queue
                .push(phase, Event::ContainerCheck { group, target });
        }
    }

    /// A launched task runs: ECS registers its Cloud Map instance (`RegisterInstance`'s initial
    /// custom health status defaults to HEALTHY) and starts its container check, whose first
    /// run is one interval after the container starts.
    pub(super) fn task_runs_discovery(&mut self, group: u32, target: u32) {
        let spec = &self.sc.groups[group as usize];
        let g = &mut self.groups[group as usize];
        if spec.cloud_map.is_some() {
            g.targets[target as usize].instance = Instance {
                registered: true,
                healthy: true,
            };
            self.log_instance(group, target, "unregistered", "healthy", "registered");
        }
        let g = &self.groups[group as usize];
        if let Some(cc) = &spec.service.container_check {
            self.queue.push(
                self.now + cc.interval,
                Event::ContainerCheck { group, target },
            );
        } else if g.ecs_tracked {
            self.queue.push(
                self.now + NO_CHECK_HEALTHY_AFTER,
                Event::EcsHealthy { group, target },
            );
        }
    }

    fn log_instance(&mut self, group: u32, target: u32, from: &str, to: &str, detail: &str) {
        self.log("cloud_map", group, Some(target), from, to, detail.into());
    }

    /// The container check runs: a request to the app from inside the task (it queues behind
    /// the app's work like a request, with no nginx on the way). A task whose network is gone
    /// (crashed) gives no answer: the check fails at its timeout.
    pub(super) fn on_container_check(&mut self, group: u32, target: u32) {
        let Some(cc) = self.sc.groups[group as usize].service.container_check else {
            return;
        };
        let t = &self.groups[group as usize].targets[target as usize];
        if !matches!(t.task, Task::Running | Task::Stopping) {
            return; // the task is gone: so are its checks
        }
        let crashed = t.faults.crashed;
        let phase = if crashed {
            Phase::BlackHole
        } else {
            Phase::ToApp
        };
        let req = self.attempts.insert(Attempt {
            group,
            target,
            probe: true,
            ..Attempt::new(self.now, CONTAINER_SOURCE, phase)
        });
        self.start_timer(
            self.layout.container_check(group),
            self.now + cc.timeout,
            req,
        );
        if !crashed {
            let a = *self.attempts.get(req).expect("just inserted");
            self.reach_app(req, a);
        }
    }

    /// A container check's result (2xx passes; errors and timeouts fail): the next check is
    /// one interval later, and ECS acts on a change of status.
    pub(super) fn container_check_answered(
        &mut self,
        group: u32,
        target: u32,
        started: Nanos,
        pass: bool,
    ) {
        let spec = &self.sc.groups[group as usize];
        let Some(cc) = spec.service.container_check else {
            return;
        };
        let t = &mut self.groups[group as usize].targets[target as usize];
        if !matches!(t.task, Task::Running | Task::Stopping) {
            return;
        }
        self.queue.push(
            self.now + cc.interval,
            Event::ContainerCheck { group, target },
        );
        let in_start = started < t.started + cc.start_period;
        let from = t.container.status();
        if let Some(to) = t.container.record(pass, in_start, cc.retries) {
            self.ecs_health_changed(group, target, from, to);
        }
    }

    /// 40 s after a task without checks runs, ECS counts it healthy.
    pub(super) fn on_ecs_healthy(&mut self, group: u32, target: u32) {
        let t = &mut self.groups[group as usize].targets[target as usize];
        if t.task != Task::Running || t.container.status() != ContainerStatus::Unknown {
            return;
        }
        t.container.set(ContainerStatus::Healthy);
        self.ecs_health_changed(
            group,
            target,
            ContainerStatus::Unknown,
            ContainerStatus::Healthy,
        );
    }

    /// ECS's view of a task's health changed: it reports it to Cloud Map (custom health
    /// checks), and the scheduler replaces an unhealthy task (after the grace period).
    fn ecs_health_changed(
        &mut self,
        group: u32,
        target: u32,
        from: ContainerStatus,
        to: ContainerStatus,
    ) {
        self.log(
            "container_health",
            group,
            Some(target),
            from.name(),
            to.name(),
            String::new(),
        );
        let spec = &self.sc.groups[group as usize];
        let t = &self.groups[group as usize].targets[target as usize];
        if let Some(cm) = &spec.cloud_map
            && cm.custom_health
            && t.instance.registered
        {
            let healthy = to == ContainerStatus::Healthy;
            self.queue.push(
                self.now + cm.health_lag,
                Event::CloudMapHealth {
                    group,
                    target,
                    healthy,
                },
            );
        }
        if to == ContainerStatus::Unhealthy {
            if let Some(fault) = t.faults.fault {
                self.rec.fault_detected(fault, self.now);
            }
            let grace_end = t.started + spec.service.grace_period;
            if grace_end > self.now {
                self.queue.push(grace_end, Event::GraceOver { group });
            }
        }
        self.reconcile(group);
    }

    /// Cloud Map applies a reported health status (unless the instance is gone by then).
    pub(super) fn on_cloud_map_health(&mut self, group: u32, target: u32, healthy: bool) {
        let i = &mut self.groups[group as usize].targets[target as usize].instance;
        if !i.registered || i.healthy == healthy {
            return;
        }
        i.healthy = healthy;
        let (from, to) = if healthy {
            ("unhealthy", "healthy")
        } else {
            ("healthy", "unhealthy")
        };
        self.log_instance(group, target, from, to, "custom health status applied");
        // The group's healthy count (summary, time series) follows Cloud Map's view.
        self.refresh_routable(group);
    }

    /// The task a discovering caller sends `a` to: API Gateway round robin (equal weights)
    /// over what `DiscoverInstances` returns, or a DNS client's random pick among its cached
    /// records (resolved again once the TTL has passed). `None`: nothing to send it to.
    pub(super) fn pick_discovered(&mut self, a: &Attempt) -> Option<u32> {
        let spec = &self.sc.groups[a.group as usize];
        let cm = spec.cloud_map.as_ref().expect("resolve checks discovery");
        let src = &self.sc.sources[a.source as usize];
        let run = &mut self.sources[a.source as usize];
        let g = &mut self.groups[a.group as usize];
        if run.dns.is_empty() {
            return discover_round_robin(g, cm.filter, cm.max_results);
        }
        let client = (a.credential - src.first_credential) as usize;
        if let Some(records) = run.dns[client].fresh(self.now) {
            let i = below(&mut run.dns_rng, records.len() as u32);
            return Some(records[i as usize]);
        }
        multivalue_answer(
            g.targets.iter().map(|t| t.instance),
            &mut run.dns_rng,
            &mut self.dns_scratch,
            &mut self.dns_answer,
        );
        if self.dns_answer.is_empty() {
            return None; // no record at all (negative caching is not modelled)
        }
        // Cached for the TTL (with TTL 0 this answer serves this request only).
        run.dns[client].store(&self.dns_answer, self.now, cm.dns_ttl);
        let i = below(&mut run.dns_rng, self.dns_answer.len() as u32);
        Some(self.dns_answer[i as usize])
    }
}

/// API Gateway's pick: round robin with equal weights (SRV priority = weight = 1) over the
/// instances `DiscoverInstances` returns with `filter`, at most `max_results` of them.
fn discover_round_robin(
    g: &mut GroupState,
    filter: crate::vocab::DiscoveryFilter,
    max_results: u32,
) -> Option<u32> {
    let any_healthy = g
        .targets
        .iter()
        .any(|t| t.instance.registered && t.instance.healthy);
    let listed = || {
        g.targets
            .iter()
            .enumerate()
            .filter(move |(_, t)| returned(filter, t.instance, any_healthy))
            .take(max_results as usize)
    };
    let n = listed().count() as u32;
    if n == 0 {
        return None;
    }
    let k = g.discovery_next % n;
    let target = listed().nth(k as usize).map(|(i, _)| i as u32);
    g.discovery_next = g.discovery_next.wrapping_add(1);
    target
}
