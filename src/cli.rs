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

mod studies;
use studies::{compare, plan, sweep};

/// Discrete-event simulator and capacity planner for container APIs on AWS.
#[derive(Parser, Debug)]
#[command(
    name = "simroute",
    version,
    about,
    long_about = None,
    after_help = EXIT_CODES
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The exit codes, alike for every command (README, "Exit codes").
const EXIT_CODES: &str = "Exit codes (every command):
  0    success: the [slo] met by the run, every sweep point, every compared variant; plan found a count
  1    the [slo] missed by the run, a sweep point or a compared variant (outputs still written);
       plan: no count up to --max-tasks meets it
  2    bad input or usage: the message names the field or flag; nothing written
  130  interrupted by SIGINT, 143 by SIGTERM: the temporary folder removed";

#[derive(Subcommand, Debug)]
enum Command {
    /// Simulate a scenario; write summary.json, CSVs, charts, report.{md,html} and the scenario
    /// as run to the output folder.
    #[command(after_help = EXIT_CODES)]
    Run(RunArgs),
    /// Check a scenario and print it resolved, with every default filled in, as TOML.
    Validate(ValidateArgs),
    /// Run a grid of settings (--vary) and write one summary row per point.
    #[command(after_help = EXIT_CODES)]
    Sweep(SweepArgs),
    /// Compare scenarios (or --variant groups of one) with the difference and its significance.
    #[command(after_help = EXIT_CODES)]
    Compare(CompareArgs),
    /// Find the smallest task count that meets the scenario's [slo], with tasks lost.
    #[command(after_help = EXIT_CODES)]
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
    /// What to print on stdout: aligned text, the command's JSON document (summary.json,
    /// sweep.json, compare.json, plan.json) or Markdown.
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
    /// Memory bound: refuse work estimated above it, and stop a run whose attempts in flight
    /// would pass it (e.g. 512MiB, 2GiB) [default: half the machine's RAM].
    #[arg(long, value_name = "SIZE", value_parser = budget::parse_size)]
    max_memory: Option<f64>,
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
    /// Time a 20-point sweep of that M/M/4 with one worker thread and with two, check their
    /// outputs are byte-identical, and print the speed-up (default 125000 s per point: 400,000
    /// customers, the requests of one 600 s storage-service run).
    #[arg(long, conflicts_with = "whole_process")]
    sweep_scaling: bool,
    /// Timed runs; the fastest counts.
    #[arg(long, default_value_t = 5)]
    repeat: u32,
}

/// Stdout format of `run`, `sweep`, `compare` and `plan`.
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
            } else if args.sweep_scaling {
                use crate::bench::scaling;
                let exe = std::env::current_exe().context("locating the simroute binary")?;
                let duration_s = args.duration_s.unwrap_or(scaling::DEFAULT_DURATION_S);
                scaling::run(&exe, duration_s, args.repeat)?;
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

/// Refuses work above the limits ([`budget`]) with the fields behind the estimate, sets the
/// bound on attempts in flight that stops a run mid-way, warns of unstable queues, and prints
/// the estimate of a long run.
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
        budget::Limits::machine(options.max_events, options.max_memory, out)
    };
    let est = budget::estimate(sc, &shape);
    budget::check(sc, &est, &limits, runs).map_err(|m| anyhow::anyhow!(m))?;
    budget::set_live_bound(budget::live_bound_for(&est, &limits));
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
        .map(|o| (o.path.clone(), report::studies::value_text(&o.typed())))
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
