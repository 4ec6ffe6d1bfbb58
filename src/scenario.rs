//! Scenario files: TOML → checked, index-based plain data.
//!
//! ```text
//!  file text ──--set──▶ text ──serde (deny_unknown_fields)──▶ RawScenario ──resolve──▶ Scenario
//!                                 errors: path + line              errors: path + line
//! ```
//! The engine only ever sees [`Scenario`]: names are turned into `u32` indices here, once.

pub mod diagnostic;
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
pub use schema::RawScenario;

use crate::model::retry::RetryPolicy;
use crate::vocab::{
    AlgorithmKind, ApiKind, ArrivalKind, Credentials, DiscoveryFilter, FaultKind, HealthProtocol,
    SloMetric,
};

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
    /// Independent replications: the fewest run.
    pub replications: u32,
    /// Relative 95% half-width of every SLO figure at which replications stop (0: off).
    pub precision: f64,
    /// Most replications run.
    pub max_replications: u32,
    /// Width of a time-series bucket.
    pub interval: Nanos,
    /// Traffic sources.
    pub sources: Vec<Source>,
    /// Names under which per-route figures are reported: gateway route keys (plus
    /// `"(no route)"` when some source matches none), or source names without a gateway.
    pub route_names: Vec<String>,
    /// API Gateway, if the path has one.
    pub gateway: Option<Gateway>,
    /// Load balancers.
    pub load_balancers: Vec<LoadBalancer>,
    /// Target groups.
    pub groups: Vec<TargetGroup>,
    /// Total distinct credentials over all sources (authorizer cache size).
    pub credentials: u32,
    /// Faults, in time order.
    pub faults: Vec<Fault>,
    /// Rolling deployments, in time order.
    pub deployments: Vec<Deployment>,
    /// SLO checks, in file order.
    pub slo: Vec<SloCheck>,
    /// What a task costs (`[pricing]`; absent: no cost is shown).
    pub pricing: Option<resolve::pricing::Pricing>,
    /// Configurations that load and run but are almost certainly not what was meant (printed
    /// on stderr by `validate` and `run`).
    pub warnings: Vec<String>,
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
    /// Client timeout per attempt, if any.
    pub timeout: Option<Nanos>,
    /// Index into `Scenario::route_names` for per-route figures.
    pub stats_route: u32,
    /// Where the requests go.
    pub path: SourcePath,
    /// Credentials carried.
    pub credentials: Credentials,
    /// First credential id of this source's clients (ids are dense over all sources).
    pub first_credential: u32,
    /// Distinct clients (credential ids `first_credential..first_credential + clients`).
    pub clients: u32,
    /// Keep-alive connections (0: a new connection per request).
    pub connections: u32,
    /// Requests per connection before it is replaced (`u32::MAX`: for its whole life).
    pub requests_per_connection: u32,
    /// Client retries.
    pub retries: Option<RetryPolicy>,
    /// When the route's integration is an ALB listener: what it does with this source's
    /// requests, decided at load time from their (fixed) attributes.
    pub alb: Option<AlbPath>,
    /// A `Direct` source whose clients resolve the group's Cloud Map DNS name.
    pub dns: bool,
}

/// A source's requests at an ALB listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlbPath {
    /// The load balancer.
    pub load_balancer: u32,
    /// An HTTPS listener (TLS terminated at the ALB: `tls_latency` per request).
    pub https: bool,
    /// The action its rules chose.
    pub action: AlbAction,
}

/// What an ALB listener does with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlbAction {
    /// Forward to this target group.
    Forward {
        /// Target group index.
        group: u32,
    },
    /// Answered by the ALB itself (fixed response, redirect, or 400 for plain HTTP sent to an
    /// HTTPS listener): `None` for a 2xx/3xx, else the failure the client sees.
    Respond {
        /// The failure, if the status is 4xx/5xx.
        failure: Option<crate::vocab::Failure>,
    },
}

/// The first hop of a source's requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourcePath {
    /// Straight to a target group (no gateway).
    Direct {
        /// Target group index.
        group: u32,
    },
    /// Through API Gateway, matching route `route` (`None`: no route matches ⇒ 404/403).
    Gateway {
        /// Index into `Gateway::routes`.
        route: Option<u32>,
    },
}

/// API Gateway.
#[derive(Debug, Clone)]
pub struct Gateway {
    /// REST or HTTP API.
    pub kind: ApiKind,
    /// Latency the gateway adds.
    pub latency: Dist,
    /// Account-level bucket `(rate_rps, burst)`.
    pub account_throttle: Option<(f64, u64)>,
    /// Stage-level bucket.
    pub stage_throttle: Option<(f64, u64)>,
    /// Integration timeout.
    pub integration_timeout: Nanos,
    /// VPC link hop latency.
    pub vpc_link_latency: Dist,
    /// The authorizer, if any route uses one.
    pub authorizer: Option<Authorizer>,
    /// Routes, in file order.
    pub routes: Vec<Route>,
}

/// An authorizer.
#[derive(Debug, Clone)]
pub struct Authorizer {
    /// Kind.
    pub kind: schema::AuthorizerKind,
    /// Validation latency on a cache miss.
    pub latency: Dist,
    /// Result cache TTL (0: no cache).
    pub cache_ttl: Nanos,
}

/// A gateway route.
#[derive(Debug, Clone)]
pub struct Route {
    /// The route key as written.
    pub key: String,
    /// Uses the authorizer.
    pub auth: bool,
    /// Route-level bucket.
    pub throttle: Option<(f64, u64)>,
    /// Target group reached (an ALB listener: its default action's group, or its first
    /// forwarding rule's; each source's own choice is in `Source::alb`).
    pub group: u32,
    /// Load balancer on the way, if any.
    pub load_balancer: Option<u32>,
    /// Reaches the group's tasks through its Cloud Map service (`DiscoverInstances`).
    pub cloud_map: bool,
    /// Each request spends a `DiscoverInstances` call from the account's quota (opt-in).
    pub discover_quota: bool,
    /// Index into `Scenario::route_names`.
    pub stats_route: u32,
}

/// A load balancer.
#[derive(Debug, Clone)]
pub struct LoadBalancer {
    /// Name.
    pub name: String,
    /// Latency it adds.
    pub latency: Dist,
    /// NLB or ALB.
    pub kind: schema::LoadBalancerKind,
    /// ALB: TLS termination cost per request on HTTPS listeners.
    pub tls_latency: Dist,
}

/// A target group behind an ALB: the ALB's own failure semantics apply (reference §4, A3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlbGroup {
    /// The ALB's idle timeout: a target silent this long ⇒ 504.
    pub idle_timeout: Nanos,
    /// The keep-alive race (reference §8): `Some((keepalive, horizon))` when the targets'
    /// keep-alive timeout is shorter than the idle timeout; a pooled connection reused at an
    /// idle age in `[keepalive, horizon)` was just closed by the target ⇒ 502.
    pub keepalive_race: Option<(Nanos, Nanos)>,
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
    /// Availability zones; target `i` is in zone `i % zones`.
    pub zones: u32,
    /// ELB health checks (`None`: every running target is healthy).
    pub health_check: Option<HealthCheck>,
    /// Deregistration delay.
    pub deregistration_delay: Nanos,
    /// Close connections still open when draining ends.
    pub connection_termination: bool,
    /// The ECS service.
    pub service: Service,
    /// Service autoscaling.
    pub autoscaling: Option<Autoscaling>,
    /// The nginx sidecar, if the tasks have one.
    pub sidecar: Option<Sidecar>,
    /// The app container of each task.
    pub app: App,
    /// Behind an ALB: its failure semantics and connection pool.
    pub alb: Option<AlbGroup>,
    /// What load balancer the group sits behind (for defaults and zone nodes).
    pub front: Front,
    /// ALB automatic target weights (anomaly mitigation), with `weighted_random`.
    pub automatic_target_weights: bool,
    /// Slow start window (0: off).
    pub slow_start: Nanos,
    /// Cross-zone load balancing: each load balancer node picks among every zone's targets
    /// (`false`: only its own zone's). Always true without a load balancer.
    pub cross_zone: bool,
    /// The Cloud Map service its tasks are registered in, if any.
    pub cloud_map: Option<CloudMap>,
}

impl TargetGroup {
    /// Balancing goes through the weighted / zonal path (`world::pick_target`): some feature
    /// that the plain balancer does not model is on.
    pub fn weighted(&self) -> bool {
        self.automatic_target_weights || self.slow_start > 0
    }

    /// Requests arrive at one load balancer node per zone and each node picks only among its
    /// own zone's targets.
    pub fn zonal(&self) -> bool {
        !self.cross_zone && self.zones > 1
    }

    /// Several load balancer nodes pick among every zone's targets (cross-zone on), each with
    /// its own view of the requests in flight: the ones it sent itself.
    pub fn node_views(&self) -> bool {
        self.cross_zone && self.zones > 1 && self.front != Front::None
    }
}

/// The load balancer in front of a target group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Front {
    /// Reached without a load balancer (a route's `target_group` or a `direct` source).
    None,
    /// Behind a Network Load Balancer.
    Nlb,
    /// Behind an Application Load Balancer.
    Alb,
}

/// A target group's Cloud Map service (ECS service discovery).
#[derive(Debug, Clone, PartialEq)]
pub struct CloudMap {
    /// DNS record TTL.
    pub dns_ttl: Nanos,
    /// `HealthCheckCustomConfig`: ECS reports task health (else every instance is healthy).
    pub custom_health: bool,
    /// From `UpdateInstanceCustomHealthStatus` to the status being applied.
    pub health_lag: Nanos,
    /// `DiscoverInstances` filter of API Gateway's calls.
    pub filter: DiscoveryFilter,
    /// `DiscoverInstances` `MaxResults`.
    pub max_results: u32,
}

/// An ECS container health check (task definition `healthCheck`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ContainerCheck {
    /// From the end of one check to the start of the next.
    pub interval: Nanos,
    /// A check running this long fails.
    pub timeout: Nanos,
    /// Consecutive failures to become unhealthy.
    pub retries: u32,
    /// Failures in this window after the task runs do not count.
    pub start_period: Nanos,
}

/// ELB health checks of a target group.
#[derive(Debug, Clone, PartialEq)]
pub struct HealthCheck {
    /// TCP or HTTP.
    pub protocol: HealthProtocol,
    /// Between checks.
    pub interval: Nanos,
    /// Without an answer this long, a check fails.
    pub timeout: Nanos,
    /// Consecutive passes to become healthy.
    pub healthy_threshold: u32,
    /// Consecutive failures to become unhealthy.
    pub unhealthy_threshold: u32,
    /// Passes a newly registered target needs (NLB: 1).
    pub initial_passes: u32,
    /// Probing load balancer nodes.
    pub nodes: u32,
    /// Delay before a new target's first check.
    pub new_target_delay: Nanos,
}

/// Seconds from a new target's registration to its first health check when the scenario
/// does not say. AWS documents only that registration "can take a few minutes" (NLB
/// troubleshooting, target group health); users report a new target `initial` for about 70 to
/// 120 s before its first check (aws/containers-roadmap #469, aws-load-balancer-controller
/// #1834): the middle of that range, 90 s, is assumed (docs/scenario.md).
pub const DEFAULT_NEW_TARGET_DELAY_S: f64 = 90.0;

impl HealthCheck {
    /// The documented NLB defaults for `protocol`: interval 30 s, timeout 10 s (TCP) or 6 s
    /// (HTTP), healthy 5, unhealthy 2; a new target needs 1 pass.
    pub fn nlb_defaults(protocol: HealthProtocol) -> Self {
        use crate::engine::time::from_secs;
        HealthCheck {
            protocol,
            interval: from_secs(30.0),
            timeout: from_secs(match protocol {
                HealthProtocol::Tcp => 10.0,
                HealthProtocol::Http => 6.0,
            }),
            healthy_threshold: 5,
            unhealthy_threshold: 2,
            initial_passes: 1,
            nodes: 1,
            new_target_delay: from_secs(DEFAULT_NEW_TARGET_DELAY_S),
        }
    }

    /// The documented ALB defaults: HTTP, interval 30 s, timeout 5 s, healthy 5, unhealthy 2;
    /// a new target needs one pass ("After your target is registered, it must pass one health
    /// check to be considered healthy", ALB user guide, target-group-health-checks).
    pub fn alb_defaults() -> Self {
        use crate::engine::time::from_secs;
        HealthCheck {
            protocol: HealthProtocol::Http,
            interval: from_secs(30.0),
            timeout: from_secs(5.0),
            healthy_threshold: 5,
            unhealthy_threshold: 2,
            initial_passes: 1,
            nodes: 1,
            new_target_delay: from_secs(DEFAULT_NEW_TARGET_DELAY_S),
        }
    }
}

/// The ECS service of a target group.
#[derive(Debug, Clone)]
pub struct Service {
    /// Launch to running.
    pub task_start: Dist,
    /// Failed ELB checks are ignored this long after a task starts.
    pub grace_period: Nanos,
    /// `minimumHealthyPercent`.
    pub minimum_healthy_percent: u32,
    /// `maximumPercent`.
    pub maximum_percent: u32,
    /// SIGTERM to SIGKILL.
    pub stop_timeout: Nanos,
    /// The app container's health check.
    pub container_check: Option<ContainerCheck>,
}

/// Service autoscaling.
#[derive(Debug, Clone)]
pub struct Autoscaling {
    /// Fewest tasks.
    pub min_tasks: u32,
    /// Most tasks.
    pub max_tasks: u32,
    /// The policy.
    pub policy: ScalingPolicy,
    /// After a scale-out, no other scale-out for this long.
    pub scale_out_cooldown: Nanos,
    /// After any scaling, no scale-in for this long.
    pub scale_in_cooldown: Nanos,
    /// Consecutive high datapoints to scale out.
    pub scale_out_datapoints: u32,
    /// Consecutive low datapoints to scale in.
    pub scale_in_datapoints: u32,
}

/// How autoscaling decides.
#[derive(Debug, Clone)]
pub enum ScalingPolicy {
    /// Hold average CPU (busy workers / workers) at this percentage.
    TargetCpu(f64),
    /// Steps `(lower, upper, change)` on requests per target per minute.
    RequestSteps(Vec<(f64, f64, i32)>),
}

/// A fault.
#[derive(Debug, Clone)]
pub struct Fault {
    /// Start.
    pub at: Nanos,
    /// End, if it ends.
    pub end: Option<Nanos>,
    /// What goes wrong.
    pub kind: FaultKind,
    /// Target group index.
    pub group: u32,
    /// Tasks hit (the lowest-numbered running ones).
    pub targets: u32,
    /// `slow`: multiplier.
    pub factor: f64,
    /// `errors`: fraction answered 500.
    pub fraction: f64,
    /// The zone whose tasks it hits (`az_outage`: all of them; other kinds: the first
    /// `targets` there); `None`: the first `targets` of the group, whatever their zone.
    pub zone: Option<u32>,
}

/// A rolling deployment.
#[derive(Debug, Clone)]
pub struct Deployment {
    /// Start.
    pub at: Nanos,
    /// Target group index.
    pub group: u32,
}

/// The nginx sidecar of a task.
#[derive(Debug, Clone)]
pub struct Sidecar {
    /// Latency it adds.
    pub latency: Dist,
    /// Connection slots for requests: `max_connections` less each worker process's listening
    /// sockets and channel. Each proxied request holds two (a client and an upstream one).
    pub connections: u32,
    /// `proxy_read_timeout`.
    pub read_timeout: Nanos,
    /// `keepalive_timeout`: idle client connections closed after this long.
    pub keepalive_timeout: Nanos,
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
    /// Service-time multiplier of each target (length = targets).
    pub service_factors: Vec<f64>,
    /// Fraction answered 500.
    pub error_rate: f64,
    /// Downstream dependency inside the service time.
    pub dependency: Option<Dependency>,
}

/// A synchronous downstream call.
#[derive(Debug, Clone)]
pub struct Dependency {
    /// Call latency.
    pub latency: Dist,
    /// Fraction of calls that fail (app answers 500).
    pub error_rate: f64,
}

/// One SLO threshold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SloCheck {
    /// What is compared.
    pub metric: SloMetric,
    /// The threshold.
    pub threshold: f64,
    /// Whose figure: the whole run's, a route's or a target group's.
    pub scope: SloScope,
}

/// Whose figures an SLO check reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SloScope {
    /// The whole run (`[slo]`).
    Run,
    /// One route, an index into `Scenario::route_names` (`[[slo.route]]`).
    Route(u32),
    /// One target group: the requests of the routes sending to it (`[[slo.target_group]]`).
    Group(u32),
}

impl Scenario {
    /// The target groups each per-route figure's requests are sent to (by index into
    /// `route_names`): a source's own group, its gateway route's, or the group its ALB
    /// listener rules forward it to. A route no source reaches a group by (a fixed response,
    /// no matching route) has none.
    pub fn route_groups(&self) -> Vec<Vec<u32>> {
        let mut out = vec![Vec::new(); self.route_names.len()];
        for s in &self.sources {
            let group = match (s.path, s.alb.map(|a| a.action)) {
                (_, Some(AlbAction::Forward { group })) => Some(group),
                (_, Some(AlbAction::Respond { .. })) => None,
                (SourcePath::Direct { group }, None) => Some(group),
                (SourcePath::Gateway { route: Some(r) }, None) => {
                    self.gateway.as_ref().map(|gw| gw.routes[r as usize].group)
                }
                (SourcePath::Gateway { route: None }, None) => None,
            };
            let groups = &mut out[s.stats_route as usize];
            if let Some(g) = group.filter(|g| !groups.contains(g)) {
                groups.push(g);
            }
        }
        out
    }

    /// The SLO checks that sizing `group` answers to: the whole run's, the group's own and
    /// those of the routes sending to it (another group's or route's cannot be met by it).
    pub fn slo_for_group(&self, group: u32) -> Vec<SloCheck> {
        let routes = self.route_groups();
        self.slo
            .iter()
            .filter(|c| match c.scope {
                SloScope::Run => true,
                SloScope::Group(g) => g == group,
                SloScope::Route(r) => routes[r as usize].contains(&group),
            })
            .copied()
            .collect()
    }
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

/// The JSON Schema of scenario files, generated from the file format's types
/// ([`schema::RawScenario`]), pretty-printed.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(RawScenario);
    serde_json::to_string_pretty(&schema).expect("a schema serializes")
}

/// Reads, overrides, parses and checks a scenario file.
pub fn load(file: &Path, overrides: &[Override]) -> Result<Loaded, ScenarioError> {
    let text = read_scenario_text(file).map_err(|message| ScenarioError {
        file: Some(file.to_path_buf()),
        path: String::new(),
        line: None,
        origin: None,
        message,
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

/// A scenario's text: from a regular file, or standard input for `-`. A named pipe, device or
/// folder is refused: reading one could block for ever or never end.
fn read_scenario_text(file: &Path) -> Result<String, String> {
    if file == Path::new("-") {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .map_err(|e| format!("cannot read the scenario from standard input: {e}"))?;
        return Ok(text);
    }
    let meta =
        std::fs::metadata(file).map_err(|e| format!("cannot read the scenario file: {e}"))?;
    if !meta.is_file() {
        return Err(
            "not a regular file (a folder, named pipe or device); give a scenario file, or `-` for standard input"
                .into(),
        );
    }
    std::fs::read_to_string(file).map_err(|e| format!("cannot read the scenario file: {e}"))
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
    let mut raw = parse(&text).map_err(attribute)?;
    let scenario = resolve::resolve(&raw, base_dir).map_err(attribute)?;
    resolve::fill_defaults(&mut raw, &scenario);
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
    let mut message = message.trim().to_string();
    // The parser says "duplicate key" and points at it: name it.
    if message == "duplicate key"
        && let Some(key) = span.clone().and_then(|s| text.get(s))
    {
        message = format!("duplicate key `{}`", key.trim());
    }
    ScenarioError {
        file: None,
        path: String::new(),
        line: span.map(|s| locate::line_at(text, s.start)),
        origin: None,
        message: format!("TOML syntax error: {message}"),
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
