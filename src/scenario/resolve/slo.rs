//! `[slo]`: the whole run's thresholds and those of `[[slo.route]]` and `[[slo.target_group]]`
//! entries, each checked for range and resolved to the figures it reads.

use super::super::error::{ScenarioError, join_path};
use super::super::schema::RawSlo;
use super::super::{SloCheck, SloScope};
use crate::vocab::SloMetric;

/// The checks of `[slo]`, in file order: the whole run's first, then each route entry's, then
/// each target group entry's.
pub(super) fn checks(
    raw: &RawSlo,
    route_names: &[String],
    group_names: &[&str],
) -> Result<Vec<SloCheck>, ScenarioError> {
    if raw.name.is_some() {
        return Err(ScenarioError::at(
            "slo.name",
            "only an entry of [[slo.route]] or [[slo.target_group]] has a name",
        ));
    }
    let mut out = thresholds(raw, "slo", SloScope::Run)?;
    let lists = [
        (
            "route",
            &raw.route,
            route_names.iter().map(String::as_str).collect::<Vec<_>>(),
        ),
        ("target_group", &raw.target_group, group_names.to_vec()),
    ];
    for (kind, entries, names) in lists {
        for (i, entry) in entries.iter().enumerate() {
            let path = join_path(&join_path("slo", kind), i);
            if !(entry.route.is_empty() && entry.target_group.is_empty()) {
                return Err(ScenarioError::at(
                    path,
                    "an entry cannot hold [[slo.route]] or [[slo.target_group]] entries",
                ));
            }
            let name = entry.name.as_deref().ok_or_else(|| {
                ScenarioError::at(
                    join_path(&path, "name"),
                    format!("names the {kind} checked"),
                )
            })?;
            let index = names.iter().position(|n| *n == name).ok_or_else(|| {
                ScenarioError::at(
                    join_path(&path, "name"),
                    format!("unknown {kind} {name:?} (defined: {})", names.join(", ")),
                )
            })? as u32;
            let scope = if kind == "route" {
                SloScope::Route(index)
            } else {
                SloScope::Group(index)
            };
            let checks = thresholds(entry, &path, scope)?;
            if checks.is_empty() {
                return Err(ScenarioError::at(path, "sets no threshold"));
            }
            out.extend(checks);
        }
    }
    Ok(out)
}

/// The thresholds one table sets, checked.
fn thresholds(s: &RawSlo, at: &str, scope: SloScope) -> Result<Vec<SloCheck>, ScenarioError> {
    let mut out = Vec::new();
    for (metric, value) in [
        (SloMetric::MeanMs, s.mean_ms),
        (SloMetric::P50Ms, s.p50_ms),
        (SloMetric::P99Ms, s.p99_ms),
        (SloMetric::P999Ms, s.p999_ms),
        (SloMetric::ErrorRate, s.error_rate),
        (SloMetric::MinThroughputRps, s.min_throughput_rps),
    ] {
        let Some(threshold) = value else { continue };
        let path = join_path(at, metric.name());
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
        out.push(SloCheck {
            metric,
            threshold,
            scope,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slo(text: &str) -> Result<Vec<SloCheck>, ScenarioError> {
        checks(
            &toml::from_str(text).unwrap(),
            &["GET /a".to_string()],
            &["bags"],
        )
    }

    #[test]
    fn thresholds_left_out_are_not_checked() {
        let checks = slo("p99_ms = 50\nerror_rate = 0.01").unwrap();
        assert_eq!(checks.len(), 2);
        assert!(checks.iter().all(|c| c.scope == SloScope::Run));
    }

    #[test]
    fn route_and_group_entries_resolve_to_their_index() {
        let checks =
            slo("[[route]]\nname = \"GET /a\"\np99_ms = 50\n[[target_group]]\nname = \"bags\"\nerror_rate = 0.1")
                .unwrap();
        assert_eq!(checks[0].scope, SloScope::Route(0));
        assert_eq!(checks[1].scope, SloScope::Group(0));
    }

    #[test]
    fn range_errors_name_the_field() {
        assert_eq!(slo("p99_ms = -1").unwrap_err().path, "slo.p99_ms");
        assert_eq!(slo("error_rate = 2").unwrap_err().path, "slo.error_rate");
        assert_eq!(
            slo("[[route]]\nname = \"GET /b\"\np99_ms = 1")
                .unwrap_err()
                .path,
            "slo.route.0.name"
        );
        assert_eq!(
            slo("[[target_group]]\nname = \"bags\"").unwrap_err().path,
            "slo.target_group.0"
        );
    }
}
