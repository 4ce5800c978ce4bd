//! The diagram's topology, from the engine's nodes and edges: many app servers are drawn as one
//! pool so the picture stays readable, and every engine edge maps to a drawn edge.

use headroom_engine::sim::{EdgeInfo, NodeInfo};
use headroom_engine::snapshot::Snapshot;

/// More app servers than this are drawn as one pool.
pub const MAX_DRAWN_APPS: usize = 4;

/// A drawn node: one engine node, or several (an app pool).
#[derive(Debug, Clone, PartialEq)]
pub struct DiagramNode {
    /// Id for tests and styling: the engine node's id, or "apps" for a pool.
    pub id: String,
    /// What it is called.
    pub label: String,
    /// The engine nodes it stands for.
    pub members: Vec<String>,
    /// The hosts they run on.
    pub hosts: Vec<String>,
    /// Its resources: indices into the snapshot's nodes, found once rather than every frame.
    pub resources: Vec<usize>,
    /// Position, 0 to 1.
    pub x: f32,
    /// Position, 0 to 1.
    pub y: f32,
}

/// The diagram's drawing area, in SVG units.
pub const WIDTH: f64 = 1000.0;
/// The diagram's drawing area, in SVG units.
pub const HEIGHT: f64 = 560.0;
/// A node's box, in SVG units.
pub const NODE_W: f64 = 150.0;
/// A node's box, in SVG units.
pub const NODE_H: f64 = 52.0;

/// What a request on an engine edge is heading to, for the dots' shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The CDN edge or the cache: served without the app or the database when it hits.
    Cached,
    /// A database: the primary, a replica or a shard.
    Data,
    /// Anything else.
    Other,
}

impl Target {
    fn of(node_id: &str) -> Self {
        if node_id == "cdn" || node_id == "cache" {
            Self::Cached
        } else if ["db", "replica", "shard"]
            .iter()
            .any(|p| node_id.starts_with(p))
        {
            Self::Data
        } else {
            Self::Other
        }
    }
}

/// What the diagram draws.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DiagramLayout {
    /// Drawn nodes.
    pub nodes: Vec<DiagramNode>,
    /// Drawn edges, as (from, to) indices into `nodes`.
    pub edges: Vec<(usize, usize)>,
    /// For each engine edge, the drawn edge it travels along.
    pub edge_of: Vec<usize>,
    /// For each engine edge, what it leads to.
    pub edge_target: Vec<Target>,
    /// For each resource (in snapshot order), the drawn node it belongs to.
    pub node_of_resource: Vec<usize>,
    /// Metrics are collected (stage 3 on); before that, node states read [`UNKNOWN`].
    pub observed: bool,
}

fn is_app(id: &str) -> bool {
    id.starts_with("app")
}

impl DiagramLayout {
    /// The layout of an engine topology. `resource_nodes` names, for each resource in snapshot
    /// order, its engine node; `observed` says whether metrics are collected.
    pub fn new<'a>(
        nodes: &[NodeInfo],
        edges: &[EdgeInfo],
        resource_nodes: impl IntoIterator<Item = &'a str>,
        observed: bool,
    ) -> Self {
        let apps = nodes.iter().filter(|n| is_app(&n.id)).count();
        let pool = apps > MAX_DRAWN_APPS;
        let mut drawn: Vec<DiagramNode> = Vec::new();
        let mut index_of = std::collections::HashMap::new();
        for n in nodes {
            let key = if pool && is_app(&n.id) {
                "apps".to_owned()
            } else {
                n.id.clone()
            };
            let i = *index_of.entry(key.clone()).or_insert_with(|| {
                drawn.push(DiagramNode {
                    label: if key == "apps" {
                        format!("App pool ×{apps}")
                    } else {
                        n.label.clone()
                    },
                    id: key,
                    members: Vec::new(),
                    hosts: Vec::new(),
                    resources: Vec::new(),
                    x: n.x,
                    y: if pool && is_app(&n.id) { 0.5 } else { n.y },
                });
                drawn.len() - 1
            });
            drawn[i].members.push(n.id.clone());
            drawn[i].hosts.push(n.host.clone());
        }
        let mut node_of_resource = Vec::new();
        for (r, node) in resource_nodes.into_iter().enumerate() {
            let d = drawn
                .iter()
                .position(|d| d.members.iter().any(|m| m == node))
                .unwrap_or(0);
            drawn[d].resources.push(r);
            node_of_resource.push(d);
        }
        let mut drawn_edges: Vec<(usize, usize)> = Vec::new();
        let edge_of = edges
            .iter()
            .map(|e| {
                let key = |id: &str| {
                    if pool && is_app(id) {
                        "apps".to_owned()
                    } else {
                        id.to_owned()
                    }
                };
                let pair = (index_of[&key(&e.from)], index_of[&key(&e.to)]);
                drawn_edges
                    .iter()
                    .position(|&d| d == pair)
                    .unwrap_or_else(|| {
                        drawn_edges.push(pair);
                        drawn_edges.len() - 1
                    })
            })
            .collect();
        Self {
            nodes: drawn,
            edges: drawn_edges,
            edge_of,
            edge_target: edges.iter().map(|e| Target::of(&e.to)).collect(),
            node_of_resource,
            observed,
        }
    }

    /// The centre of drawn node `i`, in SVG units.
    pub fn position(&self, i: usize) -> (f64, f64) {
        let n = &self.nodes[i];
        (
            40.0 + NODE_W / 2.0 + f64::from(n.x) * (WIDTH - 80.0 - NODE_W),
            20.0 + NODE_H / 2.0 + f64::from(n.y) * (HEIGHT - 40.0 - NODE_H),
        )
    }

    /// The drawn node standing for engine node `id` (a member of it), if any.
    pub fn node_for(&self, id: &str) -> Option<usize> {
        self.nodes
            .iter()
            .position(|n| n.members.iter().any(|m| m == id))
    }
}

/// Which gauge to show when two are equally busy: the database's connections ("conns
/// 100/100"), then cores ("CPU 100%"), then anything else.
fn tie_rank(role: &str) -> u8 {
    match role {
        "connections" => 2,
        "cores" => 1,
        _ => 0,
    }
}

/// What a node's state reads before observability: nobody can see inside the machines.
pub const UNKNOWN: &str = "???";

/// A one-line state for a drawn node from its busiest kind of resource, summed over its
/// members: "threads 12/64 · queue 3", "CPU 85%", "conns 100/100".
pub fn state_line(node: &DiagramNode, snapshot: &Snapshot) -> String {
    let mut roles: Vec<(&str, u32, u32, f64, u32)> = Vec::new(); // role, busy, servers, busy-avg, queue
    for r in node.resources.iter().filter_map(|&i| snapshot.nodes.get(i)) {
        let busy_avg = r.utilization * f64::from(r.servers);
        match roles.iter_mut().find(|x| x.0 == r.role) {
            Some(x) => {
                x.1 += r.busy;
                x.2 += r.servers;
                x.3 += busy_avg;
                x.4 += r.queue_len;
            }
            None => roles.push((r.role, r.busy, r.servers, busy_avg, r.queue_len)),
        }
    }
    let util = |x: &(&str, u32, u32, f64, u32)| if x.2 > 0 { x.3 / f64::from(x.2) } else { 0.0 };
    // The busiest role in whole percent; on a tie the CPU, the most familiar gauge.
    let Some(main) = roles
        .iter()
        .max_by_key(|x| ((util(x) * 100.0).round() as u32, tie_rank(x.0)))
    else {
        return String::new();
    };
    let queued: u32 = roles.iter().map(|x| x.4).sum();
    let load = match (main.0, main.2) {
        (_, 0) => format!("{} in flight", main.1),
        ("cores", _) => format!("CPU {:.0}%", util(main) * 100.0),
        ("disk", _) => format!("disk {:.0}%", util(main) * 100.0),
        ("connections", _) => format!("conns {}/{}", main.1, main.2),
        (role, _) => format!("{role} {}/{}", main.1, main.2),
    };
    if queued > 0 {
        format!("{load} · queue {queued}")
    } else {
        load
    }
}

/// A drawn node's servers by kind (role): how many are busy on average and how many there
/// are, summed over the node's members. Delays (a load balancer, the CDN) have no capacity to
/// run out of and are left out.
pub fn busy_by_role(node: &DiagramNode, snapshot: &Snapshot) -> Vec<(&'static str, f64, u32)> {
    let mut roles: Vec<(&'static str, f64, u32)> = Vec::new();
    for r in node.resources.iter().filter_map(|&i| snapshot.nodes.get(i)) {
        if r.servers == 0 {
            continue;
        }
        let busy = r.utilization * f64::from(r.servers);
        match roles.iter_mut().find(|x| x.0 == r.role) {
            Some(x) => {
                x.1 += busy;
                x.2 += r.servers;
            }
            None => roles.push((r.role, busy, r.servers)),
        }
    }
    roles
}

/// A drawn node's gauges: how busy its busiest kind of servers is (0 to 1, averaged over its
/// members), and how full its machines' memory is (0 to 1) when they have a limit.
pub fn gauges(node: &DiagramNode, snapshot: &Snapshot) -> (f64, Option<f64>) {
    let busiest = busy_by_role(node, snapshot)
        .iter()
        .map(|&(_, busy, servers)| busy / f64::from(servers))
        .fold(0.0, f64::max);
    let (used, capacity) = snapshot
        .hosts
        .iter()
        .filter(|(h, _, _, _)| node.hosts.contains(h))
        .fold((0.0, 0.0), |(u, c), (_, used, cap, _)| (u + used, c + cap));
    let memory = (capacity > 0.0).then(|| (used / capacity).clamp(0.0, 1.0));
    (busiest.clamp(0.0, 1.0), memory)
}

/// Whether a drawn node is in trouble now: a host of it is down, or a resource of it is at
/// least 95% busy with requests waiting.
pub fn is_hot(node: &DiagramNode, snapshot: &Snapshot) -> bool {
    snapshot
        .hosts
        .iter()
        .any(|(h, _, _, up)| !up && node.hosts.contains(h))
        || node
            .resources
            .iter()
            .filter_map(|&i| snapshot.nodes.get(i))
            .any(|r| r.servers > 0 && r.utilization > 0.95 && r.queue_len > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use headroom_engine::scenario::Scenario;
    use headroom_engine::sim::Sim;

    fn layout(stage: u8) -> (Sim, DiagramLayout) {
        let sim = Sim::new(&Scenario::for_stage(stage, 1_000.0), 1);
        let l = DiagramLayout::new(
            sim.nodes(),
            sim.edges(),
            sim.resource_nodes(),
            sim.scenario().observability,
        );
        (sim, l)
    }

    #[test]
    fn only_stages_with_observability_are_observed() {
        let observed: Vec<bool> = (1..=7).map(|stage| layout(stage).1.observed).collect();
        assert_eq!(observed, [false, false, true, true, true, true, true]);
    }

    #[test]
    fn on_a_tie_the_database_shows_its_connections_and_the_app_its_cpu() {
        assert!(tie_rank("connections") > tie_rank("cores"));
        assert!(tie_rank("cores") > tie_rank("threads"));
    }

    #[test]
    fn a_few_app_servers_are_drawn_one_by_one() {
        let (sim, l) = layout(4);
        assert_eq!(l.nodes.len(), sim.nodes().len());
        assert!(l.nodes.iter().any(|n| n.id == "app3"));
    }

    #[test]
    fn many_app_servers_become_one_pool_and_every_edge_still_maps() {
        let (sim, l) = layout(7);
        let pool = l.nodes.iter().find(|n| n.id == "apps").unwrap();
        assert_eq!(pool.label, "App pool ×64");
        assert_eq!(pool.members.len(), 64);
        assert_eq!(
            pool.resources.len(),
            128,
            "each app server's threads and cores"
        );
        let total: usize = l.nodes.iter().map(|n| n.resources.len()).sum();
        assert_eq!(
            total,
            sim.resource_nodes().count(),
            "every resource is drawn once"
        );
        assert!(!l.nodes.iter().any(|n| n.id == "app1"));
        assert_eq!(l.edge_of.len(), sim.edges().len());
        assert!(l.edge_of.iter().all(|&e| e < l.edges.len()));
        assert!(l.edges.len() < 20, "{} drawn edges", l.edges.len());
    }

    #[test]
    fn gauges_read_the_busiest_servers_and_the_machine_memory() {
        let (mut sim, l) = layout(1);
        sim.set_users(300.0);
        sim.step_until(5.0);
        let s = sim.snapshot(0);
        let vm = l.nodes.iter().find(|n| n.id == "app").unwrap();
        let (busy, memory) = gauges(vm, &s);
        assert!((0.0..=1.0).contains(&busy));
        let memory = memory.expect("the one VM has a memory limit");
        assert!(memory > 0.3 && memory < 0.9, "{memory}");
        let users = l.nodes.iter().find(|n| n.id == "users").unwrap();
        assert_eq!(gauges(users, &s), (0.0, None));
    }

    #[test]
    fn the_state_line_sums_the_pool_and_names_the_busiest_resource() {
        let (mut sim, l) = layout(7);
        sim.set_users(3_000_000.0);
        sim.step_until(5.0);
        let s = sim.snapshot(10);
        let pool = l.nodes.iter().find(|n| n.id == "apps").unwrap();
        let line = state_line(pool, &s);
        assert!(
            line.starts_with("threads ") || line.starts_with("CPU "),
            "{line}"
        );
        assert!(line.contains("/4096") || line.starts_with("CPU "), "{line}");
        let db = l.nodes.iter().find(|n| n.id == "shard1").unwrap();
        assert!(!state_line(db, &s).is_empty());
    }
}
