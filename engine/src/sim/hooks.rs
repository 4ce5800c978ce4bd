//! What the web model adds to the core's requests ([`WebHooks`], the core's [`Hooks`]): reads
//! from a lagging replica, writes the replicas replay, the two commits of a cross-shard
//! transfer, and what the animation watches (the trail of hops and the latest failures).

use crate::core::{At, Class, Hooks, Mark, Verdict, NONE};
use crate::models::ReplicaLag;
use crate::resource::Cause;
use crate::stats::Totals;
use crate::trail::Trail;

/// A key read with this bit set refills the cache after a write cleared it (keys stay below
/// it: at most 100,000,000).
pub const REFILL: u32 = 1 << 31;

/// Simulated seconds of hops the animation's trail keeps, unless the app sets another window.
pub const TRAIL_WINDOW_S: f64 = 0.6;

/// How many of the latest user-request failures [`WebHooks::recent_failures`] remembers.
pub const RECENT_FAILURES: usize = 32;

/// Size of the table of recent writes (key → time), for stale-read detection.
const WRITE_TABLE: usize = 1 << 14;

/// The web model's instant steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebMark {
    /// Read the request's keys from a replica (index into the replica table): stale if one of
    /// them was written more recently than the replica's lag.
    ReplicaRead(u16),
    /// The request's key number `key` was written on the primary of shard `shard`, whose
    /// replicas now have one more write to replay.
    Write {
        /// The shard.
        shard: u16,
        /// Which of the request's keys.
        key: u8,
    },
    /// The first shard of a cross-shard transfer has committed.
    FirstShardCommitted,
    /// Both shards committed.
    CrossShardCommitted,
}

impl From<WebMark> for Mark {
    fn from(mark: WebMark) -> Self {
        let (code, arg, sub) = match mark {
            WebMark::ReplicaRead(replica) => (0, replica, 0),
            WebMark::Write { shard, key } => (1, shard, key),
            WebMark::FirstShardCommitted => (2, 0, 0),
            WebMark::CrossShardCommitted => (3, 0, 0),
        };
        Mark { code, arg, sub }
    }
}

impl From<Mark> for WebMark {
    fn from(Mark { code, arg, sub }: Mark) -> Self {
        match code {
            0 => WebMark::ReplicaRead(arg),
            1 => WebMark::Write {
                shard: arg,
                key: sub,
            },
            2 => WebMark::FirstShardCommitted,
            3 => WebMark::CrossShardCommitted,
            _ => unreachable!("the web model makes no mark {code}"),
        }
    }
}

/// What the web model counts in the core's totals, by its place in [`Totals::model`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    /// Reads (queries, one key each) a replica answered.
    ReplicaReads,
    /// Of those, reads of a key written more recently than the replica's lag.
    StaleReads,
    /// Of those, reads that refilled the cache after a write had cleared the key.
    StaleRefills,
    /// Cross-shard transfers that ended (both halves committed, or one).
    Transfers,
    /// Of those, transfers that committed on one shard only.
    PartialCommits,
}

impl Count {
    /// What `totals` counted.
    pub fn of(self, totals: &Totals) -> u64 {
        totals.model[self as usize]
    }
}

/// A read replica's lag, and the shard whose writes it replays.
#[derive(Debug, Clone)]
pub struct Replica {
    /// The shard it copies.
    pub shard: u16,
    /// How far behind it is.
    pub lag: ReplicaLag,
}

/// The web model's tables beside the core.
#[derive(Debug, Clone)]
pub struct WebHooks {
    /// The read replicas.
    pub replicas: Vec<Replica>,
    /// The latest write of each key (hashed into a table: key, time).
    writes: Box<[(u32, f64)]>,
    /// Seconds the coordinator of a cross-shard transfer waits for the second shard's commit
    /// after the first has committed, before it gives up (leaving the transfer half done).
    second_commit_timeout_s: f64,
    /// Probability that the second shard of a transfer aborts its half (a deadlock or a
    /// constraint) after the first committed.
    second_commit_abort: f64,
    /// The latest hops, thinned, for the animation.
    pub trail: Trail,
    recent_failures: [(f64, u16); RECENT_FAILURES],
    recent_next: usize,
}

impl WebHooks {
    /// No replicas yet; a transfer's second commit waits `second_commit_timeout_s` at most and
    /// aborts with probability `second_commit_abort`.
    pub fn new(second_commit_timeout_s: f64, second_commit_abort: f64) -> Self {
        Self {
            replicas: Vec::new(),
            writes: vec![(0, f64::NEG_INFINITY); WRITE_TABLE].into_boxed_slice(),
            second_commit_timeout_s,
            second_commit_abort,
            trail: Trail::new(TRAIL_WINDOW_S),
            recent_failures: [(f64::NEG_INFINITY, 0); RECENT_FAILURES],
            recent_next: 0,
        }
    }

    /// Adds a read replica; returns its index.
    pub fn add_replica(&mut self, replica: Replica) -> u16 {
        self.replicas.push(replica);
        (self.replicas.len() - 1) as u16
    }

    /// The latest user-request failures (up to [`RECENT_FAILURES`]) no older than `seconds`
    /// at `now`, as (resource where it failed, age in seconds), for the animation.
    pub fn recent_failures(&self, now: f64, seconds: f64, out: &mut Vec<(u16, f32)>) {
        out.clear();
        out.extend(
            self.recent_failures
                .iter()
                .filter(|(t, _)| now - t <= seconds)
                .map(|&(t, res)| (res, (now - t) as f32)),
        );
    }
}

impl Hooks for WebHooks {
    type Mark = WebMark;

    fn mark(&mut self, mark: WebMark, at: At<'_>) -> Verdict {
        let now = at.now;
        let count = at.counts;
        match mark {
            WebMark::ReplicaRead(i) => {
                let Some(replica) = self.replicas.get_mut(usize::from(i)) else {
                    return Verdict::Next;
                };
                let lag = replica.lag.lag(now);
                // Each key the page read from the replica is a read; it is stale when that
                // key was written on the primary within the replica's lag.
                count[Count::ReplicaReads as usize] += at.keys.len() as u64;
                for &read in at.keys {
                    let key = read & !REFILL;
                    let entry = self.writes[key as usize % WRITE_TABLE];
                    if entry.0 == key && now - entry.1 < lag {
                        count[Count::StaleReads as usize] += 1;
                        if read & REFILL != 0 {
                            count[Count::StaleRefills as usize] += 1;
                        }
                    }
                }
                Verdict::Next
            }
            WebMark::Write { shard, key } => {
                if let Some(&key) = at.keys.get(usize::from(key)) {
                    let key = key & !REFILL;
                    self.writes[key as usize % WRITE_TABLE] = (key, now);
                }
                for replica in self.replicas.iter_mut().filter(|r| r.shard == shard) {
                    replica.lag.write(now);
                }
                Verdict::Next
            }
            // The coordinator waits so long for the second shard, then gives up.
            WebMark::FirstShardCommitted => Verdict::Open {
                within: self.second_commit_timeout_s,
            },
            WebMark::CrossShardCommitted => {
                if at.rng.chance(self.second_commit_abort) {
                    return Verdict::Fail(Cause::Aborted);
                }
                count[Count::Transfers as usize] += 1;
                Verdict::Close
            }
        }
    }

    #[inline]
    fn hop(&mut self, now: f64, edge: u16, class: Class, job: bool) {
        self.trail.record(now, edge, class, job);
    }

    fn user_failed(&mut self, now: f64, origin: u16) {
        if origin != NONE {
            self.recent_failures[self.recent_next] = (now, origin);
            self.recent_next = (self.recent_next + 1) % RECENT_FAILURES;
        }
    }

    /// A transfer whose second commit never came (it aborted, or the coordinator gave up)
    /// ended half done.
    fn left_open(&mut self, count: &mut crate::stats::Counts) {
        count[Count::Transfers as usize] += 1;
        count[Count::PartialCommits as usize] += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mark_survives_the_cores_encoding() {
        let marks = [
            WebMark::ReplicaRead(0),
            WebMark::ReplicaRead(u16::MAX),
            WebMark::Write { shard: 15, key: 5 },
            WebMark::FirstShardCommitted,
            WebMark::CrossShardCommitted,
        ];
        for mark in marks {
            assert_eq!(WebMark::from(Mark::from(mark)), mark);
        }
    }
}
