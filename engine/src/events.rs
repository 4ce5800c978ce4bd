//! The future event list: events ordered by (time, sequence number).
//!
//! Equal times break ties by the order in which events were scheduled, so a run is the same
//! every time. The heap's storage grows to the largest number of pending events and is then
//! reused: no allocation per event in steady state.
//!
//! Events scheduled a fixed delay ahead (a network hop always takes the same time) arrive in
//! time order by construction, so they wait in a FIFO "lane" per delay instead of the heap:
//! O(1) instead of O(log n), and a smaller heap for the rest.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

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

#[derive(Debug, Clone, Copy)]
struct Entry {
    t: f64,
    seq: u64,
    kind: EventKind,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    /// Reversed, so the max-heap pops the earliest (time, sequence) first.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .t
            .total_cmp(&self.t)
            .then_with(|| other.seq.cmp(&self.seq))
    }
}

/// A min-queue of events by (time, sequence number).
#[derive(Debug, Default, Clone)]
pub struct EventQueue {
    heap: BinaryHeap<Entry>,
    lanes: Vec<(f64, VecDeque<Entry>)>,
    seq: u64,
    scheduled: u64,
}

impl EventQueue {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// Schedules `kind` at time `t`.
    #[inline]
    pub fn schedule(&mut self, t: f64, kind: EventKind) {
        self.seq += 1;
        self.scheduled += 1;
        self.heap.push(Entry {
            t,
            seq: self.seq,
            kind,
        });
    }

    /// Adds a FIFO lane for events scheduled exactly `delay` seconds ahead.
    pub fn add_lane(&mut self, delay: f64) {
        if delay > 0.0 && !self.lanes.iter().any(|(d, _)| *d == delay) {
            self.lanes.push((delay, VecDeque::new()));
        }
    }

    /// Schedules `kind` at `now + delay`, in a lane when one has exactly that delay.
    #[inline]
    pub fn schedule_after(&mut self, now: f64, delay: f64, kind: EventKind) {
        if let Some((_, lane)) = self.lanes.iter_mut().find(|(d, _)| *d == delay) {
            self.seq += 1;
            self.scheduled += 1;
            lane.push_back(Entry {
                t: now + delay,
                seq: self.seq,
                kind,
            });
        } else {
            self.schedule(now + delay, kind);
        }
    }

    /// Where the next event is: `None` for the heap, `Some(i)` for lane `i`.
    #[inline]
    fn next_source(&self) -> Option<(Option<usize>, Entry)> {
        let mut best: Option<(Option<usize>, Entry)> = self.heap.peek().map(|e| (None, *e));
        for (i, (_, lane)) in self.lanes.iter().enumerate() {
            if let Some(e) = lane.front() {
                // `Entry`'s order is reversed for the max-heap: greater means earlier.
                if best.is_none_or(|(_, b)| *e > b) {
                    best = Some((Some(i), *e));
                }
            }
        }
        best
    }

    /// The time of the next event, if any.
    #[inline]
    pub fn next_time(&self) -> Option<f64> {
        self.next_source().map(|(_, e)| e.t)
    }

    /// Removes and returns the next event.
    #[inline]
    pub fn pop(&mut self) -> Option<(f64, EventKind)> {
        let e = match self.next_source()?.0 {
            None => self.heap.pop()?,
            Some(i) => self.lanes[i].1.pop_front()?,
        };
        Some((e.t, e.kind))
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
}
