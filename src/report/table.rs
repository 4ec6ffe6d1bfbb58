//! The summary for people: a plain-text table on stdout, or the same as Markdown or HTML (for
//! `report.md` and `report.html`).

use std::fmt::Write;

use serde_json::Value;

use crate::results::summary::lookup;

/// Text style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Aligned columns for a terminal.
    Plain,
    /// GitHub-flavoured Markdown tables.
    Markdown,
    /// HTML tables (cells escaped), for `report.html`.
    Html,
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

struct Table {
    title: String,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn new(title: &str, header: &[&str]) -> Self {
        Table {
            title: title.to_string(),
            header: header.iter().map(|s| s.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    fn render(&self, style: Style, out: &mut String) {
        if self.rows.is_empty() {
            return;
        }
        match style {
            Style::Markdown => {
                let _ = writeln!(out, "### {}\n", self.title);
                let _ = writeln!(out, "| {} |", self.header.join(" | "));
                let _ = writeln!(out, "|{}", "---|".repeat(self.header.len()));
                for r in &self.rows {
                    let _ = writeln!(out, "| {} |", r.join(" | "));
                }
                out.push('\n');
            }
            Style::Html => {
                let _ = writeln!(out, "<h3>{}</h3>", escape_html(&self.title));
                let _ = writeln!(out, "<table>\n<thead><tr>");
                for h in &self.header {
                    let _ = write!(out, "<th>{}</th>", escape_html(h));
                }
                let _ = writeln!(out, "</tr></thead>\n<tbody>");
                for r in &self.rows {
                    out.push_str("<tr>");
                    for c in r {
                        // Verdict cells get a class so the stylesheet can colour them;
                        // indented sub-rows (failure causes, routes) keep their indent as one.
                        let class = match c.as_str() {
                            "pass" => " class=\"pass\"",
                            "FAIL" => " class=\"fail\"",
                            _ if c.starts_with("  ") => " class=\"sub\"",
                            _ => "",
                        };
                        let _ = write!(out, "<td{class}>{}</td>", escape_html(c.trim_start()));
                    }
                    out.push_str("</tr>\n");
                }
                let _ = writeln!(out, "</tbody>\n</table>");
            }
            Style::Plain => {
                let widths: Vec<usize> = (0..self.header.len())
                    .map(|i| {
                        self.rows
                            .iter()
                            .map(|r| r[i].chars().count())
                            .chain([self.header[i].chars().count()])
                            .max()
                            .unwrap_or(0)
                    })
                    .collect();
                let _ = writeln!(out, "{}", self.title);
                let line = |cells: &[String], out: &mut String| {
                    let mut s = String::from("  ");
                    for (i, c) in cells.iter().enumerate() {
                        if i == 0 {
                            let _ = write!(s, "{c:<w$}", w = widths[i]);
                        } else {
                            let _ = write!(s, "  {c:>w$}", w = widths[i]);
                        }
                    }
                    let _ = writeln!(out, "{}", s.trim_end());
                };
                line(&self.header, out);
                for r in &self.rows {
                    line(r, out);
                }
                out.push('\n');
            }
        }
    }
}

/// A figure with its 95% half-width when there is one, e.g. `41.20 ± 0.85`.
fn fig(doc: &Value, path: &str, decimals: usize) -> String {
    let Some(v) = lookup(doc, path).and_then(Value::as_f64) else {
        return "–".into();
    };
    match lookup(doc, &format!("ci95.{path}")).and_then(Value::as_f64) {
        Some(ci) => format!("{v:.decimals$} ± {ci:.decimals$}"),
        None => format!("{v:.decimals$}"),
    }
}

fn count(doc: &Value, path: &str) -> String {
    match lookup(doc, path).and_then(Value::as_f64) {
        Some(v) if v.fract() == 0.0 => format!("{v:.0}"),
        Some(v) => format!("{v:.1}"),
        None => "–".into(),
    }
}

/// The one-line heading of a summary: scenario, measured window, seed, replications.
pub fn heading(doc: &Value) -> String {
    let name = lookup(doc, "scenario")
        .and_then(Value::as_str)
        .unwrap_or("?");
    let reps = count(doc, "replications");
    format!(
        "simroute: {name}  ({} s measured of {} s, seed {}, {reps} replication{})",
        count(doc, "measured_s"),
        count(doc, "simulated_s"),
        count(doc, "seed"),
        if reps == "1" { "" } else { "s" }
    )
}

/// Renders `summary.json`'s document for people: the heading, then the tables.
pub fn render(doc: &Value, style: Style) -> String {
    let head = heading(doc);
    let head = match style {
        Style::Markdown => format!("## {head}\n\n"),
        Style::Plain => format!("{head}\n\n"),
        Style::Html => format!("<h2>{}</h2>\n", escape_html(&head)),
    };
    head + &tables(doc, style)
}

/// The summary's tables without the heading: requests, latency, stages, target groups, SLO.
pub fn tables(doc: &Value, style: Style) -> String {
    let mut out = String::new();

    let mut t = Table::new("Requests", &["figure", "value"]);
    for (label, path, dec) in [
        ("offered", "requests.offered", 0),
        ("attempts (with retries)", "requests.attempts", 0),
        ("ok", "requests.ok", 0),
        ("failed", "requests.failed", 0),
        ("throughput (ok/s)", "throughput_rps", 2),
        ("error rate", "error_rate", 5),
    ] {
        t.rows.push(vec![label.into(), fig(doc, path, dec)]);
    }
    if let Some(Value::Object(f)) = lookup(doc, "requests.failures") {
        for (cause, v) in f {
            if v.as_f64().unwrap_or(0.0) > 0.0 {
                t.rows.push(vec![
                    format!("  {cause}"),
                    fig(doc, &format!("requests.failures.{cause}"), 0),
                ]);
            }
        }
    }
    t.render(style, &mut out);

    let mut t = Table::new(
        "Latency of ok requests (ms)",
        &["", "mean", "p50", "p90", "p99", "p99.9", "max"],
    );
    let row = |label: &str, base: &str| {
        let mut r = vec![label.to_string()];
        r.extend(
            ["mean", "p50", "p90", "p99", "p999", "max"]
                .map(|k| fig(doc, &format!("{base}.{k}"), 2)),
        );
        r
    };
    t.rows.push(row("end to end", "latency_ms"));
    if let Some(Value::Object(routes)) = lookup(doc, "routes")
        && routes.len() > 1
    {
        for name in routes.keys() {
            t.rows.push(row(
                &format!("  {name}"),
                &format!("routes.{name}.latency_ms"),
            ));
        }
    }
    t.render(style, &mut out);

    let mut t = Table::new("Stages (ms)", &["stage", "mean", "p50", "p99"]);
    if let Some(Value::Object(stages)) = lookup(doc, "stages") {
        for name in stages.keys() {
            let mut r = vec![name.clone()];
            r.extend(["mean", "p50", "p99"].map(|k| fig(doc, &format!("stages.{name}.{k}"), 3)));
            t.rows.push(r);
        }
    }
    t.render(style, &mut out);

    let mut t = Table::new(
        "Target groups",
        &[
            "group",
            "targets",
            "healthy min",
            "requests",
            "utilization",
            "max queue",
        ],
    );
    if let Some(Value::Object(groups)) = lookup(doc, "target_groups") {
        for name in groups.keys() {
            let p = |k: &str| format!("target_groups.{name}.{k}");
            t.rows.push(vec![
                name.clone(),
                count(doc, &p("targets")),
                count(doc, &p("healthy_min")),
                count(doc, &p("requests")),
                fig(doc, &p("utilization"), 3),
                count(doc, &p("max_queue")),
            ]);
        }
    }
    t.render(style, &mut out);

    if let Some(Value::Array(checks)) = lookup(doc, "slo.checks") {
        let mut t = Table::new("SLO", &["check", "threshold", "actual", "result"]);
        for c in checks {
            let actual = c["actual"]
                .as_f64()
                .map_or("–".into(), |a| format!("{a:.4}"));
            t.rows.push(vec![
                c["metric"].as_str().unwrap_or("?").to_string(),
                c["threshold"].to_string(),
                actual,
                if c["passed"] == Value::Bool(true) {
                    "pass".into()
                } else {
                    "FAIL".into()
                },
            ]);
        }
        t.render(style, &mut out);
        let verdict = if lookup(doc, "slo.passed") == Some(&Value::Bool(true)) {
            "SLO met"
        } else {
            "SLO NOT met"
        };
        match style {
            Style::Html => {
                let _ = writeln!(out, "<p class=\"verdict-line\">{verdict}</p>");
            }
            _ => {
                let _ = writeln!(out, "{verdict}");
            }
        }
    }
    out
}
