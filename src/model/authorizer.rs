//! The authorizer result cache: whether a request's credential was authorized recently enough
//! that API Gateway skips the authorizer call.
//!
//! AWS behaviour (reference section 1, S9/S10): REST API Lambda and Cognito authorizers cache
//! their result keyed on the identity source, for a TTL of **300 s** by default, at most
//! **3600 s**, and 0 turns the cache off. HTTP API Lambda authorizers have the same TTL setting;
//! HTTP API **JWT authorizers have no result cache** (every request validates its token; JWKS
//! caching is undocumented), so they use a TTL of 0 here.
//!
//! Credentials are dense ids `0..n` (a pool of clients), so the cache is one expiry time per
//! credential in a `Vec`: no hashing and no allocation per request. What is cached is the
//! authorizer's answer, allow or deny alike (a Lambda authorizer's policy is cached either way);
//! a request with no credential at all never reaches the authorizer, so the caller does not
//! consult the cache for it.

use crate::engine::Nanos;
use crate::engine::time::NANOS_PER_SEC;

/// Default authorizer result TTL (`authorizerResultTtlInSeconds`).
pub const DEFAULT_TTL: Nanos = 300 * NANOS_PER_SEC;

/// Largest TTL API Gateway accepts.
pub const MAX_TTL: Nanos = 3_600 * NANOS_PER_SEC;

/// Whether a request's credential had a live cached result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheOutcome {
    /// Served from the cache: no authorizer call.
    Hit,
    /// Not cached (or expired, or caching is off): the authorizer is called.
    Miss,
}

/// Expiry time of each credential's cached result.
#[derive(Debug, Clone)]
pub struct AuthorizerCache {
    /// `expiry[c]`: the result for credential `c` is live while `now < expiry[c]`; 0 = never
    /// cached (simulated time starts at 0, so an entry with expiry 0 is never live).
    expiry: Vec<Nanos>,
    ttl: Nanos,
}

impl AuthorizerCache {
    /// An empty cache for credentials `0..credentials`, keeping results for `ttl`; `ttl = 0`
    /// disables caching. The scenario loader checks `ttl <= MAX_TTL`.
    pub fn new(credentials: usize, ttl: Nanos) -> Self {
        AuthorizerCache {
            expiry: vec![0; credentials],
            ttl,
        }
    }

    /// Looks `credential` up at `now` and, on a miss, caches the result from `now` until
    /// `now + ttl` (the authorizer's answer is taken as known at once).
    ///
    /// This treats the authorizer call as instantaneous for caching purposes: requests with the
    /// same credential that arrive while the first call is still running are hits. When the
    /// authorizer's latency matters (a cold start with many concurrent clients, where each of
    /// them calls the authorizer until one answer lands), use [`lookup`](Self::lookup) on
    /// arrival and [`store`](Self::store) when the call returns instead.
    ///
    /// # Panics
    ///
    /// If `credential` is not below the `credentials` given to [`new`](Self::new).
    #[inline]
    pub fn check(&mut self, now: Nanos, credential: u32) -> CacheOutcome {
        let outcome = self.lookup(now, credential);
        if outcome == CacheOutcome::Miss {
            self.store(now, credential);
        }
        outcome
    }

    /// Whether `credential` has a live cached result at `now`, without changing anything. With
    /// caching off this is always a miss.
    #[inline]
    pub fn lookup(&self, now: Nanos, credential: u32) -> CacheOutcome {
        if self.ttl > 0 && now < self.expiry[credential as usize] {
            CacheOutcome::Hit
        } else {
            CacheOutcome::Miss
        }
    }

    /// Records that the authorizer answered for `credential` at `now`: its result is live until
    /// `now + ttl`. Does nothing when caching is off.
    #[inline]
    pub fn store(&mut self, now: Nanos, credential: u32) {
        if self.ttl > 0 {
            self.expiry[credential as usize] = now.saturating_add(self.ttl);
        }
    }

    /// The TTL; 0 when caching is off.
    pub fn ttl(&self) -> Nanos {
        self.ttl
    }

    /// Number of credentials the cache covers.
    pub fn credentials(&self) -> usize {
        self.expiry.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::{StreamId, Streams, below};

    const S: Nanos = NANOS_PER_SEC;

    #[test]
    fn hits_until_the_ttl_runs_out() {
        let mut c = AuthorizerCache::new(2, 300 * S);
        let cases = [
            (0, 0, CacheOutcome::Miss),
            (1, 0, CacheOutcome::Hit),
            (299 * S, 0, CacheOutcome::Hit),
            (300 * S - 1, 0, CacheOutcome::Hit),
            (300 * S - 1, 1, CacheOutcome::Miss), // credentials are independent
            (300 * S, 0, CacheOutcome::Miss),     // expired exactly at now + ttl
            (301 * S, 0, CacheOutcome::Hit),      // re-cached at 300 s
            (600 * S - 1, 0, CacheOutcome::Hit),
            (600 * S - 2, 1, CacheOutcome::Hit),
            (600 * S - 1, 1, CacheOutcome::Miss), // cached at 300 s - 1 ns
            (600 * S, 0, CacheOutcome::Miss),
        ];
        for (now, credential, expected) in cases {
            assert_eq!(
                c.check(now, credential),
                expected,
                "at {now} ns, credential {credential}"
            );
        }
    }

    #[test]
    fn zero_ttl_misses_every_time() {
        let mut c = AuthorizerCache::new(1, 0);
        assert!((0..1_000).all(|k| c.check(k, 0) == CacheOutcome::Miss));
        assert_eq!(c.ttl(), 0);
    }

    /// With the cache on, the authorizer is called once per credential per TTL; off, once per
    /// request.
    #[test]
    fn authorizer_calls_per_credential_per_ttl() {
        let mut rng = Streams::new(9, 0).stream(StreamId::RequestAttributes(0));
        let clients = 50u32;
        let duration = 3_600 * S;
        let gap = S / 100; // 100 requests/s spread over the clients at random
        let mut on = AuthorizerCache::new(clients as usize, DEFAULT_TTL);
        let mut off = AuthorizerCache::new(clients as usize, 0);
        let (mut calls_on, mut calls_off, mut requests) = (0u64, 0u64, 0u64);
        let mut per_client = vec![0u64; clients as usize];
        let mut t = 0;
        while t < duration {
            let credential = below(&mut rng, clients);
            requests += 1;
            if on.check(t, credential) == CacheOutcome::Miss {
                calls_on += 1;
                per_client[credential as usize] += 1;
            }
            calls_off += u64::from(off.check(t, credential) == CacheOutcome::Miss);
            t += gap;
        }
        assert_eq!(calls_off, requests);
        // Each client sends about 2 requests/s, so it calls again within a few hundred ms of
        // each expiry: 12 windows of 300 s in an hour, one call each.
        assert!(per_client.iter().all(|&n| n == 12), "{per_client:?}");
        assert_eq!(calls_on, 12 * u64::from(clients));
    }

    #[test]
    fn lookup_and_store_model_an_authorizer_in_flight() {
        let mut c = AuthorizerCache::new(1, 10 * S);
        // Three requests arrive while the first authorizer call (50 ms) is running: all miss.
        for t in [0, S / 100, S / 50] {
            assert_eq!(c.lookup(t, 0), CacheOutcome::Miss);
        }
        c.store(S / 20, 0);
        assert_eq!(c.lookup(S / 20, 0), CacheOutcome::Hit);
        assert_eq!(c.lookup(S / 20 + 10 * S - 1, 0), CacheOutcome::Hit);
        assert_eq!(c.lookup(S / 20 + 10 * S, 0), CacheOutcome::Miss);
        let mut off = AuthorizerCache::new(1, 0);
        off.store(0, 0);
        assert_eq!(off.lookup(0, 0), CacheOutcome::Miss);
        assert_eq!(off.credentials(), 1);
    }
}
