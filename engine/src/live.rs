//! The engine as the page drives it: one running system, the commands that change it, and
//! the one reading the page draws.
//!
//! The page sends commands (new settings, a fault, time to advance) and reads back a
//! [`LiveReading`]: the measurements over the live window, the targets' verdict, the
//! diagnosis (with hysteresis), the cost, and each part's state. Every number, badge, colour
//! and label on the page comes from one of these.

use serde::{Deserialize, Serialize};

use crate::replay::{History, LiveKnobs, Step};

use crate::calibration::SATURATED;
use crate::core::Window;
use crate::cost::{self, Cost};
use crate::diagnosis::{Diagnoser, Diagnosis, Verdict};
use crate::parts::{PartId, ResourceId, Role};
use crate::reading::{Motion, Reading};
use crate::scenario::Scenario;
use crate::sim::{ActiveFaults, EdgeInfo, Fault, PartInfo, Sim};
use crate::topology::Topology;

/// A part's state, for the diagram: its busiest kind of servers, its memory, and whether a
/// measurement says it is in trouble.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartState {
    /// Which part.
    pub part: PartId,
    /// Its busiest kind of servers: (role, busy on average, servers, waiting now).
    pub gauge: Option<(Role, f64, u32, u32)>,
    /// Requests inside it now that have no limit of ours (a load balancer, an edge, an API).
    pub inside: u32,
    /// Requests waiting now, all its resources together.
    pub waiting: u32,
    /// Requests (of users, or the system's own) that failed in it per second over the
    /// reading's window (turned away by a full queue, timed out waiting, or failed by it), all
    /// its resources together; jobs' attempts are apart.
    pub failed_per_s: f64,
    /// Jobs' attempts that failed in it per second over the reading's window: the queue
    /// retries them (or dead-letters the last).
    pub job_attempts_failed_per_s: f64,
    /// Memory in use and what its machine has, MB, when the machine has a limit.
    pub memory: Option<(f64, f64)>,
    /// Its machine is down.
    pub down: bool,
    /// A resource of it is saturated (at least [`SATURATED`] busy with requests waiting), or
    /// its machine is down.
    pub hot: bool,
}

/// Everything the page shows, from one reading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveReading {
    /// The measurements over the live window.
    pub reading: Reading,
    /// The targets' verdict.
    pub verdict: Verdict,
    /// What is wrong, if anything (held while its rule holds).
    pub diagnosis: Option<Diagnosis>,
    /// What the system costs a month at this load.
    pub cost: Cost,
    /// Each part's state, in the order of [`Engine::parts`].
    pub parts: Vec<PartState>,
    /// What the learner changed in this system over the last [`CHANGES_KEPT_S`] simulated
    /// seconds, oldest first: the marks on the timeline.
    pub changes: Vec<Change>,
    /// The text that runs this system again to now with the same numbers
    /// ([`crate::replay::History`]; `None` after too many changes).
    pub replay: Option<String>,
}

/// Simulated seconds a change is kept for the readings: the timeline's minute.
pub const CHANGES_KEPT_S: f64 = 60.0;

/// Something the learner changed in the running system, and when.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// Simulated time, seconds.
    pub time_s: f64,
    /// What changed.
    pub what: Changed,
}

/// What a [`Change`] changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Changed {
    /// A setting the running system takes in place: users, cache hit rate, writes, the API's
    /// latency, the index.
    Settings,
    /// A fault switched on (or happening once), or off.
    Fault {
        /// Which.
        fault: Fault,
        /// On, or off.
        on: bool,
    },
}

/// The knobs that change a running system in place; any other change builds a new one.
fn same_but_live(current: &Scenario, wanted: &Scenario) -> bool {
    let mut same = wanted.clone();
    same.users = current.users;
    same.cache_hit = current.cache_hit;
    same.write_share = current.write_share;
    same.third_party_median_ms = current.third_party_median_ms;
    same.third_party_p95_ms = current.third_party_p95_ms;
    same.db_indexed = current.db_indexed;
    same == *current
}

/// What [`Engine::apply`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// Nothing changed.
    Nothing,
    /// The running system took the change.
    InPlace,
    /// A new system was built (more machines are a new system); the switched-on faults moved
    /// over to it.
    Rebuilt,
}

/// One running system and what is shown about it.
#[derive(Debug, Clone)]
pub struct Engine {
    sim: Sim,
    seed: u64,
    diagnoser: Diagnoser,
    trail_window_s: f64,
    /// The learner's changes to this system, oldest first (a new system starts with none).
    changes: Vec<Change>,
    /// Everything done to this system since it was built, to replay it.
    history: History,
}

impl Engine {
    /// A new system for `sc` with `seed`.
    pub fn new(sc: &Scenario, seed: u64) -> Self {
        Self {
            sim: Sim::new(sc, seed),
            seed,
            diagnoser: Diagnoser::default(),
            trail_window_s: crate::sim::hooks::TRAIL_WINDOW_S,
            changes: Vec::new(),
            history: History::new(sc, []),
        }
    }

    /// Notes a change at the current simulated time, forgetting those past the kept window.
    fn note(&mut self, what: Changed) {
        let now = self.sim.now();
        self.changes.retain(|c| c.time_s >= now - CHANGES_KEPT_S);
        self.changes.push(Change { time_s: now, what });
    }

    /// Moves the system to `sc` and `seed`: in place when only live knobs changed, else by
    /// building a new one that takes over the switched-on faults.
    pub fn apply(&mut self, sc: &Scenario, seed: u64) -> Applied {
        let current = self.sim.scenario();
        if seed == self.seed && current == sc {
            return Applied::Nothing;
        }
        if seed == self.seed && same_but_live(current, sc) {
            let current = current.clone();
            if current.users != sc.users {
                self.sim.set_users(sc.users);
            }
            if current.cache_hit != sc.cache_hit {
                self.sim.set_cache_hit(sc.cache_hit);
            }
            if current.write_share != sc.write_share {
                self.sim.set_write_share(sc.write_share);
            }
            if current.third_party_median_ms != sc.third_party_median_ms {
                self.sim.set_third_party_median(sc.third_party_median_ms);
            }
            if current.db_indexed != sc.db_indexed {
                self.sim.set_indexed(sc.db_indexed);
            }
            // The live window starts at the change (see `Core::cut_live_window`).
            self.sim.cut_live_window();
            self.note(Changed::Settings);
            let now = self.sim.now();
            self.history.note(now, Step::Settings(LiveKnobs::of(sc)));
            return Applied::InPlace;
        }
        self.rebuild(sc, seed);
        Applied::Rebuilt
    }

    /// Builds a new system for `sc` with `seed` (Reset, or a new seed), keeping the faults
    /// that are switched on.
    pub fn rebuild(&mut self, sc: &Scenario, seed: u64) {
        let faults = self.sim.faults();
        self.sim = Sim::new(sc, seed);
        self.sim.take_over(faults);
        self.sim.set_trail_window(self.trail_window_s);
        self.seed = seed;
        self.diagnoser = Diagnoser::default();
        self.changes.clear();
        self.history = History::new(sc, faults.switches());
    }

    /// Builds the system afresh with no faults.
    pub fn reset(&mut self, sc: &Scenario, seed: u64) {
        self.sim = Sim::new(sc, seed);
        self.sim.set_trail_window(self.trail_window_s);
        self.seed = seed;
        self.diagnoser = Diagnoser::default();
        self.changes.clear();
        self.history = History::new(sc, []);
    }

    /// Switches `fault` on or off (a one-off fault happens when `on`).
    pub fn set_fault(&mut self, fault: Fault, on: bool) {
        self.sim.set_fault(fault, on);
        self.note(Changed::Fault { fault, on });
        let now = self.sim.now();
        self.history.note(now, Step::Fault(fault, on));
    }

    /// The system it runs, as the page draws it, numbered `generation`.
    pub fn system(&self, generation: u32) -> crate::protocol::System {
        crate::protocol::System {
            generation,
            topology: *self.topology(),
            parts: self.parts().to_vec(),
            edges: self.edges().to_vec(),
            resources: self.resource_ids().to_vec(),
        }
    }

    /// The faults switched on.
    pub fn faults(&self) -> ActiveFaults {
        self.sim.faults()
    }

    /// Sets the seconds of hops the animation's trail keeps (a faster speed keeps more, so a
    /// dot crosses its edge in the same wall time).
    pub fn set_trail_window(&mut self, seconds: f64) {
        self.trail_window_s = seconds;
        self.sim.set_trail_window(seconds);
    }

    /// Advances the system to simulated time `t`.
    pub fn step_until(&mut self, t: f64) {
        self.sim.step_until(t);
    }

    /// Simulated time now, seconds.
    pub fn now(&self) -> f64 {
        self.sim.now()
    }

    /// The scenario running (with the live changes).
    pub fn scenario(&self) -> &Scenario {
        self.sim.scenario()
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The system's topology.
    pub fn topology(&self) -> &Topology {
        self.sim.topology()
    }

    /// The diagram's parts.
    pub fn parts(&self) -> &[PartInfo] {
        self.sim.parts()
    }

    /// The diagram's edges.
    pub fn edges(&self) -> &[EdgeInfo] {
        self.sim.edges()
    }

    /// Each resource's id, in the order of a reading's resources.
    pub fn resource_ids(&self) -> &[ResourceId] {
        self.sim.resource_ids()
    }

    /// What the animation needs now, into `out`.
    pub fn motion_into(&self, out: &mut Motion) {
        self.sim.motion_into(out);
    }

    /// The one reading: measurements, verdict, diagnosis, cost and each part's state.
    pub fn read(&mut self) -> LiveReading {
        let reading = self.sim.reading(Window::Live);
        let topology = *self.sim.topology();
        let diagnosis = self.diagnoser.observe(&topology, &reading).cloned();
        let cost = cost::monthly(&topology, self.sim.scenario(), &reading);
        let parts = part_states(self.sim.parts(), &reading);
        let now = self.sim.now();
        LiveReading {
            changes: self
                .changes
                .iter()
                .filter(|c| c.time_s >= now - CHANGES_KEPT_S)
                .copied()
                .collect(),
            replay: self.history.write(now),
            verdict: Verdict::of(&reading),
            diagnosis,
            cost,
            parts,
            reading,
        }
    }
}

/// Utilizations closer than this are a tie for a part's gauge.
const GAUGE_TIE: f64 = 1e-9;

/// Each part's state from `r`.
pub fn part_states(parts: &[PartInfo], r: &Reading) -> Vec<PartState> {
    parts
        .iter()
        .map(|p| {
            let mine = r.resources.iter().filter(|x| x.id.part == p.id);
            let mut gauge: Option<(Role, f64, u32, u32)> = None;
            let (mut inside, mut waiting, mut failed, mut saturated) = (0, 0, 0, false);
            let mut failed_jobs = 0;
            for x in mine {
                waiting += x.queue_len;
                failed += x.failed - x.failed_jobs;
                failed_jobs += x.failed_jobs;
                if x.servers == 0 {
                    inside += x.busy;
                    continue;
                }
                saturated |= x.saturated(SATURATED);
                let busy = x.utilization * f64::from(x.servers);
                // A tie (two resources both flat out) keeps the first: rounding in how the
                // busy time was summed must not decide what the part shows.
                let better =
                    gauge.is_none_or(|(_, b, n, _)| x.utilization > b / f64::from(n) + GAUGE_TIE);
                if better {
                    gauge = Some((x.id.role, busy, x.servers, x.queue_len));
                }
            }
            let per_s = |n: u64| {
                if r.window_s > 0.0 {
                    n as f64 / r.window_s
                } else {
                    0.0
                }
            };
            let host = r.hosts.iter().find(|h| h.parts.contains(&p.id));
            let down = host.is_some_and(|h| !h.up);
            PartState {
                part: p.id,
                gauge,
                inside,
                waiting,
                failed_per_s: per_s(failed),
                job_attempts_failed_per_s: per_s(failed_jobs),
                memory: host.map(|h| (h.memory_used_mb, h.memory_capacity_mb)),
                down,
                hot: saturated || down,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jobs_failed_attempts_are_told_apart_from_failing_requests() {
        // Stage 6 at 200,000 users is healthy; the third-party API fails some of the jobs'
        // calls, which the queue retries.
        let mut e = Engine::new(&Scenario::for_stage(6, 200_000.0), 1);
        e.step_until(60.0);
        let r = e.read();
        assert_eq!(r.verdict, Verdict::default(), "healthy");
        assert!(r.diagnosis.is_none());
        let api = e
            .parts()
            .iter()
            .position(|p| p.id.tier == crate::parts::Tier::ThirdParty)
            .expect("stage 6 calls a third party");
        let state = &r.parts[api];
        assert!(state.job_attempts_failed_per_s > 0.0, "{state:?}");
        assert_eq!(
            state.failed_per_s, 0.0,
            "no request of a user's failed: {state:?}"
        );
        let jobs_failed: u64 = r.reading.resources.iter().map(|x| x.failed_jobs).sum();
        assert!(jobs_failed > 0);
        assert!(r.reading.queue.as_ref().is_some_and(|q| q.retries > 0));
    }

    #[test]
    fn the_learners_changes_are_noted_when_they_happen_and_kept_a_minute() {
        let mut e = Engine::new(&Scenario::for_stage(5, 1_000.0), 1);
        e.step_until(5.0);
        assert!(e.read().changes.is_empty());
        let mut sc = e.scenario().clone();
        sc.users = 2_000.0;
        assert_eq!(e.apply(&sc, 1), Applied::InPlace);
        e.step_until(10.0);
        e.set_fault(Fault::Spike, true);
        e.step_until(20.0);
        e.set_fault(Fault::Spike, false);
        let changes = e.read().changes;
        let times: Vec<f64> = changes.iter().map(|c| c.time_s).collect();
        assert_eq!(times, [5.0, 10.0, 20.0]);
        assert_eq!(changes[0].what, Changed::Settings);
        assert_eq!(
            changes[1].what,
            Changed::Fault {
                fault: Fault::Spike,
                on: true
            }
        );
        assert_eq!(
            changes[2].what,
            Changed::Fault {
                fault: Fault::Spike,
                on: false
            }
        );
        // Nothing that changes nothing is noted.
        assert_eq!(e.apply(&sc, 1), Applied::Nothing);
        assert_eq!(e.read().changes.len(), 3);
        // A minute later the first has gone from the readings.
        e.step_until(66.0);
        assert_eq!(e.read().changes.len(), 2);
        // A new system has a new timeline, with nothing on it.
        sc.app_servers += 1;
        assert_eq!(e.apply(&sc, 1), Applied::Rebuilt);
        assert!(e.read().changes.is_empty());
    }
}
