//! A stage's system as a running simulation, split by job:
//! - [`build`]: the parts, hosts and resources a [`Topology`] calls for, and every edge;
//! - [`routes`]: the plan each user request follows through them;
//! - [`background`]: the load from inside (the cron report, analytics, queued jobs) and the
//!   tick (health checks, the live window's copies);
//! - [`faults`]: what a learner can break on purpose, owned here so that it survives a knob;
//! - [`hooks`]: what the model adds to the core's requests (replica reads, writes, a
//!   transfer's two commits) and what the animation watches;
//! - `crate::reading`: what was measured, over a window.

mod background;
mod build;
pub mod faults;
pub mod hooks;
mod routes;

use std::rc::Rc;

use serde::{Deserialize, Serialize};

use crate::core::{Core, InFlight, Model, RetryPolicy};
use crate::events::EventKind;
use crate::models::{HotKeyCache, LoadBalancer, RequestMix, ShardRouter, Thinning};
use crate::parts::{PartId, ResourceId};
use crate::rng::KeyPopularity;
use crate::scenario::Scenario;
use crate::topology::Topology;

pub use faults::{ActiveFaults, Fault};
pub use hooks::{Count, WebHooks};

/// Request classes, for the animation and the counts.
pub mod class {
    /// A static file served by the origin (the app's web server).
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
    /// A static file the CDN's edge served from its copy.
    pub const STATIC_EDGE: u8 = 8;
    /// How many classes there are.
    pub const COUNT: usize = 9;
}

/// A part of the diagram.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartInfo {
    /// Which part.
    pub id: PartId,
    /// Its name for people.
    pub name: String,
    /// The machine it runs on (an index into the hosts), if it is one of ours.
    pub host: Option<u16>,
}

/// An edge of the diagram that requests travel along.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EdgeInfo {
    /// Where it starts.
    pub from: PartId,
    /// Where it ends.
    pub to: PartId,
    /// A part it passes through on the way, doing no work that takes time: the shard router
    /// between an app server and a shard.
    pub via: Option<PartId>,
}

/// Index of a diagram part in [`Sim::parts`].
type NodeId = u16;

#[derive(Debug, Clone, Copy)]
struct App {
    host: u16,
    threads: u16,
    cpu: u16,
    node: NodeId,
}

#[derive(Debug, Clone, Copy)]
struct Db {
    conns: u16,
    cpu: u16,
    io: u16,
    locks: u16,
    node: NodeId,
}

/// Network time inside a data centre, one way, seconds.
pub const HOP_S: f32 = 0.000_25;
/// Network time between a user and the origin, one way, seconds.
pub const INTERNET_S: f32 = 0.040;
/// Seconds a rolling deploy lets an app server finish its requests before restarting it.
pub const DRAIN_S: f64 = 15.0;
/// Seconds between ticks (health checks, the live window's copies). The live window starts at
/// a tick, so this must divide a second.
const TICK_S: f64 = 1.0;

/// The running simulation of one scenario.
#[derive(Debug, Clone)]
pub struct Sim {
    core: Core<WebHooks>,
    scenario: Rc<Scenario>,
    topology: Topology,
    parts: Vec<PartInfo>,
    edges: Vec<EdgeInfo>,
    /// Edge id by `from * parts + to` (`NONE` until the edge is first declared).
    edge_table: Vec<u16>,
    /// Each resource's id, in the core's order.
    resource_ids: Vec<ResourceId>,
    users_node: NodeId,
    analysts_node: NodeId,
    cron_node: NodeId,
    /// The shard router's part, when the data is split over several shards.
    router_node: Option<NodeId>,
    lb: Option<(u16, NodeId)>,
    cdn: Option<(u16, NodeId)>,
    cache: Option<(u16, NodeId)>,
    third_party: (u16, NodeId),
    queue: Option<(u16, NodeId)>,
    apps: Vec<App>,
    /// Primaries, by shard.
    primaries: Vec<Db>,
    /// Replicas, by shard.
    replicas: Vec<Vec<Db>>,
    /// Each replica's index in the core's replica table, by shard.
    replica_lags: Vec<Vec<u16>>,
    cron: u16,
    balancer: LoadBalancer,
    router: ShardRouter,
    mix: RequestMix,
    /// Which replica of each shard takes the next read.
    replica_next: Vec<usize>,
    keys: KeyPopularity,
    cache_keys: HotKeyCache,
    /// Which CDN edge hits are simulated (see [`Scenario::cdn_hits_simulated_per_s`]).
    cdn_hits: Thinning,
    user_rate: f64,
    analytics_rate: f64,
    /// When the pending arrival of each stream (users, analysts) is due; an arrival event at
    /// any other time was drawn before a rate change and is ignored.
    arrival_due: [Option<f64>; 2],
    app_cpu_s: f64,
    next_cron: f64,
    faults: ActiveFaults,
}

/// The arrival streams: users' requests and analysts' queries.
const USERS: usize = 0;
const ANALYSTS: usize = 1;

impl Sim {
    /// Builds the scenario's system; nothing has run yet. The scenario should be valid
    /// ([`Scenario::validate`]); out-of-range values are clamped rather than trusted.
    pub fn new(scenario: &Scenario, seed: u64) -> Self {
        Self::with_stats(scenario, seed, true)
    }

    /// As [`Sim::new`]; `live` keeps the live-window histograms (a batch run that reads only
    /// the whole run can leave them out).
    pub fn with_stats(scenario: &Scenario, seed: u64, live: bool) -> Self {
        let sc = scenario.clone();
        let hooks = WebHooks::new(sc.two_phase_timeout_s, sc.cross_shard_abort);
        let mut core = Core::with_hooks(seed, live, hooks);
        core.set_rules(
            RetryPolicy {
                max_attempts: sc.job_max_attempts.max(1),
                backoff_s: sc.job_backoff_s,
                attempt_timeout_s: sc.job_timeout_s,
            },
            Some(sc.request_timeout_s),
        );
        let topology = Topology::of(&sc);
        let mut sim = Self {
            core,
            topology,
            parts: Vec::new(),
            edges: Vec::new(),
            edge_table: Vec::new(),
            resource_ids: Vec::new(),
            users_node: 0,
            analysts_node: 0,
            cron_node: 0,
            router_node: None,
            lb: None,
            cdn: None,
            cache: None,
            third_party: (0, 0),
            queue: None,
            apps: Vec::new(),
            primaries: Vec::new(),
            replicas: Vec::new(),
            replica_lags: Vec::new(),
            cron: 0,
            balancer: LoadBalancer::new(sc.lb_policy, 1),
            router: ShardRouter::new(sc.shard_strategy, 1, sc.keys),
            mix: RequestMix {
                static_share: sc.network_static_share(),
                write_share: sc.write_share,
                third_party_share: sc.third_party_share,
                deferred_share: sc.deferred_share,
            },
            replica_next: Vec::new(),
            keys: KeyPopularity::new(sc.keys.max(1), sc.zipf_s),
            cache_keys: HotKeyCache::new(sc.keys.max(1), 0),
            cdn_hits: Thinning::new(sc.cdn_hits_simulated_per_s),
            user_rate: sc.network_rps(),
            arrival_due: [None; 2],
            analytics_rate: sc.analytics_per_s_per_100k_users * sc.users.max(0.0) / 100_000.0,
            app_cpu_s: f64::from(sc.app_machine.vcpus) / sc.app_machine.app_rps.max(1e-9),
            next_cron: sc.cron_first_s,
            faults: ActiveFaults::default(),
            scenario: Rc::new(sc),
        };
        sim.build();
        sim.declare_edges();
        sim.edges.shrink_to_fit();
        sim.core.built();
        // Network hops take fixed times: their events go in FIFO lanes, not the heap.
        for delay in [HOP_S, INTERNET_S, (sim.scenario.cdn_edge_ms / 1e3) as f32] {
            sim.core.add_lane(f64::from(delay));
        }
        let hot = sim.keys.keys_for_share(sim.scenario.cache_hit);
        sim.cache_keys = HotKeyCache::new(sim.scenario.keys.max(1), hot);
        sim.draw_arrival(USERS);
        sim.draw_arrival(ANALYSTS);
        sim.core.keep_tick(0);
        sim.core.schedule(TICK_S, EventKind::Tick);
        sim
    }

    /// The scenario this simulation runs (with the learner's live changes).
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The system's topology.
    pub fn topology(&self) -> &Topology {
        &self.topology
    }

    /// The diagram's parts.
    pub fn parts(&self) -> &[PartInfo] {
        &self.parts
    }

    /// The diagram's edges (indexed by a hop's edge number).
    pub fn edges(&self) -> &[EdgeInfo] {
        &self.edges
    }

    /// Each resource's id, in the order of a reading's resources.
    pub fn resource_ids(&self) -> &[ResourceId] {
        &self.resource_ids
    }

    /// Simulated time, seconds.
    pub fn now(&self) -> f64 {
        self.core.now()
    }

    /// Events handled since the statistics were last reset.
    pub fn events_handled(&self) -> u64 {
        self.core.events_handled()
    }

    /// Events waiting in the future event list.
    pub fn pending_events(&self) -> usize {
        self.core.pending_events()
    }

    /// Requests in flight now, jobs and background work included.
    pub fn in_flight(&self) -> u32 {
        self.core.in_flight()
    }

    /// The faults switched on now.
    pub fn faults(&self) -> ActiveFaults {
        self.faults
    }

    /// The offered load reaching the site now, requests per second (a traffic spike
    /// included).
    pub fn offered_rps(&self) -> f64 {
        self.user_rate
    }

    /// Advances simulated time to `t` (seconds), handling every event up to it.
    pub fn step_until(&mut self, t: f64) {
        crate::core::run_until(self, t, |_| false);
    }

    /// Starts a new whole-run window now (the end of a warm-up).
    pub fn reset_stats(&mut self) {
        self.core.reset_stats();
        self.core.hooks_mut().reset_stats();
    }

    /// Starts the live window afresh now, after a setting changed in place (see
    /// [`Core::cut_live_window`]).
    pub fn cut_live_window(&mut self) {
        self.core.cut_live_window();
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
        let analytics = sc.analytics_per_s_per_100k_users * users / 100_000.0;
        if analytics != self.analytics_rate {
            self.analytics_rate = analytics;
            self.draw_arrival(ANALYSTS);
        }
        self.set_user_rate(self.scenario.network_rps() * self.faults.traffic_multiplier());
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
        let hot = self.keys.keys_for_share(hit);
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

    /// Switches the hot query's index on or off without restarting: the scan's CPU and the
    /// cron report's memory follow (the report's from its next run).
    pub fn set_indexed(&mut self, indexed: bool) {
        Rc::make_mut(&mut self.scenario).db_indexed = indexed;
        self.topology.indexed = indexed;
    }

    /// Changes the third-party API's median latency without restarting; its 95th percentile
    /// keeps the scenario's ratio to the median (a long tail stays a long tail). While the
    /// slow-API fault is on, the API stays slow and takes the new latency when it is cleared.
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
        self.apply_api_latency();
    }

    fn set_user_rate(&mut self, rate: f64) {
        let rate = rate.max(0.0);
        if rate != self.user_rate {
            self.user_rate = rate;
            self.draw_arrival(USERS);
        }
    }

    /// Draws when the next arrival of `stream` comes at its current rate. Poisson arrivals
    /// have no memory, so a fresh draw from now is exact after a rate change: a learner who
    /// moves the users slider from 300 to a million sees the million at once, not after the
    /// gap drawn for 300.
    fn draw_arrival(&mut self, stream: usize) {
        let rate = if stream == USERS {
            self.user_rate
        } else {
            self.analytics_rate
        };
        self.arrival_due[stream] = (rate > 0.0).then(|| {
            let t = self.core.now() + self.core.rng().exp(1.0 / rate);
            self.core.schedule(t, EventKind::Arrival(stream as u8));
            t
        });
    }

    /// Up to `max` requests on the wire, for the animation.
    pub fn in_flight_sample(&self, max: usize, out: &mut Vec<InFlight>) {
        self.core.travellers(max, out);
    }

    /// The core, for the reading (read-only outside this module).
    pub(crate) fn core(&self) -> &Core<WebHooks> {
        &self.core
    }

    /// Sets the seconds of hops the animation's trail keeps.
    pub fn set_trail_window(&mut self, seconds: f64) {
        self.core.hooks_mut().trail.set_window(seconds);
    }

    /// The queue's workers, if there is a queue (resource index).
    pub(crate) fn queue_resource(&self) -> Option<u16> {
        self.queue.map(|(res, _)| res)
    }
}

/// The web model's events: users' and analysts' arrivals, the periodic tick, a deploy's steps;
/// and after each event, the jobs it asked for.
impl Model for Sim {
    type Hooks = WebHooks;

    #[inline]
    fn core_mut(&mut self) -> &mut Core<WebHooks> {
        &mut self.core
    }

    #[inline]
    fn handle(&mut self, kind: EventKind) {
        match kind {
            EventKind::Arrival(stream) => {
                let stream = usize::from(stream.min(1));
                if self.arrival_due[stream] == Some(self.core.now()) {
                    self.draw_arrival(stream);
                    if stream == USERS {
                        self.user_arrival();
                    } else {
                        self.analytics_arrival();
                    }
                }
            }
            EventKind::Tick => self.tick(),
            EventKind::Control(app) => self.deploy_step(usize::from(app)),
            // The core's own: the loop never hands them to the model.
            EventKind::Resume { .. } | EventKind::Expire(_) | EventKind::HostUp(_) => {}
        }
    }

    #[inline]
    fn after_event(&mut self) {
        if self.core.has_jobs_to_spawn() {
            self.spawn_jobs();
        }
    }
}

/// A 64-bit FNV-1a hash of bytes: equal on every platform for the same input.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::Window;
    use crate::parts::Tier;
    use crate::resource::Cause;

    fn errors_in(sim: &mut Sim, from: f64, to: f64) -> u64 {
        sim.step_until(from);
        sim.reset_stats();
        sim.step_until(to);
        sim.reading(Window::Run).failed
    }

    #[test]
    fn a_deploy_on_one_box_is_an_outage_and_a_rolling_deploy_behind_a_balancer_is_not() {
        let mut one = Sim::new(&Scenario::for_stage(3, 5_000.0), 1);
        one.step_until(20.0);
        one.set_fault(Fault::RollingDeploy, true);
        let down = errors_in(&mut one, 20.0, 40.0);
        assert!(down > 100, "{down} errors during a single-box deploy");

        let mut lb = Sim::new(&Scenario::for_stage(4, 5_000.0), 1);
        lb.step_until(20.0);
        lb.set_fault(Fault::RollingDeploy, true);
        lb.reset_stats();
        lb.step_until(200.0);
        let r = lb.reading(Window::Run);
        // Each instance is drained before it restarts: nothing is lost but the odd request
        // still running past the drain (a slow third-party call).
        assert!(
            (r.failed as f64) < 0.01 * r.arrivals as f64,
            "{} of {}",
            r.failed,
            r.arrivals
        );
        assert!(r.errors.of(Cause::Down) < 20, "{:?}", r.errors);
        // A crash is not drained: the balancer keeps sending until a health check notices.
        let mut crash = Sim::new(&Scenario::for_stage(4, 5_000.0), 1);
        crash.step_until(20.0);
        crash.set_fault(Fault::CrashApp(1), true);
        let lost = errors_in(&mut crash, 20.0, 40.0);
        assert!(lost > 20, "{lost}");
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
    fn parts_are_the_topologys_and_each_resource_belongs_to_a_drawn_part() {
        for stage in 1..=7 {
            let sim = Sim::new(&Scenario::for_stage(stage, 1_000.0), 1);
            let parts: Vec<PartId> = sim.parts().iter().map(|p| p.id).collect();
            assert_eq!(parts.len(), sim.topology().parts().len(), "stage {stage}");
            for p in sim.topology().parts() {
                assert!(parts.contains(&p), "stage {stage}: {p} not built");
            }
            for id in sim.resource_ids() {
                assert!(parts.contains(&id.part), "stage {stage}: {id}");
            }
            for e in sim.edges() {
                assert!(parts.contains(&e.from) && parts.contains(&e.to), "{e:?}");
            }
        }
    }

    #[test]
    fn changing_the_users_changes_the_load_without_a_restart() {
        let mut sim = Sim::new(&Scenario::for_stage(4, 10_000.0), 2);
        sim.step_until(20.0);
        sim.set_users(100_000.0);
        sim.reset_stats();
        sim.step_until(40.0);
        let r = sim.reading(Window::Run);
        let expected = Scenario::for_stage(4, 100_000.0).network_rps();
        assert!((r.arrivals as f64 / 20.0 / expected - 1.0).abs() < 0.05);
        sim.set_users(0.0);
        sim.step_until(41.0);
        sim.reset_stats();
        sim.step_until(60.0);
        assert_eq!(sim.reading(Window::Run).arrivals, 0);
        sim.set_users(1_000.0);
        sim.step_until(90.0);
        assert!(
            sim.reading(Window::Run).arrivals > 0,
            "arrivals start again"
        );
    }

    #[test]
    fn faults_change_what_is_measured() {
        let base = |f: Option<Fault>| {
            let mut sim = Sim::new(&Scenario::for_stage(7, 100_000.0), 4);
            sim.step_until(10.0);
            if let Some(f) = f {
                sim.set_fault(f, true);
            }
            sim.reset_stats();
            sim.step_until(60.0);
            sim.reading(Window::Run)
        };
        let normal = base(None);
        let spike = base(Some(Fault::Spike));
        assert!(spike.arrivals > 8 * normal.arrivals);
        let lag = base(Some(Fault::ReplicaLag));
        assert!(lag.stale_read_rate > 5.0 * normal.stale_read_rate.max(1e-4));
        let mut five = Sim::new(&Scenario::for_stage(5, 200_000.0), 4);
        five.set_fault(Fault::SlowApi, true);
        five.step_until(60.0);
        assert!(five.reading(Window::Run).errors.of(Cause::Timeout) > 0);
    }

    #[test]
    fn requests_on_the_wire_are_counted_as_they_come_and_go() {
        // Stage 1 past its limit: OOM kills fail requests while they travel, too.
        // (Stage 1 may be down, restarting after an OOM kill, with nothing on the wire.)
        for (stage, users, may_be_down) in [(1, 3_000.0, true), (7, 1_000_000.0, false)] {
            let mut sim = Sim::new(&Scenario::for_stage(stage, users), 2);
            for t in 1..=40 {
                sim.step_until(f64::from(t));
                let (kept, counted) = sim.core.travelling_counted();
                assert_eq!(kept, counted, "stage {stage} at {t} s");
            }
            let mut sample = Vec::new();
            sim.in_flight_sample(7, &mut sample);
            assert!(sample.len() <= 7);
            assert!(may_be_down || !sample.is_empty());
            assert!(sample
                .iter()
                .all(|f| usize::from(f.edge) < sim.edges().len()));
        }
    }

    #[test]
    fn the_one_vm_restarts_after_an_oom_kill_and_is_killed_again_while_the_load_lasts() {
        let sc = Scenario::for_stage(1, 1_200.0);
        let mut sim = Sim::new(&sc, 1);
        let mut up_after_kill = false;
        let mut kills = 0;
        let mut t = 0.0;
        while t < 240.0 {
            t += 1.0;
            sim.step_until(t);
            let r = sim.reading(Window::Run);
            let vm = &r.hosts[0];
            kills = kills.max(vm.oom_kills);
            up_after_kill |= kills > 0 && vm.up;
        }
        assert!(kills >= 2, "killed {kills} times");
        assert!(up_after_kill, "it came back between kills");
        let vm = &sim.reading(Window::Run).hosts[0];
        assert!(vm.down_s < 0.9 * 240.0, "down {} of 240 s", vm.down_s);
        assert!(vm.parts.iter().any(|p| p.tier == Tier::Database));
    }
}
