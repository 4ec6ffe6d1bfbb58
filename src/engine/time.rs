//! Simulated time: an integer count of nanoseconds. Integers never drift over long runs and make
//! ties exact, which the `(time, seq)` ordering relies on for byte-identical replays.

/// A point in (or span of) simulated time, in nanoseconds since the start of the run.
pub type Nanos = u64;

/// Nanoseconds in one millisecond.
pub const NANOS_PER_MS: Nanos = 1_000_000;
/// Nanoseconds in one second.
pub const NANOS_PER_SEC: Nanos = 1_000_000_000;

/// Converts seconds to nanoseconds, rounding to the nearest nanosecond; negative input gives 0.
pub fn from_secs(s: f64) -> Nanos {
    (s * NANOS_PER_SEC as f64).round().max(0.0) as Nanos
}

/// Converts milliseconds to nanoseconds, rounding to the nearest nanosecond; negative input gives 0.
pub fn from_ms(ms: f64) -> Nanos {
    (ms * NANOS_PER_MS as f64).round().max(0.0) as Nanos
}

/// Converts nanoseconds to seconds.
pub fn to_secs(t: Nanos) -> f64 {
    t as f64 / NANOS_PER_SEC as f64
}

/// Converts nanoseconds to milliseconds.
pub fn to_ms(t: Nanos) -> f64 {
    t as f64 / NANOS_PER_MS as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_round_trip() {
        assert_eq!(from_secs(1.5), 1_500_000_000);
        assert_eq!(from_ms(0.1), 100_000);
        assert_eq!(from_ms(-3.0), 0);
        assert_eq!(to_ms(from_ms(35.25)), 35.25);
        assert_eq!(to_secs(from_secs(600.0)), 600.0);
    }
}
