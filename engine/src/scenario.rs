//! Everything a run depends on, as one plain, serializable parameter set.
//!
//! [`Scenario::for_stage`] gives each stage's defaults; a scenario file (JSON) may override
//! any subset of fields. Every assumption is a documented field here, so course authors can
//! see and change it.

use serde::{Deserialize, Serialize};

use crate::stages::StageId;
use crate::topology::{first_stage_with, Feature};
use crate::traffic::TrafficProfile;

/// How the load balancer picks an app server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LbPolicy {
    /// Take turns.
    RoundRobin,
    /// The server with the fewest requests in progress.
    LeastConnections,
}

/// How the shard router maps a tenant to a shard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShardStrategy {
    /// A hash of the tenant id: spreads hot tenants.
    Hash,
    /// Contiguous ranges of tenant ids: the hottest (lowest) ids share a shard.
    Range,
    /// A lookup table that places tenants by weight; costs a lookup per request.
    Directory,
}

/// An instance type from the price table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    /// Virtual CPUs.
    pub vcpus: u32,
    /// Memory, MB.
    pub memory_mb: f64,
    /// Requests per second one such machine serves for a simple web app (sets app CPU cost).
    pub app_rps: f64,
    /// On-demand price, USD per month.
    pub usd_month: f64,
}

/// The parameters of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Scenario {
    /// Which topology: 1 (one VM) to 7 (replicas and shards).
    pub stage: u8,
    /// Daily active users.
    pub users: f64,
    /// Requests per user per day.
    pub requests_per_user_per_day: f64,
    /// Peak hour over average hour.
    pub peak_hour_factor: f64,
    /// Share of requests for static files (JS, CSS, images).
    pub static_share: f64,
    /// Share of static requests the browser answers from its own cache: they never reach the
    /// network.
    pub browser_cache_share: f64,
    /// Share of dynamic requests that write (the read/write ratio).
    pub write_share: f64,
    /// Share of dynamic requests that call a third-party API (payments, OAuth).
    pub third_party_share: f64,
    /// Share of dynamic requests that trigger deferrable work (email, PDF).
    pub deferred_share: f64,
    /// Database queries a dynamic request makes (session, user, the page's data).
    pub queries_per_request: u32,
    /// Distinct keys (rows) readers pick from.
    pub keys: u32,
    /// Zipf exponent of key popularity (0 = uniform; ~1 = a few very hot rows).
    pub zipf_s: f64,
    /// Seconds before a user request gives up (the load balancer's timeout): 504.
    pub request_timeout_s: f64,

    /// App servers behind the load balancer (1 without one).
    pub app_servers: u32,
    /// The app server's machine (on stage 1, the one VM; bigger is vertical scaling).
    pub app_machine: Machine,
    /// Worker threads per vCPU of an app server (a bigger machine runs more of them).
    pub app_threads_per_vcpu: u32,
    /// Requests that may wait for a thread per app server before 503s.
    pub app_queue: u32,
    /// Memory per request in progress on an app server, MB.
    pub app_mem_per_request_mb: f64,
    /// CPU time to serve a static file from the web server, ms.
    pub static_cpu_ms: f64,
    /// Load-balancer policy.
    pub lb_policy: LbPolicy,
    /// Seconds between the load balancer's health checks.
    pub health_check_s: f64,
    /// Seconds an app server takes to restart or deploy.
    pub app_restart_s: f64,

    /// The database primary's machine.
    pub db_machine: Machine,
    /// The most connections the database accepts.
    pub db_max_connections: u32,
    /// Seconds a query waits for a connection before failing.
    pub db_pool_timeout_s: f64,
    /// Memory per open connection, MB (~10 MB for Postgres).
    pub db_mem_per_connection_mb: f64,
    /// CPU per indexed query, ms.
    pub db_query_cpu_ms: f64,
    /// Extra CPU per query per 1,000 users when the hot query lacks an index (a sequential
    /// scan grows with the table), ms.
    pub db_scan_cpu_ms_per_1k_users: f64,
    /// The hot query has an index (found through observability).
    pub db_indexed: bool,
    /// Parallel I/O operations the disk sustains.
    pub db_io_channels: u32,
    /// Disk time per read that misses the buffer cache, ms.
    pub db_read_io_ms: f64,
    /// Share of reads that miss the buffer cache.
    pub db_read_miss: f64,
    /// Disk time per write (WAL flush), ms.
    pub db_write_io_ms: f64,
    /// Writes that may hold row locks at once before the rest wait.
    pub db_lock_slots: u32,
    /// Share of a database machine's memory Postgres takes at rest (its shared buffers).
    pub db_buffers_share: f64,
    /// Seconds the database takes to restart.
    pub db_restart_s: f64,

    /// Memory the OS, web server, app runtime and cron take at rest, MB.
    pub os_base_mem_mb: f64,
    /// Seconds between cron runs of the nightly-style report over all data.
    pub cron_interval_s: f64,
    /// Simulated seconds before the report first runs.
    pub cron_first_s: f64,
    /// Memory the report query takes per 1,000 users (it hashes every user's rows), MB.
    pub cron_mem_per_1k_users_mb: f64,
    /// Disk time the report takes per 1,000 users, ms.
    pub cron_io_ms_per_1k_users: f64,

    /// Analytics queries (dashboards, BI exports, ad-hoc SQL) per second per 100,000 users.
    pub analytics_per_s_per_100k_users: f64,
    /// Disk time per analytics query, ms.
    pub analytics_io_ms: f64,
    /// CPU per analytics query, ms.
    pub analytics_cpu_ms: f64,

    /// Cache hit rate for reads (0 to 1); applies from stage 5.
    pub cache_hit: f64,
    /// Cache nodes.
    pub cache_nodes: u32,
    /// Time per cache operation, ms.
    pub cache_op_ms: f64,
    /// Share of static requests the CDN serves from the edge; applies from stage 5.
    pub cdn_hit: f64,
    /// Edge latency to users, ms.
    pub cdn_edge_ms: f64,
    /// CDN edge hits simulated one by one per second, at most. Above it, one hit in k is
    /// simulated and counts k times (k = the hits per second over this, at most
    /// [`crate::models::thinning::MAX_STRIDE`]), and the others are dropped as they arrive.
    /// A hit touches nothing another request uses and every hit takes the same time, so every
    /// other request meets the same system and the measurements keep their distribution; a
    /// count is short by at most k - 1 hits not yet stood for. Two requests in five are edge
    /// hits, so at millions of users this is much of the simulation's work. 0 simulates
    /// every hit.
    pub cdn_hits_simulated_per_s: f64,

    /// Median third-party latency, ms.
    pub third_party_median_ms: f64,
    /// 95th percentile third-party latency, ms.
    pub third_party_p95_ms: f64,
    /// Share of third-party calls that fail.
    pub third_party_error_rate: f64,

    /// Queue workers (stage 6 on).
    pub workers: u32,
    /// Attempts before a job is dead-lettered.
    pub job_max_attempts: u8,
    /// First retry delay, doubling each time, seconds.
    pub job_backoff_s: f64,
    /// Seconds a job may take before its attempt counts as failed.
    pub job_timeout_s: f64,

    /// Read replicas (stage 7).
    pub replicas: u32,
    /// Replica lag with no backlog, ms.
    pub replica_base_lag_ms: f64,
    /// Replay time per write on a replica, ms.
    pub replica_apply_ms: f64,
    /// Shards (stage 7).
    pub shards: u32,
    /// How tenants map to shards.
    pub shard_strategy: ShardStrategy,
    /// Share of writes that touch two shards (a transfer between tenants).
    pub cross_shard_share: f64,
    /// Seconds the coordinator waits for the second shard's commit before giving up.
    pub two_phase_timeout_s: f64,
    /// Probability that the second shard aborts its half of a transfer after the first
    /// committed.
    pub cross_shard_abort: f64,

    /// Metrics, logs and traces are in place (stage 3 on).
    pub observability: bool,
}

/// A t3.micro: 2 vCPU, 1 GB, about 200 req/s, $8.50 a month.
pub const T3_MICRO: Machine = Machine {
    vcpus: 2,
    memory_mb: 1024.0,
    app_rps: 200.0,
    usd_month: 8.50,
};
/// A t3.medium: 2 vCPU, 4 GB ("VM · ubuntu · 4gb"). Same burstable CPU as a t3.micro, so
/// the same ~200 req/s; the extra memory buys room, not speed.
pub const T3_MEDIUM: Machine = Machine {
    vcpus: 2,
    memory_mb: 4096.0,
    app_rps: 200.0,
    usd_month: 30.37,
};
/// A t3.large: 2 vCPU, 8 GB, about 1,000 req/s, $61 a month.
pub const T3_LARGE: Machine = Machine {
    vcpus: 2,
    memory_mb: 8192.0,
    app_rps: 1000.0,
    usd_month: 61.0,
};
/// A c5.4xlarge: 16 vCPU, 32 GB.
pub const C5_4XLARGE: Machine = Machine {
    vcpus: 16,
    memory_mb: 32_768.0,
    app_rps: 5_000.0,
    usd_month: 496.0,
};
/// A c5.24xlarge: 96 vCPU, 192 GB, about 20,000 req/s, $2,940 a month.
pub const C5_24XLARGE: Machine = Machine {
    vcpus: 96,
    memory_mb: 196_608.0,
    app_rps: 20_000.0,
    usd_month: 2_940.0,
};

/// Instance types by name, smallest first: the ladder of vertical scaling. Each step up
/// buys less throughput per dollar (t3.large: ~16 req/s per $; c5.24xlarge: ~7).
pub const MACHINES: [(&str, Machine); 5] = [
    ("t3.micro", T3_MICRO),
    ("t3.medium", T3_MEDIUM),
    ("t3.large", T3_LARGE),
    ("c5.4xlarge", C5_4XLARGE),
    ("c5.24xlarge", C5_24XLARGE),
];

/// `m`'s name and place in the instance table, if the table has it.
pub fn machine_named(m: &Machine) -> Option<(usize, &'static str)> {
    MACHINES
        .iter()
        .position(|(_, t)| t == m)
        .map(|i| (i, MACHINES[i].0))
}

/// The instance type called `name`, if the table has it.
pub fn machine(name: &str) -> Option<Machine> {
    MACHINES.iter().find(|(n, _)| *n == name).map(|&(_, m)| m)
}

impl Default for Scenario {
    fn default() -> Self {
        Self::for_stage(1, 1_000.0)
    }
}

impl Scenario {
    /// Stage `stage`'s defaults (clamped to 1..=7) at `users` daily active users.
    pub fn for_stage(stage: u8, users: f64) -> Self {
        let id = crate::StageId::of_scenario(stage);
        let design = id.design();
        let has = |f| design.has(f);
        use crate::calibration as cal;
        use crate::topology::Feature;
        let traffic = TrafficProfile::default();
        Self {
            stage: id.scenario_number(),
            users,
            requests_per_user_per_day: traffic.requests_per_user_per_day,
            peak_hour_factor: traffic.peak_hour_factor,
            static_share: 0.55,
            browser_cache_share: cal::BROWSER_CACHE_SHARE,
            write_share: 0.10,
            third_party_share: 0.05,
            deferred_share: 0.03,
            queries_per_request: 5,
            keys: 1_000_000,
            zipf_s: 0.8,
            request_timeout_s: 10.0,
            app_servers: design.app_servers,
            app_machine: design.app_machine,
            app_threads_per_vcpu: design.app_threads_per_vcpu,
            app_queue: 256,
            app_mem_per_request_mb: 20.0,
            static_cpu_ms: 0.5,
            lb_policy: LbPolicy::LeastConnections,
            health_check_s: 10.0,
            app_restart_s: 30.0,
            db_machine: design.db_machine,
            db_max_connections: 100,
            db_pool_timeout_s: 5.0,
            db_mem_per_connection_mb: 10.0,
            db_query_cpu_ms: 0.5,
            db_scan_cpu_ms_per_1k_users: cal::SCAN_CPU_MS_PER_1K_USERS,
            db_indexed: has(Feature::Index),
            db_io_channels: 4,
            db_read_io_ms: 5.0,
            db_read_miss: 0.05,
            db_write_io_ms: 2.0,
            db_lock_slots: 16,
            db_buffers_share: cal::DB_BUFFERS_SHARE,
            db_restart_s: 60.0,
            os_base_mem_mb: cal::OS_BASE_MEM_MB,
            cron_interval_s: 60.0,
            cron_first_s: cal::CRON_FIRST_S,
            cron_mem_per_1k_users_mb: cal::CRON_MEM_PER_1K_USERS_MB,
            cron_io_ms_per_1k_users: cal::CRON_IO_MS_PER_1K_USERS,
            analytics_per_s_per_100k_users: cal::ANALYTICS_PER_S_PER_100K_USERS,
            analytics_io_ms: cal::ANALYTICS_IO_MS,
            analytics_cpu_ms: 200.0,
            cache_hit: 0.9,
            cache_nodes: design.cache_nodes,
            cache_op_ms: 0.01,
            cdn_hit: 0.95,
            cdn_edge_ms: 20.0,
            cdn_hits_simulated_per_s: 1_000.0,
            third_party_median_ms: cal::API_MEDIAN_MS,
            third_party_p95_ms: cal::API_P95_MS,
            third_party_error_rate: 0.01,
            workers: design.workers,
            job_max_attempts: 5,
            job_backoff_s: 1.0,
            job_timeout_s: 30.0,
            replicas: design.replicas,
            replica_base_lag_ms: 10.0,
            replica_apply_ms: cal::REPLICA_APPLY_MS,
            shards: design.shards,
            shard_strategy: ShardStrategy::Hash,
            cross_shard_share: 0.05,
            two_phase_timeout_s: 1.0,
            cross_shard_abort: cal::SECOND_COMMIT_ABORT,
            observability: has(Feature::Observability),
        }
    }

    /// A scenario from JSON: the stage's defaults (its `stage` field, else 1, else `stage`
    /// given here) with the file's fields on top. Unknown fields are an error.
    pub fn from_json(text: &str, stage: Option<u8>) -> Result<Self, String> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let serde_json::Value::Object(fields) = value else {
            return Err("a scenario must be a JSON object".to_owned());
        };
        let stage = fields
            .get("stage")
            .and_then(serde_json::Value::as_u64)
            .map(|s| s.clamp(1, 7) as u8)
            .or(stage)
            .unwrap_or(1);
        let users = fields
            .get("users")
            .and_then(serde_json::Value::as_f64)
            .unwrap_or(1_000.0);
        let serde_json::Value::Object(defaults) =
            serde_json::to_value(Self::for_stage(stage, users)).map_err(|e| e.to_string())?
        else {
            return Err("internal: a scenario is not a JSON object".to_owned());
        };
        let with = |some: &mut dyn Iterator<Item = (&String, &serde_json::Value)>| {
            let mut b = defaults.clone();
            for (k, v) in some {
                b.insert(k.clone(), v.clone());
            }
            serde_json::from_value::<Self>(serde_json::Value::Object(b))
        };
        with(&mut fields.iter()).map_err(|e| {
            // Name the field: the first of the file's fields that fails on its own.
            match fields
                .iter()
                .find(|&field| with(&mut std::iter::once(field)).is_err())
            {
                Some((name, _)) => format!("{name}: {e}"),
                None => e.to_string(),
            }
        })
    }

    /// The next stage's scenario at the same users: its own topology and defaults, with the
    /// workload copied from this one (traffic per user, the request mix, the data, the third party),
    /// since those describe the users rather than the system.
    pub fn next_stage(&self) -> Option<Scenario> {
        let next = StageId::of_scenario(self.stage).next()?;
        Some(Scenario {
            users: self.users,
            requests_per_user_per_day: self.requests_per_user_per_day,
            peak_hour_factor: self.peak_hour_factor,
            static_share: self.static_share,
            write_share: self.write_share,
            third_party_share: self.third_party_share,
            deferred_share: self.deferred_share,
            queries_per_request: self.queries_per_request,
            keys: self.keys,
            zipf_s: self.zipf_s,
            third_party_median_ms: self.third_party_median_ms,
            third_party_p95_ms: self.third_party_p95_ms,
            third_party_error_rate: self.third_party_error_rate,
            ..Scenario::for_stage(next.number(), self.users)
        })
    }

    /// The requests that reach the network at the peak hour, per second: every request but
    /// the static files the browser's own cache answers.
    pub fn network_rps(&self) -> f64 {
        self.peak_rps() * (1.0 - self.static_share * self.browser_cache_share)
    }

    /// The share of static files among the requests that reach the network.
    pub fn network_static_share(&self) -> f64 {
        let kept = 1.0 - self.static_share * self.browser_cache_share;
        if kept > 0.0 {
            self.static_share * (1.0 - self.browser_cache_share) / kept
        } else {
            0.0
        }
    }

    /// What users ask for at the peak hour, requests per second (browser-cached files
    /// included).
    pub fn peak_rps(&self) -> f64 {
        TrafficProfile {
            requests_per_user_per_day: self.requests_per_user_per_day,
            peak_hour_factor: self.peak_hour_factor,
        }
        .peak_rps(self.users)
    }

    /// Checks every field against its allowed range; the error names the field and the range.
    ///
    /// Every number must be finite. Prices, machine sizes and rates where zero means nothing
    /// (a free machine, one without memory, or one that serves no requests) must be above 0.
    pub fn validate(&self) -> Result<(), FieldError> {
        use FieldError as E;
        let frac = |name: &'static str, v: f64| {
            if (0.0..=1.0).contains(&v) {
                Ok(())
            } else {
                Err(E::new(name, "a number from 0 to 1", v))
            }
        };
        let pos = |name: &'static str, v: f64, max: f64| {
            if v.is_finite() && v >= 0.0 && v <= max {
                Ok(())
            } else {
                Err(E::new(name, &format!("a number from 0 to {max}"), v))
            }
        };
        let above0 = |name: &'static str, v: f64, max: f64| {
            if v.is_finite() && v > 0.0 && v <= max {
                Ok(())
            } else {
                Err(E::new(name, &format!("a number above 0, at most {max}"), v))
            }
        };
        let int = |name: &'static str, v: u32, min: u32, max: u32| {
            if (min..=max).contains(&v) {
                Ok(())
            } else {
                Err(E::new(
                    name,
                    &format!("an integer from {min} to {max}"),
                    f64::from(v),
                ))
            }
        };
        // A machine: its field names, then its size, speed and price.
        let machine = |names: [&'static str; 4], m: &Machine| {
            int(names[0], m.vcpus, 1, 512)?;
            above0(names[1], m.memory_mb, 1e7)?;
            above0(names[2], m.app_rps, 1e6)?;
            above0(names[3], m.usd_month, 1e6)
        };
        int("stage", u32::from(self.stage), 1, 7)?;
        pos("users", self.users, 1e8)?;
        pos(
            "requests_per_user_per_day",
            self.requests_per_user_per_day,
            1e5,
        )?;
        // The peak hour over the average hour: below 1 it would not be the peak.
        if !(self.peak_hour_factor.is_finite() && (1.0..=24.0).contains(&self.peak_hour_factor)) {
            return Err(E::new(
                "peak_hour_factor",
                "a number from 1 to 24",
                self.peak_hour_factor,
            ));
        }
        frac("static_share", self.static_share)?;
        frac("browser_cache_share", self.browser_cache_share)?;
        frac("write_share", self.write_share)?;
        frac("third_party_share", self.third_party_share)?;
        frac("deferred_share", self.deferred_share)?;
        if self.write_share + self.third_party_share + self.deferred_share > 1.0 {
            return Err(E::new(
                "write_share",
                "at most 1 - third_party_share - deferred_share",
                self.write_share,
            ));
        }
        int("queries_per_request", self.queries_per_request, 0, 5)?;
        int("keys", self.keys, 1, 100_000_000)?;
        pos("zipf_s", self.zipf_s, 3.0)?;
        above0("request_timeout_s", self.request_timeout_s, 600.0)?;
        int("app_servers", self.app_servers, 1, 64)?;
        machine(
            [
                "app_machine.vcpus",
                "app_machine.memory_mb",
                "app_machine.app_rps",
                "app_machine.usd_month",
            ],
            &self.app_machine,
        )?;
        int("app_threads_per_vcpu", self.app_threads_per_vcpu, 1, 1024)?;
        int("app_queue", self.app_queue, 0, 1_000_000)?;
        pos("app_mem_per_request_mb", self.app_mem_per_request_mb, 1e5)?;
        pos("static_cpu_ms", self.static_cpu_ms, 1e4)?;
        pos("health_check_s", self.health_check_s, 3600.0)?;
        pos("app_restart_s", self.app_restart_s, 3600.0)?;
        machine(
            [
                "db_machine.vcpus",
                "db_machine.memory_mb",
                "db_machine.app_rps",
                "db_machine.usd_month",
            ],
            &self.db_machine,
        )?;
        int("db_max_connections", self.db_max_connections, 1, 100_000)?;
        pos("db_pool_timeout_s", self.db_pool_timeout_s, 600.0)?;
        pos(
            "db_mem_per_connection_mb",
            self.db_mem_per_connection_mb,
            1e4,
        )?;
        pos("db_query_cpu_ms", self.db_query_cpu_ms, 1e5)?;
        pos(
            "db_scan_cpu_ms_per_1k_users",
            self.db_scan_cpu_ms_per_1k_users,
            1e5,
        )?;
        int("db_io_channels", self.db_io_channels, 1, 100_000)?;
        pos("db_read_io_ms", self.db_read_io_ms, 1e5)?;
        frac("db_read_miss", self.db_read_miss)?;
        pos("db_write_io_ms", self.db_write_io_ms, 1e5)?;
        int("db_lock_slots", self.db_lock_slots, 1, 100_000)?;
        frac("db_buffers_share", self.db_buffers_share)?;
        pos("db_restart_s", self.db_restart_s, 3600.0)?;
        pos("os_base_mem_mb", self.os_base_mem_mb, 1e7)?;
        pos("cron_interval_s", self.cron_interval_s, 86_400.0)?;
        if self.cron_interval_s < 1.0 {
            return Err(E::new(
                "cron_interval_s",
                "a number from 1 to 86400",
                self.cron_interval_s,
            ));
        }
        pos("cron_first_s", self.cron_first_s, 86_400.0)?;
        pos(
            "cron_mem_per_1k_users_mb",
            self.cron_mem_per_1k_users_mb,
            1e7,
        )?;
        pos("cron_io_ms_per_1k_users", self.cron_io_ms_per_1k_users, 1e7)?;
        pos(
            "analytics_per_s_per_100k_users",
            self.analytics_per_s_per_100k_users,
            1e4,
        )?;
        pos("analytics_io_ms", self.analytics_io_ms, 1e6)?;
        pos("analytics_cpu_ms", self.analytics_cpu_ms, 1e6)?;
        frac("cache_hit", self.cache_hit)?;
        int("cache_nodes", self.cache_nodes, 1, 64)?;
        pos("cache_op_ms", self.cache_op_ms, 1e4)?;
        frac("cdn_hit", self.cdn_hit)?;
        pos("cdn_edge_ms", self.cdn_edge_ms, 1e4)?;
        pos(
            "cdn_hits_simulated_per_s",
            self.cdn_hits_simulated_per_s,
            1e9,
        )?;
        pos("third_party_median_ms", self.third_party_median_ms, 1e6)?;
        pos("third_party_p95_ms", self.third_party_p95_ms, 1e6)?;
        frac("third_party_error_rate", self.third_party_error_rate)?;
        int("workers", self.workers, 0, 10_000)?;
        // With a queue there must be a worker: the simulation would run one while the bill
        // counted none.
        let queue_from = first_stage_with(Feature::Queue);
        if StageId::of_scenario(self.stage)
            .design()
            .has(Feature::Queue)
            && self.workers == 0
        {
            return Err(E::new(
                "workers",
                &format!(
                    "an integer from 1 to 10000 from stage {} on (the job queue needs a worker)",
                    queue_from.number()
                ),
                0.0,
            ));
        }
        int("job_max_attempts", u32::from(self.job_max_attempts), 1, 20)?;
        pos("job_backoff_s", self.job_backoff_s, 3600.0)?;
        pos("job_timeout_s", self.job_timeout_s, 3600.0)?;
        int("replicas", self.replicas, 0, 8)?;
        pos("replica_base_lag_ms", self.replica_base_lag_ms, 1e6)?;
        pos("replica_apply_ms", self.replica_apply_ms, 1e4)?;
        int("shards", self.shards, 1, 16)?;
        frac("cross_shard_share", self.cross_shard_share)?;
        pos("two_phase_timeout_s", self.two_phase_timeout_s, 600.0)?;
        frac("cross_shard_abort", self.cross_shard_abort)?;
        Ok(())
    }
}

/// A field outside its allowed range.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    /// The field's name.
    pub field: &'static str,
    /// What is allowed, in words.
    pub allowed: String,
    /// What it was.
    pub got: f64,
}

impl FieldError {
    fn new(field: &'static str, allowed: &str, got: f64) -> Self {
        Self {
            field,
            allowed: allowed.to_owned(),
            got,
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let got = self.got;
        // Very large or very small values in exponent form: 1e300, not 301 digits.
        if got != 0.0 && !(1e-5..1e16).contains(&got.abs()) {
            write!(f, "{} must be {} (got {got:e})", self.field, self.allowed)
        } else {
            write!(f, "{} must be {} (got {got})", self.field, self.allowed)
        }
    }
}

impl std::error::Error for FieldError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_stage_keeps_the_workload_and_takes_its_own_system() {
        let mut sc = Scenario::for_stage(3, 20_000.0);
        sc.write_share = 0.2;
        sc.app_servers = 2;
        let next = sc.next_stage().unwrap();
        assert_eq!(
            (next.stage, next.users, next.write_share),
            (4, 20_000.0, 0.2)
        );
        assert_eq!(next.app_servers, Scenario::for_stage(4, 1.0).app_servers);
        assert!(Scenario::for_stage(7, 1.0).next_stage().is_none());
    }

    #[test]
    fn every_stage_default_is_valid() {
        for stage in 1..=7 {
            Scenario::for_stage(stage, 1_000.0).validate().unwrap();
        }
    }

    #[test]
    fn out_of_range_fields_are_named() {
        let mut s = Scenario::for_stage(4, 100.0);
        s.cache_hit = 1.5;
        assert_eq!(s.validate().unwrap_err().field, "cache_hit");
        let mut s = Scenario::for_stage(7, 100.0);
        s.replicas = 9;
        let e = s.validate().unwrap_err();
        assert_eq!(
            e.to_string(),
            "replicas must be an integer from 0 to 8 (got 9)"
        );
        s.replicas = 8;
        s.app_machine.usd_month = 1e300;
        assert_eq!(
            s.validate().unwrap_err().to_string(),
            "app_machine.usd_month must be a number above 0, at most 1000000 (got 1e300)"
        );
        s.app_machine.usd_month = f64::NEG_INFINITY;
        assert_eq!(
            s.validate().unwrap_err().to_string(),
            "app_machine.usd_month must be a number above 0, at most 1000000 (got -inf)"
        );
        let mut s = Scenario::for_stage(7, 100.0);
        s.users = f64::NAN;
        assert_eq!(s.validate().unwrap_err().field, "users");
    }

    /// The error `from_json` and then `validate` give for `text` at stage 7.
    fn refusal(text: &str) -> Option<String> {
        match Scenario::from_json(text, Some(7)) {
            Err(e) => Some(e),
            Ok(s) => s.validate().err().map(|e| e.to_string()),
        }
    }

    #[test]
    fn every_number_refuses_negative_and_huge_values_and_names_the_field() {
        let sc = serde_json::to_value(Scenario::for_stage(7, 1_000.0)).unwrap();
        let mut checked = 0;
        for (key, value) in sc.as_object().unwrap() {
            // A machine is one object: spoil one of its fields at a time.
            let spoiled: Vec<(String, serde_json::Value)> = match value {
                serde_json::Value::Object(m) => m
                    .keys()
                    .flat_map(|f| {
                        [-1.0, 1e300].map(|bad| {
                            let mut m = m.clone();
                            m.insert(f.clone(), serde_json::json!(bad));
                            (format!("{key}.{f}"), serde_json::Value::Object(m))
                        })
                    })
                    .collect(),
                serde_json::Value::Number(_) => [-1.0, 1e300]
                    .map(|bad| (key.clone(), serde_json::json!(bad)))
                    .to_vec(),
                _ => continue,
            };
            for (name, v) in spoiled {
                let text = serde_json::json!({ key.as_str(): v }).to_string();
                let err = refusal(&text).unwrap_or_else(|| panic!("{text} was accepted"));
                // A wrong type names the top-level field; a value out of range names the leaf.
                assert!(err.starts_with(key.as_str()), "{text}: {err}");
                if err.contains(" must be ") {
                    assert!(err.starts_with(&name), "{text}: {err}");
                }
                checked += 1;
            }
        }
        assert!(checked > 100, "{checked}");
    }

    #[test]
    fn machines_must_have_a_finite_positive_size_speed_and_price() {
        type Set = fn(&mut Scenario, f64);
        let fields: [(&str, Set); 6] = [
            ("app_machine.memory_mb", |s, v| s.app_machine.memory_mb = v),
            ("app_machine.app_rps", |s, v| s.app_machine.app_rps = v),
            ("app_machine.usd_month", |s, v| s.app_machine.usd_month = v),
            ("db_machine.memory_mb", |s, v| s.db_machine.memory_mb = v),
            ("db_machine.app_rps", |s, v| s.db_machine.app_rps = v),
            ("db_machine.usd_month", |s, v| s.db_machine.usd_month = v),
        ];
        for (field, set) in fields {
            for bad in [
                -30.0,
                0.0,
                f64::NAN,
                f64::INFINITY,
                f64::NEG_INFINITY,
                1e300,
            ] {
                let mut s = Scenario::for_stage(4, 1_000.0);
                set(&mut s, bad);
                let e = s.validate().unwrap_err();
                assert_eq!(e.field, field, "{bad}");
                assert!(e
                    .to_string()
                    .starts_with(&format!("{field} must be a number above 0")));
            }
            let mut s = Scenario::for_stage(4, 1_000.0);
            set(&mut s, 0.5);
            assert_eq!(s.validate(), Ok(()), "{field} = 0.5");
        }
        let mut s = Scenario::for_stage(2, 1_000.0);
        s.app_machine.usd_month = -30.0;
        assert_eq!(
            s.validate().unwrap_err().to_string(),
            "app_machine.usd_month must be a number above 0, at most 1000000 (got -30)"
        );
        s.app_machine.vcpus = 0;
        assert_eq!(s.validate().unwrap_err().field, "app_machine.vcpus");
    }

    #[test]
    fn non_finite_rates_and_timeouts_are_refused() {
        type Set = fn(&mut Scenario, f64);
        let fields: [(&str, Set); 6] = [
            ("users", |s, v| s.users = v),
            ("requests_per_user_per_day", |s, v| {
                s.requests_per_user_per_day = v
            }),
            ("peak_hour_factor", |s, v| s.peak_hour_factor = v),
            ("cache_hit", |s, v| s.cache_hit = v),
            ("request_timeout_s", |s, v| s.request_timeout_s = v),
            ("third_party_error_rate", |s, v| {
                s.third_party_error_rate = v
            }),
        ];
        for (field, set) in fields {
            for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -1.0] {
                let mut s = Scenario::for_stage(7, 1_000.0);
                set(&mut s, bad);
                assert_eq!(s.validate().unwrap_err().field, field, "{bad}");
            }
        }
    }

    #[test]
    fn the_peak_hour_is_at_least_the_average_hour() {
        let mut s = Scenario::for_stage(3, 1_000.0);
        s.peak_hour_factor = 0.5;
        assert_eq!(
            s.validate().unwrap_err().to_string(),
            "peak_hour_factor must be a number from 1 to 24 (got 0.5)"
        );
        s.peak_hour_factor = 1.0;
        assert_eq!(s.validate(), Ok(()));
    }

    #[test]
    fn a_queue_needs_a_worker() {
        let mut s = Scenario::for_stage(6, 1_000.0);
        s.workers = 0;
        assert_eq!(
            s.validate().unwrap_err().to_string(),
            "workers must be an integer from 1 to 10000 from stage 6 on (the job queue needs a \
             worker) (got 0)"
        );
        s.workers = 1;
        assert_eq!(s.validate(), Ok(()));
        // Before stage 6 there is no queue and the default is 0 workers.
        assert_eq!(Scenario::for_stage(5, 1_000.0).workers, 0);
    }

    #[test]
    fn a_bad_field_in_a_file_is_named() {
        let err = Scenario::from_json(r#"{"stage": 6, "workers": -1}"#, None).unwrap_err();
        assert!(err.starts_with("workers: "), "{err}");
        let err = Scenario::from_json(r#"{"app_machine": {"usd_month": 5}}"#, None).unwrap_err();
        assert!(err.starts_with("app_machine: missing field"), "{err}");
    }

    #[test]
    fn a_scenario_file_overrides_only_what_it_names() {
        let s =
            Scenario::from_json(r#"{"stage": 5, "users": 20000, "cache_hit": 0.5}"#, None).unwrap();
        assert_eq!((s.stage, s.users, s.cache_hit), (5, 20_000.0, 0.5));
        assert_eq!(s.app_servers, Scenario::for_stage(5, 1.0).app_servers);
        let err = Scenario::from_json(r#"{"cache_hits": 0.5}"#, None).unwrap_err();
        assert!(err.contains("cache_hits"), "{err}");
        assert!(Scenario::from_json("[1, 2]", None).is_err());
    }
}
