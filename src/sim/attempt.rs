//! One try of a request through the path, as the slab stores it: what kind of request it is,
//! where it is on its path, and what it holds along the way, each as a typed field.

use crate::engine::Nanos;
use crate::vocab::Failure;

/// Who sent an attempt. Only user attempts have a source, retries and stage figures; checks
/// run against the target they were made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// A client request of source `Attempt::source`.
    User,
    /// One load balancer node's HTTP health-check probe (through nginx, like a request).
    ElbProbe,
    /// An ECS container health check (inside the task: straight to the app).
    ContainerCheck,
}

/// What an attempt is doing at its place on the path (which hop: `Attempt::pos`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    /// Waiting out a retry backoff.
    Backoff,
    /// On its way to (or at) hop `pos` of its path.
    Transit,
    /// A hop answered it (the authorizer rejecting a token, nginx's 500 for want of an
    /// upstream slot, an ALB's own response); the client has the outcome when its hop event
    /// comes.
    Answering(Result<(), Failure>),
    /// Queued at or served by the app.
    AtApp,
    /// Sent to a task that no longer answers: waits for a timeout or the NLB's reset.
    BlackHole,
    /// Nothing more will happen to it (only kept while other parts still hold it).
    Done,
}

/// What an attempt holds at the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum AppHold {
    /// Nothing.
    None,
    /// A place in the app's queue or one of its workers.
    Held,
    /// A worker of a hung app, which never answers until the fault ends.
    Stuck,
}

/// Marks an attempt not (yet) in any target's in-flight list.
pub(super) const NOT_LISTED: u32 = u32::MAX;

/// One attempt of a client request, or a health check.
#[derive(Debug, Clone, Copy)]
pub(super) struct Attempt {
    /// When the logical request first arrived (latency and measured-window reference).
    pub first_arrived: Nanos,
    /// When this attempt entered its current wait (the app queue).
    pub mark: Nanos,
    pub flow: u64,
    /// The traffic source (user attempts only).
    pub source: u32,
    /// Its path (`Paths::hops`) and the hop it is at or on its way to.
    pub path: u32,
    pub pos: u8,
    pub group: u32,
    pub target: u32,
    pub credential: u32,
    /// Retry number: 0 for the first attempt.
    pub number: u32,
    pub kind: Kind,
    pub phase: Phase,
    /// The client (or checker) has its outcome.
    pub answered: bool,
    /// Counted in its target's outstanding requests (a user attempt the balancer sent there).
    pub counted: bool,
    /// Holds two of nginx's connection slots (the client's and the upstream one).
    pub holds_sidecar: bool,
    pub app: AppHold,
    /// Slot in the source's keep-alive pool; `None`: a one-off connection.
    pub connection: Option<u32>,
    /// Position in its target's in-flight list ([`NOT_LISTED`]: in none).
    pub listed: u32,
}

impl Attempt {
    /// A first attempt of `kind` on path `path` (a user attempt's: its source's), arriving
    /// `now`, starting in `phase` at the path's first hop: no flow, target or connection yet,
    /// holding nothing.
    pub fn new(now: Nanos, kind: Kind, source: u32, path: u32, phase: Phase) -> Self {
        Attempt {
            first_arrived: now,
            mark: now,
            flow: 0,
            source,
            path,
            pos: 0,
            group: 0,
            target: 0,
            credential: 0,
            number: 0,
            kind,
            phase,
            answered: false,
            counted: false,
            holds_sidecar: false,
            app: AppHold::None,
            connection: None,
            listed: NOT_LISTED,
        }
    }

    /// A health check of `target` in `group` on path `path`, sent `now`.
    pub fn check(
        now: Nanos,
        kind: Kind,
        (group, target): (u32, u32),
        path: u32,
        phase: Phase,
    ) -> Self {
        Attempt {
            group,
            target,
            ..Attempt::new(now, kind, 0, path, phase)
        }
    }

    /// User traffic (as opposed to a health check).
    #[inline]
    pub fn is_user(&self) -> bool {
        self.kind == Kind::User
    }

    /// The next try of this logical request after a retryable failure, sent `now`: same
    /// request, client and route; nothing held, on no target's list.
    pub fn retry(&self, now: Nanos) -> Self {
        Attempt {
            mark: now,
            number: self.number + 1,
            pos: 0,
            phase: Phase::Backoff,
            answered: false,
            counted: false,
            holds_sidecar: false,
            app: AppHold::None,
            listed: NOT_LISTED,
            ..*self
        }
    }

    /// The task holding this attempt is gone (its sidecar and app emptied): it holds nothing
    /// there any more. Returns the failure to answer the client with now: `failure`, when the
    /// client still waits; with `None` (a crashed task) nothing answers, and the attempt waits
    /// for a timeout or the load balancer's reset, unless it is still in transit to the app
    /// (`to_app`: its hop event finds no app).
    pub fn lose_task(&mut self, failure: Option<Failure>, to_app: bool) -> Option<Failure> {
        self.app = AppHold::None;
        self.holds_sidecar = false;
        match failure {
            Some(f) => {
                self.phase = Phase::Done;
                (!self.answered).then_some(f)
            }
            None if !to_app => {
                self.phase = if self.answered {
                    Phase::Done
                } else {
                    Phase::BlackHole
                };
                None
            }
            None => None,
        }
    }
}
