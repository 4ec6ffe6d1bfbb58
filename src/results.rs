//! The results layer, above the statistics and the scenario: the figures of a run built from a
//! replication's [`crate::stats::recorder::Recorder`], their merge over replications with
//! Student-t intervals ([`summary`]), and the verdict against the scenario's `[slo]` ([`slo`]), and the studies' documents ([`studies`]).

pub mod precision;
pub mod slo;
pub mod studies;
pub mod summary;
