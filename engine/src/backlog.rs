//! A queue of waiters that are nothing yet but the time they joined: the jobs in a durable
//! queue that no worker has taken. An overloaded queue grows by thousands of jobs a second;
//! holding each as a request would grow the engine's memory with it. Here they cost a few bytes
//! per [`BIN_S`] of arrivals instead of a few hundred bytes each.
//!
//! Join times that fall within a bin's width of the first in their bin are kept as the bin's
//! first and last and a count; the ones between are handed out evenly spaced. A bin of one or
//! two is exact, so a queue that is not overloaded (a job or two every few milliseconds) loses
//! nothing; in a bin of more, a join time is off by less than the width. The width is
//! [`BIN_S`], or [`SPREAD`] of how long the oldest waiter has waited when that is more: a job
//! joining a queue whose oldest has waited a minute will itself wait about a minute, and
//! 60 ms on that is the same 0.1% that 10 ms is on ten seconds. So a queue that grows for as
//! long as it runs holds a bin per [`BIN_S`] for its first ten seconds, and then a thousand
//! more each time its age grows by a factor of e, instead of a hundred more a second. A bin
//! closes once one of its waiters has left, so the times handed out never go backwards.
//!
//! A job back for another attempt carries more than its join time: when it was first enqueued,
//! which attempt this is, and how many first attempts joined before it (it leaves once they
//! have: waiters leave in the order they joined). Later attempts are kept beside the bins, in a
//! lane for each attempt (they come back interleaved), in bins of their own: those whose join
//! times and first-enqueue times both rise and both fall within a bin's width share one, and
//! are handed out the same way, each of the three evenly spaced between the bin's first and
//! last. A bin of one or two is exact. The next later attempt to leave is the lanes' next that
//! joined first.

use crate::slab::Fifo;

/// The spread of join times a bin holds at least, seconds.
pub const BIN_S: f64 = 0.01;

/// The spread of join times a bin holds at most, as a share of how long the oldest waiter has
/// waited (when that is more than [`BIN_S`]).
pub const SPREAD: f64 = 1e-3;

/// Join times within [`BIN_S`] of each other.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Bin {
    first: f64,
    last: f64,
    count: u32,
    /// Handed out already, from the front.
    taken: u32,
    /// Takes no more waiters: one has left.
    closed: bool,
}

/// Waiters on one later attempt whose join times and first-enqueue times both rise, each
/// within a bin's width of the first's, with how many first attempts joined before each: the
/// first's and the last's of each, the ones between evenly spaced.
#[derive(Debug, Clone, Copy, PartialEq)]
struct RetryBin {
    joined: (f64, f64),
    born: (f64, f64),
    firsts_before: (u64, u64),
    count: u32,
    /// Handed out already, from the front.
    taken: u32,
    /// Later-attempt bins made before it in this backlog (wrapping): on a tie of join times
    /// between lanes, the bin made first goes first.
    order: u32,
    attempt: u8,
    /// Takes no more waiters: one has left.
    closed: bool,
}

// A bin per few milliseconds of later attempts, for as long as an overloaded queue grows.
const _: () = assert!(std::mem::size_of::<RetryBin>() <= 64);

impl RetryBin {
    /// Where the next to leave lies between the first and the last: 0 for the first, 1 for
    /// the last.
    fn share(&self) -> Option<f64> {
        match (self.taken, self.count) {
            (0, _) => None,
            (t, c) if t + 1 == c => Some(1.0),
            (t, c) => Some(f64::from(t) / f64::from(c - 1)),
        }
    }

    fn between(first: f64, last: f64, share: Option<f64>) -> f64 {
        match share {
            None => first,
            Some(1.0) => last,
            Some(s) => first + (last - first) * s,
        }
    }

    /// The next to leave.
    fn next(&self) -> (Waiter, u64) {
        let share = self.share();
        let (f0, f1) = self.firsts_before;
        let firsts_before = match share {
            None => f0,
            Some(s) => f0 + ((f1 - f0) as f64 * s).round() as u64,
        };
        let waiter = Waiter {
            joined: Self::between(self.joined.0, self.joined.1, share),
            born: Self::between(self.born.0, self.born.1, share),
            attempt: self.attempt,
        };
        (waiter, firsts_before)
    }
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
    bins: Fifo<Bin>,
    /// Waiters on a later attempt: a lane for each attempt (by attempt - 1), each in the order
    /// they joined. Attempts come back interleaved; apart, each lane's bins fill.
    retries: Vec<Fifo<RetryBin>>,
    /// Later-attempt bins made so far (wrapping).
    retry_bins: u32,
    /// First attempts that have joined, and that have left.
    firsts_joined: u64,
    firsts_left: u64,
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
        self.bins.len() + self.retries.iter().map(Fifo::len).sum::<usize>()
    }

    /// A waiter on a later attempt joins (no earlier than the last one).
    pub fn push_retry(&mut self, waiter: Waiter) {
        self.len += 1;
        let width = self.width(waiter.joined);
        let firsts = self.firsts_joined;
        let lane = usize::from(waiter.attempt.saturating_sub(1));
        if self.retries.len() <= lane {
            self.retries.resize_with(lane + 1, Fifo::default);
        }
        let lane = &mut self.retries[lane];
        if let Some(bin) = lane.back_mut() {
            if !bin.closed
                && waiter.joined - bin.joined.0 < width
                && waiter.born >= bin.born.1
                && waiter.born - bin.born.0 < width
            {
                bin.joined.1 = waiter.joined;
                bin.born.1 = waiter.born;
                bin.firsts_before.1 = firsts;
                bin.count += 1;
                return;
            }
        }
        lane.push_back(RetryBin {
            joined: (waiter.joined, waiter.joined),
            born: (waiter.born, waiter.born),
            firsts_before: (firsts, firsts),
            count: 1,
            taken: 0,
            order: self.retry_bins,
            attempt: waiter.attempt,
            closed: false,
        });
        self.retry_bins = self.retry_bins.wrapping_add(1);
    }

    /// The widest spread of times a bin started now, at `t`, may hold: [`BIN_S`], or
    /// [`SPREAD`] of how long the oldest waiter has waited.
    fn width(&self, t: f64) -> f64 {
        let first = self.bins.front().map_or(t, |b| b.first);
        let retry = self
            .retries
            .iter()
            .filter_map(|lane| lane.front())
            .map(|b| b.joined.0)
            .fold(t, f64::min);
        BIN_S.max((t - first.min(retry)) * SPREAD)
    }

    /// A first attempt joins at `t` (no earlier than the last one).
    pub fn push(&mut self, t: f64) {
        self.len += 1;
        self.firsts_joined += 1;
        let width = self.width(t);
        if let Some(bin) = self.bins.back_mut() {
            if !bin.closed && t - bin.first < width {
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
            closed: false,
        });
    }

    /// The later attempt to leave next, when it is the next of all to leave (every first
    /// attempt that joined before it has left): its lane, and itself. Of the lanes' next, it
    /// is the one that joined first (on a tie, the one whose bin was made first).
    fn retry_next(&self) -> Option<(usize, Waiter)> {
        let (lane, waiter, firsts_before, _) = self
            .retries
            .iter()
            .enumerate()
            .filter_map(|(i, lane)| {
                let bin = lane.front()?;
                let (waiter, firsts_before) = bin.next();
                Some((i, waiter, firsts_before, bin.order))
            })
            .min_by(|a, b| {
                let made_first = (a.3.wrapping_sub(b.3) as i32).cmp(&0);
                a.1.joined.total_cmp(&b.1.joined).then(made_first)
            })?;
        (self.firsts_left >= firsts_before).then_some((lane, waiter))
    }

    /// When the oldest waiter joined.
    pub fn front(&self) -> Option<f64> {
        match self.retry_next() {
            Some((_, waiter)) => Some(waiter.joined),
            None => self.bins.front().map(Bin::next),
        }
    }

    /// The oldest waiter leaves.
    pub fn pop(&mut self) -> Option<Waiter> {
        let waiter = if let Some((lane, waiter)) = self.retry_next() {
            let lane = &mut self.retries[lane];
            let bin = lane.front_mut()?;
            bin.taken += 1;
            bin.closed = true;
            if bin.taken == bin.count {
                lane.pop_front();
            }
            waiter
        } else {
            let bin = self.bins.front_mut()?;
            let joined = bin.next();
            bin.taken += 1;
            bin.closed = true;
            if bin.taken == bin.count {
                self.bins.pop_front();
            }
            self.firsts_left += 1;
            Waiter {
                joined,
                born: joined,
                attempt: 1,
            }
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

    /// A backlog that a million first attempts joined, one every `step_s`, and their times.
    fn first_attempts_every(step_s: f64) -> (Backlog, Vec<f64>) {
        let mut b = Backlog::default();
        let times: Vec<f64> = (0..1_000_000).map(|i| f64::from(i) * step_s).collect();
        for &t in &times {
            b.push(t);
        }
        (b, times)
    }

    #[test]
    fn a_dense_stream_costs_one_bin_per_bin_width_and_each_time_is_within_it() {
        // 100,000 joins a second for ten seconds.
        let (mut b, times) = first_attempts_every(1e-5);
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
    fn a_queue_that_only_grows_holds_bins_by_its_age_s_factors_and_times_within_a_thousandth() {
        // 1,000 joins a second for 1,000 seconds, and none leaves.
        let (mut b, times) = first_attempts_every(1e-3);
        // A bin per 10 ms for ten seconds, then 1,000 × ln(1,000 s / 10 s) ≈ 4,600 more
        // (instead of 99,000 more).
        assert!(
            (5_000..6_000).contains(&b.entries()),
            "{} bins",
            b.entries()
        );
        let mut previous = f64::NEG_INFINITY;
        for &t in &times {
            let got = b.pop().unwrap().joined;
            // Off by less than a thousandth of the oldest's age when it joined (its own wait
            // in a queue served in order), or BIN_S.
            assert!((got - t).abs() < BIN_S.max(t * SPREAD), "{got} for {t}");
            assert!(got >= previous, "in order");
            previous = got;
        }
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
                retry(1.003_906_25),
                // The middle of a bin of three, 1.0 to 1.0078125 (it joined at 1.005).
                first(1.003_906_25),
                first(1.007_812_5),
                // Joined at the same time: in the order they joined.
                retry(2.0),
                first(2.0),
            ]
        );
        assert!(b.is_empty());
    }

    #[test]
    fn a_steady_stream_of_later_attempts_shares_bins_and_keeps_its_place() {
        let mut b = Backlog::default();
        // For 100 s, each millisecond: a first attempt, then a third attempt of a job first
        // enqueued 30 s before; none leaves.
        let n = 100_000;
        for i in 0..n {
            let t = f64::from(i) * 1e-3;
            b.push(t);
            b.push_retry(Waiter {
                joined: t,
                born: t - 30.0,
                attempt: 3,
            });
        }
        assert_eq!(b.len(), 2 * n);
        assert!(b.entries() < 8_000, "{} bins", b.entries());
        let (mut firsts, mut retries) = (0_u32, 0_u32);
        while let Some(w) = b.pop() {
            if w.attempt == 1 {
                firsts += 1;
                continue;
            }
            // The k-th later attempt joined at k ms, after k + 1 first attempts: evenly spaced
            // in its bin, as they came.
            let t = f64::from(retries) * 1e-3;
            assert!((w.joined - t).abs() < 1e-9, "{} for {t}", w.joined);
            assert!(
                (w.born - (t - 30.0)).abs() < 1e-9,
                "{} for {}",
                w.born,
                t - 30.0
            );
            assert_eq!(
                firsts,
                retries + 1,
                "after the first attempts that joined before it"
            );
            retries += 1;
        }
        assert_eq!((firsts, retries), (n, n));
    }

    #[test]
    fn later_attempts_that_come_back_interleaved_share_bins_within_their_attempt() {
        let mut b = Backlog::default();
        // For 10 s, each millisecond: a second attempt and a third, one after the other; none
        // leaves.
        let n = 10_000;
        for i in 0..n {
            let t = f64::from(i) * 1e-3;
            for attempt in [2, 3] {
                b.push_retry(Waiter {
                    joined: t,
                    born: t - 10.0 * f64::from(attempt),
                    attempt,
                });
            }
        }
        assert_eq!(b.len(), 2 * n);
        // A bin per 10 ms for each attempt, where one queue of bins would hold one a waiter.
        assert!(b.entries() <= 2 * 1_001, "{} bins", b.entries());
        let mut previous = f64::NEG_INFINITY;
        let mut left = [0_u32; 2];
        while let Some(w) = b.pop() {
            assert!(w.joined >= previous, "in the order they joined");
            previous = w.joined;
            let born = w.joined - 10.0 * f64::from(w.attempt);
            assert!((w.born - born).abs() < 1e-9, "{} for {born}", w.born);
            left[usize::from(w.attempt - 2)] += 1;
        }
        assert_eq!(left, [n, n]);
    }

    #[test]
    fn later_attempts_of_two_attempts_that_join_at_once_leave_in_the_order_they_joined() {
        let mut b = Backlog::default();
        let retry = |attempt: u8| Waiter {
            joined: 3.0,
            born: 1.0,
            attempt,
        };
        for attempt in [3, 2, 4] {
            b.push_retry(retry(attempt));
        }
        let out: Vec<u8> = std::iter::from_fn(|| b.pop().map(|w| w.attempt)).collect();
        assert_eq!(out, [3, 2, 4]);
    }

    #[test]
    fn later_attempts_that_do_not_rise_together_are_kept_apart_and_exact() {
        let mut b = Backlog::default();
        let retry = |joined: f64, born: f64, attempt: u8| Waiter {
            joined,
            born,
            attempt,
        };
        let all = [
            retry(5.0, 1.0, 2),
            retry(5.001, 0.5, 2),   // first enqueued earlier than the one before
            retry(5.002, 0.6, 3),   // another attempt
            retry(5.003, 0.605, 3), // rises with the one before: they share a bin of two
        ];
        for w in all {
            b.push_retry(w);
        }
        assert_eq!(b.entries(), 3);
        let out: Vec<Waiter> = std::iter::from_fn(|| b.pop()).collect();
        assert_eq!(out, all);
    }

    #[test]
    fn join_times_never_go_backwards_when_waiters_join_and_leave_in_turn() {
        let mut b = Backlog::default();
        let mut out = Vec::new();
        b.push(0.0);
        b.push(0.001);
        out.push(b.pop().unwrap().joined);
        // Joins after a waiter left its bin start a new one.
        b.push(0.009);
        for i in 0..98 {
            b.push(0.0095 + f64::from(i) * 1e-6);
            if i % 10 == 0 {
                out.push(b.pop().unwrap().joined);
            }
        }
        out.extend(std::iter::from_fn(|| b.pop().map(|w| w.joined)));
        assert_eq!(out.len(), 101);
        assert!(out.windows(2).all(|w| w[0] <= w[1]), "{out:?}");
        assert_eq!(
            out[..3],
            [0.0, 0.001, 0.009],
            "bins of one or two are exact"
        );
    }

    #[test]
    fn a_later_attempt_leaves_after_every_first_attempt_that_joined_before_it() {
        let mut b = Backlog::default();
        for t in [1.0, 1.0005, 1.0006] {
            b.push(t);
        }
        b.push_retry(Waiter {
            joined: 1.001,
            born: 0.0,
            attempt: 2,
        });
        b.push(1.0099);
        let out: Vec<(f64, u8)> =
            std::iter::from_fn(|| b.pop().map(|w| (w.joined, w.attempt))).collect();
        let attempts: Vec<u8> = out.iter().map(|&(_, a)| a).collect();
        assert_eq!(attempts, [1, 1, 1, 2, 1], "in the order they joined");
        for ((t, _), joined) in out.iter().zip([1.0, 1.0005, 1.0006, 1.001, 1.0099]) {
            assert!((t - joined).abs() < BIN_S, "{t} for {joined}");
        }
    }
}
