//! The checks every section shares: a positive number, a fraction, a point in the run, a span of
//! time that the integer clock can hold, a count under its documented limit, a health-check
//! threshold. Each names the field it is about in its error.

use std::path::Path;

use super::super::dist::{self, Dist};
use super::super::error::ScenarioError;
use super::super::schema::RawDist;
use crate::engine::time::{Nanos, from_ms, from_secs};

/// The longest span any time field may hold, and the longest run: a year, in seconds. Simulated
/// time is integer nanoseconds (`u64`, about 584 years), so the run's clock plus any span stays
/// far from overflowing; a longer value is refused rather than wrapping the clock.
pub const MAX_SPAN_S: f64 = 365.0 * 86_400.0;

/// The highest request rate of one source (its `rate_rps` or a profile point) and of a throttle,
/// per second: 100 times API Gateway's default account quota (10,000 requests per second).
pub const MAX_RATE_RPS: f64 = 1_000_000.0;

/// The most targets a group may hold (its `targets`, autoscaling's `max_tasks`): ELB's quota of
/// targets per target group (1,000 for ALB and NLB).
pub const MAX_TARGETS: u32 = 1000;

/// The most clients, and keep-alive connections, of one source.
pub const MAX_CLIENTS: u32 = 1_000_000;

/// The most replications of one run.
pub const MAX_REPLICATIONS: u32 = 10_000;

/// `v` greater than 0 and finite.
pub fn positive(path: &str, v: f64) -> Result<f64, ScenarioError> {
    if v > 0.0 && v.is_finite() {
        Ok(v)
    } else {
        Err(ScenarioError::at(
            path,
            format!("must be greater than 0 (got {v})"),
        ))
    }
}

/// `v` from 0 to 1.
pub fn fraction(path: &str, v: f64) -> Result<f64, ScenarioError> {
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(ScenarioError::at(
            path,
            format!("is a fraction from 0 to 1 (got {v})"),
        ))
    }
}

/// A point in the run: 0 or more and before its end.
pub fn non_negative_time(path: &str, v: f64, duration_s: f64) -> Result<f64, ScenarioError> {
    if v >= 0.0 && v.is_finite() {
        if v >= duration_s {
            return Err(ScenarioError::at(
                path,
                format!("is at or after the end of the run ({duration_s} s) (got {v})"),
            ));
        }
        Ok(v)
    } else {
        Err(ScenarioError::at(
            path,
            format!("must be 0 or more (got {v})"),
        ))
    }
}

/// Checks that a span of `v` seconds (0 or more, already range-checked by its section) is one
/// the clock holds: at most [`MAX_SPAN_S`], and not positive but below 1 ns (which would round
/// to no time at all). Returns it in nanoseconds.
pub fn span_s(path: &str, v: f64) -> Result<Nanos, ScenarioError> {
    if !(v >= 0.0 && v.is_finite()) {
        return Err(ScenarioError::at(
            path,
            format!("must be 0 or more (got {v})"),
        ));
    }
    clock(path, v, from_secs(v), "s", MAX_SPAN_S)
}

/// [`span_s`] for a field in milliseconds.
pub fn span_ms(path: &str, v: f64) -> Result<Nanos, ScenarioError> {
    if !(v >= 0.0 && v.is_finite()) {
        return Err(ScenarioError::at(
            path,
            format!("must be 0 or more (got {v})"),
        ));
    }
    clock(path, v, from_ms(v), "ms", MAX_SPAN_S * 1000.0)
}

fn clock(path: &str, v: f64, nanos: Nanos, unit: &str, max: f64) -> Result<Nanos, ScenarioError> {
    if v > max {
        return Err(ScenarioError::at(
            path,
            format!(
                "must be at most {max} {unit} (a year; simulated time is whole nanoseconds) (got {})",
                shown(v)
            ),
        ));
    }
    if v > 0.0 && nanos == 0 {
        return Err(ScenarioError::at(
            path,
            format!(
                "is below the clock's resolution of 1 ns (got {} {unit})",
                shown(v)
            ),
        ));
    }
    Ok(nanos)
}

/// `v` as a user reads it: very large and very small values in exponent form (`1e308`, not
/// 309 digits).
fn shown(v: f64) -> String {
    if v != 0.0 && !(1e-3..1e12).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// A rate per second: greater than 0 and at most [`MAX_RATE_RPS`].
pub fn rate(path: &str, v: f64) -> Result<f64, ScenarioError> {
    positive(path, v)?;
    at_most_rate(path, v)
}

/// A rate that may be 0 (a profile point): at most [`MAX_RATE_RPS`].
pub fn at_most_rate(path: &str, v: f64) -> Result<f64, ScenarioError> {
    if v > MAX_RATE_RPS {
        return Err(ScenarioError::at(
            path,
            format!(
                "must be at most {MAX_RATE_RPS} per second (got {})",
                shown(v)
            ),
        ));
    }
    Ok(v)
}

/// A count from 1 to `max`, the documented limit named by `limit`.
pub fn count(path: &str, v: u32, max: u32, limit: &str) -> Result<u32, ScenarioError> {
    if v == 0 {
        return Err(ScenarioError::at(path, "must be at least 1"));
    }
    if v > max {
        return Err(ScenarioError::at(
            path,
            format!("must be at most {max} ({limit}) (got {v})"),
        ));
    }
    Ok(v)
}

/// A health-check threshold: `v`, or `default` when left out, from 2 to 10 (ELB and ECS).
pub fn threshold(path: &str, v: Option<u32>, default: u32) -> Result<u32, ScenarioError> {
    let v = v.unwrap_or(default);
    if (2..=10).contains(&v) {
        Ok(v)
    } else {
        Err(ScenarioError::at(
            path,
            format!("must be from 2 to 10 (got {v})"),
        ))
    }
}

/// A latency that may be left out (zero).
pub fn optional_dist(
    raw: Option<&RawDist>,
    path: &str,
    base_dir: &Path,
) -> Result<Dist, ScenarioError> {
    raw.map_or(Ok(Dist::zero()), |d| dist::build(d, path, base_dir))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_the_clock_cannot_hold_are_refused_by_name() {
        assert_eq!(span_s("a.b", 1.5).unwrap(), 1_500_000_000);
        assert_eq!(span_s("a.b", 0.0).unwrap(), 0);
        for bad in [1e-300, 1e-10, 1e15, 1e308, f64::INFINITY, f64::NAN, -1.0] {
            let e = span_s("x.timeout_s", bad).unwrap_err();
            assert_eq!(e.path, "x.timeout_s", "{bad}: {e}");
        }
        assert!(span_s("a", MAX_SPAN_S).is_ok());
        assert!(span_ms("a", 1e-7).is_err());
        assert_eq!(span_ms("a", 1e-6).unwrap(), 1);
        assert!(span_ms("a", MAX_SPAN_S * 1000.0 * 2.0).is_err());
    }

    #[test]
    fn rates_past_the_limit_are_refused() {
        assert_eq!(rate("t.rate_rps", 1e6).unwrap(), 1e6);
        for bad in [0.0, -1.0, 1e15, 1e308, f64::NAN] {
            assert_eq!(
                rate("t.rate_rps", bad).unwrap_err().path,
                "t.rate_rps",
                "{bad}"
            );
        }
        assert!(at_most_rate("p", 0.0).is_ok() && at_most_rate("p", 4_294_967_295.0).is_err());
    }

    #[test]
    fn extreme_values_are_shown_short() {
        assert_eq!(shown(1e308), "1e308");
        assert_eq!(shown(1e-300), "1e-300");
        assert_eq!(shown(2.5), "2.5");
        let e = span_s("t", 1e308).unwrap_err();
        assert!(e.message.ends_with("(got 1e308)"), "{e}");
    }

    #[test]
    fn counts_name_their_limit() {
        assert_eq!(count("g.targets", 3, 10, "the limit").unwrap(), 3);
        assert!(
            count("g.targets", 0, 10, "x")
                .unwrap_err()
                .message
                .contains("at least 1")
        );
        let e = count("g.targets", 4_294_967_295, 1000, "targets per target group").unwrap_err();
        assert!(e.message.contains("1000 (targets per target group)"), "{e}");
    }

    #[test]
    fn shared_range_checks() {
        assert!(positive("p", 0.0).is_err() && positive("p", f64::INFINITY).is_err());
        assert!(fraction("f", 1.0).is_ok() && fraction("f", 1.1).is_err());
        assert!(non_negative_time("t", 10.0, 10.0).is_err());
        assert!(non_negative_time("t", 9.9, 10.0).is_ok());
        assert_eq!(threshold("h", None, 5).unwrap(), 5);
        assert!(threshold("h", Some(11), 5).is_err() && threshold("h", Some(1), 5).is_err());
    }
}
