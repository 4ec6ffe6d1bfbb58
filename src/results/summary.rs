//! The figures of a run as one typed tree, [`Figures`], that becomes `summary.json` (wrapped in
//! a [`Summary`] with the run's metadata, the 95% half-widths and the SLO verdict), and their
//! merge over replications: each figure is the mean of the replications' values, with the
//! half-width of its 95% Student-t interval in the same place of a second tree, `ci95`.
//!
//! The field order of these types is the key order of `summary.json`; the report reader
//! (`report::load`) deserializes the file back into them, so a renamed figure is a compile
//! error in every renderer instead of a blank chart. Merging walks the replications in index
//! order, so the result does not depend on which thread ran which replication.

use indexmap::IndexMap;
use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::engine::time::to_secs;
use crate::math::confidence::half_width;
use crate::scenario::Scenario;
use crate::stats::latency::LatencyStat;
use crate::stats::recorder::{Counts, Recorder, TargetStats};
use crate::vocab::{Failure, SloMetric, StageKind};

/// A count: exact in one replication (`17`), a mean over several (`16.5`, `17.0`). It keeps
/// the two apart because `summary.json` writes them so.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Count {
    /// One replication's count.
    Exact(u64),
    /// The mean over replications.
    Mean(f64),
}

/// A figure that may be undefined (no samples): `null` in `summary.json`.
pub type Fig = Option<f64>;

/// The 95% half-width of a figure: `null` when undefined (fewer than two values).
pub type HalfWidth = Option<f64>;

/// A figure's value as a number, for rendering: counts and defined figures alike.
pub trait Leaf {
    /// The value, `None` when undefined.
    fn value(&self) -> Option<f64>;
}

impl Leaf for Count {
    fn value(&self) -> Option<f64> {
        Some(match *self {
            Count::Exact(n) => n as f64,
            Count::Mean(x) => x,
        })
    }
}

impl Leaf for Option<f64> {
    fn value(&self) -> Option<f64> {
        self.filter(|x| x.is_finite())
    }
}

impl From<u64> for Count {
    fn from(n: u64) -> Self {
        Count::Exact(n)
    }
}

impl From<u32> for Count {
    fn from(n: u32) -> Self {
        Count::Exact(u64::from(n))
    }
}

impl Serialize for Count {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            Count::Exact(n) => s.serialize_u64(n),
            Count::Mean(x) => s.serialize_f64(x),
        }
    }
}

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Count;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a count (a whole number, or a mean over replications)")
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Count, E> {
                Ok(Count::Exact(n))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Count, E> {
                u64::try_from(n)
                    .map(Count::Exact)
                    .map_err(|_| E::custom(format!("a count cannot be negative: {n}")))
            }
            fn visit_f64<E: de::Error>(self, x: f64) -> Result<Count, E> {
                Ok(Count::Mean(x))
            }
        }
        d.deserialize_any(V)
    }
}

/// Failed requests by cause, in [`Failure::ALL`] order; a map keyed by [`Failure::name`] in
/// `summary.json`.
#[derive(Debug, Clone, PartialEq)]
pub struct Failures<C>(pub [C; Failure::COUNT]);

impl<C> Failures<C> {
    /// The count of one cause.
    pub fn get(&self, f: Failure) -> &C {
        &self.0[f.index()]
    }

    /// `(cause, count)` in output order.
    pub fn iter(&self) -> impl Iterator<Item = (Failure, &C)> {
        Failure::ALL.into_iter().zip(&self.0)
    }
}

impl<C: Serialize> Serialize for Failures<C> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(Failure::COUNT))?;
        for (f, c) in self.iter() {
            m.serialize_entry(f.name(), c)?;
        }
        m.end()
    }
}

impl<'de, C: Deserialize<'de>> Deserialize<'de> for Failures<C> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<C>(std::marker::PhantomData<C>);
        impl<'de, C: Deserialize<'de>> Visitor<'de> for V<C> {
            type Value = Failures<C>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("failures by cause")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Failures<C>, A::Error> {
                let mut cells: [Option<C>; Failure::COUNT] = std::array::from_fn(|_| None);
                while let Some(key) = map.next_key::<String>()? {
                    let f = Failure::ALL
                        .into_iter()
                        .find(|f| f.name() == key)
                        .ok_or_else(|| de::Error::unknown_field(&key, &[]))?;
                    cells[f.index()] = Some(map.next_value()?);
                }
                let mut out = Vec::with_capacity(Failure::COUNT);
                for (f, c) in Failure::ALL.into_iter().zip(cells) {
                    out.push(c.ok_or_else(|| de::Error::missing_field(f.name()))?);
                }
                Ok(Failures(out.try_into().ok().expect("one per cause")))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// Deserializes a field that is present (possibly `null`) as `Some`: with `#[serde(default)]`
/// an absent field is `None`, so `Option<Option<f64>>` tells "not reported" from "undefined".
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// Request counters of a route or of the whole run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "C: Deserialize<'de>"))]
pub struct Requests<C> {
    /// Requests that arrived.
    pub offered: C,
    /// Attempts sent (first tries and retries).
    pub attempts: C,
    /// Requests answered.
    pub completed: C,
    /// Successful responses.
    pub ok: C,
    /// Failed responses.
    pub failed: C,
    /// Failed responses by cause.
    pub failures: Failures<C>,
    /// Requests still waiting when the run ends (whole run only).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub in_flight_at_end: Option<C>,
}

/// End-to-end latency of successful requests, ms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    /// Mean.
    pub mean: Fig,
    /// Median.
    pub p50: Fig,
    /// 90th percentile.
    pub p90: Fig,
    /// 99th percentile.
    pub p99: Fig,
    /// 99.9th percentile.
    pub p999: Fig,
    /// Longest.
    pub max: Fig,
}

/// The traffic figures of a route, or of the whole run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Traffic<C> {
    /// Counters.
    pub requests: Requests<C>,
    /// Successful responses per second of the measured window.
    pub throughput_rps: Fig,
    /// Failed / completed.
    pub error_rate: Fig,
    /// Latency of successful requests.
    pub latency_ms: Latency,
    /// Latency of every answered request, failed ones included: a design that fails fast
    /// looks faster in `latency_ms` than it is to its clients.
    pub latency_all_ms: Latency,
}

impl<C> Traffic<C> {
    /// The headline figure `metric` names (what an SLO check compares, what studies report).
    pub fn figure(&self, metric: SloMetric) -> Fig {
        match metric {
            SloMetric::MeanMs => self.latency_ms.mean,
            SloMetric::P50Ms => self.latency_ms.p50,
            SloMetric::P99Ms => self.latency_ms.p99,
            SloMetric::P999Ms => self.latency_ms.p999,
            SloMetric::ErrorRate => self.error_rate,
            SloMetric::MinThroughputRps => self.throughput_rps,
        }
    }
}

/// One hop's latency, ms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stage {
    /// Mean.
    pub mean: Fig,
    /// Median.
    pub p50: Fig,
    /// 99th percentile.
    pub p99: Fig,
    /// P(wait > 0), the Erlang C probability (the app queue only).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub p_wait: Option<Fig>,
}

/// One target (task) of a group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target<C> {
    /// Requests sent to it.
    pub requests: C,
    /// Busy worker-time over worker-time while it ran.
    pub utilization: Fig,
    /// Longest app queue.
    pub max_queue: C,
}

/// One target group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "C: Deserialize<'de>"))]
pub struct Group<C> {
    /// The requests of the routes sending to the group (what `[[slo.target_group]]` checks).
    pub traffic: Traffic<C>,
    /// Targets at the start.
    pub targets: C,
    /// Fewest healthy targets in the measured window.
    pub healthy_min: C,
    /// Time-weighted mean of healthy targets.
    pub healthy_mean: Fig,
    /// Busy worker-time over worker-time of running tasks.
    pub utilization: Fig,
    /// Requests sent to the group's targets.
    pub requests: C,
    /// Health-state transitions.
    pub health_transitions: C,
    /// Health-check probes sent.
    pub probes: C,
    /// Tasks launched after the start.
    pub tasks_started: C,
    /// Longest app queue of any target.
    pub max_queue: C,
    /// Per target, one per task ever started.
    pub per_target: Vec<Target<C>>,
}

/// One fault's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fault<C> {
    /// From the fault to the first hit target marked unhealthy, s.
    pub detected_after_s: Fig,
    /// From the fault to the group's healthy count being back, s.
    pub recovered_after_s: Fig,
    /// Attempts that failed at the hit targets.
    pub failed_requests: C,
}

/// API Gateway figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gateway<C> {
    /// Authorizer calls (cache misses).
    pub authorizer_calls: C,
}

/// Little's law, L = λW, on the run's own figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Little {
    /// Time-weighted mean of requests awaiting a response (L).
    pub in_system_mean: Fig,
    /// Arrivals per second (λ).
    pub arrival_rate_rps: Fig,
    /// Mean response time of answered requests, ms (W).
    pub response_mean_ms: Fig,
}

/// Every figure of a run: one replication's (`C` = [`Count`]), the mean over replications
/// (also [`Count`], as means), or their 95% half-widths (`C` = [`HalfWidth`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "C: Deserialize<'de>"))]
pub struct Figures<C> {
    /// The whole run's traffic.
    #[serde(flatten)]
    pub traffic: Traffic<C>,
    /// Per hop, only the hops the scenario's path has, in [`StageKind::ALL`] order.
    pub stages: IndexMap<String, Stage>,
    /// Per route (or traffic source without a gateway).
    pub routes: IndexMap<String, Traffic<C>>,
    /// Per route, each of its stages' mean, ms, in [`StageKind::ALL`] order; only when the
    /// scenario has more than one route (with one, these are `stages`' means). Routes through
    /// different load balancers differ here, which the pooled `stages` hides.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub route_stages: IndexMap<String, IndexMap<String, Fig>>,
    /// Per target group.
    pub target_groups: IndexMap<String, Group<C>>,
    /// Per fault, when the scenario has faults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub faults: Option<Vec<Fault<C>>>,
    /// When the scenario has an API Gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<Gateway<C>>,
    /// Little's law.
    pub little: Little,
}

/// One SLO check and its outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SloCheckResult {
    /// What it compares, by [`SloMetric::name`].
    #[serde(with = "metric_name")]
    pub metric: SloMetric,
    /// The route whose figure it reads (`[[slo.route]]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    /// The target group whose figure it reads (`[[slo.target_group]]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_group: Option<String>,
    /// The limit.
    pub threshold: f64,
    /// The merged figure (`null` when undefined, which fails).
    pub actual: Fig,
    /// Passed.
    pub passed: bool,
}

impl SloCheckResult {
    /// Whose figure the check reads, for a label: `""` (the whole run), `route ANY /bags`,
    /// `target group bags`.
    pub fn scope(&self) -> String {
        match (&self.route, &self.target_group) {
            (Some(r), _) => format!("route {r}"),
            (None, Some(g)) => format!("target group {g}"),
            (None, None) => String::new(),
        }
    }

    /// The metric with its scope: `p99_ms`, `p99_ms (route ANY /bags)`.
    pub fn label(&self) -> String {
        let scope = self.scope();
        if scope.is_empty() {
            self.metric.name().to_string()
        } else {
            format!("{} ({scope})", self.metric.name())
        }
    }
}

/// An SLO metric as its `[slo]` name (`p99_ms`).
mod metric_name {
    use super::*;

    const ALL: [SloMetric; 6] = [
        SloMetric::MeanMs,
        SloMetric::P50Ms,
        SloMetric::P99Ms,
        SloMetric::P999Ms,
        SloMetric::ErrorRate,
        SloMetric::MinThroughputRps,
    ];

    pub fn serialize<S: Serializer>(m: &SloMetric, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(m.name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SloMetric, D::Error> {
        let name = String::deserialize(d)?;
        ALL.into_iter()
            .find(|m| m.name() == name)
            .ok_or_else(|| de::Error::custom(format!("unknown SLO metric `{name}`")))
    }
}

/// The `slo` object of `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SloVerdict {
    /// Every check passed.
    pub passed: bool,
    /// One per check, in `[slo]` order.
    pub checks: Vec<SloCheckResult>,
}

impl SloVerdict {
    /// The threshold of the whole run's check on `metric`, when there is one.
    pub fn threshold(&self, metric: SloMetric) -> Option<f64> {
        self.checks
            .iter()
            .find(|c| c.metric == metric && c.route.is_none() && c.target_group.is_none())
            .map(|c| c.threshold)
    }
}

/// The whole `summary.json` document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// `simulation.name`.
    pub scenario: String,
    /// The seed.
    pub seed: u64,
    /// Replications merged.
    pub replications: u32,
    /// The precision the replications reached and why they stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<super::precision::Precision>,
    /// Simulated time, s.
    pub simulated_s: f64,
    /// The measured window (after warm-up), s.
    pub measured_s: f64,
    /// Width of a `timeseries.csv` row, s (chosen from the run's length unless the scenario
    /// sets it).
    #[serde(default)]
    pub timeseries_interval_s: f64,
    /// The figures (means over replications).
    #[serde(flatten)]
    pub figures: Figures<Count>,
    /// Their 95% half-widths (two or more replications).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci95: Option<Figures<HalfWidth>>,
    /// The SLO verdict, when the scenario has `[slo]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slo: Option<SloVerdict>,
}

impl Summary {
    /// The whole document of a run of `replications` replications.
    pub fn new(
        sc: &Scenario,
        replications: u32,
        figures: Figures<Count>,
        ci95: Option<Figures<HalfWidth>>,
        slo: Option<SloVerdict>,
    ) -> Summary {
        Summary {
            scenario: sc.name.clone(),
            seed: sc.seed,
            replications,
            precision: None,
            simulated_s: to_secs(sc.duration),
            measured_s: to_secs(sc.duration - sc.warmup),
            timeseries_interval_s: to_secs(sc.interval),
            figures,
            ci95,
            slo,
        }
    }

    /// True when there is no `[slo]` or it was met.
    pub fn slo_met(&self) -> bool {
        self.slo.as_ref().is_none_or(|s| s.passed)
    }

    /// The warm-up, s: simulated minus measured time.
    pub fn warmup_s(&self) -> f64 {
        (self.simulated_s - self.measured_s).max(0.0)
    }
}

/// A figure that may be undefined: non-finite values are undefined too.
fn num(v: Option<f64>) -> Fig {
    v.filter(|x| x.is_finite())
}

/// The figures of one replication.
pub fn figures(sc: &Scenario, rec: &Recorder) -> Figures<Count> {
    let measured_s = to_secs(rec.end - rec.warmup);
    let mut traffic = traffic(&rec.counts, &rec.latency(), &rec.latency_all(), measured_s);
    // Requests still waiting when the run ends: normally a handful in transit, but a task
    // that black-holes traffic with no timeout to end the wait shows up only here.
    traffic.requests.in_flight_at_end = Some(Count::Exact(rec.in_system.level()));

    let stages = StageKind::ALL
        .into_iter()
        .filter(|&kind| rec.stages_present[kind as usize])
        .map(|kind| {
            let s = &rec.stages[kind as usize];
            let stage = Stage {
                mean: num(s.mean_ms()),
                p50: num(s.quantile_ms(0.5)),
                p99: num(s.quantile_ms(0.99)),
                // P(wait > 0): the Erlang C probability for an M/M/c app.
                p_wait: (kind == StageKind::AppQueue)
                    .then(|| num((s.count() > 0).then(|| rec.waited as f64 / s.count() as f64))),
            };
            (kind.name().to_string(), stage)
        })
        .collect();

    let routes = sc
        .route_names
        .iter()
        .zip(&rec.routes)
        .map(|(name, r)| {
            (
                name.clone(),
                self::traffic(&r.counts, &r.latency, &r.latency_all, measured_s),
            )
        })
        .collect();
    let route_stages = route_stage_means(sc, rec);

    let window = rec.end - rec.warmup;
    let route_groups = sc.route_groups();
    let target_groups = sc
        .groups
        .iter()
        .zip(&rec.groups)
        .enumerate()
        .map(|(gi, (g, gs))| {
            // Utilization is busy worker-time over worker-time while the task ran: a task that
            // started late or stopped early is not diluted by the time it did not exist.
            let workers = f64::from(gs.workers);
            let busy = |t: &TargetStats| t.busy.mean(rec.warmup, rec.end);
            let running = |t: &TargetStats| t.running.mean(rec.warmup, rec.end);
            let ratio = |b: f64, r: f64| if r > 0.0 { b / (workers * r) } else { 0.0 };
            let per_target = gs
                .targets
                .iter()
                .map(|t| Target {
                    requests: t.requests.into(),
                    utilization: num(Some(ratio(busy(t), running(t)))),
                    max_queue: t.max_queue.into(),
                })
                .collect();
            let utilization = ratio(
                gs.targets.iter().map(busy).sum::<f64>(),
                gs.targets.iter().map(running).sum::<f64>(),
            );
            let healthy_min = if gs.healthy_min == u32::MAX {
                gs.healthy.level() as u32
            } else {
                gs.healthy_min
            };
            let group = Group {
                traffic: group_traffic(rec, &route_groups, gi as u32, measured_s),
                targets: g.targets.into(),
                healthy_min: healthy_min.into(),
                healthy_mean: num(Some(gs.healthy.mean(rec.warmup, rec.end))),
                utilization: num(Some(utilization)),
                requests: gs.targets.iter().map(|t| t.requests).sum::<u64>().into(),
                health_transitions: gs.health_transitions.into(),
                probes: gs.probes.into(),
                tasks_started: gs.tasks_started.into(),
                max_queue: gs
                    .targets
                    .iter()
                    .map(|t| t.max_queue)
                    .max()
                    .unwrap_or(0)
                    .into(),
                per_target,
            };
            (g.name.clone(), group)
        })
        .collect();

    let faults = (!sc.faults.is_empty()).then(|| {
        rec.faults
            .iter()
            .map(|f| {
                let after = |t: Option<u64>| num(t.map(|t| to_secs(t - f.at)));
                Fault {
                    detected_after_s: after(f.detected),
                    recovered_after_s: after(f.recovered),
                    failed_requests: f.failed.into(),
                }
            })
            .collect()
    });
    let gateway = sc.gateway.as_ref().map(|_| Gateway {
        authorizer_calls: rec.authorizer_calls.into(),
    });

    Figures {
        traffic,
        stages,
        routes,
        route_stages,
        target_groups,
        faults,
        gateway,
        little: Little {
            in_system_mean: num(Some(rec.in_system.mean(rec.warmup, rec.end))),
            arrival_rate_rps: num(Some(rec.counts.offered as f64 / to_secs(window))),
            response_mean_ms: num(rec.response_mean_ms()),
        },
    }
}

/// The traffic of the routes sending to `group`, pooled: counters summed, latencies merged.
fn group_traffic(
    rec: &Recorder,
    route_groups: &[Vec<u32>],
    group: u32,
    measured_s: f64,
) -> Traffic<Count> {
    let mut counts = Counts::default();
    let (mut latency, mut all) = (LatencyStat::new(), LatencyStat::new());
    for (r, groups) in rec.routes.iter().zip(route_groups) {
        if groups.contains(&group) {
            counts.add(&r.counts);
            latency.merge(&r.latency);
            all.merge(&r.latency_all);
        }
    }
    traffic(&counts, &latency, &all, measured_s)
}

/// A latency distribution's figures, ms.
fn latency(lat: &LatencyStat) -> Latency {
    Latency {
        mean: num(lat.mean_ms()),
        p50: num(lat.quantile_ms(0.5)),
        p90: num(lat.quantile_ms(0.9)),
        p99: num(lat.quantile_ms(0.99)),
        p999: num(lat.quantile_ms(0.999)),
        max: num(lat.max_ms()),
    }
}

/// Each route's mean per stage the scenario's path has, ms (a stage a route's requests never
/// passed is left out of that route), when there is more than one route.
fn route_stage_means(sc: &Scenario, rec: &Recorder) -> IndexMap<String, IndexMap<String, Fig>> {
    if sc.route_names.len() < 2 {
        return IndexMap::new();
    }
    sc.route_names
        .iter()
        .zip(&rec.routes)
        .map(|(name, r)| {
            let means = StageKind::ALL
                .into_iter()
                .filter(|&kind| rec.stages_present[kind as usize])
                .filter_map(|kind| {
                    let (sum_ns, count) = r.stage_sums[kind as usize];
                    (count > 0).then(|| {
                        let mean_ms = sum_ns as f64 / count as f64 / 1e6;
                        (kind.name().to_string(), num(Some(mean_ms)))
                    })
                })
                .collect();
            (name.clone(), means)
        })
        .collect()
}

fn traffic(c: &Counts, lat: &LatencyStat, all: &LatencyStat, measured_s: f64) -> Traffic<Count> {
    Traffic {
        requests: Requests {
            offered: c.offered.into(),
            attempts: c.attempts.into(),
            completed: c.completed.into(),
            ok: c.ok.into(),
            failed: c.failed().into(),
            failures: Failures(c.failures.map(Count::Exact)),
            in_flight_at_end: None,
        },
        throughput_rps: num(Some(c.ok as f64 / measured_s)),
        error_rate: num((c.completed > 0).then(|| c.failed() as f64 / c.completed as f64)),
        latency_ms: latency(lat),
        latency_all_ms: latency(all),
    }
}

/// A figure tree merged over replications: the mean tree and its 95% half-widths. The shape
/// follows the first replication (a list longer in a later one is cut to the first's length; a
/// replication without an element is left out of that element's mean).
pub trait Merge: Sized {
    /// The tree of half-widths.
    type Ci;
    /// Merges `xs` (at least one).
    fn merge(xs: &[&Self]) -> (Self, Self::Ci);
}

/// Mean and half-width of the defined values; undefined when none is.
fn merge_values(xs: impl Iterator<Item = Option<f64>>) -> (Option<f64>, HalfWidth) {
    let xs: Vec<f64> = xs.flatten().filter(|x| x.is_finite()).collect();
    if xs.is_empty() {
        return (None, None);
    }
    let mean = xs.iter().sum::<f64>() / xs.len() as f64;
    (num(Some(mean)), num(half_width(&xs, 0.95)))
}

impl Merge for Count {
    type Ci = HalfWidth;
    fn merge(xs: &[&Self]) -> (Self, HalfWidth) {
        let (mean, ci) = merge_values(xs.iter().map(|x| x.value()));
        (Count::Mean(mean.unwrap_or(f64::NAN)), ci)
    }
}

impl Merge for Option<f64> {
    type Ci = HalfWidth;
    fn merge(xs: &[&Self]) -> (Self, HalfWidth) {
        merge_values(xs.iter().map(|x| x.value()))
    }
}

impl<T: Merge> Merge for Option<T> {
    type Ci = Option<T::Ci>;
    fn merge(xs: &[&Self]) -> (Self, Self::Ci) {
        if xs[0].is_none() {
            return (None, None);
        }
        let some: Vec<&T> = xs.iter().filter_map(|x| x.as_ref()).collect();
        let (m, c) = T::merge(&some);
        (Some(m), Some(c))
    }
}

impl<T: Merge> Merge for Vec<T> {
    type Ci = Vec<T::Ci>;
    fn merge(xs: &[&Self]) -> (Self, Self::Ci) {
        (0..xs[0].len())
            .map(|i| T::merge(&xs.iter().filter_map(|x| x.get(i)).collect::<Vec<_>>()))
            .unzip()
    }
}

impl<T: Merge> Merge for IndexMap<String, T> {
    type Ci = IndexMap<String, T::Ci>;
    fn merge(xs: &[&Self]) -> (Self, Self::Ci) {
        xs[0]
            .keys()
            .map(|k| {
                let (m, c) = T::merge(&xs.iter().filter_map(|x| x.get(k)).collect::<Vec<_>>());
                ((k.clone(), m), (k.clone(), c))
            })
            .unzip()
    }
}

impl<C: Merge> Merge for Failures<C> {
    type Ci = Failures<C::Ci>;
    fn merge(xs: &[&Self]) -> (Self, Self::Ci) {
        let merged: Vec<(C, C::Ci)> = (0..Failure::COUNT)
            .map(|i| C::merge(&xs.iter().map(|x| &x.0[i]).collect::<Vec<_>>()))
            .collect();
        let (m, c): (Vec<C>, Vec<C::Ci>) = merged.into_iter().unzip();
        let full = "one per cause";
        (
            Failures(m.try_into().ok().expect(full)),
            Failures(c.try_into().ok().expect(full)),
        )
    }
}

/// `Merge` for a struct, field by field: `$ty` (over counts `$c`) merges into `$ci`.
macro_rules! merge_struct {
    ($ty:ty => $ci:ty, $name:ident { $($field:ident),* $(,)? }) => {
        impl Merge for $ty {
            type Ci = $ci;
            fn merge(xs: &[&Self]) -> (Self, Self::Ci) {
                $(let $field = Merge::merge(&xs.iter().map(|x| &x.$field).collect::<Vec<_>>());)*
                ($name { $($field: $field.0),* }, $name { $($field: $field.1),* })
            }
        }
    };
}

merge_struct!(Requests<Count> => Requests<HalfWidth>, Requests {
    offered, attempts, completed, ok, failed, failures, in_flight_at_end
});
impl Merge for Latency {
    type Ci = Latency;
    /// Field by field, except that the maximum has no interval: the mean of the replications'
    /// maxima is reported, but a longest value is not a quantity a t-interval describes.
    fn merge(xs: &[&Self]) -> (Self, Self::Ci) {
        let field =
            |f: fn(&Latency) -> &Fig| Merge::merge(&xs.iter().map(|x| f(x)).collect::<Vec<_>>());
        let (mean, p50, p90) = (field(|l| &l.mean), field(|l| &l.p50), field(|l| &l.p90));
        let (p99, p999, max) = (field(|l| &l.p99), field(|l| &l.p999), field(|l| &l.max));
        let latency = |pick: fn(&(Fig, HalfWidth)) -> Fig| Latency {
            mean: pick(&mean),
            p50: pick(&p50),
            p90: pick(&p90),
            p99: pick(&p99),
            p999: pick(&p999),
            max: pick(&max),
        };
        let mut ci = latency(|x| x.1);
        ci.max = None;
        (latency(|x| x.0), ci)
    }
}
merge_struct!(Traffic<Count> => Traffic<HalfWidth>, Traffic {
    requests, throughput_rps, error_rate, latency_ms, latency_all_ms
});
merge_struct!(Stage => Stage, Stage { mean, p50, p99, p_wait });
merge_struct!(Target<Count> => Target<HalfWidth>, Target { requests, utilization, max_queue });
merge_struct!(Group<Count> => Group<HalfWidth>, Group {
    traffic, targets, healthy_min, healthy_mean, utilization, requests, health_transitions, probes,
    tasks_started, max_queue, per_target
});
merge_struct!(Fault<Count> => Fault<HalfWidth>, Fault {
    detected_after_s, recovered_after_s, failed_requests
});
merge_struct!(Gateway<Count> => Gateway<HalfWidth>, Gateway { authorizer_calls });
merge_struct!(Little => Little, Little { in_system_mean, arrival_rate_rps, response_mean_ms });
merge_struct!(Figures<Count> => Figures<HalfWidth>, Figures {
    traffic, stages, routes, route_stages, target_groups, faults, gateway, little
});

/// The figures of every replication merged: `(mean figures, ci95 half-widths or None)`. A
/// single replication is kept as is (exact counts, no intervals).
pub fn merge(replications: &[Figures<Count>]) -> (Figures<Count>, Option<Figures<HalfWidth>>) {
    assert!(!replications.is_empty());
    if replications.len() == 1 {
        return (replications[0].clone(), None);
    }
    let (mean, ci) = Merge::merge(&replications.iter().collect::<Vec<_>>());
    (mean, Some(ci))
}

/// Summaries to draw charts and tables from in unit tests.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// Traffic with every count `zero` and every other figure undefined.
    pub fn traffic<C: Clone>(zero: C) -> Traffic<C> {
        Traffic {
            requests: Requests {
                offered: zero.clone(),
                attempts: zero.clone(),
                completed: zero.clone(),
                ok: zero.clone(),
                failed: zero.clone(),
                failures: Failures(std::array::from_fn(|_| zero.clone())),
                in_flight_at_end: Some(zero),
            },
            throughput_rps: None,
            error_rate: None,
            latency_ms: undefined_latency(),
            latency_all_ms: undefined_latency(),
        }
    }

    fn undefined_latency() -> Latency {
        Latency {
            mean: None,
            p50: None,
            p90: None,
            p99: None,
            p999: None,
            max: None,
        }
    }

    /// Figures with every count `zero` and every other figure undefined.
    pub fn figures<C: Clone>(zero: C) -> Figures<C> {
        Figures {
            traffic: traffic(zero),
            stages: IndexMap::new(),
            routes: IndexMap::new(),
            route_stages: IndexMap::new(),
            target_groups: IndexMap::new(),
            faults: None,
            gateway: None,
            little: Little {
                in_system_mean: None,
                arrival_rate_rps: None,
                response_mean_ms: None,
            },
        }
    }

    /// A summary of `replications` replications (with half-widths from two on), no SLO.
    pub fn summary(name: &str, replications: u32) -> Summary {
        Summary {
            scenario: name.into(),
            seed: 1,
            replications,
            precision: None,
            simulated_s: 60.0,
            measured_s: 50.0,
            timeseries_interval_s: 1.0,
            figures: figures(Count::Exact(0)),
            ci95: (replications > 1).then(|| figures(None)),
            slo: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn latency(p99: Fig) -> Latency {
        Latency {
            mean: None,
            p50: None,
            p90: None,
            p99,
            p999: None,
            max: None,
        }
    }

    fn traffic(ok: u64, p99: Fig, in_flight: Option<u64>) -> Traffic<Count> {
        Traffic {
            requests: Requests {
                offered: ok.into(),
                attempts: ok.into(),
                completed: ok.into(),
                ok: ok.into(),
                failed: Count::Exact(0),
                failures: Failures([Count::Exact(0); Failure::COUNT]),
                in_flight_at_end: in_flight.map(Count::Exact),
            },
            throughput_rps: Some(ok as f64),
            error_rate: Some(0.0),
            latency_ms: latency(p99),
            latency_all_ms: latency(p99),
        }
    }

    fn target(requests: u64) -> Target<Count> {
        Target {
            requests: requests.into(),
            utilization: Some(0.5),
            max_queue: Count::Exact(0),
        }
    }

    fn figures(ok: u64, p99: Fig, per_target: Vec<Target<Count>>) -> Figures<Count> {
        let group = Group {
            traffic: traffic(ok, p99, None),
            targets: Count::Exact(2),
            healthy_min: Count::Exact(2),
            healthy_mean: Some(2.0),
            utilization: Some(0.5),
            requests: Count::Exact(ok),
            health_transitions: Count::Exact(0),
            probes: Count::Exact(0),
            tasks_started: Count::Exact(0),
            max_queue: Count::Exact(0),
            per_target,
        };
        Figures {
            traffic: traffic(ok, p99, Some(1)),
            stages: IndexMap::new(),
            routes: [("r".to_string(), traffic(ok, p99, None))].into(),
            route_stages: IndexMap::new(),
            target_groups: [("g".to_string(), group)].into(),
            faults: None,
            gateway: None,
            little: Little {
                in_system_mean: None,
                arrival_rate_rps: None,
                response_mean_ms: None,
            },
        }
    }

    #[test]
    fn merge_means_and_intervals() {
        let a = figures(1, None, vec![target(1), target(3)]);
        let b = figures(3, Some(5.0), vec![target(3), target(5), target(9)]);
        let (mean, ci) = merge(&[a, b]);
        let ci = ci.unwrap();
        assert_eq!(mean.traffic.requests.ok, Count::Mean(2.0));
        assert_eq!(mean.traffic.throughput_rps, Some(2.0));
        // An undefined figure is left out of the mean; one value has no interval.
        assert_eq!(mean.traffic.latency_ms.p99, Some(5.0));
        assert_eq!(ci.traffic.latency_ms.p99, None);
        assert_eq!(mean.traffic.latency_ms.p50, None);
        // The shape follows the first replication.
        let per_target = &mean.target_groups["g"].per_target;
        assert_eq!(per_target.len(), 2);
        assert_eq!(per_target[1].requests, Count::Mean(4.0));
        // Two values 1 and 3: sd = sqrt(2), t(0.975, 1) = 12.706.
        let hw = ci.traffic.requests.ok.unwrap();
        assert!((hw - 12.706).abs() < 1e-2, "{hw}");
        assert_eq!(
            mean.traffic.requests.in_flight_at_end,
            Some(Count::Mean(1.0))
        );
        assert_eq!(mean.routes["r"].requests.in_flight_at_end, None);
    }

    #[test]
    fn single_replication_is_kept_as_is() {
        let one = figures(7, Some(1.5), vec![target(7)]);
        let (mean, ci) = merge(std::slice::from_ref(&one));
        assert_eq!(mean, one);
        assert!(ci.is_none());
    }

    #[test]
    fn counts_keep_their_form_through_json() {
        let (mean, ci) = merge(&[
            figures(1, None, vec![target(1)]),
            figures(3, None, vec![target(3)]),
        ]);
        let text = serde_json::to_string(&mean).unwrap();
        assert!(text.contains("\"ok\":2.0"), "{text}");
        let back: Figures<Count> = serde_json::from_str(&text).unwrap();
        assert_eq!(back, mean);
        let exact = figures(4, None, vec![]);
        let text = serde_json::to_string(&exact).unwrap();
        assert!(text.contains("\"ok\":4,"), "{text}");
        assert_eq!(
            serde_json::from_str::<Figures<Count>>(&text).unwrap(),
            exact
        );
        let ci = ci.unwrap();
        let text = serde_json::to_string(&ci).unwrap();
        assert_eq!(
            serde_json::from_str::<Figures<HalfWidth>>(&text).unwrap(),
            ci
        );
    }
}
