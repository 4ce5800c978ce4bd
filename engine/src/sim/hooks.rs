//! What the web model adds to the core's requests ([`WebHooks`], the core's [`Hooks`]): reads
//! from a lagging replica, writes the replicas replay, the two commits of a cross-shard
//! transfer, the memory a busy server takes on its machine (and the kill when there is none
//! left), and what the animation watches (the trail of hops and the latest failures).

use crate::core::{At, Class, Hooks, Host, Mark, Verdict, NONE};
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

/// A machine's memory, beside the core's host of the same index.
#[derive(Debug, Clone)]
pub struct Memory {
    /// Physical memory, MB (infinite: a managed service, which is never killed for it).
    pub capacity_mb: f64,
    /// Memory in use now, MB: what it takes whatever the load (OS, runtimes, buffers), and
    /// what its busy servers take.
    pub used_mb: f64,
    /// Highest memory use seen since the statistics were last reset, MB.
    pub peak_mb: f64,
    /// Killed for running out of memory, since it was built.
    pub oom_kills: u64,
    /// `oom_kills` when the statistics were last reset.
    oom_kills_before: u64,
    /// When it was last killed for running out of memory, seconds (-inf: never).
    pub last_oom_s: f64,
}

impl Memory {
    /// Kills for running out of memory since the statistics were last reset.
    pub fn oom_kills_in_run(&self) -> u64 {
        self.oom_kills - self.oom_kills_before
    }

    /// Whether `host` (this memory's machine) is down now because it ran out of memory.
    pub fn downed(&self, host: &Host) -> bool {
        !host.up && self.last_oom_s >= host.down_since
    }
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
    /// Each machine's memory, by host index.
    memory: Vec<Memory>,
    /// What a busy server of each resource takes on its host, MB, by resource index (those
    /// past the end take none).
    per_busy_mb: Vec<f64>,
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
            memory: Vec::new(),
            per_busy_mb: Vec::new(),
        }
    }

    /// Gives host `host` (the next one: hosts are added in order) `capacity_mb` of memory,
    /// of which `base_mb` is always in use.
    pub fn add_memory(&mut self, host: u16, capacity_mb: f64, base_mb: f64) {
        assert_eq!(
            usize::from(host),
            self.memory.len(),
            "memory is added host by host"
        );
        self.memory.push(Memory {
            capacity_mb,
            used_mb: base_mb,
            peak_mb: base_mb,
            oom_kills: 0,
            oom_kills_before: 0,
            last_oom_s: f64::NEG_INFINITY,
        });
    }

    /// Each busy server of `res` takes `mb` of its host's memory from now on.
    pub fn set_memory(&mut self, res: u16, mb: f64) {
        let i = usize::from(res);
        if self.per_busy_mb.len() <= i {
            self.per_busy_mb.resize(i + 1, 0.0);
        }
        self.per_busy_mb[i] = mb;
    }

    /// Each machine's memory, by host index.
    pub fn memory(&self) -> &[Memory] {
        &self.memory
    }

    /// The statistics start again: peaks and kills count from now.
    pub fn reset_stats(&mut self) {
        for m in &mut self.memory {
            m.peak_mb = m.used_mb;
            m.oom_kills_before = m.oom_kills;
        }
    }

    /// What a busy server of `res` takes, MB.
    #[inline]
    fn per_busy(&self, res: u16) -> f64 {
        self.per_busy_mb
            .get(usize::from(res))
            .copied()
            .unwrap_or(0.0)
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
    fn hop(&mut self, now: f64, edge: u16, class: Class, job: bool, weight: u32) {
        self.trail.record(now, edge, class, job, weight);
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

    /// The server's memory is taken; a machine that is up and now needs more than it has is
    /// killed (the kernel's OOM killer).
    #[inline]
    fn took(&mut self, res: u16, host: u16, up: bool, now: f64) -> bool {
        let mb = self.per_busy(res);
        if mb <= 0.0 {
            return false;
        }
        let m = &mut self.memory[usize::from(host)];
        m.used_mb += mb;
        m.peak_mb = m.peak_mb.max(m.used_mb);
        let killed = up && m.used_mb > m.capacity_mb;
        if killed {
            m.oom_kills += 1;
            m.last_oom_s = now;
        }
        killed
    }

    #[inline]
    fn gave_back(&mut self, res: u16, host: u16) {
        let mb = self.per_busy(res);
        if mb > 0.0 {
            self.memory[usize::from(host)].used_mb -= mb;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{run_until, Core, Origin, Plan};
    use crate::parts::{PartId, ResourceId, Role, Tier};
    use crate::resource::ResourceSpec;

    #[test]
    fn running_out_of_memory_kills_everything_on_the_host_until_it_restarts() {
        let mut c = Core::with_hooks(1, true, WebHooks::new(f64::INFINITY, 0.0));
        let vm = c.add_host(Host::new("vm", 30.0));
        c.hooks_mut().add_memory(vm, 1_000.0, 600.0);
        let part = |tier| PartId::new(tier, 0);
        let app = c.add_resource(ResourceSpec::pool(
            ResourceId::new(part(Tier::App), Role::Threads),
            vm,
            50,
        ));
        c.hooks_mut().set_memory(app, 100.0);
        let db = c.add_resource(ResourceSpec::pool(
            ResourceId::new(part(Tier::Database), Role::Connections),
            vm,
            50,
        ));
        let p = Plan::holding_while_served(app, db, 10.0);
        for _ in 0..4 {
            c.start(0, &[], &p, f64::INFINITY, Origin::User); // 600 + 4 × 100 = 1,000 MB: fits
        }
        assert!(c.hosts()[vm as usize].up);
        c.start(0, &[], &p, f64::INFINITY, Origin::User); // 1,100 MB: OOM
        assert!(!c.hosts()[vm as usize].up);
        let memory = &c.hooks().memory()[vm as usize];
        assert_eq!(memory.oom_kills, 1);
        assert!(memory.downed(&c.hosts()[vm as usize]));
        assert_eq!(memory.peak_mb, 1_100.0);
        assert_eq!(memory.used_mb, 600.0, "their memory was freed");
        let down = || c.stats().totals.failed[Cause::Down.index()];
        assert_eq!(down(), 5, "every request on the VM died");
        c.start(0, &[], &p, f64::INFINITY, Origin::User);
        assert_eq!(
            c.stats().totals.failed[Cause::Down.index()],
            6,
            "arrivals fail while it restarts"
        );
        run_until(&mut c, 31.0, |_| false);
        assert!(c.hosts()[vm as usize].up);
        assert!(!c.hooks().memory()[vm as usize].downed(&c.hosts()[vm as usize]));
        c.start(0, &[], &p, f64::INFINITY, Origin::User);
        assert_eq!(c.in_flight(), 1);
        c.hooks_mut().reset_stats();
        let memory = &c.hooks().memory()[vm as usize];
        assert_eq!((memory.oom_kills_in_run(), memory.peak_mb), (0, 700.0));
    }

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
