use headroom_engine::sim::{EdgeInfo, NodeInfo};
use headroom_engine::snapshot::{NodeSnapshot, Snapshot};
use leptos::prelude::*;

/// The diagram's drawing area, in SVG units.
const WIDTH: f64 = 1000.0;
const HEIGHT: f64 = 560.0;
const NODE_W: f64 = 132.0;
const NODE_H: f64 = 46.0;

/// The stage's topology as the engine built it: nodes with positions, and edges.
#[derive(Debug, Clone, PartialEq)]
pub struct DiagramLayout {
    /// Nodes, with positions from 0 to 1.
    pub nodes: Vec<NodeInfo>,
    /// Edges, indexed as in the engine's in-flight sample.
    pub edges: Vec<EdgeInfo>,
}

fn place(n: &NodeInfo) -> (f64, f64) {
    (
        40.0 + NODE_W / 2.0 + f64::from(n.x) * (WIDTH - 80.0 - NODE_W),
        20.0 + NODE_H / 2.0 + f64::from(n.y) * (HEIGHT - 40.0 - NODE_H),
    )
}

/// A one-line state for a node, from its busiest resource: "threads 12/64 · queue 3".
fn state_line(id: &str, snapshot: &Snapshot) -> String {
    let mine: Vec<&NodeSnapshot> = snapshot.nodes.iter().filter(|r| r.node == id).collect();
    // The busiest resource, in whole percent; on a tie the CPU, the most familiar gauge.
    let key = |r: &&&NodeSnapshot| ((r.utilization * 100.0).round() as u32, r.role == "cores");
    let Some(main) = mine.iter().max_by_key(key) else {
        return String::new();
    };
    let name = match main.role {
        "connections" => "conns",
        "cores" => "CPU",
        "disk" => "disk",
        other => other,
    };
    let load = if main.servers > 0 {
        if main.role == "cores" || main.role == "disk" {
            format!("{name} {:.0}%", main.utilization * 100.0)
        } else {
            format!("{name} {}/{}", main.busy, main.servers)
        }
    } else {
        format!("{} in flight", main.busy)
    };
    let queued: u32 = mine.iter().map(|r| r.queue_len).sum();
    if queued > 0 {
        format!("{load} · queue {queued}")
    } else {
        load
    }
}

/// Whether a node is in trouble now: a resource at least 95% busy with a queue, or a host down.
fn is_hot(id: &str, host: &str, snapshot: &Snapshot) -> bool {
    let down = snapshot.hosts.iter().any(|(h, _, _, up)| h == host && !up);
    down || snapshot
        .nodes
        .iter()
        .any(|r| r.node == id && r.servers > 0 && r.utilization > 0.95 && r.queue_len > 0)
}

/// The stage's system as an SVG diagram: nodes with their live state, edges, and requests
/// moving along the edges, all from the engine's snapshot.
#[component]
pub fn TrafficDiagram(
    /// The topology.
    layout: Signal<DiagramLayout>,
    /// The latest snapshot, once the simulation has run a frame.
    snapshot: Signal<Option<Snapshot>>,
) -> impl IntoView {
    let edges = move || {
        let l = layout.get();
        l.edges
            .iter()
            .filter_map(|e| {
                let from = l.nodes.iter().find(|n| n.id == e.from)?;
                let to = l.nodes.iter().find(|n| n.id == e.to)?;
                let ((x1, y1), (x2, y2)) = (place(from), place(to));
                Some(view! { <line class="edge" x1=x1 y1=y1 x2=x2 y2=y2/> })
            })
            .collect_view()
    };
    let nodes = move || {
        let l = layout.get();
        l.nodes
            .into_iter()
            .map(|n| {
                let (cx, cy) = place(&n);
                let (id, host) = (n.id.clone(), n.host.clone());
                let state = {
                    let id = id.clone();
                    move || {
                        snapshot
                            .with(|s| s.as_ref().map(|s| state_line(&id, s)).unwrap_or_default())
                    }
                };
                let hot = {
                    let id = id.clone();
                    move || snapshot.with(|s| s.as_ref().is_some_and(|s| is_hot(&id, &host, s)))
                };
                view! {
                    <g class="node" class:hot=hot data-node=id.clone()>
                        <rect
                            x=cx - NODE_W / 2.0
                            y=cy - NODE_H / 2.0
                            width=NODE_W
                            height=NODE_H
                            rx=6
                        />
                        <text x=cx y=cy - 6.0 class="node-label">{n.label.clone()}</text>
                        <text x=cx y=cy + 13.0 class="node-state">{state}</text>
                    </g>
                }
            })
            .collect_view()
    };
    let dots = move || {
        let l = layout.get();
        snapshot.with(|s| {
            s.as_ref()
                .map(|s| {
                    s.in_flight
                        .iter()
                        .filter_map(|f| {
                            let e = l.edges.get(usize::from(f.edge))?;
                            let from = l.nodes.iter().find(|n| n.id == e.from)?;
                            let to = l.nodes.iter().find(|n| n.id == e.to)?;
                            let ((x1, y1), (x2, y2)) = (place(from), place(to));
                            let p = f64::from(f.progress);
                            let class = format!("dot class-{}{}", f.class, if f.job { " job" } else { "" });
                            Some(view! {
                                <circle class=class cx=x1 + (x2 - x1) * p cy=y1 + (y2 - y1) * p r=5/>
                            })
                        })
                        .collect_view()
                })
                .unwrap_or_default()
        })
    };

    view! {
        <figure class="panel diagram">
            <svg
                viewBox=format!("0 0 {WIDTH} {HEIGHT}")
                role="img"
                aria-labelledby="diagram-title"
                data-testid="diagram"
            >
                <title id="diagram-title">"The system and the requests moving through it"</title>
                <g class="edges">{edges}</g>
                <g class="nodes">{nodes}</g>
                <g class="dots" aria-hidden="true">{dots}</g>
            </svg>
        </figure>
    }
}
