//! The scenario file as written: serde structs mirroring the TOML, with defaults filled in and
//! unknown fields rejected. Nothing here is checked beyond types; `resolve` checks the rules and
//! turns names into indices. Every field documented here is documented for users in
//! `docs/scenario.md` (unit and default).

use indexmap::IndexMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A whole scenario file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// Run settings.
    pub simulation: RawSimulation,
    /// Request sources.
    #[serde(default)]
    pub traffic: Vec<RawTraffic>,
    /// Target groups by name, in file order.
    #[serde(default)]
    pub target_groups: IndexMap<String, RawTargetGroup>,
    /// Service-level objectives that set the exit code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slo: Option<RawSlo>,
}

/// `[simulation]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawSimulation {
    /// Name of the run; the default output folder is `output/<name>/`.
    pub name: String,
    /// Seed of every random stream.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Simulated time, seconds.
    pub duration_s: f64,
    /// Leading time excluded from statistics, seconds.
    #[serde(default)]
    pub warmup_s: f64,
    /// Independent replications (confidence intervals need at least 2).
    #[serde(default = "default_replications")]
    pub replications: u32,
    /// Width of a `timeseries.csv` row, seconds.
    #[serde(default = "default_interval")]
    pub timeseries_interval_s: f64,
}

fn default_seed() -> u64 {
    1
}
fn default_replications() -> u32 {
    1
}
fn default_interval() -> f64 {
    1.0
}
fn default_method() -> String {
    "GET".to_string()
}
fn default_path() -> String {
    "/".to_string()
}
fn default_workers() -> u32 {
    1
}

/// `[[traffic]]`: one source of requests.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawTraffic {
    /// Name, used in outputs.
    pub name: String,
    /// HTTP method.
    #[serde(default = "default_method")]
    pub method: String,
    /// Request path.
    #[serde(default = "default_path")]
    pub path: String,
    /// Constant offered rate, requests per second (or use `profile`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_rps: Option<f64>,
    /// A rate profile: steps and linear ramps over time.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub profile: Vec<RawProfilePoint>,
    /// Arrival process.
    #[serde(default)]
    pub arrival: ArrivalKind,
    /// Client timeout, seconds; absent means the client waits forever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_s: Option<f64>,
    /// Target group the requests go straight to (the minimal path, with no gateway).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_group: Option<String>,
}

/// How inter-arrival times are drawn.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ArrivalKind {
    /// A (possibly non-homogeneous) Poisson process: exponential gaps at the current rate.
    #[default]
    Poisson,
    /// Evenly spaced arrivals at the current rate.
    Constant,
}

/// One point of a rate profile.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawProfilePoint {
    /// When this point applies, seconds from the start.
    pub at_s: f64,
    /// The rate at this point, requests per second.
    pub rate_rps: f64,
    /// `step`: the rate jumps to `rate_rps` at `at_s`; `ramp`: it rises or falls linearly from the
    /// previous point's rate to `rate_rps`, reaching it at `at_s`.
    #[serde(default)]
    pub shape: ProfileShape,
}

/// How a profile point is reached.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileShape {
    /// Jump at `at_s`.
    #[default]
    Step,
    /// Linear from the previous point.
    Ramp,
}

/// `[target_groups.<name>]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawTargetGroup {
    /// Number of registered targets (ECS tasks).
    pub targets: u32,
    /// Balancing algorithm.
    #[serde(default)]
    pub algorithm: AlgorithmKind,
    /// The app container in each task.
    pub app: RawApp,
}

/// Balancing algorithms of a target group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlgorithmKind {
    /// Each target in turn.
    #[default]
    RoundRobin,
    /// A uniformly random target.
    Random,
    /// The target with the fewest requests in flight (ties rotate).
    LeastOutstanding,
    /// The less loaded of two random targets.
    PowerOfTwo,
    /// A hash of the flow (connection): all requests of one connection go to one target.
    FlowHash,
}

/// The app stage of a task: `workers` in parallel behind a FIFO queue.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawApp {
    /// Requests served in parallel.
    #[serde(default = "default_workers")]
    pub workers: u32,
    /// Waiting places in the FIFO queue; a full queue answers 503.
    #[serde(default)]
    pub queue_limit: QueueLimit,
    /// Service time per request.
    pub service: RawDist,
}

/// A queue bound: a count of waiting places, or `"unbounded"`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum QueueLimit {
    /// At most this many requests wait.
    Limited(u32),
    /// No bound.
    #[default]
    Unbounded,
}

impl Serialize for QueueLimit {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            QueueLimit::Limited(n) => s.serialize_u32(*n),
            QueueLimit::Unbounded => s.serialize_str("unbounded"),
        }
    }
}

impl<'de> Deserialize<'de> for QueueLimit {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = QueueLimit;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a non-negative whole number of waiting places or \"unbounded\"")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<QueueLimit, E> {
                u32::try_from(v)
                    .map(QueueLimit::Limited)
                    .map_err(|_| E::custom(format!("must be 0 or more (got {v})")))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<QueueLimit, E> {
                self.visit_i64(i64::try_from(v).unwrap_or(-1))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<QueueLimit, E> {
                if v == "unbounded" {
                    Ok(QueueLimit::Unbounded)
                } else {
                    Err(E::custom(format!(
                        "must be a whole number of waiting places or \"unbounded\" (got \"{v}\")"
                    )))
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// A latency or service-time distribution as written: `{ dist = "...", <parameters> }`.
/// One flat struct rather than an enum so that every parameter error can name the field; which
/// parameters each kind takes is checked in `dist.rs`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawDist {
    /// The kind.
    pub dist: DistKind,
    /// Weight of this component inside a `mixture`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
    /// `constant`: the value, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ms: Option<f64>,
    /// `uniform`: lower bound, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_ms: Option<f64>,
    /// `uniform`: upper bound, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ms: Option<f64>,
    /// `exponential`, `normal`, `gamma`, `lognormal`: mean, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean_ms: Option<f64>,
    /// `normal`: standard deviation, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sd_ms: Option<f64>,
    /// `lognormal`: median, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median_ms: Option<f64>,
    /// `lognormal`: sigma of the underlying normal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sigma: Option<f64>,
    /// `lognormal`: 99th percentile, ms (with `mean_ms`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p99_ms: Option<f64>,
    /// `gamma`, `weibull`, `pareto`: shape parameter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shape: Option<f64>,
    /// `weibull`, `pareto`: scale, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_ms: Option<f64>,
    /// `empirical`: CSV file of samples in ms, relative to the scenario file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// `mixture`: the weighted components.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub components: Option<Vec<RawDist>>,
}

/// The distribution kinds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DistKind {
    /// Always the same value.
    #[default]
    Constant,
    /// Uniform between two bounds.
    Uniform,
    /// Exponential (memoryless).
    Exponential,
    /// Normal, truncated at zero.
    Normal,
    /// Log-normal.
    Lognormal,
    /// Gamma.
    Gamma,
    /// Weibull.
    Weibull,
    /// Pareto (heavy tail).
    Pareto,
    /// Resampled from measured values.
    Empirical,
    /// A weighted mixture of other distributions.
    Mixture,
}

/// `[slo]`: thresholds checked after the run; any miss makes the exit code 1.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawSlo {
    /// Highest acceptable mean end-to-end latency, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean_ms: Option<f64>,
    /// Highest acceptable median latency, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p50_ms: Option<f64>,
    /// Highest acceptable 99th-percentile latency, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p99_ms: Option<f64>,
    /// Highest acceptable 99.9th-percentile latency, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p999_ms: Option<f64>,
    /// Highest acceptable fraction of failed requests (0 to 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_rate: Option<f64>,
    /// Lowest acceptable throughput of successful requests, per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_throughput_rps: Option<f64>,
}

#[cfg(test)]
mod tests {
    /// The names a user can write, read from this file's source: every `pub` field of a struct,
    /// and every variant of a `snake_case` enum (as the string written in TOML).
    fn names_in_schema(src: &str) -> (Vec<String>, Vec<String>) {
        // Attributes that would make a TOML name differ from the Rust one are not understood
        // here; fail rather than check the wrong names.
        for unsupported in ["rename =", "alias", "flatten"] {
            assert!(
                !src.contains(&format!("#[serde({unsupported}")),
                "teach this test about serde({unsupported})"
            );
        }
        let (mut fields, mut variants) = (Vec::new(), Vec::new());
        let mut in_struct = false;
        let mut in_named_enum = false;
        let mut snake_case_next = false;
        for line in src.lines() {
            let t = line.trim();
            if line.starts_with("#[serde(rename_all = \"snake_case\")]") {
                snake_case_next = true;
            } else if line.starts_with("pub struct ") {
                in_struct = true;
            } else if line.starts_with("pub enum ") {
                in_named_enum = snake_case_next;
                snake_case_next = false;
            } else if line.starts_with('}') {
                (in_struct, in_named_enum) = (false, false);
            } else if in_struct && let Some(rest) = t.strip_prefix("pub ") {
                fields.push(rest.split(':').next().unwrap().to_string());
            } else if in_named_enum && !t.starts_with("//") && t.ends_with(',') {
                let camel = t.trim_end_matches(',');
                let mut snake = String::new();
                for (i, c) in camel.chars().enumerate() {
                    if c.is_uppercase() && i > 0 {
                        snake.push('_');
                    }
                    snake.push(c.to_ascii_lowercase());
                }
                variants.push(snake);
            }
        }
        (fields, variants)
    }

    /// Every field and every choice of the schema is documented for users, so `docs/scenario.md`
    /// cannot silently fall behind the code.
    #[test]
    fn docs_name_every_field_and_choice() {
        let doc = include_str!("../../docs/scenario.md");
        let (fields, variants) = names_in_schema(include_str!("schema.rs"));
        // The parse itself works: a few names known to be in the schema were found.
        for known in ["duration_s", "queue_limit", "p99_ms", "components"] {
            assert!(fields.iter().any(|f| f == known), "parsed {fields:?}");
        }
        for known in ["least_outstanding", "lognormal", "ramp", "poisson"] {
            assert!(variants.iter().any(|v| v == known), "parsed {variants:?}");
        }
        let missing: Vec<String> = fields
            .iter()
            .filter(|f| !doc.contains(&format!("`{f}`")))
            .map(|f| format!("field `{f}`"))
            .chain(
                variants
                    .iter()
                    .filter(|v| !doc.contains(&format!("\"{v}\"")))
                    .map(|v| format!("value \"{v}\"")),
            )
            .collect();
        assert!(missing.is_empty(), "not in docs/scenario.md: {missing:?}");
    }
}
