//! The command line. `run` reads as the pipeline: load → run replications → check SLO →
//! render (data files, then charts and reports drawn from them) → write atomically → print.
//! `report` redoes the last steps from a finished output folder.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::engine::Nanos;
use crate::report::{self, table};
use crate::results::slo;
use crate::results::summary::Summary;
use crate::scenario::{self, Override};

/// Discrete-event simulator and capacity planner for container APIs on AWS.
#[derive(Parser, Debug)]
#[command(name = "simroute", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Simulate a scenario; write summary.json, CSVs, charts, report.{md,html} and the scenario
    /// as run to the output folder.
    Run(RunArgs),
    /// Check a scenario and print it resolved, with every default filled in, as TOML.
    Validate(ValidateArgs),
    /// Run a grid of settings (--vary) and write one summary row per point.
    Sweep(SweepArgs),
    /// Compare scenarios (or --variant groups of one) with the difference and its significance.
    Compare(CompareArgs),
    /// Find the smallest task count that meets the scenario's [slo], with tasks lost.
    Plan(PlanArgs),
    /// Rebuild the charts and report.{md,html} of a finished run's output folder, in place.
    Report(ReportArgs),
    /// Measure the engine: simulated requests/s, events/s and peak memory on one thread.
    Bench(BenchArgs),
    /// Write a scenario from infrastructure code: CloudFormation, OpenAPI or Terraform.
    Import(crate::import::ImportArgs),
    /// Fit service times, rate profiles and status mixes from ALB or API Gateway access logs.
    Fit(crate::fit::FitArgs),
}

/// Options shared by every command that runs a scenario.
#[derive(Args, Debug, Clone)]
pub struct Options {
    /// Output folder [default: output/<simulation.name>, with -sweep, -compare, -plan].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Seed of every random stream (overrides simulation.seed).
    #[arg(long)]
    seed: Option<u64>,
    /// Override a field by dotted path, TOML value: --set target_groups.bags.targets=6.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Independent replications (overrides simulation.replications).
    #[arg(long)]
    replications: Option<u32>,
    /// Worker threads [default: all cores]; results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// No progress or timing on stderr.
    #[arg(long, short)]
    quiet: bool,
}

/// `simroute run`.
#[derive(Args, Debug, Clone)]
pub struct RunArgs {
    /// The scenario file (TOML).
    scenario: PathBuf,
    #[command(flatten)]
    options: Options,
}

#[derive(Args, Debug)]
struct SweepArgs {
    /// The scenario file (TOML).
    scenario: PathBuf,
    /// A key and its values: KEY=V1,V2,... or KEY=A..B[:STEP] (inclusive); repeat for a grid.
    #[arg(long = "vary", value_name = "KEY=VALUES", required = true)]
    vary: Vec<String>,
    #[command(flatten)]
    options: Options,
}

#[derive(Args, Debug)]
struct CompareArgs {
    /// Scenario files; the first is the baseline.
    #[arg(required = true)]
    scenarios: Vec<PathBuf>,
    /// A variant of the (single) scenario: comma-separated KEY=VALUE overrides; repeat.
    #[arg(long = "variant", value_name = "KEY=VALUE,...")]
    variants: Vec<String>,
    #[command(flatten)]
    options: Options,
}

#[derive(Args, Debug)]
struct PlanArgs {
    /// The scenario file (TOML), with an [slo].
    scenario: PathBuf,
    /// The target group (ECS service) to size.
    #[arg(long)]
    target_group: String,
    /// Tasks lost (crashed).
    #[arg(long, default_value_t = 0)]
    fail: u32,
    /// Lose them at the traffic peak (default: right after the warm-up).
    #[arg(long)]
    at_peak: bool,
    /// Largest task count to try.
    #[arg(long, default_value_t = 64)]
    max_tasks: u32,
    /// Health-check settings to try, e.g. "interval_s=10,unhealthy_threshold=2"; repeat.
    #[arg(long = "health-check", value_name = "KEY=VALUE,...")]
    health_checks: Vec<String>,
    #[command(flatten)]
    options: Options,
}

#[derive(Args, Debug)]
struct ValidateArgs {
    /// The scenario file (TOML).
    scenario: PathBuf,
    /// Override a field by dotted path, TOML value.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
}

#[derive(Args, Debug)]
struct ReportArgs {
    /// Output folder of a finished `simroute run` (holds summary.json, timeseries.csv, ...).
    output_dir: PathBuf,
}

#[derive(Args, Debug)]
struct BenchArgs {
    /// Simulated seconds of the benchmark scenario (default 600; 625000 with --whole-process).
    #[arg(long)]
    duration_s: Option<f64>,
    /// Time a whole `simroute run` of an M/M/4 (load, run, render, write) against a bare event
    /// loop of the same model, and print the ratio and the run's peak RSS.
    #[arg(long)]
    whole_process: bool,
    /// Timed runs; the fastest counts.
    #[arg(long, default_value_t = 5)]
    repeat: u32,
}

/// Stdout format of `run`.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// Aligned text tables.
    Table,
    /// The summary.json document.
    Json,
    /// Markdown tables.
    Markdown,
}

/// Parses the command line and runs the command; the exit code follows the contract
/// (0 ok, 1 SLO missed, 2 bad input).
pub fn main() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Command::Run(args) => run(&args),
        Command::Validate(args) => validate(&args),
        Command::Sweep(args) => sweep(&args),
        Command::Compare(args) => compare(&args),
        Command::Plan(args) => plan(&args),
        Command::Report(args) => {
            let written = report::rebuild(&args.output_dir)?;
            eprintln!(
                "rebuilt {} files in {}: open {}",
                written.len(),
                args.output_dir.display(),
                args.output_dir.join("report.html").display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench(args) => {
            if args.whole_process {
                let exe = std::env::current_exe().context("locating the simroute binary")?;
                crate::bench::whole_process::run(&exe, args.duration_s.unwrap_or(625_000.0))?;
            } else {
                let duration_s = args.duration_s.unwrap_or(600.0);
                crate::bench::run(duration_s, &[crate::bench::CALENDAR], args.repeat)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Import(args) => crate::import::run(&args),
        Command::Fit(args) => crate::fit::run(&args),
    }
}

fn parse_overrides(set: &[String]) -> anyhow::Result<Vec<Override>> {
    Ok(set
        .iter()
        .map(|s| Override::parse(s))
        .collect::<Result<_, _>>()?)
}

/// Prints the scenario's warnings (configurations that run but are almost certainly not what
/// was meant) on stderr.
fn warn(loaded: &scenario::Loaded) {
    for w in &loaded.scenario.warnings {
        eprintln!("warning: {}: {w}", loaded.file.display());
    }
}

fn validate(args: &ValidateArgs) -> anyhow::Result<ExitCode> {
    let loaded = scenario::load(&args.scenario, &parse_overrides(&args.set)?)?;
    warn(&loaded);
    print!("{}", toml::to_string_pretty(&loaded.raw)?);
    Ok(ExitCode::SUCCESS)
}

/// The overrides that `--seed`, `--replications` and `--set` stand for, plus `extra`.
fn overrides(options: &Options, extra: &[Override]) -> anyhow::Result<Vec<Override>> {
    let mut all = parse_overrides(&options.set)?;
    if let Some(seed) = options.seed {
        all.push(Override {
            path: "simulation.seed".into(),
            value: seed.to_string(),
        });
    }
    if let Some(r) = options.replications {
        // A count asked for on the command line is run exactly.
        for path in ["simulation.replications", "simulation.max_replications"] {
            all.push(Override {
                path: path.into(),
                value: r.to_string(),
            });
        }
    }
    all.extend_from_slice(extra);
    if options.threads == Some(0) {
        anyhow::bail!("--threads must be at least 1");
    }
    Ok(all)
}

/// The output folder: `--out`, else `output/<name><suffix>`.
fn out_dir(options: &Options, name: &str, suffix: &str) -> PathBuf {
    options
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(format!("{name}{suffix}")))
}

/// A progress bar over `ticks` simulated intervals, when stderr is a terminal.
fn progress_bar(options: &Options, ticks: u64) -> Option<indicatif::ProgressBar> {
    (!options.quiet && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(ticks);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} simulating {bar:40} {percent}% ({elapsed} elapsed, ~{eta} left)",
            )
            .expect("valid template"),
        );
        bar
    })
}

/// Ticks of the most replications `sc` may run (the bar may finish early when the precision
/// is reached first).
fn ticks(sc: &scenario::Scenario) -> u64 {
    (sc.duration / sc.interval) * u64::from(sc.max_replications.max(sc.replications))
}

/// Runs scenarios' replications with a progress bar and a timing line on stderr.
fn simulate(
    options: &Options,
    scenarios: &[scenario::Scenario],
) -> anyhow::Result<Vec<crate::replicate::RunResults>> {
    let bar = progress_bar(options, scenarios.iter().map(ticks).sum());
    let tick = |_: Nanos| {
        if let Some(bar) = &bar {
            bar.inc(1);
        }
    };
    let started = Instant::now();
    let results = crate::replicate::run_many(scenarios, options.threads, Some(&tick))?;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    if !options.quiet {
        let events: u64 = results.iter().map(|r| r.event_count).sum();
        let secs = started.elapsed().as_secs_f64();
        eprintln!(
            "{events} events in {secs:.2} s ({:.1} M events/s)",
            events as f64 / secs.max(1e-9) / 1e6
        );
    }
    Ok(results)
}

/// Files of an output folder: relative path and contents.
type Files = Vec<(String, Vec<u8>)>;

/// Everything `run` writes for one scenario, and its summary document.
fn run_files(
    loaded: &scenario::Loaded,
    results: &crate::replicate::RunResults,
) -> anyhow::Result<(Files, Summary)> {
    let sc = &loaded.scenario;
    let slo = slo::evaluate(&sc.slo, &results.figures);
    let mut doc = Summary::new(
        sc,
        results.replications,
        results.figures.clone(),
        results.ci95.clone(),
        slo,
    );
    doc.precision = Some(results.precision.clone());
    let scenario_toml = toml::to_string_pretty(&loaded.raw)?;
    let files = report::render_all(sc, &scenario_toml, results, &doc)?
        .into_iter()
        .map(|(name, bytes)| (name.to_string(), bytes))
        .collect();
    Ok((files, doc))
}

fn print_doc(format: Format, doc: &Summary) {
    match format {
        Format::Table => print!("{}", table::render(doc, table::Style::Plain)),
        Format::Markdown => print!("{}", table::render(doc, table::Style::Markdown)),
        Format::Json => print!("{}", String::from_utf8_lossy(&report::summary_json(doc))),
    }
}

fn run(args: &RunArgs) -> anyhow::Result<ExitCode> {
    let loaded = scenario::load(&args.scenario, &overrides(&args.options, &[])?)?;
    warn(&loaded);
    let out_dir = out_dir(&args.options, &loaded.scenario.name, "");
    let results = simulate(&args.options, std::slice::from_ref(&loaded.scenario))?
        .pop()
        .expect("one result");
    let (files, doc) = run_files(&loaded, &results)?;
    report::atomic::write_folder(&out_dir, &files)
        .with_context(|| format!("writing results to {}", out_dir.display()))?;
    print_doc(args.options.format, &doc);
    if !args.options.quiet {
        eprintln!("results in {}", out_dir.display());
    }
    Ok(if doc.slo_met() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn sweep(args: &SweepArgs) -> anyhow::Result<ExitCode> {
    use crate::experiments::sweep::{self, Vary};
    let varies: Vec<Vary> = args
        .vary
        .iter()
        .map(|v| Vary::parse(v))
        .collect::<anyhow::Result<_>>()?;
    let points = sweep::grid(&varies);
    let mut loaded = Vec::with_capacity(points.len());
    for point in &points {
        loaded.push(scenario::load(
            &args.scenario,
            &overrides(&args.options, point)?,
        )?);
    }
    let name = &loaded[0].scenario.name;
    let out = out_dir(&args.options, name, "-sweep");
    let scenarios: Vec<_> = loaded.iter().map(|l| l.scenario.clone()).collect();
    let results = simulate(&args.options, &scenarios)?;
    let mut files: Files = Vec::new();
    let mut docs = Vec::with_capacity(points.len());
    for ((point, l), r) in points.iter().zip(&loaded).zip(&results) {
        let (point_files, doc) = run_files(l, r)?;
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
                points.iter().map(|p| p[i].value.clone()).collect(),
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
    let keys: Vec<String> = varies.iter().map(|v| v.key.clone()).collect();
    let values: Vec<Vec<String>> = points
        .iter()
        .map(|p| p.iter().map(|o| o.value.clone()).collect())
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
    report::atomic::write_folder(&out, &files)
        .with_context(|| format!("writing results to {}", out.display()))?;
    match args.options.format {
        Format::Json => print!(
            "{}",
            String::from_utf8_lossy(&report::summary_json(&sweep::sweep_json(&points, &docs)))
        ),
        _ => print!("{}", sweep::table(&varies, &points, &docs)),
    }
    if !args.options.quiet {
        eprintln!("results in {}", out.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn compare(args: &CompareArgs) -> anyhow::Result<ExitCode> {
    use crate::experiments::compare;
    let mut variants: Vec<(String, scenario::Loaded)> = Vec::new();
    match (args.scenarios.len(), args.variants.is_empty()) {
        (1, false) => {
            let base = scenario::load(&args.scenarios[0], &overrides(&args.options, &[])?)?;
            variants.push(("baseline".into(), base));
            for v in &args.variants {
                let extra = v
                    .split(',')
                    .map(|kv| Override::parse(kv.trim()))
                    .collect::<Result<Vec<_>, _>>()?;
                variants.push((
                    v.clone(),
                    scenario::load(&args.scenarios[0], &overrides(&args.options, &extra)?)?,
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
    let results = simulate(&args.options, &scenarios)?;
    let labels: Vec<String> = variants.iter().map(|(l, _)| l.clone()).collect();
    let diffs: Vec<_> = results[1..]
        .iter()
        .map(|r| compare::differences(&results[0].per_replication, &r.per_replication))
        .collect();
    let md = compare::markdown(&labels, &diffs);
    let json = compare::to_json(&labels, &diffs);
    let table = report::csv::write(
        &compare::COLUMNS.map(String::from),
        compare::rows(&labels, &diffs),
    )?;
    let out = out_dir(&args.options, &scenarios[0].name, "-compare");
    let files = vec![
        ("compare.csv".to_string(), table),
        ("compare.json".to_string(), report::summary_json(&json)),
        ("compare.md".to_string(), md.clone().into_bytes()),
    ];
    report::atomic::write_folder(&out, &files)
        .with_context(|| format!("writing results to {}", out.display()))?;
    match args.options.format {
        Format::Json => print!("{}", String::from_utf8_lossy(&report::summary_json(&json))),
        _ => print!("{md}"),
    }
    if !args.options.quiet {
        eprintln!(
            "{reps} replications per variant; results in {}",
            out.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn plan(args: &PlanArgs) -> anyhow::Result<ExitCode> {
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
        let base = sc.groups[group as usize]
            .health_check
            .clone()
            .unwrap_or_else(|| {
                scenario::HealthCheck::nlb_defaults(crate::vocab::HealthProtocol::Tcp)
            });
        health_checks.push((spec.clone(), patch_health_check(base, spec)?));
    }
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
    let report = |e: &plan::Evaluation| {
        if let Some(bar) = &bar {
            let mut tried = tried.borrow_mut();
            tried.push(format!("{}: {}", e.tasks, e.verdict.name()));
            bar.set_message(format!("{}, tried {}", args.target_group, tried.join(", ")));
        }
    };
    let result = plan::plan(sc, &req, args.options.threads, Some(&report))?;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let (header, rows) = plan::rows(&result);
    let table = report::csv::write(&header, rows.iter().cloned())?;
    let text = plan::summary(&result, &args.target_group, &req);
    let json = plan::to_json(&result, &args.target_group, &req);
    let mut md = format!(
        "# Capacity plan: {}\n\n{}\n| {} |\n|{}\n",
        args.target_group,
        text,
        header.join(" | "),
        "---|".repeat(header.len())
    );
    for row in &rows {
        md.push_str(&format!("| {} |\n", row.join(" | ")));
    }
    let out = out_dir(&args.options, &sc.name, "-plan");
    let files = vec![
        ("plan.csv".to_string(), table),
        ("plan.json".to_string(), report::summary_json(&json)),
        ("plan.md".to_string(), md.clone().into_bytes()),
    ];
    report::atomic::write_folder(&out, &files)
        .with_context(|| format!("writing results to {}", out.display()))?;
    match args.options.format {
        Format::Json => print!("{}", String::from_utf8_lossy(&report::summary_json(&json))),
        _ => print!("{md}"),
    }
    Ok(if result.recommended.is_some() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Applies `interval_s=10,unhealthy_threshold=2`-style settings to health checks.
fn patch_health_check(
    mut hc: scenario::HealthCheck,
    spec: &str,
) -> anyhow::Result<scenario::HealthCheck> {
    use crate::engine::time::from_secs;
    for kv in spec.split(',') {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| anyhow::anyhow!("--health-check {spec}: expected KEY=VALUE pairs"))?;
        let num: f64 = v
            .trim()
            .parse()
            .map_err(|_| anyhow::anyhow!("--health-check {spec}: `{v}` is not a number"))?;
        match k.trim() {
            "interval_s" if (5.0..=300.0).contains(&num) => hc.interval = from_secs(num),
            "timeout_s" if (2.0..=120.0).contains(&num) => hc.timeout = from_secs(num),
            "healthy_threshold" if (2.0..=10.0).contains(&num) && num.fract() == 0.0 => {
                hc.healthy_threshold = num as u32
            }
            "unhealthy_threshold" if (2.0..=10.0).contains(&num) && num.fract() == 0.0 => {
                hc.unhealthy_threshold = num as u32
            }
            other => anyhow::bail!(
                "--health-check {spec}: `{other}={v}` is not a valid setting (interval_s 5-300, timeout_s 2-120, healthy_threshold and unhealthy_threshold 2-10)"
            ),
        }
    }
    anyhow::ensure!(
        hc.timeout <= hc.interval,
        "--health-check {spec}: timeout_s must not exceed interval_s"
    );
    Ok(hc)
}
