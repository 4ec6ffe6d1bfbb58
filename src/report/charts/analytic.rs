//! The analytic reference drawn on the latency tail chart: when the scenario is an M/M/c
//! queue, Erlang C gives the whole distribution of the time a request spends in it, and the
//! simulated curve can be read against theory.
//!
//! The condition, checked on the scenario as run (`scenario.toml`): one traffic source with
//! Poisson arrivals at a constant rate, sent straight to a target group (no API Gateway, no
//! load balancer hop) of one target with no sidecar, no health checks, no autoscaling, an
//! unbounded queue, exponential service with no dependency, no errors and no per-target
//! factor; no faults, no deployments, no client timeout; and `λ < c·μ`. Anything else (a
//! gateway's latency, a bounded queue that turns arrivals away, a ramp) changes the answer,
//! and no line is drawn rather than a wrong one.

use std::path::Path;

use crate::math::queueing::erlang_c;
use crate::scenario::{Scenario, SourcePath};
use crate::vocab::ArrivalKind;

/// An M/M/c queue, rates per millisecond.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mmc {
    /// Servers (the app's workers).
    pub c: u32,
    /// Arrival rate, per ms.
    pub lambda: f64,
    /// Service rate of one server, per ms.
    pub mu: f64,
}

impl Mmc {
    /// The scenario's queue, when it is an M/M/c one (see the module note); `None` otherwise,
    /// or when the text does not load on its own (a file it names is missing).
    pub fn of_scenario(scenario_toml: &str) -> Option<Mmc> {
        let (sc, _) = crate::scenario::load_str(scenario_toml, Path::new("."), &[]).ok()?;
        Self::of(&sc)
    }

    /// As [`Mmc::of_scenario`], from the resolved scenario.
    pub fn of(sc: &Scenario) -> Option<Mmc> {
        let [source] = sc.sources.as_slice() else {
            return None;
        };
        let SourcePath::Direct { group } = source.path else {
            return None;
        };
        let g = sc.groups.get(group as usize)?;
        let duration_s = sc.duration as f64 / 1e9;
        let rate = source.profile.peak();
        let constant = (source.profile.expected_arrivals(0.0, duration_s) - rate * duration_s)
            .abs()
            <= 1e-9 * rate * duration_s;
        let app = &g.app;
        let plain = source.arrival == ArrivalKind::Poisson
            && constant
            && source.timeout.is_none()
            && sc.faults.is_empty()
            && sc.deployments.is_empty()
            && g.targets == 1
            && g.sidecar.is_none()
            && g.health_check.is_none()
            && g.autoscaling.is_none()
            && app.queue_limit == u32::MAX
            && app.service.is_exponential()
            && app.dependency.is_none()
            && app.error_rate == 0.0
            && app.service_factors.iter().all(|f| *f == 1.0);
        let m = Mmc {
            c: app.workers,
            lambda: rate / 1000.0,
            mu: 1.0 / app.service.mean_ms(),
        };
        (plain && m.c > 0 && m.lambda > 0.0 && m.lambda < f64::from(m.c) * m.mu).then_some(m)
    }

    /// `P(W > t)`, the share of requests whose time in the system (wait plus service) exceeds
    /// `t_ms`. With `C` the Erlang C probability of waiting and `θ = cμ − λ`, the wait is 0 with
    /// probability `1 − C` and exponential(θ) otherwise, independent of the exponential(μ)
    /// service, so `P(W > t) = (1 − C)·e^{−μt} + C·(θ·e^{−μt} − μ·e^{−θt}) / (θ − μ)`, and
    /// `C·(1 + μt)·e^{−μt}` added to the first term when `θ = μ`.
    pub fn sojourn_tail(&self, t_ms: f64) -> f64 {
        let (c, mu) = (f64::from(self.c), self.mu);
        let p_wait = erlang_c(self.c, self.lambda / mu);
        let theta = c * mu - self.lambda;
        let service = (-mu * t_ms).exp();
        let waited = if ((theta - mu) / mu).abs() < 1e-9 {
            (1.0 + mu * t_ms) * service
        } else {
            (theta * service - mu * (-theta * t_ms).exp()) / (theta - mu)
        };
        ((1.0 - p_wait) * service + p_wait * waited).clamp(0.0, 1.0)
    }

    /// The mean time in the system, ms: `C / (cμ − λ) + 1/μ`.
    pub fn mean_ms(&self) -> f64 {
        let p_wait = erlang_c(self.c, self.lambda / self.mu);
        p_wait / (f64::from(self.c) * self.mu - self.lambda) + 1.0 / self.mu
    }

    /// The `q` quantile of the time in the system, ms (`q` in (0, 1)): where
    /// [`Mmc::sojourn_tail`] falls to `1 − q`, found by bisection (the tail decreases).
    pub fn quantile_ms(&self, q: f64) -> f64 {
        let target = 1.0 - q;
        let mut hi = self.mean_ms();
        while self.sojourn_tail(hi) > target {
            hi *= 2.0;
        }
        let mut lo = 0.0;
        for _ in 0..100 {
            let mid = 0.5 * (lo + hi);
            if self.sojourn_tail(mid) > target {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        0.5 * (lo + hi)
    }

    /// The legend text: `M/M/4 theory (Erlang C), ρ = 0.80: mean 1.75 ms, p99 6.92 ms`.
    pub fn label(&self) -> String {
        let rho = self.lambda / (f64::from(self.c) * self.mu);
        format!(
            "M/M/{} theory (Erlang C), ρ = {rho:.2}: mean {}, p99 {}",
            self.c,
            super::common::ms(self.mean_ms()),
            super::common::ms(self.quantile_ms(0.99))
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The mean of W, integrating the tail numerically.
    fn mean(m: &Mmc) -> f64 {
        let dt = 1e-4;
        (0..400_000)
            .map(|i| m.sojourn_tail((f64::from(i) + 0.5) * dt) * dt)
            .sum()
    }

    #[test]
    fn the_tail_integrates_to_the_mean_sojourn() {
        // mmc.toml: λ = 3.2 /ms, μ = 1 /ms, c = 4: W = Wq + 1/μ = 0.745541 + 1 ms.
        let m = Mmc {
            c: 4,
            lambda: 3.2,
            mu: 1.0,
        };
        assert_eq!(m.sojourn_tail(0.0), 1.0);
        assert!((mean(&m) - 1.745541).abs() < 1e-4, "{}", mean(&m));
        // θ = cμ − λ = μ: the limit form, continuous with its neighbours.
        let m = Mmc {
            c: 2,
            lambda: 1.0,
            mu: 1.0,
        };
        let near = Mmc {
            lambda: 1.0 + 1e-6,
            ..m
        };
        assert!((m.sojourn_tail(2.0) - near.sojourn_tail(2.0)).abs() < 1e-5);
        let wq = erlang_c(2, 1.0) / (2.0 - 1.0);
        assert!((mean(&m) - (wq + 1.0)).abs() < 1e-4);
        assert!((m.mean_ms() - (wq + 1.0)).abs() < 1e-12);
        assert!(
            m.label()
                .starts_with("M/M/2 theory (Erlang C), ρ = 0.50: mean 1.3 ms, p99 ")
        );
        // M/M/1 (c = 1): the sojourn is exponential(μ − λ), so its p99 is ln(100) / (μ − λ).
        let m1 = Mmc {
            c: 1,
            lambda: 0.5,
            mu: 1.0,
        };
        assert!((m1.quantile_ms(0.99) - 100f64.ln() / 0.5).abs() < 1e-9);
        assert!((m1.mean_ms() - 2.0).abs() < 1e-12);
        for q in [0.5, 0.9, 0.99, 0.999] {
            let t = m.quantile_ms(q);
            assert!((m.sojourn_tail(t) - (1.0 - q)).abs() < 1e-12, "q {q}");
        }
    }

    #[test]
    fn only_an_mmc_scenario_gets_a_reference() {
        let mmc = include_str!("../../../scenarios/mmc.toml");
        let m = Mmc::of_scenario(mmc).expect("mmc.toml is M/M/4");
        assert_eq!(m.c, 4);
        assert!((m.lambda - 3.2).abs() < 1e-12 && (m.mu - 1.0).abs() < 1e-12);
        let bounded = mmc.replace("queue_limit = \"unbounded\"", "queue_limit = 10");
        assert_eq!(
            Mmc::of_scenario(&bounded),
            None,
            "a bounded queue turns arrivals away"
        );
        let lognormal = mmc.replace(
            "dist = \"exponential\", mean_ms = 1",
            "dist = \"lognormal\", median_ms = 1, sigma = 0.3",
        );
        assert_eq!(
            Mmc::of_scenario(&lognormal),
            None,
            "not exponential service"
        );
        let overloaded = mmc.replace("rate_rps = 3200", "rate_rps = 4200");
        assert_eq!(
            Mmc::of_scenario(&overloaded),
            None,
            "ρ ≥ 1 has no steady state"
        );
        let gateway = include_str!("../../../scenarios/three-ways.toml");
        assert_eq!(Mmc::of_scenario(gateway), None);
    }
}
