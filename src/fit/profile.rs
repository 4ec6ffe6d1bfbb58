//! Arrival-rate profiles: arrivals counted per interval, then adjacent intervals merged into
//! steps wherever their rates do not differ significantly.
//!
//! Merging is bottom-up: every interval starts as its own step; the adjacent pair whose rates
//! differ least (the smallest likelihood-ratio statistic of the Poisson test below) is merged,
//! and so on until every adjacent pair differs at the Bonferroni-corrected level
//! α / (intervals − 1), α = 0.01.
//!
//! The test: two steps with counts a and b over widths wa and wb have one common rate when,
//! given n = a + b, a is binomial with p = wa/(wa + wb). The statistic
//! G = 2 [a ln(a / (n p)) + b ln(b / (n (1 − p)))] is χ² with one degree of freedom under that
//! hypothesis; it is compared with the χ²₁ quantile z², z = Φ⁻¹(1 − α'/2).

use std::collections::BTreeMap;

use super::estimate::{Z95, normal_quantile};

/// One step of a fitted profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Start, seconds after the first arrival's whole second.
    pub start_s: f64,
    /// Width, seconds.
    pub width_s: f64,
    /// Arrivals in the step.
    pub count: u64,
}

impl Step {
    /// The rate, req/s.
    pub fn rate(&self) -> f64 {
        self.count as f64 / self.width_s
    }

    /// The 95% interval of the rate: ((√c ∓ z/2)²)/w, the variance-stabilized Poisson interval.
    pub fn rate_ci(&self) -> (f64, f64) {
        let r = (self.count as f64).sqrt();
        let lo = (r - Z95 / 2.0).max(0.0).powi(2) / self.width_s;
        let hi = (r + Z95 / 2.0).powi(2) / self.width_s;
        (lo, hi)
    }
}

/// The significance level of the whole profile's step tests.
pub const ALPHA: f64 = 0.01;

/// Counts per interval: `per_second` maps whole epoch seconds to arrivals; intervals of
/// `interval_s` start at `t0`, and the last one ends at `end` (exclusive), so it may be shorter.
pub fn bins(per_second: &BTreeMap<i64, u64>, t0: i64, end: i64, interval_s: i64) -> Vec<Step> {
    let n = ((end - t0) + interval_s - 1) / interval_s;
    let mut out: Vec<Step> = (0..n)
        .map(|i| {
            let start = i * interval_s;
            Step {
                start_s: start as f64,
                width_s: (interval_s.min(end - t0 - start)) as f64,
                count: 0,
            }
        })
        .collect();
    for (&sec, &c) in per_second {
        let i = ((sec - t0) / interval_s) as usize;
        out[i].count += c;
    }
    out
}

/// The likelihood-ratio statistic of "one rate" for two adjacent steps.
pub fn g_statistic(a: &Step, b: &Step) -> f64 {
    let n = (a.count + b.count) as f64;
    if n == 0.0 {
        return 0.0;
    }
    let p = a.width_s / (a.width_s + b.width_s);
    let term = |k: f64, e: f64| if k > 0.0 { k * (k / e).ln() } else { 0.0 };
    2.0 * (term(a.count as f64, n * p) + term(b.count as f64, n * (1.0 - p)))
}

/// The critical value of G for `intervals` intervals (Bonferroni over their adjacent pairs).
pub fn critical_value(intervals: usize) -> f64 {
    let pairs = intervals.saturating_sub(1).max(1) as f64;
    let z = normal_quantile(1.0 - ALPHA / pairs / 2.0);
    z * z
}

/// Merges adjacent bins whose rates do not differ significantly (see the module docs).
///
/// The candidates are kept in a heap (smallest G first, the leftmost on a tie) over a linked
/// list of steps, with stale pairs skipped when popped: O(m log m) for m intervals, so a day of
/// logs in 1 s intervals, or a log with a months-long gap, merges at once.
pub fn merge(bins: Vec<Step>) -> Vec<Step> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    #[derive(PartialEq)]
    struct G(f64);
    impl Eq for G {}
    impl PartialOrd for G {
        fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
            Some(self.cmp(other))
        }
    }
    impl Ord for G {
        fn cmp(&self, other: &Self) -> std::cmp::Ordering {
            self.0.total_cmp(&other.0)
        }
    }

    let m = bins.len();
    if m < 2 {
        return bins;
    }
    let crit = critical_value(m);
    let mut steps = bins;
    let mut next: Vec<usize> = (1..=m).collect(); // m = none
    let mut prev: Vec<usize> = (0..m).map(|i| i.wrapping_sub(1)).collect(); // usize::MAX = none
    let mut alive = vec![true; m];
    let mut version = vec![0u32; m];
    let mut heap = BinaryHeap::new();
    let push = |heap: &mut BinaryHeap<_>, steps: &[Step], version: &[u32], a: usize, b: usize| {
        heap.push(Reverse((
            G(g_statistic(&steps[a], &steps[b])),
            a,
            version[a],
            b,
            version[b],
        )));
    };
    for i in 0..m - 1 {
        push(&mut heap, &steps, &version, i, i + 1);
    }
    while let Some(Reverse((G(g), a, va, b, vb))) = heap.pop() {
        if !(alive[a] && alive[b] && version[a] == va && version[b] == vb && next[a] == b) {
            continue;
        }
        if g >= crit {
            break;
        }
        let (w, c) = (steps[b].width_s, steps[b].count);
        steps[a].width_s += w;
        steps[a].count += c;
        alive[b] = false;
        version[a] += 1;
        next[a] = next[b];
        if next[a] < m {
            prev[next[a]] = a;
            push(&mut heap, &steps, &version, a, next[a]);
        }
        if prev[a] != usize::MAX {
            push(&mut heap, &steps, &version, prev[a], a);
        }
    }
    steps
        .into_iter()
        .zip(alive)
        .filter_map(|(s, live)| live.then_some(s))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(start: f64, width: f64, count: u64) -> Step {
        Step {
            start_s: start,
            width_s: width,
            count,
        }
    }

    #[test]
    fn g_of_equal_rates_is_zero_and_grows_with_the_difference() {
        assert_eq!(
            g_statistic(&step(0.0, 60.0, 600), &step(60.0, 60.0, 600)),
            0.0
        );
        assert!(g_statistic(&step(0.0, 60.0, 600), &step(60.0, 30.0, 300)).abs() < 1e-12);
        // 600 vs 700 in equal widths: G ≈ (a − b)²/(a + b) = 7.69 for large counts.
        let g = g_statistic(&step(0.0, 60.0, 600), &step(60.0, 60.0, 700));
        assert!((g - 7.69).abs() < 0.05, "{g}");
    }

    #[test]
    fn critical_values() {
        // One pair at α = 0.01: χ²₁ 0.99 quantile 6.635.
        assert!((critical_value(2) - 6.635).abs() < 1e-3);
        assert!(critical_value(100) > critical_value(10));
    }

    #[test]
    fn bins_cover_the_span_with_a_short_last_one() {
        let per_second: BTreeMap<i64, u64> = [(100, 2), (159, 1), (160, 5), (205, 1)].into();
        let b = bins(&per_second, 100, 206, 60);
        assert_eq!(b, vec![step(0.0, 60.0, 3), step(60.0, 46.0, 6)]);
    }

    #[test]
    fn merge_keeps_real_steps_only() {
        let b = vec![
            step(0.0, 60.0, 600),
            step(60.0, 60.0, 612),
            step(120.0, 60.0, 1800),
            step(180.0, 60.0, 1795),
            step(240.0, 30.0, 302),
        ];
        let m = merge(b);
        assert_eq!(
            m,
            vec![
                step(0.0, 120.0, 1212),
                step(120.0, 120.0, 3595),
                step(240.0, 30.0, 302)
            ]
        );
    }

    /// A quarter of a million intervals, mostly empty, merge quickly and to the right steps.
    #[test]
    fn merge_is_fast_on_long_gaps() {
        let mut b: Vec<Step> = (0..250_000)
            .map(|i| step(f64::from(i) * 60.0, 60.0, 0))
            .collect();
        b[0].count = 5;
        b[249_999].count = 40;
        let started = std::time::Instant::now();
        let m = merge(b);
        assert!(started.elapsed().as_secs_f64() < 5.0);
        assert_eq!(m.len(), 3, "{m:?}");
        assert_eq!((m[0].count, m[1].count, m[2].count), (5, 0, 40));
    }
}
