//! `simroute plan SCENARIO --target-group NAME [--fail N] [--at-peak]`: the smallest task count
//! (and, optionally, health-check settings from a list) that meets the scenario's `[slo]`,
//! with N tasks lost, decided with confidence.
//!
//! 1. An analytic first guess: each task's app is an M/M/c queue fed `λ_peak / (n − N)`
//!    (Erlang C for the mean and the wait tail), plus the path's fixed latencies.
//! 2. Simulation from that guess, down while it passes and up while it fails. Each count runs
//!    replications until the 95% interval of every SLO figure lies on one side of its
//!    threshold (doubling up to a cap; still undecided, the mean decides and the row says
//!    `marginal`).

use crate::engine::Nanos;
use crate::engine::rng::{StreamId, Streams};
use crate::engine::time::{from_secs, to_ms};
use crate::math::queueing::{erlang_c, mmc_wait_quantile};
use crate::replicate::{Replication, run_ranges};
use crate::results::slo;
use crate::results::studies::{BindingDoc, EvaluationDoc, PlanDoc, PricingDoc};
use crate::results::summary::{self, Count, Figures, HalfWidth};
use crate::scenario::resolve::pricing::Pricing;
use crate::scenario::{Fault, HealthCheck, Scenario, SloCheck, SourcePath};
use crate::vocab::FaultKind;

/// Most replications per count before the mean decides.
const MAX_REPLICATIONS: u32 = 24;

/// What the planner was asked.
#[derive(Debug, Clone)]
pub struct PlanRequest {
    /// Target group index.
    pub group: u32,
    /// Tasks lost.
    pub fail: u32,
    /// Lose them at the traffic peak (else at the end of the warm-up).
    pub at_peak: bool,
    /// Largest count tried.
    pub max_tasks: u32,
    /// Health-check settings to try, with their labels; empty: the scenario's own.
    pub health_checks: Vec<(String, HealthCheck)>,
}

/// The verdict on one count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Every SLO figure's interval is on the good side.
    Pass,
    /// Some SLO figure's interval is on the bad side.
    Fail,
    /// Undecided after the most replications; the means say pass (`true`) or fail.
    Marginal(bool),
    /// A replication was stopped where its attempts in flight reached the memory bound: the
    /// group is offered more than it can serve, and its queue grew until then
    /// ([`crate::replicate::Unstable`]). It fails the SLO, whatever the figures would say.
    Unstable,
}

impl Verdict {
    /// Passing, with confidence or by the means.
    pub fn passes(self) -> bool {
        matches!(self, Verdict::Pass | Verdict::Marginal(true))
    }

    /// The verdict as written in plan.csv and the summary.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Marginal(true) => "marginal pass",
            Verdict::Marginal(false) => "marginal fail",
            Verdict::Unstable => "unstable: offered load ≥ capacity",
        }
    }
}

/// One simulated count.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// Tasks.
    pub tasks: u32,
    /// Label of the health-check settings.
    pub health_check: String,
    /// Replications run.
    pub replications: u32,
    /// Verdict.
    pub verdict: Verdict,
    /// Merged figures (`None`: [`Verdict::Unstable`], whose replications did not finish).
    pub figures: Option<Figures<Count>>,
    /// 95% half-widths.
    pub ci95: Option<Figures<HalfWidth>>,
    /// The tightest SLO check (the one with the least room, or the worst miss).
    pub binding: Option<Binding>,
}

/// The SLO check with the least room at an evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    /// The check as labelled in `summary.json`'s verdict: `p99_ms (target group bags)`.
    pub check: String,
    /// Its threshold.
    pub threshold: f64,
    /// The figure at the 95% interval's bad edge (`None`: undefined, which fails).
    pub edge: Option<f64>,
    /// Signed room, relative to the threshold: positive on the good side, negative a miss.
    pub slack: f64,
}

/// The planner's answer.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The analytic first guess.
    pub analytic: Option<u32>,
    /// Every evaluation, in the order made.
    pub evaluations: Vec<Evaluation>,
    /// The smallest passing evaluation (index into `evaluations`).
    pub recommended: Option<usize>,
    /// The largest failing count below it (index).
    pub runner_up: Option<usize>,
    /// The scenario's own faults `--fail` replaced, in words (`crash of 2 task(s) at 1000 s`).
    pub replaced: Vec<String>,
    /// `[pricing]`, when the scenario gives it: each count's cost per month.
    pub pricing: Option<Pricing>,
}

/// Peak offered rate reaching `group` (requests/s) and the time of the peak (seconds).
pub fn peak(sc: &Scenario, group: u32) -> (f64, f64) {
    let feeds = |s: &crate::scenario::Source| match s.path {
        SourcePath::Direct { group: g } => g == group,
        SourcePath::Gateway { route: Some(r) } => sc
            .gateway
            .as_ref()
            .is_some_and(|gw| gw.routes[r as usize].group == group),
        SourcePath::Gateway { route: None } => false,
    };
    let sources: Vec<_> = sc.sources.iter().filter(|s| feeds(s)).collect();
    let rate = |t: f64| sources.iter().map(|s| s.profile.rate_at(t)).sum::<f64>();
    let mut times: Vec<f64> = sources
        .iter()
        .flat_map(|s| s.profile.breakpoints())
        .collect();
    times.push(crate::engine::time::to_secs(sc.warmup));
    let end = crate::engine::time::to_secs(sc.duration);
    times.retain(|&t| t < end);
    times
        .into_iter()
        .map(|t| (rate(t), t))
        .fold((0.0, 0.0), |best, x| if x.0 > best.0 { x } else { best })
}

/// Mean latency of the fixed hops before the app (gateway, VPC link, load balancer, sidecar).
fn path_latency_ms(sc: &Scenario, group: u32) -> f64 {
    let mut ms = sc.groups[group as usize]
        .sidecar
        .as_ref()
        .map_or(0.0, |s| s.latency.mean_ms());
    if let Some(gw) = &sc.gateway {
        ms += gw.latency.mean_ms() + gw.vpc_link_latency.mean_ms();
        if let Some(lb) = gw
            .routes
            .iter()
            .find(|r| r.group == group)
            .and_then(|r| r.load_balancer)
        {
            ms += sc.load_balancers[lb as usize].latency.mean_ms();
        }
    }
    ms
}

/// The analytic first guess: the smallest count whose surviving tasks, each an M/M/c queue,
/// meet the SLO's latency checks at the peak rate.
pub fn analytic_estimate(sc: &Scenario, group: u32, fail: u32, max_tasks: u32) -> Option<u32> {
    let (lambda_s, _) = peak(sc, group);
    let app = &sc.groups[group as usize].app;
    let service_ms =
        app.service.mean_ms() + app.dependency.as_ref().map_or(0.0, |d| d.latency.mean_ms());
    if !(service_ms.is_finite() && service_ms > 0.0) {
        return None;
    }
    // The service time's own p99, by sampling (no closed form for every kind).
    let mut rng = Streams::new(sc.seed, 0).stream(StreamId::AppService(u32::MAX));
    let mut draws: Vec<Nanos> = (0..20_000)
        .map(|_| {
            app.service.sample(&mut rng)
                + app
                    .dependency
                    .as_ref()
                    .map_or(0, |d| d.latency.sample(&mut rng))
        })
        .collect();
    draws.sort_unstable();
    let service_p99_ms = to_ms(draws[draws.len() * 99 / 100]);
    let fixed = path_latency_ms(sc, group);
    let mu = 1.0 / service_ms; // per ms
    let c = app.workers;
    (fail + 1..=max_tasks).find(|&n| {
        let lambda = lambda_s / 1000.0 / f64::from(n - fail); // per ms, per task
        if lambda / mu >= f64::from(c) {
            return false;
        }
        let wq = erlang_c(c, lambda / mu) / (f64::from(c) * mu - lambda);
        sc.slo_for_group(group)
            .iter()
            .all(|check| match check.metric.name() {
                "mean_ms" => fixed + wq + service_ms <= check.threshold,
                "p99_ms" => {
                    fixed + mmc_wait_quantile(c, lambda, mu, 0.99) + service_p99_ms
                        <= check.threshold
                }
                _ => true,
            })
    })
}

/// A fault of the scenario that takes tasks of the sized group away (`crash`, `app_crash`,
/// `task_exit`): with `--fail N` the planner's own crash of N tasks replaces these, so N is the
/// number of tasks lost in total, not N on top of the scenario's.
fn loses_tasks(f: &Fault, group: u32) -> bool {
    f.group == group
        && matches!(
            f.kind,
            FaultKind::Crash | FaultKind::AppCrash | FaultKind::TaskExit
        )
}

/// A fault kind as written in the scenario file.
fn fault_name(kind: FaultKind) -> &'static str {
    match kind {
        FaultKind::Crash => "crash",
        FaultKind::AppCrash => "app_crash",
        FaultKind::TaskExit => "task_exit",
        FaultKind::Hang => "hang",
        FaultKind::Slow => "slow",
        FaultKind::Errors => "errors",
        FaultKind::FailFast => "fail_fast",
        FaultKind::AzOutage => "az_outage",
    }
}

/// The scenario's own faults that `--fail` replaces (none without `--fail`).
pub fn replaced_faults<'a>(sc: &'a Scenario, req: &PlanRequest) -> Vec<&'a Fault> {
    if req.fail == 0 {
        return Vec::new();
    }
    sc.faults
        .iter()
        .filter(|f| loses_tasks(f, req.group))
        .collect()
}

/// The scenario with `tasks` tasks in the group (autoscaling off: the planner fixes the count),
/// `fail` of them crashing at the peak or the end of warm-up in place of the scenario's own
/// task-losing faults of the group, and the given health checks.
pub fn variant(
    sc: &Scenario,
    req: &PlanRequest,
    tasks: u32,
    health: Option<&HealthCheck>,
) -> Scenario {
    let mut s = sc.clone();
    let g = &mut s.groups[req.group as usize];
    g.targets = tasks;
    g.autoscaling = None;
    g.app.service_factors.resize(tasks as usize, 1.0);
    if let Some(hc) = health {
        g.health_check = Some(hc.clone());
    }
    if req.fail > 0 {
        s.faults.retain(|f| !loses_tasks(f, req.group));
        let at = if req.at_peak {
            from_secs(peak(sc, req.group).1)
        } else {
            sc.warmup
        };
        s.faults.push(Fault {
            at: at.min(sc.duration.saturating_sub(1)),
            end: None,
            kind: FaultKind::Crash,
            group: req.group,
            targets: req.fail,
            factor: 1.0,
            fraction: 0.0,
            zone: None,
        });
        s.faults.sort_by_key(|f| f.at);
    }
    s
}

/// Decides one SLO check from a mean and its half-width: `(decided verdict, bad edge)`.
fn judge(check: &SloCheck, mean: f64, half: f64) -> (Option<bool>, f64) {
    let lower_is_better = check.metric.passes(0.0, 1.0);
    let (bad_edge, good_edge) = if lower_is_better {
        (mean + half, mean - half)
    } else {
        (mean - half, mean + half)
    };
    let decided = if check.metric.passes(bad_edge, check.threshold) {
        Some(true)
    } else if !check.metric.passes(good_edge, check.threshold) {
        Some(false)
    } else {
        None
    };
    (decided, bad_edge)
}

/// Room between a figure and its threshold, relative and signed: positive when the figure is
/// on the good side (below a ceiling, above a floor), negative by how far it misses.
fn slack(check: &SloCheck, figure: f64) -> f64 {
    let room = if check.metric.passes(0.0, 1.0) {
        check.threshold - figure
    } else {
        figure - check.threshold
    };
    room / check.threshold.abs().max(1e-12)
}

/// The verdict of `checks` on merged figures and their half-widths (`None`: undecided), and
/// the check with the least room.
fn decide(
    checks: &[SloCheck],
    figures: &Figures<Count>,
    ci95: Option<&Figures<HalfWidth>>,
) -> (Option<Verdict>, Option<Binding>) {
    let (mut all_pass, mut any_fail) = (true, false);
    let mut binding: Option<Binding> = None;
    for check in checks {
        let found = slo::scoped(figures, check.scope);
        let mean = found.and_then(|(_, _, t)| t.figure(check.metric));
        let half = ci95
            .and_then(|c| slo::scoped(c, check.scope))
            .and_then(|(_, _, t)| t.figure(check.metric))
            .unwrap_or(0.0);
        let (decided, edge) = match mean {
            Some(mean) => {
                let (d, edge) = judge(check, mean, half);
                (d, Some(edge))
            }
            None => (Some(false), None),
        };
        match decided {
            Some(true) => {}
            Some(false) => (all_pass, any_fail) = (false, true),
            None => all_pass = false,
        }
        let room = edge.map_or(f64::NEG_INFINITY, |e| slack(check, e));
        if binding.as_ref().is_none_or(|b| room < b.slack) {
            let label = slo::label(figures, check);
            binding = Some(Binding {
                check: label,
                threshold: check.threshold,
                edge,
                slack: room,
            });
        }
    }
    let verdict = if any_fail {
        Some(Verdict::Fail)
    } else if all_pass {
        Some(Verdict::Pass)
    } else {
        None
    };
    (verdict, binding)
}

/// Evaluates `tasks` with each health-check setting in turn; the first that passes wins.
/// Each setting runs batches of replications (seed streams 0, 1, 2, … in order, so a larger
/// count repeats none) until the checks' intervals decide or `MAX_REPLICATIONS` ran.
fn evaluate(
    sc: &Scenario,
    req: &PlanRequest,
    tasks: u32,
    threads: Option<usize>,
) -> anyhow::Result<Evaluation> {
    let settings: Vec<(String, Option<HealthCheck>)> = if req.health_checks.is_empty() {
        vec![("as in the scenario".to_string(), None)]
    } else {
        req.health_checks
            .iter()
            .map(|(l, h)| (l.clone(), Some(h.clone())))
            .collect()
    };
    let checks = sc.slo_for_group(req.group);
    let batch = sc.replications.max(3);
    let mut last = None;
    for (label, hc) in settings {
        let s = variant(sc, req, tasks, hc.as_ref());
        let mut reps: Vec<Replication> = Vec::new();
        loop {
            let have = reps.len() as u32;
            let want = if have == 0 {
                batch
            } else {
                (have * 2).min(MAX_REPLICATIONS)
            };
            let mut more = match run_ranges(&[(&s, have..want)], threads, None) {
                Ok(more) => more,
                // Stopped at the memory bound: this count cannot carry the load with these
                // settings, a failed SLO like any other, and the search goes on above it.
                Err(e) if e.is::<crate::replicate::Unstable>() => {
                    last = Some(Evaluation {
                        tasks,
                        health_check: label.clone(),
                        replications: have,
                        verdict: Verdict::Unstable,
                        figures: None,
                        ci95: None,
                        binding: None,
                    });
                    break;
                }
                Err(e) => return Err(e),
            };
            reps.append(&mut more[0]);
            let figs: Vec<Figures<Count>> = reps.iter().map(|r| r.figures.clone()).collect();
            let (figures, ci95) = summary::merge(&figs);
            let (decided, binding) = decide(&checks, &figures, ci95.as_ref());
            let verdict = decided.or_else(|| {
                (want >= MAX_REPLICATIONS).then(|| {
                    Verdict::Marginal(slo::evaluate(&checks, &figures).is_some_and(|v| v.passed))
                })
            });
            let Some(verdict) = verdict else { continue };
            let e = Evaluation {
                tasks,
                health_check: label.clone(),
                replications: want,
                verdict,
                figures: Some(figures),
                ci95,
                binding,
            };
            if verdict.passes() {
                return Ok(e);
            }
            last = Some(e);
            break;
        }
    }
    Ok(last.expect("at least one health-check setting"))
}

/// The counts evaluated so far and what they said; the search's memory.
struct Search<'a> {
    sc: &'a Scenario,
    req: &'a PlanRequest,
    threads: Option<usize>,
    progress: Option<&'a dyn Fn(&Evaluation)>,
    evaluations: Vec<Evaluation>,
}

impl Search<'_> {
    /// Whether `tasks` passes, evaluating it once.
    fn passes(&mut self, tasks: u32) -> anyhow::Result<bool> {
        if let Some(e) = self.evaluations.iter().find(|e| e.tasks == tasks) {
            return Ok(e.verdict.passes());
        }
        let e = evaluate(self.sc, self.req, tasks, self.threads)?;
        if let Some(report) = self.progress {
            report(&e);
        }
        let passes = e.verdict.passes();
        self.evaluations.push(e);
        Ok(passes)
    }

    /// The smallest passing count above the failing `lo`, by steps doubling from `lo + 1`
    /// up to `--max-tasks`; then bisection down to its failing neighbour.
    fn up_from(&mut self, mut lo: u32) -> anyhow::Result<Option<u32>> {
        let mut step = 1;
        let hi = loop {
            let n = (lo + step).min(self.req.max_tasks);
            if self.passes(n)? {
                break n;
            }
            if n == self.req.max_tasks {
                return Ok(None);
            }
            lo = n;
            step *= 2;
        };
        self.bisect(lo, hi).map(Some)
    }

    /// The smallest passing count in `(lo, hi]`, `lo` failing (or below the lowest count) and
    /// `hi` passing.
    fn bisect(&mut self, mut lo: u32, mut hi: u32) -> anyhow::Result<u32> {
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if self.passes(mid)? {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Ok(hi)
    }

    /// The largest failing count below the passing `hi` (or `lowest - 1` when none fails), by
    /// steps doubling down from `hi - 1`.
    fn down_from(&mut self, hi: u32, lowest: u32) -> anyhow::Result<u32> {
        let mut step = 1;
        loop {
            let Some(n) = hi.checked_sub(step).filter(|&n| n >= lowest) else {
                return Ok(lowest - 1);
            };
            if !self.passes(n)? {
                return Ok(n);
            }
            step *= 2;
        }
    }
}

/// Runs the planner: the smallest count that passes and whose neighbour above passes too,
/// found by doubling steps from the analytic guess to bracket it and bisection inside the
/// bracket. `progress` hears of each evaluation as it ends.
pub fn plan(
    sc: &Scenario,
    req: &PlanRequest,
    threads: Option<usize>,
    progress: Option<&dyn Fn(&Evaluation)>,
) -> anyhow::Result<Plan> {
    anyhow::ensure!(
        !sc.slo_for_group(req.group).is_empty(),
        "the scenario has no [slo] that applies to this target group: the planner needs \
         thresholds to meet"
    );
    anyhow::ensure!(req.max_tasks > req.fail, "--max-tasks must exceed --fail");
    let analytic = analytic_estimate(sc, req.group, req.fail, req.max_tasks);
    let lowest = req.fail + 1;
    let start = analytic.unwrap_or(lowest).clamp(lowest, req.max_tasks);
    let mut search = Search {
        sc,
        req,
        threads,
        progress,
        evaluations: Vec::new(),
    };
    let mut found = if search.passes(start)? {
        // Bracket from below, then bisect within (lo, start].
        let lo = search.down_from(start, lowest)?;
        Some(search.bisect(lo, start)?)
    } else {
        search.up_from(start)?
    };
    // Confirm the neighbour above; a noisy fail there moves the search past it.
    while let Some(n) = found {
        if n >= req.max_tasks || search.passes(n + 1)? {
            break;
        }
        found = search.up_from(n + 1)?;
    }
    let evaluations = search.evaluations;
    let recommended = found.and_then(|n| evaluations.iter().position(|e| e.tasks == n));
    let runner_up = found.and_then(|n| {
        evaluations
            .iter()
            .enumerate()
            .filter(|(_, e)| e.tasks < n && !e.verdict.passes())
            .max_by_key(|(_, e)| e.tasks)
            .map(|(i, _)| i)
    });
    let replaced = replaced_faults(sc, req)
        .into_iter()
        .map(|f| {
            format!(
                "{} of {} task(s) at {} s",
                fault_name(f.kind),
                f.targets,
                crate::engine::time::to_secs(f.at)
            )
        })
        .collect();
    Ok(Plan {
        analytic,
        evaluations,
        recommended,
        runner_up,
        replaced,
        pricing: sc.pricing.clone(),
    })
}

/// The plan as `plan.json`.
pub fn to_json(plan: &Plan, group: &str, req: &PlanRequest) -> PlanDoc {
    let eval = |e: &Evaluation| EvaluationDoc {
        tasks: e.tasks,
        health_check: e.health_check.clone(),
        replications: e.replications,
        verdict: e.verdict.name().to_string(),
        binding: e.binding.as_ref().map(|b| BindingDoc {
            check: b.check.clone(),
            threshold: b.threshold,
            at_interval_edge: b.edge,
            slack: Some(b.slack).filter(|s| s.is_finite()),
        }),
        figures: e.figures.clone(),
        ci95: e.ci95.clone(),
        cost_usd_per_month: plan.pricing.as_ref().map(|p| p.monthly_usd(e.tasks)),
    };
    PlanDoc {
        target_group: group.to_string(),
        fail: req.fail,
        at_peak: req.at_peak,
        max_tasks: req.max_tasks,
        replaced_faults: plan.replaced.clone(),
        analytic_estimate: plan.analytic,
        recommended: plan.recommended.map(|i| eval(&plan.evaluations[i])),
        runner_up: plan.runner_up.map(|i| eval(&plan.evaluations[i])),
        evaluations: plan.evaluations.iter().map(eval).collect(),
        pricing: plan.pricing.as_ref().map(|p| PricingDoc {
            vcpu_per_task: p.vcpu_per_task,
            memory_gib_per_task: p.memory_gib_per_task,
            usd_per_vcpu_hour: p.usd_per_vcpu_hour,
            usd_per_gib_hour: p.usd_per_gib_hour,
            hours_per_month: p.hours_per_month,
            usd_per_task_month: p.monthly_usd(1),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::summary::testing;
    use crate::scenario::SloScope;
    use crate::vocab::SloMetric;

    #[test]
    fn the_binding_check_is_the_one_with_least_signed_room() {
        // p99 misses by 300% while the error rate passes with all its room: the reason given
        // for the verdict is the p99 (an absolute slack would name the error rate, whose
        // |0.001 - 0| / 0.001 = 1 is below |250 - 1000| / 250 = 3).
        let mut figures = testing::figures(Count::Exact(0));
        figures.traffic.latency_ms.p99 = Some(1000.0);
        figures.traffic.error_rate = Some(0.0);
        let check = |metric, threshold| SloCheck {
            metric,
            threshold,
            scope: SloScope::Run,
        };
        let checks = [
            check(SloMetric::P99Ms, 250.0),
            check(SloMetric::ErrorRate, 0.001),
        ];
        let (verdict, binding) = decide(&checks, &figures, None);
        assert_eq!(verdict, Some(Verdict::Fail));
        let b = binding.unwrap();
        assert_eq!(b.check, "p99_ms");
        assert!((b.slack + 3.0).abs() < 1e-12, "{}", b.slack);
        // A floor: throughput 90 against at least 100 is a miss of 10%.
        figures.traffic.throughput_rps = Some(90.0);
        let (_, b) = decide(&[check(SloMetric::MinThroughputRps, 100.0)], &figures, None);
        assert!((b.unwrap().slack + 0.1).abs() < 1e-12);
    }
}
