//! The discrete-event core. It knows nothing about AWS: integer time, an event queue ordered by
//! `(time, sequence)`, a slab with generation counters for lazy timer cancellation, and
//! independent random streams. The request-path model (`crate::sim`) is built on these pieces.

pub mod deadline;
pub mod queue;
pub mod rng;
pub mod slab;
pub mod time;

pub use deadline::DeadlineFifo;
pub use queue::{CalendarQueue, EventQueue};
pub use rng::{SimRng, StreamId, Streams};
pub use slab::{Handle, Slab};
pub use time::Nanos;
