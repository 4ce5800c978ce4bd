//! One model of the system: what each stage's design has, and the topology a scenario runs.
//!
//! This is the only place that reads a stage's number. The simulation, the analytic companion,
//! the cost, the knobs, the faults and the diagram all ask a [`Topology`] (built from a
//! scenario) or a stage's [`Design`] what is there.

use serde::{Deserialize, Serialize};

use crate::parts::{PartId, PartNames, Tier};
use crate::scenario::{Machine, Scenario, T3_LARGE, T3_MEDIUM};
use crate::stages::StageId;

/// Something a stage's design adds to the system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    /// The database on a machine of its own, reached over a private network.
    SeparateDatabase,
    /// Logs, metrics and product analytics.
    Observability,
    /// The index on the hot query, which observability lets the team find.
    Index,
    /// A load balancer in front of several app servers.
    LoadBalancer,
    /// An in-memory cache in front of the database.
    Cache,
    /// A CDN in front of the static files.
    Cdn,
    /// A durable queue and workers for slow work.
    Queue,
    /// Read replicas of each primary.
    Replicas,
    /// The data split across several primaries.
    Shards,
}

/// What a stage's system is made of, and how big it starts. Each count is the smallest that
/// lets the stage carry the load where the previous stage broke, with room to find its own
/// limit; each machine is one the source texts price.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Design {
    /// The features the stage has (each stage keeps the previous stage's).
    pub features: &'static [Feature],
    /// App servers it starts with.
    pub app_servers: u32,
    /// The app servers' machine (on stage 1, the one VM).
    pub app_machine: Machine,
    /// Worker threads per vCPU of an app server.
    pub app_threads_per_vcpu: u32,
    /// The database primary's machine (ignored on the one VM, which is the app's machine).
    pub db_machine: Machine,
    /// Queue workers it starts with.
    pub workers: u32,
    /// Read replicas per primary it starts with.
    pub replicas: u32,
    /// Shards it starts with.
    pub shards: u32,
    /// Cache nodes.
    pub cache_nodes: u32,
}

use Feature::*;

/// The seven stages' designs, in order.
pub const DESIGNS: [Design; 7] = [
    // 1. Everything on one t3.medium (4 GB): the smallest machine the whole stack fits on.
    Design {
        features: &[],
        app_servers: 1,
        app_machine: T3_MEDIUM,
        app_threads_per_vcpu: 16,
        db_machine: T3_MEDIUM,
        workers: 0,
        replicas: 0,
        shards: 1,
        cache_nodes: 1,
    },
    // 2. The database moves to a t3.large of its own (8 GB for Postgres).
    Design {
        features: &[SeparateDatabase],
        app_servers: 1,
        app_machine: T3_MEDIUM,
        app_threads_per_vcpu: 16,
        db_machine: T3_LARGE,
        workers: 0,
        replicas: 0,
        shards: 1,
        cache_nodes: 1,
    },
    // 3. Metrics show the slow query, and it gets its index.
    Design {
        features: &[SeparateDatabase, Observability, Index],
        app_servers: 1,
        app_machine: T3_MEDIUM,
        app_threads_per_vcpu: 16,
        db_machine: T3_LARGE,
        workers: 0,
        replicas: 0,
        shards: 1,
        cache_nodes: 1,
    },
    // 4. Three t3.large app servers (about 1,000 req/s each in the source texts) behind a
    //    load balancer: three times one server's throughput, and a spare to deploy around.
    Design {
        features: &[SeparateDatabase, Observability, Index, LoadBalancer],
        app_servers: 3,
        app_machine: T3_LARGE,
        app_threads_per_vcpu: 32,
        db_machine: T3_LARGE,
        workers: 0,
        replicas: 0,
        shards: 1,
        cache_nodes: 1,
    },
    // 5. A cache node and a CDN; the app tier stays as it was.
    Design {
        features: &[
            SeparateDatabase,
            Observability,
            Index,
            LoadBalancer,
            Cache,
            Cdn,
        ],
        app_servers: 3,
        app_machine: T3_LARGE,
        app_threads_per_vcpu: 32,
        db_machine: T3_LARGE,
        workers: 0,
        replicas: 0,
        shards: 1,
        cache_nodes: 1,
    },
    // 6. A queue with 1,000 workers for the third-party calls and deferred work. Where stage 5
    //    broke (about 500,000 users) the app tier itself nears its CPU, so it doubles to six.
    Design {
        features: &[
            SeparateDatabase,
            Observability,
            Index,
            LoadBalancer,
            Cache,
            Cdn,
            Queue,
        ],
        app_servers: 6,
        app_machine: T3_LARGE,
        app_threads_per_vcpu: 32,
        db_machine: T3_LARGE,
        workers: 1_000,
        replicas: 0,
        shards: 1,
        cache_nodes: 1,
    },
    // 7. Four shards with two read replicas each. The slider reaches 10,000,000 users, whose
    //    pages need about 94 cores of app CPU and 8,000 workers for their slow calls: 64 app
    //    servers and 8,000 workers carry that, and four cache nodes the reads.
    Design {
        features: &[
            SeparateDatabase,
            Observability,
            Index,
            LoadBalancer,
            Cache,
            Cdn,
            Queue,
            Replicas,
            Shards,
        ],
        app_servers: 64,
        app_machine: T3_LARGE,
        app_threads_per_vcpu: 32,
        db_machine: T3_LARGE,
        workers: 8_000,
        replicas: 2,
        shards: 4,
        cache_nodes: 4,
    },
];

impl Design {
    /// Whether the design has `feature`.
    pub fn has(&self, feature: Feature) -> bool {
        self.features.contains(&feature)
    }
}

impl StageId {
    /// This stage's design.
    pub fn design(self) -> &'static Design {
        &DESIGNS[self as usize]
    }

    /// The stage of scenario stage number `n` (1 to 7; out-of-range numbers are clamped).
    pub fn of_scenario(n: u8) -> Self {
        StageId::from_number(n.clamp(1, 7)).unwrap_or(StageId::OneVm)
    }

    /// The scenario stage number of this stage.
    pub fn scenario_number(self) -> u8 {
        self.number()
    }
}

/// The first stage whose design has `feature`.
pub fn first_stage_with(feature: Feature) -> StageId {
    crate::stages::STAGES
        .iter()
        .map(|s| s.id)
        .find(|id| id.design().has(feature))
        .unwrap_or(StageId::ReplicasShards)
}

/// The system a scenario runs: which parts exist and how many of each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Topology {
    /// The stage whose design it follows.
    pub stage: StageId,
    /// Web, app, database and cron share one machine.
    pub shared_vm: bool,
    /// Metrics, logs and traces are collected.
    pub observability: bool,
    /// The hot query has its index.
    pub indexed: bool,
    /// A load balancer spreads requests over the app servers.
    pub load_balancer: bool,
    /// A CDN serves static files from the edge.
    pub cdn: bool,
    /// A cache answers hot reads.
    pub cache: bool,
    /// Slow work goes through a queue and workers.
    pub queue: bool,
    /// App servers.
    pub app_servers: u16,
    /// Database primaries (1 unless sharded).
    pub shards: u16,
    /// Read replicas of each primary.
    pub replicas_per_shard: u16,
    /// Queue workers (0 without a queue).
    pub workers: u32,
    /// Cache nodes (0 without a cache).
    pub cache_nodes: u32,
}

impl Topology {
    /// The topology of `sc`: its stage's design, sized by its counts. A count for a part the
    /// design does not have is ignored (the CLI refuses it; the page never sets it).
    pub fn of(sc: &Scenario) -> Self {
        let stage = StageId::of_scenario(sc.stage);
        let d = stage.design();
        let count = |f: Feature, n: u32, none: u32| if d.has(f) { n } else { none };
        Self {
            stage,
            shared_vm: !d.has(SeparateDatabase),
            observability: sc.observability,
            indexed: sc.db_indexed,
            load_balancer: d.has(LoadBalancer),
            cdn: d.has(Cdn),
            cache: d.has(Cache),
            queue: d.has(Queue),
            app_servers: count(LoadBalancer, sc.app_servers, 1).clamp(1, 64) as u16,
            shards: count(Shards, sc.shards, 1).clamp(1, 16) as u16,
            replicas_per_shard: count(Replicas, sc.replicas, 0).min(8) as u16,
            workers: count(Queue, sc.workers.max(1), 0),
            cache_nodes: count(Cache, sc.cache_nodes.max(1), 0),
        }
    }

    /// Whether the system has `feature`.
    pub fn has(&self, feature: Feature) -> bool {
        match feature {
            SeparateDatabase => !self.shared_vm,
            Observability => self.observability,
            Index => self.indexed,
            LoadBalancer => self.load_balancer,
            Cache => self.cache,
            Cdn => self.cdn,
            Queue => self.queue,
            Replicas => self.replicas_per_shard > 0,
            Shards => self.shards > 1,
        }
    }

    /// How parts are named in this system.
    pub fn names(&self) -> PartNames {
        PartNames {
            apps: self.app_servers,
            shards: self.shards,
            shared_vm: self.shared_vm,
        }
    }

    /// A name for people of one of its parts.
    pub fn name(&self, part: PartId) -> String {
        self.names().name(part)
    }

    /// Every part, in the order a request meets them.
    pub fn parts(&self) -> Vec<PartId> {
        let mut parts = vec![PartId::first(Tier::Users)];
        if self.cdn {
            parts.push(PartId::first(Tier::Cdn));
        }
        if self.load_balancer {
            parts.push(PartId::first(Tier::LoadBalancer));
        }
        parts.extend((0..self.app_servers).map(|i| PartId::new(Tier::App, i)));
        if self.cache {
            parts.push(PartId::first(Tier::Cache));
        }
        if self.queue {
            parts.push(PartId::first(Tier::Queue));
        }
        parts.push(PartId::first(Tier::ThirdParty));
        parts.push(PartId::first(Tier::Cron));
        parts.push(PartId::first(Tier::Analysts));
        if self.shards > 1 {
            parts.push(PartId::first(Tier::ShardRouter));
        }
        parts.extend((0..self.shards).map(|s| PartId::new(Tier::Database, s)));
        for s in 0..self.shards {
            parts.extend((0..self.replicas_per_shard).map(|r| PartId::replica(s, r)));
        }
        if self.observability {
            parts.push(PartId::first(Tier::Observability));
        }
        parts
    }

    /// Database machines: primaries and replicas.
    pub fn database_machines(&self) -> u32 {
        u32::from(self.shards) * (1 + u32::from(self.replicas_per_shard))
    }
}

impl Scenario {
    /// This scenario's topology.
    pub fn topology(&self) -> Topology {
        Topology::of(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stages::STAGES;

    #[test]
    fn each_stage_keeps_what_the_previous_one_had() {
        for w in DESIGNS.windows(2) {
            for f in w[0].features {
                assert!(w[1].has(*f), "{f:?} lost");
            }
            assert!(w[1].features.len() > w[0].features.len());
        }
    }

    #[test]
    fn features_arrive_at_the_stages_the_course_names() {
        assert_eq!(first_stage_with(SeparateDatabase), StageId::SplitDb);
        assert_eq!(first_stage_with(Observability), StageId::Observe);
        assert_eq!(first_stage_with(LoadBalancer), StageId::LoadBalance);
        assert_eq!(first_stage_with(Cache), StageId::CacheCdn);
        assert_eq!(first_stage_with(Queue), StageId::Async);
        assert_eq!(first_stage_with(Shards), StageId::ReplicasShards);
    }

    #[test]
    fn counts_for_parts_a_stage_lacks_are_ignored() {
        let mut sc = Scenario::for_stage(2, 1_000.0);
        sc.app_servers = 9;
        sc.replicas = 3;
        sc.workers = 50;
        let t = Topology::of(&sc);
        assert_eq!((t.app_servers, t.replicas_per_shard, t.workers), (1, 0, 0));
        assert!(!t.shared_vm && !t.load_balancer);
    }

    #[test]
    fn every_stage_draws_users_apps_and_a_database() {
        for stage in STAGES {
            let sc = Scenario::for_stage(stage.id.number(), 1_000.0);
            let parts = Topology::of(&sc).parts();
            for tier in [Tier::Users, Tier::App, Tier::Database, Tier::Cron] {
                assert!(parts.iter().any(|p| p.tier == tier), "{tier:?}");
            }
        }
        let seven = Topology::of(&Scenario::for_stage(7, 1.0));
        assert_eq!(seven.database_machines(), 4 * 3);
        assert_eq!(
            seven
                .parts()
                .iter()
                .filter(|p| p.tier == Tier::Replica)
                .count(),
            8
        );
    }
}
