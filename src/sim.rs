//! The request-path simulation: the scenario's hops and control processes driven by the event
//! core (`crate::engine`), observed by a `crate::stats::recorder::Recorder`.
//!
//! ```text
//!  world.rs: the loop ── hands each Event to its owner ──▶ hops/ (request path)
//!     │                                                    client → gateway → load_balancer
//!     │  acts on what they decide: next hop after a delay,   (balancing, alb) → sidecar → app
//!     │  an answer, a timer, a reset                       control/ (processes on the fleet)
//!     ▼                                                    elb_health, ecs, faults,
//!  ctx.rs: clock, event queue, timers, recorder            autoscaling, cloud_map
//! ```
//! `attempt.rs` is what travels (its kind, phase and holdings as typed fields), `path.rs` each
//! source's resolved path and failure translation, `targets.rs` the groups' and targets' state.
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
