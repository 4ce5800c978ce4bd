//! What the UI reads each frame: plain data about the last few simulated seconds.

use serde::Serialize;

use crate::core::InFlight;
use crate::erlang;
use crate::resource::CAUSES;
use crate::sim::Sim;

/// Seconds the live utilization averages over.
pub const UTILIZATION_S: f64 = 2.0;

/// The system over the live window (the last [`crate::resource::LIVE_WINDOW_S`] simulated seconds).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Snapshot {
    /// Simulated time, seconds.
    pub time_s: f64,
    /// Good responses per second.
    pub throughput_rps: f64,
    /// Failures per second.
    pub failures_per_s: f64,
    /// Failures / (good + failed) over the window.
    pub error_rate: f64,
    /// Failed user requests since the statistics were reset, by cause (in [`CAUSES`] order).
    pub errors_by_cause: [u64; CAUSES.len()],
    /// Failures / (good + failed) over the window, by cause (in [`CAUSES`] order).
    pub error_rate_by_cause: [f64; CAUSES.len()],
    /// User requests finished (well or not) in the window: what the percentiles rest on.
    pub samples: u64,
    /// Response-time percentiles over the window, ms.
    pub p50_ms: f64,
    /// 95th percentile, ms.
    pub p95_ms: f64,
    /// 99th percentile, ms.
    pub p99_ms: f64,
    /// Stale reads / replica reads over the window.
    pub stale_read_rate: f64,
    /// Partial cross-shard commits since the reset.
    pub partial_commits: u64,
    /// Partial cross-shard commits over the live window.
    pub recent_partial_commits: u64,
    /// A machine was killed for running out of memory within the live window, or is still
    /// down from it.
    pub recent_oom: bool,
    /// Slow work goes through a queue.
    pub has_queue: bool,
    /// Each replica's lag now, ms.
    pub replica_lag_ms: Vec<f64>,
    /// Each resource.
    pub nodes: Vec<NodeSnapshot>,
    /// Machines: (name, memory used MB, capacity MB, up).
    pub hosts: Vec<(String, f64, f64, bool)>,
    /// A sample of requests on the wire, for the animation.
    pub in_flight: Vec<InFlight>,
}

/// What the animation needs every frame, cheap to take: the hops requests took lately and
/// where requests just failed.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Motion {
    /// Simulated time, seconds.
    pub time_s: f64,
    /// Hops requests took within the trail's window, thinned.
    pub trail: Vec<crate::trail::Trace>,
    /// The trail's window, simulated seconds: a hop's dot crosses its edge in this time.
    pub trail_window_s: f64,
    /// User requests that failed within the trail's window: (index into
    /// [`Snapshot::nodes`] of the resource where each failed, age in seconds).
    pub failures: Vec<(u16, f32)>,
}

/// One resource over the live window.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NodeSnapshot {
    /// Resource id, e.g. "db.connections".
    pub id: String,
    /// Diagram node, e.g. "db".
    pub node: String,
    /// What its servers are.
    pub role: &'static str,
    /// Arrivals per second.
    pub arrivals_per_s: f64,
    /// Departures per second.
    pub completions_per_s: f64,
    /// Average busy servers / servers (0 for a delay).
    pub utilization: f64,
    /// Busy servers now (for a delay: requests inside).
    pub busy: u32,
    /// Average requests waiting over the last [`UTILIZATION_S`].
    pub mean_queue_len: f64,
    /// Average requests present (waiting or served) over the last [`UTILIZATION_S`].
    pub mean_present: f64,
    /// Servers (0 for a delay: unlimited).
    pub servers: u32,
    /// Waiting now.
    pub queue_len: u32,
    /// Time in the resource, ms.
    pub p50_ms: f64,
    /// 95th percentile, ms.
    pub p95_ms: f64,
    /// 99th percentile, ms.
    pub p99_ms: f64,
    /// Failures that started here since the reset, by cause.
    pub errors_by_cause: [u64; CAUSES.len()],
    /// Erlang C from the window's arrival rate and the mean service time.
    pub theory_utilization: Option<f64>,
    /// Erlang C's probability of waiting.
    pub theory_prob_wait: Option<f64>,
    /// Erlang C's mean wait, ms (None when over capacity).
    pub theory_wait_ms: Option<f64>,
    /// Measured mean wait since the reset, ms.
    pub mean_wait_ms: f64,
}

/// Makes `to` equal to `from`, reusing its storage: no allocation once it has been filled.
fn set_string(to: &mut String, from: &str) {
    if to != from {
        to.clear();
        to.push_str(from);
    }
}

impl Sim {
    /// Writes what the animation needs now into `out`, reusing its storage.
    pub fn motion_into(&self, out: &mut Motion) {
        out.time_s = self.core.now;
        out.trail_window_s = self.core.trail.window_s();
        self.core
            .recent_failures(out.trail_window_s, &mut out.failures);
        self.core.trail.traces(self.core.now, &mut out.trail);
    }

    /// What the animation needs now.
    pub fn motion(&self) -> Motion {
        let mut m = Motion::default();
        self.motion_into(&mut m);
        m
    }

    /// The live picture, with up to `max_in_flight` requests sampled for the animation.
    ///
    /// Allocates a new snapshot; a caller that asks every frame should keep one and call
    /// [`Sim::snapshot_into`].
    pub fn snapshot(&mut self, max_in_flight: usize) -> Snapshot {
        let mut s = Snapshot::default();
        self.snapshot_into(&mut s, max_in_flight);
        s
    }

    /// Writes the live picture into `out`, reusing its vectors and strings: once `out` has
    /// held a snapshot of this simulation, this allocates nothing.
    pub fn snapshot_into(&mut self, out: &mut Snapshot, max_in_flight: usize) {
        let now = self.core.now;
        out.nodes
            .resize_with(self.core.resources.len(), NodeSnapshot::default);
        for (r, n) in self.core.resources.iter_mut().zip(&mut out.nodes) {
            r.sojourn_live.advance(now);
            // Utilization over the last two seconds: steady, and quick to follow a slider.
            let (busy_avg, queue_avg, present_avg) = r.live_averages(now, UTILIZATION_S);
            let servers = if r.is_delay() { 0 } else { r.spec.servers };
            let lambda = r.arrivals_live.rate(now);
            let c = r.counts;
            let mean_service = if c.services > 0 {
                c.service_sum / c.services as f64
            } else {
                0.0
            };
            let theory = (servers > 0 && mean_service > 0.0)
                .then(|| erlang::mmc(lambda, 1.0 / mean_service, servers));
            let [p50, p95, p99] = r.sojourn_live.quantiles([0.5, 0.95, 0.99]);
            set_string(&mut n.id, &r.spec.id);
            set_string(&mut n.node, &r.spec.node);
            n.role = r.spec.role;
            n.arrivals_per_s = lambda;
            n.completions_per_s = r.departures_live.rate(now);
            n.utilization = if servers > 0 {
                (busy_avg / f64::from(servers)).clamp(0.0, 1.0)
            } else {
                0.0
            };
            n.busy = r.busy;
            n.mean_queue_len = queue_avg;
            n.mean_present = present_avg;
            n.servers = servers;
            n.queue_len = r.waiting;
            n.p50_ms = p50 * 1e3;
            n.p95_ms = p95 * 1e3;
            n.p99_ms = p99 * 1e3;
            n.errors_by_cause = c.errors;
            n.theory_utilization = theory.map(|t| t.utilization);
            n.theory_prob_wait = theory.map(|t| t.prob_wait);
            n.theory_wait_ms = theory.and_then(|t| t.mean_wait_s).map(|w| w * 1e3);
            n.mean_wait_ms = if c.waits > 0 {
                c.wait_sum / c.waits as f64 * 1e3
            } else {
                0.0
            };
        }
        let t = &mut self.core.totals;
        t.latency_live.advance(now);
        out.time_s = now;
        out.throughput_rps = t.completed_live.rate(now);
        out.failures_per_s = t.failed_live.rate(now);
        let finished = out.throughput_rps + out.failures_per_s;
        out.error_rate = if finished > 0.0 {
            out.failures_per_s / finished
        } else {
            0.0
        };
        out.errors_by_cause = t.failed;
        out.error_rate_by_cause = std::array::from_fn(|i| {
            if finished > 0.0 {
                t.failed_cause_live[i].rate(now) / finished
            } else {
                0.0
            }
        });
        out.samples = t.latency_live.count();
        let [p50, p95, p99] = t.latency_live.quantiles([0.5, 0.95, 0.99]);
        out.p50_ms = p50 * 1e3;
        out.p95_ms = p95 * 1e3;
        out.p99_ms = p99 * 1e3;
        let replica_reads = t.replica_reads_live.rate(now);
        out.stale_read_rate = if replica_reads > 0.0 {
            (t.stale_live.rate(now) / replica_reads).min(1.0)
        } else {
            0.0
        };
        out.partial_commits = t.partial_commits;
        t.partial_live.advance(now);
        out.recent_partial_commits = t.partial_live.count_in_window();
        out.replica_lag_ms.clear();
        out.replica_lag_ms
            .extend(self.core.replicas.iter_mut().map(|r| r.lag(now) * 1e3));
        let mut hosts = self
            .core
            .hosts
            .iter()
            .filter(|h| h.mem_capacity_mb.is_finite());
        let mut kept = 0;
        for (name, used, capacity, up) in out.hosts.iter_mut() {
            let Some(h) = hosts.next() else { break };
            set_string(name, &h.name);
            (*used, *capacity, *up) = (h.mem_used_mb, h.mem_capacity_mb, h.up);
            kept += 1;
        }
        out.hosts.truncate(kept);
        out.hosts
            .extend(hosts.map(|h| (h.name.clone(), h.mem_used_mb, h.mem_capacity_mb, h.up)));
        out.recent_oom = self
            .core
            .hosts
            .iter()
            .any(|h| h.oom_recent(now, crate::resource::LIVE_WINDOW_S));
        out.has_queue = self.has_queue();
        self.in_flight(max_in_flight, &mut out.in_flight);
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::Scenario;
    use crate::sim::Sim;

    #[test]
    fn the_snapshot_follows_the_live_load() {
        let mut sim = Sim::new(&Scenario::for_stage(4, 50_000.0), 1);
        sim.step_until(20.0);
        let s = sim.snapshot(100);
        let offered = Scenario::for_stage(4, 50_000.0).peak_rps();
        assert!(
            (s.throughput_rps / offered - 1.0).abs() < 0.05,
            "{} vs {offered}",
            s.throughput_rps
        );
        assert!(s.p50_ms <= s.p95_ms && s.p95_ms <= s.p99_ms);
        assert!(!s.in_flight.is_empty() && s.in_flight.len() <= 100);
        assert!(s
            .in_flight
            .iter()
            .all(|f| (f.edge as usize) < sim.edges().len()));
        let db = s.nodes.iter().find(|n| n.id == "db.cpu").unwrap();
        assert!(db.utilization > 0.05 && db.theory_utilization.is_some());
        // Ten times the users: the database works harder within one live window.
        let mut busy = Sim::new(&Scenario::for_stage(4, 150_000.0), 1);
        busy.step_until(20.0);
        let b = busy.snapshot(100);
        let db_busy = b.nodes.iter().find(|n| n.id == "db.cpu").unwrap();
        assert!(db_busy.utilization > 2.0 * db.utilization);
    }

    #[test]
    fn a_reused_snapshot_equals_a_fresh_one() {
        let mut sim = Sim::new(&Scenario::for_stage(7, 2_000_000.0), 3);
        let mut other = Sim::new(&Scenario::for_stage(4, 50_000.0), 3);
        sim.step_until(5.0);
        other.step_until(5.0);
        // A buffer that held another topology's snapshot, then this one's, frame after frame.
        let mut buffer = other.snapshot(10);
        for t in [5.5, 6.0, 7.5] {
            sim.step_until(t);
            let mut twin = sim.clone();
            sim.snapshot_into(&mut buffer, 40);
            assert_eq!(buffer, twin.snapshot(40));
        }
        other.snapshot_into(&mut buffer, 10);
        assert_eq!(buffer, other.clone().snapshot(10));
    }

    #[test]
    fn requests_on_the_wire_are_counted_as_they_come_and_go() {
        // Stage 1 past its limit: OOM kills fail requests while they travel, too.
        for (stage, users) in [(1, 3_000.0), (7, 1_000_000.0)] {
            let mut sim = Sim::new(&Scenario::for_stage(stage, users), 2);
            for t in 1..=40 {
                sim.step_until(f64::from(t));
                let (kept, counted) = sim.core.travelling_counted();
                assert_eq!(kept, counted, "stage {stage} at {t} s");
            }
            let s = sim.snapshot(7);
            assert!(s.in_flight.len() <= 7);
            // (Stage 1 may be down, restarting after an OOM kill, with nothing on the wire.)
            assert!(stage == 1 || !s.in_flight.is_empty());
        }
    }
}
