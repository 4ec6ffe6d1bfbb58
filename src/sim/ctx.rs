//! What every hop and control process of one replication shares: the scenario, the clock, the
//! event queue, the timer FIFOs and the recorder. Each part owns the rest of its state and gets
//! this context passed in, so no part needs to know another's.

use super::event::Event;
use super::timers::{TimerLayout, Timers};
use crate::engine::{CalendarQueue, EventQueue, Handle, Nanos};
use crate::scenario::Scenario;
use crate::stats::recorder::{EventRow, Recorder};

/// The event queue the simulator uses: the calendar queue, the fastest in `simroute bench`
/// (fewest instructions per event and best wall time); it pops exactly the BinaryHeap's order.
pub type DefaultQueue = CalendarQueue<Event>;

/// The shared part of a replication's state.
pub(super) struct Ctx<'a> {
    pub sc: &'a Scenario,
    pub now: Nanos,
    pub queue: DefaultQueue,
    pub timers: Timers,
    pub rec: Recorder,
}

impl<'a> Ctx<'a> {
    pub fn new(sc: &'a Scenario, rec: Recorder) -> Self {
        let layout = TimerLayout {
            sources: sc.sources.len() as u32,
            groups: sc.groups.len() as u32,
        };
        Ctx {
            sc,
            now: 0,
            queue: DefaultQueue::default(),
            timers: Timers::new(layout),
            rec,
        }
    }

    /// Schedules `event` at `at`.
    #[inline]
    pub fn at(&mut self, at: Nanos, event: Event) {
        self.queue.push(at, event);
    }

    /// Schedules `event` `delay` from now. A delay past the end of time (a service time scaled
    /// by an absurd slow factor) saturates: the event is simply never reached.
    #[inline]
    pub fn after(&mut self, delay: Nanos, event: Event) {
        self.queue.push(self.now.saturating_add(delay), event);
    }

    /// Starts timer FIFO `timer` for `req`, due at `deadline`.
    #[inline]
    pub fn start_timer(&mut self, timer: u32, deadline: Nanos, req: Handle) {
        if let Some(at) = self.timers.fifos[timer as usize].push(deadline, req) {
            self.queue.push(at, Event::Timer { timer });
        }
    }

    /// The end of a time-series bucket: the recorder closes it, the progress report hears of
    /// it, and the next one is scheduled.
    pub fn tick(&mut self, progress: Option<&(dyn Fn(Nanos) + Sync)>) {
        self.rec.tick(self.now);
        if let Some(report) = progress {
            report(self.now);
        }
        if self.now + self.sc.interval <= self.sc.duration {
            self.after(self.sc.interval, Event::Tick);
        }
    }

    /// Writes an `events.csv` row at the current time.
    pub fn log(
        &mut self,
        kind: &'static str,
        group: u32,
        target: Option<u32>,
        from: &str,
        to: &str,
        detail: String,
    ) {
        self.rec.event(EventRow {
            t: self.now,
            kind,
            group,
            target,
            from: from.into(),
            to: to.into(),
            detail,
        });
    }
}
