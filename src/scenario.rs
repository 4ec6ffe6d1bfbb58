//! Scenario files: TOML → checked, index-based plain data.
//!
//! ```text
//!  file text ──--set──▶ text ──serde (deny_unknown_fields)──▶ RawScenario ──resolve──▶ Scenario
//!                                 errors: path + line              errors: path + line
//! ```
//! The engine only ever sees [`Scenario`]: names are turned into `u32` indices here, once.

pub mod dist;
pub mod error;
pub mod locate;
pub mod overrides;
pub mod resolve;
pub mod schema;

use std::path::{Path, PathBuf};

pub use dist::Dist;
pub use error::ScenarioError;
pub use overrides::Override;
pub use schema::{AlgorithmKind, ArrivalKind, RawScenario};

use crate::engine::Nanos;
use crate::model::source::RateProfile;

/// A checked scenario: plain data with every cross-reference resolved to an index.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Run name (output folder name).
    pub name: String,
    /// Seed of every random stream.
    pub seed: u64,
    /// Simulated time.
    pub duration: Nanos,
    /// Statistics ignore what happens before this time.
    pub warmup: Nanos,
    /// Number of independent replications.
    pub replications: u32,
    /// Width of a time-series bucket.
    pub interval: Nanos,
    /// Traffic sources.
    pub sources: Vec<Source>,
    /// Route names, indexed by `Source::route` (per-route figures).
    pub routes: Vec<String>,
    /// Target groups.
    pub groups: Vec<TargetGroup>,
    /// SLO checks, in file order.
    pub slo: Vec<SloCheck>,
}

/// One traffic source.
#[derive(Debug, Clone)]
pub struct Source {
    /// Name.
    pub name: String,
    /// Arrival process.
    pub arrival: ArrivalKind,
    /// Offered rate over time.
    pub profile: RateProfile,
    /// Client timeout, if any.
    pub timeout: Option<Nanos>,
    /// Index into `Scenario::routes`.
    pub route: u32,
    /// Index into `Scenario::groups`.
    pub group: u32,
}

/// One target group and the tasks behind it.
#[derive(Debug, Clone)]
pub struct TargetGroup {
    /// Name.
    pub name: String,
    /// Number of targets.
    pub targets: u32,
    /// Balancing algorithm.
    pub algorithm: AlgorithmKind,
    /// The app container of each task.
    pub app: App,
}

/// The app stage: `workers` parallel servers behind a FIFO queue.
#[derive(Debug, Clone)]
pub struct App {
    /// Parallel workers.
    pub workers: u32,
    /// Waiting places; `u32::MAX` means unbounded.
    pub queue_limit: u32,
    /// Service time.
    pub service: Dist,
}

/// What an SLO check compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SloMetric {
    /// Mean end-to-end latency, ms (at most).
    MeanMs,
    /// Median latency, ms (at most).
    P50Ms,
    /// 99th percentile latency, ms (at most).
    P99Ms,
    /// 99.9th percentile latency, ms (at most).
    P999Ms,
    /// Failed / completed (at most).
    ErrorRate,
    /// Successful responses per second (at least).
    MinThroughputRps,
}

impl SloMetric {
    /// The name used in `[slo]` and in `summary.json`'s `slo.checks`.
    pub fn name(self) -> &'static str {
        match self {
            SloMetric::MeanMs => "mean_ms",
            SloMetric::P50Ms => "p50_ms",
            SloMetric::P99Ms => "p99_ms",
            SloMetric::P999Ms => "p999_ms",
            SloMetric::ErrorRate => "error_rate",
            SloMetric::MinThroughputRps => "min_throughput_rps",
        }
    }

    /// True when the check passes for `actual`.
    pub fn passes(self, actual: f64, threshold: f64) -> bool {
        match self {
            SloMetric::MinThroughputRps => actual >= threshold,
            _ => actual <= threshold,
        }
    }
}

/// One SLO threshold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SloCheck {
    /// What is compared.
    pub metric: SloMetric,
    /// The threshold.
    pub threshold: f64,
}

/// A scenario as loaded: the checked model, the raw form with defaults filled in (for
/// `validate` and the copy written beside the outputs), and the text it came from.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The checked scenario.
    pub scenario: Scenario,
    /// The raw scenario with defaults filled in.
    pub raw: RawScenario,
    /// The scenario file.
    pub file: PathBuf,
}

/// Reads, overrides, parses and checks a scenario file.
pub fn load(file: &Path, overrides: &[Override]) -> Result<Loaded, ScenarioError> {
    let text = std::fs::read_to_string(file).map_err(|e| ScenarioError {
        file: Some(file.to_path_buf()),
        path: String::new(),
        line: None,
        origin: None,
        message: format!("cannot read the scenario file: {e}"),
    })?;
    let base_dir = file.parent().unwrap_or(Path::new("."));
    load_str(&text, base_dir, overrides)
        .map_err(|mut e| {
            e.file = Some(file.to_path_buf());
            e
        })
        .map(|(scenario, raw)| Loaded {
            scenario,
            raw,
            file: file.to_path_buf(),
        })
}

/// Parses and checks scenario text; `base_dir` is where relative files (empirical samples) live.
pub fn load_str(
    text: &str,
    base_dir: &Path,
    overrides: &[Override],
) -> Result<(Scenario, RawScenario), ScenarioError> {
    let original = text;
    let text = apply_overrides(text, overrides)?;
    let attribute = |mut e: ScenarioError| {
        if !overrides.is_empty() {
            // The text was re-written by the overrides, and an override that adds a key (as
            // `--seed` does when the file has no `seed`) shifts every later line: find the
            // field in the file as the user wrote it instead.
            e.line = (!e.path.is_empty())
                .then(|| locate::line_of(original, &e.path))
                .flatten();
        } else if e.line.is_none() && !e.path.is_empty() {
            e.line = locate::line_of(&text, &e.path);
        }
        let inside = |outer: &str, inner: &str| {
            !outer.is_empty()
                && (inner == outer
                    || inner
                        .strip_prefix(outer)
                        .is_some_and(|rest| rest.starts_with('.')))
        };
        if let Some(ov) = overrides.iter().rev().find(|o| inside(&o.path, &e.path)) {
            // The value itself came from `--set`: the file's line would show the old value.
            e.origin = Some(ov.origin());
            e.line = None;
        } else if let Some(ov) = overrides.iter().rev().find(|o| inside(&e.path, &o.path)) {
            // Part of the value came from `--set` (one mixture weight of several): keep the
            // line of the whole and say which override changed it.
            e.origin = Some(ov.origin());
        }
        e
    };
    let raw = parse(&text).map_err(attribute)?;
    let scenario = resolve::resolve(&raw, base_dir).map_err(attribute)?;
    Ok((scenario, raw))
}

fn apply_overrides(text: &str, overrides: &[Override]) -> Result<String, ScenarioError> {
    if overrides.is_empty() {
        return Ok(text.to_string());
    }
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| syntax_error(text, e.message(), e.span()))?;
    for ov in overrides {
        overrides::apply(&mut doc, ov)?;
    }
    Ok(doc.to_string())
}

/// Deserializes with the field path tracked, so type errors and unknown fields name the field.
fn parse(text: &str) -> Result<RawScenario, ScenarioError> {
    let de =
        toml::Deserializer::parse(text).map_err(|e| syntax_error(text, e.message(), e.span()))?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        let (path, message) = error::plain_serde_error(&dotted(e.path()), e.inner().message());
        ScenarioError {
            file: None,
            line: e.inner().span().map(|s| locate::line_at(text, s.start)),
            path,
            origin: None,
            message,
        }
    })
}

fn syntax_error(text: &str, message: &str, span: Option<std::ops::Range<usize>>) -> ScenarioError {
    ScenarioError {
        file: None,
        path: String::new(),
        line: span.map(|s| locate::line_at(text, s.start)),
        origin: None,
        message: format!("TOML syntax error: {}", message.trim()),
    }
}

fn dotted(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path.iter() {
        let part = match seg {
            Segment::Seq { index } => index.to_string(),
            Segment::Map { key } => key.clone(),
            Segment::Enum { variant } => variant.clone(),
            Segment::Unknown => continue,
        };
        out = error::join_path(&out, part);
    }
    out
}
