//! Runs a scenario's replications in parallel with rayon and merges them in replication order,
//! so results are identical whatever the thread count.

use rayon::prelude::*;
use serde_json::Value;

use crate::engine::Nanos;
use crate::scenario::Scenario;
use crate::sim;
use crate::stats::latency::LatencyStat;
use crate::stats::summary;
use crate::stats::timeseries::Row;

/// A finished run: the merged figures and what the output files need.
pub struct RunResults {
    /// Mean figures over replications.
    pub figures: Value,
    /// 95% half-widths (two or more replications).
    pub ci95: Option<Value>,
    /// End-to-end latency of successful requests, all replications pooled (for `latency.csv`).
    pub latency: LatencyStat,
    /// Time series of replication 0 (a representative run, not an average).
    pub timeseries: Vec<Row>,
    /// Events processed over all replications.
    pub events: u64,
}

/// Runs every replication of `sc` on `threads` threads (default: all cores). `progress` gets
/// simulated-time ticks from every replication.
pub fn run_all(
    sc: &Scenario,
    threads: Option<usize>,
    progress: Option<&(dyn Fn(Nanos) + Sync)>,
) -> anyhow::Result<RunResults> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        builder = builder.num_threads(n);
    }
    let pool = builder.build()?;
    let per_rep: Vec<(Value, LatencyStat, Option<Vec<Row>>, u64)> = pool.install(|| {
        (0..sc.replications)
            .into_par_iter()
            .map(|r| {
                let out = sim::run(sc, r, progress);
                let figures = summary::figures(sc, &out.recorder);
                let rows = (r == 0).then(|| out.recorder.timeseries.rows().to_vec());
                (figures, out.recorder.latency, rows, out.events)
            })
            .collect()
    });
    let figures: Vec<Value> = per_rep.iter().map(|(f, ..)| f.clone()).collect();
    let (mean, ci95) = summary::merge(&figures);
    let mut latency = LatencyStat::new();
    let mut timeseries = Vec::new();
    let mut events = 0;
    for (_, lat, rows, ev) in per_rep {
        latency.merge(&lat);
        if let Some(rows) = rows {
            timeseries = rows;
        }
        events += ev;
    }
    Ok(RunResults {
        figures: mean,
        ci95,
        latency,
        timeseries,
        events,
    })
}
