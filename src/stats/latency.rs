//! A latency distribution with bounded memory: an HDR histogram in microseconds (3 significant
//! digits, so percentiles are within 0.1%) plus the exact sum, count and maximum in nanoseconds,
//! so means are exact.
//!
//! The counts are kept in `hdrhistogram`'s own bucket layout (lowest discernible value 1 µs,
//! 3 significant digits, range set for one hour), but recorded by this module:
//! `Histogram::saturating_record` is a non-inlined call with range checks and min/max tracking,
//! about 55 instructions, and the simulator records five latencies per request; the index
//! computation here is about a dozen, inlined. As `saturating_record` does, a value beyond the
//! range (above about 73 minutes, the top of the last bucket) is counted as one hour: percentiles saturate
//! there, while the mean and maximum stay exact. Percentiles and the CDF use
//! `hdrhistogram`'s definitions (`value_at_quantile`, `iter_recorded`, `median_equivalent`),
//! and the tests check every figure against a real `hdrhistogram::Histogram` fed the same values.
//! [`LatencyStat::histogram`] builds that histogram when the full API is wanted.

use hdrhistogram::Histogram;

use crate::engine::time::Nanos;

/// log2 of half the sub-buckets per bucket: 3 significant digits need 2000 distinct values
/// at unit resolution, rounded up to 2048 sub-buckets, of which the upper 1024 are used past the
/// first bucket.
const HALF_MAGNITUDE: u32 = 10;
/// Values below 2048 µs all fall in bucket 0, at unit resolution.
const SUB_BUCKET_MASK: u64 = (2 << HALF_MAGNITUDE) - 1;
/// 64 − log2(sub-bucket count) (the unit magnitude is 0: the lowest discernible value is 1).
const LEADING_ZERO_BASE: u32 = 64 - (HALF_MAGNITUDE + 1);
/// The highest trackable value, µs (as `Histogram::new_with_bounds(1, 3_600_000_000, 3)`): an hour,
/// so an overloaded run's tail (a p99 of minutes) is measured, not clamped.
const HIGHEST_US: u64 = 3_600_000_000;
/// Significant digits.
const SIGFIG: u8 = 3;

/// Bucket (power of two) of `value`: as `hdrhistogram`'s `bucket_for`.
#[inline]
fn bucket_for(value: u64) -> u32 {
    LEADING_ZERO_BASE - (value | SUB_BUCKET_MASK).leading_zeros()
}

/// Position of `value` in the counts: as `hdrhistogram`'s `index_for`.
#[inline]
fn index_for(value: u64) -> usize {
    let bucket = bucket_for(value);
    let sub_bucket = (value >> bucket) as usize;
    ((bucket as usize + 1) << HALF_MAGNITUDE) + sub_bucket - (1 << HALF_MAGNITUDE)
}

/// Counts needed to hold values up to `value`: `(buckets + 1)` halves of sub-buckets.
const fn len_for(value: u64) -> usize {
    ((LEADING_ZERO_BASE - (value | SUB_BUCKET_MASK).leading_zeros() + 2) as usize) << HALF_MAGNITUDE
}

/// Number of counts (values up to the top of the bucket holding an hour).
const LEN: usize = len_for(HIGHEST_US);

/// The lowest value counted at `index`: as `hdrhistogram`'s `value_for`.
fn value_for(index: usize) -> u64 {
    let half = 1usize << HALF_MAGNITUDE;
    let bucket = (index >> HALF_MAGNITUDE) as i64 - 1;
    let sub_bucket = (index & (half - 1)) + half;
    if bucket < 0 {
        (sub_bucket - half) as u64
    } else {
        (sub_bucket as u64) << bucket
    }
}

fn lowest_equivalent(value: u64) -> u64 {
    let bucket = bucket_for(value);
    (value >> bucket) << bucket
}

fn equivalent_range(value: u64) -> u64 {
    1 << bucket_for(value)
}

fn highest_equivalent(value: u64) -> u64 {
    if value == u64::MAX {
        u64::MAX
    } else {
        lowest_equivalent(value).saturating_add(equivalent_range(value)) - 1
    }
}

fn median_equivalent(value: u64) -> u64 {
    lowest_equivalent(value) + (equivalent_range(value) >> 1)
}

/// The figure a quantile reports when it falls on a value of `ns`: the midpoint of the value's
/// bucket (µs, rounded as [`LatencyStat::record`] rounds, saturating at the top of the range as
/// it does), in ms; what [`LatencyStat::quantiles_ms`] returns for that bucket.
pub fn quantile_figure_ms(ns: Nanos) -> f64 {
    let index = index_for((ns + 500) / 1000);
    let index = if index < LEN {
        index
    } else {
        index_for(HIGHEST_US)
    };
    median_equivalent(highest_equivalent(value_for(index))) as f64 / 1000.0
}

/// Streaming latency statistics.
#[derive(Clone)]
pub struct LatencyStat {
    /// Values recorded per HDR bucket (µs), `hdrhistogram`'s layout: [`LEN`] long once anything
    /// is recorded, empty before. A recorder holds one per stage kind, route and total, and a
    /// scenario uses only some; allocating on first use saves 136 KiB per unused one (of 1.25 MiB
    /// peak heap in `simroute bench`, 4 of the 9 were never used).
    counts: Vec<u64>,
    sum_ns: u128,
    count: u64,
    max_ns: Nanos,
    /// Smallest value recorded: with `max_ns`, bounds the counts a reset or a quantile has to
    /// walk (the time series resets and reads one histogram every simulated second).
    min_ns: Nanos,
}

impl Default for LatencyStat {
    fn default() -> Self {
        Self::new()
    }
}

impl LatencyStat {
    /// Empty statistics, with a histogram range of a minute (allocated on the first record).
    pub fn new() -> Self {
        LatencyStat {
            counts: Vec::new(),
            sum_ns: 0,
            count: 0,
            max_ns: 0,
            min_ns: Nanos::MAX,
        }
    }

    /// The range of count indices that can be non-zero (`None` when nothing is recorded).
    fn recorded_range(&self) -> Option<std::ops::RangeInclusive<usize>> {
        if self.count == 0 || self.counts.is_empty() {
            return None;
        }
        // `record` puts a value at its own index while inside the counts, else at the highest
        // trackable value's, which lies below the last counts: a saturated maximum means the
        // walk must go to the end.
        let index = |ns: Nanos| index_for((ns + 500) / 1000);
        let lo = index(self.min_ns).min(index_for(HIGHEST_US));
        let hi = index(self.max_ns).min(LEN - 1);
        Some(lo..=hi)
    }

    /// Records one duration.
    #[inline]
    pub fn record(&mut self, ns: Nanos) {
        // Rounded to the nearest microsecond.
        let us = (ns + 500) / 1000;
        match self.counts.get_mut(index_for(us)) {
            Some(c) => *c += 1,
            None => self.record_cold(us),
        }
        self.sum_ns += u128::from(ns);
        self.count += 1;
        self.max_ns = self.max_ns.max(ns);
        self.min_ns = self.min_ns.min(ns);
    }

    /// The first record, or one past the range (one compare on the hot path covers both).
    #[cold]
    #[inline(never)]
    fn record_cold(&mut self, us: u64) {
        if self.counts.is_empty() {
            self.counts = vec![0; LEN];
        }
        let index = index_for(us);
        // Out of range: `saturating_record` clamps to the highest trackable value.
        let index = if index < LEN {
            index
        } else {
            index_for(HIGHEST_US)
        };
        self.counts[index] += 1;
    }

    /// Empties the statistics, keeping the allocation (the time series reuses one per bucket).
    pub fn reset(&mut self) {
        if let Some(range) = self.recorded_range() {
            self.counts[range].fill(0);
        }
        self.sum_ns = 0;
        self.count = 0;
        self.max_ns = 0;
        self.min_ns = Nanos::MAX;
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
            let v = self.value_at_quantile(q);
            // The midpoint of the bucket is the least biased estimate within it.
            median_equivalent(v) as f64 / 1000.0
        })
    }

    /// The quantiles `qs` (ascending, each in (0, 1]) in ms, in one walk over the counts: the
    /// time series closes a bucket every interval, and two walks cost twice one.
    pub fn quantiles_ms<const N: usize>(&self, qs: [f64; N]) -> [Option<f64>; N] {
        debug_assert!(qs.windows(2).all(|w| w[0] <= w[1]) && qs.iter().all(|&q| q > 0.0));
        let mut out = [None; N];
        let Some(range) = self.recorded_range().filter(|_| self.count > 0) else {
            return out;
        };
        let start = *range.start();
        let counts_at = qs.map(|q| ((q.min(1.0) * self.count as f64).ceil() as u64).max(1));
        let mut next = 0;
        let mut total = 0u64;
        for (index, &c) in self.counts[range].iter().enumerate() {
            total += c;
            if total < counts_at[next] {
                continue;
            }
            while next < N && total >= counts_at[next] {
                let value = highest_equivalent(value_for(start + index));
                out[next] = Some(median_equivalent(value) as f64 / 1000.0);
                next += 1;
            }
            if next == N {
                break;
            }
        }
        out
    }

    /// `hdrhistogram`'s `value_at_quantile`, over these counts.
    fn value_at_quantile(&self, quantile: f64) -> u64 {
        let quantile = if quantile > 1.0 { 1.0 } else { quantile };
        let count_at_quantile = ((quantile * self.count as f64).ceil() as u64).max(1);
        let mut total = 0u64;
        let Some(range) = self.recorded_range() else {
            return 0;
        };
        let start = *range.start();
        for (index, &c) in self.counts[range].iter().enumerate() {
            let index = start + index;
            total += c;
            if total >= count_at_quantile {
                let value = value_for(index);
                return if quantile == 0.0 {
                    lowest_equivalent(value)
                } else {
                    highest_equivalent(value)
                };
            }
        }
        0
    }

    /// Adds another distribution's values.
    pub fn merge(&mut self, other: &LatencyStat) {
        if self.counts.is_empty() {
            self.counts = vec![0; other.counts.len()];
        }
        for (mine, theirs) in self.counts.iter_mut().zip(&other.counts) {
            *mine += theirs;
        }
        self.sum_ns += other.sum_ns;
        self.count += other.count;
        self.max_ns = self.max_ns.max(other.max_ns);
        self.min_ns = self.min_ns.min(other.min_ns);
    }

    /// The empirical CDF: `(latency_ms, cumulative_fraction)` for each distinct recorded value
    /// (each non-empty bucket, as `hdrhistogram`'s `iter_recorded`).
    pub fn cdf(&self) -> Vec<(f64, f64)> {
        let total = self.count as f64;
        let mut seen = 0u64;
        self.counts
            .iter()
            .enumerate()
            .filter(|&(_, &c)| c != 0)
            .map(|(index, &c)| {
                seen += c;
                (
                    median_equivalent(highest_equivalent(value_for(index))) as f64 / 1000.0,
                    seen as f64 / total,
                )
            })
            .collect()
    }

    /// The distribution as an `hdrhistogram::Histogram` (µs, 3 significant digits), equal to one
    /// that recorded the same values; built on demand.
    pub fn histogram(&self) -> Histogram<u64> {
        let mut hist = Histogram::new_with_bounds(1, HIGHEST_US, SIGFIG).expect("valid bounds");
        hist.auto(true);
        for (index, &c) in self.counts.iter().enumerate() {
            if c != 0 {
                hist.record_n(value_for(index), c)
                    .expect("every index is in range");
            }
        }
        hist
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
    fn allocates_on_first_use_and_merges_empty_ones() {
        let empty = LatencyStat::new();
        assert!(empty.counts.is_empty());
        assert_eq!(empty.cdf(), vec![]);
        assert!(empty.histogram().is_empty());
        let mut a = LatencyStat::new();
        a.merge(&empty);
        assert_eq!((a.count(), a.quantile_ms(0.5)), (0, None));
        a.record(2_000_000);
        a.merge(&empty);
        let mut b = LatencyStat::new();
        b.merge(&a);
        assert_eq!(b.count(), 1);
        assert_eq!(b.quantile_ms(0.5), a.quantile_ms(0.5));
        assert_eq!(b.counts.len(), LEN);
    }

    #[test]
    fn exact_max_past_the_range_and_merges() {
        let mut a = LatencyStat::new();
        a.record(3_600 * 1_000_000_000);
        a.record(300 * 1_000_000_000);
        let mut b = LatencyStat::new();
        b.record(1_000_000);
        b.merge(&a);
        assert_eq!(b.count(), 3);
        assert_eq!(b.max_ms(), Some(3_600_000.0));
        // Five minutes is measured to 3 significant digits, not clamped.
        let p66 = b.quantile_ms(0.66).unwrap();
        assert!(
            (300_000.0 * 0.999..300_000.0 * 1.001).contains(&p66),
            "{p66}"
        );
        let p100 = b.quantile_ms(1.0).unwrap();
        assert!(
            (3_600_000.0 * 0.999..3_600_000.0 * 1.001).contains(&p100),
            "{p100}"
        );
    }

    /// The previous implementation's figures, computed by `hdrhistogram` itself.
    struct Oracle {
        hist: Histogram<u64>,
    }

    impl Oracle {
        fn new() -> Self {
            let mut hist = Histogram::new_with_bounds(1, HIGHEST_US, 3).unwrap();
            hist.auto(true);
            Oracle { hist }
        }
        fn record(&mut self, ns: Nanos) {
            self.hist.saturating_record((ns + 500) / 1000);
        }
        fn quantile_ms(&self, q: f64) -> f64 {
            let v = self.hist.value_at_quantile(q);
            self.hist.median_equivalent(v) as f64 / 1000.0
        }
        fn cdf(&self) -> Vec<(f64, f64)> {
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

    fn assert_same(s: &LatencyStat, o: &Oracle) {
        assert!(s.histogram() == o.hist, "histograms differ");
        assert_eq!(s.count(), o.hist.len());
        for q in [
            -0.5, 0.0, 1e-9, 0.001, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 0.9999, 1.0, 2.0,
        ] {
            assert_eq!(
                s.quantile_ms(q).unwrap().to_bits(),
                o.quantile_ms(q).to_bits(),
                "quantile {q}"
            );
        }
        assert_eq!(s.cdf(), o.cdf());
        let qs = [1e-9, 0.001, 0.5, 0.5, 0.99, 0.999, 1.0, 2.0];
        let one_walk = s.quantiles_ms(qs);
        for (q, v) in qs.into_iter().zip(one_walk) {
            assert_eq!(
                v.map(f64::to_bits),
                s.quantile_ms(q).map(f64::to_bits),
                "quantile {q}"
            );
        }
    }

    #[test]
    fn matches_hdrhistogram_exactly() {
        let mut state = 7u64;
        let mut next = move || {
            state = crate::engine::rng::mix64(state);
            state
        };
        // Scales from sub-microsecond to hours (past the range, so values saturate), plus the
        // edges of every bucket.
        let mut a = LatencyStat::new();
        let mut oa = Oracle::new();
        for i in 0..200_000 {
            let scale = 1u64 << (next() % 44);
            let ns = next() % scale;
            a.record(ns);
            oa.record(ns);
            if i % 50_000 == 0 {
                assert_same(&a, &oa);
            }
        }
        for k in 0..24 {
            for d in [0u64, 1, 499, 500, 501, 999] {
                let ns = ((2048u64 << k) * 1000).saturating_sub(d);
                a.record(ns);
                oa.record(ns);
            }
        }
        assert_same(&a, &oa);
        let mut b = LatencyStat::new();
        let mut ob = Oracle::new();
        for _ in 0..10_000 {
            let ns = next() % 50_000_000;
            b.record(ns);
            ob.record(ns);
        }
        b.merge(&a);
        ob.hist.add(&oa.hist).unwrap();
        assert_same(&b, &ob);
    }
}
