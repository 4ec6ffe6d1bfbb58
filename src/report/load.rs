//! Reads a run's data files back into plain structs, so that charts and the report are drawn
//! from exactly what a finished output folder holds. `simroute run` goes through this reader
//! too (on the bytes it is about to write), so `run` and `simroute report DIR` cannot drift
//! apart: both draw from the files' shape, never from in-memory simulator state.

use std::collections::BTreeMap;
use std::fs;
use std::io::ErrorKind;
use std::path::Path;

use anyhow::{Context, bail};
use serde_json::Value;

use crate::results::summary::Summary;

/// The data files a run writes and the report is drawn from.
pub const DATA_FILES: [&str; 5] = [
    "summary.json",
    "timeseries.csv",
    "latency.csv",
    "events.csv",
    "scenario.toml",
];

/// Everything the charts and the report need, read from a run's data files.
#[derive(Debug, Clone, PartialEq)]
pub struct RunData {
    /// `summary.json`, as typed figures.
    pub summary: Summary,
    /// `timeseries.csv`.
    pub timeseries: TimeSeries,
    /// `latency.csv`: `(latency_ms, cumulative_fraction)`, ascending.
    pub latency_cdf: Vec<(f64, f64)>,
    /// `events.csv`, in file (time) order.
    pub events: Vec<Event>,
    /// `scenario.toml`: the scenario as run, verbatim.
    pub scenario_toml: String,
    /// The sweep point this run is, as `(key, value)` in `--vary` order; empty for a plain run.
    /// Not in the run's data files: the sweep sets it (from `sweep.json` on a rebuild).
    pub point: Vec<(String, String)>,
}

/// `timeseries.csv` by column. Every column has one value per interval; an empty cell
/// (an interval with no successful response has no percentiles) is NaN.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TimeSeries {
    /// Start of each interval, seconds.
    pub t_s: Vec<f64>,
    /// Requests that arrived per interval.
    pub offered: Vec<f64>,
    /// Successful responses per interval.
    pub ok: Vec<f64>,
    /// Failed responses per interval by cause (`throttled_429`, ...), in column order.
    pub failures: Vec<(String, Vec<f64>)>,
    /// Per interval, each cause's failures in its worst row of `timeseries.csv` (the row with
    /// the most failures), in the order of `failures`: equal to `failures` when nothing was
    /// merged; after merging, a one-row burst keeps its height (see [`super::downsample`]).
    pub worst_failures: Vec<(String, Vec<f64>)>,
    /// Median latency of the interval's successful responses, ms.
    pub p50_ms: Vec<f64>,
    /// 99th percentile latency of the same, ms.
    pub p99_ms: Vec<f64>,
    /// Requests awaiting a response at each interval's end.
    pub in_flight: Vec<f64>,
    /// Healthy targets per target group at each interval's end: `(group, counts)`.
    pub healthy: Vec<(String, Vec<f64>)>,
    /// Registered targets per target group at each interval's end, in the order of `healthy`
    /// (empty for files written before the column existed).
    pub registered: Vec<(String, Vec<f64>)>,
    /// Rows of `timeseries.csv` each interval here stands for: 1, or more when a long file was
    /// merged as it was read (see [`super::downsample`]); 0 is read as 1.
    pub rows_per_point: usize,
}

impl TimeSeries {
    /// Width of one interval in seconds (1 when there are fewer than two rows).
    pub fn interval_s(&self) -> f64 {
        match self.t_s.as_slice() {
            [a, b, ..] if b > a => b - a,
            _ => 1.0,
        }
    }

    /// Number of intervals.
    pub fn len(&self) -> usize {
        self.t_s.len()
    }

    /// True when the run closed no interval.
    pub fn is_empty(&self) -> bool {
        self.t_s.is_empty()
    }

    /// End of the last interval, seconds.
    pub fn end_s(&self) -> f64 {
        self.t_s.last().map_or(0.0, |t| t + self.interval_s())
    }
}

/// One row of `events.csv`, as written (`report::csv::events_csv`) and read back.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Event {
    /// Simulated time, seconds.
    #[serde(with = "super::csv::num")]
    pub t_s: f64,
    /// What happened: health transition, fault, registration, deregistration, scaling.
    pub kind: String,
    /// Target group concerned (may be empty).
    pub target_group: String,
    /// Target concerned: its index in the group, a whole number (empty for a group's events).
    #[serde(with = "target_index")]
    pub target: String,
    /// State before (`healthy`, `running`, ...); empty for the scaling events, whose change is
    /// a task count (`from_count`).
    pub from: String,
    /// State after; empty for the scaling events (`to_count`).
    pub to: String,
    /// Desired task count before a scaling event (`scale_out`, `scale_in`); empty otherwise.
    #[serde(default)]
    pub from_count: Option<u32>,
    /// Desired task count after it.
    #[serde(default)]
    pub to_count: Option<u32>,
    /// Free text.
    pub detail: String,
}

/// `events.csv`'s `target` cell: a target index (a whole number) or empty; anything else is
/// not a file simroute wrote, and reading it is an error naming the cell.
mod target_index {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &str, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(t)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        let text = String::deserialize(d)?;
        if text.is_empty() || text.parse::<u32>().is_ok() {
            Ok(text)
        } else {
            Err(serde::de::Error::custom(format!(
                "target {text:?} is not a target index (a whole number) or empty"
            )))
        }
    }
}

impl Event {
    /// Health-check transitions are frequent and already visible as steps in the healthy-targets
    /// series; charts mark only the other kinds (faults, scaling, registrations).
    pub fn is_health_transition(&self) -> bool {
        self.kind.starts_with("health")
    }

    /// The state or count before, for a table cell.
    pub fn from_text(&self) -> String {
        self.from_count
            .map_or_else(|| self.from.clone(), |n| n.to_string())
    }

    /// The state or count after, for a table cell.
    pub fn to_text(&self) -> String {
        self.to_count
            .map_or_else(|| self.to.clone(), |n| n.to_string())
    }
}

impl RunData {
    /// Reads the data files of output folder `dir`. A folder without them, or with files that do
    /// not parse, is not a simroute output; the error says which file and why.
    pub fn from_dir(dir: &Path) -> anyhow::Result<RunData> {
        if !dir.is_dir() {
            bail!("{} is not a folder", dir.display());
        }
        let mut files = BTreeMap::new();
        for name in DATA_FILES {
            let path = dir.join(name);
            match fs::read(&path) {
                Ok(bytes) => {
                    files.insert(name, bytes);
                }
                Err(e) if e.kind() == ErrorKind::NotFound => bail!(
                    "{} is not a simroute output folder: {name} is missing",
                    dir.display()
                ),
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot read {}", path.display()));
                }
            }
        }
        Self::parse(|name| files.get(name).map(Vec::as_slice))
            .with_context(|| format!("{} is not a readable simroute output", dir.display()))
    }

    /// Parses the data files from memory; `file` returns a file's bytes by name.
    pub fn from_files(files: &[(&str, Vec<u8>)]) -> anyhow::Result<RunData> {
        Self::parse(|name| {
            files
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, b)| b.as_slice())
        })
    }

    fn parse<'a>(file: impl Fn(&str) -> Option<&'a [u8]>) -> anyhow::Result<RunData> {
        let get = |name: &str| file(name).with_context(|| format!("{name} is missing"));
        let summary: Value = serde_json::from_slice(get("summary.json")?)
            .context("summary.json is not valid JSON")?;
        if !summary.is_object() || summary.get("scenario").is_none() {
            bail!("summary.json is not a simroute summary (no \"scenario\" key)");
        }
        let summary: Summary = serde_path_to_error::deserialize(summary)
            .map_err(|e| anyhow::anyhow!("at {}: {}", e.path(), e.inner()))
            .context("summary.json does not hold simroute's figures")?;
        let scenario_toml = String::from_utf8(get("scenario.toml")?.to_vec())
            .context("scenario.toml is not UTF-8")?;
        scenario_toml
            .parse::<toml::Table>()
            .context("scenario.toml is not valid TOML")?;
        Ok(RunData {
            summary,
            timeseries: parse_timeseries(get("timeseries.csv")?).context("timeseries.csv")?,
            latency_cdf: parse_latency(get("latency.csv")?).context("latency.csv")?,
            events: parse_events(get("events.csv")?).context("events.csv")?,
            scenario_toml,
            point: Vec::new(),
        })
    }
}

/// A numeric cell; empty is NaN (undefined figure), anything else unparsable is an error.
fn number(cell: &str, column: &str, line: u64) -> anyhow::Result<f64> {
    if cell.is_empty() {
        return Ok(f64::NAN);
    }
    cell.parse()
        .with_context(|| format!("line {line}, column {column}: {cell:?} is not a number"))
}

fn reader(bytes: &[u8]) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(bytes)
}

fn column(header: &csv::StringRecord, name: &str) -> anyhow::Result<usize> {
    header
        .iter()
        .position(|h| h == name)
        .with_context(|| format!("no {name} column"))
}

fn parse_timeseries(bytes: &[u8]) -> anyhow::Result<TimeSeries> {
    let mut rdr = reader(bytes);
    let header = rdr.headers()?.clone();
    let fixed = [
        "t_s",
        "offered",
        "ok",
        "failed",
        "throughput_rps",
        "p50_ms",
        "p99_ms",
        "in_flight",
    ];
    let idx: Vec<usize> = fixed
        .iter()
        .map(|c| column(&header, c))
        .collect::<Result<_, _>>()?;
    // Failure causes are the columns between `ok` and `failed` (the writer's layout), so a
    // cause added later is picked up without a change here.
    let causes: Vec<usize> = (idx[2] + 1..idx[3]).collect();
    let groups: Vec<(usize, String)> = header
        .iter()
        .enumerate()
        .filter_map(|(i, h)| h.strip_prefix("healthy_").map(|g| (i, g.to_string())))
        .collect();
    let registered: Vec<(usize, String)> = header
        .iter()
        .enumerate()
        .filter_map(|(i, h)| h.strip_prefix("registered_").map(|g| (i, g.to_string())))
        .collect();
    let mut ts = super::downsample::Downsampler::new(
        causes.iter().map(|&i| header[i].to_string()).collect(),
        groups.iter().map(|(_, g)| g.clone()).collect(),
        registered.iter().map(|(_, g)| g.clone()).collect(),
    );
    // One row's cells, reused: memory stays bounded by the kept intervals, not the file.
    let (mut counts, mut healthy, mut reg) = (Vec::new(), Vec::new(), Vec::new());
    for rec in rdr.records() {
        let rec = rec?;
        let line = rec.position().map_or(0, |p| p.line());
        let cell = |i: usize| number(rec.get(i).unwrap_or(""), &header[i], line);
        counts.clear();
        counts.push(cell(idx[1])?);
        counts.push(cell(idx[2])?);
        for &i in &causes {
            counts.push(cell(i)?);
        }
        healthy.clear();
        for (i, _) in &groups {
            healthy.push(cell(*i)?);
        }
        reg.clear();
        for (i, _) in &registered {
            reg.push(cell(*i)?);
        }
        ts.push(&super::downsample::Row {
            t_s: cell(idx[0])?,
            counts: &counts,
            p50_ms: cell(idx[5])?,
            p99_ms: cell(idx[6])?,
            in_flight: cell(idx[7])?,
            healthy: &healthy,
            registered: &reg,
        });
    }
    Ok(ts.finish())
}

/// Rows of a derived row type, columns by name; an error names the line.
fn rows<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> anyhow::Result<Vec<T>> {
    reader(bytes)
        .deserialize()
        .map(|r: Result<T, csv::Error>| r.map_err(|e| anyhow::anyhow!("{e}")))
        .collect()
}

fn parse_latency(bytes: &[u8]) -> anyhow::Result<Vec<(f64, f64)>> {
    Ok(rows::<super::csv::LatencyRow>(bytes)?
        .into_iter()
        .map(|r| (r.latency_ms, r.cumulative_fraction))
        .collect())
}

fn parse_events(bytes: &[u8]) -> anyhow::Result<Vec<Event>> {
    rows(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(ts: &str, events: &str) -> Vec<(&'static str, Vec<u8>)> {
        vec![
            (
                "summary.json",
                crate::report::summary_json(&crate::results::summary::testing::summary("x", 1)),
            ),
            ("timeseries.csv", ts.as_bytes().to_vec()),
            (
                "latency.csv",
                b"latency_ms,cumulative_fraction\n1.5,0.5\n3,1\n".to_vec(),
            ),
            ("events.csv", events.as_bytes().to_vec()),
            ("scenario.toml", b"[simulation]\nname = \"x\"\n".to_vec()),
        ]
    }

    const TS: &str = "t_s,offered,ok,throttled_429,client_timeout,failed,throughput_rps,p50_ms,p99_ms,in_flight,healthy_a,healthy_b\n\
                      0,10,9,1,0,1,9,2.5,,3,2,1\n\
                      2,10,10,0,0,0,10,,,0,1,1\n";

    #[test]
    fn reads_columns_by_name() {
        let events = "t_s,kind,target_group,target,from,to,from_count,to_count,detail\n\
                      30,fault,a,0,healthy,crashed,,,\"crash, 1 target\"\n\
                      40,scale_out,a,,,,3,5,cpu 80%\n";
        let d = RunData::from_files(&files(TS, events)).unwrap();
        let ts = &d.timeseries;
        assert_eq!(ts.t_s, vec![0.0, 2.0]);
        assert_eq!(ts.interval_s(), 2.0);
        assert_eq!(ts.end_s(), 4.0);
        assert_eq!(
            ts.failures,
            vec![
                ("throttled_429".to_string(), vec![1.0, 0.0]),
                ("client_timeout".to_string(), vec![0.0, 0.0])
            ]
        );
        assert_eq!(ts.healthy[1], ("b".to_string(), vec![1.0, 1.0]));
        assert!(ts.p99_ms[0].is_nan() && ts.p50_ms[0] == 2.5);
        assert_eq!(d.latency_cdf, vec![(1.5, 0.5), (3.0, 1.0)]);
        assert_eq!(d.events[0].detail, "crash, 1 target");
        assert!(!d.events[0].is_health_transition());
        assert_eq!(
            (d.events[0].from_text(), d.events[0].to_text()),
            ("healthy".into(), "crashed".into())
        );
        assert_eq!(
            (d.events[1].from_count, d.events[1].to_count),
            (Some(3), Some(5))
        );
        assert_eq!(d.events[1].to_text(), "5");
        // A target that is not an index is not a file simroute wrote.
        let bad = "t_s,kind,target_group,target,from,to,from_count,to_count,detail\n1,fault,a,bags-3,,,,,\n";
        let e = RunData::from_files(&files(TS, bad)).unwrap_err();
        assert!(format!("{e:#}").contains("not a target index"), "{e:#}");
    }

    #[test]
    fn rejects_what_is_not_a_run() {
        let mut f = files(TS, "t_s,kind,target_group,target,from,to,detail\n");
        f[0].1 = b"[1, 2]".to_vec();
        let e = RunData::from_files(&f).unwrap_err();
        assert!(format!("{e:#}").contains("not a simroute summary"), "{e:#}");
        // A summary without one of the figures is not one simroute wrote: the error names it.
        let mut f = files(TS, "t_s,kind,target_group,target,from,to,detail\n");
        f[0].1 = br#"{"scenario": "x", "seed": 1}"#.to_vec();
        let e = RunData::from_files(&f).unwrap_err();
        assert!(
            format!("{e:#}").contains("missing field `replications`"),
            "{e:#}"
        );
        let f = files("t_s,ok\n1,2\n", "");
        let e = RunData::from_files(&f).unwrap_err();
        assert!(format!("{e:#}").contains("timeseries.csv"), "{e:#}");
        let dir = tempfile::tempdir().unwrap();
        let e = RunData::from_dir(dir.path()).unwrap_err();
        assert!(
            format!("{e:#}").contains("not a simroute output folder: summary.json is missing"),
            "{e:#}"
        );
    }
}
