//! The scenario file as written: serde structs mirroring the TOML, with defaults filled in and
//! unknown fields rejected. Nothing here is checked beyond types; `resolve` checks the rules and
//! turns names into indices. Every field documented here is documented for users in
//! `docs/scenario.md` (unit and default).

use indexmap::IndexMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::vocab::{
    AlgorithmKind, ArrivalKind, Credentials, DiscoveryFilter, FaultKind, HealthProtocol,
    ProfileShape,
};

/// A whole scenario file.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// Run settings.
    pub simulation: RawSimulation,
    /// Request sources.
    #[serde(default)]
    pub traffic: Vec<RawTraffic>,
    /// API Gateway in front of the integrations (absent: traffic goes straight to a group).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<RawGateway>,
    /// Load balancers by name.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub load_balancers: IndexMap<String, RawLoadBalancer>,
    /// Target groups by name, in file order.
    #[serde(default)]
    pub target_groups: IndexMap<String, RawTargetGroup>,
    /// Faults injected at given times.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<RawFault>,
    /// Rolling deployments at given times.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deployments: Vec<RawDeployment>,
    /// Service-level objectives that set the exit code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slo: Option<RawSlo>,
    /// What a task costs, for `plan`'s cost per month of each count (absent: no cost shown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pricing: Option<RawPricing>,
}

/// `[pricing]`: a task's size and the prices of Fargate's two compute dimensions (per vCPU-hour
/// and per GB-hour of memory). Every field is required: there are no default prices, since
/// they differ by region, architecture and operating system.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPricing {
    /// vCPUs of one task (a Fargate task size: 0.25, 0.5, 1, 2, 4, 8 or 16).
    pub vcpu_per_task: f64,
    /// Memory of one task, GiB (within the range Fargate allows for its vCPUs).
    pub memory_gib_per_task: f64,
    /// Price of one vCPU for an hour, USD.
    pub usd_per_vcpu_hour: f64,
    /// Price of one GiB of memory for an hour, USD.
    pub usd_per_gib_hour: f64,
    /// Hours in a month of running [default: 730, 24 × 365 / 12].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours_per_month: Option<f64>,
}

/// `[simulation]`.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
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
    /// Independent replications: the fewest run (confidence intervals need at least 2).
    #[serde(default = "default_replications")]
    pub replications: u32,
    /// Relative 95% half-width every SLO figure must reach before replications stop (0: run
    /// exactly `replications`).
    #[serde(default = "default_precision")]
    pub precision: f64,
    /// Most replications run while the precision is not reached (default: 20, or
    /// `replications` when that is more).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_replications: Option<u32>,
    /// Width of a `timeseries.csv` row, seconds; when absent, chosen from the run's length
    /// (see `resolve::simulation::default_interval`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeseries_interval_s: Option<f64>,
}

fn default_seed() -> u64 {
    1
}
fn default_replications() -> u32 {
    1
}
fn default_precision() -> f64 {
    0.05
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
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
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
    /// The credentials the requests carry.
    #[serde(default)]
    pub credentials: Credentials,
    /// Distinct client identities (tokens) the requests come from: the authorizer cache keys.
    #[serde(default = "default_clients")]
    pub clients: u32,
    /// Keep-alive connections the source keeps open; 0 opens a new connection per request.
    #[serde(default)]
    pub connections: u32,
    /// Requests sent over a connection before it is replaced; absent: for its whole life.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests_per_connection: Option<u32>,
    /// Client retries; absent: no retries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<RawRetries>,
    /// The `Host` header the requests carry (ALB host conditions); absent: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Request headers, name = value (ALB header conditions).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub headers: IndexMap<String, String>,
    /// Query-string parameters, key = value (ALB query-string conditions).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub query: IndexMap<String, String>,
    /// How a source with `target_group` finds its tasks: absent, straight to the target
    /// group; `"dns"`, each client resolves the group's Cloud Map DNS name and caches it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discovery: Option<DiscoveryKind>,
}

/// How a caller finds the tasks of a target group registered in Cloud Map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DiscoveryKind {
    /// API Gateway's private integration: `DiscoverInstances` per request.
    CloudMap,
    /// A DNS client: multivalue answers, cached for the record TTL.
    Dns,
}

fn default_clients() -> u32 {
    1
}

/// `retries = { max, base_ms, cap_ms, jitter, on }`: capped exponential backoff with jitter.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRetries {
    /// Retries after the first attempt.
    pub max: u32,
    /// Backoff shape; only `exponential` is supported.
    #[serde(default)]
    pub backoff: BackoffKind,
    /// Base delay, ms: retry n waits up to min(cap, base × 2^n).
    #[serde(default = "default_base_ms")]
    pub base_ms: f64,
    /// Cap on the delay, ms.
    #[serde(default = "default_cap_ms")]
    pub cap_ms: f64,
    /// Jitter applied to the delay.
    #[serde(default)]
    pub jitter: JitterKind,
    /// Which outcomes are retried: HTTP statuses and/or "timeout" (the client's own timeout).
    #[serde(default = "default_retry_on")]
    pub on: Vec<RetryOn>,
}

fn default_base_ms() -> f64 {
    100.0
}
fn default_cap_ms() -> f64 {
    20_000.0
}
fn default_retry_on() -> Vec<RetryOn> {
    [429, 500, 502, 503, 504]
        .into_iter()
        .map(RetryOn::Status)
        .chain([RetryOn::Word("timeout".into())])
        .collect()
}

/// A retried outcome: an HTTP status or the word `"timeout"`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum RetryOn {
    /// An HTTP status code.
    Status(u16),
    /// `"timeout"`: the client's own timeout.
    Word(String),
}

/// Backoff shapes.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum BackoffKind {
    /// min(cap, base × 2^n).
    #[default]
    Exponential,
}

/// Jitter on the backoff delay (AWS Builders' Library).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum JitterKind {
    /// Uniform in [0, delay].
    #[default]
    Full,
    /// delay/2 + uniform in [0, delay/2].
    Equal,
    /// Exactly the delay.
    None,
}

/// `[gateway]`: API Gateway.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawGateway {
    /// `rest` (REST API, v1) or `http` (HTTP API, v2).
    #[serde(default)]
    pub kind: ApiKindRaw,
    /// Latency the gateway adds to each request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<RawDist>,
    /// Account-level token bucket: AWS's per-Region quota, 10,000 RPS with a burst of 5,000,
    /// unless the file says otherwise; `"unlimited"` only where the quota was raised out of
    /// reach.
    #[serde(default)]
    pub throttle: AccountThrottle,
    /// Stage-level token bucket; absent: unlimited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage_throttle: Option<RawThrottle>,
    /// Integration timeout, seconds: REST 29 (0.05–29, or raised to 300), HTTP 30 (0.05–30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integration_timeout_s: Option<f64>,
    /// The VPC link hop to the load balancer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_link: Option<RawVpcLink>,
    /// The authorizer used by routes with `auth = true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorizer: Option<RawAuthorizer>,
    /// Routes, matched most specific first.
    #[serde(default)]
    pub routes: Vec<RawRoute>,
}

/// API kinds.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ApiKindRaw {
    /// REST API (v1).
    #[default]
    Rest,
    /// HTTP API (v2).
    Http,
}

/// A token bucket: `rate_rps` tokens per second, at most `burst` stored.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawThrottle {
    /// Refill rate, requests per second.
    pub rate_rps: f64,
    /// Bucket size, requests.
    pub burst: u64,
}

/// The account-level throttle: a bucket, or `"unlimited"` (the quota raised out of reach).
#[derive(Debug, Clone, PartialEq)]
pub enum AccountThrottle {
    /// A token bucket.
    Limited(RawThrottle),
    /// No account-level limit.
    Unlimited,
}

impl Default for AccountThrottle {
    /// AWS's default account quota per Region: 10,000 requests per second, burst 5,000 (API
    /// Gateway quotas, https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html).
    fn default() -> Self {
        AccountThrottle::Limited(RawThrottle {
            rate_rps: 10_000.0,
            burst: 5_000,
        })
    }
}

impl schemars::JsonSchema for AccountThrottle {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "AccountThrottle".into()
    }

    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "anyOf": [g.subschema_for::<RawThrottle>(), { "const": "unlimited" }] })
    }
}

impl Serialize for AccountThrottle {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            AccountThrottle::Limited(t) => t.serialize(s),
            AccountThrottle::Unlimited => s.serialize_str("unlimited"),
        }
    }
}

impl<'de> Deserialize<'de> for AccountThrottle {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = AccountThrottle;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a throttle `{ rate_rps, burst }` or \"unlimited\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<AccountThrottle, E> {
                if v == "unlimited" {
                    Ok(AccountThrottle::Unlimited)
                } else {
                    Err(E::custom(format!(
                        "must be a throttle {{ rate_rps, burst }} or \"unlimited\" (the account \
                         quota raised out of reach) (got \"{v}\")"
                    )))
                }
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                m: M,
            ) -> Result<AccountThrottle, M::Error> {
                RawThrottle::deserialize(serde::de::value::MapAccessDeserializer::new(m))
                    .map(AccountThrottle::Limited)
            }
        }
        d.deserialize_any(V)
    }
}

/// `[gateway.vpc_link]`.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawVpcLink {
    /// Latency of the VPC link hop.
    pub latency: RawDist,
}

/// `[gateway.authorizer]`.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAuthorizer {
    /// `cognito` (REST), `jwt` (HTTP API), or `lambda`.
    pub kind: AuthorizerKind,
    /// Time to validate a token when the result is not cached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<RawDist>,
    /// Result cache TTL, seconds (0 = off). Default 300 for REST authorizers, 0 for HTTP API
    /// Lambda authorizers; HTTP API JWT authorizers have no result cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_ttl_s: Option<f64>,
}

/// Authorizer kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuthorizerKind {
    /// Cognito user pool authorizer (REST APIs).
    Cognito,
    /// JWT authorizer (HTTP APIs).
    Jwt,
    /// Lambda authorizer.
    Lambda,
}

/// `[[gateway.routes]]`.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRoute {
    /// Route key: `"METHOD /path"` with `{param}` and a final `{proxy+}`, or `"$default"`.
    pub route: String,
    /// Whether the route uses the gateway's authorizer.
    #[serde(default)]
    pub auth: bool,
    /// Route-level token bucket; absent: unlimited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throttle: Option<RawThrottle>,
    /// Where matched requests go.
    pub integration: RawIntegration,
}

/// A route's integration: a load balancer listener or a target group.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawIntegration {
    /// Load balancer name (with `port`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer: Option<String>,
    /// Listener port on that load balancer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// A target group reached directly (no load balancer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_group: Option<String>,
    /// HTTP API `tlsConfig.serverNameToVerify`: with it, API Gateway speaks HTTPS to the
    /// listener; without it, plain HTTP (an ALB HTTPS listener then answers 400).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_server_name: Option<String>,
    /// With `target_group`: `"cloud_map"` reaches its tasks through the group's Cloud Map
    /// service (HTTP APIs only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discovery: Option<DiscoveryKind>,
    /// With `discovery = "cloud_map"`: the caller spends one `DiscoverInstances` call per
    /// request from the account's quota (2,000 burst, 1,000/s), as an SDK client that calls it
    /// itself does. Off by default: API Gateway's Cloud Map integration is not charged per
    /// request.
    #[serde(default, skip_serializing_if = "is_false")]
    pub discover_instances_quota: bool,
}

/// `[load_balancers.<name>]`.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawLoadBalancer {
    /// `nlb` or `alb`.
    pub kind: LoadBalancerKind,
    /// Latency the load balancer adds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<RawDist>,
    /// Listeners: a port forwarding to a target group (ALB: rules and a default action).
    pub listeners: Vec<RawListener>,
    /// ALB connection idle timeout, seconds (1–4000, default 60): a target silent this long
    /// gets the request answered 504.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_timeout_s: Option<f64>,
    /// ALB: TLS termination cost of each request on an HTTPS listener.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_latency: Option<RawDist>,
}

/// Load balancer kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LoadBalancerKind {
    /// Network Load Balancer: layer 4, flow-hash routing, listeners by port.
    Nlb,
    /// Application Load Balancer: layer 7, listener rules, its own 502/503/504.
    Alb,
}

/// A listener: `{ port, target_group }` (NLB), or for an ALB `{ port, protocol, rules,
/// default_action }` where `target_group = "x"` is short for a default action forwarding to x.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawListener {
    /// Port, 1–65535.
    pub port: u16,
    /// `tcp` (NLB, the default), `http` or `https` (ALB; default `https` on port 443, else
    /// `http`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<ListenerProtocol>,
    /// Target group it forwards to (the default action).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_group: Option<String>,
    /// ALB: the action when no rule matches (instead of `target_group`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_action: Option<RawAction>,
    /// ALB listener rules, evaluated lowest priority first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<RawRule>,
}

/// Listener protocols.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListenerProtocol {
    /// TCP (NLB).
    Tcp,
    /// Plain HTTP (ALB).
    Http,
    /// HTTPS (ALB): TLS terminated at the load balancer.
    Https,
}

/// `[[load_balancers.<name>.listeners.rules]]`: one ALB listener rule.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    /// 1–50000, unique per listener; the lowest matching priority wins.
    pub priority: u32,
    /// What a request must satisfy (all conditions; any value within one).
    pub conditions: RawConditions,
    /// What happens to a matching request.
    pub action: RawAction,
}

/// The conditions of a rule: each given one must hold (AND); within one, any value (OR).
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawConditions {
    /// Host patterns (`*`, `?`; case-insensitive).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub host: Vec<String>,
    /// Path patterns (`*`, `?`; case-sensitive; the path without its query string).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub path: Vec<String>,
    /// HTTP methods (exact, case-sensitive).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub method: Vec<String>,
    /// An HTTP header condition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<RawHeaderCondition>,
    /// A query-string condition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<RawQueryCondition>,
}

/// `header = { name, values }`.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawHeaderCondition {
    /// Header name (case-insensitive, no wildcards).
    pub name: String,
    /// Value patterns (`*`, `?`; case-insensitive).
    pub values: Vec<String>,
}

/// `query = { key, value }`.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawQueryCondition {
    /// Parameter key pattern (`*`, `?`; case-insensitive).
    pub key: String,
    /// Parameter value pattern (`*`, `?`; case-insensitive).
    pub value: String,
}

/// A rule's (or the listener's default) action: exactly one of the three.
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAction {
    /// Forward to this target group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_group: Option<String>,
    /// Answer at the load balancer with this status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_response: Option<RawFixedResponse>,
    /// Answer at the load balancer with a redirect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect: Option<RawRedirect>,
}

/// `fixed_response = { status }`.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawFixedResponse {
    /// HTTP status: 2xx, 4xx or 5xx (AWS allows no other).
    pub status: u16,
}

/// `redirect = { status }`.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRedirect {
    /// 301 or 302.
    pub status: u16,
}

/// One point of a rate profile.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
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

/// `[target_groups.<name>]`.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTargetGroup {
    /// Number of registered targets (ECS tasks).
    pub targets: u32,
    /// Balancing algorithm; default `flow_hash` behind an NLB, else `round_robin`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<AlgorithmKind>,
    /// Availability zones the tasks are spread over (round robin): `a`, `b`, `c`, ...
    #[serde(default = "default_zones")]
    pub zones: u32,
    /// ELB health checks; absent: every running target counts as healthy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check: Option<RawHealthCheck>,
    /// Deregistration delay (draining), seconds.
    #[serde(default = "default_deregistration_delay")]
    pub deregistration_delay_s: f64,
    /// Whether connections still open when draining ends are closed (NLB).
    #[serde(default)]
    pub connection_termination: bool,
    /// The ECS service running the tasks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<RawService>,
    /// Service autoscaling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoscaling: Option<RawAutoscaling>,
    /// The nginx sidecar in front of the app; absent: requests go straight to the app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sidecar: Option<RawSidecar>,
    /// ALB automatic target weights (anomaly mitigation); only with `weighted_random`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub automatic_target_weights: bool,
    /// Slow start window, seconds: 0 (off) or 30–900; `round_robin` or `weighted_random` only.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub slow_start_s: f64,
    /// Cross-zone load balancing; default on behind an ALB, off behind an NLB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cross_zone: Option<bool>,
    /// The app container in each task.
    pub app: RawApp,
    /// The Cloud Map service the ECS service registers its tasks in; absent: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_map: Option<RawCloudMap>,
}

/// `cloud_map = { ... }`: ECS service discovery into a Cloud Map service.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCloudMap {
    /// TTL of the service's DNS records, seconds.
    #[serde(default = "default_dns_ttl")]
    pub dns_ttl_s: f64,
    /// `"custom"` (ECS reports the task's health) or `"none"` (every instance is healthy).
    #[serde(default)]
    pub health: CloudMapHealth,
    /// Seconds from ECS's `UpdateInstanceCustomHealthStatus` to Cloud Map applying it.
    #[serde(default = "default_health_lag")]
    pub health_lag_s: f64,
    /// The `HealthStatus` filter API Gateway's `DiscoverInstances` calls use.
    #[serde(default)]
    pub filter: DiscoveryFilter,
    /// `MaxResults` of `DiscoverInstances`.
    #[serde(default = "default_max_results")]
    pub max_results: u32,
}

fn default_dns_ttl() -> f64 {
    60.0
}
fn default_health_lag() -> f64 {
    30.0
}
fn default_max_results() -> u32 {
    100
}

/// Health checking of a Cloud Map service.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum CloudMapHealth {
    /// `HealthCheckCustomConfig`: ECS reports each task's health status.
    #[default]
    Custom,
    /// No health check: every registered instance is returned.
    None,
}

fn is_false(b: &bool) -> bool {
    !*b
}
fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

/// `sidecar = { ... }`: nginx on :9000 proxying to the app on :9001.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSidecar {
    /// Latency nginx adds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<RawDist>,
    /// nginx `worker_connections` (× `worker_processes`): each proxied request holds two.
    #[serde(default = "default_worker_connections")]
    pub max_connections: u32,
    /// `worker_processes`: each holds its own listening sockets and a channel to the master.
    #[serde(default = "default_one")]
    pub worker_processes: u32,
    /// The server's `listen` sockets (each takes a connection in every worker process).
    #[serde(default = "default_one")]
    pub listen_sockets: u32,
    /// Listen backlog (`listen ... backlog=`); nginx accepts at once, so it never fills.
    #[serde(default = "default_backlog")]
    pub backlog: u32,
    /// `proxy_read_timeout`, seconds: the app silent this long ⇒ 504.
    #[serde(default = "default_proxy_timeout")]
    pub proxy_read_timeout_s: f64,
    /// nginx `keepalive_timeout`, seconds (default 75): idle client (load balancer)
    /// connections are closed after this long. Shorter than an ALB's idle timeout ⇒ the
    /// keep-alive race gives occasional 502s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keepalive_timeout_s: Option<f64>,
}

fn default_zones() -> u32 {
    1
}
fn default_deregistration_delay() -> f64 {
    300.0
}

/// `health_check = { ... }`: ELB health checks. Unset fields take the load balancer's
/// documented defaults (NLB: interval 30 s, timeout 10 s TCP / 6 s HTTP, healthy 5,
/// unhealthy 2).
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawHealthCheck {
    /// `tcp` (connect to nginx) or `http` (a request through nginx to the app); default
    /// `tcp` behind an NLB, `http` behind an ALB (the only kind it has).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<HealthProtocol>,
    /// Seconds between checks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_s: Option<f64>,
    /// Seconds without an answer before a check fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_s: Option<f64>,
    /// Consecutive passes to become healthy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub healthy_threshold: Option<u32>,
    /// Consecutive failures to become unhealthy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unhealthy_threshold: Option<u32>,
    /// Load balancer nodes probing each target (one per zone): targets see this many probes
    /// per interval; the verdict of a round is the majority.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nodes: Option<u32>,
    /// Seconds a newly registered target waits before its first check (the NLB's new-target
    /// lag, reported at 70–120 s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_target_delay_s: Option<f64>,
}

/// `service = { ... }`: the ECS service behind the target group.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawService {
    /// Time from launch to running: placement, image pull, container start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_start: Option<RawDist>,
    /// Seconds after a task starts during which failed ELB checks do not get it replaced.
    #[serde(default)]
    pub health_check_grace_period_s: f64,
    /// Lower limit on running (healthy) tasks during replacements and deployments, % of desired.
    #[serde(default = "default_min_healthy")]
    pub minimum_healthy_percent: u32,
    /// Upper limit on running tasks during replacements and deployments, % of desired.
    #[serde(default = "default_max_percent")]
    pub maximum_percent: u32,
    /// Seconds between SIGTERM and SIGKILL when a task stops.
    #[serde(default = "default_stop_timeout")]
    pub stop_timeout_s: f64,
    /// The app container's health check (task definition `healthCheck`); absent: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_health_check: Option<RawContainerHealthCheck>,
}

/// `container_health_check = { ... }`: a command run inside the task against the app.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawContainerHealthCheck {
    /// Seconds between the end of one check and the start of the next (5–300).
    #[serde(default = "default_container_interval")]
    pub interval_s: f64,
    /// Seconds a check may take before it fails (2–60).
    #[serde(default = "default_container_timeout")]
    pub timeout_s: f64,
    /// Consecutive failures that make the container unhealthy (1–10).
    #[serde(default = "default_container_retries")]
    pub retries: u32,
    /// Seconds after the task runs during which failures do not count (0–300).
    #[serde(default)]
    pub start_period_s: f64,
}

fn default_container_interval() -> f64 {
    30.0
}
fn default_container_timeout() -> f64 {
    5.0
}
fn default_container_retries() -> u32 {
    3
}

/// A group without `service` gets what a `service = {}` gets: the serde defaults, written once.
impl Default for RawService {
    fn default() -> Self {
        RawService {
            task_start: None,
            health_check_grace_period_s: 0.0,
            minimum_healthy_percent: default_min_healthy(),
            maximum_percent: default_max_percent(),
            stop_timeout_s: default_stop_timeout(),
            container_health_check: None,
        }
    }
}

fn default_min_healthy() -> u32 {
    100
}
fn default_max_percent() -> u32 {
    200
}
fn default_stop_timeout() -> f64 {
    30.0
}

/// `autoscaling = { ... }`: ECS service autoscaling.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAutoscaling {
    /// Fewest tasks.
    pub min_tasks: u32,
    /// Most tasks.
    pub max_tasks: u32,
    /// Target tracking: the average CPU (busy workers / workers), percent, to hold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_cpu_percent: Option<f64>,
    /// Step scaling on requests per target per minute: steps applied when the alarm fires.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub request_steps: Vec<RawStep>,
    /// Seconds after a scale-out before another.
    #[serde(default = "default_cooldown")]
    pub scale_out_cooldown_s: f64,
    /// Seconds after any scaling before a scale-in.
    #[serde(default = "default_cooldown")]
    pub scale_in_cooldown_s: f64,
    /// Consecutive 1-minute datapoints above target to scale out.
    #[serde(default = "default_high_datapoints")]
    pub scale_out_datapoints: u32,
    /// Consecutive 1-minute datapoints below target to scale in.
    #[serde(default = "default_low_datapoints")]
    pub scale_in_datapoints: u32,
}

fn default_cooldown() -> f64 {
    300.0
}
fn default_high_datapoints() -> u32 {
    3
}
fn default_low_datapoints() -> u32 {
    15
}

/// One step of step scaling: when requests per target per minute lie in
/// `[lower, upper)`, change the task count by `change`.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    /// Lower bound (inclusive), requests per target per minute.
    pub lower: f64,
    /// Upper bound (exclusive); absent: no bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upper: Option<f64>,
    /// Tasks to add (positive) or remove (negative).
    pub change: i32,
}

/// `[[faults]]`.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawFault {
    /// When the fault starts, seconds.
    pub at_s: f64,
    /// What goes wrong.
    pub kind: FaultKind,
    /// The target group hit.
    pub target_group: String,
    /// How many of its tasks (the lowest-numbered running ones); ignored by `az_outage`.
    #[serde(default = "default_fault_targets")]
    pub targets: u32,
    /// When the fault ends, seconds (`hang`, `slow`, `errors`, `app_crash`); absent: never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_s: Option<f64>,
    /// `slow`: service-time multiplier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factor: Option<f64>,
    /// `errors`, `fail_fast`: fraction of requests answered 500.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fraction: Option<f64>,
    /// `az_outage`: the zone letter (`a`, `b`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
}

fn default_fault_targets() -> u32 {
    1
}

/// `[[deployments]]`: a rolling deployment of a new task definition.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDeployment {
    /// When it starts, seconds.
    pub at_s: f64,
    /// The target group (ECS service) deployed.
    pub target_group: String,
}

fn default_worker_connections() -> u32 {
    512
}
fn default_one() -> u32 {
    1
}
fn default_backlog() -> u32 {
    511
}
fn default_proxy_timeout() -> f64 {
    60.0
}

/// The app stage of a task: `workers` in parallel behind a FIFO queue.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
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
    /// Per-target service-time multipliers (`[1, 1, 3]`: the third task is 3× slower, e.g. a
    /// noisy neighbour); targets beyond the list use 1.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_factors: Vec<f64>,
    /// Fraction of requests the app answers with a 500 after serving them.
    #[serde(default)]
    pub error_rate: f64,
    /// A downstream call made inside the service (a DynamoDB-like dependency).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dependency: Option<RawDependency>,
}

/// `dependency = { latency, error_rate }`: a synchronous downstream call holding the worker.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDependency {
    /// Latency of the call.
    pub latency: RawDist,
    /// Fraction of calls that fail; the app then answers 500.
    #[serde(default)]
    pub error_rate: f64,
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

impl schemars::JsonSchema for QueueLimit {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "QueueLimit".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "anyOf": [{ "type": "integer", "minimum": 0 }, { "const": "unbounded" }]
        })
    }
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
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
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
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema,
)]
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

/// `[slo]`: thresholds checked after the run; any miss makes the exit code 1. The same fields,
/// with `name`, make one entry of `[[slo.route]]` (a route key, or a traffic source's name
/// without a gateway) or `[[slo.target_group]]` (the requests of the routes sending to it).
#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSlo {
    /// The route or target group an entry of `[[slo.route]]` / `[[slo.target_group]]` checks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
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
    /// Checks of one route each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub route: Vec<RawSlo>,
    /// Checks of one target group each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target_group: Vec<RawSlo>,
}

#[cfg(test)]
mod tests {
    /// The names a user can write, read from this file's source: every `pub` field of a struct,
    /// and every variant of a `snake_case` enum (as the string written in TOML).
    fn names_in_schema(src: &str) -> (Vec<String>, Vec<String>) {
        // Attributes that would make a TOML name differ from the Rust one are not understood
        // here; fail rather than check the wrong names.
        for unsupported in ["rename =", "flatten"] {
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
            } else if let Some(alias) = t.strip_prefix("#[serde(alias = \"") {
                // Another name for the next variant: a choice users can write, documented too.
                variants.push(alias.split('"').next().unwrap().to_string());
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
        let source = [include_str!("schema.rs"), include_str!("../vocab.rs")].concat();
        let (fields, variants) = names_in_schema(&source);
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
