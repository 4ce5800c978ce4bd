//! What the simulated system costs per month, from a price table that is data.
//!
//! Prices are on-demand list prices as quoted in the course's source texts (2025); the ones
//! the texts do not give are marked as assumptions. Machines are priced in
//! [`crate::scenario::MACHINES`].

use serde::Serialize;

use crate::scenario::Scenario;

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
}

/// The price table for everything but machines (whose prices are in
/// [`crate::scenario::MACHINES`]).
pub const PRICES: [Price; 7] = [
    Price {
        item: "origin transfer out",
        usd: 0.09,
        unit: "GB",
        source: "assumption: AWS data transfer out, first tier",
    },
    Price {
        item: "load balancer",
        usd: 22.0,
        unit: "month, plus traffic",
        source: "seed 004: ALB ~$22/month",
    },
    Price {
        item: "cache node",
        usd: 50.0,
        unit: "node",
        source: "seed 004: Redis ~$15-50/month",
    },
    Price {
        item: "CDN transfer",
        usd: 0.085,
        unit: "GB",
        source: "assumption: CloudFront first tier",
    },
    Price {
        item: "queue",
        usd: 0.40,
        unit: "million messages",
        source: "assumption: SQS standard",
    },
    Price {
        item: "observability",
        usd: 15.0,
        unit: "host",
        source: "assumption: per-host APM and logs",
    },
    Price {
        item: "queue workers",
        usd: 61.0,
        unit: "t3.large per 256 workers",
        source: "seed 004 (t3.large)",
    },
];

fn price(item: &str) -> f64 {
    PRICES
        .iter()
        .find(|p| p.item == item)
        .map_or(0.0, |p| p.usd)
}

/// Average size of a static response (JS, CSS, images), KB: sets CDN transfer.
const STATIC_KB: f64 = 60.0;
/// Hours in a month.
const HOURS_PER_MONTH: f64 = 730.0;

/// A month's cost, total and per component.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cost {
    /// Total, USD per month.
    pub monthly_usd: f64,
    /// Per component, USD per month.
    pub components: Vec<(String, f64)>,
    /// USD per million requests served.
    pub per_million_requests_usd: f64,
    /// USD per 1,000 daily active users per month.
    pub per_1k_users_usd: f64,
}

/// The monthly cost of running `sc`'s system for its users, all month long.
pub fn monthly(sc: &Scenario) -> Cost {
    let mut lines: Vec<(String, f64)> = Vec::new();
    let stage = sc.stage;
    let app = sc.app_machine.usd_month;
    let db = sc.db_machine.usd_month;
    let apps = if stage >= 4 { sc.app_servers.max(1) } else { 1 };
    if stage == 1 {
        lines.push(("vm".into(), app));
    } else {
        lines.push(("app servers".into(), app * f64::from(apps)));
        let shards = if stage >= 7 { sc.shards.max(1) } else { 1 };
        lines.push(("database".into(), db * f64::from(shards)));
    }
    if stage >= 7 && sc.replicas > 0 {
        lines.push(("read replicas".into(), db * f64::from(sc.replicas)));
    }
    if stage >= 4 {
        lines.push(("load balancer".into(), price("load balancer")));
    }
    let avg_rps = sc.peak_rps() / sc.peak_hour_factor.max(1.0);
    let requests_month = avg_rps * 3_600.0 * HOURS_PER_MONTH;
    // Static files leave through the CDN when there is one (its misses come from the origin),
    // otherwise straight from the origin, whose transfer costs a little more.
    let static_gb = requests_month * sc.static_share * STATIC_KB / 1e6;
    let from_origin = if stage >= 5 { 1.0 - sc.cdn_hit } else { 1.0 };
    lines.push((
        "data transfer".into(),
        static_gb * from_origin * price("origin transfer out"),
    ));
    if stage >= 5 {
        lines.push((
            "cache".into(),
            price("cache node") * f64::from(sc.cache_nodes.max(1)),
        ));
        lines.push(("cdn".into(), static_gb * sc.cdn_hit * price("CDN transfer")));
    }
    if stage >= 6 {
        let jobs =
            requests_month * (1.0 - sc.static_share) * (sc.third_party_share + sc.deferred_share);
        lines.push(("queue".into(), jobs / 1e6 * price("queue")));
        let boxes = (f64::from(sc.workers) / 256.0).ceil();
        lines.push(("workers".into(), boxes * price("queue workers")));
    }
    if sc.observability {
        let hosts = lines
            .iter()
            .filter(|(n, _)| !["cdn", "queue", "data transfer"].contains(&n.as_str()))
            .count() as f64
            + f64::from(apps.saturating_sub(1));
        lines.push(("observability".into(), hosts * price("observability")));
    }
    let total: f64 = lines.iter().map(|(_, c)| c).sum();
    Cost {
        monthly_usd: total,
        per_million_requests_usd: if requests_month > 0.0 {
            total / (requests_month / 1e6)
        } else {
            0.0
        },
        per_1k_users_usd: if sc.users > 0.0 {
            total / (sc.users / 1_000.0)
        } else {
            0.0
        },
        components: lines,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_vm_costs_one_machine_and_its_traffic() {
        let c = monthly(&Scenario::for_stage(1, 100.0));
        assert_eq!(c.components.len(), 2);
        let transfer = c.components[1].1;
        // 100 users × 300 requests × 55% static × 60 KB, a month of average days, at $0.09/GB.
        let expected = 100.0 * 300.0 / 86_400.0 * 3_600.0 * 730.0 * 0.55 * 60.0 / 1e6 * 0.09;
        assert!(
            (transfer - expected).abs() < 1e-9,
            "{transfer} vs {expected}"
        );
        assert!((c.monthly_usd - 30.37 - expected).abs() < 1e-9);
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
        let c = monthly(&sc);
        assert_eq!(c.components[0], ("vm".to_owned(), 2_940.0));
    }

    #[test]
    fn cost_follows_the_resources() {
        let mut sc = Scenario::for_stage(4, 50_000.0);
        let three = monthly(&sc).monthly_usd;
        sc.app_servers = 6;
        let six = monthly(&sc).monthly_usd;
        // Three more t3.large app servers plus their observability agents.
        assert!(
            (six - three - 3.0 * (61.0 + 15.0)).abs() < 1e-9,
            "{three} -> {six}"
        );
        let cdn = |users| {
            let c = monthly(&Scenario::for_stage(5, users));
            c.components.iter().find(|(n, _)| n == "cdn").unwrap().1
        };
        assert!((cdn(2_000_000.0) / cdn(1_000_000.0) - 2.0).abs() < 1e-9);
    }
}
