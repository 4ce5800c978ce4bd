//! Which failure a system is in, read from its measured metrics (never from its inputs).
//!
//! The same rules read a whole run ([`detect`], from a [`Report`]) and the live window the UI
//! shows ([`detect_live`], from a [`Snapshot`]): both are turned into [`Measured`] first.

use crate::scenario::Scenario;
use crate::sim::Report;
use crate::snapshot::Snapshot;

/// Stable failure codes, in the order they are checked.
pub const CODES: [&str; 8] = [
    "oom_cascade",
    "blind_slowdown",
    "upstream_blocking",
    "primary_saturated",
    "db_connections_exhausted",
    "app_saturated",
    "stale_reads",
    "cross_shard_partial_commit",
];

/// The latency target for p95, ms.
pub const P95_TARGET_MS: f64 = 500.0;
/// The error rate above which the site counts as failing.
pub const ERROR_BUDGET: f64 = 0.01;
/// The stale-read rate above which replicas count as failing.
pub const STALE_BUDGET: f64 = 0.005;
/// Finished requests a p95 needs before it counts: with fewer, one slow call is the 95th
/// percentile, which says nothing about the system.
pub const MIN_SAMPLES: u64 = 100;
/// Failed requests an error rate needs before it counts: two unlucky calls out of 150 are
/// over 1% but are not a failing site.
pub const MIN_ERRORS: f64 = 10.0;

/// One resource as the rules see it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeasuredNode<'a> {
    /// Resource id, e.g. "db.connections".
    pub id: &'a str,
    /// Diagram node, e.g. "db".
    pub node: &'a str,
    /// Average busy servers / servers.
    pub utilization: f64,
    /// Average requests waiting.
    pub mean_queue_len: f64,
    /// Average requests present (waiting or served).
    pub mean_present: f64,
    /// Servers (0 for a delay).
    pub servers: u32,
}

/// What the failure rules read, over a whole run or over the live window.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured<'a> {
    /// User requests finished, well or not: what the rates and percentiles rest on.
    pub samples: u64,
    /// Failed / finished user requests.
    pub error_rate: f64,
    /// 95th percentile response time, ms.
    pub p95_ms: f64,
    /// A machine was killed for running out of memory.
    pub oom: bool,
    /// Stale reads / replica reads.
    pub stale_read_rate: f64,
    /// Cross-shard transactions left half committed.
    pub partial_commits: u64,
    /// Slow work goes through a queue (jobs do not hold app threads).
    pub has_queue: bool,
    /// Every resource.
    pub nodes: Vec<MeasuredNode<'a>>,
}

impl<'a> From<&'a Report> for Measured<'a> {
    fn from(r: &'a Report) -> Self {
        Self {
            samples: r.completed + r.failed,
            error_rate: r.error_rate,
            p95_ms: r.p95_ms,
            oom: r.hosts.iter().any(|h| h.oom_kills > 0),
            stale_read_rate: r.stale_read_rate,
            partial_commits: r.partial_commits,
            has_queue: r.queue.is_some(),
            nodes: r
                .nodes
                .iter()
                .map(|n| MeasuredNode {
                    id: &n.id,
                    node: &n.node,
                    utilization: n.utilization,
                    mean_queue_len: n.mean_queue_len,
                    mean_present: n.mean_present,
                    servers: n.servers,
                })
                .collect(),
        }
    }
}

impl<'a> From<&'a Snapshot> for Measured<'a> {
    fn from(s: &'a Snapshot) -> Self {
        Self {
            samples: s.samples,
            error_rate: s.error_rate,
            p95_ms: s.p95_ms,
            oom: s.recent_oom,
            stale_read_rate: s.stale_read_rate,
            partial_commits: s.recent_partial_commits,
            has_queue: s.has_queue,
            nodes: s
                .nodes
                .iter()
                .map(|n| MeasuredNode {
                    id: &n.id,
                    node: &n.node,
                    utilization: n.utilization,
                    mean_queue_len: n.mean_queue_len,
                    mean_present: n.mean_present,
                    servers: n.servers,
                })
                .collect(),
        }
    }
}

fn mean_of(m: &Measured, role_suffix: &str, node_prefix: &str) -> Option<(f64, f64, f64)> {
    let nodes: Vec<_> = m
        .nodes
        .iter()
        .filter(|n| n.id.ends_with(role_suffix) && n.node.starts_with(node_prefix))
        .collect();
    if nodes.is_empty() {
        return None;
    }
    let k = nodes.len() as f64;
    Some((
        nodes.iter().map(|n| n.utilization).sum::<f64>() / k,
        nodes.iter().map(|n| n.mean_queue_len).sum::<f64>() / k,
        nodes.iter().map(|n| n.mean_present).sum::<f64>(),
    ))
}

/// The first failure whose rule holds for a whole run's `report`, if any.
pub fn detect(sc: &Scenario, report: &Report) -> Option<&'static str> {
    rules(sc, &Measured::from(report))
}

/// The first failure whose rule holds over the live window of `snapshot`, if any.
pub fn detect_live(sc: &Scenario, snapshot: &Snapshot) -> Option<&'static str> {
    rules(sc, &Measured::from(snapshot))
}

/// Whether a p95 of `p95_ms` over `samples` finished requests misses the target, with
/// enough requests to say so.
pub fn slow(samples: u64, p95_ms: f64) -> bool {
    samples >= MIN_SAMPLES && p95_ms > P95_TARGET_MS
}

/// Whether an error rate over `samples` finished requests is over the budget, with enough
/// failures to say so.
pub fn erroring(samples: u64, error_rate: f64) -> bool {
    error_rate > ERROR_BUDGET && error_rate * samples as f64 >= MIN_ERRORS
}

/// Whether p95 latency is over its target, on enough requests to say so.
pub fn too_slow(r: &Measured) -> bool {
    slow(r.samples, r.p95_ms)
}

/// Whether more requests fail than the error budget allows, on enough failures to say so.
pub fn too_many_errors(r: &Measured) -> bool {
    erroring(r.samples, r.error_rate)
}

/// Whether the site misses its targets (p95 latency or errors), on enough requests to say so,
/// whether or not a rule explains why.
pub fn over_budget(r: &Measured) -> bool {
    too_slow(r) || too_many_errors(r)
}

/// The rules, in the order of [`CODES`].
pub fn rules(sc: &Scenario, r: &Measured) -> Option<&'static str> {
    let slow = too_slow(r);
    let failing = over_budget(r);
    if r.oom {
        return Some("oom_cascade");
    }
    if !sc.observability && slow {
        return Some("blind_slowdown");
    }
    for p in ["db", "shard"] {
        // I/O-bound (disk busier than CPU) with writes queueing for their row locks.
        if let Some((io, _, _)) = mean_of(r, ".io", p) {
            let cpu = mean_of(r, ".cpu", p).map_or(0.0, |c| c.0);
            let locks = mean_of(r, ".locks", p).map_or(0.0, |l| l.1);
            if failing && io > 0.6 && io >= cpu && locks > 1.0 {
                return Some("primary_saturated");
            }
        }
        if let Some((util, queue, _)) = mean_of(r, ".connections", p) {
            if failing && util > 0.85 && queue > 1.0 {
                return Some("db_connections_exhausted");
            }
        }
    }
    let cpu = mean_of(r, ".cpu", "app").map_or(0.0, |c| c.0);
    if failing && cpu > 0.95 {
        return Some("app_saturated");
    }
    let threads = mean_of(r, ".threads", "app").map_or(0.0, |t| t.0);
    let total_threads: f64 = r
        .nodes
        .iter()
        .filter(|n| n.id.ends_with(".threads"))
        .map(|n| f64::from(n.servers))
        .sum();
    // Threads parked inside a third-party call (jobs on a queue do not hold app threads).
    let parked = if r.has_queue {
        0.0
    } else {
        r.nodes
            .iter()
            .find(|n| n.id == "api.calls")
            .map_or(0.0, |n| n.mean_present)
    };
    if failing && threads > 0.95 {
        if parked > 0.5 * total_threads {
            return Some("upstream_blocking");
        }
        return Some("app_saturated");
    }
    if r.stale_read_rate > STALE_BUDGET {
        return Some("stale_reads");
    }
    if r.partial_commits > 0 {
        return Some("cross_shard_partial_commit");
    }
    None
}
