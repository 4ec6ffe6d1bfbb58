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
