//! Load from inside the system (the cron report, dashboards and BI, queued jobs) and the
//! tick that runs health checks and keeps the live window's copies.

use crate::calibration::{CRON_INDEXED_IO_S, CRON_INDEXED_MB};
use crate::core::{Origin, Plan, Step};
use crate::events::EventKind;

use super::{class, NodeId, Sim, HOP_S, TICK_S};

impl Sim {
    pub(super) fn tick(&mut self) {
        let now = self.core.now();
        self.core.keep_tick(now.round() as i64);
        // Health checks: the load balancer learns which app servers answer.
        let every = self.scenario.health_check_s;
        if every > 0.0 && (now / every).fract() < TICK_S / every {
            for (i, app) in self.apps.iter().enumerate() {
                self.balancer
                    .set_healthy(i, self.core.hosts()[app.host as usize].up);
            }
        }
        if now >= self.next_cron {
            self.next_cron += self.scenario.cron_interval_s.max(1.0);
            self.start_cron();
        }
        self.core.schedule(now + TICK_S, EventKind::Tick);
    }

    /// Memory the cron report takes while it runs, MB: it hashes every user's rows, unless an
    /// index lets it stream them.
    pub fn cron_report_mb(&self) -> f64 {
        self.cron_memory_mb()
    }

    pub(super) fn cron_memory_mb(&self) -> f64 {
        let sc = &self.scenario;
        if self.topology.indexed {
            CRON_INDEXED_MB
        } else {
            sc.cron_mem_per_1k_users_mb * sc.users.max(0.0) / 1_000.0
        }
    }

    fn start_cron(&mut self) {
        // The report's memory follows the users and the index (set while it is idle, so what
        // a run takes is what it gives back).
        let memory = self.cron_memory_mb();
        if self.core.resources()[usize::from(self.cron)].busy == 0 {
            self.core.hooks_mut().set_memory(self.cron, memory);
        }
        let sc = &self.scenario;
        let db = self.primaries[0];
        let io_s = if self.topology.indexed {
            CRON_INDEXED_IO_S
        } else {
            sc.cron_io_ms_per_1k_users * sc.users.max(0.0) / 1e6
        };
        let e = self.edge(self.cron_node, db.node);
        let mut p = Plan::new();
        p.push(Step::Hold(self.cron))
            .push(Step::Travel {
                edge: e,
                secs: HOP_S,
            })
            .push(Step::Hold(db.conns))
            .push(Step::Serve {
                res: db.io,
                mean: io_s as f32,
                flagged: false,
            })
            .push(Step::Release(db.conns))
            .push(Step::Release(self.cron));
        self.core
            .start(class::CRON, &[], &p, 3_600.0, Origin::Internal);
    }

    pub(super) fn analytics_arrival(&mut self) {
        let sc = std::rc::Rc::clone(&self.scenario);
        // Dashboards, BI and ad-hoc SQL run on a shard's replica when it has replicas, else on
        // its primary.
        let shard = self.core.rng().below(self.primaries.len() as u32) as usize;
        let db = match self.replicas[shard].len() {
            0 => self.primaries[shard],
            n => {
                let i = self.replica_next[shard];
                self.replica_next[shard] = (i + 1) % n;
                self.replicas[shard][i]
            }
        };
        let e = self.edge(self.analysts_node, db.node);
        let mut p = Plan::new();
        p.push(Step::Travel {
            edge: e,
            secs: HOP_S,
        })
        .push(Step::Hold(db.conns))
        .push(Step::Serve {
            res: db.cpu,
            mean: (sc.analytics_cpu_ms / 1e3) as f32,
            flagged: false,
        })
        .push(Step::Serve {
            res: db.io,
            mean: (sc.analytics_io_ms / 1e3) as f32,
            flagged: false,
        })
        .push(Step::Release(db.conns));
        self.core
            .start(class::ANALYTICS, &[], &p, 600.0, Origin::Internal);
    }

    /// Puts the jobs requests enqueued on the queue: a worker takes each and calls the API
    /// (the plan [`Sim::job_plan`]).
    pub(super) fn spawn_jobs(&mut self) {
        let jobs = self.core.take_jobs_to_spawn();
        if let Some((workers, _)) = self.queue {
            for _ in 0..jobs {
                self.core.park(workers);
            }
        }
    }

    /// A job's plan: a worker takes it and calls the API. (Its clock starts when a worker
    /// takes it: see `RetryPolicy`.)
    pub(super) fn job_plan(&mut self, workers: u16, queue_node: NodeId) -> Plan {
        let (api, api_node) = self.third_party;
        let e = self.edge(queue_node, api_node);
        let mut p = Plan::new();
        p.push(Step::Hold(workers))
            .push(Step::Travel {
                edge: e,
                secs: HOP_S,
            })
            .push(Step::Visit(api))
            .push(Step::Release(workers));
        p
    }

    /// One step of a rolling deploy. The balancer stops sending new requests to app server `i`
    /// (draining), [`super::DRAIN_S`] later it restarts, and once it is back and has passed a
    /// health check the next one goes. With one app server there is nowhere else to send
    /// requests: the deploy is an outage.
    pub(super) fn deploy_step(&mut self, code: usize) {
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
            self.core.schedule(
                self.core.now() + super::DRAIN_S,
                EventKind::Control((i | 0x8000) as u16),
            );
            return;
        }
        self.core.take_down(app.host);
        self.core.drain_ready();
        let back = self.core.now() + self.scenario.app_restart_s + self.scenario.health_check_s;
        if self.apps.len() > 1 {
            self.core.schedule(back, EventKind::Control((i + 1) as u16));
        }
    }
}
