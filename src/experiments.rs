//! Multi-run studies for design reviews, each one command: `sweep` (a grid of settings),
//! `compare` (scenarios side by side, with significance) and `plan` (the smallest task count
//! that meets the SLO). All of them run their replications in one rayon pool through
//! [`crate::replicate::run_many`], with common random numbers: points share their seed, so
//! the differences between them are the settings', not noise.

pub mod compare;
pub mod plan;
pub mod sweep;

use serde_json::Value;

use crate::results::summary::lookup;

/// The figures every study reports, as `(label, path in the figure tree, better when lower)`.
pub const HEADLINE: [(&str, &str, bool); 6] = [
    ("throughput (ok/s)", "throughput_rps", false),
    ("error rate", "error_rate", true),
    ("mean latency (ms)", "latency_ms.mean", true),
    ("p50 latency (ms)", "latency_ms.p50", true),
    ("p99 latency (ms)", "latency_ms.p99", true),
    ("p99.9 latency (ms)", "latency_ms.p999", true),
];

/// A figure of each replication, in order (undefined figures are left out).
pub fn replication_values(per_replication: &[Value], path: &str) -> Vec<f64> {
    per_replication
        .iter()
        .filter_map(|v| lookup(v, path).and_then(Value::as_f64))
        .collect()
}
