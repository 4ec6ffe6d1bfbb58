//! Streaming statistics: memory does not grow with the number of requests simulated.
//!
//! - [`latency::LatencyStat`]: an HDR histogram (3 significant digits) plus an exact sum and max.
//! - [`time_weighted::TimeWeighted`]: integrals over time (mean number in system, utilization).
//! - [`timeseries::TimeSeries`]: fixed-width buckets for `timeseries.csv`.
//! - [`recorder::Recorder`]: what one replication observed, fed by the simulator.
//! - [`summary`]: the figures of a run and their merge over replications with
//!   [`confidence`] intervals.

pub mod confidence;
pub mod latency;
pub mod queueing;
pub mod recorder;
pub mod slo;
pub mod summary;
pub mod time_weighted;
pub mod timeseries;

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
}

impl Failure {
    /// Every cause, in output order.
    pub const ALL: [Failure; 10] = [
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
        }
    }

    /// The HTTP status the client receives; `None` for the client's own timeout.
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
