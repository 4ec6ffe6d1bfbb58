//! The future-event list: events come out in `(time, sequence)` order, the sequence number being
//! assigned at scheduling. Ties therefore leave in the order they were scheduled, which makes a
//! run reproducible to the byte.
//!
//! The simulator's queue is [`CalendarQueue`], Brown's calendar queue: a ring of sorted day
//! buckets, resized as it grows, O(1) expected per push and pop. [`EventQueue`] is a trait so
//! that the benchmarks can run the same model over other queues (a binary heap, the
//! `priority-queue` crate, a radix heap: `benches/queues/`, measured by `cargo bench --bench
//! event_queue` and `cargo bench --bench engine`); the simulator is generic over it (static
//! dispatch, no trait objects in the hot loop).
//!
//! The calendar queue relies on simulated time never going backwards: an event is never
//! scheduled before the time of the last event popped (the simulator only schedules at `now` or
//! later). It keeps ties in scheduling order without storing a sequence number, by keeping each
//! bucket in insertion order among equal times; the differential tests check this against a
//! plain ordered map.

use super::time::Nanos;

/// A priority queue of events keyed by `(time, insertion order)`.
pub trait EventQueue<E: Copy> {
    /// Schedules `event` at `time`. `time` must not be earlier than the time of the last event
    /// popped (simulated time never goes backwards); the bucketed queues rely on it and panic
    /// otherwise.
    fn push(&mut self, time: Nanos, event: E);
    /// Removes and returns the earliest event (ties: the first scheduled).
    fn pop(&mut self) -> Option<(Nanos, E)>;
    /// Number of pending events.
    fn len(&self) -> usize;
    /// True when nothing is pending.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Fewest buckets a [`CalendarQueue`] shrinks to.
const CALENDAR_MIN_BUCKETS: usize = 16;
/// Pops between checks that the day width still suits the event spacing.
const CALENDAR_CHECK_EVERY: u32 = 4096;

/// A calendar queue (R. Brown, CACM 1988): a ring of `2^k` "days" of `2^shift` ns each; an event
/// goes to day `(time >> shift) mod 2^k`, kept sorted there. Popping walks the days from the
/// current one and takes an event only if it falls in the current year, so with a day width
/// near the mean event spacing a push or pop touches O(1) events.
///
/// The ring doubles when it holds more than two events per day and halves below one per two days;
/// each resize re-estimates the day width from the spacing of the earliest events. Because the
/// pending set can change shape without changing size (a burst of ties, a slower phase), the
/// width is also re-estimated when the average pop has to walk too many empty days or the
/// average push has to step over too many events.
///
/// Each day is a `Vec` sorted latest first, so its earliest event is popped from the end in O(1).
/// Days hold about one event on average, so a push appends and then steps over the day's events
/// that are not later than it (insertion sort, no `memmove` call); stopping at later events
/// only, it lands before those of equal time, so equal times leave in scheduling order.
pub struct CalendarQueue<E> {
    /// `days[d]`: the events of day `d` of every year, latest first.
    days: Vec<Vec<(Nanos, E)>>,
    /// `days.len() - 1` (the length is a power of two).
    mask: u64,
    /// log2 of the day width in ns.
    shift: u32,
    /// Absolute day number (`time >> shift`) the next pop starts looking from; no pending event
    /// is earlier than this day.
    cur_day: u64,
    /// Time of the last event popped (the monotonicity check).
    last: Nanos,
    len: usize,
    /// Days stepped over by pops and events stepped over by pushes since the last width check.
    walked: u64,
    stepped: u64,
    pops: u32,
    /// Scratch space for resizing, kept to avoid allocating each time.
    scratch: Vec<(Nanos, E)>,
}

impl<E: Copy> Default for CalendarQueue<E> {
    fn default() -> Self {
        CalendarQueue {
            days: (0..CALENDAR_MIN_BUCKETS).map(|_| Vec::new()).collect(),
            mask: CALENDAR_MIN_BUCKETS as u64 - 1,
            // 2^20 ns ≈ 1 ms until the first resize measures the real spacing.
            shift: 20,
            cur_day: 0,
            last: 0,
            len: 0,
            walked: 0,
            stepped: 0,
            pops: 0,
            scratch: Vec::new(),
        }
    }
}

impl<E: Copy> CalendarQueue<E> {
    /// Rebuilds with `buckets` days and a day width estimated from the earliest pending events.
    /// Rare (amortized O(1) per operation), so kept out of line to keep push and pop small.
    #[cold]
    #[inline(never)]
    fn resize(&mut self, buckets: usize) {
        let mut all = std::mem::take(&mut self.scratch);
        all.clear();
        // Each day is emptied from its end, earliest first: equal times (always in one day) come
        // out in scheduling order, and the stable sort keeps that order.
        for day in &mut self.days {
            while let Some(e) = day.pop() {
                all.push(e);
            }
        }
        all.sort_by_key(|e| e.0);
        self.shift = Self::estimate_shift(&all, self.shift);
        self.days.resize_with(buckets, Vec::new);
        self.mask = buckets as u64 - 1;
        self.cur_day = self.last >> self.shift;
        // Latest first, so appending keeps each day sorted latest first, with equal times in
        // reverse scheduling order as `push` leaves them.
        for &(t, e) in all.iter().rev() {
            self.days[((t >> self.shift) & self.mask) as usize].push((t, e));
        }
        all.clear();
        self.scratch = all;
        self.walked = 0;
        self.stepped = 0;
        self.pops = 0;
    }

    /// log2 of a day width of about three times the mean spacing of the earliest pending events
    /// (Brown's rule, with gaps above twice the mean left out as outliers). `sorted` is sorted
    /// by time.
    fn estimate_shift(sorted: &[(Nanos, E)], current: u32) -> u32 {
        const SAMPLE: usize = 32;
        if sorted.len() < 2 {
            return current;
        }
        let sample = &sorted[..sorted.len().min(SAMPLE)];
        let gaps = || sample.windows(2).map(|w| w[1].0 - w[0].0);
        let mean = gaps().map(|g| g as f64).sum::<f64>() / (sample.len() - 1) as f64;
        let (sum, n) = gaps()
            .filter(|&g| g as f64 <= 2.0 * mean)
            .fold((0.0, 0u32), |(s, n), g| (s + g as f64, n + 1));
        let spacing = if n > 0 && sum > 0.0 {
            sum / f64::from(n)
        } else {
            mean
        };
        if spacing <= 0.0 {
            // All ties: any width works, keep the current one.
            return current;
        }
        let width = (3.0 * spacing).min((1u64 << 62) as f64) as u64;
        width.max(1).next_power_of_two().trailing_zeros()
    }

    /// The earliest pending event's time, searching every day (after a fruitless year's walk).
    #[cold]
    fn earliest(&self) -> Nanos {
        self.days
            .iter()
            .filter_map(|d| d.last().map(|e| e.0))
            .min()
            .expect("called only when events are pending")
    }

    /// The width check after [`CALENDAR_CHECK_EVERY`] pops: more than ~4 empty days walked per pop
    /// or ~4 events stepped over per push on average means the width no longer fits.
    #[cold]
    #[inline(never)]
    fn check_width(&mut self) {
        let limit = 4 * u64::from(self.pops);
        if self.walked > limit || self.stepped > limit {
            self.resize(self.days.len());
        } else {
            self.walked = 0;
            self.stepped = 0;
            self.pops = 0;
        }
    }
}

impl<E: Copy> EventQueue<E> for CalendarQueue<E> {
    #[inline(always)]
    fn push(&mut self, time: Nanos, event: E) {
        assert!(time >= self.last, "event scheduled in the past");
        let day = &mut self.days[((time >> self.shift) & self.mask) as usize];
        day.push((time, event));
        let day = day.as_mut_slice();
        let end = day.len() - 1;
        let mut i = end;
        while i > 0 {
            let before = day[i - 1];
            if before.0 > time {
                break;
            }
            day[i] = before;
            i -= 1;
        }
        day[i] = (time, event);
        self.stepped += (end - i) as u64;
        self.len += 1;
        if self.len > 2 * self.days.len() {
            self.resize(self.days.len() * 2);
        }
    }

    #[inline]
    fn pop(&mut self) -> Option<(Nanos, E)> {
        if self.len == 0 {
            return None;
        }
        let mut day = self.cur_day;
        let mut steps = 0;
        let (time, event) = loop {
            let bucket = &mut self.days[(day & self.mask) as usize];
            if let Some(&(t, _)) = bucket.last()
                && t >> self.shift == day
            {
                break bucket.pop().expect("not empty");
            }
            day = day.wrapping_add(1);
            steps += 1;
            if steps > self.mask {
                // A whole year without an event: jump straight to the earliest one.
                day = self.earliest() >> self.shift;
            }
        };
        self.cur_day = day;
        self.last = time;
        self.len -= 1;
        self.walked += steps;
        self.pops += 1;
        if self.days.len() > CALENDAR_MIN_BUCKETS && self.len < self.days.len() / 2 {
            self.resize(self.days.len() / 2);
        } else if self.pops >= CALENDAR_CHECK_EVERY {
            self.check_width();
        }
        Some((time, event))
    }

    fn len(&self) -> usize {
        self.len
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Checks any queue against the `(time, seq)` contract; reused by every implementation.
    pub(crate) fn check_order<Q: EventQueue<u32> + Default>() {
        let mut q = Q::default();
        q.push(5, 1);
        q.push(3, 2);
        q.push(5, 3);
        q.push(3, 4);
        q.push(10, 5);
        assert_eq!(q.len(), 5);
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(order, vec![(3, 2), (3, 4), (5, 1), (5, 3), (10, 5)]);
        assert!(q.is_empty());
        // Interleaved pushes and pops, as a simulation does (never scheduling in the past).
        let mut q = Q::default();
        let mut state = 12345u64;
        let mut now = 0;
        let mut popped = Vec::new();
        for i in 0..20_000u32 {
            state = crate::engine::rng::mix64(state);
            q.push(now + state % 1_000_000, i);
            if i % 3 != 0 {
                let (t, e) = q.pop().unwrap();
                assert!(t >= now);
                now = t;
                popped.push((t, e));
            }
        }
        while let Some((t, e)) = q.pop() {
            assert!(t >= now);
            now = t;
            popped.push((t, e));
        }
        assert_eq!(popped.len(), 20_000);
    }

    /// The reference for the differential test: an ordered map keyed by `(time, seq)`.
    #[derive(Default)]
    pub(crate) struct Reference {
        map: std::collections::BTreeMap<(Nanos, u64), u32>,
        seq: u64,
    }

    impl EventQueue<u32> for Reference {
        fn push(&mut self, time: Nanos, event: u32) {
            self.seq += 1;
            self.map.insert((time, self.seq), event);
        }
        fn pop(&mut self) -> Option<(Nanos, u32)> {
            self.map.pop_first().map(|((t, _), e)| (t, e))
        }
        fn len(&self) -> usize {
            self.map.len()
        }
    }

    /// Drives `Q` and [`Reference`] with the same random pushes and pops and checks that
    /// every pop agrees, ties included. Phases vary the time increments (all ties, tiny, the
    /// simulator's range, huge jumps) and the push/pop balance (the queue grows to a few thousand
    /// events and drains to empty, which makes the calendar queue resize both ways).
    pub(crate) fn check_against_reference<Q: EventQueue<u32> + Default>(seed: u64) {
        let mut q = Q::default();
        let mut reference = Reference::default();
        let mut state = seed;
        let mut rand = move || {
            state = crate::engine::rng::mix64(state);
            state
        };
        let mut now: Nanos = 0;
        let mut id = 0u32;
        let mut pops = 0u64;
        for phase in 0..60 {
            let spread: u64 = match phase % 5 {
                0 => 1, // every event at `now`: all ties
                1 => 8, // many ties
                2 => 1_000_000,
                3 => 1 << 40,
                _ => 20_000_000,
            };
            // Grow, hold, then drain.
            let push_pct = [70, 50, 30][(phase / 5) % 3];
            for _ in 0..3_000 {
                if rand() % 100 < push_pct || reference.is_empty() {
                    // Sometimes an exact tie with a pending time, not only with `now`.
                    let t = now + rand() % spread;
                    q.push(t, id);
                    reference.push(t, id);
                    id += 1;
                } else {
                    let expected = reference.pop();
                    assert_eq!(q.pop(), expected, "seed {seed}, phase {phase}, pop {pops}");
                    now = expected.expect("not empty").0;
                    pops += 1;
                }
                assert_eq!(q.len(), reference.len());
            }
        }
        while let Some(expected) = reference.pop() {
            assert_eq!(q.pop(), Some(expected));
        }
        assert_eq!(q.pop(), None);
        assert!(q.is_empty());
        // Times near the top of the range.
        let top = Nanos::MAX - 1000;
        for i in 0..500u32 {
            let t = top + u64::from(i * 7 % 1000);
            q.push(t, i);
            reference.push(t, i);
        }
        while let Some(expected) = reference.pop() {
            assert_eq!(q.pop(), Some(expected));
        }
    }

    #[test]
    fn calendar_queue_orders_by_time_then_seq() {
        check_order::<CalendarQueue<u32>>();
        for seed in 0..4 {
            check_against_reference::<CalendarQueue<u32>>(seed);
        }
    }

    #[test]
    fn calendar_queue_adapts_its_width_and_size() {
        let mut q = CalendarQueue::<u32>::default();
        // 10 000 events 1 µs apart: the ring grows and the day narrows to a few µs.
        for i in 0..10_000u32 {
            q.push(u64::from(i) * 1_000, i);
        }
        assert!(q.days.len() >= 4096, "{} days", q.days.len());
        assert!(q.shift <= 12, "day of 2^{} ns", q.shift);
        for i in 0..10_000u32 {
            assert_eq!(q.pop(), Some((u64::from(i) * 1_000, i)));
        }
        assert_eq!(
            q.days.len(),
            CALENDAR_MIN_BUCKETS,
            "shrinks back when drained"
        );
    }

    #[test]
    fn calendar_queue_rewidths_when_the_spacing_changes_at_constant_size() {
        // Hold model with 1 000 events: pop one, push it again a random increment later. The
        // mean spacing is increment / 1 000: 1 ms, then 1 µs. The size never changes, so only
        // the cost check can notice that the days became far too wide.
        let mut q = CalendarQueue::<u32>::default();
        let mut state = 1u64;
        let mut hold = |q: &mut CalendarQueue<u32>, mean: u64, n: usize| {
            for _ in 0..n {
                state = crate::engine::rng::mix64(state);
                let (t, e) = q.pop().unwrap();
                q.push(t + state % (2 * mean), e);
            }
        };
        for i in 0..1_000u32 {
            q.push(u64::from(i) * 1_000_000, i);
        }
        hold(&mut q, 1_000_000_000, 20_000);
        let wide = q.shift;
        hold(&mut q, 1_000_000, 20_000);
        assert!(q.shift + 6 <= wide, "2^{} ns days, was 2^{wide}", q.shift);
    }

    #[test]
    #[should_panic(expected = "in the past")]
    fn calendar_queue_refuses_the_past() {
        let mut q = CalendarQueue::<u32>::default();
        q.push(10, 0);
        q.pop();
        q.push(9, 1);
    }
}
