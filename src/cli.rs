//! The command line. `run` reads as the pipeline: load → run replications → check SLO →
//! render (data files, then charts and reports drawn from them) → write atomically → print.
//! `report` redoes the last steps from a finished output folder.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::budget::{self, Shape};
use crate::engine::Nanos;
use crate::report::atomic::{Kind, Staging};
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
    /// Print the JSON Schema of scenario files (for editors: completion and checking).
    Schema,
    /// Print a shell completion script: `simroute completions bash > /etc/bash_completion.d/simroute`.
    Completions(CompletionsArgs),
}

#[derive(Args, Debug)]
struct CompletionsArgs {
    /// The shell.
    shell: clap_complete::Shell,
}

/// Options shared by every command that runs a scenario.
#[derive(Args, Debug, Clone)]
pub struct Options {
    /// Output folder [default: output/<simulation.name>, with -sweep, -compare, -plan].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Seed of every random stream (overrides simulation.seed); 0 to 2^63 - 1, as a TOML
    /// integer can hold.
    #[arg(long, value_parser = clap::value_parser!(u64).range(..=i64::MAX as u64))]
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
    /// Run even when the estimated work exceeds the limits (events, memory, disk), and replace
    /// an --out folder that holds files simroute did not write.
    #[arg(long)]
    force: bool,
    /// Event budget: refuse runs estimated above it [default: 5e10, about an hour on one core].
    #[arg(long, value_name = "N")]
    max_events: Option<u64>,
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
    if matches!(
        cli.command,
        Command::Run(_)
            | Command::Sweep(_)
            | Command::Compare(_)
            | Command::Plan(_)
            | Command::Report(_)
    ) {
        crate::signals::install();
    }
    match cli.command {
        Command::Run(args) => run(&args),
        Command::Validate(args) => validate(&args),
        Command::Sweep(args) => sweep(&args),
        Command::Compare(args) => compare(&args),
        Command::Plan(args) => plan(&args),
        Command::Report(args) => {
            let written = report::rebuild(&args.output_dir)?;
            let html = args.output_dir.join("report.html");
            eprintln!(
                "rebuilt {} files in {}{}",
                written.len(),
                args.output_dir.display(),
                if html.is_file() {
                    format!(": open {}", html.display())
                } else {
                    String::new()
                }
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
        Command::Schema => {
            println!("{}", crate::scenario::json_schema());
            Ok(ExitCode::SUCCESS)
        }
        Command::Completions(args) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(args.shell, &mut cmd, "simroute", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The text of a failed command: a scenario error with its source line and a caret under the
/// fault ([`scenario::diagnostic`]), anything else as `error: ` and its chain.
pub fn error_text(e: &anyhow::Error) -> String {
    match e.downcast_ref::<scenario::ScenarioError>() {
        Some(se) if e.chain().count() == 1 => scenario::diagnostic::render(se),
        _ => format!("error: {e:#}"),
    }
}

/// Loads `file` with `all` overrides, naming `flag` (`--vary`, `--variant`) rather than `--set`
/// when the fault is in a value that `extra` (part of `all`) set.
fn load_naming(
    file: &Path,
    all: &[Override],
    extra: &[Override],
    flag: &str,
) -> Result<scenario::Loaded, scenario::ScenarioError> {
    scenario::load(file, all).map_err(|mut e| {
        if let Some(ov) = extra
            .iter()
            .find(|o| e.origin.as_ref() == Some(&o.origin()))
        {
            e.origin = Some(format!("{flag} {}={}", ov.path, ov.value));
        }
        e
    })
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

/// Refuses work above the limits ([`budget`]) with the fields behind the estimate, warns of
/// unstable queues, and prints the estimate of a long run.
fn guard(
    options: &Options,
    sc: &scenario::Scenario,
    shape: Shape,
    runs: Option<&str>,
    out: &Path,
) -> anyhow::Result<()> {
    let limits = if options.force {
        budget::Limits::none()
    } else {
        budget::Limits::machine(options.max_events, out)
    };
    let est = budget::estimate(sc, &shape);
    budget::check(sc, &est, &limits, runs).map_err(|m| anyhow::anyhow!(m))?;
    if !options.quiet {
        for u in &est.unstable {
            eprintln!(
                "warning: unstable (offered load ≥ capacity): target group {:?} is offered {} requests/s against {}; its unbounded queue grows to about {} requests",
                u.group,
                budget::num(u.offered_rps),
                budget::num(u.capacity_rps),
                budget::num(u.backlog)
            );
        }
        if est.events > 1e9 {
            eprintln!(
                "estimate: about {} events, {} of memory, {} on disk",
                budget::num(est.events),
                budget::bytes(est.memory),
                budget::bytes(est.disk)
            );
        }
    }
    Ok(())
}

/// The output's temporary folder, made before simulating (an unwritable or refused `--out`
/// fails now, not after the run); the time series spills inside it.
fn stage(options: &Options, out: &Path, kind: Kind) -> anyhow::Result<Staging> {
    let staging = Staging::begin(out, kind, options.force)
        .with_context(|| format!("--out {}", out.display()))?;
    crate::stats::timeseries::set_spill_dir(staging.dir());
    Ok(staging)
}

fn threads_of(options: &Options) -> usize {
    budget::threads(options.threads, true)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// A progress bar over `ticks` simulated intervals, when stderr is a terminal (else
/// [`Progress`] prints a line now and then).
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

/// Progress off a terminal (CI logs, pipes): a line every [`Progress::EVERY`].
struct Progress {
    total: u64,
    done: AtomicU64,
    started: Instant,
    last: Mutex<Instant>,
}

impl Progress {
    const EVERY: Duration = Duration::from_secs(10);

    fn tick(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        let Ok(mut last) = self.last.try_lock() else {
            return;
        };
        if last.elapsed() < Self::EVERY {
            return;
        }
        *last = Instant::now();
        let secs = self.started.elapsed().as_secs_f64();
        let share = done as f64 / self.total.max(1) as f64;
        eprintln!(
            "simulating: {:.0}% ({secs:.0} s elapsed, ~{:.0} s left)",
            share * 100.0,
            secs / share.max(1e-9) * (1.0 - share)
        );
    }
}

/// Runs scenarios' replications with a progress bar (or line) and a timing line on stderr.
fn simulate(
    options: &Options,
    scenarios: &[scenario::Scenario],
) -> anyhow::Result<Vec<crate::replicate::RunResults>> {
    let total = scenarios.iter().map(ticks).sum();
    let bar = progress_bar(options, total);
    let lines = (bar.is_none() && !options.quiet).then(|| Progress {
        total,
        done: AtomicU64::new(0),
        started: Instant::now(),
        last: Mutex::new(Instant::now()),
    });
    let tick = |_: Nanos| {
        if let Some(bar) = &bar {
            bar.inc(1);
        }
        if let Some(p) = &lines {
            p.tick();
        }
    };
    let started = Instant::now();
    let threads = budget::threads(options.threads, options.quiet);
    let results = crate::replicate::run_many(scenarios, threads, Some(&tick))?;
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
    point: &[Override],
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
    let point: Vec<(String, String)> = point
        .iter()
        .map(|o| (o.path.clone(), o.value.clone()))
        .collect();
    let files = report::render_all(sc, &scenario_toml, results, &doc, &point)?
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
    let shape = Shape::once(threads_of(&args.options));
    guard(&args.options, &loaded.scenario, shape, None, &out_dir)?;
    let staging = stage(&args.options, &out_dir, Kind::Run)?;
    let results = simulate(&args.options, std::slice::from_ref(&loaded.scenario))?
        .pop()
        .expect("one result");
    let (files, doc) = run_files(&loaded, &results, &[])?;
    staging
        .commit(&files)
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
    for ((point, l), r) in points.iter().zip(&loaded).zip(&results) {
        let (point_files, doc) = run_files(l, r, point)?;
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
    staging
        .commit(&files)
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
    let md = compare::markdown(&labels, &diffs);
    let json = compare::to_json(&labels, &diffs);
    let table = report::csv::write(
        &compare::COLUMNS.map(String::from),
        compare::rows(&labels, &diffs),
    )?;
    let files = vec![
        ("compare.csv".to_string(), table),
        ("compare.json".to_string(), report::summary_json(&json)),
        ("compare.md".to_string(), md.clone().into_bytes()),
    ];
    staging
        .commit(&files)
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
    let report = |e: &plan::Evaluation| {
        if let Some(bar) = &bar {
            let mut tried = tried.borrow_mut();
            tried.push(format!("{}: {}", e.tasks, e.verdict.name()));
            bar.set_message(format!("{}, tried {}", args.target_group, tried.join(", ")));
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
    let files = vec![
        ("plan.csv".to_string(), table),
        ("plan.json".to_string(), report::summary_json(&json)),
        ("plan.md".to_string(), md.clone().into_bytes()),
    ];
    staging
        .commit(&files)
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
