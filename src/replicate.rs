//! Runs replications in parallel with rayon and merges them in replication order, so results
//! are identical whatever the thread count. One scenario (`run_all`) or many (`run_many`, for
//! sweeps, comparisons and the planner): every (scenario, replication) pair is one task of the
//! same pool.

use crate::engine::Nanos;
use crate::results::precision::{self, Precision, Stopped};
use crate::results::slo;
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
    /// Replications run.
    pub replications: u32,
    /// The precision reached and why replications stopped.
    pub precision: Precision,
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

/// `f` over `items` on `threads` threads (default: all cores), the results in `items`' order,
/// so what is built from them does not depend on the thread count (a sweep's point folders).
pub fn map_ordered<T: Sync, R: Send>(
    items: &[T],
    threads: Option<usize>,
    f: impl Fn(&T) -> R + Sync + Send,
) -> anyhow::Result<Vec<R>> {
    Ok(pool(threads)?.install(|| items.par_iter().map(f).collect()))
}

/// A run stopped where a replication's live attempts reached the memory bound
/// ([`crate::budget::Overflow`]): an error whose text is [`crate::budget::overflow_message`],
/// so a caller that can use an unstable run as an answer (the planner: that task count fails)
/// finds it with `downcast_ref`, and every other caller reports it as it is.
#[derive(Debug, Clone)]
pub struct Unstable {
    /// The message, naming the group, its offered load and capacity, and the bound.
    pub message: String,
    /// Which job of [`run_ranges`] stopped (the first found; with several replications
    /// running at once, which one is first depends on the thread count).
    pub scenario: usize,
    /// What the replication saw when it stopped.
    pub overflow: crate::budget::Overflow,
}

impl std::fmt::Display for Unstable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Unstable {}

/// One replication, or why it stopped short (its live attempts reached the memory bound).
fn replicate(
    sc: &Scenario,
    r: u32,
    progress: Option<&(dyn Fn(Nanos) + Sync)>,
) -> Result<Replication, crate::budget::Overflow> {
    // Only replication 0's time series is written out: it spills to disk as it goes, so memory
    // stays flat in simulated time; the others keep no rows.
    let keep = if r == 0 { Keep::Spill } else { Keep::Nothing };
    let mut out = sim::run_keeping(sc, r, progress, keep);
    if let Some(overflow) = out.overflow.take() {
        return Err(crate::budget::Overflow {
            replication: r,
            ..overflow
        });
    }
    let figures = summary::figures(sc, &out.recorder);
    let events = std::mem::take(&mut out.recorder.events);
    let latency = out.recorder.latency();
    Ok(Replication {
        figures,
        first: (r == 0).then(|| (out.recorder.timeseries.into_rows(), events)),
        latency,
        events: out.events,
    })
}

/// Merges a scenario's replications, given in index order from 0, with why they stopped.
pub fn merge(sc: &Scenario, reps: Vec<Replication>, stopped: Stopped) -> RunResults {
    let per_replication: Vec<Figures<Count>> = reps.iter().map(|r| r.figures.clone()).collect();
    let (figures, ci95) = summary::merge(&per_replication);
    let checks = precision::watched(sc);
    let precision = Precision {
        target: sc.precision,
        reached: precision::reached(&checks, &figures, ci95.as_ref()),
        max_replications: sc.max_replications,
        stopped,
        figures: checks.iter().map(|c| slo::label(&figures, c)).collect(),
        warnings: precision::warnings(&checks, &per_replication, &figures, ci95.as_ref()),
    };
    let replications = reps.len() as u32;
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
        replications,
        precision,
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
    // An overflow stops the pool from starting more replications; the one found first is
    // reported.
    let mut done: Vec<Replication> = pool(threads)?
        .install(|| {
            flat.par_iter()
                .map(|&(i, r)| replicate(jobs[i].0, r, progress).map_err(|o| (i, o)))
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(|(i, o)| Unstable {
            message: crate::budget::overflow_message(jobs[i].0, &o, crate::budget::live_bound()),
            scenario: i,
            overflow: o,
        })?;
    let mut out = Vec::with_capacity(jobs.len());
    for (_, range) in jobs.iter().rev() {
        out.push(done.split_off(done.len() - range.len()));
    }
    out.reverse();
    Ok(out)
}

/// Runs each scenario's replications in one pool, in rounds: its first `replications`, then
/// batches of [`precision::BATCH`] while its SLO figures have not reached its `precision` and
/// fewer than `max_replications` ran (`results::precision`). Every decision reads completed
/// replications `0..n` only, so the counts and figures are the same for any thread count.
/// Results in scenario order.
pub fn run_many(
    scenarios: &[Scenario],
    threads: Option<usize>,
    progress: Option<&(dyn Fn(Nanos) + Sync)>,
) -> anyhow::Result<Vec<RunResults>> {
    let mut reps: Vec<Vec<Replication>> = scenarios.iter().map(|_| Vec::new()).collect();
    let mut want: Vec<Result<u32, Stopped>> = scenarios
        .iter()
        .map(|sc| Ok(precision::first_count(sc)))
        .collect();
    loop {
        let active: Vec<usize> = (0..scenarios.len()).filter(|&i| want[i].is_ok()).collect();
        if active.is_empty() {
            break;
        }
        let jobs: Vec<(&Scenario, Range<u32>)> = active
            .iter()
            .map(|&i| {
                let upto = *want[i].as_ref().expect("active");
                (&scenarios[i], reps[i].len() as u32..upto)
            })
            .collect();
        let done = run_ranges(&jobs, threads, progress)?;
        for (&i, mut more) in active.iter().zip(done) {
            reps[i].append(&mut more);
            let sc = &scenarios[i];
            let figs: Vec<Figures<Count>> = reps[i].iter().map(|r| r.figures.clone()).collect();
            let (figures, ci95) = summary::merge(&figs);
            let reached = precision::reached(&precision::watched(sc), &figures, ci95.as_ref());
            want[i] = precision::next(sc, reps[i].len() as u32, reached);
        }
    }
    Ok(scenarios
        .iter()
        .zip(reps)
        .zip(want)
        .map(|((sc, r), stopped)| merge(sc, r, stopped.expect_err("every scenario stopped")))
        .collect())
}
