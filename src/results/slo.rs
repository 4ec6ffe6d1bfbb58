//! `[slo]` checks against the merged figures. A miss makes `simroute run` exit with 1.

use serde_json::{Value, json};

use super::summary::lookup;
use crate::scenario::SloCheck;
use crate::vocab::SloMetric;

/// Where each metric lives in the figure tree.
pub fn figure_path(metric: SloMetric) -> &'static str {
    match metric {
        SloMetric::MeanMs => "latency_ms.mean",
        SloMetric::P50Ms => "latency_ms.p50",
        SloMetric::P99Ms => "latency_ms.p99",
        SloMetric::P999Ms => "latency_ms.p999",
        SloMetric::ErrorRate => "error_rate",
        SloMetric::MinThroughputRps => "throughput_rps",
    }
}

/// The `slo` object of `summary.json` (`passed`, `checks`), or `None` without `[slo]`.
/// A figure that is undefined (no successful request) fails its check.
pub fn evaluate(checks: &[SloCheck], figures: &Value) -> Option<Value> {
    if checks.is_empty() {
        return None;
    }
    let mut all = true;
    let rows: Vec<Value> = checks
        .iter()
        .map(|c| {
            let actual = lookup(figures, figure_path(c.metric)).and_then(Value::as_f64);
            let passed = actual.is_some_and(|a| c.metric.passes(a, c.threshold));
            all &= passed;
            json!({
                "metric": c.metric.name(),
                "threshold": c.threshold,
                "actual": actual,
                "passed": passed,
            })
        })
        .collect();
    Some(json!({ "passed": all, "checks": rows }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_pass_and_fail_by_direction() {
        let figures = json!({"latency_ms": {"p99": 120.0, "mean": null}, "error_rate": 0.01, "throughput_rps": 50.0});
        let checks = [
            SloCheck {
                metric: SloMetric::P99Ms,
                threshold: 250.0,
            },
            SloCheck {
                metric: SloMetric::MinThroughputRps,
                threshold: 40.0,
            },
        ];
        assert_eq!(evaluate(&checks, &figures).unwrap()["passed"], json!(true));
        let failing = [SloCheck {
            metric: SloMetric::ErrorRate,
            threshold: 0.001,
        }];
        assert_eq!(
            evaluate(&failing, &figures).unwrap()["passed"],
            json!(false)
        );
        let undefined = [SloCheck {
            metric: SloMetric::MeanMs,
            threshold: 1.0,
        }];
        assert_eq!(
            evaluate(&undefined, &figures).unwrap()["passed"],
            json!(false)
        );
        assert!(evaluate(&[], &figures).is_none());
    }
}
