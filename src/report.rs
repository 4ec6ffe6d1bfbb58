//! Output files and stdout renderings. Each renderer is a pure function from the run's data to
//! bytes; [`atomic`] writes the whole set into a temporary folder and renames it into place.
//!
//! ```text
//!  RunResults ──csv/json──▶ data files ──load──▶ RunData ──charts──▶ chart-*.png / chart-*.svg
//!                           (summary.json,        ▲        └─html/markdown──▶ report.html / .md
//!                            timeseries.csv, …)   │
//!  simroute report DIR ── files on disk ──────────┘
//! ```
//! Charts and reports are drawn only from the data files' contents, so `simroute run` and
//! `simroute report DIR` produce the same bytes from the same folder.

pub mod atomic;
pub mod charts;
pub mod compare;
pub mod csv;
pub mod downsample;
pub mod figures;
pub mod html;
pub mod load;
pub mod markdown;
pub mod plan;
pub mod studies;
pub mod table;

use std::fs;
use std::path::Path;

use anyhow::{Context, bail};
use serde::Serialize;

use crate::replicate::RunResults;
use crate::results::summary::{Fig, Leaf, Summary, Traffic};
use crate::scenario::Scenario;
use crate::vocab::SloMetric;
use load::RunData;

/// An output file: its name in the folder and its bytes.
pub type File = (String, Vec<u8>);

/// The data files of a run's folder, in the order [`render_all`] renders them; `--out` knows a
/// run folder by them (with the presentation files and the marker), so the two cannot drift.
pub const RUN_DATA_FILES: [&str; 8] = [
    "summary.json",
    "summary.csv",
    "figures.csv",
    "replications.csv",
    "timeseries.csv",
    "latency.csv",
    "events.csv",
    "scenario.toml",
];

/// Every file of a run's output folder, rendered in memory; `point` is the sweep point the run
/// is (`(key, value)` in `--vary` order), empty for a plain run, and titles its charts and reports.
pub fn render_all(
    sc: &Scenario,
    scenario_toml: &str,
    results: &RunResults,
    doc: &Summary,
    point: &[(String, String)],
) -> anyhow::Result<Vec<File>> {
    let group_names: Vec<&str> = sc.groups.iter().map(|g| g.name.as_str()).collect();
    let bytes = [
        summary_json(doc),
        csv::summary_csv(doc)?,
        figures::csv("run", [("", doc)])?,
        csv::replications_csv(sc, &results.per_replication)?,
        csv::timeseries_csv(&results.timeseries, &group_names, sc.interval)?,
        csv::latency_csv(&results.latency)?,
        csv::events_csv(&results.events, &group_names)?,
        scenario_toml.as_bytes().to_vec(),
    ];
    let data: Vec<(&str, Vec<u8>)> = RUN_DATA_FILES.into_iter().zip(bytes).collect();
    // Read back what is about to be written, exactly as `simroute report` reads it from disk.
    let mut run = RunData::from_files(&data).context("reading back the run's data files")?;
    run.point = point.to_vec();
    let mut files: Vec<File> = data
        .into_iter()
        .map(|(name, bytes)| (name.to_string(), bytes))
        .collect();
    files.extend(presentation(&run)?);
    Ok(files)
}

/// The files drawn from a run's data: each chart as PNG and SVG, `report.md`, `report.html`.
pub fn presentation(run: &RunData) -> anyhow::Result<Vec<File>> {
    let charts = charts::render_all(run)?;
    let mut files = Vec::with_capacity(charts.len() * 2 + 2);
    for r in &charts {
        files.push((format!("{}.png", r.chart.stem()), r.png.clone()));
        files.push((
            format!("{}.svg", r.chart.stem()),
            r.svg.clone().into_bytes(),
        ));
    }
    files.push((
        "report.md".into(),
        markdown::render(run, &charts).into_bytes(),
    ));
    files.push((
        "report.html".into(),
        html::render(run, &charts).into_bytes(),
    ));
    Ok(files)
}

/// True for the files [`presentation`] writes (and `simroute report` replaces).
pub fn is_presentation_file(name: &str) -> bool {
    (name.starts_with("chart-") && (name.ends_with(".png") || name.ends_with(".svg")))
        || name == "report.md"
        || name == "report.html"
}

/// Rebuilds the charts and reports of finished output folder `dir` from its data files,
/// atomically: the folder is replaced whole, keeping every other file byte for byte, or left
/// untouched on any error. A sweep's folder rebuilds every point and the sweep chart
/// ([`studies::rebuild_sweep`]); a comparison's and a plan's, their tables and charts
/// ([`studies::rebuild_compare`], [`studies::rebuild_plan`]). Returns the names of the files
/// written.
pub fn rebuild(dir: &Path) -> anyhow::Result<Vec<String>> {
    // The marker says what wrote the folder (so a study's folder that lost its data file is
    // named as such); a folder from before the marker is known by its data file.
    let marked = fs::read_to_string(dir.join(atomic::MARKER))
        .ok()
        .and_then(|m| atomic::Kind::parse(&m));
    let is = |kind: atomic::Kind, file: &str| marked == Some(kind) || dir.join(file).is_file();
    if is(atomic::Kind::Sweep, "sweep.json") {
        return studies::rebuild_sweep(dir);
    }
    if is(atomic::Kind::Compare, "compare.json") {
        return studies::rebuild_compare(dir);
    }
    if is(atomic::Kind::Plan, "plan.json") {
        return studies::rebuild_plan(dir);
    }
    let mut run = RunData::from_dir(dir)?;
    run.point = studies::point_of(dir);
    // A relative "." or ".." has no folder name to rename; work on the absolute path.
    let dir = dir
        .canonicalize()
        .with_context(|| format!("cannot resolve {}", dir.display()))?;
    let mut files = kept_files(&dir)?;
    let presentation = presentation(&run)?;
    let written = presentation.iter().map(|(n, _)| n.clone()).collect();
    files.extend(presentation);
    // Every file but the charts and reports is kept byte for byte, so nothing is lost.
    atomic::write_folder(&dir, atomic::Kind::Run, &files, true)
        .with_context(|| format!("writing the report into {}", dir.display()))?;
    Ok(written)
}

/// The files of run folder `dir` that a rebuild keeps: all but the presentation files, in name
/// order. A sub-folder or a name that is not UTF-8 is an error (it would be lost).
pub fn kept_files(dir: &Path) -> anyhow::Result<Vec<File>> {
    kept_files_but(dir, is_presentation_file)
}

/// The files of output folder `dir` but those `drawn` says are drawn from its data, in name
/// order. A sub-folder or a name that is not UTF-8 is an error (it would be lost).
pub fn kept_files_but(dir: &Path, drawn: fn(&str) -> bool) -> anyhow::Result<Vec<File>> {
    let mut files: Vec<File> = Vec::new();
    for entry in fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name().into_string().map_err(|n| {
            anyhow::anyhow!(
                "{} holds a file whose name is not UTF-8 ({n:?}); left untouched",
                dir.display()
            )
        })?;
        if entry.file_type()?.is_dir() {
            // The folder is replaced whole; a sub-folder would be lost with it.
            bail!(
                "{} holds a sub-folder ({name}), which a simroute output never does; left untouched",
                dir.display()
            );
        }
        if drawn(&name) {
            continue;
        }
        let bytes = fs::read(entry.path())
            .with_context(|| format!("cannot read {}", entry.path().display()))?;
        files.push((name, bytes));
    }
    files.sort();
    Ok(files)
}

/// `summary.json` (and the studies' JSON files): pretty-printed, keys in the types' field
/// order, a trailing newline.
pub fn summary_json(doc: &impl Serialize) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(doc).expect("figures always serialize");
    out.push(b'\n');
    out
}

/// The SLO verdict of a run, as the reports state it.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// The scenario has no `[slo]`.
    None,
    /// Checked: overall result and one sentence per check.
    Checked {
        /// Every check passed.
        passed: bool,
        /// `p99_ms: 163.6 ≤ 250: pass`, one per check.
        checks: Vec<String>,
    },
}

/// Reads the verdict from `summary.json`'s `slo` object.
pub fn verdict(d: &RunData) -> Verdict {
    let Some(slo) = &d.summary.slo else {
        return Verdict::None;
    };
    Verdict::Checked {
        passed: slo.passed,
        checks: slo
            .checks
            .iter()
            .map(|c| {
                let sentence = check_sentence(c.metric, c.actual, Some(c.threshold), c.passed);
                match c.scope() {
                    scope if scope.is_empty() => sentence,
                    scope => format!("{scope}: {sentence}"),
                }
            })
            .collect(),
    }
}

/// One SLO check as a sentence: `p99 latency 163.6 ms (limit ≤ 250 ms): pass`.
pub fn check_sentence(
    metric: SloMetric,
    actual: Option<f64>,
    threshold: Option<f64>,
    passed: bool,
) -> String {
    let (label, unit, scale) = match metric {
        SloMetric::MeanMs => ("mean latency", " ms", 1.0),
        SloMetric::P50Ms => ("p50 latency", " ms", 1.0),
        SloMetric::P99Ms => ("p99 latency", " ms", 1.0),
        SloMetric::P999Ms => ("p99.9 latency", " ms", 1.0),
        SloMetric::ErrorRate => ("error rate", "%", 100.0),
        SloMetric::MinThroughputRps => ("throughput", " ok/s", 1.0),
    };
    // Throughput floors pass from above; every other check from below.
    let op = if metric == SloMetric::MinThroughputRps {
        "≥"
    } else {
        "≤"
    };
    let show = |v: Option<f64>| {
        v.map_or("undefined".into(), |v| {
            format!("{}{unit}", number(v * scale))
        })
    };
    format!(
        "{label} {} (limit {op} {}): {}",
        show(actual),
        show(threshold),
        if passed { "pass" } else { "FAIL" }
    )
}

/// A figure with four significant digits and no float noise: `163.6`, `0.0001234`, `250`.
pub fn number(v: f64) -> String {
    significant(v, 4)
}

/// `v` to `digits` significant digits, trailing zeros dropped: `0.152`, `1.8`, `107915`.
pub fn significant(v: f64, digits: i32) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    if v.fract() == 0.0 && v.abs() < 1e15 {
        return format!("{v:.0}");
    }
    let decimals = (digits - 1 - v.abs().log10().floor() as i32).clamp(0, 9) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A count with thousands separated: `107,915`.
pub fn count(v: f64) -> String {
    let digits = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0.0 { format!("-{out}") } else { out }
}

/// The headline figures for the top of the reports: `(label, value, ± 95% half-width or "")`.
pub fn key_figures(d: &RunData) -> Vec<(String, String, String)> {
    type Format<'a> = &'a dyn Fn(f64) -> String;
    type Get = fn(&Traffic<crate::results::summary::HalfWidth>) -> Fig;
    let ms = |v: f64| format!("{} ms", number(v));
    let s = &d.summary;
    let t = &s.figures.traffic;
    let items: [(&str, Option<f64>, Get, Format); 6] = [
        ("throughput", t.throughput_rps, |c| c.throughput_rps, &|v| {
            format!("{} ok/s", number(v))
        }),
        ("error rate", t.error_rate, |c| c.error_rate, &|v| {
            format!("{}%", number(v * 100.0))
        }),
        ("p50 latency", t.latency_ms.p50, |c| c.latency_ms.p50, &ms),
        ("p99 latency", t.latency_ms.p99, |c| c.latency_ms.p99, &ms),
        (
            "p99.9 latency",
            t.latency_ms.p999,
            |c| c.latency_ms.p999,
            &ms,
        ),
        (
            "requests offered",
            t.requests.offered.value(),
            |c| c.requests.offered,
            &count,
        ),
    ];
    items
        .iter()
        .map(|(label, value, ci, fmt)| {
            let ci = s.ci95.as_ref().and_then(|c| ci(&c.traffic));
            let (value, ci) = html::with_ci(*value, ci, fmt);
            (label.to_string(), value, ci)
        })
        .collect()
}

/// What `±` means, when the run has confidence intervals (two or more replications).
pub fn ci_note(d: &RunData) -> Option<String> {
    d.summary.ci95.as_ref()?;
    Some(format!(
        "± is the half-width of the 95% confidence interval over {} replications.",
        number(f64::from(d.summary.replications))
    ))
}

/// A sweep point as its charts and reports name it: `target_groups.bags.targets = 4`, keys in
/// `--vary` order joined by `, `, a string value without its TOML quotes; `None` for a plain run.
pub fn point_text(point: &[(String, String)]) -> Option<String> {
    (!point.is_empty()).then(|| {
        point
            .iter()
            .map(|(k, v)| format!("{k} = {}", v.trim_matches('"')))
            .collect::<Vec<_>>()
            .join(", ")
    })
}

/// The run's name in report headings: the scenario's, and the sweep point's when it is one
/// (`storage-service · target_groups.bags.targets = 4`).
pub fn run_name(d: &RunData) -> String {
    match point_text(&d.point) {
        Some(p) => format!("{} · {p}", d.summary.scenario),
        None => d.summary.scenario.clone(),
    }
}

/// One line on what was run: seed, replications, measured window and warm-up.
pub fn run_line(d: &RunData) -> String {
    let s = &d.summary;
    let reps = f64::from(s.replications);
    let mut line = format!(
        "seed {} · {} replication{}",
        s.seed,
        number(reps),
        if reps == 1.0 { "" } else { "s" }
    );
    line += &format!(
        " · {} s measured after a {} s warm-up ({} s simulated)",
        number(s.measured_s),
        number(s.simulated_s - s.measured_s),
        number(s.simulated_s)
    );
    line
}
