//! The one reading: everything measured about a running system over one window.
//!
//! The page reads the live window (the last ten seconds in whole steps of two, and the current
//! part of a step);
//! the command line reads the whole run after its warm-up. Both are cut the same way, from the
//! core's running totals ([`crate::stats::Tally`]), so a resource's arrival rate, its mean
//! wait, its utilization and the Erlang C prediction beside them describe the same seconds.

use serde::{Deserialize, Serialize, Serializer};

use crate::core::{InFlight, Model, Window};
use crate::erlang;
use crate::parts::{PartId, ResourceId};
use crate::resource::{Cause, CAUSES};
use crate::sim::{ActiveFaults, Count, Sim};
use crate::stats::Tally;

/// A count for each failure cause, in [`CAUSES`] order; written as an object keyed by the
/// causes' codes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
#[serde(from = "std::collections::BTreeMap<String, u64>")]
pub struct ByCause(pub [u64; CAUSES.len()]);

impl ByCause {
    /// The count for `cause`.
    pub fn of(&self, cause: Cause) -> u64 {
        self.0[cause.index()]
    }

    /// All causes together.
    pub fn total(&self) -> u64 {
        self.0.iter().sum()
    }
}

impl Serialize for ByCause {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(CAUSES.len()))?;
        for c in CAUSES {
            map.serialize_entry(c.code(), &self.0[c.index()])?;
        }
        map.end()
    }
}

impl From<std::collections::BTreeMap<String, u64>> for ByCause {
    fn from(m: std::collections::BTreeMap<String, u64>) -> Self {
        let mut out = [0; CAUSES.len()];
        for c in CAUSES {
            out[c.index()] = m.get(c.code()).copied().unwrap_or(0);
        }
        Self(out)
    }
}

/// Erlang C's prediction for a resource, from the window's measured arrival rate, mean
/// service time and servers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Theory {
    /// Predicted utilization (λ / cμ).
    pub utilization: f64,
    /// Probability that an arrival waits.
    pub prob_wait: f64,
    /// Mean wait, ms (`None` when the load exceeds capacity).
    pub mean_wait_ms: Option<f64>,
}

/// One resource over the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceReading {
    /// Which resource.
    pub id: ResourceId,
    /// Servers (0 for a delay: no limit of its own).
    pub servers: u32,
    /// Busy servers now (for a delay: requests inside).
    pub busy: u32,
    /// Requests waiting now.
    pub queue_len: u32,
    /// Arrivals per second.
    pub arrivals_per_s: f64,
    /// Departures per second, normal or failed.
    pub completions_per_s: f64,
    /// Time-average busy servers over servers (0 for a delay).
    pub utilization: f64,
    /// Time-average requests waiting.
    pub mean_queue_len: f64,
    /// Time-average requests present, waiting or served (L in Little's law).
    pub mean_present: f64,
    /// Arrivals counted.
    pub arrivals: u64,
    /// Left normally.
    pub completed: u64,
    /// Left because they failed, here or elsewhere.
    pub failed: u64,
    /// Of `failed`, jobs' attempts (the queue retries them, or dead-letters the last).
    pub failed_jobs: u64,
    /// Mean wait in the queue, ms.
    pub mean_wait_ms: f64,
    /// Mean time holding or using a server, ms.
    pub mean_service_ms: f64,
    /// Mean time here, waiting and served (W in Little's law), ms.
    pub mean_ms: f64,
    /// Median time here, ms, over every resource of its kind (identical servers share one
    /// histogram).
    pub p50_ms: f64,
    /// 95th percentile time here, ms, likewise.
    pub p95_ms: f64,
    /// 99th percentile time here, ms, likewise.
    pub p99_ms: f64,
    /// Failures that started here, by cause.
    pub errors: ByCause,
    /// Share of its service time spent on flagged work (the unindexed scan).
    pub flagged_share: f64,
    /// Erlang C beside the measurements.
    pub theory: Option<Theory>,
}

impl ResourceReading {
    /// Whether it is saturated: at least `at` busy on average with requests waiting.
    pub fn saturated(&self, at: f64) -> bool {
        self.servers > 0
            && self.utilization >= at
            && self.mean_queue_len >= crate::calibration::QUEUED
    }
}

/// A machine with a memory limit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostReading {
    /// Its name.
    pub name: String,
    /// The parts that run on it.
    pub parts: Vec<PartId>,
    /// Up now.
    pub up: bool,
    /// Memory in use now, MB.
    pub memory_used_mb: f64,
    /// Highest memory use since the statistics were last reset, MB.
    pub memory_peak_mb: f64,
    /// Memory it has, MB.
    pub memory_capacity_mb: f64,
    /// OOM kills in the window.
    pub oom_kills: u64,
    /// Times it went down in the window.
    pub outages: u64,
    /// Seconds down in the window.
    pub down_s: f64,
    /// Down now because it ran out of memory (whenever that was).
    pub down_from_oom: bool,
    /// Killed for memory within the last [`crate::calibration::OOM_MEMORY_S`].
    pub oom_recently: bool,
}

/// The job queue.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct QueueReading {
    /// Jobs waiting for a worker now.
    pub depth: u32,
    /// How long the oldest waiting job has waited, seconds.
    pub oldest_age_s: f64,
    /// Jobs enqueued in the window.
    pub enqueued: u64,
    /// Jobs done in the window.
    pub done: u64,
    /// Retries after a failed attempt, in the window.
    pub retries: u64,
    /// Jobs dead-lettered in the window: their last attempt failed while a worker ran it.
    pub dead_letters: u64,
}

/// Everything measured over one window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reading {
    /// Stage number.
    pub stage: u8,
    /// Daily active users.
    pub users: f64,
    /// Requests per second reaching the site now (a traffic spike included).
    pub offered_rps: f64,
    /// Simulated time now, seconds.
    pub time_s: f64,
    /// Simulated seconds the window covers.
    pub window_s: f64,
    /// The faults switched on.
    pub faults: ActiveFaults,
    /// User requests that arrived.
    pub arrivals: u64,
    /// User requests answered well.
    pub completed: u64,
    /// User requests that failed.
    pub failed: u64,
    /// User requests in progress now.
    pub in_flight: u64,
    /// Good responses per second.
    pub throughput_rps: f64,
    /// Failures per second.
    pub failures_per_s: f64,
    /// Median response time of every request (a failed one at the request timeout), ms.
    pub p50_ms: f64,
    /// 95th percentile response time of every request, likewise, ms.
    pub p95_ms: f64,
    /// 99th percentile response time of every request, likewise, ms.
    pub p99_ms: f64,
    /// Mean response time of every request, likewise, ms.
    pub mean_ms: f64,
    /// 95th percentile response time of good responses only, ms.
    pub ok_p95_ms: f64,
    /// Median response time of good responses only, ms.
    pub ok_p50_ms: f64,
    /// Time-average user requests in progress (L in Little's law, end to end).
    pub mean_in_flight: f64,
    /// Mean time from arrival to end of the user requests that ended, as it was (a failure at
    /// the time it failed): the W of Little's law, end to end, ms.
    pub mean_in_system_ms: f64,
    /// Failed / finished user requests.
    pub error_rate: f64,
    /// Failed user requests by cause.
    pub errors: ByCause,
    /// Stale replica reads / replica reads.
    pub stale_read_rate: f64,
    /// Reads from a replica that returned a key older than its latest write.
    pub stale_reads: u64,
    /// Reads (queries, one key each) a replica answered.
    pub replica_reads: u64,
    /// Of the stale reads, those that refilled the cache just after a write had cleared the
    /// key: the next read of a hot key goes to a replica that has not applied the write yet.
    pub stale_refills: u64,
    /// Each replica's lag now, ms.
    pub replica_lag_ms: Vec<f64>,
    /// Cross-shard transfers that ended.
    pub transfers: u64,
    /// Of those, transfers committed on one shard only.
    pub partial_commits: u64,
    /// Partial commits / transfers.
    pub partial_commit_rate: f64,
    /// The job queue, when there is one.
    pub queue: Option<QueueReading>,
    /// Machines with a memory limit.
    pub hosts: Vec<HostReading>,
    /// Every resource.
    pub resources: Vec<ResourceReading>,
    /// Requests finished of each class per second (see [`crate::sim::class`]).
    pub finished_by_class: Vec<f64>,
    /// Memory the cron report takes when it runs now, MB.
    pub cron_report_mb: f64,
    /// Jobs enqueued per second.
    pub jobs_per_s: f64,
    /// Events handled since the statistics were last reset.
    pub events: u64,
}

impl Reading {
    /// A reading of nothing measured yet, for `sc`'s system.
    pub fn empty(sc: &crate::scenario::Scenario) -> Self {
        Self {
            stage: sc.stage,
            users: sc.users,
            offered_rps: sc.network_rps(),
            time_s: 0.0,
            window_s: 0.0,
            faults: ActiveFaults::default(),
            arrivals: 0,
            completed: 0,
            failed: 0,
            in_flight: 0,
            throughput_rps: 0.0,
            failures_per_s: 0.0,
            p50_ms: 0.0,
            p95_ms: 0.0,
            p99_ms: 0.0,
            mean_ms: 0.0,
            ok_p95_ms: 0.0,
            ok_p50_ms: 0.0,
            mean_in_flight: 0.0,
            mean_in_system_ms: 0.0,
            error_rate: 0.0,
            errors: ByCause::default(),
            stale_read_rate: 0.0,
            stale_reads: 0,
            replica_reads: 0,
            stale_refills: 0,
            replica_lag_ms: Vec::new(),
            transfers: 0,
            partial_commits: 0,
            partial_commit_rate: 0.0,
            queue: None,
            hosts: Vec::new(),
            resources: Vec::new(),
            finished_by_class: vec![0.0; crate::sim::class::COUNT],
            cron_report_mb: 0.0,
            jobs_per_s: 0.0,
            events: 0,
        }
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

fn per_s(n: u64, span: f64) -> f64 {
    n as f64 / span
}

fn mean_ms(sum: f64, n: u64) -> f64 {
    if n == 0 {
        0.0
    } else {
        sum / n as f64 * 1e3
    }
}

impl ResourceReading {
    fn from_tally(
        id: ResourceId,
        now: (u32, u32, u32),
        d: &Tally,
        span: f64,
        quantiles: [f64; 3],
    ) -> Self {
        let (servers, busy, queue_len) = now;
        let lambda = per_s(d.arrivals, span);
        let mean_service_s = if d.services > 0 {
            d.service_sum / d.services as f64
        } else {
            0.0
        };
        let theory = (servers > 0 && mean_service_s > 0.0 && lambda > 0.0).then(|| {
            let p = erlang::mmc(lambda, 1.0 / mean_service_s, servers);
            Theory {
                utilization: p.utilization,
                prob_wait: p.prob_wait,
                mean_wait_ms: p.mean_wait_s.map(|w| w * 1e3),
            }
        });
        Self {
            id,
            servers,
            busy,
            queue_len,
            arrivals_per_s: lambda,
            completions_per_s: per_s(d.departures(), span),
            utilization: if servers > 0 {
                (d.busy_area / span / f64::from(servers)).clamp(0.0, 1.0)
            } else {
                0.0
            },
            mean_queue_len: d.queue_area / span,
            mean_present: d.present_area / span,
            arrivals: d.arrivals,
            completed: d.completed,
            failed: d.failed,
            failed_jobs: d.failed_jobs,
            mean_wait_ms: mean_ms(d.wait_sum, d.waits),
            mean_service_ms: mean_service_s * 1e3,
            mean_ms: mean_ms(d.sojourn_sum, d.departures()),
            p50_ms: quantiles[0] * 1e3,
            p95_ms: quantiles[1] * 1e3,
            p99_ms: quantiles[2] * 1e3,
            errors: ByCause(d.errors),
            flagged_share: if d.service_sum > 0.0 {
                (d.flagged_service_sum / d.service_sum).clamp(0.0, 1.0)
            } else {
                0.0
            },
            theory,
        }
    }
}

impl Sim {
    /// Everything measured over `window`.
    pub fn reading(&mut self, window: Window) -> Reading {
        let offered = self.offered_rps();
        let faults = self.faults();
        let (stage, users) = (self.scenario().stage, self.scenario().users);
        let ids = self.resource_ids().to_vec();
        let queue_res = self.queue_resource();
        let cron_report_mb = self.cron_report_mb();
        let topology_parts: Vec<(Option<u16>, PartId)> =
            self.parts().iter().map(|p| (p.host, p.id)).collect();
        let core = self.core_mut();
        let now = core.now();
        let counted = core.window(window);
        let span = (now - counted.start).max(1e-9);
        let mut resources = Vec::with_capacity(core.resources().len());
        for ((i, id), d) in ids.iter().enumerate().zip(&counted.resources) {
            let r = &core.resources()[i];
            let group = usize::from(r.spec.group);
            let now_state = (r.servers(), r.busy, r.waiting);
            let q = core.stats_mut().groups[group]
                .over(window, now)
                .quantiles([0.5, 0.95, 0.99]);
            resources.push(ResourceReading::from_tally(*id, now_state, d, span, q));
        }
        let t = counted.totals;
        let [replica_reads, stale_reads, transfers, partial_commits] = [
            Count::ReplicaReads,
            Count::StaleReads,
            Count::Transfers,
            Count::PartialCommits,
        ]
        .map(|c| c.of(&t));
        let [p50, p95, p99] = core
            .stats_mut()
            .latency
            .over(window, now)
            .quantiles([0.5, 0.95, 0.99]);
        let mean = core.stats_mut().latency.over(window, now).mean();
        let [ok50, ok95] = core
            .stats_mut()
            .latency_ok
            .over(window, now)
            .quantiles([0.5, 0.95]);
        let failed = t.failed_total();
        let finished = t.completed + failed;
        let memory = core.hooks().memory();
        let hosts = core
            .hosts()
            .iter()
            .zip(memory)
            .enumerate()
            .filter(|(_, (_, m))| m.capacity_mb.is_finite())
            .map(|(i, (h, m))| {
                let (oom_kills, outages, down_s) = match window {
                    Window::Run => {
                        let (outages, down_s) = core.host_counts(i);
                        (m.oom_kills_in_run(), outages, down_s)
                    }
                    // The live window: whether a kill happened in it, from the time of the last.
                    Window::Live => (
                        u64::from(now - m.last_oom_s <= span),
                        u64::from(!h.up),
                        if h.up { 0.0 } else { now - h.down_since },
                    ),
                };
                HostReading {
                    name: h.name.clone(),
                    parts: topology_parts
                        .iter()
                        .filter(|(host, _)| *host == Some(i as u16))
                        .map(|&(_, p)| p)
                        .collect(),
                    up: h.up,
                    memory_used_mb: m.used_mb,
                    memory_peak_mb: m.peak_mb,
                    memory_capacity_mb: m.capacity_mb,
                    oom_kills,
                    outages,
                    down_s,
                    down_from_oom: m.downed(h),
                    oom_recently: now - m.last_oom_s <= crate::calibration::OOM_MEMORY_S,
                }
            })
            .collect();
        let queue = queue_res.map(|res| QueueReading {
            depth: core.resources()[res as usize].waiting,
            oldest_age_s: core.oldest_wait(res),
            enqueued: t.jobs_enqueued,
            done: t.jobs_done,
            retries: t.job_retries,
            dead_letters: t.dead_letters,
        });
        let replica_lag_ms = core
            .hooks_mut()
            .replicas
            .iter_mut()
            .map(|r| r.lag.lag(now) * 1e3)
            .collect();
        Reading {
            stage,
            users,
            offered_rps: offered,
            time_s: now,
            window_s: span,
            faults,
            arrivals: t.arrivals,
            completed: t.completed,
            failed,
            in_flight: core.live_user_requests(),
            throughput_rps: per_s(t.completed, span),
            failures_per_s: per_s(failed, span),
            p50_ms: p50 * 1e3,
            p95_ms: p95 * 1e3,
            p99_ms: p99 * 1e3,
            mean_ms: mean * 1e3,
            ok_p95_ms: ok95 * 1e3,
            ok_p50_ms: ok50 * 1e3,
            mean_in_flight: t.user_present_area / span,
            mean_in_system_ms: mean_ms(t.response_time_sum, finished),
            error_rate: ratio(failed, finished),
            errors: ByCause(t.failed),
            stale_read_rate: ratio(stale_reads, replica_reads),
            stale_reads,
            replica_reads,
            stale_refills: Count::StaleRefills.of(&t),
            replica_lag_ms,
            transfers,
            partial_commits,
            partial_commit_rate: ratio(partial_commits, transfers),
            queue,
            hosts,
            resources,
            finished_by_class: t
                .finished_by_class
                .iter()
                .map(|&n| per_s(n, span))
                .collect(),
            jobs_per_s: per_s(t.jobs_enqueued, span),
            cron_report_mb,
            events: core.events_handled(),
        }
    }

    /// Writes what the animation needs now into `out`, reusing its storage.
    pub fn motion_into(&self, out: &mut Motion) {
        let core = self.core();
        out.time_s = core.now();
        let hooks = core.hooks();
        out.trail_window_s = hooks.trail.window_s();
        hooks.recent_failures(core.now(), out.trail_window_s, &mut out.failures);
        hooks.trail.traces(core.now(), &mut out.trail);
    }

    /// What the animation needs now.
    pub fn motion(&self) -> Motion {
        let mut m = Motion::default();
        self.motion_into(&mut m);
        m
    }
}

/// What the animation needs every frame, cheap to take: the hops requests took lately and
/// where requests just failed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Motion {
    /// Simulated time, seconds.
    pub time_s: f64,
    /// Hops requests took within the trail's window, thinned.
    pub trail: Vec<crate::trail::Trace>,
    /// The trail's window, simulated seconds: a hop's dot crosses its edge in this time.
    pub trail_window_s: f64,
    /// User requests that failed within the trail's window: (index into
    /// [`Reading::resources`] of the resource where each failed, age in seconds).
    pub failures: Vec<(u16, f32)>,
}

/// A sample of requests on the wire (for tests of the core's bookkeeping).
pub fn in_flight(sim: &Sim, max: usize) -> Vec<InFlight> {
    let mut out = Vec::new();
    sim.in_flight_sample(max, &mut out);
    out
}

/// The HTTP status a user gets for a request that failed with `cause`.
pub fn http_status(cause: Cause) -> u16 {
    match cause {
        Cause::QueueFull => 503,
        Cause::Timeout => 504,
        // "Too many connections", and a transfer's aborted second half.
        Cause::PoolTimeout | Cause::Aborted => 500,
        // The machine was down (killed, crashed, deploying), or the third party failed.
        Cause::Down | Cause::Upstream => 502,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_queue_is_503_a_timeout_504_and_every_cause_a_server_error() {
        assert_eq!(http_status(Cause::QueueFull), 503);
        assert_eq!(http_status(Cause::Timeout), 504);
        assert!(CAUSES
            .iter()
            .all(|&c| (500..=504).contains(&http_status(c))));
    }
}
