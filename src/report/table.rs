//! The summary for people: a plain-text table on stdout, or the same as Markdown or HTML (for
//! `report.md` and `report.html`).

use std::fmt::Write;

use crate::results::precision::Stopped;
use crate::results::summary::{Count, Fig, HalfWidth, Latency, Leaf, Stage, Summary, Traffic};

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
fn fig(v: Option<f64>, ci: Option<f64>, decimals: usize) -> String {
    let Some(v) = v else {
        return "–".into();
    };
    match ci {
        Some(ci) => format!("{v:.decimals$} ± {ci:.decimals$}"),
        None => format!("{v:.decimals$}"),
    }
}

fn count(v: Option<f64>) -> String {
    match v {
        Some(v) if v.fract() == 0.0 => format!("{v:.0}"),
        Some(v) => format!("{v:.0}"),
        None => "–".into(),
    }
}

/// The one-line heading of a summary: scenario, measured window, seed, replications and the
/// time series' row width.
pub fn heading(doc: &Summary) -> String {
    let reps = doc.replications;
    format!(
        "simroute: {}  ({} s measured of {} s, seed {}, {reps} replication{}, {} s rows)",
        doc.scenario,
        count(Some(doc.measured_s)),
        count(Some(doc.simulated_s)),
        doc.seed,
        if reps == 1 { "" } else { "s" },
        doc.timeseries_interval_s,
    )
}

/// Renders `summary.json`'s document for people: the heading, then the tables.
pub fn render(doc: &Summary, style: Style) -> String {
    let head = heading(doc);
    let head = match style {
        Style::Markdown => format!("## {head}\n\n"),
        Style::Plain => format!("{head}\n\n"),
        Style::Html => format!("<h2>{}</h2>\n", escape_html(&head)),
    };
    let mut notes = precision_lines(doc);
    if !notes.is_empty() {
        notes = match style {
            Style::Html => format!("<p>{}</p>\n", escape_html(&notes).replace('\n', "<br>\n")),
            Style::Markdown => notes.replace('\n', "  \n") + "\n",
            Style::Plain => notes + "\n",
        };
    }
    head + &notes + &tables(doc, style)
}

/// How many replications ran, the precision they reached, and the warnings about intervals;
/// one line each, empty without a precision record.
pub fn precision_lines(doc: &Summary) -> String {
    let Some(p) = &doc.precision else {
        return String::new();
    };
    let why = match p.stopped {
        Stopped::Precision => "the precision was reached".to_string(),
        Stopped::MaxReplications => format!("max_replications = {} ran first", p.max_replications),
        Stopped::Fixed => "precision = 0: a fixed count".to_string(),
    };
    let reached = p.reached.map_or("no interval".to_string(), |r| {
        format!("± {:.1}%", 100.0 * r)
    });
    let mut out = format!(
        "{} replications ({why}); widest relative 95% half-width {reached} (target {:.1}%) of {}\n",
        doc.replications,
        100.0 * p.target,
        p.figures.join(", ")
    );
    for w in &p.warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    out
}

/// The latency row of a route (or the whole run) and its half-widths.
fn latency_row(label: String, l: &Latency, ci: Option<&Latency>) -> Vec<String> {
    let pick: [fn(&Latency) -> Fig; 6] = [
        |l| l.mean,
        |l| l.p50,
        |l| l.p90,
        |l| l.p99,
        |l| l.p999,
        |l| l.max,
    ];
    let mut r = vec![label];
    r.extend(pick.map(|f| fig(f(l), ci.and_then(f), 2)));
    r
}

/// The summary's tables without the heading: requests, latency, stages, target groups, SLO.
pub fn tables(doc: &Summary, style: Style) -> String {
    let mut out = String::new();
    let f = &doc.figures;
    let ci = doc.ci95.as_ref();
    let req = &f.traffic.requests;
    let req_ci = ci.map(|c| &c.traffic.requests);

    let mut t = Table::new("Requests", &["figure", "value"]);
    type Get<C> = fn(&Traffic<C>) -> Option<f64>;
    let rows: [(&str, Get<Count>, Get<HalfWidth>, usize); 6] = [
        (
            "offered",
            |t| t.requests.offered.value(),
            |c| c.requests.offered,
            0,
        ),
        (
            "attempts (with retries)",
            |t| t.requests.attempts.value(),
            |c| c.requests.attempts,
            0,
        ),
        ("ok", |t| t.requests.ok.value(), |c| c.requests.ok, 0),
        (
            "failed",
            |t| t.requests.failed.value(),
            |c| c.requests.failed,
            0,
        ),
        (
            "throughput (ok/s)",
            |t| t.throughput_rps,
            |c| c.throughput_rps,
            2,
        ),
        ("error rate", |t| t.error_rate, |c| c.error_rate, 5),
    ];
    for (label, v, c, dec) in rows {
        t.rows.push(vec![
            label.into(),
            fig(v(&f.traffic), ci.and_then(|ci| c(&ci.traffic)), dec),
        ]);
    }
    for (cause, v) in req.failures.iter() {
        if v.value().unwrap_or(0.0) > 0.0 {
            t.rows.push(vec![
                format!("  {}", cause.name()),
                fig(v.value(), req_ci.and_then(|c| *c.failures.get(cause)), 0),
            ]);
        }
    }
    t.render(style, &mut out);

    let mut t = Table::new(
        "Latency of ok requests (ms)",
        &["", "mean", "p50", "p90", "p99", "p99.9", "max"],
    );
    t.rows.push(latency_row(
        "end to end".into(),
        &f.traffic.latency_ms,
        ci.map(|c| &c.traffic.latency_ms),
    ));
    t.rows.push(latency_row(
        "all responses (failed too)".into(),
        &f.traffic.latency_all_ms,
        ci.map(|c| &c.traffic.latency_all_ms),
    ));
    if f.routes.len() > 1 {
        for (name, r) in &f.routes {
            t.rows.push(latency_row(
                format!("  {name}"),
                &r.latency_ms,
                ci.and_then(|c| c.routes.get(name)).map(|c| &c.latency_ms),
            ));
        }
    }
    t.render(style, &mut out);

    let mut t = Table::new("Stages (ms)", &["stage", "mean", "p50", "p99"]);
    for (name, s) in &f.stages {
        let c = ci.and_then(|c| c.stages.get(name));
        let pick: [fn(&Stage) -> Fig; 3] = [|s| s.mean, |s| s.p50, |s| s.p99];
        let mut r = vec![name.clone()];
        r.extend(pick.map(|p| fig(p(s), c.and_then(p), 3)));
        t.rows.push(r);
    }
    t.render(style, &mut out);
    route_stage_table(doc, style, &mut out);

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
    for (name, g) in &f.target_groups {
        let c = ci.and_then(|c| c.target_groups.get(name));
        t.rows.push(vec![
            name.clone(),
            count(g.targets.value()),
            count(g.healthy_min.value()),
            count(g.requests.value()),
            fig(g.utilization, c.and_then(|c| c.utilization), 3),
            count(g.max_queue.value()),
        ]);
    }
    t.render(style, &mut out);
    route_table(doc, style, &mut out);
    fault_table(doc, style, &mut out);

    if let Some(slo) = &doc.slo {
        let mut t = Table::new("SLO", &["check", "threshold", "actual", "result"]);
        for c in &slo.checks {
            let actual = c.actual.map_or("–".into(), |a| format!("{a:.4}"));
            t.rows.push(vec![
                c.label(),
                serde_json::to_string(&c.threshold).expect("a number serializes"),
                actual,
                if c.passed { "pass" } else { "FAIL" }.into(),
            ]);
        }
        t.render(style, &mut out);
        let verdict = if slo.passed { "SLO met" } else { "SLO NOT met" };
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

/// Each stage's mean by route, when there are several routes: the pooled stages hide, say, an
/// NLB's 0.6 ms beside an ALB's 1.6 ms (three-ways.toml).
fn route_stage_table(doc: &Summary, style: Style, out: &mut String) {
    let f = &doc.figures;
    if f.route_stages.is_empty() {
        return;
    }
    let stages: Vec<&String> = f.stages.keys().collect();
    let mut header = vec!["route"];
    header.extend(stages.iter().map(|s| s.as_str()));
    let mut t = Table::new("Stage means by route (ms)", &header);
    for (route, means) in &f.route_stages {
        let c = doc.ci95.as_ref().and_then(|c| c.route_stages.get(route));
        let mut row = vec![route.clone()];
        row.extend(stages.iter().map(|stage| match means.get(*stage) {
            Some(m) => fig(*m, c.and_then(|c| c.get(*stage)).copied().flatten(), 3),
            None => "–".into(),
        }));
        t.rows.push(row);
    }
    t.render(style, out);
}

/// Per route, when there are several: what each route's clients got (a pooled row hides a
/// route that fails while the others do not).
fn route_table(doc: &Summary, style: Style, out: &mut String) {
    let f = &doc.figures;
    if f.routes.len() < 2 {
        return;
    }
    let mut t = Table::new(
        "Routes",
        &["route", "offered", "ok", "failed", "error rate", "ok/s"],
    );
    for (name, r) in &f.routes {
        let c = doc.ci95.as_ref().and_then(|c| c.routes.get(name));
        t.rows.push(vec![
            name.clone(),
            count(r.requests.offered.value()),
            count(r.requests.ok.value()),
            count(r.requests.failed.value()),
            fig(r.error_rate, c.and_then(|c| c.error_rate), 5),
            fig(r.throughput_rps, c.and_then(|c| c.throughput_rps), 2),
        ]);
    }
    t.render(style, out);
}

/// A fault scenario's own question, one row per fault: how long until the checks noticed, how
/// long until the group was whole again, and how many attempts failed at the hit tasks.
fn fault_table(doc: &Summary, style: Style, out: &mut String) {
    let Some(faults) = &doc.figures.faults else {
        return;
    };
    let mut t = Table::new(
        "Faults",
        &[
            "fault",
            "detected after (s)",
            "recovered after (s)",
            "failed attempts",
        ],
    );
    let ci = doc.ci95.as_ref().and_then(|c| c.faults.as_ref());
    for (i, f) in faults.iter().enumerate() {
        let c = ci.and_then(|c| c.get(i));
        t.rows.push(vec![
            i.to_string(),
            fig(f.detected_after_s, c.and_then(|c| c.detected_after_s), 1),
            fig(f.recovered_after_s, c.and_then(|c| c.recovered_after_s), 1),
            match c.and_then(|c| c.failed_requests) {
                Some(h) => format!("{} ± {h:.0}", count(f.failed_requests.value())),
                None => count(f.failed_requests.value()),
            },
        ]);
    }
    t.render(style, out);
}
