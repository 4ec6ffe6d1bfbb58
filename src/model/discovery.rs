//! Cloud Map service discovery: which instances a caller gets.
//!
//! - `DiscoverInstances` (API Gateway's private integration): the registered instances that
//!   pass the `HealthStatus` filter (HEALTHY, ALL, HEALTHY_OR_ELSE_ALL), at most `MaxResults`
//!   (default 100). API Gateway spreads requests over them; SRV records have priority =
//!   weight = 1 (reference §6, M1/M2/S13).
//! - DNS multivalue answers (Route 53 behind a Cloud Map DNS namespace): up to **8** healthy
//!   records chosen at random; when none is healthy, up to 8 unhealthy ones (reference §6,
//!   M1/E11). Resolvers cache an answer for the record TTL.
//!
//! Pure functions over an instance list; the simulator keeps the registry itself.

use crate::engine::Nanos;
use crate::engine::rng::{SimRng, below};
use crate::vocab::DiscoveryFilter;

/// Most records in a multivalue answer.
pub const DNS_MAX_RECORDS: usize = 8;

/// What the registry knows about one instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Instance {
    /// Registered (the task runs and has not been deregistered).
    pub registered: bool,
    /// Cloud Map's health status of the instance (always true without health checks).
    pub healthy: bool,
}

/// Whether `DiscoverInstances` with `filter` returns instance `i`, given whether any registered
/// instance is healthy.
#[inline]
pub fn returned(filter: DiscoveryFilter, i: Instance, any_healthy: bool) -> bool {
    i.registered
        && match filter {
            DiscoveryFilter::Healthy => i.healthy,
            DiscoveryFilter::All => true,
            DiscoveryFilter::HealthyOrElseAll => i.healthy || !any_healthy,
        }
}

/// A DNS client's cached multivalue answer.
#[derive(Debug, Clone, Copy, Default)]
pub struct DnsCache {
    records: [u32; DNS_MAX_RECORDS],
    len: u8,
    /// The answer is stale from this time on.
    expires: Nanos,
    /// Whether the cache holds an answer at all.
    filled: bool,
}

impl DnsCache {
    /// The cached records, if the answer is still fresh at `now`.
    pub fn fresh(&self, now: Nanos) -> Option<&[u32]> {
        (self.filled && now < self.expires).then(|| &self.records[..self.len as usize])
    }

    /// Caches `records` until `now + ttl`.
    pub fn store(&mut self, records: &[u32], now: Nanos, ttl: Nanos) {
        let n = records.len().min(DNS_MAX_RECORDS);
        self.records[..n].copy_from_slice(&records[..n]);
        self.len = n as u8;
        self.expires = now.saturating_add(ttl);
        self.filled = true;
    }
}

/// Route 53's multivalue answer over `instances` (indexed by target): up to 8 healthy
/// registered instances chosen at random, or, when none is healthy, up to 8 unhealthy ones.
/// `scratch` is reused between calls; the answer is left in `out`.
pub fn multivalue_answer(
    instances: impl Iterator<Item = Instance> + Clone,
    rng: &mut SimRng,
    scratch: &mut Vec<u32>,
    out: &mut Vec<u32>,
) {
    scratch.clear();
    out.clear();
    scratch.extend(
        instances
            .clone()
            .enumerate()
            .filter(|(_, i)| i.registered && i.healthy)
            .map(|(t, _)| t as u32),
    );
    if scratch.is_empty() {
        scratch.extend(
            instances
                .enumerate()
                .filter(|(_, i)| i.registered)
                .map(|(t, _)| t as u32),
        );
    }
    // A partial Fisher–Yates shuffle: the first k of a uniformly random permutation.
    let k = scratch.len().min(DNS_MAX_RECORDS);
    for j in 0..k {
        let pick = j + below(rng, (scratch.len() - j) as u32) as usize;
        scratch.swap(j, pick);
        out.push(scratch[j]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::{StreamId, Streams};

    fn inst(registered: bool, healthy: bool) -> Instance {
        Instance {
            registered,
            healthy,
        }
    }

    #[test]
    fn filters_follow_the_health_status_values() {
        use DiscoveryFilter::*;
        let (h, u, gone) = (inst(true, true), inst(true, false), inst(false, true));
        assert!(returned(Healthy, h, true) && !returned(Healthy, u, true));
        assert!(returned(All, h, true) && returned(All, u, true));
        assert!(
            !returned(All, gone, true),
            "deregistered instances are never returned"
        );
        assert!(!returned(HealthyOrElseAll, u, true));
        assert!(
            returned(HealthyOrElseAll, u, false),
            "fails open when none is healthy"
        );
        assert!(!returned(Healthy, u, false));
    }

    #[test]
    fn multivalue_answers_hold_at_most_eight_distinct_healthy_records() {
        let mut rng = Streams::new(1, 0).stream(StreamId::Dns(0));
        let (mut scratch, mut out) = (Vec::new(), Vec::new());
        let fleet: Vec<Instance> = (0..20).map(|i| inst(true, i % 4 != 0)).collect();
        let mut seen = [0u32; 20];
        for _ in 0..2000 {
            multivalue_answer(fleet.iter().copied(), &mut rng, &mut scratch, &mut out);
            assert_eq!(out.len(), 8);
            let mut sorted = out.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(sorted.len(), 8, "records are distinct");
            for &t in &out {
                assert!(
                    fleet[t as usize].healthy,
                    "only healthy records while any is"
                );
                seen[t as usize] += 1;
            }
        }
        // Chosen at random: each of the 15 healthy instances is in 8/15 of the answers, a
        // binomial(2000, 8/15) count with sd sqrt(2000·8/15·7/15) ≈ 22.3. For a 1% chance that
        // any of the 15 falls outside by chance (Bonferroni: 0.067% each, z = 3.40): ±76.
        for (t, &n) in seen.iter().enumerate() {
            if fleet[t].healthy {
                assert!((991..=1142).contains(&n), "instance {t} in {n} answers");
            }
        }
    }

    #[test]
    fn no_healthy_record_answers_unhealthy_ones() {
        let mut rng = Streams::new(1, 0).stream(StreamId::Dns(0));
        let (mut scratch, mut out) = (Vec::new(), Vec::new());
        let fleet = [inst(true, false), inst(false, true), inst(true, false)];
        multivalue_answer(fleet.iter().copied(), &mut rng, &mut scratch, &mut out);
        out.sort();
        assert_eq!(out, vec![0, 2]);
        let none = [inst(false, false)];
        multivalue_answer(none.iter().copied(), &mut rng, &mut scratch, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn cache_is_fresh_until_the_ttl() {
        let mut c = DnsCache::default();
        assert!(c.fresh(0).is_none());
        c.store(&[3, 1, 4, 1, 5, 9, 2, 6, 5, 3], 10, 60);
        assert_eq!(c.fresh(69), Some(&[3, 1, 4, 1, 5, 9, 2, 6][..]));
        assert!(c.fresh(70).is_none());
    }
}
