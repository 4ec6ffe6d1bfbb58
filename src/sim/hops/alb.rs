//! The ALB's side of sending a request to a target: its connect timeout when the task is gone
//! (a crashed task answers no SYN: 504 after 10 s), its idle timeout otherwise, and the
//! keep-alive race of its pooled connections (502 when the target closed the connection the
//! ALB reuses). Only groups behind an ALB come here.

use std::collections::VecDeque;

use super::super::attempt::{Attempt, Phase};
use super::super::ctx::Ctx;
use super::super::path::Step;
use super::Parts;
use crate::engine::time::NANOS_PER_SEC;
use crate::engine::{Handle, Nanos};
use crate::scenario::{AlbGroup, Scenario};
use crate::vocab::Failure;

/// Most idle connections an ALB keeps per target in the keep-alive race model; older ones are
/// forgotten first (they are the ones closest to being known closed).
const POOL_CAP: usize = 4096;

/// The ALB's connect timeout to a target: "the load balancer failed to establish a connection
/// to the target before the connection timeout expired (10 seconds)" ⇒ 504 (reference §4, A3).
const CONNECT_TIMEOUT: Nanos = 10 * NANOS_PER_SEC;

/// What sending a request to a target through the ALB starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::sim) enum Send {
    /// The task is gone: nothing answers the SYN; 504 at the connect timeout.
    ConnectTimeout,
    /// Sent; 504 if the target stays silent for this long (the idle timeout).
    IdleTimeout(Nanos),
    /// The reused pooled connection had just been closed by the target: RST ⇒ 502 at once.
    Reset,
}

/// The ALB hop (on the paths of user requests to a group behind an ALB, after the pick): the
/// request's connect or idle timer starts, or the pooled connection the ALB reuses turns out
/// closed by the target (502 at once).
pub(in crate::sim) fn send(p: &mut Parts, req: Handle, a: &mut Attempt) -> Step {
    let alb = p.ctx.sc.groups[a.group as usize]
        .alb
        .expect("the ALB hop is only on paths to a group behind an ALB");
    let crashed = p.groups[a.group as usize].targets[a.target as usize]
        .faults
        .crashed;
    if p.albs.send(p.ctx, alb, req, (a.group, a.target), crashed) == Send::Reset {
        a.mark = p.ctx.now;
        a.phase = Phase::Done;
        return Step::Answer(Err(Failure::BadGateway502), 0);
    }
    Step::Next(0)
}

/// Per group and target behind an ALB with a keep-alive race: when each idle pooled connection
/// became idle, oldest first (empty otherwise).
pub(in crate::sim) struct AlbPools {
    pools: Vec<Vec<VecDeque<Nanos>>>,
}

impl AlbPools {
    pub fn new(sc: &Scenario) -> Self {
        AlbPools {
            pools: sc.groups.iter().map(|_| Vec::new()).collect(),
        }
    }

    /// The pooled idle connections of `target` (grown as targets are added).
    fn pool(&mut self, group: u32, target: u32) -> &mut VecDeque<Nanos> {
        let pools = &mut self.pools[group as usize];
        if pools.len() <= target as usize {
            pools.resize_with(target as usize + 1, Default::default);
        }
        &mut pools[target as usize]
    }

    /// The ALB sends user request `req` to `target` of `group`: starts the timer of what
    /// that began, and says what it was.
    fn send(
        &mut self,
        ctx: &mut Ctx,
        alb: AlbGroup,
        req: Handle,
        (group, target): (u32, u32),
        crashed: bool,
    ) -> Send {
        let layout = ctx.timers.layout;
        let sent = self.outcome(alb, ctx.now, group, target, crashed);
        match sent {
            Send::ConnectTimeout => {
                ctx.start_timer(layout.alb_connect(group), ctx.now + CONNECT_TIMEOUT, req)
            }
            Send::IdleTimeout(idle) => ctx.start_timer(layout.alb_idle(group), ctx.now + idle, req),
            Send::Reset => {}
        }
        sent
    }

    /// What sending a request to `target` at `now` starts.
    fn outcome(
        &mut self,
        alb: AlbGroup,
        now: Nanos,
        group: u32,
        target: u32,
        crashed: bool,
    ) -> Send {
        if crashed {
            return Send::ConnectTimeout;
        }
        if let Some((keepalive, horizon)) = alb.keepalive_race {
            // The ALB reuses its most recently idle connection (assumed; as nginx's upstream
            // keep-alive cache does). Idle for less than the target's keep-alive timeout: still
            // open. Idle past `horizon`: the ALB has seen the target's FIN (or closed it at its
            // own idle timeout), so it opens a new connection. In between, the target closed it
            // as the request went out: RST ⇒ 502 (reference §8, KC elb-alb-troubleshoot-502).
            let pool = self.pool(group, target);
            if let Some(&since) = pool.back() {
                let age = now - since;
                if age >= horizon {
                    pool.clear();
                } else {
                    pool.pop_back();
                    if age >= keepalive {
                        return Send::Reset;
                    }
                }
            }
        }
        Send::IdleTimeout(alb.idle_timeout)
    }

    /// The target answered attempt `a` (from the app or nginx): if the ALB sent it there and
    /// still waits for it, its connection goes back to the pool.
    #[inline(always)]
    pub fn release_for(&mut self, ctx: &Ctx, a: &Attempt) {
        if !a.counted || a.answered {
            return;
        }
        if let Some(alb) = ctx.sc.groups[a.group as usize].alb {
            self.release(alb, ctx.now, a.group, a.target);
        }
    }

    /// The target answered a request at `now`: behind an ALB with a keep-alive race, the
    /// connection goes back to the pool, idle from now.
    #[inline(never)]
    fn release(&mut self, alb: AlbGroup, now: Nanos, group: u32, target: u32) {
        let Some((_, horizon)) = alb.keepalive_race else {
            return;
        };
        let pool = self.pool(group, target);
        while pool
            .front()
            .is_some_and(|&since| now - since >= horizon || pool.len() >= POOL_CAP)
        {
            pool.pop_front();
        }
        pool.push_back(now);
    }
}
