//! `report.md`: the same report as `report.html` for a repository or a pull request; charts are
//! linked as the PNG files beside it.

use std::fmt::Write;

use super::charts::Rendered;
use super::load::RunData;
use super::{Verdict, key_figures, run_line, table, verdict};

/// Escapes a table cell: a `|` would end the cell.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// Renders `report.md`.
pub fn render(d: &RunData, charts: &[Rendered]) -> String {
    let name = super::run_name(d);
    let mut out = String::new();
    let _ = writeln!(out, "# simroute report: {name}\n\n{}\n", run_line(d));

    match verdict(d) {
        Verdict::None => out.push_str("**No SLO**: the scenario has no `[slo]` section.\n\n"),
        Verdict::Checked { passed, checks } => {
            let _ = writeln!(
                out,
                "**{}**\n",
                if passed { "SLO met" } else { "SLO NOT met" }
            );
            for c in checks {
                let _ = writeln!(out, "- {c}");
            }
            out.push('\n');
        }
    }

    let figures = key_figures(d);
    let _ = writeln!(
        out,
        "| {} |\n|{}",
        figures
            .iter()
            .map(|(l, ..)| l.as_str())
            .collect::<Vec<_>>()
            .join(" | "),
        "---:|".repeat(figures.len())
    );
    let _ = writeln!(
        out,
        "| {} |\n",
        figures
            .iter()
            .map(|(_, v, ci)| if ci.is_empty() {
                v.clone()
            } else {
                format!("{v} {ci}")
            })
            .collect::<Vec<_>>()
            .join(" | ")
    );
    if let Some(note) = super::ci_note(d) {
        let _ = writeln!(out, "{note}\n");
    }

    out.push_str("## Charts\n\n");
    for r in charts {
        let stem = r.chart.stem();
        let _ = writeln!(
            out,
            "### {title}\n\n{}\n\n![{title}]({stem}.png)\n\n[SVG]({stem}.svg)\n",
            r.chart.question(),
            title = r.chart.title(),
        );
    }

    let _ = writeln!(
        out,
        "## Figures\n\n{}\n\n{}",
        table::heading(&d.summary),
        table::tables(&d.summary, table::Style::Markdown)
    );

    out.push_str("## Events\n\n");
    if d.events.is_empty() {
        out.push_str(
            "No events in this run (health transitions, faults, registrations, scaling).\n\n",
        );
    } else {
        out.push_str("| t (s) | kind | target group | target | from | to | detail |\n");
        out.push_str("|---:|---|---|---|---|---|---|\n");
        for e in &d.events {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                e.t_s,
                cell(&e.kind),
                cell(&e.target_group),
                cell(&e.target),
                cell(&e.from_text()),
                cell(&e.to_text()),
                cell(&e.detail)
            );
        }
        out.push('\n');
    }

    // A fence longer than any run of backticks in the file cannot be closed early.
    let longest = d
        .scenario_toml
        .split(|c| c != '`')
        .map(str::len)
        .max()
        .unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    let _ = writeln!(
        out,
        "## Scenario as run\n\n{fence}toml\n{}\n{fence}",
        d.scenario_toml.trim_end()
    );
    out
}
