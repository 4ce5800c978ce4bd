//! What the running system costs per month: its machines (from its topology) and its traffic
//! (from what the reading measured it serving), priced from a table that is data.
//!
//! The simulation runs the peak hour, so a measured rate is turned into a month at the
//! average rate: the peak rate over the peak-hour factor. A system that cannot serve its
//! load pays for its machines and for what it does serve, not for the traffic it turns away.

use serde::{Deserialize, Serialize};

use crate::reading::Reading;
use crate::scenario::{Machine, Scenario};
use crate::sim::class;
use crate::topology::Topology;

/// One line of the price table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Price {
    /// What is priced.
    pub item: &'static str,
    /// US dollars per unit per month.
    pub usd: f64,
    /// The unit.
    pub unit: &'static str,
    /// Where the figure comes from.
    pub source: &'static str,
    /// When it was quoted.
    pub as_of: &'static str,
}

/// Static data out of the origin to the internet (AWS, first tier).
pub const ORIGIN_TRANSFER: Price = Price {
    item: "origin transfer out",
    usd: 0.09,
    unit: "GB",
    source: "assumption: AWS data transfer out, first 10 TB",
    as_of: "2025",
};
/// A managed load balancer's monthly base.
pub const LOAD_BALANCER: Price = Price {
    item: "load balancer",
    usd: 22.0,
    unit: "month",
    source: "source texts: an ALB costs about $22 a month",
    as_of: "2025",
};
/// A cache node.
pub const CACHE_NODE: Price = Price {
    item: "cache node",
    usd: 50.0,
    unit: "node",
    source: "source texts: Redis about $15-50 a month",
    as_of: "2025",
};
/// CDN data out to users.
pub const CDN_TRANSFER: Price = Price {
    item: "CDN transfer",
    usd: 0.085,
    unit: "GB",
    source: "source texts: CloudFront about $0.085/GB for the first 10 TB",
    as_of: "2025",
};
/// Queue messages.
pub const QUEUE_MESSAGES: Price = Price {
    item: "queue",
    usd: 0.40,
    unit: "million messages",
    source: "assumption: SQS standard queue",
    as_of: "2025",
};
/// Metrics, logs and traces for one host.
pub const OBSERVABILITY: Price = Price {
    item: "observability",
    usd: 15.0,
    unit: "host",
    source: "assumption: per-host APM and logs",
    as_of: "2025",
};
/// Queue workers run on t3.large machines, 256 to a machine.
pub const WORKERS_PER_MACHINE: f64 = 256.0;

/// The price table for everything but machines (whose prices are in
/// [`crate::scenario::MACHINES`], from the source texts).
pub const PRICES: [Price; 6] = [
    ORIGIN_TRANSFER,
    LOAD_BALANCER,
    CACHE_NODE,
    CDN_TRANSFER,
    QUEUE_MESSAGES,
    OBSERVABILITY,
];

/// Average size of a static response (JS, CSS, images), KB: sets the transfer bill.
pub const STATIC_KB: f64 = 60.0;
/// Seconds in a month (730 hours).
const SECONDS_PER_MONTH: f64 = 730.0 * 3_600.0;

/// What a line of the bill is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Line {
    /// The one VM.
    Vm,
    /// App servers.
    AppServers,
    /// Database primaries.
    Databases,
    /// Read replicas.
    Replicas,
    /// The load balancer.
    LoadBalancer,
    /// Cache nodes.
    Cache,
    /// Machines for the queue's workers.
    Workers,
    /// Queue messages.
    Queue,
    /// Static files sent from the origin.
    OriginTransfer,
    /// Static files sent from the CDN.
    CdnTransfer,
    /// Metrics, logs and traces.
    Observability,
}

impl Line {
    /// What the line says on the bill.
    pub fn label(self) -> &'static str {
        match self {
            Line::Vm => "the VM",
            Line::AppServers => "app servers",
            Line::Databases => "databases",
            Line::Replicas => "read replicas",
            Line::LoadBalancer => "load balancer",
            Line::Cache => "cache",
            Line::Workers => "queue workers",
            Line::Queue => "queue messages",
            Line::OriginTransfer => "traffic from the origin",
            Line::CdnTransfer => "traffic from the CDN",
            Line::Observability => "observability",
        }
    }

    /// Whether the line follows the traffic (rather than the machines).
    pub fn is_traffic(self) -> bool {
        matches!(self, Line::Queue | Line::OriginTransfer | Line::CdnTransfer)
    }
}

/// A month's cost, total and per line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cost {
    /// Total, USD per month.
    pub monthly_usd: f64,
    /// Per line, USD per month, largest first.
    pub lines: Vec<(Line, f64)>,
    /// USD per million requests served.
    pub per_million_requests_usd: f64,
    /// USD per 1,000 daily active users per month.
    pub per_1k_users_usd: f64,
}

/// The machines of `t`, priced.
fn machines(t: &Topology, sc: &Scenario) -> Vec<(Line, f64)> {
    let usd = |m: &Machine, n: u32| m.usd_month * f64::from(n);
    let mut lines = Vec::new();
    if t.shared_vm {
        lines.push((Line::Vm, usd(&sc.app_machine, 1)));
    } else {
        lines.push((
            Line::AppServers,
            usd(&sc.app_machine, u32::from(t.app_servers)),
        ));
        lines.push((Line::Databases, usd(&sc.db_machine, u32::from(t.shards))));
    }
    let replicas = u32::from(t.shards) * u32::from(t.replicas_per_shard);
    if replicas > 0 {
        lines.push((Line::Replicas, usd(&sc.db_machine, replicas)));
    }
    if t.load_balancer {
        lines.push((Line::LoadBalancer, LOAD_BALANCER.usd));
    }
    if t.cache {
        lines.push((Line::Cache, CACHE_NODE.usd * f64::from(t.cache_nodes)));
    }
    if t.queue {
        let boxes = (f64::from(t.workers) / WORKERS_PER_MACHINE).ceil();
        lines.push((Line::Workers, boxes * crate::scenario::T3_LARGE.usd_month));
    }
    if t.observability {
        let hosts = if t.shared_vm {
            1
        } else {
            u32::from(t.app_servers) + t.database_machines()
        } + u32::from(t.cache) * t.cache_nodes
            + (f64::from(t.workers) / WORKERS_PER_MACHINE).ceil() as u32;
        lines.push((Line::Observability, OBSERVABILITY.usd * f64::from(hosts)));
    }
    lines
}

/// The monthly cost of the system `t` runs for `sc`, with its traffic as `r` measured it.
pub fn monthly(t: &Topology, sc: &Scenario, r: &Reading) -> Cost {
    let mut lines = machines(t, sc);
    let rate = |c: u8| {
        r.finished_by_class
            .get(usize::from(c))
            .copied()
            .unwrap_or(0.0)
    };
    // A peak-hour rate over a month: the average rate is the peak's over the peak-hour factor.
    let month = SECONDS_PER_MONTH / sc.peak_hour_factor.max(1.0);
    let gb = |per_s: f64| per_s * month * STATIC_KB / 1e6;
    let (origin, edge) = (rate(class::STATIC), rate(class::STATIC_EDGE));
    if t.cdn {
        // Everything static reaches users through the CDN (its fetches from the origin are
        // free on AWS).
        lines.push((Line::CdnTransfer, gb(origin + edge) * CDN_TRANSFER.usd));
    } else {
        lines.push((Line::OriginTransfer, gb(origin) * ORIGIN_TRANSFER.usd));
    }
    if t.queue {
        lines.push((Line::Queue, r.jobs_per_s * month / 1e6 * QUEUE_MESSAGES.usd));
    }
    lines.sort_by(|a, b| b.1.total_cmp(&a.1));
    let total: f64 = lines.iter().map(|(_, c)| c).sum();
    let served_month = r.throughput_rps * month;
    Cost {
        monthly_usd: total,
        per_million_requests_usd: if served_month > 0.0 {
            total / (served_month / 1e6)
        } else {
            0.0
        },
        per_1k_users_usd: if sc.users > 0.0 {
            total / (sc.users / 1_000.0)
        } else {
            0.0
        },
        lines,
    }
}

/// The monthly cost of the machines alone (what a system costs before any traffic).
pub fn machines_monthly(t: &Topology, sc: &Scenario) -> f64 {
    machines(t, sc).iter().map(|(_, c)| c).sum()
}

/// What `sc`'s system would cost serving all of its traffic: the machines, and the traffic the
/// request mix predicts (for curves, where nothing runs; the live cost is [`monthly`]).
pub fn predicted(sc: &Scenario) -> Cost {
    let t = Topology::of(sc);
    let network = sc.network_rps();
    let statics = network * sc.network_static_share();
    let dynamic = network - statics;
    let mut finished = vec![0.0; class::COUNT];
    if t.cdn {
        finished[usize::from(class::STATIC_EDGE)] = statics * sc.cdn_hit;
        finished[usize::from(class::STATIC)] = statics * (1.0 - sc.cdn_hit);
    } else {
        finished[usize::from(class::STATIC)] = statics;
    }
    let reading = Reading {
        throughput_rps: network,
        finished_by_class: finished,
        jobs_per_s: if t.queue {
            dynamic * (sc.third_party_share + sc.deferred_share)
        } else {
            0.0
        },
        ..Reading::empty(sc)
    };
    monthly(&t, sc, &reading)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading_serving(sc: &Scenario, served: f64) -> Reading {
        let mut r = Reading::empty(sc);
        r.finished_by_class[usize::from(class::STATIC)] = served;
        r.throughput_rps = served;
        r
    }

    #[test]
    fn one_vm_costs_one_machine_and_the_traffic_it_serves() {
        let sc = Scenario::for_stage(1, 100.0);
        let t = Topology::of(&sc);
        let c = monthly(&t, &sc, &reading_serving(&sc, 2.0));
        let transfer = c
            .lines
            .iter()
            .find(|(l, _)| *l == Line::OriginTransfer)
            .unwrap()
            .1;
        // 2 files a second at the peak, a month at a third of that, 60 KB each, $0.09/GB.
        let expected = 2.0 * 730.0 * 3_600.0 / 3.0 * 60.0 / 1e6 * 0.09;
        assert!(
            (transfer - expected).abs() < 1e-9,
            "{transfer} vs {expected}"
        );
        assert!((c.monthly_usd - 30.37 - expected).abs() < 1e-9);
        // Serving nothing, it costs its machine.
        let dead = monthly(&t, &sc, &reading_serving(&sc, 0.0));
        assert!((dead.monthly_usd - 30.37).abs() < 1e-9);
    }

    #[test]
    fn a_bigger_box_costs_more_per_request_it_can_serve() {
        use crate::scenario::MACHINES;
        let per_rps: Vec<f64> = MACHINES[2..]
            .iter()
            .map(|(_, m)| m.usd_month / m.app_rps)
            .collect();
        assert!(per_rps.windows(2).all(|w| w[1] > w[0]), "{per_rps:?}");
        let mut sc = Scenario::for_stage(1, 100.0);
        sc.app_machine = crate::scenario::machine("c5.24xlarge").unwrap();
        let c = monthly(&Topology::of(&sc), &sc, &Reading::empty(&sc));
        assert_eq!(c.lines[0], (Line::Vm, 2_940.0));
    }

    #[test]
    fn cost_follows_the_machines() {
        let mut sc = Scenario::for_stage(4, 50_000.0);
        let three = machines_monthly(&Topology::of(&sc), &sc);
        sc.app_servers = 6;
        let six = machines_monthly(&Topology::of(&sc), &sc);
        // Three more t3.large app servers plus their observability agents.
        assert!(
            (six - three - 3.0 * (61.0 + 15.0)).abs() < 1e-9,
            "{three} -> {six}"
        );
        let seven = Scenario::for_stage(7, 1_000.0);
        let t = Topology::of(&seven);
        let replicas = machines(&t, &seven)
            .into_iter()
            .find(|(l, _)| *l == Line::Replicas)
            .unwrap()
            .1;
        assert!(
            (replicas - 8.0 * 61.0).abs() < 1e-9,
            "two replicas for each of four shards"
        );
    }

    #[test]
    fn every_price_names_its_source_and_date() {
        for p in PRICES {
            assert!(
                p.usd > 0.0 && !p.source.is_empty() && !p.as_of.is_empty(),
                "{p:?}"
            );
        }
    }
}
