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

pub use crate::results::studies::{HEADLINE, render_rows};

/// A figure of each replication, in order (undefined figures are left out).
pub fn replication_values(per_replication: &[Figures<Count>], metric: SloMetric) -> Vec<f64> {
    per_replication
        .iter()
        .filter_map(|f| f.traffic.figure(metric))
        .collect()
}
