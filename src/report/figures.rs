//! `figures.csv`: the figures of `summary.json` in long form, one row per figure with its 95%
//! half-width and unit. `summary.csv` stays one (wide) row per run; this file is the one to
//! concatenate: every `figures.csv` (a run's, a sweep's, a comparison's) has the same columns,
//! `scenario,study,point,name,value,ci95,unit`, so `pd.concat` of several is one tidy table
//! that `pivot` or `groupby("name")` reads without renaming.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::csv::{flatten_numbers, num, write_rows};
use crate::results::summary::Summary;

/// One row of `figures.csv`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FigureRow {
    /// `simulation.name`.
    pub scenario: String,
    /// What wrote the file: `run`, `sweep` or `compare`.
    pub study: String,
    /// The sweep point's folder name (`key=value,...`) or the compared variant's label; empty
    /// for a run.
    pub point: String,
    /// The figure's dotted path in `summary.json` (`latency_ms.p99`, `routes.ANY /bags.error_rate`).
    pub name: String,
    /// Its value (the mean over replications); empty when undefined.
    #[serde(with = "num")]
    pub value: f64,
    /// Half-width of its 95% confidence interval; empty with one replication or undefined.
    #[serde(with = "num")]
    pub ci95: f64,
    /// `ms`, `s`, `1/s`, `fraction`, `tasks`, `requests` or `count`.
    pub unit: String,
}

/// The unit of the figure at dotted path `name`, from the naming rules of `summary.json`
/// (`_ms`, `_s`, `_rps` suffixes; latency and stage trees in ms; ratios; counts).
pub fn unit(name: &str) -> &'static str {
    let parts: Vec<&str> = name.split('.').collect();
    let last = parts.last().copied().unwrap_or("");
    let in_tree = |t: &str| parts[..parts.len().saturating_sub(1)].contains(&t);
    match last {
        "error_rate" | "utilization" | "p_wait" => "fraction",
        "healthy_mean" | "healthy_min" | "targets" | "tasks_started" => "tasks",
        "in_system_mean" => "requests",
        _ if last.ends_with("_ms") => "ms",
        _ if last.ends_with("_rps") => "1/s",
        _ if last.ends_with("_s") => "s",
        _ if in_tree("latency_ms")
            || in_tree("latency_all_ms")
            || parts.first() == Some(&"stages") =>
        {
            "ms"
        }
        _ => "count",
    }
}

/// The rows of one summary: every numeric figure, in `summary.json` order.
pub fn rows(doc: &Summary, study: &str, point: &str) -> anyhow::Result<Vec<FigureRow>> {
    let mut values = Vec::new();
    flatten_numbers("", &serde_json::to_value(&doc.figures)?, &mut values);
    let mut cis = Vec::new();
    if let Some(ci) = &doc.ci95 {
        flatten_numbers("", &serde_json::to_value(ci)?, &mut cis);
    }
    let ci: HashMap<String, f64> = cis.into_iter().collect();
    Ok(values
        .into_iter()
        .map(|(name, value)| FigureRow {
            scenario: doc.scenario.clone(),
            study: study.to_string(),
            point: point.to_string(),
            ci95: ci.get(&name).copied().unwrap_or(f64::NAN),
            unit: unit(&name).to_string(),
            name,
            value,
        })
        .collect())
}

/// `figures.csv` of several summaries, each with its point label (`""` for a run).
pub fn csv<'a>(
    study: &str,
    docs: impl IntoIterator<Item = (&'a str, &'a Summary)>,
) -> anyhow::Result<Vec<u8>> {
    let mut all = Vec::new();
    for (point, doc) in docs {
        all.extend(rows(doc, study, point)?);
    }
    write_rows(all)
}

/// Reads `figures.csv` back (tests, and readers that want the rows typed).
pub fn read(bytes: &[u8]) -> anyhow::Result<Vec<FigureRow>> {
    csv::Reader::from_reader(bytes)
        .deserialize()
        .map(|r| r.map_err(|e| anyhow::anyhow!("figures.csv: {e}")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_follow_the_summary_names() {
        assert_eq!(unit("latency_ms.p99"), "ms");
        assert_eq!(unit("latency_all_ms.max"), "ms");
        assert_eq!(unit("stages.gateway.mean"), "ms");
        assert_eq!(unit("stages.app_queue.p_wait"), "fraction");
        assert_eq!(unit("throughput_rps"), "1/s");
        assert_eq!(unit("faults.0.detected_after_s"), "s");
        assert_eq!(unit("error_rate"), "fraction");
        assert_eq!(unit("requests.failures.throttled_429"), "count");
        assert_eq!(unit("target_groups.bags.healthy_mean"), "tasks");
        assert_eq!(unit("little.response_mean_ms"), "ms");
    }

    #[test]
    fn rows_carry_the_half_width_of_the_same_figure() {
        let mut doc = crate::results::summary::testing::summary("x", 3);
        doc.figures.traffic.latency_ms.p99 = Some(120.0);
        let mut ci = doc.figures.clone();
        ci.traffic.latency_ms.p99 = Some(7.5);
        let ci: crate::results::summary::Figures<crate::results::summary::HalfWidth> =
            serde_json::from_value(serde_json::to_value(&ci).unwrap()).unwrap();
        doc.ci95 = Some(ci);
        let bytes = csv("run", [("", &doc)]).unwrap();
        let back = read(&bytes).unwrap();
        let p99 = back.iter().find(|r| r.name == "latency_ms.p99").unwrap();
        assert_eq!((p99.value, p99.ci95, p99.unit.as_str()), (120.0, 7.5, "ms"));
        assert_eq!(p99.study, "run");
        let text = String::from_utf8(bytes).unwrap();
        assert!(
            text.starts_with("scenario,study,point,name,value,ci95,unit\n"),
            "{text}"
        );
    }
}
