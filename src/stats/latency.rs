//! A latency distribution with bounded memory: an HDR histogram in microseconds (3 significant
//! digits, so percentiles are within 0.1%) plus the exact sum, count and maximum in nanoseconds,
//! so means are exact.

use hdrhistogram::Histogram;

use crate::engine::time::Nanos;

/// Streaming latency statistics.
#[derive(Clone)]
pub struct LatencyStat {
    hist: Histogram<u64>,
    sum_ns: u128,
    count: u64,
    max_ns: Nanos,
}

impl Default for LatencyStat {
    fn default() -> Self {
        Self::new()
    }
}

impl LatencyStat {
    /// Empty statistics. The histogram starts sized for a minute and grows if needed.
    pub fn new() -> Self {
        let mut hist = Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid bounds");
        hist.auto(true);
        LatencyStat {
            hist,
            sum_ns: 0,
            count: 0,
            max_ns: 0,
        }
    }

    /// Records one duration.
    #[inline]
    pub fn record(&mut self, ns: Nanos) {
        // Rounded to the nearest microsecond; `saturating_record` cannot fail with auto-resize.
        self.hist.saturating_record((ns + 500) / 1000);
        self.sum_ns += u128::from(ns);
        self.count += 1;
        self.max_ns = self.max_ns.max(ns);
    }

    /// Number of values recorded.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Exact mean in ms, `None` when empty.
    pub fn mean_ms(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum_ns as f64 / self.count as f64 / 1e6)
    }

    /// Exact maximum in ms, `None` when empty.
    pub fn max_ms(&self) -> Option<f64> {
        (self.count > 0).then(|| self.max_ns as f64 / 1e6)
    }

    /// The `q` quantile (0–1) in ms, `None` when empty.
    pub fn quantile_ms(&self, q: f64) -> Option<f64> {
        (self.count > 0).then(|| {
            let v = self.hist.value_at_quantile(q);
            // The midpoint of the bucket is the least biased estimate within it.
            self.hist.median_equivalent(v) as f64 / 1000.0
        })
    }

    /// Adds another distribution's values.
    pub fn merge(&mut self, other: &LatencyStat) {
        self.hist
            .add(&other.hist)
            .expect("auto-resizing histograms always merge");
        self.sum_ns += other.sum_ns;
        self.count += other.count;
        self.max_ns = self.max_ns.max(other.max_ns);
    }

    /// The empirical CDF: `(latency_ms, cumulative_fraction)` for each distinct recorded value.
    pub fn cdf(&self) -> Vec<(f64, f64)> {
        let total = self.hist.len() as f64;
        let mut seen = 0u64;
        self.hist
            .iter_recorded()
            .map(|v| {
                seen += v.count_since_last_iteration();
                (
                    self.hist.median_equivalent(v.value_iterated_to()) as f64 / 1000.0,
                    seen as f64 / total,
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_mean_and_precise_percentiles() {
        let mut s = LatencyStat::new();
        for ms in 1..=1000u64 {
            s.record(ms * 1_000_000);
        }
        assert_eq!(s.count(), 1000);
        assert_eq!(s.mean_ms(), Some(500.5));
        assert_eq!(s.max_ms(), Some(1000.0));
        let p99 = s.quantile_ms(0.99).unwrap();
        assert!((p99 - 990.0).abs() / 990.0 < 0.001, "p99 {p99}");
        let cdf = s.cdf();
        assert_eq!(cdf.last().unwrap().1, 1.0);
        assert!(cdf.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 < w[1].1));
        assert_eq!(LatencyStat::new().quantile_ms(0.5), None);
    }

    #[test]
    fn grows_past_a_minute_and_merges() {
        let mut a = LatencyStat::new();
        a.record(3_600 * 1_000_000_000);
        let mut b = LatencyStat::new();
        b.record(1_000_000);
        b.merge(&a);
        assert_eq!(b.count(), 2);
        assert_eq!(b.max_ms(), Some(3_600_000.0));
    }
}
