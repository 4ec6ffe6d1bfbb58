//! The model of each hop on the request path, as plain data plus methods. No trait objects:
//! the simulator (`crate::sim`) owns one struct per hop and calls them from its event `match`.

pub mod authorizer;
pub mod balancer;
pub mod container_health;
pub mod discovery;
pub mod health;
pub mod listener_rules;
pub mod nginx;
pub mod retry;
pub mod routing;
pub mod source;
pub mod stage;
pub mod token_bucket;
