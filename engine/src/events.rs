//! The future event list: events ordered by (time, sequence number).
//!
//! Equal times break ties by the order in which events were scheduled, so a run is the same
//! every time. The heap's storage grows to the largest number of pending events and is then
//! reused: no allocation per event in steady state.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

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

    /// The time of the next event, if any.
    #[inline]
    pub fn next_time(&self) -> Option<f64> {
        self.heap.peek().map(|e| e.t)
    }

    /// Removes and returns the next event.
    #[inline]
    pub fn pop(&mut self) -> Option<(f64, EventKind)> {
        self.heap.pop().map(|e| (e.t, e.kind))
    }

    /// Events waiting to fire.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// True when no event is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
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
}
