//! The shared vocabulary: the enums that the scenario file, the hop models and the results all
//! speak (arrival kinds, profile shapes, algorithms, health protocols, fault kinds, discovery
//! filters, credentials, failures, stage kinds, SLO metrics, API kinds). It sits at the bottom of
//! the crate and imports nothing from it, so every layer can name these without reaching up.

use serde::{Deserialize, Serialize};

/// Why a request failed, as the client sees it. The order is the column order of the outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Throttled by API Gateway.
    Throttled429,
    /// Missing, invalid or expired credentials.
    Unauthorized401,
    /// No route matched (REST API: `MISSING_AUTHENTICATION_TOKEN`).
    Forbidden403,
    /// No route matched (HTTP API).
    NotFound404,
    /// Internal error: the app or its dependency failed; REST VPC link backend unreachable.
    InternalError500,
    /// Bad gateway: upstream refused or reset.
    BadGateway502,
    /// Service unavailable: queue full, no targets, HTTP API integration timeout.
    Unavailable503,
    /// Gateway timeout: proxy or REST integration timeout.
    GatewayTimeout504,
    /// The client gave up waiting.
    ClientTimeout,
    /// Bad request: an ALB fixed response, or plain HTTP sent to an ALB HTTPS listener.
    BadRequest400,
    /// The connection was closed with no answer (nginx out of connection slots, seen by a
    /// client connected to the task).
    ConnectionClosed,
}

impl Failure {
    /// Every cause, in output order.
    pub const ALL: [Failure; 11] = [
        Failure::Throttled429,
        Failure::Unauthorized401,
        Failure::Forbidden403,
        Failure::NotFound404,
        Failure::InternalError500,
        Failure::BadGateway502,
        Failure::Unavailable503,
        Failure::GatewayTimeout504,
        Failure::ClientTimeout,
        Failure::BadRequest400,
        Failure::ConnectionClosed,
    ];

    /// Number of causes.
    pub const COUNT: usize = Self::ALL.len();

    /// The key used in `summary.json` and as a CSV column.
    pub fn name(self) -> &'static str {
        match self {
            Failure::Throttled429 => "throttled_429",
            Failure::Unauthorized401 => "unauthorized_401",
            Failure::Forbidden403 => "forbidden_403",
            Failure::NotFound404 => "not_found_404",
            Failure::InternalError500 => "internal_error_500",
            Failure::BadGateway502 => "bad_gateway_502",
            Failure::Unavailable503 => "unavailable_503",
            Failure::GatewayTimeout504 => "gateway_timeout_504",
            Failure::ClientTimeout => "client_timeout",
            Failure::BadRequest400 => "bad_request_400",
            Failure::ConnectionClosed => "connection_closed",
        }
    }

    /// The HTTP status the client receives; `None` for the client's own timeout and a closed
    /// connection.
    pub fn status(self) -> Option<u16> {
        match self {
            Failure::Throttled429 => Some(429),
            Failure::Unauthorized401 => Some(401),
            Failure::Forbidden403 => Some(403),
            Failure::NotFound404 => Some(404),
            Failure::InternalError500 => Some(500),
            Failure::BadGateway502 => Some(502),
            Failure::Unavailable503 => Some(503),
            Failure::GatewayTimeout504 => Some(504),
            Failure::ClientTimeout => None,
            Failure::BadRequest400 => Some(400),
            Failure::ConnectionClosed => None,
        }
    }

    /// Position in [`Failure::ALL`].
    #[inline]
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A hop of the request path whose latency is reported in `summary.json`'s `stages`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageKind {
    /// API Gateway (routing, throttling, integration).
    Gateway,
    /// The authorizer call (when not served from cache).
    Authorizer,
    /// The load balancer hop.
    LoadBalancer,
    /// The nginx sidecar.
    Sidecar,
    /// Waiting for an app worker.
    AppQueue,
    /// App service time.
    AppService,
}

impl StageKind {
    /// Every stage, in path order.
    pub const ALL: [StageKind; 6] = [
        StageKind::Gateway,
        StageKind::Authorizer,
        StageKind::LoadBalancer,
        StageKind::Sidecar,
        StageKind::AppQueue,
        StageKind::AppService,
    ];

    /// Number of stages.
    pub const COUNT: usize = Self::ALL.len();

    /// The key used in `summary.json`.
    pub fn name(self) -> &'static str {
        match self {
            StageKind::Gateway => "gateway",
            StageKind::Authorizer => "authorizer",
            StageKind::LoadBalancer => "load_balancer",
            StageKind::Sidecar => "sidecar",
            StageKind::AppQueue => "app_queue",
            StageKind::AppService => "app_service",
        }
    }
}

/// How inter-arrival times are drawn.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ArrivalKind {
    /// A (possibly non-homogeneous) Poisson process: exponential gaps at the current rate.
    #[default]
    Poisson,
    /// Evenly spaced arrivals at the current rate.
    Constant,
}

/// How a profile point is reached.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ProfileShape {
    /// Jump at `at_s`.
    #[default]
    Step,
    /// Linear from the previous point.
    Ramp,
}

/// Balancing algorithms of a target group.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AlgorithmKind {
    /// Each target in turn.
    #[default]
    RoundRobin,
    /// A uniformly random target.
    Random,
    /// The target with the fewest requests in flight (ties rotate); also written
    /// `least_outstanding_requests`, the ALB's name for it.
    #[serde(alias = "least_outstanding_requests")]
    LeastOutstanding,
    /// The less loaded of two random targets.
    PowerOfTwo,
    /// A hash of the flow (connection): all requests of one connection go to one target.
    FlowHash,
    /// ALB `weighted_random`: a random target, drawn in proportion to its weight (automatic
    /// target weights, slow start); all weights equal: uniform.
    WeightedRandom,
}

/// Health-check protocols.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum HealthProtocol {
    /// A TCP connect to the sidecar's port.
    #[default]
    Tcp,
    /// An HTTP request through the sidecar to the app, taking an app worker.
    Http,
}

/// Fault kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// The task stops answering at the network level (host or ENI failure): requests to it
    /// get no answer; ECS learns of it only from ELB health checks.
    Crash,
    /// nginx is alive but the app refuses connections: nginx answers 502.
    AppCrash,
    /// The app accepts requests and never answers.
    Hang,
    /// Service times multiplied by `factor`.
    Slow,
    /// A `fraction` of requests answered 500.
    Errors,
    /// Gray failure: a `fraction` of user requests answered 500 at once by the app, without
    /// taking a worker; health-check requests do not take that code path and still pass.
    FailFast,
    /// Every task in `zone` crashes.
    AzOutage,
    /// The task's essential container exits: its connections are reset, ECS sees the task
    /// stop, deregisters it (load balancer and Cloud Map) and replaces it.
    TaskExit,
}

/// `DiscoverInstances`' `HealthStatus` filter.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum DiscoveryFilter {
    /// Healthy instances only.
    #[default]
    Healthy,
    /// Every instance.
    All,
    /// Healthy instances, or every instance when none is healthy.
    HealthyOrElseAll,
}

/// What credentials a source's requests carry.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Credentials {
    /// A valid token: authorized.
    #[default]
    Valid,
    /// A token that fails validation (signature, issuer, audience, scope): 401.
    Invalid,
    /// No token at all: 401 without calling the authorizer.
    None,
    /// A well-formed token past its `exp`: 401.
    Expired,
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

/// Which flavour of API Gateway the routes belong to; it decides precedence and the status of an
/// unmatched request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKind {
    /// HTTP API (API Gateway v2): route keys, `$default`, 404 when nothing matches.
    Http,
    /// REST API (API Gateway v1): a resource tree with methods, 403 when nothing matches.
    Rest,
}

impl ApiKind {
    /// The status API Gateway answers when no route matches: 404 `Not Found` for HTTP APIs, 403
    /// `MISSING_AUTHENTICATION_TOKEN` for REST APIs.
    pub fn no_route_status(self) -> u16 {
        match self {
            ApiKind::Http => 404,
            ApiKind::Rest => 403,
        }
    }
}
