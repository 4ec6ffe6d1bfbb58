//! The fixed-length timers: one FIFO of deadlines per (kind, owner), only its head in the event
//! queue (`engine::deadline`). Client timeouts per source, the integration timeout of the
//! gateway, and per target group nginx's read timeout, the health-check timeout, the ALB's
//! connect and idle timeouts and the container-check timeout.

use super::attempt::{Attempt, Phase};
use crate::engine::deadline::DeadlineFifo;
use crate::engine::{Handle, Nanos};

/// Indices of the timer FIFOs: one client-timeout FIFO per source, one integration-timeout
/// FIFO, then one proxy-read FIFO and one health-check-timeout FIFO per target group, then (used
/// only behind an ALB) one ALB connect-timeout and one ALB idle-timeout FIFO per group, then one
/// container-check timeout FIFO per group.
#[derive(Clone, Copy)]
pub(super) struct TimerLayout {
    pub sources: u32,
    pub groups: u32,
}

/// What a timer FIFO times.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum TimerKind {
    Client,
    Integration,
    ProxyRead,
    HealthCheck,
    AlbConnect,
    AlbIdle,
    ContainerCheck,
}

impl TimerLayout {
    pub fn client(self, source: u32) -> u32 {
        source
    }
    pub fn integration(self) -> u32 {
        self.sources
    }
    pub fn proxy_read(self, group: u32) -> u32 {
        self.sources + 1 + group
    }
    pub fn health_check(self, group: u32) -> u32 {
        self.sources + 1 + self.groups + group
    }
    pub fn alb_connect(self, group: u32) -> u32 {
        self.sources + 1 + 2 * self.groups + group
    }
    pub fn alb_idle(self, group: u32) -> u32 {
        self.sources + 1 + 3 * self.groups + group
    }
    pub fn container_check(self, group: u32) -> u32 {
        self.sources + 1 + 4 * self.groups + group
    }
    fn count(self) -> u32 {
        self.sources + 1 + 5 * self.groups
    }
    pub fn kind(self, timer: u32) -> TimerKind {
        if timer < self.sources {
            TimerKind::Client
        } else if timer == self.sources {
            TimerKind::Integration
        } else if timer <= self.sources + self.groups {
            TimerKind::ProxyRead
        } else if timer <= self.sources + 2 * self.groups {
            TimerKind::HealthCheck
        } else if timer <= self.sources + 3 * self.groups {
            TimerKind::AlbConnect
        } else if timer <= self.sources + 4 * self.groups {
            TimerKind::AlbIdle
        } else {
            TimerKind::ContainerCheck
        }
    }
}

/// Every timer FIFO of a replication, and a reused buffer of expired entries.
pub(super) struct Timers {
    pub layout: TimerLayout,
    pub fifos: Vec<DeadlineFifo>,
    pub expired: Vec<Handle>,
}

impl Timers {
    /// FIFO `timer`'s event came out at `now`: its expired entries (in the reused buffer, to
    /// be handed back in `expired`) and when to arm it next. Entries `can_fire` rejects at
    /// the head are dropped now, so the next event is for a timer that can still fire. `None`:
    /// the event was superseded by an earlier deadline (integration timeouts start out of
    /// order).
    pub fn expire(
        &mut self,
        timer: u32,
        now: Nanos,
        can_fire: impl Fn(Handle) -> bool,
    ) -> Option<(Vec<Handle>, Option<Nanos>)> {
        let fifo = &mut self.fifos[timer as usize];
        if !fifo.armed_for(now) {
            return None;
        }
        let mut expired = std::mem::take(&mut self.expired);
        while let Some(req) = fifo.pop_expired(now) {
            expired.push(req);
        }
        while let Some((_, req)) = fifo.peek() {
            if can_fire(req) {
                break;
            }
            fifo.drop_front();
        }
        Some((expired, fifo.rearm()))
    }

    pub fn new(layout: TimerLayout) -> Self {
        Timers {
            layout,
            fifos: (0..layout.count()).map(|_| DeadlineFifo::new()).collect(),
            expired: Vec::with_capacity(64),
        }
    }
}

/// Whether a timer of `kind` still matters for attempt `a`: the client has no answer yet, and
/// for nginx's read timeout, the app still holds the request.
pub(super) fn timer_can_fire(kind: TimerKind, a: &Attempt) -> bool {
    !a.answered
        && match kind {
            TimerKind::ProxyRead => a.phase == Phase::AtApp,
            // Still waiting for a connection the crashed task never accepts.
            TimerKind::AlbConnect => a.phase == Phase::BlackHole,
            _ => true,
        }
}
