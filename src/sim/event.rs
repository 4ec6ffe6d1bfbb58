//! The one event type. Small (12 bytes, so a queue entry with its 16-byte key is 32 bytes) and
//! `Copy`: events carry indices and slab handles, never names or boxes.

use crate::engine::Handle;

/// Something that happens at a point in simulated time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// Traffic source `source` sends a new request (and schedules its next one).
    Arrival {
        /// Index into `Scenario::sources`.
        source: u32,
    },
    /// An attempt reaches the next hop of its path (which hop: the attempt's phase).
    Hop {
        /// The attempt.
        req: Handle,
    },
    /// The app finished serving an attempt.
    AppDone {
        /// The attempt.
        req: Handle,
    },
    /// A client retry's backoff is over: the attempt is sent.
    Resend {
        /// The new attempt.
        req: Handle,
    },
    /// The head of timer FIFO `timer` may have expired (see `engine::deadline`).
    Timer {
        /// Index of the FIFO.
        timer: u32,
    },
    /// The end of a time-series bucket.
    Tick,
}

#[cfg(test)]
mod tests {
    #[test]
    fn events_stay_small() {
        assert!(std::mem::size_of::<super::Event>() <= 16);
    }
}
