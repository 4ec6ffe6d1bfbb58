//! Timers of a fixed length (a client timeout, an integration timeout, a proxy read timeout).
//!
//! Timers of one kind mostly expire in the order they were started: a client timeout starts
//! when an attempt is sent and a proxy read timeout when it reaches the app, both at
//! non-decreasing times plus a fixed length. A FIFO holds them, and only its head needs an event
//! in the main queue. Most timers never fire (the response comes first), so this saves a heap
//! push and pop per request per timer; entries whose request has moved on are recognised as
//! stale when they reach the head (their slab handle, or the request's own state, says so) and
//! are dropped in bulk before the FIFO re-arms, so one event sweeps every timer whose request
//! finished early. Memory is bounded by the number of timers started within one timeout length.
//!
//! Not every kind is started in deadline order: API Gateway's integration timeout runs from
//! when the gateway forwards the request, after its own latency and the authorizer's, which
//! vary per request; the deadline is known on arrival but a later arrival can have an earlier
//! one. Such a deadline is inserted in order, scanning from the back (only the few timers started
//! within the latency spread are passed), and when it becomes the new head the FIFO asks for an
//! earlier event. The event scheduled before is then superseded: [`DeadlineFifo::armed_for`]
//! tells the owner to ignore it.

use std::collections::VecDeque;

use super::slab::Handle;
use super::time::Nanos;

/// A queue of `(deadline, request)` kept in deadline order (ties in insertion order).
#[derive(Debug, Default)]
pub struct DeadlineFifo {
    entries: VecDeque<(Nanos, Handle)>,
    /// When the event the owner scheduled for the head is due; `None`: no event pending.
    armed: Option<Nanos>,
}

impl DeadlineFifo {
    /// An empty FIFO.
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts a timer. Returns `Some(deadline)` when the caller must schedule the FIFO's
    /// event at that time: the FIFO had no event pending, or this deadline comes before the
    /// pending one (which is then superseded, see [`DeadlineFifo::armed_for`]).
    #[inline]
    pub fn push(&mut self, deadline: Nanos, req: Handle) -> Option<Nanos> {
        // In order, after every entry with a deadline not later than this one: almost always
        // the back, so the scan stops at once.
        if self
            .entries
            .back()
            .is_none_or(|&(last, _)| last <= deadline)
        {
            // The usual case: `insert` at the back would take its general shifting path.
            self.entries.push_back((deadline, req));
        } else {
            self.insert_before_back(deadline, req);
        }
        match self.armed {
            Some(due) if due <= deadline => None,
            _ => {
                self.armed = Some(deadline);
                Some(deadline)
            }
        }
    }

    /// The out-of-order case of [`DeadlineFifo::push`] (integration timeouts start after
    /// latencies drawn per request): after every entry with a deadline not later than this one.
    #[inline(never)]
    fn insert_before_back(&mut self, deadline: Nanos, req: Handle) {
        // Sink it from the back, one swap per later deadline: `VecDeque::insert` takes its
        // general path (which half to shift, wrap-around copies) even for a move of one or two
        // places, the usual depth here.
        self.entries.push_back((deadline, req));
        let mut at = self.entries.len() - 1;
        while at > 0 && self.entries[at - 1].0 > deadline {
            self.entries.swap(at - 1, at);
            at -= 1;
        }
    }

    /// Whether the FIFO's event due at `now` is the one it is armed for. An event superseded by
    /// an earlier deadline (or left over after the FIFO re-armed elsewhere) returns `false` and
    /// must be ignored, or the FIFO would re-arm twice and keep a duplicate event alive.
    #[inline]
    pub fn armed_for(&self, now: Nanos) -> bool {
        self.armed == Some(now)
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
        self.armed = self.entries.front().map(|&(d, _)| d);
        self.armed
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

    /// Integration timeouts: started on arrival, running from a forwarding time that varies, so
    /// a later timer can expire first. Each still fires at its own deadline, in deadline order.
    #[test]
    fn out_of_order_deadlines_fire_in_order_and_supersede_the_armed_event() {
        let mut f = DeadlineFifo::new();
        assert_eq!(f.push(115, h(1)), Some(115));
        assert_eq!(f.push(130, h(2)), None);
        assert_eq!(f.push(120, h(3)), None, "behind the head: no new event");
        assert_eq!(
            f.push(103, h(4)),
            Some(103),
            "a new head needs an earlier event"
        );
        assert!(!f.armed_for(115), "the event at 115 is superseded");
        assert!(f.armed_for(103));
        assert_eq!(f.pop_expired(103), Some(h(4)));
        assert_eq!(f.pop_expired(103), None);
        // Re-armed for 115: the superseded event due then is indistinguishable from the new
        // one, so whichever comes first is handled and the other is ignored after the re-arm.
        assert_eq!(f.rearm(), Some(115));
        assert!(f.armed_for(115));
        assert_eq!(f.pop_expired(115), Some(h(1)));
        assert_eq!(f.rearm(), Some(120));
        assert!(!f.armed_for(115), "the duplicate event at 115 is ignored");
        assert!(f.armed_for(120));
        assert_eq!(f.pop_expired(120), Some(h(3)));
        assert_eq!(f.rearm(), Some(130));
        assert_eq!(f.push(125, h(5)), Some(125), "earlier than the armed 130");
        assert!(!f.armed_for(130));
        assert_eq!(f.pop_expired(125), Some(h(5)));
        assert_eq!(f.rearm(), Some(130));
        assert_eq!(f.pop_expired(130), Some(h(2)));
        assert_eq!(f.rearm(), None);
        assert!(!f.armed_for(130));
        assert!(f.is_empty());
    }
}
