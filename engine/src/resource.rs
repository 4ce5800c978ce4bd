//! A resource: servers (threads, connections, cores, workers) with a bounded FIFO queue,
//! or an infinite-server delay (a network call), and the statistics kept about it.

use std::collections::VecDeque;

use serde::Serialize;

use crate::rng::LogNormal;
use crate::stats::{LatencyHistogram, RateWindow, WindowedHistogram};

/// Why a request failed. The HTTP status a user would see is in [`Cause::status`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// It arrived at a full queue (503).
    QueueFull,
    /// It waited or ran past its deadline (504).
    Timeout,
    /// It waited too long for a database connection (500, "too many connections").
    PoolTimeout,
    /// The machine it needed was down: OOM-killed, crashed or deploying (502).
    Down,
    /// A third-party call failed (502).
    Upstream,
}

/// Every cause, in the order of [`Cause::index`].
pub const CAUSES: [Cause; 5] = [
    Cause::QueueFull,
    Cause::Timeout,
    Cause::PoolTimeout,
    Cause::Down,
    Cause::Upstream,
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
        }
    }

    /// The HTTP status a user would get.
    pub fn status(self) -> u16 {
        match self {
            Cause::QueueFull => 503,
            Cause::Timeout => 504,
            Cause::PoolTimeout => 500,
            Cause::Down | Cause::Upstream => 502,
        }
    }
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
    /// Stable id, e.g. "app1.threads".
    pub id: String,
    /// The diagram node it belongs to, e.g. "app1".
    pub node: String,
    /// What it counts, e.g. "threads", "connections", "cores".
    pub role: &'static str,
    /// The machine it runs on (an index into the simulation's hosts).
    pub host: u16,
    /// Servers; ignored for delays.
    pub servers: u32,
    /// How many may wait; `u32::MAX` for no limit.
    pub queue_cap: u32,
    /// Longest wait in the queue before the waiter fails, in seconds (`f64::INFINITY`: none).
    pub wait_timeout: f64,
    /// The cause a waiter that times out fails with.
    pub timeout_cause: Cause,
    /// Memory each busy server takes on its host, in MB.
    pub mem_per_busy_mb: f64,
    /// Probability that a visit to a delay fails (third-party errors).
    pub error_prob: f64,
    /// Pool or delay.
    pub kind: Kind,
}

impl ResourceSpec {
    /// A pool of `servers` with an unbounded queue and no timeout.
    pub fn pool(id: &str, node: &str, role: &'static str, host: u16, servers: u32) -> Self {
        Self {
            id: id.to_owned(),
            node: node.to_owned(),
            role,
            host,
            servers: servers.max(1),
            queue_cap: u32::MAX,
            wait_timeout: f64::INFINITY,
            timeout_cause: Cause::Timeout,
            mem_per_busy_mb: 0.0,
            error_prob: 0.0,
            kind: Kind::Pool,
        }
    }

    /// An infinite-server delay.
    pub fn delay(id: &str, node: &str, role: &'static str, host: u16, delay: Delay) -> Self {
        Self {
            kind: Kind::Delay(delay),
            servers: 0,
            ..Self::pool(id, node, role, host, 1)
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

    /// Each busy server takes `mb` of its host's memory.
    pub fn memory(mut self, mb: f64) -> Self {
        self.mem_per_busy_mb = mb;
        self
    }

    /// Visits fail with probability `p`.
    pub fn errors(mut self, p: f64) -> Self {
        self.error_prob = p;
        self
    }
}

/// Seconds the live window covers.
pub const LIVE_WINDOW_S: f64 = 10.0;
/// Live-window samples kept (one per tick).
const SAMPLES: usize = 11;

/// A resource and everything measured about it.
#[derive(Debug, Clone)]
pub struct Resource {
    /// How it was built.
    pub spec: ResourceSpec,
    /// Servers in use.
    pub busy: u32,
    /// Requests in the queue (the deque may also hold stale entries, skipped when popped).
    pub waiting: u32,
    /// Queue entries: (request slot, generation, time it joined).
    pub queue: VecDeque<(u32, u32, f64)>,
    /// An expiry check is scheduled.
    pub expiry_pending: bool,
    /// Counters since the last reset.
    pub counts: Counts,
    /// Time in the resource (wait + service or hold), since the last reset.
    pub sojourn: LatencyHistogram,
    /// Time in the resource over the live window.
    pub sojourn_live: WindowedHistogram,
    /// Arrivals over the live window.
    pub arrivals_live: RateWindow,
    /// Departures over the live window.
    pub departures_live: RateWindow,
    /// Integrals of busy servers, queue length and requests present, and when they last changed.
    pub integrals: Integrals,
    /// Keep the live-window statistics (the UI needs them; a batch run can skip them).
    pub live: bool,
    /// Boxed: read once a tick, it would otherwise sit between the fields every visit touches.
    samples: Box<[(f64, Integrals); SAMPLES]>,
    sample_next: usize,
    samples_taken: usize,
}

/// Counters a resource keeps.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Counts {
    /// Requests that came to this resource.
    pub arrivals: u64,
    /// Requests that left it normally.
    pub completed: u64,
    /// Requests that left it because they failed, here or elsewhere.
    pub failed: u64,
    /// Failures that started here, by cause.
    pub errors: [u64; CAUSES.len()],
    /// Total time spent waiting in the queue by those who left it (seconds).
    pub wait_sum: f64,
    /// Requests that left the queue (served or not).
    pub waits: u64,
    /// Total time holding a server by those who released one normally (seconds).
    pub service_sum: f64,
    /// Requests that released a server normally.
    pub services: u64,
}

/// Time integrals for time averages (Little's law, utilization).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Integrals {
    /// When they were last brought up to date.
    pub at: f64,
    /// ∫ busy servers dt.
    pub busy: f64,
    /// ∫ queue length dt.
    pub queue: f64,
    /// ∫ requests present (waiting or holding) dt.
    pub present: f64,
    /// When the integrals started.
    pub since: f64,
}

impl Resource {
    /// A resource built from `spec`, with all memory for its statistics allocated now.
    pub fn new(spec: ResourceSpec) -> Self {
        Self {
            spec,
            busy: 0,
            waiting: 0,
            queue: VecDeque::new(),
            expiry_pending: false,
            counts: Counts::default(),
            sojourn: LatencyHistogram::new(),
            sojourn_live: WindowedHistogram::new(LIVE_WINDOW_S, 5),
            arrivals_live: RateWindow::new(LIVE_WINDOW_S, 10).started_at(0.0),
            departures_live: RateWindow::new(LIVE_WINDOW_S, 10).started_at(0.0),
            integrals: Integrals::default(),
            live: true,
            samples: Box::new([(0.0, Integrals::default()); SAMPLES]),
            sample_next: 0,
            samples_taken: 0,
        }
    }

    /// True for an infinite-server delay.
    pub fn is_delay(&self) -> bool {
        matches!(self.spec.kind, Kind::Delay(_))
    }

    /// Requests present: waiting, or holding a server (for a delay: being delayed).
    pub fn present(&self) -> u32 {
        self.busy + self.waiting
    }

    /// Brings the time integrals up to `now`; call before any change of `busy` or `waiting`.
    #[inline]
    pub fn integrate(&mut self, now: f64) {
        let dt = now - self.integrals.at;
        if dt > 0.0 {
            let i = &mut self.integrals;
            i.busy += f64::from(self.busy) * dt;
            i.queue += f64::from(self.waiting) * dt;
            i.present += f64::from(self.busy + self.waiting) * dt;
            i.at = now;
        }
    }

    /// A free server, if any (a delay always has one).
    pub fn has_free_server(&self) -> bool {
        self.is_delay() || self.busy < self.spec.servers
    }

    /// Records an arrival at `now`.
    #[inline]
    pub fn arrive(&mut self, now: f64) {
        self.counts.arrivals += 1;
        if self.live {
            self.arrivals_live.record(now, 1);
        }
    }

    /// Records a departure at `now` after `sojourn` seconds here.
    #[inline]
    pub fn depart(&mut self, now: f64, sojourn: f64, ok: bool) {
        if ok {
            self.counts.completed += 1;
        } else {
            self.counts.failed += 1;
        }
        if self.live {
            self.sojourn_live
                .record_also(now, sojourn, &mut self.sojourn);
            self.departures_live.record(now, 1);
        } else {
            self.sojourn.record(sojourn);
        }
    }

    /// Forgets everything measured so far (end of warm-up); the state stays.
    pub fn reset_stats(&mut self, now: f64) {
        self.integrate(now);
        self.counts = Counts::default();
        self.sojourn.clear();
        self.integrals = Integrals {
            at: now,
            since: now,
            ..Integrals::default()
        };
        *self.samples = [(now, self.integrals); SAMPLES];
        self.samples_taken = 1;
    }

    /// Takes a live-window sample (called once per tick).
    pub fn sample(&mut self, now: f64) {
        self.integrate(now);
        self.samples[self.sample_next] = (now, self.integrals);
        self.sample_next = (self.sample_next + 1) % SAMPLES;
        self.samples_taken = (self.samples_taken + 1).min(SAMPLES);
    }

    /// Time averages of (busy servers, queue length, requests present) over the last
    /// `seconds` (at most the live window; whole ticks, at least one).
    pub fn live_averages(&mut self, now: f64, seconds: f64) -> (f64, f64, f64) {
        self.integrate(now);
        let back = (seconds.ceil().max(1.0) as usize)
            .min(self.samples_taken)
            .min(SAMPLES);
        let oldest = (self.sample_next + SAMPLES - back.max(1)) % SAMPLES;
        let (t0, i0) = self.samples[oldest];
        let dt = now - t0;
        if self.samples_taken == 0 || dt <= 0.0 {
            let b = f64::from(self.busy);
            let q = f64::from(self.waiting);
            return (b, q, b + q);
        }
        let i = self.integrals;
        (
            (i.busy - i0.busy) / dt,
            (i.queue - i0.queue) / dt,
            (i.present - i0.present) / dt,
        )
    }
}
