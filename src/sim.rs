//! The request-path simulation: the scenario's hops (from `crate::model`) driven by the event
//! core (`crate::engine`), observed by a `crate::stats::recorder::Recorder`.
//!
//! ```text
//!   Arrival ──▶ balancer picks a target ──▶ app stage: start | queue | 503
//!                                               │
//!   ClientTimeout (lazy: stale if answered)     ▼
//!                                           AppDone ──▶ response; next queued request starts
//! ```
//! One replication is one call to [`run`], on one thread, with nothing shared.

mod event;
mod world;

pub use event::Event;
pub use world::{DefaultQueue, RunOutput, run, run_with_queue};
