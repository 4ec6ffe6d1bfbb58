//! `target_groups.<name>.health_check`: ELB target group health checks. The defaults are the
//! load balancer type's (`HealthCheck::nlb_defaults`, `HealthCheck::alb_defaults`, with their
//! sources); the ranges are ELB's (interval 5–300 s, timeout 2–120 s, thresholds 2–10).

use super::super::HealthCheck;
use super::super::error::{ScenarioError, join_path};
use super::super::schema::RawHealthCheck;
use super::check::{count, span_s, threshold};
use crate::engine::time::{from_secs, to_secs};
use crate::vocab::HealthProtocol;

/// The most load balancer nodes that probe a target: one per zone, and a group has at most 26.
const MAX_NODES: u32 = 26;

/// Checks a group's health check; `zones` is the default number of probing nodes.
pub(super) fn resolve(
    hc: &RawHealthCheck,
    path: &str,
    zones: u32,
    behind_alb: bool,
) -> Result<HealthCheck, ScenarioError> {
    let p = |f: &str| join_path(path, f);
    let d = if behind_alb {
        if hc.protocol == Some(HealthProtocol::Tcp) {
            return Err(ScenarioError::at(
                p("protocol"),
                "ALB health checks are HTTP (or HTTPS); TCP checks are NLB's",
            ));
        }
        HealthCheck::alb_defaults()
    } else {
        HealthCheck::nlb_defaults(hc.protocol.unwrap_or_default())
    };
    let interval = hc.interval_s.unwrap_or(to_secs(d.interval));
    if !(5.0..=300.0).contains(&interval) {
        return Err(ScenarioError::at(
            p("interval_s"),
            format!("must be from 5 to 300 s (got {interval})"),
        ));
    }
    let timeout = hc.timeout_s.unwrap_or(to_secs(d.timeout));
    if !(2.0..=120.0).contains(&timeout) {
        return Err(ScenarioError::at(
            p("timeout_s"),
            format!("must be from 2 to 120 s (got {timeout})"),
        ));
    }
    if timeout > interval {
        return Err(ScenarioError::at(
            p("timeout_s"),
            format!("must not exceed interval_s ({interval} s) (got {timeout})"),
        ));
    }
    let nodes = count(
        &p("nodes"),
        hc.nodes.unwrap_or(zones),
        MAX_NODES,
        "one load balancer node per zone, at most 26 zones",
    )?;
    let lag = hc.new_target_delay_s.unwrap_or(to_secs(d.new_target_delay));
    if !(lag >= 0.0 && lag.is_finite()) {
        return Err(ScenarioError::at(
            p("new_target_delay_s"),
            format!("must be 0 or more (got {lag})"),
        ));
    }
    Ok(HealthCheck {
        protocol: d.protocol,
        interval: from_secs(interval),
        timeout: from_secs(timeout),
        healthy_threshold: threshold(
            &p("healthy_threshold"),
            hc.healthy_threshold,
            d.healthy_threshold,
        )?,
        unhealthy_threshold: threshold(
            &p("unhealthy_threshold"),
            hc.unhealthy_threshold,
            d.unhealthy_threshold,
        )?,
        initial_passes: d.initial_passes,
        nodes,
        new_target_delay: span_s(&p("new_target_delay_s"), lag)?,
    })
}

/// Writes the resolved check into the raw group (creating it for a group behind a load
/// balancer that wrote none: its checks are on).
pub(super) fn fill(raw: &mut Option<RawHealthCheck>, resolved: &HealthCheck) {
    let hc = raw.get_or_insert_with(RawHealthCheck::default);
    hc.protocol = Some(resolved.protocol);
    hc.interval_s = Some(to_secs(resolved.interval));
    hc.timeout_s = Some(to_secs(resolved.timeout));
    hc.healthy_threshold = Some(resolved.healthy_threshold);
    hc.unhealthy_threshold = Some(resolved.unhealthy_threshold);
    hc.nodes = Some(resolved.nodes);
    hc.new_target_delay_s = Some(to_secs(resolved.new_target_delay));
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATH: &str = "target_groups.g.health_check";

    fn check(text: &str, behind_alb: bool) -> Result<HealthCheck, ScenarioError> {
        resolve(&toml::from_str(text).unwrap(), PATH, 2, behind_alb)
    }

    #[test]
    fn defaults_are_the_load_balancer_types() {
        assert_eq!(
            check("", true).unwrap(),
            HealthCheck {
                nodes: 2,
                ..HealthCheck::alb_defaults()
            }
        );
        assert_eq!(
            check("protocol = \"http\"", false).unwrap(),
            HealthCheck {
                nodes: 2,
                ..HealthCheck::nlb_defaults(HealthProtocol::Http)
            }
        );
        let mut raw = None;
        let resolved = check("", false).unwrap();
        fill(&mut raw, &resolved);
        let again = resolve(raw.as_ref().unwrap(), PATH, 7, false).unwrap();
        assert_eq!(
            again, resolved,
            "what fill writes resolves to the same check"
        );
    }

    #[test]
    fn range_errors_name_the_field() {
        for (text, field) in [
            ("interval_s = 4", "interval_s"),
            ("timeout_s = 121", "timeout_s"),
            ("interval_s = 5\ntimeout_s = 6", "timeout_s"),
            ("healthy_threshold = 11", "healthy_threshold"),
            ("unhealthy_threshold = 1", "unhealthy_threshold"),
            ("nodes = 0", "nodes"),
            ("new_target_delay_s = -1", "new_target_delay_s"),
            ("new_target_delay_s = 1e-300", "new_target_delay_s"),
            ("new_target_delay_s = 1e15", "new_target_delay_s"),
            ("nodes = 4294967295", "nodes"),
            ("interval_s = 1e-300", "interval_s"),
        ] {
            assert_eq!(
                check(text, false).unwrap_err().path,
                format!("{PATH}.{field}")
            );
        }
        assert_eq!(
            check("protocol = \"tcp\"", true).unwrap_err().path,
            format!("{PATH}.protocol")
        );
    }
}
