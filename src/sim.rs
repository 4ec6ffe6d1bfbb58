//! The request-path simulation: the scenario's hops and control processes driven by the event
//! core (`crate::engine`), observed by a `crate::stats::recorder::Recorder`.
//!
//! ```text
//!  world.rs: the loop ── hands each Event to its owner ──▶ control/ (processes on the fleet)
//!     │                                                    elb_health, ecs, faults,
//!     │  advance(attempt): path[pos] ─▶ hops/              autoscaling, cloud_map
//!     │     gateway | pick | alb | connect | sidecar | app ─▶ Step
//!     │  takes the Step: next hop (now, or after a delay), an answer, wait
//!     ▼
//!  ctx.rs: clock, event queue, timers, recorder
//! ```
//! `attempt.rs` is what travels (its kind, its path and place on it, what it holds, as typed
//! fields), `path.rs` each path's hops in order and its failure translation, `targets.rs` the
//! groups' and targets' state.
//! One replication is one call to [`run`], on one thread, with nothing shared.

mod attempt;
mod control;
mod ctx;
mod event;
mod hops;
mod path;
mod targets;
mod timers;
mod world;

pub use ctx::DefaultQueue;
pub use event::Event;
pub use world::{RunOutput, run, run_keeping};
