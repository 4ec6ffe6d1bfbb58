//! `simroute sweep SCENARIO --vary KEY=V1,V2 --vary KEY=A..B[:STEP]`: every point of the grid,
//! one row each in `summary.csv`, a folder per point.

use std::fmt::Write;

use indexmap::IndexMap;
use serde::Serialize;

use crate::results::summary::{Count, Fig, HalfWidth, Summary, Traffic};
use crate::scenario::Override;

/// One `--vary`: a dotted key and its values (TOML literals, as `--set` takes them).
#[derive(Debug, Clone, PartialEq)]
pub struct Vary {
    /// Dotted path, as for `--set`.
    pub key: String,
    /// Values in order.
    pub values: Vec<String>,
}

impl Vary {
    /// Parses `KEY=V1,V2,...` or `KEY=A..B[:STEP]` (inclusive; whole numbers stay whole).
    pub fn parse(spec: &str) -> anyhow::Result<Vary> {
        let (key, values) = spec.split_once('=').ok_or_else(|| {
            anyhow::anyhow!("--vary expects KEY=V1,V2,... or KEY=A..B[:STEP], got `{spec}`")
        })?;
        let key = key.trim().to_string();
        anyhow::ensure!(!key.is_empty(), "--vary {spec}: the key is empty");
        let values = match values.split_once("..") {
            Some((from, rest)) => {
                let (to, step) = rest.split_once(':').unwrap_or((rest, "1"));
                range(from.trim(), to.trim(), step.trim())
                    .map_err(|e| anyhow::anyhow!("--vary {spec}: {e}"))?
            }
            None => values.split(',').map(|v| v.trim().to_string()).collect(),
        };
        anyhow::ensure!(
            !values.is_empty() && values.iter().all(|v| !v.is_empty()),
            "--vary {spec}: no values"
        );
        Ok(Vary { key, values })
    }
}

fn range(from: &str, to: &str, step: &str) -> Result<Vec<String>, String> {
    if let (Ok(a), Ok(b), Ok(s)) = (from.parse::<i64>(), to.parse::<i64>(), step.parse::<i64>()) {
        if s <= 0 || b < a {
            return Err("a range needs A <= B and a positive STEP".into());
        }
        if (b - a) / s > 10_000 {
            return Err("more than 10,000 points".into());
        }
        return Ok((0..=(b - a) / s).map(|i| (a + i * s).to_string()).collect());
    }
    let (a, b, s) = (
        from.parse::<f64>()
            .map_err(|_| format!("`{from}` is not a number"))?,
        to.parse::<f64>()
            .map_err(|_| format!("`{to}` is not a number"))?,
        step.parse::<f64>()
            .map_err(|_| format!("`{step}` is not a number"))?,
    );
    if !(s > 0.0 && b >= a && a.is_finite() && b.is_finite()) {
        return Err("a range needs A <= B and a positive STEP".into());
    }
    let n = ((b - a) / s + 1e-9).floor() as u64;
    if n > 10_000 {
        return Err("more than 10,000 points".into());
    }
    Ok((0..=n).map(|i| format!("{}", a + i as f64 * s)).collect())
}

/// Every combination of the varies' values, the first key varying slowest.
pub fn grid(varies: &[Vary]) -> Vec<Vec<Override>> {
    varies.iter().fold(vec![Vec::new()], |points, vary| {
        points
            .iter()
            .flat_map(|point| {
                vary.values.iter().map(move |v| {
                    let mut p = point.clone();
                    p.push(Override {
                        path: vary.key.clone(),
                        value: v.clone(),
                    });
                    p
                })
            })
            .collect()
    })
}

/// Duplicate `--vary` keys are an error: the later would silently win at every point.
pub fn check_keys(varies: &[Vary]) -> anyhow::Result<()> {
    for (i, v) in varies.iter().enumerate() {
        anyhow::ensure!(
            !varies[..i].iter().any(|w| w.key == v.key),
            "--vary {}: the key is given twice (each key may be varied once)",
            v.key
        );
    }
    Ok(())
}

/// A point's folder name: `key=value,key=value`, every byte outside `[A-Za-z0-9=.,_-]`
/// written `%XX` (and `%` itself as `%25`), so distinct points have distinct folders and a
/// name decodes back to its point ([`unlabel`]).
pub fn label(point: &[Override]) -> String {
    let text = point
        .iter()
        .map(|o| format!("{}={}", o.path, o.value))
        .collect::<Vec<_>>()
        .join(",");
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"=.,_-".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The text a [`label`] encodes (`None` for a name no label has).
pub fn unlabel(name: &str) -> Option<String> {
    let bytes = name.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The stdout table of a sweep: one line per point, aligned (`markdown = false`) or as a
/// Markdown table under a heading.
pub fn table(
    varies: &[Vary],
    points: &[Vec<Override>],
    docs: &[Summary],
    markdown: bool,
) -> String {
    let mut out = String::new();
    if markdown {
        let _ = writeln!(out, "## Sweep of {} points\n", points.len());
    } else {
        let _ = writeln!(out, "sweep of {} points", points.len());
    }
    let mut header: Vec<String> = varies.iter().map(|v| v.key.clone()).collect();
    header.extend(["ok/s", "error rate", "p50 ms", "p99 ms", "SLO"].map(String::from));
    let mut rows = vec![header];
    for (point, doc) in points.iter().zip(docs) {
        let f = |v: fn(&Traffic<Count>) -> Fig, ci: fn(&Traffic<HalfWidth>) -> Fig, d: usize| {
            let v = v(&doc.figures.traffic);
            let ci = doc.ci95.as_ref().and_then(|c| ci(&c.traffic));
            match (v, ci) {
                (Some(v), Some(ci)) => format!("{v:.d$} ± {ci:.d$}"),
                (Some(v), None) => format!("{v:.d$}"),
                _ => "–".into(),
            }
        };
        let mut row: Vec<String> = point.iter().map(|o| o.value.clone()).collect();
        row.extend([
            f(|t| t.throughput_rps, |t| t.throughput_rps, 1),
            f(|t| t.error_rate, |t| t.error_rate, 5),
            f(|t| t.latency_ms.p50, |t| t.latency_ms.p50, 2),
            f(|t| t.latency_ms.p99, |t| t.latency_ms.p99, 2),
            match &doc.slo {
                Some(s) if s.passed => "pass".into(),
                Some(_) => "FAIL".into(),
                None => "–".into(),
            },
        ]);
        rows.push(row);
    }
    out.push_str(&super::render_rows(&rows, markdown));
    out
}

/// One point of `sweep.json`.
#[derive(Debug, Serialize)]
pub struct SweepPoint<'a> {
    /// Each varied key's value, typed (numbers as numbers, booleans as booleans).
    pub point: IndexMap<&'a str, serde_json::Value>,
    /// The point's folder name.
    pub label: String,
    /// The point's summary.
    pub summary: &'a Summary,
}

/// `sweep.json`: each point's settings and summary.
pub fn sweep_json<'a>(points: &'a [Vec<Override>], docs: &'a [Summary]) -> Vec<SweepPoint<'a>> {
    points
        .iter()
        .zip(docs)
        .map(|(p, d)| SweepPoint {
            point: p.iter().map(|o| (o.path.as_str(), o.typed())).collect(),
            label: label(p),
            summary: d,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lists_and_ranges() {
        assert_eq!(
            Vary::parse("a.b=1,2,5").unwrap().values,
            vec!["1", "2", "5"]
        );
        assert_eq!(
            Vary::parse("t=2..6").unwrap().values,
            vec!["2", "3", "4", "5", "6"]
        );
        assert_eq!(Vary::parse("t=2..6:2").unwrap().values, vec!["2", "4", "6"]);
        assert_eq!(
            Vary::parse("x=0.5..1.5:0.5").unwrap().values,
            vec!["0.5", "1", "1.5"]
        );
        assert!(Vary::parse("t=6..2").is_err());
        assert!(Vary::parse("novalue").is_err());
    }

    #[test]
    fn grid_is_the_cartesian_product_in_order() {
        let g = grid(&[
            Vary::parse("a=1,2").unwrap(),
            Vary::parse("b=x,y,z").unwrap(),
        ]);
        assert_eq!(g.len(), 6);
        assert_eq!(label(&g[0]), "a=1,b=x");
        assert_eq!(label(&g[5]), "a=2,b=z");
        assert_eq!(
            label(&[Override {
                path: "n".into(),
                value: "\"a b\"".into()
            }]),
            "n=%22a%20b%22"
        );
    }

    #[test]
    fn point_folders_are_unique_and_reversible() {
        let point = |v: &str| {
            vec![Override {
                path: "name".into(),
                value: v.into(),
            }]
        };
        // `/a` and `_a` once both became `_a` and one point overwrote the other.
        assert_ne!(label(&point("/a")), label(&point("_a")));
        for v in ["/a", "_a", "%2F", "\"a b\"", "é"] {
            assert_eq!(unlabel(&label(&point(v))).unwrap(), format!("name={v}"));
        }
    }

    #[test]
    fn duplicate_vary_keys_are_an_error() {
        let a = Vary::parse("t=1,2").unwrap();
        let e = check_keys(&[a.clone(), a]).unwrap_err();
        assert!(
            format!("{e}").contains("--vary t: the key is given twice"),
            "{e}"
        );
    }
}
