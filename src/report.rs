//! Output files and stdout renderings. Each renderer is a pure function from the run's data to
//! bytes; [`atomic`] writes the whole set into a temporary folder and renames it into place.

pub mod atomic;
pub mod charts;
pub mod csv;
pub mod load;
pub mod table;

use serde_json::Value;

use crate::replicate::RunResults;
use crate::scenario::Scenario;

/// Every file of a run's output folder, rendered in memory.
pub fn render_all(
    sc: &Scenario,
    scenario_toml: &str,
    results: &RunResults,
    doc: &Value,
) -> anyhow::Result<Vec<(&'static str, Vec<u8>)>> {
    let group_names: Vec<&str> = sc.groups.iter().map(|g| g.name.as_str()).collect();
    Ok(vec![
        ("summary.json", summary_json(doc)),
        ("summary.csv", csv::summary_csv(doc)?),
        (
            "timeseries.csv",
            csv::timeseries_csv(&results.timeseries, &group_names, sc.interval)?,
        ),
        ("latency.csv", csv::latency_csv(&results.latency)?),
        ("events.csv", csv::events_csv()?),
        ("scenario.toml", scenario_toml.as_bytes().to_vec()),
    ])
}

/// `summary.json`: pretty-printed, keys in a fixed order, a trailing newline.
pub fn summary_json(doc: &Value) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(doc).expect("JSON values always serialize");
    out.push(b'\n');
    out
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
