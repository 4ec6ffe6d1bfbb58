//! When replications stop: after the first `replications`, batches of [`BATCH`] more run until
//! the 95% half-width of every SLO figure (the whole run's p99 without an `[slo]`) is within
//! `precision` of its value, or `max_replications` ran. This is the relative-precision rule of
//! steady-state simulators such as JMT (the user sets a maximum relative error and a most
//! samples).
//!
//! The rule reads only the figures of replications `0..n`, merged in index order, at fixed
//! batch boundaries: replication `i` always uses seed stream `i`, so the count that runs, and
//! every figure, is the same for any thread count or machine speed.

use serde::{Deserialize, Serialize};

use super::slo;
use super::summary::{Count, Figures, HalfWidth};
use crate::scenario::{Scenario, SloCheck, SloScope};
use crate::vocab::SloMetric;

/// Replications added per round while the precision is not reached.
pub const BATCH: u32 = 4;

/// Why replications stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stopped {
    /// Every watched figure reached the precision.
    Precision,
    /// `max_replications` ran first.
    MaxReplications,
    /// The rule is off (`precision = 0`): exactly `replications` ran.
    Fixed,
}

/// The `precision` object of `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Precision {
    /// Relative 95% half-width asked for (0: off).
    pub target: f64,
    /// The widest relative half-width among the watched figures (`null`: fewer than two
    /// replications, or a figure defined in only one).
    pub reached: Option<f64>,
    /// Most replications allowed.
    pub max_replications: u32,
    /// Why they stopped.
    pub stopped: Stopped,
    /// The figures watched, labelled as in the SLO verdict.
    pub figures: Vec<String>,
    /// Intervals a reader should not trust: wider than their value, or replications that
    /// disagree by an order of magnitude (bimodal: e.g. one overloaded, one not).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// Replications whose largest value of a figure is this many times their smallest look
/// bimodal rather than scattered around one value.
pub const BIMODAL_RATIO: f64 = 10.0;

/// The warnings of [`Precision::warnings`] for the watched figures (and the whole run's p99
/// and error rate), from each replication's figures and their merge.
pub fn warnings(
    checks: &[SloCheck],
    per_replication: &[Figures<Count>],
    figures: &Figures<Count>,
    ci95: Option<&Figures<HalfWidth>>,
) -> Vec<String> {
    let mut all = checks.to_vec();
    for metric in [SloMetric::P99Ms, SloMetric::ErrorRate] {
        let run = SloCheck {
            metric,
            threshold: 0.0,
            scope: SloScope::Run,
        };
        if !all
            .iter()
            .any(|c| c.metric == metric && c.scope == SloScope::Run)
        {
            all.push(run);
        }
    }
    let value = |f: &Figures<Count>, c: &SloCheck| {
        slo::scoped(f, c.scope).and_then(|(_, _, t)| t.figure(c.metric))
    };
    let mut out = Vec::new();
    for c in &all {
        let label = slo::label(figures, c);
        let mean = value(figures, c);
        let half = ci95
            .and_then(|ci| slo::scoped(ci, c.scope))
            .and_then(|(_, _, t)| t.figure(c.metric));
        if let (Some(m), Some(h)) = (mean, half)
            && h > m.abs()
        {
            out.push(format!(
                "{label}: the 95% interval (± {h:.4}) is wider than the value ({m:.4}); \
                 read it as unknown, not as a range"
            ));
        }
        let values: Vec<f64> = per_replication.iter().filter_map(|f| value(f, c)).collect();
        let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = values.iter().copied().fold(0.0, f64::max);
        if values.len() >= 2 && lo > 0.0 && hi >= BIMODAL_RATIO * lo {
            out.push(format!(
                "{label}: one replication's value ({hi:.4}) is {:.0}× another's ({lo:.4}); \
                 the replications look bimodal (some overloaded, some not?), so their mean \
                 describes neither",
                hi / lo
            ));
        }
    }
    out
}

/// The figures the rule watches: the SLO checks' figures, else the whole run's p99.
pub fn watched(sc: &Scenario) -> Vec<SloCheck> {
    if sc.slo.is_empty() {
        vec![SloCheck {
            metric: SloMetric::P99Ms,
            threshold: 0.0,
            scope: SloScope::Run,
        }]
    } else {
        sc.slo.clone()
    }
}

/// The replications of the first round.
pub fn first_count(sc: &Scenario) -> u32 {
    if sc.precision > 0.0 {
        sc.replications.max(2).min(sc.max_replications)
    } else {
        sc.replications
    }
}

/// The widest relative half-width among the watched figures. A figure undefined in every
/// replication is left out (there is nothing to narrow); one without an interval, or with a
/// zero mean and a non-zero half-width, counts as infinitely wide.
pub fn reached(
    checks: &[SloCheck],
    figures: &Figures<Count>,
    ci95: Option<&Figures<HalfWidth>>,
) -> Option<f64> {
    let ci95 = ci95?;
    let mut widest: f64 = 0.0;
    for c in checks {
        let Some(mean) = slo::scoped(figures, c.scope).and_then(|(_, _, t)| t.figure(c.metric))
        else {
            continue;
        };
        let half = slo::scoped(ci95, c.scope).and_then(|(_, _, t)| t.figure(c.metric));
        let relative = match half {
            Some(0.0) => 0.0,
            Some(h) if mean != 0.0 => h / mean.abs(),
            _ => f64::INFINITY,
        };
        widest = widest.max(relative);
    }
    Some(widest)
}

/// After `ran` replications whose widest relative half-width is `reached`: the count to run
/// up to next, or why to stop.
pub fn next(sc: &Scenario, ran: u32, reached: Option<f64>) -> Result<u32, Stopped> {
    if sc.precision <= 0.0 {
        return Err(Stopped::Fixed);
    }
    if reached.is_some_and(|r| r <= sc.precision) {
        return Err(Stopped::Precision);
    }
    if ran >= sc.max_replications {
        return Err(Stopped::MaxReplications);
    }
    Ok((ran + BATCH).min(sc.max_replications))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::summary::{merge, testing};

    fn with(p99: f64, error_rate: f64) -> Figures<Count> {
        let mut f = testing::figures(Count::Exact(0));
        f.traffic.latency_ms.p99 = Some(p99);
        f.traffic.error_rate = Some(error_rate);
        f
    }

    #[test]
    fn relative_half_width_decides_and_zero_spread_is_precise() {
        let checks = watched_p99();
        let reps = [with(100.0, 0.0), with(102.0, 0.0), with(98.0, 0.0)];
        let (figures, ci) = merge(&reps);
        // sd 2, n 3: t(0.975, 2) = 4.303; half-width 4.303 × 2 / sqrt(3) = 4.97 on 100.
        let r = reached(&checks, &figures, ci.as_ref()).unwrap();
        assert!((r - 0.0497).abs() < 1e-3, "{r}");
        // An error rate of zero in every replication has nothing left to narrow.
        let zero = [SloCheck {
            metric: SloMetric::ErrorRate,
            threshold: 0.01,
            scope: SloScope::Run,
        }];
        assert_eq!(reached(&zero, &figures, ci.as_ref()), Some(0.0));
        // One replication: no interval yet.
        let (one, none) = merge(&reps[..1]);
        assert_eq!(reached(&checks, &one, none.as_ref()), None);
    }

    fn watched_p99() -> Vec<SloCheck> {
        vec![SloCheck {
            metric: SloMetric::P99Ms,
            threshold: 250.0,
            scope: SloScope::Run,
        }]
    }

    #[test]
    fn wide_and_bimodal_intervals_are_warned_of() {
        let checks = watched_p99();
        let calm = [with(100.0, 0.01), with(104.0, 0.011)];
        let (figures, ci) = merge(&calm);
        // p99 100 and 104: t(0.975, 1) × sd / sqrt 2 = 12.706 × 2 = 25.4 < 102; the error
        // rate 0.01 and 0.011 gives 6.4e-3 < 0.0105.
        assert!(warnings(&checks, &calm, &figures, ci.as_ref()).is_empty());
        // One replication overloaded: p99 2000 beside 100 is 20×, and the interval is wider
        // than the mean.
        let split = [with(100.0, 0.01), with(2000.0, 0.011)];
        let (figures, ci) = merge(&split);
        let w = warnings(&checks, &split, &figures, ci.as_ref());
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(w[0].contains("wider than the value"), "{w:?}");
        assert!(w[1].contains("20×") && w[1].contains("bimodal"), "{w:?}");
    }

    #[test]
    fn stops_at_the_precision_the_maximum_or_at_once_when_off() {
        let mut sc = crate::scenario::load(std::path::Path::new("scenarios/mmc.toml"), &[])
            .unwrap()
            .scenario;
        (sc.replications, sc.precision, sc.max_replications) = (2, 0.05, 10);
        assert_eq!(first_count(&sc), 2);
        assert_eq!(next(&sc, 2, None), Ok(2 + BATCH));
        assert_eq!(next(&sc, 6, Some(0.2)), Ok(10));
        assert_eq!(next(&sc, 10, Some(0.2)), Err(Stopped::MaxReplications));
        assert_eq!(next(&sc, 6, Some(0.05)), Err(Stopped::Precision));
        sc.precision = 0.0;
        sc.replications = 1;
        assert_eq!(first_count(&sc), 1);
        assert_eq!(next(&sc, 1, None), Err(Stopped::Fixed));
    }
}
