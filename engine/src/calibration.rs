//! Every number that sets where a stage breaks or how a failure is named, in one place, each
//! with its reason.
//!
//! Two kinds live here. The **levers** are assumptions about the workload that the source
//! texts do not fix; they were chosen so that each stage breaks inside the user band the
//! source texts give for it (see the README's "Headroom, measured"). The **thresholds** are
//! what the diagnosis and the targets read. Scenario fields take their defaults from the
//! levers, so a course author can still change any of them in a scenario file.

// ---------------------------------------------------------------------------------------
// Levers: the workload's assumptions.
// ---------------------------------------------------------------------------------------

/// Memory the cron report takes per 1,000 users while it runs without an index, MB. It
/// hashes every user's rows in memory; 2.5 MB per 1,000 users makes the one 4 GB VM run out
/// at about 1,000 users, the top of the source texts' first band (0 to 1K users).
pub const CRON_MEM_PER_1K_USERS_MB: f64 = 2_500.0;

/// Memory the cron report takes with the index, MB: it streams rows instead of hashing them.
pub const CRON_INDEXED_MB: f64 = 256.0;

/// Simulated seconds before the cron report first runs (then every `cron_interval_s`): soon,
/// so that a learner sees what it does within seconds of opening a stage.
pub const CRON_FIRST_S: f64 = 5.0;

/// Disk time of the cron report per 1,000 users without the index, ms: a full scan.
pub const CRON_IO_MS_PER_1K_USERS: f64 = 2_000.0;

/// Disk time of the cron report with the index, seconds.
pub const CRON_INDEXED_IO_S: f64 = 0.05;

/// Extra CPU per page's query batch per 1,000 users while the hot query has no index, ms: a
/// sequential scan grows with the table. 100 ms per 1,000 users puts stage 2's p95 over its
/// 500 ms target at about 1,500 users (the source texts' second band, 100 to 1K users, and
/// just past it).
pub const SCAN_CPU_MS_PER_1K_USERS: f64 = 100.0;

/// The third-party API's 95th-percentile latency, ms: the source texts' slow upstream "at p95
/// 8.2 s". With a 400 ms median this is a long log-normal tail.
pub const API_P95_MS: f64 = 8_200.0;

/// The third-party API's median latency, ms.
pub const API_MEDIAN_MS: f64 = 400.0;

/// Disk time of one analytics query (a dashboard, a BI export, an analyst's SQL), ms: a large
/// scan. One second each, at 0.2 per second per 100,000 users, fills a primary's disk at about
/// 1.5 million users, where the source texts move reads to replicas.
pub const ANALYTICS_IO_MS: f64 = 1_000.0;

/// Analytics queries per second per 100,000 users.
pub const ANALYTICS_PER_S_PER_100K_USERS: f64 = 0.2;

/// Memory the OS, the web server, the app's runtime and cron take on a machine at rest, MB
/// (an assumption: about 200 MB for the OS and 400 MB for Nginx, the runtime and cron).
pub const OS_BASE_MEM_MB: f64 = 600.0;

/// Memory a database host's OS takes besides Postgres, MB (an assumption).
pub const DB_HOST_OS_MB: f64 = 300.0;

/// Share of a machine's memory Postgres takes for its shared buffers: the usual starting
/// point of a quarter of RAM (Postgres documentation, "Resource Consumption").
pub const DB_BUFFERS_SHARE: f64 = 0.25;

/// Replay time per write on a read replica, ms (an assumption). A replica applies its
/// primary's writes in one stream: at 2 ms each it keeps up with 500 writes a second, so its
/// lag stays near its base (10 ms) at the default write share until a few million users, grows
/// as a shard's writes approach that rate (the source texts' 10–100 ms), and past it the
/// replica falls further behind every second.
pub const REPLICA_APPLY_MS: f64 = 2.0;

/// Probability that the second shard of a cross-shard transfer aborts its half after the first
/// committed (a deadlock or a failed constraint): an assumption, one in 20,000. Alone it stays
/// well under [`PARTIAL_COMMIT_BUDGET`]; under load the two-phase timeout adds more.
pub const SECOND_COMMIT_ABORT: f64 = 0.000_05;

/// Share of static requests the browser answers from its own cache (a returning visitor's
/// scripts and images): an assumption. The source texts put a browser cache's hit rate at
/// 30–50%; 40% is taken.
pub const BROWSER_CACHE_SHARE: f64 = 0.4;

// ---------------------------------------------------------------------------------------
// Targets: what "healthy" means. The same numbers decide "over target", the verdict, the
// charts' failure points and the diagnosis.
// ---------------------------------------------------------------------------------------

/// The latency target for p95, ms: the source texts' alert threshold for page latency.
pub const P95_TARGET_MS: f64 = 500.0;

/// The error rate above which the site counts as failing: the source texts' 1% alert.
pub const ERROR_BUDGET: f64 = 0.01;

/// The stale-read rate above which replicas count as failing: one read in 100 returns a value
/// older than its latest write.
pub const STALE_BUDGET: f64 = 0.01;

/// The share of cross-shard transfers left half done above which sharding counts as failing:
/// one in 1,000.
pub const PARTIAL_COMMIT_BUDGET: f64 = 0.001;

/// Finished requests a p95 needs before it counts: with fewer, one slow call is the 95th
/// percentile, which says nothing about the system.
pub const MIN_SAMPLES: u64 = 100;

/// Failed requests an error rate needs before it counts: two unlucky calls out of 150 are
/// over 1% but are not a failing site.
pub const MIN_ERRORS: f64 = 10.0;

/// Seconds an OOM kill is remembered: a machine killed for memory within the last minute
/// restarts into the same load and is killed again (a crash loop), so it is named even while it
/// is briefly back up.
pub const OOM_MEMORY_S: f64 = 60.0;

/// Cross-shard transfers a half-done share needs before it counts.
pub const MIN_TRANSFERS: u64 = 200;

// ---------------------------------------------------------------------------------------
// Thresholds of the diagnosis.
// ---------------------------------------------------------------------------------------

/// Utilization at which a pool counts as saturated, together with requests waiting for it:
/// the source texts' alerts fire at 80% CPU, but a pool at 80% still serves its load; at 90%
/// with a queue in front of it, it is the part the rest of the system waits for.
pub const SATURATED: f64 = 0.9;

/// Once a diagnosis is shown, its resource counts as saturated down to this utilization
/// (hysteresis): a rule that just fired does not clear on the next noisy reading. When the
/// targets are missed and no rule holds at [`SATURATED`], the rules are read again at this
/// threshold before the miss is called unexplained: a pool at 85% with a queue, while the
/// site misses its targets, is the part the rest waits for.
pub const STILL_SATURATED: f64 = 0.8;

/// Share of a window's requests that a kind of slow request must make up to be what its p95
/// lands on: half of the slowest 5%. With no part of the system busy, nothing else is slow,
/// so calls this many and slower than the target at their own p95 set the site's p95.
pub const TAIL_SHARE: f64 = 0.025;

/// Requests waiting on average before a saturated pool counts as a bottleneck (a pool at 95%
/// with nobody waiting is busy, not failing).
pub const QUEUED: f64 = 1.0;

/// Share of the database's CPU time the unindexed scan must take for the slow query to be
/// named as the cause of slowness.
pub const SCAN_SHARE: f64 = 0.5;

/// Share of the app's busy threads waiting inside third-party calls for those calls to be
/// named as the cause of the threads running out.
pub const PARKED_SHARE: f64 = 0.5;

/// Disk utilization from which a primary counts as disk-bound, together with row-lock waits.
pub const DISK_BOUND: f64 = 0.6;

/// Simulated seconds a rule must hold before "unexplained" is shown, or before its failure
/// takes the place of another one shown (one reading at a rule's edge is not a new cause). A
/// named failure shows at once when nothing is named: the targets are missed, so say why.
pub const CONFIRM_S: f64 = 1.0;

/// Simulated seconds a shown failure stays after its rule stopped holding, so that one
/// reading below the threshold does not make it flicker.
pub const HOLD_S: f64 = 3.0;

/// Simulated seconds a new system runs before its windows are long enough to judge.
pub const SETTLE_S: f64 = 2.0;
