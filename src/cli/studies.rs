//! The design-review commands: `sweep`, `compare` and `plan`. Each writes its folder
//! atomically, prints in `--format` (table, json or markdown) and exits as `run` does: 0 when
//! every point, variant or the plan meets the `[slo]`, 1 when one misses it (for `plan`, when
//! no count meets it), 2 on bad input (before anything is written).

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::Context;

use super::{
    CompareArgs, Files, Format, PlanArgs, SweepArgs, guard, load_naming, out_dir, overrides,
    run_files, simulate, stage, threads_of,
};
use crate::budget::{self, Shape};
use crate::report::atomic::Kind;
use crate::report::{self};
use crate::results::slo;
use crate::results::summary::Summary;
use crate::scenario::{self, Override};

pub(super) fn sweep(args: &SweepArgs) -> anyhow::Result<ExitCode> {
    use crate::experiments::sweep::{self, Vary};
    let varies: Vec<Vary> = args
        .vary
        .iter()
        .map(|v| Vary::parse(v))
        .collect::<anyhow::Result<_>>()?;
    sweep::check_keys(&varies)?;
    // Size the grid from the first point before building it (a grid of 1e8 points must be
    // refused, not built).
    let count: f64 = varies.iter().map(|v| v.values.len() as f64).product();
    let first: Vec<Override> = varies
        .iter()
        .map(|v| Override {
            path: v.key.clone(),
            value: v.values[0].clone(),
        })
        .collect();
    let base = load_naming(
        &args.scenario,
        &overrides(&args.options, &first)?,
        &first,
        "--vary",
    )?;
    let out = out_dir(&args.options, &base.scenario.name, "-sweep");
    let label = format!("{count} sweep points (--vary)");
    let shape = Shape {
        runs: count,
        ..Shape::once(threads_of(&args.options))
    };
    guard(&args.options, &base.scenario, shape, Some(&label), &out)?;
    let points = sweep::grid(&varies);
    let mut loaded = Vec::with_capacity(points.len());
    for point in &points {
        loaded.push(load_naming(
            &args.scenario,
            &overrides(&args.options, point)?,
            point,
            "--vary",
        )?);
    }
    let heaviest = loaded
        .iter()
        .map(|l| &l.scenario)
        .max_by(|a, b| {
            let work = |s| budget::estimate(s, &shape).events;
            work(a).total_cmp(&work(b))
        })
        .expect("a grid has points");
    guard(&args.options, heaviest, shape, Some(&label), &out)?;
    let name = &loaded[0].scenario.name;
    let staging = stage(&args.options, &out, Kind::Sweep)?;
    let scenarios: Vec<_> = loaded.iter().map(|l| l.scenario.clone()).collect();
    let results = simulate(&args.options, &scenarios)?;
    let mut files: Files = Vec::new();
    let mut docs = Vec::with_capacity(points.len());
    // Each point's charts and reports are drawn on the pool the replications ran on: drawing
    // costs as much as simulating a short point, and one after another it would not scale.
    let runs: Vec<_> = loaded.iter().zip(&results).zip(&points).collect();
    let threads = budget::threads(args.options.threads, true);
    let rendered =
        crate::replicate::map_ordered(&runs, threads, |((l, r), point)| run_files(l, r, point))?;
    for (point, rendered) in points.iter().zip(rendered) {
        let (point_files, doc) = rendered?;
        let label = sweep::label(point);
        files.extend(
            point_files
                .into_iter()
                .map(|(n, b)| (format!("points/{label}/{n}"), b)),
        );
        docs.push(doc);
    }
    let columns: Vec<(String, Vec<String>)> = varies
        .iter()
        .enumerate()
        .map(|(i, v)| {
            (
                format!("vary.{}", v.key),
                points.iter().map(|p| p[i].cell()).collect(),
            )
        })
        .collect();
    files.push((
        "summary.csv".into(),
        report::csv::summary_rows(&docs, &columns)?,
    ));
    files.push((
        "sweep.json".into(),
        report::summary_json(&sweep::sweep_json(&points, &docs)),
    ));
    let labels: Vec<String> = points.iter().map(|p| sweep::label(p)).collect();
    files.push((
        "figures.csv".into(),
        report::figures::csv("sweep", labels.iter().map(String::as_str).zip(&docs))?,
    ));
    let keys: Vec<String> = varies.iter().map(|v| v.key.clone()).collect();
    let values: Vec<Vec<String>> = points
        .iter()
        .map(|p| {
            p.iter()
                .map(|o| report::studies::value_text(&o.typed()))
                .collect()
        })
        .collect();
    let chart = report::charts::sweep::SweepData {
        scenario: name,
        keys: &keys,
        values: &values,
        summaries: &docs,
    };
    let stem = report::charts::sweep::STEM;
    files.push((format!("{stem}.png"), report::charts::sweep::png(&chart)?));
    files.push((
        format!("{stem}.svg"),
        report::charts::sweep::svg(&chart)?.into_bytes(),
    ));
    staging
        .commit(&files)
        .with_context(|| format!("writing results to {}", out.display()))?;
    match args.options.format {
        Format::Json => print!(
            "{}",
            String::from_utf8_lossy(&report::summary_json(&sweep::sweep_json(&points, &docs)))
        ),
        Format::Table => print!("{}", sweep::table(&varies, &points, &docs, false)),
        Format::Markdown => print!("{}", sweep::table(&varies, &points, &docs, true)),
    }
    if !args.options.quiet {
        eprintln!("results in {}", out.display());
    }
    Ok(all_met(&docs))
}

/// Exit 0 when every summary met its `[slo]` (or has none), 1 when one missed it.
fn all_met(docs: &[Summary]) -> ExitCode {
    if docs.iter().all(Summary::slo_met) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

pub(super) fn compare(args: &CompareArgs) -> anyhow::Result<ExitCode> {
    use crate::experiments::compare;
    let mut variants: Vec<(String, scenario::Loaded)> = Vec::new();
    // What each variant sets, for compare.json (empty for the baseline and compared files).
    let mut settings: Vec<Vec<Override>> = Vec::new();
    match (args.scenarios.len(), args.variants.is_empty()) {
        (1, false) => {
            let base = scenario::load(&args.scenarios[0], &overrides(&args.options, &[])?)?;
            variants.push(("baseline".into(), base));
            settings.push(Vec::new());
            for v in &args.variants {
                let extra = v
                    .split(',')
                    .map(|kv| Override::parse(kv.trim()))
                    .collect::<Result<Vec<_>, _>>()?;
                settings.push(extra.clone());
                variants.push((
                    v.clone(),
                    load_naming(
                        &args.scenarios[0],
                        &overrides(&args.options, &extra)?,
                        &extra,
                        "--variant",
                    )?,
                ));
            }
        }
        (n, true) if n >= 2 => {
            for path in &args.scenarios {
                let label = path.file_stem().map_or_else(
                    || path.display().to_string(),
                    |s| s.to_string_lossy().into_owned(),
                );
                variants.push((
                    label,
                    scenario::load(path, &overrides(&args.options, &[])?)?,
                ));
                settings.push(Vec::new());
            }
        }
        _ => anyhow::bail!(
            "compare takes two or more scenarios, or one scenario with --variant groups"
        ),
    }
    // A paired test needs the same replications everywhere, and at least two.
    let reps = variants
        .iter()
        .map(|(_, l)| l.scenario.replications)
        .max()
        .unwrap_or(1)
        .max(5);
    let mut scenarios: Vec<_> = variants.iter().map(|(_, l)| l.scenario.clone()).collect();
    for s in &mut scenarios {
        s.replications = reps;
        s.max_replications = reps;
    }
    let out = out_dir(&args.options, &scenarios[0].name, "-compare");
    let label = format!("{} variants", scenarios.len());
    let shape = Shape {
        runs: scenarios.len() as f64,
        ..Shape::once(threads_of(&args.options))
    };
    for sc in &scenarios {
        guard(&args.options, sc, shape, Some(&label), &out)?;
    }
    let staging = stage(&args.options, &out, Kind::Compare)?;
    let results = simulate(&args.options, &scenarios)?;
    let labels: Vec<String> = variants.iter().map(|(l, _)| l.clone()).collect();
    let diffs: Vec<_> = results[1..]
        .iter()
        .map(|r| compare::differences(&results[0].per_replication, &r.per_replication))
        .collect();
    let docs: Vec<Summary> = scenarios
        .iter()
        .zip(&results)
        .map(|(sc, r)| {
            let verdict = slo::evaluate(&sc.slo, &r.figures);
            Summary::new(
                sc,
                r.replications,
                r.figures.clone(),
                r.ci95.clone(),
                verdict,
            )
        })
        .collect();
    let own: Vec<_> = labels
        .iter()
        .zip(&docs)
        .zip(&settings)
        .map(|((label, doc), set)| {
            compare::variant_json(&compare::Variant {
                label,
                settings: set,
                doc,
            })
        })
        .collect();
    let json = report::summary_json(&compare::to_json(&docs[0], &labels, own, &diffs));
    // Replication 1's p99 per interval, per variant: the overlaid chart's lines.
    let over_time: Vec<Vec<(f64, f64)>> = results
        .iter()
        .map(|r| {
            r.timeseries
                .iter()
                .map(|row| (row.t_s, row.p99_ms))
                .collect()
        })
        .collect();
    let mut files: Files = vec![
        ("compare.json".to_string(), json.clone()),
        (
            "timeseries.csv".to_string(),
            report::compare::timeseries_csv(&labels, &over_time)?,
        ),
        (
            "figures.csv".to_string(),
            report::figures::csv("compare", labels.iter().map(String::as_str).zip(&docs))?,
        ),
    ];
    // The tables and charts are drawn from the data files read back, as `simroute report`
    // reads them from disk, so the two write the same bytes.
    let (doc, drawn) = report::compare::presentation(|name| {
        files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b.clone())
            .ok_or_else(|| anyhow::anyhow!("no {name}"))
    })?;
    files.extend(drawn);
    staging
        .commit(&files)
        .with_context(|| format!("writing results to {}", out.display()))?;
    print_study(args.options.format, &json, |markdown| {
        report::compare::render(&doc, markdown)
    });
    if !args.options.quiet {
        eprintln!(
            "{reps} replications per variant; results in {}",
            out.display()
        );
    }
    Ok(all_met(&docs))
}

pub(super) fn plan(args: &PlanArgs) -> anyhow::Result<ExitCode> {
    use crate::experiments::plan::{self, PlanRequest};
    let loaded = scenario::load(&args.scenario, &overrides(&args.options, &[])?)?;
    let sc = &loaded.scenario;
    let group = sc
        .groups
        .iter()
        .position(|g| g.name == args.target_group)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "--target-group: unknown target group {:?} (defined: {})",
                args.target_group,
                sc.groups
                    .iter()
                    .map(|g| g.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })? as u32;
    let mut health_checks = Vec::new();
    for spec in &args.health_checks {
        health_checks.push((spec.clone(), health_check_setting(args, spec)?));
    }
    let out = out_dir(&args.options, &sc.name, "-plan");
    // Every evaluation of every health-check setting, at the largest count (at least two
    // evaluations: the first guess and its neighbour).
    let settings = health_checks.len().max(1);
    let label = format!(
        "{} plan evaluations (--max-tasks, --health-check)",
        2 * settings
    );
    let shape = Shape {
        runs: 2.0 * settings as f64,
        group_targets: Some((group as usize, args.max_tasks)),
        ..Shape::once(threads_of(&args.options))
    };
    guard(&args.options, sc, shape, Some(&label), &out)?;
    let staging = stage(&args.options, &out, Kind::Plan)?;
    let req = PlanRequest {
        group,
        fail: args.fail,
        at_peak: args.at_peak,
        max_tasks: args.max_tasks,
        health_checks,
    };
    let bar = (!args.options.quiet && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} planning {msg} ({elapsed})")
                .expect("valid template"),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        bar
    });
    let tried = std::cell::RefCell::new(Vec::new());
    let started = std::time::Instant::now();
    let report = |e: &plan::Evaluation| {
        if let Some(bar) = &bar {
            let mut tried = tried.borrow_mut();
            tried.push(format!("{}: {}", e.tasks, e.verdict.name()));
            bar.set_message(format!("{}, tried {}", args.target_group, tried.join(", ")));
        } else if !args.options.quiet {
            // Off a terminal (CI logs, pipes): a line per count tried, as it ends.
            eprintln!(
                "planning {}: {} tasks {} ({} replications, {:.0} s elapsed)",
                args.target_group,
                e.tasks,
                e.verdict.name(),
                e.replications,
                started.elapsed().as_secs_f64()
            );
        }
    };
    let result = plan::plan(
        sc,
        &req,
        budget::threads(args.options.threads, args.options.quiet),
        Some(&report),
    )?;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let json = report::summary_json(&plan::to_json(&result, &args.target_group, &req));
    // plan.md and plan.csv are drawn from plan.json read back, as `simroute report` reads it.
    let (doc, drawn) = report::plan::presentation(&json)?;
    let mut files = vec![("plan.json".to_string(), json.clone())];
    files.extend(drawn);
    staging
        .commit(&files)
        .with_context(|| format!("writing results to {}", out.display()))?;
    print_study(args.options.format, &json, |markdown| {
        report::plan::render(&doc, markdown)
    });
    Ok(if result.recommended.is_some() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The target group's health check with `interval_s=10,unhealthy_threshold=2`-style settings:
/// each `KEY=VALUE` is `--set target_groups.<group>.health_check.KEY=VALUE`, so the settings
/// are checked and defaulted by the scenario loader exactly as the file's are.
fn health_check_setting(args: &PlanArgs, spec: &str) -> anyhow::Result<scenario::HealthCheck> {
    let mut extra = Vec::new();
    for kv in spec.split(',') {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| anyhow::anyhow!("--health-check {spec}: expected KEY=VALUE pairs"))?;
        extra.push(Override {
            path: format!(
                "target_groups.{}.health_check.{}",
                args.target_group,
                k.trim()
            ),
            value: v.trim().to_string(),
        });
    }
    let loaded =
        scenario::load(&args.scenario, &overrides(&args.options, &extra)?).map_err(|mut e| {
            if extra
                .iter()
                .any(|o| o.path == e.path || e.origin == Some(o.origin()))
            {
                e.origin = Some(format!("--health-check {spec}"));
            }
            e
        })?;
    let group = loaded
        .scenario
        .groups
        .into_iter()
        .find(|g| g.name == args.target_group)
        .expect("the group was found in the same scenario without the settings");
    Ok(group
        .health_check
        .expect("a group with health_check settings has a health check"))
}

/// A study's answer on stdout: its JSON document as written, or its tables (`render(true)`:
/// markdown; `false`: aligned text).
fn print_study(format: Format, json: &[u8], render: impl Fn(bool) -> String) {
    match format {
        Format::Json => print!("{}", String::from_utf8_lossy(json)),
        Format::Markdown => print!("{}", render(true)),
        Format::Table => print!("{}", render(false)),
    }
}
