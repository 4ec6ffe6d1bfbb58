//! Multi-run studies for design reviews, each one command: `sweep` (a grid of settings),
//! `compare` (scenarios side by side, with significance) and `plan` (the smallest task count
//! that meets the SLO). All of them run their replications in one rayon pool through
//! [`crate::replicate::run_many`], with common random numbers: points share their seed, so
//! the differences between them are the settings', not noise.

pub mod compare;
pub mod plan;
pub mod sweep;

use crate::results::summary::{Count, Figures};
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

/// A figure of each replication, in order (undefined figures are left out).
pub fn replication_values(per_replication: &[Figures<Count>], metric: SloMetric) -> Vec<f64> {
    per_replication
        .iter()
        .filter_map(|f| f.traffic.figure(metric))
        .collect()
}

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
