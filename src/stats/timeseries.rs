//! Fixed-width time buckets for `timeseries.csv`: one row per interval (1 s by default).
//! Per-bucket percentiles come from [`IntervalQuantiles`]: the 3-significant-digit histogram's
//! figures at a cost per bucket that follows what it recorded.
//!
//! Rows are the one record whose count grows with simulated time, so where they go is a choice
//! ([`Keep`]): the replication whose rows are written out spills them, as fixed-size binary
//! records, to a temporary file as they close, so memory during the run stays flat however long
//! the run; the other replications keep none; tests keep them in memory.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use super::interval_quantiles::IntervalQuantiles;
use crate::engine::time::Nanos;
use crate::vocab::Failure;

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

/// Where closed rows go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Dropped (replications whose time series is not written out).
    Nothing,
    /// In memory, for [`TimeSeries::rows`].
    Memory,
    /// To a temporary file, read back by [`TimeSeries::into_rows`] (falls back to memory when
    /// no temporary file can be created).
    Spill,
}

/// A temporary file of encoded rows.
struct SpillFile {
    path: PathBuf,
    writer: BufWriter<File>,
}

impl Drop for SpillFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The bucket being filled and the rows already closed.
pub struct TimeSeries {
    interval: Nanos,
    offered: u32,
    ok: u32,
    failures: [u32; Failure::COUNT],
    hist: IntervalQuantiles,
    keep: Keep,
    rows: Vec<Row>,
    spill: Option<SpillFile>,
    /// The group list of the last spilled row, reused for the next.
    groups_buf: Vec<[u32; 3]>,
}

impl TimeSeries {
    /// An empty series with buckets `interval` wide, keeping its rows in memory.
    pub fn new(interval: Nanos) -> Self {
        Self::with_keep(interval, Keep::Memory)
    }

    /// An empty series with buckets `interval` wide, its rows going where `keep` says.
    pub fn with_keep(interval: Nanos, keep: Keep) -> Self {
        let hist = IntervalQuantiles::new();
        let spill = (keep == Keep::Spill).then(spill_file).flatten();
        let keep = match (keep, &spill) {
            (Keep::Spill, None) => Keep::Memory,
            (k, _) => k,
        };
        TimeSeries {
            interval,
            offered: 0,
            ok: 0,
            failures: [0; Failure::COUNT],
            hist,
            keep,
            rows: Vec::new(),
            spill,
            groups_buf: Vec::new(),
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
                // Rows that are dropped need no percentiles.
                if self.keep != Keep::Nothing {
                    self.hist.record(latency);
                }
            }
            Err(f) => self.failures[f.index()] += 1,
        }
    }

    /// Closes the bucket ending at `now`, with each group's healthy, registered and draining
    /// targets. Costs what the bucket recorded, not the histogram's size, and allocates nothing
    /// once the first row is written (a spilled row's group list reuses one buffer).
    pub fn close(&mut self, now: Nanos, in_flight: u32, healthy: impl Iterator<Item = [u32; 3]>) {
        if self.keep != Keep::Nothing {
            let [p50, p99] = self.hist.quantiles_ms([0.5, 0.99]);
            let mut groups = std::mem::take(&mut self.groups_buf);
            groups.clear();
            groups.extend(healthy);
            let start = now.saturating_sub(self.interval);
            let row = Row {
                t_s: start as f64 / 1e9,
                offered: self.offered,
                ok: self.ok,
                failures: self.failures,
                p50_ms: p50.unwrap_or(f64::NAN),
                p99_ms: p99.unwrap_or(f64::NAN),
                in_flight,
                healthy: groups,
            };
            self.keep_row(row);
        }
        self.offered = 0;
        self.ok = 0;
        self.failures = [0; Failure::COUNT];
        self.hist.reset();
    }

    fn keep_row(&mut self, row: Row) {
        match self.keep {
            Keep::Nothing => {}
            Keep::Memory => self.rows.push(row),
            Keep::Spill => {
                let spill = self.spill.as_mut().expect("spill mode has a file");
                if encode(&row, &mut spill.writer).is_err() {
                    // The disk refused: keep this and later rows in memory instead.
                    self.keep = Keep::Memory;
                    self.rows.push(row);
                } else {
                    self.groups_buf = row.healthy;
                }
            }
        }
    }

    /// The closed rows kept in memory (none when they were spilled or dropped).
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// Every closed row, reading spilled ones back from their file (then removed).
    pub fn into_rows(mut self) -> Vec<Row> {
        let Some(mut spill) = self.spill.take() else {
            return self.rows;
        };
        let mut rows = Vec::new();
        let read = spill.writer.flush().and_then(|()| {
            let mut reader = BufReader::new(File::open(&spill.path)?);
            while let Some(row) = decode(&mut reader)? {
                rows.push(row);
            }
            Ok(())
        });
        if let Err(e) = read {
            panic!(
                "cannot read back the time series from {}: {e}",
                spill.path.display()
            );
        }
        rows.extend(self.rows);
        rows
    }

    /// Bucket width.
    pub fn interval(&self) -> Nanos {
        self.interval
    }
}

/// Where spill files go: the output's own temporary folder once a command has set it (so one
/// cleanup removes everything), else the system temporary folder.
static SPILL_DIR: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Spills time series into `dir` from now on (the output's temporary folder).
pub fn set_spill_dir(dir: &Path) {
    *SPILL_DIR.lock().unwrap_or_else(|e| e.into_inner()) = Some(dir.to_path_buf());
}

/// Creates a spill file exclusively: `create_new` fails on any existing entry, a symbolic link
/// included, so a pre-placed link can never make a run write through it.
fn spill_file() -> Option<SpillFile> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = SPILL_DIR
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
        .unwrap_or_else(std::env::temp_dir);
    let path = dir.join(format!(
        "simroute-{}-{}.timeseries",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    create_spill(path)
}

/// Creates the spill file at `path`, or `None` when anything (a file, a link) is there.
fn create_spill(path: PathBuf) -> Option<SpillFile> {
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .ok()?;
    Some(SpillFile {
        path,
        writer: BufWriter::new(file),
    })
}

/// A row as little-endian fixed-size fields, then its group count and groups.
fn encode(row: &Row, w: &mut impl Write) -> std::io::Result<()> {
    w.write_all(&row.t_s.to_le_bytes())?;
    w.write_all(&row.offered.to_le_bytes())?;
    w.write_all(&row.ok.to_le_bytes())?;
    for f in row.failures {
        w.write_all(&f.to_le_bytes())?;
    }
    w.write_all(&row.p50_ms.to_le_bytes())?;
    w.write_all(&row.p99_ms.to_le_bytes())?;
    w.write_all(&row.in_flight.to_le_bytes())?;
    w.write_all(&(row.healthy.len() as u32).to_le_bytes())?;
    for g in &row.healthy {
        for v in g {
            w.write_all(&v.to_le_bytes())?;
        }
    }
    Ok(())
}

fn decode(r: &mut impl Read) -> std::io::Result<Option<Row>> {
    let mut b8 = [0u8; 8];
    match r.read_exact(&mut b8) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let mut u32_ = || -> std::io::Result<u32> {
        let mut b = [0u8; 4];
        r.read_exact(&mut b)?;
        Ok(u32::from_le_bytes(b))
    };
    let offered = u32_()?;
    let ok = u32_()?;
    let mut failures = [0u32; Failure::COUNT];
    for f in &mut failures {
        *f = u32_()?;
    }
    let mut f64_ = || -> std::io::Result<f64> {
        let mut b = [0u8; 8];
        r.read_exact(&mut b)?;
        Ok(f64::from_le_bytes(b))
    };
    let p50_ms = f64_()?;
    let p99_ms = f64_()?;
    let mut u32_ = || -> std::io::Result<u32> {
        let mut b = [0u8; 4];
        r.read_exact(&mut b)?;
        Ok(u32::from_le_bytes(b))
    };
    let in_flight = u32_()?;
    let groups = u32_()? as usize;
    let mut healthy = Vec::with_capacity(groups);
    for _ in 0..groups {
        healthy.push([u32_()?, u32_()?, u32_()?]);
    }
    Ok(Some(Row {
        t_s: f64::from_le_bytes(b8),
        offered,
        ok,
        failures,
        p50_ms,
        p99_ms,
        in_flight,
        healthy,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fill(ts: &mut TimeSeries) {
        for s in 1..=50u64 {
            ts.offered();
            ts.response(Ok(s * 1_000_000));
            ts.response(Err(Failure::Unavailable503));
            ts.close(
                s * 1_000_000_000,
                s as u32,
                [[3, 4, 1], [2, 2, 0]].into_iter(),
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_link_where_the_spill_file_goes_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, "keep me").unwrap();
        let path = dir.path().join("simroute-1-0.timeseries");
        std::os::unix::fs::symlink(&victim, &path).unwrap();
        assert!(create_spill(path.clone()).is_none(), "refused, not opened");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
        // A dangling link is not followed either (create_new would otherwise make its target).
        let missing = dir.path().join("missing.txt");
        let dangling = dir.path().join("simroute-1-1.timeseries");
        std::os::unix::fs::symlink(&missing, &dangling).unwrap();
        assert!(create_spill(dangling).is_none());
        assert!(!missing.exists());
        // A free name is created.
        assert!(create_spill(dir.path().join("simroute-1-2.timeseries")).is_some());
    }

    #[test]
    fn spilled_rows_read_back_exactly() {
        let mut memory = TimeSeries::new(1_000_000_000);
        let mut spilled = TimeSeries::with_keep(1_000_000_000, Keep::Spill);
        let mut dropped = TimeSeries::with_keep(1_000_000_000, Keep::Nothing);
        fill(&mut memory);
        fill(&mut spilled);
        fill(&mut dropped);
        assert!(
            spilled.rows().is_empty(),
            "spilled rows are not held in memory"
        );
        let expected = memory.into_rows();
        assert_eq!(expected.len(), 50);
        let back = spilled.into_rows();
        assert_eq!(back.len(), expected.len());
        for (a, b) in back.iter().zip(&expected) {
            // NaN-free rows here, so plain equality holds field by field.
            assert_eq!(a, b);
        }
        assert!(dropped.into_rows().is_empty());
    }
}
