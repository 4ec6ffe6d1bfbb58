//! The API Gateway hop: throttling (route, stage and account token buckets), route matching,
//! the authorizer and its cache, and the integration (VPC link, load balancer latency, an ALB's
//! own answers). It decides the attempt's next step; the world takes it.

use super::super::attempt::Attempt;
use super::super::ctx::Ctx;
use super::super::path::Step;
use crate::engine::Handle;
use crate::engine::rng::SimRng;
use crate::model::authorizer::{AuthorizerCache, CacheOutcome};
use crate::model::token_bucket::{BucketId, ChainId, Throttle, ThrottleOutcome, TokenBucket};
use crate::scenario::SourcePath;
use crate::vocab::{ApiKind, Credentials, Failure, StageKind};

/// Hop-latency stream id of the gateway (the sidecars' start at `targets::SIDECAR_STREAMS`).
pub(in crate::sim) const GATEWAY_STREAM: u32 = 0;

/// `DiscoverInstances` throttle: refill 1,000 requests per second, bucket 2,000, per account
/// and Region (Cloud Map developer guide, "Throttling",
/// https://docs.aws.amazon.com/cloud-map/latest/dg/throttling.html). Spent only by an
/// integration with `discover_instances_quota` (a caller that calls the API itself): API
/// Gateway's Cloud Map integration is not documented to call it per request.
const DISCOVER_RATE_PER_S: f64 = 1_000.0;
/// See [`DISCOVER_RATE_PER_S`].
const DISCOVER_BURST: u64 = 2_000;
/// What the client gets when API Gateway's `DiscoverInstances` call is throttled
/// (`RequestLimitExceeded`): not documented; HTTP APIs answer integration failures with 503
/// (reference §1), so 503.
const THROTTLED_DISCOVERY: Failure = Failure::Unavailable503;

/// API Gateway's running state.
pub(in crate::sim) struct GatewayRun {
    throttle: Throttle,
    /// The throttle chain of each route's requests.
    route_chains: Vec<ChainId>,
    /// The chain of requests that match no route (stage and account levels only).
    unrouted_chain: ChainId,
    cache: AuthorizerCache,
    rng: SimRng,
    /// Cloud Map's `DiscoverInstances` throttle (per account and Region), spent only by routes
    /// that opt in (`discover_instances_quota`).
    discover: TokenBucket,
}

impl GatewayRun {
    pub fn new(gw: &crate::scenario::Gateway, credentials: u32, rng: SimRng) -> Self {
        let mut throttle = Throttle::new();
        let bucket = |throttle: &mut Throttle, t: Option<(f64, u64)>| {
            t.map(|(rate, burst)| throttle.add_bucket(TokenBucket::new(rate, burst)))
        };
        // Most specific level first, account last, as AWS applies them. The stage's default
        // limit applies per route (method), each with a bucket of its own, unless the route
        // has its own limit, which replaces the default for that route (REST per-method
        // override, HTTP API RouteSettings over DefaultRouteSettings): one level, not two. The
        // account bucket is shared by every route.
        let account = bucket(&mut throttle, gw.account_throttle);
        let mut route_chains = Vec::with_capacity(gw.routes.len());
        for r in &gw.routes {
            let route = bucket(&mut throttle, r.throttle.or(gw.stage_throttle));
            let levels: Vec<BucketId> = [route, account].into_iter().flatten().collect();
            route_chains.push(throttle.add_chain(&levels));
        }
        let stage = bucket(&mut throttle, gw.stage_throttle);
        let unrouted: Vec<BucketId> = [stage, account].into_iter().flatten().collect();
        let unrouted_chain = throttle.add_chain(&unrouted);
        GatewayRun {
            throttle,
            route_chains,
            unrouted_chain,
            cache: AuthorizerCache::new(
                credentials as usize,
                gw.authorizer.as_ref().map_or(0, |a| a.cache_ttl),
            ),
            rng,
            discover: TokenBucket::new(DISCOVER_RATE_PER_S, DISCOVER_BURST),
        }
    }
}

impl GatewayRun {
    /// The gateway hop: what happens to attempt `a` (of a source whose path starts here),
    /// drawing its latencies. Answered by the gateway (at once, or after the authorizer's
    /// latency), by an ALB answering itself, or forwarded to the integration (its timeout
    /// started) to reach its target group after the gateway's and the network's latency.
    pub fn arrive(&mut self, ctx: &mut Ctx, req: Handle, a: &mut Attempt) -> Step {
        let sc = ctx.sc;
        let SourcePath::Gateway { route } = sc.sources[a.source as usize].path else {
            unreachable!("the gateway hop is only on gateway paths")
        };
        let now = ctx.now;
        let gw = sc.gateway.as_ref().expect("gateway path has a gateway");
        let run = self;
        let gateway_latency = gw.latency.sample(&mut run.rng);
        ctx.rec.stage(
            a.first_arrived,
            ctx.sc.sources[a.source as usize].stats_route,
            StageKind::Gateway,
            gateway_latency,
        );

        // Throttling comes first: the route's, stage's and account's buckets (unrouted requests
        // still spend stage and account tokens).
        let chain = route.map_or(run.unrouted_chain, |r| run.route_chains[r as usize]);
        if run.throttle.try_take(now, chain) != ThrottleOutcome::Admitted {
            return Step::Answer(Err(Failure::Throttled429), 0);
        }
        let Some(route) = route else {
            let failure = match gw.kind {
                ApiKind::Http => Failure::NotFound404,
                ApiKind::Rest => Failure::Forbidden403,
            };
            return Step::Answer(Err(failure), 0);
        };
        let r = &gw.routes[route as usize];
        let mut auth_latency = 0;
        if r.auth {
            let credentials = sc.sources[a.source as usize].credentials;
            if credentials == Credentials::None {
                // No identity source: rejected without calling the authorizer.
                return Step::Answer(Err(Failure::Unauthorized401), 0);
            }
            let authorizer = gw.authorizer.as_ref().expect("resolve checks auth routes");
            let valid = credentials == Credentials::Valid;
            match run.cache.check(now, a.credential) {
                CacheOutcome::Hit if !valid => {
                    return Step::Answer(Err(Failure::Unauthorized401), 0);
                }
                CacheOutcome::Hit => {}
                CacheOutcome::Miss => {
                    auth_latency = authorizer.latency.sample(&mut run.rng);
                    ctx.rec.authorizer_call(a.first_arrived);
                    ctx.rec.stage(
                        a.first_arrived,
                        ctx.sc.sources[a.source as usize].stats_route,
                        StageKind::Authorizer,
                        auth_latency,
                    );
                    if !valid {
                        return Step::Answer(
                            Err(Failure::Unauthorized401),
                            gateway_latency + auth_latency,
                        );
                    }
                }
            }
        }
        if r.discover_quota && !run.discover.try_take(now) {
            // DiscoverInstances answered RequestLimitExceeded: the integration fails.
            return Step::Answer(Err(THROTTLED_DISCOVERY), gateway_latency + auth_latency);
        }
        let mut network = gw.vpc_link_latency.sample(&mut run.rng);
        if let Some(lb) = r.load_balancer {
            network += sc.load_balancers[lb as usize].latency.sample(&mut run.rng);
        }
        let mut group = r.group;
        if let Some(alb) = sc.sources[a.source as usize].alb {
            if alb.https {
                // TLS termination at the ALB, per request: API Gateway does not document
                // reusing its connections to the integration (see docs/scenario.md).
                network += sc.load_balancers[alb.load_balancer as usize]
                    .tls_latency
                    .sample(&mut run.rng);
            }
            match alb.action {
                crate::scenario::AlbAction::Forward { group: g } => group = g,
                crate::scenario::AlbAction::Respond { failure } => {
                    ctx.rec.stage(
                        a.first_arrived,
                        ctx.sc.sources[a.source as usize].stats_route,
                        StageKind::LoadBalancer,
                        network,
                    );
                    return Step::Answer(
                        failure.map_or(Ok(()), Err),
                        gateway_latency + auth_latency + network,
                    );
                }
            }
        }
        ctx.rec.stage(
            a.first_arrived,
            ctx.sc.sources[a.source as usize].stats_route,
            StageKind::LoadBalancer,
            network,
        );
        // The integration timeout runs from when the gateway forwards the request.
        let forwarded_after = gateway_latency + auth_latency;
        let deadline = now + forwarded_after + gw.integration_timeout;
        ctx.start_timer(ctx.timers.layout.integration(), deadline, req);
        a.group = group;
        Step::Next(forwarded_after + network)
    }
}
