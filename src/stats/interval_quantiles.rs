//! The median and 99th percentile of one time-series interval at a cost that follows the values
//! recorded, not the histogram's size.
//!
//! A time series closes an interval every simulated second by default, so a run of a week closes
//! 604,800 of them; resetting and walking a 3-significant-digit histogram at each close cost
//! tens of thousands of instructions whatever the interval held. Most intervals hold few
//! values: those are kept as they come and the quantiles picked by selection (linear in the
//! values), giving exactly the figures [`LatencyStat::quantiles_ms`] gives for the same values
//! (the k-th smallest value lies in the bucket where the counts' running total first reaches
//! k, and the bucket order is the value order). An interval with more than [`BUFFERED`] values
//! switches to the histogram, whose reset is then paid for by at least that many records.

use super::latency::{LatencyStat, quantile_figure_ms};
use crate::engine::time::Nanos;

/// Values kept as they come before the interval switches to the histogram: 16 KiB, selected
/// in a few tens of microseconds.
const BUFFERED: usize = 2048;

/// The values of the interval being filled.
pub struct IntervalQuantiles {
    /// This interval's values while there are at most [`BUFFERED`] of them.
    values: Vec<Nanos>,
    /// Every value of this interval once there were more (then `values` is empty).
    hist: LatencyStat,
    in_hist: bool,
}

impl Default for IntervalQuantiles {
    fn default() -> Self {
        Self::new()
    }
}

impl IntervalQuantiles {
    /// Empty, with room for [`BUFFERED`] values allocated up front (none per record).
    pub fn new() -> Self {
        IntervalQuantiles {
            values: Vec::with_capacity(BUFFERED),
            hist: LatencyStat::new(),
            in_hist: false,
        }
    }

    /// Records one value.
    #[inline]
    pub fn record(&mut self, ns: Nanos) {
        if self.in_hist {
            self.hist.record(ns);
        } else if self.values.len() < BUFFERED {
            self.values.push(ns);
        } else {
            self.spill_to_hist(ns);
        }
    }

    #[cold]
    #[inline(never)]
    fn spill_to_hist(&mut self, ns: Nanos) {
        for &v in &self.values {
            self.hist.record(v);
        }
        self.values.clear();
        self.hist.record(ns);
        self.in_hist = true;
    }

    /// The quantiles `qs` (ascending, each in (0, 1]) in ms, as [`LatencyStat::quantiles_ms`]
    /// gives them for the same values; `None` when the interval is empty.
    pub fn quantiles_ms<const N: usize>(&mut self, qs: [f64; N]) -> [Option<f64>; N] {
        if self.in_hist {
            return self.hist.quantiles_ms(qs);
        }
        let mut out = [None; N];
        let n = self.values.len();
        if n == 0 {
            return out;
        }
        // Each selection leaves the smaller values before the pick, so the next (larger)
        // quantile only searches what lies after it.
        let mut from = 0;
        for (slot, q) in out.iter_mut().zip(qs) {
            debug_assert!(q > 0.0);
            let k = (((q.min(1.0) * n as f64).ceil() as usize).max(1)).min(n);
            let rank = k - 1;
            let value = if rank >= from {
                let (_, v, _) = self.values[from..].select_nth_unstable(rank - from);
                let v = *v;
                from = rank;
                v
            } else {
                self.values[rank]
            };
            *slot = Some(quantile_figure_ms(value));
        }
        out
    }

    /// Empties the interval (the histogram's reset only when it was used).
    pub fn reset(&mut self) {
        self.values.clear();
        if self.in_hist {
            self.hist.reset();
            self.in_hist = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// The buffered selection and the histogram walk give the same figures for the same values,
    /// on both sides of the switch, for narrow and wide spreads and after resets.
    #[test]
    fn equals_the_histogram_for_the_same_values() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let mut interval = IntervalQuantiles::new();
        for case in 0..400 {
            let n = match case % 4 {
                0 => rng.random_range(1..10),
                1 => rng.random_range(10..BUFFERED),
                2 => BUFFERED + rng.random_range(0..2),
                _ => rng.random_range(BUFFERED..3 * BUFFERED),
            };
            let spread: u64 = [1_000, 1_000_000, 10_000_000_000][case % 3];
            let mut reference = LatencyStat::new();
            for _ in 0..n {
                let v = rng.random_range(0..spread);
                interval.record(v);
                reference.record(v);
            }
            let qs = [0.5, 0.99];
            assert_eq!(
                interval.quantiles_ms(qs),
                reference.quantiles_ms(qs),
                "case {case}: {n} values up to {spread} ns"
            );
            assert_eq!(interval.quantiles_ms([1.0]), reference.quantiles_ms([1.0]));
            interval.reset();
        }
        assert_eq!(interval.quantiles_ms([0.5]), [None]);
    }

    /// Values beyond the histogram's range saturate in both.
    #[test]
    fn saturated_values_agree() {
        let mut interval = IntervalQuantiles::new();
        let mut reference = LatencyStat::new();
        for v in [5_000_000, 7_200_000_000_000, u64::MAX / 2] {
            interval.record(v);
            reference.record(v);
        }
        assert_eq!(
            interval.quantiles_ms([0.5, 0.99]),
            reference.quantiles_ms([0.5, 0.99])
        );
    }
}
