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
use crate::scenario::{self, Override};
use crate::stats::{slo, summary};

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
    /// Rebuild the charts and report.{md,html} of a finished run's output folder, in place.
    Report(ReportArgs),
    /// Measure the engine: simulated requests/s, events/s and peak memory on one thread.
    Bench(BenchArgs),
}

/// Options shared by every command that runs a scenario.
#[derive(Args, Debug, Clone)]
pub struct RunArgs {
    /// The scenario file (TOML).
    scenario: PathBuf,
    /// Output folder [default: output/<simulation.name>].
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
    /// Worker threads for replications [default: all cores]; results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// No progress or timing on stderr.
    #[arg(long, short)]
    quiet: bool,
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
    /// Simulated seconds of the benchmark scenario.
    #[arg(long, default_value_t = 600.0)]
    duration_s: f64,
    /// Event queue(s) to measure.
    #[arg(long, value_enum, default_value_t = crate::bench::QueueChoice::All)]
    queue: crate::bench::QueueChoice,
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
            crate::bench::run(args.duration_s, args.queue)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn parse_overrides(set: &[String]) -> anyhow::Result<Vec<Override>> {
    Ok(set
        .iter()
        .map(|s| Override::parse(s))
        .collect::<Result<_, _>>()?)
}

fn validate(args: &ValidateArgs) -> anyhow::Result<ExitCode> {
    let loaded = scenario::load(&args.scenario, &parse_overrides(&args.set)?)?;
    print!("{}", toml::to_string_pretty(&loaded.raw)?);
    Ok(ExitCode::SUCCESS)
}

fn run(args: &RunArgs) -> anyhow::Result<ExitCode> {
    let mut overrides = parse_overrides(&args.set)?;
    if let Some(seed) = args.seed {
        overrides.push(Override {
            path: "simulation.seed".into(),
            value: seed.to_string(),
        });
    }
    if let Some(r) = args.replications {
        overrides.push(Override {
            path: "simulation.replications".into(),
            value: r.to_string(),
        });
    }
    if args.threads == Some(0) {
        anyhow::bail!("--threads must be at least 1");
    }
    let loaded = scenario::load(&args.scenario, &overrides)?;
    let sc = &loaded.scenario;
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("output").join(&sc.name));

    let show_progress = !args.quiet && std::io::stderr().is_terminal();
    let bar = show_progress.then(|| {
        let ticks = (sc.duration / sc.interval) * u64::from(sc.replications);
        let bar = indicatif::ProgressBar::new(ticks);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} simulating {bar:40} {percent}% ({elapsed} elapsed, ~{eta} left)",
            )
            .expect("valid template"),
        );
        bar
    });
    let tick = |_: Nanos| {
        if let Some(bar) = &bar {
            bar.inc(1);
        }
    };
    let started = Instant::now();
    let results = crate::replicate::run_all(sc, args.threads, Some(&tick))?;
    let elapsed = started.elapsed();
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }

    let slo = slo::evaluate(&sc.slo, &results.figures);
    let slo_met = slo
        .as_ref()
        .is_none_or(|s| s["passed"] == serde_json::Value::Bool(true));
    let doc = summary::document(sc, results.figures.clone(), results.ci95.clone(), slo);
    let scenario_toml = toml::to_string_pretty(&loaded.raw)?;
    let files = report::render_all(sc, &scenario_toml, &results, &doc)?;
    report::atomic::write_folder(&out_dir, &files)
        .with_context(|| format!("writing results to {}", out_dir.display()))?;

    match args.format {
        Format::Table => print!("{}", table::render(&doc, table::Style::Plain)),
        Format::Markdown => print!("{}", table::render(&doc, table::Style::Markdown)),
        Format::Json => print!("{}", String::from_utf8_lossy(&report::summary_json(&doc))),
    }
    if !args.quiet {
        eprintln!(
            "{} events in {:.2} s ({:.1} M events/s); results in {}",
            results.events,
            elapsed.as_secs_f64(),
            results.events as f64 / elapsed.as_secs_f64().max(1e-9) / 1e6,
            out_dir.display()
        );
    }
    Ok(if slo_met {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
