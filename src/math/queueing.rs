//! Closed forms of queueing theory used for analytic estimates (the planner's first guess).
//! Checked against textbook values (Kleinrock, *Queueing Systems* vol. 1; Gross & Harris) in
//! the unit tests below and by simulation in `tests/theory.rs`.

/// Erlang C: the probability that an arrival waits, in an M/M/c queue with offered load
/// `a = λ/μ` (requires `a < c`). Computed by the stable Erlang B recursion.
pub fn erlang_c(c: u32, a: f64) -> f64 {
    assert!(c > 0 && a >= 0.0 && a < f64::from(c), "erlang_c({c}, {a})");
    let mut b = 1.0; // Erlang B with 0 servers
    for k in 1..=c {
        b = a * b / (f64::from(k) + a * b);
    }
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
