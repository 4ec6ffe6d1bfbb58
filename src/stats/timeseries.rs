//! Fixed-width time buckets for `timeseries.csv`. One small row per interval (1 s by default),
//! so memory grows with simulated time only by a few dozen bytes per interval, never per request.
//! Per-bucket percentiles come from one histogram that is reset at each bucket's end.

use hdrhistogram::Histogram;

use super::Failure;
use crate::engine::time::Nanos;

/// One interval's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Start of the interval, seconds.
    pub t_s: f64,
    /// Requests that arrived.
    pub offered: u32,
    /// Successful responses.
    pub ok: u32,
    /// Failures by cause, in [`Failure::ALL`] order.
    pub failures: [u32; Failure::COUNT],
    /// Median latency of the interval's successful responses, ms (NaN when none).
    pub p50_ms: f64,
    /// 99th percentile of the same, ms (NaN when none).
    pub p99_ms: f64,
    /// Requests awaiting a response at the interval's end.
    pub in_flight: u32,
    /// Healthy, registered and draining targets per target group at the interval's end.
    pub healthy: Vec<[u32; 3]>,
}

/// The bucket being filled and the rows already closed.
pub struct TimeSeries {
    interval: Nanos,
    offered: u32,
    ok: u32,
    failures: [u32; Failure::COUNT],
    hist: Histogram<u32>,
    rows: Vec<Row>,
}

impl TimeSeries {
    /// An empty series with buckets `interval` wide.
    pub fn new(interval: Nanos) -> Self {
        let mut hist = Histogram::new_with_bounds(1, 60_000_000, 2).expect("valid bounds");
        hist.auto(true);
        TimeSeries {
            interval,
            offered: 0,
            ok: 0,
            failures: [0; Failure::COUNT],
            hist,
            rows: Vec::new(),
        }
    }

    /// Counts an arrival in the current bucket.
    #[inline]
    pub fn offered(&mut self) {
        self.offered += 1;
    }

    /// Counts a response in the current bucket.
    #[inline]
    pub fn response(&mut self, result: Result<Nanos, Failure>) {
        match result {
            Ok(latency) => {
                self.ok += 1;
                self.hist.saturating_record((latency + 500) / 1000);
            }
            Err(f) => self.failures[f.index()] += 1,
        }
    }

    /// Closes the bucket ending at `now`.
    pub fn close(&mut self, now: Nanos, in_flight: u32, healthy: Vec<[u32; 3]>) {
        let q = |q: f64| {
            if self.hist.is_empty() {
                f64::NAN
            } else {
                self.hist.median_equivalent(self.hist.value_at_quantile(q)) as f64 / 1000.0
            }
        };
        let start = now.saturating_sub(self.interval);
        self.rows.push(Row {
            t_s: start as f64 / 1e9,
            offered: self.offered,
            ok: self.ok,
            failures: self.failures,
            p50_ms: q(0.5),
            p99_ms: q(0.99),
            in_flight,
            healthy,
        });
        self.offered = 0;
        self.ok = 0;
        self.failures = [0; Failure::COUNT];
        self.hist.reset();
    }

    /// The closed rows.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// Bucket width.
    pub fn interval(&self) -> Nanos {
        self.interval
    }
}
