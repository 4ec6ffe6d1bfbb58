//! The queueing building block: `workers` parallel servers behind a FIFO queue with a bound.
//! One target's app container is one `Stage`; with Poisson arrivals and exponential service it
//! is exactly an M/M/c (or M/M/c/K with a bound) queue.

use std::collections::VecDeque;

use crate::engine::Handle;

/// What happened to a request offered to a stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// A worker was free: service starts now.
    Started,
    /// All workers busy: it waits in the queue.
    Queued,
    /// The queue is full: rejected (the app answers 503).
    Rejected,
}

/// Workers plus FIFO queue of one target.
#[derive(Debug, Clone)]
pub struct Stage {
    workers: u32,
    queue_limit: u32,
    busy: u32,
    queue: VecDeque<Handle>,
}

impl Stage {
    /// An idle stage; `queue_limit = u32::MAX` means unbounded.
    pub fn new(workers: u32, queue_limit: u32) -> Self {
        Stage {
            workers,
            queue_limit,
            busy: 0,
            queue: VecDeque::with_capacity(queue_limit.min(64) as usize),
        }
    }

    /// Offers a request: starts it, queues it, or rejects it.
    #[inline]
    pub fn offer(&mut self, req: Handle) -> Admission {
        if self.busy < self.workers {
            self.busy += 1;
            Admission::Started
        } else if (self.queue.len() as u64) < u64::from(self.queue_limit) {
            self.queue.push_back(req);
            Admission::Queued
        } else {
            Admission::Rejected
        }
    }

    /// A worker finished; returns the next queued request, which now holds that worker.
    #[inline]
    pub fn finish(&mut self) -> Option<Handle> {
        debug_assert!(self.busy > 0);
        match self.queue.pop_front() {
            Some(next) => Some(next),
            None => {
                self.busy -= 1;
                None
            }
        }
    }

    /// Busy workers.
    pub fn busy(&self) -> u32 {
        self.busy
    }

    /// Requests waiting.
    pub fn queued(&self) -> u32 {
        self.queue.len() as u32
    }

    /// Requests waiting or in service.
    pub fn outstanding(&self) -> u32 {
        self.busy + self.queue.len() as u32
    }

    /// Parallel workers.
    pub fn workers(&self) -> u32 {
        self.workers
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
    fn admits_queues_then_rejects_in_fifo_order() {
        let mut s = Stage::new(2, 1);
        assert_eq!(s.offer(h(1)), Admission::Started);
        assert_eq!(s.offer(h(2)), Admission::Started);
        assert_eq!(s.offer(h(3)), Admission::Queued);
        assert_eq!(s.offer(h(4)), Admission::Rejected);
        assert_eq!(s.outstanding(), 3);
        assert_eq!(
            s.finish(),
            Some(h(3)),
            "the waiting request takes the freed worker"
        );
        assert_eq!(s.busy(), 2);
        assert_eq!(s.finish(), None);
        assert_eq!(s.finish(), None);
        assert_eq!(s.busy(), 0);
    }

    #[test]
    fn zero_queue_limit_rejects_when_busy() {
        let mut s = Stage::new(1, 0);
        assert_eq!(s.offer(h(1)), Admission::Started);
        assert_eq!(s.offer(h(2)), Admission::Rejected);
    }
}
