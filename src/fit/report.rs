//! The table `simroute fit` prints: per group the fitted parameters with their 95% intervals
//! and the KS distance, the status mix, and per route the rate steps.

use std::fmt::Write;

use super::estimate::{Choice, DistFit, Estimate};
use super::{Fit, GroupFit, Kind, RouteFit, input::format_utc};

/// A number to 4 significant digits, as the report and the scenario write it.
pub fn sig(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let digits = 4 - 1 - x.abs().log10().floor() as i32;
    let scale = 10f64.powi(digits);
    (x * scale).round() / scale
}

fn est(e: &Estimate) -> String {
    format!("{} [{}, {}]", sig(e.value), sig(e.lo), sig(e.hi))
}

/// One line per candidate fit, the chosen one first and marked.
fn dist_lines(out: &mut String, label: &str, f: &DistFit) {
    let _ = writeln!(
        out,
        "  {label}: n = {}{}, median {} ms; fit: {}",
        f.n,
        if f.zeros > 0 {
            format!(" ({} below 0.5 ms)", f.zeros)
        } else {
            String::new()
        },
        est(&f.median),
        match f.choice {
            Choice::LogNormal => "lognormal",
            Choice::Gamma => "gamma",
            Choice::Empirical => "empirical (neither family is within the KS limit)",
        }
    );
    let limit = f.threshold;
    let mark = |c: Choice| if f.choice == c { "*" } else { " " };
    if let Some((l, d)) = &f.lognormal {
        let _ = writeln!(
            out,
            "   {} lognormal  median_ms {}  sigma {}  KS D {:.4} (limit {:.4})",
            mark(Choice::LogNormal),
            est(&l.median_ms),
            est(&l.sigma_ci),
            d,
            limit
        );
    }
    if let Some((g, d)) = &f.gamma {
        let _ = writeln!(
            out,
            "   {} gamma      mean_ms {}  shape {}  KS D {:.4} (limit {:.4})",
            mark(Choice::Gamma),
            est(&g.mean_ms),
            est(&g.shape),
            d,
            limit
        );
    }
}

/// The whole report.
pub fn render(fit: &Fit) -> String {
    let mut out = String::new();
    write_header(&mut out, fit);
    for g in &fit.groups {
        write_group(&mut out, fit, g);
    }
    if let Some(f) = &fit.overhead {
        let _ = writeln!(out, "\ngateway");
        dist_lines(
            &mut out,
            "overhead (responseLatency − integrationLatency)",
            f,
        );
    }
    if let Some(f) = &fit.authorizer {
        if fit.overhead.is_none() {
            let _ = writeln!(out, "\ngateway");
        }
        dist_lines(&mut out, "authorizer latency", f);
    }
    for r in &fit.routes {
        write_route(&mut out, fit, r);
    }
    out
}

/// The first line (what was read, over which span) and the malformed lines.
fn write_header(out: &mut String, fit: &Fit) {
    let _ = writeln!(
        out,
        "simroute fit {}: {} entries from {} file{}, {} to {} ({} s); intervals of {} s; 95% intervals in brackets",
        fit.kind.name(),
        fit.records,
        fit.files.len(),
        if fit.files.len() == 1 { "" } else { "s" },
        format_utc(fit.t0),
        format_utc(fit.end),
        fit.end - fit.t0,
        fit.interval_s
    );
    if fit.malformed_total > 0 {
        let _ = writeln!(out, "malformed lines: {} (skipped)", fit.malformed_total);
        for m in &fit.malformed {
            let _ = writeln!(out, "  {}:{}: {}", m.file.display(), m.line, m.reason);
        }
        if fit.malformed_total > fit.malformed.len() as u64 {
            let _ = writeln!(
                out,
                "  … and {} more",
                fit.malformed_total - fit.malformed.len() as u64
            );
        }
    }
}

/// One target group (ALB) or route (API Gateway): its requests, fitted service time and answers.
fn write_group(out: &mut String, fit: &Fit, g: &GroupFit) {
    let (service, what) = match fit.kind {
        Kind::Alb => ("target group", "service (target_processing_time)"),
        Kind::Apigateway => ("route", "integration latency"),
    };
    let _ = writeln!(
        out,
        "\n{service} {}: {} requests{}",
        g.name,
        g.requests,
        if fit.kind == Kind::Alb {
            format!(", {} targets", g.targets)
        } else {
            String::new()
        }
    );
    match &g.service {
        Some(f) => dist_lines(out, what, f),
        None => {
            let _ = writeln!(out, "  {what}: no request reached a target; not fitted");
        }
    }
    let classes: Vec<String> = g
        .target_classes
        .iter()
        .enumerate()
        .filter(|(_, n)| **n > 0)
        .map(|(i, n)| format!("{}xx {n}", i + 1))
        .collect();
    let _ = writeln!(
        out,
        "  answered by the {}: {} (5xx share {:.4})",
        if fit.kind == Kind::Alb {
            "targets"
        } else {
            "integration"
        },
        if classes.is_empty() {
            "none".to_string()
        } else {
            classes.join(", ")
        },
        g.error_rate()
    );
    if !g.own.is_empty() {
        let own: Vec<String> = g.own.iter().map(|(s, n)| format!("{s} ×{n}")).collect();
        let _ = writeln!(
            out,
            "  answered by the {} itself: {}",
            if fit.kind == Kind::Alb {
                "ALB"
            } else {
                "gateway"
            },
            own.join(", ")
        );
    }
    if fit.kind == Kind::Alb && g.never_reached > 0 {
        let _ = writeln!(
            out,
            "  never reached a target (-1 processing times): {} (counted, not fitted)",
            g.never_reached
        );
    }
}

/// One route's arrival steps: statuses, authorized share and each step's rate.
fn write_route(out: &mut String, fit: &Fit, r: &RouteFit) {
    let _ = writeln!(
        out,
        "\nroute {}{}: {} requests, {} step{}",
        r.key,
        match (&r.group, fit.kind) {
            (Some(g), Kind::Alb) => format!(" → {g}"),
            (None, Kind::Alb) => " (no target group)".to_string(),
            _ => String::new(),
        },
        r.requests,
        r.steps.len(),
        if r.steps.len() == 1 { "" } else { "s" }
    );
    let statuses: Vec<String> = r
        .statuses
        .iter()
        .map(|(s, n)| format!("{s} ×{n}"))
        .collect();
    let _ = writeln!(out, "  statuses: {}", statuses.join(", "));
    if r.authorized_share > 0.0 {
        let _ = writeln!(
            out,
            "  with an authorizer latency: {:.1}%",
            r.authorized_share * 100.0
        );
    }
    let _ = writeln!(
        out,
        "  {:>8}  {:>8}  {:>9}  95% interval",
        "at_s", "width_s", "rate_rps"
    );
    for s in &r.steps {
        let (lo, hi) = s.rate_ci();
        let _ = writeln!(
            out,
            "  {:>8}  {:>8}  {:>9}  [{}, {}]",
            s.start_s,
            s.width_s,
            sig(s.rate()),
            sig(lo),
            sig(hi)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_significant_digits() {
        assert_eq!(sig(35.0249), 35.02);
        assert_eq!(sig(0.600_51), 0.6005);
        assert_eq!(sig(1234.5), 1235.0);
        assert_eq!(sig(0.0), 0.0);
    }
}
