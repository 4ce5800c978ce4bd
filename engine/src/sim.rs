//! A stage's system as a running simulation: the topology built from a [`Scenario`], the
//! routes requests take through it, background load, and reports of what was measured.

use std::rc::Rc;

use serde::Serialize;

use crate::core::{Core, Host, InFlight, Mark, Origin, Plan, Step};
use crate::erlang;
use crate::events::EventKind;
use crate::models::request_mix::Kind;
use crate::models::{HotKeyCache, LoadBalancer, RequestMix, ShardRouter};
use crate::resource::{Cause, Delay, ResourceSpec, CAUSES};
use crate::rng::{KeyPopularity, LogNormal};
use crate::scenario::Scenario;

/// Request classes, for the animation and the counts.
pub mod class {
    /// A static file.
    pub const STATIC: u8 = 0;
    /// A page that reads.
    pub const READ: u8 = 1;
    /// A request that writes.
    pub const WRITE: u8 = 2;
    /// A request that calls a third-party API (checkout).
    pub const THIRD_PARTY: u8 = 3;
    /// A request that triggers deferrable work (email, PDF).
    pub const DEFERRED: u8 = 4;
    /// A deferred job run by a worker.
    pub const JOB: u8 = 5;
    /// Dashboards, BI exports, ad-hoc SQL.
    pub const ANALYTICS: u8 = 6;
    /// The cron report.
    pub const CRON: u8 = 7;
}

/// A node of the diagram.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeInfo {
    /// Stable id, e.g. "app1".
    pub id: String,
    /// What the diagram calls it.
    pub label: String,
    /// The host it runs on.
    pub host: String,
    /// Horizontal position in the diagram, 0 (users) to 1.
    pub x: f32,
    /// Vertical position in the diagram, 0 (top) to 1.
    pub y: f32,
}

/// An edge of the diagram that requests travel along.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EdgeInfo {
    /// From node id.
    pub from: String,
    /// To node id.
    pub to: String,
}

#[derive(Debug, Clone, Copy)]
struct App {
    host: u16,
    threads: u16,
    cpu: u16,
    node: u16,
}

#[derive(Debug, Clone, Copy)]
struct Db {
    conns: u16,
    cpu: u16,
    io: u16,
    locks: u16,
    node: u16,
}

/// Something going wrong on purpose, to see what the system does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fault {
    /// App server `i` crashes and restarts.
    CrashApp(usize),
    /// Every app server restarts in turn, each after the previous one is back.
    RollingDeploy,
    /// The third-party API's latency becomes this.
    SlowThirdParty {
        /// Median, ms.
        median_ms: f64,
        /// 95th percentile, ms.
        p95_ms: f64,
    },
    /// User traffic becomes `k` times the offered load (1 = back to normal).
    TrafficMultiplier(f64),
    /// Every replica falls this much further behind (0 = back to normal).
    ReplicaLag {
        /// Extra lag, ms.
        extra_ms: f64,
    },
}

/// Index of a diagram node.
type NodeId = u16;

/// Network time inside a data centre, one way, seconds.
const HOP_S: f32 = 0.000_25;
/// Network time between a user and the origin, one way, seconds.
const INTERNET_S: f32 = 0.040;
/// Seconds a rolling deploy lets an app server finish its requests before restarting it.
pub const DRAIN_S: f64 = 15.0;
/// Seconds between ticks (sampling, health checks).
const TICK_S: f64 = 1.0;

/// The running simulation of one scenario.
#[derive(Debug, Clone)]
pub struct Sim {
    /// The engine core.
    pub core: Core,
    scenario: Rc<Scenario>,
    nodes: Vec<NodeInfo>,
    edges: Vec<EdgeInfo>,
    /// Edge id by `from * nodes + to` (`NONE` until the edge is first used).
    edge_table: Vec<u16>,
    users_node: NodeId,
    lb: Option<(u16, NodeId)>,
    cdn: Option<(u16, NodeId)>,
    cache: Option<(u16, NodeId)>,
    third_party: (u16, NodeId),
    queue: Option<(u16, NodeId)>,
    apps: Vec<App>,
    primaries: Vec<Db>,
    replicas: Vec<Db>,
    cron: u16,
    balancer: LoadBalancer,
    router: ShardRouter,
    mix: RequestMix,
    replica_next: usize,
    keys: KeyPopularity,
    cache_keys: HotKeyCache,
    user_rate: f64,
    /// The offered load before any traffic fault.
    base_rate: f64,
    arrivals_scheduled: bool,
    analytics_rate: f64,
    analytics_scheduled: bool,
    app_cpu_s: f64,
    next_tick: f64,
    next_cron: f64,
}

impl Sim {
    /// Builds the scenario's topology; nothing has run yet. The scenario should be valid
    /// ([`Scenario::validate`]); out-of-range values are clamped rather than trusted.
    pub fn new(scenario: &Scenario, seed: u64) -> Self {
        let sc = scenario.clone();
        let mut core = Core::new(seed);
        core.retry.max_attempts = sc.job_max_attempts.max(1);
        core.retry.backoff_s = sc.job_backoff_s;
        let mut sim = Self {
            core,
            nodes: Vec::new(),
            edges: Vec::new(),
            edge_table: Vec::new(),
            users_node: 0,
            lb: None,
            cdn: None,
            cache: None,
            third_party: (0, 0),
            queue: None,
            apps: Vec::new(),
            primaries: Vec::new(),
            replicas: Vec::new(),
            cron: 0,
            balancer: LoadBalancer::new(sc.lb_policy, 1),
            router: ShardRouter::new(sc.shard_strategy, 1, sc.keys),
            mix: RequestMix {
                static_share: sc.static_share,
                write_share: sc.write_share,
                third_party_share: sc.third_party_share,
                deferred_share: sc.deferred_share,
            },
            replica_next: 0,
            keys: KeyPopularity::new(sc.keys.max(1), sc.zipf_s),
            cache_keys: HotKeyCache::new(sc.keys.max(1), 0),
            user_rate: sc.peak_rps(),
            base_rate: sc.peak_rps(),
            arrivals_scheduled: false,
            analytics_scheduled: false,
            analytics_rate: sc.analytics_per_s_per_100k_users * sc.users.max(0.0) / 100_000.0,
            app_cpu_s: f64::from(sc.app_machine.vcpus) / sc.app_machine.app_rps.max(1e-9),
            next_tick: TICK_S,
            next_cron: sc.cron_interval_s.max(1.0) / 2.0,
            scenario: Rc::new(sc),
        };
        sim.build();
        sim.layout();
        sim.declare_edges();
        // Network hops take fixed times: their events go in FIFO lanes, not the heap.
        for delay in [HOP_S, INTERNET_S, (sim.scenario.cdn_edge_ms / 1e3) as f32] {
            sim.core.events.add_lane(f64::from(delay));
        }
        let hot = sim.hot_keys_for(sim.scenario.cache_hit);
        sim.cache_keys = HotKeyCache::new(sim.scenario.keys.max(1), hot);
        if sim.user_rate > 0.0 {
            sim.arrivals_scheduled = true;
            let t = sim.core.rng.exp(1.0 / sim.user_rate);
            sim.core.events.schedule(t, EventKind::Arrival(0));
        }
        if sim.analytics_rate > 0.0 {
            sim.analytics_scheduled = true;
            let t = sim.core.rng.exp(1.0 / sim.analytics_rate);
            sim.core.events.schedule(t, EventKind::Arrival(1));
        }
        sim.core.events.schedule(TICK_S, EventKind::Tick);
        sim
    }

    /// The scenario this simulation runs.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The diagram's nodes.
    pub fn nodes(&self) -> &[NodeInfo] {
        &self.nodes
    }

    /// For each resource, in the order of [`crate::snapshot::Snapshot::nodes`], the diagram
    /// node it belongs to.
    pub fn resource_nodes(&self) -> impl Iterator<Item = &str> {
        self.core.resources.iter().map(|r| r.spec.node.as_str())
    }

    /// The diagram's edges (indexed by `InFlight::edge`).
    pub fn edges(&self) -> &[EdgeInfo] {
        &self.edges
    }

    fn node(&mut self, id: &str, label: &str, host: u16) -> NodeId {
        let host = self
            .core
            .hosts
            .get(host as usize)
            .map_or("", |h| h.name.as_str())
            .to_owned();
        self.nodes.push(NodeInfo {
            id: id.to_owned(),
            label: label.to_owned(),
            host,
            x: 0.0,
            y: 0.0,
        });
        (self.nodes.len() - 1) as NodeId
    }

    fn edge(&mut self, from: NodeId, to: NodeId) -> u16 {
        let n = self.nodes.len();
        if self.edge_table.len() != n * n {
            self.edge_table = vec![crate::core::NONE; n * n];
            for (i, e) in self.edges.iter().enumerate() {
                let f = self.nodes.iter().position(|x| x.id == e.from).unwrap_or(0);
                let t = self.nodes.iter().position(|x| x.id == e.to).unwrap_or(0);
                self.edge_table[f * n + t] = i as u16;
            }
        }
        let slot = &mut self.edge_table[from as usize * n + to as usize];
        if *slot == crate::core::NONE {
            *slot = self.edges.len() as u16;
            self.edges.push(EdgeInfo {
                from: self.nodes[from as usize].id.clone(),
                to: self.nodes[to as usize].id.clone(),
            });
        }
        *slot
    }

    /// The smallest K such that keys 1..=K carry `share` of reads (the cache holds them).
    fn hot_keys_for(&mut self, share: f64) -> u32 {
        if share <= 0.0 {
            return 0;
        }
        if share >= 1.0 {
            return self.keys.keys();
        }
        // Estimate the key popularity CDF from draws of the engine's own RNG stream copy,
        // so it matches what the traffic will do; 20,000 draws place K within about 1%.
        let mut rng = crate::rng::SimRng::new(0x5eed_cafe);
        let mut draws: Vec<u32> = (0..20_000).map(|_| self.keys.sample(&mut rng)).collect();
        draws.sort_unstable();
        let i = ((draws.len() as f64 * share) as usize).min(draws.len() - 1);
        draws[i]
    }

    fn build(&mut self) {
        let sc = Rc::clone(&self.scenario);
        let stage = sc.stage;
        let c = &mut self.core;
        let users = c.add_host(Host::new("internet", f64::INFINITY, 0.0, 0.0));
        self.users_node = self.node("users", "Users", users);

        // The database primary (or primaries, when sharded), and the app tier.
        let shared_vm = stage == 1;
        let vm_mem = |m: &crate::scenario::Machine| m.memory_mb;
        let app_count = if stage >= 4 { sc.app_servers.max(1) } else { 1 };
        let db_host = if shared_vm {
            let h = Host::new(
                "vm",
                vm_mem(&sc.app_machine),
                sc.os_base_mem_mb + sc.db_base_mem_mb,
                sc.db_restart_s,
            );
            self.core.add_host(h)
        } else {
            u16::MAX
        };
        for i in 0..app_count {
            let name = if app_count == 1 {
                "app".to_owned()
            } else {
                format!("app{}", i + 1)
            };
            let host = if shared_vm {
                db_host
            } else {
                let h = Host::new(
                    &format!("{name} host"),
                    sc.app_machine.memory_mb,
                    sc.os_base_mem_mb,
                    sc.app_restart_s,
                );
                self.core.add_host(h)
            };
            let label = if shared_vm {
                "Web + app".to_owned()
            } else if app_count == 1 {
                "App VM".to_owned()
            } else {
                format!("App {}", i + 1)
            };
            let node = self.node(&name, &label, host);
            let threads = self.core.add_resource(
                ResourceSpec::pool(
                    &format!("{name}.threads"),
                    &name,
                    "threads",
                    host,
                    sc.app_threads_per_vcpu * sc.app_machine.vcpus,
                )
                .queue(sc.app_queue)
                .timeout(sc.request_timeout_s, Cause::Timeout)
                .memory(sc.app_mem_per_request_mb),
            );
            let cpu = if shared_vm && i > 0 {
                self.apps[0].cpu
            } else {
                self.core.add_resource(ResourceSpec::pool(
                    &format!("{}.cpu", if shared_vm { "vm" } else { &name }),
                    &name,
                    "cores",
                    host,
                    sc.app_machine.vcpus,
                ))
            };
            self.apps.push(App {
                host,
                threads,
                cpu,
                node,
            });
        }
        self.balancer = LoadBalancer::new(sc.lb_policy, self.apps.len());

        let shards = if stage >= 7 { sc.shards.max(1) } else { 1 };
        self.router = ShardRouter::new(sc.shard_strategy, shards, sc.keys);
        for s in 0..shards {
            let name = if shards == 1 {
                "db".to_owned()
            } else {
                format!("shard{}", s + 1)
            };
            let host = if shared_vm {
                db_host
            } else {
                let h = Host::new(
                    &format!("{name} host"),
                    sc.db_machine.memory_mb,
                    300.0 + sc.db_base_mem_mb,
                    sc.db_restart_s,
                );
                self.core.add_host(h)
            };
            let label = if shards == 1 {
                "Postgres".to_owned()
            } else {
                format!("Shard {}", s + 1)
            };
            // On one VM the database shares the VM's cores with the web server and the app.
            let shared_cpu = shared_vm.then(|| self.apps[0].cpu);
            let db = self.database(&name, &label, host, &sc, true, shared_cpu);
            self.primaries.push(db);
        }
        for r in 0..if stage >= 7 { sc.replicas } else { 0 } {
            let name = format!("replica{}", r + 1);
            let h = Host::new(
                &format!("{name} host"),
                sc.db_machine.memory_mb,
                300.0 + sc.db_base_mem_mb,
                sc.db_restart_s,
            );
            let host = self.core.add_host(h);
            let db = self.database(
                &name,
                &format!("Replica {}", (b'A' + r as u8) as char),
                host,
                &sc,
                false,
                None,
            );
            self.replicas.push(db);
            self.core.replicas.push(crate::models::ReplicaLag::new(
                sc.replica_base_lag_ms / 1e3,
                sc.replica_apply_ms / 1e3,
            ));
        }

        // The cron report runs against the (first) primary and takes memory on its host.
        let cron_mem = cron_memory_mb(&sc);
        let db0_host = self.core.resources[self.primaries[0].conns as usize]
            .spec
            .host;
        self.cron = self.core.add_resource(
            ResourceSpec::pool("cron.report", "cron", "jobs", db0_host, 1).memory(cron_mem),
        );
        self.node("cron", "Cron + jobs", db0_host);

        if stage >= 4 {
            let lb_host = self
                .core
                .add_host(Host::new("load balancer", f64::INFINITY, 0.0, 0.0));
            let node = self.node("lb", "Load balancer", lb_host);
            let res = self.core.add_resource(ResourceSpec::delay(
                "lb",
                "lb",
                "connections",
                lb_host,
                Delay::Fixed(0.0),
            ));
            self.lb = Some((res, node));
        }
        if stage >= 5 {
            let cdn_host = self
                .core
                .add_host(Host::new("cdn", f64::INFINITY, 0.0, 0.0));
            let node = self.node("cdn", "CDN edge", cdn_host);
            let res = self.core.add_resource(ResourceSpec::delay(
                "cdn",
                "cdn",
                "requests",
                cdn_host,
                Delay::Fixed(0.0),
            ));
            self.cdn = Some((res, node));
            let cache_host = self
                .core
                .add_host(Host::new("cache", f64::INFINITY, 0.0, 0.0));
            let node = self.node("cache", "Cache", cache_host);
            let res = self.core.add_resource(ResourceSpec::pool(
                "cache.ops",
                "cache",
                "threads",
                cache_host,
                sc.cache_nodes.max(1),
            ));
            self.cache = Some((res, node));
        }
        let tp_host = self
            .core
            .add_host(Host::new("third party", f64::INFINITY, 0.0, 0.0));
        let node = self.node("api", "Third-party APIs", tp_host);
        let latency =
            LogNormal::from_median_p95(sc.third_party_median_ms / 1e3, sc.third_party_p95_ms / 1e3);
        let res = self.core.add_resource(
            ResourceSpec::delay(
                "api.calls",
                "api",
                "calls",
                tp_host,
                Delay::LogNormal(latency),
            )
            .errors(sc.third_party_error_rate),
        );
        self.third_party = (res, node);
        if stage >= 6 {
            let q_host = self
                .core
                .add_host(Host::new("workers", f64::INFINITY, 0.0, 0.0));
            let node = self.node("queue", "Queue + workers", q_host);
            let res = self.core.add_resource(ResourceSpec::pool(
                "queue.workers",
                "queue",
                "workers",
                q_host,
                sc.workers.max(1),
            ));
            self.queue = Some((res, node));
        }
    }

    /// Creates every edge a request can take, in a stable order, so the diagram knows them all
    /// before the first request travels.
    fn declare_edges(&mut self) {
        let users = self.users_node;
        let apps: Vec<NodeId> = self.apps.iter().map(|a| a.node).collect();
        let dbs: Vec<NodeId> = self
            .primaries
            .iter()
            .chain(&self.replicas)
            .map(|d| d.node)
            .collect();
        if let Some((_, cdn)) = self.cdn {
            self.edge(users, cdn);
            self.edge(cdn, users);
        }
        let entry = match (self.lb, self.cdn) {
            (Some((_, lb)), cdn) => {
                self.edge(users, lb);
                self.edge(lb, users);
                if let Some((_, cdn)) = cdn {
                    self.edge(cdn, lb);
                }
                for &a in &apps {
                    self.edge(lb, a);
                }
                None
            }
            (None, _) => Some(()),
        };
        for &a in &apps {
            if entry.is_some() {
                self.edge(users, a);
                self.edge(a, users);
            }
            for &d in &dbs {
                self.edge(a, d);
            }
            if let Some((_, cache)) = self.cache {
                self.edge(a, cache);
            }
            match self.queue {
                Some((_, q)) => {
                    self.edge(a, q);
                }
                None => {
                    self.edge(a, self.third_party.1);
                }
            }
        }
        if let Some((_, q)) = self.queue {
            self.edge(q, self.third_party.1);
        }
    }

    /// Places the nodes in columns, left to right as a request travels: users; CDN and load
    /// balancer; app servers; cache, queue and third-party APIs; primaries and cron; replicas.
    fn layout(&mut self) {
        let column = |id: &str| -> usize {
            match id {
                "users" => 0,
                "cdn" | "lb" => 1,
                "cache" | "queue" | "api" => 3,
                "db" | "cron" => 4,
                _ if id.starts_with("app") => 2,
                _ if id.starts_with("shard") => 4,
                _ if id.starts_with("replica") => 5,
                _ => 3,
            }
        };
        let columns = self
            .nodes
            .iter()
            .map(|n| column(&n.id))
            .max()
            .unwrap_or(0)
            .max(1);
        for c in 0..=columns {
            let members: Vec<usize> = (0..self.nodes.len())
                .filter(|&i| column(&self.nodes[i].id) == c)
                .collect();
            let k = members.len();
            for (j, &i) in members.iter().enumerate() {
                self.nodes[i].x = c as f32 / columns as f32;
                self.nodes[i].y = (j as f32 + 0.5) / k as f32;
            }
        }
    }

    /// A database's resources on `host`; `shared_cpu` makes it use cores it shares (one VM).
    fn database(
        &mut self,
        name: &str,
        label: &str,
        host: u16,
        sc: &Scenario,
        primary: bool,
        shared_cpu: Option<u16>,
    ) -> Db {
        let node = self.node(name, label, host);
        let c = &mut self.core;
        let conns = c.add_resource(
            ResourceSpec::pool(
                &format!("{name}.connections"),
                name,
                "connections",
                host,
                sc.db_max_connections,
            )
            .timeout(sc.db_pool_timeout_s, Cause::PoolTimeout)
            .memory(sc.db_mem_per_connection_mb),
        );
        let cpu = match shared_cpu {
            Some(cpu) => cpu,
            None => c.add_resource(ResourceSpec::pool(
                &format!("{name}.cpu"),
                name,
                "cores",
                host,
                sc.db_machine.vcpus,
            )),
        };
        let io = c.add_resource(ResourceSpec::pool(
            &format!("{name}.io"),
            name,
            "disk",
            host,
            sc.db_io_channels,
        ));
        let locks = if primary {
            c.add_resource(ResourceSpec::pool(
                &format!("{name}.locks"),
                name,
                "row locks",
                host,
                sc.db_lock_slots,
            ))
        } else {
            conns
        };
        Db {
            conns,
            cpu,
            io,
            locks,
            node,
        }
    }

    /// Advances simulated time to `t` (seconds), handling every event up to it.
    pub fn step_until(&mut self, t: f64) {
        while let Some((now, kind)) = self.core.events.pop_until(t) {
            self.core.now = now;
            self.core.events_handled += 1;
            match kind {
                EventKind::Arrival(0) => self.user_arrival(),
                EventKind::Arrival(_) => self.analytics_arrival(),
                EventKind::Resume { req, gen } => self.core.resume(req, gen),
                EventKind::Expire(res) => self.core.expire(res),
                EventKind::HostUp(host) => self.core.bring_up(host),
                EventKind::Tick => self.tick(),
                EventKind::Control(app) => self.deploy_step(usize::from(app)),
            }
            self.spawn_jobs();
        }
        if t > self.core.now {
            self.core.now = t;
        }
    }

    fn tick(&mut self) {
        let now = self.core.now;
        for r in &mut self.core.resources {
            r.sample(now);
        }
        // Health checks: the load balancer learns which app servers answer.
        if self.scenario.health_check_s > 0.0
            && (now / self.scenario.health_check_s).fract() < TICK_S / self.scenario.health_check_s
        {
            for (i, app) in self.apps.iter().enumerate() {
                self.balancer
                    .set_healthy(i, self.core.hosts[app.host as usize].up);
            }
        }
        if now >= self.next_cron {
            self.next_cron += self.scenario.cron_interval_s.max(1.0);
            self.start_cron();
        }
        self.next_tick = now + TICK_S;
        self.core.events.schedule(self.next_tick, EventKind::Tick);
    }

    fn start_cron(&mut self) {
        // The report hashes every user's rows: its memory follows the users (set while idle,
        // so what a run takes is what it gives back).
        let cron = &mut self.core.resources[self.cron as usize];
        if cron.busy == 0 {
            cron.spec.mem_per_busy_mb = cron_memory_mb(&self.scenario);
        }
        let sc = &self.scenario;
        let db = self.primaries[0];
        let io_s = if sc.db_indexed {
            0.05
        } else {
            sc.cron_io_ms_per_1k_users * sc.users.max(0.0) / 1e6
        };
        let mut p = Plan::new();
        p.push(Step::Hold(self.cron))
            .push(Step::Hold(db.conns))
            .push(Step::Serve {
                res: db.io,
                mean: io_s as f32,
            })
            .push(Step::Release(db.conns))
            .push(Step::Release(self.cron));
        self.core
            .start(class::CRON, 0, &p, 3_600.0, Origin::Internal);
    }

    fn analytics_arrival(&mut self) {
        if self.analytics_rate <= 0.0 {
            self.analytics_scheduled = false;
            return;
        }
        let next = self.core.now + self.core.rng.exp(1.0 / self.analytics_rate);
        self.core.events.schedule(next, EventKind::Arrival(1));
        let sc = &self.scenario;
        // Dashboards, BI and ad-hoc SQL go to a replica when there is one.
        let db = if self.replicas.is_empty() {
            self.primaries[self.core.rng.below(self.primaries.len() as u32) as usize]
        } else {
            self.replica_next = (self.replica_next + 1) % self.replicas.len();
            self.replicas[self.replica_next]
        };
        let mut p = Plan::new();
        p.push(Step::Hold(db.conns))
            .push(Step::Serve {
                res: db.cpu,
                mean: (sc.analytics_cpu_ms / 1e3) as f32,
            })
            .push(Step::Serve {
                res: db.io,
                mean: (sc.analytics_io_ms / 1e3) as f32,
            })
            .push(Step::Release(db.conns));
        self.core
            .start(class::ANALYTICS, 0, &p, 600.0, Origin::Internal);
    }

    fn spawn_jobs(&mut self) {
        while self.core.jobs_to_spawn > 0 {
            self.core.jobs_to_spawn -= 1;
            let Some((workers, qnode)) = self.queue else {
                continue;
            };
            let (api, api_node) = self.third_party;
            let mut p = Plan::new();
            p.push(Step::Hold(workers));
            let e = self.edge(qnode, api_node);
            p.push(Step::Travel {
                edge: e,
                secs: HOP_S,
            })
            .push(Step::Visit(api))
            .push(Step::Release(workers));
            let timeout = self.scenario.job_timeout_s;
            self.core.start(class::JOB, 0, &p, timeout, Origin::Job);
        }
    }

    fn pick_app(&mut self) -> usize {
        let (apps, core) = (&self.apps, &self.core);
        self.balancer.pick(|i| core.present(apps[i].threads))
    }

    fn user_arrival(&mut self) {
        if self.user_rate <= 0.0 {
            self.arrivals_scheduled = false;
            return;
        }
        let next = self.core.now + self.core.rng.exp(1.0 / self.user_rate);
        self.core.events.schedule(next, EventKind::Arrival(0));
        let sc = Rc::clone(&self.scenario);
        self.plan_user_request(&sc);
    }

    fn plan_user_request(&mut self, sc: &Scenario) {
        let (u, v) = (self.core.rng.uniform(), self.core.rng.uniform());
        let class = match self.mix.pick(u, v) {
            Kind::Static => class::STATIC,
            Kind::Read => class::READ,
            Kind::Write => class::WRITE,
            Kind::ThirdParty => class::THIRD_PARTY,
            Kind::Deferred => class::DEFERRED,
        };
        let key = self.keys.sample(&mut self.core.rng);
        let mut p = Plan::new();
        let users = self.users_node;

        if class == class::STATIC {
            if let Some((cdn, cdn_node)) = self.cdn {
                let e = self.edge(users, cdn_node);
                p.push(Step::Travel {
                    edge: e,
                    secs: (sc.cdn_edge_ms / 1e3) as f32,
                })
                .push(Step::Visit(cdn));
                let hit = self.core.rng.chance(sc.cdn_hit);
                if !hit {
                    self.origin_static(&mut p, cdn_node);
                }
                let e = self.edge(cdn_node, users);
                p.push(Step::Travel {
                    edge: e,
                    secs: (sc.cdn_edge_ms / 1e3) as f32,
                });
            } else {
                self.origin_static(&mut p, users);
                let entry = self.lb.map_or(self.apps[0].node, |(_, n)| n);
                let e = self.edge(entry, users);
                p.push(Step::Travel {
                    edge: e,
                    secs: INTERNET_S,
                });
            }
            self.core
                .start(class, key, &p, sc.request_timeout_s, Origin::User);
            return;
        }

        let app = self.enter_app(&mut p, users);
        let half_cpu = (self.app_cpu_s / 2.0) as f32;
        p.push(Step::Hold(app.threads)).push(Step::Serve {
            res: app.cpu,
            mean: half_cpu,
        });

        // Reads: the page's queries, through the cache when there is one.
        let queries = if class == class::WRITE {
            1
        } else {
            sc.queries_per_request.max(1)
        };
        let mut misses = 0u32;
        if let Some((cache, cache_node)) = self.cache {
            for q in 0..queries {
                let k = if q == 0 {
                    key
                } else {
                    self.keys.sample(&mut self.core.rng)
                };
                if !self.cache_keys.read(k) {
                    misses += 1;
                }
            }
            let e = self.edge(app.node, cache_node);
            p.push(Step::Travel {
                edge: e,
                secs: HOP_S,
            })
            .push(Step::Serve {
                res: cache,
                mean: (sc.cache_op_ms * f64::from(queries) / 1e3) as f32,
            });
        } else {
            misses = queries;
        }
        if class != class::WRITE && misses > 0 {
            self.read_path(&mut p, app, key, misses, sc);
        }
        if class == class::WRITE {
            self.write_path(&mut p, app, key, sc);
        }
        let (api, api_node) = self.third_party;
        if class == class::THIRD_PARTY || class == class::DEFERRED {
            if let Some((_, qnode)) = self.queue {
                let e = self.edge(app.node, qnode);
                p.push(Step::Travel {
                    edge: e,
                    secs: HOP_S,
                })
                .push(Step::Mark(Mark::Enqueue));
            } else {
                let e = self.edge(app.node, api_node);
                p.push(Step::Travel {
                    edge: e,
                    secs: HOP_S,
                })
                .push(Step::Visit(api));
            }
        }
        p.push(Step::Serve {
            res: app.cpu,
            mean: half_cpu,
        })
        .push(Step::Release(app.threads));
        let exit = self.lb.map_or(app.node, |(_, n)| n);
        let e = self.edge(exit, users);
        p.push(Step::Travel {
            edge: e,
            secs: INTERNET_S,
        });
        self.core
            .start(class, key, &p, sc.request_timeout_s, Origin::User);
    }

    /// From `from` to an app server, through the load balancer when there is one.
    fn enter_app(&mut self, p: &mut Plan, from: NodeId) -> App {
        let i = self.pick_app();
        let app = self.apps[i];
        if let Some((lb, lb_node)) = self.lb {
            let e = self.edge(from, lb_node);
            p.push(Step::Travel {
                edge: e,
                secs: INTERNET_S,
            })
            .push(Step::Visit(lb));
            let e = self.edge(lb_node, app.node);
            p.push(Step::Travel {
                edge: e,
                secs: HOP_S,
            });
        } else {
            let e = self.edge(from, app.node);
            p.push(Step::Travel {
                edge: e,
                secs: INTERNET_S,
            });
        }
        app
    }

    /// A static file served by an app server's web server, reached from `from`.
    fn origin_static(&mut self, p: &mut Plan, from: NodeId) {
        let app = self.enter_app(p, from);
        p.push(Step::Serve {
            res: app.cpu,
            mean: (self.scenario.static_cpu_ms / 1e3) as f32,
        });
    }

    fn read_path(&mut self, p: &mut Plan, app: App, key: u32, queries: u32, sc: &Scenario) {
        let (db, replica) = if self.replicas.is_empty() {
            (self.primaries[self.router.route(key)], None)
        } else {
            self.replica_next = (self.replica_next + 1) % self.replicas.len();
            (
                self.replicas[self.replica_next],
                Some(self.replica_next as u16),
            )
        };
        let scan = if sc.db_indexed {
            0.0
        } else {
            sc.db_scan_cpu_ms_per_1k_users * sc.users.max(0.0) / 1_000.0
        };
        let cpu_ms = sc.db_query_cpu_ms * f64::from(queries) + scan;
        let e = self.edge(app.node, db.node);
        p.push(Step::Travel {
            edge: e,
            secs: HOP_S,
        })
        .push(Step::Hold(db.conns))
        .push(Step::Serve {
            res: db.cpu,
            mean: (cpu_ms / 1e3) as f32,
        });
        if self.core.rng.chance(sc.db_read_miss) {
            p.push(Step::Serve {
                res: db.io,
                mean: (sc.db_read_io_ms / 1e3) as f32,
            });
        }
        if let Some(r) = replica {
            p.push(Step::Mark(Mark::ReplicaRead(r)));
        }
        p.push(Step::Release(db.conns));
    }

    fn write_path(&mut self, p: &mut Plan, app: App, key: u32, sc: &Scenario) {
        let first = self.router.route(key);
        let cross = self.primaries.len() > 1 && self.core.rng.chance(sc.cross_shard_share);
        self.cache_keys.invalidate(key);
        self.write_on(p, app, self.primaries[first], sc);
        if cross {
            let other = (first + 1 + self.core.rng.below(self.primaries.len() as u32 - 1) as usize)
                % self.primaries.len();
            p.push(Step::Mark(Mark::FirstShardCommitted));
            self.write_on(p, app, self.primaries[other], sc);
            p.push(Step::Mark(Mark::CrossShardCommitted));
        }
    }

    fn write_on(&mut self, p: &mut Plan, app: App, db: Db, sc: &Scenario) {
        let e = self.edge(app.node, db.node);
        p.push(Step::Travel {
            edge: e,
            secs: HOP_S,
        })
        .push(Step::Hold(db.conns))
        .push(Step::Hold(db.locks))
        .push(Step::Serve {
            res: db.cpu,
            mean: (sc.db_query_cpu_ms / 1e3) as f32,
        })
        .push(Step::Serve {
            res: db.io,
            mean: (sc.db_write_io_ms / 1e3) as f32,
        })
        .push(Step::Mark(Mark::Write))
        .push(Step::Release(db.locks))
        .push(Step::Release(db.conns));
    }

    /// Changes the number of users without restarting the system: the arrival rates, the data
    /// the unindexed queries scan and the cron report's memory follow at once (the report's
    /// memory from its next run).
    pub fn set_users(&mut self, users: f64) {
        let users = if users.is_finite() {
            users.max(0.0)
        } else {
            0.0
        };
        let sc = Rc::make_mut(&mut self.scenario);
        sc.users = users;
        self.analytics_rate = sc.analytics_per_s_per_100k_users * users / 100_000.0;
        let multiplier = if self.base_rate > 0.0 {
            self.user_rate / self.base_rate
        } else {
            1.0
        };
        self.base_rate = sc.peak_rps();
        let rate = self.base_rate * multiplier;
        self.set_user_rate(rate);
        if self.analytics_rate > 0.0 && !self.analytics_scheduled {
            self.analytics_scheduled = true;
            let t = self.core.now + self.core.rng.exp(1.0 / self.analytics_rate);
            self.core.events.schedule(t, EventKind::Arrival(1));
        }
    }

    /// Changes the cache's hit rate for reads (0 to 1) without restarting: the hottest keys
    /// that make up that share of reads are the ones the cache keeps. No effect without a cache.
    pub fn set_cache_hit(&mut self, hit: f64) {
        let hit = if hit.is_finite() {
            hit.clamp(0.0, 1.0)
        } else {
            0.0
        };
        Rc::make_mut(&mut self.scenario).cache_hit = hit;
        let hot = self.hot_keys_for(hit);
        self.cache_keys = HotKeyCache::new(self.scenario.keys.max(1), hot);
    }

    /// Changes the share of dynamic requests that write (0 to 1) without restarting.
    pub fn set_write_share(&mut self, share: f64) {
        let share = if share.is_finite() {
            share.clamp(0.0, 1.0)
        } else {
            0.0
        };
        Rc::make_mut(&mut self.scenario).write_share = share;
        self.mix.write_share = share;
    }

    /// Changes the third-party API's median latency without restarting; its 95th percentile
    /// keeps the scenario's ratio to the median (a long tail stays a long tail).
    pub fn set_third_party_median(&mut self, median_ms: f64) {
        let median_ms = if median_ms.is_finite() {
            median_ms.max(1.0)
        } else {
            1.0
        };
        let sc = Rc::make_mut(&mut self.scenario);
        let ratio = (sc.third_party_p95_ms / sc.third_party_median_ms.max(1e-9)).max(1.0);
        sc.third_party_median_ms = median_ms;
        sc.third_party_p95_ms = median_ms * ratio;
        self.inject(Fault::SlowThirdParty {
            median_ms,
            p95_ms: median_ms * ratio,
        });
    }

    fn set_user_rate(&mut self, rate: f64) {
        self.user_rate = rate.max(0.0);
        if self.user_rate > 0.0 && !self.arrivals_scheduled {
            self.arrivals_scheduled = true;
            let t = self.core.now + self.core.rng.exp(1.0 / self.user_rate);
            self.core.events.schedule(t, EventKind::Arrival(0));
        }
    }

    /// Injects a fault now. See [`Fault`].
    pub fn inject(&mut self, fault: Fault) {
        match fault {
            Fault::CrashApp(i) => {
                if let Some(app) = self.apps.get(i) {
                    self.core.take_down(app.host, false);
                    self.core.drain_ready();
                }
            }
            Fault::RollingDeploy => self.deploy_step(0),
            Fault::SlowThirdParty { median_ms, p95_ms } => {
                let ln = LogNormal::from_median_p95(median_ms / 1e3, p95_ms / 1e3);
                let res = &mut self.core.resources[self.third_party.0 as usize];
                res.spec.kind = crate::resource::Kind::Delay(Delay::LogNormal(ln));
            }
            Fault::TrafficMultiplier(k) => self.set_user_rate(self.base_rate * k.max(0.0)),
            Fault::ReplicaLag { extra_ms } => {
                for r in &mut self.core.replicas {
                    r.extra_s = extra_ms.max(0.0) / 1e3;
                }
            }
        }
    }

    /// One step of a rolling deploy. The balancer stops sending new requests to app server `i`
    /// (draining), [`DRAIN_S`] later it restarts, and once it is back and has passed a health
    /// check the next one goes. With one app server there is nowhere else to send requests:
    /// the deploy is an outage.
    fn deploy_step(&mut self, code: usize) {
        let (i, restart_now) = (code & 0x7fff, code & 0x8000 != 0);
        if !restart_now {
            // The previous instance is back and healthy: it takes requests again.
            for j in 0..i.min(self.apps.len()) {
                self.balancer.set_draining(j, false);
            }
        }
        let Some(app) = self.apps.get(i).copied() else {
            return;
        };
        if self.apps.len() > 1 && !restart_now {
            self.balancer.set_draining(i, true);
            self.core.events.schedule(
                self.core.now + DRAIN_S,
                EventKind::Control((i | 0x8000) as u16),
            );
            return;
        }
        self.core.take_down(app.host, false);
        self.core.drain_ready();
        let back = self.core.now + self.scenario.app_restart_s + self.scenario.health_check_s;
        if self.apps.len() > 1 {
            self.core
                .events
                .schedule(back, EventKind::Control((i + 1) as u16));
        }
    }

    /// Slow work goes through a queue and workers.
    pub fn has_queue(&self) -> bool {
        self.queue.is_some()
    }

    /// Up to `max` requests on the wire, for the animation.
    pub fn in_flight(&self, max: usize, out: &mut Vec<InFlight>) {
        self.core.travellers(max, out);
    }

    /// Everything measured since the statistics were last reset, with Erlang C beside it.
    pub fn report(&mut self) -> Report {
        let now = self.core.now;
        let span = (now - self.core.stats_since).max(1e-9);
        let nodes = (0..self.core.resources.len())
            .map(|i| self.node_report(i, span))
            .collect();
        let t = &self.core.totals;
        let finished = t.completed + t.failed_total();
        let mut errors = serde_json::Map::new();
        for c in CAUSES {
            let n = t.failed[c.index()];
            errors.insert(c.code().to_owned(), serde_json::json!(n));
        }
        let hosts = self
            .core
            .hosts
            .iter()
            .filter(|h| h.mem_capacity_mb.is_finite())
            .map(|h| HostReport {
                name: h.name.clone(),
                up: h.up,
                memory_used_mb: h.mem_used_mb,
                memory_peak_mb: h.mem_peak_mb,
                memory_capacity_mb: h.mem_capacity_mb,
                oom_kills: h.oom_kills,
                outages: h.outages,
                down_s: h.downtime(now),
            })
            .collect();
        let queue = self.queue.map(|(res, _)| QueueReport {
            depth: self.core.resources[res as usize].waiting,
            oldest_age_s: self.core.oldest_wait(res),
            enqueued: t.jobs_enqueued,
            done: t.jobs_done,
            retries: t.job_retries,
            dead_letters: t.dead_letters,
        });
        let replica_lag_ms = self
            .core
            .replicas
            .iter_mut()
            .map(|r| r.lag(now) * 1e3)
            .collect();
        let t = &self.core.totals;
        Report {
            stage: self.scenario.stage,
            users: self.scenario.users,
            offered_rps: self.user_rate,
            simulated_s: span,
            arrivals: t.arrivals,
            completed: t.completed,
            failed: t.failed_total(),
            in_flight: self.core.live_user_requests(),
            throughput_rps: t.completed as f64 / span,
            p50_ms: t.latency.quantile(0.50) * 1e3,
            p95_ms: t.latency.quantile(0.95) * 1e3,
            p99_ms: t.latency.quantile(0.99) * 1e3,
            mean_ms: t.latency.mean() * 1e3,
            mean_in_flight: t.mean_user_present(now, self.core.stats_since),
            error_rate: ratio(t.failed_total(), finished),
            errors,
            stale_read_rate: ratio(t.stale_reads, t.replica_reads),
            stale_reads: t.stale_reads,
            replica_reads: t.replica_reads,
            replica_lag_ms,
            cross_shard_transactions: t.cross_shard,
            partial_commits: t.partial_commits,
            queue,
            hosts,
            nodes,
            events: self.core.events_handled,
        }
    }

    fn node_report(&mut self, i: usize, span: f64) -> NodeReport {
        let now = self.core.now;
        let r = &mut self.core.resources[i];
        r.integrate(now);
        let c = r.counts;
        let servers = if r.is_delay() { 0 } else { r.spec.servers };
        let busy_avg = r.integrals.busy / span;
        let lambda = c.arrivals as f64 / span;
        let mean_service = if c.services > 0 {
            c.service_sum / c.services as f64
        } else {
            0.0
        };
        let theory = if servers > 0 && mean_service > 0.0 {
            let p = erlang::mmc(lambda, 1.0 / mean_service, servers);
            Some(Theory {
                utilization: p.utilization,
                prob_wait: p.prob_wait,
                mean_wait_ms: p.mean_wait_s.map(|w| w * 1e3),
            })
        } else {
            None
        };
        let mut errors = serde_json::Map::new();
        for cause in CAUSES {
            let n = c.errors[cause.index()];
            if n > 0 {
                errors.insert(cause.code().to_owned(), serde_json::json!(n));
            }
        }
        NodeReport {
            id: r.spec.id.clone(),
            node: r.spec.node.clone(),
            role: r.spec.role,
            arrivals_per_s: lambda,
            completions_per_s: c.completed as f64 / span,
            utilization: if servers > 0 {
                (busy_avg / f64::from(servers)).clamp(0.0, 1.0)
            } else {
                0.0
            },
            busy: r.busy,
            servers,
            queue_len: r.waiting,
            mean_queue_len: r.integrals.queue / span,
            mean_present: r.integrals.present / span,
            arrivals: c.arrivals,
            completed: c.completed,
            failed: c.failed,
            present: r.present(),
            mean_wait_ms: if c.waits > 0 {
                c.wait_sum / c.waits as f64 * 1e3
            } else {
                0.0
            },
            mean_ms: r.sojourn.mean() * 1e3,
            p50_ms: r.sojourn.quantile(0.50) * 1e3,
            p95_ms: r.sojourn.quantile(0.95) * 1e3,
            p99_ms: r.sojourn.quantile(0.99) * 1e3,
            errors,
            theory,
        }
    }
}

/// Memory the cron report takes while it runs, MB: it hashes every user's rows, unless an
/// index lets it stream them.
fn cron_memory_mb(sc: &Scenario) -> f64 {
    if sc.db_indexed {
        256.0
    } else {
        sc.cron_mem_per_1k_users_mb * sc.users.max(0.0) / 1_000.0
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// What a run measured, since the statistics were last reset.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Stage number.
    pub stage: u8,
    /// Daily active users.
    pub users: f64,
    /// Offered load at the peak hour, requests per second.
    pub offered_rps: f64,
    /// Simulated seconds measured.
    pub simulated_s: f64,
    /// User requests that arrived.
    pub arrivals: u64,
    /// User requests answered well.
    pub completed: u64,
    /// User requests that failed.
    pub failed: u64,
    /// User requests still in progress.
    pub in_flight: u64,
    /// Good responses per second.
    pub throughput_rps: f64,
    /// Median response time (good and failed), ms.
    pub p50_ms: f64,
    /// 95th percentile response time, ms.
    pub p95_ms: f64,
    /// 99th percentile response time, ms.
    pub p99_ms: f64,
    /// Mean response time, ms.
    pub mean_ms: f64,
    /// Time-average user requests in progress (L in Little's law, end to end).
    pub mean_in_flight: f64,
    /// Failed / finished.
    pub error_rate: f64,
    /// Failed requests by cause.
    pub errors: serde_json::Map<String, serde_json::Value>,
    /// Stale reads / replica reads.
    pub stale_read_rate: f64,
    /// Reads from a replica that returned an older value than the latest write.
    pub stale_reads: u64,
    /// Reads served by replicas.
    pub replica_reads: u64,
    /// Each replica's lag at the end, ms.
    pub replica_lag_ms: Vec<f64>,
    /// Cross-shard transactions finished.
    pub cross_shard_transactions: u64,
    /// Of those, committed on one shard and failed on the other.
    pub partial_commits: u64,
    /// The job queue, when there is one.
    pub queue: Option<QueueReport>,
    /// Machines with a memory limit.
    pub hosts: Vec<HostReport>,
    /// Every resource.
    pub nodes: Vec<NodeReport>,
    /// Events handled.
    pub events: u64,
}

/// A queue's state and counts.
#[derive(Debug, Clone, Serialize)]
pub struct QueueReport {
    /// Jobs waiting for a worker.
    pub depth: u32,
    /// How long the oldest waiting job has waited, seconds.
    pub oldest_age_s: f64,
    /// Jobs enqueued.
    pub enqueued: u64,
    /// Jobs done.
    pub done: u64,
    /// Retries after a failed attempt.
    pub retries: u64,
    /// Jobs dead-lettered.
    pub dead_letters: u64,
}

/// A machine's memory and outages.
#[derive(Debug, Clone, Serialize)]
pub struct HostReport {
    /// Its name.
    pub name: String,
    /// Up now.
    pub up: bool,
    /// Memory in use now, MB.
    pub memory_used_mb: f64,
    /// Highest memory use, MB.
    pub memory_peak_mb: f64,
    /// Memory it has, MB.
    pub memory_capacity_mb: f64,
    /// OOM kills.
    pub oom_kills: u64,
    /// Times it went down.
    pub outages: u64,
    /// Seconds down.
    pub down_s: f64,
}

/// One resource's measurements beside Erlang C's prediction.
#[derive(Debug, Clone, Serialize)]
pub struct NodeReport {
    /// Resource id.
    pub id: String,
    /// Diagram node.
    pub node: String,
    /// What its servers are.
    pub role: &'static str,
    /// Arrivals per second.
    pub arrivals_per_s: f64,
    /// Normal departures per second.
    pub completions_per_s: f64,
    /// Time-average busy servers / servers.
    pub utilization: f64,
    /// Busy servers now.
    pub busy: u32,
    /// Servers.
    pub servers: u32,
    /// Waiting now.
    pub queue_len: u32,
    /// Time-average queue length.
    pub mean_queue_len: f64,
    /// Time-average requests present (L in Little's law).
    pub mean_present: f64,
    /// Arrivals counted.
    pub arrivals: u64,
    /// Left normally.
    pub completed: u64,
    /// Left because they failed.
    pub failed: u64,
    /// Present now.
    pub present: u32,
    /// Mean wait in the queue, ms.
    pub mean_wait_ms: f64,
    /// Mean time here (W in Little's law), ms.
    pub mean_ms: f64,
    /// Median time here, ms.
    pub p50_ms: f64,
    /// 95th percentile time here, ms.
    pub p95_ms: f64,
    /// 99th percentile time here, ms.
    pub p99_ms: f64,
    /// Failures that started here, by cause.
    pub errors: serde_json::Map<String, serde_json::Value>,
    /// Erlang C from the measured arrival rate, mean service time and servers.
    pub theory: Option<Theory>,
}

/// Erlang C's prediction for a resource.
#[derive(Debug, Clone, Serialize)]
pub struct Theory {
    /// Predicted utilization.
    pub utilization: f64,
    /// Probability of waiting.
    pub prob_wait: f64,
    /// Mean wait, ms (null when the load exceeds capacity).
    pub mean_wait_ms: Option<f64>,
}

/// Simulated seconds run and discarded before measuring, so queues start near steady state.
pub const WARMUP_S: f64 = 30.0;

/// A whole stage run: what was measured, which failure that shows, and what it costs.
#[derive(Debug, Clone, Serialize)]
pub struct StageRun {
    /// The RNG seed.
    pub seed: u64,
    /// Simulated seconds measured (after the warm-up).
    pub duration_s: f64,
    /// Simulated seconds discarded first.
    pub warmup_s: f64,
    /// The failure code the measurements show, or null.
    pub failure: Option<&'static str>,
    /// Monthly cost of the simulated system, USD.
    pub cost_monthly_usd: f64,
    /// Cost per component and per unit of use.
    pub cost: crate::cost::Cost,
    /// Wall-clock seconds the run took (0 unless the caller measures it).
    pub wall_s: f64,
    /// The measurements.
    #[serde(flatten)]
    pub report: Report,
}

/// Runs `sc` with `seed`: a warm-up of [`WARMUP_S`], then `duration_s` measured.
pub fn run_stage(sc: &Scenario, seed: u64, duration_s: f64) -> StageRun {
    let mut sim = Sim::new(sc, seed);
    sim.step_until(WARMUP_S);
    sim.core.reset_stats();
    sim.step_until(WARMUP_S + duration_s);
    let report = sim.report();
    let cost = crate::cost::monthly(sc);
    StageRun {
        seed,
        duration_s,
        warmup_s: WARMUP_S,
        failure: crate::failure::detect(sc, &report),
        cost_monthly_usd: cost.monthly_usd,
        cost,
        wall_s: 0.0,
        report,
    }
}

/// A 64-bit FNV-1a hash of a run's JSON (with `wall_s` zeroed): equal on every platform for
/// the same scenario and seed, which the native and browser tests both check.
pub fn fingerprint(run: &StageRun) -> u64 {
    let mut run = run.clone();
    run.wall_s = 0.0;
    let json = serde_json::to_string(&run).unwrap_or_default();
    json.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors_in(sim: &mut Sim, from: f64, to: f64) -> u64 {
        sim.step_until(from);
        sim.core.reset_stats();
        sim.step_until(to);
        sim.report().failed
    }

    #[test]
    fn a_deploy_on_one_box_is_an_outage_and_a_rolling_deploy_behind_a_balancer_is_not() {
        let mut one = Sim::new(&Scenario::for_stage(3, 5_000.0), 1);
        one.step_until(20.0);
        one.inject(Fault::RollingDeploy);
        let down = errors_in(&mut one, 20.0, 40.0);
        assert!(down > 100, "{down} errors during a single-box deploy");

        let mut lb = Sim::new(&Scenario::for_stage(4, 5_000.0), 1);
        lb.step_until(20.0);
        lb.inject(Fault::RollingDeploy);
        let r = {
            lb.step_until(20.0);
            lb.core.reset_stats();
            lb.step_until(200.0);
            lb.report()
        };
        let deploy_errors = r.errors["down"].as_u64().unwrap();
        // Each instance is drained before it restarts: nothing is lost but the odd request
        // still running past the drain (a slow third-party call).
        assert!(
            (r.failed as f64) < 0.01 * r.arrivals as f64,
            "{} of {}",
            r.failed,
            r.arrivals
        );
        assert!(
            deploy_errors < 20,
            "{deploy_errors} requests hit a restarting instance"
        );
        // A crash is not drained: the balancer keeps sending until a health check notices.
        let mut crash = Sim::new(&Scenario::for_stage(4, 5_000.0), 1);
        crash.step_until(20.0);
        crash.inject(Fault::CrashApp(1));
        let lost = errors_in(&mut crash, 20.0, 40.0);
        assert!(lost > 20, "{lost}");
    }

    #[test]
    fn every_node_has_a_place_in_the_diagram_and_requests_flow_left_to_right_first() {
        for stage in 1..=7 {
            let sim = Sim::new(&Scenario::for_stage(stage, 1_000.0), 1);
            let nodes = sim.nodes();
            for n in nodes {
                assert!(
                    (0.0..=1.0).contains(&n.x) && (0.0..=1.0).contains(&n.y),
                    "{n:?}"
                );
            }
            let users = nodes.iter().find(|n| n.id == "users").unwrap();
            assert_eq!(users.x, 0.0);
            for (i, a) in nodes.iter().enumerate() {
                for b in &nodes[i + 1..] {
                    assert!(
                        (a.x, a.y) != (b.x, b.y),
                        "stage {stage}: {} and {} overlap",
                        a.id,
                        b.id
                    );
                }
            }
        }
    }

    #[test]
    fn every_edge_a_request_takes_is_declared_up_front() {
        for stage in 1..=7 {
            let mut sim = Sim::new(&Scenario::for_stage(stage, 50_000.0), 1);
            let declared = sim.edges().len();
            sim.step_until(30.0);
            assert_eq!(
                sim.edges().len(),
                declared,
                "stage {stage}: {:?}",
                &sim.edges()[declared..]
            );
        }
    }

    #[test]
    fn changing_the_users_changes_the_load_without_a_restart() {
        let mut sim = Sim::new(&Scenario::for_stage(4, 10_000.0), 2);
        sim.step_until(20.0);
        sim.set_users(100_000.0);
        sim.core.reset_stats();
        sim.step_until(40.0);
        let r = sim.report();
        let expected = Scenario::for_stage(4, 100_000.0).peak_rps();
        assert!((r.arrivals as f64 / 20.0 / expected - 1.0).abs() < 0.05);
        sim.set_users(0.0);
        sim.step_until(41.0);
        sim.core.reset_stats();
        sim.step_until(60.0);
        assert_eq!(sim.report().arrivals, 0);
        sim.set_users(1_000.0);
        sim.step_until(90.0);
        assert!(sim.report().arrivals > 0, "arrivals start again");
    }

    #[test]
    fn faults_change_what_is_measured() {
        let base = |f: Option<Fault>| {
            let mut sim = Sim::new(&Scenario::for_stage(7, 100_000.0), 4);
            sim.step_until(10.0);
            if let Some(f) = f {
                sim.inject(f);
            }
            sim.core.reset_stats();
            sim.step_until(60.0);
            sim.report()
        };
        let normal = base(None);
        let spike = base(Some(Fault::TrafficMultiplier(10.0)));
        assert!(spike.arrivals > 8 * normal.arrivals);
        let lag = base(Some(Fault::ReplicaLag { extra_ms: 500.0 }));
        assert!(lag.stale_read_rate > 5.0 * normal.stale_read_rate.max(1e-4));
        let mut five = Sim::new(&Scenario::for_stage(5, 200_000.0), 4);
        five.inject(Fault::SlowThirdParty {
            median_ms: 3_000.0,
            p95_ms: 20_000.0,
        });
        five.step_until(60.0);
        assert!(five.report().errors["timeout"].as_u64().unwrap() > 0);
    }
}
