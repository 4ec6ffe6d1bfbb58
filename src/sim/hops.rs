//! The hops of the request path, in path order. Each owns its state and decides what happens to
//! an attempt at it; the world moves the attempt on.

pub(super) mod alb;
pub(super) mod app;
pub(super) mod balancing;
pub(super) mod client;
pub(super) mod gateway;
pub(super) mod load_balancer;
pub(super) mod sidecar;
