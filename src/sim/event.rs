//! The one event type. Small (12 bytes, so a queue entry with its 16-byte key is 32 bytes) and
//! `Copy`: events carry indices and slab handles, never names or boxes.

use crate::engine::Handle;

/// Something that happens at a point in simulated time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// Traffic source `source` sends a new request (and schedules its next one).
    Arrival {
        /// Index into `Scenario::sources`.
        source: u32,
    },
    /// An attempt reaches the next hop of its path (which hop: the attempt's phase).
    Hop {
        /// The attempt.
        req: Handle,
    },
    /// The app finished serving an attempt.
    AppDone {
        /// The attempt.
        req: Handle,
    },
    /// A client retry's backoff is over: the attempt is sent.
    Resend {
        /// The new attempt.
        req: Handle,
    },
    /// The head of timer FIFO `timer` may have expired (see `engine::deadline`).
    Timer {
        /// Index of the FIFO.
        timer: u32,
    },
    /// A health-check round for a target.
    Probe {
        /// Target group.
        group: u32,
        /// Target.
        target: u32,
    },
    /// A TCP health check's result arrives (a failure at its timeout).
    ProbeDone {
        /// Target group.
        group: u32,
        /// Target.
        target: u32,
        /// Whether the check passed.
        pass: bool,
    },
    /// A launched task is running and registers with its target group.
    TaskRunning {
        /// Target group.
        group: u32,
        /// Target.
        target: u32,
    },
    /// A draining target's deregistration delay is over.
    DrainDone {
        /// Target group.
        group: u32,
        /// Target.
        target: u32,
    },
    /// A stopping task's `stop_timeout` after SIGTERM is over: SIGKILL.
    TaskKill {
        /// Target group.
        group: u32,
        /// Target.
        target: u32,
    },
    /// The ECS health-check grace period of an unhealthy task is over: the scheduler may now
    /// act on its failed checks.
    GraceOver {
        /// Target group.
        group: u32,
    },
    /// Fault `fault` starts.
    FaultStart {
        /// Index into `Scenario::faults`.
        fault: u32,
    },
    /// Fault `fault` ends.
    FaultEnd {
        /// Index into `Scenario::faults`.
        fault: u32,
    },
    /// Deployment `deployment` starts.
    Deploy {
        /// Index into `Scenario::deployments`.
        deployment: u32,
    },
    /// The 1-minute metric point of ECS and autoscaling.
    Metric,
    /// A target's container health check runs.
    ContainerCheck {
        /// Target group.
        group: u32,
        /// Target.
        target: u32,
    },
    /// A task without a container check or load balancer has run for 40 s: ECS counts it
    /// healthy.
    EcsHealthy {
        /// Target group.
        group: u32,
        /// Target.
        target: u32,
    },
    /// Cloud Map applies the health status ECS reported for an instance.
    CloudMapHealth {
        /// Target group.
        group: u32,
        /// Target.
        target: u32,
        /// The reported status.
        healthy: bool,
    },
    /// The end of a time-series bucket.
    Tick,
}

#[cfg(test)]
mod tests {
    #[test]
    fn events_stay_small() {
        assert!(std::mem::size_of::<super::Event>() <= 16);
    }
}
