//! The harness the model-level integration tests share: a scenario from TOML text, one
//! replication of it, and the figures tests read off its recorder. Each test file states its
//! scenario as TOML (what users write), so a test reads as the behaviour it checks.
#![allow(dead_code)] // each test binary uses the part it needs

use std::path::Path;

use simroute::scenario::{Scenario, load_str};
use simroute::sim;
use simroute::stats::recorder::Recorder;
use simroute::vocab::Failure;

/// The checked scenario of `toml` (relative files from the current folder); a test scenario
/// that does not load is a bug in the test, reported with its text.
pub fn scenario(toml: &str) -> Scenario {
    match load_str(toml, Path::new("."), &[]) {
        Ok((sc, _)) => sc,
        Err(e) => panic!("bad test scenario: {e}\n{toml}"),
    }
}

/// What replication 0 of `sc` observed.
pub fn run(sc: &Scenario) -> Recorder {
    run_replication(sc, 0)
}

/// What replication `replication` of `sc` observed.
pub fn run_replication(sc: &Scenario, replication: u32) -> Recorder {
    sim::run(sc, replication, None).recorder
}

/// Requests (logical, measured window) that failed with `f`.
pub fn failures(rec: &Recorder, f: Failure) -> u64 {
    rec.counts.failures[f.index()]
}

/// Requests of route `route` that failed with `f`.
pub fn route_failures(rec: &Recorder, route: usize, f: Failure) -> u64 {
    rec.routes[route].counts.failures[f.index()]
}

/// When the first `events.csv` row of `kind` going `to` at or after `after` (ns) was written.
pub fn event_time(rec: &Recorder, kind: &str, to: &str, after: u64) -> Option<u64> {
    rec.events
        .iter()
        .find(|e| e.kind == kind && e.to == to && e.t >= after)
        .map(|e| e.t)
}
