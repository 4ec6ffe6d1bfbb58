//! The figures of a replication as `summary.json` writes them, and a lookup by dotted path
//! (`latency_ms.p99`, `target_groups.app.per_target.0.requests`): these tests check the file
//! format itself, so they read it as a user's script would.

use serde_json::Value;
use simroute::scenario::Scenario;
use simroute::sim::{self, RunOutput};
use simroute::stats::recorder::Recorder;

/// One replication's figures as the JSON tree of `summary.json`.
pub fn figures(sc: &Scenario, rec: &Recorder) -> Value {
    json(&simroute::results::summary::figures(sc, rec))
}

/// Replication `replication` of `sc`: the raw output and its figure tree.
pub fn replication(sc: &Scenario, replication: u32) -> (RunOutput, Value) {
    let out = sim::run(sc, replication, None);
    let fig = figures(sc, &out.recorder);
    (out, fig)
}

/// Anything serializable (merged figures, half-widths) as its JSON tree.
pub fn json(v: &impl serde::Serialize) -> Value {
    serde_json::to_value(v).expect("figures serialize")
}

/// Looks up a dotted path in a JSON tree (array elements by index).
pub fn lookup<'a>(tree: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(tree, |node, key| match node {
        Value::Array(a) => a.get(key.parse::<usize>().ok()?),
        _ => node.get(key),
    })
}
