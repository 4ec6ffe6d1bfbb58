//! Client retries: which failures a client retries, how many times, and how long it waits first.
//!
//! The shape follows the AWS Builders' Library, "Timeouts, retries and backoff with jitter"
//! (reference B2, <https://aws.amazon.com/builders-library/timeouts-retries-and-backoff-with-jitter/>)
//! and the AWS Architecture Blog post it builds on, "Exponential Backoff And Jitter" (Brooker,
//! 2015): retries are capped, the wait grows exponentially up to a cap, and jitter spreads the
//! retries of many clients so they do not arrive in synchronized waves. With `n` the number of
//! retries already made (0 before the first retry) and `c = min(cap, base · 2ⁿ)`:
//!
//! | jitter | wait | mean |
//! |---|---|---|
//! | [`Jitter::None`] | `c` | `c` |
//! | [`Jitter::Full`] | uniform on `[0, c]` | `c / 2` |
//! | [`Jitter::Equal`] | `c/2 + uniform on [0, c/2]` | `3c / 4` |
//!
//! The same article warns that retries multiply load: a client making up to `m + 1` attempts
//! multiplies the work of a failing backend by up to `m + 1`, and retries at several layers
//! multiply each other. That amplification is what the simulator shows when a backend is
//! overloaded; [`expected_attempts`] gives its size for independent failures.
//!
//! # Field semantics
//!
//! The scenario's `retries = { max = 2, backoff = "exponential", base_ms = 100, cap_ms = 2000,
//! jitter = "full", on = [502, 503, 504, 429] }` maps to `max_retries = 2` (retries *after* the
//! first attempt, so at most 3 attempts), `base = 100 ms`, `cap = 2 s`, [`Jitter::Full`] and
//! [`RetryOn::from_statuses`] of the list. Attempts are numbered from 1; after attempt `k` fails
//! with `status`, the client retries iff [`RetryPolicy::should_retry`]`(k, status)`, waiting
//! [`RetryPolicy::backoff`]`(k - 1, rng)` (the number of retries made so far).
//! [`RetryPolicy::after_failure`] does both.

use rand::Rng;

use crate::engine::Nanos;
use crate::engine::rng::SimRng;

/// How the wait before a retry is randomised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jitter {
    /// No randomness: wait exactly `min(cap, base · 2ⁿ)`. Clients that failed together retry
    /// together, which the Builders' Library advises against; useful as a baseline.
    None,
    /// Uniform on `[0, c]`: the Builders' Library's recommendation, fewest total calls.
    Full,
    /// `c/2` plus uniform on `[0, c/2]`: never retries sooner than half the backoff.
    Equal,
}

/// The failures a client retries: a small bitset over the statuses the simulated path can return,
/// plus [`RetryOn::TIMEOUT`] for the client's own timeout (no status).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RetryOn(u16);

impl RetryOn {
    /// Pseudo-status for "the client's own timeout fired before any response".
    pub const TIMEOUT: u16 = 0;

    /// Every status (and [`RetryOn::TIMEOUT`]) a set can hold, in bit order.
    pub const SUPPORTED: [u16; 10] = [Self::TIMEOUT, 401, 403, 404, 429, 500, 502, 503, 504, 400];

    /// Retries nothing.
    pub const NOTHING: RetryOn = RetryOn(0);

    /// Throttling and transient server errors: 429, 500, 502, 503, 504 (what the AWS SDKs treat
    /// as retryable by default); timeouts are not in it, add [`RetryOn::TIMEOUT`] for them.
    pub const TRANSIENT: RetryOn = RetryOn(0b1_1111_0000);

    /// The bit of `status`, when it is one a set can hold.
    const fn bit(status: u16) -> Option<u16> {
        let mut i = 0;
        while i < Self::SUPPORTED.len() {
            if Self::SUPPORTED[i] == status {
                return Some(1 << i);
            }
            i += 1;
        }
        None
    }

    /// The set of `statuses`; `Err(status)` names the first one outside [`RetryOn::SUPPORTED`].
    pub fn from_statuses(statuses: &[u16]) -> Result<RetryOn, u16> {
        let mut bits = 0;
        for &status in statuses {
            bits |= Self::bit(status).ok_or(status)?;
        }
        Ok(RetryOn(bits))
    }

    /// Whether a failure with `status` is retried.
    #[inline]
    pub fn contains(self, status: u16) -> bool {
        Self::bit(status).is_some_and(|bit| self.0 & bit != 0)
    }
}

/// A client's retry policy; see the module docs for the meaning of each field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (the scenario's `max`): at most `max_retries + 1`
    /// attempts per request. 0 = no retries.
    pub max_retries: u32,
    /// Backoff ceiling before the first retry; it doubles for each retry after that.
    pub base: Nanos,
    /// Largest backoff ceiling: `min(cap, base · 2ⁿ)`.
    pub cap: Nanos,
    /// How the wait is randomised below its ceiling.
    pub jitter: Jitter,
    /// Which failures are retried.
    pub retry_on: RetryOn,
}

impl RetryPolicy {
    /// A policy that never retries.
    pub const fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            base: 0,
            cap: 0,
            jitter: Jitter::None,
            retry_on: RetryOn::NOTHING,
        }
    }

    /// Most attempts one request can make: `max_retries + 1`.
    pub fn max_attempts(&self) -> u32 {
        self.max_retries.saturating_add(1)
    }

    /// Whether the client retries after attempt number `attempt` (1 = the first attempt) failed
    /// with `status` ([`RetryOn::TIMEOUT`] for its own timeout): retries remain and the failure
    /// is in `retry_on`.
    #[inline]
    pub fn should_retry(&self, attempt: u32, status: u16) -> bool {
        debug_assert!(attempt >= 1, "attempts are numbered from 1");
        attempt >= 1 && attempt <= self.max_retries && self.retry_on.contains(status)
    }

    /// The backoff ceiling before retry number `retry_number + 1`: `min(cap, base · 2^retry_number)`,
    /// computed without overflow for any `retry_number`.
    #[inline]
    pub fn ceiling(&self, retry_number: u32) -> Nanos {
        if self.base == 0 {
            return 0;
        }
        let grown = if retry_number >= Nanos::BITS {
            None
        } else {
            self.base.checked_mul(1 << retry_number)
        };
        grown.map_or(self.cap, |c| c.min(self.cap))
    }

    /// The wait before the next retry, when `retry_number` retries have already been made (0
    /// before the first retry). Draws exactly one number from `rng` for [`Jitter::Full`] and
    /// [`Jitter::Equal`], none for [`Jitter::None`].
    #[inline]
    pub fn backoff(&self, retry_number: u32, rng: &mut SimRng) -> Nanos {
        let c = self.ceiling(retry_number);
        match self.jitter {
            Jitter::None => c,
            Jitter::Full => uniform_inclusive(rng, c),
            Jitter::Equal => {
                let half = c / 2;
                // `c - half` rather than `half` keeps the upper end at exactly `c` when `c` is odd.
                (c - half) + uniform_inclusive(rng, half)
            }
        }
    }

    /// The exact mean of [`backoff`](Self::backoff)`(retry_number, _)` for the integer
    /// distributions used: `c`, `c/2`, or `(c − ⌊c/2⌋) + ⌊c/2⌋/2` (≈ `3c/4`).
    pub fn mean_backoff(&self, retry_number: u32) -> f64 {
        let c = self.ceiling(retry_number);
        match self.jitter {
            Jitter::None => c as f64,
            Jitter::Full => c as f64 / 2.0,
            Jitter::Equal => (c - c / 2) as f64 + (c / 2) as f64 / 2.0,
        }
    }

    /// After attempt `attempt` failed with `status`: the wait before the next attempt, or `None`
    /// when the client gives up. `rng` is only used when it retries.
    #[inline]
    pub fn after_failure(&self, attempt: u32, status: u16, rng: &mut SimRng) -> Option<Nanos> {
        self.should_retry(attempt, status)
            .then(|| self.backoff(attempt - 1, rng))
    }
}

/// Mean number of attempts per request when every attempt fails independently with probability
/// `p` (and every failure is retryable) and the client makes at most `max_retries` retries:
///
/// `E[attempts] = Σ_{k=0}^{m} p^k = (1 − p^{m+1}) / (1 − p)`, and `m + 1` when `p = 1`.
///
/// A request then succeeds with probability `1 − p^{m+1}`. This is the check the integration
/// test uses: with a backend failing a fixed fraction `p` of requests and a retrying source of
/// rate `λ`, the backend sees `λ · E[attempts]` requests per second and the client sees a failure
/// rate of `p^{m+1}`.
pub fn expected_attempts(p: f64, max_retries: u32) -> f64 {
    let m1 = f64::from(max_retries) + 1.0;
    if p >= 1.0 {
        m1
    } else {
        (1.0 - p.powf(m1)) / (1.0 - p)
    }
}

/// A uniform integer in `[0, hi]` (Lemire's multiply-shift on 64 bits; the bias is below
/// `hi / 2⁶⁴`).
#[inline]
fn uniform_inclusive(rng: &mut SimRng, hi: Nanos) -> Nanos {
    ((u128::from(rng.next_u64()) * (u128::from(hi) + 1)) >> 64) as Nanos
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::{StreamId, Streams, unit_f64};
    use crate::engine::time::NANOS_PER_MS;

    const MS: Nanos = NANOS_PER_MS;

    fn rng() -> SimRng {
        Streams::new(5, 0).stream(StreamId::Retries(0))
    }

    /// The scenario's example: `{ max = 2, base_ms = 100, cap_ms = 2000, on = [502, 503, 504, 429] }`.
    fn scenario_policy(jitter: Jitter) -> RetryPolicy {
        RetryPolicy {
            max_retries: 2,
            base: 100 * MS,
            cap: 2_000 * MS,
            jitter,
            retry_on: RetryOn::from_statuses(&[502, 503, 504, 429]).unwrap(),
        }
    }

    #[test]
    fn ceiling_doubles_then_holds_at_the_cap() {
        let p = scenario_policy(Jitter::None);
        let cases = [
            (0, 100),
            (1, 200),
            (2, 400),
            (3, 800),
            (4, 1_600),
            (5, 2_000),
            (10, 2_000),
            (63, 2_000),
            (64, 2_000),
            (u32::MAX, 2_000),
        ];
        for (n, ms) in cases {
            assert_eq!(p.ceiling(n), ms * MS, "retry number {n}");
        }
        let huge = RetryPolicy {
            base: Nanos::MAX / 3,
            cap: Nanos::MAX,
            ..p
        };
        assert_eq!(huge.ceiling(1), Nanos::MAX / 3 * 2);
        assert_eq!(huge.ceiling(2), Nanos::MAX, "overflow saturates at the cap");
        let base_above_cap = RetryPolicy {
            base: 5_000 * MS,
            ..p
        };
        assert_eq!(base_above_cap.ceiling(0), 2_000 * MS);
        assert_eq!(RetryPolicy { base: 0, ..p }.ceiling(40), 0);
    }

    #[test]
    fn backoff_stays_within_its_bounds_and_the_cap() {
        let mut rng = rng();
        for jitter in [Jitter::None, Jitter::Full, Jitter::Equal] {
            let p = scenario_policy(jitter);
            for n in 0..12 {
                let c = p.ceiling(n);
                let (lo, hi) = match jitter {
                    Jitter::None => (c, c),
                    Jitter::Full => (0, c),
                    Jitter::Equal => (c - c / 2, c),
                };
                let (mut min, mut max) = (Nanos::MAX, 0);
                for _ in 0..20_000 {
                    let w = p.backoff(n, &mut rng);
                    assert!(
                        (lo..=hi).contains(&w),
                        "{jitter:?} n={n}: {w} outside [{lo}, {hi}]"
                    );
                    assert!(w <= p.cap);
                    min = min.min(w);
                    max = max.max(w);
                }
                // The draws reach both ends of the range (not a narrower one).
                let span = (hi - lo) / 100;
                assert!(
                    min <= lo + span && max >= hi - span,
                    "{jitter:?} n={n}: {min}..{max}"
                );
            }
        }
    }

    #[test]
    fn backoff_mean_matches_the_formula() {
        let mut rng = rng();
        let samples = 200_000u32;
        for (jitter, fraction) in [
            (Jitter::None, 1.0),
            (Jitter::Full, 0.5),
            (Jitter::Equal, 0.75),
        ] {
            let p = scenario_policy(jitter);
            for n in [0, 3, 7] {
                let c = p.ceiling(n) as f64;
                let mean = (0..samples)
                    .map(|_| p.backoff(n, &mut rng) as f64)
                    .sum::<f64>()
                    / f64::from(samples);
                // The exact integer mean is the textbook one to within a nanosecond.
                assert!((p.mean_backoff(n) - fraction * c).abs() <= 1.0);
                let err = (mean - fraction * c).abs() / (fraction * c);
                assert!(
                    err < 0.005,
                    "{jitter:?} n={n}: mean {mean}, formula {}",
                    fraction * c
                );
            }
        }
    }

    #[test]
    fn should_retry_counts_retries_after_the_first_attempt() {
        let p = scenario_policy(Jitter::Full);
        assert_eq!(p.max_attempts(), 3);
        let cases = [
            (1, 503, true),
            (2, 503, true),
            (3, 503, false), // third attempt was the last
            (1, 429, true),
            (1, 502, true),
            (1, 504, true),
            (1, 500, false), // not in `on`
            (1, 404, false),
            (1, 200, false),
            (1, RetryOn::TIMEOUT, false),
        ];
        for (attempt, status, expected) in cases {
            assert_eq!(
                p.should_retry(attempt, status),
                expected,
                "attempt {attempt}, {status}"
            );
        }
        assert!(!RetryPolicy::none().should_retry(1, 503));
        let with_timeouts = RetryPolicy {
            retry_on: RetryOn::from_statuses(&[RetryOn::TIMEOUT]).unwrap(),
            ..p
        };
        assert!(with_timeouts.should_retry(2, RetryOn::TIMEOUT));
        assert!(!with_timeouts.should_retry(2, 503));
    }

    #[test]
    fn retry_on_sets() {
        assert_eq!(RetryOn::from_statuses(&[503, 418, 500]), Err(418));
        let all = RetryOn::from_statuses(&RetryOn::SUPPORTED).unwrap();
        assert!(RetryOn::SUPPORTED.iter().all(|&s| all.contains(s)));
        assert!(!all.contains(200));
        let transient = RetryOn::from_statuses(&[429, 500, 502, 503, 504]).unwrap();
        assert_eq!(RetryOn::TRANSIENT, transient);
        assert!(!RetryOn::TRANSIENT.contains(RetryOn::TIMEOUT));
        assert!(
            RetryOn::SUPPORTED
                .iter()
                .all(|&s| !RetryOn::NOTHING.contains(s))
        );
    }

    #[test]
    fn after_failure_uses_the_rng_only_when_it_retries() {
        let p = scenario_policy(Jitter::Equal);
        let mut a = rng();
        let mut b = rng();
        assert_eq!(p.after_failure(3, 503, &mut a), None);
        assert_eq!(p.after_failure(1, 404, &mut a), None);
        assert_eq!(a.next_u64(), b.next_u64(), "giving up drew nothing");
        let wait = p.after_failure(2, 503, &mut a);
        assert_eq!(wait, Some(p.backoff(1, &mut b)));
        assert!((100 * MS..=200 * MS).contains(&wait.unwrap()));
    }

    /// Simulates requests whose attempts fail independently with probability `p` and checks the
    /// mean number of attempts and the failure rate against [`expected_attempts`].
    #[test]
    fn attempts_per_request_match_the_closed_form() {
        let mut rng = rng();
        for (prob, max_retries) in [(0.0, 2), (0.3, 2), (0.5, 0), (0.9, 4), (1.0, 3)] {
            let policy = RetryPolicy {
                max_retries,
                ..scenario_policy(Jitter::Full)
            };
            let requests = 200_000u32;
            let (mut attempts, mut failed) = (0u64, 0u64);
            for _ in 0..requests {
                let mut attempt = 1;
                loop {
                    attempts += 1;
                    let status = if unit_f64(&mut rng) < prob { 503 } else { 200 };
                    if status == 200 {
                        break;
                    }
                    if !policy.should_retry(attempt, status) {
                        failed += 1;
                        break;
                    }
                    attempt += 1;
                }
            }
            let mean = attempts as f64 / f64::from(requests);
            let expected = expected_attempts(prob, max_retries);
            assert!(
                (mean - expected).abs() / expected < 0.01,
                "p={prob} m={max_retries}: {mean} vs {expected}"
            );
            let fail_rate = failed as f64 / f64::from(requests);
            let expected_fail = prob.powi(max_retries as i32 + 1);
            assert!(
                (fail_rate - expected_fail).abs() < 0.005,
                "{fail_rate} vs {expected_fail}"
            );
        }
        assert!((expected_attempts(0.3, 2) - (1.0 + 0.3 + 0.09)).abs() < 1e-12);
        assert_eq!(expected_attempts(1.0, 3), 4.0);
        assert_eq!(expected_attempts(0.0, 5), 1.0);
    }
}
