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

use serde::Serialize;

use crate::engine::Nanos;
use crate::engine::rng::{StreamId, Streams};
use crate::engine::time::{from_secs, to_ms};
use crate::math::queueing::{erlang_c, mmc_wait_quantile};
use crate::replicate::run_many;
use crate::results::slo;
use crate::results::summary::{Count, Figures, HalfWidth};
use crate::scenario::{Fault, HealthCheck, Scenario, SloCheck, SourcePath};
use crate::vocab::{FaultKind, SloMetric};

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
}

impl Verdict {
    /// Passing, with confidence or by the means.
    pub fn passes(self) -> bool {
        matches!(self, Verdict::Pass | Verdict::Marginal(true))
    }

    fn name(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Marginal(true) => "marginal pass",
            Verdict::Marginal(false) => "marginal fail",
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
    /// Merged figures.
    pub figures: Figures<Count>,
    /// 95% half-widths.
    pub ci95: Option<Figures<HalfWidth>>,
    /// The tightest SLO check: `(metric, threshold, figure at the interval's bad edge)`.
    pub binding: Option<(&'static str, f64, f64)>,
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
        sc.slo.iter().all(|check| match check.metric.name() {
            "mean_ms" => fixed + wq + service_ms <= check.threshold,
            "p99_ms" => {
                fixed + mmc_wait_quantile(c, lambda, mu, 0.99) + service_p99_ms <= check.threshold
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

/// Decides one SLO check from a mean and its half-width.
fn judge(check: &SloCheck, mean: f64, half: f64) -> (Option<bool>, f64) {
    let lower_is_better = check.metric.passes(0.0, 1.0);
    let bad_edge = if lower_is_better {
        mean + half
    } else {
        mean - half
    };
    let good_edge = if lower_is_better {
        mean - half
    } else {
        mean + half
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

/// Evaluates `tasks` with each health-check setting in turn; the first that passes wins.
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
    let mut last = None;
    for (label, hc) in settings {
        let mut replications = sc.replications.max(3);
        loop {
            let mut s = variant(sc, req, tasks, hc.as_ref());
            s.replications = replications;
            let result = run_many(std::slice::from_ref(&s), threads, None)?
                .pop()
                .expect("one result");
            let ci95 = result.ci95;
            let mut all_pass = true;
            let mut any_fail = false;
            let mut binding: Option<(&'static str, f64, f64)> = None;
            let mut tightest = f64::INFINITY;
            for check in &sc.slo {
                let Some(mean) = result.figures.traffic.figure(check.metric) else {
                    any_fail = true;
                    all_pass = false;
                    continue;
                };
                let half = ci95
                    .as_ref()
                    .and_then(|c| c.traffic.figure(check.metric))
                    .unwrap_or(0.0);
                let (decided, bad_edge) = judge(check, mean, half);
                match decided {
                    Some(true) => {}
                    Some(false) => {
                        any_fail = true;
                        all_pass = false;
                    }
                    None => all_pass = false,
                }
                let slack = (check.threshold - bad_edge).abs() / check.threshold.abs().max(1e-12);
                if slack < tightest || decided == Some(false) {
                    tightest = slack;
                    binding = Some((check.metric.name(), check.threshold, bad_edge));
                }
            }
            let verdict = if any_fail {
                Some(Verdict::Fail)
            } else if all_pass {
                Some(Verdict::Pass)
            } else if replications >= MAX_REPLICATIONS {
                let by_means = slo::evaluate(&sc.slo, &result.figures).is_some_and(|s| s.passed);
                Some(Verdict::Marginal(by_means))
            } else {
                None
            };
            if let Some(verdict) = verdict {
                let e = Evaluation {
                    tasks,
                    health_check: label.clone(),
                    replications,
                    verdict,
                    figures: result.figures,
                    ci95,
                    binding,
                };
                if verdict.passes() {
                    return Ok(e);
                }
                last = Some(e);
                break;
            }
            replications = (replications * 2).min(MAX_REPLICATIONS);
        }
    }
    Ok(last.expect("at least one health-check setting"))
}

/// Runs the planner.
pub fn plan(sc: &Scenario, req: &PlanRequest, threads: Option<usize>) -> anyhow::Result<Plan> {
    anyhow::ensure!(
        !sc.slo.is_empty(),
        "the scenario has no [slo]: the planner needs thresholds to meet"
    );
    anyhow::ensure!(req.max_tasks > req.fail, "--max-tasks must exceed --fail");
    let analytic = analytic_estimate(sc, req.group, req.fail, req.max_tasks);
    let mut evaluations: Vec<Evaluation> = Vec::new();
    let lowest = req.fail + 1;
    let mut n = analytic.unwrap_or(lowest).clamp(lowest, req.max_tasks);
    let first = evaluate(sc, req, n, threads)?;
    let going_down = first.verdict.passes();
    evaluations.push(first);
    loop {
        let next = if going_down {
            n.checked_sub(1).filter(|&m| m >= lowest)
        } else {
            Some(n + 1).filter(|&m| m <= req.max_tasks)
        };
        let Some(m) = next else { break };
        let e = evaluate(sc, req, m, threads)?;
        let passes = e.verdict.passes();
        evaluations.push(e);
        n = m;
        if passes != going_down {
            break;
        }
    }
    let recommended = evaluations
        .iter()
        .enumerate()
        .filter(|(_, e)| e.verdict.passes())
        .min_by_key(|(_, e)| e.tasks)
        .map(|(i, _)| i);
    let runner_up = recommended.and_then(|r| {
        let best = evaluations[r].tasks;
        evaluations
            .iter()
            .enumerate()
            .filter(|(_, e)| e.tasks < best)
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
    })
}

/// Rows for `plan.csv` and the table: one per evaluation, sorted by task count.
pub fn rows(plan: &Plan) -> (Vec<String>, Vec<Vec<String>>) {
    let header = [
        "tasks",
        "health_check",
        "replications",
        "verdict",
        "p99_ms",
        "p99_ms_ci95",
        "error_rate",
        "error_rate_ci95",
        "mean_ms",
        "throughput_rps",
    ]
    .map(String::from)
    .to_vec();
    let mut evals: Vec<&Evaluation> = plan.evaluations.iter().collect();
    evals.sort_by_key(|e| e.tasks);
    let f = |v: Option<f64>| v.map_or(String::new(), |x| format!("{x:.6}"));
    let ci = |e: &Evaluation, m: SloMetric| e.ci95.as_ref().and_then(|c| c.traffic.figure(m));
    let rows = evals
        .iter()
        .map(|e| {
            vec![
                e.tasks.to_string(),
                e.health_check.clone(),
                e.replications.to_string(),
                e.verdict.name().to_string(),
                f(e.figures.traffic.latency_ms.p99),
                f(ci(e, SloMetric::P99Ms)),
                f(e.figures.traffic.error_rate),
                f(ci(e, SloMetric::ErrorRate)),
                f(e.figures.traffic.latency_ms.mean),
                f(e.figures.traffic.throughput_rps),
            ]
        })
        .collect();
    (header, rows)
}

/// The tightest SLO check of an evaluation in `plan.json`.
#[derive(Debug, Serialize)]
pub struct BindingJson {
    /// The check's metric.
    pub metric: &'static str,
    /// Its threshold.
    pub threshold: f64,
    /// The figure at the 95% interval's bad edge.
    pub at_interval_edge: f64,
}

/// One evaluation in `plan.json`.
#[derive(Debug, Serialize)]
pub struct EvaluationJson<'a> {
    /// Tasks.
    pub tasks: u32,
    /// Label of the health-check settings.
    pub health_check: &'a str,
    /// Replications run.
    pub replications: u32,
    /// Verdict.
    pub verdict: &'static str,
    /// The tightest check.
    pub binding: Option<BindingJson>,
    /// Merged figures.
    pub figures: &'a Figures<Count>,
    /// Their 95% half-widths.
    pub ci95: &'a Option<Figures<HalfWidth>>,
}

/// `plan.json`.
#[derive(Debug, Serialize)]
pub struct PlanJson<'a> {
    /// The target group sized.
    pub target_group: &'a str,
    /// Tasks lost.
    pub fail: u32,
    /// Lost at the peak.
    pub at_peak: bool,
    /// The scenario's own faults of the group that `--fail` replaced, in words.
    pub replaced_faults: &'a [String],
    /// Erlang C's first guess.
    pub analytic_estimate: Option<u32>,
    /// The smallest passing evaluation.
    pub recommended: Option<EvaluationJson<'a>>,
    /// The largest failing count below it.
    pub runner_up: Option<EvaluationJson<'a>>,
    /// Every evaluation, in the order made.
    pub evaluations: Vec<EvaluationJson<'a>>,
}

/// The plan as JSON.
pub fn to_json<'a>(plan: &'a Plan, group: &'a str, req: &PlanRequest) -> PlanJson<'a> {
    let eval = |e: &'a Evaluation| EvaluationJson {
        tasks: e.tasks,
        health_check: &e.health_check,
        replications: e.replications,
        verdict: e.verdict.name(),
        binding: e
            .binding
            .map(|(metric, threshold, at_interval_edge)| BindingJson {
                metric,
                threshold,
                at_interval_edge,
            }),
        figures: &e.figures,
        ci95: &e.ci95,
    };
    PlanJson {
        target_group: group,
        fail: req.fail,
        at_peak: req.at_peak,
        replaced_faults: &plan.replaced,
        analytic_estimate: plan.analytic,
        recommended: plan.recommended.map(|i| eval(&plan.evaluations[i])),
        runner_up: plan.runner_up.map(|i| eval(&plan.evaluations[i])),
        evaluations: plan.evaluations.iter().map(eval).collect(),
    }
}

/// The recommendation in words.
pub fn summary(plan: &Plan, group: &str, req: &PlanRequest) -> String {
    let mut out = String::new();
    let lost = if req.fail > 0 {
        format!(
            " with {} task(s) lost {}",
            req.fail,
            if req.at_peak {
                "at the peak"
            } else {
                "after warm-up"
            }
        )
    } else {
        String::new()
    };
    if !plan.replaced.is_empty() {
        out.push_str(&format!(
            "--fail {} replaces the scenario's own {} of {group} ({} tasks lost in total)\n",
            req.fail,
            plan.replaced.join(", "),
            req.fail
        ));
    }
    match plan.analytic {
        Some(n) => out.push_str(&format!(
            "analytic estimate (Erlang C at the peak rate): {n} tasks\n"
        )),
        None => out.push_str("analytic estimate: none within --max-tasks\n"),
    }
    match plan.recommended {
        Some(i) => {
            let e = &plan.evaluations[i];
            out.push_str(&format!(
                "recommendation for {group}{lost}: {} tasks (health checks: {}), {} with {} replications\n",
                e.tasks,
                e.health_check,
                e.verdict.name(),
                e.replications
            ));
            if let Some((metric, threshold, edge)) = e.binding {
                out.push_str(&format!(
                    "  margin: {metric} {edge:.4} at the 95% bound vs threshold {threshold} ({:+.1}%)\n",
                    100.0 * (threshold - edge) / threshold
                ));
            }
            if let Some(r) = plan.runner_up {
                let e = &plan.evaluations[r];
                let why = e
                    .binding
                    .map_or(String::new(), |(m, t, v)| format!(": {m} {v:.4} vs {t}"));
                out.push_str(&format!(
                    "  runner-up: {} tasks, {}{why}\n",
                    e.tasks,
                    e.verdict.name()
                ));
            }
        }
        None => out.push_str(&format!(
            "no task count up to {} meets the SLO for {group}{lost}\n",
            req.max_tasks
        )),
    }
    out
}
