//! The diagram's topology, from the engine's system: many app servers are drawn as one pool
//! so the picture stays readable, and every engine edge maps to a drawn edge.

use std::collections::HashMap;

use headroom_engine::live::PartState;
use headroom_engine::parts::{PartId, PartNames, Role, Tier};
use headroom_engine::protocol::System;

use crate::format;

/// More app servers than this are drawn as one pool (they share their column with the logs).
pub const MAX_DRAWN_APPS: usize = 3;
/// More shards, or more replicas, than this are drawn as pools: a column holds at most this
/// many parts with room for their labels.
pub const MAX_DRAWN_DATABASES: usize = 4;

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
pub const WIDTH: f64 = 1200.0;
/// The diagram's drawing area, in SVG units.
pub const HEIGHT: f64 = 600.0;
/// A node's box, in SVG units.
pub const NODE_W: f64 = 170.0;
/// A node's box, in SVG units.
pub const NODE_H: f64 = 52.0;

/// Room beside a node's box for a label wider than the box, in SVG units.
const SIDE_ROOM: f64 = 40.0;
/// Room above a node's box for its scene label ("conns 100/100 · 12 waiting"), in SVG units.
const ROOM_ABOVE: f64 = 28.0;
/// Room below a node's box for the crosses of failed requests and its failure mark, in SVG
/// units.
const ROOM_BELOW: f64 = 40.0;

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
        Tier::Cache | Tier::Queue | Tier::ThirdParty | Tier::Cron => 3,
        Tier::Database => 4,
        Tier::Replica => 5,
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
        let count = |tier: Tier| system.parts.iter().filter(|p| p.id.tier == tier).count();
        let (apps, shards, replicas) = (
            count(Tier::App),
            count(Tier::Database),
            count(Tier::Replica),
        );
        // Identical servers beyond what fits are drawn as pools, each with its count: all the
        // app servers; all the shards; the replicas of each shard (up to four shards), or all
        // of them.
        let pools = Pools {
            apps: apps > MAX_DRAWN_APPS,
            shards: shards > MAX_DRAWN_DATABASES,
            replicas: if replicas <= MAX_DRAWN_DATABASES {
                ReplicaPools::None
            } else if shards <= MAX_DRAWN_DATABASES && shards > 1 {
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
        if left > right {
            return (0.0, 0.0, WIDTH, HEIGHT);
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

    /// The drawn node standing for `part`, if any.
    pub fn node_for(&self, part: PartId) -> Option<usize> {
        self.nodes.iter().position(|n| n.members.contains(&part))
    }
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

#[cfg(test)]
mod tests {
    use crate::test_support::run;

    use super::*;

    /// Every stage with each knob at its least and its most, and with all at their most.
    fn extremes() -> Vec<(u8, String, DiagramLayout)> {
        use crate::knobs::KNOBS;
        use headroom_engine::live::Engine;
        use headroom_engine::scenario::Scenario;
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
                let layout = DiagramLayout::new(&Engine::new(&sc, 1).system(1));
                out.push((stage, case, layout));
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
            assert!(
                l.nodes.len() <= 22,
                "stage {stage}, {case}: {} parts",
                l.nodes.len()
            );
        }
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
        let most = labels(7, "every knob at its most");
        for pool in ["App servers ×64", "Shards ×16", "Replicas ×128"] {
            assert!(most.iter().any(|l| l == pool), "no {pool} in {most:?}");
        }
        // Stage 7's defaults: four shards, each with its two replicas as one pool beside it.
        let defaults = labels(7, "defaults");
        assert!(defaults.iter().any(|l| l == "Shard 1"), "{defaults:?}");
        assert!(
            defaults.iter().any(|l| l == "Replicas 1A–1B"),
            "{defaults:?}"
        );
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
    fn the_view_box_holds_every_node_with_room_around_and_little_else() {
        for stage in 1..=7 {
            let (layout, _, _) = run(stage, 1_000.0, 0.5);
            let (x, y, w, h) = layout.view_box();
            let rooms: Vec<_> = (0..layout.nodes.len()).map(|i| layout.room(i)).collect();
            for (i, &(left, top, right, bottom)) in rooms.iter().enumerate() {
                let inside = left >= x && right <= x + w && top >= y && bottom <= y + h;
                assert!(inside, "stage {stage} node {i}");
            }
            // Some node touches each side of the box: it is no bigger than it needs to be.
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
            assert!(
                w <= WIDTH && h <= HEIGHT + ROOM_ABOVE + ROOM_BELOW,
                "stage {stage}"
            );
        }
    }
}
