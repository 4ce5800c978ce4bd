//! What is wrong, read from a [`Reading`] and nothing else: the targets' verdict, the failure
//! rules, the parts that show each failure (with the measurements to label them) and what
//! fixes it.
//!
//! The rules are checked in order, root causes first: a machine out of memory, a slow query,
//! a disk-bound primary, a database out of connections (naming its CPU when that is why), app
//! threads parked on a slow API, app servers out of CPU or threads, then stale reads and
//! half-done transfers. When the targets are missed and no rule holds, the rules are read
//! again at the looser [`STILL_SATURATED`] before the miss is called unexplained. Every
//! threshold is a named constant in [`crate::calibration`].
//! [`Diagnoser`] adds hysteresis for the live window. While nothing is named, a named rule
//! that holds is shown at once: the targets are missed, and the page says why from the first
//! reading. "Unexplained", or a failure taking the place of another, must hold for
//! [`CONFIRM_S`] first. Once shown, a failure holds while its rule holds at the looser
//! [`STILL_SATURATED`], so a reading at the threshold's edge does not make it flicker.

use serde::{Deserialize, Serialize};

use crate::calibration::{
    CONFIRM_S, DISK_BOUND, ERROR_BUDGET, HOLD_S, MIN_ERRORS, MIN_SAMPLES, MIN_TRANSFERS,
    P95_TARGET_MS, PARKED_SHARE, PARTIAL_COMMIT_BUDGET, SATURATED, SCAN_SHARE, SETTLE_S,
    STALE_BUDGET, STILL_SATURATED, TAIL_SHARE,
};
use crate::numbers::{fixed, grouped};
use crate::parts::{PartId, PartNames, ResourceId, Role, Tier};
use crate::reading::{Reading, ResourceReading};
use crate::stages::StageId;
use crate::topology::{first_stage_with, Feature, Topology};

/// A failure the rules can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Failure {
    /// A machine ran out of memory and everything on it was killed.
    OomCascade,
    /// Slow because of the unindexed query, with no metrics to see it.
    BlindSlowdown,
    /// Slow because of the unindexed query, and the metrics show it.
    UnindexedQuery,
    /// A primary's disk is saturated, and writes wait for their row locks.
    PrimarySaturated,
    /// A database has no free connection.
    DbConnectionsExhausted,
    /// A database's CPU is flat out (its connections still have room).
    DatabaseCpu,
    /// App threads are parked inside slow third-party calls.
    UpstreamBlocking,
    /// The app servers are out of CPU or threads.
    AppSaturated,
    /// Replicas serve data older than the latest write.
    StaleReads,
    /// Cross-shard transfers are left half done.
    CrossShardPartialCommit,
    /// The targets are missed and no rule says why.
    Unexplained,
}

use Failure::*;

/// The rules' order: root causes first.
pub const RULES: [Failure; 10] = [
    OomCascade,
    BlindSlowdown,
    UnindexedQuery,
    PrimarySaturated,
    DbConnectionsExhausted,
    DatabaseCpu,
    UpstreamBlocking,
    AppSaturated,
    StaleReads,
    CrossShardPartialCommit,
];

impl Failure {
    /// Every failure, the rules' order then [`Failure::Unexplained`].
    pub const ALL: [Failure; 11] = [
        OomCascade,
        BlindSlowdown,
        UnindexedQuery,
        PrimarySaturated,
        DbConnectionsExhausted,
        DatabaseCpu,
        UpstreamBlocking,
        AppSaturated,
        StaleReads,
        CrossShardPartialCommit,
        Unexplained,
    ];

    /// A stable code for JSON, links and the course page's events.
    pub fn code(self) -> &'static str {
        match self {
            OomCascade => "oom_cascade",
            BlindSlowdown => "blind_slowdown",
            UnindexedQuery => "unindexed_query",
            PrimarySaturated => "primary_saturated",
            DbConnectionsExhausted => "db_connections_exhausted",
            DatabaseCpu => "database_cpu",
            UpstreamBlocking => "upstream_blocking",
            AppSaturated => "app_saturated",
            StaleReads => "stale_reads",
            CrossShardPartialCommit => "cross_shard_partial_commit",
            Unexplained => "unexplained",
        }
    }

    /// The failure with code `code`.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.code() == code)
    }

    /// A few words naming it.
    pub fn title(self) -> &'static str {
        match self {
            OomCascade => "The OOM cascade",
            BlindSlowdown => "Slow, and nobody knows why",
            UnindexedQuery => "A query without its index",
            PrimarySaturated => "The primary hits its ceiling",
            DbConnectionsExhausted => "Out of database connections",
            DatabaseCpu => "The database's CPU is flat out",
            UpstreamBlocking => "Stuck waiting on a slow API",
            AppSaturated => "The app servers are flat out",
            StaleReads => "Stale reads from the replicas",
            CrossShardPartialCommit => "Half-done cross-shard transfers",
            Unexplained => "Missing its targets",
        }
    }

    /// The stage whose design adds what fixes it (`None` when no stage does).
    pub fn fixed_by(self) -> Option<StageId> {
        let feature = match self {
            OomCascade => Feature::SeparateDatabase,
            BlindSlowdown => Feature::Observability,
            UnindexedQuery => Feature::Index,
            AppSaturated => Feature::LoadBalancer,
            DbConnectionsExhausted | DatabaseCpu => Feature::Cache,
            UpstreamBlocking => Feature::Queue,
            PrimarySaturated => Feature::Replicas,
            StaleReads | CrossShardPartialCommit | Unexplained => return None,
        };
        Some(first_stage_with(feature))
    }

    /// The stage whose own failure this is: the last stage before the one that fixes it (the
    /// last stage for the failures nothing later fixes).
    pub fn stage(self) -> Option<StageId> {
        match self {
            UnindexedQuery => Some(StageId::Observe),
            StaleReads | CrossShardPartialCommit => Some(StageId::ReplicasShards),
            Unexplained => None,
            _ => self.fixed_by()?.previous(),
        }
    }
}

/// Whether a p95 of `p95_ms` over `samples` finished requests misses the target, with
/// enough requests to say so.
pub fn slow(samples: u64, p95_ms: f64) -> bool {
    samples >= MIN_SAMPLES && p95_ms > P95_TARGET_MS
}

/// Whether an error rate over `samples` finished requests is over the budget, with enough
/// failures to say so.
pub fn erroring(samples: u64, error_rate: f64) -> bool {
    error_rate > ERROR_BUDGET && error_rate * samples as f64 >= MIN_ERRORS
}

/// The targets' verdict on a reading: the one answer to "is it healthy?" that every panel,
/// badge and chart reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Verdict {
    /// p95 latency is over its target.
    pub slow: bool,
    /// The error rate is over its budget.
    pub erroring: bool,
    /// Stale reads are over their budget.
    pub stale: bool,
    /// Half-done transfers are over their budget.
    pub half_done: bool,
}

impl Verdict {
    /// The verdict on `r`.
    pub fn of(r: &Reading) -> Self {
        let finished = r.completed + r.failed;
        Self {
            slow: slow(finished, r.p95_ms),
            erroring: erroring(finished, r.error_rate),
            stale: r.replica_reads >= MIN_SAMPLES && r.stale_read_rate > STALE_BUDGET,
            half_done: r.transfers >= MIN_TRANSFERS
                && r.partial_commit_rate > PARTIAL_COMMIT_BUDGET,
        }
    }

    /// Latency or errors miss their targets.
    pub fn over_target(self) -> bool {
        self.slow || self.erroring
    }

    /// Every target is met.
    pub fn healthy(self) -> bool {
        !(self.over_target() || self.stale || self.half_done)
    }
}

/// A measurement that shows a failure on one part: what the part's label reads.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// A machine's memory, and whether it is down from running out of it.
    Memory {
        /// In use, MB.
        used_mb: f64,
        /// What it has, MB.
        capacity_mb: f64,
        /// Down now.
        down: bool,
    },
    /// The memory the cron report takes when it runs, MB.
    Report {
        /// MB.
        memory_mb: f64,
    },
    /// A pool's servers: busy on average, how many, and how many wait.
    Pool {
        /// Which servers.
        role: Role,
        /// Busy on average.
        busy: f64,
        /// Servers.
        servers: u32,
        /// Waiting on average.
        waiting: f64,
    },
    /// CPU use, 0 to 1.
    Cpu {
        /// Time-average busy cores over cores.
        utilization: f64,
    },
    /// A disk's use and the writes waiting for their row locks.
    Disk {
        /// Time-average busy channels over channels.
        utilization: f64,
        /// Writes waiting for a row lock, on average.
        lock_waits: f64,
    },
    /// The share of the database's CPU the unindexed scan takes.
    Scan {
        /// 0 to 1.
        share: f64,
    },
    /// User-visible latency.
    Latency {
        /// p95, ms.
        p95_ms: f64,
    },
    /// App threads and how many of them wait inside third-party calls.
    Parked {
        /// Threads inside third-party calls, on average.
        parked: f64,
        /// Threads busy, on average.
        busy: f64,
        /// Threads.
        threads: u32,
    },
    /// The third-party API's measured latency.
    Upstream {
        /// p95, ms.
        p95_ms: f64,
    },
    /// Dashboards, BI exports and ad-hoc SQL reaching a database.
    Analytics {
        /// Queries a second.
        per_s: f64,
    },
    /// A replica's lag and the share of its reads that were stale.
    Lag {
        /// Lag now, ms.
        lag_ms: f64,
        /// Stale reads / replica reads.
        stale_rate: f64,
    },
    /// Transfers left half done.
    HalfDone {
        /// How many, in the window.
        count: u64,
        /// Of how many transfers.
        transfers: u64,
    },
}

/// A part in a failure's scene and the measurement it shows.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SceneLabel {
    /// The part.
    pub part: PartId,
    /// What it shows.
    pub metric: Metric,
}

/// A knob a learner can turn to fix a failure at the stage they are on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lever {
    /// More app servers.
    AppServers,
    /// A higher cache hit rate.
    CacheHit,
    /// More read replicas.
    Replicas,
    /// More shards.
    Shards,
    /// The index switched on.
    Index,
    /// Fewer writes.
    Writes,
}

/// What fixes a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Remedy {
    /// The stage whose design adds the fix.
    Stage(StageId),
    /// A knob at this stage.
    Lever(Lever),
    /// Nothing in this system: a change of design the simulation leaves out.
    Redesign,
}

/// A failure the rules found, the resource that gives out, and what shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diagnosis {
    /// Which failure.
    pub failure: Failure,
    /// The resource that is saturated, if the failure has one.
    pub bottleneck: Option<ResourceId>,
    /// The parts that show it, with their measurements.
    pub scene: Vec<SceneLabel>,
    /// What fixes it.
    pub remedy: Remedy,
    /// Simulated time since which it has been shown (for a whole run: its start).
    pub since_s: f64,
}

fn of_kind(r: &Reading, tier: Tier, role: Role) -> impl Iterator<Item = &ResourceReading> {
    r.resources
        .iter()
        .filter(move |x| x.id.part.tier == tier && x.id.role == role)
}

fn find(r: &Reading, part: PartId, role: Role) -> Option<&ResourceReading> {
    r.resources
        .iter()
        .find(|x| x.id.part == part && x.id.role == role)
}

/// Sums a tier's pools of one role: (busy on average, servers, waiting on average, mean
/// utilization).
fn pooled(r: &Reading, tier: Tier, role: Role) -> Option<(f64, u32, f64, f64)> {
    let mut any = false;
    let (mut busy, mut servers, mut waiting) = (0.0, 0, 0.0);
    for x in of_kind(r, tier, role) {
        any = true;
        busy += x.utilization * f64::from(x.servers);
        servers += x.servers;
        waiting += x.mean_queue_len;
    }
    (any && servers > 0).then(|| (busy, servers, waiting, busy / f64::from(servers)))
}

fn pool(x: &ResourceReading) -> Metric {
    Metric::Pool {
        role: x.id.role,
        busy: x.utilization * f64::from(x.servers),
        servers: x.servers,
        waiting: x.mean_queue_len,
    }
}

/// The databases (primaries and replicas).
fn databases(r: &Reading) -> impl Iterator<Item = &ResourceReading> {
    r.resources
        .iter()
        .filter(|x| matches!(x.id.part.tier, Tier::Database | Tier::Replica))
}

/// Whether `failure`'s rule holds for `r`, with pools counting as saturated from `at`; if it
/// does, the resource that gives out and the scene.
fn check(failure: Failure, t: &Topology, r: &Reading, v: Verdict, at: f64) -> Option<Found> {
    let label = |part, metric| SceneLabel { part, metric };
    let failing = v.over_target();
    // The scan runs on whichever CPU serves the database: its own, or the one VM's.
    let scan_share = || {
        r.resources
            .iter()
            .filter(|x| x.id.role == Role::Cores)
            .map(|x| (x.flagged_share, x))
            .max_by(|a, b| a.0.total_cmp(&b.0))
    };
    match failure {
        OomCascade => {
            let h = r
                .hosts
                .iter()
                .find(|h| h.oom_kills > 0 || h.down_from_oom || h.oom_recently)?;
            let mut scene: Vec<SceneLabel> = h
                .parts
                .iter()
                .filter(|p| p.tier != Tier::Cron)
                .map(|&p| {
                    label(
                        p,
                        Metric::Memory {
                            used_mb: h.memory_used_mb,
                            capacity_mb: h.memory_capacity_mb,
                            down: !h.up,
                        },
                    )
                })
                .collect();
            if let Some(&cron) = h.parts.iter().find(|p| p.tier == Tier::Cron) {
                scene.push(label(
                    cron,
                    Metric::Report {
                        memory_mb: r.cron_report_mb,
                    },
                ));
            }
            Some((None, scene))
        }
        BlindSlowdown | UnindexedQuery => {
            if !v.slow || t.observability != (failure == UnindexedQuery) {
                return None;
            }
            let (share, cpu) = scan_share()?;
            if share < SCAN_SHARE {
                return None;
            }
            let scene = vec![
                label(
                    PartId::first(Tier::Users),
                    Metric::Latency { p95_ms: r.p95_ms },
                ),
                label(cpu.id.part, Metric::Scan { share }),
            ];
            Some((Some(cpu.id), scene))
        }
        PrimarySaturated => {
            if !failing {
                return None;
            }
            let disk_bound = DISK_BOUND - (SATURATED - at);
            let disk = of_kind(r, Tier::Database, Role::Disk)
                .filter(|d| {
                    let waits =
                        find(r, d.id.part, Role::RowLocks).map_or(0.0, |l| l.mean_queue_len);
                    d.utilization > disk_bound && waits > 1.0
                })
                .max_by(|a, b| a.utilization.total_cmp(&b.utilization))?;
            let waits = find(r, disk.id.part, Role::RowLocks).map_or(0.0, |l| l.mean_queue_len);
            let analytics = r
                .finished_by_class
                .get(usize::from(crate::sim::class::ANALYTICS))
                .copied()
                .unwrap_or(0.0);
            let scene = vec![
                label(
                    disk.id.part,
                    Metric::Disk {
                        utilization: disk.utilization,
                        lock_waits: waits,
                    },
                ),
                label(
                    PartId::first(Tier::Analysts),
                    Metric::Analytics { per_s: analytics },
                ),
            ];
            Some((Some(disk.id), scene))
        }
        DbConnectionsExhausted => {
            if !failing {
                return None;
            }
            // Once shown (the looser threshold), the failure holds while that database's pool or
            // its CPU (the usual reason the pool runs out) stays saturated.
            let holding = at < SATURATED;
            let cpu_out = |x: &ResourceReading| {
                find(r, x.id.part, Role::Cores).is_some_and(|c| c.saturated(at))
            };
            let conns = databases(r)
                .filter(|x| x.id.role == Role::Connections)
                .filter(|x| x.saturated(at) || (holding && cpu_out(x)))
                .max_by(|a, b| a.mean_queue_len.total_cmp(&b.mean_queue_len))?;
            let mut scene = vec![label(conns.id.part, pool(conns))];
            let cpu = find(r, conns.id.part, Role::Cores).filter(|c| c.utilization >= at);
            if let Some(cpu) = cpu {
                scene.push(label(
                    cpu.id.part,
                    Metric::Cpu {
                        utilization: cpu.utilization,
                    },
                ));
            }
            Some((Some(cpu.map_or(conns.id, |c| c.id)), scene))
        }
        DatabaseCpu => {
            if !failing {
                return None;
            }
            let cpu = databases(r)
                .filter(|x| x.id.role == Role::Cores && x.saturated(at))
                .max_by(|a, b| a.utilization.total_cmp(&b.utilization))?;
            let mut scene = vec![label(
                cpu.id.part,
                Metric::Cpu {
                    utilization: cpu.utilization,
                },
            )];
            if let Some(conns) = find(r, cpu.id.part, Role::Connections) {
                scene.push(label(conns.id.part, pool(conns)));
            }
            Some((Some(cpu.id), scene))
        }
        UpstreamBlocking | AppSaturated => {
            if !failing {
                return None;
            }
            let (busy, _, _, _) = pooled(r, Tier::App, Role::Threads)?;
            let parked = if t.queue {
                0.0
            } else {
                of_kind(r, Tier::ThirdParty, Role::Calls)
                    .map(|x| x.mean_present)
                    .sum()
            };
            // The same measure that turns a part red: busy from `at` with requests waiting.
            let threads_out = of_kind(r, Tier::App, Role::Threads).any(|x| x.saturated(at));
            // Out of CPU, the app servers are the bottleneck whatever else their threads wait
            // for; out of threads with most of them inside third-party calls, the API is.
            let cpu_out = of_kind(r, Tier::App, Role::Cores).any(|x| x.saturated(at));
            let blocked = threads_out && !cpu_out && parked >= PARKED_SHARE * busy;
            // Or, with the app servers in no trouble, the calls are few but slow, and enough
            // of the window's requests make them that their tail is the site's p95.
            let tail_sets_p95 = v.slow && !t.queue && !threads_out && !cpu_out && {
                let (calls, api_slow) = of_kind(r, Tier::ThirdParty, Role::Calls)
                    .fold((0, false), |(n, slow), x| {
                        (n + x.arrivals, slow || x.p95_ms > P95_TARGET_MS)
                    });
                let requests = r.completed + r.failed;
                api_slow && requests > 0 && calls as f64 >= TAIL_SHARE * requests as f64
            };
            let apps = of_kind(r, Tier::App, Role::Threads);
            if failure == UpstreamBlocking {
                if !(blocked || tail_sets_p95) {
                    return None;
                }
                let mut scene: Vec<SceneLabel> = apps
                    .map(|x| {
                        let share = x.utilization * f64::from(x.servers) / busy.max(1e-9);
                        label(
                            x.id.part,
                            Metric::Parked {
                                parked: parked * share,
                                busy: x.utilization * f64::from(x.servers),
                                threads: x.servers,
                            },
                        )
                    })
                    .collect();
                let api = of_kind(r, Tier::ThirdParty, Role::Calls).next()?;
                scene.push(label(api.id.part, Metric::Upstream { p95_ms: api.p95_ms }));
                let bottleneck = of_kind(r, Tier::App, Role::Threads).next().map(|x| x.id);
                return Some((bottleneck, scene));
            }
            if blocked || tail_sets_p95 || !(threads_out || cpu_out) {
                return None;
            }
            let by_cpu = cpu_out;
            let role = if by_cpu { Role::Cores } else { Role::Threads };
            let scene: Vec<SceneLabel> = of_kind(r, Tier::App, role)
                .map(|x| {
                    let metric = if by_cpu {
                        Metric::Cpu {
                            utilization: x.utilization,
                        }
                    } else {
                        pool(x)
                    };
                    label(x.id.part, metric)
                })
                .collect();
            let bottleneck = of_kind(r, Tier::App, role).next().map(|x| x.id);
            Some((bottleneck, scene))
        }
        StaleReads => {
            if !v.stale {
                return None;
            }
            let lag = r.replica_lag_ms.iter().copied().fold(0.0, f64::max);
            // One replica per shard shows it (they lag alike).
            let scene = r
                .resources
                .iter()
                .filter(|x| x.id.part.tier == Tier::Replica && x.id.role == Role::Connections)
                .filter(|x| x.id.part.replica_number() == 0)
                .map(|x| {
                    label(
                        x.id.part,
                        Metric::Lag {
                            lag_ms: lag,
                            stale_rate: r.stale_read_rate,
                        },
                    )
                })
                .collect();
            Some((None, scene))
        }
        CrossShardPartialCommit => {
            if !v.half_done {
                return None;
            }
            let scene = (0..t.shards.min(2))
                .map(|s| {
                    label(
                        PartId::new(Tier::Database, s),
                        Metric::HalfDone {
                            count: r.partial_commits,
                            transfers: r.transfers,
                        },
                    )
                })
                .collect();
            Some((None, scene))
        }
        Unexplained => {
            if !failing {
                return None;
            }
            let busiest = r
                .resources
                .iter()
                .filter(|x| x.servers > 0)
                .max_by(|a, b| a.utilization.total_cmp(&b.utilization))?;
            Some((
                Some(busiest.id),
                vec![label(busiest.id.part, pool(busiest))],
            ))
        }
    }
}

/// What fixes `failure` in topology `t`, given the resource that gives out.
fn remedy(failure: Failure, t: &Topology, bottleneck: Option<ResourceId>) -> Remedy {
    if let Some(stage) = failure.fixed_by() {
        if stage > t.stage {
            return Remedy::Stage(stage);
        }
    }
    let on_replica = bottleneck.is_some_and(|b| b.part.tier == Tier::Replica);
    match failure {
        UnindexedQuery | BlindSlowdown => Remedy::Lever(Lever::Index),
        AppSaturated | UpstreamBlocking => Remedy::Lever(Lever::AppServers),
        DbConnectionsExhausted | DatabaseCpu if on_replica => Remedy::Lever(Lever::Replicas),
        DbConnectionsExhausted | DatabaseCpu if t.cache => Remedy::Lever(Lever::CacheHit),
        PrimarySaturated if t.stage.design().has(Feature::Shards) => Remedy::Lever(Lever::Shards),
        StaleReads => Remedy::Lever(Lever::Writes),
        _ => Remedy::Redesign,
    }
}

/// What a rule found: the bottleneck, if any, and the scene.
type Found = (Option<ResourceId>, Vec<SceneLabel>);

/// The first rule that holds at [`SATURATED`]; with the targets missed and none holding, the
/// first that holds at [`STILL_SATURATED`]; then [`Failure::Unexplained`] if the targets are
/// missed.
fn first_holding(t: &Topology, r: &Reading, v: Verdict) -> Option<(Failure, Found)> {
    let at = |threshold| {
        RULES
            .into_iter()
            .find_map(|f| check(f, t, r, v, threshold).map(|found| (f, found)))
    };
    at(SATURATED)
        .or_else(|| v.over_target().then(|| at(STILL_SATURATED)).flatten())
        .or_else(|| check(Unexplained, t, r, v, SATURATED).map(|found| (Unexplained, found)))
}

/// The first failure whose rule holds for `r` (a whole run, say), with no memory of earlier
/// readings; [`Failure::Unexplained`] when the targets are missed and no rule says why.
pub fn diagnose(t: &Topology, r: &Reading) -> Option<Diagnosis> {
    let v = Verdict::of(r);
    first_holding(t, r, v).map(|(failure, (bottleneck, scene))| Diagnosis {
        failure,
        remedy: remedy(failure, t, bottleneck),
        bottleneck,
        scene,
        since_s: r.time_s - r.window_s,
    })
}

/// A rule's place in the order; [`Failure::Unexplained`] comes last.
fn rank(f: Failure) -> usize {
    RULES.iter().position(|&x| x == f).unwrap_or(RULES.len())
}

/// Follows the rules over the live window with hysteresis (see the module's notes). A new
/// system starts it afresh.
#[derive(Debug, Clone, Default)]
pub struct Diagnoser {
    shown: Option<Diagnosis>,
    /// The failure waiting to be confirmed, and since when its rule holds.
    candidate: Option<(Failure, f64)>,
    last_held: f64,
    last_now: f64,
}

impl Diagnoser {
    /// Takes a live reading and returns what to show.
    pub fn observe(&mut self, t: &Topology, r: &Reading) -> Option<&Diagnosis> {
        let now = r.time_s;
        if now < self.last_now {
            *self = Self::default(); // a new simulation
        }
        self.last_now = now;
        if now < SETTLE_S {
            self.shown = None;
            return None;
        }
        let v = Verdict::of(r);
        let entering = first_holding(t, r, v);
        if let Some((shown, since)) = self.shown.as_ref().map(|d| (d.failure, d.since_s)) {
            // A rule before the shown one in the order takes over once it has held long enough.
            match &entering {
                Some((f, found)) if rank(*f) < rank(shown) => {
                    // A named cause replaces "unexplained" at once.
                    if shown == Unexplained || self.confirmed(*f, now) {
                        self.candidate = None;
                        self.show(t, *f, now, found.clone(), now);
                        return self.shown.as_ref();
                    }
                }
                _ => self.candidate = None,
            }
            // Otherwise the shown failure holds while its rule holds at the looser threshold,
            // and for a moment after.
            if let Some(found) = check(shown, t, r, v, STILL_SATURATED) {
                self.show(t, shown, since, found, now);
                return self.shown.as_ref();
            }
            // It no longer holds. For a moment it stays; after that it gives way to the rule
            // that holds now once that is confirmed (no healthy gap between two failures), or
            // clears when no rule holds.
            if now - self.last_held <= HOLD_S {
                return self.shown.as_ref();
            }
            if entering.is_none() {
                self.shown = None;
            }
        }
        match entering {
            Some((f, found)) => {
                let first_named = self.shown.is_none() && f != Unexplained;
                if first_named || self.confirmed(f, now) {
                    self.candidate = None;
                    self.show(t, f, now, found, now);
                }
            }
            None => self.candidate = None,
        }
        self.shown.as_ref()
    }

    /// Whether `f`'s rule has held for [`CONFIRM_S`], counting from its first reading.
    fn confirmed(&mut self, f: Failure, now: f64) -> bool {
        match self.candidate {
            Some((c, from)) if c == f => now - from >= CONFIRM_S,
            _ => {
                self.candidate = Some((f, now));
                false
            }
        }
    }

    fn show(&mut self, t: &Topology, f: Failure, since: f64, found: Found, now: f64) {
        self.last_held = now;
        self.shown = Some(Diagnosis {
            failure: f,
            remedy: remedy(f, t, found.0),
            bottleneck: found.0,
            scene: found.1,
            since_s: since,
        });
    }

    /// What is shown now.
    pub fn shown(&self) -> Option<&Diagnosis> {
        self.shown.as_ref()
    }
}

/// A duration for people: "820 ms", "8.2 s".
pub fn duration_ms(ms: f64) -> String {
    if ms < 1_000.0 {
        format!("{} ms", grouped(ms))
    } else if ms < 100_000.0 {
        format!("{} s", fixed(ms / 1e3, 1))
    } else {
        format!("{} s", grouped(ms / 1e3))
    }
}

/// A share for people: "97%", "0.6%".
pub fn percent(x: f64) -> String {
    let p = x * 100.0;
    if p > 0.0 && p < 10.0 && (p - p.round()).abs() > 0.05 {
        format!("{}%", fixed(p, 1))
    } else {
        format!("{}%", fixed(p, 0))
    }
}

impl Metric {
    /// The short label a part shows: "conns 100/100 · 37 waiting", "CPU 97%".
    pub fn label(&self) -> String {
        match *self {
            Metric::Memory {
                used_mb,
                capacity_mb,
                down,
            } => {
                if down {
                    format!("killed by OOM · restarting ({} MB)", grouped(capacity_mb))
                } else {
                    format!("memory {} / {} MB", grouped(used_mb), grouped(capacity_mb))
                }
            }
            Metric::Report { memory_mb } => format!("report needs {} MB", grouped(memory_mb)),
            Metric::Pool {
                role,
                busy,
                servers,
                waiting,
            } => {
                let name = match role {
                    Role::Connections => "conns",
                    other => other.word(),
                };
                format!(
                    "{name} {}/{} · {} waiting",
                    grouped(busy),
                    grouped(f64::from(servers)),
                    grouped(waiting)
                )
            }
            Metric::Cpu { utilization } => format!("CPU {}", percent(utilization)),
            Metric::Disk {
                utilization,
                lock_waits,
            } => format!(
                "disk {} · {} lock waits",
                percent(utilization),
                grouped(lock_waits)
            ),
            Metric::Scan { share } => format!("scan takes {} of CPU", percent(share)),
            Metric::Latency { p95_ms } => format!("p95 {}", duration_ms(p95_ms)),
            Metric::Parked {
                parked,
                busy,
                threads,
            } => format!(
                "threads {}/{} · {} in API calls",
                grouped(busy),
                grouped(f64::from(threads)),
                grouped(parked)
            ),
            Metric::Upstream { p95_ms } => format!("p95 {}", duration_ms(p95_ms)),
            Metric::Analytics { per_s } => {
                format!("{} heavy queries a minute", grouped(per_s * 60.0))
            }
            Metric::Lag { lag_ms, stale_rate } => format!(
                "lag {} · {} stale",
                duration_ms(lag_ms),
                percent(stale_rate)
            ),
            Metric::HalfDone { count, transfers } => format!(
                "{} of {} transfers half done",
                grouped(count as f64),
                grouped(transfers as f64)
            ),
        }
    }
}

impl Diagnosis {
    /// One sentence on what is wrong, with its measured numbers.
    pub fn sentence(&self, names: &PartNames) -> String {
        let first = |tier: Tier| self.scene.iter().find(|s| s.part.tier == tier);
        let metric_of = |part: PartId| self.scene.iter().find(|s| s.part == part).map(|s| s.metric);
        let name = |p: PartId| names.name(p);
        match self.failure {
            OomCascade => {
                let machine = self
                    .scene
                    .iter()
                    .find_map(|s| match s.metric {
                        Metric::Memory {
                            capacity_mb, down, ..
                        } => Some((capacity_mb, down)),
                        _ => None,
                    })
                    .unwrap_or((0.0, false));
                let report = self.scene.iter().find_map(|s| match s.metric {
                    Metric::Report { memory_mb } => Some(memory_mb),
                    _ => None,
                });
                let state = if machine.1 {
                    "everything on it was killed and is restarting"
                } else {
                    "it was killed and has restarted"
                };
                match report {
                    Some(mb) => format!(
                        "The machine ran out of its {} MB when the cron report took {} MB, so {state}.",
                        grouped(machine.0),
                        grouped(mb)
                    ),
                    None => format!(
                        "The machine ran out of its {} MB, so {state}.",
                        grouped(machine.0)
                    ),
                }
            }
            BlindSlowdown | UnindexedQuery => {
                let p95 = first(Tier::Users).map(|s| s.metric);
                let scan = self.scene.iter().find_map(|s| match s.metric {
                    Metric::Scan { share } => Some(share),
                    _ => None,
                });
                let p95 = match p95 {
                    Some(Metric::Latency { p95_ms }) => duration_ms(p95_ms),
                    _ => "over its target".into(),
                };
                let scan = percent(scan.unwrap_or(0.0));
                if self.failure == BlindSlowdown {
                    format!(
                        "Pages take {p95} at p95 because a query without an index scans the whole table ({scan} of the database's CPU), and with no metrics nobody can see it."
                    )
                } else {
                    format!(
                        "Pages take {p95} at p95: the metrics show a query without its index taking {scan} of the database's CPU."
                    )
                }
            }
            PrimarySaturated => {
                let part = self.bottleneck.map(|b| b.part);
                let disk = part.and_then(metric_of);
                match (part, disk) {
                    (
                        Some(p),
                        Some(Metric::Disk {
                            utilization,
                            lock_waits,
                        }),
                    ) => format!(
                        "{}'s disk is {} busy with analytics scans beside the writes, and {} writes wait for their row locks.",
                        name(p),
                        percent(utilization),
                        grouped(lock_waits)
                    ),
                    _ => "The primary's disk is saturated and writes wait for their locks.".into(),
                }
            }
            DbConnectionsExhausted => {
                let pool_of = self.scene.iter().find_map(|s| match s.metric {
                    Metric::Pool {
                        busy,
                        servers,
                        waiting,
                        ..
                    } => Some((s.part, busy, servers, waiting)),
                    _ => None,
                });
                let cpu = self.scene.iter().find_map(|s| match s.metric {
                    Metric::Cpu { utilization } => Some(utilization),
                    _ => None,
                });
                let Some((part, busy, servers, waiting)) = pool_of else {
                    return "The database has no free connection.".into();
                };
                let pool = format!(
                    "{} of {}'s {} connections are busy and {} queries wait for one",
                    grouped(busy),
                    name(part),
                    grouped(f64::from(servers)),
                    grouped(waiting)
                );
                match cpu {
                    Some(u) => format!(
                        "{pool}: its CPU is at {}, so each query holds its connection longer.",
                        percent(u)
                    ),
                    None => format!("{pool}."),
                }
            }
            DatabaseCpu => {
                let cpu = self.scene.iter().find_map(|s| match s.metric {
                    Metric::Cpu { utilization } => Some((s.part, utilization)),
                    _ => None,
                });
                match cpu {
                    Some((part, u)) => format!(
                        "{}'s CPU is at {} with queries queueing for it: every page waits on the same hot reads.",
                        name(part),
                        percent(u)
                    ),
                    None => "The database's CPU is flat out.".into(),
                }
            }
            UpstreamBlocking => {
                let (parked, threads) = self.scene.iter().fold((0.0, 0), |acc, s| match s.metric {
                    Metric::Parked {
                        parked, threads, ..
                    } => (acc.0 + parked, acc.1 + threads),
                    _ => acc,
                });
                let api = self.scene.iter().find_map(|s| match s.metric {
                    Metric::Upstream { p95_ms } => Some(p95_ms),
                    _ => None,
                });
                format!(
                    "{} of the app's {} threads wait inside third-party calls that take {} at p95, so other pages queue behind them.",
                    grouped(parked),
                    grouped(f64::from(threads)),
                    duration_ms(api.unwrap_or(0.0))
                )
            }
            AppSaturated => {
                let servers = self.scene.len();
                let one = servers == 1;
                let who = if one {
                    "The app server".to_owned()
                } else {
                    format!("All {servers} app servers")
                };
                let (cpu, busy, threads, waiting) =
                    self.scene
                        .iter()
                        .fold((0.0f64, 0.0, 0, 0.0), |acc, s| match s.metric {
                            Metric::Cpu { utilization } => {
                                (acc.0.max(utilization), acc.1, acc.2, acc.3)
                            }
                            Metric::Pool {
                                busy,
                                servers,
                                waiting,
                                ..
                            } => (acc.0, acc.1 + busy, acc.2 + servers, acc.3 + waiting),
                            _ => acc,
                        });
                if threads > 0 {
                    format!(
                        "{who} {} out of threads: {} of {} busy and {} requests waiting.",
                        if one { "is" } else { "are" },
                        grouped(busy),
                        grouped(f64::from(threads)),
                        grouped(waiting)
                    )
                } else {
                    format!(
                        "{who} {} at {} CPU, and requests queue for it.",
                        if one { "runs" } else { "run" },
                        percent(cpu)
                    )
                }
            }
            StaleReads => {
                let lag = self.scene.iter().find_map(|s| match s.metric {
                    Metric::Lag { lag_ms, stale_rate } => Some((lag_ms, stale_rate)),
                    _ => None,
                });
                let (lag, rate) = lag.unwrap_or((0.0, 0.0));
                format!(
                    "The replicas run {} behind the primaries, so {} of pages read from them show data older than a write just made.",
                    duration_ms(lag),
                    percent(rate)
                )
            }
            CrossShardPartialCommit => {
                let half = self.scene.iter().find_map(|s| match s.metric {
                    Metric::HalfDone { count, transfers } => Some((count, transfers)),
                    _ => None,
                });
                let (count, transfers) = half.unwrap_or((0, 0));
                format!(
                    "{} of {} transfers between shards committed on one shard only: the debit stuck, the credit did not.",
                    grouped(count as f64),
                    grouped(transfers as f64)
                )
            }
            Unexplained => {
                "Latency or errors miss their targets, but no single part is saturated: the system is near its limit, or recovering from a fault.".into()
            }
        }
    }
}
