//! CSV renderings: `summary.csv` (the summary flattened to one row), `timeseries.csv`,
//! `latency.csv` and `events.csv`. Undefined figures are empty cells, which pandas reads as NaN.

use serde_json::Value;

use super::load::Event;
use crate::engine::Nanos;
use crate::engine::time::to_secs;
use crate::results::summary::Summary;
use crate::stats::latency::LatencyStat;
use crate::stats::recorder::EventRow;
use crate::stats::timeseries::Row;
use crate::vocab::Failure;

/// Calls `leaf` with each leaf of a JSON tree and its dotted path (`latency_ms.p99`, array
/// elements by index), in document order.
fn leaves(prefix: &str, v: &Value, leaf: &mut impl FnMut(String, &Value)) {
    let join = |k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match v {
        Value::Object(m) => m.iter().for_each(|(k, v)| leaves(&join(k), v, leaf)),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, v)| leaves(&join(&i.to_string()), v, leaf)),
        other => leaf(prefix.to_string(), other),
    }
}

/// Flattens a JSON tree into `(dotted.path, cell)` pairs, in document order.
pub fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
    leaves(prefix, v, &mut |path, leaf| {
        let cell = match leaf {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        out.push((path, cell));
    });
}

/// The numeric leaves of a JSON tree as `(dotted.path, value)`, in document order (the paths
/// of [`flatten`]); `null` (an undefined figure) is NaN, strings and booleans are left out.
pub fn flatten_numbers(prefix: &str, v: &Value, out: &mut Vec<(String, f64)>) {
    leaves(prefix, v, &mut |path, leaf| match leaf {
        Value::Null => out.push((path, f64::NAN)),
        Value::Number(n) => out.push((path, n.as_f64().unwrap_or(f64::NAN))),
        _ => {}
    });
}

/// Writes rows of cells under a header as CSV bytes.
pub fn write(
    header: &[String],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header)?;
    for row in rows {
        w.write_record(&row)?;
    }
    Ok(w.into_inner()?)
}

/// `summary.csv`: one row, one column per figure of `summary.json`.
pub fn summary_csv(doc: &Summary) -> anyhow::Result<Vec<u8>> {
    summary_rows(std::slice::from_ref(doc), &[])
}

/// `replications.csv`: one row per replication, in index order, with a leading `replication`
/// column and then the columns of `summary.csv` (that replication's exact counts and figures,
/// and its own SLO verdict), so a reader can see the spread behind each mean.
pub fn replications_csv(
    sc: &crate::scenario::Scenario,
    per_replication: &[crate::results::summary::Figures<crate::results::summary::Count>],
) -> anyhow::Result<Vec<u8>> {
    let docs: Vec<Summary> = per_replication
        .iter()
        .map(|f| {
            let slo = crate::results::slo::evaluate(&sc.slo, f);
            Summary::new(sc, 1, f.clone(), None, slo)
        })
        .collect();
    let index = (0..docs.len()).map(|i| i.to_string()).collect();
    summary_rows(&docs, &[("replication".to_string(), index)])
}

/// Several summaries as rows of one CSV (sweeps); `extra` columns come first, one value per row.
/// Columns are the union over the rows, in first-seen order (points with more targets have more
/// `per_target` columns); a row without a column has an empty cell there.
pub fn summary_rows(docs: &[Summary], extra: &[(String, Vec<String>)]) -> anyhow::Result<Vec<u8>> {
    summary_rows_of(docs, extra)
}

/// [`summary_rows`] for anything that serializes to a tree (its fields' names make the
/// dotted column names, in field order).
fn summary_rows_of<T: serde::Serialize>(
    docs: &[T],
    extra: &[(String, Vec<String>)],
) -> anyhow::Result<Vec<u8>> {
    let flat: Vec<Vec<(String, String)>> = docs
        .iter()
        .map(|doc| {
            let mut cells = Vec::new();
            flatten("", &serde_json::to_value(doc)?, &mut cells);
            Ok(cells)
        })
        .collect::<anyhow::Result<_>>()?;
    let mut columns: Vec<&str> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for cells in &flat {
        for (k, _) in cells {
            if seen.insert(k.as_str()) {
                columns.push(k);
            }
        }
    }
    let mut header: Vec<String> = extra.iter().map(|(k, _)| k.clone()).collect();
    header.extend(columns.iter().map(|c| c.to_string()));
    let rows = flat.iter().enumerate().map(|(i, cells)| {
        let by_name: std::collections::HashMap<&str, &str> = cells
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let mut row: Vec<String> = extra.iter().map(|(_, v)| v[i].clone()).collect();
        row.extend(
            columns
                .iter()
                .map(|c| by_name.get(c).copied().unwrap_or("").to_string()),
        );
        row
    });
    write(&header, rows)
}

fn cell(x: f64) -> String {
    if x.is_finite() {
        x.to_string()
    } else {
        String::new()
    }
}

/// Serde for a numeric CSV cell: written as `f64`'s `Display` (`30`, `0.25`, not `30.0`), an
/// undefined figure (NaN) as an empty cell, and read back the same way.
pub mod num {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes `x` (empty when not finite).
    pub fn serialize<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::cell(*x))
    }

    /// Reads a cell; empty is NaN, anything else unparsable is an error naming it.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        if text.is_empty() {
            return Ok(f64::NAN);
        }
        text.parse()
            .map_err(|_| serde::de::Error::custom(format!("{text:?} is not a number")))
    }
}

/// One row of `latency.csv`: a point of the end-to-end latency CDF.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LatencyRow {
    /// Latency, ms.
    #[serde(with = "num")]
    pub latency_ms: f64,
    /// Fraction of successful requests at or below it.
    #[serde(with = "num")]
    pub cumulative_fraction: f64,
}

/// Rows of a derived row type as CSV bytes, the header from its field names.
pub fn write_rows<T: serde::Serialize>(
    rows: impl IntoIterator<Item = T>,
) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in rows {
        w.serialize(row)?;
    }
    Ok(w.into_inner()?)
}

/// `timeseries.csv`: one row per interval.
pub fn timeseries_csv(rows: &[Row], groups: &[&str], interval: Nanos) -> anyhow::Result<Vec<u8>> {
    let mut header: Vec<String> = ["t_s", "offered", "ok"].map(String::from).to_vec();
    header.extend(Failure::ALL.iter().map(|f| f.name().to_string()));
    header.extend(["failed", "throughput_rps", "p50_ms", "p99_ms", "in_flight"].map(String::from));
    for g in groups {
        header.extend([
            format!("healthy_{g}"),
            format!("registered_{g}"),
            format!("draining_{g}"),
        ]);
    }
    let width = to_secs(interval);
    write(
        &header,
        rows.iter().map(|r| {
            let mut row = vec![cell(r.t_s), r.offered.to_string(), r.ok.to_string()];
            row.extend(r.failures.iter().map(u32::to_string));
            row.push(r.failures.iter().sum::<u32>().to_string());
            row.push(cell(f64::from(r.ok) / width));
            row.push(cell(r.p50_ms));
            row.push(cell(r.p99_ms));
            row.push(r.in_flight.to_string());
            row.extend(r.healthy.iter().flatten().map(u32::to_string));
            row
        }),
    )
}

/// `latency.csv`: the end-to-end latency CDF of successful requests.
pub fn latency_csv(latency: &LatencyStat) -> anyhow::Result<Vec<u8>> {
    let cdf = latency.cdf();
    if cdf.is_empty() {
        // No row to take the header from.
        return write(&["latency_ms".into(), "cumulative_fraction".into()], []);
    }
    write_rows(
        cdf.into_iter()
            .map(|(latency_ms, cumulative_fraction)| LatencyRow {
                latency_ms,
                cumulative_fraction,
            }),
    )
}

/// `events.csv`: health transitions, faults, registrations and scaling actions, in time order.
pub fn events_csv(events: &[EventRow], groups: &[&str]) -> anyhow::Result<Vec<u8>> {
    if events.is_empty() {
        return write(&EVENTS_COLUMNS.map(String::from), []);
    }
    write_rows(events.iter().map(|e| {
        // A scaling event changes the desired task count, not a state: its counts go in
        // their own integer columns, so `from`/`to` hold states only.
        let counts = SCALING_KINDS.contains(&e.kind);
        let state = |s: &String| if counts { String::new() } else { s.clone() };
        let count = |s: &String| if counts { s.parse().ok() } else { None };
        Event {
            t_s: to_secs(e.t),
            kind: e.kind.to_string(),
            target_group: groups[e.group as usize].to_string(),
            target: e.target.map_or(String::new(), |t| t.to_string()),
            from: state(&e.from),
            to: state(&e.to),
            from_count: count(&e.from),
            to_count: count(&e.to),
            detail: e.detail.clone(),
        }
    }))
}

/// The event kinds whose `from`/`to` are desired task counts (Application Auto Scaling).
const SCALING_KINDS: [&str; 2] = ["scale_out", "scale_in"];

/// The columns of `events.csv` (the field names of [`Event`]), for a file without rows.
const EVENTS_COLUMNS: [&str; 9] = [
    "t_s",
    "kind",
    "target_group",
    "target",
    "from",
    "to",
    "from_count",
    "to_count",
    "detail",
];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rows_with_different_columns_share_one_header() {
        let a = json!({"x": 1, "t": [1]});
        let b = json!({"x": 2, "t": [1, 2]});
        let text = String::from_utf8(
            summary_rows_of(&[a, b], &[("k".into(), vec!["a".into(), "b".into()])]).unwrap(),
        )
        .unwrap();
        assert_eq!(text, "k,x,t.0,t.1\na,1,1,\nb,2,1,2\n");
    }

    #[test]
    fn row_types_write_the_header_of_an_empty_file_too() {
        let empty = String::from_utf8(events_csv(&[], &[]).unwrap()).unwrap();
        let row = Event {
            t_s: 1.5,
            kind: "fault".into(),
            ..Event::default()
        };
        let one = String::from_utf8(write_rows([row]).unwrap()).unwrap();
        assert_eq!(one.lines().next(), empty.lines().next());
        assert_eq!(one.lines().nth(1), Some("1.5,fault,,,,,,,"));
        let lat = String::from_utf8(latency_csv(&LatencyStat::new()).unwrap()).unwrap();
        let row = LatencyRow {
            latency_ms: 2.0,
            cumulative_fraction: f64::NAN,
        };
        let one = String::from_utf8(write_rows([row]).unwrap()).unwrap();
        assert_eq!(one, format!("{}2,\n", lat));
    }

    #[test]
    fn flattens_in_document_order() {
        let doc = json!({"scenario": "x", "requests": {"ok": 3, "failures": {"a": 1}}, "p": null, "l": [1, 2]});
        let text = String::from_utf8(summary_rows_of(&[doc], &[]).unwrap()).unwrap();
        assert_eq!(
            text,
            "scenario,requests.ok,requests.failures.a,p,l.0,l.1\nx,3,1,,1,2\n"
        );
    }
}
