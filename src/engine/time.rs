//! Simulated time: an integer count of nanoseconds. Integers never drift over long runs and make
//! ties exact, which the `(time, seq)` ordering relies on for byte-identical replays.

/// A point in (or span of) simulated time, in nanoseconds since the start of the run.
pub type Nanos = u64;

/// Nanoseconds in one millisecond.
pub const NANOS_PER_MS: Nanos = 1_000_000;
/// Nanoseconds in one second.
pub const NANOS_PER_SEC: Nanos = 1_000_000_000;

/// Rounds to the nearest integer, halves away from zero, negative and NaN giving 0 and values
/// past `u64::MAX` saturating: exactly `x.round().max(0.0) as Nanos`, for every `f64`.
///
/// Written out because `f64::round` is a libm call on baseline x86-64 (no SSE4.1 `roundsd`),
/// about 24 instructions per event in the simulator (every arrival and service time goes
/// through it). Why it is exact: `x as Nanos` truncates (saturating, NaN and negatives to 0);
/// below 2^53 the truncation converts back exactly, so `x - t` is the exact fractional part and
/// `>= 0.5` rounds half away from zero; from 2^53 every `f64` is an integer and the fraction is
/// 0; past `u64::MAX`, `t` is saturated and the add saturates too; for negatives and NaN the
/// "fraction" is negative or NaN and the comparison is false.
#[inline]
fn round_to_nanos(x: f64) -> Nanos {
    // Every simulated time (below 146 years) takes the first branch, where signed conversions
    // are single instructions; `u64` ones are a dozen on x86-64.
    if (0.0..(1u64 << 62) as f64).contains(&x) {
        let t = x as i64;
        let t = if x - t as f64 >= 0.5 { t + 1 } else { t };
        return t as Nanos;
    }
    let t = x as Nanos;
    if x - t as f64 >= 0.5 {
        t.saturating_add(1)
    } else {
        t
    }
}

/// Converts seconds to nanoseconds, rounding to the nearest nanosecond; negative input gives 0.
#[inline]
pub fn from_secs(s: f64) -> Nanos {
    round_to_nanos(s * NANOS_PER_SEC as f64)
}

/// Converts milliseconds to nanoseconds, rounding to the nearest nanosecond; negative input gives 0.
#[inline]
pub fn from_ms(ms: f64) -> Nanos {
    round_to_nanos(ms * NANOS_PER_MS as f64)
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

    #[test]
    fn rounding_matches_f64_round_everywhere() {
        let reference = |x: f64| x.round().max(0.0) as Nanos;
        let mut special = vec![
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.5,
            2.5,
            0.49999999999999994,
            4503599627370495.5, // 2^52 - 0.5
            4503599627370496.0,
            9007199254740993.0,
            1.8446744073709552e19, // 2^64
            2f64.powi(64).next_down(),
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            -f64::NAN,
        ];
        // Halves and their neighbours at every scale.
        for e in 0..70 {
            let base = 2f64.powi(e) + 0.5;
            special.extend([base, base.next_up(), base.next_down()]);
        }
        let mut state = 3u64;
        for i in 0..2_000_000u64 {
            state = crate::engine::rng::mix64(state);
            // Any bit pattern, and then the magnitudes times are made of.
            let x = if i % 2 == 0 {
                f64::from_bits(state)
            } else {
                (state >> 11) as f64 / (1u64 << (state % 53)) as f64
            };
            assert_eq!(round_to_nanos(x), reference(x), "{x:e}");
        }
        for x in special {
            assert_eq!(round_to_nanos(x), reference(x), "{x:e}");
        }
    }
}
