//! The diagram's topology, from the engine's system: many app servers are drawn as one pool
//! so the picture stays readable, and every engine edge maps to a drawn edge.

use std::collections::HashMap;

use headroom_engine::live::PartState;
use headroom_engine::parts::{PartId, PartNames, Role, Tier};
use headroom_engine::protocol::System;

use crate::format;

/// More app servers than this are drawn as one pool.
pub const MAX_DRAWN_APPS: usize = 4;

/// A drawn node: one part, or several identical app servers drawn as a pool.
#[derive(Debug, Clone, PartialEq)]
pub struct DiagramNode {
    /// Id for tests and styling: the part's id, or "apps" for a pool.
    pub id: String,
    /// What it is called.
    pub label: String,
    /// The parts it stands for.
    pub members: Vec<PartId>,
    /// Its resources: indices into a reading's resources, found once rather than every frame.
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
    fn of(part: PartId) -> Self {
        match part.tier {
            Tier::Cdn | Tier::Cache => Self::Cached,
            Tier::Database | Tier::Replica => Self::Data,
            _ => Self::Other,
        }
    }
}

/// The column a tier is drawn in, left to right as a request travels.
fn column(tier: Tier) -> usize {
    match tier {
        Tier::Users | Tier::Analysts => 0,
        Tier::Cdn | Tier::LoadBalancer => 1,
        Tier::App | Tier::Observability => 2,
        Tier::Cache | Tier::Queue | Tier::ThirdParty => 3,
        Tier::Database | Tier::Cron => 4,
        Tier::Replica => 5,
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
    /// For each resource (in a reading's order), the drawn node it belongs to.
    pub node_of_resource: Vec<usize>,
    /// For each part (in the system's order), the drawn node it belongs to.
    pub node_of_part: Vec<usize>,
    /// Metrics are collected (stage 3 on); before that, node states read [`UNKNOWN`].
    pub observed: bool,
    /// How the system's parts are named.
    pub names: PartNames,
}

impl DiagramLayout {
    /// The layout of the engine's system.
    pub fn new(system: &System) -> Self {
        let names = system.topology.names();
        let apps = system
            .parts
            .iter()
            .filter(|p| p.id.tier == Tier::App)
            .count();
        let pool = apps > MAX_DRAWN_APPS;
        let key = |p: PartId| {
            if pool && p.tier == Tier::App {
                "apps".to_owned()
            } else {
                p.to_string()
            }
        };
        let mut nodes: Vec<DiagramNode> = Vec::new();
        let mut index_of: HashMap<String, usize> = HashMap::new();
        let mut node_of_part = Vec::with_capacity(system.parts.len());
        for p in &system.parts {
            let k = key(p.id);
            let i = *index_of.entry(k.clone()).or_insert_with(|| {
                nodes.push(DiagramNode {
                    label: if k == "apps" {
                        format!("App servers ×{apps}")
                    } else {
                        p.name.clone()
                    },
                    id: k,
                    members: Vec::new(),
                    resources: Vec::new(),
                    x: 0.0,
                    y: 0.0,
                });
                nodes.len() - 1
            });
            nodes[i].members.push(p.id);
            node_of_part.push(i);
        }
        let node_of_resource = system
            .resources
            .iter()
            .enumerate()
            .map(|(r, id)| {
                let n = index_of.get(&key(id.part)).copied().unwrap_or(0);
                nodes[n].resources.push(r);
                n
            })
            .collect();
        let mut edges: Vec<(usize, usize)> = Vec::new();
        let edge_of = system
            .edges
            .iter()
            .map(|e| {
                let pair = (
                    index_of.get(&key(e.from)).copied().unwrap_or(0),
                    index_of.get(&key(e.to)).copied().unwrap_or(0),
                );
                edges.iter().position(|&d| d == pair).unwrap_or_else(|| {
                    edges.push(pair);
                    edges.len() - 1
                })
            })
            .collect();
        // Columns left to right; members of a column spread top to bottom.
        let columns = nodes
            .iter()
            .map(|n| column(n.members[0].tier))
            .max()
            .unwrap_or(0)
            .max(1);
        for c in 0..=columns {
            let members: Vec<usize> = (0..nodes.len())
                .filter(|&i| column(nodes[i].members[0].tier) == c)
                .collect();
            let k = members.len();
            for (j, &i) in members.iter().enumerate() {
                nodes[i].x = c as f32 / columns as f32;
                nodes[i].y = (j as f32 + 0.5) / k as f32;
            }
        }
        Self {
            nodes,
            edges,
            edge_of,
            edge_target: system.edges.iter().map(|e| Target::of(e.to)).collect(),
            node_of_resource,
            node_of_part,
            observed: system.topology.observability,
            names,
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

    /// The drawn node standing for `part`, if any.
    pub fn node_for(&self, part: PartId) -> Option<usize> {
        self.nodes.iter().position(|n| n.members.contains(&part))
    }
}

/// What a node's state reads before observability: nobody can see inside the machines.
pub const UNKNOWN: &str = "???";

/// A drawn node's state, its members' part states added up.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct NodeState {
    /// Its busiest kind of servers: (role, busy on average, servers, waiting now).
    pub gauge: Option<(Role, f64, u32, u32)>,
    /// Requests inside it that have no limit of ours.
    pub inside: u32,
    /// Requests waiting now.
    pub waiting: u32,
    /// Memory in use over memory, 0 to 1, when its machines have a limit.
    pub memory: Option<f64>,
    /// A member is down.
    pub down: bool,
    /// A member is in trouble (the engine's measure).
    pub hot: bool,
}

impl NodeState {
    /// The state of drawn node `node` from the engine's part states (in the system's order).
    pub fn of(layout: &DiagramLayout, node: usize, parts: &[PartState]) -> Self {
        let mut s = Self::default();
        let (mut used, mut capacity) = (0.0, 0.0);
        for (p, _) in parts
            .iter()
            .zip(&layout.node_of_part)
            .filter(|(_, &n)| n == node)
        {
            s.inside += p.inside;
            s.waiting += p.waiting;
            s.down |= p.down;
            s.hot |= p.hot;
            if let Some((u, c)) = p.memory {
                used += u;
                capacity += c;
            }
            if let Some((role, busy, servers, waiting)) = p.gauge {
                s.gauge = Some(match s.gauge {
                    Some((r, b, n, w)) if r == role => (r, b + busy, n + servers, w + waiting),
                    Some(g) if g.1 / f64::from(g.2.max(1)) >= busy / f64::from(servers.max(1)) => g,
                    _ => (role, busy, servers, waiting),
                });
            }
        }
        s.memory = (capacity > 0.0).then(|| (used / capacity).clamp(0.0, 1.0));
        s
    }

    /// How busy its busiest kind of servers is, 0 to 1.
    pub fn busy(&self) -> f64 {
        self.gauge.map_or(0.0, |(_, b, n, _)| {
            (b / f64::from(n.max(1))).clamp(0.0, 1.0)
        })
    }

    /// A one-line state: "threads 12/64 · 3 waiting", "CPU 85%", "conns 100/100".
    pub fn line(&self) -> String {
        if self.down {
            return "down · restarting".to_owned();
        }
        let load = match self.gauge {
            Some((Role::Cores, ..)) => format!("CPU {:.0}%", self.busy() * 100.0),
            Some((Role::Disk, ..)) => format!("disk {:.0}%", self.busy() * 100.0),
            Some((role, busy, servers, _)) => {
                let word = if role == Role::Connections {
                    "conns"
                } else {
                    role.word()
                };
                format!(
                    "{word} {}/{}",
                    format::grouped(busy.round()),
                    format::grouped(f64::from(servers))
                )
            }
            None => format!("{} in flight", format::grouped(f64::from(self.inside))),
        };
        if self.waiting > 0 {
            format!(
                "{load} · {} waiting",
                format::grouped(f64::from(self.waiting))
            )
        } else {
            load
        }
    }
}
