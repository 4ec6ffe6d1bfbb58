//! `simroute fit`: scenario inputs fitted from access logs.
//!
//! The pipeline: read every log line ([`input`]) → parse it into one [`Record`]
//! ([`alb_log`], [`apigw_log`]) or count it as malformed → accumulate per target group (service
//! samples, status mix) and per route (arrivals per second) → fit the service distributions
//! ([`estimate`]) and the rate steps ([`profile`]) → write the scenario ([`emit`]) and the table
//! ([`report`]).

pub mod alb_log;
pub mod apigw_log;
pub mod emit;
pub mod estimate;
pub mod input;
pub mod profile;
pub mod report;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use estimate::DistFit;
use profile::Step;

/// Which logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// ALB access logs (space-separated, plain or .gz).
    Alb,
    /// API Gateway access logs in JSON.
    Apigateway,
}

impl Kind {
    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Alb => "alb",
            Kind::Apigateway => "apigateway",
        }
    }
}

/// One request, whichever log it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Arrival, seconds since the Unix epoch.
    pub at_s: f64,
    /// The route: `METHOD /path/pattern` (ALB) or the route key (API Gateway).
    pub route: String,
    /// The request's method.
    pub method: String,
    /// The request's path pattern (ids replaced by `{id}`, see [`route_pattern`]).
    pub path: String,
    /// The target group (ALB) or route (API Gateway) whose service this request measures;
    /// `None` when the ALB log names no target group.
    pub group: Option<String>,
    /// The target's `ip:port`, when the log names one.
    pub target: Option<String>,
    /// The status the client got.
    pub status: u16,
    /// The status the target (integration) answered; `None` when the load balancer or gateway
    /// answered itself.
    pub target_status: Option<u16>,
    /// The target's time, ms: ALB `target_processing_time`, API Gateway `integrationLatency`.
    pub service_ms: Option<f64>,
    /// The request never reached a target (ALB `-1` processing times; no integration latency).
    pub never_reached: bool,
    /// API Gateway's own time, ms: `responseLatency − integrationLatency`.
    pub overhead_ms: Option<f64>,
    /// The authorizer's latency, ms.
    pub authorizer_ms: Option<f64>,
}

/// Whether a path segment is an identifier rather than a resource name: all digits, a UUID, or
/// 12 or more hex digits with at least one digit.
fn is_id(seg: &str) -> bool {
    let hex = |s: &str| s.bytes().all(|b| b.is_ascii_hexdigit());
    let digit = seg.bytes().any(|b| b.is_ascii_digit());
    let uuid = seg.len() == 36
        && seg.split('-').map(str::len).eq([8usize, 4, 4, 4, 12])
        && hex(&seg.replace('-', ""));
    (!seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()))
        || uuid
        || (seg.len() >= 12 && digit && hex(seg))
}

/// A request path as a route pattern: segments that are identifiers ([`is_id`]) become `{id}`,
/// so `/pets/42` and `/pets/43` are one route. Patterns already in `{…}` form stay.
pub fn route_pattern(path: &str) -> String {
    if !path.starts_with('/') {
        return path.to_string();
    }
    path.split('/')
        .map(|seg| if is_id(seg) { "{id}" } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

/// A malformed line.
#[derive(Debug, Clone, PartialEq)]
pub struct Malformed {
    /// The file.
    pub file: PathBuf,
    /// Its 1-based line number.
    pub line: usize,
    /// What is wrong with it.
    pub reason: String,
}

/// What one file held.
#[derive(Debug, Clone, PartialEq)]
pub struct FileSummary {
    /// The file.
    pub file: PathBuf,
    /// Entries read.
    pub records: u64,
    /// Malformed lines.
    pub malformed: u64,
}

/// Malformed lines listed in full in the report; the rest are counted.
pub const MALFORMED_SHOWN: usize = 20;

/// A target group's (ALB) or route's (API Gateway) fit.
#[derive(Debug, Clone)]
pub struct GroupFit {
    /// The name: target group name, or route key.
    pub name: String,
    /// Requests logged for it.
    pub requests: u64,
    /// Distinct targets (`ip:port`) seen.
    pub targets: usize,
    /// The service-time fit (`None` when no request reached a target).
    pub service: Option<DistFit>,
    /// Target answers by class: 1xx, 2xx, 3xx, 4xx, 5xx.
    pub target_classes: [u64; 5],
    /// Answers the load balancer or gateway gave itself, by status.
    pub own: BTreeMap<u16, u64>,
    /// Requests that never reached a target (`-1` times), counted, not fitted.
    pub never_reached: u64,
}

impl GroupFit {
    /// 5xx answers from targets over all target answers.
    pub fn error_rate(&self) -> f64 {
        let total: u64 = self.target_classes.iter().sum();
        if total == 0 {
            0.0
        } else {
            self.target_classes[4] as f64 / total as f64
        }
    }
}

/// A route's arrival profile.
#[derive(Debug, Clone)]
pub struct RouteFit {
    /// The route key.
    pub key: String,
    /// Its method.
    pub method: String,
    /// Its path pattern.
    pub path: String,
    /// The group most of its requests went to.
    pub group: Option<String>,
    /// Requests.
    pub requests: u64,
    /// The merged rate steps.
    pub steps: Vec<Step>,
    /// Client statuses.
    pub statuses: BTreeMap<u16, u64>,
    /// Share of its requests with an authorizer latency.
    pub authorized_share: f64,
}

/// Everything `fit` found.
#[derive(Debug, Clone)]
pub struct Fit {
    /// The log kind.
    pub kind: Kind,
    /// Per file.
    pub files: Vec<FileSummary>,
    /// The first [`MALFORMED_SHOWN`] malformed lines.
    pub malformed: Vec<Malformed>,
    /// All malformed lines.
    pub malformed_total: u64,
    /// Entries read.
    pub records: u64,
    /// First arrival, whole epoch seconds.
    pub t0: i64,
    /// One past the last arrival's whole second.
    pub end: i64,
    /// The counting interval, s.
    pub interval_s: i64,
    /// Per target group (ALB) or route (API Gateway), by name.
    pub groups: Vec<GroupFit>,
    /// Per route, by key.
    pub routes: Vec<RouteFit>,
    /// API Gateway's own latency, pooled over routes.
    pub overhead: Option<DistFit>,
    /// The authorizer's latency, pooled over routes.
    pub authorizer: Option<DistFit>,
}

#[derive(Default)]
struct GroupAcc {
    requests: u64,
    targets: BTreeSet<String>,
    service: Vec<f64>,
    target_classes: [u64; 5],
    own: BTreeMap<u16, u64>,
    never_reached: u64,
}

#[derive(Default)]
struct RouteAcc {
    method: String,
    path: String,
    requests: u64,
    per_second: BTreeMap<i64, u64>,
    groups: BTreeMap<String, u64>,
    statuses: BTreeMap<u16, u64>,
    authorized: u64,
}

/// Most intervals a route's arrivals are counted in (a year in 1-minute intervals).
pub const MAX_INTERVALS: i64 = 527_040;

/// Timings in both log formats have millisecond resolution.
pub const RESOLUTION_MS: f64 = 1.0;

/// Reads every log and fits. Fails (exit 2) when a file cannot be read or holds no readable
/// entry, or `interval_s` is not positive.
pub fn fit(kind: Kind, logs: &[PathBuf], interval_s: i64) -> anyhow::Result<Fit> {
    anyhow::ensure!(
        interval_s > 0,
        "--interval-s must be at least 1 (got {interval_s})"
    );
    anyhow::ensure!(!logs.is_empty(), "no log files given");
    let parse: fn(&str) -> Result<Record, String> = match kind {
        Kind::Alb => alb_log::parse,
        Kind::Apigateway => apigw_log::parse,
    };
    let mut groups: BTreeMap<String, GroupAcc> = BTreeMap::new();
    let mut routes: BTreeMap<String, RouteAcc> = BTreeMap::new();
    let mut overhead = Vec::new();
    let mut authorizer = Vec::new();
    let mut files = Vec::new();
    let mut malformed = Vec::new();
    let mut malformed_total = 0;
    let (mut t0, mut last) = (i64::MAX, i64::MIN);
    for path in logs {
        let mut summary = FileSummary {
            file: path.clone(),
            records: 0,
            malformed: 0,
        };
        let mut first_errors: Vec<(usize, String)> = Vec::new();
        let mut lines = 0;
        input::for_each_line(path, |number, line| {
            lines = number;
            let result = match line {
                Ok(l) if l.trim().is_empty() => return,
                Ok(l) => parse(l),
                Err(e) => Err(e.to_string()),
            };
            match result {
                Ok(r) => {
                    summary.records += 1;
                    let sec = r.at_s.floor() as i64;
                    t0 = t0.min(sec);
                    last = last.max(sec);
                    add(&mut groups, &mut routes, &r, sec);
                    overhead.extend(r.overhead_ms);
                    authorizer.extend(r.authorizer_ms);
                }
                Err(reason) => {
                    summary.malformed += 1;
                    if first_errors.len() < 3 {
                        first_errors.push((number, reason.clone()));
                    }
                    if malformed.len() < MALFORMED_SHOWN {
                        malformed.push(Malformed {
                            file: path.clone(),
                            line: number,
                            reason,
                        });
                    }
                }
            }
        })?;
        if summary.records == 0 {
            let what = if lines == 0 || summary.malformed == 0 {
                "it is empty".to_string()
            } else {
                format!(
                    "all {} lines are malformed ({})",
                    summary.malformed,
                    first_errors
                        .iter()
                        .map(|(n, e)| format!("line {n}: {e}"))
                        .collect::<Vec<_>>()
                        .join("; ")
                )
            };
            anyhow::bail!(
                "{}: no readable {} access log entry: {what}",
                path.display(),
                kind.name()
            );
        }
        malformed_total += summary.malformed;
        files.push(summary);
    }
    let end = last + 1;
    let intervals = (end - t0) / interval_s;
    anyhow::ensure!(
        intervals <= MAX_INTERVALS,
        "the logs span {} s, {intervals} intervals of {interval_s} s; at most {MAX_INTERVALS} are counted: give a larger --interval-s",
        end - t0
    );
    let records = files.iter().map(|f| f.records).sum();
    let groups = groups
        .into_iter()
        .map(|(name, g)| GroupFit {
            name,
            requests: g.requests,
            targets: g.targets.len(),
            service: estimate::fit_dist(g.service, RESOLUTION_MS),
            target_classes: g.target_classes,
            own: g.own,
            never_reached: g.never_reached,
        })
        .collect();
    let routes = routes
        .into_iter()
        .map(|(key, r)| {
            let group = r
                .groups
                .iter()
                .max_by_key(|(name, n)| (**n, std::cmp::Reverse(name.to_string())))
                .map(|(name, _)| name.clone());
            RouteFit {
                key,
                method: r.method,
                path: r.path,
                group,
                requests: r.requests,
                steps: profile::merge(profile::bins(&r.per_second, t0, end, interval_s)),
                statuses: r.statuses,
                authorized_share: r.authorized as f64 / r.requests as f64,
            }
        })
        .collect();
    Ok(Fit {
        kind,
        files,
        malformed,
        malformed_total,
        records,
        t0,
        end,
        interval_s,
        groups,
        routes,
        overhead: estimate::fit_dist(overhead, RESOLUTION_MS),
        authorizer: estimate::fit_dist(authorizer, RESOLUTION_MS),
    })
}

fn add(
    groups: &mut BTreeMap<String, GroupAcc>,
    routes: &mut BTreeMap<String, RouteAcc>,
    r: &Record,
    sec: i64,
) {
    let route = routes.entry(r.route.clone()).or_insert_with(|| RouteAcc {
        method: r.method.clone(),
        path: r.path.clone(),
        ..RouteAcc::default()
    });
    route.requests += 1;
    *route.per_second.entry(sec).or_default() += 1;
    *route.statuses.entry(r.status).or_default() += 1;
    route.authorized += u64::from(r.authorizer_ms.is_some());
    let Some(name) = &r.group else {
        return;
    };
    *route.groups.entry(name.clone()).or_default() += 1;
    let g = groups.entry(name.clone()).or_default();
    g.requests += 1;
    if let Some(t) = &r.target
        && !g.targets.contains(t)
    {
        g.targets.insert(t.clone());
    }
    match r.target_status {
        Some(s) => g.target_classes[usize::from(s / 100 - 1).min(4)] += 1,
        None => *g.own.entry(r.status).or_default() += 1,
    }
    g.never_reached += u64::from(r.never_reached);
    g.service.extend(r.service_ms);
}

/// Where an empirical fallback's samples go: beside the output file, else beside the scenario
/// merged into, else the current folder.
pub fn samples_dir(out: Option<&Path>, into: Option<&Path>) -> PathBuf {
    out.or(into)
        .and_then(Path::parent)
        .map(|p| {
            if p.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                p.to_path_buf()
            }
        })
        .unwrap_or_else(|| PathBuf::from("."))
}

/// `simroute fit`.
#[derive(clap::Args, Debug)]
pub struct FitArgs {
    /// Which logs: ALB access logs or API Gateway JSON access logs.
    #[arg(value_enum)]
    kind: Kind,
    /// Log files, plain or gzip-compressed.
    #[arg(required = true, value_name = "LOG")]
    logs: Vec<PathBuf>,
    /// Write the scenario here (and print the table on stdout) instead of printing the scenario
    /// on stdout (and the table on stderr).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Merge the fitted values into this scenario (its comments and layout stay) instead of
    /// writing a new one.
    #[arg(long, value_name = "SCENARIO")]
    into: Option<PathBuf>,
    /// Width of the intervals arrivals are counted in, seconds.
    #[arg(long, default_value_t = 60)]
    interval_s: i64,
}

/// Runs `simroute fit`: fit, write the empirical samples, check the scenario as `simroute
/// validate` would, then write or print it and print the table.
pub fn run(args: &FitArgs) -> anyhow::Result<ExitCode> {
    let fit = fit(args.kind, &args.logs, args.interval_s)?;
    let dir = samples_dir(args.out.as_deref(), args.into.as_deref());
    let stem = args
        .out
        .as_deref()
        .or(args.into.as_deref())
        .and_then(Path::file_stem)
        .map_or_else(
            || format!("fitted-{}", args.kind.name()),
            |s| s.to_string_lossy().into_owned(),
        );
    let emitted = match &args.into {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("--into: cannot read {}", path.display()))?;
            emit::merge_into(&fit, &text, &dir, &stem)?
        }
        None => emit::standalone(&fit, &emit::slug(&stem), &dir, &stem),
    };
    for (path, csv) in &emitted.samples {
        std::fs::write(path, csv)
            .with_context(|| format!("writing empirical samples to {}", path.display()))?;
    }
    crate::scenario::load_str(&emitted.toml, &dir, &[])
        .map_err(|e| anyhow::anyhow!("the fitted scenario does not validate: {e}"))?;
    let mut table = report::render(&fit);
    if !emitted.notes.is_empty() {
        table.push_str("\nnotes:\n");
        for n in &emitted.notes {
            table.push_str(&format!("  {n}\n"));
        }
    }
    for (path, _) in &emitted.samples {
        table.push_str(&format!(
            "empirical samples written to {}\n",
            path.display()
        ));
    }
    match &args.out {
        Some(path) => {
            std::fs::write(path, &emitted.toml)
                .with_context(|| format!("writing {}", path.display()))?;
            print!("{table}");
            eprintln!("scenario written to {}", path.display());
        }
        None => {
            print!("{}", emitted.toml);
            eprint!("{table}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_patterns() {
        assert_eq!(route_pattern("/pets/42"), "/pets/{id}");
        assert_eq!(
            route_pattern("/pets/3fa85f64-5717-4562-b3fc-2c963f66afa6/toys"),
            "/pets/{id}/toys"
        );
        assert_eq!(route_pattern("/objects/5f1c2b3a4d5e6f70"), "/objects/{id}");
        assert_eq!(route_pattern("/pets/dog"), "/pets/dog");
        assert_eq!(route_pattern("/pets/{id}"), "/pets/{id}");
        assert_eq!(route_pattern("/"), "/");
        assert_eq!(route_pattern("-"), "-");
    }
}
