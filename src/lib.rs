//! # simroute
//!
//! A deterministic discrete-event simulator and capacity planner for the request path of
//! container APIs on AWS.
//!
//! ```text
//!  client ─▶ API Gateway ─▶ VPC link ─▶ load balancer ─▶ target group ─▶ ECS task
//!  (traffic)  (route, authorizer,        (NLB port        (balancing,     nginx :9000
//!             throttling)                listener)        health)         └▶ app :9001
//! ```
//!
//! The crate is laid out like the path of a run:
//!
//! | module | job |
//! |---|---|
//! | [`vocab`] | the ground floor: enums every layer speaks (failures, stage kinds, algorithms, ...) |
//! | [`math`] | closed forms: Student-t intervals, `ln_gamma`, Erlang C |
//! | [`scenario`] | TOML → checked, index-based [`scenario::Scenario`] (errors name field and line) |
//! | [`engine`] | the AWS-agnostic core: integer time, `(time, seq)` event queue, slab, RNG streams |
//! | [`model`] | one file per hop: arrivals, balancing, the workers + FIFO stage |
//! | [`sim`] | the event loop: one `match` over a small `Copy` event enum |
//! | [`stats`] | streaming statistics: HDR histograms, time-weighted means, time series, CIs |
//! | [`results`] | a run's figures (merged over replications) and the SLO verdict |
//! | [`replicate`] | replications in parallel (rayon), merged in order |
//! | [`experiments`] | sweeps, comparisons and the capacity planner |
//! | [`fit`] | `simroute fit`: service times, rate profiles and status mixes from access logs |
//! | [`report`] | pure renderers to bytes (JSON, CSV, tables) and the atomic folder write |
//! | [`import`] | `simroute import`: CloudFormation, OpenAPI or Terraform to a scenario |
//! | [`budget`] | estimates a command's work and refuses what cannot finish |
//! | [`signals`] | SIGINT/SIGTERM: remove temporary folders, exit 130/143 |
//! | [`cli`] | the `simroute` command line |
//! | [`bench`] | `simroute bench`: events/s, requests/s and peak memory |
#![warn(missing_docs)]

pub mod bench;
pub mod budget;
pub mod cli;
pub mod engine;
pub mod experiments;
pub mod fit;
pub mod import;
pub mod math;
pub mod model;
pub mod replicate;
pub mod report;
pub mod results;
pub mod scenario;
pub mod signals;
pub mod sim;
pub mod stats;
pub mod vocab;
