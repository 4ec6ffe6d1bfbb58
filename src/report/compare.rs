//! A comparison's files drawn from its data files, `compare.json` and `timeseries.csv`:
//! `compare.md` (and the same for `--format markdown` / `table`), `compare.csv` and the two
//! charts. `simroute compare` renders them from the bytes it is about to write, read back, and
//! `simroute report DIR` from the bytes on disk, so both write the same.

use anyhow::Context;
use serde::{Deserialize, Serialize};

use super::File;
use super::charts::compare::{self as chart, CompareData};
use super::csv::{num, write_rows};
use crate::results::studies::{CompareDoc, HEADLINE, Value, VariantDoc, render_rows};

/// True for the files [`presentation`] writes (and `simroute report` replaces).
pub fn is_presentation_file(name: &str) -> bool {
    name == "compare.md"
        || name == "compare.csv"
        || (name.starts_with(chart::STEM) && (name.ends_with(".png") || name.ends_with(".svg")))
}

/// One row of a comparison's `timeseries.csv`: the p99 of one interval of replication 1 of
/// one variant (empty when the interval had no successful response).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct P99Row {
    /// The variant's label.
    pub variant: String,
    /// Start of the interval, s.
    #[serde(with = "num")]
    pub t_s: f64,
    /// p99 latency of its successful responses, ms.
    #[serde(with = "num")]
    pub p99_ms: f64,
}

/// The header of a comparison's `timeseries.csv` ([`P99Row`]'s fields).
pub const TIMESERIES_COLUMNS: [&str; 3] = ["variant", "t_s", "p99_ms"];

/// `timeseries.csv` of a comparison: per variant (in `labels` order), replication 1's p99 per
/// interval, `(interval start s, p99 ms)`.
pub fn timeseries_csv(labels: &[String], series: &[Vec<(f64, f64)>]) -> anyhow::Result<Vec<u8>> {
    write_rows(labels.iter().zip(series).flat_map(|(label, s)| {
        s.iter().map(|&(t_s, p99_ms)| P99Row {
            variant: label.clone(),
            t_s,
            p99_ms,
        })
    }))
}

/// Reads `timeseries.csv` back into one series per variant of `doc`, in its order.
fn parse_timeseries(bytes: &[u8], doc: &CompareDoc) -> anyhow::Result<Vec<Vec<(f64, f64)>>> {
    let mut series: Vec<Vec<(f64, f64)>> = vec![Vec::new(); doc.variants.len()];
    let mut reader = csv::Reader::from_reader(bytes);
    let header: Vec<String> = reader.headers()?.iter().map(String::from).collect();
    anyhow::ensure!(
        header == TIMESERIES_COLUMNS,
        "its header is {:?}, not {:?}",
        header.join(","),
        TIMESERIES_COLUMNS.join(",")
    );
    for (i, row) in reader.deserialize().enumerate() {
        let row: P99Row = row.with_context(|| format!("row {}", i + 2))?;
        let at = doc
            .variants
            .iter()
            .position(|v| v.variant == row.variant)
            .with_context(|| {
                format!(
                    "row {}: variant {:?} is not in compare.json",
                    i + 2,
                    row.variant
                )
            })?;
        series[at].push((row.t_s, row.p99_ms));
    }
    Ok(series)
}

/// Reads a comparison's data files (`compare.json` and `timeseries.csv`, by name) and draws
/// its other files from them; returns the document read too (for what is printed). An error
/// names the file that could not be read.
pub fn presentation(
    file: impl Fn(&str) -> anyhow::Result<Vec<u8>>,
) -> anyhow::Result<(CompareDoc, Vec<File>)> {
    let doc: CompareDoc = serde_json::from_slice(&file("compare.json")?)
        .context("compare.json is not a readable comparison")?;
    anyhow::ensure!(
        !doc.variants.is_empty(),
        "compare.json is not a readable comparison: it lists no variants"
    );
    let series = parse_timeseries(&file("timeseries.csv")?, &doc)
        .context("timeseries.csv is not a readable comparison time series")?;
    let d = CompareData {
        scenario: &doc.scenario,
        variants: &doc.variants,
        interval_s: doc.timeseries_interval_s,
        p99_over_time: &series,
    };
    let files = vec![
        (
            "compare.csv".to_string(),
            super::csv::write(&COLUMNS.map(String::from), rows(&doc))?,
        ),
        ("compare.md".to_string(), render(&doc, true).into_bytes()),
        (format!("{}.png", chart::STEM), chart::png(&d)?),
        (format!("{}.svg", chart::STEM), chart::svg(&d)?.into_bytes()),
        (
            format!("{}.png", chart::STEM_OVER_TIME),
            chart::png_over_time(&d)?,
        ),
        (
            format!("{}.svg", chart::STEM_OVER_TIME),
            chart::svg_over_time(&d)?.into_bytes(),
        ),
    ];
    Ok((doc, files))
}

/// A figure with its half-width: `12.34 ± 0.56`, `–` when undefined.
fn shown(v: &Value, decimals: usize) -> String {
    match (v.value, v.ci95) {
        (Some(x), Some(c)) => format!("{x:.decimals$} ± {c:.decimals$}"),
        (Some(x), None) => format!("{x:.decimals$}"),
        _ => "–".into(),
    }
}

/// The variants' own figures as tables (headline figures; faults; routes), aligned text or
/// Markdown: what a fault scenario asks (time to detect and to recover, failed attempts,
/// requests lost) and what each route's clients got, beside the difference tables.
pub fn variant_tables(variants: &[VariantDoc], markdown: bool) -> String {
    let title = |t: &str| {
        if markdown {
            format!("### {t}\n\n")
        } else {
            format!("{t}\n")
        }
    };
    let header = |h: &[&str]| h.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let mut out = title("Variants");
    let mut rows = vec![header(&[
        "variant",
        "replications",
        "ok/s",
        "error rate",
        "p99 ms",
        "requests lost",
        "SLO",
    ])];
    for v in variants {
        rows.push(vec![
            v.variant.clone(),
            v.replications.to_string(),
            shown(&v.throughput_rps, 1),
            shown(&v.error_rate, 5),
            shown(&v.p99_ms, 2),
            shown(&v.requests_lost, 0),
            match v.slo_passed {
                Some(true) => "pass".into(),
                Some(false) => "FAIL".into(),
                None => "–".into(),
            },
        ]);
    }
    out.push_str(&render_rows(&rows, markdown));
    if variants.iter().any(|v| !v.faults.is_empty()) {
        out.push('\n');
        out.push_str(&title("Faults"));
        let mut rows = vec![header(&[
            "variant",
            "fault",
            "detected after (s)",
            "recovered after (s)",
            "failed attempts",
        ])];
        for v in variants {
            for (i, f) in v.faults.iter().enumerate() {
                rows.push(vec![
                    v.variant.clone(),
                    i.to_string(),
                    shown(&f.detected_after_s, 1),
                    shown(&f.recovered_after_s, 1),
                    shown(&f.failed_attempts, 0),
                ]);
            }
        }
        out.push_str(&render_rows(&rows, markdown));
    }
    if variants.iter().any(|v| v.routes.len() > 1) {
        out.push('\n');
        out.push_str(&title("Routes"));
        let mut rows = vec![header(&["variant", "route", "error rate", "p99 ms"])];
        for v in variants {
            for (name, r) in &v.routes {
                rows.push(vec![
                    v.variant.clone(),
                    name.clone(),
                    shown(&r.error_rate, 5),
                    shown(&r.p99_ms, 2),
                ]);
            }
        }
        out.push_str(&render_rows(&rows, markdown));
    }
    out
}

/// Rows of `compare.csv`: `(variant, figure, baseline, variant value, difference, ci95, p,
/// significant)`.
pub fn rows(doc: &CompareDoc) -> Vec<Vec<String>> {
    doc.comparisons
        .iter()
        .flat_map(|c| {
            c.figures.iter().map(move |d| {
                vec![
                    c.variant.clone(),
                    d.figure.clone(),
                    format!("{:.6}", d.baseline),
                    format!("{:.6}", d.variant),
                    format!("{:+.6}", d.difference),
                    format!("{:.6}", d.ci95),
                    format!("{:.4}", d.p_value),
                    if d.significant { "yes" } else { "no" }.to_string(),
                ]
            })
        })
        .collect()
}

/// The header of [`rows`].
pub const COLUMNS: [&str; 8] = [
    "variant",
    "figure",
    "baseline",
    "value",
    "difference",
    "ci95",
    "p_value",
    "significant",
];

/// The comparison for people, as Markdown (`compare.md`, `--format markdown`) or aligned
/// text (`--format table`): the difference of every figure from the baseline, then each
/// variant's own figures ([`variant_tables`]).
pub fn render(doc: &CompareDoc, markdown: bool) -> String {
    let note = format!(
        "Paired t-test over replications (common random numbers); significance at 95% with Holm's correction over the {} figures.",
        HEADLINE.len()
    );
    let mut out = if markdown {
        format!("## Compared with `{}`\n\n{note}\n\n", doc.baseline)
    } else {
        format!("compared with {}\n{note}\n\n", doc.baseline)
    };
    let mut rows = vec![
        [
            "variant",
            "figure",
            "baseline",
            "value",
            "difference (95% CI)",
            "p",
            "significant",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for c in &doc.comparisons {
        for d in &c.figures {
            rows.push(vec![
                c.variant.clone(),
                d.figure.clone(),
                format!("{:.4}", d.baseline),
                format!("{:.4}", d.variant),
                format!("{:+.4} ± {:.4}", d.difference, d.ci95),
                format!("{:.4}", d.p_value),
                match (d.significant, markdown) {
                    (true, true) => "**yes**".into(),
                    (true, false) => "yes".into(),
                    _ => "no".into(),
                },
            ]);
        }
    }
    out.push_str(&render_rows(&rows, markdown));
    out.push('\n');
    out.push_str(&variant_tables(&doc.variants, markdown));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(labels: &[&str]) -> CompareDoc {
        let none = Value {
            value: None,
            ci95: None,
        };
        CompareDoc {
            scenario: "x".into(),
            baseline: labels[0].into(),
            timeseries_interval_s: 1.0,
            variants: labels
                .iter()
                .map(|l| VariantDoc {
                    variant: l.to_string(),
                    settings: Default::default(),
                    replications: 2,
                    slo_passed: None,
                    slo: None,
                    throughput_rps: none,
                    error_rate: none,
                    p99_ms: none,
                    requests_lost: none,
                    faults: Vec::new(),
                    routes: Default::default(),
                })
                .collect(),
            comparisons: Vec::new(),
        }
    }

    #[test]
    fn the_time_series_reads_back_exactly_per_variant() {
        let labels = ["baseline".to_string(), "a=1,b=2".to_string()];
        let series = vec![
            vec![(0.0, 1.0 / 3.0), (1.0, f64::NAN)],
            vec![(0.0, 2.5), (1.0, 1e-300)],
        ];
        let bytes = timeseries_csv(&labels, &series).unwrap();
        assert!(bytes.starts_with(b"variant,t_s,p99_ms\n"));
        let back = parse_timeseries(&bytes, &doc(&["baseline", "a=1,b=2"])).unwrap();
        assert_eq!(back[0][0], (0.0, 1.0 / 3.0));
        assert!(back[0][1].1.is_nan());
        assert_eq!(back[1], series[1]);
    }

    #[test]
    fn a_time_series_of_another_comparison_is_an_error() {
        let bytes = timeseries_csv(&["other".to_string()], &[vec![(0.0, 1.0)]]).unwrap();
        let e = parse_timeseries(&bytes, &doc(&["baseline"])).unwrap_err();
        assert!(
            format!("{e:#}").contains("\"other\" is not in compare.json"),
            "{e:#}"
        );
        let e = parse_timeseries(b"t_s,p99_ms\n0,1\n", &doc(&["baseline"])).unwrap_err();
        assert!(format!("{e:#}").contains("its header is"), "{e:#}");
    }
}
