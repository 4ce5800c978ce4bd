//! A queue of waiters that are nothing yet but the time they joined: the jobs in a durable
//! queue that no worker has taken. An overloaded queue grows by thousands of jobs a second;
//! holding each as a request would grow the engine's memory with it. Here they cost a few bytes
//! per [`BIN_S`] of arrivals instead of a few hundred bytes each.
//!
//! Join times that fall within [`BIN_S`] of the first in their bin are kept as the bin's first
//! and last and a count; the ones between are handed out evenly spaced. A bin of one or two
//! is exact, so a queue that is not overloaded (a job or two every few milliseconds) loses
//! nothing; in a bin of more, a join time is off by less than [`BIN_S`], on waits that are by
//! then usually far longer.
//!
//! A job back for another attempt carries more than its join time (when it was first
//! enqueued, and which attempt this is): it is kept whole, beside the bins, and leaves in
//! order with them.

use std::collections::VecDeque;

/// The longest spread of join times one bin holds, seconds.
pub const BIN_S: f64 = 0.01;

/// Join times within [`BIN_S`] of each other.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Bin {
    first: f64,
    last: f64,
    count: u32,
    /// Handed out already, from the front.
    taken: u32,
}

/// A waiter as it leaves the backlog.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Waiter {
    /// When it joined the backlog.
    pub joined: f64,
    /// When it was first enqueued (its first attempt's join time).
    pub born: f64,
    /// Which attempt this is, from 1.
    pub attempt: u8,
}

/// Waiters in the order they joined.
#[derive(Debug, Clone, Default)]
pub struct Backlog {
    bins: VecDeque<Bin>,
    /// Waiters on a later attempt, in the order they joined.
    retries: VecDeque<Waiter>,
    len: u32,
}

impl Backlog {
    /// Waiters in it.
    pub fn len(&self) -> u32 {
        self.len
    }

    /// True when none waits.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Entries held (what its memory grows with): bins and waiters on a later attempt.
    pub fn entries(&self) -> usize {
        self.bins.len() + self.retries.len()
    }

    /// A waiter on a later attempt joins (no earlier than the last one).
    pub fn push_retry(&mut self, waiter: Waiter) {
        self.len += 1;
        self.retries.push_back(waiter);
    }

    /// A first attempt joins at `t` (no earlier than the last one).
    pub fn push(&mut self, t: f64) {
        self.len += 1;
        if let Some(bin) = self.bins.back_mut() {
            if t - bin.first < BIN_S {
                bin.last = t;
                bin.count += 1;
                return;
            }
        }
        self.bins.push_back(Bin {
            first: t,
            last: t,
            count: 1,
            taken: 0,
        });
    }

    /// When the oldest waiter joined.
    pub fn front(&self) -> Option<f64> {
        let fresh = self.bins.front().map(Bin::next);
        let retry = self.retries.front().map(|w| w.joined);
        match (fresh, retry) {
            (Some(f), Some(r)) => Some(f.min(r)),
            (f, r) => f.or(r),
        }
    }

    /// The oldest waiter leaves (of two that joined at once, the first attempt).
    pub fn pop(&mut self) -> Option<Waiter> {
        let fresh = self.bins.front().map(Bin::next);
        let retry = self.retries.front().map(|w| w.joined);
        let waiter = match (fresh, retry) {
            (Some(f), r) if r.is_none_or(|r| f <= r) => {
                let bin = self.bins.front_mut().expect("a front bin");
                bin.taken += 1;
                if bin.taken == bin.count {
                    self.bins.pop_front();
                }
                Waiter {
                    joined: f,
                    born: f,
                    attempt: 1,
                }
            }
            _ => self.retries.pop_front()?,
        };
        self.len -= 1;
        Some(waiter)
    }
}

impl Bin {
    /// The join time of the next waiter to leave.
    fn next(&self) -> f64 {
        if self.count < 2 {
            return self.first;
        }
        let share = f64::from(self.taken) / f64::from(self.count - 1);
        self.first + (self.last - self.first) * share
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waiters_leave_in_the_order_they_joined_with_their_join_times_when_sparse() {
        let mut b = Backlog::default();
        let times = [0.0, 0.02, 0.05, 0.055, 0.2];
        for t in times {
            b.push(t);
        }
        assert_eq!(b.len(), 5);
        // 0.05 and 0.055 share a bin of two: both exact.
        assert_eq!(b.entries(), 4);
        let out: Vec<f64> = std::iter::from_fn(|| b.pop().map(|w| w.joined)).collect();
        assert_eq!(out, times);
        assert!(b.is_empty());
        assert_eq!(b.front(), None);
    }

    #[test]
    fn a_dense_stream_costs_one_bin_per_bin_width_and_each_time_is_within_it() {
        let mut b = Backlog::default();
        // 100,000 joins a second for ten seconds.
        let times: Vec<f64> = (0..1_000_000).map(|i| f64::from(i) * 1e-5).collect();
        for &t in &times {
            b.push(t);
        }
        assert_eq!(b.len(), 1_000_000);
        assert!(b.entries() <= 1_001, "{} bins", b.entries());
        let mut previous = f64::NEG_INFINITY;
        for &t in &times {
            let front = b.front();
            let got = b.pop().unwrap().joined;
            assert_eq!(front, Some(got), "front is the next to leave");
            assert!((got - t).abs() < BIN_S, "{got} for {t}");
            assert!(got >= previous, "in order");
            previous = got;
        }
        assert!(b.is_empty());
    }

    #[test]
    fn later_attempts_leave_in_order_with_first_ones_and_keep_what_they_carry() {
        let mut b = Backlog::default();
        let retry = |joined: f64| Waiter {
            joined,
            born: joined - 5.0,
            attempt: 3,
        };
        let first = |joined: f64| Waiter {
            joined,
            born: joined,
            attempt: 1,
        };
        // (Binary fractions, so the bin's middle time is exact.)
        b.push(1.0);
        b.push_retry(retry(1.003_906_25));
        b.push(1.005);
        b.push(1.007_812_5);
        b.push_retry(retry(2.0));
        b.push(2.0);
        assert_eq!((b.len(), b.entries()), (6, 4));
        let out: Vec<Waiter> = std::iter::from_fn(|| b.pop()).collect();
        assert_eq!(
            out,
            [
                first(1.0),
                // The middle of a bin of three, 1.0 to 1.0078125: before the retry that
                // joined at the same time.
                first(1.003_906_25),
                retry(1.003_906_25),
                first(1.007_812_5),
                first(2.0),
                retry(2.0),
            ]
        );
        assert!(b.is_empty());
    }
}
