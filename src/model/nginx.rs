//! nginx's connection slots: a worker process has `worker_connections` connection structures,
//! and everything it holds open takes one: each listening socket, its channel to the master
//! process, and, for a proxied request, the client's connection and the upstream one.
//!
//! What nginx does when none is free (nginx source, `src/event/ngx_event_accept.c` and
//! `src/core/ngx_connection.c`): the accept handler accepts the connection, `ngx_get_connection`
//! finds no free structure ("worker_connections are not enough") and the socket is closed at
//! once, so the client's connection is closed with no answer; nothing waits. When the client's
//! connection took the last free slot, the upstream connect finds none
//! (`src/event/ngx_event_connect.c`) and `src/http/ngx_http_upstream.c` finalizes the request
//! with 500. So overload is fast loss, an Erlang loss system with `free / 2` places, not a queue.

/// What nginx does with a new connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Accepted and proxied: it holds a client and an upstream slot until answered.
    Proxied,
    /// Accepted into the last free slot; no slot is left for the upstream connection, so
    /// nginx answers 500 and closes the client connection.
    NoUpstreamSlot,
    /// No slot at all: accepted and closed at once, with no answer.
    Closed,
}

/// The free connection slots of one task's nginx.
#[derive(Debug, Clone, Copy)]
pub struct Connections {
    free: u32,
    usable: u32,
}

impl Connections {
    /// All `usable` slots free (`max_connections` less the listening sockets and channels).
    pub fn new(usable: u32) -> Self {
        Connections {
            free: usable,
            usable,
        }
    }

    /// A new connection arrives: proxied (two slots taken), answered 500 (one slot, given back
    /// with the answer), or closed.
    #[inline]
    pub fn offer(&mut self) -> Admission {
        match self.free {
            0 => Admission::Closed,
            1 => Admission::NoUpstreamSlot,
            _ => {
                self.free -= 2;
                Admission::Proxied
            }
        }
    }

    /// A proxied request was answered: its two connections are closed.
    #[inline]
    pub fn finish(&mut self) {
        debug_assert!(self.free + 2 <= self.usable);
        self.free += 2;
    }

    /// Proxied requests in flight.
    pub fn proxied(&self) -> u32 {
        (self.usable - self.free) / 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_of_slots_then_500_then_closed() {
        // 16 worker_connections less a listening socket and the channel: 14 slots, 7 requests.
        let mut even = Connections::new(14);
        for _ in 0..7 {
            assert_eq!(even.offer(), Admission::Proxied);
        }
        assert_eq!(even.proxied(), 7);
        assert_eq!(even.offer(), Admission::Closed);
        even.finish();
        assert_eq!(even.offer(), Admission::Proxied);
        // An odd number of slots leaves one: the client gets it, the upstream does not.
        let mut odd = Connections::new(5);
        assert_eq!(odd.offer(), Admission::Proxied);
        assert_eq!(odd.offer(), Admission::Proxied);
        assert_eq!(odd.offer(), Admission::NoUpstreamSlot);
        assert_eq!(
            odd.offer(),
            Admission::NoUpstreamSlot,
            "the 500 gave its slot back"
        );
        odd.finish();
        assert_eq!(odd.proxied(), 1);
    }
}
