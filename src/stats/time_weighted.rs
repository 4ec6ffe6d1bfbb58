//! The integral over time of a level (requests in system, busy workers), restricted to the
//! measured window, for time averages such as Little's L and utilization.

use crate::engine::time::Nanos;

/// A level that changes at event times, and its integral over `[window_start, now]`.
#[derive(Debug, Clone, Copy, Default)]
pub struct TimeWeighted {
    level: u64,
    since: Nanos,
    area: u128,
}

impl TimeWeighted {
    /// Sets the level at `now`; time before `window_start` is not integrated.
    #[inline]
    pub fn set(&mut self, now: Nanos, window_start: Nanos, level: u64) {
        let from = self.since.max(window_start);
        if now > from {
            self.area += u128::from(self.level) * u128::from(now - from);
        }
        self.since = now;
        self.level = level;
    }

    /// The current level.
    #[inline]
    pub fn level(&self) -> u64 {
        self.level
    }

    /// Changes the level by `delta` at `now`.
    #[inline]
    pub fn add(&mut self, now: Nanos, window_start: Nanos, delta: i64) {
        let level = self.level.saturating_add_signed(delta);
        self.set(now, window_start, level);
    }

    /// The time average over `[window_start, end]`, closing the integral at `end`.
    pub fn mean(&self, window_start: Nanos, end: Nanos) -> f64 {
        let mut area = self.area;
        let from = self.since.max(window_start);
        if end > from {
            area += u128::from(self.level) * u128::from(end - from);
        }
        if end > window_start {
            area as f64 / (end - window_start) as f64
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integrates_only_the_window() {
        let mut tw = TimeWeighted::default();
        tw.set(0, 10, 4); // level 4 from t=0, but the window starts at 10
        tw.set(20, 10, 2); // 4 over [10, 20]
        // then 2 over [20, 30]
        assert_eq!(tw.mean(10, 30), (4.0 * 10.0 + 2.0 * 10.0) / 20.0);
        tw.add(30, 10, -2);
        assert_eq!(tw.level(), 0);
    }
}
