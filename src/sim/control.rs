//! The control processes acting on a target group's fleet over time: ELB health checks, the
//! ECS scheduler, injected faults, autoscaling, and Cloud Map with ECS container checks. Each is
//! a set of methods on the group's state (`targets::GroupState`) taking the shared context.

pub(super) mod autoscaling;
pub(super) mod cloud_map;
pub(super) mod ecs;
pub(super) mod elb_health;
pub(super) mod faults;
