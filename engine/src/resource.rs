//! A resource: servers (threads, connections, cores, workers) with a bounded FIFO queue,
//! or an infinite-server delay (a network call), and the statistics kept about it.

use serde::Serialize;

use crate::backlog::Backlog;
use crate::parts::ResourceId;
use crate::rng::LogNormal;
use crate::stats::Tally;

/// Why a request failed. (What a user of the web model sees for each is
/// [`crate::reading::http_status`].)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// It arrived at a full queue.
    QueueFull,
    /// It waited or ran past its deadline.
    Timeout,
    /// It waited past the wait timeout of a pool that names this cause for it (a database's
    /// connections).
    PoolTimeout,
    /// The host it needed was down.
    Down,
    /// A visit to a delay failed (a call to someone else's service).
    Upstream,
    /// The model failed it at a mark (a transaction's second half aborted).
    Aborted,
}

/// Every cause, in the order of [`Cause::index`].
pub const CAUSES: [Cause; 6] = [
    Cause::QueueFull,
    Cause::Timeout,
    Cause::PoolTimeout,
    Cause::Down,
    Cause::Upstream,
    Cause::Aborted,
];

impl Cause {
    /// Position in [`CAUSES`] and in per-cause arrays.
    pub fn index(self) -> usize {
        self as usize
    }

    /// A stable code for JSON and URLs.
    pub fn code(self) -> &'static str {
        match self {
            Cause::QueueFull => "queue_full",
            Cause::Timeout => "timeout",
            Cause::PoolTimeout => "pool_timeout",
            Cause::Down => "down",
            Cause::Upstream => "upstream_error",
            Cause::Aborted => "aborted",
        }
    }
}

/// How a request left a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Departure {
    /// Normally.
    Served,
    /// Because it failed, here or elsewhere; `job` when it was a job's attempt (which the
    /// queue retries) rather than someone's request.
    Failed {
        /// A job's attempt.
        job: bool,
    },
}

/// How long a visit to an infinite-server resource takes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Delay {
    /// Always the same, in seconds.
    Fixed(f64),
    /// Exponential with this mean, in seconds.
    Exp(f64),
    /// Log-normal: heavy-tailed, like a third-party API.
    LogNormal(LogNormal),
}

/// What kind of resource this is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// A fixed number of servers and a FIFO queue.
    Pool,
    /// As many servers as needed: every visitor is served at once for a drawn time.
    Delay(Delay),
}

/// How a resource is built.
#[derive(Debug, Clone)]
pub struct ResourceSpec {
    /// Which resource: its part and its role.
    pub id: ResourceId,
    /// The machine it runs on (an index into the simulation's hosts).
    pub host: u16,
    /// Which statistics group it shares its time histogram with: identical servers (every app
    /// server's threads, say) share one.
    pub group: u16,
    /// Servers; ignored for delays.
    pub servers: u32,
    /// How many may wait; `u32::MAX` for no limit.
    pub queue_cap: u32,
    /// Longest wait in the queue before the waiter fails, in seconds (`f64::INFINITY`: none).
    pub wait_timeout: f64,
    /// The cause a waiter that times out fails with.
    pub timeout_cause: Cause,
    /// Probability that a visit to a delay fails (third-party errors).
    pub error_prob: f64,
    /// Pool or delay.
    pub kind: Kind,
}

impl ResourceSpec {
    /// A pool of `servers` with an unbounded queue and no timeout.
    pub fn pool(id: ResourceId, host: u16, servers: u32) -> Self {
        Self {
            id,
            host,
            group: 0,
            servers: servers.max(1),
            queue_cap: u32::MAX,
            wait_timeout: f64::INFINITY,
            timeout_cause: Cause::Timeout,
            error_prob: 0.0,
            kind: Kind::Pool,
        }
    }

    /// An infinite-server delay.
    pub fn delay(id: ResourceId, host: u16, delay: Delay) -> Self {
        Self {
            kind: Kind::Delay(delay),
            servers: 0,
            ..Self::pool(id, host, 1)
        }
    }

    /// Limits the queue to `cap` waiters.
    pub fn queue(mut self, cap: u32) -> Self {
        self.queue_cap = cap;
        self
    }

    /// Waiters fail with `cause` after `seconds` in the queue.
    pub fn timeout(mut self, seconds: f64, cause: Cause) -> Self {
        self.wait_timeout = seconds;
        self.timeout_cause = cause;
        self
    }

    /// Visits fail with probability `p`.
    pub fn errors(mut self, p: f64) -> Self {
        self.error_prob = p;
        self
    }
}

/// A request slot that is none: the end of a [`Queue`].
pub const NO_SLOT: u32 = u32::MAX;

/// The two ends of a resource's FIFO queue of requests, by their slots in the core
/// ([`NO_SLOT`] when empty). The requests in it link to each other, so the queue holds no
/// memory of its own however long it grows (see `Core::join_queue`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Queue {
    /// The oldest waiter, who is served next.
    pub first: u32,
    /// The newest waiter.
    pub last: u32,
}

impl Queue {
    /// No one waiting.
    pub const EMPTY: Self = Self {
        first: NO_SLOT,
        last: NO_SLOT,
    };

    /// The oldest waiter's slot, if anyone waits.
    pub fn front(&self) -> Option<u32> {
        (self.first != NO_SLOT).then_some(self.first)
    }
}

/// A resource and its running totals.
#[derive(Debug, Clone)]
pub struct Resource {
    /// How it was built.
    pub spec: ResourceSpec,
    /// Servers in use.
    pub busy: u32,
    /// Requests waiting: in the queue or in the backlog.
    pub waiting: u32,
    /// The requests in the queue, oldest first.
    pub queue: Queue,
    /// Jobs waiting here as only the time they joined (see `Core::park`); counted in
    /// `waiting`.
    pub backlog: Backlog,
    /// An expiry check is scheduled.
    pub expiry_pending: bool,
    /// Totals since it was built; readings are differences of these.
    pub tally: Tally,
    /// When the time integrals in `tally` were last brought up to date.
    integrated_at: f64,
}

impl Resource {
    /// A resource built from `spec`.
    pub fn new(spec: ResourceSpec) -> Self {
        Self {
            spec,
            busy: 0,
            waiting: 0,
            queue: Queue::EMPTY,
            backlog: Backlog::default(),
            expiry_pending: false,
            tally: Tally::default(),
            integrated_at: 0.0,
        }
    }

    /// True for an infinite-server delay.
    pub fn is_delay(&self) -> bool {
        matches!(self.spec.kind, Kind::Delay(_))
    }

    /// Servers it has (0 for a delay: no limit).
    pub fn servers(&self) -> u32 {
        if self.is_delay() {
            0
        } else {
            self.spec.servers
        }
    }

    /// Requests present: waiting, or holding a server (for a delay: being delayed).
    pub fn present(&self) -> u32 {
        self.busy + self.waiting
    }

    /// Brings the time integrals up to `now`; call before any change of `busy` or `waiting`.
    #[inline]
    pub fn integrate(&mut self, now: f64) {
        let dt = now - self.integrated_at;
        if dt > 0.0 {
            let t = &mut self.tally;
            t.busy_area += f64::from(self.busy) * dt;
            t.queue_area += f64::from(self.waiting) * dt;
            t.present_area += f64::from(self.busy + self.waiting) * dt;
            self.integrated_at = now;
        }
    }

    /// A free server, if any (a delay always has one).
    pub fn has_free_server(&self) -> bool {
        self.is_delay() || self.busy < self.spec.servers
    }

    /// Records the arrival of a request that counts `n` times (its weight, see
    /// [`crate::core::Core::start_weighted`]).
    #[inline]
    pub fn arrive(&mut self, n: u64) {
        self.tally.arrivals += n;
    }

    /// Records the departure, after `sojourn` seconds here, of a request that counts `n` times.
    #[inline]
    pub fn depart(&mut self, sojourn: f64, how: Departure, n: u64) {
        match how {
            Departure::Served => self.tally.completed += n,
            Departure::Failed { job } => {
                self.tally.failed += n;
                self.tally.failed_jobs += u64::from(job) * n;
            }
        }
        self.tally.sojourn_sum += sojourn * n as f64;
    }
}
