//! The analytic companion: a stage's system in closed form, for curves the simulation would
//! take minutes to trace.
//!
//! From the same [`Scenario`] the simulation runs, it follows each request class along the
//! route [`crate::sim`] builds for the stage: the arrival rate each resource sees from the
//! request mix (what the CDN and the cache absorb, how many queries a page makes, replicas and
//! shards), the service time (the unindexed scan that grows with the users before stage 3,
//! the app's CPU per request, the third-party call while it holds a thread), the utilization
//! and the Erlang C wait ([`crate::erlang::mmc`]), corrected for service times that are not
//! exponential (Allen–Cunneen: `Wq ≈ Wq(M/M/c) · (1 + cs²) / 2`). Resources that hold others
//! (app threads, database connections, row locks) hold them for the sum of what happens
//! inside, so they are solved from the inside out.
//!
//! Each class's response time is a constant (the network) plus a sum of independent waits
//! and services, fitted by its mean and variance to a gamma distribution (its CDF through the
//! Wilson–Hilferty cube-root normal approximation), plus the third-party call's log-normal
//! where the request waits for it. The end-to-end p50 and p95 are quantiles of the mixture of
//! classes, found by bisection on the CDF.
//!
//! Besides latency it checks the one failure the simulation shows that is not a queue: memory.
//! A machine's memory at rest, plus the cron report's (it runs every minute and, without an
//! index, hashes every user's rows), plus the requests and connections in progress at a busy
//! moment (mean + 3 standard deviations of a Poisson count), against what the machine has.
//!
//! What it leaves out, so a curve can differ from a run:
//! - Transients: OOM kills and restarts, health checks, deploys, faults. A host over its memory
//!   is reported as failing, not as the outage that follows.
//! - Limits that turn waits into errors: the app queue's 503s, the 10 s request timeout and
//!   the database pool timeout. Past capacity it reports no latency (`None`) instead.
//! - Replica staleness and cross-shard partial commits (stage 7 fails on stale reads in the
//!   simulation long before any resource saturates).
//! - Correlations: a request's waits are taken as independent, the cache's hits as independent
//!   draws, and the load balancer as one pooled queue of threads.
//! - The job queue: workers are reported, but their backlog never reaches a user.

use serde::Serialize;

use crate::calibration::{
    CRON_INDEXED_IO_S, CRON_INDEXED_MB, DB_HOST_OS_MB, ERROR_BUDGET, P95_TARGET_MS,
};
use crate::erlang;
use crate::models::ShardRouter;
use crate::parts::{Role, Tier};
use crate::scenario::Scenario;
use crate::topology::Topology;
use crate::traffic::TrafficProfile;

/// Network time inside a data centre, one way, seconds (as in [`crate::sim`]).
const HOP_S: f64 = crate::sim::HOP_S as f64;
/// Network time between a user and the origin, one way, seconds (as in [`crate::sim`]).
const INTERNET_S: f64 = crate::sim::INTERNET_S as f64;
/// The 95th percentile of the standard normal distribution.
const Z95: f64 = 1.644_853_626_951_472_2;
/// Midpoints of eight equal-probability slices of the standard normal, for the convolution
/// of a class's queueing time with the third-party call: Φ⁻¹((i + 0.5) / 8).
const Z8: [f64; 8] = [
    -1.534_120_544_352_546,
    -0.887_146_559_018_876_2,
    -0.488_776_411_114_669_2,
    -0.157_310_684_610_171_5,
    0.157_310_684_610_171_5,
    0.488_776_411_114_669_2,
    0.887_146_559_018_876_2,
    1.534_120_544_352_546,
];
/// Keys whose shard is looked up one by one for the hottest shard's share; the rest of the
/// keys are taken as spread evenly.
const HOT_KEYS_ROUTED: u32 = 256;

/// What a load is of: a kind of resource (for a tier of identical machines, its busiest
/// member), or a kind of machine's memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// A resource of this tier and role.
    Resource(Tier, Role),
    /// The memory of the machines of this tier (on one VM: the app's tier).
    Memory(Tier),
    /// Nothing yet (no load).
    Nothing,
}

impl Measure {
    /// A few words for people: "database CPU", "app threads", "memory".
    pub fn words(self) -> &'static str {
        match self {
            Measure::Memory(Tier::App) => "memory",
            Measure::Memory(_) => "database memory",
            Measure::Resource(tier, role) => match (tier, role) {
                (Tier::App, Role::Cores) => "app CPU",
                (Tier::App, Role::Threads) => "app threads",
                (Tier::Database, Role::Cores) => "database CPU",
                (Tier::Database, Role::Disk) => "database disk",
                (Tier::Database, Role::RowLocks) => "row locks",
                (Tier::Database, Role::Connections) => "database connections",
                (Tier::Replica, Role::Cores) => "replica CPU",
                (Tier::Replica, Role::Disk) => "replica disk",
                (Tier::Replica, Role::Connections) => "replica connections",
                (Tier::Cache, _) => "the cache",
                (Tier::Queue, _) => "queue workers",
                _ => "a resource",
            },
            Measure::Nothing => "nothing",
        }
    }
}

/// One resource's load in a prediction.
#[derive(Debug, Clone, PartialEq)]
pub struct Load {
    /// What it is the load of.
    pub id: Measure,
    /// Visits per second (for memory: 0).
    pub arrivals_per_s: f64,
    /// Servers (threads, cores, connections; for memory: MB).
    pub servers: f64,
    /// Offered utilization: work arriving over capacity; 1 or more means over capacity.
    pub utilization: f64,
    /// Mean wait for a server, ms (`None` past capacity or for memory).
    pub mean_wait_ms: Option<f64>,
    /// On the path of user requests: its saturation fails the site.
    pub on_path: bool,
    /// Held while other resources serve (threads, connections, row locks), so its load
    /// includes their waits.
    pub holds: bool,
}

impl Load {
    fn is_memory(&self) -> bool {
        matches!(self.id, Measure::Memory(_))
    }
}

/// What the companion predicts for a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// Daily active users.
    pub users: f64,
    /// Offered load at the peak hour, requests per second.
    pub offered_rps: f64,
    /// Median response time of user requests, ms; `None` past capacity.
    pub p50_ms: Option<f64>,
    /// 95th percentile response time, ms; `None` past capacity.
    pub p95_ms: Option<f64>,
    /// Mean response time, ms; `None` past capacity.
    pub mean_ms: Option<f64>,
    /// Share of requests that fail: past the request timeout, or a failed third-party call
    /// the user waits for (1 past capacity).
    pub error_rate: f64,
    /// The resource on the request path with the highest utilization (memory included).
    pub bottleneck: Measure,
    /// Its utilization.
    pub utilization: f64,
    /// Some resource on the request path is at or over capacity (memory included).
    pub over_capacity: bool,
    /// The site fails: over capacity, p95 above [`P95_TARGET_MS`], or errors above
    /// [`ERROR_BUDGET`].
    pub failing: bool,
    /// Every resource's load.
    pub loads: Vec<Load>,
}

/// The first number of users in `lo..=hi` at which `make(users)` is predicted to fail, found
/// by bisection on log users (to within 0.1%); `None` if it holds up to `hi`, `lo` if it
/// already fails there. Assumes failure is monotone in users, which it is for every stage's
/// defaults (a test checks).
pub fn failure_users(make: impl Fn(f64) -> Scenario, lo: f64, hi: f64) -> Option<f64> {
    bisect_failure(|u| predict(&make(u)).failing, lo, hi)
}

fn bisect_failure(fails: impl Fn(f64) -> bool, lo: f64, hi: f64) -> Option<f64> {
    let (lo, hi) = (lo.max(1e-3), hi.max(lo.max(1e-3)));
    if fails(lo) {
        return Some(lo);
    }
    if !fails(hi) {
        return None;
    }
    let (mut a, mut b) = (lo.ln(), hi.ln());
    while b - a > 1e-3 {
        let m = 0.5 * (a + b);
        if fails(m.exp()) {
            b = m;
        } else {
            a = m;
        }
    }
    Some(b.exp())
}

/// The companion's prediction for `sc` at its own number of users.
pub fn predict(sc: &Scenario) -> Prediction {
    Model::new(sc).predict(sc.users)
}

/// Predictions for `sc` at each of `users` (everything else as in `sc`): a curve. Cheaper
/// than calling [`predict`] for each, since what does not depend on the users is worked out
/// once.
pub fn curve(sc: &Scenario, users: &[f64]) -> Vec<Prediction> {
    let model = Model::new(sc);
    users.iter().map(|&u| model.predict(u)).collect()
}

/// [`failure_users`] for `sc` with only its users changing.
pub fn failure_users_of(sc: &Scenario, lo: f64, hi: f64) -> Option<f64> {
    let model = Model::new(sc);
    bisect_failure(|u| model.predict(u).failing, lo, hi)
}

/// A random time as its first two moments, for sums of independent parts.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Moments {
    mean: f64,
    var: f64,
}

impl Moments {
    /// Adds an independent part with mean `m` and second moment `m2`, present with
    /// probability `p`.
    fn add(&mut self, p: f64, m: f64, m2: f64) {
        self.mean += p * m;
        self.var += (p * m2 - p * p * m * m).max(0.0);
    }

    /// Adds an exponential time with mean `m`, present with probability `p`.
    fn add_exp(&mut self, p: f64, m: f64) {
        self.add(p, m, 2.0 * m * m);
    }

    /// Adds an independent sum.
    fn add_all(&mut self, p: f64, other: Moments) {
        let m2 = other.var + other.mean * other.mean;
        self.add(p, other.mean, m2);
    }

    fn second(&self) -> f64 {
        self.var + self.mean * self.mean
    }
}

/// A pool's solution: its wait's moments, or `None` past capacity.
#[derive(Debug, Clone, Copy)]
struct Pool {
    wait: Option<Moments>,
}

impl Pool {
    /// Waits as a time to add to a path (nothing past capacity: the caller already fails).
    fn wait(&self) -> Moments {
        self.wait.unwrap_or_default()
    }
}

/// Demand on one pool: its visits per second and their service moments.
#[derive(Debug, Clone, Copy, Default)]
struct Demand {
    rate: f64,
    /// Σ rate · E[S] and Σ rate · E[S²].
    work: f64,
    work2: f64,
}

impl Demand {
    fn add(&mut self, rate: f64, s: Moments) {
        if rate > 0.0 {
            self.rate += rate;
            self.work += rate * s.mean;
            self.work2 += rate * s.second();
        }
    }

    fn add_exp(&mut self, rate: f64, mean: f64) {
        let mut s = Moments::default();
        s.add_exp(1.0, mean);
        self.add(rate, s);
    }
}

/// A class of requests as the mixture's component: a share, a constant time, a variable
/// part, and whether the user waits for the third-party call.
#[derive(Debug, Clone, Copy)]
struct Branch {
    weight: f64,
    constant: f64,
    var: Moments,
    third_party: bool,
}

/// Everything the prediction needs that does not change with the users, and the scenario.
struct Model<'a> {
    sc: &'a Scenario,
    topology: Topology,
    apps: f64,
    /// Read replicas of each primary.
    replicas: u32,
    shards: u32,
    /// The busiest shard's share of keys (1 with one database).
    shard_share: f64,
    /// The third-party latency, ln-space.
    tp_mu: f64,
    tp_sigma: f64,
}

/// Standard normal CDF.
fn phi(z: f64) -> f64 {
    0.5 * libm::erfc(-z / std::f64::consts::SQRT_2)
}

/// `E[min(Y, cap)^k]` for a log-normal `Y` (partial moments: `E[Y^k; Y < c] =
/// exp(kμ + k²σ²/2) Φ((ln c − μ − kσ²)/σ)`).
fn capped_lognormal_moment(mu: f64, sigma: f64, cap: f64, k: f64) -> f64 {
    if sigma <= 0.0 {
        return libm::exp(mu).min(cap).powf(k);
    }
    let lc = cap.ln();
    let below = libm::exp(k * mu + k * k * sigma * sigma / 2.0)
        * phi((lc - mu - k * sigma * sigma) / sigma);
    let above = cap.powf(k) * (1.0 - phi((lc - mu) / sigma));
    below + above
}

impl<'a> Model<'a> {
    fn new(sc: &'a Scenario) -> Self {
        let topology = Topology::of(sc);
        let replicas = u32::from(topology.replicas_per_shard);
        let shards = u32::from(topology.shards);
        let shard_share = if shards > 1 {
            hottest_shard_share(sc, shards)
        } else {
            1.0
        };
        let median = (sc.third_party_median_ms / 1e3).max(1e-9);
        let p95 = (sc.third_party_p95_ms / 1e3).max(median);
        Self {
            sc,
            topology,
            apps: f64::from(topology.app_servers),
            replicas,
            shards,
            shard_share,
            tp_mu: median.ln(),
            tp_sigma: (p95 / median).ln() / Z95,
        }
    }

    fn predict(&self, users: f64) -> Prediction {
        let sc = self.sc;
        let users = if users.is_finite() {
            users.max(0.0)
        } else {
            0.0
        };
        let rps = TrafficProfile {
            requests_per_user_per_day: sc.requests_per_user_per_day,
            peak_hour_factor: sc.peak_hour_factor,
        }
        .peak_rps(users)
            * (1.0 - sc.static_share * sc.browser_cache_share);
        let t = &self.topology;
        let shared_vm = t.shared_vm;
        let has_lb = t.load_balancer;
        let has_cache = t.cache;
        let has_cdn = t.cdn;
        let has_queue = t.queue;
        let indexed = t.indexed;
        let timeout = sc.request_timeout_s.max(1e-3);

        let static_rate = rps * sc.network_static_share();
        let dynamic = rps - static_rate;
        let (w, t, d) = (sc.write_share, sc.third_party_share, sc.deferred_share);
        let r = (1.0 - w - t - d).max(0.0);
        let readers = dynamic * (r + t + d);
        let writes = dynamic * w;
        let mut loads = Vec::with_capacity(12);

        // The cache: a read's query hits unless its key is cold or a write invalidated it
        // since its last read (writes per key read, for every key alike under one Zipf law).
        let q = f64::from(sc.queries_per_request.max(1));
        let hit = if has_cache {
            let reads_per_dynamic = (r + t + d) * q + w;
            sc.cache_hit * (1.0 - w / reads_per_dynamic.max(1e-12))
        } else {
            0.0
        };
        let p_db = 1.0 - hit.powf(q);
        let misses_given_db = if p_db > 0.0 {
            q * (1.0 - hit) / p_db
        } else {
            q
        };
        let scan_s = if indexed {
            0.0
        } else {
            sc.db_scan_cpu_ms_per_1k_users * users / 1e6
        };
        // A read's CPU: the scan (without the index) and its queries, two services in turn.
        let read_cpu = {
            let mut m = Moments::default();
            m.add_exp(1.0, sc.db_query_cpu_ms / 1e3 * misses_given_db);
            if scan_s > 0.0 {
                m.add_exp(1.0, scan_s);
            }
            m
        };
        let query_cpu_s = sc.db_query_cpu_ms / 1e3;
        let read_io_s = sc.db_read_io_ms / 1e3;
        let write_io_s = sc.db_write_io_ms / 1e3;
        let analytics = sc.analytics_per_s_per_100k_users * users / 1e5;
        let cron_rate = 1.0 / sc.cron_interval_s.max(1.0);
        let cron_io_s = if indexed {
            CRON_INDEXED_IO_S
        } else {
            sc.cron_io_ms_per_1k_users * users / 1e6
        };
        let cross = if self.shards > 1 {
            sc.cross_shard_share
        } else {
            0.0
        };

        // Where reads, writes and analytics go: the busiest shard (by its share of keys, which
        // also carries the cron report), and with replicas one of that shard's replicas.
        let db_reads_rate = readers * p_db * self.shard_share;
        let writes_per_primary = writes * (1.0 + cross) * self.shard_share;
        let shard_analytics = analytics / f64::from(self.shards);
        let (primary_reads, replica_reads, primary_analytics, replica_analytics) =
            if self.replicas > 0 {
                let k = f64::from(self.replicas);
                (0.0, db_reads_rate / k, 0.0, shard_analytics / k)
            } else {
                (db_reads_rate, 0.0, shard_analytics, 0.0)
            };

        // App CPU: two halves per dynamic request and the static files the origin serves; on
        // one VM the database's queries share its cores.
        let app_cpu_s = f64::from(sc.app_machine.vcpus) / sc.app_machine.app_rps.max(1e-9);
        let static_origin = if has_cdn {
            static_rate * (1.0 - sc.cdn_hit)
        } else {
            static_rate
        };
        let mut app_cpu = Demand::default();
        app_cpu.add_exp(2.0 * dynamic / self.apps, app_cpu_s / 2.0);
        app_cpu.add_exp(static_origin / self.apps, sc.static_cpu_ms / 1e3);

        // The primary's CPU, disk and locks.
        let mut p_cpu = Demand::default();
        p_cpu.add(primary_reads, read_cpu);
        p_cpu.add_exp(writes_per_primary, query_cpu_s);
        p_cpu.add_exp(primary_analytics, sc.analytics_cpu_ms / 1e3);
        let mut p_io = Demand::default();
        p_io.add_exp(primary_reads * sc.db_read_miss, read_io_s);
        p_io.add_exp(writes_per_primary, write_io_s);
        p_io.add_exp(primary_analytics, sc.analytics_io_ms / 1e3);
        p_io.add_exp(cron_rate, cron_io_s);

        let db = |role| Measure::Resource(Tier::Database, role);
        let (vm_cpu, p_cpu_pool) = if shared_vm {
            let mut all = app_cpu;
            all.add(p_cpu.rate, moments_of(&p_cpu));
            let pool = self.pool(
                &mut loads,
                Measure::Resource(Tier::App, Role::Cores),
                all,
                f64::from(sc.app_machine.vcpus),
                true,
            );
            (pool, pool)
        } else {
            let app = self.pool(
                &mut loads,
                Measure::Resource(Tier::App, Role::Cores),
                app_cpu,
                f64::from(sc.app_machine.vcpus),
                true,
            );
            let db = self.pool(
                &mut loads,
                db(Role::Cores),
                p_cpu,
                f64::from(sc.db_machine.vcpus),
                true,
            );
            (app, db)
        };
        let p_io_pool = self.pool(
            &mut loads,
            db(Role::Disk),
            p_io,
            f64::from(sc.db_io_channels),
            true,
        );

        // Sojourns at the primary: a read's CPU (and disk on a buffer-cache miss), a write's
        // CPU and WAL flush under its row lock.
        let mut write_locked = Moments::default();
        write_locked.add_all(1.0, p_cpu_pool.wait());
        write_locked.add_exp(1.0, query_cpu_s);
        write_locked.add_all(1.0, p_io_pool.wait());
        write_locked.add_exp(1.0, write_io_s);
        let mut locks = Demand::default();
        locks.add(writes_per_primary, write_locked);
        let locks_pool = self.pool(
            &mut loads,
            db(Role::RowLocks),
            locks,
            f64::from(sc.db_lock_slots),
            true,
        );
        let mut write_in_db = locks_pool.wait();
        write_in_db.add_all(1.0, write_locked);

        let mut read_at_primary = p_cpu_pool.wait();
        read_at_primary.add_all(1.0, read_cpu);
        read_at_primary.add_all(sc.db_read_miss, p_io_pool.wait());
        read_at_primary.add_exp(sc.db_read_miss, read_io_s);

        let mut analytics_at_primary = p_cpu_pool.wait();
        analytics_at_primary.add_exp(1.0, sc.analytics_cpu_ms / 1e3);
        analytics_at_primary.add_all(1.0, p_io_pool.wait());
        analytics_at_primary.add_exp(1.0, sc.analytics_io_ms / 1e3);
        let mut cron_at_primary = p_io_pool.wait();
        cron_at_primary.add_exp(1.0, cron_io_s);

        let mut p_conns = Demand::default();
        p_conns.add(primary_reads, read_at_primary);
        p_conns.add(writes_per_primary, write_in_db);
        p_conns.add(primary_analytics, analytics_at_primary);
        p_conns.add(cron_rate, cron_at_primary);
        let p_conns_pool = self.pool(
            &mut loads,
            db(Role::Connections),
            p_conns,
            f64::from(sc.db_max_connections),
            true,
        );

        // A replica: reads and analytics, no locks.
        let read_in_db = if self.replicas > 0 {
            let mut cpu = Demand::default();
            cpu.add(replica_reads, read_cpu);
            cpu.add_exp(replica_analytics, sc.analytics_cpu_ms / 1e3);
            let mut io = Demand::default();
            io.add_exp(replica_reads * sc.db_read_miss, read_io_s);
            io.add_exp(replica_analytics, sc.analytics_io_ms / 1e3);
            let cpu = self.pool(
                &mut loads,
                Measure::Resource(Tier::Replica, Role::Cores),
                cpu,
                f64::from(sc.db_machine.vcpus),
                true,
            );
            let io = self.pool(
                &mut loads,
                Measure::Resource(Tier::Replica, Role::Disk),
                io,
                f64::from(sc.db_io_channels),
                true,
            );
            let mut read = cpu.wait();
            read.add_all(1.0, read_cpu);
            read.add_all(sc.db_read_miss, io.wait());
            read.add_exp(sc.db_read_miss, read_io_s);
            let mut analytic = cpu.wait();
            analytic.add_exp(1.0, sc.analytics_cpu_ms / 1e3);
            analytic.add_all(1.0, io.wait());
            analytic.add_exp(1.0, sc.analytics_io_ms / 1e3);
            let mut conns = Demand::default();
            conns.add(replica_reads, read);
            conns.add(replica_analytics, analytic);
            let conns = self.pool(
                &mut loads,
                Measure::Resource(Tier::Replica, Role::Connections),
                conns,
                f64::from(sc.db_max_connections),
                true,
            );
            let mut total = conns.wait();
            total.add_all(1.0, read);
            total
        } else {
            let mut total = p_conns_pool.wait();
            total.add_all(1.0, read_at_primary);
            total
        };
        let mut write_total = p_conns_pool.wait();
        write_total.add_all(1.0, write_in_db);
        let mut write_path = Moments::default();
        write_path.add(1.0, HOP_S, HOP_S * HOP_S);
        write_path.add_all(1.0, write_total);
        if cross > 0.0 {
            let second = write_path;
            write_path.add_all(cross, second);
        }

        // The cache's operations.
        let cache_wait = if has_cache {
            let mut cache = Demand::default();
            cache.add_exp(readers, sc.cache_op_ms * q / 1e3);
            cache.add_exp(writes, sc.cache_op_ms / 1e3);
            Some(self.pool(
                &mut loads,
                Measure::Resource(Tier::Cache, Role::Operations),
                cache,
                f64::from(sc.cache_nodes.max(1)),
                true,
            ))
        } else {
            None
        };

        // What holds an app thread, by class: two CPU halves, the cache, the database, and on
        // stages without a queue the third-party call (cut at the request's deadline).
        let cpu_half = {
            let mut m = vm_cpu.wait();
            m.add_exp(1.0, app_cpu_s / 2.0);
            m
        };
        let mut common = Moments::default();
        common.add_all(1.0, cpu_half);
        common.add_all(1.0, cpu_half);
        let mut read_held = common;
        let mut write_held = common;
        if let Some(cache) = cache_wait {
            let mut c = cache.wait();
            c.add(1.0, HOP_S, HOP_S * HOP_S);
            read_held.add_all(1.0, c);
            read_held.add_exp(1.0, sc.cache_op_ms * q / 1e3);
            write_held.add_all(1.0, c);
            write_held.add_exp(1.0, sc.cache_op_ms / 1e3);
        }
        let mut db_read = Moments::default();
        db_read.add(1.0, HOP_S, HOP_S * HOP_S);
        db_read.add_all(1.0, read_in_db);
        read_held.add_all(p_db, db_read);
        write_held.add_all(1.0, write_path);
        let tp_cap = timeout;
        let tp_mean = capped_lognormal_moment(self.tp_mu, self.tp_sigma, tp_cap, 1.0);
        let tp_m2 = capped_lognormal_moment(self.tp_mu, self.tp_sigma, tp_cap, 2.0);
        let mut tp_held = read_held;
        if !has_queue {
            tp_held.add(1.0, tp_mean + HOP_S, tp_m2);
        }
        let mut threads = Demand::default();
        threads.add(dynamic * r, read_held);
        threads.add(dynamic * (t + d), tp_held);
        threads.add(writes, write_held);
        let thread_count = f64::from(sc.app_threads_per_vcpu * sc.app_machine.vcpus) * self.apps;
        let threads_pool = self.pool(
            &mut loads,
            Measure::Resource(Tier::App, Role::Threads),
            threads,
            thread_count,
            true,
        );
        let busy_threads = threads.work.min(thread_count) / self.apps;

        // Queue workers hold a worker for the third-party call; their backlog never reaches
        // a user.
        if has_queue {
            let mut jobs = Demand::default();
            let job_cap = sc.job_timeout_s.max(1e-3);
            let m1 = capped_lognormal_moment(self.tp_mu, self.tp_sigma, job_cap, 1.0);
            let m2 = capped_lognormal_moment(self.tp_mu, self.tp_sigma, job_cap, 2.0);
            jobs.add(
                dynamic * (t + d),
                Moments {
                    mean: m1,
                    var: (m2 - m1 * m1).max(0.0),
                },
            );
            self.pool(
                &mut loads,
                Measure::Resource(Tier::Queue, Role::Workers),
                jobs,
                f64::from(sc.workers.max(1)),
                false,
            );
        }

        // Memory at a busy moment.
        let busy = |mean: f64| mean + 3.0 * mean.max(0.0).sqrt();
        let cron_mb = if indexed {
            CRON_INDEXED_MB
        } else {
            sc.cron_mem_per_1k_users_mb * users / 1e3
        };
        let conns_busy = p_conns.work.min(f64::from(sc.db_max_connections));
        if shared_vm {
            let used = sc.os_base_mem_mb
                + sc.db_buffers_share * sc.app_machine.memory_mb
                + cron_mb
                + busy(busy_threads) * sc.app_mem_per_request_mb
                + busy(conns_busy) * sc.db_mem_per_connection_mb;
            memory(
                &mut loads,
                Measure::Memory(Tier::App),
                used,
                sc.app_machine.memory_mb,
            );
        } else {
            let app = sc.os_base_mem_mb + busy(busy_threads) * sc.app_mem_per_request_mb;
            memory(
                &mut loads,
                Measure::Memory(Tier::App),
                app,
                sc.app_machine.memory_mb,
            );
            let db = DB_HOST_OS_MB
                + sc.db_buffers_share * sc.db_machine.memory_mb
                + cron_mb
                + busy(conns_busy) * sc.db_mem_per_connection_mb;
            memory(
                &mut loads,
                Measure::Memory(Tier::Database),
                db,
                sc.db_machine.memory_mb,
            );
        }

        // The bottleneck: the busiest resource that serves; a resource that holds others only
        // when it saturates while everything it waits for does not; memory only when full.
        let busiest = |holds: bool| {
            loads
                .iter()
                .filter(|l| l.on_path && (holds || !l.holds))
                .filter(|l| !l.is_memory() || l.utilization >= 1.0)
                .map(|l| (l.id, l.utilization))
                .fold(
                    (Measure::Nothing, 0.0),
                    |a, b| if b.1 > a.1 { b } else { a },
                )
        };
        let (bottleneck, utilization) = match busiest(false) {
            serving if serving.1 >= 1.0 => serving,
            _ => busiest(true),
        };
        let over_capacity = loads.iter().any(|l| l.on_path && l.utilization >= 1.0);

        // The mixture of classes, each from the user and back.
        let into_app = INTERNET_S + if has_lb { HOP_S } else { 0.0 };
        let mut thread_wait = threads_pool.wait();
        thread_wait.mean = thread_wait.mean.max(0.0);
        let dyn_constant = into_app + INTERNET_S;
        let mut branches: Vec<Branch> = Vec::with_capacity(6);
        let total = rps.max(1e-12);
        let static_cpu = {
            let mut m = vm_cpu.wait();
            m.add_exp(1.0, sc.static_cpu_ms / 1e3);
            m
        };
        if has_cdn {
            let edge = 2.0 * sc.cdn_edge_ms / 1e3;
            branches.push(Branch {
                weight: static_rate * sc.cdn_hit / total,
                constant: edge,
                var: Moments::default(),
                third_party: false,
            });
            branches.push(Branch {
                weight: static_rate * (1.0 - sc.cdn_hit) / total,
                constant: edge + into_app,
                var: static_cpu,
                third_party: false,
            });
        } else {
            branches.push(Branch {
                weight: static_rate / total,
                constant: into_app + INTERNET_S,
                var: static_cpu,
                third_party: false,
            });
        }
        let with_wait = |held: Moments| {
            let mut m = thread_wait;
            m.add_all(1.0, held);
            m
        };
        let read_var = with_wait(read_held);
        branches.push(Branch {
            weight: dynamic * if has_queue { r + t + d } else { r } / total,
            constant: dyn_constant,
            var: read_var,
            third_party: false,
        });
        if !has_queue {
            branches.push(Branch {
                weight: dynamic * (t + d) / total,
                constant: dyn_constant + HOP_S,
                var: read_var,
                third_party: true,
            });
        }
        branches.push(Branch {
            weight: writes / total,
            constant: dyn_constant,
            var: with_wait(write_held),
            third_party: false,
        });

        let mixture = Mixture {
            branches: &branches,
            tp_mu: self.tp_mu,
            tp_sigma: self.tp_sigma,
            cap: timeout,
        };
        let (p50, p95, mean, error_rate) = if over_capacity || rps <= 0.0 {
            if rps <= 0.0 {
                (None, None, None, 0.0)
            } else {
                (None, None, None, 1.0)
            }
        } else {
            let late = 1.0 - mixture.cdf(timeout * (1.0 - 1e-9));
            let upstream = if has_queue {
                0.0
            } else {
                dynamic * (t + d) / total * sc.third_party_error_rate
            };
            let mean: f64 = branches
                .iter()
                .map(|b| {
                    let tp = if b.third_party { tp_mean } else { 0.0 };
                    b.weight * (b.constant + b.var.mean + tp).min(timeout)
                })
                .sum();
            (
                Some(mixture.quantile(0.50) * 1e3),
                Some(mixture.quantile(0.95) * 1e3),
                Some(mean * 1e3),
                (late + upstream).clamp(0.0, 1.0),
            )
        };
        let failing = over_capacity
            || p95.is_none_or(|p| p > P95_TARGET_MS) && rps > 0.0
            || error_rate > ERROR_BUDGET;
        Prediction {
            users,
            offered_rps: rps,
            p50_ms: p50,
            p95_ms: p95,
            mean_ms: mean,
            error_rate,
            bottleneck,
            utilization,
            over_capacity,
            failing,
            loads,
        }
    }

    /// Solves a pool of `servers` with `demand` (M/G/c by Erlang C and Allen–Cunneen) and
    /// records its load.
    fn pool(
        &self,
        loads: &mut Vec<Load>,
        id: Measure,
        demand: Demand,
        servers: f64,
        on_path: bool,
    ) -> Pool {
        let servers = servers.max(1.0);
        let utilization = demand.work / servers;
        let wait = if demand.rate <= 0.0 || demand.work <= 0.0 {
            Some(Moments::default())
        } else if utilization >= 1.0 {
            None
        } else {
            let mean_s = demand.work / demand.rate;
            let m2 = demand.work2 / demand.rate;
            let cs2 = (m2 / (mean_s * mean_s) - 1.0).max(0.0);
            let c = servers.min(f64::from(u32::MAX)) as u32;
            let mmc = erlang::mmc(demand.rate, 1.0 / mean_s, c);
            match mmc.mean_wait_s {
                Some(wq) if mmc.stable => {
                    // Allen–Cunneen for general service times (Poisson arrivals).
                    let wq = wq * (1.0 + cs2) / 2.0;
                    let pw = mmc.prob_wait.max(1e-12);
                    Some(Moments {
                        mean: wq,
                        var: (2.0 * wq * wq / pw - wq * wq).max(0.0),
                    })
                }
                _ => None,
            }
        };
        loads.push(Load {
            id,
            arrivals_per_s: demand.rate,
            servers,
            utilization,
            mean_wait_ms: wait.map(|w| w.mean * 1e3),
            on_path,
            holds: matches!(
                id,
                Measure::Resource(_, Role::Threads | Role::RowLocks | Role::Connections)
            ),
        });
        Pool { wait }
    }
}

fn moments_of(d: &Demand) -> Moments {
    if d.rate <= 0.0 {
        return Moments::default();
    }
    let mean = d.work / d.rate;
    Moments {
        mean,
        var: (d.work2 / d.rate - mean * mean).max(0.0),
    }
}

fn memory(loads: &mut Vec<Load>, id: Measure, used_mb: f64, capacity_mb: f64) {
    loads.push(Load {
        id,
        arrivals_per_s: 0.0,
        servers: capacity_mb,
        // Over capacity only once past it: exactly full still runs.
        utilization: used_mb / capacity_mb.max(1e-9) * (1.0 - 1e-12),
        mean_wait_ms: None,
        on_path: true,
        holds: false,
    });
}

/// The busiest shard's share of key popularity: the hottest keys routed one by one, the rest
/// spread evenly (Zipf weights `k^-s`, the tail's sum by its integral).
fn hottest_shard_share(sc: &Scenario, shards: u32) -> f64 {
    let router = ShardRouter::new(sc.shard_strategy, shards, sc.keys);
    let n = sc.keys.max(1);
    let s = sc.zipf_s.max(0.0);
    let head = HOT_KEYS_ROUTED.min(n);
    let mut per_shard = vec![0.0; shards as usize];
    let mut head_total = 0.0;
    for k in 1..=head {
        let wgt = f64::from(k).powf(-s);
        per_shard[router.route(k)] += wgt;
        head_total += wgt;
    }
    // ∫ from head + 1/2 to n + 1/2 of x^-s dx.
    let (a, b) = (f64::from(head) + 0.5, f64::from(n) + 0.5);
    let tail = if n <= head {
        0.0
    } else if (s - 1.0).abs() < 1e-9 {
        (b / a).ln()
    } else {
        (b.powf(1.0 - s) - a.powf(1.0 - s)) / (1.0 - s)
    };
    let total = head_total + tail;
    let even = tail / f64::from(shards);
    per_shard
        .iter()
        .map(|&h| (h + even) / total)
        .fold(0.0, f64::max)
}

/// The mixture of classes' response times, capped at the request timeout.
struct Mixture<'a> {
    branches: &'a [Branch],
    tp_mu: f64,
    tp_sigma: f64,
    cap: f64,
}

/// A gamma distribution's CDF at `x` for a time with these moments, by Wilson–Hilferty
/// (`(X/(kθ))^(1/3)` is close to normal with mean `1 − 1/(9k)` and variance `1/(9k)`).
fn gamma_cdf(m: Moments, x: f64) -> f64 {
    if x < 0.0 {
        return 0.0;
    }
    if m.var <= 1e-18 || m.mean <= 0.0 {
        return if x >= m.mean { 1.0 } else { 0.0 };
    }
    let k = m.mean * m.mean / m.var;
    let v = 1.0 / (9.0 * k);
    phi((libm::cbrt(x / m.mean) - (1.0 - v)) / v.sqrt())
}

/// The inverse of [`gamma_cdf`] at the standard normal quantile `z`.
fn gamma_at_z(m: Moments, z: f64) -> f64 {
    if m.var <= 1e-18 || m.mean <= 0.0 {
        return m.mean.max(0.0);
    }
    let k = m.mean * m.mean / m.var;
    let v = 1.0 / (9.0 * k);
    let c = (1.0 - v + z * v.sqrt()).max(0.0);
    m.mean * c * c * c
}

impl Mixture<'_> {
    fn cdf(&self, t: f64) -> f64 {
        if t >= self.cap {
            return 1.0;
        }
        let mut total = 0.0;
        let mut weights = 0.0;
        for b in self.branches {
            weights += b.weight;
            let x = t - b.constant;
            if x <= 0.0 || b.weight <= 0.0 {
                continue;
            }
            let f = if b.third_party {
                // Convolution with the call's log-normal over eight slices of the rest.
                let mut s = 0.0;
                for z in Z8 {
                    let y = x - gamma_at_z(b.var, z);
                    if y > 0.0 {
                        s += phi((y.ln() - self.tp_mu) / self.tp_sigma.max(1e-12));
                    }
                }
                s / Z8.len() as f64
            } else {
                gamma_cdf(b.var, x)
            };
            total += b.weight * f;
        }
        if weights > 0.0 {
            total / weights
        } else {
            1.0
        }
    }

    /// The `q`-quantile, seconds: bisection on log time (the CDF has steps where a class has
    /// no spread), to 0.1%.
    fn quantile(&self, q: f64) -> f64 {
        if self.cdf(self.cap * (1.0 - 1e-9)) < q {
            return self.cap;
        }
        let (mut lo, mut hi) = (1e-6f64.ln(), self.cap.ln());
        while hi - lo > 1e-3 {
            let mid = 0.5 * (lo + hi);
            if self.cdf(mid.exp()) >= q {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        hi.exp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gamma_approximation_matches_the_exponential() {
        // Exp(1): P(X <= 3) = 1 - e^-3.
        let m = Moments {
            mean: 1.0,
            var: 1.0,
        };
        assert!((gamma_cdf(m, 3.0) - (1.0 - (-3.0f64).exp())).abs() < 0.005);
        assert!((gamma_at_z(m, Z95) - 3.0).abs() < 0.1);
    }

    #[test]
    fn capped_lognormal_moments_are_below_the_cap_and_the_mean() {
        let (mu, sigma) = (0.4f64.ln(), (8.2f64 / 0.4).ln() / Z95);
        let m = capped_lognormal_moment(mu, sigma, 10.0, 1.0);
        let uncapped = (mu + sigma * sigma / 2.0).exp();
        assert!(m < uncapped && m < 10.0 && m > 0.4, "{m}");
        assert!((capped_lognormal_moment(mu, sigma, 1e12, 1.0) / uncapped - 1.0).abs() < 1e-6);
    }

    #[test]
    fn one_database_takes_every_key_and_hashing_spreads_them() {
        let sc = Scenario::for_stage(7, 1_000.0);
        let share = hottest_shard_share(&sc, 4);
        assert!(share > 0.25 && share < 0.30, "{share}");
    }

    #[test]
    fn no_users_no_latency_or_load() {
        let p = predict(&Scenario::for_stage(3, 0.0));
        assert!(!p.failing);
        assert_eq!(p.p95_ms, None);
    }
}
