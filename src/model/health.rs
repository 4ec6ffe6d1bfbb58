//! ELB target health: the state machine AWS documents for target groups.
//!
//! ```text
//!            pass × initial_passes              fail × unhealthy_threshold
//!  initial ─────────────────────────▶ healthy ─────────────────────────────▶ unhealthy
//!     │                                  ▲                                       │
//!     │ fail × unhealthy_threshold       └──────── pass × healthy_threshold ─────┘
//!     └──────────────────────────────────────────────────────────────▶ unhealthy
//!  any registered state ──deregister──▶ draining ──deregistration delay──▶ unused
//! ```
//! Counts are of consecutive check results: one pass resets the failure run and vice versa.
//! A newly registered target needs `initial_passes` passes (1 for NLB, per its documentation).

/// A target's health state, as ELB reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// Registered, not yet checked enough to be healthy.
    Initial,
    /// Receives new requests.
    Healthy,
    /// Failed its checks: no new requests (unless the whole group is unhealthy: fail open).
    Unhealthy,
    /// Deregistered: no new requests; requests in flight finish.
    Draining,
    /// Deregistration finished (or never registered).
    Unused,
}

impl Health {
    /// The name used in `events.csv`.
    pub fn name(self) -> &'static str {
        match self {
            Health::Initial => "initial",
            Health::Healthy => "healthy",
            Health::Unhealthy => "unhealthy",
            Health::Draining => "draining",
            Health::Unused => "unused",
        }
    }

    /// Registered and checked: initial, healthy or unhealthy.
    pub fn is_registered(self) -> bool {
        matches!(self, Health::Initial | Health::Healthy | Health::Unhealthy)
    }
}

/// Thresholds of the state machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// Consecutive passes from unhealthy to healthy.
    pub healthy: u32,
    /// Consecutive failures from initial or healthy to unhealthy.
    pub unhealthy: u32,
    /// Passes a new (initial) target needs.
    pub initial: u32,
}

/// One target's health and its current runs of passes and failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HealthTracker {
    state: Health,
    passes: u32,
    failures: u32,
}

impl Default for HealthTracker {
    fn default() -> Self {
        HealthTracker {
            state: Health::Unused,
            passes: 0,
            failures: 0,
        }
    }
}

impl HealthTracker {
    /// The current state.
    pub fn state(&self) -> Health {
        self.state
    }

    /// Registers the target: `initial`, or straight to `healthy` when the group has no checks.
    pub fn register(&mut self, checked: bool) -> Health {
        self.passes = 0;
        self.failures = 0;
        self.state = if checked {
            Health::Initial
        } else {
            Health::Healthy
        };
        self.state
    }

    /// Deregisters the target: `draining`.
    pub fn deregister(&mut self) {
        self.state = Health::Draining;
    }

    /// Draining is over: `unused`.
    pub fn finish_draining(&mut self) {
        self.state = Health::Unused;
    }

    /// Records one check result; returns the new state when it changed.
    pub fn record(&mut self, pass: bool, t: Thresholds) -> Option<Health> {
        if !self.state.is_registered() {
            return None;
        }
        if pass {
            self.passes += 1;
            self.failures = 0;
        } else {
            self.failures += 1;
            self.passes = 0;
        }
        let next = match self.state {
            Health::Initial if self.passes >= t.initial => Health::Healthy,
            Health::Initial | Health::Healthy if self.failures >= t.unhealthy => Health::Unhealthy,
            Health::Unhealthy if self.passes >= t.healthy => Health::Healthy,
            _ => return None,
        };
        self.state = next;
        self.passes = 0;
        self.failures = 0;
        Some(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NLB: Thresholds = Thresholds {
        healthy: 5,
        unhealthy: 2,
        initial: 1,
    };

    fn run(tracker: &mut HealthTracker, results: &[bool]) -> Vec<(usize, Health)> {
        results
            .iter()
            .enumerate()
            .filter_map(|(i, &pass)| tracker.record(pass, NLB).map(|h| (i, h)))
            .collect()
    }

    #[test]
    fn a_new_target_needs_its_initial_passes() {
        let mut t = HealthTracker::default();
        assert_eq!(t.register(true), Health::Initial);
        assert_eq!(run(&mut t, &[true]), vec![(0, Health::Healthy)]);
        let mut alb = HealthTracker::default();
        alb.register(true);
        let alb_thresholds = Thresholds { initial: 5, ..NLB };
        let changes: Vec<_> = (0..5)
            .filter_map(|i| alb.record(true, alb_thresholds).map(|h| (i, h)))
            .collect();
        assert_eq!(changes, vec![(4, Health::Healthy)]);
    }

    #[test]
    fn consecutive_runs_drive_transitions() {
        let mut t = HealthTracker::default();
        t.register(true);
        run(&mut t, &[true]);
        // One failure, then a pass: the failure run resets.
        assert_eq!(run(&mut t, &[false, true, false]), vec![]);
        assert_eq!(run(&mut t, &[false]), vec![(0, Health::Unhealthy)]);
        // Recovery takes healthy_threshold consecutive passes.
        assert_eq!(
            run(
                &mut t,
                &[true, true, true, true, false, true, true, true, true]
            ),
            vec![]
        );
        assert_eq!(run(&mut t, &[true]), vec![(0, Health::Healthy)]);
    }

    #[test]
    fn draining_targets_ignore_checks_and_unchecked_groups_are_healthy() {
        let mut t = HealthTracker::default();
        assert_eq!(t.register(false), Health::Healthy);
        t.deregister();
        assert_eq!(t.record(false, NLB), None);
        assert_eq!(t.state(), Health::Draining);
        t.finish_draining();
        assert_eq!(t.state(), Health::Unused);
        assert!(!t.state().is_registered());
    }
}
