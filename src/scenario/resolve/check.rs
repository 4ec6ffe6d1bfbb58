//! The checks every section shares: a positive number, a fraction, a point in the run, a
//! health-check threshold. Each names the field it is about in its error.

use std::path::Path;

use super::super::dist::{self, Dist};
use super::super::error::ScenarioError;
use super::super::schema::RawDist;

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
    fn shared_range_checks() {
        assert!(positive("p", 0.0).is_err() && positive("p", f64::INFINITY).is_err());
        assert!(fraction("f", 1.0).is_ok() && fraction("f", 1.1).is_err());
        assert!(non_negative_time("t", 10.0, 10.0).is_err());
        assert!(non_negative_time("t", 9.9, 10.0).is_ok());
        assert_eq!(threshold("h", None, 5).unwrap(), 5);
        assert!(threshold("h", Some(11), 5).is_err() && threshold("h", Some(1), 5).is_err());
    }
}
