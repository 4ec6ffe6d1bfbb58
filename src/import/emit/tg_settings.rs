//! A target group's own settings: the balancing algorithm, automatic target weights, slow start,
//! deregistration delay, connection termination, cross-zone, and its `health_check` (always on
//! for ECS targets), each clamped to what ELB allows.

use super::super::infra::*;
use super::writer::{Note, Writer, from, n, s};

/// The target group's fields of `[target_groups.NAME]` and its `health_check`.
pub(super) fn write_tg_settings(
    w: &mut Writer,
    path: &str,
    tg: &TargetGroup,
    lb: Option<&LoadBalancer>,
    not_imported: &mut Vec<String>,
) {
    let alb = lb.is_some_and(|l| l.kind == LbKind::Alb);
    write_balancing(w, path, tg, not_imported);
    if let Some(d) = tg.dereg_delay_s {
        w.kv(path, "deregistration_delay_s", n(d), from(&tg.prov));
    }
    if let Some(ct) = tg.connection_termination
        && !alb
    {
        w.kv(
            path,
            "connection_termination",
            ct.to_string(),
            from(&tg.prov),
        );
    }
    if let Some(cz) = tg.cross_zone.as_deref()
        && lb.is_some()
        && (cz == "true" || cz == "false")
    {
        w.kv(path, "cross_zone", cz.to_string(), from(&tg.prov));
    } else if let Some(l) = lb
        && let Some(cz) = l.cross_zone
    {
        w.kv(path, "cross_zone", cz.to_string(), from(&l.prov));
    }
    if tg.stickiness == Some(true) {
        not_imported.push(format!("{}: stickiness is not modelled", tg.prov));
    }
    write_health_check(w, path, tg, alb, not_imported);
}

/// `algorithm` (anomaly mitigation means weighted random with automatic target weights) and
/// `slow_start_s`, which ALB does not allow with least outstanding requests.
fn write_balancing(w: &mut Writer, path: &str, tg: &TargetGroup, not_imported: &mut Vec<String>) {
    let mut algorithm = tg.algorithm.as_deref().map(|a| match a {
        "least_outstanding_requests" => "least_outstanding",
        "weighted_random" => "weighted_random",
        _ => "round_robin",
    });
    if tg.anomaly_mitigation == Some(true) {
        algorithm = Some("weighted_random");
    }
    if let Some(a) = algorithm {
        w.kv(path, "algorithm", s(a), from(&tg.prov));
    }
    if tg.anomaly_mitigation == Some(true) {
        w.kv(
            path,
            "automatic_target_weights",
            "true".into(),
            from(&tg.prov),
        );
    }
    if let Some(ss) = tg.slow_start_s
        && ss > 0.0
    {
        if algorithm == Some("least_outstanding") {
            not_imported.push(format!(
                "{}: slow start with least outstanding requests is not allowed by ALB; left out",
                tg.prov
            ));
        } else {
            w.kv(
                path,
                "slow_start_s",
                n(ss.clamp(30.0, 900.0)),
                from(&tg.prov),
            );
        }
    }
}

/// `health_check`: protocol (HTTP behind an ALB or for an HTTP target group), interval,
/// timeout (never longer than the interval) and thresholds.
fn write_health_check(
    w: &mut Writer,
    path: &str,
    tg: &TargetGroup,
    alb: bool,
    not_imported: &mut Vec<String>,
) {
    let h = &tg.health;
    let hpath = format!("{path}.health_check");
    w.section(&format!("[{hpath}]"));
    let tg_http = matches!(tg.protocol.as_deref(), Some("HTTP" | "HTTPS"));
    let proto = match h.protocol.as_deref() {
        Some("HTTP" | "HTTPS") => Some("http"),
        Some(_) if alb => Some("http"),
        Some(_) => Some("tcp"),
        None if alb || tg_http => Some("http"),
        None => None,
    };
    if h.protocol.as_deref() == Some("HTTPS") {
        not_imported.push(format!(
            "{}: HTTPS health checks are modelled as HTTP ones",
            tg.prov
        ));
    }
    match (proto, &h.protocol) {
        (Some(p), Some(_)) => w.kv(&hpath, "protocol", s(p), from(&tg.prov)),
        (Some(p), None) => w.kv(
            &hpath,
            "protocol",
            s(p),
            Note::Plain(format!("{}: the default for its protocol", tg.prov)),
        ),
        _ => {}
    }
    let interval = h.interval_s.map(|v| v.clamp(5.0, 300.0));
    if let Some(v) = interval {
        w.kv(&hpath, "interval_s", n(v), from(&tg.prov));
    }
    write_check_timeout(w, &hpath, tg, proto, interval, alb);
    for (key, value) in [
        ("healthy_threshold", h.healthy),
        ("unhealthy_threshold", h.unhealthy),
    ] {
        if let Some(v) = value {
            w.kv(&hpath, key, n(v.clamp(2.0, 10.0)), from(&tg.prov));
        }
    }
    if proto.is_none()
        && interval.is_none()
        && h.timeout_s.is_none()
        && h.healthy.is_none()
        && h.unhealthy.is_none()
    {
        w.comment(&format!(
            "{}: no health check settings, so ELB's defaults (always on for ECS targets)",
            tg.prov
        ));
    }
}

/// `timeout_s`: the code's, within 2 s and the interval (at most 120 s); without one, the
/// interval when ELB's default timeout would be longer than it.
fn write_check_timeout(
    w: &mut Writer,
    hpath: &str,
    tg: &TargetGroup,
    proto: Option<&str>,
    interval: Option<f64>,
    alb: bool,
) {
    if let Some(v) = tg.health.timeout_s {
        let v = v.clamp(2.0, interval.unwrap_or(30.0).min(120.0));
        w.kv(hpath, "timeout_s", n(v), from(&tg.prov));
    } else if let Some(iv) = interval {
        // ELB's default timeout (10 s TCP, 6 s HTTP; 5 s behind an ALB) must not exceed the
        // interval.
        let default = match proto {
            Some("http") if alb => 5.0,
            Some("http") => 6.0,
            _ => 10.0,
        };
        if default > iv {
            w.kv(
                hpath,
                "timeout_s",
                n(iv),
                Note::Plain(format!(
                    "{}: the default timeout ({} s) is longer than the interval, so the interval",
                    tg.prov,
                    n(default)
                )),
            );
        }
    }
}
