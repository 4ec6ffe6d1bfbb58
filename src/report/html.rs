//! `report.html`: one self-contained page (charts as inline SVG, styles inline, no scripts, no
//! external resources), so it can be mailed, attached to a design review or opened offline.

use std::fmt::Write;

use super::charts::Rendered;
use super::load::RunData;
use super::table::{self, escape_html as esc};
use super::{Verdict, key_figures, verdict};

/// Most events listed in the page; `events.csv` has them all.
const MAX_EVENTS: usize = 500;

const STYLE: &str = r#"
:root { --ink: #222; --muted: #5f5f5f; --line: #dddddd; --soft: #f6f7f9;
        --pass: #1e7b34; --pass-bg: #e8f5eb; --fail: #b01e2a; --fail-bg: #fdecee; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff;
       font: 16px/1.5 "DejaVu Sans", system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 1240px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 28px; margin: 0 0 4px; }
h2 { font-size: 22px; margin: 40px 0 12px; padding-bottom: 6px; border-bottom: 1px solid var(--line); }
h3 { font-size: 17px; margin: 24px 0 8px; }
.meta { color: var(--muted); margin: 0 0 20px; }
nav { margin: 0 0 8px; color: var(--muted); font-size: 15px; }
nav a { color: inherit; margin-right: 14px; }
.verdict { border-radius: 8px; padding: 14px 18px; margin: 0 0 20px; border: 1px solid; }
.verdict.pass { background: var(--pass-bg); border-color: var(--pass); }
.verdict.fail { background: var(--fail-bg); border-color: var(--fail); }
.verdict.none { background: var(--soft); border-color: var(--line); }
.verdict strong { font-size: 20px; }
.verdict.pass strong { color: var(--pass); }
.verdict.fail strong { color: var(--fail); }
.verdict ul { margin: 6px 0 0; padding-left: 20px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 12px; margin: 0 0 8px; }
.card { background: var(--soft); border-radius: 8px; padding: 12px 14px; }
.card .label { color: var(--muted); font-size: 14px; }
.card .value { font-size: 22px; font-weight: bold; font-variant-numeric: tabular-nums; }
.card .ci { color: var(--muted); font-size: 14px; }
figure.chart { margin: 0 0 28px; border: 1px solid var(--line); border-radius: 8px; padding: 12px; }
figure.chart figcaption { margin: 0 0 8px; color: var(--muted); }
figure.chart figcaption a { color: inherit; font-size: 14px; }
figure.chart svg { display: block; width: 100%; height: auto; }
table { border-collapse: collapse; margin: 0 0 12px; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 12px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th { background: var(--soft); font-weight: 600; }
th:first-child, td:first-child { text-align: left; }
td.sub { padding-left: 28px; color: var(--muted); }
table.events th, table.events td { text-align: left; }
table.events th:first-child, table.events td:first-child { text-align: right; }
td.pass { color: var(--pass); font-weight: bold; }
td.fail { color: var(--fail); font-weight: bold; }
.tables { overflow-x: auto; }
.verdict-line { display: none; }
pre { background: var(--soft); border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px;
      overflow-x: auto; font: 14px/1.45 "DejaVu Sans Mono", ui-monospace, Menlo, Consolas, monospace; }
details summary { cursor: pointer; color: var(--muted); margin: 0 0 8px; }
footer { margin-top: 40px; color: var(--muted); font-size: 14px; }
"#;

/// Renders `report.html` from the run's data and its rendered charts.
pub fn render(d: &RunData, charts: &[Rendered]) -> String {
    let name = super::run_name(d);
    let name = name.as_str();
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>simroute report: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        esc(name)
    );
    let _ = writeln!(out, "<h1>{}</h1>", esc(name));
    let _ = writeln!(out, "<p class=\"meta\">{}</p>", esc(&super::run_line(d)));

    match verdict(d) {
        Verdict::None => out.push_str(
            "<div class=\"verdict none\"><strong>No SLO</strong>: the scenario has no \
             <code>[slo]</code> section.</div>\n",
        ),
        Verdict::Checked { passed, checks } => {
            let (class, head) = if passed {
                ("pass", "SLO met")
            } else {
                ("fail", "SLO not met")
            };
            let _ = write!(
                out,
                "<div class=\"verdict {class}\" id=\"slo\"><strong>{head}</strong>\n<ul>\n"
            );
            for c in checks {
                let _ = writeln!(out, "<li>{}</li>", esc(&c));
            }
            out.push_str("</ul></div>\n");
        }
    }

    out.push_str("<div class=\"cards\">\n");
    for (label, value, ci) in key_figures(d) {
        let _ = writeln!(
            out,
            "<div class=\"card\"><div class=\"label\">{}</div><div class=\"value\">{}</div>\
             <div class=\"ci\">{}</div></div>",
            esc(&label),
            esc(&value),
            esc(&ci)
        );
    }
    out.push_str("</div>\n");
    if let Some(note) = super::ci_note(d) {
        let _ = writeln!(out, "<p class=\"meta\">{}</p>", esc(&note));
    }

    out.push_str(
        "<nav><a href=\"#charts\">Charts</a><a href=\"#figures\">Figures</a>\
         <a href=\"#events\">Events</a><a href=\"#scenario\">Scenario as run</a></nav>\n",
    );

    out.push_str("<h2 id=\"charts\">Charts</h2>\n");
    for r in charts {
        let stem = r.chart.stem();
        let _ = write!(
            out,
            "<figure class=\"chart\" id=\"{stem}\">\n<figcaption>{} \
             <a href=\"{stem}.png\">PNG</a> · <a href=\"{stem}.svg\">SVG</a></figcaption>\n",
            esc(r.chart.question()),
        );
        // The SVG goes in as markup (not an <img>), so the page needs no other file; an
        // accessible name tells screen readers what the picture is.
        let svg = r.svg.trim_end().replacen(
            "<svg ",
            &format!("<svg role=\"img\" aria-label=\"{}\" ", esc(r.chart.title())),
            1,
        );
        out.push_str(&svg);
        out.push_str("\n</figure>\n");
    }

    let _ = writeln!(
        out,
        "<h2 id=\"figures\">Figures</h2>\n<p class=\"meta\">{}</p>\n<div class=\"tables\">\n{}</div>",
        esc(&table::heading(&d.summary)),
        table::tables(&d.summary, table::Style::Html)
    );

    out.push_str("<h2 id=\"events\">Events</h2>\n");
    if d.events.is_empty() {
        out.push_str(
            "<p>No events in this run (health transitions, faults, registrations, scaling).</p>\n",
        );
    } else {
        if d.events.len() > MAX_EVENTS {
            let _ = writeln!(
                out,
                "<p class=\"meta\">The first {MAX_EVENTS} of {} events; all are in \
                 <code>events.csv</code>.</p>",
                d.events.len()
            );
        }
        out.push_str(
            "<div class=\"tables\"><table class=\"events\">\n<thead><tr><th>t (s)</th><th>kind</th>\
             <th>target group</th><th>target</th><th>from</th><th>to</th><th>detail</th>\
             </tr></thead>\n<tbody>\n",
        );
        for e in d.events.iter().take(MAX_EVENTS) {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
                 <td>{}</td></tr>",
                e.t_s,
                esc(&e.kind),
                esc(&e.target_group),
                esc(&e.target),
                esc(&e.from_text()),
                esc(&e.to_text()),
                esc(&e.detail)
            );
        }
        out.push_str("</tbody>\n</table></div>\n");
    }

    // Folded: the resolved scenario runs to a hundred lines or more, and would otherwise be
    // most of the page. <details> needs no script.
    let _ = writeln!(
        out,
        "<h2 id=\"scenario\">Scenario as run</h2>\n<p class=\"meta\">Every default filled in and \
         every <code>--set</code> override applied; <code>scenario.toml</code> in this folder \
         reruns it.</p>\n<details><summary>scenario.toml ({} lines)</summary>\n\
         <pre><code>{}</code></pre>\n</details>",
        d.scenario_toml.lines().count(),
        esc(d.scenario_toml.trim_end())
    );
    let _ = writeln!(
        out,
        "<footer>Written by simroute {}. <code>simroute report FOLDER</code> rebuilds the \
         charts and this page from the folder's data files.</footer>",
        env!("CARGO_PKG_VERSION"),
    );
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

/// A figure's text with its 95% half-width, for cards.
pub(super) fn with_ci(
    v: Option<f64>,
    ci: Option<f64>,
    fmt: impl Fn(f64) -> String,
) -> (String, String) {
    (
        v.map_or("–".into(), &fmt),
        // Two significant digits are all an interval's width carries.
        ci.map_or(String::new(), |c| {
            let rounded: f64 = super::significant(c, 2).parse().unwrap_or(c);
            format!("± {}", fmt(rounded))
        }),
    )
}
