//! Runs replications in parallel with rayon and merges them in replication order, so results
//! are identical whatever the thread count. One scenario (`run_all`) or many (`run_many`, for
//! sweeps, comparisons and the planner): every (scenario, replication) pair is one task of the
//! same pool.

use crate::engine::Nanos;
use crate::results::summary::{self, Count, Figures, HalfWidth};
use crate::scenario::Scenario;
use crate::sim;
use crate::stats::latency::LatencyStat;
use crate::stats::recorder::EventRow;
use crate::stats::timeseries::{Keep, Row};
use rayon::prelude::*;
use std::ops::Range;

/// A finished run: the merged figures and what the output files need.
pub struct RunResults {
    /// Mean figures over replications.
    pub figures: Figures<Count>,
    /// 95% half-widths (two or more replications).
    pub ci95: Option<Figures<HalfWidth>>,
    /// Each replication's figures, in replication order (for paired comparisons).
    pub per_replication: Vec<Figures<Count>>,
    /// End-to-end latency of successful requests, all replications pooled (for `latency.csv`).
    pub latency: LatencyStat,
    /// Time series of replication 0 (a representative run, not an average).
    pub timeseries: Vec<Row>,
    /// `events.csv` rows of replication 0.
    pub events: Vec<EventRow>,
    /// Events processed over all replications.
    pub event_count: u64,
}

/// What one replication leaves for the merge.
pub struct Replication {
    /// Its figures.
    pub figures: Figures<Count>,
    latency: LatencyStat,
    first: Option<(Vec<Row>, Vec<EventRow>)>,
    events: u64,
}

fn pool(threads: Option<usize>) -> anyhow::Result<rayon::ThreadPool> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        anyhow::ensure!(n > 0, "--threads must be at least 1");
        builder = builder.num_threads(n);
    }
    Ok(builder.build()?)
}

fn replicate(sc: &Scenario, r: u32, progress: Option<&(dyn Fn(Nanos) + Sync)>) -> Replication {
    // Only replication 0's time series is written out: it spills to disk as it goes, so memory
    // stays flat in simulated time; the others keep no rows.
    let keep = if r == 0 { Keep::Spill } else { Keep::Nothing };
    let mut out = sim::run_keeping(sc, r, progress, keep);
    let figures = summary::figures(sc, &out.recorder);
    let events = std::mem::take(&mut out.recorder.events);
    let latency = out.recorder.latency();
    Replication {
        figures,
        first: (r == 0).then(|| (out.recorder.timeseries.into_rows(), events)),
        latency,
        events: out.events,
    }
}

/// Merges a scenario's replications, given in index order from 0.
pub fn merge(reps: Vec<Replication>) -> RunResults {
    let per_replication: Vec<Figures<Count>> = reps.iter().map(|r| r.figures.clone()).collect();
    let (figures, ci95) = summary::merge(&per_replication);
    let mut latency = LatencyStat::new();
    let mut timeseries = Vec::new();
    let mut events = Vec::new();
    let mut event_count = 0;
    for r in reps {
        latency.merge(&r.latency);
        if let Some((rows, evs)) = r.first {
            timeseries = rows;
            events = evs;
        }
        event_count += r.events;
    }
    RunResults {
        figures,
        ci95,
        per_replication,
        latency,
        timeseries,
        events,
        event_count,
    }
}

/// Runs every replication of `sc` on `threads` threads (default: all cores). `progress` gets
/// simulated-time ticks from every replication.
pub fn run_all(
    sc: &Scenario,
    threads: Option<usize>,
    progress: Option<&(dyn Fn(Nanos) + Sync)>,
) -> anyhow::Result<RunResults> {
    Ok(run_many(std::slice::from_ref(sc), threads, progress)?
        .pop()
        .expect("one scenario in, one result out"))
}

/// Runs replications `range` of each scenario, all in one pool; per scenario, its
/// replications in index order. Replication `r` always uses seed stream `r`, so the results
/// do not depend on the thread count or on which other replications run beside it.
pub fn run_ranges(
    jobs: &[(&Scenario, Range<u32>)],
    threads: Option<usize>,
    progress: Option<&(dyn Fn(Nanos) + Sync)>,
) -> anyhow::Result<Vec<Vec<Replication>>> {
    let flat: Vec<(usize, u32)> = jobs
        .iter()
        .enumerate()
        .flat_map(|(i, (_, range))| range.clone().map(move |r| (i, r)))
        .collect();
    let mut done: Vec<Replication> = pool(threads)?.install(|| {
        flat.par_iter()
            .map(|&(i, r)| replicate(jobs[i].0, r, progress))
            .collect()
    });
    let mut out = Vec::with_capacity(jobs.len());
    for (_, range) in jobs.iter().rev() {
        out.push(done.split_off(done.len() - range.len()));
    }
    out.reverse();
    Ok(out)
}

/// Runs every replication of every scenario in one pool; results in scenario order.
pub fn run_many(
    scenarios: &[Scenario],
    threads: Option<usize>,
    progress: Option<&(dyn Fn(Nanos) + Sync)>,
) -> anyhow::Result<Vec<RunResults>> {
    let jobs: Vec<(&Scenario, Range<u32>)> = scenarios
        .iter()
        .map(|sc| (sc, 0..sc.replications))
        .collect();
    Ok(run_ranges(&jobs, threads, progress)?
        .into_iter()
        .map(merge)
        .collect())
}
