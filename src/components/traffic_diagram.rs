use headroom_engine::snapshot::Snapshot;
use leptos::prelude::*;

use crate::diagram_layout::{is_hot, state_line, DiagramLayout, DiagramNode, UNKNOWN};

/// The diagram's drawing area, in SVG units.
const WIDTH: f64 = 1000.0;
const HEIGHT: f64 = 560.0;
const NODE_W: f64 = 132.0;
const NODE_H: f64 = 46.0;

fn place(n: &DiagramNode) -> (f64, f64) {
    (
        40.0 + NODE_W / 2.0 + f64::from(n.x) * (WIDTH - 80.0 - NODE_W),
        20.0 + NODE_H / 2.0 + f64::from(n.y) * (HEIGHT - 40.0 - NODE_H),
    )
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
            .map(|&(a, b)| {
                let ((x1, y1), (x2, y2)) = (place(&l.nodes[a]), place(&l.nodes[b]));
                view! { <line class="edge" x1=x1 y1=y1 x2=x2 y2=y2/> }
            })
            .collect_view()
    };
    let nodes = move || {
        let l = layout.get();
        l.nodes
            .into_iter()
            .map(|n| {
                let (cx, cy) = place(&n);
                let id = n.id.clone();
                let label = n.label.clone();
                let observed = l.observed;
                let node = std::sync::Arc::new(n);
                let state = {
                    let node = std::sync::Arc::clone(&node);
                    move || {
                        snapshot.with(|s| match s {
                            Some(_) if !observed => UNKNOWN.to_owned(),
                            Some(s) => state_line(&node, s),
                            None => String::new(),
                        })
                    }
                };
                let hot = move || snapshot.with(|s| s.as_ref().is_some_and(|s| is_hot(&node, s)));
                view! {
                    <g class="node" class:hot=hot data-node=id.clone()>
                        <rect
                            x=cx - NODE_W / 2.0
                            y=cy - NODE_H / 2.0
                            width=NODE_W
                            height=NODE_H
                            rx=6
                        />
                        <text x=cx y=cy - 6.0 class="node-label">{label}</text>
                        <text x=cx y=cy + 13.0 class="node-state">{state}</text>
                    </g>
                }
            })
            .collect_view()
    };
    // Every frame: borrow the layout rather than clone it.
    let dots = move || {
        layout.with(|l| snapshot.with(|s| {
            s.as_ref()
                .map(|s| {
                    s.in_flight
                        .iter()
                        .filter_map(|f| {
                            let &(a, b) = l.edges.get(*l.edge_of.get(usize::from(f.edge))?)?;
                            let ((x1, y1), (x2, y2)) = (place(&l.nodes[a]), place(&l.nodes[b]));
                            let p = f64::from(f.progress);
                            let class = format!("dot class-{}{}", f.class, if f.job { " job" } else { "" });
                            Some(view! {
                                <circle class=class cx=x1 + (x2 - x1) * p cy=y1 + (y2 - y1) * p r=5/>
                            })
                        })
                        .collect_view()
                })
                .unwrap_or_default()
        }))
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
