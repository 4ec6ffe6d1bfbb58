//! `simroute compare`: scenarios (or variants of one) side by side on the headline figures,
//! each against the first, with the difference and whether it is significant at 95%.
//!
//! Every variant runs the same replications with the same seeds (common random numbers), so
//! replication r of A and of B see the same arrivals; the paired t-test on the per-replication
//! differences then separates a real difference from seed noise with far fewer replications
//! than comparing two independent means.

use serde::Serialize;

use super::{HEADLINE, replication_values};
use crate::math::confidence::{mean_sd, t_cdf, t_quantile};
use crate::results::summary::{Count, Figures};

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

/// One figure of one variant in `compare.json`.
#[derive(Debug, Serialize)]
pub struct FigureJson {
    /// Figure label.
    pub figure: &'static str,
    /// Baseline mean.
    pub baseline: f64,
    /// The variant's mean.
    pub variant: f64,
    /// Mean paired difference.
    pub difference: f64,
    /// Its 95% half-width.
    pub ci95: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// Significant after Holm's correction.
    pub significant: bool,
}

/// One variant against the baseline in `compare.json`.
#[derive(Debug, Serialize)]
pub struct ComparisonJson<'a> {
    /// The variant's label.
    pub variant: &'a str,
    /// Its figures.
    pub figures: Vec<FigureJson>,
}

/// `compare.json`.
#[derive(Debug, Serialize)]
pub struct CompareJson<'a> {
    /// The baseline's label.
    pub baseline: &'a str,
    /// Every other variant against it.
    pub comparisons: Vec<ComparisonJson<'a>>,
}

/// The comparison as JSON: every variant against the first.
pub fn to_json<'a>(labels: &'a [String], diffs: &[Vec<Difference>]) -> CompareJson<'a> {
    CompareJson {
        baseline: &labels[0],
        comparisons: labels[1..]
            .iter()
            .zip(diffs)
            .map(|(label, ds)| ComparisonJson {
                variant: label,
                figures: ds
                    .iter()
                    .map(|d| FigureJson {
                        figure: d.figure,
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

/// Rows `(variant, figure, baseline, variant value, difference, ci95, p, significant)`.
pub fn rows(labels: &[String], diffs: &[Vec<Difference>]) -> Vec<Vec<String>> {
    labels[1..]
        .iter()
        .zip(diffs)
        .flat_map(|(label, ds)| {
            ds.iter().map(move |d| {
                vec![
                    label.clone(),
                    d.figure.to_string(),
                    format!("{:.6}", d.baseline),
                    format!("{:.6}", d.other),
                    format!("{:+.6}", d.difference),
                    format!("{:.6}", d.ci95),
                    format!("{:.4}", d.p_value),
                    if d.significant { "yes" } else { "no" }.to_string(),
                ]
            })
        })
        .collect()
}

/// The header of [`rows`].
pub const COLUMNS: [&str; 8] = [
    "variant",
    "figure",
    "baseline",
    "value",
    "difference",
    "ci95",
    "p_value",
    "significant",
];

/// The comparison as a Markdown table (also printed on stdout).
pub fn markdown(labels: &[String], diffs: &[Vec<Difference>]) -> String {
    let mut out = format!(
        "## Compared with `{}`\n\nPaired t-test over replications (common random numbers); significance at 95% with Holm's correction over the {} figures.\n\n",
        labels[0],
        HEADLINE.len()
    );
    out.push_str(
        "| variant | figure | baseline | value | difference (95% CI) | p | significant |\n",
    );
    out.push_str("|---|---|---:|---:|---:|---:|---|\n");
    for (label, ds) in labels[1..].iter().zip(diffs) {
        for d in ds {
            out.push_str(&format!(
                "| {label} | {} | {:.4} | {:.4} | {:+.4} ± {:.4} | {:.4} | {} |\n",
                d.figure,
                d.baseline,
                d.other,
                d.difference,
                d.ci95,
                d.p_value,
                if d.significant { "**yes**" } else { "no" }
            ));
        }
    }
    out
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
