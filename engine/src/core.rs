//! The engine's core: requests that walk a plan of steps through resources, in simulated time.
//!
//! A request's plan is fixed when it arrives (its route through the topology); the core
//! interprets it step by step. Requests live in a slab whose slots are reused, queues and the
//! event heap keep their storage, so the steady state allocates nothing per event.

use std::collections::VecDeque;

use crate::backlog::Waiter;
use crate::events::{EventKind, EventQueue};
use crate::resource::{Cause, Delay, Departure, Kind, Resource, ResourceSpec, NO_SLOT};
use crate::rng::SimRng;
use crate::slab::{Runs, Slab};
use crate::stats::{Counts, LatencyHistogram, Tally, TickCopies, Totals, WindowedHistogram};

/// "No resource" / "no edge".
pub const NONE: u16 = u16::MAX;
/// The longest plan a request can have.
pub const MAX_STEPS: usize = 36;
/// The most resources a request can hold at once: a write holds an app server's thread, a
/// database connection and the row locks; nothing holds more (`Core::grant` asserts it). Every
/// request in flight carries room for this many, so one more costs 10 bytes a request.
const MAX_HELD: usize = 3;
/// The most keys a request reads or writes.
pub const MAX_KEYS: usize = 6;
/// Seconds the live window covers at least: a live reading covers the last whole steps of
/// [`LIVE_STEP_S`], from this many seconds back to now (between 10 and 12 seconds).
pub const LIVE_WINDOW_S: f64 = 10.0;
/// Seconds the live window moves by. Each step costs a copy of every resource's totals and a
/// slot in every live latency histogram (at stage 7 with every knob at its maximum, 56 kB and
/// 160 kB); a one-second step would sharpen only the window's trailing edge, which no panel
/// shows, for 1.1 MB more.
pub const LIVE_STEP_S: f64 = 2.0;

/// A request's `keys` when it reads and writes none.
const NO_KEYS: u32 = u32::MAX;
/// The most request slots [`Core::built`] reserves: 2 MB of 64-byte requests, a quarter of
/// the engine's 8 MB budget. Stage 7's app servers hold 20,480 (64 servers of 64 threads and a
/// backlog of 256); only a scenario file with longer queues asks for more.
const MAX_RESERVED_REQUESTS: usize = 32_768;
/// A request's `held` when it holds no server.
const NO_HELD: u32 = u32::MAX;

/// One step of a request's plan.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Step {
    /// Crossing a link between two parts (an edge of the model's topology), taking `secs`.
    Travel {
        /// Edge index in the topology.
        edge: u16,
        /// Time on the wire.
        secs: f32,
    },
    /// Take a server of a resource and keep it until a matching `Release`.
    Hold(u16),
    /// Give back a held server.
    Release(u16),
    /// Take a server, work for an exponential time with this mean, give it back.
    Serve {
        /// Resource index.
        res: u16,
        /// Mean service time in seconds.
        mean: f32,
        /// Counted apart in the resource's totals (the model's slow query).
        flagged: bool,
    },
    /// Visit an infinite-server delay (a third-party call, an edge cache).
    Visit(u16),
    /// Put a deferred job on the queue (the model plans it: [`Core::take_jobs_to_spawn`]).
    Enqueue,
    /// Something of the model's that happens at an instant: the core hands it to
    /// [`Hooks::mark`].
    Mark(Mark),
}

/// A model's instant step as a plan keeps it: the model's own type ([`Hooks::Mark`]) turns
/// into this and back, and the core knows nothing of what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    /// Which of the model's marks.
    pub code: u8,
    /// Its argument.
    pub arg: u16,
    /// A second, smaller argument.
    pub sub: u8,
}

/// What a model adds to the core's requests: the meaning of its marks, and what it watches as
/// requests move. The core calls each at the moment it happens, so a model can keep tables of
/// its own (a replica's lag, the animation's trail) without the core knowing of them.
pub trait Hooks {
    /// The model's marks.
    type Mark: Copy + Into<Mark> + From<Mark>;

    /// A request reached `Step::Mark(mark)`: what happens to it.
    fn mark(&mut self, mark: Self::Mark, at: At<'_>) -> Verdict;

    /// A request that counts `weight` times set off along `edge`, now.
    #[inline]
    fn hop(&mut self, _now: f64, _edge: u16, _class: Class, _job: bool, _weight: u32) {}

    /// A user request failed now, at resource `origin` ([`NONE`]: at none).
    #[inline]
    fn user_failed(&mut self, _now: f64, _origin: u16) {}

    /// A request failed with something a mark opened ([`Verdict::Open`]) not closed yet.
    #[inline]
    fn left_open(&mut self, _counts: &mut Counts) {}

    /// A server of `res`, on `host` (`up` or not), was taken now. True takes the host down
    /// now: what the server took was more than the host has.
    #[inline]
    fn took(&mut self, _res: u16, _host: u16, _up: bool, _now: f64) -> bool {
        false
    }

    /// A server of `res`, on `host`, was given back.
    #[inline]
    fn gave_back(&mut self, _res: u16, _host: u16) {}
}

/// What a mark sees of its request and of the core.
pub struct At<'a> {
    /// Now, simulated seconds.
    pub now: f64,
    /// The keys the request reads or writes.
    pub keys: &'a [u32],
    /// The one random number generator.
    pub rng: &'a mut SimRng,
    /// The model's counts in the totals, windowed with them.
    pub counts: &'a mut Counts,
}

/// What a mark does to its request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Verdict {
    /// It goes on to its next step.
    Next,
    /// It goes on with something begun that a later mark closes ([`Verdict::Close`]): it
    /// gives up `within` seconds from now at the latest, and if it fails before the close,
    /// the model hears of it ([`Hooks::left_open`]).
    Open {
        /// Seconds it may take, at most, to close.
        within: f64,
    },
    /// What it opened is closed; it goes on.
    Close,
    /// It fails here.
    Fail(Cause),
}

/// No model's marks: a core on its own (an M/M/c queue, a test).
impl Hooks for () {
    type Mark = Mark;

    fn mark(&mut self, _mark: Mark, _at: At<'_>) -> Verdict {
        Verdict::Next
    }
}

/// Where a request is.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    /// A free slot: no request.
    Free,
    Ready,
    Travelling,
    Waiting(u16),
    Serving(u16),
    Visiting(u16),
    BackingOff,
}

impl Phase {
    /// The phase as a request keeps it, in three bytes: its kind, and the resource of the
    /// three kinds that have one (else [`NONE`]).
    fn packed(self) -> (u8, u16) {
        match self {
            Phase::Free => (0, NONE),
            Phase::Ready => (1, NONE),
            Phase::Travelling => (2, NONE),
            Phase::Waiting(res) => (3, res),
            Phase::Serving(res) => (4, res),
            Phase::Visiting(res) => (5, res),
            Phase::BackingOff => (6, NONE),
        }
    }

    /// The phase back from [`Phase::packed`].
    #[inline]
    fn unpacked(kind: u8, res: u16) -> Self {
        match kind {
            0 => Phase::Free,
            1 => Phase::Ready,
            2 => Phase::Travelling,
            3 => Phase::Waiting(res),
            4 => Phase::Serving(res),
            5 => Phase::Visiting(res),
            _ => Phase::BackingOff,
        }
    }
}

/// What kind of work a request is; set by the model.
pub type Class = u8;

/// Who a request is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A user waiting for a response: counted end to end.
    User,
    /// Deferred work on the queue: retried with backoff, dead-lettered at the end.
    Job,
    /// Background load (analytics, cron): counted per resource only.
    Internal,
}

/// A request's state: what every event about it reads, in one cache line. Its plan, its keys
/// and the servers it holds live in stores of their own, touched only by the steps that need
/// them.
#[derive(Debug, Clone)]
#[repr(align(64))]
struct Request {
    gen: u32,
    /// Its plan's id in the [`PlanTable`]; in a free slot, the next free slot ([`NO_SLOT`]:
    /// none).
    plan: u32,
    /// Where its keys are in `Core::keys` ([`NO_KEYS`]: it has none).
    keys: u32,
    /// Where the servers it holds are in `Core::held` ([`NO_HELD`]: it holds none).
    held: u32,
    /// The requests before and after it in the queue it waits in ([`NO_SLOT`]: none, and
    /// both are `NO_SLOT` whenever it is in no queue).
    queue_prev: u32,
    queue_next: u32,
    class: Class,
    origin: Origin,
    /// Its [`Phase`], packed: the kind, and the resource of those that have one.
    phase_kind: u8,
    phase_res: u16,
    pc: u8,
    /// A mark opened something a later one closes ([`Verdict::Open`]).
    open: bool,
    attempt: u8,
    born: f64,
    deadline: f64,
    at_since: f64,
    /// When the current step began. (On the wire, the edge and its duration are the plan's
    /// current `Travel` step.)
    step_start: f64,
}

// Every event reads a request: keep it to one cache line.
const _: () = assert!(std::mem::size_of::<Request>() <= 64);

impl Request {
    fn is_job(&self) -> bool {
        self.origin == Origin::Job
    }

    /// Where it is.
    #[inline]
    fn phase(&self) -> Phase {
        Phase::unpacked(self.phase_kind, self.phase_res)
    }

    #[inline]
    fn set_phase(&mut self, phase: Phase) {
        (self.phase_kind, self.phase_res) = phase.packed();
    }

    /// A request is in the slot (not a free one).
    #[inline]
    fn is_live(&self) -> bool {
        self.phase() != Phase::Free
    }

    fn empty() -> Self {
        Self {
            gen: 0,
            plan: 0,
            keys: NO_KEYS,
            held: NO_HELD,
            queue_prev: NO_SLOT,
            queue_next: NO_SLOT,
            class: 0,
            origin: Origin::User,
            phase_kind: 0,
            phase_res: NONE,
            pc: 0,
            open: false,
            attempt: 0,
            born: 0.0,
            deadline: f64::INFINITY,
            at_since: 0.0,
            step_start: 0.0,
        }
    }
}

/// The servers a request holds, in the order it took them. Its times are single precision,
/// counted from the request's birth: a request lives seconds, where a `f32` is good to a
/// microsecond, a thousandth of the shortest service (and this is half the size in `f64`).
///
/// Only a request that holds a server has one: in an overloaded system most requests in
/// flight wait in a queue holding nothing, and the most that hold one at once is the number of
/// servers, so these stay as many as the servers however long the queues grow.
#[derive(Debug, Clone, Copy)]
struct Held {
    res: [u16; MAX_HELD],
    /// How many it holds: the first `n` of each array.
    n: u8,
    /// When it took each, seconds after it was born.
    granted: [f32; MAX_HELD],
    /// How long it waited for each, seconds.
    wait: [f32; MAX_HELD],
}

const _: () = assert!(std::mem::size_of::<Held>() <= 32);

impl Held {
    const EMPTY: Self = Self {
        res: [NONE; MAX_HELD],
        n: 0,
        granted: [0.0; MAX_HELD],
        wait: [0.0; MAX_HELD],
    };

    /// A free entry: it keeps `next`, the index freed before it, as its first grant time's
    /// bits (a free entry holds nothing, so the free list takes no memory of its own).
    fn freed(next: u32) -> Self {
        let mut h = Self::EMPTY;
        h.granted[0] = f32::from_bits(next);
        h
    }

    /// The index freed before this free entry.
    fn next_free(&self) -> u32 {
        self.granted[0].to_bits()
    }

    /// The resources held, in the order they were taken.
    fn servers(&self) -> &[u16] {
        &self.res[..usize::from(self.n)]
    }

    /// Takes a server of `res`, `granted` seconds after the request's birth, after waiting
    /// `wait` seconds.
    fn take(&mut self, res: u16, granted: f32, wait: f32) {
        let n = usize::from(self.n);
        assert!(n < MAX_HELD, "a plan holds more than {MAX_HELD} resources");
        self.res[n] = res;
        self.granted[n] = granted;
        self.wait[n] = wait;
        self.n += 1;
    }

    /// Gives back the server of `res` at `now` (the request was born at `born`): its sojourn
    /// and service, seconds, or `None` when none of `res` is held.
    fn give_back(&mut self, res: u16, born: f64, now: f64) -> Option<(f64, f64)> {
        let n = usize::from(self.n);
        let i = self.servers().iter().position(|&h| h == res)?;
        let times = self.times(i, born, now);
        self.res.copy_within(i + 1..n, i);
        self.granted.copy_within(i + 1..n, i);
        self.wait.copy_within(i + 1..n, i);
        self.n -= 1;
        Some(times)
    }

    /// Gives back the server taken last, at `now`: its resource, sojourn and service.
    fn give_back_last(&mut self, born: f64, now: f64) -> Option<(u16, f64, f64)> {
        let i = usize::from(self.n.checked_sub(1)?);
        self.n -= 1;
        let (sojourn, service) = self.times(i, born, now);
        Some((self.res[i], sojourn, service))
    }

    /// Server `i`'s sojourn (its wait and its service) and its service, seconds, given back
    /// at `now` by a request born at `born`.
    fn times(&self, i: usize, born: f64, now: f64) -> (f64, f64) {
        let service = now - (born + f64::from(self.granted[i]));
        (service + f64::from(self.wait[i]), service)
    }
}

/// The keys a request reads or writes, kept for the model's marks ([`At::keys`]).
#[derive(Debug, Clone, Copy)]
struct Keys {
    list: [u32; MAX_KEYS],
    len: u8,
}

impl Keys {
    const EMPTY: Self = Self {
        list: [0; MAX_KEYS],
        len: 0,
    };

    fn of(keys: &[u32]) -> Self {
        let mut k = Self::EMPTY;
        let n = keys.len().min(MAX_KEYS);
        k.list[..n].copy_from_slice(&keys[..n]);
        k.len = n as u8;
        k
    }

    fn as_slice(&self) -> &[u32] {
        &self.list[..usize::from(self.len)]
    }
}

impl Step {
    /// The step as one number (bit for bit): how plans store it.
    #[inline]
    fn bits(self) -> u64 {
        let (tag, a, b): (u64, u16, u32) = match self {
            Step::Travel { edge, secs } => (0, edge, secs.to_bits()),
            Step::Hold(r) => (1, r, 0),
            Step::Release(r) => (2, r, 0),
            Step::Serve { res, mean, flagged } => {
                (3 | u64::from(flagged) << 7, res, mean.to_bits())
            }
            Step::Visit(r) => (4, r, 0),
            Step::Enqueue => (5, 0, 0),
            Step::Mark(Mark { code, arg, sub }) => (6, arg, u32::from(code) << 8 | u32::from(sub)),
        };
        tag << 56 | u64::from(a) << 32 | u64::from(b)
    }

    /// The step back from [`Step::bits`].
    #[inline]
    fn from_bits(bits: u64) -> Self {
        let (a, b) = ((bits >> 32) as u16, bits as u32);
        match bits >> 56 & 0x7f {
            0 => Step::Travel {
                edge: a,
                secs: f32::from_bits(b),
            },
            1 => Step::Hold(a),
            2 => Step::Release(a),
            3 => Step::Serve {
                res: a,
                mean: f32::from_bits(b),
                flagged: bits >> 63 != 0,
            },
            4 => Step::Visit(a),
            5 => Step::Enqueue,
            _ => Step::Mark(Mark {
                code: (b >> 8) as u8,
                arg: a,
                sub: b as u8,
            }),
        }
    }
}

/// FxHash's mixing step: fast, and plenty to spread a few thousand plans.
#[inline]
fn mix(hash: u64, word: u64) -> u64 {
    (hash.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95)
}

/// The plans of the requests in flight, each kept once however many requests follow it.
///
/// Most requests follow one of a few hundred plans (a static file from the CDN, a page whose
/// keys were all in the cache on app server `i`, ...), so the steps every event reads stay in
/// the processor's cache instead of coming from each request's own copy. A plan that no
/// request follows any more stays findable until the index is next rebuilt, so a popular plan
/// is not stored again and again; then its id is reused.
#[derive(Debug, Clone, Default)]
struct PlanTable {
    /// Every plan's steps, as [`Step::bits`], each plan's in one run, in chunks that never
    /// move: a `Vec` that doubled would leave its old block as a hole in a WebAssembly
    /// module's memory, which never shrinks.
    arena: Runs,
    /// Where each plan's run starts in `arena`.
    starts: Vec<u32>,
    lens: Vec<u8>,
    /// Runs of `arena` no plan uses, by length: a new plan of that length takes one.
    spare: Vec<Vec<u32>>,
    hashes: Vec<u64>,
    /// Requests following each plan.
    refs: Vec<u32>,
    /// Ids no request follows and the index does not hold.
    free: Vec<u32>,
    /// Open addressing (linear probing) from hash to plan id; `u32::MAX` is empty.
    index: Vec<u32>,
    /// Ids in `index`.
    indexed: usize,
    /// Ids some request follows.
    followed: usize,
}

/// Plans no request follows that the [`PlanTable`] keeps findable, at most: this many plus a
/// quarter of those followed. Each is kept in case it comes back; past that, a rebuild frees
/// their runs for new plans, so the steps stored stay within a quarter of what the requests in
/// flight need (a burst of requests grows the table by little more than its own plans).
const UNFOLLOWED_PLANS: usize = 256;

impl PlanTable {
    /// The id of `plan`, stored now if no plan like it is; one more request follows it.
    fn intern(&mut self, plan: &Plan) -> u32 {
        let steps = &plan.steps[..plan.len as usize];
        let hash = plan.hash;
        if self.indexed * 2 >= self.index.len()
            || self.indexed - self.followed > UNFOLLOWED_PLANS + self.followed / 4
        {
            self.rebuild();
        }
        let mask = self.index.len() - 1;
        let mut i = (hash >> 32) as usize & mask;
        loop {
            let id = self.index[i];
            if id == u32::MAX {
                break;
            }
            let k = id as usize;
            if self.hashes[k] == hash
                && self.lens[k] as usize == steps.len()
                && self.steps_of(id).iter().zip(steps).all(|(a, b)| a == b)
            {
                if self.refs[k] == 0 {
                    self.followed += 1;
                }
                self.refs[k] += 1;
                return id;
            }
            i = (i + 1) & mask;
        }
        let start = match self.spare.get_mut(steps.len()).and_then(Vec::pop) {
            Some(start) => {
                self.arena
                    .run_mut(start as usize, steps.len())
                    .copy_from_slice(steps);
                start
            }
            None => self.arena.push(steps),
        };
        let id = match self.free.pop() {
            Some(id) => {
                let k = id as usize;
                self.starts[k] = start;
                self.lens[k] = plan.len;
                self.hashes[k] = hash;
                self.refs[k] = 1;
                id
            }
            None => {
                self.starts.push(start);
                self.lens.push(plan.len);
                self.hashes.push(hash);
                self.refs.push(1);
                (self.starts.len() - 1) as u32
            }
        };
        self.index[i] = id;
        self.indexed += 1;
        self.followed += 1;
        id
    }

    /// Plan `id`'s length, in steps.
    #[inline]
    fn len_of(&self, id: u32) -> u8 {
        self.lens[id as usize]
    }

    /// One more request follows plan `id`.
    fn follow(&mut self, id: u32) {
        if self.refs[id as usize] == 0 {
            self.followed += 1;
        }
        self.refs[id as usize] += 1;
    }

    /// Plan `id`'s steps, as [`Step::bits`].
    fn steps_of(&self, id: u32) -> &[u64] {
        let k = id as usize;
        let start = self.starts[k] as usize;
        self.arena.run(start, usize::from(self.lens[k]))
    }

    /// Plan `id` as a [`Plan`].
    fn plan(&self, id: u32) -> Plan {
        let mut plan = Plan::new();
        for &bits in self.steps_of(id) {
            plan.push(Step::from_bits(bits));
        }
        plan
    }

    /// A request stops following plan `id`.
    #[inline]
    fn release(&mut self, id: u32) {
        self.refs[id as usize] -= 1;
        if self.refs[id as usize] == 0 {
            self.followed -= 1;
        }
    }

    /// Step `pc` of plan `id`.
    #[inline]
    fn step(&self, id: u32, pc: u8) -> Step {
        Step::from_bits(
            self.arena
                .word(self.starts[id as usize] as usize + pc as usize),
        )
    }

    /// Indexes only the plans some request follows, in an index with room for two to four
    /// times as many; the others' ids become free, and their runs spare. (It runs when the
    /// index is half full, or when the plans no request follows pass [`UNFOLLOWED_PLANS`].)
    fn rebuild(&mut self) {
        let live = self.followed;
        debug_assert_eq!(live, self.refs.iter().filter(|&&r| r > 0).count());
        let capacity = (live * 2).next_power_of_two().max(1024);
        self.index.clear();
        self.index.resize(capacity, u32::MAX);
        self.free.clear();
        let mask = capacity - 1;
        for (id, &hash) in self.hashes.iter().enumerate() {
            if self.refs[id] == 0 {
                // Its run is spare too, once: a free id's length is 0 (no run).
                let len = usize::from(std::mem::take(&mut self.lens[id]));
                if len > 0 {
                    if self.spare.len() <= len {
                        self.spare.resize_with(len + 1, Vec::new);
                    }
                    self.spare[len].push(self.starts[id]);
                }
                self.free.push(id as u32);
                continue;
            }
            let mut i = (hash >> 32) as usize & mask;
            while self.index[i] != u32::MAX {
                i = (i + 1) & mask;
            }
            self.index[i] = id as u32;
        }
        // Lowest ids first, for a dense table.
        self.free.reverse();
        self.indexed = live;
    }
}

/// A plan under construction: a fixed-capacity list of steps.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// As [`Step::bits`].
    steps: [u64; MAX_STEPS],
    len: u8,
    /// Of the steps so far.
    hash: u64,
}

impl Default for Plan {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
impl Plan {
    /// Holds a server of `held` while served by `served` (mean `mean` seconds), then gives it
    /// back: a thread waiting on its database connection.
    pub(crate) fn holding_while_served(held: u16, served: u16, mean: f32) -> Self {
        let mut p = Self::new();
        p.push(Step::Hold(held))
            .push(Step::Serve {
                res: served,
                mean,
                flagged: false,
            })
            .push(Step::Release(held));
        p
    }
}

impl Plan {
    /// An empty plan.
    pub fn new() -> Self {
        Self {
            steps: [0; MAX_STEPS],
            len: 0,
            hash: 0,
        }
    }

    /// Appends a step. Panics past [`MAX_STEPS`], which is a bug in a model.
    pub fn push(&mut self, step: Step) -> &mut Self {
        assert!(
            (self.len as usize) < MAX_STEPS,
            "plan longer than {MAX_STEPS} steps"
        );
        let bits = step.bits();
        self.steps[self.len as usize] = bits;
        self.hash = mix(self.hash, bits);
        self.len += 1;
        self
    }

    /// The steps so far.
    pub fn steps(&self) -> impl Iterator<Item = Step> + '_ {
        self.steps[..self.len as usize]
            .iter()
            .map(|&b| Step::from_bits(b))
    }
}

/// A machine: whether it is up. When it goes down, everything on it fails, and it comes back
/// after its restart time.
#[derive(Debug, Clone)]
pub struct Host {
    /// Its name.
    pub name: String,
    /// Seconds a restart takes.
    pub restart_s: f64,
    /// Serving requests.
    pub up: bool,
    /// Taken down for any reason, since it was built.
    pub outages: u64,
    /// Time down since it was built, not counting a current outage, seconds.
    pub down_s: f64,
    /// When the current outage began.
    pub down_since: f64,
}

impl Host {
    /// A host that is up, and takes `restart_s` to come back when it goes down.
    pub fn new(name: &str, restart_s: f64) -> Self {
        Self {
            name: name.to_owned(),
            restart_s,
            up: true,
            outages: 0,
            down_s: 0.0,
            down_since: 0.0,
        }
    }

    /// Seconds down since it was built, including a current outage.
    pub fn downtime(&self, now: f64) -> f64 {
        self.down_s + if self.up { 0.0 } else { now - self.down_since }
    }
}

/// A time histogram kept over the live window and since the statistics were last reset.
#[derive(Debug, Clone)]
pub struct Histograms {
    /// Over the live window (absent in a batch run, which reads only the whole run).
    pub live: Option<WindowedHistogram>,
    /// Since the statistics were last reset.
    pub run: LatencyHistogram,
}

impl Histograms {
    fn new(live: bool) -> Self {
        Self {
            live: live.then(|| WindowedHistogram::new(LIVE_WINDOW_S + LIVE_STEP_S, LIVE_SLOTS)),
            run: LatencyHistogram::new(),
        }
    }

    /// Records `n` of the same time at `now`.
    #[inline]
    fn record(&mut self, now: f64, seconds: f64, n: u64) {
        match &mut self.live {
            Some(live) => live.record_also(now, seconds, n, &mut self.run),
            None => self.run.record_n(seconds, n),
        }
    }

    /// The histogram over `window`, brought up to `now` (an empty one for a live window in a
    /// batch run).
    pub fn over(&mut self, window: Window, now: f64) -> &LatencyHistogram {
        match (window, &mut self.live) {
            (Window::Live, Some(live)) => {
                live.advance(now);
                live.total()
            }
            _ => &self.run,
        }
    }
}

/// Which span of time a reading covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// The last [`LIVE_WINDOW_S`] seconds in whole steps of [`LIVE_STEP_S`], and the current
    /// part of a step.
    Live,
    /// Everything since the statistics were last reset (the end of a warm-up), or since the
    /// system was built.
    Run,
}

/// What the statistics were when they were last reset: where a whole-run window starts.
#[derive(Debug, Clone)]
struct Base {
    at: f64,
    resources: Vec<Tally>,
    totals: Totals,
    /// Each host's (outages, downtime) then.
    hosts: Vec<(u64, f64)>,
}

/// What a window counted: see [`Core::window`].
#[derive(Debug, Clone)]
pub struct Counted {
    /// When the window starts.
    pub start: f64,
    /// What each resource counted in it, in resource order.
    pub resources: Vec<Tally>,
    /// What the system as a whole counted in it.
    pub totals: Totals,
}

/// What the core measures: end-to-end totals and time histograms.
#[derive(Debug, Clone)]
pub struct Stats {
    /// Keep the live-window histograms (the page needs them; a batch run does not).
    pub live: bool,
    /// End-to-end totals since the system was built.
    pub totals: Totals,
    /// User requests in progress now.
    pub user_present: u32,
    user_present_at: f64,
    /// Response time of every finished user request; a failed one counts as
    /// [`Core::failure_counts_as_s`], the time the user gave up waiting.
    pub latency: Histograms,
    /// Response time of good responses only.
    pub latency_ok: Histograms,
    /// Time from enqueue to done, for jobs, since the last reset.
    pub job_latency: LatencyHistogram,
    /// Time in a resource, by statistics group (see [`ResourceSpec::group`]).
    pub groups: Vec<Histograms>,
}

impl Stats {
    fn new(live: bool) -> Self {
        Self {
            live,
            totals: Totals::default(),
            user_present: 0,
            user_present_at: 0.0,
            latency: Histograms::new(live),
            latency_ok: Histograms::new(live),
            job_latency: LatencyHistogram::new(),
            groups: Vec::new(),
        }
    }

    fn user_count_changes(&mut self, now: f64, delta: i32) {
        self.totals.user_present_area +=
            f64::from(self.user_present) * (now - self.user_present_at);
        self.user_present_at = now;
        self.user_present = self.user_present.saturating_add_signed(delta);
    }
}

/// How retries of deferred jobs work.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Attempts before a job is dead-lettered.
    pub max_attempts: u8,
    /// Wait before the first retry; doubles each time (exponential backoff).
    pub backoff_s: f64,
    /// Seconds an attempt may take once a worker has it; waiting in the queue does not count
    /// (a durable queue keeps a job as long as it must).
    pub attempt_timeout_s: f64,
}

/// The live latency histograms' one-step slots: the window's whole steps and the current one.
const LIVE_SLOTS: usize = (LIVE_WINDOW_S / LIVE_STEP_S) as usize + 1;

/// The core: resources, hosts, requests in flight, the event list, the one RNG, and the
/// model's hooks (`H`; `()` for none).
#[derive(Debug, Clone)]
pub struct Core<H = ()> {
    /// Simulated time, seconds.
    now: f64,
    /// The future event list.
    events: EventQueue,
    /// The one random number generator.
    rng: SimRng,
    /// Resources, indexed by their position.
    resources: Vec<Resource>,
    /// Machines.
    hosts: Vec<Host>,
    /// What is measured.
    stats: Stats,
    /// What the model adds to requests, and watches.
    hooks: H,
    /// Retry policy for jobs.
    retry: RetryPolicy,
    /// What a failed user request counts as in the response times, seconds: the time the user
    /// waited in vain (the request timeout). `None` counts the time it took to fail.
    failure_counts_as_s: Option<f64>,
    /// Jobs enqueued by requests and not yet given to the model to plan.
    jobs_to_spawn: u32,
    /// Events handled.
    events_handled: u64,
    /// When statistics were last reset.
    stats_since: f64,
    base: Option<Base>,
    /// The totals when a setting last changed in place (the users slider, say): the live
    /// window starts there while that moment is inside it, so that it does not average the
    /// system before the change with the system after it.
    live_cut: Option<Base>,
    ticks: TickCopies,
    /// Requests present at each resource (its `busy + waiting`), packed together for a load
    /// balancer that compares many servers per request.
    present: Vec<u32>,
    requests: Slab<Request>,
    /// How many requests the request in each slot counts for: 1, or more for one that stands
    /// for a thinned flow's others (see [`Core::start_weighted`]). Read only where a request is
    /// counted, so it is kept apart from the line every event reads.
    weights: Slab<u16>,
    /// Request slots to reserve when the first request starts (see [`Core::built`]).
    to_reserve: usize,
    /// The plans requests follow.
    plans: PlanTable,
    /// The servers held by the requests that hold some, each request's at its `held` index.
    held: Slab<Held>,
    /// The last index in `held` freed ([`NO_HELD`]: none); each free one holds the one freed
    /// before it ([`Held::freed`]).
    free_held: u32,
    /// The keys of the requests that read or write some (a page, a write), each request's at
    /// its `keys` index: a job or a static file reads none, and holds no room for them.
    keys: Slab<Keys>,
    /// The last index in `keys` freed ([`NO_KEYS`]: none); each free one holds the one
    /// freed before it as its first key. The free lists take no memory of their own, so a
    /// burst of requests in flight grows only the slabs, a chunk at a time, and leaves no
    /// hole where a list doubled.
    free_keys: u32,
    /// The last slot freed ([`NO_SLOT`]: none); each free slot holds the one freed before it
    /// as its `plan`.
    free: u32,
    live: u32,
    /// Requests on the wire (phase `Travelling`).
    travelling: u32,
    ready: VecDeque<(u32, u32)>,
    /// Resources whose waiting jobs are kept as join times only, each with the plan and class
    /// its jobs start with once a server is free (see [`Core::park`]).
    parked: Vec<Parked>,
}

/// Jobs that wait for a server of `res` as nothing but the time they joined its backlog.
#[derive(Debug, Clone, Copy)]
struct Parked {
    res: u16,
    /// Their plan's id in the [`PlanTable`] (which it holds while the core lives); its first
    /// step holds a server of `res`.
    plan: u32,
    class: Class,
}

impl Core {
    /// An empty core seeded with `seed`, keeping live-window statistics, with no model's hooks.
    pub fn new(seed: u64) -> Self {
        Self::with_hooks(seed, true, ())
    }
}

impl<H: Hooks> Core<H> {
    /// Simulated time, seconds.
    #[inline]
    pub fn now(&self) -> f64 {
        self.now
    }

    /// The one random number generator.
    #[inline]
    pub fn rng(&mut self) -> &mut SimRng {
        &mut self.rng
    }

    /// Schedules `kind` at time `t`.
    #[inline]
    pub fn schedule(&mut self, t: f64, kind: EventKind) {
        self.events.schedule(t, kind);
    }

    /// The system is built: what was added one by one keeps no room for more (at stage 7 with
    /// every knob at its maximum, the resources alone would keep room for 442 more), and the
    /// requests will get room for as many as its bounded pools can hold at once.
    ///
    /// A pool with a queue limit (an app server's threads and its listen backlog) holds at most
    /// its servers plus its queue, and its room is taken up front, as a kernel sizes a listen
    /// backlog at `listen()`. The busiest moments of a long overload are bursts in those queues
    /// (a slow replica holds every app thread, and their queues fill behind them): they then
    /// fill room the engine already has, where they would otherwise raise its memory a chunk at
    /// a time with each worst moment so far. (Requests elsewhere, and the keys and held servers
    /// of all, still take room as they come.) At most `MAX_RESERVED_REQUESTS` are reserved,
    /// and only when the first request starts: a system built to replace another does not hold
    /// the room while the other is still alive.
    pub fn built(&mut self) {
        self.resources.shrink_to_fit();
        self.present.shrink_to_fit();
        self.hosts.shrink_to_fit();
        self.stats.groups.shrink_to_fit();
        let bounded = self
            .resources
            .iter()
            .filter(|r| r.spec.kind == Kind::Pool && r.spec.queue_cap != u32::MAX)
            .fold(0u64, |n, r| {
                n + u64::from(r.spec.servers) + u64::from(r.spec.queue_cap)
            });
        self.to_reserve = bounded.min(MAX_RESERVED_REQUESTS as u64) as usize;
    }

    /// Gives events scheduled exactly `delay` seconds ahead a FIFO lane of their own.
    pub fn add_lane(&mut self, delay: f64) {
        self.events.add_lane(delay);
    }

    /// Events waiting to fire.
    pub fn pending_events(&self) -> usize {
        self.events.len()
    }

    /// Events handled so far.
    #[inline]
    pub fn events_handled(&self) -> u64 {
        self.events_handled
    }

    /// The resources, indexed by their position.
    #[inline]
    pub fn resources(&self) -> &[Resource] {
        &self.resources
    }

    /// Resource `res`, to change its settings in place.
    pub fn resource_mut(&mut self, res: u16) -> &mut Resource {
        &mut self.resources[usize::from(res)]
    }

    /// The machines.
    pub fn hosts(&self) -> &[Host] {
        &self.hosts
    }

    /// What is measured.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// What is measured, to read windows of it (which moves them on to now).
    pub fn stats_mut(&mut self) -> &mut Stats {
        &mut self.stats
    }

    /// The model's hooks.
    pub fn hooks(&self) -> &H {
        &self.hooks
    }

    /// The model's hooks, to change what they keep.
    pub fn hooks_mut(&mut self) -> &mut H {
        &mut self.hooks
    }

    /// Sets how jobs retry, and what a failed user request counts as in the response times
    /// (the time the user waited in vain; `None` counts the time it took to fail).
    pub fn set_rules(&mut self, retry: RetryPolicy, failure_counts_as_s: Option<f64>) {
        self.retry = retry;
        self.failure_counts_as_s = failure_counts_as_s;
    }

    /// Jobs enqueued by requests since the last call, for the model to plan.
    #[inline]
    pub fn take_jobs_to_spawn(&mut self) -> u32 {
        std::mem::take(&mut self.jobs_to_spawn)
    }

    /// True when requests enqueued jobs the model has not planned yet.
    #[inline]
    pub fn has_jobs_to_spawn(&self) -> bool {
        self.jobs_to_spawn > 0
    }

    /// An empty core seeded with `seed`, with the model's `hooks`; `live` keeps the
    /// live-window histograms too.
    pub fn with_hooks(seed: u64, live: bool, hooks: H) -> Self {
        Self {
            now: 0.0,
            events: EventQueue::new(),
            rng: SimRng::new(seed),
            resources: Vec::new(),
            hosts: Vec::new(),
            stats: Stats::new(live),
            hooks,
            retry: RetryPolicy {
                max_attempts: 5,
                backoff_s: 1.0,
                attempt_timeout_s: f64::INFINITY,
            },
            failure_counts_as_s: None,
            jobs_to_spawn: 0,
            events_handled: 0,
            stats_since: 0.0,
            base: None,
            live_cut: None,
            ticks: TickCopies::new(),
            present: Vec::new(),
            requests: Slab::default(),
            weights: Slab::default(),
            to_reserve: 0,
            plans: PlanTable::default(),
            held: Slab::default(),
            free_held: NO_HELD,
            keys: Slab::default(),
            free_keys: NO_KEYS,
            free: NO_SLOT,
            live: 0,
            travelling: 0,
            ready: VecDeque::new(),
            parked: Vec::new(),
        }
    }

    /// Adds a host and returns its index.
    pub fn add_host(&mut self, host: Host) -> u16 {
        self.hosts.push(host);
        (self.hosts.len() - 1) as u16
    }

    /// Adds a resource and returns its index. Its statistics group must exist
    /// ([`Core::add_group`]) or is created.
    pub fn add_resource(&mut self, spec: ResourceSpec) -> u16 {
        while self.stats.groups.len() <= usize::from(spec.group) {
            self.add_group();
        }
        self.resources.push(Resource::new(spec));
        self.present.push(0);
        (self.resources.len() - 1) as u16
    }

    /// Adds a statistics group (a time histogram that identical resources share) and returns
    /// its index.
    pub fn add_group(&mut self) -> u16 {
        self.stats.groups.push(Histograms::new(self.stats.live));
        (self.stats.groups.len() - 1) as u16
    }

    /// Requests present at resource `res`: [`Resource::present`], from a packed array.
    #[inline]
    pub fn present(&self, res: u16) -> u32 {
        self.present[res as usize]
    }

    /// Requests in flight (including jobs, those in a backlog too).
    pub fn in_flight(&self) -> u32 {
        let backlogged: u32 = self
            .parked
            .iter()
            .map(|p| self.resources[usize::from(p.res)].backlog.len())
            .sum();
        self.live + backlogged
    }

    /// A free slot for a new request.
    fn new_slot(&mut self) -> u32 {
        match self.free {
            NO_SLOT => {
                if self.to_reserve > 0 {
                    let n = std::mem::take(&mut self.to_reserve);
                    self.requests.reserve_total(n, Request::empty());
                    self.weights.reserve_total(n, 1);
                }
                let n = self.requests.len();
                self.requests.push(Request::empty());
                self.weights.push(1);
                n as u32
            }
            slot => {
                self.free = self.requests[slot as usize].plan;
                slot
            }
        }
    }

    /// From now on, jobs of `class` that start with `plan`, whose first step holds a server of
    /// `res`, may wait for that server in `res`'s backlog, as only the time they joined it:
    /// an overloaded queue then grows by a few bytes per [`crate::backlog::BIN_S`] instead of
    /// a request's few hundred bytes per job. `res` must be a pool without a wait timeout.
    pub fn accept_parked(&mut self, res: u16, class: Class, plan: &Plan) {
        let spec = &self.resources[usize::from(res)].spec;
        assert!(
            spec.kind == Kind::Pool
                && spec.wait_timeout.is_infinite()
                && spec.queue_cap == u32::MAX,
            "only a pool without a wait timeout or a queue limit keeps a backlog"
        );
        assert!(
            self.parked.iter().all(|p| p.res != res),
            "a pool keeps one backlog, of one plan"
        );
        assert!(
            plan.steps().next() == Some(Step::Hold(res)),
            "a parked job's plan starts by holding a server of its resource"
        );
        let id = self.plans.intern(plan);
        self.parked.push(Parked {
            res,
            plan: id,
            class,
        });
    }

    /// Starts a job of the plan [`Core::accept_parked`] gave for `res`: it takes a free server
    /// at once, or waits in `res`'s backlog for one, in order with the requests in its queue.
    pub fn park(&mut self, res: u16) {
        let parked = *self
            .parked
            .iter()
            .find(|p| p.res == res)
            .expect("a resource that accepts parked jobs");
        let now = self.now;
        let rs = &mut self.resources[usize::from(res)];
        if !self.hosts[usize::from(rs.spec.host)].up {
            // Down: it fails at once, as any job that reaches it does.
            let plan = self.plans.plan(parked.plan);
            self.start(parked.class, &[], &plan, f64::INFINITY, Origin::Job);
            return;
        }
        self.stats.totals.jobs_enqueued += 1;
        rs.arrive(1);
        rs.integrate(now);
        rs.waiting += 1;
        rs.backlog.push(now);
        self.present[usize::from(res)] += 1;
        self.wake(res);
        self.drain_ready();
    }

    /// The oldest job in `res`'s backlog, `waiter`, becomes a request waiting there.
    fn unpark(&mut self, res: u16, waiter: Waiter) -> (u32, u32, f64) {
        let parked = *self
            .parked
            .iter()
            .find(|p| p.res == res)
            .expect("a backlog belongs to a resource that accepts parked jobs");
        let slot = self.new_slot();
        self.plans.follow(parked.plan);
        let r = &mut self.requests[slot as usize];
        r.keys = NO_KEYS;
        r.plan = parked.plan;
        r.class = parked.class;
        r.set_phase(Phase::Waiting(res));
        r.pc = 0;
        debug_assert_eq!(r.held, NO_HELD, "a free slot holds no server");
        r.origin = Origin::Job;
        r.open = false;
        r.attempt = waiter.attempt;
        r.born = waiter.born;
        r.deadline = f64::INFINITY;
        r.at_since = waiter.joined;
        self.live += 1;
        (slot, r.gen, waiter.joined)
    }

    /// The next waiter at `res` to get a server: the first in its queue or in its backlog,
    /// whichever joined first.
    fn next_waiter(&mut self, res: u16) -> Option<(u32, u32, f64)> {
        let rs = &mut self.resources[usize::from(res)];
        if let Some(slot) = rs.queue.front() {
            let r = &self.requests[slot as usize];
            let (gen, joined) = (r.gen, r.at_since);
            if !rs.backlog.front().is_some_and(|t| t < joined) {
                self.leave_queue(res, slot);
                return Some((slot, gen, joined));
            }
        }
        let waiter = rs.backlog.pop()?;
        Some(self.unpark(res, waiter))
    }

    /// Puts the request in `slot` at the back of `res`'s queue.
    fn join_queue(&mut self, res: u16, slot: u32) {
        let queue = &mut self.resources[usize::from(res)].queue;
        let last = std::mem::replace(&mut queue.last, slot);
        if last == NO_SLOT {
            queue.first = slot;
        } else {
            self.requests[last as usize].queue_next = slot;
        }
        let r = &mut self.requests[slot as usize];
        debug_assert!(r.queue_prev == NO_SLOT && r.queue_next == NO_SLOT);
        r.queue_prev = last;
    }

    /// Takes the request in `slot` out of `res`'s queue, wherever it is in it. Nothing happens
    /// when it is not in the queue: a job taken from the backlog waits outside it.
    fn leave_queue(&mut self, res: u16, slot: u32) {
        let queue = &mut self.resources[usize::from(res)].queue;
        let r = &mut self.requests[slot as usize];
        let prev = std::mem::replace(&mut r.queue_prev, NO_SLOT);
        let next = std::mem::replace(&mut r.queue_next, NO_SLOT);
        if prev == NO_SLOT && queue.first != slot {
            return;
        }
        if prev == NO_SLOT {
            queue.first = next;
        } else {
            self.requests[prev as usize].queue_next = next;
        }
        if next == NO_SLOT {
            queue.last = prev;
        } else {
            self.requests[next as usize].queue_prev = prev;
        }
    }

    /// Starts a request of `class` on `plan` now, reading or writing `keys`. `deadline_s`
    /// after now it times out; a job's attempts time out `retry.attempt_timeout_s` after a
    /// worker takes them instead. A user request counts in the end-to-end totals; a job is
    /// deferred work that retries instead of failing; internal work (analytics, cron) loads
    /// the system but counts only per resource.
    pub fn start(
        &mut self,
        class: Class,
        keys: &[u32],
        plan: &Plan,
        deadline_s: f64,
        origin: Origin,
    ) {
        self.start_weighted(class, keys, plan, deadline_s, origin, 1);
    }

    /// As [`Core::start`], for a request that stands for `weight` identical ones: every count
    /// it adds to (arrivals, completions, response times, its resources' tallies, the hops the
    /// model sees) it adds `weight` times.
    ///
    /// This is how a model thins a flow it would otherwise simulate request by request: it
    /// starts one request in `weight` and drops the rest. That is exact in distribution only
    /// for requests that cannot affect one another or anything else, so the plan of a weighted
    /// request may only travel and visit delays that take no time (a CDN's edge serving a
    /// cached file): it never waits for, holds or uses a server.
    pub fn start_weighted(
        &mut self,
        class: Class,
        keys: &[u32],
        plan: &Plan,
        deadline_s: f64,
        origin: Origin,
        weight: u16,
    ) {
        debug_assert!(
            weight == 1 || (origin == Origin::User && self.takes_no_time(plan)),
            "a weighted request is a user's, and only travels and visits instant delays"
        );
        let weight = weight.max(1);
        let job = origin == Origin::Job;
        let slot = self.new_slot();
        self.weights[slot as usize] = weight;
        let now = self.now;
        let plan_id = self.plans.intern(plan);
        let keys = self.store_keys(keys);
        let r = &mut self.requests[slot as usize];
        r.keys = keys;
        r.plan = plan_id;
        r.class = class;
        r.set_phase(Phase::Ready);
        r.pc = 0;
        debug_assert_eq!(r.held, NO_HELD, "a free slot holds no server");
        r.origin = origin;
        r.open = false;
        r.attempt = 1;
        r.born = now;
        r.deadline = if job { f64::INFINITY } else { now + deadline_s };
        self.live += 1;
        match origin {
            Origin::Job => self.stats.totals.jobs_enqueued += u64::from(weight),
            Origin::User => {
                self.stats.totals.arrivals += u64::from(weight);
                self.stats.user_count_changes(now, i32::from(weight));
            }
            Origin::Internal => {}
        }
        let gen = r.gen;
        self.advance(slot, gen);
        self.drain_ready();
    }

    /// True when `plan` only travels and visits delays that take no time: what a weighted
    /// request may do.
    fn takes_no_time(&self, plan: &Plan) -> bool {
        plan.steps().all(|step| match step {
            Step::Travel { .. } => true,
            Step::Visit(res) => matches!(
                self.resources[usize::from(res)].spec.kind,
                Kind::Delay(Delay::Fixed(s)) if s <= 0.0
            ),
            _ => false,
        })
    }

    /// Handles a `Resume` event.
    pub fn resume(&mut self, slot: u32, gen: u32) {
        let now = self.now;
        let Some(r) = self.requests.get_mut(slot as usize) else {
            return;
        };
        if !r.is_live() || r.gen != gen {
            return; // the request failed or finished since this was scheduled
        }
        match r.phase() {
            Phase::Travelling => {
                r.pc += 1;
                r.set_phase(Phase::Ready);
                self.travelling -= 1;
            }
            Phase::Serving(res) => {
                let (since, start) = (r.at_since, r.step_start);
                let flagged = matches!(
                    self.plans.step(r.plan, r.pc),
                    Step::Serve { flagged: true, .. }
                );
                r.pc += 1;
                r.set_phase(Phase::Ready);
                if flagged {
                    self.resources[res as usize].tally.flagged_service_sum += now - start;
                }
                self.free_server(res, now - since, now - start, Departure::Served);
            }
            Phase::Visiting(res) => {
                let (since, job) = (r.at_since, r.is_job());
                let late = now >= r.deadline;
                let failed = !late && {
                    let p = self.resources[res as usize].spec.error_prob;
                    self.rng.chance(p)
                };
                let rs = &mut self.resources[res as usize];
                rs.integrate(now);
                rs.busy -= 1;
                self.present[res as usize] -= 1;
                rs.depart(
                    now - since,
                    if late || failed {
                        Departure::Failed { job }
                    } else {
                        Departure::Served
                    },
                    1,
                );
                if !(late || failed) {
                    rs.tally.service_sum += now - since;
                    rs.tally.services += 1;
                }
                let group = rs.spec.group;
                self.stats.groups[usize::from(group)].record(now, now - since, 1);
                self.requests[slot as usize].set_phase(Phase::Ready);
                if late {
                    self.fail(slot, Cause::Timeout, res);
                    self.drain_ready();
                    return;
                }
                if failed {
                    self.fail(slot, Cause::Upstream, res);
                    self.drain_ready();
                    return;
                }
                self.requests[slot as usize].pc += 1;
            }
            Phase::BackingOff => {
                r.set_phase(Phase::Ready);
            }
            // (A free slot's generation moved on: the check above returned.)
            Phase::Free | Phase::Ready | Phase::Waiting(_) => return,
        }
        self.advance(slot, gen);
        self.drain_ready();
    }

    /// Runs the request's plan from its current step until it has to wait for time or a server.
    fn advance(&mut self, slot: u32, gen: u32) {
        loop {
            let now = self.now;
            let r = &mut self.requests[slot as usize];
            if !r.is_live() || r.gen != gen {
                return;
            }
            if r.pc >= self.plans.len_of(r.plan) {
                self.finish(slot);
                return;
            }
            let step = self.plans.step(r.plan, r.pc);
            match step {
                Step::Travel { edge, secs } => {
                    r.set_phase(Phase::Travelling);
                    self.travelling += 1;
                    r.step_start = now;
                    let (class, job) = (r.class, r.is_job());
                    let weight = u32::from(self.weights[slot as usize]);
                    self.hooks.hop(now, edge, class, job, weight);
                    self.events.schedule_after(
                        now,
                        f64::from(secs),
                        EventKind::Resume { req: slot, gen },
                    );
                    return;
                }
                Step::Enqueue => {
                    r.pc += 1;
                    self.jobs_to_spawn += 1;
                }
                Step::Mark(mark) => {
                    r.pc += 1;
                    if !self.mark(slot, mark) {
                        return; // the mark failed the request
                    }
                }
                Step::Release(res) => {
                    r.pc += 1;
                    let (at, born) = (r.held, r.born);
                    // Nothing held is fine: a plan may release defensively.
                    if at == NO_HELD {
                        continue;
                    }
                    let held = &mut self.held[at as usize];
                    let Some((sojourn, service)) = held.give_back(res, born, now) else {
                        continue;
                    };
                    if held.n == 0 {
                        self.free_held_at(slot);
                    }
                    self.free_server(res, sojourn, service, Departure::Served);
                }
                Step::Hold(res) | Step::Serve { res, .. } | Step::Visit(res) => {
                    let refused = Departure::Failed { job: r.is_job() };
                    let host = self.resources[res as usize].spec.host;
                    // (Only a visit may be weighted: see `start_weighted`.)
                    let weight = match step {
                        Step::Visit(_) => u64::from(self.weights[slot as usize]),
                        _ => 1,
                    };
                    let rs = &mut self.resources[res as usize];
                    rs.arrive(weight);
                    if !self.hosts[host as usize].up {
                        rs.depart(0.0, refused, weight);
                        self.fail(slot, Cause::Down, res);
                        return;
                    }
                    if rs.has_free_server() {
                        self.grant(slot, gen, res, now, 0.0);
                        let r = &self.requests[slot as usize];
                        if !(r.is_live() && r.gen == gen && r.phase() == Phase::Ready) {
                            return; // serving, visiting, or killed with its host
                        }
                    } else if rs.waiting >= rs.spec.queue_cap {
                        rs.depart(0.0, refused, weight);
                        self.fail(slot, Cause::QueueFull, res);
                        return;
                    } else {
                        rs.integrate(now);
                        rs.waiting += 1;
                        self.present[res as usize] += 1;
                        let r = &self.requests[slot as usize];
                        let keyless = self.requests[slot as usize].keys == NO_KEYS;
                        if r.is_job()
                            && r.pc == 0
                            && keyless
                            && self
                                .parked
                                .iter()
                                .any(|p| p.res == res && p.plan == r.plan && p.class == r.class)
                        {
                            // A job back for another attempt waits in the backlog, as what it
                            // carries, and its slot is free until a worker takes it.
                            rs.backlog.push_retry(Waiter {
                                joined: now,
                                born: r.born,
                                attempt: r.attempt,
                            });
                            self.release_slot(slot);
                            return;
                        }
                        let timeout = rs.spec.wait_timeout;
                        if timeout.is_finite() && !rs.expiry_pending {
                            rs.expiry_pending = true;
                            self.events.schedule(now + timeout, EventKind::Expire(res));
                        }
                        self.join_queue(res, slot);
                        let r = &mut self.requests[slot as usize];
                        r.set_phase(Phase::Waiting(res));
                        r.at_since = now;
                        return;
                    }
                }
            }
        }
    }

    /// Gives the request a server of `res` for its current step (Hold, Serve or Visit), after
    /// it waited `wait` seconds. A Hold moves on to the next step; Serve and Visit schedule
    /// their end. What the server takes can take its host down (the model's
    /// [`Hooks::took`]), and the request with it.
    fn grant(&mut self, slot: u32, gen: u32, res: u16, now: f64, wait: f64) {
        let rs = &mut self.resources[res as usize];
        rs.integrate(now);
        rs.busy += 1;
        self.present[res as usize] += 1;
        let (host, kind) = (rs.spec.host, rs.spec.kind);
        let r = &mut self.requests[slot as usize];
        if r.is_job() && r.deadline == f64::INFINITY {
            // A job's attempt starts its clock when a worker takes it.
            r.deadline = now + self.retry.attempt_timeout_s;
        }
        let arrived = now - wait;
        match self.plans.step(r.plan, r.pc) {
            Step::Hold(_) => {
                r.pc += 1;
                r.set_phase(Phase::Ready);
                let (at, born) = (r.held, r.born);
                let at = if at == NO_HELD {
                    self.new_held(slot)
                } else {
                    at
                };
                self.held[at as usize].take(res, (now - born) as f32, wait as f32);
            }
            Step::Serve { mean, .. } => {
                r.set_phase(Phase::Serving(res));
                r.at_since = arrived;
                r.step_start = now;
                let t = now + self.rng.exp(f64::from(mean));
                self.events
                    .schedule(t, EventKind::Resume { req: slot, gen });
            }
            Step::Visit(_) => {
                r.set_phase(Phase::Visiting(res));
                r.at_since = arrived;
                r.step_start = now;
                let d = match kind {
                    Kind::Delay(Delay::Fixed(s)) => s,
                    Kind::Delay(Delay::Exp(m)) => self.rng.exp(m),
                    Kind::Delay(Delay::LogNormal(ln)) => ln.sample(&mut self.rng),
                    Kind::Pool => 0.0,
                };
                if d <= 0.0 {
                    // An instant visit (a load balancer's routing): count it, schedule nothing.
                    r.set_phase(Phase::Ready);
                    r.pc += 1;
                    let weight = u64::from(self.weights[slot as usize]);
                    let rs = &mut self.resources[res as usize];
                    rs.busy -= 1;
                    self.present[res as usize] -= 1;
                    rs.depart(0.0, Departure::Served, weight);
                    rs.tally.services += weight;
                    rs.tally.waits += weight;
                    return;
                }
                // A call still running at the deadline is abandoned then.
                let t = (now + d).min(r.deadline.max(now));
                self.events
                    .schedule(t, EventKind::Resume { req: slot, gen });
            }
            _ => unreachable!("grant on a step that takes no server"),
        }
        let tally = &mut self.resources[res as usize].tally;
        tally.wait_sum += wait;
        tally.waits += 1;
        if self
            .hooks
            .took(res, host, self.hosts[host as usize].up, now)
        {
            self.take_down(host);
        }
    }

    /// Frees a server of `res` held or used for `sojourn` seconds (of which `service` working),
    /// and hands it to the next valid waiter.
    fn free_server(&mut self, res: u16, sojourn: f64, service: f64, how: Departure) {
        let now = self.now;
        let rs = &mut self.resources[res as usize];
        rs.integrate(now);
        rs.busy -= 1;
        self.present[res as usize] -= 1;
        rs.depart(sojourn, how, 1);
        // Every release counts, a failed request's too: its server was busy all the same, so
        // the window's arrival rate times this mean service is its utilization (and Erlang C
        // beside it reads the same seconds).
        rs.tally.service_sum += service;
        rs.tally.services += 1;
        let (host, group) = (rs.spec.host, rs.spec.group);
        self.stats.groups[usize::from(group)].record(now, sojourn, 1);
        self.hooks.gave_back(res, host);
        self.wake(res);
    }

    /// Gives free servers of `res` to waiters at the head of its queue.
    fn wake(&mut self, res: u16) {
        let now = self.now;
        loop {
            let rs = &mut self.resources[res as usize];
            if rs.busy >= rs.spec.servers || rs.waiting == 0 {
                return;
            }
            let Some((slot, gen, joined)) = self.next_waiter(res) else {
                return;
            };
            let r = &self.requests[slot as usize];
            let (late, job) = (now > r.deadline, r.is_job());
            let rs = &mut self.resources[res as usize];
            rs.integrate(now);
            rs.waiting -= 1;
            self.present[res as usize] -= 1;
            if late {
                rs.tally.wait_sum += now - joined;
                rs.tally.waits += 1;
                rs.depart(now - joined, Departure::Failed { job }, 1);
                self.requests[slot as usize].set_phase(Phase::Ready);
                self.fail(slot, Cause::Timeout, res);
                continue;
            }
            self.grant(slot, gen, res, now, now - joined);
            let r = &self.requests[slot as usize];
            if r.is_live() && r.gen == gen && r.phase() == Phase::Ready {
                self.ready.push_back((slot, gen));
            }
        }
    }

    /// Continues requests that got a server while another was being handled (or while an
    /// outside action, such as a fault, freed servers).
    pub(crate) fn drain_ready(&mut self) {
        while let Some((slot, gen)) = self.ready.pop_front() {
            let r = &self.requests[slot as usize];
            if r.is_live() && r.gen == gen && r.phase() == Phase::Ready {
                self.advance(slot, gen);
            }
        }
    }

    /// Applies the model's mark; false when it failed the request.
    fn mark(&mut self, slot: u32, mark: Mark) -> bool {
        let keys = self.keys_of(slot);
        let at = At {
            now: self.now,
            keys: keys.as_slice(),
            rng: &mut self.rng,
            counts: &mut self.stats.totals.model,
        };
        match self.hooks.mark(H::Mark::from(mark), at) {
            Verdict::Next => {}
            Verdict::Open { within } => {
                let r = &mut self.requests[slot as usize];
                r.open = true;
                r.deadline = r.deadline.min(self.now + within);
            }
            Verdict::Close => self.requests[slot as usize].open = false,
            Verdict::Fail(cause) => {
                self.fail(slot, cause, NONE);
                self.drain_ready();
                return false;
            }
        }
        true
    }

    /// The request fails with `cause`, which started at resource `origin` (`NONE` when it
    /// started at no resource). Everything it holds is released; a job backs off and retries
    /// instead, until its attempts run out.
    fn fail(&mut self, slot: u32, cause: Cause, origin: u16) {
        let now = self.now;
        let weight = self.weights[slot as usize];
        if let Some(res) = self.resources.get_mut(origin as usize) {
            res.tally.errors[cause.index()] += u64::from(weight);
        }
        let r = &mut self.requests[slot as usize];
        let failed = Departure::Failed { job: r.is_job() };
        let phase = r.phase();
        r.set_phase(Phase::Ready);
        match phase {
            Phase::Waiting(res) => {
                let since = r.at_since;
                self.leave_queue(res, slot);
                let rs = &mut self.resources[res as usize];
                rs.integrate(now);
                rs.waiting -= 1;
                self.present[res as usize] -= 1;
                rs.tally.wait_sum += now - since;
                rs.tally.waits += 1;
                rs.depart(now - since, failed, 1);
            }
            Phase::Serving(res) => {
                let (since, start) = (r.at_since, r.step_start);
                self.free_server(res, now - since, now - start, failed);
            }
            Phase::Visiting(res) => {
                let since = r.at_since;
                let rs = &mut self.resources[res as usize];
                rs.integrate(now);
                rs.busy -= 1;
                self.present[res as usize] -= 1;
                rs.depart(now - since, failed, 1);
            }
            Phase::Travelling => {
                self.travelling -= 1;
            }
            Phase::Free | Phase::Ready | Phase::BackingOff => {}
        }
        let (at, born) = {
            let r = &self.requests[slot as usize];
            (r.held, r.born)
        };
        if at != NO_HELD {
            // Given back last taken first.
            while let Some((res, sojourn, service)) =
                self.held[at as usize].give_back_last(born, now)
            {
                self.free_server(res, sojourn, service, failed);
            }
            self.free_held_at(slot);
        }
        let r = &mut self.requests[slot as usize];
        if r.open {
            r.open = false;
            self.hooks.left_open(&mut self.stats.totals.model);
        }
        if r.is_job() {
            if r.attempt < self.retry.max_attempts {
                // Exponential backoff: backoff, 2 × backoff, 4 × backoff, ...
                let wait = self.retry.backoff_s * f64::from(1u32 << (r.attempt - 1).min(16));
                r.attempt += 1;
                r.pc = 0;
                r.gen = r.gen.wrapping_add(1);
                r.set_phase(Phase::BackingOff);
                r.deadline = f64::INFINITY;
                let gen = r.gen;
                self.stats.totals.job_retries += 1;
                self.events
                    .schedule(now + wait, EventKind::Resume { req: slot, gen });
                return;
            }
            self.stats.totals.dead_letters += 1;
        } else if r.origin == Origin::User {
            self.hooks.user_failed(now, origin);
            let counted = self.failure_counts_as_s.unwrap_or(now - r.born);
            let s = &mut self.stats;
            s.totals.failed[cause.index()] += u64::from(weight);
            s.totals.response_time_sum += (now - r.born) * f64::from(weight);
            s.latency.record(now, counted, u64::from(weight));
        }
        self.release_slot(slot);
    }

    fn finish(&mut self, slot: u32) {
        let now = self.now;
        let r = &self.requests[slot as usize];
        let weight = u64::from(self.weights[slot as usize]);
        let s = &mut self.stats;
        if let Some(n) = s.totals.finished_by_class.get_mut(usize::from(r.class)) {
            *n += weight;
        }
        if r.is_job() {
            s.totals.jobs_done += weight;
            s.job_latency.record_n(now - r.born, weight);
        } else if r.origin == Origin::User {
            s.totals.completed += weight;
            s.totals.response_time_sum += (now - r.born) * weight as f64;
            s.latency.record(now, now - r.born, weight);
            s.latency_ok.record(now, now - r.born, weight);
        }
        self.release_slot(slot);
    }

    fn release_slot(&mut self, slot: u32) {
        let now = self.now;
        let r = &mut self.requests[slot as usize];
        let weight = std::mem::replace(&mut self.weights[slot as usize], 1);
        if r.origin == Origin::User {
            self.stats.user_count_changes(now, -i32::from(weight));
        }
        r.gen = r.gen.wrapping_add(1);
        r.set_phase(Phase::Free);
        let (plan, keys) = (r.plan, std::mem::replace(&mut r.keys, NO_KEYS));
        self.plans.release(plan);
        r.plan = std::mem::replace(&mut self.free, slot);
        if keys != NO_KEYS {
            let freed = &mut self.keys[keys as usize];
            *freed = Keys::EMPTY;
            freed.list[0] = std::mem::replace(&mut self.free_keys, keys);
        }
        self.live -= 1;
    }

    /// Room for the servers the request in `slot` is about to hold: its `held` index.
    fn new_held(&mut self, slot: u32) -> u32 {
        let at = match self.free_held {
            NO_HELD => {
                self.held.push(Held::EMPTY);
                (self.held.len() - 1) as u32
            }
            at => {
                let entry = &mut self.held[at as usize];
                self.free_held = entry.next_free();
                *entry = Held::EMPTY;
                at
            }
        };
        self.requests[slot as usize].held = at;
        at
    }

    /// The request in `slot` holds no server now: its room for them goes back.
    fn free_held_at(&mut self, slot: u32) {
        let at = std::mem::replace(&mut self.requests[slot as usize].held, NO_HELD);
        self.held[at as usize] = Held::freed(std::mem::replace(&mut self.free_held, at));
    }

    /// Stores `keys` for a new request: its index in `keys`, or [`NO_KEYS`] for none.
    fn store_keys(&mut self, keys: &[u32]) -> u32 {
        if keys.is_empty() {
            return NO_KEYS;
        }
        match self.free_keys {
            NO_KEYS => {
                self.keys.push(Keys::of(keys));
                (self.keys.len() - 1) as u32
            }
            i => {
                self.free_keys = self.keys[i as usize].list[0];
                self.keys[i as usize] = Keys::of(keys);
                i
            }
        }
    }

    /// The keys the request in `slot` reads or writes.
    fn keys_of(&self, slot: u32) -> Keys {
        match self.requests[slot as usize].keys {
            NO_KEYS => Keys::EMPTY,
            i => self.keys[i as usize],
        }
    }

    /// Handles an `Expire` event: waiters that have waited `wait_timeout` fail.
    pub fn expire(&mut self, res: u16) {
        let now = self.now;
        self.resources[res as usize].expiry_pending = false;
        loop {
            let rs = &mut self.resources[res as usize];
            let Some(slot) = rs.queue.front() else {
                return;
            };
            let due = self.requests[slot as usize].at_since + rs.spec.wait_timeout;
            if due > now {
                rs.expiry_pending = true;
                self.events.schedule(due, EventKind::Expire(res));
                return;
            }
            let cause = rs.spec.timeout_cause;
            self.fail(slot, cause, res);
            self.drain_ready();
        }
    }

    /// Takes a host down (it ran out of memory, crashed, is being deployed): every request
    /// there fails, and it comes back after its restart time.
    pub fn take_down(&mut self, host: u16) {
        let now = self.now;
        let h = &mut self.hosts[host as usize];
        if !h.up {
            return;
        }
        h.up = false;
        h.outages += 1;
        h.down_since = now;
        let restart = h.restart_s;
        self.events.schedule(now + restart, EventKind::HostUp(host));
        // Jobs in a backlog here wait on this host as much as those in its queue: they fail
        // as requests. (This gives each a slot, undoing the backlog's saving; no fault takes
        // the workers' host down today.)
        for i in 0..self.parked.len() {
            let res = self.parked[i].res;
            if self.resources[usize::from(res)].spec.host == host {
                while let Some(waiter) = self.resources[usize::from(res)].backlog.pop() {
                    self.unpark(res, waiter);
                }
            }
        }
        for slot in 0..self.requests.len() as u32 {
            let r = &self.requests[slot as usize];
            if !r.is_live() {
                continue;
            }
            let on_host = |res: u16| self.resources[res as usize].spec.host == host;
            let here = match r.phase() {
                Phase::Waiting(res) | Phase::Serving(res) | Phase::Visiting(res)
                    if on_host(res) =>
                {
                    Some(res)
                }
                _ if r.held == NO_HELD => None,
                _ => self.held[r.held as usize]
                    .servers()
                    .iter()
                    .copied()
                    .find(|&h| on_host(h)),
            };
            if let Some(res) = here {
                self.fail(slot, Cause::Down, res);
            }
        }
        self.drain_ready();
    }

    /// Handles a `HostUp` event.
    pub fn bring_up(&mut self, host: u16) {
        let now = self.now;
        let h = &mut self.hosts[host as usize];
        if !h.up {
            h.up = true;
            h.down_s += now - h.down_since;
        }
    }

    /// Brings every running total up to now.
    fn integrate_all(&mut self) {
        let now = self.now;
        self.stats.user_count_changes(now, 0);
        for r in &mut self.resources {
            r.integrate(now);
        }
    }

    /// Keeps a copy of the totals at the start of whole second `second` when a step of the live
    /// window starts then (the model calls this on its tick, at whole seconds): where live
    /// windows start.
    pub fn keep_tick(&mut self, second: i64) {
        if second.rem_euclid(LIVE_STEP_S as i64) != 0 {
            return;
        }
        self.integrate_all();
        self.ticks.keep(
            second,
            self.resources.iter().map(|r| &r.tally),
            &self.stats.totals,
        );
    }

    /// Starts a new whole-run window now (end of warm-up); the system's state stays as it is.
    pub fn reset_stats(&mut self) {
        self.integrate_all();
        let now = self.now;
        self.base = Some(Base {
            at: now,
            resources: self.resources.iter().map(|r| r.tally).collect(),
            totals: self.stats.totals,
            hosts: self
                .hosts
                .iter()
                .map(|h| (h.outages, h.downtime(now)))
                .collect(),
        });
        self.stats.latency.run.clear();
        self.stats.latency_ok.run.clear();
        self.stats.job_latency.clear();
        for g in &mut self.stats.groups {
            g.run.clear();
        }
        self.stats_since = now;
        self.events_handled = 0;
    }

    /// Starts the live window afresh now: a setting changed in place (the users slider, the
    /// cache hit rate), and a window that held seconds from before the change would give
    /// Erlang C the average arrival rate of two different systems, whose waits it cannot
    /// predict. Until the change leaves the usual live window, the window starts at it: every
    /// count, rate, mean and utilization of a live reading describes the system since the
    /// change. (The latency percentiles are kept per step, and still hold the part of the step
    /// before the change.)
    pub fn cut_live_window(&mut self) {
        self.integrate_all();
        self.live_cut = Some(Base {
            at: self.now,
            resources: self.resources.iter().map(|r| r.tally).collect(),
            totals: self.stats.totals,
            // Host counts are read over the whole run only.
            hosts: Vec::new(),
        });
    }

    /// What `window` holds: when it starts, and what each resource and the system as a whole
    /// counted since then (in resource order). Brings every total up to now first.
    pub fn window(&mut self, window: Window) -> Counted {
        self.integrate_all();
        // The live window starts at a kept copy from whole steps back, or at a cut after it.
        let step = LIVE_STEP_S as i64;
        let second = (self.now.floor() as i64).div_euclid(step) * step - LIVE_WINDOW_S as i64;
        let ticked = match window {
            Window::Live if second > 0 => self.ticks.at(second),
            _ => None,
        };
        let ticked_at = if ticked.is_some() { second as f64 } else { 0.0 };
        let whole = match window {
            Window::Run => self.base.as_ref(),
            Window::Live => self.live_cut.as_ref().filter(|cut| cut.at > ticked_at),
        };
        let tallies = self.resources.iter().map(|r| &r.tally);
        let (start, resources, before) = match (whole, ticked) {
            (Some(b), _) => (
                b.at,
                tallies.zip(&b.resources).map(|(t, b)| t.since(b)).collect(),
                b.totals,
            ),
            (None, Some((marks, totals))) => (
                ticked_at,
                tallies.zip(marks).map(|(t, m)| t.since_mark(m)).collect(),
                *totals,
            ),
            (None, None) => (0.0, tallies.copied().collect(), Totals::default()),
        };
        Counted {
            start,
            resources,
            totals: self.stats.totals.since(&before),
        }
    }

    /// Each host's (outages, seconds down) in the whole-run window.
    pub fn host_counts(&self, host: usize) -> (u64, f64) {
        let h = &self.hosts[host];
        let (outages, down) = self
            .base
            .as_ref()
            .and_then(|b| b.hosts.get(host).copied())
            .unwrap_or((0, 0.0));
        (h.outages - outages, h.downtime(self.now) - down)
    }

    /// Up to `max` requests on the wire: (edge, progress 0..1, class, is a job), spread evenly
    /// over all of them.
    pub fn travellers(&self, max: usize, out: &mut Vec<InFlight>) {
        out.clear();
        let total = self.travelling as usize;
        if total == 0 || max == 0 {
            return;
        }
        // Every `stride`-th traveller, from the first: `total.div_ceil(stride)` of them.
        let stride = total.div_ceil(max);
        let wanted = total.div_ceil(stride);
        let mut skip = 0;
        for r in self.requests.iter() {
            if !(r.is_live() && r.phase() == Phase::Travelling) {
                continue;
            }
            if skip > 0 {
                skip -= 1;
                continue;
            }
            skip = stride - 1;
            let Step::Travel { edge, secs } = self.plans.step(r.plan, r.pc) else {
                continue; // unreachable: a request on the wire is at a Travel step
            };
            let end = r.step_start + f64::from(secs);
            let span = (end - r.step_start).max(1e-12);
            out.push(InFlight {
                edge,
                progress: ((self.now - r.step_start) / span).clamp(0.0, 1.0) as f32,
                class: r.class,
                job: r.is_job(),
            });
            if out.len() == wanted {
                break;
            }
        }
    }

    /// Requests on the wire, counted one by one (the count kept as they go is checked
    /// against it).
    #[cfg(test)]
    pub(crate) fn travelling_counted(&self) -> (u32, u32) {
        let counted = self
            .requests
            .iter()
            .filter(|r| r.is_live() && r.phase() == Phase::Travelling)
            .count() as u32;
        (self.travelling, counted)
    }

    /// Live user requests (not jobs or internal work).
    pub fn live_user_requests(&self) -> u64 {
        u64::from(self.stats.user_present)
    }

    /// The age of the oldest entry waiting at `res`, seconds (0 when none).
    pub fn oldest_wait(&self, res: u16) -> f64 {
        let rs = &self.resources[res as usize];
        rs.queue
            .front()
            .map(|slot| self.requests[slot as usize].at_since)
            .into_iter()
            .chain(rs.backlog.front())
            .fold(0.0, |oldest, joined| oldest.max(self.now - joined))
    }
}

/// A model run by the core's event loop: it owns a [`Core`] and handles the events the core
/// leaves to it (arrivals, ticks, its own control events).
pub trait Model {
    /// The model's hooks in its core.
    type Hooks: Hooks;

    /// The core the loop drives.
    fn core_mut(&mut self) -> &mut Core<Self::Hooks>;

    /// Handles `kind`, an event that is not the core's own, now (the core's clock is at it).
    fn handle(&mut self, kind: EventKind);

    /// Runs after every event, the core's own included. Nothing by default.
    #[inline]
    fn after_event(&mut self) {}
}

/// A core alone: the requests someone started, and no events of its own.
impl<H: Hooks> Model for Core<H> {
    type Hooks = H;

    fn core_mut(&mut self) -> &mut Core<H> {
        self
    }

    fn handle(&mut self, _kind: EventKind) {}
}

/// The event loop, the one every simulation runs: fires the events due at or before `t` in
/// order, each at its own time, giving the core its own (a request's step ends, a queue's
/// waiters expire, a host comes back up) and the model the rest. Before each event it asks
/// `stop`, and ends there if told to. Returns true when `stop` ended it; otherwise the clock
/// is moved on to `t` (when `t` is finite).
#[inline]
pub fn run_until<M: Model>(
    model: &mut M,
    t: f64,
    mut stop: impl FnMut(&Core<M::Hooks>) -> bool,
) -> bool {
    loop {
        let core = model.core_mut();
        if stop(core) {
            return true;
        }
        let Some((now, kind)) = core.events.pop_until(t) else {
            break;
        };
        core.now = now;
        core.events_handled += 1;
        match kind {
            EventKind::Resume { req, gen } => core.resume(req, gen),
            EventKind::Expire(res) => core.expire(res),
            EventKind::HostUp(host) => core.bring_up(host),
            other => model.handle(other),
        }
        model.after_event();
    }
    let core = model.core_mut();
    if t.is_finite() && t > core.now {
        core.now = t;
    }
    false
}

/// A request crossing a link (for a model's picture of its requests).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct InFlight {
    /// Edge index.
    pub edge: u16,
    /// How far along, 0 to 1.
    pub progress: f32,
    /// The request's class (set by the model).
    pub class: Class,
    /// A deferred job rather than a user request.
    pub job: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parts::{PartId, ResourceId, Role, Tier};
    use crate::resource::{Delay, Queue};

    fn id(i: u16, role: Role) -> ResourceId {
        ResourceId::new(PartId::new(Tier::App, i), role)
    }

    /// A core with one host and one pool, and a helper to run it to a time.
    fn pool(servers: u32, queue: u32, timeout: f64) -> (Core, u16) {
        let mut c = Core::new(1);
        let h = c.add_host(Host::new("box", 10.0));
        let res = c.add_resource(
            ResourceSpec::pool(id(0, Role::Threads), h, servers)
                .queue(queue)
                .timeout(timeout, Cause::Timeout),
        );
        (c, res)
    }

    fn run_until(c: &mut Core, t: f64) {
        super::run_until(c, t, |_| false);
    }

    /// A core with one host and one resource that holds each request `secs`.
    fn one_delay(role: Role, secs: f64) -> (Core, u16) {
        let mut c = Core::new(1);
        let h = c.add_host(Host::new("host", 0.0));
        let r = c.add_resource(ResourceSpec::delay(id(0, role), h, Delay::Fixed(secs)));
        (c, r)
    }

    #[test]
    fn a_weighted_request_counts_its_weight_wherever_it_is_counted() {
        let (mut c, edge) = one_delay(Role::Requests, 0.0);
        let mut p = Plan::new();
        p.push(Step::Travel {
            edge: 0,
            secs: 0.01,
        })
        .push(Step::Visit(edge))
        .push(Step::Travel {
            edge: 1,
            secs: 0.01,
        });
        c.start_weighted(0, &[], &p, 30.0, Origin::User, 5);
        c.start(0, &[], &p, 30.0, Origin::User);
        assert_eq!(c.live_user_requests(), 6);
        run_until(&mut c, 1.0);
        let totals = &c.stats().totals;
        assert_eq!((totals.arrivals, totals.completed), (6, 6));
        assert!((totals.response_time_sum - 6.0 * 0.02).abs() < 1e-6);
        assert_eq!(totals.finished_by_class[0], 6);
        assert_eq!(c.stats().latency.run.count(), 6);
        assert_eq!(c.stats().latency_ok.run.count(), 6);
        let tally = &c.resources()[usize::from(edge)].tally;
        assert_eq!((tally.arrivals, tally.completed, tally.services), (6, 6, 6));
        assert_eq!(c.live_user_requests(), 0);
        // The slot goes back as a request that counts once.
        c.start(0, &[], &p, 30.0, Origin::User);
        run_until(&mut c, 2.0);
        assert_eq!(c.stats().totals.arrivals, 7);
    }

    fn serve(res: u16, mean: f32) -> Plan {
        let mut p = Plan::new();
        p.push(Step::Serve {
            res,
            mean,
            flagged: false,
        });
        p
    }

    #[test]
    fn steps_survive_their_encoding_and_equal_plans_share_one_copy() {
        let steps = [
            Step::Travel {
                edge: 7,
                secs: 0.04,
            },
            Step::Hold(3),
            Step::Release(65_534),
            Step::Serve {
                res: 2,
                mean: 1e-7,
                flagged: true,
            },
            Step::Visit(1),
            Step::Enqueue,
            Step::Mark(Mark {
                code: 255,
                arg: 65_535,
                sub: 254,
            }),
            Step::Mark(Mark {
                code: 0,
                arg: 5,
                sub: 0,
            }),
            Step::Mark(Mark {
                code: 1,
                arg: 3,
                sub: 1,
            }),
            Step::Release(0),
        ];
        let mut plan = Plan::new();
        for s in steps {
            plan.push(s);
        }
        assert_eq!(plan.steps().collect::<Vec<_>>(), steps);
        let mut table = PlanTable::default();
        let a = table.intern(&plan);
        let mut shorter = Plan::new();
        shorter.push(steps[0]);
        let b = table.intern(&shorter);
        assert_ne!(a, b);
        assert_eq!(table.intern(&plan), a);
        assert_eq!(table.refs[a as usize], 2);
        assert_eq!(table.step(a, 3), steps[3]);
        table.release(a);
        table.release(a);
        table.release(b);
        table.rebuild();
        assert_eq!(table.free.len(), 2, "ids no request follows are reused");
        // Their runs are reused by plans of their lengths, once each.
        table.rebuild();
        let arena = table.arena.len();
        let mut other = plan;
        other.steps[0] = Step::Hold(9).bits();
        other.hash ^= 1;
        let c = table.intern(&other);
        assert_eq!(
            table.arena.len(),
            arena,
            "a spare run of its length is taken"
        );
        assert_eq!(table.step(c, 0), Step::Hold(9));
        assert_eq!(table.step(c, 9), steps[9]);
        let mut longer = plan;
        longer.push(Step::Hold(1));
        let d = table.intern(&longer);
        assert_eq!(
            table.arena.len(),
            arena + longer.len as usize,
            "no spare run that long"
        );
        assert_eq!(table.plan(d).steps().collect::<Vec<_>>().len(), 11);
        let e = table.intern(&other);
        assert_eq!(e, c, "equal plans share one copy");
        let mut another = plan;
        another.steps[0] = Step::Hold(8).bits();
        another.hash ^= 2;
        table.intern(&another);
        assert_eq!(
            table.arena.len(),
            arena + longer.len as usize + plan.len as usize,
            "the spare run of ten went once"
        );
    }

    #[test]
    fn plans_no_request_follows_stay_within_a_quarter_of_those_followed() {
        let plan = |i: u16| {
            let mut p = Plan::new();
            p.push(Step::Hold(i)).push(Step::Release(i));
            p
        };
        let mut table = PlanTable::default();
        // 1,100 followed at a time while 10,000 more come and go, one for one.
        let followed = 1_100;
        let mut ids: std::collections::VecDeque<u32> =
            (0..followed).map(|i| table.intern(&plan(i))).collect();
        for i in followed..followed + 10_000 {
            table.release(ids.pop_front().expect("one followed"));
            ids.push_back(table.intern(&plan(i)));
            let stored = table.hashes.len();
            assert!(
                stored <= usize::from(followed) + UNFOLLOWED_PLANS + usize::from(followed) / 4 + 1,
                "{stored} plans stored for {followed} followed"
            );
        }
        assert_eq!(table.followed, usize::from(followed));
        for (n, &id) in ids.iter().enumerate() {
            assert_eq!(
                table.plan(id).steps().next(),
                Some(Step::Hold(10_000 + n as u16))
            );
        }
    }

    #[test]
    fn only_requests_that_hold_a_server_take_room_for_it() {
        let (mut c, threads) = pool(2, 100, f64::INFINITY);
        let db = c.add_resource(ResourceSpec::pool(id(1, Role::Connections), 0, 1).queue(100));
        let plan = Plan::holding_while_served(threads, db, 0.01);
        for _ in 0..50 {
            c.start(0, &[], &plan, f64::INFINITY, Origin::User);
        }
        // Two hold a thread; 48 wait for one, holding nothing.
        assert_eq!(c.in_flight(), 50);
        assert_eq!(c.held.len(), 2);
        run_until(&mut c, 1_000.0);
        assert_eq!(c.in_flight(), 0);
        assert_eq!(c.stats.totals.failed_total(), 0);
        assert_eq!(c.held.len(), 2, "the room given back is taken again");
    }

    #[test]
    fn a_built_system_takes_room_for_all_its_bounded_pools_hold_with_its_first_request() {
        // 64 app servers of 64 threads with a backlog of 256 each, as at stage 7, and a pool
        // without a queue limit, whose waiters are bounded by time, not counted.
        let mut c = Core::new(1);
        let h = c.add_host(Host::new("box", 10.0));
        let threads: Vec<u16> = (0..64)
            .map(|i| c.add_resource(ResourceSpec::pool(id(i, Role::Threads), h, 64).queue(256)))
            .collect();
        c.add_resource(ResourceSpec::pool(id(64, Role::Connections), h, 100));
        c.built();
        // Nothing yet: the system this one replaces may still be alive.
        assert_eq!(c.requests.capacity(), 0);
        let bounded: usize = 64 * (64 + 256);
        c.start(
            0,
            &[],
            &serve(threads[0], 100.0),
            f64::INFINITY,
            Origin::User,
        );
        assert_eq!(c.requests.capacity(), bounded);
        // Every place in every app server taken: no request takes more room.
        for (i, &res) in threads.iter().enumerate() {
            for _ in usize::from(i == 0)..64 + 256 {
                c.start(0, &[], &serve(res, 100.0), f64::INFINITY, Origin::User);
            }
        }
        assert_eq!(c.in_flight() as usize, bounded);
        assert_eq!(c.stats.totals.failed_total(), 0);
        assert_eq!(c.requests.capacity(), bounded);
    }

    #[test]
    fn longer_queues_than_the_engine_reserves_for_take_room_as_they_fill() {
        let (mut c, res) = pool(1, u32::MAX - 1, f64::INFINITY);
        c.built();
        c.start(0, &[], &serve(res, 100.0), f64::INFINITY, Origin::User);
        assert_eq!(c.requests.capacity(), MAX_RESERVED_REQUESTS);
        for _ in 0..MAX_RESERVED_REQUESTS {
            c.start(0, &[], &serve(res, 100.0), f64::INFINITY, Origin::User);
        }
        assert_eq!(c.requests.capacity(), MAX_RESERVED_REQUESTS + 1024);
    }

    #[test]
    fn a_full_queue_turns_requests_away_at_once() {
        let (mut c, res) = pool(1, 2, f64::INFINITY);
        for _ in 0..5 {
            c.start(0, &[], &serve(res, 100.0), f64::INFINITY, Origin::User);
        }
        // One in service, two waiting, two turned away at once.
        assert_eq!(c.stats.totals.failed[Cause::QueueFull.index()], 2);
        let r = &c.resources[res as usize];
        assert_eq!((r.busy, r.waiting), (1, 2));
        assert_eq!(r.tally.errors[Cause::QueueFull.index()], 2);
    }

    #[test]
    fn waiting_past_the_timeout_fails_and_frees_the_place() {
        let (mut c, res) = pool(1, 10, 2.0);
        for _ in 0..3 {
            c.start(0, &[], &serve(res, 1_000.0), f64::INFINITY, Origin::User);
        }
        run_until(&mut c, 1.9);
        assert_eq!(c.stats.totals.failed_total(), 0);
        run_until(&mut c, 2.1);
        assert_eq!(c.stats.totals.failed[Cause::Timeout.index()], 2);
        assert_eq!(c.resources[res as usize].waiting, 0);
        assert_eq!(c.in_flight(), 1);
    }

    #[test]
    fn the_live_window_starts_at_a_whole_step_ten_to_twelve_seconds_back() {
        let (mut c, _) = pool(1, 10, f64::INFINITY);
        for second in 0..=15_i32 {
            run_until(&mut c, f64::from(second));
            c.keep_tick(i64::from(second));
            // Half a second on: the window starts at the last even second, ten seconds back
            // (at 0 until there is one), so it covers between 10 and 12 seconds.
            run_until(&mut c, f64::from(second) + 0.5);
            let start = f64::from((second - second % 2 - 10).max(0));
            assert_eq!(c.window(Window::Live).start, start, "at {second}.5 s");
        }
        // Copies of the totals are kept at even seconds only, the last seven of them.
        let kept: Vec<i64> = (0..=15).filter(|&s| c.ticks.at(s).is_some()).collect();
        assert_eq!(kept, [2, 4, 6, 8, 10, 12, 14]);
    }

    /// The slots waiting at `res`, front to back, walked both ways.
    fn queue_of(c: &Core, res: u16) -> Vec<u32> {
        let queue = c.resources[res as usize].queue;
        let mut forward = vec![];
        let mut slot = queue.first;
        while slot != NO_SLOT {
            forward.push(slot);
            slot = c.requests[slot as usize].queue_next;
        }
        let mut backward = vec![];
        let mut slot = queue.last;
        while slot != NO_SLOT {
            backward.push(slot);
            slot = c.requests[slot as usize].queue_prev;
        }
        backward.reverse();
        assert_eq!(forward, backward, "the links agree both ways");
        forward
    }

    #[test]
    fn a_waiter_that_fails_leaves_the_queue_from_wherever_it_stands() {
        // One database connection, busy; behind it, requests that hold an app thread on
        // another host alternate with requests that hold nothing.
        let mut c = Core::new(1);
        let app_vm = c.add_host(Host::new("app", 10.0));
        let db_vm = c.add_host(Host::new("db", 10.0));
        let threads = c.add_resource(ResourceSpec::pool(id(0, Role::Threads), app_vm, 50));
        let conn = c.add_resource(ResourceSpec::pool(id(1, Role::Connections), db_vm, 1));
        let mut holding = Plan::new();
        holding
            .push(Step::Hold(threads))
            .push(Step::Serve {
                res: conn,
                mean: 1.0,
                flagged: false,
            })
            .push(Step::Release(threads));
        let direct = serve(conn, 1.0);
        c.start(0, &[], &direct, f64::INFINITY, Origin::User); // takes the connection
        for i in 0..7 {
            let plan = if i % 2 == 0 { &holding } else { &direct };
            c.start(0, &[], plan, f64::INFINITY, Origin::User);
        }
        let before = queue_of(&c, conn);
        assert_eq!(before.len(), 7);
        assert_eq!(c.resources[conn as usize].waiting, 7);

        // The app host goes down: the first, third, fifth and last waiters fail where they
        // stand (at the front, in the middle and at the back).
        c.take_down(app_vm);
        let after = queue_of(&c, conn);
        assert_eq!(
            after,
            [before[1], before[3], before[5]],
            "the rest keep their order"
        );
        assert_eq!(c.resources[conn as usize].waiting, 3);
        for &slot in &[before[0], before[2], before[4], before[6]] {
            let r = &c.requests[slot as usize];
            assert_eq!((r.queue_prev, r.queue_next), (NO_SLOT, NO_SLOT));
        }

        // The rest are served in turn, and the queue ends empty.
        run_until(&mut c, 1_000.0);
        assert_eq!(c.stats.totals.failed[Cause::Down.index()], 4);
        assert_eq!(c.resources[conn as usize].queue, Queue::EMPTY);
        assert_eq!(c.in_flight(), 0);
    }

    /// A core with a one-worker pool whose jobs hold the worker through a 1 s call that fails
    /// with probability `errors`; `parked` keeps waiting jobs in the pool's backlog.
    fn workers(parked: bool, errors: f64) -> (Core, u16, Plan) {
        let mut c = Core::new(1);
        c.retry = RetryPolicy {
            max_attempts: 3,
            backoff_s: 0.5,
            attempt_timeout_s: 60.0,
        };
        let h = c.add_host(Host::new("workers", 5.0));
        let workers = c.add_resource(ResourceSpec::pool(id(0, Role::Workers), h, 1));
        let api = c.add_resource(
            ResourceSpec::delay(id(1, Role::Calls), h, Delay::Fixed(1.0)).errors(errors),
        );
        let mut p = Plan::new();
        p.push(Step::Hold(workers))
            .push(Step::Visit(api))
            .push(Step::Release(workers));
        if parked {
            c.accept_parked(workers, 3, &p);
        }
        (c, workers, p)
    }

    /// Four jobs at 0, 0.25, 0.25 and 0.5 s, run to 0.75 s and to `end`: what is waiting
    /// then, and what the worker pool and the jobs measured.
    #[allow(clippy::type_complexity)]
    fn four_jobs(
        parked: bool,
        errors: f64,
        end: f64,
    ) -> (
        (u32, u32, f64),
        (u64, f64, f64, f64),
        (u64, u64, u64, u64),
        f64,
        u32,
    ) {
        {
            let (mut c, workers, p) = workers(parked, errors);
            for t in [0.0, 0.25, 0.25, 0.5] {
                run_until(&mut c, t);
                if parked {
                    c.park(workers);
                } else {
                    c.start(3, &[], &p, f64::INFINITY, Origin::Job);
                }
            }
            run_until(&mut c, 0.75);
            let waiting = (
                c.in_flight(),
                c.resources[workers as usize].waiting,
                c.oldest_wait(workers),
            );
            run_until(&mut c, end);
            let t = &c.resources[workers as usize].tally;
            let s = &c.stats.totals;
            (
                waiting,
                (t.arrivals, t.wait_sum, t.queue_area, t.busy_area),
                (s.jobs_enqueued, s.jobs_done, s.job_retries, s.dead_letters),
                c.stats.job_latency.mean(),
                c.in_flight(),
            )
        }
    }

    #[test]
    fn jobs_in_a_backlog_are_served_as_if_they_had_queued_as_requests() {
        let parked = four_jobs(true, 0.0, 10.0);
        assert_eq!(parked, four_jobs(false, 0.0, 10.0));
        // At 0.75 s: one job at the worker, three waiting, the oldest since 0.25 s.
        assert_eq!(parked.0, (4, 3, 0.5));
        // They wait 0, 0.75, 1.75 and 2.5 s, and each call takes 1 s.
        assert_eq!(parked.1 .1, 5.0);
        assert_eq!(parked.3, (1.0 + 1.75 + 2.75 + 3.5) / 4.0);
        assert_eq!(parked.4, 0);
    }

    #[test]
    fn jobs_back_for_another_attempt_wait_in_the_backlog_as_they_would_in_the_queue() {
        // Half the calls fail: attempts come back after 0.5 s and 1 s, behind the others.
        for end in [2.0, 4.6, 30.0] {
            let parked = four_jobs(true, 0.5, end);
            assert_eq!(parked, four_jobs(false, 0.5, end), "at {end} s");
        }
        let done = four_jobs(true, 0.5, 30.0);
        assert!(
            done.2 .2 > 0,
            "some attempts failed and came back: {:?}",
            done.2
        );
        assert_eq!(done.2 .1 + done.2 .3, 4, "each job done or dead-lettered");
        assert_eq!(done.4, 0);
    }

    #[test]
    fn a_job_of_another_class_on_the_backlogs_plan_keeps_its_class_through_its_retries() {
        let (mut c, _, p) = workers(true, 0.5);
        for _ in 0..4 {
            c.start(7, &[], &p, f64::INFINITY, Origin::Job);
        }
        run_until(&mut c, 60.0);
        let t = &c.stats.totals;
        assert!(t.job_retries > 0, "some came back");
        assert_eq!(
            t.finished_by_class[3], 0,
            "none finished as the backlog's class"
        );
        assert_eq!(t.finished_by_class[7] + t.dead_letters, 4);
    }

    #[test]
    #[should_panic(expected = "one backlog")]
    fn a_pool_keeps_one_backlog() {
        let (mut c, workers, p) = workers(true, 0.0);
        c.accept_parked(workers, 4, &p);
    }

    #[test]
    fn jobs_in_a_backlog_fail_with_their_host_and_retry() {
        let (mut c, workers, _) = workers(true, 0.0);
        for _ in 0..3 {
            c.park(workers);
        }
        assert_eq!(c.resources[workers as usize].backlog.len(), 2);
        c.take_down(0);
        assert_eq!(c.resources[workers as usize].backlog.len(), 0);
        assert_eq!(c.resources[workers as usize].waiting, 0);
        assert_eq!(c.stats.totals.job_retries, 3, "all three retry");
        assert_eq!(c.in_flight(), 3);
    }

    #[test]
    fn failing_jobs_retry_with_exponential_backoff_then_dead_letter() {
        let mut c = Core::new(1);
        c.retry = RetryPolicy {
            max_attempts: 3,
            backoff_s: 1.0,
            attempt_timeout_s: 60.0,
        };
        let h = c.add_host(Host::new("api", 0.0));
        let api = c.add_resource(
            ResourceSpec::delay(id(0, Role::Calls), h, Delay::Fixed(0.5)).errors(1.0),
        );
        let mut p = Plan::new();
        p.push(Step::Visit(api));
        c.start(0, &[], &p, 60.0, Origin::Job);
        // Attempt 1 fails at 0.5 s, waits 1 s; attempt 2 fails at 2.0 s, waits 2 s;
        // attempt 3 fails at 4.5 s and is dead-lettered.
        run_until(&mut c, 4.4);
        assert_eq!(
            (c.stats.totals.job_retries, c.stats.totals.dead_letters),
            (2, 0)
        );
        run_until(&mut c, 4.6);
        assert_eq!(
            (c.stats.totals.job_retries, c.stats.totals.dead_letters),
            (2, 1)
        );
        assert_eq!(
            c.stats.totals.failed_total(),
            0,
            "jobs are not user-facing failures"
        );
        assert_eq!(c.in_flight(), 0);
    }

    #[test]
    fn a_call_past_the_deadline_is_abandoned_at_the_deadline() {
        let (mut c, api) = one_delay(Role::Calls, 8.2);
        let mut p = Plan::new();
        p.push(Step::Visit(api));
        c.start(0, &[], &p, 5.0, Origin::User);
        run_until(&mut c, 5.0);
        assert_eq!(c.stats.totals.failed[Cause::Timeout.index()], 1);
        assert!((c.stats.latency.run.max() - 5.0).abs() < 0.05);
    }
}
