//! Confidence intervals over independent replications: Student's t with n − 1 degrees of
//! freedom. The t quantile is computed (regularized incomplete beta + bisection) rather than
//! tabulated, so any confidence level and any number of replications work.

/// Mean and sample standard deviation of `values`.
pub fn mean_sd(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    if values.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let mean = values.iter().sum::<f64>() / n;
    if values.len() < 2 {
        return (mean, 0.0);
    }
    let var = values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

/// Half-width of the two-sided `level` (e.g. 0.95) confidence interval for the mean of
/// `values`, treated as independent replications; `None` with fewer than two values.
pub fn half_width(values: &[f64], level: f64) -> Option<f64> {
    if values.len() < 2 {
        return None;
    }
    let (_, sd) = mean_sd(values);
    let df = (values.len() - 1) as f64;
    Some(t_quantile(0.5 + level / 2.0, df) * sd / (values.len() as f64).sqrt())
}

/// The `p` quantile of Student's t with `df` degrees of freedom (p in (0.5, 1)).
pub fn t_quantile(p: f64, df: f64) -> f64 {
    assert!(p > 0.5 && p < 1.0 && df > 0.0, "t_quantile({p}, {df})");
    let (mut lo, mut hi) = (0.0, 1.0);
    while t_cdf(hi, df) < p {
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = (lo + hi) / 2.0;
        if t_cdf(mid, df) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo + hi) / 2.0
}

/// CDF of Student's t at `t ≥ 0`.
pub fn t_cdf(t: f64, df: f64) -> f64 {
    let x = df / (df + t * t);
    1.0 - 0.5 * reg_inc_beta(x, df / 2.0, 0.5)
}

/// ln Γ(x) by the Lanczos approximation.
pub fn ln_gamma(x: f64) -> f64 {
    // Lanczos approximation (g = 7, n = 9), accurate to ~1e-15 for x > 0.
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + 7.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// Regularized incomplete beta I_x(a, b) by its continued fraction (Numerical Recipes §6.4).
fn reg_inc_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front =
        (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_cf(x, a, b) / a
    } else {
        1.0 - front * beta_cf(1.0 - x, b, a) / b
    }
}

fn beta_cf(x: f64, a: f64, b: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let nonzero = |v: f64| if v.abs() < TINY { TINY } else { v };
    // One step of the modified Lentz method: folds coefficient `aa` into (c, d), returns the
    // factor that multiplies the running value.
    let step = |aa: f64, c: &mut f64, d: &mut f64| {
        *d = 1.0 / nonzero(1.0 + aa * *d);
        *c = nonzero(1.0 + aa / *c);
        *d * *c
    };
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 / nonzero(1.0 - qab * x / qap);
    let mut h = d;
    for m in 1..300 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        h *= step(m * (b - m) * x / ((qam + m2) * (a + m2)), &mut c, &mut d);
        let del = step(
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
            &mut c,
            &mut d,
        );
        h *= del;
        if (del - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against published t tables.
    #[test]
    fn t_quantiles_match_tables() {
        for (p, df, expected) in [
            (0.975, 1.0, 12.706),
            (0.975, 2.0, 4.303),
            (0.975, 4.0, 2.776),
            (0.975, 9.0, 2.262),
            (0.975, 29.0, 2.045),
            (0.995, 9.0, 3.250),
            (0.995, 19.0, 2.861),
            (0.975, 1000.0, 1.962),
        ] {
            let t = t_quantile(p, df);
            assert!(
                (t - expected).abs() < 1e-3,
                "t({p}, {df}) = {t}, table {expected}"
            );
        }
    }

    #[test]
    fn half_width_of_known_sample() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        let (m, sd) = mean_sd(&v);
        assert_eq!(m, 3.0);
        assert!((sd - 2.5f64.sqrt()).abs() < 1e-12);
        let hw = half_width(&v, 0.95).unwrap();
        assert!((hw - 2.776 * sd / 5f64.sqrt()).abs() < 1e-3);
        assert_eq!(half_width(&[1.0], 0.95), None);
    }
}
