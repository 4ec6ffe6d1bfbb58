//! Timers of a fixed length (a client timeout, an integration timeout, a proxy read timeout).
//!
//! All timers of one kind last equally long and are started at non-decreasing times, so their
//! deadlines come in order: a FIFO holds them, and only its head needs an event in the main
//! queue. Most timers never fire (the response comes first), so this saves a heap push and pop
//! per request per timer; entries whose request has moved on are recognised as stale when they
//! reach the head (their slab handle, or the request's own state, says so) and are dropped in
//! bulk before the FIFO re-arms, so one event sweeps every timer whose request finished early.
//! Memory is bounded by the number of timers started within one timeout length.

use std::collections::VecDeque;

use super::slab::Handle;
use super::time::Nanos;

/// A FIFO of `(deadline, request)` with non-decreasing deadlines.
#[derive(Debug, Default)]
pub struct DeadlineFifo {
    entries: VecDeque<(Nanos, Handle)>,
    armed: bool,
}

impl DeadlineFifo {
    /// An empty FIFO.
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts a timer. Returns `Some(deadline)` when the caller must schedule the FIFO's
    /// event at that time (the FIFO had no event pending).
    #[inline]
    pub fn push(&mut self, deadline: Nanos, req: Handle) -> Option<Nanos> {
        debug_assert!(
            self.entries.back().is_none_or(|&(d, _)| d <= deadline),
            "deadlines of one timer kind must not decrease"
        );
        self.entries.push_back((deadline, req));
        if self.armed {
            None
        } else {
            self.armed = true;
            Some(deadline)
        }
    }

    /// The FIFO's event fired at `now`: removes and returns the next expired entry. Call until
    /// `None`, then [`DeadlineFifo::rearm`].
    #[inline]
    pub fn pop_expired(&mut self, now: Nanos) -> Option<Handle> {
        match self.entries.front() {
            Some(&(deadline, req)) if deadline <= now => {
                self.entries.pop_front();
                Some(req)
            }
            _ => None,
        }
    }

    /// The next pending timer, if any.
    #[inline]
    pub fn peek(&self) -> Option<(Nanos, Handle)> {
        self.entries.front().copied()
    }

    /// Drops the next pending timer (the caller found it stale).
    #[inline]
    pub fn drop_front(&mut self) {
        self.entries.pop_front();
    }

    /// After the expired entries are handled: the time of the next event to schedule, if any.
    #[inline]
    pub fn rearm(&mut self) -> Option<Nanos> {
        let next = self.entries.front().map(|&(d, _)| d);
        self.armed = next.is_some();
        next
    }

    /// Timers pending (stale ones included).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no timer is pending.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(i: u32) -> Handle {
        Handle {
            index: i,
            generation: 0,
        }
    }

    #[test]
    fn arms_once_and_expires_in_order() {
        let mut f = DeadlineFifo::new();
        assert_eq!(f.push(10, h(1)), Some(10), "the first timer needs an event");
        assert_eq!(f.push(10, h(2)), None);
        assert_eq!(f.push(15, h(3)), None);
        assert_eq!(f.pop_expired(10), Some(h(1)));
        assert_eq!(f.pop_expired(10), Some(h(2)));
        assert_eq!(f.pop_expired(10), None);
        assert_eq!(f.rearm(), Some(15));
        assert_eq!(f.pop_expired(15), Some(h(3)));
        assert_eq!(f.rearm(), None);
        assert_eq!(
            f.push(20, h(4)),
            Some(20),
            "an emptied FIFO needs a new event"
        );
    }
}
