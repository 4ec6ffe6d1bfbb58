//! The client hop: each source's arrivals, its keep-alive connection pool (and the target an
//! NLB pinned each connection to), its request attributes and its retry policy.

use super::super::attempt::Attempt;
use super::super::ctx::Ctx;
use super::super::event::Event;
use crate::engine::Nanos;
use crate::engine::rng::{SimRng, StreamId, Streams, below};
use crate::model::discovery::DnsCache;
use crate::model::retry::RetryOn;
use crate::model::source::SourceState;
use crate::scenario::Scenario;
use crate::vocab::Failure;

/// Per source: arrivals, connection pool and random streams.
pub(in crate::sim) struct SourceRun {
    arrivals: SourceState,
    attributes_rng: SimRng,
    retry_rng: SimRng,
    /// Keep-alive connections: flow id, requests sent on it, and the target the load balancer
    /// pinned it to (`None`: none yet).
    connections: Vec<(u64, u32, Option<u32>)>,
    next_connection: usize,
    /// Each client's cached DNS answer (DNS discovery only; empty otherwise).
    pub dns: Vec<DnsCache>,
    pub dns_rng: SimRng,
}

/// Every source's client state, and the flow ids handed out so far.
pub(in crate::sim) struct Clients {
    pub runs: Vec<SourceRun>,
    next_flow: u64,
}

impl Clients {
    pub fn new(sc: &Scenario, streams: &Streams) -> Self {
        let runs = sc
            .sources
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let i = i as u32;
                SourceRun {
                    arrivals: SourceState::new(s.arrival, streams.stream(StreamId::Arrivals(i))),
                    attributes_rng: streams.stream(StreamId::RequestAttributes(i)),
                    retry_rng: streams.stream(StreamId::Retries(i)),
                    connections: Vec::with_capacity(s.connections as usize),
                    next_connection: 0,
                    dns: if s.dns {
                        vec![DnsCache::default(); s.clients as usize]
                    } else {
                        Vec::new()
                    },
                    dns_rng: streams.stream(StreamId::Dns(i)),
                }
            })
            .collect();
        Clients { runs, next_flow: 0 }
    }

    /// Schedules `source`'s next arrival, if it falls within the run.
    pub fn schedule_next_arrival(&mut self, ctx: &mut Ctx, source: u32) {
        let profile = &ctx.sc.sources[source as usize].profile;
        if let Some(t) = self.runs[source as usize].arrivals.next_arrival(profile)
            && t < ctx.sc.duration
        {
            ctx.at(t, Event::Arrival { source });
        }
    }

    /// A new request of `source` arriving `now`: which of its clients (credential) sends it.
    pub fn new_request(&mut self, sc: &Scenario, now: Nanos, source: u32) -> Attempt {
        let src = &sc.sources[source as usize];
        let credential = src.first_credential
            + below(&mut self.runs[source as usize].attributes_rng, src.clients);
        Attempt {
            credential,
            ..Attempt::new(
                now,
                super::super::attempt::Kind::User,
                source,
                source,
                super::super::attempt::Phase::Backoff,
            )
        }
    }

    /// The flow (connection) an attempt from `source` uses, and its keep-alive slot.
    #[inline]
    pub fn connection(&mut self, sc: &Scenario, source: u32) -> (u64, Option<u32>) {
        let src = &sc.sources[source as usize];
        let run = &mut self.runs[source as usize];
        if src.connections == 0 {
            self.next_flow += 1;
            return (self.next_flow, None);
        }
        let slot = run.next_connection;
        run.next_connection = (slot + 1) % src.connections as usize;
        if slot == run.connections.len() {
            self.next_flow += 1;
            run.connections.push((self.next_flow, 0, None));
        }
        let conn = &mut run.connections[slot];
        if conn.1 >= src.requests_per_connection {
            self.next_flow += 1;
            *conn = (self.next_flow, 0, None);
        }
        conn.1 += 1;
        (conn.0, Some(slot as u32))
    }

    /// The target the load balancer pinned attempt `a`'s connection to, if any.
    #[inline]
    pub fn pinned(&self, a: &Attempt) -> Option<u32> {
        a.connection
            .and_then(|c| self.runs[a.source as usize].connections[c as usize].2)
    }

    /// Pins attempt `a`'s keep-alive connection (if it has one) to `target`.
    #[inline]
    pub fn pin(&mut self, a: &Attempt, target: u32) {
        if let Some(c) = a.connection {
            self.runs[a.source as usize].connections[c as usize].2 = Some(target);
        }
    }

    /// The backoff before retrying attempt `a` after `result`, or `None`: the logical request
    /// ends here (success, no policy, or out of attempts).
    #[inline]
    pub fn retry_after(
        &mut self,
        sc: &Scenario,
        a: &Attempt,
        result: Result<(), Failure>,
    ) -> Option<Nanos> {
        match (result, &sc.sources[a.source as usize].retries) {
            (Err(failure), Some(policy)) => policy.after_failure(
                a.number + 1,
                failure.status().unwrap_or(RetryOn::TIMEOUT),
                &mut self.runs[a.source as usize].retry_rng,
            ),
            _ => None,
        }
    }
}
