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

/// Join times in the order they joined.
#[derive(Debug, Clone, Default)]
pub struct Backlog {
    bins: VecDeque<Bin>,
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

    /// Bins held (what its memory grows with).
    pub fn bins(&self) -> usize {
        self.bins.len()
    }

    /// A waiter joins at `t` (no earlier than the last one).
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
        self.bins.front().map(Bin::next)
    }

    /// The oldest waiter leaves; when it joined.
    pub fn pop(&mut self) -> Option<f64> {
        let bin = self.bins.front_mut()?;
        let t = bin.next();
        bin.taken += 1;
        if bin.taken == bin.count {
            self.bins.pop_front();
        }
        self.len -= 1;
        Some(t)
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
        assert_eq!(b.bins(), 4);
        let out: Vec<f64> = std::iter::from_fn(|| b.pop()).collect();
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
        assert!(b.bins() <= 1_001, "{} bins", b.bins());
        let mut previous = f64::NEG_INFINITY;
        for &t in &times {
            let front = b.front();
            let got = b.pop().unwrap();
            assert_eq!(front, Some(got), "front is the next to leave");
            assert!((got - t).abs() < BIN_S, "{got} for {t}");
            assert!(got >= previous, "in order");
            previous = got;
        }
        assert!(b.is_empty());
    }
}
