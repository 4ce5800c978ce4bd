//! The future event list: events ordered by (time, sequence number).
//!
//! Equal times break ties by the order in which events were scheduled, so a run is the same
//! every time. The storage grows to about the largest number of pending events and is then
//! reused.
//!
//! Events scheduled a fixed delay ahead (a network hop always takes the same time) arrive in
//! time order by construction, so they wait in a FIFO "lane" per delay instead of the heap:
//! O(1) instead of O(log n), and a smaller heap for the rest.
//!
//! The rest are 24-byte entries: the time as an integer key with the same order as
//! [`f64::total_cmp`], the sequence number with the event's kind packed under it, and the
//! kind's payload. While there are few (an M/M/c queue keeps about ten) they wait in a 4-ary
//! min-heap; once there are many (a busy stage keeps thousands) they move to a radix heap,
//! which needs far fewer comparisons (see [`RadixHeap`]). Every (time, sequence) pair is
//! unique, so the order in which events come out depends on neither.

use crate::slab::Fifo;

/// What happens when an event fires. Small and `Copy`, so the heap holds it inline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// The next external arrival on a stream.
    Arrival(u8),
    /// A request's timed step (travel, service, delay) is over.
    Resume {
        /// The request's slot.
        req: u32,
        /// The slot's generation when the step began; a stale event is ignored.
        gen: u32,
    },
    /// Waiters at the head of a resource's queue may have waited too long.
    Expire(u16),
    /// A host finishes restarting.
    HostUp(u16),
    /// A periodic tick of the model: health checks, memory, live-window sampling.
    Tick,
    /// A fault or deploy step that the model scheduled.
    Control(u16),
}

/// Bits of [`Entry::order`] that hold the kind's tag; the sequence number is above them.
const TAG_BITS: u32 = 3;

impl EventKind {
    /// The kind as (tag, payload).
    #[inline]
    fn pack(self) -> (u64, u64) {
        match self {
            EventKind::Arrival(s) => (0, u64::from(s)),
            EventKind::Resume { req, gen } => (1, u64::from(req) << 32 | u64::from(gen)),
            EventKind::Expire(r) => (2, u64::from(r)),
            EventKind::HostUp(h) => (3, u64::from(h)),
            EventKind::Tick => (4, 0),
            EventKind::Control(c) => (5, u64::from(c)),
        }
    }

    /// The kind back from [`EventKind::pack`].
    #[inline]
    fn unpack(tag: u64, data: u64) -> Self {
        match tag {
            0 => EventKind::Arrival(data as u8),
            1 => EventKind::Resume {
                req: (data >> 32) as u32,
                gen: data as u32,
            },
            2 => EventKind::Expire(data as u16),
            3 => EventKind::HostUp(data as u16),
            4 => EventKind::Tick,
            _ => EventKind::Control(data as u16),
        }
    }
}

/// A time as an unsigned key with the order of [`f64::total_cmp`].
#[inline]
fn time_key(t: f64) -> u64 {
    let bits = t.to_bits();
    if bits >> 63 == 0 {
        bits | 1 << 63
    } else {
        !bits
    }
}

/// The time back from [`time_key`].
#[inline]
fn key_time(key: u64) -> f64 {
    f64::from_bits(if key >> 63 == 1 {
        key & !(1 << 63)
    } else {
        !key
    })
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    /// [`time_key`] of the event's time.
    key: u64,
    /// Sequence number << [`TAG_BITS`] | the kind's tag.
    order: u64,
    /// The kind's payload.
    data: u64,
}

impl Entry {
    #[inline]
    fn new(t: f64, seq: u64, kind: EventKind) -> Self {
        let (tag, data) = kind.pack();
        Self {
            key: time_key(t),
            order: seq << TAG_BITS | tag,
            data,
        }
    }

    /// True when `self` fires before `other`.
    #[inline]
    fn before(&self, other: &Self) -> bool {
        (self.key, self.order) < (other.key, other.order)
    }

    #[inline]
    fn event(&self) -> (f64, EventKind) {
        let tag = self.order & ((1 << TAG_BITS) - 1);
        (key_time(self.key), EventKind::unpack(tag, self.data))
    }
}

/// Children per node of the 4-ary heap.
const ARITY: usize = 4;

/// Entries from which the 4-ary heap becomes a radix heap.
const MANY: usize = 256;

/// A 4-ary min-heap of entries.
#[derive(Debug, Default, Clone)]
struct Heap4(Vec<Entry>);

impl Heap4 {
    #[inline(always)]
    fn push(&mut self, e: Entry) {
        let heap = &mut self.0;
        let mut hole = heap.len();
        heap.push(e);
        while hole > 0 {
            let parent = (hole - 1) / ARITY;
            if !e.before(&heap[parent]) {
                break;
            }
            heap[hole] = heap[parent];
            hole = parent;
        }
        heap[hole] = e;
    }

    /// Removes the first entry (the heap must not be empty).
    #[inline]
    fn pop(&mut self) -> Entry {
        let heap = &mut self.0;
        let last = heap.pop().expect("a non-empty heap");
        let n = heap.len();
        if n == 0 {
            return last;
        }
        let top = heap[0];
        // Move the hole at the root down along the earliest children, then put `last` in it.
        let mut hole = 0;
        loop {
            let first = ARITY * hole + 1;
            if first >= n {
                break;
            }
            let end = (first + ARITY).min(n);
            let mut m = first;
            for c in first + 1..end {
                if heap[c].before(&heap[m]) {
                    m = c;
                }
            }
            if !heap[m].before(&last) {
                break;
            }
            heap[hole] = heap[m];
            hole = m;
        }
        heap[hole] = last;
        top
    }
}

/// The entries that wait in no lane: in a 4-ary heap while they are few, in a radix heap once
/// they have been many.
#[derive(Debug, Clone)]
enum Pending {
    Few(Heap4),
    Many(Box<RadixHeap>),
}

impl Default for Pending {
    fn default() -> Self {
        Pending::Few(Heap4::default())
    }
}

impl Pending {
    #[inline(always)]
    fn push(&mut self, e: Entry) {
        if matches!(self, Pending::Few(heap) if heap.0.len() >= MANY) {
            self.grow();
        }
        match self {
            Pending::Few(heap) => heap.push(e),
            Pending::Many(radix) => radix.push(e),
        }
    }

    /// Moves the heap's entries to a radix heap.
    #[cold]
    #[inline(never)]
    fn grow(&mut self) {
        if let Pending::Few(heap) = self {
            let mut radix = Box::<RadixHeap>::default();
            for &e in &heap.0 {
                radix.push(e);
            }
            *self = Pending::Many(radix);
        }
    }

    /// The first entry, and where it is (see [`RadixHeap::first`]).
    #[inline]
    fn first(&self) -> Option<(usize, usize, Entry)> {
        match self {
            Pending::Few(heap) => heap.0.first().map(|&e| (0, 0, e)),
            Pending::Many(radix) => radix.first(),
        }
    }

    /// Takes the entry that [`Pending::first`] found first, at `(bucket, index)`.
    #[inline]
    fn take(&mut self, bucket: usize, index: usize) -> Entry {
        match self {
            Pending::Few(heap) => heap.pop(),
            Pending::Many(radix) => radix.take(bucket, index),
        }
    }

    fn len(&self) -> usize {
        match self {
            Pending::Few(heap) => heap.0.len(),
            Pending::Many(radix) => radix.len,
        }
    }
}

/// Buckets of the [`RadixHeap`]: one for the last key taken, and one per bit of a key.
const BUCKETS: usize = 65;

/// Entries per chunk of a [`RadixHeap`]'s buckets: 1.5 KB.
const CHUNK: usize = 64;

/// No chunk: the end of a chain.
const NO_CHUNK: u32 = u32::MAX;

/// A monotone min-queue of entries (a radix heap): no entry comes in below the last one taken,
/// as in a simulation, where nothing is scheduled in the past.
///
/// An entry waits in the bucket of the highest bit in which its key differs from the last key
/// taken (bucket 0 when equal). The first entry is in the lowest bucket that is not empty; all
/// of that bucket's entries share the bits above it with the first, so once the first is taken
/// (its key the last one now) each of the rest differs from it in a lower bit and moves to a
/// bucket below: an entry moves down at most once per bit, and each bucket keeps its first
/// entry as entries come in, one comparison each, instead of the log n comparisons, each hard to
/// predict, of every heap operation.
///
/// Bucket 0 holds the entries due at one instant, in a `Vec`. The others are chains of
/// fixed-size chunks from one store, allocated once and kept (as in [`crate::slab`]): the chunks
/// a bucket's entries leave as they move down take the next ones, so the heap holds what is
/// pending plus at most a chunk per bucket. Buckets of `Vec`s would each keep room for their
/// busiest moment, or give it back and take it again, and in a WebAssembly module's memory,
/// which never shrinks, a block given back is a hole the next bigger one does not fit.
#[derive(Debug, Clone)]
struct RadixHeap {
    /// The key of the last entry taken.
    last: u64,
    /// Bucket 0: the entries whose key is `last`.
    due: Vec<Entry>,
    /// Buckets 1 and up (index 0 is unused).
    chains: [Chain; BUCKETS],
    /// The chunks, by number.
    #[expect(
        clippy::vec_box,
        reason = "chunks that never move: a Vec of arrays would copy them all into a bigger \
                  block as it grew, and leave a hole"
    )]
    chunks: Vec<Box<[Entry; CHUNK]>>,
    /// The chunk after each in its chain, or in the free list.
    next: Vec<u32>,
    /// The first chunk no bucket holds.
    free: u32,
    /// Bit `i` is set when bucket `i` is not empty.
    full: u128,
    len: usize,
}

/// A bucket's chunks: all full but the last, which holds `tail` entries; and the first of its
/// entries, kept as they come in, so that finding it takes no scan.
#[derive(Debug, Clone, Copy)]
struct Chain {
    first: u32,
    last: u32,
    tail: u32,
    /// Where its first entry is: chunk × [`CHUNK`] + place in it.
    least_at: u32,
    least: Entry,
}

impl Chain {
    /// No chunks; as full as a full chunk, so the first entry takes a chunk; and a first entry
    /// after every other.
    const EMPTY: Chain = Chain {
        first: NO_CHUNK,
        last: NO_CHUNK,
        tail: CHUNK as u32,
        least_at: 0,
        least: Entry {
            key: u64::MAX,
            order: u64::MAX,
            data: 0,
        },
    };

    /// Entries in chunk `c` of this chain.
    #[inline]
    fn in_chunk(&self, c: u32) -> usize {
        if c == self.last {
            self.tail as usize
        } else {
            CHUNK
        }
    }
}

impl Default for RadixHeap {
    fn default() -> Self {
        Self {
            last: 0,
            due: Vec::new(),
            chains: [Chain::EMPTY; BUCKETS],
            chunks: Vec::new(),
            next: Vec::new(),
            free: NO_CHUNK,
            full: 0,
            len: 0,
        }
    }
}

impl RadixHeap {
    /// The bucket for `key`.
    #[inline]
    fn bucket(&self, key: u64) -> usize {
        if key <= self.last {
            0
        } else {
            64 - (key ^ self.last).leading_zeros() as usize
        }
    }

    #[inline(always)]
    fn push(&mut self, e: Entry) {
        self.put(e);
        self.len += 1;
    }

    /// Puts `e` in its bucket.
    #[inline(always)]
    fn put(&mut self, e: Entry) {
        let b = self.bucket(e.key);
        if b == 0 {
            self.due.push(e);
        } else {
            if self.chains[b].tail as usize == CHUNK {
                self.link(b);
            }
            let chain = &mut self.chains[b];
            self.chunks[chain.last as usize][chain.tail as usize] = e;
            if e.before(&chain.least) {
                chain.least = e;
                chain.least_at = chain.last * CHUNK as u32 + chain.tail;
            }
            chain.tail += 1;
        }
        self.full |= 1 << b;
    }

    /// Adds a chunk to the end of bucket `b`'s chain: a free one, or a new one.
    #[inline]
    fn link(&mut self, b: usize) {
        let c = if self.free == NO_CHUNK {
            self.new_chunk()
        } else {
            let c = self.free;
            self.free = self.next[c as usize];
            c
        };
        self.next[c as usize] = NO_CHUNK;
        let chain = &mut self.chains[b];
        if chain.last == NO_CHUNK {
            chain.first = c;
        } else {
            self.next[chain.last as usize] = c;
        }
        chain.last = c;
        chain.tail = 0;
    }

    /// A new chunk's number.
    #[cold]
    #[inline(never)]
    fn new_chunk(&mut self) -> u32 {
        let empty = Entry {
            key: 0,
            order: 0,
            data: 0,
        };
        self.chunks.push(Box::new([empty; CHUNK]));
        self.next.push(NO_CHUNK);
        assert!(
            self.chunks.len() as u64 * CHUNK as u64 <= 1 << 32,
            "where an entry is, chunk × CHUNK + place, fits in a u32"
        );
        (self.chunks.len() - 1) as u32
    }

    /// The first entry, and where it is: (bucket, index), the index in bucket 0's `Vec` or
    /// chunk × [`CHUNK`] + place in it.
    #[inline]
    fn first(&self) -> Option<(usize, usize, Entry)> {
        if self.full == 0 {
            return None;
        }
        let b = self.full.trailing_zeros() as usize;
        if b == 0 {
            let m = least(&self.due);
            return Some((0, m, self.due[m]));
        }
        let chain = &self.chains[b];
        Some((b, chain.least_at as usize, chain.least))
    }

    /// Takes the entry at `index` of bucket `b`, which [`RadixHeap::first`] found first.
    #[inline]
    fn take(&mut self, b: usize, index: usize) -> Entry {
        self.len -= 1;
        if b == 0 {
            let first = self.due.swap_remove(index);
            if self.due.is_empty() {
                self.full &= !1;
            }
            return first;
        }
        // Its key is the last one now: the rest of its bucket moves down, and each chunk, once
        // read, is free for them.
        let mut chain = std::mem::replace(&mut self.chains[b], Chain::EMPTY);
        self.full &= !(1 << b);
        let (c, i) = (index / CHUNK, index % CHUNK);
        let first = self.chunks[c][i];
        self.last = first.key;
        // The chain's last entry takes the first's place.
        chain.tail -= 1;
        self.chunks[c][i] = self.chunks[chain.last as usize][chain.tail as usize];
        let mut c = chain.first;
        loop {
            for i in 0..chain.in_chunk(c) {
                let e = self.chunks[c as usize][i];
                self.put(e);
            }
            let next = self.next[c as usize];
            self.next[c as usize] = self.free;
            self.free = c;
            if c == chain.last {
                return first;
            }
            c = next;
        }
    }

    /// Chunks ever made (for tests of the room kept).
    #[cfg(test)]
    fn chunks_made(&self) -> usize {
        self.chunks.len()
    }
}

/// Where in `entries` (not empty) the first of them is.
#[inline]
fn least(entries: &[Entry]) -> usize {
    let mut m = 0;
    for i in 1..entries.len() {
        if entries[i].before(&entries[m]) {
            m = i;
        }
    }
    m
}

/// Where the next event waits.
#[derive(Debug, Clone, Copy)]
enum Source {
    /// Not in a lane: where [`Pending::first`] found it, (bucket, index).
    Heap(usize, usize),
    /// At the front of this lane.
    Lane(usize),
}

/// A min-queue of events by (time, sequence number).
#[derive(Debug, Default, Clone)]
pub struct EventQueue {
    heap: Pending,
    lanes: Vec<(f64, Fifo<Entry>)>,
    seq: u64,
    scheduled: u64,
}

impl EventQueue {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    #[inline]
    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.scheduled += 1;
        self.seq
    }

    /// Schedules `kind` at time `t`.
    #[inline]
    pub fn schedule(&mut self, t: f64, kind: EventKind) {
        let e = Entry::new(t, self.next_seq(), kind);
        self.heap.push(e);
    }

    /// Adds a FIFO lane for events scheduled exactly `delay` seconds ahead.
    pub fn add_lane(&mut self, delay: f64) {
        if delay > 0.0 && !self.lanes.iter().any(|(d, _)| *d == delay) {
            self.lanes.push((delay, Fifo::default()));
        }
    }

    /// Schedules `kind` at `now + delay`, in a lane when one has exactly that delay.
    #[inline]
    pub fn schedule_after(&mut self, now: f64, delay: f64, kind: EventKind) {
        let seq = self.next_seq();
        let e = Entry::new(now + delay, seq, kind);
        match self.lanes.iter_mut().find(|(d, _)| *d == delay) {
            Some((_, lane)) => lane.push_back(e),
            None => self.heap.push(e),
        }
    }

    /// Where the next event is, and the event.
    #[inline]
    fn next_source(&self) -> Option<(Source, Entry)> {
        let mut best = self.heap.first().map(|(b, i, e)| (Source::Heap(b, i), e));
        for (i, (_, lane)) in self.lanes.iter().enumerate() {
            if let Some(e) = lane.front() {
                if best.is_none_or(|(_, b)| e.before(&b)) {
                    best = Some((Source::Lane(i), *e));
                }
            }
        }
        best
    }

    /// The time of the next event, if any.
    #[inline]
    pub fn next_time(&self) -> Option<f64> {
        self.next_source().map(|(_, e)| e.event().0)
    }

    /// Removes and returns the next event.
    #[inline]
    pub fn pop(&mut self) -> Option<(f64, EventKind)> {
        let (source, e) = self.next_source()?;
        self.remove(source);
        Some(e.event())
    }

    #[inline]
    fn remove(&mut self, source: Source) {
        match source {
            Source::Heap(b, i) => {
                self.heap.take(b, i);
            }
            Source::Lane(i) => {
                self.lanes[i].1.pop_front();
            }
        }
    }

    /// Removes and returns the next event if it is due at or before `t`.
    #[inline]
    pub fn pop_until(&mut self, t: f64) -> Option<(f64, EventKind)> {
        let (source, e) = self.next_source()?;
        if e.key > time_key(t) {
            return None;
        }
        self.remove(source);
        Some(e.event())
    }

    /// Events waiting to fire.
    pub fn len(&self) -> usize {
        self.heap.len() + self.lanes.iter().map(|(_, l)| l.len()).sum::<usize>()
    }

    /// True when no event is pending.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Events scheduled since the queue was made.
    pub fn scheduled(&self) -> u64 {
        self.scheduled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_order_and_breaks_ties_by_scheduling_order() {
        let mut q = EventQueue::new();
        q.schedule(2.0, EventKind::Tick);
        q.schedule(1.0, EventKind::Arrival(0));
        q.schedule(1.0, EventKind::Arrival(1));
        q.schedule(0.5, EventKind::HostUp(3));
        q.schedule(1.0, EventKind::Arrival(2));
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(
            order,
            [
                (0.5, EventKind::HostUp(3)),
                (1.0, EventKind::Arrival(0)),
                (1.0, EventKind::Arrival(1)),
                (1.0, EventKind::Arrival(2)),
                (2.0, EventKind::Tick),
            ]
        );
        assert!(q.is_empty());
        assert_eq!(q.scheduled(), 5);
    }

    #[test]
    fn lanes_and_heap_merge_in_time_then_sequence_order() {
        let mut q = EventQueue::new();
        q.add_lane(0.5);
        q.schedule_after(0.0, 0.5, EventKind::Arrival(1)); // t = 0.5, lane
        q.schedule(0.5, EventKind::Arrival(2)); // t = 0.5, heap, scheduled later
        q.schedule_after(0.2, 0.5, EventKind::Arrival(3)); // t = 0.7, lane
        q.schedule_after(0.0, 0.3, EventKind::Arrival(4)); // t = 0.3, no lane: heap
        q.schedule(0.6, EventKind::Arrival(5));
        assert_eq!(q.len(), 5);
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).map(|(_, k)| k).collect();
        assert_eq!(
            order,
            [4, 1, 2, 5, 3].map(EventKind::Arrival).to_vec(),
            "time first, then the order of scheduling"
        );
    }

    #[test]
    fn the_radix_heap_puts_an_event_from_the_past_first() {
        // Enough events that they wait in the radix heap.
        let mut q = EventQueue::new();
        for i in 0..2 * MANY as u16 {
            q.schedule(10.0 + f64::from(i), EventKind::Expire(i));
        }
        assert!(matches!(q.heap, Pending::Many(_)));
        assert_eq!(q.pop(), Some((10.0, EventKind::Expire(0))));
        assert_eq!(q.pop(), Some((11.0, EventKind::Expire(1))));
        // Before the last one taken: nothing in a simulation does this, and it still works.
        q.schedule(5.0, EventKind::Tick);
        q.schedule(11.0, EventKind::HostUp(1));
        assert_eq!(q.pop(), Some((5.0, EventKind::Tick)));
        assert_eq!(q.pop(), Some((11.0, EventKind::HostUp(1))));
        assert_eq!(q.pop_until(11.5), None);
        assert_eq!(q.next_time(), Some(12.0));
        assert_eq!(q.len(), 2 * MANY - 2);
    }

    #[test]
    fn the_radix_heap_keeps_room_for_what_is_pending_not_for_every_bucket_s_busiest_moment() {
        // 5,000 events pending at once, each due from 0 to 100 s after the last one taken, as
        // a busy stage keeps them: each passes through a dozen buckets on its way to the front.
        const PENDING: usize = 5_000;
        let mut q = EventQueue::new();
        let mut rng = crate::rng::SimRng::new(3);
        let mut now = 0.0;
        for i in 0..PENDING as u32 {
            q.schedule(rng.uniform() * 100.0, EventKind::Resume { req: i, gen: 0 });
        }
        let mut taken = 0u32;
        while taken < 1_000_000 {
            let (t, kind) = q.pop().unwrap();
            assert!(t >= now, "in time order");
            now = t;
            q.schedule(now + rng.uniform() * 100.0, kind);
            taken += 1;
        }
        let Pending::Many(radix) = &q.heap else {
            panic!("5,000 events wait in the radix heap");
        };
        let least = PENDING.div_ceil(CHUNK);
        // What is pending, plus at most one chunk partly used per bucket.
        assert!(
            (least..=least + BUCKETS).contains(&radix.chunks_made()),
            "{} chunks for {PENDING} events, {least} at least",
            radix.chunks_made()
        );
    }

    #[test]
    fn many_events_come_out_sorted_by_time_then_scheduling_order() {
        let mut q = EventQueue::new();
        q.add_lane(0.25);
        let mut rng = crate::rng::SimRng::new(5);
        let mut expected = Vec::new();
        let mut now = 0.0;
        for i in 0..20_000u32 {
            let kind = EventKind::Resume { req: i, gen: i ^ 7 };
            // Coarse times make many ties; some go through the lane.
            if rng.chance(0.2) {
                q.schedule_after(now, 0.25, kind);
                expected.push((now + 0.25, i, kind));
            } else {
                let t = now + f64::from(rng.below(50)) / 8.0;
                q.schedule(t, kind);
                expected.push((t, i, kind));
            }
            if rng.chance(0.3) {
                let (t, _) = q.pop().unwrap();
                now = t;
                let k = expected
                    .iter()
                    .enumerate()
                    .min_by(|a, b| a.1 .0.total_cmp(&b.1 .0).then(a.1 .1.cmp(&b.1 .1)))
                    .unwrap()
                    .0;
                assert_eq!(expected.swap_remove(k).0, t);
            }
        }
        expected.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        assert_eq!(q.len(), expected.len());
        assert_eq!(q.pop_until(expected[0].0 - 0.01), None);
        let rest: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        let want: Vec<_> = expected.iter().map(|&(t, _, k)| (t, k)).collect();
        assert_eq!(rest, want);
        assert_eq!(EventKind::unpack(5, 9), EventKind::Control(9));
        for t in [0.0, -0.0, 1.5, -2.0, f64::INFINITY, 1e-300] {
            assert_eq!(key_time(time_key(t)).to_bits(), t.to_bits());
        }
    }
}
