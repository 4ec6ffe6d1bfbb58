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
pub fn merge(bins: Vec<Step>) -> Vec<Step> {
    let crit = critical_value(bins.len());
    let mut steps = bins;
    while steps.len() > 1 {
        let (i, g) = steps
            .windows(2)
            .map(|w| g_statistic(&w[0], &w[1]))
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .expect("two steps");
        if g >= crit {
            break;
        }
        let b = steps.remove(i + 1);
        let a = &mut steps[i];
        a.width_s += b.width_s;
        a.count += b.count;
    }
    steps
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
        assert_eq!(g_statistic(&step(0.0, 60.0, 600), &step(60.0, 60.0, 600)), 0.0);
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
}
