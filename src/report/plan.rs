//! A capacity plan's files drawn from its data file, `plan.json`: `plan.md` (and the same for
//! `--format markdown` / `table`) and `plan.csv`. `simroute plan` renders them from the bytes
//! it is about to write, read back, and `simroute report DIR` from the bytes on disk, so both
//! write the same.

use anyhow::Context;

use super::File;
use crate::results::studies::{BindingDoc, EvaluationDoc, PlanDoc, render_rows};
use crate::results::summary::{Count, Figures, HalfWidth};
use crate::vocab::SloMetric;

/// The data file of a plan's folder that its other files are drawn from.
pub const DATA_FILE: &str = "plan.json";

/// True for the files [`presentation`] writes (and `simroute report` replaces).
pub fn is_presentation_file(name: &str) -> bool {
    name == "plan.md" || name == "plan.csv"
}

/// Reads `plan.json` and draws `plan.csv` and `plan.md` from it; returns the document read too
/// (for what is printed). An error names the file.
pub fn presentation(json: &[u8]) -> anyhow::Result<(PlanDoc, Vec<File>)> {
    let doc: PlanDoc =
        serde_json::from_slice(json).context("plan.json is not a readable capacity plan")?;
    let (header, rows) = rows(&doc);
    let files = vec![
        (
            "plan.csv".to_string(),
            super::csv::write(&header, rows.iter().cloned())?,
        ),
        ("plan.md".to_string(), render(&doc, true).into_bytes()),
    ];
    Ok((doc, files))
}

/// The plan for people: its recommendation in words and a row per count tried, as Markdown
/// (`plan.md`, `--format markdown`) or aligned text (`--format table`).
pub fn render(doc: &PlanDoc, markdown: bool) -> String {
    let (header, rows) = rows(doc);
    let mut grid = vec![header];
    grid.extend(rows);
    let title = if markdown {
        format!("# Capacity plan: {}", doc.target_group)
    } else {
        format!("capacity plan: {}", doc.target_group)
    };
    format!(
        "{title}\n\n{}\n{}",
        summary(doc),
        render_rows(&grid, markdown)
    )
}

/// Rows for `plan.csv` and the table: one per evaluation, sorted by task count.
pub fn rows(doc: &PlanDoc) -> (Vec<String>, Vec<Vec<String>>) {
    let mut header: Vec<String> = [
        "tasks",
        "health_check",
        "replications",
        "verdict",
        "p99_ms",
        "p99_ms_ci95",
        "error_rate",
        "error_rate_ci95",
        "mean_ms",
        "throughput_rps",
        "binding_check",
        "binding_at_95_bound",
    ]
    .map(String::from)
    .to_vec();
    if doc.pricing.is_some() {
        header.push("cost_usd_per_month".into());
    }
    let mut evals: Vec<&EvaluationDoc> = doc.evaluations.iter().collect();
    evals.sort_by_key(|e| e.tasks);
    let f = |v: Option<f64>| v.map_or(String::new(), |x| format!("{x:.6}"));
    let fig =
        |f: &Option<Figures<Count>>, m: SloMetric| f.as_ref().and_then(|f| f.traffic.figure(m));
    let ci =
        |c: &Option<Figures<HalfWidth>>, m: SloMetric| c.as_ref().and_then(|c| c.traffic.figure(m));
    let rows = evals
        .iter()
        .map(|e| {
            vec![
                e.tasks.to_string(),
                e.health_check.clone(),
                e.replications.to_string(),
                e.verdict.clone(),
                f(fig(&e.figures, SloMetric::P99Ms)),
                f(ci(&e.ci95, SloMetric::P99Ms)),
                f(fig(&e.figures, SloMetric::ErrorRate)),
                f(ci(&e.ci95, SloMetric::ErrorRate)),
                f(fig(&e.figures, SloMetric::MeanMs)),
                f(fig(&e.figures, SloMetric::MinThroughputRps)),
                e.binding
                    .as_ref()
                    .map_or(String::new(), |b| b.check.clone()),
                f(e.binding.as_ref().and_then(|b| b.at_interval_edge)),
            ]
            .into_iter()
            .chain(doc.pricing.as_ref().map(|_| cost(e.cost_usd_per_month)))
            .collect()
        })
        .collect();
    (header, rows)
}

/// A cost per month as a cell: dollars and cents.
fn cost(usd: Option<f64>) -> String {
    usd.map_or(String::new(), |c| format!("{c:.2}"))
}

/// The recommendation in words.
pub fn summary(doc: &PlanDoc) -> String {
    let group = &doc.target_group;
    let mut out = String::new();
    let lost = if doc.fail > 0 {
        format!(
            " with {} task(s) lost {}",
            doc.fail,
            if doc.at_peak {
                "at the peak"
            } else {
                "after warm-up"
            }
        )
    } else {
        String::new()
    };
    if !doc.replaced_faults.is_empty() {
        out.push_str(&format!(
            "--fail {} replaces the scenario's own {} of {group} ({} tasks lost in total)\n",
            doc.fail,
            doc.replaced_faults.join(", "),
            doc.fail
        ));
    }
    match doc.analytic_estimate {
        Some(n) => out.push_str(&format!(
            "analytic estimate (Erlang C at the peak rate): {n} tasks\n"
        )),
        None => out.push_str("analytic estimate: none within --max-tasks\n"),
    }
    match &doc.recommended {
        Some(e) => {
            out.push_str(&format!(
                "recommendation for {group}{lost}: {} tasks (health checks: {}), {} with {} replications\n",
                e.tasks, e.health_check, e.verdict, e.replications
            ));
            if let Some(p) = &doc.pricing {
                out.push_str(&format!(
                    "  cost: {} USD per month ({} vCPU, {} GiB per task; {} USD per task-month)\n",
                    cost(e.cost_usd_per_month),
                    p.vcpu_per_task,
                    p.memory_gib_per_task,
                    cost(Some(p.usd_per_task_month))
                ));
            }
            if let Some(b) = &e.binding {
                out.push_str(&format!(
                    "  margin: {} at the 95% bound vs threshold {} ({:+.1}%)\n",
                    edge_text(b),
                    b.threshold,
                    100.0 * b.slack.unwrap_or(f64::NEG_INFINITY)
                ));
            }
            if let Some(e) = &doc.runner_up {
                let why = e.binding.as_ref().map_or(String::new(), |b| {
                    format!(": {} vs {}", edge_text(b), b.threshold)
                });
                out.push_str(&format!(
                    "  runner-up: {} tasks, {}{why}\n",
                    e.tasks, e.verdict
                ));
            }
        }
        None => out.push_str(&format!(
            "no task count up to {} meets the SLO for {group}{lost}\n",
            doc.max_tasks
        )),
    }
    out
}

/// `p99_ms (target group bags) 247.4570`, or `… undefined`.
fn edge_text(b: &BindingDoc) -> String {
    match b.at_interval_edge {
        Some(v) => format!("{} {v:.4}", b.check),
        None => format!("{} undefined", b.check),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(tasks: u32, verdict: &str) -> EvaluationDoc {
        EvaluationDoc {
            tasks,
            health_check: "as in the scenario".into(),
            replications: 3,
            verdict: verdict.into(),
            binding: None,
            figures: None,
            ci95: None,
            cost_usd_per_month: None,
        }
    }

    #[test]
    fn an_unstable_count_is_a_runner_up_with_empty_cells() {
        let doc = PlanDoc {
            target_group: "queue".into(),
            fail: 0,
            at_peak: false,
            max_tasks: 6,
            replaced_faults: Vec::new(),
            analytic_estimate: Some(1),
            recommended: Some(eval(2, "pass")),
            runner_up: Some(eval(1, "unstable: offered load ≥ capacity")),
            evaluations: vec![
                eval(2, "pass"),
                eval(1, "unstable: offered load ≥ capacity"),
            ],
            pricing: None,
        };
        let text = summary(&doc);
        assert!(
            text.contains("  runner-up: 1 tasks, unstable: offered load ≥ capacity\n"),
            "{text}"
        );
        let (header, rows) = rows(&doc);
        assert_eq!(header.len(), 12);
        assert_eq!(rows[0][0], "1", "sorted by task count");
        assert!(rows[0][4..].iter().all(String::is_empty), "{:?}", rows[0]);
        let none = PlanDoc {
            recommended: None,
            runner_up: None,
            ..doc
        };
        assert!(summary(&none).contains("no task count up to 6 meets the SLO for queue"));
    }
}
