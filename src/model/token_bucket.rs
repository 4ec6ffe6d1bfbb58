//! API Gateway throttling: token buckets, alone ([`TokenBucket`]) and chained by level
//! ([`Throttle`]).
//!
//! AWS ("Throttle API requests", reference S4,
//! <https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html>):
//! API Gateway uses "the token bucket algorithm, where a token counts for a request"; the rate
//! refills the bucket, "the burst is the maximum bucket size", and a request finding no token gets
//! **429**. The page's worked examples (10,000 rps, burst 5,000) are tests below.
//!
//! # Exact arithmetic
//!
//! Tokens are counted in pico-tokens (10⁻¹² token) in a `u128`, and the rate is held in
//! milli-requests per second, which is exactly pico-tokens per nanosecond. The refill after
//! `elapsed` ns is then the integer `elapsed × rate`: no floating point after construction, so a
//! run of any length has no drift, ties are exact, and the refill is path-independent (refilling
//! at `t1` then `t2` gives the same tokens as refilling once at `t2`). The only rounding is of
//! the configured rate to the nearest 0.001 request/s.

use crate::engine::Nanos;

/// Pico-tokens in one token (one request).
const TOKEN: u128 = 1_000_000_000_000;

/// One token bucket: `burst` tokens of capacity, refilled at `rate` tokens per second, starting
/// full at time 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenBucket {
    /// Pico-tokens added per nanosecond (= milli-requests per second).
    rate: u128,
    /// Capacity in pico-tokens.
    capacity: u128,
    /// Pico-tokens held at `last`.
    tokens: u128,
    /// When `tokens` was last brought up to date.
    last: Nanos,
}

impl TokenBucket {
    /// A full bucket of `burst` tokens refilled at `rate_per_s` tokens per second (rounded to the
    /// nearest 0.001). With `burst = 0` it can never hold a token and refuses everything, which
    /// is what a 0/0 stage throttle does in API Gateway.
    ///
    /// # Panics
    ///
    /// If `rate_per_s` is negative, NaN or infinite (the scenario loader rejects those first).
    pub fn new(rate_per_s: f64, burst: u64) -> Self {
        assert!(
            rate_per_s.is_finite() && rate_per_s >= 0.0,
            "token bucket rate must be a finite number >= 0, got {rate_per_s}"
        );
        let capacity = u128::from(burst) * TOKEN;
        TokenBucket {
            rate: (rate_per_s * 1000.0).round() as u128,
            capacity,
            tokens: capacity,
            last: 0,
        }
    }

    /// Takes one token at `now` if there is one; `false` means the request is throttled (429).
    /// A refused request takes nothing. Calls must not go back in time; one that does is treated
    /// as happening at the latest time seen.
    #[inline]
    pub fn try_take(&mut self, now: Nanos) -> bool {
        self.refill(now);
        if self.tokens >= TOKEN {
            self.tokens -= TOKEN;
            true
        } else {
            false
        }
    }

    /// Whole tokens available at `now`, without taking any.
    pub fn available(&self, now: Nanos) -> u64 {
        (self.tokens_at(now) / TOKEN) as u64
    }

    /// Whether a request at `now` would be admitted, without taking a token.
    #[inline]
    pub fn can_take(&self, now: Nanos) -> bool {
        self.tokens_at(now) >= TOKEN
    }

    /// The configured burst (bucket capacity), in tokens.
    pub fn burst(&self) -> u64 {
        (self.capacity / TOKEN) as u64
    }

    /// The refill rate in tokens per second, after rounding to 0.001.
    pub fn rate_per_s(&self) -> f64 {
        self.rate as f64 / 1000.0
    }

    #[inline]
    fn tokens_at(&self, now: Nanos) -> u128 {
        let elapsed = u128::from(now.saturating_sub(self.last));
        // Cannot overflow: elapsed < 2^64 and the rate of any real throttle is far below 2^64.
        self.tokens
            .saturating_add(elapsed.saturating_mul(self.rate))
            .min(self.capacity)
    }

    #[inline]
    fn refill(&mut self, now: Nanos) {
        debug_assert!(now >= self.last, "time went back: {now} < {}", self.last);
        if now > self.last {
            self.tokens = self.tokens_at(now);
            self.last = now;
        }
    }
}

/// Which bucket of a [`Throttle`] (its position in the order of [`Throttle::add_bucket`] calls).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BucketId(pub u32);

/// A chain of buckets a request must pass, registered with [`Throttle::add_chain`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChainId(pub u32);

/// What a [`Throttle`] did with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThrottleOutcome {
    /// Every level had a token and gave one.
    Admitted,
    /// This bucket had no token: the request gets 429.
    Throttled(BucketId),
}

/// The throttling levels of an API Gateway deployment: a set of buckets, some shared (the
/// account bucket is shared by every route of every API in the account and Region), and for each
/// route the chain of buckets its requests pass, in the order AWS applies them.
///
/// # Order
///
/// AWS (reference S4, section "How throttling limit settings are applied"): "API Gateway
/// throttling-related settings are applied in the following order": per-client per-method limits
/// of a usage plan, then per-client limits of a usage plan, then "default per-method limits and
/// individual per-method limits" of the stage, then account-level throttling (and, beyond that,
/// the AWS Regional limit). So the most specific level comes first and the account last; HTTP
/// APIs have the same shape with routes for methods (S3, "Route-level throttling"). A stage's
/// default and its per-method override are one level, not two: the override replaces the
/// default for that method, and each method has its own bucket with those limits. A typical chain
/// is therefore `[route, account]`, with `[client·method, client, route, account]` when usage
/// plans are modelled.
///
/// # Refusals
///
/// Levels are tried in chain order and the first refusal stops the request: the level that
/// refused and every level after it are left untouched (so a request throttled by its route limit
/// does not use up account tokens other routes need). Levels *before* the refusal have already
/// given their token and keep it spent, as a sequential check does; AWS does not document a
/// refund, and modelling one would let a route exceed its own rate while the account is
/// saturated.
#[derive(Debug, Clone, Default)]
pub struct Throttle {
    buckets: Vec<TokenBucket>,
    /// All chains' bucket ids, back to back.
    links: Vec<BucketId>,
    /// Each chain's `(start, len)` in `links`.
    chains: Vec<(u32, u32)>,
}

impl Throttle {
    /// A throttle with no buckets and no chains.
    pub fn new() -> Self {
        Throttle::default()
    }

    /// Adds a bucket; chains refer to it by the returned id.
    pub fn add_bucket(&mut self, bucket: TokenBucket) -> BucketId {
        let id = BucketId(u32::try_from(self.buckets.len()).expect("fewer than 2^32 buckets"));
        self.buckets.push(bucket);
        id
    }

    /// Registers the chain of buckets (most specific first, account last) that one route's
    /// requests pass. An empty chain admits everything (no throttling configured).
    ///
    /// # Panics
    ///
    /// If an id is not a bucket of this throttle or appears twice in the chain (a request would
    /// be charged twice by one bucket).
    pub fn add_chain(&mut self, levels: &[BucketId]) -> ChainId {
        for (i, id) in levels.iter().enumerate() {
            assert!(
                (id.0 as usize) < self.buckets.len(),
                "bucket {} is not in this throttle",
                id.0
            );
            assert!(
                !levels[..i].contains(id),
                "bucket {} appears twice in one chain",
                id.0
            );
        }
        let start = u32::try_from(self.links.len()).expect("fewer than 2^32 links");
        self.links.extend_from_slice(levels);
        let id = ChainId(u32::try_from(self.chains.len()).expect("fewer than 2^32 chains"));
        self.chains.push((start, levels.len() as u32));
        id
    }

    /// Offers a request on `chain` at `now`: admitted only if every level has a token.
    #[inline]
    pub fn try_take(&mut self, now: Nanos, chain: ChainId) -> ThrottleOutcome {
        let (start, len) = self.chains[chain.0 as usize];
        for &id in &self.links[start as usize..(start + len) as usize] {
            if !self.buckets[id.0 as usize].try_take(now) {
                return ThrottleOutcome::Throttled(id);
            }
        }
        ThrottleOutcome::Admitted
    }

    /// The bucket `id`, to read its state.
    pub fn bucket(&self, id: BucketId) -> &TokenBucket {
        &self.buckets[id.0 as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::{NANOS_PER_MS, NANOS_PER_SEC};

    /// Offers `n` requests at each of `times`; returns how many were admitted.
    fn offer(b: &mut TokenBucket, times: impl IntoIterator<Item = Nanos>, n: u32) -> u64 {
        let mut admitted = 0;
        for t in times {
            for _ in 0..n {
                admitted += u64::from(b.try_take(t));
            }
        }
        admitted
    }

    /// The worked examples of the AWS throttling page (rate 10,000 rps, burst 5,000, one second).
    #[test]
    fn aws_worked_examples() {
        let aws = || TokenBucket::new(10_000.0, 5_000);
        let ms = NANOS_PER_MS;
        // 10,000 requests evenly in one second (one every 100 µs): none dropped.
        let mut b = aws();
        assert_eq!(offer(&mut b, (0..10_000).map(|k| k * 100_000), 1), 10_000);
        // 10,000 requests at once: 5,000 served.
        let mut b = aws();
        assert_eq!(offer(&mut b, [0], 10_000), 5_000);
        // 5,000 at once, then 5,000 evenly over the remaining 999 ms (about 5 per ms): all served.
        let mut b = aws();
        let rest = (0..5_000u64).map(|k| ms + k * 999 * ms / 5_000);
        assert_eq!(offer(&mut b, [0], 5_000) + offer(&mut b, rest, 1), 10_000);
        // 5,000 at once and 5,000 more 100 ms later: 1,000 tokens came back, so 6,000 served.
        let mut b = aws();
        assert_eq!(
            offer(&mut b, [0], 5_000) + offer(&mut b, [100 * ms], 5_000),
            6_000
        );
        // 5,000 at once, 1,000 at 100 ms, then 4,000 evenly over the remaining 899 ms: all.
        let mut b = aws();
        let first = offer(&mut b, [0], 5_000) + offer(&mut b, [100 * ms], 1_000);
        let rest = (0..4_000u64).map(|k| 101 * ms + k * 899 * ms / 4_000);
        assert_eq!(first + offer(&mut b, rest, 1), 10_000);
    }

    /// Under overload, admissions up to time t are exactly ⌊burst + rate·t⌋, over a long run and
    /// for a rate that is not a whole number.
    #[test]
    fn overload_admits_exactly_burst_plus_rate_times_t() {
        // (rate, burst, seconds, gap between offered requests): offered load 10–200× the rate.
        // A burst of at least 2 keeps the cap out of play once the bucket is drained (it never
        // holds more than 1 + rate·gap < 2 tokens), so the count is exact, not within 1.
        for &(rate, burst, secs, gap) in &[
            (10_000.0, 5_000, 60, 10_000),
            (333.333, 7, 600, 100_000),
            (0.5, 2, 3_600, 10 * NANOS_PER_MS),
            (1.0, 0, 10, NANOS_PER_MS),
        ] {
            let mut b = TokenBucket::new(rate, burst);
            let end = secs * NANOS_PER_SEC;
            let admitted = offer(&mut b, (0..=end / gap).map(|k| k * gap), 1);
            // Exact rational ⌊burst + rate·t⌋ with rate in milli-requests/s.
            let milli = (rate * 1000.0).round() as u128;
            let expected = if burst == 0 {
                0
            } else {
                ((u128::from(burst) * 1000 * NANOS_PER_SEC as u128 + milli * end as u128)
                    / (1000 * NANOS_PER_SEC as u128)) as u64
            };
            assert_eq!(
                admitted, expected,
                "rate {rate} burst {burst} over {secs} s"
            );
        }
    }

    #[test]
    fn load_below_the_rate_is_never_refused() {
        // 999 requests/s, evenly, against 1,000/s with a burst of 1: each gap refills > 1 token.
        let mut b = TokenBucket::new(1_000.0, 1);
        let gap = NANOS_PER_SEC / 999 + 1;
        assert_eq!(offer(&mut b, (0..99_900).map(|k| k * gap), 1), 99_900);
        // Exactly at the rate (one per ms), also never refused: ties are exact.
        let mut b = TokenBucket::new(1_000.0, 1);
        assert_eq!(
            offer(&mut b, (0..100_000).map(|k| k * NANOS_PER_MS), 1),
            100_000
        );
    }

    #[test]
    fn bursts_after_idle_periods_are_capped_at_burst() {
        let mut b = TokenBucket::new(100.0, 50);
        assert_eq!(offer(&mut b, [0], 80), 50);
        assert_eq!(b.available(0), 0);
        // Idle an hour: 360,000 tokens of refill, but the bucket holds 50.
        let later = 3_600 * NANOS_PER_SEC;
        assert_eq!(b.available(later), 50);
        assert_eq!(offer(&mut b, [later], 500), 50);
        // 100 ms later: 10 tokens.
        assert_eq!(offer(&mut b, [later + 100 * NANOS_PER_MS], 500), 10);
        assert_eq!(b.burst(), 50);
        assert_eq!(b.rate_per_s(), 100.0);
    }

    #[test]
    fn refused_requests_take_nothing_and_can_take_agrees() {
        let mut b = TokenBucket::new(1.0, 1);
        assert!(b.can_take(0));
        assert!(b.try_take(0));
        for t in [0, 1, NANOS_PER_SEC / 2, NANOS_PER_SEC - 1] {
            assert!(!b.can_take(t));
            assert!(!b.try_take(t), "refused at {t}");
        }
        // Refusals consumed nothing: the token is back exactly one second after the take.
        assert!(b.can_take(NANOS_PER_SEC));
        assert!(b.try_take(NANOS_PER_SEC));
    }

    #[test]
    fn zero_rate_gives_the_burst_once() {
        let mut b = TokenBucket::new(0.0, 3);
        assert_eq!(
            offer(&mut b, [0, NANOS_PER_SEC, 1_000_000 * NANOS_PER_SEC], 2),
            3
        );
    }

    #[test]
    #[should_panic(expected = "finite number >= 0")]
    fn negative_rate_is_a_bug() {
        TokenBucket::new(-1.0, 1);
    }

    fn storage_throttle() -> (Throttle, BucketId, BucketId, BucketId, ChainId, ChainId) {
        let mut t = Throttle::new();
        let account = t.add_bucket(TokenBucket::new(100.0, 10));
        let bags = t.add_bucket(TokenBucket::new(10.0, 3));
        let ingests = t.add_bucket(TokenBucket::new(1_000.0, 100));
        let bags_chain = t.add_chain(&[bags, account]);
        let ingests_chain = t.add_chain(&[ingests, account]);
        (t, account, bags, ingests, bags_chain, ingests_chain)
    }

    #[test]
    fn a_request_needs_every_level_and_route_refusals_spare_the_account() {
        let (mut t, account, bags, ingests, bags_chain, ingests_chain) = storage_throttle();
        // The bags route admits its burst of 3, then refuses; the account lost only those 3.
        for _ in 0..3 {
            assert_eq!(t.try_take(0, bags_chain), ThrottleOutcome::Admitted);
        }
        for _ in 0..20 {
            assert_eq!(t.try_take(0, bags_chain), ThrottleOutcome::Throttled(bags));
        }
        assert_eq!(t.bucket(account).available(0), 7);
        // The ingests route drains the shared account bucket, then the account refuses it; the
        // refusal leaves the account and everything after it untouched, but the ingests token
        // taken before the account said no stays spent.
        for _ in 0..7 {
            assert_eq!(t.try_take(0, ingests_chain), ThrottleOutcome::Admitted);
        }
        assert_eq!(
            t.try_take(0, ingests_chain),
            ThrottleOutcome::Throttled(account)
        );
        assert_eq!(t.bucket(ingests).available(0), 100 - 8);
        // 100 ms later bags has one token again and the account ten (100/s × 100 ms).
        let t1 = 100 * NANOS_PER_MS;
        assert_eq!(t.bucket(account).available(t1), 10);
        assert_eq!(t.try_take(t1, bags_chain), ThrottleOutcome::Admitted);
        assert_eq!(t.try_take(t1, bags_chain), ThrottleOutcome::Throttled(bags));
        assert_eq!(t.bucket(account).available(t1), 9);
    }

    #[test]
    fn chained_admissions_follow_the_tightest_level_over_a_window() {
        let (mut t, _account, _bags, _ingests, bags_chain, _) = storage_throttle();
        // 1,000 rps offered for 10 s on bags alone: bags (10/s, burst 3) is the binding level.
        let admitted: u64 = (0..10_000u64)
            .map(|k| {
                u64::from(t.try_take(k * NANOS_PER_MS, bags_chain) == ThrottleOutcome::Admitted)
            })
            .sum();
        assert_eq!(admitted, 3 + 99); // ⌊3 + 10 × 9.999⌋
    }

    #[test]
    fn empty_chain_admits_everything() {
        let mut t = Throttle::new();
        let open = t.add_chain(&[]);
        assert!((0..1_000).all(|_| t.try_take(0, open) == ThrottleOutcome::Admitted));
    }

    #[test]
    #[should_panic(expected = "appears twice")]
    fn a_bucket_twice_in_a_chain_is_a_bug() {
        let mut t = Throttle::new();
        let b = t.add_bucket(TokenBucket::new(1.0, 1));
        t.add_chain(&[b, b]);
    }
}
