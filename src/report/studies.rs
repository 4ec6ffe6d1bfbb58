//! `simroute report` on a study's folder. A sweep's: every point's charts and reports and the
//! sweep chart, redrawn from the data files (`sweep.json`, each point's data files). A
//! comparison's: `compare.md`, `compare.csv` and its charts from `compare.json` and
//! `timeseries.csv`. A plan's: `plan.md` and `plan.csv` from `plan.json`. Each folder is
//! replaced whole and atomically with every other file kept byte for byte.

use std::fs;
use std::path::Path;

use anyhow::{Context, bail};
use indexmap::IndexMap;
use serde::Deserialize;

use super::charts::sweep::{self, SweepData};
use super::load::RunData;
use super::{File, atomic, compare, plan};
use crate::results::summary::Summary;

/// A typed value of `sweep.json` as the text the sweep chart labels it with: a string
/// without quotes, anything else as JSON (`4`, `0.5`, `true`). The sweep and `simroute
/// report` both draw from it, so the rebuilt chart is the same bytes.
pub fn value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// One entry of `sweep.json`, as `experiments::sweep::sweep_json` writes it.
#[derive(Deserialize)]
struct Point {
    point: IndexMap<String, serde_json::Value>,
    label: String,
    summary: Summary,
}

/// The sweep point run folder `dir` is, when it is one: its parent is a sweep's `points`
/// folder whose `sweep.json` lists it. Empty otherwise (or when that `sweep.json` cannot be
/// read: the folder is still a run of its own, rebuilt untitled).
pub fn point_of(dir: &Path) -> Vec<(String, String)> {
    let Ok(dir) = dir.canonicalize() else {
        return Vec::new();
    };
    let (Some(name), Some(points)) = (dir.file_name(), dir.parent()) else {
        return Vec::new();
    };
    if points.file_name().is_none_or(|n| n != "points") {
        return Vec::new();
    }
    let Some(json) = points.parent().map(|s| s.join("sweep.json")) else {
        return Vec::new();
    };
    let listed: Option<Vec<Point>> = fs::read(&json)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    listed
        .into_iter()
        .flatten()
        .find(|p| *name == *p.label)
        .map(|p| {
            p.point
                .iter()
                .map(|(k, v)| (k.clone(), value_text(v)))
                .collect()
        })
        .unwrap_or_default()
}

/// Rebuilds sweep folder `dir`; returns the names of the files written.
pub fn rebuild_sweep(dir: &Path) -> anyhow::Result<Vec<String>> {
    let dir = dir
        .canonicalize()
        .with_context(|| format!("cannot resolve {}", dir.display()))?;
    let json = dir.join("sweep.json");
    let points: Vec<Point> = serde_json::from_slice(
        &fs::read(&json).with_context(|| format!("cannot read {}", json.display()))?,
    )
    .with_context(|| format!("{} is not a readable sweep.json", json.display()))?;
    let Some(first) = points.first() else {
        bail!("{} lists no points", json.display());
    };
    let stem = sweep::STEM;
    let mut files: Vec<File> = Vec::new();
    for entry in fs::read_dir(&dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type()?.is_dir() {
            if name != "points" {
                bail!(
                    "{} holds a sub-folder ({name}) a sweep never writes; left untouched",
                    dir.display()
                );
            }
            continue;
        }
        if name != format!("{stem}.png") && name != format!("{stem}.svg") {
            files.push((name, fs::read(entry.path())?));
        }
    }
    for entry in fs::read_dir(dir.join("points"))? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if !points.iter().any(|p| p.label == name) {
            bail!(
                "{}/points holds {name}, which sweep.json does not list; left untouched",
                dir.display()
            );
        }
    }
    let mut written = Vec::new();
    for p in &points {
        let folder = dir.join("points").join(&p.label);
        let mut run = RunData::from_dir(&folder)?;
        run.point = p
            .point
            .iter()
            .map(|(k, v)| (k.clone(), value_text(v)))
            .collect();
        let at = |n: &str| format!("points/{}/{n}", p.label);
        files.extend(
            super::kept_files(&folder)?
                .into_iter()
                .map(|(n, b)| (at(&n), b)),
        );
        for (n, b) in super::presentation(&run)? {
            written.push(at(&n));
            files.push((at(&n), b));
        }
    }
    let keys: Vec<String> = first.point.keys().cloned().collect();
    let values: Vec<Vec<String>> = points
        .iter()
        .map(|p| p.point.values().map(value_text).collect())
        .collect();
    let summaries: Vec<Summary> = points.iter().map(|p| p.summary.clone()).collect();
    let chart = SweepData {
        scenario: &first.summary.scenario,
        keys: &keys,
        values: &values,
        summaries: &summaries,
    };
    files.push((format!("{stem}.png"), sweep::png(&chart)?));
    files.push((format!("{stem}.svg"), sweep::svg(&chart)?.into_bytes()));
    written.extend([format!("{stem}.png"), format!("{stem}.svg")]);
    atomic::write_folder(&dir, atomic::Kind::Sweep, &files, true)
        .with_context(|| format!("writing the report into {}", dir.display()))?;
    Ok(written)
}

/// The bytes of data file `name` among `kept`, or an error naming it.
fn data<'a>(kept: &'a [File], name: &str) -> anyhow::Result<&'a [u8]> {
    kept.iter()
        .find(|(n, _)| n == name)
        .map(|(_, b)| b.as_slice())
        .with_context(|| {
            format!("no {name}: it is the data the folder's other files are drawn from")
        })
}

/// Rebuilds comparison folder `dir` (`compare.md`, `compare.csv`, the charts) from its
/// `compare.json` and `timeseries.csv`; returns the names of the files written.
pub fn rebuild_compare(dir: &Path) -> anyhow::Result<Vec<String>> {
    let dir = dir
        .canonicalize()
        .with_context(|| format!("cannot resolve {}", dir.display()))?;
    let mut files = super::kept_files_but(&dir, compare::is_presentation_file)?;
    let (_, drawn) = compare::presentation(|name| data(&files, name).map(<[u8]>::to_vec))
        .with_context(|| dir.display().to_string())?;
    let written = drawn.iter().map(|(n, _)| n.clone()).collect();
    files.extend(drawn);
    atomic::write_folder(&dir, atomic::Kind::Compare, &files, true)
        .with_context(|| format!("writing the report into {}", dir.display()))?;
    Ok(written)
}

/// Rebuilds plan folder `dir` (`plan.md`, `plan.csv`) from its `plan.json`; returns the names
/// of the files written.
pub fn rebuild_plan(dir: &Path) -> anyhow::Result<Vec<String>> {
    let dir = dir
        .canonicalize()
        .with_context(|| format!("cannot resolve {}", dir.display()))?;
    let mut files = super::kept_files_but(&dir, plan::is_presentation_file)?;
    let (_, drawn) = data(&files, plan::DATA_FILE)
        .and_then(plan::presentation)
        .with_context(|| dir.display().to_string())?;
    let written = drawn.iter().map(|(n, _)| n.clone()).collect();
    files.extend(drawn);
    atomic::write_folder(&dir, atomic::Kind::Plan, &files, true)
        .with_context(|| format!("writing the report into {}", dir.display()))?;
    Ok(written)
}
