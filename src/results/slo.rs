//! `[slo]` checks against the merged figures. A miss makes `simroute run` exit with 1.

use super::summary::{Figures, Leaf, SloCheckResult, SloVerdict, Traffic};
use crate::scenario::{SloCheck, SloScope};

/// The figures a check in `scope` reads, with the route's or group's name; `None` when the
/// figures have no such route or group.
pub fn scoped<C>(
    figures: &Figures<C>,
    scope: SloScope,
) -> Option<(Option<&str>, Option<&str>, &Traffic<C>)> {
    match scope {
        SloScope::Run => Some((None, None, &figures.traffic)),
        SloScope::Route(r) => figures
            .routes
            .get_index(r as usize)
            .map(|(name, t)| (Some(name.as_str()), None, t)),
        SloScope::Group(g) => figures
            .target_groups
            .get_index(g as usize)
            .map(|(name, grp)| (None, Some(name.as_str()), &grp.traffic)),
    }
}

/// A check as labelled in reports: `p99_ms`, `p99_ms (route ANY /bags)`,
/// `p99_ms (target group bags)`.
pub fn label<C>(figures: &Figures<C>, check: &SloCheck) -> String {
    let name = check.metric.name();
    match scoped(figures, check.scope) {
        Some((Some(r), _, _)) => format!("{name} (route {r})"),
        Some((None, Some(g), _)) => format!("{name} (target group {g})"),
        _ => name.to_string(),
    }
}

/// The `slo` object of `summary.json` (`passed`, `checks`), or `None` without `[slo]`.
/// A figure that is undefined (no successful request) fails its check.
pub fn evaluate<C>(checks: &[SloCheck], figures: &Figures<C>) -> Option<SloVerdict> {
    if checks.is_empty() {
        return None;
    }
    let checks: Vec<SloCheckResult> = checks
        .iter()
        .map(|c| {
            let found = scoped(figures, c.scope);
            let actual = found.and_then(|(_, _, t)| t.figure(c.metric).value());
            SloCheckResult {
                metric: c.metric,
                route: found.and_then(|(r, _, _)| r.map(str::to_string)),
                target_group: found.and_then(|(_, g, _)| g.map(str::to_string)),
                threshold: c.threshold,
                actual,
                passed: actual.is_some_and(|a| c.metric.passes(a, c.threshold)),
            }
        })
        .collect();
    Some(SloVerdict {
        passed: checks.iter().all(|c| c.passed),
        checks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::summary::Count;
    use crate::vocab::SloMetric;

    #[test]
    fn checks_pass_and_fail_by_direction() {
        let mut figures: Figures<Count> = serde_json::from_str(
            r#"{"requests": {"offered": 1, "attempts": 1, "completed": 1, "ok": 1, "failed": 0,
                "failures": {"throttled_429": 0, "unauthorized_401": 0, "forbidden_403": 0,
                "not_found_404": 0, "internal_error_500": 0, "bad_gateway_502": 0,
                "unavailable_503": 0, "gateway_timeout_504": 0, "client_timeout": 0,
                "bad_request_400": 0, "connection_closed": 0}},
                "throughput_rps": 50.0, "error_rate": 0.01,
                "latency_ms": {"mean": null, "p50": 1, "p90": 1, "p99": 120.0, "p999": 1, "max": 1},
                "latency_all_ms": {"mean": null, "p50": 1, "p90": 1, "p99": 1, "p999": 1, "max": 1},
                "stages": {}, "routes": {}, "target_groups": {},
                "little": {"in_system_mean": 1, "arrival_rate_rps": 1, "response_mean_ms": 1}}"#,
        )
        .unwrap();
        let checks = [
            SloCheck {
                metric: SloMetric::P99Ms,
                threshold: 250.0,
                scope: SloScope::Run,
            },
            SloCheck {
                metric: SloMetric::MinThroughputRps,
                threshold: 40.0,
                scope: SloScope::Run,
            },
        ];
        assert!(evaluate(&checks, &figures).unwrap().passed);
        let failing = [SloCheck {
            metric: SloMetric::ErrorRate,
            threshold: 0.001,
            scope: SloScope::Run,
        }];
        assert!(!evaluate(&failing, &figures).unwrap().passed);
        let undefined = [SloCheck {
            metric: SloMetric::MeanMs,
            threshold: 1.0,
            scope: SloScope::Run,
        }];
        let v = evaluate(&undefined, &figures).unwrap();
        assert!(!v.passed && v.checks[0].actual.is_none());
        assert!(evaluate(&[], &figures).is_none());
        figures.traffic.latency_ms.p99 = Some(300.0);
        assert!(!evaluate(&checks, &figures).unwrap().passed);
    }
}
