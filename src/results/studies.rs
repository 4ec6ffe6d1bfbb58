//! The documents the design-review studies write, `compare.json` and `plan.json`, as owned
//! types that serialize and deserialize: `experiments/` builds them, `report/` renders
//! `compare.md`, `plan.md`, the CSV tables and the charts from them, both from the bytes read
//! back, so `simroute report DIR` redraws a study's folder byte for byte. They live here, below
//! both (one layer may not import the other), with what both need: the headline figures and the
//! text tables.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::summary::{Count, Fig, Figures, HalfWidth, SloVerdict};
use crate::vocab::SloMetric;

/// The figures every study reports, as `(label, figure, better when lower)`.
pub const HEADLINE: [(&str, SloMetric, bool); 6] = [
    ("throughput (ok/s)", SloMetric::MinThroughputRps, false),
    ("error rate", SloMetric::ErrorRate, true),
    ("mean latency (ms)", SloMetric::MeanMs, true),
    ("p50 latency (ms)", SloMetric::P50Ms, true),
    ("p99 latency (ms)", SloMetric::P99Ms, true),
    ("p99.9 latency (ms)", SloMetric::P999Ms, true),
];

/// Rows of cells (the first the header) as aligned text (`markdown = false`: right-aligned
/// columns, two spaces apart, indented) or as a Markdown table.
pub fn render_rows(rows: &[Vec<String>], markdown: bool) -> String {
    let mut out = String::new();
    let Some(header) = rows.first() else {
        return out;
    };
    if markdown {
        out.push_str(&format!("| {} |\n", header.join(" | ")));
        out.push_str(&format!("|{}\n", "---|".repeat(header.len())));
        for r in &rows[1..] {
            out.push_str(&format!("| {} |\n", r.join(" | ")));
        }
        return out;
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| r.get(i).map_or(0, |c| c.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    for r in rows {
        let line: Vec<String> = r
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:>w$}"))
            .collect();
        out.push_str(&format!("  {}\n", line.join("  ").trim_end()));
    }
    out
}

/// `compare.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompareDoc {
    /// The baseline's `simulation.name`.
    pub scenario: String,
    /// The baseline's label.
    pub baseline: String,
    /// Width of an interval of `timeseries.csv`, s (the baseline's).
    pub timeseries_interval_s: f64,
    /// Every variant's own figures, baseline first.
    pub variants: Vec<VariantDoc>,
    /// Every other variant against it.
    pub comparisons: Vec<ComparisonDoc>,
}

/// A figure and the half-width of its 95% interval (`null`: undefined, or one replication).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Value {
    /// The mean over replications.
    pub value: Fig,
    /// Its 95% half-width.
    pub ci95: Fig,
}

/// One variant's own figures in `compare.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantDoc {
    /// The label.
    pub variant: String,
    /// What it sets (`--variant` keys and their typed values; empty for the baseline or for
    /// compared files).
    pub settings: IndexMap<String, serde_json::Value>,
    /// Replications run.
    pub replications: u32,
    /// Its `[slo]` verdict (`null`: no `[slo]`).
    pub slo_passed: Option<bool>,
    /// The verdict's checks, with their thresholds (absent: no `[slo]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slo: Option<SloVerdict>,
    /// Ok responses per second.
    pub throughput_rps: Value,
    /// Failed / completed.
    pub error_rate: Value,
    /// p99 latency of successful requests, ms.
    pub p99_ms: Value,
    /// Requests whose clients got a failure (every cause).
    pub requests_lost: Value,
    /// Per fault, in `[[faults]]` order.
    pub faults: Vec<FaultDoc>,
    /// Per route.
    pub routes: IndexMap<String, RouteDoc>,
}

/// One fault's figures in a variant.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FaultDoc {
    /// From the fault to the first hit target marked unhealthy, s.
    pub detected_after_s: Value,
    /// From the fault to the group whole again, s.
    pub recovered_after_s: Value,
    /// Attempts that failed at the hit targets.
    pub failed_attempts: Value,
}

/// One route's figures in a variant.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RouteDoc {
    /// Failed / completed.
    pub error_rate: Value,
    /// p99 latency of successful requests, ms.
    pub p99_ms: Value,
}

/// One variant against the baseline in `compare.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparisonDoc {
    /// The variant's label.
    pub variant: String,
    /// Its figures.
    pub figures: Vec<FigureDoc>,
}

/// One figure of one variant against the baseline in `compare.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FigureDoc {
    /// Figure label (of [`HEADLINE`]).
    pub figure: String,
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

/// `plan.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanDoc {
    /// The target group sized.
    pub target_group: String,
    /// Tasks lost.
    pub fail: u32,
    /// Lost at the peak.
    pub at_peak: bool,
    /// The largest count the search could try (`--max-tasks`).
    pub max_tasks: u32,
    /// The scenario's own faults of the group that `--fail` replaced, in words.
    pub replaced_faults: Vec<String>,
    /// Erlang C's first guess.
    pub analytic_estimate: Option<u32>,
    /// The smallest passing evaluation.
    pub recommended: Option<EvaluationDoc>,
    /// The largest failing count below it.
    pub runner_up: Option<EvaluationDoc>,
    /// Every evaluation, in the order made.
    pub evaluations: Vec<EvaluationDoc>,
    /// The prices the costs use (absent without `[pricing]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pricing: Option<PricingDoc>,
}

/// One evaluation in `plan.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluationDoc {
    /// Tasks.
    pub tasks: u32,
    /// Label of the health-check settings.
    pub health_check: String,
    /// Replications run (that finished).
    pub replications: u32,
    /// Verdict: `pass`, `fail`, `marginal pass`, `marginal fail` or `unstable: offered load ≥
    /// capacity`.
    pub verdict: String,
    /// The tightest check.
    pub binding: Option<BindingDoc>,
    /// Merged figures (`null`: unstable, stopped at the memory bound).
    pub figures: Option<Figures<Count>>,
    /// Their 95% half-widths.
    pub ci95: Option<Figures<HalfWidth>>,
    /// `tasks` for a month at `[pricing]`, USD (absent without `[pricing]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_usd_per_month: Option<f64>,
}

/// The tightest SLO check of an evaluation in `plan.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BindingDoc {
    /// The check: its metric, and its route or target group when it has one.
    pub check: String,
    /// Its threshold.
    pub threshold: f64,
    /// The figure at the 95% interval's bad edge (`null`: undefined).
    pub at_interval_edge: Option<f64>,
    /// Room at that edge relative to the threshold, signed: positive on the good side,
    /// negative by how far it misses (`null`: the figure is undefined).
    pub slack: Option<f64>,
}

/// `[pricing]` as `plan.json` states it, so a cost can be checked by hand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PricingDoc {
    /// vCPUs per task.
    pub vcpu_per_task: f64,
    /// Memory per task, GiB.
    pub memory_gib_per_task: f64,
    /// USD per vCPU-hour.
    pub usd_per_vcpu_hour: f64,
    /// USD per GiB-hour.
    pub usd_per_gib_hour: f64,
    /// Hours in a month.
    pub hours_per_month: f64,
    /// One task for a month, USD.
    pub usd_per_task_month: f64,
}

#[cfg(test)]
mod tests {
    #[test]
    fn rows_render_aligned_or_as_markdown() {
        let rows = vec![
            vec!["a".to_string(), "bb".to_string()],
            vec!["ccc".to_string(), "d".to_string()],
        ];
        assert_eq!(super::render_rows(&rows, false), "    a  bb\n  ccc   d\n");
        assert_eq!(
            super::render_rows(&rows, true),
            "| a | bb |\n|---|---|\n| ccc | d |\n"
        );
    }
}
