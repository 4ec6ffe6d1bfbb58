//! `[slo]`: the thresholds a run's figures are held to.

use super::super::SloCheck;
use super::super::error::{ScenarioError, join_path};
use super::super::schema::RawSlo;
use crate::vocab::SloMetric;

/// Checks `[slo]`: every threshold 0 or more, the error rate a fraction.
pub(super) fn resolve(raw: Option<&RawSlo>) -> Result<Vec<SloCheck>, ScenarioError> {
    let mut slo = Vec::new();
    let Some(s) = raw else { return Ok(slo) };
    for (metric, value) in [
        (SloMetric::MeanMs, s.mean_ms),
        (SloMetric::P50Ms, s.p50_ms),
        (SloMetric::P99Ms, s.p99_ms),
        (SloMetric::P999Ms, s.p999_ms),
        (SloMetric::ErrorRate, s.error_rate),
        (SloMetric::MinThroughputRps, s.min_throughput_rps),
    ] {
        let Some(threshold) = value else { continue };
        let path = join_path("slo", metric.name());
        if !(threshold >= 0.0 && threshold.is_finite()) {
            return Err(ScenarioError::at(
                path,
                format!("must be 0 or more (got {threshold})"),
            ));
        }
        if metric == SloMetric::ErrorRate && threshold > 1.0 {
            return Err(ScenarioError::at(
                path,
                format!("is a fraction from 0 to 1 (got {threshold})"),
            ));
        }
        slo.push(SloCheck { metric, threshold });
    }
    Ok(slo)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slo(text: &str) -> Result<Vec<SloCheck>, ScenarioError> {
        resolve(Some(&toml::from_str(text).unwrap()))
    }

    #[test]
    fn thresholds_left_out_are_not_checked() {
        assert!(resolve(None).unwrap().is_empty());
        let checks = slo("p99_ms = 50\nerror_rate = 0.01").unwrap();
        assert_eq!(checks.len(), 2);
    }

    #[test]
    fn range_errors_name_the_field() {
        assert_eq!(slo("p99_ms = -1").unwrap_err().path, "slo.p99_ms");
        assert_eq!(slo("error_rate = 2").unwrap_err().path, "slo.error_rate");
    }
}
