//! Which failure a run is in, read from its measured metrics (never from its inputs).

use crate::scenario::Scenario;
use crate::sim::Report;

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

fn mean_of(r: &Report, role_suffix: &str, node_prefix: &str) -> Option<(f64, f64, f64)> {
    let nodes: Vec<_> = r
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

/// The first failure whose rule holds for the measured `report`, if any.
pub fn detect(sc: &Scenario, r: &Report) -> Option<&'static str> {
    let failing = r.error_rate > ERROR_BUDGET || r.p95_ms > P95_TARGET_MS;
    if r.hosts.iter().any(|h| h.oom_kills > 0) {
        return Some("oom_cascade");
    }
    if !sc.observability && r.p95_ms > P95_TARGET_MS {
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
    let parked = if r.queue.is_some() {
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
