//! The plan each user request follows through the system, decided when it arrives.

use std::rc::Rc;

use crate::core::{Origin, Plan, Step, MAX_KEYS};
use crate::models::cache::Lookup;
use crate::models::request_mix::Kind;
use crate::scenario::Scenario;

use super::hooks::{WebMark, REFILL};
use super::{class, App, Db, NodeId, Sim, HOP_S, INTERNET_S};

impl Sim {
    pub(super) fn user_arrival(&mut self) {
        let sc = Rc::clone(&self.scenario);
        self.plan_user_request(&sc);
    }

    fn pick_app(&mut self) -> usize {
        let (apps, core) = (&self.apps, &self.core);
        self.balancer.pick(|i| core.present(apps[i].threads))
    }

    fn plan_user_request(&mut self, sc: &Scenario) {
        let (u, v) = (self.core.rng().uniform(), self.core.rng().uniform());
        let mut class = match self.mix.pick(u, v) {
            Kind::Static => class::STATIC,
            Kind::Read => class::READ,
            Kind::Write => class::WRITE,
            Kind::ThirdParty => class::THIRD_PARTY,
            Kind::Deferred => class::DEFERRED,
        };
        let key = self.keys.sample(self.core.rng());
        let mut p = Plan::new();
        let users = self.users_node;

        if class == class::STATIC {
            let mut weight = 1;
            if let Some((cdn, cdn_node)) = self.cdn {
                // The edge serves a hit itself, and fetches a miss from the origin.
                let hit = self.core.rng().chance(sc.cdn_hit);
                if hit {
                    class = class::STATIC_EDGE;
                    let hits_per_s = self.user_rate * self.mix.static_share * sc.cdn_hit;
                    match self.cdn_hits.next(hits_per_s) {
                        Some(stands_for) => weight = stands_for,
                        None => return, // a later hit stands for this one
                    }
                }
                let edge_s = (sc.cdn_edge_ms / 1e3) as f32;
                let e = self.edge(users, cdn_node);
                p.push(Step::Travel {
                    edge: e,
                    secs: edge_s,
                })
                .push(Step::Visit(cdn));
                if !hit {
                    self.origin_static(&mut p, cdn_node);
                }
                let e = self.edge(cdn_node, users);
                p.push(Step::Travel {
                    edge: e,
                    secs: edge_s,
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
            self.core.start_weighted(
                class,
                &[key],
                &p,
                sc.request_timeout_s,
                Origin::User,
                weight,
            );
            return;
        }

        let app = self.enter_app(&mut p, users);
        let half_cpu = (self.app_cpu_s / 2.0) as f32;
        p.push(Step::Hold(app.threads)).push(Step::Serve {
            res: app.cpu,
            mean: half_cpu,
            flagged: false,
        });

        // A page's queries, through the cache when there is one. The page belongs to the
        // tenant of its first key, whose shard holds its rows.
        let queries = if class == class::WRITE {
            1
        } else {
            sc.queries_per_request.clamp(1, MAX_KEYS as u32)
        };
        let mut missed = [0u32; MAX_KEYS];
        let mut misses = 0usize;
        for q in 0..queries {
            let k = if q == 0 {
                key
            } else {
                self.keys.sample(self.core.rng())
            };
            let lookup = match self.cache {
                Some(_) => self.cache_keys.lookup(k),
                None => Lookup::Cold,
            };
            if lookup != Lookup::Hit {
                // (A refill is marked, so a stale one can be counted apart.)
                missed[misses] = if lookup == Lookup::Refill {
                    k | REFILL
                } else {
                    k
                };
                misses += 1;
            }
        }
        if let Some((cache, cache_node)) = self.cache {
            let e = self.edge(app.node, cache_node);
            p.push(Step::Travel {
                edge: e,
                secs: HOP_S,
            })
            .push(Step::Serve {
                res: cache,
                mean: (sc.cache_op_ms * f64::from(queries) / 1e3) as f32,
                flagged: false,
            });
        }
        let mut keys: &[u32] = &missed[..misses];
        let transfer;
        if class == class::WRITE {
            transfer = self.write_path(&mut p, app, key, sc);
            keys = &transfer[..];
        } else if misses > 0 {
            self.read_path(&mut p, app, key, misses as u32, sc);
        }
        let api_node = self.third_party.1;
        if class == class::THIRD_PARTY || class == class::DEFERRED {
            if let Some((_, qnode)) = self.queue {
                let e = self.edge(app.node, qnode);
                p.push(Step::Travel {
                    edge: e,
                    secs: HOP_S,
                })
                .push(Step::Enqueue);
            } else {
                let e = self.edge(app.node, api_node);
                p.push(Step::Travel {
                    edge: e,
                    secs: HOP_S,
                })
                .push(Step::Visit(self.third_party.0));
            }
        }
        p.push(Step::Serve {
            res: app.cpu,
            mean: half_cpu,
            flagged: false,
        })
        .push(Step::Release(app.threads));
        let exit = self.lb.map_or(app.node, |(_, n)| n);
        let e = self.edge(exit, users);
        p.push(Step::Travel {
            edge: e,
            secs: INTERNET_S,
        });
        self.core
            .start(class, keys, &p, sc.request_timeout_s, Origin::User);
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
            flagged: false,
        });
    }

    /// The CPU the unindexed scan costs a page's query batch now, seconds (0 with the index).
    pub(super) fn scan_s(&self) -> f64 {
        let sc = &self.scenario;
        if self.topology.indexed {
            0.0
        } else {
            sc.db_scan_cpu_ms_per_1k_users * sc.users.max(0.0) / 1e6
        }
    }

    /// A page's `queries` database queries, on its tenant's shard: a replica of it when there
    /// are replicas (taking turns), the primary otherwise.
    fn read_path(&mut self, p: &mut Plan, app: App, key: u32, queries: u32, sc: &Scenario) {
        let shard = self.router.route(key);
        let (db, replica): (Db, Option<u16>) = match self.replicas[shard].len() {
            0 => (self.primaries[shard], None),
            n => {
                let i = self.replica_next[shard];
                self.replica_next[shard] = (i + 1) % n;
                (self.replicas[shard][i], Some(self.replica_lags[shard][i]))
            }
        };
        let e = self.edge(app.node, db.node);
        p.push(Step::Travel {
            edge: e,
            secs: HOP_S,
        })
        .push(Step::Hold(db.conns));
        let scan = self.scan_s();
        if scan > 0.0 {
            p.push(Step::Serve {
                res: db.cpu,
                mean: scan as f32,
                flagged: true,
            });
        }
        p.push(Step::Serve {
            res: db.cpu,
            mean: (sc.db_query_cpu_ms * f64::from(queries) / 1e3) as f32,
            flagged: false,
        });
        if self.core.rng().chance(sc.db_read_miss) {
            p.push(Step::Serve {
                res: db.io,
                mean: (sc.db_read_io_ms / 1e3) as f32,
                flagged: false,
            });
        }
        if let Some(r) = replica {
            p.push(Step::Mark(WebMark::ReplicaRead(r).into()));
        }
        p.push(Step::Release(db.conns));
    }

    /// A write of `key` on its shard; a transfer writes a second tenant's key on another
    /// shard, committing each half on its own (see [`WebMark::FirstShardCommitted`]). Returns the
    /// keys written.
    fn write_path(&mut self, p: &mut Plan, app: App, key: u32, sc: &Scenario) -> [u32; 2] {
        let first = self.router.route(key);
        let shards = self.primaries.len();
        let cross = shards > 1 && self.core.rng().chance(sc.cross_shard_share);
        self.cache_keys.invalidate(key);
        self.write_on(p, app, first, 0, sc);
        if !cross {
            return [key, 0];
        }
        // The other tenant: a key on another shard (drawn until one lands elsewhere; with a
        // hash router that takes one or two draws).
        let mut other = key;
        for _ in 0..16 {
            other = self.keys.sample(self.core.rng());
            if self.router.route(other) != first {
                break;
            }
        }
        let second = self.router.route(other);
        if second == first {
            return [key, 0]; // no other shard found: an ordinary write
        }
        self.cache_keys.invalidate(other);
        p.push(Step::Mark(WebMark::FirstShardCommitted.into()));
        self.write_on(p, app, second, 1, sc);
        p.push(Step::Mark(WebMark::CrossShardCommitted.into()));
        [key, other]
    }

    fn write_on(&mut self, p: &mut Plan, app: App, shard: usize, key: u8, sc: &Scenario) {
        let db = self.primaries[shard];
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
            flagged: false,
        })
        .push(Step::Serve {
            res: db.io,
            mean: (sc.db_write_io_ms / 1e3) as f32,
            flagged: false,
        })
        .push(Step::Mark(
            WebMark::Write {
                shard: shard as u16,
                key,
            }
            .into(),
        ))
        .push(Step::Release(db.locks))
        .push(Step::Release(db.conns));
    }
}
