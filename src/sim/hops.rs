//! The hops of the request path, in path order. Each owns its state and decides what happens to
//! an attempt at it, returning a [`Step`](super::path::Step); the world moves the attempt on
//! along its path (`path.rs`). A hop never calls the next one.

pub(super) mod alb;
pub(super) mod app;
pub(super) mod balancing;
pub(super) mod client;
pub(super) mod gateway;
pub(super) mod load_balancer;
pub(super) mod sidecar;

use super::control::cloud_map::DnsScratch;
use super::ctx::Ctx;
use super::path::Paths;
use super::targets::GroupState;

/// What a hop may touch besides its attempt: the shared context and the state of the parts on
/// the way (the world lends its fields for one step).
pub(super) struct Parts<'w, 'a> {
    pub ctx: &'w mut Ctx<'a>,
    pub groups: &'w mut [GroupState],
    pub clients: &'w mut client::Clients,
    pub dns: &'w mut DnsScratch,
    pub albs: &'w mut alb::AlbPools,
    pub paths: &'w Paths,
}
