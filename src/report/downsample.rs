//! Reading `timeseries.csv` into at most [`MAX_POINTS`] intervals, in one pass with bounded
//! memory: a run with a tiny `simulation.timeseries_interval_s` (0.01 s for an hour is 360,000
//! rows) is merged as it is read, to about the charts' pixel width, instead of being held whole.
//!
//! Rows go into buckets of `k` rows each (`k` = 1 at first); when the buckets would exceed
//! [`MAX_POINTS`], neighbours are merged in pairs and `k` doubles, so at most [`MAX_POINTS`]
//! buckets are ever held, whatever the file's length, and no count of rows is needed in
//! advance. Merging keeps what a reader looks for: counts add up (rates stay right, the short
//! last bucket scaled to a full one), p99 and in-flight keep the bucket's worst row, so a
//! one-row latency spike survives, healthy counts keep the lowest, so a dip survives,
//! registered targets the highest; p50 is the mean. Beside the added failure counts, each
//! bucket keeps its worst row's failures by cause (the row with the most), so the failures
//! panel can draw a one-row burst at its full rate. Below [`MAX_POINTS`] rows nothing is
//! merged and the series is the file's.

use super::load::TimeSeries;

/// Most intervals kept: about one per pixel column of a time chart's plot (1200 px wide less
/// margins and axis labels).
pub const MAX_POINTS: usize = 1000;

/// One row of `timeseries.csv`, as numbers.
pub struct Row<'a> {
    /// Start of the interval, s.
    pub t_s: f64,
    /// `offered`, `ok`, then each failure cause.
    pub counts: &'a [f64],
    /// `p50_ms`.
    pub p50_ms: f64,
    /// `p99_ms`.
    pub p99_ms: f64,
    /// `in_flight`.
    pub in_flight: f64,
    /// `healthy_<group>` per group.
    pub healthy: &'a [f64],
    /// `registered_<group>` per group.
    pub registered: &'a [f64],
}

/// The series being read, never longer than [`MAX_POINTS`].
pub struct Downsampler {
    ts: TimeSeries,
    /// Rows in each bucket.
    rows: Vec<u64>,
    /// Rows per full bucket.
    k: u64,
}

/// `a` and `b` combined by `f`, skipping NaN (an empty cell).
fn either(a: f64, b: f64, f: impl Fn(f64, f64) -> f64) -> f64 {
    match (a.is_finite(), b.is_finite()) {
        (true, true) => f(a, b),
        (true, false) => a,
        _ => b,
    }
}

impl Downsampler {
    /// An empty series with the given column names.
    pub fn new(causes: Vec<String>, healthy: Vec<String>, registered: Vec<String>) -> Self {
        let named = |names: Vec<String>| names.into_iter().map(|n| (n, Vec::new())).collect();
        Downsampler {
            ts: TimeSeries {
                worst_failures: named(causes.clone()),
                failures: named(causes),
                healthy: named(healthy),
                registered: named(registered),
                ..TimeSeries::default()
            },
            rows: Vec::new(),
            k: 1,
        }
    }

    /// Buckets held now (never more than [`MAX_POINTS`]).
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True before the first row.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Adds one row: into the last bucket while it has fewer than `k` rows, else as a new one.
    pub fn push(&mut self, r: &Row<'_>) {
        let ts = &mut self.ts;
        if self.rows.last().is_some_and(|&n| n < self.k) {
            let i = self.rows.len() - 1;
            self.rows[i] += 1;
            let n = self.rows[i] as f64;
            for (col, v) in count_columns(ts).into_iter().zip(r.counts) {
                col[i] += if v.is_finite() { *v } else { 0.0 };
            }
            let failed = |v: &[f64]| v.iter().filter(|c| c.is_finite()).sum::<f64>();
            if failed(r.counts.get(2..).unwrap_or(&[])) > worst_total(ts, i) {
                for ((_, col), v) in ts.worst_failures.iter_mut().zip(&r.counts[2..]) {
                    col[i] = if v.is_finite() { *v } else { 0.0 };
                }
            }
            ts.p50_ms[i] = either(ts.p50_ms[i], r.p50_ms, |a, b| a + (b - a) / n);
            ts.p99_ms[i] = either(ts.p99_ms[i], r.p99_ms, f64::max);
            ts.in_flight[i] = either(ts.in_flight[i], r.in_flight, f64::max);
            for ((_, col), v) in ts.healthy.iter_mut().zip(r.healthy) {
                col[i] = either(col[i], *v, f64::min);
            }
            for ((_, col), v) in ts.registered.iter_mut().zip(r.registered) {
                col[i] = either(col[i], *v, f64::max);
            }
            return;
        }
        self.rows.push(1);
        ts.t_s.push(r.t_s);
        for (col, v) in count_columns(ts).into_iter().zip(r.counts) {
            col.push(if v.is_finite() { *v } else { 0.0 });
        }
        for ((_, col), v) in ts
            .worst_failures
            .iter_mut()
            .zip(r.counts.get(2..).unwrap_or(&[]))
        {
            col.push(if v.is_finite() { *v } else { 0.0 });
        }
        ts.p50_ms.push(r.p50_ms);
        ts.p99_ms.push(r.p99_ms);
        ts.in_flight.push(r.in_flight);
        for ((_, col), v) in ts.healthy.iter_mut().zip(r.healthy) {
            col.push(*v);
        }
        for ((_, col), v) in ts.registered.iter_mut().zip(r.registered) {
            col.push(*v);
        }
        if self.rows.len() > MAX_POINTS {
            self.halve();
        }
    }

    /// Merges neighbouring buckets in pairs; `k` doubles.
    fn halve(&mut self) {
        let rows = std::mem::take(&mut self.rows);
        let pairs = rows.len().div_ceil(2);
        let pair = |v: &[f64], f: &dyn Fn(f64, f64, f64, f64) -> f64| -> Vec<f64> {
            (0..pairs)
                .map(|p| match v.get(2 * p + 1) {
                    Some(&b) => f(v[2 * p], b, rows[2 * p] as f64, rows[2 * p + 1] as f64),
                    None => v[2 * p],
                })
                .collect()
        };
        let sum = |a: f64, b: f64, _: f64, _: f64| a + b;
        let mean = |a: f64, b: f64, na: f64, nb: f64| match (a.is_finite(), b.is_finite()) {
            (true, true) => (a * na + b * nb) / (na + nb),
            (true, false) => a,
            _ => b,
        };
        let max = |a: f64, b: f64, _: f64, _: f64| either(a, b, f64::max);
        let min = |a: f64, b: f64, _: f64, _: f64| either(a, b, f64::min);
        let ts = &mut self.ts;
        ts.t_s = pair(&ts.t_s, &|a, _, _, _| a);
        for col in count_columns(ts) {
            *col = pair(col, &sum);
        }
        // Each pair keeps the worse of its two worst rows (the first on a tie).
        let second_worse: Vec<bool> = (0..pairs)
            .map(|p| 2 * p + 1 < rows.len() && worst_total(ts, 2 * p + 1) > worst_total(ts, 2 * p))
            .collect();
        for (_, col) in &mut ts.worst_failures {
            *col = (0..pairs)
                .map(|p| col[2 * p + usize::from(second_worse[p])])
                .collect();
        }
        ts.p50_ms = pair(&ts.p50_ms, &mean);
        ts.p99_ms = pair(&ts.p99_ms, &max);
        ts.in_flight = pair(&ts.in_flight, &max);
        for (_, col) in &mut ts.healthy {
            *col = pair(col, &min);
        }
        for (_, col) in &mut ts.registered {
            *col = pair(col, &max);
        }
        self.rows = (0..pairs)
            .map(|p| rows[2 * p] + rows.get(2 * p + 1).copied().unwrap_or(0))
            .collect();
        self.k *= 2;
    }

    /// The series read, its short last bucket's counts scaled up to a full bucket's (so its
    /// rate is not understated), and how many rows each point stands for.
    pub fn finish(mut self) -> TimeSeries {
        if let Some(&last) = self.rows.last()
            && self.k > 1
            && last < self.k
        {
            let scale = self.k as f64 / last as f64;
            for col in count_columns(&mut self.ts) {
                if let Some(v) = col.last_mut() {
                    *v *= scale;
                }
            }
        }
        self.ts.rows_per_point = self.k as usize;
        self.ts
    }
}

/// The failures of bucket `i`'s worst row, all causes together.
fn worst_total(ts: &TimeSeries, i: usize) -> f64 {
    ts.worst_failures.iter().map(|(_, c)| c[i]).sum()
}

/// The count columns of `ts` (`offered`, `ok`, each failure cause), which merge by adding.
fn count_columns(ts: &mut TimeSeries) -> Vec<&mut Vec<f64>> {
    let mut v: Vec<&mut Vec<f64>> = vec![&mut ts.offered, &mut ts.ok];
    v.extend(ts.failures.iter_mut().map(|(_, c)| c));
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run of `n` rows, 0.01 s apart, flat but for a p99 spike at row `spike`, a healthy dip
    /// at row `dip` and a burst of failures at row `burst`.
    fn read(n: usize, spike: usize, dip: usize, burst: usize) -> (TimeSeries, usize) {
        let mut d = Downsampler::new(
            vec!["client_timeout".into()],
            vec!["web".into()],
            vec!["web".into()],
        );
        let mut most = 0;
        for i in 0..n {
            let failed = if i == burst { 2912.0 } else { 0.0 };
            d.push(&Row {
                t_s: i as f64 * 0.01,
                counts: &[10.0, 9.0, failed],
                p50_ms: if i == 7 { f64::NAN } else { 20.0 },
                p99_ms: if i == spike { 900.0 } else { 50.0 },
                in_flight: 3.0,
                healthy: &[if i == dip { 1.0 } else { 3.0 }],
                registered: &[3.0],
            });
            most = most.max(d.len());
        }
        (d.finish(), most)
    }

    #[test]
    fn a_one_row_spike_survives_and_memory_is_bounded_by_the_pixel_width() {
        // An hour at 0.01 s.
        let n = 360_000;
        let (ts, most) = read(n, 123_457, 250_001, 77_777);
        assert!(most <= MAX_POINTS, "{most} buckets held at once");
        assert!(
            ts.len() <= MAX_POINTS && ts.len() > MAX_POINTS / 2,
            "{}",
            ts.len()
        );
        assert_eq!(ts.rows_per_point, 512);
        assert!(ts.p99_ms.contains(&900.0), "the spike survives");
        assert_eq!(ts.p99_ms.iter().filter(|v| **v == 900.0).count(), 1);
        assert!(ts.healthy[0].1.contains(&1.0), "the dip survives");
        let failed: f64 = ts.failures[0].1.iter().sum();
        assert_eq!(failed, 2912.0, "the burst's failures are all counted");
        // The burst's row, kept whole beside the sums: its rate is 2912 per 0.01 s row, not
        // spread over the 5.12 s bucket.
        let worst = &ts.worst_failures[0].1;
        assert_eq!(worst.len(), ts.len());
        assert_eq!(worst.iter().filter(|v| **v == 2912.0).count(), 1);
        assert!(worst.iter().all(|v| *v == 0.0 || *v == 2912.0));
        let at = worst.iter().position(|v| *v == 2912.0).unwrap();
        assert_eq!(ts.failures[0].1[at], 2912.0, "in the bucket that holds it");
        // Rates per second are unchanged, the short last bucket included.
        let w = ts.interval_s();
        assert!((w - 5.12).abs() < 1e-9, "{w}");
        assert!(ts.ok.iter().all(|c| (c / w - 900.0).abs() < 1e-6));
        assert!(
            ts.p50_ms.iter().all(|v| *v == 20.0),
            "gaps skipped, not zeroed"
        );
        assert!((ts.end_s() - 3600.0).abs() < 5.2);
    }

    #[test]
    fn below_the_pixel_width_nothing_is_merged() {
        let (ts, _) = read(MAX_POINTS, 3, 4, 5);
        assert_eq!(ts.len(), MAX_POINTS);
        assert_eq!(ts.rows_per_point, 1);
        assert_eq!(ts.interval_s(), 0.01);
        assert_eq!(ts.p99_ms[3], 900.0);
        assert_eq!(ts.failures[0].1[5], 2912.0);
        assert_eq!(
            ts.worst_failures, ts.failures,
            "unmerged, worst rows are the rows"
        );
    }

    #[test]
    fn a_bucket_keeps_its_worst_rows_causes_together() {
        // Two causes: rows of 5 + 0, 0 + 4, 1 + 1 failures; merged to one bucket of 4 rows the
        // worst row is the first (5 failures), both its causes kept, not each cause's maximum.
        let mut d = Downsampler::new(vec!["a".into(), "b".into()], Vec::new(), Vec::new());
        d.k = 4;
        for (i, (a, b)) in [(5.0, 0.0), (0.0, 4.0), (1.0, 1.0), (0.0, 0.0)]
            .into_iter()
            .enumerate()
        {
            d.push(&Row {
                t_s: i as f64,
                counts: &[10.0, 10.0 - a - b, a, b],
                p50_ms: 1.0,
                p99_ms: 2.0,
                in_flight: 0.0,
                healthy: &[],
                registered: &[],
            });
        }
        let ts = d.finish();
        assert_eq!(ts.len(), 1);
        assert_eq!(ts.failures[0].1, vec![6.0]);
        assert_eq!(ts.failures[1].1, vec![5.0]);
        assert_eq!(ts.worst_failures[0].1, vec![5.0]);
        assert_eq!(ts.worst_failures[1].1, vec![0.0]);
    }
}
