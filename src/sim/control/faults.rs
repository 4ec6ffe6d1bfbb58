//! Injected faults: which tasks a fault hits and what it does to them. The world empties a
//! crashed task of what it held and lets ECS see a task that exited.

use super::super::ctx::Ctx;
use super::super::event::Event;
use super::super::path::Paths;
use super::super::targets::{GroupState, TargetFaults, Task};
use crate::model::health::Health;
use crate::vocab::{Failure, FaultKind};

/// Schedules every fault's start and (within the run) end.
pub(in crate::sim) fn schedule(ctx: &mut Ctx) {
    let sc = ctx.sc;
    for (i, f) in sc.faults.iter().enumerate() {
        ctx.at(f.at, Event::FaultStart { fault: i as u32 });
        if let Some(end) = f.end.filter(|&e| e <= sc.duration) {
            ctx.at(end, Event::FaultEnd { fault: i as u32 });
        }
    }
}

/// Whether a fault of `kind` takes away what a task holds, and with what answer: a crash or a
/// zone outage answers nothing (the requests wait for a timeout or a reset, `Some(None)`); a
/// crashed app's connections are reset, so nginx answers 502; an exited task's process is
/// gone, so what it held fails as a reset connection. `None`: the task keeps its requests.
pub(in crate::sim) fn loses_its_requests(
    kind: FaultKind,
    paths: &Paths,
) -> Option<Option<Failure>> {
    match kind {
        FaultKind::Crash | FaultKind::AzOutage => Some(None),
        FaultKind::AppCrash => Some(Some(Failure::BadGateway502)),
        FaultKind::TaskExit => Some(Some(paths.integration_failure)),
        FaultKind::Hang | FaultKind::Slow | FaultKind::Errors | FaultKind::FailFast => None,
    }
}

impl GroupState {
    /// Fault `fault` starts: the targets it hits (the lowest-numbered running ones, or every
    /// task in a zone), each marked with it. Records the fault's start figures.
    pub(in crate::sim) fn fault_targets(&mut self, ctx: &mut Ctx, fault: u32) -> Vec<u32> {
        let f = &ctx.sc.faults[fault as usize];
        let spec = &ctx.sc.groups[f.group as usize];
        let healthy = self.healthy_count(spec).unwrap_or_else(|| {
            self.targets
                .iter()
                .filter(|t| t.health.state() == Health::Healthy)
                .count() as u32
        });
        ctx.rec.fault_started(fault, f.group, ctx.now, healthy);
        self.targets
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
            .collect()
    }

    /// Fault `fault` hits `target`: what it changes in the task (the world then empties a
    /// crashed task and lets ECS see an exited one).
    pub(in crate::sim) fn apply_fault(&mut self, ctx: &Ctx, fault: u32, target: u32) {
        let f = &ctx.sc.faults[fault as usize];
        let t = &mut self.targets[target as usize].faults;
        t.fault = Some(fault);
        match f.kind {
            FaultKind::Crash | FaultKind::AzOutage | FaultKind::TaskExit => t.crashed = true,
            FaultKind::AppCrash => t.app_down = true,
            FaultKind::Hang => t.hung = true,
            FaultKind::Slow => t.slow = f.factor,
            FaultKind::Errors => t.errors = f.fraction,
            FaultKind::FailFast => t.fail_fast = f.fraction,
        }
    }

    /// Fault `fault` ends: the targets it still affects (a crashed task stays gone) are
    /// healed; returned for the world to finish their stuck requests.
    pub(in crate::sim) fn heal(&mut self, ctx: &mut Ctx, fault: u32) -> Vec<u32> {
        let group = ctx.sc.faults[fault as usize].group;
        let hit: Vec<u32> = self
            .targets
            .iter()
            .enumerate()
            .filter(|(_, t)| t.faults.fault == Some(fault) && !t.faults.crashed)
            .map(|(i, _)| i as u32)
            .collect();
        for &t in &hit {
            self.targets[t as usize].faults = TargetFaults::default();
            ctx.log(
                "fault_end",
                group,
                Some(t),
                "faulty",
                "ok",
                format!("fault {fault}"),
            );
        }
        hit
    }
}
