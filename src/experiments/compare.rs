//! `simroute compare`: scenarios (or variants of one) side by side on the headline figures,
//! each against the first, with the difference and whether it is significant at 95%.
//!
//! Every variant runs the same replications with the same seeds (common random numbers), so
//! replication r of A and of B see the same arrivals; the paired t-test on the per-replication
//! differences then separates a real difference from seed noise with far fewer replications
//! than comparing two independent means.

use super::{HEADLINE, replication_values};
use crate::math::confidence::{mean_sd, t_cdf, t_quantile};
use crate::results::studies::{
    CompareDoc, ComparisonDoc, FaultDoc, FigureDoc, RouteDoc, Value, VariantDoc,
};
use crate::results::summary::{Count, Figures, Leaf, Summary};
use crate::scenario::Override;

/// One figure compared between the baseline and another variant.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// Figure label.
    pub figure: &'static str,
    /// Baseline mean.
    pub baseline: f64,
    /// Other variant's mean.
    pub other: f64,
    /// `other − baseline`, mean of the paired differences.
    pub difference: f64,
    /// 95% half-width of the difference.
    pub ci95: f64,
    /// Two-sided p-value of the paired t-test.
    pub p_value: f64,
    /// Significant at 95% after Holm's correction over the figures compared, so that a
    /// seed-only difference is flagged on some figure no more than 5% of the time.
    pub significant: bool,
}

/// Paired comparison of two samples of equal length (replication r against replication r).
pub fn paired(baseline: &[f64], other: &[f64]) -> Option<(f64, f64, f64)> {
    if baseline.len() != other.len() || baseline.len() < 2 {
        return None;
    }
    let d: Vec<f64> = other.iter().zip(baseline).map(|(b, a)| b - a).collect();
    let (mean, sd) = mean_sd(&d);
    let n = d.len() as f64;
    let se = sd / n.sqrt();
    let df = n - 1.0;
    if se == 0.0 {
        // Identical replications differ by exactly this much: certain, or no difference.
        return Some((mean, 0.0, if mean == 0.0 { 1.0 } else { 0.0 }));
    }
    let t = (mean / se).abs();
    let p = 2.0 * (1.0 - t_cdf(t, df));
    Some((mean, t_quantile(0.975, df) * se, p.clamp(0.0, 1.0)))
}

/// Compares `other` with `baseline` on every headline figure.
pub fn differences(baseline: &[Figures<Count>], other: &[Figures<Count>]) -> Vec<Difference> {
    let mut diffs: Vec<Difference> = HEADLINE
        .iter()
        .filter_map(|&(figure, metric, _)| {
            let a = replication_values(baseline, metric);
            let b = replication_values(other, metric);
            let (difference, ci95, p_value) = paired(&a, &b)?;
            Some(Difference {
                figure,
                baseline: mean_sd(&a).0,
                other: mean_sd(&b).0,
                difference,
                ci95,
                p_value,
                significant: false,
            })
        })
        .collect();
    holm(&mut diffs, 0.05);
    diffs
}

/// Holm–Bonferroni: walking the p-values from the smallest, the i-th (from 0) of m is
/// significant while it is below `alpha / (m − i)`; the first that is not stops the walk.
fn holm(diffs: &mut [Difference], alpha: f64) {
    let m = diffs.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| diffs[a].p_value.total_cmp(&diffs[b].p_value));
    for (rank, &i) in order.iter().enumerate() {
        if diffs[i].p_value < alpha / (m - rank) as f64 {
            diffs[i].significant = true;
        } else {
            break;
        }
    }
}

/// One variant of the comparison: label, the overrides it sets, its summary.
#[derive(Debug, Clone, Copy)]
pub struct Variant<'a> {
    /// The label.
    pub label: &'a str,
    /// What it sets (empty for the baseline and compared files).
    pub settings: &'a [Override],
    /// Its summary document (means over replications, half-widths, SLO verdict).
    pub doc: &'a Summary,
}

fn value(v: Option<f64>, ci: Option<f64>) -> Value {
    Value { value: v, ci95: ci }
}

/// A variant's own figures for `compare.json`.
pub fn variant_json(v: &Variant<'_>) -> VariantDoc {
    let f = &v.doc.figures;
    let ci = v.doc.ci95.as_ref();
    let cit = ci.map(|c| &c.traffic);
    let faults = f.faults.as_deref().unwrap_or(&[]);
    VariantDoc {
        variant: v.label.to_string(),
        settings: v
            .settings
            .iter()
            .map(|o| (o.path.clone(), o.typed()))
            .collect(),
        replications: v.doc.replications,
        slo_passed: v.doc.slo.as_ref().map(|s| s.passed),
        slo: v.doc.slo.clone(),
        throughput_rps: value(f.traffic.throughput_rps, cit.and_then(|c| c.throughput_rps)),
        error_rate: value(f.traffic.error_rate, cit.and_then(|c| c.error_rate)),
        p99_ms: value(f.traffic.latency_ms.p99, cit.and_then(|c| c.latency_ms.p99)),
        requests_lost: value(
            f.traffic.requests.failed.value(),
            cit.and_then(|c| c.requests.failed),
        ),
        faults: faults
            .iter()
            .enumerate()
            .map(|(i, x)| {
                let c = ci.and_then(|c| c.faults.as_ref()).and_then(|c| c.get(i));
                FaultDoc {
                    detected_after_s: value(x.detected_after_s, c.and_then(|c| c.detected_after_s)),
                    recovered_after_s: value(
                        x.recovered_after_s,
                        c.and_then(|c| c.recovered_after_s),
                    ),
                    failed_attempts: value(
                        x.failed_requests.value(),
                        c.and_then(|c| c.failed_requests),
                    ),
                }
            })
            .collect(),
        routes: f
            .routes
            .iter()
            .map(|(name, r)| {
                let c = ci.and_then(|c| c.routes.get(name));
                let route = RouteDoc {
                    error_rate: value(r.error_rate, c.and_then(|c| c.error_rate)),
                    p99_ms: value(r.latency_ms.p99, c.and_then(|c| c.latency_ms.p99)),
                };
                (name.clone(), route)
            })
            .collect(),
    }
}

/// The comparison as `compare.json`: the baseline's name and interval, every variant's own
/// figures, and every variant against the first.
pub fn to_json(
    baseline: &Summary,
    labels: &[String],
    variants: Vec<VariantDoc>,
    diffs: &[Vec<Difference>],
) -> CompareDoc {
    CompareDoc {
        scenario: baseline.scenario.clone(),
        baseline: labels[0].clone(),
        timeseries_interval_s: baseline.timeseries_interval_s,
        variants,
        comparisons: labels[1..]
            .iter()
            .zip(diffs)
            .map(|(label, ds)| ComparisonDoc {
                variant: label.clone(),
                figures: ds
                    .iter()
                    .map(|d| FigureDoc {
                        figure: d.figure.to_string(),
                        baseline: d.baseline,
                        variant: d.other,
                        difference: d.difference,
                        ci95: d.ci95,
                        p_value: d.p_value,
                        significant: d.significant,
                    })
                    .collect(),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paired_test_sees_a_consistent_shift_and_ignores_noise() {
        let a = [10.0, 12.0, 9.0, 11.0, 10.5];
        let shifted: Vec<f64> = a.iter().map(|x| x + 1.0 + 0.01 * x).collect();
        let (d, _, p) = paired(&a, &shifted).unwrap();
        assert!(d > 1.0 && p < 0.001, "d {d} p {p}");
        let noise = [10.2, 11.7, 9.3, 10.8, 10.6];
        let (_, _, p) = paired(&a, &noise).unwrap();
        assert!(p > 0.05, "p {p}");
        assert_eq!(paired(&a, &a).unwrap().2, 1.0);
        assert!(paired(&a[..1], &a[..1]).is_none());
    }

    #[test]
    fn holm_is_stricter_than_each_test_alone() {
        let d = |p: f64| Difference {
            figure: "x",
            baseline: 0.0,
            other: 0.0,
            difference: 0.0,
            ci95: 0.0,
            p_value: p,
            significant: false,
        };
        let mut ds = vec![d(0.04), d(0.5), d(0.001)];
        holm(&mut ds, 0.05);
        // 0.001 < 0.05/3; then 0.04 is not below 0.05/2, which stops the walk.
        assert_eq!(
            ds.iter().map(|d| d.significant).collect::<Vec<_>>(),
            vec![false, false, true]
        );
    }
}
