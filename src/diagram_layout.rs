//! The diagram's topology, from the engine's system: many app servers are drawn as one pool
//! so the picture stays readable, and every engine edge maps to a drawn edge.

use std::collections::HashMap;

use headroom_engine::live::PartState;
use headroom_engine::parts::{PartId, PartNames, Role, Tier};
use headroom_engine::protocol::System;
use headroom_engine::topology::Feature;

use crate::diagram_route::{route, Rect, Route};
use crate::format;

/// More app servers than this are drawn as one pool (they share their column with the logs).
pub const MAX_DRAWN_APPS: usize = 3;
/// More shards, or more replicas, than this are drawn as pools: a column holds at most this
/// many parts with room for their labels.
pub const MAX_DRAWN_DATABASES: usize = 4;

/// Which way the diagram runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Orientation {
    /// Left to right, as a request travels: for wide screens and small embeds.
    #[default]
    Wide,
    /// Top to bottom, with fewer parts to a row: for a phone held upright, where a drawing
    /// that runs across would shrink its text past reading.
    Tall,
}

impl Orientation {
    /// The way that suits a window `width` × `height` CSS pixels: tall on a narrow window
    /// much taller than it is wide (a phone upright), wide otherwise (an embed of 320 × 400
    /// keeps the short drawing, so what breaks stays in view below it).
    pub fn for_window(width: f64, height: f64) -> Self {
        if width <= TALL_MAX_WIDTH && height >= TALL_MIN_ASPECT * width {
            Self::Tall
        } else {
            Self::Wide
        }
    }

    /// The most app servers, and shards or replicas, drawn one by one.
    fn drawn(self) -> (usize, usize) {
        match self {
            Self::Wide => (MAX_DRAWN_APPS, MAX_DRAWN_DATABASES),
            Self::Tall => (1, 2),
        }
    }

    /// A point or a size with its axes swapped when tall: the layout places and routes as if
    /// wide, across the axis a request travels.
    fn flip(self, (x, y): (f64, f64)) -> (f64, f64) {
        match self {
            Self::Wide => (x, y),
            Self::Tall => (y, x),
        }
    }
}

/// The widest window, in CSS pixels, that draws the diagram tall.
const TALL_MAX_WIDTH: f64 = 640.0;
/// How many times taller than wide a window must be to draw the diagram tall.
const TALL_MIN_ASPECT: f64 = 1.5;
/// Tall: from one row's centre to the next, in SVG units: a box, the labels above and below
/// it, and room for a machine's strip and the private network's.
pub const TALL_ROW_PITCH: f64 =
    NODE_H + ROOM_ABOVE + ROOM_BELOW + HOST_STRIP + HOST_PAD + NETWORK_STRIP + 16.0;
/// Tall: from one part's centre to the next in a row, in SVG units: a box, labels wider than
/// it on both sides, and a queue.
const TALL_SLOT: f64 = NODE_W + 2.0 * SIDE_ROOM + 20.0;

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
    /// Its centre, SVG units.
    pub x: f64,
    /// Its centre, SVG units.
    pub y: f64,
}

/// The least height the nodes of a column spread over, in SVG units.
pub const HEIGHT: f64 = 640.0;
/// The least room a node takes in its column: its box, its labels and a gap for edges.
const ROW_PITCH: f64 = NODE_H + ROOM_ABOVE + ROOM_BELOW + 14.0;
/// A node's box, in SVG units: room for its name and two lines of state.
pub const NODE_W: f64 = 200.0;
/// A node's box, in SVG units.
pub const NODE_H: f64 = 64.0;
/// From one column's centre to the next, in SVG units: a box, and a gap that holds a queue
/// and edges going around the parts they do not connect.
pub const COLUMN_PITCH: f64 = 260.0;
/// How far edges keep from the boxes they pass, in SVG units.
const EDGE_CLEARANCE: f64 = 4.0;

/// Room beside a node's box for a label wider than the box, in SVG units (less than half the
/// gap between columns, so two labels side by side stay apart).
pub const SIDE_ROOM: f64 = 30.0;
/// Room above a node's box for its scene label, two lines of it, in SVG units.
const ROOM_ABOVE: f64 = 38.0;
/// Room below a node's box for the crosses of failed requests and its failure mark, in SVG
/// units.
const ROOM_BELOW: f64 = 44.0;

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
        Tier::Users => 0,
        // Third-party APIs are outside, like the users: before the app tier, and outside the one
        // VM's boundary.
        Tier::Cdn | Tier::LoadBalancer | Tier::ThirdParty => 1,
        Tier::App | Tier::Observability => 2,
        // The shard router between the app servers and the shards, beside the cache.
        Tier::Cache | Tier::Queue | Tier::ShardRouter => 3,
        // The cron report runs on the database's machine, drawn above it.
        Tier::Cron | Tier::Database => 4,
        Tier::Replica => 5,
        // Dashboards, BI exports and analysts' SQL load the databases from inside the company:
        // beside the databases, clear of the users' way in.
        Tier::Analysts => 6,
    }
}

/// Which identical servers are drawn as pools.
#[derive(Debug, Clone, Copy)]
struct Pools {
    apps: bool,
    shards: bool,
    replicas: ReplicaPools,
}

/// How replicas are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReplicaPools {
    /// One by one.
    None,
    /// One pool for each shard's replicas.
    PerShard,
    /// One pool for all of them.
    All,
}

impl Pools {
    /// The drawn node a part belongs to: its own id, or its pool's.
    fn key(self, p: PartId) -> String {
        match p.tier {
            Tier::App if self.apps => "apps".to_owned(),
            Tier::Database if self.shards => "shards".to_owned(),
            Tier::Replica => match self.replicas {
                ReplicaPools::None => p.to_string(),
                ReplicaPools::PerShard => format!("replicas{}", p.shard() + 1),
                ReplicaPools::All => "replicas".to_owned(),
            },
            _ => p.to_string(),
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
    /// For each drawn edge, the node it passes through on the way, if any (the shard router).
    pub vias: Vec<Option<usize>>,
    /// Where each drawn edge runs, clear of the parts it does not connect.
    pub routes: Vec<Route>,
    /// For each engine edge, the drawn edge it travels along.
    pub edge_of: Vec<usize>,
    /// For each engine edge, what it leads to.
    pub edge_target: Vec<Target>,
    /// For each resource (in a reading's order), the drawn node it belongs to.
    pub node_of_resource: Vec<usize>,
    /// For each part (in the system's order), the drawn node it belongs to.
    pub node_of_part: Vec<usize>,
    /// Machines that hold more than one drawn part, drawn around them.
    pub hosts: Vec<HostBox>,
    /// The private network around the servers only the system itself reaches, once the
    /// database has a machine of its own (stage 2 on).
    pub network: Option<Rect>,
    /// Where the private network's name starts along its top: clear of the edges crossing it.
    pub network_label_x: f64,
    /// Metrics are collected (stage 3 on); before that, node states read [`UNKNOWN`].
    pub observed: bool,
    /// How the system's parts are named.
    pub names: PartNames,
}

impl DiagramLayout {
    /// The layout of the engine's system, running across.
    pub fn new(system: &System) -> Self {
        Self::oriented(system, Orientation::Wide)
    }

    /// The layout of the engine's system, running `orientation`'s way.
    pub fn oriented(system: &System, orientation: Orientation) -> Self {
        let names = system.topology.names();
        let count = |tier: Tier| system.parts.iter().filter(|p| p.id.tier == tier).count();
        let (apps, shards, replicas) = (
            count(Tier::App),
            count(Tier::Database),
            count(Tier::Replica),
        );
        // Identical servers beyond what fits are drawn as pools, each with its count: all the
        // app servers; all the shards; the replicas of each shard (up to four shards), or all
        // of them.
        let (max_apps, max_databases) = orientation.drawn();
        let pools = Pools {
            apps: apps > max_apps,
            shards: shards > max_databases,
            replicas: if replicas <= max_databases {
                ReplicaPools::None
            } else if shards <= max_databases && shards > 1 {
                ReplicaPools::PerShard
            } else {
                ReplicaPools::All
            },
        };
        let key = |p: PartId| pools.key(p);
        let pool_label = |k: &str, p: PartId| match (k, p.tier) {
            ("apps", _) => Some(format!("App servers ×{apps}")),
            ("shards", _) => Some(format!("Shards ×{shards}")),
            ("replicas", _) => Some(format!("Replicas ×{replicas}")),
            // A shard's replicas, first to last: "Replicas 1A–1H".
            (_, Tier::Replica) if pools.replicas == ReplicaPools::PerShard => {
                let per_shard = (replicas / shards.max(1)).max(1) as u16;
                let first = PartId::replica(p.shard(), 0);
                let last = PartId::replica(p.shard(), per_shard - 1);
                let short = |p: PartId| names.name(p).trim_start_matches("Replica ").to_owned();
                Some(format!("Replicas {}–{}", short(first), short(last)))
            }
            _ => None,
        };
        let mut nodes: Vec<DiagramNode> = Vec::new();
        let mut index_of: HashMap<String, usize> = HashMap::new();
        let mut node_of_part = Vec::with_capacity(system.parts.len());
        for p in &system.parts {
            let k = key(p.id);
            let i = *index_of.entry(k.clone()).or_insert_with(|| {
                nodes.push(DiagramNode {
                    label: pool_label(&k, p.id).unwrap_or_else(|| p.name.clone()),
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
        let mut vias: Vec<Option<usize>> = Vec::new();
        let node = |p: PartId| index_of.get(&key(p)).copied().unwrap_or(0);
        let edge_of = system
            .edges
            .iter()
            .map(|e| {
                let pair = (node(e.from), node(e.to));
                edges.iter().position(|&d| d == pair).unwrap_or_else(|| {
                    edges.push(pair);
                    vias.push(e.via.and_then(|v| index_of.get(&key(v)).copied()));
                    edges.len() - 1
                })
            })
            .collect();
        // Columns left to right, only those in use; members of a column spread top to bottom,
        // over a height with room for the fullest column.
        let fullest = (0..=6)
            .map(|c| {
                nodes
                    .iter()
                    .filter(|n| column(n.members[0].tier) == c)
                    .count()
            })
            .max()
            .unwrap_or(1) as f64;
        // Across the way requests travel: wide, a column's height; tall, a row's width.
        let (pitch, slot, node, least) = match orientation {
            Orientation::Wide => (COLUMN_PITCH, ROW_PITCH, NODE_H, HEIGHT),
            Orientation::Tall => (TALL_ROW_PITCH, TALL_SLOT, NODE_W, 0.0),
        };
        let across = least.max(fullest * slot + node);
        let used: Vec<usize> = (0..=6)
            .filter(|&c| nodes.iter().any(|n| column(n.members[0].tier) == c))
            .collect();
        // Within a column: the cron report above the database; third-party APIs below the way
        // in, clear of the users' edge to the app.
        let rank: Vec<u8> = nodes
            .iter()
            .map(|n| match n.members[0].tier {
                Tier::Cron => 0,
                Tier::ThirdParty => 2,
                _ => 1,
            })
            .collect();
        for (x, &c) in used.iter().enumerate() {
            let rank = &rank;
            let members: Vec<usize> = (0..3)
                .flat_map(|r| (0..rank.len()).filter(move |&i| rank[i] == r))
                .filter(|&i| column(nodes[i].members[0].tier) == c)
                .collect();
            let alone_below =
                members.len() == 1 && nodes[members[0]].members[0].tier == Tier::ThirdParty;
            let (k, skip) = if alone_below {
                (2.0, 1)
            } else {
                (members.len() as f64, 0)
            };
            for (j, &i) in members.iter().enumerate() {
                let j = j + skip;
                let along = orientation.flip((NODE_W, NODE_H)).0 / 2.0 + x as f64 * pitch;
                let side = node / 2.0 + (j as f64 + 0.5) / k * (across - node);
                (nodes[i].x, nodes[i].y) = orientation.flip((along, side));
            }
        }
        let routes = routes(&nodes, &edges, &vias, orientation);
        let hosts = host_boxes(system, &nodes, &node_of_part);
        let network = system.topology.has(Feature::SeparateDatabase).then(|| {
            let balanced = system.topology.has(Feature::LoadBalancer);
            private_network(&nodes, &hosts, balanced)
        });
        let network_label_x = network.map_or(0.0, |n| network_label_x(&n, &routes));
        Self {
            nodes,
            edges,
            vias,
            routes,
            hosts,
            network,
            network_label_x,
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
        (self.nodes[i].x, self.nodes[i].y)
    }

    /// Drawn node `i`'s box.
    pub fn node_box(&self, i: usize) -> Rect {
        Rect::centred(self.position(i), NODE_W, NODE_H)
    }

    /// The part of the drawing area the nodes use, as an SVG viewBox (x, y, width, height):
    /// every node's box, with room at the sides for a label wider than its box, above for a
    /// scene label and below for failed requests. The drawing then fills its panel.
    pub fn view_box(&self) -> (f64, f64, f64, f64) {
        let (mut left, mut top) = (f64::INFINITY, f64::INFINITY);
        let (mut right, mut bottom) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
        for i in 0..self.nodes.len() {
            let (l, t, r, b) = self.room(i);
            (left, top, right, bottom) = (left.min(l), top.min(t), right.max(r), bottom.max(b));
        }
        for r in self.hosts.iter().map(|h| h.rect).chain(self.network) {
            (left, top) = (left.min(r.left), top.min(r.top));
            (right, bottom) = (right.max(r.right), bottom.max(r.bottom));
        }
        for (x, y) in self.routes.iter().flat_map(|r| r.points.iter().copied()) {
            (left, top, right, bottom) = (left.min(x), top.min(y), right.max(x), bottom.max(y));
        }
        if left > right {
            return (0.0, 0.0, NODE_W, NODE_H);
        }
        (left, top, right - left, bottom - top)
    }

    /// The room drawn node `i` takes: its box, with room beside it for a label wider than the
    /// box, above for a scene label and below for failed requests (left, top, right, bottom).
    pub fn room(&self, i: usize) -> (f64, f64, f64, f64) {
        let (x, y) = self.position(i);
        (
            x - NODE_W / 2.0 - SIDE_ROOM,
            y - NODE_H / 2.0 - ROOM_ABOVE,
            x + NODE_W / 2.0 + SIDE_ROOM,
            y + NODE_H / 2.0 + ROOM_BELOW,
        )
    }

    /// The machines drawn around drawn node `i`.
    pub fn hosts_of(&self, i: usize) -> impl Iterator<Item = &HostBox> {
        self.hosts.iter().filter(move |h| h.nodes.contains(&i))
    }

    /// What drawn node `i`'s state line reads.
    pub fn reads(&self, i: usize) -> Reads {
        match self.nodes[i].members[0].tier {
            Tier::Users => Reads::Offered,
            Tier::Analysts => Reads::Purpose("reports · exports · SQL"),
            Tier::LoadBalancer => Reads::Purpose("spreads the requests"),
            Tier::Cdn => Reads::Purpose("static files, near users"),
            Tier::Observability => Reads::Purpose("logs · metrics · analytics"),
            Tier::ShardRouter => Reads::Purpose("each tenant to its shard"),
            _ => Reads::Load,
        }
    }

    /// The drawn node standing for `part`, if any.
    pub fn node_for(&self, part: PartId) -> Option<usize> {
        self.nodes.iter().position(|n| n.members.contains(&part))
    }
}

/// A machine drawn around the parts that run on it: one VM with the web server, the app, the
/// database and the cron job; later, the database's machine, where the cron report runs too.
#[derive(Debug, Clone, PartialEq)]
pub struct HostBox {
    /// What it is, in words.
    pub label: String,
    /// Where it is drawn, around its parts' boxes and their labels, with a strip for its own.
    pub rect: Rect,
    /// A part on it, whose state carries the machine's memory.
    pub part: PartId,
    /// The drawn nodes on it.
    pub nodes: Vec<usize>,
}

/// The strip along a machine's top that holds its name and, below, its memory, SVG units.
pub const HOST_STRIP: f64 = 44.0;
/// Room between a machine's edge and its parts' rooms, SVG units.
const HOST_PAD: f64 = 8.0;

/// The machines that hold more than one drawn part, each drawn around its parts.
fn host_boxes(system: &System, nodes: &[DiagramNode], node_of_part: &[usize]) -> Vec<HostBox> {
    let mut hosts: Vec<(u16, Vec<usize>)> = Vec::new();
    for (p, &n) in system.parts.iter().zip(node_of_part) {
        let Some(h) = p.host else { continue };
        match hosts.iter_mut().find(|(k, _)| *k == h) {
            Some((_, drawn)) if !drawn.contains(&n) => drawn.push(n),
            Some(_) => {}
            None => hosts.push((h, vec![n])),
        }
    }
    let names = system.topology.names();
    // A pool's parts run on machines of their own: a machine is drawn only around nodes that
    // are wholly on it.
    let wholly_on = |h: u16, n: usize| {
        nodes[n].members.iter().all(|m| {
            let i = system.parts.iter().position(|p| p.id == *m);
            i.and_then(|i| system.parts[i].host) == Some(h)
        })
    };
    hosts
        .into_iter()
        .filter(|(h, drawn)| drawn.len() > 1 && drawn.iter().all(|&n| wholly_on(*h, n)))
        .map(|(_, drawn)| {
            let tiers: Vec<Tier> = drawn.iter().map(|&n| nodes[n].members[0].tier).collect();
            let part = nodes[drawn[0]].members[0];
            let label = if tiers.contains(&Tier::App) {
                "One VM".to_owned()
            } else {
                let db = drawn
                    .iter()
                    .map(|&n| nodes[n].members[0])
                    .find(|p| p.tier == Tier::Database)
                    .unwrap_or(part);
                format!("{} machine", names.name(db))
            };
            let r = around(drawn.iter().map(|&n| &nodes[n]));
            HostBox {
                label,
                rect: Rect {
                    left: r.left - HOST_PAD,
                    top: r.top - HOST_STRIP - HOST_PAD,
                    right: r.right + HOST_PAD,
                    bottom: r.bottom + HOST_PAD,
                },
                part,
                nodes: drawn,
            }
        })
        .collect()
}

/// What `nodes` take with the labels above and below their boxes: the rectangle a machine or
/// the private network is drawn around.
fn around<'a>(nodes: impl Iterator<Item = &'a DiagramNode>) -> Rect {
    let mut r = Rect {
        left: f64::INFINITY,
        top: f64::INFINITY,
        right: f64::NEG_INFINITY,
        bottom: f64::NEG_INFINITY,
    };
    for n in nodes {
        r.left = r.left.min(n.x - NODE_W / 2.0);
        r.right = r.right.max(n.x + NODE_W / 2.0);
        r.top = r.top.min(n.y - NODE_H / 2.0 - ROOM_ABOVE);
        r.bottom = r.bottom.max(n.y + NODE_H / 2.0 + ROOM_BELOW);
    }
    r
}

/// Whether a part is on the private network: the servers behind the way in, which nobody
/// outside reaches directly. Behind a load balancer (stage 4 on) that is the app servers and
/// everything after them; before it, the users reach the app server itself, so only the
/// database's side is private. Logs and metrics sit beside the app servers.
fn is_private(tier: Tier, balanced: bool) -> bool {
    let first = if balanced { 2 } else { 3 };
    (first..=5).contains(&column(tier))
}

/// The strip along the private network's top that holds its name, SVG units.
pub const NETWORK_STRIP: f64 = 24.0;
/// Room between the private network's left edge and its parts' boxes, SVG units: a full queue
/// in front of a part, and most of a label wider than its box, stay inside.
const NETWORK_PAD: f64 = 20.0;

/// The private network, drawn around its parts, their labels and queues, and their machines.
fn private_network(nodes: &[DiagramNode], hosts: &[HostBox], balanced: bool) -> Rect {
    let mut r = around(
        nodes
            .iter()
            .filter(|n| is_private(n.members[0].tier, balanced)),
    );
    for h in hosts {
        r.left = r.left.min(h.rect.left + HOST_PAD);
        r.top = r.top.min(h.rect.top);
        r.bottom = r.bottom.max(h.rect.bottom);
        r.right = r.right.max(h.rect.right);
    }
    Rect {
        left: r.left - NETWORK_PAD,
        top: r.top - NETWORK_STRIP,
        right: r.right + HOST_PAD,
        bottom: r.bottom + HOST_PAD,
    }
}

/// Room the private network's name takes along its top, SVG units: its 15 characters at the
/// label's size, with some to spare.
pub const NETWORK_LABEL_W: f64 = 130.0;
/// Room kept between the private network's name and an edge crossing its strip, SVG units.
const LABEL_CLEARANCE: f64 = 8.0;

/// Where the private network's name starts: the leftmost place along its top strip that no
/// edge crosses (edges come in from every side), or its left end if there is none.
fn network_label_x(net: &Rect, routes: &[Route]) -> f64 {
    let (top, bottom) = (net.top, net.top + NETWORK_STRIP);
    // The stretches of the strip that edges cross.
    let mut taken: Vec<(f64, f64)> = Vec::new();
    for s in routes.iter().flat_map(|r| r.points.windows(2)) {
        let ((x0, y0), (x1, y1)) = (s[0], s[1]);
        if y0.max(y1) < top || y0.min(y1) > bottom {
            continue;
        }
        let (a, b) = if (y1 - y0).abs() < 1e-9 {
            (x0, x1)
        } else {
            // (Not `clamp`, whose range check prints floats: see `format`.)
            let at = |y: f64| x0 + (x1 - x0) * (y.max(y0.min(y1)).min(y0.max(y1)) - y0) / (y1 - y0);
            (at(top), at(bottom))
        };
        taken.push((a.min(b) - LABEL_CLEARANCE, a.max(b) + LABEL_CLEARANCE));
    }
    let first = net.left + 12.0;
    let fits = |x: f64| {
        x + NETWORK_LABEL_W <= net.right - 12.0
            && taken
                .iter()
                .all(|&(a, b)| x + NETWORK_LABEL_W <= a || x >= b)
    };
    std::iter::once(first)
        .chain(taken.iter().map(|&(_, b)| b))
        .filter(|&x| x >= first && fits(x))
        .reduce(f64::min)
        .unwrap_or(first)
}

/// Where each drawn edge runs: straight where that passes no other part, else around them
/// through the gaps between columns and rows; an edge with a part on the way runs to it and on
/// from it. An edge drawn both ways runs the same way back.
fn routes(
    nodes: &[DiagramNode],
    edges: &[(usize, usize)],
    vias: &[Option<usize>],
    orientation: Orientation,
) -> Vec<Route> {
    // Routed as if wide (the gaps between columns run down), then turned back.
    let flip = |p| orientation.flip(p);
    let (w, h) = flip((NODE_W, NODE_H));
    let boxes: Vec<Rect> = nodes
        .iter()
        .map(|n| Rect::centred(flip((n.x, n.y)), w, h).grown(EDGE_CLEARANCE))
        .collect();
    let gap = match orientation {
        Orientation::Wide => COLUMN_PITCH,
        Orientation::Tall => TALL_ROW_PITCH,
    } / 2.0;
    let leg = |a: usize, b: usize| match route(&boxes, a, b, gap) {
        Some(r) => Route::new(r.points.into_iter().map(flip).collect()),
        None => Route::new(vec![(nodes[a].x, nodes[a].y), (nodes[b].x, nodes[b].y)]),
    };
    let mut out: Vec<Route> = Vec::with_capacity(edges.len());
    for (k, &(a, b)) in edges.iter().enumerate() {
        let back = edges[..k].iter().position(|&e| e == (b, a));
        out.push(match (back, vias[k]) {
            (Some(j), _) => out[j].reversed(),
            (None, Some(v)) => leg(a, v).then(&leg(v, b)),
            (None, None) => leg(a, b),
        });
    }
    out
}

/// What a drawn node's state line reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reads {
    /// Its servers' load ("threads 12/64", "CPU 85%"), or what is inside it.
    Load,
    /// The requests a second the users send: the load the page states beside the slider.
    Offered,
    /// What it does: it holds no request for long, or serves none of the users'.
    Purpose(&'static str),
}

/// The most requests a queue in front of a part draws (two columns fit between two columns of
/// parts); its state line gives the number.
pub const QUEUE_CAP: u32 = 8;
/// Rows of the drawn queue: it fills a column beside the part's box, then the next, outwards.
const QUEUE_ROWS: u32 = 4;
/// A waiting request's square, in SVG units.
pub const QUEUE_SQUARE: f64 = 6.0;
/// The gap between two waiting requests' squares, in SVG units.
const QUEUE_GAP: f64 = 2.0;

/// Where the drawn queue in front of a part centred at (`cx`, `cy`) puts its squares (their
/// top-left corners), for `waiting` requests: one each up to [`QUEUE_CAP`], in columns left of
/// the box, nearest first.
pub fn queue_squares(cx: f64, cy: f64, waiting: u32) -> Vec<(f64, f64)> {
    let step = QUEUE_SQUARE + QUEUE_GAP;
    let top = cy - f64::from(QUEUE_ROWS) * step / 2.0 + QUEUE_GAP / 2.0;
    (0..waiting.min(QUEUE_CAP))
        .map(|k| {
            let (column, row) = (k / QUEUE_ROWS, k % QUEUE_ROWS);
            (
                cx - NODE_W / 2.0 - QUEUE_GAP - f64::from(column + 1) * step,
                top + f64::from(row) * step,
            )
        })
        .collect()
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
    /// Requests failed in it per second over the reading's window.
    pub failed_per_s: f64,
    /// Jobs' attempts failed in it per second over the reading's window (the queue retries
    /// them).
    pub job_attempts_failed_per_s: f64,
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
            s.failed_per_s += p.failed_per_s;
            s.job_attempts_failed_per_s += p.job_attempts_failed_per_s;
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

    /// Its load in a line: "threads 12/64", "CPU 85%", "conns 100/100", "down · restarting".
    pub fn line(&self) -> String {
        if self.down {
            return "down · restarting".to_owned();
        }
        match self.gauge {
            Some((Role::Cores, ..)) => format!("CPU {}%", format::fixed(self.busy() * 100.0, 0)),
            Some((Role::Disk, ..)) => format!("disk {}%", format::fixed(self.busy() * 100.0, 0)),
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
        }
    }

    /// What builds up in it, in a line, when anything does: "225 waiting · mem 80%" (memory
    /// once it is at least [`MEMORY_NOTE`] full).
    pub fn pressure(&self) -> Option<String> {
        let waiting = (self.waiting > 0 && !self.down)
            .then(|| format!("{} waiting", format::grouped(f64::from(self.waiting))));
        let memory = self
            .memory
            .filter(|&m| m >= MEMORY_NOTE && !self.down)
            .map(|m| format!("mem {}%", format::fixed(m * 100.0, 0)));
        match (waiting, memory) {
            (Some(w), Some(m)) => Some(format!("{w} · {m}")),
            (w, m) => w.or(m),
        }
    }
}

/// Memory use from which a node's state names it.
pub const MEMORY_NOTE: f64 = 0.75;

/// The most characters in a line of a label above a part: its box and the room beside it.
pub const LABEL_LINE_CHARS: usize = 32;

/// `text` in lines of at most `max` characters, broken between words; every line but the
/// last keeps its trailing space, so the lines read back as the text.
pub fn wrap(text: &str, max: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        // Bytes stand for characters: the labels are nearly all ASCII.
        let len = line.len() + word.len();
        if !line.is_empty() && len > max {
            lines.push(std::mem::take(&mut line));
        }
        line.push_str(word);
        line.push(' ');
    }
    line.pop();
    lines.push(line);
    lines
}

#[cfg(test)]
mod tests {
    use crate::test_support::run;
    use headroom_engine::live::Engine;
    use headroom_engine::scenario::Scenario;
    use headroom_engine::topology::DESIGNS;

    use super::*;

    /// Every stage with each knob at its least and its most, and with all at their most.
    fn extremes() -> Vec<(u8, String, DiagramLayout)> {
        use crate::knobs::KNOBS;
        let mut out = Vec::new();
        for stage in 1..=7u8 {
            let mut cases = vec![("defaults".to_owned(), Scenario::for_stage(stage, 1_000.0))];
            let mut all_max = Scenario::for_stage(stage, 1_000.0);
            for knob in KNOBS {
                let r = knob.range();
                for v in [r.min, r.max] {
                    let mut sc = Scenario::for_stage(stage, 1_000.0);
                    knob.apply(&mut sc, v);
                    cases.push((format!("{knob:?} {v}"), sc));
                }
                knob.apply(&mut all_max, r.max);
            }
            cases.push(("every knob at its most".to_owned(), all_max));
            for (case, sc) in cases {
                let system = Engine::new(&sc, 1).system(1);
                for o in [Orientation::Wide, Orientation::Tall] {
                    let layout = DiagramLayout::oriented(&system, o);
                    out.push((stage, format!("{case}, {o:?}"), layout));
                }
            }
        }
        out
    }

    #[test]
    fn no_two_parts_or_their_labels_overlap_at_any_stage_or_knob_extreme() {
        for (stage, case, l) in extremes() {
            // A part's footprint: its box, the scene label above and the failure mark below
            // (a label wider than its box may reach into the gap beside it).
            let footprint = |i: usize| {
                let (left, top, right, bottom) = l.room(i);
                (left + SIDE_ROOM, top, right - SIDE_ROOM, bottom)
            };
            for i in 0..l.nodes.len() {
                // A full queue in front of it stays clear of every other part's box.
                let (cx, cy) = l.position(i);
                for (x, y) in queue_squares(cx, cy, QUEUE_CAP) {
                    for j in (0..l.nodes.len()).filter(|&j| j != i) {
                        let (ox, oy) = l.position(j);
                        let apart = x + QUEUE_SQUARE <= ox - NODE_W / 2.0
                            || x >= ox + NODE_W / 2.0
                            || y + QUEUE_SQUARE <= oy - NODE_H / 2.0
                            || y >= oy + NODE_H / 2.0;
                        assert!(
                            apart,
                            "stage {stage}, {case}: the queue of {} runs into {}",
                            l.nodes[i].label, l.nodes[j].label
                        );
                    }
                }
                for j in i + 1..l.nodes.len() {
                    let (a, b) = (footprint(i), footprint(j));
                    let apart = a.2 <= b.0 || b.2 <= a.0 || a.3 <= b.1 || b.3 <= a.1;
                    assert!(
                        apart,
                        "stage {stage}, {case}: {} and {} overlap",
                        l.nodes[i].label, l.nodes[j].label
                    );
                }
            }
            // Every edge runs clear of the parts it does not connect or pass through.
            for (k, &(a, b)) in l.edges.iter().enumerate() {
                let via = l.vias[k];
                for j in (0..l.nodes.len()).filter(|&j| j != a && j != b && Some(j) != via) {
                    assert!(
                        !l.routes[k].hits(&l.node_box(j)),
                        "stage {stage}, {case}: the edge {} → {} runs under {}",
                        l.nodes[a].label,
                        l.nodes[b].label,
                        l.nodes[j].label
                    );
                }
            }
            // The private network holds the servers behind the way in, and nothing outside.
            let design = &DESIGNS[usize::from(stage) - 1];
            assert_eq!(l.network.is_some(), design.has(Feature::SeparateDatabase));
            if let Some(net) = l.network {
                for j in 0..l.nodes.len() {
                    let b = l.node_box(j);
                    let within = b.left >= net.left
                        && b.right <= net.right
                        && b.top >= net.top + NETWORK_STRIP
                        && b.bottom <= net.bottom;
                    let balanced = l
                        .nodes
                        .iter()
                        .any(|n| n.members[0].tier == Tier::LoadBalancer);
                    let private = is_private(l.nodes[j].members[0].tier, balanced);
                    assert_eq!(
                        within, private,
                        "stage {stage}, {case}: {}",
                        l.nodes[j].label
                    );
                    if !private {
                        let (left, top, right, bottom) = l.room(j);
                        let room = Rect {
                            left,
                            top,
                            right,
                            bottom,
                        };
                        assert!(
                            !room.overlaps(&net),
                            "stage {stage}, {case}: {}",
                            l.nodes[j].label
                        );
                    }
                }
                for h in &l.hosts {
                    assert!(h.rect.top >= net.top + NETWORK_STRIP && h.rect.right <= net.right);
                }
                // Its name, along its top, is clear of every edge.
                let label = Rect {
                    left: l.network_label_x,
                    top: net.top,
                    right: l.network_label_x + NETWORK_LABEL_W,
                    bottom: net.top + NETWORK_STRIP,
                };
                assert!(label.right <= net.right, "stage {stage}, {case}");
                for (k, r) in l.routes.iter().enumerate() {
                    let (a, b) = l.edges[k];
                    assert!(
                        !r.hits(&label),
                        "stage {stage}, {case}: the edge {} → {} crosses the network's name",
                        l.nodes[a].label,
                        l.nodes[b].label
                    );
                }
            }
            // A machine holds its parts, and no other.
            for h in &l.hosts {
                for j in 0..l.nodes.len() {
                    let mine = l.hosts_of(j).any(|k| std::ptr::eq(k, h));
                    let b = l.node_box(j);
                    let within = b.left >= h.rect.left
                        && b.right <= h.rect.right
                        && b.top >= h.rect.top
                        && b.bottom <= h.rect.bottom;
                    assert_eq!(
                        within, mine,
                        "stage {stage}, {case}: {} and {}",
                        h.label, l.nodes[j].label
                    );
                    if !mine {
                        assert!(!b.overlaps(&h.rect), "stage {stage}, {case}: {}", h.label);
                    }
                }
            }
            assert!(
                l.nodes.len() <= 22,
                "stage {stage}, {case}: {} parts",
                l.nodes.len()
            );
        }
    }

    #[test]
    fn a_label_wraps_between_words_and_reads_back_whole() {
        let text = "killed by OOM · restarting (4,096 MB) (unseen)";
        let lines = wrap(text, LABEL_LINE_CHARS);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines.iter().all(|l| l.chars().count() <= LABEL_LINE_CHARS));
        assert_eq!(lines.concat(), text);
        assert_eq!(wrap("short", 32), vec!["short"]);
        assert_eq!(wrap("", 32), vec![""]);
        // A word longer than a line stands alone rather than being cut.
        assert_eq!(
            wrap("a verylongword b", 4),
            vec!["a ", "verylongword ", "b"]
        );
    }

    #[test]
    fn a_state_gives_its_load_and_what_builds_up_apart() {
        let s = NodeState {
            gauge: Some((Role::Threads, 64.0, 64, 225)),
            waiting: 1_091,
            memory: Some(0.8),
            ..NodeState::default()
        };
        assert_eq!(s.line(), "threads 64/64");
        assert_eq!(s.pressure().as_deref(), Some("1,091 waiting · mem 80%"));
        let calm = NodeState {
            memory: Some(0.5),
            ..s
        };
        let calm = NodeState { waiting: 0, ..calm };
        assert_eq!(calm.pressure(), None);
        let down = NodeState { down: true, ..s };
        assert_eq!(down.line(), "down · restarting");
        assert_eq!(down.pressure(), None);
    }

    #[test]
    fn one_vm_holds_web_app_database_and_cron_and_later_the_database_machine_holds_cron() {
        let hosts = |stage: u8| {
            let (l, _, _) = run(stage, 1_000.0, 0.5);
            l.hosts
                .iter()
                .map(|h| {
                    let mut names: Vec<String> =
                        h.nodes.iter().map(|&n| l.nodes[n].id.clone()).collect();
                    names.sort();
                    (h.label.clone(), names.join(" "))
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(
            hosts(1),
            [("One VM".to_owned(), "app1 cron db1".to_owned())]
        );
        assert_eq!(
            hosts(2),
            [("Postgres machine".to_owned(), "cron db1".to_owned())]
        );
        assert_eq!(
            hosts(7),
            [("Shard 1 machine".to_owned(), "cron db1".to_owned())]
        );
    }

    #[test]
    fn parts_without_servers_say_what_they_do_and_the_users_what_they_send() {
        let (l, _, _) = run(5, 1_000.0, 0.5);
        let node = |id: &str| l.nodes.iter().position(|n| n.id == id).unwrap();
        assert_eq!(l.reads(node("users")), Reads::Offered);
        assert_eq!(l.reads(node("cache")), Reads::Load);
        assert_eq!(l.reads(node("app1")), Reads::Load);
        for id in ["analysts", "lb", "cdn", "observability"] {
            let Reads::Purpose(text) = l.reads(node(id)) else {
                panic!("{id}");
            };
            // It fits its box at the state's size (about 6.6 units a character; the e2e
            // geometry test measures the drawn text).
            assert!(text.chars().count() as f64 * 6.6 < NODE_W - 16.0, "{text}");
        }
    }

    #[test]
    fn apps_reach_the_shards_through_the_router_and_nothing_else_does() {
        let (l, _, _) = run(7, 1_000_000.0, 0.5);
        let router = l.nodes.iter().position(|n| n.id == "router").unwrap();
        assert_eq!(l.reads(router), Reads::Purpose("each tenant to its shard"));
        let mut through = 0;
        for (k, &(a, b)) in l.edges.iter().enumerate() {
            let (from, to) = (l.nodes[a].members[0].tier, l.nodes[b].members[0].tier);
            let routed = from == Tier::App && matches!(to, Tier::Database | Tier::Replica);
            assert_eq!(l.vias[k].is_some(), routed, "{from:?} → {to:?}");
            if routed {
                through += 1;
                // The drawn way runs into the router's box and on to the shard.
                assert!(l.routes[k].hits(&l.node_box(router)));
            }
        }
        assert!(through >= 2, "apps reach {through} shards or replicas");
        // One database: no router.
        let (one, _, _) = run(6, 1_000.0, 0.5);
        assert!(one.nodes.iter().all(|n| n.id != "router") && one.vias.iter().all(Option::is_none));
    }

    #[test]
    fn identical_servers_beyond_a_column_are_pools_with_their_count() {
        let all = extremes();
        let labels = |stage: u8, case: &str| -> Vec<String> {
            let (_, _, l) = all
                .iter()
                .find(|(s, c, _)| *s == stage && c == case)
                .unwrap();
            l.nodes.iter().map(|n| n.label.clone()).collect()
        };
        let most = labels(7, "every knob at its most, Wide");
        for pool in ["App servers ×64", "Shards ×16", "Replicas ×128"] {
            assert!(most.iter().any(|l| l == pool), "no {pool} in {most:?}");
        }
        // Stage 7's defaults: four shards, each with its two replicas as one pool beside it.
        let defaults = labels(7, "defaults, Wide");
        assert!(defaults.iter().any(|l| l == "Shard 1"), "{defaults:?}");
        assert!(
            defaults.iter().any(|l| l == "Replicas 1A–1B"),
            "{defaults:?}"
        );
        // Tall, a row holds fewer: stage 4's three app servers and stage 7's four shards and
        // their eight replicas are pools.
        let tall = [labels(4, "defaults, Tall"), labels(7, "defaults, Tall")].concat();
        for pool in ["App servers ×3", "Shards ×4", "Replicas ×8"] {
            assert!(tall.iter().any(|l| l == pool), "no {pool} in {tall:?}");
        }
        // A pool stands for every one of its members: each part is drawn exactly once.
        for (stage, case, l) in &all {
            let members: usize = l.nodes.iter().map(|n| n.members.len()).sum();
            assert_eq!(members, l.node_of_part.len(), "stage {stage}, {case}");
        }
    }

    #[test]
    fn a_queue_draws_one_square_a_request_up_to_its_cap_beside_the_box() {
        assert!(queue_squares(500.0, 200.0, 0).is_empty());
        assert_eq!(queue_squares(500.0, 200.0, 5).len(), 5);
        assert_eq!(queue_squares(500.0, 200.0, 272).len(), QUEUE_CAP as usize);
        let squares = queue_squares(500.0, 200.0, 272);
        for &(x, y) in &squares {
            // Left of the box, within its height, not touching it.
            assert!(x + QUEUE_SQUARE < 500.0 - NODE_W / 2.0, "{x}");
            assert!(
                y >= 200.0 - NODE_H / 2.0 && y + QUEUE_SQUARE <= 200.0 + NODE_H / 2.0,
                "{y}"
            );
        }
        // No two squares overlap.
        for (i, a) in squares.iter().enumerate() {
            for b in &squares[i + 1..] {
                let apart = (a.0 - b.0).abs() >= QUEUE_SQUARE || (a.1 - b.1).abs() >= QUEUE_SQUARE;
                assert!(apart, "{a:?} {b:?}");
            }
        }
        // The first fills the column nearest the box.
        assert!(squares[0].0 > squares[QUEUE_ROWS as usize].0);
    }

    #[test]
    fn a_phone_held_upright_draws_tall_and_narrower_than_wide() {
        assert_eq!(Orientation::for_window(390.0, 844.0), Orientation::Tall);
        for (w, h) in [
            (320.0, 400.0),
            (800.0, 600.0),
            (1440.0, 900.0),
            (844.0, 390.0),
        ] {
            assert_eq!(
                Orientation::for_window(w, h),
                Orientation::Wide,
                "{w} × {h}"
            );
        }
        // Tall, requests travel down: each stage's users are above its databases, and the
        // drawing is at most about half as wide as it is wide-drawn, so its text is twice as big.
        for stage in 1..=7 {
            let system = Engine::new(&Scenario::for_stage(stage, 1_000.0), 1).system(1);
            let wide = DiagramLayout::oriented(&system, Orientation::Wide);
            let tall = DiagramLayout::oriented(&system, Orientation::Tall);
            let y = |l: &DiagramLayout, tier| {
                l.nodes
                    .iter()
                    .find(|n| n.members[0].tier == tier)
                    .map(|n| n.y)
            };
            assert!(
                y(&tall, Tier::Users) < y(&tall, Tier::Database),
                "stage {stage}"
            );
            let ratio = tall.view_box().2 / wide.view_box().2;
            assert!(ratio < 0.75, "stage {stage}: {ratio:.2}");
        }
    }

    #[test]
    fn the_view_box_holds_every_node_with_room_around_and_little_else() {
        for stage in 1..=7 {
            let (layout, _, _) = run(stage, 1_000.0, 0.5);
            let (x, y, w, h) = layout.view_box();
            let mut rooms: Vec<_> = (0..layout.nodes.len()).map(|i| layout.room(i)).collect();
            rooms.extend(
                layout
                    .hosts
                    .iter()
                    .map(|h| h.rect)
                    .chain(layout.network)
                    .map(|r| (r.left, r.top, r.right, r.bottom)),
            );
            for (i, &(left, top, right, bottom)) in rooms.iter().enumerate() {
                let inside = left >= x && right <= x + w && top >= y && bottom <= y + h;
                assert!(inside, "stage {stage} node, machine or network {i}");
            }
            // Some node or machine touches each side of the box: it is no bigger than it needs
            // to be.
            let near = |a: f64, b: f64| (a - b).abs() < 1e-9;
            assert!(rooms.iter().any(|r| near(r.0, x)), "stage {stage} left");
            assert!(rooms.iter().any(|r| near(r.1, y)), "stage {stage} top");
            assert!(
                rooms.iter().any(|r| near(r.2, x + w)),
                "stage {stage} right"
            );
            assert!(
                rooms.iter().any(|r| near(r.3, y + h)),
                "stage {stage} bottom"
            );
            assert!(h <= 2.0 * HEIGHT, "stage {stage}");
        }
    }
}
