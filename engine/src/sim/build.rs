//! Building the system a topology calls for: its parts, their machines and resources, and
//! every edge a request can take.

use crate::calibration::DB_HOST_OS_MB;
use crate::core::{Host, NONE};
use crate::models::{LoadBalancer, ReplicaLag, ShardRouter};
use crate::parts::{PartId, ResourceId, Role, Tier};
use crate::resource::{Cause, Delay, ResourceSpec};
use crate::rng::LogNormal;

use super::hooks::Replica;
use super::{class, App, Db, EdgeInfo, NodeId, PartInfo, Sim};

/// Statistics groups: identical servers (every app server's threads, every shard's disk)
/// share one time histogram.
fn group_of(id: ResourceId) -> (Tier, Role) {
    (id.part.tier, id.role)
}

impl Sim {
    fn part(&mut self, id: PartId, host: Option<u16>) -> NodeId {
        let name = self.topology.name(id);
        self.parts.push(PartInfo { id, name, host });
        (self.parts.len() - 1) as NodeId
    }

    /// Adds a machine with `capacity_mb` of memory, `base_mb` of it always in use, that takes
    /// `restart_s` to come back when it goes down.
    fn machine(&mut self, name: &str, capacity_mb: f64, base_mb: f64, restart_s: f64) -> u16 {
        let host = self.core.add_host(Host::new(name, restart_s));
        self.core.hooks_mut().add_memory(host, capacity_mb, base_mb);
        host
    }

    /// Adds a resource, in the statistics group of its kind.
    fn resource(&mut self, spec: ResourceSpec) -> u16 {
        let key = group_of(spec.id);
        let group = self
            .resource_ids
            .iter()
            .zip(self.core.resources())
            .find(|(id, _)| group_of(**id) == key)
            .map(|(_, r)| r.spec.group);
        let group = match group {
            Some(g) => g,
            None => self.core.add_group(),
        };
        self.resource_ids.push(spec.id);
        self.core.add_resource(ResourceSpec { group, ..spec })
    }

    /// Declares the edge from `from` to `to` (once) and returns its number.
    pub(super) fn edge(&mut self, from: NodeId, to: NodeId) -> u16 {
        let n = self.parts.len();
        if self.edge_table.len() != n * n {
            let mut table = vec![NONE; n * n];
            for (i, e) in self.edges.iter().enumerate() {
                let f = self.parts.iter().position(|p| p.id == e.from).unwrap_or(0);
                let t = self.parts.iter().position(|p| p.id == e.to).unwrap_or(0);
                table[f * n + t] = i as u16;
            }
            self.edge_table = table;
        }
        let slot = &mut self.edge_table[from as usize * n + to as usize];
        if *slot == NONE {
            *slot = self.edges.len() as u16;
            let (from, to) = (self.parts[from as usize].id, self.parts[to as usize].id);
            // An app server reaches a shard's primary or replicas through the router.
            let routed =
                from.tier == Tier::App && matches!(to.tier, Tier::Database | Tier::Replica);
            let via = self
                .router_node
                .filter(|_| routed)
                .map(|r| self.parts[usize::from(r)].id);
            self.edges.push(EdgeInfo { from, to, via });
        }
        *slot
    }

    /// The parts, machines and resources of the topology.
    pub(super) fn build(&mut self) {
        let sc = std::rc::Rc::clone(&self.scenario);
        let t = self.topology;
        let internet = self.machine("internet", f64::INFINITY, 0.0, 0.0);
        self.users_node = self.part(PartId::first(Tier::Users), None);
        self.analysts_node = self.part(PartId::first(Tier::Analysts), None);

        // On one VM, web, app, database and cron share its memory and its cores; it restarts
        // as a whole, as fast as an app server does.
        let vm = t.shared_vm.then(|| {
            let base = sc.os_base_mem_mb + sc.db_buffers_share * sc.app_machine.memory_mb;
            self.machine("vm", sc.app_machine.memory_mb, base, sc.app_restart_s)
        });

        for i in 0..t.app_servers {
            let id = PartId::new(Tier::App, i);
            let host = vm.unwrap_or_else(|| {
                self.machine(
                    &format!("{id} host"),
                    sc.app_machine.memory_mb,
                    sc.os_base_mem_mb,
                    sc.app_restart_s,
                )
            });
            let node = self.part(id, Some(host));
            let threads = self.resource(
                ResourceSpec::pool(
                    ResourceId::new(id, Role::Threads),
                    host,
                    sc.app_threads_per_vcpu * sc.app_machine.vcpus,
                )
                .queue(sc.app_queue)
                .timeout(sc.request_timeout_s, Cause::Timeout),
            );
            self.core
                .hooks_mut()
                .set_memory(threads, sc.app_mem_per_request_mb);
            let cpu = self.resource(ResourceSpec::pool(
                ResourceId::new(id, Role::Cores),
                host,
                sc.app_machine.vcpus,
            ));
            self.apps.push(App {
                host,
                threads,
                cpu,
                node,
            });
        }
        self.balancer = LoadBalancer::new(sc.lb_policy, self.apps.len());

        self.router = ShardRouter::new(sc.shard_strategy, u32::from(t.shards), sc.keys);
        for s in 0..t.shards {
            let id = PartId::new(Tier::Database, s);
            let host = vm.unwrap_or_else(|| self.database_host(&format!("{id} host")));
            // On one VM the database shares the VM's cores with the web server and the app.
            let shared_cpu = vm.map(|_| self.apps[0].cpu);
            let db = self.database(id, host, true, shared_cpu);
            self.primaries.push(db);
        }
        for s in 0..t.shards {
            let mut shard = Vec::new();
            let mut lags = Vec::new();
            for r in 0..t.replicas_per_shard {
                let id = PartId::replica(s, r);
                let host = self.database_host(&format!("{id} host"));
                shard.push(self.database(id, host, false, None));
                lags.push(self.core.hooks_mut().add_replica(Replica {
                    shard: s,
                    lag: ReplicaLag::new(sc.replica_base_lag_ms / 1e3, sc.replica_apply_ms / 1e3),
                }));
            }
            self.replicas.push(shard);
            self.replica_lags.push(lags);
        }
        self.replica_next = vec![0; usize::from(t.shards)];

        // The cron report runs against the (first) primary and takes memory on its host.
        let db0_host = self.core.resources()[self.primaries[0].conns as usize]
            .spec
            .host;
        let cron = PartId::first(Tier::Cron);
        self.cron = self.resource(ResourceSpec::pool(
            ResourceId::new(cron, Role::Runs),
            db0_host,
            1,
        ));
        let memory = self.cron_memory_mb();
        self.core.hooks_mut().set_memory(self.cron, memory);
        self.cron_node = self.part(cron, Some(db0_host));

        if t.load_balancer {
            let id = PartId::first(Tier::LoadBalancer);
            let host = self.machine("load balancer", f64::INFINITY, 0.0, 0.0);
            let node = self.part(id, Some(host));
            let res = self.resource(ResourceSpec::delay(
                ResourceId::new(id, Role::Requests),
                host,
                Delay::Fixed(0.0),
            ));
            self.lb = Some((res, node));
        }
        if t.cdn {
            let id = PartId::first(Tier::Cdn);
            let host = self.machine("cdn", f64::INFINITY, 0.0, 0.0);
            let node = self.part(id, Some(host));
            let res = self.resource(ResourceSpec::delay(
                ResourceId::new(id, Role::Requests),
                host,
                Delay::Fixed(0.0),
            ));
            self.cdn = Some((res, node));
        }
        if t.cache {
            let id = PartId::first(Tier::Cache);
            let host = self.machine("cache", f64::INFINITY, 0.0, 0.0);
            let node = self.part(id, Some(host));
            let res = self.resource(ResourceSpec::pool(
                ResourceId::new(id, Role::Operations),
                host,
                t.cache_nodes.max(1),
            ));
            self.cache = Some((res, node));
        }
        // The router is code in the app tier: it takes no time of its own, so it has no
        // resource, and the diagram draws the app's way to each shard through it.
        if t.shards > 1 {
            self.router_node = Some(self.part(PartId::first(Tier::ShardRouter), None));
        }
        let api = PartId::first(Tier::ThirdParty);
        let node = self.part(api, None);
        let latency =
            LogNormal::from_median_p95(sc.third_party_median_ms / 1e3, sc.third_party_p95_ms / 1e3);
        let res = self.resource(
            ResourceSpec::delay(
                ResourceId::new(api, Role::Calls),
                internet,
                Delay::LogNormal(latency),
            )
            .errors(sc.third_party_error_rate),
        );
        self.third_party = (res, node);
        if t.queue {
            let id = PartId::first(Tier::Queue);
            let host = self.machine("workers", f64::INFINITY, 0.0, 0.0);
            let node = self.part(id, Some(host));
            let res = self.resource(ResourceSpec::pool(
                ResourceId::new(id, Role::Workers),
                host,
                t.workers.max(1),
            ));
            self.queue = Some((res, node));
            let plan = self.job_plan(res, node);
            self.core.accept_parked(res, class::JOB, &plan);
        }
        if t.observability {
            self.part(PartId::first(Tier::Observability), None);
        }
    }

    /// A database machine of its own: Postgres takes its shared buffers at rest.
    fn database_host(&mut self, name: &str) -> u16 {
        let sc = &self.scenario;
        let memory = sc.db_machine.memory_mb;
        let base = DB_HOST_OS_MB + sc.db_buffers_share * memory;
        let restart = sc.db_restart_s;
        self.machine(name, memory, base, restart)
    }

    /// A database's resources on `host`; `shared_cpu` makes it use cores it shares (one VM).
    fn database(&mut self, id: PartId, host: u16, primary: bool, shared_cpu: Option<u16>) -> Db {
        let sc = std::rc::Rc::clone(&self.scenario);
        let node = self.part(id, Some(host));
        let conns = self.resource(
            ResourceSpec::pool(
                ResourceId::new(id, Role::Connections),
                host,
                sc.db_max_connections,
            )
            .timeout(sc.db_pool_timeout_s, Cause::PoolTimeout),
        );
        self.core
            .hooks_mut()
            .set_memory(conns, sc.db_mem_per_connection_mb);
        let cpu = match shared_cpu {
            Some(cpu) => cpu,
            None => self.resource(ResourceSpec::pool(
                ResourceId::new(id, Role::Cores),
                host,
                sc.db_machine.vcpus,
            )),
        };
        let io = self.resource(ResourceSpec::pool(
            ResourceId::new(id, Role::Disk),
            host,
            sc.db_io_channels,
        ));
        let locks = if primary {
            self.resource(ResourceSpec::pool(
                ResourceId::new(id, Role::RowLocks),
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

    /// Creates every edge a request can take, in a stable order, so the diagram knows them all
    /// before the first request travels.
    pub(super) fn declare_edges(&mut self) {
        let users = self.users_node;
        let apps: Vec<NodeId> = self.apps.iter().map(|a| a.node).collect();
        let dbs: Vec<NodeId> = self
            .primaries
            .iter()
            .chain(self.replicas.iter().flatten())
            .map(|d| d.node)
            .collect();
        if let Some((_, cdn)) = self.cdn {
            self.edge(users, cdn);
            self.edge(cdn, users);
        }
        if let Some((_, lb)) = self.lb {
            self.edge(users, lb);
            self.edge(lb, users);
            if let Some((_, cdn)) = self.cdn {
                self.edge(cdn, lb);
            }
            for &a in &apps {
                self.edge(lb, a);
            }
        }
        for &a in &apps {
            if self.lb.is_none() {
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
        // Background load: the cron report reads the first primary; analytics go to the
        // replicas when there are any, else to the primaries.
        self.edge(self.cron_node, self.primaries[0].node);
        let analytics_targets: Vec<NodeId> = if self.replicas.iter().all(Vec::is_empty) {
            self.primaries.iter().map(|d| d.node).collect()
        } else {
            self.replicas.iter().flatten().map(|d| d.node).collect()
        };
        for d in analytics_targets {
            self.edge(self.analysts_node, d);
        }
    }
}
