//! ECS container health checks (task definition `healthCheck`), as Docker runs them: a command
//! inside the container every `interval`, failing when it exits non-zero or runs past
//! `timeout`; `retries` consecutive failures make the container UNHEALTHY. Failures of checks
//! started within `startPeriod` of the container starting do not count while the container has
//! never passed ("If a health check succeeds within the startPeriod, then the container is
//! assumed to be healthy and any subsequent failures count" — ECS `HealthCheck` API reference,
//! reference §5; Docker's health monitor compares the check's start time with the start period
//! and only while the status is still `starting`). Until its first verdict the status is
//! UNKNOWN (ECS: "the container health check is being evaluated").
//!
//! ```text
//!  unknown ──pass──▶ healthy ──fail × retries──▶ unhealthy ──pass──▶ healthy
//!     └────────── fail × retries (after the start period) ──────────▶ unhealthy
//! ```

/// A container's (and, with one essential container, its task's) health status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ContainerStatus {
    /// Being evaluated (or no check: ECS does not know).
    #[default]
    Unknown,
    /// The last check passed.
    Healthy,
    /// `retries` consecutive checks failed.
    Unhealthy,
}

impl ContainerStatus {
    /// The name used in `events.csv`.
    pub fn name(self) -> &'static str {
        match self {
            ContainerStatus::Unknown => "unknown",
            ContainerStatus::Healthy => "healthy",
            ContainerStatus::Unhealthy => "unhealthy",
        }
    }
}

/// One container's check state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ContainerHealth {
    status: ContainerStatus,
    failures: u32,
}

impl ContainerHealth {
    /// The current status.
    pub fn status(&self) -> ContainerStatus {
        self.status
    }

    /// Forces a status (a task without a check that ECS counts healthy after 40 s).
    pub fn set(&mut self, status: ContainerStatus) {
        self.status = status;
    }

    /// Records a check result; `in_start_period` is whether the check started within the start
    /// period. Returns the new status when it changed.
    pub fn record(
        &mut self,
        pass: bool,
        in_start_period: bool,
        retries: u32,
    ) -> Option<ContainerStatus> {
        let next = if pass {
            self.failures = 0;
            ContainerStatus::Healthy
        } else {
            if in_start_period && self.status == ContainerStatus::Unknown {
                return None; // ignored: the container is still starting
            }
            self.failures += 1;
            if self.failures < retries {
                return None;
            }
            ContainerStatus::Unhealthy
        };
        (next != self.status).then(|| {
            self.status = next;
            next
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_consecutive_failures_make_it_unhealthy() {
        let mut h = ContainerHealth::default();
        assert_eq!(h.record(true, false, 3), Some(ContainerStatus::Healthy));
        assert_eq!(h.record(false, false, 3), None);
        assert_eq!(h.record(false, false, 3), None);
        // A pass resets the run.
        assert_eq!(h.record(true, false, 3), None);
        assert_eq!(h.record(false, false, 3), None);
        assert_eq!(h.record(false, false, 3), None);
        assert_eq!(h.record(false, false, 3), Some(ContainerStatus::Unhealthy));
        assert_eq!(h.record(false, false, 3), None);
        assert_eq!(h.record(true, false, 3), Some(ContainerStatus::Healthy));
    }

    #[test]
    fn start_period_ignores_failures_until_a_pass() {
        let mut h = ContainerHealth::default();
        for _ in 0..10 {
            assert_eq!(h.record(false, true, 1), None);
        }
        assert_eq!(h.status(), ContainerStatus::Unknown);
        assert_eq!(h.record(false, false, 1), Some(ContainerStatus::Unhealthy));
        let mut h = ContainerHealth::default();
        assert_eq!(h.record(true, true, 2), Some(ContainerStatus::Healthy));
        // After a pass, failures count even within the start period.
        assert_eq!(h.record(false, true, 2), None);
        assert_eq!(h.record(false, true, 2), Some(ContainerStatus::Unhealthy));
    }
}
