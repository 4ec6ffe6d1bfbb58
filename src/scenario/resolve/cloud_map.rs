//! `target_groups.<name>.cloud_map`: the group's Cloud Map service (DNS TTL, health reporting,
//! `DiscoverInstances` filter and result limit).

use super::super::CloudMap;
use super::super::error::{ScenarioError, join_path};
use super::super::schema::{CloudMapHealth, RawCloudMap};
use super::check::span_s;

/// Checks a group's Cloud Map service.
pub(super) fn resolve(c: &RawCloudMap, path: &str) -> Result<CloudMap, ScenarioError> {
    let p = |f: &str| join_path(path, f);
    // Route 53 record TTLs are 0 to 2^31 - 1 s; a day is plenty for a simulation.
    if !(0.0..=86_400.0).contains(&c.dns_ttl_s) {
        return Err(ScenarioError::at(
            p("dns_ttl_s"),
            format!("must be from 0 to 86400 s (got {})", c.dns_ttl_s),
        ));
    }
    if !(0.0..=3600.0).contains(&c.health_lag_s) {
        return Err(ScenarioError::at(
            p("health_lag_s"),
            format!("must be from 0 to 3600 s (got {})", c.health_lag_s),
        ));
    }
    if !(1..=1000).contains(&c.max_results) {
        return Err(ScenarioError::at(
            p("max_results"),
            format!("must be from 1 to 1000 (got {})", c.max_results),
        ));
    }
    Ok(CloudMap {
        dns_ttl: span_s(&p("dns_ttl_s"), c.dns_ttl_s)?,
        custom_health: c.health == CloudMapHealth::Custom,
        health_lag: span_s(&p("health_lag_s"), c.health_lag_s)?,
        filter: c.filter,
        max_results: c.max_results,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cloud_map(text: &str) -> Result<CloudMap, ScenarioError> {
        resolve(&toml::from_str(text).unwrap(), "target_groups.g.cloud_map")
    }

    #[test]
    fn defaults_are_route_53_and_discover_instances_ones() {
        let c = cloud_map("").unwrap();
        assert_eq!(c.dns_ttl, 60_000_000_000);
        assert_eq!(c.max_results, 100);
    }

    #[test]
    fn range_errors_name_the_field() {
        for (text, field) in [
            ("dns_ttl_s = 86401", "dns_ttl_s"),
            ("health_lag_s = -1", "health_lag_s"),
            ("max_results = 0", "max_results"),
        ] {
            let e = cloud_map(text).unwrap_err();
            assert_eq!(
                e.path,
                format!("target_groups.g.cloud_map.{field}"),
                "{text}"
            );
        }
    }

    #[test]
    fn ttls_below_the_clock_resolution_are_refused() {
        let e = cloud_map("dns_ttl_s = 1e-300").unwrap_err();
        assert_eq!(e.path, "target_groups.g.cloud_map.dns_ttl_s");
    }
}
