//! Closed forms of queueing theory used for analytic estimates (the planner's first guess).
//! Checked against textbook values (Kleinrock, *Queueing Systems* vol. 1; Gross & Harris) in
//! the unit tests below and by simulation in `tests/theory.rs`.

/// Erlang B: the probability that an arrival finds all `c` servers busy and is lost, in an
/// M/G/c/c loss system with offered load `a = λ·E[S]` (any service distribution). By the
/// stable recursion `B(k) = a·B(k−1) / (k + a·B(k−1))`, `B(0) = 1`.
pub fn erlang_b(c: u32, a: f64) -> f64 {
    assert!(a >= 0.0, "erlang_b({c}, {a})");
    let mut b = 1.0;
    for k in 1..=c {
        b = a * b / (f64::from(k) + a * b);
    }
    b
}

/// Erlang C: the probability that an arrival waits, in an M/M/c queue with offered load
/// `a = λ/μ` (requires `a < c`), from Erlang B.
pub fn erlang_c(c: u32, a: f64) -> f64 {
    assert!(c > 0 && a >= 0.0 && a < f64::from(c), "erlang_c({c}, {a})");
    let b = erlang_b(c, a);
    let rho = a / f64::from(c);
    b / (1.0 - rho + rho * b)
}

/// M/M/c mean wait in queue, in the units of `1/mu`: `C(c, a) / (c μ − λ)`.
pub fn mmc_mean_wait(c: u32, lambda: f64, mu: f64) -> f64 {
    erlang_c(c, lambda / mu) / (f64::from(c) * mu - lambda)
}

/// The `q` quantile of the M/M/c wait in queue: `P(Wq > t) = C e^{−(cμ−λ)t}`.
pub fn mmc_wait_quantile(c: u32, lambda: f64, mu: f64, q: f64) -> f64 {
    let p_wait = erlang_c(c, lambda / mu);
    let tail = 1.0 - q;
    if p_wait <= tail {
        0.0
    } else {
        (p_wait / tail).ln() / (f64::from(c) * mu - lambda)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erlang_b_matches_the_closed_form() {
        // B(c, a) = (a^c / c!) / Σ_{k≤c} a^k / k!
        for (c, a) in [(1u32, 0.5f64), (7, 12.0), (12, 15.0), (30, 20.0)] {
            let (mut term, mut sum) = (1.0f64, 1.0f64);
            for k in 1..=c {
                term *= a / f64::from(k);
                sum += term;
            }
            let b = erlang_b(c, a);
            assert!((b - term / sum).abs() < 1e-12, "B({c}, {a}) = {b}");
        }
        assert!((erlang_b(12, 15.0) - 0.309_626).abs() < 1e-6);
        assert_eq!(erlang_b(0, 3.0), 1.0);
    }

    #[test]
    fn matches_the_worked_values() {
        for (c, lambda, p_wait, wq) in [
            (1, 0.8, 0.800000, 4.000000),
            (4, 3.2, 0.596432, 0.745541),
            (10, 9.0, 0.668732, 0.668732),
        ] {
            assert!(
                (erlang_c(c, lambda) - p_wait).abs() < 5e-7,
                "C({c}, {lambda})"
            );
            assert!(
                (mmc_mean_wait(c, lambda, 1.0) - wq).abs() < 5e-7,
                "Wq({c}, {lambda})"
            );
        }
        // M/M/1: P(Wq > t) = ρ e^{-(μ-λ)t}; the 0.99 quantile is ln(ρ/0.01)/(μ-λ).
        assert!((mmc_wait_quantile(1, 0.8, 1.0, 0.99) - (80f64).ln() / 0.2).abs() < 1e-9);
        assert_eq!(mmc_wait_quantile(4, 0.4, 1.0, 0.99), 0.0);
    }
}
