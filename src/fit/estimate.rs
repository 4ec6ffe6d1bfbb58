//! Estimators for `simroute fit`: log-normal and gamma by maximum likelihood, their asymptotic
//! 95% intervals from the Fisher information, the Kolmogorov–Smirnov distance of a fit, and the
//! choice between them (an empirical distribution when neither fits).
//!
//! The special functions (digamma, trigamma, the normal CDF and quantile, the regularized
//! incomplete gamma function) are here because only fitting needs them; `ln Γ` is the crate's
//! ([`crate::math::confidence::ln_gamma`]).

use crate::math::confidence::ln_gamma;

/// z of a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// ψ(x), the digamma function, for x > 0: the recurrence ψ(x) = ψ(x + 1) − 1/x up to x ≥ 10,
/// then the asymptotic series (error below 1e-12 there).
pub fn digamma(mut x: f64) -> f64 {
    let mut acc = 0.0;
    while x < 10.0 {
        acc -= 1.0 / x;
        x += 1.0;
    }
    let f = 1.0 / (x * x);
    acc + x.ln()
        - 0.5 / x
        - f * (1.0 / 12.0 - f * (1.0 / 120.0 - f * (1.0 / 252.0 - f * (1.0 / 240.0 - f / 132.0))))
}

/// ψ′(x), the trigamma function, for x > 0: ψ′(x) = ψ′(x + 1) + 1/x² up to x ≥ 10, then the
/// asymptotic series.
pub fn trigamma(mut x: f64) -> f64 {
    let mut acc = 0.0;
    while x < 10.0 {
        acc += 1.0 / (x * x);
        x += 1.0;
    }
    let f = 1.0 / (x * x);
    acc + 1.0 / x
        + f / 2.0
        + f / x * (1.0 / 6.0 - f * (1.0 / 30.0 - f * (1.0 / 42.0 - f * (1.0 / 30.0))))
}

/// The complementary error function, by the Chebyshev fit of Numerical Recipes (`erfcc`):
/// fractional error below 1.2e-7 everywhere.
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// Φ(z), the standard normal CDF.
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * erfc(-z / std::f64::consts::SQRT_2)
}

/// Φ⁻¹(p) for p in (0, 1), by Acklam's rational approximation (relative error below 1.2e-9).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.024_25 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.024_25 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// P(a, x), the regularized lower incomplete gamma function: the CDF at x of a gamma with shape
/// a and scale 1. Series for x < a + 1, continued fraction otherwise (Numerical Recipes §6.2).
pub fn gamma_p(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    let front = (a * x.ln() - x - ln_gamma(a)).exp();
    if x < a + 1.0 {
        let (mut ap, mut sum, mut del) = (a, 1.0 / a, 1.0 / a);
        for _ in 0..10_000 {
            ap += 1.0;
            del *= x / ap;
            sum += del;
            if del.abs() < sum.abs() * 1e-15 {
                break;
            }
        }
        (sum * front).min(1.0)
    } else {
        const TINY: f64 = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / TINY;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..10_000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < TINY {
                d = TINY;
            }
            c = b + an / c;
            if c.abs() < TINY {
                c = TINY;
            }
            d = 1.0 / d;
            let del = d * c;
            h *= del;
            if (del - 1.0).abs() < 1e-15 {
                break;
            }
        }
        (1.0 - front * h).max(0.0)
    }
}

/// An estimate with its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The point estimate.
    pub value: f64,
    /// Lower end of the 95% interval.
    pub lo: f64,
    /// Upper end of the 95% interval.
    pub hi: f64,
}

/// A log-normal fitted by maximum likelihood: μ̂ and σ̂ are the mean and the (1/n) standard
/// deviation of ln x.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogNormalFit {
    /// μ̂, the mean of ln x.
    pub mu: f64,
    /// σ̂.
    pub sigma: f64,
    /// The median e^μ̂ with its interval e^(μ̂ ± z σ̂/√n) (Fisher: Var μ̂ = σ²/n).
    pub median_ms: Estimate,
    /// σ̂ with its interval σ̂ ± z σ̂/√(2n) (Fisher: Var σ̂ = σ²/(2n)).
    pub sigma_ci: Estimate,
}

impl LogNormalFit {
    /// The fitted CDF.
    pub fn cdf(&self, x: f64) -> f64 {
        if x <= 0.0 {
            0.0
        } else if self.sigma == 0.0 {
            if x.ln() >= self.mu { 1.0 } else { 0.0 }
        } else {
            normal_cdf((x.ln() - self.mu) / self.sigma)
        }
    }
}

/// A gamma fitted by maximum likelihood, parametrized as the scenario writes it: mean and shape.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GammaFit {
    /// The mean (its MLE is the sample mean) with its interval mean ± z·mean/√(n k).
    pub mean_ms: Estimate,
    /// The shape k̂ with its interval k̂ ± z/√(n (ψ′(k̂) − 1/k̂)).
    pub shape: Estimate,
}

impl GammaFit {
    /// The fitted CDF.
    pub fn cdf(&self, x: f64) -> f64 {
        let k = self.shape.value;
        gamma_p(k, x * k / self.mean_ms.value)
    }
}

/// Fits a log-normal to positive samples (at least two). `None` if any sample is not positive.
pub fn fit_lognormal(samples: &[f64]) -> Option<LogNormalFit> {
    if samples.len() < 2 || samples.iter().any(|&x| !(x > 0.0 && x.is_finite())) {
        return None;
    }
    let n = samples.len() as f64;
    let mu = samples.iter().map(|x| x.ln()).sum::<f64>() / n;
    let sigma = (samples.iter().map(|x| (x.ln() - mu).powi(2)).sum::<f64>() / n).sqrt();
    let se_mu = sigma / n.sqrt();
    let se_sigma = sigma / (2.0 * n).sqrt();
    Some(LogNormalFit {
        mu,
        sigma,
        median_ms: Estimate {
            value: mu.exp(),
            lo: (mu - Z95 * se_mu).exp(),
            hi: (mu + Z95 * se_mu).exp(),
        },
        sigma_ci: Estimate {
            value: sigma,
            lo: (sigma - Z95 * se_sigma).max(0.0),
            hi: sigma + Z95 * se_sigma,
        },
    })
}

/// The gamma shape k̂ that solves the likelihood equation ln k − ψ(k) = s, where
/// s = ln(mean x) − mean(ln x) > 0: Newton's method from the closed-form start of Minka (2002),
/// kept positive by halving a step that would cross zero.
pub fn gamma_shape_mle(s: f64) -> Option<f64> {
    if !(s > 0.0 && s.is_finite()) {
        return None;
    }
    let mut k = (3.0 - s + ((s - 3.0).powi(2) + 24.0 * s).sqrt()) / (12.0 * s);
    for _ in 0..100 {
        let f = k.ln() - digamma(k) - s;
        let df = 1.0 / k - trigamma(k);
        let mut step = f / df;
        while k - step <= 0.0 {
            step /= 2.0;
        }
        k -= step;
        if (step / k).abs() < 1e-13 {
            break;
        }
    }
    k.is_finite().then_some(k)
}

/// Fits a gamma to positive samples (at least two, not all equal).
pub fn fit_gamma(samples: &[f64]) -> Option<GammaFit> {
    if samples.len() < 2 || samples.iter().any(|&x| !(x > 0.0 && x.is_finite())) {
        return None;
    }
    let n = samples.len() as f64;
    let mean = samples.iter().sum::<f64>() / n;
    let mean_ln = samples.iter().map(|x| x.ln()).sum::<f64>() / n;
    let k = gamma_shape_mle(mean.ln() - mean_ln)?;
    // In the (k, mean) parametrization the Fisher information is diagonal:
    // I_kk = n (ψ′(k) − 1/k), I_mm = n k / mean².
    let se_k = 1.0 / (n * (trigamma(k) - 1.0 / k)).sqrt();
    let se_m = mean / (n * k).sqrt();
    Some(GammaFit {
        mean_ms: Estimate {
            value: mean,
            lo: (mean - Z95 * se_m).max(0.0),
            hi: mean + Z95 * se_m,
        },
        shape: Estimate {
            value: k,
            lo: (k - Z95 * se_k).max(0.0),
            hi: k + Z95 * se_k,
        },
    })
}

/// The Kolmogorov–Smirnov distance sup |F_n(x) − F(x)| between the sorted `samples` and `cdf`.
///
/// Samples are taken to be rounded to multiples of `resolution` (0 for exact values): a run of
/// equal values x stands for the interval [x − r/2, x + r/2), so the empirical CDF before the
/// run is compared with F(x − r/2) and after it with F(x + r/2). Without this, the steps that
/// rounding to 1 ms puts into the empirical CDF would count against every continuous fit.
pub fn ks_statistic(sorted: &[f64], resolution: f64, cdf: impl Fn(f64) -> f64) -> f64 {
    let n = sorted.len() as f64;
    let half = resolution / 2.0;
    let mut d: f64 = 0.0;
    let mut i = 0;
    while i < sorted.len() {
        let x = sorted[i];
        let mut j = i;
        while j < sorted.len() && sorted[j] == x {
            j += 1;
        }
        let below = i as f64 / n;
        let above = j as f64 / n;
        d = d.max(cdf(x - half) - below).max(above - cdf(x + half));
        i = j;
    }
    d
}

/// The asymptotic Kolmogorov p-value of distance `d` at sample size `n`, with Stephens'
/// small-sample correction λ = (√n + 0.12 + 0.11/√n)·d. (With parameters estimated from the same
/// data the true p-value is smaller: this is a lenient test.)
pub fn ks_p_value(d: f64, n: usize) -> f64 {
    let sn = (n as f64).sqrt();
    let lambda = (sn + 0.12 + 0.11 / sn) * d;
    if lambda < 0.2 {
        return 1.0;
    }
    let mut sum = 0.0;
    for j in 1..=200 {
        let j = f64::from(j);
        let term = 2.0 * (-1f64).powf(j - 1.0) * (-2.0 * j * j * lambda * lambda).exp();
        sum += term;
        if term.abs() < 1e-16 {
            break;
        }
    }
    sum.clamp(0.0, 1.0)
}

/// The largest KS distance a parametric fit may have to be used: the 1% critical value of the
/// Kolmogorov distribution, 1.628/√n, but never below 0.03 (a fit whose CDF is everywhere
/// within 3 percentage points of the data's is good enough to simulate with, and with very
/// large logs every parametric family is rejected by the test alone).
pub fn ks_threshold(n: usize) -> f64 {
    (1.628 / (n as f64).sqrt()).max(0.03)
}

/// What the samples are modelled with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Choice {
    /// The log-normal fit.
    LogNormal,
    /// The gamma fit.
    Gamma,
    /// Neither fits: resample the data.
    Empirical,
}

/// A fitted latency distribution: both candidates with their KS distances, and the choice.
#[derive(Debug, Clone)]
pub struct DistFit {
    /// Samples fitted.
    pub n: usize,
    /// Samples that were 0 (below the resolution); fitted as half the resolution.
    pub zeros: usize,
    /// The log-normal MLE and its KS distance.
    pub lognormal: Option<(LogNormalFit, f64)>,
    /// The gamma MLE and its KS distance.
    pub gamma: Option<(GammaFit, f64)>,
    /// The largest KS distance accepted ([`ks_threshold`]).
    pub threshold: f64,
    /// The chosen model.
    pub choice: Choice,
    /// The samples, sorted (kept for the empirical fallback and its quantiles).
    pub sorted: Vec<f64>,
    /// The sample median with a distribution-free 95% interval (order statistics).
    pub median: Estimate,
}

/// Fits log-normal and gamma to `samples` (ms, rounded to `resolution` ms) and chooses the one
/// with the smaller KS distance when it is within [`ks_threshold`], else the empirical
/// distribution. `None` for an empty sample.
pub fn fit_dist(mut samples: Vec<f64>, resolution: f64) -> Option<DistFit> {
    if samples.is_empty() {
        return None;
    }
    samples.sort_by(f64::total_cmp);
    let zeros = samples.iter().filter(|&&x| x <= 0.0).count();
    // A zero means "less than half the resolution": fit it as r/2, compare it as [0, r/2).
    let floor = if resolution > 0.0 {
        resolution / 2.0
    } else {
        f64::MIN_POSITIVE
    };
    let positive: Vec<f64> = samples.iter().map(|&x| x.max(floor)).collect();
    let ks = |cdf: &dyn Fn(f64) -> f64| ks_statistic(&samples, resolution, cdf);
    let lognormal = fit_lognormal(&positive).map(|f| (f, ks(&|x| f.cdf(x))));
    let gamma = fit_gamma(&positive).map(|f| (f, ks(&|x| f.cdf(x))));
    let threshold = ks_threshold(samples.len());
    let ln_d = lognormal.map_or(f64::INFINITY, |(_, d)| d);
    let g_d = gamma.map_or(f64::INFINITY, |(_, d)| d);
    let choice = if ln_d <= g_d && ln_d <= threshold {
        Choice::LogNormal
    } else if g_d < ln_d && g_d <= threshold {
        Choice::Gamma
    } else {
        Choice::Empirical
    };
    let median = median_ci(&samples);
    Some(DistFit {
        n: samples.len(),
        zeros,
        lognormal,
        gamma,
        threshold,
        choice,
        sorted: samples,
        median,
    })
}

/// The sample median and the distribution-free 95% interval between the order statistics of
/// ranks n/2 ∓ z√n/2.
pub fn median_ci(sorted: &[f64]) -> Estimate {
    let n = sorted.len();
    let at = |r: f64| sorted[(r.round().max(0.0) as usize).min(n - 1)];
    let mid = (n as f64 - 1.0) / 2.0;
    let half = Z95 * (n as f64).sqrt() / 2.0;
    let value = if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    };
    Estimate {
        value,
        lo: at(mid - half),
        hi: at(mid + half),
    }
}

/// `count` evenly spaced quantiles of the sorted samples (all of them when there are fewer):
/// what an empirical fallback writes to its CSV.
pub fn quantiles(sorted: &[f64], count: usize) -> Vec<f64> {
    if sorted.len() <= count {
        return sorted.to_vec();
    }
    (0..count)
        .map(|i| {
            let p = (i as f64 + 0.5) / count as f64;
            sorted[((p * sorted.len() as f64) as usize).min(sorted.len() - 1)]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_distr::{Distribution, Gamma, LogNormal};

    fn rng() -> rand_xoshiro::Xoshiro256PlusPlus {
        rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(17)
    }

    #[test]
    fn special_functions_match_known_values() {
        // ψ(1) = −γ, ψ(1/2) = −γ − 2 ln 2, ψ′(1) = π²/6, ψ′(1/2) = π²/2.
        let euler = 0.577_215_664_901_532_9;
        let pi2 = std::f64::consts::PI.powi(2);
        assert!((digamma(1.0) + euler).abs() < 1e-12);
        assert!((digamma(0.5) + euler + 2.0 * 2f64.ln()).abs() < 1e-12);
        assert!((digamma(10.0) - 2.251_752_589_066_721).abs() < 1e-12);
        assert!((trigamma(1.0) - pi2 / 6.0).abs() < 1e-12);
        assert!((trigamma(0.5) - pi2 / 2.0).abs() < 1e-11);
        assert!((normal_cdf(1.959_963_984_540_054) - 0.975).abs() < 1e-7);
        assert!((normal_cdf(-1.0) - 0.158_655_253_931_457).abs() < 1e-7);
        assert!((normal_quantile(0.975) - Z95).abs() < 1e-8);
        assert!((normal_quantile(0.001) + 3.090_232_306_167_813).abs() < 1e-8);
        // Gamma(1) is exponential: P(1, x) = 1 − e^−x; P(3, x) = 1 − e^−x (1 + x + x²/2).
        assert!((gamma_p(1.0, 0.7) - (1.0 - (-0.7f64).exp())).abs() < 1e-13);
        assert!((gamma_p(3.0, 2.0) - (1.0 - 5.0 * (-2f64).exp())).abs() < 1e-13);
        assert!((gamma_p(3.0, 9.0) - (1.0 - 50.5 * (-9f64).exp())).abs() < 1e-13);
    }

    /// The Newton iteration solves ln k − ψ(k) = s for shapes from very skewed to nearly normal.
    #[test]
    fn gamma_shape_solves_the_likelihood_equation() {
        for k in [0.3, 1.0, 2.5, 17.0, 400.0] {
            let s = f64::ln(k) - digamma(k);
            let got = gamma_shape_mle(s).unwrap();
            assert!((got - k).abs() / k < 1e-9, "k {k}: got {got}");
        }
        assert_eq!(gamma_shape_mle(0.0), None);
    }

    #[test]
    fn ks_statistic_of_known_samples() {
        // Against U(0,1): {0.2, 0.4, 0.6, 0.8} is 0.2 from the CDF at both ends.
        let uniform = |x: f64| x.clamp(0.0, 1.0);
        assert!((ks_statistic(&[0.2, 0.4, 0.6, 0.8], 0.0, uniform) - 0.2).abs() < 1e-15);
        // One point at 0.5: the empirical CDF jumps from 0 to 1 where F is 0.5.
        assert!((ks_statistic(&[0.5], 0.0, uniform) - 0.5).abs() < 1e-15);
        // {0.1, 0.1, 0.9}: at 0.1 the CDF jumps to 2/3 where F = 0.1.
        assert!((ks_statistic(&[0.1, 0.1, 0.9], 0.0, uniform) - (2.0 / 3.0 - 0.1)).abs() < 1e-15);
        // The Kolmogorov distribution: P(K > 1.3581) = 0.05, P(K > 1.6276) = 0.01.
        assert!((ks_p_value(1.3581 / 1e4, 100_000_000) - 0.05).abs() < 1e-3);
        assert!((ks_p_value(1.6276 / 1e4, 100_000_000) - 0.01).abs() < 1e-3);
        assert_eq!(ks_p_value(0.0, 10), 1.0);
    }

    #[test]
    fn ks_with_resolution_forgives_rounding() {
        // Exponential(1) data rounded to 0.01: without the correction the steps cost ~0.005.
        let mut r = rng();
        let d = rand_distr::Exp::new(1.0f64).unwrap();
        let mut xs: Vec<f64> = (0..20_000)
            .map(|_| (d.sample(&mut r) * 100.0).round() / 100.0)
            .collect();
        xs.sort_by(f64::total_cmp);
        let cdf = |x: f64| if x <= 0.0 { 0.0 } else { 1.0 - (-x).exp() };
        let raw = ks_statistic(&xs, 0.0, cdf);
        let corrected = ks_statistic(&xs, 0.01, cdf);
        assert!(raw > 0.004, "raw {raw}");
        assert!(corrected < 0.012, "corrected {corrected}");
        assert!(corrected < raw);
    }

    #[test]
    fn lognormal_mle_recovers_parameters_and_covers() {
        let mut r = rng();
        let d = LogNormal::new(35f64.ln(), 0.6).unwrap();
        let xs: Vec<f64> = (0..20_000).map(|_| d.sample(&mut r)).collect();
        let f = fit_lognormal(&xs).unwrap();
        assert!((f.median_ms.value - 35.0).abs() / 35.0 < 0.02, "{f:?}");
        assert!((f.sigma - 0.6).abs() / 0.6 < 0.03, "{f:?}");
        assert!(f.median_ms.lo < 35.0 && 35.0 < f.median_ms.hi, "{f:?}");
        assert!(f.sigma_ci.lo < 0.6 && 0.6 < f.sigma_ci.hi, "{f:?}");
        // The asymptotic half-width: 1.96 σ/√n on the log scale.
        let hw = (f.median_ms.hi / f.median_ms.value).ln();
        assert!((hw - Z95 * f.sigma / (20_000f64).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn gamma_mle_recovers_parameters_and_covers() {
        let mut r = rng();
        let d = Gamma::new(2.5, 8.0).unwrap(); // mean 20 ms
        let xs: Vec<f64> = (0..20_000).map(|_| d.sample(&mut r)).collect();
        let f = fit_gamma(&xs).unwrap();
        assert!((f.mean_ms.value - 20.0).abs() / 20.0 < 0.02, "{f:?}");
        assert!((f.shape.value - 2.5).abs() / 2.5 < 0.04, "{f:?}");
        assert!(f.shape.lo < 2.5 && 2.5 < f.shape.hi, "{f:?}");
        assert!(f.mean_ms.lo < 20.0 && 20.0 < f.mean_ms.hi, "{f:?}");
    }

    #[test]
    fn choice_follows_the_data() {
        let mut r = rng();
        let ln = LogNormal::new(40f64.ln(), 0.5).unwrap();
        let xs: Vec<f64> = (0..5_000).map(|_| ln.sample(&mut r)).collect();
        assert_eq!(fit_dist(xs, 0.0).unwrap().choice, Choice::LogNormal);
        let g = Gamma::new(1.5, 10.0).unwrap();
        let xs: Vec<f64> = (0..5_000).map(|_| g.sample(&mut r)).collect();
        assert_eq!(fit_dist(xs, 0.0).unwrap().choice, Choice::Gamma);
        // Two far-apart modes (a cache hit and a database read): neither family fits.
        let xs: Vec<f64> = (0..5_000)
            .map(|i| {
                if i % 3 == 0 {
                    200.0 + ln.sample(&mut r)
                } else {
                    1.0 + ln.sample(&mut r) / 40.0
                }
            })
            .collect();
        let f = fit_dist(xs, 0.0).unwrap();
        assert_eq!(
            f.choice,
            Choice::Empirical,
            "{:?} {:?}",
            f.lognormal,
            f.gamma
        );
    }

    #[test]
    fn median_interval_and_quantiles() {
        let xs: Vec<f64> = (1..=101).map(f64::from).collect();
        let m = median_ci(&xs);
        assert_eq!(m.value, 51.0);
        // Ranks 50 ∓ 9.8 (0-based): values 41 and 61.
        assert_eq!((m.lo, m.hi), (41.0, 61.0));
        assert_eq!(quantiles(&xs, 1000).len(), 101);
        assert_eq!(quantiles(&xs, 2), vec![26.0, 76.0]);
    }
}
