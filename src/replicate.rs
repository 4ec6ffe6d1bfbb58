//! Runs a scenario's replications in parallel with rayon and merges them in replication order,
//! so results are identical whatever the thread count.

use rayon::prelude::*;
use serde_json::Value;

use crate::engine::Nanos;
use crate::scenario::Scenario;
use crate::sim;
use crate::stats::latency::LatencyStat;
use crate::stats::recorder::EventRow;
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
    /// `events.csv` rows of replication 0.
    pub events: Vec<EventRow>,
    /// Events processed over all replications.
    pub event_count: u64,
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
    type PerReplication = (Value, LatencyStat, Option<(Vec<Row>, Vec<EventRow>)>, u64);
    let per_rep: Vec<PerReplication> = pool.install(|| {
        (0..sc.replications)
            .into_par_iter()
            .map(|r| {
                let mut out = sim::run(sc, r, progress);
                let figures = summary::figures(sc, &out.recorder);
                let rows = (r == 0).then(|| {
                    (
                        out.recorder.timeseries.rows().to_vec(),
                        std::mem::take(&mut out.recorder.events),
                    )
                });
                (figures, out.recorder.latency, rows, out.events)
            })
            .collect()
    });
    let figures: Vec<Value> = per_rep.iter().map(|(f, ..)| f.clone()).collect();
    let (mean, ci95) = summary::merge(&figures);
    let mut latency = LatencyStat::new();
    let mut timeseries = Vec::new();
    let mut event_rows = Vec::new();
    let mut events = 0;
    for (_, lat, rows, ev) in per_rep {
        latency.merge(&lat);
        if let Some((rows, evs)) = rows {
            timeseries = rows;
            event_rows = evs;
        }
        events += ev;
    }
    Ok(RunResults {
        figures: mean,
        ci95,
        latency,
        timeseries,
        events: event_rows,
        event_count: events,
    })
}
