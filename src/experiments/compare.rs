//! `simroute compare`: scenarios (or variants of one) side by side on the headline figures,
//! each against the first, with the difference and whether it is significant at 95%.
//!
//! Every variant runs the same replications with the same seeds (common random numbers), so
//! replication r of A and of B see the same arrivals; the paired t-test on the per-replication
//! differences then separates a real difference from seed noise with far fewer replications
//! than comparing two independent means.

use serde::Serialize;

use indexmap::IndexMap;

use super::{HEADLINE, render_rows, replication_values};
use crate::math::confidence::{mean_sd, t_cdf, t_quantile};
use crate::results::summary::{Count, Fig, Figures, Leaf, Summary};
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
    /// Every variant's own figures, baseline first.
    pub variants: Vec<VariantJson<'a>>,
    /// Every other variant against it.
    pub comparisons: Vec<ComparisonJson<'a>>,
}

/// A figure and the half-width of its 95% interval (`null`: undefined, or one replication).
#[derive(Debug, Serialize)]
pub struct Value {
    /// The mean over replications.
    pub value: Fig,
    /// Its 95% half-width.
    pub ci95: Fig,
}

/// One fault's figures in a variant.
#[derive(Debug, Serialize)]
pub struct FaultJson {
    /// From the fault to the first hit target marked unhealthy, s.
    pub detected_after_s: Value,
    /// From the fault to the group whole again, s.
    pub recovered_after_s: Value,
    /// Attempts that failed at the hit targets.
    pub failed_attempts: Value,
}

/// One route's figures in a variant.
#[derive(Debug, Serialize)]
pub struct RouteJson {
    /// Failed / completed.
    pub error_rate: Value,
    /// p99 latency of successful requests, ms.
    pub p99_ms: Value,
}

/// One variant's own figures in `compare.json`.
#[derive(Debug, Serialize)]
pub struct VariantJson<'a> {
    /// The label.
    pub variant: &'a str,
    /// What it sets (`--variant` keys and their typed values; empty for the baseline or for
    /// compared files).
    pub settings: IndexMap<String, serde_json::Value>,
    /// Replications run.
    pub replications: u32,
    /// Its `[slo]` verdict (`null`: no `[slo]`).
    pub slo_passed: Option<bool>,
    /// Ok responses per second.
    pub throughput_rps: Value,
    /// Failed / completed.
    pub error_rate: Value,
    /// p99 latency of successful requests, ms.
    pub p99_ms: Value,
    /// Requests whose clients got a failure (every cause).
    pub requests_lost: Value,
    /// Per fault, in `[[faults]]` order.
    pub faults: Vec<FaultJson>,
    /// Per route.
    pub routes: IndexMap<String, RouteJson>,
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
pub fn variant_json<'a>(v: &Variant<'a>) -> VariantJson<'a> {
    let f = &v.doc.figures;
    let ci = v.doc.ci95.as_ref();
    let cit = ci.map(|c| &c.traffic);
    let faults = f.faults.as_deref().unwrap_or(&[]);
    VariantJson {
        variant: v.label,
        settings: v
            .settings
            .iter()
            .map(|o| (o.path.clone(), o.typed()))
            .collect(),
        replications: v.doc.replications,
        slo_passed: v.doc.slo.as_ref().map(|s| s.passed),
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
                FaultJson {
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
                let route = RouteJson {
                    error_rate: value(r.error_rate, c.and_then(|c| c.error_rate)),
                    p99_ms: value(r.latency_ms.p99, c.and_then(|c| c.latency_ms.p99)),
                };
                (name.clone(), route)
            })
            .collect(),
    }
}

/// A figure with its half-width: `12.34 ± 0.56`, `–` when undefined.
fn shown(v: &Value, decimals: usize) -> String {
    match (v.value, v.ci95) {
        (Some(x), Some(c)) => format!("{x:.decimals$} ± {c:.decimals$}"),
        (Some(x), None) => format!("{x:.decimals$}"),
        _ => "–".into(),
    }
}

/// The variants' own figures as tables (headline figures; faults; routes), aligned text or
/// Markdown: what a fault scenario asks (time to detect and to recover, failed attempts,
/// requests lost) and what each route's clients got, beside the difference tables.
pub fn variant_tables(variants: &[VariantJson<'_>], markdown: bool) -> String {
    let title = |t: &str| {
        if markdown {
            format!("### {t}\n\n")
        } else {
            format!("{t}\n")
        }
    };
    let header = |h: &[&str]| h.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let mut out = title("Variants");
    let mut rows = vec![header(&[
        "variant",
        "replications",
        "ok/s",
        "error rate",
        "p99 ms",
        "requests lost",
        "SLO",
    ])];
    for v in variants {
        rows.push(vec![
            v.variant.to_string(),
            v.replications.to_string(),
            shown(&v.throughput_rps, 1),
            shown(&v.error_rate, 5),
            shown(&v.p99_ms, 2),
            shown(&v.requests_lost, 0),
            match v.slo_passed {
                Some(true) => "pass".into(),
                Some(false) => "FAIL".into(),
                None => "–".into(),
            },
        ]);
    }
    out.push_str(&render_rows(&rows, markdown));
    if variants.iter().any(|v| !v.faults.is_empty()) {
        out.push('\n');
        out.push_str(&title("Faults"));
        let mut rows = vec![header(&[
            "variant",
            "fault",
            "detected after (s)",
            "recovered after (s)",
            "failed attempts",
        ])];
        for v in variants {
            for (i, f) in v.faults.iter().enumerate() {
                rows.push(vec![
                    v.variant.to_string(),
                    i.to_string(),
                    shown(&f.detected_after_s, 1),
                    shown(&f.recovered_after_s, 1),
                    shown(&f.failed_attempts, 0),
                ]);
            }
        }
        out.push_str(&render_rows(&rows, markdown));
    }
    if variants.iter().any(|v| v.routes.len() > 1) {
        out.push('\n');
        out.push_str(&title("Routes"));
        let mut rows = vec![header(&["variant", "route", "error rate", "p99 ms"])];
        for v in variants {
            for (name, r) in &v.routes {
                rows.push(vec![
                    v.variant.to_string(),
                    name.clone(),
                    shown(&r.error_rate, 5),
                    shown(&r.p99_ms, 2),
                ]);
            }
        }
        out.push_str(&render_rows(&rows, markdown));
    }
    out
}

/// The comparison as JSON: every variant's own figures, and every variant against the first.
pub fn to_json<'a>(
    labels: &'a [String],
    variants: Vec<VariantJson<'a>>,
    diffs: &[Vec<Difference>],
) -> CompareJson<'a> {
    CompareJson {
        baseline: &labels[0],
        variants,
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

/// The comparison for people, as Markdown (`compare.md`, `--format markdown`) or aligned
/// text (`--format table`): the difference of every figure from the baseline, then each
/// variant's own figures ([`variant_tables`]).
pub fn render(
    labels: &[String],
    diffs: &[Vec<Difference>],
    variants: &[VariantJson<'_>],
    markdown: bool,
) -> String {
    let note = format!(
        "Paired t-test over replications (common random numbers); significance at 95% with Holm's correction over the {} figures.",
        HEADLINE.len()
    );
    let mut out = if markdown {
        format!("## Compared with `{}`\n\n{note}\n\n", labels[0])
    } else {
        format!("compared with {}\n{note}\n\n", labels[0])
    };
    let mut rows = vec![
        [
            "variant",
            "figure",
            "baseline",
            "value",
            "difference (95% CI)",
            "p",
            "significant",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for (label, ds) in labels[1..].iter().zip(diffs) {
        for d in ds {
            rows.push(vec![
                label.clone(),
                d.figure.to_string(),
                format!("{:.4}", d.baseline),
                format!("{:.4}", d.other),
                format!("{:+.4} ± {:.4}", d.difference, d.ci95),
                format!("{:.4}", d.p_value),
                match (d.significant, markdown) {
                    (true, true) => "**yes**".into(),
                    (true, false) => "yes".into(),
                    _ => "no".into(),
                },
            ]);
        }
    }
    out.push_str(&render_rows(&rows, markdown));
    out.push('\n');
    out.push_str(&variant_tables(variants, markdown));
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
