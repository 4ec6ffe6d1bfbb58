//! The one event type. Small (12 bytes, so a queue entry with its 16-byte key is 32 bytes) and
//! `Copy`: events carry indices and slab handles, never names or boxes.

use crate::engine::Handle;

/// Something that happens at a point in simulated time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// Traffic source `source` sends a request (and schedules its next one).
    Arrival {
        /// Index into `Scenario::sources`.
        source: u32,
    },
    /// The app finished serving a request.
    AppDone {
        /// The request.
        req: Handle,
    },
    /// The client's timeout for a request expires (ignored if it was answered in time).
    ClientTimeout {
        /// The request.
        req: Handle,
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
