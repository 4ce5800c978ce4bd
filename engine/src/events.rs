//! The future event list: events ordered by (time, sequence number).
//!
//! Equal times break ties by the order in which events were scheduled, so a run is the same
//! every time. The heap's storage grows to the largest number of pending events and is then
//! reused: no allocation per event in steady state.
//!
//! Events scheduled a fixed delay ahead (a network hop always takes the same time) arrive in
//! time order by construction, so they wait in a FIFO "lane" per delay instead of the heap:
//! O(1) instead of O(log n), and a smaller heap for the rest.
//!
//! The rest wait in a 4-ary min-heap of 24-byte entries: the time as an integer key with the
//! same order as [`f64::total_cmp`], the sequence number with the event's kind packed under
//! it, and the kind's payload. Every (time, sequence) pair is unique, so the order in which
//! events come out does not depend on the heap's shape.

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

/// Children per heap node.
const ARITY: usize = 4;

/// A min-queue of events by (time, sequence number).
#[derive(Debug, Default, Clone)]
pub struct EventQueue {
    heap: Vec<Entry>,
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
        self.push_heap(e);
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
            None => self.push_heap(e),
        }
    }

    #[inline]
    fn push_heap(&mut self, e: Entry) {
        let heap = &mut self.heap;
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

    /// Removes the heap's first entry (the heap must not be empty).
    #[inline]
    fn pop_heap(&mut self) -> Entry {
        let heap = &mut self.heap;
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

    /// Where the next event is: `None` for the heap, `Some(i)` for lane `i`.
    #[inline]
    fn next_source(&self) -> Option<(Option<usize>, Entry)> {
        let mut best: Option<(Option<usize>, Entry)> = self.heap.first().map(|e| (None, *e));
        for (i, (_, lane)) in self.lanes.iter().enumerate() {
            if let Some(e) = lane.front() {
                if best.is_none_or(|(_, b)| e.before(&b)) {
                    best = Some((Some(i), *e));
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
    fn remove(&mut self, source: Option<usize>) {
        match source {
            None => {
                self.pop_heap();
            }
            Some(i) => {
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
